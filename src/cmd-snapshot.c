// SPDX-License-Identifier: MIT
/* passthru snapshot -o FILE: placeholder until the snapshot module lands. */
#include "cli.h"

int cmd_snapshot(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	cli_error("snapshot: not built yet");
	return EXIT_ERROR;
}
