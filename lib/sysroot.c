// SPDX-License-Identifier: MIT
/*
 * The sysroot seam: every path the library touches under /sys, /proc, /dev, /etc
 * and /var is built here from the context's root prefix, and every write to kernel
 * state passes through pt_write_attr(), which counts it and can be made to fail.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int pt_err(struct pt_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	if (ctx) {
		va_start(ap, fmt);
		vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
		va_end(ap);
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
	const char *fail;
	size_t n;

	if (!ctx)
		return -ENOMEM;
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
	if (ctx->pacc && ctx->pacc_free)
		ctx->pacc_free(ctx->pacc);
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

/* Reads an attribute from fd (as open() returned it: -1 is its errno), closes it, and
 * trims the trailing newline sysfs adds. */
static int read_attr_fd(int fd, char *buf, size_t len)
{
	int r;

	if (fd < 0)
		return -errno;
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
	char path[4096];
	va_list ap;
	int r;

	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	va_start(ap, fmt);
	r = pt_vpath(ctx, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	return read_attr_fd(open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), buf, len);
}

/* The same, relative to a directory the caller opened through the seam (a device's
 * sysfs directory): no path walk through the sysroot and the bus symlink per file. */
int pt_read_attr_at(int dirfd, char *buf, size_t len, const char *name)
{
	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	return read_attr_fd(openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK), buf, len);
}

int pt_readlink_at(int dirfd, char *buf, size_t len, const char *name)
{
	ssize_t n;

	if (len == 0)
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
	char path[4096];
	size_t cap = 8192, got = 0;
	char *buf;
	va_list ap;
	int fd, r;

	va_start(ap, fmt);
	r = pt_vpath(ctx, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
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
			/* /dev/kmsg says EAGAIN at the end, EPIPE when overrun */
			if (errno == EAGAIN)
				break;
			if (errno == EPIPE)
				continue;
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
	char path[4096];
	va_list ap;
	ssize_t n;
	int r;

	va_start(ap, fmt);
	r = pt_vpath(ctx, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

int pt_exists(const struct pt_ctx *ctx, const char *fmt, ...)
{
	char path[4096];
	struct stat st;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = pt_vpath(ctx, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (r < 0)
		return 0;
	return stat(path, &st) == 0;
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

/*
 * Some sysfs writes block for a long time (sriov_numvfs while a PF driver sets up
 * VFs, unbind of a device a driver holds). With a timeout, the write runs in a
 * child process so the caller can give up instead of hanging with it.
 */
static int write_blocking(const char *path, const char *value, int timeout_ms)
{
	struct timespec start, now;
	int status, fds[2];
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
		int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), e = 0;
		size_t len = strlen(value);

		if (fd < 0)
			e = errno;
		else if (write(fd, value, len) != (ssize_t)len)
			e = errno ? errno : EIO;
		if (fd >= 0 && close(fd) < 0 && !e)
			e = errno;
		if (write(fds[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(0);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		long elapsed;
		int r, e = 0;

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
			ssize_t n = read(fds[0], &e, sizeof(e));

			close(fds[0]);
			waitpid(pid, &status, 0);
			if (n != sizeof(e))
				return -EIO;
			return -e;
		}
	}
}

int pt_write_attr(struct pt_ctx *ctx, const char *value, int timeout_ms, const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	size_t len;
	int fd, r;

	va_start(ap, fmt);
	r = pt_vpath(ctx, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (r < 0)
		return pt_err(ctx, r, "path too long writing %s", fmt);
	ctx->writes++;
	if (fail_injected(ctx, path))
		return pt_err(ctx, -EIO, "writing \"%s\" to %s: %s (injected by PASSTHRU_FAIL_WRITE)",
			      value, path, strerror(EIO));
	if (timeout_ms > 0) {
		r = write_blocking(path, value, timeout_ms);
		if (r == -ETIMEDOUT)
			return pt_err(ctx, r, "writing \"%s\" to %s did not finish within %d ms",
				      value, path, timeout_ms);
		if (r < 0)
			return pt_err(ctx, r, "writing \"%s\" to %s: %s", value, path, strerror(-r));
		return 0;
	}
	/* O_TRUNC as a shell's '>': sysfs ignores it; a tree's file then holds just the value */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		return pt_err(ctx, r, "opening %s for writing: %s", path, strerror(-r));
	}
	len = strlen(value);
	if (write(fd, value, len) != (ssize_t)len) {
		r = errno ? -errno : -EIO;
		close(fd);
		return pt_err(ctx, r, "writing \"%s\" to %s: %s", value, path, strerror(-r));
	}
	if (close(fd) < 0) {
		r = -errno;
		return pt_err(ctx, r, "writing \"%s\" to %s: %s", value, path, strerror(-r));
	}
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
