// SPDX-License-Identifier: MIT
/*
 * Fuzzes the SR-IOV prediction's parsers with one input: the sysfs resource file
 * parser, the SR-IOV capability decoder (the same bytes as config space), and the
 * judgement on facts built from what they returned.
 */
#include "passthru/sriov-predict.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_res res[PT_RES_LINES];
	struct pt_sriov_prediction p;
	struct pt_sriov_facts f;
	int n;

	memset(&f, 0, sizeof(f));
	memset(res, 0, sizeof(res));
	n = pt_parse_resource_file((const char *)data, size, res, PT_RES_LINES);
	pt_sriov_cap_parse(data, size > 4096 ? 4096 : size, &f.cap);
	strcpy(f.pf, "0000:01:00.0");
	pt_bdf_parse(f.pf, &f.pf_bdf);
	f.total_vfs = f.cap.total_vfs;
	f.offset = f.cap.offset;
	f.stride = f.cap.stride;
	f.num_vfs = 0;
	strcpy(f.driver, "igb");
	f.driver_sriov = PT_YES;
	f.iov_known = n >= PT_RES_IOV_FIRST + 6;
	memcpy(f.iov, &res[PT_RES_IOV_FIRST], sizeof(f.iov));
	f.has_bridge = true;
	f.bridge_pcie_type = 4;
	f.bus_end = size ? data[0] : -1;
	f.ari_enabled = size > 1 ? (data[1] & 1) : PT_UNKNOWN;
	f.windows_known = n > 15;
	f.win_mem = res[14];
	f.win_pref = res[15];
	for (int c = 0; c <= (f.total_vfs > 0 ? f.total_vfs : 0) && c < 300; c += 37)
		pt_sriov_predict(&f, c, &p);
	return 0;
}
