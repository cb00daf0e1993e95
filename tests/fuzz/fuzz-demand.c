// SPDX-License-Identifier: MIT
/* Fuzzes the demand file of `passthru plan hugepages` (lib/hugepage-plan.c): any bytes
 * must give 0 or -EINVAL with a message, never a crash or a leak; a file that parses is
 * planned against two small nodes, and every VM gets exactly one answer. */
#include "passthru/hugepage-plan.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_numa_node nodes[2];
	struct pt_hp_demand d;
	struct pt_hp_plan p;
	struct pt_cfg_error e;
	int r;

	if (size > 1 << 16)
		return 0;
	r = pt_hp_demand_parse((const char *)data, size, "fuzz.yaml", &d, &e);
	if (r != 0 && (r != -EINVAL || !e.msg[0]))
		abort();
	if (r == 0) {
		memset(nodes, 0, sizeof(nodes));
		for (int i = 0; i < 2; i++) {
			nodes[i].id = i;
			nodes[i].n_hugepages = 2;
			nodes[i].hugepages[0] = (struct pt_hugepages){ 2048, 512, 512 };
			nodes[i].hugepages[1] = (struct pt_hugepages){ 1048576, 4, i ? -1 : 4 };
		}
		if (d.n == 0 || pt_hp_plan(&d, nodes, 2, &p) != 0 || p.n != d.n)
			abort();
		for (size_t i = 0; i < p.n; i++)
			if (p.vms[i].vm >= d.n || p.vms[i].iotlb > p.vms[i].iotlb_4k)
				abort();
		pt_hp_plan_free(&p);
	}
	pt_hp_demand_free(&d);
	return 0;
}
