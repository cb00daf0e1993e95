// SPDX-License-Identifier: MIT
/*
 * passthru assign / release: pools resolved on the host and synced into the state
 * database, leases taken there, and the leased functions made ready (or put back) by
 * the apply machinery: a small "want" planned by lib/plan.c and executed under the
 * apply journal by pt_apply_run(), so a failed step rolls back. See assign.h.
 */
#include "internal.h"
#include "sysfs-paths.h"
#include "passthru/assign.h"
#include "passthru/judge.h"
#include "passthru/parse.h"
#include "passthru/apply.h"
#include "passthru/safety.h"
#include "passthru/vm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 30000

/* ---- pools ---------------------------------------------------------------------------- */

void pt_pools_free(struct pt_pool_resolved *p, size_t n)
{
	if (!p)
		return;
	for (size_t i = 0; i < n; i++) {
		free(p[i].members);
		free(p[i].bdfs);
	}
	free(p);
}

static int pool_add(const struct pt_host *h, struct pt_pool_resolved *p, const struct pt_device *d,
		    size_t *cap)
{
	struct pt_numa_judgement nj;

	if (p->n_members == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct pt_pool_member *m = realloc(p->members, nc * sizeof(*m));
		char(*b)[PT_BDF_STRLEN];

		if (!m)
			return -ENOMEM;
		p->members = m;
		b = realloc(p->bdfs, nc * sizeof(*b));
		if (!b)
			return -ENOMEM;
		p->bdfs = b;
		*cap = nc;
	}
	pt_bdf_format(&d->bdf, p->bdfs[p->n_members]);
	/* the node every command reports for it: a VF's PF's when the two disagree */
	pt_judge_numa(h, d, &nj);
	p->members[p->n_members] = (struct pt_pool_member){ .numa_node = nj.node,
							    .iommu_group = d->iommu_group };
	p->n_members++;
	return 0;
}

static int resolve_one(const struct pt_host *h, const struct pt_pool_config *pc,
		       struct pt_pool_resolved *p)
{
	char why[192], sel[96];
	size_t cap = 0;

	pt_strlcpy(p->name, pc->name, sizeof(p->name));
	p->kind = pc->kind == PT_POOL_VFS ? "vfs" : "devices";
	for (size_t k = 0; k < pc->n_members; k++) {
		const struct pt_device *d = pt_match_resolve(h, &pc->members[k], why, sizeof(why));

		pt_match_str(&pc->members[k], sel, sizeof(sel));
		if (!d) {
			snprintf(p->error, sizeof(p->error), "pool %s (line %d): %s: %s", pc->name,
				 pc->members[k].pos.line, sel, why);
			return 0;
		}
		if (pc->kind == PT_POOL_DEVICES) {
			if (pool_add(h, p, d, &cap) < 0)
				return -ENOMEM;
			continue;
		}
		if (d->kind != PT_KIND_PF) {
			snprintf(p->error, sizeof(p->error), "pool %s (line %d): vfs_of %s: %s is not "
				 "an SR-IOV PF", pc->name, pc->members[k].pos.line, sel, d->name);
			return 0;
		}
		for (size_t v = 0; v < d->n_vfs; v++) {
			const struct pt_device *vf = pt_host_find(h, &d->vfs[v]);

			if (vf && pool_add(h, p, vf, &cap) < 0)
				return -ENOMEM;
		}
	}
	/* members point into bdfs only now: bdfs may have moved while growing */
	for (size_t i = 0; i < p->n_members; i++)
		p->members[i].bdf = p->bdfs[i];
	return 0;
}

int pt_pools_resolve(const struct pt_host *h, const struct pt_hostcfg *cfg,
		     struct pt_pool_resolved **out, size_t *n)
{
	struct pt_pool_resolved *p = calloc(cfg->n_pools ? cfg->n_pools : 1, sizeof(*p));

	*out = NULL;
	*n = 0;
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_pools; i++)
		if (resolve_one(h, &cfg->pools[i], &p[i]) < 0) {
			pt_pools_free(p, cfg->n_pools);
			return -ENOMEM;
		}
	*out = p;
	*n = cfg->n_pools;
	return 0;
}

