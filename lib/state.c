// SPDX-License-Identifier: MIT
/*
 * Assignment state (include/passthru/state.h): pools, devices, leases, quarantine and
 * the audit log, each change one transaction through lib/state-db.c's plumbing.
 */
#include "state-db.h"
#include "passthru/allocate.h"
#include "passthru/parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- reading leases ---- */

static void lease_from_row(sqlite3_stmt *s, struct pt_lease *l)
{
	memset(l, 0, sizeof(*l));
	l->id = sym_sqlite3_column_int64(s, 0);
	pt_strlcpy(l->vm, db_col_text(s, 1), sizeof(l->vm));
	pt_strlcpy(l->bdf, db_col_text(s, 2), sizeof(l->bdf));
	pt_strlcpy(l->pool, db_col_text(s, 3), sizeof(l->pool));
	l->numa_node = sym_sqlite3_column_int(s, 4);
	l->iommu_group = sym_sqlite3_column_int(s, 5);
	pt_strlcpy(l->mac, db_col_text(s, 6), sizeof(l->mac));
	l->vlan = sym_sqlite3_column_int(s, 7);
	pt_strlcpy(l->created, db_col_text(s, 8), sizeof(l->created));
	pt_strlcpy(l->released, db_col_text(s, 9), sizeof(l->released));
}

/* Appends every row of a lease query to *out. */
static int collect_leases(struct pt_state *st, sqlite3_stmt *s, struct pt_lease **out, size_t *n)
{
	int rc;

	while ((rc = sym_sqlite3_step(s)) == SQLITE_ROW) {
		struct pt_lease l;

		lease_from_row(s, &l);
		if (PT_PUSH(*out, *n, l) < 0) {
			db_done(s);
			return pt_err(st->ctx, -ENOMEM, "out of memory reading leases");
		}
	}
	db_done(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, rc, "reading leases");
}

int pt_state_leases(struct pt_state *st, const char *vm, struct pt_lease **out, size_t *n)
{
	sqlite3_stmt *s;
	int r;

	*out = NULL;
	*n = 0;
	if (vm && (r = state_check_name(st->ctx, "VM", vm)) < 0)
		return r;
	s = db_stmt(st, vm ? S_ACTIVE_BY_VM : S_ACTIVE_ALL);
	if (!s)
		return -EIO;
	if (vm)
		sym_sqlite3_bind_text(s, 1, vm, -1, SQLITE_STATIC);
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

/* Step 1: the pool exists (else the pools there are, in the message). */
static int assign_pool_exists(struct pt_state *st, const char *pool, bool *whole)
{
	sqlite3_stmt *s = db_stmt(st, S_POOL_KIND);
	int rc;

	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, pool, -1, SQLITE_STATIC);
	rc = sym_sqlite3_step(s);
	/* a devices pool hands out whole IOMMU groups: its functions of one group together */
	*whole = rc == SQLITE_ROW && strcmp(db_col_text(s, 0), "devices") == 0;
	db_done(s);
	if (rc == SQLITE_DONE) {
		char names[512] = "";
		size_t used = 0;

		if ((s = db_stmt(st, S_POOL_NAMES))) {
			while (sym_sqlite3_step(s) == SQLITE_ROW && used < sizeof(names))
				used += snprintf(names + used, sizeof(names) - used, "%s%s",
						 used ? ", " : "", db_col_text(s, 0));
			db_done(s);
		}
		return pt_err(st->ctx, -ENOENT, "no pool named %s (known pools: %s)", pool,
			      names[0] ? names : "none; configure pools first");
	}
	return rc == SQLITE_ROW ? 0 : db_fail(st, rc, "looking up the pool");
}

/* One row of S_CANDIDATES as an allocator candidate. */
static int candidate_from_row(struct pt_state *st, sqlite3_stmt *s,
			      const struct pt_assign_req *req, bool whole, struct cand_row *row)
{
	struct pt_alloc_candidate *c = &row->c;
	const char *state = db_col_text(s, 4);

	memset(row, 0, sizeof(*row));
	pt_strlcpy(row->bdf, db_col_text(s, 0), sizeof(row->bdf));
	pt_strlcpy(row->vm, db_col_text(s, 6), sizeof(row->vm));
	if (pt_bdf_parse(row->bdf, &c->bdf) < 0)
		return pt_err(st->ctx, -EUCLEAN, "state database %s holds a bad address \"%s\"",
			      st->path, row->bdf);
	c->numa_node = sym_sqlite3_column_int(s, 2);
	c->iommu_group = sym_sqlite3_column_int(s, 3);
	c->leased = strcmp(state, "leased") == 0;
	c->quarantined = strcmp(state, "quarantined") == 0;
	/* listed for its group only (another pool), or gone from the configuration */
	c->unavailable = sym_sqlite3_column_int(s, 1) == 0 || sym_sqlite3_column_int(s, 5) != 0;
	/* judged only when it could be handed out: the refusal then names the causes of the
	 * pool's own free functions (what pools lists), not of a neighbour in another pool,
	 * a leased or a quarantined one (the allocator takes none of them whatever this says) */
	c->group_viable = c->iommu_group >= 0 &&
			  (!req->group_viable || c->unavailable || c->leased || c->quarantined ||
			   req->group_viable(req->group_viable_arg, &c->bdf, c->iommu_group));
	c->whole_group = whole && !c->unavailable;
	c->spread_key = req->spread_key ? req->spread_key(req->spread_arg, &c->bdf) : 0;
	return 0;
}

