// SPDX-License-Identifier: MIT
/*
 * Which VFIO path a VM opens its assigned functions through: the group/container
 * (legacy) or the device cdev bound to iommufd. One decision (pt_vfio_backend_choose),
 * made from the kernel's facts the scan and assign read (/dev/iommu, each function's
 * vfio-dev/vfioN and its /dev/vfio/devices node) and from what the caller found the VM
 * manager can do (struct pt_vmm_support, asked by lib/vmm-probe.c). Pure: no I/O, no
 * allocation; never runs a program.
 */
#include "internal.h"
#include "passthru/assign.h"

#include <errno.h>
#include <stdio.h>

const char *pt_vfio_backend_str(enum pt_vfio_backend b)
{
	switch (b) {
	case PT_VFIO_LEGACY: return "legacy";
	case PT_VFIO_IOMMUFD: return "iommufd";
	default: return "auto";
	}
}

int pt_vfio_backend_parse(const char *s, enum pt_vfio_backend *out)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "auto"))
		*out = PT_VFIO_AUTO;
	else if (!strcmp(s, "legacy"))
		*out = PT_VFIO_LEGACY;
	else if (!strcmp(s, "iommufd"))
		*out = PT_VFIO_IOMMUFD;
	else
		return -EINVAL;
	return 0;
}

/* Can the kernel hand each function out through its cdev? Why not, into why. */
static bool kernel_can(const struct pt_host *h, const struct pt_assign_result *res, char *why,
		       size_t len)
{
	if (h->dev_iommu != PT_YES) {
		snprintf(why, len, "%s", h->dev_iommu == PT_NO
			 ? "no /dev/iommu (the kernel has no iommufd, or its module is not loaded)"
			 : "whether /dev/iommu exists is unknown (the tree has no /dev)");
		return false;
	}
	for (size_t i = 0; i < res->n; i++) {
		const struct pt_assigned *a = &res->devs[i];

		if (!a->vfio_dev[0]) {
			snprintf(why, len, "%s has no vfio-dev/vfioN (not on vfio-pci yet, or a kernel "
				 "before 6.6)", a->lease.bdf);
			return false;
		}
		if (!a->vfio_cdev) {
			snprintf(why, len, "%s is VFIO device %s, but /dev/vfio/devices/%s does not "
				 "exist (a kernel built without VFIO_DEVICE_CDEV)", a->lease.bdf,
				 a->vfio_dev, a->vfio_dev);
			return false;
		}
	}
	if (res->n)
		snprintf(why, len, "/dev/iommu and /dev/vfio/devices/%s%s", res->devs[0].vfio_dev,
			 res->n > 1 ? " (and every other function's cdev)" : "");
	else
		snprintf(why, len, "/dev/iommu");
	return true;
}

/* Can the VM manager? Why (not), into why. */
static bool vmm_can(const struct pt_vmm_support *v, bool libvirt, bool failover, char *why,
		    size_t len)
{
	if (libvirt && failover) {
		snprintf(why, len, "a failover pair needs <interface type='hostdev'>, for which "
			 "libvirt documents no iommufd form");
		return false;
	}
	if (!v || v->qemu_iommufd != PT_YES) {
		snprintf(why, len, "QEMU: %s", v && v->qemu_evidence[0] ? v->qemu_evidence
			 : "not asked (give --vfio-backend iommufd when it has -object iommufd)");
		return false;
	}
	if (libvirt && v->libvirt_iommufd != PT_YES) {
		snprintf(why, len, "libvirt: %s", v->libvirt_evidence[0] ? v->libvirt_evidence
			 : "not asked");
		return false;
	}
	snprintf(why, len, "%s%s%s", v->qemu_evidence, libvirt ? "; " : "",
		 libvirt ? v->libvirt_evidence : "");
	return true;
}

void pt_vfio_backend_choose(const struct pt_host *h, const struct pt_assign_result *res,
			    bool libvirt, bool failover, const struct pt_vmm_support *vmm,
			    enum pt_vfio_backend want, const char *vf_token,
			    struct pt_vfio_choice *out)
{
	char kwhy[300], vwhy[300];
	bool k = kernel_can(h, res, kwhy, sizeof(kwhy));
	bool v = vmm_can(vmm, libvirt, failover, vwhy, sizeof(vwhy));
	size_t o;

	memset(out, 0, sizeof(*out));
	out->forced = want != PT_VFIO_AUTO;
	if (want == PT_VFIO_AUTO)
		out->backend = k && v ? PT_VFIO_IOMMUFD : PT_VFIO_LEGACY;
	else
		out->backend = want;
	if (out->forced)
		snprintf(out->why, sizeof(out->why), "%s, as asked (kernel: %s%s; %s%s)",
			 pt_vfio_backend_str(want), k ? "can, " : "cannot, ", kwhy,
			 v ? "VM manager can: " : "VM manager cannot: ", vwhy);
	else if (k && v)
		snprintf(out->why, sizeof(out->why), "iommufd: the kernel has %s; %s", kwhy, vwhy);
	else
		snprintf(out->why, sizeof(out->why), "legacy (group/container): %s", k ? vwhy : kwhy);
	if (want == PT_VFIO_IOMMUFD && !k)
		snprintf(out->warning, sizeof(out->warning), "--vfio-backend iommufd against the "
			 "kernel: %s: the VM will fail to open the device", kwhy);
	else if (want == PT_VFIO_IOMMUFD && !v)
		snprintf(out->warning, sizeof(out->warning), "--vfio-backend iommufd against the VM "
			 "manager: %s", vwhy);
	o = strlen(out->warning);
	for (size_t i = 0; res && i < res->n; i++) {
		const struct pt_assigned *a = &res->devs[i];

		if (!a->pf_on_vfio || (vf_token && vf_token[0]) || o >= sizeof(out->warning))
			continue;
		o += (size_t)snprintf(out->warning + o, sizeof(out->warning) - o,
				      "%s%s's PF %s is held by a vfio driver: QEMU needs vf-token=UUID, "
				      "the VF token the PF's user set (DPDK's --vfio-vf-token); give "
				      "it with --vf-token", o ? "; " : "", a->lease.bdf, a->pf);
		break;
	}
}
