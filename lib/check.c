// SPDX-License-Identifier: MIT
/*
 * The host gate's judgement: pure over the PCI model, the gathered facts and the
 * profile. Every result carries its evidence and a decision a person can act on.
 * Check ids are a contract (docs/checks.md); never rename one.
 */
#include "internal.h"
#include "passthru/boot.h"
#include "passthru/check.h"
#include "passthru/judge.h"
#include "passthru/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>

/* What the gate says of a module (check.h); hostfacts.c gathers the states. */
const char *pt_mod_state_str(enum pt_mod_state s)
{
	switch (s) {
	case PT_MOD_ABSENT: return "absent";
	case PT_MOD_LOADABLE: return "loadable";
	case PT_MOD_BUILTIN: return "built in";
	case PT_MOD_LOADED: return "loaded";
	default: return "unknown";
	}
}

const char *pt_result_str(enum pt_result r)
{
	switch (r) {
	case PT_PASS: return "pass";
	case PT_SKIP: return "skip";
	case PT_WARN: return "warn";
	default: return "fail";
	}
}

struct judge {
	const struct pt_host *h;
	const struct pt_hostfacts *f;
	const struct pt_profile *p;
	struct pt_report *r;
	int err;
	char subject[64];   /* for the next add() only */
	struct pt_dma_judgement dma; /* judged once (lib/judge.c), used by every check */
};

static struct pt_check_result *vadd(struct pt_report *r, const char *id, const char *title,
					  enum pt_result res, const char *device, const char *decision,
					  const char *evfmt, va_list ap)
{
	struct pt_check_result c;

	memset(&c, 0, sizeof(c));
	pt_strlcpy(c.id, id, sizeof(c.id));
	pt_strlcpy(c.title, title, sizeof(c.title));
	c.result = res;
	pt_strlcpy(c.device, device ? device : "", sizeof(c.device));
	pt_strlcpy(c.decision, res == PT_PASS ? "" : decision ? decision : "", sizeof(c.decision));
	vsnprintf(c.evidence, sizeof(c.evidence), evfmt, ap);
	if (PT_PUSH(r->results, r->n, c))
		return NULL;
	if (res > r->worst)
		r->worst = res;
	return &r->results[r->n - 1];
}

struct pt_check_result *pt_report_add(struct pt_report *r, const char *id, const char *title,
				      enum pt_result res, const char *device, const char *decision,
				      const char *evfmt, ...)
{
	struct pt_check_result *c;
	va_list ap;

	va_start(ap, evfmt);
	c = vadd(r, id, title, res, device, decision, evfmt, ap);
	va_end(ap);
	return c;
}

/* The judge's own adder: remembers an allocation failure for pt_check_run to return. */
__attribute__((format(printf, 7, 8))) static struct pt_check_result *
add(struct judge *j, const char *id, const char *title, enum pt_result res, const char *device,
    const char *decision, const char *evfmt, ...)
{
	struct pt_check_result *c;
	va_list ap;

	va_start(ap, evfmt);
	c = vadd(j->r, id, title, res, device, decision, evfmt, ap);
	va_end(ap);
	if (!c)
		j->err = -ENOMEM;
	else
		pt_strlcpy(c->subject, j->subject, sizeof(c->subject));
	j->subject[0] = '\0';
	return c;
}

/* Names what the next result is about, beside its id and device. */
__attribute__((format(printf, 2, 3))) static void about(struct judge *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->subject, sizeof(j->subject), fmt, ap);
	va_end(ap);
}

static enum pt_result sev(enum pt_severity s)
{
	return s == PT_SEV_FAIL ? PT_FAIL : s == PT_SEV_WARN ? PT_WARN : PT_PASS;
}

static void check_dma(struct judge *j)
{
	const struct pt_host *h = j->h;
	const char *id = "iommu.dma-remapping", *title = "DMA remapping active";
	enum pt_result bad = j->p->require_dma_remapping ? PT_FAIL : PT_WARN;

	if (j->dma.on == PT_YES) {
		add(j, id, title, PT_PASS, NULL, NULL, "%s", j->dma.evidence);
		return;
	}
	if (j->dma.on == PT_UNKNOWN) {
		add(j, id, title, PT_WARN, NULL,
		    "The kernel log says the IOMMU is on, but the tree has neither IOMMU groups nor "
		    "/sys/class/iommu: the capture is incomplete. Run passthru on the host itself, or "
		    "capture with passthru snapshot, before trusting a verdict.",
		    "%s", j->dma.evidence);
		return;
	}
	if (h->n_iommu_units > 0) {
		add(j, id, title, bad, NULL,
		    "IOMMU units are registered but no device sits in an IOMMU group: the IOMMU is "
		    "not translating DMA. Check for iommu=off or intel_iommu=off on the kernel command "
		    "line and for 'DMAR' errors in the kernel log, then reboot.",
		    "%s", j->dma.evidence);
		return;
	}
	{
		char cmd[64] = "";

		if (h->cmdline)
			pt_cmdline_get(h->cmdline, "intel_iommu", cmd, sizeof(cmd));
		add(j, id, title, bad, NULL,
		    "No IOMMU is translating DMA, so no device on this host can be assigned safely. Enable "
		    "VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, boot with intel_iommu=on on "
		    "Intel (AMD enables it by default), reboot, and run passthru check again. Drain VMs that "
		    "use passthrough from this node until then.",
		    "%s%s%s", j->dma.evidence, cmd[0] ? "; command line has intel_iommu=" : "", cmd);
	}
}

static void check_ir(struct judge *j)
{
	const struct pt_klog *k = &j->f->klog;
	const struct pt_hostfacts *f = j->f;
	const char *id = "iommu.interrupt-remapping", *title = "Interrupt remapping active";
	enum pt_result bad = j->p->require_interrupt_remapping ? PT_FAIL : PT_WARN;
	const char *decision =
		"Interrupt remapping is off: a device given to a VM can forge interrupts (MSI "
		"injection) and vfio refuses such devices unless allow_unsafe_interrupts=1, which "
		"must never be set on a shared host. Enable x2APIC and interrupt remapping in the "
		"firmware, remove intremap=off/nointremap from the kernel command line, and reboot.";
	char irq[96] = "";

	if (f->irq_lines_remapped >= 0)
		snprintf(irq, sizeof(irq), "/proc/interrupts: %d remapped (IR-PCI-MSI), %d direct MSI lines",
			 f->irq_lines_remapped, f->irq_lines_direct);

	if (k->interrupt_remapping == PT_NO ||
	    (k->interrupt_remapping != PT_YES && f->irq_lines_direct > 0 && f->irq_lines_remapped == 0)) {
		add(j, id, title, bad, NULL, decision, "%s%s%s",
		    k->ir_evidence[0] ? k->ir_evidence : "no line shows interrupt remapping enabled",
		    irq[0] ? "; " : "", irq);
		return;
	}
	if (k->interrupt_remapping == PT_YES || (f->irq_lines_remapped > 0 && f->irq_lines_direct == 0)) {
		if (f->irq_lines_direct > 0 && f->irq_lines_remapped >= 0)
			add(j, id, title, PT_WARN, NULL,
			    "Some MSI interrupts bypass the remapping unit: find the devices named on "
			    "the PCI-MSI lines of /proc/interrupts and do not assign them.",
			    "%s; %s", k->ir_evidence, irq);
		else
			add(j, id, title, PT_PASS, NULL, NULL, "%s%s%s%s%s%s",
			    k->ir_evidence, k->ir_mode[0] ? " (" : "", k->ir_mode,
			    k->ir_mode[0] ? " mode)" : "", k->ir_evidence[0] && irq[0] ? "; " : "", irq);
		return;
	}
	add(j, id, title, j->p->require_interrupt_remapping ? PT_WARN : PT_SKIP, NULL,
	    "Nothing on this host proves interrupt remapping either way: read the kernel log "
	    "(passthru check --kernel-log FILE) or look for IR-PCI-MSI in /proc/interrupts.",
	    "kernel log: %s; %s", f->have_klog ? "no DMAR-IR/AMD-Vi interrupt remapping line" : f->klog_error,
	    irq[0] ? irq : "/proc/interrupts shows no MSI lines");
}

