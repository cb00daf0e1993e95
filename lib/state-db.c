// SPDX-License-Identifier: MIT
/*
 * The state database's plumbing (lib/state-db.h): opening <state_dir>/state.db, WAL,
 * the schema and its migrations, the cached statements, transactions with retries,
 * the audit record. The operations on pools, leases and quarantine are lib/state.c's.
 *
 * Every change is one BEGIN IMMEDIATE transaction: the write lock is taken before
 * anything is read, so two processes can never both see a device free. The schema
 * backs that up on its own (a unique index over active leases; triggers keeping
 * devices.state in step with them), so even a bug here cannot lease a device twice.
 * While another process holds the lock, SQLite's busy handler (ours: short sleeps
 * with jitter) waits, and the whole transaction is retried if a step still reports
 * SQLITE_BUSY, up to the busy timeout.
 */
#include "state-db.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- schema ---- */

/* Migration i takes the schema from version i to i + 1. Append, never edit. */
static const char *const migrations[] = {
	/* 0 -> 1: pools, devices, leases, audit */
	"CREATE TABLE pools (\n"
	"  name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('vfs', 'devices')),\n"
	"  created TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE devices (\n"
	"  bdf TEXT PRIMARY KEY NOT NULL,\n"
	"  pool TEXT NOT NULL REFERENCES pools(name) ON UPDATE CASCADE,\n"
	"  numa_node INTEGER NOT NULL DEFAULT -1,\n"
	"  iommu_group INTEGER NOT NULL DEFAULT -1,\n"
	"  state TEXT NOT NULL DEFAULT 'free' CHECK (state IN ('free', 'leased', 'quarantined')),\n"
	"  quarantine_reason TEXT,\n"
	"  removed TEXT, -- when it left the pool configuration; NULL while configured\n"
	"  updated TEXT NOT NULL,\n"
	"  CHECK ((state = 'quarantined') = (quarantine_reason IS NOT NULL))\n"
	");\n"
	"CREATE INDEX devices_by_pool ON devices(pool);\n"
	"CREATE INDEX devices_by_group ON devices(iommu_group);\n"
	"CREATE TABLE leases (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  vm TEXT NOT NULL CHECK (length(vm) BETWEEN 1 AND 64),\n"
	"  bdf TEXT NOT NULL REFERENCES devices(bdf),\n"
	"  mac TEXT,\n"
	"  vlan INTEGER CHECK (vlan IS NULL OR vlan BETWEEN 1 AND 4094),\n"
	"  created TEXT NOT NULL,\n"
	"  released TEXT CHECK (released IS NULL OR released >= created)\n"
	");\n"
	/* the rule of the whole table: one active lease per device, one per MAC */
	"CREATE UNIQUE INDEX leases_one_active_per_device ON leases(bdf) WHERE released IS NULL;\n"
	"CREATE UNIQUE INDEX leases_one_active_per_mac ON leases(mac)\n"
	"  WHERE released IS NULL AND mac IS NOT NULL;\n"
	"CREATE INDEX leases_active_by_vm ON leases(vm) WHERE released IS NULL;\n"
	"CREATE TABLE audit (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  ts TEXT NOT NULL,\n"
	"  actor_pid INTEGER NOT NULL,\n"
	"  action TEXT NOT NULL,\n"
	"  vm TEXT,\n"
	"  bdf TEXT,\n"
	"  detail TEXT\n"
	");\n"
	"CREATE INDEX audit_by_bdf ON audit(bdf);\n"
	/* devices.state follows the leases, and only the leases move it to/from 'leased' */
	"CREATE TRIGGER leases_need_free_device BEFORE INSERT ON leases\n"
	"WHEN NOT EXISTS (SELECT 1 FROM devices\n"
	"                 WHERE bdf = NEW.bdf AND state = 'free' AND removed IS NULL)\n"
	"BEGIN SELECT RAISE(ABORT, 'device is not free'); END;\n"
	"CREATE TRIGGER leases_mark_leased AFTER INSERT ON leases\n"
	"BEGIN UPDATE devices SET state = 'leased', updated = NEW.created WHERE bdf = NEW.bdf; END;\n"
	"CREATE TRIGGER leases_release_only BEFORE UPDATE ON leases\n"
	"WHEN OLD.released IS NOT NULL OR NEW.released IS NULL OR NEW.id IS NOT OLD.id\n"
	"  OR NEW.bdf IS NOT OLD.bdf OR NEW.vm IS NOT OLD.vm\n"
	"BEGIN SELECT RAISE(ABORT, 'a lease can only be released, once'); END;\n"
	"CREATE TRIGGER leases_mark_free AFTER UPDATE OF released ON leases\n"
	"BEGIN UPDATE devices SET state = 'free', updated = NEW.released WHERE bdf = NEW.bdf; END;\n"
	"CREATE TRIGGER leases_keep_active BEFORE DELETE ON leases WHEN OLD.released IS NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'an active lease cannot be deleted, only released'); END;\n"
	"CREATE TRIGGER devices_born_unleased BEFORE INSERT ON devices WHEN NEW.state = 'leased'\n"
	"BEGIN SELECT RAISE(ABORT, 'a device is leased only by a lease'); END;\n"
	"CREATE TRIGGER devices_state_follows_leases BEFORE UPDATE OF state ON devices\n"
	"WHEN (NEW.state = 'leased') <>\n"
	"     EXISTS (SELECT 1 FROM leases WHERE bdf = NEW.bdf AND released IS NULL)\n"
	"BEGIN SELECT RAISE(ABORT, 'devices.state must agree with the active leases'); END;\n"
	"CREATE TRIGGER devices_keep_history BEFORE DELETE ON devices\n"
	"WHEN EXISTS (SELECT 1 FROM leases WHERE bdf = OLD.bdf)\n"
	"BEGIN SELECT RAISE(ABORT, 'a device with leases is kept (marked removed)'); END;\n",
	/* 1 -> 2: pending leases. A lease is recorded pending (ready NULL) before its device
	 * is made ready, and becomes active (ready set) only once it is: a killed assign
	 * leaves a pending lease that the next command rolls back. Existing leases were
	 * ready when they were made. The old trigger goes first: it forbids the UPDATE. */
	"DROP TRIGGER leases_release_only;\n"
	"ALTER TABLE leases ADD COLUMN ready TEXT;\n"
	"UPDATE leases SET ready = created;\n"
	"CREATE TRIGGER leases_ready_or_release_only BEFORE UPDATE ON leases\n"
	"WHEN OLD.released IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.bdf IS NOT OLD.bdf\n"
	"  OR NEW.vm IS NOT OLD.vm OR NEW.created IS NOT OLD.created\n"
	"  OR NOT ((NEW.released IS NOT NULL AND NEW.ready IS OLD.ready)\n"
	"          OR (NEW.released IS NULL AND OLD.ready IS NULL\n"
	"              AND coalesce(NEW.ready >= OLD.created, 0)))\n"
	"BEGIN SELECT RAISE(ABORT, 'a lease only becomes ready once, and is released once'); END;\n"
	"CREATE INDEX leases_pending ON leases(id) WHERE released IS NULL AND ready IS NULL;\n",
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(N_MIGRATIONS == PT_STATE_SCHEMA_VERSION, "one migration per schema version");

/* ---- cached statements ---- */

#define LEASE_COLS                                                                     \
	"l.id, l.vm, l.bdf, d.pool, d.numa_node, d.iommu_group, l.mac, l.vlan, l.created, " \
	"l.released"


/* What a pool hands out as one: a function, or in a devices pool its IOMMU group. */
#define UNIT "(CASE WHEN p.kind = 'devices' AND d.iommu_group >= 0 " \
	     "THEN 'g' || d.iommu_group ELSE d.bdf END)"

static const char *const sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_AUDIT] = "INSERT INTO audit (ts, actor_pid, action, vm, bdf, detail) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_POOL_KIND] = "SELECT kind FROM pools WHERE name = ?1",
	[S_POOL_NAMES] = "SELECT name FROM pools ORDER BY name",
	[S_CANDIDATES] =
		"SELECT d.bdf, d.pool = ?1, d.numa_node, d.iommu_group, d.state, "
		"d.removed IS NOT NULL, l.vm FROM devices d "
		"LEFT JOIN leases l ON l.bdf = d.bdf AND l.released IS NULL "
		"WHERE d.pool = ?1 OR (d.iommu_group >= 0 AND d.iommu_group IN "
		"(SELECT iommu_group FROM devices WHERE pool = ?1 AND iommu_group >= 0))",
	[S_MAC_HOLDER] = "SELECT vm, bdf FROM leases WHERE mac = ?1 AND released IS NULL",
	[S_LEASE_INSERT] = "INSERT INTO leases (vm, bdf, mac, vlan, created, ready) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_LEASE_RELEASE] = "UPDATE leases SET released = ?2 WHERE id = ?1 AND released IS NULL",
	/* active = not released, and ready: a pending lease is nobody's to see or release */
	[S_ACTIVE_ALL] = "SELECT " LEASE_COLS " FROM leases l JOIN devices d ON d.bdf = l.bdf "
			 "WHERE l.released IS NULL AND l.ready IS NOT NULL ORDER BY l.vm, l.bdf",
	[S_ACTIVE_BY_VM] = "SELECT " LEASE_COLS " FROM leases l JOIN devices d ON d.bdf = l.bdf "
			   "WHERE l.released IS NULL AND l.ready IS NOT NULL AND l.vm = ?1 "
			   "ORDER BY l.bdf",
	[S_ACTIVE_BY_BDF] = "SELECT " LEASE_COLS " FROM leases l JOIN devices d ON d.bdf = l.bdf "
			    "WHERE l.released IS NULL AND l.ready IS NOT NULL AND l.bdf = ?1",
	[S_DEVICE_GET] = "SELECT pool, numa_node, iommu_group, state, removed IS NOT NULL, "
			 "quarantine_reason FROM devices WHERE bdf = ?1",
	[S_DEVICE_INSERT] = "INSERT INTO devices (bdf, pool, numa_node, iommu_group, updated) "
			    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_DEVICE_UPDATE] = "UPDATE devices SET pool = ?2, numa_node = ?3, iommu_group = ?4, "
			    "removed = NULL, updated = ?5 WHERE bdf = ?1",
	[S_DEVICE_REMOVE] = "UPDATE devices SET removed = ?2, updated = ?2 WHERE bdf = ?1",
	[S_POOL_UPSERT] = "INSERT INTO pools (name, kind, created) VALUES (?1, ?2, ?3) "
			  "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind "
			  "WHERE kind <> excluded.kind",
	[S_POOL_MEMBERS] = "SELECT bdf, state FROM devices WHERE pool = ?1 AND removed IS NULL",
	[S_QUARANTINE] = "UPDATE devices SET state = 'quarantined', quarantine_reason = ?2, "
			 "updated = ?3 WHERE bdf = ?1",
	[S_UNQUARANTINE] = "UPDATE devices SET state = 'free', quarantine_reason = NULL, "
			   "updated = ?2 WHERE bdf = ?1 AND state = 'quarantined'",
	/* units, not functions: a devices pool's functions of one IOMMU group count once */
	[S_USAGE] =
		"SELECT p.name, p.kind, coalesce(d.numa_node, -1), "
		"count(DISTINCT CASE WHEN d.state = 'free' AND d.removed IS NULL THEN " UNIT " END), "
		"count(DISTINCT CASE WHEN d.state = 'leased' THEN " UNIT " END), "
		"count(DISTINCT CASE WHEN d.state = 'quarantined' AND d.removed IS NULL THEN " UNIT
		" END), "
		"count(DISTINCT CASE WHEN d.state <> 'leased' AND d.removed IS NOT NULL THEN " UNIT
		" END) "
		"FROM pools p LEFT JOIN devices d ON d.pool = p.name "
		"GROUP BY p.name, d.numa_node ORDER BY p.name, d.numa_node",
	[S_AUDIT_READ] = "SELECT id, ts, actor_pid, action, vm, bdf, detail FROM audit "
			 "WHERE id > ?1 AND (?2 IS NULL OR vm = ?2) ORDER BY id LIMIT ?4",
	/* one device's history through audit_by_bdf */
	[S_AUDIT_READ_BDF] = "SELECT id, ts, actor_pid, action, vm, bdf, detail FROM audit "
			     "WHERE bdf = ?3 AND id > ?1 AND (?2 IS NULL OR vm = ?2) "
			     "ORDER BY id LIMIT ?4",
	/* free devices, and whether a device of their IOMMU group is leased */
	[S_FREE_DEVICES] =
		"SELECT d.pool, d.numa_node, d.bdf, d.iommu_group, "
		"(SELECT o.bdf FROM devices o WHERE d.iommu_group >= 0 AND "
		"o.iommu_group = d.iommu_group AND o.bdf <> d.bdf AND o.state = 'leased' "
		"ORDER BY o.bdf LIMIT 1) "
		"FROM devices d WHERE d.state = 'free' AND d.removed IS NULL ORDER BY d.pool, d.bdf",
	/* every active lease of a VM none of whose active leases is younger than the cutoff
	 * ?1; a time that is not the one format written here counts as young */
	[S_STALE_LEASES] = "SELECT " LEASE_COLS " FROM leases l JOIN devices d ON d.bdf = l.bdf "
			   "WHERE l.released IS NULL AND l.ready IS NOT NULL AND NOT EXISTS (SELECT 1 FROM leases y "
			   "WHERE y.vm = l.vm AND y.released IS NULL AND NOT (y.created <= ?1 AND "
			   "y.created GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T"
			   "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*')) ORDER BY l.vm, l.bdf",
	[S_PENDING] = "SELECT " LEASE_COLS " FROM leases l JOIN devices d ON d.bdf = l.bdf "
		      "WHERE l.released IS NULL AND l.ready IS NULL ORDER BY l.id",
	[S_LEASE_READY] = "UPDATE leases SET ready = ?2 "
			  "WHERE id = ?1 AND released IS NULL AND ready IS NULL",
};


