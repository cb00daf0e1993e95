// SPDX-License-Identifier: MIT
/*
 * Reading tar archives (gzip'd or not): the header, pax and name parsers as pure
 * functions over buffers, and pt_archive_unpack(), which extracts a snapshot into a
 * private temporary directory so that `--sysroot host.tar.gz` works.
 *
 * What it owns: the only code that reads tar. What it never does: write outside the
 * directory it made. Every member is created relative to directories opened with
 * O_NOFOLLOW|O_DIRECTORY, walked component by component from the root, files with
 * O_CREAT|O_EXCL|O_NOFOLLOW; so a link an earlier member made is never followed (a
 * name through it is refused) and nothing existing is overwritten. Symbolic links are
 * kept as links (sysfs is made of them) when their target cannot leave the tree.
 * Bounds: the uncompressed stream (64 MiB by default, as the snapshot writer's),
 * PT_ARCHIVE_MAX_ENTRIES members (with the default byte bound, reached first: every
 * member costs a 512-byte header), names up to PATH_MAX.
 */
#include "internal.h"
#include "passthru/archive.h"
#include "tar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- pure parsers ------------------------------------------------------------------- */

/* An octal field (NUL or space terminated, leading spaces allowed) or GNU base-256. */
static int tar_number(const unsigned char *f, size_t width, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		/* base-256: positive only, and it must fit */
		if (f[0] & 0x40)
			return -EINVAL;
		v = f[0] & 0x3f;
		for (i = 1; i < width; i++) {
			if (v >> 55)
				return -EINVAL;
			v = (v << 8) | f[i];
		}
		*out = v;
		return 0;
	}
	while (i < width && f[i] == ' ')
		i++;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -EINVAL;
		v = v * 8 + (uint64_t)(f[i] - '0');
	}
	if (i < width && f[i] != '\0' && f[i] != ' ')
		return -EINVAL;
	*out = v;
	return 0;
}

int pt_tar_header_parse(const unsigned char blk[PT_TAR_BLOCK], struct pt_tar_header *h)
{
	uint64_t sum = 0, want, mode;
	int64_t ssum = 0;
	size_t i;
	bool zero = true;

	for (i = 0; i < PT_TAR_BLOCK && zero; i++)
		zero = blk[i] == 0;
	if (zero)
		return 1;
	/* the checksum counts its own field as spaces; old writers summed signed chars */
	for (i = 0; i < PT_TAR_BLOCK; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : blk[i];

		sum += c;
		ssum += (signed char)c;
	}
	if (tar_number(blk + 148, 8, &want) < 0 || (want != sum && (int64_t)want != ssum))
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	if (tar_number(blk + 124, 12, &h->size) < 0 || tar_number(blk + 100, 8, &mode) < 0)
		return -EINVAL;
	h->mode = (unsigned)(mode & 07777);
	h->type = blk[156] ? (char)blk[156] : '0';
	/* ustar (and GNU's "ustar  ") have a prefix field; only POSIX ustar uses it for names */
	if (memcmp(blk + 257, "ustar\0", 6) == 0 && blk[345]) {
		size_t pl = strnlen((const char *)blk + 345, 155);

		memcpy(h->name, blk + 345, pl);
		h->name[pl] = '/';
		memcpy(h->name + pl + 1, blk, strnlen((const char *)blk, 100));
	} else {
		memcpy(h->name, blk, strnlen((const char *)blk, 100));
	}
	memcpy(h->linkname, blk + 157, strnlen((const char *)blk + 157, 100));
	return 0;
}

int pt_tar_pax_parse(const char *buf, size_t len, char *path, size_t pathlen, char *linkpath,
		     size_t linklen)
{
	size_t off = 0;

	if (pathlen)
		path[0] = '\0';
	if (linklen)
		linkpath[0] = '\0';
	while (off < len) {
		size_t rlen = 0, i = off, klen, vlen;
		const char *key, *eq, *val;

		while (i < len && buf[i] >= '0' && buf[i] <= '9' && rlen < ((size_t)1 << 30))
			rlen = rlen * 10 + (size_t)(buf[i++] - '0');
		if (i == off || i >= len || buf[i] != ' ' || rlen <= i - off + 1 ||
		    rlen > len - off || buf[off + rlen - 1] != '\n')
			return -EINVAL;
		key = buf + i + 1;
		eq = memchr(key, '=', (size_t)(buf + off + rlen - 1 - key));
		if (!eq)
			return -EINVAL;
		klen = (size_t)(eq - key);
		val = eq + 1;
		vlen = (size_t)(buf + off + rlen - 1 - val);
		if (memchr(val, '\0', vlen))
			return -EINVAL;
		if ((klen == 4 && memcmp(key, "path", 4) == 0) ||
		    (klen == 8 && memcmp(key, "linkpath", 8) == 0)) {
			char *dst = klen == 4 ? path : linkpath;
			size_t room = klen == 4 ? pathlen : linklen;

			if (vlen >= room)
				return -ENAMETOOLONG;
			memcpy(dst, val, vlen);
			dst[vlen] = '\0';
		}
		off += rlen;
	}
	return 0;
}

