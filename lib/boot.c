// SPDX-License-Identifier: MIT
/*
 * passthru boot (include/passthru/boot.h): the plan and carrying it out.
 *
 * pt_boot_plan_build is pure: from the boot: section and the gathered facts
 * (lib/boot-detect.c) it decides the kernel parameters (the IOMMU for the platform's
 * vendor, iommu=pt, huge pages, CPU isolation, pci=realloc when plan sriov says the
 * VF BARs were not placed, vfio-pci.ids) and the smallest change that makes them and
 * the early vfio-pci binding true on this loader and this kernel build:
 *   GRUB           /etc/default/grub.d/passthru.cfg, then update-grub
 *   grubby         grubby --update-kernel=ALL --args="..."
 *   kernelstub     kernelstub --add-options "..."
 *   systemd-boot   /etc/kernel/cmdline (a backup kept), then kernel-install add
 *   vfio-pci       /etc/modprobe.d/passthru-vfio.conf (softdep, options), an
 *                  initramfs-tools hook that loads vfio-pci when the initramfs lacks
 *                  it, update-initramfs; or, when a device's ID is shared with a
 *                  function the host keeps, a host.d drop-in that binds it by
 *                  driver_override at boot (passthru-apply.service).
 * Unchanged files are not rewritten, and a plan with nothing to do is empty.
 *
 * pt_boot_run_plan writes and runs: files inside the sysroot, opened one component at
 * a time without following links, replaced by rename, a backup kept of a file that was
 * not passthru's, every step recorded in <state_dir>/boot.log; the files written are
 * put back when a later step fails. Never prints.
 */
#include "internal.h"
#include "passthru/boot.h"
#include "passthru/parse.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MARK "# written by passthru boot"

/* ---- growing strings ---- */

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
			char *ns = realloc(b->s, cap);

			if (!ns) {
				b->oom = true;
				return;
			}
			b->s = ns;
			b->cap = cap;
		}
	}
}

static int vpush(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return -ENOMEM;
	if (PT_PUSH(*v, *n, s)) {
		free(s);
		return -ENOMEM;
	}
	return 0;
}

