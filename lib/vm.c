// SPDX-License-Identifier: MIT
/*
 * The VM view, gathered: one QEMU process as the kernel shows it — its command line,
 * the vfio/vhost/tun files it holds open, its threads and the CPUs each may run on,
 * its memory per NUMA node and backing, what it has locked and may lock — joined with
 * the host's view of each device it was given (node, IOMMU group, PF, interrupts and
 * where they land) and passthru's leases. Everything through the sysroot seam; never
 * writes; what could not be read becomes a warning and stays unknown. The judgement
 * is lib/vm-judge.c's.
 */
#include "internal.h"
#include "sysfs-paths.h"
#include "passthru/parse.h"
#include "passthru/state.h"
#include "passthru/vm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>


#define LIBVIRT_RUN "/run/libvirt/qemu"

static void warn(struct pt_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct pt_vm *vm, const char *fmt, ...)
{
	char buf[512], *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((s = strdup(buf)) && PT_PUSH(vm->warnings, vm->n_warnings, s))
		free(s);
}

/* ---- finding the process ------------------------------------------------------------ */

static int read_cmdline(struct pt_ctx *ctx, long pid, struct pt_qemu_cmdline *q)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = pt_read_file(ctx, &buf, &len, 1 << 20, "/proc/%ld/cmdline", pid);
	if (r < 0)
		return r;
	r = pt_qemu_cmdline_parse(buf, len, q);
	free(buf);
	return r;
}

/* The domain name's libvirt XML parsed, with its QEMU pid: the live XML's domstatus
 * pid, else (virsh dumpxml gives a <domain> without it) libvirt's NAME.pid file. When
 * the XML was there but could not be parsed, why (when not NULL) says why. */
static struct pt_libvirt_domain *libvirt_dom(struct pt_ctx *ctx, const char *vm, char *via,
					     size_t vialen, char *why, size_t whylen)
{
	struct pt_libvirt_domain *dom;
	char *buf = NULL, pidbuf[32];
	size_t len = 0;
	long p;

	if (why && whylen)
		why[0] = '\0';
	if (pt_libvirt_domain_xml(ctx, vm, &buf, &len, via, vialen) < 0)
		return NULL;
	dom = malloc(sizeof(*dom));
	if (dom && pt_libvirt_parse(ctx, buf, len, dom) < 0) {
		if (why && whylen)
			pt_strlcpy(why, pt_ctx_error(ctx), whylen);
		free(dom);
		dom = NULL;
	}
	free(buf);
	if (dom && dom->pid <= 0 &&
	    pt_read_attr(ctx, pidbuf, sizeof(pidbuf), LIBVIRT_RUN "/%s.pid", vm) > 0 &&
	    pt_parse_long(pidbuf, &p) == 0 && p > 0)
		dom->pid = p;
	return dom;
}

static long libvirt_pid(struct pt_ctx *ctx, const char *vm, char *why, size_t whylen)
{
	struct pt_libvirt_domain *dom = libvirt_dom(ctx, vm, NULL, 0, why, whylen);
	long pid = dom ? dom->pid : -1;

	free(dom);
	return pid;
}

