// SPDX-License-Identifier: MIT
/*
 * Host profiles and host configurations (include/passthru/profile.h).
 *
 * Three stages, in this file and nowhere else (the FreeBSD iovctl model):
 *
 *   1. parse:    libfyaml events -> a small tree of our own (struct ynode) that keeps
 *                the line and column of every node, the scalar style (plain or quoted)
 *                and nothing else; aliases, tags and second documents are refused here;
 *   2. validate: one walker over that tree, driven by schema tables (struct field):
 *                key name, type, range or keywords, where the value goes. Unknown keys,
 *                duplicate keys, wrong types and out-of-range values stop the walk
 *                with file:line:col, the key path, the value and what was expected.
 *                Checks across keys run as "check" hooks once a mapping is complete,
 *                and across sections once the document is complete;
 *   3. defaults: pt_profile_defaults() fills the struct before the walk, so whatever
 *                the document does not say keeps its default. Lists the document names
 *                replace the default list (kernel.cmdline.forbid: [] clears it).
 *
 * Pure: no I/O except pt_profile_load/pt_hostcfg_load, which read the user's file.
 */
#include "internal.h"
#include "passthru/parse.h"
#include "passthru/profile.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

_Static_assert(sizeof(enum pt_severity) == sizeof(int), "severities are stored as int");

#define MAX_DEPTH 32                   /* the schema never nests deeper than 8 */
#define MAX_FILE_SIZE (4u << 20)       /* profiles are small; refuse anything absurd */
#define MAX_ENTRIES 1024               /* per list or mapping of names (vf: 2048) */
#define MAX_POOL_MEMBERS 4096          /* over all pools: the cross-check is pairwise */

/* ---- stage 1: a position-keeping tree built from libfyaml events ----------------- */

enum ytype { Y_SCALAR, Y_MAP, Y_SEQ };

struct ynode {
	enum ytype type;
	int line, col;          /* 1-based */
	char *text;             /* scalar: NUL-terminated copy */
	size_t len;             /* scalar: length (may differ from strlen: embedded NUL) */
	bool plain;             /* scalar written without quotes or block style */
	bool null;              /* plain "", "~", "null" */
	struct ynode **kids;    /* map: key, value, key, value ...; seq: items */
	size_t n;
};

static void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

struct walk {
	const char *file;
	struct pt_cfg_error *err;
	char path[256];         /* key path of the value being read: "sriov[0].vf.1.vlan" */
	bool hostcfg_only;      /* parsing a host configuration (gate keys refused) */
};

