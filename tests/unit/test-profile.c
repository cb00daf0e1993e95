// SPDX-License-Identifier: MIT
/* Profiles and host configurations: parse, validate, defaults (lib/profile.c). */
#include "passthru/profile.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *doc, struct pt_profile *p, struct pt_cfg_error *e)
{
	return pt_profile_parse(doc, strlen(doc), "t.yaml", p, e);
}

static const char full_doc[] =
	"version: 1\n"
	"name: sriov-nic-host\n"
	"iommu:\n"
	"  dma_remapping: required\n"
	"  interrupt_remapping: optional\n"
	"  default_domain: translated\n"
	"kernel:\n"
	"  cmdline:\n"
	"    require: [intel_iommu=on, iommu=pt]\n"
	"    forbid: [intremap=off, \"iommu=off\"]\n"
	"hugepages:\n"
	"  - { size: 1G, node: 0, total: 16, free: 8 }\n"
	"  - { size: 2048kB, total: 512 }\n"
	"cpu: { governor: performance }\n"
	"irqbalance: stopped\n"
	"severity: { link_degraded: fail, iommu_faults: warn, aer_fatal: fail, aer_nonfatal: "
	"ignore, aer_correctable: warn, irq_affinity: ignore }\n"
	"devices:\n"
	"  - match: { bdf: \"0000:41:00.0\" }\n"
	"    driver: vfio-pci\n"
	"    numa_node: 0\n"
	"    link: { speed: \"8 GT/s\", width: 8 }\n"
	"  - match: { netdev: eth0 }\n"
	"    driver: any\n"
	"    link: { speed: 16, width: x16 }\n"
	"  - match: { id: \"8086:10C9\", index: 2 }\n"
	"vf_policy: { spoof_check: true, trust: false, vlan: required }\n"
	"numa: { vm_cpus: \"2-15\" }\n"
	"firmware:\n"
	"  - { driver: i40e, versions: [\"2.22.18\"], firmware: [\"9.20 0x8000d8c5 1.3429.0\"] }\n"
	"sriov:\n"
	"  - pf: { bdf: \"0000:41:00.0\" }\n"
	"    vfs: 4\n"
	"    drivers_autoprobe: false\n"
	"    vf_defaults: { spoof_check: true, trust: false, driver: igbvf }\n"
	"    vf:\n"
	"      1: { mac: \"52:54:00:00:10:01\", vlan: 100, driver: vfio-pci, link_state: auto, "
	"min_tx_rate: 0, max_tx_rate: 1000 }\n"
	"      0: { mac: \"52:54:00:00:10:00\", vlan: 100, qos: 3, driver: vfio-pci }\n"
	"passthrough:\n"
	"  - device: { bdf: \"0000:81:00.0\" }\n"
	"    driver: vfio-pci\n"
	"pools:\n"
	"  net-fast: { vfs_of: [ { bdf: \"0000:41:00.0\" } ] }\n"
	"  gpu: { devices: [ { bdf: \"0000:81:00.0\" } ] }\n";

