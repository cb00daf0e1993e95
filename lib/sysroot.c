// SPDX-License-Identifier: MIT
/*
 * The sysroot seam: every path the library touches under /sys, /proc, /dev, /etc
 * and /var is opened here, relative to the context's root, and every write to kernel
 * state passes through pt_write_attr(), which counts it and can be made to fail.
 *
 * Confinement is by construction: under a sysroot other than "/", the root directory
 * is opened once and every path resolves inside it as the kernel would under chroot
 * (".." stops at the root, absolute link targets start from it): openat2() with
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS where the kernel has it, else a walk one
 * component at a time (pt_walk(): openat() with O_NOFOLLOW, links read and resolved by
 * hand, at most 40 of them). Writes never follow a final link and go only to regular
 * files; readers refuse what is not a regular file (a FIFO, socket or device) without
 * blocking on it. On "/" paths are opened as they are.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int pt_err(struct pt_ctx *ctx, int err, const char *fmt, ...)
{
	char msg[sizeof(ctx->err)];
	va_list ap;

	if (ctx) { /* through msg: the arguments may quote the message it replaces */
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		memcpy(ctx->err, msg, sizeof(msg));
	}
	return err;
}

const char *pt_ctx_error(const struct pt_ctx *ctx)
{
	return ctx && ctx->err[0] ? ctx->err : "no error";
}

const char *pt_ctx_sysroot(const struct pt_ctx *ctx)
{
	return ctx->sysroot[0] ? ctx->sysroot : "/";
}

unsigned long pt_ctx_write_count(const struct pt_ctx *ctx)
{
	return ctx->writes;
}

int pt_ctx_new(struct pt_ctx **out, const char *sysroot)
{
	struct pt_ctx *ctx = calloc(1, sizeof(*ctx));
	const char *fail, *resolve;
	size_t n;

	if (!ctx)
		return -ENOMEM;
	ctx->root_fd = -1;
	if (!sysroot)
		sysroot = "";
	ctx->sysroot = strdup(sysroot);
	if (!ctx->sysroot) {
		free(ctx);
		return -ENOMEM;
	}
	n = strlen(ctx->sysroot);
	while (n > 0 && ctx->sysroot[n - 1] == '/')
		ctx->sysroot[--n] = '\0';
	/* the root is opened once: every path below resolves inside it */
	if (ctx->sysroot[0]) {
		ctx->root_fd = open(ctx->sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (ctx->root_fd < 0) {
			int e = -errno;

			pt_ctx_free(ctx);
			return e;
		}
	}
	resolve = getenv("PASSTHRU_RESOLVE");
	ctx->walk_only = resolve && strcmp(resolve, "walk") == 0;

	fail = getenv("PASSTHRU_FAIL_WRITE");
	if (fail && *fail) {
		char *at;

		ctx->fail_match = strdup(fail);
		if (!ctx->fail_match) {
			pt_ctx_free(ctx);
			return -ENOMEM;
		}
		at = strrchr(ctx->fail_match, '@');
		ctx->fail_nth = 1;
		if (at) {
			*at = '\0';
			ctx->fail_nth = strtol(at + 1, NULL, 10);
		}
	}
	*out = ctx;
	return 0;
}

void pt_ctx_free(struct pt_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->names && ctx->names_free)
		ctx->names_free(ctx->names);
	if (ctx->pacc && ctx->pacc_free)
		ctx->pacc_free(ctx->pacc);
	if (ctx->root_fd >= 0)
		close(ctx->root_fd);
	free(ctx->fail_match);
	free(ctx->sysroot);
	free(ctx);
}

int pt_vpath(const struct pt_ctx *ctx, char *buf, size_t len, const char *fmt, va_list ap)
{
	int a, b;

	a = snprintf(buf, len, "%s", ctx->sysroot);
	if (a < 0 || (size_t)a >= len)
		return -ENAMETOOLONG;
	b = vsnprintf(buf + a, len - a, fmt, ap);
	if (b < 0 || (size_t)(a + b) >= len)
		return -ENAMETOOLONG;
	return a + b;
}

int pt_path(const struct pt_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = pt_vpath(ctx, buf, len, fmt, ap);
	va_end(ap);
	return r;
}

/* The path below the root, formatted. */
static int vrel(char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, len, fmt, ap);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

