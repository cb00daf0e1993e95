// SPDX-License-Identifier: MIT
/*
 * Which VFIO path a VM opens its assigned functions through: the group/container
 * (legacy) or the device cdev bound to iommufd. One decision (pt_vfio_backend_choose),
 * made from the kernel's facts the scan and assign read (/dev/iommu, each function's
 * vfio-dev/vfioN and its /dev/vfio/devices node) and from what the caller found the VM
 * manager can do (struct pt_vmm_support), plus the pure readers of what QEMU and virsh
 * print. Pure: no I/O, no allocation; never runs a program.
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

int pt_qemu_help_lists(const char *buf, size_t len, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; buf && i < len;) {
		size_t e = i, a, b;

		while (e < len && buf[e] != '\n')
			e++;
		a = i;
		b = e;
		while (a < b && (buf[a] == ' ' || buf[a] == '\t'))
			a++;
		while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\r'))
			b--;
		if (b - a == nl && memcmp(buf + a, name, nl) == 0)
			return 1;
		i = e + 1;
	}
	return 0;
}

int pt_libvirt_version_parse(const char *buf, size_t len, int *major, int *minor)
{
	long v[2] = { 0, 0 };
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	for (int k = 0; k < 2; k++) {
		size_t start = i;

		while (i < len && buf[i] >= '0' && buf[i] <= '9' && i - start < 6)
			v[k] = v[k] * 10 + (buf[i++] - '0');
		if (i == start)
			return -EINVAL;
		if (k == 0 && (i >= len || buf[i++] != '.'))
			return -EINVAL;
	}
	if (i < len && buf[i] != '.' && buf[i] != '\n' && buf[i] != ' ' && buf[i] != '\0')
		return -EINVAL;
	*major = (int)v[0];
	*minor = (int)v[1];
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
