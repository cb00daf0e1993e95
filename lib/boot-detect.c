// SPDX-License-Identifier: MIT
/*
 * What `passthru boot` plans on (include/passthru/boot.h): how this host boots, how
 * vfio-pci and the devices' host drivers are built, what the initramfs holds, which
 * IOMMU the platform has, and the files passthru wrote before. Everything read through
 * the sysroot seam; the initramfs listing comes from lsinitramfs through the run seam
 * (pt_boot_exec), which never runs a command on a sysroot other than "/" unless a test
 * substitutes the program (PASSTHRU_BOOT_RUN).
 *
 * Owns: the pure parsers of those files (fuzzed), the gatherer, the run seam.
 * Never: writes, plans, prints.
 */
#include "internal.h"
#include "passthru/boot.h"
#include "passthru/oneshot.h"
#include "passthru/parse.h"
#include "passthru/sriov-predict.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *pt_boot_loader_str(enum pt_boot_loader l)
{
	static const char *const n[] = { "unknown", "grub", "grubby", "kernelstub", "systemd-boot" };

	return (unsigned)l < sizeof(n) / sizeof(n[0]) ? n[l] : "unknown";
}

int pt_boot_loader_parse(const char *s)
{
	for (int i = PT_LOADER_GRUB; i <= PT_LOADER_SDBOOT; i++)
		if (!strcmp(s, pt_boot_loader_str(i)))
			return i;
	return -1;
}

const char *pt_boot_build_str(enum pt_boot_build b)
{
	static const char *const n[] = { "unknown", "absent", "module", "built-in" };

	return (unsigned)b < sizeof(n) / sizeof(n[0]) ? n[b] : "unknown";
}

/* ---- pure parsers ------------------------------------------------------------------- */

/* The next line of buf[*pos..len): its start and length (without the newline). */
static bool next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *llen)
{
	const char *nl;

	if (*pos >= len)
		return false;
	*line = buf + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*llen = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += *llen + 1;
	return true;
}

static void copy_trimmed(const char *s, size_t n, char *out, size_t outlen)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '\0'))
		n--;
	if (!outlen)
		return;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (out[i] == '\0' || out[i] == '\r')
			out[i] = ' ';
}

int pt_kconfig_get(const char *buf, size_t len, const char *sym, char *out, size_t outlen)
{
	size_t pos = 0, slen = strlen(sym), ll;
	const char *l;
	int found = 0;

	if (outlen)
		out[0] = '\0';
	while (next_line(buf, len, &pos, &l, &ll)) {
		if (ll > 7 + slen && !memcmp(l, "CONFIG_", 7) && !memcmp(l + 7, sym, slen) &&
		    l[7 + slen] == '=') {
			copy_trimmed(l + 8 + slen, ll - 8 - slen, out, outlen);
			found = 1;
		} else if (ll > 9 + slen && !memcmp(l, "# CONFIG_", 9) && !memcmp(l + 9, sym, slen) &&
			   l[9 + slen] == ' ') {
			found = 0;
			if (outlen)
				out[0] = '\0';
		}
	}
	return found;
}

int pt_bls_field(const char *buf, size_t len, const char *key, char *out, size_t outlen)
{
	size_t pos = 0, klen = strlen(key), ll;
	const char *l;
	int found = 0;

	if (outlen)
		out[0] = '\0';
	while (next_line(buf, len, &pos, &l, &ll)) {
		while (ll && (*l == ' ' || *l == '\t')) {
			l++;
			ll--;
		}
		if (ll > klen && !memcmp(l, key, klen) && (l[klen] == ' ' || l[klen] == '\t')) {
			copy_trimmed(l + klen, ll - klen, out, outlen);
			found = 1;
		} else if (ll == klen && !memcmp(l, key, klen)) {
			if (outlen)
				out[0] = '\0';
			found = 1;
		}
	}
	return found;
}

