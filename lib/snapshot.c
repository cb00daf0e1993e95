// SPDX-License-Identifier: MIT
/*
 * passthru snapshot: the subset of /sys, /proc and /dev that passthru reads, walked
 * through the context's sysroot and written as a gzip'd POSIX tar archive.
 *
 * What is captured is the table rules[] below, one row per path pattern. A pattern
 * is matched component by component against directory listings under the sysroot
 * (links on the way are followed, as open() would); each match is then stored at
 * its canonical place: the links met while resolving it are stored as links with
 * their exact targets, the directories it lives in as real directories. So
 * /sys/bus/pci/devices/X/vendor becomes the link sys/bus/pci/devices/X plus the file
 * sys/devices/pci0000:00/X/vendor, and the extracted tree is a sysroot again.
 *
 * Bounds: only names a rule lists are ever opened (sysfs has files that block, are
 * huge or act when read); every file has a byte bound; directories are walked only
 * to a rule's depth and links are never followed while walking; the archive as a
 * whole is bounded by the caller's max_bytes.
 *
 * Confinement: directories are opened through the seam (openat2 RESOLVE_IN_ROOT or
 * the walk) and every entry is looked at, read or listed relative to one of them, so
 * nothing is asked of the host by a path that leaves the tree.
 *
 * Cost: a file is opened relative to its directory (kept open for the next one)
 * without being looked at first; a directory's resolution and its listing are kept,
 * so the rules that look below the same directories (a PCI function's attributes,
 * links, msi_irqs/, net/ ...) list each once and skip the names it does not have.
 *
 * The archive is written by lib/tar-writer.c (ustar, pax headers for long names).
 */
#include "internal.h"
#include "sysfs-paths.h"
#include "tar-writer.h"
#include "passthru/netlink.h"
#include "passthru/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the capture table ----------------------------------------------------------- */

enum snap_kind {
	SNAP_FILE,   /* follow links; store a regular file's bytes (up to max) */
	SNAP_ENTRY,  /* the last component as it is: a link as a link, a directory as a
		      * (shallow) directory, a regular file's bytes */
	SNAP_DIR,    /* follow links; a directory, and below it, to depth levels, its
		      * links and directories, and the regular files named by files */
	SNAP_MARKER, /* something exists here (a device node): an empty regular file */
	SNAP_RTNL,   /* not a file: the rtnetlink link dump with VF info (pt_nl_capture),
		      * stored at the pattern's path, where replays look for it */
};

#define SNAP_FLAT 0x1    /* store at the path as named, parents as real directories,
			  * links on the way not stored (procfs: /proc/net -> self/net) */
#define SNAP_CHARDEV 0x2 /* a character device may be read, record by record,
			  * without blocking; the newest records are kept (/dev/kmsg) */

struct snap_rule {
	const char *pattern;
	enum snap_kind kind;
	unsigned flags;
	size_t max;          /* bytes per file; 0: ATTR_MAX */
	int depth;           /* SNAP_DIR: levels below the directory */
	const char *files;   /* SNAP_DIR: names of regular files to read, a pattern */
	const char *only_if; /* keep a file only when its first line is exactly this (a
			      * link of SNAP_ENTRY: when its target starts with it) */
	const char *lines;   /* keep only the lines whose first word (after blanks) is
			      * this word (grub.cfg: its "linux" lines, not its
			      * password hashes) */
};

#define ATTR_MAX ((size_t)64 << 10)
#define BIG_MAX ((size_t)16 << 20)

#define PCIDEV PT_SYSFS_PCI_DEVICES "/*"
#define MODULES "{vfio,vfio_pci,vfio_pci_core,vfio_iommu_type1,iommufd,kvm,kvm_intel,kvm_amd}"
#define NET_ATTRS "{address,operstate,ifindex,mtu,phys_port_name,phys_switch_id}"
#define BOOT_TOOLS "{grubby,update-grub,dracut,update-initramfs,lsinitramfs}"
#define NVME_ATTRS "{model,serial,firmware_rev,state,cntlid,subsysnqn,transport,address}"

