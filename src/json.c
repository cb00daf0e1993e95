// SPDX-License-Identifier: MIT
/*
 * The streaming JSON writer. Text (separators, indentation, quotes, a string's runs of
 * characters that need no escape, numbers formatted here) is staged in the writer and
 * handed to the FILE in one unlocked fwrite when an object or an array ends (or the
 * stage is full), so text a caller writes to the same FILE after a closing bracket
 * stays in order; within an object, nothing but the writer writes. A --json list of
 * thousands of functions spent most of its user time in fputc, then in five small
 * fwrites per key, then in one per value.
 */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void flush(struct json *j)
{
	if (j->len)
		fwrite_unlocked(j->stage, 1, j->len, j->f);
	j->len = 0;
}

static inline void put_n(struct json *j, const char *s, size_t n)
{
	if (n > sizeof(j->stage) - j->len) {
		flush(j);
		if (n > sizeof(j->stage)) {
			fwrite_unlocked(s, 1, n, j->f);
			return;
		}
	}
	memcpy(j->stage + j->len, s, n);
	j->len += n;
}

static inline void put_c(struct json *j, char c)
{
	if (j->len == sizeof(j->stage))
		flush(j);
	j->stage[j->len++] = c;
}

static inline void put_s(struct json *j, const char *s)
{
	put_n(j, s, strlen(s));
}

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
	j->len = 0;
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
	static const char spaces[] = "\n                                                                "
				     "                                                                ";
	size_t n = 1 + 2 * (size_t)j->depth;

	if (n <= sizeof(spaces) - 1) {
		put_n(j, spaces, n);
		return;
	}
	put_c(j, '\n');
	for (int i = 0; i < j->depth; i++)
		put_n(j, "  ", 2);
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
		put_c(j, ',');
	j->first[j->depth] = false;
	indent(j);
}

static void open_(struct json *j, char c)
{
	pre(j);
	put_c(j, c);
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
	put_c(j, c);
}

void json_obj_begin(struct json *j) { open_(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); flush(j); }
void json_arr_begin(struct json *j) { open_(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); flush(j); }

/* Characters that need an escape: quote, backslash, controls and DEL (a table: the
 * loop over a string's characters is the writer's hottest). */
static const bool needs_escape[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
	[0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1,
};

static void write_string(struct json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	put_c(j, '"');
	for (;; p++) {
		char esc[8];

		if (!needs_escape[*p])
			continue;
		put_n(j, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '"': put_n(j, "\\\"", 2); break;
		case '\\': put_n(j, "\\\\", 2); break;
		case '\n': put_n(j, "\\n", 2); break;
		case '\r': put_n(j, "\\r", 2); break;
		case '\t': put_n(j, "\\t", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			put_n(j, esc, 6);
		}
		run = p + 1;
	}
	put_c(j, '"');
}

/* Decimal digits of v, without printf. */
static void put_ull(struct json *j, unsigned long long v, bool neg)
{
	char buf[24];
	size_t i = sizeof(buf);

	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (neg)
		buf[--i] = '-';
	put_n(j, buf + i, sizeof(buf) - i);
}

void json_key(struct json *j, const char *key)
{
	pre(j);
	write_string(j, key);
	put_n(j, ": ", 2);
	j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	pre(j);
	write_string(j, s);
}

void json_int(struct json *j, long long v)
{
	pre(j);
	put_ull(j, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, v < 0);
}

void json_uint(struct json *j, unsigned long long v)
{
	pre(j);
	put_ull(j, v, false);
}

void json_double(struct json *j, double v)
{
	char buf[32];

	pre(j);
	if (!isfinite(v))
		put_n(j, "null", 4);
	else
		put_n(j, buf, (size_t)snprintf(buf, sizeof(buf), "%.6g", v));
}

void json_bool(struct json *j, bool v)
{
	pre(j);
	put_s(j, v ? "true" : "false");
}

void json_null(struct json *j)
{
	pre(j);
	put_n(j, "null", 4);
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
	put_c(j, '\n');
	flush(j);
}
