// SPDX-License-Identifier: MIT
/*
 * The SR-IOV enable prediction: will `echo COUNT > sriov_numvfs` succeed, and if not,
 * which of the kernel's limits refuses it.
 *
 * Owns: the resource-file and SR-IOV capability parsers (pure), the facts gathered for
 * one PF (through the sysroot seam, reads only), and the judgement (pure), which walks
 * the kernel's own checks in its order: sriov_numvfs_store() (TotalVFs, a bound driver
 * with sriov_configure, VFs already enabled) then sriov_enable() (InitialVFs, the IOV
 * resources placed at boot, the last VF's bus within the bus range), then the VFs'
 * reachability (ARI forwarding).
 * Never writes, never prints.
 *
 * On MMIO: the kernel sizes each VF BAR's IOV resource for TotalVFs when it enumerates
 * the PF and places it (or fails to) at boot; sriov_enable() refuses any COUNT with
 * "not enough MMIO resources for SR-IOV" when one of them has no place. So the answer
 * is the same for every COUNT > 0, and the remedy is a boot-time one.
 */
#include "internal.h"
#include "passthru/parse.h"
#include "passthru/sriov-predict.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

/* ---- parsers (pure) ----------------------------------------------------------------- */

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *hex64(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;

	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; p < end; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (++digits > 16)
			return NULL;
		v = v << 4 | (uint64_t)d;
	}
	if (!digits)
		return NULL;
	*out = v;
	return p;
}

int pt_parse_resource_file(const char *buf, size_t len, struct pt_res *out, size_t max)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0;

	if (!buf)
		return -EINVAL;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		uint64_t v[3];
		const char *q;

		if (!eol)
			eol = end;
		q = skip_blank(p, eol);
		if (q == eol) { /* a blank line: only trailing ones are allowed */
			p = eol + (eol < end);
			continue;
		}
		for (int i = 0; i < 3; i++) {
			q = skip_blank(q, eol);
			q = hex64(q, eol, &v[i]);
			if (!q)
				return -EINVAL;
		}
		if (skip_blank(q, eol) != eol)
			return -EINVAL;
		if (n < max)
			out[n] = (struct pt_res){ v[0], v[1], v[2] };
		n++;
		p = eol + (eol < end);
	}
	return n > max ? (int)max : (int)n;
}

uint64_t pt_res_size(const struct pt_res *r)
{
	if (!r->flags || r->end < r->start || (r->end == 0 && r->start == 0))
		return 0;
	return r->end - r->start + 1;
}

bool pt_res_assigned(const struct pt_res *r)
{
	return pt_res_size(r) && r->start != 0;
}

#define ECAP_SRIOV 0x0010

