#!/bin/bash
# lab-topology: default
# Where a function hangs and what it holds: show's root bus and upstream ports are the
# directories above it in /sys/devices, and the MSI/MSI-X vectors passthru counts
# and lists are the kernel's msi_irqs/.
. "$(dirname "$0")/../lib.sh"

trap 'echo 0 >"$SYS_PCI/$IGB_PF/sriov_numvfs" 2>/dev/null' EXIT
ok "echo 1 > sriov_numvfs on the igb PF" sriov_set "$IGB_PF" 1
sys_vfs "$IGB_PF"
vf=${SYS_VFS[0]}

pt_rescan
# vectors: every function, from the list
for d in $PT_BDFS; do
	n=0
	for i in "$SYS_PCI/$d"/msi_irqs/*; do [ -e "$i" ] && n=$((n + 1)); done
	is "${PT[$d msix.allocated_irqs]}" "$n" "$d: $n MSI/MSI-X vectors as msi_irqs/"
done

# the path: /sys/devices/pci0000:20/0000:20:00.0/0000:21:00.0 -> root pci0000:20,
# upstream 0000:20:00.0 (nearest first)
for d in "$IGB_PF" "$vf" "$NVME_SRIOV_PF" "$NVME_PLAIN" "$E1000E"; do
	here=$PWD
	cd -P "$SYS_PCI/$d" && real=$PWD
	cd "$here" || exit 1
	rel=${real#/sys/devices/}
	root=${rel%%/*}
	ups=()
	IFS=/ read -ra comps <<<"${rel#*/}"
	for ((i = ${#comps[@]} - 2; i >= 0; i--)); do ups+=("${comps[i]}"); done
	pt_load_show "$d" || continue
	is "${SHOW[root]}" "$root" "$d: root bus $root"
	is "$(jq -r '[.upstream[].bdf] | join(" ")' <<<"$SHOW_JSON")" "${ups[*]}" \
		"$d: upstream '${ups[*]}' as its sysfs path"
	l=()
	for i in "$SYS_PCI/$d"/msi_irqs/*; do [ -e "$i" ] && l+=("${i##*/}"); done
	sorted "${l[@]}"; want=$REPLY
	sorted ${SHOW[msi_irqs]}
	is "$REPLY" "$want" "$d: msi_irqs '$want'"
done
like "${SHOW[root]:-}" '^pci0000:' "a root bus name looks like pciDDDD:BB"

test_done
