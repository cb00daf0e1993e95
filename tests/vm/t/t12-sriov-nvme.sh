#!/bin/bash
# lab-topology: default
# SR-IOV on QEMU's NVMe controller: VFs made with probing off are listed unbound;
# once the secondary controllers are given resources and brought online (nvme
# virt-mgmt) they bind to nvme and show their disk.
. "$(dirname "$0")/../lib.sh"

pf=$NVME_SRIOV_PF
[ -n "$pf" ] || bail "the default topology has an SR-IOV NVMe PF"
trap 'echo 0 >"$SYS_PCI/$pf/sriov_numvfs"; echo 1 >"$SYS_PCI/$pf/sriov_drivers_autoprobe"' EXIT
sriov_set "$pf" 0

pt_rescan
is "${PT[$pf sriov.total_vfs]}" 4 "total_vfs 4 (sriov_max_vfs=4)"
sys_read "$pf" sriov_totalvfs
is "${PT[$pf sriov.total_vfs]}" "$REPLY" "total_vfs as sriov_totalvfs"
is "${PT[$NVME_PLAIN kind]}" function "the plain NVMe has no SR-IOV"

# VFs with probing off: listed, no driver
echo 0 >"$SYS_PCI/$pf/sriov_drivers_autoprobe"
ok "echo 2 > sriov_numvfs with drivers_autoprobe 0" sriov_set "$pf" 2
pt_rescan
sys_vfs "$pf"
is "${PT[$pf sriov.drivers_autoprobe]}" false "drivers_autoprobe false as sysfs"
is "${PT[$pf sriov.vfs]}" "${SYS_VFS[*]}" "VFs ${SYS_VFS[*]} in virtfn order"
for i in "${!SYS_VFS[@]}"; do
	vf=${SYS_VFS[i]}
	is "${PT[$vf physfn]-<absent>}" "$pf" "$vf: physfn $pf"
	is "${PT[$vf vf_index]-<absent>}" "$i" "$vf: vf_index $i"
	is "${PT[$vf driver]-<absent>}" null "$vf: no driver while probing is off"
done
sriov_set "$pf" 0

# online secondary controllers: bound to nvme, with their disks
ok "VFs brought online with nvme virt-mgmt and probed" nvme_vfs_online "$pf" 2
pt_rescan
sys_vfs "$pf"
is "${PT[$pf sriov.num_vfs]}" 2 "num_vfs 2"
is "${PT[$pf sriov.vfs]}" "${SYS_VFS[*]}" "VFs ${SYS_VFS[*]} in virtfn order"
for i in "${!SYS_VFS[@]}"; do
	vf=${SYS_VFS[i]}
	is "${PT[$vf physfn]-<absent>}" "$pf" "$vf: physfn $pf"
	is "${PT[$vf vf_index]-<absent>}" "$i" "$vf: vf_index $i"
	sys_link "$vf" driver
	is "$REPLY" nvme "$vf: the kernel bound nvme (the controller is online)"
	is "${PT[$vf driver]-<absent>}" nvme "$vf: driver nvme"
	ctrl=""
	for c in "$SYS_PCI/$vf"/nvme/nvme*; do [ -e "$c" ] && ctrl=${c##*/}; done
	isnt "$ctrl" "" "$vf: has an nvme controller"
	isnt "${PT[$vf blockdevs]-}" "" "$vf: has a disk (${PT[$vf blockdevs]-})"
	sys_numa "$vf"
	is "${PT[$vf numa_node]}" "$REPLY" "$vf: numa_node $REPLY as sysfs"
done
is "$(pt list --pf "$pf" --json | jq -r '[.functions[].bdf] | join(" ")')" "$pf ${SYS_VFS[*]}" \
	"list --pf has the PF and its VFs"

test_done
