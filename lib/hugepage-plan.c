// SPDX-License-Identifier: MIT
/*
 * passthru plan hugepages: the demand file's reader (pure, fuzzed), the device-to-node
 * resolution, and the greedy assignment of large pages by bandwidth (pure). See
 * include/passthru/hugepage-plan.h for the rules.
 */
#include "passthru/hugepage-plan.h"
#include "passthru/parse.h"
#include "schema.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIB 1024ULL
#define SZ_4K (4 * KIB)
#define SZ_2M (2 * KIB * KIB)
#define SZ_1G (KIB * KIB * KIB)

void pt_hp_demand_free(struct pt_hp_demand *d)
{
	if (!d)
		return;
	free(d->vms);
	d->vms = NULL;
	d->n = 0;
}

/* "16G", "512MiB", "1T", "4096": bytes, > 0, below 2^60. */
static int parse_memory(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: break;
	}
	if (shift && (!strcmp(end, "i") || !strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	if (*end || v == 0 || v >= (1ULL << (60 - shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_bandwidth(const char *s, double *out)
{
	char *end;
	double v;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -EINVAL;
	v = strtod(s, &end);
	if (*end || !isfinite(v) || v < 0 || v > 1e9)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_vm(struct walk *w, const struct ynode *m, size_t idx, struct pt_hp_vm *vm)
{
	bool have_mem = false, have_name = false;
	char q[80];

	memset(vm, 0, sizeof(*vm));
	vm->node = -1;
	vm->line = m->line;
	if (m->type != Y_MAP)
		return fail(w, m, "vms[%zu]: expected a mapping (name, memory, node or device, "
			    "bandwidth)", idx);
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->kids[i], *v = m->kids[i + 1];
		const char *key = k->type == Y_SCALAR ? k->text : "";

		if (v->type != Y_SCALAR || v->null)
			return fail(w, v, "vms[%zu].%s: expected a value", idx, key);
		schema_quote(v, q, sizeof(q));
		if (!strcmp(key, "name")) {
			if (!v->text[0] || strlen(v->text) >= sizeof(vm->name) ||
			    strlen(v->text) != v->len)
				return fail(w, v, "vms[%zu].name: '%s' is not a name (1-63 characters)",
					    idx, q);
			pt_strlcpy(vm->name, v->text, sizeof(vm->name));
			have_name = true;
		} else if (!strcmp(key, "memory")) {
			if (parse_memory(v->text, &vm->memory) < 0)
				return fail(w, v, "vms[%zu].memory: '%s' is not a size (e.g. 16G, "
					    "512M, 4096)", idx, q);
			have_mem = true;
		} else if (!strcmp(key, "node")) {
			long n;

			if (schema_integer(v, &n) < 0 || n < 0 || n > 4095)
				return fail(w, v, "vms[%zu].node: '%s' is not a NUMA node (0-4095)",
					    idx, q);
			vm->node = (int)n;
		} else if (!strcmp(key, "device")) {
			struct pt_bdf b;

			if (pt_bdf_parse(v->text, &b) < 0)
				return fail(w, v, "vms[%zu].device: '%s' is not a PCI address "
					    "(0000:41:00.0)", idx, q);
			{
				char s[PT_BDF_STRLEN];

				pt_strlcpy(vm->device, pt_bdf_format(&b, s), sizeof(vm->device));
			}
		} else if (!strcmp(key, "bandwidth")) {
			if (parse_bandwidth(v->text, &vm->bandwidth) < 0)
				return fail(w, v, "vms[%zu].bandwidth: '%s' is not Gbit/s (a number "
					    ">= 0)", idx, q);
		} else {
			schema_quote(k, q, sizeof(q));
			return fail(w, k, "vms[%zu]: unknown key '%s' (name, memory, node, device, "
				    "bandwidth)", idx, q);
		}
	}
	if (!have_name)
		return fail(w, m, "vms[%zu]: 'name' is missing", idx);
	if (!have_mem)
		return fail(w, m, "vms[%zu] (%s): 'memory' is missing", idx, vm->name);
	if (vm->node >= 0 && vm->device[0])
		return fail(w, m, "vms[%zu] (%s): give 'node' or 'device', not both", idx,
			    vm->name);
	if (vm->node < 0 && !vm->device[0])
		return fail(w, m, "vms[%zu] (%s): give 'node' or 'device' (its NUMA node is the "
			    "device's)", idx, vm->name);
	return 0;
}

int pt_hp_demand_parse(const char *buf, size_t len, const char *filename,
		       struct pt_hp_demand *out, struct pt_cfg_error *err)
{
	struct walk w = { .file = filename ? filename : "<demand>", .err = err };
	struct ynode *root = NULL;
	const struct ynode *vms = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	r = yaml_tree_read(&w, buf, len, &root);
	if (r < 0)
		goto done;
	if (!root || root->type != Y_MAP) {
		r = root ? fail(&w, root, "expected a mapping with 'vms:' (a list of VMs)")
			 : cfg_fail_at(&w, 0, 0, "the file is empty: expected 'vms:' (a list of VMs)");
		goto done;
	}
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const struct ynode *k = root->kids[i];
		char q[80];

		if (k->type == Y_SCALAR && !strcmp(k->text, "vms")) {
			vms = root->kids[i + 1];
			continue;
		}
		schema_quote(k, q, sizeof(q));
		r = fail(&w, k, "unknown key '%s' (the demand file has 'vms:')", q);
		goto done;
	}
	if (!vms) {
		r = fail(&w, root, "'vms' is missing (a list of VMs)");
		goto done;
	}
	if (vms->type != Y_SEQ || vms->n == 0) {
		r = fail(&w, vms, "vms: expected a non-empty list of VMs");
		goto done;
	}
	if (vms->n > PT_HP_MAX_VMS) {
		r = fail(&w, vms, "vms: more than %d VMs", PT_HP_MAX_VMS);
		goto done;
	}
	out->vms = calloc(vms->n, sizeof(*out->vms));
	if (!out->vms) {
		r = cfg_fail_at(&w, 0, 0, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < vms->n; i++) {
		r = parse_vm(&w, vms->kids[i], i, &out->vms[i]);
		if (r < 0)
			goto done;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(out->vms[j].name, out->vms[i].name)) {
				r = fail(&w, vms->kids[i], "vms[%zu]: the name '%s' is used twice", i,
					 out->vms[i].name);
				goto done;
			}
		out->n++;
	}
	r = 0;
done:
	ynode_free(root);
	if (r < 0)
		pt_hp_demand_free(out);
	return r;
}

int pt_hp_demand_load(const char *path, struct pt_hp_demand *out, struct pt_cfg_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = cfg_read_file(path, &buf, &len, err);
	if (r < 0)
		return r;
	r = pt_hp_demand_parse(buf, len, path, out, err);
	free(buf);
	return r;
}

void pt_hp_resolve(const struct pt_host *host, struct pt_hp_demand *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct pt_hp_vm *vm = &d->vms[i];
		const struct pt_device *dev;

		if (!vm->device[0])
			continue;
		vm->node = -1;
		dev = pt_host_lookup(host, vm->device);
		if (!dev)
			snprintf(vm->node_why, sizeof(vm->node_why), "device %s is not on this host",
				 vm->device);
		else if (dev->numa_node < 0)
			snprintf(vm->node_why, sizeof(vm->node_why),
				 "device %s reports no NUMA node (numa_node -1)", vm->device);
		else
			vm->node = dev->numa_node;
	}
}

const char *pt_hp_backing_str(enum pt_hp_backing b)
{
	switch (b) {
	case PT_HP_4K: return "4K";
	case PT_HP_2M: return "2M";
	case PT_HP_1G: return "1G";
	default: return "unknown";
	}
}

static long free_of(const struct pt_numa_node *n, long size_kb)
{
	for (size_t i = 0; i < n->n_hugepages && i < 8; i++)
		if (n->hugepages[i].size_kb == size_kb)
			return n->hugepages[i].free;
	return -1;
}

static uint64_t pages_of(uint64_t mem, uint64_t size)
{
	return mem / size + (mem % size != 0);
}

int pt_hp_plan(const struct pt_hp_demand *d, const struct pt_numa_node *nodes, size_t n_nodes,
	       struct pt_hp_plan *out)
{
	memset(out, 0, sizeof(*out));
	out->vms = calloc(d->n ? d->n : 1, sizeof(*out->vms));
	out->nodes = calloc(n_nodes ? n_nodes : 1, sizeof(*out->nodes));
	if (!out->vms || !out->nodes) {
		pt_hp_plan_free(out);
		return -ENOMEM;
	}
	out->n_nodes = n_nodes;
	for (size_t i = 0; i < n_nodes; i++) {
		struct pt_hp_node_use *u = &out->nodes[i];

		u->id = nodes[i].id;
		u->free_1g = u->left_1g = free_of(&nodes[i], 1048576);
		u->free_2m = u->left_2m = free_of(&nodes[i], 2048);
	}
	/* order: bandwidth, highest first; ties keep the file's order (insertion sort) */
	for (size_t i = 0; i < d->n; i++) {
		size_t j = i;

		while (j > 0 && d->vms[out->vms[j - 1].vm].bandwidth < d->vms[i].bandwidth) {
			out->vms[j] = out->vms[j - 1];
			j--;
		}
		memset(&out->vms[j], 0, sizeof(out->vms[j]));
		out->vms[j].vm = i;
	}
	out->n = d->n;
	for (size_t i = 0; i < out->n; i++) {
		struct pt_hp_assignment *a = &out->vms[i];
		const struct pt_hp_vm *vm = &d->vms[a->vm];
		struct pt_hp_node_use *u = NULL;
		uint64_t p1g = pages_of(vm->memory, SZ_1G), p2m = pages_of(vm->memory, SZ_2M);

		a->node = vm->node;
		a->iotlb_4k = pages_of(vm->memory, SZ_4K);
		for (size_t k = 0; k < n_nodes && vm->node >= 0; k++)
			if (out->nodes[k].id == vm->node)
				u = &out->nodes[k];
		if (!u) {
			a->backing = PT_HP_UNKNOWN;
			if (vm->node_why[0])
				snprintf(a->reason, sizeof(a->reason), "%s", vm->node_why);
			else
				snprintf(a->reason, sizeof(a->reason), "NUMA node %d is not on this host",
					 vm->node);
			continue;
		}
		if (u->left_1g >= 0 && p1g <= (uint64_t)u->left_1g) {
			a->backing = PT_HP_1G;
			a->pages = p1g;
			a->iotlb = p1g;
			u->left_1g -= (long)p1g;
			u->used_1g += (long)p1g;
			snprintf(a->reason, sizeof(a->reason), "%" PRIu64 " of node %d's free 1 GiB "
				 "pages", p1g, u->id);
		} else if (u->left_2m >= 0 && p2m <= (uint64_t)u->left_2m) {
			a->backing = PT_HP_2M;
			a->pages = p2m;
			a->iotlb = p2m;
			u->left_2m -= (long)p2m;
			u->used_2m += (long)p2m;
			if (u->left_1g < 0)
				snprintf(a->reason, sizeof(a->reason), "free 1 GiB pages on node %d "
					 "unknown; %" PRIu64 " of its free 2 MiB pages", u->id, p2m);
			else
				snprintf(a->reason, sizeof(a->reason), "%" PRIu64 " x 1 GiB needed, %ld "
					 "left on node %d; %" PRIu64 " of its free 2 MiB pages", p1g,
					 u->left_1g, u->id, p2m);
		} else {
			a->backing = PT_HP_4K;
			a->pages = a->iotlb_4k;
			a->iotlb = a->iotlb_4k;
			snprintf(a->reason, sizeof(a->reason), "node %d has %s 1 GiB and %s 2 MiB "
				 "pages left for %" PRIu64 " / %" PRIu64 " needed: 4 KiB pages", u->id,
				 u->left_1g < 0 ? "unknown" : "too few",
				 u->left_2m < 0 ? "unknown" : "too few", p1g, p2m);
		}
		a->saved = a->iotlb_4k - a->iotlb;
		out->saved += a->saved;
	}
	return 0;
}

void pt_hp_plan_free(struct pt_hp_plan *p)
{
	if (!p)
		return;
	free(p->vms);
	free(p->nodes);
	p->vms = NULL;
	p->nodes = NULL;
	p->n = p->n_nodes = 0;
}

static long total_of(const struct pt_numa_node *n, long size_kb)
{
	for (size_t i = 0; i < n->n_hugepages && i < 8; i++)
		if (n->hugepages[i].size_kb == size_kb)
			return n->hugepages[i].total;
	return -1;
}

int pt_hp_plan_reservation(const struct pt_hp_plan *p, const struct pt_numa_node *nodes,
			   size_t n_nodes, struct pt_hostcfg *cfg)
{
	for (size_t i = 0; i < p->n_nodes; i++) {
		const struct pt_hp_node_use *u = &p->nodes[i];
		const struct pt_numa_node *n = NULL;

		for (size_t k = 0; k < n_nodes; k++)
			if (nodes[k].id == u->id)
				n = &nodes[k];
		if (!n)
			continue;
		for (int s = 0; s < 2; s++) {
			long size_kb = s ? 2048 : 1048576, used = s ? u->used_2m : u->used_1g;
			long fr = s ? u->free_2m : u->free_1g, total = total_of(n, size_kb);
			struct pt_hugepage_req q = { .size_kb = size_kb, .node = u->id,
						     .min_total = -1, .min_free = -1 };

			if (used <= 0 || fr < 0 || total < fr)
				continue;
			q.pages = total - fr + used;
			if (PT_PUSH(cfg->hugepages, cfg->n_hugepages, q))
				return -ENOMEM;
		}
	}
	return 0;
}
