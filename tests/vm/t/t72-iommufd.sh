#!/bin/bash
# lab-topology: iommufd
# iommufd and the VFIO device cdev on Debian's backports kernel (6.12, emulated VT-d):
# what the kernel offers is read here first, then passthru's decision is checked
# against it and against a real QEMU (the host's, paused with -S).
# Debian builds its 6.12 without CONFIG_IOMMUFD (hence without VFIO_DEVICE_CDEV): the
# VF gets vfio-dev/vfioN (without its dev attribute), but there is no /dev/iommu and no
# /dev/vfio/devices/. So the
# kernel's truth here is the legacy path: `assign` must choose group/container and say
# why, QEMU must start with what it printed and hold /dev/vfio/G, `vm` must see it; and
# the iommufd form forced on this kernel must fail in QEMU as assign warned it would.
# The cdev path itself is covered by tests/unit/test-vm.c (the vm-lab capture made to
# hold the VF through /dev/vfio/devices/vfio0), not by a kernel.
. "$(dirname "$0")/../lib.sh"

Q=$(cd "$(dirname "$0")/../cache/qemu" 2>/dev/null && pwd)
[ -n "$Q" ] && [ -x "$Q/bin/qemu-system-x86_64" ] || bail "no QEMU for the guest's VMs (build-guest makes tests/vm/cache/qemu)"
T=$(mktemp -d)
export PASSTHRU_STATE_DIR=$T/state PASSTHRU_QEMU="$T/qemu"
# the guest's QEMU as passthru asks it (-object help), with its libraries
printf '#!/bin/sh\nLD_LIBRARY_PATH=%s/lib exec %s/bin/qemu-system-x86_64 -L %s/share "$@"\n' "$Q" "$Q" "$Q" >"$T/qemu"
chmod +x "$T/qemu"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	sleep 0.3
	sriov_set "$IGB_PF" 0
}
trap cleanup EXIT
t_start=$EPOCHREALTIME