static unsigned rd16(const uint8_t *b, size_t off)
{
	return (unsigned)b[off] | ((unsigned)b[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *b, size_t off)
{
	return (uint32_t)rd16(b, off) | ((uint32_t)rd16(b, off + 2) << 16);
}

int pt_sriov_cap_parse(const uint8_t *cfg, size_t len, struct pt_sriov_cap *c)
{
	unsigned ptr = 0x100;

	memset(c, 0, sizeof(*c));
	c->initial_vfs = c->total_vfs = c->num_vfs = -1;
	c->offset = c->stride = c->vf_device = -1;
	if (!cfg || len < 0x100 + 4)
		return 0;
	c->readable = true;
	for (int guard = 0; guard < 480 && ptr >= 0x100 && ptr + 4 <= len; guard++) {
		uint32_t h = rd32(cfg, ptr);

		if (h == 0 || h == 0xffffffff)
			break;
		if ((h & 0xffff) == ECAP_SRIOV) {
			if (ptr + 0x3c > len)
				return -EINVAL;
			c->present = true;
			c->vf_migration = rd32(cfg, ptr + 0x04) & 1;
			c->ctrl = (int)rd16(cfg, ptr + 0x08);
			c->initial_vfs = (int)rd16(cfg, ptr + 0x0c);
			c->total_vfs = (int)rd16(cfg, ptr + 0x0e);
			c->num_vfs = (int)rd16(cfg, ptr + 0x10);
			c->offset = (int)rd16(cfg, ptr + 0x14);
			c->stride = (int)rd16(cfg, ptr + 0x16);
			c->vf_device = (int)rd16(cfg, ptr + 0x1a);
			for (int i = 0; i < 6; i++)
				c->vf_bar[i] = rd32(cfg, ptr + 0x24 + 4 * (size_t)i);
			return 0;
		}
		ptr = (h >> 20) & 0xffc;
	}
	return 0;
}

/* ---- the judgement (pure) ------------------------------------------------------------ */

const char *pt_sriov_limit_str(enum pt_sriov_limit l)
{
	static const char *const s[] = {
		[PT_SRIOV_FITS] = "fits",
		[PT_SRIOV_LIMIT_NOT_PF] = "not_sriov",
		[PT_SRIOV_LIMIT_TOTALVFS] = "total_vfs",
		[PT_SRIOV_LIMIT_NO_DRIVER] = "no_driver",
		[PT_SRIOV_LIMIT_DRIVER] = "driver",
		[PT_SRIOV_LIMIT_BUSY] = "vfs_enabled",
		[PT_SRIOV_LIMIT_INITIAL] = "initial_vfs",
		[PT_SRIOV_LIMIT_MMIO] = "mmio",
		[PT_SRIOV_LIMIT_BUS] = "bus_numbers",
		[PT_SRIOV_LIMIT_ARI] = "ari",
		[PT_SRIOV_LIMIT_UNKNOWN] = "unknown",
	};

	return (unsigned)l < sizeof(s) / sizeof(s[0]) && s[l] ? s[l] : "unknown";
}

/* "256 KiB", "2016 KiB", "1 MiB": exact while it can be, one decimal past 100000 */
static char *human(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	uint64_t x = v;

	while (u < 4 && x >= 1024 && x % 1024 == 0) {
		x /= 1024;
		u++;
	}
	if (x < 100000 || u == 4) {
		snprintf(buf, len, "%" PRIu64 " %s", x, unit[u]);
		return buf;
	}
	double d = (double)x;

	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", d, unit[u]);
	return buf;
}

static void say(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

static void fail(struct pt_sriov_prediction *p, enum pt_sriov_limit l, int err)
{
	p->succeeds = l == PT_SRIOV_LIMIT_UNKNOWN ? PT_UNKNOWN : PT_NO;
	p->limit = l;
	p->error = err;
}

static unsigned pf_rid(const struct pt_sriov_facts *f)
{
	return (unsigned)f->pf_bdf.bus << 8 | (unsigned)f->pf_bdf.dev << 3 | f->pf_bdf.fn;
}

/* MMIO: every VF BAR the kernel sized must have been placed at boot. */
static bool judge_mmio(const struct pt_sriov_facts *f, struct pt_sriov_prediction *p)
{
	int sized = 0, placed = 0, implemented = 0;
	char a[32], b[32], c[32], d[32];

	if (!f->iov_known) {
		fail(p, PT_SRIOV_LIMIT_UNKNOWN, 0);
		say(p->reason, sizeof(p->reason), "%s: its resource file could not be read, so "
		    "whether the VF BARs have MMIO space is unknown", f->pf);
		return false;
	}
	for (int i = 0; i < 6; i++) {
		uint64_t s = pt_res_size(&f->iov[i]);

		if (!s)
			continue;
		sized++;
		if (pt_res_assigned(&f->iov[i]))
			placed++;
		if (f->iov[i].flags & PT_RES_PREFETCH)
			p->mmio_need_pref += s;
		else
			p->mmio_need_mem += s;
	}
	if (f->windows_known) {
		uint64_t wm = pt_res_size(&f->win_mem), wp = pt_res_size(&f->win_pref);

		p->mmio_free_mem = wm > f->used_mem ? wm - f->used_mem : 0;
		p->mmio_free_pref = wp > f->used_pref ? wp - f->used_pref : 0;
	}
	if (sized && placed == sized)
		return true;
	for (int i = 0; i < 6; i++)
		if (f->cap.vf_bar[i])
			implemented++;
	if (!sized && f->cap.readable && !implemented)
		return true; /* VFs without memory BARs: nothing to place */
	if (!sized && !f->cap.readable) {
		fail(p, PT_SRIOV_LIMIT_UNKNOWN, 0);
		say(p->reason, sizeof(p->reason), "%s: resource7-12 are empty and its SR-IOV "
		    "capability could not be read (run as root): whether its VFs have BARs the "
		    "kernel failed to place is unknown", f->pf);
		return false;
	}
	fail(p, PT_SRIOV_LIMIT_MMIO, ENOMEM);
	if (sized)
		say(p->reason, sizeof(p->reason), "%s: %d of its %d VF BARs have no MMIO space "
		    "(the kernel sizes them for all %d VFs at boot and could not place them): the "
		    "VFs need %s non-prefetchable and %s prefetchable%s%s%s%s%s%s", f->pf,
		    sized - placed, sized, f->cap.total_vfs > 0 ? f->cap.total_vfs : f->total_vfs,
		    human(p->mmio_need_mem, a, sizeof(a)), human(p->mmio_need_pref, b, sizeof(b)),
		    f->windows_known ? "; bridge " : "", f->windows_known ? f->bridge : "",
		    f->windows_known ? " has " : "",
		    f->windows_known ? human(p->mmio_free_mem, c, sizeof(c)) : "",
		    f->windows_known ? " free in its memory window and " : "",
		    f->windows_known ? human(p->mmio_free_pref, d, sizeof(d)) : "");
	else
		say(p->reason, sizeof(p->reason), "%s: its SR-IOV capability has %d VF BARs but "
		    "the kernel holds no MMIO space for any of them (resource7-12 are empty: they "
		    "could not be placed at boot)%s%s%s%s%s%s", f->pf, implemented,
		    f->windows_known ? "; bridge " : "", f->windows_known ? f->bridge : "",
		    f->windows_known ? " has " : "",
		    f->windows_known ? human(p->mmio_free_mem, c, sizeof(c)) : "",
		    f->windows_known ? " free in its memory window and " : "",
		    f->windows_known ? human(p->mmio_free_pref, d, sizeof(d)) : "");
	if (f->windows_known)
		strncat(p->reason, " free in its prefetchable window",
			sizeof(p->reason) - strlen(p->reason) - 1);
	say(p->advice, sizeof(p->advice), "no COUNT fits until the next boot: boot with "
	    "pci=realloc (and, behind a hotplug port, pci=hpmmiosize=/pci=hpmmioprefsize= "
	    "large enough), or enable \"SR-IOV support\" and \"MMIO above 4G\" in the firmware "
	    "so it reserves the VF BARs");
	p->max_count = 0;
	return false;
}

/* The routing ID of VF i (0-based). */
static unsigned vf_rid(const struct pt_sriov_facts *f, int i)
{
	return pf_rid(f) + (unsigned)f->offset + (unsigned)i * (unsigned)f->stride;
}

static void rid_str(const struct pt_sriov_facts *f, unsigned rid, char buf[PT_BDF_STRLEN])
{
	struct pt_bdf b = { f->pf_bdf.domain, (uint8_t)(rid >> 8), (uint8_t)((rid >> 3) & 0x1f),
			    (uint8_t)(rid & 7) };

	if (rid > 0xffff)
		snprintf(buf, PT_BDF_STRLEN, "past bus ff");
	else
		pt_bdf_format(&b, buf);
}

/* The largest count whose last VF still routes below bus_end. */
static int bus_max(const struct pt_sriov_facts *f)
{
	unsigned limit = ((unsigned)f->bus_end << 8) | 0xff, first = vf_rid(f, 0);

	if (first > limit)
		return 0;
	if (f->stride <= 0)
		return f->total_vfs;
	return (int)((limit - first) / (unsigned)f->stride) + 1;
}

static bool judge_bus(const struct pt_sriov_facts *f, int count, struct pt_sriov_prediction *p)
{
	unsigned last;

	if (f->offset < 0 || f->stride < 0) {
		fail(p, PT_SRIOV_LIMIT_UNKNOWN, 0);
		say(p->reason, sizeof(p->reason), "%s: sriov_offset/sriov_stride unreadable: "
		    "where its VFs land is unknown", f->pf);
		return false;
	}
	last = vf_rid(f, count - 1);
	p->last_vf_bus = (int)(last >> 8);
	rid_str(f, last, p->last_vf);
	if (p->last_vf_bus == f->pf_bdf.bus)
		return true;
	if (f->bus_end < 0) {
		fail(p, PT_SRIOV_LIMIT_UNKNOWN, 0);
		say(p->reason, sizeof(p->reason), "%s: VF %d lands on bus %02x, past the PF's bus "
		    "%02x, and the bus range routed there is unknown (a root bus: its range is "
		    "in the ACPI tables, not in sysfs)", f->pf, count - 1, p->last_vf_bus,
		    f->pf_bdf.bus);
		return false;
	}
	if (p->last_vf_bus <= f->bus_end)
		return true;
	fail(p, PT_SRIOV_LIMIT_BUS, ENOMEM);
	p->max_count = bus_max(f);
	say(p->reason, sizeof(p->reason), "%s: VF %d would be %s (routing ID %04x = %04x + "
	    "offset %d + %d x stride %d), on bus %02x, but %s routes only buses %02x-%02x "
	    "(\"can't enable %d VFs (bus %02x out of range)\")", f->pf, count - 1, p->last_vf,
	    last, pf_rid(f), f->offset, count - 1, f->stride, p->last_vf_bus,
	    f->has_bridge ? f->bridge : "the root bus", f->pf_bdf.bus, f->bus_end, count,
	    p->last_vf_bus);
	say(p->advice, sizeof(p->advice), "enable at most %d VFs, or give the bridge more bus "
	    "numbers (pci=assign-busses, pci=hpbussize=N behind a hotplug port, or the "
	    "firmware's bus reservation)", p->max_count);
	return false;
}

/* Without ARI forwarding a downstream port passes config requests to device 0 only. */
static bool judge_ari(const struct pt_sriov_facts *f, int count, struct pt_sriov_prediction *p)
{
	if (!f->has_bridge || (f->bridge_pcie_type != 4 && f->bridge_pcie_type != 6))
		return true;
	for (int i = 0; i < count; i++) {
		unsigned rid = vf_rid(f, i);

		if ((rid >> 8) != f->pf_bdf.bus || ((rid >> 3) & 0x1f) == 0)
			continue;
		if (f->ari_enabled == PT_YES)
			return true;
		if (f->ari_enabled == PT_UNKNOWN) {
			fail(p, PT_SRIOV_LIMIT_UNKNOWN, 0);
			say(p->reason, sizeof(p->reason), "%s: VF %d lands on device %02x behind "
			    "port %s, which needs ARI forwarding; whether it is on is unknown "
			    "(ari_enabled unreadable)", f->pf, i, (rid >> 3) & 0x1f, f->bridge);
			return false;
		}
		fail(p, PT_SRIOV_LIMIT_ARI, EIO);
		rid_str(f, rid, p->last_vf);
		p->max_count = i;
		say(p->reason, sizeof(p->reason), "%s: VF %d would be %s, device %02x behind port "
		    "%s, which forwards configuration requests to device 0 only: ARI forwarding "
		    "is off there (ari_enabled 0), so the kernel cannot reach the VF", f->pf, i,
		    p->last_vf, (rid >> 3) & 0x1f, f->bridge);
		say(p->advice, sizeof(p->advice), "enable at most %d VFs, or let the kernel turn "
		    "on ARI (do not boot with pci=noari; the PF needs an ARI capability and the "
		    "port ARI Forwarding Supported)", i);
		return false;
	}
	return true;
}

static const char *const sriov_drivers[] = {
	"be2net", "bnxt_en", "cxgb4", "enic", "fm10k", "hinic", "i40e", "ice", "idpf", "igb",
	"ionic", "ixgbe", "liquidio", "mlx5_core", "nfp", "nvme", "octeon_ep", "qat_4xxx",
	"qat_c62x", "qat_c3xxx", "qat_dh895xcc", "qede", "qlcnic", "rvu_nicpf", "sfc",
	"virtio-pci", NULL,
};
static const char *const no_sriov_drivers[] = { "pci-stub", "pcieport", "mlx4_core", NULL };

static bool in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* The kernel's checks, in order; ignore_busy judges "after writing 0 first". */
static void judge(const struct pt_sriov_facts *f, int count, bool ignore_busy,
		  struct pt_sriov_prediction *p)
{
	memset(p, 0, sizeof(*p));
	p->count = count;
	p->succeeds = PT_YES;
	p->limit = PT_SRIOV_FITS;
	p->max_count = -1;
	p->last_vf_bus = -1;

	if (f->total_vfs < 0) {
		fail(p, PT_SRIOV_LIMIT_NOT_PF, ENOENT);
		p->max_count = 0;
		say(p->reason, sizeof(p->reason), "%s is not an SR-IOV physical function (no "
		    "sriov_totalvfs)", f->pf);
		return;
	}
	if (count > f->total_vfs) {
		fail(p, PT_SRIOV_LIMIT_TOTALVFS, ERANGE);
		say(p->reason, sizeof(p->reason), "%s offers %d VFs (sriov_totalvfs%s), %d asked",
		    f->pf, f->total_vfs, f->cap.total_vfs > f->total_vfs ?
		    ", lowered by its driver from the capability's TotalVFs" : "", count);
		say(p->advice, sizeof(p->advice), "ask for at most %d VFs", f->total_vfs);
		return;
	}
	if (count == f->num_vfs && !ignore_busy)
		return; /* the kernel does nothing and says yes */
	if (!f->driver[0]) {
		fail(p, PT_SRIOV_LIMIT_NO_DRIVER, ENOENT);
		say(p->reason, sizeof(p->reason), "%s has no driver bound: the kernel needs the "
		    "PF's driver to enable VFs (\"no driver bound to device\")", f->pf);
		say(p->advice, sizeof(p->advice), "bind the PF's own driver first (modprobe it; "
		    "echo %s > /sys/bus/pci/drivers_probe)", f->pf);
		return;
	}
	if (f->driver_sriov == PT_NO) {
		fail(p, PT_SRIOV_LIMIT_DRIVER, ENOENT);
		say(p->reason, sizeof(p->reason), "%s: its driver %s cannot enable VFs through "
		    "sysfs (no sriov_configure%s)", f->pf, f->driver,
		    strcmp(f->driver, "vfio-pci") == 0 ? ": vfio-pci's enable_sriov is off" : "");
		say(p->advice, sizeof(p->advice), "%s", strcmp(f->driver, "vfio-pci") == 0 ?
		    "load vfio-pci with enable_sriov=1, or bind the PF's own driver" :
		    "bind the PF's own driver, which supports SR-IOV");
		return;
	}
	if (count == 0)
		return;
	if (f->num_vfs > 0 && !ignore_busy) {
		fail(p, PT_SRIOV_LIMIT_BUSY, EBUSY);
		say(p->reason, sizeof(p->reason), "%s already has %d VFs enabled: the kernel "
		    "changes the count only through 0", f->pf, f->num_vfs);
		say(p->advice, sizeof(p->advice), "write 0 to sriov_numvfs first (the VFs go away), "
		    "then %d", count);
		return;
	}
	if (f->cap.present && !f->cap.vf_migration && f->cap.initial_vfs >= 0 &&
	    count > f->cap.initial_vfs) {
		fail(p, PT_SRIOV_LIMIT_INITIAL, EINVAL);
		p->max_count = f->cap.initial_vfs;
		say(p->reason, sizeof(p->reason), "%s: its SR-IOV capability offers %d InitialVFs "
		    "without VF Migration, %d asked", f->pf, f->cap.initial_vfs, count);
		say(p->advice, sizeof(p->advice), "ask for at most %d VFs", f->cap.initial_vfs);
		return;
	}
	if (!judge_mmio(f, p) || !judge_bus(f, count, p) || !judge_ari(f, count, p))
		return;
	if (f->driver_sriov == PT_UNKNOWN) {
		fail(p, PT_SRIOV_LIMIT_UNKNOWN, 0);
		say(p->reason, sizeof(p->reason), "%s: every limit of the kernel fits, but "
		    "whether its driver %s enables VFs through sysfs (sriov_configure) is not "
		    "known to passthru", f->pf, f->driver);
	}
}

int pt_sriov_predict(const struct pt_sriov_facts *f, int count, struct pt_sriov_prediction *p)
{
	struct pt_sriov_prediction t;

	if (count < 0 || count > 0xffff)
		return -EINVAL;
	judge(f, count, false, p);
	if (p->max_count >= 0 || f->total_vfs < 0)
		return 0;
	/* the largest COUNT that fits, once the VFs of now are gone */
	p->max_count = 0;
	for (int c = f->total_vfs; c > 0; c--) {
		judge(f, c, true, &t);
		if (t.succeeds == PT_YES) {
			p->max_count = c;
			break;
		}
		if (t.succeeds == PT_UNKNOWN) {
			p->max_count = -1;
			break;
		}
		if (t.max_count >= 0 && t.max_count < c) {
			c = t.max_count + 1; /* the limit said where it ends */
			continue;
		}
	}
	return 0;
}

/* ---- gather (reads through the seam) ------------------------------------------------- */

static int read_resources(struct pt_ctx *ctx, const char *bdf, struct pt_res *res)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(res, 0, sizeof(*res) * PT_RES_LINES);
	r = pt_read_file(ctx, &buf, &len, 4096, "/sys/bus/pci/devices/%s/resource", bdf);
	if (r < 0)
		return r;
	r = pt_parse_resource_file(buf, len, res, PT_RES_LINES);
	free(buf);
	if (r < 0)
		return pt_err(ctx, r, "/sys/bus/pci/devices/%s/resource: not a resource file", bdf);
	return r;
}

static bool within(const struct pt_res *r, const struct pt_res *w)
{
	return pt_res_size(w) && r->start >= w->start && r->end <= w->end;
}

/* What everything below the bridge other than the PF's IOV resources holds of its
 * windows. VFs are skipped: their BARs lie inside their PF's IOV resources. */
static void gather_used(struct pt_ctx *ctx, const struct pt_host *host,
			const struct pt_device *bridge, const struct pt_device *pf,
			struct pt_sriov_facts *f)
{
	for (size_t i = 0; i < host->n_devs; i++) {
		const struct pt_device *d = &host->devs[i];
		struct pt_res res[PT_RES_LINES];
		int n;

		if (d->kind == PT_KIND_VF || !d->n_path || !pt_bdf_eq(&d->path[0], &bridge->bdf))
			continue;
		n = read_resources(ctx, d->name, res);
		for (int k = 0; k < n; k++) {
			bool bridge_win = k >= PT_RES_BRIDGE_FIRST;

			if (!pt_res_assigned(&res[k]) || (d == pf && k >= PT_RES_IOV_FIRST &&
							  k < PT_RES_BRIDGE_FIRST))
				continue;
			if (bridge_win && d->config.header_type != 1)
				continue;
			if (within(&res[k], &f->win_pref))
				f->used_pref += pt_res_size(&res[k]);
			else if (within(&res[k], &f->win_mem))
				f->used_mem += pt_res_size(&res[k]);
		}
	}
}

static enum pt_tri driver_sriov(struct pt_ctx *ctx, const char *driver)
{
	char v[16];

	if (strcmp(driver, "vfio-pci") == 0) {
		if (pt_read_attr(ctx, v, sizeof(v), "/sys/module/vfio_pci/parameters/enable_sriov") < 0)
			return PT_UNKNOWN;
		return v[0] == 'Y' || v[0] == '1' ? PT_YES : PT_NO;
	}
	if (in(sriov_drivers, driver))
		return PT_YES;
	if (in(no_sriov_drivers, driver))
		return PT_NO;
	return PT_UNKNOWN;
}

int pt_sriov_gather(struct pt_ctx *ctx, const struct pt_host *host, const struct pt_device *pf,
		    struct pt_sriov_facts *f)
{
	struct pt_res res[PT_RES_LINES];
	uint8_t *cfg = NULL;
	size_t cfglen = 0;
	char v[32];
	int n;

	memset(f, 0, sizeof(*f));
	pt_strlcpy(f->pf, pf->name, sizeof(f->pf));
	f->pf_bdf = pf->bdf;
	f->total_vfs = pf->kind == PT_KIND_VF ? -1 : pf->sriov_totalvfs;
	f->num_vfs = pf->sriov_numvfs;
	f->offset = pf->sriov_offset;
	f->stride = pf->sriov_stride;
	pt_strlcpy(f->driver, pf->driver, sizeof(f->driver));
	f->driver_sriov = pf->driver[0] ? driver_sriov(ctx, pf->driver) : PT_NO;
	f->bus_end = -1;
	f->bridge_pcie_type = -1;
	f->ari_enabled = PT_UNKNOWN;

	if (pt_read_file(ctx, (char **)&cfg, &cfglen, 4096, "/sys/bus/pci/devices/%s/config",
			 pf->name) == 0) {
		pt_sriov_cap_parse(cfg, cfglen, &f->cap);
		free(cfg);
	} else {
		pt_sriov_cap_parse(NULL, 0, &f->cap);
	}
	n = read_resources(ctx, pf->name, res);
	if (n >= PT_RES_IOV_FIRST + 6) {
		f->iov_known = true;
		memcpy(f->iov, &res[PT_RES_IOV_FIRST], sizeof(f->iov));
	}
	if (pt_read_attr(ctx, v, sizeof(v), "/sys/bus/pci/devices/%s/ari_enabled", pf->name) >= 0)
		f->ari_enabled = v[0] == '1' ? PT_YES : v[0] == '0' ? PT_NO : PT_UNKNOWN;

	if (pf->n_path) {
		const struct pt_device *b = pt_host_find(host, &pf->path[0]);
		long sub;

		f->has_bridge = true;
		pt_bdf_format(&pf->path[0], f->bridge);
		if (b) {
			f->bridge_pcie_type = b->config.pcie_type;
			if (pt_read_attr(ctx, v, sizeof(v), "/sys/bus/pci/devices/%s/subordinate_bus_number",
					 f->bridge) >= 0 && pt_parse_long(v, &sub) == 0 && sub >= 0 &&
			    sub <= 255)
				f->bus_end = (int)sub;
			n = read_resources(ctx, f->bridge, res);
			if (n >= PT_RES_BRIDGE_FIRST + 3) {
				f->windows_known = true;
				f->win_mem = res[PT_RES_BRIDGE_FIRST + 1];
				f->win_pref = res[PT_RES_BRIDGE_FIRST + 2];
				gather_used(ctx, host, b, pf, f);
			}
		}
		if (f->bus_end < 0) { /* config bytes 0x18-0x1a of the bridge, readable by all */
			uint8_t *bc = NULL;
			size_t bl = 0;

			if (pt_read_file(ctx, (char **)&bc, &bl, 64, "/sys/bus/pci/devices/%s/config",
					 f->bridge) == 0) {
				if (bl >= 0x1b && (bc[0x0e] & 0x7f) == 1)
					f->bus_end = bc[0x1a];
				free(bc);
			}
		}
	}
	return 0;
}
