// SPDX-License-Identifier: MIT
/* Fuzzes the libvirt domain XML parser (libxml2 underneath, network and entities off). */
#include "passthru/vm.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pt_libvirt_domain d;
	static struct pt_ctx *ctx; /* the sentences are formatted too */

	if (!ctx && pt_ctx_new(&ctx, NULL) < 0)
		return 0;
	pt_libvirt_parse(ctx, (const char *)data, size, &d);
	return 0;
}
