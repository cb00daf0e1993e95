// SPDX-License-Identifier: MIT
/*
 * passthru assign VM --pool P ...: lease devices, make them ready, print libvirt XML,
 * QEMU arguments or JSON. Logic in lib/assign.c, output in src/assign-output.c.
 * Exit 0 ok, 1 failed or refused, 2 could not run.
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
#include "passthru/profile.h"

/* The pre-launch check refused: its decisions (stderr), or the JSON document. */
static void print_refusal(struct cli *cli, const struct pt_assign_opts *o,
			  const struct pt_assign_result *res)
{
	if (cli->json) {
		struct json j;

		json_doc_begin(&j, stdout, 1);
		JSON_KV_STR(&j, "vm", o->vm);
		JSON_KV_STR(&j, "pool", o->pool);
		JSON_KV_BOOL(&j, "dry_run", o->dry_run);
		JSON_KV_BOOL(&j, "refused", true);
		JSON_KV_STR(&j, "error", pt_ctx_error(cli->ctx));
		json_key(&j, "launch_check");
		assign_launch_json(&j, res);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	for (size_t i = 0; i < res->launch.n; i++)
		if (res->launch.results[i].result == PT_FAIL && res->launch.results[i].decision[0])
			cli_error("%s: %s", res->launch.results[i].title, res->launch.results[i].decision);
}

/* 8-4-4-4-12 hexadecimal digits */
static bool is_uuid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };

	for (size_t g = 0; g < 5; g++) {
		for (int k = 0; k < groups[g]; k++, s++)
			if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
				return false;
		if (*s != (g < 4 ? '-' : '\0'))
			return false;
		s++;
	}
	return true;
}

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
		{ "spread", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'o' },
		{ "vfio-backend", required_argument, NULL, 'B' },
		{ "vf-token", required_argument, NULL, 'T' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "vm-memory", required_argument, NULL, 'M' },
		{ "hugepages", required_argument, NULL, 'H' },
		{ "memlock", required_argument, NULL, 'L' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pt_assign_opts o = { .count = 1, .numa_node = -1, .state_dir = cli->state_dir,
				    .memlock_limit = -2 };
	struct pt_assign_result res = { 0 };
	struct assign_view view = { .memory_node = -1, .failover_network = "default" };
	const char *config = NULL, *cpus = NULL, *format = "libvirt";
	struct pt_config_file hc = { 0 };
	char hc_path[4096];
	struct pt_state *st = NULL;
	struct pt_host *h = NULL;
	int c, r, count, status = EXIT_ERROR;
	bool numa_given = false;
	enum pt_vfio_backend want = PT_VFIO_AUTO;
	struct pt_vfio_choice vfio;
	struct pt_vmm_support vmm;
	const char *vf_token = NULL;

	while ((c = getopt_long(argc, argv, "p:c:N:C:m:v:k:rFW:fS:o:B:T:nt:M:H:L:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o.pool = optarg; break;
		case 'c': config = optarg; break;
		case 'N':
			if (cli_parse_int("--numa", optarg, 0, 1023, &o.numa_node) < 0)
				return EXIT_ERROR;
			numa_given = true;
			break;
		case 'C': cpus = optarg; break;
		case 'm': o.mac = optarg; break;
		case 'v':
			if (cli_parse_int("--vlan", optarg, 1, 4094, &o.vlan) < 0)
				return EXIT_ERROR;
			break;
		case 'k':
			if (cli_parse_int("--count", optarg, 1, 4096, &count) < 0)
				return EXIT_ERROR;
			o.count = (unsigned)count;
			break;
		case 'r': o.allow_remote = true; break;
		case 'F': view.failover = true; break;
		case 'W': view.failover_network = optarg; break;
		case 'f': o.force = true; break;
		case 'S':
			if (strcmp(optarg, "pf") != 0) {
				cli_error("--spread: pf (VFs round-robin over their PFs), not '%s'", optarg);
				return EXIT_ERROR;
			}
			o.spread_pf = true;
			break;
		case 'o':
			if (strcmp(optarg, "libvirt") && strcmp(optarg, "qemu") && strcmp(optarg, "json")) {
				cli_error("--format: libvirt, qemu or json, not '%s'", optarg);
				return EXIT_ERROR;
			}
			format = optarg;
			break;
		case 'B':
			if (pt_vfio_backend_parse(optarg, &want) < 0) {
				cli_error("--vfio-backend: auto, legacy or iommufd, not '%s'", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'T':
			if (!is_uuid(optarg)) {
				cli_error("--vf-token: a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not '%s'",
					  optarg);
				return EXIT_ERROR;
			}
			vf_token = optarg;
			break;
		case 'n': o.dry_run = true; break;
		case 't':
			if (cli_parse_int("--timeout", optarg, 1, 3600000, &o.timeout_ms) < 0)
				return EXIT_ERROR;
			break;
		case 'M':
			if ((o.vm_memory = pt_parse_size(optarg, true)) <= 0) {
				cli_error("--vm-memory: '%s' is not a size (e.g. 4G, 512M)", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'H':
			if (!strcmp(optarg, "2M") || !strcmp(optarg, "2048"))
				o.hugepage_kb = 2048;
			else if (!strcmp(optarg, "1G") || !strcmp(optarg, "1048576"))
				o.hugepage_kb = 1048576;
			else {
				cli_error("--hugepages: '%s': give 2M or 1G", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'L':
			if (!strcmp(optarg, "unlimited"))
				o.memlock_limit = -1;
			else if ((o.memlock_limit = pt_parse_size(optarg, false)) < 0) {
				cli_error("--memlock: '%s' is not a size (e.g. 9G, unlimited)", optarg);
				return EXIT_ERROR;
			}
			o.memlock_source = " (--memlock)";
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
	if ((o.hugepage_kb || o.memlock_limit != -2) && o.vm_memory <= 0) {
		cli_error("assign: --hugepages and --memlock check the VM's memory: give it with "
			  "--vm-memory SIZE");
		return EXIT_ERROR;
	}
	if (view.failover && !o.mac) {
		cli_error("assign: --failover pairs the VF with a virtio interface of the same MAC: "
			  "give it with --mac");
		return EXIT_ERROR;
	}
	if (getenv("PASSTHRU_CRASH_AFTER_STEP")) /* test-only, see docs/assign.md */
		o.crash_after_step = atoi(getenv("PASSTHRU_CRASH_AFTER_STEP"));
	if (cli_load_hostcfg(cli, config, &hc, hc_path, sizeof(hc_path)) < 0)
		return EXIT_ERROR;
	if (!(st = cli_state_open(cli)))
		goto out;
	if (!(h = cli_scan_pools(cli, st, pt_config_file_hostcfg(&hc))))
		goto out;
	if (cpus) {
		r = pt_cpus_node(cli->ctx, h, cpus);
		if (r < 0) {
			cli_error("--cpus: %s", pt_ctx_error(cli->ctx));
			goto out;
		}
		o.numa_node = r;
	}
	r = pt_pools_sync(cli->ctx, st, h, pt_config_file_hostcfg(&hc), o.pool);
	if (r < 0) {
		cli_error("%s: %s", hc_path, pt_ctx_error(cli->ctx));
		status = cli_exit_status(r);
		goto out;
	}
	r = pt_assign(cli->ctx, st, h, &o, &res);
	if (r < 0) {
		if (res.n_refused && strcmp(format, "json") == 0)
			assign_print_refusal_json(stdout, o.vm, o.pool, pt_ctx_error(cli->ctx), &res);
		cli_error("assign %s: %s", o.vm, pt_ctx_error(cli->ctx));
		status = cli_exit_status(r);
		if (r == -E2BIG)
			print_refusal(cli, &o, &res);
		goto out;
	}
	for (size_t i = 0; i < res.launch.n; i++)
		if (res.launch.results[i].result == PT_WARN || res.launch.results[i].result == PT_SKIP)
			cli_warn("pre-launch check: %s: %s%s%s", res.launch.results[i].title,
				 res.launch.results[i].evidence, res.launch.results[i].decision[0] ?
				 ". " : "", res.launch.results[i].decision);
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
	/* the VFIO path: the VM manager is asked only when the kernel could (lib decides) */
	if (want == PT_VFIO_AUTO && h->dev_iommu == PT_YES)
		pt_vmm_probe(cli->ctx, strcmp(format, "libvirt") == 0, &vmm);
	pt_vfio_backend_choose(h, &res, strcmp(format, "libvirt") == 0, view.failover,
			       want == PT_VFIO_AUTO && h->dev_iommu == PT_YES ? &vmm : NULL, want,
			       vf_token, &vfio);
	if (vfio.warning[0])
		cli_warn("%s", vfio.warning);
	view.vfio = &vfio;
	view.vf_token = vf_token;
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
	pt_config_file_free(&hc);
	return status;
}
