/* SPDX-License-Identifier: MIT */
/* Library internals shared between lib/ files; not installed. */
#ifndef PT_INTERNAL_H
#define PT_INTERNAL_H

#include "passthru/passthru.h"
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

struct pci_access;
struct pt_names;

struct pt_ctx {
	char *sysroot;          /* never ends in '/', "" for "/" */
	int root_fd;            /* the sysroot, opened O_PATH; -1 for "/" */
	bool walk_only;         /* PASSTHRU_RESOLVE=walk: never openat2 (tests the fallback) */
	char err[1024];
	unsigned long writes;
	struct pci_access *pacc; /* created on first need (config space, names) */
	void (*pacc_free)(struct pci_access *); /* set with pacc by lib/pci-access.c */
	int pacc_failed;
	struct pt_names *names;  /* pci.ids, read on the first name asked for */
	void (*names_free)(struct pt_names *); /* set with names by lib/pci-access.c */
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

/* Readers relative to a directory opened through the seam (pt_open_dir): same
 * contract as pt_read_attr() / pt_readlink(), without a path walk per file. name is
 * one component; a link there is not followed (sysfs attributes are regular files). */
int pt_read_attr_at(int dirfd, char *buf, size_t len, const char *name);
int pt_readlink_at(int dirfd, char *buf, size_t len, const char *name);
/* pt_read_attr_at() of a name the directory listing (getdents d_type) showed to be a
 * regular file: the same without the fstat() check, for the inventory's hot loop. */
int pt_read_attr_listed_at(int dirfd, char *buf, size_t len, const char *name);

/* ---- confinement (sysroot.c) ---- */

/* Opens rel, a path under the sysroot ("/sys/..."), resolved inside it; open(2)
 * flags (O_CLOEXEC added). Returns the fd or a negative errno. */
int pt_open_rel(const struct pt_ctx *ctx, const char *rel, int flags, mode_t mode);
/* The same with a formatted path. */
int pt_open_at_root(const struct pt_ctx *ctx, int flags, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A directory under the sysroot, for readdir (NULL and errno set on failure). */
DIR *pt_opendir(const struct pt_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Returns fd if it is a regular file; else closes it and returns -EINVAL (a FIFO,
 * socket or device: never read). A negative fd is passed through. */
int pt_fd_regular(int fd);
/* open(2)'s result as this library returns it: the fd, or a negative errno. */
static inline int pt_fd_or_errno(int fd)
{
	return fd < 0 ? -errno : fd;
}
/* "a FIFO", "a socket", ...: what a non-regular file is, for messages. */
const char *pt_file_kind(mode_t mode);
/* The directory rel under the sysroot ("/etc/passthru/host.d"), every component a
 * real directory: each is opened through the seam (inside the root) without following
 * it, so none may be a symbolic link, not even one whose target stays in the tree.
 * On "/" there is no tree to leave: links there are the administrator's (an
 * /etc/passthru kept elsewhere) and are followed, as the state directory's are.
 * With create, missing components are made (mode). Returns an O_PATH directory fd for
 * the *at() calls, or a negative errno with the offending path in ctx: -ELOOP a link,
 * -ENOTDIR not a directory, -ENOENT missing (without create). */
int pt_open_dir_nolink(struct pt_ctx *ctx, const char *rel, bool create, mode_t mode);
/* pt_hostcfg_load_dropins of the directory rel under the sysroot (lib/oneshot.c): the
 * directory opened with no link on the way (pt_open_dir_nolink), each drop-in a regular
 * file read without following a link. 0 when there is no such directory; -EINVAL with
 * err (file:line), another -errno with the sentence in ctx. */
struct pt_hostcfg;
struct pt_cfg_error;
int pt_hostcfg_load_dropins_sysroot(struct pt_ctx *ctx, const char *rel, struct pt_hostcfg *c,
				    struct pt_cfg_error *err);

/* The path resolver without I/O (walk.c): resolves path from the root one component
 * at a time, ".." never above the root, absolute link targets from the root, at most
 * PT_WALK_MAX_LINKS links. ops->lookup says what a name in the current directory is
 * (PT_WALK_*, the target filled for a link, or -errno); enter descends into a
 * directory, leave goes back up (never called at the root), reset returns to the
 * root. On success last is the final component to open in the current directory
 * ("." for the directory itself), not followed when it is a link and !follow_last. */
enum { PT_WALK_MISSING, PT_WALK_DIR, PT_WALK_LINK, PT_WALK_OTHER };
#define PT_WALK_MAX_LINKS 40
#define PT_WALK_MAX_DEPTH 128
struct pt_walk_ops {
	int (*lookup)(void *op, const char *name, char *target, size_t tlen);
	int (*enter)(void *op, const char *name);
	void (*leave)(void *op);
	void (*reset)(void *op);
};
int pt_walk(const char *path, bool follow_last, const struct pt_walk_ops *ops, void *op,
	    char *last, size_t lastlen);

/* libpci access for this context (lib/pci-access.c: config space reads, pci.ids names). */
struct pci_access *pt_ctx_pci(struct pt_ctx *ctx);
int pt_read_config_at(int dirfd, bool listed_regular, uint8_t *buf, size_t len, unsigned *sriov_at);
void pt_lookup_names(struct pt_ctx *ctx, struct pt_device *d);

/* A scan in progress (lib/pci.c): pt_host_scan reads every function of the bus, a
 * scoped scan (lib/scope.c) the ones it names. pt_scan_read reads function name (as
 * /sys/bus/pci/devices lists it) into the host: 1 read, 0 not listed, vanished or
 * ignored (with a warning), -errno (ctx). The caller reads each name once; devices
 * read so far keep their place in pt_scan_host()->devs until pt_scan_end sorts them,
 * links VFs, attaches netdevs and disks, builds the groups and reads the host-wide
 * facts. pt_scan_end and pt_scan_abort free the scan. */
struct pt_scan;
int pt_scan_begin(struct pt_ctx *ctx, bool scoped, struct pt_scan **out);
bool pt_scan_listed(const struct pt_scan *sc, const char *name);
int pt_scan_read(struct pt_scan *sc, const char *name);
struct pt_host *pt_scan_host(const struct pt_scan *sc);
int pt_scan_end(struct pt_scan *sc, struct pt_host **out);
void pt_scan_abort(struct pt_scan *sc);

/* pci.ids, indexed in one pass and read on demand (lib/pci-ids.c, pure). buf stays the
 * caller's. Each lookup writes the name into out and returns 0, or -ENOENT. */
struct pt_ids_vendor {
	uint32_t off;  /* the vendor line */
	uint16_t id;
};
struct pt_ids {
	const char *buf;
	size_t len;
	struct pt_ids_vendor *vendors; /* sorted by id */
	size_t n_vendors;
	uint32_t cls[256];             /* offset + 1 of each "C cc" line; 0 none */
};
int pt_ids_index(struct pt_ids *ids, const char *buf, size_t len);
void pt_ids_free(struct pt_ids *ids);
int pt_ids_vendor(const struct pt_ids *ids, unsigned vendor, char *out, size_t len);
int pt_ids_device(const struct pt_ids *ids, unsigned vendor, unsigned device, char *out,
		  size_t len);
/* cls: base class << 8 | subclass */
int pt_ids_class(const struct pt_ids *ids, unsigned cls, char *out, size_t len);

/* What config space tells beyond struct pt_config (lib/config-space.c, pure, fuzzed),
 * read where the attribute files would cost a file each (lib/pci.c says which wins).
 * pt_config_link: the link attributes as the kernel computes them from the PCIe
 * capability (pcie_get_speed_cap(), pcie_get_width_cap(), the Link Status register);
 * -ENOENT when the first 256 bytes hold no PCIe capability. pt_config_sriov: the SR-IOV
 * capability at offset at, whose body pt_read_config_at() read whole; -ENOENT when
 * there is none. */
struct pt_config_sriov {
	int total, num, offset, stride, vf_device;
};
int pt_config_link(const uint8_t *buf, size_t len, struct pt_link *l);
int pt_config_sriov(const uint8_t *buf, size_t len, unsigned at, struct pt_config_sriov *s);

/* Host-wide facts of a scan (lib/host.c): NUMA nodes, hugepages, IOMMUs, cmdline. */
int pt_host_scan_host(struct pt_ctx *ctx, struct pt_host *h);


/* ---- running a program (run.c) ---- */

/* How pt_run runs a program. Whether it may run at all (never on a sysroot, the
 * PASSTHRU_* stand-ins of tests) is the caller's policy. */
struct pt_run_opts {
	size_t max_out;       /* stdout bytes kept; 0: 64 KiB */
	unsigned timeout_ms;  /* 0: none; else the program and its process group are killed
			       * then (-ETIMEDOUT) */
	bool stderr_inherit;  /* stderr is the caller's; else /dev/null */
	bool truncate;        /* past max_out the rest is read and dropped and the exit status
			       * stands; else the program is killed: -EFBIG */
	int *signo;           /* optional out: the signal that ended it (with -EINTR) */
};
/* Runs argv[0] (no shell; PATH searched for a name without '/') with argv, stdin from
 * /dev/null, stdout into *out (optional; malloc'd, NUL-terminated, *outlen bytes).
 * Returns its exit status (0..255, *out set), or a negative errno (*out NULL): -ENOENT
 * it could not be run (not found, not executable), -ETIMEDOUT, -EFBIG, -EINTR killed
 * by a signal (o->signo), -ENOMEM, a pipe's or fork's error. */
int pt_run(const char *const argv[], const struct pt_run_opts *o, char **out, size_t *outlen);

#endif
