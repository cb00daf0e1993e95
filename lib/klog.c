// SPDX-License-Identifier: MIT
/*
 * The kernel-log scanner. One pass over the bytes: each physical line is cut into
 * logical lines (kmsg \x0a escapes), stripped of whatever prefixes the log's form
 * adds (kmsg header, timestamps, syslog host, device name), then matched against the
 * messages of drivers/iommu/intel/{dmar,iommu,irq_remapping}.c,
 * drivers/iommu/amd/{init,iommu}.c, drivers/iommu/iommu.c, drivers/iommu/arm/ and
 * drivers/pci/pcie/aer.c as they have read from 3.x to 6.x kernels.
 *
 * Each logical line is copied into a bounded buffer (longer lines are cut), every
 * match is a bounded search over it, and devices are found through a hash: the scan
 * is linear in the input whatever the input is.
 */
#include "internal.h"
#include "passthru/klog.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_ 1024
#define EVIDENCE_LEN 256
#define MAX_DEVICES 65536 /* distinct devices kept per list (the whole of segment 0) */

/* ---- device index: BDF -> entry, open addressing ---------------------------------- */

struct dev_index {
	uint64_t *keys; /* 0 = empty; else bdf key + 1 */
	size_t *vals;
	size_t cap, n;
};

static uint64_t bdf_key(const struct pt_bdf *b)
{
	return (((uint64_t)b->domain << 16) | ((uint64_t)b->bus << 8) |
		((uint64_t)b->dev << 3) | b->fn) + 1;
}

static size_t hash_slot(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

/* Returns the entry index of key, or (size_t)-1 if absent. */
static size_t index_get(const struct dev_index *ix, uint64_t k)
{
	if (!ix->cap)
		return (size_t)-1;
	for (size_t s = hash_slot(k, ix->cap);; s = (s + 1) & (ix->cap - 1)) {
		if (ix->keys[s] == 0)
			return (size_t)-1;
		if (ix->keys[s] == k)
			return ix->vals[s];
	}
}

static int index_put(struct dev_index *ix, uint64_t k, size_t v)
{
	if ((ix->n + 1) * 2 > ix->cap) {
		size_t ncap = ix->cap ? ix->cap * 2 : 64;
		uint64_t *nk = calloc(ncap, sizeof(*nk));
		size_t *nv = calloc(ncap, sizeof(*nv));

		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -ENOMEM;
		}
		for (size_t i = 0; i < ix->cap; i++) {
			size_t s;

			if (!ix->keys[i])
				continue;
			for (s = hash_slot(ix->keys[i], ncap); nk[s]; s = (s + 1) & (ncap - 1))
				;
			nk[s] = ix->keys[i];
			nv[s] = ix->vals[i];
		}
		free(ix->keys);
		free(ix->vals);
		ix->keys = nk;
		ix->vals = nv;
		ix->cap = ncap;
	}
	size_t s = hash_slot(k, ix->cap);

	while (ix->keys[s])
		s = (s + 1) & (ix->cap - 1);
	ix->keys[s] = k;
	ix->vals[s] = v;
	ix->n++;
	return 0;
}

static void index_free(struct dev_index *ix)
{
	free(ix->keys);
	free(ix->vals);
}

/* ---- scanner state ------------------------------------------------------------------ */

enum { SEV_NONE = 0, SEV_CORRECTED, SEV_NONFATAL, SEV_FATAL };
static const char *const sev_names[] = { "", "corrected", "non-fatal", "fatal" };

struct scan {
	struct pt_klog *out;
	struct dev_index fault_ix, aer_ix;
	int err;
	bool kmsg;             /* the input is /dev/kmsg records */
	const char *raw;       /* the current line as shown in evidence */

	/* strength of the current proofs, so a weak line does not undo a strong one */
	int dma_strength;
	/* boot completeness, to read the absence of an init line as "off" */
	bool saw_banner, saw_init_done;
	char intel_table[EVIDENCE_LEN], amd_table[EVIDENCE_LEN];
	char acpi_root[EVIDENCE_LEN]; /* "ACPI: XSDT 0x...": the table listing follows */
	bool saw_iort;
	/* AMD prints "X2APIC enabled" right after "Interrupt remapping enabled" */
	bool amd_ir_pending;
	/* a DMAR fault whose "[fault reason]" is on a following line */
	size_t dmar_pending;   /* fault index + 1, 0 none */
	int dmar_pending_lines;
	/* an AMD "Event logged [" whose device is on a following line */
	bool amd_pending;
	char amd_pending_type[40];
	int amd_pending_lines;
	/* "N callbacks suppressed" before any fault of that kind */
	long dmar_suppressed, amd_suppressed;
	size_t last_dmar, last_amd;  /* fault index + 1 of the last of each kind */
	/* the AER event whose source line was just seen */
	uint64_t aer_pending_key;
	bool aer_pending_used;
	int aer_pending_sev;
};

/* ---- small string helpers (all bounded by the line buffer) -------------------------- */

static const char *skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void set_str(char *dst, size_t len, const char *src)
{
	pt_strlcpy(dst, src, len);
}

