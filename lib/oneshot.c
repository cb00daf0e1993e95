// SPDX-License-Identifier: MIT
/*
 * One-shot changes as host configurations, and the drop-ins that make them last.
 *
 * Owns: building the pt_hostcfg a one-shot command means (the structure YAML parses
 * into, so apply's planner does the rest), formatting a pt_hostcfg as YAML, merging
 * configurations (host.yaml, then host.d/ drop-ins), writing a drop-in atomically, and
 * finding the driver the kernel would pick for a function (journal, modules.alias).
 * Never: plans, writes kernel state, prints. The user's own config files are only read.
 */
#include "internal.h"
#include "passthru/journal.h"
#include "passthru/oneshot.h"
#include "passthru/plan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void pt_vf_config_unset(struct pt_vf_config *c)
{
	memset(c, 0, sizeof(*c));
	c->vf = -1;
	c->vlan = c->qos = c->spoof_check = c->trust = c->query_rss = -1;
	c->vlan_proto = 0;
	c->link_state = PT_LINK_UNSET;
	c->min_tx_rate = c->max_tx_rate = -1;
}

static void sriov_unset(struct pt_sriov_config *s, const struct pt_bdf *pf)
{
	memset(s, 0, sizeof(*s));
	s->pf.kind = PT_MATCH_BDF;
	s->pf.bdf = *pf;
	s->vfs = -1;
	s->drivers_autoprobe = -1;
	pt_vf_config_unset(&s->defaults);
}

/* What YAML would refuse, refused the same way: the configuration is formatted and
 * parsed back, so a one-shot change is exactly a loadable drop-in. */
static int validate(struct pt_ctx *ctx, struct pt_hostcfg *c)
{
	struct pt_hostcfg back;
	struct pt_cfg_error e;
	char *yaml = NULL;
	int r;

	r = pt_hostcfg_format(c, NULL, &yaml);
	if (r < 0) {
		pt_err(ctx, r, "out of memory");
		goto fail;
	}
	r = pt_hostcfg_parse(yaml, strlen(yaml), "(command line)", &back, &e);
	free(yaml);
	if (r < 0) {
		pt_err(ctx, r, "%s", e.msg);
		goto fail;
	}
	pt_hostcfg_free(&back);
	return 0;
fail:
	pt_hostcfg_free(c);
	return r;
}

int pt_oneshot_bind(struct pt_ctx *ctx, const struct pt_bdf *devs, size_t n, const char *driver,
		    struct pt_hostcfg *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		struct pt_passthrough_config p = { .device = { .kind = PT_MATCH_BDF, .bdf = devs[i] } };

		pt_strlcpy(p.driver, driver, sizeof(p.driver));
		if (PT_PUSH(out->passthrough, out->n_passthrough, p)) {
			pt_hostcfg_free(out);
			return pt_err(ctx, -ENOMEM, "out of memory");
		}
	}
	return validate(ctx, out);
}

int pt_oneshot_sriov(struct pt_ctx *ctx, const struct pt_bdf *pf, int count, int autoprobe,
		     struct pt_hostcfg *out)
{
	struct pt_sriov_config s;

	memset(out, 0, sizeof(*out));
	sriov_unset(&s, pf);
	s.vfs = count;
	s.drivers_autoprobe = autoprobe;
	if (PT_PUSH(out->sriov, out->n_sriov, s))
		return pt_err(ctx, -ENOMEM, "out of memory");
	return validate(ctx, out);
}

int pt_oneshot_vf(struct pt_ctx *ctx, const struct pt_bdf *pf, int vf, const struct pt_vf_config *set,
		  struct pt_hostcfg *out)
{
	struct pt_sriov_config s;
	struct pt_vf_config v = *set;

	memset(out, 0, sizeof(*out));
	sriov_unset(&s, pf);
	v.vf = vf;
	if (vf < 0) {
		if (v.has_mac)
			return pt_err(ctx, -EINVAL, "one MAC for every VF would give them all the same "
				      "address: set it per VF");
		s.defaults = v;
	} else if (PT_PUSH(s.vf, s.n_vf, v)) {
		return pt_err(ctx, -ENOMEM, "out of memory");
	}
	if (PT_PUSH(out->sriov, out->n_sriov, s)) {
		free(s.vf);
		return pt_err(ctx, -ENOMEM, "out of memory");
	}
	return validate(ctx, out);
}

