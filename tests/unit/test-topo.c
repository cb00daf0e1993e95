// SPDX-License-Identifier: MIT
/*
 * The topology tree (lib/topo.c) on the fixtures (argv[1]): every function placed once,
 * VFs under their PF, long VF runs folded into one range, switches under their root
 * port, the gate's results marked on the device they name.
 */
#include "passthru/topo.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static struct pt_host *scan(const char *fixtures, const char *name, struct pt_ctx **ctx)
{
	char root[4096];
	struct pt_host *h = NULL;

	snprintf(root, sizeof(root), "%s/%s", fixtures, name);
	if (pt_ctx_new(ctx, root) < 0 || pt_host_scan(*ctx, &h) < 0)
		return NULL;
	return h;
}

static int node_of(const struct pt_topo *t, const char *bdf)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].dev && strcmp(t->nodes[i].dev->name, bdf) == 0)
			return (int)i;
	return -1;
}

static const char *parent_name(const struct pt_topo *t, int i)
{
	int p = i >= 0 ? t->nodes[i].parent : -1;

	if (p < 0)
		return "(none)";
	return t->nodes[p].dev ? t->nodes[p].dev->name : t->nodes[p].root;
}

int main(int argc, char **argv)
{
	struct pt_report rep = { 0 };
	struct pt_ctx *ctx;
	struct pt_topo t;
	struct pt_host *h;
	size_t devs = 0, ranges = 0, folded = 0;
	int i;

	if (argc < 2 || !(h = scan(argv[1], "dual-socket", &ctx))) {
		ok(0, "the dual-socket fixture scans");
		return done_testing();
	}
	pt_report_add(&rep, "pcie.link", "link", PT_FAIL, "0000:02:00.0", "fix it", "x4 of x8");
	pt_report_add(&rep, "vf.policy", "vf", PT_WARN, "0000:18:02.1 (ens1f0 vf 1)", "", "trust");
	pt_report_add(&rep, "iommu.on", "iommu", PT_FAIL, "", "", "host-wide");
	ok(pt_topo_build(h, &rep, 0, &t) == 0, "dual-socket: built");
	for (size_t k = 0; k < t.n; k++)
		devs += t.nodes[k].dev != NULL;
	is_int(devs, h->n_devs, "every function is one node");
	is_str(parent_name(&t, node_of(&t, "0000:18:02.1")), "0000:18:00.0", "a VF sits under its PF");
	is_str(parent_name(&t, node_of(&t, "0000:05:00.0")), "0000:04:08.0",
	       "an endpoint under its switch's downstream port");
	is_str(parent_name(&t, node_of(&t, "0000:00:02.0")), "pci0000:00", "a root port under its root");
	i = node_of(&t, "0000:05:00.0");
	ok(i >= 0 && t.nodes[i].depth == 4, "depth: root, root port, upstream, downstream, endpoint");
	i = node_of(&t, "0000:02:00.0");
	ok(i >= 0 && t.nodes[i].worst == PT_FAIL && t.nodes[i].n_problems == 1, "a failed check marks its device");
	i = node_of(&t, "0000:18:02.1");
	ok(i >= 0 && t.nodes[i].worst == PT_WARN, "a result naming 'BDF (ifname vf N)' marks the VF");
	i = node_of(&t, "0000:18:02.2");
	ok(i >= 0 && t.nodes[i].worst == PT_PASS, "an unnamed device stays unmarked");
	ok(pt_result_names(&rep.results[1], "0000:18:02.1") && !pt_result_names(&rep.results[1], "0000:18:02.10"),
	   "pt_result_names matches the whole BDF");
	pt_topo_free(&t);
	pt_report_free(&rep);
	pt_host_free(h);
	pt_ctx_free(ctx);

	if (!(h = scan(argv[1], "large", &ctx))) {
		ok(0, "the large fixture scans");
		return done_testing();
	}
	ok(pt_topo_build(h, NULL, 8, &t) == 0, "large: built, runs over 8 VFs folded");
	for (size_t k = 0; k < t.n; k++)
		if (t.nodes[k].range_pf) {
			ranges++;
			folded += t.nodes[k].range_last - t.nodes[k].range_first + 1;
		}
	is_int(ranges, 16, "one range per PF");
	is_int(folded, 16 * 61, "each folds all but the first and last of 63 VFs");
	is_int(t.n_functions, h->n_devs, "n_functions counts the folded ones");
	pt_topo_free(&t);
	pt_host_free(h);
	pt_ctx_free(ctx);
	return done_testing();
}
