// SPDX-License-Identifier: MIT
/*
 * Safety (lib/safety.c): the /proc parsers on real-world text, then a copy of the
 * dual-socket fixture given routes, mounts, a dm device and a bond: the default-route
 * NIC (and the PF of a default-route VF), the root-fs disk through its partition, a
 * dm-backed mount through slaves/, and an IOMMU group a vfio binding would break.
 *
 * Usage: test-safety FIXTURES_DIR
 */
#include "passthru/judge.h"
#include "passthru/safety.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fixtures;

static const struct pt_cause *group_shared(const struct pt_assignability *a)
{
	for (size_t i = 0; i < a->n_causes && i < PT_MAX_CAUSES; i++)
		if (a->causes[i].kind == PT_CAUSE_GROUP_SHARED)
			return &a->causes[i];
	return NULL;
}
static char tmp[] = "/tmp/pt-test-safety.XXXXXX";

static void test_parsers(void)
{
	char ifs[4][16];
	struct pt_mount_ent m[8];
	const char *route =
		"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
		"eno1\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
		"eno1\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
		"virbr0\t00000000\t00000000\t0000\t0\t0\t0\t00000000\t0\t0\t0\n"
		"br0\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n";
	const char *v6 =
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
		"fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eno2\n"
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
		"fe800000000000000000000000000000 40 00000000000000000000000000000000 00 "
		"00000000000000000000000000000000 00000100 00000001 00000000 00000001     eno1\n";
	const char *mounts =
		"sysfs /sys sysfs rw,nosuid 0 0\n"
		"/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n"
		"/dev/mapper/vg-data /srv/my\\040data xfs rw 0 0\n"
		"tmpfs /run tmpfs rw 0 0\n";
	size_t n;

	n = pt_parse_default_routes_v4(route, ifs, 4);
	is_int(n, 2, "IPv4: two default routes that are up");
	if (n == 2) {
		is_str(ifs[0], "eno1", "eno1");
		is_str(ifs[1], "br0", "br0 (virbr0's is down)");
	}
	n = pt_parse_default_routes_v6(v6, ifs, 4);
	is_int(n, 1, "IPv6: one default route (lo's reject route is not one)");
	if (n == 1)
		is_str(ifs[0], "eno2", "eno2");
	is_int(pt_parse_default_routes_v4("", ifs, 4), 0, "empty route table");
	is_int(pt_parse_default_routes_v4("eno1 garbage\n\n\n", ifs, 4), 0, "junk lines skipped");
	n = pt_parse_mounts(mounts, m, 8);
	is_int(n, 2, "two mounts from /dev");
	if (n == 2) {
		is_str(m[0].dev, "/dev/nvme0n1p2", "root device");
		is_str(m[0].where, "/", "root");
		is_str(m[1].where, "/srv/my data", "octal escapes undone");
	}
	is_int(pt_parse_mounts("/dev/x", m, 8), 0, "a line without a mount point is skipped");
}

