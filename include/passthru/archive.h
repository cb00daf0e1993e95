/* SPDX-License-Identifier: MIT */
/*
 * Snapshot archives as sysroots: `passthru --sysroot host.tar.gz` unpacks the archive a
 * `passthru snapshot` wrote (or any gzip'd or plain ustar/pax/GNU tar) into a private
 * temporary directory and runs on that. Unpacking never writes outside the directory:
 * absolute names, ".." components, names through a link or a file an earlier member
 * made, symbolic links whose target would leave the tree, members past the size and
 * count bounds are refused; hard links, devices and FIFOs are skipped (and counted).
 */
#ifndef PASSTHRU_ARCHIVE_H
#define PASSTHRU_ARCHIVE_H

#include "passthru/passthru.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds: the uncompressed tar stream (the snapshot writer's default bound,
 * PT_SNAPSHOT_MAX_BYTES, 64 MiB) and the number of members. */
#define PT_ARCHIVE_MAX_BYTES ((uint64_t)64 << 20)
#define PT_ARCHIVE_MAX_ENTRIES 131072

struct pt_archive_stats {
	size_t entries;         /* members unpacked: directories, files, links */
	size_t skipped;         /* members skipped: hard links, devices, FIFOs, unknown types */
	char first_skipped[512]; /* the first of them and why, for a warning */
	uint64_t bytes;         /* uncompressed tar bytes read */
};

/*
 * Unpacks file into a new directory made by mkdtemp (mode 0700) under $TMPDIR or /tmp;
 * *dir receives its path (malloc'd; pt_archive_remove() it, then free it). max_bytes
 * bounds the uncompressed stream (0: PT_ARCHIVE_MAX_BYTES). On failure nothing is
 * left: the directory is removed and *dir is NULL. stats may be NULL.
 */
int pt_archive_unpack(struct pt_ctx *ctx, const char *file, uint64_t max_bytes, char **dir,
		      struct pt_archive_stats *stats);

/* Removes dir and everything in it, never following a symbolic link. */
int pt_archive_remove(struct pt_ctx *ctx, const char *dir);

#ifdef __cplusplus
}
#endif
#endif
