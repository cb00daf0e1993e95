// SPDX-License-Identifier: MIT
/*
 * The tree captured with `passthru snapshot` in the real-kernel lab (tests/data/
 * lab-default: Debian's 6.1 kernel, emulated VT-d with interrupt remapping, igb and
 * SR-IOV NVMe with 2 VFs each). What the model and the gate read from it must be
 * what that kernel said: these facts were read in the guest by the lab's shell.
 */
#include "passthru/archive.h"
#include "passthru/check.h"
#include "passthru/profile.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pt_device *dev(const struct pt_host *h, const char *bdf)
{
	struct pt_bdf b;

	return pt_bdf_parse(bdf, &b) == 0 ? pt_host_find(h, &b) : NULL;
}

static int result(const struct pt_report *r, const char *id)
{
	int worst = -1;

	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->results[i].id, id) == 0 && (int)r->results[i].result > worst)
			worst = (int)r->results[i].result;
	return worst;
}

/* The AMD-Vi and virtio-iommu guests, captured by `passthru snapshot` (archives only:
 * tests/data/lab-amdvi, lab-viommu; tests/vm/t/t73, t75 check the same on the kernel). */
static void test_archive(const char *top, const char *name, const char *kind, const char *unit,
			 int ir, int gate_ir)
{
	struct pt_facts_opts fo = { 0 };
	struct pt_ctx *ctx = NULL, *tmp = NULL;
	struct pt_host *h = NULL;
	struct pt_hostfacts f;
	struct pt_profile p;
	struct pt_report rep;
	char file[4096], *dir = NULL;

	snprintf(file, sizeof(file), "%s/tests/data/lab-%s/snapshot.tar.gz", top ? top : ".", name);
	if (!ok(pt_ctx_new(&tmp, NULL) == 0 && pt_archive_unpack(tmp, file, 0, &dir, NULL) == 0,
		"lab-%s: the archive unpacks", name) ||
	    !ok(pt_ctx_new(&ctx, dir) == 0 && pt_host_scan(ctx, &h) == 0, "lab-%s: scans", name))
		goto out;
	is_str(h->iommu_kind, kind, "lab-%s: IOMMU kind %s", name, kind);
	ok(h->n_iommu_units == 1 && !strcmp(h->iommu_units[0], unit), "lab-%s: unit %s", name, unit);
	is_int(h->dev_iommu, PT_NO, "lab-%s: no /dev/iommu (iommufd not in the kernel)", name);
	pt_profile_defaults(&p);
	if (ok(pt_hostfacts_gather(ctx, h, &fo, &f) == 0, "lab-%s: facts", name)) {
		is_int(f.klog.interrupt_remapping, ir, "lab-%s: the captured log's IR verdict", name);
		if (ok(pt_check_run(h, &f, &p, &rep) == 0, "lab-%s: gate runs", name)) {
			is_int(result(&rep, "iommu.dma-remapping"), PT_PASS, "lab-%s: DMA remapping pass", name);
			is_int(result(&rep, "iommu.interrupt-remapping"), gate_ir,
			       "lab-%s: interrupt remapping as the kernel said", name);
			pt_report_free(&rep);
		}
		pt_hostfacts_free(&f);
	}
	pt_profile_free(&p);
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
	const char *top = getenv("PASSTHRU_TOP_SRCDIR");
	const struct pt_device *pf, *vf0, *vf1, *npf, *nvf, *e1000e;
	struct pt_facts_opts fo = { 0 };
	struct pt_hostfacts f;
	struct pt_profile p;
	struct pt_report rep;
	struct pt_host *h = NULL;
	struct pt_ctx *ctx;
	char root[4096];

	snprintf(root, sizeof(root), "%s/tests/data/lab-default/root", top ? top : ".");
	if (!ok(pt_ctx_new(&ctx, root) == 0 && pt_host_scan(ctx, &h) == 0, "the lab tree scans"))
		return done_testing();
	is_int(h->n_devs, 17, "17 functions, as lspci -D listed in the guest");
	pf = dev(h, "0000:21:00.0");
	vf0 = dev(h, "0000:21:10.0");
	vf1 = dev(h, "0000:21:10.2");
	ok(pf && vf0 && vf1, "igb PF and its two VFs present");
	if (pf && vf0 && vf1) {
		is_int(pf->kind, PT_KIND_PF, "igb is a PF");
		is_int(pf->sriov_totalvfs, 7, "igb sriov_totalvfs 7 (the driver's limit, not the config's 8)");
		is_int(pf->sriov_numvfs, 2, "2 VFs enabled");
		is_int(pf->n_vfs, 2, "two virtfn links");
		ok(vf0->has_physfn && pt_bdf_eq(&vf0->physfn, &pf->bdf), "VF 21:10.0's physfn is the PF");
		is_int(vf0->vf_index, 0, "21:10.0 is VF 0");
		is_int(vf1->vf_index, 1, "21:10.2 is VF 1 (stride 2)");
		is_str(vf0->driver, "igbvf", "VFs on igbvf");
		is_int(pf->numa_node, 0, "igb behind the pxb on node 0");
		is_int(vf1->numa_node, 0, "its VFs on node 0 too");
		ok(vf0->iommu_group >= 0 && vf0->iommu_group != vf1->iommu_group &&
			   vf0->iommu_group != pf->iommu_group, "each VF in its own IOMMU group");
		is_str(pf->reset_method, "flr pm bus", "igb PF reset methods as the kernel lists them");
		is_str(vf0->reset_method, "flr", "igb VF resets by FLR");
		ok(pf->n_netdevs == 1 && vf0->n_netdevs == 1, "PF and VF netdevs attached");
		ok(pf->config.acs.present != PT_UNKNOWN, "config space was captured as root (ACS known)");
		is_int(pf->config.msix_table_size, 10, "82576 PF: MSI-X table of 10");
	}
	npf = dev(h, "0000:41:00.0");
	nvf = dev(h, "0000:41:00.1");
	ok(npf && nvf, "SR-IOV NVMe PF and VF present");
	if (npf && nvf) {
		is_int(npf->numa_node, 1, "NVMe PF on node 1");
		is_int(nvf->numa_node, 1, "NVMe VF on node 1");
		is_str(npf->local_cpulist, "1", "node 1's CPU is local to the NVMe PF");
		ok(npf->n_blockdevs == 1 && strcmp(npf->blockdevs[0], "nvme1n1") == 0,
		   "the multipath namespace nvme1n1 belongs to the PF");
		ok(nvf->n_blockdevs == 1, "and to its online VF (same subsystem)");
	}
	e1000e = dev(h, "0000:00:06.0");
	ok(e1000e && e1000e->numa_node == -1, "a device on pcie.0 reports no NUMA node (unknown, not 0)");
	ok(e1000e && e1000e->kind == PT_KIND_FUNCTION, "the e1000e is not SR-IOV");
	{
		const struct pt_device *isa = dev(h, "0000:00:1f.0");

		ok(isa && pt_group_viable(h, isa->iommu_group) == PT_NO,
		   "the ICH9 group (lpc, sata, smbus, virtio-9p) is not viable for vfio");
	}
	is_int(h->n_nodes, 2, "two NUMA nodes");
	ok(h->n_iommu_units == 1 && strcmp(h->iommu_units[0], "dmar0") == 0, "one DMAR unit");

	/* the gate on the captured tree: the log, /proc/interrupts and groups are in it */
	pt_profile_defaults(&p);
	fo.want_vf_state = true;
	if (!ok(pt_hostfacts_gather(ctx, h, &fo, &f) == 0, "facts gathered from the tree"))
		return done_testing();
	ok(f.have_klog, "the captured kernel log was read (%s)", f.klog_source);
	is_int(f.klog.interrupt_remapping, PT_YES, "the log says IR is on");
	is_str(f.klog.ir_mode, "x2apic", "in x2apic mode");
	ok(f.irq_lines_remapped > 0 && f.irq_lines_direct == 0, "every MSI line is IR-PCI-MSI");
	ok(f.vf_state_available && f.n_pfs >= 1, "VF settings replayed from the recorded rtnetlink dump");
	ok(pt_check_run(h, &f, &p, &rep) == 0, "gate runs");
	is_int(result(&rep, "iommu.dma-remapping"), PT_PASS, "gate: DMA remapping on");
	is_int(result(&rep, "iommu.interrupt-remapping"), PT_PASS, "gate: interrupt remapping on");
	is_int(result(&rep, "sriov.vf-policy"), PT_PASS, "gate: igb VFs spoof-checked, untrusted");
	is_int(result(&rep, "kernel-log.iommu-faults"), PT_PASS, "gate: no faults");
	ok(rep.worst != PT_FAIL, "the captured host passes the default gate");
	pt_report_free(&rep);
	pt_hostfacts_free(&f);
	pt_profile_free(&p);
	pt_host_free(h);
	pt_ctx_free(ctx);
	test_archive(top, "amdvi", "amd", "ivhd0", PT_YES, PT_PASS);
	test_archive(top, "viommu", "virtio", "0000:00:03.0", PT_NO, PT_FAIL);
	return done_testing();
}
