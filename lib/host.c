// SPDX-License-Identifier: MIT
/* Host-wide facts: NUMA nodes and their CPUs, hugepages, IOMMU units and their kind,
 * /dev/iommu (iommufd), command line. */
#include "internal.h"
#include "passthru/parse.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>

/* Lists a directory's entries that start with prefix, sorted by their number. */
static int list_numbered(const struct pt_ctx *ctx, const char *dir, const char *prefix,
			 int **out, size_t *n)
{
	size_t plen = strlen(prefix);
	struct dirent *e;
	DIR *d;

	*out = NULL;
	*n = 0;
	d = pt_opendir(ctx, "%s", dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		long v;

		if (strncmp(e->d_name, prefix, plen) != 0 || pt_parse_long(e->d_name + plen, &v) < 0 ||
		    v < 0 || v > 1 << 20)
			continue;
		if (PT_PUSH(*out, *n, (int)v)) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && (*out)[j - 1] > (*out)[j]; j--) {
			int t = (*out)[j];

			(*out)[j] = (*out)[j - 1];
			(*out)[j - 1] = t;
		}
	return 0;
}

static long read_long(const struct pt_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static long read_long(const struct pt_ctx *ctx, const char *fmt, ...)
{
	char rel[1024], buf[64];
	va_list ap;
	long v;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= sizeof(rel))
		return -1;
	if (pt_read_attr(ctx, buf, sizeof(buf), "%s", rel) < 0 || pt_parse_long(buf, &v) < 0)
		return -1;
	return v;
}

/* hugepages-2048kB directories under dir */
static void read_hugepages(const struct pt_ctx *ctx, const char *dir, struct pt_hugepages *hp,
			   size_t *n)
{
	struct dirent *e;
	DIR *d;

	*n = 0;
	if (!(d = pt_opendir(ctx, "%s", dir)))
		return;
	while ((e = readdir(d)) && *n < 8) {
		long kb;
		char *end;

		if (strncmp(e->d_name, "hugepages-", 10) != 0)
			continue;
		kb = strtol(e->d_name + 10, &end, 10);
		if (kb <= 0 || strcmp(end, "kB") != 0)
			continue;
		hp[*n].size_kb = kb;
		hp[*n].total = read_long(ctx, "%s/%s/nr_hugepages", dir, e->d_name);
		hp[*n].free = read_long(ctx, "%s/%s/free_hugepages", dir, e->d_name);
		(*n)++;
	}
	closedir(d);
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && hp[j - 1].size_kb > hp[j].size_kb; j--) {
			struct pt_hugepages t = hp[j];

			hp[j] = hp[j - 1];
			hp[j - 1] = t;
		}
}

/* What kind of IOMMU a /sys/class/iommu entry is: the driver's own attribute
 * directory first (intel-iommu/, amd-iommu/), then the names the drivers give
 * (dmarN, ivhdN) and, for virtio-iommu (no attribute directory), the virtio device it
 * sits on (its link goes through .../virtioN/iommu/). */
static const char *unit_kind(const struct pt_ctx *ctx, const char *name)
{
	char link[512];

	if (pt_exists(ctx, "/sys/class/iommu/%s/intel-iommu", name) || !strncmp(name, "dmar", 4))
		return "intel";
	if (pt_exists(ctx, "/sys/class/iommu/%s/amd-iommu", name) || !strncmp(name, "ivhd", 4))
		return "amd";
	if (!strncmp(name, "virtio", 6) ||
	    (pt_readlink(ctx, link, sizeof(link), "/sys/class/iommu/%s", name) > 0 &&
	     strstr(link, "/virtio")))
		return "virtio";
	return "other";
}

static void iommu_facts(struct pt_ctx *ctx, struct pt_host *h)
{
	h->iommu_kind[0] = '\0';
	for (size_t i = 0; i < h->n_iommu_units; i++) {
		const char *k = unit_kind(ctx, h->iommu_units[i]);

		if (!h->iommu_kind[0])
			pt_strlcpy(h->iommu_kind, k, sizeof(h->iommu_kind));
		else if (strcmp(h->iommu_kind, k) != 0)
			pt_strlcpy(h->iommu_kind, "mixed", sizeof(h->iommu_kind));
	}
	/* a tree without /dev (an old snapshot, a fixture) cannot tell */
	if (pt_exists(ctx, "/dev/iommu"))
		h->dev_iommu = PT_YES;
	else
		h->dev_iommu = pt_exists(ctx, "/dev") ? PT_NO : PT_UNKNOWN;
}

int pt_host_scan_host(struct pt_ctx *ctx, struct pt_host *h)
{
	struct dirent *e;
	size_t n = 0;
	int *ids = NULL;
	DIR *d;
	int r;

	r = list_numbered(ctx, "/sys/devices/system/node", "node", &ids, &n);
	if (r == 0 && n) {
		h->nodes = calloc(n, sizeof(*h->nodes));
		if (!h->nodes) {
			free(ids);
			return -ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			struct pt_numa_node *nd = &h->nodes[h->n_nodes++];
			char dir[128];

			nd->id = ids[i];
			if (pt_read_attr(ctx, nd->cpulist, sizeof(nd->cpulist),
					 "/sys/devices/system/node/node%d/cpulist", ids[i]) < 0)
				nd->cpulist[0] = '\0';
			snprintf(dir, sizeof(dir), "/sys/devices/system/node/node%d/hugepages", ids[i]);
			read_hugepages(ctx, dir, nd->hugepages, &nd->n_hugepages);
		}
	}
	free(ids);

	read_hugepages(ctx, "/sys/kernel/mm/hugepages", h->hugepages, &h->n_hugepages);

	if ((d = pt_opendir(ctx, "/sys/class/iommu"))) {
		while ((e = readdir(d))) {
			char *s;

			if (e->d_name[0] == '.')
				continue;
			s = strdup(e->d_name);
			if (!s || PT_PUSH(h->iommu_units, h->n_iommu_units, s)) {
				free(s);
				closedir(d);
				return -ENOMEM;
			}
		}
		closedir(d);
		for (size_t i = 1; i < h->n_iommu_units; i++)
			for (size_t j = i; j > 0 && strcmp(h->iommu_units[j - 1], h->iommu_units[j]) > 0; j--) {
				char *t = h->iommu_units[j];

				h->iommu_units[j] = h->iommu_units[j - 1];
				h->iommu_units[j - 1] = t;
			}
	}
	iommu_facts(ctx, h);

	{
		char *buf = NULL;

		if (pt_read_file(ctx, &buf, NULL, 65536, "/proc/cmdline") == 0) {
			size_t l = strlen(buf);

			while (l && (buf[l - 1] == '\n' || buf[l - 1] == ' '))
				buf[--l] = '\0';
			h->cmdline = buf;
		}
	}
	return 0;
}

const struct pt_numa_node *pt_host_node(const struct pt_host *h, int id)
{
	for (size_t i = 0; i < h->n_nodes; i++)
		if (h->nodes[i].id == id)
			return &h->nodes[i];
	return NULL;
}
