// SPDX-License-Identifier: MIT
/*
 * The gate's judgement over generated fixture hosts (tests/gen/mkhost.py) with facts
 * made here: each check has a passing and a failing case.
 */
#include "passthru/check.h"
#include "passthru/judge.h"
#include "passthru/oneshot.h"
#include "passthru/parse.h"
#include "passthru/profile.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[4096];

static struct pt_host *scan(const char *name, struct pt_ctx **ctx)
{
	char path[4200];
	struct pt_host *h = NULL;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (pt_ctx_new(ctx, path) < 0 || pt_host_scan(*ctx, &h) < 0)
		return NULL;
	return h;
}

static void profile(struct pt_profile *p, const char *yaml)
{
	struct pt_cfg_error e;

	if (!yaml) {
		pt_profile_defaults(p);
		return;
	}
	/* the parser starts from the defaults itself */
	if (pt_profile_parse(yaml, strlen(yaml), "test.yaml", p, &e) < 0) {
		printf("# profile did not parse: %d:%d: %s\n", e.line, e.col, e.msg);
		pt_profile_defaults(p);
	}
}

/* The worst result among results with this id (and device, when given); -1 if none. */
static int result(const struct pt_report *r, const char *id, const char *dev)
{
	int worst = -1;

	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->results[i].id, id) == 0 && (!dev || strcmp(r->results[i].device, dev) == 0) &&
		    (int)r->results[i].result > worst)
			worst = (int)r->results[i].result;
	return worst;
}

static const struct pt_check_result *find(const struct pt_report *r, const char *id, const char *dev)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->results[i].id, id) == 0 && (!dev || strcmp(r->results[i].device, dev) == 0))
			return &r->results[i];
	return NULL;
}

static const char *LOG_OK =
	"[    0.000000] Linux version 6.1.0-27-amd64\n"
	"[    0.010000] DMAR: IOMMU enabled\n"
	"[    0.020000] DMAR-IR: Enabled IRQ remapping in x2apic mode\n"
	"[    0.030000] iommu: Default domain type: Passthrough (set via kernel command line)\n";

static void facts_from_log(struct pt_hostfacts *f, const char *log)
{
	memset(f, 0, sizeof(*f));
	if (log) {
		pt_klog_parse(log, strlen(log), &f->klog);
		f->have_klog = true;
	} else {
		f->klog.dma_remapping = f->klog.interrupt_remapping = PT_UNKNOWN;
		snprintf(f->klog_error, sizeof(f->klog_error), "test: no log");
	}
	f->irq_lines_remapped = f->irq_lines_direct = -1;
	f->irqbalance = PT_UNKNOWN;
	f->online_cpus = 32;
	f->vf_state_available = true;
}

static void test_noiommu(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h = scan("noiommu", &ctx);
	struct pt_hostfacts f;
	struct pt_profile p;
	struct pt_report r;

	ok(h != NULL, "noiommu fixture scans");
	if (!h)
		return;
	facts_from_log(&f, "[    0.1] Linux version 6.1\n[    0.2] iommu: Default domain type: Translated\n");
	f.irq_lines_remapped = 0;
	f.irq_lines_direct = 12;
	profile(&p, NULL);
	ok(pt_check_run(h, &f, &p, &r) == 0, "gate runs on a host without IOMMU");
	is_int(result(&r, "iommu.dma-remapping", NULL), PT_FAIL, "no IOMMU: DMA remapping fails");
	ok(strstr(find(&r, "iommu.dma-remapping", NULL)->decision, "intel_iommu=on") != NULL,
	   "the decision says what to do");
	is_int(result(&r, "iommu.interrupt-remapping", NULL), PT_FAIL,
	       "only direct MSI lines: interrupt remapping fails");
	is_int(result(&r, "iommu.default-domain", NULL), -1,
	       "'Default domain type' is not trusted without an IOMMU");
	is_int(r.worst, PT_FAIL, "verdict fail");
	pt_report_free(&r);
	pt_profile_free(&p);

	profile(&p, "iommu: { dma_remapping: optional, interrupt_remapping: optional }\n");
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "iommu.dma-remapping", NULL), PT_WARN, "optional DMA remapping only warns");
	pt_report_free(&r);
	pt_profile_free(&p);
	pt_hostfacts_free(&f);
	pt_host_free(h);
	pt_ctx_free(ctx);
}

