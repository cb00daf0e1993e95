// SPDX-License-Identifier: MIT
#include "json.h"

#include <inttypes.h>
#include <math.h>

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

void json_doc_begin(struct json *j, FILE *f, int version)
{
	json_init(j, f);
	json_obj_begin(j);
	json_key(j, "version");
	json_int(j, version);
}

static void indent(struct json *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator and indentation before a value or a key. */
static void pre(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	indent(j);
}

static void open_(struct json *j, char c)
{
	pre(j);
	fputc(c, j->f);
	if (j->depth < 63)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->f);
}

void json_obj_begin(struct json *j) { open_(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr_begin(struct json *j) { open_(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }

static void write_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	pre(j);
	write_string(j->f, key);
	fputs(": ", j->f);
	j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	pre(j);
	write_string(j->f, s);
}

void json_int(struct json *j, long long v)
{
	pre(j);
	fprintf(j->f, "%lld", v);
}

void json_uint(struct json *j, unsigned long long v)
{
	pre(j);
	fprintf(j->f, "%llu", v);
}

void json_double(struct json *j, double v)
{
	pre(j);
	if (!isfinite(v))
		fputs("null", j->f);
	else
		fprintf(j->f, "%.6g", v);
}

void json_bool(struct json *j, bool v)
{
	pre(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	pre(j);
	fputs("null", j->f);
}

void json_int_or_null(struct json *j, long long v)
{
	if (v < 0)
		json_null(j);
	else
		json_int(j, v);
}

void json_str_or_null(struct json *j, const char *s)
{
	if (!s || !*s)
		json_null(j);
	else
		json_str(j, s);
}

void json_tri(struct json *j, int tri)
{
	if (tri < 0)
		json_null(j);
	else
		json_bool(j, tri != 0);
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
}
