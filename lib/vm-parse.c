// SPDX-License-Identifier: MIT
/*
 * Pure parsers of what a QEMU process shows of itself: its command line (key=value
 * and libvirt's JSON option syntax), /proc/PID/numa_maps, status and limits, and the
 * vfio lines of /proc/interrupts. Bytes in, structs out; no I/O, no allocation.
 * Fuzzed by tests/fuzz/fuzz-vm.c.
 */
#include "internal.h"
#include "passthru/parse.h"
#include "passthru/vm.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>

/* ---- option strings ------------------------------------------------------------------ */

static void kv_add(struct pt_qopts *o, const char *k, size_t kl, const char *v, size_t vl)
{
	if (o->n >= PT_QOPT_MAX)
		return;
	if (kl >= sizeof(o->kv[0].key))
		kl = sizeof(o->kv[0].key) - 1;
	if (vl >= sizeof(o->kv[0].val))
		vl = sizeof(o->kv[0].val) - 1;
	memcpy(o->kv[o->n].key, k, kl);
	o->kv[o->n].key[kl] = '\0';
	memcpy(o->kv[o->n].val, v, vl);
	o->kv[o->n].val[vl] = '\0';
	o->n++;
}

/* A JSON string at *p (after the opening quote): unescaped into buf. */
static const char *json_str(const char *p, char *buf, size_t len, size_t *outl)
{
	size_t n = 0;

	while (*p && *p != '"') {
		char c = *p++;

		if (c == '\\' && *p) {
			c = *p++;
			if (c == 'u') { /* keep it simple: \uXXXX -> '?' */
				for (int i = 0; i < 4 && *p; i++)
					p++;
				c = '?';
			} else if (c == 'n') {
				c = '\n';
			} else if (c == 't') {
				c = '\t';
			}
		}
		if (n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = '\0';
	*outl = n;
	return *p == '"' ? p + 1 : NULL;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Skips a nested JSON value (object or array) at p; NULL on malformed input. */
static const char *json_skip(const char *p)
{
	int depth = 0;

	do {
		if (!*p)
			return NULL;
		if (*p == '"') {
			p++;
			while (*p && *p != '"')
				p += (*p == '\\' && p[1]) ? 2 : 1;
			if (!*p)
				return NULL;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		}
		p++;
	} while (depth > 0);
	return p;
}

static int json_opts(const char *p, struct pt_qopts *o)
{
	char key[64], val[192];
	size_t kl, vl;

	p = skip_ws(p + 1);
	while (*p && *p != '}') {
		if (*p != '"' || !(p = json_str(p + 1, key, sizeof(key), &kl)))
			return -EINVAL;
		p = skip_ws(p);
		if (*p++ != ':')
			return -EINVAL;
		p = skip_ws(p);
		if (*p == '"') {
			if (!(p = json_str(p + 1, val, sizeof(val), &vl)))
				return -EINVAL;
			kv_add(o, key, kl, val, vl);
		} else if (*p == '{' || *p == '[') {
			if (!(p = json_skip(p)))
				return -EINVAL;
		} else {
			const char *s = p;

			while (*p && *p != ',' && *p != '}' && !isspace((unsigned char)*p))
				p++;
			if (p == s)
				return -EINVAL;
			kv_add(o, key, kl, s, (size_t)(p - s));
		}
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
		else if (*p != '}')
			return -EINVAL;
	}
	return *p == '}' ? 0 : -EINVAL;
}

int pt_qopts_parse(const char *s, const char *implied_key, struct pt_qopts *o)
{
	char val[192];
	bool first = true;

	memset(o, 0, sizeof(*o));
	if (!s)
		return -EINVAL;
	if (*skip_ws(s) == '{')
		return json_opts(skip_ws(s), o);
	while (*s) {
		const char *k = s, *eq = NULL;
		size_t vl = 0;

		/* key up to '=' or ','; the value with ",," as an escaped comma */
		while (*s && *s != ',' && *s != '=')
			s++;
		if (*s == '=') {
			eq = s++;
			while (*s) {
				if (*s == ',' && s[1] == ',') {
					if (vl + 1 < sizeof(val))
						val[vl++] = ',';
					s += 2;
					continue;
				}
				if (*s == ',')
					break;
				if (vl + 1 < sizeof(val))
					val[vl++] = *s;
				s++;
			}
			kv_add(o, k, (size_t)(eq - k), val, vl);
		} else if (s > k) {
			if (first && implied_key)
				kv_add(o, implied_key, strlen(implied_key), k, (size_t)(s - k));
			else
				kv_add(o, k, (size_t)(s - k), "on", 2); /* a bare flag */
		}
		first = false;
		if (*s == ',')
			s++;
	}
	return 0;
}

const char *pt_qopts_get(const struct pt_qopts *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->kv[i].key, key) == 0)
			return o->kv[i].val;
	return NULL;
}

static bool is_on(const char *v)
{
	return v && (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"));
}

long long pt_parse_size(const char *s, bool mib_default)
{
	unsigned long long v = 0, mul;
	const char *p = s;
	int digits = 0;

	if (!s)
		return -1;
	while (*p == ' ')
		p++;
	while (isdigit((unsigned char)*p)) {
		if (v > (ULLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*p++ - '0');
		digits++;
	}
	if (!digits)
		return -1;
	switch (*p) {
	case '\0': mul = mib_default ? 1ULL << 20 : 1; break;
	case 'b': case 'B': mul = 1; break;
	case 'k': case 'K': mul = 1ULL << 10; break;
	case 'm': case 'M': mul = 1ULL << 20; break;
	case 'g': case 'G': mul = 1ULL << 30; break;
	case 't': case 'T': mul = 1ULL << 40; break;
	default: return -1;
	}
	if (*p && p[1] && !((p[1] == 'i' || p[1] == 'B' || p[1] == 'b') && (!p[2] || p[2] == 'B')))
		return -1;
	if (v > (unsigned long long)LLONG_MAX / mul)
		return -1;
	return (long long)(v * mul);
}

int pt_hugetlbfs_find(const char *mounts, size_t len, long page_kb, long default_kb,
		      char *out, size_t outlen)
{
	const char *p = mounts, *end = mounts + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *f[4];
		size_t fl[4], k = 0;
		const char *q = p;

		while (k < 4 && q < le) {
			while (q < le && *q == ' ')
				q++;
			f[k] = q;
			while (q < le && *q != ' ')
				q++;
			fl[k] = (size_t)(q - f[k]);
			k++;
		}
		p = le + 1;
		if (k < 4 || fl[2] != 9 || memcmp(f[2], "hugetlbfs", 9) || fl[1] == 0)
			continue;
		{
			long kb = default_kb;
			char opts[256], *o, *save = NULL;

			if (fl[3] >= sizeof(opts))
				continue;
			memcpy(opts, f[3], fl[3]);
			opts[fl[3]] = '\0';
			for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save))
				if (!strncmp(o, "pagesize=", 9)) {
					long long b = pt_parse_size(o + 9, false);

					kb = b > 0 ? (long)(b >> 10) : -1;
				}
			if (kb != page_kb)
				continue;
		}
		/* the kernel escapes ' ', '\t', '\n', '\\' as \ooo: such a path is not given
		 * to QEMU as an option value */
		if (memchr(f[1], '\\', fl[1]) || memchr(f[1], ',', fl[1]) || fl[1] >= outlen)
			continue;
		memcpy(out, f[1], fl[1]);
		out[fl[1]] = '\0';
		return 1;
	}
	return 0;
}

