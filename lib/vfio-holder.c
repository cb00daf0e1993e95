// SPDX-License-Identifier: MIT
/*
 * Who holds a device through vfio: the /dev/vfio files that stand for it (its group's
 * node and its iommufd cdev) and the process that has one of them open. One place
 * decides it, for release (lib/assign.c: not while a VM runs) and for the VM view
 * (lib/vm.c, doctor). Reads /sys and /proc through the seam; declared in assign.h
 * (pt_vfio_holder) and vm.h (pt_vfio_dev_nodes).
 */
#include "internal.h"
#include "sysfs-paths.h"
#include "passthru/assign.h"
#include "passthru/vm.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void pt_vfio_dev_nodes(struct pt_ctx *ctx, const struct pt_device *d, char *group, size_t glen,
		       char *cdev, size_t clen)
{
	char path[4096];
	struct dirent *e;
	DIR *dp;

	group[0] = cdev[0] = '\0';
	if (d->iommu_group >= 0)
		snprintf(group, glen, "/dev/vfio/%d", d->iommu_group);
	if (pt_path(ctx, path, sizeof(path), PT_SYSFS_PCI_DEVICES "/%s/vfio-dev", d->name) >= 0 &&
	    (dp = opendir(path))) {
		while ((e = readdir(dp)))
			if (strncmp(e->d_name, "vfio", 4) == 0)
				snprintf(cdev, clen, "/dev/vfio/devices/%s", e->d_name);
		closedir(dp);
	}
}

long pt_vfio_holder(struct pt_ctx *ctx, const struct pt_device *d, char *comm, size_t len)
{
	char group[64], cdev[96], path[4200], proc[4096];
	struct dirent *e;
	long holder = 0;
	DIR *dp;

	if (comm && len)
		comm[0] = '\0';
	pt_vfio_dev_nodes(ctx, d, group, sizeof(group), cdev, sizeof(cdev));
	if ((!group[0] && !cdev[0]) || pt_path(ctx, proc, sizeof(proc), "/proc") < 0 ||
	    !(dp = opendir(proc)))
		return 0;
	while (!holder && (e = readdir(dp))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		struct dirent *f;
		DIR *fd;
		int dfd;

		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd", proc, e->d_name);
		if (!(fd = opendir(path)))
			continue; /* gone, or not ours to read */
		dfd = dirfd(fd);
		while ((f = readdir(fd))) {
			char target[256];
			ssize_t n = readlinkat(dfd, f->d_name, target, sizeof(target) - 1);

			if (n <= 0)
				continue;
			target[n] = '\0';
			if ((group[0] && strcmp(target, group) == 0) ||
			    (cdev[0] && strcmp(target, cdev) == 0)) {
				holder = pid;
				break;
			}
		}
		closedir(fd);
	}
	closedir(dp);
	if (holder && comm && len &&
	    pt_read_attr(ctx, comm, len, "/proc/%ld/comm", holder) < 0)
		comm[0] = '\0';
	return holder;
}
