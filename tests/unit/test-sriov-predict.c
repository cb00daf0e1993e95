// SPDX-License-Identifier: MIT
/*
 * The SR-IOV enable prediction: the resource-file and capability parsers, the pure
 * judgement on hand-made facts (one case per limit, each with its numbers), and the
 * gather on the sriov-limits fixture (argv[1]: the fixtures directory).
 */
#include "passthru/sriov-predict.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* An igb-like PF behind a root port with room for everything. */
static void base(struct pt_sriov_facts *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->pf, sizeof(f->pf), "0000:21:00.0");
	pt_bdf_parse(f->pf, &f->pf_bdf);
	f->total_vfs = 8;
	f->num_vfs = 0;
	f->offset = 0x80;
	f->stride = 2;
	snprintf(f->driver, sizeof(f->driver), "igb");
	f->driver_sriov = PT_YES;
	f->cap.present = f->cap.readable = true;
	f->cap.vf_migration = false;
	f->cap.initial_vfs = f->cap.total_vfs = 8;
	f->cap.vf_bar[0] = 0xc;
	f->cap.vf_bar[3] = 0xc;
	f->iov_known = true;
	f->iov[0] = (struct pt_res){ 0x4000000000, 0x400001ffff, 0x14220c };
	f->iov[3] = (struct pt_res){ 0x4000020000, 0x400003ffff, 0x14220c };
	f->has_bridge = true;
	snprintf(f->bridge, sizeof(f->bridge), "0000:20:00.0");
	f->bridge_pcie_type = 4;
	f->bus_end = 0x21;
	f->ari_enabled = PT_YES;
	f->windows_known = true;
	f->win_mem = (struct pt_res){ 0xfe000000, 0xfe0fffff, 0x200 };
	f->win_pref = (struct pt_res){ 0x4000000000, 0x40000fffff, 0x102201 };
	f->used_mem = 0x48000;
}

static void parsers(void)
{
	const char *rf = "0x00000000fe000000 0x00000000fe01ffff 0x0000000000040200\n"
			 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
			 "0x0000004000000000 0x000000400001ffff 0x000000000014220c\n";
	struct pt_res r[4];
	struct pt_sriov_cap c;
	uint8_t cfg[4096] = { 0 };

	is_int(pt_parse_resource_file(rf, strlen(rf), r, 4), 3, "three resource lines");
	is_int((long)pt_res_size(&r[0]), 0x20000, "line 0: 128 KiB");
	ok(pt_res_assigned(&r[0]) && !pt_res_assigned(&r[1]), "line 0 placed, line 1 empty");
	ok(r[2].flags & PT_RES_PREFETCH, "line 2 prefetchable");
	is_int(pt_parse_resource_file(rf, strlen(rf), r, 2), 2, "max bounds the lines kept");
	is_int(pt_parse_resource_file("0x1 0x2\n", 8, r, 4), -EINVAL, "two fields: -EINVAL");
	is_int(pt_parse_resource_file("0x1 0x2 0x3 junk\n", 17, r, 4), -EINVAL, "junk: -EINVAL");
	is_int(pt_parse_resource_file("0x11111111111111111 0 0\n", 24, r, 4), -EINVAL,
	       "17 hex digits: -EINVAL");
	is_int(pt_parse_resource_file("", 0, r, 4), 0, "empty file: no lines");
	r[0] = (struct pt_res){ 0, 0x1fffff, 0x14220c };
	ok(pt_res_size(&r[0]) == 0x200000 && !pt_res_assigned(&r[0]),
	   "sized but at 0: unset (the kernel's IORESOURCE_UNSET)");

	/* an SR-IOV capability at 0x160 behind an ARI capability at 0x100 */
	cfg[0x100] = 0x0e; cfg[0x102] = 0x01 | 0x00; cfg[0x103] = 0x16; /* next 0x160 */
	cfg[0x160] = 0x10; cfg[0x162] = 0x01;
	cfg[0x160 + 0x04] = 0x01;                        /* VFM */
	cfg[0x160 + 0x0c] = 7; cfg[0x160 + 0x0e] = 8;  /* Initial 7, Total 8 */
	cfg[0x160 + 0x14] = 0x80; cfg[0x160 + 0x16] = 2;
	cfg[0x160 + 0x1a] = 0xca; cfg[0x160 + 0x1b] = 0x10;
	cfg[0x160 + 0x24] = 0x0c;
	is_int(pt_sriov_cap_parse(cfg, sizeof(cfg), &c), 0, "capability parsed");
	ok(c.present && c.readable && c.vf_migration, "present, readable, VFM");
	ok(c.initial_vfs == 7 && c.total_vfs == 8 && c.offset == 0x80 && c.stride == 2 &&
	   c.vf_device == 0x10ca && c.vf_bar[0] == 0xc, "its fields");
	is_int(pt_sriov_cap_parse(cfg, 256, &c), 0, "256 bytes: no extended space");
	ok(!c.readable && !c.present, "  unreadable, so not known present");
	is_int(pt_sriov_cap_parse(cfg, 0x170, &c), -EINVAL, "truncated capability: -EINVAL");
}

