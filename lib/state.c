// SPDX-License-Identifier: MIT
/*
 * Assignment state in SQLite: pools, devices, leases and the audit log.
 *
 * Every change is one BEGIN IMMEDIATE transaction: the write lock is taken before
 * anything is read, so two processes can never both see a device free. The schema
 * backs that up on its own (a unique index over active leases; triggers keeping
 * devices.state in step with them), so even a bug here cannot lease a device twice.
 * While another process holds the lock, SQLite's busy handler (ours: short sleeps
 * with jitter) waits, and the whole transaction is retried if a step still reports
 * SQLITE_BUSY, up to the busy timeout.
 */
#include "passthru/allocate.h"
#include "passthru/state.h"
#include "internal.h"

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
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(N_MIGRATIONS == PT_STATE_SCHEMA_VERSION, "one migration per schema version");

/* ---- cached statements ---- */

#define LEASE_COLS                                                                     \
	"l.id, l.vm, l.bdf, d.pool, d.numa_node, d.iommu_group, l.mac, l.vlan, l.created, " \
	"l.released"

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
	S_FREE_DEVICES,
	S_COUNT
};

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
	[S_LEASE_INSERT] = "INSERT INTO leases (vm, bdf, mac, vlan, created) "
			   "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_LEASE_RELEASE] = "UPDATE leases SET released = ?2 WHERE id = ?1 AND released IS NULL",
	[S_ACTIVE_ALL] = "SELECT " LEASE_COLS " FROM leases l JOIN devices d ON d.bdf = l.bdf "
			 "WHERE l.released IS NULL ORDER BY l.vm, l.bdf",
	[S_ACTIVE_BY_VM] = "SELECT " LEASE_COLS " FROM leases l JOIN devices d ON d.bdf = l.bdf "
			   "WHERE l.released IS NULL AND l.vm = ?1 ORDER BY l.bdf",
	[S_ACTIVE_BY_BDF] = "SELECT " LEASE_COLS " FROM leases l JOIN devices d ON d.bdf = l.bdf "
			    "WHERE l.released IS NULL AND l.bdf = ?1",
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
	[S_USAGE] =
		"SELECT p.name, p.kind, coalesce(d.numa_node, -1), "
		"coalesce(sum(d.state = 'free' AND d.removed IS NULL), 0), "
		"coalesce(sum(d.state = 'leased'), 0), "
		"coalesce(sum(d.state = 'quarantined' AND d.removed IS NULL), 0), "
		"coalesce(sum(d.state <> 'leased' AND d.removed IS NOT NULL), 0) "
		"FROM pools p LEFT JOIN devices d ON d.pool = p.name "
		"GROUP BY p.name, d.numa_node ORDER BY p.name, d.numa_node",
	/* free devices, and whether a device of their IOMMU group is leased */
	[S_FREE_DEVICES] =
		"SELECT d.pool, d.numa_node, d.bdf, d.iommu_group, "
		"EXISTS (SELECT 1 FROM devices o WHERE d.iommu_group >= 0 AND "
		"o.iommu_group = d.iommu_group AND o.bdf <> d.bdf AND o.state = 'leased') "
		"FROM devices d WHERE d.state = 'free' AND d.removed IS NULL",
	[S_AUDIT_READ] = "SELECT id, ts, actor_pid, action, vm, bdf, detail FROM audit "
			 "WHERE id > ?1 AND (?2 IS NULL OR vm = ?2) ORDER BY id LIMIT ?4",
	/* one device's history through audit_by_bdf */
	[S_AUDIT_READ_BDF] = "SELECT id, ts, actor_pid, action, vm, bdf, detail FROM audit "
			     "WHERE bdf = ?3 AND id > ?1 AND (?2 IS NULL OR vm = ?2) "
			     "ORDER BY id LIMIT ?4",
	[S_STALE_LEASES] = "SELECT " LEASE_COLS " FROM leases l JOIN devices d ON d.bdf = l.bdf "
			   "WHERE l.released IS NULL AND l.created <= ?1 ORDER BY l.vm, l.bdf",
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

static int check_name(struct pt_ctx *ctx, const char *what, const char *s)
{
	if (valid_name(s))
		return 0;
	return pt_err(ctx, -EINVAL,
		      "invalid %s name \"%.80s\": use 1-%d characters of letters, digits, '_', '.', "
		      "':' and '-', not starting with '-' or '.'",
		      what, s ? s : "(null)", PT_NAME_MAX);
}

static int norm_bdf(struct pt_ctx *ctx, const char *in, char out[PT_BDF_STRLEN])
{
	struct pt_bdf b;

	if (!in || pt_bdf_parse(in, &b) < 0)
		return pt_err(ctx, -EINVAL, "\"%s\" is not a PCI address (dddd:bb:dd.f)",
			      in ? in : "(null)");
	pt_bdf_format(&b, out);
	return 0;
}

/* "aa:bb:cc:dd:ee:ff", any case; written out lower case. */
static bool parse_mac(const char *s, char out[18])
{
	for (int i = 0; i < 17; i++) {
		char c = s[i];

		if (i % 3 == 2) {
			if (c != ':')
				return false;
			out[i] = ':';
			continue;
		}
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = c;
	}
	out[17] = '\0';
	return s[17] == '\0';
}

static bool is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* A SQLite failure as a negative errno and a sentence; busy becomes -EAGAIN, which
 * the transaction runner retries. */
static int db_fail(struct pt_state *st, int rc, const char *what)
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
			      st->path, sqlite3_errmsg(st->db), what);
	case SQLITE_CONSTRAINT:
		e = -EEXIST;
		break;
	default:
		e = -EIO;
	}
	return pt_err(st->ctx, e, "state database %s: %s while %s", st->path,
		      sqlite3_errmsg(st->db), what);
}

