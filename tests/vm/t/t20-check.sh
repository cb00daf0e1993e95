#!/bin/bash
# lab-topology: default
# The host gate on a host that is right: VT-d with interrupt remapping in x2apic mode.
# Then the same host made wrong in ways a profile catches: VF count and VF policy.
. "$(dirname "$0")/../lib.sh"

out=$(pt check --json)
rc=$?
is "$rc" 0 "check passes on the default topology (exit 0)"
res() { printf '%s' "$out" | jq -r --arg id "$1" '[.checks[] | select(.id == $id) | .result] | join(",")'; }
is "$(res iommu.dma-remapping)" pass "DMA remapping: pass"
ngroups=$(ls /sys/kernel/iommu_groups | wc -l)
like "$(printf '%s' "$out" | jq -r '.checks[] | select(.id == "iommu.dma-remapping") | .evidence')" \
	"^$ngroups IOMMU groups; /sys/class/iommu: dmar0" \
	"DMA remapping evidence: the kernel's group count ($ngroups) and its DMAR unit"
is "$(res iommu.interrupt-remapping)" pass "interrupt remapping: pass"
like "$(printf '%s' "$out" | jq -r '.checks[] | select(.id == "iommu.interrupt-remapping") | .evidence')" \
	"x2apic" "interrupt remapping evidence says x2apic mode"
# the kernel's own truth, read independently
like "$(dmesg | grep -m1 'DMAR-IR: Enabled IRQ remapping')" "x2apic" "the kernel log says IR is on in x2apic mode"
like "$(grep -c 'IR-PCI-MSI' /proc/interrupts)" "^[1-9]" "/proc/interrupts shows remapped MSIs"
is "$(printf '%s' "$out" | jq -r .verdict)" pass "verdict pass"
is "$(res kernel-log.iommu-faults)" pass "no IOMMU faults in the kernel log"

# other output formats
prom=$(pt check --format prometheus)
like "$prom" 'passthru_gate_ok\{profile="\(defaults\)"\} 1' "prometheus: gate ok gauge is 1"
like "$prom" 'passthru_check_result\{id="iommu.interrupt-remapping",device="",subject=""\} 0' "prometheus: one gauge per check"
is "$(printf '%s\n' "$prom" | grep '^passthru_check_result' | sed 's/} .*//' | sort | uniq -d)" "" \
	"prometheus: no series repeated"
like "$(pt check --format nfd)" "passthru.iommu=true" "nfd: iommu label"
tmp=$(mktemp -d)
ok "--output writes the textfile atomically" pt check --format prometheus --output "$tmp/passthru.prom"
like "$(cat "$tmp/passthru.prom")" "passthru_gate_ok" "the textfile has the gauges"
is "$(ls "$tmp")" passthru.prom "no temporary file left behind"

# a profile that plans 2 VFs on the igb PF: fails until they exist
pfdev=$(ls "$SYS_PCI/$IGB_PF/net" | head -1)
cat >"$tmp/p.yaml" <<YAML
sriov:
  - pf: { bdf: "$IGB_PF" }
    vfs: 2
vf_policy: { spoof_check: true, trust: false }
YAML
out=$(pt check --profile "$tmp/p.yaml" --json)
is "$?" 1 "VF count short of the profile: exit 1"
is "$(res sriov.vf-count)" fail "sriov.vf-count fails with 0 of 2 VFs"
like "$(printf '%s' "$out" | jq -r '.checks[] | select(.id == "sriov.vf-count") | .evidence')" \
	"sriov_numvfs 0, planned 2" "evidence gives actual and planned counts"
sriov_set "$IGB_PF" 2
out=$(pt check --profile "$tmp/p.yaml" --json)
is "$?" 0 "with 2 VFs the profile passes"
is "$(res sriov.vf-count)" pass "sriov.vf-count passes"
is "$(res sriov.vf-policy)" pass "igb VFs start with spoof checking on and trust off"
# break the policy the way an operator would, then the gate must say which VF
ip link set "$pfdev" vf 1 spoofchk off trust on
like "$(ip link show "$pfdev" | grep 'vf 1 ')" "spoof checking off.*trust on" "ip link confirms VF 1 is spoof-check off, trust on"
out=$(pt check --profile "$tmp/p.yaml" --json)
is "$?" 1 "VF policy violated: exit 1"
is "$(printf '%s' "$out" | jq -r '.checks[] | select(.id == "sriov.vf-policy" and .result == "fail") | .device')" \
	"$IGB_PF vf 1" "the failing VF is named: $IGB_PF vf 1"
like "$(printf '%s' "$out" | jq -r '.checks[] | select(.id == "sriov.vf-policy" and .result == "fail") | .decision')" \
	"ip link set $pfdev vf 1 spoofchk on trust off" "the decision is the command that fixes it"
ip link set "$pfdev" vf 1 spoofchk on trust off
sriov_set "$IGB_PF" 0

# a malformed profile: file:line:col and exit 2
printf 'sriov:\n  - pf: { bdf: "0000:zz:00.0" }\n    vfs: 2\n' >"$tmp/bad.yaml"
err=$(pt check --profile "$tmp/bad.yaml" 2>&1 >/dev/null)
is "$?" 2 "malformed profile: exit 2"
like "$err" "$tmp/bad.yaml:2:[0-9]+: " "the error names file:line:col"
like "$err" "0000:zz:00.0" "the error quotes the value"

# doctor on the igb PF: identity, group, reset methods, with decisions
d=$(pt doctor "$IGB_PF" --cpus 0 --json)
is "$?" 0 "doctor on the igb PF exits 0"
like "$(printf '%s' "$d" | jq -r '.checks[] | select(.id == "doctor.identity") | .evidence')" \
	"SR-IOV physical function" "doctor says it is an SR-IOV PF"
is "$(printf '%s' "$d" | jq -r '.checks[] | select(.id == "device.reset") | .result')" pass "igb PF has FLR"
like "$(printf '%s' "$d" | jq -r '.checks[] | select(.id == "device.reset") | .evidence')" "$(sysattr "$IGB_PF" reset_method)" \
	"doctor's reset methods are the kernel's reset_method"
is "$(printf '%s' "$d" | jq -r '.checks[] | select(.id == "iommu.group-viable") | .result')" pass \
	"the igb PF is alone in its group behind QEMU's root port"
# one judgement: show says what doctor says, and the kernel agrees (the PF's group
# directory holds the PF alone; vfio would not accept it while igb holds it)
s=$(pt show "$IGB_PF" --json)
is "$(printf '%s' "$s" | jq -r '"\(.dma_remapping) \(.assignable) \(.group.viable)"')" "true true false" \
	"show: DMA remapping on, the igb PF assignable, its group not viable for vfio now"
is "$(ls "/sys/bus/pci/devices/$IGB_PF/iommu_group/devices")" "$IGB_PF" "the kernel: the PF is alone in its group"
# the VM's CPU set on the other node: NUMA locality is a warning
is "$(pt doctor "$IGB_PF" --cpus 1 --json | jq -r '.checks[] | select(.id == "numa.locality") | .result')" warn \
	"doctor --cpus 1 (node 1) against a node-0 device warns"
rm -rf "$tmp"
test_done
