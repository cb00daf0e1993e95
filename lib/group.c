// SPDX-License-Identifier: MIT
/* IOMMU groups: viability as vfio judges it, and why a group is bigger than one device. */
#include "internal.h"

const struct pt_iommu_group *pt_host_group(const struct pt_host *h, int id)
{
	for (size_t i = 0; i < h->n_groups; i++)
		if (h->groups[i].id == id)
			return &h->groups[i];
	return NULL;
}

/* A member that vfio counts: normal header (bridges are exempt). Without the header
 * type (config unreadable), the class code decides. */
static bool counts_for_vfio(const struct pt_device *d)
{
	if (d->config.header_type >= 0)
		return d->config.header_type == 0;
	return !pt_class_is_bridge(d->class_code);
}

static bool vfio_ok(const struct pt_device *d)
{
	return !d->driver[0] || pt_driver_is_vfio(d->driver) || strcmp(d->driver, "pci-stub") == 0;
}

enum pt_tri pt_group_viable(const struct pt_host *h, int id)
{
	const struct pt_iommu_group *g = pt_host_group(h, id);

	if (!g)
		return PT_UNKNOWN;
	for (size_t i = 0; i < g->n_members; i++) {
		const struct pt_device *m = pt_host_find(h, &g->members[i]);

		if (!m)
			return PT_UNKNOWN;
		if (counts_for_vfio(m) && !vfio_ok(m))
			return PT_NO;
	}
	return PT_YES;
}

size_t pt_group_other_endpoints(const struct pt_host *h, const struct pt_device *dev,
				const struct pt_device **out, size_t max)
{
	const struct pt_iommu_group *g;
	size_t n = 0;

	if (dev->iommu_group < 0 || !(g = pt_host_group(h, dev->iommu_group)))
		return 0;
	for (size_t i = 0; i < g->n_members; i++) {
		const struct pt_device *m = pt_host_find(h, &g->members[i]);

		if (!m || m == dev || !counts_for_vfio(m))
			continue;
		if (n < max && out)
			out[n] = m;
		n++;
	}
	return n;
}

/* As the kernel's pci_acs_enabled(): ports must isolate; a multifunction endpoint
 * must redirect peer traffic; a single-function endpoint or a VF needs nothing. */
static enum pt_tri hop_isolates(const struct pt_device *d)
{
	const struct pt_config *c = &d->config;

	switch (c->pcie_type) {
	case -1:
		if (c->header_type == 0 && !c->multifunction)
			return PT_YES;
		/* a conventional PCI bridge cannot isolate; unreadable config tells nothing */
		return c->len > 64 ? PT_NO : PT_UNKNOWN;
	case 4: /* root port */
	case 6: /* downstream switch port */
		return c->acs.present == PT_YES ? c->acs.isolates : c->acs.present == PT_NO ? PT_NO : PT_UNKNOWN;
	case 7: /* PCIe to PCI bridge */
	case 8:
		return PT_NO;
	default: /* endpoints and upstream switch ports: ACS only matters when multifunction */
		if (!c->multifunction || d->kind == PT_KIND_VF)
			return PT_YES;
		if (c->acs.present != PT_YES)
			return c->acs.present == PT_NO ? PT_NO : PT_UNKNOWN;
		{
			uint16_t need = (PT_ACS_RR | PT_ACS_CR) & (c->acs.cap | PT_ACS_EC);

			return (c->acs.ctrl & need) == need ? PT_YES : PT_NO;
		}
	}
}

const struct pt_device *pt_device_acs_culprit(const struct pt_host *h, const struct pt_device *dev)
{
	if (hop_isolates(dev) == PT_NO)
		return dev;
	for (size_t i = 0; i < dev->n_path; i++) {
		const struct pt_device *hop = pt_host_find(h, &dev->path[i]);

		if (hop && hop_isolates(hop) == PT_NO)
			return hop;
	}
	return NULL;
}
