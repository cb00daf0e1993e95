// SPDX-License-Identifier: MIT
/*
 * libpci access for a context: created on first need with the sysroot's
 * /sys/bus/pci as its sysfs path, silenced (a library never prints), and released
 * by pt_ctx_free() through the hook it leaves in the context. Reads config space
 * (decoded by lib/config-space.c) and pci.ids names. The only file that calls libpci.
 */
#include "internal.h"
#include "sysfs-paths.h"

#include <errno.h>
#include <pci/pci.h>

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
	char path[4096];
	struct pci_access *a;

	if (ctx->pacc || ctx->pacc_failed)
		return ctx->pacc;
	if (pt_path(ctx, path, sizeof(path), PT_SYSFS_PCI) < 0) {
		ctx->pacc_failed = 1;
		return NULL;
	}
	a = pci_alloc();
	if (!a) {
		ctx->pacc_failed = 1;
		return NULL;
	}
	a->error = pci_fatal;
	a->warning = pci_silent;
	a->debug = pci_silent;
	a->method = PCI_ACCESS_SYS_BUS_PCI;
	if (pci_set_param(a, "sysfs.path", path) < 0) {
		pci_cleanup(a);
		ctx->pacc_failed = 1;
		return NULL;
	}
	pci_init(a);
	ctx->pacc = a;
	ctx->pacc_free = pci_cleanup; /* pt_ctx_free() calls it, knowing nothing of libpci */
	return a;
}

/*
 * Reads what can be read of a function's config space into buf (len >= 4096,
 * zeroed here). The first 256 bytes come in one read; of the extended space only
 * the capability headers and the ACS registers are read, following the chain,
 * which is what real hardware makes cheap. Returns the readable length (0, 64,
 * 256 or 4096) or a negative errno.
 */
int pt_read_config(struct pt_ctx *ctx, const struct pt_bdf *bdf, uint8_t *buf, size_t len)
{
	struct pci_access *a = pt_ctx_pci(ctx);
	struct pci_dev *d;
	int got = 0;

	if (len < 4096)
		return -EINVAL;
	memset(buf, 0, len);
	if (!a)
		return -ENODEV;
	d = pci_get_dev(a, (int)bdf->domain, bdf->bus, bdf->dev, bdf->fn);
	if (!d)
		return -ENOMEM;
	if (pci_read_block(d, 0, buf, 256))
		got = 256;
	else if (pci_read_block(d, 0, buf, 64))
		got = 64;
	if (got == 256) {
		unsigned ptr = 0x100;
		uint8_t hdr[8];
		int guard;

		for (guard = 0; guard < 480 && ptr >= 0x100 && ptr + 8 <= 4096; guard++) {
			uint32_t h;

			if (!pci_read_block(d, (int)ptr, hdr, 8))
				break;
			memcpy(buf + ptr, hdr, 8);
			got = 4096;
			h = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
			    (uint32_t)hdr[3] << 24;
			if (h == 0 || h == 0xffffffff)
				break;
			ptr = (h >> 20) & 0xffc;
		}
	}
	pci_free_dev(d);
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
