// SPDX-License-Identifier: MIT
/*
 * passthru boot: the boot: section's reader, the pure parsers of what boot reads
 * (kernel config, BLS entries, kernelstub's JSON, lsinitramfs listings, the kernel
 * log's bind order), and the planner on hand-made facts: each loader layout and each
 * way vfio-pci is built, with the exact files and commands planned.
 */
#include "passthru/boot.h"
#include "passthru/klog.h"
#include "passthru/oneshot.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *yaml, struct pt_hostcfg *c, struct pt_cfg_error *e)
{
	return pt_hostcfg_parse(yaml, strlen(yaml), "host.yaml", c, e);
}

static void test_schema(void)
{
	struct pt_hostcfg c, d = { 0 };
	struct pt_cfg_error e;
	int r;

	r = parse("boot:\n  iommu: pt\n  loader: grubby\n  hugepages:\n    - { size: 1G, count: 8 }\n"
		  "    - { size: 2M, count: 512 }\n  default_hugepagesz: 1G\n  isolcpus: 2-7\n"
		  "  nohz_full: 2-7\n  rcu_nocbs: 2-7\n  pci_realloc: true\n"
		  "  vfio: [ { id: \"8086:10d3\" }, { bdf: \"0000:41:00.0\" } ]\n  vfio_ids: modprobe\n"
		  "  extra: [ quiet ]\n", &c, &e);
	is_int(r, 0, "a full boot: section parses (%s)", e.msg);
	ok(c.boot.present, "boot.present");
	is_int(c.boot.iommu, PT_BOOT_IOMMU_PT, "iommu: pt");
	is_int(c.boot.loader, PT_LOADER_GRUBBY, "loader: grubby");
	is_int((int)c.boot.n_hugepages, 2, "two huge page sizes");
	ok(c.boot.hugepages[0].size_kb == 1048576 && c.boot.hugepages[0].count == 8, "1G x 8");
	ok(c.boot.default_hugepagesz_kb == 1048576, "default_hugepagesz 1G");
	is_str(c.boot.isolcpus, "2-7", "isolcpus");
	is_int(c.boot.pci_realloc, PT_BOOT_YES, "pci_realloc: true");
	is_int((int)c.boot.n_vfio, 2, "two vfio selectors");
	is_int(c.boot.vfio_ids, PT_BOOT_IDS_MODPROBE, "vfio_ids: modprobe");
	is_int((int)c.boot.n_extra, 1, "one extra parameter");
	is_int(pt_hostcfg_merge(&d, &c), 0, "merge copies the boot: section");
	ok(d.boot.present && d.boot.n_vfio == 2 && d.boot.vfio != c.boot.vfio, "a deep copy");
	pt_hostcfg_free(&c);
	is_str(d.boot.extra[0], "quiet", "the copy outlives the original");
	pt_hostcfg_free(&d);

	r = parse("sriov: []\n", &c, &e);
	ok(r == 0 && !c.boot.present, "no boot: section: not present");
	pt_hostcfg_free(&c);
	r = parse("boot:\n  extra: [amd_iommu=on]\n", &c, &e);
	ok(r == -EINVAL && e.line == 2 && strstr(e.msg, "not a value the kernel documents"),
	   "amd_iommu=on refused at its line: %d %s", e.line, e.msg);
	r = parse("boot:\n  iommu: maybe\n", &c, &e);
	ok(r == -EINVAL && strstr(e.msg, "boot.iommu"), "iommu: maybe refused: %s", e.msg);
	r = parse("boot:\n  hugepages: [ { size: 1G } ]\n", &c, &e);
	ok(r == -EINVAL && strstr(e.msg, "count is required"), "hugepages without count: %s", e.msg);
	r = parse("boot:\n  hugepages: [ { size: 2M, count: 1 } ]\n  default_hugepagesz: 1G\n", &c, &e);
	ok(r == -EINVAL && strstr(e.msg, "not one of the sizes"), "default_hugepagesz not reserved: %s",
	   e.msg);
	r = parse("boot:\n  isolcpus: \"x\"\n", &c, &e);
	ok(r == -EINVAL, "isolcpus must be a CPU list");
	r = parse("boot:\n  extra: [\"a b\"]\n", &c, &e);
	ok(r == -EINVAL, "extra: one parameter per entry");
}

