// SPDX-License-Identifier: MIT
/*
 * passthru gc [--vm-alive CMD] [--min-age S] [--dry-run]: give back the devices of
 * VMs that no longer exist.
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
#include <sys/wait.h>
#include <unistd.h>

/* Runs "CMD VM" through the shell; its exit status, or -1 when it could not run. */
static int run_alive(const char *cmd, const char *vm)
{
	char script[4200];
	pid_t pid;
	int ws;

	snprintf(script, sizeof(script), "%s \"$1\" >/dev/null 2>&1", cmd);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", script, "sh", vm, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(ws))
		return -1;
	return WEXITSTATUS(ws);
}

static bool have_virsh(void)
{
	return run_alive("command -v virsh", "") == 0;
}

/* The VMs among the leases (ordered by VM) for which "CMD VM" exits 0. -1 when the
 * command could not run for one of them (said why). *live points into l. */
static int live_vms(const char *alive, const struct pt_lease *l, size_t n, const char ***live,
		    size_t *n_live)
{
	*live = calloc(n ? n : 1, sizeof(**live));
	*n_live = 0;
	if (!*live) {
		cli_error("gc: out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int rc;

		if (i && strcmp(l[i].vm, l[i - 1].vm) == 0)
			continue;
		rc = run_alive(alive, l[i].vm);
		if (rc == 126 || rc == 127 || rc < 0) {
			cli_error("gc: '%s %s' could not run (exit %d): nothing released", alive,
				  l[i].vm, rc);
			return -1;
		}
		if (rc == 0)
			(*live)[(*n_live)++] = l[i].vm;
	}
	return 0;
}

static const struct pt_gc_vm *gone_vm(const struct pt_gc_result *res, const char *vm)
{
	for (size_t i = 0; i < res->n; i++)
		if (strcmp(res->vms[i].vm, vm) == 0)
			return &res->vms[i];
	return NULL;
}

/* One VM's line(s) or JSON object: alive, kept for its age, or what release did. */
static void print_vm(struct cli *cli, struct json *j, const char *vm, size_t n_leases,
		     const struct pt_gc_vm *g, int min_age, bool dry_run)
{
	if (cli->json) {
		json_obj_begin(j);
		JSON_KV_STR(j, "vm", vm);
		JSON_KV_BOOL(j, "alive", !g);
	}
	if (!g) {
		if (!cli->json)
			printf("%s: alive, %zu lease%s kept\n", vm, n_leases, n_leases == 1 ? "" : "s");
	} else if (!g->stale) {
		if (cli->json)
			JSON_KV_BOOL(j, "too_young", true);
		else
			printf("%s: not found, but leased less than %d s ago: kept (--min-age)\n", vm,
			       min_age);
	} else if (g->result < 0) {
		cli_error("gc: releasing %s: %s", vm, g->error);
	} else if (cli->json) {
		json_key(j, "released");
		json_arr_begin(j);
		for (size_t k = 0; k < g->n_released; k++) {
			const struct pt_released *r = &g->released[k];

			json_obj_begin(j);
			JSON_KV_STR(j, "bdf", r->lease.bdf);
			JSON_KV_STR(j, "result", r->in_use ? "in-use" : dry_run ? "planned"
						 : r->quarantined ? "quarantined" : "returned");
			json_obj_end(j);
		}
		json_arr_end(j);
	} else {
		printf("%s: gone: %s%zu lease%s\n", vm, dry_run ? "would release " : "released ",
		       g->n_released, g->n_released == 1 ? "" : "s");
		print_released(stdout, false, vm, g->released, g->n_released, dry_run);
	}
	if (cli->json)
		json_obj_end(j);
}

int cmd_gc(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm-alive", required_argument, NULL, 'a' },
		{ "min-age", required_argument, NULL, 'A' },
		{ "dry-run", no_argument, NULL, 'n' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pt_release_opts o = { .state_dir = cli->state_dir };
	struct pt_gc_result res = { 0 };
	const char *alive = NULL;
	const char **live = NULL;
	struct pt_lease *l = NULL;
	struct pt_state *st = NULL;
	struct pt_host *h = NULL;
	struct json j;
	size_t n = 0, n_live = 0;
	int c, r, min_age = 600, status = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "a:A:njh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': alive = optarg; break;
		case 'A':
			if (cli_parse_int("--min-age", optarg, 0, 100000000, &min_age) < 0)
				return EXIT_ERROR;
			break;
		case 'n': o.dry_run = true; break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "gc");
			return EXIT_ERROR;
		}
	}
	if (optind != argc) {
		cli_error("gc: no arguments");
		return EXIT_ERROR;
	}
	if (!alive) {
		if (!have_virsh()) {
			cli_error("gc: cannot tell which VMs exist: no virsh here; give --vm-alive CMD "
				  "(run as 'CMD VM', exit 0 when VM exists)");
			return EXIT_ERROR;
		}
		/* a libvirt that does not answer would make every VM look gone */
		if (run_alive("virsh list --all --name", "") != 0) {
			cli_error("gc: virsh cannot reach libvirt (virsh list --all failed): nothing "
				  "released");
			return EXIT_ERROR;
		}
		alive = "virsh domstate";
	}
	if (!(st = cli_state_open(cli)))
		return EXIT_ERROR;
	if (pt_state_leases(st, NULL, &l, &n) < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		goto out;
	}
	if (!(h = cli_scan(cli)))
		goto out;
	if (cli->json) {
		json_doc_begin(&j, stdout, 1);
		JSON_KV_BOOL(&j, "dry_run", o.dry_run);
		json_key(&j, "vms");
		json_arr_begin(&j);
	}
	/* which VMs exist is the caller's knowledge; which leases are stale, the library's */
	if (live_vms(alive, l, n, &live, &n_live) == 0) {
		r = pt_gc(cli->ctx, st, h, live, n_live, min_age, &o, &res);
		if (r < 0)
			cli_error("gc: %s", pt_ctx_error(cli->ctx));
		else
			status = r ? EXIT_FAIL : EXIT_OK;
	}
	for (size_t i = 0, e; status != EXIT_ERROR && i < n; i = e) {
		for (e = i; e < n && strcmp(l[e].vm, l[i].vm) == 0; e++)
			;
		print_vm(cli, &j, l[i].vm, e - i, gone_vm(&res, l[i].vm), min_age, o.dry_run);
	}
	if (cli->json) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (n == 0 && status != EXIT_ERROR) {
		printf("no active leases: nothing to collect\n");
	}
out:
	pt_gc_result_free(&res);
	free(live);
	free(l);
	pt_host_free(h);
	pt_state_close(st);
	return status;
}
