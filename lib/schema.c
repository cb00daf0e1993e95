// SPDX-License-Identifier: MIT
/*
 * Stage 2 of the configuration reader (see lib/schema.h): one walker over the tree,
 * driven by schema tables (struct field): key name, type, range or keywords, where
 * the value goes. Unknown keys, duplicate keys, wrong types and out-of-range values
 * stop the walk with file:line:col, the key path, the value and what was expected.
 * Checks across keys run as "check" hooks once a mapping is complete. Knows no
 * profile: the tables are lib/profile-schema.c's. Pure.
 */
#include "schema.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct schema;

/* A value quoted for a message: bounded, control characters shown as '?'. */
const char *schema_quote(const struct ynode *v, char *buf, size_t len)
{
	size_t i, o = 0;

	if (v->type == Y_MAP)
		return "{...}";
	if (v->type == Y_SEQ)
		return "[...]";
	for (i = 0; i < v->len && o + 4 < len; i++) {
		unsigned char c = (unsigned char)v->text[i];

		buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (i < v->len) {
		buf[o++] = '.';
		buf[o++] = '.';
		buf[o++] = '.';
	}
	buf[o] = '\0';
	return buf;
}

static const char *type_name(const struct ynode *v)
{
	if (v->type == Y_MAP)
		return "a mapping";
	if (v->type == Y_SEQ)
		return "a list";
	if (v->null)
		return "nothing";
	return v->plain ? "a value" : "a quoted string";
}

static int bad_value(struct walk *w, const struct ynode *v, const char *why)
{
	char b[72];

	if (v->type != Y_SCALAR)
		return fail(w, v, "key '%s': expected a single value, got %s", w->path,
			    type_name(v));
	if (v->null)
		return fail(w, v, "key '%s': no value given", w->path);
	return fail(w, v, "key '%s': value '%s' %s", w->path, schema_quote(v, b, sizeof(b)), why);
}

/* Path bookkeeping: push returns the old length for pop. */
static size_t path_push_key(struct walk *w, const char *key)
{
	size_t old = strlen(w->path);

	snprintf(w->path + old, sizeof(w->path) - old, "%s%s", old ? "." : "", key);
	return old;
}

static size_t path_push_index(struct walk *w, size_t i)
{
	size_t old = strlen(w->path);

	snprintf(w->path + old, sizeof(w->path) - old, "[%zu]", i);
	return old;
}

static void path_pop(struct walk *w, size_t old)
{
	w->path[old] = '\0';
}

/* A scalar that is text: not null, no embedded NUL. */
static bool is_text(const struct ynode *v)
{
	return v->type == Y_SCALAR && !v->null && strlen(v->text) == v->len;
}

int schema_integer(const struct ynode *v, long *out)
{
	const char *s = v->text;
	char *end;
	long x;

	if (!is_text(v) || !v->plain)
		return -EINVAL;
	if (*s == '+')
		s++;
	if (!isdigit((unsigned char)*s) && !(*s == '-' && isdigit((unsigned char)s[1])))
		return -EINVAL;
	errno = 0;
	x = strtol(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = x;
	return 0;
}

int schema_bool(const struct ynode *v, int *out)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };

	if (!is_text(v) || !v->plain)
		return -EINVAL;
	for (size_t i = 0; i < 3; i++) {
		if (!strcmp(v->text, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcmp(v->text, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

static void kw_list(const struct kw *kw, char *buf, size_t len)
{
	size_t o = 0, n = 0;

	while (kw[n].name)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
				      kw[i].name);
}

static int walk_map(struct walk *w, const struct schema *s, const struct ynode *n, void *obj);

static int levenshtein(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0];

		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static int unknown_key(struct walk *w, const struct schema *s, const struct ynode *k)
{
	char b[72], keys[320], hint[96] = "";
	const char *best = NULL;
	int bestd = 99;
	size_t o = 0;

	for (const struct field *f = s->fields; f->key; f++) {
		int d = levenshtein(k->text, f->key);

		if (d < bestd) {
			bestd = d;
			best = f->key;
		}
		o += (size_t)snprintf(keys + o, o < sizeof(keys) ? sizeof(keys) - o : 0, "%s%s",
				      f == s->fields ? "" : ", ", f->key);
		if (o >= sizeof(keys))
			o = sizeof(keys);
	}
	if (w->other_keys && !w->path[0]) {
		for (const struct field *f = w->other_keys; f->key; f++)
			if (!strcmp(f->key, k->text))
				return fail(w, k, "key '%s' belongs in %s, not in %s; expected one of: %s",
					    k->text, w->other_doc, s->what, keys);
	}
	if (best && bestd <= (strlen(best) > 4 ? 2 : 1))
		snprintf(hint, sizeof(hint), " (did you mean '%s'?)", best);
	return fail(w, k, "unknown key '%s' in %s%s; expected one of: %s", schema_quote(k, b, sizeof(b)),
		    where(w), hint, keys);
}

static int walk_scalar(struct walk *w, const struct field *f, const struct ynode *v, void *obj)
{
	char b[200];
	long x;
	int r, bv;

	switch (f->type) {
	case F_INT:
	case F_LONG:
		r = schema_integer(v, &x);
		if (r == -EINVAL || (r == 0 && (x < f->min || x > f->max)) || r == -ERANGE) {
			if (r == -EINVAL)
				snprintf(b, sizeof(b), "is not %s (expected an integer %ld..%ld)",
					 v->plain ? "a number" : "a number but a quoted string",
					 f->min, f->max);
			else if (f->min == f->max)
				snprintf(b, sizeof(b), "is not supported (expected %ld)", f->min);
			else if (f->max == LONG_MAX || f->max == INT_MAX)
				snprintf(b, sizeof(b), "is out of range (expected %ld or more)",
					 f->min);
			else
				snprintf(b, sizeof(b), "is out of range (expected %ld..%ld)", f->min,
					 f->max);
			return bad_value(w, v, b);
		}
		if (f->type == F_INT)
			*(int *)at(obj, f->off) = (int)x;
		else
			*(long *)at(obj, f->off) = x;
		return 0;
	case F_FLAG:
		if (schema_bool(v, &bv))
			return bad_value(w, v, "is not a boolean (expected true or false)");
		*(int *)at(obj, f->off) = bv;
		return 0;
	case F_ENUM:
		if (is_text(v))
			for (const struct kw *k = f->kw; k->name; k++)
				if (!strcmp(k->name, v->text)) {
					*(int *)at(obj, f->off) = k->val;
					return 0;
				}
		{
			char l[160], why[200];

			kw_list(f->kw, l, sizeof(l));
			snprintf(why, sizeof(why), "is not valid (expected %s)", l);
			return bad_value(w, v, why);
		}
	case F_CONV: {
		const char *why;

		if (!is_text(v))
			return bad_value(w, v, "contains a NUL byte");
		why = f->conv(v, at(obj, f->off), f->size);
		return why ? bad_value(w, v, why) : 0;
	}
	default:
		return bad_value(w, v, "is not valid");
	}
}

static int too_many(struct walk *w, const struct field *f, const struct ynode *v, size_t n)
{
	size_t cap = f->max > 0 ? (size_t)f->max : MAX_ENTRIES;

	if (n <= cap)
		return 0;
	return fail(w, v, "key '%s': %zu entries, at most %zu are supported", w->path, n, cap);
}

static int walk_strv(struct walk *w, const struct field *f, const struct ynode *v, void *obj)
{
	char ***arr = at(obj, f->off);
	size_t *n = at(obj, f->count_off);

	/* the document's list replaces the default one */
	pt_strv_free(*arr, *n);
	*arr = NULL;
	*n = 0;
	if (v->type == Y_SCALAR && v->null)
		return 0;
	if (v->type != Y_SEQ)
		return fail(w, v, "key '%s': expected a list of strings, got %s", w->path,
			    type_name(v));
	if (too_many(w, f, v, v->n))
		return -EINVAL;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *it = v->kids[i];
		size_t old = path_push_index(w, i);
		char *s;
		int r = 0;

		if (it->type != Y_SCALAR || !is_text(it))
			r = it->type == Y_SCALAR && !it->null && strlen(it->text) != it->len
				    ? bad_value(w, it, "contains a NUL byte")
				    : fail(w, it, "key '%s': expected a string, got %s", w->path,
					   type_name(it));
		else if (f->conv) {
			const char *why = f->conv(it, NULL, 0);

			if (why)
				r = bad_value(w, it, why);
		}
		path_pop(w, old);
		if (r)
			return r;
		s = strdup(it->text);
		if (!s || PT_PUSH(*arr, *n, s)) {
			free(s);
			return fail(w, it, "out of memory");
		}
	}
	return 0;
}

static void set_pos(const struct schema *s, void *elem, const struct ynode *n)
{
	if (s->pos_off >= 0) {
		struct pt_srcpos *p = at(elem, (size_t)s->pos_off);

		p->line = n->line;
		p->col = n->col;
	}
}

/* Appends a zeroed, initialised element to the array at f->off; returns it or NULL. */
static void *push_elem(const struct field *f, void *obj)
{
	void **arr = at(obj, f->off);
	size_t *n = at(obj, f->count_off);
	void *e;

	if (pt_grow(arr, *n, f->size))
		return NULL;
	e = (char *)*arr + *n * f->size;
	memset(e, 0, f->size);
	if (f->sub->init)
		f->sub->init(e);
	(*n)++; /* counted at once, so the free functions see it whatever happens next */
	return e;
}

static int walk_list(struct walk *w, const struct field *f, const struct ynode *v, void *obj)
{
	if (v->type == Y_SCALAR && v->null)
		return 0;
	if (v->type != Y_SEQ)
		return fail(w, v, "key '%s': expected a list of %s, got %s", w->path, f->sub->what,
			    type_name(v));
	if (too_many(w, f, v, v->n))
		return -EINVAL;
	for (size_t i = 0; i < v->n; i++) {
		size_t old = path_push_index(w, i);
		void *e = push_elem(f, obj);
		int r;

		if (!e)
			return fail(w, v->kids[i], "out of memory");
		set_pos(f->sub, e, v->kids[i]);
		r = walk_map(w, f->sub, v->kids[i], e);
		path_pop(w, old);
		if (r)
			return r;
	}
	return 0;
}

static int walk_dict(struct walk *w, const struct field *f, const struct ynode *v, void *obj)
{
	if (v->type == Y_SCALAR && v->null)
		return 0;
	if (v->type != Y_MAP)
		return fail(w, v, "key '%s': expected a mapping of %s, got %s", w->path,
			    f->sub->what, type_name(v));
	if (too_many(w, f, v, v->n / 2))
		return -EINVAL;
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const struct ynode *k = v->kids[i], *val = v->kids[i + 1];
		const char *why;
		char b[72];
		size_t old;
		void *e;
		int r;

		for (size_t j = 0; j < i; j += 2)
			if (is_text(k) && v->kids[j]->type == Y_SCALAR &&
			    !strcmp(v->kids[j]->text, k->text))
				return fail(w, k, "duplicate key '%s' in %s (first at line %d)",
					    schema_quote(k, b, sizeof(b)), where(w), v->kids[j]->line);
		if (!is_text(k))
			return fail(w, k, "key in %s: expected a name, got %s", where(w),
				    type_name(k));
		old = path_push_key(w, k->text);
		e = push_elem(f, obj);
		if (!e) {
			path_pop(w, old);
			return fail(w, k, "out of memory");
		}
		set_pos(f->sub, e, k);
		why = f->sub->key(k, e);
		if (why)
			r = fail(w, k, "key '%s': '%s' %s", w->path, schema_quote(k, b, sizeof(b)), why);
		else
			r = walk_map(w, f->sub, val, e);
		path_pop(w, old);
		if (r)
			return r;
	}
	return 0;
}

static int walk_field(struct walk *w, const struct field *f, const struct ynode *v, void *obj)
{
	switch (f->type) {
	case F_STRV:
		return walk_strv(w, f, v, obj);
	case F_SUB:
		set_pos(f->sub, at(obj, f->off), v);
		return walk_map(w, f->sub, v, at(obj, f->off));
	case F_LIST:
		return walk_list(w, f, v, obj);
	case F_DICT:
		return walk_dict(w, f, v, obj);
	default:
		if (v->type != Y_SCALAR)
			return bad_value(w, v, "");
		return walk_scalar(w, f, v, obj);
	}
}

static int walk_map(struct walk *w, const struct schema *s, const struct ynode *n, void *obj)
{
	int first_line[64] = { 0 };
	uint64_t seen = 0;
	size_t nf = 0;
	char b[72];
	int r;

	while (s->fields[nf].key)
		nf++;
	if (n->type == Y_SEQ || (n->type == Y_SCALAR && !n->null)) {
		if (!w->path[0])
			return fail(w, n, "the document must be a mapping of keys (version, name, "
					  "iommu, ...), got %s", type_name(n));
		if (n->type == Y_SCALAR)
			return fail(w, n, "key '%s': expected a mapping (%s), got value '%s'",
				    w->path, s->what, schema_quote(n, b, sizeof(b)));
		return fail(w, n, "key '%s': expected a mapping (%s), got %s", w->path, s->what,
			    type_name(n));
	}
	for (size_t i = 0; n->type == Y_MAP && i + 1 < n->n; i += 2) {
		const struct ynode *k = n->kids[i], *v = n->kids[i + 1];
		size_t fi, old;

		if (!is_text(k))
			return fail(w, k, "key in %s: expected a name, got %s", where(w),
				    type_name(k));
		for (fi = 0; fi < nf; fi++)
			if (!strcmp(s->fields[fi].key, k->text))
				break;
		if (fi == nf)
			return unknown_key(w, s, k);
		if (seen & (1ull << fi))
			return fail(w, k, "duplicate key '%s' in %s (first at line %d)", k->text,
				    where(w), first_line[fi]);
		seen |= 1ull << fi;
		first_line[fi] = k->line;
		old = path_push_key(w, k->text);
		r = walk_field(w, &s->fields[fi], v, obj);
		path_pop(w, old);
		if (r)
			return r;
	}
	for (size_t fi = 0; fi < nf; fi++)
		if (s->fields[fi].required && !(seen & (1ull << fi)))
			return fail(w, n, "%s: missing required key '%s' (%s)", where(w),
				    s->fields[fi].key, s->what);
	return s->check ? s->check(w, n, obj, seen) : 0;
}

int schema_parse_doc(const char *buf, size_t len, const char *filename, const struct schema *s,
		     void *obj, struct pt_cfg_error *err, const struct field *other_keys,
		     const char *other_doc)
{
	struct pt_cfg_error dummy;
	struct walk w = { .file = filename && *filename ? filename : "(string)",
			  .err = err ? err : &dummy, .other_keys = other_keys,
			  .other_doc = other_doc };
	struct ynode *root = NULL;
	int r;

	memset(w.err, 0, sizeof(*w.err));
	r = yaml_tree_read(&w, buf, len, &root);
	if (r)
		return r;
	if (!root || (root->type == Y_SCALAR && root->null)) {
		/* an empty document: everything stays as the defaults say */
		ynode_free(root);
		return 0;
	}
	r = walk_map(&w, s, root, obj);
	ynode_free(root);
	return r;
}