long pt_vm_find(struct pt_ctx *ctx, const char *vm, char *name, size_t namelen)
{
	char *end, why[512];
	struct pt_qemu_cmdline *q;
	struct dirent *e;
	long pid, found = 0;
	DIR *dp;

	if (name && namelen)
		name[0] = '\0';
	pid = strtol(vm, &end, 10);
	if (*vm && !*end) {
		if (pid <= 0 || !pt_exists(ctx, "/proc/%ld/cmdline", pid))
			return pt_err(ctx, -ESRCH, "no process %s (under %s/proc)", vm, pt_ctx_sysroot(ctx));
		return pid;
	}
	pid = libvirt_pid(ctx, vm, why, sizeof(why));
	if (pid > 0 && pt_exists(ctx, "/proc/%ld/cmdline", pid)) {
		if (name)
			pt_strlcpy(name, vm, namelen);
		return pid;
	}
	/* a VM started by hand: a QEMU whose -name is vm */
	if (!(dp = pt_opendir(ctx, "/proc")))
		return pt_err(ctx, -ESRCH, "%s: no libvirt domain of that name is running and /proc "
			      "is unreadable", vm);
	q = malloc(sizeof(*q));
	while (q && !found && (e = readdir(dp))) {
		long p = strtol(e->d_name, &end, 10);

		if (*end || p <= 0)
			continue;
		if (read_cmdline(ctx, p, q) == 0 && strcmp(q->name, vm) == 0)
			found = p;
	}
	free(q);
	closedir(dp);
	if (!found && why[0]) /* the domain's XML is there: say why it was of no use */
		return pt_err(ctx, -EINVAL, "%s: libvirt's XML of the domain cannot be read: %s (and "
			      "no QEMU process has -name %s)", vm, why, vm);
	if (!found)
		return pt_err(ctx, -ESRCH, "%s: no running VM of that name (no %s/%s.xml, no QEMU "
			      "process with -name %s); give its PID", vm, LIBVIRT_RUN, vm, vm);
	if (name)
		pt_strlcpy(name, vm, namelen);
	return found;
}

int pt_vm_holder(struct pt_ctx *ctx, const struct pt_device *d, struct pt_holder *out)
{
	struct pt_qemu_cmdline *q;

	memset(out, 0, sizeof(*out));
	out->pid = pt_vfio_holder(ctx, d, out->comm, sizeof(out->comm));
	if (out->pid <= 0)
		return 0;
	q = malloc(sizeof(*q));
	if (q && read_cmdline(ctx, out->pid, q) == 0)
		pt_strlcpy(out->vm, q->name, sizeof(out->vm));
	free(q);
	return 1;
}

/* ---- the process ----------------------------------------------------------------------- */

static void read_fds(struct pt_ctx *ctx, struct pt_vm *vm)
{
	struct dirent *e;
	DIR *dp;

	if (!(dp = pt_opendir(ctx, "/proc/%ld/fd", vm->pid))) {
		warn(vm, "/proc/%ld/fd unreadable (%s): which devices the VM holds is unknown",
		     vm->pid, strerror(errno));
		return;
	}
	while ((e = readdir(dp))) {
		char target[256], *s;
		bool dup = false;

		if (e->d_name[0] == '.' || pt_readlink_at(dirfd(dp), target, sizeof(target), e->d_name) <= 0)
			continue;
		if (!strcmp(target, "/dev/vhost-net"))
			vm->vhost_net_open = true;
		else if (!strcmp(target, "/dev/net/tun"))
			vm->tun_open = true;
		if (strncmp(target, "/dev/vfio/", 10) != 0 || !strcmp(target, "/dev/vfio/vfio"))
			continue;
		for (size_t i = 0; i < vm->n_open_vfio; i++)
			dup |= !strcmp(vm->open_vfio[i], target);
		if (!dup && (s = strdup(target)) && PT_PUSH(vm->open_vfio, vm->n_open_vfio, s))
			free(s);
	}
	closedir(dp);
	/* readdir order is the kernel's: sort for stable output */
	for (size_t i = 1; i < vm->n_open_vfio; i++)
		for (size_t k = i; k > 0 && strcmp(vm->open_vfio[k - 1], vm->open_vfio[k]) > 0; k--) {
			char *t = vm->open_vfio[k];

			vm->open_vfio[k] = vm->open_vfio[k - 1];
			vm->open_vfio[k - 1] = t;
		}
}

static int vcpu_of(const char *comm)
{
	/* "CPU 3/KVM", "CPU 3/TCG", "CPU 3/HVF" */
	char *end;
	long n;

	if (strncmp(comm, "CPU ", 4) != 0 || !isdigit((unsigned char)comm[4]))
		return -1;
	n = strtol(comm + 4, &end, 10);
	return *end == '/' && n < 100000 ? (int)n : -1;
}

