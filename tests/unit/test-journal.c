// SPDX-License-Identifier: MIT
/*
 * The apply journal (lib/journal.c): records written and read back, the prior state
 * round-trips, a record cut short by a crash is ignored, a damaged journal is set
 * aside, and the state directory lock keeps a second apply out.
 */
#include "passthru/journal.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp[] = "/tmp/pt-test-journal.XXXXXX";

static void test_parse(void)
{
	struct pt_journal_info in;
	const char *j =
		"begin 1-7 boot=b0 pid=7 time=1 config=/etc/passthru/host%20x.yaml steps=4\n"
		"want-pf 0000:18:00.0 numvfs=2 autoprobe=1\n"
		"want-vf 0000:18:00.0 0 has=1b mac=02:00:00:00:00:01 vlan=5 qos=1 proto=0 rate=0/100 "
		"spoofchk=0 trust=1 link_state=2 driver=igbvf has_override=1 override=\n"
		"want-dev 0000:06:00.0 driver=none has_override=1 override=vfio-pci\n"
		"step 0 set_autoprobe 0000:18:00.0 vf=-1 field=sriov_drivers_autoprobe from=1 to=0\n"
		"ok 0\n"
		"step 1 set_numvfs 0000:18:00.0 vf=-1 field=sriov_numvfs from=2 to=0\n";

	is_int(pt_journal_parse(j, strlen(j), &in), 0, "a journal parses");
	ok(in.incomplete, "no done record: incomplete");
	is_str(in.run_id, "1-7", "run id");
	is_str(in.boot_id, "b0", "boot id");
	is_str(in.config, "/etc/passthru/host x.yaml", "config path unescaped");
	is_int(in.steps_total, 4, "steps announced");
	is_int(in.steps_started, 2, "steps started");
	is_int(in.steps_ok, 1, "steps ok");
	is_int(in.prior.n_pfs, 1, "one PF in the prior state");
	if (in.prior.n_pfs == 1 && in.prior.pfs[0].n_vfs == 1) {
		const struct pt_want_vf *v = &in.prior.pfs[0].vfs[0];

		is_int(in.prior.pfs[0].numvfs, 2, "numvfs");
		ok(in.prior.pfs[0].snapshot, "a journal's PF is a snapshot");
		is_int(v->set.has, 0x1b, "has bits");
		is_int(v->set.mac[5], 1, "mac");
		is_int(v->set.vlan, 5, "vlan");
		is_int(v->set.qos, 1, "qos");
		is_int(v->set.max_tx_rate, 100, "max rate");
		ok(!v->set.spoofchk && v->set.trust, "spoofchk off, trust on");
		is_int(v->set.link_state, 2, "link state");
		is_str(v->fn.driver, "igbvf", "driver");
		ok(v->fn.has_override && !v->fn.override[0], "override: unset, and managed");
	} else {
		ok(0, "the VF record belongs to its PF");
	}
	is_int(in.prior.n_devs, 1, "one device");
	if (in.prior.n_devs == 1)
		is_str(in.prior.devs[0].fn.override, "vfio-pci", "device override");
	pt_journal_info_free(&in);

	{
		const char *done = "begin 2-1 boot=b pid=1 time=1 config= steps=0\ndone\n";

		is_int(pt_journal_parse(done, strlen(done), &in), 0, "a finished journal parses");
		ok(!in.incomplete, "done: complete");
		pt_journal_info_free(&in);
	}
	{
		const char *cut = "begin 2-1 boot=b pid=1 time=1 config= steps=1\n"
				  "step 0 set_numvfs 0000:18:00.0 vf=-1 field=sriov_numvfs from=0 to=4\nok 0\ndo";

		is_int(pt_journal_parse(cut, strlen(cut), &in), 0, "a record cut short is ignored");
		ok(in.incomplete, "... so the run counts as unfinished");
		is_str(in.last, "ok", "last whole record");
		pt_journal_info_free(&in);
	}
	is_int(pt_journal_parse("garbage\n", 8, &in), -EBADMSG, "no begin record: -EBADMSG");
	{ const char *nopf = "begin 1 boot=x\nwant-vf 0000:01:00.0 0 has=1\n";
	is_int(pt_journal_parse(nopf, strlen(nopf), &in), -EBADMSG,
	       "a VF without its PF: -EBADMSG"); }
	is_int(pt_journal_parse("", 0, &in), -EBADMSG, "empty: -EBADMSG");
}

