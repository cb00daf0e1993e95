/* SPDX-License-Identifier: MIT */
/* The tar format, parsed on buffers (lib/tar-reader.c; fuzzed by tests/fuzz/fuzz-tar.c). */
#ifndef PT_TAR_H
#define PT_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_TAR_BLOCK 512
#define PT_TAR_NAME_MAX 4096

struct pt_tar_header {
	char name[257];     /* ustar prefix "/" name, as stored */
	char linkname[101];
	char type;          /* typeflag; '\0' is read as '0' */
	unsigned mode;
	uint64_t size;      /* bytes of data after the header (padded to blocks) */
};

/* One header block: 0 and *h filled, 1 for an all-zero block (the end of the archive),
 * -EINVAL for a block that is not a tar header (checksum, numbers). Pure. */
int pt_tar_header_parse(const unsigned char blk[PT_TAR_BLOCK], struct pt_tar_header *h);

/* A pax extended header's records ("<len> <key>=<value>\n"...): path and linkpath are
 * set to the values of those keys, "" when absent. -EINVAL on a malformed record,
 * -ENAMETOOLONG when a value does not fit. Pure. */
int pt_tar_pax_parse(const char *buf, size_t len, char *path, size_t pathlen, char *linkpath,
		     size_t linklen);

/* A member name made relative and clean: "./a//b/" gives "a/b", "." gives "". Absolute
 * names and ".." components are -EINVAL; *depth receives the number of components.
 * Pure. */
int pt_tar_name_clean(const char *name, char *out, size_t outlen, int *depth);

/* Whether a symbolic link in a directory depth components below the root stays in the
 * tree whatever it resolves through: relative, only leading ".." (at most depth of
 * them), then plain components. Pure. */
bool pt_tar_link_inside(const char *target, int depth);

#endif
