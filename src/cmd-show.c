// SPDX-License-Identifier: MIT
/* passthru show DEV: everything about one function, and why its IOMMU group is what it is. */
#include "cli.h"
#include "json.h"
#include "passthru/judge.h"
#include "passthru/parse.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char *u(const char *s)
{
	return s && *s ? s : "unknown";
}

static const char *pcie_type_str(int t)
{
	static const char *names[] = {
		[0] = "endpoint", [1] = "legacy endpoint", [4] = "root port",
		[5] = "switch upstream port", [6] = "switch downstream port",
		[7] = "PCIe-to-PCI bridge", [8] = "PCI-to-PCIe bridge",
		[9] = "root complex integrated endpoint", [10] = "root complex event collector",
	};

	if (t < 0 || t > 10 || !names[t])
		return "conventional PCI or unknown";
	return names[t];
}

static void acs_line(const char *who, const struct pt_device *d)
{
	const struct pt_acs *a = &d->config.acs;

	if (a->present == PT_UNKNOWN)
		printf("    %-14s %-24s ACS unknown (config space past 256 bytes unreadable: run as root)\n",
		       who, pcie_type_str(d->config.pcie_type));
	else if (a->present == PT_NO)
		printf("    %-14s %-24s no ACS capability\n", who, pcie_type_str(d->config.pcie_type));
	else
		printf("    %-14s %-24s ACS cap %04x ctrl %04x: %s\n", who,
		       pcie_type_str(d->config.pcie_type), a->cap, a->ctrl,
		       a->isolates == PT_YES ? "isolates (SV RR CR UF enabled)"
					     : "does not isolate");
}

