#!/bin/bash
# lab-topology: apply
# passthru sriov / vf / bind on a real kernel, each checked with sysfs and `ip link`:
# the igb PF's VF count (through 0 when it changes), VF MAC/VLAN/spoof check/trust, a VF
# to vfio-pci, back to its host driver and to none; an SR-IOV NVMe PF's VFs; zero writes
# when run again; rollback of an injected failure; the e1000e carrying the default route
# refused; --persist recorded where apply finds it.
. "$(dirname "$0")/apply-lib.inc"

# J CMD...: runs passthru CMD --json; J_RC, and J[key] for what the tests read
declare -A J=()
J_RC=0
J() {
	local k v out
	J=()
	out=$(pt "$@" --json 2>"$T/err")
	J_RC=$?
	while IFS=$'\t' read -r k v; do J[$k]=$v; done < <(jq -r '
		"writes\t\(.writes)", "n\t\(.changes | length)", "error\t\(.error)",
		"refused\t\([.refused[].kind] | join(" "))",
		"rollback\t\(if .rollback then .rollback.ok else "null" end)",
		"persist_file\t\(.persist_file)",
		"actions\t\([.changes[].action] | join(" "))"' <<<"$out" 2>/dev/null)
}
numvfs() { sys_read "$1" sriov_numvfs; }
drv_of() { sys_link "$1" driver; REPLY=${REPLY:-none}; }

# ---- sriov: the VF count ---------------------------------------------------------------
sriov_set "$IGB_PF" 0
J sriov "$IGB_PF" 2
is "$J_RC" 0 "sriov PF 2: exit 0" || diag "$(cat "$T/err")"
numvfs "$IGB_PF"; is "$REPLY" 2 "sriov_numvfs is 2 (sysfs)"
is "$(ip link show "$IF" | grep -cE '^ +vf [0-9]+ ')" 2 "ip link lists 2 VFs"
J sriov "$IGB_PF" 2
is "${J[writes]} ${J[n]}" "0 0" "sriov PF 2 again: zero writes"
J sriov "$IF" 4
is "$J_RC" 0 "sriov IF 4 (by netdev): exit 0"
like "${J[actions]}" "set_numvfs wait_vfs set_numvfs wait_vfs" "2 -> 4 goes through 0, as apply does"
numvfs "$IGB_PF"; is "$REPLY" 4 "sriov_numvfs is 4 (sysfs)"

# ---- vf: one VF's settings, then every VF's ----------------------------------------------
ip_vf "$IF" 0; vf0_before=$REPLY
J vf "$IF" 1 --mac 02:00:00:00:60:01 --vlan 61:3 --spoof-check off --trust on
is "$J_RC" 0 "vf IF 1 --mac --vlan --spoof-check --trust: exit 0" || diag "${J[error]}"
ip_vf "$IF" 1; is "$REPLY" "02:00:00:00:60:01 61 off on" "VF 1 mac/vlan/spoofchk/trust (ip link)"
like "$(ip link show "$IF" | grep -E '^ +vf 1 ')" "qos 3" "VF 1 qos 3 (ip link)"
ip_vf "$IF" 0; is "$REPLY" "$vf0_before" "VF 0 untouched (ip link)"
J vf "$IF" 1 --mac 02:00:00:00:60:01 --vlan 61:3 --spoof-check off --trust on
is "${J[writes]} ${J[n]}" "0 0" "vf again: zero writes"
J vf "$IF" all --spoof-check on
is "$J_RC" 0 "vf IF all --spoof-check on: exit 0"
for v in 0 1 2 3; do ip_vf "$IF" $v; s=(${REPLY}); is "${s[2]}" on "VF $v spoof checking on (ip link)"; done
ip_vf "$IF" 1; is "$REPLY" "02:00:00:00:60:01 61 on on" "VF 1 kept its MAC, VLAN and trust"

# ---- bind: a VF to vfio-pci, to its host driver, to none -----------------------------------
sys_vfs "$IGB_PF"; VF2=${SYS_VFS[2]}
drv_of "$VF2"; is "$REPLY" igbvf "VF 2 starts on igbvf"
J bind "$VF2" vfio-pci
is "$J_RC" 0 "bind VF2 vfio-pci: exit 0" || diag "${J[error]}"
drv_of "$VF2"; is "$REPLY" vfio-pci "VF 2 on vfio-pci (sysfs driver link)"
sys_read "$VF2" driver_override; is "$REPLY" vfio-pci "driver_override vfio-pci"
J bind "$VF2" vfio-pci
is "${J[writes]} ${J[n]}" "0 0" "bind again: zero writes"
J bind "$VF2" host
is "$J_RC" 0 "bind VF2 host: exit 0" || diag "${J[error]}"
drv_of "$VF2"; is "$REPLY" igbvf "VF 2 back on igbvf (the driver recorded before, or modules.alias)"
J bind "$VF2" none
drv_of "$VF2"; is "$REPLY" none "bind none: VF 2 unbound"
J bind "$VF2" igbvf
drv_of "$VF2"; is "$REPLY" igbvf "bind igbvf by name"

# ---- rollback: an injected failure leaves the kernel as it was -------------------------------
VF3=${SYS_VFS[3]}
PASSTHRU_FAIL_WRITE=drivers_probe J bind "$VF3" vfio-pci
is "$J_RC" 1 "bind with a failing probe: exit 1"
is "${J[rollback]}" true "rolled back"
drv_of "$VF3"; is "$REPLY" igbvf "VF 3 still on igbvf"
PASSTHRU_FAIL_WRITE=sriov_numvfs@2 J sriov "$IGB_PF" 3
is "$J_RC" 1 "sriov 4 -> 3 with the second count write failing: exit 1"
is "${J[rollback]}" true "rolled back"
numvfs "$IGB_PF"; is "$REPLY" 4 "4 VFs again (sysfs)"
ip_vf "$IF" 1; is "$REPLY" "02:00:00:00:60:01 61 on on" "VF 1's settings re-created by the rollback (ip link)"
ip_vf "$IF" 0; vf0_before=$REPLY # igb gave the re-created VF a random MAC
PASSTHRU_FAIL_WRITE=":vf0:vlan" J vf "$IF" 0 --mac 02:00:00:00:60:00 --vlan 60
is "${J[rollback]}" true "a failing VF VLAN write: rolled back"
ip_vf "$IF" 0; is "$REPLY" "$vf0_before" "VF 0's MAC and VLAN are back (ip link)"

# ---- --persist: a drop-in the boot-time apply merges ----------------------------------------
D=/etc/passthru/host.d/50-oneshot-sriov.yaml
rm -f "$D"
J vf "$IF" 2 --vlan 62 --persist
is "${J[persist_file]}" "$D" "--persist names the drop-in"
ok "the drop-in holds VF 2's VLAN" grep -q "vlan: 62" "$D"
out=$(pt vf "$IF" 2 --vlan 62 2>&1)
like "$out" "not persistent" "a plain run says it does not survive a reboot"
J apply /etc/passthru/host.yaml --dry-run
is "${J[n]}" 0 "apply /etc/passthru/host.yaml (drop-ins alone): converged"
ip link set "$IF" vf 2 vlan 0
J apply /etc/passthru/host.yaml
is "${J[writes]}" 1 "after the VLAN was lost, the boot-time apply restores it from the drop-in"
ip_vf "$IF" 2; s=(${REPLY}); is "${s[1]}" 62 "VF 2 vlan 62 again (ip link)"
rm -f "$D"

# ---- NVMe: an SR-IOV NVMe PF's VFs, one to vfio-pci ------------------------------------------
if [ -n "$NVME_SRIOV_PF" ]; then
	sriov_set "$NVME_SRIOV_PF" 0
	J sriov "$NVME_SRIOV_PF" 2 --autoprobe off
	is "$J_RC" 0 "sriov NVMe 2 --autoprobe off: exit 0" || diag "${J[error]}"
	numvfs "$NVME_SRIOV_PF"; is "$REPLY" 2 "nvme: sriov_numvfs 2 (sysfs)"
	sys_read "$NVME_SRIOV_PF" sriov_drivers_autoprobe; is "$REPLY" 0 "nvme: autoprobe 0 (sysfs)"
	sys_vfs "$NVME_SRIOV_PF"
	J bind "${SYS_VFS[0]}" vfio-pci
	drv_of "${SYS_VFS[0]}"; is "$REPLY" vfio-pci "nvme VF 0 on vfio-pci (sysfs)"
	drv_of "${SYS_VFS[1]}"; is "$REPLY" none "nvme VF 1 left unbound (autoprobe off)"
	J bind "${SYS_VFS[0]}" vfio-pci
	is "${J[writes]}" 0 "again: zero writes"
	J sriov "$NVME_SRIOV_PF" 0 --autoprobe on
	numvfs "$NVME_SRIOV_PF"; is "$REPLY" 0 "nvme: back to 0 VFs"
else
	fail "SR-IOV NVMe PF present"
fi

# ---- the e1000e carrying the default route is refused -----------------------------------------
if [ -n "$E1000E" ]; then
	sys_netdevs "$E1000E"; EIF=${REPLY%% *}
	APPLY_EIF=$EIF
	ip addr add 10.0.2.15/24 dev "$EIF"
	ip link set "$EIF" up
	ip route add default via 10.0.2.2 dev "$EIF" onlink 2>/dev/null ||
		ip route add default dev "$EIF"
	J bind "$EIF" vfio-pci
	is "$J_RC" 1 "bind of the default-route NIC: exit 1"
	is "${J[refused]}" default-route "refused as default-route"
	is "${J[writes]}" 0 "zero writes"
	like "${J[error]}" "--force" "the error names the override"
	J bind "$E1000E" none
	is "${J[refused]}" default-route "unbinding it is refused too"
	drv_of "$E1000E"; is "$REPLY" e1000e "still on e1000e (sysfs)"
	ip route del default 2>/dev/null
else
	fail "e1000e present"
fi

sriov_set "$IGB_PF" 0
test_done
