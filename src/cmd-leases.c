// SPDX-License-Identifier: MIT
/*
 * passthru leases [--vm VM]: the active leases, from the state database.
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

int cmd_leases(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'v' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *vm = NULL;
	struct pt_lease *l = NULL;
	struct pt_state *st;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "v:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'v': vm = optarg; break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "leases");
			return EXIT_ERROR;
		}
	}
	if (optind != argc) {
		cli_error("leases: no arguments (--vm VM picks one VM)");
		return EXIT_ERROR;
	}
	if (!(st = cli_state_open(cli)))
		return EXIT_ERROR;
	r = pt_state_leases(st, vm, &l, &n);
	pt_state_close(st);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	print_leases(stdout, cli->json, vm, l, n);
	free(l);
	return EXIT_OK;
}
