/* SPDX-License-Identifier: MIT */
/*
 * `passthru assign` / `release`: handing devices of a pool to a VM and taking them back.
 *
 *   pools   = pt_pools_resolve(host, cfg)       the config's pools on this host (pure)
 *   assign  = sync pools -> lease (state.db) -> make ready (apply machinery)
 *   release = reset -> restore the VF policy -> end the lease (quarantine on failure)
 *
 * Making a device ready is a `passthru apply` of a small desired state built here (the
 * function on vfio-pci with driver_override, and for a VF of a NIC the MAC/VLAN the VM
 * gets, set on the PF over rtnetlink): planned by lib/plan.c, executed by
 * pt_apply_run() under the apply journal and lock, rolled back when a step fails. The
 * leases are recorded pending first and become active only once their devices are
 * ready; when readying fails they are rolled back, and what a killed assign left is
 * rolled back by the next command (pt_assign_recover): a lease always means a ready
 * device.
 *
 * Release resets the function through the kernel's `reset` attribute (which tries the
 * methods in reset_method in order: FLR first), then restores the pool's VF policy for
 * a VF of a NIC: a placeholder MAC (pt_vf_placeholder_mac), VLAN 0, spoof checking on,
 * trust off; the function stays on vfio-pci. A function whose reset (or policy
 * restore) fails is quarantined: never handed out again until unquarantined.
 * docs/assign.md tells the whole story.
 */
#ifndef PASSTHRU_ASSIGN_H
#define PASSTHRU_ASSIGN_H

#include "passthru/passthru.h"
#include "passthru/vm.h"
#include "passthru/profile.h"
#include "passthru/safety.h"
#include "passthru/scope.h"
#include "passthru/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The host configuration `assign` reads when none is named (under the sysroot). */
#define PT_HOSTCFG_DEFAULT "/etc/passthru/host.yaml"

/* ---- pools on this host ------------------------------------------------------------- */

struct pt_pool_resolved {
	char name[64];
	const char *kind;              /* "vfs" or "devices" (the state database's words) */
	struct pt_pool_member *members;
	size_t n_members;
	char (*bdfs)[PT_BDF_STRLEN];   /* storage members[i].bdf points into */
	char error[320];               /* "" resolved; else why not (a selector matched nothing) */
};

/* Resolves every pool of cfg against h: vfs_of -> every current VF of each PF, in
 * index order; devices -> the functions themselves and every other endpoint of their
 * IOMMU groups (a GPU's audio function): a devices pool hands out whole groups. A pool whose selector does not
 * resolve gets error set (the others are still resolved). Pure; -ENOMEM only. */
int pt_pools_resolve(const struct pt_host *h, const struct pt_hostcfg *cfg,
		     struct pt_pool_resolved **out, size_t *n);
void pt_pools_free(struct pt_pool_resolved *p, size_t n);

/* What pools and assign read of the host (scope.h): the functions cfg's pools name (a
 * vfs_of PF with its VFs; cfg may be NULL) and every free function the database's pools
 * hold now (st may be NULL), each with what its judgement depends on. */
int pt_pools_scope(struct pt_state *st, const struct pt_hostcfg *cfg, struct pt_scope *s);
/* What release reads: the functions leased to vm, with what they depend on (their PF). */
int pt_release_scope(struct pt_state *st, const char *vm, struct pt_scope *s);

/* Resolves and pt_state_sync_pool()s every pool that resolves. need (may be NULL) is
 * the pool the caller is about to use: -ENOENT when cfg has no such pool, -ENODEV when
 * it does not resolve on this host (the others are synced all the same). */
int pt_pools_sync(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
		  const struct pt_hostcfg *cfg, const char *need);

/* ---- helpers -------------------------------------------------------------------------- */

/* The MAC a VF of a NIC gets when it returns to its pool: locally administered,
 * unicast, derived from the PF's full address and the VF index, so unique on the host:
 *   <02 | VF index bits 8-13 << 2>:<domain hi>:<domain lo>:<bus>:<dev<<3|fn>:<VF index lo>
 * (02:00:00:18:00:03 for VF 3 of 0000:18:00.0; 06:00:00:18:00:2c for its VF 300).
 * -ERANGE for a VF index of PT_PLACEHOLDER_MAX_VF or more (46 bits are free in a
 * locally administered unicast MAC: 32 for the PF, 14 for the index). Drivers such as
 * igb refuse an all-zero MAC from the host. */
