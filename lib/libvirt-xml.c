// SPDX-License-Identifier: MIT
/*
 * libvirt domain XML (a definition, or the live status file under /run/libvirt/qemu/
 * with <domstatus pid='N'> around <domain>): the facts the VM view and the pre-launch
 * check need. Pure: bytes in, struct out, through libxml2 with the network and entity
 * expansion off. Fuzzed by tests/fuzz/fuzz-libvirt.c.
 *
 * libxml2 is loaded (dlopen) on the first parse, not linked: it brings ICU, liblzma
 * and libstdc++ with it, ~5 ms of every process's start-up (a quarter of `show DEV`),
 * and only the commands that read a domain's XML need it. The package depends on it
 * by name (debian/control); a host without it gets an error that says so.
 */
#include "internal.h"
#include "passthru/vm.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define LIBXML2_SONAME "libxml2.so.2"

/* The libxml2 calls this file makes, resolved once. */
static struct {
	xmlDocPtr (*read_memory)(const char *, int, const char *, const char *, int);
	const xmlError *(*last_error)(void);
	void (*reset_last_error)(void);
	xmlNodePtr (*root_element)(const xmlDoc *);
	void (*free_doc)(xmlDocPtr);
	xmlChar *(*get_prop)(const xmlNode *, const xmlChar *);
	xmlChar *(*node_content)(const xmlNode *);
	xmlFreeFunc *(*free_fn)(void); /* __xmlFree(): where xmlFree lives */
	xmlFreeFunc *free_var;          /* or the variable itself */
	char error[256];                /* why loading failed, "" when it did not */
} X;
static pthread_once_t x_once = PTHREAD_ONCE_INIT;

static void x_load(void)
{
	/* PASSTHRU_LIBXML2: another file name to load, for the test of a host without it */
	const char *name = getenv("PASSTHRU_LIBXML2");
	void *h = dlopen(name && name[0] ? name : LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(X.error, sizeof(X.error), "%s", e ? e : "cannot be loaded");
		return;
	}
	*(void **)&X.read_memory = dlsym(h, "xmlReadMemory");
	*(void **)&X.last_error = dlsym(h, "xmlGetLastError");
	*(void **)&X.reset_last_error = dlsym(h, "xmlResetLastError");
	*(void **)&X.root_element = dlsym(h, "xmlDocGetRootElement");
	*(void **)&X.free_doc = dlsym(h, "xmlFreeDoc");
	*(void **)&X.get_prop = dlsym(h, "xmlGetProp");
	*(void **)&X.node_content = dlsym(h, "xmlNodeGetContent");
	*(void **)&X.free_fn = dlsym(h, "__xmlFree");
	X.free_var = dlsym(h, "xmlFree");
	if (!X.read_memory || !X.last_error || !X.reset_last_error || !X.root_element ||
	    !X.free_doc || !X.get_prop || !X.node_content || (!X.free_fn && !X.free_var))
		snprintf(X.error, sizeof(X.error), "%s lacks a function passthru calls", LIBXML2_SONAME);
	/* h stays loaded: the process's documents may outlive any one call */
}

static void x_free(void *p)
{
	xmlFreeFunc *f = X.free_fn ? X.free_fn() : X.free_var;

	if (p && f && *f)
		(*f)(p);
}

static bool is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

/* Attribute into buf ("" when absent); returns buf. */
static char *attr(const xmlNode *n, const char *name, char *buf, size_t len)
{
	xmlChar *v = n ? X.get_prop(n, (const xmlChar *)name) : NULL;

	buf[0] = '\0';
	if (v) {
		pt_strlcpy(buf, (const char *)v, len);
		x_free(v);
	}
	return buf;
}

static char *text(const xmlNode *n, char *buf, size_t len)
{
	xmlChar *v = n ? X.node_content(n) : NULL;

	buf[0] = '\0';
	if (v) {
		pt_strlcpy(buf, (const char *)v, len);
		x_free(v);
	}
	return buf;
}

