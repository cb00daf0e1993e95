// SPDX-License-Identifier: MIT
/* Fuzzes the VM view's parsers with one input: a QEMU command line (NUL-separated, as
 * /proc/PID/cmdline), one option string (key=value and JSON), numa_maps, status,
 * limits, the vfio lines of /proc/interrupts, hugetlbfs mounts in /proc/mounts; and what `assign` asks of the VM
 * manager: QEMU's -object help and virsh --version (the input itself, not
 * NUL-terminated: the readers take a length). */
#include "passthru/assign.h"
#include "passthru/vm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pt_qemu_cmdline q;
	char *s = malloc(size + 1);
	struct pt_qopts o;
	struct pt_numa_maps m;
	struct pt_proc_status st;
	struct pt_vfio_irq irqs[4];
	int major, minor;

	pt_qemu_help_lists((const char *)data, size, "iommufd");
	pt_libvirt_version_parse((const char *)data, size, &major, &minor);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	pt_qemu_cmdline_parse(s, size, &q);
	pt_qemu_guest_ram(&q);
	pt_qopts_parse(s, "driver", &o);
	pt_parse_size(s, true);
	pt_numa_maps_parse(s, size, &m);
	pt_proc_status_parse(s, size, &st);
	pt_proc_limits_memlock(s, size);
	pt_vfio_irqs_parse(s, size, irqs, 4);
	{
		char path[64];

		if (pt_hugetlbfs_find(s, size, 2048, 2048, path, sizeof(path)) == 1 &&
		    (strchr(path, ',') || strchr(path, ' ') || strlen(path) >= sizeof(path)))
			abort(); /* never a path QEMU would split */
		pt_hugetlbfs_find(s, size, 1048576, 2048, path, 4);
	}
	free(s);
	return 0;
}
