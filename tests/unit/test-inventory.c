// SPDX-License-Identifier: MIT
/*
 * The inventory (pt_host_scan) over fixture sysroots written by tests/gen/mkhost.py:
 * dual-socket (everything a passthrough host has), messy (what broken hosts and
 * unprivileged readers show), noiommu (a VM without an IOMMU), large (16 PFs x 63 VFs).
 *
 * Usage: test-inventory FIXTURES_DIR   (or PASSTHRU_FIXTURES in the environment)
 */
#include "passthru/passthru.h"
#include "passthru/scope.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *fixtures;

static struct pt_host *scan(struct pt_ctx **ctx, const char *name)
{
	char root[4096];
	struct pt_host *h = NULL;
	int r;

	snprintf(root, sizeof(root), "%s/%s", fixtures, name);
	*ctx = NULL;
	if (pt_ctx_new(ctx, root) < 0) {
		ok(0, "%s: context", name);
		return NULL;
	}
	r = pt_host_scan(*ctx, &h);
	if (!ok(r == 0 && h, "%s: pt_host_scan succeeds", name)) {
		printf("#   r=%d: %s\n", r, pt_ctx_error(*ctx));
		pt_ctx_free(*ctx);
		*ctx = NULL;
		return NULL;
	}
	return h;
}

static const struct pt_device *dev(const struct pt_host *h, const char *bdf)
{
	struct pt_bdf b;
	const struct pt_device *d = NULL;

	if (pt_bdf_parse(bdf, &b) == 0)
		d = pt_host_find(h, &b);
	if (!d)
		printf("# %s not in the scanned host\n", bdf);
	return d;
}

static const char *bdfs(const struct pt_bdf *b, char buf[PT_BDF_STRLEN])
{
	return b ? pt_bdf_format(b, buf) : "(none)";
}

static const char *name_of(const struct pt_device *d)
{
	return d ? d->name : "(none)";
}

static bool has_warning(const struct pt_host *h, const char *a, const char *b)
{
	for (size_t i = 0; i < h->n_warnings; i++)
		if (strstr(h->warnings[i], a) && (!b || strstr(h->warnings[i], b)))
			return true;
	return false;
}

static bool group_has(const struct pt_iommu_group *g, const char *bdf)
{
	struct pt_bdf b;

	if (!g || pt_bdf_parse(bdf, &b) < 0)
		return false;
	for (size_t i = 0; i < g->n_members; i++)
		if (pt_bdf_eq(&g->members[i], &b))
			return true;
	return false;
}

/* ---- dual-socket ------------------------------------------------------------------ */