static void test_dual_socket(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h = scan("dual-socket", &ctx);
	struct pt_hostfacts f;
	struct pt_profile p;
	struct pt_report r;
	const struct pt_check_result *c;

	ok(h != NULL, "dual-socket fixture scans");
	if (!h)
		return;
	facts_from_log(&f, LOG_OK);
	f.irq_lines_remapped = 40;
	f.irq_lines_direct = 0;
	snprintf(f.group_type, sizeof(f.group_type), "identity");
	profile(&p, NULL);
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "iommu.dma-remapping", NULL), PT_PASS, "DMAR units and groups: DMA remapping passes");
	c = find(&r, "iommu.dma-remapping", NULL);
	ok(c && strstr(c->evidence, "dmar0") && strstr(c->evidence, "IOMMU enabled"),
	   "evidence names the units and the log line");
	is_int(result(&r, "iommu.interrupt-remapping", NULL), PT_PASS, "IR enabled in x2apic mode passes");
	ok(strstr(find(&r, "iommu.interrupt-remapping", NULL)->evidence, "x2apic") != NULL, "IR mode reported");
	is_int(result(&r, "pcie.link", "0000:02:00.0"), PT_WARN, "x4 link in an x8 device: degraded, warned");
	is_int(result(&r, "pcie.link", "0000:00:02.0"), -1, "bridges are not judged for links");
	is_int(result(&r, "kernel-log.iommu-faults", NULL), PT_PASS, "no fault lines: pass");
	is_int(result(&r, "sriov.vf-policy", NULL), PT_SKIP, "no VF state gathered: nothing to judge");
	pt_report_free(&r);
	pt_profile_free(&p);

	/* an explicit profile, every device check both ways */
	profile(&p,
		"iommu: { default_domain: translated }\n"
		"kernel: { cmdline: { require: [intel_iommu=on, hugepagesz=2M], forbid: [iommu=pt] } }\n"
		"hugepages:\n"
		"  - { size: 2M, node: 0, total: 1024, free: 900 }\n"
		"  - { size: 1G, node: 1, total: 2 }\n"
		"severity: { link_degraded: fail }\n"
		"devices:\n"
		"  - { match: { bdf: \"0000:05:00.0\" } }\n"
		"  - { match: { bdf: \"0000:81:00.0\" } }\n"
		"  - { match: { bdf: \"0000:81:00.1\" }, driver: any }\n"
		"  - { match: { bdf: \"0000:18:00.0\" }, numa_node: 1 }\n"
		"  - { match: { bdf: \"0000:42:00.0\" } }\n"
		"numa: { vm_cpus: \"2-7\" }\n"
		"sriov:\n"
		"  - { pf: { bdf: \"0000:18:00.0\" }, vfs: 4 }\n"
		"  - { pf: { netdev: enp2s0f0np0 }, vfs: 2 }\n");
	ok(p.n_devices == 5, "test profile parsed (%zu devices)", p.n_devices);
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "iommu.default-domain", NULL), PT_FAIL, "group type identity vs translated wanted");
	is_int(result(&r, "kernel.cmdline", NULL), PT_FAIL, "iommu=pt forbidden and present");
	c = find(&r, "kernel.cmdline", NULL);
	ok(c && strstr(c->evidence, "hugepagesz=2M is required; the command line has hugepagesz=1G"),
	   "a required value differing: evidence shows both");
	ok(c && c + 1 < r.results + r.n && !strcmp(c[1].id, "kernel.cmdline") &&
		   strstr(c[1].evidence, "iommu=pt is forbidden"),
	   "the forbidden parameter is its own result");
	is_int(result(&r, "numa.hugepages", "node 0"), PT_PASS, "1024 reserved, 1000 free on node 0");
	is_int(result(&r, "numa.hugepages", "node 1"), PT_FAIL, "no 1G pages reserved on node 1");
	is_int(result(&r, "pcie.link", "0000:02:00.0"), PT_FAIL, "severity link_degraded: fail");
	is_int(result(&r, "iommu.group-viable", "0000:05:00.0"), PT_WARN,
	       "endpoint behind the ACS-less switch shares its group with a vfio-pci device: "
	       "assignable, the group goes to one VM (warned)");
	c = find(&r, "iommu.group-viable", "0000:05:00.0");
	ok(c && strstr(c->evidence, "0000:06:00.0") && strstr(c->decision, "0000:04:08.0"),
	   "shared group: names the other endpoint and the downstream port lacking ACS");
	is_int(result(&r, "iommu.group-viable", "0000:81:00.0"), PT_PASS,
	       "GPU and its audio function both assigned: group viable");
	is_int(result(&r, "driver.binding", "0000:81:00.0"), PT_PASS, "GPU on vfio-pci as expected");
	is_int(result(&r, "driver.binding", "0000:05:00.0"), PT_PASS, "vfio-pci device passes");
	is_int(result(&r, "driver.binding", "0000:18:00.0"), PT_FAIL, "i40e PF is not on vfio-pci");
	is_int(result(&r, "driver.binding", "0000:81:00.1"), -1, "driver any: not checked");
	is_int(result(&r, "numa.locality", "0000:18:00.0"), PT_FAIL, "PF on node 0, profile wants 1");
	is_int(result(&r, "numa.locality", "0000:81:00.0"), PT_WARN,
	       "VM CPUs 2-7 are not local to the node-1 GPU: warned (remote works, slower)");
	is_int(result(&r, "numa.locality", "0000:05:00.0"), PT_PASS, "VM CPUs 2-7 local to a node-0 device");
	is_int(result(&r, "device.present", NULL), PT_FAIL, "0000:42:00.0 is not on this host");
	is_int(result(&r, "sriov.vf-count", "0000:18:00.0"), PT_PASS, "4 VFs as planned");
	is_int(result(&r, "sriov.vf-count", "0000:02:00.0"), PT_FAIL, "a device without SR-IOV cannot have VFs");
	pt_report_free(&r);
	pt_profile_free(&p);
	pt_hostfacts_free(&f);

	/* kernel log faults and AER, VF policy, governor, irqbalance */
	facts_from_log(&f,
		       "[    0.010000] DMAR: IOMMU enabled\n"
		       "[    0.020000] DMAR-IR: Enabled IRQ remapping in x2apic mode\n"
		       "[  100.000000] DMAR: [DMA Read NO_PASID] Request device [18:00.2] fault addr 0x7f000000 "
		       "[fault reason 0x06] PTE Read access is not set\n"
		       "[  200.000000] pcieport 0000:00:02.0: AER: Uncorrected (Fatal) error received: 0000:02:00.0\n");
	f.pfs = calloc(1, sizeof(*f.pfs));
	f.n_pfs = 1;
	snprintf(f.pfs[0].pf, sizeof(f.pfs[0].pf), "0000:18:00.0");
	snprintf(f.pfs[0].ifname, sizeof(f.pfs[0].ifname), "ens1f0");
	f.pfs[0].vfs = calloc(2, sizeof(struct pt_vf_state));
	f.pfs[0].n_vfs = 2;
	f.pfs[0].vfs[0] = (struct pt_vf_state){ .vf = 0, .spoofchk = PT_YES, .trust = PT_NO, .vlan = 100 };
	f.pfs[0].vfs[1] = (struct pt_vf_state){ .vf = 1, .spoofchk = PT_NO, .trust = PT_YES, .vlan = 0 };
	f.cpus_with_cpufreq = 32;
	f.n_governors = 2;
	snprintf(f.governors[0], sizeof(f.governors[0]), "performance");
	snprintf(f.governors[1], sizeof(f.governors[1]), "powersave");
	f.irqbalance = PT_YES;
	f.irqbalance_pid = 812;
	profile(&p, "cpu: { governor: performance }\nirqbalance: stopped\nvf_policy: { vlan: required }\n");
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "kernel-log.iommu-faults", "0000:18:00.2"), PT_FAIL, "DMAR fault on the VF fails the gate");
	is_int(result(&r, "pcie.aer", "0000:02:00.0"), PT_FAIL, "fatal AER error fails the gate");
	is_int(result(&r, "sriov.vf-policy", "0000:18:00.0 vf 1"), PT_FAIL, "VF 1: spoof check off, trust on, no VLAN");
	c = find(&r, "sriov.vf-policy", "0000:18:00.0 vf 1");
	ok(c && strstr(c->evidence, "spoof checking off") && strstr(c->evidence, "trust on") &&
		   strstr(c->evidence, "no VLAN") && strstr(c->decision, "ip link set ens1f0 vf 1"),
	   "VF policy evidence and decision are specific");
	is_int(result(&r, "sriov.vf-policy", "0000:18:00.0 vf 0"), -1, "VF 0 follows the policy");
	is_int(result(&r, "cpu.governor", NULL), PT_FAIL, "one CPU on powersave");
	is_int(result(&r, "irq.irqbalance", NULL), PT_FAIL, "irqbalance running, profile says stopped");
	pt_report_free(&r);
	pt_profile_free(&p);

	/* IRQ spread: a 3-vector device all on one CPU is flagged, a 2-vector one is not */
	f.irqs = calloc(3, sizeof(*f.irqs));
	f.n_irqs = 3;
	f.irqs[0] = (struct pt_irq_spread){ .bdf = "0000:02:00.0", .vectors = 3, .distinct = 1, .one_cpu = 0 };
	f.irqs[1] = (struct pt_irq_spread){ .bdf = "0000:82:00.0", .vectors = 2, .distinct = 1, .one_cpu = 5 };
	f.irqs[2] = (struct pt_irq_spread){ .bdf = "0000:18:00.0", .vectors = 16, .distinct = 8, .one_cpu = -1 };
	profile(&p, NULL);
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "irq.affinity", "0000:02:00.0"), PT_WARN, "3 vectors on one CPU: warned");
	is_int(result(&r, "irq.affinity", "0000:82:00.0"), -1, "2 vectors (config + one queue) not judged");
	is_int(result(&r, "irq.affinity", "0000:18:00.0"), -1, "16 vectors over 8 CPUs: fine");
	pt_report_free(&r);
	pt_profile_free(&p);
	free(f.irqs);
	f.irqs = NULL;
	f.n_irqs = 0;

	profile(&p, "cpu: { governor: performance }\nirqbalance: running\n");
	f.n_governors = 1;
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "cpu.governor", NULL), PT_PASS, "all CPUs on performance");
	is_int(result(&r, "irq.irqbalance", NULL), PT_PASS, "irqbalance running as wanted");
	pt_report_free(&r);
	pt_profile_free(&p);
	pt_hostfacts_free(&f);
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* Evidence is a statement for people: units, "unknown" for the model's -1, no stray
 * numbers glued to words. */
