// SPDX-License-Identifier: MIT
/* Pure parsers: sysfs values, BDFs, cpulists, command lines, config space. */
#include "passthru/parse.h"
#include "passthru/passthru.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_bdf(void)
{
	struct pt_bdf b;
	char s[PT_BDF_STRLEN];

	ok(pt_bdf_parse("0000:41:00.1", &b) == 0 && b.domain == 0 && b.bus == 0x41 && b.dev == 0 &&
		   b.fn == 1, "full BDF parses");
	ok(pt_bdf_parse("41:00.1", &b) == 0 && b.domain == 0 && b.bus == 0x41, "short BDF parses");
	ok(pt_bdf_parse("10000:00:02.0", &b) == 0 && b.domain == 0x10000, "32-bit (VMD) domain parses");
	is_str(pt_bdf_format(&b, s), "10000:00:02.0", "wide domain formats without truncation");
	ok(pt_bdf_parse("0000:41:20.0", &b) == -EINVAL, "device number > 0x1f rejected");
	ok(pt_bdf_parse("0000:41:00.8", &b) == -EINVAL, "function > 7 rejected");
	ok(pt_bdf_parse("0000:41:00.1x", &b) == -EINVAL, "trailing garbage rejected");
	ok(pt_bdf_parse("eth0", &b) == -EINVAL, "a netdev name is not a BDF");
	ok(pt_bdf_parse("", &b) == -EINVAL, "empty rejected");
	ok(pt_bdf_parse("123456789:00:00.0", &b) == -EINVAL, "domain wider than 32 bits rejected");

	/* the formatter (hand-written hex) prints what printf's "%04x:%02x:%02x.%x" prints,
	 * for every width of domain and the bytes' extremes, and parses back */
	{
		static const uint32_t doms[] = { 0, 1, 0xf, 0x10, 0xfff, 0xffff, 0x10000, 0xabcde,
						 0x1234567, 0xffffffff };
		int bad = 0, back = 0;

		for (size_t i = 0; i < sizeof(doms) / sizeof(doms[0]); i++)
			for (unsigned bus = 0; bus < 256; bus += 15)
				for (unsigned dev = 0; dev < 32; dev += 3)
					for (unsigned fn = 0; fn < 8; fn++) {
						struct pt_bdf x = { doms[i], (uint8_t)bus, (uint8_t)dev,
								    (uint8_t)fn }, y;
						char want[32];

						snprintf(want, sizeof(want), "%04x:%02x:%02x.%x",
							 x.domain, x.bus, x.dev, x.fn);
						bad += strcmp(pt_bdf_format(&x, s), want) != 0;
						back += pt_bdf_parse(s, &y) != 0 || !pt_bdf_eq(&x, &y);
					}
		ok(bad == 0, "pt_bdf_format == printf's %%04x:%%02x:%%02x.%%x (%d differ)", bad);
		ok(back == 0, "every formatted BDF parses back to itself (%d do not)", back);
	}
}

static void test_values(void)
{
	long v;

	ok(pt_parse_hex("0x8086\n", &v) == 0 && v == 0x8086, "hex with 0x and newline");
	ok(pt_parse_hex("10c9", &v) == 0 && v == 0x10c9, "hex without prefix");
	ok(pt_parse_long("-1\n", &v) == 0 && v == -1, "numa_node -1");
	ok(pt_parse_long("", &v) < 0, "empty is not a number");
	ok(pt_parse_long("12abc", &v) < 0, "trailing letters rejected");
	is_int(pt_parse_link_speed("8.0 GT/s PCIe"), 8000, "8 GT/s");
	is_int(pt_parse_link_speed("2.5 GT/s PCIe"), 2500, "2.5 GT/s");
	is_int(pt_parse_link_speed("16.0 GT/s PCIe"), 16000, "16 GT/s");
	is_int(pt_parse_link_speed("5 GT/s"), 5000, "old kernels: no decimals, no PCIe suffix");
	is_int(pt_parse_link_speed("Unknown"), -1, "Unknown speed");
	is_int(pt_parse_link_speed("Unknown speed"), -1, "Unknown speed (older wording)");
	is_int(pt_parse_link_width("8"), 8, "width 8");
	is_int(pt_parse_link_width("x16"), 16, "width x16");
	is_int(pt_parse_link_width("0"), -1, "width 0 is unknown (link down)");
	is_int(pt_parse_link_width("255"), -1, "width 255 is unknown");
}

