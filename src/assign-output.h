/* SPDX-License-Identifier: MIT */
/* What `passthru assign` and `release` print: libvirt XML, QEMU arguments, JSON
 * (src/assign-output.c). */
#ifndef PT_ASSIGN_OUTPUT_H
#define PT_ASSIGN_OUTPUT_H

#include "passthru/assign.h"
#include "passthru/state.h"

#include <stdbool.h>
#include <stdio.h>

struct assign_view {
	const char *vm, *pool;
	const struct pt_assign_result *res;
	const char *cpus;        /* the CPUs to pin to (--cpus, or the node's), NULL unknown */
	int memory_node;         /* -1 unknown */
	bool failover;           /* pair each NIC VF with a virtio interface (teaming) */
	const char *failover_network; /* the libvirt network of the virtio half */
	bool dry_run;
	const struct pt_vfio_choice *vfio; /* the VFIO path (lib: pt_vfio_backend_choose) */
	const char *vf_token;    /* --vf-token, NULL none */
	/* the VM's memory (--vm-memory, --hugepages): 0 not given */
	long long vm_memory;     /* bytes */
	long hugepage_kb;        /* 0: not on huge pages */
	const char *mem_path;    /* the hugetlbfs mount (pt_vm_hugepage_path) */
	bool mem_path_mounted;
	const char *mem_path_why;
};

/* Writes s with XML's five special characters escaped (attribute values, text). */
void xml_escape(FILE *f, const char *s);

void assign_print_libvirt(FILE *f, const struct assign_view *v);
void assign_print_qemu(FILE *f, const struct assign_view *v);
void assign_print_json(FILE *f, const struct assign_view *v);
/* A refusal with its blockers (res->refused): { vm, pool, error, refused: [...] }. */
void assign_print_refusal_json(FILE *f, const char *vm, const char *pool, const char *error,
			       const struct pt_assign_result *res);
/* The pre-launch check (--vm-memory): {"verdict", "checks": [...]}, or null. */
struct json;
void assign_launch_json(struct json *j, const struct pt_assign_result *r);

/* What release (and gc) did with each lease: a table, or the JSON document. */
const char *release_policy_word(int policy); /* "restored", "not-needed", ... */
void print_released(FILE *f, bool json, const char *vm, const struct pt_released *r, size_t n,
		    bool dry_run);
/* The active leases and the pools (passthru leases, passthru pools). */
void print_leases(FILE *f, bool json, const char *vm, const struct pt_lease *l, size_t n);
void print_pools(FILE *f, bool json, const struct pt_pool_usage *u, size_t n);

#endif