int pt_tar_name_clean(const char *name, char *out, size_t outlen, int *depth)
{
	size_t o = 0;
	const char *p = name;

	*depth = 0;
	if (outlen == 0)
		return -ENAMETOOLONG;
	if (name[0] == '/')
		return -EINVAL;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		if (n && !(n == 1 && p[0] == '.')) {
			if (o + (o > 0) + n >= outlen)
				return -ENAMETOOLONG;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
			(*depth)++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	out[o] = '\0';
	return 0;
}

bool pt_tar_link_inside(const char *target, int depth)
{
	const char *p = target;
	bool plain = false;

	if (!*target || target[0] == '/')
		return false;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (plain || --depth < 0)
				return false;
		} else if (n == 1 && p[0] == '.') {
			if (plain)
				return false;
		} else if (n) {
			plain = true;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return true;
}

/* ---- the stream ---------------------------------------------------------------------- */

struct unpack {
	struct pt_ctx *ctx;
	const char *file;
	gzFile gz;
	int rootfd;
	uint64_t max;
	struct pt_archive_stats st;
};

/* Reads exactly len bytes of the uncompressed stream, within the bound. */
static int u_read(struct unpack *u, void *buf, size_t len)
{
	size_t got = 0;

	if (len > u->max - u->st.bytes)
		return pt_err(u->ctx, -EFBIG,
			      "%s: the archive is larger than %llu MiB uncompressed: refused",
			      u->file, (unsigned long long)(u->max >> 20));
	while (got < len) {
		int n = gzread(u->gz, (char *)buf + got, (unsigned)(len - got > (1u << 20)
								     ? 1u << 20 : len - got));
		int zerr;

		if (n <= 0) {
			const char *msg = gzerror(u->gz, &zerr), *colon = strstr(msg, ": ");

			/* zlib prefixes "<fd:N>: " to its message */
			if (msg[0] == '<' && colon)
				msg = colon + 2;

			return pt_err(u->ctx, -EIO, "%s: %s at byte %llu", u->file,
				      n < 0 && zerr != Z_OK ? msg : "the archive ends early",
				      (unsigned long long)(u->st.bytes + got));
		}
		got += (size_t)n;
	}
	u->st.bytes += len;
	return 0;
}

static uint64_t padded(uint64_t n)
{
	return (n + PT_TAR_BLOCK - 1) & ~(uint64_t)(PT_TAR_BLOCK - 1);
}

/* Reads a member's data (padded) into fd, or discards it when fd < 0. */
static int u_data(struct unpack *u, uint64_t size, int fd, const char *name)
{
	static char buf[64 << 10];
	uint64_t left = padded(size), data = size;
	int r;

	if (left > u->max - u->st.bytes)
		return pt_err(u->ctx, -EFBIG, "%s: member %s claims %llu bytes, past the bound of "
			      "%llu MiB: refused", u->file, name, (unsigned long long)size,
			      (unsigned long long)(u->max >> 20));
	while (left) {
		size_t n = left > sizeof(buf) ? sizeof(buf) : (size_t)left;

		r = u_read(u, buf, n);
		if (r < 0)
			return r;
		if (fd >= 0 && data) {
			size_t w = data < n ? (size_t)data : n, off = 0;

			while (off < w) {
				ssize_t k = write(fd, buf + off, w - off);

				if (k < 0 && errno == EINTR)
					continue;
				if (k < 0)
					return pt_err(u->ctx, -errno, "%s: writing %s: %s", u->file,
						      name, strerror(errno));
				off += (size_t)k;
			}
			data -= w;
		}
		left -= n;
	}
	return 0;
}

/* ---- creating members, never through a link ----------------------------------------- */

/* Opens the directory that holds rel (creating missing ones), each step O_NOFOLLOW.
 * Returns the fd and points *leaf at rel's last component. */
static int open_parent(struct unpack *u, char *rel, const char **leaf)
{
	int fd = dup(u->rootfd);
	char *p = rel, *slash;

	if (fd < 0)
		return pt_err(u->ctx, -errno, "dup: %s", strerror(errno));
	while ((slash = strchr(p, '/'))) {
		int next;

		*slash = '\0';
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && mkdirat(fd, p, 0755) == 0)
			next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			int e = errno;

			close(fd);
			if (e == ELOOP || e == ENOTDIR)
				pt_err(u->ctx, -EINVAL, "%s: member %s/%s goes through %s, which an "
				       "earlier member made a symbolic link or a file: refused",
				       u->file, rel, slash + 1, rel);
			else
				pt_err(u->ctx, -e, "%s: member %s/%s: %s", u->file, rel, slash + 1,
				       strerror(e));
			*slash = '/';
			return -(e == ELOOP || e == ENOTDIR ? EINVAL : e);
		}
		close(fd);
		fd = next;
		*slash = '/';
		p = slash + 1;
	}
	*leaf = p;
	return fd;
}

