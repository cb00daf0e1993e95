/* SPDX-License-Identifier: MIT */
/*
 * The VM view: what a running VM (a QEMU process) really uses, and whether it is
 * aligned with its devices. Three steps, as everywhere in passthru:
 *  - parse (pure, fuzzed): QEMU command lines, libvirt domain XML, /proc/PID/numa_maps,
 *    /proc/PID/status and /proc/PID/limits fields, the vfio lines of /proc/interrupts;
 *  - gather (lib/vm.c): one process through the sysroot seam — its command line, open
 *    files, threads, memory, limits, and for each assigned device the host's view;
 *  - judge (lib/vm-judge.c): findings with decisions, pure over the gathered facts.
 * Nothing is invented: a fact that could not be read is -1 / "" and says so.
 */
#ifndef PASSTHRU_VM_H
#define PASSTHRU_VM_H

#include "passthru/check.h"
#include "passthru/passthru.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- pure parsers ------------------------------------------------------------------ */

/* One QEMU option value as key/value pairs: "vfio-pci,host=01:00.0,id=h0" (the first
 * bare word is the value of implied_key, ",," an escaped comma) or libvirt's JSON form
 * '{"driver":"vfio-pci","host":"0000:01:00.0"}' (nested values skipped). */
#define PT_QOPT_MAX 24
struct pt_qopts {
	size_t n;
	struct { char key[32]; char val[160]; } kv[PT_QOPT_MAX];
};
int pt_qopts_parse(const char *s, const char *implied_key, struct pt_qopts *out);
/* The value of key, or NULL. */
const char *pt_qopts_get(const struct pt_qopts *o, const char *key);

/* "64", "64M", "2G", "512k", "1T" (QEMU's -m: a bare number is MiB when mib_default)
 * -> bytes; -1 when unparsable. */
long long pt_parse_size(const char *s, bool mib_default);
/* /proc/mounts text: the mount point of a hugetlbfs of page_kb pages into out (the
 * first; a mount without pagesize= has default_kb pages). 1 found, 0 not. */
int pt_hugetlbfs_find(const char *mounts, size_t len, long page_kb, long default_kb,
		      char *out, size_t outlen);

enum pt_vmdev_kind {
	PT_VMDEV_EMULATED = 0, /* a device QEMU emulates (e1000, ahci ...) */
	PT_VMDEV_VIRTIO,       /* paravirtual, served by QEMU's own threads */
	PT_VMDEV_VHOST,        /* virtio served by the host kernel (vhost-net) or vhost-user */
	PT_VMDEV_VF,           /* an SR-IOV VF assigned through vfio */
	PT_VMDEV_PASSTHROUGH,  /* a whole PCI function assigned through vfio */
};
const char *pt_vmdev_kind_str(enum pt_vmdev_kind k); /* "emulated", "virtio", ... */

#define PT_QEMU_MAX_DEVS 64
#define PT_QEMU_MAX_NETDEVS 16
#define PT_QEMU_MAX_MEMDEVS 16
struct pt_qemu_cmdline {
	char name[64];              /* -name guest=NAME; "" */
	long long mem_bytes;        /* -m; -1 unknown */
	char mem_path[256];         /* -mem-path; "" */
	bool mem_prealloc;
	bool mem_lock;              /* -overcommit mem-lock=on / -realtime mlock=on */
	char machine_memdev[64];    /* -machine memory-backend=ID */
	int smp;                    /* -smp N (cpus=N); -1 unknown */
	size_t n_devs;
	struct pt_qemu_dev {
		char driver[64];
		char id[64];
		char host[PT_BDF_STRLEN + 8]; /* vfio-pci host= ("" when sysfsdev= is used) */
		char sysfsdev[192];         /* vfio-pci sysfsdev= */
		char netdev[64];            /* NIC netdev= */
		char mac[24];
		bool failover;              /* virtio-net failover=on */
		char failover_pair[64];     /* vfio-pci failover_pair_id= */
		char memdev[64];
	} devs[PT_QEMU_MAX_DEVS];
	size_t n_netdevs;
	struct pt_qemu_netdev {
		char type[32];              /* tap, user, bridge, vhost-user, ... */
		char id[64];
		char ifname[32];
		char br[32];
		bool vhost;                 /* vhost=on / vhostfd */
		bool fd;                    /* fd= or fds=: opened by the manager (libvirt) */
	} netdevs[PT_QEMU_MAX_NETDEVS];
	size_t n_memdevs;
	struct pt_qemu_memdev {
		char type[40];              /* memory-backend-ram|file|memfd */
		char id[64];
		long long size;             /* bytes; -1 */
		char mem_path[256];
		bool hugetlb;               /* memfd hugetlb=on */
		long long hugetlbsize;      /* bytes; 0 */
		char host_nodes[64];
		char policy[16];
		bool prealloc, share;
	} memdevs[PT_QEMU_MAX_MEMDEVS];
};
/* argv as /proc/PID/cmdline has it: NUL-separated. Returns 0, -EINVAL when it is not a
 * QEMU command line (argv[0] not qemu-*, or no argument). Options not understood are
 * ignored; lists longer than the arrays are cut. */
