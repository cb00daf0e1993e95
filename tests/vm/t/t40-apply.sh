#!/bin/bash
# lab-topology: apply
# passthru apply on a real kernel: igb PF with 4 VFs (MAC, VLAN, spoof check, trust;
# two on vfio-pci, two on igbvf), read back with `ip link` and sysfs; re-apply writes
# nothing; 4 -> 6 VFs goes through 0 and restores every setting; an SR-IOV NVMe PF's
# VFs on vfio-pci; an injected write failure rolls back to the exact prior state;
# a malformed file is refused with file:line:col; the default-route NIC is refused.
. "$(dirname "$0")/../lib.sh"

T=$(mktemp -d)
export PASSTHRU_STATE_DIR=$T/state
isnt "$IGB_PF" "" "igb PF present" || true
sys_netdevs "$IGB_PF"; IF=${REPLY%% *}
[ -n "$IF" ] || bail "the igb PF has a network interface"
ip link set "$IF" up

# apply_json FILE [ARGS]: runs passthru apply --json; A_RC, A_JSON, and A[key] for the
# top-level scalars, A_CHANGES the "action field from to result" lines
declare -A A=()
A_RC=0 A_JSON="" A_CHANGES="" A_ERR=""
apply_json() {
	local f=$1 k v
	shift
	A=()
	A_JSON=$(pt apply "$f" --json "$@" 2>"$T/err")
	A_RC=$?
	A_ERR=$(cat "$T/err")
	while IFS=$'\t' read -r k v; do A[$k]=$v; done < <(jq -r '
		"writes\t\(.writes)", "n\t\(.changes | length)", "error\t\(.error)",
		"refused\t\([.refused[].kind] | join(" "))", "remaining\t\(.remaining)",
		"rollback\t\(if .rollback then .rollback.ok else "null" end)",
		"recovery\t\(if .recovery then .recovery.what else "null" end)",
		"actions\t\([.changes[].action] | join(" "))",
		"results\t\([.changes[].result] | unique | join(" "))"' <<<"$A_JSON" 2>/dev/null)
}

# ip_vf IF N: the VF line of `ip link show` as "mac vlan spoof trust" in REPLY
ip_vf() {
	local line mac="?" vlan=0 spoof="?" trust="?"
	line=$(ip link show dev "$1" | grep -E "^ +vf $2 ")
	[[ $line =~ link/ether\ ([0-9a-f:]+) ]] && mac=${BASH_REMATCH[1]}
	[[ $line =~ vlan\ ([0-9]+) ]] && vlan=${BASH_REMATCH[1]}
	[[ $line =~ spoof\ checking\ (on|off) ]] && spoof=${BASH_REMATCH[1]}
	[[ $line =~ trust\ (on|off) ]] && trust=${BASH_REMATCH[1]}
	REPLY="$mac $vlan $spoof $trust"
}

# vf_drivers PF: "drv drv ..." of its VFs in index order, from the driver links
vf_drivers() {
	local vf out=()
	sys_vfs "$1"
	for vf in "${SYS_VFS[@]}"; do sys_link "$vf" driver; out+=("${REPLY:-none}"); done
	REPLY="${out[*]}"
}

igb_cfg() { # FILE NUMVFS: the igb config (VFs 0..3 set; later VFs left to igbvf)
	cat >"$1" <<EOF
# the lab's igb
sriov:
  - pf: { bdf: "$IGB_PF" }
    vfs: $2
    vf_defaults: { spoof_check: true, trust: false }
    vf:
      0: { mac: "02:00:00:00:40:00", vlan: 100, driver: vfio-pci }
      1: { mac: "02:00:00:00:40:01", vlan: 101, trust: true, driver: vfio-pci }
      2: { mac: "02:00:00:00:40:02", vlan: 102, spoof_check: false, driver: igbvf }
      3: { mac: "02:00:00:00:40:03", vlan: 103, driver: igbvf }
EOF
}
check_igb_settings() { # WHAT: the four VFs as configured, read by ip link
	ip_vf "$IF" 0; is "$REPLY" "02:00:00:00:40:00 100 on off" "$1: VF 0 mac/vlan/spoofchk/trust (ip link)"
	ip_vf "$IF" 1; is "$REPLY" "02:00:00:00:40:01 101 on on" "$1: VF 1 trusted (ip link)"
	ip_vf "$IF" 2; is "$REPLY" "02:00:00:00:40:02 102 off off" "$1: VF 2 spoof check off (ip link)"
	ip_vf "$IF" 3; is "$REPLY" "02:00:00:00:40:03 103 on off" "$1: VF 3 (ip link)"
}

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

# ---- an injected write failure rolls back to exactly the prior state ------------------
PASSTHRU_FAIL_WRITE=sriov_numvfs@2 apply_json "$T/igb4.yaml"
is "$A_RC" 1 "failed write: exit 1"
is "${A[rollback]}" true "failed write: rollback reported ok"
like "$A_JSON" '"result": "failed"' "the failed step is marked failed"
like "$A_JSON" '"result": "rolled-back"' "steps done are marked rolled-back"
sys_read "$IGB_PF" sriov_numvfs; is "$REPLY" 6 "after rollback: 6 VFs again"
vf_drivers "$IGB_PF"
is "$REPLY" "vfio-pci vfio-pci igbvf igbvf igbvf igbvf" "after rollback: VF drivers as before"
check_igb_settings "after rollback"
apply_json "$T/igb6.yaml"
is "${A[n]}" 0 "after rollback the 6-VF config is converged again (empty plan)"

PASSTHRU_FAIL_WRITE=":vf3:vlan" apply_json "$T/igb4.yaml"
is "$A_RC" 1 "failed VF setting (netlink): exit 1"
is "${A[rollback]}" true "failed VF setting: rolled back"
apply_json "$T/igb6.yaml"
is "${A[n]}" 0 "after the netlink rollback: converged on the prior config"

# ---- malformed config: file:line:col, exit 2, zero writes ------------------------------
printf 'sriov:\n  - pf: { bdf: "%s" }\n    vfs: many\n' "$IGB_PF" >"$T/bad.yaml"
apply_json "$T/bad.yaml"
is "$A_RC" 2 "malformed config: exit 2"
like "$A_ERR" "bad.yaml:3:[0-9]+:" "malformed config: file:line:col on stderr"
is "${A[writes]}" 0 "malformed config: zero writes"

# ---- NVMe PF: VF count and vfio-pci (no virt-mgmt needed for vfio) -----------------------
if [ -n "$NVME_SRIOV_PF" ]; then
	sriov_set "$NVME_SRIOV_PF" 0
	cat >"$T/nvme.yaml" <<EOF
sriov:
  - pf: { bdf: "$NVME_SRIOV_PF" }
    vfs: 2
    vf_defaults: { driver: vfio-pci }
EOF
	apply_json "$T/nvme.yaml"
	is "$A_RC" 0 "nvme: apply 2 VFs on vfio-pci exits 0" || diag "$A_ERR"
	sys_read "$NVME_SRIOV_PF" sriov_numvfs; is "$REPLY" 2 "nvme: 2 VFs"
	vf_drivers "$NVME_SRIOV_PF"; is "$REPLY" "vfio-pci vfio-pci" "nvme: both VFs on vfio-pci"
	apply_json "$T/nvme.yaml"
	is "${A[writes]}" 0 "nvme: re-apply writes nothing"
	sriov_set "$NVME_SRIOV_PF" 0
else
	fail "SR-IOV NVMe PF present"
fi

# ---- the default-route NIC is refused ----------------------------------------------------
if [ -n "$E1000E" ]; then
	sys_netdevs "$E1000E"; EIF=${REPLY%% *}
	ip addr add 10.0.2.15/24 dev "$EIF"
	ip link set "$EIF" up
	ip route add default via 10.0.2.2 dev "$EIF" onlink 2>/dev/null ||
		ip route add default dev "$EIF"
	printf 'passthrough:\n  - device: { netdev: %s }\n' "$EIF" >"$T/route.yaml"
	apply_json "$T/route.yaml"
	is "$A_RC" 1 "default-route NIC: exit 1"
	is "${A[refused]}" default-route "default-route NIC: refused as default-route"
	is "${A[writes]}" 0 "default-route NIC: zero writes"
	sys_link "$E1000E" driver; is "$REPLY" e1000e "default-route NIC still on e1000e"
	apply_json "$T/route.yaml" --dry-run --force
	like "$A_JSON" '"forced": true' "--force still reports the refusal (forced)"
	ip route del default 2>/dev/null
else
	fail "e1000e present"
fi

sriov_set "$IGB_PF" 0
rm -rf "$T"
test_done
