// SPDX-License-Identifier: MIT
/*
 * The only code in libpassthru that talks rtnetlink to the kernel: open, send a
 * request built by lib/netlink.c, receive into a buffer sized for the reply, hand
 * the bytes to the pure parser. Under a sysroot other than "/", no socket at all:
 * the recorded dump at <sysroot>/.passthru/rtnl-getlink.bin stands in for the kernel.
 */
#include "internal.h"
#include "passthru/netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECORDING_MAX (64u << 20)
#define DUMP_RETRIES 3 /* NLM_F_DUMP_INTR: links changed during the dump */

struct nl {
	struct mnl_socket *sock;
	uint32_t seq;
	char *buf;  /* receive buffer, grown to the largest datagram seen */
	size_t cap;
};

static bool use_recording(const struct pt_ctx *ctx)
{
	return ctx->sysroot[0] != '\0';
}

static void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

static int nl_open(struct pt_ctx *ctx, struct nl *nl)
{
	struct timeval tv = { .tv_sec = 10 };
	int one = 1, r;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		r = -errno;
		return pt_err(ctx, r, "cannot open an rtnetlink socket: %s", strerror(-r));
	}
	/* best effort: the kernel's reason in error replies; acks without our request */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	/* a kernel that never answers must not hang passthru */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		nl_close(nl);
		return pt_err(ctx, r, "cannot bind an rtnetlink socket: %s", strerror(-r));
	}
	nl->seq = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
	if (nl->seq == 0)
		nl->seq = 1;
	nl->cap = MNL_SOCKET_BUFFER_SIZE;
	nl->buf = malloc(nl->cap);
	if (!nl->buf) {
		nl_close(nl);
		return pt_err(ctx, -ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * One datagram. A single RTM_NEWLINK of a PF with hundreds of VFs is far larger than
 * MNL_SOCKET_BUFFER_SIZE, so peek at its real size first (MSG_TRUNC reports it) and
 * grow the buffer.
 */
static ssize_t nl_recv(struct pt_ctx *ctx, struct nl *nl)
{
	int fd = mnl_socket_get_fd(nl->sock);
	ssize_t n;

	for (;;) {
		n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if ((size_t)n > nl->cap) {
			size_t cap = (size_t)n;
			char *b = realloc(nl->buf, cap);

			if (!b)
				return pt_err(ctx, -ENOMEM, "out of memory for a %zd-byte netlink reply", n);
			nl->buf = b;
			nl->cap = cap;
		}
		n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->cap);
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (n < 0) {
		int e = errno;

		if (e == EAGAIN || e == EWOULDBLOCK)
			return pt_err(ctx, -ETIMEDOUT, "the kernel did not answer an rtnetlink request "
				      "within 10 seconds");
		return pt_err(ctx, -e, "receiving from rtnetlink: %s", strerror(e));
	}
	return n;
}

static int append(char **raw, size_t *rawlen, const void *data, size_t n)
{
	char *b = realloc(*raw, *rawlen + n + 1);

	if (!b)
		return -ENOMEM;
	memcpy(b + *rawlen, data, n);
	*rawlen += n;
	b[*rawlen] = '\0';
	*raw = b;
	return 0;
}

/*
 * Sends one request and reads until the reply is complete. Returns 0, a negative
 * errno from the kernel (r->error set, r->ext_msg perhaps), or another negative errno
 * with the context's error set. raw, when not NULL, collects the bytes received.
 */
static int nl_talk(struct pt_ctx *ctx, struct nl *nl, const void *req, size_t reqlen,
		   struct pt_nl_reply *r, char **raw, size_t *rawlen)
{
	uint32_t seq = ((const struct nlmsghdr *)req)->nlmsg_seq;
	int ret;

	if (mnl_socket_sendto(nl->sock, req, reqlen) < 0) {
		ret = -errno;
		return pt_err(ctx, ret, "sending to rtnetlink: %s", strerror(-ret));
	}
	while (!r->done) {
		ssize_t n = nl_recv(ctx, nl);

		if (n < 0)
			return (int)n;
		if (raw && append(raw, rawlen, nl->buf, (size_t)n) < 0)
			return pt_err(ctx, -ENOMEM, "out of memory");
		ret = pt_nl_parse_reply(nl->buf, (size_t)n, seq, r);
		if (ret < 0 && r->error == 0)
			return pt_err(ctx, ret, "the kernel's rtnetlink reply is malformed: %s",
				      strerror(-ret));
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* A dump of every link, with retries when the kernel says it was inconsistent. */
static int dump_kernel(struct pt_ctx *ctx, struct pt_nl_reply *r, char **raw, size_t *rawlen)
{
	char req[PT_NL_REQ_SIZE] __attribute__((aligned(4)));
	struct nl nl;
	int ret;

	ret = nl_open(ctx, &nl);
	if (ret < 0)
		return ret;
	for (int attempt = 0;; attempt++) {
		memset(r, 0, sizeof(*r));
		if (raw) {
			free(*raw);
			*raw = NULL;
			*rawlen = 0;
		}
		ret = pt_nl_build_getlink(req, sizeof(req), ++nl.seq, NULL);
		if (ret < 0)
			break;
		ret = nl_talk(ctx, &nl, req, (size_t)ret, r, raw, rawlen);
		if (ret < 0 && r->error)
			ret = pt_err(ctx, ret, "dumping network links over rtnetlink: %s%s%s",
				     strerror(-ret), r->ext_msg[0] ? ": " : "", r->ext_msg);
		if (ret < 0 || !r->interrupted)
			break;
		pt_nl_reply_free(r);
		if (attempt + 1 == DUMP_RETRIES) {
			ret = pt_err(ctx, -EAGAIN, "network links kept changing during %d rtnetlink "
				     "dumps; try again", DUMP_RETRIES);
			break;
		}
	}
	if (ret < 0) {
		pt_nl_reply_free(r);
		if (raw) {
			free(*raw);
			*raw = NULL;
			*rawlen = 0;
		}
	}
	nl_close(&nl);
	return ret;
}

/* ---- the recording (fixture and snapshot sysroots) ----------------------------------- */

/* The recording's directory (".passthru"), a real directory of the tree: a link there
 * is refused, whether it points out of the tree or not (-ELOOP, the path in ctx).
 * -ENOENT when there is none. */
static int recording_dir(struct pt_ctx *ctx)
{
	const char *slash = strrchr(PT_NL_RECORDING, '/');
	char dir[256];

	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - PT_NL_RECORDING), PT_NL_RECORDING);
	return pt_open_dir_nolink(ctx, dir, false, 0);
}

static int read_recording(struct pt_ctx *ctx, char **buf, size_t *len)
{
	int r = recording_dir(ctx);

	if (r >= 0) {
		close(r);
		r = pt_read_file(ctx, buf, len, RECORDING_MAX, PT_NL_RECORDING);
	} else if (r != -ENOENT) {
		char why[512]; /* the message goes into the buffer it quotes */

		pt_strlcpy(why, pt_ctx_error(ctx), sizeof(why));
		return pt_err(ctx, r, "cannot read the recorded rtnetlink dump %s%s: %s",
			      pt_ctx_sysroot(ctx), PT_NL_RECORDING, why);
	}
	if (r == -ENOENT)
		return pt_err(ctx, -ENOTSUP, "%s%s does not exist: this sysroot has no recorded "
			      "rtnetlink dump, so VF network settings are unknown (a snapshot taken "
			      "by this version of passthru records one)",
			      pt_ctx_sysroot(ctx), PT_NL_RECORDING);
	if (r < 0)
		return pt_err(ctx, r, "cannot read %s%s: %s", pt_ctx_sysroot(ctx),
			      PT_NL_RECORDING, strerror(-r));
	return 0;
}

static int replay(struct pt_ctx *ctx, struct pt_nl_reply *r, char **rawp, size_t *rawlenp)
{
	size_t len = 0;
	char *raw;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = read_recording(ctx, &raw, &len);
	if (ret < 0)
		return ret;
	ret = pt_nl_parse_reply(raw, len, 0, r);
	if (ret < 0 && r->error == 0)
		ret = pt_err(ctx, ret, "%s%s is not a valid rtnetlink dump: %s", pt_ctx_sysroot(ctx),
			     PT_NL_RECORDING, strerror(-ret));
	else if (ret < 0)
		ret = pt_err(ctx, ret, "%s%s records a failed dump: %s", pt_ctx_sysroot(ctx),
			     PT_NL_RECORDING, strerror(-ret));
	else if (!r->done)
		ret = pt_err(ctx, -EBADMSG, "%s%s is truncated (no NLMSG_DONE)", pt_ctx_sysroot(ctx),
			     PT_NL_RECORDING);
	if (ret < 0 || !rawp) {
		free(raw);
		if (ret < 0)
			pt_nl_reply_free(r);
		return ret;
	}
	*rawp = raw;
	*rawlenp = len;
	return 0;
}

static int write_recording(struct pt_ctx *ctx, const char *buf, size_t len)
{
	const char *slash = strrchr(PT_NL_RECORDING, '/');
	char path[4096], dir[256], tmp[64];
	size_t done = 0;
	int dfd, fd, r;

	r = pt_path(ctx, path, sizeof(path), PT_NL_RECORDING);
	if (r < 0)
		return pt_err(ctx, r, "sysroot path too long");
	/* the recording's directory, inside the sysroot and no link: the new dump is
	 * written there and renamed over the old, never through a link out of the tree */
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - PT_NL_RECORDING), PT_NL_RECORDING);
	dfd = pt_open_dir_nolink(ctx, dir, false, 0);
	if (dfd < 0) {
		char why[512]; /* the message goes into the buffer it quotes */

		pt_strlcpy(why, pt_ctx_error(ctx), sizeof(why));
		return pt_err(ctx, dfd, "cannot write %s: %s", path, why);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", slash + 1, (int)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		close(dfd);
		return pt_err(ctx, r, "cannot write %s.tmp: %s", path, strerror(-r));
	}
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			close(fd);
			unlinkat(dfd, tmp, 0);
			close(dfd);
			return pt_err(ctx, r, "cannot write %s.tmp: %s", path, strerror(-r));
		}
		done += (size_t)n;
	}
	if (close(fd) < 0 || renameat(dfd, tmp, dfd, slash + 1) < 0) {
		r = -errno;
		unlinkat(dfd, tmp, 0);
		close(dfd);
		return pt_err(ctx, r, "cannot replace %s: %s", path, strerror(-r));
	}
	close(dfd);
	return 0;
}

