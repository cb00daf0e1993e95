// SPDX-License-Identifier: MIT
/*
 * Host profiles and host configurations (include/passthru/profile.h).
 *
 * Three stages (the FreeBSD iovctl model), one file each (lib/schema.h):
 *
 *   1. parse:    lib/yaml-tree.c, libfyaml events -> a position-keeping tree;
 *   2. validate: lib/schema.c walks that tree along the tables of lib/profile-schema.c,
 *                with checks across the keys of one mapping; the checks across
 *                sections, once the document is complete, are this file's;
 *   3. defaults: pt_profile_defaults() fills the struct before the walk, so whatever
 *                the document does not say keeps its default. Lists the document names
 *                replace the default list (kernel.cmdline.forbid: [] clears it).
 *
 * Pure: no I/O except pt_profile_load/pt_hostcfg_load, which read the user's file.
 */
#include "schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- checks across sections ------------------------------------------------------- */

static bool match_same(const struct pt_match *a, const struct pt_match *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case PT_MATCH_BDF:
		return pt_bdf_eq(&a->bdf, &b->bdf);
	case PT_MATCH_NETDEV:
		return !strcmp(a->netdev, b->netdev);
	case PT_MATCH_ID:
		return a->vendor_id == b->vendor_id && a->device_id == b->device_id &&
		       a->index == b->index;
	default:
		return false;
	}
}

static int hostcfg_cross(struct walk *w, const struct pt_hostcfg *c)
{
	char b[64];

	for (size_t i = 0; i < c->n_sriov; i++)
		for (size_t j = 0; j < i; j++)
			if (match_same(&c->sriov[i].pf, &c->sriov[j].pf))
				return cfg_fail_at(w, c->sriov[i].pf.pos.line, c->sriov[i].pf.pos.col,
					       "sriov[%zu].pf: %s is already configured by "
					       "sriov[%zu] (line %d); one entry per PF",
					       i, pt_match_str(&c->sriov[i].pf, b, sizeof(b)), j,
					       c->sriov[j].pos.line);
	for (size_t i = 0; i < c->n_passthrough; i++) {
		const struct pt_match *m = &c->passthrough[i].device;

		for (size_t j = 0; j < i; j++)
			if (match_same(m, &c->passthrough[j].device))
				return cfg_fail_at(w, m->pos.line, m->pos.col,
					       "passthrough[%zu].device: %s is already listed "
					       "as passthrough[%zu] (line %d)",
					       i, pt_match_str(m, b, sizeof(b)), j,
					       c->passthrough[j].pos.line);
		for (size_t j = 0; j < c->n_sriov; j++)
			if (match_same(m, &c->sriov[j].pf))
				return cfg_fail_at(w, m->pos.line, m->pos.col,
					       "passthrough[%zu].device: %s is also an SR-IOV PF "
					       "(sriov[%zu], line %d); pass its VFs through, or "
					       "remove it from sriov",
					       i, pt_match_str(m, b, sizeof(b)), j, c->sriov[j].pos.line);
	}
	{
		size_t total = 0;

		for (size_t i = 0; i < c->n_pools; i++)
			total += c->pools[i].n_members;
		if (total > MAX_POOL_MEMBERS)
			return cfg_fail_at(w, c->pools[0].pos.line, c->pools[0].pos.col,
				       "pools: %zu members in all, at most %d are supported", total,
				       MAX_POOL_MEMBERS);
	}
	for (size_t i = 0; i < c->n_pools; i++) {
		const struct pt_pool_config *p = &c->pools[i];

		for (size_t k = 0; k < p->n_members; k++)
			for (size_t j = 0; j <= i; j++) {
				const struct pt_pool_config *o = &c->pools[j];
				size_t lim = j == i ? k : o->n_members;

				if (o->kind != p->kind)
					continue;
				for (size_t l = 0; l < lim; l++)
					if (match_same(&p->members[k], &o->members[l]))
						return cfg_fail_at(w, p->members[k].pos.line,
							       p->members[k].pos.col,
							       "pools.%s: %s is already in pool "
							       "'%s' (line %d)",
							       p->name,
							       pt_match_str(&p->members[k], b, sizeof(b)),
							       o->name, o->members[l].pos.line);
			}
	}
	return 0;
}