/* ---- YAML out ----------------------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->n;

		va_start(ap, fmt);
		k = vsnprintf(b->p ? b->p + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		{
			size_t cap = (b->cap ? b->cap * 2 : 1024) + (size_t)k;
			char *np = realloc(b->p, cap);

			if (!np) {
				b->oom = true;
				return;
			}
			b->p = np;
			b->cap = cap;
		}
	}
}

/* s as a YAML double-quoted scalar: '"' and '\\' escaped, every other byte as it is
 * (an interface name may hold both: the kernel refuses only '/', ':', white space and
 * "." or ".."; a byte of 0x80 or more stays the byte the configuration gave). */
static void sb_quoted(struct sbuf *b, const char *s)
{
	sb_printf(b, "\"");
	for (const char *p = s; *p;) {
		size_t run = strcspn(p, "\"\\");

		sb_printf(b, "%.*s", (int)run, p);
		p += run;
		if (*p)
			sb_printf(b, "\\%c", *p++);
	}
	sb_printf(b, "\"");
}

static void fmt_match(struct sbuf *b, const struct pt_match *m)
{
	char s[PT_BDF_STRLEN];

	switch (m->kind) {
	case PT_MATCH_BDF:
		sb_printf(b, "{ bdf: \"%s\" }", pt_bdf_format(&m->bdf, s));
		break;
	case PT_MATCH_NETDEV:
		sb_printf(b, "{ netdev: ");
		sb_quoted(b, m->netdev);
		sb_printf(b, " }");
		break;
	case PT_MATCH_ID:
		sb_printf(b, "{ id: \"%04x:%04x\", index: %d }", m->vendor_id, m->device_id, m->index);
		break;
	default:
		sb_printf(b, "{ }");
		break;
	}
}

static const char *link_state_kw(int s)
{
	return s == PT_LINK_ENABLE ? "enable" : s == PT_LINK_DISABLE ? "disable" : "auto";
}

/* One VF config as a flow mapping ("{ }" when nothing is set). */
static void fmt_vf(struct sbuf *b, const struct pt_vf_config *c)
{
	const char *sep = " ";

	sb_printf(b, "{");
#define KV(...) do { sb_printf(b, "%s", sep); sb_printf(b, __VA_ARGS__); sep = ", "; } while (0)
	if (c->has_mac)
		KV("mac: \"%02x:%02x:%02x:%02x:%02x:%02x\"", c->mac[0], c->mac[1], c->mac[2],
		   c->mac[3], c->mac[4], c->mac[5]);
	if (c->vlan >= 0)
		KV("vlan: %d", c->vlan);
	if (c->qos >= 0)
		KV("qos: %d", c->qos);
	if (c->vlan_proto > 0)
		KV("vlan_protocol: %s", c->vlan_proto == 0x88a8 ? "802.1ad" : "802.1Q");
	if (c->query_rss >= 0)
		KV("query_rss: %s", c->query_rss ? "true" : "false");
	if (c->spoof_check >= 0)
		KV("spoof_check: %s", c->spoof_check ? "true" : "false");
	if (c->trust >= 0)
		KV("trust: %s", c->trust ? "true" : "false");
	if (c->link_state != PT_LINK_UNSET)
		KV("link_state: %s", link_state_kw(c->link_state));
	if (c->min_tx_rate >= 0)
		KV("min_tx_rate: %ld", c->min_tx_rate);
	if (c->max_tx_rate >= 0)
		KV("max_tx_rate: %ld", c->max_tx_rate);
	if (c->driver[0])
		KV("driver: %s", c->driver);
#undef KV
	sb_printf(b, " }");
}

static bool vf_config_empty(const struct pt_vf_config *c)
{
	return !c->has_mac && c->vlan < 0 && c->qos < 0 && c->vlan_proto <= 0 && c->query_rss < 0 &&
	       c->spoof_check < 0 && c->trust < 0 &&
	       c->link_state == PT_LINK_UNSET && c->min_tx_rate < 0 && c->max_tx_rate < 0 &&
	       !c->driver[0];
}