static void limits(void)
{
	struct pt_sriov_facts f;
	struct pt_sriov_prediction p;

	base(&f);
	for (int n = 0; n <= 8; n++) {
		pt_sriov_predict(&f, n, &p);
		ok(p.succeeds == PT_YES && p.limit == PT_SRIOV_FITS && p.max_count == 8,
		   "roomy host: %d VFs fit, at most 8", n);
	}
	pt_sriov_predict(&f, 9, &p);
	ok(p.succeeds == PT_NO && p.limit == PT_SRIOV_LIMIT_TOTALVFS && p.error == ERANGE &&
	   p.max_count == 8, "9 of 8: total_vfs, ERANGE, at most 8");

	base(&f);
	f.total_vfs = -1;
	pt_sriov_predict(&f, 1, &p);
	ok(p.limit == PT_SRIOV_LIMIT_NOT_PF && p.succeeds == PT_NO, "not a PF");

	base(&f);
	f.driver[0] = '\0';
	pt_sriov_predict(&f, 2, &p);
	ok(p.limit == PT_SRIOV_LIMIT_NO_DRIVER && p.error == ENOENT && p.max_count == 0,
	   "no driver: ENOENT, nothing fits");
	pt_sriov_predict(&f, 0, &p);
	ok(p.succeeds == PT_YES, "no driver, 0 of 0: the kernel's no-op comes before the driver check");
	f.num_vfs = 2;
	pt_sriov_predict(&f, 0, &p);
	ok(p.limit == PT_SRIOV_LIMIT_NO_DRIVER, "no driver, 2 enabled: even 0 is refused");

	base(&f);
	f.driver_sriov = PT_NO;
	pt_sriov_predict(&f, 2, &p);
	ok(p.limit == PT_SRIOV_LIMIT_DRIVER && p.error == ENOENT, "driver without sriov_configure");
	f.driver_sriov = PT_UNKNOWN;
	pt_sriov_predict(&f, 2, &p);
	ok(p.succeeds == PT_UNKNOWN && p.limit == PT_SRIOV_LIMIT_UNKNOWN,
	   "a driver passthru does not know: unknown, not a guess");

	base(&f);
	f.num_vfs = 4;
	pt_sriov_predict(&f, 4, &p);
	ok(p.succeeds == PT_YES, "the count it has: a no-op the kernel accepts");
	pt_sriov_predict(&f, 6, &p);
	ok(p.limit == PT_SRIOV_LIMIT_BUSY && p.error == EBUSY && p.max_count == 8,
	   "4 enabled, 6 asked: EBUSY; 8 fit once at 0");
	pt_sriov_predict(&f, 0, &p);
	ok(p.succeeds == PT_YES, "back to 0 succeeds");

	base(&f);
	f.cap.initial_vfs = 4;
	pt_sriov_predict(&f, 5, &p);
	ok(p.limit == PT_SRIOV_LIMIT_INITIAL && p.error == EINVAL && p.max_count == 4,
	   "InitialVFs 4 without VF Migration: EINVAL, at most 4");

	/* MMIO: resource7 sized for 8 VFs but unset; 256 KiB needed, 128 KiB free */
	base(&f);
	f.iov[0].start = 0;
	f.iov[0].end = 0x1ffff;
	f.used_pref = 0xe0000;
	pt_sriov_predict(&f, 1, &p);
	ok(p.succeeds == PT_NO && p.limit == PT_SRIOV_LIMIT_MMIO && p.error == ENOMEM &&
	   p.max_count == 0, "VF BAR 0 not placed: mmio, ENOMEM, nothing fits until reboot");
	ok(p.mmio_need_pref == 0x40000 && p.mmio_free_pref == 0x20000 && p.mmio_free_mem == 0xb8000,
	   "the numbers: 256 KiB prefetchable needed, 128 KiB free, 736 KiB in mem");
	ok(strstr(p.reason, "0000:20:00.0") && strstr(p.reason, "256 KiB prefetchable") &&
	   strstr(p.reason, "128 KiB free in its prefetchable window"),
	   "the reason names the bridge and the sizes: %s", p.reason);
	ok(strstr(p.advice, "pci=realloc") != NULL, "the advice says pci=realloc");
	pt_sriov_predict(&f, 0, &p);
	ok(p.succeeds == PT_YES, "0 VFs needs no MMIO");

	/* MMIO: the kernel reset the IOV resources after failing to place them */
	base(&f);
	memset(f.iov, 0, sizeof(f.iov));
	pt_sriov_predict(&f, 3, &p);
	ok(p.limit == PT_SRIOV_LIMIT_MMIO, "resource7-12 empty, capability has VF BARs: mmio");
	f.cap.readable = false;
	memset(f.cap.vf_bar, 0, sizeof(f.cap.vf_bar));
	pt_sriov_predict(&f, 3, &p);
	ok(p.succeeds == PT_UNKNOWN, "  and without the capability (not root): unknown");
	f.cap.readable = true;
	pt_sriov_predict(&f, 3, &p);
	ok(p.succeeds == PT_YES, "  VFs without BARs at all: nothing to place, fits");
	base(&f);
	f.iov_known = false;
	pt_sriov_predict(&f, 3, &p);
	ok(p.succeeds == PT_UNKNOWN, "resource file unreadable: unknown");

	/* bus numbers: offset 0x80, stride 4, 64 VFs: VF 32 is 22:00.0, the bridge ends at 21 */
	base(&f);
	f.total_vfs = f.cap.total_vfs = f.cap.initial_vfs = 64;
	f.stride = 4;
	pt_sriov_predict(&f, 32, &p);
	ok(p.succeeds == PT_YES && p.last_vf_bus == 0x21 && strcmp(p.last_vf, "0000:21:1f.4") == 0,
	   "32 VFs: the last at 21:1f.4, fits (%s)", p.last_vf);
	pt_sriov_predict(&f, 33, &p);
	ok(p.limit == PT_SRIOV_LIMIT_BUS && p.error == ENOMEM && p.max_count == 32 &&
	   p.last_vf_bus == 0x22, "33 VFs: bus 22 past subordinate 21, ENOMEM, at most 32");
	ok(strstr(p.reason, "0000:22:00.0") && strstr(p.reason, "buses 21-21"),
	   "the reason names the VF and the range: %s", p.reason);
	f.bus_end = 0x22;
	pt_sriov_predict(&f, 64, &p);
	ok(p.succeeds == PT_YES, "a bridge routing 21-22: 64 fit");
	f.has_bridge = false;
	f.bus_end = -1;
	pt_sriov_predict(&f, 33, &p);
	ok(p.succeeds == PT_UNKNOWN, "a root bus with an unknown range: unknown past its bus");
	pt_sriov_predict(&f, 32, &p);
	ok(p.succeeds == PT_YES, "  and fits while the VFs stay on its bus");

	/* ARI: offset 1 stride 1 behind a root port without ARI forwarding */
	base(&f);
	f.offset = 1;
	f.stride = 1;
	f.ari_enabled = PT_NO;
	pt_sriov_predict(&f, 7, &p);
	ok(p.succeeds == PT_YES, "VFs 21:00.1-7 are functions of device 0: no ARI needed");
	pt_sriov_predict(&f, 8, &p);
	ok(p.limit == PT_SRIOV_LIMIT_ARI && p.max_count == 7 &&
	   strcmp(p.last_vf, "0000:21:01.0") == 0, "VF 7 at 21:01.0 needs ARI: refused, at most 7");
	f.bridge_pcie_type = 5;
	pt_sriov_predict(&f, 8, &p);
	ok(p.succeeds == PT_YES, "an upstream port above (not a downstream one): no such limit");
	base(&f);
	f.ari_enabled = PT_NO;
	pt_sriov_predict(&f, 1, &p);
	ok(p.limit == PT_SRIOV_LIMIT_ARI && p.max_count == 0, "igb's offset 0x80 without ARI: none");

	ok(pt_sriov_predict(&f, -1, &p) == -EINVAL, "a negative count: -EINVAL");
	is_str(pt_sriov_limit_str(PT_SRIOV_LIMIT_MMIO), "mmio", "limit names");
}