static void read_threads(struct pt_ctx *ctx, struct pt_vm *vm)
{
	struct dirent *e;
	DIR *dp;

	if (!(dp = pt_opendir(ctx, "/proc/%ld/task", vm->pid))) {
		warn(vm, "/proc/%ld/task unreadable: threads unknown", vm->pid);
		return;
	}
	while ((e = readdir(dp))) {
		struct pt_vm_thread t = { .vcpu = -1 };
		struct pt_proc_status st;
		char *buf = NULL, *end;
		size_t len;

		t.tid = (int)strtol(e->d_name, &end, 10);
		if (*end || t.tid <= 0)
			continue;
		pt_read_attr(ctx, t.comm, sizeof(t.comm), "/proc/%ld/task/%d/comm", vm->pid, t.tid);
		t.vcpu = vcpu_of(t.comm);
		if (pt_read_file(ctx, &buf, &len, 1 << 16, "/proc/%ld/task/%d/status", vm->pid, t.tid) == 0) {
			pt_proc_status_parse(buf, len, &st);
			pt_strlcpy(t.cpus, st.cpus_allowed, sizeof(t.cpus));
			free(buf);
		}
		if (PT_PUSH(vm->threads, vm->n_threads, t))
			break;
		if (t.vcpu >= 0)
			vm->n_vcpus++;
	}
	closedir(dp);
	/* vCPUs first by index, then the others by tid */
	for (size_t i = 1; i < vm->n_threads; i++)
		for (size_t k = i; k > 0; k--) {
			struct pt_vm_thread *a = &vm->threads[k - 1], *b = &vm->threads[k], t;
			long ka = a->vcpu >= 0 ? a->vcpu : 1000000L + a->tid;
			long kb = b->vcpu >= 0 ? b->vcpu : 1000000L + b->tid;

			if (ka <= kb)
				break;
			t = *a;
			*a = *b;
			*b = t;
		}
	if (vm->n_threads > 1 && vm->n_vcpus == 0)
		warn(vm, "no thread is named \"CPU n/...\": QEMU names its threads only with -name "
		     "debug-threads=on (libvirt sets it); vCPU placement unknown");
}

static void read_memory(struct pt_ctx *ctx, struct pt_vm *vm)
{
	char *buf = NULL;
	size_t len = 0;

	if (pt_read_file(ctx, &buf, &len, 16 << 20, "/proc/%ld/status", vm->pid) == 0) {
		pt_proc_status_parse(buf, len, &vm->status);
		vm->have_status = true;
		vm->cap_ipc_lock = vm->status.have_cap_eff && (vm->status.cap_eff & (1ULL << 14));
		free(buf);
	} else {
		warn(vm, "/proc/%ld/status unreadable: locked memory unknown", vm->pid);
	}
	vm->memlock_limit = -2;
	if (pt_read_file(ctx, &buf, &len, 1 << 16, "/proc/%ld/limits", vm->pid) == 0) {
		vm->memlock_limit = pt_proc_limits_memlock(buf, len);
		free(buf);
	}
	if (pt_read_file(ctx, &buf, &len, 32 << 20, "/proc/%ld/numa_maps", vm->pid) == 0) {
		pt_numa_maps_parse(buf, len, &vm->mem);
		vm->have_mem = true;
		free(buf);
	} else {
		warn(vm, "/proc/%ld/numa_maps unreadable (%s): memory placement unknown", vm->pid,
		     pt_ctx_error(ctx));
	}
}

/* ---- the devices ---------------------------------------------------------------------- */

