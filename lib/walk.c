// SPDX-License-Identifier: MIT
/*
 * Path resolution inside a root, as the kernel does it under chroot, without I/O of
 * its own: pt_walk() splits the path, keeps the depth below the root, splices link
 * targets into what is left, and asks its caller (ops) what each name is. The
 * sysroot seam drives it over real directories (openat with O_NOFOLLOW per
 * component) where the kernel lacks openat2(RESOLVE_IN_ROOT); the fuzz harness
 * drives it over an invented tree and checks that it never climbs above the root.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>

static int set_last(char *last, size_t lastlen, const char *name, size_t n)
{
	if (n >= lastlen)
		return -ENAMETOOLONG;
	memcpy(last, name, n);
	last[n] = '\0';
	return 0;
}

int pt_walk(const char *path, bool follow_last, const struct pt_walk_ops *ops, void *op,
	    char *last, size_t lastlen)
{
	char todo[2 * PATH_MAX], target[PATH_MAX], comp[NAME_MAX + 1];
	size_t depth = 0, plen = strlen(path);
	int links = 0;
	char *p;

	if (plen >= sizeof(todo))
		return -ENAMETOOLONG;
	memcpy(todo, path, plen + 1);
	p = todo;
	for (;;) {
		size_t clen;
		bool is_last;
		int k;

		while (*p == '/')
			p++;
		if (!*p)
			return set_last(last, lastlen, ".", 1); /* the directory reached */
		clen = strcspn(p, "/");
		if (clen > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, clen);
		comp[clen] = '\0';
		p += clen;
		while (*p == '/')
			p++;
		is_last = !*p;
		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			/* ".." of the root is the root */
			if (comp[1] && depth > 0) {
				ops->leave(op);
				depth--;
			}
			if (is_last)
				return set_last(last, lastlen, ".", 1);
			continue;
		}
		if (is_last && !follow_last)
			return set_last(last, lastlen, comp, clen);
		k = ops->lookup(op, comp, target, sizeof(target));
		if (k < 0)
			return k;
		if (k == PT_WALK_LINK) {
			size_t tl = strlen(target), rl = strlen(p);

			if (++links > PT_WALK_MAX_LINKS)
				return -ELOOP;
			if (tl == 0)
				return -ENOENT;
			if (tl + 1 + rl >= sizeof(todo))
				return -ENAMETOOLONG;
			/* what is left moves behind the target: "target/rest" */
			memmove(todo + tl + 1, p, rl + 1);
			memcpy(todo, target, tl);
			todo[tl] = '/';
			p = todo;
			if (target[0] == '/') {
				ops->reset(op);
				depth = 0;
			}
			continue;
		}
		if (is_last)
			return set_last(last, lastlen, comp, clen);
		if (k == PT_WALK_MISSING)
			return -ENOENT;
		if (k != PT_WALK_DIR)
			return -ENOTDIR;
		k = ops->enter(op, comp);
		if (k < 0)
			return k;
		depth++;
	}
}
