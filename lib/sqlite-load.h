/* SPDX-License-Identifier: MIT */
/*
 * SQLite for the state database, loaded (dlopen) when a database is first opened
 * (lib/sqlite-load.c): a command that never opens one (list, show, check ...) does not
 * map the library and resolve its 1,600 relocations at start-up. The state database
 * calls SQLite through these pointers, sym_sqlite3_X for sqlite3_X.
 */
#ifndef PT_SQLITE_LOAD_H
#define PT_SQLITE_LOAD_H

#include "internal.h"

#include <sqlite3.h>

/* Every SQLite function the library calls. */
#define PT_SQLITE_FUNCTIONS(X)                                                          \
	X(sqlite3_bind_int)                                                             \
	X(sqlite3_bind_int64)                                                           \
	X(sqlite3_bind_null)                                                            \
	X(sqlite3_bind_text)                                                            \
	X(sqlite3_busy_handler)                                                         \
	X(sqlite3_changes)                                                              \
	X(sqlite3_clear_bindings)                                                       \
	X(sqlite3_close_v2)                                                             \
	X(sqlite3_column_int)                                                           \
	X(sqlite3_column_int64)                                                         \
	X(sqlite3_column_text)                                                          \
	X(sqlite3_column_type)                                                          \
	X(sqlite3_errmsg)                                                               \
	X(sqlite3_errstr)                                                               \
	X(sqlite3_exec)                                                                 \
	X(sqlite3_extended_result_codes)                                                \
	X(sqlite3_finalize)                                                             \
	X(sqlite3_free)                                                                 \
	X(sqlite3_get_autocommit)                                                       \
	X(sqlite3_last_insert_rowid)                                                    \
	X(sqlite3_open_v2)                                                              \
	X(sqlite3_prepare_v2)                                                           \
	X(sqlite3_prepare_v3)                                                           \
	X(sqlite3_reset)                                                                \
	X(sqlite3_step)

#define PT_SQLITE_DECLARE(f) extern __typeof__(f) *sym_##f;
PT_SQLITE_FUNCTIONS(PT_SQLITE_DECLARE)
#undef PT_SQLITE_DECLARE

/* Loads SQLite once per process (thread-safe); 0, or a negative errno with a message
 * naming the library and the package to install. */
int pt_sqlite_load(struct pt_ctx *ctx);

#endif
