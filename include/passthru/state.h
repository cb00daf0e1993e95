/* SPDX-License-Identifier: MIT */
/*
 * Assignment state: which device of which pool is leased to which VM, kept in a
 * SQLite database (state.db) under the state directory, safe for any number of
 * passthru processes at once.
 *
 *  - every change runs in one BEGIN IMMEDIATE transaction, retried with backoff
 *    while another process holds the write lock (bounded by the busy timeout);
 *    a crash mid-change leaves the database as it was before the change;
 *  - the schema itself forbids leasing a device twice (a unique index over active
 *    leases, triggers that keep devices.state in step with the leases);
 *  - every change is written to the audit table in the same transaction;
 *  - WAL with synchronous=NORMAL: a crashed process loses nothing it committed; a
 *    power loss can lose the transactions since the last checkpoint (never half of
 *    one). The last handle to close checkpoints, so each CLI command ends durable.
 *
 * A handle belongs to one thread, and to the process that opened it: after fork(),
 * open a new one in the child.
 *
 * Names (VMs, pools) are 1..64 characters of [A-Za-z0-9_.:-], not starting with '-'
 * or '.'. BDFs are accepted full or short and stored as "dddd:bb:dd.f".
 * Arrays returned through **out are malloc'd: free() them (pool usage: pt_pool_usage_free).
 */
#ifndef PASSTHRU_STATE_H
#define PASSTHRU_STATE_H

#include "passthru/passthru.h"
#include "passthru/safety.h" /* struct pt_refusal */