/* A huge page size as the parser reads it back: "1G", "2M", "64kB". */
static void fmt_hugesize(struct sbuf *b, long kb)
{
	if (kb % (1024 * 1024) == 0)
		sb_printf(b, "%ldG", kb / (1024 * 1024));
	else if (kb % 1024 == 0)
		sb_printf(b, "%ldM", kb / 1024);
	else
		sb_printf(b, "%ldkB", kb);
}

/* The boot: section, every key that is not its default. The parser has checked
 * each string (CPU lists; parameters without white space or quotes), so quoting
 * them is enough. */
static void fmt_boot(struct sbuf *b, const struct pt_boot_config *bc)
{
	static const char *const loader[] = { "auto", "grub", "grubby", "kernelstub",
					       "systemd-boot" };
	static const char *const iommu[] = { "on", "pt", "keep" };
	static const char *const ids[] = { "auto", "cmdline", "modprobe" };
	static const char *const tri[] = { "auto", "true", "false" };
#define KW(tab, v) ((v) >= 0 && (size_t)(v) < sizeof(tab) / sizeof(tab[0]) ? tab[v] : tab[0])

	/* a section with every default still says boot: is there */
	if (!bc->loader && !bc->iommu && !bc->n_hugepages && !bc->default_hugepagesz_kb &&
	    !bc->isolcpus[0] && !bc->nohz_full[0] && !bc->rcu_nocbs[0] && !bc->pci_realloc &&
	    !bc->n_vfio && !bc->vfio_ids && !bc->n_extra) {
		sb_printf(b, "boot: { }\n");
		return;
	}
	sb_printf(b, "boot:\n");
	if (bc->loader)
		sb_printf(b, "  loader: %s\n", KW(loader, bc->loader));
	if (bc->iommu)
		sb_printf(b, "  iommu: %s\n", KW(iommu, bc->iommu));
	if (bc->n_hugepages)
		sb_printf(b, "  hugepages:\n");
	for (size_t i = 0; i < bc->n_hugepages; i++) {
		sb_printf(b, "    - { size: ");
		fmt_hugesize(b, bc->hugepages[i].size_kb);
		sb_printf(b, ", count: %ld }\n", bc->hugepages[i].count);
	}
	if (bc->default_hugepagesz_kb) {
		sb_printf(b, "  default_hugepagesz: ");
		fmt_hugesize(b, bc->default_hugepagesz_kb);
		sb_printf(b, "\n");
	}
	if (bc->isolcpus[0])
		sb_printf(b, "  isolcpus: \"%s\"\n", bc->isolcpus);
	if (bc->nohz_full[0])
		sb_printf(b, "  nohz_full: \"%s\"\n", bc->nohz_full);
	if (bc->rcu_nocbs[0])
		sb_printf(b, "  rcu_nocbs: \"%s\"\n", bc->rcu_nocbs);
	if (bc->pci_realloc)
		sb_printf(b, "  pci_realloc: %s\n", KW(tri, bc->pci_realloc));
	if (bc->n_vfio)
		sb_printf(b, "  vfio:\n");
	for (size_t i = 0; i < bc->n_vfio; i++) {
		sb_printf(b, "    - ");
		fmt_match(b, &bc->vfio[i]);
		sb_printf(b, "\n");
	}
	if (bc->vfio_ids)
		sb_printf(b, "  vfio_ids: %s\n", KW(ids, bc->vfio_ids));
	if (bc->n_extra)
		sb_printf(b, "  extra:\n");
	for (size_t i = 0; i < bc->n_extra; i++)
		sb_printf(b, "    - \"%s\"\n", bc->extra[i]);
#undef KW
}

