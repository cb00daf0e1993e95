// SPDX-License-Identifier: MIT
/* IOMMU groups: viability as vfio judges it, and why a group is bigger than one device. */
#include "internal.h"
#include "passthru/parse.h"

#include <stdio.h>

const struct pt_iommu_group *pt_host_group(const struct pt_host *h, int id)
{
	for (size_t i = 0; i < h->n_groups; i++)
		if (h->groups[i].id == id)
			return &h->groups[i];
	return NULL;
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
		if (pt_device_is_endpoint(m) && !pt_driver_vfio_compatible(m->driver))
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

		if (!m || m == dev || !pt_device_is_endpoint(m))
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

int pt_groups_acs_override(const struct pt_host *host, char *seen, size_t len)
{
	char val[128];
	int r;

	if (!host->cmdline)
		return -1;
	r = pt_cmdline_get(host->cmdline, "pcie_acs_override", val, sizeof(val));
	if (r < 0)
		return 0;
	snprintf(seen, len, r ? "pcie_acs_override=%s" : "pcie_acs_override", val);
	return 1;
}

int pt_vf_numa_differs(const struct pt_host *host, const struct pt_device *vf,
		       const struct pt_device **pf)
{
	const struct pt_device *p;

	if (vf->kind != PT_KIND_VF || !vf->has_physfn || vf->numa_node < 0)
		return 0;
	p = pt_host_find(host, &vf->physfn);
	if (!p || p->numa_node < 0 || p->numa_node == vf->numa_node)
		return 0;
	if (pf)
		*pf = p;
	return 1;
}
