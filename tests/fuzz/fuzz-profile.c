// SPDX-License-Identifier: MIT
/* Fuzzes the profile and host-configuration parser (lib/profile.c): any bytes must
 * give 0 or -EINVAL with a message, never a crash or a leak; on success every VF's
 * effective settings are computed, and the result is freed. A host configuration that
 * parses is formatted as a drop-in (lib/oneshot.c) and must parse back to the same
 * YAML, and merge onto itself. */
#include "passthru/oneshot.h"
#include "passthru/profile.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_profile p;
	struct pt_hostcfg c;
	struct pt_cfg_error e;
	int r;

	if (size > 1 << 16)
		return 0;
	r = pt_profile_parse((const char *)data, size, "fuzz.yaml", &p, &e);
	if (r != 0 && (r != -EINVAL || !e.msg[0]))
		abort();
	if (r == 0) {
		for (size_t i = 0; i < p.cfg.n_sriov; i++)
			for (int vf = 0; vf < 4; vf++) {
				struct pt_vf_config v;

				pt_sriov_vf_effective(&p.cfg.sriov[i], vf, &v);
			}
	}
	pt_profile_free(&p);
	r = pt_hostcfg_parse((const char *)data, size, NULL, &c, &e);
	if (r != 0 && (r != -EINVAL || !e.msg[0]))
		abort();
	if (r == 0) {
		struct pt_hostcfg back;
		char *y1 = NULL, *y2 = NULL;

		if (pt_hostcfg_format(&c, "fuzz", &y1) < 0)
			abort();
		if (pt_hostcfg_parse(y1, strlen(y1), "drop-in", &back, &e) != 0)
			abort(); /* a drop-in passthru writes must load */
		if (pt_hostcfg_format(&back, "fuzz", &y2) < 0 || strcmp(y1, y2) != 0)
			abort();
		if (pt_hostcfg_merge(&back, &c) < 0)
			abort();
		pt_hostcfg_free(&back);
		free(y1);
		free(y2);
	}
	pt_hostcfg_free(&c);
	return 0;
}
