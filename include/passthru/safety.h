/* SPDX-License-Identifier: MIT */
/*
 * What must not be taken away from the host: the PCI functions that carry its default
 * route, back its root filesystem or any mounted block device (or swap), and the
 * functions whose IOMMU group would not be viable for a vfio binding. `passthru
 * apply` and `passthru assign` refuse actions on them unless forced (and then say so).
 *
 * Everything is read through the sysroot: /proc/net/route, /proc/net/ipv6_route,
 * /proc/mounts, /proc/swaps, /sys/class/net/<if>/lower_* (VLANs, bonds, bridges),
 * /sys/class/block/<dev>/{partition,slaves/,dm/name} (partitions, dm, md).
 */
#ifndef PASSTHRU_SAFETY_H
#define PASSTHRU_SAFETY_H

#include "passthru/passthru.h"

#ifdef __cplusplus
extern "C" {
#endif

enum pt_protect_kind {
	PT_PROTECT_DEFAULT_ROUTE = 1, /* carries (or is the PF of the VF carrying) a default route */
	PT_PROTECT_ROOT_FS,           /* backs the filesystem mounted on / */
	PT_PROTECT_MOUNTED,           /* backs another mounted filesystem, or swap */
	PT_PROTECT_IOMMU_GROUP,       /* binding it to vfio leaves its group not viable */
};
const char *pt_protect_kind_str(enum pt_protect_kind k); /* "default-route", "root-fs" ... */

struct pt_protected {
	struct pt_bdf bdf;
	enum pt_protect_kind kind;
	char why[256];  /* "carries the IPv4 default route (eno1)", "backs / (/dev/nvme0n1p2)" */
};

/* The functions the host must keep: default route and mounts. Pure reads; 0 and a
 * malloc'd array (possibly empty), or -errno. Unreadable /proc files are not an error
 * (nothing is known to be protected by them). */
int pt_safety_protected(struct pt_ctx *ctx, const struct pt_host *h, struct pt_protected **out,
			size_t *n);

/* Is dev (or, when dev is a VF, nothing more: protection of a VF's PF is already in the
 * list) protected? Returns the first entry naming it, or NULL. */
const struct pt_protected *pt_safety_find(const struct pt_protected *list, size_t n,
					  const struct pt_bdf *bdf);

/* Whether binding a function to vfio would leave its IOMMU group non-viable is the
 * assignability judgement's (judge.h, pt_judge_assignable: cause "iommu-group-shared",
 * naming each neighbour on a host driver): one judgement of the fact, whose reasons
 * are data in its result. */

/* ---- the one gate every command that writes calls ----------------------------------- */

/* A plan's refusals. apply (the CLI and pt_apply_run), assign's and release's readying
 * and the one-shot commands all ask this one function, so a program linking the library
 * gets the same refusals as the CLI. Refused:
 *  - any action on a function the host needs (kinds "default-route", "root-fs",
 *    "mounted"), unless force;
 *  - a vfio binding that the device's assignability forbids (lib/judge.c): kind
 *    "no-iommu" when DMA remapping is off (the guest would DMA anywhere in host memory),
 *    "iommu-group" when another endpoint of its group stays on a host driver (functions
 *    the same plan binds to vfio too do not count), or it has no usable group;
 *  - a VF count the kernel would refuse (kind "sriov_limit": lib/sriov-predict.c, the
 *    prediction of `passthru plan sriov`, with its reason and advice), unless force;
 *  - any change to a function leased to a VM other than own_vm, and a VF count change
 *    that would destroy a leased VF (kind "leased"), from the leases the caller
 *    gives (pt_state_active_leases). force lifts every refusal but "leased". */
struct pt_plan;
struct pt_refusal {
	char device[PT_BDF_STRLEN];  /* the function the action is on */
	char kind[24];
	char reason[1024];
	char blocker[PT_BDF_STRLEN]; /* the function that stands in the way: another endpoint
				      * of device's IOMMU group ("iommu-group"), else device */
	bool overridable;            /* force lifts it (every kind but "leased") */
};
/* Every refusal of a plan is its own entry: a device kept by several causes, or by
 * several endpoints of its group, gets one entry per cause and blocker, so a refusal
 * names each blocker (never only the first). */
struct pt_lease;
struct pt_safety_opts {
	const struct pt_lease *leases; /* the active leases (pt_state_active_leases) */
	size_t n_leases;
	const char *own_vm;     /* leases of this VM are its own to change (assign, release) */
	bool force;
};
struct pt_safety_result {
	struct pt_refusal *refused;
	size_t n_refused;
	char warning[320];      /* what could not be judged (leases unreadable), "" none */
};
int pt_safety_check_plan(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_plan *plan,
			 const struct pt_safety_opts *o, struct pt_safety_result *out);
void pt_safety_result_free(struct pt_safety_result *r);

/* Pure parsers (fuzzed): the interfaces holding a default route in /proc/net/route and
 * /proc/net/ipv6_route text; the device of each mount in /proc/mounts text whose
 * source is under /dev, with its mount point. Each returns the count found, filling
 * out[] up to max. */
size_t pt_parse_default_routes_v4(const char *text, char (*out)[16], size_t max);
size_t pt_parse_default_routes_v6(const char *text, char (*out)[16], size_t max);
struct pt_mount_ent {
	char dev[128];    /* "/dev/nvme0n1p2", "/dev/mapper/vg-root" */
	char where[128];  /* "/" */
};
size_t pt_parse_mounts(const char *text, struct pt_mount_ent *out, size_t max);

#ifdef __cplusplus
}
#endif
#endif
