// SPDX-License-Identifier: MIT
/*
 * The PCI inventory: one pass over /sys/bus/pci/devices, each attribute read once,
 * then /sys/class/net and /sys/class/block to attach interfaces and disks.
 */
#include "internal.h"
#include "sysfs-paths.h"
#include "passthru/parse.h"

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>


static void warn(struct pt_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct pt_host *h, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	char *s;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s = strdup(buf);
	if (s && PT_PUSH(h->warnings, h->n_warnings, s))
		free(s);
}

/* The set of entries in a directory, so absent attributes cost no open(); the
 * directory stays open so its attributes are read relative to it (openat), without a
 * path walk through the sysroot and the bus symlink for every file. Entries are read
 * with getdents64() into one buffer the names point into: no DIR, no strdup per entry
 * (a device directory has ~45). Names are found through a hash of them (open
 * addressing), not by sorting: a function's directory is looked up ~20 times and
 * iterated only for its virtfn links, so it is not sorted (sorting ~45 names per
 * function was 15 % of a list's instructions); the others are (their order is
 * output order). */
#define DIRSET_SMALL 128 /* slots kept in the struct: directories of up to 64 names */

struct dirset {
	char **names; /* point into buf; sorted unless read with DIRSET_UNSORTED */
	size_t n;
	char *buf;
	int fd;       /* the open directory, -1 when none */
	char **heap;  /* the hash's slots when more than DIRSET_SMALL are needed */
	size_t mask;  /* slots - 1 */
	char *small[DIRSET_SMALL];
};

enum { DIRSET_SORTED = 0, DIRSET_UNSORTED = 1 };

static int dirset_fd(const struct dirset *s)
{
	return s->fd;
}

static int dirset_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What the listing says a name of it is (d_type, the dirent the name sits in;
 * DT_UNKNOWN on file systems without it). */
static unsigned char name_type(const char *name)
{
	return ((const struct dirent64 *)(const void *)(name - offsetof(struct dirent64, d_name)))->d_type;
}

static size_t name_hash(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static char **dirset_slots(const struct dirset *s)
{
	return s->heap ? s->heap : (char **)s->small;
}

/* The listed entry called name, NULL when none. */
static char *dirset_find(const struct dirset *s, const char *name)
{
	char **slots = dirset_slots(s);

	if (s->n == 0)
		return NULL;
	for (size_t i = name_hash(name) & s->mask;; i = (i + 1) & s->mask) {
		if (!slots[i])
			return NULL;
		if (strcmp(slots[i], name) == 0)
			return slots[i];
	}
}

/* Indexes the n names (slots at least twice as many: probes stay short). */
static int dirset_index(struct dirset *s)
{
	size_t cap = DIRSET_SMALL;
	char **slots;

	while (cap < 2 * s->n)
		cap *= 2;
	if (cap > DIRSET_SMALL) {
		s->heap = calloc(cap, sizeof(char *));
		if (!s->heap)
			return -ENOMEM;
	} else {
		memset(s->small, 0, sizeof(s->small));
	}
	s->mask = cap - 1;
	slots = dirset_slots(s);
	for (size_t k = 0; k < s->n; k++) {
		size_t i = name_hash(s->names[k]) & s->mask;

		while (slots[i])
			i = (i + 1) & s->mask;
		slots[i] = s->names[k];
	}
	return 0;
}

static bool has(const struct dirset *s, const char *name)
{
	return dirset_find(s, name) != NULL;
}

/* Reads attribute name of s when the directory listed it as a regular file (d_type:
 * a FIFO or device there is never opened); a file system without d_type gets the
 * fstat() check instead. Returns what pt_read_attr_at() returns, -ENOENT when absent. */
static int read_listed(const struct dirset *s, const char *name, char *buf, size_t len)
{
	const char *e = dirset_find(s, name);
	unsigned char type;

	if (!e)
		return -ENOENT;
	type = name_type(e);
	if (type == DT_REG)
		return pt_read_attr_listed_at(dirset_fd(s), buf, len, name);
	if (type != DT_UNKNOWN) {
		buf[0] = '\0';
		return -EINVAL;
	}
	return pt_read_attr_at(dirset_fd(s), buf, len, name);
}

static unsigned char dirset_type(const struct dirset *s, size_t i)
{
	return name_type(s->names[i]);
}

/* A listed type sysfs never holds among a function's attributes (never opened). */
static bool odd_type(unsigned char t)
{
	return t == DT_FIFO || t == DT_SOCK || t == DT_CHR || t == DT_BLK;
}

/* sysfs holds regular files, directories and links only: a FIFO, socket or device
 * among a function's attributes is never opened (read_listed), and says so, so that
 * "unknown" has its reason. config has its own warning. */
static void warn_odd_entries(struct pt_host *h, const struct pt_device *d, const struct dirset *s)
{
	const char **odd = NULL;
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		unsigned char t = dirset_type(s, i);

		if (odd_type(t) && strcmp(s->names[i], "config") != 0 &&
		    PT_PUSH(odd, n, (const char *)s->names[i]))
			break;
	}
	if (n > 1) /* the listing's order is the file system's: name order */
		qsort(odd, n, sizeof(*odd), dirset_cmp);
	for (size_t i = 0; i < n; i++) {
		unsigned char t = name_type(odd[i]);
		const char *kind = t == DT_FIFO ? "a FIFO" : t == DT_SOCK ? "a socket" :
				   t == DT_CHR ? "a character device" : "a block device";

		warn(h, "%s/%s/%s is %s, not a sysfs attribute: not read (its value is "
		     "unknown)", PT_SYSFS_PCI_DEVICES, d->name, odd[i], kind);
	}
	free(odd);
}

static void dirset_init(struct dirset *s)
{
	s->names = NULL;
	s->n = 0;
	s->buf = NULL;
	s->heap = NULL;
	s->mask = 0;
	s->fd = -1;
}

static void dirset_free(struct dirset *s)
{
	free(s->names);
	free(s->buf);
	free(s->heap);
	if (s->fd >= 0)
		close(s->fd);
	dirset_init(s);
}

/* Takes fd, an open directory (closed by dirset_free); order is DIRSET_SORTED or
 * DIRSET_UNSORTED (the listing's order). */
