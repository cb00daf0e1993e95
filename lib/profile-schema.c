// SPDX-License-Identifier: MIT
/*
 * What a profile and a host configuration may say (include/passthru/profile.h,
 * docs/profile.md): the value converters (MAC, BDF, driver, cpulist, speed ...) and
 * the schema tables the walker (lib/schema.c) reads, with the checks across the
 * keys of one mapping. Checks across sections are lib/profile.c's. Pure.
 */
#include "schema.h"
#include "passthru/parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(enum pt_severity) == sizeof(int), "severities are stored as int");

/* The VF settings in force for one VF (public, profile.h): vf_defaults overlaid by
 * vf: {N: ...}. The checks of an sriov entry judge these. */
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
	if (o->vlan >= 0 || o->vlan_proto > 0) /* the protocol goes with the VLAN it tags */
		out->vlan_proto = o->vlan_proto;
	if (o->query_rss >= 0)
		out->query_rss = o->query_rss;
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
	static const uint8_t zero[6];
	uint8_t mac[6];

	(void)size;
	if (pt_parse_mac(v->text, mac) < 0)
		return "is not a MAC address (expected six hex pairs such as 52:54:00:00:10:00)";
	if (memcmp(mac, zero, 6) != 0 && (mac[0] & 1))
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

	if (schema_integer(k, &x) || x < 0 || x > 2047)
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
	if (schema_bool(v, &b))
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
	if (schema_integer(v, &x))
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
static const struct kw kw_vlan_protocol[] = {
	{ "802.1Q", 0x8100 }, { "802.1ad", 0x88a8 }, { 0, 0 }
};

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
	c->vlan = c->qos = c->spoof_check = c->trust = c->query_rss = -1;
	c->vlan_proto = 0;
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
	ENUMF("vlan_protocol", struct pt_vf_config, vlan_proto, kw_vlan_protocol),
	FLAGF("query_rss", struct pt_vf_config, query_rss),
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
		return cfg_fail_at(w, c->pos.line, c->pos.col,
			       "%s: min_tx_rate %ld is above max_tx_rate %ld (Mbps)", what,
			       c->min_tx_rate, c->max_tx_rate);
	if (c->qos > 0 && c->vlan <= 0)
		return cfg_fail_at(w, c->pos.line, c->pos.col,
			       "%s: qos %d needs a vlan (qos is the priority of the VF's VLAN "
			       "tag)", what, c->qos);
	if (c->vlan_proto > 0 && c->vlan <= 0)
		return cfg_fail_at(w, c->pos.line, c->pos.col,
			       "%s: vlan_protocol needs a vlan (it is the protocol of the VF's "
			       "VLAN tag)", what);
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
			return cfg_fail_at(w, b->pos.line, b->pos.col,
				       "%s: VF %d is configured twice (first at line %d)", what,
				       b->vf, a->pos.line);
		}
		if (s->vfs >= 0 && s->vf[i].vf >= s->vfs)
			return cfg_fail_at(w, s->vf[i].pos.line, s->vf[i].pos.col,
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

/* boot: {...} (passthru boot) */
static const struct kw kw_boot_loader[] = {
	{ "auto", 0 }, { "grub", 1 }, { "grubby", 2 }, { "kernelstub", 3 }, { "systemd-boot", 4 },
	{ 0, 0 }
};
static const struct kw kw_boot_iommu[] = {
	{ "on", PT_BOOT_IOMMU_ON }, { "pt", PT_BOOT_IOMMU_PT }, { "keep", PT_BOOT_IOMMU_KEEP },
	{ 0, 0 }
};
static const struct kw kw_boot_ids[] = {
	{ "auto", PT_BOOT_IDS_AUTO }, { "cmdline", PT_BOOT_IDS_CMDLINE },
	{ "modprobe", PT_BOOT_IDS_MODPROBE }, { 0, 0 }
};
static const struct kw kw_boot_tri[] = {
	{ "auto", PT_BOOT_AUTO }, { "true", PT_BOOT_YES }, { "false", PT_BOOT_NO }, { 0, 0 }
};

static int boot_hugepages_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_boot_hugepages *h = obj;

	(void)seen;
	if (h->count <= 0)
		return fail(w, map, "%s: count is required (how many pages the kernel reserves "
				    "at boot)", where(w));
	return 0;
}

static const struct field boot_hugepages_fields[] = {
	FIELD("size", F_CONV, .off = offsetof(struct pt_boot_hugepages, size_kb),
	      .size = sizeof(long), .conv = conv_hugesize, .required = true),
	LONGF("count", struct pt_boot_hugepages, count, 1, 1L << 30),
	END,
};
static const struct schema boot_hugepages_schema = {
	.what = "huge pages reserved at boot: { size: 1G, count: 16 }",
	.fields = boot_hugepages_fields,
	.pos_off = offsetof(struct pt_boot_hugepages, pos),
	.check = boot_hugepages_check,
};

/* Parameters passthru boot would write: no white space or quotes, and not the ones
 * the kernel does not know (amd_iommu=on: the AMD IOMMU is on by default, and
 * amd_iommu= takes fullflush, off, force_isolation ... never "on"). */
