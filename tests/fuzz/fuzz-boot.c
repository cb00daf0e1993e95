// SPDX-License-Identifier: MIT
/*
 * Fuzzes what passthru boot reads of a host with one input: the kernel config
 * (pt_kconfig_get), a BLS entry (pt_bls_field), kernelstub's JSON configuration
 * (pt_kernelstub_options), an lsinitramfs listing (pt_initramfs_has), an lsinitrd
 * listing rewritten to paths (pt_lsinitrd_paths: never longer, one line per path), and the kernel
 * log's bind order of one function (pt_klog_binds).
 */
#include "passthru/boot.h"
#include "passthru/klog.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	char out[512], tiny[4];
	struct pt_klog_binds kb;

	pt_kconfig_get(b, size, "VFIO_PCI", out, sizeof(out));
	pt_kconfig_get(b, size, "VFIO_PCI", tiny, sizeof(tiny));
	pt_bls_field(b, size, "options", out, sizeof(out));
	pt_bls_field(b, size, "version", tiny, sizeof(tiny));
	pt_kernelstub_options(b, size, out, sizeof(out));
	pt_kernelstub_options(b, size, tiny, sizeof(tiny));
	pt_initramfs_has(b, size, "vfio-pci");
	pt_initramfs_has(b, size, "etc/modprobe.d/passthru-vfio.conf");
	{
		char *c = malloc(size ? size : 1);
		size_t n;

		if (c) {
			memcpy(c, data, size);
			n = pt_lsinitrd_paths(c, size);
			if (n > size || (n && c[n - 1] != '\n'))
				abort();
			pt_initramfs_has(c, n, "vfio-pci");
			free(c);
		}
	}
	pt_klog_binds(b, size, "0000:00:06.0", &kb);
	if (kb.first_host[0] && !kb.host_driver[0])
		abort(); /* a host line always names its driver */
	return 0;
}
