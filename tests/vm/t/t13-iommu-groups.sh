#!/bin/bash
# lab-topology: default
# IOMMU groups under emulated VT-d: each function's group is the kernel's
# iommu_group link, every group has the members /sys/kernel/iommu_groups lists, VFs
# get groups of their own, and show tells the members with their drivers.
. "$(dirname "$0")/../lib.sh"

trap 'echo 0 >"$SYS_PCI/$IGB_PF/sriov_numvfs" 2>/dev/null' EXIT
ok "echo 2 > sriov_numvfs on the igb PF" sriov_set "$IGB_PF" 2
sys_vfs "$IGB_PF"
vfs=("${SYS_VFS[@]}")

pt_rescan
ngroups=0
for g in /sys/kernel/iommu_groups/*; do [ -e "$g" ] && ngroups=$((ngroups + 1)); done
like "$ngroups" '^[1-9][0-9]*$' "the kernel made IOMMU groups ($ngroups)"
like "$(ls /sys/class/iommu)" dmar "the kernel has a DMAR unit"

declare -A members=()
sys_bdfs
for d in $REPLY; do
	sys_link "$d" iommu_group; orn "$REPLY"
	want=$REPLY
	is "${PT[$d iommu_group]}" "$want" "$d: iommu_group $want as its iommu_group link"
	is "${PT[$d iommu_group_dangling]}" false "$d: group link not dangling"
	[ "$want" != null ] && members[$want]="${members[$want]:-} $d"
done

# every group's members, as passthru's functions say, against the group's devices/
for g in /sys/kernel/iommu_groups/*; do
	id=${g##*/}
	l=()
	for m in "$g"/devices/*; do l+=("${m##*/}"); done
	sorted "${l[@]}"; want=$REPLY
	sorted ${members[$id]:-}
	is "$REPLY" "$want" "group $id: members $want"
done

# VFs behind VT-d with ACS root ports: a group each, apart from the PF's
for vf in "${vfs[@]}"; do
	isnt "${PT[$vf iommu_group]}" "${PT[$IGB_PF iommu_group]}" "$vf: not in the PF's group"
	sorted ${members[${PT[$vf iommu_group]}]:-}
	is "$REPLY" "$vf" "$vf: alone in group ${PT[$vf iommu_group]}"
done
isnt "${PT[${vfs[0]} iommu_group]}" "${PT[${vfs[1]} iommu_group]}" "the two VFs have different groups"

# show: the group's members with their drivers, and viability
check_show_group() {
	local d=$1 g id m l=() drv want_viable=true
	pt_load_show "$d" || return
	id=${PT[$d iommu_group]}
	is "$(jq -r '.group.id' <<<"$SHOW_JSON")" "$id" "show $d: group.id $id"
	for m in /sys/kernel/iommu_groups/$id/devices/*; do
		m=${m##*/}
		sys_link "$m" driver
		drv=${REPLY:-null}
		l+=("$m=$drv")
		# vfio's rule: endpoints bound to vfio-pci, pci-stub or nothing; bridges do not count
		sys_read "$m" class
		case "$drv" in vfio-pci|pci-stub|null) ;; *) [[ $REPLY == 0x0604* || $REPLY == 0x0600* ]] || want_viable=false ;; esac
	done
	sorted "${l[@]}"; want=$REPLY
	sorted $(jq -r '.group.members[] | "\(.bdf)=\(.driver // "null")"' <<<"$SHOW_JSON")
	is "$REPLY" "$want" "show $d: group members and drivers as sysfs ($want)"
	is "$(jq -r '.group.viable' <<<"$SHOW_JSON")" "$want_viable" "show $d: group viable $want_viable"
}
check_show_group "$IGB_PF"
check_show_group "${vfs[0]}"
# the ICH9 functions on pcie.0 share a group (multifunction, no ACS)
big=""
for id in "${!members[@]}"; do
	set -- ${members[$id]}
	[ $# -gt 1 ] && big=$1
done
isnt "$big" "" "some group has several members (the ICH9 functions)"
[ -n "$big" ] && check_show_group "$big"

test_done
