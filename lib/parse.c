// SPDX-License-Identifier: MIT
/* Pure parsers of sysfs/procfs values (see include/passthru/parse.h). No I/O here. */
#include "passthru/parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

static int finish_number(const char *end, const char *start)
{
	if (end == start)
		return -EINVAL;
	end = skip_ws(end);
	return *end ? -EINVAL : 0;
}

int pt_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s)
		return -EINVAL;
	s = skip_ws(s);
	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (finish_number(end, s))
		return -EINVAL;
	*out = v;
	return 0;
}

int pt_parse_hex(const char *s, long *out)
{
	char *end;
	long v;

	if (!s)
		return -EINVAL;
	s = skip_ws(s);
	if (!isxdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 16);
	if (errno == ERANGE)
		return -ERANGE;
	if (v < 0 || finish_number(end, s))
		return -EINVAL;
	*out = v;
	return 0;
}

int pt_parse_link_speed(const char *s)
{
	unsigned long whole = 0, frac = 0;
	int fdigits = 0;

	if (!s)
		return -1;
	s = skip_ws(s);
	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s) && whole < 1000)
		whole = whole * 10 + (unsigned long)(*s++ - '0');
	if (isdigit((unsigned char)*s))
		return -1;
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			if (fdigits < 3) {
				frac = frac * 10 + (unsigned long)(*s - '0');
				fdigits++;
			}
			s++;
		}
	}
	while (fdigits < 3) {
		frac *= 10;
		fdigits++;
	}
	s = skip_ws(s);
	if (strncmp(s, "GT/s", 4) != 0)
		return -1;
	if (whole == 0 && frac == 0)
		return -1;
	return (int)(whole * 1000 + frac);
}

int pt_parse_link_width(const char *s)
{
	long v;

	if (!s)
		return -1;
	s = skip_ws(s);
	if (*s == 'x' || *s == 'X')
		s++;
	if (pt_parse_long(s, &v) || v <= 0 || v > 32)
		return -1;
	return (int)v;
}

int pt_link_code_to_mts(int code)
{
	static const int mts[] = { -1, 2500, 5000, 8000, 16000, 32000, 64000 };

	if (code < 1 || code > 6)
		return -1;
	return mts[code];
}

char *pt_format_speed(int mts, char *buf, size_t len)
{
	if (mts <= 0)
		snprintf(buf, len, "unknown");
	else
		snprintf(buf, len, "%d.%d GT/s", mts / 1000, (mts % 1000) / 100);
	return buf;
}

char *pt_format_count(long long v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "unknown");
	else
		snprintf(buf, len, "%lld", v);
	return buf;
}

char *pt_format_kib(long long kb, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	if (kb < 0) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	while (u + 1 < sizeof(units) / sizeof(units[0]) && kb >= 1024 && kb % 1024 == 0) {
		kb /= 1024;
		u++;
	}
	snprintf(buf, len, "%lld %s", kb, units[u]);
	return buf;
}

int pt_parse_cpulist(const char *s, uint64_t *mask, size_t nbits)
{
	long count = 0;

	if (!s)
		return -EINVAL;
	if (mask)
		memset(mask, 0, (nbits + 63) / 64 * sizeof(uint64_t));
	s = skip_ws(s);
	if (!*s)
		return 0;
	for (;;) {
		char *end;
		long a, b;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		errno = 0;
		a = strtol(s, &end, 10);
		if (errno || a < 0 || a > 1 << 20)
			return -EINVAL;
		b = a;
		s = end;
		if (*s == '-') {
			s++;
			if (!isdigit((unsigned char)*s))
				return -EINVAL;
			b = strtol(s, &end, 10);
			if (errno || b < a || b > 1 << 20)
				return -EINVAL;
			s = end;
			/* "0-7:2/4" stride forms are not produced by sysfs cpulists */
		}
		count += b - a + 1;
		if (count > 1 << 20)
			return -EINVAL;
		if (mask)
			for (long c = a; c <= b && (size_t)c < nbits; c++)
				mask[c / 64] |= 1ULL << (c % 64);
		s = skip_ws(s);
		if (*s == '\0')
			break;
		if (*s != ',')
			return -EINVAL;
		s++;
	}
	return (int)count;
}

