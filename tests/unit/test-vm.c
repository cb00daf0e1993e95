// SPDX-License-Identifier: MIT
/* The VM view: its pure parsers (QEMU command lines, numa_maps, status, limits, vfio
 * interrupts, libvirt XML), and gather + judge over a QEMU process captured in the lab
 * (tests/data/vm-lab: `passthru snapshot --pid` of two paused VMs, see t70-vm.sh). */
#include "passthru/check.h"
#include "passthru/passthru.h"
#include "passthru/vm.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define Q(s) s, sizeof(s) - 1

static void test_qopts(void)
{
	struct pt_qopts o;

	ok(pt_qopts_parse("vfio-pci,host=0000:21:10.0,id=hostdev0", "driver", &o) == 0 && o.n == 3,
	   "key=value options parse");
	is_str(pt_qopts_get(&o, "driver"), "vfio-pci", "the first bare word is the implied key");
	is_str(pt_qopts_get(&o, "host"), "0000:21:10.0", "host=");
	ok(pt_qopts_parse("file,path=/a,,b,readonly", "type", &o) == 0, "escaped comma parses");
	is_str(pt_qopts_get(&o, "path"), "/a,b", "',,' is a comma in a value");
	is_str(pt_qopts_get(&o, "readonly"), "on", "a bare flag is on");
	ok(pt_qopts_parse("{\"driver\":\"vfio-pci\",\"host\":\"0000:41:00.2\",\"id\":\"hostdev1\","
			  "\"bus\":\"pci.4\",\"addr\":\"0x0\",\"x\":{\"a\":[1,2]},\"rombar\":0}", "driver", &o) == 0,
	   "libvirt's JSON -device parses");
	is_str(pt_qopts_get(&o, "host"), "0000:41:00.2", "JSON host");
	is_str(pt_qopts_get(&o, "rombar"), "0", "JSON number kept as text");
	ok(!pt_qopts_get(&o, "x"), "nested JSON skipped");
	ok(pt_qopts_parse("{\"driver\":", "driver", &o) == -EINVAL, "truncated JSON rejected");
	is_int(pt_parse_size("64", true), 64LL << 20, "-m 64 is MiB");
	is_int(pt_parse_size("2G", true), 2LL << 30, "2G");
	is_int(pt_parse_size("16M", false), 16LL << 20, "16M");
	is_int(pt_parse_size("1GiB", false), 1LL << 30, "1GiB");
	is_int(pt_parse_size("x", false), -1, "not a size");
	is_int(pt_parse_size("99999999999999999999G", false), -1, "overflow rejected");
}

