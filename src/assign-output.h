/* SPDX-License-Identifier: MIT */
/* What `passthru assign` prints: libvirt XML, QEMU arguments, JSON (src/assign-output.c). */
#ifndef PT_ASSIGN_OUTPUT_H
#define PT_ASSIGN_OUTPUT_H

#include "passthru/assign.h"

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
};

/* Writes s with XML's five special characters escaped (attribute values, text). */
void xml_escape(FILE *f, const char *s);

void assign_print_libvirt(FILE *f, const struct assign_view *v);
void assign_print_qemu(FILE *f, const struct assign_view *v);
void assign_print_json(FILE *f, const struct assign_view *v);

#endif
