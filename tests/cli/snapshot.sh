#!/bin/sh
# passthru snapshot on this machine's real /, in the user's words: capture, extract,
# and passthru must see the same host through --sysroot. TAP on stdout.
# Environment: PASSTHRU_BIN (the passthru binary).
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-snapshot-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

# 1. capture this host
"$P" snapshot -o "$T/host.tar.gz" >"$T/out" 2>"$T/err"
ok $? "passthru snapshot -o FILE exits 0"
diag "$T/out" "$T/err"
mkdir "$T/x"
tar xzf "$T/host.tar.gz" -C "$T/x" 2>"$T/err"
ok $? "tar xzf extracts it"
diag "$T/err"
test -d "$T/x/sys/bus/pci/devices" -a -f "$T/x/proc/cmdline"
ok $? "the tree has sys/bus/pci/devices and proc/cmdline"
if [ "$(id -u)" -eq 0 ]; then
	test -f "$T/x/dev/kmsg"
	ok $? "and, as root, the kernel log in dev/kmsg"
else
	echo "ok $((n += 1)) - # SKIP not root: /dev/kmsg may be unreadable (dmesg_restrict)"
fi
test -f "$T/x/passthru-snapshot.txt"
ok $? "the manifest passthru-snapshot.txt is in the archive"
# uevent gives IDs and class in one read (lib/pci.c): a capture without it costs five
# files per function on every later read of the tree
miss=0
for d in /sys/bus/pci/devices/*; do
	[ -r "$d/uevent" ] || continue
	b=$(basename "$d")
	# (read through a pipe: cmp -s takes sysfs's 4096-byte size for the length)
	cat "$d/uevent" | cmp -s - "$T/x/sys/bus/pci/devices/$b/uevent" || { echo "# $b: uevent not captured"; miss=1; }
done
ok $miss "every function's uevent is in the archive, as the host prints it"
if command -v lspci >/dev/null 2>&1; then
	lspci -vvv -A linux-sysfs -O sysfs.path="$T/x/sys/bus/pci" >"$T/out" 2>"$T/err"
	rc=$?
	! grep -q "Cannot open" "$T/err" && test $rc -eq 0
	ok $? "lspci -vvv reads the capture to the end (exit $rc)"
	diag "$T/err"
else
	echo "ok $((n += 1)) - # SKIP lspci not installed"
fi
ls "$T"/host.tar.gz.* >/dev/null 2>&1
ok $((!$?)) "no temporary file left next to it"

# 2. the same host through --sysroot
"$P" list --json >"$T/real.json" 2>"$T/err"
ok $? "passthru list --json on the real host"
"$P" --sysroot "$T/x" list --json >"$T/snap.json" 2>>"$T/err"
ok $? "passthru --sysroot <extracted> list --json"
diag "$T/err"
same "$T/real.json" "$T/snap.json" "list --json through the snapshot equals list --json on the host"
"$P" list >"$T/real.txt" 2>/dev/null
"$P" --sysroot "$T/x" list >"$T/snap.txt" 2>/dev/null
same "$T/real.txt" "$T/snap.txt" "the human list is the same too"
bad=0
for d in $(ls "$T/x/sys/bus/pci/devices"); do
	"$P" show "$d" --json >"$T/a" 2>/dev/null
	"$P" --sysroot "$T/x" show "$d" --json >"$T/b" 2>/dev/null
	if ! cmp -s "$T/a" "$T/b"; then
		echo "# show $d differs:"
		diff "$T/a" "$T/b" | head -10 | diag
		bad=1
	fi
done
ok $bad "show DEV --json through the snapshot equals the host's, for every function"

# the gate and the kernel log read through the snapshot as on the host (VF settings
# come from the recorded rtnetlink dump, the log from dev/kmsg)
test -f "$T/x/.passthru/rtnl-getlink.bin"
ok $? "the rtnetlink dump is recorded in .passthru/rtnl-getlink.bin"
if [ "$(id -u)" -eq 0 ]; then
	"$P" check --json >"$T/check-real.json" 2>/dev/null
	rc1=$?
	"$P" --sysroot "$T/x" check --json >"$T/check-snap.json" 2>/dev/null
	rc2=$?
	test $rc1 -eq $rc2
	ok $? "check exits the same through the snapshot ($rc1, $rc2)"
	same "$T/check-real.json" "$T/check-snap.json" "check --json through the snapshot equals the host's"
	"$P" log --json 2>/dev/null | grep -v '"source"' >"$T/log-real.json"
	"$P" --sysroot "$T/x" log --json 2>/dev/null | grep -v '"source"' >"$T/log-snap.json"
	same "$T/log-real.json" "$T/log-snap.json" "log --json through the snapshot equals the host's (but for its source)"
else
	for what in "check exits the same" "check --json equals" "log --json equals"; do
		echo "ok $((n += 1)) - # SKIP $what: not root, /dev/kmsg unreadable here but absent there"
	done
fi

# 3. --json
"$P" snapshot -o "$T/j.tar.gz" --json >"$T/j.out" 2>"$T/err"
ok $? "snapshot --json exits 0"
grep -q "\"file\": \"$T/j.tar.gz\"" "$T/j.out" && grep -q '"entries": [1-9]' "$T/j.out" &&
	grep -q '"bytes": [1-9]' "$T/j.out"
ok $? "--json prints file, entries and bytes"
diag "$T/j.out"
bytes=$(sed -n 's/.*"bytes": \([0-9]*\).*/\1/p' "$T/j.out")
size=$(wc -c <"$T/j.tar.gz")
test "$bytes" = "$size"
ok $? "bytes is the size of the file ($bytes = $size)"