static const struct snap_rule rules[] = {
	/* PCI functions: the bus link, the function's directory (and, by resolution,
	 * every parent bridge's), the attributes passthru reads, and "resource" (the
	 * BARs), without which lspci -vvv stops at the first function of a capture */
	{ .pattern = PCIDEV, .kind = SNAP_ENTRY }, /* anything odd there too: list warns of it */
	{ .pattern = PCIDEV, .kind = SNAP_DIR },
	{ .pattern = PCIDEV "/{vendor,device,subsystem_vendor,subsystem_device,class,revision,"
		     "numa_node,local_cpulist,local_cpus,enable,irq,modalias,uevent,reset_method,"
		     "resource,driver_override,current_link_speed,current_link_width,max_link_speed,"
		     "max_link_width,power_state,d3cold_allowed,sriov_*,aer_dev_*,"
		     "aer_rootport_total_err_*}",
	  .kind = SNAP_FILE },
	{ .pattern = PCIDEV "/config", .kind = SNAP_FILE, .max = 4096 },
	{ .pattern = PCIDEV "/{driver,iommu_group,physfn,virtfn[0-9]*,subsystem}",
	  .kind = SNAP_ENTRY },
	{ .pattern = PCIDEV "/msi_irqs", .kind = SNAP_DIR },
	{ .pattern = PCIDEV "/msi_irqs/*", .kind = SNAP_ENTRY },
	{ .pattern = PCIDEV "/vfio-dev", .kind = SNAP_DIR },     /* the VFIO device (vfioN) */
	{ .pattern = PCIDEV "/vfio-dev/*", .kind = SNAP_ENTRY },
	{ .pattern = PCIDEV "/net/*/" NET_ATTRS, .kind = SNAP_FILE },
	{ .pattern = PCIDEV "/nvme/*", .kind = SNAP_DIR },
	{ .pattern = PCIDEV "/nvme/*/" NVME_ATTRS, .kind = SNAP_FILE },
	/* drivers: so that driver links resolve, and which device each one holds */
	{ .pattern = PT_SYSFS_PCI_DRIVERS "/*", .kind = SNAP_DIR },
	{ .pattern = PT_SYSFS_PCI_DRIVERS "/*/*:*", .kind = SNAP_ENTRY },
	/* IOMMU groups */
	{ .pattern = "/sys/kernel/iommu_groups/*", .kind = SNAP_DIR },
	{ .pattern = "/sys/kernel/iommu_groups/*/devices/*", .kind = SNAP_ENTRY },
	{ .pattern = "/sys/kernel/iommu_groups/*/{type,reserved_regions}", .kind = SNAP_FILE },
	/* class links: interfaces, disks, NVMe controllers and subsystems, IOMMUs */
	{ .pattern = "/sys/class/{net,block,nvme,nvme-subsystem,iommu}/*", .kind = SNAP_ENTRY },
	{ .pattern = "/sys/class/block/*/{partition,hidden}", .kind = SNAP_FILE },
	{ .pattern = "/sys/class/block/*/slaves/*", .kind = SNAP_ENTRY },
	{ .pattern = "/sys/class/block/dm-*/dm/name", .kind = SNAP_FILE },
	{ .pattern = "/sys/class/net/*/" NET_ATTRS, .kind = SNAP_FILE },
	{ .pattern = "/sys/class/net/*/device", .kind = SNAP_ENTRY },
	{ .pattern = "/sys/class/nvme/*/" NVME_ATTRS, .kind = SNAP_FILE },
	{ .pattern = "/sys/devices/virtual/nvme-subsystem/*", .kind = SNAP_DIR, .depth = 1,
	  .files = "{subsysnqn,model,serial,firmware_rev,iopolicy,subsystype}" },
	{ .pattern = "/sys/class/iommu/*/intel-iommu/{address,cap,ecap,version}",
	  .kind = SNAP_FILE },
	{ .pattern = "/sys/class/iommu/*/amd-iommu/{cap,features}", .kind = SNAP_FILE },
	/* NUMA, CPUs, hugepages */
	{ .pattern = "/sys/devices/system/node/{online,possible,has_cpu,has_memory}",
	  .kind = SNAP_FILE },
	{ .pattern = "/sys/devices/system/node/node[0-9]*/cpulist", .kind = SNAP_FILE },
	{ .pattern = "/sys/devices/system/node/node[0-9]*/hugepages/hugepages-*/"
		     "{nr_hugepages,free_hugepages,surplus_hugepages}",
	  .kind = SNAP_FILE },
	{ .pattern = "/sys/kernel/mm/hugepages/hugepages-*/"
		     "{nr_hugepages,free_hugepages,resv_hugepages,surplus_hugepages}",
	  .kind = SNAP_FILE },
	{ .pattern = "/sys/devices/system/cpu/{online,possible,present,isolated,nohz_full}",
	  .kind = SNAP_FILE },
	{ .pattern = "/sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_governor",
	  .kind = SNAP_FILE },
	{ .pattern = "/sys/devices/system/cpu/cpu[0-9]*/topology/"
		     "{core_id,physical_package_id,thread_siblings_list}",
	  .kind = SNAP_FILE },
	/* modules passthru cares about: loaded or not (the directory), their parameters */
	{ .pattern = "/sys/module/" MODULES, .kind = SNAP_DIR },
	{ .pattern = "/sys/module/" MODULES "/parameters/*", .kind = SNAP_FILE },
	{ .pattern = "/sys/module/" MODULES "/initstate", .kind = SNAP_FILE },
	/* which modules the kernels can load or have built in (vfio.driver) */
	{ .pattern = "/lib/modules/*/modules.{dep,builtin}", .kind = SNAP_FILE, .max = BIG_MAX },
	/* procfs, stored as plain files where procfs has links (self/) */
	{ .pattern = "/proc/cmdline", .kind = SNAP_FILE, .flags = SNAP_FLAT },
	{ .pattern = "/proc/version", .kind = SNAP_FILE, .flags = SNAP_FLAT },
	{ .pattern = "/proc/cpuinfo", .kind = SNAP_FILE, .flags = SNAP_FLAT, .max = BIG_MAX },
	{ .pattern = "/proc/sys/kernel/{osrelease,hostname}", .kind = SNAP_FILE,
	  .flags = SNAP_FLAT },
	{ .pattern = "/proc/sys/kernel/random/boot_id", .kind = SNAP_FILE, .flags = SNAP_FLAT },
	{ .pattern = "/proc/interrupts", .kind = SNAP_FILE, .flags = SNAP_FLAT, .max = BIG_MAX },
	{ .pattern = "/proc/irq/default_smp_affinity", .kind = SNAP_FILE, .flags = SNAP_FLAT },
	{ .pattern = "/proc/irq/[0-9]*/{smp_affinity_list,effective_affinity_list,node}",
	  .kind = SNAP_FILE, .flags = SNAP_FLAT },
	{ .pattern = "/proc/{mounts,swaps}", .kind = SNAP_FILE, .flags = SNAP_FLAT, .max = BIG_MAX },
	{ .pattern = "/proc/net/{route,ipv6_route}", .kind = SNAP_FILE, .flags = SNAP_FLAT,
	  .max = BIG_MAX },
	{ .pattern = "/proc/[0-9]*/comm", .kind = SNAP_FILE, .flags = SNAP_FLAT,
	  .only_if = "irqbalance" },
	/* the boot chain as passthru boot and the gate's boot checks read it
	 * (lib/boot-detect.c): the loaders' configuration, the tools that tell which
	 * loader and initramfs builder a host has (markers: only their existence is
	 * read), the kernel config, modprobe.d, the initramfs builders' configuration,
	 * and the host configuration whose boot: section they plan */
	{ .pattern = "/etc/default/grub", .kind = SNAP_FILE },
	{ .pattern = "/etc/default/grub.d/*", .kind = SNAP_FILE },
	{ .pattern = "/boot/grub/grub.cfg", .kind = SNAP_FILE, .max = (size_t)8 << 20,
	  .lines = "linux" },
	{ .pattern = "/boot/loader/entries/*.conf", .kind = SNAP_FILE },
	{ .pattern = "/boot/efi/loader/loader.conf", .kind = SNAP_MARKER },
	{ .pattern = "/{efi,boot}/loader/loader.conf", .kind = SNAP_MARKER },
	{ .pattern = "/etc/kernel/cmdline", .kind = SNAP_FILE },
	{ .pattern = "/etc/kernelstub/configuration", .kind = SNAP_FILE, .max = (size_t)1 << 20 },
	{ .pattern = "/usr/{sbin,bin}/" BOOT_TOOLS, .kind = SNAP_MARKER },
	{ .pattern = "/{sbin,bin}/" BOOT_TOOLS, .kind = SNAP_MARKER },
	{ .pattern = "/boot/config-*", .kind = SNAP_FILE, .max = (size_t)4 << 20 },
	{ .pattern = "/boot/{initrd.img,initramfs}-*", .kind = SNAP_MARKER },
	{ .pattern = "/sys/firmware/acpi/tables/{DMAR,IVRS}", .kind = SNAP_MARKER },
	{ .pattern = PT_SYSFS_PCI_DRIVERS "/*/module", .kind = SNAP_ENTRY },
	{ .pattern = "/lib/modules/*/modules.{alias,builtin.alias}", .kind = SNAP_FILE,
	  .max = BIG_MAX },
	{ .pattern = "/etc/modprobe.d/*", .kind = SNAP_FILE },
	{ .pattern = "/etc/kernel/postinst.d/{dracut,initramfs-tools}", .kind = SNAP_MARKER },
	{ .pattern = "/etc/initramfs-tools", .kind = SNAP_ENTRY },
	{ .pattern = "/etc/initramfs-tools/{modules,initramfs.conf}", .kind = SNAP_FILE },
	{ .pattern = "/etc/initramfs-tools/hooks/*", .kind = SNAP_FILE },
	{ .pattern = "/etc/dracut.conf", .kind = SNAP_FILE },
	{ .pattern = "/etc/dracut.conf.d/*", .kind = SNAP_FILE },
	{ .pattern = "/etc/passthru/host.yaml", .kind = SNAP_FILE, .max = (size_t)1 << 20 },
	{ .pattern = "/etc/passthru/host.d/*.yaml", .kind = SNAP_FILE, .max = (size_t)1 << 20 },
	/* the kernel log, and device nodes passthru only tests for */
	{ .pattern = "/dev/kmsg", .kind = SNAP_FILE, .flags = SNAP_FLAT | SNAP_CHARDEV,
	  .max = BIG_MAX },
	{ .pattern = "/dev", .kind = SNAP_ENTRY }, /* there even when empty: kvm.device
						    * tells "absent" from "unknown" by it */
	{ .pattern = "/dev/{kvm,iommu}", .kind = SNAP_MARKER, .flags = SNAP_FLAT },
	{ .pattern = "/dev/vfio/*", .kind = SNAP_MARKER, .flags = SNAP_FLAT },
	{ .pattern = "/dev/vfio/devices/*", .kind = SNAP_MARKER, .flags = SNAP_FLAT },
	{ .pattern = "/dev/mapper/*", .kind = SNAP_ENTRY },
	/* VF settings (MAC, VLAN, spoof checking, trust ...) live in the PF driver, not
	 * in sysfs: the kernel's answer to an RTM_GETLINK dump, as received */
	{ .pattern = PT_NL_RECORDING, .kind = SNAP_RTNL },
};

