// SPDX-License-Identifier: MIT
/*
 * Facts the gate needs beyond the PCI model: the kernel log, /proc/interrupts,
 * the IOMMU default domain, cpufreq governors, irqbalance, VF settings over netlink
 * and netdev driver/firmware versions. Everything through the sysroot seam; what
 * cannot be read stays unknown and says why.
 */
#include "internal.h"
#include "passthru/boot.h"
#include "passthru/check.h"
#include "passthru/ethtool.h"
#include "passthru/netlink.h"
#include "passthru/parse.h"
#include "passthru/vm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void read_interrupts(struct pt_ctx *ctx, struct pt_hostfacts *f)
{
	char *buf = NULL;
	size_t len;

	f->irq_lines_remapped = f->irq_lines_direct = -1;
	if (pt_read_file(ctx, &buf, &len, 4 << 20, "/proc/interrupts") < 0)
		return;
	pt_parse_interrupts(buf, len, &f->irq_lines_remapped, &f->irq_lines_direct);
	free(buf);
}

static void read_group_type(struct pt_ctx *ctx, const struct pt_host *h, struct pt_hostfacts *f)
{
	f->group_type[0] = '\0';
	if (h->n_group_ids) /* the host's first group, whatever the scan read */
		pt_read_attr(ctx, f->group_type, sizeof(f->group_type),
			     "/sys/kernel/iommu_groups/%d/type", h->group_ids[0]);
}

static void read_governors(struct pt_ctx *ctx, struct pt_hostfacts *f)
{
	struct dirent *e;
	DIR *d;

	f->n_governors = 0;
	f->cpus_with_cpufreq = 0;
	if (!(d = pt_opendir(ctx, "/sys/devices/system/cpu")))
		return;
	while ((e = readdir(d))) {
		char gov[32];
		size_t k;

		if (strncmp(e->d_name, "cpu", 3) != 0 || !isdigit((unsigned char)e->d_name[3]))
			continue;
		if (pt_read_attr(ctx, gov, sizeof(gov),
				 "/sys/devices/system/cpu/%s/cpufreq/scaling_governor", e->d_name) <= 0)
			continue;
		f->cpus_with_cpufreq++;
		for (k = 0; k < f->n_governors; k++)
			if (strcmp(f->governors[k], gov) == 0)
				break;
		if (k == f->n_governors && k < 4)
			pt_strlcpy(f->governors[f->n_governors++], gov, sizeof(f->governors[0]));
	}
	closedir(d);
}

static void find_irqbalance(struct pt_ctx *ctx, struct pt_hostfacts *f)
{
	struct dirent *e;
	DIR *d;

	f->irqbalance = PT_UNKNOWN;
	f->irqbalance_pid = -1;
	if (!(d = pt_opendir(ctx, "/proc")))
		return;
	f->irqbalance = PT_NO;
	while ((e = readdir(d))) {
		char comm[32];

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (pt_read_attr(ctx, comm, sizeof(comm), "/proc/%s/comm", e->d_name) > 0 &&
		    strcmp(comm, "irqbalance") == 0) {
			f->irqbalance = PT_YES;
			f->irqbalance_pid = atoi(e->d_name);
			break;
		}
	}
	closedir(d);
}