static void test_cmdline(void)
{
	static const char hand[] =
		"/usr/bin/qemu-system-x86_64\0-S\0-name\0guest=vmA,debug-threads=on\0-m\0" "16\0"
		"-object\0memory-backend-file,id=m0,size=16M,mem-path=/dev/hugepages,prealloc=on,"
		"share=on,host-nodes=0,policy=bind\0-machine\0pc,memory-backend=m0\0"
		"-netdev\0tap,id=n0,ifname=tap0,vhost=on\0-device\0virtio-net-pci,netdev=n0,id=net0,"
		"failover=on\0-device\0vfio-pci,host=21:10.1,id=hostdev0,failover_pair_id=net0\0"
		"-overcommit\0mem-lock=on\0-smp\0" "4\0";
	static const char libvirt[] =
		"/usr/bin/qemu-system-x86_64\0-name\0guest=vm1,debug-threads=on\0-object\0"
		"{\"qom-type\":\"memory-backend-memfd\",\"id\":\"pc.ram\",\"hugetlb\":true,"
		"\"hugetlbsize\":1073741824,\"share\":true,\"prealloc\":true,\"size\":8589934592,"
		"\"host-nodes\":[1],\"policy\":\"bind\"}\0-netdev\0{\"type\":\"tap\",\"fd\":\"35\","
		"\"vhost\":true,\"vhostfd\":\"37\",\"id\":\"hostnet0\"}\0-device\0{\"driver\":"
		"\"virtio-net-pci\",\"netdev\":\"hostnet0\",\"id\":\"net0\",\"mac\":\"52:54:00:aa:bb:cc\"}\0"
		"-device\0{\"driver\":\"vfio-pci\",\"host\":\"0000:41:00.2\",\"id\":\"hostdev1\"}\0";
	struct pt_qemu_cmdline *q = calloc(1, sizeof(*q));

	ok(pt_qemu_cmdline_parse(Q(hand), q) == 0, "a hand-made QEMU command line parses");
	is_str(q->name, "vmA", "-name guest=");
	is_int(q->mem_bytes, 16LL << 20, "-m 16");
	is_int(q->smp, 4, "-smp 4");
	ok(q->mem_lock, "-overcommit mem-lock=on");
	is_int((long long)q->n_devs, 2, "two -device");
	is_str(q->devs[1].host, "21:10.1", "vfio-pci host=");
	ok(q->devs[0].failover && !strcmp(q->devs[1].failover_pair, "net0"), "failover pair");
	ok(q->n_netdevs == 1 && q->netdevs[0].vhost && !strcmp(q->netdevs[0].ifname, "tap0"),
	   "tap netdev with vhost=on and its ifname");
	ok(q->n_memdevs == 1 && q->memdevs[0].size == 16LL << 20 && q->memdevs[0].prealloc &&
		   !strcmp(q->memdevs[0].mem_path, "/dev/hugepages") &&
		   !strcmp(q->memdevs[0].host_nodes, "0"), "memory-backend-file");
	is_str(q->machine_memdev, "m0", "-machine memory-backend=");
	ok(pt_qemu_cmdline_parse(Q(libvirt), q) == 0, "libvirt's JSON command line parses");
	ok(q->n_memdevs == 1 && q->memdevs[0].hugetlb && q->memdevs[0].hugetlbsize == 1LL << 30,
	   "memfd backend with 1 GiB hugetlb");
	is_int(pt_qemu_guest_ram(q), 8LL << 30, "guest RAM from the backends when no -m");
	ok(q->netdevs[0].fd && q->netdevs[0].vhost, "libvirt's tap: fd passed, vhost");
	is_str(q->devs[1].host, "0000:41:00.2", "JSON vfio-pci host");
	ok(pt_qemu_cmdline_parse(Q("/bin/bash\0-c\0true\0"), q) == -EINVAL, "bash is not QEMU");
	ok(pt_qemu_cmdline_parse("", 0, q) == -EINVAL, "empty cmdline (a kernel thread) rejected");
	free(q);
}

