/* SPDX-License-Identifier: MIT */
/* The command layer: the only part of passthru that talks to the user. */
#ifndef PT_CLI_H
#define PT_CLI_H

#include "passthru/passthru.h"
#include "passthru/scope.h"
#include <stdbool.h>
#include <stdio.h>

/* Exit statuses, the same for every command (see man/passthru.8). */
#define EXIT_OK 0
#define EXIT_FAIL 1  /* the command ran and found (or caused) a failure */
#define EXIT_ERROR 2 /* passthru could not run: bad usage, input, sysroot */

struct cli {
	const char *prog;
	const char *sysroot;   /* --sysroot or PASSTHRU_SYSROOT */
	const char *state_dir; /* --state-dir or PASSTHRU_STATE_DIR */
	bool json;             /* --json anywhere on the command line */
	bool color;
	struct pt_ctx *ctx;
};

#define CMD_NEEDS_ROOT 0x1 /* writes kernel state: refuse early without root (unless a sysroot) */

/* One option of a command, as help, usage and completion show it. */
struct cmd_opt {
	const char *name;  /* the long option, without "--" */
	char short_name;   /* its one-letter form, or 0 */
	const char *arg;   /* its argument as usage shows it ("FILE"), NULL for a flag */
	const char *help;  /* one line */
};

struct cmd {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	unsigned flags;
	const char *args;    /* positional arguments, after the command name ("DEV") */
	const char *summary; /* one line, shown by `passthru help` */
	const struct cmd_opt *opts; /* every option but --json/--help; ends with {NULL} */
};

extern const struct cmd commands[];

/* Messages: "passthru: <what>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints usage of one command to f. */
void cli_usage(FILE *f, const char *name);
/* Scans the host; on failure prints why and returns NULL. */
struct pt_host *cli_scan(struct cli *cli);
/* What the scan could not read (pt_host.warnings), for people: one "warning:" line
 * each on stderr, after the command's output. Nothing with --json: the document
 * carries them in its "warnings" array (json_host_warnings). */
void cli_host_warnings(const struct cli *cli, const struct pt_host *h);
/* Resolves DEV (BDF or netdev) or prints an error naming it. */
struct pt_device *cli_device(struct cli *cli, struct pt_host *h, const char *dev);
/* Both at once: scans, resolves DEV, and on failure frees the host and returns NULL. */
struct pt_device *cli_scan_device(struct cli *cli, const char *dev, struct pt_host **h);
/* The same over a scope: DEV and what its answers depend on (scope.h; flags
 * PT_SCOPE_*), not the whole host. */
struct pt_device *cli_scan_named(struct cli *cli, const char *dev, unsigned flags,
				 struct pt_host **h);
/* A scan of DEV's scope, DEV not resolved (the caller does); NULL as cli_scan. */
struct pt_host *cli_scan_for(struct cli *cli, const char *dev, unsigned flags);
/* A scan of what pools and assign judge: cfg's pools and the database's (pt_pools_scope;
 * cfg, st may be NULL). NULL as cli_scan. */
struct pt_state;
struct pt_hostcfg;
struct pt_host *cli_scan_pools(struct cli *cli, struct pt_state *st, const struct pt_hostcfg *cfg);
/* A scoped scan; on failure prints why and returns NULL. */
struct pt_host *cli_scan_scope(struct cli *cli, const struct pt_scope *s);
/* Every command's getopt_long() goes through cli_getopt_long() (src/main.c), which
 * can check the parser's options against the command table (PASSTHRU_OPTCHECK). */
#include <getopt.h>
int cli_getopt_long(int argc, char *const argv[], const char *optstring,
		    const struct option *longopts, int *longindex);
#define getopt_long(argc, argv, optstring, longopts, longindex) \
	cli_getopt_long(argc, argv, optstring, longopts, longindex)
/* For getopt loops: one shared set of long options every command accepts. */
#define CLI_COMMON_LONGOPTS \
	{ "json", no_argument, NULL, 'j' }, \
	{ "help", no_argument, NULL, 'h' }

/* Output of the model, shared by list/show/doctor (src/device-output.c). */
struct json;
struct pt_judge_inputs;
/* full: show's whole document, with the library's judgements of the device (in). */
void device_json(struct json *j, const struct pt_host *h, const struct pt_device *d, bool full,
		 const struct pt_judge_inputs *in);
/* "warnings": [...] of the host scan (h may be NULL: an empty array). */
void json_host_warnings(struct json *j, const struct pt_host *h);
/* "iommu": {"kind", "units", "iommufd"}: the host's IOMMU as list and show report it. */
void json_host_iommu(struct json *j, const struct pt_host *h);
const char *device_kind_str(const struct pt_device *d);
char *device_link_str(const struct pt_device *d, char *buf, size_t len);

/* Commands */
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_snapshot(struct cli *cli, int argc, char **argv);
int cmd_vfs(struct cli *cli, int argc, char **argv);
int cmd_log(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_doctor(struct cli *cli, int argc, char **argv);
int cmd_assign(struct cli *cli, int argc, char **argv);
int cmd_release(struct cli *cli, int argc, char **argv);
int cmd_leases(struct cli *cli, int argc, char **argv);
int cmd_pools(struct cli *cli, int argc, char **argv);
int cmd_gc(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_topo(struct cli *cli, int argc, char **argv);
int cmd_vm(struct cli *cli, int argc, char **argv);
int cmd_bind(struct cli *cli, int argc, char **argv);
int cmd_vf(struct cli *cli, int argc, char **argv);
int cmd_sriov(struct cli *cli, int argc, char **argv);
int cmd_boot(struct cli *cli, int argc, char **argv);
/* --timeout MS: 1..3600000, or a message and -1. */
int cli_timeout_arg(const char *arg, int *ms);

/* What commands load (src/cli-config.c); each prints why on failure.
 * --profile FILE, or the built-in defaults when NULL (pt_config_load). */
struct pt_profile;
struct pt_config_file;
struct pt_state;
int cli_load_profile(struct cli *cli, const char *file, struct pt_profile *p);
/* The host configuration for assign and pools: --config FILE, else
 * <sysroot>/etc/passthru/host.yaml (its path in path); a profile or a bare one. */
int cli_load_hostcfg(struct cli *cli, const char *file, struct pt_config_file *c, char *path,
		     size_t len);
/* The state database in --state-dir (pt_state_open), with what an interrupted passthru
 * left behind recovered first (pt_assign_recover; a warning says so). */
struct pt_state *cli_state_open(struct cli *cli);
/* The host configuration whose boot: section the gate proves: the profile's own, else
 * <sysroot>/etc/passthru/host.yaml's (loaded into c, which the caller frees); NULL
 * when neither has one (a file that does not parse is warned about). */
struct pt_hostcfg;
const struct pt_hostcfg *cli_boot_config(struct cli *cli, const struct pt_profile *p,
					 struct pt_config_file *c);
/* A library error's exit status: refusals and failures 1, inability to run 2. */
int cli_exit_status(int r);
/* An integer option in lo..hi; prints "OPT: 'S' is not a number in lo..hi". */
int cli_parse_int(const char *opt, const char *s, int lo, int hi, int *out);

#endif
