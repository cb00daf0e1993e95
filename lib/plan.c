// SPDX-License-Identifier: MIT
/*
 * The planner of `passthru apply`: what the config wants (pt_want_from_config), the
 * diff of the host against it (pt_plan_build), and the prior state of what a plan
 * touches (pt_want_snapshot), which is what a rollback converges back to.
 * Pure: no I/O here, so every rule is unit-tested on built models.
 */
#include "internal.h"
#include "passthru/plan.h"
#include "passthru/parse.h"

#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>

static const char *const kind_names[] = {
	[PT_ACT_SET_AUTOPROBE] = "set_autoprobe",
	[PT_ACT_SET_NUMVFS] = "set_numvfs",
	[PT_ACT_WAIT_VFS] = "wait_vfs",
	[PT_ACT_SET_VF_MAC] = "set_vf_mac",
	[PT_ACT_SET_VF_VLAN] = "set_vf_vlan",
	[PT_ACT_SET_VF_RATE] = "set_vf_rate",
	[PT_ACT_SET_VF_SPOOFCHK] = "set_vf_spoofchk",
	[PT_ACT_SET_VF_TRUST] = "set_vf_trust",
	[PT_ACT_SET_VF_LINK_STATE] = "set_vf_link_state",
	[PT_ACT_SET_DRIVER_OVERRIDE] = "set_driver_override",
	[PT_ACT_UNBIND] = "unbind",
	[PT_ACT_PROBE] = "probe",
	[PT_ACT_SET_VF_QUERY_RSS] = "set_vf_query_rss",
	[PT_ACT_SET_HUGEPAGES] = "set_hugepages",
};

const char *pt_action_kind_str(enum pt_action_kind k)
{
	if ((unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[k])
		return kind_names[k];
	return "?";
}

void pt_want_free(struct pt_want *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_pfs; i++)
		free(w->pfs[i].vfs);
	free(w->pfs);
	free(w->devs);
	free(w->hps);
	memset(w, 0, sizeof(*w));
}

void pt_plan_free(struct pt_plan *p)
{
	if (!p)
		return;
	free(p->actions);
	p->actions = NULL;
	p->n = 0;
}

static int pf_cmp(const void *a, const void *b)
{
	return pt_bdf_cmp(&((const struct pt_want_pf *)a)->bdf, &((const struct pt_want_pf *)b)->bdf);
}

static int dev_cmp(const void *a, const void *b)
{
	return pt_bdf_cmp(&((const struct pt_want_dev *)a)->bdf,
			  &((const struct pt_want_dev *)b)->bdf);
}

static int hp_cmp(const void *a, const void *b)
{
	const struct pt_want_hp *x = a, *y = b;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return (x->size_kb > y->size_kb) - (x->size_kb < y->size_kb);
}

static const struct pt_numa_node *host_node(const struct pt_host *h, int id)
{
	for (size_t i = 0; i < h->n_nodes; i++)
		if (h->nodes[i].id == id)
			return &h->nodes[i];
	return NULL;
}

static const struct pt_hugepages *node_pool(const struct pt_numa_node *n, long size_kb)
{
	for (size_t i = 0; n && i < n->n_hugepages && i < 8; i++)
		if (n->hugepages[i].size_kb == size_kb)
			return &n->hugepages[i];
	return NULL;
}

/* hugepages: each entry's node must exist and offer that size */
static int want_hugepages(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_hostcfg *cfg,
			  struct pt_want *out)
{
	for (size_t i = 0; i < cfg->n_hugepages; i++) {
		const struct pt_hugepage_req *q = &cfg->hugepages[i];
		const struct pt_numa_node *n = host_node(h, q->node);
		struct pt_want_hp w = { .node = q->node, .size_kb = q->size_kb, .pages = q->pages };

		if (q->pages < 0 || q->node < 0)
			continue;
		if (!n)
			return pt_err(ctx, -ENODEV, "line %d: hugepages: NUMA node %d is not on this "
				      "host (/sys/devices/system/node/node%d)", q->pos.line, q->node,
				      q->node);
		if (!node_pool(n, q->size_kb))
			return pt_err(ctx, -EINVAL, "line %d: hugepages: node %d offers no %ldkB pages "
				      "(no hugepages-%ldkB directory: the CPU or the kernel does not "
				      "support that size; 1G pages need pdpe1gb)", q->pos.line, q->node,
				      q->size_kb, q->size_kb);
		if (PT_PUSH(out->hps, out->n_hps, w))
			return pt_err(ctx, -ENOMEM, "out of memory");
	}
	if (out->n_hps)
		qsort(out->hps, out->n_hps, sizeof(*out->hps), hp_cmp);
	return 0;
}

static int vf_cmp(const void *a, const void *b)
{
	return ((const struct pt_want_vf *)a)->vf - ((const struct pt_want_vf *)b)->vf;
}

/* ---- desired state from the config ---------------------------------------------------- */

static void want_fn_driver(struct pt_want_fn *fn, const char *driver)
{
	memset(fn, 0, sizeof(*fn));
	pt_strlcpy(fn->driver, driver, sizeof(fn->driver));
	/* a vfio binding must survive a re-probe: driver_override keeps host drivers off */
	if (driver[0] && pt_driver_is_vfio(driver)) {
		fn->has_override = true;
		pt_strlcpy(fn->override, driver, sizeof(fn->override));
	}
}