int pt_hostcfg_format(const struct pt_hostcfg *c, const char *comment, char **out)
{
	struct sbuf b = { 0 };

	*out = NULL;
	if (comment)
		sb_printf(&b, "# %s\n", comment);
	sb_printf(&b, "version: 1\n");
	if (c->boot.present)
		fmt_boot(&b, &c->boot);
	if (c->n_sriov)
		sb_printf(&b, "sriov:\n");
	for (size_t i = 0; i < c->n_sriov; i++) {
		const struct pt_sriov_config *s = &c->sriov[i];

		sb_printf(&b, "  - pf: ");
		fmt_match(&b, &s->pf);
		sb_printf(&b, "\n");
		if (s->vfs >= 0)
			sb_printf(&b, "    vfs: %d\n", s->vfs);
		if (s->drivers_autoprobe >= 0)
			sb_printf(&b, "    drivers_autoprobe: %s\n", s->drivers_autoprobe ? "true" : "false");
		if (!vf_config_empty(&s->defaults)) {
			sb_printf(&b, "    vf_defaults: ");
			fmt_vf(&b, &s->defaults);
			sb_printf(&b, "\n");
		}
		if (s->n_vf)
			sb_printf(&b, "    vf:\n");
		for (size_t k = 0; k < s->n_vf; k++) {
			sb_printf(&b, "      %d: ", s->vf[k].vf);
			fmt_vf(&b, &s->vf[k]);
			sb_printf(&b, "\n");
		}
	}
	if (c->n_passthrough)
		sb_printf(&b, "passthrough:\n");
	for (size_t i = 0; i < c->n_passthrough; i++) {
		sb_printf(&b, "  - device: ");
		fmt_match(&b, &c->passthrough[i].device);
		sb_printf(&b, "\n");
		if (c->passthrough[i].driver[0])
			sb_printf(&b, "    driver: %s\n", c->passthrough[i].driver);
	}
	if (c->n_pools)
		sb_printf(&b, "pools:\n");
	for (size_t i = 0; i < c->n_pools; i++) {
		const struct pt_pool_config *p = &c->pools[i];

		sb_printf(&b, "  %s:\n    %s: [", p->name, /* names are [A-Za-z0-9._-] */
			  p->kind == PT_POOL_VFS ? "vfs_of" : "devices");
		for (size_t k = 0; k < p->n_members; k++) {
			sb_printf(&b, "%s", k ? ", " : " ");
			fmt_match(&b, &p->members[k]);
		}
		sb_printf(&b, " ]\n");
	}
	if (c->n_hugepages)
		sb_printf(&b, "hugepages:\n");
	for (size_t i = 0; i < c->n_hugepages; i++) {
		const struct pt_hugepage_req *h = &c->hugepages[i];

		sb_printf(&b, "  - { node: %d, size: ", h->node);
		fmt_hugesize(&b, h->size_kb);
		sb_printf(&b, ", pages: %ld }\n", h->pages);
	}
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*out = b.p;
	return 0;
}

/* ---- merging -------------------------------------------------------------------------- */

static bool match_eq(const struct pt_match *a, const struct pt_match *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case PT_MATCH_BDF: return pt_bdf_eq(&a->bdf, &b->bdf);
	case PT_MATCH_NETDEV: return strcmp(a->netdev, b->netdev) == 0;
	case PT_MATCH_ID:
		return a->vendor_id == b->vendor_id && a->device_id == b->device_id &&
		       a->index == b->index;
	default: return false;
	}
}

static void vf_overlay(struct pt_vf_config *d, const struct pt_vf_config *s)
{
	if (s->has_mac) {
		d->has_mac = true;
		memcpy(d->mac, s->mac, 6);
	}
#define OV(f) do { if (s->f >= 0) d->f = s->f; } while (0)
	OV(vlan);
	OV(qos);
	OV(query_rss);
	OV(spoof_check);
	OV(trust);
	OV(min_tx_rate);
	OV(max_tx_rate);
#undef OV
	/* the protocol goes with the VLAN it tags: a new VLAN without one is 802.1Q */
	if (s->vlan >= 0)
		d->vlan_proto = s->vlan_proto;
	if (s->link_state != PT_LINK_UNSET)
		d->link_state = s->link_state;
	if (s->driver[0])
		pt_strlcpy(d->driver, s->driver, sizeof(d->driver));
}

/* Clears in d every field set in s. */
static void vf_unset_fields(struct pt_vf_config *d, const struct pt_vf_config *s)
{
	if (s->has_mac)
		d->has_mac = false;
#define UN(f) do { if (s->f >= 0) d->f = -1; } while (0)
	UN(vlan);
	UN(qos);
	UN(query_rss);
	UN(spoof_check);
	UN(trust);
	UN(min_tx_rate);
	UN(max_tx_rate);
#undef UN
	if (s->vlan >= 0)
		d->vlan_proto = 0;
	if (s->link_state != PT_LINK_UNSET)
		d->link_state = PT_LINK_UNSET;
	if (s->driver[0])
		d->driver[0] = '\0';
}

