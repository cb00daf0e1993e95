#!/bin/bash
# lab-topology: default
# NUMA locality: each function's node and local CPUs are the kernel's; devices behind
# a pxb-pcie expander are on its node, those on pcie.0 have none, VFs share their
# PF's node.
. "$(dirname "$0")/../lib.sh"

trap 'echo 0 >"$SYS_PCI/$IGB_PF/sriov_numvfs" 2>/dev/null' EXIT
nodes=0
for n in /sys/devices/system/node/node[0-9]*; do nodes=$((nodes + 1)); done
is "$nodes" 2 "the guest has 2 NUMA nodes"
ok "echo 1 > sriov_numvfs on the igb PF" sriov_set "$IGB_PF" 1
sys_vfs "$IGB_PF"
vf=${SYS_VFS[0]}

pt_rescan
sys_bdfs
for d in $REPLY; do
	sys_numa "$d"
	is "${PT[$d numa_node]}" "$REPLY" "$d: numa_node $REPLY as sysfs"
	sys_read "$d" local_cpulist; orn "$REPLY"
	is "${PT[$d local_cpus]}" "$REPLY" "$d: local_cpus $REPLY as local_cpulist"
done

read -r cpus0 </sys/devices/system/node/node0/cpulist
read -r cpus1 </sys/devices/system/node/node1/cpulist
is "${PT[$IGB_PF numa_node]}" 0 "igb PF behind the node-0 expander: node 0"
is "${PT[$IGB_PF local_cpus]}" "$cpus0" "igb PF: node 0's CPUs ($cpus0)"
is "${PT[$NVME_SRIOV_PF numa_node]}" 1 "SR-IOV NVMe behind the node-1 expander: node 1"
is "${PT[$NVME_SRIOV_PF local_cpus]}" "$cpus1" "SR-IOV NVMe: node 1's CPUs ($cpus1)"
is "${PT[$NVME_PLAIN numa_node]}" null "plain NVMe on pcie.0: no node"
is "${PT[$E1000E numa_node]}" null "e1000e on pcie.0: no node"
is "${PT[$vf numa_node]}" "${PT[$IGB_PF numa_node]}" "VF $vf: the PF's node"
is "${PT[$vf local_cpus]}" "${PT[$IGB_PF local_cpus]}" "VF $vf: the PF's CPUs"

test_done
