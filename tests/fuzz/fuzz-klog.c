// SPDX-License-Identifier: MIT
/* Fuzzes the kernel-log scanner: any bytes, any length, never a crash or a leak. */
#include "passthru/klog.h"
#include "passthru/passthru.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_klog l;
	char *copy;

	/* exactly size bytes, not NUL-terminated: overreads show up under ASan */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (pt_klog_parse(copy, size, &l) == 0) {
		/* what the scanner promises of its result */
		if (l.dma_remapping < PT_UNKNOWN || l.dma_remapping > PT_YES ||
		    l.interrupt_remapping < PT_UNKNOWN || l.interrupt_remapping > PT_YES)
			abort();
		for (size_t i = 0; i < l.n_faults; i++)
			if (l.faults[i].count < 1 || !memchr(l.faults[i].device, '\0', sizeof(l.faults[i].device)))
				abort();
		for (size_t i = 0; i < l.n_aer; i++)
			if (l.aer[i].count < 0)
				abort();
	}
	pt_klog_free(&l);
	free(copy);
	return 0;
}
