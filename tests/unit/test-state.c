// SPDX-License-Identifier: MIT
/*
 * The assignment state (lib/state.c): schema and migration, pools, assign/release,
 * quarantine, the schema's own guards, crash safety, and N processes x M cycles
 * against one database with zero double allocations.
 *
 *   test-state                          everything, concurrency at 8 x 60
 *   test-state --concurrency P C        only the concurrency test, P processes x C cycles
 */
#include "passthru/state.h"
#include "tap.h"

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmproot[256];

static void rm_rf(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

/* A fresh directory under the test's temp root. */
static const char *fresh_dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmproot, name);
	rm_rf(path);
	return path;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One query's first column as an integer (or text into buf) on a side connection. */
static long long sql_int(const char *db, const char *q)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	long long v = -999;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -998;
	sqlite3_busy_timeout(h, 5000);
	if (sqlite3_prepare_v2(h, q, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	} else {
		printf("# %s: %s\n", q, sqlite3_errmsg(h));
	}
	sqlite3_close(h);
	return v;
}

static int sql_text(const char *db, const char *q, char *buf, size_t len)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	int rc = -1;

	buf[0] = '\0';
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(h, 5000);
	if (sqlite3_prepare_v2(h, q, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW) {
			snprintf(buf, len, "%s", (const char *)sqlite3_column_text(s, 0));
			rc = 0;
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(h);
	return rc;
}

/* Runs a statement on a side connection; returns the SQLite result code. */
static int sql_exec(const char *db, const char *q)
{
	sqlite3 *h;
	int rc;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(h, 5000);
	sqlite3_exec(h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	rc = sqlite3_exec(h, q, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

static size_t count_action(struct pt_state *st, const char *action)
{
	struct pt_audit_entry *a;
	size_t n, c = 0;

	if (pt_state_audit(st, NULL, NULL, 0, 0, &a, &n) < 0)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++)
		c += strcmp(a[i].action, action) == 0;
	free(a);
	return c;
}

/* ---- schema ---- */

static void test_schema(void)
{
	const char *dir = fresh_dir("schema/state");
	struct pt_state *st = NULL;
	struct pt_ctx *ctx;
	char db[600], buf[256];
	struct stat sb;
	FILE *f;

	pt_ctx_new(&ctx, NULL);
	is_int(pt_state_open(ctx, dir, &st), 0, "open creates the state directory and database");
	ok(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0700,
	   "state directory is mode 0700");
	snprintf(db, sizeof(db), "%s/state.db", dir);
	is_str(pt_state_path(st), db, "database is state.db in the state directory");
	is_int(sql_int(db, "PRAGMA user_version"), PT_STATE_SCHEMA_VERSION, "schema version recorded");
	sql_text(db, "PRAGMA journal_mode", buf, sizeof(buf));
	is_str(buf, "wal", "write-ahead log");
	is_int(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
			   "('pools', 'devices', 'leases', 'audit')"),
	       4, "pools, devices, leases and audit tables exist");
	is_int(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
			   "name = 'leases_one_active_per_device'"),
	       1, "the one-active-lease-per-device index exists");
	is_int(count_action(st, "migrate"), 1, "the migration is audited");
	is_int(pt_state_verify(st, true), 0, "a new database verifies");
	pt_state_close(st);

	is_int(pt_state_open(ctx, dir, &st), 0, "re-open");
	is_int(count_action(st, "migrate"), 1, "re-open does not migrate again");
	pt_state_close(st);
	is_int(pt_state_open(ctx, dir, &st), 0, "and again");
	pt_state_close(st);
	is_int(sql_int(db, "PRAGMA user_version"), PT_STATE_SCHEMA_VERSION, "version unchanged");

	/* an empty file (created by someone, e.g. touch) is an empty database */
	dir = fresh_dir("schema/empty");
	mkdir(dir, 0700);
	snprintf(db, sizeof(db), "%s/state.db", dir);
	f = fopen(db, "w");
	if (f)
		fclose(f);
	is_int(pt_state_open(ctx, dir, &st), 0, "an empty database file is migrated");
	pt_state_close(st);
	is_int(sql_int(db, "PRAGMA user_version"), PT_STATE_SCHEMA_VERSION, "to the current version");

	/* a newer schema than we know is refused, untouched */
	sql_exec(db, "PRAGMA user_version = 99");
	is_int(pt_state_open(ctx, dir, &st), -EPROTO, "a newer schema is refused");
	ok(strstr(pt_ctx_error(ctx), "upgrade passthru") != NULL, "and says to upgrade: %s",
	   pt_ctx_error(ctx));
	is_int(sql_int(db, "PRAGMA user_version"), 99, "and left alone");

	/* garbage where the database should be */
	dir = fresh_dir("schema/garbage");
	mkdir(dir, 0700);
	snprintf(db, sizeof(db), "%s/state.db", dir);
	f = fopen(db, "w");
	if (f) {
		for (int i = 0; i < 512; i++)
			fputs("not a database ", f);
		fclose(f);
	}
	is_int(pt_state_open(ctx, dir, &st), -EUCLEAN, "a file that is no database is refused");
	ok(strstr(pt_ctx_error(ctx), "not a SQLite database") && strstr(pt_ctx_error(ctx), "backup"),
	   "and the message says what to do: %s", pt_ctx_error(ctx));

	/* not a directory */
	dir = fresh_dir("schema/file");
	f = fopen(dir, "w");
	if (f)
		fclose(f);
	is_int(pt_state_open(ctx, dir, &st), -ENOTDIR, "a state dir that is a file is refused");
	pt_ctx_free(ctx);

	/* the default: <sysroot>/var/lib/passthru */
	dir = fresh_dir("sysroot");
	mkdir(dir, 0755);
	pt_ctx_new(&ctx, dir);
	is_int(pt_state_open(ctx, NULL, &st), 0, "open with the default state directory");
	snprintf(db, sizeof(db), "%s/var/lib/passthru/state.db", dir);
	is_str(st ? pt_state_path(st) : "", db, "default is <sysroot>/var/lib/passthru/state.db");
	pt_state_close(st);
	pt_ctx_free(ctx);
}

/* Many processes opening (creating, migrating) and syncing a new database at once. */
static void test_concurrent_open(void)
{
	const char *dir = fresh_dir("concurrent-open");
	struct pt_pool_member m[] = { { "0000:01:00.0", 0, 1 }, { "0000:01:00.1", 0, 2 },
				      { "0000:01:00.2", 1, 3 }, { "0000:01:00.3", 1, 4 } };
	struct pt_state *st;
	struct pt_ctx *ctx;
	pid_t pids[8];
	int bad = 0;
	char db[600];

	fflush(stdout);
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int r;

			pt_ctx_new(&ctx, NULL);
			r = pt_state_open(ctx, dir, &st);
			if (r == 0)
				r = pt_state_sync_pool(st, "p", "vfs", m, 4);
			if (r < 0)
				printf("# child %d: %s\n", i, pt_ctx_error(ctx));
			fflush(stdout);
			pt_state_close(st);
			pt_ctx_free(ctx);
			_exit(r < 0);
		}
	}
	for (int i = 0; i < 8; i++) {
		int status;

		waitpid(pids[i], &status, 0);
		bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	is_int(bad, 0, "8 processes create, migrate and sync one new database at once");
	snprintf(db, sizeof(db), "%s/state.db", dir);
	is_int(sql_int(db, "SELECT count(*) FROM audit WHERE action = 'migrate'"), 1,
	       "the schema was migrated exactly once");
	is_int(sql_int(db, "SELECT count(*) FROM audit WHERE action = 'add'"), 4,
	       "each device added exactly once");
	is_int(sql_int(db, "SELECT count(*) FROM devices"), 4, "4 devices");
}

