// SPDX-License-Identifier: MIT
/*
 * Every profile in docs/examples/ against the fixture hosts: it parses; each selector,
 * wherever it resolves, picks a device of the role it has in the file (an sriov PF or
 * vfs_of member is an SR-IOV PF; passthrough devices and pool devices are endpoints,
 * not bridges); the selectors the comments describe pick those devices on the named
 * fixture (expect[] below); and every kernel parameter it requires or forbids is one
 * the kernel documents, with a documented value (kparams[] below, from
 * Documentation/admin-guide/kernel-parameters.txt).
 * Usage: test-examples FIXTURES_DIR (PASSTHRU_TOP_SRCDIR for the sources).
 */
#include "passthru/passthru.h"
#include "passthru/profile.h"
#include "tap.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>

/* Documented values of the parameters the examples use; NULL value list: a flag. */
static const struct {
	const char *key;
	const char *values[16]; /* "" = any value; "ids" = vendor:device[,...] */
} kparams[] = {
	{ "intel_iommu", { "on", "off", "igfx_off", "forcedac", "strict", "sp_off", "sm_on",
			   "sm_off", "tboot_noforce", NULL } },
	/* amd_iommu has no "on": the AMD IOMMU is used when the firmware describes one */
	{ "amd_iommu", { "fullflush", "off", "force_isolation", "force_enable", "pgtbl_v1",
			 "pgtbl_v2", "irtcachedis", "nohugepages", "v2_pgsizes_only", NULL } },
	{ "iommu", { "off", "force", "noforce", "biomerge", "panic", "nopanic", "merge",
		     "nomerge", "soft", "pt", "nopt", "memaper", "allowed", "nodac", "usedac",
		     NULL } },
	{ "iommu.passthrough", { "0", "1", NULL } },
	{ "iommu.strict", { "0", "1", NULL } },
	{ "intremap", { "on", "off", "nosid", "no_x2apic_optout", "nopost", NULL } },
	{ "vfio-pci.ids", { "ids", NULL } },
	{ "vfio_iommu_type1.allow_unsafe_interrupts", { "0", "1", NULL } },
	{ "nomodeset", { NULL } },
	{ "default_hugepagesz", { "2M", "1G", NULL } },
	{ "hugepagesz", { "2M", "1G", NULL } },
	{ "hugepages", { "", NULL } },
	{ "isolcpus", { "", NULL } },
	{ "nohz_full", { "", NULL } },
};

/* What the comments say a selector picks, on a fixture. */
static const struct {
	const char *file, *fixture, *what, *bdf;
} expect[] = {
	/* "one SR-IOV capable NVMe controller is split into virtual functions": on the lab
	 * the SR-IOV controller is 41:00.0; 00:05.0 is a plain one with the same ID */
	{ "nvme-passthrough.yaml", "lab-default", "sriov[0].pf", "0000:41:00.0" },
	{ "nvme-passthrough.yaml", "lab-default", "pools.nvme-vf[0]", "0000:41:00.0" },
	/* "the GPU's HDMI audio function" */
	{ "gpu-host.yaml", "dual-socket", "devices[2].match", "0000:81:00.1" },
	{ "gpu-host.yaml", "dual-socket", "passthrough[2].device", "0000:81:00.1" },
};

static bool ids_ok(const char *v)
{
	/* vendor:device[:subvendor:subdevice[:class:class_mask]], comma separated */
	while (*v) {
		int fields = 0;

		for (;;) {
			int n = 0;

			while (isxdigit((unsigned char)v[n]))
				n++;
			if (n < 1 || n > 8)
				return false;
			v += n;
			fields++;
			if (*v != ':')
				break;
			v++;
		}
		if (fields < 2 || fields > 6)
			return false;
		if (*v == ',')
			v++;
		else if (*v)
			return false;
	}
	return true;
}

/* NULL when documented, else why not. */
static const char *kparam_why(const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t klen = eq ? (size_t)(eq - entry) : strlen(entry);

	for (size_t i = 0; i < sizeof(kparams) / sizeof(kparams[0]); i++) {
		if (strlen(kparams[i].key) != klen || strncmp(kparams[i].key, entry, klen))
			continue;
		if (!kparams[i].values[0])
			return eq ? "a flag given a value" : NULL;
		if (!eq)
			return NULL; /* "key" alone: the parameter present, any value */
		for (const char *const *v = kparams[i].values; *v; v++) {
			if (!**v || (strcmp(*v, "ids") == 0 && ids_ok(eq + 1)))
				return NULL;
			/* comma lists: each item documented (intel_iommu=on,sm_on) */
			char buf[256], *save = NULL, *tok;
			bool all = true;

			snprintf(buf, sizeof(buf), "%s", eq + 1);
			for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				bool found = false;

				for (const char *const *w = kparams[i].values; *w; w++)
					found |= strcmp(*w, tok) == 0;
				all &= found;
			}
			if (all)
				return NULL;
		}
		return "not a value the kernel documents for it";
	}
	return "not a parameter the test knows the kernel documents (add it to kparams[])";
}

static struct pt_host *scan(const char *root)
{
	struct pt_ctx *ctx = NULL;
	struct pt_host *h = NULL;

	if (pt_ctx_new(&ctx, root) < 0)
		return NULL;
	if (pt_host_scan(ctx, &h) < 0)
		h = NULL;
	pt_ctx_free(ctx);
	return h;
}

enum role { ROLE_PF, ROLE_ENDPOINT };

struct sel {
	char what[96];
	const struct pt_match *m;
	enum role role;
};