const char *pt_vmdev_kind_str(enum pt_vmdev_kind k)
{
	static const char *const s[] = { "emulated", "virtio", "vhost", "vf", "passthrough" };

	return (unsigned)k < sizeof(s) / sizeof(s[0]) ? s[k] : "unknown";
}

const char *pt_backing_str(enum pt_backing b)
{
	static const char *const s[] = { "anonymous", "hugetlbfs", "file" };

	return (unsigned)b < PT_BACK_N ? s[b] : "unknown";
}

/* ---- the command line -------------------------------------------------------------- */

static void cp(char *dst, size_t len, const char *src)
{
	pt_strlcpy(dst, src ? src : "", len);
}

static void add_device(struct pt_qemu_cmdline *q, const struct pt_qopts *o)
{
	struct pt_qemu_dev *d;

	if (q->n_devs >= PT_QEMU_MAX_DEVS || !pt_qopts_get(o, "driver"))
		return;
	d = &q->devs[q->n_devs++];
	cp(d->driver, sizeof(d->driver), pt_qopts_get(o, "driver"));
	cp(d->id, sizeof(d->id), pt_qopts_get(o, "id"));
	cp(d->host, sizeof(d->host), pt_qopts_get(o, "host"));
	cp(d->sysfsdev, sizeof(d->sysfsdev), pt_qopts_get(o, "sysfsdev"));
	cp(d->netdev, sizeof(d->netdev), pt_qopts_get(o, "netdev"));
	cp(d->mac, sizeof(d->mac), pt_qopts_get(o, "mac"));
	cp(d->failover_pair, sizeof(d->failover_pair), pt_qopts_get(o, "failover_pair_id"));
	cp(d->memdev, sizeof(d->memdev), pt_qopts_get(o, "memdev"));
	d->failover = is_on(pt_qopts_get(o, "failover"));
}

