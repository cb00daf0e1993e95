#!/bin/bash
# lab-topology: default noiommu
# Inventory: every PCI function the kernel has is listed once, with the IDs, class,
# driver, reset methods, kind, netdevs and disks the kernel reports (sysfs and lspci,
# read here independently of passthru).
. "$(dirname "$0")/../lib.sh"

pt_rescan
sys_bdfs
is "$PT_BDFS" "$REPLY" "list --json has exactly the functions in $SYS_PCI"
declare -A LSDRV=()
lsbdfs=()
while read -r b drv; do
	lsbdfs+=("$b")
	LSDRV[$b]=$drv
done < <(lspci -D -k | awk '/^[0-9a-f]/ { if (b) print b, d; b = $1; d = "" }
	/^\tKernel driver in use:/ { d = $5 } END { if (b) print b, d }')
sorted "${lsbdfs[@]}"
is "$PT_BDFS" "$REPLY" "list --json has exactly the functions lspci -D shows"

sys_bdfs
for d in $REPLY; do
	sys_hex "$d" vendor; want=$REPLY
	sys_hex "$d" device; want="$want $REPLY"
	sys_hex "$d" class; want="$want $REPLY"
	sys_hex "$d" subsystem_vendor; want="$want $REPLY"
	sys_hex "$d" subsystem_device; want="$want $REPLY"
	is "${PT[$d vendor_id]} ${PT[$d device_id]} ${PT[$d class]} ${PT[$d subsystem_vendor_id]} ${PT[$d subsystem_device_id]}" \
		"$want" "$d: vendor, device, class, subsystem IDs as sysfs ($want)"
	sys_link "$d" driver; orn "$REPLY"
	is "${PT[$d driver]}" "$REPLY" "$d: driver '$REPLY' as the driver link"
	orn "${LSDRV[$d]:-}"
	is "${PT[$d driver]}" "$REPLY" "$d: driver as lspci -k"
	sys_read "$d" reset_method; orn "$REPLY"
	is "${PT[$d reset_methods]}" "$REPLY" "$d: reset methods '$REPLY' as reset_method"
	kind=function
	[ -e "$SYS_PCI/$d/sriov_totalvfs" ] && kind=pf
	[ -e "$SYS_PCI/$d/physfn" ] && kind=vf
	is "${PT[$d kind]}" "$kind" "$d: kind $kind"
	sys_netdevs "$d"; want=$REPLY
	sorted ${PT[$d netdevs]}
	is "$REPLY" "$want" "$d: netdevs '$want' as net/"
	# disks: the namespaces under the function's nvme controllers; with native
	# multipath the path node nvmeXcYnZ stands for the visible disk nvmeXnZ
	disks=()
	for n in "$SYS_PCI/$d"/nvme/nvme*/nvme*n*; do
		[ -e "$n" ] || continue
		n=${n##*/}
		[[ $n =~ p[0-9]+$ ]] && continue
		[[ $n =~ ^(nvme[0-9]+)c[0-9]+(n[0-9]+)$ ]] && n=${BASH_REMATCH[1]}${BASH_REMATCH[2]}
		disks+=("$n")
	done
	sorted "${disks[@]}"; want=$REPLY
	sorted ${PT[$d blockdevs]}
	is "$REPLY" "$want" "$d: blockdevs '$want' as the nvme namespaces in sysfs"
done

# the lab topology's devices are where the QEMU command line put them
isnt "$IGB_PF" "" "igb (82576) PF present"
isnt "$E1000E" "" "e1000e present"
isnt "$NVME_SRIOV_PF" "" "SR-IOV NVMe PF present"
isnt "$NVME_PLAIN" "" "plain NVMe present"
is "${PT[$IGB_PF driver]}" igb "igb PF bound to igb"
is "${PT[$IGB_PF kind]}" pf "igb is an SR-IOV PF"
is "${PT[$E1000E driver]}" e1000e "e1000e bound to e1000e"
is "${PT[$E1000E kind]}" function "e1000e is not an SR-IOV PF"
is "${PT[$NVME_PLAIN kind]}" function "the plain NVMe is not an SR-IOV PF"
isnt "${PT[$NVME_PLAIN blockdevs]}" "" "the plain NVMe has its disk"
isnt "${PT[$IGB_PF netdevs]}" "" "the igb PF has its interface"

# --class: the functions whose class the kernel gives as network (02) or storage (01)
for c in net:02 storage:01; do
	l=()
	sys_bdfs
	for d in $REPLY; do
		sys_read "$d" class
		[ "${REPLY:2:2}" = "${c#*:}" ] && l+=("$d")
	done
	is "$(pt list --class "${c%%:*}" --json | jq -r '[.functions[].bdf] | join(" ")')" "${l[*]}" \
		"list --class ${c%%:*}: the functions of class ${c#*:}xxxx"
done

# show agrees with list, and finds a function by its interface name
pt_load_show "$IGB_PF"
for k in bdf driver numa_node local_cpus iommu_group kind sriov.total_vfs reset_methods netdevs; do
	is "${SHOW[$k]-<absent>}" "${PT[$IGB_PF $k]}" "show and list agree on the igb PF's $k"
done
ifname=${PT[$IGB_PF netdevs]%% *}
is "$(pt show "$ifname" --json | jq -r .bdf)" "$IGB_PF" "show $ifname finds the igb PF by its interface"
refuses "show of a function that does not exist fails" pt show 0000:7f:1f.7

test_done
