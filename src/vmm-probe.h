/* SPDX-License-Identifier: MIT */
/* Asking QEMU and libvirt what they can do (src/vmm-probe.c). */
#ifndef PT_VMM_PROBE_H
#define PT_VMM_PROBE_H

#include "passthru/assign.h"

#include <stdbool.h>

/* Fills v: QEMU always, libvirt when asked. Unknown what could not be run. */
void vmm_probe(bool libvirt, struct pt_vmm_support *v);

#endif