static const char *check_boot_param(const struct ynode *v, void *dst, size_t size)
{
	const char *why = check_cmdline_entry(v, dst, size);

	if (why)
		return why;
	if (strlen(v->text) > 200)
		return "is too long for one parameter";
	if (!strcmp(v->text, "amd_iommu=on"))
		return "is not a value the kernel documents (the AMD IOMMU is on by default; "
		       "amd_iommu= takes off, fullflush, force_isolation ...): remove it";
	return NULL;
}

static const struct field boot_fields[] = {
	ENUMF("loader", struct pt_boot_config, loader, kw_boot_loader),
	ENUMF("iommu", struct pt_boot_config, iommu, kw_boot_iommu),
	FIELD("hugepages", F_LIST, .off = offsetof(struct pt_boot_config, hugepages),
	      .count_off = offsetof(struct pt_boot_config, n_hugepages), .max = 8,
	      .size = sizeof(struct pt_boot_hugepages), .sub = &boot_hugepages_schema),
	FIELD("default_hugepagesz", F_CONV, .off = offsetof(struct pt_boot_config,
							    default_hugepagesz_kb),
	      .size = sizeof(long), .conv = conv_hugesize),
	CONVF("isolcpus", struct pt_boot_config, isolcpus, conv_cpulist),
	CONVF("nohz_full", struct pt_boot_config, nohz_full, conv_cpulist),
	CONVF("rcu_nocbs", struct pt_boot_config, rcu_nocbs, conv_cpulist),
	ENUMF("pci_realloc", struct pt_boot_config, pci_realloc, kw_boot_tri),
	FIELD("vfio", F_LIST, .off = offsetof(struct pt_boot_config, vfio),
	      .count_off = offsetof(struct pt_boot_config, n_vfio), .max = 256,
	      .size = sizeof(struct pt_match), .sub = &match_schema),
	ENUMF("vfio_ids", struct pt_boot_config, vfio_ids, kw_boot_ids),
	FIELD("extra", F_STRV, .off = offsetof(struct pt_boot_config, extra),
	      .count_off = offsetof(struct pt_boot_config, n_extra), .max = 64,
	      .conv = check_boot_param),
	END,
};

static int boot_check(struct walk *w, const struct ynode *map, void *obj, uint64_t seen)
{
	struct pt_boot_config *b = obj;

	(void)seen;
	b->present = true;
	b->pos.line = map->line;
	b->pos.col = map->col;
	for (size_t i = 0; i < b->n_hugepages; i++)
		for (size_t j = 0; j < i; j++)
			if (b->hugepages[i].size_kb == b->hugepages[j].size_kb)
				return cfg_fail_at(w, b->hugepages[i].pos.line, b->hugepages[i].pos.col,
					       "%s.hugepages[%zu]: %ldkB pages are already reserved "
					       "by hugepages[%zu] (line %d)", where(w), i,
					       b->hugepages[i].size_kb, j, b->hugepages[j].pos.line);
	if (b->default_hugepagesz_kb && b->n_hugepages) {
		bool found = false;

		for (size_t i = 0; i < b->n_hugepages; i++)
			found |= b->hugepages[i].size_kb == b->default_hugepagesz_kb;
		if (!found)
			return fail(w, map, "%s: default_hugepagesz %ldkB is not one of the sizes "
					    "hugepages reserves", where(w), b->default_hugepagesz_kb);
	}
	return 0;
}

static const struct schema boot_schema = {
	.what = "the boot chain: { iommu: on|pt|keep, hugepages: [...], vfio: [...], ... }",
	.fields = boot_fields,
	.pos_off = -1,
	.check = boot_check,
};

/* the host configuration's sections, at base (0 for pt_hostcfg, the offset of cfg in a
 * profile) */
#define HOSTCFG_FIELDS(base)                                                               \
	FIELD("boot", F_SUB, .off = (base) + offsetof(struct pt_hostcfg, boot),            \
	      .sub = &boot_schema),                                                        \
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
	h->pages = -1;
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
	LONGF("pages", struct pt_hugepage_req, pages, 0, 1L << 40),
	END,
};
static const struct schema hugepage_schema = {
	.what = "huge pages: { size: 1G, node: 0, total: N, free: N } (a requirement) or "
		"{ size: 2M, node: 0, pages: N } (reserved by apply)",
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
	ENUMF("acs_override", struct pt_profile, sev_acs_override, kw_severity),
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

const struct field schema_profile_fields[] = {
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

const struct field schema_hostcfg_fields[] = {
	OBJF("version", conv_version, 0),
	HOSTCFG_FIELDS(0),
	/* in a profile, the same key holds the gate's requirements too (profile.c) */
	FIELD("hugepages", F_LIST, .off = offsetof(struct pt_hostcfg, hugepages),
	      .count_off = offsetof(struct pt_hostcfg, n_hugepages),
	      .size = sizeof(struct pt_hugepage_req), .sub = &hugepage_schema),
	END,
};
