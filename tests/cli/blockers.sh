#!/bin/bash
# A refusal names every blocker: an IOMMU group that holds several functions on host
# drivers, and functions the host needs, on a copy of the dual-socket fixture whose
# group 14 (the GPU 81:00.0 and its audio 81:00.1) also holds the NVMe controllers
# 82:00.0 (the root filesystem's disk) and 85:00.0 (/data). bind and assign, human
# output and --json: each blocker with its device, its reason and the override; and
# pools names the very blockers assign named, for a devices pool (the GPU's group, two
# functions the host needs) and a vfs pool (a VF whose group holds three functions on
# host drivers).
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
cp "$T/out" "$T/assign.json"
p assign vm1 --pool gpu --format json --force --dry-run >"$T/out" 2>"$T/err"
is $? 0 "--force --dry-run: the unit is taken"

# 3. pools: the same unit blocked, with the same blockers assign named (one judgement)
causes='[.[] | "\(.device) \(.kind) \(.blocker) \(.override) \(.reason)"] | sort | join("\n")'
p pools --json >"$T/pools.json" 2>"$T/err"
is $? 0 "pools --json: exit 0"
is "$(jq -r '.pools[] | select(.pool == "gpu") | "\(.free) \(.blocked)"' "$T/pools.json")" "0 1" \
	"pools: the GPU's group is one blocked unit, not free"
is "$(jq -r ".pools[] | select(.pool == \"gpu\") | .blockers | $causes" "$T/pools.json")" \
	"$(jq -r ".refused | $causes" "$T/assign.json")" \
	"pools --json names every blocker assign named: device, kind, blocker, override, reason"
is "$(jq -r '.pools[] | select(.pool == "gpu") | .blockers | length' "$T/pools.json")" 2 \
	"pools --json: both causes, not only the first"
is "$(jq -r '[.pools[] | select(.pool == "gpu") | .blockers[].iommu_group] | unique | join(" ")' "$T/pools.json")" 14 \
	"pools --json: each cause names the unit's IOMMU group"
jq -r '.pools[] | select(.pool == "gpu") | .blocked_why' "$T/pools.json" | grep -q "^0000:82:00.0 backs the root filesystem"
ok $? "pools --json: blocked_why is still the first cause"
p pools >"$T/out" 2>"$T/err"
grep -q "^gpu (node [0-9]*): 1 blocked:$" "$T/out" &&
	grep -q "^  0000:82:00.0 (protected), group 14: 0000:82:00.0 backs the root filesystem.* \[--force overrides\]$" "$T/out" &&
	grep -q "^  0000:85:00.0 (protected), group 14: 0000:85:00.0 backs /data mounted from /dev/nvme1n1.* \[--force overrides\]$" "$T/out"
ok $? "pools, human: the blocked unit and both causes, each with its override"
diag "$T/out" "$T/err"

# 4. a VF moved into group 14, which holds three functions on host drivers (the audio
# function, both NVMe controllers; the GPU is on vfio-pci): a vfs pool hands out single
# functions, nobody takes the neighbours with it; the other VFs stay free
regroup 0000:18:02.3 14
printf '/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n' >"$R/proc/mounts"
printf 'pools:\n  net:\n    vfs_of: [ { bdf: "0000:18:00.0" } ]\n' >"$R/etc/passthru/host.yaml"
p assign vm2 --pool net --count 4 --allow-remote --format json >"$T/assign.json" 2>"$T/err"
is $? 1 "assign vm2 --pool net --count 4: refused (one of the four VFs is not assignable)"
p pools --json >"$T/pools.json" 2>"$T/err"
is "$(jq -r '[.pools[] | select(.pool == "net") | .blocked] | add' "$T/pools.json")" 1 \
	"pools: that VF is the one blocked unit"
is "$(jq -r '[.pools[] | select(.pool == "net") | .blockers[] | "\(.kind):\(.blocker)"] | join(" ")' "$T/pools.json")" \
	"iommu-group-shared:0000:81:00.1 iommu-group-shared:0000:82:00.0 iommu-group-shared:0000:85:00.0" \
	"pools --json: each group neighbour on a host driver is its own blocker"
is "$(jq -r "[.pools[] | select(.pool == \"net\") | .blockers[]] | $causes" "$T/pools.json")" \
	"$(jq -r ".refused | $causes" "$T/assign.json")" \
	"pools and assign name the same three blockers"
p pools >"$T/out" 2>"$T/err"
is "$(grep -c '^  0000:18:02.3 (iommu-group-shared, blocked by 0000:8[125]:00.[01]), group 14: .* \[no flag overrides\]$' "$T/out")" 3 \
	"pools, human: one line per blocker, naming it"
diag "$T/out" "$T/err"

tap_done
