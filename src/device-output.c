// SPDX-License-Identifier: MIT
/* How a PCI function is written out: the JSON schema (docs/json.md) and short strings. */
#include "cli.h"
#include "json.h"
#include "passthru/judge.h"
#include "passthru/parse.h"

#include <stdio.h>
#include <string.h>

const char *device_kind_str(const struct pt_device *d)
{
	return d->kind == PT_KIND_PF ? "pf" : d->kind == PT_KIND_VF ? "vf" : "function";
}

char *device_link_str(const struct pt_device *d, char *buf, size_t len)
{
	char s[32], ms[32];
	const struct pt_link *l = &d->link;

	if (l->speed_mts < 0 && l->width < 0 && l->max_speed_mts < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	pt_format_speed(l->speed_mts, s, sizeof(s));
	pt_format_speed(l->max_speed_mts, ms, sizeof(ms));
	if (l->degraded == PT_YES)
		snprintf(buf, len, "%s x%d < %s x%d", s, l->width, ms, l->max_width);
	else if (l->width > 0)
		snprintf(buf, len, "%s x%d", s, l->width);
	else
		snprintf(buf, len, "%s", s);
	return buf;
}

/* v in lower-case hex, at least digits long (printf's "%0*x", without printf: a list
 * writes ~6 of these per function). b holds 9 bytes. */
static char *hex(char *b, unsigned v, int digits)
{
	int n = 1;

	while (n < 8 && v >> (4 * n))
		n++;
	if (n < digits)
		n = digits;
	for (int i = 0; i < n; i++)
		b[i] = "0123456789abcdef"[(v >> (4 * (n - 1 - i))) & 0xf];
	b[n] = '\0';
	return b;
}

static void hex_or_null(struct json *j, const char *key, int v, int digits)
{
	char b[16];

	json_key(j, key);
	if (v < 0) {
		json_null(j);
		return;
	}
	json_str(j, hex(b, (unsigned)v, digits));
}

static void bdf_str(struct json *j, const struct pt_bdf *b)
{
	char s[PT_BDF_STRLEN];

	json_str(j, pt_bdf_format(b, s));
}

static void speed(struct json *j, const char *key, int mts)
{
	char s[32];

	json_key(j, key);
	if (mts < 0)
		json_null(j);
	else
		json_str(j, pt_format_speed(mts, s, sizeof(s)));
}

static void strv(struct json *j, const char *key, char **v, size_t n)
{
	json_key(j, key);
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		json_str(j, v[i]);
	json_arr_end(j);
}

static void acs_json(struct json *j, const struct pt_acs *a)
{
	char b[16];

	json_obj_begin(j);
	json_key(j, "present");
	json_tri(j, a->present);
	json_key(j, "cap");
	if (a->present == PT_YES) {
		json_str(j, hex(b, a->cap, 4));
	} else {
		json_null(j);
	}
	json_key(j, "ctrl");
	if (a->present == PT_YES) {
		json_str(j, hex(b, a->ctrl, 4));
	} else {
		json_null(j);
	}
	json_key(j, "isolates");
	json_tri(j, a->present == PT_YES ? (int)a->isolates : PT_UNKNOWN);
	json_obj_end(j);
}

static void reset_methods(struct json *j, const char *s)
{
	char buf[sizeof(((struct pt_device *)0)->reset_method)];
	char *save = NULL, *tok;

	json_key(j, "reset_methods");
	if (!*s) {
		json_null(j);
		return;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	json_arr_begin(j);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		json_str(j, tok);
	json_arr_end(j);
}

static void group_json(struct json *j, const struct pt_host *h, const struct pt_device *d)
{
	const struct pt_iommu_group *g = d->iommu_group >= 0 ? pt_host_group(h, d->iommu_group) : NULL;
	const struct pt_device *culprit;

	json_key(j, "group");
	if (!g) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	JSON_KV_INT(j, "id", g->id);
	json_key(j, "viable");
	json_tri(j, pt_group_viable(h, g->id));
	{
		char acs[160];
		int r = pt_groups_acs_override(h, acs, sizeof(acs));

		/* pcie_acs_override= makes every group a guess (iommu.acs-override) */
		json_key(j, "trustworthy");
		json_tri(j, r < 0 ? PT_UNKNOWN : r ? PT_NO : PT_YES);
		json_key(j, "untrustworthy_because");
		json_str_or_null(j, r == 1 ? acs : "");
	}
	json_key(j, "members");
	json_arr_begin(j);
	for (size_t i = 0; i < g->n_members; i++) {
		const struct pt_device *m = pt_host_find(h, &g->members[i]);

		json_obj_begin(j);
		json_key(j, "bdf");
		bdf_str(j, &g->members[i]);
		json_key(j, "driver");
		json_str_or_null(j, m ? m->driver : "");
		hex_or_null(j, "class", m ? m->class_code : -1, 6);
		json_key(j, "bridge");
		json_bool(j, m && (m->config.header_type == 1 || pt_class_is_bridge(m->class_code)));
		json_obj_end(j);
	}
	json_arr_end(j);
	culprit = pt_device_acs_culprit(h, d);
	json_key(j, "acs_culprit");
	if (culprit && g->n_members > 1)
		json_str(j, culprit->name);
	else
		json_null(j);
	json_obj_end(j);
}

static void upstream_json(struct json *j, const struct pt_host *h, const struct pt_device *d)
{
	json_key(j, "upstream");
	json_arr_begin(j);
	for (size_t i = 0; i < d->n_path; i++) {
		const struct pt_device *hop = pt_host_find(h, &d->path[i]);

		json_obj_begin(j);
		json_key(j, "bdf");
		bdf_str(j, &d->path[i]);
		json_key(j, "pcie_type");
		json_int_or_null(j, hop ? hop->config.pcie_type : -1);
		json_key(j, "acs");
		if (hop)
			acs_json(j, &hop->config.acs);
		else
			json_null(j);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void json_host_iommu(struct json *j, const struct pt_host *h)
{
	json_key(j, "iommu");
	json_obj_begin(j);
	json_key(j, "kind");
	json_str_or_null(j, h->iommu_kind);
	json_key(j, "units");
	json_arr_begin(j);
	for (size_t i = 0; i < h->n_iommu_units; i++)
		json_str(j, h->iommu_units[i]);
	json_arr_end(j);
	json_key(j, "iommufd");
	json_tri(j, h->dev_iommu);
	json_obj_end(j);
}

void json_host_warnings(struct json *j, const struct pt_host *h)
{
	json_key(j, "warnings");
	json_arr_begin(j);
	for (size_t i = 0; h && i < h->n_warnings; i++)
		json_str(j, h->warnings[i]);
	json_arr_end(j);
}

/* The library's judgements of the device (lib/judge.c), as every command reports them. */
static void judgements_json(struct json *j, const struct pt_host *h, const struct pt_device *d,
			    const struct pt_judge_inputs *in)
{
	struct pt_numa_judgement nj;
	struct pt_assignability a;
	size_t n;

	pt_judge_numa(h, d, &nj);
	pt_judge_assignable(h, in->dma.on, in->prot, in->n_prot, NULL, 0, d, &a);
	json_key(j, "dma_remapping");
	json_tri(j, in->dma.on);
	JSON_KV_STR(j, "dma_remapping_evidence", in->dma.evidence);
	json_host_iommu(j, h);
	json_key(j, "numa");
	json_obj_begin(j);
	json_key(j, "node");
	json_int_or_null(j, nj.node);
	json_key(j, "local_cpus");
	json_str_or_null(j, nj.cpulist);
	JSON_KV_STR(j, "source", pt_numa_source_str(nj.source));
	json_key(j, "note");
	json_str_or_null(j, nj.note);
	json_obj_end(j);
	JSON_KV_STR(j, "reset", pt_reset_kind_str(pt_judge_reset(d)));
	json_key(j, "assignable");
	json_tri(j, a.assignable);
	json_key(j, "assignable_with");
	json_str_or_null(j, a.shared);
	json_key(j, "causes");
	json_arr_begin(j);
	n = a.n_causes < PT_MAX_CAUSES ? a.n_causes : PT_MAX_CAUSES;
	for (size_t i = 0; i < n; i++) {
		json_obj_begin(j);
		JSON_KV_STR(j, "kind", pt_cause_kind_str(a.causes[i].kind));
		json_key(j, "device");
		json_str_or_null(j, a.causes[i].device);
		JSON_KV_STR(j, "why", a.causes[i].why);
		JSON_KV_STR(j, "fix", a.causes[i].fix);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void device_json(struct json *j, const struct pt_host *h, const struct pt_device *d, bool full,
		 const struct pt_judge_inputs *in)
{
	json_obj_begin(j);
	/* the full object is show's whole document: it carries the schema version, as
	 * list's does (docs/json.md) */
	if (full)
		JSON_KV_INT(j, "version", 1);
	JSON_KV_STR(j, "bdf", d->name);
	hex_or_null(j, "vendor_id", d->vendor_id, 4);
	hex_or_null(j, "device_id", d->device_id, 4);
	hex_or_null(j, "subsystem_vendor_id", d->subsys_vendor_id, 4);
	hex_or_null(j, "subsystem_device_id", d->subsys_device_id, 4);
	hex_or_null(j, "class", d->class_code, 6);
	json_key(j, "vendor_name");
	json_str_or_null(j, d->vendor_name);
	json_key(j, "device_name");
	json_str_or_null(j, d->device_name);
	json_key(j, "class_name");
	json_str_or_null(j, d->class_name);
	JSON_KV_STR(j, "kind", device_kind_str(d));
	json_key(j, "driver");
	json_str_or_null(j, d->driver);
	json_key(j, "driver_override");
	json_str_or_null(j, d->driver_override);
	json_key(j, "numa_node");
	json_int_or_null(j, d->numa_node);
	json_key(j, "local_cpus");
	json_str_or_null(j, d->local_cpulist);
	json_key(j, "iommu_group");
	json_int_or_null(j, d->iommu_group);
	JSON_KV_BOOL(j, "iommu_group_dangling", d->iommu_group_dangling);
	json_key(j, "vfio_dev");
	json_str_or_null(j, d->vfio_dev);
	reset_methods(j, d->reset_method);

	if (d->kind == PT_KIND_PF) {
		json_key(j, "sriov");
		json_obj_begin(j);
		json_key(j, "total_vfs");
		json_int_or_null(j, d->sriov_totalvfs);
		json_key(j, "num_vfs");
		json_int_or_null(j, d->sriov_numvfs);
		json_key(j, "offset");
		json_int_or_null(j, d->sriov_offset);
		json_key(j, "stride");
		json_int_or_null(j, d->sriov_stride);
		hex_or_null(j, "vf_device_id", d->sriov_vf_device, 4);
		json_key(j, "drivers_autoprobe");
		json_tri(j, d->sriov_drivers_autoprobe);
		json_key(j, "vfs");
		json_arr_begin(j);
		for (size_t i = 0; i < d->n_vfs; i++)
			bdf_str(j, &d->vfs[i]);
		json_arr_end(j);
		json_obj_end(j);
	}
	if (d->kind == PT_KIND_VF) {
		json_key(j, "physfn");
		bdf_str(j, &d->physfn);
		json_key(j, "vf_index");
		json_int_or_null(j, d->vf_index);
		json_key(j, "pf_netdev");
		{
			const struct pt_device *pf = pt_host_find(h, &d->physfn);

			json_str_or_null(j, pf && pf->n_netdevs ? pf->netdevs[0] : "");
		}
	}

	json_key(j, "link");
	json_obj_begin(j);
	speed(j, "max_speed", d->link.max_speed_mts);
	json_key(j, "max_width");
	json_int_or_null(j, d->link.max_width);
	speed(j, "speed", d->link.speed_mts);
	json_key(j, "width");
	json_int_or_null(j, d->link.width);
	json_key(j, "degraded");
	json_tri(j, d->link.degraded);
	json_obj_end(j);

	json_key(j, "msix");
	json_obj_begin(j);
	json_key(j, "table_size");
	json_int_or_null(j, d->config.msix_table_size);
	json_key(j, "allocated_irqs");
	json_int_or_null(j, d->msi_irq_count);
	json_obj_end(j);

	json_key(j, "acs");
	acs_json(j, &d->config.acs);
	json_key(j, "aer");
	json_obj_begin(j);
	json_key(j, "correctable");
	json_int_or_null(j, d->aer.correctable);
	json_key(j, "nonfatal");
	json_int_or_null(j, d->aer.nonfatal);
	json_key(j, "fatal");
	json_int_or_null(j, d->aer.fatal);
	json_obj_end(j);
	JSON_KV_INT(j, "config_bytes", (long long)d->config.len);
	strv(j, "netdevs", d->netdevs, d->n_netdevs);
	strv(j, "blockdevs", d->blockdevs, d->n_blockdevs);

	if (full) {
		json_key(j, "root");
		json_str_or_null(j, d->root);
		upstream_json(j, h, d);
		group_json(j, h, d);
		json_key(j, "msi_irqs");
		json_arr_begin(j);
		for (int i = 0; i < d->msi_irq_count; i++)
			json_int(j, d->msi_irqs[i]);
		json_arr_end(j);
		if (in)
			judgements_json(j, h, d, in);
		json_host_warnings(j, h);
	}
	json_obj_end(j);
}
