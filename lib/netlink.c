// SPDX-License-Identifier: MIT
/*
 * rtnetlink messages for VF settings, built and parsed on buffers. Pure: no syscalls
 * here (lib/nl-socket.c talks to the kernel), so everything is unit-tested on
 * synthetic messages and fuzzed (tests/fuzz/fuzz-netlink.c).
 *
 * Hostile bytes: every message length is checked against the buffer before use,
 * every attribute against its container (libmnl's mnl_nlmsg_ok / mnl_attr_ok), and
 * every struct-valued attribute against the struct's size before it is read.
 */
#include "internal.h"
#include "passthru/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define VF_INDEX_MAX 65535 /* SR-IOV TotalVFs is a 16-bit field */

/* ---- small helpers ---------------------------------------------------------------- */

const char *pt_vf_link_state_str(int link_state)
{
	switch (link_state) {
	case IFLA_VF_LINK_STATE_AUTO:
		return "auto";
	case IFLA_VF_LINK_STATE_ENABLE:
		return "enable";
	case IFLA_VF_LINK_STATE_DISABLE:
		return "disable";
	default:
		return NULL;
	}
}

int pt_vf_link_state_parse(const char *s)
{
	if (!s)
		return -EINVAL;
	if (strcmp(s, "auto") == 0 || strcmp(s, "0") == 0)
		return IFLA_VF_LINK_STATE_AUTO;
	if (strcmp(s, "enable") == 0 || strcmp(s, "1") == 0)
		return IFLA_VF_LINK_STATE_ENABLE;
	if (strcmp(s, "disable") == 0 || strcmp(s, "2") == 0)
		return IFLA_VF_LINK_STATE_DISABLE;
	return -EINVAL;
}

const char *pt_vf_field_name(unsigned field)
{
	switch (field) {
	case PT_VF_MAC:
		return "mac";
	case PT_VF_VLAN:
		return "vlan";
	case PT_VF_RATE:
		return "rate";
	case PT_VF_SPOOFCHK:
		return "spoofchk";
	case PT_VF_TRUST:
		return "trust";
	case PT_VF_LINK_STATE:
		return "link_state";
	case PT_VF_QUERY_RSS:
		return "query_rss";
	default:
		return "?";
	}
}

void pt_link_vfs_free(struct pt_link_vfs *l)
{
	if (!l)
		return;
	free(l->vfs);
	l->vfs = NULL;
	l->n_vfs = 0;
}

void pt_link_vfs_array_free(struct pt_link_vfs *links, size_t n)
{
	for (size_t i = 0; links && i < n; i++)
		pt_link_vfs_free(&links[i]);
	free(links);
}

const struct pt_vf_info *pt_link_vf(const struct pt_link_vfs *l, int vf)
{
	for (size_t i = 0; l && i < l->n_vfs; i++)
		if (l->vfs[i].vf == vf)
			return &l->vfs[i];
	return NULL;
}

static int tri_from_setting(uint32_t v)
{
	/* the kernel reports -1 when the driver has no such knob */
	if (v == UINT32_MAX)
		return PT_UNKNOWN;
	return v ? PT_YES : PT_NO;
}

/*
 * mnl_nlmsg_ok() compares (int)nlmsg_len with the bytes left, so a hostile length of
 * 2^31 or more passes as negative (found by tests/fuzz/fuzz-netlink.c). Compare
 * unsigned instead.
 */
static bool msg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (unsigned)len;
}

/* ---- requests ------------------------------------------------------------------------ */

#define IFM_HDRLEN (MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifinfomsg)))