/* hugepages entries apply reserves: each names a node and pages, once per node and size */
static int hugepages_cross(struct walk *w, const struct pt_hugepage_req *hp, size_t n,
			   bool bare)
{
	for (size_t i = 0; i < n; i++) {
		const struct pt_hugepage_req *q = &hp[i];

		if (bare && (q->min_total >= 0 || q->min_free >= 0))
			return cfg_fail_at(w, q->pos.line, q->pos.col,
				       "hugepages[%zu]: total/free are requirements of a profile's "
				       "gate; a host configuration reserves pages: N", i);
		if (q->pages < 0 && bare)
			return cfg_fail_at(w, q->pos.line, q->pos.col,
				       "hugepages[%zu]: 'pages' is missing (how many pages apply "
				       "reserves on the node)", i);
		if (q->pages >= 0 && q->node < 0)
			return cfg_fail_at(w, q->pos.line, q->pos.col,
				       "hugepages[%zu]: pages: %ld needs a node (pages are reserved "
				       "per NUMA node)", i, q->pages);
		for (size_t j = 0; j < i; j++)
			if (hp[j].size_kb == q->size_kb && hp[j].node == q->node)
				return cfg_fail_at(w, q->pos.line, q->pos.col,
					       "hugepages[%zu]: %ldkB pages on %s are already "
					       "required by hugepages[%zu] (line %d)", i, q->size_kb,
					       q->node < 0 ? "the whole system" : "this node", j,
					       hp[j].pos.line);
	}
	return 0;
}

static int hostcfg_root_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_hostcfg *c = obj;
	int r;

	(void)map;
	(void)seen;
	r = hugepages_cross(w, c->hugepages, c->n_hugepages, true);
	return r ? r : hostcfg_cross(w, obj);
}

/* A VF setting the configuration asks for that the profile's vf_policy forbids. */
static int policy_conflict(struct walk *w, const struct pt_profile *p)
{
	for (size_t i = 0; i < p->cfg.n_sriov; i++) {
		const struct pt_sriov_config *s = &p->cfg.sriov[i];

		for (size_t k = 0; k <= s->n_vf; k++) {
			const struct pt_vf_config *c = k < s->n_vf ? &s->vf[k] : &s->defaults;
			char what[48];

			if (k < s->n_vf)
				snprintf(what, sizeof(what), "sriov[%zu].vf.%d", i, c->vf);
			else
				snprintf(what, sizeof(what), "sriov[%zu].vf_defaults", i);
			if (p->vf_spoof_check >= 0 && c->spoof_check >= 0 &&
			    c->spoof_check != p->vf_spoof_check)
				return cfg_fail_at(w, c->pos.line, c->pos.col,
					       "%s: spoof_check %s contradicts vf_policy.spoof_check "
					       "%s (the gate would fail this host)",
					       what, c->spoof_check ? "true" : "false",
					       p->vf_spoof_check ? "true" : "false");
			if (p->vf_trust >= 0 && c->trust >= 0 && c->trust != p->vf_trust)
				return cfg_fail_at(w, c->pos.line, c->pos.col,
					       "%s: trust %s contradicts vf_policy.trust %s (the gate "
					       "would fail this host)",
					       what, c->trust ? "true" : "false",
					       p->vf_trust ? "true" : "false");
			if (p->vf_vlan_required == 1 && c->vlan == 0)
				return cfg_fail_at(w, c->pos.line, c->pos.col,
					       "%s: vlan 0 (no VLAN) contradicts vf_policy.vlan "
					       "required", what);
		}
	}
	return 0;
}