static int vf_cmp(const void *a, const void *b)
{
	return ((const struct pt_vf_config *)a)->vf - ((const struct pt_vf_config *)b)->vf;
}

static int sriov_overlay(struct pt_sriov_config *d, const struct pt_sriov_config *s)
{
	if (s->vfs >= 0)
		d->vfs = s->vfs;
	if (s->drivers_autoprobe >= 0)
		d->drivers_autoprobe = s->drivers_autoprobe;
	vf_overlay(&d->defaults, &s->defaults);
	/* a later vf_defaults speaks for every VF: it wins over the same field of the
	 * earlier per-VF entries (`vf PF all --trust on` after `vf PF 2 --trust off`) */
	for (size_t k = 0; k < d->n_vf; k++)
		vf_unset_fields(&d->vf[k], &s->defaults);
	for (size_t i = 0; i < s->n_vf; i++) {
		size_t k;

		for (k = 0; k < d->n_vf; k++)
			if (d->vf[k].vf == s->vf[i].vf)
				break;
		if (k < d->n_vf)
			vf_overlay(&d->vf[k], &s->vf[i]);
		else if (PT_PUSH(d->vf, d->n_vf, s->vf[i]))
			return -ENOMEM;
	}
	if (d->n_vf)
		qsort(d->vf, d->n_vf, sizeof(*d->vf), vf_cmp);
	return 0;
}

int pt_hostcfg_merge(struct pt_hostcfg *dst, const struct pt_hostcfg *src)
{
	/* a later file's boot: section replaces the earlier one whole */
	if (src->boot.present && pt_boot_config_copy(&dst->boot, &src->boot) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < src->n_sriov; i++) {
		size_t k;

		for (k = 0; k < dst->n_sriov; k++)
			if (match_eq(&dst->sriov[k].pf, &src->sriov[i].pf))
				break;
		if (k == dst->n_sriov) {
			struct pt_sriov_config s = src->sriov[i];

			s.vf = NULL;
			s.n_vf = 0;
			if (PT_PUSH(dst->sriov, dst->n_sriov, s)) /* the overlay copies the VFs */
				return -ENOMEM;
		}
		if (sriov_overlay(&dst->sriov[k], &src->sriov[i]) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < src->n_passthrough; i++) {
		size_t k;

		for (k = 0; k < dst->n_passthrough; k++)
			if (match_eq(&dst->passthrough[k].device, &src->passthrough[i].device))
				break;
		if (k < dst->n_passthrough)
			dst->passthrough[k] = src->passthrough[i];
		else if (PT_PUSH(dst->passthrough, dst->n_passthrough, src->passthrough[i]))
			return -ENOMEM;
	}
	for (size_t i = 0; i < src->n_hugepages; i++) {
		const struct pt_hugepage_req *h = &src->hugepages[i];
		size_t k;

		for (k = 0; k < dst->n_hugepages; k++)
			if (dst->hugepages[k].node == h->node && dst->hugepages[k].size_kb == h->size_kb)
				break;
		if (k < dst->n_hugepages)
			dst->hugepages[k] = *h;
		else if (PT_PUSH(dst->hugepages, dst->n_hugepages, *h))
			return -ENOMEM;
	}
	for (size_t i = 0; i < src->n_pools; i++) {
		struct pt_pool_config p = src->pools[i];

		p.members = NULL;
		if (p.n_members) {
			p.members = malloc(p.n_members * sizeof(*p.members));
			if (!p.members)
				return -ENOMEM;
			memcpy(p.members, src->pools[i].members, p.n_members * sizeof(*p.members));
		}
		if (PT_PUSH(dst->pools, dst->n_pools, p)) {
			free(p.members);
			return -ENOMEM;
		}
	}
	return 0;
}

void pt_hostcfg_dropin_dir(const char *config, char *buf, size_t len)
{
	size_t n = strlen(config);
	size_t cut = n;

	if (n > 5 && strcmp(config + n - 5, ".yaml") == 0)
		cut = n - 5;
	else if (n > 4 && strcmp(config + n - 4, ".yml") == 0)
		cut = n - 4;
	snprintf(buf, len, "%.*s.d", (int)cut, config);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_dropin(struct pt_ctx *ctx, int dfd, const char *name, const char *full,
		       char **out, size_t *outlen);

/* The *.yaml names of d, sorted (*names malloc'd). */
static int dropin_names(DIR *d, char ***names, size_t *n)
{
	struct dirent *e;

	*names = NULL;
	*n = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char *s;

		if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
			continue;
		s = strdup(e->d_name);
		if (!s || PT_PUSH(*names, *n, s)) {
			free(s);
			return -ENOMEM;
		}
	}
	if (*n)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return 0;
}

int pt_hostcfg_load_dropins(const char *dir, struct pt_hostcfg *c, struct pt_cfg_error *err)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	int r = 0, merged = 0;

	memset(err, 0, sizeof(*err));
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	r = dropin_names(d, &names, &n);
	for (size_t i = 0; !r && i < n; i++) {
		char path[4096];
		struct pt_hostcfg one;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		r = pt_hostcfg_load(path, &one, err);
		if (r < 0)
			break;
		r = pt_hostcfg_merge(c, &one);
		pt_hostcfg_free(&one);
		merged++;
	}
	closedir(d);
	pt_strv_free(names, n);
	return r < 0 ? r : merged;
}