static long long bar_bytes(struct pt_ctx *ctx, const char *bdf)
{
	char *buf = NULL, *p;
	size_t len;
	long long sum = 0;
	int line = 0;

	if (pt_read_file(ctx, &buf, &len, 1 << 14, PT_SYSFS_PCI_DEVICES "/%s/resource", bdf) < 0)
		return -1;
	/* "start end flags" per resource; lines 0-5 are the BARs; flags 0x200 = memory */
	for (p = buf; p && *p && line < 6; line++) {
		unsigned long long s, e, f;

		if (sscanf(p, "%llx %llx %llx", &s, &e, &f) == 3 && e > s && (f & 0x200))
			sum += (long long)(e - s + 1);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	free(buf);
	return sum;
}

static void assigned(struct pt_ctx *ctx, const struct pt_host *h, struct pt_vm *vm,
		     struct pt_vm_device *vd, const char *bdfs)
{
	const struct pt_device *d;
	char group[64], cdev[96];
	struct pt_bdf b;

	vd->kind = PT_VMDEV_PASSTHROUGH;
	vd->numa_node = vd->iommu_group = vd->vf_index = -1;
	vd->bar_bytes = -1;
	if (pt_bdf_parse(bdfs, &b) < 0) {
		pt_strlcpy(vd->bdf, bdfs, sizeof(vd->bdf));
		warn(vm, "vfio-pci host=%s is not a PCI address", bdfs);
		return;
	}
	pt_bdf_format(&b, vd->bdf);
	d = pt_host_find(h, &b);
	if (!d) {
		warn(vm, "%s (assigned to the VM) is not on this host's PCI bus", vd->bdf);
		return;
	}
	if (d->kind == PT_KIND_VF) {
		const struct pt_device *pf = pt_host_find(h, &d->physfn);

		vd->kind = PT_VMDEV_VF;
		pt_bdf_format(&d->physfn, vd->pf);
		vd->vf_index = d->vf_index;
		if (pf && pf->n_netdevs)
			pt_strlcpy(vd->pf_netdev, pf->netdevs[0], sizeof(vd->pf_netdev));
	}
	vd->numa_node = d->numa_node;
	pt_strlcpy(vd->local_cpus, d->local_cpulist, sizeof(vd->local_cpus));
	vd->iommu_group = d->iommu_group;
	pt_strlcpy(vd->host_driver, d->driver, sizeof(vd->host_driver));
	vd->bar_bytes = bar_bytes(ctx, d->name);
	pt_vfio_dev_nodes(ctx, d, group, sizeof(group), cdev, sizeof(cdev));
	for (size_t i = 0; i < vm->n_open_vfio; i++)
		if ((group[0] && !strcmp(vm->open_vfio[i], group)) ||
		    (cdev[0] && !strcmp(vm->open_vfio[i], cdev)))
			pt_strlcpy(vd->vfio_node, vm->open_vfio[i], sizeof(vd->vfio_node));
}

static const struct pt_qemu_netdev *netdev_of(const struct pt_qemu_cmdline *q, const char *id)
{
	for (size_t i = 0; id[0] && i < q->n_netdevs; i++)
		if (!strcmp(q->netdevs[i].id, id))
			return &q->netdevs[i];
	return NULL;
}

static bool listed(const struct pt_qemu_dev *d)
{
	return !strcmp(d->driver, "vfio-pci") || d->netdev[0] || !strncmp(d->driver, "virtio-", 7) ||
	       !strncmp(d->driver, "vhost-", 6);
}

static void from_cmdline(struct pt_ctx *ctx, const struct pt_host *h, struct pt_vm *vm,
			 const struct pt_libvirt_domain *dom)
{
	for (size_t i = 0; i < vm->cmd.n_devs; i++) {
		const struct pt_qemu_dev *qd = &vm->cmd.devs[i];
		struct pt_vm_device vd = { .numa_node = -1, .iommu_group = -1, .vf_index = -1,
					   .bar_bytes = -1 };
		const struct pt_qemu_netdev *nd;

		if (!listed(qd))
			continue;
		pt_strlcpy(vd.driver, qd->driver, sizeof(vd.driver));
		pt_strlcpy(vd.id, qd->id, sizeof(vd.id));
		vd.failover = qd->failover || qd->failover_pair[0];
		if (!strcmp(qd->driver, "vfio-pci")) {
			const char *s = qd->host[0] ? qd->host : strrchr(qd->sysfsdev, '/');

			assigned(ctx, h, vm, &vd, s ? (s == qd->host ? s : s + 1) : "");
		} else if (!strncmp(qd->driver, "vhost-", 6)) {
			vd.kind = PT_VMDEV_VHOST;
		} else {
			vd.kind = !strncmp(qd->driver, "virtio-", 7) ? PT_VMDEV_VIRTIO : PT_VMDEV_EMULATED;
		}
		if ((nd = netdev_of(&vm->cmd, qd->netdev))) {
			pt_strlcpy(vd.netdev, nd->id, sizeof(vd.netdev));
			pt_strlcpy(vd.backend, nd->type, sizeof(vd.backend));
			pt_strlcpy(vd.tap, nd->ifname, sizeof(vd.tap));
			pt_strlcpy(vd.bridge, nd->br, sizeof(vd.bridge));
			if (nd->vhost && vd.kind == PT_VMDEV_VIRTIO)
				vd.kind = PT_VMDEV_VHOST;
		}
		/* libvirt passes fds: its XML names the tap and the bridge (alias = device id) */
		for (size_t k = 0; dom && k < dom->n_devs; k++)
			if (qd->id[0] && !strcmp(dom->devs[k].alias, qd->id) &&
			    !strcmp(dom->devs[k].what, "interface")) {
				if (!vd.tap[0])
					pt_strlcpy(vd.tap, dom->devs[k].target, sizeof(vd.tap));
				if (!vd.bridge[0])
					pt_strlcpy(vd.bridge, dom->devs[k].bridge, sizeof(vd.bridge));
			}
		if (vd.tap[0] && !vd.bridge[0]) {
			char link[256];

			if (pt_readlink(ctx, link, sizeof(link), "/sys/class/net/%s/master", vd.tap) > 0) {
				const char *b = strrchr(link, '/');

				pt_strlcpy(vd.bridge, b ? b + 1 : link, sizeof(vd.bridge));
			}
		}
		if (PT_PUSH(vm->devs, vm->n_devs, vd))
			return;
	}
}

/* vfio files open in the process that no -device names (hotplugged through QMP): the
 * vfio-bound functions behind them. */
static void hotplugged(struct pt_ctx *ctx, const struct pt_host *h, struct pt_vm *vm)
{
	for (size_t i = 0; i < vm->n_open_vfio; i++) {
		bool known = false;

		for (size_t k = 0; k < vm->n_devs; k++)
			known |= !strcmp(vm->devs[k].vfio_node, vm->open_vfio[i]);
		if (known)
			continue;
		for (size_t k = 0; k < h->n_devs; k++) {
			const struct pt_device *d = &h->devs[k];
			struct pt_vm_device vd = { 0 };
			char group[64], cdev[96];

			if (!pt_driver_is_vfio(d->driver) || d->iommu_group < 0)
				continue;
			pt_vfio_dev_nodes(ctx, d, group, sizeof(group), cdev, sizeof(cdev));
			if (strcmp(group, vm->open_vfio[i]) != 0 && strcmp(cdev, vm->open_vfio[i]) != 0)
				continue;
			pt_strlcpy(vd.driver, "vfio-pci", sizeof(vd.driver));
			pt_strlcpy(vd.id, "(not on the command line)", sizeof(vd.id));
			assigned(ctx, h, vm, &vd, d->name);
			if (PT_PUSH(vm->devs, vm->n_devs, vd))
				return;
		}
	}
}

static void read_irqs(struct pt_ctx *ctx, struct pt_vm *vm)
{
	struct pt_vfio_irq *irqs = NULL;
	char *buf = NULL;
	size_t len, n;
	bool any = false;

	for (size_t i = 0; i < vm->n_devs; i++)
		any |= vm->devs[i].kind == PT_VMDEV_VF || vm->devs[i].kind == PT_VMDEV_PASSTHROUGH;
	if (!any)
		return;
	if (pt_read_file(ctx, &buf, &len, 4 << 20, "/proc/interrupts") < 0) {
		warn(vm, "/proc/interrupts unreadable: the assigned devices' interrupts unknown");
		return;
	}
	n = pt_vfio_irqs_parse(buf, len, NULL, 0);
	if (n && (irqs = calloc(n, sizeof(*irqs))))
		pt_vfio_irqs_parse(buf, len, irqs, n);
	free(buf);
	for (size_t i = 0; irqs && i < n; i++)
		for (size_t k = 0; k < vm->n_devs; k++) {
			struct pt_vm_device *vd = &vm->devs[k];
			struct pt_vm_irq q = { .irq = irqs[i].irq, .count = irqs[i].count };

			if (strcmp(vd->bdf, irqs[i].bdf) != 0)
				continue;
			if (irqs[i].vector >= 0)
				snprintf(q.name, sizeof(q.name), "vfio-%s[%d]", irqs[i].kind, irqs[i].vector);
			else
				snprintf(q.name, sizeof(q.name), "vfio-%s", irqs[i].kind);
			if (pt_read_attr(ctx, q.cpus, sizeof(q.cpus), "/proc/irq/%d/effective_affinity_list",
					 q.irq) <= 0)
				pt_read_attr(ctx, q.cpus, sizeof(q.cpus), "/proc/irq/%d/smp_affinity_list", q.irq);
			PT_PUSH(vd->irqs, vd->n_irqs, q);
		}
	free(irqs);
}

static void read_leases(const struct pt_lease *l, size_t n, bool have, struct pt_vm *vm)
{
	if (!have)
		return;
	vm->leases_known = true;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < vm->n_devs; k++) {
			if (!strcmp(vm->devs[k].bdf, l[i].bdf))
				pt_strlcpy(vm->devs[k].lease_vm, l[i].vm, sizeof(vm->devs[k].lease_vm));
		}
		if (vm->name[0] && !strcmp(l[i].vm, vm->name)) {
			char *s = strdup(l[i].bdf);

			if (s && PT_PUSH(vm->lease_bdfs, vm->n_lease_bdfs, s))
				free(s);
		}
	}
	for (size_t k = 0; k < vm->n_devs; k++)
		vm->devs[k].lease_known = true;
}

