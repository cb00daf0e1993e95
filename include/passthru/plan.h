/* SPDX-License-Identifier: MIT */
/*
 * `passthru apply`: the host configuration (profile.h) made true.
 *
 *   desired state ("want") = pt_want_from_config(host, cfg)       pure
 *   plan                   = pt_plan_build(host, links, want)     pure: diff, ordered
 *   pt_apply_run()         = journal, lock, execute, roll back    (lib/apply.c)
 *
 * The planner diffs what the host has (a pt_host scan, plus the VF settings its PF
 * drivers report over rtnetlink) against what is wanted and returns an ordered list
 * of actions. A converged host yields an empty plan, so applying it writes nothing.
 *
 * Ordering rules (the kernel's; docs/apply.md explains each):
 *  1. per PF, in BDF order: sriov_drivers_autoprobe goes to 0 before VFs are created
 *     when some VF must not be grabbed by the host driver (or gets a MAC, which the
 *     VF driver only reads at probe); a changed non-zero VF count goes through 0
 *     (the kernel answers EBUSY otherwise); then a bounded wait for the virtfn links;
 *  2. VF settings over rtnetlink (mac, vlan, rate, spoofchk, trust, link_state) —
 *     every configured one again after the count changed (VFs lose them);
 *  3. VF drivers: driver_override, unbind, drivers_probe (never new_id); a VF kept on
 *     its host driver whose MAC changed is re-probed (igbvf reads it only at probe);
 *  4. autoprobe back to its final value, then VFs left to the default driver probed;
 *  5. whole devices (passthrough:) to their driver, same sequence as 3.
 *
 * Rollback is a plan too: the prior value of everything a plan touches is snapshotted
 * as a "want" (pt_want_snapshot), written to the journal before the first write, and
 * undoing is converging back to it — which re-creates VFs with their old settings and
 * drivers when a count had changed, something step-by-step inversion cannot do.
 */
#ifndef PASSTHRU_PLAN_H
#define PASSTHRU_PLAN_H

#include "passthru/passthru.h"
#include "passthru/netlink.h"
#include "passthru/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- desired state ---------------------------------------------------------------- */

/* Driver of a wanted function: "" not managed, "none" unbound, else the driver name. */
struct pt_want_fn {
	char driver[64];
	bool has_override;      /* driver_override must read exactly override ("" = unset) */
	char override[64];
};

struct pt_want_vf {
	int vf;
	struct pt_vf_setting set; /* set.has: the fields wanted */
	struct pt_want_fn fn;
};

struct pt_want_pf {
	struct pt_bdf bdf;
	int numvfs;               /* -1: keep the count there is */
	int autoprobe;            /* final sriov_drivers_autoprobe; -1 not managed */
	struct pt_want_vf *vfs;   /* sorted by index */
	size_t n_vfs;
	bool snapshot;            /* from a snapshot: re-created VFs need only non-defaults */
};

struct pt_want_dev {
	struct pt_bdf bdf;
	struct pt_want_fn fn;
};

struct pt_want {
	struct pt_want_pf *pfs;   /* sorted by BDF, unique */
	size_t n_pfs;
	struct pt_want_dev *devs; /* sorted by BDF, unique */
	size_t n_devs;
};

void pt_want_free(struct pt_want *w);

/* Resolves the config's selectors against the host and says what each function must
 * be. Pure. -ENODEV when a selector matches nothing, -EINVAL for a config the host
 * cannot take (VF settings on a PF without a network interface, more VFs than
 * sriov_totalvfs, a PF that is not SR-IOV capable); the sentence is in errbuf. */
int pt_want_from_config(const struct pt_host *h, const struct pt_hostcfg *cfg,
			struct pt_want *out, char *errbuf, size_t errlen);

/* ---- the plan ---------------------------------------------------------------------- */

enum pt_action_kind {
	PT_ACT_SET_AUTOPROBE = 0, /* sriov_drivers_autoprobe */
	PT_ACT_SET_NUMVFS,        /* sriov_numvfs (blocking: timeout) */
	PT_ACT_WAIT_VFS,          /* poll for the virtfn links (no write) */
	PT_ACT_SET_VF_MAC,        /* rtnetlink on the PF */
	PT_ACT_SET_VF_VLAN,
	PT_ACT_SET_VF_RATE,
	PT_ACT_SET_VF_SPOOFCHK,
	PT_ACT_SET_VF_TRUST,
	PT_ACT_SET_VF_LINK_STATE,
	PT_ACT_SET_DRIVER_OVERRIDE,
	PT_ACT_UNBIND,            /* driver/unbind (blocking: timeout) */
	PT_ACT_PROBE,             /* /sys/bus/pci/drivers_probe, then the driver is checked */
};
/* "set_autoprobe", "set_numvfs", "wait_vfs", "set_vf_mac", ... */
const char *pt_action_kind_str(enum pt_action_kind k);

struct pt_action {
	enum pt_action_kind kind;
	struct pt_bdf pf;           /* the PF for VF actions, set_numvfs, set_autoprobe, wait_vfs */
	int vf;                     /* VF index; -1 when the action is not about one VF */
	char device[PT_BDF_STRLEN]; /* the function acted on (a VF's BDF as it will be) */
	char ifname[16];            /* VF settings: the PF's interface */
	int ifindex;
	char field[24];             /* "sriov_numvfs", "mac", "driver_override", "driver" ... */
	char from[64], to[64];      /* "" when there is no prior value (a new VF) */
	char desc[256];             /* one line for humans */
	struct pt_vf_setting set;   /* VF settings: set.has is the one field */
	int count;                  /* set_numvfs / wait_vfs: the count */
	char driver[64];            /* probe: the driver that must end up bound ("" any, or
				     * nothing when the PF's autoprobe is off) */
};