/* Copies s up to the first of the stop characters (or the end), trimmed. */
static void copy_until(char *dst, size_t len, const char *s, const char *stop)
{
	size_t n = strcspn(s, stop);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '.'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Reads a BDF at s, allowing "0x" before the bus and device numbers (5.14's DMAR
 * format) and nothing more. Returns characters used or 0. */
static size_t scan_bdf_loose(const char *s, struct pt_bdf *b)
{
	char tmp[40];
	size_t i = 0, j = 0, used;

	/* copy while the characters can belong to a BDF, dropping "0x" */
	while (s[i] && j < sizeof(tmp) - 1 && (isxdigit((unsigned char)s[i]) || s[i] == ':' ||
					       s[i] == '.' || s[i] == 'x')) {
		if (s[i] == '0' && s[i + 1] == 'x') {
			i += 2;
			continue;
		}
		if (s[i] == 'x')
			break;
		tmp[j++] = s[i++];
	}
	tmp[j] = '\0';
	used = pt_bdf_scan(tmp, b);
	return used ? i : 0;
}

/* ---- results --------------------------------------------------------------------- */

static struct pt_klog_fault *fault_for(struct scan *sc, const struct pt_bdf *b,
				       const char *kind, size_t *idx_out)
{
	struct pt_klog *o = sc->out;
	uint64_t k = bdf_key(b);
	size_t i = index_get(&sc->fault_ix, k);
	struct pt_klog_fault f;

	if (i == (size_t)-1) {
		if (o->n_faults >= MAX_DEVICES)
			return NULL; /* a real host has fewer functions: the rest is noise */
		memset(&f, 0, sizeof(f));
		pt_bdf_format(b, f.device);
		set_str(f.kind, sizeof(f.kind), kind);
		set_str(f.first_line, sizeof(f.first_line), sc->raw);
		i = o->n_faults;
		if (PT_PUSH(o->faults, o->n_faults, f) || index_put(&sc->fault_ix, k, i)) {
			sc->err = -ENOMEM;
			return NULL;
		}
	}
	*idx_out = i;
	return &o->faults[i];
}

/* One fault line for device b. reason may be NULL (given later). */
static void add_fault(struct scan *sc, const struct pt_bdf *b, const char *kind, const char *reason)
{
	size_t i;
	struct pt_klog_fault *f = fault_for(sc, b, kind, &i);
	long *pending = NULL;

	if (!f)
		return;
	f->count++;
	if (reason && *reason && !f->reason[0])
		set_str(f->reason, sizeof(f->reason), reason);
	if (strcmp(kind, "dmar") == 0) {
		sc->last_dmar = i + 1;
		pending = &sc->dmar_suppressed;
	} else if (strcmp(kind, "amd-vi") == 0) {
		sc->last_amd = i + 1;
		pending = &sc->amd_suppressed;
	}
	if (pending && *pending) {
		f->count += *pending;
		f->suppressed += *pending;
		*pending = 0;
	}
}

static void suppressed(struct scan *sc, size_t last, long *pending, long n)
{
	struct pt_klog_fault *f;

	if (n <= 0)
		return;
	if (!last) {
		*pending += n;
		return;
	}
	f = &sc->out->faults[last - 1];
	f->count += n;
	f->suppressed += n;
}

const char *pt_klog_aer_severity_str(int sev)
{
	return sev >= PT_KLOG_AER_CORRECTED && sev <= PT_KLOG_AER_FATAL ? sev_names[sev + 1] : "";
}

static void add_aer(struct scan *sc, const struct pt_bdf *b, int sev, bool source_line)
{
	struct pt_klog *o = sc->out;
	uint64_t k = bdf_key(b);
	size_t i = index_get(&sc->aer_ix, k);
	struct pt_klog_aer a, *e;
	bool counted = true;
	int cur = SEV_NONE;

	if (i == (size_t)-1) {
		if (o->n_aer >= MAX_DEVICES)
			return;
		memset(&a, 0, sizeof(a));
		pt_bdf_format(b, a.device);
		set_str(a.first_line, sizeof(a.first_line), sc->raw);
		i = o->n_aer;
		if (PT_PUSH(o->aer, o->n_aer, a) || index_put(&sc->aer_ix, k, i)) {
			sc->err = -ENOMEM;
			return;
		}
	}
	e = &o->aer[i];
	if (source_line) {
		e->count++;
		sc->aer_pending_key = k;
		sc->aer_pending_used = false;
		sc->aer_pending_sev = sev;
	} else if (sc->aer_pending_key == k && !sc->aer_pending_used) {
		/* this device's details of the event its source line already counted */
		sc->aer_pending_used = true;
		counted = false;
		/* the source line did not tell the severity: the details do */
		if (sc->aer_pending_sev == SEV_NONE && sev != SEV_NONE)
			counted = true;
	} else {
		e->count++;
	}
	if (sev != SEV_NONE && counted) {
		if (!e->by_severity[sev - 1]++)
			set_str(e->severity_line[sev - 1], sizeof(e->severity_line[0]), sc->raw);
	}
	for (int s = SEV_CORRECTED; s <= SEV_FATAL; s++)
		if (strcmp(e->severity, sev_names[s]) == 0)
			cur = s;
	if (sev > cur) {
		set_str(e->severity, sizeof(e->severity), sev_names[sev]);
		if (e->severity_line[sev - 1][0])
			set_str(e->first_line, sizeof(e->first_line), e->severity_line[sev - 1]);
	}
}

/* strength: 1 a parameter was parsed, 2 the driver finished init, 3 said it is off */
static void set_dma(struct scan *sc, int v, int strength)
{
	struct pt_klog *o = sc->out;

	if (o->dma_remapping != PT_UNKNOWN && strength < sc->dma_strength)
		return;
	o->dma_remapping = v;
	sc->dma_strength = strength;
	set_str(o->dma_evidence, sizeof(o->dma_evidence), sc->raw);
}

static void set_ir(struct scan *sc, int v, const char *mode)
{
	struct pt_klog *o = sc->out;

	o->interrupt_remapping = v;
	set_str(o->ir_mode, sizeof(o->ir_mode), mode ? mode : "");
	set_str(o->ir_evidence, sizeof(o->ir_evidence), sc->raw);
}

static void set_vendor(struct scan *sc, const char *v)
{
	set_str(sc->out->vendor, sizeof(sc->out->vendor), v);
}

/* A boot banner: the state read so far belongs to an earlier boot. */
static void new_boot(struct scan *sc)
{
	struct pt_klog *o = sc->out;

	o->boots++;
	o->dma_remapping = PT_UNKNOWN;
	o->interrupt_remapping = PT_UNKNOWN;
	o->ir_mode[0] = o->default_domain[0] = '\0';
	o->dma_evidence[0] = o->ir_evidence[0] = o->domain_evidence[0] = '\0';
	sc->dma_strength = 0;
	sc->saw_banner = true;
	sc->saw_init_done = false;
	sc->intel_table[0] = sc->amd_table[0] = sc->acpi_root[0] = '\0';
	sc->saw_iort = false;
	sc->amd_ir_pending = false;
}

/* ---- severity words of AER ---------------------------------------------------------- */

static int aer_severity(const char *s, size_t n)
{
	char buf[96];

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcasestr(buf, "non-fatal") || strcasestr(buf, "nonfatal"))
		return SEV_NONFATAL;
	if (strcasestr(buf, "fatal"))
		return SEV_FATAL;
	if (strcasestr(buf, "correct"))
		return SEV_CORRECTED;
	return SEV_NONE;
}