static void check_domain(struct judge *j)
{
	const struct pt_hostfacts *f = j->f;
	const char *want = j->p->default_domain, *have = "";
	const char *id = "iommu.default-domain", *title = "IOMMU default domain";

	if (strcmp(f->group_type, "identity") == 0)
		have = "passthrough";
	else if (strncmp(f->group_type, "DMA", 3) == 0)
		have = "translated";
	else if (f->klog.default_domain[0] && j->dma.on == PT_YES)
		have = f->klog.default_domain;
	if (!want[0] || strcmp(want, "any") == 0) {
		if (have[0])
			add(j, id, title, PT_PASS, NULL, NULL, "%s (group type %s%s%s)", have,
			    f->group_type[0] ? f->group_type : "unknown",
			    f->klog.domain_evidence[0] ? "; " : "", f->klog.domain_evidence);
		return;
	}
	if (!have[0]) {
		add(j, id, title, PT_SKIP, NULL,
		    "The default domain cannot be told without IOMMU groups or the kernel log.",
		    "no IOMMU group type and no 'Default domain type' line");
		return;
	}
	if (strcmp(want, have) == 0)
		add(j, id, title, PT_PASS, NULL, NULL, "%s, as the profile wants (group type %s)", have,
		    f->group_type[0] ? f->group_type : "unknown");
	else
		add(j, id, title, PT_FAIL, NULL,
		    strcmp(want, "passthrough") == 0
			    ? "Boot with iommu=pt so host-owned devices skip translation."
			    : "Remove iommu=pt (and iommu.passthrough=1) from the kernel command line.",
		    "default domain is %s, the profile wants %s", have, want);
}

/* "key" (present with any value) or "key=value" */
static bool cmdline_has(const char *cmdline, const char *rule, char *seen, size_t seenlen)
{
	char key[128], val[256];
	const char *eq = strchr(rule, '=');
	int r;

	if (eq) {
		size_t n = (size_t)(eq - rule);

		if (n >= sizeof(key))
			n = sizeof(key) - 1;
		memcpy(key, rule, n);
		key[n] = '\0';
	} else {
		pt_strlcpy(key, rule, sizeof(key));
	}
	r = pt_cmdline_get(cmdline, key, val, sizeof(val));
	if (r < 0)
		return false;
	snprintf(seen, seenlen, r ? "%s=%s" : "%s", key, val);
	return eq ? (r == 1 && strcmp(val, eq + 1) == 0) : true;
}

static void check_cmdline(struct judge *j)
{
	const struct pt_profile *p = j->p;
	const char *id = "kernel.cmdline", *title = "Kernel command line";
	const char *cmd = j->h->cmdline;
	bool bad = false;
	char seen[400], dec[512];

	if (!p->n_cmdline_require && !p->n_cmdline_forbid)
		return;
	if (!cmd) {
		add(j, id, title, PT_SKIP, NULL, "Make /proc/cmdline readable.", "/proc/cmdline unreadable");
		return;
	}
	for (size_t i = 0; i < p->n_cmdline_require; i++) {
		seen[0] = '\0';
		if (cmdline_has(cmd, p->cmdline_require[i], seen, sizeof(seen)))
			continue;
		bad = true;
		snprintf(dec, sizeof(dec),
			 "Add %s to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, "
			 "then update-grub) and reboot.", p->cmdline_require[i]);
		about(j, "%s", p->cmdline_require[i]);
		if (!seen[0])
			add(j, id, title, PT_FAIL, NULL, dec, "%s is required and absent", p->cmdline_require[i]);
		else
			add(j, id, title, PT_FAIL, NULL, dec, "%s is required; the command line has %s",
			    p->cmdline_require[i], seen);
	}
	for (size_t i = 0; i < p->n_cmdline_forbid; i++) {
		seen[0] = '\0';
		if (!cmdline_has(cmd, p->cmdline_forbid[i], seen, sizeof(seen)))
			continue;
		bad = true;
		snprintf(dec, sizeof(dec),
			 "Remove %s from the kernel command line (/etc/default/grub, update-grub) and reboot.",
			 seen);
		about(j, "%s", p->cmdline_forbid[i]);
		add(j, id, title, PT_FAIL, NULL, dec, "%s is forbidden by the profile and present", seen);
	}
	if (!bad) {
		char rules[400] = "";
		size_t o = 0;

		for (size_t i = 0; i < p->n_cmdline_require && o < sizeof(rules); i++)
			o += (size_t)snprintf(rules + o, sizeof(rules) - o, "%s%s present", o ? ", " : "",
					      p->cmdline_require[i]);
		for (size_t i = 0; i < p->n_cmdline_forbid && o < sizeof(rules); i++)
			o += (size_t)snprintf(rules + o, sizeof(rules) - o, "%s%s absent", o ? ", " : "",
					      p->cmdline_forbid[i]);
		add(j, id, title, PT_PASS, NULL, NULL, "%s", rules);
	}
}

/* The profile's devices: what the same plan binds to vfio, so they do not block each
 * other as group neighbours. */
static size_t profile_bdfs(const struct judge *j, struct pt_bdf *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < j->p->n_devices && n < max; i++) {
		const struct pt_device *d = pt_match_find(j->h, &j->p->devices[i].match);

		if (d)
			out[n++] = d->bdf;
	}
	return n;
}

