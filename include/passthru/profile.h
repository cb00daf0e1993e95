/* SPDX-License-Identifier: MIT */
/*
 * Host profiles (what `passthru check` judges against) and host configurations
 * (what `passthru apply` makes true, and the pools `passthru assign` hands out).
 * One YAML document may hold both: a profile may embed the configuration.
 *
 * Parse -> validate -> defaults happen in one place (lib/profile.c); every error
 * names file:line:column, the key and the value. "Unset" is -1 for numbers and ""
 * for strings, so the gate and the planner can tell "not asked" from "asked for 0".
 */
#ifndef PASSTHRU_PROFILE_H
#define PASSTHRU_PROFILE_H

#include "passthru/passthru.h"

/* Where a value was written, for messages. */
struct pt_srcpos {
	int line, col; /* 1-based; 0 when built in (defaults) */
};

/* A device selector: { bdf: "0000:41:00.0" } | { netdev: eth0 } | { id: "8086:10c9", index: 0 } */
enum pt_match_kind { PT_MATCH_NONE = 0, PT_MATCH_BDF, PT_MATCH_NETDEV, PT_MATCH_ID };
struct pt_match {
	enum pt_match_kind kind;
	struct pt_bdf bdf;
	char netdev[16];
	int vendor_id, device_id; /* PT_MATCH_ID */
	int index;                /* the index-th function with that ID, in BDF order (default 0) */
	struct pt_srcpos pos;
};
/* The function a selector names in a scanned host (lib/match.c), or NULL: a lookup,
 * for callers to whom "not here" is an answer (check reports it as a result). */
struct pt_device *pt_match_find(const struct pt_host *h, const struct pt_match *m);
/* Why m names no function of h, as a sentence ("no PCI function 0000:41:00.0 on this
 * host", "2 functions with ID 8086:10c9, index 3 asked"): data for a judgement's
 * evidence or a result's reason, not an error. Returns buf. */
char *pt_match_absent_str(const struct pt_host *h, const struct pt_match *m, char *buf, size_t len);
/* The lookup as an error, for callers that cannot go on without the function: 0 and
 * *out, or -ENODEV (-EINVAL for an empty selector) with pt_match_absent_str's sentence
 * in ctx. */
int pt_match_resolve(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_match *m,
		     struct pt_device **out);
/* "bdf 0000:41:00.0" / "netdev eth0" / "id 8086:10c9 #0" */
char *pt_match_str(const struct pt_match *m, char *buf, size_t len);

enum pt_vf_link_state { PT_LINK_UNSET = -1, PT_LINK_AUTO = 0, PT_LINK_ENABLE = 1, PT_LINK_DISABLE = 2 };

/* VF settings; -1 / "" / has_mac=false mean unset. */
struct pt_vf_config {
	int vf;                   /* VF index; -1 for vf_defaults */
	bool has_mac;
	uint8_t mac[6];
	int vlan;                 /* 0..4095; 0 = no VLAN */
	int qos;                  /* 0..7 */
	int vlan_proto;           /* 0 unset (802.1Q), 0x8100 802.1Q, 0x88a8 802.1ad (QinQ) */
	int query_rss;            /* 0/1: the VF may query the PF's RSS (IFLA_VF_RSS_QUERY_EN) */
	int spoof_check;          /* 0/1 */
	int trust;                /* 0/1 */
	int link_state;           /* enum pt_vf_link_state */
	long min_tx_rate;         /* Mbps */
	long max_tx_rate;
	char driver[64];          /* "vfio-pci", a host VF driver ("igbvf"), or "none" */
	struct pt_srcpos pos;
};

struct pt_sriov_config {
	struct pt_match pf;
	int vfs;                  /* wanted sriov_numvfs; -1 unset */
	int drivers_autoprobe;    /* 0/1; -1 unset */
	struct pt_vf_config defaults;  /* vf_defaults */
	struct pt_vf_config *vf;  /* per-VF overrides (vf: {0: {...}}), sorted by index */
	size_t n_vf;
	struct pt_srcpos pos;
};

struct pt_passthrough_config {
	struct pt_match device;
	char driver[64];          /* default "vfio-pci" */
	struct pt_srcpos pos;
};

enum pt_pool_kind { PT_POOL_VFS = 0, PT_POOL_DEVICES = 1 };
struct pt_pool_config {
	char name[64];
	enum pt_pool_kind kind;   /* vfs_of: [PFs] or devices: [...] */
	struct pt_match *members;
	size_t n_members;
	struct pt_srcpos pos;
};

