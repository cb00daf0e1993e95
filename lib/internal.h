/* SPDX-License-Identifier: MIT */
/* Library internals shared between lib/ files; not installed. */
#ifndef PT_INTERNAL_H
#define PT_INTERNAL_H

#include "passthru/passthru.h"
#include <stdlib.h>
#include <string.h>

struct pci_access;

struct pt_ctx {
	char *sysroot;          /* never ends in '/', "" for "/" */
	char err[1024];
	unsigned long writes;
	struct pci_access *pacc; /* created on first need (config space, names) */
	void (*pacc_free)(struct pci_access *); /* set with pacc by lib/pci-access.c */
	int pacc_failed;
	/* write-failure injection for rollback tests (PASSTHRU_FAIL_WRITE) */
	char *fail_match;
	long fail_nth;
	long fail_seen;
};

/* Growable arrays without ceremony: PT_PUSH(arr, n, item) returns -ENOMEM or 0. */
int pt_grow(void **arr, size_t n, size_t elem);
#define PT_PUSH(arr, n, item) \
	(pt_grow((void **)&(arr), (n), sizeof(*(arr))) ? -ENOMEM : ((arr)[(n)++] = (item), 0))

/* Counts a write to kernel state that is not a file write (an rtnetlink SETLINK, named
 * by a pseudo-path such as "netlink:eth0:vf3:mac") and applies PASSTHRU_FAIL_WRITE to
 * it: returns -EIO with the error set when the test asked this write to fail, else 0. */
int pt_write_count(struct pt_ctx *ctx, const char *what);

char *pt_strdup_or_null(const char *s);
void pt_strlcpy(char *dst, const char *src, size_t len);
void pt_strv_free(char **v, size_t n);

/* Readers relative to a directory opened through the seam (pt_path + opendir): same
 * contract as pt_read_attr() / pt_readlink(), without a path walk per file. */
int pt_read_attr_at(int dirfd, char *buf, size_t len, const char *name);
int pt_readlink_at(int dirfd, char *buf, size_t len, const char *name);

/* libpci access for this context (lib/pci-access.c: config space reads, pci.ids names). */
struct pci_access *pt_ctx_pci(struct pt_ctx *ctx);
int pt_read_config(struct pt_ctx *ctx, const struct pt_bdf *bdf, uint8_t *buf, size_t len);
void pt_lookup_names(struct pt_ctx *ctx, struct pt_device *d);

/* Host-wide facts of a scan (lib/host.c): NUMA nodes, hugepages, IOMMUs, cmdline. */
int pt_host_scan_host(struct pt_ctx *ctx, struct pt_host *h);

#endif
