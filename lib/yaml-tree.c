// SPDX-License-Identifier: MIT
/*
 * Stage 1 of the configuration reader (see lib/schema.h): libfyaml events become a
 * small tree of our own (struct ynode) that keeps the line and column of every node,
 * the scalar style (plain or quoted) and nothing else; aliases, tags and second
 * documents are refused here. Also where every error gets its file:line:col, and the
 * bounded read of the user's file. Pure but for cfg_read_file().
 */
#include "schema.h"
#include "passthru/parse.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfyaml.h>

int cfg_fail_at(struct walk *w, int line, int col, const char *fmt, ...)
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

void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

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
		return cfg_fail_at(w, de->line > 0 ? de->line : line, de->column > 0 ? de->column : col,
			       "YAML syntax error: %s", de->msg ? de->msg : "malformed document");
	return cfg_fail_at(w, line, col, "YAML syntax error: malformed document");
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

/* A quiet parser over buf: YAML 1.2, errors collected in *diagp (never printed),
 * duplicate keys left to the walker, which names the key and both lines. */
static int open_parser(struct walk *w, const char *buf, size_t len, struct fy_diag **diagp,
		       struct fy_parser **fypp)
{
	struct fy_parse_cfg pcfg = {
		.flags = FYPCF_QUIET | FYPCF_ALLOW_DUPLICATE_KEYS | FYPCF_DEFAULT_VERSION_1_2 |
			 FYPCF_JSON_NONE,
	};
	struct fy_diag_cfg dcfg;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_discard; /* the library never prints */
	dcfg.colorize = false;
	*diagp = fy_diag_create(&dcfg);
	if (!*diagp)
		return cfg_fail_at(w, 0, 0, "out of memory");
	fy_diag_set_collect_errors(*diagp, true);
	pcfg.diag = *diagp;
	*fypp = fy_parser_create(&pcfg);
	if (!*fypp) {
		fy_diag_destroy(*diagp);
		return cfg_fail_at(w, 0, 0, "out of memory");
	}
	if (fy_parser_set_string(*fypp, len ? buf : "", len)) {
		fy_parser_destroy(*fypp);
		fy_diag_destroy(*diagp);
		return cfg_fail_at(w, 0, 0, "cannot read the document");
	}
	return 0;
}

/* A scalar's node: its text, whether it was plain (and so may be null), and its
 * column at the opening quote of a quoted value. */
static int scalar_node(struct walk *w, struct fy_event *ev, const char *buf, size_t len,
		       struct ynode *n)
{
	enum fy_scalar_style style = fy_token_scalar_style(ev->scalar.value);
	int tr = token_text(ev->scalar.value, buf, len, &n->text, &n->len);

	n->type = Y_SCALAR;
	if (tr)
		return cfg_fail_at(w, n->line, n->col, tr == -ENOMEM ? "out of memory"
				   : "cannot decode this single-quoted value; use double quotes");
	n->plain = style == FYSS_PLAIN;
	/* libfyaml marks a quoted scalar at its first character inside the quotes; point
	 * at the opening quote, where the value starts */
	if ((style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED) && n->col > 1)
		n->col--;
	n->null = n->plain && is_null_text(n->text);
	return 0;
}

/* The node a scalar, mapping-start or sequence-start event begins, at line:col into
 * *out. Tags are refused, at the tag. */
