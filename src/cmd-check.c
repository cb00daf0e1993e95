// SPDX-License-Identifier: MIT
/* passthru check: the host gate. Exit 0 pass, 1 a check failed, 2 passthru could not run. */
#include "passthru/safety.h"
#include "cli.h"
#include "passthru/check.h"
#include "report-output.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "strict", no_argument, NULL, 's' },
		{ "kernel-log", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *profile_file = NULL, *format = "text", *klog = NULL, *output = NULL;
	struct pt_facts_opts fo = { 0 };
	struct pt_hostfacts facts;
	struct pt_profile prof;
	struct pt_config_file hc = { 0 };
	struct pt_report rep;
	struct pt_host *h;
	bool strict = false;
	FILE *out = stdout;
	char tmp[4096] = "";
	int c, r, status;

	while ((c = getopt_long(argc, argv, "p:f:sk:o:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': profile_file = optarg; break;
		case 'f': format = optarg; break;
		case 's': strict = true; break;
		case 'k': klog = optarg; break;
		case 'o': output = optarg; break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "check");
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		cli_error("check: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (cli->json)
		format = "json";
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "prometheus") &&
	    strcmp(format, "nfd")) {
		cli_error("--format: '%s' is not one of text, json, prometheus, nfd", format);
		return EXIT_ERROR;
	}
	if (cli_load_profile(cli, profile_file, &prof) < 0)
		return EXIT_ERROR;
	h = cli_scan(cli);
	if (!h) {
		pt_profile_free(&prof);
		return EXIT_ERROR;
	}
	fo.kernel_log = klog;
	fo.want_vf_state = true;
	fo.profile = &prof;
	fo.boot = cli_boot_config(cli, &prof, &hc);
	r = pt_hostfacts_gather(cli->ctx, h, &fo, &facts);
	/* what the host needs (default route, mounts): assignability judges it */
	if (r == 0 && (r = pt_safety_protected(cli->ctx, h, &facts.prot, &facts.n_prot)) < 0)
		pt_hostfacts_free(&facts);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		goto err_host;
	}
	if (klog && !facts.have_klog) {
		cli_error("--kernel-log %s: %s", klog, facts.klog_error);
		goto err_facts;
	}
	r = pt_check_run(h, &facts, &prof, &rep);
	if (r < 0) {
		cli_error("check: %s", strerror(-r));
		goto err_facts;
	}
	status = strcmp(report_verdict(&rep, strict), "fail") == 0 ? EXIT_FAIL : EXIT_OK;

	if (output) {
		/* node_exporter's textfile collector must never see half a file */
		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", output, (int)getpid());
		out = fopen(tmp, "w");
		if (!out) {
			cli_error("--output %s: cannot create %s: %s", output, tmp, strerror(errno));
			pt_report_free(&rep);
			goto err_facts;
		}
	}
	if (strcmp(format, "json") == 0)
		report_json(out, &rep, prof.source, strict, status, h);
	else if (strcmp(format, "prometheus") == 0)
		report_prometheus(out, &rep, prof.source, strict);
	else if (strcmp(format, "nfd") == 0)
		report_nfd(out, &rep, h, strict);
	else {
		char title[300];

		snprintf(title, sizeof(title), "check, profile %s", prof.source);
		report_text(out, &rep, title, strict, cli->color && !output);
	}
	if (output) {
		if (fclose(out) != 0 || rename(tmp, output) != 0) {
			cli_error("--output %s: %s", output, strerror(errno));
			unlink(tmp);
			status = EXIT_ERROR;
		}
	}
	if (strcmp(format, "json") != 0)
		cli_host_warnings(cli, h);
	pt_report_free(&rep);
	pt_hostfacts_free(&facts);
	pt_host_free(h);
	pt_profile_free(&prof);
	pt_config_file_free(&hc);
	return status;

err_facts:
	pt_hostfacts_free(&facts);
err_host:
	pt_host_free(h);
	pt_profile_free(&prof);
	pt_config_file_free(&hc);
	return EXIT_ERROR;
}