#define N_RULES (sizeof(rules) / sizeof(rules[0]))

/* With --pid: one process's view of itself, as passthru vm reads it ("%ld" is the
 * pid). The fd links are stored as links: only their targets are ever read. */
static const struct snap_rule pid_rules[] = {
	{ .pattern = "/proc/%ld/{cmdline,comm,status,limits}", .kind = SNAP_FILE, .flags = SNAP_FLAT },
	{ .pattern = "/proc/%ld/numa_maps", .kind = SNAP_FILE, .flags = SNAP_FLAT, .max = BIG_MAX },
	{ .pattern = "/proc/%ld/task/[0-9]*/{comm,status}", .kind = SNAP_FILE, .flags = SNAP_FLAT },
	{ .pattern = "/proc/%ld/fd/[0-9]*", .kind = SNAP_ENTRY, .flags = SNAP_FLAT,
	  .only_if = "/dev/" },
	{ .pattern = "/run/libvirt/qemu/*.xml", .kind = SNAP_FILE, .flags = SNAP_FLAT, .max = BIG_MAX },
};
#define N_PID_RULES (sizeof(pid_rules) / sizeof(pid_rules[0]))

const char *pt_snapshot_rule_pattern(size_t i)
{
	return i < N_RULES ? rules[i].pattern : NULL;
}

/* ---- a set of stored paths ------------------------------------------------------- */