static int dirset_fill(struct dirset *s, int fd, int order)
{
	size_t cap = 8192, used = 0;
	int r = -ENOMEM;

	s->fd = fd;
	s->buf = malloc(cap);
	if (!s->buf)
		goto fail;
	for (;;) {
		ssize_t got;

		if (cap - used < 2048) {
			char *nb = realloc(s->buf, cap * 2);

			if (!nb)
				goto fail;
			s->buf = nb;
			cap *= 2;
		}
		got = getdents64(fd, s->buf + used, cap - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			goto fail;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	/* count, then point: one allocation of the names, not a growth check per entry */
	for (int pass = 0; pass < 2; pass++) {
		size_t n = 0;

		for (size_t off = 0; off < used;) {
			struct dirent64 *e = (struct dirent64 *)(void *)(s->buf + off);

			off += e->d_reclen;
			if (e->d_reclen == 0)
				break;
			if (e->d_name[0] == '.')
				continue;
			if (pass)
				s->names[n] = e->d_name;
			n++;
		}
		if (!pass && n && !(s->names = malloc(n * sizeof(char *))))
			goto fail;
		s->n = pass ? n : 0;
	}
	if (s->n && order == DIRSET_SORTED)
		qsort(s->names, s->n, sizeof(char *), dirset_cmp);
	r = -ENOMEM;
	if (dirset_index(s) < 0)
		goto fail;
	return 0;
fail:
	dirset_free(s);
	return r;
}

/* A directory under the sysroot, opened through the seam (links resolve inside it). */
static int dirset_read(const struct pt_ctx *ctx, struct dirset *s, int order, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));
static int dirset_read(const struct pt_ctx *ctx, struct dirset *s, int order, const char *fmt, ...)
{
	char rel[4096];
	va_list ap;
	int fd, n;

	dirset_init(s);
	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	fd = pt_open_rel(ctx, rel, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	return dirset_fill(s, fd, order);
}

/* Entry name of the open directory parent, itself a directory (not a link to one:
 * links are resolved through the seam, which keeps them inside the sysroot). */
static int dirset_read_at(const struct dirset *parent, struct dirset *s, const char *name)
{
	int fd;

	dirset_init(s);
	if (!name[0] || strchr(name, '/') || strcmp(name, "..") == 0)
		return -EINVAL;
	fd = openat(dirset_fd(parent), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return dirset_fill(s, fd, DIRSET_SORTED);
}

static int read_int_attr(const struct dirset *s, const char *attr, bool hex)
{
	char buf[64];
	long v;

	if (read_listed(s, attr, buf, sizeof(buf)) < 0)
		return -1;
	if ((hex ? pt_parse_hex(buf, &v) : pt_parse_long(buf, &v)) < 0 || v < -1 || v > 0xffffff)
		return -1;
	return (int)v;
}

static void read_str_attr(const struct dirset *s, const char *attr, char *out, size_t len)
{
	out[0] = '\0';
	if (read_listed(s, attr, out, len) < 0)
		out[0] = '\0';
	if (strcmp(out, "(null)") == 0) /* driver_override when unset */
		out[0] = '\0';
}

static const char *basename_of(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

/* The device link target ("../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0")
 * names the root and every hop; the path is stored nearest hop first. */
static int parse_topology(struct pt_device *d, const char *target)
{
	struct pt_bdf hops[64];
	size_t n = 0;
	const char *p = target;

	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct pt_bdf b;

		if (len > 3 && strncmp(p, "pci", 3) == 0 && len < sizeof(d->root)) {
			memcpy(d->root, p, len);
			d->root[len] = '\0';
		} else if (len < PT_BDF_STRLEN && pt_bdf_scan(p, &b) == len && n < 64) {
			hops[n++] = b;
		}
		if (!end)
			break;
		p = end + 1;
	}
	if (n == 0)
		return -EINVAL;
	/* hops[n-1] is the device itself */
	if (n > 1) {
		d->path = calloc(n - 1, sizeof(*d->path));
		if (!d->path)
			return -ENOMEM;
		for (size_t i = 0; i < n - 1; i++)
			d->path[i] = hops[n - 2 - i];
		d->n_path = n - 1;
	}
	return 0;
}

/* "virtfn12" -> 12; -1 for what is not virtfn followed by digits only. */
static int virtfn_number(const char *name)
{
	long v;

	if (strncmp(name, "virtfn", 6) != 0 || name[6] < '0' || name[6] > '9' ||
	    strspn(name + 6, "0123456789") != strlen(name + 6) || strlen(name + 6) > 5)
		return -1;
	v = strtol(name + 6, NULL, 10);
	return v <= 65535 ? (int)v : -1;
}

struct vfnum {
	int n;
	const char *name;
};

static int vfnum_cmp(const void *a, const void *b)
{
	const struct vfnum *x = a, *y = b;

	/* the listing is not sorted: equal numbers ("virtfn3", "virtfn03") by name */
	return x->n != y->n ? (x->n > y->n) - (x->n < y->n) : strcmp(x->name, y->name);
}

/* Where SR-IOV puts VF n: the PF's routing ID + offset + n * stride (-1 unknown). */
static bool vf_rid_bdf(const struct pt_device *pf, int n, struct pt_bdf *out)
{
	unsigned rid;

	if (pf->sriov_offset <= 0 || pf->sriov_stride < 0)
		return false;
	rid = ((unsigned)pf->bdf.bus << 8 | pf->bdf.dev << 3 | pf->bdf.fn) +
	      (unsigned)pf->sriov_offset + (unsigned)n * (unsigned)pf->sriov_stride;
	out->domain = pf->bdf.domain;
	out->bus = (rid >> 8) & 0xff;
	out->dev = (rid >> 3) & 0x1f;
	out->fn = rid & 7;
	return rid <= 0xffff;
}

/* The VFs by the kernel's own names: VF n is what virtfnN names, whichever links
 * are missing; a link that names no function, the PF itself or a VF already named is
 * reported and not followed. */
static int sriov_attr(const struct dirset *s, const char *attr, const struct pt_config_sriov *sr,
		      int from_config, bool hex)
{
	if (!has(s, attr))
		return -1;
	return sr ? from_config : read_int_attr(s, attr, hex);
}

/* A set of BDFs (open addressing): which functions a PF's virtfn links named already.
 * It was a scan of the VFs kept so far for every link: 8,000 comparisons for a PF of
 * 127 VFs, 32,000 for 255. */
struct bdf_set {
	uint64_t *slots; /* key + 1; 0 is empty */
	size_t mask;
};

static int bdf_set_init(struct bdf_set *set, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	set->slots = calloc(cap, sizeof(*set->slots));
	set->mask = cap - 1;
	return set->slots ? 0 : -ENOMEM;
}

/* true when b was in the set; adds it when it was not */
static bool bdf_seen(struct bdf_set *set, struct pt_bdf b)
{
	uint64_t key = ((uint64_t)b.domain << 16 | (uint64_t)b.bus << 8 | (uint64_t)b.dev << 3 | b.fn) + 1;
	size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 32) & set->mask;

	for (; set->slots[i]; i = (i + 1) & set->mask)
		if (set->slots[i] == key)
			return true;
	set->slots[i] = key;
	return false;
}

static int read_sriov(struct pt_host *h, struct pt_device *d, const struct dirset *s,
		      const struct pt_config_sriov *sr)
{
	char link[512], bdfs[2][PT_BDF_STRLEN];
	struct vfnum *nums = NULL;
	struct bdf_set seen = { 0 };
	size_t nv = 0;
	int r = 0;

	if (has(s, "sriov_totalvfs")) {
		d->kind = PT_KIND_PF;
		d->sriov_totalvfs = read_int_attr(s, "sriov_totalvfs", false);
		d->sriov_numvfs = sriov_attr(s, "sriov_numvfs", sr, sr ? sr->num : -1, false);
		d->sriov_offset = sriov_attr(s, "sriov_offset", sr, sr ? sr->offset : -1, false);
		d->sriov_stride = sriov_attr(s, "sriov_stride", sr, sr ? sr->stride : -1, false);
		d->sriov_vf_device = sriov_attr(s, "sriov_vf_device", sr,
						sr ? sr->vf_device : -1, true);
		d->sriov_drivers_autoprobe =
			read_int_attr(s, "sriov_drivers_autoprobe", false);
	}
	for (size_t i = 0; i < s->n; i++) {
		struct vfnum v = { virtfn_number(s->names[i]), s->names[i] };

		if (v.n >= 0 && PT_PUSH(nums, nv, v))
			return -ENOMEM;
	}
	if (nv) {
		qsort(nums, nv, sizeof(*nums), vfnum_cmp);
		d->vfs = calloc(nv, sizeof(*d->vfs));
		d->vf_numbers = calloc(nv, sizeof(*d->vf_numbers));
		if (!d->vfs || !d->vf_numbers || bdf_set_init(&seen, nv) < 0) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < nv; i++) {
			struct pt_bdf b, want;

			if (pt_readlink_at(dirset_fd(s), link, sizeof(link), nums[i].name) < 0)
				continue;
			if (pt_bdf_parse(basename_of(link), &b) < 0) {
				warn(h, "%s: %s -> %s names no PCI function, ignored", d->name,
				     nums[i].name, link);
				continue;
			}
			if (pt_bdf_eq(&b, &d->bdf)) {
				warn(h, "%s: %s points at the PF itself, ignored", d->name,
				     nums[i].name);
				continue;
			}
			if (bdf_seen(&seen, b)) {
				warn(h, "%s: %s names %s, which another virtfn link names too, "
				     "ignored", d->name, nums[i].name, pt_bdf_format(&b, bdfs[0]));
				continue;
			}
			if (vf_rid_bdf(d, nums[i].n, &want) && !pt_bdf_eq(&want, &b))
				warn(h, "%s: %s names %s, but the PF's SR-IOV offset %d and stride "
				     "%d place VF %d at %s", d->name, nums[i].name,
				     pt_bdf_format(&b, bdfs[0]), d->sriov_offset, d->sriov_stride,
				     nums[i].n, pt_bdf_format(&want, bdfs[1]));
			d->vfs[d->n_vfs] = b;
			d->vf_numbers[d->n_vfs] = nums[i].n;
			d->n_vfs++;
		}
		if (d->kind != PT_KIND_PF)
			d->kind = PT_KIND_PF;
	}
	if (has(s, "physfn") &&
	    pt_readlink_at(dirset_fd(s), link, sizeof(link), "physfn") >= 0 &&
	    pt_bdf_parse(basename_of(link), &d->physfn) == 0) {
		if (pt_bdf_eq(&d->physfn, &d->bdf)) {
			warn(h, "%s: physfn points at the function itself, ignored", d->name);
		} else {
			d->has_physfn = true;
			d->kind = PT_KIND_VF;
		}
	}
out:
	free(seen.slots);
	free(nums);
	return r;
}

const struct pt_bdf *pt_device_vf(const struct pt_device *pf, int n)
{
	for (size_t k = 0; pf->vf_numbers && k < pf->n_vfs; k++)
		if (pf->vf_numbers[k] == n)
			return &pf->vfs[k];
	return NULL;
}

static int read_msi_irqs(struct pt_device *d, const struct dirset *s)
{
	struct dirset irqs;

	d->msi_irq_count = -1;
	if (!has(s, "msi_irqs")) {
		/* the directory exists only while vectors are allocated */
		d->msi_irq_count = 0;
		return 0;
	}
	if (dirset_read_at(s, &irqs, "msi_irqs") < 0)
		return 0;
	d->msi_irqs = calloc(irqs.n ? irqs.n : 1, sizeof(int));
	if (!d->msi_irqs) {
		dirset_free(&irqs);
		return -ENOMEM;
	}
	d->msi_irq_count = 0;
	for (size_t i = 0; i < irqs.n; i++) {
		long v;

		if (pt_parse_long(irqs.names[i], &v) == 0 && v >= 0 && v < 1 << 24)
			d->msi_irqs[d->msi_irq_count++] = (int)v;
	}
	dirset_free(&irqs);
	return 0;
}

static long long read_aer(const struct dirset *s, const char *attr)
{
	char buf[2048];
	int n;

	n = read_listed(s, attr, buf, sizeof(buf));
	if (n < 0)
		return -1;
	return pt_parse_aer_total(buf, (size_t)n);
}

static void judge_link(struct pt_link *l)
{
	if (l->max_speed_mts < 0 || l->speed_mts < 0 || l->max_width < 0 || l->width < 0)
		l->degraded = PT_UNKNOWN;
	else
		l->degraded = (l->speed_mts < l->max_speed_mts || l->width < l->max_width) ? PT_YES
											 : PT_NO;
}

/* vfio-dev/vfioN: the name of the VFIO device a vfio driver made of the function. */
static void read_vfio_dev(struct pt_device *d, const struct dirset *s)
{
	struct dirset v;

	d->vfio_dev[0] = '\0';
	if (!has(s, "vfio-dev") || dirset_read_at(s, &v, "vfio-dev") < 0)
		return;
	for (size_t i = 0; i < v.n && !d->vfio_dev[0]; i++)
		if (strncmp(v.names[i], "vfio", 4) == 0 && v.names[i][4] &&
		    strspn(v.names[i] + 4, "0123456789") == strlen(v.names[i] + 4))
			pt_strlcpy(d->vfio_dev, v.names[i], sizeof(d->vfio_dev));
	dirset_free(&v);
}

/*
 * Where each fact of a function comes from. The kernel's attribute files are the
 * reference: a fact is known when its attribute is listed, and its value is what the
 * attribute prints. Where one file prints several attributes' values, that file is
 * read instead, and the single attributes only when it is missing or unreadable:
 *
 * - uevent (readable by anyone) prints PCI_ID, PCI_SUBSYS_ID and PCI_CLASS from the
 *   same struct pci_dev fields as vendor, device, subsystem_vendor, subsystem_device
 *   and class (so with the kernel's fix-ups: a VF's IDs, which its config space reads
 *   as 0xffff; class overrides of quirks). Config space is never the source of IDs or
 *   class. The driver stays the driver link (read_driver() says why).
 * - config space, when its PCIe capability was readable (256 bytes or more: root
 *   only), holds what max_link_speed, max_link_width, current_link_speed and
 *   current_link_width compute from it (the same registers, decoded as the kernel's
 *   pcie_get_speed_cap() and pcie_get_width_cap() decode them).
 * - the SR-IOV capability, when read whole, holds sriov_numvfs, sriov_offset,
 *   sriov_stride and sriov_vf_device. sriov_totalvfs stays the attribute: a driver may
 *   lower it below the capability's TotalVFs (pci_sriov_set_totalvfs()); and
 *   sriov_drivers_autoprobe exists only in the kernel.
 *
 * A tree without uevent (older captures, fixtures) or config space cut to 64 bytes
 * (unprivileged reads) gives the same answers, from the attribute files.
 */

/* "vendor" when listed: from uevent when it said, else the attribute. */
static int id_attr(const struct dirset *s, const char *attr, int from_uevent, bool hex)
{
	if (!has(s, attr))
		return -1;
	return from_uevent >= 0 ? from_uevent : read_int_attr(s, attr, hex);
}

static void read_ids(const struct dirset *s, struct pt_device *d, const struct pt_uevent *u)
{
	d->vendor_id = id_attr(s, "vendor", u->vendor_id, true);
	d->device_id = id_attr(s, "device", u->device_id, true);
	d->subsys_vendor_id = id_attr(s, "subsystem_vendor", u->subsys_vendor_id, true);
	d->subsys_device_id = id_attr(s, "subsystem_device", u->subsys_device_id, true);
	d->class_code = id_attr(s, "class", u->class_code, true);
}

/* The driver link, not uevent's DRIVER: a readlink is one system call (not an open, a
 * read and a close), and the binding is the fact that changes between reads, by the
 * kernel and by tools that relink it in a captured tree without rewriting uevent. */
static void read_driver(const struct dirset *s, struct pt_device *d)
{
	char link[512];

	d->driver[0] = '\0';
	if (has(s, "driver") && pt_readlink_at(dirset_fd(s), link, sizeof(link), "driver") >= 0)
		pt_strlcpy(d->driver, basename_of(link), sizeof(d->driver));
}

static void read_link(const struct dirset *s, struct pt_link *l, const struct pt_link *cfg)
{
	char buf[64];

	l->max_speed_mts = l->speed_mts = l->max_width = l->width = -1;
	if (has(s, "max_link_speed"))
		l->max_speed_mts = cfg ? cfg->max_speed_mts :
			read_listed(s, "max_link_speed", buf, sizeof(buf)) >= 0 ?
			pt_parse_link_speed(buf) : -1;
	if (has(s, "current_link_speed"))
		l->speed_mts = cfg ? cfg->speed_mts :
			read_listed(s, "current_link_speed", buf, sizeof(buf)) >= 0 ?
			pt_parse_link_speed(buf) : -1;
	if (has(s, "max_link_width"))
		l->max_width = cfg ? cfg->max_width :
			read_listed(s, "max_link_width", buf, sizeof(buf)) >= 0 ?
			pt_parse_link_width(buf) : -1;
	if (has(s, "current_link_width"))
		l->width = cfg ? cfg->width :
			read_listed(s, "current_link_width", buf, sizeof(buf)) >= 0 ?
			pt_parse_link_width(buf) : -1;
	judge_link(l);
}

/* Reads one function. Returns 0, -ENOENT when it vanished, or another -errno. */
/* bus: the open /sys/bus/pci/devices; groups: the entries of /sys/kernel/iommu_groups. */
/* ---- a scoped scan's netdevs and disks: found under the functions it reads ------------ */

/* Names a scoped scan looks up in /sys/class/net and /sys/class/block instead of
 * listing them (one link per netdev and disk of the host): the class devices found in
 * the subtrees of the functions it read. The full scan's rule then decides each name
 * (attach_netdevs, attach_block_one), so a name found here that the full scan would
 * not attach is not attached either; what must hold is that every name the full scan
 * attaches to a function read is found here: its class directory sits below the
 * function's own (the class link's last BDF is the function's), as the kernel lays
 * them out: BDF/net/X, BDF/virtioN/net/X, BDF/.../block/X, BDF/nvme/nvmeN/nvmeNnM;
 * a native-multipath disk (nvme-subsystem) through its hidden per-path node nvmeScCnH
 * under the controller, whose disk is nvmeSnH. */
struct class_names {
	char **net, **blk;
	size_t n_net, n_blk;
};

static void class_names_free(struct class_names *c)
{
	pt_strv_free(c->net, c->n_net);
	pt_strv_free(c->blk, c->n_blk);
	memset(c, 0, sizeof(*c));
}

#define CLASS_WALK_DEPTH 8 /* BDF/ata1/host0/target0:0:0/0:0:0:0/block/sda is 6 */

static int push_name(char ***v, size_t *n, const char *name)
{
	char *s = strdup(name);

	if (!s || PT_PUSH(*v, *n, s)) {
		free(s);
		return -ENOMEM;
	}
	return 0;
}

/* nvmeScCnH (a path of a multipath namespace) -> nvmeSnH (its disk); false otherwise */
static bool nvme_head_of_path(const char *name, char *out, size_t len)
{
	const char *p = name + 4, *c, *n;

	if (strncmp(name, "nvme", 4) != 0 || !(c = strchr(p, 'c')) || c == p ||
	    strspn(p, "0123456789") != (size_t)(c - p))
		return false;
	n = c + 1 + strspn(c + 1, "0123456789");
	if (n == c + 1 || *n != 'n' || !n[1] || strspn(n + 1, "0123456789") != strlen(n + 1))
		return false;
	return (size_t)snprintf(out, len, "%.*s%s", (int)(c - name), name, n) < len;
}

static int push_blk(struct class_names *c, const char *name)
{
	char head[64];

	if (nvme_head_of_path(name, head, sizeof(head)) && push_name(&c->blk, &c->n_blk, head) < 0)
		return -ENOMEM;
	return push_name(&c->blk, &c->n_blk, name);
}

static bool listed_dir(const struct dirset *s, size_t i)
{
	unsigned char t = dirset_type(s, i);
	struct stat st;

	if (t != DT_UNKNOWN)
		return t == DT_DIR;
	return fstatat(dirset_fd(s), s->names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* kind: 0 a directory, 1 an "nvme" class directory (its entries are controllers), 2 a
 * controller (its nvme* directories are disks). Never follows a link; never enters
 * another function (a BDF directory: its class devices are its own). */
static int collect_class_names(const struct dirset *s, int kind, int depth, struct class_names *c)
{
	int r = 0;

	for (size_t i = 0; i < s->n && !r; i++) {
		const char *name = s->names[i];
		struct dirset sub;
		struct pt_bdf b;
		bool net, blk;

		if (!listed_dir(s, i) || pt_bdf_parse(name, &b) == 0)
			continue;
		if (kind == 2 && strncmp(name, "nvme", 4) == 0) {
			r = push_blk(c, name);
			continue;
		}
		net = strcmp(name, "net") == 0;
		blk = strcmp(name, "block") == 0;
		if (!net && !blk && (depth >= CLASS_WALK_DEPTH || strcmp(name, "msi_irqs") == 0 ||
				     strcmp(name, "power") == 0))
			continue;
		if (dirset_read_at(s, &sub, name) < 0)
			continue;
		for (size_t k = 0; (net || blk) && k < sub.n && !r; k++)
			if (listed_dir(&sub, k))
				r = net ? push_name(&c->net, &c->n_net, sub.names[k]) : push_blk(c, sub.names[k]);
		if (!net && !blk)
			r = collect_class_names(&sub, strcmp(name, "nvme") == 0 ? 1 : kind == 1 ? 2 : 0,
						depth + 1, c);
		dirset_free(&sub);
	}
	return r;
}

/* Config space when listed: a "config" the listing calls a FIFO, socket or device is
 * not opened (-EINVAL: the caller clears cfg), one it calls regular is read without
 * asking again. */
static int read_config(const struct dirset *s, uint8_t *cfg, unsigned *sriov_at)
{
	const char *e = dirset_find(s, "config");

	*sriov_at = 0;
	if (!e)
		return 0;
	if (odd_type(name_type(e)))
		return -EINVAL;
	return pt_read_config_at(dirset_fd(s), name_type(e) == DT_REG, cfg, 4096, sriov_at);
}

static int read_device(struct pt_ctx *ctx, struct pt_host *h, struct pt_device *d,
		       const struct dirset *bus, const struct dirset *groups, uint8_t *cfg,
		       struct class_names *cn)
{
	char dir[128], link[512], ubuf[512];
	struct pt_config_sriov sr;
	struct pt_link cfg_link;
	struct pt_uevent u;
	bool cfg_ok, have_link = false, have_sriov = false;
	unsigned sriov_at = 0;
	struct dirset s;
	int r, n, parsed;

	snprintf(dir, sizeof(dir), PT_SYSFS_PCI_DEVICES "/%s", d->name);
	r = dirset_read(ctx, &s, DIRSET_UNSORTED, "%s", dir);
	if (r < 0)
		return r;

	n = read_listed(&s, "uevent", ubuf, sizeof(ubuf));
	if (n < 0 || pt_parse_uevent(ubuf, (size_t)n, &u) < 0)
		pt_parse_uevent("", 0, &u); /* every field unknown: the attributes say */
	read_ids(&s, d, &u);
	if (d->vendor_id < 0 && d->class_code < 0 && !pt_exists(ctx, "%s", dir)) {
		r = -ENOENT; /* vanished between readdir and now */
		goto out;
	}

	n = read_config(&s, cfg, &sriov_at);
	if (n < 0)
		memset(cfg, 0, 4096);
	parsed = pt_config_parse(cfg, n > 0 ? (size_t)n : 0, &d->config);
	cfg_ok = parsed == 0 && n >= 256;
	if (cfg_ok)
		have_link = pt_config_link(cfg, (size_t)n, &cfg_link) == 0;
	if (cfg_ok)
		have_sriov = pt_config_sriov(cfg, (size_t)n, sriov_at, &sr) == 0;

	read_driver(&s, d);
	read_str_attr(&s, "driver_override", d->driver_override,
		      sizeof(d->driver_override));
	d->numa_node = read_int_attr(&s, "numa_node", false);
	if (d->numa_node < -1)
		d->numa_node = -1;
	read_str_attr(&s, "local_cpulist", d->local_cpulist, sizeof(d->local_cpulist));
	if (d->local_cpulist[0] && pt_parse_cpulist(d->local_cpulist, NULL, 0) < 0)
		d->local_cpulist[0] = '\0';
	read_str_attr(&s, "reset_method", d->reset_method, sizeof(d->reset_method));
	d->enabled = read_int_attr(&s, "enable", false);
	read_vfio_dev(d, &s);

	d->iommu_group = -1;
	if (has(&s, "iommu_group") &&
	    pt_readlink_at(dirset_fd(&s), link, sizeof(link), "iommu_group") >= 0) {
		int g = pt_parse_trailing_int(link);
		char gname[16];

		snprintf(gname, sizeof(gname), "%d", g);
		if (g >= 0 && has(groups, gname))
			d->iommu_group = g;
		else if (g >= 0) {
			d->iommu_group_dangling = true;
			warn(h, "%s: iommu_group link points to group %d, which does not exist",
			     d->name, g);
		}
	}

	read_link(&s, &d->link, have_link ? &cfg_link : NULL);

	d->sriov_totalvfs = d->sriov_numvfs = d->sriov_offset = d->sriov_stride = -1;
	d->sriov_vf_device = d->sriov_drivers_autoprobe = -1;
	d->vf_index = -1;
	r = read_sriov(h, d, &s, have_sriov ? &sr : NULL);
	if (r < 0)
		goto out;
	r = read_msi_irqs(d, &s);
	if (r < 0)
		goto out;
	d->aer.correctable = read_aer(&s, "aer_dev_correctable");
	d->aer.nonfatal = read_aer(&s, "aer_dev_nonfatal");
	d->aer.fatal = read_aer(&s, "aer_dev_fatal");

	if (parsed == -ENODEV)
		warn(h, "%s: config space reads all-ones (device gone or powered off)", d->name);
	if (n == -EINVAL)
		warn(h, "%s/%s/config is not a regular file: not read", PT_SYSFS_PCI_DEVICES, d->name);
	else if (n <= 0 && has(&s, "config"))
		warn(h, "%s: config space unreadable", d->name);

	warn_odd_entries(h, d, &s);

	if (pt_readlink_at(dirset_fd(bus), link, sizeof(link), d->name) >= 0)
		parse_topology(d, link);
	pt_lookup_names(ctx, d);
	r = cn ? collect_class_names(&s, 0, 0, cn) : 0;
out:
	dirset_free(&s);
	return r;
}

static int dev_cmp(const void *a, const void *b)
{
	return pt_bdf_cmp(&((const struct pt_device *)a)->bdf, &((const struct pt_device *)b)->bdf);
}

struct pt_device *pt_host_find(const struct pt_host *h, const struct pt_bdf *bdf)
{
	struct pt_device key = { .bdf = *bdf };

	if (!h->n_devs)
		return NULL;
	return bsearch(&key, h->devs, h->n_devs, sizeof(*h->devs), dev_cmp);
}

/* The last BDF component of a class link target: the PCI device the node sits on. */
static bool last_bdf(const char *target, struct pt_bdf *out)
{
	bool found = false;
	const char *p = target;

	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct pt_bdf b;

		if (len < PT_BDF_STRLEN && pt_bdf_scan(p, &b) == len) {
			*out = b;
			found = true;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return found;
}

static int attach_name(char ***v, size_t *n, const char *name)
{
	char *s = strdup(name);

	if (!s || PT_PUSH(*v, *n, s)) {
		free(s);
		return -ENOMEM;
	}
	return 0;
}

/* Netdev name of the class directory dirfd to the function its link's last BDF names. */
static int attach_netdev_one(struct pt_host *h, int dirfd, const char *name)
{
	struct pt_device *d;
	struct pt_bdf b;
	char link[512];

	if (pt_readlink_at(dirfd, link, sizeof(link), name) < 0 || !last_bdf(link, &b) ||
	    !(d = pt_host_find(h, &b)))
		return 0;
	return attach_name(&d->netdevs, &d->n_netdevs, name);
}

static int attach_netdevs(struct pt_ctx *ctx, struct pt_host *h)
{
	struct dirset s;
	int r = 0;

	if (dirset_read(ctx, &s, DIRSET_SORTED, "%s", "/sys/class/net") < 0)
		return 0;
	for (size_t i = 0; i < s.n && !r; i++)
		r = attach_netdev_one(h, dirset_fd(&s), s.names[i]);
	dirset_free(&s);
	return r;
}

/* nvme controllers (nvme0 -> PCI function) for namespaces of native multipath,
 * which live under /sys/devices/virtual/nvme-subsystem/ instead of the function. */
static void attach_subsys_disk(struct pt_ctx *ctx, struct pt_host *h, const char *disk,
			       const char *target)
{
	/* ".../nvme-subsystem/nvme-subsys1/nvme1n1": the subsystem is the disk's parent;
	 * the first "nvme-subsys" in the path is the class directory "nvme-subsystem" */
	const char *p = strstr(target, "/nvme-subsystem/");
	char subsys[64], link[512];
	struct dirset ctrls;
	size_t len;

	if (!p)
		return;
	p += strlen("/nvme-subsystem/");
	len = strcspn(p, "/");
	if (strncmp(p, "nvme-subsys", 11) != 0)
		return;
	if (len >= sizeof(subsys))
		return;
	memcpy(subsys, p, len);
	subsys[len] = '\0';
	{
		if (dirset_read(ctx, &ctrls, DIRSET_SORTED, "/sys/class/nvme-subsystem/%s", subsys) < 0)
			return;
	}
	for (size_t i = 0; i < ctrls.n; i++) {
		struct pt_device *d;
		struct pt_bdf b;
		const char *c = ctrls.names[i];

		if (strncmp(c, "nvme", 4) != 0 || !c[4] || strspn(c + 4, "0123456789") != strlen(c + 4))
			continue; /* controllers only: "nvme0", not "nvme0n1" */
		if (pt_readlink(ctx, link, sizeof(link), "/sys/class/nvme/%s", c) < 0 ||
		    !last_bdf(link, &b) || !(d = pt_host_find(h, &b)))
			continue;
		attach_name(&d->blockdevs, &d->n_blockdevs, disk);
	}
	dirset_free(&ctrls);
}

/* Disk name of /sys/class/block to its function: not a partition, not a hidden
 * per-path node, the function its link's last BDF names, else (native multipath) the
 * functions of its nvme-subsystem's controllers. */
static int attach_block_one(struct pt_ctx *ctx, struct pt_host *h, const char *name)
{
	struct pt_device *d;
	struct pt_bdf b;
	char link[512], hidden[8];

	if (pt_exists(ctx, "/sys/class/block/%s/partition", name))
		return 0;
	/* per-path nodes of native multipath (nvme1c2n1) are hidden disks */
	if (pt_read_attr(ctx, hidden, sizeof(hidden), "/sys/class/block/%s/hidden", name) > 0 &&
	    strcmp(hidden, "1") == 0)
		return 0;
	if (pt_readlink(ctx, link, sizeof(link), "/sys/class/block/%s", name) < 0)
		return 0;
	if (!last_bdf(link, &b)) {
		attach_subsys_disk(ctx, h, name, link);
		return 0;
	}
	if (!(d = pt_host_find(h, &b)))
		return 0;
	return attach_name(&d->blockdevs, &d->n_blockdevs, name);
}

static int attach_blockdevs(struct pt_ctx *ctx, struct pt_host *h)
{
	struct dirset s;
	int r = 0;

	if (dirset_read(ctx, &s, DIRSET_SORTED, "%s", "/sys/class/block") < 0)
		return 0;
	for (size_t i = 0; i < s.n && !r; i++)
		r = attach_block_one(ctx, h, s.names[i]);
	dirset_free(&s);
	return r;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts v and drops repeats: the order the class directory's listing has. */
static void sort_unique(char **v, size_t *n)
{
	size_t k = 0;

	if (*n)
		qsort(v, *n, sizeof(*v), strp_cmp);
	for (size_t i = 0; i < *n; i++) {
		if (k && strcmp(v[k - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	*n = k;
}

/* A scoped scan's netdevs and disks: the names found under its functions, each decided
 * as the full scan decides it, in the full scan's order (the listing's, sorted). */
static int attach_scoped(struct pt_ctx *ctx, struct pt_host *h, struct class_names *c)
{
	int fd, r = 0;

	sort_unique(c->net, &c->n_net);
	sort_unique(c->blk, &c->n_blk);
	if (c->n_net && (fd = pt_open_rel(ctx, "/sys/class/net", O_RDONLY | O_DIRECTORY, 0)) >= 0) {
		for (size_t i = 0; i < c->n_net && !r; i++)
			r = attach_netdev_one(h, fd, c->net[i]);
		close(fd);
	}
	for (size_t i = 0; i < c->n_blk && !r; i++)
		r = attach_block_one(ctx, h, c->blk[i]);
	return r;
}

struct group_ref {
	int id;
	size_t dev; /* index in h->devs */
};

static int group_ref_cmp(const void *a, const void *b)
{
	const struct group_ref *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->dev > y->dev) - (x->dev < y->dev);
}

/* The groups of the functions read, sorted by number, each with its members in the
 * functions' (BDF) order: one sort of (group, function) pairs. It was a search of the
 * groups built so far for every function: quadratic, 14 % of a 4,000-function list. */
static int build_groups(struct pt_host *h)
{
	struct group_ref *refs = NULL;
	size_t n = 0;
	int r = -ENOMEM;

	for (size_t i = 0; i < h->n_devs; i++)
		if (h->devs[i].iommu_group >= 0 &&
		    PT_PUSH(refs, n, ((struct group_ref){ h->devs[i].iommu_group, i })))
			goto out;
	if (n > 1)
		qsort(refs, n, sizeof(*refs), group_ref_cmp);
	for (size_t i = 0; i < n;) {
		struct pt_iommu_group g = { .id = refs[i].id };
		size_t end = i;

		while (end < n && refs[end].id == g.id)
			end++;
		g.members = calloc(end - i, sizeof(*g.members));
		if (!g.members)
			goto out;
		for (; i < end; i++)
			g.members[g.n_members++] = h->devs[refs[i].dev].bdf;
		if (PT_PUSH(h->groups, h->n_groups, g)) {
			free(g.members);
			goto out;
		}
	}
	r = 0;
out:
	free(refs);
	return r;
}

/* VF index: the N of the PF's virtfnN link that names this VF (the last such link,
 * when two name it). From each PF's links to its VFs: n log n, not VFs squared. */
static void link_vfs(struct pt_host *h)
{
	for (size_t i = 0; i < h->n_devs; i++) {
		struct pt_device *pf = &h->devs[i];

		for (size_t k = 0; pf->vf_numbers && k < pf->n_vfs; k++) {
			struct pt_device *vf = pt_host_find(h, &pf->vfs[k]);

			if (vf && vf->has_physfn && pt_bdf_eq(&vf->physfn, &pf->bdf))
				vf->vf_index = pf->vf_numbers[k];
		}
	}
}

/* A sysroot without a PCI bus is a mistake, not an empty host (an empty inventory
 * would judge "drain the node"): says so, and names the one subdirectory that would
 * be a sysroot, when there is exactly one (--sysroot given one level too high). */
static int not_a_sysroot(struct pt_ctx *ctx)
{
	char hint[512] = "";
	size_t found = 0;
	struct dirent *e;
	DIR *dir = pt_opendir(ctx, "/");

	while (dir && (e = readdir(dir))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) > 200)
			continue;
		if (pt_exists(ctx, "/%s" PT_SYSFS_PCI_DEVICES, e->d_name) && found++ == 0)
			snprintf(hint, sizeof(hint), "; did you mean %s/%s?", ctx->sysroot,
				 e->d_name);
	}
	if (dir)
		closedir(dir);
	if (found != 1)
		hint[0] = '\0';
	return pt_err(ctx, -ENOENT, "not a sysroot: %s has no sys/bus/pci/devices%s", ctx->sysroot,
		      hint);
}

/* A scan in progress (internal.h): the host being built, the bus directory and the
 * IOMMU groups read once, and the config-space buffer every function reuses. */
struct pt_scan {
	struct pt_ctx *ctx;
	struct pt_host *h;
	struct dirset bus, groups;
	uint8_t *cfg;
	struct class_names cn; /* scoped: the netdevs and disks below the functions read */
	size_t cap;            /* room in h->devs */
};

/* The groups the host has, host-wide whatever the scan reads: the numeric entries of
 * /sys/kernel/iommu_groups, sorted. */
static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static int list_group_ids(struct pt_host *h, const struct dirset *groups)
{
	for (size_t i = 0; i < groups->n; i++) {
		long v;

		if (pt_parse_long(groups->names[i], &v) < 0 || v < 0 || v > 1 << 30)
			continue;
		if (PT_PUSH(h->group_ids, h->n_group_ids, (int)v))
			return -ENOMEM;
	}
	if (h->n_group_ids)
		qsort(h->group_ids, h->n_group_ids, sizeof(int), int_cmp);
	return 0;
}

void pt_scan_abort(struct pt_scan *sc)
{
	if (!sc)
		return;
	dirset_free(&sc->groups);
	dirset_free(&sc->bus);
	class_names_free(&sc->cn);
	free(sc->cfg);
	pt_host_free(sc->h);
	free(sc);
}

int pt_scan_begin(struct pt_ctx *ctx, bool scoped, struct pt_scan **out)
{
	struct pt_scan *sc = calloc(1, sizeof(*sc));
	int r;

	*out = NULL;
	if (!sc)
		return -ENOMEM;
	sc->ctx = ctx;
	dirset_init(&sc->bus);
	dirset_init(&sc->groups);
	sc->h = calloc(1, sizeof(*sc->h));
	sc->cfg = malloc(4096);
	if (!sc->h || !sc->cfg) {
		r = -ENOMEM;
		goto fail;
	}
	sc->h->scoped = scoped;
	/* a scoped scan asks the bus directory for the names it reads (one lookup each),
	 * not for its listing: one entry per function of the host */
	if (scoped) {
		sc->bus.fd = pt_open_rel(ctx, PT_SYSFS_PCI_DEVICES, O_RDONLY | O_DIRECTORY, 0);
		r = sc->bus.fd < 0 ? sc->bus.fd : 0;
	} else {
		r = dirset_read(ctx, &sc->bus, DIRSET_SORTED, "%s", PT_SYSFS_PCI_DEVICES);
	}
	if (r == -ENOENT && ctx->sysroot[0]) {
		r = not_a_sysroot(ctx);
		goto fail;
	}
	if (r < 0 && r != -ENOENT) {
		char p[4096];

		pt_path(ctx, p, sizeof(p), PT_SYSFS_PCI_DEVICES);
		r = pt_err(ctx, r, "cannot read %s: %s", p, strerror(-r));
		goto fail;
	}
	if (r == -ENOENT)
		warn(sc->h, "no PCI bus: %s absent", PT_SYSFS_PCI_DEVICES);
	/* which groups exist, read once (absent: every iommu_group link dangles) */
	dirset_read(ctx, &sc->groups, DIRSET_UNSORTED, "%s", "/sys/kernel/iommu_groups");
	r = -ENOMEM;
	if (list_group_ids(sc->h, &sc->groups) < 0)
		goto fail;
	sc->cap = scoped ? 8 : sc->bus.n ? sc->bus.n : 1;
	sc->h->devs = calloc(sc->cap, sizeof(*sc->h->devs));
	if (!sc->h->devs)
		goto fail;
	*out = sc;
	return 0;
fail:
	pt_scan_abort(sc);
	return r;
}

bool pt_scan_listed(const struct pt_scan *sc, const char *name)
{
	struct stat st;

	if (!sc->h->scoped)
		return has(&sc->bus, name);
	return sc->bus.fd >= 0 && name[0] && name[0] != '.' && !strchr(name, '/') &&
	       fstatat(sc->bus.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Room for one more function: a scoped scan's array grows (zeroed, as calloc's). */
static int scan_room(struct pt_scan *sc)
{
	struct pt_device *nd;

	if (sc->h->n_devs < sc->cap)
		return 0;
	if (!sc->h->scoped)
		return -ENOSPC;
	nd = realloc(sc->h->devs, 2 * sc->cap * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	memset(nd + sc->cap, 0, sc->cap * sizeof(*nd));
	sc->h->devs = nd;
	sc->cap *= 2;
	return 0;
}

struct pt_host *pt_scan_host(const struct pt_scan *sc)
{
	return sc->h;
}

int pt_scan_read(struct pt_scan *sc, const char *name)
{
	struct pt_host *h = sc->h;
	struct pt_device *d;
	int r;

	if (!pt_scan_listed(sc, name))
		return 0;
	r = scan_room(sc);
	if (r == -ENOMEM)
		return pt_err(sc->ctx, r, "out of memory reading %s", name);
	if (r < 0)
		return 0;
	h = sc->h;
	d = &h->devs[h->n_devs];
	if (pt_bdf_parse(name, &d->bdf) < 0) {
		warn(h, "%s/%s: not a PCI address, ignored", PT_SYSFS_PCI_DEVICES, name);
		return 0;
	}
	pt_strlcpy(d->name, name, sizeof(d->name));
	r = read_device(sc->ctx, h, d, &sc->bus, &sc->groups, sc->cfg, h->scoped ? &sc->cn : NULL);
	if (r == -ENOTDIR || r == -ELOOP) {
		warn(h, "%s/%s: %s, ignored", PT_SYSFS_PCI_DEVICES, name,
		     r == -ENOTDIR ? "not a directory nor a link to one" : "a link loop");
		memset(d, 0, sizeof(*d));
		return 0;
	}
	if (r == -ENOENT) {
		warn(h, "%s: vanished during the scan", name);
		free(d->vfs);
		free(d->vf_numbers);
		free(d->msi_irqs);
		free(d->path);
		memset(d, 0, sizeof(*d));
		return 0;
	}
	if (r < 0)
		return pt_err(sc->ctx, r, "cannot read %s%s/%s: %s", sc->ctx->sysroot,
			      PT_SYSFS_PCI_DEVICES, name, strerror(-r));
	h->n_devs++;
	return 1;
}

static bool devs_sorted(const struct pt_host *h)
{
	for (size_t i = 1; i < h->n_devs; i++)
		if (pt_bdf_cmp(&h->devs[i - 1].bdf, &h->devs[i].bdf) > 0)
			return false;
	return true;
}

int pt_scan_end(struct pt_scan *sc, struct pt_host **out)
{
	struct pt_host *h = sc->h;
	int r;

	*out = NULL;
	if (!devs_sorted(h)) /* read in the bus listing's order, which is BDF order unless
			       * domains differ in width ("10000:" sorts before "ffff:") */
		qsort(h->devs, h->n_devs, sizeof(*h->devs), dev_cmp);
	link_vfs(h);
	if (h->scoped) {
		r = attach_scoped(sc->ctx, h, &sc->cn);
	} else {
		r = attach_netdevs(sc->ctx, h);
		if (!r)
			r = attach_blockdevs(sc->ctx, h);
	}
	if (!r)
		r = build_groups(h);
	if (!r)
		r = pt_host_scan_host(sc->ctx, h);
	if (r < 0) {
		pt_scan_abort(sc);
		return r;
	}
	sc->h = NULL;
	pt_scan_abort(sc);
	*out = h;
	return 0;
}

int pt_host_scan(struct pt_ctx *ctx, struct pt_host **out)
{
	struct pt_scan *sc;
	int r;

	*out = NULL;
	r = pt_scan_begin(ctx, false, &sc);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sc->bus.n; i++) {
		r = pt_scan_read(sc, sc->bus.names[i]);
		if (r < 0) {
			pt_scan_abort(sc);
			return r;
		}
	}
	return pt_scan_end(sc, out);
}

void pt_host_free(struct pt_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_devs; i++) {
		struct pt_device *d = &h->devs[i];

		free(d->vfs);
		free(d->vf_numbers);
		free(d->msi_irqs);
		free(d->path);
		pt_strv_free(d->netdevs, d->n_netdevs);
		pt_strv_free(d->blockdevs, d->n_blockdevs);
	}
	free(h->devs);
	for (size_t i = 0; i < h->n_groups; i++)
		free(h->groups[i].members);
	free(h->groups);
	free(h->group_ids);
	free(h->nodes);
	pt_strv_free(h->iommu_units, h->n_iommu_units);
	free(h->cmdline);
	pt_strv_free(h->warnings, h->n_warnings);
	free(h);
}

struct pt_device *pt_host_lookup(const struct pt_host *h, const char *dev)
{
	struct pt_bdf b;

	if (pt_bdf_parse(dev, &b) == 0) {
		struct pt_device *d = pt_host_find(h, &b);

		if (d)
			return d;
	}
	for (size_t i = 0; i < h->n_devs; i++)
		for (size_t k = 0; k < h->devs[i].n_netdevs; k++)
			if (strcmp(h->devs[i].netdevs[k], dev) == 0)
				return &h->devs[i];
	return NULL;
}
