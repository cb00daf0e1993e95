#!/bin/bash
# lab-topology: default
# vfio: a VF bound to vfio-pci with driver_override + drivers_probe is seen bound,
# its group viable and its /dev/vfio node there; reset through sysfs works with the
# methods passthru reports; unbinding restores the VF driver.
. "$(dirname "$0")/../lib.sh"

trap 'echo 0 >"$SYS_PCI/$IGB_PF/sriov_numvfs" 2>/dev/null' EXIT
ok "echo 2 > sriov_numvfs on the igb PF" sriov_set "$IGB_PF" 2
sys_vfs "$IGB_PF"
vf=${SYS_VFS[1]}
ok "$vf: driver_override vfio-pci, unbind, drivers_probe" bind_vfio "$vf"

pt_rescan
sys_link "$vf" driver
is "$REPLY" vfio-pci "the kernel bound vfio-pci to $vf"
is "${PT[$vf driver]}" vfio-pci "$vf: driver vfio-pci"
is "${PT[$vf driver_override]}" vfio-pci "$vf: driver_override vfio-pci"
is "${PT[${SYS_VFS[0]} driver]}" igbvf "the other VF stays on igbvf"
is "${PT[${SYS_VFS[0]} driver_override]}" null "the other VF has no driver_override"
group=${PT[$vf iommu_group]}
sys_link "$vf" iommu_group
is "$group" "$REPLY" "$vf: group $REPLY"
ok "/dev/vfio/$group exists" test -c "/dev/vfio/$group"
pt_load_show "$vf"
is "$(jq -r .group.viable <<<"$SHOW_JSON")" true "$vf: its group is viable for vfio"
pt_load_show "${SYS_VFS[0]}"
is "$(jq -r .group.viable <<<"$SHOW_JSON")" false "${SYS_VFS[0]} (igbvf): its group is not viable"

# reset, as the kernel offers it
sys_read "$vf" reset_method
is "${PT[$vf reset_methods]}" "$REPLY" "$vf: reset methods '$REPLY' as reset_method"
is "${PT[$vf reset_methods]}" flr "$vf: an igb VF resets by FLR"
ok "echo 1 > $vf/reset" sh -c "echo 1 > $SYS_PCI/$vf/reset"
sys_read "$IGB_PF" reset_method
is "${PT[$IGB_PF reset_methods]}" "$REPLY" "igb PF: reset methods '$REPLY' as reset_method"
sys_link "$vf" driver
is "$REPLY" vfio-pci "$vf still bound to vfio-pci after the reset"

ok "$vf: override cleared, unbound, probed again" unbind_vfio "$vf"
pt_rescan
is "${PT[$vf driver]}" igbvf "$vf: back on igbvf"
is "${PT[$vf driver_override]}" null "$vf: driver_override cleared"

test_done