static void test_evidence_text(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h = scan("dual-socket", &ctx);
	const struct pt_check_result *c;
	struct pt_hostfacts f;
	struct pt_profile p;
	struct pt_report r;
	char b[32];

	is_str(pt_format_kib(1048576, b, sizeof(b)), "1 GiB", "1048576 KiB is 1 GiB");
	is_str(pt_format_kib(2048, b, sizeof(b)), "2 MiB", "2048 KiB is 2 MiB");
	is_str(pt_format_kib(1536, b, sizeof(b)), "1536 KiB", "1536 KiB stays KiB");
	is_str(pt_format_count(-1, b, sizeof(b)), "unknown", "-1 is unknown");
	if (!ok(h != NULL, "dual-socket fixture scans"))
		return;
	facts_from_log(&f, LOG_OK);
	f.irqbalance = PT_NO;
	f.irqbalance_pid = -1;
	profile(&p, "irqbalance: running\nhugepages:\n  - { size: 1G, node: 1, total: 2 }\n"
		    "  - { size: 2M, node: 0, total: 1 }\n");
	pt_check_run(h, &f, &p, &r);
	c = find(&r, "irq.irqbalance", NULL);
	ok(c && strcmp(c->evidence, "irqbalance is not running") == 0,
	   "irqbalance stopped: no pid glued to the evidence (got \"%s\")", c ? c->evidence : "");
	c = find(&r, "numa.hugepages", "node 1");
	ok(c && strstr(c->evidence, "1 GiB pages on node 1") && !strstr(c->evidence, "kB") &&
		   !strstr(c->evidence, "-1"),
	   "hugepage evidence in GiB, unknown never -1 (got \"%s\")", c ? c->evidence : "");
	ok(c && strstr(c->evidence, "any free"), "a profile without free: says any");
	c = find(&r, "numa.hugepages", "node 0");
	ok(c && strstr(c->evidence, "2 MiB pages"), "2 MiB pages");
	pt_report_free(&r);
	pt_profile_free(&p);
	pt_hostfacts_free(&f);
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* kvm.device, vfio.driver, vfio.unsafe-interrupts, iommu.acs-override, sriov.vf-numa:
 * gathered from the fixtures (dual-socket: a healthy KVM host; noiommu: a VM without
 * nested virtualization or vfio-pci, unsafe interrupts and ACS override on), then
 * judged; and judged again on facts changed here. */
static void test_virt(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h = scan("dual-socket", &ctx);
	struct pt_hostfacts f;
	struct pt_profile p;
	struct pt_report r;
	const struct pt_check_result *c;

	if (!ok(h != NULL, "dual-socket scans"))
		return;
	ok(pt_hostfacts_gather(ctx, h, NULL, &f) == 0, "dual-socket: facts gathered");
	is_int(f.kvm_node, PT_NODE_CHAR, "dual-socket: /dev/kvm is there (a snapshot's marker)");
	is_str(f.cpu_virt, "vmx", "dual-socket: vmx in the CPU flags");
	is_int(f.vfio_pci, PT_MOD_LOADED, "dual-socket: vfio_pci loaded");
	is_int(f.vfio_type1, PT_MOD_LOADED, "dual-socket: vfio_iommu_type1 loaded");
	is_int(f.iommufd, PT_MOD_ABSENT, "dual-socket: no iommufd in modules.dep");
	is_str(f.unsafe_interrupts, "N", "dual-socket: allow_unsafe_interrupts N");
	profile(&p, NULL);
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "kvm.device", NULL), PT_PASS, "kvm.device passes");
	is_int(result(&r, "vfio.driver", NULL), PT_PASS, "vfio.driver passes");
	is_int(result(&r, "vfio.unsafe-interrupts", NULL), PT_PASS, "vfio.unsafe-interrupts passes");
	is_int(result(&r, "iommu.acs-override", NULL), PT_PASS, "iommu.acs-override passes");
	is_int(result(&r, "sriov.vf-numa", "0000:18:02.1"), PT_WARN,
	       "sriov.vf-numa: the node-1 VF of a node-0 PF is reported");
	c = find(&r, "sriov.vf-numa", "0000:18:02.1");
	ok(c && strstr(c->evidence, "0000:18:00.0 is on node 0") && strstr(c->decision, "firmware"),
	   "... as a firmware quirk, naming the PF's node");
	is_int(result(&r, "sriov.vf-numa", "0000:18:02.0"), -1, "a VF on its PF's node is not");
	pt_report_free(&r);

	/* loadable but not loaded, for a profile that passes devices through: warn */
	f.vfio_pci = PT_MOD_LOADABLE;
	pt_profile_free(&p);
	profile(&p, "passthrough:\n  - device: { bdf: \"0000:86:00.0\" }\n");
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "vfio.driver", NULL), PT_WARN, "vfio-pci loadable, not loaded: warn");
	ok(strstr(find(&r, "vfio.driver", NULL)->decision, "modules-load.d") != NULL,
	   "... saying how to load it at boot");
	pt_report_free(&r);
	f.vfio_type1 = f.iommufd = PT_MOD_ABSENT;
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "vfio.driver", NULL), PT_FAIL, "no vfio IOMMU backend for a passthrough profile: fail");
	pt_report_free(&r);
	f.iommufd = PT_MOD_BUILTIN;
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "vfio.driver", NULL), PT_WARN, "iommufd built in is a backend");
	pt_report_free(&r);
	pt_profile_free(&p);

	/* pcie_acs_override: fail by default, warn when the profile accepts it */
	free(h->cmdline);
	h->cmdline = strdup("ro quiet pcie_acs_override=downstream,multifunction");
	profile(&p, NULL);
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "iommu.acs-override", NULL), PT_FAIL, "pcie_acs_override: fail");
	c = find(&r, "iommu.acs-override", NULL);
	ok(c && strstr(c->evidence, "pcie_acs_override=downstream,multifunction") &&
	   strstr(c->decision, "Remove pcie_acs_override"), "... naming the parameter and the way out");
	pt_report_free(&r);
	pt_profile_free(&p);
	profile(&p, "severity: { acs_override: warn }\n");
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "iommu.acs-override", NULL), PT_WARN, "severity acs_override: warn");
	pt_report_free(&r);
	pt_profile_free(&p);
	pt_hostfacts_free(&f);
	pt_host_free(h);
	pt_ctx_free(ctx);

	h = scan("noiommu", &ctx);
	if (!ok(h != NULL, "noiommu scans"))
		return;
	pt_hostfacts_gather(ctx, h, NULL, &f);
	is_int(f.kvm_node, PT_NODE_ABSENT, "noiommu: no /dev/kvm");
	ok(f.cpu_virt_known && !f.cpu_virt[0], "noiommu: neither vmx nor svm");
	is_int(f.vfio_pci, PT_MOD_ABSENT, "noiommu: vfio-pci neither loaded nor in modules.dep");
	profile(&p, NULL);
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "kvm.device", NULL), PT_FAIL, "kvm.device fails");
	ok(strstr(find(&r, "kvm.device", NULL)->decision, "VT-x") != NULL, "... saying to enable VT-x/AMD-V");
	is_int(result(&r, "vfio.driver", NULL), PT_FAIL, "vfio.driver fails");
	is_int(result(&r, "vfio.unsafe-interrupts", NULL), PT_FAIL, "allow_unsafe_interrupts Y fails");
	ok(strstr(find(&r, "vfio.unsafe-interrupts", NULL)->evidence, "command line") != NULL,
	   "... and says the command line sets it");
	is_int(result(&r, "iommu.acs-override", NULL), PT_FAIL, "pcie_acs_override=downstream fails");
	pt_report_free(&r);
	/* unknown facts are skipped, not guessed */
	pt_hostfacts_free(&f);
	facts_from_log(&f, LOG_OK);
	free(h->cmdline);
	h->cmdline = NULL;
	pt_check_run(h, &f, &p, &r);
	is_int(result(&r, "kvm.device", NULL), PT_SKIP, "unknown /dev and CPU flags: kvm.device skipped");
	is_int(result(&r, "vfio.driver", NULL), PT_SKIP, "unknown modules: vfio.driver skipped");
	is_int(result(&r, "vfio.unsafe-interrupts", NULL), PT_SKIP, "module not loaded: skipped");
	is_int(result(&r, "iommu.acs-override", NULL), PT_SKIP, "no /proc/cmdline: skipped");
	pt_report_free(&r);
	pt_profile_free(&p);
	pt_hostfacts_free(&f);
	pt_host_free(h);
	pt_ctx_free(ctx);
}

