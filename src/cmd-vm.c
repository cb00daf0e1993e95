// SPDX-License-Identifier: MIT
/*
 * passthru vm VM|PID: what a running VM really uses, and whether it is aligned.
 * passthru vm check [--memory SIZE] [--hugepages 2M|1G] [--node N] [--cpus LIST]
 *                   [--devices BDF,...] [--memlock SIZE|unlimited] [FILE.xml]:
 * would a VM of this shape fit now?
 */
#include "cli.h"
#include "passthru/check.h"
#include "passthru/parse.h"
#include "passthru/state.h"
#include "passthru/vm.h"
#include "report-output.h"
#include "vm-output.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The state DB when there is one: `vm` reads leases, never creates a database. */
static struct pt_state *state_if_any(struct cli *cli)
{
	struct pt_state *st = NULL;
	char dir[4096], path[4200];
	struct stat sb;

	if (pt_state_dir(cli->ctx, cli->state_dir, false, dir, sizeof(dir)) < 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/state.db", dir);
	if (stat(path, &sb) < 0)
		return NULL;
	if (pt_state_open(cli->ctx, cli->state_dir, &st) < 0) {
		cli_warn("leases unknown: %s", pt_ctx_error(cli->ctx));
		return NULL;
	}
	return st;
}

static int vm_check(struct cli *cli, int argc, char **argv);

int cmd_vm(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pt_state *st = NULL;
	struct pt_lease *leases = NULL;
	size_t n_leases = 0;
	struct pt_host *h = NULL;
	struct pt_report rep;
	struct pt_vm vm;
	char name[64];
	long pid;
	int c, r, status;

	if (argc > 1 && strcmp(argv[1], "check") == 0)
		return vm_check(cli, argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "vm");
			return EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		cli_usage(stderr, "vm");
		return EXIT_ERROR;
	}
	pid = pt_vm_find(cli->ctx, argv[optind], name, sizeof(name));
	if (pid < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	if (!(h = cli_scan(cli)))
		return EXIT_ERROR;
	st = state_if_any(cli);
	if (st && pt_state_leases(st, NULL, &leases, &n_leases) < 0) {
		cli_warn("leases unknown: %s", pt_ctx_error(cli->ctx));
		pt_state_close(st);
		st = NULL;
	}
	r = pt_vm_gather(cli->ctx, h, leases, n_leases, st != NULL, pid, name, &vm);
	free(leases);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		pt_state_close(st);
		pt_host_free(h);
		return EXIT_ERROR;
	}
	pt_vm_judge(h, &vm, &rep);
	status = rep.worst == PT_FAIL ? EXIT_FAIL : EXIT_OK;
	if (cli->json)
		vm_json(stdout, &vm, &rep, status);
	else
		vm_text(stdout, &vm, &rep, cli->color);
	pt_report_free(&rep);
	pt_vm_free(&vm);
	pt_state_close(st);
	pt_host_free(h);
	return status;
}

/* ---- passthru vm check ---------------------------------------------------------------------- */

static int parse_devices(const char *list, struct pt_vm_plan *p)
{
	char buf[4096], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct pt_bdf b, *grown;

		if (pt_bdf_parse(tok, &b) < 0) {
			cli_error("--devices: '%s' is not a PCI address (dddd:bb:dd.f)", tok);
			return -1;
		}
		grown = realloc(p->devs, (p->n_devs + 1) * sizeof(*grown));
		if (!grown)
			return -1;
		p->devs = grown;
		p->devs[p->n_devs++] = b;
	}
	return 0;
}

static int from_xml_buf(struct cli *cli, const char *label, const char *buf, size_t len,
			struct pt_vm_plan *p)
{
	struct pt_libvirt_domain *dom = calloc(1, sizeof(*dom));
	int r = -1;

	if (!dom) {
		cli_error("out of memory");
		goto out;
	}
	if (pt_libvirt_parse(cli->ctx, buf, len, dom) < 0) {
		cli_error("%s: %s", label, pt_ctx_error(cli->ctx));
		goto out;
	}
	if (dom->memory_kib > 0 && !p->memory_bytes)
		p->memory_bytes = dom->memory_kib * 1024;
	if (dom->hugepage_kib && !p->hugepage_kb)
		p->hugepage_kb = dom->hugepage_kib > 0 ? dom->hugepage_kib : 2048;
	if (p->node < 0 && (dom->hugepage_nodeset[0] || dom->numa_nodeset[0])) {
		const char *ns = dom->hugepage_nodeset[0] ? dom->hugepage_nodeset : dom->numa_nodeset;
		char *end;
		long n = strtol(ns, &end, 10);

		if (!*end && n >= 0)
			p->node = (int)n; /* one node; a set of nodes is not judged as one */
	}
	if (!p->cpus[0])
		snprintf(p->cpus, sizeof(p->cpus), "%s", dom->n_vcpupin ? dom->vcpupin : dom->vcpu_cpuset);
	for (size_t i = 0; i < dom->n_devs; i++) {
		struct pt_bdf b, *g;

		if (!dom->devs[i].bdf[0] || pt_bdf_parse(dom->devs[i].bdf, &b) < 0)
			continue;
		if (!(g = realloc(p->devs, (p->n_devs + 1) * sizeof(*g))))
			goto out;
		p->devs = g;
		p->devs[p->n_devs++] = b;
	}
	if (dom->memlock_hard_kib > 0 && p->memlock_limit == -2) {
		p->memlock_limit = dom->memlock_hard_kib * 1024;
		snprintf(p->memlock_source, sizeof(p->memlock_source), " (<memtune><hard_limit>)");
	} else if (p->memlock_limit == -2 && p->n_devs) {
		/* libvirt raises the limit of a VM with <hostdev> to RAM + 1 GiB by itself */
		p->memlock_limit = p->memory_bytes + (1LL << 30);
		snprintf(p->memlock_source, sizeof(p->memlock_source), " (libvirt's: RAM + 1 GiB)");
	}
	r = 0;
out:
	free(dom);
	return r;
}

