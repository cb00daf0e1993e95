// SPDX-License-Identifier: MIT
/*
 * passthru plan hugepages: the demand file's reader (good and bad files, errors at
 * file:line:col) and the pure greedy planner on hand-made nodes (order by bandwidth,
 * 1G -> 2M -> 4K fallbacks, unknown nodes, the pages left per node).
 */
#include "passthru/hugepage-plan.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void node(struct pt_numa_node *n, int id, long free_1g, long free_2m)
{
	memset(n, 0, sizeof(*n));
	n->id = id;
	n->n_hugepages = 2;
	n->hugepages[0] = (struct pt_hugepages){ 2048, free_2m, free_2m };
	n->hugepages[1] = (struct pt_hugepages){ 1048576, free_1g, free_1g };
}

static int parse(const char *y, struct pt_hp_demand *d, struct pt_cfg_error *e)
{
	return pt_hp_demand_parse(y, strlen(y), "demand.yaml", d, e);
}

static void test_parse(void)
{
	struct pt_hp_demand d;
	struct pt_cfg_error e;
	int r;

	r = parse("vms:\n"
		  "  - name: db\n    memory: 16G\n    node: 1\n    bandwidth: 100\n"
		  "  - name: web\n    memory: 512MiB\n    device: 41:00.0\n    bandwidth: 2.5\n",
		  &d, &e);
	is_int(r, 0, "a good file parses (%s)", e.msg);
	is_int((int)d.n, 2, "two VMs");
	if (d.n == 2) {
		is_str(d.vms[0].name, "db", "name");
		ok(d.vms[0].memory == 16ULL << 30, "16G is 16 GiB");
		is_int(d.vms[0].node, 1, "node");
		ok(d.vms[1].memory == 512ULL << 20, "512MiB");
		is_str(d.vms[1].device, "0000:41:00.0", "device in full form");
		is_int(d.vms[1].node, -1, "a device's node waits for the host");
		ok(d.vms[1].bandwidth == 2.5, "bandwidth 2.5");
	}
	pt_hp_demand_free(&d);

	r = parse("vms:\n  - name: a\n    memory: [1\n", &d, &e);
	is_int(r, -EINVAL, "bad YAML is refused");
	is_str(e.file, "demand.yaml", "the error names the file");
	ok(e.line > 0 && e.col > 0, "with line and column (%d:%d: %s)", e.line, e.col, e.msg);

	r = parse("vms:\n  - name: a\n    memory: lots\n    node: 0\n", &d, &e);
	is_int(r, -EINVAL, "a bad size is refused");
	ok(e.line == 3 && e.col == 13, "at the value (%d:%d)", e.line, e.col);
	ok(strstr(e.msg, "vms[0].memory") && strstr(e.msg, "'lots'"), "naming key and value: %s",
	   e.msg);

	r = parse("vms:\n  - name: a\n    memory: 1G\n", &d, &e);
	ok(r == -EINVAL && strstr(e.msg, "'node' or 'device'"), "node or device required: %s",
	   e.msg);
	r = parse("vms:\n  - name: a\n    memory: 1G\n    node: 0\n    colour: red\n", &d, &e);
	ok(r == -EINVAL && strstr(e.msg, "unknown key 'colour'") && e.line == 5,
	   "unknown key at its line: %s", e.msg);
	r = parse("vms:\n  - name: a\n    memory: 1G\n    node: 0\n    device: 01:00.0\n", &d, &e);
	ok(r == -EINVAL && strstr(e.msg, "not both"), "node and device together: %s", e.msg);
	r = parse("vms:\n  - {name: a, memory: 1G, node: 0}\n  - {name: a, memory: 1G, node: 0}\n",
		  &d, &e);
	ok(r == -EINVAL && strstr(e.msg, "twice"), "a name used twice: %s", e.msg);
	r = parse("vms:\n  - {name: a, memory: 1G, node: 0, bandwidth: -3}\n", &d, &e);
	ok(r == -EINVAL && strstr(e.msg, "bandwidth"), "negative bandwidth: %s", e.msg);
	r = parse("", &d, &e);
	ok(r == -EINVAL && strstr(e.msg, "empty"), "empty file: %s", e.msg);
	r = parse("hosts: []\n", &d, &e);
	ok(r == -EINVAL && strstr(e.msg, "unknown key 'hosts'"), "other document: %s", e.msg);
}

static const struct pt_hp_assignment *of(const struct pt_hp_plan *p,
					 const struct pt_hp_demand *d, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(d->vms[p->vms[i].vm].name, name))
			return &p->vms[i];
	return NULL;
}