static int profile_root_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_profile *p = obj;
	char b[64];
	int r;

	(void)map;
	(void)seen;
	r = hugepages_cross(w, p->hugepages, p->n_hugepages, false);
	if (r)
		return r;
	/* an entry with pages is also the host configuration's reservation, and requires
	 * at least that many pages of the gate unless it says total itself */
	for (size_t i = 0; i < p->n_hugepages; i++) {
		struct pt_hugepage_req *q = &p->hugepages[i];

		if (q->pages < 0)
			continue;
		if (q->min_total < 0)
			q->min_total = q->pages;
		if (PT_PUSH(p->cfg.hugepages, p->cfg.n_hugepages, *q))
			return cfg_fail_at(w, q->pos.line, q->pos.col, "out of memory");
	}
	for (size_t i = 0; i < p->n_firmware; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->firmware[i].driver, p->firmware[j].driver))
				return cfg_fail_at(w, p->firmware[i].pos.line, p->firmware[i].pos.col,
					       "firmware[%zu]: driver %s is already listed by "
					       "firmware[%zu] (line %d)",
					       i, p->firmware[i].driver, j, p->firmware[j].pos.line);
	for (size_t i = 0; i < p->n_devices; i++)
		for (size_t j = 0; j < i; j++)
			if (match_same(&p->devices[i].match, &p->devices[j].match))
				return cfg_fail_at(w, p->devices[i].match.pos.line,
					       p->devices[i].match.pos.col,
					       "devices[%zu].match: %s is already listed as "
					       "devices[%zu] (line %d)",
					       i, pt_match_str(&p->devices[i].match, b, sizeof(b)), j,
					       p->devices[j].pos.line);
	r = hostcfg_cross(w, &p->cfg);
	return r ? r : policy_conflict(w, p);
}

static const struct schema profile_schema = {
	.what = "a profile",
	.fields = schema_profile_fields,
	.pos_off = -1,
	.check = profile_root_check,
};

static const struct schema hostcfg_schema = {
	.what = "a host configuration",
	.fields = schema_hostcfg_fields,
	.pos_off = -1,
	.check = hostcfg_root_check,
};

/* ---- stage 3 and the public API ---------------------------------------------------- */

char *pt_match_str(const struct pt_match *m, char *buf, size_t len)
{
	char b[PT_BDF_STRLEN];

	switch (m->kind) {
	case PT_MATCH_BDF:
		snprintf(buf, len, "bdf %s", pt_bdf_format(&m->bdf, b));
		break;
	case PT_MATCH_NETDEV:
		snprintf(buf, len, "netdev %s", m->netdev);
		break;
	case PT_MATCH_ID:
		snprintf(buf, len, "id %04x:%04x #%d", m->vendor_id, m->device_id, m->index);
		break;
	default:
		snprintf(buf, len, "(no selector)");
	}
	return buf;
}

void pt_profile_defaults(struct pt_profile *p)
{
	static const char *const forbid[] = { "iommu=off", "intel_iommu=off", "amd_iommu=off",
					      "intremap=off" };

	memset(p, 0, sizeof(*p));
	pt_strlcpy(p->source, "(defaults)", sizeof(p->source));
	p->require_dma_remapping = true;
	p->require_interrupt_remapping = true;
	p->default_domain[0] = '\0';
	p->cmdline_forbid = calloc(sizeof(forbid) / sizeof(forbid[0]), sizeof(char *));
	if (p->cmdline_forbid) {
		for (size_t i = 0; i < sizeof(forbid) / sizeof(forbid[0]); i++) {
			p->cmdline_forbid[i] = strdup(forbid[i]);
			if (!p->cmdline_forbid[i])
				break; /* out of memory: a shorter list, never a crash */
			p->n_cmdline_forbid++;
		}
	}
	p->irqbalance = -1;
	p->sev_link_degraded = PT_SEV_WARN;
	p->sev_iommu_faults = PT_SEV_FAIL;
	p->sev_aer_fatal = PT_SEV_FAIL;
	p->sev_aer_nonfatal = PT_SEV_WARN;
	p->sev_aer_correctable = PT_SEV_IGNORE;
	p->sev_irq_affinity = PT_SEV_WARN;
	p->sev_acs_override = PT_SEV_FAIL;
	p->vf_spoof_check = 1;
	p->vf_trust = 0;
	p->vf_vlan_required = -1;
}

void pt_boot_config_free(struct pt_boot_config *b)
{
	free(b->hugepages);
	free(b->vfio);
	pt_strv_free(b->extra, b->n_extra);
	memset(b, 0, sizeof(*b));
}

