#!/bin/bash
# lab-topology: default
# passthru assign / release on a real kernel: pools of igb VFs (node 0) and SR-IOV NVMe
# VFs (node 1, left offline: vfio-pci binds them all the same); an igb VF assigned with
# MAC and VLAN is on vfio-pci (driver link, /dev/vfio/<group>) and `ip link` shows its
# MAC and VLAN on the PF; an NVMe VF as a <hostdev>. The XML is copied out to
# $LAB_RESULTS/t50-assign.out/ and validated on the host by t50-assign.host in the same
# lab stage (the guest has no xmllint: libxml2 needs ICU, 30 MB, in a 192 MiB guest).
# Release leaves a device a process holds open (/dev/vfio/<group>) alone; otherwise the
# reset is seen in the kernel (ftrace: pcie_flr called by passthru), the VF's MAC is
# the placeholder and its VLAN 0 again; leases and pools say so; a second assign works;
# gc releases a VM that no longer exists.
. "$(dirname "$0")/../lib.sh"

T=$(mktemp -d)
export PASSTHRU_STATE_DIR=$T/state
OUT=${LAB_RESULTS:-$T}/t50-assign.out
rm -rf "$OUT" && mkdir -p "$OUT"
isnt "$IGB_PF" "" "igb PF present" || true
isnt "$NVME_SRIOV_PF" "" "SR-IOV NVMe PF present" || true
sys_netdevs "$IGB_PF"; IF=${REPLY%% *}
[ -n "$IF" ] || bail "the igb PF has a network interface"
ip link set "$IF" up
nvme_autoprobe=$(sysattr "$NVME_SRIOV_PF" sriov_drivers_autoprobe)
trap 'sriov_set "$IGB_PF" 0; sriov_set "$NVME_SRIOV_PF" 0; echo "$nvme_autoprobe" >"$SYS_PCI/$NVME_SRIOV_PF/sriov_drivers_autoprobe"' EXIT

ok "2 igb VFs (sriov_numvfs)" sriov_set "$IGB_PF" 2
# NVMe VFs stay offline and unprobed (the nvme driver would fail on them)
echo 0 >"$SYS_PCI/$NVME_SRIOV_PF/sriov_drivers_autoprobe"
ok "2 NVMe VFs, autoprobe off" sriov_set "$NVME_SRIOV_PF" 2
cat >"$T/host.yaml" <<EOF
pools:
  net:
    vfs_of: [ { bdf: "$IGB_PF" } ]
  nvme:
    vfs_of: [ { bdf: "$NVME_SRIOV_PF" } ]
EOF
C=(--config "$T/host.yaml")

# ip_vf IF N: "mac vlan spoof trust" of VF N as `ip link show` prints it, in REPLY
ip_vf() {
	local line mac="?" vlan=0 spoof="?" trust="?"
	line=$(ip link show dev "$1" | grep -E "^ +vf $2 ")
	[[ $line =~ link/ether\ ([0-9a-f:]+) ]] && mac=${BASH_REMATCH[1]}
	[[ $line =~ vlan\ ([0-9]+) ]] && vlan=${BASH_REMATCH[1]}
	[[ $line =~ spoof\ checking\ (on|off) ]] && spoof=${BASH_REMATCH[1]}
	[[ $line =~ trust\ (on|off) ]] && trust=${BASH_REMATCH[1]}
	REPLY="$mac $vlan $spoof $trust"
}

pools=$(pt pools "${C[@]}" --json | jq -r '[.pools[] | "\(.pool):\(.numa_node):\(.total):\(.free)"] | join(" ")')
is "$pools" "net:0:2:2 nvme:1:2:2" "pools: net on node 0, nvme on node 1, all free"

# ---- an igb VF with MAC and VLAN ------------------------------------------------------------
pt assign vm1 "${C[@]}" --pool net --numa 0 --mac 02:00:00:00:50:01 --vlan 50 --failover \
	>"$OUT/vm1-net.xml" 2>"$T/err"
is $? 0 "assign vm1 --pool net --numa 0 --mac --vlan --failover" || diag "$(cat "$T/err")"
L=$(pt leases --vm vm1 --json)
vf=$(jq -r '.leases[0].bdf' <<<"$L")
sys_vfs "$IGB_PF"
idx=-1
for i in "${!SYS_VFS[@]}"; do [ "${SYS_VFS[i]}" = "$vf" ] && idx=$i; done
isnt "$idx" -1 "the lease names igb VF $idx ($vf)"
sys_link "$vf" driver; is "$REPLY" vfio-pci "$vf bound to vfio-pci (driver link)"
sys_read "$vf" driver_override; is "$REPLY" vfio-pci "$vf driver_override vfio-pci"
sys_link "$vf" iommu_group; grp=$REPLY
ok "/dev/vfio/$grp exists" test -c "/dev/vfio/$grp"
ip_vf "$IF" "$idx"
is "${REPLY% * *}" "02:00:00:00:50:01 50" "ip link show $IF: vf $idx has the MAC and VLAN 50"
like "$(cat "$OUT/vm1-net.xml")" "<interface type='hostdev' managed='no'>" "XML: an <interface type='hostdev'>"

