#!/bin/bash
# lab-topology: multifn
# Group-aware assignment on a real kernel: two e1000e functions in one slot share an
# IOMMU group (no ACS), as a GPU and its HDMI audio function do. A devices pool naming
# function 0 holds the whole group as one unit: pools counts 1; assign takes both
# functions (the kernel's driver links say vfio-pci for both, /dev/vfio/<group> exists),
# the XML and QEMU arguments name both in one guest slot with their function numbers
# and multifunction=on; release --device of function 1 returns both.
. "$(dirname "$0")/../lib.sh"

T=$(mktemp -d)
export PASSTHRU_STATE_DIR=$T/state
trap 'rm -rf "$T"' EXIT
find_dev 8086 10d3
read -r F0 F1 _ <<<"$REPLY"
[ -n "${F1:-}" ] && [ "${F0%.*}" = "${F1%.*}" ] ||
	bail "two e1000e functions in one slot" "found: $REPLY"
sys_link "$F0" iommu_group; g0=$REPLY
sys_link "$F1" iommu_group; g1=$REPLY
is "$g1" "$g0" "the kernel put $F0 and $F1 in one IOMMU group ($g0)"
sys_link "$F0" driver; d0=$REPLY
sys_link "$F1" driver; d1=$REPLY
is "$d0 $d1" "e1000e e1000e" "both on their host driver to begin with"
cat >"$T/host.yaml" <<EOT
pools:
  pair:
    devices: [ { bdf: "$F0" } ]
EOT
C=(--config "$T/host.yaml")
is "$(pt pools "${C[@]}" --json | jq -r '[.pools[] | "\(.pool):\(.total):\(.free)"] | join(" ")')" \
	"pair:1:1" "pools: the group is one free unit, not two functions"

pt assign vmg "${C[@]}" --pool pair --format json >"$T/a.json" 2>"$T/err"
is $? 0 "assign vmg --pool pair: the whole group" || diag "$(cat "$T/err")"
is "$(jq -r '[.devices[] | "\(.bdf)@\(.guest_slot).\(.guest_function)"] | join(" ")' "$T/a.json")" \
	"$F0@16.${F0##*.} $F1@16.${F1##*.}" "JSON: both functions, one guest slot (0x10), their own function numbers"
sys_link "$F0" driver; d0=$REPLY
sys_link "$F1" driver; d1=$REPLY
is "$d0 $d1" "vfio-pci vfio-pci" "sysfs: both functions bound to vfio-pci (driver links)"
ok "/dev/vfio/$g0 exists" test -c "/dev/vfio/$g0"
is "$(pt leases --json | jq -r '[.leases[] | "\(.vm)=\(.bdf)"] | join(" ")')" "vmg=$F0 vmg=$F1" \
	"leases: one lease per function, both vmg's"
is "$(pt pools "${C[@]}" --json | jq -r '[.pools[] | "\(.total):\(.free):\(.leased)"] | join(" ")')" \
	"1:0:1" "pools: one leased unit"
refuses "another VM gets nothing of the group" pt assign vmh "${C[@]}" --pool pair

R=$(pt release vmg --device "$F1" --json 2>"$T/err")
is "$(jq -r '[.devices[] | "\(.bdf) \(.result)"] | join(",")' <<<"$R")" "$F0 returned,$F1 returned" \
	"release --device $F1 returns the whole unit" || diag "$(cat "$T/err")" "$R"
is "$(pt leases --json | jq '.leases | length')" 0 "leases: none"
is "$(pt pools "${C[@]}" --json | jq -r '[.pools[] | "\(.total):\(.free)"] | join(" ")')" "1:1" \
	"pools: the unit is free again"
sys_link "$F0" driver; d0=$REPLY
sys_link "$F1" driver; d1=$REPLY
is "$d0 $d1" "vfio-pci vfio-pci" "sysfs: both stay on vfio-pci in the pool"

pt assign vmg "${C[@]}" --pool pair --format libvirt >"$T/x.xml" 2>"$T/err"
is $? 0 "assign again, libvirt XML" || diag "$(cat "$T/err")"
x=$(cat "$T/x.xml")
like "$x" "slot='0x10' function='0x${F0##*.}' multifunction='on'/>" "XML: function 0 in guest slot 0x10, multifunction='on'"
like "$x" "slot='0x10' function='0x${F1##*.}'/>" "XML: function 1 in the same guest slot"
ok "release vmg" pt release vmg
pt assign vmg "${C[@]}" --pool pair --format qemu >"$T/q" 2>"$T/err"
q=$(cat "$T/q")
like "$q" "host=$F0,id=hostdev0,bus=pcie.0,addr=0x10.${F0##*.},multifunction=on" "QEMU: function 0 at 0x10.0, multifunction=on"
like "$q" "host=$F1,id=hostdev1,bus=pcie.0,addr=0x10.${F1##*.}" "QEMU: function 1 at 0x10.1"
ok "release vmg" pt release vmg

# leave the guest as found: both functions back on e1000e
for f in "$F0" "$F1"; do
	echo >"$SYS_PCI/$f/driver_override"
	[ -e "$SYS_PCI/$f/driver" ] && echo "$f" >"$SYS_PCI/$f/driver/unbind"
	echo "$f" >/sys/bus/pci/drivers_probe 2>/dev/null
done
test_done