/* Step 2: the pool's devices, and devices of other pools sharing their IOMMU groups,
 * as rows (*rows) and as the allocator's candidates (*cands, pointing into rows). */
static int assign_read_candidates(struct pt_state *st, const struct pt_assign_req *req,
				  bool whole, struct cand_row **rows,
				  struct pt_alloc_candidate **cands, size_t *n)
{
	sqlite3_stmt *s = db_stmt(st, S_CANDIDATES);
	int r = 0, rc;

	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, req->pool, -1, SQLITE_STATIC);
	while ((rc = sym_sqlite3_step(s)) == SQLITE_ROW) {
		struct cand_row row;

		r = candidate_from_row(st, s, req, whole, &row);
		if (r == 0 && PT_PUSH(*rows, *n, row) < 0)
			r = pt_err(st->ctx, -ENOMEM, "out of memory reading devices");
		if (r < 0) {
			db_done(s);
			return r;
		}
	}
	db_done(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, rc, "reading the pool's devices");
	*cands = calloc(*n ? *n : 1, sizeof(**cands));
	if (!*cands)
		return pt_err(st->ctx, -ENOMEM, "out of memory reading devices");
	for (size_t i = 0; i < *n; i++) {
		(*cands)[i] = (*rows)[i].c;
		(*cands)[i].lease_vm = (*rows)[i].vm[0] ? (*rows)[i].vm : NULL;
	}
	return 0;
}

/* Step 3: the MAC is on no active lease. */
static int assign_mac_free(struct pt_state *st, const char *mac)
{
	sqlite3_stmt *s;
	int rc;

	if (!mac[0])
		return 0;
	s = db_stmt(st, S_MAC_HOLDER);
	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, mac, -1, SQLITE_STATIC);
	if ((rc = sym_sqlite3_step(s)) == SQLITE_ROW) {
		int r = pt_err(st->ctx, -EEXIST, "MAC %s is already on %s's lease of %s", mac,
			       db_col_text(s, 0), db_col_text(s, 1));

		db_done(s);
		return r;
	}
	db_done(s);
	return rc == SQLITE_DONE ? 0 : db_fail(st, rc, "checking the MAC");
}

/* Step 4: one lease on a picked device, audited; *l describes it. */
static int assign_insert_lease(struct pt_state *st, const struct assign_job *j,
			       const struct cand_row *row, const struct pt_alloc_candidate *c,
			       struct pt_lease *l)
{
	const struct pt_assign_req *req = j->req;
	sqlite3_stmt *s = db_stmt(st, S_LEASE_INSERT);
	int r;

	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, req->vm, -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(s, 2, row->bdf, -1, SQLITE_STATIC);
	db_bind_text_or_null(s, 3, j->mac);
	if (req->vlan > 0)
		sym_sqlite3_bind_int(s, 4, req->vlan);
	sym_sqlite3_bind_text(s, 5, st->now, -1, SQLITE_STATIC);
	if (!req->pending) /* else NULL: pending until pt_state_ready() */
		sym_sqlite3_bind_text(s, 6, st->now, -1, SQLITE_STATIC);
	r = db_exec(st, s, "inserting a lease");
	if (r < 0)
		return r;
	l->id = sym_sqlite3_last_insert_rowid(st->db);
	pt_strlcpy(l->vm, req->vm, sizeof(l->vm));
	pt_strlcpy(l->bdf, row->bdf, sizeof(l->bdf));
	pt_strlcpy(l->pool, req->pool, sizeof(l->pool));
	l->numa_node = c->numa_node;
	l->iommu_group = c->iommu_group;
	pt_strlcpy(l->mac, j->mac, sizeof(l->mac));
	l->vlan = req->vlan > 0 ? req->vlan : 0;
	pt_strlcpy(l->created, st->now, sizeof(l->created));
	l->remote = req->numa_node >= 0 && c->numa_node != req->numa_node;
	return db_audit(st, req->pending ? "pending" : "assign", req->vm, row->bdf,
			"lease %lld, pool %s, node %d%s, IOMMU group %d%s%s%s", l->id, req->pool,
			c->numa_node, l->remote ? " (remote)" : "", c->iommu_group,
			j->mac[0] ? ", mac " : "", j->mac, req->vlan > 0 ? ", vlan set" : "");
}