static void vf_from_config(const struct pt_vf_config *c, struct pt_want_vf *v)
{
	memset(v, 0, sizeof(*v));
	v->vf = c->vf;
	v->set.vf = c->vf;
	if (c->has_mac) {
		v->set.has |= PT_VF_MAC;
		memcpy(v->set.mac, c->mac, 6);
	}
	if (c->vlan >= 0 || c->qos >= 0) {
		v->set.has |= PT_VF_VLAN;
		v->set.vlan = c->vlan >= 0 ? c->vlan : 0;
		v->set.qos = c->qos >= 0 ? c->qos : 0;
		v->set.vlan_proto = c->vlan_proto > 0 ? c->vlan_proto : 0;
	}
	if (c->query_rss >= 0) {
		v->set.has |= PT_VF_QUERY_RSS;
		v->set.query_rss = c->query_rss;
	}
	if (c->min_tx_rate >= 0 || c->max_tx_rate >= 0) {
		v->set.has |= PT_VF_RATE;
		v->set.min_tx_rate = c->min_tx_rate; /* -1: keep what the VF has */
		v->set.max_tx_rate = c->max_tx_rate;
	}
	if (c->spoof_check >= 0) {
		v->set.has |= PT_VF_SPOOFCHK;
		v->set.spoofchk = c->spoof_check;
	}
	if (c->trust >= 0) {
		v->set.has |= PT_VF_TRUST;
		v->set.trust = c->trust;
	}
	if (c->link_state != PT_LINK_UNSET) {
		v->set.has |= PT_VF_LINK_STATE;
		v->set.link_state = c->link_state;
	}
	want_fn_driver(&v->fn, c->driver);
}

/* The VFs of one sriov entry that the config says something about, into wp. */
static int want_vfs(struct pt_ctx *ctx, const struct pt_sriov_config *s, const struct pt_device *pf,
		    struct pt_want_pf *wp)
{
	int n = s->vfs >= 0 ? s->vfs : pf->sriov_numvfs >= 0 ? pf->sriov_numvfs : (int)pf->n_vfs;

	for (int v = 0; v < n; v++) {
		struct pt_vf_config eff;
		struct pt_want_vf wv;

		pt_sriov_vf_effective(s, v, &eff);
		vf_from_config(&eff, &wv);
		if (!wv.set.has && !wv.fn.driver[0])
			continue;
		if (wv.set.has && pf->n_netdevs == 0)
			return pt_err(ctx, -EINVAL, "line %d: %s: VF %d has network settings, but the "
				      "PF has no network interface to set them through (is its driver "
				      "bound?)", eff.pos.line ? eff.pos.line : s->pos.line, pf->name, v);
		if (PT_PUSH(wp->vfs, wp->n_vfs, wv))
			return pt_err(ctx, -ENOMEM, "out of memory");
	}
	return 0;
}

/* One sriov entry: its PF resolved and checked against what the host offers. */
static int want_sriov(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_sriov_config *s,
		      struct pt_want *out)
{
	struct pt_want_pf wp = { .numvfs = s->vfs, .autoprobe = s->drivers_autoprobe };
	struct pt_device *pf;
	char sel[96];
	int r;

	pt_match_str(&s->pf, sel, sizeof(sel));
	r = pt_match_resolve(ctx, h, &s->pf, &pf);
	if (r < 0)
		return pt_err(ctx, r, "line %d: sriov PF (%s): %s", s->pos.line, sel, pt_ctx_error(ctx));
	if (pf->kind != PT_KIND_PF || pf->sriov_totalvfs < 0)
		return pt_err(ctx, -EINVAL, "line %d: sriov PF (%s) is %s, which is not SR-IOV "
			      "capable (no sriov_totalvfs)", s->pos.line, sel, pf->name);
	if (s->vfs > pf->sriov_totalvfs)
		return pt_err(ctx, -EINVAL, "line %d: %s: vfs: %d, but the PF offers at most %d "
			      "(sriov_totalvfs)", s->pos.line, pf->name, s->vfs, pf->sriov_totalvfs);
	for (size_t k = 0; k < out->n_pfs; k++)
		if (pt_bdf_eq(&out->pfs[k].bdf, &pf->bdf))
			return pt_err(ctx, -EINVAL, "line %d: %s is configured twice under sriov",
				      s->pos.line, pf->name);
	wp.bdf = pf->bdf;
	r = want_vfs(ctx, s, pf, &wp);
	if (r == 0 && PT_PUSH(out->pfs, out->n_pfs, wp))
		r = pt_err(ctx, -ENOMEM, "out of memory");
	if (r < 0)
		free(wp.vfs);
	return r;
}

/* One passthrough entry: its device resolved, bound to its driver (vfio-pci unless
 * the entry names one). */
