// SPDX-License-Identifier: MIT
/*
 * pci.ids names without loading the whole database: one pass over the file's bytes
 * finds where each vendor's block and each class's block starts (no allocation per
 * entry, no hash of 36,000 names), and a name is found when it is asked for, by
 * reading only that vendor's or class's lines. Pure: the caller gives the bytes
 * (lib/pci-access.c reads the file libpci would read); fuzzed by tests/fuzz/fuzz-ids.c,
 * and tests/unit/test-ids.c checks every entry of the installed file against libpci.
 *
 * What a name is follows libpci 3.9's names-parse.c and names.c, as called with
 * PCI_LOOKUP_NO_NUMBERS: a line ends at '\n' or '\r'; one trailing blank or tab is
 * dropped; blank lines and comments (first non-blank '#') are skipped; the name is
 * what follows the ID and its blanks. A class code whose subclass is not listed is
 * named "<class name> [cccc]". Where libpci refuses a malformed file as a whole (a
 * parse error, a duplicate entry), this reader skips the line (the first entry wins).
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#if defined(__SSE2__) && !defined(PT_IDS_PORTABLE)
#include <emmintrin.h>
#endif

static bool white(char c)
{
	return c == ' ' || c == '\t';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits at p[0..n) within [p, end), or -1. */