static int warn(struct pt_boot_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int warn(struct pt_boot_plan *p, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpush(&p->warnings, &p->n_warnings, fmt, ap);
	va_end(ap);
	return r;
}

static int note(struct pt_boot_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int note(struct pt_boot_plan *p, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vpush(&p->notes, &p->n_notes, fmt, ap);
	va_end(ap);
	return r;
}

/* ---- parameters ---- */

/* Is the token param ("key=value" or "key") in the command line cl? Module parameter
 * names take '-' and '_' alike, as the kernel does. */
static bool token_eq(const char *a, size_t al, const char *b, size_t bl)
{
	const char *eqa = memchr(a, '=', al), *eqb = memchr(b, '=', bl);
	size_t ka = eqa ? (size_t)(eqa - a) : al, kb = eqb ? (size_t)(eqb - b) : bl;

	if (ka != kb || al - ka != bl - kb)
		return false;
	for (size_t i = 0; i < ka; i++) {
		char x = a[i] == '_' ? '-' : a[i], y = b[i] == '_' ? '-' : b[i];

		if (x != y)
			return false;
	}
	return !memcmp(a + ka, b + kb, al - ka);
}

static bool cmdline_has(const char *cl, const char *param)
{
	size_t pl = strlen(param);

	if (!cl)
		return false;
	while (*cl) {
		size_t n;

		while (*cl && isspace((unsigned char)*cl))
			cl++;
		n = 0;
		while (cl[n] && !isspace((unsigned char)cl[n]))
			n++;
		if (n && token_eq(cl, n, param, pl))
			return true;
		cl += n;
	}
	return false;
}

/* The key of a parameter: "intel_iommu" of "intel_iommu=on". */
static size_t key_len(const char *p)
{
	return strcspn(p, "=");
}

/* Parameters that take one value: another value of the same key conflicts. */
static bool single_valued(const char *p)
{
	static const char *const keys[] = { "intel_iommu", "iommu", "default_hugepagesz", "isolcpus",
					    "nohz_full", "rcu_nocbs", "vfio-pci.ids", "vfio_pci.ids" };
	size_t k = key_len(p);

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == k && !strncmp(p, keys[i], k))
			return true;
	return false;
}

/* The token of cl with param's key and another value, into out; false when none. */
static bool conflicting(const char *cl, const char *param, char *out, size_t outlen)
{
	size_t k = key_len(param);

	if (!cl || !single_valued(param))
		return false;
	while (*cl) {
		size_t n;

		while (*cl && isspace((unsigned char)*cl))
			cl++;
		n = 0;
		while (cl[n] && !isspace((unsigned char)cl[n]))
			n++;
		if (n > k && key_len(cl) == k && !strncmp(cl, param, k) &&
		    !token_eq(cl, n, param, strlen(param))) {
			snprintf(out, outlen, "%.*s", (int)(n < 200 ? n : 200), cl);
			return true;
		}
		cl += n;
	}
	return false;
}

static int add_param(struct pt_boot_plan *p, const struct pt_boot_facts *f, const char *why,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int add_param(struct pt_boot_plan *p, const struct pt_boot_facts *f, const char *why,
		     const char *fmt, ...)
{
	struct pt_boot_param bp = { 0 };
	char other[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(bp.text, sizeof(bp.text), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < p->n_params; i++)
		if (!strcmp(p->params[i].text, bp.text))
			return 0;
	pt_strlcpy(bp.why, why, sizeof(bp.why));
	bp.running = cmdline_has(f->proc_cmdline, bp.text);
	bp.configured = cmdline_has(f->configured, bp.text);
	if (PT_PUSH(p->params, p->n_params, bp))
		return -ENOMEM;
	if (conflicting(f->proc_cmdline, bp.text, other, sizeof(other)) &&
	    warn(p, "the running kernel has %s where %s is wanted; find where it is set (%s) "
		 "and remove it, or it may win", other, bp.text,
		 f->configured_source[0] ? f->configured_source : "the boot loader's configuration") < 0)
		return -ENOMEM;
	if (conflicting(f->configured, bp.text, other, sizeof(other)) &&
	    warn(p, "%s has %s where %s is wanted: %s", f->configured_source, other, bp.text,
		 f->loader == PT_LOADER_SDBOOT ? "the new line leaves it out"
					       : "remove it there, or it may win") < 0)
		return -ENOMEM;
	return 0;
}

static void size_str(long kb, char *buf, size_t len)
{
	if (kb % (1024 * 1024) == 0)
		snprintf(buf, len, "%ldG", kb / (1024 * 1024));
	else if (kb % 1024 == 0)
		snprintf(buf, len, "%ldM", kb / 1024);
	else
		snprintf(buf, len, "%ldK", kb);
}

static int plan_iommu(const struct pt_boot_config *b, const struct pt_boot_facts *f,
		      struct pt_boot_plan *p)
{
	int r = 0;

	if (cmdline_has(f->proc_cmdline, "amd_iommu=on") || cmdline_has(f->configured, "amd_iommu=on"))
		r = warn(p, "amd_iommu=on is on the %s: it is not a value the kernel documents "
			 "(the AMD IOMMU is on by default; amd_iommu= takes off, fullflush, "
			 "force_isolation ...): remove it from %s",
			 cmdline_has(f->proc_cmdline, "amd_iommu=on") ? "running kernel's command line"
								      : "boot loader's configuration",
			 f->configured_source[0] ? f->configured_source : "the boot loader's configuration");
	if (r < 0 || b->iommu == PT_BOOT_IOMMU_KEEP)
		return r;
	if (!strcmp(f->iommu_vendor, "intel")) {
		char why[160];

		snprintf(why, sizeof(why), "Intel VT-d is off unless asked for (%.120s)", f->iommu_evidence);
		r = add_param(p, f, why, "intel_iommu=on");
	} else if (!strcmp(f->iommu_vendor, "amd")) {
		r = note(p, "AMD-Vi: no parameter turns it on, it is on by default (%s)",
			 f->iommu_evidence);
	} else {
		r = warn(p, "the IOMMU's vendor is unknown (%s): no parameter planned to turn it on",
			 f->iommu_evidence);
	}
	if (r == 0 && b->iommu == PT_BOOT_IOMMU_PT)
		r = add_param(p, f, "boot.iommu: pt (host devices use identity mappings; assigned "
			      "ones are still translated)", "iommu=pt");
	return r;
}

static int plan_params(const struct pt_boot_config *b, const struct pt_boot_facts *f,
		       struct pt_boot_plan *p)
{
	char sz[32];
	int r = plan_iommu(b, f, p);

	for (size_t i = 0; !r && i < b->n_hugepages; i++) {
		size_str(b->hugepages[i].size_kb, sz, sizeof(sz));
		r = add_param(p, f, "boot.hugepages: the size of the pages reserved next", "hugepagesz=%s", sz);
		/* a count repeats for every size: the pair goes together */
		if (!r) {
			struct pt_boot_param bp = { 0 };

			snprintf(bp.text, sizeof(bp.text), "hugepages=%ld", b->hugepages[i].count);
			snprintf(bp.why, sizeof(bp.why), "boot.hugepages: %ld pages of %s reserved at boot",
				 b->hugepages[i].count, sz);
			bp.running = cmdline_has(f->proc_cmdline, bp.text);
			bp.configured = cmdline_has(f->configured, bp.text);
			r = PT_PUSH(p->params, p->n_params, bp);
		}
	}
	if (!r && b->default_hugepagesz_kb) {
		size_str(b->default_hugepagesz_kb, sz, sizeof(sz));
		r = add_param(p, f, "boot.default_hugepagesz", "default_hugepagesz=%s", sz);
	}
	if (!r && b->isolcpus[0])
		r = add_param(p, f, "boot.isolcpus: the scheduler keeps these CPUs for VMs", "isolcpus=%s",
			      b->isolcpus);
	if (!r && b->nohz_full[0])
		r = add_param(p, f, "boot.nohz_full: no scheduler tick on these CPUs", "nohz_full=%s",
			      b->nohz_full);
	if (!r && b->rcu_nocbs[0])
		r = add_param(p, f, "boot.rcu_nocbs: RCU callbacks off these CPUs", "rcu_nocbs=%s",
			      b->rcu_nocbs);
	if (!r && b->pci_realloc == PT_BOOT_YES)
		r = add_param(p, f, "boot.pci_realloc: true", "pci=realloc");
	else if (!r && b->pci_realloc == PT_BOOT_AUTO && f->realloc_needed) {
		char why[160];

		snprintf(why, sizeof(why), "plan sriov: %.140s", f->realloc_why);
		r = add_param(p, f, why, "pci=realloc");
	} else if (!r && b->pci_realloc == PT_BOOT_AUTO && !f->realloc_known)
		r = note(p, "pci=realloc: whether the configured VF counts need it is unknown "
			 "(a PF could not be judged; passthru plan sriov PF COUNT says why)");
	return r;
}

/* ---- early vfio-pci ---- */

static bool dev_uses_ids(const struct pt_boot_device *d)
{
	return !strcmp(d->method, "ids");
}

static int plan_devices(const struct pt_boot_config *b, const struct pt_boot_facts *f,
			struct pt_boot_plan *p, bool *ids_cmdline)
{
	int r = 0;

	for (size_t i = 0; !r && i < f->n_unresolved; i++)
		r = warn(p, "%s: not planned", f->unresolved[i]);
	if (f->vfio_pci == PT_BUILD_ABSENT)
		return r ? r : warn(p, "vfio-pci is not in this kernel (%s): no early binding "
				    "can be planned", f->vfio_evidence);
	for (size_t i = 0; !r && i < f->n_devs; i++) {
		const struct pt_boot_devfacts *df = &f->devs[i];
		struct pt_boot_device d = { 0 };

		pt_strlcpy(d.bdf, df->bdf, sizeof(d.bdf));
		snprintf(d.id, sizeof(d.id), "%04x:%04x", df->vendor & 0xffff, df->device & 0xffff);
		pt_strlcpy(d.host_driver, df->host_driver, sizeof(d.host_driver));
		if (df->keeps_sharer) {
			pt_strlcpy(d.method, "override", sizeof(d.method));
			snprintf(d.why, sizeof(d.why), "%s shares ID %s and stays with the host: "
				 "vfio-pci.ids would take it too; driver_override at boot "
				 "(passthru-apply.service) binds only %s", df->sharer, d.id, d.bdf);
		} else if (df->host_driver_build == PT_BUILD_BUILTIN) {
			pt_strlcpy(d.method, "override", sizeof(d.method));
			snprintf(d.why, sizeof(d.why), "its host driver %s is built into the kernel "
				 "and binds before any module loads: driver_override at boot "
				 "(passthru-apply.service) takes it back", d.host_driver);
		} else {
			pt_strlcpy(d.method, "ids", sizeof(d.method));
			snprintf(d.why, sizeof(d.why), "vfio-pci.ids=%s%s%s", d.id,
				 d.host_driver[0] ? ", vfio-pci loaded before " : "",
				 d.host_driver);
		}
		r = PT_PUSH(p->devs, p->n_devs, d);
	}
	*ids_cmdline = b->vfio_ids == PT_BOOT_IDS_CMDLINE ||
		       (b->vfio_ids == PT_BOOT_IDS_AUTO && f->vfio_pci != PT_BUILD_MODULE);
	if (!r && b->vfio_ids == PT_BOOT_IDS_MODPROBE && f->vfio_pci == PT_BUILD_BUILTIN) {
		*ids_cmdline = true;
		r = warn(p, "boot.vfio_ids: modprobe, but vfio-pci is built into the kernel (%s): "
			 "modprobe options do nothing there; vfio-pci.ids goes on the command line",
			 f->vfio_evidence);
	}
	if (!r && b->vfio_ids == PT_BOOT_IDS_AUTO && f->vfio_pci == PT_BUILD_UNKNOWN && f->n_devs)
		r = note(p, "how vfio-pci is built is unknown (%s): vfio-pci.ids goes on the command "
			 "line, which a built-in vfio-pci and a module both read", f->vfio_evidence);
	return r;
}

/* "8086:10d3,1b36:0010" of the devices bound by IDs, each ID once. */
static void ids_list(const struct pt_boot_plan *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_devs; i++) {
		bool dup = false;

		if (!dev_uses_ids(&p->devs[i]))
			continue;
		for (size_t k = 0; k < i; k++)
			dup |= dev_uses_ids(&p->devs[k]) && !strcmp(p->devs[k].id, p->devs[i].id);
		if (!dup && o + 12 < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", p->devs[i].id);
	}
}

/* ---- steps ---- */

static int add_write(struct pt_boot_plan *p, const char *path, char *content, bool backup,
		     const char *why)
{
	struct pt_boot_step s = { .kind = PT_BOOT_WRITE, .content = content, .backup = backup };

	if (!content)
		return -ENOMEM;
	pt_strlcpy(s.path, path, sizeof(s.path));
	pt_strlcpy(s.why, why, sizeof(s.why));
	if (PT_PUSH(p->steps, p->n_steps, s)) {
		free(content);
		return -ENOMEM;
	}
	p->reboot = true;
	return 0;
}

static int add_run(struct pt_boot_plan *p, const char *why, const char *const *argv)
{
	struct pt_boot_step s = { .kind = PT_BOOT_RUN };

	pt_strlcpy(s.why, why, sizeof(s.why));
	for (size_t i = 0; argv[i] && i < PT_BOOT_ARGV_MAX; i++) {
		s.argv[i] = strdup(argv[i]);
		if (!s.argv[i]) {
			for (size_t k = 0; k < i; k++)
				free(s.argv[k]);
			return -ENOMEM;
		}
	}
	if (PT_PUSH(p->steps, p->n_steps, s)) {
		for (size_t i = 0; s.argv[i]; i++)
			free(s.argv[i]);
		return -ENOMEM;
	}
	p->reboot = true;
	return 0;
}

static bool same(const char *now, const char *want)
{
	return now && !strcmp(now, want);
}

/* The builder; facts that only say initramfs_tools (as before the builder was
 * detected) mean initramfs-tools. */
static enum pt_boot_builder builder_of(const struct pt_boot_facts *f)
{
	if (f->builder)
		return f->builder;
	return f->initramfs_tools ? PT_BUILDER_INITRAMFS_TOOLS : PT_BUILDER_UNKNOWN;
}

/* dracut: /etc/dracut.conf.d/passthru-vfio.conf puts vfio-pci (force_drivers: loaded
 * in the initramfs, before udev loads the host drivers) and the modprobe.d file in
 * the image; dracut -f rebuilds the running kernel's. */
static int plan_dracut(const struct pt_boot_facts *f, struct pt_boot_plan *p, bool conf_changed)
{
	static const char conf[] =
		MARK ": vfio-pci in the initramfs, loaded there before the host\n"
		"# drivers (/etc/modprobe.d/passthru-vfio.conf orders them). `passthru boot`\n"
		"# rewrites it and runs dracut -f.\n"
		"force_drivers+=\" vfio-pci \"\n"
		"install_items+=\" /etc/modprobe.d/passthru-vfio.conf \"\n";
	int r;

	if ((!f->initramfs_has_vfio || f->dracut_conf) && !same(f->dracut_conf, conf)) {
		r = add_write(p, "/etc/dracut.conf.d/passthru-vfio.conf", strdup(conf),
			      f->dracut_conf && !strstr(f->dracut_conf, MARK),
			      "dracut: vfio-pci and the modprobe.d file in the initramfs, "
			      "vfio-pci loaded there");
		if (r < 0)
			return r;
		conf_changed = true;
	}
	if (conf_changed || !f->initramfs_known || !f->initramfs_has_conf || !f->initramfs_has_vfio) {
		const char *argv[] = { "dracut", "-f", "--kver", f->kernel_release, NULL };

		if (!f->kernel_release[0])
			return warn(p, "the kernel release is unknown: run dracut -f yourself");
		return add_run(p, "dracut rebuilds the initramfs with vfio-pci and the modprobe.d file",
			       argv);
	}
	return 0;
}

/* /etc/modprobe.d/passthru-vfio.conf, the initramfs hook (or dracut's drop-in), and
 * the initramfs rebuilt. */
static int plan_modprobe(const struct pt_boot_facts *f, struct pt_boot_plan *p, bool ids_cmdline)
{
	struct sbuf b = { 0 };
	char ids[512], drv[64 * 8] = "";
	bool any_ids = false, in_initramfs = false, conf_changed, need_hook;
	size_t nd = 0;
	int r = 0;

	for (size_t i = 0; i < p->n_devs; i++)
		any_ids |= dev_uses_ids(&p->devs[i]);
	if (!any_ids || f->vfio_pci == PT_BUILD_BUILTIN)
		return 0;
	ids_list(p, ids, sizeof(ids));
	sb_add(&b, MARK ": vfio-pci takes these functions before their host drivers.\n"
		   "# `passthru boot` rewrites it from the boot: section of /etc/passthru/host.yaml.\n");
	for (size_t i = 0; i < f->n_devs && i < p->n_devs; i++) {
		const struct pt_boot_devfacts *df = &f->devs[i];

		if (!dev_uses_ids(&p->devs[i]))
			continue;
		if (!df->host_driver[0]) {
			r = warn(p, "%s: its host driver is unknown (%s): no softdep orders vfio-pci "
				 "before it", df->bdf, df->selector);
			if (r < 0)
				return r;
			continue;
		}
		in_initramfs |= df->host_driver_in_initramfs;
		{
			char word[80];

			snprintf(word, sizeof(word), " %s ", df->host_driver);
			if (strstr(drv, word) || nd >= 8) /* each driver once (igb is not igbvf) */
				continue;
		}
		snprintf(drv + strlen(drv), sizeof(drv) - strlen(drv), "%s%s ", drv[0] ? "" : " ",
			 df->host_driver);
		nd++;
		sb_add(&b, "softdep %s pre: vfio-pci\n", df->host_driver);
	}
	if (!ids_cmdline)
		sb_add(&b, "options vfio-pci ids=%s\n", ids);
	if (b.oom)
		return -ENOMEM;
	conf_changed = !same(f->modprobe_conf, b.s);
	if (conf_changed)
		r = add_write(p, "/etc/modprobe.d/passthru-vfio.conf", b.s, f->modprobe_conf &&
			      strncmp(f->modprobe_conf, MARK, strlen(MARK)) != 0,
			      "softdep: modprobe loads vfio-pci before each host driver");
	else
		free(b.s);
	if (r < 0)
		return r;
	if (drv[0])
		drv[strlen(drv) - 1] = '\0'; /* the separator after the last */
	if (builder_of(f) == PT_BUILDER_UNKNOWN)
		return note(p, "the initramfs builder is unknown (%s): when the initramfs loads %s, "
			    "rebuild it so it holds vfio-pci and /etc/modprobe.d/passthru-vfio.conf; "
			    "passthru does not read or rebuild it", f->builder_evidence,
			    drv[0] ? drv + 1 : "a host driver");
	/* the initramfs: a host driver loaded there binds first unless vfio-pci is there
	 * too, and the modprobe.d file only counts in it once it is rebuilt */
	if (!f->initramfs_known) {
		in_initramfs = true;
		r = note(p, "the initramfs's contents are unknown (%s): vfio-pci is added to it so "
			 "the order holds either way", f->initramfs_why);
		if (r < 0)
			return r;
	}
	if (!in_initramfs && !f->initramfs_has_vfio)
		return 0;
	if (builder_of(f) == PT_BUILDER_DRACUT)
		return plan_dracut(f, p, conf_changed);
	need_hook = !f->initramfs_has_vfio || f->initramfs_modules;
	if (need_hook) {
		static const char hook[] =
			"#!/bin/sh\n" MARK ": vfio-pci in the initramfs, loaded before the host\n"
			"# drivers there (/etc/modprobe.d/passthru-vfio.conf orders them).\n"
			"PREREQ=\"\"\n"
			"prereqs() { echo \"$PREREQ\"; }\n"
			"case \"$1\" in prereqs) prereqs; exit 0 ;; esac\n"
			". /usr/share/initramfs-tools/hook-functions\n"
			"force_load vfio-pci\n";

		if (!same(f->initramfs_modules, hook)) {
			r = add_write(p, "/etc/initramfs-tools/hooks/passthru-vfio", strdup(hook),
				      f->initramfs_modules && !strstr(f->initramfs_modules, MARK),
				      "initramfs-tools hook: vfio-pci in the initramfs, loaded there");
			if (r < 0)
				return r;
			conf_changed = true;
		}
	}
	if (conf_changed || !f->initramfs_known || !f->initramfs_has_conf || !f->initramfs_has_vfio) {
		const char *argv[] = { "update-initramfs", "-u", "-k", f->kernel_release, NULL };

		if (!f->kernel_release[0])
			return warn(p, "the kernel release is unknown: run update-initramfs -u yourself");
		r = add_run(p, "the initramfs gets vfio-pci and the modprobe.d file", argv);
	}
	return r;
}

/* /etc/passthru/host.d/60-boot-vfio.yaml: what apply binds by driver_override at boot. */
static int plan_override(struct pt_boot_plan *p, const char *now)
{
	struct sbuf b = { 0 };
	bool any = false;

	for (size_t i = 0; i < p->n_devs; i++)
		any |= !dev_uses_ids(&p->devs[i]);
	if (!any)
		return 0;
	sb_add(&b, MARK ": functions whose ID the host also uses, bound to\n"
		   "# vfio-pci by driver_override when passthru-apply.service runs at boot.\n"
		   "version: 1\npassthrough:\n");
	for (size_t i = 0; i < p->n_devs; i++)
		if (!dev_uses_ids(&p->devs[i]))
			sb_add(&b, "  - device: { bdf: \"%s\" }\n    driver: vfio-pci\n", p->devs[i].bdf);
	if (b.oom)
		return -ENOMEM;
	if (same(now, b.s)) {
		free(b.s);
		return 0;
	}
	if (note(p, "driver_override at boot needs passthru-apply.service enabled "
		 "(systemctl enable passthru-apply.service)") < 0) {
		free(b.s);
		return -ENOMEM;
	}
	return add_write(p, "/etc/passthru/host.d/60-boot-vfio.yaml", b.s, false,
			 "driver_override at boot for functions whose ID the host keeps");
}

/* The wanted parameters the loader's configuration lacks, space-separated. */
static void missing(const struct pt_boot_plan *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_params; i++)
		if (!p->params[i].configured && o + strlen(p->params[i].text) + 2 < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", p->params[i].text);
}

static void all_params(const struct pt_boot_plan *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_params; i++)
		if (o + strlen(p->params[i].text) + 2 < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", p->params[i].text);
}

/* /etc/kernel/cmdline: the old line without what the plan replaces, then the plan's. */
static char *sdboot_cmdline(const struct pt_boot_plan *p, const struct pt_boot_facts *f)
{
	const char *cl = f->kernel_cmdline ? f->kernel_cmdline : f->proc_cmdline;
	struct sbuf b = { 0 };
	char other[256];

	while (cl && *cl) {
		size_t n = 0;
		bool drop = false;

		while (*cl && isspace((unsigned char)*cl))
			cl++;
		while (cl[n] && !isspace((unsigned char)cl[n]))
			n++;
		if (!n)
			break;
		/* what the boot loader adds itself, when the line came from /proc/cmdline */
		if (!f->kernel_cmdline && (!strncmp(cl, "BOOT_IMAGE=", 11) || !strncmp(cl, "initrd=", 7)))
			drop = true;
		for (size_t i = 0; !drop && i < p->n_params; i++) {
			char tok[256];

			snprintf(tok, sizeof(tok), "%.*s", (int)(n < 255 ? n : 255), cl);
			drop = token_eq(cl, n, p->params[i].text, strlen(p->params[i].text)) ||
			       conflicting(tok, p->params[i].text, other, sizeof(other));
		}
		if (!drop)
			sb_add(&b, "%s%.*s", b.len ? " " : "", (int)n, cl);
		cl += n;
	}
	for (size_t i = 0; i < p->n_params; i++)
		sb_add(&b, "%s%s", b.len ? " " : "", p->params[i].text);
	sb_add(&b, "\n");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static int plan_loader(const struct pt_boot_facts *f, struct pt_boot_plan *p)
{
	char miss[4096], all[4096];
	bool need = false;
	int r = 0;

	missing(p, miss, sizeof(miss));
	all_params(p, all, sizeof(all));
	for (size_t i = 0; i < p->n_params; i++)
		need |= !p->params[i].configured;
	switch (f->loader) {
	case PT_LOADER_GRUB: {
		struct sbuf b = { 0 };
		bool write;

		if (!p->n_params && !f->grub_dropin)
			return 0;
		sb_add(&b, MARK " from the boot: section of /etc/passthru/host.yaml;\n"
			   "# `passthru boot` rewrites it and runs update-grub.\n"
			   "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX %s\"\n", all);
		if (b.oom)
			return -ENOMEM;
		write = !same(f->grub_dropin, b.s);
		if (write)
			r = add_write(p, "/etc/default/grub.d/passthru.cfg", b.s,
				      f->grub_dropin && strncmp(f->grub_dropin, MARK, strlen(MARK)),
				      "GRUB drop-in: the parameters appended to GRUB_CMDLINE_LINUX");
		else
			free(b.s);
		if (!r && (write || need)) {
			const char *argv[] = { "update-grub", NULL };

			r = add_run(p, "regenerates /boot/grub/grub.cfg with the drop-in", argv);
		}
		return r;
	}
	case PT_LOADER_GRUBBY: {
		char arg[4200];
		const char *argv[] = { "grubby", "--update-kernel=ALL", arg, NULL };

		if (!need)
			return 0;
		snprintf(arg, sizeof(arg), "--args=%s", miss);
		return add_run(p, "adds the parameters to every BLS entry", argv);
	}
	case PT_LOADER_KERNELSTUB: {
		const char *argv[] = { "kernelstub", "--add-options", miss, NULL };

		if (!need)
			return 0;
		return add_run(p, "adds the parameters to kernelstub's configuration and the "
			       "loader entry", argv);
	}
	case PT_LOADER_SDBOOT: {
		char img[200];
		const char *argv[] = { "kernel-install", "add", f->kernel_release, img, NULL };
		char *text;

		if (!need)
			return 0;
		text = sdboot_cmdline(p, f);
		if (!text)
			return -ENOMEM;
		if (!f->kernel_cmdline)
			r = note(p, "/etc/kernel/cmdline does not exist: it is made from /proc/cmdline");
		if (!r)
			r = add_write(p, "/etc/kernel/cmdline", text, f->kernel_cmdline != NULL,
				      "the command line kernel-install gives systemd-boot's entries");
		else
			free(text);
		if (r || !f->kernel_release[0])
			return r ? r : warn(p, "the kernel release is unknown: run kernel-install "
					    "add yourself");
		snprintf(img, sizeof(img), "/boot/vmlinuz-%.150s", f->kernel_release);
		return add_run(p, "writes the loader entry of the running kernel again", argv);
	}
	default:
		if (!need)
			return 0;
		p->blocked = true;
		snprintf(p->blocked_why, sizeof(p->blocked_why),
			 "how this host boots is unknown (%.160s): set boot.loader, or add the "
			 "parameters yourself", f->loader_evidence);
		return 0;
	}
}

int pt_boot_plan_build(const struct pt_hostcfg *cfg, const struct pt_boot_facts *f,
		       struct pt_boot_plan *p)
{
	const struct pt_boot_config *b = &cfg->boot;
	bool ids_cmdline = false;
	char ids[512];
	int r;

	memset(p, 0, sizeof(*p));
	p->loader = f->loader;
	if (!b->present)
		return 0;
	r = note(p, "loader: %s (%s)", pt_boot_loader_str(f->loader), f->loader_evidence);
	if (!r && b->n_vfio)
		r = note(p, "vfio-pci: %s (%s)", pt_boot_build_str(f->vfio_pci), f->vfio_evidence);
	if (!r && b->n_vfio && f->vfio_pci != PT_BUILD_BUILTIN)
		r = note(p, "initramfs: %s (%s)", pt_boot_builder_str(builder_of(f)),
			 f->builder_evidence[0] ? f->builder_evidence : "/etc/initramfs-tools exists");
	if (!r)
		r = plan_params(b, f, p);
	if (!r)
		r = plan_devices(b, f, p, &ids_cmdline);
	if (!r && ids_cmdline) {
		ids_list(p, ids, sizeof(ids));
		if (ids[0])
			r = add_param(p, f, "early vfio-pci: the IDs it takes at boot", "vfio-pci.ids=%s", ids);
	}
	for (size_t i = 0; !r && i < b->n_extra; i++)
		r = add_param(p, f, "boot.extra", "%s", b->extra[i]);
	if (!r)
		r = plan_modprobe(f, p, ids_cmdline);
	if (!r)
		r = plan_override(p, f->override_dropin);
	if (!r)
		r = plan_loader(f, p);
	for (size_t i = 0; !r && i < p->n_params; i++)
		if (!p->params[i].running) {
			p->cmdline_pending = true;
			p->reboot = true;
		}
	if (r < 0) {
		pt_boot_plan_free(p);
		return -ENOMEM;
	}
	return 0;
}

void pt_boot_plan_free(struct pt_boot_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_steps; i++) {
		free(p->steps[i].content);
		for (size_t k = 0; p->steps[i].argv[k]; k++)
			free(p->steps[i].argv[k]);
	}
	free(p->steps);
	free(p->params);
	free(p->devs);
	pt_strv_free(p->warnings, p->n_warnings);
	pt_strv_free(p->notes, p->n_notes);
	memset(p, 0, sizeof(*p));
}

/* ---- carrying it out ---- */

/* The directory of rel ("/etc/default/grub.d/passthru.cfg"), created as needed, opened
 * one component at a time from the root without following a link; *leaf its name. */
static int open_parent(struct pt_ctx *ctx, const char *rel, const char **leaf)
{
	char path[256], *comp, *save = NULL, *last;
	int fd, nfd;

	pt_strlcpy(path, rel, sizeof(path));
	last = strrchr(path, '/');
	if (!last || !last[1])
		return -EINVAL;
	*leaf = rel + (last - path) + 1;
	*last = '\0';
	fd = ctx->root_fd >= 0 ? dup(ctx->root_fd) : open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (comp = strtok_r(path, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		if (!strcmp(comp, "..") || !strcmp(comp, ".")) {
			close(fd);
			return -EINVAL;
		}
		if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
			int e = -errno;

			close(fd);
			return e;
		}
		nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (nfd < 0)
			return errno == ENOTDIR ? -ELOOP : -errno; /* a link where a directory was */
		fd = nfd;
	}
	return fd;
}

/* Reads dfd/name (a regular file, not followed) into *out; -ENOENT when absent. */
static int read_at(int dfd, const char *name, char **out, mode_t *mode)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	*out = NULL;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	*mode = st.st_mode;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > (4 << 20))
		return -EFBIG;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0) {
		free(buf);
		return -errno;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static int write_at(int dfd, const char *name, const char *text, mode_t mode)
{
	char tmp[300];
	size_t len = strlen(text), off = 0;
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), ".%s.passthru-tmp", name);
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0)
		r = -errno;
	while (!r && off < len) {
		ssize_t k = write(fd, text + off, len - off);

		if (k < 0)
			r = -errno;
		else
			off += (size_t)k;
	}
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && renameat(dfd, tmp, dfd, name) < 0) /* replaces a link, never follows it */
		r = -errno;
	if (r)
		unlinkat(dfd, tmp, 0);
	return r;
}

