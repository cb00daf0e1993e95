// SPDX-License-Identifier: MIT
/*
 * passthru: device assignment on Linux/KVM hosts, safe, fast and boring.
 * The command table below is the CLI: usage and help are generated from it.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct cmd commands[] = {
	{ "list", cmd_list, 0, "[--class net|storage|display|all] [--pf DEV] [--json]",
	  "PCI functions as a tree, VFs under their PF" },
	{ "show", cmd_show, 0, "DEV [--json]",
	  "everything about one function: group, upstream ACS path, SR-IOV, link" },
	{ "vfs", cmd_vfs, 0, "PF [--json]",
	  "VF network settings of a PF netdev: MAC, VLAN, spoof check, trust, link state, rates" },
	{ "apply", cmd_apply, CMD_NEEDS_ROOT,
	  "FILE [--dry-run] [--verify] [--force] [--timeout MS] [--json]",
	  "make the host what FILE says: VFs, VF settings, vfio-pci bindings; rollback on failure" },
	{ "bind", cmd_bind, CMD_NEEDS_ROOT,
	  "DEV|--group N DRIVER [--with-group] [--dry-run] [--force] [--persist] [--timeout MS] "
	  "[--json]",
	  "bind a function (or its IOMMU group) to vfio-pci, a driver, host or none, as apply would" },
	{ "vf", cmd_vf, CMD_NEEDS_ROOT,
	  "PF N|all [--mac M] [--vlan V[:QOS[:PROTO]]] [--spoof-check on|off] [--trust on|off] "
	  "[--link-state auto|enable|disable] [--max-rate MBPS] [--min-rate MBPS] [--dry-run] "
	  "[--force] [--persist] [--timeout MS] [--json]",
	  "set one VF's (or every VF's) MAC, VLAN, spoof check, trust, link state, rates" },
	{ "sriov", cmd_sriov, CMD_NEEDS_ROOT,
	  "PF COUNT [--autoprobe on|off] [--dry-run] [--force] [--persist] [--timeout MS] [--json]",
	  "set a PF's VF count (through 0 when it changes), as apply would" },
	{ "check", cmd_check, 0,
	  "[--profile FILE] [--format text|json|prometheus|nfd] [--output FILE] [--strict] "
	  "[--kernel-log FILE] [--json]",
	  "the host gate: IOMMU, interrupt remapping, links, VFs, faults; exit 1 drains the node" },
	{ "doctor", cmd_doctor, 0, "DEV [--cpus LIST] [--kernel-log FILE] [--json]",
	  "diagnose one device: each finding with its decision" },
	{ "log", cmd_log, 0, "[FILE|-] [--json]",
	  "IOMMU state, IOMMU faults and AER errors, as the kernel log tells them" },
	{ "assign", cmd_assign, CMD_NEEDS_ROOT,
	  "VM --pool P [--config FILE] [--numa N | --cpus LIST] [--mac M] [--vlan V] [--count K] "
	  "[--allow-remote] [--failover [--failover-network NET]] [--force] "
	  "[--format libvirt|qemu|json] [--dry-run] [--timeout MS] [--json]",
	  "lease devices of a pool to a VM, bound to vfio-pci; prints libvirt XML or QEMU args" },
	{ "release", cmd_release, CMD_NEEDS_ROOT,
	  "VM [--device BDF] [--dry-run] [--force] [--timeout MS] [--json] | --unquarantine BDF",
	  "reset a VM's devices, restore the VF policy, return them to their pools" },
	{ "leases", cmd_leases, 0, "[--vm VM] [--json]", "the active leases: which device each VM holds" },
	{ "pools", cmd_pools, 0, "[--config FILE] [--no-sync] [--json]",
	  "capacity per pool and NUMA node: total, free, leased, quarantined" },
	{ "gc", cmd_gc, CMD_NEEDS_ROOT, "[--vm-alive CMD] [--min-age S] [--dry-run] [--json]",
	  "release the leases of VMs that no longer exist" },
	{ "plan", cmd_plan, 0, "sriov PF COUNT [--json]",
	  "predict before writing: will enabling COUNT VFs on PF succeed, which limit refuses it" },
	{ "topo", cmd_topo, 0, "[--format text|dot|svg|html] [-o FILE] [--profile FILE] [--expand]",
	  "the host as a picture: NUMA nodes, bridges with ACS, VFs, IOMMU groups, check's marks" },
	{ "vm", cmd_vm, 0,
	  "VM|PID [--json] | check [--memory SIZE] [--hugepages 2M|1G] [--node N] [--cpus LIST] "
	  "[--devices BDF,...] [--memlock SIZE|unlimited] [FILE.xml] [--json]",
	  "what a running VM uses (devices, vCPUs, memory, IRQs) and whether it is aligned" },
	{ "snapshot", cmd_snapshot, 0, "[-o FILE.tar.gz] [--max-size MIB] [--pid VM|PID]... [--json]",
	  "capture what passthru reads of this host, for bug reports and fixtures" },
	{ NULL, NULL, 0, NULL, NULL },
};

static const char *prog = "passthru";

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", prog, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--sysroot DIR] [--state-dir DIR] [--json] COMMAND [ARGS]\n\n"
		   "Commands:\n", prog);
	for (const struct cmd *c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nRun '%s COMMAND --help' for a command's options; 'man passthru' for more.\n"
		   "Exit status: 0 ok, 1 a check or action failed, 2 passthru could not run.\n",
		prog);
}

void cli_usage(FILE *f, const char *name)
{
	for (const struct cmd *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0) {
			fprintf(f, "usage: %s %s %s\n  %s\n", prog, c->name, c->args, c->summary);
			return;
		}
	usage(f);
}

struct pt_host *cli_scan(struct cli *cli)
{
	struct pt_host *h = NULL;
	int r = pt_host_scan(cli->ctx, &h);

	if (r < 0) {
		cli_error("cannot read the host under %s: %s", pt_ctx_sysroot(cli->ctx),
			  pt_ctx_error(cli->ctx));
		return NULL;
	}
	return h;
}

void cli_host_warnings(const struct cli *cli, const struct pt_host *h)
{
	if (cli->json || !h)
		return;
	for (size_t i = 0; i < h->n_warnings; i++)
		cli_warn("%s", h->warnings[i]);
}

struct pt_device *cli_device(struct cli *cli, struct pt_host *h, const char *dev)
{
	struct pt_device *d = pt_host_lookup(h, dev);

	(void)cli;
	if (!d)
		cli_error("%s: no such PCI function or network interface "
			  "(try 'passthru list' for the BDFs this host has)", dev);
	return d;
}

struct pt_device *cli_scan_device(struct cli *cli, const char *dev, struct pt_host **out)
{
	struct pt_host *h = cli_scan(cli);
	struct pt_device *d;

	*out = NULL;
	if (!h)
		return NULL;
	d = cli_device(cli, h, dev);
	if (!d) {
		pt_host_free(h);
		return NULL;
	}
	*out = h;
	return d;
}

static const struct cmd *find_cmd(const char *name)
{
	for (const struct cmd *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	const struct cmd *c;
	int i, r;

	cli.sysroot = getenv("PASSTHRU_SYSROOT");
	cli.state_dir = getenv("PASSTHRU_STATE_DIR");
	/* global options come before the command */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--sysroot") == 0 && i + 1 < argc)
			cli.sysroot = argv[++i];
		else if (strncmp(a, "--sysroot=", 10) == 0)
			cli.sysroot = a + 10;
		else if (strcmp(a, "--state-dir") == 0 && i + 1 < argc)
			cli.state_dir = argv[++i];
		else if (strncmp(a, "--state-dir=", 12) == 0)
			cli.state_dir = a + 12;
		else if (strcmp(a, "--json") == 0)
			cli.json = true;
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--version") == 0) {
			printf("passthru %s\n", PT_VERSION);
			return EXIT_OK;
		} else {
			cli_error("unknown option '%s'", a);
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 < argc)
			cli_usage(stdout, argv[i + 1]);
		else
			usage(stdout);
		return EXIT_OK;
	}
	c = find_cmd(argv[i]);
	if (!c) {
		cli_error("'%s' is not a passthru command", argv[i]);
		usage(stderr);
		return EXIT_ERROR;
	}
	/* per-command --json and --help are common to all: handled here once */
	for (int k = i + 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0)
			break;
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
			cli_usage(stdout, c->name);
			return EXIT_OK;
		}
	}
	if ((c->flags & CMD_NEEDS_ROOT) && geteuid() != 0 && (!cli.sysroot || !*cli.sysroot)) {
		cli_error("%s writes kernel state and needs root (or --sysroot for a test tree)",
			  c->name);
		return EXIT_ERROR;
	}
	r = pt_ctx_new(&cli.ctx, cli.sysroot);
	if (r < 0) {
		cli_error("cannot start: %s", strerror(-r));
		return EXIT_ERROR;
	}
	cli.prog = prog;
	cli.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	optind = 0;
	r = c->fn(&cli, argc - i, argv + i);
	pt_ctx_free(cli.ctx);
	return r;
}