static int want_passthrough(struct pt_ctx *ctx, const struct pt_host *h,
			    const struct pt_passthrough_config *p, struct pt_want *out)
{
	struct pt_want_dev wd = { 0 };
	struct pt_device *d;
	char sel[96];
	int r;

	r = pt_match_resolve(ctx, h, &p->device, &d);
	if (r < 0)
		return pt_err(ctx, r, "line %d: passthrough device (%s): %s", p->pos.line,
			      pt_match_str(&p->device, sel, sizeof(sel)), pt_ctx_error(ctx));
	for (size_t k = 0; k < out->n_devs; k++)
		if (pt_bdf_eq(&out->devs[k].bdf, &d->bdf))
			return pt_err(ctx, -EINVAL, "line %d: %s is listed twice under passthrough",
				      p->pos.line, d->name);
	wd.bdf = d->bdf;
	want_fn_driver(&wd.fn, p->driver[0] ? p->driver : "vfio-pci");
	if (PT_PUSH(out->devs, out->n_devs, wd))
		return pt_err(ctx, -ENOMEM, "out of memory");
	return 0;
}

int pt_want_from_config(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_hostcfg *cfg,
			struct pt_want *out)
{
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < cfg->n_sriov && r == 0; i++)
		r = want_sriov(ctx, h, &cfg->sriov[i], out);
	for (size_t i = 0; i < cfg->n_passthrough && r == 0; i++)
		r = want_passthrough(ctx, h, &cfg->passthrough[i], out);
	if (r == 0)
		r = want_hugepages(ctx, h, cfg, out);
	if (r < 0) {
		pt_want_free(out);
		return r;
	}
	if (out->n_pfs)
		qsort(out->pfs, out->n_pfs, sizeof(*out->pfs), pf_cmp);
	if (out->n_devs)
		qsort(out->devs, out->n_devs, sizeof(*out->devs), dev_cmp);
	return 0;
}

/* ---- the diff ------------------------------------------------------------------------- */

struct planner {
	const struct pt_host *h;
	struct pt_plan *plan;
	int err;
};

static struct pt_action *emit(struct planner *p, enum pt_action_kind kind, const char *device)
{
	struct pt_action a = { .kind = kind, .vf = -1 };

	if (p->err)
		return NULL;
	pt_strlcpy(a.device, device, sizeof(a.device));
	if (PT_PUSH(p->plan->actions, p->plan->n, a)) {
		p->err = -ENOMEM;
		return NULL;
	}
	return &p->plan->actions[p->plan->n - 1];
}

static const char *onoff(int v)
{
	return v ? "on" : "off";
}

/* 0 (not said) is 802.1Q, as the kernel takes IFLA_VF_VLAN */
static int vlan_proto_of(int proto)
{
	return proto > 0 ? proto : 0x8100;
}

static void fmt_vlan(int vlan, int qos, int proto, char *buf, size_t len)
{
	const char *pr = vlan > 0 && vlan_proto_of(proto) == 0x88a8 ? " proto 802.1ad" : "";

	if (qos > 0)
		snprintf(buf, len, "%d qos %d%s", vlan, qos, pr);
	else
		snprintf(buf, len, "%d%s", vlan, pr);
}

static const char *link_state_name(int s)
{
	const char *n = pt_vf_link_state_str(s);

	return n ? n : "unknown";
}

/* The BDF VF vf of pf has (or will have: routing ID + offset + vf * stride). */
static void vf_bdf(const struct pt_device *pf, int vf, char buf[PT_BDF_STRLEN], struct pt_bdf *out)
{
	struct pt_bdf b = { 0 };

	if (vf >= 0 && pt_device_vf(pf, vf)) {
		b = *pt_device_vf(pf, vf);
	} else if (pf->sriov_offset > 0 && pf->sriov_stride >= 0) {
		unsigned rid = ((unsigned)pf->bdf.bus << 8 | pf->bdf.dev << 3 | pf->bdf.fn) +
			       (unsigned)pf->sriov_offset + (unsigned)vf * (unsigned)pf->sriov_stride;

		b.domain = pf->bdf.domain;
		b.bus = (rid >> 8) & 0xff;
		b.dev = (rid >> 3) & 0x1f;
		b.fn = rid & 7;
	} else {
		snprintf(buf, PT_BDF_STRLEN, "%.10s/vf%d", pf->name, vf);
		if (out)
			*out = b;
		return;
	}
	pt_bdf_format(&b, buf);
	if (out)
		*out = b;
}

static const struct pt_link_vfs *find_link(const struct pt_link_vfs *links, size_t n,
					   const char *ifname)
{
	if (!ifname[0])
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(links[i].ifname, ifname) == 0)
			return &links[i];
	return NULL;
}

/* The defaults of a VF as the kernel creates it (igb, ixgbe, i40e, ice, mlx5 agree). */
static bool vf_field_is_default(const struct pt_vf_setting *s, unsigned f)
{
	static const uint8_t zero[6];

	switch (f) {
	case PT_VF_MAC: return memcmp(s->mac, zero, 6) == 0;
	case PT_VF_VLAN: return s->vlan == 0 && s->qos == 0;
	case PT_VF_RATE: return s->min_tx_rate <= 0 && s->max_tx_rate <= 0;
	case PT_VF_SPOOFCHK: return s->spoofchk;
	case PT_VF_TRUST: return !s->trust;
	case PT_VF_LINK_STATE: return s->link_state == IFLA_VF_LINK_STATE_AUTO;
	case PT_VF_QUERY_RSS: return !s->query_rss;
	}
	return false;
}