static void read_vf_state(struct pt_ctx *ctx, const struct pt_host *h, struct pt_hostfacts *f)
{
	f->vf_state_available = true;
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct pt_device *d = &h->devs[i];
		struct pt_link_vfs lv;
		struct pt_pf_vfs pf = { 0 };
		int r;

		if (d->kind != PT_KIND_PF || d->sriov_numvfs <= 0 || !d->n_netdevs)
			continue;
		pt_strlcpy(pf.pf, d->name, sizeof(pf.pf));
		pt_strlcpy(pf.ifname, d->netdevs[0], sizeof(pf.ifname));
		memset(&lv, 0, sizeof(lv));
		r = pt_nl_get_vfs(ctx, d->netdevs[0], &lv);
		if (r < 0) {
			pf.error = r;
			if (r == -ENOTSUP) {
				f->vf_state_available = false;
				pt_strlcpy(f->vf_state_error, pt_ctx_error(ctx), sizeof(f->vf_state_error));
			}
		} else {
			pf.vfs = calloc(lv.n_vfs ? lv.n_vfs : 1, sizeof(*pf.vfs));
			if (pf.vfs) {
				for (size_t k = 0; k < lv.n_vfs; k++) {
					pf.vfs[k].vf = lv.vfs[k].vf;
					pf.vfs[k].spoofchk = lv.vfs[k].spoofchk;
					pf.vfs[k].trust = lv.vfs[k].trust;
					pf.vfs[k].vlan = lv.vfs[k].vlan;
				}
				pf.n_vfs = lv.n_vfs;
			}
			pt_link_vfs_free(&lv);
		}
		if (PT_PUSH(f->pfs, f->n_pfs, pf))
			free(pf.vfs);
	}
}

static void read_netdev_info(struct pt_ctx *ctx, const struct pt_host *h,
			     const struct pt_profile *p, struct pt_hostfacts *f)
{
	if (!p || !p->n_firmware)
		return;
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct pt_device *d = &h->devs[i];
		bool wanted = false;

		for (size_t k = 0; k < p->n_firmware; k++)
			if (strcmp(p->firmware[k].driver, d->driver) == 0)
				wanted = true;
		if (!wanted)
			continue;
		for (size_t n = 0; n < d->n_netdevs; n++) {
			struct pt_netdev_info ni;

			pt_ethtool_drvinfo(ctx, d->netdevs[n], &ni);
			if (!ni.driver[0])
				pt_strlcpy(ni.driver, d->driver, sizeof(ni.driver));
			PT_PUSH(f->netdevs, f->n_netdevs, ni);
		}
	}
}

static void read_irq_spread(struct pt_ctx *ctx, const struct pt_host *h, struct pt_hostfacts *f)
{
	f->online_cpus = -1;
	for (size_t i = 0; i < h->n_nodes; i++) {
		int n = pt_parse_cpulist(h->nodes[i].cpulist, NULL, 0);

		if (n > 0)
			f->online_cpus = (f->online_cpus < 0 ? 0 : f->online_cpus) + n;
	}
	for (size_t i = 0; i < h->n_devs; i++) {
		const struct pt_device *d = &h->devs[i];
		struct pt_irq_spread s = { 0 };

		if (d->msi_irq_count < 2)
			continue;
		pt_strlcpy(s.bdf, d->name, sizeof(s.bdf));
		s.vectors = pt_device_irq_spread(ctx, d, &s.distinct, &s.one_cpu);
		if (s.vectors >= 2)
			PT_PUSH(f->irqs, f->n_irqs, s);
	}
}

/* lstat only: a device node is never opened here (opening /dev/kvm creates nothing,
 * but other nodes block or have side effects, and a stat says what the gate needs). */