static void human(const struct pt_host *h, const struct pt_device *d, const struct pt_judge_inputs *in)
{
	struct pt_numa_judgement nj;
	struct pt_assignability a;

	char ls[64], ms[32], b[PT_BDF_STRLEN];

	printf("%s  %s: %s %s [%04x:%04x]\n", d->name, u(d->class_name), d->vendor_name,
	       d->device_name, d->vendor_id & 0xffff, d->device_id & 0xffff);
	printf("  kind:            %s\n", device_kind_str(d));
	printf("  driver:          %s%s%s\n", d->driver[0] ? d->driver : "(none)",
	       d->driver_override[0] ? ", driver_override=" : "", d->driver_override);
	pt_judge_numa(h, d, &nj);
	if (nj.node >= 0)
		printf("  NUMA node:       %d (local CPUs %s)%s\n", nj.node, u(nj.cpulist),
		       nj.source == PT_NUMA_SOURCE_PF ? ", its PF's" : "");
	else
		printf("  NUMA node:       unknown (local CPUs %s)\n", u(nj.cpulist));
	if (nj.disagrees)
		printf("    note: %s\n", nj.note);
	printf("  reset methods:   %s (resets %s)\n", d->reset_method[0] ? d->reset_method : "none reported",
	       pt_judge_reset(d) == PT_RESET_FUNCTION ? "the function alone"
	       : pt_judge_reset(d) == PT_RESET_BUS    ? "the whole bus: siblings too"
	       : pt_judge_reset(d) == PT_RESET_NONE   ? "nothing alone"
						      : "unknown");
	device_link_str(d, ls, sizeof(ls));
	printf("  link:            %s%s\n", ls,
	       d->link.degraded == PT_YES ? "  DEGRADED (negotiated below capability)" : "");
	if (d->config.msix_table_size >= 0)
		printf("  MSI-X:           %d vectors in table, %d IRQs allocated\n",
		       d->config.msix_table_size, d->msi_irq_count);
	if (d->kind == PT_KIND_PF) {
		char num[16], vfdev[16];

		snprintf(num, sizeof(num), d->sriov_numvfs >= 0 ? "%d" : "unknown", d->sriov_numvfs);
		snprintf(vfdev, sizeof(vfdev), d->sriov_vf_device >= 0 ? "%04x" : "unknown",
			 d->sriov_vf_device);
		printf("  SR-IOV:          %s of %d VFs enabled, VF device %s, drivers_autoprobe %s\n", num,
		       d->sriov_totalvfs, vfdev,
		       d->sriov_drivers_autoprobe < 0 ? "unknown" : d->sriov_drivers_autoprobe ? "on" : "off");
		for (size_t i = 0; i < d->n_vfs; i++) {
			const struct pt_device *vf = pt_host_find(h, &d->vfs[i]);

			printf("    vf %-3d %s  %s%s%s\n", d->vf_numbers[i], pt_bdf_format(&d->vfs[i], b),
			       !vf ? "(missing: the virtfn link names no PCI function)"
				   : vf->driver[0] ? vf->driver : "(no driver)",
			       vf && vf->n_netdevs ? "  " : "", vf && vf->n_netdevs ? vf->netdevs[0] : "");
		}
	}
	if (d->kind == PT_KIND_VF)
		printf("  VF:              index %d of PF %s\n", d->vf_index, pt_bdf_format(&d->physfn, b));
	if (d->n_netdevs) {
		printf("  netdevs:        ");
		for (size_t i = 0; i < d->n_netdevs; i++)
			printf(" %s", d->netdevs[i]);
		printf("\n");
	}
	if (d->n_blockdevs) {
		printf("  block devices:  ");
		for (size_t i = 0; i < d->n_blockdevs; i++)
			printf(" %s", d->blockdevs[i]);
		printf("\n");
	}
	if (d->aer.correctable >= 0 || d->aer.nonfatal >= 0 || d->aer.fatal >= 0)
		printf("  AER errors:      correctable %lld, nonfatal %lld, fatal %lld\n",
		       d->aer.correctable, d->aer.nonfatal, d->aer.fatal);

	if (d->iommu_group < 0) {
		printf("  IOMMU group:     %s\n", d->iommu_group_dangling
			       ? "link dangles (group directory absent): IOMMU state inconsistent"
			       : "none (no IOMMU, or IOMMU off: this device cannot be assigned)");
	} else {
		const struct pt_iommu_group *g = pt_host_group(h, d->iommu_group);
		enum pt_tri v = pt_group_viable(h, d->iommu_group);

		char acs[160];

		printf("  IOMMU group:     %d, %zu member%s, viable for vfio now: %s\n", d->iommu_group,
		       g ? g->n_members : 0, g && g->n_members == 1 ? "" : "s", pt_tri_str(v));
		if (pt_groups_acs_override(h, acs, sizeof(acs)) == 1)
			printf("    UNTRUSTWORTHY: %s on the kernel command line: this group may not "
			       "isolate its members from other groups (passthru check: "
			       "iommu.acs-override)\n", acs);
		for (size_t i = 0; g && i < g->n_members; i++) {
			const struct pt_device *m = pt_host_find(h, &g->members[i]);

			printf("    %s  %s%s\n", pt_bdf_format(&g->members[i], b),
			       m && m->driver[0] ? m->driver : "(no driver)",
			       m && (m->config.header_type == 1) ? "  (bridge: exempt)" : "");
		}
		if (g && g->n_members > 1) {
			const struct pt_device *c = pt_device_acs_culprit(h, d);

			if (c)
				printf("    why shared: %s does not isolate peer-to-peer traffic (no ACS)\n",
				       c->name);
		}
	}
	pt_judge_assignable(h, in->dma.on, in->prot, in->n_prot, NULL, 0, d, &a);
	printf("  DMA remapping:   %s (%s)\n", pt_tri_str(in->dma.on), in->dma.evidence);
	printf("  IOMMU:           %s%s; iommufd (/dev/iommu): %s\n",
	       h->iommu_kind[0] ? h->iommu_kind : "none", h->n_iommu_units ? "" : " (no /sys/class/iommu unit)",
	       pt_tri_str(h->dev_iommu));
	if (d->vfio_dev[0])
		printf("  VFIO device:     %s (cdev /dev/vfio/devices/%s)\n", d->vfio_dev, d->vfio_dev);
	if (a.assignable == PT_YES)
		printf("  assignable:      yes%s%s%s\n", a.n_shared ? " (with " : "", a.shared,
		       a.n_shared ? ": the group goes to one VM)" : "");
	else
		printf("  assignable:      no\n");
	for (size_t i = 0; i < a.n_causes && i < PT_MAX_CAUSES; i++)
		printf("    %s: %s\n", a.causes[i].why, a.causes[i].fix);
	printf("  upstream path (nearest first, root %s):\n", u(d->root));
	acs_line("self", d);
	for (size_t i = 0; i < d->n_path; i++) {
		const struct pt_device *hop = pt_host_find(h, &d->path[i]);

		if (hop)
			acs_line(hop->name, hop);
		else
			printf("    %-14s not visible in the PCI tree\n", pt_bdf_format(&d->path[i], b));
	}
	(void)ms;
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct pt_judge_inputs in;
	struct pt_device *d;
	struct pt_host *h;
	int c;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j')
			cli->json = true;
		else {
			cli_usage(stderr, "show");
			return EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		cli_usage(stderr, "show");
		return EXIT_ERROR;
	}
	d = cli_scan_named(cli, argv[optind], PT_SCOPE_VFS, &h);
	if (!d)
		return EXIT_ERROR;
	if (pt_judge_inputs_read(cli->ctx, h, NULL, &in) < 0) {
		cli_error("%s", pt_ctx_error(cli->ctx));
		pt_host_free(h);
		return EXIT_ERROR;
	}
	if (cli->json) {
		struct json j;

		json_init(&j, stdout);
		device_json(&j, h, d, true, &in);
		json_end(&j);
	} else {
		human(h, d, &in);
	}
	cli_host_warnings(cli, h);
	pt_judge_inputs_free(&in);
	pt_host_free(h);
	return EXIT_OK;
}