/* JSON: skips white space; returns the position of the next token or len. */
static size_t js_ws(const char *b, size_t len, size_t i)
{
	while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
		i++;
	return i;
}

/* A JSON string at b[i] == '"': its end (past the closing quote), the text unescaped
 * into out (\uXXXX kept as '?'); 0 when malformed. */
static size_t js_string(const char *b, size_t len, size_t i, char *out, size_t outlen)
{
	size_t o = 0;

	if (i >= len || b[i] != '"')
		return 0;
	for (i++; i < len; i++) {
		char c = b[i];

		if (c == '"') {
			if (outlen)
				out[o < outlen ? o : outlen - 1] = '\0';
			return i + 1;
		}
		if ((unsigned char)c < 0x20)
			return 0;
		if (c == '\\') {
			if (++i >= len)
				return 0;
			switch (b[i]) {
			case 'n': c = ' '; break;
			case 't': c = ' '; break;
			case 'u':
				if (i + 4 >= len)
					return 0;
				i += 4;
				c = '?';
				break;
			default: c = b[i];
			}
		}
		if (o + 1 < outlen)
			out[o++] = c;
	}
	return 0;
}

/* Skips one JSON value at b[i]; returns the position past it, 0 when malformed. */
static size_t js_skip(const char *b, size_t len, size_t i, int depth)
{
	char tmp[8];

	i = js_ws(b, len, i);
	if (i >= len || depth > 32)
		return 0;
	if (b[i] == '"')
		return js_string(b, len, i, tmp, sizeof(tmp));
	if (b[i] == '{' || b[i] == '[') {
		char close = b[i] == '{' ? '}' : ']';

		i = js_ws(b, len, i + 1);
		if (i < len && b[i] == close)
			return i + 1;
		for (;;) {
			if (close == '}') {
				i = js_string(b, len, js_ws(b, len, i), tmp, sizeof(tmp));
				if (!i)
					return 0;
				i = js_ws(b, len, i);
				if (i >= len || b[i] != ':')
					return 0;
				i++;
			}
			i = js_skip(b, len, i, depth + 1);
			if (!i)
				return 0;
			i = js_ws(b, len, i);
			if (i < len && b[i] == ',') {
				i++;
				continue;
			}
			return i < len && b[i] == close ? i + 1 : 0;
		}
	}
	while (i < len && (isalnum((unsigned char)b[i]) || b[i] == '-' || b[i] == '+' || b[i] == '.'))
		i++;
	return i;
}

/* In the object at b[i] == '{': the position of key's value, or 0. */
static size_t js_member(const char *b, size_t len, size_t i, const char *key)
{
	char k[64];

	i = js_ws(b, len, i);
	if (i >= len || b[i] != '{')
		return 0;
	i = js_ws(b, len, i + 1);
	if (i < len && b[i] == '}')
		return 0;
	for (;;) {
		i = js_string(b, len, js_ws(b, len, i), k, sizeof(k));
		if (!i)
			return 0;
		i = js_ws(b, len, i);
		if (i >= len || b[i] != ':')
			return 0;
		i = js_ws(b, len, i + 1);
		if (!strcmp(k, key))
			return i;
		i = js_skip(b, len, i, 1);
		if (!i)
			return 0;
		i = js_ws(b, len, i);
		if (i < len && b[i] == ',') {
			i++;
			continue;
		}
		return 0;
	}
}

int pt_kernelstub_options(const char *buf, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	char s[256];

	if (outlen)
		out[0] = '\0';
	i = js_ws(buf, len, 0);
	if (i >= len || buf[i] != '{' || !js_skip(buf, len, i, 0))
		return -EINVAL;
	i = js_member(buf, len, i, "user");
	if (!i)
		return 0;
	i = js_member(buf, len, i, "kernel_options");
	if (!i)
		return 0;
	if (buf[i] != '[')
		return -EINVAL;
	i = js_ws(buf, len, i + 1);
	if (i < len && buf[i] == ']')
		return 1;
	for (;;) {
		i = js_string(buf, len, js_ws(buf, len, i), s, sizeof(s));
		if (!i)
			return -EINVAL;
		if (s[0] && o + strlen(s) + 2 < outlen)
			o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? " " : "", s);
		i = js_ws(buf, len, i);
		if (i < len && buf[i] == ',') {
			i++;
			continue;
		}
		return i < len && buf[i] == ']' ? 1 : -EINVAL;
	}
}