static const enum pt_action_kind field_kind[] = {
	PT_ACT_SET_VF_MAC, PT_ACT_SET_VF_VLAN, PT_ACT_SET_VF_RATE,
	PT_ACT_SET_VF_SPOOFCHK, PT_ACT_SET_VF_TRUST, PT_ACT_SET_VF_LINK_STATE,
	PT_ACT_SET_VF_QUERY_RSS,
};

/* One VF setting: emitted when info (NULL for a new VF) differs. Returns true when
 * an action was emitted. */
static bool vf_field(struct planner *p, const struct pt_device *pf, const char *ifname,
		     int ifindex, const struct pt_want_vf *wv, const struct pt_vf_info *info,
		     unsigned f, bool fresh_defaults_skip)
{
	char from[64] = "", to[64] = "", dev[PT_BDF_STRLEN];
	struct pt_vf_setting s = wv->set;
	bool same = false;
	struct pt_action *a;
	int bit = __builtin_ctz(f);

	s.vf = wv->vf;
	s.has = f;
	switch (f) {
	case PT_VF_MAC:
		pt_format_mac(s.mac, to, sizeof(to));
		if (info && info->has_mac) {
			pt_format_mac(info->mac, from, sizeof(from));
			same = memcmp(info->mac, s.mac, 6) == 0;
		}
		break;
	case PT_VF_VLAN:
		fmt_vlan(s.vlan, s.qos, s.vlan_proto, to, sizeof(to));
		if (info && info->vlan >= 0) {
			int q = info->qos >= 0 ? info->qos : 0;

			fmt_vlan(info->vlan, q, info->vlan_proto, from, sizeof(from));
			/* the protocol counts only with a VLAN (none has none) */
			same = info->vlan == s.vlan && q == s.qos &&
			       (s.vlan == 0 || vlan_proto_of(info->vlan_proto) == vlan_proto_of(s.vlan_proto));
		}
		break;
	case PT_VF_RATE: {
		long cmin = info ? info->min_tx_rate : -1, cmax = info ? info->max_tx_rate : -1;

		if (s.min_tx_rate < 0)
			s.min_tx_rate = cmin >= 0 ? cmin : 0;
		if (s.max_tx_rate < 0)
			s.max_tx_rate = cmax >= 0 ? cmax : 0;
		snprintf(to, sizeof(to), "%ld/%ld", s.min_tx_rate, s.max_tx_rate);
		if (cmin >= 0 && cmax >= 0) {
			snprintf(from, sizeof(from), "%ld/%ld", cmin, cmax);
			same = cmin == s.min_tx_rate && cmax == s.max_tx_rate;
		}
		break;
	}
	case PT_VF_SPOOFCHK:
		snprintf(to, sizeof(to), "%s", onoff(s.spoofchk));
		if (info && info->spoofchk != PT_UNKNOWN) {
			snprintf(from, sizeof(from), "%s", onoff(info->spoofchk == PT_YES));
			same = (info->spoofchk == PT_YES) == s.spoofchk;
		} else if (info) {
			snprintf(from, sizeof(from), "unknown");
		}
		break;
	case PT_VF_TRUST:
		snprintf(to, sizeof(to), "%s", onoff(s.trust));
		if (info && info->trust != PT_UNKNOWN) {
			snprintf(from, sizeof(from), "%s", onoff(info->trust == PT_YES));
			same = (info->trust == PT_YES) == s.trust;
		} else if (info) {
			snprintf(from, sizeof(from), "unknown");
		}
		break;
	case PT_VF_QUERY_RSS:
		snprintf(to, sizeof(to), "%s", onoff(s.query_rss));
		if (info && info->query_rss != PT_UNKNOWN) {
			snprintf(from, sizeof(from), "%s", onoff(info->query_rss == PT_YES));
			same = (info->query_rss == PT_YES) == s.query_rss;
		} else if (info) {
			snprintf(from, sizeof(from), "unknown");
		}
		break;
	case PT_VF_LINK_STATE:
		snprintf(to, sizeof(to), "%s", link_state_name(s.link_state));
		if (info && info->link_state >= 0) {
			snprintf(from, sizeof(from), "%s", link_state_name(info->link_state));
			same = info->link_state == s.link_state;
		}
		break;
	default:
		return false;
	}
	if (same)
		return false;
	if (!info && fresh_defaults_skip && vf_field_is_default(&s, f))
		return false;
	vf_bdf(pf, wv->vf, dev, NULL);
	a = emit(p, field_kind[bit], dev);
	if (!a)
		return false;
	a->pf = pf->bdf;
	a->vf = wv->vf;
	pt_strlcpy(a->ifname, ifname, sizeof(a->ifname));
	a->ifindex = ifindex;
	a->set = s;
	pt_strlcpy(a->field, pt_vf_field_name(f), sizeof(a->field));
	pt_strlcpy(a->from, from, sizeof(a->from));
	pt_strlcpy(a->to, to, sizeof(a->to));
	snprintf(a->desc, sizeof(a->desc), "%s VF %d (%s): %s %s -> %s", ifname, wv->vf, dev,
		 a->field, from[0] ? from : "(new VF)", to);
	return true;
}