/* One judgement per fact (lib/judge.c), as doctor and check report it. */
static void test_judgements(void)
{
	struct pt_ctx *ctx;
	struct pt_host *h = scan("dual-socket", &ctx);
	const struct pt_check_result *c;
	struct pt_dma_judgement dma;
	struct pt_numa_judgement nj;
	struct pt_assignability a;
	struct pt_hostfacts f;
	struct pt_report r;
	struct pt_bdf b;
	char cmd[9000];

	if (!ok(h != NULL, "dual-socket fixture scans"))
		return;
	facts_from_log(&f, LOG_OK);

	/* the GPU: its root port isolates; the card's own functions do not (no ACS) */
	pt_bdf_parse("0000:81:00.0", &b);
	pt_judge_assignable(h, PT_YES, NULL, 0, NULL, 0, pt_host_find(h, &b), &a);
	is_int(a.assignable, PT_NO, "GPU not assignable: its audio function is on snd_hda_intel");
	ok(a.n_causes == 1 && a.causes[0].kind == PT_CAUSE_GROUP_SHARED &&
		   !strcmp(a.causes[0].why, "0000:81:00.1 (snd_hda_intel) shares group 14"),
	   "the cause names the function, its driver and the group: %s", a.causes[0].why);
	pt_doctor_run(h, &f, pt_host_find(h, &b), NULL, &r);
	c = find(&r, "iommu.group-viable", "0000:81:00.0");
	ok(c && c->result == PT_FAIL && !strstr(c->decision, "root port") && !strstr(c->decision, "ACS-capable") &&
		   strstr(c->decision, "0000:81:00.1"),
	   "doctor GPU: no root-port advice when the root port isolates: %s", c ? c->decision : "");
	pt_report_free(&r);

	/* a VMD child: DMA remapping is on, VMD hides it; doctor never says "enable the IOMMU" */
	pt_bdf_parse("10000:01:00.0", &b);
	pt_doctor_run(h, &f, pt_host_find(h, &b), NULL, &r);
	is_int(result(&r, "iommu.dma-remapping", NULL), PT_PASS, "VMD child: DMA remapping passes");
	c = find(&r, "iommu.group-viable", "10000:01:00.0");
	ok(c && c->result == PT_FAIL && strstr(c->evidence, "VMD") && !strstr(c->decision, "enable the IOMMU") &&
		   !strstr(c->decision, "Enable"),
	   "VMD child: the group result says VMD, not 'enable the IOMMU': %s", c ? c->decision : "");
	pt_report_free(&r);

	/* a VF whose firmware node differs from its PF's: the PF's, with a warning */
	pt_bdf_parse("0000:18:02.1", &b);
	pt_judge_numa(h, pt_host_find(h, &b), &nj);
	ok(nj.node == 0 && nj.device_node == 1 && nj.disagrees && nj.source == PT_NUMA_SOURCE_PF &&
		   !strcmp(nj.cpulist, "0-15"),
	   "VF 18:02.1: numa_node 1, its PF's node 0 trusted, CPUs 0-15");
	pt_doctor_run(h, &f, pt_host_find(h, &b), NULL, &r);
	c = find(&r, "numa.locality", "0000:18:02.1");
	ok(c && c->result == PT_WARN && strstr(c->evidence, "trusting the PF"),
	   "doctor warns and says which node it trusts: %s", c ? c->evidence : "");
	pt_report_free(&r);

	is_int(pt_judge_reset(pt_host_find(h, &b)), PT_RESET_FUNCTION, "VF with FLR: function reset");
	pt_bdf_parse("0000:81:00.0", &b);
	is_int(pt_judge_reset(pt_host_find(h, &b)), PT_RESET_BUS, "GPU with only a bus reset");
	pt_hostfacts_free(&f);
	pt_host_free(h);
	pt_ctx_free(ctx);

	/* a capture with IOMMU groups but no /sys/class/iommu: DMA remapping is on */
	snprintf(cmd, sizeof(cmd), "cp -a '%s/dual-socket' '%s/no-class-iommu' && rm -rf '%s/no-class-iommu/sys/class/iommu'",
		 root, root, root);
	if (!ok(system(cmd) == 0 && (h = scan("no-class-iommu", &ctx)), "a copy without /sys/class/iommu"))
		return;
	facts_from_log(&f, LOG_OK);
	pt_judge_dma(h, &f.klog, &dma);
	is_int(dma.on, PT_YES, "groups without /sys/class/iommu: DMA remapping on (%s)", dma.evidence);
	{
		struct pt_profile p;

		profile(&p, NULL);
		pt_check_run(h, &f, &p, &r);
		c = find(&r, "iommu.dma-remapping", NULL);
		ok(c && c->result == PT_PASS && !strstr(c->evidence, "no IOMMU groups"),
		   "check passes iommu.dma-remapping: %s", c ? c->evidence : "");
		pt_report_free(&r);
		pt_profile_free(&p);
	}
	pt_hostfacts_free(&f);
	pt_host_free(h);
	pt_ctx_free(ctx);

	/* neither groups nor units, and a log saying on: unknown (an incomplete capture) */
	h = scan("noiommu", &ctx);
	if (h) {
		facts_from_log(&f, LOG_OK);
		pt_judge_dma(h, &f.klog, &dma);
		is_int(dma.on, PT_UNKNOWN, "no groups, no units, a log saying on: unknown");
		pt_judge_dma(h, NULL, &dma);
		is_int(dma.on, PT_NO, "no groups, no units, no log: off");
		pt_hostfacts_free(&f);
		pt_host_free(h);
		pt_ctx_free(ctx);
	}
}

