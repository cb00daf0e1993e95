// SPDX-License-Identifier: MIT
/* Fuzzes the tar reader's parsers (lib/tar.h): the input is read as an archive, block
 * by block: each block through the header parser, each header's data through the pax
 * parser, each name through the name cleaner and each link target through the
 * inside-the-tree check. */
#include "tar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[PT_TAR_NAME_MAX], link[PT_TAR_NAME_MAX], clean[PT_TAR_NAME_MAX];
	struct pt_tar_header h;
	size_t off = 0;
	int depth;

	while (off + PT_TAR_BLOCK <= size) {
		int r = pt_tar_header_parse(data + off, &h);
		size_t len;

		off += PT_TAR_BLOCK;
		if (r != 0)
			break;
		len = h.size < size - off ? (size_t)h.size : size - off;
		pt_tar_pax_parse((const char *)data + off, len, path, sizeof(path), link,
				 sizeof(link));
		if (pt_tar_name_clean(h.name, clean, sizeof(clean), &depth) == 0)
			pt_tar_link_inside(h.linkname, depth);
		if (pt_tar_name_clean(path, clean, 8, &depth) == 0)
			pt_tar_link_inside(link, depth);
		off += (len + PT_TAR_BLOCK - 1) & ~(size_t)(PT_TAR_BLOCK - 1);
		if (off > size)
			break;
	}
	/* the pure string functions on the raw input too */
	if (size < sizeof(path)) {
		memcpy(path, data, size);
		path[size] = '\0';
		pt_tar_pax_parse(path, size, link, sizeof(link), clean, 16);
		if (pt_tar_name_clean(path, clean, sizeof(clean), &depth) == 0)
			pt_tar_link_inside(path, depth);
	}
	return 0;
}
