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
#include <sys/stat.h>
#include <signal.h>
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

static bool pool_has(const struct pt_pool_resolved *p, const struct pt_device *d)
{
	char b[PT_BDF_STRLEN];

	pt_bdf_format(&d->bdf, b);
	for (size_t i = 0; i < p->n_members; i++)
		if (strcmp(p->bdfs[i], b) == 0)
			return true;
	return false;
}

/* A devices pool holds whole IOMMU groups: d, and every other endpoint of its group
 * (a GPU's HDMI audio function), handed out together as one unit. */
static int add_with_group(const struct pt_host *h, struct pt_pool_resolved *p,
			  const struct pt_device *d, size_t *cap)
{
	const struct pt_device *others[64];
	size_t n_others = pt_group_other_endpoints(h, d, others, 64);

	if (!pool_has(p, d) && pool_add(h, p, d, cap) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n_others && i < 64; i++)
		if (!pool_has(p, others[i]) && pool_add(h, p, others[i], cap) < 0)
			return -ENOMEM;
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
		const struct pt_device *d = pt_match_find(h, &pc->members[k]);

		pt_match_str(&pc->members[k], sel, sizeof(sel));
		if (!d) { /* the pool's result says so: the other pools still serve */
			snprintf(p->error, sizeof(p->error), "pool %s (line %d): %s: %s", pc->name,
				 pc->members[k].pos.line, sel,
				 pt_match_absent_str(h, &pc->members[k], why, sizeof(why)));
			return 0;
		}
		if (pc->kind == PT_POOL_DEVICES) {
			if (add_with_group(h, p, d, &cap) < 0)
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

static bool scope_member(void *arg, const struct pt_bdf *bdf, int g, bool whole,
			 struct pt_pool_usage *u)
{
	struct pt_scope *s = arg;

	(void)g, (void)whole, (void)u;
	if (pt_scope_add_bdf(s, bdf, 0) < 0)
		pt_scope_all(s); /* out of memory: reading everything is never wrong */
	return true;
}

int pt_pools_scope(struct pt_state *st, const struct pt_hostcfg *cfg, struct pt_scope *s)
{
	struct pt_pool_usage *u = NULL;
	size_t n = 0;
	int r = 0;

	if (cfg) {
		struct pt_hostcfg pools = { .pools = cfg->pools, .n_pools = cfg->n_pools };

		r = pt_scope_add_hostcfg(s, &pools);
	}
	/* the members pools usage judges: the free ones, as the database holds them */
	if (r == 0 && st && pt_state_pools_judged(st, scope_member, s, &u, &n) < 0)
		pt_scope_all(s);
	pt_pool_usage_free(u, n);
	return r;
}

int pt_release_scope(struct pt_state *st, const char *vm, struct pt_scope *s)
{
	struct pt_lease *l = NULL;
	size_t n = 0;
	int r;

	r = pt_state_leases(st, vm, &l, &n);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = pt_scope_add(s, l[i].bdf, 0);
	free(l);
	return r < 0 ? r : 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

int pt_vf_placeholder_mac(const struct pt_bdf *pf, int vf, uint8_t mac[6])
{
	if (vf < 0 || vf >= PT_PLACEHOLDER_MAX_VF)
		return -ERANGE;
	/* locally administered (bit 1), unicast (bit 0 clear); VF index bits 8-13 above */
	mac[0] = (uint8_t)(0x02 | (vf >> 8) << 2);
	mac[1] = (uint8_t)(pf->domain >> 8);
	mac[2] = (uint8_t)pf->domain;
	mac[3] = pf->bus;
	mac[4] = (uint8_t)(pf->dev << 3 | pf->fn);
	mac[5] = (uint8_t)vf;
	return 0;
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

/* The judgement of d for a pool: a devices pool hands out d's whole group as one unit,
 * so the group's other endpoints go to vfio with it and their host drivers let go (they
 * are judged as taken with d, lib/judge.c's with); each of them is judged in turn. */
static void judge_member(const struct pt_viability *v, const struct pt_device *d,
			 struct pt_assignability *a)
{
	const struct pt_device *others[64];
	struct pt_bdf with[64];
	size_t n_with = 0;

	if (v->whole_group) {
		n_with = pt_group_other_endpoints(v->h, d, others, 64);
		if (n_with > 64)
			n_with = 64;
		for (size_t i = 0; i < n_with; i++)
			with[i] = others[i]->bdf;
	}
	pt_judge_assignable(v->h, v->no_dma ? PT_NO : PT_YES, v->prot, v->n_prot, with, n_with, d, a);
}

/* One refusal, once per function, kind and blocker. */
static void push_blocker(struct pt_viability *v, const struct pt_refusal *f)
{
	for (size_t i = 0; i < v->n_blockers; i++)
		if (!strcmp(v->blockers[i].device, f->device) && !strcmp(v->blockers[i].kind, f->kind) &&
		    !strcmp(v->blockers[i].blocker, f->blocker))
			return;
	PT_PUSH(v->blockers, v->n_blockers, *f); /* out of memory: one blocker fewer named */
}

/* One cause that keeps d from being handed out. */
static void add_blocker(struct pt_viability *v, const struct pt_device *d, const struct pt_cause *c)
{
	struct pt_refusal f;

	memset(&f, 0, sizeof(f));
	pt_strlcpy(f.device, d->name, sizeof(f.device));
	pt_strlcpy(f.kind, pt_cause_kind_str(c->kind), sizeof(f.kind));
	pt_strlcpy(f.blocker, c->device[0] ? c->device : d->name, sizeof(f.blocker));
	snprintf(f.reason, sizeof(f.reason), "%s: %s", c->why, c->fix);
	f.overridable = c->kind == PT_CAUSE_PROTECTED; /* only what the host needs: --force */
	push_blocker(v, &f);
}

/* The database names a function the host no longer has in that IOMMU group. */
static void add_gone(struct pt_viability *v, const struct pt_bdf *bdf, int g)
{
	struct pt_refusal f;

	memset(&f, 0, sizeof(f));
	pt_bdf_format(bdf, f.device);
	pt_strlcpy(f.kind, "not-on-host", sizeof(f.kind));
	pt_strlcpy(f.blocker, f.device, sizeof(f.blocker));
	snprintf(f.reason, sizeof(f.reason), "%s is not on this host any more, or not in IOMMU "
		 "group %d: list the pools again to sync them", f.device, g);
	push_blocker(v, &f);
}

bool pt_assign_group_viable(void *arg, const struct pt_bdf *bdf, int g)
{
	struct pt_viability *v = arg;
	const struct pt_device *d = pt_host_find(v->h, bdf);
	struct pt_assignability a;

	if (!d || d->iommu_group != g) {
		add_gone(v, bdf, g); /* gone, or regrouped since the pools were synced */
		return false;
	}
	judge_member(v, d, &a);
	if (a.assignable == PT_YES)
		return true;
	if (!v->n_refused++)
		snprintf(v->refused_why, sizeof(v->refused_why), "%s: %s", a.causes[0].why,
			 a.causes[0].fix);
	for (size_t i = 0; i < a.n_causes && i < PT_MAX_CAUSES; i++)
		add_blocker(v, d, &a.causes[i]);
	for (size_t i = 0; i < a.n_causes && i < PT_MAX_CAUSES; i++)
		if (a.causes[i].kind == PT_CAUSE_PROTECTED && !v->n_refused_protected++)
			pt_strlcpy(v->protected_why, a.causes[i].why, sizeof(v->protected_why));
	return false;
}

/* pt_state_pools_judged's callback: is bdf what assign would hand out now? If not,
 * every cause assign's refusal would name goes to the pool's row u. whole_group: its
 * pool is a devices pool. */
static bool usable_now(void *arg, const struct pt_bdf *bdf, int g, bool whole_group,
		       struct pt_pool_usage *u)
{
	struct pt_viability *v = arg;

	v->whole_group = whole_group;
	v->n_blockers = 0; /* this function's causes only */
	if (pt_assign_group_viable(v, bdf, g))
		return true;
	for (size_t i = 0; i < v->n_blockers; i++)
		pt_pool_usage_add_blocker(u, g, &v->blockers[i]); /* out of memory: fewer named */
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
	free(via.blockers);
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

/* Plans the items against h: the links (VF settings) read afresh. */
static int plan_items(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_want *w,
		      struct pt_link_vfs **links, size_t *nl, struct pt_plan *plan)
{
	int r;

	r = pt_want_read_links(ctx, h, w, links, nl);
	if (r < 0)
		return r;
	return pt_plan_build(ctx, h, *links, *nl, w, plan);
}

struct ready_opts {
	struct pt_journal *j;  /* held by the caller (the lock); NULL only for a dry run */
	const char *state_dir; /* where the active leases are, for the safety gate */
	const char *vm;        /* the VM the devices are readied for (or released by) */
	bool force;            /* the gate's refusals lifted (but "leased") */
	int timeout_ms;
	bool dry_run;
	bool keep_journal;     /* assign: the journal stays until the lease is active */
	int crash_after;       /* test-only, apply's PASSTHRU_CRASH_AFTER_STEP */
	struct pt_refusal **refused; /* out, optional: the gate's refusals (malloc'd) */
	size_t *n_refused;
};

/* Every refusal, one after the other: "DEV (KIND[, blocked by B]): REASON; ...", and
 * what overrides them. */
static void refusals_str(const struct pt_refusal *v, size_t n, char *buf, size_t len)
{
	size_t o = 0, hard = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++) {
		bool other = strcmp(v[i].blocker, v[i].device) != 0;

		hard += !v[i].overridable;
		o += (size_t)snprintf(buf + o, len - o, "%s%s (%s%s%s): %s", i ? "; " : "",
				      v[i].device, v[i].kind, other ? ", blocked by " : "",
				      other ? v[i].blocker : "", v[i].reason);
	}
	if (o < len)
		snprintf(buf + o, len - o, " [%zu blocker%s; %s]", n, n == 1 ? "" : "s",
			 hard == n ? "--force does not override them"
			 : hard ? "--force overrides only what the host needs"
				: "--force overrides");
}

/* Plans the items against h, passes the plan through the one safety gate apply and the
 * one-shot commands pass through (pt_safety_check_plan; dry run or not: a refusal is
 * -EPERM "refused DEV (KIND): REASON") and, unless dry_run, executes it under the journal
 * the caller holds (with its lock): a failed step is rolled back. A device that is
 * ready already plans empty: no journal, no write. *steps: the plan's length;
 * *journaled: a journal was begun (and, with keep_journal, is still there). */
static int make_ready(struct pt_ctx *ctx, const struct pt_host *h, const struct ready_item *it,
		      size_t n, const struct ready_opts *ro, size_t *steps, bool *journaled)
{
	struct pt_apply_opts o = { .state_dir = ro->state_dir, .config = "(passthru assign)",
				   .timeout_ms = ro->timeout_ms, .own_vm = ro->vm, .force = ro->force,
				   .crash_after_step = ro->crash_after,
				   .keep_journal = ro->keep_journal };
	struct pt_safety_opts so = { .own_vm = ro->vm, .force = ro->force };
	struct pt_safety_result sr = { 0 };
	struct pt_lease *active = NULL;
	char warn[320];
	struct pt_apply_result res = { 0 };
	struct pt_link_vfs *links = NULL;
	struct pt_plan plan = { 0 };
	struct pt_want w;
	size_t nl = 0;
	int r;

	*steps = 0;
	*journaled = false;
	r = build_want(it, n, &w);
	if (r < 0)
		return pt_err(ctx, r, "out of memory");
	r = plan_items(ctx, h, &w, &links, &nl, &plan);
	if (r < 0 || plan.n == 0)
		goto out;
	pt_state_active_leases(ctx, ro->state_dir, &active, &so.n_leases, warn, sizeof(warn));
	so.leases = active;
	r = pt_safety_check_plan(ctx, h, &plan, &so, &sr);
	free(active);
	if (r == 0 && sr.n_refused) {
		char all[sizeof(ctx->err) - 16];

		refusals_str(sr.refused, sr.n_refused, all, sizeof(all));
		r = pt_err(ctx, -EPERM, "refused %s", all);
		if (ro->refused) {
			*ro->refused = sr.refused;
			*ro->n_refused = sr.n_refused;
			sr.refused = NULL;
			sr.n_refused = 0;
		}
	}
	pt_safety_result_free(&sr);
	if (r < 0 || ro->dry_run)
		goto out;
	*journaled = true;
	r = pt_apply_run(ctx, ro->j, h, links, nl, &plan, &o, &res);
	if (r < 0) {
		*journaled = !res.rollback_ok; /* a failed rollback leaves it for recovery */
		r = pt_err(ctx, r, "%s%s%s", res.error,
			   res.rollback_ok ? "; rolled back" : "; ROLLBACK FAILED: ",
			   res.rollback_ok ? "" : res.rollback_error);
	}
out:
	*steps = plan.n;
	pt_apply_result_free(&res);
	pt_plan_free(&plan);
	pt_link_vfs_array_free(links, nl);
	pt_want_free(&w);
	return r;
}

/* ---- recovery: what a killed assign or apply left ------------------------------------ */

static bool journal_exists(struct pt_ctx *ctx, const char *state_dir)
{
	char dir[4096], path[4200];
	struct stat st;

	/* the one state-dir resolver: under a sysroot it refuses a linked way out */
	if (pt_state_dir(ctx, state_dir, false, dir, sizeof(dir)) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/apply.journal", dir);
	return lstat(path, &st) == 0;
}

/* With the lock held: undoes the journal (a finished one too when leases wait on it),
 * then rolls the pending leases back. */
static int recover_locked(struct pt_ctx *ctx, struct pt_state *st, struct pt_journal *j,
			  struct pt_recovery *rec)
{
	struct pt_lease *pend = NULL;
	struct pt_apply_opts o = { 0 };
	struct pt_apply_result res = { 0 };
	char why[640];
	size_t n = 0;
	int r;

	r = pt_state_pending(st, &pend, &n);
	if (r < 0)
		return r;
	/* with the lock ours, no assign is running: its pending leases were left behind,
	 * and the journal, finished or not, holds the writes they waited on */
	o.undo_finished = n > 0;
	r = pt_apply_recover(ctx, j, &o, &res);
	if (r == 0) {
		rec->recovered = res.recovered || n > 0;
		rec->steps = res.recovery_steps;
		rec->aborted = n;
		snprintf(why, sizeof(why), ": its assign did not finish; %s",
			 res.recovered ? res.recovery : "nothing had been written");
		pt_strlcpy(rec->what, res.recovered ? res.recovery : "", sizeof(rec->what));
		if (n > 0)
			r = pt_state_abort(st, NULL, 0, why);
	}
	pt_apply_result_free(&res);
	free(pend);
	return r;
}

int pt_assign_recover(struct pt_ctx *ctx, struct pt_state *st, const char *state_dir,
		      int wait_ms, struct pt_recovery *rec)
{
	struct pt_journal *j = NULL;
	struct pt_lease *pend = NULL;
	size_t n = 0;
	int r;

	memset(rec, 0, sizeof(*rec));
	/* the usual case, nothing left behind, takes no lock (and needs no root) */
	r = pt_state_pending(st, &pend, &n);
	free(pend);
	if (r < 0)
		return r;
	if (n == 0 && !journal_exists(ctx, state_dir))
		return 0;
	r = pt_journal_open(ctx, state_dir, wait_ms, &j);
	if (r == -EBUSY) {
		rec->busy = true; /* an assign or apply is running: what it has is not stale */
		return 0;
	}
	if (r < 0)
		return r;
	r = recover_locked(ctx, st, j, rec);
	pt_journal_close(j);
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
	r->n_refused = 0;
	pt_report_free(&r->launch);
	memset(&r->launch, 0, sizeof(r->launch));
	r->launch_checked = false;
}

/* Does pool hand out whole IOMMU groups (a devices pool, as synced)? */
static bool pool_is_devices(struct pt_state *st, const char *pool)
{
	struct pt_pool_usage *u = NULL;
	size_t n = 0;
	bool r = false;

	if (pt_state_pools(st, &u, &n) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(u[i].pool, pool) == 0)
			r = strcmp(u[i].kind, "devices") == 0;
	free(u);
	return r;
}

/* --spread pf: a VF's PF as a key (its address); a function that is no VF is its own. */
static int pf_key(void *arg, const struct pt_bdf *bdf)
{
	const struct pt_device *d = pt_host_find(arg, bdf);
	const struct pt_bdf *k = d && d->kind == PT_KIND_VF && d->has_physfn ? &d->physfn : bdf;

	return k->domain << 16 | k->bus << 8 | k->dev << 3 | k->fn;
}

/* Functions of one host slot handed out together keep one guest slot, their function
 * numbers and multifunction=on: a guest driver (a GPU's) expects its siblings there.
 * Such slots get guest slots from 0x10 up on the guest's root bus. */
static void guest_slots(struct pt_assigned *a, size_t n)
{
	int next = 0x10;

	for (size_t i = 0; i < n; i++)
		a[i].guest_slot = -1;
	for (size_t i = 0; i < n; i++) {
		struct pt_bdf bi, bk;
		size_t same = 0;

		if (a[i].guest_slot >= 0 || pt_bdf_parse(a[i].lease.bdf, &bi) < 0)
			continue;
		for (size_t k = 0; k < n; k++)
			if (pt_bdf_parse(a[k].lease.bdf, &bk) == 0 && bk.domain == bi.domain &&
			    bk.bus == bi.bus && bk.dev == bi.dev)
				same++;
		if (same < 2 || next > 0x1f)
			continue;
		for (size_t k = 0; k < n; k++)
			if (pt_bdf_parse(a[k].lease.bdf, &bk) == 0 && bk.domain == bi.domain &&
			    bk.bus == bi.bus && bk.dev == bi.dev) {
				a[k].guest_slot = next;
				a[k].guest_function = bk.fn;
			}
		next++;
	}
}

/* A leased function as the output needs it. */
static void describe_one(const struct pt_host *h, const struct pt_device *d,
			 const struct pt_lease *l, struct pt_assigned *a)
{
	const struct pt_device *pf = net_pf(h, d);
	struct pt_numa_judgement nj;

	a->lease = *l;
	a->vf = -1;
	a->class_code = d->class_code;
	a->net = pt_class_is_net(d->class_code);
	/* the node's CPUs every command reports: a VF's PF's when they disagree */
	pt_judge_numa(h, d, &nj);
	pt_strlcpy(a->cpulist, nj.cpulist, sizeof(a->cpulist));
	if (d->kind == PT_KIND_VF && d->has_physfn) {
		a->is_vf = true;
		pt_bdf_format(&d->physfn, a->pf);
		a->vf = d->vf_index;
	}
	if (pf)
		pt_strlcpy(a->pf_ifname, pf->netdevs[0], sizeof(a->pf_ifname));
}

struct assign_run;
static void assign_report(struct pt_ctx *ctx, const struct pt_assign_opts *o,
			  const struct assign_run *run, struct pt_assign_result *res);

/* One assign as it runs: what the named steps below share. */
struct assign_run {
	const struct pt_host *h;       /* the host (scanned afresh after a recovery) */
	struct pt_host *fresh;
	struct pt_journal *j;          /* the lock, from before the lease to its activation */
	struct pt_judge_inputs in;     /* DMA remapping and what the host needs (lib/judge.c) */
	const struct pt_protected *prot; /* in's */
	size_t n_prot;
	struct pt_lease *leases;       /* pending until activated */
	long long *ids;
	size_t n;
	struct ready_item *items;
	bool journaled;                /* the readying's journal is there to finish (or undo) */
	int node;
	struct pt_refusal *refused;    /* why nothing could be handed out: every blocker */
	size_t n_refused;
};

/* 1. The lock, and whatever a killed run left behind dealt with under it. */
static int assign_lock(struct pt_ctx *ctx, struct pt_state *st, const struct pt_assign_opts *o,
		       struct assign_run *run)
{
	struct pt_recovery rec = { 0 };
	int r;

	if (o->dry_run)
		return 0;
	r = pt_journal_open(ctx, o->state_dir, 30000, &run->j);
	if (r < 0)
		return r;
	r = recover_locked(ctx, st, run->j, &rec);
	if (r < 0 || rec.steps == 0)
		return r;
	/* writes were undone: choose and plan from the host as it is now */
	r = pt_host_scan(ctx, &run->fresh);
	if (r == 0)
		run->h = run->fresh;
	return r;
}

/* 2. The choice, recorded as pending leases (the devices are held, nobody sees them), of
 * devices the shared judgement calls assignable (lib/judge.c: the same show, check,
 * doctor and pools make; what the host needs refused unless o->force). */
static int assign_lease(struct pt_ctx *ctx, struct pt_state *st, const struct pt_assign_opts *o,
			struct assign_run *run)
{
	struct pt_viability via = { .h = run->h };
	char saved[sizeof(ctx->err)];
	struct pt_assign_req req;
	int r;

	r = pt_judge_inputs_read(ctx, run->h, NULL, &run->in);
	if (r < 0)
		return r;
	run->prot = run->in.prot;
	run->n_prot = run->in.n_prot;
	via.no_dma = run->in.dma.on == PT_NO;
	if (!o->force) {
		via.prot = run->prot;
		via.n_prot = run->n_prot;
	}
	via.whole_group = pool_is_devices(st, o->pool);
	req = (struct pt_assign_req){ .vm = o->vm, .pool = o->pool, .count = o->count,
				      .numa_node = o->numa_node, .allow_remote = o->allow_remote,
				      .mac = o->mac, .vlan = o->vlan, .pending = true,
				      .group_viable = pt_assign_group_viable,
				      .group_viable_arg = &via,
				      .spread_key = o->spread_pf ? pf_key : NULL,
				      .spread_arg = (void *)run->h };
	r = pt_state_assign(st, &req, &run->leases, &run->n);
	if (r == -ENOSPC && via.n_blockers) {
		/* the refusal names every blocker: each function and its cause, with the fix */
		char all[sizeof(ctx->err)];

		pt_strlcpy(saved, pt_ctx_error(ctx), sizeof(saved));
		refusals_str(via.blockers, via.n_blockers, all, sizeof(all));
		pt_err(ctx, r, "%s; refused %s", saved, all);
		run->refused = via.blockers;
		run->n_refused = via.n_blockers;
		via.blockers = NULL;
	}
	free(via.blockers);
	if (r < 0)
		return r;
	run->ids = calloc(run->n ? run->n : 1, sizeof(*run->ids));
	if (!run->ids)
		return pt_err(ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < run->n; i++)
		run->ids[i] = run->leases[i].id;
	if (o->crash_after_step == 1 && !o->dry_run)
		raise(SIGKILL); /* test-only: PASSTHRU_CRASH_AFTER_STEP, see assign.h */
	return 0;
}

/* 3. What each leased function is, and what readying it takes. */
static int assign_describe(struct pt_ctx *ctx, const struct pt_assign_opts *o, const uint8_t mac[6],
			   struct assign_run *run, struct pt_assign_result *res)
{
	size_t used = 0;

	run->items = calloc(run->n ? run->n : 1, sizeof(*run->items));
	res->devs = calloc(run->n ? run->n : 1, sizeof(*res->devs));
	if (!run->items || !res->devs)
		return pt_err(ctx, -ENOMEM, "out of memory");
	run->node = -2;
	for (size_t i = 0; i < run->n; i++) {
		struct pt_assigned *a = &res->devs[i];
		const struct pt_lease *l = &run->leases[i];
		const struct pt_device *d, *pf;
		const struct pt_protected *p;
		struct pt_bdf b;

		if (pt_bdf_parse(l->bdf, &b) < 0 || !(d = pt_host_find(run->h, &b)))
			return pt_err(ctx, -ENODEV, "%s (pool %s) is not on this host any more: "
				      "re-run with the pools synced (passthru pools)", l->bdf, o->pool);
		describe_one(run->h, d, l, a);
		if (!res->numa_note[0]) {
			struct pt_numa_judgement nj;

			/* a VF whose firmware node differs from its PF's: which is used, and why */
			pt_judge_numa(run->h, d, &nj);
			if (nj.disagrees)
				pt_strlcpy(res->numa_note, nj.note, sizeof(res->numa_note));
		}
		pf = net_pf(run->h, d);
		if ((p = pt_safety_find(run->prot, run->n_prot, &d->bdf)) && used < sizeof(res->forced))
			used += snprintf(res->forced + used, sizeof(res->forced) - used, "%s%s %s",
					 used ? "; " : "", d->name, p->why);
		run->items[i].d = d;
		if ((o->mac && *o->mac) || o->vlan > 0) {
			if (!pf)
				return pt_err(ctx, -ENOTSUP, "%s is not a VF of a network PF with an "
					      "interface: a MAC or VLAN is set only on VFs of NICs, "
					      "through their PF", d->name);
			if (o->mac && *o->mac) {
				run->items[i].has |= PT_VF_MAC;
				memcpy(run->items[i].mac, mac, 6);
			}
			if (o->vlan > 0) {
				run->items[i].has |= PT_VF_VLAN;
				run->items[i].vlan = o->vlan;
			}
		}
		run->node = run->node == -2 || run->node == l->numa_node ? l->numa_node : -1;
		res->n_remote += l->remote;
	}
	return 0;
}

/* 3b. The pre-launch check on the functions chosen: the judgement of `passthru vm
 * check` (pt_vm_check), so both say the same about the same VM. Reads only. */
static int assign_fit(struct pt_ctx *ctx, const struct pt_assign_opts *o, struct assign_run *run,
		      struct pt_assign_result *res)
{
	struct pt_vm_plan p = { .memory_bytes = o->vm_memory, .hugepage_kb = o->hugepage_kb,
				.node = run->node >= 0 ? run->node : -1,
				.memlock_limit = o->memlock_limit };
	char why[sizeof(ctx->err)];
	size_t used = 0;

	if (o->vm_memory <= 0)
		return 0;
	if (o->memlock_limit != -2 && o->memlock_source)
		pt_strlcpy(p.memlock_source, o->memlock_source, sizeof(p.memlock_source));
	p.devs = calloc(run->n ? run->n : 1, sizeof(*p.devs));
	if (!p.devs)
		return pt_err(ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < run->n; i++)
		if (pt_bdf_parse(run->leases[i].bdf, &p.devs[p.n_devs]) == 0)
			p.n_devs++;
	pt_vm_plan_gather(ctx, &p);
	pt_vm_check(run->h, &p, &res->launch);
	res->launch_checked = true;
	free(p.devs);
	if (res->launch.worst != PT_FAIL)
		return 0;
	why[0] = '\0';
	for (size_t i = 0; i < res->launch.n && used < sizeof(why); i++) {
		const struct pt_check_result *c = &res->launch.results[i];

		if (c->result == PT_FAIL)
			used += (size_t)snprintf(why + used, sizeof(why) - used, "%s%s: %s", used ? "; " : "",
						 c->title, c->evidence);
	}
	return pt_err(ctx, -E2BIG, "the VM would not fit (nothing was written): %s", why);
}

/* 4. The devices made ready (journal kept: the lease is not active yet). */
static int assign_ready(struct pt_ctx *ctx, const struct pt_assign_opts *o, struct assign_run *run,
			struct pt_assign_result *res)
{
	struct ready_opts ro = { .j = run->j, .state_dir = o->state_dir, .vm = o->vm,
				 .force = o->force, .dry_run = o->dry_run, .keep_journal = true,
				 .timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS,
				 .crash_after = o->crash_after_step > 1 ? o->crash_after_step - 1 : 0,
				 .refused = &run->refused, .n_refused = &run->n_refused };
	char saved[sizeof(ctx->err)];
	int r;

	r = make_ready(ctx, run->h, run->items, run->n, &ro, &res->steps, &run->journaled);
	if (r == -ENOTSUP) {
		pt_strlcpy(saved, pt_ctx_error(ctx), sizeof(saved));
		pt_err(ctx, r, "cannot set the VF's MAC/VLAN here: %s", saved);
	}
	return r;
}

/* 5. The leases active, then the journal finished: from here on a lease means a ready
 * device. A kill between the two leaves a finished journal and active leases, which
 * recovery sets aside without undoing anything. */
static int assign_activate(struct pt_state *st, const struct pt_assign_opts *o,
			   struct assign_run *run, const struct pt_assign_result *res)
{
	int r;

	if (o->dry_run)
		return 0;
	r = pt_state_ready(st, run->ids, run->n);
	if (r < 0)
		return r;
	if (o->crash_after_step > 0 && (size_t)o->crash_after_step == res->steps + 2)
		raise(SIGKILL); /* test-only: after the activation, before the journal ends */
	if (run->journaled) {
		run->journaled = false;
		pt_journal_finish(run->j);
	}
	return 0;
}

/* On failure: the kernel writes a kept journal holds are undone, the pending leases
 * rolled back; the caller's error stays in ctx. */
static void assign_undo(struct pt_ctx *ctx, struct pt_state *st, struct assign_run *run, int r)
{
	char saved[sizeof(ctx->err)], why[sizeof(ctx->err) + 32];

	pt_strlcpy(saved, pt_ctx_error(ctx), sizeof(saved));
	if (run->journaled && run->j) {
		struct pt_apply_opts uo = { .undo_finished = true };
		struct pt_apply_result ur = { 0 };

		pt_apply_recover(ctx, run->j, &uo, &ur);
		pt_apply_result_free(&ur);
	}
	snprintf(why, sizeof(why), ": assign failed: %s", saved);
	if (run->n)
		pt_state_abort(st, run->ids, run->n, why);
	pt_err(ctx, r, "%s", saved);
}

/* The VFIO device the function is now (vfio-dev/vfioN appears once vfio-pci holds it;
 * a dry run has the scan's), whether its cdev exists, and whether a vfio driver holds
 * its PF (QEMU then needs the VF token): what pt_vfio_backend_choose decides on. */
static void vfio_facts(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_device *d,
		       bool dry_run, struct pt_assigned *a)
{
	const struct pt_device *pf = d->has_physfn ? pt_host_find(h, &d->physfn) : NULL;
	struct dirent *e;
	DIR *dp;

	pt_strlcpy(a->vfio_dev, d->vfio_dev, sizeof(a->vfio_dev));
	if (!dry_run && (dp = pt_opendir(ctx, PT_SYSFS_PCI_DEVICES "/%s/vfio-dev", d->name))) {
		while ((e = readdir(dp)))
			if (!strncmp(e->d_name, "vfio", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9')
				pt_strlcpy(a->vfio_dev, e->d_name, sizeof(a->vfio_dev));
		closedir(dp);
	}
	a->vfio_cdev = a->vfio_dev[0] && pt_exists(ctx, "/dev/vfio/devices/%s", a->vfio_dev);
	a->pf_on_vfio = pf && pt_driver_is_vfio(pf->driver);
}

/* 6. What the caller prints: each function's driver now, the node and its CPUs. */
static void assign_report(struct pt_ctx *ctx, const struct pt_assign_opts *o,
			  const struct assign_run *run, struct pt_assign_result *res)
{
	for (size_t i = 0; i < run->n; i++) {
		struct pt_assigned *a = &res->devs[i];
		char link[256];

		/* the driver as it is now (a fixture tree keeps the one it had) */
		if (!o->dry_run && pt_readlink(ctx, link, sizeof(link), PT_SYSFS_PCI_DEVICES "/%s/driver",
					       a->lease.bdf) >= 0) {
			const char *s = strrchr(link, '/');

			pt_strlcpy(a->driver, s ? s + 1 : link, sizeof(a->driver));
		} else {
			pt_strlcpy(a->driver, o->dry_run ? "vfio-pci" : run->items[i].d->driver,
				   sizeof(a->driver));
		}
		vfio_facts(ctx, run->h, run->items[i].d, o->dry_run, a);
	}
	res->n = run->n;
	guest_slots(res->devs, run->n);
	res->node = run->node >= 0 ? run->node : -1;
	if (res->node >= 0) {
		const struct pt_numa_node *nd = pt_host_node(run->h, res->node);

		if (nd)
			pt_strlcpy(res->node_cpus, nd->cpulist, sizeof(res->node_cpus));
	}
	if (o->dry_run)
		snprintf(res->note, sizeof(res->note), "dry run: the devices were chosen and given "
			 "back at once; %zu kernel write%s would make them ready", res->steps,
			 res->steps == 1 ? "" : "s");
}

int pt_assign(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
	      const struct pt_assign_opts *o, struct pt_assign_result *res)
{
	struct assign_run run = { .h = h };
	uint8_t mac[6];
	int r;

	memset(res, 0, sizeof(*res));
	res->node = -1;
	if (o->mac && *o->mac && pt_parse_mac(o->mac, mac) < 0)
		return pt_err(ctx, -EINVAL, "\"%.40s\" is not a MAC address (aa:bb:cc:dd:ee:ff)",
			      o->mac);
	if ((r = assign_lock(ctx, st, o, &run)) < 0 || (r = assign_lease(ctx, st, o, &run)) < 0)
		goto out;
	if ((r = assign_describe(ctx, o, mac, &run, res)) < 0 ||
	    (r = assign_fit(ctx, o, &run, res)) < 0 ||
	    (r = assign_ready(ctx, o, &run, res)) < 0 ||
	    (r = assign_activate(st, o, &run, res)) < 0) {
		struct pt_report launch = res->launch;
		bool checked = res->launch_checked;

		assign_undo(ctx, st, &run, r);
		memset(&res->launch, 0, sizeof(res->launch));
		pt_assign_result_free(res);
		res->launch = launch; /* why the check refused, for the caller to print */
		res->launch_checked = checked;
		goto out;
	}
	assign_report(ctx, o, &run, res);
	if (o->dry_run)
		pt_state_abort(st, run.ids, run.n, ": dry run, given back at once");
out:
	if (r < 0 && run.n_refused) { /* the caller shows every blocker */
		res->n_refused = run.n_refused;
		memcpy(res->refused, run.refused,
		       (run.n_refused < PT_ASSIGN_MAX_REFUSED ? run.n_refused : PT_ASSIGN_MAX_REFUSED) *
			       sizeof(*run.refused));
	}
	free(run.refused);
	pt_journal_close(run.j);
	pt_host_free(run.fresh);
	free(run.items);
	free(run.ids);
	free(run.leases);
	pt_judge_inputs_free(&run.in);
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
	snprintf(out->why, sizeof(out->why), "%s is open in process %ld (%s) through vfio: the VM "
		 "still runs; left leased to %s (stop the VM first, or --force)", l->bdf, pid,
		 comm[0] ? comm : "?", l->vm);
	return true;
}

/* 1. Reset, while the lease still keeps everyone else away. */
static void release_reset(struct pt_ctx *ctx, const struct pt_device *d, const struct pt_lease *l,
			  const struct pt_release_opts *o, int timeout, struct pt_released *out)
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

/* 2. The pool's VF policy back (placeholder MAC, VLAN 0, spoof check on, trust off),
 * still on vfio-pci. */
static void release_policy(struct pt_ctx *ctx, struct pt_journal *j, const struct pt_host *h,
			   const struct pt_device *d, const struct pt_lease *l,
			   const struct pt_release_opts *o, int timeout, struct pt_released *out)
{
	struct ready_opts ro = { .j = j, .state_dir = o->state_dir, .vm = l->vm,
				 .dry_run = o->dry_run, .timeout_ms = timeout };
	const struct pt_device *pf = net_pf(h, d);
	struct ready_item it = { .d = d };
	size_t steps = 0;
	bool journaled;
	int r;

	if (pf && pt_vf_placeholder_mac(&d->physfn, d->vf_index, it.mac) < 0) {
		pf = NULL; /* no unique placeholder: the policy cannot be restored */
		snprintf(out->why, sizeof(out->why), "VF %d of %s has no placeholder MAC (VF "
			 "indices up to %d have one): its MAC is still %s's", d->vf_index,
			 d->name, PT_PLACEHOLDER_MAX_VF - 1, l->vm);
	}
	if (pf) {
		it.has = PT_VF_MAC | PT_VF_VLAN | PT_VF_SPOOFCHK | PT_VF_TRUST;
		it.spoofchk = true;
	}
	r = make_ready(ctx, h, &it, 1, &ro, &steps, &journaled);
	if (r == 0 && pf) {
		out->policy = 1;
		snprintf(out->policy_msg, sizeof(out->policy_msg), "%s vf %d: mac "
			 "%02x:%02x:%02x:%02x:%02x:%02x, vlan 0, spoof checking on, trust off%s",
			 pf->netdevs[0], d->vf_index, it.mac[0], it.mac[1], it.mac[2], it.mac[3],
			 it.mac[4], it.mac[5], o->dry_run ? " (would be set)" : "");
	} else if (r == 0) {
		out->policy = 0;
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

/* 3. Back to the pool, or into quarantine when something above failed. */
static void release_return(struct pt_ctx *ctx, struct pt_state *st, const struct pt_lease *l,
			   struct pt_released *out)
{
	int r = pt_state_release(st, l->vm, l->bdf, NULL, NULL);

	if (r < 0) {
		snprintf(out->why, sizeof(out->why), "ending the lease failed: %s", pt_ctx_error(ctx));
		return;
	}
	if (out->why[0])
		out->quarantined = pt_state_quarantine(st, l->bdf, out->why) == 0;
}

static void release_one(struct pt_ctx *ctx, struct pt_state *st, struct pt_journal *j,
			const struct pt_host *h, const struct pt_lease *l,
			const struct pt_release_opts *o, struct pt_released *out)
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
		release_policy(ctx, j, h, d, l, o, timeout, out);
	}
	if (!o->dry_run)
		release_return(ctx, st, l, out);
}

/* The leases of the unit bdf belongs to, moved to the front of all: a unit returns
 * together, bdf's lease and the VM's leases of the same pool and IOMMU group. Their
 * count: 0 when bdf is not among all. */
static size_t select_unit(struct pt_lease *all, size_t na, const char *bdf)
{
	size_t w = 0, k;

	for (k = 0; k < na && strcmp(all[k].bdf, bdf) != 0; k++)
		;
	if (k < na) {
		struct pt_lease named = all[k];

		for (size_t i = 0; i < na; i++)
			if (i == k || (named.iommu_group >= 0 && all[i].iommu_group == named.iommu_group &&
				       strcmp(all[i].pool, named.pool) == 0))
				all[w++] = all[i];
	}
	return w;
}

int pt_release(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h, const char *vm,
	       const char *bdf, const struct pt_release_opts *o, struct pt_released **out,
	       size_t *n)
{
	static const struct pt_release_opts defaults = { 0 };
	struct pt_lease *all = NULL;
	struct pt_released *rel;
	struct pt_journal *j = NULL;
	struct pt_recovery rec;
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
	/* the lock for the whole release, and what a killed run left dealt with first */
	if (!o->dry_run) {
		r = pt_journal_open(ctx, o->state_dir, 30000, &j);
		if (r < 0)
			return r;
		memset(&rec, 0, sizeof(rec));
		r = recover_locked(ctx, st, j, &rec);
		if (r < 0)
			goto out_close;
	}
	r = pt_state_leases(st, vm, &all, &na);
	if (r < 0)
		goto out_close;
	if (bdf) {
		na = select_unit(all, na, norm);
		if (na == 0) {
			/* not this VM's: let the state say whose, or that it is not leased */
			free(all);
			r = pt_state_release(st, vm, norm, NULL, NULL);
			r = r < 0 ? r : pt_err(ctx, -ENOENT, "%s is not leased to %s", norm, vm);
			goto out_close;
		}
	}
	rel = calloc(na ? na : 1, sizeof(*rel));
	if (!rel) {
		free(all);
		r = pt_err(ctx, -ENOMEM, "out of memory");
		goto out_close;
	}
	for (k = 0; k < na; k++) {
		release_one(ctx, st, j, h, &all[k], o, &rel[k]);
		if (rel[k].quarantined || rel[k].in_use || (rel[k].why[0] && !o->dry_run))
			quarantined = 1;
	}
	free(all);
	*out = rel;
	*n = na;
	r = quarantined;
out_close:
	pt_journal_close(j);
	return r;
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
