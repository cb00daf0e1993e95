// SPDX-License-Identifier: MIT
/*
 * passthru release VM [--device BDF] | --unquarantine BDF: reset the VM's devices,
 * restore their VF policy and return them to their pools (lib/assign.c).
 * Exit 0 ok, 1 failed or quarantined, 2 could not run.
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

/* The VM's leased functions and what releasing them depends on (pt_release_scope). */
static struct pt_host *scan_leased(struct cli *cli, struct pt_state *st, const char *vm)
{
	struct pt_scope *s = NULL;
	struct pt_host *h;

	if (pt_scope_new(&s) < 0 || pt_release_scope(st, vm, s) < 0) {
		pt_scope_free(s);
		cli_error("release %s: %s", vm, pt_ctx_error(cli->ctx));
		return NULL;
	}
	h = cli_scan_scope(cli, s);
	pt_scope_free(s);
	return h;
}

int cmd_release(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "unquarantine", required_argument, NULL, 'u' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pt_release_opts o = { .state_dir = cli->state_dir };
	const char *dev = NULL, *unq = NULL;
	struct pt_released *rel = NULL;
	struct pt_state *st = NULL;
	struct pt_host *h = NULL;
	size_t n = 0;
	int c, r, status = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "d:u:nft:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o.force = true; break;
		case 'd': dev = optarg; break;
		case 'u': unq = optarg; break;
		case 'n': o.dry_run = true; break;
		case 't':
			if (cli_parse_int("--timeout", optarg, 1, 3600000, &o.timeout_ms) < 0)
				return EXIT_ERROR;
			break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "release");
			return EXIT_ERROR;
		}
	}
	if (unq) {
		if (optind != argc || dev) {
			cli_error("release --unquarantine BDF takes nothing else");
			return EXIT_ERROR;
		}
		if (!(st = cli_state_open(cli)))
			return EXIT_ERROR;
		r = pt_state_unquarantine(st, unq);
		if (r < 0)
			cli_error("unquarantine %s: %s", unq, pt_ctx_error(cli->ctx));
		else if (cli->json)
			printf("{\"version\":1,\"unquarantined\":\"%s\"}\n", unq);
		else
			printf("%s: back in its pool\n", unq);
		pt_state_close(st);
		return r < 0 ? cli_exit_status(r) : EXIT_OK;
	}
	if (optind + 1 != argc) {
		cli_error("release: which VM? (passthru release VM [--device BDF])");
		return EXIT_ERROR;
	}
	if (!(st = cli_state_open(cli)))
		return EXIT_ERROR;
	if (!(h = scan_leased(cli, st, argv[optind])))
		goto out;
	r = pt_release(cli->ctx, st, h, argv[optind], dev, &o, &rel, &n);
	if (r < 0) {
		cli_error("release %s: %s", argv[optind], pt_ctx_error(cli->ctx));
		status = cli_exit_status(r);
		goto out;
	}
	print_released(stdout, cli->json, argv[optind], rel, n, o.dry_run);
	status = r ? EXIT_FAIL : EXIT_OK;
out:
	free(rel);
	pt_state_close(st);
	pt_host_free(h);
	return status;
}