static void check_group(struct judge *j, const struct pt_device *d)
{
	const char *id = "iommu.group-viable", *title = "Device assignable: its IOMMU group";
	struct pt_assignability a;
	struct pt_bdf with[64];
	size_t n_with = profile_bdfs(j, with, 64);
	char viable[160], ev[512];

	pt_judge_assignable(j->h, j->dma.on, j->f->prot, j->f->n_prot, with, n_with, d, &a);
	if (a.viable == PT_NO && d->driver[0] && !pt_driver_is_vfio(d->driver) && !a.n_causes)
		snprintf(viable, sizeof(viable), "viable for vfio now: no (%s is on %s; yes once bound "
			 "to vfio-pci)", d->name, d->driver);
	else
		snprintf(viable, sizeof(viable), "viable for vfio now: %s", pt_tri_str(a.viable));
	if (a.assignable != PT_YES) {
		size_t n = a.n_causes < PT_MAX_CAUSES ? a.n_causes : PT_MAX_CAUSES;
		char dec[512];
		size_t o = 0;

		dec[0] = '\0';
		for (size_t i = 0; i < n && o < sizeof(dec); i++)
			o += (size_t)snprintf(dec + o, sizeof(dec) - o, "%s%c%s.", i ? " " : "",
					      toupper((unsigned char)a.causes[i].fix[0]), a.causes[i].fix + 1);
		ev[0] = '\0';
		for (size_t i = 0, o2 = 0; i < n; i++) {
			o2 += (size_t)snprintf(ev + o2, sizeof(ev) - o2, "%s%s", i ? "; " : "", a.causes[i].why);
			if (o2 >= sizeof(ev))
				break;
		}
		add(j, id, title, PT_FAIL, d->name, dec, "not assignable: %s", ev);
		return;
	}
	if (a.n_shared) {
		const struct pt_device *c = pt_device_acs_culprit(j->h, d);
		char dec[512];

		snprintf(dec, sizeof(dec),
			 "Group %d goes to one VM as a whole: give %s to the same VM (list it in the profile), "
			 "or %s.", d->iommu_group, a.shared,
			 c && c != d && !(c->bdf.bus == d->bdf.bus && c->bdf.dev == d->bdf.dev)
				 ? "move the card to a slot whose port isolates with ACS"
				 : "leave the group's other functions unused");
		if (c && c != d) {
			size_t o = strlen(dec);

			snprintf(dec + o, sizeof(dec) - o, " The group is shared because %s does not "
				 "isolate peer-to-peer traffic (no ACS redirect).", c->name);
		}
		add(j, id, title, PT_WARN, d->name, dec,
		    "assignable, with group %d: it also holds %s, not in the profile; %s", d->iommu_group,
		    a.shared, viable);
		return;
	}
	add(j, id, title, PT_PASS, d->name, NULL, "assignable: group %d holds %s; %s", d->iommu_group,
	    pt_group_other_endpoints(j->h, d, NULL, 0) ? "only devices the profile assigns"
						       : "no other endpoint",
	    viable);
}

static void check_profile_devices(struct judge *j)
{
	for (size_t i = 0; i < j->p->n_devices; i++) {
		const struct pt_device_req *req = &j->p->devices[i];
		char why[256], sel[128];
		const struct pt_device *d = pt_match_find(j->h, &req->match);

		pt_match_str(&req->match, sel, sizeof(sel));
		if (!d) {
			pt_match_absent_str(j->h, &req->match, why, sizeof(why));
			add(j, "device.present", "Profile device present", PT_FAIL, sel,
			    "The profile names a device this host does not have: fix the profile or check "
			    "the card is seated and enabled (passthru list).", "%s:%d: %s", j->p->source,
			    req->pos.line, why);
			continue;
		}
		check_group(j, d);
		if (req->driver[0] && strcmp(req->driver, "any") != 0) {
			bool ok = strcmp(req->driver, d->driver) == 0 ||
				  (strcmp(req->driver, "vfio-pci") == 0 && pt_driver_is_vfio(d->driver));
			char dec[300];

			snprintf(dec, sizeof(dec),
				 "Bind %s to %s: list it under passthrough: in the host config and run "
				 "passthru apply.", d->name, req->driver);
			add(j, "driver.binding", "Device bound to the expected driver", ok ? PT_PASS : PT_FAIL,
			    d->name, dec, "bound to %s, profile expects %s", d->driver[0] ? d->driver : "nothing",
			    req->driver);
		}
		if (req->numa_node >= 0) {
			struct pt_numa_judgement nj;
			char nn[24];

			pt_judge_numa(j->h, d, &nj);
			about(j, "node");
			add(j, "numa.locality", "Device on the expected NUMA node",
			    nj.node == req->numa_node ? (nj.disagrees ? PT_WARN : PT_PASS)
						      : nj.node < 0 ? PT_WARN : PT_FAIL,
			    d->name,
			    nj.node < 0 ? "The firmware does not report the device's node (numa_node -1): "
					  "check the BIOS's NUMA/SRAT settings."
			    : nj.node != req->numa_node
				    ? "Move the card to a slot on the wanted node, or change the profile."
				    : "The VF's own numa_node disagrees with its PF's: fix the firmware's "
				      "SRAT/_PXM tables; the PF's node is used.",
			    "numa_node %s%s%s, profile expects %d", pt_format_count(nj.node, nn, sizeof(nn)),
			    nj.disagrees ? "; " : "", nj.note, req->numa_node);
		}
		if (req->min_speed_mts > 0 || req->min_width > 0) {
			bool ok = (req->min_speed_mts <= 0 || d->link.speed_mts >= req->min_speed_mts) &&
				  (req->min_width <= 0 || d->link.width >= req->min_width);
			char have[32], want[32], w[24];

			pt_format_speed(d->link.speed_mts, have, sizeof(have));
			pt_format_speed(req->min_speed_mts, want, sizeof(want));
			about(j, "profile");
			add(j, "pcie.link", "PCIe link as expected", ok ? PT_PASS : PT_FAIL, d->name,
			    "Reseat the card or move it to a slot wired for the full width and speed; check "
			    "the BIOS's PCIe speed setting.",
			    "negotiated %s x%s, profile expects at least %s x%d", have,
			    pt_format_count(d->link.width, w, sizeof(w)), req->min_speed_mts > 0 ? want : "any",
			    req->min_width > 0 ? req->min_width : 1);
		}
	}
}

static void check_numa_cpus(struct judge *j)
{
	const char *cpus = j->p->vm_cpus;

	if (!cpus[0])
		return;
	for (size_t i = 0; i < j->p->n_devices; i++) {
		const struct pt_device *d = pt_match_find(j->h, &j->p->devices[i].match);
		struct pt_numa_judgement nj;
		char nn[24];
		int sub;

		if (!d)
			continue;
		pt_judge_numa(j->h, d, &nj);
		if (!nj.cpulist[0]) {
			about(j, "cpus");
			add(j, "numa.locality", "VM CPUs local to the device", PT_WARN, d->name,
			    "The device reports no local CPUs; NUMA alignment cannot be verified.",
			    "local_cpulist unknown");
			continue;
		}
		sub = pt_cpulist_subset(cpus, nj.cpulist);
		about(j, "cpus");
		add(j, "numa.locality", "VM CPUs local to the device", sub == 1 ? PT_PASS : PT_WARN,
		    d->name,
		    "Pin the VMs that get this device to CPUs of its node, or reserve CPUs on that node "
		    "(numa: vm_cpus).",
		    "VM CPUs %s, device-local CPUs %s (node %s%s)", cpus, nj.cpulist,
		    pt_format_count(nj.node, nn, sizeof(nn)), nj.source == PT_NUMA_SOURCE_PF ? ", its PF's" : "");
	}
}

