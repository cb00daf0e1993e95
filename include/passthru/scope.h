/* SPDX-License-Identifier: MIT */
/*
 * Scoped scans: a command about a few devices reads those devices and what their
 * answers depend on, not the whole /sys/bus/pci tree (lib/scope.c).
 *
 * A scope names devices (a BDF, a netdev, a profile selector, a host configuration's
 * devices and pools). pt_host_scan_scope reads each of them and, for every function it
 * reads, the functions its answers depend on, until nothing new is named:
 *  - a VF's PF (physfn);
 *  - the bridges and ports on its upstream path to the root (ACS: why a group is big);
 *  - the members of its IOMMU group (/sys/kernel/iommu_groups/N/devices): viability;
 *  - with PT_SCOPE_VFS, a named PF's VFs (its virtfnN links); with PT_SCOPE_SIBLINGS,
 *    the functions on its bridge's secondary bus (the bridge's sysfs directory);
 *  - always, the functions carrying a default route (through VLANs, bonds, bridges):
 *    what the host needs is judged as the full scan judges it (a PF whose VF carries
 *    the route is protected).
 * The result is the same struct pt_host, with scoped set: every judge works on it
 * unchanged, and answers about the named devices are the full scan's (a test compares
 * them on every fixture). Host-wide facts (NUMA nodes, hugepages, IOMMU units and
 * groups, the command line) are read as the full scan reads them; the netdevs and
 * disks of the functions read are found below those functions' own directories (not
 * by listing /sys/class/net and /sys/class/block), so what a scoped scan reads does not
 * grow with the host (tests/cli/scope-flat.py). A selector by vendor:device ID needs every function's IDs: the scope becomes
 * the whole host. The environment variable PASSTHRU_SCAN=full makes every scoped scan
 * a full one (a debugging aid, and how the equality test compares).
 */
#ifndef PASSTHRU_SCOPE_H
#define PASSTHRU_SCOPE_H

#include "passthru/passthru.h"
#include "passthru/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pt_scope;

#define PT_SCOPE_VFS 0x1u      /* a named PF's VFs too */
#define PT_SCOPE_SIBLINGS 0x2u /* and the functions behind the same bridge (what holds
				* its windows: the VF count a PF's MMIO window fits) */

int pt_scope_new(struct pt_scope **out);
void pt_scope_free(struct pt_scope *s);
/* dev: a BDF (full or short) or a netdev name, as pt_host_lookup takes it. A name
 * that names nothing is not an error: the scan has no such device, as the full one. */
int pt_scope_add(struct pt_scope *s, const char *dev, unsigned flags);
int pt_scope_add_bdf(struct pt_scope *s, const struct pt_bdf *bdf, unsigned flags);
int pt_scope_add_match(struct pt_scope *s, const struct pt_match *m, unsigned flags);
/* The devices a host configuration names: sriov PFs (with their VFs and siblings), passthrough
 * devices, the pools' members (a vfs_of PF with its VFs). */
int pt_scope_add_hostcfg(struct pt_scope *s, const struct pt_hostcfg *cfg);
/* Every function: the scan is pt_host_scan's. */
void pt_scope_all(struct pt_scope *s);

/* Scans what the scope names (above). 0, or a negative errno with the message in ctx
 * (as pt_host_scan). s NULL: the full scan. */
int pt_host_scan_scope(struct pt_ctx *ctx, const struct pt_scope *s, struct pt_host **out);

#ifdef __cplusplus
}
#endif
#endif
