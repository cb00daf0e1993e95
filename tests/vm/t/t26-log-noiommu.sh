#!/bin/bash
# lab-topology: noiommu
# No IOMMU in the firmware: passthru log says both remappings are off, from the ACPI
# table listing, though "iommu: Default domain type" is printed anyway.
. "$(dirname "$0")/../lib.sh"

out=$(pt log --json)
is "$?" 0 "passthru log exits 0"
IFS=$'\t' read -r dma ir dom ev <<<"$(printf '%s' "$out" | jq -r '[.dma_remapping, .interrupt_remapping, .default_domain, .dma_evidence] | @tsv')"
is "$dma" false "dma_remapping false"
is "$ir" false "interrupt_remapping false"
like "$ev" "no DMAR or IVRS table among the ACPI tables" "evidence: the firmware describes no IOMMU"
is "$dom" translated "default_domain is reported, as the kernel prints it"
is "$(ls /sys/class/iommu 2>/dev/null | wc -l)" 0 "the kernel's truth: no IOMMU unit"
test_done