int pt_pools_sync(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
		  const struct pt_hostcfg *cfg, const char *need)
{
	struct pt_pool_resolved *p;
	char names[256] = "";
	size_t n, used = 0;
	int r, found = need ? 0 : 1, ret = 0;

	r = pt_pools_resolve(h, cfg, &p, &n);
	if (r < 0)
		return pt_err(ctx, r, "out of memory resolving pools");
	for (size_t i = 0; i < n; i++) {
		bool needed = need && strcmp(p[i].name, need) == 0;

		if (used < sizeof(names))
			used += snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
					 p[i].name);
		if (needed)
			found = 1;
		if (p[i].error[0]) {
			if (needed)
				ret = pt_err(ctx, -ENODEV, "%s", p[i].error);
			continue; /* left as the database has it */
		}
		r = pt_state_sync_pool(st, p[i].name, p[i].kind, p[i].members, p[i].n_members);
		if (r < 0) {
			ret = r;
			break;
		}
	}
	if (ret == 0 && !found)
		ret = pt_err(ctx, -ENOENT, "the host configuration has no pool named %s (its pools: %s)",
			     need, names[0] ? names : "none");
	pt_pools_free(p, n);
	return ret;
}

/* ---- helpers ---------------------------------------------------------------------------- */

void pt_vf_placeholder_mac(const struct pt_bdf *pf, int vf, uint8_t mac[6])
{
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0;
	mac[2] = 0;
	mac[3] = pf->bus;
	mac[4] = (uint8_t)(pf->dev << 3 | pf->fn);
	mac[5] = (uint8_t)vf;
}

int pt_cpus_node(struct pt_ctx *ctx, const struct pt_host *h, const char *cpus)
{
	char spans[256] = "";
	size_t used = 0;

	if (pt_parse_cpulist(cpus, NULL, 0) <= 0)
		return pt_err(ctx, -EINVAL, "'%s' is not a CPU list (e.g. 2-7,10)", cpus);
	for (size_t i = 0; i < h->n_nodes; i++) {
		const struct pt_numa_node *nd = &h->nodes[i];

		if (!nd->cpulist[0])
			continue;
		if (pt_cpulist_subset(cpus, nd->cpulist) == 1)
			return nd->id;
		if (used < sizeof(spans))
			used += snprintf(spans + used, sizeof(spans) - used, "%snode %d: %s",
					 used ? ", " : "", nd->id, nd->cpulist);
	}
	return pt_err(ctx, -ENOENT, "CPUs %s are not all on one NUMA node (%s): pin the VM to "
		      "CPUs of one node, or name the node with --numa", cpus,
		      spans[0] ? spans : "this host reports no NUMA nodes");
}

bool pt_assign_group_viable(void *arg, const struct pt_bdf *bdf, int g)
{
	struct pt_viability *v = arg;
	const struct pt_device *d = pt_host_find(v->h, bdf);
	struct pt_assignability a;

	if (!d || d->iommu_group != g)
		return false; /* gone, or regrouped since the pools were synced */
	pt_judge_assignable(v->h, v->no_dma ? PT_NO : PT_YES, v->prot, v->n_prot, NULL, 0, d, &a);
	if (a.assignable == PT_YES)
		return true;
	if (!v->n_refused++)
		snprintf(v->refused_why, sizeof(v->refused_why), "%s: %s", a.causes[0].why,
			 a.causes[0].fix);
	for (size_t i = 0; i < a.n_causes && i < PT_MAX_CAUSES; i++)
		if (a.causes[i].kind == PT_CAUSE_PROTECTED && !v->n_refused_protected++)
			pt_strlcpy(v->protected_why, a.causes[i].why, sizeof(v->protected_why));
	return false;
}

static bool usable_now(void *arg, const struct pt_bdf *bdf, int g, char *why, size_t len)
{
	struct pt_viability *v = arg;
	size_t before = v->n_refused;
	bool ok = pt_assign_group_viable(v, bdf, g);
	const struct pt_device *d;

	if (ok)
		return true;
	if (before == 0) {
		pt_strlcpy(why, v->refused_why, len);
	} else if ((d = pt_host_find(v->h, bdf))) {
		struct pt_assignability a;

		pt_judge_assignable(v->h, v->no_dma ? PT_NO : PT_YES, v->prot, v->n_prot, NULL, 0, d, &a);
		if (a.n_causes)
			snprintf(why, len, "%s: %s", a.causes[0].why, a.causes[0].fix);
	} else {
		snprintf(why, len, "%s is not on this host any more", bdf ? "the device" : "?");
	}
	return false;
}

int pt_pools_usage(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
		   struct pt_pool_usage **out, size_t *n)
{
	struct pt_viability via = { .h = h };
	struct pt_judge_inputs in;
	int r;

	if (!h)
		return pt_state_pools_judged(st, NULL, NULL, out, n);
	r = pt_judge_inputs_read(ctx, h, NULL, &in);
	if (r < 0)
		return r;
	via.prot = in.prot;
	via.n_prot = in.n_prot;
	via.no_dma = in.dma.on == PT_NO;
	r = pt_state_pools_judged(st, usable_now, &via, out, n);
	pt_judge_inputs_free(&in);
	return r;
}

/* ---- readying: a small apply ------------------------------------------------------------- */

