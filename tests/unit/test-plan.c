// SPDX-License-Identifier: MIT
/*
 * The apply planner and executor (lib/plan.c, lib/apply.c) over the dual-socket fixture
 * (tests/gen/mkhost.py): the i40e PF 0000:18:00.0 (ens1f0) with 4 VFs on iavf, iavf,
 * vfio-pci (no driver_override), iavf; 0000:05:00.0 and 0000:06:00.0 on vfio-pci.
 * VF settings as the PF reports them are built here (links), so the plan is a pure
 * function of (host, links, config). Executions run on a copy of the tree, where
 * writes land in regular files; PASSTHRU_FAIL_WRITE makes one fail.
 *
 * Usage: test-plan FIXTURES_DIR
 */
#include "passthru/apply.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fixtures;
static char tmp[] = "/tmp/pt-test-plan.XXXXXX";

#define PF "0000:18:00.0"

static struct pt_host *scan(struct pt_ctx *ctx)
{
	struct pt_host *h = NULL;

	if (pt_host_scan(ctx, &h) < 0)
		printf("# scan: %s\n", pt_ctx_error(ctx));
	return h;
}

/* ens1f0's 4 VFs: MAC 02:00:00:00:00:0N, VLAN 10+N, spoof check on, trust off */
static struct pt_link_vfs *links4(size_t *n)
{
	struct pt_link_vfs *l = calloc(1, sizeof(*l));

	l->ifindex = 8;
	snprintf(l->ifname, sizeof(l->ifname), "ens1f0");
	l->num_vf = 4;
	l->n_vfs = 4;
	l->vfs = calloc(4, sizeof(*l->vfs));
	for (int i = 0; i < 4; i++) {
		struct pt_vf_info *v = &l->vfs[i];

		v->vf = i;
		v->has_mac = true;
		memcpy(v->mac, (uint8_t[]){ 2, 0, 0, 0, 0, (uint8_t)i }, 6);
		v->vlan = 10 + i;
		v->qos = 0;
		v->vlan_proto = 0x8100;
		v->spoofchk = PT_YES;
		v->trust = PT_NO;
		v->link_state = 0;
		v->min_tx_rate = v->max_tx_rate = 0;
	}
	*n = 1;
	return l;
}

static int cfg(const char *yaml, struct pt_hostcfg *c)
{
	struct pt_cfg_error e;
	int r = pt_hostcfg_parse(yaml, strlen(yaml), "host.yaml", c, &e);

	if (r < 0)
		printf("# config: %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
	return r;
}

/* "kind kind ..." of a plan, for order assertions */
static const char *kinds(const struct pt_plan *p)
{
	static char buf[4096];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n && o < sizeof(buf) - 40; i++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? " " : "",
			      pt_action_kind_str(p->actions[i].kind));
	return buf;
}

/* The plan of yaml on h; on a failure, the context's sentence copied into err. */
static int plan_for(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_link_vfs *l,
		    size_t nl, const char *yaml, struct pt_plan *p, char *err, size_t errlen)
{
	struct pt_hostcfg c = { 0 };
	struct pt_want w;
	int r;

	memset(p, 0, sizeof(*p));
	err[0] = '\0';
	if (cfg(yaml, &c) < 0)
		return -EINVAL;
	r = pt_want_from_config(ctx, h, &c, &w);
	pt_hostcfg_free(&c);
	if (r == 0) {
		r = pt_plan_build(ctx, h, l, nl, &w, p);
		pt_want_free(&w);
	}
	if (r < 0)
		snprintf(err, errlen, "%s", pt_ctx_error(ctx));
	return r;
}

