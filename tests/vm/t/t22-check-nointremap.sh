#!/bin/bash
# lab-topology: nointremap
# VT-d translating DMA while interrupt remapping is off: the silent failure the gate
# exists for.
. "$(dirname "$0")/../lib.sh"

out=$(pt check --json)
is "$?" 1 "check fails with interrupt remapping off (exit 1)"
r() { printf '%s' "$out" | jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2"; }
is "$(r iommu.dma-remapping result)" pass "DMA remapping is on"
is "$(r iommu.interrupt-remapping result)" fail "interrupt remapping fails"
like "$(r iommu.interrupt-remapping decision)" "allow_unsafe_interrupts" "decision explains the risk"
is "$(grep -c 'IR-PCI-MSI' /proc/interrupts)" 0 "the kernel's truth: no remapped MSI line"
test_done