struct strset {
	char **slot;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The stored string whose first part (up to its first NUL: entries may carry more
 * after it, as dircache and list_get() store them) is key, or NULL. */
static const char *strset_get(const struct strset *set, const char *key)
{
	if (!set->cap)
		return NULL;
	for (size_t i = hash_str(key) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		if (!set->slot[i])
			return NULL;
		if (strcmp(set->slot[i], key) == 0)
			return set->slot[i];
	}
}

static bool strset_has(const struct strset *set, const char *s)
{
	return strset_get(set, s) != NULL;
}

static int strset_put(struct strset *set, char *owned)
{
	if ((set->n + 1) * 10 >= set->cap * 7) {
		size_t ncap = set->cap ? set->cap * 2 : 1024;
		char **ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		for (size_t k = 0; k < set->cap; k++) {
			size_t i;

			if (!set->slot[k])
				continue;
			for (i = hash_str(set->slot[k]) & (ncap - 1); ns[i]; i = (i + 1) & (ncap - 1))
				;
			ns[i] = set->slot[k];
		}
		free(set->slot);
		set->slot = ns;
		set->cap = ncap;
	}
	{
		size_t i;

		for (i = hash_str(owned) & (set->cap - 1); set->slot[i]; i = (i + 1) & (set->cap - 1))
			;
		set->slot[i] = owned;
		set->n++;
	}
	return 0;
}

static void strset_free(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
}

/* Resolved directories: logical path -> canonical path, so that the thousands of
 * attributes of one device directory do not each resolve it again. Stored as one
 * string "logical\0canonical" in a strset keyed by its first part. */
static const char *dircache_get(const struct strset *set, const char *logical)
{
	const char *e = strset_get(set, logical);

	return e ? e + strlen(e) + 1 : NULL;
}

static int dircache_put(struct strset *set, const char *logical, const char *canonical)
{
	size_t a = strlen(logical) + 1, b = strlen(canonical) + 1;
	char *e = malloc(a + b);

	if (!e)
		return -ENOMEM;
	memcpy(e, logical, a);
	memcpy(e + a, canonical, b);
	if (strset_put(set, e) < 0) {
		free(e);
		return -ENOMEM;
	}
	return 0;
}

/* ---- the snapshot and its archive ------------------------------------------------ */

struct snap {
	struct pt_ctx *ctx;
	struct tar_writer *tar;
	time_t mtime;
	struct strset stored;
	struct strset dirs;    /* dircache_*() */
	struct pt_snapshot_stats st;
	int failed;            /* the first error that ends the snapshot (write, bound, memory) */
	char *notes;           /* what the manifest says about skipped/truncated files */
	size_t notes_len, notes_cap, n_notes;
	struct strset lists;   /* list_get(): the directories listed, by name */
	int dir_fd;            /* dir_at(): the directory last looked in (O_PATH), -1 none */
	char dir_rel[PATH_MAX]; /* its path relative to the sysroot */
};

#define MAX_NOTES 2000

static void note(struct snap *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct snap *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->n_notes++ >= MAX_NOTES)
		return;
	for (;;) {
		size_t room = s->notes_cap - s->notes_len;

		va_start(ap, fmt);
		n = vsnprintf(s->notes ? s->notes + s->notes_len : NULL, s->notes ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (s->notes && (size_t)n < room) {
			s->notes_len += n;
			return;
		}
		{
			size_t ncap = s->notes_cap * 2 + n + 256;
			char *nb = realloc(s->notes, ncap);

			if (!nb)
				return; /* notes are best effort */
			s->notes = nb;
			s->notes_cap = ncap;
		}
	}
}

/* Adds one member to the archive, counted in the stats. A name too long even for pax
 * skips the member; any other failure (the bound, a write) ends the snapshot. */
static int tar_add(struct snap *s, const char *name, char type, unsigned mode,
		   const void *data, uint64_t size, const char *linkname)
{
	int r = tar_writer_add(s->tar, name, type, mode, data, size, linkname);

	if (r == -ENAMETOOLONG)
		return r;
	if (r < 0)
		return s->failed = r;
	s->st.entries++;
	if (type == '0')
		s->st.files++;
	else if (type == '2')
		s->st.links++;
	return 0;
}

/* ---- members: directories, links, files, each stored once ------------------------ */

/* Marks rel stored; 1 if it was already, 0 if newly, <0 on error. */
static int mark(struct snap *s, const char *rel)
{
	char *dup;

	if (strset_has(&s->stored, rel))
		return 1;
	dup = strdup(rel);
	if (!dup || strset_put(&s->stored, dup) < 0) {
		free(dup);
		return s->failed = pt_err(s->ctx, -ENOMEM, "snapshot: out of memory");
	}
	return 0;
}

/* Every parent directory of rel, outermost first, as a directory member. */
static int add_parents(struct snap *s, const char *rel)
{
	char buf[PATH_MAX];
	size_t len = strlen(rel);

	if (len >= sizeof(buf))
		return pt_err(s->ctx, -ENAMETOOLONG, "snapshot: path too long: %s", rel);
	memcpy(buf, rel, len + 1);
	for (char *p = strchr(buf, '/'); p; p = strchr(p + 1, '/')) {
		int r;

		*p = '\0';
		r = mark(s, buf);
		if (r == 0) {
			char name[PATH_MAX + 1];
			size_t n = (size_t)(p - buf);

			memcpy(name, buf, n);
			name[n] = '/';
			name[n + 1] = '\0';
			r = tar_add(s, name, '5', 0755, NULL, 0, NULL);
		}
		*p = '/';
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_dir(struct snap *s, const char *rel)
{
	char name[PATH_MAX + 1];
	int r = add_parents(s, rel);

	if (r < 0)
		return r;
	r = mark(s, rel);
	if (r)
		return r < 0 ? r : 0;
	{
		size_t n = strnlen(rel, sizeof(name) - 2);

		memcpy(name, rel, n);
		name[n] = '/';
		name[n + 1] = '\0';
	}
	return tar_add(s, name, '5', 0755, NULL, 0, NULL);
}

static int add_link(struct snap *s, const char *rel, const char *target)
{
	int r = add_parents(s, rel);

	if (r < 0)
		return r;
	r = mark(s, rel);
	if (r)
		return r < 0 ? r : 0;
	return tar_add(s, rel, '2', 0777, NULL, 0, target);
}

static int add_file(struct snap *s, const char *rel, const void *data, size_t len)
{
	int r = add_parents(s, rel);

	if (r < 0)
		return r;
	r = mark(s, rel);
	if (r)
		return r < 0 ? r : 0;
	return tar_add(s, rel, '0', 0644, data, len, NULL);
}

/* Drops the oldest kernel log records so that at most max bytes remain: a record
 * starts after a newline at a line that is not a continuation (" KEY=value"). */
static size_t keep_newest_records(char *buf, size_t len, size_t max)
{
	size_t cut;

	if (len <= max)
		return len;
	for (cut = len - max; cut < len; cut++)
		if (buf[cut - 1] == '\n' && buf[cut] != ' ')
			break;
	memmove(buf, buf + cut, len - cut);
	return len - cut;
}

/*
 * The directory dir (relative to the sysroot, its first len bytes) as an O_PATH
 * descriptor, opened through the seam (links on its way resolve inside the tree) and
 * kept for the next call: a rule looks at a function's entries one after the other,
 * so one path walk per directory, not one from the root per entry.
 */
static int dir_at(struct snap *s, const char *dir, size_t len)
{
	if (len >= sizeof(s->dir_rel))
		return -ENAMETOOLONG;
	if (s->dir_fd >= 0 && strncmp(s->dir_rel, dir, len) == 0 && s->dir_rel[len] == '\0')
		return s->dir_fd;
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	memcpy(s->dir_rel, dir, len);
	s->dir_rel[len] = '\0';
	s->dir_fd = pt_open_at_root(s->ctx, O_PATH | O_DIRECTORY, "/%s", s->dir_rel);
	if (s->dir_fd < 0) {
		int r = s->dir_fd;

		s->dir_fd = -1;
		return r;
	}
	return s->dir_fd;
}

/* Is name one component, neither "." nor ".." (what dir_at()'s callers look up)? */
static bool one_component(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* lstat() of the entry name in the directory dir (len bytes), through dir_at(). */
static int lstat_in(struct snap *s, const char *dir, size_t len, const char *name,
		    struct stat *st)
{
	int dfd = dir_at(s, dir, len);

	if (dfd < 0)
		return dfd;
	return fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* The target of the link name in the directory dir (len bytes), NUL-terminated. */
static int readlink_in(struct snap *s, const char *dir, size_t len, const char *name,
		       char *buf, size_t size)
{
	int dfd = dir_at(s, dir, len);
	ssize_t n;

	if (dfd < 0)
		return dfd;
	n = readlinkat(dfd, name, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The target of the link rel (relative to the sysroot, its last component a link). */
static int readlink_rel(struct snap *s, const char *rel, char *buf, size_t size)
{
	const char *slash = strrchr(rel, '/'), *base = slash ? slash + 1 : rel;

	if (!one_component(base))
		return -EINVAL;
	return readlink_in(s, rel, slash ? (size_t)(slash - rel) : 0, base, buf, size);
}

/*
 * Opens the file rel (relative to the sysroot) for reading. Without follow, a file is
 * opened relative to its directory (dir_at()). Confined as pt_open_at_root() confines:
 * the directory is opened through the seam, the name is one component, not "." or
 * "..", and O_NOFOLLOW (as the full path would be opened).
 */
static int open_file(struct snap *s, const char *rel, int flags, bool follow)
{
	const char *slash = strrchr(rel, '/'), *base = slash ? slash + 1 : rel;
	int dfd;

	if (follow || !slash || slash == rel || !one_component(base))
		return pt_open_at_root(s->ctx, flags | (follow ? 0 : O_NOFOLLOW), "/%s", rel);
	dfd = dir_at(s, rel, (size_t)(slash - rel));
	if (dfd < 0) /* the full path's own error (ENOENT, ENOTDIR, ELOOP ...) */
		return pt_open_at_root(s->ctx, flags | O_NOFOLLOW, "/%s", rel);
	return pt_fd_or_errno(openat(dfd, base, flags | O_NOFOLLOW | O_CLOEXEC));
}

/*
 * Reads the file rel, bounded by max. Regular files are read to their end;
 * a character device (only with SNAP_CHARDEV) record by record until it has no
 * more without blocking. *truncated tells whether the bound cut the content.
 */
static int read_bounded(struct snap *s, const struct snap_rule *rule, const char *rel,
			bool follow, char **out, size_t *outlen, bool *truncated)
{
	bool chardev = rule->flags & SNAP_CHARDEV, sysfs = !chardev && strncmp(rel, "sys/", 4) == 0;
	size_t max = rule->max ? rule->max : ATTR_MAX, len = 0, cap = 0, total = 0;
	char chunk[8192], *buf = NULL;
	struct stat st;
	int fd, r = 0;

	*truncated = false;
	/* through the seam: a link on the way resolves inside the tree, never to a file of
	 * the host that runs the snapshot */
	fd = open_file(s, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, follow);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!(S_ISREG(st.st_mode) || (chardev && S_ISCHR(st.st_mode)))) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	/* a write-only attribute that opened all the same (root on a plain file system):
	 * as capture_file's check when the open is refused */
	if (S_ISREG(st.st_mode) && !(st.st_mode & 0444)) {
		close(fd);
		return -EACCES;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR || errno == EPIPE) /* EPIPE: kmsg records overwritten */
				continue;
			if (errno == EAGAIN)
				break; /* kmsg: no more records for now */
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (len + (size_t)n > cap) {
			size_t ncap = cap ? cap * 2 : 16384;
			char *nb;

			while (ncap < len + (size_t)n)
				ncap *= 2;
			nb = realloc(buf, ncap);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		memcpy(buf + len, chunk, (size_t)n);
		len += (size_t)n;
		/* a sysfs attribute comes whole: a short read is its end (no read returning 0);
		 * not so /proc's files, which may come a page at a time */
		if (sysfs && (size_t)n < sizeof(chunk) && len <= max)
			break;
		if (len > max) {
			*truncated = true;
			if (!chardev) {
				len = max;
				break;
			}
			len = keep_newest_records(buf, len, max);
			/* a log written faster than it is read: stop somewhere */
			if (total > 4 * max)
				break;
		}
	}
out:
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* Keeps, in place, the lines of buf whose first word is word; returns the new length. */
static size_t keep_lines(char *buf, size_t len, const char *word)
{
	size_t wl = strlen(word), out = 0;

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - buf) + 1 : len, k = i;

		while (k < end && (buf[k] == ' ' || buf[k] == '\t'))
			k++;
		if (end - k > wl && !memcmp(buf + k, word, wl) &&
		    (buf[k + wl] == ' ' || buf[k + wl] == '\t')) {
			memmove(buf + out, buf + i, end - i);
			out += end - i;
		}
		i = end;
	}
	return out;
}

static bool first_line_is(const char *buf, size_t len, const char *want)
{
	size_t n = strlen(want);

	return len >= n && memcmp(buf, want, n) == 0 && (len == n || buf[n] == '\n');
}

/* Stores the regular file rel; without follow, 1 (nothing stored) when rel is a link. */
static int capture_file(struct snap *s, const struct snap_rule *rule, const char *rel,
			bool follow)
{
	bool truncated;
	char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	r = read_bounded(s, rule, rel, follow, &buf, &len, &truncated);
	/* a write-only attribute (mode 0200: sriov_vf_msix_count, some module
	 * parameters) has nothing to read: not even root's open() would succeed. Asked
	 * only when the open was refused (one open per file, not two) */
	if (r == -EACCES || r == -EPERM) {
		int fd = pt_open_at_root(s->ctx, O_PATH | (follow ? 0 : O_NOFOLLOW), "/%s", rel);
		bool wonly = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
			     !(st.st_mode & 0444);

		if (fd >= 0)
			close(fd);
		if (wonly)
			return 0;
	}
	if (r == -ELOOP && !follow)
		return 1; /* a link: O_NOFOLLOW refused it */
	if (r == -ENOENT || r == -ENOTDIR || r == -EISDIR)
		return 0; /* gone since it was listed; a directory has no bytes */
	if (r == -ENOMEM)
		return pt_err(s->ctx, r, "snapshot: out of memory reading /%s", rel);
	if (r < 0) {
		s->st.skipped++;
		note(s, "skipped %s: %s\n", rel, r == -EINVAL ? "not a regular file" : strerror(-r));
		return 0;
	}
	if (rule->only_if && !first_line_is(buf ? buf : "", len, rule->only_if)) {
		free(buf);
		return 0;
	}
	if (rule->lines && buf)
		len = keep_lines(buf, len, rule->lines);
	if (truncated) {
		s->st.truncated++;
		note(s, "truncated %s to %zu bytes (%s)\n", rel, len,
		     rule->flags & SNAP_CHARDEV ? "the newest records kept" : "the first bytes kept");
	}
	r = add_file(s, rel, buf, len);
	free(buf);
	return r;
}

/*
 * Resolves the absolute path lp inside the sysroot as the kernel would under
 * chroot: ".." stops at the root, absolute link targets start from the root. Every
 * link met on the way is stored with its target. out receives the canonical
 * relative path ("sys/devices/..."), *mode its lstat() type. With nofollow, a link as
 * the last component is not followed.
 */
static int resolve_walk(struct snap *s, const char *lp, bool nofollow, char *out,
			mode_t *mode)
{
	char todo[PATH_MAX], next[PATH_MAX], cur[PATH_MAX], target[PATH_MAX];
	const char *p;
	int hops = 0;

	if (snprintf(todo, sizeof(todo), "%s", lp) >= (int)sizeof(todo))
		return -ENAMETOOLONG;
	cur[0] = '\0';
	p = todo;
	for (;;) {
		char comp[NAME_MAX + 1], cand[PATH_MAX];
		struct stat st;
		size_t clen;
		bool last;
		int r;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		clen = strcspn(p, "/");
		if (clen > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, clen);
		comp[clen] = '\0';
		p += clen;
		while (*p == '/')
			p++;
		last = !*p;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(cur, '/');

			if (slash)
				*slash = '\0';
			else
				cur[0] = '\0';
			continue;
		}
		if (snprintf(cand, sizeof(cand), "%s%s%s", cur, cur[0] ? "/" : "", comp) >=
		    (int)sizeof(cand))
			return -ENAMETOOLONG;
		/* cur is canonical (no links): the entry comp of the directory cur */
		r = lstat_in(s, cur, strlen(cur), comp, &st);
		if (r < 0)
			return r;
		*mode = st.st_mode;
		if (S_ISLNK(st.st_mode) && !(last && nofollow)) {
			r = readlink_in(s, cur, strlen(cur), comp, target, sizeof(target));
			if (r < 0)
				return r;
			r = add_link(s, cand, target);
			if (r < 0)
				return r;
			if (++hops > 40)
				return -ELOOP;
			if (snprintf(next, sizeof(next), "%s/%s", target, p) >= (int)sizeof(next))
				return -ENAMETOOLONG;
			memcpy(todo, next, sizeof(todo));
			p = todo;
			if (target[0] == '/')
				cur[0] = '\0';
			continue;
		}
		if (!last && !S_ISDIR(st.st_mode))
			return -ENOTDIR;
		memcpy(cur, cand, strlen(cand) + 1);
	}
	if (!cur[0])
		return -EINVAL; /* the root itself is never a member */
	memcpy(out, cur, strlen(cur) + 1);
	return 0;
}

static int resolve_hops(struct snap *s, const char *lp, bool nofollow, char *out, mode_t *mode,
			int hops, int depth);

/* The link name in the canonical directory base (cand: base/name): stores it and
 * resolves its target. A relative target's leading ".." steps are taken on base
 * itself (a canonical path has no link to step back through), so the rest resolves
 * through the directory cache instead of from the root. */
static int follow_link(struct snap *s, const char *base, const char *name, const char *cand,
		       char *out, mode_t *mode, int hops)
{
	char target[PATH_MAX], dir[PATH_MAX], lp[PATH_MAX];
	const char *t = target;
	int r;

	if (++hops > 40)
		return -ELOOP;
	r = readlink_in(s, base, strlen(base), name, target, sizeof(target));
	if (r < 0)
		return r;
	r = add_link(s, cand, target);
	if (r < 0)
		return r;
	if (target[0] == '/')
		return resolve_hops(s, target, false, out, mode, hops, 0);
	pt_strlcpy(dir, base, sizeof(dir));
	for (;;) {
		if (t[0] == '.' && t[1] == '/') {
			t += 2;
		} else if (t[0] == '.' && t[1] == '.' && (t[2] == '/' || !t[2])) {
			char *slash = strrchr(dir, '/');

			if (slash)
				*slash = '\0';
			else
				dir[0] = '\0';
			t += t[2] ? 3 : 2;
		} else if (t[0] == '/') {
			t++;
		} else {
			break;
		}
	}
	if (snprintf(lp, sizeof(lp), "/%s%s%s", dir, dir[0] && t[0] ? "/" : "", t) >= (int)sizeof(lp))
		return -ENAMETOOLONG;
	return resolve_hops(s, lp, false, out, mode, hops, 0);
}

#define RESOLVE_DEPTH 32 /* parents resolved through the cache; deeper, from the root */

/*
 * The canonical path of lp's directory with lp's last component appended, in cand
 * (nothing about that last component is looked up): the directory's resolution is
 * remembered, and one met for the first time is resolved as resolve_hops() resolves
 * (its own parent from the cache). *plen: the directory's length in cand. 1: lp has
 * no such form (the root's entries, "." or ".." last): resolve_walk() it.
 */
static int resolve_parent(struct snap *s, const char *lp, char *cand, size_t *plen, int hops,
			  int depth)
{
	const char *slash = strrchr(lp, '/'), *last, *cparent;
	char parent[PATH_MAX];
	size_t len, clen, llen;
	int r;

	if (!slash || slash == lp || !one_component(slash + 1) ||
	    (size_t)(slash - lp) >= sizeof(parent))
		return 1;
	len = (size_t)(slash - lp);
	memcpy(parent, lp, len);
	parent[len] = '\0';
	last = slash + 1;
	cparent = dircache_get(&s->dirs, parent);
	if (!cparent) {
		mode_t pmode;

		r = depth < RESOLVE_DEPTH ? resolve_hops(s, parent, false, cand, &pmode, hops, depth + 1)
					  : resolve_walk(s, parent, false, cand, &pmode);
		if (r < 0)
			return r;
		if (!S_ISDIR(pmode))
			return -ENOTDIR;
		if (!dircache_get(&s->dirs, parent) && dircache_put(&s->dirs, parent, cand) < 0)
			return s->failed = pt_err(s->ctx, -ENOMEM, "snapshot: out of memory");
		cparent = dircache_get(&s->dirs, parent);
	}
	clen = strlen(cparent);
	llen = strlen(last);
	if (clen + 1 + llen >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(cand, cparent, clen);
	cand[clen] = '/';
	memcpy(cand + clen + 1, last, llen + 1);
	*plen = clen;
	return 0;
}

/* resolve_walk(), with every directory's resolution remembered: a directory met
 * before costs nothing, an entry of one an lstat() relative to it. */
static int resolve_hops(struct snap *s, const char *lp, bool nofollow, char *out, mode_t *mode,
			int hops, int depth)
{
	char cand[PATH_MAX], base[PATH_MAX];
	const char *cparent;
	struct stat st;
	size_t plen = 0;
	int r;

	if (!nofollow && (cparent = dircache_get(&s->dirs, lp))) {
		*mode = S_IFDIR;
		memcpy(out, cparent, strlen(cparent) + 1);
		return 0;
	}
	r = resolve_parent(s, lp, cand, &plen, hops, depth);
	if (r > 0)
		return resolve_walk(s, lp, nofollow, out, mode);
	if (r < 0)
		return r;
	cand[plen] = '\0'; /* the directory, then its entry */
	r = lstat_in(s, cand, plen, cand + plen + 1, &st);
	if (r < 0)
		return r;
	*mode = st.st_mode;
	if (S_ISLNK(st.st_mode) && !nofollow) {
		memcpy(base, cand, plen + 1);
		cand[plen] = '/';
		r = follow_link(s, base, cand + plen + 1, cand, out, mode, hops); /* stores the link, follows it */
		if (r < 0)
			return r;
	} else {
		cand[plen] = '/';
		memcpy(out, cand, strlen(cand) + 1);
	}
	/* remembered as a directory of its own: the next rule that names lp, or an entry
	 * below it, finds it here */
	if (!nofollow && S_ISDIR(*mode) && !dircache_get(&s->dirs, lp) &&
	    dircache_put(&s->dirs, lp, out) < 0)
		return s->failed = pt_err(s->ctx, -ENOMEM, "snapshot: out of memory");
	return 0;
}

static int resolve(struct snap *s, const char *lp, bool nofollow, char *out, mode_t *mode)
{
	return resolve_hops(s, lp, nofollow, out, mode, 0, 0);
}

/* Does name match the pattern (with {a,b} alternatives)? */
static bool match_alts(const char *pattern, const char *name);

/* A directory entry as listed: its type as readdir() tells it (DT_UNKNOWN when the
 * file system does not), and its name. */
struct dent {
	unsigned char type;
	char name[];
};

/*
 * A directory's listing as kept: one string set entry, keyed by the directory (relative
 * to the sysroot, "" the root): "dir\0", then its entries ("." and ".." left out) sorted
 * by name, each a type byte and its name with the NUL, then a LIST_END byte. Walked with
 * list_first() and dent_next().
 */
#define LIST_END 0xff /* no DT_* value */

static const struct dent *list_first(const char *l)
{
	return (const struct dent *)(l + strlen(l) + 1);
}

static const struct dent *dent_next(const struct dent *e)
{
	return (const struct dent *)(e->name + strlen(e->name) + 1);
}

static int dent_cmp(const void *a, const void *b)
{
	return strcmp((*(struct dent *const *)a)->name, (*(struct dent *const *)b)->name);
}

/* Reads the directory dir, opened through the seam (a link on the way resolves inside
 * the tree), into a listing as kept. */
static int list_dir(struct snap *s, const char *dir, char **out)
{
	size_t used = 0, cap = 0, n = 0, dlen = strlen(dir), at = 0;
	char *block = NULL, *l = NULL;
	struct dent **v = NULL;
	struct dirent *e;
	DIR *d = pt_opendir(s->ctx, "/%s", dir);

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (used + len + 2 > cap) {
			size_t ncap = cap ? cap * 2 : 256;
			char *nb;

			while (ncap < used + len + 2)
				ncap *= 2;
			nb = realloc(block, ncap);
			if (!nb)
				goto nomem;
			block = nb;
			cap = ncap;
		}
		block[used] = (char)e->d_type;
		memcpy(block + used + 1, e->d_name, len + 1);
		used += len + 2;
		n++;
	}
	closedir(d);
	d = NULL;
	/* sorted, into one string of the size it needs: it is kept */
	v = malloc((n ? n : 1) * sizeof(*v));
	l = malloc(dlen + 1 + used + 1);
	if (!v || !l)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		v[i] = (struct dent *)(block + at);
		at += strlen(v[i]->name) + 2;
	}
	qsort(v, n, sizeof(*v), dent_cmp);
	memcpy(l, dir, dlen + 1);
	at = dlen + 1;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]->name) + 2;

		memcpy(l + at, v[i], len);
		at += len;
	}
	l[at] = (char)LIST_END;
	free(v);
	free(block);
	*out = l;
	return 0;
nomem:
	if (d)
		closedir(d);
	free(v);
	free(l);
	free(block);
	return -ENOMEM;
}