/* "id=00e5": a requester id, in the domain of the reporting device. */
static bool parse_reqid(const char *s, uint32_t domain, struct pt_bdf *b)
{
	unsigned v = 0;
	int n = 0;

	if (!starts(s, "id="))
		return false;
	s += 3;
	while (n < 4 && isxdigit((unsigned char)s[n])) {
		v = v * 16 + (unsigned)(isdigit((unsigned char)s[n]) ? s[n] - '0'
								  : (tolower((unsigned char)s[n]) - 'a' + 10));
		n++;
	}
	if (n != 4)
		return false;
	b->domain = domain;
	b->bus = (uint8_t)(v >> 8);
	b->dev = (uint8_t)((v >> 3) & 0x1f);
	b->fn = (uint8_t)(v & 7);
	return true;
}

/* ---- the matchers ------------------------------------------------------------------ */

/* "... [fault reason 0x06] PTE Read access is not set" -> "PTE Read access is not set" */
static bool fault_reason(const char *msg, char *buf, size_t len)
{
	const char *p = strstr(msg, "fault reason");
	const char *close;

	if (!p)
		return false;
	close = strchr(p, ']');
	if (close && *skip_spaces(close + 1)) {
		copy_until(buf, len, skip_spaces(close + 1), "");
	} else {
		/* no text: keep the code itself */
		copy_until(buf, len, p, "]");
	}
	return true;
}

static bool match_dmar_fault(struct scan *sc, const char *msg)
{
	const char *p = strstr(msg, "Request device [");
	char reason[160] = "";
	struct pt_bdf b;

	if (!p || !(strstr(msg, "DMAR") || strstr(msg, "DMA Read") || strstr(msg, "DMA Write") ||
		    strstr(msg, "INTR-REMAP")))
		return false;
	if (!scan_bdf_loose(p + strlen("Request device ["), &b))
		return false;
	set_vendor(sc, "intel");
	fault_reason(p, reason, sizeof(reason));
	add_fault(sc, &b, "dmar", reason);
	if (!reason[0] && !sc->err) {
		/* old kernels: "DMAR:[fault reason 06] ..." on the next line */
		sc->dmar_pending = index_get(&sc->fault_ix, bdf_key(&b)) + 1;
		sc->dmar_pending_lines = 3;
	}
	return true;
}

/* An AMD event. pfx is the device the line is prefixed with (pci_err), or NULL. */
static void amd_event(struct scan *sc, const char *type, const char *rest,
		      const struct pt_bdf *pfx)
{
	const char *d = strstr(rest, "device=");
	struct pt_bdf b;

	if (d && scan_bdf_loose(d + 7, &b)) {
		add_fault(sc, &b, "amd-vi", type);
		return;
	}
	if (pfx) {
		add_fault(sc, pfx, "amd-vi", type);
		return;
	}
	/* wrapped: the device comes on a following line */
	sc->amd_pending = true;
	set_str(sc->amd_pending_type, sizeof(sc->amd_pending_type), type);
	sc->amd_pending_lines = 3;
}

