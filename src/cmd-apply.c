// SPDX-License-Identifier: MIT
/*
 * passthru apply FILE: make the host what the config says, or say why not.
 * Exit 0 converged/applied, 1 failed (after rollback), refused, or drift with
 * --verify; 2 could not run (bad config, unreadable host, state dir locked).
 */
#include "apply-run.h"
#include "cli.h"
#include "json.h"
#include "passthru/apply.h"
#include "passthru/parse.h"
#include "passthru/plan.h"
#include "passthru/sriov-predict.h"
#include "passthru/oneshot.h"
#include "passthru/profile.h"
#include "passthru/safety.h"
#include "passthru/state.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct run {
	struct cli *cli;
	const char *file;
	bool dry_run, verify, force;
	const struct apply_job *job; /* a one-shot command's request, or NULL (a file) */
	char persisted[4096];        /* the drop-in written (--persist) */
	struct pt_config_file conf;
	struct pt_host *h;
	struct pt_link_vfs *links;
	size_t n_links;
	struct pt_want want;
	struct pt_plan plan;
	struct pt_refusal *refused; /* the library's, as it gave them: one per cause and blocker */
	size_t n_refused;
	struct pt_apply_result res;
	char error[768];
	size_t remaining;      /* actions a fresh plan still finds after applying */
	bool applied;
};

static const struct pt_hostcfg *run_cfg(const struct run *r)
{
	if (r->job && r->job->cfg)
		return r->job->cfg;
	return pt_config_file_hostcfg(&r->conf);
}

/* One file serves check and apply: a profile embedding sriov/passthrough is taken as
 * it is; a bare host config too. The profile parser's message wins when both fail. */
static int load_config(struct run *r)
{
	if (pt_config_load(r->cli->ctx, r->file, PT_CONFIG_ANY, &r->conf) == 0)
		return 0;
	snprintf(r->error, sizeof(r->error), "%s", pt_ctx_error(r->cli->ctx));
	return -1;
}

/* The library's one gate (pt_safety_check_plan): the same refusals pt_apply_run, assign,
 * release and the one-shot commands get. Asked without force so --force can say what it
 * overrides. */
static int check_safety(struct run *r)
{
	struct pt_safety_opts so = { 0 };
	struct pt_safety_result sr;
	struct pt_lease *leases = NULL;
	char warn[320];
	int ret;

	if (r->plan.n) {
		pt_state_active_leases(r->cli->ctx, r->cli->state_dir, &leases, &so.n_leases, warn,
				       sizeof(warn));
		if (warn[0])
			cli_warn("%s", warn);
	}
	so.leases = leases;
	ret = pt_safety_check_plan(r->cli->ctx, r->h, &r->plan, &so, &sr);
	free(leases);
	if (ret < 0) {
		snprintf(r->error, sizeof(r->error), "%s", pt_ctx_error(r->cli->ctx));
		return ret;
	}
	if (sr.warning[0])
		cli_warn("%s", sr.warning);
	free(r->refused);
	r->refused = sr.refused;
	r->n_refused = sr.n_refused;
	return 0;
}

/* What the configuration names and what their plan and refusals depend on (scope.h:
 * the PFs with their VFs and bridge siblings, the groups, the default route's NIC). */
static struct pt_host *scan_config(struct run *r)
{
	struct pt_scope *s = NULL;
	struct pt_host *h = NULL;

	if (pt_scope_new(&s) < 0 || pt_scope_add_hostcfg(s, run_cfg(r)) < 0) {
		pt_scope_free(s);
		pt_err(r->cli->ctx, -ENOMEM, "out of memory");
		return NULL;
	}
	if (pt_host_scan_scope(r->cli->ctx, s, &h) < 0)
		h = NULL;
	pt_scope_free(s);
	return h;
}