/* The first entry of dir's listing when it was read before, or NULL. */
static const struct dent *list_kept(const struct snap *s, const char *dir)
{
	const char *l = strset_get(&s->lists, dir);

	return l ? list_first(l) : NULL;
}

/*
 * The first entry of the directory dir (relative to the sysroot), the listing kept
 * until list_clear(); a directory that cannot be listed has no entries (only -ENOMEM
 * is an error): the rules that look below one directory (a PCI function's
 * attributes, its links, its msi_irqs/ and net/ ...) each walk every function, and
 * each finds the function's directory listed already, and a name it does not have
 * is not looked up at all (expand_at()).
 */
static int list_get(struct snap *s, const char *dir, const struct dent **first)
{
	static const struct dent none = { .type = LIST_END };
	const struct dent *e = list_kept(s, dir);
	char *l = NULL;
	int r;

	*first = &none;
	if (!e) {
		r = list_dir(s, dir, &l);
		if (r < 0)
			return r == -ENOMEM ? r : 0;
		if (strset_put(&s->lists, l) < 0) {
			free(l);
			return -ENOMEM;
		}
		e = list_first(l);
	}
	*first = e;
	return 0;
}

/* Forgets every listing: the rules that follow look elsewhere. */
static void list_clear(struct snap *s)
{
	strset_free(&s->lists);
	memset(&s->lists, 0, sizeof(s->lists));
}