/* "IO_PAGE_FAULT device=..." -> "IO_PAGE_FAULT" */
static void event_type(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	s = skip_spaces(s);
	while (n + 1 < len && (isupper((unsigned char)s[n]) || isdigit((unsigned char)s[n]) ||
			       s[n] == '_'))
		n++;
	/* a type is a whole word: "Device not attached" is not one */
	if (s[n] && s[n] != ' ' && s[n] != ']' && s[n] != ',')
		n = 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

static bool match_amd_fault(struct scan *sc, const char *msg, const struct pt_bdf *pfx)
{
	const char *p = strstr(msg, "Event logged [");
	char type[40];

	if (!p || !strstr(msg, "AMD-Vi"))
		return false;
	set_vendor(sc, "amd");
	p += strlen("Event logged [");
	event_type(p, type, sizeof(type));
	/* "Event logged [Device not attached to domain properly]": device follows */
	if (!type[0] && *p)
		set_str(type, sizeof(type), "DEVICE_NOT_ATTACHED");
	/* the IOMMU's own device prefixes events that name their device= */
	amd_event(sc, type, p, strstr(p, "device=") ? NULL : pfx);
	return true;
}

/* 6.x SMMUv3: "event: F_TRANSLATION client: 0000:01:00.0 sid: 0x100 ..." */
static bool match_smmu_fault(struct scan *sc, const char *msg)
{
	const char *e = strstr(msg, "event: ");
	const char *c;
	char type[40];
	struct pt_bdf b;

	if (!e || !strstr(msg, "smmu"))
		return false;
	c = strstr(e, "client: ");
	if (!c || !scan_bdf_loose(c + 8, &b))
		return false;
	set_vendor(sc, "arm");
	event_type(e + 7, type, sizeof(type));
	add_fault(sc, &b, "smmu", type);
	return true;
}

/* "dmar_fault: 12 callbacks suppressed" */
static bool match_suppressed(struct scan *sc, const char *msg)
{
	const char *p = strstr(msg, " callbacks suppressed");
	const char *colon = strchr(msg, ':');
	long n = 0;

	if (!p || !colon || colon > p)
		return false;
	for (const char *q = skip_spaces(colon + 1); q < p && isdigit((unsigned char)*q); q++)
		n = n > 100000000L ? n : n * 10 + (*q - '0');
	/* The VT-d handler spends three calls of its one ratelimit per fault it reports
	 * (the "DRHD: handling fault status reg" line, the record, the check that finds
	 * no more records), so its note counts calls, not faults: a fault is a third of
	 * them (seen on the lab: 26 faults dropped, "77 callbacks suppressed"). AMD's
	 * per-device ratelimit counts faults. */
	if (strncmp(msg, "dmar_fault:", 11) == 0 || strncmp(msg, "DMAR:", 5) == 0)
		suppressed(sc, sc->last_dmar, &sc->dmar_suppressed, (n + 1) / 3);
	else if (strstr(msg, "amd_iommu") || strstr(msg, "iommu_print_event") ||
		 strncmp(msg, "AMD-Vi:", 7) == 0)
		suppressed(sc, sc->last_amd, &sc->amd_suppressed, n);
	return true;
}

static bool match_aer(struct scan *sc, const char *msg, const struct pt_bdf *pfx)
{
	const char *p;
	struct pt_bdf b;
	int sev;

	const char *src = NULL, *aer = strstr(msg, "AER");

	if (aer && (p = strstr(aer, "error received: ")))
		src = p + strlen("error received: ");
	else if (aer && (p = strstr(aer, "error message received from ")))
		src = p + strlen("error message received from ");
	if (src) {
		/* "AER: Multiple Uncorrected (Non-Fatal) error received: ..." */
		sev = aer_severity(aer, (size_t)(p - aer));
		src = skip_spaces(src);
		if (!pt_bdf_scan(src, &b) && !parse_reqid(src, pfx ? pfx->domain : 0, &b))
			return false;
		add_aer(sc, &b, sev, true);
		return true;
	}
	if ((p = strstr(msg, "PCIe Bus Error: severity="))) {
		const char *s = p + strlen("PCIe Bus Error: severity=");
		const char *id = strstr(s, "id=");

		sev = aer_severity(s, strcspn(s, ","));
		if (pfx)
			b = *pfx;
		else if (!id || !parse_reqid(id, 0, &b))
			return false;
		add_aer(sc, &b, sev, false);
		return true;
	}
	return false;
}

static bool contains_ci(const char *s, const char *needle)
{
	return strcasestr(s, needle) != NULL;
}

static void match_state(struct scan *sc, const char *msg)
{
	struct pt_klog *o = sc->out;
	const char *p;

	/* AMD: "X2APIC enabled" follows "Interrupt remapping enabled" (with "Virtual APIC
	 * enabled" maybe between); anything else means xAPIC. */
	if (sc->amd_ir_pending) {
		if (strstr(msg, "AMD-Vi: X2APIC enabled")) {
			set_str(o->ir_mode, sizeof(o->ir_mode), "x2apic");
			sc->amd_ir_pending = false;
			return;
		}
		if (!strstr(msg, "AMD-Vi: Virtual APIC enabled")) {
			if (!o->ir_mode[0])
				set_str(o->ir_mode, sizeof(o->ir_mode), "xapic");
			sc->amd_ir_pending = false;
		}
	}

	/* --- Intel VT-d --- */
	if (strstr(msg, "Intel(R) Virtualization Technology for Directed I/O")) {
		set_vendor(sc, "intel");
		set_dma(sc, PT_YES, 2);
	} else if (strstr(msg, "DMAR: IOMMU enabled") ||
		   strstr(msg, "Intel-IOMMU force enabled due to platform opt in")) {
		set_vendor(sc, "intel");
		set_dma(sc, PT_YES, 1);
	} else if (strstr(msg, "DMAR: IOMMU disabled")) {
		set_vendor(sc, "intel");
		set_dma(sc, PT_NO, 3);
	} else if (strstr(msg, "DMAR: Host address width") || strstr(msg, "ACPI: DMAR 0x")) {
		set_vendor(sc, "intel");
		if (!sc->intel_table[0])
			set_str(sc->intel_table, sizeof(sc->intel_table), sc->raw);
	}

	if ((p = strstr(msg, "Enabled IRQ remapping in "))) {
		p += strlen("Enabled IRQ remapping in ");
		set_vendor(sc, "intel");
		set_ir(sc, PT_YES, starts(p, "x2apic") ? "x2apic" : starts(p, "xapic") ? "xapic" : "");
	}

	/* --- AMD-Vi (amd_iommu_v2 loads on every x86 and says "AMD-Vi: AMD IOMMUv2
	 * functionality not available": only these lines tell of an AMD IOMMU) --- */
	if (strstr(msg, "AMD-Vi")) {
		if (strstr(msg, "AMD IOMMU disabled") || strstr(msg, "AMD-Vi disabled")) {
			set_vendor(sc, "amd");
			set_dma(sc, PT_NO, 3);
		} else if (strstr(msg, "Found IOMMU")) {
			set_vendor(sc, "amd");
			set_dma(sc, PT_YES, 2);
		} else if (strstr(msg, "AMD IOMMUv2 loaded") || strstr(msg, "Extended features") ||
			   strstr(msg, "Lazy IO/TLB flushing enabled")) {
			/* later lines of the same driver: the unit's own line stays the evidence */
			set_vendor(sc, "amd");
			if (sc->out->dma_remapping != PT_YES || sc->dma_strength < 2)
				set_dma(sc, PT_YES, 2);
		} else if (strstr(msg, "Initialized for Passthrough Mode")) {
			set_vendor(sc, "amd");
			set_dma(sc, PT_YES, 2);
			if (!o->default_domain[0]) {
				set_str(o->default_domain, sizeof(o->default_domain), "passthrough");
				set_str(o->domain_evidence, sizeof(o->domain_evidence), sc->raw);
			}
		}
		if (strstr(msg, "AMD-Vi: Interrupt remapping enabled")) {
			set_vendor(sc, "amd");
			set_ir(sc, PT_YES, NULL);
			sc->amd_ir_pending = true;
		}
	} else if (strstr(msg, "Disable IOMMU on Stoney Ridge")) {
		set_vendor(sc, "amd");
		set_dma(sc, PT_NO, 3);
	} else if (strstr(msg, "ACPI: IVRS 0x")) {
		set_vendor(sc, "amd");
		if (!sc->amd_table[0])
			set_str(sc->amd_table, sizeof(sc->amd_table), sc->raw);
	}

	/* --- virtio-iommu: the driver probed the device ("virtio_iommu virtio0: input
	 * address: 39 bits"); the firmware describes it in a VIOT table, not DMAR/IVRS --- */
	if (strstr(msg, "virtio_iommu virtio") && strstr(msg, ": input address:")) {
		set_vendor(sc, "virtio");
		set_dma(sc, PT_YES, 2);
	}

	/* --- Arm SMMU: the driver probed a unit ("ias 48-bit, oas 48-bit (features
	 * 0x...)" from arm-smmu-v3, "probing hardware configuration..." from arm-smmu) --- */
	if (strstr(msg, "arm-smmu") &&
	    ((strstr(msg, ": ias ") && strstr(msg, "oas ")) ||
	     strstr(msg, "probing hardware configuration"))) {
		set_vendor(sc, "arm");
		set_dma(sc, PT_YES, 2);
	}

	/* --- interrupt remapping turned off (intremap=off, errata, failures) --- */
	if ((contains_ci(msg, "irq remapping") || contains_ci(msg, "interrupt remapping") ||
	     contains_ci(msg, "intr-remapping") || contains_ci(msg, "irq-remapping")) &&
	    (contains_ci(msg, "disabled") || contains_ci(msg, "failed to enable") ||
	     contains_ci(msg, "not enabling")) &&
	    !contains_ci(msg, "remapping enabled"))
		set_ir(sc, PT_NO, NULL);

	/* --- the IOMMU core's default domain (printed even with no IOMMU on) --- */
	if ((p = strstr(msg, "Default domain type: "))) {
		p += strlen("Default domain type: ");
		if (starts(p, "Translated"))
			set_str(o->default_domain, sizeof(o->default_domain), "translated");
		else if (starts(p, "Passthrough"))
			set_str(o->default_domain, sizeof(o->default_domain), "passthrough");
		else
			o->default_domain[0] = '\0';
		set_str(o->domain_evidence, sizeof(o->domain_evidence), sc->raw);
	}

	/* --- the ACPI table listing (boot): DMAR/IVRS/IORT describe IOMMUs --- */
	if ((strstr(msg, "ACPI: XSDT 0x") || strstr(msg, "ACPI: RSDT 0x")) && !sc->acpi_root[0])
		set_str(sc->acpi_root, sizeof(sc->acpi_root), sc->raw);
	if (strstr(msg, "ACPI: IORT 0x"))
		sc->saw_iort = true;

	/* --- boot completeness --- */
	if (strstr(msg, "Freeing unused kernel") || strstr(msg, "as init process"))
		sc->saw_init_done = true;
}

/* ---- line handling ---------------------------------------------------------------- */

/* Each prefix form a log adds in front of the kernel's message: its matcher returns
 * what follows the prefix, or NULL when p does not start with one. */

/* "<6>" syslog priority */
static const char *syslog_priority(const char *p)
{
	size_t n = 1;

	if (p[0] != '<')
		return NULL;
	while (n < 5 && isdigit((unsigned char)p[n]))
		n++;
	return n > 1 && p[n] == '>' ? p + n + 1 : NULL;
}

/* "[    0.123456] " / "[  +0.000004] " / "[Sat Nov 21 06:06:48 2026] " /
 * "[Nov21 06:06] " (dmesg --time-format reltime) */
static const char *bracket_stamp(const char *p)
{
	const char *c;
	size_t n = 1;
	bool digit = false, ok = true;

	if (p[0] != '[')
		return NULL;
	c = skip_spaces(p + 1);
	while (p[n] && p[n] != ']' && n < 48) {
		char ch = p[n];

		if (isdigit((unsigned char)ch))
			digit = true;
		else if (!(ch == ' ' || ch == '.' || ch == ':' || ch == '+' || ch == '-' || ch == ',' ||
			   isalpha((unsigned char)ch)))
			ok = false;
		n++;
	}
	/* a number, or a weekday and a month: "[DMA Read]" and "[fault reason 06]" are
	 * messages, not timestamps */
	if (ok && digit && p[n] == ']' &&
	    (isdigit((unsigned char)*c) || *c == '+' ||
	     (isupper((unsigned char)c[0]) && islower((unsigned char)c[1]) &&
	      islower((unsigned char)c[2]) &&
	      ((c[3] == ' ' && isupper((unsigned char)c[4])) || /* "[Sat Nov 21 ...]" */
	       isdigit((unsigned char)c[3])))))                   /* "[Nov21 06:06]" */
		return skip_spaces(p + n + 1);
	return NULL;
}

/* "Nov 21 06:06:48 " (syslog, journalctl short) */
static const char *syslog_stamp(const char *p)
{
	const char *q;

	if (!(isupper((unsigned char)p[0]) && islower((unsigned char)p[1]) &&
	      islower((unsigned char)p[2]) && p[3] == ' '))
		return NULL;
	q = skip_spaces(p + 4);
	if (!(isdigit((unsigned char)q[0]) && (isdigit((unsigned char)q[1]) || q[1] == ' ')))
		return NULL;
	q += isdigit((unsigned char)q[1]) ? 2 : 1;
	q = skip_spaces(q);
	if (!(isdigit((unsigned char)q[0]) && isdigit((unsigned char)q[1]) && q[2] == ':' &&
	      isdigit((unsigned char)q[3]) && isdigit((unsigned char)q[4]) && q[5] == ':' &&
	      isdigit((unsigned char)q[6]) && isdigit((unsigned char)q[7])))
		return NULL;
	q += 8;
	if (*q == '.')
		for (q++; isdigit((unsigned char)*q); q++)
			;
	return skip_spaces(q);
}

/* "2026-11-21T06:06:48.123456+00:00 " / "2026-11-21T06:06:48,123+0000 ", and the zone
 * journalctl -o short-full writes after it ("... 06:06:48 UTC host kernel:") */
static const char *iso_stamp(const char *p)
{
	const char *q, *s;
	size_t n = 0;

	if (!(isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	      isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) && p[4] == '-' &&
	      isdigit((unsigned char)p[5]) && isdigit((unsigned char)p[6]) && p[7] == '-' &&
	      isdigit((unsigned char)p[8]) && isdigit((unsigned char)p[9]) &&
	      (p[10] == 'T' || p[10] == ' ')))
		return NULL;
	q = p + 11;
	while (*q && *q != ' ' && (isdigit((unsigned char)*q) || strchr(":.,+-Z", *q)))
		q++;
	if (*q != ' ')
		return NULL;
	s = skip_spaces(q);
	while (isupper((unsigned char)s[n]) && n < 6)
		n++;
	return n >= 2 && s[n] == ' ' ? s + n + 1 : s;
}

