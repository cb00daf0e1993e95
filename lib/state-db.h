/* SPDX-License-Identifier: MIT */
/*
 * Internal to the state database (not installed): the handle, the cached statements
 * and the plumbing lib/state-db.c gives lib/state.c's operations.
 */
#ifndef PT_STATE_DB_H
#define PT_STATE_DB_H

#include "internal.h"
#include "passthru/state.h"

#include "sqlite-load.h"
#include <time.h>

/* The prepared statements, one per query (their SQL is in lib/state-db.c). */
enum sid {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_AUDIT,
	S_POOL_KIND,
	S_POOL_NAMES,
	S_CANDIDATES,
	S_MAC_HOLDER,
	S_LEASE_INSERT,
	S_LEASE_RELEASE,
	S_ACTIVE_ALL,
	S_ACTIVE_BY_VM,
	S_ACTIVE_BY_BDF,
	S_DEVICE_GET,
	S_DEVICE_INSERT,
	S_DEVICE_UPDATE,
	S_DEVICE_REMOVE,
	S_POOL_UPSERT,
	S_POOL_MEMBERS,
	S_QUARANTINE,
	S_UNQUARANTINE,
	S_USAGE,
	S_AUDIT_READ,
	S_AUDIT_READ_BDF,
	S_STALE_LEASES,
	S_PENDING,
	S_LEASE_READY,
	S_FREE_DEVICES,
	S_COUNT
};

struct pt_state {
	struct pt_ctx *ctx;
	sqlite3 *db;
	char path[4096];
	sqlite3_stmt *stmts[S_COUNT];
	int busy_ms;
	struct timespec busy_start;
	unsigned seed;
	long pid;
	char now[32]; /* the timestamp of the running transaction */
};

/* The cached statement id, reset and ready to bind; NULL (with the error set) when
 * it cannot be prepared. db_done() resets it after use. */
sqlite3_stmt *db_stmt(struct pt_state *st, enum sid id);
void db_done(sqlite3_stmt *s);
void db_bind_text_or_null(sqlite3_stmt *s, int i, const char *v);
/* Column i as text, "" for NULL. */
const char *db_col_text(sqlite3_stmt *s, int i);
/* Steps a statement that returns no rows; what names it in the error. */
int db_exec(struct pt_state *st, sqlite3_stmt *s, const char *what);
/* An SQLite failure as a negative errno with the message set; -EAGAIN for a busy
 * database (db_run_txn retries). */
int db_fail(struct pt_state *st, int rc, const char *what);
/* One audit record of the running transaction. */
int db_audit(struct pt_state *st, const char *action, const char *vm, const char *bdf,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Runs fn in one BEGIN IMMEDIATE transaction (st->now is its time), retried while
 * the database is busy, up to the busy timeout; committed when fn returns >= 0. */
int db_run_txn(struct pt_state *st, int (*fn)(struct pt_state *, void *), void *arg);

/* Names (VMs, pools) and PCI addresses as the database stores them. */
int state_check_name(struct pt_ctx *ctx, const char *what, const char *s);
int state_norm_bdf(struct pt_ctx *ctx, const char *in, char out[PT_BDF_STRLEN]);

#endif