/* Does the listing from e on have an entry name? */
static bool list_has(const struct dent *e, const char *name)
{
	for (; e->type != LIST_END; e = dent_next(e)) {
		int c = strcmp(e->name, name);

		if (c >= 0)
			return c == 0; /* sorted: no later entry is name */
	}
	return false;
}

/* Below the canonical directory rel: links, directories (to depth), and the files
 * rule->files names. An entry's type is the listing's where it tells one. */
static int walk_dir(struct snap *s, const struct snap_rule *rule, const char *rel, int depth)
{
	size_t rlen = strlen(rel);
	const struct dent *e;
	int r;

	r = list_get(s, rel, &e);
	for (; e->type != LIST_END && r >= 0; e = dent_next(e)) {
		const char *name = e->name;
		char child[PATH_MAX], target[PATH_MAX];
		unsigned char type = e->type;
		size_t nlen = strlen(name);

		if (rlen + 1 + nlen >= sizeof(child))
			continue;
		memcpy(child, rel, rlen);
		child[rlen] = '/';
		memcpy(child + rlen + 1, name, nlen + 1);
		if (type == DT_UNKNOWN) {
			struct stat st;

			if (lstat_in(s, rel, rlen, name, &st) < 0)
				continue;
			type = IFTODT(st.st_mode);
		}
		if (type == DT_LNK) {
			if (readlink_in(s, rel, rlen, name, target, sizeof(target)) < 0)
				continue;
			r = add_link(s, child, target);
		} else if (type == DT_DIR) {
			r = add_dir(s, child);
			if (r >= 0 && depth > 0)
				r = walk_dir(s, rule, child, depth - 1);
		} else if (type == DT_REG && rule->files && match_alts(rule->files, name)) {
			r = capture_file(s, rule, child, false); /* 1: a link since listed */
		}
	}
	return r < 0 ? r : 0;
}