static void test_proc(void)
{
	static const char nm[] =
		"55834edfa000 default file=/usr/bin/qemu-system-x86_64 mapped=6 N1=6 kernelpagesize_kB=4\n"
		"55836b78c000 default heap anon=1133 dirty=1133 active=0 N1=1133 kernelpagesize_kB=4\n"
		"7f64a6200000 default anon=512 dirty=512 active=0 N0=312 N1=200 kernelpagesize_kB=4\n"
		"7f64a6e00000 bind:0 file=/dev/hugepages/qemu_back_mem.m0.mfdGcU\\040(deleted) huge "
		"dirty=8 N0=8 kernelpagesize_kB=2048\n"
		"7f64a6e00000 default\n"
		"garbage N=3 Nx=4 N99999999999=5\n";
	static const char st[] =
		"Name:\tqemu-system-x86\nUmask:\t0022\nVmLck:\t   16128 kB\nVmPin:\t       0 kB\n"
		"VmRSS:\t   19056 kB\nThreads:\t3\nCapEff:\t000001ffffffffff\nCpus_allowed_list:\t0-1\n"
		"Mems_allowed_list:\t0-1\n";
	static const char lim[] =
		"Limit                     Soft Limit           Hard Limit           Units     \n"
		"Max locked memory         8388608              8388608              bytes     \n";
	static const char irq[] =
		"           CPU0       CPU1       \n"
		"  45:         10          2  IR-PCI-MSIX-0000:21:10.1    0-edge      vfio-msix[0](0000:21:10.1)\n"
		"  46:          0          7  IR-PCI-MSIX-0000:21:10.1    1-edge      vfio-msix[1](0000:21:10.1)\n"
		"  47:          0          0  IR-IO-APIC   16-fasteoi   vfio-intx(0000:41:00.0)\n"
		"  48:          1          0  IR-PCI-MSI-0000:00:02.0 0-edge  eth0\n"
		" NMI:          0          0   Non-maskable interrupts\n";
	struct pt_numa_maps m;
	struct pt_proc_status s;
	struct pt_vfio_irq v[4];

	ok(pt_numa_maps_parse(Q(nm), &m) == 0, "numa_maps parses");
	is_int(m.kb[PT_BACK_HUGETLB][0], 16384, "hugetlbfs: 8 x 2048 kB on node 0");
	is_int(m.kb[PT_BACK_ANON][0], 312 * 4, "anonymous on node 0");
	is_int(m.kb[PT_BACK_ANON][1], (1133 + 200) * 4, "anonymous on node 1");
	is_int(m.kb[PT_BACK_FILE][1], 6 * 4, "file-backed on node 1");
	is_int(m.hugepage_kb, 2048, "hugepage size");
	is_str(m.huge_policy, "bind:0", "hugepage mapping's policy");
	ok(!strncmp(m.huge_file, "/dev/hugepages/qemu_back_mem.m0", 31), "hugepage mapping's file");
	ok(pt_proc_status_parse(Q(st), &s) == 0, "status parses");
	is_int(s.vm_lck_kb, 16128, "VmLck");
	is_int(s.vm_pin_kb, 0, "VmPin");
	is_str(s.cpus_allowed, "0-1", "Cpus_allowed_list");
	ok(s.have_cap_eff && (s.cap_eff & (1ULL << 14)), "CapEff has CAP_IPC_LOCK");
	is_int(s.threads, 3, "Threads");
	is_int(pt_proc_limits_memlock(Q(lim)), 8388608, "memlock limit");
	is_int(pt_proc_limits_memlock(Q("Max locked memory         unlimited            unlimited            bytes\n")),
	       -1, "unlimited memlock");
	is_int(pt_proc_limits_memlock(Q("Max open files 1024 1024 files\n")), -2, "absent memlock");
	is_int((long long)pt_vfio_irqs_parse(Q(irq), NULL, 0), 3, "three vfio lines");
	pt_vfio_irqs_parse(Q(irq), v, 4);
	ok(v[0].irq == 45 && !strcmp(v[0].kind, "msix") && v[0].vector == 0 &&
		   !strcmp(v[0].bdf, "0000:21:10.1") && v[0].count == 12, "vfio-msix[0]: irq, vector, BDF, count");
	ok(v[2].irq == 47 && !strcmp(v[2].kind, "intx") && v[2].vector == -1, "vfio-intx");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 20);

	*len = 0;
	if (f && buf)
		*len = fread(buf, 1, (1 << 20) - 1, f);
	if (f)
		fclose(f);
	return buf;
}

static void test_libvirt(const char *top)
{
	struct pt_libvirt_domain *d = calloc(1, sizeof(*d));
	char path[4096], *buf;
	struct pt_ctx *ctx;
	size_t len;

	if (!ok(pt_ctx_new(&ctx, NULL) == 0, "a context (for the sentences)"))
		return;
	snprintf(path, sizeof(path), "%s/tests/data/libvirt/live-vm1.xml", top);
	buf = slurp(path, &len);
	ok(pt_libvirt_parse(ctx, buf, len, d) == 0, "live status XML parses");
	is_str(d->name, "vm1", "name");
	is_int(d->pid, 4242, "domstatus pid");
	is_int(d->memory_kib, 8388608, "memory KiB");
	is_int(d->hugepage_kib, 1048576, "1 GiB hugepages");
	is_str(d->hugepage_nodeset, "0", "hugepage nodeset");
	ok(d->locked, "<locked/>");
	is_int(d->vcpus, 4, "vcpus");
	is_str(d->vcpupin, "2,3,4,5", "vcpupin cpusets");
	is_str(d->emulatorpin, "1", "emulatorpin");
	is_str(d->numa_nodeset, "1", "numatune nodeset");
	is_int(d->memlock_hard_kib, 10LL << 20, "memtune hard_limit 10G");
	is_int((long long)d->n_devs, 3, "two PCI hostdevs and a bridge NIC (USB skipped)");
	ok(!strcmp(d->devs[0].model, "virtio") && !strcmp(d->devs[0].target, "vnet3") &&
		   !strcmp(d->devs[0].bridge, "br0") && !strcmp(d->devs[0].driver, "vhost"),
	   "the virtio NIC: tap vnet3 on br0, vhost");
	is_str(d->devs[1].bdf, "0000:21:10.1", "interface type=hostdev: its VF");
	is_str(d->devs[2].bdf, "0000:41:00.2", "hostdev: its function");
	free(buf);
	snprintf(path, sizeof(path), "%s/tests/data/libvirt/broken.xml", top);
	buf = slurp(path, &len);
	ok(pt_libvirt_parse(ctx, buf, len, d) == -EINVAL, "broken XML rejected");
	ok(strncmp(pt_ctx_error(ctx), "line ", 5) == 0 && !strchr(pt_ctx_error(ctx), '\n'),
	   "with its line, in the context: %s", pt_ctx_error(ctx));
	free(buf);
	ok(pt_libvirt_parse(ctx, Q("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><domain><name>&e;</name></domain>"),
			    d) <= 0 && !strstr(d->name, "root"), "no external entities");
	ok(pt_libvirt_parse(ctx, Q("<network/>"), d) == -EINVAL &&
	   strstr(pt_ctx_error(ctx), "no <domain> element"), "not a domain: %s", pt_ctx_error(ctx));
	free(d);
	pt_ctx_free(ctx);
}