#define PT_PLACEHOLDER_MAX_VF 16384
int pt_vf_placeholder_mac(const struct pt_bdf *pf, int vf, uint8_t mac[6]);

/* The NUMA node whose CPUs include every CPU of cpus (a cpulist): the node id,
 * -EINVAL for a malformed list, -ENOENT when no node has them all (the message says
 * which nodes they span). */
int pt_cpus_node(struct pt_ctx *ctx, const struct pt_host *h, const char *cpus);

/* Can the pool's function bdf be handed to a VM once bound to vfio? Its assignability as
 * lib/judge.c judges it for every command (pt_judge_assignable: DMA remapping on, a
 * group of its own or shared only with functions off host drivers, not needed by the
 * host unless prot is NULL). With whole_group (a devices pool) the group's other
 * endpoints are taken with it (the allocator hands the group out as one unit), so their
 * host drivers do not block it; each is judged in turn. A pt_assign_req group_viable
 * callback: arg is a struct pt_viability. */
struct pt_protected;
struct pt_viability {
	const struct pt_host *h;
	const struct pt_protected *prot;  /* NULL/0: nothing protected (--force) */
	size_t n_prot;
	bool no_dma;                      /* DMA remapping judged off: nothing is assignable */
	size_t n_refused;                 /* out: devices refused */
	char refused_why[320];            /* out: the first refusal: its cause and the fix */
	size_t n_refused_protected;       /* out: of them, refused because the host needs them */
	char protected_why[256];          /* out: the first such reason */
	bool whole_group;                 /* the pool hands out whole groups (a devices pool):
					   * every endpoint of the group is bound to vfio */
	struct pt_refusal *blockers;      /* out: every cause of every refused function (one
					   * entry per function, cause and blocker: kind
					   * "not-on-host" for one the host no longer has in
					   * that group); malloc'd */
	size_t n_blockers;
};
bool pt_assign_group_viable(void *arg, const struct pt_bdf *bdf, int iommu_group);

/* passthru pools: per pool and node, with free meaning what pt_assign would hand out
 * on h now (the same judgement: lib/judge.c, what the host needs, groups shared with a
 * leased device); the others free in the database are counted as blocked, each blocked
 * unit with every cause of every refused function (u->blockers: the entries assign's
 * refusal names, pt_assign_group_viable's) and the first one's in blocked_why. h NULL:
 * the database's view only. Free with pt_pool_usage_free. */
struct pt_pool_usage;
int pt_pools_usage(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
		   struct pt_pool_usage **out, size_t *n);

/* ---- recovery -------------------------------------------------------------------------- */

struct pt_recovery {
	bool recovered;            /* something was left behind and dealt with */
	bool busy;                 /* another passthru holds the lock: nothing was stale */
	size_t steps;              /* kernel writes the undo made */
	size_t aborted;            /* pending leases rolled back */
	char what[512];            /* the apply journal's recovery, in a sentence ("" none) */
};

/* What a killed assign, release or apply left behind, dealt with by whichever passthru
 * command comes next (every command that opens the state calls it): under the apply
 * lock, an unfinished apply journal is undone (pt_apply_recover), and so is a finished
 * one that pending leases were waiting on; then those pending leases are rolled back
 * (pt_state_abort). A lease therefore only ever means a ready device, and the retry of
 * a killed assign starts from the state before it. Nothing left behind: no lock is
 * taken. The lock held by a running passthru (wait_ms passed): rec->busy, 0. */
int pt_assign_recover(struct pt_ctx *ctx, struct pt_state *st, const char *state_dir,
		      int wait_ms, struct pt_recovery *rec);

/* ---- assign ----------------------------------------------------------------------------- */

