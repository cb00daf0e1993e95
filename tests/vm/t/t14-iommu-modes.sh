#!/bin/bash
# lab-topology: noiommu pt nointremap
# IOMMU groups under other IOMMU set-ups: none at all (no groups, every function's
# group null), passthrough default domain and VT-d without interrupt remapping (groups
# as the kernel has them).
. "$(dirname "$0")/../lib.sh"

pt_rescan
units=""
for u in /sys/class/iommu/*; do [ -e "$u" ] && units="$units ${u##*/}"; done
groups=0
for g in /sys/kernel/iommu_groups/*; do [ -e "$g" ] && groups=$((groups + 1)); done
read -r cmdline </proc/cmdline

case " $cmdline " in
*" intel_iommu=on "*)
	like "$units" dmar "intel_iommu=on: the kernel has a DMAR unit"
	like "$groups" '^[1-9]' "intel_iommu=on: the kernel made groups ($groups)"
	;;
*)
	is "$units" "" "no intel-iommu device: no IOMMU unit in /sys/class/iommu"
	is "$groups" 0 "no intel-iommu device: no IOMMU groups"
	;;
esac
case " $cmdline " in
*" iommu=pt "*)
	t=""
	for g in /sys/kernel/iommu_groups/*; do read -r t <"$g/type"; break; done
	is "$t" identity "iommu=pt: the groups' default domain is identity"
	;;
esac
if dmesg | grep -q 'Enabled IRQ remapping'; then ir=on; else ir=off; fi

n=0
sys_bdfs
for d in $REPLY; do
	sys_link "$d" iommu_group; orn "$REPLY"
	is "${PT[$d iommu_group]}" "$REPLY" "$d: iommu_group $REPLY as the kernel's link"
	n=$((n + 1))
done
like "$n" '^[1-9]' "functions checked: $n"
diag "interrupt remapping $ir; command line: $cmdline"

test_done
