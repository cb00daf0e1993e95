// SPDX-License-Identifier: MIT
/*
 * Scoped scans (scope.h) against the full scan, in one process, on every fixture and
 * every function: for each function d of the full scan, a scope of d (with its VFs, as
 * show asks) must read d and every function it read as the full scan read them, and
 * the judgements about d (DMA remapping, NUMA node, assignability with what the host
 * needs, group viability, the ACS culprit, the group's members) must be the same.
 * tests/cli/scope-equal.py compares the commands' documents on a sample of the same.
 *
 * Usage: test-scope FIXTURES_DIR [TREE...]   (the fixtures' trees, then any others)
 */
#include "passthru/judge.h"
#include "passthru/passthru.h"
#include "passthru/scope.h"
#include "tap.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool bdfs_eq(const struct pt_bdf *a, size_t na, const struct pt_bdf *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!pt_bdf_eq(&a[i], &b[i]))
			return false;
	return true;
}

static bool strv_eq(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* The fields a judge or a printer reads; "" when equal, else the first that differs. */
static const char *dev_diff(const struct pt_device *a, const struct pt_device *b)
{
	if (a->vendor_id != b->vendor_id || a->device_id != b->device_id || a->class_code != b->class_code)
		return "ids";
	if (strcmp(a->driver, b->driver) || strcmp(a->driver_override, b->driver_override))
		return "driver";
	if (a->numa_node != b->numa_node || strcmp(a->local_cpulist, b->local_cpulist))
		return "numa";
	if (a->iommu_group != b->iommu_group || a->iommu_group_dangling != b->iommu_group_dangling)
		return "iommu_group";
	if (a->kind != b->kind || a->has_physfn != b->has_physfn || !pt_bdf_eq(&a->physfn, &b->physfn) ||
	    a->vf_index != b->vf_index)
		return "sriov kind";
	if (a->sriov_totalvfs != b->sriov_totalvfs || a->sriov_numvfs != b->sriov_numvfs ||
	    !bdfs_eq(a->vfs, a->n_vfs, b->vfs, b->n_vfs))
		return "vfs";
	if (!bdfs_eq(a->path, a->n_path, b->path, b->n_path) || strcmp(a->root, b->root))
		return "path";
	if (memcmp(&a->config, &b->config, sizeof(a->config)) || memcmp(&a->link, &b->link, sizeof(a->link)))
		return "config";
	if (!strv_eq(a->netdevs, a->n_netdevs, b->netdevs, b->n_netdevs) ||
	    !strv_eq(a->blockdevs, a->n_blockdevs, b->blockdevs, b->n_blockdevs))
		return "netdevs/blockdevs";
	if (strcmp(a->reset_method, b->reset_method) || a->msi_irq_count != b->msi_irq_count)
		return "reset/msi";
	return "";
}

static const char *judge_diff(const struct pt_host *s, const struct pt_judge_inputs *si,
			      const struct pt_device *d, const struct pt_host *f,
			      const struct pt_judge_inputs *fi, const struct pt_device *fd)
{
	struct pt_assignability as, af;
	struct pt_numa_judgement ns, nf;
	const struct pt_iommu_group *gs, *gf;
	const struct pt_device *cs, *cf;

	if (si->dma.on != fi->dma.on || strcmp(si->dma.evidence, fi->dma.evidence))
		return "dma";
	pt_judge_numa(s, d, &ns);
	pt_judge_numa(f, fd, &nf);
	if (ns.node != nf.node || ns.source != nf.source || strcmp(ns.note, nf.note) ||
	    strcmp(ns.cpulist, nf.cpulist))
		return "numa judgement";
	pt_judge_assignable(s, si->dma.on, si->prot, si->n_prot, NULL, 0, d, &as);
	pt_judge_assignable(f, fi->dma.on, fi->prot, fi->n_prot, NULL, 0, fd, &af);
	if (as.assignable != af.assignable || as.viable != af.viable || as.n_causes != af.n_causes ||
	    strcmp(as.shared, af.shared))
		return "assignability";
	for (size_t i = 0; i < as.n_causes && i < PT_MAX_CAUSES; i++)
		if (as.causes[i].kind != af.causes[i].kind || strcmp(as.causes[i].why, af.causes[i].why) ||
		    strcmp(as.causes[i].fix, af.causes[i].fix))
			return "causes";
	gs = d->iommu_group >= 0 ? pt_host_group(s, d->iommu_group) : NULL;
	gf = fd->iommu_group >= 0 ? pt_host_group(f, fd->iommu_group) : NULL;
	if (!gs != !gf || (gs && !bdfs_eq(gs->members, gs->n_members, gf->members, gf->n_members)))
		return "group members";
	if (gs && pt_group_viable(s, gs->id) != pt_group_viable(f, gf->id))
		return "group viable";
	cs = pt_device_acs_culprit(s, d);
	cf = pt_device_acs_culprit(f, fd);
	if (!cs != !cf || (cs && strcmp(cs->name, cf->name)))
		return "acs culprit";
	return "";
}

static void tree(const char *name, const char *root)
{
	struct pt_judge_inputs fi;
	struct pt_host *f = NULL;
	struct pt_ctx *ctx = NULL;
	size_t bad = 0, n = 0, read = 0, max_read = 0;
	char first[256] = "";

	if (!ok(pt_ctx_new(&ctx, root) == 0 && pt_host_scan(ctx, &f) == 0 &&
		pt_judge_inputs_read(ctx, f, NULL, &fi) == 0, "%s: full scan", name)) {
		pt_host_free(f);
		pt_ctx_free(ctx);
		return;
	}
	for (size_t i = 0; i < f->n_devs; i++) {
		const struct pt_device *fd = &f->devs[i], *d;
		struct pt_judge_inputs si;
		struct pt_scope *sc = NULL;
		struct pt_host *s = NULL;
		const char *why = "scan";

		n++;
		if (pt_scope_new(&sc) == 0 && pt_scope_add(sc, fd->name, PT_SCOPE_VFS) == 0 &&
		    pt_host_scan_scope(ctx, sc, &s) == 0) {
			why = "";
			read += s->n_devs;
			if (s->n_devs > max_read)
				max_read = s->n_devs;
			for (size_t k = 0; k < s->n_devs && !why[0]; k++) {
				const struct pt_device *o = pt_host_find(f, &s->devs[k].bdf);

				why = o ? dev_diff(&s->devs[k], o) : "a function the full scan lacks";
			}
			if (!why[0] && !(d = pt_host_find(s, &fd->bdf)))
				why = "the device itself not read";
			if (!why[0] && pt_judge_inputs_read(ctx, s, NULL, &si) == 0) {
				why = judge_diff(s, &si, d, f, &fi, fd);
				pt_judge_inputs_free(&si);
			}
		}
		if (why[0] && !bad++)
			snprintf(first, sizeof(first), "%s: %s", fd->name, why);
		pt_host_free(s);
		pt_scope_free(sc);
	}
	ok(bad == 0, "%s: %zu functions, each scoped as the full scan judges it%s%s", name, n,
	   bad ? "; first difference " : "", first);
	if (n)
		printf("# %s: a scope read %.1f of %zu functions on average, at most %zu\n", name,
		       (double)read / (double)n, f->n_devs, max_read);
	pt_judge_inputs_free(&fi);
	pt_host_free(f);
	pt_ctx_free(ctx);
}

static bool is_tree(const char *root)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices", root);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int main(int argc, char **argv)
{
	struct dirent **ents = NULL;
	char root[4096];
	int n;

	if (argc < 2) {
		printf("Bail out! usage: test-scope FIXTURES_DIR [TREE...]\n");
		return 1;
	}
	unsetenv("PASSTHRU_SCAN");
	n = scandir(argv[1], &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		snprintf(root, sizeof(root), "%s/%s", argv[1], ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && is_tree(root))
			tree(ents[i]->d_name, root);
		free(ents[i]);
	}
	free(ents);
	for (int i = 2; i < argc; i++)
		tree(argv[i], argv[i]);
	return done_testing();
}