__attribute__((format(printf, 4, 5))) static int fail_at(struct walk *w, int line, int col,
							  const char *fmt, ...)
{
	va_list ap;

	pt_strlcpy(w->err->file, w->file, sizeof(w->err->file));
	w->err->line = line;
	w->err->col = col;
	va_start(ap, fmt);
	vsnprintf(w->err->msg, sizeof(w->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define fail(w, node, ...) fail_at((w), (node)->line, (node)->col, __VA_ARGS__)

static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

static bool is_null_text(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static const char *event_what(enum fy_event_type t)
{
	switch (t) {
	case FYET_MAPPING_START:
		return "mapping";
	case FYET_SEQUENCE_START:
		return "list";
	default:
		return "value";
	}
}

/* Adds child c under the open collection top; a map takes keys and values in turn. */
static int attach(struct ynode *top, struct ynode *c)
{
	return PT_PUSH(top->kids, top->n, c);
}

/* The YAML syntax error libfyaml collected, as file:line:col. */
static int syntax_error(struct walk *w, struct fy_diag *diag, int line, int col)
{
	struct fy_diag_error *de;
	void *it = NULL;

	de = fy_diag_errors_iterate(diag, &it);
	if (de)
		return fail_at(w, de->line > 0 ? de->line : line, de->column > 0 ? de->column : col,
			       "YAML syntax error: %s", de->msg ? de->msg : "malformed document");
	return fail_at(w, line, col, "YAML syntax error: malformed document");
}

/* Decodes a single-quoted scalar from the document bytes: '' is a quote, a line break
 * with the white space around it folds into one space, n empty lines into n newlines
 * (YAML 1.2, 7.3.2). raw/len is the text between the quotes. */
static char *sq_decode(const char *raw, size_t len, size_t *outlen)
{
	char *out = malloc(len + 1);
	size_t o = 0, i = 0;

	if (!out)
		return NULL;
	while (i < len) {
		char c = raw[i];

		if (c == '\'' && i + 1 < len && raw[i + 1] == '\'') {
			out[o++] = '\'';
			i += 2;
		} else if (c == '\n' || c == '\r') {
			size_t empty = 0;

			while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
				o--;
			for (;;) {
				if (raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n')
					i++;
				i++;
				while (i < len && (raw[i] == ' ' || raw[i] == '\t'))
					i++;
				if (i < len && (raw[i] == '\n' || raw[i] == '\r')) {
					empty++;
					continue;
				}
				break;
			}
			if (empty)
				for (size_t k = 0; k < empty; k++)
					out[o++] = '\n';
			else
				out[o++] = ' ';
		} else {
			out[o++] = c;
			i++;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* A scalar's text (escapes processed) into a malloc'd, NUL-terminated buffer.
 * libfyaml 0.7.12 gets single-quoted scalars wrong: fy_token_get_text() leaks its
 * buffer for a run of five or more '' escapes, returns wrong text when a run of ''
 * comes before a line break ('b c''''\n  x' gives "b c''' "), folds a CR LF before
 * the closing line as a newline ('a\r\n  ' gives "a\n", where '\n' gives "a "), and
 * its token iterator miscounts '' runs. A differential run over random
 * single-quoted scalars found no other difference, so single-quoted scalars are
 * decoded here from the document bytes (the scanner's marks, which are right, say
 * where the text is); every other style goes through fy_token_get_text().
 * Returns 0, -ENOMEM or -EINVAL (marks not enclosed by quotes). */
static int token_text(struct fy_token *fyt, const char *doc, size_t doclen, char **out,
		      size_t *outlen)
{
	const char *t;
	size_t tl = 0;

	if (fy_token_scalar_style(fyt) == FYSS_SINGLE_QUOTED) {
		const struct fy_mark *a = fy_token_start_mark(fyt), *b = fy_token_end_mark(fyt);
		size_t s, e;

		if (!a || !b || a->input_pos > b->input_pos || b->input_pos > doclen)
			return -EINVAL;
		/* the marks enclose the text between the quotes */
		s = a->input_pos;
		e = b->input_pos;
		if (s == 0 || e >= doclen || doc[s - 1] != '\'' || doc[e] != '\'')
			return -EINVAL;
		*out = sq_decode(doc + s, e - s, outlen);
		return *out ? 0 : -ENOMEM;
	}
	t = fy_token_get_text(fyt, &tl);
	if (!t && tl)
		return -ENOMEM;
	*out = malloc(tl + 1);
	if (!*out)
		return -ENOMEM;
	if (tl)
		memcpy(*out, t, tl);
	(*out)[tl] = '\0';
	*outlen = tl;
	return 0;
}

/* Builds the tree of the first (and only) document. *root is NULL for an empty stream
 * or an empty document. */
static int build_tree(struct walk *w, const char *buf, size_t len, struct ynode **root)
{
	struct ynode *stack[MAX_DEPTH + 1];
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;
	struct fy_parser *fyp;
	struct fy_event *ev;
	int depth = 0, docs = 0, r = 0, line = 1, col = 1;
	bool done = false;

	*root = NULL;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_discard; /* the library never prints */
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		return fail_at(w, 0, 0, "out of memory");
	fy_diag_set_collect_errors(diag, true);
	{
		struct fy_parse_cfg pcfg = {
			/* duplicates are found by the walker, which names the key and both lines */
			.flags = FYPCF_QUIET | FYPCF_ALLOW_DUPLICATE_KEYS | FYPCF_DEFAULT_VERSION_1_2 |
				 FYPCF_JSON_NONE,
			.diag = diag,
		};
		fyp = fy_parser_create(&pcfg);
	}
	if (!fyp) {
		fy_diag_destroy(diag);
		return fail_at(w, 0, 0, "out of memory");
	}
	if (fy_parser_set_string(fyp, len ? buf : "", len)) {
		r = fail_at(w, 0, 0, "cannot read the document");
		goto out;
	}
	while (!done && (ev = fy_parser_parse(fyp))) {
		const struct fy_mark *m = fy_event_start_mark(ev);
		struct fy_token *tag = NULL;
		struct ynode *n = NULL;

		if (m && m->line >= 0) {
			line = m->line + 1;
			col = m->column + 1;
		}
		switch (ev->type) {
		case FYET_DOCUMENT_START:
			if (++docs > 1) {
				r = fail_at(w, line, col,
					    "a second YAML document: one file holds one profile");
				done = true;
			}
			break;
		case FYET_SCALAR:
		case FYET_MAPPING_START:
		case FYET_SEQUENCE_START:
			tag = ev->type == FYET_SCALAR	       ? ev->scalar.tag
				     : ev->type == FYET_MAPPING_START ? ev->mapping_start.tag
								       : ev->sequence_start.tag;
			if (tag) {
				const struct fy_mark *tm = fy_token_start_mark(tag);

				if (tm && tm->line >= 0) {
					line = tm->line + 1;
					col = tm->column + 1;
				}
				r = fail_at(w, line, col,
					    "YAML tags are not supported here (quote the %s instead)",
					    event_what(ev->type));
				done = true;
				break;
			}
			n = calloc(1, sizeof(*n));
			if (!n) {
				r = fail_at(w, line, col, "out of memory");
				done = true;
				break;
			}
			n->line = line;
			n->col = col;
			if (ev->type == FYET_SCALAR) {
				int tr = token_text(ev->scalar.value, len ? buf : "", len, &n->text,
						    &n->len);

				n->type = Y_SCALAR;
				if (tr) {
					free(n);
					r = fail_at(w, line, col, tr == -ENOMEM ? "out of memory"
						    : "cannot decode this single-quoted value; "
						      "use double quotes");
					done = true;
					break;
				}
				n->plain = fy_token_scalar_style(ev->scalar.value) == FYSS_PLAIN;
				/* libfyaml marks a quoted scalar at its first character inside
				 * the quotes; point at the opening quote, where the value starts */
				if ((fy_token_scalar_style(ev->scalar.value) == FYSS_SINGLE_QUOTED ||
				     fy_token_scalar_style(ev->scalar.value) == FYSS_DOUBLE_QUOTED) &&
				    n->col > 1)
					n->col--;
				n->null = n->plain && is_null_text(n->text);
			} else {
				n->type = ev->type == FYET_MAPPING_START ? Y_MAP : Y_SEQ;
			}
			if (depth == 0) {
				if (*root) { /* cannot happen: one root per document */
					ynode_free(n);
					break;
				}
				*root = n;
			} else if (attach(stack[depth - 1], n)) {
				ynode_free(n);
				r = fail_at(w, line, col, "out of memory");
				done = true;
				break;
			}
			if (n->type != Y_SCALAR) {
				if (depth >= MAX_DEPTH) {
					r = fail_at(w, line, col, "nesting deeper than %d levels",
						    MAX_DEPTH);
					done = true;
					break;
				}
				stack[depth++] = n;
			}
			break;
		case FYET_MAPPING_END:
		case FYET_SEQUENCE_END:
			if (depth > 0)
				depth--;
			break;
		case FYET_ALIAS:
			/* the mark is at the alias name; the alias starts at its '*' */
			r = fail_at(w, line, col > 1 ? col - 1 : col,
				    "YAML aliases (*name) are not supported: write the value out");
			done = true;
			break;
		default:
			break;
		}
		fy_parser_event_free(fyp, ev);
	}
	if (!r && (fy_parser_get_stream_error(fyp) || fy_diag_got_error(diag)))
		r = syntax_error(w, diag, line, col);
out:
	fy_parser_destroy(fyp);
	fy_diag_destroy(diag);
	if (r) {
		ynode_free(*root);
		*root = NULL;
	}
	return r;
}

/* ---- stage 2: the schema and its walker ------------------------------------------- */

enum ftype {
	F_INT,    /* int in [min, max] */
	F_LONG,   /* long in [min, max] */
	F_FLAG,   /* true/false -> int 1/0 */
	F_ENUM,   /* keyword -> int (kw table) */
	F_CONV,   /* scalar through conv() */
	F_STRV,   /* list of scalars -> char ** (+ size_t count at count_off), each through conv */
	F_SUB,    /* mapping read into the object at off with sub schema */
	F_LIST,   /* list of mappings -> array at off (+ count), elements per sub schema */
	F_DICT,   /* mapping of user keys -> array at off (+ count); sub->key names elements */
};

struct kw {
	const char *name;
	int val;
};

struct walk;
struct schema;

/* Converts a scalar into dst (size bytes). Returns NULL, or why the value is wrong as
 * a phrase that follows "value 'x' ": "is not a MAC address (expected ...)". */
typedef const char *(*conv_fn)(const struct ynode *v, void *dst, size_t size);

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	size_t size;              /* F_CONV: bytes at dst; F_LIST/F_DICT: element size */
	size_t count_off;         /* F_STRV/F_LIST/F_DICT */
	long min, max;            /* F_INT/F_LONG; F_STRV/F_LIST/F_DICT: max entries (0: MAX_ENTRIES) */
	const struct kw *kw;      /* F_ENUM */
	conv_fn conv;             /* F_CONV, F_STRV (NULL: any non-empty string) */
	const struct schema *sub; /* F_SUB/F_LIST/F_DICT */
	bool required;
};

struct schema {
	const char *what;                 /* "an SR-IOV PF", for messages */
	const struct field *fields;       /* NULL-key terminated */
	void (*init)(void *elem);         /* F_LIST/F_DICT element defaults */
	long pos_off;                     /* offset of struct pt_srcpos, -1 none */
	/* F_DICT: converts the user's key into the element */
	const char *(*key)(const struct ynode *k, void *elem);
	/* After the mapping: checks across its keys. seen: bit i = fields[i] given. */
	int (*check)(struct walk *w, const struct ynode *map, void *obj, uint64_t seen);
};

static void *at(void *obj, size_t off)
{
	return (char *)obj + off;
}

/* A value quoted for a message: bounded, control characters shown as '?'. */
static const char *q(const struct ynode *v, char *buf, size_t len)
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
	return fail(w, v, "key '%s': value '%s' %s", w->path, q(v, b, sizeof(b)), why);
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

static const char *where(struct walk *w)
{
	return w->path[0] ? w->path : "the top level";
}

/* A scalar that is text: not null, no embedded NUL. */
static bool is_text(const struct ynode *v)
{
	return v->type == Y_SCALAR && !v->null && strlen(v->text) == v->len;
}

static int parse_integer(const struct ynode *v, long *out)
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

static int parse_bool(const struct ynode *v, int *out)
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

static const struct schema profile_schema;

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
	if (w->hostcfg_only && !w->path[0]) {
		for (const struct field *f = profile_schema.fields; f->key; f++)
			if (!strcmp(f->key, k->text))
				return fail(w, k,
					    "key '%s' belongs in a profile (passthru check --profile), "
					    "not in a host configuration; expected one of: %s",
					    k->text, keys);
	}
	if (best && bestd <= (strlen(best) > 4 ? 2 : 1))
		snprintf(hint, sizeof(hint), " (did you mean '%s'?)", best);
	return fail(w, k, "unknown key '%s' in %s%s; expected one of: %s", q(k, b, sizeof(b)),
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
		r = parse_integer(v, &x);
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
		if (parse_bool(v, &bv))
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
					    q(k, b, sizeof(b)), where(w), v->kids[j]->line);
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
			r = fail(w, k, "key '%s': '%s' %s", w->path, q(k, b, sizeof(b)), why);
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
				    w->path, s->what, q(n, b, sizeof(b)));
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

/* ---- value converters --------------------------------------------------------------- */

static const char *conv_bdf(const struct ynode *v, void *dst, size_t size)
{
	struct pt_match *m = dst;

	(void)size;
	if (pt_bdf_parse(v->text, &m->bdf))
		return "is not a PCI address (expected domain:bus:device.function, such as "
		       "0000:41:00.0)";
	m->kind = PT_MATCH_BDF;
	return NULL;
}

static const char *check_netdev(const char *s)
{
	size_t l = strlen(s);

	if (l == 0)
		return "is empty (expected an interface name)";
	if (l > 15)
		return "is too long for an interface name (at most 15 characters)";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "is not a valid interface name";
	for (const char *c = s; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c) ||
		    (unsigned char)*c < 0x20 || *c == 0x7f)
			return "is not a valid interface name (no '/', ':' or white space)";
	return NULL;
}

static const char *conv_netdev(const struct ynode *v, void *dst, size_t size)
{
	struct pt_match *m = dst;
	const char *why = check_netdev(v->text);

	(void)size;
	if (why)
		return why;
	pt_strlcpy(m->netdev, v->text, sizeof(m->netdev));
	m->kind = PT_MATCH_NETDEV;
	return NULL;
}

static int hex4(const char *s, int *out)
{
	int x = 0;

	for (int i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		x = x * 16 + (isdigit((unsigned char)s[i]) ? s[i] - '0'
							    : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*out = x;
	return 0;
}

static const char *conv_id(const struct ynode *v, void *dst, size_t size)
{
	struct pt_match *m = dst;
	const char *s = v->text;

	(void)size;
	if (strlen(s) != 9 || s[4] != ':' || hex4(s, &m->vendor_id) || hex4(s + 5, &m->device_id))
		return "is not a PCI ID (expected vendor:device in hex, such as 8086:10c9)";
	m->kind = PT_MATCH_ID;
	return NULL;
}

static const char *check_driver(const char *s)
{
	size_t l = strlen(s);

	if (l == 0)
		return "is empty (expected a driver name or none)";
	if (l > 63)
		return "is too long for a driver name";
	for (const char *c = s; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			return "is not a driver name (letters, digits, '_' and '-'; or none)";
	return NULL;
}

static const char *conv_driver(const struct ynode *v, void *dst, size_t size)
{
	const char *why = check_driver(v->text);

	if (why)
		return why;
	pt_strlcpy(dst, v->text, size);
	return NULL;
}

/* devices[].driver: "any" means "do not check the driver" (stored as ""). */
static const char *conv_driver_or_any(const struct ynode *v, void *dst, size_t size)
{
	if (!strcmp(v->text, "any")) {
		*(char *)dst = '\0';
		return NULL;
	}
	return conv_driver(v, dst, size);
}

static const char *conv_mac(const struct ynode *v, void *dst, size_t size)
{
	struct pt_vf_config *c = dst;
	const char *s = v->text;
	uint8_t mac[6];
	bool zero = true;

	(void)size;
	if (strlen(s) != 17)
		return "is not a MAC address (expected six hex pairs such as 52:54:00:00:10:00)";
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		int hi, lo;

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    (i < 5 && p[2] != ':'))
			return "is not a MAC address (expected six hex pairs such as "
			       "52:54:00:00:10:00)";
		hi = isdigit((unsigned char)p[0]) ? p[0] - '0' : tolower((unsigned char)p[0]) - 'a' + 10;
		lo = isdigit((unsigned char)p[1]) ? p[1] - '0' : tolower((unsigned char)p[1]) - 'a' + 10;
		mac[i] = (uint8_t)(hi * 16 + lo);
		if (mac[i])
			zero = false;
	}
	if (!zero && (mac[0] & 1))
		return "is a multicast address (a VF needs a unicast MAC; the first octet must be even)";
	memcpy(c->mac, mac, 6);
	c->has_mac = true;
	return NULL;
}

static const char *conv_name(const struct ynode *v, void *dst, size_t size)
{
	size_t l = strlen(v->text);

	if (l == 0)
		return "is empty";
	if (l >= size)
		return "is too long (at most 63 characters)";
	for (const char *c = v->text; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return "contains control characters";
	pt_strlcpy(dst, v->text, size);
	return NULL;
}

static const char *conv_pool_name(const struct ynode *k, void *elem)
{
	struct pt_pool_config *pc = elem;
	size_t l = strlen(k->text);

	if (l == 0 || l > 63)
		return "is not a pool name (1..63 characters)";
	for (const char *c = k->text; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
			return "is not a pool name (letters, digits, '.', '_' and '-')";
	pt_strlcpy(pc->name, k->text, sizeof(pc->name));
	return NULL;
}

static const char *conv_vf_index(const struct ynode *k, void *elem)
{
	struct pt_vf_config *c = elem;
	long x;

	if (parse_integer(k, &x) || x < 0 || x > 2047)
		return "is not a VF index (expected an integer 0..2047)";
	c->vf = (int)x;
	return NULL;
}

static const char *conv_remap(const struct ynode *v, void *dst, size_t size)
{
	(void)size;
	if (!strcmp(v->text, "required") || (v->plain && !strcmp(v->text, "true")))
		*(bool *)dst = true;
	else if (!strcmp(v->text, "optional") || (v->plain && !strcmp(v->text, "false")))
		*(bool *)dst = false;
	else
		return "is not valid (expected required or optional; true or false)";
	return NULL;
}

static const char *conv_domain(const struct ynode *v, void *dst, size_t size)
{
	if (!strcmp(v->text, "any"))
		pt_strlcpy(dst, "", size);
	else if (!strcmp(v->text, "translated") || !strcmp(v->text, "passthrough"))
		pt_strlcpy(dst, v->text, size);
	else
		return "is not valid (expected translated, passthrough or any)";
	return NULL;
}

static const char *check_cmdline_entry(const struct ynode *v, void *dst, size_t size)
{
	(void)dst;
	(void)size;
	if (!v->text[0])
		return "is empty (expected a parameter such as iommu=pt)";
	if (v->text[0] == '=')
		return "has no parameter name before '='";
	for (const char *c = v->text; *c; c++)
		if (isspace((unsigned char)*c) || (unsigned char)*c < 0x20 || *c == '"')
			return "contains white space or quotes (one parameter per entry, such as "
			       "iommu=pt)";
	return NULL;
}

static const char *check_nonempty(const struct ynode *v, void *dst, size_t size)
{
	(void)dst;
	(void)size;
	return v->text[0] ? NULL : "is empty";
}

static const char *conv_governor(const struct ynode *v, void *dst, size_t size)
{
	size_t l = strlen(v->text);

	if (l == 0 || l >= size)
		return "is not a cpufreq governor name (such as performance)";
	for (const char *c = v->text; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			return "is not a cpufreq governor name (such as performance)";
	pt_strlcpy(dst, v->text, size);
	return NULL;
}

static const char *conv_cpulist(const struct ynode *v, void *dst, size_t size)
{
	int n;

	if (strlen(v->text) >= size)
		return "is too long for a CPU list";
	n = pt_parse_cpulist(v->text, NULL, 0);
	if (n < 0)
		return "is not a CPU list (expected ranges such as 2-15,18-31)";
	if (n == 0)
		return "is empty (expected ranges such as 2-15,18-31)";
	pt_strlcpy(dst, v->text, size);
	return NULL;
}

/* "2M", "2MB", "2048kB", "2048K", "1G", "1GB" -> kB; a power of two >= 64 kB. */
static const char *conv_hugesize(const struct ynode *v, void *dst, size_t size)
{
	const char *s = v->text;
	unsigned long long x = 0, mult;
	const char *u;

	(void)size;
	if (!isdigit((unsigned char)*s))
		goto bad;
	for (u = s; isdigit((unsigned char)*u); u++) {
		x = x * 10 + (unsigned long long)(*u - '0');
		if (x > (1ull << 40))
			goto bad;
	}
	if (!strcasecmp(u, "k") || !strcasecmp(u, "kb"))
		mult = 1;
	else if (!strcasecmp(u, "m") || !strcasecmp(u, "mb"))
		mult = 1024;
	else if (!strcasecmp(u, "g") || !strcasecmp(u, "gb"))
		mult = 1024 * 1024;
	else
		goto bad;
	x *= mult;
	if (x < 64 || (x & (x - 1)) || x > (1ull << 30))
		return "is not a huge page size (a power of two from 64kB, such as 2M or 1G)";
	*(long *)dst = (long)x;
	return NULL;
bad:
	return "is not a huge page size (expected a size with a unit: 2M, 2048kB, 1G)";
}

/* "8 GT/s", "8.0 GT/s", "16" (GT/s implied), "2.5" -> MT/s; a PCIe generation's speed. */
static const char *conv_speed(const struct ynode *v, void *dst, size_t size)
{
	static const int ok[] = { 2500, 5000, 8000, 16000, 32000, 64000 };
	char b[64];
	const char *s = v->text;
	int mts;

	(void)size;
	if (strlen(s) > 40)
		goto bad;
	if (strspn(s, "0123456789.") == strlen(s)) {
		snprintf(b, sizeof(b), "%s GT/s", s);
		s = b;
	}
	mts = pt_parse_link_speed(s);
	if (!strstr(s, "GT/s") || strstr(s, "GT/s")[4] != '\0')
		goto bad;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (mts == ok[i]) {
			*(int *)dst = mts;
			return NULL;
		}
bad:
	return "is not a PCIe link speed (expected 2.5, 5, 8, 16, 32 or 64 GT/s, such as "
	       "\"8 GT/s\")";
}

static const char *conv_width(const struct ynode *v, void *dst, size_t size)
{
	int x = pt_parse_link_width(v->text);

	(void)size;
	if (x != 1 && x != 2 && x != 4 && x != 8 && x != 12 && x != 16 && x != 32)
		return "is not a PCIe link width (expected 1, 2, 4, 8, 12, 16 or 32)";
	*(int *)dst = x;
	return NULL;
}

/* spoof_check/trust in vf_policy: true|false|any -> 1/0/-1 */
static const char *conv_policy_bool(const struct ynode *v, void *dst, size_t size)
{
	int b;

	(void)size;
	if (!strcmp(v->text, "any")) {
		*(int *)dst = -1;
		return NULL;
	}
	if (parse_bool(v, &b))
		return "is not valid (expected true, false or any)";
	*(int *)dst = b;
	return NULL;
}

/* version: 1 -- the only format so far; stored nowhere */
static const char *conv_version(const struct ynode *v, void *dst, size_t size)
{
	long x;

	(void)dst;
	(void)size;
	if (parse_integer(v, &x))
		return "is not a number (expected 1)";
	if (x != 1)
		return "is not supported (this passthru reads version 1)";
	return NULL;
}

/* ---- the schema tables ----------------------------------------------------------- */

static const struct kw kw_severity[] = {
	{ "ignore", PT_SEV_IGNORE }, { "warn", PT_SEV_WARN }, { "fail", PT_SEV_FAIL }, { 0, 0 }
};
static const struct kw kw_irqbalance[] = {
	{ "running", 1 }, { "stopped", 0 }, { "any", -1 }, { 0, 0 }
};
static const struct kw kw_link_state[] = {
	{ "auto", PT_LINK_AUTO }, { "enable", PT_LINK_ENABLE }, { "disable", PT_LINK_DISABLE }, { 0, 0 }
};
static const struct kw kw_vlan_policy[] = { { "required", 1 }, { "any", 0 }, { 0, 0 } };

#define FIELD(k, t, ...) { .key = k, .type = t, __VA_ARGS__ }
#define INTF(k, st, m, lo, hi) FIELD(k, F_INT, .off = offsetof(st, m), .min = lo, .max = hi)
#define LONGF(k, st, m, lo, hi) FIELD(k, F_LONG, .off = offsetof(st, m), .min = lo, .max = hi)
#define FLAGF(k, st, m) FIELD(k, F_FLAG, .off = offsetof(st, m))
#define ENUMF(k, st, m, t) FIELD(k, F_ENUM, .off = offsetof(st, m), .kw = t)
#define CONVF(k, st, m, fn) \
	FIELD(k, F_CONV, .off = offsetof(st, m), .size = sizeof(((st *)0)->m), .conv = fn)
/* converters that fill several members get the whole object */
#define OBJF(k, fn, sz) FIELD(k, F_CONV, .off = 0, .size = sz, .conv = fn)
#define END { 0 }

/* device selectors */
static void match_init(void *e)
{
	struct pt_match *m = e;

	m->kind = PT_MATCH_NONE;
	m->vendor_id = m->device_id = -1;
	m->index = 0;
}

static int match_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_match *m = obj;
	int kinds = !!(seen & 1) + !!(seen & 2) + !!(seen & 4);

	m->pos.line = map->line;
	m->pos.col = map->col;
	if (kinds == 0)
		return fail(w, map, "%s: a device selector needs one of bdf, netdev or id",
			    where(w));
	if (kinds > 1)
		return fail(w, map, "%s: a device selector takes only one of bdf, netdev or id",
			    where(w));
	if ((seen & 8) && m->kind != PT_MATCH_ID)
		return fail(w, map, "%s: index only goes with id (the index-th function with "
				    "that ID)", where(w));
	return 0;
}

static const struct field match_fields[] = {
	OBJF("bdf", conv_bdf, sizeof(struct pt_match)),       /* bit 0 */
	OBJF("netdev", conv_netdev, sizeof(struct pt_match)), /* bit 1 */
	OBJF("id", conv_id, sizeof(struct pt_match)),         /* bit 2 */
	INTF("index", struct pt_match, index, 0, 4095),       /* bit 3 */
	END,
};
static const struct schema match_schema = {
	.what = "a device selector: { bdf: ... }, { netdev: ... } or { id: ..., index: ... }",
	.fields = match_fields,
	.init = match_init,
	.pos_off = offsetof(struct pt_match, pos),
	.check = match_check,
};

/* VF settings */
static void vf_init(void *e)
{
	struct pt_vf_config *c = e;

	c->vf = -1;
	c->has_mac = false;
	c->vlan = c->qos = c->spoof_check = c->trust = -1;
	c->link_state = PT_LINK_UNSET;
	c->min_tx_rate = c->max_tx_rate = -1;
	c->driver[0] = '\0';
}

static int vf_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_vf_config *c = obj;

	(void)seen;
	if (c->vf < 0 && c->has_mac)
		return fail(w, map, "%s: mac in vf_defaults would give every VF the same "
				    "address; set it per VF under vf:", where(w));
	return 0;
}

static const struct field vf_fields[] = {
	OBJF("mac", conv_mac, sizeof(struct pt_vf_config)),
	INTF("vlan", struct pt_vf_config, vlan, 0, 4095),
	INTF("qos", struct pt_vf_config, qos, 0, 7),
	FLAGF("spoof_check", struct pt_vf_config, spoof_check),
	FLAGF("trust", struct pt_vf_config, trust),
	ENUMF("link_state", struct pt_vf_config, link_state, kw_link_state),
	LONGF("min_tx_rate", struct pt_vf_config, min_tx_rate, 0, LONG_MAX),
	LONGF("max_tx_rate", struct pt_vf_config, max_tx_rate, 0, LONG_MAX),
	CONVF("driver", struct pt_vf_config, driver, conv_driver),
	END,
};
static const struct schema vf_schema = {
	.what = "VF settings",
	.fields = vf_fields,
	.init = vf_init,
	.pos_off = offsetof(struct pt_vf_config, pos),
	.key = conv_vf_index,
	.check = vf_check,
};

/* sriov: [...] */
static void sriov_init(void *e)
{
	struct pt_sriov_config *s = e;

	match_init(&s->pf);
	s->vfs = -1;
	s->drivers_autoprobe = -1;
	vf_init(&s->defaults);
}

static int cmp_vf(const void *a, const void *b)
{
	const struct pt_vf_config *x = a, *y = b;

	return (x->vf > y->vf) - (x->vf < y->vf);
}

static int rates_check(struct walk *w, const struct pt_vf_config *c, const char *what)
{
	if (c->min_tx_rate > 0 && c->max_tx_rate > 0 && c->min_tx_rate > c->max_tx_rate)
		return fail_at(w, c->pos.line, c->pos.col,
			       "%s: min_tx_rate %ld is above max_tx_rate %ld (Mbps)", what,
			       c->min_tx_rate, c->max_tx_rate);
	if (c->qos > 0 && c->vlan <= 0)
		return fail_at(w, c->pos.line, c->pos.col,
			       "%s: qos %d needs a vlan (qos is the priority of the VF's VLAN "
			       "tag)", what, c->qos);
	return 0;
}

static int sriov_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_sriov_config *s = obj;
	char what[320];
	int r;

	(void)map;
	(void)seen;
	if (s->n_vf > 1)
		qsort(s->vf, s->n_vf, sizeof(*s->vf), cmp_vf);
	if (!s->defaults.pos.line) {
		s->defaults.pos = s->pos;
	}
	snprintf(what, sizeof(what), "%s.vf_defaults", w->path);
	r = rates_check(w, &s->defaults, what);
	for (size_t i = 0; !r && i < s->n_vf; i++) {
		struct pt_vf_config eff;

		snprintf(what, sizeof(what), "%s.vf.%d", w->path, s->vf[i].vf);
		if (i > 0 && s->vf[i].vf == s->vf[i - 1].vf) {
			const struct pt_vf_config *a = &s->vf[i - 1], *b = &s->vf[i];

			if (b->pos.line < a->pos.line ||
			    (b->pos.line == a->pos.line && b->pos.col < a->pos.col)) {
				a = &s->vf[i];
				b = &s->vf[i - 1];
			}
			return fail_at(w, b->pos.line, b->pos.col,
				       "%s: VF %d is configured twice (first at line %d)", what,
				       b->vf, a->pos.line);
		}
		if (s->vfs >= 0 && s->vf[i].vf >= s->vfs)
			return fail_at(w, s->vf[i].pos.line, s->vf[i].pos.col,
				       "%s: VF index %d is out of range: vfs is %d, so VF indexes "
				       "are 0..%d", what, s->vf[i].vf, s->vfs, s->vfs - 1);
		pt_sriov_vf_effective(s, s->vf[i].vf, &eff);
		r = rates_check(w, &eff, what);
	}
	return r;
}

static const struct field sriov_fields[] = {
	FIELD("pf", F_SUB, .off = offsetof(struct pt_sriov_config, pf), .sub = &match_schema,
	      .required = true),
	INTF("vfs", struct pt_sriov_config, vfs, 0, 2048),
	FLAGF("drivers_autoprobe", struct pt_sriov_config, drivers_autoprobe),
	FIELD("vf_defaults", F_SUB, .off = offsetof(struct pt_sriov_config, defaults),
	      .sub = &vf_schema),
	FIELD("vf", F_DICT, .off = offsetof(struct pt_sriov_config, vf),
	      .count_off = offsetof(struct pt_sriov_config, n_vf),
	      .size = sizeof(struct pt_vf_config), .sub = &vf_schema, .max = 2048),
	END,
};
static const struct schema sriov_schema = {
	.what = "an SR-IOV PF: { pf: ..., vfs: N, vf_defaults: ..., vf: ... }",
	.fields = sriov_fields,
	.init = sriov_init,
	.pos_off = offsetof(struct pt_sriov_config, pos),
	.check = sriov_check,
};

/* passthrough: [...] */
static void passthrough_init(void *e)
{
	struct pt_passthrough_config *c = e;

	match_init(&c->device);
	pt_strlcpy(c->driver, "vfio-pci", sizeof(c->driver));
}

static const struct field passthrough_fields[] = {
	FIELD("device", F_SUB, .off = offsetof(struct pt_passthrough_config, device),
	      .sub = &match_schema, .required = true),
	CONVF("driver", struct pt_passthrough_config, driver, conv_driver),
	END,
};
static const struct schema passthrough_schema = {
	.what = "a device passed through whole: { device: ..., driver: vfio-pci }",
	.fields = passthrough_fields,
	.init = passthrough_init,
	.pos_off = offsetof(struct pt_passthrough_config, pos),
};

/* pools: {name: {...}} */
static int pool_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_pool_config *pc = obj;
	int kinds = !!(seen & 1) + !!(seen & 2);

	if (kinds != 1)
		return fail(w, map, "%s: a pool takes exactly one of vfs_of (the VFs of these "
				    "PFs) or devices (these functions)", where(w));
	pc->kind = (seen & 1) ? PT_POOL_VFS : PT_POOL_DEVICES;
	if (!pc->n_members)
		return fail(w, map, "%s: the pool has no members", where(w));
	return 0;
}

static const struct field pool_fields[] = {
	FIELD("vfs_of", F_LIST, .off = offsetof(struct pt_pool_config, members),
	      .count_off = offsetof(struct pt_pool_config, n_members),
	      .size = sizeof(struct pt_match), .sub = &match_schema),
	FIELD("devices", F_LIST, .off = offsetof(struct pt_pool_config, members),
	      .count_off = offsetof(struct pt_pool_config, n_members),
	      .size = sizeof(struct pt_match), .sub = &match_schema),
	END,
};
static const struct schema pool_schema = {
	.what = "a pool: { vfs_of: [PFs] } or { devices: [...] }",
	.fields = pool_fields,
	.pos_off = offsetof(struct pt_pool_config, pos),
	.key = conv_pool_name,
	.check = pool_check,
};

/* the host configuration's sections, at base (0 for pt_hostcfg, the offset of cfg in a
 * profile) */
#define HOSTCFG_FIELDS(base)                                                               \
	FIELD("sriov", F_LIST, .off = (base) + offsetof(struct pt_hostcfg, sriov),         \
	      .count_off = (base) + offsetof(struct pt_hostcfg, n_sriov),                  \
	      .size = sizeof(struct pt_sriov_config), .sub = &sriov_schema),               \
	FIELD("passthrough", F_LIST, .off = (base) + offsetof(struct pt_hostcfg, passthrough), \
	      .count_off = (base) + offsetof(struct pt_hostcfg, n_passthrough),            \
	      .size = sizeof(struct pt_passthrough_config), .sub = &passthrough_schema),   \
	FIELD("pools", F_DICT, .off = (base) + offsetof(struct pt_hostcfg, pools),         \
	      .count_off = (base) + offsetof(struct pt_hostcfg, n_pools),                  \
	      .size = sizeof(struct pt_pool_config), .sub = &pool_schema)

/* profile sections */
static const struct field iommu_fields[] = {
	CONVF("dma_remapping", struct pt_profile, require_dma_remapping, conv_remap),
	CONVF("interrupt_remapping", struct pt_profile, require_interrupt_remapping, conv_remap),
	CONVF("default_domain", struct pt_profile, default_domain, conv_domain),
	END,
};
static const struct schema iommu_schema = {
	.what = "IOMMU requirements",
	.fields = iommu_fields,
	.pos_off = -1,
};

static int find_item(const struct ynode *map, const char *key, const char *text,
		     const struct ynode **out)
{
	for (size_t i = 0; map->type == Y_MAP && i + 1 < map->n; i += 2) {
		const struct ynode *v = map->kids[i + 1];

		if (strcmp(map->kids[i]->text, key) || v->type != Y_SEQ)
			continue;
		for (size_t j = 0; j < v->n; j++)
			if (v->kids[j]->type == Y_SCALAR && !strcmp(v->kids[j]->text, text)) {
				*out = v->kids[j];
				return 0;
			}
	}
	return -ENOENT;
}

static int cmdline_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_profile *p = obj;

	for (size_t i = 0; i < p->n_cmdline_require; i++)
		for (size_t j = 0; j < p->n_cmdline_forbid; j++) {
			const struct ynode *n = map;

			if (strcmp(p->cmdline_require[i], p->cmdline_forbid[j]))
				continue;
			find_item(map, "require", p->cmdline_require[i], &n);
			return fail(w, n, "%s.require: '%s' is also forbidden%s", w->path,
				    p->cmdline_require[i],
				    (seen & 2) ? "" : " (by the default forbid list; set "
						      "kernel.cmdline.forbid to change it)");
		}
	return 0;
}

static const struct field cmdline_fields[] = {
	FIELD("require", F_STRV, .off = offsetof(struct pt_profile, cmdline_require),
	      .count_off = offsetof(struct pt_profile, n_cmdline_require),
	      .conv = check_cmdline_entry),
	FIELD("forbid", F_STRV, .off = offsetof(struct pt_profile, cmdline_forbid),
	      .count_off = offsetof(struct pt_profile, n_cmdline_forbid),
	      .conv = check_cmdline_entry),
	END,
};
static const struct schema cmdline_schema = {
	.what = "kernel command line rules: { require: [...], forbid: [...] }",
	.fields = cmdline_fields,
	.pos_off = -1,
	.check = cmdline_check,
};
static const struct field kernel_fields[] = {
	FIELD("cmdline", F_SUB, .sub = &cmdline_schema),
	END,
};
static const struct schema kernel_schema = {
	.what = "kernel requirements: { cmdline: ... }",
	.fields = kernel_fields,
	.pos_off = -1,
};

static void hugepage_init(void *e)
{
	struct pt_hugepage_req *h = e;

	h->node = -1;
	h->min_total = h->min_free = -1;
}

static int hugepage_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_hugepage_req *h = obj;

	(void)seen;
	if (h->min_total >= 0 && h->min_free > h->min_total)
		return fail(w, map, "%s: free %ld is more than total %ld", where(w), h->min_free,
			    h->min_total);
	return 0;
}

static const struct field hugepage_fields[] = {
	FIELD("size", F_CONV, .off = offsetof(struct pt_hugepage_req, size_kb),
	      .size = sizeof(long), .conv = conv_hugesize, .required = true),
	INTF("node", struct pt_hugepage_req, node, 0, 1023),
	LONGF("total", struct pt_hugepage_req, min_total, 0, LONG_MAX),
	LONGF("free", struct pt_hugepage_req, min_free, 0, LONG_MAX),
	END,
};
static const struct schema hugepage_schema = {
	.what = "a huge page requirement: { size: 1G, node: 0, total: N, free: N }",
	.fields = hugepage_fields,
	.init = hugepage_init,
	.pos_off = offsetof(struct pt_hugepage_req, pos),
	.check = hugepage_check,
};

static const struct field cpu_fields[] = {
	CONVF("governor", struct pt_profile, cpu_governor, conv_governor),
	END,
};
static const struct schema cpu_schema = {
	.what = "CPU requirements: { governor: performance }",
	.fields = cpu_fields,
	.pos_off = -1,
};

static const struct field severity_fields[] = {
	ENUMF("link_degraded", struct pt_profile, sev_link_degraded, kw_severity),
	ENUMF("iommu_faults", struct pt_profile, sev_iommu_faults, kw_severity),
	ENUMF("aer_fatal", struct pt_profile, sev_aer_fatal, kw_severity),
	ENUMF("aer_nonfatal", struct pt_profile, sev_aer_nonfatal, kw_severity),
	ENUMF("aer_correctable", struct pt_profile, sev_aer_correctable, kw_severity),
	ENUMF("irq_affinity", struct pt_profile, sev_irq_affinity, kw_severity),
	END,
};
static const struct schema severity_schema = {
	.what = "severities: { link_degraded: warn, ... }",
	.fields = severity_fields,
	.pos_off = -1,
};

static void device_init(void *e)
{
	struct pt_device_req *d = e;

	match_init(&d->match);
	pt_strlcpy(d->driver, "vfio-pci", sizeof(d->driver));
	d->numa_node = -1;
	d->min_speed_mts = -1;
	d->min_width = -1;
}

static const struct field link_fields[] = {
	CONVF("speed", struct pt_device_req, min_speed_mts, conv_speed),
	CONVF("width", struct pt_device_req, min_width, conv_width),
	END,
};
static const struct schema link_schema = {
	.what = "the minimum link: { speed: \"8 GT/s\", width: 8 }",
	.fields = link_fields,
	.pos_off = -1,
};
static const struct field device_fields[] = {
	FIELD("match", F_SUB, .off = offsetof(struct pt_device_req, match), .sub = &match_schema,
	      .required = true),
	CONVF("driver", struct pt_device_req, driver, conv_driver_or_any),
	INTF("numa_node", struct pt_device_req, numa_node, 0, 1023),
	FIELD("link", F_SUB, .sub = &link_schema),
	END,
};
static const struct schema device_schema = {
	.what = "a device for passthrough: { match: ..., driver: vfio-pci, numa_node: N, link: ... }",
	.fields = device_fields,
	.init = device_init,
	.pos_off = offsetof(struct pt_device_req, pos),
};

static const struct field vf_policy_fields[] = {
	CONVF("spoof_check", struct pt_profile, vf_spoof_check, conv_policy_bool),
	CONVF("trust", struct pt_profile, vf_trust, conv_policy_bool),
	ENUMF("vlan", struct pt_profile, vf_vlan_required, kw_vlan_policy),
	END,
};
static const struct schema vf_policy_schema = {
	.what = "the VF policy: { spoof_check: true, trust: false, vlan: required }",
	.fields = vf_policy_fields,
	.pos_off = -1,
};

static const struct field numa_fields[] = {
	CONVF("vm_cpus", struct pt_profile, vm_cpus, conv_cpulist),
	END,
};
static const struct schema numa_schema = {
	.what = "NUMA requirements: { vm_cpus: \"2-15\" }",
	.fields = numa_fields,
	.pos_off = -1,
};

static const struct field firmware_fields[] = {
	FIELD("driver", F_CONV, .off = offsetof(struct pt_fw_allow, driver),
	      .size = sizeof(((struct pt_fw_allow *)0)->driver), .conv = conv_driver,
	      .required = true),
	FIELD("versions", F_STRV, .off = offsetof(struct pt_fw_allow, versions),
	      .count_off = offsetof(struct pt_fw_allow, n_versions), .conv = check_nonempty),
	FIELD("firmware", F_STRV, .off = offsetof(struct pt_fw_allow, firmware),
	      .count_off = offsetof(struct pt_fw_allow, n_firmware), .conv = check_nonempty),
	END,
};
static const struct schema firmware_schema = {
	.what = "allowed versions: { driver: i40e, versions: [...], firmware: [...] }",
	.fields = firmware_fields,
	.pos_off = offsetof(struct pt_fw_allow, pos),
};

static const struct field profile_fields[] = {
	OBJF("version", conv_version, 0),
	CONVF("name", struct pt_profile, name, conv_name),
	FIELD("iommu", F_SUB, .sub = &iommu_schema),
	FIELD("kernel", F_SUB, .sub = &kernel_schema),
	FIELD("hugepages", F_LIST, .off = offsetof(struct pt_profile, hugepages),
	      .count_off = offsetof(struct pt_profile, n_hugepages),
	      .size = sizeof(struct pt_hugepage_req), .sub = &hugepage_schema),
	FIELD("cpu", F_SUB, .sub = &cpu_schema),
	ENUMF("irqbalance", struct pt_profile, irqbalance, kw_irqbalance),
	FIELD("severity", F_SUB, .sub = &severity_schema),
	FIELD("devices", F_LIST, .off = offsetof(struct pt_profile, devices),
	      .count_off = offsetof(struct pt_profile, n_devices),
	      .size = sizeof(struct pt_device_req), .sub = &device_schema),
	FIELD("vf_policy", F_SUB, .sub = &vf_policy_schema),
	FIELD("numa", F_SUB, .sub = &numa_schema),
	FIELD("firmware", F_LIST, .off = offsetof(struct pt_profile, firmware),
	      .count_off = offsetof(struct pt_profile, n_firmware),
	      .size = sizeof(struct pt_fw_allow), .sub = &firmware_schema),
	HOSTCFG_FIELDS(offsetof(struct pt_profile, cfg)),
	END,
};

/* ---- checks across sections ------------------------------------------------------- */

static bool match_same(const struct pt_match *a, const struct pt_match *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case PT_MATCH_BDF:
		return pt_bdf_eq(&a->bdf, &b->bdf);
	case PT_MATCH_NETDEV:
		return !strcmp(a->netdev, b->netdev);
	case PT_MATCH_ID:
		return a->vendor_id == b->vendor_id && a->device_id == b->device_id &&
		       a->index == b->index;
	default:
		return false;
	}
}

static int hostcfg_cross(struct walk *w, const struct pt_hostcfg *c)
{
	char b[64];

	for (size_t i = 0; i < c->n_sriov; i++)
		for (size_t j = 0; j < i; j++)
			if (match_same(&c->sriov[i].pf, &c->sriov[j].pf))
				return fail_at(w, c->sriov[i].pf.pos.line, c->sriov[i].pf.pos.col,
					       "sriov[%zu].pf: %s is already configured by "
					       "sriov[%zu] (line %d); one entry per PF",
					       i, pt_match_str(&c->sriov[i].pf, b, sizeof(b)), j,
					       c->sriov[j].pos.line);
	for (size_t i = 0; i < c->n_passthrough; i++) {
		const struct pt_match *m = &c->passthrough[i].device;

		for (size_t j = 0; j < i; j++)
			if (match_same(m, &c->passthrough[j].device))
				return fail_at(w, m->pos.line, m->pos.col,
					       "passthrough[%zu].device: %s is already listed "
					       "as passthrough[%zu] (line %d)",
					       i, pt_match_str(m, b, sizeof(b)), j,
					       c->passthrough[j].pos.line);
		for (size_t j = 0; j < c->n_sriov; j++)
			if (match_same(m, &c->sriov[j].pf))
				return fail_at(w, m->pos.line, m->pos.col,
					       "passthrough[%zu].device: %s is also an SR-IOV PF "
					       "(sriov[%zu], line %d); pass its VFs through, or "
					       "remove it from sriov",
					       i, pt_match_str(m, b, sizeof(b)), j, c->sriov[j].pos.line);
	}
	{
		size_t total = 0;

		for (size_t i = 0; i < c->n_pools; i++)
			total += c->pools[i].n_members;
		if (total > MAX_POOL_MEMBERS)
			return fail_at(w, c->pools[0].pos.line, c->pools[0].pos.col,
				       "pools: %zu members in all, at most %d are supported", total,
				       MAX_POOL_MEMBERS);
	}
	for (size_t i = 0; i < c->n_pools; i++) {
		const struct pt_pool_config *p = &c->pools[i];

		for (size_t k = 0; k < p->n_members; k++)
			for (size_t j = 0; j <= i; j++) {
				const struct pt_pool_config *o = &c->pools[j];
				size_t lim = j == i ? k : o->n_members;

				if (o->kind != p->kind)
					continue;
				for (size_t l = 0; l < lim; l++)
					if (match_same(&p->members[k], &o->members[l]))
						return fail_at(w, p->members[k].pos.line,
							       p->members[k].pos.col,
							       "pools.%s: %s is already in pool "
							       "'%s' (line %d)",
							       p->name,
							       pt_match_str(&p->members[k], b, sizeof(b)),
							       o->name, o->members[l].pos.line);
			}
	}
	return 0;
}

static int hostcfg_root_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	(void)map;
	(void)seen;
	return hostcfg_cross(w, obj);
}

/* A VF setting the configuration asks for that the profile's vf_policy forbids. */
static int policy_conflict(struct walk *w, const struct pt_profile *p)
{
	for (size_t i = 0; i < p->cfg.n_sriov; i++) {
		const struct pt_sriov_config *s = &p->cfg.sriov[i];

		for (size_t k = 0; k <= s->n_vf; k++) {
			const struct pt_vf_config *c = k < s->n_vf ? &s->vf[k] : &s->defaults;
			char what[48];

			if (k < s->n_vf)
				snprintf(what, sizeof(what), "sriov[%zu].vf.%d", i, c->vf);
			else
				snprintf(what, sizeof(what), "sriov[%zu].vf_defaults", i);
			if (p->vf_spoof_check >= 0 && c->spoof_check >= 0 &&
			    c->spoof_check != p->vf_spoof_check)
				return fail_at(w, c->pos.line, c->pos.col,
					       "%s: spoof_check %s contradicts vf_policy.spoof_check "
					       "%s (the gate would fail this host)",
					       what, c->spoof_check ? "true" : "false",
					       p->vf_spoof_check ? "true" : "false");
			if (p->vf_trust >= 0 && c->trust >= 0 && c->trust != p->vf_trust)
				return fail_at(w, c->pos.line, c->pos.col,
					       "%s: trust %s contradicts vf_policy.trust %s (the gate "
					       "would fail this host)",
					       what, c->trust ? "true" : "false",
					       p->vf_trust ? "true" : "false");
			if (p->vf_vlan_required == 1 && c->vlan == 0)
				return fail_at(w, c->pos.line, c->pos.col,
					       "%s: vlan 0 (no VLAN) contradicts vf_policy.vlan "
					       "required", what);
		}
	}
	return 0;
}

static int profile_root_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_profile *p = obj;
	char b[64];
	int r;

	(void)map;
	(void)seen;
	for (size_t i = 0; i < p->n_hugepages; i++)
		for (size_t j = 0; j < i; j++)
			if (p->hugepages[i].size_kb == p->hugepages[j].size_kb &&
			    p->hugepages[i].node == p->hugepages[j].node)
				return fail_at(w, p->hugepages[i].pos.line, p->hugepages[i].pos.col,
					       "hugepages[%zu]: %ldkB pages on %s are already "
					       "required by hugepages[%zu] (line %d)",
					       i, p->hugepages[i].size_kb,
					       p->hugepages[i].node < 0 ? "the whole system"
									: "this node",
					       j, p->hugepages[j].pos.line);
	for (size_t i = 0; i < p->n_firmware; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->firmware[i].driver, p->firmware[j].driver))
				return fail_at(w, p->firmware[i].pos.line, p->firmware[i].pos.col,
					       "firmware[%zu]: driver %s is already listed by "
					       "firmware[%zu] (line %d)",
					       i, p->firmware[i].driver, j, p->firmware[j].pos.line);
	for (size_t i = 0; i < p->n_devices; i++)
		for (size_t j = 0; j < i; j++)
			if (match_same(&p->devices[i].match, &p->devices[j].match))
				return fail_at(w, p->devices[i].match.pos.line,
					       p->devices[i].match.pos.col,
					       "devices[%zu].match: %s is already listed as "
					       "devices[%zu] (line %d)",
					       i, pt_match_str(&p->devices[i].match, b, sizeof(b)), j,
					       p->devices[j].pos.line);
	r = hostcfg_cross(w, &p->cfg);
	return r ? r : policy_conflict(w, p);
}

