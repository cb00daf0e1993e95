// SPDX-License-Identifier: MIT
/*
 * passthru boot: the kernel command line and early vfio-pci binding the host
 * configuration's boot: section asks for (lib/boot-detect.c gathers, lib/boot.c plans
 * and carries it out). Exit 0 done (or nothing to do), 1 a step failed or the plan is
 * blocked, 2 passthru could not run.
 */
#include "cli.h"
#include "json.h"
#include "passthru/assign.h"
#include "passthru/boot.h"
#include "passthru/profile.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void boot_json(const struct pt_boot_facts *f, const struct pt_boot_plan *p, bool dry_run,
		      int done, const char *error, const char *config)
{
	struct json j;
	char cl[4096] = "";

	for (size_t i = 0; i < p->n_params; i++)
		snprintf(cl + strlen(cl), sizeof(cl) - strlen(cl), "%s%s", i ? " " : "", p->params[i].text);
	json_doc_begin(&j, stdout, 1);
	JSON_KV_STR(&j, "config", config);
	JSON_KV_BOOL(&j, "dry_run", dry_run);
	json_key(&j, "kernel_release");
	json_str_or_null(&j, f->kernel_release[0] ? f->kernel_release : NULL);
	json_key(&j, "iommu_vendor");
	json_str_or_null(&j, f->iommu_vendor[0] ? f->iommu_vendor : NULL);
	JSON_KV_STR(&j, "iommu_evidence", f->iommu_evidence);
	JSON_KV_STR(&j, "loader", pt_boot_loader_str(f->loader));
	JSON_KV_STR(&j, "loader_evidence", f->loader_evidence);
	json_key(&j, "configured");
	json_str_or_null(&j, f->configured);
	JSON_KV_STR(&j, "configured_source", f->configured_source);
	JSON_KV_STR(&j, "vfio_pci", pt_boot_build_str(f->vfio_pci));
	JSON_KV_STR(&j, "vfio_evidence", f->vfio_evidence);
	json_key(&j, "initramfs");
	json_obj_begin(&j);
	JSON_KV_STR(&j, "builder", pt_boot_builder_str(f->builder));
	JSON_KV_STR(&j, "builder_evidence", f->builder_evidence);
	JSON_KV_BOOL(&j, "known", f->initramfs_known);
	JSON_KV_STR(&j, "image", f->initramfs_image);
	JSON_KV_STR(&j, "why", f->initramfs_known ? "" : f->initramfs_why);
	json_key(&j, "has_vfio_pci");
	json_tri(&j, f->initramfs_known ? (f->initramfs_has_vfio ? PT_YES : PT_NO) : PT_UNKNOWN);
	json_obj_end(&j);
	JSON_KV_STR(&j, "cmdline", cl);
	json_key(&j, "params");
	json_arr_begin(&j);
	for (size_t i = 0; i < p->n_params; i++) {
		json_obj_begin(&j);
		JSON_KV_STR(&j, "param", p->params[i].text);
		JSON_KV_STR(&j, "why", p->params[i].why);
		JSON_KV_BOOL(&j, "running", p->params[i].running);
		json_key(&j, "configured");
		json_tri(&j, f->configured ? (p->params[i].configured ? PT_YES : PT_NO) : PT_UNKNOWN);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "devices");
	json_arr_begin(&j);
	for (size_t i = 0; i < p->n_devs; i++) {
		json_obj_begin(&j);
		JSON_KV_STR(&j, "bdf", p->devs[i].bdf);
		JSON_KV_STR(&j, "id", p->devs[i].id);
		JSON_KV_STR(&j, "method", p->devs[i].method);
		json_key(&j, "host_driver");
		json_str_or_null(&j, p->devs[i].host_driver[0] ? p->devs[i].host_driver : NULL);
		JSON_KV_STR(&j, "why", p->devs[i].why);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "steps");
	json_arr_begin(&j);
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct pt_boot_step *s = &p->steps[i];

		json_obj_begin(&j);
		JSON_KV_STR(&j, "action", s->kind == PT_BOOT_WRITE ? "write" : "run");
		if (s->kind == PT_BOOT_WRITE) {
			JSON_KV_STR(&j, "path", s->path);
			JSON_KV_BOOL(&j, "backup", s->backup);
			JSON_KV_STR(&j, "content", s->content);
		} else {
			json_key(&j, "argv");
			json_arr_begin(&j);
			for (size_t k = 0; s->argv[k]; k++)
				json_str(&j, s->argv[k]);
			json_arr_end(&j);
		}
		JSON_KV_STR(&j, "why", s->why);
		JSON_KV_BOOL(&j, "done", (int)i < done);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	JSON_KV_BOOL(&j, "reboot", p->reboot);
	JSON_KV_BOOL(&j, "cmdline_pending", p->cmdline_pending);
	JSON_KV_BOOL(&j, "blocked", p->blocked);
	JSON_KV_STR(&j, "blocked_why", p->blocked_why);
	json_key(&j, "notes");
	json_arr_begin(&j);
	for (size_t i = 0; i < p->n_notes; i++)
		json_str(&j, p->notes[i]);
	json_arr_end(&j);
	json_key(&j, "warnings");
	json_arr_begin(&j);
	for (size_t i = 0; i < p->n_warnings; i++)
		json_str(&j, p->warnings[i]);
	json_arr_end(&j);
	json_key(&j, "error");
	json_str_or_null(&j, error);
	json_obj_end(&j);
	json_end(&j);
}

