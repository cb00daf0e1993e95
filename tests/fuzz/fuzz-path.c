// SPDX-License-Identifier: MIT
/*
 * Fuzzes the sysroot path resolver (pt_walk, lib/walk.c) over an invented tree. The
 * input's first line is the path to resolve; each further line "DIR/NAME=TARGET" makes
 * DIR/NAME (root-relative) a symbolic link to TARGET, "DIR/NAME!" a missing name and
 * "DIR/NAME." a regular file; every other name is a directory. The harness tracks
 * where the walk stands and aborts if it ever climbs above the root, if a result
 * names more than one component or "..", or if the walk follows more links than the
 * bound.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 64

struct entry {
	char path[256];
	char target[256];
	int kind; /* PT_WALK_* */
};

struct fake {
	struct entry e[MAX_ENTRIES];
	size_t n;
	char cur[8192]; /* root-relative, "" at the root; never holds "." or ".." */
	size_t depth;
	int lookups, links;
};

static void check(bool cond)
{
	if (!cond)
		abort();
}

static int f_lookup(void *op, const char *name, char *target, size_t tlen)
{
	struct fake *f = op;
	char full[8192 + NAME_MAX + 2];

	check(name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, ".."));
	f->lookups++;
	snprintf(full, sizeof(full), "%s%s%s", f->cur, f->cur[0] ? "/" : "", name);
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->e[i].path, full) == 0) {
			if (f->e[i].kind == PT_WALK_LINK) {
				f->links++;
				check(f->links <= PT_WALK_MAX_LINKS + 1); /* the last one is refused */
				snprintf(target, tlen, "%s", f->e[i].target);
			}
			return f->e[i].kind;
		}
	return PT_WALK_DIR;
}

static int f_enter(void *op, const char *name)
{
	struct fake *f = op;
	size_t len = strlen(f->cur);

	check(name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, ".."));
	if (len + strlen(name) + 2 > sizeof(f->cur) || f->depth >= PT_WALK_MAX_DEPTH)
		return -ENAMETOOLONG;
	snprintf(f->cur + len, sizeof(f->cur) - len, "%s%s", len ? "/" : "", name);
	f->depth++;
	return 0;
}

static void f_leave(void *op)
{
	struct fake *f = op;
	char *slash;

	check(f->depth > 0); /* the root has no parent to go to */
	f->depth--;
	slash = strrchr(f->cur, '/');
	if (slash)
		*slash = '\0';
	else
		f->cur[0] = '\0';
	check((f->depth == 0) == (f->cur[0] == '\0'));
}

static void f_reset(void *op)
{
	struct fake *f = op;

	f->cur[0] = '\0';
	f->depth = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pt_walk_ops ops = { f_lookup, f_enter, f_leave, f_reset };
	struct fake *f = calloc(1, sizeof(*f));
	char *s = malloc(size + 1), *line, *save = NULL, *path;
	char last[NAME_MAX + 1];
	int r;

	if (!f || !s)
		goto out;
	memcpy(s, data, size);
	s[size] = '\0';
	path = strtok_r(s, "\n", &save);
	if (!path)
		goto out;
	while ((line = strtok_r(NULL, "\n", &save)) && f->n < MAX_ENTRIES) {
		struct entry *e = &f->e[f->n];
		char *eq = strchr(line, '=');
		size_t len = strlen(line);

		if (eq) {
			*eq = '\0';
			snprintf(e->target, sizeof(e->target), "%s", eq + 1);
			e->kind = PT_WALK_LINK;
		} else if (len && (line[len - 1] == '!' || line[len - 1] == '.')) {
			e->kind = line[len - 1] == '!' ? PT_WALK_MISSING : PT_WALK_OTHER;
			line[len - 1] = '\0';
		} else {
			continue;
		}
		snprintf(e->path, sizeof(e->path), "%s", line);
		f->n++;
	}
	r = pt_walk(path, size & 1, &ops, f, last, sizeof(last));
	if (r == 0) {
		check(last[0] && !strchr(last, '/') && strcmp(last, "..") != 0);
		/* the place reached is below the root: no ".." anywhere in it */
		for (char *p = f->cur; *p;) {
			size_t c = strcspn(p, "/");

			check(!(c == 2 && p[0] == '.' && p[1] == '.'));
			check(!(c == 1 && p[0] == '.'));
			p += c;
			if (*p)
				p++;
		}
	} else {
		check(r == -ENOENT || r == -ENOTDIR || r == -ELOOP || r == -ENAMETOOLONG);
	}
out:
	free(s);
	free(f);
	return 0;
}