static void add_netdev(struct pt_qemu_cmdline *q, const struct pt_qopts *o)
{
	struct pt_qemu_netdev *n;

	if (q->n_netdevs >= PT_QEMU_MAX_NETDEVS || !pt_qopts_get(o, "type"))
		return;
	n = &q->netdevs[q->n_netdevs++];
	cp(n->type, sizeof(n->type), pt_qopts_get(o, "type"));
	cp(n->id, sizeof(n->id), pt_qopts_get(o, "id"));
	cp(n->ifname, sizeof(n->ifname), pt_qopts_get(o, "ifname"));
	cp(n->br, sizeof(n->br), pt_qopts_get(o, "br"));
	n->vhost = is_on(pt_qopts_get(o, "vhost")) || pt_qopts_get(o, "vhostfd") ||
		   pt_qopts_get(o, "vhostfds") || !strcmp(n->type, "vhost-user") ||
		   !strcmp(n->type, "vhost-vdpa");
	n->fd = pt_qopts_get(o, "fd") || pt_qopts_get(o, "fds");
}

static void add_memdev(struct pt_qemu_cmdline *q, const struct pt_qopts *o)
{
	const char *t = pt_qopts_get(o, "qom-type");
	struct pt_qemu_memdev *m;

	if (!t || strncmp(t, "memory-backend-", 15) != 0 || q->n_memdevs >= PT_QEMU_MAX_MEMDEVS)
		return;
	m = &q->memdevs[q->n_memdevs++];
	cp(m->type, sizeof(m->type), t);
	cp(m->id, sizeof(m->id), pt_qopts_get(o, "id"));
	m->size = pt_parse_size(pt_qopts_get(o, "size"), false);
	cp(m->mem_path, sizeof(m->mem_path), pt_qopts_get(o, "mem-path"));
	m->hugetlb = is_on(pt_qopts_get(o, "hugetlb"));
	m->hugetlbsize = pt_qopts_get(o, "hugetlbsize") ? pt_parse_size(pt_qopts_get(o, "hugetlbsize"), false) : 0;
	cp(m->host_nodes, sizeof(m->host_nodes), pt_qopts_get(o, "host-nodes"));
	cp(m->policy, sizeof(m->policy), pt_qopts_get(o, "policy"));
	m->prealloc = is_on(pt_qopts_get(o, "prealloc"));
	m->share = is_on(pt_qopts_get(o, "share"));
}

static bool is_qemu(const char *argv0)
{
	const char *b = strrchr(argv0, '/');

	b = b ? b + 1 : argv0;
	return strncmp(b, "qemu-system-", 12) == 0 || strcmp(b, "qemu-kvm") == 0 ||
	       strcmp(b, "kvm") == 0;
}