/* The gather on the fixture: each PF's facts as the files say. */
static void gather(const char *fixtures)
{
	static const struct {
		const char *pf;
		int count;
		enum pt_sriov_limit limit;
		int max;
	} want[] = {
		{ "0000:01:00.0", 8, PT_SRIOV_FITS, 8 },
		{ "0000:02:00.0", 1, PT_SRIOV_LIMIT_MMIO, 0 },
		{ "0000:03:00.0", 33, PT_SRIOV_LIMIT_BUS, 32 },
		{ "0000:04:00.0", 8, PT_SRIOV_LIMIT_ARI, 7 },
		{ "0000:05:00.0", 1, PT_SRIOV_LIMIT_NO_DRIVER, 0 },
		{ "0000:06:00.0", 1, PT_SRIOV_LIMIT_DRIVER, 0 },
		{ "0000:07:00.0", 1, PT_SRIOV_LIMIT_MMIO, 0 },
	};
	char root[4096];
	struct pt_ctx *ctx;
	struct pt_host *h;

	snprintf(root, sizeof(root), "%s/sriov-limits", fixtures);
	if (pt_ctx_new(&ctx, root) < 0 || pt_host_scan(ctx, &h) < 0) {
		ok(0, "scan %s", root);
		return;
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct pt_sriov_prediction p;
		struct pt_sriov_facts f;
		struct pt_device *d = pt_host_lookup(h, want[i].pf);

		if (!d) {
			ok(0, "%s in the fixture", want[i].pf);
			continue;
		}
		ok(pt_sriov_gather(ctx, h, d, &f) == 0 && pt_sriov_predict(&f, want[i].count, &p) == 0,
		   "%s: gathered and judged", want[i].pf);
		ok(p.limit == want[i].limit && p.max_count == want[i].max,
		   "%s, %d VFs: %s (want %s), at most %d (want %d)", want[i].pf, want[i].count,
		   pt_sriov_limit_str(p.limit), pt_sriov_limit_str(want[i].limit), p.max_count,
		   want[i].max);
		if (i == 1)
			ok(f.windows_known && pt_res_size(&f.win_pref) == 0x100000 &&
			   f.used_pref == 0xe0000 && p.mmio_need_pref == 0x200000,
			   "02:00.0: window 1 MiB, 896 KiB used by the PF's BAR, 2 MiB needed");
		if (i == 2)
			ok(f.bus_end == 3 && f.offset == 0x80 && f.stride == 4, "03:00.0: bus end 03");
	}
	pt_host_free(h);
	pt_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	parsers();
	limits();
	if (argc > 1)
		gather(argv[1]);
	return done_testing();
}
