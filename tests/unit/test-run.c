// SPDX-License-Identifier: MIT
/*
 * The library's one way to run a program (lib/run.c, pt_run): the exit status, stdout
 * captured, the output bound (cut or -EFBIG), the timeout that kills the program and
 * what it started, a program that cannot be run, a signal. /bin/sh -c scripts.
 */
#include "internal.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Runs `sh -c script` with o; the result, and the output in *out (freed by the caller). */
static int sh(const char *script, const struct pt_run_opts *o, char **out, size_t *len)
{
	const char *const argv[] = { "/bin/sh", "-c", script, NULL };

	return pt_run(argv, o, out, len);
}

static void status_and_output(void)
{
	const struct pt_run_opts o = { 0 };
	char *out = NULL;
	size_t len = 99;
	int r;

	r = sh("printf 'hello\\nworld\\n'", &o, &out, &len);
	is_int(r, 0, "a program that exits 0: status 0");
	is_str(out, "hello\nworld\n", "its stdout captured whole");
	is_int(len, 12, "and its length");
	free(out);

	out = NULL;
	r = sh("echo partial; exit 3", &o, &out, &len);
	is_int(r, 3, "exit 3: status 3, not an error");
	is_str(out, "partial\n", "the output of a failing program is still given");
	free(out);

	out = NULL;
	r = sh("exit 0", &o, &out, &len);
	ok(r == 0 && out && out[0] == '\0' && len == 0, "no output: an empty string, length 0");
	free(out);

	r = sh("echo dropped; exit 7", &o, NULL, NULL);
	is_int(r, 7, "out and outlen may be NULL: the status alone");

	out = NULL;
	r = sh("echo to-stderr >&2; read x; echo \"stdin:[$x]\"", &o, &out, &len);
	is_str(out, "stdin:[]\n", "stdin is /dev/null and stderr is not captured");
	free(out);
}

static void not_runnable(void)
{
	const char *const missing[] = { "/nonexistent/passthru-no-such-program", NULL };
	const char *const on_path[] = { "passthru-no-such-program-on-path", "--version", NULL };
	const char *const not_exec[] = { "/dev/null", NULL };
	const struct pt_run_opts o = { .timeout_ms = 5000 };
	char *out = (char *)"untouched";
	size_t len = 5;

	is_int(pt_run(missing, &o, &out, &len), -ENOENT, "a missing program: -ENOENT");
	ok(out == NULL && len == 0, "and no output");
	is_int(pt_run(on_path, &o, NULL, NULL), -ENOENT, "a name not on PATH: -ENOENT");
	is_int(pt_run(not_exec, &o, NULL, NULL), -ENOENT, "a file that is not executable: -ENOENT");
	is_int(sh("exit 127", &o, NULL, NULL), 127, "a program that exits 127 is its status, not -ENOENT");
}

static void output_bound(void)
{
	struct pt_run_opts o = { .max_out = 1000 };
	char *out = NULL;
	size_t len = 0;
	long long t0;
	int r;

	/* 100000 bytes of 'x', then exit 5 */
	r = sh("head -c 100000 /dev/zero | tr '\\0' x; exit 5", &o, &out, &len);
	is_int(r, -EFBIG, "more than max_out: -EFBIG");
	ok(out == NULL, "and no output");

	r = sh("printf %1000s ''", &o, &out, &len);
	is_int(r, 0, "exactly max_out bytes: not too big");
	is_int(len, 1000, "all 1000 kept");
	free(out);

	out = NULL;
	o.truncate = true;
	r = sh("head -c 100000 /dev/zero | tr '\\0' x; exit 5", &o, &out, &len);
	is_int(r, 5, "truncate: the rest drained, the exit status stands");
	is_int(len, 1000, "the first max_out bytes kept");
	ok(out && strspn(out, "x") == 1000 && out[1000] == '\0', "they are the program's, NUL-terminated");
	free(out);

	/* without truncate, a program that would write forever is killed, not waited for */
	out = NULL;
	o.truncate = false;
	t0 = ms_now();
	r = sh("yes", &o, &out, &len);
	is_int(r, -EFBIG, "an endless writer: -EFBIG");
	ok(ms_now() - t0 < 5000, "and it was killed (%lld ms)", ms_now() - t0);
}