static void pf_action(struct planner *p, const struct pt_device *pf, enum pt_action_kind k,
		      int from, int to, const char *why)
{
	struct pt_action *a = emit(p, k, pf->name);

	if (!a)
		return;
	a->pf = pf->bdf;
	a->count = to;
	switch (k) {
	case PT_ACT_SET_AUTOPROBE:
		pt_strlcpy(a->field, "sriov_drivers_autoprobe", sizeof(a->field));
		break;
	case PT_ACT_SET_NUMVFS:
		pt_strlcpy(a->field, "sriov_numvfs", sizeof(a->field));
		break;
	default:
		pt_strlcpy(a->field, "virtfn", sizeof(a->field));
		break;
	}
	if (from >= 0)
		snprintf(a->from, sizeof(a->from), "%d", from);
	snprintf(a->to, sizeof(a->to), "%d", to);
	if (k == PT_ACT_WAIT_VFS)
		snprintf(a->desc, sizeof(a->desc), "%s: wait until the kernel shows %d VF%s",
			 pf->name, to, to == 1 ? "" : "s");
	else
		snprintf(a->desc, sizeof(a->desc), "%s: %s %s -> %d%s%s", pf->name, a->field,
			 from >= 0 ? a->from : "unknown", to, why ? " " : "", why ? why : "");
}

static void fn_action(struct planner *p, enum pt_action_kind k, const char *dev,
		      const struct pt_device *pf, int vf, const char *from, const char *to)
{
	struct pt_action *a = emit(p, k, dev);

	if (!a)
		return;
	if (pf) {
		a->pf = pf->bdf;
		a->vf = vf;
	}
	switch (k) {
	case PT_ACT_SET_DRIVER_OVERRIDE:
		pt_strlcpy(a->field, "driver_override", sizeof(a->field));
		pt_strlcpy(a->from, from, sizeof(a->from));
		pt_strlcpy(a->to, to, sizeof(a->to));
		snprintf(a->desc, sizeof(a->desc), "%s: driver_override %s -> %s", dev,
			 from[0] ? from : "(none)", to[0] ? to : "(none)");
		break;
	case PT_ACT_UNBIND:
		pt_strlcpy(a->field, "driver", sizeof(a->field));
		pt_strlcpy(a->from, from, sizeof(a->from));
		snprintf(a->desc, sizeof(a->desc), "%s: unbind from %s", dev, from);
		break;
	default: /* probe */
		pt_strlcpy(a->field, "driver", sizeof(a->field));
		pt_strlcpy(a->to, to, sizeof(a->to));
		pt_strlcpy(a->driver, to, sizeof(a->driver));
		snprintf(a->desc, sizeof(a->desc), "%s: drivers_probe%s%s", dev,
			 to[0] ? ", expecting " : " (the default driver)", to);
		break;
	}
}

/*
 * A function's driver made what want says. cur_* describe it now ("" for a VF about to
 * be created). ap0: probing needs driver_override (a VF of a PF with autoprobe off).
 * reprobe: the VF's MAC changed and a host driver must re-read it.
 */
static void fn_plan(struct planner *p, const char *dev, const struct pt_device *pf, int vf,
		    const char *cur_drv, const char *cur_ov, const struct pt_want_fn *w, bool ap0,
		    bool reprobe)
{
	const char *D = w->driver, *target = strcmp(D, "none") == 0 ? "" : D;
	const char *ov_final;

	if (!D[0] || strcmp(cur_drv, target) == 0) {
		if (reprobe && cur_drv[0] && !pt_driver_is_vfio(cur_drv)) {
			/* igbvf (and others) take a MAC set by the PF only when they probe */
			bool need_ov = cur_ov[0] ? strcmp(cur_ov, cur_drv) != 0 : ap0;

			if (need_ov)
				fn_action(p, PT_ACT_SET_DRIVER_OVERRIDE, dev, pf, vf, cur_ov, cur_drv);
			fn_action(p, PT_ACT_UNBIND, dev, pf, vf, cur_drv, "");
			fn_action(p, PT_ACT_PROBE, dev, pf, vf, "", cur_drv);
			if (need_ov)
				fn_action(p, PT_ACT_SET_DRIVER_OVERRIDE, dev, pf, vf, cur_drv, cur_ov);
		}
		if (w->has_override && strcmp(cur_ov, w->override) != 0)
			fn_action(p, PT_ACT_SET_DRIVER_OVERRIDE, dev, pf, vf, cur_ov, w->override);
		return;
	}
	if (!target[0]) { /* "none": unbound */
		if (w->has_override && strcmp(cur_ov, w->override) != 0)
			fn_action(p, PT_ACT_SET_DRIVER_OVERRIDE, dev, pf, vf, cur_ov, w->override);
		fn_action(p, PT_ACT_UNBIND, dev, pf, vf, cur_drv, "");
		return;
	}
	/* driver_override names the driver while probing: deterministic, and the only way
	 * a VF probes while its PF's sriov_drivers_autoprobe is 0 */
	if (strcmp(cur_ov, target) != 0)
		fn_action(p, PT_ACT_SET_DRIVER_OVERRIDE, dev, pf, vf, cur_ov, target);
	if (cur_drv[0])
		fn_action(p, PT_ACT_UNBIND, dev, pf, vf, cur_drv, "");
	fn_action(p, PT_ACT_PROBE, dev, pf, vf, "", target);
	ov_final = w->has_override ? w->override : target;
	if (strcmp(ov_final, target) != 0)
		fn_action(p, PT_ACT_SET_DRIVER_OVERRIDE, dev, pf, vf, target, ov_final);
}

