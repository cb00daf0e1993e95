/* SPDX-License-Identifier: MIT */
/*
 * The apply journal (lib/journal.c): what a run is about to do and did, written
 * before and after every write, so a killed run can be undone by the next one.
 */
#ifndef PASSTHRU_JOURNAL_H
#define PASSTHRU_JOURNAL_H

#include "passthru/plan.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * <state_dir>/apply.journal, append-only text, one record per line, fsync'd after
 * every record (format in docs/apply.md):
 *   begin <run-id> boot=<boot_id> pid=<pid> time=<unix> config=<path> steps=<n>
 *   want-pf <bdf> numvfs=<n> autoprobe=<n>
 *   want-vf <pf-bdf> <vf> has=<bits> mac=.. vlan=.. qos=.. ... driver=.. override=..
 *   want-dev <bdf> driver=.. override=..
 *   step <i> <kind> <device> vf=<n> <field> from=<v> to=<v>   (before the write)
 *   ok <i>                                                      (after it)
 *   fail <i> <message>
 *   rollback-begin | rollback-done | rollback-failed <message>
 *   recovered                                     (a later run undid this one)
 *   done
 * Values are %-escaped (space, tab, newline, '%', '='). A journal whose last record is
 * done/rollback-done/recovered belongs to a run that did not finish. */
struct pt_journal;

struct pt_journal_info {
	bool incomplete;            /* the run did not end (crash, kill -9, power loss) */
	char run_id[64];
	char boot_id[64];           /* the kernel boot it ran in */
	char config[256];
	int pid;
	size_t steps_total, steps_started, steps_ok;
	char last[128];             /* the last record's first word */
	struct pt_want prior;       /* the state before the run */
};

/* Opens <state_dir> (created 0700), takes an exclusive flock on <state_dir>/apply.lock
 * waiting up to wait_ms for another apply to finish (-EBUSY then). */
int pt_journal_open(struct pt_ctx *ctx, const char *state_dir, int wait_ms,
		    struct pt_journal **out);
void pt_journal_close(struct pt_journal *j);
const char *pt_journal_path(const struct pt_journal *j);
/* Reads an existing journal. 0 with info filled, -ENOENT when there is none, -EBADMSG
 * for one that cannot be parsed (it is kept as apply.journal.bad). */
int pt_journal_read(struct pt_journal *j, struct pt_journal_info *info);
void pt_journal_info_free(struct pt_journal_info *info);
/* Starts a run: truncates, writes begin and the prior state. */
int pt_journal_begin(struct pt_journal *j, const char *boot_id, const char *config,
		     size_t steps, const struct pt_want *prior);
int pt_journal_step(struct pt_journal *j, size_t i, const struct pt_action *a);
/* Any other record: "ok 3", "done", "rollback-begin" ... (msg is escaped, may be NULL). */
int pt_journal_record(struct pt_journal *j, const char *word, long i, const char *msg);
/* The run is over: the journal becomes apply.journal.last. */
int pt_journal_finish(struct pt_journal *j);

/* Pure, for tests and the fuzzer: parses journal bytes. */
int pt_journal_parse(const char *buf, size_t len, struct pt_journal_info *info);

#ifdef __cplusplus
}
#endif
#endif