struct ready_item {
	const struct pt_device *d;
	unsigned has;          /* PT_VF_* settings for a VF */
	uint8_t mac[6];
	int vlan;
	bool spoofchk, trust;
};

static int want_pf_cmp(const void *a, const void *b)
{
	return pt_bdf_cmp(&((const struct pt_want_pf *)a)->bdf, &((const struct pt_want_pf *)b)->bdf);
}

static int want_dev_cmp(const void *a, const void *b)
{
	return pt_bdf_cmp(&((const struct pt_want_dev *)a)->bdf,
			  &((const struct pt_want_dev *)b)->bdf);
}

static int want_vf_cmp(const void *a, const void *b)
{
	return ((const struct pt_want_vf *)a)->vf - ((const struct pt_want_vf *)b)->vf;
}

static void want_vfio(struct pt_want_fn *fn)
{
	memset(fn, 0, sizeof(*fn));
	pt_strlcpy(fn->driver, "vfio-pci", sizeof(fn->driver));
	fn->has_override = true; /* a re-probe must not hand it back to the host */
	pt_strlcpy(fn->override, "vfio-pci", sizeof(fn->override));
}

static int build_want(const struct ready_item *it, size_t n, struct pt_want *w)
{
	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < n; i++) {
		const struct pt_device *d = it[i].d;

		if (d->kind == PT_KIND_VF && d->has_physfn && d->vf_index >= 0) {
			struct pt_want_pf *pf = NULL;
			struct pt_want_vf v = { .vf = d->vf_index };

			for (size_t k = 0; k < w->n_pfs; k++)
				if (pt_bdf_eq(&w->pfs[k].bdf, &d->physfn))
					pf = &w->pfs[k];
			if (!pf) {
				struct pt_want_pf np = { .bdf = d->physfn, .numvfs = -1, .autoprobe = -1 };

				if (PT_PUSH(w->pfs, w->n_pfs, np))
					goto nomem;
				pf = &w->pfs[w->n_pfs - 1];
			}
			v.set.vf = d->vf_index;
			v.set.has = it[i].has;
			memcpy(v.set.mac, it[i].mac, 6);
			v.set.vlan = it[i].vlan;
			v.set.spoofchk = it[i].spoofchk;
			v.set.trust = it[i].trust;
			want_vfio(&v.fn);
			if (PT_PUSH(pf->vfs, pf->n_vfs, v))
				goto nomem;
		} else {
			struct pt_want_dev wd = { .bdf = d->bdf };

			want_vfio(&wd.fn);
			if (PT_PUSH(w->devs, w->n_devs, wd))
				goto nomem;
		}
	}
	for (size_t k = 0; k < w->n_pfs; k++)
		qsort(w->pfs[k].vfs, w->pfs[k].n_vfs, sizeof(*w->pfs[k].vfs), want_vf_cmp);
	if (w->n_pfs)
		qsort(w->pfs, w->n_pfs, sizeof(*w->pfs), want_pf_cmp);
	if (w->n_devs)
		qsort(w->devs, w->n_devs, sizeof(*w->devs), want_dev_cmp);
	return 0;
nomem:
	pt_want_free(w);
	return -ENOMEM;
}

/* Plans the items against h and, unless dry_run, executes the plan under the apply
 * journal and lock (recovering an unfinished apply first, then planning again). A
 * device that is ready already plans empty: no lock, no journal, no write.
 * *steps: the plan's length. */
static int plan_items(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_want *w,
		      struct pt_link_vfs **links, size_t *nl, struct pt_plan *plan)
{
	char err[512];
	int r;

	pt_link_vfs_array_free(*links, *nl);
	*links = NULL;
	*nl = 0;
	pt_plan_free(plan);
	r = pt_want_read_links(ctx, h, w, links, nl);
	if (r < 0)
		return r;
	r = pt_plan_build(h, *links, *nl, w, plan, err, sizeof(err));
	if (r < 0)
		return pt_err(ctx, r, "%s", err);
	return 0;
}

