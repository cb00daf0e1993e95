// SPDX-License-Identifier: MIT
/*
 * passthru: device assignment on Linux/KVM hosts, safe, fast and boring.
 * The command table below is the CLI: usage and help are generated from it.
 */
#include "cli.h"
#include "passthru/assign.h"

#include "passthru/archive.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * One entry per command: its positional arguments, a summary, and every option it takes
 * (without --json and --help, which all commands take). `passthru help CMD`, `CMD --help`,
 * the usage line on a bad option and the bash completion are all generated from this
 * table, and the option parser is checked against it (PASSTHRU_OPTCHECK, tests/cli/help.py).
 * A new command: its entry here, its cmd_<name>() in src/cmd-<name>.c.
 */
#define OPTS(...) ((const struct cmd_opt[]){ __VA_ARGS__, { NULL, 0, NULL, NULL } })
#define NO_OPTS ((const struct cmd_opt[]){ { NULL, 0, NULL, NULL } })
/* A subcommand's options follow this marker (passthru vm check ...). */
#define SUBCMD(name, help) { "", 0, name, help }

const struct cmd commands[] = {
	{ "list", cmd_list, 0, "",
	  "PCI functions as a tree, VFs under their PF",
	  OPTS({ "class", 'c', "net|storage|display|all", "only network, storage or display functions" },
	       { "pf", 'p', "DEV", "only the physical function DEV and its VFs" }) },
	{ "show", cmd_show, 0, "DEV",
	  "everything about one function: group, upstream ACS path, SR-IOV, link", NO_OPTS },
	{ "vfs", cmd_vfs, 0, "PF",
	  "VF network settings of a PF netdev: MAC, VLAN, spoof check, trust, link state, rates",
	  NO_OPTS },
	{ "apply", cmd_apply, CMD_NEEDS_ROOT, "FILE",
	  "make the host what FILE says: VFs, VF settings, vfio-pci bindings; rollback on failure",
	  OPTS({ "dry-run", 'n', NULL, "print the plan and change nothing" },
	       { "verify", 'V', NULL, "change nothing; exit 1 if the host differs from FILE" },
	       { "force", 'f', NULL, "proceed where passthru would refuse to take a device" },
	       { "timeout", 't', "MS", "bound on blocking writes and the wait for VFs (30000)" }) },
	{ "bind", cmd_bind, CMD_NEEDS_ROOT, "DEV|--group N DRIVER",
	  "bind a function (or its IOMMU group) to vfio-pci, a driver, host or none, as apply would",
	  OPTS({ "group", 'g', "N", "every function of IOMMU group N" },
	       { "with-group", 'w', NULL, "DEV and the rest of its IOMMU group" },
	       { "dry-run", 'n', NULL, "print the plan and change nothing" },
	       { "force", 'f', NULL, "proceed where passthru would refuse to take a device" },
	       { "persist", 'P', NULL, "also write it to the host configuration's drop-ins" },
	       { "timeout", 't', "MS", "bound on blocking writes (30000)" }) },
	{ "vf", cmd_vf, CMD_NEEDS_ROOT, "PF N|all",
	  "set one VF's (or every VF's) MAC, VLAN, spoof check, trust, link state, rates",
	  OPTS({ "mac", 'm', "MAC", "the VF's MAC" },
	       { "vlan", 'v', "V[:QOS[:PROTO]]", "the VF's VLAN (0: none), priority, protocol" },
	       { "spoof-check", 's', "on|off", "MAC spoof checking" },
	       { "trust", 'T', "on|off", "trusted VF (promiscuous, MAC changes)" },
	       { "link-state", 'l', "auto|enable|disable", "the VF's link state" },
	       { "max-rate", 'M', "MBPS", "maximum transmit rate (0: no limit)" },
	       { "min-rate", 'R', "MBPS", "minimum transmit rate" },
	       { "query-rss", 'q', "on|off", "whether the VF may query the PF's RSS" },
	       { "dry-run", 'n', NULL, "print the plan and change nothing" },
	       { "force", 'f', NULL, "proceed where passthru would refuse to take a device" },
	       { "persist", 'P', NULL, "also write it to the host configuration's drop-ins" },
	       { "timeout", 't', "MS", "bound on blocking writes (30000)" }) },
	{ "sriov", cmd_sriov, CMD_NEEDS_ROOT, "PF COUNT",
	  "set a PF's VF count (through 0 when it changes), as apply would",
	  OPTS({ "autoprobe", 'a', "on|off", "whether new VFs bind to their driver" },
	       { "dry-run", 'n', NULL, "print the plan and change nothing" },
	       { "force", 'f', NULL, "proceed where passthru would refuse to take a device" },
	       { "persist", 'P', NULL, "also write it to the host configuration's drop-ins" },
	       { "timeout", 't', "MS", "bound on blocking writes (30000)" }) },
	{ "boot", cmd_boot, CMD_NEEDS_ROOT, "",
	  "the kernel command line and early vfio-pci binding the host configuration's boot: asks",
	  OPTS({ "dry-run", 'n', NULL, "print the plan and change nothing" },
	       { "config", 'c', "FILE", "the host configuration (/etc/passthru/host.yaml)" }) },
	{ "check", cmd_check, 0, "",
	  "the host gate: IOMMU, interrupt remapping, links, VFs, faults; exit 1 drains the node",
	  OPTS({ "profile", 'p', "FILE", "the YAML profile to judge against (built-in defaults)" },
	       { "format", 'f', "text|json|prometheus|nfd", "the report's form (text)" },
	       { "output", 'o', "FILE", "write the report to FILE atomically, not stdout" },
	       { "strict", 's', NULL, "warnings fail too" },
	       { "kernel-log", 'k', "FILE", "read the kernel log from FILE, not /dev/kmsg" }) },
	{ "doctor", cmd_doctor, 0, "DEV",
	  "diagnose one device: each finding with its decision",
	  OPTS({ "cpus", 'c', "LIST", "the VM's CPUs, checked against NUMA and IRQ placement" },
	       { "kernel-log", 'k', "FILE", "read the kernel log from FILE, not /dev/kmsg" }) },
	{ "log", cmd_log, 0, "[FILE|-]",
	  "IOMMU state, IOMMU faults and AER errors, as the kernel log tells them", NO_OPTS },
	{ "assign", cmd_assign, CMD_NEEDS_ROOT, "VM --pool P",
	  "lease devices of a pool to a VM, bound to vfio-pci; prints libvirt XML or QEMU args",
	  OPTS({ "pool", 'p', "P", "the pool to lease from (required)" },
	       { "config", 'c', "FILE", "the host configuration (/etc/passthru/host.yaml)" },
	       { "numa", 'N', "N", "take devices on NUMA node N" },
	       { "cpus", 'C', "LIST", "take devices on the node holding these CPUs" },
	       { "mac", 'm', "MAC", "set this MAC on the VF (one device)" },
	       { "vlan", 'v', "VLAN", "set this VLAN on the VF (one device)" },
	       { "count", 'k', "K", "lease K units (1): a function, or a whole IOMMU group" },
	       { "allow-remote", 'r', NULL, "take the rest from other NUMA nodes when short" },
	       { "spread", 'S', "pf", "take VFs round-robin over their PFs" },
	       { "failover", 'F', NULL, "pair the VF with a virtio NIC of the same MAC" },
	       { "failover-network", 'W', "NET", "libvirt network of the virtio half (default)" },
	       { "force", 'f', NULL, "hand out a device whose group holds a host function" },
	       { "format", 'o', "libvirt|qemu|json", "what to print (libvirt)" },
	       { "vfio-backend", 'B', "auto|legacy|iommufd", "group/container or iommufd cdev (auto)" },
	       { "vf-token", 'T', "UUID", "the VF token of a PF held by vfio-pci (QEMU vf-token=)" },
	       { "dry-run", 'n', NULL, "say what would be leased; change nothing" },
	       { "timeout", 't', "MS", "bound on each blocking sysfs write while binding" },
	       { "vm-memory", 'M', "SIZE", "the VM's RAM: check it fits before leasing (vm check)" },
	       { "hugepages", 'H', "2M|1G", "its RAM on hugepages: free ones on the devices' node" },
	       { "memlock", 'L', "SIZE|unlimited", "the VM's locked-memory limit (this shell's)" }) },
	{ "release", cmd_release, CMD_NEEDS_ROOT, "VM | --unquarantine BDF",
	  "reset a VM's devices, restore the VF policy, return them to their pools",
	  OPTS({ "device", 'd', "BDF", "only the lease on this function" },
	       { "unquarantine", 'u', "BDF", "return a quarantined function to its pool" },
	       { "dry-run", 'n', NULL, "say what would be released; change nothing" },
	       { "force", 'f', NULL, "release even a function a process still holds" },
	       { "timeout", 't', "MS", "bound on each blocking sysfs write" }) },
	{ "leases", cmd_leases, 0, "",
	  "the active leases: which device each VM holds",
	  OPTS({ "vm", 'v', "VM", "only this VM's leases" }) },
	{ "pools", cmd_pools, 0, "",
	  "capacity per pool and NUMA node: total, free, leased, quarantined",
	  OPTS({ "config", 'c', "FILE", "the host configuration (/etc/passthru/host.yaml)" },
	       { "no-sync", 'S', NULL, "do not sync the pools from the configuration first" }) },
	{ "gc", cmd_gc, CMD_NEEDS_ROOT, "",
	  "release the leases of VMs that no longer exist",
	  OPTS({ "vm-alive", 'a', "CMD", "run 'CMD VM' (exit 0 = exists), not virsh domstate" },
	       { "min-age", 'A', "S", "keep VMs whose newest lease is younger (600)" },
	       { "dry-run", 'n', NULL, "say what would be released; change nothing" }) },
	{ "plan", cmd_plan, 0, "sriov PF COUNT | hugepages --demand FILE | choose",
	  "predict before writing: VFs on a PF, large pages per VM, virtio/VF/passthrough",
	  OPTS(SUBCMD("hugepages", "large pages per VM by bandwidth: 'plan hugepages --demand FILE'"),
	       { "demand", 'D', "FILE", "the VMs (YAML: name, memory, node or device, bandwidth)" },
	       { "emit-config", 'E', NULL, "print the reservation as apply's hugepages: section" },
	       SUBCMD("choose", "virtio, VF, VF+virtio failover or passthrough: 'plan choose'"),
	       { "sharing", 's', NULL, "one device shared among many guests" },
	       { "migration", 'm', NULL, "the VM must migrate live" },
	       { "device-features", 'f', NULL, "the device's full features (GPU, HBA, vendor tools)" },
	       { "tenancy", 't', "single|multi", "one tenant, or guests that must not trust each other" },
	       { "device", 'd', "DEV", "the device in question (BDF or netdev)" }) },
	{ "topo", cmd_topo, 0, "",
	  "the host as a picture: NUMA nodes, bridges with ACS, VFs, IOMMU groups, check's marks",
	  OPTS({ "format", 'F', "text|dot|svg|html", "the picture's form (text)" },
	       { "output", 'o', "FILE", "write it to FILE, not stdout" },
	       { "profile", 'p', "FILE", "judge with this profile for check's marks" },
	       { "expand", 'x', NULL, "show every VF, not a summary per PF" }) },
	{ "vm", cmd_vm, 0, "VM|PID | check [FILE.xml | --domain NAME]",
	  "what a running VM uses (devices, vCPUs, memory, IRQs) and whether it is aligned",
	  OPTS(SUBCMD("check", "whether a VM about to start fits: 'vm check [FILE.xml]'"),
	       { "memory", 'm', "SIZE", "the VM's memory" },
	       { "hugepages", 'H', "2M|1G", "backed by hugepages of this size" },
	       { "node", 'N', "N", "the NUMA node it will run on" },
	       { "cpus", 'c', "LIST", "the CPUs it will run on" },
	       { "devices", 'd', "BDF,...", "the functions it will be given" },
	       { "memlock", 'l', "SIZE|unlimited", "its locked-memory limit" },
	       { "domain", 'D', "NAME", "a libvirt domain's XML (virsh dumpxml, or its live XML)" }) },
	{ "snapshot", cmd_snapshot, 0, "",
	  "capture what passthru reads of this host, for bug reports and fixtures",
	  OPTS({ "output", 'o', "FILE.tar.gz", "the archive (passthru-snapshot-HOST-TIME.tar.gz)" },
	       { "max-size", 'm', "MIB", "bound on the uncompressed archive (64)" },
	       { "pid", 'p', "VM|PID", "also capture a QEMU process's view (repeatable)" }) },
	{ NULL, NULL, 0, NULL, NULL, NULL },
};