struct pt_assign_opts {
	const char *vm;
	const char *pool;
	unsigned count;          /* >= 1 */
	int numa_node;           /* -1 any */
	bool allow_remote;
	const char *mac;         /* NULL or a MAC for the (single) VF of a NIC */
	int vlan;                /* 0 none, 1..4094 */
	bool force;              /* take functions lib/safety.c protects (and say so) */
	bool spread_pf;          /* take VFs round-robin over their PFs (--spread pf) */
	bool dry_run;            /* choose, then give the leases back at once; no kernel write */
	const char *state_dir;   /* the apply journal and lock; NULL: <sysroot>/var/lib/passthru */
	int timeout_ms;          /* blocking writes (unbind, probe); 0: 30000 */
	/* Test-only (PASSTHRU_CRASH_AFTER_STEP=N): raise SIGKILL right after step N of the
	 * assignment: step 1 is the lease record, steps 2.. the kernel writes that make the
	 * device ready (apply's steps, shifted by one). 0 = off. */
	int crash_after_step;
	/* The pre-launch check (pt_vm_check, the judgement of `passthru vm check`), made on
	 * the functions chosen, before anything is written: vm_memory > 0 checks the free
	 * huge pages of hugepage_kb on the devices' node (when hugepage_kb > 0) and the
	 * memlock budget (guest RAM + the devices' BARs) against memlock_limit: -2 the
	 * caller's own RLIMIT_MEMLOCK and CAP_IPC_LOCK (the process that would start QEMU),
	 * -1 unlimited, else bytes (the limit the VM will run with: libvirt's, systemd's
	 * LimitMEMLOCK=). A failed check refuses with -E2BIG and res->launch says why. */
	long long vm_memory;
	long hugepage_kb;
	long long memlock_limit;
	const char *memlock_source; /* " (--memlock)"; NULL: the caller's */
};

struct pt_assigned {
	struct pt_lease lease;     /* bdf, numa_node, iommu_group, mac, vlan, remote ... */
	bool is_vf;
	char pf[PT_BDF_STRLEN];    /* the PF of a VF, else "" */
	int vf;                    /* VF index, -1 */
	char pf_ifname[16];        /* the PF's interface ("" none) */
	bool net;                  /* a network function (class 02): an <interface> in libvirt */
	int class_code;
	char cpulist[256];         /* the function's local CPUs ("" unknown) */
	char driver[64];           /* its driver after readying */
	int guest_slot;            /* functions of one host slot leased together share a guest
				    * slot (0x10.. on the root bus) with multifunction=on: the
				    * slot, else -1 (let libvirt/QEMU place it) */
	int guest_function;        /* its function number there (the host's) */
	char vfio_dev[16];         /* its VFIO device (vfio-dev/vfioN) once on vfio-pci ("" none) */
	bool vfio_cdev;            /* /dev/vfio/devices/<vfio_dev> exists: iommufd can open it */
	bool pf_on_vfio;           /* a VF whose PF a vfio driver holds: QEMU must give the VF
				    * token the PF's user set (vf-token=UUID) */
};

struct pt_assign_result {
	struct pt_assigned *devs;
	size_t n;
	size_t n_remote;           /* placed off the requested node */
	int node;                  /* the node of every device, or -1 (mixed/unknown) */
	char node_cpus[256];       /* that node's CPUs ("" unknown) */
	char forced[512];          /* protections overridden by force ("" none) */
	size_t steps;              /* kernel writes planned/done to make them ready */
	char note[512];            /* anything the caller should tell the user */
	char numa_note[320];       /* a VF whose numa_node differs from its PF's: which node is
				    * used and why (lib/judge.c); "" none */
	/* a refusal (pt_assign < 0): every blocker, each function and its reason (the
	 * judgement's causes, or the safety gate's) and whether force lifts it; kept when
	 * pt_assign fails (nothing to free). n_refused may exceed the array: the first
	 * PT_ASSIGN_MAX_REFUSED are kept, the message in ctx names them all */
#define PT_ASSIGN_MAX_REFUSED 16
	struct pt_refusal refused[PT_ASSIGN_MAX_REFUSED];
	size_t n_refused;
	bool launch_checked;       /* opts.vm_memory was given: launch holds the check */
	struct pt_report launch;   /* vm.check.* results (also when it refused) */
};
void pt_assign_result_free(struct pt_assign_result *r);

