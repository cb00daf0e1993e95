/* SPDX-License-Identifier: MIT */
/*
 * The well-known kernel and state paths the library builds on, each spelled once.
 * They are absolute as the host sees them; every use goes through the sysroot seam
 * (pt_path, pt_read_attr, pt_write_attr ...), never to open() directly.
 */
#ifndef PT_SYSFS_PATHS_H
#define PT_SYSFS_PATHS_H

#define PT_SYSFS_PCI "/sys/bus/pci"
#define PT_SYSFS_PCI_DEVICES PT_SYSFS_PCI "/devices"
#define PT_SYSFS_PCI_DRIVERS PT_SYSFS_PCI "/drivers"
#define PT_SYSFS_PCI_DRIVERS_PROBE PT_SYSFS_PCI "/drivers_probe"

/* The state directory (apply journal and lock, state.db) when none is given. */
#define PT_STATE_DIR_DEFAULT "/var/lib/passthru"

#endif
