#!/bin/bash
# A killed `passthru assign` leaves no half lease (issue: the lease committed before the
# VF's MAC/VLAN were written, and a kill -9 in between left `leases` naming a MAC the VF
# did not have, and the retry failed "MAC ... is already on vm1's lease"). On a copy of
# the dual-socket fixture set up as tests/cli/assign.sh does (the PF's VF settings in a
# recorded rtnetlink dump, written by passthru), assign is killed with SIGKILL after
# each of its steps in turn (PASSTHRU_CRASH_AFTER_STEP, test-only). The next passthru
# command must then see either no lease and the VF as before, or a lease and the VF
# ready; and the same assign run again must succeed. TAP on stdout.
# Usage: assign-crash.sh FIXTURES_DIR. Environment: PASSTHRU_BIN, PASSTHRU_TOP_SRCDIR.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
SRC=${PASSTHRU_TOP_SRCDIR:?PASSTHRU_TOP_SRCDIR must name the source tree}
FIX=${1:?usage: assign-crash.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-assign-crash-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

R="$T/root"
cp -a "$FIX/dual-socket" "$R" || { echo "not ok 1 - the dual-socket fixture is in $FIX"; echo "1..1"; exit 1; }
pf=$(readlink -f "$R/sys/bus/pci/devices/0000:18:00.0")
mv "$pf/net/ens1f0" "$pf/net/enp1s0f0" && echo 4 >"$pf/net/enp1s0f0/ifindex"
t=$(readlink "$R/sys/class/net/ens1f0") && rm "$R/sys/class/net/ens1f0" &&
	ln -s "${t%ens1f0}enp1s0f0" "$R/sys/class/net/enp1s0f0"
for v in 0000:18:02.0 0000:18:02.1 0000:18:02.3; do
	d=$(readlink -f "$R/sys/bus/pci/devices/$v")
	t=$(readlink "$d/driver") && ln -sfn "${t%/*}/vfio-pci" "$d/driver" && rm -rf "$d/net"
done
mkdir -p "$R/.passthru" "$R/etc/passthru"
cp "$SRC/tests/fuzz/corpus/fuzz-netlink/dump-3-links" "$R/.passthru/rtnl-getlink.bin"
# a boot id, so that recovery knows the kernel state a killed run changed is still there
mkdir -p "$R/proc/sys/kernel/random" && echo 5e1f2c3a-0000-4000-8000-000000000001 \
	>"$R/proc/sys/kernel/random/boot_id"
cat >"$R/etc/passthru/host.yaml" <<'EOT'
pools:
  net:
    vfs_of: [ { netdev: enp1s0f0 } ]
EOT
export PASSTHRU_STATE_DIR="$T/state"
pt() { "$P" --sysroot "$R" "$@"; }
MAC=02:aa:bb:cc:dd:07
# 18:02.1's firmware says node 1, but its PF's node 0 is the one used (lib/judge.c):
# node 0's first VF goes to another VM, so the next one on node 0 is 18:02.1
pt assign vm0 --pool net --numa 0 >/dev/null 2>&1
A=(assign vm1 --pool net --numa 0 --mac "$MAC" --vlan 42 --format json)
VF=0000:18:02.1 # the node-0 VF left after vm0's
VFN=1
# the VF as the tree and the recording have it: driver, driver_override, MAC, VLAN
vf_state() {
	local d o
	d=$(readlink "$R/sys/bus/pci/devices/$VF/driver") && d=${d##*/}
	o=$(cat "$R/sys/bus/pci/devices/$VF/driver_override" 2>/dev/null)
	[ "$o" != "(null)" ] || o="" # the kernel reads an empty override back as "(null)"
	echo "driver=${d:-none} override=${o:-none} $(pt vfs enp1s0f0 --json |
		jq -r ".vfs[] | select(.vf == $VFN) | \"mac=\(.mac) vlan=\(.vlan)\"")"
}
ready="driver=vfio-pci override=vfio-pci mac=$MAC vlan=42"

steps=$(pt "${A[@]}" --dry-run | jq -r '.steps')
[ "${steps:-0}" -ge 2 ]
ok $? "the assign plans kernel writes (steps: $steps)"
next_cmds=("leases --json" "pools --json" "release vm2 --json")
for ((k = 1; k <= 20; k++)); do
	echo "(null)" >"$R/sys/bus/pci/devices/$VF/driver_override" # as the fixture had it
	before=$(vf_state)
	PASSTHRU_CRASH_AFTER_STEP=$k pt "${A[@]}" >/dev/null 2>&1
	rc=$?
	if [ $rc = 0 ]; then # no step $k: the assign ran to its end
		ok 0 "assign has $((k - 1)) steps (it ran to the end with a kill point after step $k)"
		pt release vm1 >/dev/null 2>&1
		break
	fi
	is $rc 137 "killed after step $k (SIGKILL)"
	read -ra cmd <<<"${next_cmds[k % ${#next_cmds[@]}]}"
	pt "${cmd[@]}" >"$T/next" 2>&1
	L=$(pt leases --vm vm1 --json | jq -r '[.leases[] | "\(.bdf) \(.mac) \(.vlan)"] | join(",")')
	now=$(vf_state)
	whole=0
	if { [ -z "$L" ] && [ "$now" = "$before" ]; } ||
		{ [ "$L" = "$VF $MAC 42" ] && [ "$now" = "$ready" ] && whole=1; }; then
		ok 0 "kill at step $k, then '${cmd[0]}': no half lease ('$L', $now)"
	else
		ok 1 "kill at step $k, then '${cmd[0]}': no half lease"
		printf '#   leases of vm1: %s\n#   VF before: %s\n#   VF now: %s\n' "$L" "$before" "$now"
		diag "$T/next"
	fi
	# a whole lease is the VM's: give it back before trying again (a half one is not
	# touched: the retry must cope with whatever the kill left)
	[ $whole = 0 ] || pt release vm1 >/dev/null 2>&1
	pt "${A[@]}" >"$T/retry" 2>&1
	is $? 0 "kill at step $k: the same assign again succeeds"
	[ $? = 0 ] || diag "$T/retry"
	is "$(vf_state)" "$ready" "kill at step $k: after the retry the VF is ready"
	pt release vm1 >/dev/null 2>&1
	ok $? "kill at step $k: release after the retry"
done
# a killed apply's journal is undone by the next command that opens the state (here
# leases), not only by the next apply
printf 'sriov:\n  - pf: { netdev: enp1s0f0 }\n    vf:\n      1: { vlan: 7, trust: true }\n' >"$T/vf.yaml"
before=$(vf_state)
PASSTHRU_CRASH_AFTER_STEP=1 pt apply "$T/vf.yaml" >/dev/null 2>&1
is $? 137 "apply killed after its first write"
[ -f "$PASSTHRU_STATE_DIR/apply.journal" ]
ok $? "its journal is left behind"
pt leases >/dev/null 2>"$T/err"
is $? 0 "passthru leases after the killed apply: exit 0"
grep -q "recovered" "$T/err"
ok $? "it says it recovered the interrupted run"
diag "$T/err"
[ ! -f "$PASSTHRU_STATE_DIR/apply.journal" ]
ok $? "the journal is gone (set aside as finished)"
is "$(vf_state)" "$before" "the VF is as before the killed apply"
tap_done
