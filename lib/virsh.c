// SPDX-License-Identifier: MIT
/*
 * A libvirt domain's XML, from libvirt itself when it runs here: `virsh dumpxml`, the
 * one external command the library runs, and only on the host it runs on (the sysroot
 * is "/"): a captured tree never makes passthru ask the machine it is read on. The
 * command is found as PASSTHRU_VIRSH (a path: what tests put a fake virsh in), else
 * `virsh` on PATH when libvirt's socket is there. Its output is bounded (4 MiB) and so
 * is its time (5 s); it is read-only (--readonly). When it cannot answer, the live XML
 * libvirt keeps under /run/libvirt/qemu is read through the seam instead.
 */
#include "internal.h"
#include "passthru/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VIRSH_MAX (4u << 20)
#define VIRSH_TIMEOUT_MS 5000
#define LIBVIRT_RUN "/run/libvirt/qemu"

static long ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The virsh to run, or NULL: only on "/", PASSTHRU_VIRSH, else virsh when a libvirt
 * daemon's socket exists (libvirtd's, or the modular virtqemud's). */
static const char *virsh_cmd(const struct pt_ctx *ctx)
{
	const char *env = getenv("PASSTHRU_VIRSH"), *root = pt_ctx_sysroot(ctx);

	if (root && root[0] && strcmp(root, "/") != 0)
		return NULL;
	if (env && env[0])
		return env;
	if (access("/run/libvirt/libvirt-sock", F_OK) != 0 &&
	    access("/run/libvirt/virtqemud-sock", F_OK) != 0)
		return NULL;
	return "virsh";
}

/* Runs virsh --readonly -c qemu:///system dumpxml --domain NAME; 0 with *out, or -errno. */
static int run_virsh(const char *cmd, const char *name, char **out, size_t *outlen)
{
	int fds[2], status = 0, r = 0;
	size_t len = 0;
	char *buf;
	long deadline;
	pid_t pid;

	buf = malloc(VIRSH_MAX + 1);
	if (!buf)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(buf);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(fds[0]);
		close(fds[1]);
		free(buf);
		return r;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		dup2(fds[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		execlp(cmd, cmd, "--readonly", "--connect", "qemu:///system", "dumpxml", "--domain",
		       name, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	deadline = ms_now() + VIRSH_TIMEOUT_MS;
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		long left = deadline - ms_now();
		ssize_t n;

		if (left <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -ETIMEDOUT;
			break;
		}
		n = read(fds[0], buf + len, VIRSH_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == VIRSH_MAX) {
			r = -EFBIG;
			break;
		}
	}
	close(fds[0]);
	if (r < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0))
		r = -ENOENT; /* no such domain, no connection, or no virsh */
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int pt_libvirt_domain_xml(struct pt_ctx *ctx, const char *name, char **buf, size_t *len,
			  char *via, size_t vialen)
{
	const char *cmd;
	int r;

	*buf = NULL;
	*len = 0;
	if (via && vialen)
		via[0] = '\0';
	/* a name, not a path nor an option */
	if (!name[0] || strchr(name, '/') || name[0] == '.' || name[0] == '-')
		return pt_err(ctx, -EINVAL, "'%s' is not a libvirt domain name", name);
	cmd = virsh_cmd(ctx);
	if (cmd && run_virsh(cmd, name, buf, len) == 0) {
		if (via)
			snprintf(via, vialen, "virsh dumpxml");
		return 0;
	}
	r = pt_read_file(ctx, buf, len, VIRSH_MAX, LIBVIRT_RUN "/%s.xml", name);
	if (r < 0)
		return pt_err(ctx, r, "no libvirt domain %s: %s%s/%s.xml: %s", name,
			      cmd ? "virsh dumpxml did not answer, and " : "", LIBVIRT_RUN, name,
			      strerror(-r));
	if (via)
		snprintf(via, vialen, LIBVIRT_RUN "/%s.xml", name);
	return 0;
}