static const struct schema profile_schema = {
	.what = "a profile",
	.fields = profile_fields,
	.pos_off = -1,
	.check = profile_root_check,
};

static const struct field hostcfg_fields[] = {
	OBJF("version", conv_version, 0),
	HOSTCFG_FIELDS(0),
	END,
};
static const struct schema hostcfg_schema = {
	.what = "a host configuration",
	.fields = hostcfg_fields,
	.pos_off = -1,
	.check = hostcfg_root_check,
};

/* ---- stage 3 and the public API ---------------------------------------------------- */

char *pt_match_str(const struct pt_match *m, char *buf, size_t len)
{
	char b[PT_BDF_STRLEN];

	switch (m->kind) {
	case PT_MATCH_BDF:
		snprintf(buf, len, "bdf %s", pt_bdf_format(&m->bdf, b));
		break;
	case PT_MATCH_NETDEV:
		snprintf(buf, len, "netdev %s", m->netdev);
		break;
	case PT_MATCH_ID:
		snprintf(buf, len, "id %04x:%04x #%d", m->vendor_id, m->device_id, m->index);
		break;
	default:
		snprintf(buf, len, "(no selector)");
	}
	return buf;
}

void pt_sriov_vf_effective(const struct pt_sriov_config *s, int vf, struct pt_vf_config *out)
{
	const struct pt_vf_config *o = NULL;

	*out = s->defaults;
	out->vf = vf;
	for (size_t i = 0; i < s->n_vf; i++)
		if (s->vf[i].vf == vf) {
			o = &s->vf[i];
			break;
		}
	if (!o)
		return;
	if (o->has_mac) {
		out->has_mac = true;
		memcpy(out->mac, o->mac, sizeof(out->mac));
	}
	if (o->vlan >= 0)
		out->vlan = o->vlan;
	if (o->qos >= 0)
		out->qos = o->qos;
	if (o->spoof_check >= 0)
		out->spoof_check = o->spoof_check;
	if (o->trust >= 0)
		out->trust = o->trust;
	if (o->link_state != PT_LINK_UNSET)
		out->link_state = o->link_state;
	if (o->min_tx_rate >= 0)
		out->min_tx_rate = o->min_tx_rate;
	if (o->max_tx_rate >= 0)
		out->max_tx_rate = o->max_tx_rate;
	if (o->driver[0])
		pt_strlcpy(out->driver, o->driver, sizeof(out->driver));
	out->pos = o->pos;
}