static int make_ready(struct pt_ctx *ctx, const struct pt_host *h, const struct ready_item *it,
		      size_t n, const char *state_dir, const char *vm, bool force, int timeout_ms,
		      bool dry_run, size_t *steps)
{
	struct pt_apply_opts o = { .state_dir = state_dir, .config = "(passthru assign)",
				   .timeout_ms = timeout_ms, .own_vm = vm, .force = force };
	struct pt_safety_opts so = { .own_vm = vm, .force = force };
	struct pt_safety_result sr = { 0 };
	struct pt_lease *active = NULL;
	char warn[320];
	struct pt_apply_result res = { 0 };
	struct pt_link_vfs *links = NULL;
	struct pt_journal *j = NULL;
	struct pt_host *fresh = NULL;
	struct pt_plan plan = { 0 };
	struct pt_want w;
	size_t nl = 0;
	int r;

	*steps = 0;
	r = build_want(it, n, &w);
	if (r < 0)
		return pt_err(ctx, r, "out of memory");
	r = plan_items(ctx, h, &w, &links, &nl, &plan);
	if (r < 0 || plan.n == 0)
		goto out;
	/* the gate apply and the one-shot commands pass through, dry run or not */
	pt_state_active_leases(ctx, state_dir, &active, &so.n_leases, warn, sizeof(warn));
	so.leases = active;
	r = pt_safety_check_plan(ctx, h, &plan, &so, &sr);
	free(active);
	if (r == 0 && sr.n_refused)
		r = pt_err(ctx, -EPERM, "refused %s (%s): %s", sr.refused[0].device, sr.refused[0].kind,
			   sr.refused[0].reason);
	pt_safety_result_free(&sr);
	if (r < 0 || dry_run)
		goto out;
	r = pt_journal_open(ctx, state_dir, 30000, &j);
	if (r < 0)
		goto out;
	r = pt_apply_recover(ctx, j, &o, &res);
	if (r < 0)
		goto out;
	if (res.recovery_steps) {
		/* an unfinished apply was undone: plan from what the host is now */
		r = pt_host_scan(ctx, &fresh);
		if (r < 0)
			goto out;
		h = fresh;
		r = plan_items(ctx, h, &w, &links, &nl, &plan);
		if (r < 0 || plan.n == 0)
			goto out;
	}
	pt_apply_result_free(&res);
	res = (struct pt_apply_result){ 0 };
	r = pt_apply_run(ctx, j, h, links, nl, &plan, &o, &res);
	if (r < 0)
		r = pt_err(ctx, r, "%s%s%s", res.error,
			   res.rollback_ok ? "; rolled back" : "; ROLLBACK FAILED: ",
			   res.rollback_ok ? "" : res.rollback_error);
out:
	*steps = plan.n;
	pt_apply_result_free(&res);
	pt_plan_free(&plan);
	pt_link_vfs_array_free(links, nl);
	pt_want_free(&w);
	pt_journal_close(j);
	pt_host_free(fresh);
	return r;
}

/* The PF of a VF when it is a NIC with an interface to set VF settings through. */
static const struct pt_device *net_pf(const struct pt_host *h, const struct pt_device *d)
{
	const struct pt_device *pf;

	if (d->kind != PT_KIND_VF || !d->has_physfn || d->vf_index < 0)
		return NULL;
	pf = pt_host_find(h, &d->physfn);
	if (!pf || pf->n_netdevs == 0 || !pt_class_is_net(pf->class_code))
		return NULL;
	return pf;
}

/* ---- assign ---------------------------------------------------------------------------------- */

void pt_assign_result_free(struct pt_assign_result *r)
{
	if (!r)
		return;
	free(r->devs);
	r->devs = NULL;
	r->n = 0;
}

static void give_back(struct pt_state *st, const char *vm, const struct pt_lease *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pt_state_release(st, vm, l[i].bdf, NULL, NULL);
}

/* Step 1: the leases, in the state database, of devices the shared judgement calls
 * assignable (lib/judge.c; protected functions refused unless o->force). */
static int assign_take_leases(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
			      const struct pt_assign_opts *o, const struct pt_protected *prot,
			      size_t n_prot, bool no_dma, struct pt_lease **leases, size_t *n)
{
	struct pt_viability via = { .h = h };
	struct pt_assign_req req;
	char saved[sizeof(ctx->err)];
	int r;

	via.no_dma = no_dma;
	if (!o->force) {
		via.prot = prot;
		via.n_prot = n_prot;
	}
	req = (struct pt_assign_req){ .vm = o->vm, .pool = o->pool, .count = o->count,
				      .numa_node = o->numa_node, .allow_remote = o->allow_remote,
				      .mac = o->mac, .vlan = o->vlan,
				      .group_viable = pt_assign_group_viable,
				      .group_viable_arg = &via };
	r = pt_state_assign(st, &req, leases, n);
	if (r == -ENOSPC && via.n_refused) {
		/* the refusal names the cause that applied, and its fix */
		pt_strlcpy(saved, pt_ctx_error(ctx), sizeof(saved));
		pt_err(ctx, r, "%s; %s%s", saved, via.refused_why,
		       via.n_refused_protected ? " (--force takes what the host needs anyway)" : "");
	}
	return r;
}

/* Step 2, per lease: what the caller is told about the device (a) and what readying
 * it takes (it: vfio-pci, and the MAC/VLAN on a NIC's VF). */