static void read_kvm(struct pt_ctx *ctx, struct pt_hostfacts *f)
{
	const char *root = pt_ctx_sysroot(ctx);
	struct stat st;

	int fd;

	if (!pt_exists(ctx, "/dev"))
		return; /* a tree without /dev: unknown */
	/* the node itself (never opened for I/O), found inside the sysroot */
	fd = pt_open_at_root(ctx, O_PATH | O_NOFOLLOW, "/dev/kvm");
	if (fd >= 0 && fstat(fd, &st) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	if (fd < 0) {
		f->kvm_node = PT_NODE_ABSENT;
		snprintf(f->kvm_node_what, sizeof(f->kvm_node_what), "absent");
	} else if (S_ISCHR(st.st_mode) ||
		   (strcmp(root, "/") != 0 && S_ISREG(st.st_mode) && st.st_size == 0)) {
		/* a snapshot stores a device node as an empty file (its marker) */
		f->kvm_node = PT_NODE_CHAR;
		snprintf(f->kvm_node_what, sizeof(f->kvm_node_what), "a device node");
	} else {
		f->kvm_node = PT_NODE_OTHER;
		snprintf(f->kvm_node_what, sizeof(f->kvm_node_what), "%s, not a device node",
			 S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISREG(st.st_mode) ? "a regular file"
				 : "not a character device");
	}
}

static void read_cpu_virt(struct pt_ctx *ctx, struct pt_hostfacts *f)
{
	char *buf = NULL;
	size_t len;
	const char *v;

	if (pt_read_file(ctx, &buf, &len, 16 << 20, "/proc/cpuinfo") < 0)
		return;
	v = pt_parse_cpu_virt(buf, len);
	free(buf);
	if (!v)
		return;
	f->cpu_virt_known = true;
	pt_strlcpy(f->cpu_virt, v, sizeof(f->cpu_virt));
}

/* modules.dep / modules.builtin of the running kernel, read once for every module. */
struct modlists {
	char *dep, *builtin;
	size_t dep_len, builtin_len;
};

static int module_state(struct pt_ctx *ctx, const struct modlists *m, const char *mod)
{
	if (pt_exists(ctx, "/sys/module/%s", mod) > 0)
		return pt_exists(ctx, "/sys/module/%s/initstate", mod) > 0 ? PT_MOD_LOADED
									: PT_MOD_BUILTIN;
	if (m->builtin && pt_modules_list_has(m->builtin, m->builtin_len, mod))
		return PT_MOD_BUILTIN;
	if (m->dep && pt_modules_list_has(m->dep, m->dep_len, mod))
		return PT_MOD_LOADABLE;
	/* neither list read: whether it could be loaded is unknown */
	return m->dep ? PT_MOD_ABSENT : PT_MOD_UNKNOWN;
}

static void read_vfio(struct pt_ctx *ctx, struct pt_hostfacts *f)
{
	struct modlists m = { 0 };

	if (pt_exists(ctx, "/sys/module") <= 0)
		return; /* a tree without /sys/module: unknown */
	if (pt_read_attr(ctx, f->kernel_release, sizeof(f->kernel_release),
			 "/proc/sys/kernel/osrelease") > 0) {
		pt_read_file(ctx, &m.dep, &m.dep_len, 64 << 20, "/lib/modules/%s/modules.dep",
			     f->kernel_release);
		pt_read_file(ctx, &m.builtin, &m.builtin_len, 16 << 20,
			     "/lib/modules/%s/modules.builtin", f->kernel_release);
	}
	f->vfio_pci = module_state(ctx, &m, "vfio_pci");
	f->vfio_type1 = module_state(ctx, &m, "vfio_iommu_type1");
	f->iommufd = module_state(ctx, &m, "iommufd");
	free(m.dep);
	free(m.builtin);
	if (pt_read_attr(ctx, f->unsafe_interrupts, sizeof(f->unsafe_interrupts),
			 "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts") < 0)
		f->unsafe_interrupts[0] = '\0';
}

/* The boot: section's plan, made as passthru boot makes it (without running
 * lsinitramfs), and the log's bind order of each function it names. */
static int read_boot(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_facts_opts *o,
		     struct pt_hostfacts *f, const char *log, size_t len)
{
	int r;

	if (!o || !o->boot || !o->boot->boot.present)
		return 0;
	f->boot_present = true;
	f->boot_facts = calloc(1, sizeof(*f->boot_facts));
	f->boot_plan = calloc(1, sizeof(*f->boot_plan));
	if (!f->boot_facts || !f->boot_plan)
		return pt_err(ctx, -ENOMEM, "out of memory");
	r = pt_boot_gather(ctx, h, o->boot, PT_BOOT_GATHER_NO_EXEC, f->boot_facts);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		snprintf(f->boot_error, sizeof(f->boot_error), "%s", pt_ctx_error(ctx));
		return 0;
	}
	if (pt_boot_plan_build(o->boot, f->boot_facts, f->boot_plan) < 0)
		return pt_err(ctx, -ENOMEM, "out of memory");
	if (!log || !f->boot_facts->n_devs)
		return 0;
	f->boot_binds = calloc(f->boot_facts->n_devs, sizeof(*f->boot_binds));
	if (!f->boot_binds)
		return pt_err(ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < f->boot_facts->n_devs; i++)
		pt_klog_binds(log, len, f->boot_facts->devs[i].bdf, &f->boot_binds[i]);
	return 0;
}

