// SPDX-License-Identifier: MIT
/*
 * The state directory (apply journal and lock, state.db): which one, and making it.
 * --state-dir / PASSTHRU_STATE_DIR when given, else <sysroot>/var/lib/passthru.
 */
#include "internal.h"
#include "sysfs-paths.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

/* Parents as usual directories, the state directory itself private (0700). */
static int make_dirs(struct pt_ctx *ctx, const char *dir)
{
	char buf[4096];
	struct stat sb;
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return pt_err(ctx, -ENAMETOOLONG, "state directory path \"%s\" is unusable", dir);
	memcpy(buf, dir, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	/* parents as usual directories, the state directory itself private */
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
			int e = -errno;

			*p = '/';
			return pt_err(ctx, e, "cannot create %s for the state directory: %s", buf,
				      strerror(-e));
		}
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
		int e = -errno;

		return pt_err(ctx, e,
			      "cannot create the state directory %s: %s (run as root, or choose "
			      "another with --state-dir / PASSTHRU_STATE_DIR)",
			      buf, strerror(-e));
	}
	if (stat(buf, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return pt_err(ctx, -ENOTDIR, "state directory %s is not a directory", buf);
	return 0;
}

int pt_state_dir(struct pt_ctx *ctx, const char *state_dir, bool create, char *buf, size_t len)
{
	int r;

	if (state_dir && *state_dir)
		r = snprintf(buf, len, "%s", state_dir) < (int)len ? 0 : -ENAMETOOLONG;
	else
		r = pt_path(ctx, buf, len, PT_STATE_DIR_DEFAULT);
	if (r < 0)
		return pt_err(ctx, -ENAMETOOLONG, "state directory path is too long");
	return create ? make_dirs(ctx, buf) : 0;
}
