#!/bin/bash
# lab-topology: default
# passthru vm on real QEMU processes inside the lab guest (the host's qemu-system-x86_64,
# shipped by build-guest in tests/vm/cache/qemu; TCG, paused with -S so they cost little):
#  vmA: an igb VF leased by `passthru assign` and started with the very -device arguments
#       `assign --format qemu` printed (vfio opens it through the emulated VT-d), pinned to
#       CPU 0 (node 0, the VF's node), guest RAM on 2 MiB hugepages bound to node 0 (4 MiB; node 1
#       when node 0 has none free, and then the memory finding must warn),
#       a virtio NIC beside the VF;
#  vmB: a second VF bound by hand (no lease), unpinned, anonymous memory, no CAP_IPC_LOCK
#       and a 4 MiB memlock limit;
#  vmD: the e1000e passed through whole, whose INTx line vfio requests at once.
# `passthru vm` must report each fact as the kernel shows it — checked here against
# /proc/PID/fd, task status, numa_maps, status, limits and /proc/interrupts; doctor names
# the holder; release refuses while vmA runs and succeeds once it exited; vmC leases a VF
# it does not hold, and gc releases its lease once it was killed. With PT_VM_FIXTURE=FILE the two VMs' process view is
# captured (snapshot --pid) for tests/data/vm-lab.
. "$(dirname "$0")/../lib.sh"

Q=$(cd "$(dirname "$0")/../cache/qemu" 2>/dev/null && pwd)
[ -n "$Q" ] && [ -x "$Q/bin/qemu-system-x86_64" ] || bail "no QEMU for the guest's VMs (build-guest makes tests/vm/cache/qemu)"
T=$(mktemp -d)
export PASSTHRU_STATE_DIR=$T/state
hp() { echo "/sys/devices/system/node/node$1/hugepages/hugepages-2048kB/nr_hugepages"; }
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	sleep 0.3
	umount /dev/hugepages 2>/dev/null
	echo 0 >"$(hp 0)" 2>/dev/null; echo 0 >"$(hp 1)" 2>/dev/null
	sriov_set "$IGB_PF" 0
}
trap cleanup EXIT

# qemu NAME ARGS...: a paused VM, daemonized; its pid in REPLY
qemu() {
	local name=$1; shift
	rm -f "$T/$name.pid"
	LD_LIBRARY_PATH=$Q/lib "$Q/bin/qemu-system-x86_64" -L "$Q/share" -S -nodefaults -display none \
		-accel tcg -monitor none -serial none -name "guest=$name,debug-threads=on" \
		-daemonize -pidfile "$T/$name.pid" "$@" 2>"$T/$name.err"
	local rc=$?
	REPLY=$(cat "$T/$name.pid" 2>/dev/null)
	[ $rc = 0 ] && [ -n "$REPLY" ] && PIDS+=("$REPLY")
	return $rc
}
# thread_cpus PID COMM: Cpus_allowed_list of PID's thread named COMM, in REPLY
thread_cpus() {
	local t c l
	REPLY=
	for t in /proc/$1/task/*; do
		[ -e "$t/comm" ] || continue
		read -r c <"$t/comm"
		[ "$c" = "$2" ] || continue
		while read -r l; do [[ $l == Cpus_allowed_list:* ]] && REPLY=${l##*[[:space:]]}; done <"$t/status"
	done
}
# status_kb PID FIELD: a kB field of /proc/PID/status
status_kb() {
	local k v u
	while read -r k v u; do [ "$k" = "$2:" ] && { REPLY=$v; return; }; done </proc/$1/status
	REPLY=
}

isnt "$IGB_PF" "" "igb PF present" || true
sys_netdevs "$IGB_PF"; IF=${REPLY%% *}
[ -n "$IF" ] && ip link set "$IF" up
ok "2 igb VFs (sriov_numvfs)" sriov_set "$IGB_PF" 2
sys_vfs "$IGB_PF"
cat >"$T/host.yaml" <<EOF
pools:
  net:
    vfs_of: [ { bdf: "$IGB_PF" } ]
EOF

# ---- vmA: leased VF, pinned, hugepages on node 0, virtio beside -----------------------------
pt assign vmA --config "$T/host.yaml" --pool net --numa 0 --mac 02:00:00:00:70:01 --format qemu \
	>"$T/vmA.args" 2>"$T/err"
is $? 0 "assign vmA --pool net --numa 0 --format qemu" || diag "$(cat "$T/err")"
mapfile -t dev_args < <(grep -- '^-device vfio-pci' "$T/vmA.args" | sed 's/^-device //')
is "${#dev_args[@]}" 1 "assign printed one -device vfio-pci line"
vf=${dev_args[0]#*host=}; vf=${vf%%,*}
sys_link "$vf" iommu_group; grp=$REPLY
sys_read "$vf" numa_node; is "$REPLY" 0 "$vf is on node 0"
# node 0 also holds the kernel and the initramfs: free and compact before reserving; when
# it still has no 2 free MiB-aligned pairs, the pages come from node 1 and the finding
# must say the memory is remote (the kernel decides which case this run tests)
HN=
for n in 0 0 0 1 1; do
	sync; echo 3 >/proc/sys/vm/drop_caches; echo 1 >/proc/sys/vm/compact_memory
	echo 2 >"$(hp $n)"
	read -r got <"$(hp $n)"
	[ "$got" = 2 ] && { HN=$n; break; }
	echo 0 >"$(hp $n)"
done
[ -n "$HN" ] || bail "no node has 2 free 2 MiB hugepages: $(grep MemFree /sys/devices/system/node/node*/meminfo)"
diag "2 x 2 MiB hugepages reserved on node $HN"
mkdir -p /dev/hugepages
grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts || mount -t hugetlbfs none /dev/hugepages
t0=$EPOCHREALTIME
taskset -c 0 true 2>/dev/null || bail "taskset missing in the guest"
rm -f "$T/vmA.pid"
LD_LIBRARY_PATH=$Q/lib taskset -c 0 "$Q/bin/qemu-system-x86_64" -L "$Q/share" -S -nodefaults \
	-display none -accel tcg -monitor none -serial none -name guest=vmA,debug-threads=on \
	-daemonize -pidfile "$T/vmA.pid" -m 4 \
	-object memory-backend-file,id=m0,size=4M,mem-path=/dev/hugepages,prealloc=on,share=on,host-nodes=$HN,policy=bind \
	-machine pc,memory-backend=m0 \
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0,id=net0,romfile= \
	-device "${dev_args[0]}" 2>"$T/vmA.err"