static sqlite3_stmt *stmt(struct pt_state *st, enum sid id)
{
	int rc;

	if (st->stmts[id])
		return st->stmts[id];
	rc = sqlite3_prepare_v3(st->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st->stmts[id],
				NULL);
	if (rc != SQLITE_OK) {
		db_fail(st, rc, "preparing a statement");
		st->stmts[id] = NULL;
	}
	return st->stmts[id];
}

static void done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* Runs a statement that returns no rows (or whose rows are ignored). */
static int exec_stmt(struct pt_state *st, sqlite3_stmt *s, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	done(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, rc, what);
	return 0;
}

static int audit(struct pt_state *st, const char *action, const char *vm, const char *bdf,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int audit(struct pt_state *st, const char *action, const char *vm, const char *bdf,
		 const char *fmt, ...)
{
	sqlite3_stmt *s = stmt(st, S_AUDIT);
	char detail[1024] = "";
	va_list ap;

	if (!s)
		return -EIO;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	sqlite3_bind_text(s, 1, st->now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, st->pid);
	sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
	bind_text_or_null(s, 4, vm);
	bind_text_or_null(s, 5, bdf);
	bind_text_or_null(s, 6, detail);
	return exec_stmt(st, s, "writing the audit log");
}

/*
 * Runs fn inside BEGIN IMMEDIATE ... COMMIT. fn returns 0 to commit, a negative
 * errno to roll back, or -EAGAIN (a step was busy) to roll back and run again after
 * a backoff, until the busy timeout has passed. fn must be safe to run again.
 */
static int run_txn(struct pt_state *st, int (*fn)(struct pt_state *, void *), void *arg)
{
	struct timespec t0;
	int attempt = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		sqlite3_stmt *s = stmt(st, S_BEGIN);
		int r;

		if (!s)
			return -EIO;
		r = exec_stmt(st, s, "starting a transaction");
		if (r == 0) {
			stamp(st);
			r = fn(st, arg);
			if (r == 0) {
				s = stmt(st, S_COMMIT);
				r = s ? exec_stmt(st, s, "committing") : -EIO;
				if (r == 0)
					return 0;
			}
			if (!sqlite3_get_autocommit(st->db) && (s = stmt(st, S_ROLLBACK)))
				exec_stmt(st, s, "rolling back");
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

static int pragma_int(struct pt_state *st, const char *q, int *out)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(st->db, q, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, q);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return db_fail(st, rc, q);
	return 0;
}

static int set_wal(struct pt_state *st)
{
	sqlite3_stmt *s;
	char mode[16] = "";
	int rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "choosing the WAL journal");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		pt_strlcpy(mode, col_text(s, 0), sizeof(mode));
	sqlite3_finalize(s);
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
		int rc = sqlite3_exec(st->db, migrations[v], NULL, NULL, &msg);

		if (rc != SQLITE_OK) {
			r = is_busy(rc) ? -EAGAIN
					: pt_err(st->ctx, -EIO,
						 "state database %s: migrating schema %d to %d: %s",
						 st->path, v, v + 1, msg ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			return r;
		}
	}
	if (version == PT_STATE_SCHEMA_VERSION)
		return 0;
	snprintf(q, sizeof(q), "PRAGMA user_version = %d", PT_STATE_SCHEMA_VERSION);
	r = sqlite3_exec(st->db, q, NULL, NULL, NULL);
	if (r != SQLITE_OK)
		return db_fail(st, r, "recording the schema version");
	return audit(st, "migrate", NULL, NULL, "schema %d -> %d", version,
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
	return run_txn(st, migrate_txn, NULL);
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
	if (state_dir && *state_dir)
		r = snprintf(dir, sizeof(dir), "%s", state_dir) < (int)sizeof(dir) ? 0 : -ENAMETOOLONG;
	else
		r = pt_path(ctx, dir, sizeof(dir), "/var/lib/passthru");
	if (r < 0)
		return pt_err(ctx, r, "state directory path is too long");
	r = make_dirs(ctx, dir);
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
	rc = sqlite3_open_v2(st->path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
				     SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE,
			     NULL);
	if (rc != SQLITE_OK) {
		r = st->db ? db_fail(st, rc, "opening") : -ENOMEM;
		if (r == -EAGAIN)
			r = pt_err(ctx, -EBUSY, "state database %s is locked", st->path);
		goto out_close;
	}
	sqlite3_busy_handler(st->db, busy_handler, st);
	sqlite3_extended_result_codes(st->db, 1);

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
	rc = sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;", NULL,
			  NULL, NULL);
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
		sqlite3_finalize(st->stmts[i]);
	sqlite3_close_v2(st->db);
	free(st);
}

/* ---- reading leases ---- */

static void lease_from_row(sqlite3_stmt *s, struct pt_lease *l)
{
	memset(l, 0, sizeof(*l));
	l->id = sqlite3_column_int64(s, 0);
	pt_strlcpy(l->vm, col_text(s, 1), sizeof(l->vm));
	pt_strlcpy(l->bdf, col_text(s, 2), sizeof(l->bdf));
	pt_strlcpy(l->pool, col_text(s, 3), sizeof(l->pool));
	l->numa_node = sqlite3_column_int(s, 4);
	l->iommu_group = sqlite3_column_int(s, 5);
	pt_strlcpy(l->mac, col_text(s, 6), sizeof(l->mac));
	l->vlan = sqlite3_column_int(s, 7);
	pt_strlcpy(l->created, col_text(s, 8), sizeof(l->created));
	pt_strlcpy(l->released, col_text(s, 9), sizeof(l->released));
}

/* Appends every row of a lease query to *out. */
static int collect_leases(struct pt_state *st, sqlite3_stmt *s, struct pt_lease **out, size_t *n)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pt_lease l;

		lease_from_row(s, &l);
		if (PT_PUSH(*out, *n, l) < 0) {
			done(s);
			return pt_err(st->ctx, -ENOMEM, "out of memory reading leases");
		}
	}
	done(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, rc, "reading leases");
}