int pt_qemu_cmdline_parse(const char *buf, size_t len, struct pt_qemu_cmdline *q)
{
	const char *argv[512];
	char copy[65536];
	size_t argc = 0, i = 0;
	struct pt_qopts o;

	memset(q, 0, sizeof(*q));
	q->mem_bytes = -1;
	q->smp = -1;
	if (!buf || len == 0)
		return -EINVAL;
	if (len >= sizeof(copy))
		len = sizeof(copy) - 1;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	while (i < len && argc < sizeof(argv) / sizeof(argv[0])) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	if (!is_qemu(argv[0]))
		return -EINVAL;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (a[0] == '-' && a[1] == '-')
			a++;
		if (!strcmp(a, "-mem-prealloc")) {
			q->mem_prealloc = true;
			continue;
		}
		if (a[0] != '-' || !v)
			continue;
		if (!strcmp(a, "-device")) {
			if (pt_qopts_parse(v, "driver", &o) == 0)
				add_device(q, &o);
		} else if (!strcmp(a, "-netdev")) {
			if (pt_qopts_parse(v, "type", &o) == 0)
				add_netdev(q, &o);
		} else if (!strcmp(a, "-nic")) {
			if (pt_qopts_parse(v, "type", &o) == 0) {
				struct pt_qopts d = { 0 };
				const char *model = pt_qopts_get(&o, "model");

				add_netdev(q, &o);
				kv_add(&d, "driver", 6, model ? model : "virtio-net-pci",
				       strlen(model ? model : "virtio-net-pci"));
				if (q->n_netdevs && pt_qopts_get(&o, "id"))
					kv_add(&d, "netdev", 6, pt_qopts_get(&o, "id"), strlen(pt_qopts_get(&o, "id")));
				add_device(q, &d);
			}
		} else if (!strcmp(a, "-object")) {
			if (pt_qopts_parse(v, "qom-type", &o) == 0)
				add_memdev(q, &o);
		} else if (!strcmp(a, "-m")) {
			if (pt_qopts_parse(v, "size", &o) == 0)
				q->mem_bytes = pt_parse_size(pt_qopts_get(&o, "size"), true);
		} else if (!strcmp(a, "-name")) {
			if (pt_qopts_parse(v, "guest", &o) == 0)
				cp(q->name, sizeof(q->name), pt_qopts_get(&o, "guest"));
		} else if (!strcmp(a, "-mem-path")) {
			cp(q->mem_path, sizeof(q->mem_path), v);
		} else if (!strcmp(a, "-overcommit") || !strcmp(a, "-realtime")) {
			if (pt_qopts_parse(v, NULL, &o) == 0 &&
			    (is_on(pt_qopts_get(&o, "mem-lock")) || is_on(pt_qopts_get(&o, "mlock"))))
				q->mem_lock = true;
		} else if (!strcmp(a, "-machine") || !strcmp(a, "-M")) {
			if (pt_qopts_parse(v, "type", &o) == 0)
				cp(q->machine_memdev, sizeof(q->machine_memdev),
				   pt_qopts_get(&o, "memory-backend"));
		} else if (!strcmp(a, "-smp")) {
			if (pt_qopts_parse(v, "cpus", &o) == 0 && pt_qopts_get(&o, "cpus")) {
				long n;

				if (pt_parse_long(pt_qopts_get(&o, "cpus"), &n) == 0 && n > 0 && n < 100000)
					q->smp = (int)n;
			}
		} else {
			continue;
		}
		i++;
	}
	return 0;
}

long long pt_qemu_guest_ram(const struct pt_qemu_cmdline *q)
{
	long long sum = 0;

	if (q->mem_bytes > 0)
		return q->mem_bytes;
	for (size_t i = 0; i < q->n_memdevs; i++)
		if (q->memdevs[i].size > 0)
			sum += q->memdevs[i].size;
	return sum > 0 ? sum : -1;
}

/* ---- /proc/PID/numa_maps ----------------------------------------------------------- */

static long long num_after(const char *w, size_t wl, const char *key)
{
	size_t kl = strlen(key);
	long long v = 0;

	if (wl <= kl || memcmp(w, key, kl) != 0)
		return -1;
	for (size_t i = kl; i < wl; i++) {
		if (!isdigit((unsigned char)w[i]) || v > LLONG_MAX / 10 - 10)
			return -1;
		v = v * 10 + (w[i] - '0');
	}
	return v;
}