static void test_plans(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h;
	struct pt_link_vfs *l;
	struct pt_plan p;
	char root[4096], err[512];
	size_t nl;
	int r;

	snprintf(root, sizeof(root), "%s/dual-socket", fixtures);
	if (pt_ctx_new(&ctx, root) < 0 || !(h = scan(ctx))) {
		ok(0, "dual-socket scans");
		return;
	}
	l = links4(&nl);

	/* converged: what the host has, said in the config */
	r = plan_for(ctx, h, l, nl,
		     "sriov:\n"
		     "  - pf: { netdev: ens1f0 }\n"
		     "    vfs: 4\n"
		     "    vf_defaults: { spoof_check: true, trust: false }\n"
		     "    vf:\n"
		     "      0: { mac: \"02:00:00:00:00:00\", vlan: 10 }\n"
		     "      3: { mac: \"02:00:00:00:00:03\", vlan: 13, driver: iavf }\n"
		     "passthrough:\n"
		     "  - device: { bdf: \"0000:05:00.0\" }\n",
		     &p, err, sizeof(err));
	is_int(r, 0, "converged config plans");
	is_int(p.n, 0, "a converged host yields an empty plan");
	if (p.n)
		printf("#   %s\n", kinds(&p));
	pt_plan_free(&p);

	/* one VLAN differs: exactly one action, with old and new values */
	r = plan_for(ctx, h, l, nl,
		     "sriov:\n  - pf: { bdf: \"" PF "\" }\n    vf:\n      1: { vlan: 200, qos: 3 }\n",
		     &p, err, sizeof(err));
	is_int(r, 0, "VLAN change plans");
	is_str(kinds(&p), "set_vf_vlan", "one VLAN change: one set_vf_vlan");
	if (p.n == 1) {
		is_str(p.actions[0].from, "11", "from: the VLAN the PF reports");
		is_str(p.actions[0].to, "200 qos 3", "to: VLAN and QoS");
		is_int(p.actions[0].vf, 1, "VF index 1");
		is_str(p.actions[0].device, "0000:18:02.1", "device: the VF's BDF");
		is_str(p.actions[0].ifname, "ens1f0", "through the PF's interface");
		is_int(p.actions[0].ifindex, 8, "ifindex from the link");
	}
	pt_plan_free(&p);

	/* MAC change on a VF kept on its host driver: set, then re-probe (igbvf, iavf read
	 * the MAC when they probe) */
	r = plan_for(ctx, h, l, nl,
		     "sriov:\n  - pf: { bdf: \"" PF "\" }\n    vf:\n      0: { mac: \"02:aa:00:00:00:00\" }\n",
		     &p, err, sizeof(err));
	is_str(kinds(&p), "set_vf_mac unbind probe", "MAC on a host-bound VF: set, unbind, probe");
	if (p.n == 3)
		is_str(p.actions[2].driver, "iavf", "the re-probe expects the same driver");
	pt_plan_free(&p);

	/* rebinding: VF 0 iavf -> vfio-pci; VF 2 already on vfio-pci but without the override;
	 * VF 1 to no driver */
	r = plan_for(ctx, h, l, nl,
		     "sriov:\n  - pf: { bdf: \"" PF "\" }\n    vf:\n"
		     "      0: { driver: vfio-pci }\n      1: { driver: none }\n      2: { driver: vfio-pci }\n",
		     &p, err, sizeof(err));
	is_int(r, 0, "rebinding plans");
	is_str(kinds(&p), "set_driver_override unbind probe unbind set_driver_override",
	       "vfio-pci through driver_override + unbind + drivers_probe; none = unbind; "
	       "a vfio-bound VF gets its override");
	if (p.n == 5) {
		is_str(p.actions[0].to, "vfio-pci", "override to vfio-pci");
		is_str(p.actions[1].from, "iavf", "unbound from iavf");
		is_str(p.actions[2].driver, "vfio-pci", "probe expects vfio-pci");
		is_str(p.actions[3].device, "0000:18:02.1", "VF 1 unbound");
		is_str(p.actions[4].device, "0000:18:02.2", "VF 2's override");
	}
	pt_plan_free(&p);

	/* 4 -> 6 VFs, VF 0 to vfio-pci: autoprobe off first, count through 0, wait, every
	 * setting again, VF 0 bound, autoprobe back, the others probed to the default */
	r = plan_for(ctx, h, l, nl,
		     "sriov:\n  - pf: { bdf: \"" PF "\" }\n    vfs: 6\n"
		     "    vf_defaults: { spoof_check: true }\n"
		     "    vf:\n      0: { mac: \"02:00:00:00:00:00\", vlan: 10, driver: vfio-pci }\n",
		     &p, err, sizeof(err));
	is_int(r, 0, "4 -> 6 plans");
	is_str(kinds(&p),
	       "set_autoprobe set_numvfs wait_vfs set_numvfs wait_vfs set_vf_mac set_vf_vlan "
	       "set_vf_spoofchk set_vf_spoofchk set_vf_spoofchk set_vf_spoofchk set_vf_spoofchk "
	       "set_vf_spoofchk set_driver_override probe set_autoprobe probe probe probe probe probe",
	       "count change: the kernel's order");
	if (p.n > 4) {
		is_str(p.actions[0].to, "0", "autoprobe 0 first");
		is_str(p.actions[1].from, "4", "numvfs from 4");
		is_str(p.actions[1].to, "0", "to 0 (EBUSY otherwise)");
		is_str(p.actions[3].to, "6", "then 6");
		is_int(p.actions[4].count, 6, "wait for 6 VFs");
		is_str(p.actions[5].from, "", "a new VF has no prior value");
	}
	pt_plan_free(&p);

	/* 4 -> 2 without drivers or MACs: no autoprobe dance */
	r = plan_for(ctx, h, l, nl, "sriov:\n  - pf: { bdf: \"" PF "\" }\n    vfs: 2\n", &p, err,
		     sizeof(err));
	is_str(kinds(&p), "set_numvfs wait_vfs set_numvfs wait_vfs", "4 -> 2: through 0");
	pt_plan_free(&p);
	r = plan_for(ctx, h, l, nl, "sriov:\n  - pf: { bdf: \"" PF "\" }\n    vfs: 0\n", &p, err,
		     sizeof(err));
	is_str(kinds(&p), "set_numvfs wait_vfs", "4 -> 0: one write and the wait");
	pt_plan_free(&p);

	/* a whole device to vfio-pci */
	r = plan_for(ctx, h, l, nl, "passthrough:\n  - device: { netdev: enp2s0f0np0 }\n", &p, err,
		     sizeof(err));
	is_str(kinds(&p), "set_driver_override unbind probe", "mlx5 NIC to vfio-pci");
	pt_plan_free(&p);

	/* errors the config cannot be applied with */
	r = plan_for(ctx, h, l, nl, "sriov:\n  - pf: { bdf: \"0000:99:00.0\" }\n    vfs: 1\n", &p, err,
		     sizeof(err));
	is_int(r, -ENODEV, "a PF that is not there: -ENODEV");
	ok(strstr(err, "line 2") && strstr(err, "0000:99:00.0"), "the message names line and PF: %s", err);
	r = plan_for(ctx, h, l, nl, "sriov:\n  - pf: { bdf: \"" PF "\" }\n    vfs: 65\n", &p, err,
		     sizeof(err));
	is_int(r, -EINVAL, "more VFs than sriov_totalvfs: -EINVAL");
	ok(strstr(err, "64") != NULL, "the message says the limit: %s", err);
	r = plan_for(ctx, h, l, nl, "sriov:\n  - pf: { bdf: \"0000:82:00.0\" }\n    vfs: 1\n", &p, err,
		     sizeof(err));
	is_int(r, -EINVAL, "a PF that is not SR-IOV capable: -EINVAL");

	/* the snapshot of what a plan touches is converged by definition */
	r = plan_for(ctx, h, l, nl,
		     "sriov:\n  - pf: { bdf: \"" PF "\" }\n    vfs: 6\n    vf:\n      0: { driver: vfio-pci }\n"
		     "passthrough:\n  - device: { bdf: \"0000:06:00.0\" }\n",
		     &p, err, sizeof(err));
	{
		struct pt_want snap;
		struct pt_plan back;

		/* VF 3 has no MAC assigned (the kernel reports zeros): nothing to restore */
		memset(l[0].vfs[3].mac, 0, 6);
		is_int(pt_want_snapshot(h, l, nl, &p, &snap), 0, "snapshot");
		is_int(snap.n_pfs, 1, "snapshot: the PF");
		is_int(snap.n_devs, 1, "snapshot: the passthrough device");
		if (snap.n_pfs == 1) {
			is_int(snap.pfs[0].numvfs, 4, "snapshot: 4 VFs");
			is_int(snap.pfs[0].autoprobe, 1, "snapshot: autoprobe 1");
			is_int(snap.pfs[0].n_vfs, 4, "snapshot: every VF");
			if (snap.pfs[0].n_vfs == 4) {
				is_str(snap.pfs[0].vfs[2].fn.driver, "vfio-pci", "snapshot: VF 2's driver");
				is_int(snap.pfs[0].vfs[1].set.vlan, 11, "snapshot: VF 1's VLAN");
				ok(snap.pfs[0].vfs[1].set.has & PT_VF_MAC, "snapshot: VF 1's MAC");
				ok(!(snap.pfs[0].vfs[3].set.has & PT_VF_MAC),
				   "snapshot: VF 3's all-zero MAC is not something to restore");
			}
		}
		is_int(pt_plan_build(ctx, h, l, nl, &snap, &back), 0, "plan to the snapshot");
		is_int(back.n, 0, "the host is converged on its own snapshot");
		pt_plan_free(&back);
		pt_want_free(&snap);
	}
	pt_plan_free(&p);

	pt_link_vfs_array_free(l, nl);
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* ---- execution on a copy of the tree ---------------------------------------------- */

static int copy_tree(const char *dst)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s/dual-socket' '%s'", dst, fixtures, dst);
	return system(cmd);
}