static void check_links(struct judge *j)
{
	enum pt_result bad = sev(j->p->sev_link_degraded);
	size_t judged = 0, degraded = 0;

	if (j->p->sev_link_degraded == PT_SEV_IGNORE)
		return;
	for (size_t i = 0; i < j->h->n_devs; i++) {
		const struct pt_device *d = &j->h->devs[i];
		char ls[64];

		if (d->kind == PT_KIND_VF || !pt_device_is_endpoint(d) || d->link.degraded == PT_UNKNOWN)
			continue;
		judged++;
		if (d->link.degraded != PT_YES)
			continue;
		degraded++;
		pt_format_speed(d->link.speed_mts, ls, sizeof(ls));
		{
			char cap[32];

			pt_format_speed(d->link.max_speed_mts, cap, sizeof(cap));
			about(j, "capability");
			add(j, "pcie.link", "PCIe link at capability", bad, d->name,
			    "The link trained below what the device supports: reseat the card, check the "
			    "slot's wiring (an x16 slot may be wired x4) and the BIOS's PCIe speed setting. "
			    "GPUs lower their link at idle; check again under load before acting.",
			    "negotiated %s x%d, capable of %s x%d", ls, d->link.width, cap,
			    d->link.max_width);
		}
	}
	if (!degraded) {
		about(j, "capability");
		add(j, "pcie.link", "PCIe link at capability", judged ? PT_PASS : PT_SKIP, NULL,
		    "No endpoint reports link speed and width.",
		    "%zu endpoint links at their capability", judged);
	}
}

static void check_vf_counts(struct judge *j)
{
	for (size_t i = 0; i < j->p->cfg.n_sriov; i++) {
		const struct pt_sriov_config *s = &j->p->cfg.sriov[i];
		char why[256], sel[128];
		const struct pt_device *d;
		char nv[24];

		if (s->vfs < 0)
			continue;
		d = pt_match_find(j->h, &s->pf);
		pt_match_str(&s->pf, sel, sizeof(sel));
		if (!d) {
			pt_match_absent_str(j->h, &s->pf, why, sizeof(why));
			add(j, "sriov.vf-count", "VF count as planned", PT_FAIL, sel,
			    "Fix the sriov: entry or check the card (passthru list --class net).", "%s", why);
			continue;
		}
		if (d->kind != PT_KIND_PF || d->sriov_totalvfs < 0) {
			add(j, "sriov.vf-count", "VF count as planned", PT_FAIL, d->name,
			    "The device is not SR-IOV capable (or SR-IOV is disabled in the firmware).",
			    "no sriov_totalvfs");
			continue;
		}
		if (s->vfs > d->sriov_totalvfs) {
			add(j, "sriov.vf-count", "VF count as planned", PT_FAIL, d->name,
			    "Lower vfs: in the profile or raise the VF limit in the device firmware.",
			    "planned %d VFs, the device supports %d", s->vfs, d->sriov_totalvfs);
			continue;
		}
		add(j, "sriov.vf-count", "VF count as planned", d->sriov_numvfs == s->vfs ? PT_PASS : PT_FAIL,
		    d->name, "Run passthru apply with the host config to set the VF count.",
		    "sriov_numvfs %s, planned %d (of %d)", pt_format_count(d->sriov_numvfs, nv, sizeof(nv)),
		    s->vfs, d->sriov_totalvfs);
	}
}

/* ---- KVM and VFIO ---------------------------------------------------------------------- */

static void check_kvm(struct judge *j)
{
	const struct pt_hostfacts *f = j->f;
	const char *id = "kvm.device", *title = "KVM usable";
	char cpu[64];

	if (!f->cpu_virt_known)
		snprintf(cpu, sizeof(cpu), "CPU flags unknown (/proc/cpuinfo unreadable)");
	else if (f->cpu_virt[0])
		snprintf(cpu, sizeof(cpu), "CPU flags have %s", f->cpu_virt);
	else
		snprintf(cpu, sizeof(cpu), "CPU flags have neither vmx nor svm");
	if (f->cpu_virt_known && !f->cpu_virt[0]) {
		add(j, id, title, PT_FAIL, NULL,
		    "The CPU offers no hardware virtualization: enable VT-x (Intel) or AMD-V/SVM (AMD) "
		    "in the firmware setup and reboot (in a VM: give it nested virtualization, "
		    "e.g. QEMU -cpu host). No VM can run with KVM until then.",
		    "%s; /dev/kvm: %s", cpu, f->kvm_node ? f->kvm_node_what : "unknown");
		return;
	}
	switch (f->kvm_node) {
	case PT_NODE_CHAR:
		add(j, id, title, PT_PASS, NULL, NULL, "/dev/kvm: %s; %s", f->kvm_node_what, cpu);
		return;
	case PT_NODE_ABSENT:
	case PT_NODE_OTHER:
		add(j, id, title, PT_FAIL, NULL,
		    "KVM is not available: load kvm_intel (Intel) or kvm_amd (AMD) with modprobe "
		    "and read the kernel log if it fails (\"disabled by bios\" means VT-x/AMD-V is "
		    "off in the firmware setup).",
		    "/dev/kvm: %s; %s", f->kvm_node_what, cpu);
		return;
	default:
		add(j, id, title, PT_SKIP, NULL, "Run passthru check on the host itself: this tree has "
		    "no /dev.", "/dev/kvm unknown (no /dev in this tree); %s", cpu);
	}
}

/* Does the profile hand devices to VMs (so the vfio IOMMU backend matters)? */
static bool passes_through(const struct pt_profile *p)
{
	if (p->n_devices || p->cfg.n_passthrough || p->cfg.n_pools)
		return true;
	for (size_t i = 0; i < p->cfg.n_sriov; i++) {
		const struct pt_sriov_config *s = &p->cfg.sriov[i];

		if (pt_driver_is_vfio(s->defaults.driver))
			return true;
		for (size_t k = 0; k < s->n_vf; k++)
			if (pt_driver_is_vfio(s->vf[k].driver))
				return true;
	}
	return false;
}