int pt_state_leases(struct pt_state *st, const char *vm, struct pt_lease **out, size_t *n)
{
	sqlite3_stmt *s;
	int r;

	*out = NULL;
	*n = 0;
	if (vm && (r = check_name(st->ctx, "VM", vm)) < 0)
		return r;
	s = stmt(st, vm ? S_ACTIVE_BY_VM : S_ACTIVE_ALL);
	if (!s)
		return -EIO;
	if (vm)
		sqlite3_bind_text(s, 1, vm, -1, SQLITE_STATIC);
	r = collect_leases(st, s, out, n);
	if (r == -EAGAIN)
		r = pt_err(st->ctx, -EBUSY, "state database %s is locked", st->path);
	if (r < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

/* ---- assign ---- */

struct cand_row {
	struct pt_alloc_candidate c;
	char bdf[PT_BDF_STRLEN];
	char vm[PT_NAME_MAX + 1]; /* the holder of its active lease, "" none */
};

struct assign_job {
	const struct pt_assign_req *req;
	char mac[18];
	struct pt_lease *out;
	size_t n_out;
	bool denied;
};

/* "node 0: 2, node 1: 5, unknown node: 1" of the usable candidates. */
static void describe_usable(const struct pt_alloc_candidate *c, size_t n, const char *vm,
			    int skip_node, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t count = 0;
		bool first = true;

		if (!pt_alloc_usable(c, n, i, vm) || (skip_node >= 0 && c[i].numa_node == skip_node))
			continue;
		for (size_t j = 0; j < n; j++) {
			if (!pt_alloc_usable(c, n, j, vm) || c[j].numa_node != c[i].numa_node)
				continue;
			if (j < i)
				first = false;
			count++;
		}
		if (!first)
			continue;
		if (c[i].numa_node < 0)
			used += snprintf(buf + used, len - used, "%sunknown node: %zu", used ? ", " : "",
					 count);
		else
			used += snprintf(buf + used, len - used, "%snode %d: %zu", used ? ", " : "",
					 c[i].numa_node, count);
		if (used >= len)
			return;
	}
}

static int deny(struct pt_state *st, const struct pt_assign_req *req,
		const struct pt_alloc_candidate *c, size_t n, const struct pt_alloc_result *res)
{
	size_t leased = 0, quarantined = 0, other = 0, mine = 0;
	char where[512];
	const char *s = req->count == 1 ? "" : "s";

	for (size_t i = 0; i < n; i++) {
		if (c[i].unavailable)
			continue;
		mine++;
		if (c[i].leased)
			leased++;
		else if (c[i].quarantined)
			quarantined++;
		else if (!pt_alloc_usable(c, n, i, req->vm))
			other++;
	}
	if (req->numa_node >= 0 && res->avail_total >= req->count) {
		describe_usable(c, n, req->vm, req->numa_node, where, sizeof(where));
		return pt_err(st->ctx, -ENOSPC,
			      "pool %s has %zu usable device%s on NUMA node %d, %u requested; "
			      "usable elsewhere: %s (allow remote placement to take them, at a "
			      "cross-node cost)",
			      req->pool, res->avail_local, res->avail_local == 1 ? "" : "s",
			      req->numa_node, req->count, where);
	}
	describe_usable(c, n, req->vm, -1, where, sizeof(where));
	return pt_err(st->ctx, -ENOSPC,
		      "pool %s cannot supply %u device%s%s: %zu usable (%s) of %zu; %zu leased, "
		      "%zu quarantined, %zu blocked (removed, no IOMMU group, group not viable "
		      "or shared with another VM)",
		      req->pool, req->count, s, req->numa_node >= 0 ? " even off-node" : "",
		      res->avail_total, where[0] ? where : "none", mine, leased, quarantined, other);
}

static int assign_txn(struct pt_state *st, void *arg)
{
	struct assign_job *j = arg;
	const struct pt_assign_req *req = j->req;
	struct pt_alloc_candidate *cands = NULL;
	struct pt_alloc_request areq;
	struct pt_alloc_result res;
	struct cand_row *rows = NULL;
	size_t n = 0, *picks = NULL;
	sqlite3_stmt *s;
	int r = 0, rc;

	free(j->out);
	j->out = NULL;
	j->n_out = 0;
	j->denied = false;

	s = stmt(st, S_POOL_KIND);
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, req->pool, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	done(s);
	if (rc == SQLITE_DONE) {
		char names[512] = "";
		size_t used = 0;

		if ((s = stmt(st, S_POOL_NAMES))) {
			while (sqlite3_step(s) == SQLITE_ROW && used < sizeof(names))
				used += snprintf(names + used, sizeof(names) - used, "%s%s",
						 used ? ", " : "", col_text(s, 0));
			done(s);
		}
		return pt_err(st->ctx, -ENOENT, "no pool named %s (known pools: %s)", req->pool,
			      names[0] ? names : "none; configure pools first");
	}
	if (rc != SQLITE_ROW)
		return db_fail(st, rc, "looking up the pool");

	/* the pool's devices, and devices of other pools sharing their IOMMU groups */
	s = stmt(st, S_CANDIDATES);
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, req->pool, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cand_row row = { 0 };
		struct pt_alloc_candidate *c = &row.c;
		const char *state = col_text(s, 4);

		pt_strlcpy(row.bdf, col_text(s, 0), sizeof(row.bdf));
		pt_strlcpy(row.vm, col_text(s, 6), sizeof(row.vm));
		if (pt_bdf_parse(row.bdf, &c->bdf) < 0) {
			done(s);
			r = pt_err(st->ctx, -EUCLEAN, "state database %s holds a bad address \"%s\"",
				   st->path, row.bdf);
			goto out;
		}
		c->numa_node = sqlite3_column_int(s, 2);
		c->iommu_group = sqlite3_column_int(s, 3);
		c->leased = strcmp(state, "leased") == 0;
		c->quarantined = strcmp(state, "quarantined") == 0;
		/* listed for its group only (another pool), or gone from the configuration */
		c->unavailable = sqlite3_column_int(s, 1) == 0 || sqlite3_column_int(s, 5) != 0;
		c->group_viable = c->iommu_group >= 0 &&
				  (!req->group_viable ||
				   req->group_viable(req->group_viable_arg, &c->bdf, c->iommu_group));
		if (PT_PUSH(rows, n, row) < 0) {
			done(s);
			r = pt_err(st->ctx, -ENOMEM, "out of memory reading devices");
			goto out;
		}
	}
	done(s);
	if (rc != SQLITE_DONE) {
		r = db_fail(st, rc, "reading the pool's devices");
		goto out;
	}
	cands = calloc(n ? n : 1, sizeof(*cands));
	if (!cands) {
		r = pt_err(st->ctx, -ENOMEM, "out of memory reading devices");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		cands[i] = rows[i].c;
		cands[i].lease_vm = rows[i].vm[0] ? rows[i].vm : NULL;
	}

	areq = (struct pt_alloc_request){ .count = req->count, .numa_node = req->numa_node,
					  .allow_remote = req->allow_remote, .vm = req->vm };
	picks = malloc(req->count * sizeof(*picks));
	j->out = calloc(req->count, sizeof(*j->out));
	if (!picks || !j->out) {
		r = pt_err(st->ctx, -ENOMEM, "out of memory allocating devices");
		goto out;
	}
	r = pt_allocate(cands, n, &areq, picks, &res);
	if (r == -ENOSPC) {
		j->denied = true;
		r = deny(st, req, cands, n, &res);
		goto out;
	}
	if (r < 0) {
		r = pt_err(st->ctx, r, "allocating devices of pool %s: %s", req->pool, strerror(-r));
		goto out;
	}

	if (j->mac[0]) {
		s = stmt(st, S_MAC_HOLDER);
		if (!s) {
			r = -EIO;
			goto out;
		}
		sqlite3_bind_text(s, 1, j->mac, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			r = pt_err(st->ctx, -EEXIST, "MAC %s is already on %s's lease of %s", j->mac,
				   col_text(s, 0), col_text(s, 1));
			done(s);
			goto out;
		}
		done(s);
		if (rc != SQLITE_DONE) {
			r = db_fail(st, rc, "checking the MAC");
			goto out;
		}
	}

	for (size_t k = 0; k < res.n_picked; k++) {
		const struct cand_row *row = &rows[picks[k]];
		const struct pt_alloc_candidate *c = &cands[picks[k]];
		struct pt_lease *l = &j->out[k];

		s = stmt(st, S_LEASE_INSERT);
		if (!s) {
			r = -EIO;
			goto out;
		}
		sqlite3_bind_text(s, 1, req->vm, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, row->bdf, -1, SQLITE_STATIC);
		bind_text_or_null(s, 3, j->mac);
		if (req->vlan > 0)
			sqlite3_bind_int(s, 4, req->vlan);
		sqlite3_bind_text(s, 5, st->now, -1, SQLITE_STATIC);
		r = exec_stmt(st, s, "inserting a lease");
		if (r < 0)
			goto out;
		l->id = sqlite3_last_insert_rowid(st->db);
		pt_strlcpy(l->vm, req->vm, sizeof(l->vm));
		pt_strlcpy(l->bdf, row->bdf, sizeof(l->bdf));
		pt_strlcpy(l->pool, req->pool, sizeof(l->pool));
		l->numa_node = c->numa_node;
		l->iommu_group = c->iommu_group;
		pt_strlcpy(l->mac, j->mac, sizeof(l->mac));
		l->vlan = req->vlan > 0 ? req->vlan : 0;
		pt_strlcpy(l->created, st->now, sizeof(l->created));
		l->remote = req->numa_node >= 0 && c->numa_node != req->numa_node;
		r = audit(st, "assign", req->vm, row->bdf,
			  "lease %lld, pool %s, node %d%s, IOMMU group %d%s%s%s", l->id, req->pool,
			  c->numa_node, l->remote ? " (remote)" : "", c->iommu_group,
			  j->mac[0] ? ", mac " : "", j->mac, req->vlan > 0 ? ", vlan set" : "");
		if (r < 0)
			goto out;
	}
	j->n_out = res.n_picked;
out:
	free(picks);
	free(cands);
	free(rows);
	return r;
}