void pt_profile_defaults(struct pt_profile *p)
{
	static const char *const forbid[] = { "iommu=off", "intel_iommu=off", "amd_iommu=off",
					      "intremap=off" };

	memset(p, 0, sizeof(*p));
	pt_strlcpy(p->source, "(defaults)", sizeof(p->source));
	p->require_dma_remapping = true;
	p->require_interrupt_remapping = true;
	p->default_domain[0] = '\0';
	p->cmdline_forbid = calloc(sizeof(forbid) / sizeof(forbid[0]), sizeof(char *));
	if (p->cmdline_forbid) {
		for (size_t i = 0; i < sizeof(forbid) / sizeof(forbid[0]); i++) {
			p->cmdline_forbid[i] = strdup(forbid[i]);
			if (!p->cmdline_forbid[i])
				break; /* out of memory: a shorter list, never a crash */
			p->n_cmdline_forbid++;
		}
	}
	p->irqbalance = -1;
	p->sev_link_degraded = PT_SEV_WARN;
	p->sev_iommu_faults = PT_SEV_FAIL;
	p->sev_aer_fatal = PT_SEV_FAIL;
	p->sev_aer_nonfatal = PT_SEV_WARN;
	p->sev_aer_correctable = PT_SEV_IGNORE;
	p->sev_irq_affinity = PT_SEV_WARN;
	p->vf_spoof_check = 1;
	p->vf_trust = 0;
	p->vf_vlan_required = -1;
}

