// SPDX-License-Identifier: MIT
/*
 * The one-shot commands' library side (lib/oneshot.c): the host configurations they
 * build (refused as YAML would refuse them), drop-ins merged in order (the later word
 * holds), the drop-in directory of a config file, and --persist writing a drop-in
 * once, merged over what it held.
 */
#include "passthru/oneshot.h"
#include "passthru/profile.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct pt_bdf PF = { 0, 0x21, 0, 0 }, DEV = { 0, 0x05, 0, 0 };

static struct pt_hostcfg parse(const char *yaml)
{
	struct pt_hostcfg c;
	struct pt_cfg_error e;

	if (pt_hostcfg_parse(yaml, strlen(yaml), "t.yaml", &c, &e) < 0) {
		printf("# did not parse: %s\n", e.msg);
		memset(&c, 0, sizeof(c));
	}
	return c;
}

static void test_build(void)
{
	struct pt_hostcfg c;
	struct pt_vf_config v;
	struct pt_ctx *ctx;

	if (!ok(pt_ctx_new(&ctx, NULL) == 0, "a context (for the sentences)"))
		return;
	is_int(pt_oneshot_bind(ctx, &DEV, 1, "vfio-pci", &c), 0, "bind: built");
	ok(c.n_passthrough == 1 && strcmp(c.passthrough[0].driver, "vfio-pci") == 0 &&
	   c.passthrough[0].device.kind == PT_MATCH_BDF, "bind: one passthrough entry by BDF");
	pt_hostcfg_free(&c);
	ok(pt_oneshot_bind(ctx, &DEV, 1, "vfio pci", &c) == -EINVAL &&
	   strstr(pt_ctx_error(ctx), "driver name"), "a driver name YAML would refuse is refused: %s",
	   pt_ctx_error(ctx));
	is_int(pt_oneshot_sriov(ctx, &PF, 4, 0, &c), 0, "sriov: built");
	ok(c.n_sriov == 1 && c.sriov[0].vfs == 4 && c.sriov[0].drivers_autoprobe == 0 &&
	   c.sriov[0].n_vf == 0, "sriov: vfs 4, drivers_autoprobe false, no VF settings");
	pt_hostcfg_free(&c);
	pt_vf_config_unset(&v);
	v.trust = 1;
	v.vlan = 100;
	v.qos = 0;
	is_int(pt_oneshot_vf(ctx, &PF, 2, &v, &c), 0, "vf 2: built");
	ok(c.n_sriov == 1 && c.sriov[0].vfs == -1 && c.sriov[0].n_vf == 1 && c.sriov[0].vf[0].vf == 2 &&
	   c.sriov[0].vf[0].trust == 1 && c.sriov[0].vf[0].vlan == 100, "vf 2: vf: {2: {vlan, trust}}, count kept");
	pt_hostcfg_free(&c);
	v.has_mac = true;
	memcpy(v.mac, (uint8_t[]){ 2, 0, 0, 0, 0, 1 }, 6);
	ok(pt_oneshot_vf(ctx, &PF, -1, &v, &c) == -EINVAL && strstr(pt_ctx_error(ctx), "same address"),
	   "vf all --mac: refused (%s)", pt_ctx_error(ctx));
	pt_ctx_free(ctx);
}

