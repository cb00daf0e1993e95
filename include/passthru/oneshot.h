/* SPDX-License-Identifier: MIT */
/*
 * One-shot changes (`passthru bind`, `passthru vf`, `passthru sriov`) as host
 * configurations: each builds the pt_hostcfg that the equivalent YAML parses into, so
 * `apply`'s planner, safety rules, journal and rollback do the work (plan.h). A
 * one-shot change made persistent is that configuration written as a drop-in,
 * <sysroot>/etc/passthru/host.d/50-oneshot-<what>.yaml, which `apply` merges after
 * the file it is given (pt_hostcfg_load_dropins): passthru never edits the user's own
 * file.
 *
 * The driver the kernel would choose for a function ("bind DEV host") is the one a
 * previous passthru run recorded (journal), else the first module whose PCI alias in
 * /lib/modules/<release>/modules.alias (or modules.builtin.alias) matches the
 * function's modalias.
 */
#ifndef PASSTHRU_ONESHOT_H
#define PASSTHRU_ONESHOT_H

#include "passthru/passthru.h"
#include "passthru/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The builders below are pure: ctx only receives the sentence of a refusal (what YAML
 * would refuse, in its words), and *out is filled only on success. */

/* Every function of devs bound to driver ("vfio-pci", a driver name, or "none"):
 * passthrough: [{device: {bdf}, driver}]. -EINVAL for a bad driver name. */
int pt_oneshot_bind(struct pt_ctx *ctx, const struct pt_bdf *devs, size_t n, const char *driver,
		    struct pt_hostcfg *out);

/* sriov: [{pf: {bdf}, vfs: count, drivers_autoprobe}] (autoprobe -1: not managed). */
int pt_oneshot_sriov(struct pt_ctx *ctx, const struct pt_bdf *pf, int count, int autoprobe,
		     struct pt_hostcfg *out);

/* sriov: [{pf: {bdf}, vf: {N: set}}], or vf_defaults: set when vf is -1 (all VFs).
 * set uses the profile's unset values (-1, "", has_mac false); a MAC for every VF is
 * refused (-EINVAL), as in YAML. */
int pt_oneshot_vf(struct pt_ctx *ctx, const struct pt_bdf *pf, int vf, const struct pt_vf_config *set,
		  struct pt_hostcfg *out);

/* A vf_config with every field unset. */
void pt_vf_config_unset(struct pt_vf_config *c);

/* ---- the YAML drop-ins --------------------------------------------------------------- */

/* c as YAML that pt_hostcfg_parse reads back to the same configuration. *out is
 * malloc'd. */
int pt_hostcfg_format(const struct pt_hostcfg *c, const char *comment, char **out);

/* src merged into dst, as a later file overrides an earlier one: a sriov entry (or
 * passthrough entry) whose selector equals one in dst overlays it field by field
 * (set values win, per-VF entries merge by index, and a field src sets in vf_defaults
 * is cleared from dst's per-VF entries: the later word holds); others are appended. */
int pt_hostcfg_merge(struct pt_hostcfg *dst, const struct pt_hostcfg *src);

/* The drop-in directory of a config file: "<dir>/<base>.d" for "<dir>/<base>.yaml"
 * (or .yml; else "<path>.d"). */
void pt_hostcfg_dropin_dir(const char *config, char *buf, size_t len);

/* Merges every *.yaml of dir into c, in name order. Returns how many were merged
 * (0 when the directory does not exist), or -EINVAL with err naming the file:line. */
int pt_hostcfg_load_dropins(const char *dir, struct pt_hostcfg *c, struct pt_cfg_error *err);

/* Records c as <sysroot>/etc/passthru/host.d/50-oneshot-<name>.yaml, merged over what
 * that file already holds (the same one-shot target persisted before), written to a
 * temporary file and renamed (never through a symlink). dry_run only names the file.
 * path receives it. Not a kernel write: pt_ctx_write_count does not count it. */
int pt_hostcfg_persist(struct pt_ctx *ctx, const struct pt_hostcfg *c, const char *name,
		       bool dry_run, char *path, size_t len);

/* ---- the host's own driver -------------------------------------------------------------- */

/* Pure (fuzzed): the first module of modules.alias text ("alias pci:v...d...* igb"
 * lines) whose pattern matches modalias ("pci:v00008086d000010C9sv...").
 * 1 with module in out, 0 when none matches. */
int pt_modalias_match(const char *text, size_t len, const char *modalias, char *out,
		      size_t outlen);

/* The driver the kernel would bind dev to: the host driver the last passthru apply
 * recorded as dev's prior driver (<state_dir>/apply.journal.last; state_dir NULL: the
 * default), else the module whose modalias pattern matches most specifically, named
 * as the module registers its PCI driver (/sys/module/<m>/drivers/pci:<name>, or the
 * module name). -ENOENT with a sentence in ctx when neither knows one. source
 * receives "journal", "modules.alias" or "modules.builtin.alias". */
int pt_host_driver(struct pt_ctx *ctx, const struct pt_device *dev, const char *state_dir,
		   char *out, size_t outlen, char *source, size_t srclen);

#ifdef __cplusplus
}
#endif
#endif
