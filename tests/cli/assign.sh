#!/bin/bash
# passthru assign / release / leases / pools / gc, in the user's words, on a copy of the
# dual-socket fixture: the i40e PF 0000:18:00.0 renamed enp1s0f0 (ifindex 4) so the
# recorded rtnetlink dump of the netlink fuzz corpus (dump-3-links: enp1s0f0 with 4 VFs)
# stands in for the kernel's VF settings, and its VFs on vfio-pci. Writes land in the
# tree's files and in the recording. The libvirt XML is checked with xmllint and
# virt-xml-validate (wrapped into a domain by wrap-domain.py), the QEMU arguments and
# the JSON keys too. TAP on stdout.
# Usage: assign.sh FIXTURES_DIR. Environment: PASSTHRU_BIN, PASSTHRU_TOP_SRCDIR.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
SRC=${PASSTHRU_TOP_SRCDIR:?PASSTHRU_TOP_SRCDIR must name the source tree}
FIX=${1:?usage: assign.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-assign-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"
jv() { jq -r "$1" "$T/out"; }

R="$T/root"
cp -a "$FIX/dual-socket" "$R" || { echo "not ok 1 - the dual-socket fixture is in $FIX"; echo "1..1"; exit 1; }
# the PF's interface as the recording names it; VFs on vfio-pci (no VF netdevs then)
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
: >"$R/sys/bus/pci/drivers_probe" # the kernel's probe trigger, for the GPU's audio function
cat >"$R/etc/passthru/host.yaml" <<'EOF'
pools:
  net:
    vfs_of: [ { netdev: enp1s0f0 } ]
  pair:
    devices: [ { bdf: "0000:05:00.0" }, { bdf: "0000:06:00.0" } ]
  gpu:
    devices: [ { bdf: "0000:81:00.0" } ]
EOF
export PASSTHRU_STATE_DIR="$T/state"
pt() { "$P" --sysroot "$R" "$@"; }
vfs() { pt vfs enp1s0f0 --json | jq -r ".vfs[] | select(.vf == $1) | \"\(.mac) \(.vlan) \(.spoof_check) \(.trust)\""; }
validate() { # validate FILE DESC: xmllint, then virt-xml-validate of it wrapped in a domain
	"$SRC/tests/cli/wrap-domain.py" "$1" vm1 >"$1.domain.xml"
	xmllint --noout "$1.domain.xml" 2>"$T/xerr"
	ok $? "$2: well-formed (xmllint --noout)"
	diag "$T/xerr"
	if command -v virt-xml-validate >/dev/null; then
		virt-xml-validate "$1.domain.xml" domain >"$T/xerr" 2>&1
		ok $? "$2: valid libvirt domain XML (virt-xml-validate)"
		grep -v validates "$T/xerr" | diag
	else
		ok 0 "$2: virt-xml-validate # SKIP libvirt-clients not installed"
	fi
}

# 1. pools: synced from the config, per node
pt pools --json >"$T/out" 2>"$T/err"
is $? 0 "pools: exit 0"
is "$(jv '[.pools[] | "\(.pool):\(.numa_node):\(.total):\(.free)"] | join(" ")')" \
	"gpu:1:1:1 net:0:4:4 pair:0:1:1" \
	"pools: per pool and node, units; VF 18:02.1 on its PF's node 0; the GPU's group one free unit"
diag "$T/err"
# the GPU's HDMI audio function is on a host driver, but a devices pool hands out the
# whole group: the audio function goes to vfio with the GPU, so it does not block it
is "$(jv '.pools[] | select(.pool == "gpu") | "\(.blocked) \(.blocked_why // "")"')" "0 " \
	"pools: the GPU is not blocked by its own group's audio function (taken with it)"
pt show 0000:18:02.1 --json >"$T/out"
is "$(jv '"\(.numa_node) \(.numa.node) \(.numa.source)"')" "1 0 pf" \
	"show: VF 18:02.1 says node 1, its PF node 0: the PF's node is used"

# 2. node 1 has no VF (18:02.1's firmware says node 1, its PF node 0: the PF wins):
# refused saying what is free elsewhere; --allow-remote takes one
pt assign vm2 --pool net --cpus 16-19 >"$T/out" 2>"$T/err"
is $? 1 "assign --cpus 16-19 (node 1): no VF on node 1: exit 1"
grep -q "usable elsewhere: node 0: 4" "$T/err"
ok $? "the refusal says what is free elsewhere"
diag "$T/err"
pt assign vm2 --pool net --cpus 16-19 --allow-remote --format qemu >"$T/out" 2>"$T/err"
is $? 0 "--allow-remote: exit 0"
grep -q "on another NUMA node" "$T/err"
ok $? "the cost is stated"
grep -qx -- "-device vfio-pci,host=0000:18:02.0,id=hostdev0" "$T/out"
ok $? "QEMU: -device vfio-pci,host=0000:18:02.0"
grep -q "^# cpus: 16-19 memory node: 1" "$T/out"
ok $? "QEMU: the CPUs and memory node line"
diag "$T/out"

# 3. a VF of a NIC on node 0 with MAC and VLAN, failover XML
pt assign vm1 --pool net --numa 0 --mac 02:aa:bb:cc:dd:01 --vlan 42 --failover >"$T/net.xml" 2>"$T/err"
is $? 0 "assign vm1 --pool net --numa 0 --mac --vlan --failover: exit 0"
diag "$T/err"
grep -q "<interface type='hostdev' managed='no'>" "$T/net.xml"
ok $? "a VF of a NIC is an <interface type='hostdev' managed='no'>"
grep -q "<address type='pci' domain='0x0000' bus='0x18' slot='0x02' function='0x1'/>" "$T/net.xml"
ok $? "it is 18:02.1, the node-0 VF left"
is "$(grep -c "<mac address='02:aa:bb:cc:dd:01'/>" "$T/net.xml")" 2 "the MAC on both halves of the failover pair"
grep -q "<tag id='42'/>" "$T/net.xml"
ok $? "the VLAN tag"
grep -q "<teaming type='persistent'/>" "$T/net.xml" &&
	grep -q "<teaming type='transient' persistent='ua-failover0'/>" "$T/net.xml" &&
	grep -q "<alias name='ua-failover0'/>" "$T/net.xml" && grep -q "<model type='virtio'/>" "$T/net.xml"
ok $? "failover: virtio persistent + hostdev transient teaming, paired by alias"
grep -q "<memory mode='strict' nodeset='0'/>" "$T/net.xml"
ok $? "numatune: memory strict on node 0, its PF's (not the VF's firmware node 1)"
grep -q "cpuset='0-15'" "$T/net.xml"
ok $? "vCPU pinning hint: node 0's CPUs"
grep -q "18:02.1 says NUMA node 1, its PF 0000:18:00.0 says node 0: trusting the PF" "$T/err"
ok $? "assign says which node it trusted and why"
validate "$T/net.xml" "interface + failover XML"
is "$(vfs 1)" "02:aa:bb:cc:dd:01 42 true true" "the PF reports VF 1's MAC and VLAN as set (passthru vfs)"
is "$(cat "$R/sys/bus/pci/devices/0000:18:02.1/driver_override")" vfio-pci "driver_override vfio-pci"

# 4. whole devices: <hostdev>, JSON keys
pt assign vm3 --pool pair --format json >"$T/out" 2>"$T/err"
is $? 0 "assign vm3 --pool pair --format json: exit 0"
is "$(jv '[.vm, .devices[0].bdf, .devices[0].numa_node, .devices[0].iommu_group, .devices[0].mac, .devices[0].vlan, .memory_node, .cpus] | map(tostring) | join(" ")')" \
	"vm3 0000:05:00.0 0 5 null null 0 0-15" "JSON: vm, devices[].bdf/numa_node/iommu_group/mac/vlan, memory_node, cpus"
is "$(jv .version)" 1 "JSON: version 1"
is "$(jv '[.devices[].bdf] | join(" ")')" "0000:05:00.0 0000:06:00.0" \
	"a devices pool hands out the IOMMU group as one unit: both functions"
pt pools --json >"$T/out"
is "$(jv '[.pools[] | select(.pool == "pair") | "\(.total):\(.free):\(.leased)"] | join(" ")')" "1:0:1" \
	"pools counts units: the pair's one group is one leased unit"
pt assign vm4 --pool pair --dry-run >"$T/out" 2>"$T/err"
is $? 1 "the group is vm3's: nothing for another VM"
pt release vm3 --device 0000:06:00.0 --json >"$T/out" 2>"$T/err"
is "$(jv '[.devices[] | "\(.bdf) \(.result)"] | join(",")')" "0000:05:00.0 returned,0000:06:00.0 returned" \
	"release --device of one function returns its whole unit"
pt assign vm3 --pool pair --format libvirt >"$T/pair.xml" 2>"$T/err"
is $? 0 "and the unit is vm3's again"
grep -q "<hostdev mode='subsystem' type='pci' managed='no'>" "$T/pair.xml"
ok $? "a whole device is a <hostdev mode='subsystem' type='pci' managed='no'>"
validate "$T/pair.xml" "hostdev XML"

# 4b. a GPU whose HDMI audio function (snd_hda_intel) shares its group: one unit
pt pools --json >"$T/out"
is "$(jv '[.pools[] | select(.pool == "gpu") | "\(.total):\(.free)"] | join(" ")')" "1:1" \
	"pools: the GPU and its audio function are one free unit"
pt assign vmg --pool gpu --dry-run --format json >"$T/out" 2>"$T/err"
is "$?:$(jv '[.devices[].bdf] | join(" ")')" "0:0000:81:00.0 0000:81:00.1" \
	"assign --dry-run: the audio function on snd_hda_intel does not block its own unit"
diag "$T/err"
# a tree cannot probe drivers: the audio function as the kernel would leave it
d=$(readlink -f "$R/sys/bus/pci/devices/0000:81:00.1")
t=$(readlink "$d/driver") && ln -sfn "${t%/*}/vfio-pci" "$d/driver"
pt assign vmg --pool gpu --format libvirt >"$T/gpu.xml" 2>"$T/err"
is $? 0 "assign vmg --pool gpu: the whole group"
diag "$T/err"
is "$(grep -c "<address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x[01]'" "$T/gpu.xml")" 2 \
	"XML: both functions in one guest slot, their own function numbers"
grep -q "slot='0x10' function='0x0' multifunction='on'/>" "$T/gpu.xml"
ok $? "XML: function 0 says multifunction='on'"
validate "$T/gpu.xml" "multifunction hostdev XML"
is "$(cat "$R/sys/bus/pci/devices/0000:81:00.1/driver_override")" \
	vfio-pci "the audio function is kept on vfio-pci too (driver_override)"
pt release vmg >/dev/null 2>&1
pt assign vmg --pool gpu --format qemu >"$T/out" 2>"$T/err"
grep -q -- "-device vfio-pci,host=0000:81:00.0,id=hostdev0,bus=pcie.0,addr=0x10.0,multifunction=on" "$T/out" &&
	grep -q -- "-device vfio-pci,host=0000:81:00.1,id=hostdev1,bus=pcie.0,addr=0x10.1$" "$T/out"
ok $? "QEMU: both functions at addr 0x10.0 (multifunction=on) and 0x10.1"
diag "$T/out"
pt release vmg >/dev/null 2>&1

# 5. leases
pt leases --json >"$T/out"
is "$(jv '[.leases[] | "\(.vm)=\(.bdf)"] | join(" ")')" \
	"vm1=0000:18:02.1 vm2=0000:18:02.0 vm3=0000:05:00.0 vm3=0000:06:00.0" "leases: every active lease"
is "$(jv '[.leases[] | select(.vm == "vm1") | "\(.mac) \(.vlan)"] | join("")')" "02:aa:bb:cc:dd:01 42" "leases: vm1's MAC and VLAN"
is "$(jv .version)" 1 "leases: version 1"
pt pools --json >"$T/out"
is "$(jv .version)" 1 "pools: version 1"
pt leases --vm vm3 >"$T/out"
is "$(grep -c 0000:0 "$T/out")" 2 "leases --vm vm3: two lines"
# SQLite is loaded when the database is first opened (dlopen): a host without it gets
# an error that names it and the package to install, and the leases stay as they were
PASSTHRU_LIBSQLITE3=libsqlite3-absent.so.0 pt leases --json >"$T/out" 2>"$T/err"
is $? 2 "without SQLite, leases fails: exit 2"
grep -q "needs SQLite (libsqlite3.so.0).*install the libsqlite3-0 package" "$T/err"
ok $? "and the error names SQLite and the package to install"
diag "$T/err"
pt leases --vm vm3 >"$T/out"
is "$(grep -c 0000:0 "$T/out")" 2 "with it again: leases --vm vm3 still two lines"

# 6. release: reset, policy restored, back to free
pt release vm1 --json >"$T/out" 2>"$T/err"
is $? 0 "release vm1: exit 0"
is "$(jv .version)" 1 "release --json: version 1"
is "$(jv '.devices[0] | "\(.bdf) \(.reset) \(.policy) \(.result)"')" \
	"0000:18:02.1 true restored returned" "release: reset, policy restored, returned"
is "$(cat "$R/sys/bus/pci/devices/0000:18:02.1/reset")" 1 "1 written to the reset attribute"
is "$(vfs 1)" "02:00:00:18:00:01 0 true false" "VF 1: placeholder MAC, VLAN 0, spoof check on, trust off"
is "$(cat "$R/sys/bus/pci/devices/0000:18:02.1/driver_override")" vfio-pci "still bound to vfio-pci"
pt pools --json >"$T/out"
is "$(jv '[.pools[] | select(.pool == "net") | "\(.numa_node):\(.free):\(.leased)"] | join(" ")')" \
	"0:3:1" "pools: 18:02.1 free again"
pt release vm1 --device 0000:05:00.0 >"$T/out" 2>"$T/err"
is $? 1 "releasing another VM's device: exit 1"
grep -q "leased to vm3" "$T/err"
ok $? "saying whose it is"

# 7. a failed reset quarantines; --unquarantine brings it back
PASSTHRU_FAIL_WRITE=0000:18:02.0/reset pt release vm2 >"$T/out" 2>"$T/err"
is $? 1 "release with a failing reset: exit 1"
grep -q QUARANTINED "$T/out"
ok $? "the device is reported quarantined"
diag "$T/out"
pt pools --json >"$T/out"
is "$(jv '[.pools[] | select(.pool == "net" and .numa_node == 0) | .quarantined] | join("")')" 1 "pools: one quarantined"

# 8. a second assign after release works
pt assign vm5 --pool net --numa 0 --format json >"$T/out" 2>"$T/err"
is $? 0 "assign after release: exit 0"
is "$(jv '.devices[0].bdf')" 0000:18:02.1 "the released VF is handed out again (18:02.0 is quarantined)"
pt release --unquarantine 0000:18:02.0 >/dev/null 2>&1
is $? 0 "release --unquarantine 0000:18:02.0"
pt pools --json >"$T/out"
is "$(jv '[.pools[] | select(.pool == "net" and .numa_node == 0) | "\(.free) \(.quarantined)"] | join("")')" "3 0" "pools: free again"

# 9. gc: VMs that no longer exist
pt gc --vm-alive true --min-age 0 >"$T/out" 2>"$T/err"
is $? 0 "gc with every VM alive: exit 0"
pt leases --json >"$T/out"
is "$(jv '.leases | length')" 3 "gc kept every lease"
pt gc --vm-alive "test vm3 =" --min-age 0 --dry-run --json >"$T/out" 2>"$T/err"
is "$(jv '[.vms[] | select(.alive == false) | .vm] | join(" ")')" "vm5" "gc --dry-run: vm5 is gone (the command exits 1 for it)"
pt gc --vm-alive "test vm3 =" --min-age 0 >"$T/out" 2>"$T/err"
is $? 0 "gc: exit 0"
pt leases --json >"$T/out"
is "$(jv '[.leases[].vm] | unique | join(" ")')" vm3 "gc released vm5, kept vm3"
pt gc --vm-alive "test vm3 =" >"$T/out" 2>"$T/err"
pt gc --vm-alive /nonexistent/cmd --min-age 0 >"$T/out" 2>"$T/err"
is $? 2 "gc with a command that cannot run: exit 2, nothing released"
PATH=/nonexistent pt gc >"$T/out" 2>"$T/err"
is $? 2 "gc without --vm-alive and without virsh: refused"

# 10. refusals
pt assign vm6 --pool nosuch >"$T/out" 2>"$T/err"
is $? 1 "an unknown pool: exit 1"
grep -q "no pool named nosuch" "$T/err"
ok $? "naming the pools there are"
pt assign vm6 --pool pair --mac 02:00:00:00:00:09 >"$T/out" 2>"$T/err"
is $? 1 "a MAC for a whole device: exit 1"
pt assign vm6 --pool net --failover >"$T/out" 2>"$T/err"
is $? 2 "--failover without --mac: exit 2"
pt assign vm6 --pool net --numa 0 --cpus 1 >"$T/out" 2>"$T/err"
is $? 2 "--numa and --cpus together: exit 2"
pt --state-dir "$T/state2" assign vm6 --pool net --config /nonexistent.yaml >"$T/out" 2>"$T/err"
is $? 2 "a missing config: exit 2"
pt leases --json >"$T/out"
is "$(jv '[.leases[].vm] | unique | join(" ")')" vm3 "no refusal left a lease"

tap_done