void pt_hostcfg_free(struct pt_hostcfg *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_sriov; i++)
		free(c->sriov[i].vf);
	free(c->sriov);
	free(c->passthrough);
	for (size_t i = 0; i < c->n_pools; i++)
		free(c->pools[i].members);
	free(c->pools);
	memset(c, 0, sizeof(*c));
}

void pt_profile_free(struct pt_profile *p)
{
	if (!p)
		return;
	pt_strv_free(p->cmdline_require, p->n_cmdline_require);
	pt_strv_free(p->cmdline_forbid, p->n_cmdline_forbid);
	free(p->hugepages);
	free(p->devices);
	for (size_t i = 0; i < p->n_firmware; i++) {
		pt_strv_free(p->firmware[i].versions, p->firmware[i].n_versions);
		pt_strv_free(p->firmware[i].firmware, p->firmware[i].n_firmware);
	}
	free(p->firmware);
	pt_hostcfg_free(&p->cfg);
	memset(p, 0, sizeof(*p));
}

/* The first byte that is not well-formed UTF-8 (overlong forms, surrogates and code
 * points past U+10FFFF included), or len. YAML streams are Unicode, and libfyaml
 * 0.7.12 loops forever on some invalid sequences ("%\xbd", found by fuzz-profile). */
/* 1-based line and column (in characters) of byte offset off. */
static void position_of(const char *buf, size_t off, int *line, int *col)
{
	int l = 1, c = 1;

	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* libfyaml 0.7.12 crashes in fy_parser_destroy() on some documents that combine an
 * explicit key ("? key") with tab characters ("? p:\n  a: \t: e", found by
 * fuzz-profile). Profiles need neither, so a document holding both a '?' followed by
 * white space and a tab is refused before libfyaml sees it. Returns 1 and the
 * position of the '?' when it is such a document. */
static int explicit_key_with_tab(const char *buf, size_t len, int *line, int *col)
{
	int l = 1, c = 0, ql = 0, qc = 0;
	bool tab = false, q = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if ((ch & 0xc0) != 0x80)
			c++;
		if (ch == '\t')
			tab = true;
		if (ch == '?' && !q &&
		    (i + 1 == len || buf[i + 1] == ' ' || buf[i + 1] == '\t' ||
		     buf[i + 1] == '\n' || buf[i + 1] == '\r')) {
			q = true;
			ql = l;
			qc = c;
		}
		if (ch == '\n') {
			l++;
			c = 0;
		}
	}
	if (!tab || !q)
		return 0;
	*line = ql;
	*col = qc;
	return 1;
}

