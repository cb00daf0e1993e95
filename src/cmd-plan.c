// SPDX-License-Identifier: MIT
/*
 * passthru plan sriov PF COUNT: will enabling COUNT VFs succeed, and if not, which
 * limit refuses it and what to do. The library gathers and judges; this prints.
 * Exit status: 0 it succeeds, 1 it fails (or cannot be told), 2 could not run.
 * passthru plan hugepages --demand FILE: the large pages of each node, spent greedily
 * by bandwidth. Exit 0 every VM's node is known, 1 some backing is unknown.
 * passthru plan choose: virtio, a VF, a VF with virtio failover or the whole device, from
 * the needs and what this host blocks. Exit 0 the need's first choice is possible, 1 it
 * is blocked (virtio is recommended instead).
 */
#include "cli.h"
#include "json.h"
#include "passthru/advise.h"
#include "passthru/hugepage-plan.h"
#include "passthru/oneshot.h"
#include "passthru/profile.h"
#include "passthru/parse.h"
#include "passthru/sriov-predict.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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

static void plan_hp_json(const struct pt_hp_demand *d, const struct pt_hp_plan *p,
			 const struct pt_hostcfg *resv)
{
	struct json j;

	json_doc_begin(&j, stdout, 1);
	json_key(&j, "vms");
	json_arr_begin(&j);
	for (size_t i = 0; i < p->n; i++) {
		const struct pt_hp_assignment *a = &p->vms[i];
		const struct pt_hp_vm *vm = &d->vms[a->vm];

		json_obj_begin(&j);
		JSON_KV_STR(&j, "name", vm->name);
		json_key(&j, "memory");
		json_uint(&j, vm->memory);
		json_key(&j, "bandwidth");
		json_double(&j, vm->bandwidth);
		json_key(&j, "device");
		json_str_or_null(&j, vm->device);
		json_key(&j, "node");
		json_int_or_null(&j, a->node);
		JSON_KV_STR(&j, "backing", pt_hp_backing_str(a->backing));
		json_key(&j, "pages");
		if (a->backing == PT_HP_UNKNOWN)
			json_null(&j);
		else
			json_uint(&j, a->pages);
		json_key(&j, "iotlb_entries");
		if (a->backing == PT_HP_UNKNOWN)
			json_null(&j);
		else
			json_uint(&j, a->iotlb);
		json_key(&j, "iotlb_entries_4k");
		json_uint(&j, a->iotlb_4k);
		json_key(&j, "iotlb_saved");
		if (a->backing == PT_HP_UNKNOWN)
			json_null(&j);
		else
			json_uint(&j, a->saved);
		JSON_KV_STR(&j, "reason", a->reason);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "nodes");
	json_arr_begin(&j);
	for (size_t i = 0; i < p->n_nodes; i++) {
		const struct pt_hp_node_use *u = &p->nodes[i];

		json_obj_begin(&j);
		JSON_KV_INT(&j, "node", u->id);
		json_key(&j, "free_1g");
		json_int_or_null(&j, u->free_1g);
		json_key(&j, "used_1g");
		json_int(&j, u->used_1g);
		json_key(&j, "left_1g");
		json_int_or_null(&j, u->left_1g);
		json_key(&j, "free_2m");
		json_int_or_null(&j, u->free_2m);
		json_key(&j, "used_2m");
		json_int(&j, u->used_2m);
		json_key(&j, "left_2m");
		json_int_or_null(&j, u->left_2m);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "reservation");
	json_arr_begin(&j);
	for (size_t i = 0; i < resv->n_hugepages; i++) {
		json_obj_begin(&j);
		JSON_KV_INT(&j, "node", resv->hugepages[i].node);
		JSON_KV_INT(&j, "size_kb", resv->hugepages[i].size_kb);
		JSON_KV_INT(&j, "pages", resv->hugepages[i].pages);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "iotlb_saved");
	json_uint(&j, p->saved);
	json_obj_end(&j);
	json_end(&j);
}

static void plan_hp_human(const struct pt_hp_demand *d, const struct pt_hp_plan *p)
{
	printf("%-20s %-5s %-7s %-9s %14s %14s\n", "VM", "NODE", "BACKING", "PAGES", "IOTLB",
	       "SAVED");
	for (size_t i = 0; i < p->n; i++) {
		const struct pt_hp_assignment *a = &p->vms[i];
		char node[16] = "?", pages[24] = "-", iotlb[24] = "-", saved[24] = "-";

		if (a->node >= 0)
			snprintf(node, sizeof(node), "%d", a->node);
		if (a->backing != PT_HP_UNKNOWN) {
			snprintf(pages, sizeof(pages), "%" PRIu64, a->pages);
			snprintf(iotlb, sizeof(iotlb), "%" PRIu64, a->iotlb);
			snprintf(saved, sizeof(saved), "%" PRIu64, a->saved);
		}
		printf("%-20s %-5s %-7s %-9s %14s %14s\n", d->vms[a->vm].name, node,
		       pt_hp_backing_str(a->backing), pages, iotlb, saved);
		printf("  %s\n", a->reason);
	}
	for (size_t i = 0; i < p->n_nodes; i++) {
		const struct pt_hp_node_use *u = &p->nodes[i];
		char l1[24] = "unknown", l2[24] = "unknown";

		if (u->left_1g >= 0)
			snprintf(l1, sizeof(l1), "%ld", u->left_1g);
		if (u->left_2m >= 0)
			snprintf(l2, sizeof(l2), "%ld", u->left_2m);
		printf("node %d: 1G used %ld, left %s; 2M used %ld, left %s\n", u->id, u->used_1g, l1,
		       u->used_2m, l2);
	}
	printf("IOTLB entries saved against 4 KiB pages: %" PRIu64 "\n", p->saved);
}

