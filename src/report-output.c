// SPDX-License-Identifier: MIT
/* How a gate report is written: a table for people, JSON, Prometheus textfile, NFD labels. */
#include "report-output.h"
#include "cli.h"
#include "json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void counts(const struct pt_report *r, size_t c[4])
{
	memset(c, 0, 4 * sizeof(size_t));
	for (size_t i = 0; i < r->n; i++)
		c[r->results[i].result]++;
}

const char *report_verdict(const struct pt_report *r, bool strict)
{
	if (r->worst == PT_FAIL || (strict && r->worst == PT_WARN))
		return "fail";
	return r->worst == PT_WARN ? "warn" : "pass";
}

void report_text(FILE *f, const struct pt_report *r, const char *profile, bool strict, bool color)
{
	static const char *col[] = { "\033[32m", "\033[2m", "\033[33m", "\033[31m" };
	size_t c[4];

	fprintf(f, "passthru %s\n\n", profile);
	for (size_t i = 0; i < r->n; i++) {
		const struct pt_check_result *x = &r->results[i];
		char tag[8];

		snprintf(tag, sizeof(tag), "%s", pt_result_str(x->result));
		for (char *p = tag; *p; p++)
			*p = (char)(*p - 32);
		fprintf(f, "%s%-4s%s  %-26s %s%s%s\n", color ? col[x->result] : "", tag,
			color ? "\033[0m" : "", x->id, x->title, x->device[0] ? ": " : "", x->device);
		if (x->evidence[0])
			fprintf(f, "      evidence: %s\n", x->evidence);
		if (x->decision[0])
			fprintf(f, "      decision: %s\n", x->decision);
	}
	counts(r, c);
	fprintf(f, "\nverdict: %s (%zu failed, %zu warnings, %zu passed, %zu skipped)%s\n",
		report_verdict(r, strict), c[PT_FAIL], c[PT_WARN], c[PT_PASS], c[PT_SKIP],
		strict ? " [--strict: warnings fail]" : "");
}

void report_json_checks(struct json *j, const struct pt_report *r)
{
	json_key(j, "checks");
	json_arr_begin(j);
	for (size_t i = 0; i < r->n; i++) {
		const struct pt_check_result *x = &r->results[i];

		json_obj_begin(j);
		JSON_KV_STR(j, "id", x->id);
		JSON_KV_STR(j, "title", x->title);
		JSON_KV_STR(j, "result", pt_result_str(x->result));
		json_key(j, "device");
		json_str_or_null(j, x->device);
		json_key(j, "subject");
		json_str_or_null(j, x->subject);
		JSON_KV_STR(j, "evidence", x->evidence);
		json_key(j, "decision");
		json_str_or_null(j, x->decision);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void report_json(FILE *f, const struct pt_report *r, const char *profile, bool strict, int status,
		 const struct pt_host *h)
{
	struct json j;
	size_t c[4];

	counts(r, c);
	json_doc_begin(&j, f, 1);
	JSON_KV_STR(&j, "profile", profile);
	JSON_KV_STR(&j, "verdict", report_verdict(r, strict));
	JSON_KV_INT(&j, "exit_status", status);
	JSON_KV_BOOL(&j, "strict", strict);
	json_key(&j, "summary");
	json_obj_begin(&j);
	JSON_KV_INT(&j, "pass", (long long)c[PT_PASS]);
	JSON_KV_INT(&j, "warn", (long long)c[PT_WARN]);
	JSON_KV_INT(&j, "fail", (long long)c[PT_FAIL]);
	JSON_KV_INT(&j, "skip", (long long)c[PT_SKIP]);
	json_obj_end(&j);
	report_json_checks(&j, r);
	json_host_warnings(&j, h);
	json_obj_end(&j);
	json_end(&j);
}

static void prom_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

void report_prometheus(FILE *f, const struct pt_report *r, const char *profile, bool strict)
{
	size_t c[4];

	counts(r, c);
	fprintf(f, "# HELP passthru_check_result Result of one gate check: 0 pass, 1 skip, 2 warn, 3 fail.\n"
		   "# TYPE passthru_check_result gauge\n");
	/* one gauge per host-wide check, one per device problem; each series unique by
	 * (id, device, subject): node_exporter's textfile collector rejects a file that
	 * repeats one. A subject the library left equal gets "#2", "#3" ... */
	for (size_t i = 0; i < r->n; i++) {
		const struct pt_check_result *x = &r->results[i];
		unsigned dup = 0;

		if (x->device[0] && x->result == PT_PASS)
			continue;
		for (size_t k = 0; k < i; k++) {
			const struct pt_check_result *y = &r->results[k];

			if (!(y->device[0] && y->result == PT_PASS) && strcmp(x->id, y->id) == 0 &&
			    strcmp(x->device, y->device) == 0 && strcmp(x->subject, y->subject) == 0)
				dup++;
		}
		fputs("passthru_check_result{id=\"", f);
		prom_label(f, x->id);
		fputs("\",device=\"", f);
		prom_label(f, x->device);
		fputs("\",subject=\"", f);
		prom_label(f, x->subject);
		if (dup)
			fprintf(f, "#%u", dup + 1);
		fprintf(f, "\"} %d\n", (int)x->result);
	}
	fprintf(f, "# HELP passthru_checks Checks by result.\n# TYPE passthru_checks gauge\n");
	for (int k = 0; k < 4; k++)
		fprintf(f, "passthru_checks{result=\"%s\"} %zu\n", pt_result_str((enum pt_result)k), c[k]);
	fprintf(f, "# HELP passthru_gate_ok 1 when the host passes the gate (drain the node on 0).\n"
		   "# TYPE passthru_gate_ok gauge\n");
	fputs("passthru_gate_ok{profile=\"", f);
	prom_label(f, profile);
	fprintf(f, "\"} %d\n", strcmp(report_verdict(r, strict), "fail") != 0);
	fprintf(f, "# HELP passthru_check_timestamp_seconds When the gate last ran.\n"
		   "# TYPE passthru_check_timestamp_seconds gauge\npassthru_check_timestamp_seconds %lld\n",
		(long long)time(NULL));
}

static int result_of(const struct pt_report *r, const char *id)
{
	int worst = -1;

	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->results[i].id, id) == 0 && (int)r->results[i].result > worst)
			worst = (int)r->results[i].result;
	return worst;
}

void report_nfd(FILE *f, const struct pt_report *r, const struct pt_host *h, bool strict)
{
	int dma = result_of(r, "iommu.dma-remapping"), ir = result_of(r, "iommu.interrupt-remapping");
	size_t sriov_nics = 0, vfs = 0;

	for (size_t i = 0; i < h->n_devs; i++) {
		const struct pt_device *d = &h->devs[i];

		if (d->kind == PT_KIND_PF && pt_class_is_net(d->class_code)) {
			sriov_nics++;
			if (d->sriov_numvfs > 0)
				vfs += (size_t)d->sriov_numvfs;
		}
	}
	/* node-feature-discovery local source: one "name=value" per line */
	fprintf(f, "# passthru check: node-feature-discovery feature file\n");
	fprintf(f, "passthru.iommu=%s\n", dma == PT_PASS ? "true" : "false");
	fprintf(f, "passthru.interrupt-remapping=%s\n", ir == PT_PASS ? "true" : "false");
	fprintf(f, "passthru.sriov-nics=%zu\n", sriov_nics);
	fprintf(f, "passthru.sriov-vfs=%zu\n", vfs);
	fprintf(f, "passthru.gate=%s\n", report_verdict(r, strict));
}