/* ---- small helpers ---- */

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Exponential backoff with jitter: 25 us doubling to 2 ms, plus up to half again. */
static void backoff(struct pt_state *st, int attempt)
{
	long base = 25L << (attempt < 7 ? attempt : 7);

	if (base > 2000)
		base = 2000;
	sleep_us(base + (long)(rand_r(&st->seed) % (unsigned)(base / 2 + 1)));
}

static int busy_handler(void *arg, int count)
{
	struct pt_state *st = arg;

	if (count == 0)
		clock_gettime(CLOCK_MONOTONIC, &st->busy_start);
	else if (ms_since(&st->busy_start) >= st->busy_ms)
		return 0;
	backoff(st, count);
	return 1;
}

static void stamp(struct pt_state *st)
{
	struct timespec ts;
	struct tm tm;
	char buf[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(st->now, sizeof(st->now), "%s.%03ldZ", buf, ts.tv_nsec / 1000000);
}

static bool valid_name(const char *s)
{
	size_t n;

	if (!s || !*s || *s == '-' || *s == '.')
		return false;
	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (n >= PT_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == ':' || c == '-'))
			return false;
	}
	return true;
}

int state_check_name(struct pt_ctx *ctx, const char *what, const char *s)
{
	if (valid_name(s))
		return 0;
	return pt_err(ctx, -EINVAL,
		      "invalid %s name \"%.80s\": use 1-%d characters of letters, digits, '_', '.', "
		      "':' and '-', not starting with '-' or '.'",
		      what, s ? s : "(null)", PT_NAME_MAX);
}

