// SPDX-License-Identifier: MIT
/*
 * Functions the host must keep: the default route's NIC (through VLANs, bonds and
 * bridges to the PCI function; a VF's PF with it), the disks under the root
 * filesystem, other mounts and swap (through partitions, device-mapper and md), and
 * IOMMU groups that a vfio binding would leave half-owned by host drivers.
 */
#include "internal.h"
#include "passthru/judge.h"
#include "passthru/plan.h"
#include "passthru/parse.h"
#include "passthru/safety.h"
#include "passthru/sriov-predict.h"
#include "passthru/state.h" /* struct pt_lease: given by the caller */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>

#define MAX_DEPTH 8

const char *pt_protect_kind_str(enum pt_protect_kind k)
{
	switch (k) {
	case PT_PROTECT_DEFAULT_ROUTE: return "default-route";
	case PT_PROTECT_ROOT_FS: return "root-fs";
	case PT_PROTECT_MOUNTED: return "mounted";
	case PT_PROTECT_IOMMU_GROUP: return "iommu-group";
	}
	return "?";
}

/* ---- pure parsers ------------------------------------------------------------------ */

static const char *next_line(const char *p)
{
	const char *e = strchr(p, '\n');

	return e ? e + 1 : p + strlen(p);
}

static void add_ifname(char (*out)[16], size_t max, size_t *n, const char *name, size_t len)
{
	if (len == 0 || len >= 16)
		return;
	for (size_t i = 0; i < *n && i < max; i++)
		if (strncmp(out[i], name, len) == 0 && out[i][len] == '\0')
			return;
	if (*n < max) {
		memcpy(out[*n], name, len);
		out[*n][len] = '\0';
	}
	(*n)++;
}

/* /proc/net/route: "Iface Destination Gateway Flags RefCnt Use Metric Mask ..." in hex;
 * a default route has destination 0 and mask 0 and is up (flag 0x1). */
size_t pt_parse_default_routes_v4(const char *text, char (*out)[16], size_t max)
{
	size_t n = 0;

	for (const char *p = text; *p; p = next_line(p)) {
		char ifn[32], dst[16], gw[16], mask[16];
		unsigned flags;

		if (sscanf(p, "%31s %15s %15s %x %*s %*s %*s %15s", ifn, dst, gw, &flags, mask) != 5)
			continue;
		if (strcmp(ifn, "Iface") == 0)
			continue;
		if (strcmp(dst, "00000000") == 0 && strcmp(mask, "00000000") == 0 && (flags & 1))
			add_ifname(out, max, &n, ifn, strlen(ifn));
	}
	return n;
}

/* /proc/net/ipv6_route: "dst plen src splen nexthop metric refcnt use flags iface";
 * ::/0 is a default route unless it is the reject route on lo (flag RTF_REJECT 0x200). */
size_t pt_parse_default_routes_v6(const char *text, char (*out)[16], size_t max)
{
	size_t n = 0;

	for (const char *p = text; *p; p = next_line(p)) {
		char dst[40], plen[4], ifn[32];
		unsigned flags;

		if (sscanf(p, "%39s %3s %*s %*s %*s %*s %*s %*s %x %31s", dst, plen, &flags, ifn) != 4)
			continue;
		if (strspn(dst, "0") != 32 || strcmp(plen, "00") != 0)
			continue;
		if ((flags & 0x200) || strcmp(ifn, "lo") == 0 || !(flags & 1))
			continue;
		add_ifname(out, max, &n, ifn, strlen(ifn));
	}
	return n;
}