/* ---- public ------------------------------------------------------------------------------- */

int pt_nl_dump_vfs(struct pt_ctx *ctx, struct pt_link_vfs **links, size_t *n)
{
	struct pt_nl_reply r;
	int ret;

	*links = NULL;
	*n = 0;
	ret = use_recording(ctx) ? replay(ctx, &r, NULL, NULL) : dump_kernel(ctx, &r, NULL, NULL);
	if (ret < 0)
		return ret;
	*links = r.links;
	*n = r.n_links;
	return 0;
}

static int take_link(struct pt_nl_reply *r, size_t i, struct pt_link_vfs *out)
{
	*out = r->links[i];
	r->links[i].vfs = NULL;
	r->links[i].n_vfs = 0;
	pt_nl_reply_free(r);
	return 0;
}

int pt_nl_get_vfs(struct pt_ctx *ctx, const char *ifname, struct pt_link_vfs *out)
{
	char req[PT_NL_REQ_SIZE] __attribute__((aligned(4)));
	struct pt_nl_reply r;
	struct nl nl;
	int ret;

	memset(out, 0, sizeof(*out));
	out->num_vf = -1;
	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return pt_err(ctx, -EINVAL, "'%s' is not a network interface name",
			      ifname ? ifname : "");
	if (use_recording(ctx)) {
		ret = replay(ctx, &r, NULL, NULL);
		if (ret < 0)
			return ret;
		for (size_t i = 0; i < r.n_links; i++)
			if (strcmp(r.links[i].ifname, ifname) == 0)
				return take_link(&r, i, out);
		pt_nl_reply_free(&r);
		return pt_err(ctx, -ENODEV, "no network interface named %s in the recorded dump %s%s",
			      ifname, pt_ctx_sysroot(ctx), PT_NL_RECORDING);
	}

	ret = nl_open(ctx, &nl);
	if (ret < 0)
		return ret;
	memset(&r, 0, sizeof(r));
	ret = pt_nl_build_getlink(req, sizeof(req), ++nl.seq, ifname);
	if (ret >= 0)
		ret = nl_talk(ctx, &nl, req, (size_t)ret, &r, NULL, NULL);
	nl_close(&nl);
	if (ret == -ENODEV && r.error)
		ret = pt_err(ctx, ret, "no network interface named %s (see 'ip link')", ifname);
	else if (ret < 0 && r.error)
		ret = pt_err(ctx, ret, "reading VF settings of %s over rtnetlink: %s%s%s", ifname,
			     strerror(-ret), r.ext_msg[0] ? ": " : "", r.ext_msg);
	if (ret < 0) {
		pt_nl_reply_free(&r);
		return ret;
	}
	/* the kernel looked the name up (an alternative name too): its one answer is it */
	if (r.n_links == 1)
		return take_link(&r, 0, out);
	pt_nl_reply_free(&r);
	return pt_err(ctx, -EPROTO, "the kernel answered a request for %s with %zu links",
		      ifname, r.n_links);
}