struct pt_hugepage_req {
	long size_kb;             /* 2048, 1048576 */
	int node;                 /* -1: system-wide */
	long min_total, min_free; /* -1 unset */
	long pages;               /* -1 unset; else apply reserves exactly this many on node
				   * (the host configuration's hugepages:) */
	struct pt_srcpos pos;
};

/* boot: the kernel command line and early vfio-pci binding `passthru boot` makes
 * true (include/passthru/boot.h). Zero is every default. */
enum pt_boot_iommu { PT_BOOT_IOMMU_ON = 0, PT_BOOT_IOMMU_PT, PT_BOOT_IOMMU_KEEP };
enum pt_boot_ids { PT_BOOT_IDS_AUTO = 0, PT_BOOT_IDS_CMDLINE, PT_BOOT_IDS_MODPROBE };
enum pt_boot_tri { PT_BOOT_AUTO = 0, PT_BOOT_YES, PT_BOOT_NO };
struct pt_boot_hugepages {
	long size_kb;             /* hugepagesz= */
	long count;               /* hugepages= */
	struct pt_srcpos pos;
};
struct pt_boot_config {
	bool present;             /* the document has a boot: section */
	int loader;               /* enum pt_boot_loader; 0 (unknown) = detect */
	int iommu;                /* enum pt_boot_iommu: on (default), pt, keep */
	struct pt_boot_hugepages *hugepages;
	size_t n_hugepages;
	long default_hugepagesz_kb; /* 0 unset */
	char isolcpus[256], nohz_full[256], rcu_nocbs[256]; /* "" unset */
	int pci_realloc;          /* enum pt_boot_tri: auto (when plan sriov says so), yes, no */
	struct pt_match *vfio;    /* functions vfio-pci owns from boot */
	size_t n_vfio;
	int vfio_ids;             /* enum pt_boot_ids: where vfio-pci.ids goes */
	char **extra;             /* further parameters, verbatim */
	size_t n_extra;
	struct pt_srcpos pos;
};

struct pt_hostcfg {
	struct pt_boot_config boot;
	struct pt_sriov_config *sriov;
	size_t n_sriov;
	struct pt_passthrough_config *passthrough;
	size_t n_passthrough;
	struct pt_pool_config *pools;
	size_t n_pools;
	/* hugepages: [{node, size, pages}]: apply makes each node's nr_hugepages of that
	 * size exactly pages (a struct pt_hugepage_req with node >= 0 and pages >= 0) */
	struct pt_hugepage_req *hugepages;
	size_t n_hugepages;
};

enum pt_severity { PT_SEV_IGNORE = 0, PT_SEV_WARN = 1, PT_SEV_FAIL = 2 };

/* A device the profile marks for passthrough, with what must hold for it. */
struct pt_device_req {
	struct pt_match match;
	char driver[64];          /* expected driver; default "vfio-pci"; "" = any */
	int numa_node;            /* -1 unset */
	int min_speed_mts;        /* -1 unset */
	int min_width;            /* -1 unset */
	struct pt_srcpos pos;
};

struct pt_fw_allow {
	char driver[64];
	char **versions;          /* driver versions allowed (ethtool -i "version") */
	size_t n_versions;
	char **firmware;          /* firmware-version strings allowed */
	size_t n_firmware;
	struct pt_srcpos pos;
};

struct pt_profile {
	char name[64];
	char source[256];          /* file name, "(defaults)" when built in */
	/* iommu: */
	bool require_dma_remapping;        /* dma_remapping: required|optional (default required) */
	bool require_interrupt_remapping;  /* default required */
	char default_domain[16];           /* "", "translated", "passthrough" */
	/* kernel: cmdline: require/forbid: entries "key" (present) or "key=value" */
	char **cmdline_require;
	size_t n_cmdline_require;
	char **cmdline_forbid;
	size_t n_cmdline_forbid;
	struct pt_hugepage_req *hugepages;
	size_t n_hugepages;
	char cpu_governor[32];             /* "" = not checked */
	int irqbalance;                    /* -1 any, 0 must not run, 1 must run */
	/* severity: what each kind of finding does to the verdict */
	enum pt_severity sev_link_degraded;   /* default warn */
	enum pt_severity sev_iommu_faults;    /* default fail */
	enum pt_severity sev_aer_fatal;       /* default fail */
	enum pt_severity sev_aer_nonfatal;    /* default warn */
	enum pt_severity sev_aer_correctable; /* default ignore */
	enum pt_severity sev_irq_affinity;    /* default warn */
	enum pt_severity sev_acs_override;    /* default fail */
	struct pt_device_req *devices;
	size_t n_devices;
	/* vf_policy: every VF of every configured PF (or every PF when none configured) */
	int vf_spoof_check;               /* -1 unchecked, 1 must be on, 0 must be off */
	int vf_trust;                     /* -1 unchecked, 0 must be off, 1 must be on */
	int vf_vlan_required;             /* -1/0 unchecked, 1 every VF needs a VLAN */
	char vm_cpus[256];                /* numa: vm_cpus: the CPUs reserved for VMs */
	struct pt_fw_allow *firmware;
	size_t n_firmware;
	struct pt_hostcfg cfg;            /* embedded sriov/passthrough/pools */
};

