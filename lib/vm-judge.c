// SPDX-License-Identifier: MIT
/*
 * The VM view, judged: findings with decisions over what lib/vm.c gathered (and the
 * pre-launch check over a planned VM), the same shape as doctor's. Pure: no I/O, no
 * allocation beyond the report. Ids and their meaning: docs/json.md ("passthru vm").
 */
#include "internal.h"
#include "passthru/parse.h"
#include "passthru/vm.h"

#include <errno.h>
#include <stdio.h>

#define NBITS 4096
#define WORDS (NBITS / 64)

struct cpuset {
	uint64_t m[WORDS];
};

static bool cs_parse(const char *list, struct cpuset *s)
{
	memset(s, 0, sizeof(*s));
	return list && list[0] && pt_parse_cpulist(list, s->m, NBITS) > 0;
}

static int cs_count(const struct cpuset *s)
{
	int n = 0;

	for (int i = 0; i < WORDS; i++)
		n += __builtin_popcountll(s->m[i]);
	return n;
}

static bool cs_subset(const struct cpuset *a, const struct cpuset *b)
{
	for (int i = 0; i < WORDS; i++)
		if (a->m[i] & ~b->m[i])
			return false;
	return true;
}

static bool cs_meets(const struct cpuset *a, const struct cpuset *b)
{
	for (int i = 0; i < WORDS; i++)
		if (a->m[i] & b->m[i])
			return true;
	return false;
}

static void cs_or(struct cpuset *a, const struct cpuset *b)
{
	for (int i = 0; i < WORDS; i++)
		a->m[i] |= b->m[i];
}

/* The NUMA nodes whose CPUs s touches, as "0,1" into buf. */
static char *nodes_of(const struct pt_host *h, const struct cpuset *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < h->n_nodes; i++) {
		struct cpuset n;

		if (cs_parse(h->nodes[i].cpulist, &n) && cs_meets(&n, s)) {
			int w = snprintf(buf + used, len - used, "%s%d", used ? "," : "", h->nodes[i].id);

			if (w < 0 || (size_t)w >= len - used)
				break;
			used += (size_t)w;
		}
	}
	return buf;
}

static const char *mib(long long bytes, char *buf, size_t len)
{
	if (bytes < 0)
		snprintf(buf, len, "unknown");
	else if (bytes >= (1LL << 30) && bytes % (1LL << 30) == 0)
		snprintf(buf, len, "%lld GiB", bytes >> 30);
	else if (bytes >= (1LL << 20) && (bytes % (1LL << 20) == 0 || bytes >= (1LL << 30)))
		snprintf(buf, len, "%lld MiB", bytes >> 20);
	else
		snprintf(buf, len, "%lld KiB", bytes >> 10);
	return buf;
}

static bool is_assigned(const struct pt_vm_device *d)
{
	return d->kind == PT_VMDEV_VF || d->kind == PT_VMDEV_PASSTHROUGH;
}

