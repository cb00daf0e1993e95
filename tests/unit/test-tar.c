// SPDX-License-Identifier: MIT
/* The tar reader's pure parsers (lib/tar.h): names, link targets, headers, pax. */
#include "tap.h"
#include "tar.h"

#include <errno.h>
#include <stdio.h>

static void header(unsigned char blk[512], const char *name, char type, unsigned long long size,
		   const char *prefix)
{
	unsigned sum = 0;

	memset(blk, 0, 512);
	snprintf((char *)blk, 100, "%s", name);
	snprintf((char *)blk + 100, 8, "%07o", 0644);
	snprintf((char *)blk + 124, 12, "%011llo", size);
	blk[156] = (unsigned char)type;
	memcpy(blk + 257, "ustar", 6);
	memcpy(blk + 263, "00", 2);
	if (prefix)
		snprintf((char *)blk + 345, 155, "%s", prefix);
	memset(blk + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += blk[i];
	snprintf((char *)blk + 148, 8, "%06o", sum);
}

int main(void)
{
	char out[64], p[64], l[64];
	unsigned char blk[512];
	struct pt_tar_header h;
	int depth;

	/* names */
	is_int(pt_tar_name_clean("./sys//bus/pci/", out, sizeof(out), &depth), 0, "./sys//bus/pci/ is clean");
	is_str(out, "sys/bus/pci", "  as sys/bus/pci");
	is_int(depth, 3, "  three deep");
	is_int(pt_tar_name_clean(".", out, sizeof(out), &depth), 0, ". is the root");
	is_str(out, "", "  the empty name");
	is_int(pt_tar_name_clean("/etc/passwd", out, sizeof(out), &depth), -EINVAL, "absolute: refused");
	is_int(pt_tar_name_clean("sys/../../x", out, sizeof(out), &depth), -EINVAL, "..: refused");
	is_int(pt_tar_name_clean("..", out, sizeof(out), &depth), -EINVAL, "a bare ..: refused");
	is_int(pt_tar_name_clean("a/..b/c", out, sizeof(out), &depth), 0, "..b is a name, not ..");
	is_int(pt_tar_name_clean("aaaaaaaaaa/bbbbbbbbbb", out, 12, &depth), -ENAMETOOLONG,
	       "a name past the buffer: -ENAMETOOLONG");

	/* link targets: only leading .., at most the link's depth, then plain names */
	ok(pt_tar_link_inside("../../../devices/pci0000:00/0000:00:01.0", 3), "sysfs link three deep: inside");
	ok(!pt_tar_link_inside("../../../../devices", 3), "one .. too many: outside");
	ok(!pt_tar_link_inside("/sys/devices", 9), "absolute: outside");
	ok(!pt_tar_link_inside("up/../..", 5), "a .. after a name (through another link): refused");
	ok(!pt_tar_link_inside("", 1), "empty target: refused");
	ok(pt_tar_link_inside("self/mounts", 0), "a plain relative target at the root: inside");
	ok(pt_tar_link_inside("./x", 0), "./x: inside");
	ok(!pt_tar_link_inside("x/./y/..", 3), "./.. after a name: refused");

	/* headers */
	memset(blk, 0, sizeof(blk));
	is_int(pt_tar_header_parse(blk, &h), 1, "a zero block ends the archive");
	header(blk, "vendor", '0', 7, "sys/devices/pci0000:00/0000:00:01.0");
	is_int(pt_tar_header_parse(blk, &h), 0, "a ustar header parses");
	is_str(h.name, "sys/devices/pci0000:00/0000:00:01.0/vendor", "  prefix and name joined");
	is_int(h.size, 7, "  its size");
	is_int(h.type, '0', "  its type");
	blk[0] ^= 1;
	is_int(pt_tar_header_parse(blk, &h), -EINVAL, "a bad checksum: -EINVAL");
	header(blk, "huge", '0', 0, NULL);
	memset(blk + 124, 0, 12);
	blk[124] = 0x80;
	blk[131] = 1; /* base-256: 2^32 */
	memset(blk + 148, ' ', 8);
	{
		unsigned sum = 0;

		for (int i = 0; i < 512; i++)
			sum += blk[i];
		snprintf((char *)blk + 148, 8, "%06o", sum);
	}
	is_int(pt_tar_header_parse(blk, &h), 0, "a base-256 size parses");
	is_int(h.size, 1ULL << 32, "  as 2^32 (the reader then refuses it)");

	/* pax */
	is_int(pt_tar_pax_parse("20 path=a/long/name\n", 20, p, sizeof(p), l, sizeof(l)), 0,
	       "a pax path record");
	is_str(p, "a/long/name", "  its value");
	is_str(l, "", "  no linkpath");
	is_int(pt_tar_pax_parse("99 path=x\n", 10, p, sizeof(p), l, sizeof(l)), -EINVAL,
	       "a record longer than the data: -EINVAL");
	is_int(pt_tar_pax_parse("9 path=x\n", 9, p, 1, l, sizeof(l)), -ENAMETOOLONG,
	       "a value past the buffer: -ENAMETOOLONG");
	is_int(pt_tar_pax_parse("13 mtime=1.5\n14 linkpath=x\n", 27, p, sizeof(p), l, sizeof(l)), 0,
	       "other keys are skipped");
	is_str(l, "x", "  linkpath read");
	return done_testing();
}
