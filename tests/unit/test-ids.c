// SPDX-License-Identifier: MIT
/* pci.ids names (lib/pci-ids.c): the same as libpci gives, for every vendor, device
 * and class of the installed file, and the file's syntax corner by corner. */
#include "internal.h"
#include "tap.h"

#include <pci/pci.h>
#include <stdio.h>

#define diag(...) (printf("# " __VA_ARGS__), printf("\n"))

static const int FL = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;

static void test_syntax(void)
{
	static const char txt[] =
		"# comment\n"
		"\n"
		"1234  Vendor One \n"              /* one trailing blank dropped */
		"\t0001  Device One\n"
		"\t\t1234 0001  Subsystem (not a device)\n"
		"#\tcomment inside a block\n"
		"\t0002  Device\tTwo  \r junk after CR\n"
		"abcd  Vendor Two\n"
		"\tabcd  Lower case\n"
		"1234  Duplicate vendor\n"
		"C 02  Network controller\n"
		"\t00  Ethernet controller\n"
		"\t\t00  prog-if\n"
		"C 0c  Serial bus controller";
	struct pt_ids ids;
	char out[256];

	is_int(pt_ids_index(&ids, txt, sizeof(txt) - 1), 0, "index parses");
	is_int(pt_ids_vendor(&ids, 0x1234, out, sizeof(out)), 0, "vendor found");
	is_str(out, "Vendor One", "one trailing blank dropped; the first of a duplicate wins");
	is_int(pt_ids_device(&ids, 0x1234, 0x0002, out, sizeof(out)), 0, "device after a comment");
	is_str(out, "Device\tTwo ", "a line ends at CR; only one trailing blank goes");
	is_int(pt_ids_device(&ids, 0x1234, 0x1234, out, sizeof(out)), -ENOENT,
	       "a subsystem line is no device");
	is_int(pt_ids_device(&ids, 0x1234, 0xabcd, out, sizeof(out)), -ENOENT,
	       "a device of the next vendor is not this one's");
	is_int(pt_ids_device(&ids, 0xabcd, 0xabcd, out, sizeof(out)), 0, "lower-case IDs");
	is_int(pt_ids_class(&ids, 0x0200, out, sizeof(out)), 0, "subclass found");
	is_str(out, "Ethernet controller", "subclass name");
	is_int(pt_ids_class(&ids, 0x0280, out, sizeof(out)), 0, "unlisted subclass");
	is_str(out, "Network controller [0280]", "unlisted subclass: the class and the code");
	is_int(pt_ids_class(&ids, 0x0c03, out, sizeof(out)), 0, "last line without newline");
	is_str(out, "Serial bus controller [0c03]", "class at the end of the file");
	is_int(pt_ids_class(&ids, 0xff00, out, sizeof(out)), -ENOENT, "unknown class");
	is_int(pt_ids_vendor(&ids, 0x0002, out, sizeof(out)), -ENOENT, "unknown vendor");
	is_int(pt_ids_vendor(&ids, 0x10000, out, sizeof(out)), -ENOENT, "vendor past 16 bits");
	pt_ids_free(&ids);
	is_int(pt_ids_index(&ids, "", 0), 0, "an empty file indexes");
	is_int(pt_ids_vendor(&ids, 0x1234, out, sizeof(out)), -ENOENT, "and names nothing");
	pt_ids_free(&ids);
}

/* Nested lines are skipped a word (or sixteen bytes) at a time: a vendor line, and a
 * device after its subsystems, found wherever the newline before it falls in a word,
 * after bytes next to '\n' (0x0b, 0x0a ^ 1), and a buffer that ends inside a nested
 * line or right after its newline. */
