// SPDX-License-Identifier: MIT
/* passthru doctor DEV [--cpus LIST]: the diagnosis playbook for one device. */
#include "passthru/safety.h"
#include "cli.h"
#include "passthru/check.h"
#include "passthru/parse.h"
#include "report-output.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_doctor(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "kernel-log", required_argument, NULL, 'k' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pt_facts_opts fo = { 0 };
	struct pt_hostfacts facts;
	const char *cpus = NULL, *klog = NULL;
	struct pt_report rep;
	struct pt_device *d;
	struct pt_host *h;
	char title[128];
	int c, r, status;

	while ((c = getopt_long(argc, argv, "c:k:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cpus = optarg;
			if (pt_parse_cpulist(cpus, NULL, 0) <= 0) {
				cli_error("--cpus: '%s' is not a CPU list (e.g. 2-7,10)", cpus);
				return EXIT_ERROR;
			}
			break;
		case 'k': klog = optarg; break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "doctor");
			return EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		cli_usage(stderr, "doctor");
		return EXIT_ERROR;
	}
	d = cli_scan_named(cli, argv[optind], 0, &h);
	if (!d)
		return EXIT_ERROR;
	fo.kernel_log = klog;
	fo.want_vf_state = d->kind == PT_KIND_VF;
	fo.holder_of = d;
	r = pt_hostfacts_gather(cli->ctx, h, &fo, &facts);
	/* what the host needs (default route, mounts): assignability judges it */
	if (r == 0 && (r = pt_safety_protected(cli->ctx, h, &facts.prot, &facts.n_prot)) < 0)
		pt_hostfacts_free(&facts);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		pt_host_free(h);
		return EXIT_ERROR;
	}
	r = pt_doctor_run(h, &facts, d, cpus, &rep);
	if (r < 0) {
		cli_error("doctor: %s", strerror(-r));
		pt_hostfacts_free(&facts);
		pt_host_free(h);
		return EXIT_ERROR;
	}
	status = rep.worst == PT_FAIL ? EXIT_FAIL : EXIT_OK;
	snprintf(title, sizeof(title), "doctor %s", d->name);
	if (cli->json)
		report_json(stdout, &rep, title, false, status, h);
	else
		report_text(stdout, &rep, title, false, cli->color);
	cli_host_warnings(cli, h);
	pt_report_free(&rep);
	pt_hostfacts_free(&facts);
	pt_host_free(h);
	return status;
}