struct pt_plan {
	struct pt_action *actions;
	size_t n;
};

void pt_plan_free(struct pt_plan *p);

/* The diff of the host (plus VF settings as reported: links may be NULL/0 when no PF in
 * want has VF settings) against want, in the order above. Pure. An empty plan means
 * converged. -ENOMEM, or -EINVAL with errbuf filled. */
int pt_plan_build(const struct pt_host *h, const struct pt_link_vfs *links, size_t n_links,
		  const struct pt_want *want, struct pt_plan *out, char *errbuf, size_t errlen);

/* The prior state of everything plan touches, as a want that converges back to it. */
int pt_want_snapshot(const struct pt_host *h, const struct pt_link_vfs *links, size_t n_links,
		     const struct pt_plan *plan, struct pt_want *out);

/* The PF netdevs whose VF settings the planner needs (PFs in want with VF settings, or
 * whose VFs get re-created), so the caller asks rtnetlink only for those. */
size_t pt_want_netdevs(const struct pt_host *h, const struct pt_want *want, const char **out,
		       size_t max);

/* ---- the journal (lib/journal.c) ----------------------------------------------------
 * <state_dir>/apply.journal, append-only text, one record per line, fsync'd after
 * every record (format in docs/apply.md):
 *   begin <run-id> boot=<boot_id> pid=<pid> time=<unix> config=<path> steps=<n>
 *   want-pf <bdf> numvfs=<n> autoprobe=<n>
 *   want-vf <pf-bdf> <vf> has=<bits> mac=.. vlan=.. qos=.. ... driver=.. override=..
 *   want-dev <bdf> driver=.. override=..
 *   step <i> <kind> <device> vf=<n> <field> from=<v> to=<v>   (before the write)
 *   ok <i>                                                      (after it)
 *   fail <i> <message>
 *   rollback-begin | rollback-done | rollback-failed <message>
 *   recovered                                     (a later run undid this one)
 *   done
 * Values are %-escaped (space, tab, newline, '%', '='). A journal whose last record is
 * done/rollback-done/recovered belongs to a run that did not finish. */
struct pt_journal;

struct pt_journal_info {
	bool incomplete;            /* the run did not end (crash, kill -9, power loss) */
	char run_id[64];
	char boot_id[64];           /* the kernel boot it ran in */
	char config[256];
	int pid;
	size_t steps_total, steps_started, steps_ok;
	char last[128];             /* the last record's first word */
	struct pt_want prior;       /* the state before the run */
};

/* Opens <state_dir> (created 0700), takes an exclusive flock on <state_dir>/apply.lock
 * waiting up to wait_ms for another apply to finish (-EBUSY then). */
int pt_journal_open(struct pt_ctx *ctx, const char *state_dir, int wait_ms,
		    struct pt_journal **out);
void pt_journal_close(struct pt_journal *j);
const char *pt_journal_path(const struct pt_journal *j);
/* Reads an existing journal. 0 with info filled, -ENOENT when there is none, -EBADMSG
 * for one that cannot be parsed (it is kept as apply.journal.bad). */
int pt_journal_read(struct pt_journal *j, struct pt_journal_info *info);
void pt_journal_info_free(struct pt_journal_info *info);
/* Starts a run: truncates, writes begin and the prior state. */
int pt_journal_begin(struct pt_journal *j, const char *boot_id, const char *config,
		     size_t steps, const struct pt_want *prior);
int pt_journal_step(struct pt_journal *j, size_t i, const struct pt_action *a);
/* Any other record: "ok 3", "done", "rollback-begin" ... (msg is escaped, may be NULL). */
int pt_journal_record(struct pt_journal *j, const char *word, long i, const char *msg);
/* The run is over: the journal becomes apply.journal.last. */
int pt_journal_finish(struct pt_journal *j);

/* Pure, for tests and the fuzzer: parses journal bytes. */
int pt_journal_parse(const char *buf, size_t len, struct pt_journal_info *info);

/* ---- execution (lib/apply.c) ---------------------------------------------------------- */

enum pt_step_result {
	PT_STEP_PLANNED = 0, PT_STEP_DONE, PT_STEP_FAILED, PT_STEP_ROLLED_BACK, PT_STEP_SKIPPED,
};
const char *pt_step_result_str(enum pt_step_result r); /* "planned", "done", ... */

struct pt_apply_opts {
	const char *state_dir;    /* NULL: <sysroot>/var/lib/passthru */
	const char *config;       /* the file, recorded in the journal */
	int timeout_ms;           /* blocking writes and the wait for VFs; 0: 30000 */
	int lock_wait_ms;         /* another apply holding the lock; 0: 30000 */
	/* Test-only (PASSTHRU_CRASH_AFTER_STEP=N): raise SIGKILL right after step N's
	 * write, before its "ok" record, to prove crash recovery. 0 = off. */
	int crash_after_step;
};

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
};
void pt_apply_result_free(struct pt_apply_result *r);

/* Recovers an unfinished earlier run if the journal says there is one (undoing it when
 * it ran in this boot; discarding it when the host rebooted since, as the kernel state
 * it describes is gone), so the caller can re-scan and plan. j must be open. */
int pt_apply_recover(struct pt_ctx *ctx, struct pt_journal *j, const struct pt_apply_opts *o,
		     struct pt_apply_result *res);

/* Executes plan (built from h and links) under the journal j: snapshot, then each step
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
