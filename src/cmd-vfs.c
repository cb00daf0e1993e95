// SPDX-License-Identifier: MIT
/* passthru vfs PF: the VF network settings of a PF netdev, as its driver reports them. */
#include "cli.h"
#include "json.h"
#include "passthru/netlink.h"
#include "passthru/parse.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *mac_str(const struct pt_vf_info *v, char buf[18])
{
	const uint8_t *m = v->mac;

	if (!v->has_mac)
		return NULL;
	return pt_format_mac(m, buf, 18);
}

static const char *proto_str(int proto)
{
	return proto == 0x8100 ? "802.1Q" : proto == 0x88a8 ? "802.1ad" : NULL;
}

static const char *onoff(int tri)
{
	return tri == PT_YES ? "on" : tri == PT_NO ? "off" : "-";
}

static char *num(long v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%ld", v);
	return buf;
}

static void human(const struct pt_link_vfs *l)
{
	bool unknown = false;

	if (l->num_vf < 0) {
		printf("%s (ifindex %d): no SR-IOV VFs reported (not a PCI netdev, or a kernel "
		       "without IFLA_NUM_VF)\n", l->ifname, l->ifindex);
		return;
	}
	printf("%s (ifindex %d): %d VF%s\n", l->ifname, l->ifindex, l->num_vf,
	       l->num_vf == 1 ? "" : "s");
	if (l->n_vfs == 0)
		return;
	printf("  %-4s %-17s %-5s %-3s %-7s %-8s %-5s %-9s %-7s %7s %7s\n", "VF", "MAC", "VLAN",
	       "QOS", "PROTO", "SPOOFCHK", "TRUST", "QUERY_RSS", "LINK", "MIN_TX", "MAX_TX");
	for (size_t i = 0; i < l->n_vfs; i++) {
		const struct pt_vf_info *v = &l->vfs[i];
		char mac[18], vf[12], vlan[12], qos[12], mn[24], mx[24];
		const char *ls = pt_vf_link_state_str(v->link_state), *p = proto_str(v->vlan_proto);

		if (!v->has_mac || v->vlan < 0 || v->spoofchk == PT_UNKNOWN || v->trust == PT_UNKNOWN ||
		    v->query_rss == PT_UNKNOWN || !ls || v->max_tx_rate < 0)
			unknown = true;
		printf("  %-4s %-17s %-5s %-3s %-7s %-8s %-5s %-9s %-7s %7s %7s\n",
		       num(v->vf, vf, sizeof(vf)), mac_str(v, mac) ? mac : "-",
		       num(v->vlan, vlan, sizeof(vlan)), num(v->qos, qos, sizeof(qos)), p ? p : "-",
		       onoff(v->spoofchk), onoff(v->trust), onoff(v->query_rss), ls ? ls : "-",
		       num(v->min_tx_rate, mn, sizeof(mn)),
		       num(v->max_tx_rate, mx, sizeof(mx)));
	}
	printf("  (rates in Mbps, 0 = no limit; vlan 0 = none%s)\n",
	       unknown ? "; - = not reported by the driver" : "");
	if ((size_t)l->num_vf > l->n_vfs)
		printf("  %zu of %d VFs not reported by the driver (in reset?): run again\n",
		       (size_t)l->num_vf - l->n_vfs, l->num_vf);
}

static void json(const struct pt_link_vfs *l)
{
	struct json j;

	json_doc_begin(&j, stdout, 1);
	JSON_KV_STR(&j, "pf", l->ifname);
	JSON_KV_INT(&j, "ifindex", l->ifindex);
	json_key(&j, "num_vfs");
	json_int_or_null(&j, l->num_vf);
	json_key(&j, "vfs");
	json_arr_begin(&j);
	for (size_t i = 0; i < l->n_vfs; i++) {
		const struct pt_vf_info *v = &l->vfs[i];
		char mac[18];

		json_obj_begin(&j);
		json_key(&j, "vf");
		json_int_or_null(&j, v->vf);
		json_key(&j, "mac");
		json_str(&j, mac_str(v, mac));
		json_key(&j, "vlan");
		json_int_or_null(&j, v->vlan);
		json_key(&j, "qos");
		json_int_or_null(&j, v->qos);
		json_key(&j, "vlan_proto");
		json_str(&j, proto_str(v->vlan_proto));
		json_key(&j, "spoof_check");
		json_tri(&j, v->spoofchk);
		json_key(&j, "trust");
		json_tri(&j, v->trust);
		json_key(&j, "query_rss");
		json_tri(&j, v->query_rss);
		json_key(&j, "link_state");
		json_str(&j, pt_vf_link_state_str(v->link_state));
		json_key(&j, "min_tx_rate");
		json_int_or_null(&j, v->min_tx_rate);
		json_key(&j, "max_tx_rate");
		json_int_or_null(&j, v->max_tx_rate);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

/* PF is a netdev name, or the BDF of a function with a netdev. */
static int resolve(struct cli *cli, const char *arg, char ifname[16])
{
	struct pt_device *d;
	struct pt_host *h;
	struct pt_bdf b;

	if (pt_bdf_parse(arg, &b) < 0) {
		if (strlen(arg) >= 16) {
			cli_error("'%s' is not a network interface name (at most 15 characters)", arg);
			return -1;
		}
		snprintf(ifname, 16, "%s", arg);
		return 0;
	}
	if (!(d = cli_scan_named(cli, arg, 0, &h)))
		return -1;
	if (d && d->n_netdevs == 0) {
		cli_error("%s has no network interface (driver %s): VF network settings live on "
			  "the PF's netdev", d->name, d->driver[0] ? d->driver : "none");
		d = NULL;
	}
	if (d)
		snprintf(ifname, 16, "%s", d->netdevs[0]);
	pt_host_free(h);
	return d ? 0 : -1;
}

int cmd_vfs(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct pt_link_vfs l;
	char ifname[16];
	int c, r;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j')
			cli->json = true;
		else {
			cli_usage(stderr, "vfs");
			return EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		cli_usage(stderr, "vfs");
		return EXIT_ERROR;
	}
	if (resolve(cli, argv[optind], ifname) < 0)
		return EXIT_ERROR;
	r = pt_nl_get_vfs(cli->ctx, ifname, &l);
	if (r < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	if (cli->json)
		json(&l);
	else
		human(&l);
	pt_link_vfs_free(&l);
	return EXIT_OK;
}