/* The assign transaction: pool, candidates, the allocator's picks (or a denial that
 * says what is usable where), the MAC, then one lease per pick. */
static int assign_txn(struct pt_state *st, void *arg)
{
	struct assign_job *j = arg;
	const struct pt_assign_req *req = j->req;
	struct pt_alloc_candidate *cands = NULL;
	struct pt_alloc_request areq;
	struct pt_alloc_result res;
	struct cand_row *rows = NULL;
	size_t n = 0, *picks = NULL;
	bool whole;
	int r;

	free(j->out);
	j->out = NULL;
	j->n_out = 0;
	j->denied = false;

	r = assign_pool_exists(st, req->pool, &whole);
	if (r < 0)
		return r;
	r = assign_read_candidates(st, req, whole, &rows, &cands, &n);
	if (r < 0)
		goto out;
	areq = (struct pt_alloc_request){ .count = req->count, .numa_node = req->numa_node,
					  .allow_remote = req->allow_remote, .vm = req->vm,
					  .spread = req->spread_key != NULL };
	/* a unit may be several functions: room for every candidate */
	picks = malloc((n ? n : 1) * sizeof(*picks));
	j->out = calloc(n ? n : 1, sizeof(*j->out));
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
	if (j->mac[0] && res.n_picked > 1)
		r = pt_err(st->ctx, -EINVAL, "a MAC address is for one function, and pool %s hands "
			   "out %zu functions of one IOMMU group together", req->pool, res.n_picked);
	else
		r = assign_mac_free(st, j->mac);
	for (size_t k = 0; r == 0 && k < res.n_picked; k++)
		r = assign_insert_lease(st, j, &rows[picks[k]], &cands[picks[k]], &j->out[k]);
	if (r == 0)
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

	return db_audit(st, "deny", d->req->vm, NULL, "%s", d->why);
}

int pt_state_assign(struct pt_state *st, const struct pt_assign_req *req, struct pt_lease **out,
		    size_t *n)
{
	struct assign_job j = { .req = req };
	int r;

	*out = NULL;
	*n = 0;
	if ((r = state_check_name(st->ctx, "VM", req->vm)) < 0 ||
	    (r = state_check_name(st->ctx, "pool", req->pool)) < 0)
		return r;
	if (req->count == 0 || req->count > 4096)
		return pt_err(st->ctx, -EINVAL, "a VM is assigned 1 to 4096 devices at once, not %u",
			      req->count);
	if (req->vlan < 0 || req->vlan > 4094)
		return pt_err(st->ctx, -EINVAL, "VLAN %d is out of range (1-4094, 0 for none)",
			      req->vlan);
	if (req->mac && *req->mac) {
		uint8_t mac[6];

		if (pt_parse_mac(req->mac, mac) < 0)
			return pt_err(st->ctx, -EINVAL, "\"%.40s\" is not a MAC address (aa:bb:cc:dd:ee:ff)",
				      req->mac);
		pt_format_mac(mac, j.mac, sizeof(j.mac));
		if (strtol(j.mac, NULL, 16) & 1 || strcmp(j.mac, "00:00:00:00:00:00") == 0)
			return pt_err(st->ctx, -EINVAL,
				      "MAC %s is %s, not a station address", j.mac,
				      strtol(j.mac, NULL, 16) & 1 ? "multicast" : "all zeros");
		if (req->count != 1)
			return pt_err(st->ctx, -EINVAL,
				      "a MAC address can be given for one device, not %u", req->count);
	}
	r = db_run_txn(st, assign_txn, &j);
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
			db_run_txn(st, deny_txn, &d);
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
	sqlite3_stmt *s = db_stmt(st, S_LEASE_RELEASE);
	int r;

	if (!s)
		return -EIO;
	sym_sqlite3_bind_int64(s, 1, l->id);
	sym_sqlite3_bind_text(s, 2, st->now, -1, SQLITE_STATIC);
	r = db_exec(st, s, "releasing a lease");
	if (r < 0)
		return r;
	if (sym_sqlite3_changes(st->db) != 1)
		return pt_err(st->ctx, -EIO, "lease %lld of %s vanished while releasing it", l->id,
			      l->bdf);
	pt_strlcpy(l->released, st->now, sizeof(l->released));
	return db_audit(st, action, l->vm, l->bdf, "lease %lld, pool %s%s", l->id, l->pool, why);
}