static int event_node(struct walk *w, struct fy_event *ev, const char *buf, size_t len, int line,
		      int col, struct ynode **out)
{
	struct fy_token *tag = ev->type == FYET_SCALAR		? ev->scalar.tag
			       : ev->type == FYET_MAPPING_START ? ev->mapping_start.tag
								: ev->sequence_start.tag;
	struct ynode *n;
	int r;

	*out = NULL;
	if (tag) {
		const struct fy_mark *tm = fy_token_start_mark(tag);

		if (tm && tm->line >= 0) {
			line = tm->line + 1;
			col = tm->column + 1;
		}
		return cfg_fail_at(w, line, col, "YAML tags are not supported here (quote the %s instead)",
				   event_what(ev->type));
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return cfg_fail_at(w, line, col, "out of memory");
	n->line = line;
	n->col = col;
	if (ev->type == FYET_SCALAR) {
		r = scalar_node(w, ev, buf, len, n);
		if (r) {
			free(n);
			return r;
		}
	} else {
		n->type = ev->type == FYET_MAPPING_START ? Y_MAP : Y_SEQ;
	}
	*out = n;
	return 0;
}

/* n into the tree: the root, or the last child of the collection open at depth - 1;
 * a mapping or sequence is opened for the nodes that follow. */
static int place_node(struct walk *w, struct ynode **stack, int *depth, struct ynode **root,
		      struct ynode *n, int line, int col)
{
	if (*depth == 0) {
		if (*root) { /* cannot happen: one root per document */
			ynode_free(n);
			return 0;
		}
		*root = n;
	} else if (attach(stack[*depth - 1], n)) {
		ynode_free(n);
		return cfg_fail_at(w, line, col, "out of memory");
	}
	if (n->type != Y_SCALAR) {
		if (*depth >= MAX_DEPTH)
			return cfg_fail_at(w, line, col, "nesting deeper than %d levels", MAX_DEPTH);
		stack[(*depth)++] = n;
	}
	return 0;
}

/* Builds the tree of the first (and only) document. *root is NULL for an empty stream
 * or an empty document. */
static int build_tree(struct walk *w, const char *buf, size_t len, struct ynode **root)
{
	struct ynode *stack[MAX_DEPTH + 1];
	struct fy_diag *diag = NULL;
	struct fy_parser *fyp = NULL;
	struct fy_event *ev;
	int depth = 0, docs = 0, r, line = 1, col = 1;

	*root = NULL;
	r = open_parser(w, buf, len, &diag, &fyp);
	if (r)
		return r;
	while (!r && (ev = fy_parser_parse(fyp))) {
		const struct fy_mark *m = fy_event_start_mark(ev);
		struct ynode *n = NULL;

		if (m && m->line >= 0) {
			line = m->line + 1;
			col = m->column + 1;
		}
		switch (ev->type) {
		case FYET_DOCUMENT_START:
			if (++docs > 1)
				r = cfg_fail_at(w, line, col,
						"a second YAML document: one file holds one profile");
			break;
		case FYET_SCALAR:
		case FYET_MAPPING_START:
		case FYET_SEQUENCE_START:
			r = event_node(w, ev, len ? buf : "", len, line, col, &n);
			if (!r)
				r = place_node(w, stack, &depth, root, n, line, col);
			break;
		case FYET_MAPPING_END:
		case FYET_SEQUENCE_END:
			if (depth > 0)
				depth--;
			break;
		case FYET_ALIAS:
			/* the mark is at the alias name; the alias starts at its '*' */
			r = cfg_fail_at(w, line, col > 1 ? col - 1 : col,
					"YAML aliases (*name) are not supported: write the value out");
			break;
		default:
			break;
		}
		fy_parser_event_free(fyp, ev);
	}
	if (!r && (fy_parser_get_stream_error(fyp) || fy_diag_got_error(diag)))
		r = syntax_error(w, diag, line, col);
	fy_parser_destroy(fyp);
	fy_diag_destroy(diag);
	if (r) {
		ynode_free(*root);
		*root = NULL;
	}
	return r;
}

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

/* Reads a document into a tree, after the checks libfyaml needs done for it: text that
 * is not UTF-8 (libfyaml 0.7.12 loops forever on some invalid sequences, "%\xbd"
 * found by fuzz-profile), explicit keys with tabs, CR LF line ends. *root is NULL
 * for an empty stream. 0 or -EINVAL with w->err filled. */
int yaml_tree_read(struct walk *w, const char *buf, size_t len, struct ynode **root)
{
	int r;

	*root = NULL;
	if (!buf && len)
		return cfg_fail_at(w, 0, 0, "no document given");
	{
		size_t bad = pt_utf8_invalid_at(buf, len);
		int gl, gc;

		if (bad < len) {
			position_of(buf, bad, &gl, &gc);
			return cfg_fail_at(w, gl, gc, "byte 0x%02x is not UTF-8 text (save the file as "
					 "UTF-8)", (unsigned char)buf[bad]);
		}
		if (explicit_key_with_tab(buf, len, &gl, &gc))
			return cfg_fail_at(w, gl, gc,
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
			return cfg_fail_at(w, 0, 0, "out of memory");
		for (size_t i = 0; i < len; i++)
			if (!(buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))
				lf[n++] = buf[i];
		r = build_tree(w, lf, n, root);
		free(lf);
	} else {
		r = build_tree(w, buf, len, root);
	}
	return r;
}

#define FIFO_WAIT_MS 10000

/* Opens the user's file for reading, never blocking: a device, socket or directory is
 * refused before it is opened for reading (*why says what it was); a FIFO is opened
 * O_NONBLOCK and read as data comes (read_fd). */
static int open_input(const char *path, bool *fifo, const char **why)
{
	struct stat st;
	int fd;

	*why = NULL;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	*fifo = S_ISFIFO(st.st_mode);
	if (!S_ISREG(st.st_mode) && !*fifo) {
		*why = pt_file_kind(st.st_mode);
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Reads up to want bytes; on a FIFO waits for data at most FIFO_WAIT_MS in all. */
static ssize_t read_some(int fd, char *buf, size_t want, bool fifo, int *waited_ms)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n = read(fd, buf, want);
		int r;

		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return n;
		if (errno == EINTR)
			continue;
		if (!fifo || *waited_ms >= FIFO_WAIT_MS) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, 100);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0)
			*waited_ms += 100;
	}
}

