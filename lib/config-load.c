// SPDX-License-Identifier: MIT
/*
 * pt_config_load (profile.h): the one loader every command uses. A profile, else a
 * bare host configuration (lib/profile.c), with the FILE.d/ drop-ins that one-shot
 * commands persist merged over it (lib/oneshot.c), and every error as the context's
 * "FILE:LINE:COL: message". It sits above both, so neither calls the other.
 */
#include "internal.h"
#include "passthru/oneshot.h"
#include "passthru/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "FILE:LINE:COL: message" into ctx, as every command prints it. */
static int config_error(struct pt_ctx *ctx, int r, const char *path, const struct pt_cfg_error *e)
{
	const char *file = e->file[0] ? e->file : path;

	if (e->line > 0)
		return pt_err(ctx, r, "%s:%d:%d: %s", file, e->line, e->col, e->msg);
	return pt_err(ctx, r, "%s: %s", file, e->msg);
}

/* FILE.d/ drop-ins (passthru bind|vf|sriov --persist), merged over c in name order. */
static int merge_dropins(struct pt_ctx *ctx, const char *path, struct pt_hostcfg *c)
{
	struct pt_cfg_error e;
	char dir[4096];
	int n;

	pt_hostcfg_dropin_dir(path, dir, sizeof(dir));
	n = pt_hostcfg_load_dropins(dir, c, &e);
	if (n == -EINVAL)
		return config_error(ctx, n, dir, &e);
	if (n < 0)
		return pt_err(ctx, n, "%s: %s", dir, strerror(-n));
	return n;
}

int pt_config_load(struct pt_ctx *ctx, const char *path, enum pt_config_kind kind,
		   struct pt_config_file *out)
{
	struct pt_cfg_error e, e2;
	int r;

	memset(out, 0, sizeof(*out));
	if (kind == PT_CONFIG_ANY && access(path, F_OK) != 0 && errno == ENOENT) {
		/* no FILE, but drop-ins: they are the whole configuration */
		r = merge_dropins(ctx, path, &out->hostcfg);
		if (r > 0)
			return 0;
		pt_hostcfg_free(&out->hostcfg);
		if (r < 0)
			return r;
	}
	r = pt_profile_load(path, &out->profile, &e);
	if (r == 0) {
		out->is_profile = true;
	} else if (kind == PT_CONFIG_ANY && pt_hostcfg_load(path, &out->hostcfg, &e2) == 0) {
		r = 0;
	} else {
		return config_error(ctx, r, path, &e);
	}
	r = merge_dropins(ctx, path, out->is_profile ? &out->profile.cfg : &out->hostcfg);
	if (r < 0) {
		pt_config_file_free(out);
		return r;
	}
	return 0;
}

int pt_config_load_sysroot(struct pt_ctx *ctx, const char *rel, enum pt_config_kind kind,
			   struct pt_config_file *out)
{
	struct pt_cfg_error e, e2;
	char path[4096], *buf = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (pt_path(ctx, path, sizeof(path), "%s", rel) < 0)
		return pt_err(ctx, -ENAMETOOLONG, "sysroot path too long for %s", rel);
	/* on "/" as pt_config_load (drop-ins too); in a tree, through the seam: inside it,
	 * a regular file only */
	if (!ctx->sysroot[0])
		return pt_config_load(ctx, path, kind, out);
	r = pt_read_file(ctx, &buf, &len, 4u << 20, "%s", rel);
	if (r < 0)
		return pt_err(ctx, r, "cannot read %s: %s", path,
			      r == -EINVAL ? "not a regular file" : strerror(-r));
	r = pt_profile_parse(buf, len, path, &out->profile, &e);
	if (r == 0) {
		out->is_profile = true;
	} else if (kind == PT_CONFIG_ANY && pt_hostcfg_parse(buf, len, path, &out->hostcfg, &e2) == 0) {
		r = 0;
	}
	free(buf);
	if (r < 0)
		return config_error(ctx, r, path, &e);
	{
		/* the drop-ins of a file in the tree, read inside it as the file was */
		char reldir[4096];

		pt_hostcfg_dropin_dir(rel, reldir, sizeof(reldir));
		r = pt_hostcfg_load_dropins_sysroot(ctx, reldir,
						    out->is_profile ? &out->profile.cfg : &out->hostcfg,
						    &e);
		if (r == -EINVAL && e.msg[0])
			r = config_error(ctx, r, reldir, &e);
	}
	if (r < 0) {
		pt_config_file_free(out);
		return r;
	}
	return 0;
}

const struct pt_hostcfg *pt_config_file_hostcfg(const struct pt_config_file *c)
{
	return c->is_profile ? &c->profile.cfg : &c->hostcfg;
}

void pt_config_file_free(struct pt_config_file *c)
{
	if (!c)
		return;
	if (c->is_profile)
		pt_profile_free(&c->profile);
	else
		pt_hostcfg_free(&c->hostcfg);
	memset(c, 0, sizeof(*c));
}