int pt_vm_gather(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_lease *leases,
		 size_t n_leases, bool have_leases, long pid, const char *name, struct pt_vm *vm)
{
	struct pt_libvirt_domain *dom = NULL;
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	vm->guest_ram = vm->pinned_need = -1;
	vm->memlock_limit = -2;
	r = read_cmdline(ctx, pid, &vm->cmd);
	if (r == -EINVAL)
		return pt_err(ctx, r, "process %ld is not a QEMU process (its /proc/%ld/cmdline does "
			      "not start with qemu-system-*)", pid, pid);
	if (r < 0)
		return pt_err(ctx, r == -ENOENT ? -ESRCH : r, "process %ld: /proc/%ld/cmdline "
			      "unreadable: %s", pid, pid, strerror(-r));
	vm->have_cmd = true;
	pt_read_attr(ctx, vm->comm, sizeof(vm->comm), "/proc/%ld/comm", pid);
	pt_strlcpy(vm->source, "cmdline", sizeof(vm->source));
	pt_strlcpy(vm->name, vm->cmd.name, sizeof(vm->name));
	if (name && name[0]) {
		char via[sizeof(vm->libvirt_via)];

		/* the domain is this process: its pid, or (no pid known) its -name guest= */
		dom = libvirt_dom(ctx, name, via, sizeof(via), NULL, 0);
		if (dom && (dom->pid == pid || (dom->pid <= 0 && !strcmp(vm->cmd.name, name)))) {
			pt_strlcpy(vm->source, "libvirt", sizeof(vm->source));
			pt_strlcpy(vm->libvirt_via, via, sizeof(vm->libvirt_via));
			pt_strlcpy(vm->name, dom->name, sizeof(vm->name));
		} else {
			free(dom);
			dom = NULL;
		}
	}
	if (pt_read_attr(ctx, vm->online_cpus, sizeof(vm->online_cpus), "/sys/devices/system/cpu/online") < 0)
		vm->online_cpus[0] = '\0';
	read_fds(ctx, vm);
	read_threads(ctx, vm);
	read_memory(ctx, vm);
	from_cmdline(ctx, h, vm, dom);
	hotplugged(ctx, h, vm);
	read_irqs(ctx, vm);
	read_leases(leases, n_leases, have_leases, vm);
	vm->guest_ram = pt_qemu_guest_ram(&vm->cmd);
	if (vm->guest_ram > 0) {
		vm->pinned_need = vm->guest_ram;
		for (size_t i = 0; i < vm->n_devs; i++)
			if (vm->devs[i].bar_bytes > 0)
				vm->pinned_need += vm->devs[i].bar_bytes;
	}
	free(dom);
	return 0;
}