static void test_parsers(void)
{
	static const char kcfg[] = "CONFIG_VFIO=y\nCONFIG_VFIO_PCI=m\n# CONFIG_VFIO_PCI_IGD is not set\n";
	static const char bls[] = "title x\nversion 6.11.4\noptions root=/dev/sda1 ro  quiet \n";
	static const char ks[] = "{\"default\": {\"kernel_options\": [\"quiet\"]},\n"
				 " \"user\": {\"esp_path\": \"/boot/efi\", \"x\": [1, {\"a\": null}],\n"
				 "  \"kernel_options\": [\"quiet\", \"splash\", \"a=\\\"b\\\"\"]}}";
	static const char lst[] = "kernel\nusr/lib/modules/6.1/kernel/drivers/vfio/pci/vfio-pci.ko.zst\n"
				  "etc/modprobe.d/passthru-vfio.conf\n";
	char out[256];

	is_int(pt_kconfig_get(kcfg, strlen(kcfg), "VFIO_PCI", out, sizeof(out)), 1, "CONFIG_VFIO_PCI set");
	is_str(out, "m", "CONFIG_VFIO_PCI=m");
	is_int(pt_kconfig_get(kcfg, strlen(kcfg), "VFIO_PCI_IGD", out, sizeof(out)), 0, "is not set: 0");
	is_int(pt_kconfig_get(kcfg, strlen(kcfg), "VFIO_PC", out, sizeof(out)), 0, "a prefix is not the symbol");
	{
		/* a buffer ending right after "# CONFIG_<sym>" (no " is not set", no newline):
		 * the check for the space after the symbol must not read past the end (the
		 * fuzzer's heap overflow) */
		static const char tail[] = "CONFIG_VFIO_PCI=y\n# CONFIG_VFIO_PCI";
		char *exact = malloc(sizeof(tail) - 1);

		memcpy(exact, tail, sizeof(tail) - 1);
		is_int(pt_kconfig_get(exact, sizeof(tail) - 1, "VFIO_PCI", out, sizeof(out)), 1,
		       "a cut '# CONFIG_' line at the end is not an unset line");
		free(exact);
	}
	is_int(pt_bls_field(bls, strlen(bls), "options", out, sizeof(out)), 1, "BLS options found");
	is_str(out, "root=/dev/sda1 ro  quiet", "BLS options, trimmed");
	is_int(pt_bls_field(bls, strlen(bls), "version", out, sizeof(out)), 1, "BLS version");
	is_str(out, "6.11.4", "BLS version value");
	is_int(pt_kernelstub_options(ks, strlen(ks), out, sizeof(out)), 1, "kernelstub user options");
	is_str(out, "quiet splash a=\"b\"", "the user's kernel_options, not the default's");
	is_int(pt_kernelstub_options("{\"user\": {}}", 12, out, sizeof(out)), 0, "no kernel_options: 0");
	is_int(pt_kernelstub_options("{\"user\": {\"kernel_options\": [1]}}", 33, out, sizeof(out)),
	       -EINVAL, "a number in kernel_options: malformed");
	is_int(pt_kernelstub_options("{\"user\": ", 9, out, sizeof(out)), -EINVAL, "truncated JSON");
	is_int(pt_initramfs_has(lst, strlen(lst), "vfio_pci"), 1, "lsinitramfs: vfio-pci.ko.zst");
	is_int(pt_initramfs_has(lst, strlen(lst), "e1000e"), 0, "lsinitramfs: no e1000e");
	is_int(pt_initramfs_has(lst, strlen(lst), "etc/modprobe.d/passthru-vfio.conf"), 1,
	       "lsinitramfs: the modprobe.d file");
	is_int(pt_initramfs_has(lst, strlen(lst), "modprobe.d/x.conf"), 0, "another file: 0");
}

static void test_klog_binds(void)
{
	static const char log[] =
		"[    0.000000] Linux version 6.1.0\n"
		"[    0.5] pci 0000:00:06.0: [8086:10d3] type 00 class 0x020000\n"
		"[    0.6] pcieport 0000:00:1c.0: PME: Signaling with IRQ 24\n"
		"[    1.1] e1000e 0000:00:06.0 eth1: (PCI Express:2.5GT/s:Width x1)\n"
		"[    2.0] vfio-pci 0000:00:06.0: enabling device (0000 -> 0002)\n";
	static const char nvme[] = "6,1,0,-;Linux version 6.1\n"
				   "6,2,5,-;nvme nvme0: pci function 0000:41:00.0\n SUBSYSTEM=nvme\n";
	static const char clean[] = "Linux version 6.1\nvfio_pci: add [8086:10d3[ffffffff:ffffffff]]\n"
				    "pci 0000:00:06.0: Adding to iommu group 5\n";
	struct pt_klog_binds b;

	pt_klog_binds(log, strlen(log), "0000:00:06.0", &b);
	is_str(b.host_driver, "e1000e", "a netdev line names its driver");
	ok(strstr(b.first_host, "eth1"), "the host line kept as evidence");
	ok(strstr(b.first_vfio, "enabling device"), "the vfio-pci line");
	ok(b.boots == 1 && b.mentions == 3, "one boot, three lines name it");
	pt_klog_binds(nvme, strlen(nvme), "0000:41:00.0", &b);
	is_str(b.host_driver, "nvme", "NVMe's \"pci function\" line");
	pt_klog_binds(clean, strlen(clean), "0000:00:06.0", &b);
	ok(!b.first_host[0] && b.boots == 1, "the bus's own lines are no driver");
}

