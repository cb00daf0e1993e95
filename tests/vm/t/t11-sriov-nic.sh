#!/bin/bash
# lab-topology: default
# SR-IOV on the igb NIC: the PF's capability, then VFs made with sriov_numvfs appear
# under the right PF with the right index, driver and interface, in the JSON and in
# the table's tree; changing and removing them is seen at once.
. "$(dirname "$0")/../lib.sh"

pf=$IGB_PF
[ -n "$pf" ] || bail "the default topology has an igb PF"
trap 'echo 0 >"$SYS_PCI/$pf/sriov_numvfs" 2>/dev/null' EXIT
sriov_set "$pf" 0

pt_rescan
sys_read "$pf" sriov_totalvfs
is "${PT[$pf sriov.total_vfs]}" "$REPLY" "total_vfs $REPLY as sriov_totalvfs"
is "${PT[$pf sriov.total_vfs]}" 7 "an 82576 offers 7 VFs"
is "${PT[$pf sriov.num_vfs]}" 0 "num_vfs 0 before any VF is made"
is "${PT[$pf sriov.vfs]}" "" "no VFs listed"
for a in offset:sriov_offset stride:sriov_stride; do
	sys_read "$pf" "${a#*:}"
	is "${PT[$pf sriov.${a%%:*}]}" "$REPLY" "${a%%:*} $REPLY as ${a#*:}"
done
sys_hex "$pf" sriov_vf_device
is "${PT[$pf sriov.vf_device_id]}" "$REPLY" "vf_device_id $REPLY as sriov_vf_device"
sys_read "$pf" sriov_drivers_autoprobe
[ "$REPLY" = 1 ] && want=true || want=false
is "${PT[$pf sriov.drivers_autoprobe]}" "$want" "drivers_autoprobe $want as sysfs"

# check_vfs N: the PF and each of its N VFs as the kernel has them
check_vfs() {
	local n=$1 i vf pfnet
	pt_rescan
	sys_vfs "$pf"
	is "${#SYS_VFS[@]}" "$n" "the kernel made $n VFs (virtfn links)"
	is "${PT[$pf sriov.num_vfs]}" "$n" "num_vfs $n"
	is "${PT[$pf sriov.vfs]}" "${SYS_VFS[*]}" "VFs in virtfn order: ${SYS_VFS[*]}"
	pfnet=${PT[$pf netdevs]%% *}
	for i in "${!SYS_VFS[@]}"; do
		vf=${SYS_VFS[i]}
		is "${PT[$vf kind]-<absent>}" vf "$vf listed as a VF"
		sys_link "$vf" physfn
		is "${PT[$vf physfn]-<absent>}" "$REPLY" "$vf: physfn $REPLY as its physfn link"
		is "${PT[$vf physfn]-<absent>}" "$pf" "$vf: under $pf"
		is "${PT[$vf vf_index]-<absent>}" "$i" "$vf: vf_index $i (virtfn$i)"
		sys_link "$vf" driver; orn "$REPLY"
		is "${PT[$vf driver]-<absent>}" "$REPLY" "$vf: driver $REPLY as its driver link"
		sys_netdevs "$vf"
		is "${PT[$vf netdevs]-<absent>}" "$REPLY" "$vf: interface '$REPLY' as net/"
		is "${PT[$vf pf_netdev]-<absent>}" "$pfnet" "$vf: pf_netdev is the PF's $pfnet"
		sys_hex "$vf" device
		is "${PT[$vf device_id]-<absent>}" "$REPLY" "$vf: device ID $REPLY"
	done
	# the table: VF rows follow their PF's row in the tree
	local tree want=""
	tree=$(pt list | awk '$1 !~ /^(├|└)/ { p = $1; next } { b = $1; sub(/^(├─|└─)/, "", b); print b, p }')
	for vf in "${SYS_VFS[@]}"; do want+="$vf $pf"$'\n'; done
	is "$(grep " $pf\$" <<<"$tree")" "${want%$'\n'}" "the table lists the $n VFs under $pf, in order"
	# --pf: the PF and its VFs only
	is "$(pt list --pf "$pf" --json | jq -r '.functions[].bdf' | tr '\n' ' ')" \
		"$pf ${SYS_VFS[*]}${SYS_VFS[*]:+ }" "list --pf $pf has the PF and its VFs"
}

ok "echo 3 > sriov_numvfs" sriov_set "$pf" 3
check_vfs 3
is "${PT[${SYS_VFS[0]} driver]}" igbvf "VF 0 bound to igbvf"

# the kernel's truth about VF configuration is there for apply to read (ip link)
pfnet=${PT[$pf netdevs]%% *}
ok "ip link set $pfnet vf 0 mac ... vlan 100 spoofchk on trust off" \
	ip link set "$pfnet" vf 0 mac 02:00:00:00:00:10 vlan 100 spoofchk on trust off
like "$(ip link show "$pfnet")" "vf 0 .*02:00:00:00:00:10 .*vlan 100, spoof checking on" "ip link shows VF 0's MAC and VLAN"

ok "echo 2 > sriov_numvfs (through 0)" sriov_set "$pf" 2
check_vfs 2

# VFs on two PFs at once (the igb and, unprobed, the SR-IOV NVMe): each VF under its own
nv=$NVME_SRIOV_PF
trap 'echo 0 >"$SYS_PCI/$pf/sriov_numvfs"; echo 0 >"$SYS_PCI/$nv/sriov_numvfs"; echo 1 >"$SYS_PCI/$nv/sriov_drivers_autoprobe"' EXIT
echo 0 >"$SYS_PCI/$nv/sriov_drivers_autoprobe"
ok "echo 2 > sriov_numvfs on the NVMe PF too" sriov_set "$nv" 2
pt_rescan
for p in "$pf" "$nv"; do
	sys_vfs "$p"
	is "${PT[$p sriov.vfs]}" "${SYS_VFS[*]}" "$p: its own VFs ${SYS_VFS[*]}"
	for i in "${!SYS_VFS[@]}"; do
		vf=${SYS_VFS[i]}
		is "${PT[$vf physfn]-<absent>}/${PT[$vf vf_index]-<absent>}" "$p/$i" "$vf: VF $i of $p"
	done
done
echo 0 >"$SYS_PCI/$nv/sriov_numvfs"
echo 1 >"$SYS_PCI/$nv/sriov_drivers_autoprobe"

ok "echo 0 > sriov_numvfs" sriov_set "$pf" 0
pt_rescan
is "${PT[$pf sriov.num_vfs]}" 0 "num_vfs back to 0"
is "${PT[$pf sriov.vfs]}" "" "no VFs listed"
left=$(for b in $PT_BDFS; do [ "${PT[$b kind]}" = vf ] && echo "$b"; done)
is "$left" "" "no VF left in the list"

test_done
