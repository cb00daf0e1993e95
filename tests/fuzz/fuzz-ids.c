// SPDX-License-Identifier: MIT
/* Fuzzes the pci.ids reader (lib/pci-ids.c): any bytes index, and every lookup of an ID
 * the input names, or does not, returns a NUL-terminated name or -ENOENT. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int r, const char *out, size_t len)
{
	if (r != 0 && r != -ENOENT)
		abort();
	if (r == 0 && strnlen(out, len) >= len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes: a read past the end is ASan's to see */
	char *buf = malloc(size ? size : 1), out[64];
	struct pt_ids ids;
	unsigned ids_tried[] = { 0x0000, 0x1234, 0x8086, 0xabcd, 0xffff, 0x10000 };

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (pt_ids_index(&ids, buf, size) == 0) {
		for (size_t i = 0; i < sizeof(ids_tried) / sizeof(ids_tried[0]); i++) {
			unsigned v = ids_tried[i];

			check(pt_ids_vendor(&ids, v, out, sizeof(out)), out, sizeof(out));
			check(pt_ids_device(&ids, v, 0x0001, out, sizeof(out)), out, sizeof(out));
			check(pt_ids_class(&ids, v & 0xffff, out, sizeof(out)), out, sizeof(out));
		}
		for (size_t k = 0; k < ids.n_vendors && k < 8; k++) {
			check(pt_ids_vendor(&ids, ids.vendors[k].id, out, sizeof(out)), out, sizeof(out));
			check(pt_ids_device(&ids, ids.vendors[k].id, 0x1234, out, 8), out, 8);
		}
		for (unsigned c = 0; c < 256; c++)
			if (ids.cls[c])
				check(pt_ids_class(&ids, c << 8 | 0x80, out, 16), out, 16);
		pt_ids_free(&ids);
	}
	free(buf);
	return 0;
}
