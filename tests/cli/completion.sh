#!/bin/bash
# The bash completion (dist/passthru.bash), as bash calls it (COMP_WORDS, COMP_CWORD),
# on a copy of the dual-socket fixture: commands, each command's options (from the
# generated help), option values, PCI addresses and interfaces under --sysroot, pool and
# VM names from the lease database, profile files. TAP on stdout.
# Usage: completion.sh FIXTURES_DIR. Environment: PASSTHRU_BIN, PASSTHRU_TOP_SRCDIR.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
SRC=${PASSTHRU_TOP_SRCDIR:?}
FIX=${1:?usage: completion.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-completion-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

R="$T/root"
cp -a "$FIX/dual-socket" "$R" || { echo "not ok 1 - the dual-socket fixture is in $FIX"; echo "1..1"; exit 1; }
mkdir -p "$R/etc/passthru"
cat >"$R/etc/passthru/host.yaml" <<'YAML'
pools:
  pair:
    devices: [ { bdf: "0000:05:00.0" }, { bdf: "0000:06:00.0" } ]
  gpu:
    devices: [ { bdf: "0000:81:00.0" } ]
YAML
export PASSTHRU_STATE_DIR="$T/state"
"$P" --sysroot "$R" assign vm-web --pool pair --format json >"$T/out" 2>"$T/err"
ok $? "a lease to complete: assign vm-web --pool pair"
diag "$T/err"

# comp WORD...: the completions bash would offer for the last word
comp() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _passthru
		printf "%s\n" "${COMPREPLY[@]}" | sort' x "$SRC/dist/passthru.bash" "$P" "$@"
}
has() { # has "WORDS" WANT... : every WANT is among the completions
	local got=$1 w
	shift
	for w in "$@"; do
		grep -qx -- "$w" <<<"$got" || return 1
	done
}

got=$(comp '')
has "$got" list show check apply assign release snapshot help
ok $? "commands" && [ "$(wc -l <<<"$got")" -ge 14 ]
ok $? "every command of 'passthru help' and help itself ($(wc -l <<<"$got"))"
got=$(comp --s)
is "$(echo $got)" "--state-dir --sysroot" "global options"
got=$(comp --sysroot "$R" check --)
is "$(echo $got)" "$(echo $("$P" help check | grep -o -- '--[a-z-]*' | sort))" \
	"check's options are those its help lists"
has "$got" --profile --format --output --strict --kernel-log --json --help
ok $? "check: --profile --format --output --strict --kernel-log --json --help"
is "$(echo $(comp check --format ''))" "json nfd prometheus text" "check --format: its values"
is "$(echo $(comp list -c ''))" "all display net storage" "list -c: the short form too"
is "$(echo $(comp vf ens1f0 0 --query-rss ''))" "off on" "vf --query-rss: on and off"
has "$(comp vf ens1f0 0 --)" --query-rss --vlan --spoof-check
ok $? "vf: --query-rss among its options"
got=$(comp --sysroot "$R" show 0000:18:0)
has "$got" 0000:18:00.0 0000:18:02.0 0000:18:02.3
ok $? "show DEV: the fixture's PCI addresses under --sysroot"
ok $(! grep -qv '^0000:18:0' <<<"$got"; echo $?) "show DEV: only those matching the prefix"
has "$(comp --sysroot "$R" vfs ens)" ens1f0
ok $? "vfs PF: network interfaces under --sysroot"
has "$(PASSTHRU_SYSROOT="$R" comp doctor 0000:81)" 0000:81:00.0
ok $? "doctor DEV: PASSTHRU_SYSROOT is honoured"
is "$(echo $(comp --sysroot "$R" assign vm2 --pool ''))" "gpu pair" "assign --pool: the pools of the database"
is "$(echo $(comp --sysroot "$R" release ''))" "vm-web" "release VM: the VMs holding leases"
is "$(echo $(comp --sysroot "$R" leases --vm v))" "vm-web" "leases --vm: the VMs holding leases"
is "$(echo $(comp --sysroot "$R" --state-dir "$T/state" release ''))" "vm-web" \
	"release VM with --state-dir on the line"
mkdir -p "$T/profiles/sub" && touch "$T/profiles/a.yaml" "$T/profiles/b.txt"
got=$(comp check --profile "$T/profiles/")
has "$got" "$T/profiles/a.yaml" "$T/profiles/sub"
ok $? "check --profile: YAML files and directories"
ok $(! grep -q b.txt <<<"$got"; echo $?) "check --profile: not other files"
has "$(comp apply "$T/profiles/")" "$T/profiles/a.yaml"
ok $? "apply FILE: YAML files"
is "$(echo $(comp help sn))" "snapshot" "help CMD: commands"
"$P" --sysroot "$R" snapshot -o "$T/host.tar.gz" >/dev/null 2>&1
if [ -s "$T/host.tar.gz" ]; then
	has "$(comp --sysroot "$T/" li)" list
	ok $? "after --sysroot DIR: commands"
	has "$(comp --sysroot "$T/ho")" "$T/host.tar.gz"
	ok $? "--sysroot: snapshot archives"
fi
tap_done