static void test_cpulist(void)
{
	uint64_t m[2];

	is_int(pt_parse_cpulist("0-3,8,10-11", m, 128), 7, "cpulist count");
	ok(m[0] == 0xd0f, "cpulist mask");
	is_int(pt_parse_cpulist("", m, 128), 0, "empty cpulist (memory-only node)");
	ok(pt_parse_cpulist("3-1", m, 128) < 0, "reversed range rejected");
	ok(pt_parse_cpulist("0,,1", m, 128) < 0, "empty element rejected");
	is_int(pt_cpulist_subset("2-3", "0-3"), 1, "subset");
	is_int(pt_cpulist_subset("2-4", "0-3"), 0, "not subset");
}

static void test_misc(void)
{
	const char aer[] = "RxErr 0\nBadTLP 2\nTOTAL_ERR_COR 7\n";
	char buf[64];

	is_int(pt_parse_aer_total(aer, sizeof(aer) - 1), 7, "AER TOTAL_ERR_COR");
	is_int(pt_parse_aer_total("RxErr 0\n", 8), -1, "AER without total is unknown");
	is_int(pt_parse_trailing_int("../../../kernel/iommu_groups/12"), 12, "group from link");
	is_int(pt_parse_trailing_int("../../../kernel/iommu_groups/"), -1, "no group number");
	is_int(pt_parse_trailing_int("foo12"), -1, "number must be a path component");
	is_int(pt_cmdline_get("BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt quiet", "iommu", buf, sizeof(buf)), 1,
	       "iommu= found");
	is_str(buf, "pt", "iommu=pt value, not intel_iommu's");
	is_int(pt_cmdline_get("quiet splash", "quiet", buf, sizeof(buf)), 0, "flag without value");
	is_int(pt_cmdline_get("quiet", "intel_iommu", buf, sizeof(buf)), -1, "absent parameter");
	is_int(pt_cmdline_get("a=1 a=2", "a", buf, sizeof(buf)), 1, "repeated parameter");
	is_str(buf, "2", "the last occurrence wins");
	is_int(pt_cmdline_get("x=\"a b\" y", "x", buf, sizeof(buf)), 1, "quoted value");
	is_str(buf, "a b", "quotes removed");
}

static void put16(uint8_t *b, size_t off, unsigned v)
{
	b[off] = v & 0xff;
	b[off + 1] = (v >> 8) & 0xff;
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	put16(b, off, v & 0xffff);
	put16(b, off + 2, v >> 16);
}

