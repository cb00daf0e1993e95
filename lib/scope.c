// SPDX-License-Identifier: MIT
/*
 * Scoped scans (scope.h): the functions a command names, and what their answers
 * depend on, read through the inventory's own reader (lib/pci.c's pt_scan_*), so the
 * host they make is the full scan's restricted to them. This file owns which functions
 * a scope reads; how one function is read stays pci.c's. Never prints, never writes.
 */
#include "internal.h"
#include "passthru/safety.h"
#include "passthru/scope.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>

#define MAX_LOWER_DEPTH 8 /* as lib/safety.c follows a default route's lower_ links */

struct scope_item {
	char name[32];      /* a BDF or a netdev name */
	unsigned flags;
};

struct pt_scope {
	struct scope_item *items;
	size_t n;
	bool all;
};

int pt_scope_new(struct pt_scope **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void pt_scope_free(struct pt_scope *s)
{
	if (!s)
		return;
	free(s->items);
	free(s);
}

void pt_scope_all(struct pt_scope *s)
{
	s->all = true;
}

int pt_scope_add(struct pt_scope *s, const char *dev, unsigned flags)
{
	struct scope_item it = { .flags = flags };

	if (!dev || !dev[0] || strlen(dev) >= sizeof(it.name))
		return 0; /* names nothing the full scan would find either */
	pt_strlcpy(it.name, dev, sizeof(it.name));
	return PT_PUSH(s->items, s->n, it);
}

int pt_scope_add_bdf(struct pt_scope *s, const struct pt_bdf *bdf, unsigned flags)
{
	char b[PT_BDF_STRLEN];

	return pt_scope_add(s, pt_bdf_format(bdf, b), flags);
}

int pt_scope_add_match(struct pt_scope *s, const struct pt_match *m, unsigned flags)
{
	switch (m->kind) {
	case PT_MATCH_BDF:
		return pt_scope_add_bdf(s, &m->bdf, flags);
	case PT_MATCH_NETDEV:
		return pt_scope_add(s, m->netdev, flags);
	case PT_MATCH_ID:
		/* "the index-th function with this ID, in BDF order" needs every function */
		s->all = true;
		return 0;
	default:
		return 0;
	}
}

int pt_scope_add_hostcfg(struct pt_scope *s, const struct pt_hostcfg *cfg)
{
	int r = 0;

	for (size_t i = 0; !r && i < cfg->n_sriov; i++)
		r = pt_scope_add_match(s, &cfg->sriov[i].pf, PT_SCOPE_VFS | PT_SCOPE_SIBLINGS);
	for (size_t i = 0; !r && i < cfg->n_passthrough; i++)
		r = pt_scope_add_match(s, &cfg->passthrough[i].device, 0);
	for (size_t i = 0; !r && i < cfg->n_pools; i++)
		for (size_t k = 0; !r && k < cfg->pools[i].n_members; k++)
			r = pt_scope_add_match(s, &cfg->pools[i].members[k],
					       cfg->pools[i].kind == PT_POOL_VFS ? PT_SCOPE_VFS : 0);
	return r;
}

/* ---- the closure ---------------------------------------------------------------------- */

struct want {
	char name[PT_BDF_STRLEN];
	unsigned flags;
};

struct closure {
	struct pt_ctx *ctx;
	struct pt_scan *sc;
	struct want *q;      /* every function named so far, in the order named */
	size_t n;
	int *groups;         /* groups whose members were named */
	size_t n_groups;
};

/* Names function name once (later namings may add flags: they are or'ed in before
 * it is read, and the closure re-reads nothing). */
static int name_fn(struct closure *c, const char *name, unsigned flags)
{
	struct want w = { .flags = flags };

	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->q[i].name, name) == 0) {
			c->q[i].flags |= flags;
			return 0;
		}
	if (!pt_scan_listed(c->sc, name))
		return 0;
	pt_strlcpy(w.name, name, sizeof(w.name));
	return PT_PUSH(c->q, c->n, w);
}

static int name_bdf(struct closure *c, const struct pt_bdf *b, unsigned flags)
{
	char s[PT_BDF_STRLEN];

	return name_fn(c, pt_bdf_format(b, s), flags);
}

/* The last BDF of a link target: the PCI function a class device sits on. */
static bool last_bdf(const char *target, struct pt_bdf *out)
{
	bool found = false;

	for (const char *p = target; *p;) {
		size_t len = strcspn(p, "/");
		struct pt_bdf b;

		if (len < PT_BDF_STRLEN && pt_bdf_scan(p, &b) == len) {
			*out = b;
			found = true;
		}
		p += len;
		if (*p)
			p++;
	}
	return found;
}

/* A netdev to the function it sits on, as the full scan attaches it (/sys/class/net
 * links); 1 when one was named. */
static int name_netdev(struct closure *c, const char *ifname, unsigned flags)
{
	char link[512], s[PT_BDF_STRLEN];
	struct pt_bdf b;

	if (strchr(ifname, '/') || strcmp(ifname, "..") == 0 || strcmp(ifname, ".") == 0)
		return 0;
	if (pt_readlink(c->ctx, link, sizeof(link), "/sys/class/net/%s", ifname) < 0 ||
	    !last_bdf(link, &b) || !pt_scan_listed(c->sc, pt_bdf_format(&b, s)))
		return 0;
	return name_fn(c, s, flags) < 0 ? -ENOMEM : 1;
}