/* Options every command takes, and the global ones (before COMMAND). */
static const struct cmd_opt common_opts[] = {
	{ "json", 'j', NULL, "print JSON (docs/json.md), not the human output" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ NULL, 0, NULL, NULL },
};
static const struct cmd_opt global_opts[] = {
	{ "sysroot", 0, "DIR|FILE.tar.gz", "run on a captured tree or snapshot archive" },
	{ "state-dir", 0, "DIR", "lease database and apply journal (/var/lib/passthru)" },
	{ "json", 0, NULL, "print JSON (docs/json.md), not the human output" },
	{ "version", 0, NULL, "print the version and exit" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ NULL, 0, NULL, NULL },
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

static void print_opts(FILE *f, const char *cmd, const struct cmd_opt *o)
{
	for (; o && o->name; o++) {
		char lhs[64];

		if (!o->name[0]) {
			/* a subcommand: its options follow */
			fprintf(f, "\nOptions of '%s %s %s' (%s):\n", prog, cmd, o->arg, o->help);
			continue;
		}
		snprintf(lhs, sizeof(lhs), "%c%c%c --%s%s%s", o->short_name ? '-' : ' ',
			 o->short_name ? o->short_name : ' ', o->short_name ? ',' : ' ', o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		if (strlen(lhs) <= 28)
			fprintf(f, "  %-28s %s\n", lhs, o->help);
		else
			fprintf(f, "  %s\n  %-28s %s\n", lhs, "", o->help);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [OPTIONS] COMMAND [ARGS]\n\n"
		   "Commands:\n", prog);
	for (const struct cmd *c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nOptions (before COMMAND):\n");
	print_opts(f, NULL, global_opts);
	fprintf(f, "\nRun '%s help COMMAND' for a command's options; 'man passthru' for more.\n"
		   "Exit status: 0 ok, 1 a check or action failed, 2 passthru could not run.\n",
		prog);
}

static const struct cmd *find_cmd(const char *name)
{
	for (const struct cmd *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* usage: passthru CMD ARGS [OPTIONS], the summary, and one line per option. */
static void cmd_help(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: %s %s%s%s [OPTIONS]\n  %s\n\nOptions:\n", prog, c->name,
		c->args[0] ? " " : "", c->args, c->summary);
	print_opts(f, c->name, common_opts);
	print_opts(f, c->name, c->opts);
}

void cli_usage(FILE *f, const char *name)
{
	const struct cmd *c = find_cmd(name);

	if (!c) {
		usage(f);
		return;
	}
	if (f == stdout) {
		cmd_help(f, c);
		return;
	}
	/* after a bad option: the usage line and where the rest is */
	fprintf(f, "usage: %s %s%s%s [OPTIONS]   ('%s help %s' lists them)\n", prog, c->name,
		c->args[0] ? " " : "", c->args, prog, c->name);
}

/*
 * getopt_long() of every command comes here (cli.h). With PASSTHRU_OPTCHECK set in the
 * environment, it compares the command's getopt options with its entry in the table,
 * both ways (name, argument, short letter), prints the differences and exits: the test
 * that keeps the help from drifting from the parser (tests/cli/help.py).
 */
static const struct cmd *running;

/* The table's option name in scope: the command's own (sub NULL) or a subcommand's. */
static const struct cmd_opt *table_opt(const struct cmd *c, const char *sub, const char *name)
{
	const char *scope = NULL;

	for (const struct cmd_opt *o = c->opts; o && o->name; o++) {
		if (!o->name[0])
			scope = o->arg;
		else if (strcmp(o->name, name) == 0 &&
			 (sub && scope ? strcmp(sub, scope) == 0 : sub == scope))
			return o;
	}
	for (const struct cmd_opt *o = common_opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static int optcheck(const struct cmd *c, const char *sub, const char *optstring,
		    const struct option *lo)
{
	const char *scope = NULL;
	int bad = 0;

	for (const struct option *l = lo; l->name; l++) {
		const struct cmd_opt *o = table_opt(c, sub, l->name);

		if (!o) {
			printf("%s: --%s is parsed but not in the command table\n", c->name, l->name);
			bad++;
		} else if ((o->arg != NULL) != (l->has_arg == required_argument)) {
			printf("%s: --%s: the table and the parser disagree on its argument\n",
			       c->name, l->name);
			bad++;
		} else if (o->short_name && (l->val != o->short_name || !strchr(optstring, o->short_name))) {
			printf("%s: --%s: -%c is not accepted\n", c->name, l->name, o->short_name);
			bad++;
		}
	}
	for (int pass = 0; pass < 2; pass++)
		for (const struct cmd_opt *o = pass ? common_opts : c->opts; o && o->name; o++) {
			const struct option *l = lo;

			if (!o->name[0]) {
				scope = o->arg;
				continue;
			}
			if (!pass && (sub && scope ? strcmp(sub, scope) != 0 : sub != scope))
				continue;
			while (l->name && strcmp(l->name, o->name))
				l++;
			if (!l->name) {
				printf("%s: --%s is in the table but not parsed\n", c->name, o->name);
				bad++;
			}
		}
	printf("%s%s%s: %s\n", c->name, sub ? " " : "", sub ? sub : "",
	       bad ? "options differ from the table" : "options ok");
	return bad ? EXIT_FAIL : EXIT_OK;
}

int cli_getopt_long(int argc, char *const argv[], const char *optstring,
		    const struct option *longopts, int *longindex)
{
	if (running && getenv("PASSTHRU_OPTCHECK")) {
		/* a subcommand's parser sees its name as argv[0] (passthru vm check) */
		const char *sub = NULL;

		for (const struct cmd_opt *o = running->opts; o && o->name; o++)
			if (!o->name[0] && argc > 0 && strcmp(argv[0], o->arg) == 0)
				sub = o->arg;
		exit(optcheck(running, sub, optstring, longopts));
	}
	return (getopt_long)(argc, argv, optstring, longopts, longindex);
}

struct pt_host *cli_scan(struct cli *cli)
{
	struct pt_host *h = NULL;
	int r = pt_host_scan(cli->ctx, &h);

	if (r < 0) {
		/* the library's sentence names the sysroot and the file already */
		cli_error("%s", pt_ctx_error(cli->ctx));
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

struct pt_host *cli_scan_scope(struct cli *cli, const struct pt_scope *s)
{
	struct pt_host *h = NULL;
	int r = pt_host_scan_scope(cli->ctx, s, &h);

	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return NULL;
	}
	return h;
}

struct pt_host *cli_scan_for(struct cli *cli, const char *dev, unsigned flags)
{
	struct pt_scope *s = NULL;
	struct pt_host *h;

	if (pt_scope_new(&s) < 0 || pt_scope_add(s, dev, flags) < 0) {
		pt_scope_free(s);
		cli_error("out of memory");
		return NULL;
	}
	h = cli_scan_scope(cli, s);
	pt_scope_free(s);
	return h;
}

struct pt_host *cli_scan_pools(struct cli *cli, struct pt_state *st, const struct pt_hostcfg *cfg)
{
	struct pt_scope *s = NULL;
	struct pt_host *h;

	if (pt_scope_new(&s) < 0 || pt_pools_scope(st, cfg, s) < 0) {
		pt_scope_free(s);
		cli_error("out of memory");
		return NULL;
	}
	h = cli_scan_scope(cli, s);
	pt_scope_free(s);
	return h;
}

/* dev in the scanned host h (NULL: the scan failed): the device and *out = h, or NULL
 * with h freed and the error printed */
static struct pt_device *device_in(struct cli *cli, struct pt_host *h, const char *dev,
				   struct pt_host **out)
{
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

struct pt_device *cli_scan_named(struct cli *cli, const char *dev, unsigned flags,
				 struct pt_host **out)
{
	return device_in(cli, cli_scan_for(cli, dev, flags), dev, out);
}

struct pt_device *cli_scan_device(struct cli *cli, const char *dev, struct pt_host **out)
{
	return device_in(cli, cli_scan(cli), dev, out);
}

/* --sysroot FILE.tar.gz: unpacks the snapshot into a private temporary directory
 * (lib/tar-reader.c) and returns its path, to remove when the command is done. */
static char *unpack_sysroot(const char *file)
{
	struct pt_archive_stats st;
	struct pt_ctx *ctx = NULL;
	char *dir = NULL;
	int r = pt_ctx_new(&ctx, NULL);

	if (r < 0) {
		cli_error("cannot start: %s", strerror(-r));
		return NULL;
	}
	r = pt_archive_unpack(ctx, file, 0, &dir, &st);
	if (r < 0)
		cli_error("--sysroot: %s", pt_ctx_error(ctx));
	else if (st.skipped)
		cli_warn("--sysroot %s: skipped %zu member%s the snapshot never holds, first %s",
			 file, st.skipped, st.skipped == 1 ? "" : "s", st.first_skipped);
	pt_ctx_free(ctx);
	return dir;
}

static void remove_sysroot(char *dir)
{
	struct pt_ctx *ctx = NULL;

	if (!dir)
		return;
	if (pt_ctx_new(&ctx, NULL) == 0 && pt_archive_remove(ctx, dir) < 0)
		cli_warn("%s", pt_ctx_error(ctx));
	pt_ctx_free(ctx);
	free(dir);
}

int main(int argc, char **argv)
{
	char *unpacked = NULL;
	struct stat sb;
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
		if (i + 1 < argc && !find_cmd(argv[i + 1])) {
			cli_error("'%s' is not a passthru command", argv[i + 1]);
			usage(stderr);
			return EXIT_ERROR;
		}
		if (i + 1 < argc)
			cmd_help(stdout, find_cmd(argv[i + 1]));
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
			cmd_help(stdout, c);
			return EXIT_OK;
		}
	}
	if ((c->flags & CMD_NEEDS_ROOT) && geteuid() != 0 && (!cli.sysroot || !*cli.sysroot)) {
		cli_error("%s writes kernel state and needs root (or --sysroot for a test tree)",
			  c->name);
		return EXIT_ERROR;
	}
	if (cli.sysroot && *cli.sysroot && stat(cli.sysroot, &sb) == 0 && S_ISREG(sb.st_mode)) {
		unpacked = unpack_sysroot(cli.sysroot);
		if (!unpacked)
			return EXIT_ERROR;
		cli.sysroot = unpacked;
	}
	r = pt_ctx_new(&cli.ctx, cli.sysroot);
	if (r < 0) {
		if (cli.sysroot && *cli.sysroot && r != -ENOMEM)
			cli_error("not a sysroot: %s: %s", cli.sysroot, strerror(-r));
		else
			cli_error("cannot start: %s", strerror(-r));
		remove_sysroot(unpacked);
		return EXIT_ERROR;
	}
	cli.prog = prog;
	cli.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	optind = 0;
	running = c;
	r = c->fn(&cli, argc - i, argv + i);
	pt_ctx_free(cli.ctx);
	remove_sysroot(unpacked);
	return r;
}
