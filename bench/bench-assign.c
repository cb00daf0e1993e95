// SPDX-License-Identifier: MIT
/*
 * bench-assign: N assign+release cycles through lib/assign.c (pt_assign, pt_release)
 * on a generated fixture tree, reset excluded.
 *
 *   bench-assign --mkhost tests/gen/mkhost.py --netlink DUMP [--cycles N] [--mac]
 *
 * Setup (not timed): mkhost.py writes the dual-socket sysroot into a temp dir; the i40e
 * PF's 4 VFs are moved to vfio-pci with driver_override (a pool at rest: released
 * devices stay on vfio-pci), the PF's interface is renamed to the one the recorded
 * rtnetlink dump DUMP names (enp1s0f0) so VF settings work on the tree; the host is
 * scanned once, the pools synced once. A cycle is pt_assign (1 VF, any node: the safety
 * reads, the state transaction, the readying plan) and pt_release with no_reset (the
 * policy plan, the state transaction). Without --mac the plans are empty (the VF is
 * ready already) and the VF policy restore reads the recording; with --mac each cycle
 * also sets a MAC and VLAN and restores the policy: two journaled apply runs.
 */
#include "passthru/assign.h"
#include "passthru/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "bench.h"


#define CFG "pools:\n  net:\n    vfs_of: [ { bdf: \"0000:18:00.0\" } ]\n"

int main(int argc, char **argv)
{
	const char *mkhost = NULL, *dump = NULL;
	char dir[512], root[600], state[600], cmd[4096];
	struct pt_hostcfg cfg = { 0 };
	struct pt_cfg_error ce;
	struct pt_state *st;
	struct pt_host *h;
	struct pt_ctx *ctx;
	double t0, c0, total, cpu, *lat;
	int cycles = 1000, r;
	bool mac = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cycles") == 0 && i + 1 < argc)
			cycles = atoi(argv[++i]);
		else if (strcmp(argv[i], "--mkhost") == 0 && i + 1 < argc)
			mkhost = argv[++i];
		else if (strcmp(argv[i], "--netlink") == 0 && i + 1 < argc)
			dump = argv[++i];
		else if (strcmp(argv[i], "--mac") == 0)
			mac = true;
		else
			mkhost = NULL, i = argc;
	}
	if (!mkhost || !dump || cycles < 1) {
		fprintf(stderr, "usage: bench-assign --mkhost tests/gen/mkhost.py --netlink "
				"tests/fuzz/corpus/fuzz-netlink/dump-3-links [--cycles N] [--mac]\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/bench-assign-XXXXXX",
		 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(root, sizeof(root), "%s/dual-socket", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(cmd, sizeof(cmd),
		 "python3 '%s' --out '%s' dual-socket >/dev/null && R='%s' && "
		 "pf=$(readlink -f $R/sys/bus/pci/devices/0000:18:00.0) && "
		 "mv $pf/net/ens1f0 $pf/net/enp1s0f0 && echo 4 >$pf/net/enp1s0f0/ifindex && "
		 "t=$(readlink $R/sys/class/net/ens1f0) && rm $R/sys/class/net/ens1f0 && "
		 "ln -s ${t%%ens1f0}enp1s0f0 $R/sys/class/net/enp1s0f0 && "
		 "for v in 0 1 2 3; do d=$(readlink -f $R/sys/bus/pci/devices/0000:18:02.$v) && "
		 "t=$(readlink $d/driver) && ln -sfn ${t%%/*}/vfio-pci $d/driver && rm -rf $d/net && "
		 "echo vfio-pci >$d/driver_override || exit 1; done && "
		 "mkdir -p $R/.passthru && cp '%s' $R/.passthru/rtnl-getlink.bin",
		 mkhost, dir, root, dump);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench-assign: setting up the tree in %s failed\n", dir);
		return 1;
	}
	lat = calloc((size_t)cycles, sizeof(*lat));
	if (!lat || pt_ctx_new(&ctx, root) < 0 || pt_host_scan(ctx, &h) < 0 ||
	    pt_hostcfg_parse(CFG, strlen(CFG), "bench", &cfg, &ce) < 0 ||
	    pt_state_open(ctx, state, &st) < 0 || pt_pools_sync(ctx, st, h, &cfg, "net") < 0) {
		fprintf(stderr, "bench-assign: setup: %s\n", pt_ctx_error(ctx));
		return 1;
	}

	t0 = now_s();
	c0 = cpu_s();
	for (int i = 0; i < cycles; i++) {
		/* VF 0 of the recording reports no trust: its policy restore would fail, so
		 * the cycles use VFs 1-3 (VF 0 stays leased to a bystander) */
		struct pt_assign_opts o = { .vm = "bench-vm", .pool = "net", .count = 1,
					    .numa_node = -1, .mac = mac ? "02:00:00:00:99:01" : NULL,
					    .vlan = mac ? 100 : 0, .state_dir = state };
		struct pt_release_opts ro = { .state_dir = state, .no_reset = true };
		struct pt_assign_result res;
		struct pt_released *rel;
		double l0 = now_s();
		size_t n;

		if (i == 0) {
			struct pt_assign_opts b = { .vm = "bystander", .pool = "net", .count = 1,
						    .numa_node = 0, .state_dir = state };

			t0 -= now_s();
			if (pt_assign(ctx, st, h, &b, &res) < 0) {
				fprintf(stderr, "bench-assign: bystander: %s\n", pt_ctx_error(ctx));
				return 1;
			}
			pt_assign_result_free(&res);
			t0 += now_s();
			l0 = now_s();
		}
		r = pt_assign(ctx, st, h, &o, &res);
		if (r < 0 || res.n != 1) {
			fprintf(stderr, "bench-assign: assign %d: %s\n", i, pt_ctx_error(ctx));
			return 1;
		}
		pt_assign_result_free(&res);
		r = pt_release(ctx, st, h, "bench-vm", NULL, &ro, &rel, &n);
		if (r != 0 || n != 1) {
			fprintf(stderr, "bench-assign: release %d: %s %s\n", i, pt_ctx_error(ctx),
				n ? rel[0].why : "");
			return 1;
		}
		free(rel);
		lat[i] = now_s() - l0;
	}
	total = now_s() - t0;
	cpu = cpu_s() - c0;

	qsort(lat, (size_t)cycles, sizeof(*lat), cmp_double);
	printf("bench-assign%s: %d assign+release cycles (reset excluded): %.3f s total "
	       "(%.3f s CPU), %.0f us/cycle mean, p50 %.0f us, p99 %.0f us, max %.0f us, "
	       "%lu kernel writes\n",
	       mac ? " --mac" : "", cycles, total, cpu, total / cycles * 1e6, lat[cycles / 2] * 1e6,
	       lat[(size_t)((double)cycles * 0.99)] * 1e6, lat[cycles - 1] * 1e6,
	       pt_ctx_write_count(ctx));
	r = pt_state_verify(st, true);
	if (r < 0)
		fprintf(stderr, "bench-assign: verify: %s\n", pt_ctx_error(ctx));
	pt_state_close(st);
	pt_hostcfg_free(&cfg);
	pt_host_free(h);
	pt_ctx_free(ctx);
	free(lat);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench-assign: could not remove %s\n", dir);
	return r < 0 ? 1 : 0;
}