static void test_virt_parsers(void)
{
	const char *ci = "processor\t: 0\nflags\t\t: fpu vme svm lm\n\nprocessor\t: 1\n";
	const char *dep = "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/vfio.ko\n"
			  "kernel/arch/x86/kvm/kvm.ko:\n";
	const char *alias = "alias pci:v*d*sv*sd*bc01sc08i02* nvme\n"
			    "alias pci:v00001B36d00000010sv*sd*bc*sc*i* qemu_nvme\n";
	char m[64];

	is_str(pt_parse_cpu_virt(ci, strlen(ci)), "svm", "cpuinfo: svm");
	is_str(pt_parse_cpu_virt("flags : fpu vmxx\n", 17), "", "cpuinfo: vmxx is not vmx");
	ok(pt_parse_cpu_virt("processor : 0\n", 14) == NULL, "cpuinfo without flags: unknown");
	is_int(pt_modules_list_has(dep, strlen(dep), "vfio_pci"), 1, "modules.dep: vfio-pci.ko.xz is vfio_pci");
	is_int(pt_modules_list_has(dep, strlen(dep), "vfio"), 0, "a dependency is not an entry");
	is_int(pt_modules_list_has(dep, strlen(dep), "kvm"), 1, "kvm.ko");
	is_int(pt_modalias_match(alias, strlen(alias), "pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02",
				 m, sizeof(m)), 1, "modalias matched");
	is_str(m, "qemu_nvme", "the vendor:device alias wins over the class one");
	is_int(pt_modalias_match(alias, strlen(alias), "pci:v00008086d00001521sv0sd0bc02sc00i00", m,
				 sizeof(m)), 0, "no alias for a NIC here");
}