/* Appends "fmt" to buf at *used, bounded. */
static void cat(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cat(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (w > 0)
		*used = (size_t)w < len - *used ? *used + (size_t)w : len;
}

static void devices(struct pt_report *r, const struct pt_vm *vm)
{
	char ev[480];
	size_t u = 0;

	for (size_t i = 0; i < vm->n_devs; i++) {
		const struct pt_vm_device *d = &vm->devs[i];

		cat(ev, sizeof(ev), &u, "%s%s %s", i ? "; " : "", d->id[0] ? d->id : d->driver,
		    pt_vmdev_kind_str(d->kind));
		if (is_assigned(d))
			cat(ev, sizeof(ev), &u, " %s%s%s", d->bdf, d->pf[0] ? " of PF " : "", d->pf);
		else if (d->backend[0])
			cat(ev, sizeof(ev), &u, " (%s%s%s%s%s)", d->backend, d->tap[0] ? " " : "", d->tap,
			    d->bridge[0] ? " on " : "", d->bridge);
	}
	if (!vm->n_devs)
		cat(ev, sizeof(ev), &u, "no PCI or network device on its command line");
	pt_report_add(r, "vm.devices", "What the VM uses", PT_PASS, "", NULL, "%s", ev);
}

static void vcpus(struct pt_report *r, const struct pt_host *h, const struct pt_vm *vm)
{
	struct cpuset online, s;
	char ev[480], nodes[64];
	size_t u = 0;
	int floating = 0;
	bool have_online = cs_parse(vm->online_cpus, &online);

	if (!vm->n_vcpus) {
		pt_report_add(r, "vm.vcpu.pinning", "vCPUs pinned", PT_SKIP, "",
		     "Start QEMU with -name ...,debug-threads=on (libvirt does) so its vCPU threads "
		     "can be told apart.", "no vCPU thread found among %zu threads", vm->n_threads);
		return;
	}
	for (size_t i = 0; i < vm->n_threads; i++) {
		const struct pt_vm_thread *t = &vm->threads[i];

		if (t->vcpu < 0)
			continue;
		if (!cs_parse(t->cpus, &s) || (have_online && cs_count(&online) > 1 && cs_subset(&online, &s)))
			floating++;
		cat(ev, sizeof(ev), &u, "%svCPU %d: CPUs %s", u ? ", " : "", t->vcpu,
		    t->cpus[0] ? t->cpus : "unknown");
		if (cs_parse(t->cpus, &s))
			cat(ev, sizeof(ev), &u, " (node %s)", nodes_of(h, &s, nodes, sizeof(nodes)));
	}
	if (floating)
		pt_report_add(r, "vm.vcpu.pinning", "vCPUs pinned", PT_WARN, "",
		     "Pin each vCPU to a CPU of the devices' node (virsh vcpupin / <cputune><vcpupin>, "
		     "or taskset per thread): floating vCPUs lose cache and cross sockets.",
		     "%d of %zu vCPUs may run on every online CPU (%s): %s", floating, vm->n_vcpus,
		     vm->online_cpus, ev);
	else
		pt_report_add(r, "vm.vcpu.pinning", "vCPUs pinned", PT_PASS, "", NULL, "%s", ev);
}

/* CPUs the VM's vCPUs may run on (all threads when vCPUs cannot be told). */
static bool vcpu_set(const struct pt_vm *vm, struct cpuset *out)
{
	struct cpuset s;
	bool any = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < vm->n_threads; i++)
		if ((vm->threads[i].vcpu >= 0 || !vm->n_vcpus) && cs_parse(vm->threads[i].cpus, &s)) {
			cs_or(out, &s);
			any = true;
		}
	if (!any && vm->have_status && cs_parse(vm->status.cpus_allowed, &s)) {
		*out = s;
		any = true;
	}
	return any;
}

