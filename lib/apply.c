// SPDX-License-Identifier: MIT
/*
 * Executes an apply plan with the kernel's rules: every sysfs write through
 * pt_write_attr (counted, failure-injectable, bounded by a timeout when it can
 * block), VF settings through rtnetlink, a bounded poll for VFs after sriov_numvfs,
 * and the driver checked after every drivers_probe. Each step is journaled before
 * and after its write; a failed step makes the run converge back to the snapshot of
 * prior values (the rollback), and a run that finds an unfinished journal undoes it.
 */
#include "internal.h"
#include "passthru/parse.h"
#include "passthru/safety.h"
#include "passthru/state.h"
#include "sysfs-paths.h"
#include "passthru/apply.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 30000

const char *pt_step_result_str(enum pt_step_result r)
{
	switch (r) {
	case PT_STEP_PLANNED: return "planned";
	case PT_STEP_DONE: return "done";
	case PT_STEP_FAILED: return "failed";
	case PT_STEP_ROLLED_BACK: return "rolled-back";
	case PT_STEP_SKIPPED: return "skipped";
	}
	return "?";
}

void pt_apply_result_free(struct pt_apply_result *r)
{
	if (!r)
		return;
	free(r->results);
	r->results = NULL;
}

void pt_boot_id(const struct pt_ctx *ctx, char *buf, size_t len)
{
	if (pt_read_attr(ctx, buf, len, "/proc/sys/kernel/random/boot_id") <= 0)
		pt_strlcpy(buf, "unknown", len);
}

int pt_want_read_links(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_want *want,
		       struct pt_link_vfs **links, size_t *n)
{
	const char *names[256];
	size_t k = pt_want_netdevs(h, want, names, 256);
	struct pt_link_vfs *v = NULL;
	size_t nv = 0;

	if (k > 256)
		k = 256;
	for (size_t i = 0; i < k; i++) {
		struct pt_link_vfs l = { 0 };
		bool needed = false;
		int r = pt_nl_get_vfs(ctx, names[i], &l);

		if (r < 0) {
			/* the settings are needed only when some VF of this PF has one wanted */
			for (size_t p = 0; p < want->n_pfs; p++) {
				const struct pt_device *pf = pt_host_find(h, &want->pfs[p].bdf);

				if (pf && pf->n_netdevs && strcmp(pf->netdevs[0], names[i]) == 0)
					for (size_t q = 0; q < want->pfs[p].n_vfs; q++)
						if (want->pfs[p].vfs[q].set.has)
							needed = true;
			}
			if (!needed)
				continue;
			char why[sizeof(ctx->err)];

			/* pt_err() writes the buffer pt_ctx_error() returns: copy it first */
			pt_strlcpy(why, pt_ctx_error(ctx), sizeof(why));
			pt_link_vfs_array_free(v, nv);
			return pt_err(ctx, r, "reading the VF settings of %s: %s", names[i], why);
		}
		if (PT_PUSH(v, nv, l)) {
			pt_link_vfs_free(&l);
			pt_link_vfs_array_free(v, nv);
			return pt_err(ctx, -ENOMEM, "out of memory");
		}
	}
	*links = v;
	*n = nv;
	return 0;
}