#ifdef __cplusplus
extern "C" {
#endif

#define PT_NAME_MAX 64
#define PT_STATE_SCHEMA_VERSION 2

struct pt_state;

/* Opens (creating on first use: directory 0700, schema, WAL) <state_dir>/state.db;
 * state_dir NULL means <sysroot>/var/lib/passthru. Migrates an older schema in one
 * transaction; refuses (-EPROTO) a schema newer than this library knows. */
int pt_state_open(struct pt_ctx *ctx, const char *state_dir, struct pt_state **out);
void pt_state_close(struct pt_state *st);
/* The database file's path. */
const char *pt_state_path(const struct pt_state *st);
/* How long one call waits for other processes' write locks before -EBUSY
 * (default 30000 ms, or PASSTHRU_STATE_BUSY_MS). */
void pt_state_set_busy_timeout(struct pt_state *st, int ms);

/* ---- pools ---- */

struct pt_pool_member {
	const char *bdf;
	int numa_node;   /* -1 unknown */
	int iommu_group; /* -1 none (such a device is never allocated) */
};

/* Makes the pool's device list what the configuration says: creates the pool
 * (kind "vfs" or "devices"), adds new devices as free, updates node/group of known
 * ones (and moves them from another pool), and marks devices that left the
 * configuration as removed: never allocated again. A leased device that left keeps
 * its lease until released, then is not handed out again. A device that comes back
 * is un-removed, keeping a quarantine it had. Returns 0 or a negative errno. */
int pt_state_sync_pool(struct pt_state *st, const char *pool, const char *kind,
		       const struct pt_pool_member *members, size_t n);

struct pt_pool_usage {
	char pool[PT_NAME_MAX + 1];
	char kind[16];
	int numa_node;      /* one row per pool and node; -1 = unknown node */
	unsigned total;     /* free + leased + quarantined (removed devices not counted) */
	unsigned free, leased, quarantined;
	unsigned removed;   /* left the configuration (and not leased) */
	/* of the devices the database has free, those assign would not hand out now (judged
	 * by pt_state_pools_judged's callback, or sharing an IOMMU group with a leased
	 * device); they are not counted in free but in blocked (and total) */
	unsigned blocked;
	char blocked_why[320]; /* the first one's cause and fix; "" none */
	/* every cause of every blocked unit: for each function of the unit that is
	 * refused, one entry per cause and blocker (as assign's refusal names them);
	 * malloc'd, NULL when none: pt_pool_usage_free */
	struct pt_pool_blocker *blockers;
	size_t n_blockers;
};
/* One cause that keeps a unit of a pool from being handed out. */
struct pt_pool_blocker {
	int iommu_group;           /* the unit's IOMMU group (a devices pool's unit is the
				    * group, a vfs pool's the function); -1 none */
	struct pt_refusal cause;   /* device: the function refused; kind, blocker, reason,
				    * overridable: what assign's refused[] says of it */
};
/* Frees the rows and the blockers they hold. */
void pt_pool_usage_free(struct pt_pool_usage *u, size_t n);
/* Per pool and NUMA node, counting units (a devices pool's functions of one IOMMU
 * group count once); a pool without devices has one row for node -1 of zeros.
 * Ordered by pool, then node. */
int pt_state_pools(struct pt_state *st, struct pt_pool_usage **out, size_t *n);
/* The same, with free meaning "what assign would hand out": a free device that shares
 * an IOMMU group with a leased one (kind "group-leased", its blocker the leased
 * function), or that usable (when set) refuses, is blocked (in a devices pool its
 * whole unit, once; every function of a blocked unit is still judged, so each cause is
 * named). usable adds every cause it refuses bdf for to u (pt_pool_usage_add_blocker);
 * whole_group: the device's pool is a devices pool (its group is handed out as one).
 * Free the result with pt_pool_usage_free. */
int pt_state_pools_judged(struct pt_state *st,
			  bool (*usable)(void *arg, const struct pt_bdf *bdf, int iommu_group,
					 bool whole_group, struct pt_pool_usage *u),
			  void *arg, struct pt_pool_usage **out, size_t *n);
/* Adds one cause to u's blockers (once per function, kind and blocker); the first
 * cause of the row becomes blocked_why too. 0, or -ENOMEM. */
int pt_pool_usage_add_blocker(struct pt_pool_usage *u, int iommu_group,
			      const struct pt_refusal *cause);

/* ---- leases ---- */

struct pt_assign_req {
	const char *vm;
	const char *pool;
	unsigned count;        /* >= 1 */
	int numa_node;         /* -1 any */
	bool allow_remote;     /* take devices from other nodes when the node lacks them */
	const char *mac;       /* NULL or "aa:bb:cc:dd:ee:ff" (only with count 1) */
	int vlan;              /* 0 none, 1..4094 */
	/* Optional: can the device bdf (in IOMMU group g) be handed to a VM now (its
	 * assignability on the host, lib/judge.c)? NULL = every device can. */
	bool (*group_viable)(void *arg, const struct pt_bdf *bdf, int iommu_group);
	void *group_viable_arg;
	/* Optional: spread the devices round-robin over spread_key(bdf) (a VF's PF);
	 * NULL = no spreading. */
	int (*spread_key)(void *arg, const struct pt_bdf *bdf);
	void *spread_arg;
	/* Record the leases pending: they hold their devices (and MAC) but are not active
	 * (pt_state_leases, release, gc do not see them) until pt_state_ready(), or are
	 * rolled back by pt_state_abort(). false: active at once. */
	bool pending;
};

struct pt_lease {
	long long id;
	char vm[PT_NAME_MAX + 1];
	char bdf[PT_BDF_STRLEN];
	char pool[PT_NAME_MAX + 1];
	int numa_node;
	int iommu_group;
	char mac[18];          /* "" none */
	int vlan;              /* 0 none */
	char created[32];      /* UTC, "2026-11-21T06:00:00.123Z" */
	char released[32];     /* "" while active */
	bool remote;           /* (assign only) placed off the requested node */
};

/* Leases count units of req->pool to req->vm in one transaction: a unit is a function,
 * or in a "devices" pool every function of the pool in one IOMMU group (leased
 * together, one lease each).
 * -EINVAL bad request (names, count, mac, vlan), -ENOENT unknown pool,
 * -ENOSPC not enough usable devices (the message says what is usable where),
 * -EEXIST the MAC is already on an active lease, -EBUSY the database stayed locked.
 * Every error leaves the state unchanged. */
int pt_state_assign(struct pt_state *st, const struct pt_assign_req *req,
		    struct pt_lease **out, size_t *n);

/* Makes the pending leases ids[0..n) active, in one transaction (audited "ready"): their
 * devices are ready. -ENOENT when one is not pending (released, or active already). */
int pt_state_ready(struct pt_state *st, const long long *ids, size_t n);
/* Rolls back pending leases: ids[0..n), or every pending lease when ids is NULL; each is
 * ended (released, never having been ready) and audited "abort" with why. Active
 * leases are never touched. */
int pt_state_abort(struct pt_state *st, const long long *ids, size_t n, const char *why);
/* Pending leases, oldest first: an assign running now, or one that was killed. */
int pt_state_pending(struct pt_state *st, struct pt_lease **out, size_t *n);

/* Releases vm's lease on bdf, or all of vm's active leases when bdf is NULL (zero
 * of them is not an error). -ENOENT bdf is not leased, -EPERM it is leased to
 * another VM. The released leases (with their release time) go to *released when
 * that is not NULL. */
int pt_state_release(struct pt_state *st, const char *vm, const char *bdf,
		     struct pt_lease **released, size_t *n);

/* The one gc rule: a lease is stale when its VM is not in live_vms (the VMs that
 * exist on this host, as the caller listed them) and none of that VM's active leases
 * is younger than min_age_s seconds (the age spares a VM that started after the
 * caller listed the live ones; a lease time that cannot be read counts as young).
 *
 * pt_state_gc releases the stale leases in one transaction, audited as "gc", in the
 * database only; the released leases go to *released when not NULL. A caller that
 * also gives the devices back (reset, VF policy: pt_gc in assign.h) asks
 * pt_state_gc_stale, which changes nothing, and releases each VM with pt_release. */
int pt_state_gc(struct pt_state *st, const char *const *live_vms, size_t n_live, long min_age_s,
		struct pt_lease **released, size_t *n);
int pt_state_gc_stale(struct pt_state *st, const char *const *live_vms, size_t n_live,
		      long min_age_s, struct pt_lease **stale, size_t *n);

/* Active leases (vm NULL = every VM), ordered by VM then BDF. */
/* The active leases of <state_dir>/state.db (NULL: the default directory) when the
 * database exists; it is not created. Unreadable: none, and warning says so (not an
 * error: the callers go on and report what could not be judged). */
int pt_state_active_leases(struct pt_ctx *ctx, const char *state_dir, struct pt_lease **l, size_t *n,
			   char *warning, size_t wlen);
int pt_state_leases(struct pt_state *st, const char *vm, struct pt_lease **out, size_t *n);

/* Takes a device out of allocation (a failed reset, AER errors ...). -ENOENT unknown
 * device, -EBUSY leased (release it first). Quarantining again updates the reason. */
int pt_state_quarantine(struct pt_state *st, const char *bdf, const char *reason);
/* Returns a quarantined device to the free list; 0 too when it was not quarantined. */
int pt_state_unquarantine(struct pt_state *st, const char *bdf);

/* ---- audit and checks ---- */

struct pt_audit_entry {
	long long id;
	char ts[32];
	long actor_pid;
	char action[24];     /* pool-sync, add, update, remove, assign, pending, ready, abort,
				deny, release, gc, quarantine, unquarantine, migrate */
	char vm[PT_NAME_MAX + 1];
	char bdf[PT_BDF_STRLEN];
	char detail[512];
};
/* Audit entries with id > after_id, oldest first, filtered by vm and bdf when not
 * NULL; at most limit (0 = all). */
int pt_state_audit(struct pt_state *st, const char *vm, const char *bdf, long long after_id,
		   size_t limit, struct pt_audit_entry **out, size_t *n);

/* Checks the invariants the schema and the code keep (one active lease per device,
 * devices.state agrees with the leases, no lease of a quarantined device, foreign
 * keys) and SQLite's integrity_check (when full). 0 or -EUCLEAN naming the first
 * violation. */
int pt_state_verify(struct pt_state *st, bool full);

#ifdef __cplusplus
}
#endif
#endif