static struct nlmsghdr *put_link_header(void *buf, size_t len, uint16_t type, uint16_t flags,
					uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;

	if (!buf || len < IFM_HDRLEN || len > UINT32_MAX)
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

int pt_nl_build_getlink(void *buf, size_t len, uint32_t seq, const char *ifname)
{
	struct nlmsghdr *nlh;

	if (ifname && (!*ifname || strlen(ifname) >= IFNAMSIZ))
		return -EINVAL;
	nlh = put_link_header(buf, len, RTM_GETLINK,
			      NLM_F_REQUEST | (ifname ? 0 : NLM_F_DUMP), seq, 0);
	if (!nlh)
		return -ENOSPC;
	if (ifname && !mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, ifname))
		return -ENOSPC;
	if (!mnl_attr_put_u32_check(nlh, len, IFLA_EXT_MASK,
				    RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

/* RTM_SETLINK { ifinfomsg, IFLA_VFINFO_LIST { IFLA_VF_INFO { type: data } } } */
static int build_setvf(void *buf, size_t len, uint32_t seq, int ifindex, uint16_t type,
		       const void *data, size_t dlen)
{
	struct nlattr *list, *info;
	struct nlmsghdr *nlh;

	if (ifindex <= 0)
		return -EINVAL;
	nlh = put_link_header(buf, len, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, seq, ifindex);
	if (!nlh)
		return -ENOSPC;
	list = mnl_attr_nest_start_check(nlh, len, IFLA_VFINFO_LIST);
	if (!list)
		return -ENOSPC;
	info = mnl_attr_nest_start_check(nlh, len, IFLA_VF_INFO);
	if (!info)
		return -ENOSPC;
	if (!mnl_attr_put_check(nlh, len, type, dlen, data))
		return -ENOSPC;
	mnl_attr_nest_end(nlh, info);
	mnl_attr_nest_end(nlh, list);
	return (int)nlh->nlmsg_len;
}

static bool vf_ok(int vf)
{
	return vf >= 0 && vf <= VF_INDEX_MAX;
}

int pt_nl_build_set_vf_mac(void *buf, size_t len, uint32_t seq, int ifindex, int vf,
			   const uint8_t mac[6])
{
	struct ifla_vf_mac m = { 0 };

	if (!vf_ok(vf) || !mac)
		return -EINVAL;
	m.vf = (uint32_t)vf;
	memcpy(m.mac, mac, 6);
	return build_setvf(buf, len, seq, ifindex, IFLA_VF_MAC, &m, sizeof(m));
}

int pt_nl_build_set_vf_vlan(void *buf, size_t len, uint32_t seq, int ifindex, int vf,
			    int vlan, int qos, int vlan_proto)
{
	if (!vf_ok(vf) || vlan < 0 || vlan > 4095 || qos < 0 || qos > 7)
		return -EINVAL;
	if (vlan_proto == 0 || vlan_proto == 0x8100) {
		struct ifla_vf_vlan v = { .vf = (uint32_t)vf, .vlan = (uint32_t)vlan,
					  .qos = (uint32_t)qos };

		return build_setvf(buf, len, seq, ifindex, IFLA_VF_VLAN, &v, sizeof(v));
	}
	if (vlan_proto == 0x88a8) {
		/* 802.1ad needs the list form: IFLA_VF_VLAN_LIST { IFLA_VF_VLAN_INFO } */
		struct ifla_vf_vlan_info vi;
		struct nlattr *list, *info, *vl;
		struct nlmsghdr *nlh;

		if (ifindex <= 0)
			return -EINVAL;
		memset(&vi, 0, sizeof(vi));
		vi.vf = (uint32_t)vf;
		vi.vlan = (uint32_t)vlan;
		vi.qos = (uint32_t)qos;
		vi.vlan_proto = htons((uint16_t)vlan_proto);
		nlh = put_link_header(buf, len, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, seq, ifindex);
		if (!nlh)
			return -ENOSPC;
		if (!(list = mnl_attr_nest_start_check(nlh, len, IFLA_VFINFO_LIST)) ||
		    !(info = mnl_attr_nest_start_check(nlh, len, IFLA_VF_INFO)) ||
		    !(vl = mnl_attr_nest_start_check(nlh, len, IFLA_VF_VLAN_LIST)) ||
		    !mnl_attr_put_check(nlh, len, IFLA_VF_VLAN_INFO, sizeof(vi), &vi))
			return -ENOSPC;
		mnl_attr_nest_end(nlh, vl);
		mnl_attr_nest_end(nlh, info);
		mnl_attr_nest_end(nlh, list);
		return (int)nlh->nlmsg_len;
	}
	return -EINVAL;
}

int pt_nl_build_set_vf_rate(void *buf, size_t len, uint32_t seq, int ifindex, int vf,
			    long min_tx_rate, long max_tx_rate)
{
	struct ifla_vf_rate r;

	if (!vf_ok(vf) || min_tx_rate < 0 || max_tx_rate < 0 || min_tx_rate > (long)UINT32_MAX ||
	    max_tx_rate > (long)UINT32_MAX || (max_tx_rate && min_tx_rate > max_tx_rate))
		return -EINVAL;
	r.vf = (uint32_t)vf;
	r.min_tx_rate = (uint32_t)min_tx_rate;
	r.max_tx_rate = (uint32_t)max_tx_rate;
	return build_setvf(buf, len, seq, ifindex, IFLA_VF_RATE, &r, sizeof(r));
}

int pt_nl_build_set_vf_spoofchk(void *buf, size_t len, uint32_t seq, int ifindex, int vf, bool on)
{
	struct ifla_vf_spoofchk s = { .vf = (uint32_t)vf, .setting = on };

	if (!vf_ok(vf))
		return -EINVAL;
	return build_setvf(buf, len, seq, ifindex, IFLA_VF_SPOOFCHK, &s, sizeof(s));
}

int pt_nl_build_set_vf_trust(void *buf, size_t len, uint32_t seq, int ifindex, int vf, bool on)
{
	struct ifla_vf_trust t = { .vf = (uint32_t)vf, .setting = on };

	if (!vf_ok(vf))
		return -EINVAL;
	return build_setvf(buf, len, seq, ifindex, IFLA_VF_TRUST, &t, sizeof(t));
}

int pt_nl_build_set_vf_link_state(void *buf, size_t len, uint32_t seq, int ifindex, int vf,
				  int link_state)
{
	struct ifla_vf_link_state l = { .vf = (uint32_t)vf, .link_state = (uint32_t)link_state };

	if (!vf_ok(vf) || !pt_vf_link_state_str(link_state))
		return -EINVAL;
	return build_setvf(buf, len, seq, ifindex, IFLA_VF_LINK_STATE, &l, sizeof(l));
}

int pt_nl_build_set_vf_query_rss(void *buf, size_t len, uint32_t seq, int ifindex, int vf, bool on)
{
	struct ifla_vf_rss_query_en q = { .vf = (uint32_t)vf, .setting = on };

	if (!vf_ok(vf))
		return -EINVAL;
	return build_setvf(buf, len, seq, ifindex, IFLA_VF_RSS_QUERY_EN, &q, sizeof(q));
}

int pt_nl_build_set_vf(void *buf, size_t len, uint32_t seq, int ifindex,
		       const struct pt_vf_setting *s, unsigned field)
{
	if (!s)
		return -EINVAL;
	switch (field) {
	case PT_VF_MAC:
		return pt_nl_build_set_vf_mac(buf, len, seq, ifindex, s->vf, s->mac);
	case PT_VF_VLAN:
		return pt_nl_build_set_vf_vlan(buf, len, seq, ifindex, s->vf, s->vlan, s->qos,
					       s->vlan_proto);
	case PT_VF_RATE:
		return pt_nl_build_set_vf_rate(buf, len, seq, ifindex, s->vf, s->min_tx_rate,
					       s->max_tx_rate);
	case PT_VF_SPOOFCHK:
		return pt_nl_build_set_vf_spoofchk(buf, len, seq, ifindex, s->vf, s->spoofchk);
	case PT_VF_TRUST:
		return pt_nl_build_set_vf_trust(buf, len, seq, ifindex, s->vf, s->trust);
	case PT_VF_LINK_STATE:
		return pt_nl_build_set_vf_link_state(buf, len, seq, ifindex, s->vf, s->link_state);
	case PT_VF_QUERY_RSS:
		return pt_nl_build_set_vf_query_rss(buf, len, seq, ifindex, s->vf, s->query_rss);
	default:
		return -EINVAL;
	}
}

/* ---- replies --------------------------------------------------------------------------- */

typedef int (*attr_cb)(const struct nlattr *attr, void *data);

/*
 * Like mnl_attr_parse: each attribute is checked against what remains of its
 * container (mnl_attr_ok) before cb sees it. Unlike it, bytes left over that do not
 * make a whole attribute (a truncated container) are an error, not silently dropped.
 */
static int walk(const void *start, size_t len, attr_cb cb, void *data)
{
	const struct nlattr *a = start;
	int rem = (int)len; /* containers are at most a message, itself < INT_MAX */

	while (mnl_attr_ok(a, rem)) {
		if (cb(a, data) < MNL_CB_OK)
			return -EBADMSG;
		rem -= (int)MNL_ALIGN(a->nla_len);
		a = mnl_attr_next(a);
	}
	return rem > 0 ? -EBADMSG : 0;
}

static int walk_nested(const struct nlattr *nest, attr_cb cb, void *data)
{
	return walk(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), cb, data);
}

/* Minimum payload of each IFLA_VF_* attribute we read (the kernel's ifla_vf_policy). */
static const size_t vf_attr_min[IFLA_VF_MAX + 1] = {
	[IFLA_VF_MAC] = sizeof(struct ifla_vf_mac),
	[IFLA_VF_VLAN] = sizeof(struct ifla_vf_vlan),
	[IFLA_VF_TX_RATE] = sizeof(struct ifla_vf_tx_rate),
	[IFLA_VF_SPOOFCHK] = sizeof(struct ifla_vf_spoofchk),
	[IFLA_VF_LINK_STATE] = sizeof(struct ifla_vf_link_state),
	[IFLA_VF_RATE] = sizeof(struct ifla_vf_rate),
	[IFLA_VF_TRUST] = sizeof(struct ifla_vf_trust),
	[IFLA_VF_RSS_QUERY_EN] = sizeof(struct ifla_vf_rss_query_en),
};

static int vf_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > IFLA_VF_MAX)
		return MNL_CB_OK; /* newer than us: not ours to judge */
	if (type == IFLA_VF_VLAN_LIST) {
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
	} else if (vf_attr_min[type] && mnl_attr_get_payload_len(attr) < vf_attr_min[type]) {
		return MNL_CB_ERROR;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

/* The VF index every struct starts with; all must agree. */
static int take_index(struct pt_vf_info *vf, const void *payload)
{
	uint32_t idx;

	memcpy(&idx, payload, sizeof(idx));
	if (idx > VF_INDEX_MAX)
		return -EBADMSG;
	if (vf->vf >= 0 && vf->vf != (int)idx)
		return -EBADMSG;
	vf->vf = (int)idx;
	return 0;
}

static int clamp_int(uint32_t v)
{
	return v > INT_MAX ? -1 : (int)v;
}

/* The first IFLA_VF_VLAN_INFO of an IFLA_VF_VLAN_LIST, checked for size. */
static int vlan_list_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **first = data;

	if (mnl_attr_get_type(attr) != IFLA_VF_VLAN_INFO)
		return MNL_CB_OK;
	if (mnl_attr_get_payload_len(attr) < sizeof(struct ifla_vf_vlan_info))
		return MNL_CB_ERROR;
	if (!*first)
		*first = attr;
	return MNL_CB_OK;
}

static int parse_vf_info(const struct nlattr *nest, struct pt_vf_info *vf)
{
	const struct nlattr *tb[IFLA_VF_MAX + 1] = { 0 };
	const struct nlattr *a;
	int r;

	*vf = (struct pt_vf_info){ .vf = -1, .vlan = -1, .qos = -1, .vlan_proto = -1,
				   .spoofchk = PT_UNKNOWN, .trust = PT_UNKNOWN, .link_state = -1,
				   .min_tx_rate = -1, .max_tx_rate = -1, .query_rss = PT_UNKNOWN };
	if (walk_nested(nest, vf_attr_cb, tb) < 0)
		return -EBADMSG;

	if ((a = tb[IFLA_VF_MAC])) {
		const struct ifla_vf_mac *m = mnl_attr_get_payload(a);

		if ((r = take_index(vf, m)) < 0)
			return r;
		memcpy(vf->mac, m->mac, 6);
		vf->has_mac = true;
	}
	if ((a = tb[IFLA_VF_VLAN])) {
		struct ifla_vf_vlan v;

		memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
		if ((r = take_index(vf, &v)) < 0)
			return r;
		vf->vlan = clamp_int(v.vlan);
		vf->qos = clamp_int(v.qos);
	}
	if ((a = tb[IFLA_VF_VLAN_LIST])) {
		/* newer form, with the protocol; the kernel lists one entry (MAX_VLAN_LIST_LEN) */
		const struct nlattr *e = NULL;
		struct ifla_vf_vlan_info vi;

		if (walk_nested(a, vlan_list_cb, &e) < 0)
			return -EBADMSG;
		if (e) {
			memcpy(&vi, mnl_attr_get_payload(e), sizeof(vi));
			if ((r = take_index(vf, &vi)) < 0)
				return r;
			vf->vlan = clamp_int(vi.vlan);
			vf->qos = clamp_int(vi.qos);
			vf->vlan_proto = ntohs(vi.vlan_proto);
		}
	}
	if ((a = tb[IFLA_VF_TX_RATE])) {
		struct ifla_vf_tx_rate t;

		memcpy(&t, mnl_attr_get_payload(a), sizeof(t));
		if ((r = take_index(vf, &t)) < 0)
			return r;
		vf->max_tx_rate = t.rate;
	}
	if ((a = tb[IFLA_VF_RATE])) {
		struct ifla_vf_rate t;

		memcpy(&t, mnl_attr_get_payload(a), sizeof(t));
		if ((r = take_index(vf, &t)) < 0)
			return r;
		vf->min_tx_rate = t.min_tx_rate;
		vf->max_tx_rate = t.max_tx_rate;
	}
	if ((a = tb[IFLA_VF_SPOOFCHK])) {
		struct ifla_vf_spoofchk s;

		memcpy(&s, mnl_attr_get_payload(a), sizeof(s));
		if ((r = take_index(vf, &s)) < 0)
			return r;
		vf->spoofchk = tri_from_setting(s.setting);
	}
	if ((a = tb[IFLA_VF_TRUST])) {
		struct ifla_vf_trust s;

		memcpy(&s, mnl_attr_get_payload(a), sizeof(s));
		if ((r = take_index(vf, &s)) < 0)
			return r;
		vf->trust = tri_from_setting(s.setting);
	}
	if ((a = tb[IFLA_VF_LINK_STATE])) {
		struct ifla_vf_link_state s;

		memcpy(&s, mnl_attr_get_payload(a), sizeof(s));
		if ((r = take_index(vf, &s)) < 0)
			return r;
		vf->link_state = clamp_int(s.link_state);
	}
	if ((a = tb[IFLA_VF_RSS_QUERY_EN])) {
		struct ifla_vf_rss_query_en s;

		memcpy(&s, mnl_attr_get_payload(a), sizeof(s));
		if ((r = take_index(vf, &s)) < 0)
			return r;
		vf->query_rss = tri_from_setting(s.setting);
	}
	return 0;
}

struct link_tb {
	const struct nlattr *ifname, *num_vf, *vfinfo;
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct link_tb *tb = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(attr) > IFNAMSIZ)
			return MNL_CB_ERROR;
		tb->ifname = attr;
		break;
	case IFLA_NUM_VF:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		tb->num_vf = attr;
		break;
	case IFLA_VFINFO_LIST:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		tb->vfinfo = attr;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

struct vf_list {
	struct pt_vf_info *vfs;
	size_t n, cap;
};

static int count_vf_cb(const struct nlattr *attr, void *data)
{
	struct vf_list *l = data;

	if (mnl_attr_get_type(attr) == IFLA_VF_INFO)
		l->cap++;
	return MNL_CB_OK;
}

static int vf_info_cb(const struct nlattr *attr, void *data)
{
	struct vf_list *l = data;

	if (mnl_attr_get_type(attr) != IFLA_VF_INFO)
		return MNL_CB_OK;
	if (l->n >= l->cap || mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
	    parse_vf_info(attr, &l->vfs[l->n]) < 0)
		return MNL_CB_ERROR;
	l->n++;
	return MNL_CB_OK;
}

int pt_nl_parse_link(const void *msg, size_t len, struct pt_link_vfs *out)
{
	const struct nlmsghdr *nlh = msg;
	const struct ifinfomsg *ifm;
	struct link_tb tb = { 0 };
	struct vf_list l = { 0 };

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->num_vf = -1;
	if (!msg || ((uintptr_t)msg & 3) || len < sizeof(*nlh) || len > INT_MAX)
		return -EINVAL;
	if (!msg_ok(nlh, (int)len))
		return -EBADMSG;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -EINVAL;
	if (nlh->nlmsg_len < IFM_HDRLEN)
		return -EBADMSG;
	ifm = mnl_nlmsg_get_payload(nlh);
	if (walk((const char *)nlh + IFM_HDRLEN, nlh->nlmsg_len - IFM_HDRLEN, link_attr_cb, &tb) < 0)
		return -EBADMSG;
	out->ifindex = ifm->ifi_index;
	if (tb.ifname)
		pt_strlcpy(out->ifname, mnl_attr_get_str(tb.ifname), sizeof(out->ifname));
	if (tb.num_vf) {
		uint32_t v = mnl_attr_get_u32(tb.num_vf);

		out->num_vf = v > VF_INDEX_MAX ? -1 : (int)v;
	}
	if (!tb.vfinfo)
		return 0;
	if (walk_nested(tb.vfinfo, count_vf_cb, &l) < 0)
		return -EBADMSG;
	if (l.cap == 0)
		return 0;
	l.vfs = calloc(l.cap, sizeof(*l.vfs));
	if (!l.vfs)
		return -ENOMEM;
	/* fewer entries than num_vf is legitimate: rtnl_fill_vfinfo() skips a VF whose
	 * ndo_get_vf_config fails (a VF in reset, say); it is then simply not listed */
	if (walk_nested(tb.vfinfo, vf_info_cb, &l) < 0) {
		free(l.vfs);
		return -EBADMSG;
	}
	out->vfs = l.vfs;
	out->n_vfs = l.n;
	return 0;
}

/* NLMSG_ERROR: the errno, and the extended-ack message when the kernel sent one. */
static int parse_error(const struct nlmsghdr *nlh, struct pt_nl_reply *r)
{
	const struct nlmsgerr *e;
	size_t off, plen;
	int err;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr)))
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nlh);
	err = e->error;
	if (err > 0 && err < 4096)
		err = -err; /* a few old senders use positive codes */
	if (err > 0 || err <= -4096)
		return -EBADMSG;

	plen = mnl_nlmsg_get_payload_len(nlh);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && plen >= sizeof(*e)) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN)
			off += MNL_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
		if (off < plen) {
			const struct nlattr *a;
			const char *p = mnl_nlmsg_get_payload(nlh);

			for (a = (const struct nlattr *)(p + off);
			     mnl_attr_ok(a, (int)(p + plen - (const char *)a));
			     a = mnl_attr_next(a)) {
				if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
				    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
					pt_strlcpy(r->ext_msg, mnl_attr_get_str(a), sizeof(r->ext_msg));
					/* drop a trailing newline some subsystems add */
					size_t n = strlen(r->ext_msg);
					while (n && r->ext_msg[n - 1] == '\n')
						r->ext_msg[--n] = '\0';
				}
			}
		}
	}
	r->error = err;
	r->done = true;
	return err;
}