/* The result of finding fid (on device dev when not NULL); -1 when absent. */
static int res(const struct pt_report *r, const char *fid, const char *dev)
{
	int x = -1;

	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->results[i].id, fid) && (!dev || !strcmp(r->results[i].device, dev)))
			x = (int)r->results[i].result;
	return x;
}

static void test_judge(void)
{
	struct pt_numa_node nodes[2] = { { .id = 0, .cpulist = "0-3" }, { .id = 1, .cpulist = "4-7" } };
	struct pt_host h = { .nodes = nodes, .n_nodes = 2 };
	struct pt_vm_thread th[2] = { { .tid = 10, .comm = "CPU 0/KVM", .vcpu = 0, .cpus = "0-7" },
				      { .tid = 11, .comm = "CPU 1/KVM", .vcpu = 1, .cpus = "0-7" } };
	struct pt_vm_irq irqs[2] = { { .irq = 45, .name = "vfio-msix[0]", .cpus = "5" },
				     { .irq = 46, .name = "vfio-msix[1]", .cpus = "5" } };
	struct pt_vm_device devs[2] = {
		{ .kind = PT_VMDEV_VF, .driver = "vfio-pci", .id = "hostdev0", .bdf = "0000:21:10.1",
		  .pf = "0000:21:00.0", .pf_netdev = "enp33s0", .numa_node = 0, .local_cpus = "0-3",
		  .iommu_group = 12, .vfio_node = "", .bar_bytes = 32768, .irqs = irqs, .n_irqs = 2,
		  .lease_known = true },
		{ .kind = PT_VMDEV_VHOST, .driver = "virtio-net-pci", .id = "net0", .netdev = "n0",
		  .backend = "tap", .numa_node = -1, .iommu_group = -1 },
	};
	struct pt_vm vm = { .pid = 77, .name = "vmx", .devs = devs, .n_devs = 2, .threads = th,
			    .n_threads = 2, .n_vcpus = 2, .online_cpus = "0-7", .have_status = true,
			    .have_mem = true, .guest_ram = 1LL << 30, .pinned_need = (1LL << 30) + 32768,
			    .memlock_limit = 64LL << 20, .leases_known = true };
	char *lb = "0000:41:00.0";
	struct pt_report r;

	vm.status.vm_lck_kb = 0;
	vm.status.vm_pin_kb = 0;
	vm.mem.kb[PT_BACK_ANON][1] = 900000;
	vm.lease_bdfs = &lb;
	vm.n_lease_bdfs = 1;
	ok(pt_vm_judge(&h, &vm, &r) == 0, "judge runs");
	is_int(res(&r, "vm.vcpu.pinning", NULL), PT_WARN, "floating vCPUs warn");
	is_int(res(&r, "vm.numa.cpus", NULL), PT_WARN, "vCPUs on nodes 0,1 for a node-0 VF warn");
	is_int(res(&r, "vm.numa.memory", NULL), PT_WARN, "memory on node 1 for a node-0 VF warns");
	is_int(res(&r, "vm.irq", NULL), PT_WARN, "IRQs on CPU 5 (node 1) warn");
	is_int(res(&r, "vm.memory.hugepages", NULL), PT_WARN, "no hugepages with an assigned device warns");
	is_int(res(&r, "vm.memory.locked", NULL), PT_WARN, "nothing locked with an assigned device warns");
	is_int(res(&r, "vm.memlock", NULL), PT_FAIL, "64 MiB memlock for 1 GiB fails");
	is_int(res(&r, "vm.net.failover", NULL), PT_WARN, "a VF beside vhost-net warns");
	is_int(res(&r, "vm.device.held", NULL), PT_WARN, "a VF the process does not hold warns");
	is_int(res(&r, "vm.lease", "0000:21:10.1"), PT_WARN, "an unleased device warns");
	is_int(res(&r, "vm.lease", "0000:41:00.0"), PT_WARN, "a lease the VM does not hold warns");
	is_int(r.worst, PT_FAIL, "the worst is the memlock failure");
	pt_report_free(&r);

	/* aligned: pinned on node 0, hugepages on node 0, IRQs on 1 and 2, CAP_IPC_LOCK */
	strcpy(th[0].cpus, "1");
	strcpy(th[1].cpus, "2");
	strcpy(irqs[0].cpus, "1");
	strcpy(irqs[1].cpus, "2");
	strcpy(devs[0].vfio_node, "/dev/vfio/12");
	strcpy(devs[0].lease_vm, "vmx");
	vm.n_lease_bdfs = 0;
	vm.mem.kb[PT_BACK_ANON][1] = 0;
	vm.mem.kb[PT_BACK_HUGETLB][0] = 1 << 20;
	vm.mem.hugepage_kb = 2048;
	vm.status.vm_lck_kb = 1 << 20;
	vm.cap_ipc_lock = true;
	devs[0].failover = devs[1].failover = true;
	ok(pt_vm_judge(&h, &vm, &r) == 0, "judge runs (aligned)");
	is_int(r.worst, PT_PASS, "an aligned VM passes every finding");
	for (size_t i = 0; i < r.n; i++)
		if (r.results[i].result != PT_PASS)
			printf("# %s: %s\n", r.results[i].id, r.results[i].evidence);
	pt_report_free(&r);
}

