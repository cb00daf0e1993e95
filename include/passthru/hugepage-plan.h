/* SPDX-License-Identifier: MIT */
/*
 * passthru plan hugepages: how to spend the large pages of each NUMA node.
 *
 *  - parse (pt_hp_demand_parse, pure, fuzzed): the demand file, YAML
 *        vms:
 *          - name: db1
 *            memory: 16G          # bytes, or K/M/G/T (binary units, "GiB" too)
 *            node: 0              # or device: 0000:41:00.0 (its NUMA node)
 *            bandwidth: 100       # Gbit/s the VM's devices move
 *  - resolve (pt_hp_resolve): a device's node from the scanned host;
 *  - judge (pt_hp_plan, pure): greedy by bandwidth, highest first (ties keep the
 *    file's order). A VM gets 1 GiB pages when its whole memory fits in its node's
 *    free 1 GiB pages, else 2 MiB pages when it fits in the free 2 MiB pages, else
 *    4 KiB pages: never a mix of sizes. A VM whose node is unknown gets the backing
 *    "unknown" with the reason. IOTLB entries are memory / page size (rounded up), and
 *    the saving is what 4 KiB pages would need minus that;
 *  - print: the CLI (src/cmd-plan.c).
 * The budget is the pages free now (free_hugepages per node and size); a size whose
 * free count the host did not tell is not spent.
 */
#ifndef PASSTHRU_HUGEPAGE_PLAN_H
#define PASSTHRU_HUGEPAGE_PLAN_H

#include "passthru/passthru.h"
#include "passthru/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PT_HP_MAX_VMS 1024

struct pt_hp_vm {
	char name[64];
	uint64_t memory;          /* bytes, > 0 */
	int node;                 /* -1 not given (or, after resolve, unknown) */
	char device[64];          /* "" not given */
	double bandwidth;         /* Gbit/s, >= 0; 0 when not given */
	int line;                 /* where the VM starts in the file */
	char node_why[128];       /* after resolve: why the node is unknown, "" known */
};

struct pt_hp_demand {
	struct pt_hp_vm *vms;
	size_t n;
};

/* Parses the demand file. 0, or -EINVAL with err naming filename:line:col; -ENOMEM. */
int pt_hp_demand_parse(const char *buf, size_t len, const char *filename,
		       struct pt_hp_demand *out, struct pt_cfg_error *err);
/* Reads and parses the file at path (not through the sysroot: it is the user's). */
int pt_hp_demand_load(const char *path, struct pt_hp_demand *out, struct pt_cfg_error *err);
void pt_hp_demand_free(struct pt_hp_demand *d);

/* Sets the node of every VM given by device from the host (the device's numa_node as
 * the kernel reports it); a device not on the host or on no known node leaves node -1
 * and says why in node_why. */
void pt_hp_resolve(const struct pt_host *host, struct pt_hp_demand *d);

enum pt_hp_backing { PT_HP_UNKNOWN, PT_HP_4K, PT_HP_2M, PT_HP_1G };
const char *pt_hp_backing_str(enum pt_hp_backing b); /* "unknown" "4K" "2M" "1G" */

struct pt_hp_assignment {
	size_t vm;                /* index into the demand */
	int node;                 /* -1 unknown */
	enum pt_hp_backing backing;
	uint64_t pages;           /* pages of that size taken (4K: memory / 4 KiB) */
	uint64_t iotlb;           /* IOTLB entries with this backing; 0 unknown */
	uint64_t iotlb_4k;        /* with 4 KiB pages */
	uint64_t saved;           /* iotlb_4k - iotlb */
	char reason[256];
};

struct pt_hp_node_use {
	int id;
	long free_1g, free_2m;    /* the budget; -1 unknown */
	long used_1g, used_2m;
	long left_1g, left_2m;    /* -1 unknown */
};

struct pt_hp_plan {
	struct pt_hp_assignment *vms; /* in the order given: bandwidth, highest first */
	size_t n;
	struct pt_hp_node_use *nodes; /* the host's nodes, in its order */
	size_t n_nodes;
	uint64_t saved;           /* over all VMs */
};

/* The pure judgement. 0, or -ENOMEM. */
int pt_hp_plan(const struct pt_hp_demand *d, const struct pt_numa_node *nodes, size_t n_nodes,
	       struct pt_hp_plan *out);
void pt_hp_plan_free(struct pt_hp_plan *p);

/* The per-node reservation the plan implies, as the host configuration's hugepages:
 * section (`plan hugepages --emit-config`, performed by `apply`): for every node and
 * size the plan spends pages of, nr_hugepages = the pages in use now (nr_hugepages -
 * free_hugepages) + the pages the plan gives its VMs. Free pages nobody in the demand
 * takes are given back to the kernel by it. Pure; appends to cfg->hugepages. 0 or -ENOMEM. */
int pt_hp_plan_reservation(const struct pt_hp_plan *p, const struct pt_numa_node *nodes,
			   size_t n_nodes, struct pt_hostcfg *cfg);

#ifdef __cplusplus
}
#endif
#endif
