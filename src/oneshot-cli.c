// SPDX-License-Identifier: MIT
/* Options and look-ups the one-shot commands share (bind, vf, sriov). */
#include "oneshot-cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int oneshot_common_opt(struct cli *cli, struct apply_job *job, int c, const char *arg)
{
	switch (c) {
	case 'n': job->dry_run = true; return 1;
	case 'f': job->force = true; return 1;
	case 'P': job->persist = true; return 1;
	case 'j': cli->json = true; return 1;
	case 't': return cli_timeout_arg(arg, &job->timeout_ms) < 0 ? -1 : 1;
	default: return 0;
	}
}

int oneshot_onoff(const char *opt, const char *arg, int *v)
{
	if (!strcmp(arg, "on") || !strcmp(arg, "true") || !strcmp(arg, "1")) {
		*v = 1;
		return 0;
	}
	if (!strcmp(arg, "off") || !strcmp(arg, "false") || !strcmp(arg, "0")) {
		*v = 0;
		return 0;
	}
	cli_error("%s: '%s' is not on or off", opt, arg);
	return -1;
}

int oneshot_long(const char *opt, const char *arg, long lo, long hi, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *v < lo || *v > hi) {
		cli_error("%s: '%s' is not a number from %ld to %ld", opt, arg, lo, hi);
		return -1;
	}
	return 0;
}

const struct pt_device *oneshot_pf(struct pt_host *h, const char *dev)
{
	const struct pt_device *d = cli_device(NULL, h, dev);

	if (!d)
		return NULL;
	if (d->kind != PT_KIND_PF || d->sriov_totalvfs < 0) {
		cli_error("%s is %s, which is not an SR-IOV physical function (no sriov_totalvfs); "
			  "'passthru list' shows the PFs", dev, d->name);
		return NULL;
	}
	return d;
}