static void check_vfio(struct judge *j)
{
	const struct pt_hostfacts *f = j->f;
	const char *id = "vfio.driver", *title = "vfio-pci and its IOMMU backend";
	bool through = passes_through(j->p);
	char ev[320];
	enum pt_result res = PT_PASS;
	const char *dec = NULL;

	snprintf(ev, sizeof(ev), "vfio_pci %s, vfio_iommu_type1 %s, iommufd %s (kernel %s)%s",
		 pt_mod_state_str(f->vfio_pci), pt_mod_state_str(f->vfio_type1),
		 pt_mod_state_str(f->iommufd), f->kernel_release[0] ? f->kernel_release : "unknown",
		 through ? "; the profile passes devices through" : "");
	if (f->vfio_pci == PT_MOD_UNKNOWN) {
		res = PT_SKIP;
		dec = "Run passthru check on the host itself: this tree has no /sys/module.";
	} else if (f->vfio_pci == PT_MOD_ABSENT) {
		res = PT_FAIL;
		dec = "This kernel has no vfio-pci (not loaded, not in modules.dep or modules.builtin): "
		      "boot a kernel built with CONFIG_VFIO_PCI (Debian's has it as a module).";
	} else if (through && f->vfio_type1 == PT_MOD_ABSENT && f->iommufd == PT_MOD_ABSENT) {
		res = PT_FAIL;
		dec = "vfio-pci has no IOMMU backend: neither vfio_iommu_type1 nor iommufd is in this "
		      "kernel, so no VM can map a device's DMA. Boot a kernel with "
		      "CONFIG_VFIO_IOMMU_TYPE1 or CONFIG_IOMMUFD.";
	} else if (through && f->vfio_pci == PT_MOD_LOADABLE) {
		res = PT_WARN;
		dec = "vfio-pci is loadable but not loaded: a driver_override to vfio-pci binds "
		      "nothing until it is. Load it at boot: echo vfio-pci > "
		      "/etc/modules-load.d/vfio-pci.conf (and modprobe vfio-pci now).";
	}
	add(j, id, title, res, NULL, dec, "%s", ev);
}

static void check_unsafe_interrupts(struct judge *j)
{
	const struct pt_hostfacts *f = j->f;
	const char *id = "vfio.unsafe-interrupts", *title = "vfio interrupt isolation enforced";
	const char *dec =
		"allow_unsafe_interrupts switches off vfio's refusal of devices whose interrupts "
		"are not remapped: a VM can then forge MSIs to the host or other VMs. Remove "
		"vfio_iommu_type1.allow_unsafe_interrupts=1 from the kernel command line and "
		"'options vfio_iommu_type1 allow_unsafe_interrupts=1' from /etc/modprobe.d, then "
		"reboot (or reload vfio_iommu_type1 with no device bound). If the host has no "
		"interrupt remapping, fix that instead (iommu.interrupt-remapping).";
	char cmd[32] = "";
	bool on_cmdline = j->h->cmdline &&
			  pt_cmdline_get(j->h->cmdline, "vfio_iommu_type1.allow_unsafe_interrupts",
					 cmd, sizeof(cmd)) >= 0 &&
			  (cmd[0] == '1' || cmd[0] == 'Y' || cmd[0] == 'y' || cmd[0] == '\0');

	if (f->unsafe_interrupts[0] == 'Y' || f->unsafe_interrupts[0] == '1') {
		add(j, id, title, PT_FAIL, NULL, dec, "/sys/module/vfio_iommu_type1/parameters/"
		    "allow_unsafe_interrupts is %s%s", f->unsafe_interrupts,
		    on_cmdline ? " (set on the kernel command line)" : "");
		return;
	}
	if (on_cmdline) {
		add(j, id, title, PT_FAIL, NULL, dec, "the kernel command line has "
		    "vfio_iommu_type1.allow_unsafe_interrupts%s%s (the module is %s)",
		    cmd[0] ? "=" : "", cmd, f->unsafe_interrupts[0] ? "loaded" : "not loaded yet");
		return;
	}
	if (f->unsafe_interrupts[0]) {
		add(j, id, title, PT_PASS, NULL, NULL, "/sys/module/vfio_iommu_type1/parameters/"
		    "allow_unsafe_interrupts is %s", f->unsafe_interrupts);
		return;
	}
	add(j, id, title, PT_SKIP, NULL,
	    "vfio_iommu_type1 is not loaded, so its allow_unsafe_interrupts cannot be read; check "
	    "/etc/modprobe.d for 'allow_unsafe_interrupts' or run passthru check once it is loaded.",
	    "vfio_iommu_type1 not loaded (%s); the command line does not set "
	    "allow_unsafe_interrupts", pt_mod_state_str(f->vfio_type1));
}

static void check_acs_override(struct judge *j)
{
	const char *id = "iommu.acs-override", *title = "IOMMU groups as the hardware isolates";
	char seen[160];
	int r = pt_groups_acs_override(j->h, seen, sizeof(seen));

	if (r < 0) {
		add(j, id, title, PT_SKIP, NULL, "Make /proc/cmdline readable.",
		    "/proc/cmdline unreadable");
		return;
	}
	if (r == 0) {
		add(j, id, title, PT_PASS, NULL, NULL, "no pcie_acs_override on the kernel command line");
		return;
	}
	add(j, id, title, sev(j->p->sev_acs_override), NULL,
	    "The kernel was told to pretend PCIe ACS isolation the hardware does not give: "
	    "functions it puts in separate IOMMU groups can still reach each other by peer-to-peer "
	    "DMA, so a VM given one of them can read or write another VM's (or the host's) device. "
	    "Remove pcie_acs_override from the kernel command line (/etc/default/grub, "
	    "update-grub) and reboot; assign whole groups as the hardware forms them (passthru "
	    "show DEV says why a group is big), or move the card behind a port with ACS. To accept "
	    "the risk on a host you alone use: severity: { acs_override: warn } in the profile.",
	    "%s on the kernel command line: every IOMMU group is untrustworthy", seen);
}

static void check_vf_numa(struct judge *j)
{
	const char *id = "sriov.vf-numa", *title = "VFs on their PF's NUMA node";
	size_t vfs = 0, bad = 0;

	for (size_t i = 0; i < j->h->n_devs; i++) {
		const struct pt_device *d = &j->h->devs[i], *pf = NULL;

		if (d->kind != PT_KIND_VF || d->numa_node < 0)
			continue;
		vfs++;
		if (!pt_vf_numa_differs(j->h, d, &pf))
			continue;
		bad++;
		add(j, id, title, PT_WARN, d->name,
		    "A VF sits on its PF's PCIe link, so its NUMA node is the PF's: the firmware's "
		    "ACPI tables (_PXM) report it wrong. Place VMs by the PF's node (passthru show PF), "
		    "not this VF's, and ask the vendor for a firmware fix.",
		    "numa_node %d, but its PF %s is on node %d", d->numa_node, pf->name, pf->numa_node);
	}
	if (vfs && !bad)
		add(j, id, title, PT_PASS, NULL, NULL, "%zu VF%s on their PF's node", vfs,
		    vfs == 1 ? "" : "s");
}

static bool pf_in_scope(const struct judge *j, const struct pt_pf_vfs *pf)
{
	bool any = false;

	for (size_t i = 0; i < j->p->cfg.n_sriov; i++) {
		const struct pt_device *d = pt_match_find(j->h, &j->p->cfg.sriov[i].pf);

		any = true;
		if (d && strcmp(d->name, pf->pf) == 0)
			return true;
	}
	return !any;
}

