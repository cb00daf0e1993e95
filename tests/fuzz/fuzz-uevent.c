// SPDX-License-Identifier: MIT
/* Fuzzes what lib/pci.c reads instead of single attribute files: a PCI function's
 * uevent (pt_parse_uevent) and the link and SR-IOV facts of its config space
 * (pt_config_link, pt_config_sriov), with their invariants checked. */
#include "internal.h"
#include "passthru/parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_link(const struct pt_link *l)
{
	/* exactly what the attribute parsers could give: a known speed, 1..32 lanes */
	if ((l->max_width != -1 && (l->max_width < 1 || l->max_width > 32)) ||
	    (l->width != -1 && (l->width < 1 || l->width > 32)))
		abort();
	if ((l->speed_mts != -1 && (l->speed_mts < 2500 || l->speed_mts > 64000)) ||
	    (l->max_speed_mts != -1 && (l->max_speed_mts < 2500 || l->max_speed_mts > 64000)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_config_sriov sr;
	struct pt_uevent u;
	struct pt_link l;
	uint8_t *cfg;

	if (pt_parse_uevent((const char *)data, size, &u) == 0) {
		if (u.vendor_id > 0xffff || u.device_id > 0xffff || u.subsys_vendor_id > 0xffff ||
		    u.subsys_device_id > 0xffff || u.class_code > 0xffffff ||
		    (u.vendor_id < 0) != (u.device_id < 0) ||
		    (u.subsys_vendor_id < 0) != (u.subsys_device_id < 0))
			abort();
		if (u.has_driver && (!u.driver[0] || strchr(u.driver, '/') ||
				     strlen(u.driver) >= sizeof(u.driver)))
			abort();
		if (strlen(u.slot) >= sizeof(u.slot))
			abort();
	}
	/* the same bytes as config space: as much as was read, the rest zero */
	cfg = calloc(1, 4096);
	if (!cfg)
		return 0;
	memcpy(cfg, data, size > 4096 ? 4096 : size);
	if (pt_config_link(cfg, size > 4096 ? 4096 : size, &l) == 0)
		check_link(&l);
	for (unsigned at = 0x100; at < 0x1000; at += 0x40)
		if (pt_config_sriov(cfg, size >= 4096 ? 4096 : size, at, &sr) == 0 &&
		    (sr.total > 0xffff || sr.num < 0 || sr.offset < 0 || sr.stride < 0))
			abort();
	free(cfg);
	return 0;
}
