#!/bin/bash
# lab-topology: default
# Profile-driven gate checks on the real kernel, each made to pass and then to fail:
# group viability, driver binding, NUMA, hugepages, irqbalance, the command line and
# the firmware allowlist (driver info over the ethtool ioctl).
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
res() { # res PROFILE-FILE ID [DEVICE]: the worst result of that check
	pt check --profile "$1" --json | jq -r --arg id "$2" --arg d "${3:-}" \
		'[.checks[] | select(.id == $id and ($d == "" or .device == $d)) | .result]
		 | if length == 0 then "none" elif index("fail") then "fail" elif index("warn") then "warn"
		   elif index("skip") then "skip" else "pass" end'
}
find_dev 8086 2922
SATA=${REPLY%% *}

# group viability: the igb PF is alone behind its root port; the ICH9 SATA shares a
# group with the LPC bridge, SMBus and virtio-9p (the kernel's truth: the group's list)
printf 'devices:\n  - { match: { bdf: "%s" }, driver: any }\n' "$IGB_PF" >"$tmp/g1.yaml"
is "$(res "$tmp/g1.yaml" iommu.group-viable "$IGB_PF")" pass "igb PF alone in its group: viable"
printf 'devices:\n  - { match: { bdf: "%s" }, driver: any }\n' "$SATA" >"$tmp/g2.yaml"
is "$(ls /sys/bus/pci/devices/$SATA/iommu_group/devices | wc -l)" 4 "the kernel's truth: the SATA controller shares its group with 3 others"
is "$(res "$tmp/g2.yaml" iommu.group-viable "$SATA")" fail "SATA in the shared ICH9 group: not viable"

# driver binding: igb VF expected on vfio-pci, then bound there
sriov_set "$IGB_PF" 1
sys_vfs "$IGB_PF"
VF=${SYS_VFS[0]}
printf 'devices:\n  - { match: { bdf: "%s" }, driver: vfio-pci, numa_node: 0 }\n' "$VF" >"$tmp/d.yaml"
is "$(res "$tmp/d.yaml" driver.binding "$VF")" fail "VF on igbvf, profile expects vfio-pci: fail"
echo vfio-pci >"$SYS_PCI/$VF/driver_override"
echo "$VF" >"$SYS_PCI/$VF/driver/unbind"
echo "$VF" >/sys/bus/pci/drivers_probe
is "$(syslink "$VF" driver)" vfio-pci "the kernel's truth: VF bound to vfio-pci"
is "$(res "$tmp/d.yaml" driver.binding "$VF")" pass "bound to vfio-pci: pass"
is "$(res "$tmp/d.yaml" numa.locality "$VF")" pass "VF on node 0 as the profile says"
printf 'devices:\n  - { match: { bdf: "%s" }, driver: vfio-pci, numa_node: 1 }\n' "$VF" >"$tmp/d1.yaml"
is "$(res "$tmp/d1.yaml" numa.locality "$VF")" fail "profile wants node 1: fail"
printf 'numa: { vm_cpus: "1" }\ndevices:\n  - { match: { bdf: "%s" }, driver: any }\n' "$VF" >"$tmp/c.yaml"
is "$(res "$tmp/c.yaml" numa.locality "$VF")" warn "VM CPU 1 (node 1) is remote to the node-0 VF: warn"
echo "$VF" >"$SYS_PCI/$VF/driver/unbind"
echo >"$SYS_PCI/$VF/driver_override"
sriov_set "$IGB_PF" 0

# hugepages on node 0: none reserved, then reserved through sysfs
printf 'hugepages:\n  - { size: 2M, node: 0, total: 4 }\n' >"$tmp/h.yaml"
is "$(cat /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages)" 0 "the kernel's truth: no 2M pages on node 0"
is "$(res "$tmp/h.yaml" numa.hugepages)" fail "no hugepages reserved: fail"
echo 4 >/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages
got=$(cat /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages)
if [ "$got" -ge 4 ]; then
	is "$(res "$tmp/h.yaml" numa.hugepages)" pass "4 pages reserved on node 0: pass"
else
	fail "the kernel reserved 4 hugepages on node 0" "it reserved $got (96 MiB node)"
fi
echo 0 >/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages

# irqbalance: not running in the guest
printf 'irqbalance: stopped\n' >"$tmp/i1.yaml"
printf 'irqbalance: running\n' >"$tmp/i2.yaml"
is "$(res "$tmp/i1.yaml" irq.irqbalance)" pass "irqbalance stopped as wanted"
is "$(res "$tmp/i2.yaml" irq.irqbalance)" fail "profile wants irqbalance running: fail"

# the command line: intel_iommu=on is there, iommu=pt is not
printf 'kernel: { cmdline: { require: [intel_iommu=on] } }\n' >"$tmp/k1.yaml"
printf 'kernel: { cmdline: { require: [iommu=pt] } }\n' >"$tmp/k2.yaml"
is "$(res "$tmp/k1.yaml" kernel.cmdline)" pass "intel_iommu=on required and present"
is "$(res "$tmp/k2.yaml" kernel.cmdline)" fail "iommu=pt required and absent"

# firmware allowlist: the igb driver's version is the kernel's (ethtool -i says it)
pfdev=$(ls "$SYS_PCI/$IGB_PF/net" | head -1)
ver=$(ethtool -i "$pfdev" | sed -n 's/^version: //p')
isnt "$ver" "" "ethtool -i reports the igb driver version ($ver)"
printf 'firmware:\n  - { driver: igb, versions: ["%s"] }\n' "$ver" >"$tmp/f1.yaml"
printf 'firmware:\n  - { driver: igb, versions: ["0.0.0-not-this"] }\n' >"$tmp/f2.yaml"
is "$(res "$tmp/f1.yaml" firmware.allowlist)" pass "the running igb version is allowed"
is "$(res "$tmp/f2.yaml" firmware.allowlist)" fail "a list without it fails"
like "$(pt check --profile "$tmp/f2.yaml" --json | jq -r '.checks[] | select(.id == "firmware.allowlist") | .evidence')" \
	"driver igb $ver" "the evidence quotes what ethtool reported"
rm -rf "$tmp"
test_done
