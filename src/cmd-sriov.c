// SPDX-License-Identifier: MIT
/*
 * passthru sriov PF COUNT [--autoprobe on|off]: the VF count of one PF, as
 * `sriov: [{pf: {bdf: PF}, vfs: COUNT}]` would make it with apply (a changed non-zero
 * count goes through 0; refusals, journal and rollback are apply's).
 */
#include "oneshot-cli.h"
#include "passthru/oneshot.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_sriov(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "autoprobe", required_argument, NULL, 'a' },
		ONESHOT_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct apply_job job = { .command = "sriov", .persist_name = "sriov" };
	const struct pt_device *pf;
	struct pt_hostcfg cfg;
	struct pt_host *h;
	char label[160];
	int c, autoprobe = -1, ret;
	long count;

	while ((c = getopt_long(argc, argv, "a:" ONESHOT_SHORTOPTS, opts, NULL)) != -1) {
		int k = oneshot_common_opt(cli, &job, c, optarg);

		if (k < 0)
			return EXIT_ERROR;
		if (k)
			continue;
		if (c == 'a') {
			if (oneshot_onoff("--autoprobe", optarg, &autoprobe) < 0)
				return EXIT_ERROR;
			continue;
		}
		cli_usage(stderr, "sriov");
		return EXIT_ERROR;
	}
	if (optind + 2 != argc) {
		cli_error("sriov: a PF and a VF count (passthru sriov enp1s0 4)");
		return EXIT_ERROR;
	}
	if (oneshot_long("COUNT", argv[optind + 1], 0, 2048, &count) < 0)
		return EXIT_ERROR;
	h = cli_scan_for(cli, argv[optind], 0); /* the run scans its own scope */
	if (!h)
		return EXIT_ERROR;
	pf = oneshot_pf(h, argv[optind]);
	if (!pf) {
		pt_host_free(h);
		return EXIT_ERROR;
	}
	snprintf(label, sizeof(label), "sriov %s %ld", pf->name, count);
	ret = pt_oneshot_sriov(cli->ctx, &pf->bdf, (int)count, autoprobe, &cfg);
	pt_host_free(h);
	if (ret < 0) {
		cli_error("%s: %s", label, pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	job.label = label;
	job.cfg = &cfg;
	ret = apply_job_run(cli, &job);
	pt_hostcfg_free(&cfg);
	return ret;
}
