// SPDX-License-Identifier: MIT
/* The CLI's streaming JSON writer (src/json.c): exact text, escapes, strings longer
 * than the writer's staging buffer, and text a caller writes to the same FILE between
 * calls staying in order. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "json.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *doc(void (*fill)(struct json *j, FILE *f))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	if (!f)
		return NULL;
	json_init(&j, f);
	fill(&j, f);
	fclose(f);
	return buf;
}

static void small(struct json *j, FILE *f)
{
	(void)f;
	json_obj_begin(j);
	JSON_KV_STR(j, "s", "a\"b\\c\n\t\x01\x7f");
	JSON_KV_INT(j, "neg", -42);
	json_key(j, "arr");
	json_arr_begin(j);
	json_uint(j, 18446744073709551615ull);
	json_null(j);
	json_tri(j, -1);
	json_tri(j, 1);
	json_double(j, 0.5);
	json_arr_end(j);
	json_key(j, "empty");
	json_obj_begin(j);
	json_obj_end(j);
	json_obj_end(j);
	json_end(j);
}

static char longs[3][5000];

static void big(struct json *j, FILE *f)
{
	(void)f;
	json_arr_begin(j);
	for (int i = 0; i < 3; i++)
		json_str(j, longs[i]);
	json_arr_end(j);
	json_end(j);
}

static void interleaved(struct json *j, FILE *f)
{
	json_obj_begin(j);
	json_key(j, "a");
	json_int(j, 1);
	fputs("/*x*/", f); /* a caller's own text between two calls */
	json_key(j, "b");
	json_str(j, "two");
	json_obj_end(j);
	json_end(j);
}

int main(void)
{
	char *s = doc(small);

	is_str(s, "{\n  \"s\": \"a\\\"b\\\\c\\n\\t\\u0001\\u007f\",\n  \"neg\": -42,\n"
		  "  \"arr\": [\n    18446744073709551615,\n    null,\n    null,\n    true,\n"
		  "    0.5\n  ],\n  \"empty\": {}\n}\n",
	       "keys, escapes, numbers, null, tri-state, double, an empty object: exact text");
	free(s);

	/* 511, 512, 4999 characters: below, at and far past the 512-byte stage, with a
	 * quote at the end of each so the escape lands across the boundary */
	memset(longs, 'x', sizeof(longs));
	longs[0][510] = '"', longs[0][511] = '\0';
	longs[1][511] = '"', longs[1][512] = '\0';
	longs[2][4998] = '"', longs[2][4999] = '\0';
	s = doc(big);
	{
		char *want = malloc(16384), *p = want;

		p += sprintf(p, "[");
		for (int i = 0; i < 3; i++) {
			size_t n = strlen(longs[i]);

			p += sprintf(p, "%s\n  \"%.*s\\\"\"", i ? "," : "", (int)(n - 1), longs[i]);
		}
		sprintf(p, "\n]\n");
		is_str(s, want, "strings of 511, 512 and 4,999 characters (past the staging buffer) whole");
		free(want);
	}
	free(s);

	s = doc(interleaved);
	is_str(s, "{\n  \"a\": 1/*x*/,\n  \"b\": \"two\"\n}\n",
	       "a caller's fputs between two values lands between them");
	free(s);
	return done_testing();
}
