#!/bin/sh
# Huge pages reserved by apply and checked by assign, in the user's words, on a copy of
# the dual-socket fixture (node 0: 1024 x 2M and 4 x 1G; node 1: 512 x 2M, 0 x 1G): a
# hugepages: section planned, applied, re-applied (zero writes), a failed write rolled
# back to the prior counts, the reservation plan hugepages --emit-config writes applied
# as it is, and assign --vm-memory --hugepages refusing with the numbers, then passing
# once the node has the pages. Writes land in the tree's files (the kernel's grant and
# its shortfall are proven in the lab: tests/vm/t/t74-hugepages.sh). TAP on stdout.
# Usage: hugepages.sh FIXTURES_DIR. Environment: PASSTHRU_BIN.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
FIX=${1:?usage: hugepages.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-hugepages-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

R="$T/root"
cp -a "$FIX/dual-socket" "$R" || { echo "not ok 1 - the dual-socket fixture is in $FIX"; echo "1..1"; exit 1; }
export PASSTHRU_STATE_DIR="$T/state"
pt() { "$P" --sysroot "$R" "$@"; }
jv() { jq -r "$1" "$T/out"; }
nr() { cat "$R/sys/devices/system/node/node$1/hugepages/hugepages-$2kB/nr_hugepages"; }

cat >"$T/host.yaml" <<'EOF'
hugepages:
  - { node: 0, size: 2M, pages: 64 }
  - { node: 1, size: 1G, pages: 2 }
EOF
# 1. dry run: shrinking pool first, nothing written
pt apply "$T/host.yaml" --dry-run --json >"$T/out" 2>"$T/err"
is $? 0 "dry run: exit 0"
is "$(jv '[.changes[] | "\(.action) \(.device) \(.field) \(.from)->\(.to)"] | join(", ")')" \
	"set_hugepages node0 hugepages-2048kB 1024->64, set_hugepages node1 hugepages-1048576kB 0->2" \
	"dry run: node 0's pool shrinks first, then node 1's grows"
is "$(jv .writes)" 0 "dry run: zero writes"
is "$(nr 0 2048)" 1024 "dry run: nr_hugepages untouched"

# 2. apply, then re-apply: converged
pt apply "$T/host.yaml" >"$T/out" 2>"$T/err"
is $? 0 "apply: exit 0"
grep -q "2 writes, converged" "$T/out"
ok $? "apply: 2 writes, converged"
diag "$T/out" "$T/err"
is "$(nr 0 2048) $(nr 1 1048576)" "64 2" "apply: node0 2M = 64, node1 1G = 2"
grep -q "^want-hp node0 size_kb=2048 pages=1024$" "$T/state/apply.journal.last"
ok $? "the journal recorded the prior count before writing"
pt apply "$T/host.yaml" --json >"$T/out" 2>"$T/err"
is "$?:$(jv .writes):$(jv '.changes | length'):$(jv '.hugepages_short | length')" "0:0:0:0" \
	"re-apply: exit 0, zero writes, no change, no shortfall"
echo 100 >"$R/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"
pt apply "$T/host.yaml" --verify >"$T/out" 2>&1
is $? 1 "--verify: a pool changed behind apply's back is drift (exit 1)"
pt apply "$T/host.yaml" >/dev/null 2>&1

# 3. a write that fails: the pools already changed go back to their prior counts
printf 'hugepages:\n  - { node: 0, size: 2M, pages: 10 }\n  - { node: 1, size: 2M, pages: 600 }\n' >"$T/fail.yaml"
PASSTHRU_FAIL_WRITE=node1/hugepages pt apply "$T/fail.yaml" --json >"$T/out" 2>"$T/err"
is $? 1 "a failed pool write: exit 1"
is "$(jv '[.changes[].result] | join(" ")')" "rolled-back failed" "node 0's change rolled back, node 1's failed"
is "$(jv .rollback.ok)" true "rollback ok"
is "$(nr 0 2048) $(nr 1 2048)" "64 512" "the prior counts are back"

# 4. a file that cannot be: named by line
printf 'hugepages:\n  - { node: 9, size: 2M, pages: 8 }\n' >"$T/bad.yaml"
pt apply "$T/bad.yaml" >/dev/null 2>"$T/err"
is $? 2 "a node the host lacks: exit 2"
grep -q "line 2: hugepages: NUMA node 9 is not on this host" "$T/err"
ok $? "and the line says which"
printf 'hugepages:\n  - { size: 2M, pages: 8 }\n' >"$T/bad.yaml"
pt apply "$T/bad.yaml" >/dev/null 2>"$T/err"
is $? 2 "pages without a node: exit 2"
grep -q "bad.yaml:2:.*needs a node" "$T/err"
ok $? "file:line: pages need a node"

# 5. the reservation the hugepage plan implies, applied as it is written
cat >"$T/demand.yaml" <<'EOF'
vms:
  - { name: db, memory: 3G, node: 0, bandwidth: 100 }
  - { name: web, memory: 512M, node: 1, bandwidth: 10 }
EOF
pt plan hugepages --demand "$T/demand.yaml" --emit-config >"$T/emit.yaml" 2>"$T/err"
ok $? "plan hugepages --emit-config"
diag "$T/err"
grep -q "^  - { node: 1, size: 2M, pages: 256 }$" "$T/emit.yaml"
ok $? "emitted: node 1 keeps the 256 x 2M pages web takes"
pt plan hugepages --demand "$T/demand.yaml" --json >"$T/out"
is "$(jv '[.reservation[] | "\(.node):\(.size_kb):\(.pages)"] | join(" ")')" \
	"$(sed -n 's/^  - { node: \([0-9]*\), size: 1G, pages: \([0-9]*\) }$/\1:1048576:\2/p; s/^  - { node: \([0-9]*\), size: 2M, pages: \([0-9]*\) }$/\1:2048:\2/p' "$T/emit.yaml" | tr '\n' ' ' | sed 's/ $//')" \
	"the JSON's reservation is what --emit-config wrote"
pt apply "$T/emit.yaml" >"$T/out" 2>"$T/err"
is $? 0 "apply of the emitted file: exit 0"
diag "$T/err"
pt apply "$T/emit.yaml" --json >"$T/out" 2>&1
is "$(jv .writes)" 0 "and it is then converged"

# 6. assign --vm-memory --hugepages: node 1's free 2M pages against the VM
mkdir -p "$R/etc/passthru"
: >"$R/sys/bus/pci/drivers_probe" # the kernel's probe trigger, for the GPU's audio function
printf 'pools:\n  gpu:\n    devices: [ { bdf: "0000:81:00.0" } ]\n' >"$R/etc/passthru/host.yaml"
fr="$R/sys/devices/system/node/node1/hugepages/hugepages-2048kB/free_hugepages"
echo 100 >"$fr"
pt assign vm1 --pool gpu --vm-memory 1G --hugepages 2M --memlock 4G --json >"$T/out" 2>"$T/err"
is $? 1 "assign: 1 GiB on 2M pages with 100 free on the device's node: refused, exit 1"
is "$(jv .refused)" true "JSON: refused"
is "$(jv '.launch_check.checks[] | select(.id == "vm.check.hugepages") | .evidence')" \
	"1 GiB needs 512 x 2048 KiB pages; node 1 has 100 free of 256" "JSON: the numbers"
grep -q "nothing was written" "$T/err"
ok $? "the error says nothing was written"
pt leases --json >"$T/out" 2>/dev/null
is "$(jv '[.leases[]?] | length')" 0 "no lease was left behind"
pt assign vm1 --pool gpu --vm-memory 1G --hugepages 2M --memlock 512M --json >"$T/out" 2>"$T/err"
is "$?:$(jv '.launch_check.checks[] | select(.id == "vm.check.memlock") | .result')" "1:fail" \
	"a memlock budget below guest RAM + BARs is refused too"
printf 'hugepages:\n  - { node: 1, size: 2M, pages: 600 }\n' >"$T/more.yaml"
pt apply "$T/more.yaml" >/dev/null 2>&1
is "$(nr 1 2048)" 600 "apply reserved 600 x 2M on node 1"
echo 600 >"$fr" # and the kernel shows them free (a fixture's file does not follow by itself)
# a tree cannot probe drivers: the audio function as the kernel would leave it
d=$(readlink -f "$R/sys/bus/pci/devices/0000:81:00.1")
t=$(readlink "$d/driver") && ln -sfn "${t%/*}/vfio-pci" "$d/driver"
pt assign vm1 --pool gpu --vm-memory 1G --hugepages 2M --memlock 4G --json >"$T/out" 2>"$T/err"
is $? 0 "with 600 free the VM fits: assigned"
diag "$T/err"
is "$(jv .launch_check.verdict)" pass "JSON: the pre-launch verdict passes"
is "$(jv '.memory | [.bytes, .hugepage_kb, .path, .mounted] | join(" ")')" \
	"1073741824 2048 /dev/hugepages false" \
	"JSON: memory on 2M pages; no hugetlbfs mounted: the default size's usual path"
grep -q "no hugetlbfs of 2M pages is mounted.*mount -t hugetlbfs -o pagesize=2M none /dev/hugepages" "$T/err"
ok $? "the warning says how to mount it"
# the QEMU arguments and the libvirt XML of the same VM (a dry run: the lease is held)
printf 'none /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\nnone /mnt/huge1g hugetlbfs rw,relatime,pagesize=1024M 0 0\n' \
	>"$R/proc/mounts"
pt release vm1 >/dev/null 2>&1
pt assign vm3 --pool gpu --dry-run --force --vm-memory 1G --hugepages 2M --memlock 4G --format qemu \
	>"$T/out" 2>"$T/err"
grep -v '^#' "$T/out" | grep -E '^-(m |object memory-backend|machine )' >"$T/mem"
is "$(cat "$T/mem")" "-m 1G
-object memory-backend-file,id=mem0,size=1G,mem-path=/dev/hugepages,share=on,prealloc=on,host-nodes=1,policy=bind
-machine memory-backend=mem0" "qemu: -m, a hugetlbfs backend bound to node 1, the machine's RAM from it"
grep -q "^# memory: 1G on 2048 KiB huge pages: hugetlbfs of 2M pages mounted on /dev/hugepages" "$T/out"
ok $? "qemu: a comment names the mount it found"
echo 2 >"$R/sys/devices/system/node/node1/hugepages/hugepages-1048576kB/free_hugepages"
pt assign vm3 --pool gpu --dry-run --force --vm-memory 1G --hugepages 1G --memlock 4G --format qemu \
	>"$T/out" 2>"$T/err"
grep -q "^-object memory-backend-file,id=mem0,size=1G,mem-path=/mnt/huge1g,share=on,prealloc=on,host-nodes=1,policy=bind$" "$T/out"
ok $? "qemu: 1G pages from the mount with pagesize=1024M"
pt assign vm3 --pool gpu --dry-run --force --vm-memory 1G --hugepages 2M --memlock 4G --format libvirt \
	>"$T/out" 2>"$T/err"
tr -d '\n' <"$T/out" | grep -q "<memory unit='KiB'>1048576</memory><memoryBacking>  <hugepages>    <page size='2048' unit='KiB'/>  </hugepages></memoryBacking><numatune>  <memory mode='strict' nodeset='1'/></numatune>"
ok $? "libvirt: <memory>, <memoryBacking><hugepages><page size='2048'>, <numatune> strict on node 1"
pt assign vm3 --pool gpu --dry-run --force --vm-memory 1G --memlock 4G --format qemu >"$T/out" 2>"$T/err"
is "$(grep -E '^-(m |object memory-backend|machine )' "$T/out")" "-m 1G
-object memory-backend-ram,id=mem0,size=1G,host-nodes=1,policy=bind
-machine memory-backend=mem0" "qemu without --hugepages: RAM bound to the node all the same"
pt assign vm2 --pool gpu --hugepages 2M >/dev/null 2>"$T/err"
is $? 2 "--hugepages without --vm-memory: exit 2"
tap_done