int pt_qemu_cmdline_parse(const char *buf, size_t len, struct pt_qemu_cmdline *out);
/* Guest RAM in bytes: -m, else the sum of memory backends; -1 unknown. */
long long pt_qemu_guest_ram(const struct pt_qemu_cmdline *q);

/* /proc/PID/numa_maps, summed per NUMA node and backing. */
#define PT_VM_MAX_NODES 16
enum pt_backing { PT_BACK_ANON = 0, PT_BACK_HUGETLB, PT_BACK_FILE, PT_BACK_N };
const char *pt_backing_str(enum pt_backing b); /* "anonymous", "hugetlbfs", "file" */
struct pt_numa_maps {
	/* kB resident per backing and node (pages x kernelpagesize_kB) */
	long long kb[PT_BACK_N][PT_VM_MAX_NODES];
	long hugepage_kb;           /* page size of the hugetlb mappings; 0 none */
	char huge_file[256];        /* the largest hugetlb mapping's file= ("" anonymous) */
	char huge_policy[32];       /* its policy: default, bind:0, prefer:1, interleave:0-1 */
	/* the largest mapping overall (the guest RAM, most often) */
	long long big_kb;
	enum pt_backing big_backing;
	char big_policy[32];
	char big_file[256];
};
int pt_numa_maps_parse(const char *buf, size_t len, struct pt_numa_maps *out);

/* /proc/PID/status: the fields the VM view needs. kB values -1 when absent. */
struct pt_proc_status {
	char name[32];
	long long vm_lck_kb, vm_pin_kb, vm_rss_kb, vm_hwm_kb;
	char cpus_allowed[256];     /* Cpus_allowed_list; "" */
	char mems_allowed[128];     /* Mems_allowed_list; "" */
	unsigned long long cap_eff; /* CapEff */
	bool have_cap_eff;
	int threads;                /* -1 */
};
int pt_proc_status_parse(const char *buf, size_t len, struct pt_proc_status *out);

/* /proc/PID/limits "Max locked memory" soft limit in bytes: -1 unlimited, -2 absent. */
long long pt_proc_limits_memlock(const char *buf, size_t len);

/* The vfio lines of /proc/interrupts: "  45:  0  12  IR-PCI-MSIX-0000:01:10.0 0-edge
 * vfio-msix[0](0000:01:10.0)". Fills up to max entries, returns how many there are. */
struct pt_vfio_irq {
	int irq;
	char kind[12];              /* "msix", "msi", "intx" */
	int vector;                 /* -1 for intx */
	char bdf[PT_BDF_STRLEN];
	long long count;            /* interrupts so far, all CPUs */
};
size_t pt_vfio_irqs_parse(const char *buf, size_t len, struct pt_vfio_irq *out, size_t max);

/* A libvirt domain (the live XML under /run/libvirt/qemu/NAME.xml wraps it in
 * <domstatus pid='N'>; a definition file has <domain> at the top). */