is $? 0 "QEMU starts with assign's -device ${dev_args[0]}" || diag "$(cat "$T/vmA.err")"
A=$(cat "$T/vmA.pid" 2>/dev/null)
[ -n "$A" ] && [ -d "/proc/$A" ] || bail "QEMU vmA did not start: $(cat "$T/vmA.err")"
PIDS+=("$A")
diag "vmA: pid $A, started in $(awk "BEGIN { printf \"%.2f\", $EPOCHREALTIME - $t0 }") s"

t0=$EPOCHREALTIME
J=$(pt vm vmA --json 2>"$T/err"); rc=$?
diag "passthru vm vmA took $(awk "BEGIN { printf \"%.2f\", $EPOCHREALTIME - $t0 }") s"
ok "passthru vm vmA runs (exit $rc)" test $rc -le 1 || diag "$(cat "$T/err")"
jq . <<<"$J" >"$T/vmA.json"
jv() { jq -r "$1" <<<"$J"; }
is "$(jv .pid)" "$A" "vm vmA: found by -name, pid $A (the pidfile's)"
fdv=$(ls -l /proc/$A/fd | grep -c " /dev/vfio/$grp\$")
is "$fdv" 1 "kernel: /proc/$A/fd holds /dev/vfio/$grp"
is "$(jv '.devices[] | select(.kind == "vf") | "\(.bdf) \(.pf) \(.iommu_group) \(.vfio_file) \(.lease_vm)"')" \
	"$vf $IGB_PF $grp /dev/vfio/$grp vmA" "vm: the VF $vf of $IGB_PF, group $grp, held through /dev/vfio/$grp, leased to vmA"
