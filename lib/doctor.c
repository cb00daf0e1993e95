// SPDX-License-Identifier: MIT
/*
 * passthru doctor: the fast playbook for one device. It asks the gate's judge about
 * this device alone (a profile naming just it), keeps what concerns the device and
 * the host-wide IOMMU state, and adds what only a diagnosis needs: what the device
 * is, how it can be reset, its VF settings, and every fault or error naming it.
 */
#include "internal.h"
#include "passthru/check.h"
#include "passthru/judge.h"
#include "passthru/parse.h"

#include <errno.h>
#include <stdio.h>

static const char *what_is(const struct pt_device *d)
{
	if (pt_driver_is_vfio(d->driver))
		return d->kind == PT_KIND_VF ? "an SR-IOV VF bound to vfio-pci (ready for a VM)"
					     : "a device bound to vfio-pci (ready for a VM)";
	if (d->vendor_id == 0x1af4)
		return "a virtio device (paravirtual: this host is itself a VM)";
	if (d->kind == PT_KIND_VF)
		return "an SR-IOV virtual function on a host driver";
	if (d->kind == PT_KIND_PF)
		return "an SR-IOV physical function";
	if (d->config.header_type == 1)
		return "a PCI bridge or port (not assignable)";
	return "a PCI function on a host driver";
}

static void identity(struct pt_report *r, const struct pt_host *h, const struct pt_device *d)
{
	char extra[200] = "", b[PT_BDF_STRLEN], n1[24], n2[24];

	if (d->kind == PT_KIND_VF) {
		const struct pt_device *pf = pt_host_find(h, &d->physfn);

		snprintf(extra, sizeof(extra), "; VF %s of PF %s (%s%s%s)",
			 pt_format_count(d->vf_index, n1, sizeof(n1)),
			 pt_bdf_format(&d->physfn, b), pf && pf->driver[0] ? pf->driver : "no driver",
			 pf && pf->n_netdevs ? ", " : "", pf && pf->n_netdevs ? pf->netdevs[0] : "");
	} else if (d->kind == PT_KIND_PF) {
		snprintf(extra, sizeof(extra), "; %s of %s VFs enabled",
			 pt_format_count(d->sriov_numvfs, n1, sizeof(n1)),
			 pt_format_count(d->sriov_totalvfs, n2, sizeof(n2)));
	}
	pt_report_add(r, "doctor.identity", "What the device is", PT_PASS, d->name, NULL,
	     "%s: %s %s [%04x:%04x], driver %s%s", what_is(d), d->vendor_name, d->device_name,
	     d->vendor_id & 0xffff, d->device_id & 0xffff, d->driver[0] ? d->driver : "none", extra);
}

static void reset(struct pt_report *r, const struct pt_device *d)
{
	const char *m = d->reset_method;

	switch (pt_judge_reset(d)) {
	case PT_RESET_FUNCTION:
		pt_report_add(r, "device.reset", "Reset methods", PT_PASS, d->name, NULL,
		     "%s (%s)", strstr(m, "flr") ? "function-level reset available"
						 : "the function can be reset alone", m);
		break;
	case PT_RESET_BUS:
		pt_report_add(r, "device.reset", "Reset methods", PT_WARN, d->name,
		     "Only a secondary bus reset is available: it resets every device behind the same "
		     "bridge, so assign the whole slot or accept that siblings reset too.",
		     "reset methods: %s (no FLR)", m);
		break;
	case PT_RESET_NONE:
		pt_report_add(r, "device.reset", "Reset methods", PT_WARN, d->name,
		     "None of the kernel's reset methods resets this function alone: a VM handing it "
		     "back may leave state behind for the next tenant; prefer devices with FLR.",
		     "reset methods: %s", m);
		break;
	default:
		pt_report_add(r, "device.reset", "Reset methods", PT_WARN, d->name,
		     "The kernel knows no way to reset this device alone (no reset_method): a VM handing "
		     "it back may leave state behind for the next tenant; prefer devices with FLR.",
		     "reset_method absent or empty: no reset method (or a kernel older than 5.15)");
	}
}

static void vf_settings(struct pt_report *r, const struct pt_hostfacts *f, const struct pt_device *d)
{
	char pf[PT_BDF_STRLEN];

	if (d->kind != PT_KIND_VF)
		return;
	pt_bdf_format(&d->physfn, pf);
	for (size_t i = 0; i < f->n_pfs; i++) {
		if (strcmp(f->pfs[i].pf, pf) != 0)
			continue;
		for (size_t k = 0; k < f->pfs[i].n_vfs; k++) {
			const struct pt_vf_state *v = &f->pfs[i].vfs[k];
			char vl[24];

			if (v->vf != d->vf_index)
				continue;
			pt_report_add(r, "sriov.vf-policy", "VF security settings",
			     v->spoofchk == PT_NO || v->trust == PT_YES ? PT_WARN : PT_PASS, d->name,
			     "A VF handed to a tenant should have spoof checking on and trust off: ip link "
			     "set PF vf N spoofchk on trust off.",
			     "%s vf %d: spoof checking %s, trust %s, vlan %s", f->pfs[i].ifname, v->vf,
			     pt_tri_str(v->spoofchk), pt_tri_str(v->trust),
			     v->vlan == 0 ? "none" : pt_format_count(v->vlan, vl, sizeof(vl)));
			return;
		}
	}
	pt_report_add(r, "sriov.vf-policy", "VF security settings", PT_SKIP, d->name,
	     "VF settings need the PF's netdev and a live host (netlink).",
	     "no VF settings read for this VF%s%s", f->vf_state_error[0] ? ": " : "", f->vf_state_error);
}

