// SPDX-License-Identifier: MIT
/* Loading the configuration files commands take (--profile, host configs), with the
 * library's file:line:col errors printed the one way. */
#include "cli.h"
#include "passthru/profile.h"

/* Loads --profile FILE or the built-in defaults; prints file:line:col on error. */
int cli_load_profile(const char *file, struct pt_profile *p)
{
	struct pt_cfg_error e;

	if (!file) {
		pt_profile_defaults(p);
		return 0;
	}
	if (pt_profile_load(file, p, &e) < 0) {
		if (e.line > 0)
			cli_error("%s:%d:%d: %s", e.file[0] ? e.file : file, e.line, e.col, e.msg);
		else
			cli_error("%s: %s", e.file[0] ? e.file : file, e.msg);
		return -1;
	}
	return 0;
}
