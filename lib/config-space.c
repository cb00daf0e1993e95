// SPDX-License-Identifier: MIT
/*
 * PCI configuration space decoding: pure, fuzzed (the bytes come from lib/pci-access.c).
 * Unprivileged readers see only the first 64 bytes; what lies beyond is "unknown".
 */
#include "internal.h"

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