/* ---- the confined open ---- */

/* An fd per directory entered, so ".." goes back to the directory it came from. */
struct fdstack {
	int root;
	int n;
	int fds[PT_WALK_MAX_DEPTH];
};

static int fds_top(const struct fdstack *s)
{
	return s->n ? s->fds[s->n - 1] : s->root;
}

static int fds_lookup(void *op, const char *name, char *target, size_t tlen)
{
	struct fdstack *s = op;
	struct stat st;
	ssize_t n;

	if (fstatat(fds_top(s), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? PT_WALK_MISSING : -errno;
	if (S_ISDIR(st.st_mode))
		return PT_WALK_DIR;
	if (!S_ISLNK(st.st_mode))
		return PT_WALK_OTHER;
	n = readlinkat(fds_top(s), name, target, tlen);
	if (n < 0)
		return -errno;
	if ((size_t)n >= tlen)
		return -ENAMETOOLONG;
	target[n] = '\0';
	return PT_WALK_LINK;
}

static int fds_enter(void *op, const char *name)
{
	struct fdstack *s = op;
	int fd;

	if (s->n >= PT_WALK_MAX_DEPTH)
		return -ENAMETOOLONG;
	fd = openat(fds_top(s), name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	s->fds[s->n++] = fd;
	return 0;
}

static void fds_leave(void *op)
{
	struct fdstack *s = op;

	if (s->n)
		close(s->fds[--s->n]);
}

static void fds_reset(void *op)
{
	struct fdstack *s = op;

	while (s->n)
		close(s->fds[--s->n]);
}

/* Without openat2: one component at a time, each opened O_NOFOLLOW, links resolved
 * by pt_walk() with the root as the ceiling. */
static int walk_open(const struct pt_ctx *ctx, const char *rel, int flags, mode_t mode)
{
	static const struct pt_walk_ops ops = { fds_lookup, fds_enter, fds_leave, fds_reset };
	struct fdstack s = { .root = ctx->root_fd };
	char last[NAME_MAX + 1];
	int fd, r;

	r = pt_walk(rel, !(flags & O_NOFOLLOW), &ops, &s, last, sizeof(last));
	if (r == 0) {
		/* last is no link unless the caller asked not to follow one */
		fd = openat(fds_top(&s), last, flags | O_NOFOLLOW, mode);
		r = fd < 0 ? -errno : fd;
	}
	fds_reset(&s);
	return r;
}

static int openat2_missing; /* the kernel said ENOSYS: walk from then on */

int pt_open_rel(const struct pt_ctx *ctx, const char *rel, int flags, mode_t mode)
{
	int fd;

	flags |= O_CLOEXEC;
	if (ctx->root_fd < 0) {
		fd = open(rel, flags, mode);
		return fd < 0 ? -errno : fd;
	}
	if (!ctx->walk_only && !openat2_missing) {
		struct open_how how = {
			.flags = (uint64_t)flags,
			.mode = (flags & O_CREAT) ? mode : 0,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};

		for (int i = 0; i < 16; i++) {
			fd = (int)syscall(SYS_openat2, ctx->root_fd, *rel ? rel : ".", &how,
					  sizeof(how));
			if (fd >= 0)
				return fd;
			/* EAGAIN: a rename raced the walk; the kernel asks to retry */
			if (errno != EAGAIN && errno != EINTR)
				break;
		}
		if (errno != ENOSYS)
			return -errno;
		openat2_missing = 1;
	}
	return walk_open(ctx, rel, flags, mode);
}

static int open_vrel(const struct pt_ctx *ctx, int flags, const char *fmt, va_list ap)
{
	char rel[4096];
	int r = vrel(rel, sizeof(rel), fmt, ap);

	return r < 0 ? r : pt_open_rel(ctx, rel, flags, 0);
}

int pt_open_at_root(const struct pt_ctx *ctx, int flags, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = open_vrel(ctx, flags, fmt, ap);
	va_end(ap);
	return r;
}

DIR *pt_opendir(const struct pt_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	DIR *d;
	int fd;

	va_start(ap, fmt);
	fd = open_vrel(ctx, O_RDONLY | O_DIRECTORY, fmt, ap);
	va_end(ap);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	d = fdopendir(fd);
	if (!d) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return d;
}

const char *pt_file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return S_ISREG(mode) ? "a regular file" : "not a regular file";
}

int pt_fd_regular(int fd)
{
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	return fd;
}

int pt_open_dir_nolink(struct pt_ctx *ctx, const char *rel, bool create, mode_t mode)
{
	char pre[4096], path[4096];
	size_t len = strlen(rel);
	/* in a tree no link is followed; on "/" the administrator's links are */
	int nofollow = ctx->root_fd >= 0 ? O_NOFOLLOW : 0;
	int fd = -1, r;

	if (len == 0 || len >= sizeof(pre))
		return pt_err(ctx, -ENAMETOOLONG, "directory path \"%s\" is unusable", rel);
	memcpy(pre, rel, len + 1);
	fd = pt_open_rel(ctx, "/", O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return pt_err(ctx, fd, "cannot open the sysroot %s: %s", pt_ctx_sysroot(ctx),
			      strerror(-fd));
	for (size_t i = 1; i <= len; i++) {
		struct stat st;
		const char *name;
		char save;
		int next;

		if (pre[i] != '/' && pre[i] != '\0')
			continue;
		if (pre[i - 1] == '/')
			continue; /* "//" or the leading "/" */
		save = pre[i];
		pre[i] = '\0';
		name = strrchr(pre, '/') ? strrchr(pre, '/') + 1 : pre;
		if (pt_path(ctx, path, sizeof(path), "%s", pre) < 0)
			pt_strlcpy(path, pre, sizeof(path));
		/* the component itself, found inside the root, never followed */
		next = pt_open_rel(ctx, pre, O_PATH | nofollow, 0);
		if (next == -ENOENT && create) {
			if (mkdirat(fd, name, mode) < 0 && errno != EEXIST) {
				r = pt_err(ctx, -errno, "cannot create %s: %s", path, strerror(errno));
				goto fail;
			}
			next = pt_open_rel(ctx, pre, O_PATH | nofollow, 0);
		}
		if (next < 0) {
			r = pt_err(ctx, next, "cannot open %s: %s", path, strerror(-next));
			goto fail;
		}
		if (fstat(next, &st) < 0) {
			r = pt_err(ctx, -errno, "cannot open %s: %s", path, strerror(errno));
			close(next);
			goto fail;
		}
		if (S_ISLNK(st.st_mode)) {
			close(next);
			r = pt_err(ctx, -ELOOP, "refusing %s: it is a symbolic link (passthru follows no "
				   "link here, in the tree or out of it; is this tree tampered "
				   "with? make it a directory)", path);
			goto fail;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(next);
			r = pt_err(ctx, -ENOTDIR, "refusing %s: it is %s, not a directory", path,
				   pt_file_kind(st.st_mode));
			goto fail;
		}
		close(fd);
		fd = next;
		pre[i] = save;
	}
	return fd;
fail:
	close(fd);
	return r;
}

/* Attributes are regular files: a FIFO, socket or device is opened without blocking
 * (O_NONBLOCK) and never read. */
#define READ_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY)

/* Reads up to len bytes. A sysfs attribute comes whole in one read, and a short read
 * of a regular file is its end, so a short read ends the loop without the extra read
 * that would return 0 (a scan of 1,000 functions saves ~10,000 syscalls). */
static int read_fd_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		size_t want = len - got;
		ssize_t r = read(fd, buf + got, want);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += r;
		if ((size_t)r < want)
			break;
	}
	return (int)got;
}

/* Reads an attribute from fd (an open regular file, or a negative errno), closes it,
 * and trims the trailing newline sysfs adds. */
static int read_attr_fd(int fd, char *buf, size_t len)
{
	int r;

	if (fd < 0)
		return fd;
	r = read_fd_all(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return r;
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return r;
}

int pt_read_attr(const struct pt_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int fd;

	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	va_start(ap, fmt);
	fd = open_vrel(ctx, READ_FLAGS, fmt, ap);
	va_end(ap);
	return read_attr_fd(pt_fd_regular(fd), buf, len);
}

/* One component: no "/", not "." or "..". */
static bool single_component(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* The same, relative to a directory the caller opened through the seam (a device's
 * sysfs directory): no path walk through the sysroot and the bus symlink per file.
 * The name is one component and a link there is not followed, so the read stays in
 * the directory the seam confined. */
int pt_read_attr_at(int dirfd, char *buf, size_t len, const char *name)
{
	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	if (!single_component(name))
		return -EINVAL;
	return read_attr_fd(pt_fd_regular(pt_fd_or_errno(openat(dirfd, name, READ_FLAGS |
								       O_NOFOLLOW | O_CLOEXEC))),
			    buf, len);
}

int pt_read_attr_listed_at(int dirfd, char *buf, size_t len, const char *name)
{
	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	if (!single_component(name))
		return -EINVAL;
	/* no fstat(): the listing said regular; O_NONBLOCK still keeps a FIFO swapped in
	 * since from blocking the read */
	return read_attr_fd(pt_fd_or_errno(openat(dirfd, name, READ_FLAGS | O_NOFOLLOW | O_CLOEXEC)),
			    buf, len);
}

int pt_readlink_at(int dirfd, char *buf, size_t len, const char *name)
{
	ssize_t n;

	if (len == 0)
		return -EINVAL;
	if (!single_component(name))
		return -EINVAL;
	n = readlinkat(dirfd, name, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

int pt_read_file(const struct pt_ctx *ctx, char **out, size_t *outlen, size_t max,
		 const char *fmt, ...)
{
	size_t cap = 8192, got = 0;
	char *buf;
	va_list ap;
	int fd, r;

	va_start(ap, fmt);
	fd = pt_fd_regular(open_vrel(ctx, READ_FLAGS, fmt, ap));
	va_end(ap);
	if (fd < 0)
		return fd;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (got == cap) {
			char *nb;

			if (cap >= max)
				break;
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + got, cap - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			r = -errno;
			free(buf);
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	if (outlen)
		*outlen = got;
	return 0;
}

int pt_readlink(const struct pt_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	char rel[4096];
	va_list ap;
	ssize_t n;
	int r, fd;

	if (len == 0)
		return -EINVAL;
	va_start(ap, fmt);
	r = vrel(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	if (ctx->root_fd < 0) {
		n = readlink(rel, buf, len - 1);
	} else {
		/* the link itself, found inside the root; its target is only text */
		fd = pt_open_rel(ctx, rel, O_PATH | O_NOFOLLOW, 0);
		if (fd < 0)
			return fd;
		n = readlinkat(fd, "", buf, len - 1);
		if (n < 0 && errno == ENOENT)
			errno = EINVAL; /* as readlink() says of what is no link */
		r = errno;
		close(fd);
		errno = r;
	}
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

int pt_exists(const struct pt_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int fd;

	va_start(ap, fmt);
	fd = open_vrel(ctx, O_PATH, fmt, ap);
	va_end(ap);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Is this write the one a test asked to fail? */
static bool fail_injected(struct pt_ctx *ctx, const char *path)
{
	if (!ctx->fail_match || !strstr(path, ctx->fail_match))
		return false;
	return ++ctx->fail_seen == ctx->fail_nth;
}

int pt_write_count(struct pt_ctx *ctx, const char *what)
{
	ctx->writes++;
	if (fail_injected(ctx, what))
		return pt_err(ctx, -EIO, "%s: %s (injected by PASSTHRU_FAIL_WRITE)", what,
			      strerror(EIO));
	return 0;
}

/* Opens an attribute for writing: never through a final link, only a regular file
 * (what the path names is looked at first, without opening it for I/O). *mode gets
 * what was found when it is refused (-ELOOP: a link, -EINVAL: not a regular file). */
static int open_for_write(const struct pt_ctx *ctx, const char *rel, mode_t *mode)
{
	struct stat st, st2;
	int fd;

	fd = pt_open_rel(ctx, rel, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	*mode = st.st_mode;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	/* O_TRUNC as a shell's '>': sysfs ignores it; a tree's file then holds just the
	 * value. In a tree, O_NONBLOCK too: a FIFO swapped in meanwhile cannot block. */
	fd = pt_open_rel(ctx, rel, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_NOCTTY |
				      (ctx->root_fd >= 0 ? O_NONBLOCK : 0), 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev) {
		close(fd);
		return -EAGAIN;
	}
	return fd;
}

/* Writes value to rel; returns 0 or a negative errno (the refusals as above). */
static int write_value(const struct pt_ctx *ctx, const char *rel, const char *value, mode_t *mode)
{
	size_t len = strlen(value);
	int fd, e = 0;

	fd = open_for_write(ctx, rel, mode);
	if (fd < 0)
		return fd;
	if (write(fd, value, len) != (ssize_t)len)
		e = errno ? -errno : -EIO;
	if (close(fd) < 0 && !e)
		e = -errno;
	return e;
}

/*
 * Some sysfs writes block for a long time (sriov_numvfs while a PF driver sets up
 * VFs, unbind of a device a driver holds). With a timeout, the write runs in a
 * child process so the caller can give up instead of hanging with it.
 */
static int write_blocking(const struct pt_ctx *ctx, const char *rel, const char *value,
			  int timeout_ms, mode_t *mode)
{
	struct timespec start, now;
	int status, fds[2];
	struct {
		int err;
		mode_t mode;
	} res;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(fds[0]);
		close(fds[1]);
		return e;
	}
	if (pid == 0) {
		res.mode = 0;
		res.err = write_value(ctx, rel, value, &res.mode);
		if (write(fds[1], &res, sizeof(res)) < 0)
			_exit(127);
		_exit(0);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		long elapsed;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= timeout_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(fds[0]);
			return -ETIMEDOUT;
		}
		r = poll(&p, 1, (int)(timeout_ms - elapsed));
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			ssize_t n = read(fds[0], &res, sizeof(res));

			close(fds[0]);
			waitpid(pid, &status, 0);
			if (n != sizeof(res))
				return -EIO;
			*mode = res.mode;
			return res.err;
		}
	}
}

int pt_write_attr(struct pt_ctx *ctx, const char *value, int timeout_ms, const char *fmt, ...)
{
	char path[4096], rel[4096];
	int vlen = (int)strcspn(value, "\n"); /* messages quote the value without its newline */
	mode_t mode = 0;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vrel(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (r < 0 || pt_path(ctx, path, sizeof(path), "%s", rel) < 0)
		return pt_err(ctx, -ENAMETOOLONG, "path too long writing %s", fmt);
	ctx->writes++;
	if (fail_injected(ctx, path))
		return pt_err(ctx, -EIO, "writing \"%.*s\" to %s: %s (injected by PASSTHRU_FAIL_WRITE)",
			      vlen, value, path, strerror(EIO));
	if (timeout_ms > 0)
		r = write_blocking(ctx, rel, value, timeout_ms, &mode);
	else
		r = write_value(ctx, rel, value, &mode);
	if (r == -ETIMEDOUT)
		return pt_err(ctx, r, "writing \"%.*s\" to %s did not finish within %d ms",
			      vlen, value, path, timeout_ms);
	if (r == -ELOOP && S_ISLNK(mode))
		return pt_err(ctx, r, "refusing to write \"%.*s\" to %s: it is a symbolic link "
			      "(passthru never writes through a link; is this tree tampered with?)",
			      vlen, value, path);
	if (r == -EINVAL && mode && !S_ISREG(mode))
		return pt_err(ctx, r, "refusing to write \"%.*s\" to %s: it is %s, not a sysfs "
			      "attribute", vlen, value, path, pt_file_kind(mode));
	if (r == -EAGAIN)
		return pt_err(ctx, r, "refusing to write \"%.*s\" to %s: it changed while being "
			      "opened", vlen, value, path);
	if (r < 0)
		return pt_err(ctx, r, "writing \"%.*s\" to %s: %s", vlen, value, path, strerror(-r));
	return 0;
}

/* ---- small helpers ---- */

int pt_grow(void **arr, size_t n, size_t elem)
{
	size_t cap;
	void *na;

	/* capacity is the next power of two >= n+1; grow only when n is a power of two */
	if (n != 0 && (n & (n - 1)) != 0)
		return 0;
	cap = n ? n * 2 : 4;
	if (n != 0 && n < 4)
		return 0;
	na = realloc(*arr, cap * elem);
	if (!na)
		return -ENOMEM;
	*arr = na;
	return 0;
}

char *pt_strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void pt_strlcpy(char *dst, const char *src, size_t len)
{
	size_t n = strlen(src);

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void pt_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
