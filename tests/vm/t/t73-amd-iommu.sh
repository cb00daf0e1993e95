#!/bin/bash
# lab-topology: amdvi
# AMD-Vi on a real kernel (Debian's 6.1, QEMU's amd-iommu with interrupt remapping and
# x2APIC): the inventory names the kind, the log scanner reads AMD-Vi's lines, the gate
# passes as on VT-d, show and assign work, and a real QEMU opens the VF that assign
# printed through the AMD IOMMU. Each verdict is checked against the kernel's own
# answer (sysfs, /proc, dmesg). With PT_KLOG_OUT=FILE the kernel log is saved (the
# tests/data/klog sample).
. "$(dirname "$0")/../lib.sh"

Q=$(cd "$(dirname "$0")/../cache/qemu" 2>/dev/null && pwd)
T=$(mktemp -d)
export PASSTHRU_STATE_DIR=$T/state
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
like "$units" "^ivhd[0-9]+$" "kernel: one AMD IOMMU unit ($units)"
ok "kernel: $units has amd-iommu/ attributes" test -d "/sys/class/iommu/$units/amd-iommu"
dm=$(dmesg)
like "$dm" "AMD-Vi: Interrupt remapping enabled" "kernel log: AMD-Vi interrupt remapping enabled"
like "$dm" "AMD-Vi: X2APIC enabled" "kernel log: in x2APIC mode (xtsup=on)"
like "$(grep -c 'IR-PCI-MSI' /proc/interrupts)" "^[1-9]" "kernel: remapped MSI lines in /proc/interrupts"
ngroups=$(ls /sys/kernel/iommu_groups | wc -l)

# ---- inventory and log ---------------------------------------------------------------------
pt_rescan
is "$(jq -r '"\(.iommu.kind) \(.iommu.units | join(" "))"' <<<"$PT_JSON")" "amd $units" "list: IOMMU kind amd, unit $units"
out=$(pt log --json)
is "$?" 0 "passthru log exits 0"
IFS=$'\t' read -r dma ir mode dom nf <<<"$(jq -r '[.dma_remapping, .interrupt_remapping, .ir_mode, .default_domain, (.faults|length)] | @tsv' <<<"$out")"
is "$dma" true "log: DMA remapping on"
is "$ir" true "log: interrupt remapping on"
is "$mode" x2apic "log: x2apic mode"
g=$(ls /sys/kernel/iommu_groups | head -1)
like "$(cat /sys/kernel/iommu_groups/$g/type)" "^DMA" "kernel: DMA domains"
is "$dom" translated "log: default domain translated"
is "$nf" 0 "log: no IOMMU faults"

# ---- the gate, as on VT-d ------------------------------------------------------------------
out=$(pt check --json)
is "$?" 0 "check passes on AMD-Vi (exit 0)"
res() { jq -r --arg id "$1" '[.checks[] | select(.id == $id) | .result] | join(",")' <<<"$out"; }
ev() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .evidence' <<<"$out"; }
is "$(res iommu.dma-remapping)" pass "check: DMA remapping pass"
like "$(ev iommu.dma-remapping)" "^$ngroups IOMMU groups; /sys/class/iommu: $units" "evidence: the kernel's $ngroups groups and $units"
is "$(res iommu.interrupt-remapping)" pass "check: interrupt remapping pass"
like "$(ev iommu.interrupt-remapping)" "AMD-Vi: Interrupt remapping enabled \(x2apic mode\)" "evidence: AMD-Vi's line, x2apic"
is "$(res iommu.default-domain)" pass "check: default domain pass"
is "$(res vfio.driver)" pass "check: vfio-pci pass"
is "$(jq -r '[.checks[] | select(.result == "fail") | .id] | join(" ")' <<<"$out")" "" "check: no check fails"

# ---- show and assign, and a real QEMU through AMD-Vi ------------------------------------
ok "2 igb VFs" sriov_set "$IGB_PF" 2
sys_vfs "$IGB_PF"
sys_link "${SYS_VFS[0]}" iommu_group
pt_load_show "${SYS_VFS[0]}"
is "${SHOW[iommu_group]}" "$REPLY" "show: VF ${SYS_VFS[0]} in group $REPLY, as sysfs"
is "${SHOW[iommu.kind]}" amd "show: IOMMU kind amd"
is "${SHOW[assignable]}" true "show: the VF is assignable"
cat >"$T/host.yaml" <<EOF
pools:
  net:
    vfs_of: [ { bdf: "$IGB_PF" } ]
EOF
pt assign vm73 --config "$T/host.yaml" --pool net --format qemu >"$T/args" 2>"$T/err"
is $? 0 "assign vm73 --format qemu" || diag "$(cat "$T/err")"
mapfile -t dev_args < <(grep -- '^-device vfio-pci' "$T/args" | sed 's/^-device //')
vf=${dev_args[0]#*host=}; vf=${vf%%,*}
sys_link "$vf" driver; is "$REPLY" vfio-pci "kernel: $vf on vfio-pci"
sys_link "$vf" iommu_group; grp=$REPLY
if [ -n "$Q" ] && [ -x "$Q/bin/qemu-system-x86_64" ]; then
	LD_LIBRARY_PATH=$Q/lib "$Q/bin/qemu-system-x86_64" -L "$Q/share" -S -nodefaults -display none \
		-accel tcg -monitor none -serial none -name guest=vm73 -daemonize -pidfile "$T/a.pid" \
		-m 4 -device "${dev_args[0]}" 2>"$T/a.err"
	is $? 0 "QEMU starts with assign's -device ${dev_args[0]} (vfio through AMD-Vi)" || diag "$(cat "$T/a.err")"
	A=$(cat "$T/a.pid" 2>/dev/null); [ -n "$A" ] && PIDS+=("$A")
	is "$(ls -l /proc/$A/fd 2>/dev/null | grep -c " /dev/vfio/$grp\$")" 1 "kernel: /proc/$A/fd holds /dev/vfio/$grp"
	is "$(pt vm "$A" --json 2>/dev/null | jq -r '.devices[] | select(.kind == "vf") | "\(.bdf) \(.vfio_file)"')" \
		"$vf /dev/vfio/$grp" "vm $A: $vf held through /dev/vfio/$grp"
	like "$(dmesg | grep -c 'AMD-Vi: Event logged')" "^0$" "kernel log: no AMD-Vi event (fault) while QEMU maps the VF"
else
	fail "no QEMU for the guest's VMs (build-guest makes tests/vm/cache/qemu)"
fi
diag "t73 took $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t_start }") s"
test_done