# ---- an NVMe VF: a <hostdev> -----------------------------------------------------------------
pt assign vm1 "${C[@]}" --pool nvme >"$OUT/vm1-nvme.xml" 2>"$T/err"
is $? 0 "assign vm1 --pool nvme" || diag "$(cat "$T/err")"
nvf=$(pt leases --vm vm1 --json | jq -r '.leases[] | select(.pool == "nvme") | .bdf')
sys_link "$nvf" driver; is "$REPLY" vfio-pci "NVMe VF $nvf bound to vfio-pci while offline"
sys_link "$nvf" iommu_group
ok "/dev/vfio/$REPLY exists" test -c "/dev/vfio/$REPLY"
like "$(cat "$OUT/vm1-nvme.xml")" "<hostdev mode='subsystem' type='pci' managed='no'>" "XML: a <hostdev>"
like "$(cat "$OUT/vm1-nvme.xml")" "nodeset='1'" "XML: memory on node 1, the NVMe's node"

# ---- release: the reset as the kernel runs it --------------------------------------------------
TR=/sys/kernel/tracing
[ -e $TR/trace ] || mount -t tracefs nodev $TR 2>/dev/null
tracing=0
if [ -w $TR/set_ftrace_filter ] && echo pcie_flr >$TR/set_ftrace_filter 2>/dev/null; then
	echo function >$TR/current_tracer && echo >$TR/trace && echo 1 >$TR/tracing_on && tracing=1
fi
# the VM still runs with the NVMe VF: a process holds its group open
sys_link "$nvf" iommu_group; ngrp=$REPLY
exec 9<>"/dev/vfio/$ngrp"
R=$(pt release vm1 --json 2>"$T/err")
is $? 1 "release vm1 while /dev/vfio/$ngrp is open: exit 1" || diag "$(cat "$T/err")" "$R"
is "$(jq -r ".devices[] | select(.bdf == \"$nvf\") | \"\(.result) \(.holder_pid)\"" <<<"$R")" "in-use $$" \
	"release: the NVMe VF is in use by this shell (pid $$), left alone"
is "$(jq -r ".devices[] | select(.bdf == \"$vf\") | \"\(.reset) \(.policy) \(.result)\"" <<<"$R")" \
	"true restored returned" "release: the igb VF reset, policy restored, returned"
is "$(pt leases --json | jq -r '[.leases[].bdf] | join(" ")')" "$nvf" "leases: the NVMe VF's lease stays"
exec 9>&-
R=$(pt release vm1 --json 2>"$T/err")
is $? 0 "release vm1 once the group is closed" || diag "$(cat "$T/err")" "$R"
is "$(jq -r '[.devices[] | "\(.bdf) \(.reset) \(.result)"] | join(",")' <<<"$R")" "$nvf true returned" \
	"release: the NVMe VF reset and returned"
if [ $tracing = 1 ]; then
	flrs=$(grep -c 'passthru.*pcie_flr' $TR/trace)
	is "$flrs" 2 "ftrace: the kernel ran pcie_flr twice in passthru (the igb and the NVMe VF)" ||
		diag "$(grep -v '^#' $TR/trace | head)"
	echo nop >$TR/current_tracer
	echo >$TR/set_ftrace_filter
else
	fail "ftrace is available to observe the reset" "$(ls $TR 2>&1 | head -3)"
fi
sys_read "$vf" reset_method; diag "reset_method of $vf: $REPLY; of $nvf: $(sysattr "$nvf" reset_method)"
pfb=${IGB_PF#*:}
printf -v ph '02:00:00:%s:%02x:%02x' "${pfb%%:*}" $(( (16#${pfb:3:2} << 3) | ${pfb: -1} )) "$idx"
ip_vf "$IF" "$idx"
is "$REPLY" "$ph 0 on off" "ip link: vf $idx back to the placeholder $ph, VLAN 0, spoof check on, trust off"
sys_link "$vf" driver; is "$REPLY" vfio-pci "$vf stays on vfio-pci"
is "$(pt leases --json | jq '.leases | length')" 0 "leases: none"
pools=$(pt pools "${C[@]}" --json | jq -r '[.pools[] | "\(.pool):\(.free):\(.leased):\(.quarantined)"] | join(" ")')
is "$pools" "net:2:0:0 nvme:2:0:0" "pools: everything free again"

# ---- again, and gc ---------------------------------------------------------------------------
pt assign vm2 "${C[@]}" --pool net --numa 0 --mac 02:00:00:00:50:02 --format json >"$T/a2" 2>"$T/err"
is $? 0 "a second assign after release works" || diag "$(cat "$T/err")"
v2=$(jq -r '.devices[0].bdf' "$T/a2")
i2=-1
for i in "${!SYS_VFS[@]}"; do [ "${SYS_VFS[i]}" = "$v2" ] && i2=$i; done
ip_vf "$IF" "$i2"
is "${REPLY%% *}" 02:00:00:00:50:02 "vm2's VF has vm2's MAC"
pt gc --vm-alive false --min-age 0 --json >"$T/gc" 2>"$T/err"
is $? 0 "gc: vm2 is gone (--vm-alive false)" || diag "$(cat "$T/err")"
is "$(pt leases --json | jq '.leases | length')" 0 "gc released vm2's lease"
ip_vf "$IF" "$i2"
is "${REPLY%% *}" "${ph%:*}:$(printf %02x "$i2")" "gc restored the placeholder MAC"

test_done