/* ---- one action ------------------------------------------------------------------- */

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *base(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

/* The function an action is about: a VF is looked up again through its PF's virtfn
 * link (it may not have existed when the plan was made). */
static int target(struct pt_ctx *ctx, const struct pt_action *a, char *bdf, size_t len)
{
	char link[512], pf[PT_BDF_STRLEN];

	if (a->vf < 0) {
		pt_strlcpy(bdf, a->device, len);
		return 0;
	}
	pt_bdf_format(&a->pf, pf);
	if (pt_readlink(ctx, link, sizeof(link), PT_SYSFS_PCI_DEVICES "/%s/virtfn%d", pf, a->vf) < 0)
		return pt_err(ctx, -ENODEV, "%s: VF %d does not exist (no virtfn%d link)", pf, a->vf,
			      a->vf);
	pt_strlcpy(bdf, base(link), len);
	return 0;
}

static void current_driver(struct pt_ctx *ctx, const char *bdf, char *buf, size_t len)
{
	char link[512];

	if (pt_readlink(ctx, link, sizeof(link), PT_SYSFS_PCI_DEVICES "/%s/driver", bdf) >= 0)
		pt_strlcpy(buf, base(link), len);
	else
		buf[0] = '\0';
}

static int wait_vfs(struct pt_ctx *ctx, const struct pt_action *a, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	char pf[PT_BDF_STRLEN];
	int have = 0;

	pt_bdf_format(&a->pf, pf);
	for (;;) {
		bool ok;

		have = 0;
		while (have < 4096 && pt_exists(ctx, PT_SYSFS_PCI_DEVICES "/%s/virtfn%d", pf, have))
			have++;
		ok = have == a->count;
		if (ok)
			return 0;
		if (now_ms() >= deadline)
			break;
		usleep(20000);
	}
	return pt_err(ctx, -ETIMEDOUT, "%s: %d VF%s expected after writing sriov_numvfs, the kernel "
		      "shows %d after %d ms (is the PF's driver bound? see dmesg)", pf, a->count,
		      a->count == 1 ? "" : "s", have, timeout_ms);
}

static int ifindex_of(struct pt_ctx *ctx, const struct pt_action *a)
{
	char buf[32];

	if (a->ifindex > 0)
		return a->ifindex;
	if (pt_read_attr(ctx, buf, sizeof(buf), "/sys/class/net/%s/ifindex", a->ifname) <= 0)
		return pt_err(ctx, -ENODEV, "%s: no such network interface", a->ifname);
	return atoi(buf);
}

/* nr_hugepages of one node and size: written, read back, and when the kernel grants
 * fewer (free memory on the node is fragmented, or there is not enough), memory is
 * compacted and the count written again, PT_HP_TRIES writes in all. Page cache is never
 * dropped (that is the administrator's call: it costs every other process its cache). */
static int set_hugepages(struct pt_ctx *ctx, const struct pt_action *a,
			 struct pt_apply_result *res)
{
	char path[160], val[32], buf[32];
	long got = -1;
	int tries, r;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/hugepages/hugepages-%ldkB/"
		 "nr_hugepages", a->node, a->size_kb);
	snprintf(val, sizeof(val), "%ld\n", a->pages);
	for (tries = 1;; tries++) {
		r = pt_write_attr(ctx, val, 0, "%s", path);
		if (r < 0)
			return r;
		if (pt_read_attr(ctx, buf, sizeof(buf), "%s", path) <= 0 || pt_parse_long(buf, &got) < 0)
			return pt_err(ctx, -EIO, "%s: cannot read nr_hugepages back after writing %ld",
				      path, a->pages);
		if (got >= a->pages || tries >= PT_HP_TRIES)
			break;
		/* best effort: a sysroot without it, or a kernel without compaction, retries
		 * all the same */
		pt_write_attr(ctx, "1\n", 0, "/proc/sys/vm/compact_memory");
	}
	if (got == a->pages)
		return 0;
	if (got > a->pages)
		return pt_err(ctx, -EBUSY, "node %d: nr_hugepages of %ldkB pages reads %ld after "
			      "writing %ld: the kernel kept pages it could not give back", a->node,
			      a->size_kb, got, a->pages);
	if (res && res->n_hp_short < sizeof(res->hp_short) / sizeof(res->hp_short[0]))
		res->hp_short[res->n_hp_short++] = (struct pt_hp_shortfall){
			.node = a->node, .size_kb = a->size_kb, .asked = a->pages, .granted = got,
			.tries = tries };
	return pt_err(ctx, -ENOMEM, "node %d: asked for %ld huge pages of %ldkB, the kernel "
		      "granted %ld (%d writes, memory compacted between them): the node lacks "
		      "that much free contiguous memory. Ask for fewer, free memory on the node, "
		      "or reserve them at boot (hugepagesz= hugepages=%d:%ld on the kernel command "
		      "line)", a->node, a->pages, a->size_kb, got, tries, a->node, a->pages);
}

static int exec_action(struct pt_ctx *ctx, const struct pt_action *a, int timeout_ms,
		       struct pt_apply_result *res)
{
	char pf[PT_BDF_STRLEN], bdf[64], drv[64], val[80];
	int r;