static void test_plan(void)
{
	struct pt_numa_node nodes[2];
	struct pt_hp_demand d;
	struct pt_hp_plan p;
	struct pt_cfg_error e;
	const struct pt_hp_assignment *a;

	/* node 0: 20 x 1G, 4096 x 2M (8 GiB); node 1: nothing large */
	node(&nodes[0], 0, 20, 4096);
	node(&nodes[1], 1, 0, 0);
	is_int(parse("vms:\n"
		     "  - {name: low, memory: 16G, node: 0, bandwidth: 1}\n"
		     "  - {name: high, memory: 16G, node: 0, bandwidth: 100}\n"
		     "  - {name: mid, memory: 8G, node: 0, bandwidth: 25}\n"
		     "  - {name: tie, memory: 2G, node: 0, bandwidth: 25}\n"
		     "  - {name: far, memory: 4G, node: 1, bandwidth: 400}\n"
		     "  - {name: gone, memory: 4G, node: 7, bandwidth: 10}\n",
		     &d, &e),
	       0, "the demand parses (%s)", e.msg);
	is_int(pt_hp_plan(&d, nodes, 2, &p), 0, "plan");
	is_int((int)p.n, 6, "every VM has an answer");
	is_str(d.vms[p.vms[0].vm].name, "far", "highest bandwidth first");
	is_str(d.vms[p.vms[1].vm].name, "high", "then 100 Gbit/s");
	is_str(d.vms[p.vms[2].vm].name, "mid", "ties keep the file's order (mid)");
	is_str(d.vms[p.vms[3].vm].name, "tie", "ties keep the file's order (tie)");

	a = of(&p, &d, "high");
	ok(a && a->backing == PT_HP_1G && a->pages == 16, "high gets 16 x 1G");
	ok(a && a->iotlb == 16 && a->iotlb_4k == 4194304 && a->saved == 4194288,
	   "16 IOTLB entries instead of 4194304");
	a = of(&p, &d, "mid");
	ok(a && a->backing == PT_HP_2M && a->pages == 4096,
	   "mid: 4 x 1G left < 8 needed -> 4096 x 2M (%s)", a ? a->reason : "");
	a = of(&p, &d, "tie");
	ok(a && a->backing == PT_HP_1G && a->pages == 2, "tie: 2 of the 4 1G left");
	a = of(&p, &d, "low");
	ok(a && a->backing == PT_HP_4K && a->iotlb == a->iotlb_4k && a->saved == 0,
	   "low: nothing left -> 4K, nothing saved (%s)", a ? a->reason : "");
	a = of(&p, &d, "far");
	ok(a && a->backing == PT_HP_4K && a->node == 1, "far: its node has no large pages -> 4K");
	a = of(&p, &d, "gone");
	ok(a && a->backing == PT_HP_UNKNOWN && strstr(a->reason, "node 7"),
	   "unknown node -> unknown, with the reason (%s)", a ? a->reason : "");
	is_int((int)p.nodes[0].used_1g, 18, "node 0: 18 x 1G used");
	is_int((int)p.nodes[0].left_1g, 2, "node 0: 2 x 1G left");
	is_int((int)p.nodes[0].used_2m, 4096, "node 0: 4096 x 2M used");
	is_int((int)p.nodes[0].left_2m, 0, "node 0: no 2M left");
	ok(p.saved == 4194288ULL + (2097152 - 4096) + (524288 - 2), "total saving summed");
	pt_hp_plan_free(&p);

	/* a device on no known node; unknown free counts spend nothing */
	d.vms[0].node = -1;
	snprintf(d.vms[0].node_why, sizeof(d.vms[0].node_why), "device 0000:41:00.0 is not on "
		 "this host");
	nodes[0].hugepages[1].free = -1;
	is_int(pt_hp_plan(&d, nodes, 2, &p), 0, "plan again");
	a = of(&p, &d, "low");
	ok(a && a->backing == PT_HP_UNKNOWN && strstr(a->reason, "not on this host"),
	   "a device's unknown node says why (%s)", a ? a->reason : "");
	a = of(&p, &d, "high");
	ok(a && a->backing == PT_HP_4K, "16G: 1G count unknown, 8192 x 2M > 4096 -> 4K");
	a = of(&p, &d, "mid");
	ok(a && a->backing == PT_HP_2M, "8G: 1G count unknown -> 2M");
	is_int((int)p.nodes[0].left_1g, -1, "an unknown count stays unknown");
	pt_hp_plan_free(&p);
	pt_hp_demand_free(&d);

	/* memory not a whole number of pages rounds up */
	is_int(parse("vms:\n  - {name: odd, memory: 1537M, node: 0}\n", &d, &e), 0, "odd size");
	node(&nodes[0], 0, 2, 0);
	is_int(pt_hp_plan(&d, nodes, 1, &p), 0, "plan odd");
	ok(p.vms[0].backing == PT_HP_1G && p.vms[0].pages == 2, "1537M takes 2 x 1G");
	pt_hp_plan_free(&p);
	pt_hp_demand_free(&d);
}

int main(void)
{
	test_parse();
	test_plan();
	return done_testing();
}
