// SPDX-License-Identifier: MIT
/*
 * bench-state: N assign+release cycles against one state database.
 *
 *   bench-state [--cycles N] [--devices D] [--dir DIR]
 *
 * Setup (creating the database, syncing a pool of D VFs over two NUMA nodes) is not
 * timed. Each cycle is one pt_state_assign (1 device, alternating nodes) and one
 * pt_state_release, each its own committed transaction with its audit entries.
 * Prints the total and per-cycle latency percentiles.
 */
#include "passthru/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>
#include "bench.h"


int main(int argc, char **argv)
{
	int cycles = 1000, devices = 64, r;
	char dir[512] = "", cmd[600];
	struct pt_pool_member *m;
	char (*bdfs)[PT_BDF_STRLEN];
	struct pt_state *st;
	struct pt_ctx *ctx;
	double t0, c0, total, cpu, *lat;
	bool own_dir = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cycles") == 0 && i + 1 < argc)
			cycles = atoi(argv[++i]);
		else if (strcmp(argv[i], "--devices") == 0 && i + 1 < argc)
			devices = atoi(argv[++i]);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			snprintf(dir, sizeof(dir), "%s", argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--cycles N] [--devices D] [--dir DIR]\n", argv[0]);
			return 2;
		}
	}
	if (cycles < 1 || devices < 2 || devices > 2048) {
		fprintf(stderr, "bench-state: cycles >= 1, devices 2..2048\n");
		return 2;
	}
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/bench-state-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 1;
		}
		own_dir = true;
	}
	m = calloc((size_t)devices, sizeof(*m));
	bdfs = calloc((size_t)devices, sizeof(*bdfs));
	lat = calloc((size_t)cycles, sizeof(*lat));
	if (!m || !bdfs || !lat)
		return 1;
	for (int i = 0; i < devices; i++) {
		snprintf(bdfs[i], sizeof(bdfs[i]), "0000:%02x:%02x.%d", 0x10 + i / 256,
			 (i / 8) % 32, i % 8);
		m[i] = (struct pt_pool_member){ bdfs[i], i % 2, 100 + i };
	}

	/* setup: not timed */
	if (pt_ctx_new(&ctx, NULL) < 0)
		return 1;
	if (pt_state_open(ctx, dir, &st) < 0 ||
	    pt_state_sync_pool(st, "bench", "vfs", m, (size_t)devices) < 0) {
		fprintf(stderr, "bench-state: setup: %s\n", pt_ctx_error(ctx));
		return 1;
	}

	t0 = now_s();
	c0 = cpu_s();
	for (int i = 0; i < cycles; i++) {
		struct pt_assign_req req = { .vm = "bench-vm", .pool = "bench", .count = 1,
					     .numa_node = i % 2 };
		struct pt_lease *l;
		double l0 = now_s();
		size_t n;

		r = pt_state_assign(st, &req, &l, &n);
		if (r < 0) {
			fprintf(stderr, "bench-state: assign %d: %s\n", i, pt_ctx_error(ctx));
			return 1;
		}
		free(l);
		r = pt_state_release(st, "bench-vm", NULL, NULL, &n);
		if (r < 0 || n != 1) {
			fprintf(stderr, "bench-state: release %d: %s\n", i, pt_ctx_error(ctx));
			return 1;
		}
		lat[i] = now_s() - l0;
	}
	total = now_s() - t0;
	cpu = cpu_s() - c0;

	qsort(lat, (size_t)cycles, sizeof(*lat), cmp_double);
	printf("bench-state: %d assign+release cycles, pool of %d devices: %.3f s total "
	       "(%.3f s CPU), %.0f us/cycle mean, p50 %.0f us, p99 %.0f us, max %.0f us\n",
	       cycles, devices, total, cpu, total / cycles * 1e6, lat[cycles / 2] * 1e6,
	       lat[(size_t)((double)cycles * 0.99)] * 1e6, lat[cycles - 1] * 1e6);
	r = pt_state_verify(st, true);
	if (r < 0)
		fprintf(stderr, "bench-state: verify: %s\n", pt_ctx_error(ctx));
	pt_state_close(st);
	pt_ctx_free(ctx);
	if (own_dir) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench-state: could not remove %s\n", dir);
	}
	free(m);
	free(bdfs);
	free(lat);
	return r < 0 ? 1 : 0;
}