static void test_merge(void)
{
	struct pt_hostcfg a = parse("sriov:\n  - pf: { bdf: \"0000:21:00.0\" }\n    vfs: 4\n"
				    "    vf:\n      2: { trust: false, vlan: 7 }\n"
				    "passthrough:\n  - device: { bdf: \"0000:05:00.0\" }\n");
	struct pt_hostcfg b = parse("sriov:\n  - pf: { bdf: \"0000:21:00.0\" }\n"
				    "    vf_defaults: { trust: true }\n    vf:\n      3: { vlan: 9 }\n"
				    "passthrough:\n  - device: { bdf: \"0000:05:00.0\" }\n    driver: none\n"
				    "  - device: { bdf: \"0000:06:00.0\" }\n");
	char *y = NULL;

	is_int(pt_hostcfg_merge(&a, &b), 0, "merged");
	is_int((int)a.n_sriov, 1, "one PF entry: same selector overlays");
	is_int(a.sriov[0].vfs, 4, "the count the later file does not set is kept");
	ok(a.sriov[0].n_vf == 2 && a.sriov[0].vf[0].vf == 2 && a.sriov[0].vf[1].vf == 3,
	   "per-VF entries merged by index, sorted");
	is_int(a.sriov[0].vf[0].trust, -1, "a later vf_defaults trust clears VF 2's earlier trust");
	is_int(a.sriov[0].vf[0].vlan, 7, "... and leaves its VLAN");
	is_int(a.sriov[0].defaults.trust, 1, "vf_defaults trust true");
	ok(a.n_passthrough == 2 && strcmp(a.passthrough[0].driver, "none") == 0,
	   "passthrough: the later driver for the same device wins, a new device is added");
	is_int(pt_hostcfg_format(&a, NULL, &y), 0, "formatted");
	pt_hostcfg_free(&b);
	b = parse(y);
	is_int((int)b.n_passthrough, 2, "the formatted YAML parses back");
	free(y);
	pt_hostcfg_free(&a);
	pt_hostcfg_free(&b);
}

/* hugepages: a later entry of the same node and size overlays, others add; the YAML the
 * formatter writes (what plan hugepages --emit-config prints) parses back the same */
static void test_merge_hugepages(void)
{
	struct pt_hostcfg a = parse("hugepages:\n  - { node: 0, size: 2M, pages: 64 }\n"
				    "  - { node: 1, size: 1G, pages: 2 }\n");
	struct pt_hostcfg b = parse("hugepages:\n  - { node: 0, size: 2048kB, pages: 8 }\n"
				    "  - { node: 1, size: 2M, pages: 16 }\n");
	char *y = NULL;

	is_int(pt_hostcfg_merge(&a, &b), 0, "hugepages merged");
	ok(a.n_hugepages == 3 && a.hugepages[0].pages == 8 && a.hugepages[1].pages == 2 &&
	   a.hugepages[2].node == 1 && a.hugepages[2].size_kb == 2048,
	   "node 0's 2M pool overlaid (64 -> 8), node 1's 1G kept, node 1's 2M added");
	is_int(pt_hostcfg_format(&a, NULL, &y), 0, "hugepages formatted");
	ok(y && strstr(y, "  - { node: 1, size: 1G, pages: 2 }\n"), "as { node, size: 1G, pages }");
	pt_hostcfg_free(&b);
	b = parse(y ? y : "");
	ok(b.n_hugepages == 3 && b.hugepages[1].size_kb == 1048576 && b.hugepages[0].pages == 8,
	   "and it parses back the same");
	free(y);
	pt_hostcfg_free(&a);
	pt_hostcfg_free(&b);
}

/* An interface name the kernel allows may hold '"' and '\\': the drop-in written for
 * it must parse back to the same name (fuzz-profile found a drop-in that did not load) */
static void test_format_netdev(void)
{
	static const char *const names[] = { "aer_nonfa\"eth1", "a\\b", "q\"\\\"", "eth0" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct pt_hostcfg a, b;
		struct pt_cfg_error e;
		char *y = NULL;

		memset(&a, 0, sizeof(a));
		a.n_passthrough = 1;
		a.passthrough = calloc(1, sizeof(*a.passthrough));
		if (!a.passthrough)
			exit(1);
		a.passthrough[0].device.kind = PT_MATCH_NETDEV;
		snprintf(a.passthrough[0].device.netdev, sizeof(a.passthrough[0].device.netdev),
			 "%s", names[i]);
		snprintf(a.passthrough[0].driver, sizeof(a.passthrough[0].driver), "vfio-pci");
		is_int(pt_hostcfg_format(&a, NULL, &y), 0, "netdev %s: formatted", names[i]);
		if (y && pt_hostcfg_parse(y, strlen(y), "drop-in", &b, &e) == 0) {
			ok(b.n_passthrough == 1 && !strcmp(b.passthrough[0].device.netdev, names[i]),
			   "netdev %s: the drop-in parses back to the same name", names[i]);
			pt_hostcfg_free(&b);
		} else {
			ok(0, "netdev %s: the drop-in parses back (%s)", names[i], y ? e.msg : "no YAML");
		}
		free(y);
		pt_hostcfg_free(&a);
	}
}

