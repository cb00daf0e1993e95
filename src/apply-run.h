/* SPDX-License-Identifier: MIT */
/*
 * The one path from a desired state to the host: `passthru apply FILE` and the one-shot
 * commands (bind, vf, sriov) all run it, so they plan, refuse, journal, roll back and
 * report alike. A one-shot command hands over the host configuration its arguments
 * mean (lib/oneshot.c builds it, the same structure a YAML file parses into).
 */
#ifndef PT_APPLY_RUN_H
#define PT_APPLY_RUN_H

#include "cli.h"
#include "passthru/profile.h"

struct apply_job {
	const char *label;            /* the config file, or the one-shot command line */
	const struct pt_hostcfg *cfg; /* NULL: load label as a file (apply) */
	const char *command;          /* "bind", "vf", "sriov"; NULL for apply */
	bool dry_run, verify, force;
	int timeout_ms;
	bool persist;                 /* record cfg as a drop-in once it is applied */
	const char *persist_name;     /* "bind-0000:01:00.0": the drop-in's name part */
	const char *note;             /* a sentence printed before the plan (may be NULL) */
};

int apply_job_run(struct cli *cli, const struct apply_job *job);

#endif
