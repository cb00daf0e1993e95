#!/bin/bash
# lab-topology: noiommu
# No intel-iommu device: the gate must fail DMA remapping with the exact reason, and
# say so even though the command line asks for intel_iommu=on (it does not, here).
. "$(dirname "$0")/../lib.sh"

is "$(ls /sys/class/iommu 2>/dev/null | wc -l)" 0 "the kernel has no IOMMU unit (truth)"
out=$(pt check --json)
is "$?" 1 "check fails without an IOMMU (exit 1)"
r() { printf '%s' "$out" | jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2"; }
is "$(r iommu.dma-remapping result)" fail "iommu.dma-remapping: fail"
like "$(r iommu.dma-remapping evidence)" "/sys/class/iommu is empty; no IOMMU groups" "the reason is exact"
like "$(r iommu.dma-remapping decision)" "Enable VT-d" "the decision says what to do"
is "$(r iommu.interrupt-remapping result)" fail "no remapping unit: interrupt remapping fails too"
like "$(r iommu.interrupt-remapping evidence)" "0 remapped" "evidence: no IR-PCI-MSI line"
like "$(grep -c ' PCI-MSI' /proc/interrupts)" "^[1-9]" "the kernel's truth: MSI lines are direct"
is "$(pt list --json | jq '[.functions[] | select(.iommu_group != null)] | length')" 0 "no function has an IOMMU group"
# the Prometheus gauge a fleet alerts on
like "$(pt check --format prometheus)" 'passthru_gate_ok\{profile="\(defaults\)"\} 0' "gate gauge 0"
test_done
