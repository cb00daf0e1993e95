// SPDX-License-Identifier: MIT
/* passthru log [FILE]: what the kernel log says of the IOMMU, its faults and AER errors. */
#include "cli.h"
#include "json.h"
#include "passthru/klog.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *tri_word(int t, const char *yes, const char *no)
{
	return t == PT_YES ? yes : t == PT_NO ? no : "unknown";
}

static void json_out(const struct pt_klog *l, const char *source)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j);
	JSON_KV_STR(&j, "source", source);
	json_key(&j, "lines");
	json_uint(&j, l->lines);
	json_key(&j, "boots");
	json_int(&j, l->boots);
	json_key(&j, "vendor");
	json_str_or_null(&j, l->vendor);
	json_key(&j, "dma_remapping");
	json_tri(&j, l->dma_remapping);
	json_key(&j, "dma_evidence");
	json_str_or_null(&j, l->dma_evidence);
	json_key(&j, "interrupt_remapping");
	json_tri(&j, l->interrupt_remapping);
	json_key(&j, "ir_mode");
	json_str_or_null(&j, l->ir_mode);
	json_key(&j, "ir_evidence");
	json_str_or_null(&j, l->ir_evidence);
	json_key(&j, "default_domain");
	json_str_or_null(&j, l->default_domain);
	json_key(&j, "domain_evidence");
	json_str_or_null(&j, l->domain_evidence);
	json_key(&j, "faults");
	json_arr_begin(&j);
	for (size_t i = 0; i < l->n_faults; i++) {
		const struct pt_klog_fault *f = &l->faults[i];

		json_obj_begin(&j);
		JSON_KV_STR(&j, "device", f->device);
		JSON_KV_INT(&j, "count", f->count);
		JSON_KV_INT(&j, "suppressed", f->suppressed);
		JSON_KV_STR(&j, "kind", f->kind);
		json_key(&j, "reason");
		json_str_or_null(&j, f->reason);
		JSON_KV_STR(&j, "first_line", f->first_line);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "aer");
	json_arr_begin(&j);
	for (size_t i = 0; i < l->n_aer; i++) {
		const struct pt_klog_aer *a = &l->aer[i];

		json_obj_begin(&j);
		JSON_KV_STR(&j, "device", a->device);
		JSON_KV_INT(&j, "count", a->count);
		json_key(&j, "severity");
		json_str_or_null(&j, a->severity);
		JSON_KV_STR(&j, "first_line", a->first_line);
		json_key(&j, "by_severity");
		json_obj_begin(&j);
		for (int s = PT_KLOG_AER_CORRECTED; s <= PT_KLOG_AER_FATAL; s++) {
			json_key(&j, pt_klog_aer_severity_str(s));
			json_obj_begin(&j);
			JSON_KV_INT(&j, "count", a->by_severity[s]);
			json_key(&j, "first_line");
			json_str_or_null(&j, a->severity_line[s]);
			json_obj_end(&j);
		}
		json_obj_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

static void evidence(const char *e)
{
	if (*e)
		printf("      %s\n", e);
}

static void human(const struct pt_klog *l, const char *source)
{
	printf("kernel log %s: %zu lines%s\n", source, l->lines,
	       l->boots == 0 ? " (starts after boot: the boot messages have rotated out)"
	       : l->boots > 1 ? " (several boots: the state is the last boot's)" : "");
	printf("  DMA remapping:       %s\n", tri_word(l->dma_remapping, "on", "OFF"));
	evidence(l->dma_evidence);
	if (l->interrupt_remapping == PT_YES && l->ir_mode[0])
		printf("  interrupt remapping: on (%s mode)\n", l->ir_mode);
	else
		printf("  interrupt remapping: %s\n", tri_word(l->interrupt_remapping, "on", "OFF"));
	evidence(l->ir_evidence);
	printf("  default domain:      %s\n", l->default_domain[0] ? l->default_domain : "unknown");
	evidence(l->domain_evidence);
	if (l->dma_remapping == PT_UNKNOWN || l->interrupt_remapping == PT_UNKNOWN)
		printf("  (unknown: no line of this log proves it either way; the boot messages "
		       "may have rotated out of the ring buffer)\n");

	if (!l->n_faults) {
		printf("IOMMU faults: none\n");
	} else {
		printf("IOMMU faults: %zu device%s\n", l->n_faults, l->n_faults == 1 ? "" : "s");
		for (size_t i = 0; i < l->n_faults; i++) {
			const struct pt_klog_fault *f = &l->faults[i];

			printf("  %-14s %6ld  %-7s %s", f->device, f->count, f->kind,
			       f->reason[0] ? f->reason : "(no reason given)");
			if (f->suppressed)
				printf("  (%ld of them from ratelimit notes)", f->suppressed);
			printf("\n");
			evidence(f->first_line);
		}
	}
	if (!l->n_aer) {
		printf("AER errors: none\n");
	} else {
		printf("AER errors: %zu device%s\n", l->n_aer, l->n_aer == 1 ? "" : "s");
		for (size_t i = 0; i < l->n_aer; i++) {
			const struct pt_klog_aer *a = &l->aer[i];

			long told = 0;

			for (int s = PT_KLOG_AER_FATAL; s >= PT_KLOG_AER_CORRECTED; s--) {
				if (!a->by_severity[s])
					continue;
				told += a->by_severity[s];
				printf("  %-14s %6ld  %s\n", a->device, a->by_severity[s],
				       pt_klog_aer_severity_str(s));
				evidence(a->severity_line[s]);
			}
			if (a->count > told) {
				printf("  %-14s %6ld  severity unknown\n", a->device, a->count - told);
				if (!told)
					evidence(a->first_line);
			}
		}
	}
}

int cmd_log(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	char source[4200];
	struct pt_klog l;
	const char *file = NULL;
	char *buf = NULL;
	size_t len = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			cli->json = true;
			break;
		default:
			cli_usage(stderr, "log");
			return EXIT_ERROR;
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (file && strcmp(file, "-") == 0)
		file = "/dev/stdin"; /* dmesg | passthru log - */
	if (optind < argc) {
		cli_error("log: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (file)
		snprintf(source, sizeof(source), "%s", file);
	else if (pt_path(cli->ctx, source, sizeof(source), "/dev/kmsg") < 0)
		snprintf(source, sizeof(source), "/dev/kmsg");

	r = pt_klog_read(cli->ctx, file, &buf, &len);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	r = pt_klog_parse(buf, len, &l);
	free(buf);
	if (r < 0) {
		pt_klog_free(&l);
		cli_error("scanning the kernel log %s: %s", source, strerror(-r));
		return EXIT_ERROR;
	}
	if (cli->json)
		json_out(&l, source);
	else
		human(&l, source);
	pt_klog_free(&l);
	return EXIT_OK;
}