int state_norm_bdf(struct pt_ctx *ctx, const char *in, char out[PT_BDF_STRLEN])
{
	struct pt_bdf b;

	if (!in || pt_bdf_parse(in, &b) < 0)
		return pt_err(ctx, -EINVAL, "\"%s\" is not a PCI address (dddd:bb:dd.f)",
			      in ? in : "(null)");
	pt_bdf_format(&b, out);
	return 0;
}

static bool is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* A SQLite failure as a negative errno and a sentence; busy becomes -EAGAIN, which
 * the transaction runner retries. */
int db_fail(struct pt_state *st, int rc, const char *what)
{
	int e;

	if (is_busy(rc))
		return -EAGAIN;
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		e = -ENOMEM;
		break;
	case SQLITE_READONLY:
		e = -EROFS;
		break;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		e = -EACCES;
		break;
	case SQLITE_CANTOPEN:
		e = -EACCES;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return pt_err(st->ctx, -EUCLEAN,
			      "state database %s is damaged or not a SQLite database (%s while %s); "
			      "it records which VM holds which device: restore it from a backup, "
			      "or move it aside and re-create leases with passthru assign",
			      st->path, sym_sqlite3_errmsg(st->db), what);
	case SQLITE_CONSTRAINT:
		e = -EEXIST;
		break;
	default:
		e = -EIO;
	}
	return pt_err(st->ctx, e, "state database %s: %s while %s", st->path,
		      sym_sqlite3_errmsg(st->db), what);
}