/* DEV as pt_host_lookup resolves it: a BDF the bus lists, else a netdev's function. */
static int name_dev(struct closure *c, const char *dev, unsigned flags)
{
	char s[PT_BDF_STRLEN];
	struct pt_bdf b;

	if (pt_bdf_parse(dev, &b) == 0 && pt_scan_listed(c->sc, pt_bdf_format(&b, s)))
		return name_fn(c, s, flags);
	return name_netdev(c, dev, flags) < 0 ? -ENOMEM : 0;
}

/* A default route's interface down to the hardware, as lib/safety.c's route_iface
 * follows it: the function the interface sits on, else its lower_ interfaces. */
static int name_route_iface(struct closure *c, const char *ifname, int depth)
{
	struct dirent *e;
	DIR *dir;
	int r;

	r = name_netdev(c, ifname, 0);
	if (r != 0 || depth >= MAX_LOWER_DEPTH)
		return r < 0 ? r : 0;
	dir = pt_opendir(c->ctx, "/sys/class/net/%s", ifname);
	if (!dir)
		return 0;
	while ((e = readdir(dir)) && r >= 0)
		if (strncmp(e->d_name, "lower_", 6) == 0 && e->d_name[6])
			r = name_route_iface(c, e->d_name + 6, depth + 1);
	closedir(dir);
	return r < 0 ? r : 0;
}

static int name_route_devices(struct closure *c)
{
	static const char *const files[2] = { "/proc/net/route", "/proc/net/ipv6_route" };
	char ifs[16][16];
	int r = 0;

	for (int f = 0; f < 2 && !r; f++) {
		char *buf = NULL;
		size_t k;

		if (pt_read_file(c->ctx, &buf, NULL, 1 << 20, "%s", files[f]) < 0)
			continue;
		k = f == 0 ? pt_parse_default_routes_v4(buf, ifs, 16)
			   : pt_parse_default_routes_v6(buf, ifs, 16);
		for (size_t i = 0; i < k && i < 16 && !r; i++)
			r = name_route_iface(c, ifs[i], 0);
		free(buf);
	}
	return r;
}

/* The members of IOMMU group g, as the kernel lists them. */
static int name_group(struct closure *c, int g)
{
	struct dirent *e;
	DIR *dir;
	int r = 0;

	for (size_t i = 0; i < c->n_groups; i++)
		if (c->groups[i] == g)
			return 0;
	if (PT_PUSH(c->groups, c->n_groups, g))
		return -ENOMEM;
	dir = pt_opendir(c->ctx, "/sys/kernel/iommu_groups/%d/devices", g);
	if (!dir)
		return 0;
	while ((e = readdir(dir)) && !r) {
		struct pt_bdf b;

		if (e->d_name[0] != '.' && pt_bdf_parse(e->d_name, &b) == 0)
			r = name_bdf(c, &b, 0);
	}
	closedir(dir);
	return r;
}

/* The functions on the bus below bridge: its sysfs directory's BDF entries (the
 * directories the full scan's device links lead into). */
static int name_children(struct closure *c, const struct pt_bdf *bridge)
{
	char b[PT_BDF_STRLEN];
	struct dirent *e;
	DIR *dir;
	int r = 0;

	dir = pt_opendir(c->ctx, "/sys/bus/pci/devices/%s", pt_bdf_format(bridge, b));
	if (!dir)
		return 0;
	while ((e = readdir(dir)) && !r) {
		struct pt_bdf k;

		if (e->d_name[0] != '.' && pt_bdf_parse(e->d_name, &k) == 0)
			r = name_bdf(c, &k, 0);
	}
	closedir(dir);
	return r;
}

/* What the answers about d depend on: its PF, its upstream path, its group, and what
 * the flags it was named with ask (its VFs, its bridge's other functions). */
static int name_deps(struct closure *c, const struct pt_device *d, unsigned flags)
{
	int r = 0;

	if (d->has_physfn)
		r = name_bdf(c, &d->physfn, 0);
	for (size_t i = 0; !r && i < d->n_path; i++)
		r = name_bdf(c, &d->path[i], 0);
	if (!r && d->iommu_group >= 0)
		r = name_group(c, d->iommu_group);
	for (size_t i = 0; !r && (flags & PT_SCOPE_VFS) && i < d->n_vfs; i++)
		r = name_bdf(c, &d->vfs[i], 0);
	if (!r && (flags & PT_SCOPE_SIBLINGS) && d->n_path)
		r = name_children(c, &d->path[0]);
	return r;
}

static bool scan_full(const struct pt_scope *s)
{
	const char *e = getenv("PASSTHRU_SCAN");

	return !s || s->all || (e && strcmp(e, "full") == 0);
}

int pt_host_scan_scope(struct pt_ctx *ctx, const struct pt_scope *s, struct pt_host **out)
{
	struct closure c = { .ctx = ctx };
	int r;

	*out = NULL;
	if (scan_full(s))
		return pt_host_scan(ctx, out);
	r = pt_scan_begin(ctx, true, &c.sc);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < s->n; i++)
		r = name_dev(&c, s->items[i].name, s->items[i].flags);
	if (r >= 0)
		r = name_route_devices(&c);
	/* the queue grows while it is read: each function read names what it depends on */
	for (size_t i = 0; r >= 0 && i < c.n; i++) {
		struct pt_host *h = pt_scan_host(c.sc);
		unsigned flags = c.q[i].flags;

		r = pt_scan_read(c.sc, c.q[i].name);
		if (r == 1)
			r = name_deps(&c, &h->devs[h->n_devs - 1], flags);
	}
	if (r < 0) {
		if (r == -ENOMEM)
			pt_err(ctx, r, "out of memory scanning the devices asked about");
		pt_scan_abort(c.sc);
	} else {
		r = pt_scan_end(c.sc, out);
	}
	free(c.q);
	free(c.groups);
	return r;
}