static void test_files(void)
{
	struct pt_want prior = { 0 };
	struct pt_want_pf pf = { .numvfs = 3, .autoprobe = 0 };
	struct pt_want_vf vf = { .vf = 1 };
	struct pt_action a = { .kind = PT_ACT_SET_VF_MAC, .vf = 1 };
	struct pt_journal_info in;
	struct pt_journal *j = NULL, *j2 = NULL;
	struct pt_ctx *ctx;
	char state[256], path[512];
	int r;

	snprintf(state, sizeof(state), "%s/state/sub", tmp);
	if (pt_ctx_new(&ctx, tmp) < 0)
		return;
	pt_bdf_parse("0000:41:00.0", &pf.bdf);
	vf.set.has = PT_VF_MAC | PT_VF_TRUST;
	vf.set.mac[0] = 0x02;
	vf.set.trust = true;
	snprintf(vf.fn.driver, sizeof(vf.fn.driver), "vfio-pci");
	vf.fn.has_override = true;
	snprintf(vf.fn.override, sizeof(vf.fn.override), "vfio-pci");
	pf.vfs = &vf;
	pf.n_vfs = 1;
	prior.pfs = &pf;
	prior.n_pfs = 1;
	snprintf(a.device, sizeof(a.device), "0000:41:10.2");
	snprintf(a.field, sizeof(a.field), "mac");
	snprintf(a.from, sizeof(a.from), "00:00:00:00:00:00");
	snprintf(a.to, sizeof(a.to), "02:00:00:00:00:00");

	r = pt_journal_open(ctx, state, 100, &j);
	is_int(r, 0, "journal opens, creating the state directory");
	if (r < 0) {
		printf("#   %s\n", pt_ctx_error(ctx));
		pt_ctx_free(ctx);
		return;
	}
	r = pt_journal_open(ctx, state, 200, &j2);
	is_int(r, -EBUSY, "a second apply waits, then gives up with -EBUSY");
	ok(strstr(pt_ctx_error(ctx), "another passthru apply") != NULL, "and says why: %s",
	   pt_ctx_error(ctx));
	is_int(pt_journal_read(j, &in), -ENOENT, "no journal yet");
	is_int(pt_journal_begin(j, "boot-1", "my host.yaml", 1, &prior), 0, "begin");
	is_int(pt_journal_step(j, 0, &a), 0, "step");
	is_int(pt_journal_record(j, "fail", 0, "it broke: badly\nreally"), 0, "fail record");
	is_int(pt_journal_read(j, &in), 0, "read back");
	ok(in.incomplete, "a failed run without rollback-done is unfinished");
	is_str(in.boot_id, "boot-1", "boot id read back");
	is_str(in.config, "my host.yaml", "config read back");
	is_int(in.steps_started, 1, "one step");
	if (in.prior.n_pfs == 1 && in.prior.pfs[0].n_vfs == 1) {
		const struct pt_want_vf *v = &in.prior.pfs[0].vfs[0];

		is_int(in.prior.pfs[0].numvfs, 3, "numvfs round-trips");
		is_int(in.prior.pfs[0].autoprobe, 0, "autoprobe round-trips");
		is_int(v->set.has, PT_VF_MAC | PT_VF_TRUST, "has bits round-trip");
		ok(v->set.trust, "trust round-trips");
		is_str(v->fn.override, "vfio-pci", "override round-trips");
	} else {
		ok(0, "prior state round-trips");
	}
	pt_journal_info_free(&in);
	is_int(pt_journal_record(j, "rollback-done", -1, NULL), 0, "rollback-done");
	is_int(pt_journal_read(j, &in), 0, "read again");
	ok(!in.incomplete, "rolled back: complete");
	pt_journal_info_free(&in);
	is_int(pt_journal_finish(j), 0, "finish");
	snprintf(path, sizeof(path), "%s/apply.journal.last", state);
	ok(access(path, F_OK) == 0, "the journal becomes apply.journal.last");
	is_int(pt_journal_read(j, &in), -ENOENT, "and no journal is pending");
	pt_journal_close(j);

	r = pt_journal_open(ctx, state, 100, &j2);
	is_int(r, 0, "the lock is free once the first apply closed");
	snprintf(path, sizeof(path), "%s/apply.journal", state);
	{
		FILE *f = fopen(path, "w");

		fputs("nonsense\n", f);
		fclose(f);
	}
	is_int(pt_journal_read(j2, &in), -EBADMSG, "a damaged journal: -EBADMSG");
	snprintf(path, sizeof(path), "%s/apply.journal.bad", state);
	ok(access(path, F_OK) == 0, "and it is kept aside as apply.journal.bad");
	pt_journal_close(j2);
	pt_ctx_free(ctx);
}

int main(void)
{
	char cmd[256];

	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_files();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
	return done_testing();
}