static const struct pt_want_vf *want_vf(const struct pt_want_pf *wp, int vf)
{
	for (size_t i = 0; i < wp->n_vfs; i++)
		if (wp->vfs[i].vf == vf)
			return &wp->vfs[i];
	return NULL;
}

static void plan_pf(struct planner *p, const struct pt_device *pf, const struct pt_want_pf *wp,
		    const struct pt_link_vfs *link)
{
	const char *ifname = pf->n_netdevs ? pf->netdevs[0] : "";
	int ifindex = link ? link->ifindex : 0;
	int cur_n = pf->sriov_numvfs >= 0 ? pf->sriov_numvfs : (int)pf->n_vfs;
	int want_n = wp->numvfs >= 0 ? wp->numvfs : cur_n;
	int cur_ap = pf->sriov_drivers_autoprobe, ap = cur_ap;
	int final_ap = wp->autoprobe >= 0 ? wp->autoprobe : cur_ap;
	char dev[PT_BDF_STRLEN];

	if (want_n != cur_n) {
		bool quiet = false;

		/* VFs that must not meet the host driver: no autoprobe while they appear */
		for (size_t i = 0; i < wp->n_vfs && want_n > 0; i++)
			if (wp->vfs[i].vf < want_n &&
			    (wp->vfs[i].fn.driver[0] || (wp->vfs[i].set.has & PT_VF_MAC)))
				quiet = true;
		if (quiet && ap != 0) {
			pf_action(p, pf, PT_ACT_SET_AUTOPROBE, ap, 0,
				  "(new VFs wait unbound for their settings and driver)");
			ap = 0;
		} else if (!quiet && final_ap >= 0 && final_ap != ap) {
			pf_action(p, pf, PT_ACT_SET_AUTOPROBE, ap, final_ap, NULL);
			ap = final_ap;
		}
		if (cur_n > 0) {
			pf_action(p, pf, PT_ACT_SET_NUMVFS, cur_n, 0,
				  "(a VF count changes through 0; VF settings are lost)");
			pf_action(p, pf, PT_ACT_WAIT_VFS, -1, 0, NULL);
		}
		if (want_n > 0) {
			pf_action(p, pf, PT_ACT_SET_NUMVFS, 0, want_n, NULL);
			pf_action(p, pf, PT_ACT_WAIT_VFS, -1, want_n, NULL);
		}
		for (size_t i = 0; i < wp->n_vfs; i++) {
			const struct pt_want_vf *wv = &wp->vfs[i];

			if (wv->vf >= want_n)
				continue;
			for (unsigned b = 0; b < PT_VF_N_FIELDS; b++)
				if (wv->set.has & (1u << b))
					vf_field(p, pf, ifname, ifindex, wv, NULL, 1u << b, wp->snapshot);
		}
		for (size_t i = 0; i < wp->n_vfs; i++) {
			const struct pt_want_vf *wv = &wp->vfs[i];

			if (wv->vf >= want_n || !wv->fn.driver[0])
				continue;
			vf_bdf(pf, wv->vf, dev, NULL);
			/* a new VF: unbound when ap is 0; with autoprobe on, nothing here names a driver */
			fn_plan(p, dev, pf, wv->vf, "", "", &wv->fn, ap == 0, false);
		}
		if (final_ap >= 0 && final_ap != ap) {
			bool was_quiet = ap == 0 && final_ap != 0;

			pf_action(p, pf, PT_ACT_SET_AUTOPROBE, ap, final_ap, NULL);
			ap = final_ap;
			/* VFs left to the host's default driver probe now, as they would have */
			for (int v = 0; was_quiet && v < want_n; v++) {
				const struct pt_want_vf *wv = want_vf(wp, v);

				if (wv && wv->fn.driver[0])
					continue;
				vf_bdf(pf, v, dev, NULL);
				fn_action(p, PT_ACT_PROBE, dev, pf, v, "", "");
			}
		}
		return;
	}

	if (final_ap >= 0 && final_ap != cur_ap)
		pf_action(p, pf, PT_ACT_SET_AUTOPROBE, cur_ap, final_ap, NULL);
	for (size_t i = 0; i < wp->n_vfs; i++) {
		const struct pt_want_vf *wv = &wp->vfs[i];
		const struct pt_vf_info *info = link ? pt_link_vf(link, wv->vf) : NULL;
		const struct pt_device *vfd = NULL;
		struct pt_vf_info unknown;
		bool mac_changed = false;

		if (wv->vf >= cur_n)
			continue;
		if (!info) { /* no report: every field is unknown, so every field is set */
			memset(&unknown, 0, sizeof(unknown));
			unknown.vf = wv->vf;
			unknown.vlan = unknown.qos = unknown.link_state = -1;
			unknown.spoofchk = unknown.trust = unknown.query_rss = PT_UNKNOWN;
			unknown.min_tx_rate = unknown.max_tx_rate = -1;
			info = &unknown;
		}
		for (unsigned b = 0; b < PT_VF_N_FIELDS; b++)
			if ((wv->set.has & (1u << b)) &&
			    vf_field(p, pf, ifname, ifindex, wv, info, 1u << b, false) &&
			    (1u << b) == PT_VF_MAC)
				mac_changed = true;
		if (pt_device_vf(pf, wv->vf))
			vfd = pt_host_find(p->h, pt_device_vf(pf, wv->vf));
		vf_bdf(pf, wv->vf, dev, NULL);
		fn_plan(p, dev, pf, wv->vf, vfd ? vfd->driver : "", vfd ? vfd->driver_override : "",
			&wv->fn, final_ap == 0, mac_changed);
	}
}

