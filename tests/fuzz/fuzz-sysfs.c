// SPDX-License-Identifier: MIT
/* Fuzzes the sysfs value parsers, the config-space decoder, and the /proc/cpuinfo,
 * modules.dep and modules.alias scanners with one input. */
#include "passthru/oneshot.h"
#include "passthru/parse.h"
#include "passthru/passthru.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[64];
	struct pt_config c;
	struct pt_bdf b;
	uint64_t mask[4];
	long v;
	int irq_r, irq_d;
	uint8_t mac[6];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	pt_parse_long(s, &v);
	pt_parse_hex(s, &v);
	pt_parse_link_speed(s);
	pt_parse_link_width(s);
	pt_parse_cpulist(s, mask, 256);
	pt_parse_aer_total(s, size);
	pt_parse_trailing_int(s);
	pt_parse_interrupts(s, size, &irq_r, &irq_d);
	if (pt_parse_mac(s, mac) == 0) {
		char back[18];

		/* a parsed MAC formats back to the input, up to case */
		if (strcasecmp(pt_format_mac(mac, back, sizeof(back)), s) != 0)
			abort();
	}
	pt_bdf_parse(s, &b);
	pt_cmdline_get(s, "iommu", buf, sizeof(buf));
	pt_cmdline_get(s, "intel_iommu", buf, 1);
	pt_config_parse(data, size > 4096 ? 4096 : size, &c);
	pt_parse_cpu_virt(s, size);
	pt_modules_list_has(s, size, "vfio_pci");
	pt_modalias_match(s, size, "pci:v00008086d000010C9sv00008086sd0000A03Cbc02sc00i00", buf,
			  sizeof(buf));
	free(s);
	return 0;
}
