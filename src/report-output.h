/* SPDX-License-Identifier: MIT */
#ifndef PT_REPORT_OUTPUT_H
#define PT_REPORT_OUTPUT_H

#include "passthru/check.h"
#include <stdbool.h>
#include <stdio.h>

const char *report_verdict(const struct pt_report *r, bool strict);
void report_text(FILE *f, const struct pt_report *r, const char *profile, bool strict, bool color);
struct json;
/* The "checks" array of a report, as report_json writes it, into an open object. */
void report_json_checks(struct json *j, const struct pt_report *r);
/* h: the scanned host, whose scan warnings the document carries (may be NULL). */
void report_json(FILE *f, const struct pt_report *r, const char *profile, bool strict, int status,
		 const struct pt_host *h);
void report_prometheus(FILE *f, const struct pt_report *r, const char *profile, bool strict);
void report_nfd(FILE *f, const struct pt_report *r, const struct pt_host *h, bool strict);

#endif
