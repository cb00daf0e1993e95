// SPDX-License-Identifier: MIT
/*
 * The host as a tree for pictures: root complexes, bridges, endpoints, VFs under their
 * PF (long runs collapsed), each node marked with the worst result the gate's report
 * holds for it. Owns only the shape; reads nothing (pure over the scanned host and the
 * report), prints nothing.
 */
#include "internal.h"
#include "passthru/topo.h"

#include <errno.h>

bool pt_result_names(const struct pt_check_result *r, const char *bdf)
{
	size_t n = strlen(bdf);

	return n && strncmp(r->device, bdf, n) == 0 &&
	       (r->device[n] == '\0' || r->device[n] == ' ' || r->device[n] == '(');
}

static int add_node(struct pt_topo *t, struct pt_topo_node n)
{
	n.first_child = n.next_sibling = -1;
	n.worst = PT_PASS;
	return PT_PUSH(t->nodes, t->n, n) ? -ENOMEM : (int)t->n - 1;
}

static void link_child(struct pt_topo *t, int parent, int child, int *last_child)
{
	t->nodes[child].parent = parent;
	if (parent < 0)
		return;
	if (last_child[parent] < 0)
		t->nodes[parent].first_child = child;
	else
		t->nodes[last_child[parent]].next_sibling = child;
	last_child[parent] = child;
}

static int root_node(struct pt_topo *t, const char *root, int numa)
{
	struct pt_topo_node n = { .parent = -1, .root_numa = numa };

	for (size_t i = 0; i < t->n; i++)
		if (!t->nodes[i].dev && !t->nodes[i].range_pf && strcmp(t->nodes[i].root, root) == 0)
			return (int)i;
	pt_strlcpy(n.root, root[0] ? root : "unknown", sizeof(n.root));
	return add_node(t, n);
}

static void set_depth(struct pt_topo *t, int i, int depth)
{
	/* iterative over siblings, recursive over depth (PCIe trees are shallow) */
	for (; i >= 0; i = t->nodes[i].next_sibling) {
		t->nodes[i].depth = depth;
		if (depth < 64)
			set_depth(t, t->nodes[i].first_child, depth + 1);
	}
}

int pt_topo_build(const struct pt_host *h, const struct pt_report *rep, size_t collapse_over,
		  struct pt_topo *t)
{
	int *of_dev = NULL, *last = NULL, r = -ENOMEM;

	memset(t, 0, sizeof(*t));
	of_dev = malloc((h->n_devs + 1) * sizeof(*of_dev));
	if (!of_dev)
		goto out;
	for (size_t i = 0; i < h->n_devs; i++)
		of_dev[i] = -1;
	/* roots first, in BDF order of their first function */
	for (size_t i = 0; i < h->n_devs; i++)
		if (root_node(t, h->devs[i].root, h->devs[i].numa_node) < 0)
			goto out;
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct pt_device *d = &h->devs[i];
		struct pt_topo_node n = { .parent = -1, .root_numa = -1, .dev = d };
		int k;

		if (d->kind == PT_KIND_VF && d->has_physfn && pt_host_find(h, &d->physfn))
			continue; /* placed under its PF below */
		if ((k = add_node(t, n)) < 0)
			goto out;
		of_dev[i] = k;
	}
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct pt_device *d = &h->devs[i];

		if (d->kind != PT_KIND_PF || !d->n_vfs)
			continue;
		for (size_t v = 0; v < d->n_vfs; v++) {
			const struct pt_device *vf = pt_host_find(h, &d->vfs[v]);
			bool folded = collapse_over && d->n_vfs > collapse_over && v > 0 &&
				      v + 1 < d->n_vfs;
			struct pt_topo_node n = { .parent = -1, .root_numa = -1, .dev = vf };
			int k;

			if (folded && v == 1) {
				n.dev = NULL;
				n.range_pf = d;
				n.range_first = 1;
				n.range_last = d->n_vfs - 2;
				if ((k = add_node(t, n)) < 0)
					goto out;
			} else if (folded) {
				k = (int)t->n - 1; /* the range node */
			} else {
				if (!vf)
					continue;
				if ((k = add_node(t, n)) < 0)
					goto out;
			}
			if (vf)
				of_dev[vf - h->devs] = k;
		}
	}
	last = malloc((t->n + 1) * sizeof(*last));
	if (!last)
		goto out;
	for (size_t i = 0; i < t->n; i++)
		last[i] = -1;
	for (size_t i = 0; i < t->n; i++) {
		struct pt_topo_node *n = &t->nodes[i];
		const struct pt_device *d = n->dev ? n->dev : n->range_pf;
		int parent = -1;

		if (!d)
			continue; /* a root */
		if (n->range_pf || (d->kind == PT_KIND_VF && d->has_physfn &&
				    pt_host_find(h, &d->physfn))) {
			const struct pt_device *pf = n->range_pf ? n->range_pf :
							 pt_host_find(h, &d->physfn);

			parent = of_dev[pf - h->devs];
		} else if (d->n_path) {
			const struct pt_device *up = pt_host_find(h, &d->path[0]);

			if (up)
				parent = of_dev[up - h->devs];
		}
		if (parent < 0)
			parent = root_node(t, d->root, -1);
		if (parent < 0)
			goto out;
		n = &t->nodes[i]; /* root_node may have grown the array */
		link_child(t, parent, (int)i, last);
		if (t->nodes[parent].parent < 0 && !t->nodes[parent].dev &&
		    !t->nodes[parent].range_pf && t->nodes[parent].root_numa < 0)
			t->nodes[parent].root_numa = d->numa_node;
	}
	for (size_t i = 0; i < t->n; i++)
		if (!t->nodes[i].dev && !t->nodes[i].range_pf)
			set_depth(t, (int)i, 0);
	t->n_functions = h->n_devs;
	for (size_t k = 0; rep && k < rep->n; k++) {
		const struct pt_check_result *res = &rep->results[k];
		struct pt_bdf b;
		const struct pt_device *d;
		int node;

		if (res->result < PT_WARN || !res->device[0] || !pt_bdf_scan(res->device, &b) ||
		    !(d = pt_host_find(h, &b)) || (node = of_dev[d - h->devs]) < 0)
			continue;
		if (res->result > t->nodes[node].worst)
			t->nodes[node].worst = res->result;
		t->nodes[node].n_problems++;
	}
	r = 0;
out:
	free(last);
	free(of_dev);
	if (r < 0)
		pt_topo_free(t);
	return r;
}

void pt_topo_free(struct pt_topo *t)
{
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}
