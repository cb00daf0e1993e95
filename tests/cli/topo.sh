#!/bin/sh
# passthru topo, in the user's words, on the fixtures: the text tree (like lspci -tv, the
# IOMMU groups, the gate's problems marked), dot, -o, and usage errors. The HTML and SVG
# are rendered in Chromium by tests/stages/topo. TAP on stdout.
# Usage: topo.sh FIXTURES_DIR. Environment: PASSTHRU_BIN.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
FIX=${1:?usage: topo.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-topo-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"
R="$FIX/dual-socket"

"$P" --sysroot "$R" topo >"$T/out" 2>"$T/err"
ok $? "topo exits 0"
grep -q '^pci0000:80  NUMA node 1$' "$T/out"
ok $? "a root complex with its NUMA node"
grep -Eq '^│  └─ 0000:02:00\.0 .*mlx5_core  group 2  node 0  WARN$' "$T/out"
ok $? "the NIC check warns on is marked WARN, under its root port"
grep -Eq '^   └─ 0000:83:00\.0 .*ACS none$' "$T/out"
ok $? "a switch port without ACS says so"
grep -Eq '^      ├─ 0000:18:02\.0 .*iavf  group 9$' "$T/out"
ok $? "VFs under their PF"
grep -q '^  group 5: 0000:04:08.0 0000:04:10.0 0000:05:00.0 0000:06:00.0$' "$T/out"
ok $? "the shared IOMMU group listed with its members"
"$P" --sysroot "$R" check --json >"$T/check" 2>/dev/null
is "$(grep -c '^  \(warn\|fail\) ' "$T/out")" "$(python3 -c '
import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["checks"] if r["result"] in ("warn","fail")))' "$T/check")" \
	"as many problems as check reports"
diag "$T/out"

"$P" --sysroot "$R" topo --format dot -o "$T/h.dot" 2>"$T/err"
ok $? "topo --format dot -o FILE exits 0"
grep -q '^digraph host {' "$T/h.dot" && grep -q 'cluster_g5' "$T/h.dot"
ok $? "dot: a graph, the shared group a cluster"
"$P" --sysroot "$FIX/large" topo >"$T/large"
grep -q '0000:10:02.1 .. 0000:10:09.5  61 more VFs  iavf  groups 4-64' "$T/large"
ok $? "63 VFs: first, a folded range of 61, last"
"$P" --sysroot "$FIX/large" topo --expand | grep -c '0000:10:0[2-9]\.' >"$T/n"
is "$(cat "$T/n")" 63 "--expand: every VF its own line"
"$P" --sysroot "$R" topo --format png >/dev/null 2>&1
is $? 2 "an unknown format: exit 2"
"$P" --sysroot "$R" topo --json >/dev/null 2>&1
is $? 2 "--json: exit 2 (a picture has no JSON form)"
tap_done
