/* SPDX-License-Identifier: MIT */
/*
 * The judgements several commands share, each computed once, here: is DMA remapping
 * on, is a device assignable (and if not, why and what to do), which NUMA node a
 * device is local to, and how it can be reset. `show`, `check`, `doctor`, `pools`,
 * `assign` and `apply` report these results in their own words; none of them judges
 * the same fact another way. Pure over the scanned host (and the kernel log, the
 * protected functions): no I/O.
 *
 * Two facts about IOMMU groups are kept apart by name (docs/checks.md):
 *  - viable (vfio's word, pt_group_viable): with the bindings as they are NOW, vfio
 *    accepts the group: every endpoint in it is on vfio-pci (or a variant), pci-stub
 *    or no driver. A device alone in its group and bound to nvme is not viable now.
 *  - assignable (pt_judge_assignable): the device can be handed to a VM by binding it
 *    (and the functions given with it) to vfio-pci: DMA remapping is on, it is an
 *    endpoint with an IOMMU group, no OTHER endpoint of its group stays on a host
 *    driver, and the host does not need it (default route, mounted disks).
 */
#ifndef PASSTHRU_JUDGE_H
#define PASSTHRU_JUDGE_H

#include "passthru/klog.h"
#include "passthru/passthru.h"
#include "passthru/safety.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- DMA remapping -------------------------------------------------------------- */

/* IOMMU groups exist only when an IOMMU driver translates DMA for the devices in
 * them, so groups are the proof. Without groups: registered IOMMU units prove it off
 * (units but no translation); with neither, the kernel log decides between "off" and
 * "unknown" (the log says on: the tree is an incomplete capture). */
struct pt_dma_judgement {
	enum pt_tri on;
	char evidence[512];   /* what was seen: groups, units, the log line */
};
/* klog may be NULL (not read). */
void pt_judge_dma(const struct pt_host *h, const struct pt_klog *klog, struct pt_dma_judgement *out);

/* ---- NUMA locality ---------------------------------------------------------------- */

enum pt_numa_source {
	PT_NUMA_SOURCE_UNKNOWN = 0, /* nothing tells the node */
	PT_NUMA_SOURCE_DEVICE,      /* the device's own numa_node */
	PT_NUMA_SOURCE_PF,          /* a VF's PF: it shares the PF's link and root port */
};
const char *pt_numa_source_str(enum pt_numa_source s); /* "unknown", "device", "pf" */

struct pt_numa_judgement {
	int node;              /* the node to pin a VM using the device to; -1 unknown */
	char cpulist[256];     /* the CPUs local to it; "" unknown */
	enum pt_numa_source source;
	int device_node;       /* the device's own numa_node as sysfs says (-1 unknown) */
	bool disagrees;        /* a VF whose numa_node differs from its PF's */
	char note[320];        /* set when disagrees: which is trusted and why */
};
/* A VF is on its PF's node: the VF's traffic crosses the PF's link and root port, so
 * the PF's numa_node (from the root bus's ACPI _PXM) is trusted when the two differ —
 * a VF's own value comes from firmware tables that get VFs wrong. */
void pt_judge_numa(const struct pt_host *h, const struct pt_device *d, struct pt_numa_judgement *out);

/* ---- reset ------------------------------------------------------------------------- */

enum pt_reset_kind {
	PT_RESET_UNKNOWN = -1, /* not told */
	PT_RESET_NONE = 0,     /* the kernel knows no way to reset it alone */
	PT_RESET_BUS = 1,      /* only a secondary bus reset: its siblings reset too */
	PT_RESET_FUNCTION = 2, /* FLR, PM or a device-specific reset: the function alone */
};
const char *pt_reset_kind_str(enum pt_reset_kind k); /* "unknown", "none", "bus", "function" */
/* From reset_method. "" is PT_RESET_NONE when config space was readable (the kernel
 * wrote an empty list), PT_RESET_UNKNOWN when nothing could be read. */
enum pt_reset_kind pt_judge_reset(const struct pt_device *d);

/* ---- assignability ----------------------------------------------------------------- */

enum pt_cause_kind {
	PT_CAUSE_NO_DMA_REMAPPING = 1, /* no IOMMU translates DMA on this host */
	PT_CAUSE_NO_GROUP,             /* DMA remapping is on but the device has no group (VMD) */
	PT_CAUSE_GROUP_DANGLING,       /* iommu_group link to a missing group */
	PT_CAUSE_NOT_ENDPOINT,         /* a bridge or port */
	PT_CAUSE_GROUP_SHARED,         /* another endpoint of its group is on a host driver */
	PT_CAUSE_PROTECTED,            /* the host needs it (default route, mounts) */
};
const char *pt_cause_kind_str(enum pt_cause_kind k); /* "no-dma-remapping", "no-iommu-group",
						       * "iommu-group-dangling", "not-an-endpoint",
						       * "iommu-group-shared", "protected" */

struct pt_cause {
	enum pt_cause_kind kind;
	char device[PT_BDF_STRLEN]; /* the function the cause names (a group neighbour) */
	char why[256];              /* "0000:81:00.1 (snd_hda_intel) shares group 14" */
	char fix[256];              /* "assign the group, or move the card" */
};

#define PT_MAX_CAUSES 8
struct pt_assignability {
	enum pt_tri assignable;     /* PT_YES: no cause; PT_NO: see causes */
	enum pt_tri viable;         /* its group's viability now (pt_group_viable) */
	int group;                  /* -1 none */
	/* other endpoints of its group that are off host drivers: they go to the same VM */
	size_t n_shared;
	char shared[256];           /* "0000:06:00.0 (vfio-pci), ..." */
	size_t n_causes;            /* may exceed PT_MAX_CAUSES; the first ones are kept */
	struct pt_cause causes[PT_MAX_CAUSES];
};

/* Can d be handed to a VM? dma_on: pt_judge_dma's answer. prot/n_prot: what the host
 * needs (pt_safety_protected; NULL/0: nothing, or --force). with/n_with: functions the
 * same request binds to vfio too (a profile's devices, a plan's vfio bindings): they
 * do not block as group neighbours. */
void pt_judge_assignable(const struct pt_host *h, enum pt_tri dma_on, const struct pt_protected *prot,
			 size_t n_prot, const struct pt_bdf *with, size_t n_with,
			 const struct pt_device *d, struct pt_assignability *out);
/* "why: fix; why: fix" of every cause, for one-line refusals. */
char *pt_assignability_str(const struct pt_assignability *a, char *buf, size_t len);

/* ---- what the judgements read (lib/hostfacts.c) ----------------------------------- */

/* What a command that does not gather every fact (show, pools, assign, apply) reads for
 * these judgements: DMA remapping (the kernel log is read only when the tree alone
 * cannot tell) and the functions the host needs. */
struct pt_judge_inputs {
	struct pt_dma_judgement dma;
	struct pt_protected *prot;
	size_t n_prot;
};
struct pt_ctx;
/* kernel_log: a file instead of the sysroot's /dev/kmsg, or NULL. 0 or -errno (ctx). */
int pt_judge_inputs_read(struct pt_ctx *ctx, const struct pt_host *h, const char *kernel_log,
			 struct pt_judge_inputs *out);
void pt_judge_inputs_free(struct pt_judge_inputs *in);

#ifdef __cplusplus
}
#endif
#endif