sqlite3_stmt *db_stmt(struct pt_state *st, enum sid id)
{
	int rc;

	if (st->stmts[id])
		return st->stmts[id];
	rc = sym_sqlite3_prepare_v3(st->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				    &st->stmts[id], NULL);
	if (rc != SQLITE_OK) {
		db_fail(st, rc, "preparing a statement");
		st->stmts[id] = NULL;
	}
	return st->stmts[id];
}

void db_done(sqlite3_stmt *s)
{
	sym_sqlite3_reset(s);
	sym_sqlite3_clear_bindings(s);
}

void db_bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sym_sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sym_sqlite3_bind_null(s, i);
}

const char *db_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sym_sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* Runs a statement that returns no rows (or whose rows are ignored). */
int db_exec(struct pt_state *st, sqlite3_stmt *s, const char *what)
{
	int rc;

	while ((rc = sym_sqlite3_step(s)) == SQLITE_ROW)
		;
	db_done(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, rc, what);
	return 0;
}

int db_audit(struct pt_state *st, const char *action, const char *vm, const char *bdf,
		 const char *fmt, ...)
{
	sqlite3_stmt *s = db_stmt(st, S_AUDIT);
	char detail[1024] = "";
	va_list ap;

	if (!s)
		return -EIO;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	sym_sqlite3_bind_text(s, 1, st->now, -1, SQLITE_STATIC);
	sym_sqlite3_bind_int64(s, 2, st->pid);
	sym_sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
	db_bind_text_or_null(s, 4, vm);
	db_bind_text_or_null(s, 5, bdf);
	db_bind_text_or_null(s, 6, detail);
	return db_exec(st, s, "writing the audit log");
}

