// SPDX-License-Identifier: MIT
/*
 * passthru assign / release (lib/assign.c) end to end on copies of the dual-socket
 * fixture (tests/gen/mkhost.py): the i40e PF 0000:18:00.0 (ens1f0) with VFs
 * 18:02.0-3 on nodes 0, 1, 0, 0 (groups of their own), and 0000:05:00.0 / 06:00.0
 * sharing one IOMMU group behind a switch without ACS. In the copy the VFs are bound
 * to vfio-pci (their driver links moved), so readying plans only driver_override
 * writes, which land in the tree's regular files; a VF left on iavf cannot be probed
 * there (no drivers_probe), which is how a readying failure is provoked.
 * The state database lives in a temp dir. Concurrency is test-state's business.
 *
 * Usage: test-assign FIXTURES_DIR
 */
#include "passthru/assign.h"
#include "passthru/state.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *fixtures;
static char tmp[] = "/tmp/pt-test-assign.XXXXXX";
static char root[4096], statedir[4200];

#define CFG                                                                                 \
	"pools:\n"                                                                          \
	"  net:\n"                                                                          \
	"    vfs_of: [ { bdf: \"0000:18:00.0\" } ]\n"                                       \
	"  pair:\n"                                                                         \
	"    devices: [ { bdf: \"0000:05:00.0\" }, { bdf: \"0000:06:00.0\" } ]\n"            \
	"  uplink:\n"                                                                       \
	"    devices: [ { netdev: enp2s0f0np0 } ]\n"

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* a fresh copy with the VFs on vfio-pci and a default route on enp2s0f0np0 */
static int fresh_tree(void)
{
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(statedir, sizeof(statedir), "%s/state", tmp);
	return sh("rm -rf '%s' '%s' && cp -a '%s/dual-socket' '%s' && "
		  "for v in 0000:18:02.0 0000:18:02.1; do "
		  "d=$(readlink -f '%s/sys/bus/pci/devices/'$v) && t=$(readlink $d/driver) && "
		  "ln -sfn ${t%%/*}/vfio-pci $d/driver && rm -rf $d/net || exit 1; done && "
		  "mkdir -p '%s/proc/net' && printf 'Iface\\tDestination\\tGateway\\tFlags\\t"
		  "RefCnt\\tUse\\tMetric\\tMask\\tMTU\\tWindow\\tIRTT\\nenp2s0f0np0\\t00000000"
		  "\\t0100A8C0\\t0003\\t0\\t0\\t0\\t00000000\\t0\\t0\\t0\\n' > "
		  "'%s/proc/net/route'",
		  root, statedir, fixtures, root, root, root, root);
}

static struct pt_host *scan(struct pt_ctx *ctx)
{
	struct pt_host *h = NULL;

	if (pt_host_scan(ctx, &h) < 0)
		printf("# scan: %s\n", pt_ctx_error(ctx));
	return h;
}

