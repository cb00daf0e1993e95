// SPDX-License-Identifier: MIT
/*
 * PCI configuration space decoding: pure, fuzzed (the bytes come from lib/pci-access.c).
 * Unprivileged readers see only the first 64 bytes; what lies beyond is "unknown".
 */
#include "internal.h"
#include "passthru/parse.h"

#include <errno.h>

#define CFG_STATUS 0x06
#define CFG_STATUS_CAPS 0x10
#define CFG_HEADER_TYPE 0x0e
#define CFG_CAP_PTR 0x34
#define CFG_CARDBUS_CAP_PTR 0x14

#define CAP_MSI 0x05
#define CAP_EXP 0x10
#define CAP_MSIX 0x11
#define ECAP_AER 0x0001
#define ECAP_ACS 0x000d
#define ECAP_SRIOV 0x0010

static unsigned rd16(const uint8_t *b, size_t off)
{
	return (unsigned)b[off] | ((unsigned)b[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *b, size_t off)
{
	return (uint32_t)rd16(b, off) | ((uint32_t)rd16(b, off + 2) << 16);
}

static void acs_judge(struct pt_acs *acs)
{
	uint16_t need = PT_ACS_ISOLATION & (acs->cap | PT_ACS_EC);

	acs->isolates = (acs->ctrl & need) == need ? PT_YES : PT_NO;
}

int pt_config_parse(const uint8_t *buf, size_t len, struct pt_config *c)
{
	bool pcie = false, saw_msix = false, saw_msi = false;
	unsigned ptr;
	int guard;

	memset(c, 0, sizeof(*c));
	c->len = len;
	c->header_type = -1;
	c->pcie_type = -1;
	c->msix_table_size = -1;
	c->msi_capable = PT_UNKNOWN;
	c->acs.present = PT_UNKNOWN;
	c->acs.isolates = PT_UNKNOWN;
	c->link_cap_speed = -1;
	c->link_cap_width = -1;
	c->sriov_cap = PT_UNKNOWN;
	c->aer_cap = PT_UNKNOWN;

	if (!buf || len < 64)
		return len ? -EINVAL : 0;
	/* A device that is gone reads all-ones everywhere. A VF reads 0xffff only in its
	 * vendor and device IDs (SR-IOV spec: the PF's driver knows them, sysfs tells
	 * them), so the rest of the header decides. */
	if (rd16(buf, 0) == 0xffff && rd32(buf, 8) == 0xffffffff && buf[CFG_HEADER_TYPE] == 0xff)
		return -ENODEV;
	c->header_type = buf[CFG_HEADER_TYPE] & 0x7f;
	c->multifunction = buf[CFG_HEADER_TYPE] & 0x80;

	if (!(rd16(buf, CFG_STATUS) & CFG_STATUS_CAPS)) {
		/* no capability list at all: nothing more is unknown */
		c->msi_capable = PT_NO;
		c->acs.present = PT_NO;
		c->sriov_cap = PT_NO;
		c->aer_cap = PT_NO;
		return 0;
	}
	if (len <= 64)
		return 0; /* the capability list lives beyond what we could read */

	ptr = buf[c->header_type == 2 ? CFG_CARDBUS_CAP_PTR : CFG_CAP_PTR];
	for (guard = 0; guard < 48 && ptr >= 0x40; guard++) {
		unsigned id, next;

		ptr &= ~3u;
		if (ptr + 2 > len || ptr + 2 > 256)
			break;
		id = buf[ptr];
		next = buf[ptr + 1];
		if (id == 0xff)
			break;
		switch (id) {
		case CAP_EXP:
			if (ptr + 0x10 <= len) {
				uint32_t lnkcap = rd32(buf, ptr + 0x0c);

				pcie = true;
				c->pcie_type = (int)((rd16(buf, ptr + 2) >> 4) & 0xf);
				c->link_cap_speed = (int)(lnkcap & 0xf);
				c->link_cap_width = (int)((lnkcap >> 4) & 0x3f);
			}
			break;
		case CAP_MSIX:
			if (ptr + 4 <= len) {
				c->msix_table_size = (int)(rd16(buf, ptr + 2) & 0x7ff) + 1;
				saw_msix = true;
			}
			break;
		case CAP_MSI:
			saw_msi = true;
			break;
		}
		ptr = next;
	}
	c->msi_capable = saw_msi || saw_msix ? PT_YES : PT_NO;

	if (!pcie) {
		/* conventional PCI has no extended capabilities */
		c->acs.present = PT_NO;
		c->sriov_cap = PT_NO;
		c->aer_cap = PT_NO;
		return 0;
	}
	if (len <= 0x100)
		return 0; /* extended space unreadable: ACS, SR-IOV, AER unknown */

	c->acs.present = PT_NO;
	c->sriov_cap = PT_NO;
	c->aer_cap = PT_NO;
	ptr = 0x100;
	for (guard = 0; guard < 480 && ptr >= 0x100 && ptr + 4 <= len; guard++) {
		uint32_t hdr = rd32(buf, ptr);
		unsigned id = hdr & 0xffff;

		if (hdr == 0 || hdr == 0xffffffff)
			break;
		switch (id) {
		case ECAP_ACS:
			if (ptr + 8 <= len) {
				c->acs.present = PT_YES;
				c->acs.cap = (uint16_t)rd16(buf, ptr + 4);
				c->acs.ctrl = (uint16_t)rd16(buf, ptr + 6);
				acs_judge(&c->acs);
			}
			break;
		case ECAP_SRIOV:
			c->sriov_cap = PT_YES;
			break;
		case ECAP_AER:
			c->aer_cap = PT_YES;
			break;
		}
		ptr = (hdr >> 20) & 0xffc;
	}
	return 0;
}

/* The PCIe capability's offset in the first 256 bytes, 0 when there is none. */
static unsigned find_exp(const uint8_t *buf, size_t len)
{
	unsigned ptr;

	if (!buf || len < 256 || !(rd16(buf, CFG_STATUS) & CFG_STATUS_CAPS))
		return 0;
	ptr = buf[(buf[CFG_HEADER_TYPE] & 0x7f) == 2 ? CFG_CARDBUS_CAP_PTR : CFG_CAP_PTR];
	for (int guard = 0; guard < 48 && ptr >= 0x40; guard++) {
		ptr &= ~3u;
		if (ptr + 2 > 256 || buf[ptr] == 0xff)
			return 0;
		if (buf[ptr] == CAP_EXP)
			return ptr + 0x30 <= 256 ? ptr : 0;
		ptr = buf[ptr + 1];
	}
	return 0;
}

/* Link speed code of the Current Link Speed field, and of the kernel's speed tables. */
static int speed_code_mts(unsigned code)
{
	return pt_link_code_to_mts((int)code);
}

int pt_config_link(const uint8_t *buf, size_t len, struct pt_link *l)
{
	unsigned exp = find_exp(buf, len), type, version;
	uint32_t lnkcap, lnkcap2 = 0;
	unsigned lnksta;

	if (!exp)
		return -ENOENT;
	type = (rd16(buf, exp + 2) >> 4) & 0xf;
	version = rd16(buf, exp + 2) & 0xf;
	l->max_speed_mts = l->speed_mts = l->max_width = l->width = -1;
	/* pcie_cap_has_lnkctl(): only these types implement the link registers; the
	 * kernel reads the others as 0 ("Unknown", width 0 or 255) */
	if (type != 0 && type != 1 && type != 4 && type != 5 && type != 6 && type != 7 &&
	    type != 8)
		return 0;
	lnkcap = rd32(buf, exp + 0x0c);
	lnksta = rd16(buf, exp + 0x12);
	if (version > 1)
		lnkcap2 = rd32(buf, exp + 0x2c);
	/* pcie_get_speed_cap(): the highest speed of the Supported Link Speeds Vector when
	 * Link Capabilities 2 is non-zero, else LnkCap's field, where only 2.5 and 5.0 GT/s
	 * were defined */
	if (lnkcap2) {
		for (int bit = 6; bit >= 1; bit--)
			if (lnkcap2 & (1u << bit)) {
				l->max_speed_mts = speed_code_mts((unsigned)bit);
				break;
			}
	} else if ((lnkcap & 0xf) == 1 || (lnkcap & 0xf) == 2) {
		l->max_speed_mts = speed_code_mts(lnkcap & 0xf);
	}
	/* pcie_get_width_cap(): 255 ("unknown") when LnkCap reads 0 */
	if (lnkcap && ((lnkcap >> 4) & 0x3f) >= 1 && ((lnkcap >> 4) & 0x3f) <= 32)
		l->max_width = (int)((lnkcap >> 4) & 0x3f);
	l->speed_mts = speed_code_mts(lnksta & 0xf);
	if (((lnksta >> 4) & 0x3f) >= 1 && ((lnksta >> 4) & 0x3f) <= 32)
		l->width = (int)((lnksta >> 4) & 0x3f);
	return 0;
}

int pt_config_sriov(const uint8_t *buf, size_t len, unsigned at, struct pt_config_sriov *s)
{
	if (!buf || len < 4096 || at < 0x100 || at + 0x1c > 4096 || (rd32(buf, at) & 0xffff) != ECAP_SRIOV)
		return -ENOENT;
	s->total = (int)rd16(buf, at + 0x0e);
	s->num = (int)rd16(buf, at + 0x10);
	s->offset = (int)rd16(buf, at + 0x14);
	s->stride = (int)rd16(buf, at + 0x16);
	s->vf_device = (int)rd16(buf, at + 0x1a);
	return 0;
}