/* "Sat 2026-11-21 06:06:48 UTC " (journalctl -o short-full): the weekday */
static const char *weekday(const char *p)
{
	if (isupper((unsigned char)p[0]) && islower((unsigned char)p[1]) &&
	    islower((unsigned char)p[2]) && p[3] == ' ' && isdigit((unsigned char)p[4]) &&
	    isdigit((unsigned char)p[5]) && isdigit((unsigned char)p[6]) &&
	    isdigit((unsigned char)p[7]) && p[8] == '-')
		return p + 4;
	return NULL;
}

/* "1732169208.123456 host kernel: " (journalctl -o short-unix) */
static const char *unix_stamp(const char *p)
{
	const char *q = p, *h;
	size_t hn;

	if (!isdigit((unsigned char)p[0]))
		return NULL;
	while (isdigit((unsigned char)*q) && q - p < 20)
		q++;
	if (*q == '.')
		for (q++; isdigit((unsigned char)*q) && q - p < 40; q++)
			;
	if (*q != ' ')
		return NULL;
	h = q + 1;
	hn = strcspn(h, " ");
	if (hn > 0 && hn < 128 && starts(h + hn, " kernel: "))
		return h + hn + strlen(" kernel: ");
	return NULL;
}

/* "kern  :info  : " (dmesg -x) */
static const char *dmesg_level(const char *p)
{
	const char *q, *r;
	size_t n = 0, m = 1;

	if (!islower((unsigned char)p[0]))
		return NULL;
	while (islower((unsigned char)p[n]) && n < 8)
		n++;
	q = skip_spaces(p + n);
	if (!(n >= 3 && q[0] == ':' && islower((unsigned char)q[1])))
		return NULL;
	while (islower((unsigned char)q[m]) && m < 10)
		m++;
	r = skip_spaces(q + m);
	return r[0] == ':' && r[1] == ' ' ? r + 2 : NULL;
}

