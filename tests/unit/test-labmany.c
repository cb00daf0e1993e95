// SPDX-License-Identifier: MIT
/*
 * The lab's largest capture (tests/data/lab-manyvfs, 2,085 functions): what the model
 * reads from a real kernel's sysfs at the benchmarks' scale. Its own test because the
 * archive unpacks to ~55,000 entries (seconds of CPU, more on a loaded disk).
 */
#include "passthru/archive.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tests/data/lab-manyvfs: 16 SR-IOV NVMe PFs with 127 VFs each on Debian's 6.1 kernel,
 * captured by tests/vm/capture-manyvfs (the benchmarks' real-kernel tree). The facts
 * were read in the guest (the capture's README); VFs were enabled with
 * sriov_drivers_autoprobe 0, so no VF has a driver. */
static void test_manyvfs(const char *top)
{
	struct pt_ctx *ctx = NULL, *tmp = NULL;
	struct pt_host *h = NULL;
	char file[4096], *dir = NULL;
	size_t pfs = 0, vfs = 0, linked = 0, node_ok = 0, unbound = 0, pfs_full = 0;
	int nodes[2] = { 0, 0 };

	snprintf(file, sizeof(file), "%s/tests/data/lab-manyvfs/snapshot.tar.gz", top ? top : ".");
	if (!ok(pt_ctx_new(&tmp, NULL) == 0 && pt_archive_unpack(tmp, file, 0, &dir, NULL) == 0,
		"lab-manyvfs: the archive unpacks") ||
	    !ok(pt_ctx_new(&ctx, dir) == 0 && pt_host_scan(ctx, &h) == 0, "lab-manyvfs: scans"))
		goto out;
	ok(h->n_devs >= 2000, "lab-manyvfs: %zu functions (>= 2,000)", h->n_devs);
	is_int((int)h->n_devs, 2085, "lab-manyvfs: 2,085 functions, as the guest's sysfs listed");
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct pt_device *d = &h->devs[i], *pf;

		if (d->kind == PT_KIND_PF && d->sriov_totalvfs == 127) {
			pfs++;
			if (d->sriov_numvfs == 127 && d->n_vfs == 127 && d->sriov_drivers_autoprobe == 0)
				pfs_full++;
			if (d->numa_node == 0 || d->numa_node == 1)
				nodes[d->numa_node]++;
		}
		if (d->kind != PT_KIND_VF)
			continue;
		vfs++;
		pf = d->has_physfn ? pt_host_find(h, &d->physfn) : NULL;
		if (pf && pf->kind == PT_KIND_PF && d->vf_index >= 0 && (size_t)d->vf_index < pf->n_vfs &&
		    pt_bdf_eq(&pf->vfs[d->vf_index], &d->bdf))
			linked++;
		if (pf && d->numa_node == pf->numa_node)
			node_ok++;
		if (!d->driver[0])
			unbound++;
	}
	is_int((int)pfs, 16, "lab-manyvfs: 16 SR-IOV NVMe PFs of TotalVFs 127");
	is_int((int)pfs_full, 16, "lab-manyvfs: each with 127 VFs enabled, 127 virtfn links, autoprobe 0");
	is_int((int)vfs, 16 * 127, "lab-manyvfs: 2,032 VFs");
	is_int((int)linked, 16 * 127, "lab-manyvfs: every VF's physfn is a PF that lists it at its index");
	is_int((int)node_ok, 16 * 127, "lab-manyvfs: every VF on its PF's NUMA node");
	ok(nodes[0] == 8 && nodes[1] == 8, "lab-manyvfs: 8 PFs on node 0, 8 on node 1 (%d, %d)",
	   nodes[0], nodes[1]);
	is_int((int)unbound, 16 * 127, "lab-manyvfs: no VF probed (autoprobe was off)");
	is_int(h->n_nodes, 2, "lab-manyvfs: two NUMA nodes");
	/* no IOMMU in this topology (QEMU's VT-d makes the 2,032 VFs' start-up take minutes) */
	is_str(h->iommu_kind, "", "lab-manyvfs: no IOMMU unit");
	is_int((int)h->n_groups, 0, "lab-manyvfs: no IOMMU groups");
	{
		size_t grouped = 0;

		for (size_t i = 0; i < h->n_devs; i++)
			grouped += h->devs[i].iommu_group >= 0;
		is_int((int)grouped, 0, "lab-manyvfs: no function in a group");
	}
	/* the capture is the benchmarks' tree: it must hold what list reads on a real
	 * kernel (uevent: one file for the IDs, class and driver, not five) and what
	 * lspci -vvv needs to read it to the end (resource) */
	{
		size_t uevent = 0, resource = 0;

		for (size_t i = 0; i < h->n_devs; i++) {
			char p[4096];
			FILE *f;

			snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/uevent", dir, h->devs[i].name);
			if ((f = fopen(p, "r")) && fgets(p, sizeof(p), f))
				uevent += strncmp(p, "PCI_CLASS=", 10) == 0 || strncmp(p, "DRIVER=", 7) == 0;
			if (f)
				fclose(f);
			snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/resource", dir, h->devs[i].name);
			if ((f = fopen(p, "r"))) {
				resource++;
				fclose(f);
			}
		}
		is_int((int)uevent, (int)h->n_devs, "lab-manyvfs: every function's uevent was captured");
		is_int((int)resource, (int)h->n_devs, "lab-manyvfs: every function's resource was captured");
	}
out:
	pt_host_free(h);
	pt_ctx_free(ctx);
	if (dir)
		pt_archive_remove(tmp, dir);
	free(dir);
	pt_ctx_free(tmp);
}

int main(void)
{
	test_manyvfs(getenv("PASSTHRU_TOP_SRCDIR"));
	return done_testing();
}
