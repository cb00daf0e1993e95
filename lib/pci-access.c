// SPDX-License-Identifier: MIT
/*
 * PCI access for a context: config space, read through the sysroot seam (decoded by
 * lib/config-space.c), and pci.ids names through libpci, created on first need,
 * silenced (a library never prints), and released by pt_ctx_free() through the hook
 * it leaves in the context. The only file that calls libpci. libpci is never given a
 * sysroot path: it would follow links out of the tree, open a FIFO "config" without
 * O_NONBLOCK and hang, and abort() on a path of ~1,000 characters.
 */
#include "internal.h"
#include "sysfs-paths.h"

#include <errno.h>
#include <fcntl.h>
#include <pci/pci.h>
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
 * 0 when it was not. Returns the readable length (0, 64, 256 or 4096), -EINVAL when
 * "config" is not a regular file (a FIFO, a device: never read), or another negative
 * errno.
 */
int pt_read_config_at(int dirfd, uint8_t *buf, size_t len, unsigned *sriov_at)
{
	int fd, got = 0;

	*sriov_at = 0;
	if (len < 4096)
		return -EINVAL;
	memset(buf, 0, len);
	fd = pt_fd_regular(pt_fd_or_errno(openat(dirfd, "config", O_RDONLY | O_NONBLOCK |
						 O_NOCTTY | O_NOFOLLOW | O_CLOEXEC)));
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

void pt_lookup_names(struct pt_ctx *ctx, struct pt_device *dv)
{
	const int fl = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;
	struct pci_access *a = pt_ctx_pci(ctx);
	char buf[256];
	char *s;

	if (!a)
		return;
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