static void test_words(void)
{
	size_t bad = 0;

	for (int pad = 0; pad < 24; pad++)
		for (int tail = 0; tail < 3; tail++) {
			char txt[256], out[64];
			struct pt_ids ids;
			int n = 0;

			n += snprintf(txt + n, sizeof(txt) - n, "\t%.*s\n", pad,
				      "x\x0bx\x0bxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
			n += snprintf(txt + n, sizeof(txt) - n, "1234  Vendor %d\n\t0001  D\n", pad);
			n += snprintf(txt + n, sizeof(txt) - n, "\t\t1234 0001  S%.*s\n", pad,
				      "yyyyyyyyyyyyyyyyyyyyyyyy");
			n += snprintf(txt + n, sizeof(txt) - n, "\t\t1234 0002  T\n\t0003  After\n");
			n += snprintf(txt + n, sizeof(txt) - n, "5678  Last");
			if (tail == 1)
				n += snprintf(txt + n, sizeof(txt) - n, "\n\t0002  E");
			else if (tail == 2)
				n += snprintf(txt + n, sizeof(txt) - n, "\n\t0002  E\n");
			if (pt_ids_index(&ids, txt, (size_t)n) != 0 ||
			    pt_ids_vendor(&ids, 0x1234, out, sizeof(out)) != 0 ||
			    strncmp(out, "Vendor ", 7) != 0 || atoi(out + 7) != pad ||
			    pt_ids_vendor(&ids, 0x5678, out, sizeof(out)) != 0 ||
			    strcmp(out, "Last") != 0 || ids.n_vendors != 2 ||
			    pt_ids_device(&ids, 0x1234, 0x0001, out, sizeof(out)) != 0 ||
			    pt_ids_device(&ids, 0x1234, 0x0003, out, sizeof(out)) != 0 ||
			    strcmp(out, "After") != 0 ||
			    pt_ids_device(&ids, 0x1234, 0x0002, out, sizeof(out)) != -ENOENT) {
				diag("pad %d, tail %d: not indexed as written", pad, tail);
				bad++;
			}
			pt_ids_free(&ids);
		}
	ok(bad == 0, "vendor lines found at every offset of a word, at the end or not (%zu bad)",
	   bad);
}

/* Every entry of the installed pci.ids, against libpci. */
static void test_installed(void)
{
	struct pci_access *a = pci_alloc();
	size_t len = 0, n_v = 0, n_d = 0, bad = 0;
	char *buf = NULL, out[256], lp[256];
	struct pt_ids ids;
	FILE *f;
	long vendor = -1;

	pci_init(a);
	/* load the names: libpci settles which file it reads (pci.ids.gz or pci.ids) */
	pci_lookup_name(a, lp, sizeof(lp), FL | PCI_LOOKUP_VENDOR, 0x8086);
	f = fopen(a->id_file_name, "rb");
	if (!f || strstr(a->id_file_name, ".gz")) {
		ok(1, "# SKIP no uncompressed pci.ids (%s)", a->id_file_name);
		if (f)
			fclose(f);
		pci_cleanup(a);
		return;
	}
	buf = malloc(4 << 20);
	len = fread(buf, 1, 4 << 20, f);
	fclose(f);
	is_int(pt_ids_index(&ids, buf, len), 0, "the installed pci.ids indexes");
	for (size_t off = 0; off < len;) {
		char *nl = memchr(buf + off, '\n', len - off), *p = buf + off;
		size_t n = nl ? (size_t)(nl - p) : len - off;
		unsigned v, d;

		off += n + 1;
		if (n >= 6 && p[0] != '\t' && p[0] != '#' && p[0] != 'C' &&
		    sscanf(p, "%4x", &v) == 1) {
			char *s = pci_lookup_name(a, lp, sizeof(lp), FL | PCI_LOOKUP_VENDOR, v);
			int r = pt_ids_vendor(&ids, v, out, sizeof(out));

			vendor = v;
			n_v++;
			if ((s == NULL) != (r != 0) || (s && strcmp(s, out) != 0)) {
				if (bad++ < 5)
					diag("vendor %04x: libpci '%s', here '%s'", v, s ? s : "(none)",
					     r ? "(none)" : out);
			}
		} else if (n >= 6 && p[0] == '\t' && p[1] != '\t' && vendor >= 0 &&
			   sscanf(p + 1, "%4x", &d) == 1) {
			char *s = pci_lookup_name(a, lp, sizeof(lp), FL | PCI_LOOKUP_DEVICE,
						  (unsigned)vendor, d);
			int r = pt_ids_device(&ids, (unsigned)vendor, d, out, sizeof(out));

			n_d++;
			if ((s == NULL) != (r != 0) || (s && strcmp(s, out) != 0)) {
				if (bad++ < 5)
					diag("device %04lx:%04x: libpci '%s', here '%s'", vendor, d,
					     s ? s : "(none)", r ? "(none)" : out);
			}
		} else if (n >= 1 && p[0] == 'C') {
			vendor = -1; /* the class section: its nested lines are no devices */
		}
	}
	ok(bad == 0 && n_v > 1000 && n_d > 10000,
	   "%zu vendors and %zu devices named as libpci names them (%zu differ)", n_v, n_d, bad);
	bad = 0;
	for (unsigned c = 0; c <= 0xffff; c++) {
		char *s = pci_lookup_name(a, lp, sizeof(lp), FL | PCI_LOOKUP_CLASS, c);
		int r = pt_ids_class(&ids, c, out, sizeof(out));

		if ((s == NULL) != (r != 0) || (s && strcmp(s, out) != 0)) {
			if (bad++ < 5)
				diag("class %04x: libpci '%s', here '%s'", c, s ? s : "(none)",
				     r ? "(none)" : out);
		}
	}
	ok(bad == 0, "every class code 0000-ffff named as libpci names it (%zu differ)", bad);
	pt_ids_free(&ids);
	free(buf);
	pci_cleanup(a);
}

int main(void)
{
	test_syntax();
	test_words();
	test_installed();
	return done_testing();
}
