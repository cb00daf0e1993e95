/* SPDX-License-Identifier: MIT */
/*
 * The host as a tree for pictures (`passthru topo`): root complexes with their NUMA
 * node, bridges with their ACS state, endpoints with their VFs (long VF runs collapsed
 * into one range node), each function's worst result from the gate's own judgement
 * (pt_check_run's report, passed in: the picture marks what check says, no more).
 * Pure over the scanned host and the report; the printers live in the CLI.
 */
#ifndef PASSTHRU_TOPO_H
#define PASSTHRU_TOPO_H

#include "passthru/check.h"
#include "passthru/passthru.h"

struct pt_topo_node {
	int parent;                 /* node index; -1 for a root complex */
	int first_child, next_sibling; /* -1 none */
	int depth;
	char root[32];              /* root complexes: "pci0000:00" */
	int root_numa;              /* root complexes: the node of their functions; -1 */
	const struct pt_device *dev;/* NULL for a root complex and for a VF range */
	/* a VF range: VFs first..last of dev_pf (indexes into its vfs), collapsed */
	const struct pt_device *range_pf;
	size_t range_first, range_last;
	enum pt_result worst;       /* worst check result naming it; PT_PASS when none */
	size_t n_problems;          /* warn + fail results naming it (or its range) */
};

struct pt_topo {
	struct pt_topo_node *nodes;
	size_t n;
	size_t n_functions;         /* functions the tree holds, collapsed ones included */
};

/* Builds the tree. VF runs longer than collapse_over (0 = never) keep their first and
 * last VF as nodes and fold the rest into one range node. rep may be NULL. */
int pt_topo_build(const struct pt_host *h, const struct pt_report *rep, size_t collapse_over,
		  struct pt_topo *out);
void pt_topo_free(struct pt_topo *t);

/* The results of rep naming device bdf (its "device" field starts with it). */
bool pt_result_names(const struct pt_check_result *r, const char *bdf);

#endif