#define CPU_BITS 8192
int pt_cpulist_subset(const char *a, const char *b)
{
	uint64_t ma[CPU_BITS / 64], mb[CPU_BITS / 64];

	if (pt_parse_cpulist(a, ma, CPU_BITS) < 0 || pt_parse_cpulist(b, mb, CPU_BITS) < 0)
		return -EINVAL;
	for (size_t i = 0; i < CPU_BITS / 64; i++)
		if (ma[i] & ~mb[i])
			return 0;
	return 1;
}

long long pt_parse_aer_total(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i, end;
		const char *sp;
		char line[128];

		while (i < len && buf[i] != '\n')
			i++;
		end = i;
		i++;
		if (end - start >= sizeof(line))
			continue;
		memcpy(line, buf + start, end - start);
		line[end - start] = '\0';
		if (strncmp(line, "TOTAL_ERR_", 10) != 0)
			continue;
		sp = strchr(line, ' ');
		if (sp) {
			long v;

			if (pt_parse_long(sp + 1, &v) == 0 && v >= 0)
				return v;
		}
		return -1;
	}
	return -1;
}

int pt_parse_trailing_int(const char *s)
{
	size_t n;
	long v = 0;
	size_t i;

	if (!s)
		return -1;
	n = strlen(s);
	i = n;
	while (i > 0 && isdigit((unsigned char)s[i - 1]))
		i--;
	if (i == n || n - i > 9)
		return -1;
	if (i > 0 && s[i - 1] != '/')
		return -1;
	for (; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return (int)v;
}

int pt_cmdline_get(const char *cmdline, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *s = cmdline;
	int found = -1;

	if (!cmdline)
		return -1;
	if (len)
		buf[0] = '\0';
	while (*s) {
		const char *tok, *val = NULL;
		size_t toklen = 0, vlen = 0;
		bool q = false;

		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		tok = s;
		while (*s && (q || !isspace((unsigned char)*s))) {
			if (*s == '"')
				q = !q;
			if (*s == '=' && !val) {
				toklen = (size_t)(s - tok);
				val = s + 1;
			}
			s++;
		}
		if (!val)
			toklen = (size_t)(s - tok);
		else
			vlen = (size_t)(s - val);
		if (toklen != klen || strncmp(tok, key, klen) != 0)
			continue;
		if (!val) {
			found = 0;
			if (len)
				buf[0] = '\0';
			continue;
		}
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val++;
			vlen -= 2;
		}
		found = 1;
		if (len) {
			if (vlen >= len)
				vlen = len - 1;
			memcpy(buf, val, vlen);
			buf[vlen] = '\0';
		}
	}
	return found;
}

size_t pt_utf8_invalid_at(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i], need, min, cp;

		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, min = 0x10000, cp = c & 0x07;
		else
			return i;
		if (len - i <= need)
			return i;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += need + 1;
	}
	return len;
}

/* One flags line ("flags\t\t: fpu vme ... vmx ..."): does it name word? */
static bool line_has_word(const char *p, const char *end, const char *word)
{
	size_t wl = strlen(word);

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *w = p;

		while (p < end && *p != ' ' && *p != '\t')
			p++;
		if ((size_t)(p - w) == wl && memcmp(w, word, wl) == 0)
			return true;
	}
	return false;
}

const char *pt_parse_cpu_virt(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *found = NULL;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(le - p));

		if (colon && le - p >= 5 && memcmp(p, "flags", 5) == 0 &&
		    (p[5] == ' ' || p[5] == '\t' || p[5] == ':')) {
			if (line_has_word(colon + 1, le, "vmx"))
				return "vmx";
			if (line_has_word(colon + 1, le, "svm"))
				return "svm";
			found = "";
		}
		p = le + 1;
	}
	return found;
}

