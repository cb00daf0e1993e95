/* SPDX-License-Identifier: MIT */
/*
 * `passthru apply`: the host configuration (profile.h) made true.
 *
 *   desired state ("want") = pt_want_from_config(host, cfg)       pure
 *   plan                   = pt_plan_build(host, links, want)     pure: diff, ordered
 *   pt_apply_run()         = journal, lock, execute, roll back    (apply.h, journal.h)
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
 *  2. VF settings over rtnetlink (mac, vlan, rate, spoofchk, trust, query_rss, link_state) —
 *     every configured one again after the count changed (VFs lose them);
 *  3. VF drivers: driver_override, unbind, drivers_probe (never new_id); a VF kept on
 *     its host driver whose MAC changed is re-probed (igbvf reads it only at probe);
 *  4. autoprobe back to its final value, then VFs left to the default driver probed;
 *  5. whole devices (passthrough:) to their driver, same sequence as 3.
 *  0. before all of these, huge page pools (hugepages:): every shrinking pool first, so
 *     the memory it gives back can serve the growing ones, then the growing ones
 *     (memory fragments as the host runs: reserve early).
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

/* A node's pool of one huge page size: nr_hugepages must read exactly pages. */
struct pt_want_hp {
	int node;
	long size_kb;             /* 2048, 1048576 ... */
	long pages;
};

struct pt_want {
	struct pt_want_pf *pfs;   /* sorted by BDF, unique */
	size_t n_pfs;
	struct pt_want_dev *devs; /* sorted by BDF, unique */
	size_t n_devs;
	struct pt_want_hp *hps;   /* sorted by node, then size; unique */
	size_t n_hps;
};

void pt_want_free(struct pt_want *w);

/* Resolves the config's selectors against the host and says what each function must
 * be. Pure (ctx only receives the sentence). -ENODEV when a selector matches nothing,
 * -EINVAL for a config the host cannot take (VF settings on a PF without a network
 * interface, more VFs than sriov_totalvfs, a PF that is not SR-IOV capable); the
 * sentence, in ctx, starts "line N: " (the caller knows the file). */
int pt_want_from_config(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_hostcfg *cfg,
			struct pt_want *out);

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
	PT_ACT_SET_VF_QUERY_RSS,  /* rtnetlink on the PF (IFLA_VF_RSS_QUERY_EN) */
	PT_ACT_SET_HUGEPAGES,     /* nodeN/hugepages/hugepages-SIZEkB/nr_hugepages, read back;
				   * retried after compaction when the kernel grants fewer */
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
	int node;                   /* set_hugepages: the NUMA node (device is "nodeN") */
	long size_kb;               /* set_hugepages: the page size */
	long pages;                 /* set_hugepages: nr_hugepages wanted */
};

struct pt_plan {
	struct pt_action *actions;
	size_t n;
};

void pt_plan_free(struct pt_plan *p);

/* The diff of the host (plus VF settings as reported: links may be NULL/0 when no PF in
 * want has VF settings) against want, in the order above. Pure (ctx only receives the
 * sentence). An empty plan means converged. -ENOMEM, or -ENODEV when a function of want
 * is not on the host any more, with the sentence in ctx. */
int pt_plan_build(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_link_vfs *links,
		  size_t n_links, const struct pt_want *want, struct pt_plan *out);

/* The prior state of everything plan touches, as a want that converges back to it. */
int pt_want_snapshot(const struct pt_host *h, const struct pt_link_vfs *links, size_t n_links,
		     const struct pt_plan *plan, struct pt_want *out);

/* The PF netdevs whose VF settings the planner needs (PFs in want with VF settings, or
 * whose VFs get re-created), so the caller asks rtnetlink only for those. */
size_t pt_want_netdevs(const struct pt_host *h, const struct pt_want *want, const char **out,
		       size_t max);

#ifdef __cplusplus
}
#endif
#endif