struct deny_job {
	const struct pt_assign_req *req;
	const char *why;
};

static int deny_txn(struct pt_state *st, void *arg)
{
	struct deny_job *d = arg;

	return audit(st, "deny", d->req->vm, NULL, "%s", d->why);
}

int pt_state_assign(struct pt_state *st, const struct pt_assign_req *req, struct pt_lease **out,
		    size_t *n)
{
	struct assign_job j = { .req = req };
	int r;

	*out = NULL;
	*n = 0;
	if ((r = check_name(st->ctx, "VM", req->vm)) < 0 ||
	    (r = check_name(st->ctx, "pool", req->pool)) < 0)
		return r;
	if (req->count == 0 || req->count > 4096)
		return pt_err(st->ctx, -EINVAL, "a VM is assigned 1 to 4096 devices at once, not %u",
			      req->count);
	if (req->vlan < 0 || req->vlan > 4094)
		return pt_err(st->ctx, -EINVAL, "VLAN %d is out of range (1-4094, 0 for none)",
			      req->vlan);
	if (req->mac && *req->mac) {
		if (!parse_mac(req->mac, j.mac))
			return pt_err(st->ctx, -EINVAL, "\"%.40s\" is not a MAC address (aa:bb:cc:dd:ee:ff)",
				      req->mac);
		if (strtol(j.mac, NULL, 16) & 1 || strcmp(j.mac, "00:00:00:00:00:00") == 0)
			return pt_err(st->ctx, -EINVAL,
				      "MAC %s is %s, not a station address", j.mac,
				      strtol(j.mac, NULL, 16) & 1 ? "multicast" : "all zeros");
		if (req->count != 1)
			return pt_err(st->ctx, -EINVAL,
				      "a MAC address can be given for one device, not %u", req->count);
	}
	r = run_txn(st, assign_txn, &j);
	if (r < 0) {
		free(j.out);
		if (j.denied) {
			/* the refusal is an action too: its own small transaction, best effort
			 * (it waits at most a second for the lock) */
			char why[sizeof(st->ctx->err)];
			struct deny_job d = { .req = req, .why = why };
			int busy_ms = st->busy_ms;

			pt_strlcpy(why, st->ctx->err, sizeof(why));
			st->busy_ms = busy_ms < 1000 ? busy_ms : 1000;
			run_txn(st, deny_txn, &d);
			st->busy_ms = busy_ms;
			pt_strlcpy(st->ctx->err, why, sizeof(st->ctx->err));
		}
		return r;
	}
	*out = j.out;
	*n = j.n_out;
	return 0;
}

