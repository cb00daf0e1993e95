/* SPDX-License-Identifier: MIT */
/*
 * Snapshots: the part of /sys, /proc and /dev that passthru reads, captured through
 * the context's sysroot into a gzip'd POSIX tar archive (ustar, with pax records for
 * names longer than ustar allows). Extracted anywhere, the tree is a sysroot:
 *
 *     tar xzf snap.tar.gz -C DIR && passthru --sysroot DIR list
 *
 * What is captured is a fixed table of rules (lib/snapshot.c, docs/snapshot.md):
 * only listed attribute names are read, never a whole sysfs directory, so a file
 * that blocks, is huge or has side effects on read (resource*, rom, vpd, remove,
 * reset ...) is never opened. Symbolic links are stored as links with their exact
 * targets, dangling ones included; the directories they lead to are stored as real
 * directories. Device nodes passthru only tests for (/dev/kvm, /dev/vfio/...) are
 * stored as empty regular files; /dev/kmsg is stored as a regular file holding the
 * records the kernel had at capture time.
 */
#ifndef PASSTHRU_SNAPSHOT_H
#define PASSTHRU_SNAPSHOT_H

#include "passthru/passthru.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default bound on the uncompressed archive. */
#define PT_SNAPSHOT_MAX_BYTES ((uint64_t)64 << 20)

struct pt_snapshot_stats {
	size_t entries;     /* archive members: directories, links, files */
	size_t files;       /* regular files among them */
	size_t links;       /* symbolic links among them */
	size_t skipped;     /* files a rule named that could not be read (listed in
			     * the archive's passthru-snapshot.txt) */
	size_t truncated;   /* files cut at their rule's size bound */
	uint64_t raw_bytes; /* uncompressed tar size */
	uint64_t bytes;     /* compressed size written */
};

/*
 * Writes the snapshot of ctx's sysroot to fd as a gzip stream. max_bytes bounds the
 * uncompressed archive (0: PT_SNAPSHOT_MAX_BYTES); exceeding it fails with -EFBIG.
 * stats may be NULL. On failure, whatever was written to fd is garbage.
 */
int pt_snapshot_write(struct pt_ctx *ctx, int fd, uint64_t max_bytes,
		      struct pt_snapshot_stats *stats);

/*
 * The same into file (a path of the caller's, not under the sysroot), atomically:
 * written to a temporary file in the same directory, synced, then renamed over
 * file. On failure nothing is left behind.
 */
int pt_snapshot_save(struct pt_ctx *ctx, const char *file, uint64_t max_bytes,
		     struct pt_snapshot_stats *stats);

/* The same, plus each process's own view for `passthru vm` (snapshot --pid): its
 * cmdline, comm, status, limits, numa_maps, threads' comm and status, its open files
 * as links (only the targets), and libvirt's live domain XML under /run/libvirt/qemu. */
int pt_snapshot_write_pids(struct pt_ctx *ctx, int fd, uint64_t max_bytes, const long *pids,
			   size_t n_pids, struct pt_snapshot_stats *stats);
int pt_snapshot_save_pids(struct pt_ctx *ctx, const char *file, uint64_t max_bytes,
			  const long *pids, size_t n_pids, struct pt_snapshot_stats *stats);

/* The capture table, for documentation and tests: the path pattern of rule i
 * (absolute, shell-style: *, ?, [...], {a,b}), or NULL past the last rule. */
const char *pt_snapshot_rule_pattern(size_t i);

#ifdef __cplusplus
}
#endif
#endif