static int from_xml(struct cli *cli, const char *file, struct pt_vm_plan *p)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(file, "r");
	int r = -1;

	if (!f) {
		cli_error("%s: %s", file, strerror(errno));
		return -1;
	}
	while (!feof(f) && len < (8u << 20)) {
		if (len + 65536 > cap) {
			char *g = realloc(buf, cap = len + 65536);

			if (!g)
				goto out;
			buf = g;
		}
		len += fread(buf + len, 1, cap - len, f);
		if (ferror(f)) {
			cli_error("%s: %s", file, strerror(errno));
			goto out;
		}
	}
	r = from_xml_buf(cli, file, buf ? buf : "", len, p);
out:
	fclose(f);
	free(buf);
	return r;
}

/* A libvirt domain defined (or running) on this host: virsh dumpxml, or its live XML. */
static int from_domain(struct cli *cli, const char *name, struct pt_vm_plan *p)
{
	char *buf = NULL, via[128];
	size_t len = 0;
	int r;

	if (pt_libvirt_domain_xml(cli->ctx, name, &buf, &len, via, sizeof(via)) < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return -1;
	}
	r = from_xml_buf(cli, via, buf, len, p);
	free(buf);
	return r;
}

static int vm_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "hugepages", required_argument, NULL, 'H' },
		{ "node", required_argument, NULL, 'N' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "devices", required_argument, NULL, 'd' },
		{ "memlock", required_argument, NULL, 'l' },
		{ "domain", required_argument, NULL, 'D' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct pt_vm_plan p = { .node = -1, .memlock_limit = -2 };
	const char *domain = NULL;
	struct pt_host *h = NULL;
	struct pt_report rep;
	int c, status = EXIT_ERROR;
	long long v;

	optind = 0;
	while ((c = getopt_long(argc, argv, "m:H:N:c:d:l:D:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'D': domain = optarg; break;
		case 'm':
			if ((v = pt_parse_size(optarg, true)) <= 0) {
				cli_error("--memory: '%s' is not a size (e.g. 4G, 512M)", optarg);
				goto out;
			}
			p.memory_bytes = v;
			break;
		case 'H':
			if (!strcmp(optarg, "2M") || !strcmp(optarg, "2048"))
				p.hugepage_kb = 2048;
			else if (!strcmp(optarg, "1G") || !strcmp(optarg, "1048576"))
				p.hugepage_kb = 1048576;
			else {
				cli_error("--hugepages: '%s': give 2M or 1G", optarg);
				goto out;
			}
			break;
		case 'N': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || n < 0 || n > 4095) {
				cli_error("--node: '%s' is not a NUMA node number", optarg);
				goto out;
			}
			p.node = (int)n;
			break;
		}
		case 'c':
			if (pt_parse_cpulist(optarg, NULL, 0) <= 0) {
				cli_error("--cpus: '%s' is not a CPU list (e.g. 2-7,10)", optarg);
				goto out;
			}
			snprintf(p.cpus, sizeof(p.cpus), "%s", optarg);
			break;
		case 'd':
			if (parse_devices(optarg, &p) < 0)
				goto out;
			break;
		case 'l':
			if (!strcmp(optarg, "unlimited"))
				p.memlock_limit = -1;
			else if ((p.memlock_limit = pt_parse_size(optarg, false)) < 0) {
				cli_error("--memlock: '%s' is not a size (e.g. 9G, unlimited)", optarg);
				goto out;
			}
			snprintf(p.memlock_source, sizeof(p.memlock_source), " (--memlock)");
			break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "vm");
			goto out;
		}
	}
	if (domain && optind != argc) {
		cli_error("vm check: a libvirt XML file or --domain NAME, not both");
		goto out;
	}
	if (domain) {
		if (from_domain(cli, domain, &p) < 0)
			goto out;
	} else if (optind + 1 == argc) {
		if (from_xml(cli, argv[optind], &p) < 0)
			goto out;
	} else if (optind != argc) {
		cli_usage(stderr, "vm");
		goto out;
	}
	if (p.memory_bytes <= 0) {
		cli_error("vm check: give --memory SIZE (or a libvirt domain XML file)");
		goto out;
	}
	if (!(h = cli_scan(cli)))
		goto out;
	pt_vm_plan_gather(cli->ctx, &p);
	pt_vm_check(h, &p, &rep);
	status = rep.worst == PT_FAIL ? EXIT_FAIL : EXIT_OK;
	if (cli->json)
		report_json(stdout, &rep, "vm check", false, status, h);
	else
		report_text(stdout, &rep, "vm check", false, cli->color);
	pt_report_free(&rep);
out:
	free(p.devs);
	pt_host_free(h);
	return status;
}
