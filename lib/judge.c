// SPDX-License-Identifier: MIT
/*
 * The judgements every command shares (judge.h): DMA remapping, NUMA locality, reset
 * capability and assignability, each computed once. Pure over the model: no I/O, no
 * allocation. The commands word the results; they never judge these facts again.
 */
#include "internal.h"
#include "passthru/judge.h"

#include <stdio.h>

/* ---- DMA remapping ---------------------------------------------------------------- */

static void units_str(const struct pt_host *h, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < h->n_iommu_units && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", h->iommu_units[i]);
}

void pt_judge_dma(const struct pt_host *h, const struct pt_klog *k, struct pt_dma_judgement *out)
{
	const char *line = k && k->dma_evidence[0] ? k->dma_evidence : "";
	char units[200];

	units_str(h, units, sizeof(units));
	if (h->n_group_ids > 0) {
		/* groups exist only while an IOMMU driver translates for their devices; the
		 * host's groups (n_group_ids), not only the scanned functions' */
		out->on = PT_YES;
		snprintf(out->evidence, sizeof(out->evidence), "%zu IOMMU group%s; /sys/class/iommu: %s%s%s",
			 h->n_group_ids, h->n_group_ids == 1 ? "" : "s",
			 units[0] ? units : "empty or not captured (the groups prove translation)",
			 line[0] ? "; kernel log: " : "", line);
		return;
	}
	if (h->n_iommu_units > 0) {
		out->on = PT_NO;
		snprintf(out->evidence, sizeof(out->evidence),
			 "/sys/class/iommu: %s; /sys/kernel/iommu_groups is empty%s%s", units,
			 line[0] ? "; kernel log: " : "", line);
		return;
	}
	if (k && k->dma_remapping == PT_YES) {
		/* the log says on, the tree shows nothing: the tree is what is incomplete */
		out->on = PT_UNKNOWN;
		snprintf(out->evidence, sizeof(out->evidence),
			 "no IOMMU groups and no /sys/class/iommu in the tree, yet the kernel log says: %s",
			 line);
		return;
	}
	out->on = PT_NO;
	snprintf(out->evidence, sizeof(out->evidence),
		 "/sys/class/iommu is empty; no IOMMU groups; kernel log: %s",
		 line[0] ? line : k ? "no line shows DMA remapping enabled" : "not read");
}

/* ---- NUMA ------------------------------------------------------------------------------ */

const char *pt_numa_source_str(enum pt_numa_source s)
{
	return s == PT_NUMA_SOURCE_DEVICE ? "device" : s == PT_NUMA_SOURCE_PF ? "pf" : "unknown";
}

void pt_judge_numa(const struct pt_host *h, const struct pt_device *d, struct pt_numa_judgement *out)
{
	const struct pt_device *pf = d->kind == PT_KIND_VF && d->has_physfn ? pt_host_find(h, &d->physfn)
									    : NULL;

	memset(out, 0, sizeof(*out));
	out->device_node = d->numa_node;
	out->node = d->numa_node;
	pt_strlcpy(out->cpulist, d->local_cpulist, sizeof(out->cpulist));
	out->source = d->numa_node >= 0 ? PT_NUMA_SOURCE_DEVICE : PT_NUMA_SOURCE_UNKNOWN;
	if (!pf || pf->numa_node < 0)
		return;
	if (d->numa_node != pf->numa_node) {
		out->disagrees = d->numa_node >= 0;
		if (out->disagrees)
			snprintf(out->note, sizeof(out->note),
				 "%s says NUMA node %d, its PF %s says node %d: trusting the PF's node "
				 "(a VF's DMA crosses its PF's link and root port; the VF's value is a "
				 "firmware table quirk)", d->name, d->numa_node, pf->name, pf->numa_node);
		out->node = pf->numa_node;
		out->source = PT_NUMA_SOURCE_PF;
		pt_strlcpy(out->cpulist, pf->local_cpulist, sizeof(out->cpulist));
	}
}

