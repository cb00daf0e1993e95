// SPDX-License-Identifier: MIT
/* The CLI's streaming JSON writer (src/json.c): exact text, escapes, strings longer
 * than the writer's staging buffer, and text a caller writes to the same FILE after a
 * closing bracket staying in order. */
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

static char longs[3][10000];

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
	json_key(j, "inner");
	json_obj_begin(j);
	json_key(j, "x");
	json_int(j, 2);
	json_obj_end(j);
	fputs("/*x*/", f); /* a caller's own text after a closing bracket */
	json_key(j, "b");
	json_arr_begin(j);
	json_arr_end(j);
	fputs("/*y*/", f);
	json_obj_end(j);
	fputs("/*z*/", f);
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

	/* 4,095, 4,096, 9,999 characters: below, at and far past the 4,096-byte stage,
	 * with a quote at the end of each so the escape lands across the boundary */
	memset(longs, 'x', sizeof(longs));
	longs[0][4094] = '"', longs[0][4095] = '\0';
	longs[1][4095] = '"', longs[1][4096] = '\0';
	longs[2][9998] = '"', longs[2][9999] = '\0';
	s = doc(big);
	{
		char *want = malloc(32768), *p = want;

		p += sprintf(p, "[");
		for (int i = 0; i < 3; i++) {
			size_t n = strlen(longs[i]);

			p += sprintf(p, "%s\n  \"%.*s\\\"\"", i ? "," : "", (int)(n - 1), longs[i]);
		}
		sprintf(p, "\n]\n");
		is_str(s, want, "strings of 4,095, 4,096 and 9,999 characters (past the stage) whole");
		free(want);
	}
	free(s);

	s = doc(interleaved);
	is_str(s, "{\n  \"a\": 1,\n  \"inner\": {\n    \"x\": 2\n  }/*x*/,\n  \"b\": []/*y*/\n}/*z*/\n",
	       "a caller's fputs after a closing bracket lands after it");
	free(s);
	return done_testing();
}