static void put(const char *root, const char *rel, const char *content)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static void get(const char *root, const char *rel, char *buf, size_t len)
{
	char path[4096];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* driver_override as the kernel means it: "(null)" and "" are both "unset" */
static const char *ov(const char *root, const char *bdf)
{
	static char buf[4][128];
	static int k;
	char rel[256];
	char *b = buf[k = (k + 1) % 4];

	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/driver_override", bdf);
	get(root, rel, b, 128);
	b[strcspn(b, "\n")] = '\0';
	if (strcmp(b, "(null)") == 0)
		b[0] = '\0';
	return b;
}

static const char *apply_yaml =
	"sriov:\n  - pf: { bdf: \"" PF "\" }\n    drivers_autoprobe: false\n"
	"    vf:\n      2: { driver: vfio-pci }\n"
	"passthrough:\n  - device: { bdf: \"0000:06:00.0\" }\n";

/* Plans and applies apply_yaml on root; returns pt_apply_run's result. */
static int apply_on(const char *root, const char *state, struct pt_apply_result *res,
		    size_t *planned, unsigned long *writes)
{
	struct pt_apply_opts o = { .state_dir = state, .config = "host.yaml", .timeout_ms = 2000 };
	struct pt_hostcfg c = { 0 };
	struct pt_journal *j = NULL;
	struct pt_ctx *ctx;
	struct pt_host *h;
	struct pt_want w;
	struct pt_plan p;
	int r;

	memset(res, 0, sizeof(*res));
	if (pt_ctx_new(&ctx, root) < 0 || !(h = scan(ctx)))
		return -EIO;
	cfg(apply_yaml, &c);
	r = pt_want_from_config(ctx, h, &c, &w);
	pt_hostcfg_free(&c);
	if (r == 0)
		r = pt_plan_build(ctx, h, NULL, 0, &w, &p);
	if (r == 0) {
		*planned = p.n;
		r = pt_journal_open(ctx, state, 1000, &j);
		if (r == 0)
			r = pt_apply_recover(ctx, j, &o, res);
		if (r == 0)
			r = pt_apply_run(ctx, j, h, NULL, 0, &p, &o, res);
		pt_journal_close(j);
		pt_plan_free(&p);
		pt_want_free(&w);
	}
	*writes = pt_ctx_write_count(ctx);
	pt_host_free(h);
	pt_ctx_free(ctx);
	return r;
}

static void test_apply(void)
{
	char root[4200], state[4200], buf[256];
	struct pt_apply_result res;
	unsigned long writes;
	size_t planned = 0;
	int r;

	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(state, sizeof(state), "%s/state", tmp);
	if (!ok(copy_tree(root) == 0, "copy of the dual-socket tree"))
		return;

	/* a failure injected on the third write: the two before are undone */
	setenv("PASSTHRU_FAIL_WRITE", "0000:06:00.0/driver_override", 1);
	r = apply_on(root, state, &res, &planned, &writes);
	unsetenv("PASSTHRU_FAIL_WRITE");
	is_int(planned, 3, "3 changes: autoprobe, VF 2's override, 06:00.0's override");
	ok(r < 0, "the injected failure fails the run");
	is_int(res.failed_step, 2, "step 2 failed");
	ok(res.rolled_back && res.rollback_ok, "rolled back: %s", res.rollback_error);
	is_int(res.rollback_steps, 2, "the rollback undid the 2 steps done");
	if (res.results) {
		is_str(pt_step_result_str(res.results[0]), "rolled-back", "step 0 rolled back");
		is_str(pt_step_result_str(res.results[2]), "failed", "step 2 failed");
	}
	get(root, "/sys/bus/pci/devices/" PF "/sriov_drivers_autoprobe", buf, sizeof(buf));
	is_str(buf, "1\n", "rollback restored sriov_drivers_autoprobe exactly (\"1\\n\")");
	is_str(ov(root, "0000:18:02.2"), "", "rollback restored VF 2's driver_override (unset)");
	is_str(ov(root, "0000:06:00.0"), "", "06:00.0's override never changed");
	is_int(writes, 5, "writes: 3 tried + 2 undone");
	ok(access(strcat(strcpy(buf, state), "/apply.journal.last"), F_OK) == 0,
	   "a rolled-back run leaves apply.journal.last");
	pt_apply_result_free(&res);

	/* the real run */
	r = apply_on(root, state, &res, &planned, &writes);
	is_int(r, 0, "apply succeeds");
	is_int(writes, 3, "3 writes");
	get(root, "/sys/bus/pci/devices/" PF "/sriov_drivers_autoprobe", buf, sizeof(buf));
	is_str(buf, "0\n", "autoprobe written as the kernel shows it");
	is_str(ov(root, "0000:18:02.2"), "vfio-pci", "VF 2's override");
	pt_apply_result_free(&res);

	/* converged: zero writes, the journal untouched */
	r = apply_on(root, state, &res, &planned, &writes);
	is_int(r, 0, "re-apply succeeds");
	is_int(planned, 0, "re-apply: empty plan");
	is_int(writes, 0, "re-apply: zero writes");
	pt_apply_result_free(&res);
}

/* A run killed after its second write, journal made by hand: the next run undoes it. */
static void test_recovery(void)
{
	char root[4200], state[4200], jpath[4300], buf[256];
	struct pt_apply_result res = { 0 };
	struct pt_apply_opts o = { .timeout_ms = 2000 };
	struct pt_journal *j = NULL;
	struct pt_ctx *ctx;
	FILE *f;
	int r;

	snprintf(root, sizeof(root), "%s/rec", tmp);
	snprintf(state, sizeof(state), "%s/rec-state", tmp);
	if (!ok(copy_tree(root) == 0, "copy for recovery"))
		return;
	mkdir(state, 0700);
	put(root, "/proc/sys/kernel/random/boot_id", "");
	snprintf(buf, sizeof(buf), "%s/proc/sys/kernel/random", root);
	{
		char cmd[4400];

		snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && echo 11111111-2222-3333-4444-555555555555 > '%s/boot_id'",
			 buf, buf);
		if (system(cmd) != 0)
			ok(0, "boot_id written");
	}
	/* what the killed run had done: autoprobe 0 and 06:00.0's override */
	put(root, "/sys/bus/pci/devices/" PF "/sriov_drivers_autoprobe", "0\n");
	put(root, "/sys/bus/pci/devices/0000:06:00.0/driver_override", "vfio-pci\n");
	snprintf(jpath, sizeof(jpath), "%s/apply.journal", state);
	f = fopen(jpath, "w");
	fputs("begin 1-42 boot=11111111-2222-3333-4444-555555555555 pid=42 time=1 config=host.yaml steps=3\n"
	      "want-pf " PF " numvfs=4 autoprobe=1\n"
	      "want-dev 0000:06:00.0 driver=vfio-pci has_override=1 override=\n"
	      "step 0 set_autoprobe " PF " vf=-1 field=sriov_drivers_autoprobe from=1 to=0\n"
	      "ok 0\n"
	      "step 1 set_driver_override 0000:06:00.0 vf=-1 field=driver_override from= to=vfio-pci\n"
	      "ok 1\n"
	      "step 2 set_driver_ov", f); /* cut short by the kill */
	fclose(f);

	if (pt_ctx_new(&ctx, root) < 0)
		return;
	r = pt_journal_open(ctx, state, 1000, &j);
	is_int(r, 0, "journal opened");
	r = pt_apply_recover(ctx, j, &o, &res);
	is_int(r, 0, "recovery succeeds");
	ok(res.recovered, "an unfinished run was found");
	ok(strstr(res.recovery, "undone") != NULL, "recovery says it undid the run: %s", res.recovery);
	is_int(res.recovery_steps, 2, "two writes undone");
	get(root, "/sys/bus/pci/devices/" PF "/sriov_drivers_autoprobe", buf, sizeof(buf));
	is_str(buf, "1\n", "autoprobe restored");
	is_str(ov(root, "0000:06:00.0"), "", "override restored");
	ok(access(jpath, F_OK) != 0, "the journal is set aside after recovery");
	pt_journal_close(j);
	pt_apply_result_free(&res);

	/* the same journal from another boot: nothing to undo (the kernel forgot it all) */
	put(root, "/sys/bus/pci/devices/0000:06:00.0/driver_override", "vfio-pci\n");
	f = fopen(jpath, "w");
	fputs("begin 1-42 boot=99999999-2222-3333-4444-555555555555 pid=42 time=1 config=host.yaml steps=1\n"
	      "want-dev 0000:06:00.0 driver=vfio-pci has_override=1 override=\n"
	      "step 0 set_driver_override 0000:06:00.0 vf=-1 field=driver_override from= to=vfio-pci\n", f);
	fclose(f);
	memset(&res, 0, sizeof(res));
	pt_journal_open(ctx, state, 1000, &j);
	r = pt_apply_recover(ctx, j, &o, &res);
	is_int(r, 0, "recovery after a reboot succeeds");
	ok(strstr(res.recovery, "rebooted") != NULL, "it says the host rebooted: %s", res.recovery);
	is_int(res.recovery_steps, 0, "and undoes nothing");
	is_str(ov(root, "0000:06:00.0"), "vfio-pci", "the file is left alone");
	pt_journal_close(j);
	is_int(pt_ctx_write_count(ctx), 2, "writes in all: the 2 of the first recovery");
	pt_ctx_free(ctx);
}