static void numa(struct pt_report *r, const struct pt_host *h, const struct pt_vm *vm)
{
	struct cpuset v, local;
	bool have_v = vcpu_set(vm, &v);
	enum pt_backing b = vm->mem.hugepage_kb ? PT_BACK_HUGETLB : PT_BACK_ANON;

	for (size_t i = 0; i < vm->n_devs; i++) {
		const struct pt_vm_device *d = &vm->devs[i];
		char nodes[64], ev[480];
		long long here = 0, away = 0;
		size_t u = 0;

		if (!is_assigned(d))
			continue;
		if (d->numa_node < 0) {
			pt_report_add(r, "vm.numa", "vCPUs and memory on the device's node", PT_SKIP, d->bdf,
			     "The firmware does not tell the device's node (numa_node -1): nothing to align to.",
			     "%s: numa_node unknown", d->bdf);
			continue;
		}
		if (!have_v || !cs_parse(d->local_cpus, &local)) {
			pt_report_add(r, "vm.numa.cpus", "vCPUs on the device's node", PT_SKIP, d->bdf,
			     "Make /proc/PID/task readable (run as root).", "vCPU or device CPU lists unknown");
		} else if (cs_subset(&v, &local)) {
			pt_report_add(r, "vm.numa.cpus", "vCPUs on the device's node", PT_PASS, d->bdf, NULL,
			     "%s on node %d (CPUs %s); the vCPUs stay on node %s", d->bdf, d->numa_node,
			     d->local_cpus, nodes_of(h, &v, nodes, sizeof(nodes)));
		} else {
			pt_report_add(r, "vm.numa.cpus", "vCPUs on the device's node", PT_WARN, d->bdf,
			     "Pin the vCPUs to the device's node (CPUs listed) or assign a device of the "
			     "vCPUs' node: every DMA and interrupt otherwise crosses the inter-socket link.",
			     "%s on node %d (CPUs %s), but the vCPUs may run on node%s %s",
			     d->bdf, d->numa_node, d->local_cpus,
			     strchr(nodes_of(h, &v, nodes, sizeof(nodes)), ',') ? "s" : "", nodes);
		}
		if (!vm->have_mem)
			continue;
		for (int n = 0; n < PT_VM_MAX_NODES; n++) {
			long long kb = vm->mem.kb[b][n];

			if (!kb)
				continue;
			if (n == d->numa_node)
				here += kb;
			else
				away += kb;
			cat(ev, sizeof(ev), &u, "%snode %d: %lld KiB", u ? ", " : "", n, kb);
		}
		if (!u)
			cat(ev, sizeof(ev), &u, "no %s page resident yet", pt_backing_str(b));
		if (away > here)
			pt_report_add(r, "vm.numa.memory", "Guest memory on the device's node", PT_WARN, d->bdf,
			     "Bind the guest memory to the device's node (memory-backend host-nodes=N,policy=bind, "
			     "<numatune><memory mode='strict' nodeset='N'/>, or hugepages from that node).",
			     "%s on node %d; %s memory resident %s", d->bdf, d->numa_node, pt_backing_str(b), ev);
		else
			pt_report_add(r, "vm.numa.memory", "Guest memory on the device's node",
			     here || away ? PT_PASS : PT_SKIP, d->bdf,
			     "Nothing resident to judge: the guest has not touched its memory (prealloc it).",
			     "%s on node %d; %s memory resident %s", d->bdf, d->numa_node, pt_backing_str(b), ev);
	}
}

static void irqs(struct pt_report *r, const struct pt_vm *vm)
{
	for (size_t i = 0; i < vm->n_devs; i++) {
		const struct pt_vm_device *d = &vm->devs[i];
		struct cpuset all, s, local;
		char ev[480];
		size_t u = 0;
		bool outside = false, have_local = cs_parse(d->local_cpus, &local);

		if (!is_assigned(d))
			continue;
		if (!d->n_irqs) {
			pt_report_add(r, "vm.irq", "Interrupts of the assigned device", PT_SKIP, d->bdf,
			     "None yet: the guest has not enabled MSI/MSI-X (not booted, paused, or its "
			     "driver not loaded); look again once it runs.",
			     "no vfio-msi/vfio-msix/vfio-intx line for %s in /proc/interrupts", d->bdf);
			continue;
		}
		memset(&all, 0, sizeof(all));
		for (size_t k = 0; k < d->n_irqs; k++) {
			const struct pt_vm_irq *q = &d->irqs[k];

			cat(ev, sizeof(ev), &u, "%sIRQ %d %s -> CPU %s (%lld)", k ? ", " : "", q->irq, q->name,
			    q->cpus[0] ? q->cpus : "?", q->count);
			if (cs_parse(q->cpus, &s)) {
				cs_or(&all, &s);
				if (have_local && !cs_subset(&s, &local))
					outside = true;
			}
		}
		if (outside)
			pt_report_add(r, "vm.irq", "Interrupts of the assigned device", PT_WARN, d->bdf,
			     "Steer the device's vectors to CPUs of its node (/proc/irq/N/smp_affinity_list, "
			     "or irqbalance with the node hint) — ideally next to the vCPUs that handle them.",
			     "vectors land outside node %d (CPUs %s): %s", d->numa_node, d->local_cpus, ev);
		else if (d->n_irqs > 1 && cs_count(&all) == 1)
			pt_report_add(r, "vm.irq", "Interrupts of the assigned device", PT_WARN, d->bdf,
			     "All vectors interrupt one CPU: spread them over the CPUs of the device's node.",
			     "%zu vectors all on one CPU: %s", d->n_irqs, ev);
		else
			pt_report_add(r, "vm.irq", "Interrupts of the assigned device", PT_PASS, d->bdf, NULL,
			     "%s", ev);
	}
}