#define PT_LV_MAX_DEVS 32
struct pt_libvirt_domain {
	char name[64];
	long pid;                   /* domstatus pid; -1 */
	long long memory_kib;       /* <memory> (or <currentMemory>); -1 */
	long hugepage_kib;          /* <memoryBacking><hugepages><page size>; 0 none, -1 default size */
	char hugepage_nodeset[64];
	bool locked;                /* <memoryBacking><locked/> */
	int vcpus;                  /* -1 */
	char vcpu_cpuset[128];      /* <vcpu cpuset=> */
	char vcpupin[256];          /* union of <vcputune><vcpupin cpuset=>, ","-joined */
	int n_vcpupin;
	char emulatorpin[128];
	char numa_nodeset[64];      /* <numatune><memory nodeset=> */
	char numa_mode[16];
	long long memlock_hard_kib; /* <memtune><hard_limit>; -1 */
	size_t n_devs;
	struct pt_lv_dev {
		char what[16];          /* "hostdev", "interface" */
		char type[16];          /* interface type: hostdev, network, bridge, direct ... */
		char bdf[PT_BDF_STRLEN];/* <source><address> of a PCI hostdev */
		char model[32];         /* interface model: virtio, e1000 ... */
		char driver[16];        /* interface driver name: vhost, qemu, vfio */
		char target[32];        /* target dev (tap) */
		char bridge[32];        /* source bridge / network */
		char alias[64];
	} devs[PT_LV_MAX_DEVS];
};
/* Pure (fuzzed; ctx only receives the sentence, and may be NULL). Returns 0 or -EINVAL
 * with the sentence in ctx ("line N: ..." when libxml2 said). */
int pt_libvirt_parse(struct pt_ctx *ctx, const char *buf, size_t len, struct pt_libvirt_domain *out);

/* The XML of libvirt domain name (lib/virsh.c): `virsh --readonly dumpxml` when libvirt
 * runs on this host (the sysroot is "/" and its socket exists, or PASSTHRU_VIRSH names
 * the virsh to run), else the live XML /run/libvirt/qemu/NAME.xml through the seam.
 * No command ever runs on a sysroot that is not "/". *buf malloc'd; via says where it
 * came from ("virsh dumpxml" or the file). 0, -EINVAL a name that is no name, or the
 * file's -errno with the sentence in ctx. */
int pt_libvirt_domain_xml(struct pt_ctx *ctx, const char *name, char **buf, size_t *len,
			  char *via, size_t vialen);

/* ---- gather ------------------------------------------------------------------------ */

struct pt_vm_thread {
	int tid;
	char comm[32];
	int vcpu;                   /* "CPU n/KVM" -> n; -1 not a vCPU */
	char cpus[256];             /* Cpus_allowed_list */
};

struct pt_vm_irq {
	int irq;
	char name[48];              /* vfio-msix[0] */
	long long count;
	char cpus[128];             /* effective_affinity_list (or smp_affinity_list) */
};

struct pt_vm_device {
	enum pt_vmdev_kind kind;
	char driver[64];            /* QEMU's device (vfio-pci, virtio-net-pci ...) or the XML's */
	char id[64];
	/* assigned (vfio) */
	char bdf[PT_BDF_STRLEN];
	char pf[PT_BDF_STRLEN];
	char pf_netdev[32];
	int vf_index;
	int numa_node;              /* -1 */
	char local_cpus[256];
	int iommu_group;            /* -1 */
	char vfio_node[96];         /* the /dev/vfio/... file the process holds; "" none */
	char host_driver[64];
	long long bar_bytes;        /* memory BARs; -1 */
	char lease_vm[64];          /* passthru's lease on the BDF; "" none */
	bool lease_known;           /* the state DB could be read */
	struct pt_vm_irq *irqs;
	size_t n_irqs;
	/* network */
	char netdev[64];            /* -netdev id */
	char backend[32];           /* tap, user, vhost-user ... */
	char tap[32];
	char bridge[32];
	bool failover;
};

struct pt_vm {
	long pid;
	char name[64];              /* libvirt's, or -name guest=; "" */
	char source[32];            /* "libvirt", "cmdline" */
	char libvirt_via[96];       /* source libvirt: "virsh dumpxml" or the live XML file */
	char comm[32];
	struct pt_qemu_cmdline cmd;
	bool have_cmd;
	struct pt_vm_device *devs;
	size_t n_devs;
	char **open_vfio;           /* /dev/vfio/... files open in the process */
	size_t n_open_vfio;
	bool vhost_net_open, tun_open;
	struct pt_vm_thread *threads;
	size_t n_threads;
	size_t n_vcpus;
	char online_cpus[256];      /* the host's; "" unknown */
	struct pt_proc_status status;
	bool have_status;
	struct pt_numa_maps mem;
	bool have_mem;
	long long memlock_limit;    /* bytes; -1 unlimited, -2 unknown */
	long long guest_ram;        /* bytes; -1 */
	long long pinned_need;      /* guest RAM + BARs of assigned devices; -1 */
	bool cap_ipc_lock;          /* CapEff has CAP_IPC_LOCK: the limit does not bind */
	/* leases passthru holds for this VM's name (to spot one the process does not hold) */
	char **lease_bdfs;
	size_t n_lease_bdfs;
	bool leases_known;
	char **warnings;            /* what could not be read */
	size_t n_warnings;
};