static void sriov(const struct pt_host *h)
{
	static const char vfs[4][16] = { "0000:18:02.0", "0000:18:02.1", "0000:18:02.2", "0000:18:02.3" };
	static const char drivers[4][16] = { "iavf", "iavf", "vfio-pci", "iavf" };
	const struct pt_device *pf = dev(h, "0000:18:00.0");
	char b[PT_BDF_STRLEN];

	if (!ok(pf, "SR-IOV PF 0000:18:00.0 found"))
		return;
	is_int(pf->kind, PT_KIND_PF, "PF: kind pf");
	is_int(pf->vendor_id, 0x8086, "PF: vendor 8086");
	is_int(pf->device_id, 0x1572, "PF: device 1572");
	is_int(pf->class_code, 0x020000, "PF: class 020000");
	is_str(pf->driver, "i40e", "PF: driver i40e");
	is_int(pf->sriov_totalvfs, 64, "PF: totalvfs 64");
	is_int(pf->sriov_numvfs, 4, "PF: numvfs 4");
	is_int(pf->sriov_offset, 16, "PF: VF offset 16");
	is_int(pf->sriov_stride, 1, "PF: VF stride 1");
	is_int(pf->sriov_vf_device, 0x154c, "PF: sriov_vf_device (\"154c\", hex without 0x)");
	is_int(pf->sriov_drivers_autoprobe, 1, "PF: drivers_autoprobe 1");
	is_int(pf->config.sriov_cap, PT_YES, "PF: SR-IOV extended capability decoded");
	is_int(pf->config.aer_cap, PT_YES, "PF: AER extended capability decoded");
	is_int(pf->config.msix_table_size, 129, "PF: MSI-X table size 129");
	is_int(pf->msi_irq_count, 17, "PF: 17 MSI-X vectors allocated");
	is_int(pf->numa_node, 0, "PF: NUMA node 0");
	is_str(pf->local_cpulist, "0-15", "PF: local CPUs 0-15");
	is_str(pf->reset_method, "flr bus", "PF: reset methods");
	is_int(pf->enabled, 1, "PF: enabled");
	is_int(pf->aer.correctable, 0, "PF: AER correctable total 0 (not unknown)");
	is_int(pf->iommu_group, 8, "PF: IOMMU group 8");
	is_int(pt_group_viable(h, 8), PT_NO, "PF's group not viable (bound to i40e)");
	ok(pf->n_netdevs == 1 && strcmp(pf->netdevs[0], "ens1f0") == 0, "PF: netdev ens1f0");
	ok(strstr(pf->vendor_name, "Intel") != NULL, "PF: vendor name from pci.ids (%s)",
	   pf->vendor_name);
	is_int(pf->n_vfs, 4, "PF: four virtfn links");
	if (pf->n_vfs != 4)
		return;
	for (int i = 0; i < 4; i++) {
		const struct pt_device *vf = dev(h, vfs[i]);

		is_str(bdfs(&pf->vfs[i], b), vfs[i], "PF: virtfn%d is %s", i, vfs[i]);
		if (!ok(vf, "VF %s found", vfs[i]))
			continue;
		is_int(vf->kind, PT_KIND_VF, "%s: kind vf", vfs[i]);
		ok(vf->has_physfn && pt_bdf_eq(&vf->physfn, &pf->bdf), "%s: physfn is the PF", vfs[i]);
		is_int(vf->vf_index, i, "%s: vf_index %d", vfs[i], i);
		is_str(vf->driver, drivers[i], "%s: driver %s", vfs[i], drivers[i]);
		is_int(vf->vendor_id, 0x8086, "%s: vendor from sysfs although config reads 0xffff", vfs[i]);
		is_int(vf->device_id, 0x154c, "%s: device 154c", vfs[i]);
		is_int(vf->config.header_type, 0, "%s: config decoded (header type 0)", vfs[i]);
		is_int(vf->config.msix_table_size, 5, "%s: MSI-X table size 5", vfs[i]);
		is_int(vf->config.pcie_type, 0, "%s: PCIe endpoint", vfs[i]);
		is_int(vf->link.speed_mts, -1, "%s: VF link speed unknown (\"Unknown\")", vfs[i]);
		is_int(vf->link.degraded, PT_UNKNOWN, "%s: VF link degradation unknown", vfs[i]);
		is_int(vf->iommu_group, 9 + i, "%s: own IOMMU group %d", vfs[i], 9 + i);
		is_int(vf->aer.correctable, -1, "%s: no AER attributes: unknown", vfs[i]);
		is_str(vf->reset_method, "flr", "%s: reset method flr", vfs[i]);
	}
	{
		const struct pt_device *v0 = dev(h, vfs[0]), *v1 = dev(h, vfs[1]), *v2 = dev(h, vfs[2]);

		if (v0 && v1 && v2) {
			is_int(v0->numa_node, 0, "VF 0 reports NUMA node 0 like its PF");
			is_int(v1->numa_node, 1, "VF 1 reports NUMA node 1 (firmware quirk kept, not "
				"overwritten with the PF's)");
			is_str(v1->local_cpulist, "16-31", "VF 1 local CPUs 16-31");
			ok(v0->n_netdevs == 1 && strcmp(v0->netdevs[0], "ens1f0v0") == 0,
			   "VF 0 netdev ens1f0v0");
			is_int(v2->n_netdevs, 0, "VF 2 (vfio-pci) has no netdev");
			is_int(pt_group_viable(h, v2->iommu_group), PT_YES, "vfio-pci VF's group viable");
			is_int(pt_group_viable(h, v0->iommu_group), PT_NO, "iavf VF's group not viable");
			ok(pt_host_lookup(h, "ens1f0v1") == v1, "lookup by netdev name finds VF 1");
		}
	}
	ok(pt_host_lookup(h, "18:00.0") == pf, "lookup by short BDF finds the PF");
	ok(pt_host_lookup(h, "0000:18:02.7") == NULL, "lookup of an absent BDF is NULL");
}