static bool match_same(const struct pt_match *a, const struct pt_match *b)
{
	return a->kind == b->kind && pt_bdf_eq(&a->bdf, &b->bdf) && !strcmp(a->netdev, b->netdev) &&
	       a->vendor_id == b->vendor_id && a->device_id == b->device_id && a->index == b->index;
}

/* Every field of the boot: section but the source positions. */
static bool boot_same(const struct pt_boot_config *a, const struct pt_boot_config *b)
{
	if (a->present != b->present || a->loader != b->loader || a->iommu != b->iommu ||
	    a->n_hugepages != b->n_hugepages || a->default_hugepagesz_kb != b->default_hugepagesz_kb ||
	    strcmp(a->isolcpus, b->isolcpus) || strcmp(a->nohz_full, b->nohz_full) ||
	    strcmp(a->rcu_nocbs, b->rcu_nocbs) || a->pci_realloc != b->pci_realloc ||
	    a->n_vfio != b->n_vfio || a->vfio_ids != b->vfio_ids || a->n_extra != b->n_extra)
		return false;
	for (size_t i = 0; i < a->n_hugepages; i++)
		if (a->hugepages[i].size_kb != b->hugepages[i].size_kb ||
		    a->hugepages[i].count != b->hugepages[i].count)
			return false;
	for (size_t i = 0; i < a->n_vfio; i++)
		if (!match_same(&a->vfio[i], &b->vfio[i]))
			return false;
	for (size_t i = 0; i < a->n_extra; i++)
		if (strcmp(a->extra[i], b->extra[i]))
			return false;
	return true;
}

/* boot: survives parse -> format -> parse (plan --emit-config, --persist drop-ins), every
 * key set away from its default, and a section with only defaults stays present */
static void test_format_boot(void)
{
	static const char *const docs[] = {
		"boot:\n  loader: systemd-boot\n  iommu: pt\n"
		"  hugepages:\n    - { size: 1G, count: 16 }\n    - { size: 2M, count: 512 }\n"
		"  default_hugepagesz: 1G\n  isolcpus: 2-15,18-31\n  nohz_full: 2-15\n"
		"  rcu_nocbs: 3\n  pci_realloc: false\n"
		"  vfio:\n    - { id: \"8086:10d3\" }\n    - { bdf: \"0000:41:00.0\" }\n"
		"    - { netdev: \"enp5s0\" }\n    - { id: \"15b3:101e\", index: 2 }\n"
		"  vfio_ids: modprobe\n  extra: [ quiet, \"pcie_aspm=off\" ]\n"
		"sriov:\n  - pf: { bdf: \"0000:21:00.0\" }\n    vfs: 4\n",
		"boot:\n  loader: grubby\n  iommu: keep\n  pci_realloc: true\n  vfio_ids: cmdline\n",
		"boot: {}\n",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct pt_hostcfg a = parse(docs[i]), b;
		char *y = NULL;

		ok(a.boot.present, "doc %zu: boot: parsed", i);
		is_int(pt_hostcfg_format(&a, NULL, &y), 0, "doc %zu: formatted", i);
		b = parse(y ? y : "");
		ok(boot_same(&a.boot, &b.boot), "doc %zu: boot: parses back the same", i);
		if (!boot_same(&a.boot, &b.boot))
			printf("# formatted:\n%s", y ? y : "(null)");
		ok(a.n_sriov == b.n_sriov, "doc %zu: and the sections beside it", i);
		free(y);
		pt_hostcfg_free(&a);
		pt_hostcfg_free(&b);
	}
}

