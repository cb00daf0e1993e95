// SPDX-License-Identifier: MIT
/* passthru snapshot [-o FILE.tar.gz]: what passthru reads of this host, as one archive
 * for bug reports and test fixtures (docs/snapshot.md). */
#include "cli.h"
#include "json.h"
#include "passthru/snapshot.h"
#include "passthru/vm.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* passthru-snapshot-<hostname>-<UTC date and time>.tar.gz; the host name is the
 * sysroot's, so a snapshot of an extracted snapshot keeps the original name. */
static void default_name(struct cli *cli, char *buf, size_t len)
{
	char host[256] = "", when[32];
	time_t now = time(NULL);
	struct tm tm;

	if (pt_read_attr(cli->ctx, host, sizeof(host), "/proc/sys/kernel/hostname") <= 0 &&
	    gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	for (char *p = host; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p))
			*p = '_';
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "passthru-snapshot-%s-%s.tar.gz", host[0] ? host : "host", when);
}

int cmd_snapshot(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "pid", required_argument, NULL, 'p' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t max = PT_SNAPSHOT_MAX_BYTES;
	struct pt_snapshot_stats st;
	const char *out = NULL;
	long pids[16];
	size_t n_pids = 0;
	char name[512];
	int c, r;

	while ((c = getopt_long(argc, argv, "o:m:p:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			/* a PID, or a VM name as `passthru vm` finds it */
			long pid = pt_vm_find(cli->ctx, optarg, NULL, 0);

			if (pid <= 0) {
				cli_error("--pid: %s", pt_ctx_error(cli->ctx));
				return EXIT_ERROR;
			}
			if (n_pids == sizeof(pids) / sizeof(pids[0])) {
				cli_error("--pid: at most %zu processes", n_pids);
				return EXIT_ERROR;
			}
			pids[n_pids++] = pid;
			break;
		}
		case 'o':
			out = optarg;
			break;
		case 'm': {
			char *end;
			unsigned long long mib;

			errno = 0;
			mib = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || mib == 0 || mib > (1ull << 20)) {
				cli_error("--max-size: '%s' is not a size in MiB (1 to 1048576)", optarg);
				return EXIT_ERROR;
			}
			max = (uint64_t)mib << 20;
			break;
		}
		case 'j':
			cli->json = true;
			break;
		default:
			cli_usage(stderr, "snapshot");
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		cli_error("snapshot: unexpected argument '%s' (the file is given with -o)",
			  argv[optind]);
		return EXIT_ERROR;
	}
	if (!out || !*out) {
		default_name(cli, name, sizeof(name));
		out = name;
	}
	r = pt_snapshot_save_pids(cli->ctx, out, max, pids, n_pids, &st);
	if (r < 0) {
		cli_error("snapshot of %s: %s", pt_ctx_sysroot(cli->ctx), pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	if (cli->json) {
		struct json j;

		json_doc_begin(&j, stdout, 1);
		JSON_KV_STR(&j, "file", out);
		JSON_KV_INT(&j, "entries", (long long)st.entries);
		JSON_KV_INT(&j, "bytes", (long long)st.bytes);
		JSON_KV_INT(&j, "skipped", (long long)st.skipped);
		JSON_KV_INT(&j, "truncated", (long long)st.truncated);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("%s: %zu entries (%zu files, %zu links), %llu bytes\n", out, st.entries,
		       st.files, st.links, (unsigned long long)st.bytes);
		if (st.skipped || st.truncated)
			printf("%zu file(s) could not be read and %zu were cut at their size bound: "
			       "see passthru-snapshot.txt in the archive\n", st.skipped, st.truncated);
	}
	return EXIT_OK;
}