static void check_vf_policy(struct judge *j)
{
	const struct pt_profile *p = j->p;
	const char *id = "sriov.vf-policy", *title = "VF security policy";
	size_t judged = 0, bad = 0;

	if (p->vf_spoof_check < 0 && p->vf_trust < 0 && p->vf_vlan_required <= 0)
		return;
	if (!j->f->vf_state_available) {
		add(j, id, title, PT_SKIP, NULL, "Run passthru check on the live host (not a sysroot) to read VF settings.",
		    "VF settings unavailable: %s", j->f->vf_state_error);
		return;
	}
	for (size_t i = 0; i < j->f->n_pfs; i++) {
		const struct pt_pf_vfs *pf = &j->f->pfs[i];

		if (!pf_in_scope(j, pf))
			continue;
		if (pf->error) {
			add(j, id, title, PT_WARN, pf->pf, "Check that the PF's driver supports VF settings over netlink.",
			    "%s: VF settings unreadable: %s", pf->ifname, strerror(-pf->error));
			continue;
		}
		for (size_t k = 0; k < pf->n_vfs; k++) {
			const struct pt_vf_state *v = &pf->vfs[k];
			char what[256] = "", dev[64];
			size_t o = 0;

			judged++;
			if (p->vf_spoof_check >= 0 && v->spoofchk >= 0 && v->spoofchk != p->vf_spoof_check)
				o += (size_t)snprintf(what + o, sizeof(what) - o, "spoof checking %s",
						      v->spoofchk ? "on" : "off");
			if (p->vf_trust >= 0 && v->trust >= 0 && v->trust != p->vf_trust)
				o += (size_t)snprintf(what + o, sizeof(what) - o, "%strust %s", o ? ", " : "",
						      v->trust ? "on" : "off");
			if (p->vf_vlan_required > 0 && v->vlan == 0)
				o += (size_t)snprintf(what + o, sizeof(what) - o, "%sno VLAN", o ? ", " : "");
			if (!what[0])
				continue;
			bad++;
			snprintf(dev, sizeof(dev), "%s vf %d", pf->pf, v->vf);
			{
				char dec[300];

				snprintf(dec, sizeof(dec),
					 "Set the VF policy from the host: ip link set %s vf %d%s%s (or list it in "
					 "the host config and run passthru apply).",
					 pf->ifname, v->vf,
					 p->vf_spoof_check == 1 ? " spoofchk on" : "",
					 p->vf_trust == 0 ? " trust off" : "");
				add(j, id, title, PT_FAIL, dev, dec, "%s vf %d: %s", pf->ifname, v->vf, what);
			}
		}
	}
	if (!bad)
		add(j, id, title, judged ? PT_PASS : PT_SKIP, NULL, "No VFs are enabled to judge.",
		    "%zu VFs follow the policy", judged);
}

static void check_hugepages(struct judge *j)
{
	for (size_t i = 0; i < j->p->n_hugepages; i++) {
		const struct pt_hugepage_req *q = &j->p->hugepages[i];
		const struct pt_hugepages *hp = NULL;
		const struct pt_hugepages *arr = j->h->hugepages;
		size_t n = j->h->n_hugepages;
		char where[32], dec[300], sz[32], tot[24], fr[24], wtot[24], wfr[24];

		if (q->node >= 0) {
			const struct pt_numa_node *nd = pt_host_node(j->h, q->node);

			snprintf(where, sizeof(where), "node %d", q->node);
			if (!nd) {
				about(j, "%ldkB", q->size_kb);
				add(j, "numa.hugepages", "Hugepages reserved", PT_FAIL, where,
				    "The profile names a NUMA node this host does not have.", "no NUMA node %d",
				    q->node);
				continue;
			}
			arr = nd->hugepages;
			n = nd->n_hugepages;
		} else {
			snprintf(where, sizeof(where), "host");
		}
		for (size_t k = 0; k < n; k++)
			if (arr[k].size_kb == q->size_kb)
				hp = &arr[k];
		pt_format_kib(q->size_kb, sz, sizeof(sz));
		snprintf(dec, sizeof(dec),
			 "Reserve %s hugepages on %s: hugepagesz=/hugepages= on the kernel command line, "
			 "or echo N > %s/hugepages/hugepages-%ldkB/nr_hugepages at boot.",
			 sz, where, q->node >= 0 ? "/sys/devices/system/node/nodeN" : "/sys/kernel/mm",
			 q->size_kb);
		if (!hp) {
			about(j, "%ldkB", q->size_kb);
			add(j, "numa.hugepages", "Hugepages reserved", PT_FAIL, where, dec,
			    "no %s hugepage pool on %s", sz, where);
			continue;
		}
		pt_format_count(hp->total, tot, sizeof(tot));
		pt_format_count(hp->free, fr, sizeof(fr));
		pt_format_count(q->min_total, wtot, sizeof(wtot));
		pt_format_count(q->min_free, wfr, sizeof(wfr));
		if (q->min_total < 0)
			snprintf(wtot, sizeof(wtot), "any");
		if (q->min_free < 0)
			snprintf(wfr, sizeof(wfr), "any");
		about(j, "%ldkB", q->size_kb);
		if ((q->min_total >= 0 && hp->total < 0) || (q->min_free >= 0 && hp->free < 0))
			add(j, "numa.hugepages", "Hugepages reserved", PT_WARN, where,
			    "The kernel does not say how many hugepages are reserved or free here: check "
			    "the nr_hugepages and free_hugepages files are readable.",
			    "%s pages on %s: %s reserved, %s free; profile wants at least %s reserved, %s free",
			    sz, where, tot, fr, wtot, wfr);
		else if ((q->min_total >= 0 && hp->total < q->min_total) ||
			 (q->min_free >= 0 && hp->free < q->min_free))
			add(j, "numa.hugepages", "Hugepages reserved", PT_FAIL, where, dec,
			    "%s pages on %s: %s reserved, %s free; profile wants at least %s reserved, %s free",
			    sz, where, tot, fr, wtot, wfr);
		else
			add(j, "numa.hugepages", "Hugepages reserved", PT_PASS, where, NULL,
			    "%s pages on %s: %s reserved, %s free", sz, where, tot, fr);
	}
}

static void check_governor(struct judge *j)
{
	const char *want = j->p->cpu_governor;
	char have[160] = "";
	size_t o = 0;
	bool ok = true;

	if (!want[0])
		return;
	if (j->f->cpus_with_cpufreq == 0) {
		add(j, "cpu.governor", "CPU frequency governor", PT_SKIP, NULL,
		    "No CPU exposes cpufreq (a VM, or no cpufreq driver): nothing to set.",
		    "no /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor");
		return;
	}
	for (size_t i = 0; i < j->f->n_governors; i++) {
		o += (size_t)snprintf(have + o, sizeof(have) - o, "%s%s", i ? ", " : "", j->f->governors[i]);
		if (strcmp(j->f->governors[i], want) != 0)
			ok = false;
	}
	add(j, "cpu.governor", "CPU frequency governor", ok ? PT_PASS : PT_FAIL, NULL,
	    "Set the governor on every CPU (cpupower frequency-set -g GOVERNOR, or a tuned profile).",
	    "governors in use: %s; profile wants %s on all %d CPUs", have, want, j->f->cpus_with_cpufreq);
}

