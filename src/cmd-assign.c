// SPDX-License-Identifier: MIT
/*
 * The assignment commands, in one file (logic in lib/assign.c, output in
 * src/assign-output.c):
 *   passthru assign VM --pool P ...   lease devices, make them ready, print XML/args/JSON
 *   passthru release VM [--device BDF] | --unquarantine BDF
 *   passthru leases [--vm VM]
 *   passthru pools
 *   passthru gc [--vm-alive CMD] [--min-age S] [--dry-run]
 * Exit 0 ok, 1 failed or refused, 2 could not run.
 */
#include "assign-output.h"
#include "cli.h"
#include "json.h"
#include "passthru/assign.h"
#include "passthru/profile.h"
#include "passthru/state.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- shared --------------------------------------------------------------------------- */

/* The host configuration: a bare one, or a profile embedding one (as apply reads it). */
struct hostcfg {
	struct pt_profile prof;
	struct pt_hostcfg cfg;
	bool have_prof, have_cfg;
	char path[4096];
};

static const struct pt_hostcfg *hostcfg_get(const struct hostcfg *c)
{
	return c->have_prof ? &c->prof.cfg : &c->cfg;
}

static void hostcfg_free(struct hostcfg *c)
{
	if (c->have_prof)
		pt_profile_free(&c->prof);
	if (c->have_cfg)
		pt_hostcfg_free(&c->cfg);
}

/* file NULL: /etc/passthru/host.yaml under the sysroot. Prints why on failure. */
static int hostcfg_load(struct cli *cli, const char *file, struct hostcfg *c)
{
	struct pt_cfg_error e, e2;

	if (file)
		snprintf(c->path, sizeof(c->path), "%s", file);
	else if (pt_path(cli->ctx, c->path, sizeof(c->path), PT_HOSTCFG_DEFAULT) < 0)
		return -ENAMETOOLONG;
	if (access(c->path, R_OK) != 0) {
		cli_error("cannot read the host configuration %s: %s (--config FILE names another; "
			  "its pools: section says what can be assigned)", c->path, strerror(errno));
		return -ENOENT;
	}
	if (pt_profile_load(c->path, &c->prof, &e) == 0) {
		c->have_prof = true;
		return 0;
	}
	if (pt_hostcfg_load(c->path, &c->cfg, &e2) == 0) {
		c->have_cfg = true;
		return 0;
	}
	if (e.line > 0)
		cli_error("%s:%d:%d: %s", e.file[0] ? e.file : c->path, e.line, e.col, e.msg);
	else
		cli_error("%s: %s", e.file[0] ? e.file : c->path, e.msg);
	return -EINVAL;
}

static struct pt_state *state_open(struct cli *cli)
{
	struct pt_state *st = NULL;

	if (pt_state_open(cli->ctx, cli->state_dir, &st) < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return NULL;
	}
	return st;
}

