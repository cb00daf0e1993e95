// SPDX-License-Identifier: MIT
/* The device allocator: a pure function from candidates and a request to picks. */
#include "passthru/allocate.h"
#include "internal.h"

#include <errno.h>

static bool same_vm(const char *holder, const char *vm)
{
	return holder && vm && strcmp(holder, vm) == 0;
}

/* Usable, given the indices of the leased candidates that have a group. */
static bool usable_with(const struct pt_alloc_candidate *cands, size_t i, const char *vm,
			const size_t *leased, size_t n_leased)
{
	const struct pt_alloc_candidate *c = &cands[i];

	if (c->leased || c->quarantined || c->unavailable || c->iommu_group < 0 ||
	    !c->group_viable)
		return false;
	for (size_t k = 0; k < n_leased; k++) {
		const struct pt_alloc_candidate *o = &cands[leased[k]];

		if (leased[k] != i && o->iommu_group == c->iommu_group && !same_vm(o->lease_vm, vm))
			return false;
	}
	return true;
}

bool pt_alloc_usable(const struct pt_alloc_candidate *cands, size_t n, size_t i, const char *vm)
{
	const struct pt_alloc_candidate *c;

	if (!cands || i >= n)
		return false;
	c = &cands[i];
	if (c->leased || c->quarantined || c->unavailable || c->iommu_group < 0 ||
	    !c->group_viable)
		return false;
	for (size_t j = 0; j < n; j++)
		if (j != i && cands[j].leased && cands[j].iommu_group == c->iommu_group &&
		    !same_vm(cands[j].lease_vm, vm))
			return false;
	return true;
}

static int cmp_by_bdf(const void *a, const void *b, void *arg)
{
	const struct pt_alloc_candidate *cands = arg;
	const size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int r = pt_bdf_cmp(&cands[ia].bdf, &cands[ib].bdf);

	/* equal BDFs (a caller's duplicate) still order deterministically */
	return r ? r : (ia > ib) - (ia < ib);
}

/* What is handed out as one: a function, or every whole_group function of a group. */
struct unit {
	size_t first, n;      /* members: members[first .. first + n) of the unit table */
	int node;             /* the node of its lowest function (-1 unknown) */
	size_t rank;          /* with spread: units of its spread key before it */
	size_t pos;           /* its place in address order */
	bool usable;
};

struct units {
	struct unit *u;
	size_t n;
	size_t *members;      /* candidate indices, unit by unit */
	size_t n_members;
};

static bool same_unit(const struct pt_alloc_candidate *a, const struct pt_alloc_candidate *b)
{
	return a->whole_group && b->whole_group && a->iommu_group >= 0 &&
	       a->iommu_group == b->iommu_group;
}

/* Units of the available candidates in address order (by their lowest function). */
static int build_units(const struct pt_alloc_candidate *cands, size_t n, const char *vm,
		       bool spread, struct units *out)
{
	size_t *order = malloc(n * sizeof(*order)), *leased = malloc(n * sizeof(*leased));
	bool *taken = calloc(n, sizeof(*taken));
	size_t n_order = 0, n_leased = 0;
	int r = -ENOMEM;

	out->u = malloc(n * sizeof(*out->u));
	out->members = malloc(n * sizeof(*out->members));
	out->n = out->n_members = 0;
	if (!order || !leased || !taken || !out->u || !out->members)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (cands[i].leased && cands[i].iommu_group >= 0)
			leased[n_leased++] = i;
		if (!cands[i].unavailable)
			order[n_order++] = i;
	}
	qsort_r(order, n_order, sizeof(*order), cmp_by_bdf, (void *)cands);
	for (size_t k = 0; k < n_order; k++) {
		size_t i = order[k];
		struct unit *u = &out->u[out->n];

		if (taken[i])
			continue;
		*u = (struct unit){ .first = out->n_members, .usable = true, .pos = out->n,
				    .node = cands[i].numa_node < 0 ? -1 : cands[i].numa_node };
		for (size_t m = k; m < n_order; m++) {
			size_t j = order[m];

			if (j != i && (taken[j] || !same_unit(&cands[i], &cands[j])))
				continue;
			taken[j] = true;
			out->members[out->n_members++] = j;
			u->n++;
			u->usable = u->usable && usable_with(cands, j, vm, leased, n_leased);
		}
		for (size_t p = 0; spread && p < out->n; p++)
			u->rank += cands[out->members[out->u[p].first]].spread_key == cands[i].spread_key;
		out->n++;
	}
	r = 0;
out:
	free(order);
	free(leased);
	free(taken);
	return r;
}

