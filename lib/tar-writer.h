/* SPDX-License-Identifier: MIT */
/*
 * A bounded, streaming writer of gzip'd POSIX tar archives (lib/tar-writer.c), for
 * lib/snapshot.c. Errors are negative errno with the message in the context.
 */
#ifndef PT_TAR_WRITER_H
#define PT_TAR_WRITER_H

#include "passthru/passthru.h"

#include <stdint.h>
#include <time.h>

struct tar_writer;

/* Starts an archive on fd; every member gets mtime. max_bytes bounds the tar stream
 * (before compression), the end blocks included. */
int tar_writer_open(struct pt_ctx *ctx, int fd, uint64_t max_bytes, time_t mtime,
		    struct tar_writer **out);
/* One member: type '0' a file (data, size), '2' a symlink to linkname, '5' a
 * directory. -EFBIG, before anything of it is written, when it would cross the
 * bound; -ENAMETOOLONG; -EIO or the write's errno. */
int tar_writer_add(struct tar_writer *t, const char *name, char type, unsigned mode,
		   const void *data, uint64_t size, const char *linkname);
/* Ends the archive (two zero blocks) and flushes the compressor. */
int tar_writer_finish(struct tar_writer *t);
/* Bytes written to fd so far, and the size of the tar stream they compress. */
void tar_writer_sizes(const struct tar_writer *t, uint64_t *bytes, uint64_t *raw_bytes);
void tar_writer_close(struct tar_writer *t);

#endif
