/* SPDX-License-Identifier: MIT */
/*
 * The device allocator: which free devices of a pool a VM gets. A pure function of
 * its inputs (no I/O, no clock, no randomness), so the same state always yields the
 * same choice and every rule can be tested on synthetic candidates.
 *
 * Rules, in order:
 *  - a device is usable when it is not leased, not quarantined, not "unavailable"
 *    (listed only because it shares an IOMMU group), has an IOMMU group (vfio needs
 *    one) that can be handed to a VM (group_viable), and no other member of its
 *    group is leased to a different VM (a group belongs to one VM at a time);
 *  - a request for NUMA node N takes usable devices on N first, lowest BDF first;
 *    a device whose node is unknown (-1) is never local to N;
 *  - when N has fewer than count usable devices the request fails with -ENOSPC,
 *    unless allow_remote: then the rest comes from other nodes and the result says
 *    how many are remote (the cost);
 *  - a request for any node (-1) is placed on one node when one suffices: the node
 *    with the most usable devices (known nodes before unknown, then the lowest id),
 *    lowest BDF first; when no node suffices alone it spills over nodes in the same
 *    order. Spreading this way keeps load balanced across nodes.
 *  - units: candidates marked whole_group that share an IOMMU group are one unit (a
 *    GPU and its HDMI audio function): handed out together or not at all, usable only
 *    when every one of them is; count and every number in the result but n_picked
 *    count units. A candidate not marked is a unit of its own;
 *  - with spread, units are taken round-robin over spread_key (a VF's PF): the first
 *    unit of each key in address order, then the second of each ..., still node by
 *    node as above.
 */
#ifndef PASSTHRU_ALLOCATE_H
#define PASSTHRU_ALLOCATE_H

#include "passthru/passthru.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pt_alloc_candidate {
	struct pt_bdf bdf;
	int numa_node;        /* -1 unknown */
	int iommu_group;      /* -1 none: never usable */
	bool group_viable;    /* the caller's judgement: the group can go to a VM now */
	bool leased;
	bool quarantined;
	bool unavailable;     /* only listed because it shares a group (other pool, removed) */
	const char *lease_vm; /* the holder when leased; NULL = unknown (conflicts with all) */
	bool whole_group;     /* allocated with every whole_group candidate of its group */
	int spread_key;       /* what spread spreads over (e.g. the PF's index); 0 = all one */
};

struct pt_alloc_request {
	size_t count;         /* >= 1 */
	int numa_node;        /* -1 any */
	bool allow_remote;
	const char *vm;       /* the requester: may share groups with its own leases; NULL = none */
	bool spread;          /* round-robin over spread_key */
};

struct pt_alloc_result {
	size_t n_picked;      /* functions picked (count units' worth), 0 on failure */
	size_t n_units;       /* == count on success */
	size_t n_local;       /* functions picked on the requested node (all when node is -1) */
	size_t n_remote;      /* functions picked elsewhere: the cost of allow_remote */
	size_t avail_local;   /* usable units on the requested node (all nodes when -1) */
	size_t avail_total;   /* usable units on every node */
	int node;             /* node of the picks when they are all on one node, else -1 */
};

/* Is candidate i usable for a request by vm (see the rules above)? */
bool pt_alloc_usable(const struct pt_alloc_candidate *cands, size_t n, size_t i, const char *vm);

/* Chooses req->count units: the indices into cands of their functions go to picks
 * (room for n), unit after unit in allocation order. res is filled on success and on -ENOSPC.
 * Returns 0, -EINVAL (count 0), -ENOSPC (not enough usable devices under the rules),
 * -ENOMEM. */
int pt_allocate(const struct pt_alloc_candidate *cands, size_t n,
		const struct pt_alloc_request *req, size_t *picks, struct pt_alloc_result *res);

#ifdef __cplusplus
}
#endif
#endif
