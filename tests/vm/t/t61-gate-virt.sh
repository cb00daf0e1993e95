#!/bin/bash
# lab-topology: default
# The gate's KVM and VFIO checks on a real kernel that has them right: /dev/kvm (kvm_amd
# on TCG's svm), vfio-pci loaded with vfio_iommu_type1, interrupts isolated, no ACS
# override, VFs on their PF's node. Each compared with what sysfs and /proc say.
. "$(dirname "$0")/../lib.sh"

out=$(pt check --json)
res() { jq -r --arg id "$1" '[.checks[] | select(.id == $id) | .result] | unique | join(",")' <<<"$out"; }
ev() { jq -r --arg id "$1" '[.checks[] | select(.id == $id) | .evidence] | join("; ")' <<<"$out"; }

if [ -c /dev/kvm ]; then
	is "$(res kvm.device)" pass "kvm.device passes: /dev/kvm is a character device"
else
	is "$(res kvm.device)" fail "kvm.device fails: no /dev/kvm"
fi
flag=$(grep -m1 -ow 'vmx\|svm' /proc/cpuinfo)
like "$(ev kvm.device)" "CPU flags have $flag" "kvm.device names the CPU flag /proc/cpuinfo has ($flag)"
[ -d /sys/module/vfio_pci ] && is "$(res vfio.driver)" pass "vfio.driver passes: vfio_pci is loaded"
like "$(ev vfio.driver)" "vfio_pci loaded, vfio_iommu_type1 loaded" "vfio.driver evidence: both modules loaded"
read -r unsafe </sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
is "$unsafe" N "the kernel's allow_unsafe_interrupts is N"
is "$(res vfio.unsafe-interrupts)" pass "vfio.unsafe-interrupts passes"
grep -q pcie_acs_override /proc/cmdline && fail "no pcie_acs_override on this topology"
is "$(res iommu.acs-override)" pass "iommu.acs-override passes"
is "$(pt show "$IGB_PF" --json | jq -r .group.trustworthy)" true "show: the igb's group is trustworthy"

# sriov.vf-numa: the kernel's numa_node of each VF against its PF's
sriov_set "$IGB_PF" 2
sys_vfs "$IGB_PF"
sys_read "$IGB_PF" numa_node; pn=$REPLY
same=1
for vf in "${SYS_VFS[@]}"; do sys_read "$vf" numa_node; [ "$REPLY" = "$pn" ] || same=0; done
out=$(pt check --json)
if [ $same = 1 ]; then
	is "$(res sriov.vf-numa)" pass "sriov.vf-numa passes: every VF on node $pn with its PF (sysfs)"
else
	is "$(res sriov.vf-numa)" warn "sriov.vf-numa warns: a VF's numa_node differs from its PF's (sysfs)"
fi
sriov_set "$IGB_PF" 0
test_done
