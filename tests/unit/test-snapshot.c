// SPDX-License-Identifier: MIT
/*
 * passthru snapshot over a fixture sysroot built here: the archive is extracted
 * with tar(1) and compared with the source file by file and link by link, and the
 * model scanned from the extracted tree must be the model scanned from the source.
 */
#include "passthru/passthru.h"
#include "passthru/snapshot.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[PATH_MAX]; /* the temp dir: src/, out/, out2/, archives */
static bool have_rtnl;     /* the fixture has a recorded rtnetlink dump */

static void mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

static void parent_dirs(const char *path)
{
	char buf[PATH_MAX], *slash;

	snprintf(buf, sizeof(buf), "%s", path);
	slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		mkdirs(buf);
	}
}

/* Writes len bytes (len < 0: strlen) to top/src/rel. */
static void put(const char *rel, const void *data, long len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/src/%s", top, rel);
	parent_dirs(path);
	f = fopen(path, "wb");
	if (!f) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fwrite(data, 1, len < 0 ? strlen(data) : (size_t)len, f);
	fclose(f);
}

static void link_to(const char *rel, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/src/%s", top, rel);
	parent_dirs(path);
	if (symlink(target, path) < 0) {
		printf("Bail out! symlink %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* A PCI function at dir (relative to sys/devices/), linked from sys/bus/pci/devices. */
static void pci_fn(const char *dir, const char *vendor, const char *device, const char *cls,
		   const uint8_t *cfg, size_t cfglen)
{
	char rel[PATH_MAX], target[PATH_MAX];
	const char *bdf = strrchr(dir, '/') + 1;

	snprintf(rel, sizeof(rel), "sys/devices/%s/vendor", dir);
	put(rel, vendor, -1);
	snprintf(rel, sizeof(rel), "sys/devices/%s/device", dir);
	put(rel, device, -1);
	snprintf(rel, sizeof(rel), "sys/devices/%s/class", dir);
	put(rel, cls, -1);
	snprintf(rel, sizeof(rel), "sys/devices/%s/config", dir);
	put(rel, cfg, (long)cfglen);
	/* the BAR table: read (lspci -vvv needs it) */
	snprintf(rel, sizeof(rel), "sys/devices/%s/resource", dir);
	put(rel, "0x00000000fe000000 0x00000000fe7fffff 0x0000000000040200\n", -1);
	/* never to be read: sysfs files that are huge, block or act when read */
	snprintf(rel, sizeof(rel), "sys/devices/%s/resource0", dir);
	put(rel, "BAR 0 mapped", -1);
	snprintf(rel, sizeof(rel), "sys/devices/%s/remove", dir);
	put(rel, "", 0);
	snprintf(target, sizeof(target), "../../../devices/%s", dir);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", bdf);
	link_to(rel, target);
}

static void build_fixture(void)
{
	uint8_t cfg[256];
	char deep[PATH_MAX], rel[PATH_MAX], target[PATH_MAX];
	size_t n;

	/* a config space with NULs in it; header type 0, no capabilities */
	memset(cfg, 0, sizeof(cfg));
	cfg[0] = 0x86, cfg[1] = 0x80, cfg[2] = 0xc9, cfg[3] = 0x10;
	cfg[0x0b] = 0x02;
	for (size_t i = 0x40; i < sizeof(cfg); i++)
		cfg[i] = (uint8_t)(i * 7);

	pci_fn("pci0000:00/0000:00:00.0", "0x8086\n", "0x1237\n", "0x060000\n", cfg, 64);
	pci_fn("pci0000:00/0000:00:1c.0", "0x8086\n", "0x1c10\n", "0x060400\n", cfg, 64);
	pci_fn("pci0000:00/0000:00:1c.0/0000:01:00.0", "0x8086\n", "0x10c9\n", "0x020000\n", cfg,
	       sizeof(cfg));
	pci_fn("pci0000:00/0000:00:1c.0/0000:01:10.0", "0x8086\n", "0x10ca\n", "0x020000\n", cfg,
	       sizeof(cfg));
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/numa_node", "0\n", -1);
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/driver_override", "(null)\n", -1);
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/sriov_totalvfs", "7\n", -1);
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/sriov_numvfs", "1\n", -1);
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.0/sriov_vf_msix_count", "", 0);
	snprintf(rel, sizeof(rel), "%s/src/sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.0/sriov_vf_msix_count", top);
	chmod(rel, 0200); /* write-only, as the kernel makes it */
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/current_link_speed", "2.5 GT/s PCIe\n", -1);
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/max_link_speed", "5.0 GT/s PCIe\n", -1);
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/msi_irqs/40", "msix\n", -1);
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/net/eth0/address", "52:54:00:12:34:56\n", -1);
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/net/eth0/mtu", "1500\n", -1);
	put("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/net/eth0/statistics_blob", "no\n", -1);
	link_to("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/driver", "../../../../bus/pci/drivers/igb");
	link_to("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/iommu_group", "../../../../kernel/iommu_groups/5");
	link_to("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtfn0", "../0000:01:10.0");
	link_to("sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.0/physfn", "../0000:01:00.0");
	/* dangling: group 9 does not exist */
	link_to("sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.0/iommu_group", "../../../../kernel/iommu_groups/9");
	snprintf(rel, sizeof(rel), "%s/src/sys/bus/pci/drivers/igb", top);
	mkdirs(rel);
	link_to("sys/bus/pci/drivers/igb/0000:01:00.0", "../../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0");
	put("sys/bus/pci/drivers/igb/new_id", "", 0);
	link_to("sys/kernel/iommu_groups/5/devices/0000:01:00.0",
		"../../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0");
	put("sys/kernel/iommu_groups/5/type", "DMA\n", -1);
	link_to("sys/class/net/eth0", "../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/net/eth0");
	link_to("sys/class/block/sda",
		"../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda");
	link_to("sys/class/block/loopy", "loopy"); /* a loop: stored, never followed */
	/* the root filesystem on device-mapper over a partition */
	link_to("sys/class/block/dm-0", "../../devices/virtual/block/dm-0");
	put("sys/devices/virtual/block/dm-0/dm/name", "vg-root\n", -1);
	put("sys/devices/virtual/block/dm-0/hidden", "0\n", -1);
	put("sys/devices/virtual/block/dm-0/dm/uuid", "not captured\n", -1);
	link_to("sys/devices/virtual/block/dm-0/slaves/sda2",
		"../../../../pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda2");
	link_to("dev/mapper/vg-root", "../dm-0");
	put("sys/devices/system/node/node0/cpulist", "0-3\n", -1);
	put("sys/devices/system/node/node0/meminfo", "not captured\n", -1);
	put("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "16\n", -1);
	put("sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "8\n", -1);

	/* a device 20 bridges deep: names past ustar's 100 and 255 bytes, link targets
	 * past its 100 */
	n = (size_t)snprintf(deep, sizeof(deep), "pci0000:00/0000:00:1d.0");
	for (int bus = 2; bus < 22; bus++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "/0000:%02x:00.0", bus);
	pci_fn(deep, "0x1af4\n", "0x1041\n", "0x020000\n", cfg, 64);
	snprintf(rel, sizeof(rel), "sys/devices/%s/net/enp21s0/address", deep);
	put(rel, "52:54:00:00:00:21\n", -1);
	snprintf(target, sizeof(target), "../../devices/%s/net/enp21s0", deep);
	link_to("sys/class/net/enp21s0", target);

	put("proc/cmdline", "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt\n", -1);
	put("proc/interrupts", "           CPU0\n 40:  12  PCI-MSIX-0000:01:00.0  0-edge  eth0\n", -1);
	put("proc/irq/40/smp_affinity_list", "0-3\n", -1);
	put("proc/irq/40/spurious", "not captured\n", -1);
	put("proc/mounts", "sysfs /sys sysfs rw 0 0\n/dev/mapper/vg-root / ext4 rw 0 0\n", -1);
	put("proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n/dev/sdb1 partition 1 0 -2\n", -1);
	put("proc/sys/kernel/random/boot_id", "0b3f7c9e-2f4c-4a55-9a0e-5d9d1c3b7e01\n", -1);
	put("proc/net/route", "Iface\tDestination\tGateway\neth0\t00000000\t0100000A\n", -1);
	put("proc/1234/comm", "irqbalance\n", -1);
	put("proc/99/comm", "bash\n", -1);
	put("dev/kmsg", "6,1,0,-;hello\n SUBSYSTEM=pci\n4,2,5,-;DMAR: fault\n", -1);
	put("dev/vfio/vfio", "", 0);
	put("dev/sda", "not captured\n", -1);

	/* a recorded rtnetlink dump (VF settings): replayed under a sysroot, and what a
	 * snapshot stores */
	{
		const char *srcdir = getenv("PASSTHRU_TOP_SRCDIR");
		char dump[PATH_MAX], *buf;
		long len;
		FILE *f;

		snprintf(dump, sizeof(dump), "%s/tests/fuzz/corpus/fuzz-netlink/dump-3-links",
			 srcdir ? srcdir : ".");
		f = fopen(dump, "rb");
		buf = malloc(1 << 20);
		if (f && buf) {
			len = (long)fread(buf, 1, 1 << 20, f);
			put(".passthru/rtnl-getlink.bin", buf, len);
			have_rtnl = true;
		}
		if (f)
			fclose(f);
		free(buf);
	}
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Reads top/<dir>/<rel> fully; returns the length or -1. */
static long slurp(const char *dir, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	long n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", top, dir, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = (long)read(fd, buf, len);
	close(fd);
	return n;
}

static void same_file(const char *rel)
{
	char a[8192], b[8192];
	long na = slurp("src", rel, a, sizeof(a)), nb = slurp("out", rel, b, sizeof(b));

	ok(na >= 0 && na == nb && memcmp(a, b, (size_t)na) == 0, "file %s: same bytes", rel);
}

static void same_link(const char *rel)
{
	char pa[PATH_MAX], pb[PATH_MAX], ta[PATH_MAX] = "", tb[PATH_MAX] = "";
	ssize_t na, nb;

	snprintf(pa, sizeof(pa), "%s/src/%s", top, rel);
	snprintf(pb, sizeof(pb), "%s/out/%s", top, rel);
	na = readlink(pa, ta, sizeof(ta) - 1);
	nb = readlink(pb, tb, sizeof(tb) - 1);
	if (na >= 0)
		ta[na] = '\0';
	if (nb >= 0)
		tb[nb] = '\0';
	ok(na > 0 && nb == na && strcmp(ta, tb) == 0, "link %s: same target", rel);
	if (nb != na)
		printf("#   got \"%s\", want \"%s\"\n", tb, ta);
}

static bool in_out(const char *dir, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s/%s", top, dir, rel);
	return lstat(p, &st) == 0;
}

static void same_model(const char *a_dir, const char *b_dir)
{
	char a_root[PATH_MAX], b_root[PATH_MAX];
	struct pt_ctx *ca = NULL, *cb = NULL;
	struct pt_host *ha = NULL, *hb = NULL;
	bool same = true;

	snprintf(a_root, sizeof(a_root), "%s/%s", top, a_dir);
	snprintf(b_root, sizeof(b_root), "%s/%s", top, b_dir);
	if (pt_ctx_new(&ca, a_root) < 0 || pt_ctx_new(&cb, b_root) < 0 ||
	    pt_host_scan(ca, &ha) < 0 || pt_host_scan(cb, &hb) < 0) {
		ok(0, "scan %s and %s", a_dir, b_dir);
		goto out;
	}
	is_int(hb->n_devs, ha->n_devs, "%s: as many functions as %s", b_dir, a_dir);
	is_int(hb->n_groups, ha->n_groups, "%s: as many IOMMU groups", b_dir);
	is_int(hb->n_nodes, ha->n_nodes, "%s: as many NUMA nodes", b_dir);
	is_int(hb->n_hugepages, ha->n_hugepages, "%s: as many hugepage sizes", b_dir);
	is_int(hb->n_warnings, ha->n_warnings, "%s: as many warnings", b_dir);
	is_str(hb->cmdline, ha->cmdline, "%s: same command line", b_dir);
	for (size_t i = 0; i < ha->n_devs && i < hb->n_devs; i++) {
		const struct pt_device *x = &ha->devs[i], *y = &hb->devs[i];

		if (strcmp(x->name, y->name) || strcmp(x->driver, y->driver) ||
		    x->iommu_group != y->iommu_group ||
		    x->iommu_group_dangling != y->iommu_group_dangling || x->kind != y->kind ||
		    x->n_vfs != y->n_vfs || x->numa_node != y->numa_node ||
		    x->n_netdevs != y->n_netdevs || x->n_path != y->n_path ||
		    x->config.len != y->config.len || x->msi_irq_count != y->msi_irq_count ||
		    x->link.speed_mts != y->link.speed_mts || x->vendor_id != y->vendor_id) {
			printf("#   %s differs from %s\n", y->name, x->name);
			same = false;
		}
		for (size_t k = 0; k < x->n_netdevs && k < y->n_netdevs; k++)
			if (strcmp(x->netdevs[k], y->netdevs[k]) != 0)
				same = false;
	}
	ok(same, "%s: every function has the same BDF, driver, group, kind, VFs, netdevs", b_dir);
out:
	pt_host_free(ha);
	pt_host_free(hb);
	pt_ctx_free(ca);
	pt_ctx_free(cb);
}

static void test_roundtrip(void)
{
	char src[PATH_MAX], file[PATH_MAX], deep_rel[PATH_MAX];
	struct pt_snapshot_stats st;
	struct pt_ctx *ctx = NULL;
	int r;

	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(file, sizeof(file), "%s/snap.tar.gz", top);
	if (pt_ctx_new(&ctx, src) < 0) {
		ok(0, "context");
		return;
	}
	r = pt_snapshot_save(ctx, file, 0, &st);
	is_int(r, 0, "snapshot of the fixture sysroot written (%s)", pt_ctx_error(ctx));
	ok(st.entries > 50 && st.links >= 12 && st.bytes > 0, "stats: %zu entries, %zu links, %llu bytes",
	   st.entries, st.links, (unsigned long long)st.bytes);
	pt_ctx_free(ctx);

	is_int(run("mkdir -p '%s/out' && tar xzf '%s' -C '%s/out'", top, file, top), 0,
	       "tar(1) extracts the archive");

	same_file("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/vendor");
	same_file("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/config");
	same_file("sys/devices/pci0000:00/0000:00:00.0/config");
	same_file("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/sriov_totalvfs");
	same_file("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/driver_override");
	same_file("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/current_link_speed");
	same_file("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/msi_irqs/40");
	same_file("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/net/eth0/address");
	same_file("sys/kernel/iommu_groups/5/type");
	same_file("sys/devices/system/node/node0/cpulist");
	same_file("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
	same_file("proc/cmdline");
	same_file("proc/interrupts");
	same_file("proc/irq/40/smp_affinity_list");
	same_file("proc/mounts");
	same_file("proc/swaps");
	same_file("proc/sys/kernel/random/boot_id");
	same_file("sys/devices/virtual/block/dm-0/dm/name");
	same_file("sys/devices/virtual/block/dm-0/hidden");
	same_link("sys/class/block/dm-0");
	same_link("sys/devices/virtual/block/dm-0/slaves/sda2");
	same_link("dev/mapper/vg-root");
	ok(!in_out("out", "sys/devices/virtual/block/dm-0/dm/uuid"), "dm uuid not captured");
	same_file("proc/net/route");
	same_file("proc/1234/comm");
	same_file("dev/kmsg");
	same_file("dev/vfio/vfio");
	if (have_rtnl)
		same_file(".passthru/rtnl-getlink.bin");
	else
		ok(1, "# SKIP no recorded rtnetlink dump (PASSTHRU_TOP_SRCDIR unset)");
	same_link("sys/bus/pci/devices/0000:01:00.0");
	same_link("sys/bus/pci/devices/0000:00:00.0");
	same_link("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/driver");
	same_link("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/iommu_group");
	same_link("sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtfn0");
	same_link("sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.0/physfn");
	same_link("sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.0/iommu_group");
	same_link("sys/bus/pci/drivers/igb/0000:01:00.0");
	same_link("sys/kernel/iommu_groups/5/devices/0000:01:00.0");
	same_link("sys/class/net/eth0");
	same_link("sys/class/block/sda");
	same_link("sys/class/block/loopy");
	same_link("sys/bus/pci/devices/0000:15:00.0");
	same_link("sys/class/net/enp21s0");
	{
		size_t n = (size_t)snprintf(deep_rel, sizeof(deep_rel), "sys/devices/pci0000:00/0000:00:1d.0");

		for (int bus = 2; bus < 22; bus++)
			n += (size_t)snprintf(deep_rel + n, sizeof(deep_rel) - n, "/0000:%02x:00.0", bus);
		ok(n > 255, "the deep device's directory is %zu bytes long", n);
		snprintf(deep_rel + n, sizeof(deep_rel) - n, "/vendor");
		same_file(deep_rel);
		snprintf(deep_rel + n, sizeof(deep_rel) - n, "/net/enp21s0/address");
		same_file(deep_rel);
	}

	same_file("sys/devices/pci0000:00/0000:00:00.0/resource"); /* lspci -vvv stops without it */
	ok(!in_out("out", "sys/devices/pci0000:00/0000:00:00.0/resource0"), "resource0 (a BAR map) not captured");
	ok(!in_out("out", "sys/devices/pci0000:00/0000:00:00.0/remove"), "remove not captured");
	ok(!in_out("out", "sys/bus/pci/drivers/igb/new_id"), "driver new_id not captured");
	ok(!in_out("out", "sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/net/eth0/statistics_blob"),
	   "unlisted netdev attribute not captured");
	ok(!in_out("out", "sys/devices/system/node/node0/meminfo"), "node meminfo not captured");
	ok(!in_out("out", "proc/irq/40/spurious"), "unlisted /proc/irq file not captured");
	ok(!in_out("out", "proc/99/comm"), "comm of a process other than irqbalance not captured");
	ok(!in_out("out", "dev/sda"), "other device nodes not captured");
	ok(!in_out("out", "sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.0/sriov_vf_msix_count"),
	   "a write-only attribute matching sriov_* is not captured");
	{
		char man[8192];
		long n = slurp("out", "passthru-snapshot.txt", man, sizeof(man) - 1);

		man[n > 0 ? n : 0] = '\0';
		ok(n > 0 && !strstr(man, "sriov_vf_msix_count"),
		   "and not reported as unreadable in the manifest");
	}
	ok(in_out("out", "passthru-snapshot.txt"), "the manifest is in the archive");
	{
		struct stat st2;
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/out/sys/devices/pci0000:00/0000:00:1c.0", top);
		ok(lstat(p, &st2) == 0 && S_ISDIR(st2.st_mode), "a parent bridge is a real directory");
		snprintf(p, sizeof(p), "%s/out/sys/bus/pci/drivers/igb", top);
		ok(lstat(p, &st2) == 0 && S_ISDIR(st2.st_mode), "driver directories are captured");
	}

	same_model("src", "out");

	/* a snapshot of the extracted snapshot: the same members */
	snprintf(src, sizeof(src), "%s/out", top);
	snprintf(file, sizeof(file), "%s/snap2.tar.gz", top);
	if (pt_ctx_new(&ctx, src) == 0) {
		is_int(pt_snapshot_save(ctx, file, 0, &st), 0, "snapshot of the extracted snapshot");
		pt_ctx_free(ctx);
	}
	is_int(run("mkdir -p '%s/out2' && tar xzf '%s' -C '%s/out2'", top, file, top), 0,
	       "tar(1) extracts the second archive");
	is_int(run("cd '%s' && tar tzf snap.tar.gz | grep -v '^passthru-snapshot.txt$' | sort >a.lst && "
		   "tar tzf snap2.tar.gz | grep -v '^passthru-snapshot.txt$' | sort >b.lst && cmp -s a.lst b.lst",
		   top), 0, "a snapshot of a snapshot has the same members");
	same_model("out", "out2");
}

static void test_bound(void)
{
	char src[PATH_MAX], file[PATH_MAX];
	struct pt_ctx *ctx = NULL;
	struct dirent *e;
	int r, left = 0;
	DIR *d;

	snprintf(src, sizeof(src), "%s/bound", top);
	mkdirs(src);
	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(file, sizeof(file), "%s/bound/small.tar.gz", top);
	if (pt_ctx_new(&ctx, src) < 0)
		return;
	r = pt_snapshot_save(ctx, file, 8192, NULL);
	is_int(r, -EFBIG, "a snapshot past its bound fails with EFBIG");
	ok(strstr(pt_ctx_error(ctx), "bound") != NULL, "and says so: %s", pt_ctx_error(ctx));
	pt_ctx_free(ctx);
	snprintf(src, sizeof(src), "%s/bound", top);
	d = opendir(src);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			left++;
	if (d)
		closedir(d);
	is_int(left, 0, "no file (partial or temporary) left behind");

	/* an unwritable destination: an error naming it, nothing left */
	snprintf(src, sizeof(src), "%s/src", top);
	if (pt_ctx_new(&ctx, src) < 0)
		return;
	r = pt_snapshot_save(ctx, "/nonexistent-dir/x.tar.gz", 0, NULL);
	ok(r < 0 && strstr(pt_ctx_error(ctx), "/nonexistent-dir/") != NULL,
	   "an unwritable destination is an error naming it: %s", pt_ctx_error(ctx));
	pt_ctx_free(ctx);
}

static void test_rules(void)
{
	char docs[PATH_MAX], *text = NULL;
	const char *srcdir = getenv("PASSTHRU_TOP_SRCDIR");
	size_t i, missing = 0;
	long n;
	FILE *f;

	for (i = 0; pt_snapshot_rule_pattern(i); i++)
		;
	ok(i > 20, "the capture table has %zu rules", i);
	if (!srcdir) {
		ok(1, "# SKIP PASSTHRU_TOP_SRCDIR unset: docs/snapshot.md not checked");
		return;
	}
	snprintf(docs, sizeof(docs), "%s/docs/snapshot.md", srcdir);
	f = fopen(docs, "r");
	if (f) {
		text = calloc(1, 1 << 20);
		n = text ? (long)fread(text, 1, (1 << 20) - 1, f) : 0;
		if (text)
			text[n > 0 ? n : 0] = '\0';
		fclose(f);
	}
	for (i = 0; text && pt_snapshot_rule_pattern(i); i++)
		if (!strstr(text, pt_snapshot_rule_pattern(i))) {
			printf("#   docs/snapshot.md does not list %s\n", pt_snapshot_rule_pattern(i));
			missing++;
		}
	ok(text && missing == 0, "docs/snapshot.md lists every rule's pattern");
	free(text);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(top, sizeof(top), "%s/pt-snapshot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(top)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	build_fixture();
	test_roundtrip();
	test_bound();
	test_rules();
	if (!getenv("PT_KEEP_TMP"))
		run("rm -rf '%s'", top);
	else
		printf("# kept %s\n", top);
	return done_testing();
}