static void test_config(void)
{
	uint8_t *b = calloc(1, 4096);
	struct pt_config c;

	/* a root port: PCIe cap at 0x40 (type 4, x16 Gen4), MSI-X at 0x50, ACS at 0x100 */
	put16(b, 0, 0x8086);
	put16(b, 6, 0x10);
	b[0x0e] = 0x01;
	b[0x34] = 0x40;
	b[0x40] = 0x10;
	b[0x41] = 0x50;
	put16(b, 0x42, 0x4 << 4);
	put32(b, 0x4c, 4 | (16 << 4));
	b[0x50] = 0x11;
	b[0x51] = 0x00;
	put16(b, 0x52, 63);
	put32(b, 0x100, 0x000d | (1 << 16) | (0x140u << 20));
	put16(b, 0x104, 0x5f);
	put16(b, 0x106, 0x1d);
	put32(b, 0x140, 0x0001 | (1 << 16));

	ok(pt_config_parse(b, 4096, &c) == 0, "root port config parses");
	is_int(c.header_type, 1, "bridge header");
	is_int(c.pcie_type, 4, "root port type");
	is_int(c.link_cap_speed, 4, "link cap Gen4");
	is_int(c.link_cap_width, 16, "link cap x16");
	is_int(c.msix_table_size, 64, "MSI-X table size");
	is_int(c.acs.present, PT_YES, "ACS present");
	is_int(c.acs.isolates, PT_YES, "SV RR CR UF enabled -> isolates");
	is_int(c.aer_cap, PT_YES, "AER after ACS in the chain");
	is_int(c.sriov_cap, PT_NO, "no SR-IOV");

	put16(b, 0x106, 0x01); /* only SV */
	pt_config_parse(b, 4096, &c);
	is_int(c.acs.isolates, PT_NO, "only SV enabled -> does not isolate");

	pt_config_parse(b, 256, &c);
	is_int(c.acs.present, PT_UNKNOWN, "256 bytes: ACS unknown, not absent");
	is_int(c.pcie_type, 4, "256 bytes: PCIe cap still seen");

	pt_config_parse(b, 64, &c);
	is_int(c.pcie_type, -1, "64 bytes (not root): PCIe type unknown");
	is_int(c.msix_table_size, -1, "64 bytes: MSI-X unknown");
	is_int(c.header_type, 1, "64 bytes: header type still known");

	/* a capability loop must terminate */
	b[0x51] = 0x40;
	b[0x41] = 0x50;
	ok(pt_config_parse(b, 256, &c) == 0, "capability loop terminates");
	put32(b, 0x100, 0x000d | (1 << 16) | (0x100u << 20));
	ok(pt_config_parse(b, 4096, &c) == 0, "extended capability loop terminates");

	memset(b, 0xff, 4096);
	ok(pt_config_parse(b, 4096, &c) == -ENODEV, "all-ones config: device gone");
	free(b);
}

static void test_utf8(void)
{
	is_int(pt_utf8_invalid_at("a: 1\n", 5), 5, "ASCII is valid");
	is_int(pt_utf8_invalid_at("caf\xc3\xa9", 5), 5, "two-byte sequence valid");
	is_int(pt_utf8_invalid_at("\xf0\x9f\x98\x80", 4), 4, "four-byte sequence valid");
	is_int(pt_utf8_invalid_at("%\x83", 2), 1, "lone continuation byte (the libfyaml hang) found");
	is_int(pt_utf8_invalid_at("ab\xc3", 3), 2, "truncated sequence at the end");
	is_int(pt_utf8_invalid_at("\xc0\xaf", 2), 0, "overlong form rejected");
	is_int(pt_utf8_invalid_at("\xed\xa0\x80", 3), 0, "UTF-16 surrogate rejected");
	is_int(pt_utf8_invalid_at("\xf4\x90\x80\x80", 4), 0, "past U+10FFFF rejected");
	is_int(pt_utf8_invalid_at("a\0b", 3), 1, "NUL rejected");
}

/* One MAC syntax for profiles, host configs, journals, leases and assign --mac. */
static void test_mac(void)
{
	uint8_t m[6] = { 0 };
	char buf[18];

	is_int(pt_parse_mac("52:54:00:AB:cd:0f", m), 0, "mac: mixed case accepted");
	ok(m[0] == 0x52 && m[3] == 0xab && m[4] == 0xcd && m[5] == 0x0f, "mac: bytes right");
	is_str(pt_format_mac(m, buf, sizeof(buf)), "52:54:00:ab:cd:0f", "mac: formats lower case");
	is_int(pt_parse_mac("00:00:00:00:00:00", m), 0, "mac: all zeros is a syntax (callers judge it)");
	is_int(pt_parse_mac("01:00:5e:00:00:01", m), 0, "mac: multicast is a syntax (callers judge it)");
	is_int(pt_parse_mac("52:54:00:ab:cd:0", m), -EINVAL, "mac: short last pair refused");
	is_int(pt_parse_mac("52:54:00:ab:cd:0f0", m), -EINVAL, "mac: trailing byte refused");
	is_int(pt_parse_mac("52:54:00:ab:cd:0f ", m), -EINVAL, "mac: trailing blank refused");
	is_int(pt_parse_mac(" 52:54:00:ab:cd:0f", m), -EINVAL, "mac: leading blank refused");
	is_int(pt_parse_mac("5:54:00:ab:cd:0f", m), -EINVAL, "mac: one-digit pair refused");
	is_int(pt_parse_mac("52-54-00-ab-cd-0f", m), -EINVAL, "mac: dashes refused");
	is_int(pt_parse_mac("52:54:00:ab:cd:0g", m), -EINVAL, "mac: non-hex refused");
	is_int(pt_parse_mac("", m), -EINVAL, "mac: empty refused");
	is_int(pt_parse_mac(NULL, m), -EINVAL, "mac: NULL refused");
	ok(m[0] == 0x01 && m[5] == 0x01, "mac: a refused input leaves the output alone");
}