/* Leases opts->count units of opts->pool to opts->vm from h (pools must be synced:
 * pt_pools_sync) and makes them ready: under the apply lock (after pt_assign_recover's
 * work), the leases recorded pending, the devices made ready under the journal, the
 * leases made active, the journal finished. Returns 0, or a negative errno with the sentence
 * in ctx (no lease is left behind): the pt_state_assign errors (-ENOSPC says what is
 * free where), -EPERM a protected function (without force), -EIO readying failed (and
 * was rolled back), -ENOTSUP a MAC/VLAN that cannot be set here (no rtnetlink: a
 * sysroot without a recorded dump; or not a VF of a NIC). */
int pt_assign(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
	      const struct pt_assign_opts *o, struct pt_assign_result *res);
/* (-E2BIG: the pre-launch check failed: res->launch holds the numbers; nothing written.
 * res is kept for the caller to print, pt_assign_result_free it.) */

/* ---- release ------------------------------------------------------------------------------ */

struct pt_release_opts {
	const char *state_dir;
	int timeout_ms;
	bool dry_run;              /* say what would happen; write nothing */
	bool no_reset;             /* skip the reset (benchmarks only) */
	bool force;                /* release a device a process still holds open */
};

struct pt_released {
	struct pt_lease lease;
	bool reset_ok;
	char reset[256];           /* "reset (reset_method: flr)" or why it failed */
	int policy;                /* 1 restored, 0 not needed (not a VF of a NIC), -1 failed,
				    * -2 skipped (no rtnetlink here: a test tree) */
	char policy_msg[256];
	bool quarantined;
	bool in_use;               /* a process holds it through vfio: left leased, untouched */
	long holder_pid;           /* that process (in_use) */
	char why[320];             /* the quarantine reason, or why it was left leased */
};

/* Releases vm's leases (all, or the one on bdf with the rest of its unit: the VM's
 * leases of the same pool and IOMMU group): each function is reset, its VF
 * policy restored, kept on vfio-pci and returned to its pool; one whose reset or
 * policy restore fails is quarantined. A function some process still holds open
 * through vfio (the VM is running: pt_vfio_holder) is left leased and untouched,
 * unless o->force. Returns 0 when every function went back to its pool, 1 when some
 * were quarantined or left in use (see *out), or a negative errno (-ENOENT bdf is not
 * leased, -EPERM leased to another VM). *out is malloc'd. */
int pt_release(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h, const char *vm,
	       const char *bdf, const struct pt_release_opts *o, struct pt_released **out,
	       size_t *n);

/* ---- gc ----------------------------------------------------------------------------------- */

/* One VM that holds leases and is not live. */
struct pt_gc_vm {
	char vm[PT_NAME_MAX + 1];
	size_t n_leases;
	bool stale;                /* false: kept, a lease is younger than min_age_s */
	int result;                /* stale: pt_release's 0, 1 or negative errno */
	char error[512];           /* result < 0: why */
	struct pt_released *released; /* stale and result >= 0: what release did */
	size_t n_released;
};

struct pt_gc_result {
	struct pt_gc_vm *vms;      /* ordered by VM */
	size_t n;
};
void pt_gc_result_free(struct pt_gc_result *r);

/* Gives back the devices of the VMs that no longer exist: of the VMs holding leases
 * and not in live_vms (as the caller listed them), the stale ones by the one gc rule
 * (pt_state_gc_stale) are released as pt_release does (reset, VF policy, pool; o
 * may ask for a dry run), the others are reported as kept. Returns 0 when every
 * stale VM's devices went back, 1 when some were quarantined, left in use or could
 * not be released (see res), or a negative errno when the leases could not be read. */
int pt_gc(struct pt_ctx *ctx, struct pt_state *st, const struct pt_host *h,
	  const char *const *live_vms, size_t n_live, long min_age_s,
	  const struct pt_release_opts *o, struct pt_gc_result *res);

/* ---- which VFIO path the VM opens its devices through ------------------------------------ */