static int assign_describe(struct pt_ctx *ctx, const struct pt_host *h,
			   const struct pt_assign_opts *o, const uint8_t mac[6],
			   const struct pt_lease *l, struct pt_assigned *a, struct ready_item *it)
{
	const struct pt_device *d, *pf;
	struct pt_bdf b;

	if (pt_bdf_parse(l->bdf, &b) < 0 || !(d = pt_host_find(h, &b)))
		return pt_err(ctx, -ENODEV, "%s (pool %s) is not on this host any more: re-run "
			      "with the pools synced (passthru pools)", l->bdf, o->pool);
	a->lease = *l;
	a->vf = -1;
	a->class_code = d->class_code;
	a->net = pt_class_is_net(d->class_code);
	{
		struct pt_numa_judgement nj;

		/* the node's CPUs every command reports: a VF's PF's when they disagree */
		pt_judge_numa(h, d, &nj);
		pt_strlcpy(a->cpulist, nj.cpulist, sizeof(a->cpulist));
	}
	if (d->kind == PT_KIND_VF && d->has_physfn) {
		a->is_vf = true;
		pt_bdf_format(&d->physfn, a->pf);
		a->vf = d->vf_index;
	}
	pf = net_pf(h, d);
	if (pf)
		pt_strlcpy(a->pf_ifname, pf->netdevs[0], sizeof(a->pf_ifname));
	it->d = d;
	if (!(o->mac && *o->mac) && o->vlan <= 0)
		return 0;
	if (!pf)
		return pt_err(ctx, -ENOTSUP, "%s is not a VF of a network PF with an interface: a "
			      "MAC or VLAN is set only on VFs of NICs, through their PF", d->name);
	if (o->mac && *o->mac) {
		it->has |= PT_VF_MAC;
		memcpy(it->mac, mac, 6);
	}
	if (o->vlan > 0) {
		it->has |= PT_VF_VLAN;
		it->vlan = o->vlan;
	}
	return 0;
}

/* "the host needs ..." for every protected function that was taken (--force). */
static void assign_note_forced(const struct pt_protected *prot, size_t n_prot,
			       const struct ready_item *items, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		const struct pt_protected *p = pt_safety_find(prot, n_prot, &items[i].d->bdf);

		if (p && used < len)
			used += snprintf(buf + used, len - used, "%s%s %s", used ? "; " : "",
					 items[i].d->name, p->why);
	}
}

/* Step 4: each device's driver as it is now (a fixture tree keeps the one it had). */
static void assign_read_drivers(struct pt_ctx *ctx, const struct pt_host *h,
				const struct pt_assign_opts *o, struct pt_assigned *devs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pt_bdf b;
		const struct pt_device *d;
		char link[256];

		pt_bdf_parse(devs[i].lease.bdf, &b);
		d = pt_host_find(h, &b);
		if (!o->dry_run && pt_readlink(ctx, link, sizeof(link), PT_SYSFS_PCI_DEVICES "/%s/driver",
					       devs[i].lease.bdf) >= 0) {
			const char *s = strrchr(link, '/');

			pt_strlcpy(devs[i].driver, s ? s + 1 : link, sizeof(devs[i].driver));
		} else if (d) {
			pt_strlcpy(devs[i].driver, o->dry_run ? "vfio-pci" : d->driver,
				   sizeof(devs[i].driver));
		}
	}
}

/* The NUMA node every lease is on (and its CPUs), -1 when they differ or it is unknown;
 * how many leases are off the requested node. */
static void assign_locality(const struct pt_host *h, const struct pt_lease *l, size_t n,
			    struct pt_assign_result *res)
{
	int node = -2;

	for (size_t i = 0; i < n; i++) {
		if (node == -2)
			node = l[i].numa_node;
		else if (node != l[i].numa_node)
			node = -1;
		if (l[i].remote)
			res->n_remote++;
	}
	res->node = node >= 0 ? node : -1;
	if (res->node >= 0) {
		const struct pt_numa_node *nd = pt_host_node(h, res->node);

		if (nd)
			pt_strlcpy(res->node_cpus, nd->cpulist, sizeof(res->node_cpus));
	}
}

/* Leases, describes, readies; on any failure after the leases were taken they are
 * given back, so no lease is left behind. */