/* ---- semantics ---- */

static const struct pt_pool_member vfs8[] = {
	{ "0000:41:00.1", 0, 10 }, { "0000:41:00.2", 0, 11 }, { "0000:41:00.3", 0, 12 },
	{ "0000:41:00.4", 0, 13 }, { "0000:c1:00.1", 1, 20 }, { "0000:c1:00.2", 1, 21 },
	{ "c1:00.3", 1, 22 },      { "0000:c1:00.4", 1, 23 },
};

static const struct pt_pool_usage *usage_of(const struct pt_pool_usage *u, size_t n,
					    const char *pool, int node)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(u[i].pool, pool) == 0 && u[i].numa_node == node)
			return &u[i];
	return NULL;
}

static bool no_group_11(void *arg, const struct pt_bdf *bdf, int group)
{
	(void)arg;
	(void)bdf;
	return group != 11;
}

static void test_semantics(void)
{
	const char *dir = fresh_dir("semantics");
	struct pt_lease *l = NULL, *l2 = NULL;
	struct pt_pool_usage *u = NULL;
	struct pt_audit_entry *a = NULL;
	const struct pt_pool_usage *p;
	struct pt_state *st;
	struct pt_ctx *ctx;
	size_t n, n2;
	char db[600], longname[80];

	pt_ctx_new(&ctx, NULL);
	if (pt_state_open(ctx, dir, &st) < 0) {
		ok(0, "open: %s", pt_ctx_error(ctx));
		return;
	}
	snprintf(db, sizeof(db), "%s/state.db", dir);

	is_int(pt_state_sync_pool(st, "vfs", "vfs", vfs8, 8), 0, "sync a pool of 8 VFs");
	is_int(pt_state_sync_pool(st, "vfs", "vfs", vfs8, 8), 0, "sync again");
	is_int(count_action(st, "add"), 8, "8 devices added, once");
	is_int(count_action(st, "pool-sync"), 1, "a sync that changes nothing is not audited");
	is_int(pt_state_sync_pool(st, "x", "gpus", vfs8, 1), -EINVAL, "kind must be vfs or devices");
	{
		struct pt_pool_member dup[] = { { "0000:41:00.1", 0, 10 }, { "41:00.1", 0, 10 } };
		struct pt_pool_member bad[] = { { "eth0", 0, 1 } };

		is_int(pt_state_sync_pool(st, "x", "vfs", dup, 2), -EINVAL, "a BDF listed twice");
		is_int(pt_state_sync_pool(st, "x", "vfs", bad, 1), -EINVAL, "a member that is no BDF");
		ok(strstr(pt_ctx_error(ctx), "eth0") != NULL, "the message names it: %s",
		   pt_ctx_error(ctx));
	}

	is_int(pt_state_pools(st, &u, &n), 0, "pools");
	is_int(n, 2, "one row per node");
	p = usage_of(u, n, "vfs", 0);
	ok(p && p->total == 4 && p->free == 4 && p->leased == 0, "node 0: 4 free");
	ok(p && strcmp(p->kind, "vfs") == 0, "kind vfs");
	free(u);

	/* assign */
	{
		struct pt_assign_req req = { .vm = "web1", .pool = "vfs", .count = 2, .numa_node = 0 };

		is_int(pt_state_assign(st, &req, &l, &n), 0, "assign 2 on node 0");
		is_int(n, 2, "two leases");
		is_str(n ? l[0].bdf : "", "0000:41:00.1", "lowest BDF first");
		is_str(n > 1 ? l[1].bdf : "", "0000:41:00.2", "then the next");
		ok(n && !l[0].remote && l[0].numa_node == 0 && l[0].iommu_group == 10 &&
			   l[0].released[0] == '\0' && l[0].created[0] == '2',
		   "lease details: node, group, created, active");
		ok(n > 1 && l[0].id > 0 && l[1].id > l[0].id, "lease ids");
		free(l);

		req.pool = "nope";
		is_int(pt_state_assign(st, &req, &l, &n), -ENOENT, "unknown pool");
		ok(strstr(pt_ctx_error(ctx), "known pools: vfs") != NULL, "names the known pools: %s",
		   pt_ctx_error(ctx));
		req.pool = "vfs";
		req.vm = "bad name";
		is_int(pt_state_assign(st, &req, &l, &n), -EINVAL, "a VM name with a space");
		req.vm = "-rf";
		is_int(pt_state_assign(st, &req, &l, &n), -EINVAL, "a VM name starting with '-'");
		memset(longname, 'a', 65);
		longname[65] = '\0';
		req.vm = longname;
		is_int(pt_state_assign(st, &req, &l, &n), -EINVAL, "a 65-character VM name");
		longname[64] = '\0';
		is_int(pt_state_assign(st, &req, &l, &n), 0, "a 64-character VM name");
		free(l);
		is_int(pt_state_release(st, longname, NULL, NULL, &n), 0, "released");
		is_int(n, 2, "both");
		req.vm = "web1";
		req.count = 0;
		is_int(pt_state_assign(st, &req, &l, &n), -EINVAL, "count 0");

		req.vm = "web2";
		req.count = 3;
		is_int(pt_state_assign(st, &req, &l, &n), -ENOSPC, "3 on node 0 where 2 are left");
		ok(strstr(pt_ctx_error(ctx), "2 usable devices on NUMA node 0") &&
			   strstr(pt_ctx_error(ctx), "usable elsewhere: node 1: 4"),
		   "the message says what is free elsewhere: %s", pt_ctx_error(ctx));
		is_int(count_action(st, "deny"), 1, "the refusal is audited");
		req.allow_remote = true;
		is_int(pt_state_assign(st, &req, &l, &n), 0, "with allow_remote");
		ok(n == 3 && !l[0].remote && !l[1].remote && l[2].remote &&
			   strcmp(l[2].bdf, "0000:c1:00.1") == 0,
		   "2 local, 1 remote (0000:c1:00.1)");
		free(l);

		/* MAC and VLAN */
		req = (struct pt_assign_req){ .vm = "db1", .pool = "vfs", .count = 1, .numa_node = 1,
					      .mac = "52:54:00:AA:bb:01", .vlan = 100 };
		is_int(pt_state_assign(st, &req, &l, &n), 0, "assign with MAC and VLAN");
		is_str(n ? l[0].mac : "", "52:54:00:aa:bb:01", "MAC stored lower case");
		is_int(n ? l[0].vlan : -1, 100, "VLAN stored");
		free(l);
		req.vm = "db2";
		is_int(pt_state_assign(st, &req, &l, &n), -EEXIST, "the same MAC twice");
		ok(strstr(pt_ctx_error(ctx), "db1") != NULL, "names the holder: %s", pt_ctx_error(ctx));
		req.mac = "52:54:00:aa:bb";
		is_int(pt_state_assign(st, &req, &l, &n), -EINVAL, "a short MAC");
		req.mac = "01:00:5e:00:00:01";
		is_int(pt_state_assign(st, &req, &l, &n), -EINVAL, "a multicast MAC");
		req.mac = "00:00:00:00:00:00";
		is_int(pt_state_assign(st, &req, &l, &n), -EINVAL, "an all-zero MAC");
		req.mac = "52:54:00:aa:bb:02";
		req.count = 2;
		is_int(pt_state_assign(st, &req, &l, &n), -EINVAL, "one MAC for two devices");
		req.count = 1;
		req.vlan = 4095;
		is_int(pt_state_assign(st, &req, &l, &n), -EINVAL, "VLAN 4095");
	}

	is_int(pt_state_leases(st, NULL, &l, &n), 0, "all leases");
	is_int(n, 6, "web1 2, web2 3, db1 1");
	ok(n == 6 && strcmp(l[0].vm, "db1") == 0 && strcmp(l[5].vm, "web2") == 0,
	   "ordered by VM");
	free(l);
	is_int(pt_state_leases(st, "web2", &l, &n), 0, "leases of web2");
	is_int(n, 3, "three");
	free(l);
	is_int(pt_state_pools(st, &u, &n), 0, "pools after assigning");
	p = usage_of(u, n, "vfs", 0);
	ok(p && p->free == 0 && p->leased == 4 && p->total == 4, "node 0: 4 leased");
	p = usage_of(u, n, "vfs", 1);
	ok(p && p->free == 2 && p->leased == 2, "node 1: 2 free, 2 leased");
	free(u);

	/* release */
	is_int(pt_state_release(st, "web1", "0000:c1:00.1", NULL, NULL), -EPERM,
	       "release of another VM's device");
	ok(strstr(pt_ctx_error(ctx), "leased to web2") != NULL, "says whose it is: %s",
	   pt_ctx_error(ctx));
	is_int(pt_state_release(st, "web1", "0000:c1:00.4", NULL, NULL), -ENOENT,
	       "release of a free device");
	is_int(pt_state_release(st, "web1", "0000:99:00.0", NULL, NULL), -ENOENT,
	       "release of an unknown device");
	is_int(pt_state_release(st, "web1", "junk", NULL, NULL), -EINVAL, "release of a non-BDF");
	is_int(pt_state_release(st, "web1", "41:00.1", &l, &n), 0, "release one (short BDF)");
	ok(n == 1 && strcmp(l[0].bdf, "0000:41:00.1") == 0 && l[0].released[0] == '2',
	   "the released lease, with its release time");
	free(l);
	is_int(pt_state_release(st, "web1", NULL, &l, &n), 0, "release the rest of web1");
	is_int(n, 1, "one more");
	free(l);
	is_int(pt_state_release(st, "web1", NULL, &l, &n), 0, "releasing nothing is fine");
	is_int(n, 0, "zero released");
	is_int(pt_state_leases(st, "web1", &l, &n), 0, "web1 has no leases");
	is_int(n, 0, "none");
	free(l);

	/* quarantine */
	is_int(pt_state_quarantine(st, "0000:41:00.1", "FLR failed"), 0, "quarantine a free device");
	is_int(pt_state_quarantine(st, "0000:41:00.1", "FLR failed"), 0, "again: idempotent");
	is_int(pt_state_quarantine(st, "0000:41:00.3", "AER"), -EBUSY, "a leased device cannot be");
	ok(strstr(pt_ctx_error(ctx), "web2") != NULL, "names the lessee: %s", pt_ctx_error(ctx));
	is_int(pt_state_quarantine(st, "0000:99:00.0", "x"), -ENOENT, "unknown device");
	is_int(pt_state_quarantine(st, "0000:41:00.2", ""), -EINVAL, "a reason is required");
	is_int(count_action(st, "quarantine"), 1, "audited once");
	{
		struct pt_assign_req req = { .vm = "web3", .pool = "vfs", .count = 2, .numa_node = 0 };

		is_int(pt_state_assign(st, &req, &l, &n), -ENOSPC, "quarantined devices are not handed out");
		ok(strstr(pt_ctx_error(ctx), "1 usable device on NUMA node 0"),
		   "only 41:00.2 counts: %s", pt_ctx_error(ctx));
		req.count = 1;
		req.group_viable = no_group_11;
		is_int(pt_state_assign(st, &req, &l, &n), -ENOSPC, "the caller's viability check applies");
		req.group_viable = NULL;
	}
	is_int(pt_state_pools(st, &u, &n), 0, "pools");
	p = usage_of(u, n, "vfs", 0);
	ok(p && p->quarantined == 1 && p->free == 1 && p->leased == 2 && p->total == 4,
	   "node 0: 1 quarantined, 1 free, 2 leased");
	free(u);
	is_int(pt_state_unquarantine(st, "0000:41:00.1"), 0, "unquarantine");
	is_int(pt_state_unquarantine(st, "0000:41:00.1"), 0, "unquarantine again: a no-op");
	is_int(count_action(st, "unquarantine"), 1, "audited once");

	/* exhaustion */
	{
		struct pt_assign_req req = { .vm = "big", .pool = "vfs", .count = 1, .numa_node = -1 };
		int got = 0, r;

		while ((r = pt_state_assign(st, &req, &l, &n)) == 0) {
			got++;
			free(l);
		}
		is_int(r, -ENOSPC, "assigning until the pool is empty ends in ENOSPC");
		is_int(got, 4, "4 devices were left");
		ok(strstr(pt_ctx_error(ctx), "cannot supply 1 device: 0 usable"), "message: %s",
		   pt_ctx_error(ctx));
		is_int(pt_state_release(st, "big", NULL, NULL, &n), 0, "give them back");
	}

	/* the pool configuration shrinks: 41:00.2 (quarantined) and c1:00.1 (leased to web2) leave */
	{
		struct pt_pool_member six[] = { vfs8[0], vfs8[2], vfs8[3], vfs8[5], vfs8[6], vfs8[7] };
		struct pt_assign_req req = { .vm = "web4", .pool = "vfs", .count = 1, .numa_node = 1 };
		int r;

		is_int(pt_state_quarantine(st, "0000:41:00.2", "flaky"), 0, "quarantine 41:00.2 first");
		is_int(pt_state_sync_pool(st, "vfs", "vfs", six, 6), 0, "sync with 2 devices gone");
		is_int(pt_state_leases(st, "web2", &l, &n), 0, "web2's leases");
		is_int(n, 3, "the removed device's lease is kept");
		free(l);
		is_int(pt_state_pools(st, &u, &n), 0, "pools");
		p = usage_of(u, n, "vfs", 0);
		ok(p && p->removed == 1 && p->total == 3 && p->quarantined == 0,
		   "node 0: the quarantined device counts as removed");
		p = usage_of(u, n, "vfs", 1);
		ok(p && p->leased == 2 && p->removed == 0, "node 1: the leased one still leased");
		free(u);
		is_int(pt_state_release(st, "web2", "0000:c1:00.1", NULL, NULL), 0, "web2 releases it");
		req.count = 2;
		is_int(pt_state_assign(st, &req, &l, &n), 0, "the 2 free of node 1 (db1 has c1:00.2)");
		ok(n == 2 && strcmp(l[0].bdf, "0000:c1:00.3") == 0 && strcmp(l[1].bdf, "0000:c1:00.4") == 0,
		   "the removed device is not among them");
		free(l);
		req.count = 1;
		r = pt_state_assign(st, &req, &l, &n);
		if (r == 0)
			free(l);
		is_int(r, -ENOSPC, "and it is never allocated again");
		is_int(pt_state_sync_pool(st, "vfs", "vfs", vfs8, 8), 0, "both come back");
		is_int(pt_state_assign(st, &req, &l, &n), 0, "a returning device is allocatable");
		is_str(n ? l[0].bdf : "", "0000:c1:00.1", "c1:00.1");
		free(l);
		is_int(pt_state_pools(st, &u, &n), 0, "pools");
		p = usage_of(u, n, "vfs", 0);
		ok(p && p->quarantined == 1 && p->removed == 0, "a returning device keeps its quarantine");
		free(u);
		is_int(pt_state_release(st, "web4", NULL, NULL, &n), 0, "release web4");
	}

	/* IOMMU groups shared across pools belong to one VM at a time */
	{
		struct pt_pool_member gpu[] = { { "0000:05:00.0", 0, 50 } };
		struct pt_pool_member audio[] = { { "0000:05:00.1", 0, 50 } };
		struct pt_assign_req req = { .vm = "vm-a", .pool = "audio", .count = 1, .numa_node = -1 };

		is_int(pt_state_sync_pool(st, "gpu", "devices", gpu, 1), 0, "a GPU pool");
		is_int(pt_state_sync_pool(st, "audio", "devices", audio, 1), 0, "its audio function");
		is_int(pt_state_assign(st, &req, &l, &n), 0, "vm-a takes the audio function");
		free(l);
		req.pool = "gpu";
		req.vm = "vm-b";
		is_int(pt_state_assign(st, &req, &l, &n), -ENOSPC,
		       "vm-b cannot take the GPU: its group is vm-a's");
		req.vm = "vm-a";
		is_int(pt_state_assign(st, &req, &l, &n), 0, "vm-a can");
		free(l);
	}

	/* the schema refuses what the code must never do */
	ok(sql_exec(db, "INSERT INTO leases (vm, bdf, created) VALUES ('evil', '0000:05:00.0', "
			"'2030-01-01')") != SQLITE_OK,
	   "schema: a second active lease of a device is refused");
	ok(sql_exec(db, "INSERT INTO leases (vm, bdf, created) VALUES ('evil', '0000:41:00.2', "
			"'2030-01-01')") != SQLITE_OK,
	   "schema: a lease of a quarantined device is refused");
	ok(sql_exec(db, "UPDATE devices SET state = 'free' WHERE bdf = '0000:05:00.0'") != SQLITE_OK,
	   "schema: a leased device cannot be marked free behind its lease's back");
	ok(sql_exec(db, "UPDATE devices SET state = 'leased' WHERE bdf = '0000:41:00.1'") != SQLITE_OK,
	   "schema: a device cannot be marked leased without a lease");
	ok(sql_exec(db, "DELETE FROM leases WHERE released IS NULL") != SQLITE_OK,
	   "schema: active leases cannot be deleted");
	ok(sql_exec(db, "UPDATE leases SET released = NULL WHERE released IS NOT NULL") != SQLITE_OK,
	   "schema: a released lease cannot be revived");
	ok(sql_exec(db, "INSERT INTO leases (vm, bdf, created) VALUES ('evil', '0000:77:00.0', "
			"'2030-01-01')") != SQLITE_OK,
	   "schema: a lease of an unknown device is refused");
	is_int(pt_state_verify(st, true), 0, "the database verifies");

	/* audit */
	is_int(pt_state_audit(st, "vm-a", NULL, 0, 0, &a, &n), 0, "audit of vm-a");
	ok(n == 2 && strcmp(a[0].action, "assign") == 0 && strcmp(a[0].bdf, "0000:05:00.1") == 0 &&
		   a[0].actor_pid == (long)getpid() && a[0].ts[0] == '2',
	   "two assigns, with the actor's pid and a timestamp");
	free(a);
	is_int(pt_state_audit(st, NULL, "05:00.0", 0, 0, &a, &n), 0, "audit of one device");
	is_int(n, 2, "added and assigned");
	free(a);
	is_int(pt_state_audit(st, NULL, NULL, 0, 3, &a, &n), 0, "the first 3 entries");
	ok(n == 3 && strcmp(a[0].action, "migrate") == 0, "oldest first");
	if (n == 3) {
		long long after = a[2].id;

		free(a);
		is_int(pt_state_audit(st, NULL, NULL, after, 1, &a, &n), 0, "paging with after_id");
		ok(n == 1 && a[0].id > after, "the next entry");
	}
	free(a);

	/* a lock held by another process: wait, then a clear -EBUSY */
	{
		struct pt_assign_req req = { .vm = "late", .pool = "vfs", .count = 1, .numa_node = -1 };
		sqlite3 *h;
		double t0;

		sqlite3_open(db, &h);
		sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		pt_state_set_busy_timeout(st, 300);
		t0 = now_s();
		is_int(pt_state_assign(st, &req, &l, &n), -EBUSY, "a held write lock: -EBUSY");
		ok(now_s() - t0 >= 0.25, "after waiting the busy timeout (%.2f s)", now_s() - t0);
		ok(strstr(pt_ctx_error(ctx), "locked") != NULL, "message: %s", pt_ctx_error(ctx));
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(h);
		is_int(pt_state_assign(st, &req, &l, &n), 0, "once released, it works");
		free(l);
		pt_state_set_busy_timeout(st, 30000);
	}
	/* gc: leases of VMs that no longer exist */
	{
		const char *live[] = { "vm-a" };

		is_int(pt_state_gc(st, live, 1, 3600, &l, &n), 0, "gc sparing leases younger than 1 h");
		is_int(n, 0, "nothing released");
		free(l);
		is_int(pt_state_gc(st, live, 1, 0, &l, &n), 0, "gc with vm-a alive");
		ok(n == 4 && strcmp(l[0].vm, "db1") == 0 && strcmp(l[1].vm, "late") == 0 &&
			   strcmp(l[2].vm, "web2") == 0 && strcmp(l[3].vm, "web2") == 0 &&
			   l[0].released[0] == '2',
		   "releases the leases of db1, late and web2, which are gone");
		free(l);
		is_int(count_action(st, "gc"), 4, "audited as gc");
		is_int(pt_state_leases(st, NULL, &l, &n), 0, "leases after gc");
		ok(n == 2 && strcmp(l[0].vm, "vm-a") == 0, "vm-a keeps its two");
		free(l);
		is_int(pt_state_gc(st, NULL, 1, 0, NULL, NULL), -EINVAL, "a count without a list");
		/* the rule is per VM: one young lease keeps all of the VM's (it may have just
		 * been started again) */
		{
			struct pt_assign_req rq = { .vm = "gc-x", .pool = "vfs", .count = 1,
						    .numa_node = -1 };

			is_int(pt_state_assign(st, &rq, &l, &n), 0, "gc-x: a first lease");
			free(l);
			usleep(1200000);
			is_int(pt_state_assign(st, &rq, &l, &n), 0, "gc-x: a second, 1.2 s later");
			free(l);
			is_int(pt_state_gc_stale(st, live, 1, 1, &l, &n), 0, "stale leases asked");
			is_int(n, 0, "gc-x with one lease older than 1 s and one younger is not stale");
			free(l);
			usleep(1200000);
			is_int(pt_state_gc_stale(st, live, 1, 1, &l, &n), 0, "asked again");
			ok(n == 2 && strcmp(l[0].vm, "gc-x") == 0 && strcmp(l[1].vm, "gc-x") == 0,
			   "both older than 1 s: gc-x's two leases are stale");
			free(l);
			is_int(pt_state_leases(st, "gc-x", &l, &n), 0, "gc-x's leases");
			is_int(n, 2, "asking released nothing");
			free(l);
			is_int(pt_state_release(st, "gc-x", NULL, NULL, NULL), 0, "gc-x released");
		}
		is_int(pt_state_gc(st, NULL, 0, 0, NULL, &n), 0, "gc with no VM alive");
		is_int(n, 2, "releases the rest");
		is_int(pt_state_verify(st, true), 0, "verifies after gc");
	}
	l2 = NULL;
	n2 = 0;
	is_int(pt_state_leases(st, NULL, &l2, &n2), 0, "leases at the end");
	free(l2);
	pt_state_close(st);
	pt_ctx_free(ctx);
}

