// SPDX-License-Identifier: MIT
/* PCI addresses: parsing and formatting, 32-bit domains included. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Reads 1..max hex digits; returns digits used (0 on none or overflow). */
static size_t hexnum(const char *s, size_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < max && hexval(s[i]) >= 0; i++)
		v = v * 16 + (uint64_t)hexval(s[i]);
	if (i == 0 || v > UINT32_MAX)
		return 0;
	*out = (uint32_t)v;
	return i;
}

size_t pt_bdf_scan(const char *s, struct pt_bdf *out)
{
	uint32_t a, b, c, d = 0;
	size_t n, pos = 0;

	/* [domain:]bus:dev.fn -- try with domain first */
	n = hexnum(s, 8, &a);
	if (!n || s[n] != ':')
		return 0;
	pos = n + 1;
	n = hexnum(s + pos, 2, &b);
	if (!n)
		return 0;
	pos += n;
	if (s[pos] == ':') {
		/* a = domain, b = bus */
		pos++;
		n = hexnum(s + pos, 2, &c);
		if (!n || s[pos + n] != '.')
			return 0;
		pos += n + 1;
		if (hexval(s[pos]) < 0 || hexval(s[pos]) > 7)
			return 0;
		d = (uint32_t)hexval(s[pos]);
		pos++;
		if (b > 0xff || c > 0x1f)
			return 0;
		out->domain = a;
		out->bus = (uint8_t)b;
		out->dev = (uint8_t)c;
		out->fn = (uint8_t)d;
		return pos;
	}
	if (s[pos] != '.')
		return 0;
	/* a = bus, b = dev */
	pos++;
	if (hexval(s[pos]) < 0 || hexval(s[pos]) > 7)
		return 0;
	d = (uint32_t)hexval(s[pos]);
	pos++;
	if (a > 0xff || b > 0x1f)
		return 0;
	out->domain = 0;
	out->bus = (uint8_t)a;
	out->dev = (uint8_t)b;
	out->fn = (uint8_t)d;
	return pos;
}

int pt_bdf_parse(const char *s, struct pt_bdf *out)
{
	struct pt_bdf b;
	size_t n;

	if (!s)
		return -EINVAL;
	n = pt_bdf_scan(s, &b);
	if (!n || s[n] != '\0')
		return -EINVAL;
	*out = b;
	return 0;
}

/* v in lower-case hex, at least min digits (printf's "%0*x"); returns the end. */
static char *put_hex(char *p, uint32_t v, int min)
{
	static const char digits[] = "0123456789abcdef";
	int n = 1;

	while (n < 8 && v >> (4 * n))
		n++;
	if (n < min)
		n = min;
	for (int i = n - 1; i >= 0; i--)
		*p++ = digits[(v >> (4 * i)) & 0xf];
	return p;
}

/* "%04x:%02x:%02x.%x" without printf: a list formats every function's BDF several
 * times, and snprintf was ~2,000 instructions a call. At most 8+1+2+1+2+1+2+1 = 18
 * characters: PT_BDF_STRLEN is 20. */
char *pt_bdf_format(const struct pt_bdf *bdf, char buf[PT_BDF_STRLEN])
{
	char *p = put_hex(buf, bdf->domain, 4);

	*p++ = ':';
	p = put_hex(p, bdf->bus, 2);
	*p++ = ':';
	p = put_hex(p, bdf->dev, 2);
	*p++ = '.';
	p = put_hex(p, bdf->fn, 1);
	*p = '\0';
	return buf;
}

int pt_bdf_cmp(const struct pt_bdf *a, const struct pt_bdf *b)
{
	uint64_t ka = ((uint64_t)a->domain << 16) | (a->bus << 8) | (a->dev << 3) | a->fn;
	uint64_t kb = ((uint64_t)b->domain << 16) | (b->bus << 8) | (b->dev << 3) | b->fn;

	return ka < kb ? -1 : ka > kb;
}

bool pt_bdf_eq(const struct pt_bdf *a, const struct pt_bdf *b)
{
	return pt_bdf_cmp(a, b) == 0;
}

const char *pt_tri_str(enum pt_tri t)
{
	return t == PT_YES ? "yes" : t == PT_NO ? "no" : "unknown";
}