static void switch_without_acs(const struct pt_host *h)
{
	const struct pt_device *a = dev(h, "0000:05:00.0"), *b = dev(h, "0000:06:00.0");
	const struct pt_device *dp1 = dev(h, "0000:04:08.0"), *up = dev(h, "0000:03:00.0");
	const struct pt_device *rp = dev(h, "0000:00:03.0"), *others[4];
	const struct pt_iommu_group *g = pt_host_group(h, 5);

	if (!ok(a && b && dp1 && up && rp && g, "switch fixture present"))
		return;
	is_int(g->n_members, 4, "shared group 5 has 4 members");
	ok(group_has(g, "0000:04:08.0") && group_has(g, "0000:04:10.0") &&
		   group_has(g, "0000:05:00.0") && group_has(g, "0000:06:00.0"),
	   "group 5: both downstream ports and both endpoints");
	is_int(a->iommu_group, 5, "05:00.0 in group 5");
	is_int(b->iommu_group, 5, "06:00.0 in group 5");
	is_int(pt_group_viable(h, 5), PT_YES, "group 5 viable: endpoints on vfio-pci, bridges exempt");
	is_str(name_of(pt_device_acs_culprit(h, a)), "0000:04:08.0",
	       "05:00.0 shares because downstream port 04:08.0 lacks ACS");
	is_str(name_of(pt_device_acs_culprit(h, b)), "0000:04:10.0",
	       "06:00.0 shares because downstream port 04:10.0 lacks ACS");
	ok(pt_group_other_endpoints(h, a, others, 4) == 1 && others[0] == b,
	   "05:00.0's only other endpoint is 06:00.0");
	is_int(dp1->config.pcie_type, 6, "04:08.0 is a downstream port");
	is_int(dp1->config.acs.present, PT_NO, "04:08.0 has no ACS capability");
	is_int(up->config.pcie_type, 5, "03:00.0 is an upstream port");
	is_int(rp->config.acs.present, PT_YES, "root port 00:03.0 has ACS");
	is_int(rp->config.acs.cap, 0x5f, "root port ACS cap 005f");
	is_int(rp->config.acs.ctrl, 0x1d, "root port ACS ctrl 001d (SV RR CR UF)");
	is_int(rp->config.acs.isolates, PT_YES, "root port isolates");
	is_int(a->n_path, 3, "05:00.0: three hops upstream");
	if (a->n_path == 3) {
		char s[PT_BDF_STRLEN];

		is_str(bdfs(&a->path[0], s), "0000:04:08.0", "05:00.0 path[0] downstream port");
		is_str(bdfs(&a->path[1], s), "0000:03:00.0", "05:00.0 path[1] upstream port");
		is_str(bdfs(&a->path[2], s), "0000:00:03.0", "05:00.0 path[2] root port");
	}
	is_str(a->root, "pci0000:00", "05:00.0 root bus pci0000:00");
	is_str(a->driver_override, "vfio-pci", "05:00.0 driver_override vfio-pci");
	is_str(b->driver_override, "", "06:00.0 driver_override \"(null)\" reads as none");
}

static void acs_switch_and_gpu(const struct pt_host *h)
{
	const struct pt_device *n1 = dev(h, "0000:85:00.0"), *n2 = dev(h, "0000:86:00.0");
	const struct pt_device *gpu = dev(h, "0000:81:00.0"), *audio = dev(h, "0000:81:00.1");
	const struct pt_iommu_group *g;

	if (ok(n1 && n2, "NVMe pair behind the ACS switch present")) {
		is_str(name_of(pt_device_acs_culprit(h, n1)), "(none)",
		       "85:00.0: every hop isolates (upstream port needs no ACS)");
		is_str(name_of(pt_device_acs_culprit(h, n2)), "(none)", "86:00.0: every hop isolates");
		ok(n1->n_blockdevs == 1 && strcmp(n1->blockdevs[0], "nvme1n1") == 0,
		   "85:00.0: multipath namespace nvme1n1, hidden path node skipped");
		ok(n2->n_blockdevs == 1 && strcmp(n2->blockdevs[0], "nvme1n1") == 0,
		   "86:00.0: the same namespace through the second controller");
		is_int(n1->link.degraded, PT_NO, "85:00.0: x2 link at capability is not degraded");
		is_int(pt_group_viable(h, n1->iommu_group), PT_NO, "85:00.0 group: bound to nvme");
	}
	if (!ok(gpu && audio, "GPU and its audio function present"))
		return;
	g = pt_host_group(h, gpu->iommu_group);
	is_int(gpu->iommu_group, 14, "GPU in group 14");
	is_int(audio->iommu_group, 14, "GPU audio in the same group");
	ok(g && g->n_members == 2, "group 14 has two members");
	is_int(gpu->class_code, 0x030000, "GPU class 030000");
	ok(pt_class_is_display(gpu->class_code), "GPU is a display class");
	ok(gpu->config.multifunction, "GPU is multifunction");
	is_int(pt_group_viable(h, 14), PT_NO, "GPU group not viable: audio on snd_hda_intel");
	is_str(name_of(pt_device_acs_culprit(h, gpu)), "0000:81:00.0",
	       "GPU group shared because the multifunction GPU itself lacks ACS");
	is_int(gpu->numa_node, 1, "GPU on node 1");
	is_str(gpu->reset_method, "bus", "GPU reset method bus only");
}