static int plan_hugepages(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "demand", required_argument, NULL, 'D' },
		{ "emit-config", no_argument, NULL, 'E' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	struct pt_hp_demand d;
	struct pt_hp_plan p;
	struct pt_cfg_error e;
	struct pt_hostcfg resv = { 0 };
	struct pt_host *h;
	bool unknown = false, emit = false;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "D:Ejh", opts, NULL)) != -1) {
		if (c == 'D')
			file = optarg;
		else if (c == 'E')
			emit = true;
		else if (c == 'j')
			cli->json = true;
		else {
			cli_usage(stderr, "plan");
			return EXIT_ERROR;
		}
	}
	if (!file || optind != argc || (emit && cli->json)) {
		cli_error("plan hugepages needs --demand FILE (and --emit-config or --json) and "
			  "nothing else");
		return EXIT_ERROR;
	}
	if (pt_hp_demand_load(file, &d, &e) < 0) {
		if (e.line > 0)
			cli_error("%s:%d:%d: %s", e.file, e.line, e.col, e.msg);
		else
			cli_error("%s: %s", e.file[0] ? e.file : file, e.msg);
		return EXIT_ERROR;
	}
	h = cli_scan(cli);
	if (!h) {
		pt_hp_demand_free(&d);
		return EXIT_ERROR;
	}
	pt_hp_resolve(h, &d);
	r = pt_hp_plan(&d, h->nodes, h->n_nodes, &p);
	if (r == 0) {
		r = pt_hp_plan_reservation(&p, h->nodes, h->n_nodes, &resv);
		if (r < 0)
			pt_hp_plan_free(&p);
	}
	pt_host_free(h);
	if (r < 0) {
		pt_hostcfg_free(&resv);
		pt_hp_demand_free(&d);
		cli_error("out of memory");
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < p.n; i++)
		unknown |= p.vms[i].backing == PT_HP_UNKNOWN;
	if (emit) {
		char comment[600], *yaml = NULL;

		/* the reservation as a host configuration: passthru apply performs it */
		snprintf(comment, sizeof(comment), "huge pages reserved per node for the demand in "
			 "%s (passthru plan hugepages --emit-config); apply with passthru apply",
			 file);
		r = pt_hostcfg_format(&resv, comment, &yaml);
		if (r == 0)
			fputs(yaml, stdout);
		free(yaml);
	} else if (cli->json) {
		plan_hp_json(&d, &p, &resv);
	} else {
		plan_hp_human(&d, &p);
		for (size_t i = 0; i < resv.n_hugepages; i++)
			printf("%s node %d: %ld x %ldkB pages (nr_hugepages; --emit-config writes it "
			       "for apply)\n", i ? "            " : "reservation:",
			       resv.hugepages[i].node, resv.hugepages[i].pages,
			       resv.hugepages[i].size_kb);
	}
	pt_hostcfg_free(&resv);
	pt_hp_plan_free(&p);
	pt_hp_demand_free(&d);
	return unknown ? EXIT_FAIL : EXIT_OK;
}

static const char *tri_word(int t)
{
	return t == PT_YES ? "yes" : t == PT_NO ? "no" : "unknown";
}

