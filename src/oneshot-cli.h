/* SPDX-License-Identifier: MIT */
/* What the one-shot commands (bind, vf, sriov) share: their options and the run. */
#ifndef PT_ONESHOT_CLI_H
#define PT_ONESHOT_CLI_H

#include "apply-run.h"

/* --dry-run --force --persist --timeout MS --json: handled, or 0 when c is not one. */
#define ONESHOT_LONGOPTS \
	{ "dry-run", no_argument, NULL, 'n' }, \
	{ "force", no_argument, NULL, 'f' }, \
	{ "persist", no_argument, NULL, 'P' }, \
	{ "timeout", required_argument, NULL, 't' }, \
	CLI_COMMON_LONGOPTS
#define ONESHOT_SHORTOPTS "nfPt:jh"
/* 1 handled, 0 not a common option, -1 bad value (message printed). */
int oneshot_common_opt(struct cli *cli, struct apply_job *job, int c, const char *arg);

/* "on"/"off" (also true/false, 1/0) into *v, or a message naming opt; -1 then. */
int oneshot_onoff(const char *opt, const char *arg, int *v);
/* A number in [lo, hi], or a message naming opt; -1 then. */
int oneshot_long(const char *opt, const char *arg, long lo, long hi, long *v);

/* DEV (BDF or netdev) as an SR-IOV PF of h, or a message. */
const struct pt_device *oneshot_pf(struct pt_host *h, const char *dev);

#endif