static void test_dropins(void)
{
	char dir[4096], path[4200], got[4096];
	const char *tmp = getenv("TMPDIR");
	struct pt_hostcfg c, one;
	struct pt_cfg_error e;
	struct pt_ctx *ctx;
	struct stat st1, st2;
	FILE *f;

	pt_hostcfg_dropin_dir("/etc/passthru/host.yaml", got, sizeof(got));
	is_str(got, "/etc/passthru/host.d", "host.yaml -> host.d");
	pt_hostcfg_dropin_dir("x.yml", got, sizeof(got));
	is_str(got, "x.d", "x.yml -> x.d");
	pt_hostcfg_dropin_dir("conf", got, sizeof(got));
	is_str(got, "conf.d", "conf -> conf.d");

	snprintf(dir, sizeof(dir), "%s/test-oneshot.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!ok(mkdtemp(dir) != NULL, "temp dir"))
		return;
	if (pt_ctx_new(&ctx, dir) < 0)
		return;
	pt_oneshot_bind(ctx, &DEV, 1, "vfio-pci", &one);
	is_int(pt_hostcfg_persist(ctx, &one, "bind", true, path, sizeof(path)), 0, "dry run");
	ok(access(path, F_OK) != 0, "a dry run names the drop-in and writes nothing");
	is_int(pt_hostcfg_persist(ctx, &one, "bind", false, path, sizeof(path)), 0, "persisted");
	snprintf(got, sizeof(got), "%s/etc/passthru/host.d/50-oneshot-bind.yaml", dir);
	is_str(path, got, "at <sysroot>/etc/passthru/host.d/50-oneshot-bind.yaml");
	stat(path, &st1);
	sleep(1);
	pt_hostcfg_persist(ctx, &one, "bind", false, path, sizeof(path));
	stat(path, &st2);
	ok(st1.st_mtime == st2.st_mtime && st1.st_ino == st2.st_ino, "persisting the same again: not rewritten");
	pt_hostcfg_free(&one);
	pt_oneshot_bind(ctx, &(struct pt_bdf){ 0, 0x06, 0, 0 }, 1, "vfio-pci", &one);
	pt_hostcfg_persist(ctx, &one, "bind", false, path, sizeof(path));
	pt_hostcfg_free(&one);
	snprintf(got, sizeof(got), "%s/etc/passthru/host.d/10-user.yaml", dir);
	f = fopen(got, "w");
	if (f) {
		fputs("passthrough:\n  - device: { bdf: \"0000:05:00.0\" }\n    driver: igb\n", f);
		fclose(f);
	}
	memset(&c, 0, sizeof(c));
	snprintf(got, sizeof(got), "%s/etc/passthru/host.d", dir);
	is_int(pt_hostcfg_load_dropins(got, &c, &e), 2, "two drop-ins merged");
	ok(c.n_passthrough == 2 && strcmp(c.passthrough[0].driver, "vfio-pci") == 0,
	   "name order: 50-oneshot-bind (vfio-pci) over 10-user (igb) for 05:00.0, 06:00.0 added");
	pt_hostcfg_free(&c);
	snprintf(path, sizeof(path), "%s/etc/passthru/host.d/20-bad.yaml", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("sriov:\n  - pf: { bdf: \"0000:21:00.0\" }\n    vfs: many\n", f);
		fclose(f);
	}
	ok(pt_hostcfg_load_dropins(got, &c, &e) == -EINVAL && strstr(e.file, "20-bad.yaml") && e.line == 3,
	   "a bad drop-in: -EINVAL naming file and line (%s:%d)", e.file, e.line);
	pt_hostcfg_free(&c);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	pt_ctx_free(ctx);
}

int main(void)
{
	test_build();
	test_merge();
	test_merge_hugepages();
	test_format_boot();
	test_format_netdev();
	test_dropins();
	return done_testing();
}