static void test_full(void)
{
	struct pt_profile p;
	struct pt_cfg_error e;
	struct pt_vf_config c;
	int r = parse(full_doc, &p, &e);

	if (!ok(r == 0, "the full example parses"))
		printf("#   %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
	if (r)
		return;
	is_str(p.name, "sriov-nic-host", "name");
	is_str(p.source, "t.yaml", "source is the file name");
	ok(p.require_dma_remapping, "dma_remapping required");
	ok(!p.require_interrupt_remapping, "interrupt_remapping optional");
	is_str(p.default_domain, "translated", "default_domain");
	is_int(p.n_cmdline_require, 2, "two required cmdline entries");
	is_str(p.cmdline_require[1], "iommu=pt", "cmdline require[1]");
	is_int(p.n_cmdline_forbid, 2, "forbid replaces the default list");
	is_str(p.cmdline_forbid[0], "intremap=off", "cmdline forbid[0]");
	is_str(p.cmdline_forbid[1], "iommu=off", "cmdline forbid[1] (quoted)");
	is_int(p.n_hugepages, 2, "two hugepage requirements");
	is_int(p.hugepages[0].size_kb, 1048576, "1G is 1048576 kB");
	is_int(p.hugepages[0].node, 0, "hugepages node 0");
	is_int(p.hugepages[0].min_total, 16, "hugepages total");
	is_int(p.hugepages[0].min_free, 8, "hugepages free");
	is_int(p.hugepages[0].pos.line, 12, "hugepages[0] line");
	is_int(p.hugepages[0].pos.col, 5, "hugepages[0] column");
	is_int(p.hugepages[1].size_kb, 2048, "2048kB");
	is_int(p.hugepages[1].node, -1, "no node: system-wide");
	is_int(p.hugepages[1].min_free, -1, "free unset");
	is_str(p.cpu_governor, "performance", "governor");
	is_int(p.irqbalance, 0, "irqbalance stopped");
	is_int(p.sev_link_degraded, PT_SEV_FAIL, "severity link_degraded");
	is_int(p.sev_iommu_faults, PT_SEV_WARN, "severity iommu_faults");
	is_int(p.sev_aer_nonfatal, PT_SEV_IGNORE, "severity aer_nonfatal");
	is_int(p.sev_aer_correctable, PT_SEV_WARN, "severity aer_correctable");
	is_int(p.sev_irq_affinity, PT_SEV_IGNORE, "severity irq_affinity");
	is_int(p.n_devices, 3, "three devices");
	is_int(p.devices[0].match.kind, PT_MATCH_BDF, "device 0 by bdf");
	ok(p.devices[0].match.bdf.bus == 0x41 && p.devices[0].match.bdf.fn == 0, "device 0 bdf");
	is_int(p.devices[0].match.pos.line, 18, "device 0 match line");
	is_int(p.devices[0].match.pos.col, 12, "device 0 match column");
	is_str(p.devices[0].driver, "vfio-pci", "device 0 driver");
	is_int(p.devices[0].numa_node, 0, "device 0 numa node");
	is_int(p.devices[0].min_speed_mts, 8000, "8 GT/s");
	is_int(p.devices[0].min_width, 8, "width 8");
	is_int(p.devices[1].match.kind, PT_MATCH_NETDEV, "device 1 by netdev");
	is_str(p.devices[1].match.netdev, "eth0", "device 1 netdev");
	is_str(p.devices[1].driver, "", "driver any is stored as \"\"");
	is_int(p.devices[1].numa_node, -1, "numa_node unset");
	is_int(p.devices[1].min_speed_mts, 16000, "speed 16 means 16 GT/s");
	is_int(p.devices[1].min_width, 16, "width x16");
	is_int(p.devices[2].match.kind, PT_MATCH_ID, "device 2 by id");
	is_int(p.devices[2].match.vendor_id, 0x8086, "vendor id");
	is_int(p.devices[2].match.device_id, 0x10c9, "device id (upper-case hex)");
	is_int(p.devices[2].match.index, 2, "id index");
	is_str(p.devices[2].driver, "vfio-pci", "driver defaults to vfio-pci");
	is_int(p.devices[2].min_speed_mts, -1, "speed unset");
	is_int(p.vf_spoof_check, 1, "vf_policy spoof_check");
	is_int(p.vf_trust, 0, "vf_policy trust");
	is_int(p.vf_vlan_required, 1, "vf_policy vlan required");
	is_str(p.vm_cpus, "2-15", "vm_cpus");
	is_int(p.n_firmware, 1, "one firmware entry");
	is_str(p.firmware[0].driver, "i40e", "firmware driver");
	is_int(p.firmware[0].n_versions, 1, "one version");
	is_str(p.firmware[0].versions[0], "2.22.18", "driver version");
	is_str(p.firmware[0].firmware[0], "9.20 0x8000d8c5 1.3429.0", "firmware version");
	is_int(p.cfg.n_sriov, 1, "one SR-IOV PF");
	is_int(p.cfg.sriov[0].pf.kind, PT_MATCH_BDF, "pf by bdf");
	is_int(p.cfg.sriov[0].vfs, 4, "vfs 4");
	is_int(p.cfg.sriov[0].drivers_autoprobe, 0, "drivers_autoprobe false");
	is_int(p.cfg.sriov[0].defaults.vf, -1, "vf_defaults index -1");
	is_int(p.cfg.sriov[0].defaults.spoof_check, 1, "vf_defaults spoof_check");
	is_int(p.cfg.sriov[0].defaults.trust, 0, "vf_defaults trust");
	is_int(p.cfg.sriov[0].defaults.vlan, -1, "vf_defaults vlan unset");
	is_str(p.cfg.sriov[0].defaults.driver, "igbvf", "vf_defaults driver");
	is_int(p.cfg.sriov[0].n_vf, 2, "two overrides");
	is_int(p.cfg.sriov[0].vf[0].vf, 0, "overrides sorted by index (0 first)");
	is_int(p.cfg.sriov[0].vf[0].pos.line, 37, "override 0 line (written second)");
	is_int(p.cfg.sriov[0].vf[0].qos, 3, "override 0 qos");
	is_int(p.cfg.sriov[0].vf[1].vf, 1, "override 1");
	ok(p.cfg.sriov[0].vf[1].has_mac && p.cfg.sriov[0].vf[1].mac[0] == 0x52 &&
		   p.cfg.sriov[0].vf[1].mac[5] == 0x01, "override 1 mac");
	is_int(p.cfg.sriov[0].vf[1].link_state, PT_LINK_AUTO, "link_state auto");
	is_int(p.cfg.sriov[0].vf[1].min_tx_rate, 0, "min_tx_rate 0");
	is_int(p.cfg.sriov[0].vf[1].max_tx_rate, 1000, "max_tx_rate 1000");
	is_int(p.cfg.sriov[0].vf[1].qos, -1, "override 1 qos unset");

	pt_sriov_vf_effective(&p.cfg.sriov[0], 1, &c);
	is_int(c.vf, 1, "effective: index");
	is_int(c.spoof_check, 1, "effective: spoof_check from vf_defaults");
	is_int(c.vlan, 100, "effective: vlan from the override");
	is_str(c.driver, "vfio-pci", "effective: driver from the override");
	pt_sriov_vf_effective(&p.cfg.sriov[0], 3, &c);
	is_int(c.vf, 3, "effective without override: index");
	is_str(c.driver, "igbvf", "effective without override: vf_defaults driver");
	ok(!c.has_mac, "effective without override: no mac");

	is_int(p.cfg.n_passthrough, 1, "one passthrough device");
	ok(p.cfg.passthrough[0].device.bdf.bus == 0x81, "passthrough bdf");
	is_str(p.cfg.passthrough[0].driver, "vfio-pci", "passthrough driver");
	is_int(p.cfg.n_pools, 2, "two pools");
	is_str(p.cfg.pools[0].name, "net-fast", "pool 0 name");
	is_int(p.cfg.pools[0].kind, PT_POOL_VFS, "pool 0 is vfs_of");
	is_int(p.cfg.pools[0].n_members, 1, "pool 0 members");
	is_str(p.cfg.pools[1].name, "gpu", "pool 1 name");
	is_int(p.cfg.pools[1].kind, PT_POOL_DEVICES, "pool 1 is devices");
	ok(p.cfg.pools[1].members[0].bdf.bus == 0x81, "pool 1 member");
	pt_profile_free(&p);
	pt_profile_free(&p); /* freeing twice is harmless: free leaves a zeroed struct */
	ok(p.cfg.sriov == NULL && p.n_devices == 0, "free leaves an empty profile");
}

static void test_defaults(void)
{
	struct pt_profile p;
	struct pt_cfg_error e;

	pt_profile_defaults(&p);
	is_str(p.source, "(defaults)", "defaults: source");
	is_str(p.name, "", "defaults: no name");
	ok(p.require_dma_remapping && p.require_interrupt_remapping, "defaults: remapping required");
	is_str(p.default_domain, "", "defaults: default_domain any");
	is_int(p.n_cmdline_require, 0, "defaults: nothing required on the command line");
	is_int(p.n_cmdline_forbid, 4, "defaults: four forbidden parameters");
	is_str(p.cmdline_forbid[0], "iommu=off", "defaults: iommu=off forbidden");
	is_str(p.cmdline_forbid[3], "intremap=off", "defaults: intremap=off forbidden");
	is_int(p.irqbalance, -1, "defaults: irqbalance any");
	is_str(p.cpu_governor, "", "defaults: governor unchecked");
	is_int(p.sev_link_degraded, PT_SEV_WARN, "defaults: link_degraded warn");
	is_int(p.sev_iommu_faults, PT_SEV_FAIL, "defaults: iommu_faults fail");
	is_int(p.sev_aer_fatal, PT_SEV_FAIL, "defaults: aer_fatal fail");
	is_int(p.sev_aer_nonfatal, PT_SEV_WARN, "defaults: aer_nonfatal warn");
	is_int(p.sev_aer_correctable, PT_SEV_IGNORE, "defaults: aer_correctable ignore");
	is_int(p.sev_irq_affinity, PT_SEV_WARN, "defaults: irq_affinity warn");
	is_int(p.vf_spoof_check, 1, "defaults: spoof_check must be on");
	is_int(p.vf_trust, 0, "defaults: trust must be off");
	is_int(p.vf_vlan_required, -1, "defaults: vlan unchecked");
	is_int(p.n_devices + p.n_hugepages + p.n_firmware + p.cfg.n_sriov, 0, "defaults: no lists");
	pt_profile_free(&p);

	/* an empty document, or only comments, is all defaults */
	ok(parse("", &p, &e) == 0 && p.n_cmdline_forbid == 4 && p.vf_spoof_check == 1,
	   "empty document: defaults");
	is_str(p.source, "t.yaml", "empty document: source is the file");
	pt_profile_free(&p);
	ok(parse("# nothing here\n---\n", &p, &e) == 0 && p.irqbalance == -1,
	   "a document of comments: defaults");
	pt_profile_free(&p);
	ok(parse("kernel: { cmdline: { forbid: [] } }\n", &p, &e) == 0 && p.n_cmdline_forbid == 0,
	   "forbid: [] clears the default list");
	pt_profile_free(&p);
	ok(parse("kernel: { cmdline: { require: [iommu=pt] } }\n", &p, &e) == 0 &&
		   p.n_cmdline_forbid == 4 && p.n_cmdline_require == 1,
	   "require alone keeps the default forbid list");
	pt_profile_free(&p);
	ok(parse("iommu:\n", &p, &e) == 0 && p.require_dma_remapping,
	   "an empty section is allowed and changes nothing");
	pt_profile_free(&p);
	ok(parse("iommu: { dma_remapping: false, interrupt_remapping: true }\n", &p, &e) == 0 &&
		   !p.require_dma_remapping && p.require_interrupt_remapping,
	   "remapping accepts true/false");
	pt_profile_free(&p);
	ok(parse("vf_policy: { spoof_check: any, trust: any, vlan: any }\n", &p, &e) == 0 &&
		   p.vf_spoof_check == -1 && p.vf_trust == -1 && p.vf_vlan_required == 0,
	   "vf_policy any");
	pt_profile_free(&p);
}

static void test_values(void)
{
	static const struct {
		const char *doc;
		const char *what;
	} good[] = {
		{ "sriov: [ { pf: { bdf: \"41:00.0\" }, vf: { 0: { mac: \"00:00:00:00:00:00\" } } } ]\n",
		  "all-zero MAC (explicit reset) and a short BDF" },
		{ "sriov: [ { pf: { bdf: \"10000:00:02.0\" } } ]\n", "VMD domain" },
		{ "hugepages: [ { size: 2M }, { size: 2MB, node: 1 }, { size: 1GB, node: 1 }, "
		  "{ size: 64kB } ]\n", "huge page size spellings" },
		{ "devices: [ { match: { netdev: abcdefghijklmno } } ]\n", "netdev of 15 characters" },
		{ "devices: [ { match: { bdf: \"00:02.0\" }, link: { speed: \"2.5 GT/s\" } }, "
		  "{ match: { bdf: \"00:03.0\" }, link: { speed: \"8.0 GT/s\" } }, "
		  "{ match: { bdf: \"00:04.0\" }, link: { speed: 2.5 } } ]\n", "speed spellings" },
		{ "sriov: [ { pf: { netdev: eth0 }, vfs: 0 } ]\n", "vfs 0 (SR-IOV off)" },
		{ "sriov: [ { pf: { netdev: eth0 }, vfs: 2048 } ]\n", "vfs 2048" },
		{ "sriov: [ { pf: { netdev: eth0 }, vf: { 5: { driver: none, vlan: 4095, qos: 7 } } } ]\n",
		  "vf without vfs; driver none; vlan and qos at their maximum" },
		{ "sriov: [ { pf: { netdev: eth0 }, vf_defaults: { vlan: 10 }, vf: { 1: { qos: 2 } } } ]\n",
		  "qos with a vlan from vf_defaults" },
		{ "sriov: [ { pf: { netdev: eth0 }, vf: { 1: { min_tx_rate: 500, max_tx_rate: 0 } } } ]\n",
		  "max_tx_rate 0 is no limit" },
		{ "passthrough: [ { device: { netdev: eth0 } } ]\nsriov: [ { pf: { netdev: eth1 } } ]\n",
		  "passthrough and SR-IOV on different devices" },
		{ "pools: { a: { devices: [ { bdf: \"00:02.0\" } ] }, b: { vfs_of: [ { bdf: \"00:02.0\" } ] } }\n",
		  "the VFs of a device and the device itself in pools of different kinds" },
		{ "version: 1\nname: x\n...\n", "document end marker" },
		{ "\xef\xbb\xbfname: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x96\xa5\n", "UTF-8 with a BOM" },
	};
	struct pt_profile p;
	struct pt_cfg_error e;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = parse(good[i].doc, &p, &e);

		if (!ok(r == 0, "accepted: %s", good[i].what))
			printf("#   %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
		pt_profile_free(&p);
	}
	ok(parse("sriov: [ { pf: { netdev: eth0 }, vf_defaults: { vlan: 10, vlan_protocol: 802.1ad }, "
		 "vf: { 1: { query_rss: true }, 2: { vlan: 20 } } } ]\n", &p, &e) == 0 &&
	   p.cfg.n_sriov == 1 && p.cfg.sriov[0].defaults.vlan_proto == 0x88a8 &&
	   p.cfg.sriov[0].n_vf == 2 && p.cfg.sriov[0].vf[0].query_rss == 1 &&
	   p.cfg.sriov[0].vf[1].vlan_proto == 0 && p.cfg.sriov[0].defaults.query_rss == -1,
	   "vlan_protocol 802.1ad and query_rss parse (unset: 0 and -1)");
	if (p.cfg.n_sriov == 1) {
		struct pt_vf_config c;

		pt_sriov_vf_effective(&p.cfg.sriov[0], 1, &c);
		ok(c.vlan == 10 && c.vlan_proto == 0x88a8 && c.query_rss == 1,
		   "effective VF 1: vf_defaults' 802.1ad VLAN, its own query_rss");
		pt_sriov_vf_effective(&p.cfg.sriov[0], 2, &c);
		ok(c.vlan == 20 && c.vlan_proto == 0,
		   "effective VF 2: its own VLAN takes its own protocol (802.1Q), not the default's");
	}
	pt_profile_free(&p);
	ok(parse("sriov: [ { pf: { netdev: eth0 }, vf: { 1: { vlan: 3, vlan_protocol: qinq } } } ]\n",
		 &p, &e) < 0 && strstr(e.msg, "vlan_protocol"), "vlan_protocol qinq refused: %s", e.msg);
	pt_profile_free(&p);
	ok(parse("sriov: [ { pf: { netdev: eth0 }, vf: { 1: { vlan_protocol: 802.1ad } } } ]\n",
		 &p, &e) < 0 && strstr(e.msg, "vlan_protocol needs a vlan"),
	   "vlan_protocol without a vlan refused: %s", e.msg);
	pt_profile_free(&p);
	ok(parse("hugepages: [ { size: 2M }, { size: 2MB, node: 1 }, { size: 1GB, node: 1 } ]\n",
		 &p, &e) == 0 &&
		   p.hugepages[1].size_kb == 2048 && p.hugepages[2].size_kb == 1048576,
	   "2MB and 1GB sizes in kB");
	pt_profile_free(&p);
	/* escapes make libfyaml hand the text over in several chunks */
	ok(parse("firmware: [ { driver: ice, versions: [\"v\\u00e9 \\\"q\\\" 1\", 'it''s'] } ]\n",
		 &p, &e) == 0 && p.n_firmware == 1 && p.firmware[0].n_versions == 2,
	   "escaped strings parse");
	if (p.n_firmware == 1 && p.firmware[0].n_versions == 2) {
		is_str(p.firmware[0].versions[0], "v\xc3\xa9 \"q\" 1", "double-quoted escapes");
		is_str(p.firmware[0].versions[1], "it's", "single-quoted escape");
	}
	pt_profile_free(&p);
	{
		char doc[600], want[200];

		memset(want, '\'', 150);
		want[150] = '\0';
		snprintf(doc, sizeof(doc), "firmware: [ { driver: ice, firmware: ['");
		for (int i = 0; i < 150; i++)
			strcat(doc, "''");
		strcat(doc, "'] } ]\n");
		ok(parse(doc, &p, &e) == 0 && p.n_firmware == 1 && p.firmware[0].n_firmware == 1,
		   "a long single-quoted string of escapes parses (and does not leak)");
		if (p.n_firmware == 1 && p.firmware[0].n_firmware == 1)
			is_str(p.firmware[0].firmware[0], want, "150 escaped quotes");
		pt_profile_free(&p);
	}
	{
		/* single-quoted scalars are decoded by lib/profile.c itself */
		static const struct {
			const char *yaml, *want;
		} sq[] = {
			{ "'a''b'", "a'b" },
			{ "'x\n      y'", "x y" },
			{ "'x   \n      \n\n      y  '", "x\n\ny  " },
			{ "'x\r\n      y'", "x y" },
			{ "''''''''''''''''''''''", "''''''''''" },
			{ "' a'", " a" },
			/* where libfyaml 0.7.12 itself gets them wrong */
			{ "'b c''''\n      x'", "b c'' x" },
			{ "'a\r\n      '", "a " },
			{ "'\n\n      ''''\n\n      '", "\n''\n" },
		};

		for (size_t i = 0; i < sizeof(sq) / sizeof(sq[0]); i++) {
			char doc[200];
			int r;

			snprintf(doc, sizeof(doc), "firmware:\n  - driver: ice\n    versions: [%s]\n",
				 sq[i].yaml);
			r = parse(doc, &p, &e);
			if (!ok(r == 0 && p.n_firmware == 1 && p.firmware[0].n_versions == 1 &&
					!strcmp(p.firmware[0].versions[0], sq[i].want),
				"single-quoted %zu decodes", i))
				printf("#   r=%d %s / got '%s'\n", r, e.msg,
				       r == 0 && p.firmware[0].n_versions ? p.firmware[0].versions[0] : "");
			pt_profile_free(&p);
		}
	}
	ok(parse("firmware:\r\n  - driver: ice\r\n    versions: [\"x\r\n      \"]\r\n", &p, &e) == 0 &&
		   p.n_firmware == 1 && p.firmware[0].n_versions == 1 &&
		   !strcmp(p.firmware[0].versions[0], "x "),
	   "CR LF line ends: one break each, also in double-quoted scalars");
	pt_profile_free(&p);
	ok(parse("name: x\r\nirqbalance: maybe\r\n", &p, &e) == -EINVAL && e.line == 2 && e.col == 13,
	   "CR LF line ends: error positions");
	pt_profile_free(&p);
	ok(parse("cpu: { governor: \"perf\\0x\" }\n", &p, &e) == -EINVAL &&
		   strstr(e.msg, "contains a NUL byte"),
	   "an embedded NUL is refused");
	pt_profile_free(&p);
	ok(parse("sriov: [ { pf: { bdf: \"41:00.0\" }, vf: { 0: { mac: \"00:00:00:00:00:00\" } } } ]\n",
		 &p, &e) == 0 && p.cfg.sriov[0].vf[0].has_mac && p.cfg.sriov[0].vf[0].mac[0] == 0,
	   "all-zero MAC is kept as an explicit reset");
	pt_profile_free(&p);
}

struct bad {
	const char *what;
	const char *doc;
	const char *where; /* "t.yaml:line:col" */
	const char *msg;   /* a substring of the message */
};

static const struct bad bad[] = {
	{ "unknown key with a suggestion", "sriov:\n  - pf: { bdf: \"0000:41:00.0\" }\n    vfz: 4\n",
	  "t.yaml:3:5", "unknown key 'vfz' in sriov[0] (did you mean 'vfs'?)" },
	{ "unknown top-level key", "irqbalanse: any\n", "t.yaml:1:1",
	  "unknown key 'irqbalanse' in the top level (did you mean 'irqbalance'?)" },
	{ "wrong type: a word for a number", "sriov:\n  - pf: { netdev: eth0 }\n    vfs: many\n",
	  "t.yaml:3:10", "key 'sriov[0].vfs': value 'many' is not a number" },
	{ "wrong type: a quoted number", "sriov:\n  - pf: { netdev: eth0 }\n    vfs: \"4\"\n",
	  "t.yaml:3:10", "value '4' is not a number but a quoted string" },
	{ "wrong type: a list for a mapping", "iommu: [required]\n", "t.yaml:1:8",
	  "key 'iommu': expected a mapping" },
	{ "wrong type: a mapping for a value", "name: { a: 1 }\n", "t.yaml:1:7",
	  "key 'name': expected a single value, got a mapping" },
	{ "wrong type: a mapping for a list", "sriov: { pf: { netdev: eth0 } }\n", "t.yaml:1:8",
	  "key 'sriov': expected a list" },
	{ "wrong type: a word for a boolean", "sriov: [ { pf: { netdev: eth0 }, drivers_autoprobe: yes } ]\n",
	  "t.yaml:1:53", "value 'yes' is not a boolean (expected true or false)" },
	{ "vlan out of range",
	  "sriov:\n  - pf: { netdev: eth0 }\n    vf:\n      1: { vlan: 5000 }\n", "t.yaml:4:18",
	  "key 'sriov[0].vf.1.vlan': value '5000' is out of range (expected 0..4095)" },
	{ "qos out of range", "sriov: [ { pf: { netdev: eth0 }, vf_defaults: { vlan: 1, qos: 8 } } ]\n",
	  "t.yaml:1:63", "value '8' is out of range (expected 0..7)" },
	{ "vfs out of range", "sriov: [ { pf: { netdev: eth0 }, vfs: 2049 } ]\n", "t.yaml:1:39",
	  "value '2049' is out of range (expected 0..2048)" },
	{ "negative rate", "sriov: [ { pf: { netdev: eth0 }, vf: { 0: { max_tx_rate: -5 } } } ]\n",
	  "t.yaml:1:58", "value '-5' is out of range (expected 0 or more)" },
	{ "multicast MAC", "sriov:\n  - pf: { netdev: eth0 }\n    vf: { 0: { mac: \"01:00:5e:00:00:01\" } }\n",
	  "t.yaml:3:21", "is a multicast address" },
	{ "malformed MAC", "sriov:\n  - pf: { netdev: eth0 }\n    vf: { 0: { mac: \"52:54:00:00:10\" } }\n",
	  "t.yaml:3:21", "value '52:54:00:00:10' is not a MAC address" },
	{ "MAC in vf_defaults", "sriov:\n  - pf: { netdev: eth0 }\n    vf_defaults: { mac: \"52:54:00:00:10:00\" }\n",
	  "t.yaml:3:18", "mac in vf_defaults would give every VF the same address" },
	{ "bad BDF", "passthrough:\n  - device: { bdf: \"0000:41:00.9\" }\n", "t.yaml:2:20",
	  "key 'passthrough[0].device.bdf': value '0000:41:00.9' is not a PCI address" },
	{ "bad PCI ID", "devices: [ { match: { id: \"8086-10c9\" } } ]\n", "t.yaml:1:27",
	  "is not a PCI ID" },
	{ "netdev name too long", "devices: [ { match: { netdev: abcdefghijklmnop } } ]\n",
	  "t.yaml:1:31", "is too long for an interface name" },
	{ "two selectors", "devices: [ { match: { netdev: eth0, bdf: \"00:02.0\" } } ]\n",
	  "t.yaml:1:21", "takes only one of bdf, netdev or id" },
	{ "index without id", "devices: [ { match: { netdev: eth0, index: 1 } } ]\n",
	  "t.yaml:1:21", "index only goes with id" },
	{ "empty selector", "sriov: [ { pf: {} } ]\n", "t.yaml:1:16",
	  "a device selector needs one of bdf, netdev or id" },
	{ "missing pf", "sriov:\n  - vfs: 4\n", "t.yaml:2:5", "missing required key 'pf'" },
	{ "duplicate key", "name: a\nirqbalance: any\nname: b\n", "t.yaml:3:1",
	  "duplicate key 'name' in the top level (first at line 1)" },
	{ "duplicate key in a nested mapping",
	  "sriov:\n  - pf: { netdev: eth0 }\n    vfs: 2\n    vfs: 3\n", "t.yaml:4:5",
	  "duplicate key 'vfs' in sriov[0] (first at line 3)" },
	{ "duplicate VF key", "sriov:\n  - pf: { netdev: eth0 }\n    vf:\n      0: { vlan: 1 }\n      0: { vlan: 2 }\n",
	  "t.yaml:5:7", "duplicate key '0' in sriov[0].vf (first at line 4)" },
	{ "same VF index written twice", "sriov:\n  - pf: { netdev: eth0 }\n    vf:\n      1: { vlan: 1 }\n      01: { vlan: 2 }\n",
	  "t.yaml:5:7", "VF 1 is configured twice (first at line 4)" },
	{ "duplicate PF",
	  "sriov:\n  - pf: { bdf: \"0000:41:00.0\" }\n    vfs: 2\n  - pf: { bdf: \"41:00.0\" }\n",
	  "t.yaml:4:9", "sriov[1].pf: bdf 0000:41:00.0 is already configured by sriov[0] (line 2)" },
	{ "VF index not below vfs",
	  "sriov:\n  - pf: { netdev: eth0 }\n    vfs: 2\n    vf:\n      2: { vlan: 100 }\n",
	  "t.yaml:5:7", "VF index 2 is out of range: vfs is 2" },
	{ "VF index not a number", "sriov:\n  - pf: { netdev: eth0 }\n    vf:\n      first: { vlan: 100 }\n",
	  "t.yaml:4:7", "'first' is not a VF index" },
	{ "min_tx_rate above max_tx_rate",
	  "sriov:\n  - pf: { netdev: eth0 }\n    vf:\n      0: { min_tx_rate: 500, max_tx_rate: 100 }\n",
	  "t.yaml:4:7", "min_tx_rate 500 is above max_tx_rate 100" },
	{ "min above max across vf_defaults and an override",
	  "sriov:\n  - pf: { netdev: eth0 }\n    vf_defaults: { max_tx_rate: 100 }\n    vf:\n      3: { min_tx_rate: 500 }\n",
	  "t.yaml:5:7", "sriov[0].vf.3: min_tx_rate 500 is above max_tx_rate 100" },
	{ "qos without a vlan", "sriov:\n  - pf: { netdev: eth0 }\n    vf:\n      0: { qos: 3 }\n",
	  "t.yaml:4:7", "qos 3 needs a vlan" },
	{ "passthrough device that is also an SR-IOV PF",
	  "sriov:\n  - pf: { netdev: eth0 }\npassthrough:\n  - device: { netdev: eth0 }\n",
	  "t.yaml:4:13", "passthrough[0].device: netdev eth0 is also an SR-IOV PF (sriov[0], line 2)" },
	{ "duplicate pool name", "pools:\n  a: { devices: [ { netdev: eth0 } ] }\n  a: { devices: [ { netdev: eth1 } ] }\n",
	  "t.yaml:3:3", "duplicate key 'a' in pools (first at line 2)" },
	{ "device in two pools",
	  "pools:\n  a: { devices: [ { netdev: eth0 } ] }\n  b: { devices: [ { netdev: eth0 } ] }\n",
	  "t.yaml:3:19", "pools.b: netdev eth0 is already in pool 'a' (line 2)" },
	{ "pool with both kinds", "pools:\n  a: { devices: [ { netdev: eth0 } ], vfs_of: [ { netdev: eth1 } ] }\n",
	  "t.yaml:2:6", "a pool takes exactly one of vfs_of" },
	{ "bad pool name", "pools:\n  \"a b\": { devices: [ { netdev: eth0 } ] }\n", "t.yaml:2:3",
	  "'a b' is not a pool name" },
	{ "YAML syntax error", "name: x\nsriov: [ { pf: { netdev: eth0 } }\nirqbalance: any\n",
	  "t.yaml:3:1", "YAML syntax error: wrongly indented flow sequence" },
	{ "unterminated quoted string", "name: \"abc\nirqbalance: any\n", "t.yaml:1:7",
	  "YAML syntax error: wrongly indented double-quoted scalar" },
	{ "tab indentation", "iommu:\n\tdma_remapping: required\n", "t.yaml:2:1",
	  "tab character may not be used as indentation" },
	{ "a list, not a mapping", "- name: x\n- irqbalance: any\n", "t.yaml:1:1",
	  "the document must be a mapping" },
	{ "a bare value, not a mapping", "hello\n", "t.yaml:1:1", "the document must be a mapping" },
	{ "second document", "name: a\n---\nname: b\n", "t.yaml:2:1", "a second YAML document" },
	{ "alias", "name: &n x\ncpu: { governor: *n }\n", "t.yaml:2:18", "YAML aliases" },
	{ "tag", "name: !!str x\n", "t.yaml:1:7", "YAML tags are not supported" },
	{ "unsupported version", "version: 2\n", "t.yaml:1:10", "this passthru reads version 1" },
	{ "bad enum", "irqbalance: maybe\n", "t.yaml:1:13",
	  "value 'maybe' is not valid (expected running, stopped or any)" },
	{ "bad severity", "severity: { aer_fatal: panic }\n", "t.yaml:1:24",
	  "(expected ignore, warn or fail)" },
	{ "bad default_domain", "iommu: { default_domain: identity }\n", "t.yaml:1:26",
	  "expected translated, passthrough or any" },
	{ "bad link_state", "sriov: [ { pf: { netdev: e }, vf: { 0: { link_state: up } } } ]\n",
	  "t.yaml:1:54", "(expected auto, enable or disable)" },
	{ "bad driver name", "passthrough: [ { device: { netdev: e }, driver: \"vfio pci\" } ]\n",
	  "t.yaml:1:49", "is not a driver name" },
	{ "bad huge page size", "hugepages: [ { size: 3M } ]\n", "t.yaml:1:22",
	  "is not a huge page size (a power of two" },
	{ "huge page size without a unit", "hugepages: [ { size: 2048 } ]\n", "t.yaml:1:22",
	  "expected a size with a unit" },
	{ "duplicate huge page requirement", "hugepages:\n  - { size: 2M, node: 0 }\n  - { size: 2048kB, node: 0 }\n",
	  "t.yaml:3:5", "hugepages[1]: 2048kB pages on this node are already required by hugepages[0]" },
	{ "free above total", "hugepages: [ { size: 1G, total: 2, free: 4 } ]\n", "t.yaml:1:14",
	  "free 4 is more than total 2" },
	{ "bad link speed", "devices: [ { match: { netdev: e }, link: { speed: \"7 GT/s\" } } ]\n",
	  "t.yaml:1:51", "is not a PCIe link speed" },
	{ "bad link width", "devices: [ { match: { netdev: e }, link: { width: 3 } } ]\n",
	  "t.yaml:1:51", "is not a PCIe link width" },
	{ "cmdline entry with a space", "kernel: { cmdline: { require: [\"iommu=pt quiet\"] } }\n",
	  "t.yaml:1:32", "key 'kernel.cmdline.require[0]': value 'iommu=pt quiet' contains white space" },
	{ "cmdline entry required and forbidden",
	  "kernel:\n  cmdline:\n    require: [iommu=pt, intremap=off]\n", "t.yaml:3:25",
	  "'intremap=off' is also forbidden (by the default forbid list" },
	{ "bad cpu list", "numa: { vm_cpus: \"4-2\" }\n", "t.yaml:1:18", "is not a CPU list" },
	{ "empty value", "name:\n", "t.yaml:1:1", "key 'name': no value given" },
	{ "override contradicts vf_policy",
	  "vf_policy: { trust: false }\nsriov:\n  - pf: { netdev: e }\n    vf: { 2: { trust: true } }\n",
	  "t.yaml:4:11", "sriov[0].vf.2: trust true contradicts vf_policy.trust false" },
	{ "duplicate firmware driver",
	  "firmware:\n  - { driver: ice, versions: [\"1\"] }\n  - { driver: ice }\n", "t.yaml:3:5",
	  "firmware[1]: driver ice is already listed" },
	{ "non-scalar key", "? [a, b]\n: 1\n", "t.yaml:1:3", "expected a name, got a list" },
	{ "invalid UTF-8 (hangs libfyaml 0.7.12 in a directive)", "name: x\n%\xbd\n", "t.yaml:2:2",
	  "byte 0xbd is not UTF-8 text" },
	{ "overlong UTF-8", "name: \"\xc0\xaf\"\n", "t.yaml:1:8", "byte 0xc0 is not UTF-8 text" },
	{ "truncated UTF-8", "name: caf\xc3", "t.yaml:1:10", "byte 0xc3 is not UTF-8 text" },
	{ "explicit key with a tab (crashes libfyaml 0.7.12)", "sriov:\n? -pools:\n  a: \t: e\n",
	  "t.yaml:2:1", "explicit keys ('? key') together with tab characters are not supported" },
};

/* On failure: the line the parser pointed at, with a caret. */
static void show_at(const char *doc, int line, int col)
{
	const char *s = doc, *end;

	for (int l = 1; l < line && s; l++) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	if (!s || line < 1)
		return;
	end = strchr(s, '\n');
	printf("#   | %.*s\n#   | %*s^\n", (int)(end ? end - s : (long)strlen(s)), s, col > 0 ? col - 1 : 0,
	       "");
}

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pt_profile p;
		struct pt_cfg_error e;
		char where[300];
		int r = parse(bad[i].doc, &p, &e);

		snprintf(where, sizeof(where), "%s:%d:%d", e.file, e.line, e.col);
		if (!ok(r == -EINVAL && !strcmp(where, bad[i].where) && strstr(e.msg, bad[i].msg),
			"rejected: %s (%s)", bad[i].what, bad[i].where))
		{
			printf("#   r=%d %s: %s\n#   want %s: ...%s...\n", r, where, e.msg,
			       bad[i].where, bad[i].msg);
			show_at(bad[i].doc, e.line, e.col);
		}
		ok(p.cfg.sriov == NULL && p.cmdline_forbid == NULL && p.devices == NULL,
		   "rejected: %s leaves an empty profile", bad[i].what);
		pt_profile_free(&p);
	}
}

