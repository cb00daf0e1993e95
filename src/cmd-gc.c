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
#include <time.h>
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

/* "2026-11-21T06:00:00.123Z" -> seconds since the epoch, -1 when unparsable */
static long long lease_time(const char *s)
{
	struct tm tm = { 0 };

	if (!strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return -1;
	return (long long)timegm(&tm);
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
	const char *alive = NULL;
	struct pt_lease *l = NULL;
	struct pt_state *st = NULL;
	struct pt_host *h = NULL;
	struct json j;
	size_t n = 0, gone = 0;
	int c, r, min_age = 600, status = EXIT_ERROR;
	bool any_quarantined = false;

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
	/* leases are ordered by VM: one check per VM */
	for (size_t i = 0; i < n;) {
		const char *vm = l[i].vm;
		size_t e = i;
		long long newest = 0;
		int rc;

		while (e < n && strcmp(l[e].vm, vm) == 0) {
			long long t = lease_time(l[e].created);

			if (t < 0 || t > newest)
				newest = t < 0 ? (long long)time(NULL) : t;
			e++;
		}
		rc = run_alive(alive, vm);
		if (rc == 126 || rc == 127 || rc < 0) {
			cli_error("gc: '%s %s' could not run (exit %d): nothing more released", alive,
				  vm, rc);
			if (cli->json) {
				json_arr_end(&j);
				json_obj_end(&j);
				json_end(&j);
			}
			goto out;
		}
		if (cli->json) {
			json_obj_begin(&j);
			JSON_KV_STR(&j, "vm", vm);
			JSON_KV_BOOL(&j, "alive", rc == 0);
		}
		if (rc == 0) {
			if (!cli->json)
				printf("%s: alive, %zu lease%s kept\n", vm, e - i, e - i == 1 ? "" : "s");
		} else if ((long long)time(NULL) - newest < min_age) {
			if (!cli->json)
				printf("%s: not found, but leased less than %d s ago: kept (--min-age)\n", vm,
				       min_age);
			if (cli->json)
				JSON_KV_BOOL(&j, "too_young", true);
		} else {
			struct pt_released *rel = NULL;
			size_t nr = 0;

			r = pt_release(cli->ctx, st, h, vm, NULL, &o, &rel, &nr);
			if (r < 0) {
				cli_error("gc: releasing %s: %s", vm, pt_ctx_error(cli->ctx));
				any_quarantined = true;
			} else {
				gone++;
				any_quarantined |= r > 0;
				if (cli->json) {
					json_key(&j, "released");
					json_arr_begin(&j);
					for (size_t k = 0; k < nr; k++) {
						json_obj_begin(&j);
						JSON_KV_STR(&j, "bdf", rel[k].lease.bdf);
						JSON_KV_STR(&j, "result", rel[k].in_use ? "in-use"
							    : o.dry_run ? "planned"
							    : rel[k].quarantined ? "quarantined" : "returned");
						json_obj_end(&j);
					}
					json_arr_end(&j);
				} else {
					printf("%s: gone: %s%zu lease%s\n", vm,
					       o.dry_run ? "would release " : "released ", nr,
					       nr == 1 ? "" : "s");
					print_released(stdout, false, vm, rel, nr, o.dry_run);
				}
			}
			free(rel);
		}
		if (cli->json)
			json_obj_end(&j);
		i = e;
	}
	if (cli->json) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (n == 0) {
		printf("no active leases: nothing to collect\n");
	}
	status = any_quarantined ? EXIT_FAIL : EXIT_OK;
	(void)gone;
out:
	free(l);
	pt_host_free(h);
	pt_state_close(st);
	return status;
}