	pt_bdf_format(&a->pf, pf);
	switch (a->kind) {
	case PT_ACT_SET_AUTOPROBE:
		/* values end in a newline, as the kernel shows them (and its parsers accept) */
		snprintf(val, sizeof(val), "%d\n", a->count);
		return pt_write_attr(ctx, val, 0, PT_SYSFS_PCI_DEVICES "/%s/sriov_drivers_autoprobe", pf);
	case PT_ACT_SET_NUMVFS:
		snprintf(val, sizeof(val), "%d\n", a->count);
		r = pt_write_attr(ctx, val, timeout_ms, PT_SYSFS_PCI_DEVICES "/%s/sriov_numvfs", pf);
		if (r == -EBUSY)
			return pt_err(ctx, r, "%s: the kernel refused sriov_numvfs %d with EBUSY: VFs "
				      "exist (a count changes through 0) or one is still in use", pf,
				      a->count);
		return r;
	case PT_ACT_WAIT_VFS:
		return wait_vfs(ctx, a, timeout_ms);
	case PT_ACT_SET_VF_MAC:
	case PT_ACT_SET_VF_VLAN:
	case PT_ACT_SET_VF_RATE:
	case PT_ACT_SET_VF_SPOOFCHK:
	case PT_ACT_SET_VF_TRUST:
	case PT_ACT_SET_VF_LINK_STATE:
	case PT_ACT_SET_VF_QUERY_RSS:
		r = ifindex_of(ctx, a);
		if (r < 0)
			return r;
		return pt_nl_set_vf(ctx, r, &a->set);
	case PT_ACT_SET_DRIVER_OVERRIDE:
		r = target(ctx, a, bdf, sizeof(bdf));
		if (r < 0)
			return r;
		/* a lone newline clears it (an empty write would not reach the kernel) */
		snprintf(val, sizeof(val), "%s\n", a->to);
		return pt_write_attr(ctx, val, 0, PT_SYSFS_PCI_DEVICES "/%s/driver_override", bdf);
	case PT_ACT_UNBIND:
		r = target(ctx, a, bdf, sizeof(bdf));
		if (r < 0)
			return r;
		current_driver(ctx, bdf, drv, sizeof(drv));
		if (!drv[0])
			return 0; /* already unbound: nothing to write */
		return pt_write_attr(ctx, bdf, timeout_ms, PT_SYSFS_PCI_DEVICES "/%s/driver/unbind", bdf);
	case PT_ACT_PROBE:
		r = target(ctx, a, bdf, sizeof(bdf));
		if (r < 0)
			return r;
		r = pt_write_attr(ctx, bdf, timeout_ms, PT_SYSFS_PCI_DRIVERS_PROBE);
		if (r < 0)
			return r;
		current_driver(ctx, bdf, drv, sizeof(drv));
		if (a->driver[0] && strcmp(drv, a->driver) != 0)
			return pt_err(ctx, -ENODEV, "%s: drivers_probe left it %s%s, not bound to %s "
				      "(is the module loaded? modprobe %s; dmesg says why a probe "
				      "failed)", bdf, drv[0] ? "bound to " : "unbound", drv, a->driver,
				      a->driver);
		return 0;
	case PT_ACT_SET_HUGEPAGES:
		return set_hugepages(ctx, a, res);
	}
	return pt_err(ctx, -EINVAL, "unknown action %d", (int)a->kind);
}

/* ---- converging back to a snapshot ------------------------------------------------ */

/* 0 when the host is back at want; else -errno with the sentence in ctx. */
static int converge_to(struct pt_ctx *ctx, const struct pt_want *want, int timeout_ms,
		       size_t *steps)
{
	/* up to two passes, each checked by a fresh plan: a count change can only be
	 * judged complete once the VFs exist again */
	for (int pass = 0; pass < 3; pass++) {
		struct pt_link_vfs *links = NULL;
		struct pt_plan plan;
		struct pt_host *h = NULL;
		size_t nl = 0;
		int r;

		r = pt_host_scan(ctx, &h);
		if (r < 0)
			return pt_err(ctx, r, "re-reading the host: %s", pt_ctx_error(ctx));
		r = pt_want_read_links(ctx, h, want, &links, &nl);
		if (r < 0) {
			pt_host_free(h);
			return r;
		}
		r = pt_plan_build(ctx, h, links, nl, want, &plan);
		pt_link_vfs_array_free(links, nl);
		pt_host_free(h);
		if (r < 0)
			return r;
		if (plan.n == 0) {
			pt_plan_free(&plan);
			return 0;
		}
		if (pass == 2) {
			r = pt_err(ctx, -EAGAIN, "the host did not reach the recorded state after two "
				   "passes: %s is still planned", plan.actions[0].desc);
			pt_plan_free(&plan);
			return r;
		}
		for (size_t i = 0; i < plan.n; i++) {
			r = exec_action(ctx, &plan.actions[i], timeout_ms, NULL);
			if (r < 0) {
				pt_err(ctx, r, "%s: %s", plan.actions[i].desc, pt_ctx_error(ctx));
				pt_plan_free(&plan);
				return r;
			}
			(*steps)++;
		}
		pt_plan_free(&plan);
	}
	return -EAGAIN;
}