static int plan_host(struct run *r)
{
	const char *err;
	int ret;

	pt_host_free(r->h);
	r->h = NULL;
	pt_link_vfs_array_free(r->links, r->n_links);
	r->links = NULL;
	r->n_links = 0;
	pt_want_free(&r->want);
	pt_plan_free(&r->plan);
	r->h = scan_config(r);
	if (!r->h) {
		snprintf(r->error, sizeof(r->error), "cannot read the host: %s",
			 pt_ctx_error(r->cli->ctx));
		return -EIO;
	}
	ret = pt_want_from_config(r->cli->ctx, r->h, run_cfg(r), &r->want);
	if (ret < 0) {
		err = pt_ctx_error(r->cli->ctx);
		if (r->job && r->job->cfg) /* no file, no line: the command line said it */
			snprintf(r->error, sizeof(r->error), "%s: %s", r->file,
				 strncmp(err, "line 0: ", 8) == 0 ? err + 8 : err);
		else
			snprintf(r->error, sizeof(r->error), "%s:%s", r->file, err);
		return ret;
	}
	ret = pt_want_read_links(r->cli->ctx, r->h, &r->want, &r->links, &r->n_links);
	if (ret < 0) {
		snprintf(r->error, sizeof(r->error), "%s", pt_ctx_error(r->cli->ctx));
		return ret;
	}
	ret = pt_plan_build(r->cli->ctx, r->h, r->links, r->n_links, &r->want, &r->plan);
	if (ret < 0)
		snprintf(r->error, sizeof(r->error), "%s", pt_ctx_error(r->cli->ctx));
	return ret;
}

/* ---- output ------------------------------------------------------------------------- */

static const char *result_of(const struct run *r, size_t i)
{
	if (!r->applied || !r->res.results)
		return "planned";
	return pt_step_result_str(r->res.results[i]);
}

static void print_json(struct run *r, unsigned long writes)
{
	struct json j;

	json_doc_begin(&j, stdout, 1);
	if (r->job && r->job->command) {
		JSON_KV_STR(&j, "command", r->job->command);
		JSON_KV_BOOL(&j, "persist", r->job->persist);
		json_key(&j, "persist_file");
		json_str_or_null(&j, r->persisted);
	}
	JSON_KV_BOOL(&j, "dry_run", r->dry_run || r->verify);
	JSON_KV_BOOL(&j, "verify", r->verify);
	json_key(&j, "config");
	json_str(&j, r->file);
	json_key(&j, "changes");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->plan.n; i++) {
		const struct pt_action *a = &r->plan.actions[i];

		json_obj_begin(&j);
		JSON_KV_STR(&j, "action", pt_action_kind_str(a->kind));
		JSON_KV_STR(&j, "device", a->device);
		json_key(&j, "pf");
		if (a->vf >= 0 || a->kind == PT_ACT_SET_NUMVFS || a->kind == PT_ACT_SET_AUTOPROBE ||
		    a->kind == PT_ACT_WAIT_VFS) {
			char b[PT_BDF_STRLEN];

			json_str(&j, pt_bdf_format(&a->pf, b));
		} else {
			json_null(&j);
		}
		json_key(&j, "vf");
		json_int_or_null(&j, a->vf);
		JSON_KV_STR(&j, "field", a->field);
		json_key(&j, "from");
		json_str_or_null(&j, a->from);
		json_key(&j, "to");
		json_str_or_null(&j, a->to);
		JSON_KV_STR(&j, "description", a->desc);
		JSON_KV_STR(&j, "result", result_of(r, i));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "writes");
	json_uint(&j, writes);
	json_key(&j, "refused");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->n_refused; i++) {
		json_obj_begin(&j);
		JSON_KV_STR(&j, "device", r->refused[i].device);
		JSON_KV_STR(&j, "kind", r->refused[i].kind);
		JSON_KV_STR(&j, "reason", r->refused[i].reason);
		JSON_KV_STR(&j, "blocker", r->refused[i].blocker);
		json_key(&j, "override");
		json_str_or_null(&j, r->refused[i].overridable ? "--force" : NULL);
		JSON_KV_BOOL(&j, "forced", r->force && r->refused[i].overridable);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "rollback");
	if (r->res.rolled_back) {
		json_obj_begin(&j);
		JSON_KV_STR(&j, "reason", r->res.error);
		JSON_KV_BOOL(&j, "ok", r->res.rollback_ok);
		json_key(&j, "steps");
		json_uint(&j, r->res.rollback_steps);
		json_key(&j, "error");
		json_str_or_null(&j, r->res.rollback_error);
		json_obj_end(&j);
	} else {
		json_null(&j);
	}
	json_key(&j, "recovery");
	if (r->res.recovered) {
		json_obj_begin(&j);
		JSON_KV_STR(&j, "what", r->res.recovery);
		json_key(&j, "steps");
		json_uint(&j, r->res.recovery_steps);
		json_obj_end(&j);
	} else {
		json_null(&j);
	}
	json_key(&j, "hugepages_short");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->res.n_hp_short; i++) {
		const struct pt_hp_shortfall *f = &r->res.hp_short[i];

		json_obj_begin(&j);
		JSON_KV_INT(&j, "node", f->node);
		JSON_KV_INT(&j, "size_kb", f->size_kb);
		JSON_KV_INT(&j, "asked", f->asked);
		JSON_KV_INT(&j, "granted", f->granted);
		JSON_KV_INT(&j, "tries", f->tries);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "remaining");
	if (r->applied)
		json_uint(&j, r->remaining);
	else
		json_null(&j);
	json_key(&j, "error");
	json_str_or_null(&j, r->error);
	json_obj_end(&j);
	json_end(&j);
}