static void memory(struct pt_report *r, const struct pt_vm *vm, size_t n_assigned)
{
	char a[32], b[32], c[32];
	long long huge = 0, locked;

	for (int n = 0; n < PT_VM_MAX_NODES; n++)
		huge += vm->mem.kb[PT_BACK_HUGETLB][n];
	if (vm->have_mem && vm->mem.hugepage_kb)
		pt_report_add(r, "vm.memory.hugepages", "Guest memory on hugepages", PT_PASS, "", NULL,
		     "%s on %ld KiB hugepages (%s%s), policy %s", mib(huge << 10, a, sizeof(a)),
		     vm->mem.hugepage_kb, vm->mem.huge_file[0] ? "file=" : "anonymous",
		     vm->mem.huge_file, vm->mem.huge_policy[0] ? vm->mem.huge_policy : "unknown");
	else if (vm->have_mem)
		pt_report_add(r, "vm.memory.hugepages", "Guest memory on hugepages",
		     n_assigned ? PT_WARN : PT_PASS, "",
		     "Back the guest RAM with hugepages (memory-backend-file mem-path=/dev/hugepages "
		     "prealloc=on, or <memoryBacking><hugepages/>): IOTLB misses cost DMA throughput "
		     "with assigned devices.",
		     "no hugetlb mapping: guest RAM %s on %s pages (largest mapping %s)",
		     mib(vm->guest_ram, a, sizeof(a)), "4 KiB", pt_backing_str(vm->mem.big_backing));
	if (!vm->have_status)
		return;
	locked = (vm->status.vm_lck_kb > 0 ? vm->status.vm_lck_kb : 0) +
		 (vm->status.vm_pin_kb > 0 ? vm->status.vm_pin_kb : 0);
	if (n_assigned && vm->guest_ram > 0)
		pt_report_add(r, "vm.memory.locked", "Guest memory locked for DMA",
		     locked * 1024 >= vm->guest_ram * 9 / 10 ? PT_PASS : PT_WARN, "",
		     "With assigned devices VFIO pins all guest RAM; less locked than the RAM means a "
		     "mapping failed or the device is not attached yet (see QEMU's log).",
		     "VmLck %lld KiB, VmPin %lld KiB for guest RAM %s", vm->status.vm_lck_kb,
		     vm->status.vm_pin_kb, mib(vm->guest_ram, a, sizeof(a)));
	else
		pt_report_add(r, "vm.memory.locked", "Guest memory locked", PT_PASS, "", NULL,
		     "VmLck %lld KiB%s", vm->status.vm_lck_kb,
		     vm->cmd.mem_lock ? " (QEMU asked for mem-lock)" : "");
	if (!n_assigned)
		return;
	if (vm->pinned_need < 0)
		pt_report_add(r, "vm.memlock", "Memlock limit covers what VFIO pins", PT_SKIP, "",
		     "Give the guest RAM size on the command line (-m).", "guest RAM unknown");
	else if (vm->cap_ipc_lock)
		pt_report_add(r, "vm.memlock", "Memlock limit covers what VFIO pins", PT_PASS, "", NULL,
		     "the process has CAP_IPC_LOCK: RLIMIT_MEMLOCK (%s) does not bind; VFIO pins %s "
		     "(guest RAM + BARs)", vm->memlock_limit == -1 ? "unlimited" : mib(vm->memlock_limit, b, sizeof(b)),
		     mib(vm->pinned_need, c, sizeof(c)));
	else if (vm->memlock_limit == -2)
		pt_report_add(r, "vm.memlock", "Memlock limit covers what VFIO pins", PT_SKIP, "",
		     "Make /proc/PID/limits readable.", "memlock limit unknown");
	else if (vm->memlock_limit != -1 && vm->memlock_limit < vm->pinned_need)
		pt_report_add(r, "vm.memlock", "Memlock limit covers what VFIO pins", PT_FAIL, "",
		     "Raise the limit to guest RAM + BARs at least (libvirt does it for <hostdev>; "
		     "by hand: prlimit --memlock, LimitMEMLOCK= in the unit): VFIO cannot pin more, "
		     "so hotplug or a larger guest fails.",
		     "RLIMIT_MEMLOCK %s < %s to pin (guest RAM %s + BARs)", mib(vm->memlock_limit, a, sizeof(a)),
		     mib(vm->pinned_need, b, sizeof(b)), mib(vm->guest_ram, c, sizeof(c)));
	else
		pt_report_add(r, "vm.memlock", "Memlock limit covers what VFIO pins", PT_PASS, "", NULL,
		     "RLIMIT_MEMLOCK %s >= %s to pin (guest RAM + BARs)",
		     vm->memlock_limit == -1 ? "unlimited" : mib(vm->memlock_limit, a, sizeof(a)),
		     mib(vm->pinned_need, b, sizeof(b)));
}

