// SPDX-License-Identifier: MIT
/*
 * SQLite, loaded when the state database is first opened: see lib/sqlite-load.h.
 * PASSTHRU_LIBSQLITE3 names another file to load (the test of a host without it).
 */
#include "sqlite-load.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define SQLITE_SONAME "libsqlite3.so.0"

#define PT_SQLITE_DEFINE(f) __typeof__(f) *sym_##f;
PT_SQLITE_FUNCTIONS(PT_SQLITE_DEFINE)
#undef PT_SQLITE_DEFINE

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[256]; /* why loading failed, "" when it did not */

static void load(void)
{
	const char *name = getenv("PASSTHRU_LIBSQLITE3");
	void *h = dlopen(name && name[0] ? name : SQLITE_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(load_error, sizeof(load_error), "%s", e ? e : "cannot be loaded");
		return;
	}
#define PT_SQLITE_RESOLVE(f)                                                                   \
	if (!(*(void **)&sym_##f = dlsym(h, #f))) {                                            \
		snprintf(load_error, sizeof(load_error), "%s lacks %s", SQLITE_SONAME, #f);    \
		return;                                                                        \
	}
	PT_SQLITE_FUNCTIONS(PT_SQLITE_RESOLVE)
#undef PT_SQLITE_RESOLVE
	/* h stays loaded: databases may be open until the process ends */
}

int pt_sqlite_load(struct pt_ctx *ctx)
{
	pthread_once(&once, load);
	if (load_error[0])
		return pt_err(ctx, -ELIBACC,
			      "the state database needs SQLite (%s): %s; install the libsqlite3-0 package",
			      SQLITE_SONAME, load_error);
	return 0;
}