int pt_initramfs_has(const char *buf, size_t len, const char *what)
{
	size_t pos = 0, wl = strlen(what), ll;
	const char *l;

	if (!strchr(what, '/'))
		return pt_modules_list_has(buf, len, what);
	while (next_line(buf, len, &pos, &l, &ll)) {
		while (ll && (l[ll - 1] == '\r' || l[ll - 1] == ' '))
			ll--;
		if (ll >= wl && !memcmp(l + ll - wl, what, wl) && (ll == wl || l[ll - wl - 1] == '/'))
			return 1;
	}
	return 0;
}

/* ---- the run seam ------------------------------------------------------------------- */

int pt_boot_exec(struct pt_ctx *ctx, const char *const argv[], char **out, size_t *outlen)
{
	const char *subst = getenv("PASSTHRU_BOOT_RUN");
	const char *args[PT_BOOT_ARGV_MAX + 3];
	size_t n = 0, cap = 0, got = 0;
	char *buf = NULL;
	int fds[2], status, e = 0;
	pid_t pid;

	if (out)
		*out = NULL;
	if (outlen)
		*outlen = 0;
	if (subst && *subst)
		args[n++] = subst;
	else if (ctx->sysroot[0])
		return pt_err(ctx, -EPERM, "%s: not run on the sysroot %s (passthru runs commands "
			      "only on the running host)", argv[0], ctx->sysroot);
	for (size_t i = 0; argv[i] && n < PT_BOOT_ARGV_MAX + 2; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return pt_err(ctx, -errno, "%s: %s", argv[0], strerror(errno));
	pid = fork();
	if (pid < 0) {
		e = -errno;
		close(fds[0]);
		close(fds[1]);
		return pt_err(ctx, e, "%s: %s", argv[0], strerror(-e));
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(fds[1], 1);
		execvp(args[0], (char *const *)args);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t r;

		if (got == cap) {
			char *nb;

			if (cap >= (16u << 20)) {
				/* bounded: the rest is drained and dropped */
				char sink[4096];

				if (read(fds[0], sink, sizeof(sink)) > 0)
					continue;
				break;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				e = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(fds[0], buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (e < 0) {
		free(buf);
		return pt_err(ctx, e, "%s: out of memory", argv[0]);
	}
	if (buf)
		buf[got] = '\0';
	if (out)
		*out = buf;
	else
		free(buf);
	if (outlen)
		*outlen = got;
	if (WIFSIGNALED(status))
		return pt_err(ctx, -EINTR, "%s: killed by signal %d", argv[0], WTERMSIG(status));
	if (WEXITSTATUS(status) == 127)
		pt_err(ctx, -ENOENT, "%s: could not be run (not installed?)", argv[0]);
	return WEXITSTATUS(status);
}

/* ---- the gatherer ------------------------------------------------------------------- */

static char *read_opt(struct pt_ctx *ctx, const char *rel)
{
	char *buf = NULL;

	if (pt_read_file(ctx, &buf, NULL, 1u << 20, "%s", rel) < 0)
		return NULL;
	return buf;
}

static bool any_exists(struct pt_ctx *ctx, const char *const *paths, const char **which)
{
	for (; *paths; paths++)
		if (pt_exists(ctx, "%s", *paths) > 0) {
			if (which)
				*which = *paths;
			return true;
		}
	return false;
}

static void read_vendor(struct pt_ctx *ctx, struct pt_boot_facts *f)
{
	char *buf = NULL;
	size_t len = 0;

	if (pt_read_file(ctx, &buf, &len, 65536, "/proc/cpuinfo") == 0) {
		if (strstr(buf, "GenuineIntel"))
			pt_strlcpy(f->cpu_vendor, "intel", sizeof(f->cpu_vendor));
		else if (strstr(buf, "AuthenticAMD") || strstr(buf, "HygonGenuine"))
			pt_strlcpy(f->cpu_vendor, "amd", sizeof(f->cpu_vendor));
		free(buf);
	}
	/* the platform's IOMMU is the firmware's table, whatever the CPU */
	if (pt_exists(ctx, "/sys/firmware/acpi/tables/DMAR") > 0) {
		pt_strlcpy(f->iommu_vendor, "intel", sizeof(f->iommu_vendor));
		snprintf(f->iommu_evidence, sizeof(f->iommu_evidence),
			 "the firmware has an ACPI DMAR table (Intel VT-d)");
	} else if (pt_exists(ctx, "/sys/firmware/acpi/tables/IVRS") > 0) {
		pt_strlcpy(f->iommu_vendor, "amd", sizeof(f->iommu_vendor));
		snprintf(f->iommu_evidence, sizeof(f->iommu_evidence),
			 "the firmware has an ACPI IVRS table (AMD-Vi)");
	} else if (f->cpu_vendor[0]) {
		pt_strlcpy(f->iommu_vendor, f->cpu_vendor, sizeof(f->iommu_vendor));
		snprintf(f->iommu_evidence, sizeof(f->iommu_evidence),
			 "no ACPI DMAR or IVRS table readable; the CPU is %s (/proc/cpuinfo)",
			 !strcmp(f->cpu_vendor, "intel") ? "Intel" : "AMD");
	} else {
		snprintf(f->iommu_evidence, sizeof(f->iommu_evidence),
			 "no ACPI DMAR or IVRS table and no CPU vendor in /proc/cpuinfo");
	}
}

/* The parameters of the running kernel's BLS entry (or of the first one). */
static void read_bls(struct pt_ctx *ctx, struct pt_boot_facts *f)
{
	DIR *d = pt_opendir(ctx, "/boot/loader/entries");
	struct dirent *e;
	char opts[4096], ver[128];
	bool have = false;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char *buf = NULL;
		size_t len = 0;
		bool mine;

		if (l < 6 || strcmp(e->d_name + l - 5, ".conf"))
			continue;
		if (pt_read_file(ctx, &buf, &len, 65536, "/boot/loader/entries/%s", e->d_name) < 0)
			continue;
		pt_bls_field(buf, len, "version", ver, sizeof(ver));
		mine = f->kernel_release[0] && (!strcmp(ver, f->kernel_release) ||
						strstr(e->d_name, f->kernel_release));
		if ((mine || !have) && pt_bls_field(buf, len, "options", opts, sizeof(opts))) {
			free(f->configured);
			f->configured = strdup(opts);
			snprintf(f->configured_source, sizeof(f->configured_source),
				 "/boot/loader/entries/%.100s", e->d_name);
			have = true;
		}
		free(buf);
		if (mine)
			break;
	}
	closedir(d);
}

/* The first "linux" line of the generated grub.cfg: what GRUB boots now. */
static void read_grub_cfg(struct pt_ctx *ctx, struct pt_boot_facts *f)
{
	char *buf = NULL, *p;
	size_t len = 0;

	if (pt_read_file(ctx, &buf, &len, 8u << 20, "/boot/grub/grub.cfg") < 0)
		return;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char *q = p, *end;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "linux", 5) || (q[5] != ' ' && q[5] != '\t'))
			continue;
		end = strchr(q, '\n');
		if (end)
			*end = '\0';
		free(f->configured);
		f->configured = strdup(q + 6);
		snprintf(f->configured_source, sizeof(f->configured_source),
			 "/boot/grub/grub.cfg (first linux line)");
		break;
	}
	free(buf);
}

static void detect_loader(struct pt_ctx *ctx, const struct pt_boot_config *b, struct pt_boot_facts *f)
{
	static const char *const grubby[] = { "/usr/sbin/grubby", "/sbin/grubby", "/usr/bin/grubby", NULL };
	static const char *const update_grub[] = { "/usr/sbin/update-grub", "/sbin/update-grub", NULL };
	static const char *const sdboot[] = { "/boot/efi/loader/loader.conf", "/efi/loader/loader.conf",
					      "/boot/loader/loader.conf", NULL };
	const char *which = NULL;
	bool bls = false;
	DIR *d = pt_opendir(ctx, "/boot/loader/entries");

	if (d) {
		struct dirent *e;

		while ((e = readdir(d)))
			if (strlen(e->d_name) > 5 && !strcmp(e->d_name + strlen(e->d_name) - 5, ".conf"))
				bls = true;
		closedir(d);
	}
	if (b->loader) {
		f->loader = b->loader;
		snprintf(f->loader_evidence, sizeof(f->loader_evidence),
			 "boot.loader says %s", pt_boot_loader_str(f->loader));
	} else if (pt_exists(ctx, "/etc/kernelstub/configuration") > 0) {
		f->loader = PT_LOADER_KERNELSTUB;
		snprintf(f->loader_evidence, sizeof(f->loader_evidence),
			 "/etc/kernelstub/configuration exists");
	} else if (bls && any_exists(ctx, grubby, &which)) {
		f->loader = PT_LOADER_GRUBBY;
		snprintf(f->loader_evidence, sizeof(f->loader_evidence),
			 "BLS entries in /boot/loader/entries and %s", which);
	} else if (pt_exists(ctx, "/etc/kernel/cmdline") > 0 || any_exists(ctx, sdboot, &which)) {
		f->loader = PT_LOADER_SDBOOT;
		snprintf(f->loader_evidence, sizeof(f->loader_evidence), "%s exists",
			 which ? which : "/etc/kernel/cmdline");
	} else if (pt_exists(ctx, "/etc/default/grub") > 0 && any_exists(ctx, update_grub, &which)) {
		f->loader = PT_LOADER_GRUB;
		snprintf(f->loader_evidence, sizeof(f->loader_evidence),
			 "/etc/default/grub and %s exist", which);
	} else {
		f->loader = PT_LOADER_UNKNOWN;
		snprintf(f->loader_evidence, sizeof(f->loader_evidence),
			 "none of /etc/kernelstub/configuration, BLS entries with grubby, "
			 "/etc/kernel/cmdline or a systemd-boot loader.conf, /etc/default/grub with "
			 "update-grub");
	}
	switch (f->loader) {
	case PT_LOADER_GRUB:
		f->grub_dropin = read_opt(ctx, "/etc/default/grub.d/passthru.cfg");
		read_grub_cfg(ctx, f);
		break;
	case PT_LOADER_GRUBBY:
		read_bls(ctx, f);
		break;
	case PT_LOADER_KERNELSTUB: {
		char *buf = NULL, opts[4096];
		size_t len = 0;

		if (pt_read_file(ctx, &buf, &len, 1u << 20, "/etc/kernelstub/configuration") == 0 &&
		    pt_kernelstub_options(buf, len, opts, sizeof(opts)) > 0) {
			f->configured = strdup(opts);
			snprintf(f->configured_source, sizeof(f->configured_source),
				 "/etc/kernelstub/configuration (user.kernel_options)");
		}
		free(buf);
		break;
	}
	case PT_LOADER_SDBOOT:
		if (f->kernel_cmdline) {
			f->configured = strdup(f->kernel_cmdline);
			snprintf(f->configured_source, sizeof(f->configured_source), "/etc/kernel/cmdline");
		}
		break;
	default:
		break;
	}
}

static enum pt_boot_build module_build(const char *builtin, size_t blen, const char *dep,
				       size_t dlen, const char *mod)
{
	if (builtin && pt_modules_list_has(builtin, blen, mod))
		return PT_BUILD_BUILTIN;
	if (dep && pt_modules_list_has(dep, dlen, mod))
		return PT_BUILD_MODULE;
	return builtin && dep ? PT_BUILD_ABSENT : PT_BUILD_UNKNOWN;
}

static void detect_vfio(struct pt_ctx *ctx, struct pt_boot_facts *f, char **builtin, size_t *blen,
			char **dep, size_t *dlen)
{
	const char *v = f->kernel_release;
	char *cfg = NULL, val[8];
	size_t clen = 0;

	if (!v[0]) {
		snprintf(f->vfio_evidence, sizeof(f->vfio_evidence),
			 "the kernel release is unknown (/proc/sys/kernel/osrelease)");
		return;
	}
	pt_read_file(ctx, builtin, blen, 16u << 20, "/lib/modules/%s/modules.builtin", v);
	pt_read_file(ctx, dep, dlen, 64u << 20, "/lib/modules/%s/modules.dep", v);
	f->vfio_pci = module_build(*builtin, *blen, *dep, *dlen, "vfio-pci");
	if (f->vfio_pci == PT_BUILD_BUILTIN)
		snprintf(f->vfio_evidence, sizeof(f->vfio_evidence),
			 "/lib/modules/%.90s/modules.builtin lists vfio-pci", v);
	else if (f->vfio_pci == PT_BUILD_MODULE)
		snprintf(f->vfio_evidence, sizeof(f->vfio_evidence),
			 "/lib/modules/%.90s/modules.dep lists vfio-pci.ko", v);
	if (f->vfio_pci != PT_BUILD_UNKNOWN && f->vfio_pci != PT_BUILD_ABSENT)
		return;
	/* the kernel config says it when the module lists do not */
	if (pt_read_file(ctx, &cfg, &clen, 4u << 20, "/boot/config-%s", v) == 0) {
		if (pt_kconfig_get(cfg, clen, "VFIO_PCI", val, sizeof(val)) && !strcmp(val, "y"))
			f->vfio_pci = PT_BUILD_BUILTIN;
		else if (!strcmp(val, "m"))
			f->vfio_pci = PT_BUILD_MODULE;
		else
			f->vfio_pci = PT_BUILD_ABSENT;
		snprintf(f->vfio_evidence, sizeof(f->vfio_evidence), "/boot/config-%.90s: %s", v,
			 val[0] ? (val[0] == 'y' ? "CONFIG_VFIO_PCI=y" : "CONFIG_VFIO_PCI=m")
				: "CONFIG_VFIO_PCI is not set");
		free(cfg);
	} else if (f->vfio_pci == PT_BUILD_ABSENT) {
		snprintf(f->vfio_evidence, sizeof(f->vfio_evidence),
			 "neither modules.builtin nor modules.dep of %.90s lists vfio-pci", v);
	} else {
		snprintf(f->vfio_evidence, sizeof(f->vfio_evidence),
			 "none of modules.builtin, modules.dep, /boot/config-%.90s could be read", v);
	}
}

static void read_initramfs(struct pt_ctx *ctx, struct pt_boot_facts *f, char **list, size_t *llen)
{
	const char *argv[3] = { "lsinitramfs", f->initramfs_image, NULL };
	int r;

	f->initramfs_tools = pt_exists(ctx, "/etc/initramfs-tools") > 0;
	if (!f->kernel_release[0]) {
		snprintf(f->initramfs_why, sizeof(f->initramfs_why), "the kernel release is unknown");
		return;
	}
	snprintf(f->initramfs_image, sizeof(f->initramfs_image), "/boot/initrd.img-%.100s",
		 f->kernel_release);
	if (!f->initramfs_tools) {
		snprintf(f->initramfs_why, sizeof(f->initramfs_why),
			 "no /etc/initramfs-tools (passthru reads initramfs-tools images only)");
		return;
	}
	if (pt_exists(ctx, "%s", f->initramfs_image) <= 0) {
		snprintf(f->initramfs_why, sizeof(f->initramfs_why), "%s does not exist",
			 f->initramfs_image);
		return;
	}
	r = pt_boot_exec(ctx, argv, list, llen);
	if (r != 0) {
		snprintf(f->initramfs_why, sizeof(f->initramfs_why), "lsinitramfs %s: %s",
			 f->initramfs_image, r < 0 ? pt_ctx_error(ctx) : "failed");
		free(*list);
		*list = NULL;
		return;
	}
	f->initramfs_known = true;
	f->initramfs_has_vfio = pt_initramfs_has(*list, *llen, "vfio-pci") > 0;
	f->initramfs_has_conf = pt_initramfs_has(*list, *llen, "etc/modprobe.d/passthru-vfio.conf") > 0;
}

static int push_str(char ***v, size_t *n, const char *s)
{
	char *d = strdup(s);

	if (!d || PT_PUSH(*v, *n, d)) {
		free(d);
		return -ENOMEM;
	}
	return 0;
}

static bool named(const struct pt_boot_facts *f, const struct pt_device *d)
{
	char b[PT_BDF_STRLEN];

	pt_bdf_format(&d->bdf, b);
	for (size_t i = 0; i < f->n_devs; i++)
		if (!strcmp(f->devs[i].bdf, b))
			return true;
	return false;
}

static int resolve_devices(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_boot_config *b,
			   struct pt_boot_facts *f, const char *builtin, size_t blen,
			   const char *dep, size_t dlen, const char *list, size_t llen)
{
	for (size_t i = 0; i < b->n_vfio; i++) {
		struct pt_boot_devfacts df = { 0 };
		char why[256], msg[400];
		const struct pt_device *d = pt_match_resolve(h, &b->vfio[i], why, sizeof(why));

		pt_match_str(&b->vfio[i], df.selector, sizeof(df.selector));
		if (!d) {
			snprintf(msg, sizeof(msg), "boot.vfio[%zu] (%s): %s", i, df.selector, why);
			if (push_str(&f->unresolved, &f->n_unresolved, msg))
				return -ENOMEM;
			continue;
		}
		pt_bdf_format(&d->bdf, df.bdf);
		df.vendor = d->vendor_id;
		df.device = d->device_id;
		pt_strlcpy(df.driver, d->driver, sizeof(df.driver));
		if (d->driver[0] && !pt_driver_is_vfio(d->driver)) {
			char mod[256];
			const char *slash;

			/* softdep and modules.builtin name the module, not the driver
			 * (xhci_hcd is xhci_pci's) */
			if (pt_readlink(ctx, mod, sizeof(mod), "/sys/bus/pci/drivers/%s/module",
					d->driver) > 0 && (slash = strrchr(mod, '/')) && slash[1]) {
				pt_strlcpy(df.host_driver, slash + 1, sizeof(df.host_driver));
			} else {
				pt_strlcpy(df.host_driver, d->driver, sizeof(df.host_driver));
			}
			pt_strlcpy(df.host_driver_source, "bound now", sizeof(df.host_driver_source));
		} else if (pt_host_driver(ctx, d, NULL, df.host_driver, sizeof(df.host_driver),
					  df.host_driver_source, sizeof(df.host_driver_source)) < 0) {
			df.host_driver[0] = '\0';
		}
		if (df.host_driver[0]) {
			df.host_driver_build = module_build(builtin, blen, dep, dlen, df.host_driver);
			df.host_driver_in_initramfs =
				list && pt_initramfs_has(list, llen, df.host_driver) > 0;
		}
		if (PT_PUSH(f->devs, f->n_devs, df))
			return -ENOMEM;
	}
	/* an ID another function shares, and that function stays with the host */
	for (size_t i = 0; i < f->n_devs; i++)
		for (size_t k = 0; k < h->n_devs && !f->devs[i].keeps_sharer; k++) {
			const struct pt_device *o = &h->devs[k];

			if (o->vendor_id == f->devs[i].vendor && o->device_id == f->devs[i].device &&
			    !named(f, o)) {
				f->devs[i].keeps_sharer = true;
				pt_bdf_format(&o->bdf, f->devs[i].sharer);
			}
		}
	return 0;
}

/* pci=realloc: a PF the configuration gives VFs whose VF BARs were not placed. */
static void judge_realloc(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_hostcfg *c,
			  struct pt_boot_facts *f)
{
	f->realloc_known = true;
	for (size_t i = 0; i < c->n_sriov && !f->realloc_needed; i++) {
		const struct pt_sriov_config *s = &c->sriov[i];
		const struct pt_device *pf;
		struct pt_sriov_facts sf;
		struct pt_sriov_prediction p;

		if (s->vfs <= 0)
			continue;
		pf = pt_match_resolve(h, &s->pf, NULL, 0);
		if (!pf || pt_sriov_gather(ctx, h, pf, &sf) < 0 || pt_sriov_predict(&sf, s->vfs, &p) < 0) {
			f->realloc_known = false;
			continue;
		}
		if (p.limit == PT_SRIOV_LIMIT_MMIO) {
			f->realloc_needed = true;
			pt_bdf_format(&pf->bdf, f->realloc_pf);
			snprintf(f->realloc_why, sizeof(f->realloc_why),
				 "sriov[%zu]: %d VFs on %s: %.180s", i, s->vfs, f->realloc_pf, p.reason);
		} else if (p.succeeds == PT_UNKNOWN) {
			f->realloc_known = false;
		}
	}
}

int pt_boot_gather(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_hostcfg *cfg,
		   unsigned flags, struct pt_boot_facts *f)
{
	char *builtin = NULL, *dep = NULL, *list = NULL;
	size_t blen = 0, dlen = 0, llen = 0;
	int r = 0;

	memset(f, 0, sizeof(*f));
	if (pt_read_attr(ctx, f->kernel_release, sizeof(f->kernel_release),
			 "/proc/sys/kernel/osrelease") < 0)
		f->kernel_release[0] = '\0';
	if (h->cmdline)
		f->proc_cmdline = strdup(h->cmdline);
	read_vendor(ctx, f);
	f->modprobe_conf = read_opt(ctx, "/etc/modprobe.d/passthru-vfio.conf");
	f->initramfs_modules = read_opt(ctx, "/etc/initramfs-tools/hooks/passthru-vfio");
	f->kernel_cmdline = read_opt(ctx, "/etc/kernel/cmdline");
	f->override_dropin = read_opt(ctx, "/etc/passthru/host.d/60-boot-vfio.yaml");
	detect_loader(ctx, &cfg->boot, f);
	detect_vfio(ctx, f, &builtin, &blen, &dep, &dlen);
	if (cfg->boot.n_vfio && !(flags & PT_BOOT_GATHER_NO_EXEC))
		read_initramfs(ctx, f, &list, &llen);
	else
		snprintf(f->initramfs_why, sizeof(f->initramfs_why), "not read");
	r = resolve_devices(ctx, h, &cfg->boot, f, builtin, blen, dep, dlen, list, llen);
	if (r == 0 && cfg->boot.pci_realloc == PT_BOOT_AUTO)
		judge_realloc(ctx, h, cfg, f);
	free(builtin);
	free(dep);
	free(list);
	if (r < 0) {
		pt_boot_facts_free(f);
		return pt_err(ctx, r, "out of memory");
	}
	return 0;
}

void pt_boot_facts_free(struct pt_boot_facts *f)
{
	if (!f)
		return;
	free(f->configured);
	free(f->grub_dropin);
	free(f->modprobe_conf);
	free(f->initramfs_modules);
	free(f->kernel_cmdline);
	free(f->override_dropin);
	free(f->proc_cmdline);
	free(f->devs);
	pt_strv_free(f->unresolved, f->n_unresolved);
	memset(f, 0, sizeof(*f));
}
