/* SPDX-License-Identifier: MIT */
/*
 * The kernel-log scanner: what the kernel said about DMA and interrupt remapping,
 * and which devices took IOMMU faults or PCIe AER errors.
 *
 * pt_klog_parse() is a pure function of bytes (fuzzed: tests/fuzz/fuzz-klog.c). It
 * reads every form a kernel log is found in: raw /dev/kmsg records
 * ("6,339,5140900,-;msg" with " KEY=value" continuation lines and \x0a escapes),
 * dmesg ("[    0.123456] msg"), dmesg -T ("[Sat Nov 21 06:06:48 2026] msg"),
 * dmesg -x ("kern  :info  : msg"), dmesg reltime ("[Nov21 06:06] msg"), syslog and
 * journalctl ("Nov 21 06:06:48 host kernel: msg", short-precise, short-iso, short-full
 * "Sat 2026-11-21 06:06:48 UTC host kernel:", short-unix, short-monotonic, cat),
 * "<6>" priorities, bare messages, CRLF line ends, and messages the kernel (or a copy
 * and paste) split over two lines.
 *
 * State lines are judged only from lines that prove them: "iommu: Default domain
 * type" is printed even when no IOMMU is on, and interrupt remapping can be on while
 * DMA remapping is off. When a log holds several boots (a "Linux version" banner
 * starts each), the remapping state is the last boot's; faults and AER errors are
 * counted over the whole log.
 */
#ifndef PASSTHRU_KLOG_H
#define PASSTHRU_KLOG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pt_ctx;

struct pt_klog_fault {            /* IOMMU DMA faults, one entry per device */
	char device[24];          /* full BDF "0000:00:02.0" whatever form the log used */
	long count;               /* fault lines for this device, plus the faults "N callbacks
				   * suppressed" notes say were dropped (see suppressed) */
	char kind[16];            /* "dmar" | "amd-vi" | "smmu" */
	char reason[160];         /* e.g. "PTE Read access is not set" / "IO_PAGE_FAULT" */
	char first_line[256];     /* the first log line that showed it (evidence) */
	long suppressed;          /* of count, how many came from "callbacks suppressed" notes:
				   * AMD-Vi's N as is; VT-d's N/3 (its ratelimit is spent three
				   * times per fault), an estimate when one interrupt brought
				   * several faults */
};

struct pt_klog_aer {
	char device[24];          /* full BDF of the error source */
	long count;               /* error events (a "received" line and the device's own
				   * "PCIe Bus Error" line for the same event count once) */
	char severity[16];        /* "corrected" | "non-fatal" | "fatal" (the worst seen) */
	char first_line[256];     /* the first line of the worst severity seen (evidence) */
	/* per severity, indexed PT_KLOG_AER_CORRECTED..PT_KLOG_AER_FATAL: events and the
	 * first line that showed one; events whose severity no line told count only in
	 * count */
	long by_severity[3];
	char severity_line[3][256];
};
enum { PT_KLOG_AER_CORRECTED = 0, PT_KLOG_AER_NONFATAL = 1, PT_KLOG_AER_FATAL = 2 };
/* "corrected", "non-fatal", "fatal" for PT_KLOG_AER_*; "" otherwise. */
const char *pt_klog_aer_severity_str(int sev);

struct pt_klog {
	int dma_remapping;        /* PT_YES / PT_NO / PT_UNKNOWN (enum pt_tri in passthru.h) */
	int interrupt_remapping;
	char ir_mode[8];          /* "x2apic" | "xapic" | "" unknown */
	char default_domain[16];  /* "translated" | "passthrough" | "" unknown */
	char dma_evidence[256];   /* the line that proved dma_remapping (or its absence, if a line proves it off) */
	char ir_evidence[256];
	char domain_evidence[256];
	struct pt_klog_fault *faults; size_t n_faults;
	struct pt_klog_aer *aer; size_t n_aer;
	size_t lines;             /* lines scanned */
	char vendor[8];           /* "intel" | "amd" | "arm" | "virtio" | "": whose IOMMU the log talks of */
	int boots;                /* "Linux version" banners seen (0: the log starts mid-boot) */
};

/* Scans len bytes of kernel log (NUL bytes and any other bytes allowed; buf need not
 * be NUL-terminated). Fills out (which needs no initialisation; pt_klog_free it after,
 * whatever the result). Linear in len. Returns 0, or -ENOMEM. Pure: no I/O. */
int pt_klog_parse(const char *buf, size_t len, struct pt_klog *out);
/* Frees what pt_klog_parse allocated; a zeroed struct is fine. */
void pt_klog_free(struct pt_klog *log);

/* Which drivers the kernel log shows speaking for one function, in order: a driver's
 * dev_printk line is "<driver> <bdf>: ..." (the bus "pci" before any driver binds);
 * NVMe names its controller instead ("nvme nvme0: pci function <bdf>"). For the gate's
 * boot.vfio-early: did a host driver have the device before vfio-pci? */
struct pt_klog_binds {
	char first_host[256];     /* the first line from a driver other than vfio-pci; "" */
	char host_driver[64];     /* that driver */
	char first_vfio[256];     /* the first vfio-pci line for it; "" (vfio-pci is quiet) */
	long lines;               /* lines scanned */
	long mentions;            /* lines naming the function at all */
	int boots;                /* "Linux version" banners: 0, the log starts mid-boot */
};
/* Pure (fuzzed): scans len bytes for bdf ("0000:00:06.0"). Returns 0. */
int pt_klog_binds(const char *buf, size_t len, const char *bdf, struct pt_klog_binds *out);

/* Reads a kernel log into a malloc'd, NUL-terminated buffer (at most PT_KLOG_MAX bytes:
 * of a larger file, its last PT_KLOG_MAX bytes, where the running boot is).
 * file NULL: the context's sysroot /dev/kmsg, read without blocking until the end of
 * the ring buffer (a regular file in a captured sysroot is read the same way);
 * otherwise the named file, as given (not through the sysroot). */
#define PT_KLOG_MAX (16u << 20)
int pt_klog_read(struct pt_ctx *ctx, const char *file, char **buf, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