static long hexn(const char *p, const char *end, int n)
{
	long v = 0;

	if (end - p < n)
		return -1;
	for (int i = 0; i < n; i++) {
		int d = hexval(p[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The line starting at off: [*start, *end) without its terminator and one trailing
 * blank; returns the offset of the next line. */
static size_t line_at(const struct pt_ids *ids, size_t off, const char **start, const char **end)
{
	size_t rest = off < ids->len ? ids->len - off : 0, n;
	const char *p = ids->buf + off, *nl = rest ? memchr(p, '\n', rest) : NULL, *cr;

	n = nl ? (size_t)(nl - p) : rest;
	/* the rest of a line after a '\r' is dropped, as libpci drops it */
	cr = n ? memchr(p, '\r', n) : NULL;
	*start = p;
	*end = cr ? cr : p + n;
	if (*end > p && white((*end)[-1]))
		(*end)--;
	return nl ? off + n + 1 : ids->len;
}

/*
 * The offset of the first line after off that does not start with tabs tabs (1 or
 * 2), or len. Nine lines of ten in pci.ids are nested (a device, a subsystem): the
 * index skips them (tabs 1), a device's lookup its vendor's subsystems (tabs 2). They
 * are passed over sixteen bytes at a time where SSE2 is there (every x86-64), a word
 * at a time elsewhere on little-endian machines (-DPT_IDS_PORTABLE:
 * test-ids-portable), not a line at a time (that was most of a small command's user
 * time).
 */
static size_t next_line_below(const char *buf, size_t len, size_t off, int tabs)
{
	size_t i = off;

#if defined(__SSE2__) && !defined(PT_IDS_PORTABLE)
	const __m128i nl = _mm_set1_epi8('\n'), tab = _mm_set1_epi8('\t');

	for (; i + 18 <= len; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
		__m128i b = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(buf + i + 1)), tab);
		unsigned m;

		if (tabs > 1)
			b = _mm_and_si128(b, _mm_cmpeq_epi8(_mm_loadu_si128(
						     (const __m128i *)(const void *)(buf + i + 2)), tab));
		/* a '\n' whose next bytes are not the tabs */
		m = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(b, _mm_cmpeq_epi8(a, nl)));
		if (m)
			return i + (size_t)__builtin_ctz(m) + 1;
	}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t nl = 0x0a0a0a0a0a0a0a0aull, low7 = 0x7f7f7f7f7f7f7f7full;

	for (; i + 8 <= len; i += 8) {
		uint64_t w, x, m;

		memcpy(&w, buf + i, sizeof(w));
		x = w ^ nl;
		m = ~(((x & low7) + low7) | x | low7); /* the top bit of each '\n' byte */
		for (; m; m &= m - 1) {
			size_t k = i + (size_t)__builtin_ctzll(m) / 8 + 1;

			if (k >= len || buf[k] != '\t' || (tabs > 1 && (k + 1 >= len || buf[k + 1] != '\t')))
				return k;
		}
	}
#endif
	for (; i < len; i++)
		if (buf[i] == '\n' && (i + 1 >= len || buf[i + 1] != '\t' ||
					(tabs > 1 && (i + 2 >= len || buf[i + 2] != '\t'))))
			return i + 1;
	return len;
}

/* Blank or comment. */
static bool skipped(const char *p, const char *end)
{
	while (p < end && white(*p))
		p++;
	return p == end || *p == '#';
}

static int vendor_cmp(const void *a, const void *b)
{
	const struct pt_ids_vendor *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

int pt_ids_index(struct pt_ids *ids, const char *buf, size_t len)
{
	size_t off = 0, cap = 0;

	memset(ids, 0, sizeof(*ids));
	ids->buf = buf;
	ids->len = len;
	if (len > UINT32_MAX)
		return -EFBIG;
	while (off < len) {
		const char *p, *end;
		size_t at = off;

		if (buf[at] == '\t') {
			off = next_line_below(buf, len, at, 1);
			continue;
		}
		off = line_at(ids, off, &p, &end);
		if (p == end || white(*p) || *p == '#')
			continue; /* nested, blank or comment: only blocks are indexed */
		if (p[0] == 'C' && end - p > 2 && p[1] == ' ') {
			long c = hexn(p + 2, end, 2);

			if (c >= 0 && end - p > 4 && white(p[4]) && !ids->cls[c])
				ids->cls[c] = (uint32_t)at + 1;
			continue;
		}
		{
			long v = hexn(p, end, 4);

			if (v < 0 || end - p < 5 || !white(p[4]))
				continue;
			if (ids->n_vendors == cap) {
				size_t ncap = cap ? cap * 2 : 1024;
				struct pt_ids_vendor *nv = realloc(ids->vendors, ncap * sizeof(*nv));

				if (!nv) {
					pt_ids_free(ids);
					return -ENOMEM;
				}
				ids->vendors = nv;
				cap = ncap;
			}
			ids->vendors[ids->n_vendors].id = (uint16_t)v;
			ids->vendors[ids->n_vendors].off = (uint32_t)at;
			ids->n_vendors++;
		}
	}
	if (ids->n_vendors) {
		size_t w = 0, i;

		for (i = 1; i < ids->n_vendors && vendor_cmp(&ids->vendors[i - 1], &ids->vendors[i]) < 0; i++)
			;
		if (i < ids->n_vendors) /* pci.ids is sorted; a file that is not, is sorted here */
			qsort(ids->vendors, ids->n_vendors, sizeof(*ids->vendors), vendor_cmp);
		for (size_t i = 0; i < ids->n_vendors; i++) /* duplicates: the first wins */
			if (i == 0 || ids->vendors[i].id != ids->vendors[i - 1].id)
				ids->vendors[w++] = ids->vendors[i];
		ids->n_vendors = w;
	}
	return 0;
}

void pt_ids_free(struct pt_ids *ids)
{
	free(ids->vendors);
	ids->vendors = NULL;
	ids->n_vendors = 0;
}

/* The name after an ID of n digits: blanks skipped; 0, or -ENOENT when empty. */
static int name_after(const char *p, const char *end, int n, char *out, size_t len)
{
	size_t k;

	p += n;
	while (p < end && white(*p))
		p++;
	if (p == end || len == 0)
		return -ENOENT;
	k = (size_t)(end - p) < len - 1 ? (size_t)(end - p) : len - 1;
	memcpy(out, p, k);
	out[k] = '\0';
	return memchr(out, '\0', k) ? -ENOENT : 0;
}

static const struct pt_ids_vendor *find_vendor(const struct pt_ids *ids, unsigned vendor)
{
	struct pt_ids_vendor key = { .id = (uint16_t)vendor, .off = 0 };
	size_t lo = 0, hi = ids->n_vendors;

	if (vendor > 0xffff)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ids->vendors[mid].id < key.id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ids->n_vendors && ids->vendors[lo].id == key.id ? &ids->vendors[lo] : NULL;
}

int pt_ids_vendor(const struct pt_ids *ids, unsigned vendor, char *out, size_t len)
{
	const struct pt_ids_vendor *v = find_vendor(ids, vendor);
	const char *p, *end;

	if (!v)
		return -ENOENT;
	line_at(ids, v->off, &p, &end);
	return name_after(p, end, 4, out, len);
}

/* Walks the nested lines of the block whose top line is at off: at nesting 1, an ID of
 * digits hex digits equal to id names the entry. */
static int nested(const struct pt_ids *ids, size_t off, int digits, unsigned id, char *out,
		  size_t len)
{
	const char *p, *end;

	off = line_at(ids, off, &p, &end);
	while (off < ids->len) {
		if (ids->buf[off] == '\t' && off + 1 < ids->len && ids->buf[off + 1] == '\t') {
			off = next_line_below(ids->buf, ids->len, off, 2); /* nesting 2 */
			continue;
		}
		if (ids->buf[off] == '\t') {
			long v = hexn(ids->buf + off + 1, ids->buf + ids->len, digits);

			if (v >= 0 && v != (long)id) {
				/* another entry's line: on to the next one, its end not looked for */
				const char *nl = memchr(ids->buf + off, '\n', ids->len - off);

				off = nl ? (size_t)(nl - ids->buf) + 1 : ids->len;
				continue;
			}
		}
		off = line_at(ids, off, &p, &end);
		if (skipped(p, end))
			continue;
		if (*p != '\t')
			return -ENOENT; /* the next block */
		if (end - p > 1 && p[1] == '\t')
			continue;   /* nesting 2: subsystems, programming interfaces */
		if (hexn(p + 1, end, digits) == (long)id && end - p > digits + 1 &&
		    white(p[1 + digits]))
			return name_after(p + 1, end, digits, out, len);
	}
	return -ENOENT;
}

int pt_ids_device(const struct pt_ids *ids, unsigned vendor, unsigned device, char *out,
		  size_t len)
{
	const struct pt_ids_vendor *v = find_vendor(ids, vendor);

	if (!v || device > 0xffff)
		return -ENOENT;
	return nested(ids, v->off, 4, device, out, len);
}

int pt_ids_class(const struct pt_ids *ids, unsigned cls, char *out, size_t len)
{
	const char *p, *end;
	char name[256];
	uint32_t at;

	if (cls > 0xffff || !(at = ids->cls[cls >> 8]))
		return -ENOENT;
	if (nested(ids, at - 1, 2, cls & 0xff, out, len) == 0)
		return 0;
	line_at(ids, at - 1, &p, &end);
	if (name_after(p + 2, end, 2, name, sizeof(name)) < 0)
		return -ENOENT;
	/* libpci: a class without its subclass listed is "name [cccc]" */
	if ((size_t)snprintf(out, len, "%s [%04x]", name, cls) >= len)
		return -ENOENT;
	return 0;
}
