/* SPDX-License-Identifier: MIT */
/* A small streaming JSON writer for the CLI's machine output. */
#ifndef PT_JSON_H
#define PT_JSON_H

#include <stdbool.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	bool first[64];
	bool after_key;
	size_t len;       /* staged bytes, handed over when an object or array ends */
	char stage[4096];
};

void json_init(struct json *j, FILE *f);
/* Starts a command's JSON document: the top-level object and its "version" key. */
void json_doc_begin(struct json *j, FILE *f, int version);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);      /* NULL -> null */
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* -1 (or any negative) -> null */
void json_int_or_null(struct json *j, long long v);
/* "" -> null */
void json_str_or_null(struct json *j, const char *s);
/* PT_UNKNOWN -> null, else true/false */
void json_tri(struct json *j, int tri);
void json_end(struct json *j); /* final newline */

/* key + value in one call */
#define JSON_KV_STR(j, k, v) (json_key(j, k), json_str(j, v))
#define JSON_KV_INT(j, k, v) (json_key(j, k), json_int(j, v))
#define JSON_KV_BOOL(j, k, v) (json_key(j, k), json_bool(j, v))

#endif