static bool modname_eq(const char *a, size_t al, const char *b)
{
	size_t bl = strlen(b);

	if (al != bl)
		return false;
	for (size_t i = 0; i < al; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

int pt_modules_list_has(const char *buf, size_t len, const char *module)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p, *base = p, *ko;

		while (q < le && *q != ':' && *q != ' ' && *q != '\t') {
			if (*q == '/')
				base = q + 1;
			q++;
		}
		/* "name.ko", "name.ko.xz", "name.ko.zst" */
		for (ko = base; ko + 3 <= q; ko++)
			if (memcmp(ko, ".ko", 3) == 0 && (ko + 3 == q || ko[3] == '.'))
				break;
		if (ko + 3 <= q && modname_eq(base, (size_t)(ko - base), module))
			return 1;
		p = le + 1;
	}
	return 0;
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

int pt_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	if (!s)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);

		if (hi < 0 || lo < 0 || p[2] != (i < 5 ? ':' : '\0'))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}

char *pt_format_mac(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

void pt_parse_interrupts(const char *buf, size_t len, int *remapped, int *direct)
{
	size_t i = 0;

	*remapped = 0;
	*direct = 0;
	while (i < len) {
		size_t start = i;
		const char *msi;

		while (i < len && buf[i] != '\n')
			i++;
		/* look for the chip name within this line only */
		for (size_t k = start; k + 7 <= i; k++) {
			if (buf[k] != 'P' || memcmp(buf + k, "PCI-MSI", 7) != 0)
				continue;
			msi = buf + k;
			if (k >= start + 3 && memcmp(msi - 3, "IR-", 3) == 0)
				(*remapped)++;
			else
				(*direct)++;
			break;
		}
		i++;
	}
}

/* Hex digits p[0..n) (1 to 8 of them, nothing else) as a value <= max, or -1. */
static long hex_field(const char *p, size_t n, long max)
{
	unsigned long v = 0;

	if (n == 0 || n > 8)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | (unsigned long)d;
	}
	return v <= (unsigned long)max ? (long)v : -1;
}

/* "VVVV:DDDD" -> both, or both -1. */
static void hex_pair(const char *p, size_t n, int *a, int *b)
{
	const char *colon = memchr(p, ':', n);
	long x, y;

	*a = *b = -1;
	if (!colon)
		return;
	x = hex_field(p, (size_t)(colon - p), 0xffff);
	y = hex_field(colon + 1, n - (size_t)(colon - p) - 1, 0xffff);
	if (x >= 0 && y >= 0) {
		*a = (int)x;
		*b = (int)y;
	}
}

int pt_parse_uevent(const char *buf, size_t len, struct pt_uevent *out)
{
	bool any = false;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	out->vendor_id = out->device_id = -1;
	out->subsys_vendor_id = out->subsys_device_id = -1;
	out->class_code = -1;
	while (i < len) {
		const char *line = buf + i, *eq, *val;
		const char *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i, klen, vlen;

		i += n + 1;
		eq = memchr(line, '=', n);
		if (!eq || eq == line)
			continue;
		any = true;
		klen = (size_t)(eq - line);
		val = eq + 1;
		vlen = n - klen - 1;
#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(line, k, klen) == 0)
		if (KEY_IS("PCI_ID")) {
			hex_pair(val, vlen, &out->vendor_id, &out->device_id);
		} else if (KEY_IS("PCI_SUBSYS_ID")) {
			hex_pair(val, vlen, &out->subsys_vendor_id, &out->subsys_device_id);
		} else if (KEY_IS("PCI_CLASS")) {
			out->class_code = (int)hex_field(val, vlen, 0xffffff);
		} else if (KEY_IS("DRIVER")) {
			size_t c = vlen < sizeof(out->driver) - 1 ? vlen : sizeof(out->driver) - 1;

			/* a name with a NUL or a slash is no driver name the kernel prints */
			if (vlen && !memchr(val, '\0', vlen) && !memchr(val, '/', vlen)) {
				memcpy(out->driver, val, c);
				out->driver[c] = '\0';
				out->has_driver = true;
			}
		} else if (KEY_IS("PCI_SLOT_NAME")) {
			if (vlen < sizeof(out->slot) && !memchr(val, '\0', vlen)) {
				memcpy(out->slot, val, vlen);
				out->slot[vlen] = '\0';
			}
		}
#undef KEY_IS
	}
	return any ? 0 : -EINVAL;
}