static bool gone(pid_t pid)
{
	/* killed, then reaped by init; a zombie counts as gone (it runs no more) */
	for (int i = 0; i < 100; i++) {
		char p[64], st[256] = "";
		FILE *f;

		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
		if ((f = fopen(p, "r"))) {
			char *c;

			if (!fgets(st, sizeof(st), f))
				st[0] = '\0';
			fclose(f);
			c = strrchr(st, ')');
			if (c && c[1] == ' ' && c[2] == 'Z')
				return true;
		}
		usleep(20000);
	}
	return false;
}

static void timeout(void)
{
	const struct pt_run_opts o = { .timeout_ms = 300 };
	char pidfile[] = "/tmp/pt-run-test-XXXXXX", script[256], buf[32] = "";
	char *out = NULL;
	size_t len = 0;
	long long t0, took;
	int fd, r;
	pid_t child = 0;

	fd = mkstemp(pidfile);
	ok(fd >= 0, "a temporary file for the grandchild's pid");
	if (fd < 0)
		return;
	/* the shell starts a sleep in the background (it holds stdout too) and waits */
	snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; wait", pidfile);
	t0 = ms_now();
	r = sh(script, &o, &out, &len);
	took = ms_now() - t0;
	is_int(r, -ETIMEDOUT, "a program past its timeout: -ETIMEDOUT");
	ok(out == NULL, "and no output");
	ok(took >= 250 && took < 5000, "it returned at the timeout (%lld ms for 300)", took);
	if (pread(fd, buf, sizeof(buf) - 1, 0) > 0)
		child = (pid_t)atoi(buf);
	ok(child > 0 && gone(child), "what the program started was killed with it (pid %d)", (int)child);
	close(fd);
	unlink(pidfile);

	r = sh("echo quick", &o, &out, &len);
	ok(r == 0 && out && !strcmp(out, "quick\n"), "a program within its timeout is unaffected");
	free(out);
}

static void signals(void)
{
	int sig = -1;
	const struct pt_run_opts o = { .signo = &sig };
	char *out = NULL;
	size_t len = 0;

	is_int(sh("echo before; kill -TERM $$", &o, &out, &len), -EINTR, "killed by a signal: -EINTR");
	is_int(sig, SIGTERM, "and which signal");
	ok(out == NULL, "and no output");
}

static void stderr_inherit(void)
{
	const struct pt_run_opts o = { .stderr_inherit = true };
	char path[] = "/tmp/pt-run-err-XXXXXX", buf[64] = "";
	int fd = mkstemp(path), saved = dup(2);

	ok(fd >= 0 && saved >= 0, "a file to stand for the caller's stderr");
	if (fd < 0 || saved < 0)
		return;
	fflush(stderr);
	dup2(fd, 2);
	is_int(sh("echo to-the-caller >&2", &o, NULL, NULL), 0, "stderr inherited: it ran");
	dup2(saved, 2);
	close(saved);
	if (pread(fd, buf, sizeof(buf) - 1, 0) < 0)
		buf[0] = '\0';
	is_str(buf, "to-the-caller\n", "its stderr reached the caller's");
	close(fd);
	unlink(path);
}

int main(void)
{
	const char *const none[] = { NULL };
	const struct pt_run_opts o = { 0 };

	status_and_output();
	not_runnable();
	output_bound();
	timeout();
	signals();
	stderr_inherit();
	is_int(pt_run(none, &o, NULL, NULL), -EINVAL, "no program: -EINVAL");
	return done_testing();
}
