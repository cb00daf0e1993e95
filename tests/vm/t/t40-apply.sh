#!/bin/bash
# lab-topology: apply
# passthru apply on a real kernel: igb PF with 4 VFs (MAC, VLAN, spoof check, trust;
# two on vfio-pci, two on igbvf), read back with `ip link` and sysfs; re-apply writes
# nothing; drift is found by --verify and fixed; 4 -> 6 VFs goes through 0 and restores
# every setting. (t45: rollback, malformed files, NVMe, the default-route NIC.)
. "$(dirname "$0")/apply-lib.inc"

# ---- 4 VFs from nothing ----------------------------------------------------------------
sriov_set "$IGB_PF" 0
igb_cfg "$T/igb4.yaml" 4
apply_json "$T/igb4.yaml" --dry-run
is "$A_RC" 0 "dry run exits 0"
is "${A[writes]}" 0 "dry run writes nothing"
is "${A[results]}" planned "dry run: every change is planned"
sys_read "$IGB_PF" sriov_numvfs
is "$REPLY" 0 "dry run created no VF"
like "${A[actions]}" "^set_autoprobe set_numvfs wait_vfs set_vf_mac" \
	"autoprobe off before the VFs are created, then the count, the wait, the settings"

apply_json "$T/igb4.yaml"
is "$A_RC" 0 "apply 4 VFs exits 0" || diag "$A_ERR" "$A_JSON"
is "${A[results]}" done "every change done"
is "${A[remaining]}" 0 "a fresh plan after applying is empty"
diag "apply 4 VFs: ${A[n]} changes, ${A[writes]} writes"
sys_read "$IGB_PF" sriov_numvfs; is "$REPLY" 4 "sriov_numvfs is 4 (sysfs)"
sys_read "$IGB_PF" sriov_drivers_autoprobe; is "$REPLY" 1 "autoprobe back to 1 (sysfs)"
vf_drivers "$IGB_PF"; is "$REPLY" "vfio-pci vfio-pci igbvf igbvf" "VF drivers (sysfs driver links)"
sys_read "${SYS_VFS[0]}" driver_override; is "$REPLY" vfio-pci "VF 0 driver_override vfio-pci"
check_igb_settings "4 VFs"
# igbvf took the MAC the PF set: it was probed after the MAC was written
vfif=""
for n in "$SYS_PCI/${SYS_VFS[2]}"/net/*; do [ -e "$n" ] && vfif=${n##*/}; done
if [ -n "$vfif" ]; then
	read -r mac <"/sys/class/net/$vfif/address"
	is "$mac" 02:00:00:00:40:02 "igbvf's interface $vfif has the MAC the PF set"
else
	fail "VF 2 has an igbvf interface"
fi

# ---- converged: nothing to do, nothing written -------------------------------------
apply_json "$T/igb4.yaml"
is "$A_RC" 0 "re-apply exits 0"
is "${A[n]}" 0 "re-apply: empty plan"
is "${A[writes]}" 0 "re-apply: zero writes"
ok "--verify on a converged host exits 0" pt apply "$T/igb4.yaml" --verify

# ---- drift: --verify notices, apply fixes ---------------------------------------------
ip link set "$IF" vf 1 vlan 999
refuses "--verify exits 1 after a VLAN was changed behind passthru's back" \
	pt apply "$T/igb4.yaml" --verify
apply_json "$T/igb4.yaml"
is "${A[actions]}" set_vf_vlan "drift: exactly one change (the VLAN)"
is "${A[writes]}" 1 "drift: one write"
ip_vf "$IF" 1; is "$REPLY" "02:00:00:00:40:01 101 on on" "drift repaired (ip link)"

# ---- 4 -> 6 VFs: through 0, every setting again -------------------------------------
igb_cfg "$T/igb6.yaml" 6
apply_json "$T/igb6.yaml"
is "$A_RC" 0 "apply 6 VFs exits 0" || diag "$A_ERR"
like "${A[actions]}" "set_numvfs wait_vfs set_numvfs wait_vfs" "count changed through 0"
sys_read "$IGB_PF" sriov_numvfs; is "$REPLY" 6 "sriov_numvfs is 6"
vf_drivers "$IGB_PF"
is "$REPLY" "vfio-pci vfio-pci igbvf igbvf igbvf igbvf" "VF drivers after 4 -> 6 (4, 5 on the default driver)"
check_igb_settings "6 VFs"
apply_json "$T/igb6.yaml"
is "${A[writes]}" 0 "6 VFs converged: zero writes"

sriov_set "$IGB_PF" 0
rm -rf "$T"
test_done