static void check_irqbalance(struct judge *j)
{
	int want = j->p->irqbalance, have = j->f->irqbalance;
	char pidtxt[64];

	snprintf(pidtxt, sizeof(pidtxt), "irqbalance is running (pid %d)", j->f->irqbalance_pid);

	if (want < 0)
		return;
	if (have == PT_UNKNOWN) {
		add(j, "irq.irqbalance", "irqbalance", PT_SKIP, NULL, "Make /proc readable.",
		    "process list unreadable");
		return;
	}
	add(j, "irq.irqbalance", "irqbalance", have == want ? PT_PASS : PT_FAIL, NULL,
	    want ? "Start irqbalance (systemctl enable --now irqbalance)."
		 : "Stop irqbalance (systemctl disable --now irqbalance) so it does not move the IRQs "
		   "of devices pinned for VMs; pin them with the VM's CPU set instead.",
	    "%s", have ? pidtxt : "irqbalance is not running");
}

static void check_irq_spread(struct judge *j)
{
	size_t judged = 0, bad = 0;

	if (j->p->sev_irq_affinity == PT_SEV_IGNORE || j->f->online_cpus <= 1)
		return;
	for (size_t i = 0; i < j->f->n_irqs; i++) {
		const struct pt_irq_spread *s = &j->f->irqs[i];
		const struct pt_device *d;
		struct pt_bdf b;

		/* three or more vectors: queues, not just a config vector beside one queue */
		if (s->vectors < 3 || pt_bdf_parse(s->bdf, &b) < 0 || !(d = pt_host_find(j->h, &b)))
			continue;
		/* vectors of a device given to a guest belong to the guest's vCPUs */
		if (pt_driver_is_vfio(d->driver))
			continue;
		judged++;
		if (s->distinct != 1)
			continue;
		bad++;
		add(j, "irq.affinity", "MSI-X vectors spread over CPUs", sev(j->p->sev_irq_affinity), d->name,
		    "All of the device's queues interrupt one CPU: spread them (irqbalance, or set "
		    "/proc/irq/N/smp_affinity_list per vector on the device's NUMA node).",
		    "%d vectors all land on CPU %d", s->vectors, s->one_cpu);
	}
	if (!bad && judged)
		add(j, "irq.affinity", "MSI-X vectors spread over CPUs", PT_PASS, NULL, NULL,
		    "%zu multi-queue devices spread their vectors", judged);
}

static void check_faults(struct judge *j)
{
	const struct pt_klog *k = &j->f->klog;
	enum pt_result bad = sev(j->p->sev_iommu_faults);

	if (!j->f->have_klog) {
		add(j, "kernel-log.iommu-faults", "No IOMMU faults since boot", PT_SKIP, NULL,
		    "Run as root (the kernel log needs CAP_SYSLOG) or pass --kernel-log FILE.",
		    "kernel log unreadable: %s", j->f->klog_error);
		return;
	}
	for (size_t i = 0; i < k->n_faults; i++) {
		const struct pt_klog_fault *fl = &k->faults[i];

		add(j, "kernel-log.iommu-faults", "No IOMMU faults since boot", bad, fl->device,
		    "The device did DMA the IOMMU refused: a driver bug, a guest driver misprogramming the "
		    "device, or a device needing an RMRR/identity map. Stop assigning it until understood; "
		    "passthru doctor DEV shows the rest.",
		    "%ld %s fault%s (%s): %s", fl->count, fl->kind, fl->count == 1 ? "" : "s", fl->reason,
		    fl->first_line);
	}
	if (!k->n_faults)
		add(j, "kernel-log.iommu-faults", "No IOMMU faults since boot", PT_PASS, NULL, NULL,
		    "%zu kernel log lines, no DMAR or AMD-Vi fault", k->lines);
}

static enum pt_result aer_sev(const struct judge *j, const char *severity)
{
	if (strcmp(severity, "fatal") == 0)
		return sev(j->p->sev_aer_fatal);
	if (strcmp(severity, "non-fatal") == 0)
		return sev(j->p->sev_aer_nonfatal);
	return sev(j->p->sev_aer_correctable);
}

static void check_aer(struct judge *j)
{
	const struct pt_klog *k = &j->f->klog;
	size_t bad = 0;
	const char *dec = "The PCIe link or device reports errors: reseat the card, check the riser and "
			  "slot, update the device firmware; fatal errors mean the device must not be "
			  "handed to a VM until fixed.";

	for (size_t i = 0; j->f->have_klog && i < k->n_aer; i++) {
		const struct pt_klog_aer *a = &k->aer[i];

		/* one result per severity, each with a line of that severity as evidence */
		for (int s = PT_KLOG_AER_FATAL; s >= PT_KLOG_AER_CORRECTED; s--) {
			const char *name = pt_klog_aer_severity_str(s);
			long n = a->by_severity[s];
			enum pt_result r = aer_sev(j, name);

			if (!n || r == PT_PASS)
				continue;
			bad++;
			about(j, "%s kernel-log", name);
			add(j, "pcie.aer", "No PCIe AER errors", r, a->device, dec,
			    "%ld %s error%s in the kernel log: %s", n, name, n == 1 ? "" : "s",
			    a->severity_line[s]);
		}
	}
	for (size_t i = 0; i < j->h->n_devs; i++) {
		const struct pt_device *d = &j->h->devs[i];
		const long long counts[3] = { d->aer.fatal, d->aer.nonfatal, d->aer.correctable };
		static const char *const names[3] = { "fatal", "non-fatal", "corrected" };

		for (int s = 0; s < 3; s++) {
			enum pt_result r = aer_sev(j, names[s]);
			long long n = counts[s];

			if (n <= 0 || r == PT_PASS)
				continue;
			bad++;
			about(j, "%s sysfs", names[s]);
			add(j, "pcie.aer", "No PCIe AER errors", r, d->name, dec,
			    "sysfs aer_dev_* counts %lld %s error%s since boot", n, names[s],
			    n == 1 ? "" : "s");
		}
	}
	if (!bad)
		add(j, "pcie.aer", "No PCIe AER errors", PT_PASS, NULL, NULL,
		    "no AER error at or above the profile's severities (kernel log%s, sysfs counters)",
		    j->f->have_klog ? "" : " unreadable");
}