is "$(jv '.devices[] | select(.id == "net0") | "\(.kind) \(.backend)"')" "virtio user" "vm: net0 is virtio (user backend)"
thread_cpus "$A" "CPU 0/TCG"
is "$REPLY" 0 "kernel: thread 'CPU 0/TCG' may run on CPU 0 only"
is "$(jv '.threads[] | select(.vcpu == 0) | .cpus')" "$REPLY" "vm: vCPU 0 on CPUs $REPLY"
hl=$(grep ' huge ' /proc/$A/numa_maps | grep -o "N$HN=[0-9]*" | head -1)
is "$(jv ".memory.kb_per_node.hugetlbfs.\"$HN\"")" "$(( ${hl#N*=} * 2048 ))" \
	"vm: hugetlbfs kB on node $HN = numa_maps ($hl pages of 2 MiB)"
is "$(jv .memory.hugepage_kb)" 2048 "vm: 2 MiB hugepages"
like "$(grep ' huge ' /proc/$A/numa_maps | head -1)" "bind:$HN" "kernel: numa_maps policy bind:$HN"
is "$(jv .memory.hugepage_policy)" "bind:$HN" "vm: memory policy bind:$HN"
status_kb "$A" VmLck
is "$(jv .memory.vm_lck_kb)" "$REPLY" "vm: VmLck $REPLY kB as /proc/$A/status (VFIO pinned the guest RAM)"
ok "kernel: VmLck covers most of the 4 MiB guest RAM" test "$REPLY" -ge 3500
lim=$(awk '/^Max locked memory/ { print $4 }' /proc/$A/limits)
is "$(jv .memory.memlock_limit_bytes)" "$lim" "vm: memlock limit $lim as /proc/$A/limits"
is "$(jv .memory.cap_ipc_lock)" true "vm: QEMU runs as root: CAP_IPC_LOCK"
nirq=$(grep -c "vfio-msi.*($vf)" /proc/interrupts)
is "$(jv "[.devices[] | select(.kind == \"vf\") | .interrupts[]] | length")" "$nirq" \
	"vm: $nirq vfio interrupts, as /proc/interrupts (paused guest: MSI-X not enabled)"
res() { jv "[.checks[] | select(.id == \"$1\") | .result] | join(\" \")"; }
is "$(res vm.vcpu.pinning)" pass "finding vm.vcpu.pinning: pass (vCPU on CPU 0)"
is "$(res vm.numa.cpus)" pass "finding vm.numa.cpus: pass (CPU 0 on the VF's node 0)"
if [ "$HN" = 0 ]; then
	is "$(res vm.numa.memory)" pass "finding vm.numa.memory: pass (hugepages on node 0, the VF's)"
else
	is "$(res vm.numa.memory)" warn "finding vm.numa.memory: warn (hugepages on node 1, the VF on node 0)"
fi
is "$(res vm.memory.hugepages)" pass "finding vm.memory.hugepages: pass"
is "$(res vm.memory.locked)" pass "finding vm.memory.locked: pass"
is "$(res vm.net.failover)" warn "finding vm.net.failover: warn (a VF and virtio, no failover pair)"
is "$(res vm.lease)" pass "finding vm.lease: pass (leased to vmA)"
D=$(pt doctor "$vf" --json 2>/dev/null)
like "$(jq -r '.checks[] | select(.id == "device.holder") | .evidence' <<<"$D")" "process $A \\(qemu-system-x86\\), VM vmA" \
	"doctor $vf: held by process $A, VM vmA"

# ---- vmB: a VF bound by hand, unpinned, anonymous memory, and without CAP_IPC_LOCK: a
# memlock limit that holds the RAM but not RAM + BARs ---------------------------------------
vf2=${SYS_VFS[0]}; [ "$vf2" = "$vf" ] && vf2=${SYS_VFS[1]}
ok "$vf2 bound to vfio-pci by hand" bind_vfio "$vf2"
t0=$EPOCHREALTIME
( ulimit -l 4096 && exec setpriv --bounding-set -ipc_lock env LD_LIBRARY_PATH="$Q/lib" \
	"$Q/bin/qemu-system-x86_64" -L "$Q/share" -S -nodefaults -display none -accel tcg \
	-monitor none -serial none -name guest=vmB,debug-threads=on -daemonize \
	-pidfile "$T/vmB.pid" -m 4 -device vfio-pci,host="$vf2",id=hostdev0 ) 2>"$T/vmB.err"
is $? 0 "QEMU vmB starts with $vf2, unpinned, without CAP_IPC_LOCK, memlock 4 MiB" ||
	bail "QEMU vmB: $(cat "$T/vmB.err")"
B=$(cat "$T/vmB.pid" 2>/dev/null); PIDS+=("$B")
diag "vmB: pid $B, started in $(awk "BEGIN { printf \"%.2f\", $EPOCHREALTIME - $t0 }") s"
J=$(pt vm "$B" --json 2>"$T/err"); rc=$?
jq . <<<"$J" >"$T/vmB.json"
is "$(jv .name)" vmB "vm $B: the VM's name from -name"
thread_cpus "$B" "CPU 0/TCG"
is "$(jv '.threads[] | select(.vcpu == 0) | .cpus')" "$REPLY" "vm: vCPU 0 may run on CPUs $REPLY, as the kernel says"
is "$(res vm.vcpu.pinning)" warn "finding vm.vcpu.pinning: warn (floating over CPUs $REPLY)"
is "$(res vm.numa.cpus)" warn "finding vm.numa.cpus: warn (vCPUs on nodes 0,1)"
is "$(res vm.memory.hugepages)" warn "finding vm.memory.hugepages: warn (4 KiB pages)"
like "$(jv '.checks[] | select(.id == "vm.lease") | .evidence')" "without a passthru lease" \
	"finding vm.lease: $vf2 held without a lease"
lim=$(awk '/^Max locked memory/ { print $4 }' /proc/$B/limits)
is "$(jv .memory.memlock_limit_bytes)" "$lim" "vm: memlock limit $lim as /proc/$B/limits"
capeff=$(awk '/^CapEff/ { print $2 }' /proc/$B/status)
want=false; [ $(( (16#$capeff >> 14) & 1 )) = 1 ] && want=true
is "$(jv .memory.cap_ipc_lock)" "$want" "vm: CAP_IPC_LOCK $want, as CapEff $capeff says"
is "$want" false "kernel: setpriv dropped CAP_IPC_LOCK (CapEff $capeff)"
is "$(res vm.memlock)" fail "finding vm.memlock: fail (4 MiB of RAM + the VF's BARs > 4 MiB)"
is "$rc" 1 "passthru vm vmB exits 1"
if [ -n "${PT_VM_FIXTURE:-}" ]; then
	pt snapshot -o "$PT_VM_FIXTURE" --pid "$A" --pid "$B" >/dev/null
	ok "snapshot --pid of vmA and vmB into $PT_VM_FIXTURE" test -s "$PT_VM_FIXTURE"
fi
kill "$B"

# ---- vmD: a whole function (the e1000e), whose INTx vfio enables when QEMU realizes it ----
if [ -n "$E1000E" ] && bind_vfio "$E1000E"; then
	qemu vmD -m 4 -device vfio-pci,host="$E1000E",id=hostdev0
	is $? 0 "QEMU vmD starts with the whole e1000e $E1000E" || diag "$(cat "$T/vmD.err")"
	Dp=$REPLY
	J=$(pt vm vmD --json 2>"$T/err")
	is "$(jv '.devices[0] | "\(.kind) \(.bdf)"')" "passthrough $E1000E" "vm: the e1000e is passed through whole"
	line=$(grep "vfio-intx($E1000E)" /proc/interrupts)
	irq=${line%%:*}; irq=${irq// /}
	isnt "$irq" "" "kernel: /proc/interrupts has vfio-intx($E1000E) (IRQ $irq)"
	read -r eff </proc/irq/$irq/effective_affinity_list
	is "$(jv '.devices[0].interrupts[] | "\(.irq) \(.name) \(.cpus)"')" "$irq vfio-intx $eff" \
		"vm: IRQ $irq vfio-intx on CPU $eff, as /proc/irq/$irq/effective_affinity_list"
	kill "$Dp"
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -d /proc/$Dp ] || break; sleep 0.2; done
	ok "$E1000E back to e1000e" unbind_vfio "$E1000E"
else
	fail "the e1000e can be bound to vfio-pci" "${E1000E:-no e1000e}"
fi

# ---- release and gc ----------------------------------------------------------------------
R=$(pt release vmA --json 2>"$T/err")
is $? 1 "release vmA while QEMU holds the VF: exit 1"
is "$(jq -r '.devices[0] | "\(.result) \(.holder_pid)"' <<<"$R")" "in-use $A" "release: in use by QEMU $A"
kill "$A"
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -d /proc/$A ] || break; sleep 0.2; done
R=$(pt release vmA --json 2>"$T/err")
is $? 0 "release vmA once QEMU exited" || diag "$(cat "$T/err")" "$R"
pt assign vmC --config "$T/host.yaml" --pool net --numa 0 --format qemu >"$T/vmC.args" 2>"$T/err"
is $? 0 "assign vmC" || diag "$(cat "$T/err")"
mapfile -t dev_args < <(grep -- '^-device vfio-pci' "$T/vmC.args" | sed 's/^-device //')
qemu vmC -m 4
is $? 0 "QEMU vmC starts, without the VF it leased" || diag "$(cat "$T/vmC.err")"
J=$(pt vm vmC --json 2>"$T/err")
cvf=${dev_args[0]#*host=}; cvf=${cvf%%,*}
like "$(jv '.checks[] | select(.id == "vm.lease") | "\(.result) \(.device) \(.evidence)"')" \
	"^warn $cvf .*leased to vmC, but process $REPLY does not hold it" \
	"finding vm.lease: vmC's lease on $cvf, which its QEMU does not hold"
C=$REPLY
printf '#!/bin/sh\n%s vm "$1" >/dev/null 2>&1; [ $? -ne 2 ]\n' "$PASSTHRU" >"$T/alive"
chmod +x "$T/alive"
pt gc --vm-alive "$T/alive" --min-age 0 >/dev/null 2>&1
is "$(pt leases --json | jq -r '[.leases[].vm] | join(" ")')" vmC "gc: vmC runs, its lease kept"
kill -9 "$C"
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -d /proc/$C ] || break; sleep 0.2; done
pt gc --vm-alive "$T/alive" --min-age 0 --json >"$T/gc" 2>"$T/err"
is $? 0 "gc after vmC was killed" || diag "$(cat "$T/err")"
is "$(pt leases --json | jq '.leases | length')" 0 "gc released the lease of the killed vmC"
ok "$vf2 back to its driver" unbind_vfio "$vf2"
test_done