/* Spread rank first (round-robin over the keys), then address order. */
static int cmp_unit(const void *a, const void *b)
{
	const struct unit *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

struct bucket {
	int node;
	size_t usable;
};

/* Most usable first, then known nodes before unknown (-1), then the lowest id. */
static int cmp_bucket(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;

	if (x->usable != y->usable)
		return x->usable > y->usable ? -1 : 1;
	if ((x->node < 0) != (y->node < 0))
		return x->node < 0 ? 1 : -1;
	return (x->node > y->node) - (x->node < y->node);
}

/* Appends up to want usable units of node (in the units' order) to picks, every
 * function of each; marks them used. Returns the units taken. */
static size_t take_node(struct units *us, bool *used, int node, size_t want, size_t *picks,
			size_t *n_picks)
{
	size_t got = 0;

	for (size_t k = 0; k < us->n && got < want; k++) {
		const struct unit *u = &us->u[k];

		if (!u->usable || used[k] || u->node != node)
			continue;
		used[k] = true;
		for (size_t m = 0; m < u->n; m++)
			picks[(*n_picks)++] = us->members[u->first + m];
		got++;
	}
	return got;
}

static size_t count_buckets(const struct units *us, struct bucket *buckets)
{
	size_t n_buckets = 0;

	for (size_t k = 0; k < us->n; k++) {
		size_t b;

		if (!us->u[k].usable)
			continue;
		for (b = 0; b < n_buckets && buckets[b].node != us->u[k].node; b++)
			;
		if (b == n_buckets)
			buckets[n_buckets++] = (struct bucket){ .node = us->u[k].node, .usable = 0 };
		buckets[b].usable++;
	}
	qsort(buckets, n_buckets, sizeof(*buckets), cmp_bucket);
	return n_buckets;
}

static void fill_result(const struct pt_alloc_candidate *cands, const size_t *picks, size_t n_picks,
			int want_node, struct pt_alloc_result *res)
{
	res->n_picked = n_picks;
	res->n_local = res->n_remote = 0;
	for (size_t k = 0; k < n_picks; k++) {
		int node = cands[picks[k]].numa_node < 0 ? -1 : cands[picks[k]].numa_node;

		if (want_node < 0 || node == want_node)
			res->n_local++;
		else
			res->n_remote++;
	}
	res->node = cands[picks[0]].numa_node < 0 ? -1 : cands[picks[0]].numa_node;
	for (size_t k = 1; k < n_picks; k++)
		if (cands[picks[k]].numa_node != res->node)
			res->node = -1;
}

int pt_allocate(const struct pt_alloc_candidate *cands, size_t n,
		const struct pt_alloc_request *req, size_t *picks, struct pt_alloc_result *res)
{
	struct units us = { 0 };
	struct bucket *buckets = NULL;
	bool *used = NULL;
	size_t n_buckets, got = 0, n_picks = 0;
	int want_node, r = 0;

	memset(res, 0, sizeof(*res));
	res->node = -1;
	if (!req || req->count == 0 || (n && !cands) || !picks)
		return -EINVAL;
	want_node = req->numa_node < 0 ? -1 : req->numa_node;
	if (n == 0) {
		r = -ENOSPC;
		goto out;
	}
	buckets = malloc(n * sizeof(*buckets));
	used = calloc(n, sizeof(*used));
	if (!buckets || !used || build_units(cands, n, req->vm, req->spread, &us) < 0) {
		r = -ENOMEM;
		goto out;
	}
	qsort(us.u, us.n, sizeof(*us.u), cmp_unit);
	n_buckets = count_buckets(&us, buckets);
	for (size_t b = 0; b < n_buckets; b++)
		res->avail_total += buckets[b].usable;
	res->avail_local = res->avail_total;

	if (want_node >= 0) {
		res->avail_local = 0;
		for (size_t b = 0; b < n_buckets; b++)
			if (buckets[b].node == want_node)
				res->avail_local = buckets[b].usable;
		got = take_node(&us, used, want_node, req->count, picks, &n_picks);
		if (got < req->count && !req->allow_remote) {
			r = -ENOSPC;
			goto out;
		}
	} else if (n_buckets > 0 && buckets[0].usable >= req->count) {
		got = take_node(&us, used, buckets[0].node, req->count, picks, &n_picks);
	}
	/* spill over the other nodes, fullest first */
	for (size_t b = 0; b < n_buckets && got < req->count; b++)
		if (buckets[b].node != want_node || want_node < 0)
			got += take_node(&us, used, buckets[b].node, req->count - got, picks, &n_picks);
	if (got < req->count) {
		r = -ENOSPC;
		goto out;
	}
	res->n_units = got;
	fill_result(cands, picks, n_picks, want_node, res);
out:
	if (r < 0) {
		res->n_picked = res->n_local = res->n_remote = res->n_units = 0;
		res->node = -1;
	}
	free(us.u);
	free(us.members);
	free(buckets);
	free(used);
	return r;
}
