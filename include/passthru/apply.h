/* SPDX-License-Identifier: MIT */
/*
 * Executing a plan (lib/apply.c): journal, execute, roll back, recover an unfinished
 * run. The plan itself is built by plan.h; the journal it writes is journal.h.
 */
#ifndef PASSTHRU_APPLY_H
#define PASSTHRU_APPLY_H

#include "passthru/plan.h"
#include "passthru/journal.h"

#ifdef __cplusplus
extern "C" {
#endif

enum pt_step_result {
	PT_STEP_PLANNED = 0, PT_STEP_DONE, PT_STEP_FAILED, PT_STEP_ROLLED_BACK, PT_STEP_SKIPPED,
};
const char *pt_step_result_str(enum pt_step_result r); /* "planned", "done", ... */

struct pt_apply_opts {
	const char *state_dir;    /* NULL: <sysroot>/var/lib/passthru */
	const char *config;       /* the file, recorded in the journal */
	int timeout_ms;           /* blocking writes and the wait for VFs; 0: 30000 */
	int lock_wait_ms;         /* another apply holding the lock; 0: 30000 */
	/* pt_apply_run refuses a plan pt_safety_check_plan (safety.h) refuses, with -EPERM
	 * and the refusals in res->error, unless force (the caller judged, or overrides) */
	bool force;
	const char *own_vm;       /* leases of this VM are its own to change */
	/* Test-only (PASSTHRU_CRASH_AFTER_STEP=N): raise SIGKILL right after step N's
	 * write, before its "ok" record, to prove crash recovery. 0 = off. */
	int crash_after_step;
	/* pt_apply_run: a successful run records "done" but leaves the journal in place for
	 * the caller to pt_journal_finish() once what depended on the run is committed (an
	 * assign's lease): until then a recovery can still undo it. */
	bool keep_journal;
	/* pt_apply_recover: undo a finished journal too (one kept by keep_journal whose
	 * caller never committed), not only an unfinished one. */
	bool undo_finished;
};

/* A huge page pool the kernel grew less than asked (set_hugepages), after retries with
 * memory compaction between them. */
struct pt_hp_shortfall {
	int node;
	long size_kb;
	long asked, granted;      /* nr_hugepages written, and read back after the last try */
	int tries;
};
#define PT_HP_TRIES 3         /* writes of one pool: the first, then after each compaction */

struct pt_apply_result {
	enum pt_step_result *results; /* one per plan action */
	size_t failed_step;           /* index of the failed action, or (size_t)-1 */
	char error[512];              /* "" when the run succeeded */
	bool rolled_back;             /* a failure was undone (rollback_ok says how well) */
	bool rollback_ok;
	char rollback_error[512];
	size_t rollback_steps;        /* actions the rollback performed */
	/* a previous run's incomplete journal found on start */
	bool recovered;
	char recovery[512];           /* what was done about it, in a sentence */
	size_t recovery_steps;
	/* huge page pools granted short (the step failed with -ENOMEM and was rolled back) */
	struct pt_hp_shortfall hp_short[8];
	size_t n_hp_short;
};
void pt_apply_result_free(struct pt_apply_result *r);

/* Recovers an unfinished earlier run if the journal says there is one (undoing it when
 * it ran in this boot; discarding it when the host rebooted since, as the kernel state
 * it describes is gone), so the caller can re-scan and plan. j must be open. */
int pt_apply_recover(struct pt_ctx *ctx, struct pt_journal *j, const struct pt_apply_opts *o,
		     struct pt_apply_result *res);

/* Executes plan (built from h and links) under the journal j, once the safety gate lets
 * it (pt_safety_check_plan, unless o->force): snapshot, then each step
 * recorded before and after its write; on a failure, the steps done are undone by
 * converging back to the snapshot. Returns 0 when every step succeeded, -errno when
 * one failed (res says whether the rollback restored the prior state). */
int pt_apply_run(struct pt_ctx *ctx, struct pt_journal *j, const struct pt_host *h,
		 const struct pt_link_vfs *links, size_t n_links, const struct pt_plan *plan,
		 const struct pt_apply_opts *o, struct pt_apply_result *res);

/* The kernel's boot id (/proc/sys/kernel/random/boot_id through the sysroot), or
 * "unknown". */
void pt_boot_id(const struct pt_ctx *ctx, char *buf, size_t len);

/* Reads the VF settings of the PF netdevs want needs (pt_want_netdevs). *links is
 * malloc'd (pt_link_vfs_array_free). */
int pt_want_read_links(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_want *want,
		       struct pt_link_vfs **links, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