static size_t selectors(const struct pt_profile *p, struct sel *s, size_t max)
{
	size_t n = 0;

#define ADD(m_, role_, ...) do { if (n < max) { snprintf(s[n].what, sizeof(s[n].what), __VA_ARGS__); \
	s[n].m = (m_); s[n].role = (role_); n++; } } while (0)
	for (size_t i = 0; i < p->n_devices; i++)
		ADD(&p->devices[i].match, ROLE_ENDPOINT, "devices[%zu].match", i);
	for (size_t i = 0; i < p->cfg.n_sriov; i++)
		ADD(&p->cfg.sriov[i].pf, ROLE_PF, "sriov[%zu].pf", i);
	for (size_t i = 0; i < p->cfg.n_passthrough; i++)
		ADD(&p->cfg.passthrough[i].device, ROLE_ENDPOINT, "passthrough[%zu].device", i);
	for (size_t i = 0; i < p->cfg.n_pools; i++)
		for (size_t k = 0; k < p->cfg.pools[i].n_members; k++)
			ADD(&p->cfg.pools[i].members[k],
			    p->cfg.pools[i].kind == PT_POOL_VFS ? ROLE_PF : ROLE_ENDPOINT,
			    "pools.%s[%zu]", p->cfg.pools[i].name, k);
#undef ADD
	return n;
}

int main(int argc, char **argv)
{
	static const char *fixtures[] = { "lab-default", "dual-socket", "messy", "noiommu", "large" };
	const char *top = getenv("PASSTHRU_TOP_SRCDIR");
	struct pt_host *hosts[5] = { 0 };
	char dir[4096], path[8192];
	struct dirent *de;
	int files = 0;
	DIR *d;

	if (argc < 2) {
		printf("not ok 1 - usage: test-examples FIXTURES_DIR\n1..1\n");
		return 1;
	}
	for (size_t f = 0; f < 5; f++) {
		if (f == 0)
			snprintf(path, sizeof(path), "%s/tests/data/lab-default/root", top ? top : ".");
		else
			snprintf(path, sizeof(path), "%s/%s", argv[1], fixtures[f]);
		hosts[f] = scan(path);
		ok(hosts[f] != NULL, "fixture %s scans", fixtures[f]);
	}
	snprintf(dir, sizeof(dir), "%s/docs/examples", top ? top : ".");
	d = opendir(dir);
	if (!ok(d != NULL, "docs/examples exists"))
		return done_testing();
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name), n;
		struct pt_profile p;
		struct pt_cfg_error e;
		struct sel sels[256];
		char buf[64];

		if (l < 5 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!ok(pt_profile_load(path, &p, &e) == 0, "%s parses", de->d_name)) {
			printf("#   %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
			continue;
		}
		/* kernel parameters */
		for (int pass = 0; pass < 2; pass++) {
			char **v = pass ? p.cmdline_forbid : p.cmdline_require;
			size_t nv = pass ? p.n_cmdline_forbid : p.n_cmdline_require;

			for (size_t i = 0; i < nv; i++) {
				const char *why = kparam_why(v[i]);

				if (!ok(!why, "%s: kernel.cmdline.%s '%s' is documented", de->d_name,
					pass ? "forbid" : "require", v[i]))
					printf("#   %s\n", why);
			}
		}
		/* roles, on every fixture where a selector resolves */
		n = selectors(&p, sels, 256);
		for (size_t i = 0; i < n; i++) {
			int resolved = 0, wrong = 0;

			for (size_t f = 0; f < 5; f++) {
				const struct pt_device *dev;
				if (!hosts[f] || !(dev = pt_match_find(hosts[f], sels[i].m)))
					continue;
				resolved++;
				if (sels[i].role == ROLE_PF ? dev->kind != PT_KIND_PF || dev->sriov_totalvfs <= 0
							    : pt_class_is_bridge(dev->class_code)) {
					wrong++;
					printf("#   %s: %s (%s) on %s is %s\n", de->d_name, sels[i].what,
					       pt_match_str(sels[i].m, buf, sizeof(buf)), fixtures[f],
					       sels[i].role == ROLE_PF ? "not an SR-IOV PF" : "a bridge");
				}
			}
			ok(!wrong, "%s: %s (%s) picks %s wherever it resolves (%d fixtures)", de->d_name,
			   sels[i].what, pt_match_str(sels[i].m, buf, sizeof(buf)),
			   sels[i].role == ROLE_PF ? "an SR-IOV PF" : "an endpoint", resolved);
		}
		/* what the comments say */
		for (size_t k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
			const struct pt_device *dev = NULL;
			size_t f = 0;
			char why[256] = "";

			if (strcmp(expect[k].file, de->d_name))
				continue;
			while (f < 5 && strcmp(fixtures[f], expect[k].fixture))
				f++;
			for (size_t i = 0; i < n && f < 5 && hosts[f]; i++)
				if (strcmp(sels[i].what, expect[k].what) == 0)
					if (!(dev = pt_match_find(hosts[f], sels[i].m)))
						pt_match_absent_str(hosts[f], sels[i].m, why, sizeof(why));
			if (!ok(dev && strcmp(dev->name, expect[k].bdf) == 0, "%s: %s on %s is %s",
				de->d_name, expect[k].what, expect[k].fixture, expect[k].bdf))
				printf("#   it is %s %s\n", dev ? dev->name : "nothing", why);
		}
		pt_profile_free(&p);
	}
	closedir(d);
	ok(files >= 4, "at least four examples (%d)", files);
	for (size_t f = 0; f < 5; f++)
		pt_host_free(hosts[f]);
	return done_testing();
}