static int timeout_of(const struct pt_apply_opts *o)
{
	return o && o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
}

int pt_apply_recover(struct pt_ctx *ctx, struct pt_journal *j, const struct pt_apply_opts *o,
		     struct pt_apply_result *res)
{
	struct pt_journal_info info;
	char boot[64], err[512];
	int r;

	r = pt_journal_read(j, &info);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG) { /* set aside as apply.journal.bad: nothing can be undone from it */
		res->recovered = true;
		snprintf(res->recovery, sizeof(res->recovery), "%s", pt_ctx_error(ctx));
		return 0;
	}
	if (r < 0)
		return r;
	res->recovered = true;
	if (!info.incomplete && !(o && o->undo_finished)) {
		snprintf(res->recovery, sizeof(res->recovery), "a finished journal of run %s was left "
			 "in place; set aside", info.run_id);
		goto finish;
	}
	if (info.steps_started == 0) {
		snprintf(res->recovery, sizeof(res->recovery), "run %s (pid %d) stopped before its "
			 "first write: nothing to undo", info.run_id, info.pid);
		goto finish;
	}
	pt_boot_id(ctx, boot, sizeof(boot));
	if (strcmp(boot, info.boot_id) != 0 || strcmp(boot, "unknown") == 0) {
		snprintf(res->recovery, sizeof(res->recovery), "run %s (pid %d) did not finish "
			 "(%zu of %zu steps started), but the host has rebooted since: the kernel "
			 "state it changed is gone, so there is nothing to undo", info.run_id,
			 info.pid, info.steps_started, info.steps_total);
		goto finish;
	}
	/* Undo rather than finish: the values before the run are known exactly from the
	 * journal, while the config it was applying may have changed since. The apply that
	 * follows plans from the restored state, so the host converges either way. */
	pt_journal_record(j, "rollback-begin", -1, "recovering an unfinished run");
	r = converge_to(ctx, &info.prior, timeout_of(o), &res->recovery_steps);
	if (r < 0) {
		pt_strlcpy(err, pt_ctx_error(ctx), sizeof(err));
		pt_journal_record(j, "rollback-failed", -1, err);
		snprintf(res->recovery, sizeof(res->recovery), "run %s (pid %d) stopped after %zu "
			 "of %zu steps; undoing it failed: %s", info.run_id, info.pid,
			 info.steps_started, info.steps_total, err);
		pt_journal_info_free(&info);
		return pt_err(ctx, r, "%s", res->recovery);
	}
	pt_journal_record(j, "recovered", -1, NULL);
	snprintf(res->recovery, sizeof(res->recovery), "run %s (pid %d) was stopped after %zu of %zu "
		 "steps (killed, crashed or lost power): undone with %zu write%s back to the "
		 "values it journaled before writing, then planned afresh", info.run_id, info.pid,
		 info.steps_started, info.steps_total, res->recovery_steps,
		 res->recovery_steps == 1 ? "" : "s");
finish:
	pt_journal_info_free(&info);
	return pt_journal_finish(j);
}

/* The safety gate (pt_safety_check_plan) with the active leases: 0, or -EPERM with
 * every refusal in res->error, before anything is written. */
static int gate(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_plan *plan,
		const struct pt_apply_opts *o, struct pt_apply_result *res)
{
	struct pt_safety_opts so = { .own_vm = o ? o->own_vm : NULL };
	struct pt_safety_result sr;
	struct pt_lease *leases = NULL;
	size_t used = 0;
	char warn[320];
	int r;

	pt_state_active_leases(ctx, o ? o->state_dir : NULL, &leases, &so.n_leases, warn,
			       sizeof(warn));
	so.leases = leases;
	r = pt_safety_check_plan(ctx, h, plan, &so, &sr);
	free(leases);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sr.n_refused && used < sizeof(res->error); i++)
		used += (size_t)snprintf(res->error + used, sizeof(res->error) - used, "%srefused %s (%s): %s",
					 i ? "; " : "", sr.refused[i].device, sr.refused[i].kind,
					 sr.refused[i].reason);
	r = sr.n_refused ? -EPERM : 0;
	pt_safety_result_free(&sr);
	if (r < 0)
		return pt_err(ctx, r, "%s (nothing was written)", res->error);
	return 0;
}