int pt_numa_maps_parse(const char *buf, size_t len, struct pt_numa_maps *m)
{
	size_t i = 0;
	long long huge_best = -1;

	memset(m, 0, sizeof(*m));
	m->big_kb = -1;
	while (i < len) {
		size_t end = i, w;
		long long pages[PT_VM_MAX_NODES] = { 0 }, total = 0, pagekb = 4;
		char policy[32] = "", file[256] = "";
		bool huge = false, anon = false, first = true;

		while (end < len && buf[end] != '\n')
			end++;
		/* "ADDR POLICY [file=F] [anon=N] [dirty=N] [huge] [N0=n]... kernelpagesize_kB=K" */
		for (w = i; w < end;) {
			size_t s = w, wl;
			long long v;

			while (w < end && buf[w] != ' ')
				w++;
			wl = w - s;
			if (first) {
				first = false;
			} else if (!policy[0] && wl) {
				size_t n = wl < sizeof(policy) ? wl : sizeof(policy) - 1;

				memcpy(policy, buf + s, n);
				policy[n] = '\0';
			} else if (wl == 4 && !memcmp(buf + s, "huge", 4)) {
				huge = true;
			} else if (wl > 5 && !memcmp(buf + s, "file=", 5)) {
				size_t n = wl - 5 < sizeof(file) ? wl - 5 : sizeof(file) - 1;

				memcpy(file, buf + s + 5, n);
				file[n] = '\0';
			} else if (wl > 5 && !memcmp(buf + s, "anon=", 5)) {
				anon = true;
			} else if (wl > 2 && buf[s] == 'N' && isdigit((unsigned char)buf[s + 1])) {
				/* "N<node>=<pages>" */
				size_t k = s + 1;
				long node = 0;
				long long p = 0;
				bool ok = k < w && isdigit((unsigned char)buf[k]);

				while (k < w && isdigit((unsigned char)buf[k]) && node < 100000)
					node = node * 10 + (buf[k++] - '0');
				if (ok && k < w && buf[k] == '=' && (p = num_after(buf + k, w - k, "=")) >= 0 &&
				    node < PT_VM_MAX_NODES) {
					pages[node] += p;
					total += p;
				}
			} else if ((v = num_after(buf + s, wl, "kernelpagesize_kB=")) > 0) {
				pagekb = v;
			}
			while (w < end && buf[w] == ' ')
				w++;
		}
		if (total > 0) {
			enum pt_backing b = huge ? PT_BACK_HUGETLB : file[0] && !anon ? PT_BACK_FILE : PT_BACK_ANON;
			long long kb = 0;

			if (huge && !file[0])
				b = PT_BACK_HUGETLB;
			for (int n = 0; n < PT_VM_MAX_NODES; n++) {
				if (pages[n] > LLONG_MAX / 2 / (pagekb ? pagekb : 1))
					continue;
				m->kb[b][n] += pages[n] * pagekb;
				kb += pages[n] * pagekb;
			}
			if (b == PT_BACK_HUGETLB && kb > huge_best) {
				huge_best = kb;
				m->hugepage_kb = (long)pagekb;
				pt_strlcpy(m->huge_file, file, sizeof(m->huge_file));
				pt_strlcpy(m->huge_policy, policy, sizeof(m->huge_policy));
			}
			if (kb > m->big_kb) {
				m->big_kb = kb;
				m->big_backing = b;
				pt_strlcpy(m->big_policy, policy, sizeof(m->big_policy));
				pt_strlcpy(m->big_file, file, sizeof(m->big_file));
			}
		}
		i = end + 1;
	}
	return 0;
}

/* ---- /proc/PID/status and limits ---------------------------------------------------- */

int pt_proc_status_parse(const char *buf, size_t len, struct pt_proc_status *st)
{
	size_t i = 0;

	memset(st, 0, sizeof(*st));
	st->vm_lck_kb = st->vm_pin_kb = st->vm_rss_kb = st->vm_hwm_kb = -1;
	st->threads = -1;
	while (i < len) {
		size_t end = i, kl, vs;
		char val[256];
		const char *k = buf + i;

		while (end < len && buf[end] != '\n')
			end++;
		for (kl = 0; i + kl < end && buf[i + kl] != ':'; kl++)
			;
		vs = i + kl + 1;
		while (vs < end && (buf[vs] == ' ' || buf[vs] == '\t'))
			vs++;
		if (i + kl < end) {
			size_t vl = end > vs ? end - vs : 0;

			if (vl >= sizeof(val))
				vl = sizeof(val) - 1;
			memcpy(val, buf + vs, vl);
			val[vl] = '\0';
#define KEY(s) (kl == sizeof(s) - 1 && !memcmp(k, s, kl))
			if (KEY("Name"))
				pt_strlcpy(st->name, val, sizeof(st->name));
			else if (KEY("VmLck"))
				st->vm_lck_kb = strtoll(val, NULL, 10);
			else if (KEY("VmPin"))
				st->vm_pin_kb = strtoll(val, NULL, 10);
			else if (KEY("VmRSS"))
				st->vm_rss_kb = strtoll(val, NULL, 10);
			else if (KEY("VmHWM"))
				st->vm_hwm_kb = strtoll(val, NULL, 10);
			else if (KEY("Cpus_allowed_list"))
				pt_strlcpy(st->cpus_allowed, val, sizeof(st->cpus_allowed));
			else if (KEY("Mems_allowed_list"))
				pt_strlcpy(st->mems_allowed, val, sizeof(st->mems_allowed));
			else if (KEY("Threads"))
				st->threads = atoi(val);
			else if (KEY("CapEff")) {
				st->cap_eff = strtoull(val, NULL, 16);
				st->have_cap_eff = true;
			}
#undef KEY
		}
		i = end + 1;
	}
	return 0;
}

