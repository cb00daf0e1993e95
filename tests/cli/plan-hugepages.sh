#!/bin/sh
# passthru plan hugepages --demand FILE on the dual-socket fixture (node 0: 4 x 1G and
# 1000 x 2M free; node 1: 512 x 2M): the greedy order, the fallbacks, a device's node,
# an unknown device, the pages left, and a bad file named at file:line:col.
# TAP on stdout. Usage: plan-hugepages.sh FIXTURES_DIR. Environment: PASSTHRU_BIN.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
FIX=${1:?usage: plan-hugepages.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-plan-hp-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

R="$FIX/dual-socket"
cat >"$T/demand.yaml" <<'Y'
vms:
  - name: c
    memory: 2G
    node: 0
    bandwidth: 10
  - name: a
    memory: 4G
    node: 0
    bandwidth: 100
  - name: b
    memory: 1G
    device: 81:00.0
    bandwidth: 50
  - name: d
    memory: 1G
    node: 0
    bandwidth: 5
  - name: e
    memory: 1G
    device: 0000:ff:00.0
Y
plan() { "$P" --sysroot "$R" plan hugepages "$@"; }
jv() { jq -r "$1" "$T/out"; }

plan --demand "$T/demand.yaml" --json >"$T/out" 2>"$T/err"
is $? 1 "an unknown device's VM: exit 1"
is "$(jv '[.vms[].name] | join(" ")')" "a b c d e" "highest bandwidth first"
is "$(jv '[.vms[] | "\(.name)=\(.backing)/\(.node)"] | join(" ")')" \
	"a=1G/0 b=2M/1 c=4K/0 d=2M/0 e=unknown/null" "1G, then 2M, then 4K; a device's node"
is "$(jv '.vms[0] | "\(.pages) \(.iotlb_entries) \(.iotlb_entries_4k) \(.iotlb_saved)"')" \
	"4 4 1048576 1048572" "IOTLB entries with 1G pages and with 4K pages"
is "$(jv '.vms[4].reason')" "device 0000:ff:00.0 is not on this host" "unknown: the reason"
is "$(jv '[.nodes[] | "\(.node):\(.used_1g)/\(.left_1g):\(.used_2m)/\(.left_2m)"] | join(" ")')" \
	"0:4/0:512/488 1:0/0:512/0" "per node: pages used and left"
is "$(jv .iotlb_saved)" 1571836 "the total saving"

plan --demand "$T/demand.yaml" >"$T/out" 2>&1
grep -q '^a  *0  *1G  *4  *4  *1048572$' "$T/out"
ok $? "human: a's row"
grep -q '^  device 0000:ff:00.0 is not on this host$' "$T/out"
ok $? "human: the unknown's reason"
grep -q '^node 0: 1G used 4, left 0; 2M used 512, left 488$' "$T/out"
ok $? "human: node 0's pages left"

sed '/name: e/,$d' "$T/demand.yaml" >"$T/known.yaml"
plan --demand "$T/known.yaml" >/dev/null 2>&1
is $? 0 "every node known: exit 0"

printf 'vms:\n  - name: x\n    memory: lots\n    node: 0\n' >"$T/bad.yaml"
plan --demand "$T/bad.yaml" >"$T/out" 2>"$T/err"
is $? 2 "a bad file: exit 2"
grep -q "bad.yaml:3:13: vms\[0\].memory: 'lots' is not a size" "$T/err"
ok $? "the error names file:line:col"
plan >/dev/null 2>&1
is $? 2 "no --demand: exit 2"
tap_done