static bool in_list(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void check_firmware(struct judge *j)
{
	for (size_t i = 0; i < j->f->n_netdevs; i++) {
		const struct pt_netdev_info *ni = &j->f->netdevs[i];

		for (size_t k = 0; k < j->p->n_firmware; k++) {
			const struct pt_fw_allow *a = &j->p->firmware[k];
			bool ok;

			if (strcmp(a->driver, ni->driver) != 0)
				continue;
			if (ni->error) {
				about(j, "%s#%zu", a->driver, k);
				add(j, "firmware.allowlist", "Driver and firmware allowed", PT_SKIP, ni->ifname,
				    "Run on the live host as root.", "%s: driver info unavailable: %s", ni->ifname,
				    strerror(-ni->error));
				continue;
			}
			ok = (!a->n_versions || in_list(a->versions, a->n_versions, ni->version)) &&
			     (!a->n_firmware || in_list(a->firmware, a->n_firmware, ni->firmware));
			about(j, "%s#%zu", a->driver, k);
			add(j, "firmware.allowlist", "Driver and firmware allowed", ok ? PT_PASS : PT_FAIL,
			    ni->ifname, "Update the NIC firmware or driver to an allowed version, or extend "
			    "the allowlist after qualifying this one.",
			    "%s: driver %s %s, firmware %s", ni->ifname, ni->driver, ni->version, ni->firmware);
		}
	}
}


/* ---- the boot chain (passthru boot) ---- */

static void check_boot_cmdline(struct judge *j)
{
	const char *id = "boot.cmdline-applied", *title = "passthru boot's command line is running";
	const struct pt_hostfacts *f = j->f;
	const struct pt_boot_plan *p = f->boot_plan;
	char miss[400] = "", have[400] = "";
	size_t nm = 0;

	if (!f->boot_present) {
		add(j, id, title, PT_SKIP, NULL, NULL, "the host configuration has no boot: section");
		return;
	}
	if (f->boot_error[0] || !p) {
		add(j, id, title, PT_WARN, NULL, "Fix what stops passthru boot from planning, then "
		    "run passthru check again.", "unknown: %s", f->boot_error);
		return;
	}
	if (!f->boot_facts->proc_cmdline) {
		add(j, id, title, PT_WARN, NULL, "Run passthru on the host itself (or a snapshot "
		    "with /proc/cmdline).", "unknown: /proc/cmdline could not be read");
		return;
	}
	for (size_t i = 0; i < p->n_params; i++) {
		char *b = p->params[i].running ? have : miss;
		size_t l = strlen(b);

		snprintf(b + l, 400 - l, "%s%s", l ? " " : "", p->params[i].text);
		nm += !p->params[i].running;
	}
	if (!p->n_params) {
		add(j, id, title, PT_PASS, NULL, NULL, "passthru boot plans no kernel parameter");
		return;
	}
	if (!nm) {
		add(j, id, title, PT_PASS, NULL, NULL, "/proc/cmdline has every planned parameter: %s",
		    have);
		return;
	}
	add(j, id, title, PT_FAIL, NULL,
	    "Run passthru boot (passthru boot --dry-run shows the change), then reboot. A parameter "
	    "the loader already has but the kernel lacks means the edit went to a file this boot "
	    "does not read.",
	    "/proc/cmdline lacks %s (%zu of %zu planned; the loader's configuration %s)", miss, nm,
	    p->n_params, f->boot_facts->configured ? "was read" : "is unknown");
}

static void check_boot_vfio(struct judge *j)
{
	const char *id = "boot.vfio-early", *title = "vfio-pci owns its devices from boot";
	const struct pt_hostfacts *f = j->f;
	const struct pt_boot_facts *bf = f->boot_facts;

	if (!f->boot_present || !bf || (!bf->n_devs && !bf->n_unresolved)) {
		add(j, id, title, PT_SKIP, NULL, NULL, "%s",
		    f->boot_present ? "boot: names no device for vfio-pci"
				    : "the host configuration has no boot: section");
		return;
	}
	for (size_t i = 0; i < bf->n_unresolved; i++)
		add(j, id, title, PT_WARN, NULL, "Fix the selector in boot.vfio, or remove it.", "%s",
		    bf->unresolved[i]);
	for (size_t i = 0; i < bf->n_devs; i++) {
		const struct pt_boot_devfacts *d = &bf->devs[i];
		const struct pt_klog_binds *b = f->boot_binds ? &f->boot_binds[i] : NULL;
		const struct pt_boot_device *pd = NULL;
		bool override;

		for (size_t k = 0; f->boot_plan && k < f->boot_plan->n_devs; k++)
			if (!strcmp(f->boot_plan->devs[k].bdf, d->bdf))
				pd = &f->boot_plan->devs[k];
		override = pd && !strcmp(pd->method, "override");
		if (!pt_driver_is_vfio(d->driver)) {
			add(j, id, title, PT_FAIL, d->bdf,
			    "Run passthru boot and reboot; passthru boot --dry-run says how vfio-pci "
			    "gets it at boot here.",
			    "bound to %s, not vfio-pci (sysfs driver link)",
			    d->driver[0] ? d->driver : "no driver");
			continue;
		}
		if (!b) {
			add(j, id, title, PT_WARN, d->bdf, "Give passthru the kernel log "
			    "(--kernel-log FILE, or run it as root so /dev/kmsg is readable).",
			    "unknown: bound to vfio-pci now, but the kernel log could not be read (%s)",
			    f->klog_error[0] ? f->klog_error : "no log");
			continue;
		}
		if (b->first_host[0]) {
			add(j, id, title, override ? PT_WARN : PT_FAIL, d->bdf,
			    override ? "Expected for a function whose ID the host also uses: "
				       "passthru-apply.service rebinds it after the host driver probed "
				       "it. Blacklist that driver if it must never touch the device."
				     : "vfio-pci was loaded after the host driver: run passthru boot "
				       "(softdep, initramfs), and reboot.",
			    "bound to vfio-pci now, but %s had it first: \"%.300s\"", b->host_driver,
			    b->first_host);
			continue;
		}
		if (b->boots == 0) {
			add(j, id, title, PT_WARN, d->bdf, "Read the log from boot (journalctl -k -b "
			    "> FILE; passthru check --kernel-log FILE).",
			    "unknown: bound to vfio-pci now; the kernel log (%ld lines) does not reach "
			    "back to the boot (no \"Linux version\" line), so a host driver may have "
			    "had it before", b->lines);
			continue;
		}
		add(j, id, title, PT_PASS, d->bdf, NULL,
		    "bound to vfio-pci (sysfs); the kernel log from boot (%ld lines, %ld naming it) "
		    "has no line from another driver for %s%s%.200s", b->lines, b->mentions, d->bdf,
		    b->first_vfio[0] ? "; first vfio-pci line: " : "", b->first_vfio);
	}
}

int pt_check_run(const struct pt_host *h, const struct pt_hostfacts *f, const struct pt_profile *p,
		 struct pt_report *out)
{
	struct judge j = { .h = h, .f = f, .p = p, .r = out };

	pt_judge_dma(h, f->have_klog ? &f->klog : NULL, &j.dma);

	memset(out, 0, sizeof(*out));
	out->worst = PT_PASS;
	check_dma(&j);
	check_ir(&j);
	check_domain(&j);
	check_acs_override(&j);
	check_cmdline(&j);
	check_kvm(&j);
	check_vfio(&j);
	check_unsafe_interrupts(&j);
	check_profile_devices(&j);
	check_numa_cpus(&j);
	check_links(&j);
	check_vf_counts(&j);
	check_vf_numa(&j);
	check_vf_policy(&j);
	check_hugepages(&j);
	check_governor(&j);
	check_irqbalance(&j);
	check_irq_spread(&j);
	check_faults(&j);
	check_aer(&j);
	check_firmware(&j);
	check_boot_cmdline(&j);
	check_boot_vfio(&j);
	if (j.err) {
		pt_report_free(out);
		return j.err;
	}
	return 0;
}

void pt_report_free(struct pt_report *r)
{
	free(r->results);
	memset(r, 0, sizeof(*r));
}