long long pt_proc_limits_memlock(const char *buf, size_t len)
{
	static const char key[] = "Max locked memory";
	size_t i = 0;

	while (i < len) {
		size_t end = i;

		while (end < len && buf[end] != '\n')
			end++;
		if (end - i > sizeof(key) && !memcmp(buf + i, key, sizeof(key) - 1)) {
			char val[64];
			size_t s = i + sizeof(key) - 1, n = 0;

			while (s < end && buf[s] == ' ')
				s++;
			while (s < end && buf[s] != ' ' && n + 1 < sizeof(val))
				val[n++] = buf[s++];
			val[n] = '\0';
			if (!strcmp(val, "unlimited"))
				return -1;
			return pt_parse_size(val, false) >= 0 ? pt_parse_size(val, false) : -2;
		}
		i = end + 1;
	}
	return -2;
}

/* ---- /proc/interrupts ----------------------------------------------------------------- */

size_t pt_vfio_irqs_parse(const char *buf, size_t len, struct pt_vfio_irq *out, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len) {
		size_t end = i, k = i;
		long irq = 0;
		long long count = 0;
		bool num = false;

		while (end < len && buf[end] != '\n')
			end++;
		while (k < end && buf[k] == ' ')
			k++;
		while (k < end && isdigit((unsigned char)buf[k]) && irq < 10000000) {
			irq = irq * 10 + (buf[k++] - '0');
			num = true;
		}
		if (num && k < end && buf[k] == ':') {
			/* per-CPU counts, then chip and name; the vfio name is the last word */
			for (k++; k < end;) {
				size_t s;
				long long c = 0;

				while (k < end && buf[k] == ' ')
					k++;
				s = k;
				while (k < end && isdigit((unsigned char)buf[k]) && c < LLONG_MAX / 20)
					c = c * 10 + (buf[k++] - '0');
				if (k == s || (k < end && buf[k] != ' '))
					break;
				count += c;
			}
			for (size_t w = k; w + 5 < end; w++) {
				struct pt_vfio_irq v = { .irq = (int)irq, .vector = -1, .count = count };
				size_t p = w + 5, q;
				struct pt_bdf b;

				if (memcmp(buf + w, "vfio-", 5) != 0 || (w > i && buf[w - 1] != ' '))
					continue;
				for (q = 0; p < end && isalpha((unsigned char)buf[p]) && q + 1 < sizeof(v.kind); p++)
					v.kind[q++] = buf[p];
				v.kind[q] = '\0';
				if (p < end && buf[p] == '[') {
					long vec = 0;

					for (p++; p < end && isdigit((unsigned char)buf[p]) && vec < 100000; p++)
						vec = vec * 10 + (buf[p] - '0');
					v.vector = (int)vec;
					if (p < end && buf[p] == ']')
						p++;
				}
				if (p < end && buf[p] == '(') {
					char tmp[PT_BDF_STRLEN + 4];
					size_t t = 0;

					for (p++; p < end && buf[p] != ')' && t + 1 < sizeof(tmp); p++)
						tmp[t++] = buf[p];
					tmp[t] = '\0';
					if (pt_bdf_parse(tmp, &b) == 0)
						pt_bdf_format(&b, v.bdf);
				}
				if (v.bdf[0] && v.kind[0]) {
					if (n < max)
						out[n] = v;
					n++;
				}
				break;
			}
		}
		i = end + 1;
	}
	return n;
}