static void test_check(void)
{
	struct pt_numa_node nodes[2] = {
		{ .id = 0, .cpulist = "0-3", .n_hugepages = 1, .hugepages = { { 2048, 512, 100 } } },
		{ .id = 1, .cpulist = "4-7", .n_hugepages = 1, .hugepages = { { 2048, 512, 512 } } },
	};
	struct pt_host h = { .nodes = nodes, .n_nodes = 2 };
	struct pt_vm_plan p = { .memory_bytes = 1LL << 30, .hugepage_kb = 2048, .node = 0,
				.cpus = "4-5", .memlock_limit = 8 << 20 };
	struct pt_bdf b = { 0, 0x21, 0x10, 1 };
	struct pt_report r;

	p.devs = &b;
	p.n_devs = 1;
	pt_vm_check(&h, &p, &r);
	is_int(res(&r, "vm.check.hugepages", NULL), PT_FAIL, "512 pages needed, 100 free on node 0: fail");
	ok(r.n && strstr(r.results[1].evidence, "512 x 2048 KiB") != NULL, "the numbers: %s",
	   r.n > 1 ? r.results[1].evidence : "");
	is_int(res(&r, "vm.check.memlock", NULL), PT_FAIL, "8 MiB memlock for 1 GiB: fail");
	is_int(res(&r, "vm.check.cpus", NULL), PT_WARN, "CPUs of node 1 for a node-0 VM: warn");
	is_int(res(&r, "vm.check.device", NULL), PT_FAIL, "a device the host does not have: fail");
	pt_report_free(&r);
	p.node = 1;
	p.n_devs = 0;
	pt_vm_check(&h, &p, &r);
	is_int(r.worst, PT_PASS, "on node 1 it fits");
	pt_report_free(&r);
}

