// SPDX-License-Identifier: MIT
/*
 * What commands load, each the one way: a profile or host configuration through the
 * library's one loader (pt_config_load, which formats file:line:col), the state
 * database; and the small parsing and exit-status rules they share.
 */
#include "cli.h"
#include "passthru/assign.h"
#include "passthru/profile.h"
#include "passthru/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_load_profile(struct cli *cli, const char *file, struct pt_profile *p)
{
	struct pt_config_file c;

	if (!file) {
		pt_profile_defaults(p);
		return 0;
	}
	if (pt_config_load(cli->ctx, file, PT_CONFIG_PROFILE, &c) < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return -1;
	}
	*p = c.profile;
	return 0;
}

int cli_load_hostcfg(struct cli *cli, const char *file, struct pt_config_file *c, char *path,
		     size_t len)
{
	int r;

	if (file)
		snprintf(path, len, "%s", file);
	else if (pt_path(cli->ctx, path, len, PT_HOSTCFG_DEFAULT) < 0)
		return -ENAMETOOLONG;
	/* the default lives in the sysroot: read through the seam, inside the tree */
	r = file ? (access(path, R_OK) == 0 ? 0 : -errno)
		 : pt_config_load_sysroot(cli->ctx, PT_HOSTCFG_DEFAULT, PT_CONFIG_ANY, c);
	if (r == -ENOENT || r == -EACCES || (file && r < 0)) {
		cli_error("cannot read the host configuration %s: %s (--config FILE names another; "
			  "its pools: section says what can be assigned)", path, strerror(-r));
		return -ENOENT;
	}
	if (file)
		r = pt_config_load(cli->ctx, path, PT_CONFIG_ANY, c);
	if (r < 0)
		cli_error("%s", pt_ctx_error(cli->ctx));
	return r;
}

const struct pt_hostcfg *cli_boot_config(struct cli *cli, const struct pt_profile *p,
					 struct pt_config_file *c)
{
	int r;

	memset(c, 0, sizeof(*c));
	if (p->cfg.boot.present)
		return &p->cfg;
	r = pt_config_load_sysroot(cli->ctx, PT_HOSTCFG_DEFAULT, PT_CONFIG_ANY, c);
	if (r == -ENOENT)
		return NULL;
	if (r < 0) {
		cli_warn("the boot checks are skipped: %s", pt_ctx_error(cli->ctx));
		return NULL;
	}
	return pt_config_file_hostcfg(c)->boot.present ? pt_config_file_hostcfg(c) : NULL;
}

struct pt_state *cli_state_open(struct cli *cli)
{
	struct pt_state *st = NULL;
	struct pt_recovery rec;

	if (pt_state_open(cli->ctx, cli->state_dir, &st) < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return NULL;
	}
	/* what a killed assign, release or apply left behind, dealt with first: every
	 * command that reads or changes leases sees only whole ones */
	if (pt_assign_recover(cli->ctx, st, cli->state_dir, 0, &rec) < 0)
		cli_warn("recovering what an interrupted passthru left: %s", pt_ctx_error(cli->ctx));
	else if (rec.recovered)
		cli_warn("an interrupted passthru was recovered: %zu pending lease%s rolled back%s%s",
			 rec.aborted, rec.aborted == 1 ? "" : "s", rec.what[0] ? "; " : "", rec.what);
	return st;
}

/* A library error's exit status: refusals and failures 1, inability to run 2. */
int cli_exit_status(int r)
{
	switch (r) {
	case -ENOSPC: case -EPERM: case -EIO: case -EEXIST: case -ENOTSUP: case -ENODEV:
	case -ENOENT: case -E2BIG:
		return EXIT_FAIL;
	default:
		return EXIT_ERROR;
	}
}

int cli_parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || !*s || v < lo || v > hi) {
		cli_error("%s: '%s' is not a number in %d..%d", opt, s, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}