/* "hostname kernel: " (or "kernel: ") after a syslog timestamp */
static const char *host_kernel(const char *s)
{
	size_t n = strcspn(s, " ");

	if (n > 0 && n < 128 && starts(s + n, " kernel: "))
		return s + n + strlen(" kernel: ");
	if (starts(s, "kernel: "))
		return s + strlen("kernel: ");
	return s;
}

/* Strips the prefixes a log's form adds in front of the kernel's message: up to four,
 * tried in this order each time (a timestamp may be followed by the host's name). */
static const char *strip_prefixes(const char *s)
{
	for (int round = 0; round < 4; round++) {
		const char *q;

		if ((q = syslog_priority(s)))
			s = q;
		else if ((q = bracket_stamp(s)) || (q = syslog_stamp(s)) || (q = iso_stamp(s)))
			s = host_kernel(q);
		else if ((q = weekday(s)) || (q = unix_stamp(s)) || (q = dmesg_level(s)))
			s = q;
		else
			break;
	}
	return s;
}

/* "pcieport 0000:00:1c.0: rest" -> the BDF and "rest". Only full BDFs (as the driver
 * core prints them) count. */
static const char *device_prefix(const char *msg, struct pt_bdf *b, bool *have)
{
	size_t n = strcspn(msg, " :");
	size_t used;

	*have = false;
	if (n == 0 || n > 40 || msg[n] != ' ')
		return msg;
	used = pt_bdf_scan(msg + n + 1, b);
	if (!used || msg[n + 1 + used] != ':' || strchr(msg + n + 1, ':') - (msg + n + 1) < 4)
		return msg;
	*have = true;
	return skip_spaces(msg + n + 1 + used + 1);
}

static void logical_line(struct scan *sc, const char *line)
{
	const char *msg = strip_prefixes(line);
	const char *body;
	struct pt_bdf pfx;
	bool have_pfx;

	if (!*msg)
		return;
	sc->out->lines++;
	sc->raw = line;
	body = device_prefix(msg, &pfx, &have_pfx);

	if (strncmp(msg, "Linux version ", 14) == 0)
		new_boot(sc);

	/* continuations of a message split over lines */
	if (sc->dmar_pending) {
		char reason[160];

		if (fault_reason(msg, reason, sizeof(reason)) && !strstr(msg, "Request device")) {
			struct pt_klog_fault *f = &sc->out->faults[sc->dmar_pending - 1];

			if (!f->reason[0])
				set_str(f->reason, sizeof(f->reason), reason);
			sc->dmar_pending = 0;
			return;
		}
		if (--sc->dmar_pending_lines <= 0)
			sc->dmar_pending = 0;
	}
	if (sc->amd_pending && !strstr(msg, "Event logged [")) {
		const char *d = strstr(msg, "device=");
		struct pt_bdf b;

		if (d && scan_bdf_loose(d + 7, &b)) {
			char type[40];

			sc->amd_pending = false;
			set_str(type, sizeof(type), sc->amd_pending_type);
			if (!type[0])
				event_type(msg, type, sizeof(type));
			add_fault(sc, &b, "amd-vi", type);
			return;
		}
		if (--sc->amd_pending_lines <= 0)
			sc->amd_pending = false;
	}

	if (match_dmar_fault(sc, msg) || match_amd_fault(sc, body, have_pfx ? &pfx : NULL) ||
	    match_smmu_fault(sc, msg) || match_suppressed(sc, msg) ||
	    match_aer(sc, body, have_pfx ? &pfx : NULL))
		return;
	match_state(sc, msg);
}

/* kmsg record header "6,339,5140900,-;" -> its timestamp and the message start. */
static size_t kmsg_header(const char *p, size_t n, unsigned long long *usec)
{
	size_t i = 0;
	int fields = 0;
	unsigned long long ts = 0;

	while (i < n && fields < 3) {
		size_t start = i;
		unsigned long long v = 0;

		while (i < n && isdigit((unsigned char)p[i]) && i - start < 20)
			v = v * 10 + (unsigned)(p[i++] - '0');
		if (i == start || i >= n || p[i] != ',')
			return 0;
		if (fields == 2)
			ts = v;
		fields++;
		i++;
	}
	/* flags and optional fields up to ';' */
	while (i < n && p[i] != ';' && p[i] != ' ' && i < 64)
		i++;
	if (i >= n || p[i] != ';')
		return 0;
	*usec = ts;
	return i + 1;
}