struct pt_lease;
/* Gathers the VM view of process pid (through the sysroot). h is the scanned host
 * (devices, nodes); leases are passthru's active leases (pt_state_leases), have_leases
 * false when there is no state database (no lease facts then). name: what the user
 * called the VM ("" when it was a PID). -ESRCH no such process, -EINVAL not QEMU. */
int pt_vm_gather(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_lease *leases,
		 size_t n_leases, bool have_leases, long pid, const char *name, struct pt_vm *vm);
void pt_vm_free(struct pt_vm *vm);

/* VM (a libvirt domain name, a -name guest=NAME, or a PID) -> its QEMU pid. Reads
 * /run/libvirt/qemu/NAME.xml, else the command lines under /proc. -ESRCH none. */
long pt_vm_find(struct pt_ctx *ctx, const char *vm, char *name, size_t namelen);

/* The /dev/vfio files that stand for d: its group's /dev/vfio/G and its iommufd
 * cdev /dev/vfio/devices/vfioN ("" when there is none). One place decides what
 * "holding a device through vfio" means (pt_vfio_holder and the VM view both ask). */
void pt_vfio_dev_nodes(struct pt_ctx *ctx, const struct pt_device *d, char *group, size_t glen,
		       char *cdev, size_t clen);

/* The process holding d open through vfio: its IOMMU group's /dev/vfio/<group>, or its
 * vfio device cdev /dev/vfio/devices/vfioN (iommufd), found among the open files in
 * /proc/<pid>/fd. Returns the pid (comm filled, may be NULL) or 0 when none (processes
 * that cannot be read are skipped). */
long pt_vfio_holder(struct pt_ctx *ctx, const struct pt_device *d, char *comm, size_t len);

/* The process holding d through vfio, as doctor tells it: pid (0 none), comm, and the
 * VM's name from its command line or libvirt ("" unknown). */
struct pt_holder {
	long pid;
	char comm[32];
	char vm[64];
};
int pt_vm_holder(struct pt_ctx *ctx, const struct pt_device *d, struct pt_holder *out);

/* ---- judge ------------------------------------------------------------------------- */

/* Pure over its inputs: the findings for one VM (ids "vm.*", docs/json.md). */
int pt_vm_judge(const struct pt_host *h, const struct pt_vm *vm, struct pt_report *out);

/* The pre-launch check: would a VM of this shape fit now? */
struct pt_vm_plan {
	long long memory_bytes;     /* guest RAM */
	long hugepage_kb;           /* 0: no hugepages; 2048, 1048576 */
	int node;                   /* -1: the devices' node, or any */
	char cpus[256];             /* "" none asked */
	struct pt_bdf *devs;
	size_t n_devs;
	long long bar_bytes;        /* memory BARs of devs (pt_vm_plan_gather); -1 */
	long long memlock_limit;    /* bytes the VM's process may lock; -1 unlimited, -2 unknown */
	char memlock_source[64];    /* where the limit comes from, for the evidence: " (this shell)" */
	bool cap_ipc_lock;          /* it runs with CAP_IPC_LOCK (root QEMU) */
};
/* Fills p->bar_bytes from the devices' sysfs resource files, and, when
 * p->memlock_limit is -2, the limit and CAP_IPC_LOCK of the calling process (which is
 * the one that would start QEMU). */
int pt_vm_plan_gather(struct pt_ctx *ctx, struct pt_vm_plan *p);
int pt_vm_check(const struct pt_host *h, const struct pt_vm_plan *p, struct pt_report *out);

/* Where a VM's memory of page_kb huge pages comes from: a hugetlbfs mount of that size
 * (/proc/mounts; the default page size is default_hugepagesz= on /proc/cmdline, else
 * 2 MiB), into path. 1 when mounted; 0 when not, with path the conventional mount
 * point (/dev/hugepages for the default size, /dev/hugepages1G ...) and why saying how
 * to mount it. */
int pt_vm_hugepage_path(struct pt_ctx *ctx, const struct pt_host *h, long page_kb, char *path,
			size_t pathlen, char *why, size_t whylen);

#ifdef __cplusplus
}
#endif
#endif