# 4. the default name
mkdir "$T/cwd"
(cd "$T/cwd" && "$P" snapshot >/dev/null 2>"$T/err")
ok $? "snapshot without -o exits 0"
set -- "$T"/cwd/passthru-snapshot-*-*.tar.gz
test $# -eq 1 -a -f "$1"
ok $? "and writes passthru-snapshot-<hostname>-<date>.tar.gz: $(basename "$1")"

# 5. a snapshot of the snapshot
"$P" --sysroot "$T/x" snapshot -o "$T/again.tar.gz" >/dev/null 2>"$T/err"
ok $? "snapshot of the extracted tree (--sysroot) exits 0"
mkdir "$T/y"
tar xzf "$T/again.tar.gz" -C "$T/y"
"$P" --sysroot "$T/y" list --json >"$T/again.json" 2>/dev/null
same "$T/real.json" "$T/again.json" "list --json through a snapshot of the snapshot equals the host's"

# 6. the bound, and errors leave nothing behind
mkdir -p "$T/big/dev" "$T/big/sys/bus/pci/devices" "$T/out6"
head -c 3000000 /dev/urandom | od -An -tx1 | sed 's/^/6,1,0,-;/' | head -c 3000000 >"$T/big/dev/kmsg"
"$P" --sysroot "$T/big" snapshot --max-size 1 -o "$T/out6/big.tar.gz" >/dev/null 2>"$T/err"
rc=$?
test $rc -eq 2
ok $? "a snapshot past --max-size exits 2 (got $rc)"
grep -q "bound" "$T/err"
ok $? "and the error says so"
diag "$T/err"
test -z "$(ls -A "$T/out6")"
ok $? "and leaves no file behind"
"$P" snapshot -o "$T/no/such/dir/s.tar.gz" >/dev/null 2>"$T/err"
rc=$?
test $rc -eq 2 && grep -q "$T/no/such/dir" "$T/err"
ok $? "an unwritable destination exits 2 naming it"
"$P" snapshot --max-size lots -o "$T/out6/x.tar.gz" >/dev/null 2>&1
rc=$?
test $rc -eq 2 -a ! -e "$T/out6/x.tar.gz"
ok $? "--max-size must be a number of MiB (exit 2)"

tap_done
