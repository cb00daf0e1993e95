/* SPDX-License-Identifier: MIT */
/*
 * passthru plan choose: virtio, an SR-IOV VF, a VF with a virtio failover pair, or the
 * whole device? The checklist every guide gives, against this host's facts.
 *
 *  - gather (pt_advise_gather): remapping as the gate judged it (its results
 *    iommu.dma-remapping and iommu.interrupt-remapping: pass = yes, fail = no, else
 *    unknown), the SR-IOV capable PFs of the model, and for --device its kind and
 *    whether its IOMMU group holds other endpoints;
 *  - judge (pt_advise, pure): which options this host blocks, then the need decides:
 *    live migration -> a VF with a virtio failover pair when VFs are possible and full
 *    device features are not needed, else virtio; full device features -> passthrough;
 *    sharing among guests -> an SR-IOV VF; nothing asked -> virtio. Multi-tenant
 *    passthrough and VFs need interrupt remapping as well as DMA remapping. A choice
 *    the host blocks falls back to virtio, which nothing blocks, saying why;
 *  - print: the CLI (src/cmd-plan.c).
 */
#ifndef PASSTHRU_ADVISE_H
#define PASSTHRU_ADVISE_H

#include "passthru/check.h"
#include "passthru/passthru.h"

#ifdef __cplusplus
extern "C" {
#endif

enum pt_tenancy { PT_TENANCY_UNSET = 0, PT_TENANCY_SINGLE, PT_TENANCY_MULTI };

struct pt_advise_needs {
	bool sharing;             /* one device shared among many guests */
	bool migration;           /* live migration */
	bool device_features;     /* the device's full features (GPU, HBA, vendor tools) */
	enum pt_tenancy tenancy;
};

struct pt_advise_facts {
	int dma_remapping;        /* PT_YES / PT_NO / PT_UNKNOWN */
	int interrupt_remapping;
	int sriov_pfs;            /* PFs with sriov_totalvfs > 0 */
	bool have_device;
	char device[PT_BDF_STRLEN];
	bool device_found;
	int device_kind;          /* enum pt_dev_kind */
	int device_total_vfs;     /* PF: sriov_totalvfs; -1 unknown */
	int group_others;         /* other endpoints in its IOMMU group; -1 no group */
};

enum pt_model { PT_MODEL_VIRTIO, PT_MODEL_VF, PT_MODEL_VF_FAILOVER, PT_MODEL_PASSTHROUGH };
#define PT_MODEL_COUNT 4
const char *pt_model_str(enum pt_model m); /* "virtio" "sriov-vf" "vf-with-virtio-failover" "passthrough" */

#define PT_ADVISE_MAX 8
struct pt_advice {
	enum pt_model model;      /* the recommendation */
	enum pt_model wanted;     /* what the needs asked for, before the host's blockers */
	char reasons[PT_ADVISE_MAX][256];
	size_t n_reasons;
	char steps[PT_ADVISE_MAX][256];
	size_t n_steps;
	struct pt_advise_option {
		int possible;     /* PT_YES, PT_NO (blocked), PT_UNKNOWN */
		char blockers[PT_ADVISE_MAX][256];
		size_t n_blockers;
	} options[PT_MODEL_COUNT];
};

/* The facts, from the scanned host and the gate's report (pt_check_run). dev may be
 * NULL. Reads only. */
void pt_advise_gather(const struct pt_host *h, const struct pt_report *rep, const char *dev,
		      struct pt_advise_facts *f);
/* The pure judgement; always 0. */
int pt_advise(const struct pt_advise_needs *n, const struct pt_advise_facts *f,
	      struct pt_advice *out);

#ifdef __cplusplus
}
#endif
#endif