/* ---- reset ------------------------------------------------------------------------------ */

const char *pt_reset_kind_str(enum pt_reset_kind k)
{
	switch (k) {
	case PT_RESET_NONE: return "none";
	case PT_RESET_BUS: return "bus";
	case PT_RESET_FUNCTION: return "function";
	default: return "unknown";
	}
}

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

enum pt_reset_kind pt_judge_reset(const struct pt_device *d)
{
	const char *m = d->reset_method;

	/* the kernel hides reset_method when it knows no method (and before 5.15) */
	if (!m[0])
		return PT_RESET_UNKNOWN;
	if (has_word(m, "flr") || has_word(m, "af_flr") || has_word(m, "pm") ||
	    has_word(m, "device_specific") || has_word(m, "acpi"))
		return PT_RESET_FUNCTION;
	if (has_word(m, "bus") || has_word(m, "cxl_bus"))
		return PT_RESET_BUS;
	return PT_RESET_NONE;
}

/* ---- assignability ---------------------------------------------------------------------- */

const char *pt_cause_kind_str(enum pt_cause_kind k)
{
	switch (k) {
	case PT_CAUSE_NO_DMA_REMAPPING: return "no-dma-remapping";
	case PT_CAUSE_NO_GROUP: return "no-iommu-group";
	case PT_CAUSE_GROUP_DANGLING: return "iommu-group-dangling";
	case PT_CAUSE_NOT_ENDPOINT: return "not-an-endpoint";
	case PT_CAUSE_GROUP_SHARED: return "iommu-group-shared";
	case PT_CAUSE_PROTECTED: return "protected";
	}
	return "?";
}

static bool endpoint(const struct pt_device *d)
{
	if (d->config.header_type >= 0)
		return d->config.header_type == 0;
	return !pt_class_is_bridge(d->class_code);
}

static bool on_host_driver(const struct pt_device *d)
{
	return d->driver[0] && !pt_driver_is_vfio(d->driver) && strcmp(d->driver, "pci-stub") != 0;
}

static bool listed(const struct pt_bdf *v, size_t n, const struct pt_bdf *b)
{
	for (size_t i = 0; i < n; i++)
		if (pt_bdf_eq(&v[i], b))
			return true;
	return false;
}

__attribute__((format(printf, 5, 6))) static struct pt_cause *
cause(struct pt_assignability *a, enum pt_cause_kind k, const struct pt_device *who, const char *fix,
      const char *fmt, ...)
{
	struct pt_cause *c;
	va_list ap;

	if (a->n_causes++ >= PT_MAX_CAUSES)
		return NULL;
	c = &a->causes[a->n_causes - 1];
	c->kind = k;
	pt_strlcpy(c->device, who ? who->name : "", sizeof(c->device));
	pt_strlcpy(c->fix, fix, sizeof(c->fix));
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return c;
}

static bool same_slot(const struct pt_device *a, const struct pt_device *b)
{
	return a->bdf.domain == b->bdf.domain && a->bdf.bus == b->bdf.bus && a->bdf.dev == b->bdf.dev;
}

/* What to do about a group shared with a function on a host driver: follows the ACS
 * culprit, so a root port that isolates is never blamed. */
static void shared_fix(const struct pt_host *h, const struct pt_device *d, const struct pt_device *o,
		       char *buf, size_t len)
{
	const struct pt_device *c = pt_device_acs_culprit(h, d);

	if (c && (c == d || same_slot(c, d)))
		snprintf(buf, len, "assign the group (the card's functions go to one VM together: bind "
			 "%s to vfio-pci too), or leave the card to the host", o->name);
	else if (c)
		snprintf(buf, len, "assign the group, or move the card to a slot whose port isolates "
			 "(%s has no ACS redirect)", c->name);
	else
		snprintf(buf, len, "assign the group, or move the card");
}