/* Each step journaled, then written, then journaled as done; the first failure stops
 * the run with res->failed_step and res->error set. Nothing unjournaled is written. */
static void run_steps(struct pt_ctx *ctx, struct pt_journal *j, const struct pt_plan *plan,
		      const struct pt_apply_opts *o, int timeout, struct pt_apply_result *res)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct pt_action *a = &plan->actions[i];
		int r;

		r = pt_journal_step(j, i, a);
		if (r < 0) {
			snprintf(res->error, sizeof(res->error), "%s", pt_ctx_error(ctx));
			res->failed_step = i;
			res->results[i] = PT_STEP_FAILED;
			return;
		}
		r = exec_action(ctx, a, timeout, res);
		if (o && o->crash_after_step > 0 && (size_t)o->crash_after_step == i + 1)
			raise(SIGKILL); /* test-only: PASSTHRU_CRASH_AFTER_STEP */
		if (r < 0) {
			res->results[i] = PT_STEP_FAILED;
			res->failed_step = i;
			snprintf(res->error, sizeof(res->error), "%s", pt_ctx_error(ctx));
			pt_journal_record(j, "fail", (long)i, res->error);
			return;
		}
		res->results[i] = PT_STEP_DONE;
		pt_journal_record(j, "ok", (long)i, NULL);
	}
}

/* Every step done: the journal says so and is set aside (unless the caller keeps it
 * until its own record is written, as assign does). */
static int finish_run(struct pt_journal *j, const struct pt_apply_opts *o)
{
	int r = pt_journal_record(j, "done", -1, NULL);

	if (r == 0 && !(o && o->keep_journal))
		r = pt_journal_finish(j);
	return r;
}

/* A failed run undone: converge to the values recorded before the first write. When
 * that works the journal is finished; when not it stays, and the next run tries the
 * undo again. Returns -EIO with the failure (res->error) in ctx. */
static int roll_back(struct pt_ctx *ctx, struct pt_journal *j, const struct pt_plan *plan,
		     const struct pt_want *prior, int timeout, struct pt_apply_result *res)
{
	int r;

	res->rolled_back = true;
	pt_journal_record(j, "rollback-begin", -1, NULL);
	r = converge_to(ctx, prior, timeout, &res->rollback_steps);
	if (r < 0)
		pt_strlcpy(res->rollback_error, pt_ctx_error(ctx), sizeof(res->rollback_error));
	res->rollback_ok = r == 0;
	if (r == 0) {
		for (size_t i = 0; i < plan->n; i++)
			if (res->results[i] == PT_STEP_DONE)
				res->results[i] = PT_STEP_ROLLED_BACK;
		pt_journal_record(j, "rollback-done", -1, NULL);
		pt_journal_finish(j);
	} else {
		pt_journal_record(j, "rollback-failed", -1, res->rollback_error);
	}
	return pt_err(ctx, -EIO, "%s", res->error);
}

int pt_apply_run(struct pt_ctx *ctx, struct pt_journal *j, const struct pt_host *h,
		 const struct pt_link_vfs *links, size_t n_links, const struct pt_plan *plan,
		 const struct pt_apply_opts *o, struct pt_apply_result *res)
{
	int timeout = timeout_of(o), r;
	struct pt_want prior;
	char boot[64];

	res->failed_step = (size_t)-1;
	res->results = calloc(plan->n ? plan->n : 1, sizeof(*res->results));
	if (!res->results)
		return pt_err(ctx, -ENOMEM, "out of memory");
	if (plan->n == 0)
		return 0; /* converged: not even the journal is touched */
	if (!(o && o->force) && (r = gate(ctx, h, plan, o, res)) < 0)
		return r;
	r = pt_want_snapshot(h, links, n_links, plan, &prior);
	if (r < 0)
		return pt_err(ctx, r, "out of memory");
	pt_boot_id(ctx, boot, sizeof(boot));
	r = pt_journal_begin(j, boot, o ? o->config : NULL, plan->n, &prior);
	if (r < 0) {
		snprintf(res->error, sizeof(res->error), "%s (nothing was written)", pt_ctx_error(ctx));
	} else {
		run_steps(ctx, j, plan, o, timeout, res);
		if (res->failed_step == (size_t)-1)
			r = finish_run(j, o);
		else
			r = roll_back(ctx, j, plan, &prior, timeout, res);
	}
	pt_want_free(&prior);
	return r;
}
