// SPDX-License-Identifier: MIT
/*
 * passthru pools [--config FILE] [--no-sync]: the pools and how much of each is free,
 * after syncing them from the host configuration when there is one.
 */
#include "assign-output.h"
#include "cli.h"
#include "json.h"
#include "passthru/assign.h"
#include "passthru/state.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_pools(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "no-sync", no_argument, NULL, 'S' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	struct pt_pool_usage *u = NULL;
	struct pt_host *h;
	struct pt_config_file hc = { 0 };
	const struct pt_hostcfg *cfg = NULL;
	struct pt_state *st;
	bool sync = true;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:Sjh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'S': sync = false; break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "pools");
			return EXIT_ERROR;
		}
	}
	if (!(st = cli_state_open(cli)))
		return EXIT_ERROR;
	if (sync) {
		char p[4096] = "";

		if (!config)
			pt_path(cli->ctx, p, sizeof(p), PT_HOSTCFG_DEFAULT);
		if (config || (p[0] && access(p, F_OK) == 0)) {
			if (cli_load_hostcfg(cli, config, &hc, p, sizeof(p)) < 0) {
				pt_state_close(st);
				return EXIT_ERROR;
			}
			cfg = pt_config_file_hostcfg(&hc);
		}
	}
	/* the database as the host is now (what the pools name and hold, not every
	 * function): synced from the config when there is one */
	h = cli_scan_pools(cli, st, cfg);
	if (!h)
		cli_warn("free counts are the database's, not judged on the host");
	if (cfg && h && pt_pools_sync(cli->ctx, st, h, cfg, NULL) < 0)
		cli_warn("syncing the pools: %s", pt_ctx_error(cli->ctx));
	/* free: what assign would hand out now (the library's one judgement) */
	r = pt_pools_usage(cli->ctx, st, h, &u, &n);
	pt_state_close(st);
	pt_config_file_free(&hc);
	pt_host_free(h);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	print_pools(stdout, cli->json, u, n);
	pt_pool_usage_free(u, n);
	return EXIT_OK;
}