int pt_nl_parse_reply(const void *buf, size_t len, uint32_t seq, struct pt_nl_reply *r)
{
	const struct nlmsghdr *nlh = buf;
	int rem, ret;

	if (!r || (!buf && len))
		return -EINVAL;
	if (((uintptr_t)buf & 3) || len > INT_MAX)
		return -EINVAL;
	rem = (int)len;
	while (!r->done && msg_ok(nlh, rem)) {
		if (seq && nlh->nlmsg_seq != seq)
			return -EPROTO;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			r->interrupted = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_ERROR:
			return parse_error(nlh, r);
		case NLMSG_DONE:
			r->done = true;
			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
				int e;

				memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
				if (e < 0 && e > -4096) {
					r->error = e;
					return e;
				}
			}
			return 0;
		case NLMSG_OVERRUN:
			r->done = true;
			r->error = -EOVERFLOW;
			return -EOVERFLOW;
		case RTM_NEWLINK: {
			struct pt_link_vfs l;

			ret = pt_nl_parse_link(nlh, (size_t)rem, &l);
			if (ret < 0)
				return ret;
			if (PT_PUSH(r->links, r->n_links, l) < 0) {
				pt_link_vfs_free(&l);
				return -ENOMEM;
			}
			break;
		}
		default:
			break; /* not ours */
		}
		if (!(nlh->nlmsg_flags & NLM_F_MULTI))
			r->done = true;
		nlh = mnl_nlmsg_next(nlh, &rem);
	}
	/* bytes left over that do not make a whole message: a truncated buffer */
	if (!r->done && rem > 0)
		return -EBADMSG;
	return 0;
}