/* ---- release ---- */

struct release_job {
	const char *vm;
	const char *bdf; /* normalized, or NULL */
	struct pt_lease *out;
	size_t n_out;
};

/* Ends one active lease (read in this transaction) and audits it. */
static int release_one(struct pt_state *st, struct pt_lease *l, const char *action,
		       const char *why)
{
	sqlite3_stmt *s = stmt(st, S_LEASE_RELEASE);
	int r;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, l->id);
	sqlite3_bind_text(s, 2, st->now, -1, SQLITE_STATIC);
	r = exec_stmt(st, s, "releasing a lease");
	if (r < 0)
		return r;
	if (sqlite3_changes(st->db) != 1)
		return pt_err(st->ctx, -EIO, "lease %lld of %s vanished while releasing it", l->id,
			      l->bdf);
	pt_strlcpy(l->released, st->now, sizeof(l->released));
	return audit(st, action, l->vm, l->bdf, "lease %lld, pool %s%s", l->id, l->pool, why);
}

static int release_txn(struct pt_state *st, void *arg)
{
	struct release_job *j = arg;
	sqlite3_stmt *s;
	int r;

	free(j->out);
	j->out = NULL;
	j->n_out = 0;
	s = stmt(st, j->bdf ? S_ACTIVE_BY_BDF : S_ACTIVE_BY_VM);
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, j->bdf ? j->bdf : j->vm, -1, SQLITE_STATIC);
	r = collect_leases(st, s, &j->out, &j->n_out);
	if (r < 0)
		return r;
	if (j->bdf && j->n_out == 0) {
		int rc;

		s = stmt(st, S_DEVICE_GET);
		if (!s)
			return -EIO;
		sqlite3_bind_text(s, 1, j->bdf, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		done(s);
		if (rc == SQLITE_DONE)
			return pt_err(st->ctx, -ENOENT, "%s is in no pool of the state database",
				      j->bdf);
		if (rc != SQLITE_ROW)
			return db_fail(st, rc, "looking up the device");
		return pt_err(st->ctx, -ENOENT, "%s is not leased", j->bdf);
	}
	if (j->bdf && strcmp(j->out[0].vm, j->vm) != 0)
		return pt_err(st->ctx, -EPERM, "%s is leased to %s, not to %s", j->bdf, j->out[0].vm,
			      j->vm);
	for (size_t k = 0; k < j->n_out; k++)
		if ((r = release_one(st, &j->out[k], "release", "")) < 0)
			return r;
	return 0;
}

int pt_state_release(struct pt_state *st, const char *vm, const char *bdf,
		     struct pt_lease **released, size_t *n)
{
	struct release_job j = { .vm = vm };
	char norm[PT_BDF_STRLEN];
	int r;

	if (released)
		*released = NULL;
	if (n)
		*n = 0;
	if ((r = check_name(st->ctx, "VM", vm)) < 0)
		return r;
	if (bdf) {
		if ((r = norm_bdf(st->ctx, bdf, norm)) < 0)
			return r;
		j.bdf = norm;
	}
	r = run_txn(st, release_txn, &j);
	if (r < 0 || !released) {
		free(j.out);
		if (r == 0 && n)
			*n = j.n_out;
		return r;
	}
	*released = j.out;
	if (n)
		*n = j.n_out;
	return 0;
}

/* ---- garbage collection ---- */

struct gc_job {
	const char *const *live;
	size_t n_live;
	char cutoff[32];
	struct pt_lease *out;
	size_t n_out;
};

static int gc_txn(struct pt_state *st, void *arg)
{
	struct gc_job *j = arg;
	struct pt_lease *stale = NULL;
	size_t n_stale = 0;
	sqlite3_stmt *s = stmt(st, S_STALE_LEASES);
	int r;

	free(j->out);
	j->out = NULL;
	j->n_out = 0;
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, j->cutoff, -1, SQLITE_STATIC);
	r = collect_leases(st, s, &stale, &n_stale);
	for (size_t k = 0; r == 0 && k < n_stale; k++) {
		bool live = false;

		for (size_t i = 0; i < j->n_live && !live; i++)
			live = j->live[i] && strcmp(j->live[i], stale[k].vm) == 0;
		if (live)
			continue;
		r = release_one(st, &stale[k], "gc", ": the VM no longer exists");
		if (r == 0)
			stale[j->n_out++] = stale[k];
	}
	if (r < 0) {
		free(stale);
		j->n_out = 0;
		return r;
	}
	j->out = stale;
	return 0;
}

int pt_state_gc(struct pt_state *st, const char *const *live_vms, size_t n_live, long min_age_s,
		struct pt_lease **released, size_t *n)
{
	struct gc_job j = { .live = live_vms, .n_live = n_live };
	struct timespec ts;
	struct tm tm;
	time_t cut;
	int r;

