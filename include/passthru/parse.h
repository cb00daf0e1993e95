/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers of sysfs and procfs values. Each takes bytes and returns a value;
 * none does I/O, so each is fuzzed directly (tests/fuzz/fuzz-sysfs.c).
 */
#ifndef PASSTHRU_PARSE_H
#define PASSTHRU_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* A decimal or 0x-prefixed hex integer, optional surrounding white space.
 * Returns 0 or -EINVAL / -ERANGE. */
int pt_parse_long(const char *s, long *out);
/* Hex with or without 0x ("0x8086", "8086"). */
int pt_parse_hex(const char *s, long *out);
/* "8.0 GT/s PCIe", "2.5 GT/s", "16.0 GT/s PCIe", "Unknown" -> MT/s (8000...), -1 unknown. */
int pt_parse_link_speed(const char *s);
/* "x8"/"8" -> 8; "0", "Unknown" -> -1. */
int pt_parse_link_width(const char *s);
/* PCIe Link Capabilities speed code (1 = 2.5 GT/s ... 6 = 64 GT/s) -> MT/s, -1. */
int pt_link_code_to_mts(int code);
/* Formats MT/s as "8.0 GT/s" into buf. */
char *pt_format_speed(int mts, char *buf, size_t len);
/* For people: a count or id, "unknown" when negative (the model's -1). */
char *pt_format_count(long long v, char *buf, size_t len);
/* A size in KiB as the largest exact binary unit: 2048 -> "2 MiB", 1048576 -> "1 GiB",
 * 1536 -> "1536 KiB"; "unknown" when negative. */
char *pt_format_kib(long long kb, char *buf, size_t len);

/* A cpulist ("0-3,8,10-11"): counts the CPUs and fills mask bits for CPUs < nbits.
 * Returns the number of CPUs or -EINVAL. */
int pt_parse_cpulist(const char *s, uint64_t *mask, size_t nbits);
/* True when every CPU in list a is in list b (both cpulists). -EINVAL on bad input. */
int pt_cpulist_subset(const char *a, const char *b);

/* aer_dev_correctable / _nonfatal / _fatal: returns TOTAL_ERR_* or -1 if absent. */
long long pt_parse_aer_total(const char *buf, size_t len);

/* The number at the end of a link target ("../../../kernel/iommu_groups/12" -> 12),
 * -1 if none. */
int pt_parse_trailing_int(const char *s);

/* Splits a kernel command line into the value of one parameter:
 * pt_cmdline_get("a=1 intel_iommu=on,sm_on", "intel_iommu", buf, len) -> 1 and "on,sm_on";
 * 0 when the parameter is present without a value ("quiet"), -1 when absent.
 * Quotes ("a=\"x y\"") are honoured. The last occurrence wins, as in the kernel. */
int pt_cmdline_get(const char *cmdline, const char *key, char *buf, size_t len);

/* Offset of the first byte that is not part of valid UTF-8 (overlong forms, surrogates
 * and code points past U+10FFFF are invalid; so is NUL), or len when all is valid.
 * Outside text is checked before it reaches a parser that assumes UTF-8 (libfyaml
 * 0.7.12 loops forever on "%" followed by an invalid byte). */
size_t pt_utf8_invalid_at(const char *buf, size_t len);

/* A MAC address written "aa:bb:cc:dd:ee:ff": exactly six two-digit hex pairs, any case,
 * colon-separated, nothing before or after. 0 with mac filled, or -EINVAL. Whether a
 * multicast or all-zero address is acceptable is the caller's rule, not the syntax's. */
int pt_parse_mac(const char *s, uint8_t mac[6]);
/* Formats mac as "aa:bb:cc:dd:ee:ff" (lower case) into buf (at least 18 bytes). */
char *pt_format_mac(const uint8_t mac[6], char *buf, size_t len);

/* /proc/interrupts text: counts the MSI lines whose chip is remapped ("IR-PCI-MSI")
 * and those that are not ("PCI-MSI"). */
void pt_parse_interrupts(const char *buf, size_t len, int *remapped, int *direct);

/* /proc/cpuinfo text: "vmx" or "svm" when a "flags" line names one (hardware
 * virtualization), "" when flags lines exist without either, NULL when there is no
 * flags line at all (unknown). */
const char *pt_parse_cpu_virt(const char *buf, size_t len);

/* modules.dep / modules.builtin text: 1 when a line's first path ends in module's .ko
 * (any compression suffix; '-' and '_' are the same in module names), else 0. */
int pt_modules_list_has(const char *buf, size_t len, const char *module);

/* A PCI function's uevent file ("DRIVER=iavf\nPCI_CLASS=20000\nPCI_ID=8086:154C\n
 * PCI_SUBSYS_ID=8086:0000\nPCI_SLOT_NAME=0000:18:02.1\nMODALIAS=...\n"): the kernel
 * prints the same struct pci_dev fields the vendor, device, subsystem_vendor,
 * subsystem_device and class attributes print (after its fix-ups: a VF's IDs, class
 * quirks), and DRIVER is the name the driver link's target ends in. A key that is
 * absent or malformed leaves its field unknown (-1, has_* false); unknown keys are
 * ignored. Returns 0, or -EINVAL when no line is a KEY=VALUE pair at all. */
struct pt_uevent {
	int vendor_id, device_id;               /* PCI_ID; -1 unknown */
	int subsys_vendor_id, subsys_device_id; /* PCI_SUBSYS_ID; -1 unknown */
	int class_code;                         /* PCI_CLASS, 24 bits; -1 unknown */
	bool has_driver;                        /* a DRIVER line */
	char driver[64];                        /* its value, truncated to fit */
	char slot[16];                          /* PCI_SLOT_NAME; "" when absent or too long */
};
int pt_parse_uevent(const char *buf, size_t len, struct pt_uevent *out);

#endif
