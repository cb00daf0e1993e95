// SPDX-License-Identifier: MIT
/*
 * Fuzzes the rtnetlink parsers with bytes as a receive buffer would hold them: the
 * reply parser (every message type), the RTM_NEWLINK parser on the first message,
 * and the in-place SETLINK of a recording (which walks the same hostile bytes).
 * Seeds: tests/fuzz/corpus/fuzz-netlink, written by `test-netlink --write-corpus`.
 */
#include "passthru/netlink.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_nl_reply r = { 0 };
	struct pt_link_vfs l;
	struct pt_vf_setting s = { .vf = 1, .mac = { 2, 0, 0, 0, 0, 1 }, .vlan = 7, .qos = 1,
				   .spoofchk = true, .trust = true, .query_rss = true, .link_state = 1,
				   .min_tx_rate = 0, .max_tx_rate = 100 };
	uint8_t *buf;

	/* the parsers want what recv() gets: a malloc'd, aligned buffer */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	pt_nl_parse_reply(buf, size, 0, &r);
	pt_nl_reply_free(&r);
	memset(&r, 0, sizeof(r));
	pt_nl_parse_reply(buf, size, 1, &r); /* with a sequence number to match */
	pt_nl_reply_free(&r);

	if (pt_nl_parse_link(buf, size, &l) == 0)
		pt_link_vfs_free(&l);

	for (unsigned f = PT_VF_MAC; f <= PT_VF_QUERY_RSS; f <<= 1) {
		s.vf = size ? data[size - 1] % 4 : 0;
		s.vlan_proto = f == PT_VF_VLAN && size > 1 && (data[0] & 1) ? 0x88a8 : 0;
		pt_nl_patch_vf(buf, size, 4, &s, f);
		pt_nl_patch_vf(buf, size, 1, &s, f);
	}
	free(buf);
	return 0;
}
