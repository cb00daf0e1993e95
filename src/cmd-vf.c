// SPDX-License-Identifier: MIT
/*
 * passthru vf PF N|all [--mac M] [--vlan V[:QOS[:PROTO]]] [--spoof-check on|off]
 *   [--trust on|off] [--link-state auto|enable|disable] [--max-rate MBPS] [--min-rate MBPS]
 *   [--query-rss on|off]
 * The settings of one VF (or every VF) over rtnetlink on the PF, as
 * `sriov: [{pf: {bdf: PF}, vf: {N: {...}}}]` (or vf_defaults) would make them with apply.
 */
#include "oneshot-cli.h"
#include "passthru/oneshot.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
				      &v[4], &v[5], &tail) != 6) {
		cli_error("--mac: '%s' is not a MAC address (six hex pairs, 02:00:00:00:00:01)", s);
		return -1;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1) {
		cli_error("--mac: %s is a multicast address: a VF needs a unicast one", s);
		return -1;
	}
	return 0;
}

/* V[:QOS[:PROTO]]; PROTO 802.1Q (the default) or 802.1ad (QinQ: many PF drivers,
 * igb and ixgbe among them, refuse it, and say so when it is set). */
static int parse_vlan(const char *s, struct pt_vf_config *c)
{
	char buf[64], *q, *p;
	long v;

	snprintf(buf, sizeof(buf), "%s", s);
	q = strchr(buf, ':');
	if (q)
		*q++ = '\0';
	p = q ? strchr(q, ':') : NULL;
	if (p)
		*p++ = '\0';
	if (oneshot_long("--vlan", buf, 0, 4095, &v) < 0)
		return -1;
	c->vlan = (int)v;
	c->qos = 0;
	if (q) {
		if (oneshot_long("--vlan QOS", q, 0, 7, &v) < 0)
			return -1;
		c->qos = (int)v;
	}
	if (!p || strcasecmp(p, "802.1Q") == 0 || strcasecmp(p, "0x8100") == 0) {
		c->vlan_proto = p ? 0x8100 : 0;
	} else if (strcasecmp(p, "802.1ad") == 0 || strcasecmp(p, "0x88a8") == 0) {
		c->vlan_proto = 0x88a8;
	} else {
		cli_error("--vlan: protocol '%s' is not 802.1Q or 802.1ad", p);
		return -1;
	}
	if (c->vlan_proto == 0x88a8 && c->vlan == 0) {
		cli_error("--vlan: 0 is no VLAN: it has no protocol (give a VLAN id with 802.1ad)");
		return -1;
	}
	return 0;
}

int cmd_vf(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mac", required_argument, NULL, 'm' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "spoof-check", required_argument, NULL, 's' },
		{ "trust", required_argument, NULL, 'T' },
		{ "link-state", required_argument, NULL, 'l' },
		{ "max-rate", required_argument, NULL, 'M' },
		{ "min-rate", required_argument, NULL, 'R' },
		{ "query-rss", required_argument, NULL, 'q' },
		ONESHOT_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct apply_job job = { .command = "vf", .persist_name = "sriov" };
	struct pt_vf_config set;
	const struct pt_device *pf;
	struct pt_hostcfg cfg;
	struct pt_host *h;
	char label[160];
	int c, vf = -1, ret, nset = 0;
	long v;

	pt_vf_config_unset(&set);
	while ((c = getopt_long(argc, argv, "m:v:s:T:l:M:R:q:" ONESHOT_SHORTOPTS, opts, NULL)) != -1) {
		int k = oneshot_common_opt(cli, &job, c, optarg);

		if (k < 0)
			return EXIT_ERROR;
		if (k)
			continue;
		nset++;
		switch (c) {
		case 'm':
			if (parse_mac(optarg, set.mac) < 0)
				return EXIT_ERROR;
			set.has_mac = true;
			break;
		case 'v':
			if (parse_vlan(optarg, &set) < 0)
				return EXIT_ERROR;
			break;
		case 's':
			if (oneshot_onoff("--spoof-check", optarg, &set.spoof_check) < 0)
				return EXIT_ERROR;
			break;
		case 'T':
			if (oneshot_onoff("--trust", optarg, &set.trust) < 0)
				return EXIT_ERROR;
			break;
		case 'l':
			if (!strcmp(optarg, "auto"))
				set.link_state = PT_LINK_AUTO;
			else if (!strcmp(optarg, "enable"))
				set.link_state = PT_LINK_ENABLE;
			else if (!strcmp(optarg, "disable"))
				set.link_state = PT_LINK_DISABLE;
			else {
				cli_error("--link-state: '%s' is not auto, enable or disable", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'M':
			if (oneshot_long("--max-rate", optarg, 0, 100000000, &v) < 0)
				return EXIT_ERROR;
			set.max_tx_rate = v;
			break;
		case 'R':
			if (oneshot_long("--min-rate", optarg, 0, 100000000, &v) < 0)
				return EXIT_ERROR;
			set.min_tx_rate = v;
			break;
		case 'q':
			if (oneshot_onoff("--query-rss", optarg, &set.query_rss) < 0)
				return EXIT_ERROR;
			break;
		default:
			cli_usage(stderr, "vf");
			return EXIT_ERROR;
		}
	}
	if (optind + 2 != argc) {
		cli_error("vf: a PF and a VF index or 'all' (passthru vf enp1s0 0 --vlan 100)");
		return EXIT_ERROR;
	}
	if (!nset) {
		cli_error("vf: nothing to set: give at least one of --mac, --vlan, --spoof-check, "
			  "--trust, --link-state, --max-rate, --min-rate, --query-rss");
		return EXIT_ERROR;
	}
	if (strcmp(argv[optind + 1], "all") != 0) {
		if (oneshot_long("VF", argv[optind + 1], 0, 2047, &v) < 0)
			return EXIT_ERROR;
		vf = (int)v;
	}
	h = cli_scan_for(cli, argv[optind], 0); /* the run scans its own scope */
	if (!h)
		return EXIT_ERROR;
	pf = oneshot_pf(h, argv[optind]);
	if (!pf)
		goto fail;
	if (vf >= 0 && vf >= pf->sriov_numvfs) {
		cli_error("%s has %d VF%s: VF %d does not exist (passthru sriov %s %d creates it)",
			  pf->name, pf->sriov_numvfs, pf->sriov_numvfs == 1 ? "" : "s", vf, pf->name,
			  vf + 1);
		goto fail;
	}
	if (vf < 0 && pf->sriov_numvfs <= 0)
		cli_warn("%s has no VFs now: the settings apply to the VFs created later with "
			 "--persist, and to none now", pf->name);
	snprintf(label, sizeof(label), "vf %s %s", pf->name, argv[optind + 1]);
	ret = pt_oneshot_vf(cli->ctx, &pf->bdf, vf, &set, &cfg);
	pt_host_free(h);
	if (ret < 0) {
		cli_error("%s: %s", label, pt_ctx_error(cli->ctx));
		return EXIT_ERROR;
	}
	job.label = label;
	job.cfg = &cfg;
	ret = apply_job_run(cli, &job);
	pt_hostcfg_free(&cfg);
	return ret;
fail:
	pt_host_free(h);
	return EXIT_ERROR;
}
