#!/bin/bash
# lab-topology: nointremap
# intremap=off prints no "disabled" line: passthru log must still say interrupt
# remapping is off (a DMAR table and no enabling line in a whole boot), DMA on.
. "$(dirname "$0")/../lib.sh"

out=$(pt log --json)
is "$?" 0 "passthru log exits 0"
IFS=$'\t' read -r dma ir mode ev <<<"$(printf '%s' "$out" | jq -r '[.dma_remapping, .interrupt_remapping, (.ir_mode // "null"), .ir_evidence] | @tsv')"
is "$dma" true "dma_remapping true"
is "$ir" false "interrupt_remapping false"
is "$mode" null "ir_mode null"
like "$ev" "no \"DMAR-IR: Enabled IRQ remapping\" line" "evidence names the missing line"
is "$(grep -c 'IR-PCI-MSI' /proc/interrupts)" 0 "the kernel's truth: no remapped MSI line"
test_done
