// SPDX-License-Identifier: MIT
/*
 * Pure predicates over what a PCI function is: its class code (network, storage,
 * display, bridge) and whether its driver is vfio's. No I/O, no host needed.
 */
#include "internal.h"

bool pt_driver_is_vfio(const char *drv)
{
	size_t n = strlen(drv);

	/* vfio-pci and its variant drivers (mlx5_vfio_pci, hisi_acc_vfio_pci ...) */
	return strcmp(drv, "vfio-pci") == 0 ||
	       (n >= 8 && strcmp(drv + n - 8, "vfio_pci") == 0) ||
	       (n >= 8 && strcmp(drv + n - 8, "vfio-pci") == 0);
}

bool pt_driver_vfio_compatible(const char *drv)
{
	return !drv[0] || pt_driver_is_vfio(drv) || strcmp(drv, "pci-stub") == 0;
}

bool pt_device_is_endpoint(const struct pt_device *d)
{
	if (d->config.header_type >= 0)
		return d->config.header_type == 0;
	return !pt_class_is_bridge(d->class_code);
}

bool pt_class_is_net(int c)
{
	return c >= 0 && (c >> 16) == 0x02;
}

bool pt_class_is_storage(int c)
{
	return c >= 0 && (c >> 16) == 0x01;
}

bool pt_class_is_display(int c)
{
	return c >= 0 && ((c >> 16) == 0x03 || (c >> 8) == 0x1200); /* VGA/3D, processing accelerators */
}

bool pt_class_is_bridge(int c)
{
	return c >= 0 && (c >> 16) == 0x06;
}