/* Lists are bounded, so a hostile file cannot make the pairwise cross-checks slow. */
static void test_limits(void)
{
	size_t cap = 2049 * 24 + 64, o;
	char *doc = malloc(cap);
	struct pt_profile p;
	struct pt_cfg_error e;

	if (!doc)
		return;
	o = (size_t)snprintf(doc, cap, "sriov:\n  - pf: { netdev: e }\n    vf:\n");
	for (int i = 0; i < 2049; i++)
		o += (size_t)snprintf(doc + o, cap - o, "      %d: { vlan: 1 }\n", i);
	ok(parse(doc, &p, &e) == -EINVAL && e.line == 4 && e.col == 7 &&
		   strstr(e.msg, "key 'sriov[0].vf': 2049 entries, at most 2048 are supported"),
	   "more than 2048 VF overrides are refused");
	pt_profile_free(&p);
	o = (size_t)snprintf(doc, cap, "devices:\n");
	for (int i = 0; i < 1025; i++)
		o += (size_t)snprintf(doc + o, cap - o, "- match: {netdev: e%d}\n", i);
	ok(parse(doc, &p, &e) == -EINVAL && e.line == 2 && strstr(e.msg, "1025 entries, at most 1024"),
	   "more than 1024 devices are refused");
	pt_profile_free(&p);
	free(doc);
}

