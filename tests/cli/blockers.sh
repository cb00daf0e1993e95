#!/bin/bash
# A refusal names every blocker: an IOMMU group that holds several functions on host
# drivers, and functions the host needs, on a copy of the dual-socket fixture whose
# group 14 (the GPU 81:00.0 and its audio 81:00.1) also holds the NVMe controllers
# 82:00.0 (the root filesystem's disk) and 85:00.0 (/data). bind and assign, human
# output and --json: each blocker with its device, its reason and the override.
# Usage: blockers.sh FIXTURES_DIR. Environment: PASSTHRU_BIN. TAP on stdout.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
FIX=${1:?usage: blockers.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-blockers-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

R="$T/root"
cp -a "$FIX/dual-socket" "$R" || { echo "not ok 1 - the dual-socket fixture is in $FIX"; echo "1..1"; exit 1; }
export PASSTHRU_STATE_DIR="$T/state"
p() { timeout 20 "$P" --sysroot "$R" "$@"; }
regroup() { # regroup BDF GROUP: the function's iommu_group link and the group's list
	local d old
	d=$(readlink -f "$R/sys/bus/pci/devices/$1")
	old=$(basename "$(readlink "$d/iommu_group")")
	ln -sfn "../../../../kernel/iommu_groups/$2" "$d/iommu_group"
	rm "$R/sys/kernel/iommu_groups/$old/devices/$1"
	ln -s "../../../..${d#"$R"/sys}" "$R/sys/kernel/iommu_groups/$2/devices/$1"
}
regroup 0000:82:00.0 14
regroup 0000:85:00.0 14
: >"$R/sys/bus/pci/drivers_probe"
mkdir -p "$R/proc" "$R/etc/passthru"
printf '/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n' >"$R/proc/mounts"

# 1. bind: the root disk, and two other endpoints of its group on host drivers
p bind 0000:82:00.0 vfio-pci --json >"$T/out" 2>"$T/err"
is $? 1 "bind 82:00.0 vfio-pci: refused, exit 1"
is "$(jq -r '[.refused[] | "\(.kind):\(.blocker)"] | join(" ")' "$T/out")" \
	"root-fs:0000:82:00.0 iommu-group:0000:81:00.1 iommu-group:0000:85:00.0" \
	"--json: three blockers, each named (the root disk, the audio function, the other NVMe)"
is "$(jq -r '[.refused[].override] | unique | join(" ")' "$T/out")" "--force" \
	"--json: each says --force overrides it"
jq -r '.refused[] | select(.blocker == "0000:85:00.0") | .reason' "$T/out" | grep -q "0000:85:00.0 (nvme) shares group 14"
ok $? "--json: the reason names the blocker, its driver and the group"
is "$(jq -r .writes "$T/out")" 0 "nothing was written"
p bind 0000:82:00.0 vfio-pci >"$T/out" 2>"$T/err"
grep -q "^refused 0000:82:00.0 (root-fs): 0000:82:00.0 backs the root filesystem" "$T/out"
ok $? "human: the root filesystem's refusal"
grep -q "^refused 0000:82:00.0 (iommu-group, blocked by 0000:81:00.1): 0000:81:00.1 (snd_hda_intel) shares group 14" "$T/out" &&
	grep -q "^refused 0000:82:00.0 (iommu-group, blocked by 0000:85:00.0): 0000:85:00.0 (nvme) shares group 14" "$T/out"
ok $? "human: both group blockers, one line each"
is "$(grep -c '\[--force overrides\]$' "$T/out")" 3 "human: every line names the override"
grep -q "refused: 3 blockers" "$T/err"
ok $? "the summary counts the three"
diag "$T/out" "$T/err"

# 2. assign: a devices pool hands out group 14 as one unit; two of its functions back mounts
printf '/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n/dev/nvme1n1 /data xfs rw 0 0\n' >"$R/proc/mounts"
printf 'pools:\n  gpu:\n    devices: [ { bdf: "0000:81:00.0" } ]\n' >"$R/etc/passthru/host.yaml"
p assign vm1 --pool gpu --format json >"$T/out" 2>"$T/err"
is $? 1 "assign vm1 --pool gpu: refused, exit 1"
is "$(jq -r '[.refused[] | "\(.device):\(.kind):\(.override)"] | join(" ")' "$T/out")" \
	"0000:82:00.0:protected:--force 0000:85:00.0:protected:--force" \
	"--json: both functions of the unit the host needs, each with the override"
jq -r '.refused[] | select(.device == "0000:85:00.0") | .reason' "$T/out" | grep -q "backs /data mounted from /dev/nvme1n1"
ok $? "--json: the reason says what the host needs it for"
grep -q "0000:82:00.0 (protected): 0000:82:00.0 backs the root filesystem" "$T/err" &&
	grep -q "0000:85:00.0 (protected): 0000:85:00.0 backs /data" "$T/err" && grep -q "2 blockers; --force overrides" "$T/err"
ok $? "human: the message names both and the override"
diag "$T/err"
is "$(p leases --json | jq -r '.leases | length')" 0 "no lease left behind"
p assign vm1 --pool gpu --format json --force --dry-run >"$T/out" 2>"$T/err"
is $? 0 "--force --dry-run: the unit is taken"

tap_done