int pt_hostfacts_gather(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_facts_opts *o,
			struct pt_hostfacts *f)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(f, 0, sizeof(*f));
	f->klog.dma_remapping = PT_UNKNOWN;
	f->klog.interrupt_remapping = PT_UNKNOWN;
	r = pt_klog_read(ctx, o ? o->kernel_log : NULL, &buf, &len);
	if (o && o->kernel_log)
		pt_strlcpy(f->klog_source, o->kernel_log, sizeof(f->klog_source));
	else
		pt_path(ctx, f->klog_source, sizeof(f->klog_source), "/dev/kmsg");
	if (r < 0) {
		snprintf(f->klog_error, sizeof(f->klog_error), "%s", pt_ctx_error(ctx));
	} else {
		r = pt_klog_parse(buf, len, &f->klog);
		if (r < 0) {
			free(buf);
			return pt_err(ctx, r, "scanning the kernel log %s failed", f->klog_source);
		}
		f->have_klog = true;
	}
	r = read_boot(ctx, h, o, f, f->have_klog ? buf : NULL, len);
	free(buf);
	if (r < 0)
		return r;
	read_interrupts(ctx, f);
	read_group_type(ctx, h, f);
	read_governors(ctx, f);
	find_irqbalance(ctx, f);
	read_irq_spread(ctx, h, f);
	if (o && o->want_vf_state)
		read_vf_state(ctx, h, f);
	read_netdev_info(ctx, h, o ? o->profile : NULL, f);
	if (o && o->holder_of && pt_driver_is_vfio(o->holder_of->driver)) {
		struct pt_holder ho;

		pt_vm_holder(ctx, o->holder_of, &ho);
		f->holder_known = true;
		f->holder_pid = ho.pid;
		pt_strlcpy(f->holder_comm, ho.comm, sizeof(f->holder_comm));
		pt_strlcpy(f->holder_vm, ho.vm, sizeof(f->holder_vm));
	}
	read_kvm(ctx, f);
	read_cpu_virt(ctx, f);
	read_vfio(ctx, f);
	return 0;
}

void pt_hostfacts_free(struct pt_hostfacts *f)
{
	pt_klog_free(&f->klog);
	if (f->boot_facts)
		pt_boot_facts_free(f->boot_facts);
	free(f->boot_facts);
	if (f->boot_plan)
		pt_boot_plan_free(f->boot_plan);
	free(f->boot_plan);
	free(f->boot_binds);
	for (size_t i = 0; i < f->n_pfs; i++)
		free(f->pfs[i].vfs);
	free(f->pfs);
	free(f->netdevs);
	free(f->irqs);
	free(f->prot);
	memset(f, 0, sizeof(*f));
}

int pt_device_irq_spread(struct pt_ctx *ctx, const struct pt_device *d, int *distinct, int *one_cpu)
{
	uint64_t seen[64] = { 0 };
	int n = 0;

	*distinct = 0;
	*one_cpu = -1;
	for (int i = 0; i < d->msi_irq_count; i++) {
		char list[256];
		uint64_t m[64];

		if (pt_read_attr(ctx, list, sizeof(list), "/proc/irq/%d/effective_affinity_list",
				 d->msi_irqs[i]) <= 0 &&
		    pt_read_attr(ctx, list, sizeof(list), "/proc/irq/%d/smp_affinity_list",
				 d->msi_irqs[i]) <= 0)
			continue;
		if (pt_parse_cpulist(list, m, 4096) <= 0)
			continue;
		n++;
		for (size_t k = 0; k < 64; k++)
			seen[k] |= m[k];
	}
	for (size_t k = 0; k < 64; k++)
		for (int b = 0; b < 64; b++)
			if (seen[k] & (1ULL << b)) {
				(*distinct)++;
				*one_cpu = (int)(k * 64 + (size_t)b);
			}
	return n;
}