static void links_and_disks(const struct pt_host *h)
{
	const struct pt_device *nic = dev(h, "0000:02:00.0"), *nv = dev(h, "0000:82:00.0");
	const struct pt_device *x = dev(h, "0000:05:00.0");

	if (ok(nic, "degraded NIC present")) {
		is_int(nic->link.max_speed_mts, 8000, "NIC max speed 8 GT/s");
		is_int(nic->link.max_width, 8, "NIC max width x8");
		is_int(nic->link.speed_mts, 8000, "NIC speed 8 GT/s");
		is_int(nic->link.width, 4, "NIC width x4");
		is_int(nic->link.degraded, PT_YES, "NIC link degraded (x4 < x8)");
		is_int(nic->config.link_cap_width, 8, "config LnkCap width x8 agrees");
		is_int(nic->config.link_cap_speed, 3, "config LnkCap speed code 3");
		ok(nic->n_netdevs == 1 && strcmp(nic->netdevs[0], "enp2s0f0np0") == 0,
		   "NIC netdev enp2s0f0np0");
		is_int(nic->subsys_vendor_id, 0x15b3, "NIC subsystem vendor 15b3");
		is_int(nic->subsys_device_id, 0x0003, "NIC subsystem device 0003");
	}
	if (x)
		is_int(x->link.degraded, PT_NO, "05:00.0 link at capability: not degraded");
	if (ok(nv, "NVMe 82:00.0 present")) {
		ok(nv->n_blockdevs == 1 && strcmp(nv->blockdevs[0], "nvme0n1") == 0,
		   "82:00.0: namespace nvme0n1, partitions not listed");
		is_int(nv->numa_node, 1, "NVMe on node 1");
		is_str(nv->local_cpulist, "16-31", "NVMe local CPUs 16-31");
		is_int(nv->link.speed_mts, 16000, "NVMe 16 GT/s");
		is_int(nv->class_code, 0x010802, "NVMe class 010802");
		ok(pt_class_is_storage(nv->class_code), "NVMe is a storage class");
	}
}

static void vmd_domain(const struct pt_host *h)
{
	const struct pt_device *d = dev(h, "10000:01:00.0");
	char s[PT_BDF_STRLEN];

	if (!ok(d, "VMD child 10000:01:00.0 present"))
		return;
	is_int(d->bdf.domain, 0x10000, "32-bit domain 0x10000");
	is_str(d->name, "10000:01:00.0", "name keeps the 5-digit domain");
	is_str(d->root, "pci10000:00", "root bus is the VMD domain's");
	is_int(d->n_path, 2, "two hops: VMD root port and the VMD endpoint");
	if (d->n_path == 2) {
		is_str(bdfs(&d->path[0], s), "10000:00:02.0", "path[0] VMD root port");
		is_str(bdfs(&d->path[1], s), "0000:00:0e.0", "path[1] the VMD device in domain 0");
	}
	is_int(d->iommu_group, -1, "VMD child has no IOMMU group of its own");
	ok(!d->iommu_group_dangling, "and no dangling link");
	ok(d->n_blockdevs == 1 && strcmp(d->blockdevs[0], "nvme3n1") == 0, "VMD NVMe: nvme3n1");
	ok(pt_host_lookup(h, "10000:01:00.0") == d, "lookup by 32-bit-domain BDF");
}

