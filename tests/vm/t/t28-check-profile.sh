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

# hugepages on node 1: none reserved, then one reserved through sysfs (a 96 MiB node
# cannot always spare more)
hp=/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages
printf 'hugepages:\n  - { size: 2M, node: 1, total: 1 }\n' >"$tmp/h.yaml"
is "$(cat $hp)" 0 "the kernel's truth: no 2M pages on node 1"
is "$(res "$tmp/h.yaml" numa.hugepages)" fail "no hugepages reserved: fail"
sync
echo 3 >/proc/sys/vm/drop_caches
echo 1 >/proc/sys/vm/compact_memory 2>/dev/null
echo 1 >$hp
if [ "$(cat $hp)" -ge 1 ]; then
	is "$(res "$tmp/h.yaml" numa.hugepages)" pass "1 page reserved on node 1: pass"
else
	fail "the kernel reserved a hugepage on node 1" "it reserved none (memory fragmented?)"
fi
echo 0 >$hp

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
# a profile's minimum link: emulated endpoints train at 2.5 GT/s x1 (the kernel's truth)
is "$(sysattr "$IGB_PF" current_link_speed) x$(sysattr "$IGB_PF" current_link_width)" "2.5 GT/s PCIe x1" \
	"the kernel's truth: igb negotiated 2.5 GT/s x1"
printf 'devices:\n  - { match: { bdf: "%s" }, driver: any, link: { speed: "2.5 GT/s", width: 1 } }\n' "$IGB_PF" >"$tmp/l1.yaml"
printf 'devices:\n  - { match: { bdf: "%s" }, driver: any, link: { speed: "8 GT/s", width: 8 } }\n' "$IGB_PF" >"$tmp/l2.yaml"
is "$(res "$tmp/l1.yaml" pcie.link "$IGB_PF")" pass "link at the profile's minimum: pass"
is "$(res "$tmp/l2.yaml" pcie.link "$IGB_PF")" fail "profile wants 8 GT/s x8: fail"

# a device the profile names that the host lacks
printf 'devices:\n  - { match: { bdf: "0000:7f:1f.7" } }\n' >"$tmp/p.yaml"
is "$(res "$tmp/p.yaml" device.present)" fail "a missing profile device fails device.present"

# MSI-X vectors of the e1000e (rx, tx, other): spread over both CPUs, then all on CPU 0
# (/proc/irq/N appears when the driver requests them: the interface must be up)
ip link set "$(ls "$SYS_PCI/$E1000E/net" | head -1)" up
irqs=$(ls "$SYS_PCI/$E1000E/msi_irqs")
is "$(echo $irqs | wc -w)" 3 "the kernel's truth: e1000e has 3 MSI-X vectors"
i=0
for q in $irqs; do echo $((i % 2)) >/proc/irq/$q/smp_affinity_list; i=$((i + 1)); done
printf 'severity: { irq_affinity: fail }\n' >"$tmp/q.yaml"
is "$(pt check --profile "$tmp/q.yaml" --json | jq -r --arg d "$E1000E" '[.checks[] | select(.id == "irq.affinity" and .device == $d)] | length')" 0 \
	"vectors on both CPUs: no irq.affinity finding for the e1000e"
for q in $irqs; do echo 0 >/proc/irq/$q/smp_affinity_list; done
is "$(cat /proc/irq/$(echo $irqs | cut -d' ' -f1)/effective_affinity_list)" 0 "the kernel's truth: vectors now on CPU 0"
is "$(res "$tmp/q.yaml" irq.affinity "$E1000E")" fail "all vectors on one CPU: irq.affinity fails (severity fail)"
for q in $irqs; do echo 0-1 >/proc/irq/$q/smp_affinity_list; done
rm -rf "$tmp"
test_done
