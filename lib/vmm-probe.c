// SPDX-License-Identifier: MIT
/*
 * What the VM manager installed here can do (pt_vmm_probe, passthru/assign.h), asked of
 * its programs through lib/run.c: `qemu-system-x86_64 -object help` lists iommufd,
 * `virsh --version` is new enough; and the pure readers of what they print (fuzzed).
 * PASSTHRU_QEMU and PASSTHRU_VIRSH name other binaries (tests; a QEMU off PATH). Each
 * program runs at most 10 s, its output bounded (64 KiB), stderr dropped. What it could
 * not learn stays unknown, with why; the decision is pt_vfio_backend_choose's.
 *
 * Owns: asking QEMU and virsh, reading their answers.
 * Never: decides the VFIO path, prints, writes.
 */
#include "internal.h"
#include "passthru/assign.h"

#include <errno.h>
#include <stdio.h>

#define VMM_MAX (64u << 10)
#define VMM_TIMEOUT_MS 10000

int pt_qemu_help_lists(const char *buf, size_t len, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; buf && i < len;) {
		size_t e = i, a, b;

		while (e < len && buf[e] != '\n')
			e++;
		a = i;
		b = e;
		while (a < b && (buf[a] == ' ' || buf[a] == '\t'))
			a++;
		while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\r'))
			b--;
		if (b - a == nl && memcmp(buf + a, name, nl) == 0)
			return 1;
		i = e + 1;
	}
	return 0;
}

int pt_libvirt_version_parse(const char *buf, size_t len, int *major, int *minor)
{
	long v[2] = { 0, 0 };
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	for (int k = 0; k < 2; k++) {
		size_t start = i;

		while (i < len && buf[i] >= '0' && buf[i] <= '9' && i - start < 6)
			v[k] = v[k] * 10 + (buf[i++] - '0');
		if (i == start)
			return -EINVAL;
		if (k == 0 && (i >= len || buf[i++] != '.'))
			return -EINVAL;
	}
	if (i < len && buf[i] != '.' && buf[i] != '\n' && buf[i] != ' ' && buf[i] != '\0')
		return -EINVAL;
	*major = (int)v[0];
	*minor = (int)v[1];
	return 0;
}

static const char *prog(const char *env, const char *dflt)
{
	const char *p = getenv(env);

	return p && *p ? p : dflt;
}

/* Runs argv; its output (malloc'd) when it ran and exited 0, else NULL. */
static char *ask(const char *const argv[], size_t *len)
{
	const struct pt_run_opts o = { .max_out = VMM_MAX, .timeout_ms = VMM_TIMEOUT_MS };
	char *buf = NULL;
	int r = pt_run(argv, &o, &buf, len);

	if (r == 0)
		return buf;
	free(buf);
	return NULL;
}

int pt_vmm_probe(struct pt_ctx *ctx, bool libvirt, struct pt_vmm_support *v)
{
	const char *const qargv[] = { prog("PASSTHRU_QEMU", "qemu-system-x86_64"), "-object", "help",
				      NULL };
	const char *const vargv[] = { prog("PASSTHRU_VIRSH", "virsh"), "--version", NULL };
	int major, minor;
	size_t n = 0;
	char *buf;

	(void)ctx;
	memset(v, 0, sizeof(*v));
	v->qemu_iommufd = v->libvirt_iommufd = PT_UNKNOWN;
	buf = ask(qargv, &n);
	if (!buf) {
		snprintf(v->qemu_evidence, sizeof(v->qemu_evidence), "'%s -object help' did not run",
			 qargv[0]);
	} else {
		v->qemu_iommufd = pt_qemu_help_lists(buf, n, "iommufd") ? PT_YES : PT_NO;
		snprintf(v->qemu_evidence, sizeof(v->qemu_evidence), "'%s -object help' %s iommufd",
			 qargv[0], v->qemu_iommufd == PT_YES ? "lists" : "does not list");
	}
	free(buf);
	if (!libvirt)
		return 0;
	buf = ask(vargv, &n);
	if (!buf || pt_libvirt_version_parse(buf, n, &major, &minor) < 0) {
		snprintf(v->libvirt_evidence, sizeof(v->libvirt_evidence),
			 "'%s --version' did not tell libvirt's version", vargv[0]);
		free(buf);
		return 0;
	}
	free(buf);
	v->libvirt_iommufd = major > PT_LIBVIRT_IOMMUFD_MAJOR ||
			     (major == PT_LIBVIRT_IOMMUFD_MAJOR && minor >= PT_LIBVIRT_IOMMUFD_MINOR)
			     ? PT_YES : PT_NO;
	snprintf(v->libvirt_evidence, sizeof(v->libvirt_evidence),
		 "libvirt %d.%d (%s --version): %s %d.%d", major, minor, vargv[0],
		 v->libvirt_iommufd == PT_YES ? "at least" : "older than",
		 PT_LIBVIRT_IOMMUFD_MAJOR, PT_LIBVIRT_IOMMUFD_MINOR);
	return 0;
}
