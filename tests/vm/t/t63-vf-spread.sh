#!/bin/bash
# lab-topology: twoigb
# On two igb PFs: (1) what igb takes of the VF settings and what it refuses, checked with
# `ip -d link show` (the kernel's truth): an 802.1Q VLAN with priority is set; an
# 802.1ad VLAN (igb_ndo_set_vf_vlan: EPROTONOSUPPORT) and the RSS-query knob (igb has
# no ndo_set_vf_rss_query_en: EOPNOTSUPP) are refused with the driver named, rolled
# back, exit 1, the VF as it was. (2) assign --count 2 --spread pf takes one VF of each
# PF (the kernel's physfn links say which), and the output names each VF's PF; without
# --spread both come from the first PF.
. "$(dirname "$0")/../lib.sh"

T=$(mktemp -d)
export PASSTHRU_STATE_DIR=$T/state
find_dev 8086 10c9; read -r PF1 PF2 _ <<<"$REPLY"
isnt "$PF2" "" "two igb PFs ($PF1 $PF2)" || bail "the twoigb topology has two igb PFs"
sys_netdevs "$PF1"; IF1=${REPLY%% *}
sys_netdevs "$PF2"; IF2=${REPLY%% *}
ip link set "$IF1" up
ip link set "$IF2" up
trap 'sriov_set "$PF1" 0; sriov_set "$PF2" 0' EXIT
ok "2 VFs on $PF1" sriov_set "$PF1" 2
ok "2 VFs on $PF2" sriov_set "$PF2" 2

vfline() { REPLY=$(ip -d link show dev "$1" | grep -E "^ +vf $2 "); }

# ---- (1) VF settings igb takes and refuses -----------------------------------------------
pt vf "$IF1" 0 --vlan 70:2 --json >"$T/out" 2>"$T/err"
is $? 0 "vf $IF1 0 --vlan 70:2 (802.1Q): exit 0" || diag "$(cat "$T/err")"
vfline "$IF1" 0; before=$REPLY
like "$before" "vlan 70, qos 2" "ip -d link: VF 0 vlan 70, qos 2"
if [[ $before == *"802.1ad"* ]]; then fail "ip -d link: VF 0's VLAN is not 802.1ad"; else pass "ip -d link: VF 0's VLAN is not 802.1ad"; fi
pt vf "$IF1" 0 --vlan 70:2:802.1Q --json >"$T/out" 2>"$T/err"
is "$(jq -r .writes "$T/out")" 0 "the same VLAN with :802.1Q spelled out: zero writes (the protocol compared)"

pt vf "$IF1" 0 --vlan 71:1:802.1ad --json >"$T/out" 2>"$T/err"
is $? 1 "vf $IF1 0 --vlan 71:1:802.1ad: exit 1"
like "$(jq -r .error "$T/out")" "the igb driver does not support 802.1ad" "... the refusal names igb and 802.1ad"
is "$(jq -r .rollback.ok "$T/out")" true "... rolled back"
diag "$(jq -r .error "$T/out")"
vfline "$IF1" 0; is "$REPLY" "$before" "ip -d link: VF 0 as it was (vlan 70, qos 2)"

pt vf "$IF1" 1 --query-rss on --json >"$T/out" 2>"$T/err"
is $? 1 "vf $IF1 1 --query-rss on: exit 1"
like "$(jq -r .error "$T/out")" "the igb driver does not support the VF RSS query setting" \
	"... the refusal names igb and the setting"
is "$(jq -r '.changes[0].from' "$T/out")" unknown "... igb reports no RSS-query value (the kernel sends -1)"
vfline "$IF1" 1
if [[ $REPLY == *query_rss* ]]; then fail "ip -d link: no query_rss on VF 1 ($REPLY)"; else pass "ip -d link: VF 1 still reports no query_rss"; fi
printf 'sriov:\n  - pf: { netdev: %s }\n    vf:\n      1: { vlan: 9, vlan_protocol: 802.1ad }\n' "$IF1" >"$T/qinq.yaml"
pt apply "$T/qinq.yaml" --json >"$T/out" 2>"$T/err"
is $? 1 "apply of vlan_protocol: 802.1ad: exit 1, the same refusal"
like "$(jq -r .error "$T/out")" "igb driver does not support 802.1ad" "... said the same way"
vfline "$IF1" 1
if [[ $REPLY == *"vlan 9"* ]]; then fail "VF 1 has no VLAN 9"; else pass "ip -d link: VF 1 has no VLAN 9"; fi
pt vf "$IF1" 0 --vlan 0 >/dev/null 2>&1

# ---- (2) assign --count 2 --spread pf ------------------------------------------------------
cat >"$T/host.yaml" <<EOF
pools:
  net:
    vfs_of: [ { bdf: "$PF1" }, { bdf: "$PF2" } ]
EOF
C=(--config "$T/host.yaml")
pt assign vm1 "${C[@]}" --pool net --count 2 --format json >"$T/plain.json" 2>"$T/err"
is $? 0 "assign vm1 --count 2 (no spread): exit 0" || diag "$(cat "$T/err")"
n=0
for v in $(jq -r '.devices[].bdf' "$T/plain.json"); do
	sys_link "$v" physfn
	[ "$REPLY" = "$PF1" ] && n=$((n + 1))
done
is "$n" 2 "without --spread both VFs are the first PF's (physfn)"
pt release vm1 >/dev/null 2>&1

pt assign vm2 "${C[@]}" --pool net --count 2 --spread pf --format json >"$T/spread.json" 2>"$T/err"
is $? 0 "assign vm2 --count 2 --spread pf: exit 0" || diag "$(cat "$T/err")"
pfs=() said=()
while read -r v p; do
	sys_link "$v" physfn
	pfs+=("$REPLY")
	said+=("$p")
	is "$p" "$REPLY" "$v: the output's pf is its kernel physfn ($REPLY)"
	drv_link=$(syslink "$v" driver)
	is "$drv_link" vfio-pci "$v on vfio-pci (sysfs)"
done < <(jq -r '.devices[] | "\(.bdf) \(.pf)"' "$T/spread.json")
is "$(printf '%s\n' "${pfs[@]}" | sort -u | wc -l)" 2 "--spread pf: the two VFs come from two PFs (physfn: ${pfs[*]})"
pt release vm2 >/dev/null 2>&1
pt assign vm3 "${C[@]}" --pool net --count 2 --spread pf >"$T/spread.xml" 2>"$T/err"
is $? 0 "assign vm3 --count 2 --spread pf (libvirt XML): exit 0"
for p in "$PF1" "$PF2"; do
	grep -q "of $p" "$T/spread.xml" "$T/err"
	ok "the human output names $p as a VF's PF" [ $? -eq 0 ]
done
pt release vm3 >/dev/null 2>&1
test_done
