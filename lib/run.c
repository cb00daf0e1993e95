// SPDX-License-Identifier: MIT
/*
 * Running a program (pt_run, lib/internal.h): the one place the library starts one.
 * argv runs as given (no shell; a name without '/' is looked up on PATH), stdin from
 * /dev/null, stdout captured up to a bound, stderr to /dev/null or the caller's, for
 * at most a timeout, then reaped.
 *
 * Owns: fork, exec, the pipe, the deadline, the output bound, reaping.
 * Never: decides whether a program may run or which (the callers' policy: nothing on a
 * sysroot, the PASSTHRU_* test seams), reads through the seam, prints.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_MAX_DEFAULT (64u << 10)
#define RUN_CHUNK (64u << 10)

static long long ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The child's side: stdin (and stderr unless inherited) on /dev/null, stdout the pipe,
 * then exec; an exec failure's errno goes back through errfd (close-on-exec: a
 * successful exec closes it unwritten). Never returns. */
static void child(const char *const argv[], const struct pt_run_opts *o, int outfd, int errfd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), e;

	if (o->timeout_ms)
		setpgid(0, 0); /* its own group: a timeout kills what it started too */
	if (null >= 0) {
		dup2(null, 0);
		if (!o->stderr_inherit)
			dup2(null, 2);
	}
	dup2(outfd, 1);
	execvp(argv[0], (char *const *)argv);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Did the exec succeed? Reads the child's report: 0, or -ENOENT when the program could
 * not be run (not found, not executable: whatever exec said). */
static int exec_result(int errfd)
{
	ssize_t n;
	int e = 0;

	while ((n = read(errfd, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(errfd);
	return n == (ssize_t)sizeof(e) ? -ENOENT : 0;
}

/* Reads fd to its end into *buf (grown up to max bytes, NUL-terminated), within the
 * deadline (0: none). Past max: with truncate the rest is read and dropped, else
 * -EFBIG. 0, or -ETIMEDOUT, -EFBIG, -ENOMEM, a read's -errno. */
static int capture(int fd, const struct pt_run_opts *o, size_t max, char **buf, size_t *len)
{
	long long deadline = o->timeout_ms ? ms_now() + o->timeout_ms : 0;
	size_t cap = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char sink[4096];
		int wait = -1;
		ssize_t n;

		if (deadline) {
			long long left = deadline - ms_now();

			if (left <= 0)
				return -ETIMEDOUT;
			wait = (int)left;
		}
		n = poll(&p, 1, wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			continue; /* the deadline, checked above */
		if (*len == cap && cap < max) {
			size_t want = cap ? cap * 2 : RUN_CHUNK;
			char *nb;

			if (want > max)
				want = max;
			nb = realloc(*buf, want + 1);
			if (!nb)
				return -ENOMEM;
			*buf = nb;
			cap = want;
		}
		if (*len < cap)
			n = read(fd, *buf + *len, cap - *len);
		else
			n = read(fd, sink, sizeof(sink)); /* past the bound: is there more? */
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (*len < cap)
			*len += (size_t)n;
		else if (!o->truncate)
			return -EFBIG;
	}
}

int pt_run(const char *const argv[], const struct pt_run_opts *o, char **out, size_t *outlen)
{
	size_t max = o->max_out ? o->max_out : RUN_MAX_DEFAULT, len = 0;
	int outp[2], errp[2], status = 0, r;
	char *buf = NULL;
	pid_t pid;

	if (out)
		*out = NULL;
	if (outlen)
		*outlen = 0;
	if (o->signo)
		*o->signo = 0;
	if (!argv || !argv[0] || !argv[0][0])
		return -EINVAL;
	if (pipe2(outp, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		r = -errno;
		close(outp[0]);
		close(outp[1]);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(outp[0]);
		close(outp[1]);
		close(errp[0]);
		close(errp[1]);
		return r;
	}
	if (pid == 0)
		child(argv, o, outp[1], errp[1]);
	if (o->timeout_ms)
		setpgid(pid, pid); /* as the child does: whichever runs first */
	close(outp[1]);
	close(errp[1]);
	r = exec_result(errp[0]);
	if (r == 0) {
		r = capture(outp[0], o, max, &buf, &len);
		/* it would write on, or never end: the group it leads, else itself (out of
		 * memory only stops the reading: the program ends, or meets a closed pipe) */
		if (r < 0 && r != -ENOMEM && (!o->timeout_ms || kill(-pid, SIGKILL) < 0))
			kill(pid, SIGKILL);
	}
	close(outp[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && WIFSIGNALED(status)) {
		if (o->signo)
			*o->signo = WTERMSIG(status);
		r = -EINTR;
	}
	if (r == 0 && !buf && !(buf = malloc(1)))
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	if (outlen)
		*outlen = len;
	if (out)
		*out = buf;
	else
		free(buf);
	return WEXITSTATUS(status);
}
