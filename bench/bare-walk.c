// SPDX-License-Identifier: MIT
/*
 * The floor for `passthru list --json` (docs/BENCHMARKS.md): reads the files passthru
 * reads for each PCI function of a sysroot, with the same system calls (a directory
 * listing with getdents64, open/read/close of each attribute relative to the device
 * directory, readlinkat for links, pread of config space and its extended capability
 * headers), and does nothing with the bytes: no parsing, no model, no names, no JSON.
 *
 *     bare-walk SYSROOT      prints the number of functions read
 *
 * Kept in step with lib/pci.c read_device() by hand: what this reads per function is
 * listed in files[] and links[] below.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* attribute files, read when listed (uevent replaces the IDs and class; the driver
 * comes from its link, which wins over a stale uevent: lib/pci.c read_driver) */
static const char *const files[] = {
	"uevent", "driver_override", "numa_node", "local_cpulist", "reset_method", "enable",
	"sriov_totalvfs", "sriov_drivers_autoprobe",
	"aer_dev_correctable", "aer_dev_nonfatal", "aer_dev_fatal",
};
static const char *const links[] = { "driver", "iommu_group", "physfn" };

static char dents[1 << 16];

/* Lists fd into dents; returns the bytes, calls fn for each name. */
static void list(int fd, void (*fn)(int dirfd, const char *name, void *arg), void *arg)
{
	for (;;) {
		ssize_t n = getdents64(fd, dents, sizeof(dents));

		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(void *)(dents + off);

			off += e->d_reclen;
			if (e->d_name[0] != '.')
				fn(fd, e->d_name, arg);
		}
	}
}

static unsigned long sink;

static void read_at(int dirfd, const char *name)
{
	char buf[4096];
	int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	sink += n > 0 ? (unsigned long)n : 0;
	close(fd);
}

static void link_at(int dirfd, const char *name)
{
	char buf[512];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf));

	sink += n > 0 ? (unsigned long)n : 0;
}

static void config_at(int dirfd)
{
	uint8_t buf[256], hdr[8];
	int fd = openat(dirfd, "config", O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	unsigned ptr = 0x100;

	if (fd < 0)
		return;
	if (pread(fd, buf, 256, 0) == 256)
		for (int guard = 0; guard < 480 && ptr >= 0x100 && ptr + 8 <= 4096; guard++) {
			uint32_t h;

			if (pread(fd, hdr, 8, ptr) != 8)
				break;
			memcpy(&h, hdr, 4);
			if (h == 0 || h == 0xffffffff)
				break;
			if ((h & 0xffff) == 0x10 && pread(fd, dents, 0x40, ptr) != 0x40)
				break;
			ptr = (h >> 20) & 0xffc;
		}
	close(fd);
}

struct names {
	char (*v)[256];
	size_t n, cap;
};

static void collect(int dirfd, const char *name, void *arg)
{
	struct names *ns = arg;

	(void)dirfd;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 64;
		ns->v = realloc(ns->v, ns->cap * sizeof(*ns->v));
		if (!ns->v)
			exit(2);
	}
	snprintf(ns->v[ns->n++], 256, "%s", name);
}

static int has(const struct names *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], name) == 0)
			return 1;
	return 0;
}

static void device(int busfd, const char *bdf)
{
	struct names ns = { 0 };
	int fd = openat(busfd, bdf, O_RDONLY | O_DIRECTORY | O_CLOEXEC), irqs;

	if (fd < 0)
		return;
	list(fd, collect, &ns);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (has(&ns, files[i]))
			read_at(fd, files[i]);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (has(&ns, links[i]))
			link_at(fd, links[i]);
	for (size_t i = 0; i < ns.n; i++)
		if (strncmp(ns.v[i], "virtfn", 6) == 0)
			link_at(fd, ns.v[i]);
	if (has(&ns, "msi_irqs") &&
	    (irqs = openat(fd, "msi_irqs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		struct names in = { 0 };

		list(irqs, collect, &in);
		free(in.v);
		close(irqs);
	}
	config_at(fd);
	link_at(busfd, bdf);
	free(ns.v);
	close(fd);
}

static void links_of(const char *root, const char *dir)
{
	char path[4096];
	struct names ns = { 0 };
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, dir);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	list(fd, collect, &ns);
	for (size_t i = 0; i < ns.n; i++)
		link_at(fd, ns.v[i]);
	free(ns.v);
	close(fd);
}

int main(int argc, char **argv)
{
	char path[4096];
	struct names bus = { 0 };
	int busfd;

	if (argc != 2) {
		fprintf(stderr, "usage: bare-walk SYSROOT\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", argv[1]);
	busfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (busfd < 0) {
		perror(path);
		return 2;
	}
	list(busfd, collect, &bus);
	for (size_t i = 0; i < bus.n; i++)
		device(busfd, bus.v[i]);
	links_of(argv[1], "sys/class/net");
	links_of(argv[1], "sys/class/block");
	printf("%zu functions (%lu bytes)\n", bus.n, sink);
	free(bus.v);
	close(busfd);
	return 0;
}