static void host_wide(const struct pt_host *h)
{
	const struct pt_numa_node *n0 = pt_host_node(h, 0), *n1 = pt_host_node(h, 1);

	is_int(h->n_nodes, 2, "two NUMA nodes");
	if (ok(n0 && n1, "nodes 0 and 1")) {
		is_str(n0->cpulist, "0-15", "node 0 CPUs 0-15");
		is_str(n1->cpulist, "16-31", "node 1 CPUs 16-31");
		is_int(n0->n_hugepages, 2, "node 0: two hugepage sizes");
		if (n0->n_hugepages == 2) {
			is_int(n0->hugepages[0].size_kb, 2048, "node 0: 2 MiB first (sorted)");
			is_int(n0->hugepages[0].total, 1024, "node 0: 1024 x 2 MiB");
			is_int(n0->hugepages[0].free, 1000, "node 0: 1000 free");
			is_int(n0->hugepages[1].size_kb, 1048576, "node 0: 1 GiB");
			is_int(n0->hugepages[1].total, 4, "node 0: 4 x 1 GiB");
		}
		is_int(n1->n_hugepages, 2, "node 1: two hugepage sizes");
		if (n1->n_hugepages == 2) {
			is_int(n1->hugepages[0].total, 512, "node 1: 512 x 2 MiB");
			is_int(n1->hugepages[1].total, 0, "node 1: no 1 GiB pages (0, not unknown)");
		}
	}
	ok(pt_host_node(h, 2) == NULL, "no node 2");
	is_int(h->n_hugepages, 2, "system-wide: two sizes");
	if (h->n_hugepages == 2) {
		is_int(h->hugepages[0].total, 1536, "system-wide 2 MiB total");
		is_int(h->hugepages[0].free, 1512, "system-wide 2 MiB free");
	}
	is_int(h->n_iommu_units, 2, "two IOMMU units");
	if (h->n_iommu_units == 2) {
		is_str(h->iommu_units[0], "dmar0", "dmar0");
		is_str(h->iommu_units[1], "dmar1", "dmar1");
	}
	is_str(h->cmdline,
	       "BOOT_IMAGE=/vmlinuz-6.1.0-27-amd64 root=UUID=5c0de6a1-2f3e-4d3c-9a51-8f1a2b3c4d5e ro "
	       "intel_iommu=on iommu=pt default_hugepagesz=2M hugepagesz=1G hugepages=4 quiet",
	       "command line, trailing newline removed");
	is_int(h->n_groups, 23, "23 IOMMU groups");
	if (h->n_groups)
		ok(h->groups[0].id == 0 && h->groups[h->n_groups - 1].id == 22, "groups sorted by id");
	ok(group_has(pt_host_group(h, 0), "0000:00:00.0"), "group 0 holds the host bridge");
	is_int(pt_group_viable(h, 1000), PT_UNKNOWN, "viability of a group that does not exist");
}

