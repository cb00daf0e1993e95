/* SPDX-License-Identifier: MIT */
/*
 * The boot chain (passthru boot): the kernel command line the host configuration's
 * boot: section asks for, and early vfio-pci ownership of the devices it names.
 *
 * Three steps, as elsewhere in the library:
 *  - gather (lib/boot-detect.c, pt_boot_gather): how this host boots (GRUB on
 *    Debian/Ubuntu, BLS entries with grubby, kernelstub, systemd-boot's
 *    /etc/kernel/cmdline), how vfio-pci is built (modules.builtin, the kernel config),
 *    what builds the initramfs (initramfs-tools or dracut) and what it holds
 *    (lsinitramfs or lsinitrd through the run seam), the IOMMU's vendor,
 *    the files passthru wrote before, all through the sysroot;
 *  - plan (lib/boot.c, pt_boot_plan_build): pure: the parameters, the files to write
 *    and the commands to run, the smallest change that makes them true;
 *  - run (pt_boot_run_plan): every file written atomically beside a backup of what it
 *    replaces, never through a link, inside the sysroot; every command through the
 *    run seam, and never on a sysroot other than "/".
 * The parsers of what it reads (modules.builtin, the kernel config, BLS entries,
 * kernelstub's configuration, an lsinitramfs listing) are pure and fuzzed
 * (tests/fuzz/fuzz-boot.c).
 */
#ifndef PASSTHRU_BOOT_H
#define PASSTHRU_BOOT_H

#include "passthru/passthru.h"
#include "passthru/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

enum pt_boot_loader {
	PT_LOADER_UNKNOWN = 0,
	PT_LOADER_GRUB,        /* Debian/Ubuntu: /etc/default/grub.d/ + update-grub */
	PT_LOADER_GRUBBY,      /* BLS entries (/boot/loader/entries) managed by grubby */
	PT_LOADER_KERNELSTUB,  /* Pop!_OS: /etc/kernelstub/configuration */
	PT_LOADER_SDBOOT,      /* systemd-boot: /etc/kernel/cmdline + kernel-install */
};
const char *pt_boot_loader_str(enum pt_boot_loader l); /* "unknown", "grub", ... */
/* "grub" ... -> the loader, or -1 */
int pt_boot_loader_parse(const char *s);

/* How a module is built into the running kernel. */
enum pt_boot_build { PT_BUILD_UNKNOWN = 0, PT_BUILD_ABSENT, PT_BUILD_MODULE, PT_BUILD_BUILTIN };

/* What builds the initramfs: initramfs-tools (update-initramfs, hooks in
 * /etc/initramfs-tools/hooks) or dracut (dracut -f, /etc/dracut.conf.d). */
enum pt_boot_builder { PT_BUILDER_UNKNOWN = 0, PT_BUILDER_INITRAMFS_TOOLS, PT_BUILDER_DRACUT };
const char *pt_boot_builder_str(enum pt_boot_builder b); /* "unknown", "initramfs-tools", "dracut" */
const char *pt_boot_build_str(enum pt_boot_build b); /* "unknown", "absent", "module", "built-in" */

/* ---- pure parsers (fuzzed) ---- */

/* Kernel config text (/boot/config-VER): the value of CONFIG_<sym> ("y", "m") into
 * out; 1 when set, 0 when "is not set" or missing. */
int pt_kconfig_get(const char *buf, size_t len, const char *sym, char *out, size_t outlen);
/* A BLS entry (/boot/loader/entries/NAME.conf): the value of its "options" line (the
 * last one) into out; 1 when found, 0 when not. "version" is read the same way. */
int pt_bls_field(const char *buf, size_t len, const char *key, char *out, size_t outlen);
/* kernelstub's configuration (JSON): the "user" section's "kernel_options" strings,
 * space-separated, into out. 1 when found, 0 when not, -EINVAL when malformed. */
int pt_kernelstub_options(const char *buf, size_t len, char *out, size_t outlen);
/* An lsinitrd listing (dracut: "ls -l" lines under banners) rewritten in place to one
 * path per line, as lsinitramfs lists them ("usr/lib/modules/.../vfio-pci.ko.xz"; a
 * link's own path, without " -> target"); other lines dropped. The new length. */
size_t pt_lsinitrd_paths(char *buf, size_t len);
/* An lsinitramfs listing: 1 when a line names module's .ko (any compression suffix,
 * '-' and '_' alike) or, for a path ("etc/modprobe.d/x.conf"), that file; else 0. */
int pt_initramfs_has(const char *buf, size_t len, const char *what);

/* ---- the facts (lib/boot-detect.c) ---- */

/* A device the boot: section names, as the host has it now. */
struct pt_boot_devfacts {
	char bdf[PT_BDF_STRLEN];
	int vendor, device;
	char driver[64];          /* bound now; "" none */
	char host_driver[64];     /* the driver that would otherwise bind it; "" unknown */
	char host_driver_source[32];
	enum pt_boot_build host_driver_build;
	bool host_driver_in_initramfs; /* meaningful when the listing is known */
	bool keeps_sharer;        /* another function with this ID stays with the host */
	char sharer[PT_BDF_STRLEN];
	char selector[64];        /* "id 8086:10d3 #0" as the config said it */
};