static void failover(struct pt_report *r, const struct pt_vm *vm)
{
	const struct pt_vm_device *vf = NULL, *virtio = NULL;

	for (size_t i = 0; i < vm->n_devs; i++) {
		const struct pt_vm_device *d = &vm->devs[i];

		if (d->kind == PT_VMDEV_VF && d->pf_netdev[0] && !vf)
			vf = d;
		else if ((d->kind == PT_VMDEV_VIRTIO || d->kind == PT_VMDEV_VHOST) && d->netdev[0] && !virtio)
			virtio = d;
	}
	if (!vf || !virtio)
		return;
	if (vf->failover && virtio->failover)
		pt_report_add(r, "vm.net.failover", "Guest network on the VF", PT_PASS, vf->bdf, NULL,
		     "%s (VF) and %s (virtio) are a failover pair: the guest sends over the VF while it "
		     "is present", vf->id, virtio->id);
	else
		pt_report_add(r, "vm.net.failover", "Guest network on the VF", PT_WARN, vf->bdf,
		     "The guest has both: check in the guest which interface carries the traffic (ip "
		     "route), or make them a failover pair (virtio-net failover=on + vfio-pci "
		     "failover_pair_id; passthru assign --failover).",
		     "VF %s (%s) assigned while %s (%s, %s) is also a NIC of the guest", vf->bdf, vf->id,
		     virtio->id[0] ? virtio->id : virtio->driver, pt_vmdev_kind_str(virtio->kind),
		     virtio->backend);
}

static void leases(struct pt_report *r, const struct pt_vm *vm)
{
	for (size_t i = 0; i < vm->n_devs; i++) {
		const struct pt_vm_device *d = &vm->devs[i];

		if (!is_assigned(d))
			continue;
		if (!d->vfio_node[0])
			pt_report_add(r, "vm.device.held", "The VM holds its device", PT_WARN, d->bdf,
			     "QEMU names the device but holds no /dev/vfio file of it: it failed to open it "
			     "(see QEMU's log) or released it.",
			     "no /dev/vfio/%d or vfio cdev of %s among /proc/%ld/fd", d->iommu_group, d->bdf,
			     vm->pid);
		if (!vm->leases_known)
			continue;
		if (!d->lease_vm[0])
			pt_report_add(r, "vm.lease", "Device leased to this VM", PT_WARN, d->bdf,
			     "passthru does not know this device is in use: lease it (passthru assign) or "
			     "another VM may be given it.",
			     "%s is held by process %ld (%s) without a passthru lease", d->bdf, vm->pid,
			     vm->name[0] ? vm->name : vm->comm);
		else if (vm->name[0] && strcmp(d->lease_vm, vm->name) != 0)
			pt_report_add(r, "vm.lease", "Device leased to this VM", PT_WARN, d->bdf,
			     "The lease names another VM: release it there and lease it to this one, or "
			     "fix the VM's configuration.",
			     "%s is leased to %s but held by %s (process %ld)", d->bdf, d->lease_vm, vm->name,
			     vm->pid);
		else
			pt_report_add(r, "vm.lease", "Device leased to this VM", PT_PASS, d->bdf, NULL,
			     "leased to %s", d->lease_vm);
	}
	for (size_t k = 0; k < vm->n_lease_bdfs; k++) {
		bool held = false;

		for (size_t i = 0; i < vm->n_devs; i++)
			held |= !strcmp(vm->devs[i].bdf, vm->lease_bdfs[k]) && vm->devs[i].vfio_node[0];
		if (!held)
			pt_report_add(r, "vm.lease", "Device leased to this VM", PT_WARN, vm->lease_bdfs[k],
			     "A lease the VM does not use: release it (passthru release VM --device BDF) or "
			     "add the device to the VM.",
			     "%s is leased to %s, but process %ld does not hold it", vm->lease_bdfs[k],
			     vm->name, vm->pid);
	}
}

