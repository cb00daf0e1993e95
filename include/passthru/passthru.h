/* SPDX-License-Identifier: MIT */
/*
 * libpassthru: the host's PCI, SR-IOV, IOMMU and NUMA state as one model.
 *
 * Conventions (every header under include/passthru/ follows them):
 *  - errors, the one convention: a function returns 0 (or a count) on success and a
 *    negative errno on failure, and leaves one sentence for a person in the context
 *    (pt_err(ctx, -E..., "...") in the library, pt_ctx_error(ctx) to read it): what
 *    failed, on which device or file:line:col, and what to do. The errno is for the
 *    program (EPERM refused, ENOSPC nothing free, EINVAL bad input, EBUSY locked ...),
 *    the sentence for the person. Pure functions take the context only to receive
 *    the sentence (pt_plan_build, pt_oneshot_*, pt_libvirt_parse); pt_err accepts a
 *    NULL context, so a caller that wants the errno alone may pass NULL. One shape
 *    stays beside it, for the configuration files' parsers: struct pt_cfg_error
 *    (file, line, column and message; pt_config_load turns it into the context's
 *    sentence). A judgement's reasons are not errors: they are data in its result
 *    (pt_refusal.reason, pt_cause.why, a pool's blocked_why, pt_match_absent_str),
 *    and a failed judgement is an answer, returned as 0 with the result filled;
 *  - the library never prints and never exits;
 *  - every path under /sys, /proc, /dev, /etc, /var is built by pt_path() from the
 *    context's sysroot, so the whole library runs on a directory tree;
 *  - a value the host did not tell is "unknown": -1 for counts/ids/nodes, PT_UNKNOWN
 *    for tri-states, an empty string for names. Nothing is invented.
 */
#ifndef PASSTHRU_H
#define PASSTHRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- context and the sysroot seam ---------------------------------------------- */

struct pt_ctx;