/* A program calling the library's apply gets the refusals the CLI gives: the gate is in
 * pt_apply_run (pt_safety_check_plan), not in src/cmd-apply.c. */
static void test_library_gate(void)
{
	char root[4200], state[4200], cmd[9000];
	struct pt_apply_opts o = { .config = "host.yaml", .timeout_ms = 2000 };
	struct pt_apply_result res = { 0 };
	struct pt_hostcfg c = { 0 };
	struct pt_journal *j = NULL;
	struct pt_ctx *ctx = NULL;
	struct pt_host *h = NULL;
	struct pt_plan p = { 0 };
	bool have_w = false;
	struct pt_want w;
	int r;

	snprintf(root, sizeof(root), "%s/noiommu", tmp);
	snprintf(state, sizeof(state), "%s/state-gate", tmp);
	o.state_dir = state;
	snprintf(cmd, sizeof(cmd), "cp -a '%s/noiommu' '%s'", fixtures, root);
	if (!ok(system(cmd) == 0 && pt_ctx_new(&ctx, root) == 0 && (h = scan(ctx)), "noiommu copy scans"))
		return;
	cfg("passthrough:\n  - device: { bdf: \"0000:00:03.0\" }\n", &c);
	have_w = (r = pt_want_from_config(ctx, h, &c, &w)) == 0;
	pt_hostcfg_free(&c);
	if (r == 0)
		r = pt_plan_build(ctx, h, NULL, 0, &w, &p);
	ok(r == 0 && p.n > 0, "a vfio binding planned on a host without IOMMU (%zu steps)", p.n);
	if (r == 0 && pt_journal_open(ctx, state, 1000, &j) == 0) {
		r = pt_apply_run(ctx, j, h, NULL, 0, &p, &o, &res);
		is_int(r, -EPERM, "pt_apply_run refuses it: %s", pt_ctx_error(ctx));
		ok(strstr(res.error, "no-iommu") != NULL, "naming the cause: %s", res.error);
		is_int((int)pt_ctx_write_count(ctx), 0, "nothing written");
		pt_journal_close(j);
	}
	pt_apply_result_free(&res);
	pt_plan_free(&p);
	if (have_w)
		pt_want_free(&w);
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* hugepages: shrinking pools before growing ones, converged is empty, the prior counts
 * snapshot for the rollback, nodes and sizes the host lacks refused with the line. The
 * fixture: node 0 has 1024 x 2M and 4 x 1G, node 1 512 x 2M and 0 x 1G. */
static void test_hugepages(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h;
	struct pt_plan p;
	struct pt_want snap = { 0 };
	struct pt_hostcfg c = { 0 };
	char root[4096], err[512];
	int r;

	snprintf(root, sizeof(root), "%s/dual-socket", fixtures);
	if (pt_ctx_new(&ctx, root) < 0 || !(h = scan(ctx))) {
		ok(0, "dual-socket scans");
		return;
	}
	r = plan_for(ctx, h, NULL, 0,
		     "hugepages:\n"
		     "  - { node: 1, size: 1G, pages: 2 }\n"
		     "  - { node: 0, size: 2M, pages: 64 }\n"
		     "  - { node: 1, size: 2M, pages: 512 }\n", &p, err, sizeof(err));
	is_int(r, 0, "hugepages: planned (%s)", r ? err : "");
	is_str(kinds(&p), "set_hugepages set_hugepages", "two pools change; node 1's 2M is converged");
	if (p.n == 2) {
		is_str(p.actions[0].device, "node0", "the shrinking pool first (node 0: 1024 -> 64)");
		is_str(p.actions[0].from, "1024", "its prior count");
		is_int(p.actions[0].pages, 64, "its new count");
		is_str(p.actions[1].device, "node1", "then the growing one (node 1: 0 -> 2 x 1G)");
		is_int(p.actions[1].size_kb, 1048576, "1G pages");
		is_str(p.actions[1].field, "hugepages-1048576kB", "the pool named in the journal's step");
	}
	is_int(pt_want_snapshot(h, NULL, 0, &p, &snap), 0, "snapshot");
	ok(snap.n_hps == 2 && snap.hps[0].node == 0 && snap.hps[0].pages == 1024 &&
	   snap.hps[1].node == 1 && snap.hps[1].pages == 0,
	   "the snapshot is the prior counts, sorted by node (a rollback converges to them)");
	if (snap.n_hps == 2) {
		/* the journal writes and reads them back */
		char path[4200];
		struct pt_journal *j = NULL;
		struct pt_journal_info info;

		snprintf(path, sizeof(path), "%s/hpstate", tmp);
		if (pt_journal_open(ctx, path, 1000, &j) == 0 &&
		    pt_journal_begin(j, "b1", "h.yaml", p.n, &snap) == 0 &&
		    pt_journal_step(j, 0, &p.actions[0]) == 0 && pt_journal_read(j, &info) == 0) {
			ok(info.prior.n_hps == 2 && info.prior.hps[0].size_kb == 2048 &&
			   info.prior.hps[0].pages == 1024 && info.prior.hps[1].size_kb == 1048576,
			   "want-hp records round-trip through the journal");
			ok(info.incomplete && info.steps_started == 1, "the run is unfinished after a step");
			pt_journal_info_free(&info);
		} else {
			ok(0, "journal: %s", pt_ctx_error(ctx));
		}
		pt_journal_close(j);
	}
	pt_want_free(&snap);
	pt_plan_free(&p);

	r = plan_for(ctx, h, NULL, 0, "hugepages:\n  - { node: 1, size: 2M, pages: 512 }\n", &p, err,
		     sizeof(err));
	ok(r == 0 && p.n == 0, "the counts the host has: an empty plan (zero writes)");
	pt_plan_free(&p);
	r = plan_for(ctx, h, NULL, 0, "hugepages:\n  - { node: 7, size: 2M, pages: 8 }\n", &p, err,
		     sizeof(err));
	ok(r == -ENODEV && strstr(err, "line 2") && strstr(err, "NUMA node 7"),
	   "a node the host lacks: -ENODEV with the line (%s)", err);
	r = plan_for(ctx, h, NULL, 0, "hugepages:\n  - { node: 0, size: 16M, pages: 8 }\n", &p, err,
		     sizeof(err));
	ok(r == -EINVAL && strstr(err, "16384kB"), "a size the node lacks: -EINVAL (%s)", err);

	/* the schema: pages needs a node; a bare host configuration has no total/free */
	{
		struct pt_cfg_error e;
		const char *y1 = "hugepages:\n  - { size: 2M, pages: 8 }\n";
		const char *y2 = "hugepages:\n  - { node: 0, size: 2M, total: 8 }\n";
		const char *y3 = "hugepages:\n  - { node: 0, size: 2M, pages: 8 }\n"
				 "  - { node: 0, size: 2048kB, pages: 9 }\n";

		ok(pt_hostcfg_parse(y1, strlen(y1), "h.yaml", &c, &e) < 0 &&
		   strstr(e.msg, "needs a node"), "pages without a node: %s", e.msg);
		ok(pt_hostcfg_parse(y2, strlen(y2), "h.yaml", &c, &e) < 0 &&
		   strstr(e.msg, "total/free"), "total in a host configuration: %s", e.msg);
		ok(pt_hostcfg_parse(y3, strlen(y3), "h.yaml", &c, &e) < 0 && e.line == 3,
		   "the same node and size twice: line 3: %s", e.msg);
	}
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* Selectors (lib/match.c): the lookup, the sentence for a result, and the lookup as an
 * error with that sentence in the context. */
static void test_match(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h;
	struct pt_device *d = NULL;
	struct pt_match m = { .kind = PT_MATCH_NETDEV };
	char root[4096], why[256];

	snprintf(root, sizeof(root), "%s/dual-socket", fixtures);
	if (pt_ctx_new(&ctx, root) < 0 || !(h = scan(ctx))) {
		ok(0, "dual-socket scans");
		return;
	}
	snprintf(m.netdev, sizeof(m.netdev), "ens1f0");
	ok(pt_match_find(h, &m) && strcmp(pt_match_find(h, &m)->name, PF) == 0, "find: ens1f0 is " PF);
	is_int(pt_match_resolve(ctx, h, &m, &d), 0, "resolve: found");
	ok(d && strcmp(d->name, PF) == 0, "resolve: the same function");
	snprintf(m.netdev, sizeof(m.netdev), "nope0");
	ok(!pt_match_find(h, &m), "find: an unknown interface is NULL");
	is_int(pt_match_resolve(ctx, h, &m, &d), -ENODEV, "resolve: -ENODEV");
	ok(!d && strcmp(pt_ctx_error(ctx), "no network interface nope0 on a PCI function") == 0,
	   "resolve: the sentence in the context (%s)", pt_ctx_error(ctx));
	m = (struct pt_match){ .kind = PT_MATCH_ID, .vendor_id = 0x8086, .device_id = 0x1572, .index = 9 };
	ok(strstr(pt_match_absent_str(h, &m, why, sizeof(why)), "index 9 asked") != NULL,
	   "absent: an index past the matches says how many there are (%s)", why);
	m = (struct pt_match){ .kind = PT_MATCH_NONE };
	is_int(pt_match_resolve(ctx, h, &m, &d), -EINVAL, "resolve: an empty selector is -EINVAL");
	/* a message may quote the one it replaces (wrapping the callee's sentence) */
	pt_err(ctx, -ENODEV, "line %d: %s", 3, pt_ctx_error(ctx));
	ok(strcmp(pt_ctx_error(ctx), "line 3: empty device selector") == 0,
	   "pt_err may quote pt_ctx_error (%s)", pt_ctx_error(ctx));
	pt_host_free(h);
	pt_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	char cmd[256];

	fixtures = argc > 1 ? argv[1] : getenv("PASSTHRU_FIXTURES");
	if (!fixtures) {
		printf("1..0 # SKIP no fixtures directory\n");
		return 0;
	}
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_match();
	test_plans();
	test_apply();
	test_recovery();
	test_library_gate();
	test_hugepages();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
	return done_testing();
}
