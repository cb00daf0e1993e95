#!/bin/bash
# lab-topology: viommu
# virtio-iommu, the third IOMMU kind (QEMU's virtio-iommu-pci on Debian's backports
# kernel: 6.1 has no driver): the inventory names it "virtio" (its /sys/class/iommu
# entry is named after the PCI function and sits under the virtio device), the log
# scanner reads the driver's line, and the gate passes DMA remapping and fails
# interrupt remapping, as the kernel does: x86 remaps interrupts only through VT-d or
# AMD-Vi, so vfio refuses to attach a group ("No interrupt remapping support") unless
# allow_unsafe_interrupts=1. Checked here with a real QEMU. With PT_KLOG_OUT=FILE the
# kernel log is saved (the tests/data/klog sample).
. "$(dirname "$0")/../lib.sh"

Q=$(cd "$(dirname "$0")/../cache/qemu" 2>/dev/null && pwd)
T=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	sleep 0.3
	sriov_set "$IGB_PF" 0
}
trap cleanup EXIT
t_start=$EPOCHREALTIME
[ -n "${PT_KLOG_OUT:-}" ] && dmesg >"$PT_KLOG_OUT"

# ---- the kernel's truth -----------------------------------------------------------------
units=$(ls /sys/class/iommu | tr '\n' ' '); units=${units% }
isnt "$units" "" "kernel: an IOMMU unit ($units)"
like "$(readlink "/sys/class/iommu/$units")" "/virtio[0-9]+/iommu/" "kernel: $units sits under a virtio device"
dm=$(dmesg)
like "$dm" "virtio_iommu virtio[0-9]+: input address" "kernel log: the virtio-iommu driver probed"
is "$(grep -c 'IR-PCI-MSI' /proc/interrupts)" 0 "kernel: no remapped MSI line in /proc/interrupts"
ngroups=$(ls /sys/kernel/iommu_groups | wc -l)
like "$ngroups" "^[1-9]" "kernel: $ngroups IOMMU groups"

# ---- inventory, log and gate -------------------------------------------------------------
pt_rescan
is "$(jq -r '"\(.iommu.kind) \(.iommu.units | join(" "))"' <<<"$PT_JSON")" "virtio $units" "list: IOMMU kind virtio, unit $units"
out=$(pt log --json)
IFS=$'\t' read -r dma ir vendor <<<"$(jq -r '[.dma_remapping, .interrupt_remapping, .vendor] | @tsv' <<<"$out")"
is "$dma" true "log: DMA remapping on (the driver's line)"
is "$ir" false "log: interrupt remapping off"
is "$vendor" virtio "log: vendor virtio"
out=$(pt check --json)
is "$?" 1 "check fails on virtio-iommu (exit 1): interrupt remapping"
res() { jq -r --arg id "$1" '[.checks[] | select(.id == $id) | .result] | join(",")' <<<"$out"; }
ev() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .evidence' <<<"$out"; }
is "$(res iommu.dma-remapping)" pass "check: DMA remapping pass"
like "$(ev iommu.dma-remapping)" "^$ngroups IOMMU groups; /sys/class/iommu: $units" "evidence: the kernel's groups and unit"
is "$(res iommu.interrupt-remapping)" fail "check: interrupt remapping fail"
like "$(ev iommu.interrupt-remapping)" "virtio-iommu, which remaps no interrupts" "evidence: the kernel's reason"
is "$(jq -r '[.checks[] | select(.result == "fail") | .id] | join(" ")' <<<"$out")" "iommu.interrupt-remapping" \
	"check: nothing else fails"

# ---- what that failure means: vfio refuses the group -------------------------------------
ok "2 igb VFs" sriov_set "$IGB_PF" 2
sys_vfs "$IGB_PF"
vf=${SYS_VFS[0]}
pt_load_show "$vf"
is "${SHOW[iommu.kind]}" virtio "show: IOMMU kind virtio"
ok "$vf bound to vfio-pci" bind_vfio "$vf"
if [ -n "$Q" ] && [ -x "$Q/bin/qemu-system-x86_64" ]; then
	LD_LIBRARY_PATH=$Q/lib timeout 60 "$Q/bin/qemu-system-x86_64" -L "$Q/share" -S -nodefaults \
		-display none -accel tcg -monitor none -serial none -daemonize -pidfile "$T/a.pid" -m 4 \
		-device vfio-pci,host="$vf" 2>"$T/a.err"
	rc=$?
	[ -s "$T/a.pid" ] && PIDS+=("$(cat "$T/a.pid")")
	isnt "$rc" 0 "QEMU cannot open $vf without interrupt remapping (exit $rc)"
	like "$(dmesg | tail -n 20)" "No interrupt remapping support" "kernel log: vfio_iommu_type1 says why"
else
	fail "no QEMU for the guest's VMs (build-guest makes tests/vm/cache/qemu)"
fi
diag "t75 took $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t_start }") s"
test_done
