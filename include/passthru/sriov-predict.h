/* SPDX-License-Identifier: MIT */
/*
 * Will `echo COUNT > sriov_numvfs` succeed? The prediction, as the kernel decides it.
 *
 * Three steps, as elsewhere in the library:
 *  - gather (pt_sriov_gather): the PF's SR-IOV attributes and capability, its IOV
 *    resources (sysfs `resource` lines 7-12), the upstream bridge's windows and bus
 *    range, the resources of everything else below that bridge, ARI forwarding;
 *  - judge (pt_sriov_predict): a pure function of those facts and COUNT, following
 *    the checks of the kernel's sriov_numvfs_store() and sriov_enable() in order;
 *  - print: the CLI (src/cmd-plan.c).
 * The first limit hit is the answer, with its numbers and what to do. A fact the host
 * did not tell makes the answer "unknown", never a guess.
 */
#ifndef PASSTHRU_SRIOV_PREDICT_H
#define PASSTHRU_SRIOV_PREDICT_H

#include "passthru/passthru.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One line of a sysfs `resource` file: "0x<start> 0x<end> 0x<flags>". */
struct pt_res {
	uint64_t start, end, flags;
};
#define PT_RES_IO 0x00000100ULL       /* IORESOURCE_IO */
#define PT_RES_MEM 0x00000200ULL      /* IORESOURCE_MEM */
#define PT_RES_PREFETCH 0x00002000ULL /* IORESOURCE_PREFETCH */
#define PT_RES_MEM64 0x00100000ULL    /* IORESOURCE_MEM_64 */
/* Indexes into a PCI device's resource file (the kernel's PCI_*_RESOURCES). */
#define PT_RES_IOV_FIRST 7  /* VF BAR 0..5 as resource7..12, each sized for TotalVFs */
#define PT_RES_BRIDGE_FIRST 13 /* a bridge's windows: 13 io, 14 mem, 15 prefetchable mem */
#define PT_RES_LINES 17

/* Parses a resource file: up to max lines into out. Returns the number of lines, or
 * -EINVAL naming nothing (the caller knows the file). Pure; fuzzed. */
int pt_parse_resource_file(const char *buf, size_t len, struct pt_res *out, size_t max);
/* Size of a resource line; 0 when the line is empty (no flags or end < start). */
uint64_t pt_res_size(const struct pt_res *r);
/* An assigned resource: sized, and placed (the kernel leaves start 0 when unset). */
bool pt_res_assigned(const struct pt_res *r);

/* The SR-IOV extended capability, decoded from config-space bytes. Pure; fuzzed. */
struct pt_sriov_cap {
	bool present;
	bool readable;              /* config space past 256 bytes could be read */
	bool vf_migration;          /* SR-IOV Capabilities bit 0 (VFM) */
	int ctrl;                   /* SR-IOV Control */
	int initial_vfs, total_vfs, num_vfs;
	int offset, stride, vf_device;
	uint32_t vf_bar[6];         /* VF BAR registers as read (address and type bits) */
};
int pt_sriov_cap_parse(const uint8_t *cfg, size_t len, struct pt_sriov_cap *out);

/* Everything the prediction looks at, gathered once. */
struct pt_sriov_facts {
	char pf[PT_BDF_STRLEN];
	struct pt_bdf pf_bdf;
	int total_vfs;              /* sriov_totalvfs (the driver may lower it); -1 not a PF */
	int num_vfs;                /* sriov_numvfs now */
	int offset, stride;         /* sriov_offset / sriov_stride (routing ID units) */
	char driver[64];            /* "" unbound */
	enum pt_tri driver_sriov;   /* the driver implements sriov_configure */
	struct pt_sriov_cap cap;
	/* the PF's IOV resources (resource7..12); iov_known false when unreadable */
	bool iov_known;
	struct pt_res iov[6];
	/* the bus the PF sits on and the bridge above it */
	bool has_bridge;
	char bridge[PT_BDF_STRLEN];
	int bridge_pcie_type;       /* 4 root port, 6 downstream port; -1 unknown */
	int bus_end;                /* last bus number routed to the PF's bus; -1 unknown */
	enum pt_tri ari_enabled;    /* ARI forwarding on the PF's bus (the PF's ari_enabled) */
	bool windows_known;
	struct pt_res win_mem, win_pref; /* the bridge's mem and prefetchable windows */
	uint64_t used_mem, used_pref;    /* held by the other resources below the bridge */
};

enum pt_sriov_limit {
	PT_SRIOV_FITS = 0,
	PT_SRIOV_LIMIT_NOT_PF,      /* no SR-IOV capability */
	PT_SRIOV_LIMIT_TOTALVFS,    /* COUNT > sriov_totalvfs: ERANGE */
	PT_SRIOV_LIMIT_NO_DRIVER,   /* no driver bound: ENOENT */
	PT_SRIOV_LIMIT_DRIVER,      /* the driver has no sriov_configure: ENOENT */
	PT_SRIOV_LIMIT_BUSY,        /* VFs already enabled: EBUSY */
	PT_SRIOV_LIMIT_INITIAL,     /* COUNT > InitialVFs without VF Migration: EINVAL */
	PT_SRIOV_LIMIT_MMIO,        /* VF BARs not placed at boot: ENOMEM */
	PT_SRIOV_LIMIT_BUS,         /* the last VF's bus past the bridge's subordinate: ENOMEM */
	PT_SRIOV_LIMIT_ARI,         /* VFs beyond device 0 without ARI forwarding */
	PT_SRIOV_LIMIT_UNKNOWN,     /* a fact needed was not readable */
};
const char *pt_sriov_limit_str(enum pt_sriov_limit l); /* "fits", "total_vfs", "mmio" ... */

struct pt_sriov_prediction {
	int count;
	enum pt_tri succeeds;       /* unknown when a needed fact was not told */
	enum pt_sriov_limit limit;
	int error;                  /* the errno the write would return (positive); 0 */
	int max_count;              /* the largest COUNT that fits now; -1 unknown */
	/* numbers, when they apply (0 / -1 otherwise) */
	uint64_t mmio_need_mem, mmio_need_pref; /* VF BAR space for TotalVFs, per window kind */
	uint64_t mmio_free_mem, mmio_free_pref; /* room left in the bridge's windows */
	int last_vf_bus;            /* bus of the last VF; -1 unknown */
	char last_vf[PT_BDF_STRLEN];/* routing ID of the last VF as a BDF; "" unknown */
	char reason[512];           /* the limit, with its numbers */
	char advice[512];           /* what to do; "" when it fits */
	char notes[512];            /* caveats that do not change the answer */
};

/* Pure: the kernel's checks in order, on f. Returns 0 (or -EINVAL for count < 0). */
int pt_sriov_predict(const struct pt_sriov_facts *f, int count, struct pt_sriov_prediction *out);

/* Gathers the facts of pf (a device of host) through the context's sysroot. */
int pt_sriov_gather(struct pt_ctx *ctx, const struct pt_host *host, const struct pt_device *pf,
		    struct pt_sriov_facts *out);

#ifdef __cplusplus
}
#endif
#endif
