#!/bin/sh
# What `meson install` puts on a host, installed into a temporary DESTDIR: the command,
# the shared library (soname, only the public API exported), headers and passthru.pc,
# the man page, the completion, the example host config (apply on it changes nothing),
# and the two systemd units: `systemd-analyze verify` clean on the installed units
# (skipped when systemd-analyze is missing), and the gate's boot helper writing the
# fleet files and the verdict whether the gate passes or fails. TAP on stdout.
# Usage: install.sh BUILDDIR FIXTURES_DIR. Environment: PASSTHRU_TOP_SRCDIR.
set -u
B=${1:?usage: install.sh BUILDDIR FIXTURES_DIR}
FIX=${2:?usage: install.sh BUILDDIR FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-install-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

D="$T/root"
meson install -C "$B" --no-rebuild --quiet --destdir "$D" >"$T/log" 2>&1
ok $? "meson install --destdir succeeds"
diag "$T/log"
prefix=$(meson introspect "$B" --buildoptions |
	python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
# the installed files, by what they are rather than where this prefix puts them
P=$(find "$D" -path '*/sbin/passthru' -type f | head -1)
ok $([ -x "$P" ]; echo $?) "the command is installed in sbindir ($prefix/sbin)"
so=$(find "$D" -name 'libpassthru.so.0.*' -type f | head -1)
ok $([ -n "$so" ]; echo $?) "libpassthru.so.0.* is installed"
soname=$(readelf -d "$so" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
is "$soname" "libpassthru.so.0" "the library's soname is libpassthru.so.0"
libdir=$(dirname "$so")
# the installed command finds the installed library (install strips the build rpath)
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
ok $([ -L "$libdir/libpassthru.so" ] && [ -L "$libdir/libpassthru.so.0" ]; echo $?) \
	"libpassthru.so and libpassthru.so.0 link to it"
# only public functions are exported: each one is declared in an installed header
nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort >"$T/exported"
cat "$D"/"$prefix"/include/passthru/*.h >"$T/headers" 2>/dev/null
bad=$(while read -r s; do grep -q "\b$s\b" "$T/headers" || echo "$s"; done <"$T/exported")
is "$bad" "" "every exported function is declared in include/passthru/*.h"
ok $([ "$(wc -l <"$T/exported")" -gt 50 ]; echo $?) "the public API is exported ($(wc -l <"$T/exported") functions)"
ok $(grep -q '\bpt_err\b' "$T/exported"; echo $?) "pt_ctx_new's companions are exported (pt_err)"
pc=$(find "$D" -name passthru.pc | head -1)
ok $(grep -q '^Libs: .*-lpassthru' "$pc" && grep -q '^Cflags: -I${includedir}' "$pc"; echo $?) \
	"passthru.pc names -lpassthru and the include dir"
SRC=${PASSTHRU_TOP_SRCDIR:-$(dirname "$0")/../..}
miss=$(cd "$SRC/include/passthru" && for h in *.h; do [ -f "$D$prefix/include/passthru/$h" ] || echo "$h"; done)
is "$miss" "" "every include/passthru/*.h is installed in includedir/passthru (list it in include/passthru/meson.build)"
ok $(find "$D" -path '*/man8/passthru.8' | grep -q .; echo $?) "the man page is installed"
ok $(find "$D" -path '*/completions/passthru' | grep -q .; echo $?) "the bash completion is installed"

# units: the paths they name exist in the installed tree
U=$(dirname "$(find "$D" -name passthru-check.service | head -1)")
ok $([ -f "$U/passthru-check.service" ] && [ -f "$U/passthru-apply.service" ]; echo $?) \
	"both units are installed (in $U)"
exe=$(sed -n 's/^ExecStart=//p' "$U/passthru-apply.service")
host=${exe##* }
ok $([ -f "$D$host" ]; echo $?) "the apply unit's config ($host) is the installed example"
ok $([ -x "$D${exe%% *}" ]; echo $?) "the apply unit runs the installed command (${exe%% *})"
boot=$(sed -n 's/^ExecStart=//p' "$U/passthru-check.service")
ok $([ -x "$D$boot" ]; echo $?) "the check unit runs the installed helper ($boot)"
ok $(grep -q "$host" "$D$boot"; echo $?) "the gate reads the same host config"
ok $(! grep -q ExecStartPost "$U/passthru-check.service"; echo $?) \
	"the gate's verdict is not an ExecStartPost (which never runs when it fails)"
if command -v systemd-analyze >/dev/null 2>&1 && [ -d /lib/systemd/system ]; then
	# the units they name (targets, udev settle) come from this host's systemd
	mkdir -p "$D/lib/systemd/system"
	cp -an /lib/systemd/system/. "$D/lib/systemd/system/" 2>/dev/null
	[ "$U" = "$D/lib/systemd/system" ] || cp "$U"/passthru-*.service "$D/lib/systemd/system/"
	(cd "$D" && systemd-analyze verify --man=no --root="$D" \
		lib/systemd/system/passthru-check.service \
		lib/systemd/system/passthru-apply.service) >"$T/verify" 2>&1
	ok $? "systemd-analyze verify is clean on both installed units"
	ok $([ ! -s "$T/verify" ]; echo $?) "systemd-analyze verify says nothing"
	diag "$T/verify"
else
	echo "ok $((n + 1)) # SKIP systemd-analyze is not installed"; n=$((n + 1))
fi

# the example config changes nothing
R="$T/host"
cp -a "$FIX/dual-socket" "$R"
"$P" --sysroot "$R" --state-dir "$T/state" apply "$D$host" --json >"$T/out" 2>"$T/err"
is $? 0 "apply of the example host config: exit 0"
ok $(grep -q '"writes": 0' "$T/out" && grep -q '"changes": \[\]' "$T/out"; echo $?) \
	"apply of the example host config: no change, zero writes"
diag "$T/err"

# the boot helper: fleet files where their tools read them, the verdict on stdout
mkdir -p "$T/prom" "$T/nfd"
gate() {
	PASSTHRU="$P" PASSTHRU_PROFILE="$D$host" PASSTHRU_PROM_DIR="$T/prom" \
		PASSTHRU_NFD_DIR="$T/nfd" PASSTHRU_SYSROOT="$1" "$D$boot" >"$T/out" 2>"$T/err"
}
"$P" --sysroot "$R" check --profile "$D$host" >/dev/null 2>&1
want=$?
gate "$R"
is $? $want "gate helper on dual-socket: the gate's exit status ($want)"
ok $(grep -q '^passthru_' "$T/prom/passthru.prom"; echo $?) "gate helper: Prometheus textfile written"
ok $([ -s "$T/nfd/passthru" ]; echo $?) "gate helper: NFD feature file written"
ok $(grep -qi "pass\|fail" "$T/out"; echo $?) "gate helper: the human verdict on stdout (the journal)"
ok $([ -z "$(find "$T/prom" "$T/nfd" -name '*.tmp.*')" ]; echo $?) "gate helper: no temporary file left"
rm -f "$T/prom/passthru.prom" "$T/nfd/passthru"
gate "$FIX/noiommu"
is $? 1 "gate helper on a host without an IOMMU: exit 1, the unit fails"
ok $(grep -q "fail" "$T/out"; echo $?) "failed gate: the verdict is still in the journal"
ok $(grep -q '^passthru_' "$T/prom/passthru.prom"; echo $?) "failed gate: the textfile is still written"
rmdir "$T/nfd" 2>/dev/null || rm -rf "$T/nfd"
gate "$R"
ok $([ ! -e "$T/nfd" ]; echo $?) "gate helper: no NFD directory, none created"

# tools/test --no-lab installs the test and package tools, nothing only the lab needs
sel=$(sed -n 's/.*tools\/install-deps \(--test[^|]*\) ||.*/\1/p' "$SRC/tools/test")
ok $([ -n "$sel" ]; echo $?) "tools/test --no-lab runs tools/install-deps $sel"
lab_only=$("$SRC/tools/install-deps" --list --lab | sort >"$T/lab"
	"$SRC/tools/install-deps" --list $sel | sort >"$T/nolab"
	"$SRC/tools/install-deps" --list --test --package | sort | comm -13 - "$T/lab")
got=$(echo $lab_only | tr ' ' '\n' | grep -xFf - "$T/nolab")
is "$got" "" "tools/test --no-lab installs none of the lab's packages ($(echo $lab_only))"
tap_done