static void print_final(struct run *r)
{
	struct pt_host *h = r->h;

	if (!h)
		return;
	printf("state:\n");
	for (size_t i = 0; i < r->want.n_pfs; i++) {
		const struct pt_device *pf = pt_host_find(h, &r->want.pfs[i].bdf);
		const struct pt_link_vfs *link = NULL;

		if (!pf)
			continue;
		for (size_t k = 0; k < r->n_links && pf->n_netdevs; k++)
			if (strcmp(r->links[k].ifname, pf->netdevs[0]) == 0)
				link = &r->links[k];
		printf("  %s%s%s%s  %s, %d VF%s, sriov_drivers_autoprobe %d\n", pf->name,
		       pf->n_netdevs ? " (" : "", pf->n_netdevs ? pf->netdevs[0] : "",
		       pf->n_netdevs ? ")" : "", pf->driver[0] ? pf->driver : "unbound",
		       pf->sriov_numvfs, pf->sriov_numvfs == 1 ? "" : "s", pf->sriov_drivers_autoprobe);
		for (size_t v = 0; v < pf->n_vfs; v++) {
			const struct pt_device *vf = pt_host_find(h, &pf->vfs[v]);
			const struct pt_vf_info *in = link ? pt_link_vf(link, (int)v) : NULL;

			printf("    vf%-3zu %s  %-10s", v, vf ? vf->name : "?",
			       vf && vf->driver[0] ? vf->driver : "unbound");
			if (in) {
				const uint8_t *m = in->mac;

				printf(" mac %02x:%02x:%02x:%02x:%02x:%02x vlan %d spoofchk %s trust %s",
				       m[0], m[1], m[2], m[3], m[4], m[5], in->vlan,
				       pt_tri_str(in->spoofchk), pt_tri_str(in->trust));
			}
			printf("\n");
		}
	}
	for (size_t i = 0; i < r->want.n_hps; i++) {
		const struct pt_want_hp *w = &r->want.hps[i];

		for (size_t k = 0; k < h->n_nodes; k++)
			for (size_t p = 0; h->nodes[k].id == w->node && p < h->nodes[k].n_hugepages &&
					   p < 8; p++)
				if (h->nodes[k].hugepages[p].size_kb == w->size_kb)
					printf("  node %d  %ldkB huge pages: %ld reserved, %ld free\n",
					       w->node, w->size_kb, h->nodes[k].hugepages[p].total,
					       h->nodes[k].hugepages[p].free);
	}
	for (size_t i = 0; i < r->want.n_devs; i++) {
		const struct pt_device *d = pt_host_find(h, &r->want.devs[i].bdf);

		if (d)
			printf("  %s  %s%s%s\n", d->name, d->driver[0] ? d->driver : "unbound",
			       d->driver_override[0] ? ", driver_override " : "", d->driver_override);
	}
}

/* One-shot commands: where the change was recorded, or that it will not last. */
static void print_persist(const struct run *r)
{
	if (!r->job || !r->job->command || r->verify)
		return;
	if (r->persisted[0])
		printf("%s %s: the boot-time apply makes it so again\n",
		       r->dry_run ? "would record in" : "recorded in", r->persisted);
	else if (!r->job->persist && !r->error[0])
		printf("not persistent: this does not survive a reboot (--persist records it for "
		       "the boot-time apply)\n");
}