/* ---- crash safety: SIGKILL at random moments ---- */

static void test_crash(void)
{
	const char *dir = fresh_dir("crash");
	struct pt_pool_member m[] = { { "0000:01:00.0", 0, 1 }, { "0000:01:00.1", 0, 2 },
				      { "0000:01:00.2", 1, 3 }, { "0000:01:00.3", 1, 4 } };
	struct pt_state *st;
	struct pt_ctx *ctx;
	char db[600];
	int rounds = 25, bad = 0, mismatch = 0;
	long *progress, before = 0;

	progress = mmap(NULL, sizeof(*progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	if (progress == MAP_FAILED) {
		ok(0, "mmap");
		return;
	}
	*progress = 0;
	pt_ctx_new(&ctx, NULL);
	if (pt_state_open(ctx, dir, &st) < 0 || pt_state_sync_pool(st, "p", "vfs", m, 4) < 0) {
		ok(0, "setup: %s", pt_ctx_error(ctx));
		return;
	}
	pt_state_close(st);
	snprintf(db, sizeof(db), "%s/state.db", dir);
	srand(42);
	for (int round = 0; round < rounds; round++) {
		pid_t pid = fork();

		if (pid == 0) {
			struct pt_assign_req req = { .vm = "victim", .pool = "p", .count = 3,
						     .numa_node = 0, .allow_remote = true };
			struct pt_lease *l;
			struct pt_ctx *c;
			size_t n;

			pt_ctx_new(&c, NULL);
			if (pt_state_open(c, dir, &st) < 0)
				_exit(2);
			for (;;) {
				/* a lease left over from a killed predecessor is released first */
				pt_state_release(st, "victim", NULL, NULL, NULL);
				if (pt_state_assign(st, &req, &l, &n) == 0)
					free(l);
				__atomic_add_fetch(progress, 1, __ATOMIC_SEQ_CST);
			}
		}
		/* once the victim is in its loop (nearly always inside a transaction), kill it
		 * at a random moment */
		for (int w = 0; w < 10000 && __atomic_load_n(progress, __ATOMIC_SEQ_CST) == before; w++) {
			struct timespec ts = { 0, 1000000L };

			nanosleep(&ts, NULL);
		}
		{
			struct timespec ts = { 0, (long)(rand() % 5000) * 1000L };

			nanosleep(&ts, NULL);
		}
		before = __atomic_load_n(progress, __ATOMIC_SEQ_CST);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (pt_state_open(ctx, dir, &st) < 0) {
			bad++;
			printf("# reopen after kill: %s\n", pt_ctx_error(ctx));
			continue;
		}
		if (pt_state_verify(st, true) < 0) {
			bad++;
			printf("# round %d: %s\n", round, pt_ctx_error(ctx));
		}
		pt_state_close(st);
		/* every lease has its audit entry and vice versa: they commit together */
		if (sql_int(db, "SELECT count(*) FROM leases") !=
			    sql_int(db, "SELECT count(*) FROM audit WHERE action = 'assign'") ||
		    sql_int(db, "SELECT count(*) FROM leases WHERE released IS NOT NULL") !=
			    sql_int(db, "SELECT count(*) FROM audit WHERE action = 'release'"))
			mismatch++;
	}
	is_int(bad, 0, "%d SIGKILLs mid-work: the database always reopens and verifies", rounds);
	is_int(mismatch, 0, "leases and their audit entries always committed together");
	ok(sql_int(db, "SELECT count(*) FROM leases") > 0,
	   "the victims did work (%lld leases, %ld release+assign rounds)",
	   sql_int(db, "SELECT count(*) FROM leases"), *progress);
	munmap(progress, sizeof(*progress));
	pt_ctx_free(ctx);
}

/* ---- concurrency ---- */

#define CONC_DEVICES 10

struct shared {
	int owner[CONC_DEVICES];   /* 0 free, else 1 + child index: set right after assign */
	int double_allocs;
	int errors;
	int invariant_failures;
	long enospc;
	long cycles;
};

static int dev_index(const char *bdf)
{
	unsigned bus, dev, fn;

	if (sscanf(bdf, "0000:%x:%x.%x", &bus, &dev, &fn) != 3)
		return -1;
	return (int)(dev * 8 + fn) < CONC_DEVICES ? (int)(dev * 8 + fn) : -1;
}

static int child(const char *dir, struct shared *sh, int me, int cycles)
{
	struct pt_assign_req req = { .pool = "conc", .count = 1 + (unsigned)(me % 2),
				     .numa_node = me % 2, .allow_remote = true };
	unsigned seed = (unsigned)me * 7919u + 1;
	struct pt_state *st;
	struct pt_ctx *ctx;
	char vm[32];

	snprintf(vm, sizeof(vm), "vm-%d", me);
	req.vm = vm;
	pt_ctx_new(&ctx, NULL);
	if (pt_state_open(ctx, dir, &st) < 0) {
		printf("# child %d: open: %s\n", me, pt_ctx_error(ctx));
		__atomic_add_fetch(&sh->errors, 1, __ATOMIC_SEQ_CST);
		return 1;
	}
	for (int done = 0; done < cycles;) {
		struct pt_lease *l = NULL, *mine = NULL;
		size_t n = 0, n_mine = 0;
		int r = pt_state_assign(st, &req, &l, &n);

		if (r == -ENOSPC) {
			struct timespec ts = { 0, (long)(50 + rand_r(&seed) % 200) * 1000L };

			__atomic_add_fetch(&sh->enospc, 1, __ATOMIC_RELAXED);
			nanosleep(&ts, NULL);
			continue;
		}
		if (r < 0 || n != req.count) {
			printf("# child %d: assign: %d %s\n", me, r, pt_ctx_error(ctx));
			__atomic_add_fetch(&sh->errors, 1, __ATOMIC_SEQ_CST);
			break;
		}
		/* nobody else may hold what we just got */
		for (size_t k = 0; k < n; k++) {
			int idx = dev_index(l[k].bdf), expect = 0;

			if (idx < 0 || !__atomic_compare_exchange_n(&sh->owner[idx], &expect, me + 1, false,
								    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
				printf("# child %d: %s already held by child %d\n", me, l[k].bdf,
				       expect - 1);
				__atomic_add_fetch(&sh->double_allocs, 1, __ATOMIC_SEQ_CST);
			}
		}
		/* the invariants, every cycle: the schema's and our own view of our leases */
		if (pt_state_verify(st, false) < 0 || pt_state_leases(st, vm, &mine, &n_mine) < 0 ||
		    n_mine != n) {
			printf("# child %d: invariant: %s\n", me, pt_ctx_error(ctx));
			__atomic_add_fetch(&sh->invariant_failures, 1, __ATOMIC_SEQ_CST);
		}
		free(mine);
		for (size_t k = 0; k < n; k++) {
			int idx = dev_index(l[k].bdf), expect = me + 1;

			if (idx >= 0)
				__atomic_compare_exchange_n(&sh->owner[idx], &expect, 0, false,
							    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		}
		free(l);
		r = pt_state_release(st, vm, NULL, NULL, &n);
		if (r < 0 || n != req.count) {
			printf("# child %d: release: %d %s\n", me, r, pt_ctx_error(ctx));
			__atomic_add_fetch(&sh->errors, 1, __ATOMIC_SEQ_CST);
			break;
		}
		__atomic_add_fetch(&sh->cycles, 1, __ATOMIC_RELAXED);
		done++;
	}
	pt_state_close(st);
	pt_ctx_free(ctx);
	return 0;
}

static void test_concurrency(int procs, int cycles)
{
	const char *dir = fresh_dir("concurrency");
	struct pt_pool_member m[CONC_DEVICES];
	char bdfs[CONC_DEVICES][PT_BDF_STRLEN], db[600], buf[64];
	struct pt_audit_entry *a = NULL;
	struct shared *sh;
	struct pt_state *st;
	struct pt_ctx *ctx;
	int exits_bad = 0, audit_bad = 0;
	long expected_assigns = 0, assigns = 0, releases = 0;
	pid_t pids[64];
	double t0, dt;
	size_t n;

	if (procs > 64)
		procs = 64;
	for (int i = 0; i < CONC_DEVICES; i++) {
		snprintf(bdfs[i], sizeof(bdfs[i]), "0000:3b:%02x.%d", i / 8, i % 8);
		m[i] = (struct pt_pool_member){ bdfs[i], i % 2, 100 + i };
	}
	pt_ctx_new(&ctx, NULL);
	if (pt_state_open(ctx, dir, &st) < 0 || pt_state_sync_pool(st, "conc", "vfs", m, CONC_DEVICES) < 0) {
		ok(0, "setup: %s", pt_ctx_error(ctx));
		return;
	}
	pt_state_close(st); /* never carry a SQLite handle across fork() */
	snprintf(db, sizeof(db), "%s/state.db", dir);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		ok(0, "mmap");
		return;
	}
	memset(sh, 0, sizeof(*sh));
	fflush(stdout);
	t0 = now_s();
	for (int i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int r = child(dir, sh, i, cycles);

			fflush(stdout);
			_exit(r);
		}
		expected_assigns += cycles * (1 + i % 2);
	}
	for (int i = 0; i < procs; i++) {
		int status;

		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			exits_bad++;
	}
	dt = now_s() - t0;
	printf("# %d processes x %d cycles: %.2f s, %ld cycles, %ld ENOSPC retries\n", procs, cycles,
	       dt, sh->cycles, sh->enospc);
	is_int(exits_bad, 0, "every process exited cleanly");
	is_int(sh->errors, 0, "no process saw an unexpected error");
	is_int(sh->cycles, (long)procs * cycles, "%d x %d assign+release cycles completed", procs,
	       cycles);
	is_int(sh->double_allocs, 0, "zero double allocations (shared-memory ownership check)");
	is_int(sh->invariant_failures, 0, "the invariants held in every cycle");

	/* replay the audit log: a device is assigned only when free, released by its holder */
	if (pt_state_open(ctx, dir, &st) < 0 || pt_state_audit(st, NULL, NULL, 0, 0, &a, &n) < 0) {
		ok(0, "audit: %s", pt_ctx_error(ctx));
		return;
	}
	{
		char holder[CONC_DEVICES][PT_NAME_MAX + 1];

		memset(holder, 0, sizeof(holder));
		for (size_t i = 0; i < n; i++) {
			int idx = a[i].bdf[0] ? dev_index(a[i].bdf) : -1;

			if (strcmp(a[i].action, "assign") == 0) {
				assigns++;
				if (idx < 0 || holder[idx][0]) {
					if (!audit_bad++)
						printf("# audit %lld: %s assigned to %s while held by %s\n",
						       a[i].id, a[i].bdf, a[i].vm, idx < 0 ? "?" : holder[idx]);
				} else {
					snprintf(holder[idx], sizeof(holder[idx]), "%s", a[i].vm);
				}
			} else if (strcmp(a[i].action, "release") == 0) {
				releases++;
				if (idx < 0 || strcmp(holder[idx], a[i].vm) != 0) {
					if (!audit_bad++)
						printf("# audit %lld: %s released by %s, held by %s\n", a[i].id,
						       a[i].bdf, a[i].vm, idx < 0 ? "?" : holder[idx]);
				} else {
					holder[idx][0] = '\0';
				}
			}
		}
	}
	free(a);
	is_int(audit_bad, 0, "the audit log shows no device assigned twice");
	is_int(assigns, expected_assigns, "every assignment is in the audit log");
	is_int(releases, expected_assigns, "every release is in the audit log");
	is_int(pt_state_verify(st, true), 0, "the state verifies");
	pt_state_close(st);
	sql_text(db, "PRAGMA integrity_check", buf, sizeof(buf));
	is_str(buf, "ok", "PRAGMA integrity_check");
	is_int(sql_int(db, "SELECT count(*) FROM leases WHERE released IS NULL"), 0,
	       "no lease left active");
	munmap(sh, sizeof(*sh));
	pt_ctx_free(ctx);
}

/* Pending leases (schema 2): recorded before the device is ready, invisible until made
 * ready, rolled back by abort; and a schema-1 database migrates with its leases active. */
/* pools with free meaning what assign would hand out: a refusing callback's every cause
 * lands on the pool's row, a unit counted once but each of its functions judged; a free
 * function whose group holds a leased one is blocked with that one as its blocker. */
static bool refuse_some(void *arg, const struct pt_bdf *bdf, int g, bool whole,
			struct pt_pool_usage *u)
{
	char b[PT_BDF_STRLEN];
	struct pt_refusal c = { .overridable = true };
	int *calls = arg;

	(*calls)++;
	pt_bdf_format(bdf, b);
	if (strcmp(b, "0000:61:00.1") && strcmp(b, "0000:61:00.0") && strcmp(b, "0000:62:00.0"))
		return true;
	ok(whole, "%s: judged as part of a devices pool's unit", b);
	snprintf(c.device, sizeof(c.device), "%s", b);
	snprintf(c.kind, sizeof(c.kind), "protected");
	snprintf(c.blocker, sizeof(c.blocker), "%s", b);
	snprintf(c.reason, sizeof(c.reason), "%s is needed by the host", b);
	pt_pool_usage_add_blocker(u, g, &c);
	if (!strcmp(b, "0000:62:00.0")) { /* a second cause of the same function */
		snprintf(c.kind, sizeof(c.kind), "iommu-group-shared");
		snprintf(c.blocker, sizeof(c.blocker), "0000:63:00.0");
		c.overridable = false;
		pt_pool_usage_add_blocker(u, g, &c);
		pt_pool_usage_add_blocker(u, g, &c); /* named once */
	}
	return false;
}

static void test_pools_judged(void)
{
	const char *dir = fresh_dir("judged");
	struct pt_pool_member devs[] = { { "0000:61:00.0", 0, 20 }, { "0000:61:00.1", 0, 20 },
					 { "0000:62:00.0", 0, 21 }, { "0000:64:00.0", 0, 22 } };
	struct pt_pool_member vfs[] = { { "0000:71:00.1", 0, 30 }, { "0000:71:00.2", 0, 30 } };
	struct pt_assign_req req = { .vm = "vm1", .pool = "v", .count = 1, .numa_node = -1 };
	struct pt_pool_usage *u = NULL;
	const struct pt_pool_usage *p;
	struct pt_lease *l = NULL;
	struct pt_state *st;
	struct pt_ctx *ctx;
	size_t n = 0;
	int calls = 0;

	pt_ctx_new(&ctx, NULL);
	if (pt_state_open(ctx, dir, &st) < 0) {
		ok(0, "open: %s", pt_ctx_error(ctx));
		pt_ctx_free(ctx);
		return;
	}
	is_int(pt_state_sync_pool(st, "d", "devices", devs, 4), 0, "a devices pool: groups 20, 21, 22");
	is_int(pt_state_sync_pool(st, "v", "vfs", vfs, 2), 0, "a vfs pool: two VFs of group 30");
	is_int(pt_state_assign(st, &req, &l, &n), 0, "one VF leased");
	free(l);

	is_int(pt_state_pools_judged(st, refuse_some, &calls, &u, &n), 0, "pools, judged");
	p = usage_of(u, n, "d", 0);
	ok(p && p->total == 3 && p->free == 1 && p->blocked == 2,
	   "devices pool: 3 units, group 20 and 21 blocked, 22 free");
	ok(p && p->n_blockers == 4, "every cause: both functions of group 20, both causes of 21 (%zu)",
	   p ? p->n_blockers : 0);
	ok(p && p->n_blockers == 4 && p->blockers[0].iommu_group == 20 &&
		   p->blockers[2].iommu_group == 21 && p->blockers[3].iommu_group == 21 &&
		   !strcmp(p->blockers[3].cause.blocker, "0000:63:00.0") &&
		   !p->blockers[3].cause.overridable,
	   "each cause with its unit's group, its blocker and whether a flag overrides it");
	ok(p && !strcmp(p->blocked_why, "0000:61:00.0 is needed by the host"),
	   "blocked_why: the first cause");
	is_int(calls, 4, "every free function judged, also the second of a blocked unit");
	p = usage_of(u, n, "v", 0);
	ok(p && p->leased == 1 && p->free == 0 && p->blocked == 1, "vfs pool: the other VF blocked");
	ok(p && p->n_blockers == 1 && !strcmp(p->blockers[0].cause.kind, "group-leased") &&
		   !strcmp(p->blockers[0].cause.device, "0000:71:00.2") &&
		   !strcmp(p->blockers[0].cause.blocker, "0000:71:00.1") &&
		   !p->blockers[0].cause.overridable,
	   "its cause: group-leased, the leased VF the blocker, no override");
	pt_pool_usage_free(u, n);
	pt_state_close(st);
	pt_ctx_free(ctx);
}

static void test_pending(void)
{
	const char *dir = fresh_dir("pending");
	struct pt_assign_req req = { .vm = "vm1", .pool = "vfs", .count = 1, .numa_node = -1,
				     .mac = "02:00:00:00:00:01", .pending = true };
	struct pt_lease *l = NULL, *l2 = NULL;
	struct pt_state *st;
	struct pt_ctx *ctx;
	long long id;
	size_t n = 0, n2 = 0;
	char db[600];

	pt_ctx_new(&ctx, NULL);
	if (pt_state_open(ctx, dir, &st) < 0) {
		ok(0, "open: %s", pt_ctx_error(ctx));
		return;
	}
	snprintf(db, sizeof(db), "%s/state.db", dir);
	pt_state_sync_pool(st, "vfs", "vfs", vfs8, 8);
	is_int(pt_state_assign(st, &req, &l, &n), 0, "a pending lease");
	id = n ? l[0].id : -1;
	is_int(pt_state_leases(st, NULL, &l2, &n2), 0, "leases");
	is_int(n2, 0, "a pending lease is not active: leases do not show it");
	free(l2);
	is_int(pt_state_pending(st, &l2, &n2), 0, "pending leases");
	is_int(n2, 1, "it is pending");
	free(l2);
	is_int(pt_state_release(st, "vm1", n ? l[0].bdf : "0:0.0", NULL, NULL), -ENOENT,
	       "release does not see it");
	req.vm = "vm2";
	is_int(pt_state_assign(st, &req, &l2, &n2), -EEXIST, "but it holds its MAC");
	req.mac = NULL;
	req.count = 8;
	is_int(pt_state_assign(st, &req, &l2, &n2), -ENOSPC, "and its device");
	is_int(pt_state_ready(st, &id, 1), 0, "made ready");
	is_int(pt_state_leases(st, NULL, &l2, &n2), 0, "leases");
	is_int(n2, 1, "now it is active");
	free(l2);
	is_int(pt_state_ready(st, &id, 1), -ENOENT, "ready once only");
	is_int(pt_state_abort(st, NULL, 0, ": test"), 0, "abort every pending lease");
	is_int(pt_state_leases(st, NULL, &l2, &n2), 0, "leases");
	is_int(n2, 1, "abort never touches an active lease");
	free(l2);
	ok(sql_exec(db, "UPDATE leases SET ready = NULL") != SQLITE_OK,
	   "the schema refuses to make an active lease pending again");
	free(l);
	req.count = 1;
	is_int(pt_state_assign(st, &req, &l, &n), 0, "vm2: a pending lease");
	id = n ? l[0].id : -1;
	is_int(pt_state_abort(st, &id, 1, ": its assign failed"), 0, "rolled back");
	is_int(pt_state_pending(st, &l2, &n2), 0, "pending leases");
	is_int(n2, 0, "none pending any more");
	free(l2);
	is_int(count_action(st, "abort"), 1, "the rollback is audited as abort");
	is_int(count_action(st, "pending") + count_action(st, "ready"), 3, "pending and ready too");
	is_int(pt_state_assign(st, &req, &l2, &n2), 0, "its device is free again");
	free(l2);
	free(l);
	is_int(pt_state_verify(st, true), 0, "the state verifies");
	pt_state_close(st);

	/* a schema-1 database (no ready column, the old trigger) with an active lease */
	sql_exec(db, "DROP INDEX leases_pending; DROP TRIGGER leases_ready_or_release_only; "
		     "ALTER TABLE leases DROP COLUMN ready; "
		     "CREATE TRIGGER leases_release_only BEFORE UPDATE ON leases "
		     "WHEN OLD.released IS NOT NULL OR NEW.released IS NULL OR NEW.id IS NOT OLD.id "
		     "OR NEW.bdf IS NOT OLD.bdf OR NEW.vm IS NOT OLD.vm "
		     "BEGIN SELECT RAISE(ABORT, 'a lease can only be released, once'); END; "
		     "PRAGMA user_version = 1");
	is_int(sql_int(db, "PRAGMA user_version"), 1, "made a schema-1 database");
	if (pt_state_open(ctx, dir, &st) < 0) {
		ok(0, "it opens: %s", pt_ctx_error(ctx));
		pt_ctx_free(ctx);
		return;
	}
	is_int(sql_int(db, "PRAGMA user_version"), 2, "it opens, migrated to schema 2");
	is_int(pt_state_leases(st, NULL, &l, &n), 0, "leases");
	is_int(n, 2, "its active leases stay active (ready = created)");
	free(l);
	is_int(pt_state_verify(st, true), 0, "and it verifies");
	pt_state_close(st);
	pt_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(tmproot, sizeof(tmproot), "%s/passthru-test-state-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmproot)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("PASSTHRU_STATE_BUSY_MS");
	if (argc == 4 && strcmp(argv[1], "--concurrency") == 0) {
		test_concurrency(atoi(argv[2]), atoi(argv[3]));
	} else {
		test_schema();
		test_concurrent_open();
		test_semantics();
		test_pending();
		test_pools_judged();
		test_crash();
		test_concurrency(8, 60);
	}
	rm_rf(tmproot);
	return done_testing();
}