struct pt_cfg_error {
	char file[256];
	int line, col;            /* 0 when not tied to a place */
	char msg[512];            /* "key 'vfs': value 'many' is not a number" */
};

/* The built-in profile for a device-assignment host (used without --profile). */
void pt_profile_defaults(struct pt_profile *p);
/* Pure: parses YAML bytes. filename is only used in messages. Returns 0 or
 * -EINVAL with *err filled (file:line:col, key, value). */
int pt_profile_parse(const char *buf, size_t len, const char *filename, struct pt_profile *p,
		     struct pt_cfg_error *err);
/* Reads a file (not through the sysroot: profiles are the user's files) and parses it. */
int pt_profile_load(const char *path, struct pt_profile *p, struct pt_cfg_error *err);
void pt_profile_free(struct pt_profile *p);

/* A host configuration alone (sriov/passthrough/pools); gate keys are rejected. */
int pt_hostcfg_parse(const char *buf, size_t len, const char *filename, struct pt_hostcfg *c,
		     struct pt_cfg_error *err);
int pt_hostcfg_load(const char *path, struct pt_hostcfg *c, struct pt_cfg_error *err);
void pt_hostcfg_free(struct pt_hostcfg *c);
/* The boot: section: a deep copy (dst's old content freed; -ENOMEM leaves dst as it
 * was), and freeing one. */
int pt_boot_config_copy(struct pt_boot_config *dst, const struct pt_boot_config *src);
void pt_boot_config_free(struct pt_boot_config *b);

/* ---- the one config loader ---------------------------------------------------------
 * A file as check, apply, assign and pools read it. PT_CONFIG_PROFILE: a profile
 * (which may embed a host configuration). PT_CONFIG_ANY: a profile, else a bare host
 * configuration (one whose VF settings the default vf_policy would refuse is still a
 * host configuration); the profile parser's message wins when both fail. Then the
 * drop-ins of FILE.d/ (FILE with .yaml replaced by .d: what `--persist` of the
 * one-shot commands writes) are merged over it in name order (pt_hostcfg_merge); with
 * PT_CONFIG_ANY, a FILE that does not exist but has drop-ins is those drop-ins. */
enum pt_config_kind { PT_CONFIG_ANY = 0, PT_CONFIG_PROFILE };

struct pt_config_file {
	bool is_profile;            /* profile holds it; else hostcfg does */
	struct pt_profile profile;
	struct pt_hostcfg hostcfg;
};

/* 0, or a negative errno (-EINVAL a document that does not parse, else why the file
 * could not be read) with "FILE:LINE:COL: message" (or "FILE: message") in ctx. */
int pt_config_load(struct pt_ctx *ctx, const char *path, enum pt_config_kind kind,
		   struct pt_config_file *out);
/* The same for a file under the sysroot (rel: "/etc/passthru/host.yaml"), read through
 * the seam: inside the tree, a regular file only (-EINVAL otherwise). */
int pt_config_load_sysroot(struct pt_ctx *ctx, const char *rel, enum pt_config_kind kind,
			   struct pt_config_file *out);
/* The host configuration of c, either way. */
const struct pt_hostcfg *pt_config_file_hostcfg(const struct pt_config_file *c);
void pt_config_file_free(struct pt_config_file *c);

/* The VF settings in force for VF index vf of s: vf_defaults overlaid by vf: {N: ...}. */
void pt_sriov_vf_effective(const struct pt_sriov_config *s, int vf, struct pt_vf_config *out);

#endif