static void test_hostcfg(void)
{
	static const char doc[] =
		"version: 1\n"
		"sriov:\n"
		"  - pf: { netdev: ens1f0 }\n"
		"    vfs: 8\n"
		"    vf_defaults: { vlan: 10, driver: vfio-pci }\n"
		"passthrough:\n"
		"  - device: { id: \"10de:2236\" }\n"
		"pools:\n"
		"  vms: { vfs_of: [ { netdev: ens1f0 } ] }\n";
	struct pt_hostcfg c;
	struct pt_cfg_error e;
	int r = pt_hostcfg_parse(doc, strlen(doc), "host.yaml", &c, &e);

	if (!ok(r == 0, "host configuration alone parses"))
		printf("#   %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
	if (!r) {
		is_int(c.n_sriov, 1, "hostcfg: one PF");
		is_str(c.sriov[0].pf.netdev, "ens1f0", "hostcfg: pf netdev");
		is_int(c.sriov[0].vfs, 8, "hostcfg: vfs");
		is_int(c.sriov[0].drivers_autoprobe, -1, "hostcfg: drivers_autoprobe unset");
		is_int(c.sriov[0].defaults.vlan, 10, "hostcfg: vf_defaults vlan");
		is_int(c.n_passthrough, 1, "hostcfg: one passthrough device");
		is_int(c.passthrough[0].device.vendor_id, 0x10de, "hostcfg: passthrough by id");
		is_int(c.passthrough[0].device.index, 0, "hostcfg: id index defaults to 0");
		is_str(c.passthrough[0].driver, "vfio-pci", "hostcfg: passthrough driver default");
		is_int(c.n_pools, 1, "hostcfg: one pool");
		is_str(c.pools[0].name, "vms", "hostcfg: pool name");
	}
	pt_hostcfg_free(&c);

	{
		static const char gate[] = "sriov: []\niommu: { dma_remapping: required }\n";

		r = pt_hostcfg_parse(gate, strlen(gate), "host.yaml", &c, &e);
	}
	ok(r == -EINVAL && e.line == 2 && e.col == 1 &&
		   strstr(e.msg, "key 'iommu' belongs in a profile"),
	   "hostcfg: gate keys are rejected");
	if (r != -EINVAL)
		pt_hostcfg_free(&c);
	ok(c.sriov == NULL && c.n_sriov == 0, "hostcfg: rejected leaves an empty config");
	ok(pt_hostcfg_parse("", 0, "host.yaml", &c, &e) == 0 && c.n_sriov == 0,
	   "hostcfg: empty document");
	pt_hostcfg_free(&c);
	{
		static const char dup[] = "sriov:\n  - pf: { netdev: a }\n  - pf: { netdev: a }\n";

		r = pt_hostcfg_parse(dup, strlen(dup), NULL, &c, &e);
	}
	ok(r == -EINVAL && !strcmp(e.file, "(string)") && e.line == 3 && e.col == 9,
	   "hostcfg: duplicate PF; no file name is \"(string)\"");
}

static void test_load(void)
{
	struct pt_profile p;
	struct pt_hostcfg c;
	struct pt_cfg_error e;

	ok(pt_profile_load("/nonexistent/profile.yaml", &p, &e) == -ENOENT &&
		   !strcmp(e.file, "/nonexistent/profile.yaml") && e.line == 0 &&
		   strstr(e.msg, "cannot read the file: No such file"),
	   "load: a missing file is -ENOENT with its name");
	pt_profile_free(&p);
	ok(pt_hostcfg_load("/nonexistent/host.yaml", &c, &e) == -ENOENT,
	   "load: a missing host configuration is -ENOENT");
	pt_hostcfg_free(&c);
}

/* Every example in docs/examples/ parses as a profile. */
static void test_examples(void)
{
	const char *top = getenv("PASSTHRU_TOP_SRCDIR");
	char dir[4096];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/docs/examples", top ? top : ".");
	d = opendir(dir);
	if (!ok(d != NULL, "docs/examples exists"))
		return;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		struct pt_profile p;
		struct pt_cfg_error e;
		char path[8192];
		int r;

		if (l < 5 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = pt_profile_load(path, &p, &e);
		if (!ok(r == 0 && p.name[0], "example %s parses and has a name", de->d_name))
			printf("#   %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
		pt_profile_free(&p);
		n++;
	}
	closedir(d);
	ok(n >= 4, "at least four examples (%d)", n);
}

/* hugepages with pages: in a profile, both the gate's requirement (total >= pages unless
 * total is written) and the host configuration's reservation that apply performs */
static void test_hugepage_reservation(void)
{
	static const char doc[] =
		"hugepages:\n"
		"  - { size: 2M, node: 0, pages: 64 }\n"
		"  - { size: 1G, node: 1, pages: 2, total: 1 }\n"
		"  - { size: 2M, node: 1, total: 8 }\n";
	struct pt_profile p;
	struct pt_cfg_error e;

	if (!ok(parse(doc, &p, &e) == 0, "a profile with hugepages pages parses: %s", e.msg))
		return;
	is_int(p.n_hugepages, 3, "three gate requirements");
	is_int(p.hugepages[0].min_total, 64, "pages: 64 requires total >= 64");
	is_int(p.hugepages[1].min_total, 1, "a written total is kept");
	is_int(p.cfg.n_hugepages, 2, "two reservations for apply (the entry without pages is none)");
	ok(p.cfg.n_hugepages == 2 && p.cfg.hugepages[0].node == 0 && p.cfg.hugepages[0].pages == 64 &&
	   p.cfg.hugepages[1].size_kb == 1048576 && p.cfg.hugepages[1].pages == 2,
	   "the host configuration's hugepages: node, size, pages");
	pt_profile_free(&p);
	ok(parse("hugepages:\n  - { size: 2M, pages: 4 }\n", &p, &e) < 0 && e.line == 2 &&
	   strstr(e.msg, "needs a node"), "pages without a node: %s", e.msg);
}

int main(void)
{
	test_full();
	test_defaults();
	test_values();
	test_errors();
	test_limits();
	test_hostcfg();
	test_hugepage_reservation();
	test_load();
	test_examples();
	return done_testing();
}