static int release_txn(struct pt_state *st, void *arg)
{
	struct release_job *j = arg;
	sqlite3_stmt *s;
	int r;

	free(j->out);
	j->out = NULL;
	j->n_out = 0;
	s = db_stmt(st, j->bdf ? S_ACTIVE_BY_BDF : S_ACTIVE_BY_VM);
	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, j->bdf ? j->bdf : j->vm, -1, SQLITE_STATIC);
	r = collect_leases(st, s, &j->out, &j->n_out);
	if (r < 0)
		return r;
	if (j->bdf && j->n_out == 0) {
		int rc;

		s = db_stmt(st, S_DEVICE_GET);
		if (!s)
			return -EIO;
		sym_sqlite3_bind_text(s, 1, j->bdf, -1, SQLITE_STATIC);
		rc = sym_sqlite3_step(s);
		db_done(s);
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
	if ((r = state_check_name(st->ctx, "VM", vm)) < 0)
		return r;
	if (bdf) {
		if ((r = state_norm_bdf(st->ctx, bdf, norm)) < 0)
			return r;
		j.bdf = norm;
	}
	r = db_run_txn(st, release_txn, &j);
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

/* ---- pending leases: ready, or rolled back ---- */

struct pending_job {
	const long long *ids; /* NULL: every pending lease (abort only) */
	size_t n;
	const char *why;      /* abort: the reason */
};

static int ready_txn(struct pt_state *st, void *arg)
{
	struct pending_job *j = arg;
	sqlite3_stmt *s;
	int r;

	for (size_t i = 0; i < j->n; i++) {
		if (!(s = db_stmt(st, S_LEASE_READY)))
			return -EIO;
		sym_sqlite3_bind_int64(s, 1, j->ids[i]);
		sym_sqlite3_bind_text(s, 2, st->now, -1, SQLITE_STATIC);
		if ((r = db_exec(st, s, "making a lease active")) < 0)
			return r;
		if (sym_sqlite3_changes(st->db) != 1)
			return pt_err(st->ctx, -ENOENT, "lease %lld is not pending (released, or "
				      "active already)", j->ids[i]);
		if ((r = db_audit(st, "ready", NULL, NULL, "lease %lld: its device is ready",
				  j->ids[i])) < 0)
			return r;
	}
	return 0;
}

static int abort_txn(struct pt_state *st, void *arg)
{
	struct pending_job *j = arg;
	struct pt_lease *l = NULL;
	size_t n = 0;
	sqlite3_stmt *s = db_stmt(st, S_PENDING);
	int r;

	if (!s)
		return -EIO;
	r = collect_leases(st, s, &l, &n);
	for (size_t k = 0; r == 0 && k < n; k++) {
		bool listed = !j->ids;

		for (size_t i = 0; j->ids && i < j->n && !listed; i++)
			listed = j->ids[i] == l[k].id;
		if (listed)
			r = release_one(st, &l[k], "abort", j->why);
	}
	free(l);
	return r;
}

int pt_state_ready(struct pt_state *st, const long long *ids, size_t n)
{
	struct pending_job j = { .ids = ids, .n = n };

	return n ? db_run_txn(st, ready_txn, &j) : 0;
}

int pt_state_abort(struct pt_state *st, const long long *ids, size_t n, const char *why)
{
	struct pending_job j = { .ids = ids, .n = n, .why = why ? why : "" };

	if (ids && n == 0)
		return 0;
	return db_run_txn(st, abort_txn, &j);
}

int pt_state_pending(struct pt_state *st, struct pt_lease **out, size_t *n)
{
	sqlite3_stmt *s = db_stmt(st, S_PENDING);
	int r;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
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

/* ---- garbage collection ---- */

struct gc_job {
	const char *const *live;
	size_t n_live;
	char cutoff[32];
	bool release;          /* false: only say which leases are stale */
	struct pt_lease *out;
	size_t n_out;
};

static bool gc_live(const struct gc_job *j, const char *vm)
{
	for (size_t i = 0; i < j->n_live; i++)
		if (j->live[i] && strcmp(j->live[i], vm) == 0)
			return true;
	return false;
}

/* The one gc rule: every active lease of a VM that is not live and none of whose
 * leases is younger than the cutoff; released (audited as "gc") when j->release. */
static int gc_txn(struct pt_state *st, void *arg)
{
	struct gc_job *j = arg;
	struct pt_lease *stale = NULL;
	size_t n_stale = 0;
	sqlite3_stmt *s = db_stmt(st, S_STALE_LEASES);
	int r;

	free(j->out);
	j->out = NULL;
	j->n_out = 0;
	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, j->cutoff, -1, SQLITE_STATIC);
	r = collect_leases(st, s, &stale, &n_stale);
	for (size_t k = 0; r == 0 && k < n_stale; k++) {
		if (gc_live(j, stale[k].vm))
			continue;
		if (j->release)
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

static int gc_run(struct pt_state *st, const char *const *live_vms, size_t n_live,
		  long min_age_s, bool release, struct pt_lease **out, size_t *n)
{
	struct gc_job j = { .live = live_vms, .n_live = n_live, .release = release };
	struct timespec ts;
	struct tm tm;
	time_t cut;
	int r;

	if (out)
		*out = NULL;
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
	r = release ? db_run_txn(st, gc_txn, &j) : gc_txn(st, &j);
	if (r < 0 || !out) {
		if (r == 0 && n)
			*n = j.n_out;
		free(j.out);
		return r;
	}
	*out = j.out;
	if (n)
		*n = j.n_out;
	return 0;
}

int pt_state_gc(struct pt_state *st, const char *const *live_vms, size_t n_live, long min_age_s,
		struct pt_lease **released, size_t *n)
{
	return gc_run(st, live_vms, n_live, min_age_s, true, released, n);
}

int pt_state_gc_stale(struct pt_state *st, const char *const *live_vms, size_t n_live,
		      long min_age_s, struct pt_lease **stale, size_t *n)
{
	int r = gc_run(st, live_vms, n_live, min_age_s, false, stale, n);

	if (r == -EAGAIN)
		r = pt_err(st->ctx, -EBUSY, "state database %s is locked", st->path);
	return r;
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
	sqlite3_stmt *s = db_stmt(st, S_DEVICE_GET);
	int rc, r;

	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, j->bdf, -1, SQLITE_STATIC);
	rc = sym_sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		pt_strlcpy(state, db_col_text(s, 3), sizeof(state));
		pt_strlcpy(old_reason, db_col_text(s, 5), sizeof(old_reason));
	}
	db_done(s);
	if (rc == SQLITE_DONE)
		return pt_err(st->ctx, -ENOENT, "%s is in no pool of the state database", j->bdf);
	if (rc != SQLITE_ROW)
		return db_fail(st, rc, "looking up the device");

	if (!j->reason) {
		if (strcmp(state, "quarantined") != 0)
			return 0;
		s = db_stmt(st, S_UNQUARANTINE);
		if (!s)
			return -EIO;
		sym_sqlite3_bind_text(s, 1, j->bdf, -1, SQLITE_STATIC);
		sym_sqlite3_bind_text(s, 2, st->now, -1, SQLITE_STATIC);
		r = db_exec(st, s, "returning the device to its pool");
		return r < 0 ? r : db_audit(st, "unquarantine", NULL, j->bdf, "was: %s", old_reason);
	}
	if (strcmp(state, "leased") == 0) {
		struct pt_lease *l = NULL;
		size_t n = 0;
		char holder[PT_NAME_MAX + 1] = "?";

		if ((s = db_stmt(st, S_ACTIVE_BY_BDF))) {
			sym_sqlite3_bind_text(s, 1, j->bdf, -1, SQLITE_STATIC);
			if (collect_leases(st, s, &l, &n) == 0 && n > 0)
				pt_strlcpy(holder, l[0].vm, sizeof(holder));
			free(l);
		}
		return pt_err(st->ctx, -EBUSY, "%s is leased to %s; release it before quarantining it",
			      j->bdf, holder);
	}
	if (strcmp(state, "quarantined") == 0 && strcmp(old_reason, j->reason) == 0)
		return 0;
	s = db_stmt(st, S_QUARANTINE);
	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, j->bdf, -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(s, 2, j->reason, -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(s, 3, st->now, -1, SQLITE_STATIC);
	r = db_exec(st, s, "quarantining the device");
	return r < 0 ? r : db_audit(st, "quarantine", NULL, j->bdf, "%s", j->reason);
}

int pt_state_quarantine(struct pt_state *st, const char *bdf, const char *reason)
{
	struct quarantine_job j = { .reason = reason };
	char norm[PT_BDF_STRLEN];
	int r;

	if ((r = state_norm_bdf(st->ctx, bdf, norm)) < 0)
		return r;
	if (!reason || !*reason)
		return pt_err(st->ctx, -EINVAL, "quarantining %s needs a reason", norm);
	j.bdf = norm;
	return db_run_txn(st, quarantine_txn, &j);
}

int pt_state_unquarantine(struct pt_state *st, const char *bdf)
{
	struct quarantine_job j = { 0 };
	char norm[PT_BDF_STRLEN];
	int r;

	if ((r = state_norm_bdf(st->ctx, bdf, norm)) < 0)
		return r;
	j.bdf = norm;
	return db_run_txn(st, quarantine_txn, &j);
}

/* ---- pools ---- */

struct sync_job {
	const char *pool;
	const char *kind;
	char (*bdfs)[PT_BDF_STRLEN];
	const struct pt_pool_member *members;
	size_t n;
};

/* Step 1: the pool itself, created or touched. */
static int sync_pool_row(struct pt_state *st, const struct sync_job *j)
{
	sqlite3_stmt *s = db_stmt(st, S_POOL_UPSERT);

	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, j->pool, -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(s, 2, j->kind, -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(s, 3, st->now, -1, SQLITE_STATIC);
	return db_exec(st, s, "recording the pool");
}

/* Binds a member's row for S_DEVICE_INSERT / S_DEVICE_UPDATE (same parameters). */
static void sync_bind_member(struct pt_state *st, sqlite3_stmt *s, const struct sync_job *j,
			     size_t i, int node, int group)
{
	sym_sqlite3_bind_text(s, 1, j->bdfs[i], -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(s, 2, j->pool, -1, SQLITE_STATIC);
	sym_sqlite3_bind_int(s, 3, node);
	sym_sqlite3_bind_int(s, 4, group);
	sym_sqlite3_bind_text(s, 5, st->now, -1, SQLITE_STATIC);
}

/* Step 2, per member: added when new, updated (or back from removed) when it moved;
 * *added / *updated count what was done. */
static int sync_member(struct pt_state *st, const struct sync_job *j, size_t i, size_t *added,
		       size_t *updated)
{
	const struct pt_pool_member *m = &j->members[i];
	char pool[PT_NAME_MAX + 1] = "";
	int node = 0, group = 0, removed = 0, r, rc;
	int want_node = m->numa_node < 0 ? -1 : m->numa_node;
	int want_group = m->iommu_group < 0 ? -1 : m->iommu_group;
	sqlite3_stmt *s = db_stmt(st, S_DEVICE_GET);

	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, j->bdfs[i], -1, SQLITE_STATIC);
	rc = sym_sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		pt_strlcpy(pool, db_col_text(s, 0), sizeof(pool));
		node = sym_sqlite3_column_int(s, 1);
		group = sym_sqlite3_column_int(s, 2);
		removed = sym_sqlite3_column_int(s, 4);
	}
	db_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, rc, "looking up a device");
	if (rc == SQLITE_DONE) {
		if (!(s = db_stmt(st, S_DEVICE_INSERT)))
			return -EIO;
		sync_bind_member(st, s, j, i, want_node, want_group);
		if ((r = db_exec(st, s, "adding a device")) < 0 ||
		    (r = db_audit(st, "add", NULL, j->bdfs[i], "pool %s, node %d, IOMMU group %d",
				  j->pool, want_node, want_group)) < 0)
			return r;
		(*added)++;
		return 0;
	}
	if (strcmp(pool, j->pool) == 0 && node == want_node && group == want_group && !removed)
		return 0;
	if (!(s = db_stmt(st, S_DEVICE_UPDATE)))
		return -EIO;
	sync_bind_member(st, s, j, i, want_node, want_group);
	if ((r = db_exec(st, s, "updating a device")) < 0)
		return r;
	if (removed)
		r = db_audit(st, "add", NULL, j->bdfs[i], "back in pool %s, node %d, IOMMU group %d",
			     j->pool, want_node, want_group);
	else
		r = db_audit(st, "update", NULL, j->bdfs[i],
			     "pool %s -> %s, node %d -> %d, IOMMU group %d -> %d", pool, j->pool,
			     node, want_node, group, want_group);
	if (r == 0)
		(*(removed ? added : updated))++;
	return r;
}

/* Step 3: the pool's configured devices that are no longer in the list. */
static int sync_find_gone(struct pt_state *st, const struct sync_job *j,
			  char (**gone)[PT_BDF_STRLEN], size_t *n_gone)
{
	sqlite3_stmt *s = db_stmt(st, S_POOL_MEMBERS);
	int r = 0, rc;

	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, j->pool, -1, SQLITE_STATIC);
	while ((rc = sym_sqlite3_step(s)) == SQLITE_ROW) {
		const char *bdf = db_col_text(s, 0);
		bool listed = false;

		for (size_t i = 0; i < j->n && !listed; i++)
			listed = strcmp(j->bdfs[i], bdf) == 0;
		if (listed)
			continue;
		if (pt_grow((void **)gone, *n_gone, sizeof(**gone)) < 0) {
			r = pt_err(st->ctx, -ENOMEM, "out of memory syncing pool %s", j->pool);
			break;
		}
		pt_strlcpy((*gone)[(*n_gone)++], bdf, PT_BDF_STRLEN);
	}
	db_done(s);
	if (r == 0 && rc != SQLITE_DONE)
		r = db_fail(st, rc, "listing the pool's devices");
	return r;
}

