// SPDX-License-Identifier: MIT
/*
 * A gzip'd POSIX tar writer (lib/tar-writer.h), streaming to a file descriptor and
 * bounded: ustar headers, and a pax extended header ("x") for a name or link target
 * too long for ustar's fields, which GNU tar, bsdtar and Python's tarfile all read.
 * Knows nothing of what is archived (lib/snapshot.c decides that).
 */
#include "internal.h"
#include "tar-writer.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <zlib.h>

struct tar_writer {
	struct pt_ctx *ctx;
	int fd;
	z_stream z;
	unsigned char zout[1 << 16];
	uint64_t max_bytes;
	time_t mtime;
	uint64_t bytes;      /* compressed, written to fd */
	uint64_t raw_bytes;  /* the tar stream before compression */
};

static int gz_push(struct tar_writer *t, const void *data, size_t len, int flush)
{
	t->z.next_in = (unsigned char *)data;
	t->z.avail_in = (uInt)len;
	do {
		size_t have, off = 0;
		int zr;

		t->z.next_out = t->zout;
		t->z.avail_out = sizeof(t->zout);
		zr = deflate(&t->z, flush);
		if (zr == Z_STREAM_ERROR)
			return pt_err(t->ctx, -EIO, "compressing the snapshot failed (zlib)");
		have = sizeof(t->zout) - t->z.avail_out;
		while (off < have) {
			ssize_t w = write(t->fd, t->zout + off, have - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return pt_err(t->ctx, -errno, "writing the snapshot: %s", strerror(errno));
			off += (size_t)w;
		}
		t->bytes += have;
	} while (t->z.avail_out == 0);
	return 0;
}

/* width-1 octal digits, zero-padded, and a NUL, as ustar wants (what
 * snprintf("%0*llo") wrote, without a printf per field of every member: a value too
 * large for the field keeps its low digits, where snprintf kept the high ones; no
 * caller gives one, pax records carry what does not fit). */
static void octal(char *field, size_t width, unsigned long long v)
{
	field[width - 1] = '\0';
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (char)('0' + (v & 7));
}

struct tar_hdr {
	char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8];
	char typeflag, linkname[100], magic[6], version[2], uname[32], gname[32];
	char devmajor[8], devminor[8], prefix[155], pad[12];
};
_Static_assert(sizeof(struct tar_hdr) == 512, "ustar header is one block");

static uint64_t padded(uint64_t n)
{
	return (n + 511) & ~(uint64_t)511;
}

static int check_room(struct tar_writer *t, uint64_t need, const char *name)
{
	/* two zero blocks end the archive */
	if (t->raw_bytes + need + 1024 > t->max_bytes)
		return pt_err(t->ctx, -EFBIG,
			      "the snapshot would exceed its bound of %llu bytes (%llu MiB) while "
			      "adding %s; nothing was written (raise the bound with --max-size)",
			      (unsigned long long)t->max_bytes,
			      (unsigned long long)(t->max_bytes >> 20), name);
	return 0;
}

static int write_block_data(struct tar_writer *t, const void *data, uint64_t len)
{
	static const char zero[512];
	int r = len ? gz_push(t, data, len, Z_NO_FLUSH) : 0;

	if (!r && padded(len) != len)
		r = gz_push(t, zero, padded(len) - len, Z_NO_FLUSH);
	if (!r)
		t->raw_bytes += padded(len);
	return r;
}

static int write_header(struct tar_writer *t, const char *prefix, const char *name, char type,
			unsigned mode, uint64_t size, const char *linkname)
{
	struct tar_hdr h;
	unsigned sum = 0;

	memset(&h, 0, sizeof(h));
	memcpy(h.name, name, strnlen(name, sizeof(h.name)));
	memcpy(h.prefix, prefix, strnlen(prefix, sizeof(h.prefix)));
	octal(h.mode, sizeof(h.mode), mode);
	octal(h.uid, sizeof(h.uid), 0);
	octal(h.gid, sizeof(h.gid), 0);
	octal(h.size, sizeof(h.size), size);
	octal(h.mtime, sizeof(h.mtime), (unsigned long long)t->mtime);
	h.typeflag = type;
	if (linkname)
		memcpy(h.linkname, linkname, strnlen(linkname, sizeof(h.linkname)));
	memcpy(h.magic, "ustar", 6);
	memcpy(h.version, "00", 2);
	memcpy(h.uname, "root", 4);
	memcpy(h.gname, "root", 4);
	octal(h.devmajor, sizeof(h.devmajor), 0);
	octal(h.devminor, sizeof(h.devminor), 0);
	memset(h.chksum, ' ', sizeof(h.chksum));
	for (size_t i = 0; i < sizeof(h); i++)
		sum += ((unsigned char *)&h)[i];
	octal(h.chksum, 7, sum); /* six digits, a NUL, and the blank left above */
	t->raw_bytes += sizeof(h);
	return gz_push(t, &h, sizeof(h), Z_NO_FLUSH);
}