	if (released)
		*released = NULL;
	if (n)
		*n = 0;
	if (n_live && !live_vms)
		return pt_err(st->ctx, -EINVAL, "gc: no list of live VMs");
	if (min_age_s < 0)
		min_age_s = 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	cut = ts.tv_sec - (time_t)min_age_s;
	gmtime_r(&cut, &tm);
	strftime(j.cutoff, sizeof(j.cutoff), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(j.cutoff + strlen(j.cutoff), sizeof(j.cutoff) - strlen(j.cutoff), ".%03ldZ",
		 ts.tv_nsec / 1000000);
	r = run_txn(st, gc_txn, &j);
	if (r < 0 || !released) {
		if (r == 0 && n)
			*n = j.n_out;
		free(j.out);
		return r;
	}
	*released = j.out;
	if (n)
		*n = j.n_out;
	return 0;
}

/* ---- quarantine ---- */

struct quarantine_job {
	const char *bdf;
	const char *reason; /* NULL: unquarantine */
};

static int quarantine_txn(struct pt_state *st, void *arg)
{
	struct quarantine_job *j = arg;
	char state[16], old_reason[256];
	sqlite3_stmt *s = stmt(st, S_DEVICE_GET);
	int rc, r;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, j->bdf, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		pt_strlcpy(state, col_text(s, 3), sizeof(state));
		pt_strlcpy(old_reason, col_text(s, 5), sizeof(old_reason));
	}
	done(s);
	if (rc == SQLITE_DONE)
		return pt_err(st->ctx, -ENOENT, "%s is in no pool of the state database", j->bdf);
	if (rc != SQLITE_ROW)
		return db_fail(st, rc, "looking up the device");

	if (!j->reason) {
		if (strcmp(state, "quarantined") != 0)
			return 0;
		s = stmt(st, S_UNQUARANTINE);
		if (!s)
			return -EIO;
		sqlite3_bind_text(s, 1, j->bdf, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, st->now, -1, SQLITE_STATIC);
		r = exec_stmt(st, s, "returning the device to its pool");
		return r < 0 ? r : audit(st, "unquarantine", NULL, j->bdf, "was: %s", old_reason);
	}
	if (strcmp(state, "leased") == 0) {
		struct pt_lease *l = NULL;
		size_t n = 0;
		char holder[PT_NAME_MAX + 1] = "?";

		if ((s = stmt(st, S_ACTIVE_BY_BDF))) {
			sqlite3_bind_text(s, 1, j->bdf, -1, SQLITE_STATIC);
			if (collect_leases(st, s, &l, &n) == 0 && n > 0)
				pt_strlcpy(holder, l[0].vm, sizeof(holder));
			free(l);
		}
		return pt_err(st->ctx, -EBUSY, "%s is leased to %s; release it before quarantining it",
			      j->bdf, holder);
	}
	if (strcmp(state, "quarantined") == 0 && strcmp(old_reason, j->reason) == 0)
		return 0;
	s = stmt(st, S_QUARANTINE);
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, j->bdf, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, j->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, st->now, -1, SQLITE_STATIC);
	r = exec_stmt(st, s, "quarantining the device");
	return r < 0 ? r : audit(st, "quarantine", NULL, j->bdf, "%s", j->reason);
}

int pt_state_quarantine(struct pt_state *st, const char *bdf, const char *reason)
{
	struct quarantine_job j = { .reason = reason };
	char norm[PT_BDF_STRLEN];
	int r;

	if ((r = norm_bdf(st->ctx, bdf, norm)) < 0)
		return r;
	if (!reason || !*reason)
		return pt_err(st->ctx, -EINVAL, "quarantining %s needs a reason", norm);
	j.bdf = norm;
	return run_txn(st, quarantine_txn, &j);
}

int pt_state_unquarantine(struct pt_state *st, const char *bdf)
{
	struct quarantine_job j = { 0 };
	char norm[PT_BDF_STRLEN];
	int r;

	if ((r = norm_bdf(st->ctx, bdf, norm)) < 0)
		return r;
	j.bdf = norm;
	return run_txn(st, quarantine_txn, &j);
}

/* ---- pools ---- */

struct sync_job {
	const char *pool;
	const char *kind;
	char (*bdfs)[PT_BDF_STRLEN];
	const struct pt_pool_member *members;
	size_t n;
};