/* The pools that shrink (shrink) or grow (!shrink); a pool whose count is unknown is
 * written among the growing ones. */
static void plan_hugepages(struct planner *p, const struct pt_want *want, bool shrink)
{
	for (size_t i = 0; i < want->n_hps; i++) {
		const struct pt_want_hp *w = &want->hps[i];
		const struct pt_hugepages *pool = node_pool(host_node(p->h, w->node), w->size_kb);
		long cur = pool ? pool->total : -1;
		char dev[16];
		struct pt_action *a;

		if (cur == w->pages || (cur >= 0 && cur > w->pages) != shrink)
			continue;
		if (cur < 0 && shrink)
			continue;
		snprintf(dev, sizeof(dev), "node%d", w->node);
		a = emit(p, PT_ACT_SET_HUGEPAGES, dev);
		if (!a)
			return;
		a->node = w->node;
		a->size_kb = w->size_kb;
		a->pages = w->pages;
		snprintf(a->field, sizeof(a->field), "hugepages-%ldkB", w->size_kb);
		if (cur >= 0)
			snprintf(a->from, sizeof(a->from), "%ld", cur);
		snprintf(a->to, sizeof(a->to), "%ld", w->pages);
		snprintf(a->desc, sizeof(a->desc), "node %d: %ldkB huge pages %s -> %ld (nr_hugepages)",
			 w->node, w->size_kb, cur >= 0 ? a->from : "unknown", w->pages);
	}
}

int pt_plan_build(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_link_vfs *links,
		  size_t n_links, const struct pt_want *want, struct pt_plan *out)
{
	struct planner p = { .h = h, .plan = out };
	char b[PT_BDF_STRLEN];
	int r = 0;

	memset(out, 0, sizeof(*out));
	plan_hugepages(&p, want, true);
	plan_hugepages(&p, want, false);
	for (size_t i = 0; i < want->n_pfs && !p.err && r == 0; i++) {
		const struct pt_want_pf *wp = &want->pfs[i];
		const struct pt_device *pf = pt_host_find(h, &wp->bdf);

		if (!pf)
			r = pt_err(ctx, -ENODEV, "PF %s is not on this host any more",
				   pt_bdf_format(&wp->bdf, b));
		else
			plan_pf(&p, pf, wp, find_link(links, n_links, pf->n_netdevs ? pf->netdevs[0] : ""));
	}
	for (size_t i = 0; i < want->n_devs && !p.err && r == 0; i++) {
		const struct pt_want_dev *wd = &want->devs[i];
		const struct pt_device *d = pt_host_find(h, &wd->bdf);

		if (!d)
			r = pt_err(ctx, -ENODEV, "%s is not on this host any more", pt_bdf_format(&wd->bdf, b));
		else
			fn_plan(&p, d->name, NULL, -1, d->driver, d->driver_override, &wd->fn, false, false);
	}
	if (r == 0 && p.err)
		r = pt_err(ctx, p.err, "out of memory");
	if (r < 0)
		pt_plan_free(out);
	return r;
}

/* ---- the prior state of what a plan touches --------------------------------------- */

static bool has_pf(const struct pt_want *w, const struct pt_bdf *b)
{
	for (size_t i = 0; i < w->n_pfs; i++)
		if (pt_bdf_eq(&w->pfs[i].bdf, b))
			return true;
	return false;
}

static bool has_dev(const struct pt_want *w, const struct pt_bdf *b)
{
	for (size_t i = 0; i < w->n_devs; i++)
		if (pt_bdf_eq(&w->devs[i].bdf, b))
			return true;
	return false;
}

static void fn_snapshot(const struct pt_device *d, struct pt_want_fn *fn)
{
	memset(fn, 0, sizeof(*fn));
	pt_strlcpy(fn->driver, d && d->driver[0] ? d->driver : "none", sizeof(fn->driver));
	fn->has_override = true;
	if (d)
		pt_strlcpy(fn->override, d->driver_override, sizeof(fn->override));
}

static const uint8_t zero_mac[6];