static void dual_socket(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h = scan(&ctx, "dual-socket");

	if (!h)
		return;
	is_int(h->n_devs, 29, "dual-socket: 29 functions");
	for (size_t i = 1; i < h->n_devs; i++)
		if (pt_bdf_cmp(&h->devs[i - 1].bdf, &h->devs[i].bdf) >= 0) {
			ok(0, "functions sorted by BDF (%s before %s)", h->devs[i - 1].name,
			   h->devs[i].name);
			break;
		}
	is_int(h->n_warnings, 0, "dual-socket: a healthy host gives no warnings");
	for (size_t i = 0; i < h->n_warnings; i++)
		printf("#   warning: %s\n", h->warnings[i]);
	sriov(h);
	switch_without_acs(h);
	acs_switch_and_gpu(h);
	links_and_disks(h);
	vmd_domain(h);
	host_wide(h);
	{
		const struct pt_device *hb = dev(h, "0000:00:00.0");

		if (hb) {
			is_int(hb->enabled, 0, "host bridge: enable 0");
			is_str(hb->driver, "", "host bridge: no driver");
			is_str(hb->reset_method, "", "host bridge: no reset_method attribute");
			is_int(hb->msi_irq_count, 0, "host bridge: no msi_irqs directory: 0 vectors");
		}
	}
	is_int(pt_ctx_write_count(ctx), 0, "scanning writes nothing");
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* ---- messy --------------------------------------------------------------------------- */

static void messy(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h = scan(&ctx, "messy");
	const struct pt_device *d;
	struct pt_bdf b;

	if (!h)
		return;
	is_int(h->n_devs, 8, "messy: 8 functions (junk entries and the vanished one dropped)");
	ok(has_warning(h, "README", "not a PCI address"), "warning: README is not a PCI address");
	ok(has_warning(h, "slot1", "not a PCI address"), "warning: slot1 is not a PCI address");
	ok(has_warning(h, "0000:00:07.0", "vanished"), "warning: 00:07.0 vanished during the scan");
	ok(pt_bdf_parse("0000:00:07.0", &b) == 0 && !pt_host_find(h, &b), "00:07.0 not in the model");
	for (size_t i = 0; i < h->n_devs; i++)
		if (h->devs[i].numa_node != -1) {
			ok(0, "%s: numa_node -1 (or garbage) reads as -1, got %d", h->devs[i].name,
			   h->devs[i].numa_node);
			break;
		} else if (i + 1 == h->n_devs) {
			ok(1, "every numa_node (-1, garbage) reads as -1");
		}

	d = dev(h, "0000:00:1f.0");
	if (ok(d, "00:1f.0 present")) {
		is_int(d->iommu_group, -1, "dangling iommu_group: no group");
		ok(d->iommu_group_dangling, "dangling iommu_group flagged");
		ok(has_warning(h, "0000:00:1f.0", "group 99"), "warning names the device and group 99");
		is_int(pt_group_viable(h, 99), PT_UNKNOWN, "viability of the missing group unknown");
	}
	d = dev(h, "0000:00:02.0");
	if (ok(d, "00:02.0 present")) {
		is_int(d->config.len, 64, "64-byte config (unprivileged view)");
		is_int(d->config.header_type, 0, "header type still known");
		is_int(d->config.pcie_type, -1, "PCIe type unknown beyond 64 bytes");
		is_int(d->config.msix_table_size, -1, "MSI-X unknown");
		is_int(d->config.msi_capable, PT_UNKNOWN, "MSI capability unknown");
		is_int(d->config.acs.present, PT_UNKNOWN, "ACS unknown");
		is_int(d->config.sriov_cap, PT_UNKNOWN, "SR-IOV capability unknown");
		is_int(d->link.max_speed_mts, -1, "no link attributes: max speed unknown");
		is_int(d->link.width, -1, "no link attributes: width unknown");
		is_int(d->link.degraded, PT_UNKNOWN, "no link attributes: degraded unknown");
		is_int(d->msi_irq_count, 3, "msi_irqs still counted");
		is_str(d->local_cpulist, "0-3", "local_cpulist read although numa_node is -1");
		is_str(name_of(pt_device_acs_culprit(h, d)), "(none)",
		       "no culprit named from unreadable config");
	}
	d = dev(h, "0000:00:03.0");
	if (ok(d, "00:03.0 (partial attributes) present")) {
		is_int(d->vendor_id, 0x1af4, "partial: vendor read");
		is_int(d->class_code, 0x020000, "partial: class read");
		is_int(d->device_id, -1, "partial: device unknown");
		is_int(d->subsys_vendor_id, -1, "partial: subsystem vendor unknown");
		is_str(d->driver, "", "partial: no driver");
		is_str(d->driver_override, "", "partial: no driver_override");
		is_str(d->local_cpulist, "", "partial: local CPUs unknown");
		is_str(d->reset_method, "", "partial: reset methods unknown");
		is_int(d->enabled, -1, "partial: enable unknown");
		is_int(d->config.len, 0, "partial: no config file: 0 bytes");
		is_int(d->config.header_type, -1, "partial: header type unknown");
		is_int(d->iommu_group, -1, "partial: no group");
		ok(!d->iommu_group_dangling, "partial: not dangling");
		is_str(d->device_name, "", "partial: no device name without a device ID");
	}
	d = dev(h, "0000:00:04.0");
	if (ok(d, "00:04.0 (all-ones config) present")) {
		ok(has_warning(h, "0000:00:04.0", "all-ones"), "warning: config reads all-ones");
		is_int(d->config.header_type, -1, "all-ones config: header type unknown");
		is_int(d->vendor_id, 0x8086, "all-ones config: sysfs vendor still read");
	}
	d = dev(h, "0000:00:05.0");
	if (ok(d, "PF 00:05.0 present")) {
		const struct pt_device *vf = dev(h, "0000:00:05.1");
		char s[PT_BDF_STRLEN];

		is_int(d->kind, PT_KIND_PF, "PF with a missing VF: kind pf");
		is_int(d->sriov_totalvfs, 7, "totalvfs 7");
		is_int(d->sriov_numvfs, -1, "sriov_numvfs absent: unknown");
		is_int(d->n_vfs, 2, "two virtfn links kept (virtfn2 names virtfn0's VF again)");
		ok(has_warning(h, "0000:00:05.0: virtfn2 names 0000:00:05.1, which another virtfn link",
			       "names too"), "warning: the duplicate virtfn link is named");
		if (d->n_vfs == 2) {
			is_str(bdfs(&d->vfs[1], s), "0000:00:05.2", "virtfn1 names 00:05.2");
			ok(pt_host_find(h, &d->vfs[1]) == NULL, "00:05.2 is not in the model");
		}
		if (ok(vf, "VF 00:05.1 present")) {
			is_int(vf->kind, PT_KIND_VF, "00:05.1 kind vf");
			is_int(vf->vf_index, 0, "00:05.1 vf_index 0");
		}
	}
	is_int(h->n_nodes, 0, "no /sys/devices/system/node: no nodes");
	ok(h->cmdline == NULL, "no /proc/cmdline: command line unknown (NULL)");
	is_int(h->n_hugepages, 1, "hugepage size directory without counters");
	if (h->n_hugepages == 1) {
		is_int(h->hugepages[0].size_kb, 2048, "size from the directory name");
		is_int(h->hugepages[0].total, -1, "total unknown");
		is_int(h->hugepages[0].free, -1, "free unknown");
	}
	ok(pt_host_lookup(h, "lo") == NULL, "virtual netdev lo belongs to no function");
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* ---- noiommu -------------------------------------------------------------------------- */

static void noiommu(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h = scan(&ctx, "noiommu");
	const struct pt_device *blk, *net;

	if (!h)
		return;
	is_int(h->n_devs, 3, "noiommu: 3 functions");
	is_int(h->n_groups, 0, "noiommu: no IOMMU groups");
	is_int(h->n_iommu_units, 0, "noiommu: no IOMMU units");
	is_int(h->n_warnings, 0, "noiommu: no warnings (no IOMMU is not an error)");
	for (size_t i = 0; i < h->n_devs; i++)
		if (h->devs[i].iommu_group != -1 || h->devs[i].iommu_group_dangling) {
			ok(0, "%s: no group and not dangling", h->devs[i].name);
			break;
		} else if (i + 1 == h->n_devs) {
			ok(1, "every function: no group, not dangling");
		}
	blk = dev(h, "0000:00:02.0");
	net = dev(h, "0000:00:03.0");
	if (ok(blk && net, "virtio functions present")) {
		ok(blk->n_blockdevs == 1 && strcmp(blk->blockdevs[0], "vda") == 0,
		   "virtio-blk: vda (vda1 is a partition)");
		ok(net->n_netdevs == 1 && strcmp(net->netdevs[0], "eth0") == 0, "virtio-net: eth0");
		is_int(pt_group_viable(h, blk->iommu_group), PT_UNKNOWN, "no group: viability unknown");
		is_int(blk->numa_node, 0, "node 0");
		is_int(blk->config.msix_table_size, 2, "virtio-blk MSI-X 2");
	}
	is_int(h->n_nodes, 1, "one NUMA node");
	ok(h->cmdline && strstr(h->cmdline, "intel_iommu") == NULL, "command line without intel_iommu");
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* ---- large ------------------------------------------------------------------------------ */

/* 16 PFs x 63 VFs: beyond virtfn9, the order of virtfnN links is numeric, not textual */
static void large(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h = scan(&ctx, "large");
	size_t pfs = 0, vfs = 0, bad_order = 0, bad_index = 0;

	if (!h)
		return;
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct pt_device *d = &h->devs[i];

		if (d->kind == PT_KIND_PF) {
			unsigned rid = (unsigned)d->bdf.bus << 8 | (unsigned)d->bdf.dev << 3 | d->bdf.fn;

			pfs++;
			for (size_t k = 0; k < d->n_vfs; k++) {
				const struct pt_bdf *v = &d->vfs[k];
				unsigned vrid = (unsigned)v->bus << 8 | (unsigned)v->dev << 3 | v->fn;

				if (vrid != rid + (unsigned)d->sriov_offset + k * (unsigned)d->sriov_stride)
					bad_order++;
			}
		} else if (d->kind == PT_KIND_VF) {
			const struct pt_device *pf = pt_host_find(h, &d->physfn);
			unsigned rid = (unsigned)d->bdf.bus << 8 | (unsigned)d->bdf.dev << 3 | d->bdf.fn;

			vfs++;
			if (!pf || d->vf_index < 0 ||
			    rid != ((unsigned)pf->bdf.bus << 8 | (unsigned)pf->bdf.dev << 3 | pf->bdf.fn) +
					   (unsigned)pf->sriov_offset + (unsigned)d->vf_index)
				bad_index++;
		}
	}
	is_int(h->n_devs, 1041, "large: 1041 functions");
	is_int(pfs, 16, "large: 16 PFs");
	is_int(vfs, 16 * 63, "large: 1008 VFs");
	is_int(bad_order, 0, "large: every PF's VFs in virtfn order (offset + index x stride)");
	is_int(bad_index, 0, "large: every VF's vf_index matches its routing ID (virtfn10+ too)");
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* A scoped scan of one VF reads O(1) functions, not O(host): the VF, its PF, the
 * bridges above them, their groups' members; and the VF it reads is the full scan's. */
static void large_scoped(void)
{
	struct pt_host *full = NULL, *h = NULL;
	const struct pt_device *vf, *fvf, *pf;
	struct pt_scope *s = NULL;
	struct pt_ctx *ctx;
	char root[4096];

	unsetenv("PASSTHRU_SCAN");
	snprintf(root, sizeof(root), "%s/large", fixtures);
	if (!ok(pt_ctx_new(&ctx, root) == 0 && pt_host_scan(ctx, &full) == 0, "large: full scan"))
		return;
	/* the last PF's last VF */
	fvf = &full->devs[full->n_devs - 1];
	for (size_t i = full->n_devs; i-- > 0;)
		if (full->devs[i].kind == PT_KIND_VF) {
			fvf = &full->devs[i];
			break;
		}
	ok(pt_scope_new(&s) == 0 && pt_scope_add(s, fvf->name, 0) == 0 &&
	   pt_host_scan_scope(ctx, s, &h) == 0 && h, "large: scoped scan of VF %s", fvf->name);
	if (h) {
		ok(h->scoped, "large: the host says it is scoped");
		ok(h->n_devs >= 2 && h->n_devs <= 8, "large: %zu of %zu functions read (<= 8)", h->n_devs,
		   full->n_devs);
		vf = pt_host_find(h, &fvf->bdf);
		pf = vf ? pt_host_find(h, &vf->physfn) : NULL;
		ok(vf && pf && pf->kind == PT_KIND_PF, "large: the VF and its PF were read");
		ok(vf && vf->vf_index == fvf->vf_index && vf->n_path == fvf->n_path &&
		   vf->iommu_group == fvf->iommu_group && strcmp(vf->driver, fvf->driver) == 0 &&
		   vf->n_netdevs == fvf->n_netdevs, "large: the VF as the full scan reads it");
		is_int(h->n_group_ids, full->n_group_ids, "large: the host's groups are host-wide");
		is_int(h->n_nodes, full->n_nodes, "large: NUMA nodes are host-wide");
		pt_host_free(h);
		h = NULL;
	}
	pt_scope_free(s);
	/* a PF with PT_SCOPE_VFS: its VFs too, still not the host */
	s = NULL;
	pf = pt_host_find(full, &fvf->physfn);
	if (pf && pt_scope_new(&s) == 0 && pt_scope_add(s, pf->name, PT_SCOPE_VFS) == 0 &&
	    pt_host_scan_scope(ctx, s, &h) == 0) {
		size_t vfs = 0;

		for (size_t i = 0; i < h->n_devs; i++)
			vfs += h->devs[i].kind == PT_KIND_VF && pt_bdf_eq(&h->devs[i].physfn, &pf->bdf);
		is_int(vfs, pf->n_vfs, "large: PT_SCOPE_VFS reads the PF's %zu VFs", pf->n_vfs);
		ok(h->n_devs <= pf->n_vfs + 8, "large: and not the host (%zu functions)", h->n_devs);
		pt_host_free(h);
	} else {
		ok(0, "large: scoped scan of a PF with its VFs");
	}
	pt_scope_free(s);
	/* the debugging switch: PASSTHRU_SCAN=full reads every function */
	s = NULL;
	setenv("PASSTHRU_SCAN", "full", 1);
	if (pt_scope_new(&s) == 0 && pt_scope_add(s, fvf->name, 0) == 0 &&
	    pt_host_scan_scope(ctx, s, &h) == 0) {
		ok(!h->scoped && h->n_devs == full->n_devs, "large: PASSTHRU_SCAN=full scans everything");
		pt_host_free(h);
	} else {
		ok(0, "large: PASSTHRU_SCAN=full");
	}
	unsetenv("PASSTHRU_SCAN");
	pt_scope_free(s);
	pt_host_free(full);
	pt_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : getenv("PASSTHRU_FIXTURES");
	if (!fixtures) {
		printf("Bail out! usage: test-inventory FIXTURES_DIR (tests/gen/mkhost.py --out)\n");
		return 1;
	}
	dual_socket();
	messy();
	noiommu();
	large();
	large_scoped();
	return done_testing();
}