int pt_vm_judge(const struct pt_host *h, const struct pt_vm *vm, struct pt_report *out)
{
	size_t n_assigned = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < vm->n_devs; i++)
		n_assigned += is_assigned(&vm->devs[i]);
	devices(out, vm);
	vcpus(out, h, vm);
	numa(out, h, vm);
	irqs(out, vm);
	memory(out, vm, n_assigned);
	failover(out, vm);
	leases(out, vm);
	return 0;
}

/* ---- before the VM starts ------------------------------------------------------------------ */

/* The devices: present, and on the VM's node; returns the node the VM goes to. */
static int check_devices(const struct pt_host *h, const struct pt_vm_plan *p, struct pt_report *r)
{
	int want_node = p->node;

	for (size_t i = 0; i < p->n_devs; i++) {
		char bdf[PT_BDF_STRLEN];
		const struct pt_device *d = pt_host_find(h, &p->devs[i]);

		pt_bdf_format(&p->devs[i], bdf);
		if (!d) {
			pt_report_add(r, "vm.check.device", "Device present", PT_FAIL, bdf,
			     "Name a function of this host (passthru list).", "%s is not on this host", bdf);
			continue;
		}
		if (want_node < 0)
			want_node = d->numa_node;
		if (d->numa_node >= 0 && d->numa_node != want_node)
			pt_report_add(r, "vm.check.device", "Device on the VM's node", PT_WARN, bdf,
			     "Place the VM on the device's node, or pick a device of the VM's node.",
			     "%s is on node %d, the VM on node %d", bdf, d->numa_node, want_node);
		else
			pt_report_add(r, "vm.check.device", "Device on the VM's node", PT_PASS, bdf, NULL,
			     "%s on node %d, driver %s", bdf, d->numa_node, d->driver[0] ? d->driver : "none");
	}
	return want_node;
}

static void check_hugepages(const struct pt_host *h, const struct pt_numa_node *node,
			    const struct pt_vm_plan *p, struct pt_report *r)
{
	long pages = (long)((p->memory_bytes + p->hugepage_kb * 1024LL - 1) / (p->hugepage_kb * 1024LL));
	const struct pt_hugepages *set = node ? node->hugepages : h->hugepages, *hp = NULL;
	size_t n = node ? node->n_hugepages : h->n_hugepages;
	char where[32] = "the host", a[32];

	if (node)
		snprintf(where, sizeof(where), "node %d", node->id);
	for (size_t i = 0; i < n; i++)
		if (set[i].size_kb == p->hugepage_kb)
			hp = &set[i];
	if (!hp || hp->free < 0)
		pt_report_add(r, "vm.check.hugepages", "Free hugepages for the guest RAM", PT_FAIL, "",
		     "Reserve them: echo N > /sys/devices/system/node/nodeX/hugepages/"
		     "hugepages-SIZEkB/nr_hugepages (or hugepages= on the kernel command line for 1G).",
		     "no %ld KiB hugepages on %s", p->hugepage_kb, where);
	else
		pt_report_add(r, "vm.check.hugepages", "Free hugepages for the guest RAM",
		     hp->free < pages ? PT_FAIL : PT_PASS, "",
		     "Reserve more on that node, free them from other VMs, or shrink the VM.",
		     "%s needs %ld x %ld KiB pages; %s has %ld free of %ld",
		     mib(p->memory_bytes, a, sizeof(a)), pages, p->hugepage_kb, where, hp->free, hp->total);
}