void pt_nl_reply_free(struct pt_nl_reply *r)
{
	if (!r)
		return;
	pt_link_vfs_array_free(r->links, r->n_links);
	r->links = NULL;
	r->n_links = 0;
}

/* ---- SETLINK on a recording --------------------------------------------------------- */

/* The IFLA_VF_INFO of VF vf in the RTM_NEWLINK of ifindex, or NULL (*err says why). */
static struct nlattr *find_vf_info(void *buf, size_t len, int ifindex, int vf, int *err)
{
	struct nlmsghdr *nlh = buf;
	int rem = (int)len;

	*err = -ENODEV;
	for (; msg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		struct link_tb tb = { 0 };
		struct ifinfomsg *ifm;
		struct nlattr *a;

		if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
			break;
		if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < IFM_HDRLEN)
			continue;
		ifm = mnl_nlmsg_get_payload(nlh);
		if (ifm->ifi_index != ifindex)
			continue;
		*err = -EBADMSG;
		if (walk((char *)nlh + IFM_HDRLEN, nlh->nlmsg_len - IFM_HDRLEN, link_attr_cb, &tb) < 0)
			return NULL;
		*err = -ENOENT;
		if (!tb.vfinfo)
			return NULL;
		mnl_attr_for_each_nested(a, tb.vfinfo) {
			struct pt_vf_info v;

			if (mnl_attr_get_type(a) != IFLA_VF_INFO)
				continue;
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 || parse_vf_info(a, &v) < 0) {
				*err = -EBADMSG;
				return NULL;
			}
			if (v.vf == vf) {
				*err = 0;
				return a;
			}
		}
		return NULL;
	}
	return NULL;
}