static void skip_note(struct unpack *u, const char *name, const char *why)
{
	if (!u->st.skipped++)
		snprintf(u->st.first_skipped, sizeof(u->st.first_skipped), "%s (%s)", name, why);
}

static int extract(struct unpack *u, const struct pt_tar_header *h, const char *rawname,
		   const char *link)
{
	char name[PATH_MAX];
	const char *leaf = NULL;
	int depth, dfd, fd, r = 0;
	struct stat sb;

	r = pt_tar_name_clean(rawname, name, sizeof(name), &depth);
	if (r < 0)
		return pt_err(u->ctx, r, "%s: member '%s' %s: refused", u->file, rawname,
			      r == -EINVAL ? "is absolute or has a '..' component" : "is too long");
	switch (h->type) {
	case '0': case '7': case '5': case '2':
		break;
	case '1':
		skip_note(u, name, "a hard link");
		return u_data(u, h->size, -1, name);
	case '3': case '4': case '6':
		skip_note(u, name, "a device or FIFO");
		return u_data(u, h->size, -1, name);
	default:
		skip_note(u, name, "an unknown member type");
		return u_data(u, h->size, -1, name);
	}
	if (!name[0]) {
		/* "." itself: the root exists */
		if (h->type == '5')
			return 0;
		return pt_err(u->ctx, -EINVAL, "%s: a member with no name: refused", u->file);
	}
	if (++u->st.entries > PT_ARCHIVE_MAX_ENTRIES)
		return pt_err(u->ctx, -EFBIG, "%s: more than %d members: refused", u->file,
			      PT_ARCHIVE_MAX_ENTRIES);
	if (h->type == '2' && !pt_tar_link_inside(link, depth - 1)) {
		u->st.entries--;
		skip_note(u, name, "a symbolic link out of the tree");
		return u_data(u, h->size, -1, name);
	}
	dfd = open_parent(u, name, &leaf);
	if (dfd < 0)
		return dfd;
	if (h->type == '5') {
		if (mkdirat(dfd, leaf, 0755) < 0 &&
		    !(errno == EEXIST && fstatat(dfd, leaf, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		      S_ISDIR(sb.st_mode)))
			r = pt_err(u->ctx, errno == EEXIST ? -EINVAL : -errno,
				   "%s: directory %s: %s", u->file, name,
				   errno == EEXIST ? "an earlier member has this name: refused"
						   : strerror(errno));
		else
			r = u_data(u, h->size, -1, name);
	} else if (h->type == '2') {
		if (symlinkat(link, dfd, leaf) < 0)
			r = pt_err(u->ctx, errno == EEXIST ? -EINVAL : -errno, "%s: link %s: %s",
				   u->file, name, errno == EEXIST ? "an earlier member has this "
				   "name: refused" : strerror(errno));
		else
			r = u_data(u, h->size, -1, name);
	} else {
		fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			r = pt_err(u->ctx, errno == EEXIST ? -EINVAL : -errno, "%s: file %s: %s",
				   u->file, name, errno == EEXIST ? "an earlier member has this "
				   "name: refused" : strerror(errno));
		} else {
			r = u_data(u, h->size, fd, name);
			if (close(fd) < 0 && !r)
				r = pt_err(u->ctx, -errno, "%s: %s: %s", u->file, name,
					   strerror(errno));
		}
	}
	close(dfd);
	return r;
}

/* Reads a long name or pax header's data, bounded, NUL-terminated. */
static int read_meta(struct unpack *u, const struct pt_tar_header *h, char **out)
{
	char *buf;
	int r;

	if (h->size > (1 << 20))
		return pt_err(u->ctx, -EFBIG, "%s: an extended header of %llu bytes: refused",
			      u->file, (unsigned long long)h->size);
	buf = malloc(padded(h->size) + 1);
	if (!buf)
		return pt_err(u->ctx, -ENOMEM, "out of memory");
	r = u_read(u, buf, padded(h->size));
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[h->size] = '\0';
	*out = buf;
	return 0;
}