/* legacy: the group and container (/dev/vfio/G and /dev/vfio/vfio, -device vfio-pci,host=);
 * iommufd: the device cdev (/dev/vfio/devices/vfioN) attached to /dev/iommu (QEMU's
 * -object iommufd, libvirt's <driver iommufd='yes'/>). */
enum pt_vfio_backend { PT_VFIO_AUTO = 0, PT_VFIO_LEGACY, PT_VFIO_IOMMUFD };
const char *pt_vfio_backend_str(enum pt_vfio_backend b); /* "auto" "legacy" "iommufd" */
int pt_vfio_backend_parse(const char *s, enum pt_vfio_backend *out); /* 0 or -EINVAL */

/* What the VM manager installed here can do (pt_vmm_probe, or what the caller found
 * out): PT_UNKNOWN when it was not asked (or the program is absent). */
struct pt_vmm_support {
	enum pt_tri qemu_iommufd;      /* QEMU has the iommufd object */
	char qemu_evidence[192];       /* "qemu-system-x86_64 -object help lists iommufd" */
	enum pt_tri libvirt_iommufd;   /* libvirt writes <driver iommufd='yes'/> for hostdevs */
	char libvirt_evidence[192];
};

/* The first libvirt release whose hostdev iommufd attribute passthru relies on. */
#define PT_LIBVIRT_IOMMUFD_MAJOR 12
#define PT_LIBVIRT_IOMMUFD_MINOR 2

/* Asks the VM manager (lib/vmm-probe.c): `qemu-system-x86_64 -object help` always,
 * `virsh --version` when libvirt (the output is libvirt XML); each at most 10 s and
 * 64 KiB of output, stderr dropped. PASSTHRU_QEMU and PASSTHRU_VIRSH name other
 * binaries. What could not be run or read stays PT_UNKNOWN with why in the evidence.
 * The answers feed pt_vfio_backend_choose, as `passthru assign` does. Like the CLI
 * before it, it asks on a --sysroot tree too (ctx's sysroot is not consulted). Returns
 * 0. */
int pt_vmm_probe(struct pt_ctx *ctx, bool libvirt, struct pt_vmm_support *v);

/* Pure parsers of what those programs print: does `qemu-system-x86_64 -object help`
 * list the object type name (a line of its own: "  iommufd")? 1 yes, 0 no. And
 * `virsh --version` ("9.0.0\n") as major, minor: 0, or -EINVAL. */
int pt_qemu_help_lists(const char *buf, size_t len, const char *name);
int pt_libvirt_version_parse(const char *buf, size_t len, int *major, int *minor);

struct pt_vfio_choice {
	enum pt_vfio_backend backend;  /* legacy or iommufd, never auto */
	bool forced;                   /* the caller asked for it (--vfio-backend) */
	char why[768];                 /* the evidence, in a sentence */
	char warning[512];             /* forced against the evidence, or a VF token needed
					* and not given: what will fail ("" none) */
};

/* The one decision: iommufd when the kernel can (/dev/iommu exists and every assigned
 * function has its cdev /dev/vfio/devices/vfioN) and the VM manager can (QEMU's iommufd
 * object; for libvirt, also libvirt's attribute), legacy otherwise; want other than
 * PT_VFIO_AUTO is obeyed and the evidence against it put in warning. libvirt: the output
 * is libvirt XML (a failover pair needs <interface type='hostdev'>, which has no
 * documented iommufd form: legacy). vf_token: the UUID the caller was given ("" none).
 * Pure. */
void pt_vfio_backend_choose(const struct pt_host *h, const struct pt_assign_result *res,
			    bool libvirt, bool failover, const struct pt_vmm_support *vmm,
			    enum pt_vfio_backend want, const char *vf_token,
			    struct pt_vfio_choice *out);

/* pt_vfio_holder(): passthru/vm.h, with the VM view. */

/* Resets one function through its `reset` attribute: 0, -ENOTTY when it has no reset
 * method (no reset_method, or an empty one), or the write's error. */
int pt_device_reset(struct pt_ctx *ctx, const struct pt_device *d, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