static void *dup_array(const void *src, size_t n, size_t elem)
{
	void *p;

	if (!n)
		return NULL;
	p = malloc(n * elem);
	if (p)
		memcpy(p, src, n * elem);
	return p;
}

int pt_boot_config_copy(struct pt_boot_config *dst, const struct pt_boot_config *src)
{
	struct pt_boot_config b = *src;

	b.hugepages = dup_array(src->hugepages, src->n_hugepages, sizeof(*src->hugepages));
	b.vfio = dup_array(src->vfio, src->n_vfio, sizeof(*src->vfio));
	b.extra = src->n_extra ? calloc(src->n_extra, sizeof(char *)) : NULL;
	b.n_extra = 0;
	if ((src->n_hugepages && !b.hugepages) || (src->n_vfio && !b.vfio) ||
	    (src->n_extra && !b.extra))
		goto oom;
	for (size_t i = 0; i < src->n_extra; i++) {
		b.extra[i] = strdup(src->extra[i]);
		if (!b.extra[i])
			goto oom;
		b.n_extra++;
	}
	pt_boot_config_free(dst);
	*dst = b;
	return 0;
oom:
	pt_boot_config_free(&b);
	return -ENOMEM;
}

void pt_hostcfg_free(struct pt_hostcfg *c)
{
	if (!c)
		return;
	pt_boot_config_free(&c->boot);
	for (size_t i = 0; i < c->n_sriov; i++)
		free(c->sriov[i].vf);
	free(c->sriov);
	free(c->passthrough);
	for (size_t i = 0; i < c->n_pools; i++)
		free(c->pools[i].members);
	free(c->pools);
	free(c->hugepages);
	memset(c, 0, sizeof(*c));
}

void pt_profile_free(struct pt_profile *p)
{
	if (!p)
		return;
	pt_strv_free(p->cmdline_require, p->n_cmdline_require);
	pt_strv_free(p->cmdline_forbid, p->n_cmdline_forbid);
	free(p->hugepages);
	free(p->devices);
	for (size_t i = 0; i < p->n_firmware; i++) {
		pt_strv_free(p->firmware[i].versions, p->firmware[i].n_versions);
		pt_strv_free(p->firmware[i].firmware, p->firmware[i].n_firmware);
	}
	free(p->firmware);
	pt_hostcfg_free(&p->cfg);
	memset(p, 0, sizeof(*p));
}

int pt_profile_parse(const char *buf, size_t len, const char *filename, struct pt_profile *p,
		     struct pt_cfg_error *err)
{
	int r;

	pt_profile_defaults(p);
	pt_strlcpy(p->source, filename && *filename ? filename : "(string)", sizeof(p->source));
	r = schema_parse_doc(buf, len, filename, &profile_schema, p, err, NULL, NULL);
	if (r)
		pt_profile_free(p);
	return r;
}

int pt_hostcfg_parse(const char *buf, size_t len, const char *filename, struct pt_hostcfg *c,
		     struct pt_cfg_error *err)
{
	int r;

	memset(c, 0, sizeof(*c));
	r = schema_parse_doc(buf, len, filename, &hostcfg_schema, c, err, schema_profile_fields,
			     "a profile (passthru check --profile)");
	if (r)
		pt_hostcfg_free(c);
	return r;
}

int pt_profile_load(const char *path, struct pt_profile *p, struct pt_cfg_error *err)
{
	char *buf;
	size_t len;
	int r = cfg_read_file(path, &buf, &len, err);

	if (r) {
		memset(p, 0, sizeof(*p));
		return r;
	}
	r = pt_profile_parse(buf, len, path, p, err);
	free(buf);
	return r;
}

int pt_hostcfg_load(const char *path, struct pt_hostcfg *c, struct pt_cfg_error *err)
{
	char *buf;
	size_t len;
	int r = cfg_read_file(path, &buf, &len, err);

	if (r) {
		memset(c, 0, sizeof(*c));
		return r;
	}
	r = pt_hostcfg_parse(buf, len, path, c, err);
	free(buf);
	return r;
}