int pt_hostcfg_load_dropins_sysroot(struct pt_ctx *ctx, const char *rel, struct pt_hostcfg *c,
				    struct pt_cfg_error *err)
{
	char dir[4096], **names = NULL;
	size_t n = 0;
	int dfd, fd, r, merged = 0;
	DIR *d;

	memset(err, 0, sizeof(*err));
	if (pt_path(ctx, dir, sizeof(dir), "%s", rel) < 0)
		return pt_err(ctx, -ENAMETOOLONG, "sysroot path too long for %s", rel);
	dfd = pt_open_dir_nolink(ctx, rel, false, 0);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(dfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return pt_err(ctx, r, "%s: %s", dir, strerror(-r));
	}
	r = dropin_names(d, &names, &n);
	for (size_t i = 0; !r && i < n; i++) {
		char path[4400], *buf = NULL;
		struct pt_hostcfg one;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		/* each a regular file of that directory: no link followed, no FIFO blocked on */
		r = read_dropin(ctx, dirfd(d), names[i], path, &buf, &len);
		if (r < 0)
			break;
		if (!buf)
			continue; /* gone meanwhile */
		r = pt_hostcfg_parse(buf, len, path, &one, err);
		free(buf);
		if (r < 0) {
			if (!err->file[0])
				pt_strlcpy(err->file, path, sizeof(err->file));
			break;
		}
		r = pt_hostcfg_merge(c, &one);
		pt_hostcfg_free(&one);
		merged++;
	}
	closedir(d);
	pt_strv_free(names, n);
	return r < 0 ? r : merged;
}

#define DROPIN_DIR "/etc/passthru/host.d"

/* text as dir/name: written to a temporary file beside it and renamed over it (rename
 * replaces a link, never follows it). dfd is the directory, opened with no link on the
 * way (pt_open_dir_nolink). */
static int write_atomic(int dfd, const char *name, const char *text)
{
	char tmp[320];
	size_t len = strlen(text), off = 0;
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t k = write(fd, text + off, len - off);

		if (k < 0) {
			r = -errno;
			break;
		}
		off += (size_t)k;
	}
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r)
		unlinkat(dfd, tmp, 0);
	return r;
}

/* The drop-in as it is now (NULL when there is none): a regular file in dfd, read
 * without following a link and without blocking on a FIFO. */