void pt_vm_free(struct pt_vm *vm)
{
	for (size_t i = 0; i < vm->n_devs; i++)
		free(vm->devs[i].irqs);
	free(vm->devs);
	pt_strv_free(vm->open_vfio, vm->n_open_vfio);
	free(vm->threads);
	pt_strv_free(vm->lease_bdfs, vm->n_lease_bdfs);
	pt_strv_free(vm->warnings, vm->n_warnings);
	memset(vm, 0, sizeof(*vm));
}

int pt_vm_plan_gather(struct pt_ctx *ctx, struct pt_vm_plan *p)
{
	char *buf = NULL;
	size_t len;

	p->bar_bytes = 0;
	for (size_t i = 0; i < p->n_devs; i++) {
		char bdf[PT_BDF_STRLEN];
		long long b = bar_bytes(ctx, pt_bdf_format(&p->devs[i], bdf));

		if (b > 0)
			p->bar_bytes += b;
	}
	if (p->memlock_limit != -2)
		return 0;
	if (pt_read_file(ctx, &buf, &len, 1 << 16, "/proc/self/limits") == 0) {
		p->memlock_limit = pt_proc_limits_memlock(buf, len);
		pt_strlcpy(p->memlock_source, " (of this shell)", sizeof(p->memlock_source));
		free(buf);
	}
	if (pt_read_file(ctx, &buf, &len, 1 << 16, "/proc/self/status") == 0) {
		struct pt_proc_status st;

		pt_proc_status_parse(buf, len, &st);
		p->cap_ipc_lock = st.have_cap_eff && (st.cap_eff & (1ULL << 14));
		free(buf);
	}
	return 0;
}