static int hexv(char c)
{
	if (isdigit((unsigned char)c))
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One physical line [p, p+n) of the input. */
static void physical_line(struct scan *sc, const char *p, size_t n)
{
	char line[LINE_MAX_];
	size_t o = 0, i = 0, hdr;
	unsigned long long usec = 0;
	bool kmsg_rec = false;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	hdr = kmsg_header(p, n, &usec);
	if (hdr) {
		sc->kmsg = true;
		kmsg_rec = true;
		i = hdr;
		o = (size_t)snprintf(line, sizeof(line), "[%5llu.%06llu] ", usec / 1000000,
				     usec % 1000000);
	} else if (sc->kmsg && n > 0 && p[0] == ' ') {
		return; /* " SUBSYSTEM=pci" / " DEVICE=+pci:0000:00:1c.0": record metadata */
	}
	for (; i < n; i++) {
		char c = p[i];

		/* kmsg escapes non-printable bytes, newlines included, as \xNN */
		if (kmsg_rec && c == '\\' && i + 3 < n && p[i + 1] == 'x' && hexv(p[i + 2]) >= 0 &&
		    hexv(p[i + 3]) >= 0) {
			int v = hexv(p[i + 2]) * 16 + hexv(p[i + 3]);

			i += 3;
			if (v == '\n') {
				line[o] = '\0';
				logical_line(sc, line);
				o = 0;
				continue;
			}
			c = (char)v;
		}
		if (c == '\0' || c == '\r' || c == '\t' || (unsigned char)c < 0x20)
			c = ' ';
		if (o < sizeof(line) - 1)
			line[o++] = c;
	}
	line[o] = '\0';
	logical_line(sc, line);
}

/* After the last line, for a log that holds a whole boot: an IOMMU whose driver never
 * said it was up is off, and so is one the firmware does not describe at all. */
static void conclude(struct scan *sc)
{
	struct pt_klog *o = sc->out;
	const char *table = sc->intel_table[0] ? sc->intel_table : sc->amd_table[0] ? sc->amd_table : NULL;

	if (!sc->saw_banner || !sc->saw_init_done)
		return;
	/* interrupt remapping is enabled early ("DMAR-IR: Enabled IRQ remapping in ...
	 * mode", "AMD-Vi: Interrupt remapping enabled"), DMA remapping or not: an IOMMU
	 * table without that line in a whole boot means it stayed off (intremap=off,
	 * a unit without the IR capability) */
	if (table && o->interrupt_remapping == PT_UNKNOWN) {
		o->interrupt_remapping = PT_NO;
		snprintf(o->ir_evidence, sizeof(o->ir_evidence),
			 "no %s line in a complete boot log, though the firmware table is there: %s",
			 sc->intel_table[0] ? "\"DMAR-IR: Enabled IRQ remapping\""
					    : "\"AMD-Vi: Interrupt remapping enabled\"",
			 table);
	}
	/* "DMAR: IOMMU enabled" only says intel_iommu=on was parsed: in a whole boot
	 * without the driver's init line, the driver never came up */
	/* virtio-iommu translates DMA but remaps no interrupt on x86 (only VT-d's and
	 * AMD-Vi's remapping units do): vfio then needs allow_unsafe_interrupts */
	if (!strcmp(o->vendor, "virtio") && o->interrupt_remapping == PT_UNKNOWN) {
		o->interrupt_remapping = PT_NO;
		snprintf(o->ir_evidence, sizeof(o->ir_evidence),
			 "the IOMMU is virtio-iommu, which remaps no interrupts (no DMAR-IR or "
			 "AMD-Vi line in a complete boot log): %s", o->dma_evidence);
	}
	if (!(o->dma_remapping == PT_UNKNOWN || (o->dma_remapping == PT_YES && sc->dma_strength == 1)))
		return;
	if (table) {
		o->dma_remapping = PT_NO;
		snprintf(o->dma_evidence, sizeof(o->dma_evidence),
			 "no %s line in a complete boot log, though the firmware table is there: %s",
			 sc->intel_table[0]
				 ? "\"DMAR: Intel(R) Virtualization Technology for Directed I/O\""
				 : "\"AMD-Vi: Found IOMMU\"",
			 table);
		return;
	}
	/* x86 firmware lists its ACPI tables at boot; no DMAR/IVRS (nor an ARM IORT)
	 * among them means no IOMMU to turn on, and no interrupt remapping either */
	if (sc->acpi_root[0] && !sc->saw_iort && (!o->vendor[0] || sc->dma_strength == 1)) {
		o->dma_remapping = PT_NO;
		snprintf(o->dma_evidence, sizeof(o->dma_evidence),
			 "no DMAR or IVRS table among the ACPI tables of a complete boot log "
			 "(the firmware describes no IOMMU): %s", sc->acpi_root);
		if (o->interrupt_remapping == PT_UNKNOWN) {
			o->interrupt_remapping = PT_NO;
			set_str(o->ir_evidence, sizeof(o->ir_evidence), o->dma_evidence);
		}
	}
}

int pt_klog_parse(const char *buf, size_t len, struct pt_klog *out)
{
	struct scan sc = { 0 };
	size_t start = 0;

	memset(out, 0, sizeof(*out));
	out->dma_remapping = PT_UNKNOWN;
	out->interrupt_remapping = PT_UNKNOWN;
	sc.out = out;
	if (!buf)
		len = 0;
	/* lines end at "\n", "\r\n" or a lone "\r" (a log saved by an old terminal
	 * program); the next of each is remembered, so a file of one kind of ending is
	 * still scanned once */
	{
		size_t nl = 0, cr = 0;
		bool have_nl = false, have_cr = false;

		while (start < len && !sc.err) {
			size_t end;

			if (!have_nl || nl < start) {
				const char *q = memchr(buf + start, '\n', len - start);

				nl = q ? (size_t)(q - buf) : len;
				have_nl = true;
			}
			if (!have_cr || cr < start) {
				const char *q = memchr(buf + start, '\r', len - start);

				cr = q ? (size_t)(q - buf) : len;
				have_cr = true;
			}
			end = nl < cr ? nl : cr;
			physical_line(&sc, buf + start, end - start);
			start = end + 1;
			if (end == cr && end + 1 < len && buf[end + 1] == '\n')
				start++;
		}
	}
	index_free(&sc.fault_ix);
	index_free(&sc.aer_ix);
	if (sc.err)
		return sc.err;
	conclude(&sc);
	return 0;
}

void pt_klog_free(struct pt_klog *log)
{
	if (!log)
		return;
	free(log->faults);
	free(log->aer);
	log->faults = NULL;
	log->aer = NULL;
	log->n_faults = log->n_aer = 0;
}

/* ---- reading ---------------------------------------------------------------------- */

/* Reads fd to the end (EAGAIN ends /dev/kmsg; EPIPE means records were overwritten
 * while reading: go on), at most max bytes. Each read asks for room for a whole kmsg
 * record (the kernel refuses a smaller buffer with EINVAL). */
/* A stream (a pipe: "dmesg | passthru log -") cannot be seeked to its end: it is read
 * whole, keeping its last max bytes (the boot that runs now), in a buffer of twice
 * that which drops its older half when full. */
static int read_tail(int fd, char **out, size_t *outlen, size_t max)
{
	size_t cap = 2 * max, got = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (got == cap) {
			memmove(buf, buf + (got - max), max);
			got = max;
		}
		n = read(fd, buf + got, cap - got);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (e == EAGAIN)
				break;
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max) {
		memmove(buf, buf + (got - max), max);
		got = max;
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	return 0;
}

static int read_all(int fd, char **out, size_t *outlen, size_t max)
{
	size_t cap = 65536, got = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (cap - got < 8192 && cap < max) {
			char *nb;

			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		if (got == cap)
			break;
		n = read(fd, buf + got, cap - got);
		if (n < 0) {
			int e = errno;

			if (e == EINTR || e == EPIPE)
				continue;
			if (e == EAGAIN || (e == EINVAL && cap - got < 8192))
				break; /* the end, or the last record does not fit */
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	return 0;
}

int pt_klog_read(struct pt_ctx *ctx, const char *file, char **buf, size_t *len)
{
	char path[4096];
	bool stream = false;
	size_t n = 0;
	int fd, r;

	*buf = NULL;
	if (len)
		*len = 0;
	if (file) {
		pt_strlcpy(path, file, sizeof(path));
	} else {
		r = pt_path(ctx, path, sizeof(path), "/dev/kmsg");
		if (r < 0)
			return pt_err(ctx, r, "the sysroot path to /dev/kmsg is too long");
	}
	if (file)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	else
		fd = pt_open_rel(ctx, "/dev/kmsg", O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < -1) {
		errno = -fd;
		fd = -1;
	}
	if (fd >= 0) {
		struct stat st;

		if (fstat(fd, &st) == 0) {
			if (file && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
				stream = true;
			/* "passthru log /dev/kmsg": a character device is read to its end,
			 * not waited on */
			if (file && S_ISCHR(st.st_mode))
				fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			/* a log larger than the bound: its end holds the boot that runs now
			 * (the first, partial line is scanned as noise) */
			if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > PT_KLOG_MAX)
				lseek(fd, st.st_size - (off_t)PT_KLOG_MAX, SEEK_SET);
		}
	}
	if (fd < 0) {
		r = -errno;
		return pt_err(ctx, r, "cannot open the kernel log %s: %s%s", path, strerror(-r),
			      !file && (r == -EPERM || r == -EACCES)
				      ? " (kernel.dmesg_restrict: run as root, or give a saved log)"
				      : "");
	}
	r = stream ? read_tail(fd, buf, &n, PT_KLOG_MAX) : read_all(fd, buf, &n, PT_KLOG_MAX);
	close(fd);
	if (r < 0)
		return pt_err(ctx, r, "cannot read the kernel log %s: %s", path, strerror(-r));
	if (len)
		*len = n;
	return 0;
}

/* ---- bind order of one function (boot.vfio-early) ---------------------------------- */

static bool drv_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* The word before position at in line (ending one blank before it), when it starts the
 * message: at the line's start or after "] ", ";", ": " (kmsg, dmesg, journal). */
static size_t word_before(const char *line, size_t at, char *out, size_t outlen)
{
	size_t e, b;

	if (at < 2 || line[at - 1] != ' ')
		return 0;
	e = at - 1;
	b = e;
	while (b > 0 && drv_char(line[b - 1]))
		b--;
	if (b == e || e - b >= outlen)
		return 0;
	if (b > 0 && line[b - 1] != ' ' && line[b - 1] != ';' && line[b - 1] != ']')
		return 0;
	memcpy(out, line + b, e - b);
	out[e - b] = '\0';
	return e - b;
}

/* The first word of the message in line: after a "[ time] ", "prio,seq,time,-;" or
 * "host kernel: " prefix. */
static void message_word(const char *line, size_t len, char *out, size_t outlen)
{
	const char *p = line, *end = line + len, *q;
	size_t n = 0;

	if ((q = memchr(p, ';', len)) && q - p < 40)
		p = q + 1;
	else if (*p == '[' && (q = memchr(p, ']', len)))
		p = q + 1;
	else if ((q = memmem(p, len, "kernel: ", 8)))
		p = q + 8;
	while (p < end && *p == ' ')
		p++;
	while (p + n < end && drv_char(p[n]) && n + 1 < outlen)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

static void keep_line(char *dst, size_t dlen, const char *line, size_t len)
{
	size_t n = len < dlen - 1 ? len : dlen - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = (line[i] >= 0x20 && line[i] != 0x7f) ? line[i] : '?';
	dst[n] = '\0';
}

int pt_klog_binds(const char *buf, size_t len, const char *bdf, struct pt_klog_binds *out)
{
	size_t blen = strlen(bdf), pos = 0;

	memset(out, 0, sizeof(*out));
	if (!blen)
		return 0;
	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		const char *hit;
		char drv[64];

		pos += ll + 1;
		if (ll && line[0] == ' ')
			continue; /* kmsg's KEY=value continuation lines */
		out->lines++;
		if (memmem(line, ll, "Linux version ", 14))
			out->boots++;
		hit = memmem(line, ll, bdf, blen);
		if (!hit)
			continue;
		out->mentions++;
		drv[0] = '\0';
		if (hit - line >= 13 && !memcmp(hit - 13, "pci function ", 13))
			message_word(line, ll, drv, sizeof(drv));
		else if ((size_t)(hit - line) + blen < ll && (hit[blen] == ':' || hit[blen] == ' '))
			word_before(line, (size_t)(hit - line), drv, sizeof(drv));
		if (!drv[0] || !strcmp(drv, "pci") || !strcmp(drv, "pcieport"))
			continue;
		if (!strcmp(drv, "vfio-pci") || !strcmp(drv, "vfio_pci")) {
			if (!out->first_vfio[0])
				keep_line(out->first_vfio, sizeof(out->first_vfio), line, ll);
		} else if (!out->first_host[0]) {
			keep_line(out->first_host, sizeof(out->first_host), line, ll);
			pt_strlcpy(out->host_driver, drv, sizeof(out->host_driver));
		}
	}
	return 0;
}
