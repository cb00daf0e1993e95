// SPDX-License-Identifier: MIT
/* passthru list: every PCI function, VFs under their PF. */
#include "cli.h"
#include "json.h"
#include "passthru/judge.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum class_filter { CLASS_ALL, CLASS_NET, CLASS_STORAGE, CLASS_DISPLAY };

static bool class_ok(enum class_filter f, const struct pt_device *d)
{
	switch (f) {
	case CLASS_NET: return pt_class_is_net(d->class_code);
	case CLASS_STORAGE: return pt_class_is_storage(d->class_code);
	case CLASS_DISPLAY: return pt_class_is_display(d->class_code);
	default: return true;
	}
}

static const char *q(const char *s)
{
	return s && *s ? s : "-";
}

static void row(const struct cli *cli, const struct pt_host *h, const struct pt_device *d,
		const char *indent)
{
	char id[16], numa[8], grp[16], link[64], sriov[24], desc[400];
	const char *red = cli->color ? "\033[31m" : "", *off = cli->color ? "\033[0m" : "";

	(void)h;
	if (d->vendor_id >= 0 && d->device_id >= 0)
		snprintf(id, sizeof(id), "%04x:%04x", d->vendor_id, d->device_id);
	else
		snprintf(id, sizeof(id), "?");
	/* the node every command pins to (lib/judge.c): a VF on its PF's, marked '*' when
	 * its own numa_node disagrees (show DEV says why) */
	{
		struct pt_numa_judgement nj;

		pt_judge_numa(h, d, &nj);
		snprintf(numa, sizeof(numa), nj.node >= 0 ? "%d%s" : "?", nj.node,
			 nj.disagrees ? "*" : "");
	}
	if (d->iommu_group >= 0)
		snprintf(grp, sizeof(grp), "%d", d->iommu_group);
	else
		snprintf(grp, sizeof(grp), d->iommu_group_dangling ? "dangling" : "-");
	device_link_str(d, link, sizeof(link));
	if (d->kind == PT_KIND_PF && d->sriov_totalvfs >= 0 && d->sriov_numvfs >= 0)
		snprintf(sriov, sizeof(sriov), "%d/%d VFs", d->sriov_numvfs, d->sriov_totalvfs);
	else if (d->kind == PT_KIND_PF && d->sriov_totalvfs >= 0)
		snprintf(sriov, sizeof(sriov), "?/%d VFs", d->sriov_totalvfs);
	else if (d->kind == PT_KIND_VF && d->vf_index >= 0)
		snprintf(sriov, sizeof(sriov), "vf %d", d->vf_index);
	else
		snprintf(sriov, sizeof(sriov), "-");
	snprintf(desc, sizeof(desc), "%s%s%s%s%s", d->class_name[0] ? d->class_name : "",
		 d->class_name[0] ? ": " : "", d->vendor_name,
		 d->vendor_name[0] && d->device_name[0] ? " " : "", d->device_name);
	if (d->n_netdevs) {
		size_t l = strlen(desc);

		snprintf(desc + l, sizeof(desc) - l, " (%s%s)", d->netdevs[0],
			 d->n_netdevs > 1 ? ",..." : "");
	}
	printf("%s%-*s %-9s  %-9s %-4s %-6s %s%-24s%s %-9s %s\n", indent,
	       indent[0] ? 12 : 14, d->name, id, q(d->driver), numa, grp,
	       d->link.degraded == PT_YES ? red : "", link, d->link.degraded == PT_YES ? off : "",
	       sriov, desc[0] ? desc : "?");
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "class", required_argument, NULL, 'c' },
		{ "pf", required_argument, NULL, 'p' },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	enum class_filter cf = CLASS_ALL;
	const struct pt_device *only_pf = NULL;
	const char *pf_arg = NULL;
	struct pt_host *h;
	struct json j;
	int c;

	while ((c = getopt_long(argc, argv, "c:p:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (strcmp(optarg, "net") == 0)
				cf = CLASS_NET;
			else if (strcmp(optarg, "storage") == 0)
				cf = CLASS_STORAGE;
			else if (strcmp(optarg, "display") == 0)
				cf = CLASS_DISPLAY;
			else if (strcmp(optarg, "all") == 0)
				cf = CLASS_ALL;
			else {
				cli_error("--class: '%s' is not one of net, storage, display, all", optarg);
				return EXIT_ERROR;
			}
			break;
		case 'p':
			pf_arg = optarg;
			break;
		case 'j':
			cli->json = true;
			break;
		default:
			cli_usage(stderr, "list");
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		cli_error("list: unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	h = cli_scan(cli);
	if (!h)
		return EXIT_ERROR;
	if (pf_arg) {
		only_pf = cli_device(cli, h, pf_arg);
		if (!only_pf) {
			pt_host_free(h);
			return EXIT_ERROR;
		}
		if (only_pf->kind != PT_KIND_PF) {
			cli_error("--pf %s: %s is not an SR-IOV physical function", pf_arg, only_pf->name);
			pt_host_free(h);
			return EXIT_ERROR;
		}
	}

	if (cli->json) {
		json_doc_begin(&j, stdout, 1);
		json_key(&j, "functions");
		json_arr_begin(&j);
	} else {
		printf("%-14s %-9s  %-9s %-4s %-6s %-24s %-9s %s\n", "BDF", "ID", "DRIVER", "NUMA",
		       "GROUP", "LINK", "SR-IOV", "DESCRIPTION");
	}
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct pt_device *d = &h->devs[i], *pf;

		if (only_pf && d != only_pf && !(d->has_physfn && pt_bdf_eq(&d->physfn, &only_pf->bdf)))
			continue;
		if (!class_ok(cf, d))
			continue;
		if (cli->json) {
			device_json(&j, h, d, false, NULL);
			continue;
		}
		/* VFs are printed under their PF, unless the PF is absent from the tree */
		if (d->has_physfn && (pf = pt_host_find(h, &d->physfn)) && class_ok(cf, pf))
			continue;
		row(cli, h, d, "");
		/* VFs whose virtfn link names a missing function are left out of the tree */
		const struct pt_device *prev = NULL;

		for (size_t k = 0; k < d->n_vfs; k++) {
			const struct pt_device *vf = pt_host_find(h, &d->vfs[k]);

			if (!vf)
				continue;
			if (prev)
				row(cli, h, prev, "├─");
			prev = vf;
		}
		if (prev)
			row(cli, h, prev, "└─");
	}
	if (cli->json) {
		json_arr_end(&j);
		json_host_iommu(&j, h);
		json_host_warnings(&j, h);
		json_obj_end(&j);
		json_end(&j);
	}
	cli_host_warnings(cli, h);
	pt_host_free(h);
	return EXIT_OK;
}