/* Stores what lp (an absolute path) is, as rule says; nothing when it does not exist. */
static int capture(struct snap *s, const struct snap_rule *rule, const char *lp)
{
	char rel[PATH_MAX];
	mode_t mode;
	int r;

	if (rule->flags & SNAP_FLAT) {
		struct stat st;

		while (*lp == '/')
			lp++;
		if (strlen(lp) >= sizeof(rel))
			return 0;
		memcpy(rel, lp, strlen(lp) + 1);
		/* through the seam, inside the tree; an entry is stored as it is: a link (a
		 * /proc/PID/fd link) as a link */
		{
			int fd = pt_open_at_root(s->ctx, O_PATH | (rule->kind == SNAP_ENTRY ? O_NOFOLLOW : 0),
						 "/%s", rel);

			if (fd < 0)
				return 0;
			r = fstat(fd, &st);
			close(fd);
			if (r < 0)
				return 0;
		}
		mode = st.st_mode;
	} else {
		size_t plen;

		/* a file is opened relative to its directory, not looked at first: open()'s
		 * O_NOFOLLOW refuses a link, which is then resolved (and stored) below */
		if (rule->kind == SNAP_FILE && resolve_parent(s, lp, rel, &plen, 0, 0) == 0) {
			r = capture_file(s, rule, rel, false);
			if (r <= 0)
				return r;
		}
		if (s->failed)
			return s->failed;
		r = resolve(s, lp, rule->kind == SNAP_ENTRY, rel, &mode);
		if (s->failed)
			return s->failed;
		if (r < 0) {
			if (r == -ELOOP)
				note(s, "skipped %s: %s\n", lp, strerror(-r));
			return 0;
		}
	}
	switch (rule->kind) {
	case SNAP_FILE:
		if (S_ISDIR(mode))
			return 0;
		return capture_file(s, rule, rel, rule->flags & SNAP_FLAT);
	case SNAP_ENTRY:
		if (S_ISLNK(mode)) {
			char target[PATH_MAX];

			if (readlink_rel(s, rel, target, sizeof(target)) < 0)
				return 0;
			if (rule->only_if && strncmp(target, rule->only_if, strlen(rule->only_if)) != 0)
				return 0;
			return add_link(s, rel, target);
		}
		if (S_ISDIR(mode))
			return add_dir(s, rel);
		if (S_ISREG(mode)) {
			r = capture_file(s, rule, rel, false); /* 1: a link since looked at */
			return r < 0 ? r : 0;
		}
		return 0;
	case SNAP_DIR:
		if (!S_ISDIR(mode))
			return 0;
		r = add_dir(s, rel);
		if (r >= 0 && rule->depth > 0)
			r = walk_dir(s, rule, rel, rule->depth - 1);
		return r;
	case SNAP_MARKER:
		if (S_ISDIR(mode))
			return add_dir(s, rel);
		return add_file(s, rel, NULL, 0);
	case SNAP_RTNL:
		break;
	}
	return 0;
}

/* ---- pattern expansion ----------------------------------------------------------- */

/* Expands the first {a,b,...} group of pattern (no nesting) into alternatives. */
static int brace_alts(const char *pattern, char ***alts, size_t *n)
{
	const char *open = strchr(pattern, '{'), *close = open ? strchr(open, '}') : NULL;

	*alts = NULL;
	*n = 0;
	if (!open || !close) {
		char *dup = strdup(pattern);

		if (!dup || PT_PUSH(*alts, *n, dup)) {
			free(dup);
			return -ENOMEM;
		}
		return 0;
	}
	for (const char *a = open + 1; a <= close;) {
		size_t alen = strcspn(a, ",}");
		size_t len = (size_t)(open - pattern) + alen + strlen(close + 1) + 1;
		char *alt = malloc(len);

		if (!alt || PT_PUSH(*alts, *n, alt)) {
			free(alt);
			pt_strv_free(*alts, *n);
			*alts = NULL;
			*n = 0;
			return -ENOMEM;
		}
		snprintf(alt, len, "%.*s%.*s%s", (int)(open - pattern), pattern, (int)alen, a,
			 close + 1);
		a += alen + 1;
	}
	return 0;
}

