// SPDX-License-Identifier: MIT
/*
 * PCI access for a context: config space, read through the sysroot seam (decoded by
 * lib/config-space.c), and pci.ids names, read on the first name asked for and
 * indexed by lib/pci-ids.c (one pass, no entry allocated: a fraction of libpci's
 * loading, which was a fixed ~20 ms of every command). libpci is still what says
 * which file to read, and reads it itself when it is compressed; created on first
 * need, silenced (a library never prints), and released by pt_ctx_free() through the
 * hook it leaves in the context. The only file that calls libpci. libpci is never
 * given a sysroot path: it would follow links out of the tree, open a FIFO "config"
 * without O_NONBLOCK and hang, and abort() on a path of ~1,000 characters.
 */
#include "internal.h"
#include "sysfs-paths.h"

#include <errno.h>
#include <fcntl.h>
#include <pci/pci.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void pci_silent(char *msg, ...)
{
	(void)msg;
}

/* libpci's error hook must not return; nothing we call reaches it with an explicit
 * access method and pci_get_dev(), but if a future libpci does, fail loudly rather
 * than print from a library. */
static void __attribute__((noreturn)) pci_fatal(char *msg, ...)
{
	(void)msg;
	abort();
}

struct pci_access *pt_ctx_pci(struct pt_ctx *ctx)
{
	struct pci_access *a;

	if (ctx->pacc || ctx->pacc_failed)
		return ctx->pacc;
	a = pci_alloc();
	if (!a) {
		ctx->pacc_failed = 1;
		return NULL;
	}
	a->error = pci_fatal;
	a->warning = pci_silent;
	a->debug = pci_silent;
	a->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_init(a); /* names only: no device is read through it */
	ctx->pacc = a;
	ctx->pacc_free = pci_cleanup; /* pt_ctx_free() calls it, knowing nothing of libpci */
	return a;
}

/* One block at pos, whole or not at all (as libpci's sysfs access reads it). */
static bool read_block(int fd, uint8_t *buf, size_t len, off_t pos)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, pos);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len;
}

/*
 * Reads what can be read of a function's config space from the "config" file of its
 * sysfs directory dirfd (opened through the seam) into buf (len >= 4096, zeroed
 * here). The first 256 bytes come in one read; of the extended space only the
 * capability headers are read, following the chain, which is what real hardware makes
 * cheap, and the SR-IOV capability whole (its counts, offset and stride: one read
 * instead of four attribute files); *sriov_at is where that capability was read whole,
 * 0 when it was not. listed_regular: the directory's listing said "config" is a
 * regular file (d_type), so no fstat() asks again (O_NONBLOCK still keeps a FIFO
 * swapped in since from blocking, and pread() refuses it). Returns the readable length
 * (0, 64, 256 or 4096), -EINVAL when "config" is not a regular file (a FIFO, a device:
 * never read), or another negative errno.
 */
int pt_read_config_at(int dirfd, bool listed_regular, uint8_t *buf, size_t len, unsigned *sriov_at)
{
	int fd, got = 0;

	*sriov_at = 0;
	if (len < 4096)
		return -EINVAL;
	memset(buf, 0, len);
	fd = pt_fd_or_errno(openat(dirfd, "config", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW |
				   O_CLOEXEC));
	if (!listed_regular)
		fd = pt_fd_regular(fd);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	if (read_block(fd, buf, 256, 0))
		got = 256;
	else if (read_block(fd, buf, 64, 0))
		got = 64;
	if (got == 256) {
		unsigned ptr = 0x100;
		uint8_t hdr[8];
		int guard;

		for (guard = 0; guard < 480 && ptr >= 0x100 && ptr + 8 <= 4096; guard++) {
			uint32_t h;

			if (!read_block(fd, hdr, 8, ptr))
				break;
			memcpy(buf + ptr, hdr, 8);
			got = 4096;
			h = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
			    (uint32_t)hdr[3] << 24;
			if (h == 0 || h == 0xffffffff)
				break;
			if ((h & 0xffff) == 0x0010 && !*sriov_at && ptr + 0x40 <= 4096 &&
			    read_block(fd, buf + ptr, 0x40, ptr))
				*sriov_at = ptr; /* SR-IOV, read whole */
			ptr = (h >> 20) & 0xffc;
		}
	}
	close(fd);
	return got;
}

/* The names database of a context: pci.ids indexed by lib/pci-ids.c, or libpci's own
 * loader when the file cannot be read whole (a compressed pci.ids.gz). The last name of
 * each kind is kept: functions come sorted, and a PF's VFs share their IDs. */
struct pt_names {
	bool use_libpci;
	char *buf;     /* pci.ids, mapped */
	size_t len;
	struct pt_ids ids;
	int vendor, cls;         /* the keys of the cached names; -1 none */
	int vendor_r, cls_r;     /* their lookups' results */
	char vendor_name[128], class_name[96];
	struct {                 /* the last devices named, round robin: a host has few */
		long key;        /* vendor << 16 | device, -1 none */
		int r;           /* the lookup's result */
		char name[192];
	} dev[8];
	unsigned dev_next;
};

static void names_free(struct pt_names *n)
{
	pt_ids_free(&n->ids);
	if (n->buf)
		munmap(n->buf, n->len);
	free(n);
}

