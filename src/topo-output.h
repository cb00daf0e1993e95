/* SPDX-License-Identifier: MIT */
/* `passthru topo` printers (src/topo-output.c). */
#ifndef PT_TOPO_OUTPUT_H
#define PT_TOPO_OUTPUT_H

#include "passthru/check.h"
#include "passthru/topo.h"

#include <stdio.h>
#include <stdlib.h>

struct topo_out {
	FILE *f;
	const struct pt_host *h;
	const struct pt_topo *t;
	const struct pt_report *rep; /* the gate's judgement; NULL when it could not run */
};

/* format: text, dot, svg, html. -1 for an unknown format. */
int topo_print(const struct topo_out *o, const char *format);

#endif