/* Step 4: one device leaves the pool for good. */
static int sync_remove(struct pt_state *st, const struct sync_job *j, const char *bdf)
{
	sqlite3_stmt *s = db_stmt(st, S_DEVICE_REMOVE);
	int r;

	if (!s)
		return -EIO;
	sym_sqlite3_bind_text(s, 1, bdf, -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(s, 2, st->now, -1, SQLITE_STATIC);
	r = db_exec(st, s, "removing a device");
	if (r == 0)
		r = db_audit(st, "remove", NULL, bdf,
			     "left the configuration of pool %s; never allocated again", j->pool);
	return r;
}

/* The sync transaction: the pool, each listed member, the members that left, and one
 * summary record when anything changed. */
static int sync_txn(struct pt_state *st, void *arg)
{
	struct sync_job *j = arg;
	char(*gone)[PT_BDF_STRLEN] = NULL;
	size_t n_gone = 0, added = 0, updated = 0;
	int r = sync_pool_row(st, j);

	for (size_t i = 0; r == 0 && i < j->n; i++)
		r = sync_member(st, j, i, &added, &updated);
	if (r == 0)
		r = sync_find_gone(st, j, &gone, &n_gone);
	for (size_t i = 0; r == 0 && i < n_gone; i++)
		r = sync_remove(st, j, gone[i]);
	free(gone);
	if (r < 0)
		return r;
	if (added || updated || n_gone)
		r = db_audit(st, "pool-sync", NULL, NULL, "pool %s (%s): %zu added, %zu updated, %zu removed",
			     j->pool, j->kind, added, updated, n_gone);
	return r;
}

int pt_state_sync_pool(struct pt_state *st, const char *pool, const char *kind,
		       const struct pt_pool_member *members, size_t n)
{
	struct sync_job j = { .pool = pool, .kind = kind, .members = members, .n = n };
	int r;

	if ((r = state_check_name(st->ctx, "pool", pool)) < 0)
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
		if ((r = state_norm_bdf(st->ctx, members[i].bdf, j.bdfs[i])) < 0) {
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
	r = db_run_txn(st, sync_txn, &j);
out:
	free(j.bdfs);
	return r;
}

int pt_state_pools(struct pt_state *st, struct pt_pool_usage **out, size_t *n)
{
	sqlite3_stmt *s = db_stmt(st, S_USAGE);
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -EIO;
	while ((rc = sym_sqlite3_step(s)) == SQLITE_ROW) {
		struct pt_pool_usage u = { 0 };

		pt_strlcpy(u.pool, db_col_text(s, 0), sizeof(u.pool));
		pt_strlcpy(u.kind, db_col_text(s, 1), sizeof(u.kind));
		u.numa_node = sym_sqlite3_column_int(s, 2);
		u.free = (unsigned)sym_sqlite3_column_int(s, 3);
		u.leased = (unsigned)sym_sqlite3_column_int(s, 4);
		u.quarantined = (unsigned)sym_sqlite3_column_int(s, 5);
		u.removed = (unsigned)sym_sqlite3_column_int(s, 6);
		u.total = u.free + u.leased + u.quarantined;
		if (PT_PUSH(*out, *n, u) < 0) {
			db_done(s);
			free(*out);
			*out = NULL;
			*n = 0;
			return pt_err(st->ctx, -ENOMEM, "out of memory reading pools");
		}
	}
	db_done(s);
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

void pt_pool_usage_free(struct pt_pool_usage *u, size_t n)
{
	for (size_t i = 0; u && i < n; i++)
		free(u[i].blockers);
	free(u);
}

int pt_pool_usage_add_blocker(struct pt_pool_usage *u, int iommu_group,
			      const struct pt_refusal *cause)
{
	struct pt_pool_blocker b = { .iommu_group = iommu_group, .cause = *cause };

	for (size_t i = 0; i < u->n_blockers; i++) {
		const struct pt_refusal *o = &u->blockers[i].cause;

		if (!strcmp(o->device, cause->device) && !strcmp(o->kind, cause->kind) &&
		    !strcmp(o->blocker, cause->blocker))
			return 0;
	}
	if (!u->blocked_why[0])
		pt_strlcpy(u->blocked_why, cause->reason, sizeof(u->blocked_why));
	return PT_PUSH(u->blockers, u->n_blockers, b);
}

/* A free device whose IOMMU group holds a leased one: that VM's, nobody else's. */
static void group_leased(struct pt_pool_usage *u, const char *bdf, int group, const char *leased)
{
	struct pt_refusal c = { .overridable = false };

	pt_strlcpy(c.device, bdf, sizeof(c.device));
	pt_strlcpy(c.kind, "group-leased", sizeof(c.kind));
	pt_strlcpy(c.blocker, leased, sizeof(c.blocker));
	snprintf(c.reason, sizeof(c.reason), "%s shares IOMMU group %d with a leased device "
		 "(%s): it goes only to that VM", bdf, group, leased);
	pt_pool_usage_add_blocker(u, group, &c); /* out of memory: one cause fewer named */
}

int pt_state_pools_judged(struct pt_state *st,
			  bool (*usable)(void *arg, const struct pt_bdf *bdf, int iommu_group,
					 bool whole_group, struct pt_pool_usage *u),
			  void *arg, struct pt_pool_usage **out, size_t *n)
{
	struct seen_unit {
		const struct pt_pool_usage *u;
		int group;
	} seen[256];
	size_t n_seen = 0;
	sqlite3_stmt *s;
	int r = pt_state_pools(st, out, n), rc;
	bool whole;

	if (r < 0)
		return r;
	s = db_stmt(st, S_FREE_DEVICES);
	if (!s)
		return -EIO;
	while ((rc = sym_sqlite3_step(s)) == SQLITE_ROW) {
		const char *pool = db_col_text(s, 0), *bdf = db_col_text(s, 2);
		int node = sym_sqlite3_column_int(s, 1), group = sym_sqlite3_column_int(s, 3);
		struct pt_pool_usage *u = NULL;
		bool counted = false;
		struct pt_bdf b;
		size_t k = 0;

		for (size_t i = 0; i < *n && !u; i++)
			if (strcmp((*out)[i].pool, pool) == 0 && (*out)[i].numa_node == node)
				u = &(*out)[i];
		if (!u || pt_bdf_parse(bdf, &b) < 0)
			continue;
		whole = strcmp(u->kind, "devices") == 0;
		if (whole && group >= 0) {
			/* a devices pool counts units: its group is blocked once, but each
			 * function of it is judged, so every cause is named */
			while (k < n_seen && (seen[k].u != u || seen[k].group != group))
				k++;
			counted = k < n_seen;
		}
		if (!counted && u->free == 0)
			continue;
		if (sym_sqlite3_column_type(s, 4) != SQLITE_NULL)
			group_leased(u, bdf, group, db_col_text(s, 4));
		else if (!usable || usable(arg, &b, group, whole, u))
			continue;
		if (counted)
			continue;
		if (whole && group >= 0 && n_seen < sizeof(seen) / sizeof(seen[0]))
			seen[n_seen++] = (struct seen_unit){ .u = u, .group = group };
		u->free--;
		u->blocked++;
	}
	db_done(s);
	if (rc != SQLITE_DONE) {
		r = db_fail(st, rc, "reading free devices");
		pt_pool_usage_free(*out, *n);
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
	if (bdf && (r = state_norm_bdf(st->ctx, bdf, norm)) < 0)
		return r;
	s = db_stmt(st, bdf ? S_AUDIT_READ_BDF : S_AUDIT_READ);
	if (!s)
		return -EIO;
	sym_sqlite3_bind_int64(s, 1, after_id);
	db_bind_text_or_null(s, 2, vm);
	if (bdf)
		sym_sqlite3_bind_text(s, 3, norm, -1, SQLITE_STATIC);
	sym_sqlite3_bind_int64(s, 4, limit ? (sqlite3_int64)limit : -1);
	while ((rc = sym_sqlite3_step(s)) == SQLITE_ROW) {
		struct pt_audit_entry e = { 0 };

		e.id = sym_sqlite3_column_int64(s, 0);
		pt_strlcpy(e.ts, db_col_text(s, 1), sizeof(e.ts));
		e.actor_pid = (long)sym_sqlite3_column_int64(s, 2);
		pt_strlcpy(e.action, db_col_text(s, 3), sizeof(e.action));
		pt_strlcpy(e.vm, db_col_text(s, 4), sizeof(e.vm));
		pt_strlcpy(e.bdf, db_col_text(s, 5), sizeof(e.bdf));
		pt_strlcpy(e.detail, db_col_text(s, 6), sizeof(e.detail));
		if (PT_PUSH(*out, *n, e) < 0) {
			db_done(s);
			free(*out);
			*out = NULL;
			*n = 0;
			return pt_err(st->ctx, -ENOMEM, "out of memory reading the audit log");
		}
	}
	db_done(s);
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

	rc = sym_sqlite3_prepare_v2(st->db, q, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, what);
	rc = sym_sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = pt_err(st->ctx, -EUCLEAN, "state database %s: %s: %s", st->path, what,
			   db_col_text(s, 0));
	else if (rc != SQLITE_DONE)
		r = db_fail(st, rc, what);
	sym_sqlite3_finalize(s);
	return r;
}

int pt_state_verify(struct pt_state *st, bool full)
{
	int r, rc;

	rc = sym_sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
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
	sym_sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (r == -EAGAIN)
		r = pt_err(st->ctx, -EBUSY, "state database %s is locked", st->path);
	return r;
}

int pt_state_active_leases(struct pt_ctx *ctx, const char *state_dir, struct pt_lease **l, size_t *n,
			   char *warning, size_t wlen)
{
	char dir[4096], db[4200], saved[sizeof(ctx->err)];
	struct pt_state *st = NULL;

	*l = NULL;
	*n = 0;
	if (wlen)
		warning[0] = '\0';
	if (pt_state_dir(ctx, state_dir, false, dir, sizeof(dir)) < 0)
		return 0;
	snprintf(db, sizeof(db), "%s/state.db", dir);
	if (access(db, F_OK) != 0)
		return 0;
	pt_strlcpy(saved, ctx->err, sizeof(saved));
	if (pt_state_open(ctx, dir, &st) < 0 || pt_state_leases(st, NULL, l, n) < 0) {
		snprintf(warning, wlen, "cannot read the leases in %s (%s): changes to leased devices "
			 "are not refused", db, pt_ctx_error(ctx));
		free(*l);
		*l = NULL;
		*n = 0;
	}
	pt_state_close(st);
	pt_strlcpy(ctx->err, saved, sizeof(ctx->err));
	return 0;
}