struct undo {
	char path[256];
	char *old;     /* NULL: the file did not exist */
	mode_t mode;
};

static void logf_(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(int fd, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	int n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%ld ", (long)time(NULL));
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n++] = '\n';
	if (write(fd, line, (size_t)n) < 0)
		return;
	fsync(fd);
}

static int do_write(struct pt_ctx *ctx, const struct pt_boot_step *s, struct undo *u)
{
	const char *leaf;
	char *old = NULL, bak[300];
	mode_t mode = 0;
	int dfd, r;

	dfd = open_parent(ctx, s->path, &leaf);
	if (dfd < 0)
		return pt_err(ctx, dfd, "%s%s: %s", pt_ctx_sysroot(ctx)[1] ? ctx->sysroot : "", s->path,
			      dfd == -ELOOP ? "a directory on the way is a symbolic link: not "
					     "followed" : strerror(-dfd));
	r = read_at(dfd, leaf, &old, &mode);
	if (r == -ELOOP || r == -EINVAL) {
		close(dfd);
		return pt_err(ctx, r, "refusing to replace %s%s: it is %s", ctx->sysroot, s->path,
			      pt_file_kind(mode));
	}
	if (r < 0 && r != -ENOENT) {
		close(dfd);
		return pt_err(ctx, r, "%s%s: %s", ctx->sysroot, s->path, strerror(-r));
	}
	pt_strlcpy(u->path, s->path, sizeof(u->path));
	u->old = old;
	u->mode = old ? (mode & 07777) : 0;
	/* a user's file keeps a copy; the first backup is the user's own, never replaced */
	if (old && s->backup) {
		snprintf(bak, sizeof(bak), "%s.passthru-bak", leaf);
		if (faccessat(dfd, bak, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
		    (r = write_at(dfd, bak, old, mode & 07777)) < 0) {
			close(dfd);
			return pt_err(ctx, r, "cannot keep a backup of %s%s: %s", ctx->sysroot, s->path,
				      strerror(-r));
		}
	}
	r = write_at(dfd, leaf, s->content, old ? (mode & 07777) :
		     (strstr(s->path, "/hooks/") ? 0755 : 0644));
	close(dfd);
	if (r < 0)
		return pt_err(ctx, r, "%s%s: %s", ctx->sysroot, s->path, strerror(-r));
	return 0;
}

static void undo_write(struct pt_ctx *ctx, const struct undo *u)
{
	const char *leaf;
	int dfd = open_parent(ctx, u->path, &leaf);

	if (dfd < 0)
		return;
	if (u->old)
		write_at(dfd, leaf, u->old, u->mode);
	else
		unlinkat(dfd, leaf, 0);
	close(dfd);
}

int pt_boot_run_plan(struct pt_ctx *ctx, const struct pt_boot_plan *p, const char *state_dir)
{
	struct undo *undo = calloc(p->n_steps ? p->n_steps : 1, sizeof(*undo));
	char dir[4096], logp[4200];
	size_t nu = 0, i;
	int logfd = -1, r = 0;

	if (!undo)
		return pt_err(ctx, -ENOMEM, "out of memory");
	if (pt_state_dir(ctx, state_dir, true, dir, sizeof(dir)) == 0) {
		snprintf(logp, sizeof(logp), "%s/boot.log", dir);
		logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	logf_(logfd, "begin steps=%zu", p->n_steps);
	for (i = 0; i < p->n_steps; i++) {
		const struct pt_boot_step *s = &p->steps[i];

		if (s->kind == PT_BOOT_WRITE) {
			logf_(logfd, "step %zu write %s%s", i, s->path, s->backup ? " backup" : "");
			r = do_write(ctx, s, &undo[nu]);
			if (r == 0)
				nu++;
		} else {
			char line[1024] = "";

			for (size_t k = 0; s->argv[k]; k++)
				snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s",
					 k ? " " : "", s->argv[k]);
			logf_(logfd, "step %zu run %s", i, line);
			r = pt_boot_exec(ctx, (const char *const *)s->argv, NULL, NULL);
			if (r > 0)
				r = pt_err(ctx, -EIO, "%s failed with exit status %d; the files "
					   "written before it are put back", line, r);
		}
		if (r < 0) {
			logf_(logfd, "fail %zu %s", i, pt_ctx_error(ctx));
			break;
		}
		logf_(logfd, "ok %zu", i);
	}
	if (r < 0) {
		while (nu--)
			undo_write(ctx, &undo[nu]);
		logf_(logfd, "rolled-back");
	} else {
		logf_(logfd, "done");
	}
	for (size_t k = 0; k < p->n_steps; k++)
		free(undo[k].old);
	free(undo);
	if (logfd >= 0)
		close(logfd);
	return r < 0 ? r : (int)i;
}