static int sync_txn(struct pt_state *st, void *arg)
{
	struct sync_job *j = arg;
	char(*gone)[PT_BDF_STRLEN] = NULL;
	size_t n_gone = 0, added = 0, updated = 0;
	sqlite3_stmt *s;
	int r, rc;

	s = stmt(st, S_POOL_UPSERT);
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, j->pool, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, j->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, st->now, -1, SQLITE_STATIC);
	if ((r = exec_stmt(st, s, "recording the pool")) < 0)
		return r;

	for (size_t i = 0; i < j->n; i++) {
		const struct pt_pool_member *m = &j->members[i];
		char pool[PT_NAME_MAX + 1] = "";
		int node = 0, group = 0, removed = 0;
		int want_node = m->numa_node < 0 ? -1 : m->numa_node;
		int want_group = m->iommu_group < 0 ? -1 : m->iommu_group;

		s = stmt(st, S_DEVICE_GET);
		if (!s)
			return -EIO;
		sqlite3_bind_text(s, 1, j->bdfs[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			pt_strlcpy(pool, col_text(s, 0), sizeof(pool));
			node = sqlite3_column_int(s, 1);
			group = sqlite3_column_int(s, 2);
			removed = sqlite3_column_int(s, 4);
		}
		done(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return db_fail(st, rc, "looking up a device");
		if (rc == SQLITE_DONE) {
			s = stmt(st, S_DEVICE_INSERT);
			if (!s)
				return -EIO;
			sqlite3_bind_text(s, 1, j->bdfs[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 2, j->pool, -1, SQLITE_STATIC);
			sqlite3_bind_int(s, 3, want_node);
			sqlite3_bind_int(s, 4, want_group);
			sqlite3_bind_text(s, 5, st->now, -1, SQLITE_STATIC);
			if ((r = exec_stmt(st, s, "adding a device")) < 0 ||
			    (r = audit(st, "add", NULL, j->bdfs[i], "pool %s, node %d, IOMMU group %d",
				       j->pool, want_node, want_group)) < 0)
				return r;
			added++;
			continue;
		}
		if (strcmp(pool, j->pool) == 0 && node == want_node && group == want_group &&
		    !removed)
			continue;
		s = stmt(st, S_DEVICE_UPDATE);
		if (!s)
			return -EIO;
		sqlite3_bind_text(s, 1, j->bdfs[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, j->pool, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, want_node);
		sqlite3_bind_int(s, 4, want_group);
		sqlite3_bind_text(s, 5, st->now, -1, SQLITE_STATIC);
		if ((r = exec_stmt(st, s, "updating a device")) < 0)
			return r;
		if (removed)
			r = audit(st, "add", NULL, j->bdfs[i], "back in pool %s, node %d, IOMMU group %d",
				  j->pool, want_node, want_group);
		else
			r = audit(st, "update", NULL, j->bdfs[i],
				  "pool %s -> %s, node %d -> %d, IOMMU group %d -> %d", pool, j->pool,
				  node, want_node, group, want_group);
		if (r < 0)
			return r;
		if (removed)
			added++;
		else
			updated++;
	}

	/* configured members no longer in the list leave the pool */
	s = stmt(st, S_POOL_MEMBERS);
	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, j->pool, -1, SQLITE_STATIC);
	r = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *bdf = col_text(s, 0);
		bool listed = false;

		for (size_t i = 0; i < j->n && !listed; i++)
			listed = strcmp(j->bdfs[i], bdf) == 0;
		if (listed)
			continue;
		if (pt_grow((void **)&gone, n_gone, sizeof(*gone)) < 0) {
			r = pt_err(st->ctx, -ENOMEM, "out of memory syncing pool %s", j->pool);
			break;
		}
		pt_strlcpy(gone[n_gone++], bdf, PT_BDF_STRLEN);
	}
	done(s);
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st, rc, "listing the pool's devices");
	for (size_t i = 0; r == 0 && i < n_gone; i++) {
		s = stmt(st, S_DEVICE_REMOVE);
		if (!s) {
			r = -EIO;
			break;
		}
		sqlite3_bind_text(s, 1, gone[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, st->now, -1, SQLITE_STATIC);
		r = exec_stmt(st, s, "removing a device");
		if (r == 0)
			r = audit(st, "remove", NULL, gone[i],
				  "left the configuration of pool %s; never allocated again", j->pool);
	}
	free(gone);
	if (r < 0)
		return r;
	if (added || updated || n_gone)
		r = audit(st, "pool-sync", NULL, NULL, "pool %s (%s): %zu added, %zu updated, %zu removed",
			  j->pool, j->kind, added, updated, n_gone);
	return r;
}

int pt_state_sync_pool(struct pt_state *st, const char *pool, const char *kind,
		       const struct pt_pool_member *members, size_t n)
{
	struct sync_job j = { .pool = pool, .kind = kind, .members = members, .n = n };
	int r;

	if ((r = check_name(st->ctx, "pool", pool)) < 0)
		return r;
	if (!kind || (strcmp(kind, "vfs") != 0 && strcmp(kind, "devices") != 0))
		return pt_err(st->ctx, -EINVAL, "pool %s: kind \"%s\" is neither \"vfs\" nor \"devices\"",
			      pool, kind ? kind : "(null)");
	if (n && !members)
		return pt_err(st->ctx, -EINVAL, "pool %s: no member list", pool);
	j.bdfs = n ? calloc(n, sizeof(*j.bdfs)) : NULL;
	if (n && !j.bdfs)
		return pt_err(st->ctx, -ENOMEM, "out of memory syncing pool %s", pool);
	for (size_t i = 0; i < n; i++) {
		if ((r = norm_bdf(st->ctx, members[i].bdf, j.bdfs[i])) < 0) {
			r = pt_err(st->ctx, r, "pool %s, member %zu: \"%s\" is not a PCI address", pool,
				   i + 1, members[i].bdf ? members[i].bdf : "(null)");
			goto out;
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(j.bdfs[k], j.bdfs[i]) == 0) {
				r = pt_err(st->ctx, -EINVAL, "pool %s lists %s twice", pool, j.bdfs[i]);
				goto out;
			}
	}
	r = run_txn(st, sync_txn, &j);
out:
	free(j.bdfs);
	return r;
}

int pt_state_pools(struct pt_state *st, struct pt_pool_usage **out, size_t *n)
{
	sqlite3_stmt *s = stmt(st, S_USAGE);
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pt_pool_usage u = { 0 };

		pt_strlcpy(u.pool, col_text(s, 0), sizeof(u.pool));
		pt_strlcpy(u.kind, col_text(s, 1), sizeof(u.kind));
		u.numa_node = sqlite3_column_int(s, 2);
		u.free = (unsigned)sqlite3_column_int(s, 3);
		u.leased = (unsigned)sqlite3_column_int(s, 4);
		u.quarantined = (unsigned)sqlite3_column_int(s, 5);
		u.removed = (unsigned)sqlite3_column_int(s, 6);
		u.total = u.free + u.leased + u.quarantined;
		if (PT_PUSH(*out, *n, u) < 0) {
			done(s);
			free(*out);
			*out = NULL;
			*n = 0;
			return pt_err(st->ctx, -ENOMEM, "out of memory reading pools");
		}
	}
	done(s);
	if (rc != SQLITE_DONE) {
		int r = db_fail(st, rc, "reading pools");

		free(*out);
		*out = NULL;
		*n = 0;
		return r == -EAGAIN ? pt_err(st->ctx, -EBUSY, "state database %s is locked", st->path)
				    : r;
	}
	return 0;
}