/* Facts of a host like the lab's: Intel VT-d, e1000e at 00:06.0 alone with its ID. */
static void facts(struct pt_boot_facts *f, enum pt_boot_loader l, enum pt_boot_build vfio)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->kernel_release, sizeof(f->kernel_release), "6.1.0-27-amd64");
	snprintf(f->iommu_vendor, sizeof(f->iommu_vendor), "intel");
	snprintf(f->iommu_evidence, sizeof(f->iommu_evidence), "DMAR");
	f->loader = l;
	f->vfio_pci = vfio;
	f->proc_cmdline = strdup("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet");
	f->initramfs_tools = true;
	f->initramfs_known = true;
	f->n_devs = 1;
	f->devs = calloc(1, sizeof(*f->devs));
	snprintf(f->devs[0].bdf, sizeof(f->devs[0].bdf), "0000:00:06.0");
	f->devs[0].vendor = 0x8086;
	f->devs[0].device = 0x10d3;
	snprintf(f->devs[0].host_driver, sizeof(f->devs[0].host_driver), "e1000e");
	f->devs[0].host_driver_build = PT_BUILD_MODULE;
	f->devs[0].host_driver_in_initramfs = true;
}

static void cfg(struct pt_hostcfg *c)
{
	static struct pt_match m = { .kind = PT_MATCH_BDF };

	memset(c, 0, sizeof(*c));
	c->boot.present = true;
	c->boot.iommu = PT_BOOT_IOMMU_PT;
	c->boot.vfio = &m;
	c->boot.n_vfio = 1;
}

/* "write PATH; run ARGV..." */
static char *steps(const struct pt_boot_plan *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct pt_boot_step *s = &p->steps[i];

		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "; " : "",
				      s->kind == PT_BOOT_WRITE ? "write " : "run");
		if (s->kind == PT_BOOT_WRITE)
			o += (size_t)snprintf(buf + o, len - o, "%s", s->path);
		for (size_t k = 0; s->kind == PT_BOOT_RUN && s->argv[k]; k++)
			o += (size_t)snprintf(buf + o, len - o, " %s", s->argv[k]);
	}
	return buf;
}

static const char *cmdline(const struct pt_boot_plan *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_params; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", p->params[i].text);
	return buf;
}