int pt_nl_capture(struct pt_ctx *ctx, char **buf, size_t *len)
{
	struct pt_nl_reply r;
	int ret;

	*buf = NULL;
	*len = 0;
	if (use_recording(ctx))
		ret = replay(ctx, &r, buf, len);
	else
		ret = dump_kernel(ctx, &r, buf, len);
	if (ret < 0)
		return ret;
	pt_nl_reply_free(&r);
	return 0;
}

/* The fields in the order they are set: link state last, once the rest is in place. */
static const unsigned field_order[] = {
	PT_VF_MAC, PT_VF_VLAN, PT_VF_RATE, PT_VF_SPOOFCHK, PT_VF_TRUST, PT_VF_QUERY_RSS,
	PT_VF_LINK_STATE,
};
#define N_FIELDS (sizeof(field_order) / sizeof(field_order[0]))

/* Counts one VF setting as a write to kernel state and honours PASSTHRU_FAIL_WRITE for
 * it ("netlink:<ifname>:vf<N>:<field>"), on the live socket and on a recording alike. */
static int count_vf_write(struct pt_ctx *ctx, const char *ifname, int vf, unsigned field)
{
	char what[96];
	int ret;

	snprintf(what, sizeof(what), "netlink:%s:vf%d:%s", ifname, vf, pt_vf_field_name(field));
	ret = pt_write_count(ctx, what);
	if (ret < 0)
		pt_err(ctx, ret, "setting %s of VF %d on %s: %s (injected by PASSTHRU_FAIL_WRITE=%s)",
		       pt_vf_field_name(field), vf, ifname, strerror(-ret), ctx->fail_match);
	return ret;
}