/* <memory unit='KiB'>N</memory> (units: b, KiB, MiB, GiB, k, M, G ...) -> KiB, -1 */
static long long kib(const xmlNode *n)
{
	char unit[16], val[32];
	long long v;
	char *end;

	if (!n)
		return -1;
	text(n, val, sizeof(val));
	attr(n, "unit", unit, sizeof(unit));
	errno = 0;
	v = strtoll(val, &end, 10);
	if (errno || end == val || v < 0)
		return -1;
	if (!unit[0] || !strcasecmp(unit, "KiB") || !strcasecmp(unit, "k"))
		return v;
	if (!strcmp(unit, "b") || !strcmp(unit, "bytes"))
		return v / 1024;
	if (!strcasecmp(unit, "MiB") || !strcasecmp(unit, "M"))
		return v > LLONG_MAX >> 10 ? -1 : v << 10;
	if (!strcasecmp(unit, "GiB") || !strcasecmp(unit, "G"))
		return v > LLONG_MAX >> 20 ? -1 : v << 20;
	if (!strcasecmp(unit, "TiB") || !strcasecmp(unit, "T"))
		return v > LLONG_MAX >> 30 ? -1 : v << 30;
	return -1;
}

static void pci_address(const xmlNode *a, char *out, size_t len)
{
	char d[16], b[16], s[16], f[16];
	struct pt_bdf bdf;

	out[0] = '\0';
	if (!a)
		return;
	attr(a, "domain", d, sizeof(d));
	attr(a, "bus", b, sizeof(b));
	attr(a, "slot", s, sizeof(s));
	attr(a, "function", f, sizeof(f));
	if (!b[0] || !s[0])
		return;
	bdf.domain = (uint32_t)strtoul(d[0] ? d : "0", NULL, 0);
	bdf.bus = (uint8_t)strtoul(b, NULL, 0);
	bdf.dev = (uint8_t)(strtoul(s, NULL, 0) & 0x1f);
	bdf.fn = (uint8_t)(strtoul(f[0] ? f : "0", NULL, 0) & 7);
	if (len >= PT_BDF_STRLEN)
		pt_bdf_format(&bdf, out);
}

static void devices(const xmlNode *devs, struct pt_libvirt_domain *o)
{
	char tmp[64];

	for (const xmlNode *c = devs ? devs->children : NULL; c; c = c->next) {
		struct pt_lv_dev *d;
		const xmlNode *src;

		if (!is(c, "hostdev") && !is(c, "interface"))
			continue;
		if (o->n_devs >= PT_LV_MAX_DEVS)
			return;
		d = &o->devs[o->n_devs];
		memset(d, 0, sizeof(*d));
		pt_strlcpy(d->what, (const char *)c->name, sizeof(d->what));
		attr(c, "type", d->type, sizeof(d->type));
		src = child(c, "source");
		if (is(c, "hostdev") && strcmp(d->type, "pci") != 0)
			continue; /* USB, SCSI, mdev: not PCI functions */
		if (!strcmp(d->type, "pci") || !strcmp(d->type, "hostdev")) {
			const xmlNode *a = child(src, "address");

			if (a && (!attr(a, "type", tmp, sizeof(tmp))[0] || !strcmp(tmp, "pci")))
				pci_address(a, d->bdf, sizeof(d->bdf));
		}
		attr(child(c, "model"), "type", d->model, sizeof(d->model));
		attr(child(c, "driver"), "name", d->driver, sizeof(d->driver));
		attr(child(c, "target"), "dev", d->target, sizeof(d->target));
		if (!attr(src, "bridge", d->bridge, sizeof(d->bridge))[0])
			attr(src, "network", d->bridge, sizeof(d->bridge));
		attr(child(c, "alias"), "name", d->alias, sizeof(d->alias));
		o->n_devs++;
	}
}

static void cputune(const xmlNode *ct, struct pt_libvirt_domain *o)
{
	char set[128];
	size_t used = 0;

	for (const xmlNode *c = ct ? ct->children : NULL; c; c = c->next) {
		if (is(c, "vcpupin") && attr(c, "cpuset", set, sizeof(set))[0]) {
			int w = snprintf(o->vcpupin + used, sizeof(o->vcpupin) - used, "%s%s",
					 used ? "," : "", set);

			if (w > 0 && (size_t)w < sizeof(o->vcpupin) - used)
				used += (size_t)w;
			o->n_vcpupin++;
		} else if (is(c, "emulatorpin")) {
			attr(c, "cpuset", o->emulatorpin, sizeof(o->emulatorpin));
		}
	}
}