/* A library error's exit status: refusals and failures 1, inability to run 2. */
static int status_of(int r)
{
	switch (r) {
	case -ENOSPC: case -EPERM: case -EIO: case -EEXIST: case -ENOTSUP: case -ENODEV:
	case -ENOENT:
		return EXIT_FAIL;
	default:
		return EXIT_ERROR;
	}
}

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || !*s || v < lo || v > hi) {
		cli_error("%s: '%s' is not a number in %d..%d", opt, s, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* ---- passthru assign ---------------------------------------------------------------------- */

int cmd_assign(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pool", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "numa", required_argument, NULL, 'N' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "mac", required_argument, NULL, 'm' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "count", required_argument, NULL, 'k' },
		{ "allow-remote", no_argument, NULL, 'r' },
		{ "failover", no_argument, NULL, 'F' },
		{ "failover-network", required_argument, NULL, 'W' },
		{ "force", no_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pt_assign_opts o = { .count = 1, .numa_node = -1, .state_dir = cli->state_dir };
	struct pt_assign_result res = { 0 };
	struct assign_view view = { .memory_node = -1, .failover_network = "default" };
	const char *config = NULL, *cpus = NULL, *format = "libvirt";
	struct hostcfg hc = { 0 };
	struct pt_state *st = NULL;
	struct pt_host *h = NULL;
	int c, r, count, status = EXIT_ERROR;
	bool numa_given = false;

	while ((c = getopt_long(argc, argv, "p:c:N:C:m:v:k:rFW:fo:nt:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o.pool = optarg; break;
		case 'c': config = optarg; break;
		case 'N':
			if (parse_int("--numa", optarg, 0, 1023, &o.numa_node) < 0)
				return EXIT_ERROR;
			numa_given = true;
			break;
		case 'C': cpus = optarg; break;
		case 'm': o.mac = optarg; break;
		case 'v':
			if (parse_int("--vlan", optarg, 1, 4094, &o.vlan) < 0)
				return EXIT_ERROR;
			break;
		case 'k':
			if (parse_int("--count", optarg, 1, 4096, &count) < 0)
				return EXIT_ERROR;
			o.count = (unsigned)count;
			break;
		case 'r': o.allow_remote = true; break;
		case 'F': view.failover = true; break;
		case 'W': view.failover_network = optarg; break;
		case 'f': o.force = true; break;
		case 'o':
			if (strcmp(optarg, "libvirt") && strcmp(optarg, "qemu") && strcmp(optarg, "json")) {
				cli_error("--format: libvirt, qemu or json, not '%s'", optarg);
				return EXIT_ERROR;
			}
			format = optarg;
			break;
		case 'n': o.dry_run = true; break;
		case 't':
			if (parse_int("--timeout", optarg, 1, 3600000, &o.timeout_ms) < 0)
				return EXIT_ERROR;
			break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "assign");
			return EXIT_ERROR;
		}
	}
	if (cli->json)
		format = "json";
	if (optind + 1 != argc || !o.pool) {
		cli_error("assign: which VM and which pool? (passthru assign VM --pool POOL)");
		return EXIT_ERROR;
	}
	o.vm = argv[optind];
	if (numa_given && cpus) {
		cli_error("assign: --numa or --cpus, not both (the CPUs name their node)");
		return EXIT_ERROR;
	}
	if (view.failover && !o.mac) {
		cli_error("assign: --failover pairs the VF with a virtio interface of the same MAC: "
			  "give it with --mac");
		return EXIT_ERROR;
	}
	if (hostcfg_load(cli, config, &hc) < 0)
		return EXIT_ERROR;
	if (!(h = cli_scan(cli)))
		goto out;
	if (cpus) {
		r = pt_cpus_node(cli->ctx, h, cpus);
		if (r < 0) {
			cli_error("--cpus: %s", pt_ctx_error(cli->ctx));
			goto out;
		}
		o.numa_node = r;
	}
	if (!(st = state_open(cli)))
		goto out;
	r = pt_pools_sync(cli->ctx, st, h, hostcfg_get(&hc), o.pool);
	if (r < 0) {
		cli_error("%s: %s", hc.path, pt_ctx_error(cli->ctx));
		status = status_of(r);
		goto out;
	}
	r = pt_assign(cli->ctx, st, h, &o, &res);
	if (r < 0) {
		cli_error("assign %s: %s", o.vm, pt_ctx_error(cli->ctx));
		status = status_of(r);
		goto out;
	}
	if (res.forced[0])
		cli_warn("FORCED: the host needs %s", res.forced);
	if (res.n_remote)
		cli_warn("%zu of %zu device%s on another NUMA node than node %d: the VM pays a "
			 "cross-node hop on every DMA and interrupt", res.n_remote, res.n,
			 res.n == 1 ? " is" : "s are", o.numa_node);
	if (res.note[0])
		cli_warn("%s", res.note);
	if (res.numa_note[0])
		cli_warn("%s", res.numa_note);
	view.vm = o.vm;
	view.pool = o.pool;
	view.res = &res;
	view.dry_run = o.dry_run;
	/* the VM's CPUs and memory: what it asked for, else where its devices are */
	view.memory_node = o.numa_node >= 0 ? o.numa_node : res.node;
	if (cpus) {
		view.cpus = cpus;
	} else if (view.memory_node >= 0) {
		const struct pt_numa_node *nd = pt_host_node(h, view.memory_node);

		view.cpus = nd ? nd->cpulist : NULL;
	}
	if (strcmp(format, "json") == 0)
		assign_print_json(stdout, &view);
	else if (strcmp(format, "qemu") == 0)
		assign_print_qemu(stdout, &view);
	else
		assign_print_libvirt(stdout, &view);
	status = EXIT_OK;
out:
	pt_assign_result_free(&res);
	pt_state_close(st);
	pt_host_free(h);
	hostcfg_free(&hc);
	return status;
}

/* ---- passthru release ---------------------------------------------------------------------- */

static const char *policy_word(int p)
{
	switch (p) {
	case 1: return "restored";
	case 0: return "not-needed";
	case -2: return "skipped";
	default: return "failed";
	}
}

static void print_released(struct cli *cli, const char *vm, const struct pt_released *r,
			   size_t n, bool dry_run)
{
	if (cli->json) {
		struct json j;

		json_doc_begin(&j, stdout, 1);
		JSON_KV_STR(&j, "vm", vm);
		JSON_KV_BOOL(&j, "dry_run", dry_run);
		json_key(&j, "devices");
		json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			json_obj_begin(&j);
			JSON_KV_STR(&j, "bdf", r[i].lease.bdf);
			JSON_KV_STR(&j, "pool", r[i].lease.pool);
			JSON_KV_BOOL(&j, "reset", r[i].reset_ok);
			JSON_KV_STR(&j, "reset_detail", r[i].reset);
			JSON_KV_STR(&j, "policy", policy_word(r[i].policy));
			json_key(&j, "policy_detail");
			json_str_or_null(&j, r[i].policy_msg);
			JSON_KV_STR(&j, "result", r[i].in_use ? "in-use"
						  : dry_run ? "planned"
						  : r[i].quarantined ? "quarantined"
						  : r[i].why[0] ? "failed" : "returned");
			json_key(&j, "holder_pid");
			if (r[i].in_use)
				json_int(&j, r[i].holder_pid);
			else
				json_null(&j);
			json_key(&j, "why");
			json_str_or_null(&j, r[i].why);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	if (n == 0)
		printf("%s holds no leases: nothing to release\n", vm);
	for (size_t i = 0; i < n; i++) {
		if (r[i].in_use) {
			printf("%s  IN USE: %s\n", r[i].lease.bdf, r[i].why);
			continue;
		}
		printf("%s  %s: %s", r[i].lease.bdf, r[i].reset_ok ? "ok" : "RESET FAILED", r[i].reset);
		if (r[i].policy_msg[0])
			printf("; %s", r[i].policy_msg);
		if (dry_run)
			printf("; would return to pool %s\n", r[i].lease.pool);
		else if (r[i].quarantined)
			printf("; QUARANTINED: %s (passthru release --unquarantine %s once it is "
			       "known good)\n", r[i].why, r[i].lease.bdf);
		else if (r[i].why[0])
			printf("; FAILED: %s\n", r[i].why);
		else
			printf("; back in pool %s\n", r[i].lease.pool);
	}
}

int cmd_release(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "unquarantine", required_argument, NULL, 'u' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pt_release_opts o = { .state_dir = cli->state_dir };
	const char *dev = NULL, *unq = NULL;
	struct pt_released *rel = NULL;
	struct pt_state *st = NULL;
	struct pt_host *h = NULL;
	size_t n = 0;
	int c, r, status = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "d:u:nft:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o.force = true; break;
		case 'd': dev = optarg; break;
		case 'u': unq = optarg; break;
		case 'n': o.dry_run = true; break;
		case 't':
			if (parse_int("--timeout", optarg, 1, 3600000, &o.timeout_ms) < 0)
				return EXIT_ERROR;
			break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "release");
			return EXIT_ERROR;
		}
	}
	if (unq) {
		if (optind != argc || dev) {
			cli_error("release --unquarantine BDF takes nothing else");
			return EXIT_ERROR;
		}
		if (!(st = state_open(cli)))
			return EXIT_ERROR;
		r = pt_state_unquarantine(st, unq);
		if (r < 0)
			cli_error("unquarantine %s: %s", unq, pt_ctx_error(cli->ctx));
		else if (cli->json)
			printf("{\"version\":1,\"unquarantined\":\"%s\"}\n", unq);
		else
			printf("%s: back in its pool\n", unq);
		pt_state_close(st);
		return r < 0 ? status_of(r) : EXIT_OK;
	}
	if (optind + 1 != argc) {
		cli_error("release: which VM? (passthru release VM [--device BDF])");
		return EXIT_ERROR;
	}
	if (!(h = cli_scan(cli)))
		return EXIT_ERROR;
	if (!(st = state_open(cli)))
		goto out;
	r = pt_release(cli->ctx, st, h, argv[optind], dev, &o, &rel, &n);
	if (r < 0) {
		cli_error("release %s: %s", argv[optind], pt_ctx_error(cli->ctx));
		status = status_of(r);
		goto out;
	}
	print_released(cli, argv[optind], rel, n, o.dry_run);
	status = r ? EXIT_FAIL : EXIT_OK;
out:
	free(rel);
	pt_state_close(st);
	pt_host_free(h);
	return status;
}

/* ---- passthru leases ------------------------------------------------------------------------ */

int cmd_leases(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'v' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *vm = NULL;
	struct pt_lease *l = NULL;
	struct pt_state *st;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "v:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'v': vm = optarg; break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "leases");
			return EXIT_ERROR;
		}
	}
	if (optind != argc) {
		cli_error("leases: no arguments (--vm VM picks one VM)");
		return EXIT_ERROR;
	}
	if (!(st = state_open(cli)))
		return EXIT_ERROR;
	r = pt_state_leases(st, vm, &l, &n);
	pt_state_close(st);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	if (cli->json) {
		struct json j;

		json_doc_begin(&j, stdout, 1);
		json_key(&j, "leases");
		json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			json_obj_begin(&j);
			json_key(&j, "id");
			json_int(&j, l[i].id);
			JSON_KV_STR(&j, "vm", l[i].vm);
			JSON_KV_STR(&j, "bdf", l[i].bdf);
			JSON_KV_STR(&j, "pool", l[i].pool);
			json_key(&j, "numa_node");
			json_int_or_null(&j, l[i].numa_node);
			json_key(&j, "iommu_group");
			json_int_or_null(&j, l[i].iommu_group);
			json_key(&j, "mac");
			json_str_or_null(&j, l[i].mac);
			json_key(&j, "vlan");
			if (l[i].vlan > 0)
				json_int(&j, l[i].vlan);
			else
				json_null(&j);
			JSON_KV_STR(&j, "since", l[i].created);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (n == 0) {
		printf("no active leases%s%s\n", vm ? " of " : "", vm ? vm : "");
	} else {
		printf("%-20s %-14s %-12s %4s %5s %-17s %4s  %s\n", "VM", "DEVICE", "POOL", "NODE",
		       "GROUP", "MAC", "VLAN", "SINCE");
		for (size_t i = 0; i < n; i++)
			printf("%-20s %-14s %-12s %4d %5d %-17s %4d  %s\n", l[i].vm, l[i].bdf, l[i].pool,
			       l[i].numa_node, l[i].iommu_group, l[i].mac[0] ? l[i].mac : "-",
			       l[i].vlan, l[i].created);
	}
	free(l);
	return EXIT_OK;
}