struct pt_boot_facts {
	char kernel_release[96];      /* "" unknown */
	char cpu_vendor[16];          /* "intel", "amd", "" unknown (/proc/cpuinfo) */
	char iommu_vendor[16];        /* "intel" (ACPI DMAR), "amd" (IVRS), "" unknown */
	char iommu_evidence[160];
	enum pt_boot_loader loader;
	char loader_evidence[256];
	char *configured;             /* the loader's own parameters now; NULL unknown */
	char configured_source[160];
	enum pt_boot_build vfio_pci;
	char vfio_evidence[256];
	bool initramfs_known;
	char initramfs_image[160];    /* "/boot/initrd.img-6.1.0-27-amd64" */
	char initramfs_why[256];      /* why it is unknown */
	bool initramfs_has_vfio;
	bool initramfs_has_conf;      /* etc/modprobe.d/passthru-vfio.conf in it */
	bool initramfs_tools;         /* the builder is initramfs-tools (update-initramfs) */
	enum pt_boot_builder builder; /* what builds the initramfs */
	char builder_evidence[160];
	/* the files passthru writes, as they are now (NULL: absent) */
	char *grub_dropin;            /* /etc/default/grub.d/passthru.cfg */
	char *modprobe_conf;          /* /etc/modprobe.d/passthru-vfio.conf */
	char *initramfs_modules;      /* /etc/initramfs-tools/hooks/passthru-vfio */
	char *dracut_conf;            /* /etc/dracut.conf.d/passthru-vfio.conf */
	char *override_dropin;        /* /etc/passthru/host.d/60-boot-vfio.yaml */
	char *kernel_cmdline;         /* /etc/kernel/cmdline */
	char *proc_cmdline;           /* /proc/cmdline; NULL unknown */
	struct pt_boot_devfacts *devs;
	size_t n_devs;
	char **unresolved;            /* selectors that named no function, with why */
	size_t n_unresolved;
	/* PFs the host configuration gives VFs whose VF BARs the firmware did not place
	 * (plan sriov's "mmio" limit): pci=realloc lets the kernel place them */
	char realloc_pf[PT_BDF_STRLEN];
	char realloc_why[256];
	bool realloc_needed;
	bool realloc_known;           /* every configured PF could be judged */
};

/* Gathers what the plan needs for cfg (its boot: section and its sriov: PFs). Unknowns
 * stay unknown, each with why. 0, or a negative errno with ctx's sentence. */
#define PT_BOOT_GATHER_NO_EXEC 0x1 /* run nothing (the gate: no lsinitramfs) */
int pt_boot_gather(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_hostcfg *cfg,
		   unsigned flags, struct pt_boot_facts *out);
void pt_boot_facts_free(struct pt_boot_facts *f);

/* The run seam: runs argv[0] with its arguments, stdout into *out (optional, malloc'd,
 * at most 16 MiB). With PASSTHRU_BOOT_RUN set, that program runs instead, with argv
 * as its arguments (tests substitute update-grub, grubby, lsinitramfs ...); without
 * it, nothing runs on a sysroot other than "/" (-EPERM). Returns the exit status
 * (0..255) or a negative errno with ctx's sentence. */
int pt_boot_exec(struct pt_ctx *ctx, const char *const argv[], char **out, size_t *outlen);

/* ---- the plan (lib/boot.c) ---- */

struct pt_boot_param {
	char text[256];           /* "intel_iommu=on" */
	char why[160];
	bool running;             /* on /proc/cmdline now */
	bool configured;          /* in the loader's configuration now */
};

enum pt_boot_step_kind { PT_BOOT_WRITE = 0, PT_BOOT_RUN };
#define PT_BOOT_ARGV_MAX 8
struct pt_boot_step {
	enum pt_boot_step_kind kind;
	char path[256];           /* WRITE: the file, below the sysroot */
	char *content;            /* WRITE: the whole new content */
	bool backup;              /* WRITE: the file exists and is not passthru's: keep a copy */
	char *argv[PT_BOOT_ARGV_MAX + 1]; /* RUN: NULL-terminated */
	char why[256];
};

struct pt_boot_device {
	char bdf[PT_BDF_STRLEN];
	char id[10];              /* "8086:10d3" */
	char method[16];          /* "ids" (vfio-pci.ids) or "override" (apply at boot) */
	char host_driver[64];
	char why[256];
};

struct pt_boot_plan {
	enum pt_boot_loader loader;
	struct pt_boot_param *params;
	size_t n_params;
	struct pt_boot_step *steps;
	size_t n_steps;
	struct pt_boot_device *devs;
	size_t n_devs;
	char **warnings;
	size_t n_warnings;
	char **notes;             /* facts the plan rests on: vendor, build, loader */
	size_t n_notes;
	bool reboot;              /* what the steps change takes effect at the next boot */
	bool cmdline_pending;     /* a wanted parameter is not on /proc/cmdline yet */
	bool blocked;             /* no step can be taken: why in blocked_why */
	char blocked_why[256];
};

/* Pure: the plan for cfg->boot on these facts. 0, or -ENOMEM. A configuration
 * without a boot: section plans nothing. */
int pt_boot_plan_build(const struct pt_hostcfg *cfg, const struct pt_boot_facts *f,
		       struct pt_boot_plan *out);
void pt_boot_plan_free(struct pt_boot_plan *p);

/* Carries out the steps in order: each file written beside a backup of what it
 * replaces (FILE.passthru-bak, when it was not passthru's), atomically, never through
 * a link; each command through pt_boot_exec. Each step is recorded in
 * <state_dir>/boot.log before and after. Stops at the first failure. Returns the
 * number of steps done, or a negative errno with ctx's sentence. */
int pt_boot_run_plan(struct pt_ctx *ctx, const struct pt_boot_plan *p, const char *state_dir);

#ifdef __cplusplus
}
#endif
#endif
