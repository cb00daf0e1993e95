// SPDX-License-Identifier: MIT
/*
 * The state directory (apply journal and lock, state.db): which one, and making it.
 * --state-dir / PASSTHRU_STATE_DIR when given, else <sysroot>/var/lib/passthru, made
 * inside the sysroot with no link on the way (a tree's "var" link cannot move the
 * lock, the journal or the database out of it).
 */
#include "internal.h"
#include "sysfs-paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Under a sysroot, the default state directory lies inside it: each component of
 * PT_STATE_DIR_DEFAULT is a real directory of the tree (made when absent and create),
 * never a link, so the lock, the journal and the database cannot land outside it. A
 * component absent without create ends the check (there is nothing to read there). */
static int confine_default(struct pt_ctx *ctx, bool create, const char *buf)
{
	char rest[256], *save = NULL, *name;
	int fd, r = 0;

	pt_strlcpy(rest, PT_STATE_DIR_DEFAULT, sizeof(rest));
	fd = pt_open_rel(ctx, "/", O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return pt_err(ctx, fd, "cannot open the sysroot %s: %s", pt_ctx_sysroot(ctx),
			      strerror(-fd));
	for (name = strtok_r(rest, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
		bool last = !save || !*save;
		struct stat st;
		int next;

		next = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT) {
			if (!create)
				break;
			if (mkdirat(fd, name, last ? 0700 : 0755) < 0 && errno != EEXIST) {
				r = pt_err(ctx, -errno, "cannot create the state directory %s: %s (run "
					   "as root, or choose another with --state-dir / "
					   "PASSTHRU_STATE_DIR)", buf, strerror(errno));
				break;
			}
			next = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			int e = -errno;

			if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				r = pt_err(ctx, -ELOOP, "the state directory %s would leave the sysroot: "
					   "its component \"%s\" is a symbolic link (choose one with "
					   "--state-dir / PASSTHRU_STATE_DIR)", buf, name);
			else
				r = pt_err(ctx, e, "cannot open the state directory %s: %s", buf,
					   strerror(-e));
			break;
		}
		close(fd);
		fd = next;
	}
	close(fd);
	return r;
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
	if (!(state_dir && *state_dir) && ctx->root_fd >= 0) {
		r = confine_default(ctx, create, buf);
		if (r < 0)
			return r;
	}
	return create ? make_dirs(ctx, buf) : 0;
}
