/* SPDX-License-Identifier: MIT */
/*
 * The host gate: facts gathered from the host (lib/hostfacts.c) judged against a
 * profile (lib/check.c). Each result has a stable id, the evidence it saw and a
 * decision: what to do next.
 */
#ifndef PASSTHRU_CHECK_H
#define PASSTHRU_CHECK_H

#include "passthru/ethtool.h"
#include "passthru/klog.h"
#include "passthru/passthru.h"
#include "passthru/profile.h"

struct pt_protected;
struct pt_boot_plan;
struct pt_boot_facts;
struct pt_klog_binds;

enum pt_result { PT_PASS = 0, PT_SKIP = 1, PT_WARN = 2, PT_FAIL = 3 };
const char *pt_result_str(enum pt_result r); /* "pass", "skip", "warn", "fail" */

struct pt_check_result {
	char id[48];        /* stable: "iommu.dma-remapping", "pcie.link", ... */
	char title[96];
	enum pt_result result;
	char device[PT_BDF_STRLEN + 16]; /* "" for host-wide checks */
	/* "" or what tells apart results with the same id and device: the command-line
	 * parameter, the AER severity and source, the hugepage size, "node"/"cpus" ... */
	char subject[64];
	char evidence[512]; /* the log line or sysfs value it saw */
	char decision[512]; /* what to do next ("" when it passed) */
};

struct pt_report {
	struct pt_check_result *results;
	size_t n;
	enum pt_result worst;
};
void pt_report_free(struct pt_report *r);
/* Appends one result (decision dropped when it passed) and keeps r->worst; returns it,
 * or NULL when out of memory. The evidence is a printf format. */
struct pt_check_result *pt_report_add(struct pt_report *r, const char *id, const char *title,
				      enum pt_result res, const char *device, const char *decision,
				      const char *evfmt, ...) __attribute__((format(printf, 7, 8)));

/* VF state as seen over netlink, for the VF policy check. */
struct pt_vf_state {
	int vf;
	int spoofchk, trust;   /* PT_YES/PT_NO/PT_UNKNOWN */
	int vlan;              /* -1 unknown */
};
struct pt_pf_vfs {
	char pf[PT_BDF_STRLEN];
	char ifname[16];
	int error;             /* 0, or negative errno when the PF could not be asked */
	struct pt_vf_state *vfs;
	size_t n_vfs;
};

/* A kernel module as the host has it; 0 (not gathered) is unknown. */
enum pt_mod_state {
	PT_MOD_UNKNOWN = 0,
	PT_MOD_ABSENT,    /* not loaded, and neither modules.dep nor modules.builtin has it */
	PT_MOD_LOADABLE,  /* in modules.dep, not loaded */
	PT_MOD_BUILTIN,   /* in modules.builtin (or /sys/module without initstate) */
	PT_MOD_LOADED,    /* /sys/module/<m>/initstate */
};
const char *pt_mod_state_str(enum pt_mod_state s); /* "unknown", "absent", "loadable" ... */

/* A device node seen by lstat (never opened); 0 (not gathered) is unknown. */
enum pt_node_state { PT_NODE_UNKNOWN = 0, PT_NODE_ABSENT, PT_NODE_CHAR, PT_NODE_OTHER };

