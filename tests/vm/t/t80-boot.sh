#!/bin/bash
# lab-topology: boot
# passthru boot's plan, booted: the topology's command line is what `passthru boot
# --dry-run` plans for the boot: section below (VT-d, iommu=pt, vfio-pci.ids taking the
# e1000e), and the kernel says so: /proc/cmdline holds every planned parameter, the
# e1000e is vfio-pci's in sysfs with no e1000e line for it in the kernel log, and the
# gate's boot.cmdline-applied and boot.vfio-early pass. Then the softdep passthru boot
# plans is proven on the running kernel: with the planned modprobe.d file, `modprobe
# e1000e` loads vfio-pci first and vfio-pci takes the device.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -n "$E1000E" ] || bail "no e1000e in this guest"
cat >"$tmp/host.yaml" <<'EOF'
boot:
  iommu: pt
  vfio:
    - { id: "8086:10d3" }
  vfio_ids: cmdline
EOF
pt boot --config "$tmp/host.yaml" --dry-run --json >"$tmp/plan.json" 2>"$tmp/err"
is "$?" 0 "boot --dry-run exits 0"
planned=$(jq -r .cmdline "$tmp/plan.json")
is "$planned" "intel_iommu=on iommu=pt vfio-pci.ids=8086:10d3" \
	"the plan: VT-d (the guest's DMAR table), iommu=pt, vfio-pci.ids of the e1000e"
is "$(jq -r '[.iommu_vendor, .vfio_pci, (.devices[0] | .bdf + " " + .method + " " + .host_driver)] | join(" ")' "$tmp/plan.json")" \
	"intel module $E1000E ids e1000e" "the facts it planned on: VT-d, vfio-pci a module, e1000e the host driver"

# the kernel's own truth
read -r cmdline </proc/cmdline
missing=""
for p in $planned; do
	case " $cmdline " in *" $p "*) ;; *) missing="$missing $p" ;; esac
done
is "$missing" "" "/proc/cmdline holds every planned parameter"
sys_link "$E1000E" driver
is "$REPLY" vfio-pci "sysfs: $E1000E is bound to vfio-pci"
dmesg >"$tmp/dmesg"
ok "the kernel log reaches back to the boot" grep -q "Linux version" "$tmp/dmesg"
refuses "the kernel log has no e1000e line for $E1000E" grep -q "e1000e $E1000E" "$tmp/dmesg"

# the gate says the same
pt check --profile "$tmp/host.yaml" --json >"$tmp/check.json" 2>"$tmp/err"
r() { jq -r --arg id "$1" '[.checks[] | select(.id == $id) | .result] | join(" ")' "$tmp/check.json"; }
is "$(r boot.cmdline-applied)" pass "check: boot.cmdline-applied passes"
is "$(r boot.vfio-early)" pass "check: boot.vfio-early passes"
like "$(jq -r '.checks[] | select(.id == "boot.vfio-early") | .evidence' "$tmp/check.json")" \
	"^bound to vfio-pci \\(sysfs\\); the kernel log from boot" "boot.vfio-early's evidence: sysfs and the log"

# a snapshot of this kernel plans the same: what boot read is in it
pt snapshot -o "$tmp/snap.tar.gz" >/dev/null 2>"$tmp/err"
is "$?" 0 "snapshot of the running kernel written"
"$PASSTHRU" --sysroot "$tmp/snap.tar.gz" boot --config "$tmp/host.yaml" --dry-run --json \
	>"$tmp/snapplan.json" 2>"$tmp/err"
q='[.cmdline, .loader, .vfio_pci, .iommu_vendor, (.devices[] | .bdf + " " + .method + " " + .host_driver)] | join(" | ")'
is "$(jq -r "$q" "$tmp/snapplan.json")" "$(jq -r "$q" "$tmp/plan.json")" \
	"boot --dry-run on the snapshot: the same parameters, loader, build and devices"
like "$(jq -r "$q" "$tmp/snapplan.json")" "^intel_iommu=on iommu=pt vfio-pci.ids=8086:10d3 [|] " \
	"... which are the planned ones"
# and lists every function as the running kernel shows it (identity, driver, NUMA,
# IOMMU group, link, MSI-X, ACS, AER, config space, netdevs, disks): the snapshot looked
# at this sysfs entry by entry, relative to each directory, with kernfs's entry types
pt list --json >"$tmp/live.json" 2>"$tmp/err"
"$PASSTHRU" --sysroot "$tmp/snap.tar.gz" list --json >"$tmp/snaplist.json" 2>"$tmp/err"
is "$(jq -c .functions "$tmp/snaplist.json")" "$(jq -c .functions "$tmp/live.json")" \
	"list on the snapshot: every function as on the running kernel"
is "$(jq '.functions | length' "$tmp/snaplist.json")" "$(ls /sys/bus/pci/devices | wc -l)" \
	"... all of /sys/bus/pci/devices"

# the planned softdep, on the running kernel: without vfio-pci loaded, modprobe e1000e
# must load vfio-pci first (with the command line's ids) and vfio-pci takes the device
jq -r '.steps[] | select(.path == "/etc/modprobe.d/passthru-vfio.conf") | .content' "$tmp/plan.json" >"$tmp/conf"
ok "the plan writes softdep e1000e pre: vfio-pci" grep -q "^softdep e1000e pre: vfio-pci$" "$tmp/conf"
mkdir -p /etc/modprobe.d
cp "$tmp/conf" /etc/modprobe.d/passthru-vfio.conf
modprobe -r vfio-pci e1000e 2>"$tmp/err"
sys_link "$E1000E" driver
is "$REPLY" "" "vfio-pci and e1000e unloaded: $E1000E has no driver"
modprobe e1000e 2>"$tmp/err"
sys_link "$E1000E" driver
is "$REPLY" vfio-pci "modprobe e1000e with the planned softdep: vfio-pci took $E1000E"
rm -f /etc/modprobe.d/passthru-vfio.conf
test_done