/* Reads the user's file whole (bounded by MAX_FILE_SIZE); the error names the file. A
 * FIFO is read as data comes, without blocking forever; a device, socket or directory is
 * refused unread. */
int cfg_read_file(const char *path, char **out, size_t *outlen, struct pt_cfg_error *err)
{
	size_t cap = 4096, n = 0;
	const char *why = NULL;
	int e, fd, waited = 0;
	bool fifo = false;
	char *buf;

	fd = open_input(path, &fifo, &why);
	if (fd < 0) {
		e = -fd;
		goto fail;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		e = ENOMEM;
		goto fail;
	}
	for (;;) {
		ssize_t got = read_some(fd, buf + n, cap - n, fifo, &waited);

		if (got < 0) {
			e = errno;
			free(buf);
			close(fd);
			if (e == ETIMEDOUT)
				why = "it is a FIFO that sent nothing for 10 s";
			goto fail;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n < cap)
			continue;
		if (cap >= MAX_FILE_SIZE) {
			free(buf);
			close(fd);
			e = EFBIG;
			goto fail;
		}
		{
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				close(fd);
				e = ENOMEM;
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (fifo && n == 0) {
		free(buf);
		e = ENODATA;
		why = "it is a FIFO with nothing written to it";
		goto fail;
	}
	*out = buf;
	*outlen = n;
	return 0;
fail:
	if (err) {
		memset(err, 0, sizeof(*err));
		pt_strlcpy(err->file, path, sizeof(err->file));
		if (why && fd == -EINVAL)
			snprintf(err->msg, sizeof(err->msg), "cannot read the file: it is %s, not a "
				 "regular file", why);
		else if (why)
			snprintf(err->msg, sizeof(err->msg), "cannot read the file: %s", why);
		else
			snprintf(err->msg, sizeof(err->msg), "cannot read the file: %s%s", strerror(e),
				 e == EFBIG ? " (profiles are at most 4 MiB)" : "");
	}
	return -e;
}
