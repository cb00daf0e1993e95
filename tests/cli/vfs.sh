#!/bin/sh
# passthru vfs PF, in the user's words, on a sysroot holding a recorded rtnetlink dump
# (the fuzz seed dump-3-links: lo, enp1s0f0 with 4 VFs, enp1s0f1 with 2), and on this
# machine's loopback. TAP on stdout.
# Environment: PASSTHRU_BIN (the passthru binary), PASSTHRU_TOP_SRCDIR.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
SRC=${PASSTHRU_TOP_SRCDIR:?PASSTHRU_TOP_SRCDIR must name the source tree}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-vfs-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

R="$T/root"
mkdir -p "$R/.passthru"
cp "$SRC/tests/fuzz/corpus/fuzz-netlink/dump-3-links" "$R/.passthru/rtnl-getlink.bin"

# 1. the table
"$P" --sysroot "$R" vfs enp1s0f0 >"$T/out" 2>"$T/err"
ok $? "passthru vfs enp1s0f0 exits 0 on a recorded sysroot"
diag "$T/err"
grep -q '^enp1s0f0 (ifindex 4): 4 VFs$' "$T/out"
ok $? "it names the PF, its ifindex and 4 VFs"
grep -Eq '^  1 +02:00:00:00:00:01 +1 +1 +802\.1ad +on +on +- +enable +1 +110$' "$T/out"
ok $? "VF 1: mac, vlan 1 qos 1 802.1ad, spoofchk on, trust on, query_rss -, link enable, rates 1/110"
grep -Eq '^  0 +02:00:00:00:00:00 +0 +0 +802\.1Q +off +- +- +auto +0 +100$' "$T/out"
ok $? "VF 0: trust not reported by the driver shows as -"
diag "$T/out"

# 2. JSON, the contract
"$P" --sysroot "$R" vfs enp1s0f0 --json >"$T/json" 2>"$T/err"
ok $? "passthru vfs enp1s0f0 --json exits 0"
python3 - "$T/json" <<'PY' >"$T/check" 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pf"] == "enp1s0f0" and d["ifindex"] == 4 and d["num_vfs"] == 4, d
assert [v["vf"] for v in d["vfs"]] == [0, 1, 2, 3]
v = d["vfs"][2]
assert v == {"vf": 2, "mac": "02:00:00:00:00:02", "vlan": 2, "qos": 2, "vlan_proto": "802.1Q",
             "spoof_check": False, "trust": False, "query_rss": None, "link_state": "disable",
             "min_tx_rate": 2, "max_tx_rate": 120}, v
assert d["vfs"][0]["trust"] is None
PY
ok $? "JSON: pf, ifindex, num_vfs, vfs[] with every key; unknown trust is null"
diag "$T/check"

"$P" --sysroot "$R" --json vfs lo >"$T/json" 2>"$T/err"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d=={"version":1,"pf":"lo","ifindex":1,"num_vfs":None,"vfs":[]}, d' "$T/json" 2>"$T/check"
ok $? "JSON for a netdev without SR-IOV: num_vfs null, vfs []"
diag "$T/check"

# 2b. a real igb (82576) dump, recorded in the lab after
#   ip link set eth0 vf 0 mac 02:00:00:00:00:10 vlan 100 qos 3   (via pt_nl_set_vf)
#   vf 1 max_tx_rate 100; vf 2 spoofchk off trust on
# where ip link show said: vf 0 ... vlan 100, qos 3, spoof checking on, trust off /
# vf 1 ... max_tx_rate 100Mbps / vf 2 ... spoof checking off, link-state auto, trust on
I="$T/igb"
mkdir -p "$I/.passthru"
cp "$SRC/tests/fuzz/corpus/fuzz-netlink/kernel-igb-3vfs" "$I/.passthru/rtnl-getlink.bin"
"$P" --sysroot "$I" vfs eth0 --json >"$T/json" 2>"$T/err"
ok $? "passthru vfs eth0 --json on the recorded igb dump"
diag "$T/err"
python3 - "$T/json" <<'PY' >"$T/check" 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
assert (d["pf"], d["ifindex"], d["num_vfs"], len(d["vfs"])) == ("eth0", 2, 3, 3), d
v0, v1, v2 = d["vfs"]
assert (v0["mac"], v0["vlan"], v0["qos"], v0["spoof_check"], v0["trust"]) == \
       ("02:00:00:00:00:10", 100, 3, True, False), v0
assert (v1["min_tx_rate"], v1["max_tx_rate"], v1["vlan"]) == (0, 100, 0), v1
assert (v2["spoof_check"], v2["trust"], v2["link_state"]) == (False, True, "auto"), v2
PY
ok $? "igb: every VF reads as ip link show said"
diag "$T/check"

# 3. errors a person can act on
"$P" --sysroot "$R" vfs eth9 >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q 'eth9' "$T/err"
ok $? "unknown interface: exit 2, the message names it"
diag "$T/err"
rm "$R/.passthru/rtnl-getlink.bin"
"$P" --sysroot "$R" vfs enp1s0f0 >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q 'rtnl-getlink.bin' "$T/err"
ok $? "sysroot without a recording: exit 2, the message names the missing file"
diag "$T/err"
"$P" vfs a-name-much-too-long >"$T/out" 2>"$T/err"
[ $? -eq 2 ]
ok $? "a name longer than 15 characters: exit 2"

# 4. the real kernel (no root needed to read)
"$P" vfs lo >"$T/out" 2>"$T/err"
[ $? -eq 0 ] && grep -q '^lo (ifindex 1): no SR-IOV VFs' "$T/out"
ok $? "passthru vfs lo on this kernel"
diag "$T/out" "$T/err"

tap_done