static bool match_alts(const char *pattern, const char *name)
{
	char **alts;
	size_t n;
	bool m = false;

	if (brace_alts(pattern, &alts, &n) < 0)
		return false;
	for (size_t i = 0; i < n && !m; i++)
		m = fnmatch(alts[i], name, FNM_PERIOD) == 0;
	pt_strv_free(alts, n);
	return m;
}

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?[{") != NULL;
}

/* A rule's pattern compiled once: its components, each a literal name or the
 * alternatives of its {a,b} group as fnmatch patterns. Matching a directory entry is
 * then a few fnmatch calls, not a parse of the pattern and a malloc per alternative
 * (a third of snapshot's user time, for every entry of every device directory). */
struct comp {
	char *text;    /* the component as written */
	bool wild;     /* has * ? [ or { */
	char **alts;   /* wild: the fnmatch patterns */
	size_t n_alts;
};

struct cpattern {
	struct comp *c;
	size_t n;
};

static void cpattern_free(struct cpattern *cp)
{
	for (size_t i = 0; i < cp->n; i++) {
		free(cp->c[i].text);
		pt_strv_free(cp->c[i].alts, cp->c[i].n_alts);
	}
	free(cp->c);
	cp->c = NULL;
	cp->n = 0;
}

static int cpattern_compile(const char *pattern, struct cpattern *cp)
{
	cp->c = NULL;
	cp->n = 0;
	for (const char *rest = pattern;;) {
		struct comp c = { 0 };
		size_t clen;

		while (*rest == '/')
			rest++;
		if (!*rest)
			return 0;
		clen = strcspn(rest, "/"); /* a pattern component: a {...} list may be long */
		if (clen >= PATH_MAX) {
			cpattern_free(cp);
			return 1; /* a component this long matches nothing */
		}
		c.text = strndup(rest, clen);
		if (!c.text)
			goto nomem;
		c.wild = has_wildcard(c.text);
		if ((c.wild && brace_alts(c.text, &c.alts, &c.n_alts) < 0) || PT_PUSH(cp->c, cp->n, c)) {
			free(c.text);
			pt_strv_free(c.alts, c.n_alts);
			goto nomem;
		}
		rest += clen;
	}
nomem:
	cpattern_free(cp);
	return -ENOMEM;
}

static bool comp_match(const struct comp *c, const char *name)
{
	for (size_t i = 0; i < c->n_alts; i++)
		if (fnmatch(c->alts[i], name, FNM_PERIOD) == 0)
			return true;
	return false;
}

/* Matches the components of cp from i on below the path at. */
static int expand_at(struct snap *s, const struct snap_rule *rule, const struct cpattern *cp,
		     size_t i, const char *at)
{
	char path[PATH_MAX];
	const struct comp *comp;
	size_t alen = strlen(at);
	const struct dent *e;
	int r = 0;

	if (i == cp->n)
		return capture(s, rule, at);
	comp = &cp->c[i];

	/* a literal name is not looked up here: when at was listed lately, the listing
	 * says whether it is there; else the listing or the capture below it finds out */
	if (!comp->wild) {
		size_t clen = strlen(comp->text);

		if (alen + 1 + clen >= sizeof(path))
			return 0;
		e = list_kept(s, at[0] ? at + 1 : "");
		if (e && !list_has(e, comp->text))
			return 0;
		memcpy(path, at, alen);
		path[alen] = '/';
		memcpy(path + alen + 1, comp->text, clen + 1);
		return expand_at(s, rule, cp, i + 1, path);
	}
	r = list_get(s, at[0] ? at + 1 : "", &e);
	for (; e->type != LIST_END && r >= 0; e = dent_next(e)) {
		const char *name = e->name;
		size_t nlen;

		if (!comp_match(comp, name))
			continue;
		nlen = strlen(name);
		if (alen + 1 + nlen >= sizeof(path))
			continue;
		memcpy(path, at, alen);
		path[alen] = '/';
		memcpy(path + alen + 1, name, nlen + 1);
		r = expand_at(s, rule, cp, i + 1, path);
	}
	return r < 0 ? r : 0;
}

/* The length of pattern up to the end of its first component with a wildcard (all
 * of it when it has none): rules with the same head look below the same directories. */
static size_t head_len(const char *pattern)
{
	const char *p = pattern;

	while (*p) {
		size_t clen;

		while (*p == '/')
			p++;
		clen = strcspn(p, "/");
		if (strcspn(p, "*?[{") < clen)
			return (size_t)(p - pattern) + clen;
		p += clen;
	}
	return (size_t)(p - pattern);
}

/* Captures what rule's pattern names (compiled here once). */
static int expand(struct snap *s, const struct snap_rule *rule)
{
	struct cpattern cp;
	int r = cpattern_compile(rule->pattern, &cp);

	if (r)
		return r < 0 ? r : 0;
	r = expand_at(s, rule, &cp, 0, "");
	cpattern_free(&cp);
	return r;
}

/* The rtnetlink dump: from the kernel on "/", the recording under a sysroot. A host
 * without one (an old snapshot, a fixture) is noted, not an error. */
static int capture_rtnl(struct snap *s, const struct snap_rule *rule)
{
	const char *rel = rule->pattern + 1;
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = pt_nl_capture(s->ctx, &buf, &len);
	if (r == -ENOMEM)
		return pt_err(s->ctx, r, "snapshot: out of memory");
	if (r < 0) {
		s->st.skipped++;
		note(s, "skipped %s: %s\n", rel, pt_ctx_error(s->ctx));
		return 0;
	}
	r = add_file(s, rel, buf, len);
	free(buf);
	return r;
}

/* ---- entry points ---------------------------------------------------------------- */

static int write_manifest(struct snap *s)
{
	char head[1024], when[32];
	struct tm tm;
	char *buf;
	size_t hl;
	int r;

	gmtime_r(&s->mtime, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	hl = (size_t)snprintf(head, sizeof(head),
			      "passthru snapshot\n"
			      "passthru: %s\n"
			      "created: %s\n"
			      "sysroot: %s\n"
			      "entries: %zu (files %zu, links %zu)\n"
			      "skipped: %zu\n"
			      "truncated: %zu\n"
			      "\n"
			      "Extract with 'tar xzf FILE -C DIR' and run 'passthru --sysroot DIR ...'.\n"
			      "What is captured: docs/snapshot.md in the passthru sources.\n",
			      PT_VERSION, when, pt_ctx_sysroot(s->ctx), s->st.entries, s->st.files,
			      s->st.links, s->st.skipped, s->st.truncated);
	if (hl >= sizeof(head))
		hl = sizeof(head) - 1;
	buf = malloc(hl + s->notes_len + 64);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, head, hl);
	if (s->notes_len) {
		buf[hl++] = '\n';
		memcpy(buf + hl, s->notes, s->notes_len);
		hl += s->notes_len;
	}
	if (s->n_notes > MAX_NOTES)
		hl += (size_t)sprintf(buf + hl, "... and %zu more\n", s->n_notes - MAX_NOTES);
	r = tar_add(s, "passthru-snapshot.txt", '0', 0644, buf, hl, NULL);
	if (r >= 0)
		s->st.entries--, s->st.files--; /* the manifest is not part of the tree */
	free(buf);
	return r;
}

static int capture_pids(struct snap *s, const long *pids, size_t n_pids)
{
	int r = 0;

	for (size_t p = 0; p < n_pids && r >= 0; p++)
		for (size_t i = 0; i < N_PID_RULES && r >= 0; i++) {
			struct snap_rule rule = pid_rules[i];
			char pat[256];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(pat, sizeof(pat), pid_rules[i].pattern, pids[p]);
#pragma GCC diagnostic pop
			rule.pattern = pat;
			r = expand(s, &rule);
		}
	return r;
}

int pt_snapshot_write(struct pt_ctx *ctx, int fd, uint64_t max_bytes,
		      struct pt_snapshot_stats *stats)
{
	return pt_snapshot_write_pids(ctx, fd, max_bytes, NULL, 0, stats);
}

int pt_snapshot_write_pids(struct pt_ctx *ctx, int fd, uint64_t max_bytes, const long *pids,
			   size_t n_pids, struct pt_snapshot_stats *stats)
{
	struct snap *s = calloc(1, sizeof(*s));
	int r = 0;

	if (!s)
		return pt_err(ctx, -ENOMEM, "snapshot: out of memory");
	s->ctx = ctx;
	s->dir_fd = -1;
	s->mtime = time(NULL);
	r = tar_writer_open(ctx, fd, max_bytes ? max_bytes : PT_SNAPSHOT_MAX_BYTES, s->mtime,
			    &s->tar);
	if (r < 0) {
		free(s);
		return r;
	}
	for (size_t i = 0; i < N_RULES && r >= 0; i++) {
		size_t h = head_len(rules[i].pattern);

		/* the listings serve the rules with the same head (a PCI function's), then go */
		if (i && (h != head_len(rules[i - 1].pattern) ||
			  strncmp(rules[i].pattern, rules[i - 1].pattern, h) != 0))
			list_clear(s);
		r = rules[i].kind == SNAP_RTNL ? capture_rtnl(s, &rules[i]) : expand(s, &rules[i]);
	}
	if (r >= 0)
		r = capture_pids(s, pids, n_pids);
	if (r == -ENOMEM)
		r = pt_err(ctx, r, "snapshot: out of memory");
	if (r >= 0)
		r = write_manifest(s);
	if (r >= 0)
		r = tar_writer_finish(s->tar);
	tar_writer_sizes(s->tar, &s->st.bytes, &s->st.raw_bytes);
	if (r >= 0 && stats)
		*stats = s->st;
	tar_writer_close(s->tar);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	list_clear(s);
	strset_free(&s->stored);
	strset_free(&s->dirs);
	free(s->notes);
	free(s);
	return r < 0 ? r : 0;
}

int pt_snapshot_save(struct pt_ctx *ctx, const char *file, uint64_t max_bytes,
		     struct pt_snapshot_stats *stats)
{
	return pt_snapshot_save_pids(ctx, file, max_bytes, NULL, 0, stats);
}

int pt_snapshot_save_pids(struct pt_ctx *ctx, const char *file, uint64_t max_bytes,
			  const long *pids, size_t n_pids, struct pt_snapshot_stats *stats)
{
	char tmp[PATH_MAX];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file) >= (int)sizeof(tmp))
		return pt_err(ctx, -ENAMETOOLONG, "snapshot: file name too long: %s", file);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		return pt_err(ctx, r, "cannot create %s: %s", tmp, strerror(-r));
	}
	r = pt_snapshot_write_pids(ctx, fd, max_bytes, pids, n_pids, stats);
	if (r >= 0 && fchmod(fd, 0644) < 0)
		r = pt_err(ctx, -errno, "cannot set the mode of %s: %s", tmp, strerror(errno));
	if (r >= 0 && fsync(fd) < 0)
		r = pt_err(ctx, -errno, "writing %s: %s", tmp, strerror(errno));
	if (close(fd) < 0 && r >= 0)
		r = pt_err(ctx, -errno, "writing %s: %s", tmp, strerror(errno));
	if (r >= 0 && rename(tmp, file) < 0)
		r = pt_err(ctx, -errno, "cannot rename %s to %s: %s", tmp, file, strerror(errno));
	if (r < 0)
		unlink(tmp);
	return r;
}