int pt_state_pools_judged(struct pt_state *st,
			  bool (*usable)(void *arg, const struct pt_bdf *bdf, int iommu_group,
					 char *why, size_t len),
			  void *arg, struct pt_pool_usage **out, size_t *n)
{
	sqlite3_stmt *s;
	int r = pt_state_pools(st, out, n), rc;

	if (r < 0)
		return r;
	s = stmt(st, S_FREE_DEVICES);
	if (!s)
		return -EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *pool = col_text(s, 0), *bdf = col_text(s, 2);
		int node = sqlite3_column_int(s, 1), group = sqlite3_column_int(s, 3);
		struct pt_pool_usage *u = NULL;
		char why[320] = "";
		struct pt_bdf b;

		for (size_t i = 0; i < *n && !u; i++)
			if (strcmp((*out)[i].pool, pool) == 0 && (*out)[i].numa_node == node)
				u = &(*out)[i];
		if (!u || u->free == 0 || pt_bdf_parse(bdf, &b) < 0)
			continue;
		if (sqlite3_column_int(s, 4))
			snprintf(why, sizeof(why), "%s shares IOMMU group %d with a leased device: it goes "
				 "only to that VM", bdf, group);
		else if (!usable || usable(arg, &b, group, why, sizeof(why)))
			continue;
		u->free--;
		u->blocked++;
		if (!u->blocked_why[0])
			pt_strlcpy(u->blocked_why, why, sizeof(u->blocked_why));
	}
	done(s);
	if (rc != SQLITE_DONE) {
		r = db_fail(st, rc, "reading free devices");
		free(*out);
		*out = NULL;
		*n = 0;
		return r;
	}
	return 0;
}

/* ---- audit and verification ---- */

int pt_state_audit(struct pt_state *st, const char *vm, const char *bdf, long long after_id,
		   size_t limit, struct pt_audit_entry **out, size_t *n)
{
	char norm[PT_BDF_STRLEN];
	sqlite3_stmt *s;
	int rc, r;

	*out = NULL;
	*n = 0;
	if (bdf && (r = norm_bdf(st->ctx, bdf, norm)) < 0)
		return r;
	s = stmt(st, bdf ? S_AUDIT_READ_BDF : S_AUDIT_READ);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, after_id);
	bind_text_or_null(s, 2, vm);
	if (bdf)
		sqlite3_bind_text(s, 3, norm, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, limit ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct pt_audit_entry e = { 0 };

		e.id = sqlite3_column_int64(s, 0);
		pt_strlcpy(e.ts, col_text(s, 1), sizeof(e.ts));
		e.actor_pid = (long)sqlite3_column_int64(s, 2);
		pt_strlcpy(e.action, col_text(s, 3), sizeof(e.action));
		pt_strlcpy(e.vm, col_text(s, 4), sizeof(e.vm));
		pt_strlcpy(e.bdf, col_text(s, 5), sizeof(e.bdf));
		pt_strlcpy(e.detail, col_text(s, 6), sizeof(e.detail));
		if (PT_PUSH(*out, *n, e) < 0) {
			done(s);
			free(*out);
			*out = NULL;
			*n = 0;
			return pt_err(st->ctx, -ENOMEM, "out of memory reading the audit log");
		}
	}
	done(s);
	if (rc != SQLITE_DONE) {
		r = db_fail(st, rc, "reading the audit log");
		free(*out);
		*out = NULL;
		*n = 0;
		return r == -EAGAIN ? pt_err(st->ctx, -EBUSY, "state database %s is locked", st->path)
				    : r;
	}
	return 0;
}

/* Runs a check query: a row is a violation, described by its first column. */
static int check_none(struct pt_state *st, const char *q, const char *what)
{
	sqlite3_stmt *s;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(st->db, q, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, what);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = pt_err(st->ctx, -EUCLEAN, "state database %s: %s: %s", st->path, what,
			   col_text(s, 0));
	else if (rc != SQLITE_DONE)
		r = db_fail(st, rc, what);
	sqlite3_finalize(s);
	return r;
}

int pt_state_verify(struct pt_state *st, bool full)
{
	int r, rc;

	rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "starting a read transaction");
	r = check_none(st,
		       "SELECT bdf || ' has ' || count(*) || ' active leases' FROM leases "
		       "WHERE released IS NULL GROUP BY bdf HAVING count(*) > 1",
		       "a device leased twice");
	if (r == 0)
		r = check_none(st,
			       "SELECT d.bdf || ' is ' || d.state || coalesce(' but leased to ' || l.vm, "
			       "' without an active lease') FROM devices d LEFT JOIN leases l "
			       "ON l.bdf = d.bdf AND l.released IS NULL "
			       "WHERE (d.state = 'leased') <> (l.id IS NOT NULL)",
			       "device state disagrees with the leases");
	if (r == 0)
		r = check_none(st,
			       "SELECT 'lease ' || l.id || ' names unknown device ' || l.bdf FROM leases l "
			       "WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.bdf = l.bdf)",
			       "a lease without its device");
	if (r == 0)
		r = check_none(st, "SELECT \"table\" || ' row ' || rowid FROM pragma_foreign_key_check",
			       "foreign key violation");
	if (r == 0 && full)
		r = check_none(st,
			       "SELECT integrity_check FROM pragma_integrity_check "
			       "WHERE integrity_check <> 'ok'",
			       "integrity check");
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (r == -EAGAIN)
		r = pt_err(st->ctx, -EBUSY, "state database %s is locked", st->path);
	return r;
}