static void check_memlock(const struct pt_vm_plan *p, struct pt_report *r)
{
	long long bars = p->bar_bytes > 0 ? p->bar_bytes : 0, need = p->memory_bytes + bars;
	const char *src = p->memlock_source;
	char a[32], b[32], c[32], d[32];

	if (p->cap_ipc_lock || p->memlock_limit == -1)
		pt_report_add(r, "vm.check.memlock", "Memlock budget for VFIO", PT_PASS, "", NULL,
		     "%s: VFIO may pin %s (guest RAM + BARs)", p->cap_ipc_lock ?
		     "CAP_IPC_LOCK (RLIMIT_MEMLOCK does not bind)" : "RLIMIT_MEMLOCK unlimited",
		     mib(need, a, sizeof(a)));
	else if (p->memlock_limit < 0)
		pt_report_add(r, "vm.check.memlock", "Memlock budget for VFIO", PT_SKIP, "",
		     "Give the limit the VM will run with (--memlock SIZE).", "memlock limit unknown");
	else if (p->memlock_limit < need)
		pt_report_add(r, "vm.check.memlock", "Memlock budget for VFIO", PT_FAIL, "",
		     "Raise RLIMIT_MEMLOCK of the VM's process to guest RAM + BARs (prlimit --memlock, "
		     "LimitMEMLOCK=, <memtune><hard_limit>): VFIO cannot map the guest otherwise.",
		     "RLIMIT_MEMLOCK %s%s < %s to pin (guest RAM %s + BARs %s)",
		     mib(p->memlock_limit, a, sizeof(a)), src, mib(need, b, sizeof(b)),
		     mib(p->memory_bytes, c, sizeof(c)), mib(bars, d, sizeof(d)));
	else
		pt_report_add(r, "vm.check.memlock", "Memlock budget for VFIO", PT_PASS, "", NULL,
		     "RLIMIT_MEMLOCK %s%s >= %s to pin (guest RAM + BARs)", mib(p->memlock_limit, a, sizeof(a)),
		     src, mib(need, b, sizeof(b)));
}

static void check_cpus(const struct pt_host *h, const struct pt_numa_node *node, const char *cpus,
		       struct pt_report *r)
{
	struct cpuset want, all, nd;
	char nodes[64];

	memset(&all, 0, sizeof(all));
	for (size_t i = 0; i < h->n_nodes; i++)
		if (cs_parse(h->nodes[i].cpulist, &nd))
			cs_or(&all, &nd);
	if (!cs_parse(cpus, &want))
		pt_report_add(r, "vm.check.cpus", "CPU list", PT_FAIL, "", "Give a CPU list (e.g. 2-5,8).",
		     "'%s' is not a CPU list", cpus);
	else if (cs_count(&all) && !cs_subset(&want, &all))
		pt_report_add(r, "vm.check.cpus", "CPU list", PT_FAIL, "",
		     "Pick CPUs this host has online.", "CPUs %s are not all online", cpus);
	else if (node && cs_parse(node->cpulist, &nd) && !cs_subset(&want, &nd))
		pt_report_add(r, "vm.check.cpus", "CPU list on the VM's node", PT_WARN, "",
		     "Pick CPUs of the devices' node.", "CPUs %s are on node %s, not only node %d (CPUs %s)",
		     cpus, nodes_of(h, &want, nodes, sizeof(nodes)), node->id, node->cpulist);
	else
		pt_report_add(r, "vm.check.cpus", "CPU list on the VM's node", PT_PASS, "", NULL,
		     "CPUs %s on node %s", cpus, nodes_of(h, &want, nodes, sizeof(nodes)));
}

int pt_vm_check(const struct pt_host *h, const struct pt_vm_plan *p, struct pt_report *r)
{
	const struct pt_numa_node *node = NULL;
	int want_node;

	memset(r, 0, sizeof(*r));
	want_node = check_devices(h, p, r);
	if (want_node >= 0 && !(node = pt_host_node(h, want_node)))
		pt_report_add(r, "vm.check.node", "NUMA node exists", PT_FAIL, "",
		     "Pick a node this host has (passthru check lists them).", "no node %d", want_node);
	if (p->hugepage_kb > 0)
		check_hugepages(h, node, p, r);
	if (p->n_devs)
		check_memlock(p, r);
	if (p->cpus[0])
		check_cpus(h, node, p->cpus, r);
	if (!r->n)
		pt_report_add(r, "vm.check", "Pre-launch check", PT_PASS, "", NULL,
		     "nothing to check: give --hugepages, --devices or --cpus");
	return 0;
}
