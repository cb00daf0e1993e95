#!/bin/bash
# lab-topology: gate-unsafe
# The gate's failing side on a real kernel booted with
# vfio_iommu_type1.allow_unsafe_interrupts=1 pcie_acs_override=downstream: both checks
# fail with the decision spelled out, and `show` marks every group untrustworthy.
. "$(dirname "$0")/../lib.sh"

out=$(pt check --json)
rc=$?
is "$rc" 1 "check exits 1"
res() { jq -r --arg id "$1" '[.checks[] | select(.id == $id) | .result] | unique | join(",")' <<<"$out"; }
field() { jq -r --arg id "$1" --arg f "$2" '[.checks[] | select(.id == $id) | .[$f]] | join("; ")' <<<"$out"; }

read -r unsafe </sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
is "$unsafe" Y "the kernel's allow_unsafe_interrupts is Y"
is "$(res vfio.unsafe-interrupts)" fail "vfio.unsafe-interrupts fails"
like "$(field vfio.unsafe-interrupts evidence)" "allow_unsafe_interrupts is Y \\(set on the kernel command line\\)" \
	"... with the sysfs value and where it came from"
like "$(field vfio.unsafe-interrupts decision)" "forge MSIs" "... and why it matters"
like "$(cat /proc/cmdline)" "pcie_acs_override=downstream" "pcie_acs_override=downstream is on /proc/cmdline"
is "$(res iommu.acs-override)" fail "iommu.acs-override fails"
like "$(field iommu.acs-override decision)" "Remove pcie_acs_override" "... saying what to do"
is "$(pt show "$IGB_PF" --json | jq -r '"\(.group.trustworthy) \(.group.untrustworthy_because)"')" \
	"false pcie_acs_override=downstream" "show --json: the igb's group is untrustworthy, and why"
like "$(pt show "$E1000E")" "UNTRUSTWORTHY: pcie_acs_override=downstream" "show (text) says so on the e1000e's group"
test_done