/* sysroot NULL or "" means "/". */
int pt_ctx_new(struct pt_ctx **out, const char *sysroot);
void pt_ctx_free(struct pt_ctx *ctx);
const char *pt_ctx_sysroot(const struct pt_ctx *ctx);
/* The last error, as a sentence naming what failed (never NULL). */
const char *pt_ctx_error(const struct pt_ctx *ctx);
/* Set the error message; returns err (a negative errno) for "return pt_err(...)". */
int pt_err(struct pt_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Builds sysroot + path. path must be absolute ("/sys/..."). Returns the length or
 * -ENAMETOOLONG. */
int pt_path(const struct pt_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int pt_vpath(const struct pt_ctx *ctx, char *buf, size_t len, const char *fmt, va_list ap);

/* Reads a small attribute file (sysfs/procfs) into buf, NUL-terminated, trailing
 * newlines removed. Returns the length or a negative errno. */
int pt_read_attr(const struct pt_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Reads a whole file (bounded by max bytes) into a malloc'd buffer. */
int pt_read_file(const struct pt_ctx *ctx, char **out, size_t *outlen, size_t max,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* readlink() of sysroot+path; the target is returned as the kernel wrote it. */
int pt_readlink(const struct pt_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 1 if sysroot+path exists (following links), 0 if not. */
int pt_exists(const struct pt_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The state directory (apply journal and lock, state.db): state_dir when given (the
 * CLI's --state-dir / PASSTHRU_STATE_DIR), else <sysroot>/var/lib/passthru, into buf.
 * With create, it is made (parents 0755, itself 0700) and must be a directory.
 * 0, or a negative errno with the message in ctx (lib/state-dir.c). */
int pt_state_dir(struct pt_ctx *ctx, const char *state_dir, bool create, char *buf, size_t len);

/* Every write to kernel state goes through here: it is counted (tests prove
 * "zero writes" on a converged host) and can be made to fail for rollback tests
 * (environment PASSTHRU_FAIL_WRITE=<substring of path>[@N]: the Nth matching
 * write fails with EIO). timeout_ms bounds writes that block (0 = no bound). */
int pt_write_attr(struct pt_ctx *ctx, const char *value, int timeout_ms, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
unsigned long pt_ctx_write_count(const struct pt_ctx *ctx);

/* ---- PCI addresses --------------------------------------------------------------- */

/* "dddd:bb:dd.f"; PCI domains may be 32 bits wide (VMD: "10000:00:00.0"). */
#define PT_BDF_STRLEN 20
struct pt_bdf {
	uint32_t domain;
	uint8_t bus, dev, fn;
};
/* Accepts "dddd:bb:dd.f" and "bb:dd.f" (domain 0). Returns 0 or -EINVAL. Pure. */
int pt_bdf_parse(const char *s, struct pt_bdf *out);
struct pt_device;
/* The BDF of VF n of pf (its virtfnN link), or NULL when the PF has no such link. */
const struct pt_bdf *pt_device_vf(const struct pt_device *pf, int n);
/* Parses a BDF at the start of s, returning the number of characters used, or 0. */
size_t pt_bdf_scan(const char *s, struct pt_bdf *out);
char *pt_bdf_format(const struct pt_bdf *bdf, char buf[PT_BDF_STRLEN]);
int pt_bdf_cmp(const struct pt_bdf *a, const struct pt_bdf *b);
bool pt_bdf_eq(const struct pt_bdf *a, const struct pt_bdf *b);

/* ---- the model ------------------------------------------------------------------- */

enum pt_tri { PT_UNKNOWN = -1, PT_NO = 0, PT_YES = 1 };
const char *pt_tri_str(enum pt_tri t); /* "unknown", "no", "yes" */

struct pt_link {
	int max_speed_mts;  /* mega-transfers/s: 2500, 5000, 8000, 16000 ...; -1 unknown */
	int speed_mts;
	int max_width;      /* lanes; -1 unknown */
	int width;
	enum pt_tri degraded; /* below capability; unknown when an attribute is missing */
};

/* ACS bits (PCIe spec, ACS Capability/Control registers). */
#define PT_ACS_SV 0x0001 /* source validation */
#define PT_ACS_TB 0x0002 /* translation blocking */
#define PT_ACS_RR 0x0004 /* P2P request redirect */
#define PT_ACS_CR 0x0008 /* P2P completion redirect */
#define PT_ACS_UF 0x0010 /* upstream forwarding */
#define PT_ACS_EC 0x0020 /* P2P egress control */
#define PT_ACS_DT 0x0040 /* direct translated P2P */
/* What the kernel asks of a port for isolation (pci_acs_enabled's REQ_ACS_FLAGS). */
#define PT_ACS_ISOLATION (PT_ACS_SV | PT_ACS_RR | PT_ACS_CR | PT_ACS_UF)

struct pt_acs {
	enum pt_tri present;  /* unknown when config space past 256 bytes is unreadable */
	uint16_t cap, ctrl;   /* valid when present == PT_YES */
	enum pt_tri isolates; /* ctrl enables what isolation needs (as the kernel judges) */
};

/* Facts decoded from config space (a pure function of the bytes: pt_config_parse). */
struct pt_config {
	size_t len;                 /* bytes that could be read: 0, 64, 256, 4096 */
	int header_type;            /* 0 normal, 1 bridge, 2 cardbus; -1 unknown */
	bool multifunction;
	int pcie_type;              /* PCIe device/port type field; -1 when not PCIe/unknown */
	int msix_table_size;        /* -1 unknown or absent */
	int msi_capable;            /* PT_YES/NO/UNKNOWN */
	struct pt_acs acs;
	int link_cap_speed;         /* from the PCIe capability: code 1..6; -1 unknown */
	int link_cap_width;
	int sriov_cap;              /* PT_YES/NO/UNKNOWN (extended cap 0x10) */
	int aer_cap;                /* PT_YES/NO/UNKNOWN (extended cap 0x01) */
};
int pt_config_parse(const uint8_t *buf, size_t len, struct pt_config *out);

struct pt_aer {
	long long correctable, nonfatal, fatal; /* TOTAL_ERR_*; -1 unknown */
};

enum pt_dev_kind {
	PT_KIND_FUNCTION = 0, /* neither PF nor VF */
	PT_KIND_PF,
	PT_KIND_VF,
};

struct pt_device {
	struct pt_bdf bdf;
	char name[PT_BDF_STRLEN];     /* formatted bdf, as sysfs names it */
	int vendor_id, device_id;     /* -1 unknown */
	int subsys_vendor_id, subsys_device_id;
	int class_code;               /* 24-bit class; -1 unknown */
	char vendor_name[128];        /* from pci.ids; "" unknown */
	char device_name[192];
	char class_name[96];
	char driver[64];              /* "" when unbound */
	char driver_override[64];     /* "" when none */
	int numa_node;                /* -1 unknown (the kernel's -1, or absent) */
	char local_cpulist[256];      /* "" unknown */
	int iommu_group;              /* -1 none */
	bool iommu_group_dangling;    /* link present, target absent */
	char reset_method[96];        /* "" unknown/none */
	int enabled;                  /* -1 unknown */
	char vfio_dev[16];            /* vfio-dev/vfioN: the VFIO device's name while a vfio
				       * driver holds it (its cdev is /dev/vfio/devices/vfioN
				       * when the kernel has VFIO_DEVICE_CDEV); "" none */

	enum pt_dev_kind kind;
	/* PF side */
	int sriov_totalvfs, sriov_numvfs, sriov_offset, sriov_stride, sriov_vf_device;
	int sriov_drivers_autoprobe;
	struct pt_bdf *vfs;           /* ordered by virtfn index, holes left out */
	int *vf_numbers;              /* for each vfs[k], the N of the PF's virtfnN link */
	size_t n_vfs;
	/* VF side */
	bool has_physfn;
	struct pt_bdf physfn;
	int vf_index;                 /* -1 unknown */

	struct pt_link link;
	struct pt_config config;
	int msi_irq_count;            /* entries in msi_irqs/; -1 unknown */
	int *msi_irqs;
	struct pt_aer aer;

	/* upstream path, nearest first: bridges/ports between the device and the root */
	struct pt_bdf *path;
	size_t n_path;
	char root[32];                /* e.g. "pci0000:00" */

	char **netdevs;               /* interface names (net/) */
	size_t n_netdevs;
	char **blockdevs;             /* whole disks (block/, nvme namespaces) */
	size_t n_blockdevs;
};

struct pt_iommu_group {
	int id;
	struct pt_bdf *members;
	size_t n_members;
};

struct pt_numa_node {
	int id;
	char cpulist[256];
	/* hugepages per size on this node */
	size_t n_hugepages;
	struct pt_hugepages {
		long size_kb;
		long total, free;     /* -1 unknown */
	} hugepages[8];
};

struct pt_host {
	struct pt_device *devs;     /* sorted by bdf */
	size_t n_devs;
	struct pt_iommu_group *groups; /* sorted by id */
	size_t n_groups;
	struct pt_numa_node *nodes;
	size_t n_nodes;
	char **iommu_units;         /* /sys/class/iommu entries: dmar0, ivhd0 ... */
	size_t n_iommu_units;
	/* The IOMMU's kind from those entries: "intel" (an intel-iommu/ directory, dmarN),
	 * "amd" (amd-iommu/, ivhdN), "virtio" (virtio-iommu: named after its virtio
	 * device), "other", "mixed" when units differ; "" when there is none. */
	char iommu_kind[16];
	enum pt_tri dev_iommu;      /* /dev/iommu exists (iommufd); unknown when the tree
				     * has no /dev */
	char *cmdline;              /* /proc/cmdline; NULL unknown */
	size_t n_hugepages;         /* system-wide, from /sys/kernel/mm/hugepages */
	struct pt_hugepages hugepages[8];
	char **warnings;            /* what could not be read, for "unknown" explanations */
	size_t n_warnings;
	/* Host-wide, whatever the scan read: the IOMMU groups /sys/kernel/iommu_groups
	 * lists, sorted (groups above holds the groups of the functions in devs). */
	int *group_ids;
	size_t n_group_ids;
	/* A scoped scan (scope.h): devs holds the functions a command named and what their
	 * answers depend on, not every function; warnings name only what was read. */
	bool scoped;
};

/* Scans the host through the context's sysroot. One pass, each attribute once.
 * A device vanishing mid-scan is dropped with a warning, not an error. Every function:
 * a command about a few devices scans a scope instead (pt_host_scan_scope, scope.h). */
int pt_host_scan(struct pt_ctx *ctx, struct pt_host **out);
void pt_host_free(struct pt_host *host);

/* Look-ups into a scanned host. */
struct pt_device *pt_host_find(const struct pt_host *host, const struct pt_bdf *bdf);
/* DEV is a BDF (full or short) or a netdev name. NULL when not found. */
struct pt_device *pt_host_lookup(const struct pt_host *host, const char *dev);
const struct pt_iommu_group *pt_host_group(const struct pt_host *host, int id);
const struct pt_numa_node *pt_host_node(const struct pt_host *host, int id);

/* Group viability as vfio judges it: every member with a normal header is bound to
 * a vfio driver, to pci-stub, or to nothing. Bridges do not count. */
enum pt_tri pt_group_viable(const struct pt_host *host, int group_id);
/* Endpoints (normal header) in the group other than dev itself. */
size_t pt_group_other_endpoints(const struct pt_host *host, const struct pt_device *dev,
				const struct pt_device **out, size_t max);
/* The first hop on dev's upstream path (or dev itself, when multifunction) that does
 * not isolate with ACS; NULL when every hop isolates or nothing can be told. */
const struct pt_device *pt_device_acs_culprit(const struct pt_host *host,
					      const struct pt_device *dev);
/* Are the kernel's IOMMU groups what the hardware isolates? pcie_acs_override= on the
 * command line tells the kernel to pretend ACS where there is none, so its groups can
 * no longer be trusted. 1 with the parameter as seen ("pcie_acs_override=downstream")
 * in seen, 0 when absent, -1 when the command line is unknown. The gate
 * (iommu.acs-override) and `show` both ask this. */
int pt_groups_acs_override(const struct pt_host *host, char *seen, size_t len);
/* A VF on another NUMA node than its PF (both known): a firmware quirk (the VF's
 * numa_node is the PF's in hardware). 1 and *pf, else 0. The gate (sriov.vf-numa) asks
 * this for every VF. */
int pt_vf_numa_differs(const struct pt_host *host, const struct pt_device *vf,
		       const struct pt_device **pf);

/* Class and driver helpers (lib/pci-class.c), pure. pt_driver_is_vfio: vfio-pci or
 * one of its variant drivers (mlx5_vfio_pci, hisi_acc_vfio_pci ...). */
bool pt_driver_is_vfio(const char *driver);
/* A driver that leaves an IOMMU group usable by vfio: a vfio driver, pci-stub, or
 * none (""). */
bool pt_driver_vfio_compatible(const char *driver);
/* An endpoint: a normal header, not a bridge; without the header type (config
 * unreadable), the class code decides. The functions vfio counts in a group. */
bool pt_device_is_endpoint(const struct pt_device *d);
bool pt_class_is_net(int class_code);
bool pt_class_is_storage(int class_code);
bool pt_class_is_display(int class_code);
bool pt_class_is_bridge(int class_code);

#ifdef __cplusplus
}
#endif
#endif