static void set_hint(struct pt_ctx *ctx, const char *ifname, const struct pt_vf_setting *s,
		     unsigned field, int err, char *buf, size_t len);

static int set_vf_recorded(struct pt_ctx *ctx, int ifindex, const struct pt_vf_setting *s)
{
	struct pt_nl_reply r;
	char ifname[IFNAMSIZ] = "";
	char *raw = NULL;
	size_t len = 0;
	int ret;

	ret = replay(ctx, &r, &raw, &len);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < r.n_links; i++)
		if (r.links[i].ifindex == ifindex)
			pt_strlcpy(ifname, r.links[i].ifname, sizeof(ifname));
	pt_nl_reply_free(&r);
	if (!ifname[0]) {
		free(raw);
		return pt_err(ctx, -ENODEV, "no network interface with index %d in the recorded "
			      "dump %s%s", ifindex, pt_ctx_sysroot(ctx), PT_NL_RECORDING);
	}
	for (size_t f = 0; f < N_FIELDS; f++) {
		unsigned field = field_order[f];

		if (!(s->has & field))
			continue;
		ret = count_vf_write(ctx, ifname, s->vf, field);
		if (ret < 0)
			break;
		ret = pt_nl_patch_vf(raw, len, ifindex, s, field);
		if (ret < 0) {
			char hint[320];

			/* the recording stands in for the kernel: what it lacks, the driver
			 * lacks, and the kernel's refusal is said the same way */
			set_hint(ctx, ifname, s, field, ret, hint, sizeof(hint));
			pt_err(ctx, ret, "setting %s of VF %d on %s (recorded in %s%s): %s%s",
			       pt_vf_field_name(field), s->vf, ifname, pt_ctx_sysroot(ctx),
			       PT_NL_RECORDING, strerror(-ret), hint);
			break;
		}
		ret = write_recording(ctx, raw, len);
		if (ret < 0)
			break;
	}
	free(raw);
	return ret;
}