void pt_judge_assignable(const struct pt_host *h, enum pt_tri dma_on, const struct pt_protected *prot,
			 size_t n_prot, const struct pt_bdf *with, size_t n_with,
			 const struct pt_device *d, struct pt_assignability *out)
{
	const struct pt_device *others[64];
	const struct pt_protected *p;
	size_t n, o = 0;

	memset(out, 0, sizeof(*out));
	out->group = d->iommu_group;
	out->viable = d->iommu_group >= 0 ? pt_group_viable(h, d->iommu_group) : PT_UNKNOWN;

	if (dma_on == PT_NO)
		cause(out, PT_CAUSE_NO_DMA_REMAPPING, NULL,
		      "enable VT-d (Intel) or AMD-Vi (AMD) in the firmware, boot with intel_iommu=on on "
		      "Intel, and reboot",
		      "no IOMMU translates DMA on this host (see iommu.dma-remapping)");
	if (!endpoint(d))
		cause(out, PT_CAUSE_NOT_ENDPOINT, d, "assign the endpoints behind it instead",
		      "%s is a bridge or port, not an endpoint", d->name);
	if (d->iommu_group < 0) {
		if (d->iommu_group_dangling)
			cause(out, PT_CAUSE_GROUP_DANGLING, d,
			      "rescan the bus or reboot: the IOMMU state is inconsistent (hot-unplug race or "
			      "driver bug)",
			      "%s's iommu_group link points to a group that does not exist", d->name);
		else if (dma_on != PT_NO && d->bdf.domain > 0xffff)
			cause(out, PT_CAUSE_NO_GROUP, d,
			      "turn VMD off in the firmware setup so the device gets an IOMMU group of its own",
			      "%s sits behind a VMD controller (PCI domain %x): the IOMMU sees its DMA as "
			      "the controller's, so it has no IOMMU group of its own", d->name, d->bdf.domain);
		else if (dma_on != PT_NO)
			cause(out, PT_CAUSE_NO_GROUP, d,
			      "look for DMAR/AMD-Vi errors naming it in the kernel log; the firmware's "
			      "IOMMU tables may leave it out of every unit's scope",
			      "%s has no IOMMU group although DMA remapping is on", d->name);
	} else {
		n = pt_group_other_endpoints(h, d, others, 64);
		if (n > 64)
			n = 64;
		for (size_t i = 0; i < n; i++) {
			const struct pt_device *m = others[i];
			char fix[256];

			if (on_host_driver(m) && !listed(with, n_with, &m->bdf)) {
				shared_fix(h, d, m, fix, sizeof(fix));
				cause(out, PT_CAUSE_GROUP_SHARED, m, fix, "%s (%s) shares group %d", m->name,
				      m->driver, d->iommu_group);
				continue;
			}
			if (listed(with, n_with, &m->bdf))
				continue;
			out->n_shared++;
			if (o < sizeof(out->shared))
				o += (size_t)snprintf(out->shared + o, sizeof(out->shared) - o, "%s%s (%s)",
						      o ? ", " : "", m->name,
						      m->driver[0] ? m->driver : "no driver");
		}
	}
	p = NULL;
	for (size_t i = 0; prot && i < n_prot && !p; i++) /* not pt_safety_find: no cycle */
		if (pt_bdf_eq(&prot[i].bdf, &d->bdf))
			p = &prot[i];
	if (p)
		cause(out, PT_CAUSE_PROTECTED, d,
		      "pick another device; --force takes it anyway once what the host needs it for "
		      "has moved",
		      "%s %s", d->name, p->why);
	out->assignable = out->n_causes ? PT_NO : PT_YES;
}

char *pt_assignability_str(const struct pt_assignability *a, char *buf, size_t len)
{
	size_t o = 0, n = a->n_causes < PT_MAX_CAUSES ? a->n_causes : PT_MAX_CAUSES;

	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s: %s", i ? "; " : "", a->causes[i].why,
				      a->causes[i].fix);
	return buf;
}
