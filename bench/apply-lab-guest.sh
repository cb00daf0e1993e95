#!/bin/bash
# Runs inside the lab guest (bench/apply-lab drives it): the same actions done by
# passthru apply, by the equivalent ip link / sysfs shell sequence, and (for the vfio
# bindings) by driverctl; sysfs writes, netlink messages, wall and CPU time of each.
# Prints one "RESULT name|sysfs-writes|netlink-msgs|wall-s|user-s|sys-s" line per case.
. "$(dirname "$0")/../tests/vm/lib.sh"
export PASSTHRU_STATE_DIR=$(mktemp -d)/state
DRIVERCTL=${DRIVERCTL:-}
ROUNDS=${ROUNDS:-3}
sys_netdevs "$IGB_PF"; IF=${REPLY%% *}
ip link set "$IF" up
T=$(mktemp -d)
cat >"$T/igb4.yaml" <<Y
sriov:
  - pf: { bdf: "$IGB_PF" }
    vfs: 4
    vf_defaults: { spoof_check: true, trust: false }
    vf:
      0: { mac: "02:00:00:00:40:00", vlan: 100, driver: vfio-pci }
      1: { mac: "02:00:00:00:40:01", vlan: 101, trust: true, driver: vfio-pci }
      2: { mac: "02:00:00:00:40:02", vlan: 102, spoof_check: false, driver: igbvf }
      3: { mac: "02:00:00:00:40:03", vlan: 103, driver: igbvf }
Y
cat >"$T/bind2.yaml" <<Y
sriov:
  - pf: { bdf: "$IGB_PF" }
    vf: { 0: { driver: vfio-pci }, 1: { driver: vfio-pci } }
Y
TIMEFORMAT='%R %U %S'
reset() { echo 1 >"$SYS_PCI/$IGB_PF/sriov_drivers_autoprobe"; echo 0 >"$SYS_PCI/$IGB_PF/sriov_numvfs"; }
vfs4_plain() { reset; echo 4 >"$SYS_PCI/$IGB_PF/sriov_numvfs"; while [ ! -e "$SYS_PCI/$IGB_PF/virtfn3" ]; do sleep 0.02; done; }
report() { echo "RESULT $1|$2|$3|$4"; }

# the shell equivalent of igb4.yaml, the way an operator's script would do it
shell_igb4() {
	local p=$SYS_PCI/$IGB_PF i
	echo 0 >"$p/sriov_drivers_autoprobe"
	echo 4 >"$p/sriov_numvfs"
	while [ ! -e "$p/virtfn3" ]; do sleep 0.02; done
	ip link set "$IF" vf 0 mac 02:00:00:00:40:00 vlan 100 spoofchk on trust off
	ip link set "$IF" vf 1 mac 02:00:00:00:40:01 vlan 101 spoofchk on trust on
	ip link set "$IF" vf 2 mac 02:00:00:00:40:02 vlan 102 spoofchk off trust off
	ip link set "$IF" vf 3 mac 02:00:00:00:40:03 vlan 103 spoofchk on trust off
	sys_vfs "$IGB_PF"
	for i in 0 1; do
		echo vfio-pci >"$SYS_PCI/${SYS_VFS[i]}/driver_override"
		echo "${SYS_VFS[i]}" >/sys/bus/pci/drivers_probe
	done
	echo 1 >"$p/sriov_drivers_autoprobe"
	for i in 2 3; do echo "${SYS_VFS[i]}" >/sys/bus/pci/drivers_probe; done
}

for ((r = 1; r <= ROUNDS; r++)); do
	reset
	t=$( { time pt apply "$T/igb4.yaml" --json >"$T/out" 2>"$T/err"; } 2>&1 )
	w=$(jq .writes "$T/out"); nl=$(jq '[.changes[] | select(.action | startswith("set_vf_"))] | length' "$T/out")
	cpu=$(sed -n 's/^rusage: user \([0-9.]*\) sys \([0-9.]*\)$/\1 \2/p' "$T/err")
	report "passthru apply, 0 -> 4 VFs + settings + bindings" "$((w - nl))|$nl" "$t" "self: $cpu"
	t=$( { time PASSTHRU_APPLY_RUSAGE=1 pt apply "$T/igb4.yaml" --json >"$T/out" 2>"$T/err"; } 2>&1 )
	cpu=$(sed -n 's/^rusage: user \([0-9.]*\) sys \([0-9.]*\)$/\1 \2/p' "$T/err")
	report "passthru apply, converged (re-run)" "$(jq .writes "$T/out")|0" "$t" "self: $cpu"
	reset
	t=$( { time shell_igb4; } 2>&1 )
	report "shell (sysfs + ip link), 0 -> 4 VFs + settings + bindings" "9|4" "$t" "-"
	t=$( { time shell_igb4 >/dev/null 2>&1; } 2>&1 )
	report "shell, re-run on the configured host (writes it all again)" "9|4" "$t" "-"

	# binding 2 VFs (on igbvf) to vfio-pci: passthru, shell, driverctl
	vfs4_plain
	t=$( { time PASSTHRU_APPLY_RUSAGE=1 pt apply "$T/bind2.yaml" --json >"$T/out" 2>"$T/err"; } 2>&1 )
	cpu=$(sed -n 's/^rusage: user \([0-9.]*\) sys \([0-9.]*\)$/\1 \2/p' "$T/err")
	report "passthru apply, 2 VFs igbvf -> vfio-pci" "$(jq .writes "$T/out")|0" "$t" "self: $cpu"
	vfs4_plain
	sys_vfs "$IGB_PF"
	t=$( { time for i in 0 1; do bind_vfio "${SYS_VFS[i]}"; done; } 2>&1 )
	report "shell (driver_override + unbind + drivers_probe), 2 VFs" "6|0" "$t" "-"
	if [ -n "$DRIVERCTL" ]; then
		vfs4_plain
		sys_vfs "$IGB_PF"
		t=$( { time for i in 0 1; do bash "$DRIVERCTL" --nosave set-override "${SYS_VFS[i]}" vfio-pci; done; } 2>&1 )
		report "driverctl --nosave set-override, 2 VFs" "6|0" "$t" "-"
	fi
	# the count: the kernel's share of the time
	reset
	t=$( { time vfs4_plain; } 2>&1 )
	report "kernel alone: sriov_numvfs 0 -> 4 and the wait" "1|0" "$t" "-"
done
reset