/* ---- passthru pools -------------------------------------------------------------------------- */

int cmd_pools(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "no-sync", no_argument, NULL, 'S' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	struct pt_pool_usage *u = NULL;
	struct hostcfg hc = { 0 };
	struct pt_host *h;
	struct pt_state *st;
	bool sync = true;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:Sjh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'S': sync = false; break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "pools");
			return EXIT_ERROR;
		}
	}
	if (!(st = state_open(cli)))
		return EXIT_ERROR;
	/* the database as the host is now: synced from the config when there is one */
	h = cli_scan(cli);
	if (!h)
		cli_warn("free counts are the database's, not judged on the host");
	if (sync) {
		char p[4096] = "";

		if (!config)
			pt_path(cli->ctx, p, sizeof(p), PT_HOSTCFG_DEFAULT);
		if (config || (p[0] && access(p, F_OK) == 0)) {
			if (hostcfg_load(cli, config, &hc) < 0) {
				pt_state_close(st);
				pt_host_free(h);
				return EXIT_ERROR;
			}
			if (h && pt_pools_sync(cli->ctx, st, h, hostcfg_get(&hc), NULL) < 0)
				cli_warn("syncing the pools: %s", pt_ctx_error(cli->ctx));
		}
	}
	/* free: what assign would hand out now (the library's one judgement) */
	r = pt_pools_usage(cli->ctx, st, h, &u, &n);
	pt_state_close(st);
	hostcfg_free(&hc);
	pt_host_free(h);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	if (cli->json) {
		struct json j;

		json_doc_begin(&j, stdout, 1);
		json_key(&j, "pools");
		json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			json_obj_begin(&j);
			JSON_KV_STR(&j, "pool", u[i].pool);
			JSON_KV_STR(&j, "kind", u[i].kind);
			json_key(&j, "numa_node");
			json_int_or_null(&j, u[i].numa_node);
			json_key(&j, "total");
			json_uint(&j, u[i].total);
			json_key(&j, "free");
			json_uint(&j, u[i].free);
			json_key(&j, "leased");
			json_uint(&j, u[i].leased);
			json_key(&j, "quarantined");
			json_uint(&j, u[i].quarantined);
			json_key(&j, "removed");
			json_uint(&j, u[i].removed);
			json_key(&j, "blocked");
			json_uint(&j, u[i].blocked);
			json_key(&j, "blocked_why");
			json_str_or_null(&j, u[i].blocked_why);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (n == 0) {
		printf("no pools (configure them under pools: in %s)\n", PT_HOSTCFG_DEFAULT);
	} else {
		printf("%-16s %-8s %5s %6s %6s %7s %6s %12s %8s\n", "POOL", "KIND", "NODE", "TOTAL", "FREE",
		       "BLOCKED", "LEASED", "QUARANTINED", "REMOVED");
		for (size_t i = 0; i < n; i++) {
			char node[16];

			if (u[i].numa_node < 0)
				snprintf(node, sizeof(node), "?");
			else
				snprintf(node, sizeof(node), "%d", u[i].numa_node);
			printf("%-16s %-8s %5s %6u %6u %7u %6u %12u %8u\n", u[i].pool, u[i].kind, node,
			       u[i].total, u[i].free, u[i].blocked, u[i].leased, u[i].quarantined,
			       u[i].removed);
		}
		for (size_t i = 0; i < n; i++)
			if (u[i].blocked)
				printf("%s: %u blocked: %s\n", u[i].pool, u[i].blocked, u[i].blocked_why);
	}
	free(u);
	return EXIT_OK;
}

/* ---- passthru gc ------------------------------------------------------------------------------ */

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
			if (parse_int("--min-age", optarg, 0, 100000000, &min_age) < 0)
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
	if (!(st = state_open(cli)))
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
					print_released(cli, vm, rel, nr, o.dry_run);
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