static void print_text(struct run *r, unsigned long writes)
{
	const char *verb = r->verify ? "changes would undo the drift"
			   : r->dry_run ? "changes planned (dry run: nothing written)" : "changes";

	if (r->res.recovered)
		printf("recovered: %s\n", r->res.recovery);
	if (r->job && r->job->note)
		printf("%s\n", r->job->note);
	for (size_t i = 0; i < r->n_refused; i++) {
		const struct pt_refusal *f = &r->refused[i];

		printf("%s %s (%s%s%s): %s%s\n", r->force && f->overridable ? "FORCED" : "refused",
		       f->device, f->kind, strcmp(f->blocker, f->device) ? ", blocked by " : "",
		       strcmp(f->blocker, f->device) ? f->blocker : "", f->reason,
		       f->overridable ? (r->force ? "" : " [--force overrides]")
				      : " [--force does not override this]");
	}
	if (r->plan.n == 0 && !r->error[0]) {
		printf("%s: converged, nothing to do (%lu write%s)\n", r->file, writes,
		       writes == 1 ? "" : "s");
	} else if (r->plan.n) {
		printf("%s: %zu %s\n", r->file, r->plan.n, verb);
		for (size_t i = 0; i < r->plan.n; i++)
			printf("  %-11s %s\n", result_of(r, i), r->plan.actions[i].desc);
	}
	for (size_t i = 0; i < r->res.n_hp_short; i++) {
		const struct pt_hp_shortfall *f = &r->res.hp_short[i];

		printf("warning: node %d: asked for %ld huge pages of %ldkB, the kernel granted %ld "
		       "(%d writes, memory compacted between them)\n", f->node, f->asked, f->size_kb,
		       f->granted, f->tries);
	}
	if (r->res.rolled_back)
		printf("rollback: %s (%zu step%s)%s%s\n",
		       r->res.rollback_ok ? "the prior state is restored" : "FAILED",
		       r->res.rollback_steps, r->res.rollback_steps == 1 ? "" : "s",
		       r->res.rollback_ok ? "" : ": ", r->res.rollback_ok ? "" : r->res.rollback_error);
	if (r->applied) {
		printf("%lu write%s", writes, writes == 1 ? "" : "s");
		if (!r->res.rolled_back)
			printf(", %s", r->remaining ? "NOT converged" : "converged");
		printf("\n");
		if (!r->res.rolled_back)
			print_final(r);
	}
	print_persist(r);
}

static void run_free(struct run *r)
{
	pt_apply_result_free(&r->res);
	pt_plan_free(&r->plan);
	pt_want_free(&r->want);
	pt_link_vfs_array_free(r->links, r->n_links);
	pt_host_free(r->h);
	free(r->refused);
	pt_config_file_free(&r->conf);
}

static int finish(struct run *r, int status)
{
	unsigned long writes = pt_ctx_write_count(r->cli->ctx);

	if (r->error[0])
		cli_error("%s", r->error);
	if (r->cli->json)
		print_json(r, writes);
	else
		print_text(r, writes);
	if (getenv("PASSTHRU_APPLY_RUSAGE")) { /* for docs/BENCHMARKS.md */
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "rusage: user %ld.%06ld sys %ld.%06ld\n", (long)ru.ru_utime.tv_sec,
			(long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
	}
	run_free(r);
	return status;
}

int cmd_apply(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verify", no_argument, NULL, 'V' },
		{ "force", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct apply_job job = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "nVft:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': job.dry_run = true; break;
		case 'V': job.verify = true; break;
		case 'f': job.force = true; break;
		case 't':
			if (cli_timeout_arg(optarg, &job.timeout_ms) < 0)
				return EXIT_ERROR;
			break;
		case 'j': cli->json = true; break;
		default:
			cli_usage(stderr, "apply");
			return EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		cli_error(optind < argc ? "apply: one config file, not several"
					: "apply: which config file? (passthru apply /etc/passthru/host.yaml)");
		return EXIT_ERROR;
	}
	job.label = argv[optind];
	return apply_job_run(cli, &job);
}

int cli_timeout_arg(const char *arg, int *ms)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || v <= 0 || v > 3600000) {
		cli_error("--timeout: '%s' is not a number of milliseconds (1..3600000)", arg);
		return -1;
	}
	*ms = (int)v;
	return 0;
}

/* Records a one-shot change where the boot-time apply finds it (docs/apply.md). */
static void persist(struct run *r)
{
	char err[512];

	if (!r->job || !r->job->persist || !r->job->cfg)
		return;
	if (pt_hostcfg_persist(r->cli->ctx, r->job->cfg, r->job->persist_name, r->dry_run,
			       r->persisted, sizeof(r->persisted)) < 0) {
		snprintf(err, sizeof(err), "%s", pt_ctx_error(r->cli->ctx));
		snprintf(r->error, sizeof(r->error), "applied, but not recorded for the next boot: %s",
			 err);
	}
}