/* A paused QEMU captured in the lab by t70-vm.sh (snapshot --pid), read back. */
static void test_fixture(const char *top)
{
	char root[4096];
	struct pt_ctx *ctx;
	struct pt_host *h = NULL;
	struct pt_vm vm;
	struct pt_report r;
	long pid;
	char name[64];

	snprintf(root, sizeof(root), "%s/tests/data/vm-lab/root", top);
	if (pt_ctx_new(&ctx, root) < 0 || pt_host_scan(ctx, &h) < 0) {
		ok(0, "the vm-lab fixture scans: %s", pt_ctx_error(ctx));
		pt_ctx_free(ctx);
		return;
	}
	pid = pt_vm_find(ctx, "vmA", name, sizeof(name));
	ok(pid > 0, "vmA found by its -name among the captured processes");
	ok(pt_vm_gather(ctx, h, NULL, 0, false, pid, name, &vm) == 0, "gather vmA: %s", pt_ctx_error(ctx));
	is_int((long long)vm.n_devs, 2, "two devices: the VF and the virtio NIC");
	ok(vm.n_devs == 2 && vm.devs[1].kind == PT_VMDEV_VF && vm.devs[1].vfio_node[0] &&
		   vm.devs[1].numa_node == 0, "the VF, held through vfio, on node 0");
	ok(vm.n_devs && vm.devs[0].kind == PT_VMDEV_VIRTIO, "net0 is virtio");
	is_int((long long)vm.n_vcpus, 1, "one vCPU thread");
	is_int(vm.mem.hugepage_kb, 2048, "2 MiB hugepages");
	ok(vm.mem.kb[PT_BACK_HUGETLB][0] == 8192, "8 MiB of hugepages on node 0");
	ok(vm.status.vm_lck_kb > 7000, "VmLck: the guest RAM pinned");
	pt_vm_judge(h, &vm, &r);
	is_int(res(&r, "vm.vcpu.pinning", NULL), PT_PASS, "vmA's vCPU is pinned");
	is_int(res(&r, "vm.numa.memory", NULL), PT_PASS, "vmA's memory on the VF's node");
	is_int(res(&r, "vm.net.failover", NULL), PT_WARN, "vmA has a VF and virtio");
	pt_report_free(&r);
	pt_vm_free(&vm);
	pid = pt_vm_find(ctx, "vmB", name, sizeof(name));
	ok(pid > 0 && pt_vm_gather(ctx, h, NULL, 0, false, pid, name, &vm) == 0, "gather vmB");
	pt_vm_judge(h, &vm, &r);
	is_int(res(&r, "vm.vcpu.pinning", NULL), PT_WARN, "vmB's vCPU floats");
	is_int(res(&r, "vm.memory.hugepages", NULL), PT_WARN, "vmB has no hugepages");
	pt_report_free(&r);
	pt_vm_free(&vm);
	ok(pt_vm_find(ctx, "nosuchvm", name, sizeof(name)) == -ESRCH, "an unknown VM: -ESRCH");
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* The same capture with vmA holding its VF through iommufd, as QEMU does with
 * -object iommufd,id=iommufd0 -device vfio-pci,host=...,iommufd=iommufd0: /dev/iommu and
 * the VF's cdev /dev/vfio/devices/vfio0 open, no group file. The VM view and the holder
 * must recognise the device through either path. */
static void test_cdev(const char *top)
{
	static const char extra[] = "-object\0iommufd,id=iommufd0\0";
	char root[512], cmd[2048], path[600];
	struct pt_ctx *ctx;
	struct pt_host *h = NULL;
	const struct pt_device *vf;
	struct pt_bdf b;
	struct pt_vm vm;
	char name[64], comm[32];
	long pid;
	FILE *f;

	snprintf(root, sizeof(root), "%s/pt-vm-cdev-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "cp -a '%s/tests/data/vm-lab/root/.' '%s/' && cd '%s' && "
		 "mkdir -p sys/devices/pci0000:20/0000:20:00.0/0000:21:10.0/vfio-dev/vfio0 dev/vfio/devices && "
		 ": >dev/vfio/devices/vfio0 && : >dev/iommu && "
		 "ln -sfn /dev/vfio/devices/vfio0 proc/160/fd/10 && ln -sfn /dev/iommu proc/160/fd/11",
		 top, root, root);
	if (system(cmd) != 0) {
		ok(0, "copying the vm-lab fixture for the cdev case");
		return;
	}
	/* QEMU's command line as the iommufd form gives it */
	snprintf(path, sizeof(path), "%s/proc/160/cmdline", root);
	if ((f = fopen(path, "r+b"))) {
		char buf[8192];
		size_t n = fread(buf, 1, sizeof(buf) - 64, f);

		if (n > 1 && buf[n - 1] == '\0') {
			memcpy(buf + n - 1, ",iommufd=iommufd0", 18);
			n += 17;
			memcpy(buf + n, extra, sizeof(extra) - 1);
			n += sizeof(extra) - 1;
		}
		rewind(f);
		fwrite(buf, 1, n, f);
		fclose(f);
	}
	if (pt_ctx_new(&ctx, root) < 0 || pt_host_scan(ctx, &h) < 0) {
		ok(0, "the cdev copy scans: %s", pt_ctx_error(ctx));
		pt_ctx_free(ctx);
		return;
	}
	pt_bdf_parse("0000:21:10.0", &b);
	vf = pt_host_find(h, &b);
	ok(vf && !strcmp(vf->vfio_dev, "vfio0"), "the inventory reads vfio-dev/vfio0 of the VF");
	is_int(h->dev_iommu, PT_YES, "the host has /dev/iommu");
	ok(vf && pt_vfio_holder(ctx, vf, comm, sizeof(comm)) == 160,
	   "the holder of the VF: pid 160, through /dev/vfio/devices/vfio0");
	pid = pt_vm_find(ctx, "vmA", name, sizeof(name));
	ok(pid == 160 && pt_vm_gather(ctx, h, NULL, 0, false, pid, name, &vm) == 0,
	   "gather vmA (iommufd): %s", pt_ctx_error(ctx));
	if (pid == 160) {
		ok(vm.n_devs == 2 && vm.devs[1].kind == PT_VMDEV_VF &&
			   !strcmp(vm.devs[1].vfio_node, "/dev/vfio/devices/vfio0"),
		   "the VF, held through its cdev: %s", vm.n_devs == 2 ? vm.devs[1].vfio_node : "-");
		pt_vm_free(&vm);
	}
	pt_host_free(h);
	pt_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
}

static void test_hugetlbfs(void)
{
	static const char m[] =
		"proc /proc proc rw 0 0\n"
		"hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n"
		"none /mnt/with\\040space hugetlbfs rw,pagesize=1G 0 0\n"
		"none /mnt/huge1g hugetlbfs rw,relatime,pagesize=1024M 0 0\n"
		"none /mnt/dflt hugetlbfs rw,relatime 0 0";
	char out[64];

	is_int(pt_hugetlbfs_find(m, strlen(m), 2048, 2048, out, sizeof(out)), 1, "hugetlbfs: 2M found");
	is_str(out, "/dev/hugepages", "hugetlbfs: its mount point");
	is_int(pt_hugetlbfs_find(m, strlen(m), 1048576, 2048, out, sizeof(out)), 1, "hugetlbfs: 1G found");
	is_str(out, "/mnt/huge1g", "hugetlbfs: pagesize=1024M is 1G; an escaped path is skipped");
	is_int(pt_hugetlbfs_find(m, strlen(m), 4096, 4096, out, sizeof(out)), 1,
	       "hugetlbfs: a mount without pagesize= has the default size");
	is_str(out, "/mnt/dflt", "hugetlbfs: the default-size mount");
	is_int(pt_hugetlbfs_find(m, strlen(m), 16384, 2048, out, sizeof(out)), 0, "hugetlbfs: none of 16M");
	is_int(pt_hugetlbfs_find(m, strlen(m), 2048, 2048, out, 4), 0, "hugetlbfs: a path too long for out");
}

int main(void)
{
	const char *top = getenv("PASSTHRU_TOP_SRCDIR");

	if (!top)
		top = ".";
	test_qopts();
	test_hugetlbfs();
	test_cmdline();
	test_proc();
	test_libvirt(top);
	test_judge();
	test_check();
	test_fixture(top);
	test_cdev(top);
	return done_testing();
}