/* What a person can do about a SETLINK the kernel refused, naming the PF's driver. */
static void set_hint(struct pt_ctx *ctx, const char *ifname, const struct pt_vf_setting *s,
		     unsigned field, int err, char *buf, size_t len)
{
	char link[256], drv[80] = "the PF's driver";
	const char *f = pt_vf_field_name(field);
	bool qinq = field == PT_VF_VLAN && s->vlan_proto == 0x88a8;

	if (pt_readlink(ctx, link, sizeof(link), "/sys/class/net/%s/device/driver", ifname) > 0)
		snprintf(drv, sizeof(drv), "the %s driver",
			 strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	buf[0] = '\0';
	/* the kernel says EOPNOTSUPP for a knob the driver lacks (no ndo_set_vf_*), a
	 * driver EPROTONOSUPPORT for a VLAN protocol it does not take */
	if (qinq && (err == -EOPNOTSUPP || err == -EPROTONOSUPPORT))
		snprintf(buf, len, "; %s does not support 802.1ad (QinQ) VLANs on VFs: use 802.1Q "
			 "(--vlan %d:%d:802.1Q, or vlan_protocol: 802.1Q)", drv, s->vlan, s->qos);
	else if (err == -EOPNOTSUPP && field == PT_VF_QUERY_RSS)
		snprintf(buf, len, "; %s does not support the VF RSS query setting (query_rss): "
			 "leave it out (only some drivers, ixgbe among them, have it)", drv);
	else if (err == -EOPNOTSUPP)
		snprintf(buf, len, "; %s does not support setting a VF's %s: leave it out of "
			 "the configuration", drv, f);
	else if (err == -EPROTONOSUPPORT && field == PT_VF_VLAN)
		snprintf(buf, len, "; %s does not support VLAN protocol 0x%04x: use 802.1Q", drv,
			 s->vlan_proto);
	else if (err == -EINVAL && field == PT_VF_RATE)
		snprintf(buf, len, "; %s refused min %ld / max %ld Mbps (some drivers need the PF "
			 "link up, a max below the link speed, or min 0)", drv, s->min_tx_rate,
			 s->max_tx_rate);
	else if (err == -EINVAL)
		snprintf(buf, len, "; does VF %d exist (see 'passthru vfs %s')? else %s refused "
			 "the value", s->vf, ifname, drv);
}

int pt_nl_set_vf(struct pt_ctx *ctx, int ifindex, const struct pt_vf_setting *s)
{
	char req[N_FIELDS][PT_NL_REQ_SIZE] __attribute__((aligned(4)));
	int reqlen[N_FIELDS] = { 0 };
	char ifname[IF_NAMESIZE] = "";
	struct nl nl;
	int ret = 0;

	if (!s || s->vf < 0 || !s->has || (s->has & ~PT_VF_ALL_FIELDS))
		return pt_err(ctx, -EINVAL, "nothing valid to set on a VF (vf %d, fields 0x%x)",
			      s ? s->vf : -1, s ? s->has : 0);
	/* every value is checked before anything is written */
	for (size_t f = 0; f < N_FIELDS; f++) {
		if (!(s->has & field_order[f]))
			continue;
		reqlen[f] = pt_nl_build_set_vf(req[f], sizeof(req[f]), 0, ifindex, s, field_order[f]);
		if (reqlen[f] < 0)
			return pt_err(ctx, reqlen[f], "invalid %s for VF %d of interface index %d",
				      pt_vf_field_name(field_order[f]), s->vf, ifindex);
	}
	if (use_recording(ctx))
		return set_vf_recorded(ctx, ifindex, s);

	if (!if_indextoname((unsigned)ifindex, ifname))
		return pt_err(ctx, -ENODEV, "no network interface with index %d", ifindex);
	ret = nl_open(ctx, &nl);
	if (ret < 0)
		return ret;
	for (size_t f = 0; f < N_FIELDS; f++) {
		struct pt_nl_reply r = { 0 };
		unsigned field = field_order[f];

		if (!reqlen[f])
			continue;
		ret = count_vf_write(ctx, ifname, s->vf, field);
		if (ret < 0)
			break;
		((struct nlmsghdr *)req[f])->nlmsg_seq = ++nl.seq;
		ret = nl_talk(ctx, &nl, req[f], (size_t)reqlen[f], &r, NULL, NULL);
		pt_nl_reply_free(&r);
		if (ret < 0 && r.error) {
			char hint[320];

			set_hint(ctx, ifname, s, field, ret, hint, sizeof(hint));
			pt_err(ctx, ret, "setting %s of VF %d on %s (ifindex %d): %s%s%s%s%s",
			       pt_vf_field_name(field), s->vf, ifname, ifindex, strerror(-ret),
			       r.ext_msg[0] ? " (kernel: " : "", r.ext_msg, r.ext_msg[0] ? ")" : "",
			       hint);
		} else if (ret < 0) {
			char why[sizeof(ctx->err)];

			pt_strlcpy(why, ctx->err, sizeof(why));
			pt_err(ctx, ret, "setting %s of VF %d on %s (ifindex %d): %s",
			       pt_vf_field_name(field), s->vf, ifname, ifindex, why);
		}
		if (ret < 0)
			break;
	}
	nl_close(&nl);
	return ret;
}