/* Maps path (a regular file of at most 64 MiB) read-only. */
static int map_file(const char *path, char **out, size_t *outlen)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > (64 << 20)) {
		close(fd);
		return -EINVAL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -errno;
	*out = m;
	*outlen = (size_t)st.st_size;
	return 0;
}

static struct pt_names *names_db(struct pt_ctx *ctx)
{
	char path[4096] = "";
	struct pci_access *a;
	struct pt_names *n;
	size_t plen;

	if (ctx->names)
		return ctx->names;
	a = pt_ctx_pci(ctx);
	if (!a || !(n = calloc(1, sizeof(*n))))
		return NULL;
	n->vendor = n->cls = -1;
	for (unsigned k = 0; k < 8; k++)
		n->dev[k].key = -1;
	/* libpci built with zlib names pci.ids.gz, and reads pci.ids when that is absent
	 * (names-parse.c); a compressed file stays libpci's to read */
	plen = a->id_file_name ? strlen(a->id_file_name) : 0;
	if (plen > 3 && plen < sizeof(path) && strcmp(a->id_file_name + plen - 3, ".gz") == 0 &&
	    access(a->id_file_name, F_OK) < 0) {
		memcpy(path, a->id_file_name, plen - 3);
		path[plen - 3] = '\0';
	} else if (plen < sizeof(path) && !(plen > 3 && strcmp(a->id_file_name + plen - 3, ".gz") == 0)) {
		memcpy(path, a->id_file_name ? a->id_file_name : "", plen + 1);
	}
	if (!path[0] || map_file(path, &n->buf, &n->len) < 0)
		n->use_libpci = true;
	else if (pt_ids_index(&n->ids, n->buf, n->len) < 0)
		n->use_libpci = true;
	else /* the index is built: the pages are read again only for the names asked for,
	      * and do not stay in the resident set (the peak of a 4,000-function list) */
		madvise(n->buf, n->len, MADV_DONTNEED);
	ctx->names = n;
	ctx->names_free = names_free;
	return n;
}

static void lookup_libpci(struct pci_access *a, struct pt_device *dv)
{
	const int fl = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;
	char buf[256];
	char *s;

	if (dv->vendor_id >= 0) {
		s = pci_lookup_name(a, buf, sizeof(buf), fl | PCI_LOOKUP_VENDOR, dv->vendor_id);
		if (s)
			pt_strlcpy(dv->vendor_name, s, sizeof(dv->vendor_name));
		if (dv->device_id >= 0) {
			s = pci_lookup_name(a, buf, sizeof(buf), fl | PCI_LOOKUP_DEVICE,
					    dv->vendor_id, dv->device_id);
			if (s)
				pt_strlcpy(dv->device_name, s, sizeof(dv->device_name));
		}
	}
	if (dv->class_code >= 0) {
		s = pci_lookup_name(a, buf, sizeof(buf), fl | PCI_LOOKUP_CLASS, dv->class_code >> 8);
		if (s)
			pt_strlcpy(dv->class_name, s, sizeof(dv->class_name));
	}
}

void pt_lookup_names(struct pt_ctx *ctx, struct pt_device *dv)
{
	struct pt_names *n = names_db(ctx);
	char buf[256];

	if (!n)
		return;
	if (n->use_libpci) {
		lookup_libpci(ctx->pacc, dv);
		return;
	}
	if (dv->vendor_id >= 0) {
		if (n->vendor != dv->vendor_id) {
			n->vendor = dv->vendor_id;
			n->vendor_r = pt_ids_vendor(&n->ids, (unsigned)dv->vendor_id, buf, sizeof(buf));
			if (n->vendor_r == 0)
				pt_strlcpy(n->vendor_name, buf, sizeof(n->vendor_name));
		}
		if (n->vendor_r == 0)
			pt_strlcpy(dv->vendor_name, n->vendor_name, sizeof(dv->vendor_name));
		if (dv->device_id >= 0) {
			long key = (long)dv->vendor_id << 16 | dv->device_id;
			unsigned k;

			for (k = 0; k < 8 && n->dev[k].key != key; k++)
				;
			if (k == 8) {
				k = n->dev_next++ % 8;
				n->dev[k].key = key;
				n->dev[k].r = pt_ids_device(&n->ids, (unsigned)dv->vendor_id,
							    (unsigned)dv->device_id, buf, sizeof(buf));
				if (n->dev[k].r == 0)
					pt_strlcpy(n->dev[k].name, buf, sizeof(n->dev[k].name));
			}
			if (n->dev[k].r == 0)
				pt_strlcpy(dv->device_name, n->dev[k].name, sizeof(dv->device_name));
		}
	}
	if (dv->class_code >= 0) {
		if (n->cls != dv->class_code >> 8) {
			n->cls = dv->class_code >> 8;
			n->cls_r = pt_ids_class(&n->ids, (unsigned)n->cls, buf, sizeof(buf));
			if (n->cls_r == 0)
				pt_strlcpy(n->class_name, buf, sizeof(n->class_name));
		}
		if (n->cls_r == 0)
			pt_strlcpy(dv->class_name, n->class_name, sizeof(dv->class_name));
	}
}