static int read_dropin(struct pt_ctx *ctx, int dfd, const char *name, const char *full,
		       char **out, size_t *outlen)
{
	size_t cap = 4096, got = 0;
	struct stat st;
	char *buf;
	int fd;

	*out = NULL;
	*outlen = 0;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : pt_err(ctx, -errno, "%s: %s", full, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return pt_err(ctx, -EPERM, "%s is %s, not a regular file: not replaced", full,
			      pt_file_kind(st.st_mode));
	fd = pt_fd_regular(pt_fd_or_errno(openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
						  O_NOCTTY | O_CLOEXEC)));
	if (fd < 0)
		return pt_err(ctx, fd, "%s: %s", full, strerror(-fd));
	buf = malloc(cap + 1);
	for (;;) {
		ssize_t k;

		if (!buf)
			break;
		if (got == cap) {
			char *nb = cap < (4u << 20) ? realloc(buf, cap * 2 + 1) : NULL;

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		k = read(fd, buf + got, cap - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	if (!buf)
		return pt_err(ctx, -ENOMEM, "%s: out of memory or too big", full);
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	return 0;
}

int pt_hostcfg_persist(struct pt_ctx *ctx, const struct pt_hostcfg *c, const char *name,
		       bool dry_run, char *path, size_t len)
{
	char dir[4096], file[320], full[4500];
	struct pt_hostcfg cur = { 0 };
	struct pt_cfg_error e;
	char *yaml = NULL, *old = NULL;
	size_t oldlen = 0;
	int dfd, r;

	for (const char *p = name; *p; p++)
		if (*p == '/' || (p == name && *p == '.'))
			return pt_err(ctx, -EINVAL, "drop-in name '%s' is not a file name", name);
	r = pt_path(ctx, dir, sizeof(dir), DROPIN_DIR);
	if (r < 0)
		return pt_err(ctx, r, "sysroot path too long for %s", DROPIN_DIR);
	snprintf(file, sizeof(file), "50-oneshot-%s.yaml", name);
	snprintf(full, sizeof(full), "%s/%s", dir, file);
	snprintf(path, len, "%s", full);
	/* etc, passthru and host.d: directories of the tree, none a link (checked in a dry
	 * run too, so it says up front what a real run would refuse) */
	dfd = pt_open_dir_nolink(ctx, DROPIN_DIR, false, 0);
	if (dfd < 0 && dfd != -ENOENT)
		return dfd;
	if (dry_run) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	/* the same target persisted before: the new change goes over it */
	if (dfd >= 0) {
		r = read_dropin(ctx, dfd, file, full, &old, &oldlen);
		close(dfd);
		if (r < 0)
			return r;
	}
	if (old) {
		r = pt_hostcfg_parse(old, oldlen, full, &cur, &e);
		if (r < 0) {
			free(old);
			return pt_err(ctx, r, "%s:%d: %s (remove it, or fix it, and run again)", full,
				      e.line, e.msg);
		}
	}
	r = pt_hostcfg_merge(&cur, c);
	if (r == 0)
		r = pt_hostcfg_format(&cur, "written by passthru --persist; `passthru apply "
				      "/etc/passthru/host.yaml` merges it after that file", &yaml);
	pt_hostcfg_free(&cur);
	if (r < 0) {
		r = pt_err(ctx, r, "out of memory");
		goto out;
	}
	if (old && oldlen == strlen(yaml) && memcmp(old, yaml, oldlen) == 0) {
		r = 0; /* unchanged: no write */
		goto out;
	}
	dfd = pt_open_dir_nolink(ctx, DROPIN_DIR, true, 0755);
	if (dfd < 0) {
		r = dfd;
		goto out;
	}
	r = write_atomic(dfd, file, yaml);
	close(dfd);
	if (r < 0)
		r = pt_err(ctx, r, "%s: %s", full, strerror(-r));
out:
	free(old);
	free(yaml);
	return r;
}

/* ---- the host's own driver ------------------------------------------------------------ */

/* How much of a pattern is literal: "pci:v00008086d000010C9sv*..." says more than
 * "pci:v*d*sv*sd*bc01sc08i02*". */
static int literals(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s != '*' && *s != '?';
	return n;
}

int pt_modalias_match(const char *text, size_t len, const char *modalias, char *out,
		      size_t outlen)
{
	const char *p = text, *end = text + len;
	int best = -1;

	/* the most specific pattern wins (most literal characters: vendor:device before
	 * class), then the first in the file */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		char line[512], pat[384], mod[128];

		if ((size_t)(le - p) < sizeof(line)) {
			memcpy(line, p, (size_t)(le - p));
			line[le - p] = '\0';
			if (sscanf(line, "alias %383s %127s", pat, mod) == 2 &&
			    strncmp(pat, "pci:", 4) == 0 && fnmatch(pat, modalias, 0) == 0 &&
			    literals(pat) > best) {
				best = literals(pat);
				pt_strlcpy(out, mod, outlen);
			}
		}
		p = le + 1;
	}
	return best >= 0;
}

/* The driver a module registers for PCI: /sys/module/<m>/drivers/pci:<name> when the
 * module is loaded, else the module name (igb, nvme, e1000e: the same). */
static void module_driver(struct pt_ctx *ctx, const char *mod, char *out, size_t outlen)
{
	struct dirent *e;
	DIR *d;

	pt_strlcpy(out, mod, outlen);
	d = pt_opendir(ctx, "/sys/module/%s/drivers", mod);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "pci:", 4) == 0) {
			pt_strlcpy(out, e->d_name + 4, outlen);
			break;
		}
	closedir(d);
}