int pt_assign(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
	      const struct pt_assign_opts *o, struct pt_assign_result *res)
{
	struct pt_judge_inputs in = { 0 };
	struct pt_protected *prot = NULL;
	struct ready_item *items = NULL;
	struct pt_lease *leases = NULL;
	size_t n_prot = 0, n = 0;
	char saved[sizeof(ctx->err)];
	uint8_t mac[6];
	int r;

	memset(res, 0, sizeof(*res));
	res->node = -1;
	if (o->mac && *o->mac && pt_parse_mac(o->mac, mac) < 0)
		return pt_err(ctx, -EINVAL, "\"%.40s\" is not a MAC address (aa:bb:cc:dd:ee:ff)",
			      o->mac);
	/* the same judgement show, check, doctor and pools make (lib/judge.c) */
	r = pt_judge_inputs_read(ctx, h, NULL, &in);
	if (r < 0)
		return r;
	prot = in.prot;
	n_prot = in.n_prot;
	r = assign_take_leases(ctx, st, h, o, prot, n_prot, in.dma.on == PT_NO, &leases, &n);
	if (r < 0)
		goto out;
	items = calloc(n, sizeof(*items));
	res->devs = calloc(n, sizeof(*res->devs));
	if (!items || !res->devs) {
		r = pt_err(ctx, -ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		r = assign_describe(ctx, h, o, mac, &leases[i], &res->devs[i], &items[i]);
		if (r < 0)
			goto fail;
		if (!res->numa_note[0]) {
			struct pt_numa_judgement nj;

			pt_judge_numa(h, items[i].d, &nj);
			if (nj.disagrees)
				pt_strlcpy(res->numa_note, nj.note, sizeof(res->numa_note));
		}
	}
	assign_note_forced(prot, n_prot, items, n, res->forced, sizeof(res->forced));
	assign_locality(h, leases, n, res);
	/* step 3: vfio-pci and the VF settings, under the apply journal and its gate */
	r = make_ready(ctx, h, items, n, o->state_dir, o->vm, o->force,
		       o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS, o->dry_run,
		       &res->steps);
	if (r < 0) {
		if (r == -ENOTSUP) {
			pt_strlcpy(saved, pt_ctx_error(ctx), sizeof(saved));
			pt_err(ctx, r, "cannot set the VF's MAC/VLAN here: %s", saved);
		}
		goto fail;
	}
	assign_read_drivers(ctx, h, o, res->devs, n);
	res->n = n;
	if (o->dry_run) {
		give_back(st, o->vm, leases, n);
		snprintf(res->note, sizeof(res->note), "dry run: the devices were chosen and given "
			 "back at once; %zu kernel write%s would make them ready", res->steps,
			 res->steps == 1 ? "" : "s");
	}
	r = 0;
	goto out;
fail:
	pt_strlcpy(saved, pt_ctx_error(ctx), sizeof(saved));
	give_back(st, o->vm, leases, n);
	pt_err(ctx, r, "%s", saved);
	free(res->devs);
	res->devs = NULL;
	res->n = 0;
	res->node = -1;
	res->node_cpus[0] = '\0';
out:
	free(items);
	free(leases);
	free(prot);
	return r;
}

/* ---- release ------------------------------------------------------------------------------- */

int pt_device_reset(struct pt_ctx *ctx, const struct pt_device *d, int timeout_ms)
{
	char methods[96];
	int r;

	r = pt_read_attr(ctx, methods, sizeof(methods), PT_SYSFS_PCI_DEVICES "/%s/reset_method", d->name);
	if (r == 0 || (r < 0 && !pt_exists(ctx, PT_SYSFS_PCI_DEVICES "/%s/reset", d->name)))
		return pt_err(ctx, -ENOTTY, "%s has no reset method (the kernel offers %s): it "
			      "cannot be cleaned between VMs", d->name,
			      r == 0 ? "an empty reset_method" : "neither reset_method nor reset");
	r = pt_write_attr(ctx, "1", timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS,
			  PT_SYSFS_PCI_DEVICES "/%s/reset", d->name);
	if (r < 0) {
		char why[sizeof(ctx->err)];

		pt_strlcpy(why, pt_ctx_error(ctx), sizeof(why)); /* pt_err writes over it */
		return pt_err(ctx, r, "resetting %s (reset_method: %s) failed: %s", d->name,
			      methods[0] ? methods : "?", why);
	}
	return 0;
}

/* Release step 0: true (and out says so) when a process still holds d through vfio:
 * a reset would pull it from under the guest. */
static bool release_in_use(struct pt_ctx *ctx, const struct pt_device *d,
			   const struct pt_lease *l, struct pt_released *out)
{
	char comm[64];
	long pid = pt_vfio_holder(ctx, d, comm, sizeof(comm));

	if (pid <= 0)
		return false;
	out->in_use = true;
	out->holder_pid = pid;
	snprintf(out->reset, sizeof(out->reset), "not reset: in use");
	snprintf(out->why, sizeof(out->why), "%s is open in process %ld (%s) through vfio: the "
		 "VM still runs; left leased to %s (stop the VM first, or --force)", l->bdf, pid,
		 comm[0] ? comm : "?", l->vm);
	return true;
}

/* Release step 1: the reset, while the lease still keeps everyone else away. */
static void release_reset(struct pt_ctx *ctx, const struct pt_device *d,
			  const struct pt_lease *l, const struct pt_release_opts *o, int timeout,
			  struct pt_released *out)
{
	char methods[96] = "";

	pt_read_attr(ctx, methods, sizeof(methods), PT_SYSFS_PCI_DEVICES "/%s/reset_method", d->name);
	if (o->no_reset) {
		out->reset_ok = true;
		snprintf(out->reset, sizeof(out->reset), "reset skipped");
	} else if (o->dry_run) {
		out->reset_ok = true;
		snprintf(out->reset, sizeof(out->reset), "would reset (reset_method: %s)",
			 methods[0] ? methods : "none");
	} else if (pt_device_reset(ctx, d, timeout) < 0) {
		snprintf(out->reset, sizeof(out->reset), "%s", pt_ctx_error(ctx));
		snprintf(out->why, sizeof(out->why), "reset failed after %s's lease: %s", l->vm,
			 pt_ctx_error(ctx));
	} else {
		out->reset_ok = true;
		snprintf(out->reset, sizeof(out->reset), "reset (reset_method: %s)",
			 methods[0] ? methods : "as the kernel chose");
	}
}

/* Release step 2: the pool's VF policy back (placeholder MAC, no VLAN, spoof checking
 * on, trust off), still on vfio-pci. */
static void release_policy(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_device *d,
			   const struct pt_lease *l, const struct pt_release_opts *o, int timeout,
			   struct pt_released *out)
{
	const struct pt_device *pf = net_pf(h, d);
	struct ready_item it = { .d = d };
	size_t steps = 0;
	char mac[18];
	int r;

	if (pf) {
		it.has = PT_VF_MAC | PT_VF_VLAN | PT_VF_SPOOFCHK | PT_VF_TRUST;
		pt_vf_placeholder_mac(&d->physfn, d->vf_index, it.mac);
		it.vlan = 0;
		it.spoofchk = true;
		it.trust = false;
	}
	r = make_ready(ctx, h, &it, 1, o->state_dir, l->vm, false, timeout, o->dry_run, &steps);
	if (r == 0) {
		out->policy = pf ? 1 : 0;
		if (pf)
			snprintf(out->policy_msg, sizeof(out->policy_msg), "%s vf %d: mac %s, vlan 0, "
				 "spoof checking on, trust off%s", pf->netdevs[0], d->vf_index,
				 pt_format_mac(it.mac, mac, sizeof(mac)),
				 o->dry_run ? " (would be set)" : "");
		else
			snprintf(out->policy_msg, sizeof(out->policy_msg), "kept on vfio-pci");
	} else if (r == -ENOTSUP) {
		out->policy = -2;
		snprintf(out->policy_msg, sizeof(out->policy_msg), "VF policy not restored: %s",
			 pt_ctx_error(ctx));
	} else {
		out->policy = -1;
		snprintf(out->policy_msg, sizeof(out->policy_msg), "%s", pt_ctx_error(ctx));
		if (!out->why[0])
			snprintf(out->why, sizeof(out->why), "restoring the VF policy after %s's "
				 "lease failed: %s", l->vm, pt_ctx_error(ctx));
	}
}

/* Release step 3: the lease ends; the device goes back to its pool, or into
 * quarantine when a step before failed (out->why). */
static void release_end_lease(struct pt_ctx *ctx, struct pt_state *st, const struct pt_lease *l,
			      struct pt_released *out)
{
	int r = pt_state_release(st, l->vm, l->bdf, NULL, NULL);

	if (r < 0) {
		snprintf(out->why, sizeof(out->why), "ending the lease failed: %s", pt_ctx_error(ctx));
		return;
	}
	if (out->why[0]) {
		r = pt_state_quarantine(st, l->bdf, out->why);
		out->quarantined = r == 0;
	}
}

static void release_one(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
			const struct pt_lease *l, const struct pt_release_opts *o,
			struct pt_released *out)
{
	int timeout = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	const struct pt_device *d;
	struct pt_bdf b;

	out->lease = *l;
	if (pt_bdf_parse(l->bdf, &b) < 0 || !(d = pt_host_find(h, &b))) {
		snprintf(out->reset, sizeof(out->reset), "not reset: %s is not on this host", l->bdf);
		snprintf(out->why, sizeof(out->why), "gone from the host while leased to %s", l->vm);
	} else {
		if (!o->force && release_in_use(ctx, d, l, out))
			return;
		release_reset(ctx, d, l, o, timeout, out);
		release_policy(ctx, h, d, l, o, timeout, out);
	}
	if (!o->dry_run)
		release_end_lease(ctx, st, l, out);
}

int pt_release(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h, const char *vm,
	       const char *bdf, const struct pt_release_opts *o, struct pt_released **out,
	       size_t *n)
{
	static const struct pt_release_opts defaults = { 0 };
	struct pt_lease *all = NULL;
	struct pt_released *rel;
	char norm[PT_BDF_STRLEN] = "";
	size_t na = 0, k = 0;
	int r, quarantined = 0;

	*out = NULL;
	*n = 0;
	if (!o)
		o = &defaults;
	if (bdf) {
		struct pt_bdf b;

		if (pt_bdf_parse(bdf, &b) < 0)
			return pt_err(ctx, -EINVAL, "\"%.40s\" is not a PCI address (dddd:bb:dd.f)", bdf);
		pt_bdf_format(&b, norm);
	}
	r = pt_state_leases(st, vm, &all, &na);
	if (r < 0)
		return r;
	if (bdf) {
		size_t w = 0;

		for (size_t i = 0; i < na; i++)
			if (strcmp(all[i].bdf, norm) == 0)
				all[w++] = all[i];
		na = w;
		if (na == 0) {
			/* not this VM's: let the state say whose, or that it is not leased */
			free(all);
			r = pt_state_release(st, vm, norm, NULL, NULL);
			return r < 0 ? r : pt_err(ctx, -ENOENT, "%s is not leased to %s", norm, vm);
		}
	}
	rel = calloc(na ? na : 1, sizeof(*rel));
	if (!rel) {
		free(all);
		return pt_err(ctx, -ENOMEM, "out of memory");
	}
	for (k = 0; k < na; k++) {
		release_one(ctx, st, h, &all[k], o, &rel[k]);
		if (rel[k].quarantined || rel[k].in_use || (rel[k].why[0] && !o->dry_run))
			quarantined = 1;
	}
	free(all);
	*out = rel;
	*n = na;
	return quarantined;
}

/* ---- gc -------------------------------------------------------------------------------------- */

void pt_gc_result_free(struct pt_gc_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->vms[i].released);
	free(r->vms);
	r->vms = NULL;
	r->n = 0;
}

