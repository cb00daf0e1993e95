#!/bin/sh
# --sysroot FILE.tar.gz: a snapshot read directly gives the same answers as the tree
# extracted by tar; hostile archives (../, absolute names, a file through a link an
# earlier member made, huge sizes, a gzip bomb, garbage) are refused
# and write nothing outside the private directory, which is always removed.
# Usage: sysroot-archive.sh FIXTURES_DIR. Environment: PASSTHRU_BIN, PASSTHRU_TOP_SRCDIR.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
SRC=${PASSTHRU_TOP_SRCDIR:?}
FIX=${1:?usage: sysroot-archive.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-archive-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

# passthru's temporary directories go to $T/tmp: it must be empty after every run
mkdir -p "$T/tmp" "$T/outside"
export TMPDIR="$T/tmp"
clean() { is "$(ls -A "$T/tmp")" "" "$1: the temporary directory is removed"; }

"$P" --sysroot "$FIX/dual-socket" snapshot -o "$T/host.tar.gz" >/dev/null 2>"$T/err"
ok $? "a snapshot of the dual-socket fixture"
mkdir "$T/x" && tar xzf "$T/host.tar.gz" -C "$T/x"
for cmd in "list --json" "check --json" "show 0000:18:00.0 --json" "vfs ens1f0 --json"; do
	"$P" --sysroot "$T/x" $cmd >"$T/want" 2>/dev/null
	want=$?
	"$P" --sysroot "$T/host.tar.gz" $cmd >"$T/got" 2>"$T/err"
	is $? $want "$cmd via the archive: the same exit status ($want)"
	# evidence may name a path under the sysroot: the same path, under another root
	sed -i "s#$T/tmp/passthru-sysroot-[A-Za-z0-9]*#ROOT#g" "$T/got"
	sed -i "s#$T/x#ROOT#g" "$T/want"
	same "$T/got" "$T/want" "$cmd via the archive: the same output as via the extracted tree"
	diag "$T/err"
done
clean "after the reads"
PASSTHRU_SYSROOT="$T/host.tar.gz" "$P" list --json >"$T/got" 2>/dev/null
"$P" --sysroot "$T/x" list --json >"$T/want" 2>/dev/null
same "$T/got" "$T/want" "PASSTHRU_SYSROOT=FILE.tar.gz works as --sysroot"

python3 "$SRC/tests/cli/mkhostile.py" "$T" "$T/outside/canary"
ok $? "hostile archives written"
for a in dotdot absolute through-rellink huge bomb garbage; do
	f="$T/$a.tar.gz"
	[ -f "$f" ] || f="$T/$a.tar"
	"$P" --sysroot "$f" list >"$T/out" 2>"$T/err"
	is $? 2 "$a: refused, exit 2"
	ok $([ -s "$T/err" ] && grep -q "^passthru: --sysroot" "$T/err"; echo $?) "$a: says why"
	diag "$T/err"
	is "$(ls -A "$T/outside")" "" "$a: nothing written outside"
	clean "$a"
done
# links whose target leaves the tree are not made: a member "through" one then lands in
# a real directory, a member of the same name is a file, and nothing is written outside
for a in through-link over-link; do
	"$P" --sysroot "$T/$a.tar.gz" list >"$T/out" 2>"$T/err"
	ok $(grep -q "skipped 1 member.*symbolic link out of the tree" "$T/err"; echo $?) \
		"$a: the link out of the tree is skipped, with a warning"
	diag "$T/err"
	is "$(ls -A "$T/outside")" "" "$a: nothing written outside"
	clean "$a"
done
"$P" --sysroot "$T/special.tar.gz" list >"$T/out" 2>"$T/err"
ok $(grep -q "skipped 3 members" "$T/err"; echo $?) "hard link, FIFO, device: skipped with a warning"
diag "$T/err"
clean "special"
tap_done