# ---- the kernel's truth -----------------------------------------------------------------
read -r rel </proc/sys/kernel/osrelease
like "$rel" "^6\.12\." "the backports kernel: $rel"
isnt "$IGB_PF" "" "igb PF present"
ok "2 igb VFs" sriov_set "$IGB_PF" 2
sys_vfs "$IGB_PF"
vf=${SYS_VFS[1]}
ok "$vf bound to vfio-pci" bind_vfio "$vf"
sys_link "$vf" driver; is "$REPLY" vfio-pci "kernel: $vf on vfio-pci"
cdev=
for d in "$SYS_PCI/$vf"/vfio-dev/vfio*; do [ -e "$d" ] && cdev=${d##*/}; done
like "$cdev" "^vfio[0-9]+$" "kernel: $vf is VFIO device $cdev (vfio-dev/$cdev)"
ok "kernel: vfio-dev/$cdev has no dev attribute (no cdev number)" test ! -e "$SYS_PCI/$vf/vfio-dev/$cdev/dev"
iommu=no; [ -e /dev/iommu ] && iommu=yes
is "$iommu" no "kernel: no /dev/iommu (Debian's 6.12: CONFIG_IOMMUFD unset)"
node=no; [ -e "/dev/vfio/devices/$cdev" ] && node=yes
is "$node" no "kernel: no /dev/vfio/devices/$cdev (no VFIO_DEVICE_CDEV without iommufd)"
ok "kernel: no iommufd module" test ! -e /sys/module/iommufd
sys_link "$vf" iommu_group; grp=$REPLY
ok "kernel: /dev/vfio/$grp, the group's node" test -c "/dev/vfio/$grp"
like "$("$T/qemu" -object help 2>&1)" $'\n  iommufd' "QEMU here (the host's) has -object iommufd: the kernel is the gap"

# ---- passthru's inventory ------------------------------------------------------------------
pt_rescan
is "${PT[$vf vfio_dev]}" "$cdev" "list: $vf vfio_dev $cdev, as sysfs"
is "$(jq -r '"\(.iommu.kind) \(.iommu.units | join(",")) \(.iommu.iommufd)"' <<<"$PT_JSON")" \
	"intel $(ls /sys/class/iommu | tr '\n' ',' | sed 's/,$//') false" "list: iommu kind intel, the kernel's units, iommufd false"

# ---- assign decides legacy, and says why; QEMU takes what it printed -------------------------
cat >"$T/host.yaml" <<EOF
pools:
  net:
    vfs_of: [ { bdf: "$IGB_PF" } ]
EOF
pt assign vm72 --config "$T/host.yaml" --pool net --format qemu >"$T/args" 2>"$T/err"
is $? 0 "assign vm72 --format qemu" || diag "$(cat "$T/err")"
like "$(cat "$T/args")" "# vfio: legacy \(group/container\): no /dev/iommu" "assign: legacy, because there is no /dev/iommu"
is "$(grep -c -- '^-object iommufd' "$T/args")" 0 "assign: no -object iommufd"
mapfile -t dev_args < <(grep -- '^-device vfio-pci' "$T/args" | sed 's/^-device //')
is "${#dev_args[@]}" 1 "assign: one -device vfio-pci"
av=${dev_args[0]#*host=}; av=${av%%,*}
sys_link "$av" iommu_group; agrp=$REPLY
rm -f "$T/a.pid"
LD_LIBRARY_PATH=$Q/lib "$Q/bin/qemu-system-x86_64" -L "$Q/share" -S -nodefaults -display none \
	-accel tcg -monitor none -serial none -name guest=vm72,debug-threads=on -daemonize \
	-pidfile "$T/a.pid" -m 4 -device "${dev_args[0]}" 2>"$T/a.err"
is $? 0 "QEMU starts with assign's -device ${dev_args[0]}" || diag "$(cat "$T/a.err")"
A=$(cat "$T/a.pid" 2>/dev/null)
[ -n "$A" ] && PIDS+=("$A")
is "$(ls -l /proc/$A/fd 2>/dev/null | grep -c " /dev/vfio/$agrp\$")" 1 "kernel: /proc/$A/fd holds /dev/vfio/$agrp"
J=$(pt vm "$A" --json 2>"$T/err")
is "$(jq -r '.devices[] | select(.kind == "vf") | "\(.bdf) \(.vfio_file)"' <<<"$J")" "$av /dev/vfio/$agrp" \
	"vm $A: $av held through /dev/vfio/$agrp"
J=$(pt assign vm72b --config "$T/host.yaml" --pool net --dry-run --json 2>/dev/null)
is "$(jq -r '"\(.vfio_backend) \(.vfio_backend_forced)"' <<<"$J")" "legacy false" "assign --json: vfio_backend legacy, not forced"

# ---- the iommufd form forced on this kernel: warned, and QEMU refuses it -------------------
pt assign vm72c --config "$T/host.yaml" --pool net --vfio-backend iommufd --format qemu >"$T/argsc" 2>"$T/errc"
is $? 0 "assign --vfio-backend iommufd: obeyed"
like "$(cat "$T/errc")" "against the kernel: no /dev/iommu" "assign warns the kernel cannot"
is "$(grep -c -- '^-object iommufd,id=iommufd0$' "$T/argsc")" 1 "assign: -object iommufd,id=iommufd0"
mapfile -t c_args < <(grep -- '^-device vfio-pci' "$T/argsc" | sed 's/^-device //')
like "${c_args[0]}" ",iommufd=iommufd0$" "assign: iommufd=iommufd0 on the device"
LD_LIBRARY_PATH=$Q/lib timeout 60 "$Q/bin/qemu-system-x86_64" -L "$Q/share" -S -nodefaults -display none \
	-accel tcg -monitor none -serial none -daemonize -pidfile "$T/c.pid" -m 4 \
	-object iommufd,id=iommufd0 -device "${c_args[0]}" 2>"$T/c.err"
rc=$?
[ -s "$T/c.pid" ] && PIDS+=("$(cat "$T/c.pid")")
isnt "$rc" 0 "QEMU refuses the iommufd form on this kernel (exit $rc)"
# QEMU 10 looks for the cdev first: vfio-dev/vfioN/dev is the cdev's device number,
# absent without VFIO_DEVICE_CDEV
like "$(cat "$T/c.err")" "vfio-dev/vfio[0-9]+/dev|/dev/iommu" "QEMU names the missing cdev: $(head -c 200 "$T/c.err")"
pt release vm72 >/dev/null 2>&1 # refused while vm72 runs; the trap cleans up
diag "t72 took $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t_start }") s"
test_done
