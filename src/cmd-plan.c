// SPDX-License-Identifier: MIT
/*
 * passthru plan sriov PF COUNT: will enabling COUNT VFs succeed, and if not, which
 * limit refuses it and what to do. The library gathers and judges; this prints.
 * Exit status: 0 it succeeds, 1 it fails (or cannot be told), 2 could not run.
 */
#include "cli.h"
#include "json.h"
#include "passthru/parse.h"
#include "passthru/sriov-predict.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *errno_name(int e)
{
	switch (e) {
	case ERANGE: return "ERANGE";
	case ENOENT: return "ENOENT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EIO: return "EIO";
	default: return NULL;
	}
}

static void plan_sriov_json(const struct pt_sriov_facts *f, const struct pt_sriov_prediction *p)
{
	struct json j;

	json_doc_begin(&j, stdout, 1);
	JSON_KV_STR(&j, "pf", f->pf);
	JSON_KV_INT(&j, "count", p->count);
	json_key(&j, "succeeds");
	json_tri(&j, p->succeeds);
	JSON_KV_STR(&j, "limit", pt_sriov_limit_str(p->limit));
	json_key(&j, "errno");
	json_str(&j, errno_name(p->error));
	json_key(&j, "max_count");
	json_int_or_null(&j, p->max_count);
	json_key(&j, "reason");
	json_str_or_null(&j, p->reason);
	json_key(&j, "advice");
	json_str_or_null(&j, p->advice);
	json_key(&j, "notes");
	json_str_or_null(&j, p->notes);
	json_key(&j, "facts");
	json_obj_begin(&j);
	json_key(&j, "total_vfs");
	json_int_or_null(&j, f->total_vfs);
	json_key(&j, "num_vfs");
	json_int_or_null(&j, f->num_vfs);
	json_key(&j, "offset");
	json_int_or_null(&j, f->offset);
	json_key(&j, "stride");
	json_int_or_null(&j, f->stride);
	json_key(&j, "driver");
	json_str_or_null(&j, f->driver);
	json_key(&j, "driver_sriov_configure");
	json_tri(&j, f->driver_sriov);
	json_key(&j, "capability_total_vfs");
	json_int_or_null(&j, f->cap.present ? f->cap.total_vfs : -1);
	json_key(&j, "bridge");
	json_str_or_null(&j, f->has_bridge ? f->bridge : "");
	json_key(&j, "bus_end");
	json_int_or_null(&j, f->bus_end);
	json_key(&j, "ari_enabled");
	json_tri(&j, f->ari_enabled);
	json_key(&j, "last_vf");
	json_str_or_null(&j, p->last_vf);
	json_key(&j, "last_vf_bus");
	json_int_or_null(&j, p->last_vf_bus);
	json_key(&j, "vf_bars");
	json_arr_begin(&j);
	for (int i = 0; f->iov_known && i < 6; i++) {
		uint64_t s = pt_res_size(&f->iov[i]);
		int total = f->cap.total_vfs > 0 ? f->cap.total_vfs : f->total_vfs;

		if (!s)
			continue;
		json_obj_begin(&j);
		JSON_KV_INT(&j, "bar", i);
		json_key(&j, "total_size");
		json_uint(&j, s);
		json_key(&j, "per_vf_size");
		if (total > 0)
			json_uint(&j, s / (uint64_t)total);
		else
			json_null(&j);
		JSON_KV_BOOL(&j, "prefetchable", f->iov[i].flags & PT_RES_PREFETCH);
		JSON_KV_BOOL(&j, "assigned", pt_res_assigned(&f->iov[i]));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "mmio");
	if (f->windows_known) {
		json_obj_begin(&j);
		json_key(&j, "need_mem");
		json_uint(&j, p->mmio_need_mem);
		json_key(&j, "need_pref");
		json_uint(&j, p->mmio_need_pref);
		json_key(&j, "window_mem");
		json_uint(&j, pt_res_size(&f->win_mem));
		json_key(&j, "window_pref");
		json_uint(&j, pt_res_size(&f->win_pref));
		json_key(&j, "free_mem");
		json_uint(&j, p->mmio_free_mem);
		json_key(&j, "free_pref");
		json_uint(&j, p->mmio_free_pref);
		json_obj_end(&j);
	} else {
		json_null(&j);
	}
	json_obj_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

static void plan_sriov_human(const struct pt_sriov_facts *f, const struct pt_sriov_prediction *p)
{
	const char *e = errno_name(p->error);

	if (p->succeeds == PT_YES)
		printf("%s: enabling %d VF%s succeeds", f->pf, p->count, p->count == 1 ? "" : "s");
	else if (p->succeeds == PT_NO)
		printf("%s: enabling %d VF%s fails (%s%s%s)", f->pf, p->count,
		       p->count == 1 ? "" : "s", pt_sriov_limit_str(p->limit), e ? ", " : "",
		       e ? e : "");
	else
		printf("%s: whether enabling %d VF%s succeeds is unknown", f->pf, p->count,
		       p->count == 1 ? "" : "s");
	if (p->max_count >= 0)
		printf("; at most %d fit%s", p->max_count, p->max_count == 1 ? "s" : "");
	putchar('\n');
	if (p->reason[0])
		printf("  why:  %s\n", p->reason);
	if (p->advice[0])
		printf("  do:   %s\n", p->advice);
	if (p->notes[0])
		printf("  note: %s\n", p->notes);
}

static int plan_sriov(struct cli *cli, int argc, char **argv)
{
	struct pt_sriov_prediction p;
	struct pt_sriov_facts f;
	struct pt_device *d;
	struct pt_host *h;
	long count;
	int r;

	if (argc != 2) {
		cli_usage(stderr, "plan");
		return EXIT_ERROR;
	}
	if (pt_parse_long(argv[1], &count) < 0 || count < 0 || count > 65535) {
		cli_error("'%s' is not a VF count (0-65535)", argv[1]);
		return EXIT_ERROR;
	}
	d = cli_scan_device(cli, argv[0], &h);
	if (!d)
		return EXIT_ERROR;
	r = pt_sriov_gather(cli->ctx, h, d, &f);
	if (r == 0)
		r = pt_sriov_predict(&f, (int)count, &p);
	pt_host_free(h);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	if (cli->json)
		plan_sriov_json(&f, &p);
	else
		plan_sriov_human(&f, &p);
	return p.succeeds == PT_YES ? EXIT_OK : EXIT_FAIL;
}

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	int c;

	while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		if (c == 'j')
			cli->json = true;
		else {
			cli_usage(stderr, "plan");
			return EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		cli_usage(stderr, "plan");
		return EXIT_ERROR;
	}
	if (strcmp(argv[optind], "sriov") == 0) {
		char *rest[3];
		int n = 0;

		/* options may follow the subcommand's operands */
		for (int k = optind + 1; k < argc; k++) {
			if (strcmp(argv[k], "--json") == 0 || strcmp(argv[k], "-j") == 0)
				cli->json = true;
			else if (n < 3)
				rest[n++] = argv[k];
			else
				n++;
		}
		return plan_sriov(cli, n, rest);
	}
	cli_error("'%s' is not something passthru plans (sriov)", argv[optind]);
	cli_usage(stderr, "plan");
	return EXIT_ERROR;
}