static void boot_text(const struct pt_boot_facts *f, const struct pt_boot_plan *p, bool dry_run,
		      int done)
{
	for (size_t i = 0; i < p->n_notes; i++)
		printf("note: %s\n", p->notes[i]);
	printf("%skernel parameters (%zu):\n", p->n_notes ? "\n" : "", p->n_params);
	for (size_t i = 0; i < p->n_params; i++)
		printf("  %-28s %-11s %-14s %s\n", p->params[i].text,
		       p->params[i].running ? "running" : "not running",
		       !f->configured ? "configured ?" : p->params[i].configured ? "configured" : "not configured",
		       p->params[i].why);
	if (p->n_devs) {
		printf("\nvfio-pci from boot (%zu):\n", p->n_devs);
		for (size_t i = 0; i < p->n_devs; i++)
			printf("  %s %s  %-8s host driver %s: %s\n", p->devs[i].bdf, p->devs[i].id,
			       p->devs[i].method, p->devs[i].host_driver[0] ? p->devs[i].host_driver : "?",
			       p->devs[i].why);
	}
	printf("\n%s (%zu step%s):\n", dry_run ? "plan" : "steps", p->n_steps, p->n_steps == 1 ? "" : "s");
	if (!p->n_steps)
		printf("  nothing to change\n");
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct pt_boot_step *s = &p->steps[i];
		const char *mark = dry_run ? "" : (int)i < done ? "[done] " : "[not done] ";

		if (s->kind == PT_BOOT_WRITE) {
			const char *l = s->content;

			printf("  %zu. %swrite %s%s  (%s)\n", i + 1, mark, s->path,
			       s->backup ? ", the old file kept as " : "", s->why);
			if (s->backup)
				printf("       backup %s.passthru-bak\n", s->path);
			while (l && *l) {
				const char *nl = strchr(l, '\n');
				int n = nl ? (int)(nl - l) : (int)strlen(l);

				printf("     | %.*s\n", n, l);
				l += n + (nl ? 1 : 0);
			}
		} else {
			printf("  %zu. %srun", i + 1, mark);
			for (size_t k = 0; s->argv[k]; k++)
				printf(strchr(s->argv[k], ' ') ? " '%s'" : " %s", s->argv[k]);
			printf("  (%s)\n", s->why);
		}
	}
	if (p->blocked)
		printf("\nblocked: %s\n", p->blocked_why);
	if (p->reboot)
		printf("\nreboot: needed: %s\n", p->cmdline_pending ? "the kernel command line changes at "
		       "the next boot" : "what vfio-pci takes at boot changes at the next boot");
	else
		printf("\nreboot: not needed\n");
	for (size_t i = 0; i < p->n_warnings; i++)
		cli_warn("%s", p->warnings[i]);
}

int cmd_boot(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *error = NULL;
	struct pt_config_file cf;
	struct pt_boot_facts facts;
	struct pt_boot_plan plan;
	const struct pt_hostcfg *hc;
	struct pt_host *h;
	bool dry_run = false;
	char path[4096];
	int c, r, status = EXIT_OK, done = 0;

	while ((c = getopt_long(argc, argv, "nc:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': dry_run = true; break;
		case 'c': file = optarg; break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "boot");
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		cli_error("boot: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	if (cli_load_hostcfg(cli, file, &cf, path, sizeof(path)) < 0)
		return EXIT_ERROR;
	hc = pt_config_file_hostcfg(&cf);
	if (!hc->boot.present) {
		pt_config_file_free(&cf);
		if (cli->json) {
			struct json j;

			json_doc_begin(&j, stdout, 1);
			JSON_KV_STR(&j, "config", path);
			json_key(&j, "boot");
			json_null(&j);
			json_obj_end(&j);
			json_end(&j);
			return EXIT_OK;
		}
		printf("%s has no boot: section: nothing to plan (docs/profile.md, boot:)\n", path);
		return EXIT_OK;
	}
	h = cli_scan(cli);
	if (!h) {
		pt_config_file_free(&cf);
		return EXIT_ERROR;
	}
	r = pt_boot_gather(cli->ctx, h, hc, 0, &facts);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		pt_host_free(h);
		pt_config_file_free(&cf);
		return EXIT_ERROR;
	}
	if (pt_boot_plan_build(hc, &facts, &plan) < 0) {
		cli_error("boot: out of memory");
		status = EXIT_ERROR;
		goto out;
	}
	if (!dry_run && plan.blocked) {
		error = plan.blocked_why;
		status = EXIT_FAIL;
	} else if (!dry_run && plan.n_steps) {
		r = pt_boot_run_plan(cli->ctx, &plan, cli->state_dir);
		if (r < 0) {
			error = pt_ctx_error(cli->ctx);
			status = r == -ENOMEM ? EXIT_ERROR : EXIT_FAIL;
			/* which step failed: the ones before it were done (and files put back) */
			done = 0;
		} else {
			done = r;
		}
	}
	if (cli->json)
		boot_json(&facts, &plan, dry_run, done, error, path);
	else {
		boot_text(&facts, &plan, dry_run, done);
		if (error)
			cli_error("%s", error);
	}
	pt_boot_plan_free(&plan);
out:
	pt_boot_facts_free(&facts);
	pt_host_free(h);
	pt_config_file_free(&cf);
	return status;
}