/* One pax record: "<len> <key>=<value>\n", len counting itself. */
static int pax_record(char *buf, size_t room, const char *key, const char *value)
{
	size_t base = strlen(key) + strlen(value) + 3, len = base, digits;

	do {
		digits = (size_t)snprintf(NULL, 0, "%zu", len);
		len = base + digits;
	} while ((size_t)snprintf(NULL, 0, "%zu", len) != digits);
	if (len >= room)
		return -ENAMETOOLONG;
	snprintf(buf, room, "%zu %s=%s\n", len, key, value);
	return (int)len;
}

/* Splits name into ustar's prefix and name fields; false when it cannot. */
static bool ustar_split(const char *name, char *prefix, char *rest)
{
	size_t len = strlen(name);

	if (len <= 100) {
		prefix[0] = '\0';
		strcpy(rest, name);
		return true;
	}
	for (size_t i = len - 1; i > 0; i--) {
		if (name[i] != '/')
			continue;
		if (len - i - 1 > 100)
			return false;
		if (i <= 155 && len - i - 1 > 0) {
			memcpy(prefix, name, i);
			prefix[i] = '\0';
			strcpy(rest, name + i + 1);
			return true;
		}
	}
	return false;
}

int tar_writer_add(struct tar_writer *t, const char *name, char type, unsigned mode,
		   const void *data, uint64_t size, const char *linkname)
{
	char prefix[PATH_MAX], rest[PATH_MAX], pax[2 * PATH_MAX + 64];
	bool need_path = strlen(name) >= PATH_MAX || !ustar_split(name, prefix, rest);
	bool need_link = linkname && strlen(linkname) > 100;
	uint64_t need = 512 + padded(size);
	size_t paxlen = 0;
	int r;

	if (need_path || need_link) {
		if (need_path) {
			r = pax_record(pax, sizeof(pax), "path", name);
			if (r < 0)
				return pt_err(t->ctx, r, "snapshot: name too long: %s", name);
			paxlen = (size_t)r;
		}
		if (need_link) {
			r = pax_record(pax + paxlen, sizeof(pax) - paxlen, "linkpath", linkname);
			if (r < 0)
				return pt_err(t->ctx, r, "snapshot: link target too long: %s", name);
			paxlen += (size_t)r;
		}
		need += 512 + padded(paxlen);
	}
	r = check_room(t, need, name);
	if (r < 0)
		return r;
	if (paxlen) {
		char pname[101];
		const char *base = strrchr(name, '/');

		snprintf(pname, sizeof(pname), "PaxHeaders/%.80s", base ? base + 1 : name);
		r = write_header(t, "", pname, 'x', 0644, paxlen, NULL);
		if (!r)
			r = write_block_data(t, pax, paxlen);
		if (r)
			return r;
	}
	if (need_path) {
		/* readers that ignore pax see a truncated name; the whole one is in the record */
		prefix[0] = '\0';
		snprintf(rest, 101, "%s", name);
	}
	r = write_header(t, prefix, rest, type, mode, size, linkname);
	if (!r)
		r = write_block_data(t, data, size);
	return r;
}


int tar_writer_open(struct pt_ctx *ctx, int fd, uint64_t max_bytes, time_t mtime,
		    struct tar_writer **out)
{
	struct tar_writer *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return pt_err(ctx, -ENOMEM, "snapshot: out of memory");
	t->ctx = ctx;
	t->fd = fd;
	t->max_bytes = max_bytes;
	t->mtime = mtime;
	/* gzip wrapper (windowBits + 16), default level */
	if (deflateInit2(&t->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(t);
		return pt_err(ctx, -ENOMEM, "snapshot: cannot start compression (zlib)");
	}
	*out = t;
	return 0;
}

int tar_writer_finish(struct tar_writer *t)
{
	static const char zero[1024];

	/* two zero blocks end the archive */
	t->raw_bytes += sizeof(zero);
	return gz_push(t, zero, sizeof(zero), Z_FINISH);
}

void tar_writer_sizes(const struct tar_writer *t, uint64_t *bytes, uint64_t *raw_bytes)
{
	*bytes = t->bytes;
	*raw_bytes = t->raw_bytes;
}

void tar_writer_close(struct tar_writer *t)
{
	if (!t)
		return;
	deflateEnd(&t->z);
	free(t);
}
