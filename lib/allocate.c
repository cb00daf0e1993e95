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

/* Appends up to want usable devices of node (lowest BDF first) to picks. */
static size_t take_node(const size_t *order, size_t n_order, const struct pt_alloc_candidate *cands,
			int node, size_t want, size_t *picks, size_t n_picks)
{
	size_t got = 0;

	for (size_t k = 0; k < n_order && got < want; k++)
		if ((cands[order[k]].numa_node < 0 ? -1 : cands[order[k]].numa_node) == node)
			picks[n_picks + got++] = order[k];
	return got;
}

int pt_allocate(const struct pt_alloc_candidate *cands, size_t n,
		const struct pt_alloc_request *req, size_t *picks, struct pt_alloc_result *res)
{
	size_t *order = NULL, *leased = NULL, n_order = 0, n_leased = 0, n_buckets = 0, got = 0;
	struct bucket *buckets = NULL;
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
	order = malloc(n * sizeof(*order));
	leased = malloc(n * sizeof(*leased));
	buckets = malloc(n * sizeof(*buckets));
	if (!order || !leased || !buckets) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (cands[i].leased && cands[i].iommu_group >= 0)
			leased[n_leased++] = i;
	for (size_t i = 0; i < n; i++)
		if (usable_with(cands, i, req->vm, leased, n_leased))
			order[n_order++] = i;
	qsort_r(order, n_order, sizeof(*order), cmp_by_bdf, (void *)cands);

	for (size_t k = 0; k < n_order; k++) {
		int node = cands[order[k]].numa_node < 0 ? -1 : cands[order[k]].numa_node;
		size_t b;

		for (b = 0; b < n_buckets && buckets[b].node != node; b++)
			;
		if (b == n_buckets)
			buckets[n_buckets++] = (struct bucket){ .node = node, .usable = 0 };
		buckets[b].usable++;
	}
	qsort(buckets, n_buckets, sizeof(*buckets), cmp_bucket);
	res->avail_total = n_order;
	res->avail_local = n_order;

	if (want_node >= 0) {
		res->avail_local = 0;
		for (size_t b = 0; b < n_buckets; b++)
			if (buckets[b].node == want_node)
				res->avail_local = buckets[b].usable;
		got = take_node(order, n_order, cands, want_node, req->count, picks, 0);
		if (got < req->count && !req->allow_remote) {
			r = -ENOSPC;
			goto out;
		}
		res->n_local = got;
	} else if (n_buckets > 0 && buckets[0].usable >= req->count) {
		got = take_node(order, n_order, cands, buckets[0].node, req->count, picks, 0);
	}
	/* spill over the other nodes, fullest first */
	for (size_t b = 0; b < n_buckets && got < req->count; b++)
		if (buckets[b].node != want_node || want_node < 0)
			got += take_node(order, n_order, cands, buckets[b].node, req->count - got,
					 picks, got);
	if (got < req->count) {
		r = -ENOSPC;
		goto out;
	}
	res->n_picked = got;
	if (want_node >= 0)
		res->n_remote = got - res->n_local;
	else
		res->n_local = got;
	res->node = cands[picks[0]].numa_node < 0 ? -1 : cands[picks[0]].numa_node;
	for (size_t k = 1; k < got; k++)
		if (cands[picks[k]].numa_node != res->node)
			res->node = -1;
out:
	if (r < 0) {
		res->n_picked = res->n_local = res->n_remote = 0;
		res->node = -1;
	}
	free(order);
	free(leased);
	free(buckets);
	return r;
}