/* uevent: the fields of five attribute files and the driver link, in one file. */
static void test_uevent(void)
{
	static const char vf[] = "DRIVER=iavf\nPCI_CLASS=20000\nPCI_ID=8086:154C\n"
				 "PCI_SUBSYS_ID=8086:0000\nPCI_SLOT_NAME=0000:18:02.1\n"
				 "MODALIAS=pci:v00008086d0000154Csv00008086sd00000000bc02sc00i00\n";
	static const char bad[] = "PCI_ID=8086\nPCI_SUBSYS_ID=1:12345\nPCI_CLASS=1000000\n"
				  "DRIVER=\nPCI_SLOT_NAME=0000:00:00.0-much-too-long\n";
	struct pt_uevent u;

	is_int(pt_parse_uevent(vf, sizeof(vf) - 1, &u), 0, "uevent: a VF's parses");
	ok(u.vendor_id == 0x8086 && u.device_id == 0x154c, "uevent: PCI_ID is vendor and device");
	ok(u.subsys_vendor_id == 0x8086 && u.subsys_device_id == 0, "uevent: PCI_SUBSYS_ID");
	is_int(u.class_code, 0x020000, "uevent: PCI_CLASS without leading zero (printed %%04X)");
	ok(u.has_driver, "uevent: DRIVER line seen");
	is_str(u.driver, "iavf", "uevent: DRIVER is the driver's name");
	is_str(u.slot, "0000:18:02.1", "uevent: PCI_SLOT_NAME");
	/* the last line without its newline still counts */
	is_int(pt_parse_uevent("PCI_CLASS=60400\nPCI_ID=8086:2030", 32, &u), 0,
	       "uevent: no final newline");
	ok(u.device_id == 0x2030 && !u.has_driver && u.subsys_vendor_id == -1,
	   "uevent: no DRIVER line is no driver; absent PCI_SUBSYS_ID unknown");
	is_int(pt_parse_uevent(bad, sizeof(bad) - 1, &u), 0, "uevent: malformed values parse");
	ok(u.vendor_id == -1 && u.device_id == -1, "uevent: PCI_ID without a colon unknown");
	ok(u.subsys_vendor_id == -1 && u.subsys_device_id == -1,
	   "uevent: a 5-digit subsystem ID makes both unknown");
	is_int(u.class_code, -1, "uevent: class past 24 bits unknown");
	ok(!u.has_driver, "uevent: empty DRIVER is none");
	is_str(u.slot, "", "uevent: over-long slot name dropped");
	is_int(pt_parse_uevent("garbage\n", 8, &u), -EINVAL, "uevent: no KEY=VALUE line refused");
	is_int(pt_parse_uevent("", 0, &u), -EINVAL, "uevent: empty refused");
	is_int(u.vendor_id, -1, "uevent: refused leaves every field unknown");
}

int main(void)
{
	test_uevent();
	test_mac();
	test_utf8();
	test_bdf();
	test_values();
	test_cpulist();
	test_misc();
	test_config();
	return done_testing();
}