static bool gc_is_live(const char *const *live, size_t n, const char *vm)
{
	for (size_t i = 0; i < n; i++)
		if (live[i] && strcmp(live[i], vm) == 0)
			return true;
	return false;
}

/* The VMs holding leases that are not live, each with its lease count. */
static int gc_gone_vms(struct pt_ctx *ctx, struct pt_state *st, const char *const *live,
		       size_t n_live, struct pt_gc_result *res)
{
	struct pt_lease *l = NULL;
	size_t n = 0;
	int r = pt_state_leases(st, NULL, &l, &n);

	/* leases come ordered by VM: one entry per VM */
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct pt_gc_vm v = { .n_leases = 1 };

		if (res->n && strcmp(res->vms[res->n - 1].vm, l[i].vm) == 0) {
			res->vms[res->n - 1].n_leases++;
			continue;
		}
		if (gc_is_live(live, n_live, l[i].vm))
			continue;
		pt_strlcpy(v.vm, l[i].vm, sizeof(v.vm));
		if (PT_PUSH(res->vms, res->n, v) < 0)
			r = pt_err(ctx, -ENOMEM, "out of memory");
	}
	free(l);
	return r;
}

/* Marks the VMs the gc rule finds stale. */
static int gc_mark_stale(struct pt_state *st, const char *const *live, size_t n_live,
			 long min_age_s, struct pt_gc_result *res)
{
	struct pt_lease *stale = NULL;
	size_t n = 0;
	int r = pt_state_gc_stale(st, live, n_live, min_age_s, &stale, &n);

	for (size_t i = 0; r == 0 && i < res->n; i++)
		for (size_t k = 0; k < n && !res->vms[i].stale; k++)
			res->vms[i].stale = strcmp(stale[k].vm, res->vms[i].vm) == 0;
	free(stale);
	return r;
}

int pt_gc(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
	  const char *const *live_vms, size_t n_live, long min_age_s,
	  const struct pt_release_opts *o, struct pt_gc_result *res)
{
	int r, any = 0;

	memset(res, 0, sizeof(*res));
	r = gc_gone_vms(ctx, st, live_vms, n_live, res);
	if (r == 0)
		r = gc_mark_stale(st, live_vms, n_live, min_age_s, res);
	if (r < 0) {
		pt_gc_result_free(res);
		return r;
	}
	for (size_t i = 0; i < res->n; i++) {
		struct pt_gc_vm *v = &res->vms[i];

		if (!v->stale)
			continue;
		v->result = pt_release(ctx, st, h, v->vm, NULL, o, &v->released, &v->n_released);
		if (v->result < 0)
			pt_strlcpy(v->error, pt_ctx_error(ctx), sizeof(v->error));
		if (v->result != 0)
			any = 1;
	}
	return any;
}