/*
 * Runs fn inside BEGIN IMMEDIATE ... COMMIT. fn returns 0 to commit, a negative
 * errno to roll back, or -EAGAIN (a step was busy) to roll back and run again after
 * a backoff, until the busy timeout has passed. fn must be safe to run again.
 */
int db_run_txn(struct pt_state *st, int (*fn)(struct pt_state *, void *), void *arg)
{
	struct timespec t0;
	int attempt = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		sqlite3_stmt *s = db_stmt(st, S_BEGIN);
		int r;

		if (!s)
			return -EIO;
		r = db_exec(st, s, "starting a transaction");
		if (r == 0) {
			stamp(st);
			r = fn(st, arg);
			if (r == 0) {
				s = db_stmt(st, S_COMMIT);
				r = s ? db_exec(st, s, "committing") : -EIO;
				if (r == 0)
					return 0;
			}
			if (!sym_sqlite3_get_autocommit(st->db) && (s = db_stmt(st, S_ROLLBACK)))
				db_exec(st, s, "rolling back");
		}
		if (r != -EAGAIN)
			return r;
		if (ms_since(&t0) >= st->busy_ms)
			return pt_err(st->ctx, -EBUSY,
				      "state database %s stayed locked by another process for %d ms; "
				      "try again, or look for a hung passthru",
				      st->path, st->busy_ms);
		backoff(st, attempt++);
	}
}

/* ---- opening and migrating ---- */

static int pragma_int(struct pt_state *st, const char *q, int *out)
{
	sqlite3_stmt *s;
	int rc;

	rc = sym_sqlite3_prepare_v2(st->db, q, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, q);
	rc = sym_sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sym_sqlite3_column_int(s, 0);
	sym_sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return db_fail(st, rc, q);
	return 0;
}

static int set_wal(struct pt_state *st)
{
	sqlite3_stmt *s;
	char mode[16] = "";
	int rc;

	rc = sym_sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "choosing the WAL journal");
	rc = sym_sqlite3_step(s);
	if (rc == SQLITE_ROW)
		pt_strlcpy(mode, db_col_text(s, 0), sizeof(mode));
	sym_sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return db_fail(st, rc, "choosing the WAL journal");
	if (strcmp(mode, "wal") != 0)
		return pt_err(st->ctx, -EIO,
			      "state database %s cannot use a write-ahead log (journal mode %s); "
			      "is the state directory on a network filesystem?",
			      st->path, mode);
	return 0;
}

