// SPDX-License-Identifier: MIT
/*
 * passthru topo [--format text|dot|svg|html] [-o FILE] [--profile FILE] [--expand]:
 * the host as a picture. Gathers the host and the gate's facts, judges with the gate
 * (pt_check_run: the marks are check's own results), builds the tree (lib/topo.c) and
 * prints it (src/topo-output.c).
 */
#include "cli.h"
#include "passthru/check.h"
#include "passthru/profile.h"
#include "passthru/topo.h"
#include "topo-output.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define COLLAPSE_OVER 8

int cmd_topo(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "profile", required_argument, NULL, 'p' },
		{ "expand", no_argument, NULL, 'x' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text", *output = NULL, *profile_file = NULL;
	struct pt_facts_opts fo = { 0 };
	struct pt_hostfacts facts;
	struct pt_profile prof;
	struct pt_report rep = { 0 };
	struct pt_topo t;
	struct topo_out o = { 0 };
	struct pt_host *h;
	bool expand = false, have_rep = false;
	char tmp[4096];
	int c, status = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "F:o:p:xjh", opts, NULL)) != -1) {
		switch (c) {
		case 'F': format = optarg; break;
		case 'o': output = optarg; break;
		case 'p': profile_file = optarg; break;
		case 'x': expand = true; break;
		case 'j':
			cli_error("topo: a picture has no JSON form; 'passthru list --json' and "
				  "'passthru check --json' carry the same facts");
			return EXIT_ERROR;
		default:
			cli_usage(stderr, "topo");
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		cli_error("topo: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (strcmp(format, "text") && strcmp(format, "dot") && strcmp(format, "svg") &&
	    strcmp(format, "html")) {
		cli_error("--format: '%s' is not one of text, dot, svg, html", format);
		return EXIT_ERROR;
	}
	if (cli_load_profile(cli, profile_file, &prof) < 0)
		return EXIT_ERROR;
	h = cli_scan(cli);
	if (!h)
		goto out_prof;
	fo.want_vf_state = true;
	fo.profile = &prof;
	if (pt_hostfacts_gather(cli->ctx, h, &fo, &facts) == 0) {
		have_rep = pt_check_run(h, &facts, &prof, &rep) == 0;
		pt_hostfacts_free(&facts);
	}
	if (!have_rep)
		cli_warn("the gate could not judge this host (%s): no check marks in the picture",
			 pt_ctx_error(cli->ctx));
	if (pt_topo_build(h, have_rep ? &rep : NULL, expand ? 0 : COLLAPSE_OVER, &t) < 0) {
		cli_error("topo: out of memory");
		goto out_host;
	}
	o.f = stdout;
	if (output) {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", output, (int)getpid());
		o.f = fopen(tmp, "w");
		if (!o.f) {
			cli_error("-o %s: cannot create %s: %s", output, tmp, strerror(errno));
			goto out_topo;
		}
	}
	o.h = h;
	o.t = &t;
	o.rep = have_rep ? &rep : NULL;
	topo_print(&o, format);
	status = EXIT_OK;
	if (output) {
		if (fclose(o.f) != 0 || rename(tmp, output) != 0) {
			cli_error("-o %s: %s", output, strerror(errno));
			unlink(tmp);
			status = EXIT_ERROR;
		}
	} else if (fflush(stdout) != 0) {
		status = EXIT_ERROR;
	}
out_topo:
	pt_topo_free(&t);
out_host:
	if (have_rep)
		pt_report_free(&rep);
	pt_host_free(h);
out_prof:
	pt_profile_free(&prof);
	return status;
}