int pt_vm_hugepage_path(struct pt_ctx *ctx, const struct pt_host *h, long page_kb, char *path,
			size_t pathlen, char *why, size_t whylen)
{
	long default_kb = 2048;
	char val[32], size[16];
	char *mounts = NULL;
	size_t len = 0;
	int found = 0;

	if (h->cmdline && pt_cmdline_get(h->cmdline, "default_hugepagesz", val, sizeof(val)) > 0) {
		long long b = pt_parse_size(val, false);

		if (b > 0)
			default_kb = (long)(b >> 10);
	}
	if (page_kb % (1024 * 1024) == 0)
		snprintf(size, sizeof(size), "%ldG", page_kb / (1024 * 1024));
	else
		snprintf(size, sizeof(size), "%ldM", page_kb / 1024);
	if (pt_read_file(ctx, &mounts, &len, 4u << 20, "/proc/mounts") == 0)
		found = pt_hugetlbfs_find(mounts, len, page_kb, default_kb, path, pathlen);
	free(mounts);
	if (found) {
		snprintf(why, whylen, "hugetlbfs of %s pages mounted on %s (/proc/mounts)", size, path);
		return 1;
	}
	if (page_kb == default_kb)
		snprintf(path, pathlen, "/dev/hugepages");
	else
		snprintf(path, pathlen, "/dev/hugepages%s", size);
	snprintf(why, whylen, "no hugetlbfs of %s pages is mounted (/proc/mounts): mount one "
		 "before starting the VM: mkdir -p %s && mount -t hugetlbfs -o pagesize=%s none %s",
		 size, path, size, path);
	return 0;
}