/* Results of the gate that concern this device or the host-wide IOMMU state. */
static bool relevant(const struct pt_check_result *c, const struct pt_device *d)
{
	if (strcmp(c->device, d->name) == 0)
		return true;
	if (c->device[0])
		return false;
	return strncmp(c->id, "iommu.", 6) == 0 || strcmp(c->id, "kernel.cmdline") == 0;
}

int pt_doctor_run(const struct pt_host *h, const struct pt_hostfacts *f, const struct pt_device *d,
		  const char *cpus, struct pt_report *out)
{
	struct pt_device_req req;
	struct pt_profile p;
	struct pt_report gate;
	int r;

	memset(out, 0, sizeof(*out));
	pt_profile_defaults(&p);
	memset(&req, 0, sizeof(req));
	req.match.kind = PT_MATCH_BDF;
	req.match.bdf = d->bdf;
	req.numa_node = -1;
	req.min_speed_mts = req.min_width = -1;
	p.devices = &req;
	p.n_devices = 1;
	p.sev_aer_correctable = PT_SEV_WARN; /* for one device, every error is worth a look */
	if (cpus)
		pt_strlcpy(p.vm_cpus, cpus, sizeof(p.vm_cpus));
	r = pt_check_run(h, f, &p, &gate);
	p.devices = NULL;
	p.n_devices = 0;
	pt_profile_free(&p);
	if (r < 0)
		return r;

	identity(out, h, d);
	for (size_t i = 0; i < gate.n; i++)
		if (relevant(&gate.results[i], d) && PT_PUSH(out->results, out->n, gate.results[i])) {
			pt_report_free(&gate);
			pt_report_free(out);
			return -ENOMEM;
		}
	for (size_t i = 0; i < out->n; i++)
		if (out->results[i].result > out->worst)
			out->worst = out->results[i].result;
	pt_report_free(&gate);

	{
		struct pt_numa_judgement nj;

		pt_judge_numa(h, d, &nj);
		if (nj.disagrees)
			pt_report_add(out, "numa.locality", "NUMA locality", PT_WARN, d->name,
			     "The firmware reports a different node for this VF than for its PF; passthru "
			     "pins to the PF's node. Fix the BIOS's SRAT/_PXM tables or ignore the VF's "
			     "numa_node.", "%s; node %d, local CPUs %s", nj.note, nj.node,
			     nj.cpulist[0] ? nj.cpulist : "unknown");
		else if (!cpus && nj.node >= 0)
			pt_report_add(out, "numa.locality", "NUMA locality", PT_PASS, d->name, NULL,
			     "node %d%s, local CPUs %s: pin the VM's vCPUs and memory there (--cpus LIST "
			     "checks a planned CPU set)", nj.node,
			     nj.source == PT_NUMA_SOURCE_PF ? " (its PF's)" : "",
			     nj.cpulist[0] ? nj.cpulist : "unknown");
		else if (!cpus)
			pt_report_add(out, "numa.locality", "NUMA locality", PT_WARN, d->name,
			     "The firmware does not say which node the device is on (numa_node -1); on a "
			     "multi-socket host check the BIOS's SRAT/NUMA settings.", "numa_node unknown");
	}
	if (!pt_driver_is_vfio(d->driver)) {
		bool spread = false;
		char n1[24];

		for (size_t i = 0; i < f->n_irqs; i++)
			if (strcmp(f->irqs[i].bdf, d->name) == 0) {
				spread = true;
				pt_report_add(out, "irq.affinity", "MSI-X vectors spread over CPUs",
				     f->irqs[i].distinct == 1 && f->online_cpus > 1 ? PT_WARN : PT_PASS, d->name,
				     "All vectors interrupt one CPU: spread them over the device's node.",
				     "%d vectors on %d distinct CPU%s", f->irqs[i].vectors, f->irqs[i].distinct,
				     f->irqs[i].distinct == 1 ? "" : "s");
			}
		if (!spread && d->msi_irq_count >= 0)
			pt_report_add(out, "irq.affinity", "MSI-X vectors spread over CPUs", PT_PASS, d->name, NULL,
			     "%d MSI/MSI-X vectors allocated (MSI-X table size %s)", d->msi_irq_count,
			     d->config.msix_table_size < 0 ? "unknown or no MSI-X"
							   : pt_format_count(d->config.msix_table_size, n1, sizeof(n1)));
	}
	if (f->holder_known && f->holder_pid > 0)
		pt_report_add(out, "device.holder", "Who holds the device", PT_PASS, d->name, NULL,
		     "process %ld (%s)%s%s holds it open through vfio: passthru vm %ld shows that VM",
		     f->holder_pid, f->holder_comm[0] ? f->holder_comm : "?",
		     f->holder_vm[0] ? ", VM " : "", f->holder_vm, f->holder_pid);
	else if (f->holder_known)
		pt_report_add(out, "device.holder", "Who holds the device", PT_PASS, d->name, NULL,
		     "no process holds it through vfio: no VM uses it now");
	reset(out, d);
	vf_settings(out, f, d);
	if (f->have_klog) {
		bool any = false;

		for (size_t i = 0; i < out->n; i++)
			if (!strcmp(out->results[i].id, "kernel-log.iommu-faults") ||
			    !strcmp(out->results[i].id, "pcie.aer"))
				any = true;
		if (!any)
			pt_report_add(out, "kernel-log.device", "Faults and AER errors naming the device", PT_PASS,
			     d->name, NULL, "no IOMMU fault or AER error names %s in %zu log lines", d->name,
			     f->klog.lines);
	} else {
		pt_report_add(out, "kernel-log.device", "Faults and AER errors naming the device", PT_SKIP, d->name,
		     "Run as root or pass --kernel-log FILE.", "kernel log unreadable: %s", f->klog_error);
	}
	return 0;
}
