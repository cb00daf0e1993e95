#!/bin/bash
# passthru on hostile trees: a sysroot that is not one, links that point out of the tree
# (a written attribute, the state directory, a snapshotted file, a device), FIFOs where
# files belong (a device's config, a profile), a path too long for libpci, VF links
# with holes or pointing at the PF, an empty device directory, a stray file on the bus,
# and kernel logs on a pipe or with CR line endings. Nothing may leave the tree, hang,
# abort or answer silently wrong. The confinement cases run twice: with openat2 and
# with the component-by-component walk (PASSTHRU_RESOLVE=walk). TAP on stdout.
# Usage: hostile.sh FIXTURES_DIR. Environment: PASSTHRU_BIN.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
FIX=${1:?usage: hostile.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-hostile-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"
unset PASSTHRU_STATE_DIR PASSTHRU_SYSROOT
to() { timeout 20 "$@"; } # a hang is a failure, not a stuck test run

fresh() { # fresh NAME: a copy of the dual-socket fixture at $T/NAME
	rm -rf "${T:?}/$1"
	cp -a "$FIX/dual-socket" "$T/$1"
}
devdir() { readlink -f "$1/sys/bus/pci/devices/$2"; }
SRC=${PASSTHRU_TOP_SRCDIR:-$(dirname "$0")/../..}
DUMP="$SRC/tests/fuzz/corpus/fuzz-netlink/dump-3-links"
vftree() { # vftree NAME: fresh NAME, its PF named enp1s0f0 as the recorded dump names it,
	# VFs on vfio-pci, the dump in .passthru, a pool of the PF's VFs (as tests/cli/assign.sh)
	local r="$T/$1" pf t v d
	fresh "$1"
	pf=$(devdir "$r" 0000:18:00.0)
	mv "$pf/net/ens1f0" "$pf/net/enp1s0f0" && echo 4 >"$pf/net/enp1s0f0/ifindex"
	t=$(readlink "$r/sys/class/net/ens1f0") && rm "$r/sys/class/net/ens1f0" &&
		ln -s "${t%ens1f0}enp1s0f0" "$r/sys/class/net/enp1s0f0"
	for v in 0000:18:02.0 0000:18:02.1 0000:18:02.3; do
		d=$(devdir "$r" $v)
		t=$(readlink "$d/driver") && ln -sfn "${t%/*}/vfio-pci" "$d/driver" && rm -rf "$d/net"
	done
	mkdir -p "$r/.passthru" "$r/etc/passthru"
	cp "$DUMP" "$r/.passthru/rtnl-getlink.bin"
	: >"$r/sys/bus/pci/drivers_probe"
	printf 'pools:\n  net:\n    vfs_of: [ { netdev: enp1s0f0 } ]\n' >"$r/etc/passthru/host.yaml"
}

# 1. not a sysroot
to "$P" --sysroot "$T/nonexistent" list >"$T/out" 2>"$T/err"
is $? 2 "--sysroot DIR that does not exist: exit 2"
grep -q "not a sysroot: $T/nonexistent" "$T/err"
ok $? "... and says it is not a sysroot"
[ ! -s "$T/out" ]
ok $? "... and prints no inventory header"
mkdir -p "$T/high" && cp -a "$FIX/dual-socket" "$T/high/root"
to "$P" --sysroot "$T/high" list >"$T/out" 2>"$T/err"
is $? 2 "--sysroot one level too high: exit 2"
grep -q "not a sysroot: $T/high has no sys/bus/pci/devices; did you mean $T/high/root?" "$T/err"
ok $? "... names the subdirectory that is one"
diag "$T/err"
to "$P" --sysroot "$T/high" check >"$T/out" 2>"$T/err"
is $? 2 "check on it: exit 2, not a drain-the-node verdict"

for mode in openat2 walk; do
	if [ $mode = walk ]; then export PASSTHRU_RESOLVE=walk; else unset PASSTHRU_RESOLVE; fi

	# 2. a written attribute that links out of the tree
	fresh w
	echo untouched >"$T/victim"
	ln -sfn "$T/victim" "$(devdir "$T/w" 0000:06:00.0)/driver_override"
	printf 'passthrough:\n  - device: { bdf: "0000:06:00.0" }\n' >"$T/pass.yaml"
	PASSTHRU_STATE_DIR="$T/state-$mode" to "$P" --sysroot "$T/w" apply "$T/pass.yaml" >"$T/out" 2>"$T/err"
	r=$?
	[ $r -ne 0 ] && [ $r -ne 124 ]
	ok $? "$mode: apply refuses a driver_override that is a link (exit $r)"
	is "$(cat "$T/victim")" untouched "$mode: apply: the link's target outside the tree is untouched"
	grep -q "driver_override: it is a symbolic link" "$T/err"
	ok $? "$mode: apply: the message names the attribute and says it is a link"
	diag "$T/err"
	# the same through assign (a pool of one device) and release
	mkdir -p "$T/w/etc/passthru"
	printf 'pools:\n  one:\n    devices: [ { bdf: "0000:06:00.0" } ]\n' >"$T/w/etc/passthru/host.yaml"
	PASSTHRU_STATE_DIR="$T/astate-$mode" to "$P" --sysroot "$T/w" assign vm1 --pool one >"$T/out" 2>"$T/err"
	r=$?
	[ $r -ne 0 ] && [ $r -ne 124 ]
	ok $? "$mode: assign refuses it too (exit $r)"
	is "$(cat "$T/victim")" untouched "$mode: assign: the target is untouched"
	diag "$T/err"
	# a written "reset" that links out: release resets the device it hands back
	fresh w2
	mkdir -p "$T/w2/etc/passthru"
	printf 'pools:\n  one:\n    devices: [ { bdf: "0000:06:00.0" } ]\n' >"$T/w2/etc/passthru/host.yaml"
	PASSTHRU_STATE_DIR="$T/rstate-$mode" to "$P" --sysroot "$T/w2" assign vm1 --pool one >"$T/out" 2>"$T/err"
	is $? 0 "$mode: assign on the clean tree: exit 0"
	d=$(devdir "$T/w2" 0000:06:00.0)
	rm -f "$d/reset" "$d/reset_method" && echo flr >"$d/reset_method" && ln -s "$T/victim" "$d/reset"
	PASSTHRU_STATE_DIR="$T/rstate-$mode" to "$P" --sysroot "$T/w2" release vm1 >"$T/out" 2>"$T/err"
	is "$(cat "$T/victim")" untouched "$mode: release: a reset linked out of the tree is not written"
	grep -q "reset: it is a symbolic link" "$T/err" "$T/out"
	ok $? "$mode: release: says the reset attribute is a link"
	diag "$T/err"

	# the host configuration under the sysroot, linked to a file of the host
	fresh hc
	mkdir -p "$T/hc/etc/passthru"
	printf 'pools:\n  one:\n    devices: [ { bdf: "0000:06:00.0" } ]\n' >"$T/hostcfg.yaml"
	ln -s "$T/hostcfg.yaml" "$T/hc/etc/passthru/host.yaml"
	PASSTHRU_STATE_DIR="$T/hstate-$mode" to "$P" --sysroot "$T/hc" assign vm1 --pool one >"$T/out" 2>"$T/err"
	is $? 2 "$mode: etc/passthru/host.yaml linked out of the tree: not read (exit 2)"
	grep -q "cannot read the host configuration" "$T/err"
	ok $? "$mode: ... and says the host configuration cannot be read"
	is "$(cat "$(devdir "$T/hc" 0000:06:00.0)/driver_override")" "(null)" "$mode: ... nothing assigned"

	# 3. the state directory: a var link out of the tree
	fresh v
	mkdir -p "$T/outside-$mode"
	ln -s "$T/outside-$mode" "$T/v/var"
	to "$P" --sysroot "$T/v" apply "$T/pass.yaml" >"$T/out" 2>"$T/err"
	r=$?
	is "$(ls -A "$T/outside-$mode")" "" "$mode: var -> outside: no lock, journal or database lands outside"
	[ $r -ne 0 ] && grep -q "would leave the sysroot" "$T/err"
	ok $? "$mode: var -> outside: apply fails and says why (exit $r)"
	diag "$T/err"
	rm "$T/v/var" && mkdir -p "$T/v/var/lib/passthru" && ln -s "$T/outside-$mode/lock" "$T/v/var/lib/passthru/apply.lock"
	to "$P" --sysroot "$T/v" apply "$T/pass.yaml" >"$T/out" 2>"$T/err"
	[ ! -e "$T/outside-$mode/lock" ]
	ok $? "$mode: apply.lock linked out of the tree: nothing created there"

	# 4. snapshot: proc/cmdline linked to a file of the host
	fresh s
	echo "SECRET-OF-THE-HOST" >"$T/hostfile"
	rm -f "$T/s/proc/cmdline" && ln -s "$T/hostfile" "$T/s/proc/cmdline"
	ln -s "../../../../../../../../../../$T/hostfile" "$T/s/proc/version"
	to "$P" --sysroot "$T/s" snapshot -o "$T/snap-$mode.tar.gz" >"$T/out" 2>"$T/err"
	is $? 0 "$mode: snapshot of the tree: exit 0"
	! zcat "$T/snap-$mode.tar.gz" | grep -aq SECRET-OF-THE-HOST
	ok $? "$mode: snapshot: no file of the host in the archive"

	# 4b. snapshot: a function's link to an absolute path that exists on the host too:
	# its entries are listed inside the tree (where the path resolves), never on the host
	fresh sl
	mkdir -p "$T/hostdev-$mode/net/leak0" "$T/sl$T/hostdev-$mode/net/eth9"
	echo "52:54:00:00:00:99" >"$T/sl$T/hostdev-$mode/net/eth9/address"
	ln -sfn "$T/hostdev-$mode" "$T/sl/sys/bus/pci/devices/0000:05:00.0"
	to "$P" --sysroot "$T/sl" snapshot -o "$T/snapl-$mode.tar.gz" >"$T/out" 2>"$T/err"
	is $? 0 "$mode: snapshot with a function linked to an absolute path: exit 0"
	tar tzf "$T/snapl-$mode.tar.gz" >"$T/members" 2>/dev/null
	grep -qx "${T#/}/hostdev-$mode/net/eth9/address" "$T/members"
	ok $? "$mode: ... the tree's own net/eth9/address is captured"
	! grep -q leak0 "$T/members"
	ok $? "$mode: ... and no name listed from the host's directory"

	# 3b. the one-shot --persist drop-ins: etc/passthru or host.d linked out of the tree
	fresh pe
	mkdir -p "$T/pe/etc" "$T/pout-$mode"
	ln -s "$T/pout-$mode" "$T/pe/etc/passthru"
	PASSTHRU_STATE_DIR="$T/pstate-$mode" to "$P" --sysroot "$T/pe" bind 0000:06:00.0 vfio-pci --persist >"$T/out" 2>"$T/err"
	is $? 1 "$mode: bind --persist with etc/passthru linked out of the tree: exit 1"
	grep -q "refusing $T/pe/etc/passthru: it is a symbolic link" "$T/err"
	ok $? "$mode: ... the refusal names etc/passthru and says it is a link"
	diag "$T/err"
	is "$(ls -A "$T/pout-$mode")" "" "$mode: ... no drop-in lands outside the tree"
	is "$(cat "$(devdir "$T/pe" 0000:06:00.0)/driver_override")" "(null)" "$mode: ... and nothing was written"
	rm "$T/pe/etc/passthru" && mkdir "$T/pe/etc/passthru" && ln -s "$T/pout-$mode" "$T/pe/etc/passthru/host.d"
	PASSTHRU_STATE_DIR="$T/pstate-$mode" to "$P" --sysroot "$T/pe" vf 0000:18:00.0 all --trust on --persist --dry-run >"$T/out" 2>"$T/err"
	is $? 1 "$mode: vf --persist --dry-run with host.d linked out: exit 1"
	grep -q "refusing $T/pe/etc/passthru/host.d: it is a symbolic link" "$T/err"
	ok $? "$mode: ... the refusal names host.d"
	PASSTHRU_STATE_DIR="$T/pstate-$mode" to "$P" --sysroot "$T/pe" sriov 0000:18:00.0 2 --persist --json >"$T/out" 2>"$T/err"
	is "$(jq -r '[.writes, (.error | test("host.d: it is a symbolic link"))] | join(" ")' "$T/out")" "0 true" \
		"$mode: sriov --persist --json: zero writes, the error names host.d"
	is "$(ls -A "$T/pout-$mode")" "" "$mode: ... nothing outside"
	# reading: host.yaml's drop-ins through a host.d linked out of the tree are not read
	printf 'pools:\n  evil:\n    devices: [ { bdf: "0000:06:00.0" } ]\n' >"$T/pout-$mode/50-evil.yaml"
	printf 'pools:\n  one:\n    devices: [ { bdf: "0000:05:00.0" } ]\n' >"$T/pe/etc/passthru/host.yaml"
	PASSTHRU_STATE_DIR="$T/pstate-$mode" to "$P" --sysroot "$T/pe" pools --json >"$T/out" 2>"$T/err"
	r=$?
	[ $r -ne 0 ] && [ $r -ne 124 ] && grep -q "host.d: it is a symbolic link" "$T/err" && ! grep -q evil "$T/out"
	ok $? "$mode: pools: host.d linked out of the tree is refused, its drop-in not read (exit $r)"
	diag "$T/err"
	rm -f "$T/pout-$mode/50-evil.yaml" "$T/pe/etc/passthru/host.yaml"
	rm "$T/pe/etc/passthru/host.d" && ln -s ../../etc "$T/pe/etc/passthru/host.d"
	PASSTHRU_STATE_DIR="$T/pstate-$mode" to "$P" --sysroot "$T/pe" bind 0000:06:00.0 vfio-pci --persist >"$T/out" 2>"$T/err"
	is $? 1 "$mode: host.d a link that stays in the tree: refused as well"
	rm "$T/pe/etc/passthru/host.d"
	PASSTHRU_STATE_DIR="$T/pstate-$mode" to "$P" --sysroot "$T/pe" bind 0000:06:00.0 vfio-pci --persist >"$T/out" 2>"$T/err"
	is $? 0 "$mode: no link: bind --persist creates host.d and the drop-in (exit 0)"
	[ -d "$T/pe/etc/passthru/host.d" ] && [ ! -L "$T/pe/etc/passthru/host.d" ] &&
		[ -f "$T/pe/etc/passthru/host.d/50-oneshot-bind.yaml" ]
	ok $? "$mode: ... a real directory, with the drop-in"

	# 3c. the recording directory .passthru linked out of the tree: refused, not followed
	vftree rl
	mkdir -p "$T/rec-$mode" && cp "$DUMP" "$T/rec-$mode/rtnl-getlink.bin"
	rm -rf "$T/rl/.passthru" && ln -s "$T/rec-$mode" "$T/rl/.passthru"
	rs() { PASSTHRU_STATE_DIR="$T/rlstate-$mode" to "$P" --sysroot "$T/rl" "$@"; }
	rs vf enp1s0f0 2 --trust on --vlan 9 >"$T/out" 2>"$T/err"
	r=$?
	[ $r -ne 0 ] && [ $r -ne 124 ] && grep -q "refusing $T/rl/.passthru: it is a symbolic link" "$T/err"
	ok $? "$mode: vf with .passthru linked out: refused naming .passthru (exit $r)"
	diag "$T/err"
	printf 'sriov:\n  - pf: { netdev: enp1s0f0 }\n    vf:\n      2: { vlan: 42, trust: true }\n' >"$T/rlvf.yaml"
	rs apply "$T/rlvf.yaml" >"$T/out" 2>"$T/err"
	r=$?
	[ $r -ne 0 ] && [ $r -ne 124 ] && grep -q ".passthru: it is a symbolic link" "$T/err"
	ok $? "$mode: apply of VF settings: refused too (exit $r)"
	rs assign vm1 --pool net --mac 02:00:00:00:00:09 --vlan 7 >"$T/out" 2>"$T/err"
	r=$?
	[ $r -ne 0 ] && [ $r -ne 124 ] && grep -q ".passthru: it is a symbolic link" "$T/err"
	ok $? "$mode: assign with a MAC and VLAN: refused (exit $r)"
	rs leases --json >"$T/out" 2>"$T/err"
	is "$(jq -r '.leases | length' "$T/out")" 0 "$mode: ... and no lease is left"
	cmp -s "$DUMP" "$T/rec-$mode/rtnl-getlink.bin" && [ "$(ls -A "$T/rec-$mode")" = rtnl-getlink.bin ]
	ok $? "$mode: the dump outside the tree is untouched, nothing added beside it"
	# release: lease on the clean tree, then the link swapped in
	rm "$T/rl/.passthru" && mkdir "$T/rl/.passthru" && cp "$DUMP" "$T/rl/.passthru/rtnl-getlink.bin"
	rs assign vm1 --pool net --mac 02:00:00:00:00:09 --vlan 7 >"$T/out" 2>"$T/err"
	is $? 0 "$mode: assign on the clean tree: exit 0"
	diag "$T/err"
	rm -rf "$T/rl/.passthru" && ln -s "$T/rec-$mode" "$T/rl/.passthru"
	rs release vm1 >"$T/out" 2>"$T/err"
	r=$?
	grep -q ".passthru: it is a symbolic link" "$T/err" "$T/out"
	ok $? "$mode: release with .passthru linked out: says the recording is a link (exit $r)"
	diag "$T/err"
	cmp -s "$DUMP" "$T/rec-$mode/rtnl-getlink.bin" && [ "$(ls -A "$T/rec-$mode")" = rtnl-getlink.bin ]
	ok $? "$mode: release: the dump outside the tree is untouched"

	# 5. a device directory linked out of the tree, absolutely and by ../
	fresh o
	mkdir -p "$T/evil/0000:77:00.0"
	cp -a "$(devdir "$T/o" 0000:06:00.0)/." "$T/evil/0000:77:00.0/"
	echo 0xdead >"$T/evil/0000:77:00.0/vendor"
	ln -s "$T/evil/0000:77:00.0" "$T/o/sys/bus/pci/devices/0000:77:00.0"
	ln -s "../../../../../../../../../../../$T/evil/0000:77:00.0" "$T/o/sys/bus/pci/devices/0000:78:00.0"
	to "$P" --sysroot "$T/o" list --json >"$T/out" 2>"$T/err"
	is $? 0 "$mode: devices linked out of the tree: list exits 0"
	! grep -q dead "$T/out"
	ok $? "$mode: nothing is read from outside the tree"
	grep -q '"bdf": "0000:06:00.0"' "$T/out"
	ok $? "$mode: the devices inside (relative links, as sysfs has them) still read"
done
unset PASSTHRU_RESOLVE

# 6. FIFOs: a device's config, the profile
fresh f
c="$(devdir "$T/f" 0000:06:00.0)/config"
rm -f "$c" && mkfifo "$c"
to "$P" --sysroot "$T/f" list --json >"$T/out" 2>"$T/err"
is $? 0 "config is a FIFO: list does not hang, exits 0"
grep -q "0000:06:00.0/config is not a regular file" "$T/out"
ok $? "... and warns naming the file"
# a FIFO as an attribute (numa_node, sriov_numvfs): never opened, "unknown" with a warning
pfd=$(devdir "$T/f" 0000:18:00.0)
rm -f "$pfd/numa_node" "$pfd/sriov_numvfs" && mkfifo "$pfd/numa_node" "$pfd/sriov_numvfs"
w="/sys/bus/pci/devices/0000:18:00.0/numa_node is a FIFO, not a sysfs attribute: not read"
to "$P" --sysroot "$T/f" list --json >"$T/out" 2>"$T/err"
is $? 0 "numa_node and sriov_numvfs are FIFOs: list --json does not hang, exits 0"
jq -r '.warnings[]' "$T/out" | grep -q "$w"
ok $? "... the JSON warnings name numa_node's path and say it is a FIFO"
jq -r '.warnings[]' "$T/out" | grep -q "0000:18:00.0/sriov_numvfs is a FIFO"
ok $? "... and sriov_numvfs's"
is "$(jq -r '.functions[] | select(.bdf == "0000:18:00.0") | .numa_node' "$T/out")" null "... numa_node is unknown (null)"
for c in list "show 0000:18:00.0" check "doctor 0000:18:00.0"; do
	to "$P" --sysroot "$T/f" $c >"$T/out" 2>"$T/err"
	r=$?
	[ $r -ne 124 ] && grep -q "warning: $w" "$T/err"
	ok $? "... $c (exit $r, no hang) prints the warning too"
done
to "$P" --sysroot "$T/f" check --format json >"$T/out" 2>"$T/err"
jq -r '.warnings[]' "$T/out" | grep -q "$w"
ok $? "... and check's JSON carries it"
mkfifo "$T/prof.fifo"
to "$P" --sysroot "$T/f" check --profile "$T/prof.fifo" >"$T/out" 2>"$T/err"
is $? 2 "profile is a FIFO nobody writes: check exits 2, no hang"
grep -q "prof.fifo.*FIFO" "$T/err"
ok $? "... and says the profile is a FIFO"
diag "$T/err"

# 7. a sysroot path longer than libpci takes (it aborts at ~1,000 characters)
long="$T/l"
while [ ${#long} -lt 1100 ]; do long="$long/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; done
mkdir -p "$long" && cp -a "$FIX/dual-socket/." "$long/"
to "$P" --sysroot "$long" list >"$T/out" 2>"$T/err"
is $? 0 "a 1,100-character sysroot: list exits 0 (no abort)"
grep -q "0000:06:00.0" "$T/out"
ok $? "... and lists the devices"

# 8. VF identity from virtfnN
fresh vf
pf=$(devdir "$T/vf" 0000:18:00.0)
rm "$pf/virtfn1"
to "$P" --sysroot "$T/vf" list --json >"$T/out" 2>"$T/err"
is $? 0 "virtfn1 missing: list exits 0"
is "$(jq -r '.functions[] | select(.bdf == "0000:18:02.2") | .vf_index' "$T/out")" 2 \
	"virtfn1 missing: the VF virtfn2 names is still VF 2"
t0=$(readlink "$pf/virtfn0") && t2=$(readlink "$pf/virtfn2")
ln -sfn "$t2" "$pf/virtfn0" && ln -sfn "$t0" "$pf/virtfn2"
to "$P" --sysroot "$T/vf" list --json >"$T/out" 2>"$T/err"
jq -r '.warnings[]' "$T/out" | grep -q "0000:18:00.0: virtfn0 names 0000:18:02.2, but the PF's SR-IOV offset 16 and stride 1 place VF 0 at 0000:18:02.0"
ok $? "virtfn0 and virtfn2 swapped: the disagreement with offset and stride is a warning"
is "$(jq -r '.functions[] | select(.bdf == "0000:18:02.2") | .vf_index' "$T/out")" 0 \
	"... and the kernel's name wins: 18:02.2 is VF 0"
ln -sfn "$t0" "$pf/virtfn0" && ln -sfn "$t2" "$pf/virtfn2"
ln -s "../0000:18:00.0" "$pf/virtfn9"
ln -s "virtfn8" "$pf/virtfn8"
to "$P" --sysroot "$T/vf" list --json >"$T/out" 2>"$T/err"
to "$P" --sysroot "$T/vf" show 0000:18:00.0 --json >"$T/show" 2>"$T/err"
is "$(jq -r '.sriov.vfs | join(" ")' "$T/show")" "0000:18:02.0 0000:18:02.2 0000:18:02.3" \
	"virtfn9 -> the PF: the PF is not its own VF"
jq -r '.warnings[]' "$T/out" | grep -q "0000:18:00.0: virtfn9 points at the PF itself"
ok $? "... and it is reported"
jq -r '.warnings[]' "$T/out" | grep -q "virtfn8 -> virtfn8 names no PCI function"
ok $? "a virtfn link that loops is reported, not followed"

# 9. an empty device directory, a stray file on the bus
fresh e
d=$(devdir "$T/e" 0000:06:00.0)
rm -rf "${d:?}"/* && mkdir -p "$d"
to "$P" --sysroot "$T/e" list >"$T/out" 2>"$T/err"
is $? 0 "an empty device directory: list exits 0 (and no UBSan report)"
echo junk >"$T/e/sys/bus/pci/devices/0000:99:00.0"
to "$P" --sysroot "$T/e" list --json >"$T/out" 2>"$T/err"
is $? 0 "a stray file named like a BDF on the bus: exit 0"
jq -r '.warnings[]' "$T/out" | grep -q "0000:99:00.0: not a directory"
ok $? "... skipped with a warning"

# 10. the kernel log: a pipe keeps its end, CR line endings are lines
python3 -c '
import sys
line = b"[    1.000000] pci 0000:00:00.0: filler line to push the log past sixteen mebibytes\n"
sys.stdout.buffer.write(line * (17 * 1024 * 1024 // len(line) + 1))
sys.stdout.buffer.write(b"[    2.000000] DMAR: IOMMU enabled\n")' >"$T/big.log"
to "$P" log - --json <"$T/big.log" >"$T/out" 2>"$T/err"
is "$(jq -r .dma_remapping "$T/out")" true "log - of 17 MiB: the end of the log (this boot) is read"
cat "$T/big.log" | to "$P" log - --json >"$T/out" 2>"$T/err"
is "$(jq -r .dma_remapping "$T/out")" true "... also from a pipe"
python3 -c '
import sys
sys.stdout.buffer.write(b"[    0.5] x\r" * 5000 + b"[    1.0] DMAR: IOMMU enabled\r[    1.1] DMAR-IR: Enabled IRQ remapping in x2apic mode\r")' >"$T/cr.log"
to "$P" log "$T/cr.log" --json >"$T/out" 2>"$T/err"
is "$(jq -r .lines "$T/out")" 5002 "CR-only line endings: read as lines"
is "$(jq -r .dma_remapping "$T/out")" true "... and what they say is found"

tap_done