/* The kernel escapes ' ', '\t', '\n', '\\' as \ooo in /proc/mounts. */
static void unescape(const char *in, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < outlen; i++) {
		if (in[i] == '\\' && i + 3 < len && in[i + 1] >= '0' && in[i + 1] <= '3' &&
		    in[i + 2] >= '0' && in[i + 2] <= '7' && in[i + 3] >= '0' && in[i + 3] <= '7') {
			out[o++] = (char)((in[i + 1] - '0') << 6 | (in[i + 2] - '0') << 3 | (in[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
}

size_t pt_parse_mounts(const char *text, struct pt_mount_ent *out, size_t max)
{
	size_t n = 0;

	for (const char *p = text; *p; p = next_line(p)) {
		const char *dev = p, *where;
		size_t dl, wl;

		dl = strcspn(dev, " \n");
		if (dev[dl] != ' ')
			continue;
		where = dev + dl + 1;
		wl = strcspn(where, " \n");
		if (wl == 0 || dl < 6 || strncmp(dev, "/dev/", 5) != 0)
			continue;
		if (n < max) {
			unescape(dev, dl, out[n].dev, sizeof(out[n].dev));
			unescape(where, wl, out[n].where, sizeof(out[n].where));
		}
		n++;
	}
	return n;
}

/* ---- resolution to PCI functions --------------------------------------------------- */

struct plist {
	struct pt_protected *v;
	size_t n;
	int err;
};

static void protect(struct plist *l, const struct pt_device *d, enum pt_protect_kind k,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void protect(struct plist *l, const struct pt_device *d, enum pt_protect_kind k,
		    const char *fmt, ...)
{
	struct pt_protected p = { .bdf = d->bdf, .kind = k };
	va_list ap;

	for (size_t i = 0; i < l->n; i++)
		if (pt_bdf_eq(&l->v[i].bdf, &d->bdf) && l->v[i].kind == k)
			return;
	va_start(ap, fmt);
	vsnprintf(p.why, sizeof(p.why), fmt, ap);
	va_end(ap);
	if (!l->err && PT_PUSH(l->v, l->n, p))
		l->err = -ENOMEM;
}

static const struct pt_device *by_netdev(const struct pt_host *h, const char *ifn)
{
	for (size_t i = 0; i < h->n_devs; i++)
		for (size_t k = 0; k < h->devs[i].n_netdevs; k++)
			if (strcmp(h->devs[i].netdevs[k], ifn) == 0)
				return &h->devs[i];
	return NULL;
}

static void route_iface(struct pt_ctx *ctx, const struct pt_host *h, struct plist *l,
			const char *ifn, const char *route, const char *top, int depth)
{
	const struct pt_device *d = by_netdev(h, ifn);
	struct dirent *e;
	DIR *dir;

	if (d) {
		protect(l, d, PT_PROTECT_DEFAULT_ROUTE, "carries the %s default route (%s)", route, top);
		if (d->has_physfn) {
			const struct pt_device *pf = pt_host_find(h, &d->physfn);

			if (pf)
				protect(l, pf, PT_PROTECT_DEFAULT_ROUTE,
					"is the PF of %s, which carries the %s default route (%s)",
					d->name, route, top);
		}
		return;
	}
	/* a VLAN, bond, bridge, macvlan: follow lower_<dev> links down to the hardware */
	if (depth >= MAX_DEPTH)
		return;
	dir = pt_opendir(ctx, "/sys/class/net/%s", ifn);
	if (!dir)
		return;
	while ((e = readdir(dir)))
		if (strncmp(e->d_name, "lower_", 6) == 0 && e->d_name[6])
			route_iface(ctx, h, l, e->d_name + 6, route, top, depth + 1);
	closedir(dir);
}

static const char *base(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

/* A block device name to the PCI functions under it: partition -> disk, dm/md ->
 * slaves, disk -> the function whose block/ (or nvme controller) holds it. */
static void block_dev(struct pt_ctx *ctx, const struct pt_host *h, struct plist *l,
		      const char *name, enum pt_protect_kind k, const char *what, int depth)
{
	char link[512];
	bool slaves = false;
	struct dirent *e;
	DIR *dir;

	if (depth >= MAX_DEPTH || !name[0] || strchr(name, '/'))
		return;
	if (pt_exists(ctx, "/sys/class/block/%s/partition", name) &&
	    pt_readlink(ctx, link, sizeof(link), "/sys/class/block/%s", name) >= 0) {
		char *slash = strrchr(link, '/');

		if (slash) {
			*slash = '\0';
			block_dev(ctx, h, l, base(link), k, what, depth + 1);
		}
		return;
	}
	if ((dir = pt_opendir(ctx, "/sys/class/block/%s/slaves", name))) {
		while ((e = readdir(dir)))
			if (e->d_name[0] != '.') {
				slaves = true;
				block_dev(ctx, h, l, e->d_name, k, what, depth + 1);
			}
		closedir(dir);
	}
	if (slaves)
		return;
	/* a native-multipath namespace hangs off every controller of its subsystem */
	for (size_t i = 0; i < h->n_devs; i++)
		for (size_t b = 0; b < h->devs[i].n_blockdevs; b++)
			if (strcmp(h->devs[i].blockdevs[b], name) == 0)
				protect(l, &h->devs[i], k, "backs %s (%s)", what, name);
}

/* "/dev/mapper/vg-root", "/dev/disk/by-uuid/..", "/dev/nvme0n1p2" -> "dm-0", "nvme0n1p2" */
static void dev_to_block(struct pt_ctx *ctx, const char *dev, char *out, size_t len)
{
	char link[512];
	struct dirent *e;
	DIR *dir;

	if (pt_readlink(ctx, link, sizeof(link), "%s", dev) >= 0) {
		pt_strlcpy(out, base(link), len);
		return;
	}
	pt_strlcpy(out, base(dev), len);
	if (strncmp(dev, "/dev/mapper/", 12) != 0)
		return;
	/* no /dev link (a captured tree): find the dm device by its name */
	if (!(dir = pt_opendir(ctx, "/sys/class/block")))
		return;
	while ((e = readdir(dir))) {
		char name[128];

		if (strncmp(e->d_name, "dm-", 3) != 0)
			continue;
		if (pt_read_attr(ctx, name, sizeof(name), "/sys/class/block/%s/dm/name", e->d_name) > 0 &&
		    strcmp(name, dev + 12) == 0) {
			pt_strlcpy(out, e->d_name, len);
			break;
		}
	}
	closedir(dir);
}

int pt_safety_protected(struct pt_ctx *ctx, const struct pt_host *h, struct pt_protected **out,
			size_t *n)
{
	struct plist l = { 0 };
	char ifs[16][16];
	char *buf = NULL;
	size_t k;

	if (pt_read_file(ctx, &buf, NULL, 1 << 20, "/proc/net/route") == 0) {
		k = pt_parse_default_routes_v4(buf, ifs, 16);
		for (size_t i = 0; i < k && i < 16; i++)
			route_iface(ctx, h, &l, ifs[i], "IPv4", ifs[i], 0);
		free(buf);
		buf = NULL;
	}
	if (pt_read_file(ctx, &buf, NULL, 1 << 20, "/proc/net/ipv6_route") == 0) {
		k = pt_parse_default_routes_v6(buf, ifs, 16);
		for (size_t i = 0; i < k && i < 16; i++)
			route_iface(ctx, h, &l, ifs[i], "IPv6", ifs[i], 0);
		free(buf);
		buf = NULL;
	}
	if (pt_read_file(ctx, &buf, NULL, 4 << 20, "/proc/mounts") == 0) {
		struct pt_mount_ent *m;
		size_t nm = pt_parse_mounts(buf, NULL, 0);

		m = calloc(nm ? nm : 1, sizeof(*m));
		if (!m) {
			free(buf);
			free(l.v);
			return pt_err(ctx, -ENOMEM, "out of memory");
		}
		nm = pt_parse_mounts(buf, m, nm);
		for (size_t i = 0; i < nm; i++) {
			char blk[128], what[300];
			bool root = strcmp(m[i].where, "/") == 0;

			dev_to_block(ctx, m[i].dev, blk, sizeof(blk));
			snprintf(what, sizeof(what), "%s%s mounted from %s", root ? "the root filesystem " : "",
				 m[i].where, m[i].dev);
			block_dev(ctx, h, &l, blk, root ? PT_PROTECT_ROOT_FS : PT_PROTECT_MOUNTED, what, 0);
		}
		free(m);
		free(buf);
		buf = NULL;
	}
	if (pt_read_file(ctx, &buf, NULL, 1 << 20, "/proc/swaps") == 0) {
		for (const char *p = next_line(buf); *p; p = next_line(p)) {
			char dev[256], blk[128], what[300];

			if (sscanf(p, "%255s", dev) != 1 || strncmp(dev, "/dev/", 5) != 0)
				continue;
			dev_to_block(ctx, dev, blk, sizeof(blk));
			snprintf(what, sizeof(what), "swap on %s", dev);
			block_dev(ctx, h, &l, blk, PT_PROTECT_MOUNTED, what, 0);
		}
		free(buf);
	}
	if (l.err) {
		free(l.v);
		return pt_err(ctx, l.err, "out of memory");
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

const struct pt_protected *pt_safety_find(const struct pt_protected *list, size_t n,
					  const struct pt_bdf *bdf)
{
	for (size_t i = 0; i < n; i++)
		if (pt_bdf_eq(&list[i].bdf, bdf))
			return &list[i];
	return NULL;
}

/* ---- what the shared judgements read (judge.h) ---- */

int pt_judge_inputs_read(struct pt_ctx *ctx, const struct pt_host *h, const char *kernel_log,
			 struct pt_judge_inputs *out)
{
	memset(out, 0, sizeof(*out));
	if (h->n_group_ids > 0 || h->n_iommu_units > 0) {
		pt_judge_dma(h, NULL, &out->dma);
	} else {
		/* the tree cannot tell on its own: what does the kernel say? */
		struct pt_klog k;
		char *buf = NULL;
		size_t len = 0;

		memset(&k, 0, sizeof(k));
		if (pt_klog_read(ctx, kernel_log, &buf, &len) == 0 && pt_klog_parse(buf, len, &k) == 0)
			pt_judge_dma(h, &k, &out->dma);
		else
			pt_judge_dma(h, NULL, &out->dma);
		free(buf);
		pt_klog_free(&k);
	}
	return pt_safety_protected(ctx, h, &out->prot, &out->n_prot);
}

void pt_judge_inputs_free(struct pt_judge_inputs *in)
{
	free(in->prot);
	memset(in, 0, sizeof(*in));
}

/* ---- the plan gate ------------------------------------------------------------------- */

/* One refusal of dev, kept by blocker (NULL: dev itself); one entry per device, kind
 * and blocker. */
__attribute__((format(printf, 5, 6))) static void refuse(struct pt_safety_result *r, const char *dev,
							    const char *kind, const char *blocker,
							    const char *fmt, ...)
{
	struct pt_refusal f;
	va_list ap;

	if (!blocker || !*blocker)
		blocker = dev;
	for (size_t i = 0; i < r->n_refused; i++)
		if (strcmp(r->refused[i].device, dev) == 0 && strcmp(r->refused[i].kind, kind) == 0 &&
		    strcmp(r->refused[i].blocker, blocker) == 0)
			return;
	memset(&f, 0, sizeof(f));
	pt_strlcpy(f.device, dev, sizeof(f.device));
	pt_strlcpy(f.kind, kind, sizeof(f.kind));
	pt_strlcpy(f.blocker, blocker, sizeof(f.blocker));
	f.overridable = strcmp(kind, "leased") != 0;
	va_start(ap, fmt);
	vsnprintf(f.reason, sizeof(f.reason), fmt, ap);
	va_end(ap);
	PT_PUSH(r->refused, r->n_refused, f); /* out of memory: one refusal fewer shown */
}

/* The function an action disrupts: the PF for a VF count change, the function itself
 * for driver changes, the VF for its settings (when it exists already). */
static const struct pt_device *action_target(const struct pt_host *h, const struct pt_action *a)
{
	struct pt_bdf b;

	switch (a->kind) {
	case PT_ACT_SET_NUMVFS:
		return pt_host_find(h, &a->pf);
	case PT_ACT_SET_AUTOPROBE:
	case PT_ACT_WAIT_VFS:
		return NULL;
	default:
		if (pt_bdf_parse(a->device, &b) < 0)
			return NULL;
		return pt_host_find(h, &b);
	}
}

static const struct pt_lease *leased(const struct pt_lease *l, size_t n, const struct pt_bdf *b,
				     const char *own_vm)
{
	char s[PT_BDF_STRLEN];

	pt_bdf_format(b, s);
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i].bdf, s) == 0 && !(own_vm && strcmp(l[i].vm, own_vm) == 0))
			return &l[i];
	return NULL;
}

static void check_vfio_binding(const struct pt_host *h, const struct pt_judge_inputs *in,
			       const struct pt_bdf *vfio, size_t n_vfio, const struct pt_device *d,
			       struct pt_safety_result *out)
{
	struct pt_assignability a;

	/* the same judgement show, check, doctor, pools and assign make; protection is
	 * judged for every action below, so not here */
	pt_judge_assignable(h, in->dma.on, NULL, 0, vfio, n_vfio, d, &a);
	for (size_t i = 0; i < a.n_causes && i < PT_MAX_CAUSES; i++) {
		const struct pt_cause *c = &a.causes[i];

		if (c->kind == PT_CAUSE_NO_DMA_REMAPPING)
			refuse(out, d->name, "no-iommu", NULL,
			       "%s: binding it to vfio-pci on a host without DMA remapping would let the "
			       "guest DMA anywhere in host memory (%s): %s", d->name, in->dma.evidence,
			       c->fix);
		else
			refuse(out, d->name, pt_protect_kind_str(PT_PROTECT_IOMMU_GROUP), c->device,
			       "%s: %s", c->why, c->fix);
	}
}

/* The same prediction as `passthru plan sriov`: a VF count the kernel will refuse is
 * refused here with its words, before anything is written (the plan goes through 0,
 * so the count is judged as from 0). An unknown answer does not refuse. */
static void predict_numvfs(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_device *pf,
			   const struct pt_action *a, struct pt_safety_result *out)
{
	struct pt_sriov_prediction p;
	struct pt_sriov_facts f;
	long to;

	if (pt_parse_long(a->to, &to) < 0 || to <= 0 || pt_sriov_gather(ctx, h, pf, &f) < 0)
		return;
	f.num_vfs = 0;
	if (pt_sriov_predict(&f, (int)to, &p) < 0 || p.succeeds != PT_NO)
		return;
	refuse(out, pf->name, "sriov_limit", NULL, "sriov_numvfs %ld would fail (%s): %s%s%s", to,
	       pt_sriov_limit_str(p.limit), p.reason, p.advice[0] ? "; " : "", p.advice);
}

int pt_safety_check_plan(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_plan *plan,
			 const struct pt_safety_opts *o, struct pt_safety_result *out)
{
	const char *own = o ? o->own_vm : NULL;
	bool force = o && o->force;
	struct pt_judge_inputs in;
	const struct pt_lease *leases;
	struct pt_bdf *vfio = NULL;
	size_t n_vfio = 0, n_leases = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (!plan->n)
		return 0;
	r = pt_judge_inputs_read(ctx, h, NULL, &in);
	if (r < 0)
		return r;
	vfio = calloc(plan->n, sizeof(*vfio));
	if (!vfio) {
		pt_judge_inputs_free(&in);
		return pt_err(ctx, -ENOMEM, "out of memory");
	}
	leases = o ? o->leases : NULL;
	n_leases = o ? o->n_leases : 0;
	for (size_t i = 0; i < plan->n; i++) {
		const struct pt_action *a = &plan->actions[i];

		if (a->kind == PT_ACT_PROBE && pt_driver_is_vfio(a->driver) &&
		    pt_bdf_parse(a->device, &vfio[n_vfio]) == 0)
			n_vfio++;
	}
	for (size_t i = 0; i < plan->n; i++) {
		const struct pt_action *a = &plan->actions[i];
		const struct pt_device *d = action_target(h, a);
		const struct pt_protected *p;
		const struct pt_lease *l;

		if (!d)
			continue;
		/* every reason the host needs it (a route and a mount are two refusals) */
		for (size_t k = 0; !force && k < in.n_prot; k++) {
			p = &in.prot[k];
			if (pt_bdf_eq(&p->bdf, &d->bdf))
				refuse(out, d->name, pt_protect_kind_str(p->kind), NULL,
				       "%s %s; %s would disrupt what the host needs it for", d->name,
				       p->why, pt_action_kind_str(a->kind));
		}
		if (!force && a->kind == PT_ACT_PROBE && pt_driver_is_vfio(a->driver))
			check_vfio_binding(h, &in, vfio, n_vfio, d, out);
		if (!force && a->kind == PT_ACT_SET_NUMVFS)
			predict_numvfs(ctx, h, d, a, out);
		if (a->kind == PT_ACT_SET_NUMVFS && a->from[0] && strcmp(a->from, "0") != 0) {
			/* destroying the VFs destroys the leased ones with them */
			for (size_t k = 0; k < d->n_vfs; k++)
				if ((l = leased(leases, n_leases, &d->vfs[k], own)))
					refuse(out, d->name, "leased", l->bdf,
					       "%s: sriov_numvfs %s -> %s would destroy VF %s, leased to VM %s "
					       "(passthru release %s %s first)", d->name, a->from, a->to,
					       l->bdf, l->vm, l->vm, l->bdf);
		} else if (a->kind != PT_ACT_SET_NUMVFS && (l = leased(leases, n_leases, &d->bdf, own))) {
			refuse(out, d->name, "leased", NULL,
			       "%s is leased to VM %s: %s would change it under the VM (passthru release "
			       "%s %s first)", d->name, l->vm, pt_action_kind_str(a->kind), l->vm, l->bdf);
		}
	}
	free(vfio);
	pt_judge_inputs_free(&in);
	return 0;
}

void pt_safety_result_free(struct pt_safety_result *r)
{
	free(r->refused);
	memset(r, 0, sizeof(*r));
}