static int parse_doc(const char *buf, size_t len, const char *filename, const struct schema *s,
		     void *obj, struct pt_cfg_error *err, bool hostcfg_only)
{
	struct pt_cfg_error dummy;
	struct walk w = { .file = filename && *filename ? filename : "(string)",
			  .err = err ? err : &dummy, .hostcfg_only = hostcfg_only };
	struct ynode *root = NULL;
	int r;

	memset(w.err, 0, sizeof(*w.err));
	if (!buf && len)
		return fail_at(&w, 0, 0, "no document given");
	{
		size_t bad = pt_utf8_invalid_at(buf, len);
		int gl, gc;

		if (bad < len) {
			position_of(buf, bad, &gl, &gc);
			return fail_at(&w, gl, gc, "byte 0x%02x is not UTF-8 text (save the file as "
					 "UTF-8)", (unsigned char)buf[bad]);
		}
		if (explicit_key_with_tab(buf, len, &gl, &gc))
			return fail_at(&w, gl, gc,
				       "explicit keys ('? key') together with tab characters are "
				       "not supported (libfyaml 0.7.12 crashes on some); write "
				       "'key: value' and use spaces");
	}
	if (len && memchr(buf, '\r', len)) {
		/* CR LF is one line break in YAML; libfyaml 0.7.12 folds it as two in some
		 * quoted scalars, so files written on Windows are read as LF files */
		char *lf = malloc(len);
		size_t n = 0;

		if (!lf)
			return fail_at(&w, 0, 0, "out of memory");
		for (size_t i = 0; i < len; i++)
			if (!(buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))
				lf[n++] = buf[i];
		r = build_tree(&w, lf, n, &root);
		free(lf);
	} else {
		r = build_tree(&w, buf, len, &root);
	}
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

int pt_profile_parse(const char *buf, size_t len, const char *filename, struct pt_profile *p,
		     struct pt_cfg_error *err)
{
	int r;

	pt_profile_defaults(p);
	pt_strlcpy(p->source, filename && *filename ? filename : "(string)", sizeof(p->source));
	r = parse_doc(buf, len, filename, &profile_schema, p, err, false);
	if (r)
		pt_profile_free(p);
	return r;
}

int pt_hostcfg_parse(const char *buf, size_t len, const char *filename, struct pt_hostcfg *c,
		     struct pt_cfg_error *err)
{
	int r;

	memset(c, 0, sizeof(*c));
	r = parse_doc(buf, len, filename, &hostcfg_schema, c, err, true);
	if (r)
		pt_hostcfg_free(c);
	return r;
}

/* Reads the user's file whole (bounded). */
static int read_whole(const char *path, char **out, size_t *outlen, struct pt_cfg_error *err)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	char *buf;
	int e;

	if (!f) {
		e = errno;
		goto fail;
	}
	buf = malloc(cap);
	if (!buf) {
		fclose(f);
		e = ENOMEM;
		goto fail;
	}
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap) {
			if (ferror(f)) {
				e = EIO;
				free(buf);
				fclose(f);
				goto fail;
			}
			break;
		}
		if (cap >= MAX_FILE_SIZE) {
			free(buf);
			fclose(f);
			e = EFBIG;
			goto fail;
		}
		{
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				fclose(f);
				e = ENOMEM;
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	*out = buf;
	*outlen = n;
	return 0;
fail:
	if (err) {
		memset(err, 0, sizeof(*err));
		pt_strlcpy(err->file, path, sizeof(err->file));
		snprintf(err->msg, sizeof(err->msg), "cannot read the file: %s%s", strerror(e),
			 e == EFBIG ? " (profiles are at most 4 MiB)" : "");
	}
	return -e;
}

int pt_profile_load(const char *path, struct pt_profile *p, struct pt_cfg_error *err)
{
	char *buf;
	size_t len;
	int r = read_whole(path, &buf, &len, err);

	if (r) {
		memset(p, 0, sizeof(*p));
		return r;
	}
	r = pt_profile_parse(buf, len, path, p, err);
	free(buf);
	return r;
}

int pt_hostcfg_load(const char *path, struct pt_hostcfg *c, struct pt_cfg_error *err)
{
	char *buf;
	size_t len;
	int r = read_whole(path, &buf, &len, err);

	if (r) {
		memset(c, 0, sizeof(*c));
		return r;
	}
	r = pt_hostcfg_parse(buf, len, path, c, err);
	free(buf);
	return r;
}
