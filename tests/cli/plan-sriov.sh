#!/bin/sh
# passthru plan sriov PF COUNT, in the user's words, on the sriov-limits fixture (one PF
# per limit), and apply refusing a VF count the prediction says the kernel refuses.
# TAP on stdout. Usage: plan-sriov.sh FIXTURES_DIR. Environment: PASSTHRU_BIN.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
FIX=${1:?usage: plan-sriov.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-plan-sriov-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

R="$T/root"
cp -a "$FIX/sriov-limits" "$R" || { echo "not ok 1 - the sriov-limits fixture is in $FIX"; echo "1..1"; exit 1; }
plan() { "$P" --sysroot "$R" plan sriov "$@"; }
jv() { jq -r "$1" "$T/out"; }

# 1. each limit: exit status, limit, errno, largest count, in JSON
for c in "0000:01:00.0 8 0 fits null 8" "0000:01:00.0 9 1 total_vfs ERANGE 8" \
	 "0000:02:00.0 1 1 mmio ENOMEM 0" "0000:03:00.0 33 1 bus_numbers ENOMEM 32" \
	 "0000:04:00.0 8 1 ari EIO 7" "0000:05:00.0 1 1 no_driver ENOENT 0" \
	 "0000:06:00.0 1 1 driver ENOENT 0" "0000:07:00.0 4 1 mmio ENOMEM 0"; do
	set -- $c
	plan "$1" "$2" --json >"$T/out" 2>"$T/err"
	is $? "$3" "$1, $2 VFs: exit $3"
	is "$(jv '"\(.limit) \(.errno) \(.max_count)"')" "$4 $5 $6" "$1, $2 VFs: $4, $5, at most $6"
done

# 2. the numbers behind the MMIO answer
plan 0000:02:00.0 1 --json >"$T/out"
is "$(jv '"\(.facts.mmio.need_pref) \(.facts.mmio.free_pref) \(.facts.vf_bars[0].per_vf_size)"')" \
	"2097152 131072 262144" "MMIO: 2 MiB needed, 128 KiB free, 256 KiB per VF"
is "$(jv .facts.bridge)" 0000:00:02.0 "MMIO: the bridge is named"

# 3. the human form says why and what to do
plan 0000:03:00.0 33 >"$T/out"
grep -q '^0000:03:00.0: enabling 33 VFs fails (bus_numbers, ENOMEM); at most 32 fit$' "$T/out"
ok $? "human: the verdict line"
grep -q '^  why:  .*0000:04:00.0.*buses 03-03' "$T/out"
ok $? "human: why names the last VF and the bus range"
grep -q '^  do:   enable at most 32 VFs' "$T/out"
ok $? "human: what to do"
diag "$T/out"

# 4. usage errors: exit 2
plan 0000:01:00.0 many >/dev/null 2>"$T/err"
is $? 2 "a count that is not a number: exit 2"
plan 0000:99:00.0 1 >/dev/null 2>"$T/err"
is $? 2 "no such PF: exit 2"

# 5. apply refuses a count the kernel would refuse, with the prediction's words
printf 'sriov:\n  - pf: { bdf: "0000:02:00.0" }\n    vfs: 4\n' >"$T/host.yaml"
"$P" --sysroot "$R" apply "$T/host.yaml" --json >"$T/out" 2>"$T/err"
is $? 1 "apply: a count the kernel refuses is refused (exit 1)"
is "$(jv '[.refused[] | "\(.kind):\(.device)"] | join(" ")')" sriov_limit:0000:02:00.0 \
	"apply: refused as sriov_limit, on the PF"
jv '.refused[0].reason' | grep -q "mmio.*pci=realloc"
ok $? "apply: the reason is the prediction's, with its advice"
is "$(cat "$R/sys/bus/pci/devices/0000:02:00.0/sriov_numvfs")" 0 "apply: nothing written"
printf 'sriov:\n  - pf: { bdf: "0000:01:00.0" }\n    vfs: 4\n' >"$T/ok.yaml"
"$P" --sysroot "$R" apply "$T/ok.yaml" --dry-run --json >"$T/out" 2>"$T/err"
is $? 0 "apply --dry-run: a count that fits is not refused"
is "$(jv '.refused | length')" 0 "apply: no refusal where the VFs fit"

# 6. passthru sriov (apply's one-shot form) refuses with the same words
"$P" --sysroot "$R" --state-dir "$T/state" sriov 0000:02:00.0 4 --json >"$T/out" 2>"$T/err"
is $? 1 "passthru sriov: a count the kernel refuses is refused (exit 1)"
is "$(jv '[.refused[] | "\(.kind):\(.device)"] | join(" ")')" sriov_limit:0000:02:00.0 \
	"passthru sriov: refused as sriov_limit"
is "$(cat "$R/sys/bus/pci/devices/0000:02:00.0/sriov_numvfs")" 0 "passthru sriov: nothing written"

tap_done
