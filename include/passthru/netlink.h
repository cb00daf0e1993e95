/* SPDX-License-Identifier: MIT */
/*
 * VF network settings over rtnetlink (the "ip link set PF vf N ..." knobs).
 *
 * Built like libmnl: requests are built and replies parsed on caller buffers by pure
 * functions (lib/netlink.c: no syscalls, fuzzed, unit-tested on synthetic messages);
 * lib/nl-socket.c is the only file that opens a socket.
 *
 * Under a sysroot other than "/" no socket is opened: the dump recorded at
 * <sysroot>/.passthru/rtnl-getlink.bin (raw netlink messages as received, see
 * pt_nl_capture) is replayed, and VF settings are written into that recording
 * (pt_nl_patch_vf), so a fixture tree behaves like a small kernel.
 *
 * Buffers handed to the parsers must be 4-byte aligned (malloc'd memory is).
 */
#ifndef PASSTHRU_NETLINK_H
#define PASSTHRU_NETLINK_H

#include "passthru/passthru.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PT_NL_RECORDING "/.passthru/rtnl-getlink.bin" /* under the sysroot */

/* One VF as its PF's driver reports it (IFLA_VF_INFO). */
struct pt_vf_info {
	int vf;                        /* index; -1 when no attribute carried it */
	uint8_t mac[6];
	bool has_mac;
	int vlan, qos;                 /* -1 unknown; vlan 0 = none */
	int vlan_proto;                /* 0x8100 / 0x88a8 from IFLA_VF_VLAN_LIST; -1 unknown */
	int spoofchk, trust;           /* PT_YES/PT_NO/PT_UNKNOWN (the driver lacks the knob) */
	int link_state;                /* -1 unknown; 0 auto, 1 enable, 2 disable (IFLA_VF_LINK_STATE_*) */
	long min_tx_rate, max_tx_rate; /* Mbps, 0 = no limit; -1 unknown */
	int query_rss;                 /* IFLA_VF_RSS_QUERY_EN: PT_YES/PT_NO/PT_UNKNOWN (the
					* driver lacks the knob: the kernel reports -1) */
};

/* One link (a PF netdev, or any netdev: those without VFs have n_vfs 0). */
struct pt_link_vfs {
	int ifindex;
	char ifname[16];
	int num_vf;                    /* IFLA_NUM_VF, -1 absent (not a PCI device, or old kernel) */
	struct pt_vf_info *vfs;        /* as the kernel sent them, by index; some may be missing */
	size_t n_vfs;
};

void pt_link_vfs_free(struct pt_link_vfs *l);        /* frees vfs, keeps l itself */
void pt_link_vfs_array_free(struct pt_link_vfs *links, size_t n);
const struct pt_vf_info *pt_link_vf(const struct pt_link_vfs *l, int vf);
/* "auto", "enable", "disable"; NULL for unknown or values this version does not know */
const char *pt_vf_link_state_str(int link_state);
/* Parses "auto"/"enable"/"disable" (and 0/1/2); -EINVAL otherwise. */
int pt_vf_link_state_parse(const char *s);

/* ---- what to change on one VF: the has-bits say which fields ------------------- */

enum pt_vf_field {
	PT_VF_MAC = 1u << 0,
	PT_VF_VLAN = 1u << 1,       /* vlan + qos (+ vlan_proto) */
	PT_VF_RATE = 1u << 2,       /* min + max together, as the kernel takes them */
	PT_VF_SPOOFCHK = 1u << 3,
	PT_VF_TRUST = 1u << 4,
	PT_VF_LINK_STATE = 1u << 5,
	PT_VF_QUERY_RSS = 1u << 6,  /* IFLA_VF_RSS_QUERY_EN */
};
#define PT_VF_ALL_FIELDS 0x7fu
#define PT_VF_N_FIELDS 7

struct pt_vf_setting {
	int vf;
	unsigned has;               /* PT_VF_* bits */
	uint8_t mac[6];
	int vlan, qos;              /* 0..4095, 0..7 */
	int vlan_proto;             /* 0 or 0x8100: 802.1Q (IFLA_VF_VLAN); 0x88a8: 802.1ad */
	bool spoofchk, trust, query_rss;
	int link_state;             /* IFLA_VF_LINK_STATE_* */
	long min_tx_rate, max_tx_rate; /* Mbps; both are set (read the current min to keep it) */
};

/* "mac", "vlan", "rate", "spoofchk", "trust", "link_state", "query_rss"; "?" for
 * anything else. */
const char *pt_vf_field_name(unsigned field);

/* ---- pure: requests -------------------------------------------------------------- */

/* Buffer size enough for any request below. */
#define PT_NL_REQ_SIZE 256

/* RTM_GETLINK with IFLA_EXT_MASK = RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS, for one
 * interface by name, or a dump of all when ifname is NULL. Returns the message length
 * or -EINVAL (bad name) / -ENOSPC (buffer too small). */
int pt_nl_build_getlink(void *buf, size_t len, uint32_t seq, const char *ifname);

/* RTM_SETLINK of one VF field on the PF ifindex, with NLM_F_ACK: one nested
 * IFLA_VFINFO_LIST { IFLA_VF_INFO { IFLA_VF_<field> } }. Return the message length,
 * -EINVAL for a value the kernel would reject (vlan > 4095, qos > 7, ...), -ENOSPC. */