static void plan_choose_json(const struct pt_advise_facts *f, const struct pt_advice *a)
{
	struct json j;

	json_doc_begin(&j, stdout, 1);
	JSON_KV_STR(&j, "recommendation", pt_model_str(a->model));
	JSON_KV_STR(&j, "wanted", pt_model_str(a->wanted));
	json_key(&j, "reasons");
	json_arr_begin(&j);
	for (size_t i = 0; i < a->n_reasons; i++)
		json_str(&j, a->reasons[i]);
	json_arr_end(&j);
	json_key(&j, "steps");
	json_arr_begin(&j);
	for (size_t i = 0; i < a->n_steps; i++)
		json_str(&j, a->steps[i]);
	json_arr_end(&j);
	json_key(&j, "options");
	json_arr_begin(&j);
	for (int m = 0; m < PT_MODEL_COUNT; m++) {
		const struct pt_advise_option *o = &a->options[m];

		json_obj_begin(&j);
		JSON_KV_STR(&j, "model", pt_model_str((enum pt_model)m));
		json_key(&j, "possible");
		json_tri(&j, o->possible);
		json_key(&j, "blockers");
		json_arr_begin(&j);
		for (size_t i = 0; i < o->n_blockers; i++)
			json_str(&j, o->blockers[i]);
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "facts");
	json_obj_begin(&j);
	json_key(&j, "dma_remapping");
	json_tri(&j, f->dma_remapping);
	json_key(&j, "interrupt_remapping");
	json_tri(&j, f->interrupt_remapping);
	JSON_KV_INT(&j, "sriov_pfs", f->sriov_pfs);
	json_key(&j, "device");
	json_str(&j, f->have_device ? f->device : NULL);
	json_obj_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

static void plan_choose_human(const struct pt_advise_facts *f, const struct pt_advice *a)
{
	printf("recommended: %s\n", pt_model_str(a->model));
	for (size_t i = 0; i < a->n_reasons; i++)
		printf("  why:  %s\n", a->reasons[i]);
	printf("steps:\n");
	for (size_t i = 0; i < a->n_steps; i++)
		printf("  %zu. %s\n", i + 1, a->steps[i]);
	printf("on this host (DMA remapping %s, interrupt remapping %s, %d SR-IOV PF%s):\n",
	       tri_word(f->dma_remapping), tri_word(f->interrupt_remapping), f->sriov_pfs,
	       f->sriov_pfs == 1 ? "" : "s");
	for (int m = 0; m < PT_MODEL_COUNT; m++) {
		const struct pt_advise_option *o = &a->options[m];

		printf("  %-24s %s\n", pt_model_str((enum pt_model)m),
		       o->possible == PT_YES ? "possible" : o->possible == PT_NO ? "blocked" : "unknown");
		for (size_t i = 0; i < o->n_blockers; i++)
			printf("    - %s\n", o->blockers[i]);
	}
}

static int plan_choose(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sharing", no_argument, NULL, 's' },
		{ "migration", no_argument, NULL, 'm' },
		{ "device-features", no_argument, NULL, 'f' },
		{ "tenancy", required_argument, NULL, 't' },
		{ "device", required_argument, NULL, 'd' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pt_advise_needs n = { 0 };
	struct pt_facts_opts fo = { 0 };
	struct pt_advise_facts f;
	struct pt_hostfacts facts;
	struct pt_profile prof;
	struct pt_report rep;
	struct pt_advice a;
	const char *dev = NULL;
	struct pt_host *h;
	bool blocked;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "smft:d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's': n.sharing = true; break;
		case 'm': n.migration = true; break;
		case 'f': n.device_features = true; break;
		case 'd': dev = optarg; break;
		case 'j': cli->json = true; break;
		case 't':
			if (strcmp(optarg, "single") == 0)
				n.tenancy = PT_TENANCY_SINGLE;
			else if (strcmp(optarg, "multi") == 0)
				n.tenancy = PT_TENANCY_MULTI;
			else {
				cli_error("--tenancy: '%s' is not single or multi", optarg);
				return EXIT_ERROR;
			}
			break;
		default:
			cli_usage(stderr, "plan");
			return EXIT_ERROR;
		}
	}
	if (optind != argc) {
		cli_error("plan choose: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	h = cli_scan(cli);
	if (!h)
		return EXIT_ERROR;
	pt_profile_defaults(&prof);
	fo.profile = &prof;
	r = pt_hostfacts_gather(cli->ctx, h, &fo, &facts);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		pt_profile_free(&prof);
		pt_host_free(h);
		return EXIT_ERROR;
	}
	r = pt_check_run(h, &facts, &prof, &rep);
	if (r < 0) {
		cli_error("plan choose: %s", strerror(-r));
		pt_hostfacts_free(&facts);
		pt_profile_free(&prof);
		pt_host_free(h);
		return EXIT_ERROR;
	}
	pt_advise_gather(h, &rep, dev, &f);
	pt_report_free(&rep);
	pt_hostfacts_free(&facts);
	pt_profile_free(&prof);
	pt_host_free(h);
	pt_advise(&n, &f, &a);
	blocked = a.model != a.wanted;
	if (cli->json)
		plan_choose_json(&f, &a);
	else
		plan_choose_human(&f, &a);
	return blocked ? EXIT_FAIL : EXIT_OK;
}

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	int c;

	if (argc > 1 && strcmp(argv[1], "hugepages") == 0)
		return plan_hugepages(cli, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "choose") == 0)
		return plan_choose(cli, argc - 1, argv + 1);
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
	if (strcmp(argv[optind], "hugepages") == 0)
		return plan_hugepages(cli, argc - optind, argv + optind);
	if (strcmp(argv[optind], "choose") == 0)
		return plan_choose(cli, argc - optind, argv + optind);
	cli_error("'%s' is not something passthru plans (sriov, hugepages, choose)", argv[optind]);
	cli_usage(stderr, "plan");
	return EXIT_ERROR;
}