static void put(const char *root, const char *rel, const char *content)
{
	char path[4096], cmd[8400];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		return;
	f = fopen(path, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static void link_(const char *root, const char *rel, const char *target)
{
	char path[4096], cmd[8400];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && ln -sfn '%s' '%s'", path,
		 target, path);
	if (system(cmd) != 0)
		printf("# ln %s failed\n", rel);
}

static const struct pt_protected *find(const struct pt_protected *p, size_t n, const char *bdf)
{
	struct pt_bdf b;

	pt_bdf_parse(bdf, &b);
	return pt_safety_find(p, n, &b);
}

static void test_tree(void)
{
	char root[4200], cmd[8600];
	struct pt_protected *p = NULL;
	const struct pt_protected *f;
	struct pt_ctx *ctx;
	struct pt_host *h = NULL;
	size_t n = 0;

	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(cmd, sizeof(cmd), "cp -a '%s/dual-socket' '%s'", fixtures, root);
	if (!ok(system(cmd) == 0, "copy of the dual-socket tree"))
		return;
	/* IPv4 default route on a VLAN over a bond over the mlx5 NIC; IPv6 default route on
	 * a VF of the i40e PF */
	put(root, "/proc/net/route",
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "bond0.100\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
	put(root, "/sys/devices/virtual/net/bond0.100/ifindex", "20\n");
	link_(root, "/sys/class/net/bond0.100", "../../devices/virtual/net/bond0.100");
	link_(root, "/sys/devices/virtual/net/bond0.100/lower_bond0", "../bond0");
	put(root, "/sys/devices/virtual/net/bond0/ifindex", "19\n");
	link_(root, "/sys/class/net/bond0", "../../devices/virtual/net/bond0");
	link_(root, "/sys/devices/virtual/net/bond0/lower_enp2s0f0np0",
	      "../../../pci0000:00/0000:00:02.0/0000:02:00.0/net/enp2s0f0np0");
	put(root, "/proc/net/ipv6_route",
	    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
	    "fe800000000000000000000000000001 00000400 00000001 00000000 00000003 ens1f0v1\n");
	/* / on nvme0n1p2; /srv on dm-0 over nvme3n1 (the VMD NVMe); swap on nvme1n1 */
	put(root, "/proc/mounts",
	    "proc /proc proc rw 0 0\n/dev/nvme0n1p2 / ext4 rw 0 0\n/dev/mapper/vg-srv /srv xfs rw 0 0\n");
	put(root, "/sys/devices/virtual/block/dm-0/dm/name", "vg-srv\n");
	link_(root, "/sys/class/block/dm-0", "../../devices/virtual/block/dm-0");
	link_(root, "/sys/devices/virtual/block/dm-0/slaves/nvme3n1", "../../../../../../sys/class/block/nvme3n1");
	put(root, "/proc/swaps", "Filename Type Size Used Priority\n/dev/nvme1n1 partition 8388604 0 -2\n");

	if (pt_ctx_new(&ctx, root) < 0 || pt_host_scan(ctx, &h) < 0) {
		ok(0, "scan: %s", pt_ctx_error(ctx));
		return;
	}
	is_int(pt_safety_protected(ctx, h, &p, &n), 0, "protected functions found");
	for (size_t i = 0; i < n; i++) {
		char b[PT_BDF_STRLEN];

		printf("#   %s %s: %s\n", pt_bdf_format(&p[i].bdf, b), pt_protect_kind_str(p[i].kind), p[i].why);
	}
	f = find(p, n, "0000:02:00.0");
	ok(f && f->kind == PT_PROTECT_DEFAULT_ROUTE, "the NIC under bond0.100 carries the default route");
	f = find(p, n, "0000:18:02.1");
	ok(f && f->kind == PT_PROTECT_DEFAULT_ROUTE, "the VF ens1f0v1 carries the IPv6 default route");
	f = find(p, n, "0000:18:00.0");
	ok(f && f->kind == PT_PROTECT_DEFAULT_ROUTE && strstr(f->why, "PF of 0000:18:02.1"),
	   "... and so its PF is protected too");
	ok(!find(p, n, "0000:18:02.0"), "other VFs of that PF are not");
	f = find(p, n, "0000:82:00.0");
	ok(f && f->kind == PT_PROTECT_ROOT_FS, "the root filesystem's NVMe (through the partition)");
	f = find(p, n, "10000:01:00.0");
	ok(f && f->kind == PT_PROTECT_MOUNTED, "the NVMe under dm-0 (/srv), through slaves/");
	f = find(p, n, "0000:85:00.0");
	ok(f && f->kind == PT_PROTECT_MOUNTED && strstr(f->why, "swap"),
	   "swap on a native-multipath namespace protects its controllers");
	ok(find(p, n, "0000:86:00.0") != NULL, "... both of them");
	ok(!find(p, n, "0000:05:00.0"), "an unrelated NIC is not protected");
	free(p);

	/* IOMMU groups (the assignability judgement, judge.h): the GPU shares its group
	 * with its audio function on snd_hda_intel */
	{
		struct pt_bdf audio, x;
		const struct pt_device *gpu, *nic;
		const struct pt_cause *c;
		struct pt_assignability a;

		pt_bdf_parse("0000:81:00.0", &x);
		gpu = pt_host_find(h, &x);
		pt_bdf_parse("0000:81:00.1", &audio);
		if (gpu)
			pt_judge_assignable(h, PT_YES, NULL, 0, NULL, 0, gpu, &a);
		c = gpu ? group_shared(&a) : NULL;
		ok(c != NULL, "GPU to vfio while its audio function is on snd_hda_intel: not viable");
		ok(c && strcmp(c->device, "0000:81:00.1") == 0 && strstr(c->why, "snd_hda_intel"),
		   "names the culprit: %s", c ? c->why : "(none)");
		if (gpu)
			pt_judge_assignable(h, PT_YES, NULL, 0, &audio, 1, gpu, &a);
		ok(gpu && !group_shared(&a),
		   "viable when the same request binds the audio function to vfio too");
		pt_bdf_parse("0000:05:00.0", &x);
		nic = pt_host_find(h, &x);
		if (nic)
			pt_judge_assignable(h, PT_YES, NULL, 0, NULL, 0, nic, &a);
		ok(nic && !group_shared(&a), "a group whose other endpoint is on vfio-pci is viable");
	}
	pt_host_free(h);
	pt_ctx_free(ctx);

	/* nothing readable under /proc: nothing known to be protected, no error */
	{
		struct pt_ctx *c2;

		snprintf(cmd, sizeof(cmd), "%s/dual-socket", fixtures);
		if (pt_ctx_new(&c2, cmd) == 0 && pt_host_scan(c2, &h) == 0) {
			p = NULL;
			n = 99;
			is_int(pt_safety_protected(c2, h, &p, &n), 0, "no /proc files: no error");
			is_int(n, 0, "no /proc files: nothing protected");
			free(p);
			pt_host_free(h);
		}
		pt_ctx_free(c2);
	}
}

int main(int argc, char **argv)
{
	char cmd[256];

	fixtures = argc > 1 ? argv[1] : getenv("PASSTHRU_FIXTURES");
	test_parsers();
	if (fixtures && mkdtemp(tmp)) {
		test_tree();
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmp);
	}
	return done_testing();
}