/* The payload of the nested attribute of this type, if it holds at least min bytes. */
static void *vf_attr(struct nlattr *info, uint16_t type, size_t min)
{
	struct nlattr *a;

	mnl_attr_for_each_nested(a, info)
		if (mnl_attr_get_type(a) == type)
			return mnl_attr_get_payload_len(a) >= min ? mnl_attr_get_payload(a) : NULL;
	return NULL;
}

static void put_u32(void *p, size_t off, uint32_t v)
{
	memcpy((char *)p + off, &v, sizeof(v));
}

int pt_nl_patch_vf(void *buf, size_t len, int ifindex, const struct pt_vf_setting *s,
		   unsigned field)
{
	char scratch[PT_NL_REQ_SIZE] __attribute__((aligned(4)));
	struct nlattr *info;
	void *p, *q;
	int r;

	if (!buf || !s || ((uintptr_t)buf & 3) || len > INT_MAX)
		return -EINVAL;
	/* the values the kernel would refuse are refused here too */
	r = pt_nl_build_set_vf(scratch, sizeof(scratch), 0, ifindex, s, field);
	if (r < 0)
		return r;
	info = find_vf_info(buf, len, ifindex, s->vf, &r);
	if (!info)
		return r;
	switch (field) {
	case PT_VF_MAC:
		if (!(p = vf_attr(info, IFLA_VF_MAC, sizeof(struct ifla_vf_mac))))
			return -EOPNOTSUPP;
		memcpy((char *)p + offsetof(struct ifla_vf_mac, mac), s->mac, 6);
		return 0;
	case PT_VF_VLAN: {
		struct nlattr *list = NULL, *e;
		uint16_t proto = htons(s->vlan_proto ? (uint16_t)s->vlan_proto : 0x8100);

		p = vf_attr(info, IFLA_VF_VLAN, sizeof(struct ifla_vf_vlan));
		mnl_attr_for_each_nested(e, info)
			if (mnl_attr_get_type(e) == IFLA_VF_VLAN_LIST)
				list = e;
		q = list ? vf_attr(list, IFLA_VF_VLAN_INFO, sizeof(struct ifla_vf_vlan_info)) : NULL;
		if ((!p && !q) || (s->vlan_proto == 0x88a8 && !q))
			return -EOPNOTSUPP;
		if (p) {
			put_u32(p, offsetof(struct ifla_vf_vlan, vlan), (uint32_t)s->vlan);
			put_u32(p, offsetof(struct ifla_vf_vlan, qos), (uint32_t)s->qos);
		}
		if (q) {
			put_u32(q, offsetof(struct ifla_vf_vlan_info, vlan), (uint32_t)s->vlan);
			put_u32(q, offsetof(struct ifla_vf_vlan_info, qos), (uint32_t)s->qos);
			memcpy((char *)q + offsetof(struct ifla_vf_vlan_info, vlan_proto), &proto,
			       sizeof(proto));
		}
		return 0;
	}
	case PT_VF_RATE:
		p = vf_attr(info, IFLA_VF_RATE, sizeof(struct ifla_vf_rate));
		q = vf_attr(info, IFLA_VF_TX_RATE, sizeof(struct ifla_vf_tx_rate));
		if (!p && !q)
			return -EOPNOTSUPP;
		if (p) {
			put_u32(p, offsetof(struct ifla_vf_rate, min_tx_rate), (uint32_t)s->min_tx_rate);
			put_u32(p, offsetof(struct ifla_vf_rate, max_tx_rate), (uint32_t)s->max_tx_rate);
		}
		if (q)
			put_u32(q, offsetof(struct ifla_vf_tx_rate, rate), (uint32_t)s->max_tx_rate);
		return 0;
	case PT_VF_SPOOFCHK:
	case PT_VF_TRUST:
	case PT_VF_QUERY_RSS: {
		bool on = field == PT_VF_SPOOFCHK ? s->spoofchk
			  : field == PT_VF_TRUST  ? s->trust
						  : s->query_rss;
		uint32_t old;

		p = vf_attr(info, field == PT_VF_SPOOFCHK ? IFLA_VF_SPOOFCHK
				  : field == PT_VF_TRUST  ? IFLA_VF_TRUST
							  : IFLA_VF_RSS_QUERY_EN, 8);
		if (!p)
			return -EOPNOTSUPP;
		memcpy(&old, (char *)p + 4, sizeof(old));
		if (old == UINT32_MAX) /* the driver has no such knob */
			return -EOPNOTSUPP;
		put_u32(p, 4, on);
		return 0;
	}
	case PT_VF_LINK_STATE:
		if (!(p = vf_attr(info, IFLA_VF_LINK_STATE, sizeof(struct ifla_vf_link_state))))
			return -EOPNOTSUPP;
		put_u32(p, offsetof(struct ifla_vf_link_state, link_state), (uint32_t)s->link_state);
		return 0;
	default:
		return -EINVAL;
	}
}