static void domain(const xmlNode *dom, struct pt_libvirt_domain *o)
{
	const xmlNode *mb = child(dom, "memoryBacking"), *hp = child(mb, "hugepages"), *v;
	char tmp[64];

	text(child(dom, "name"), o->name, sizeof(o->name));
	o->memory_kib = kib(child(dom, "memory"));
	if (o->memory_kib < 0)
		o->memory_kib = kib(child(dom, "currentMemory"));
	if (hp) {
		const xmlNode *pg = child(hp, "page");

		o->hugepage_kib = -1;
		if (pg && attr(pg, "size", tmp, sizeof(tmp))[0]) {
			char unit[16];
			long long sz = strtoll(tmp, NULL, 10);

			attr(pg, "unit", unit, sizeof(unit));
			if (!strcasecmp(unit, "M") || !strcasecmp(unit, "MiB"))
				sz <<= 10;
			else if (!strcasecmp(unit, "G") || !strcasecmp(unit, "GiB"))
				sz <<= 20;
			o->hugepage_kib = sz > 0 && sz < LONG_MAX ? (long)sz : -1;
			attr(pg, "nodeset", o->hugepage_nodeset, sizeof(o->hugepage_nodeset));
		}
	}
	o->locked = child(mb, "locked") != NULL;
	if ((v = child(dom, "vcpu"))) {
		o->vcpus = atoi(text(v, tmp, sizeof(tmp)));
		attr(v, "cpuset", o->vcpu_cpuset, sizeof(o->vcpu_cpuset));
	}
	cputune(child(dom, "cputune"), o);
	v = child(child(dom, "numatune"), "memory");
	attr(v, "nodeset", o->numa_nodeset, sizeof(o->numa_nodeset));
	attr(v, "mode", o->numa_mode, sizeof(o->numa_mode));
	o->memlock_hard_kib = kib(child(child(dom, "memtune"), "hard_limit"));
	devices(child(dom, "devices"), o);
}

int pt_libvirt_parse(struct pt_ctx *ctx, const char *buf, size_t len, struct pt_libvirt_domain *o)
{
	const xmlNode *root, *dom;
	xmlDoc *doc;
	char tmp[32];
	int r = 0;

	memset(o, 0, sizeof(*o));
	o->pid = -1;
	o->memory_kib = -1;
	o->vcpus = -1;
	o->memlock_hard_kib = -1;
	if (!buf || len == 0 || len > INT_MAX)
		return pt_err(ctx, -EINVAL, "empty");
	pthread_once(&x_once, x_load);
	if (X.error[0])
		return pt_err(ctx, -ELIBACC, "reading a domain's XML needs libxml2 (%s): %s; install "
			      "the libxml2 package", LIBXML2_SONAME, X.error);
	doc = X.read_memory(buf, (int)len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = X.last_error();
		const char *msg = e && e->message ? e->message : "not well-formed XML";
		int n = (int)strlen(msg);

		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) /* libxml2's end in a newline */
			n--;
		pt_err(ctx, -EINVAL, "line %d: %.*s", e ? e->line : 0, n, msg);
		X.reset_last_error();
		return -EINVAL;
	}
	root = X.root_element(doc);
	dom = root;
	if (is(root, "domstatus")) {
		attr(root, "pid", tmp, sizeof(tmp));
		o->pid = tmp[0] ? strtol(tmp, NULL, 10) : -1;
		dom = child(root, "domain");
	}
	if (!is(dom, "domain")) {
		r = pt_err(ctx, -EINVAL, "no <domain> element (the root is <%s>)",
			   root ? (const char *)root->name : "nothing");
	} else {
		domain(dom, o);
	}
	X.free_doc(doc);
	return r;
}