int apply_job_run(struct cli *cli, const struct apply_job *job)
{
	struct pt_apply_opts o = { .state_dir = cli->state_dir, .timeout_ms = job->timeout_ms };
	struct pt_journal *j = NULL;
	struct run r = { .cli = cli, .job = job, .file = job->label, .dry_run = job->dry_run,
			 .verify = job->verify, .force = job->force };
	const char *crash;
	int ret;

	o.config = r.file;
	crash = getenv("PASSTHRU_CRASH_AFTER_STEP"); /* test-only, see docs/apply.md */
	if (crash && *crash)
		o.crash_after_step = atoi(crash);

	if (!job->cfg && load_config(&r) < 0)
		return finish(&r, EXIT_ERROR);
	/* --persist that could not be recorded (a drop-in directory linked away) is
	 * refused before anything is written, not after */
	if (job->persist && job->cfg &&
	    pt_hostcfg_persist(cli->ctx, job->cfg, job->persist_name, true, r.persisted,
			       sizeof(r.persisted)) < 0) {
		snprintf(r.error, sizeof(r.error), "--persist: %s; nothing was written",
			 pt_ctx_error(cli->ctx));
		r.persisted[0] = '\0';
		return finish(&r, EXIT_FAIL);
	}
	if (!r.dry_run && !r.verify) {
		ret = pt_journal_open(cli->ctx, o.state_dir, o.lock_wait_ms ? o.lock_wait_ms : 30000, &j);
		if (ret < 0) {
			snprintf(r.error, sizeof(r.error), "%s", pt_ctx_error(cli->ctx));
			return finish(&r, EXIT_ERROR);
		}
		ret = pt_apply_recover(cli->ctx, j, &o, &r.res);
		if (ret < 0) {
			snprintf(r.error, sizeof(r.error), "%s", pt_ctx_error(cli->ctx));
			pt_journal_close(j);
			return finish(&r, EXIT_FAIL);
		}
	}
	if (plan_host(&r) < 0) {
		pt_journal_close(j);
		return finish(&r, EXIT_ERROR);
	}
	if (check_safety(&r) < 0) {
		pt_journal_close(j);
		return finish(&r, EXIT_ERROR);
	}
	if (r.verify) {
		if (r.plan.n)
			snprintf(r.error, sizeof(r.error), "%s: the host has drifted: %zu change%s "
				 "would make it match", r.file, r.plan.n, r.plan.n == 1 ? "" : "s");
		return finish(&r, r.plan.n ? EXIT_FAIL : EXIT_OK);
	}
	if (r.n_refused) {
		size_t hard = 0, held = 0; /* --force does not lift a lease */

		for (size_t i = 0; i < r.n_refused; i++) {
			hard += !r.refused[i].overridable;
			held += !r.force || !r.refused[i].overridable;
		}
		if (held) {
			snprintf(r.error, sizeof(r.error), "refused: %zu blocker%s the host or a VM "
				 "needs kept, or that would be unsafe; nothing was written (%s)", held,
				 held == 1 ? "" : "s",
				 hard == held ? "release the leases first: --force does not override them"
				 : hard ? "--force overrides all but the leases: release those first"
					: "--force to do it anyway");
			pt_journal_close(j);
			return finish(&r, EXIT_FAIL);
		}
	}
	if (r.dry_run) {
		persist(&r);
		return finish(&r, EXIT_OK);
	}

	r.applied = true;
	o.force = true; /* judged above by the same gate; --force overrode what it refused */
	ret = pt_apply_run(cli->ctx, j, r.h, r.links, r.n_links, &r.plan, &o, &r.res);
	pt_journal_close(j);
	if (ret < 0) {
		snprintf(r.error, sizeof(r.error), "%s%s", r.res.error,
			 r.res.rolled_back ? (r.res.rollback_ok ? "; rolled back" : "; ROLLBACK FAILED")
					   : "");
		return finish(&r, EXIT_FAIL);
	}
	/* what the host is now, and whether a fresh plan still finds work */
	if (r.plan.n) {
		struct pt_plan done = r.plan;

		r.plan = (struct pt_plan){ 0 };
		if (plan_host(&r) == 0)
			r.remaining = r.plan.n;
		pt_plan_free(&r.plan);
		r.plan = done;
		if (r.remaining) {
			snprintf(r.error, sizeof(r.error), "applied, but a fresh plan still finds %zu "
				 "change%s: the kernel did not keep what was written (see dmesg)",
				 r.remaining, r.remaining == 1 ? "" : "s");
			return finish(&r, EXIT_FAIL);
		}
	}
	persist(&r);
	return finish(&r, r.error[0] ? EXIT_FAIL : EXIT_OK);
}
