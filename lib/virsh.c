// SPDX-License-Identifier: MIT
/*
 * A libvirt domain's XML, from libvirt itself when it runs here: `virsh dumpxml`, run
 * (lib/run.c) only on the host it runs on (the sysroot is "/"): a captured tree never
 * makes passthru ask the machine it is read on. The command is found as PASSTHRU_VIRSH
 * (a path: what tests put a fake virsh in), else `virsh` on PATH when libvirt's socket
 * is there. Its output is bounded (4 MiB) and so is its time (5 s); it is read-only
 * (--readonly). When it cannot answer, the live XML
 * libvirt keeps under /run/libvirt/qemu is read through the seam instead.
 */
#include "internal.h"
#include "passthru/vm.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#define VIRSH_MAX (4u << 20)
#define VIRSH_TIMEOUT_MS 5000
#define LIBVIRT_RUN "/run/libvirt/qemu"

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

/* Runs virsh --readonly -c qemu:///system dumpxml --domain NAME (stderr dropped, bounded
 * in time and size: pt_run); 0 with *out, or -errno: -ENOENT when it did not answer
 * (no such domain, no connection, no virsh). */
static int run_virsh(const char *cmd, const char *name, char **out, size_t *outlen)
{
	const char *const argv[] = { cmd, "--readonly", "--connect", "qemu:///system", "dumpxml",
				     "--domain", name, NULL };
	const struct pt_run_opts o = { .max_out = VIRSH_MAX, .timeout_ms = VIRSH_TIMEOUT_MS };
	int r = pt_run(argv, &o, out, outlen);

	if (r == 0 && *outlen)
		return 0;
	free(*out);
	*out = NULL;
	*outlen = 0;
	return r < 0 && r != -EINTR ? r : -ENOENT;
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