int pt_nl_build_set_vf_mac(void *buf, size_t len, uint32_t seq, int ifindex, int vf,
			   const uint8_t mac[6]);
int pt_nl_build_set_vf_vlan(void *buf, size_t len, uint32_t seq, int ifindex, int vf,
			    int vlan, int qos, int vlan_proto);
int pt_nl_build_set_vf_rate(void *buf, size_t len, uint32_t seq, int ifindex, int vf,
			    long min_tx_rate, long max_tx_rate);
int pt_nl_build_set_vf_spoofchk(void *buf, size_t len, uint32_t seq, int ifindex, int vf, bool on);
int pt_nl_build_set_vf_trust(void *buf, size_t len, uint32_t seq, int ifindex, int vf, bool on);
int pt_nl_build_set_vf_link_state(void *buf, size_t len, uint32_t seq, int ifindex, int vf,
				  int link_state);
int pt_nl_build_set_vf_query_rss(void *buf, size_t len, uint32_t seq, int ifindex, int vf, bool on);
/* The builder above for one field of s (a single PT_VF_* bit). */
int pt_nl_build_set_vf(void *buf, size_t len, uint32_t seq, int ifindex,
		       const struct pt_vf_setting *s, unsigned field);

/* ---- pure: replies ----------------------------------------------------------------- */

/* One RTM_NEWLINK message (msg points at its nlmsghdr, len bytes are readable).
 * Every attribute length is checked; returns 0, -EINVAL (not an RTM_NEWLINK),
 * -EBADMSG (malformed) or -ENOMEM. On failure *out holds nothing to free.
 * The VF list may hold fewer entries than IFLA_NUM_VF: the kernel leaves out a VF
 * its driver cannot report at that moment (ndo_get_vf_config failed, e.g. a VF in
 * reset), so look VFs up by index (pt_link_vf), never by position. A PF with more
 * VFs than a 64 KiB attribute holds (about 330 with today's attributes; 256 fit)
 * cannot be reported by the kernel at all; such a list is refused as malformed
 * when its wrapped length cuts an attribute. */
int pt_nl_parse_link(const void *msg, size_t len, struct pt_link_vfs *out);

/* What a sequence of receive buffers said, accumulated by pt_nl_parse_reply(). */
struct pt_nl_reply {
	struct pt_link_vfs *links;  /* every RTM_NEWLINK, in order */
	size_t n_links;
	bool done;                  /* NLMSG_DONE, an ACK/error, or a single (non-multipart) reply */
	bool interrupted;           /* NLM_F_DUMP_INTR: the dump is inconsistent, redo it */
	int error;                  /* 0, or the negative errno of NLMSG_ERROR / NLMSG_DONE */
	char ext_msg[160];          /* the kernel's extended-ack message, "" when none */
};

/* Parses one receive buffer (one or more messages) into r, which starts zeroed and
 * is passed again for each following buffer. seq 0 accepts any sequence number.
 * Returns 0, the kernel's negative errno (also in r->error), -EBADMSG for malformed
 * bytes or -EPROTO for a reply to another request. */
int pt_nl_parse_reply(const void *buf, size_t len, uint32_t seq, struct pt_nl_reply *r);
void pt_nl_reply_free(struct pt_nl_reply *r);

/* What a SETLINK of one field (a PT_VF_* bit) of s would do to a recorded dump (buf,
 * as pt_nl_capture returns it), done in place: the attributes the kernel reports for
 * that VF are rewritten, nothing else moves. Used to make a fixture sysroot behave like
 * a kernel. Returns 0, -EINVAL (a value the kernel refuses), -ENODEV (no such ifindex),
 * -ENOENT (no such VF), -EOPNOTSUPP (the recording has no such attribute for the VF,
 * or reports the knob as absent), -EBADMSG. */
int pt_nl_patch_vf(void *buf, size_t len, int ifindex, const struct pt_vf_setting *s,
		   unsigned field);

/* ---- the kernel (lib/nl-socket.c) ------------------------------------------------- */

/* The VFs of one netdev. -ENODEV when there is no such interface. */
int pt_nl_get_vfs(struct pt_ctx *ctx, const char *ifname, struct pt_link_vfs *out);
/* Every link of the host (one dump). */
int pt_nl_dump_vfs(struct pt_ctx *ctx, struct pt_link_vfs **links, size_t *n);
/* Sets the fields of s->vf that s->has names, one RTM_SETLINK per field in the
 * order mac, vlan, rate, spoofchk, trust, query_rss, link_state; stops at the first failure
 * (the earlier fields stay set). Each SETLINK counts as a write and can be failed by
 * PASSTHRU_FAIL_WRITE matching "netlink:<ifname>:vf<N>:<field>". */
int pt_nl_set_vf(struct pt_ctx *ctx, int ifindex, const struct pt_vf_setting *s);
/* The raw dump of all links with VF info (concatenated messages as received, ending
 * with NLMSG_DONE): what `passthru snapshot` stores at <root>/.passthru/rtnl-getlink.bin.
 * *buf is malloc'd. */
int pt_nl_capture(struct pt_ctx *ctx, char **buf, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
