#!/bin/bash
# lab-topology: apply
# passthru apply on a real kernel, when things go wrong: an injected sysfs or netlink
# write failure rolls back to exactly the prior state (6 VFs with their settings and
# drivers, read back with ip link and sysfs); a malformed file is refused with
# file:line:col, exit 2, zero writes; an SR-IOV NVMe PF's VFs go to vfio-pci; the NIC
# carrying the default route is refused (and --force says so).
. "$(dirname "$0")/apply-lib.inc"

igb_cfg "$T/igb4.yaml" 4
igb_cfg "$T/igb6.yaml" 6
sriov_set "$IGB_PF" 0
apply_json "$T/igb6.yaml"
is "$A_RC" 0 "setup: apply 6 VFs" || diag "$A_ERR"

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

# ---- a real kernel failure, not an injected one: a VF to a driver that does not exist
# (drivers_probe leaves it unbound); the rollback puts it back on igbvf
sed 's/3: { mac: "02:00:00:00:40:03", vlan: 103, driver: igbvf }/3: { mac: "02:00:00:00:40:03", vlan: 103, driver: nosuchdrv }/' \
	"$T/igb6.yaml" >"$T/nodrv.yaml"
apply_json "$T/nodrv.yaml"
is "$A_RC" 1 "VF to a driver that does not exist: exit 1"
like "${A[error]}" "not bound to nosuchdrv" "the error says the probe did not bind nosuchdrv"
is "${A[rollback]}" true "rolled back"
vf_drivers "$IGB_PF"
is "$REPLY" "vfio-pci vfio-pci igbvf igbvf igbvf igbvf" "VF 3 back on igbvf"
sys_read "${SYS_VFS[3]}" driver_override; is "$REPLY" igbvf "VF 3's driver_override igbvf again, as before"
apply_json "$T/igb6.yaml"
is "${A[n]}" 0 "converged on the prior config"

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
	APPLY_EIF=$EIF
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
