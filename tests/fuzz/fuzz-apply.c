// SPDX-License-Identifier: MIT
/* Fuzzes what apply reads from files it did not write itself: the journal a killed run
 * left behind (pt_journal_parse), and /proc/net/route, /proc/net/ipv6_route and
 * /proc/mounts (the safety parsers). */
#include "passthru/journal.h"
#include "passthru/safety.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_journal_info info;
	struct pt_mount_ent m[4];
	char ifs[4][16];
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (pt_journal_parse((const char *)data, size, &info) == 0)
		pt_journal_info_free(&info);
	pt_parse_default_routes_v4(s, ifs, 4);
	pt_parse_default_routes_v6(s, ifs, 4);
	pt_parse_mounts(s, m, 4);
	free(s);
	return 0;
}
