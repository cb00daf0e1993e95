/* SPDX-License-Identifier: MIT */
#ifndef PT_VM_OUTPUT_H
#define PT_VM_OUTPUT_H

#include "passthru/vm.h"
#include <stdbool.h>
#include <stdio.h>

void vm_text(FILE *f, const struct pt_vm *vm, const struct pt_report *r, bool color);
void vm_json(FILE *f, const struct pt_vm *vm, const struct pt_report *r, int status);

#endif
