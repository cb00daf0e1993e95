// SPDX-License-Identifier: MIT
/*
 * What the VM manager installed here can do, asked of its programs (the library runs
 * none): `qemu-system-x86_64 -object help` lists iommufd, `virsh --version` is new
 * enough. The answers are parsed by the library (pt_qemu_help_lists,
 * pt_libvirt_version_parse) and the decision is its (pt_vfio_backend_choose).
 * PASSTHRU_QEMU and PASSTHRU_VIRSH name other binaries (tests; a QEMU off PATH).
 */
#include "vmm-probe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Runs argv (no shell), its stdout (up to len - 1 bytes) into buf; stderr dropped.
 * The byte count, or -1 when it could not run, failed or took over 10 s. */
static ssize_t run_capture(char *const argv[], char *buf, size_t len)
{
	int fds[2], ws;
	size_t got = 0;
	pid_t pid;
	time_t t0 = time(NULL);

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		int r = poll(&p, 1, 1000);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (time(NULL) - t0 > 10) {
			kill(pid, SIGKILL);
			break;
		}
		if (r == 0)
			continue;
		n = read(fds[0], buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got >= len - 1)
			break;
	}
	close(fds[0]);
	buf[got] = '\0';
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		return -1;
	return (ssize_t)got;
}

static const char *prog(const char *env, const char *dflt)
{
	const char *p = getenv(env);

	return p && *p ? p : dflt;
}

void vmm_probe(bool libvirt, struct pt_vmm_support *v)
{
	char buf[65536];
	char *qargv[] = { (char *)prog("PASSTHRU_QEMU", "qemu-system-x86_64"), "-object", "help", NULL };
	char *vargv[] = { (char *)prog("PASSTHRU_VIRSH", "virsh"), "--version", NULL };
	ssize_t n;

	memset(v, 0, sizeof(*v));
	v->qemu_iommufd = v->libvirt_iommufd = PT_UNKNOWN;
	n = run_capture(qargv, buf, sizeof(buf));
	if (n < 0) {
		snprintf(v->qemu_evidence, sizeof(v->qemu_evidence), "'%s -object help' did not run",
			 qargv[0]);
	} else {
		v->qemu_iommufd = pt_qemu_help_lists(buf, (size_t)n, "iommufd") ? PT_YES : PT_NO;
		snprintf(v->qemu_evidence, sizeof(v->qemu_evidence), "'%s -object help' %s iommufd",
			 qargv[0], v->qemu_iommufd == PT_YES ? "lists" : "does not list");
	}
	if (!libvirt)
		return;
	n = run_capture(vargv, buf, sizeof(buf));
	{
		int major, minor;

		if (n < 0 || pt_libvirt_version_parse(buf, (size_t)n, &major, &minor) < 0) {
			snprintf(v->libvirt_evidence, sizeof(v->libvirt_evidence),
				 "'%s --version' did not tell libvirt's version", vargv[0]);
			return;
		}
		v->libvirt_iommufd = major > PT_LIBVIRT_IOMMUFD_MAJOR ||
				     (major == PT_LIBVIRT_IOMMUFD_MAJOR && minor >= PT_LIBVIRT_IOMMUFD_MINOR)
				     ? PT_YES : PT_NO;
		snprintf(v->libvirt_evidence, sizeof(v->libvirt_evidence),
			 "libvirt %d.%d (%s --version): %s %d.%d", major, minor, vargv[0],
			 v->libvirt_iommufd == PT_YES ? "at least" : "older than",
			 PT_LIBVIRT_IOMMUFD_MAJOR, PT_LIBVIRT_IOMMUFD_MINOR);
	}
}