static int load_cfg(struct pt_hostcfg *c)
{
	struct pt_cfg_error e;
	int r = pt_hostcfg_parse(CFG, strlen(CFG), "host.yaml", c, &e);

	if (r < 0)
		printf("# config: %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
	return r;
}

static void read_file(const char *rel, char *buf, size_t len)
{
	char p[8192];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	buf[0] = '\0';
	if (!(f = fopen(p, "r")))
		return;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	fclose(f);
}

static size_t n_leases(struct pt_state *st, const char *vm)
{
	struct pt_lease *l = NULL;
	size_t n = 0;

	pt_state_leases(st, vm, &l, &n);
	free(l);
	return n;
}

static void test_pure(void)
{
	struct pt_pool_resolved *p = NULL;
	struct pt_hostcfg c = { 0 };
	struct pt_ctx *ctx;
	struct pt_host *h;
	struct pt_bdf pf;
	uint8_t mac[6];
	char path[4200];
	size_t n = 0;

	pt_bdf_parse("0000:18:00.0", &pf);
	pt_vf_placeholder_mac(&pf, 3, mac);
	ok(memcmp(mac, (uint8_t[]){ 0x02, 0, 0, 0x18, 0x00, 3 }, 6) == 0,
	   "placeholder MAC of 18:00.0 VF 3 is 02:00:00:18:00:03");
	pt_bdf_parse("0000:af:1f.7", &pf);
	is_int(pt_vf_placeholder_mac(&pf, 300, mac), 0, "a placeholder for VF 300");
	ok(memcmp(mac, (uint8_t[]){ 0x06, 0, 0, 0xaf, 0xff, 300 % 256 }, 6) == 0,
	   "placeholder: VF index bits 8-13 in the first octet, bus, dev<<3|fn, index low byte");
	ok((mac[0] & 3) == 2, "locally administered unicast");
	{
		uint8_t m1[6], m2[6];
		struct pt_bdf d1, d2;

		pt_bdf_parse("0001:18:00.0", &d1);
		pt_bdf_parse("0000:18:00.0", &d2);
		pt_vf_placeholder_mac(&d1, 4, m1);
		pt_vf_placeholder_mac(&d2, 4, m2);
		ok(memcmp(m1, m2, 6) != 0 && m1[1] == 0 && m1[2] == 1,
		   "the PCI domain is in it: 0001:18:00.0 and 0000:18:00.0 differ");
		pt_vf_placeholder_mac(&d2, 260, m1);
		ok(memcmp(m1, m2, 6) != 0, "VF 260 and VF 4 differ (no index modulo 256)");
		is_int(pt_vf_placeholder_mac(&d2, 16384, m1), -ERANGE, "VF 16384: no unique placeholder");
	}

	snprintf(path, sizeof(path), "%s/dual-socket", fixtures);
	if (pt_ctx_new(&ctx, path) < 0 || !(h = scan(ctx)) || load_cfg(&c) < 0) {
		ok(0, "dual-socket scans, config parses");
		return;
	}
	ok(pt_pools_resolve(h, &c, &p, &n) == 0 && n == 3, "three pools resolve");
	if (n == 3) {
		is_str(p[0].name, "net", "pool 0 is net");
		is_str(p[0].kind, "vfs", "net: kind vfs");
		is_int(p[0].n_members, 4, "net: every current VF of the PF");
		if (p[0].n_members == 4) {
			is_str(p[0].members[1].bdf, "0000:18:02.1", "net: VF 1 in index order");
			is_int(p[0].members[1].numa_node, 0,
			       "net: VF 1 on its PF's node 0 (its own numa_node 1 is a firmware quirk)");
			ok(p[0].members[0].iommu_group >= 0 &&
			   p[0].members[0].iommu_group != p[0].members[1].iommu_group,
			   "net: VFs in groups of their own");
		}
		is_str(p[1].kind, "devices", "pair: kind devices");
		is_int(p[1].n_members, 2, "pair: two devices");
		if (p[1].n_members == 2)
			is_int(p[1].members[0].iommu_group, p[1].members[1].iommu_group,
			       "pair: one shared group");
		is_str(p[2].error, "", "uplink resolves by netdev");
	}
	pt_pools_free(p, n);

	/* a selector that matches nothing: that pool has an error, others resolve */
	c.pools[0].members[0].bdf.bus = 0x77;
	ok(pt_pools_resolve(h, &c, &p, &n) == 0 && n == 3, "resolve with a missing PF");
	if (n == 3) {
		ok(strstr(p[0].error, "0000:77:00.0") != NULL, "net: error names the missing PF: %s",
		   p[0].error);
		is_str(p[1].error, "", "pair still resolves");
	}
	pt_pools_free(p, n);

	is_int(pt_cpus_node(ctx, h, "2-7"), 0, "CPUs 2-7 are node 0");
	is_int(pt_cpus_node(ctx, h, "16,20-21"), 1, "CPUs 16,20-21 are node 1");
	is_int(pt_cpus_node(ctx, h, "15-16"), -ENOENT, "CPUs 15-16 span two nodes");
	ok(strstr(pt_ctx_error(ctx), "node 0: 0-15") != NULL, "and the message lists the nodes: %s",
	   pt_ctx_error(ctx));
	is_int(pt_cpus_node(ctx, h, "x"), -EINVAL, "a malformed CPU list");
	pt_hostcfg_free(&c);
	pt_host_free(h);
	pt_ctx_free(ctx);
}

struct env {
	struct pt_ctx *ctx;
	struct pt_host *h;
	struct pt_state *st;
	struct pt_hostcfg cfg;
};

static int env_open(struct env *e)
{
	memset(e, 0, sizeof(*e));
	if (pt_ctx_new(&e->ctx, root) < 0 || !(e->h = scan(e->ctx)) || load_cfg(&e->cfg) < 0)
		return -1;
	if (pt_state_open(e->ctx, statedir, &e->st) < 0) {
		printf("# state: %s\n", pt_ctx_error(e->ctx));
		return -1;
	}
	if (pt_pools_sync(e->ctx, e->st, e->h, &e->cfg, "net") < 0) {
		printf("# sync: %s\n", pt_ctx_error(e->ctx));
		return -1;
	}
	return 0;
}

static void env_close(struct env *e)
{
	pt_state_close(e->st);
	pt_hostcfg_free(&e->cfg);
	pt_host_free(e->h);
	pt_ctx_free(e->ctx);
}

static int assign(struct env *e, const char *vm, const char *pool, unsigned count, int node,
		  bool remote, struct pt_assign_result *res)
{
	struct pt_assign_opts o = { .vm = vm, .pool = pool, .count = count, .numa_node = node,
				    .allow_remote = remote, .state_dir = statedir };

	return pt_assign(e->ctx, e->st, e->h, &o, res);
}

static void test_assign(void)
{
	struct pt_assign_result res;
	struct pt_assign_opts o;
	struct env e;
	char buf[256];
	int r;

	if (!ok(fresh_tree() == 0, "fixture copy with VFs on vfio-pci") || env_open(&e) < 0) {
		ok(0, "environment opens");
		return;
	}
	/* NUMA: VF 1's firmware says node 1, its PF node 0: node 0 is trusted, so node 1 has
	 * no VF; refused with what is free elsewhere, or remote with a cost */
	r = assign(&e, "vm1", "net", 1, 1, false, &res);
	is_int(r, -ENOSPC, "node 1 has no VF (18:02.1 is on its PF's node 0): refused");
	ok(strstr(pt_ctx_error(e.ctx), "usable elsewhere: node 0: 4") != NULL,
	   "the refusal says what is usable elsewhere: %s", pt_ctx_error(e.ctx));
	is_int(n_leases(e.st, "vm1"), 0, "no lease for vm1");
	r = assign(&e, "vm2", "net", 1, 1, true, &res);
	is_int(r, 0, "with allow_remote: granted");
	if (r == 0 && res.n == 1) {
		is_int(res.n_remote, 1, "one remote device (the cost is reported)");
		ok(res.devs[0].lease.remote, "the lease says remote");
		is_int(res.devs[0].lease.numa_node, 0, "from node 0");
		is_str(res.devs[0].lease.bdf, "0000:18:02.0", "the lowest BDF");
	}
	pt_assign_result_free(&res);

	r = assign(&e, "vm1", "net", 1, 0, false, &res);
	is_int(r, 0, "assign vm1 net --numa 0: %s", r ? pt_ctx_error(e.ctx) : "ok");
	if (r == 0 && res.n == 1) {
		is_str(res.devs[0].lease.bdf, "0000:18:02.1", "vm1 gets VF 1");
		is_int(res.node, 0, "its PF's node, not the VF's firmware node 1");
		is_str(res.node_cpus, "0-15", "node 0's CPUs to pin to");
		is_str(res.devs[0].cpulist, "0-15", "the device-local CPUs are its PF's");
		ok(strstr(res.numa_note, "trusting the PF") != NULL, "and says so: %s", res.numa_note);
		is_int(res.n_remote, 0, "nothing remote");
		ok(res.devs[0].is_vf && res.devs[0].vf == 1 && res.devs[0].net,
		   "a VF of a NIC: VF 1");
		is_str(res.devs[0].pf, "0000:18:00.0", "its PF");
		is_str(res.devs[0].pf_ifname, "ens1f0", "its PF interface");
		is_str(res.devs[0].driver, "vfio-pci", "bound to vfio-pci");
		is_int(res.steps, 1, "one write made it ready: driver_override");
	}
	pt_assign_result_free(&res);
	read_file("/sys/bus/pci/devices/0000:18:02.1/driver_override", buf, sizeof(buf));
	is_str(buf, "vfio-pci", "driver_override vfio-pci written (the tree's file)");

	/* pool exhaustion */
	r = assign(&e, "vm3", "net", 3, -1, false, &res);
	is_int(r, -ENOSPC, "net cannot supply 3 more: 2 are left");
	ok(strstr(pt_ctx_error(e.ctx), "cannot supply 3") != NULL, "message: %s", pt_ctx_error(e.ctx));

	/* a devices pool hands out whole groups: 05:00.0 and 06:00.0 share one */
	r = assign(&e, "vm3", "pair", 1, -1, false, &res);
	is_int(r, 0, "pair: one unit, the whole shared group");
	is_int(res.n, 2, "both functions of the group");
	if (r == 0 && res.n == 2) {
		is_str(res.devs[0].lease.bdf, "0000:05:00.0", "the lowest BDF first");
		is_str(res.devs[1].lease.bdf, "0000:06:00.0", "then its group neighbour");
	}
	pt_assign_result_free(&res);
	r = assign(&e, "vm4", "pair", 1, -1, false, &res);
	is_int(r, -ENOSPC, "the group is vm3's: nothing for vm4");
	r = assign(&e, "vm3", "pair", 1, -1, false, &res);
	is_int(r, -ENOSPC, "nor a second unit for vm3");
	pt_assign_result_free(&res);

	/* a MAC on something that is not a VF of a NIC: refused, no half lease */
	o = (struct pt_assign_opts){ .vm = "vm5", .pool = "net", .count = 1, .numa_node = -1,
				     .allow_remote = true, .mac = "02:11:22:33:44:55",
				     .vlan = 100, .state_dir = statedir };
	r = pt_assign(e.ctx, e.st, e.h, &o, &res);
	is_int(r, -ENOTSUP, "MAC/VLAN under a sysroot without rtnetlink: refused");
	ok(strstr(pt_ctx_error(e.ctx), "rtnl-getlink.bin") != NULL,
	   "saying rtnetlink is not available here: %s", pt_ctx_error(e.ctx));
	is_int(n_leases(e.st, "vm5"), 0, "and no lease is left behind");

	/* protected: the default-route NIC */
	r = assign(&e, "vm6", "uplink", 1, -1, false, &res);
	is_int(r, -ENOSPC, "the default-route NIC is not handed out");
	ok(strstr(pt_ctx_error(e.ctx), "default route") != NULL, "the host needs it: %s",
	   pt_ctx_error(e.ctx));
	env_close(&e);
}

static void test_ready_failure_and_release(void)
{
	struct pt_assign_result res;
	struct pt_released *rel = NULL;
	struct pt_release_opts ro = { .state_dir = statedir };
	struct pt_lease *l = NULL;
	struct pt_pool_usage *u = NULL;
	char buf[256];
	struct env e;
	size_t n = 0;
	int r;

	if (!ok(fresh_tree() == 0, "fresh copy") || env_open(&e) < 0) {
		ok(0, "environment opens");
		return;
	}
	/* quarantine: never handed out */
	is_int(pt_state_quarantine(e.st, "0000:18:02.0", "test"), 0, "quarantine 18:02.0");
	is_int(pt_state_quarantine(e.st, "0000:18:02.1", "test"), 0,
	       "quarantine 18:02.1 (on node 0 too: its PF's)");
	/* 18:02.3 is on iavf in the tree and cannot be probed there: readying fails */
	r = assign(&e, "vm1", "net", 2, 0, false, &res);
	is_int(r, -EIO, "readying 18:02.2 + 18:02.3 (iavf, no drivers_probe) fails");
	ok(strstr(pt_ctx_error(e.ctx), "rolled back") != NULL, "and is rolled back: %s",
	   pt_ctx_error(e.ctx));
	is_int(n_leases(e.st, NULL), 0, "no half lease: both leases given back");
	read_file("/sys/bus/pci/devices/0000:18:02.2/driver_override", buf, sizeof(buf));
	is_str(buf, "", "18:02.2's driver_override cleared again by the rollback");
	read_file("/sys/bus/pci/devices/0000:18:02.3/driver_override", buf, sizeof(buf));
	is_str(buf, "", "18:02.3's too");

	r = assign(&e, "vm1", "net", 1, 0, false, &res);
	is_int(r, 0, "one device: 18:02.2 (02.0 is quarantined)");
	if (r == 0 && res.n == 1)
		is_str(res.devs[0].lease.bdf, "0000:18:02.2", "18:02.2");
	pt_assign_result_free(&res);

	/* release: reset written, policy restore skipped (no rtnetlink here), back to free */
	r = pt_release(e.ctx, e.st, e.h, "vm1", NULL, &ro, &rel, &n);
	is_int(r, 0, "release vm1");
	if (n == 1) {
		is_str(rel[0].lease.bdf, "0000:18:02.2", "released 18:02.2");
		ok(rel[0].reset_ok, "reset: %s", rel[0].reset);
		ok(strstr(rel[0].reset, "flr") != NULL, "by the kernel's reset_method (flr)");
		is_int(rel[0].policy, -2, "VF policy skipped without rtnetlink: %s", rel[0].policy_msg);
		ok(!rel[0].quarantined, "not quarantined");
	}
	free(rel);
	read_file("/sys/bus/pci/devices/0000:18:02.2/reset", buf, sizeof(buf));
	is_str(buf, "1", "1 was written to its reset attribute");
	read_file("/sys/bus/pci/devices/0000:18:02.2/driver_override", buf, sizeof(buf));
	is_str(buf, "vfio-pci", "and it stays on vfio-pci");
	is_int(n_leases(e.st, NULL), 0, "no lease left");
	if (pt_state_pools(e.st, &u, &n) == 0) {
		unsigned fr = 0, q = 0;

		for (size_t i = 0; i < n; i++)
			if (strcmp(u[i].pool, "net") == 0 && u[i].numa_node == 0)
				fr = u[i].free, q = u[i].quarantined;
		is_int(fr, 2, "net node 0: 18:02.2 free again (and 02.3)");
		is_int(q, 2, "net node 0: two quarantined");
	}
	free(u);

	/* release errors */
	r = pt_release(e.ctx, e.st, e.h, "vm1", "0000:18:02.2", &ro, &rel, &n);
	is_int(r, -ENOENT, "releasing a device that is not leased: -ENOENT");
	free(rel);
	r = pt_release(e.ctx, e.st, e.h, "nobody", NULL, &ro, &rel, &n);
	ok(r == 0 && n == 0, "releasing a VM without leases: nothing to do");
	free(rel);
	env_close(&e);

	/* a failed reset quarantines: PASSTHRU_FAIL_WRITE is read when the context starts */
	setenv("PASSTHRU_FAIL_WRITE", "0000:18:02.2/reset", 1);
	if (env_open(&e) < 0) {
		ok(0, "environment with an injected reset failure");
		unsetenv("PASSTHRU_FAIL_WRITE");
		return;
	}
	unsetenv("PASSTHRU_FAIL_WRITE");
	r = assign(&e, "vm2", "net", 1, 0, false, &res);
	is_int(r, 0, "assign vm2");
	pt_assign_result_free(&res);
	r = pt_release(e.ctx, e.st, e.h, "vm2", NULL, &ro, &rel, &n);
	is_int(r, 1, "release reports a quarantine");
	if (n == 1) {
		ok(!rel[0].reset_ok, "the reset failed: %s", rel[0].reset);
		ok(rel[0].quarantined, "18:02.2 quarantined: %s", rel[0].why);
	}
	free(rel);
	r = assign(&e, "vm3", "net", 1, 0, false, &res);
	is_int(r, -EIO, "a quarantined device is never handed out (the next pick, 02.3, fails)");
	is_int(pt_state_quarantine(e.st, "0000:18:02.3", "on iavf"), 0, "quarantine 02.3 too");
	r = assign(&e, "vm3", "net", 1, 0, false, &res);
	is_int(r, -ENOSPC, "nothing left on node 0");
	is_int(pt_state_unquarantine(e.st, "0000:18:02.2"), 0, "until 02.2 is unquarantined");
	r = assign(&e, "vm3", "net", 1, 0, false, &res);
	is_int(r, 0, "then it is handed out");
	if (r == 0 && res.n == 1)
		is_str(res.devs[0].lease.bdf, "0000:18:02.2", "18:02.2 again");
	pt_assign_result_free(&res);
	env_close(&e);

	/* a device without a reset method: quarantined, saying so */
	sh("rm -f '%s/sys/bus/pci/devices/0000:18:02.2/reset' "
	   "'%s/sys/bus/pci/devices/0000:18:02.2/reset_method'", root, root);
	if (env_open(&e) < 0) {
		ok(0, "environment");
		return;
	}
	r = pt_release(e.ctx, e.st, e.h, "vm3", NULL, &ro, &rel, &n);
	is_int(r, 1, "release of a device without reset method: quarantined");
	if (n == 1)
		ok(strstr(rel[0].reset, "no reset method") != NULL, "saying so: %s", rel[0].reset);
	free(rel);
	if (pt_state_leases(e.st, NULL, &l, &n) == 0)
		is_int(n, 0, "the lease ended all the same");
	free(l);

	/* dry run: chosen, given back, nothing written */
	{
		struct pt_assign_opts o = { .vm = "vm9", .pool = "pair", .count = 1, .numa_node = -1,
					    .dry_run = true, .state_dir = statedir };
		unsigned long w = pt_ctx_write_count(e.ctx);

		r = pt_assign(e.ctx, e.st, e.h, &o, &res);
		is_int(r, 0, "dry run");
		is_int(res.n, 2, "dry run names the unit's two functions");
		is_int(n_leases(e.st, "vm9"), 0, "and keeps no lease");
		is_int(pt_ctx_write_count(e.ctx) - w, 0, "and writes nothing to the kernel");
		pt_assign_result_free(&res);
	}
	env_close(&e);
}

/* a VM still running: its QEMU holds the group open; release leaves the device alone */
static void test_in_use(void)
{
	struct pt_release_opts ro = { .state_dir = statedir };
	struct pt_assign_result res;
	struct pt_released *rel = NULL;
	struct env e;
	size_t n = 0;
	int r;

	if (!ok(fresh_tree() == 0, "fresh copy") || env_open(&e) < 0) {
		ok(0, "environment opens");
		return;
	}
	r = assign(&e, "vm1", "net", 1, -1, false, &res);
	is_int(r, 0, "assign vm1 a VF");
	if (r == 0 && res.n == 1)
		sh("mkdir -p '%s/proc/4242/fd' && echo qemu-system-x86 >'%s/proc/4242/comm' && "
		   "ln -s /dev/null '%s/proc/4242/fd/0' && ln -s /dev/vfio/%d '%s/proc/4242/fd/17'",
		   root, root, root, res.devs[0].lease.iommu_group, root);
	pt_assign_result_free(&res);
	r = pt_release(e.ctx, e.st, e.h, "vm1", NULL, &ro, &rel, &n);
	is_int(r, 1, "release while a process holds /dev/vfio/<group>: reported");
	if (n == 1) {
		ok(rel[0].in_use, "in use: %s", rel[0].why);
		is_int(rel[0].holder_pid, 4242, "by pid 4242");
		ok(strstr(rel[0].why, "qemu-system-x86") != NULL, "named by its comm");
		ok(!rel[0].quarantined, "not quarantined");
	}
	free(rel);
	is_int(n_leases(e.st, "vm1"), 1, "the lease stays");
	ro.force = true;
	r = pt_release(e.ctx, e.st, e.h, "vm1", NULL, &ro, &rel, &n);
	is_int(r, 0, "--force releases it anyway");
	free(rel);
	is_int(n_leases(e.st, "vm1"), 0, "lease ended");
	env_close(&e);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test-assign FIXTURES_DIR\n");
		return 2;
	}
	fixtures = argv[1];
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 2;
	}
	test_pure();
	test_assign();
	test_ready_failure_and_release();
	test_in_use();
	sh("rm -rf '%s'", tmp);
	return done_testing();
}
