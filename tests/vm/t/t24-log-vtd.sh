#!/bin/bash
# lab-topology: default
# passthru log on the real kernel's /dev/kmsg: VT-d and x2apic interrupt remapping on,
# each verdict proved by the kernel's own line and matched against the kernel's state.
. "$(dirname "$0")/../lib.sh"

out=$(pt log --json)
is "$?" 0 "passthru log exits 0"
j() { printf '%s' "$out" | jq -r "$1"; }
# one jq run for every field (jq costs ~0.5 s under TCG)
IFS=$'\t' read -r dma ir mode dom nf na dev <<<"$(j '[.dma_remapping, .interrupt_remapping, .ir_mode, .default_domain, (.faults|length), (.aer|length), .dma_evidence] | @tsv')"
is "$dma" true "dma_remapping true"
like "$dev" "DMAR: Intel\(R\) Virtualization Technology for Directed I/O" "evidence: the VT-d init line"
is "$(ls /sys/class/iommu | wc -l)" 1 "the kernel's truth: one DMAR unit"
is "$ir" true "interrupt_remapping true"
is "$mode" x2apic "ir_mode x2apic (eim=on)"
like "$(grep -c 'IR-PCI-MSI' /proc/interrupts)" "^[1-9]" "the kernel's truth: remapped MSI lines"
is "$dom" translated "default_domain translated"
g=$(ls /sys/kernel/iommu_groups | head -1)
like "$(cat /sys/kernel/iommu_groups/$g/type)" "^DMA" "the kernel's truth: DMA domains"
is "$nf" 0 "no IOMMU faults"
is "$na" 0 "no AER errors"
# the same from dmesg's output on stdin, and human output
like "$(dmesg | pt log -)" "interrupt remapping: on \(x2apic mode\)" "dmesg | passthru log - reads the same"
pt log /nonexistent 2>/dev/null
is "$?" 2 "an unreadable log exits 2"
test_done
