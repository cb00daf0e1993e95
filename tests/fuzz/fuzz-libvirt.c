// SPDX-License-Identifier: MIT
/* Fuzzes the libvirt domain XML parser (libxml2 underneath, network and entities off). */
#include "passthru/vm.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pt_libvirt_domain d;
	char why[256];

	pt_libvirt_parse((const char *)data, size, &d, why, sizeof(why));
	return 0;
}