static void test_interrupts_parser(void)
{
	const char *t =
		"           CPU0       CPU1\n"
		"  24:          0         12  IR-PCI-MSIX-0000:00:03.0    0-edge      virtio0-config\n"
		"  25:          1          0  IR-PCI-MSI-0000:00:1f.2   0-edge      ahci\n"
		"  26:          5          0  PCI-MSIX-0000:00:04.0    1-edge      eth0\n"
		"  NMI:         0          0   Non-maskable interrupts\n";
	int a, b;

	pt_parse_interrupts(t, strlen(t), &a, &b);
	is_int(a, 2, "two remapped MSI lines");
	is_int(b, 1, "one direct MSI line");
}

int main(void)
{
	const char *top = getenv("PASSTHRU_TOP_SRCDIR");
	char cmd[8192];

	snprintf(root, sizeof(root), "%s/test-check.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!top || !mkdtemp(root)) {
		printf("not ok 1 - PASSTHRU_TOP_SRCDIR set and temp dir made\n1..1\n");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "python3 %s/tests/gen/mkhost.py --out %s dual-socket noiommu", top, root);
	if (!ok(system(cmd) == 0, "fixtures generated"))
		return done_testing();
	test_interrupts_parser();
	test_virt_parsers();
	test_noiommu();
	test_virt();
	test_dual_socket();
	test_evidence_text();
	test_judgements();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
	return done_testing();
}