static void test_plans(void)
{
	struct pt_boot_facts f;
	struct pt_boot_plan p;
	struct pt_hostcfg c;
	char b[2048], cl[512];

	/* GRUB, vfio-pci a module the initramfs lacks */
	cfg(&c);
	facts(&f, PT_LOADER_GRUB, PT_BUILD_MODULE);
	is_int(pt_boot_plan_build(&c, &f, &p), 0, "grub/module: planned");
	is_str(cmdline(&p, cl, sizeof(cl)), "intel_iommu=on iommu=pt", "grub/module: the parameters");
	is_str(steps(&p, b, sizeof(b)),
	       "write /etc/modprobe.d/passthru-vfio.conf; write /etc/initramfs-tools/hooks/passthru-vfio; "
	       "run update-initramfs -u -k 6.1.0-27-amd64; write /etc/default/grub.d/passthru.cfg; "
	       "run update-grub", "grub/module: the steps");
	ok(strstr(p.steps[0].content, "\nsoftdep e1000e pre: vfio-pci\noptions vfio-pci ids=8086:10d3\n"),
	   "grub/module: softdep and options");
	ok(strstr(p.steps[3].content, "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX intel_iommu=on iommu=pt\"\n"),
	   "grub/module: the drop-in");
	ok(p.reboot && p.cmdline_pending, "grub/module: a reboot is needed");
	/* converged: the same files, the parameters in grub.cfg and on /proc/cmdline, the
	 * initramfs holds vfio-pci and the file */
	f.modprobe_conf = strdup(p.steps[0].content);
	f.initramfs_modules = strdup(p.steps[1].content);
	f.grub_dropin = strdup(p.steps[3].content);
	f.configured = strdup("root=/dev/sda1 intel_iommu=on iommu=pt");
	free(f.proc_cmdline);
	f.proc_cmdline = strdup("root=/dev/sda1 intel_iommu=on iommu=pt");
	f.initramfs_has_vfio = f.initramfs_has_conf = true;
	pt_boot_plan_free(&p);
	pt_boot_plan_build(&c, &f, &p);
	is_int((int)p.n_steps, 0, "grub/module converged: nothing to do");
	ok(!p.reboot, "converged: no reboot");
	pt_boot_plan_free(&p);
	pt_boot_facts_free(&f);

	/* two devices: igbvf and igb each get their softdep (one name is not the other's) */
	facts(&f, PT_LOADER_GRUB, PT_BUILD_MODULE);
	f.devs = realloc(f.devs, 2 * sizeof(*f.devs));
	f.devs[1] = f.devs[0];
	f.n_devs = 2;
	snprintf(f.devs[0].host_driver, sizeof(f.devs[0].host_driver), "igbvf");
	snprintf(f.devs[1].bdf, sizeof(f.devs[1].bdf), "0000:00:07.0");
	snprintf(f.devs[1].host_driver, sizeof(f.devs[1].host_driver), "igb");
	f.devs[1].device = 0x10c9;
	{
		struct pt_match two[2] = { { .kind = PT_MATCH_BDF }, { .kind = PT_MATCH_BDF } };

		c.boot.vfio = two;
		c.boot.n_vfio = 2;
		pt_boot_plan_build(&c, &f, &p);
		ok(strstr(p.steps[0].content, "softdep igbvf pre: vfio-pci\nsoftdep igb pre: vfio-pci\n"
						"options vfio-pci ids=8086:10d3,8086:10c9\n"),
		   "igbvf and igb: a softdep each, both IDs");
		pt_boot_plan_free(&p);
		cfg(&c);
	}
	pt_boot_facts_free(&f);

	/* module already in the initramfs: no hook, but the initramfs is rebuilt */
	facts(&f, PT_LOADER_GRUB, PT_BUILD_MODULE);
	f.initramfs_has_vfio = true;
	pt_boot_plan_build(&c, &f, &p);
	is_str(steps(&p, b, sizeof(b)),
	       "write /etc/modprobe.d/passthru-vfio.conf; run update-initramfs -u -k 6.1.0-27-amd64; "
	       "write /etc/default/grub.d/passthru.cfg; run update-grub",
	       "module in the initramfs: no hook, update-initramfs");
	pt_boot_plan_free(&p);
	pt_boot_facts_free(&f);

	/* built in: vfio-pci.ids on the command line, no modprobe.d, no initramfs */
	facts(&f, PT_LOADER_GRUBBY, PT_BUILD_BUILTIN);
	f.configured = strdup("root=/dev/sda1 intel_iommu=on");
	pt_boot_plan_build(&c, &f, &p);
	is_str(cmdline(&p, cl, sizeof(cl)), "intel_iommu=on iommu=pt vfio-pci.ids=8086:10d3",
	       "built-in: vfio-pci.ids on the command line");
	is_str(steps(&p, b, sizeof(b)),
	       "run grubby --update-kernel=ALL --args=iommu=pt vfio-pci.ids=8086:10d3",
	       "grubby/built-in: only what the entry lacks");
	pt_boot_plan_free(&p);
	pt_boot_facts_free(&f);

	/* kernelstub */
	facts(&f, PT_LOADER_KERNELSTUB, PT_BUILD_BUILTIN);
	pt_boot_plan_build(&c, &f, &p);
	is_str(steps(&p, b, sizeof(b)),
	       "run kernelstub --add-options intel_iommu=on iommu=pt vfio-pci.ids=8086:10d3",
	       "kernelstub/built-in: kernelstub --add-options");
	pt_boot_plan_free(&p);
	pt_boot_facts_free(&f);

	/* systemd-boot without /etc/kernel/cmdline: made from /proc/cmdline */
	facts(&f, PT_LOADER_SDBOOT, PT_BUILD_BUILTIN);
	pt_boot_plan_build(&c, &f, &p);
	is_str(steps(&p, b, sizeof(b)),
	       "write /etc/kernel/cmdline; run kernel-install add 6.1.0-27-amd64 /boot/vmlinuz-6.1.0-27-amd64",
	       "systemd-boot: /etc/kernel/cmdline and kernel-install");
	is_str(p.steps[0].content, "root=/dev/sda1 ro quiet intel_iommu=on iommu=pt vfio-pci.ids=8086:10d3\n",
	       "systemd-boot: BOOT_IMAGE= dropped, the parameters appended");
	ok(!p.steps[0].backup, "no file before: no backup");
	pt_boot_plan_free(&p);
	pt_boot_facts_free(&f);

	/* a built-in host driver, and a shared ID: driver_override at boot */
	facts(&f, PT_LOADER_GRUB, PT_BUILD_MODULE);
	f.devs[0].host_driver_build = PT_BUILD_BUILTIN;
	pt_boot_plan_build(&c, &f, &p);
	is_str(p.devs[0].method, "override", "a built-in host driver: override");
	is_str(steps(&p, b, sizeof(b)),
	       "write /etc/passthru/host.d/60-boot-vfio.yaml; write /etc/default/grub.d/passthru.cfg; "
	       "run update-grub", "override: the host.d drop-in, no modprobe.d");
	ok(strstr(p.steps[0].content, "passthrough:\n  - device: { bdf: \"0000:00:06.0\" }\n    driver: vfio-pci\n"),
	   "the drop-in binds the device for apply");
	{
		struct pt_hostcfg back;
		struct pt_cfg_error e;

		is_int(pt_hostcfg_parse(p.steps[0].content, strlen(p.steps[0].content), "d", &back, &e), 0,
		       "the drop-in is a host configuration apply reads (%s)", e.msg);
		pt_hostcfg_free(&back);
	}
	pt_boot_plan_free(&p);
	pt_boot_facts_free(&f);

	/* AMD-Vi: nothing turns it on; unknown loader: blocked */
	facts(&f, PT_LOADER_UNKNOWN, PT_BUILD_MODULE);
	snprintf(f.iommu_vendor, sizeof(f.iommu_vendor), "amd");
	free(f.proc_cmdline);
	f.proc_cmdline = strdup("root=/dev/sda1 amd_iommu=on");
	c.boot.n_vfio = 0;
	pt_boot_plan_build(&c, &f, &p);
	is_str(cmdline(&p, cl, sizeof(cl)), "iommu=pt", "AMD: only iommu=pt");
	ok(p.n_warnings == 1 && strstr(p.warnings[0], "amd_iommu=on"), "AMD: amd_iommu=on flagged");
	ok(p.blocked && strstr(p.blocked_why, "unknown"), "unknown loader: blocked");
	pt_boot_plan_free(&p);
	pt_boot_facts_free(&f);

	/* huge pages, CPUs, pci=realloc from plan sriov */
	facts(&f, PT_LOADER_GRUB, PT_BUILD_MODULE);
	{
		struct pt_boot_hugepages hp = { .size_kb = 1048576, .count = 4 };

		c.boot.hugepages = &hp;
		c.boot.n_hugepages = 1;
		c.boot.default_hugepagesz_kb = 1048576;
		snprintf(c.boot.nohz_full, sizeof(c.boot.nohz_full), "2-3");
		f.realloc_needed = f.realloc_known = true;
		snprintf(f.realloc_why, sizeof(f.realloc_why), "VF BARs not placed");
		pt_boot_plan_build(&c, &f, &p);
		is_str(cmdline(&p, cl, sizeof(cl)),
		       "intel_iommu=on iommu=pt hugepagesz=1G hugepages=4 default_hugepagesz=1G "
		       "nohz_full=2-3 pci=realloc", "huge pages, nohz_full and pci=realloc");
		c.boot.pci_realloc = PT_BOOT_NO;
		pt_boot_plan_free(&p);
		pt_boot_plan_build(&c, &f, &p);
		ok(!strstr(cmdline(&p, cl, sizeof(cl)), "pci=realloc"), "pci_realloc: false wins");
		pt_boot_plan_free(&p);
		c.boot.hugepages = NULL;
		c.boot.n_hugepages = 0;
	}
	pt_boot_facts_free(&f);
	c.boot.present = false;
	facts(&f, PT_LOADER_GRUB, PT_BUILD_MODULE);
	pt_boot_plan_build(&c, &f, &p);
	ok(p.n_steps == 0 && p.n_params == 0, "no boot: section: an empty plan");
	pt_boot_plan_free(&p);
	pt_boot_facts_free(&f);
}

int main(void)
{
	test_schema();
	test_parsers();
	test_klog_binds();
	test_plans();
	return done_testing();
}