static bool journal_driver(struct pt_ctx *ctx, const struct pt_device *dev, const char *state_dir,
			   char *out, size_t outlen)
{
	struct pt_journal_info info;
	char dir[4096];
	char *buf = NULL;
	size_t len = 0;
	bool found = false;
	char path[4200];
	FILE *f;
	int fd;

	/* the one state-dir resolver (confined under a sysroot); the journal is never
	 * followed through a link nor read from anything but a regular file */
	if (pt_state_dir(ctx, state_dir, false, dir, sizeof(dir)) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/apply.journal.last", dir);
	fd = pt_fd_regular(open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
	if (fd < 0)
		return false;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return false;
	}
	buf = malloc(1 << 20);
	if (buf)
		len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	if (!buf || pt_journal_parse(buf, len, &info) < 0) {
		free(buf);
		return false;
	}
	free(buf);
	for (size_t i = 0; i < info.prior.n_devs && !found; i++) {
		const struct pt_want_fn *fn = &info.prior.devs[i].fn;

		if (pt_bdf_eq(&info.prior.devs[i].bdf, &dev->bdf) && fn->driver[0] &&
		    strcmp(fn->driver, "none") != 0 && !pt_driver_is_vfio(fn->driver)) {
			pt_strlcpy(out, fn->driver, outlen);
			found = true;
		}
	}
	pt_journal_info_free(&info);
	return found;
}

int pt_host_driver(struct pt_ctx *ctx, const struct pt_device *dev, const char *state_dir,
		   char *out, size_t outlen, char *source, size_t srclen)
{
	static const char *const files[] = { "modules.alias", "modules.builtin.alias" };
	char modalias[256], rel[128], mod[128];

	if (journal_driver(ctx, dev, state_dir, out, outlen)) {
		pt_strlcpy(source, "journal", srclen);
		return 0;
	}
	if (pt_read_attr(ctx, modalias, sizeof(modalias), "/sys/bus/pci/devices/%s/modalias",
			 dev->name) < 0)
		return pt_err(ctx, -ENOENT, "%s: no modalias to match a driver with; name the "
			      "driver (passthru bind %s DRIVER)", dev->name, dev->name);
	if (pt_read_attr(ctx, rel, sizeof(rel), "/proc/sys/kernel/osrelease") < 0)
		return pt_err(ctx, -ENOENT, "cannot read the kernel release "
			      "(/proc/sys/kernel/osrelease); name the driver (passthru bind %s "
			      "DRIVER)", dev->name);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *text = NULL;
		size_t len = 0;
		int m;

		if (pt_read_file(ctx, &text, &len, 64u << 20, "/lib/modules/%s/%s", rel, files[i]) < 0)
			continue;
		m = pt_modalias_match(text, len, modalias, mod, sizeof(mod));
		free(text);
		if (m == 1) {
			module_driver(ctx, mod, out, outlen);
			pt_strlcpy(source, files[i], srclen);
			return 0;
		}
	}
	return pt_err(ctx, -ENOENT, "%s: no module of kernel %s claims %s (modules.alias); name "
		      "the driver (passthru bind %s DRIVER)", dev->name, rel, modalias, dev->name);
}