/* What the gate knows beyond the PCI model. Unknowns stay unknown. */
struct pt_hostfacts {
	struct pt_klog klog;
	bool have_klog;
	char klog_source[256];
	char klog_error[256];
	/* /proc/interrupts: MSI lines routed through interrupt remapping or not */
	int irq_lines_remapped;   /* "IR-PCI-MSI..." ; -1 unknown */
	int irq_lines_direct;     /* "PCI-MSI..." without IR ; -1 unknown */
	/* /sys/kernel/iommu_groups/<n>/type of one group: "DMA", "DMA-FQ", "identity" */
	char group_type[16];
	/* cpufreq governors: distinct values, and how many CPUs have cpufreq at all */
	char governors[4][32];
	size_t n_governors;
	int cpus_with_cpufreq;
	int irqbalance;           /* PT_YES running, PT_NO not, PT_UNKNOWN */
	int irqbalance_pid;
	/* VF state per PF netdev (filled for PFs with VFs) */
	struct pt_pf_vfs *pfs;
	size_t n_pfs;
	bool vf_state_available;
	char vf_state_error[256];
	/* MSI vector spread of devices with two or more vectors */
	struct pt_irq_spread {
		char bdf[PT_BDF_STRLEN];
		int vectors;      /* vectors whose affinity could be read */
		int distinct;     /* distinct CPUs they land on */
		int one_cpu;      /* the CPU, when distinct == 1 */
	} *irqs;
	size_t n_irqs;
	int online_cpus;          /* from the NUMA nodes' cpulists; -1 unknown */
	/* the functions the host needs (pt_safety_protected): not assignable */
	struct pt_protected *prot;
	size_t n_prot;
	/* netdev driver/firmware (ethtool) for drivers the allowlist names */
	struct pt_netdev_info *netdevs;
	size_t n_netdevs;
	/* the process holding pt_facts_opts.holder_of through vfio (pt_vm_holder) */
	bool holder_known;
	long holder_pid;          /* 0 none */
	char holder_comm[32];
	char holder_vm[64];       /* its -name guest=; "" */
	/* KVM and VFIO (kvm.device, vfio.driver, vfio.unsafe-interrupts) */
	int kvm_node;             /* enum pt_node_state of /dev/kvm */
	char kvm_node_what[64];   /* "character device 10:232", "a regular file" */
	bool cpu_virt_known;      /* /proc/cpuinfo had flags lines */
	char cpu_virt[8];         /* "vmx", "svm", "" (neither) */
	char kernel_release[96];  /* /proc/sys/kernel/osrelease; "" unknown */
	int vfio_pci, vfio_type1, iommufd; /* enum pt_mod_state */
	char unsafe_interrupts[8]; /* vfio_iommu_type1 allow_unsafe_interrupts "Y"/"N"; ""
				    * when the module is not loaded (or unreadable) */
	/* the boot: section (pt_facts_opts.boot): what passthru boot plans, and the kernel
	 * log's bind order of each device it names (boot.cmdline-applied, boot.vfio-early) */
	bool boot_present;
	char boot_error[256];     /* why the plan could not be made; "" */
	struct pt_boot_facts *boot_facts;
	struct pt_boot_plan *boot_plan;
	struct pt_klog_binds *boot_binds; /* one per boot_facts->devs; NULL without a log */
};

struct pt_facts_opts {
	const char *kernel_log;   /* a file instead of the sysroot's /dev/kmsg */
	bool want_vf_state;       /* ask netlink (or a recorded dump) for VF settings */
	const struct pt_profile *profile; /* which drivers need ethtool info */
	const struct pt_device *holder_of; /* find the process holding it through vfio */
	const struct pt_hostcfg *boot;     /* a host configuration whose boot: section the
					    * gate proves (NULL: none) */
};

int pt_hostfacts_gather(struct pt_ctx *ctx, const struct pt_host *h,
			const struct pt_facts_opts *o, struct pt_hostfacts *f);
void pt_hostfacts_free(struct pt_hostfacts *f);

/* Pure over its inputs: judges the host against the profile. */
int pt_check_run(const struct pt_host *h, const struct pt_hostfacts *f,
		 const struct pt_profile *p, struct pt_report *out);

/* The diagnosis playbook for one device (lib/doctor.c): identity, IOMMU and interrupt
 * remapping, group viability, NUMA locality against the VM's CPUs (cpus may be NULL),
 * IRQ spread, link, reset methods, VF settings, faults and AER errors naming it.
 * Pure over its inputs, like pt_check_run. */
int pt_doctor_run(const struct pt_host *h, const struct pt_hostfacts *f, const struct pt_device *d,
		  const char *cpus, struct pt_report *out);

/* IRQ affinity of one device's MSI vectors: the distinct effective CPUs. Returns the
 * number of vectors whose affinity could be read; *distinct_cpus and *one_cpu set. */
int pt_device_irq_spread(struct pt_ctx *ctx, const struct pt_device *d, int *distinct_cpus,
			 int *one_cpu);

#endif