static int migrate_txn(struct pt_state *st, void *arg)
{
	int version, r;
	char q[64];

	(void)arg;
	r = pragma_int(st, "PRAGMA user_version", &version);
	if (r < 0)
		return r;
	if (version > PT_STATE_SCHEMA_VERSION)
		return pt_err(st->ctx, -EPROTO,
			      "state database %s has schema version %d, newer than this passthru "
			      "knows (%d); upgrade passthru",
			      st->path, version, PT_STATE_SCHEMA_VERSION);
	for (int v = version; v < PT_STATE_SCHEMA_VERSION; v++) {
		char *msg = NULL;
		int rc = sym_sqlite3_exec(st->db, migrations[v], NULL, NULL, &msg);

		if (rc != SQLITE_OK) {
			r = is_busy(rc) ? -EAGAIN
					: pt_err(st->ctx, -EIO,
						 "state database %s: migrating schema %d to %d: %s",
						 st->path, v, v + 1, msg ? msg : sym_sqlite3_errstr(rc));
			sym_sqlite3_free(msg);
			return r;
		}
	}
	if (version == PT_STATE_SCHEMA_VERSION)
		return 0;
	snprintf(q, sizeof(q), "PRAGMA user_version = %d", PT_STATE_SCHEMA_VERSION);
	r = sym_sqlite3_exec(st->db, q, NULL, NULL, NULL);
	if (r != SQLITE_OK)
		return db_fail(st, r, "recording the schema version");
	return db_audit(st, "migrate", NULL, NULL, "schema %d -> %d", version,
		     PT_STATE_SCHEMA_VERSION);
}

static int migrate(struct pt_state *st)
{
	int version = -1, r;

	/* the common case, an up-to-date schema, takes no write lock */
	r = pragma_int(st, "PRAGMA user_version", &version);
	if (r == -EAGAIN)
		version = -1;
	else if (r < 0)
		return r;
	if (version == PT_STATE_SCHEMA_VERSION)
		return 0;
	return db_run_txn(st, migrate_txn, NULL);
}

void pt_state_set_busy_timeout(struct pt_state *st, int ms)
{
	st->busy_ms = ms < 0 ? 0 : ms;
}

const char *pt_state_path(const struct pt_state *st)
{
	return st->path;
}

int pt_state_open(struct pt_ctx *ctx, const char *state_dir, struct pt_state **out)
{
	struct pt_state *st;
	char dir[4096];
	const char *env;
	int r, rc;

	*out = NULL;
	r = pt_sqlite_load(ctx);
	if (r < 0)
		return r;
	r = pt_state_dir(ctx, state_dir, true, dir, sizeof(dir));
	if (r < 0)
		return r;
	st = calloc(1, sizeof(*st));
	if (!st)
		return pt_err(ctx, -ENOMEM, "out of memory opening the state database");
	st->ctx = ctx;
	st->pid = (long)getpid();
	st->seed = (unsigned)st->pid ^ (unsigned)time(NULL);
	st->busy_ms = 30000;
	env = getenv("PASSTHRU_STATE_BUSY_MS");
	if (env && *env)
		st->busy_ms = atoi(env) > 0 ? atoi(env) : 0;
	if (snprintf(st->path, sizeof(st->path), "%s/state.db", dir) >= (int)sizeof(st->path)) {
		free(st);
		return pt_err(ctx, -ENAMETOOLONG, "state directory path is too long");
	}
	rc = sym_sqlite3_open_v2(st->path, &st->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
					 SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE,
				 NULL);
	if (rc != SQLITE_OK) {
		r = st->db ? db_fail(st, rc, "opening") : -ENOMEM;
		if (r == -EAGAIN)
			r = pt_err(ctx, -EBUSY, "state database %s is locked", st->path);
		goto out_close;
	}
	sym_sqlite3_busy_handler(st->db, busy_handler, st);
	sym_sqlite3_extended_result_codes(st->db, 1);

	/* journal_mode may be refused while another process sets it up: retry */
	{
		struct timespec t0;
		int attempt = 0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		while ((r = set_wal(st)) == -EAGAIN && ms_since(&t0) < st->busy_ms)
			backoff(st, attempt++);
	}
	if (r == -EAGAIN)
		r = pt_err(ctx, -EBUSY, "state database %s stayed locked while opening", st->path);
	if (r < 0)
		goto out_close;
	rc = sym_sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
			      NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = db_fail(st, rc, "setting it up");
		goto out_close;
	}
	r = migrate(st);
	if (r < 0)
		goto out_close;
	*out = st;
	return 0;

out_close:
	pt_state_close(st);
	return r;
}

void pt_state_close(struct pt_state *st)
{
	if (!st)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sym_sqlite3_finalize(st->stmts[i]);
	sym_sqlite3_close_v2(st->db);
	free(st);
}