static int unpack_stream(struct unpack *u)
{
	char path[PATH_MAX] = "", link[PATH_MAX] = "";
	unsigned char blk[PT_TAR_BLOCK];
	struct pt_tar_header h;
	int r = 0;

	for (;;) {
		char *meta = NULL;

		if (gzeof(u->gz) || (r = u_read(u, blk, sizeof(blk))) < 0) {
			/* a stream that stops at a block boundary without the end blocks */
			if (gzeof(u->gz))
				return 0;
			return r;
		}
		r = pt_tar_header_parse(blk, &h);
		if (r == 1)
			return 0;
		if (r < 0)
			return pt_err(u->ctx, -EINVAL, "%s: not a tar archive (bad header at byte "
				      "%llu)", u->file, (unsigned long long)(u->st.bytes - 512));
		switch (h.type) {
		case 'x': case 'g': case 'L': case 'K':
			r = read_meta(u, &h, &meta);
			if (r < 0)
				return r;
			if (h.type == 'x')
				r = pt_tar_pax_parse(meta, h.size, path, sizeof(path), link,
						     sizeof(link));
			else if (h.type == 'L' || h.type == 'K')
				pt_strlcpy(h.type == 'L' ? path : link, meta, PATH_MAX);
			free(meta);
			if (r < 0)
				return pt_err(u->ctx, r, "%s: a malformed pax header at byte %llu",
					      u->file, (unsigned long long)u->st.bytes);
			continue;
		default:
			r = extract(u, &h, path[0] ? path : h.name, link[0] ? link : h.linkname);
			if (r < 0)
				return r;
			path[0] = link[0] = '\0';
		}
	}
}

int pt_archive_unpack(struct pt_ctx *ctx, const char *file, uint64_t max_bytes, char **dir,
		      struct pt_archive_stats *stats)
{
	struct unpack u = { .ctx = ctx, .file = file, .rootfd = -1,
			    .max = max_bytes ? max_bytes : PT_ARCHIVE_MAX_BYTES };
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	struct stat sb;
	int fd, r;

	*dir = NULL;
	fd = open(file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return pt_err(ctx, -errno, "%s: %s", file, strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return pt_err(ctx, -EINVAL, "%s: not a regular file", file);
	}
	if (snprintf(tmpl, sizeof(tmpl), "%s/passthru-sysroot-XXXXXX",
		     tmp && tmp[0] == '/' ? tmp : "/tmp") >= (int)sizeof(tmpl) || !mkdtemp(tmpl)) {
		close(fd);
		return pt_err(ctx, -errno ? -errno : -ENAMETOOLONG,
			      "cannot make a temporary directory to unpack %s: %s", file,
			      strerror(errno));
	}
	u.rootfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	u.gz = u.rootfd >= 0 ? gzdopen(fd, "rb") : NULL;
	if (!u.gz) {
		r = pt_err(ctx, -ENOMEM, "%s: cannot read: %s", file, strerror(errno));
		close(fd);
		goto out_remove;
	}
	gzbuffer(u.gz, 128 << 10);
	r = unpack_stream(&u);
	gzclose(u.gz);
	if (r == 0 && u.st.entries == 0)
		r = pt_err(ctx, -EINVAL, "%s: an empty archive", file);
	if (r < 0)
		goto out_remove;
	close(u.rootfd);
	*dir = strdup(tmpl);
	if (!*dir) {
		pt_archive_remove(ctx, tmpl);
		return pt_err(ctx, -ENOMEM, "out of memory");
	}
	if (stats)
		*stats = u.st;
	return 0;

out_remove:
	if (u.rootfd >= 0)
		close(u.rootfd);
	pt_archive_remove(ctx, tmpl);
	return r;
}

/* ---- removal ------------------------------------------------------------------------- */

static int remove_in(int dfd, int depth)
{
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (depth > PATH_MAX / 2)
		return -ELOOP;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	while ((e = readdir(d))) {
		struct stat sb;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, ".."	) == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			int sub = openat(dirfd(d), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0 && remove_in(sub, depth + 1) < 0)
				r = -EIO;
			if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0)
				r = -errno;
		} else if (unlinkat(dirfd(d), e->d_name, 0) < 0) {
			r = -errno;
		}
	}
	closedir(d);
	return r;
}

int pt_archive_remove(struct pt_ctx *ctx, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0)
		return errno == ENOENT ? 0 : pt_err(ctx, -errno, "%s: %s", dir, strerror(errno));
	r = remove_in(fd, 0);
	if (rmdir(dir) < 0 && !r)
		r = -errno;
	if (r < 0)
		return pt_err(ctx, r, "cannot remove %s: %s", dir, strerror(-r));
	return 0;
}