static int snapshot_pf(const struct pt_host *h, const struct pt_link_vfs *links, size_t n_links,
		       const struct pt_device *pf, struct pt_want *out)
{
	const struct pt_link_vfs *link = find_link(links, n_links, pf->n_netdevs ? pf->netdevs[0] : "");
	int cur_n = pf->sriov_numvfs >= 0 ? pf->sriov_numvfs : (int)pf->n_vfs;
	struct pt_want_pf wp = { .bdf = pf->bdf, .numvfs = cur_n,
				 .autoprobe = pf->sriov_drivers_autoprobe, .snapshot = true };

	for (int v = 0; v < cur_n; v++) {
		const struct pt_vf_info *info = link ? pt_link_vf(link, v) : NULL;
		const struct pt_bdf *vb = pt_device_vf(pf, v);
		const struct pt_device *vfd = vb ? pt_host_find(h, vb) : NULL;
		struct pt_want_vf wv = { .vf = v };

		wv.set.vf = v;
		if (info) {
			/* an all-zero MAC is none assigned: the VF's driver (or igb, when
			 * it resets the VF) picks one, and zero cannot be restored */
			if (info->has_mac && memcmp(info->mac, zero_mac, 6) != 0) {
				wv.set.has |= PT_VF_MAC;
				memcpy(wv.set.mac, info->mac, 6);
			}
			if (info->vlan >= 0) {
				wv.set.has |= PT_VF_VLAN;
				wv.set.vlan = info->vlan;
				wv.set.qos = info->qos >= 0 ? info->qos : 0;
				wv.set.vlan_proto = info->vlan_proto > 0 ? info->vlan_proto : 0;
			}
			if (info->query_rss != PT_UNKNOWN) {
				wv.set.has |= PT_VF_QUERY_RSS;
				wv.set.query_rss = info->query_rss == PT_YES;
			}
			if (info->min_tx_rate >= 0 && info->max_tx_rate >= 0) {
				wv.set.has |= PT_VF_RATE;
				wv.set.min_tx_rate = info->min_tx_rate;
				wv.set.max_tx_rate = info->max_tx_rate;
			}
			if (info->spoofchk != PT_UNKNOWN) {
				wv.set.has |= PT_VF_SPOOFCHK;
				wv.set.spoofchk = info->spoofchk == PT_YES;
			}
			if (info->trust != PT_UNKNOWN) {
				wv.set.has |= PT_VF_TRUST;
				wv.set.trust = info->trust == PT_YES;
			}
			if (info->link_state >= 0) {
				wv.set.has |= PT_VF_LINK_STATE;
				wv.set.link_state = info->link_state;
			}
		}
		fn_snapshot(vfd, &wv.fn);
		if (PT_PUSH(wp.vfs, wp.n_vfs, wv)) {
			free(wp.vfs);
			return -ENOMEM;
		}
	}
	if (PT_PUSH(out->pfs, out->n_pfs, wp)) {
		free(wp.vfs);
		return -ENOMEM;
	}
	return 0;
}

int pt_want_snapshot(const struct pt_host *h, const struct pt_link_vfs *links, size_t n_links,
		     const struct pt_plan *plan, struct pt_want *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < plan->n; i++) {
		const struct pt_action *a = &plan->actions[i];
		bool pf_level = a->vf >= 0 || a->kind == PT_ACT_SET_AUTOPROBE ||
				a->kind == PT_ACT_SET_NUMVFS || a->kind == PT_ACT_WAIT_VFS;

		if (a->kind == PT_ACT_SET_HUGEPAGES) {
			struct pt_want_hp w = { .node = a->node, .size_kb = a->size_kb };
			bool have = false;

			for (size_t k = 0; k < out->n_hps; k++)
				have |= out->hps[k].node == w.node && out->hps[k].size_kb == w.size_kb;
			/* an unknown prior count cannot be restored */
			if (have || pt_parse_long(a->from, &w.pages) < 0)
				continue;
			if (PT_PUSH(out->hps, out->n_hps, w))
				goto nomem;
		} else if (pf_level) {
			const struct pt_device *pf = pt_host_find(h, &a->pf);

			if (pf && !has_pf(out, &pf->bdf) && snapshot_pf(h, links, n_links, pf, out) < 0)
				goto nomem;
		} else {
			struct pt_want_dev wd = { 0 };
			const struct pt_device *d;

			if (pt_bdf_parse(a->device, &wd.bdf) < 0 || has_dev(out, &wd.bdf))
				continue;
			d = pt_host_find(h, &wd.bdf);
			fn_snapshot(d, &wd.fn);
			if (PT_PUSH(out->devs, out->n_devs, wd))
				goto nomem;
		}
	}
	if (out->n_pfs)
		qsort(out->pfs, out->n_pfs, sizeof(*out->pfs), pf_cmp);
	if (out->n_devs)
		qsort(out->devs, out->n_devs, sizeof(*out->devs), dev_cmp);
	if (out->n_hps)
		qsort(out->hps, out->n_hps, sizeof(*out->hps), hp_cmp);
	for (size_t i = 0; i < out->n_pfs; i++)
		if (out->pfs[i].n_vfs)
			qsort(out->pfs[i].vfs, out->pfs[i].n_vfs, sizeof(struct pt_want_vf), vf_cmp);
	return 0;
nomem:
	pt_want_free(out);
	return -ENOMEM;
}

size_t pt_want_netdevs(const struct pt_host *h, const struct pt_want *want, const char **out,
		       size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < want->n_pfs; i++) {
		const struct pt_device *pf = pt_host_find(h, &want->pfs[i].bdf);

		if (!pf || !pf->n_netdevs)
			continue;
		if (n < max)
			out[n] = pf->netdevs[0];
		n++;
	}
	return n;
}
