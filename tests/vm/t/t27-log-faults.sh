#!/bin/bash
# lab-topology: faults
# Real faults for passthru log to count: PCIe AER errors of every severity injected
# into the igb PF (aer_inject), and DMA the IOMMU refuses, from the plain NVMe
# controller told (by hand, driver unbound) to fetch a command at an unmapped IOVA.
. "$(dirname "$0")/../lib.sh"

IGB=0000:21:00.0 NVME=0000:00:05.0
ko=$(ls "$LAB_TOP"/tests/vm/cache/kernel-*/x/lib/modules/"$(uname -r)"/kernel/drivers/pci/pcie/aer_inject.ko 2>/dev/null | head -1)
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
inject() { # UNCOR COR: struct aer_error_inj for bus 0x21 dev 0 fn 0, domain 0
	printf '%b' "\\x21\\x00\\x00\\x00$(le32 $1)$(le32 $2)$(le32 0)$(le32 0)$(le32 0)$(le32 0)$(le32 0)" >/dev/aer_inject
}
ok "aer_inject loads ($ko)" insmod "$ko"
ok "inject a corrected RxErr" inject 0 0x1
sleep 1
ok "inject a corrected BadTLP" inject 0 0x40
sleep 1
ok "inject an uncorrected non-fatal UR" inject 0x100000 0
sleep 3
ok "inject an uncorrected fatal Malformed TLP" inject 0x40000 0
sleep 4

# the NVMe controller fetches its admin queue from IOVA 0x1000, which nothing mapped
echo $NVME >/sys/bus/pci/devices/$NVME/driver/unbind
read -r bar _ </sys/bus/pci/devices/$NVME/resource
setpci -s $NVME COMMAND=0x6
b=$((bar))
devmem $((b + 0x14)) 32 0                 # CC: disable
devmem $((b + 0x24)) 32 0x000f000f        # AQA
devmem $((b + 0x28)) 64 0x1000            # ASQ
devmem $((b + 0x30)) 64 0x2000            # ACQ
devmem $((b + 0x14)) 32 0x00460001        # CC: enable
sleep 1
devmem $((b + 0x1000)) 32 1               # SQ0 tail doorbell: fetch
sleep 2
devmem $((b + 0x1000)) 32 2
sleep 2

out=$(pt log --json)
is "$?" 0 "passthru log exits 0"
IFS=$'\t' read -r nf fdev fcount fkind freason na adev acount asev <<<"$(printf '%s' "$out" | jq -r \
	'[(.faults|length), .faults[0].device, .faults[0].count, .faults[0].kind, .faults[0].reason,
	  (.aer|length), .aer[0].device, .aer[0].count, .aer[0].severity] | @tsv')"
is "$nf" 1 "one faulting device"
is "$fdev" $NVME "the fault is the NVMe controller's, as a full BDF"
is "$fcount" "$(dmesg | grep -c 'Request device \[00:05.0\]')" "one count per fault line the kernel printed"
is "$fkind" dmar "kind dmar"
is "$freason" "PTE Read access is not set" "reason as the kernel gave it"
is "$na" 1 "one device with AER errors (not the root port that reported them)"
is "$adev" $IGB "the igb PF"
is "$acount" 4 "four errors, though each printed a source line and a detail line"
is "$asev" fatal "the worst severity"
like "$(cat /sys/bus/pci/devices/$IGB/aer_dev_correctable)" "TOTAL_ERR_COR 2" "the kernel's truth: 2 corrected"

# the gate on the same host: the faults and the fatal AER error each fail it, per device
chk=$(pt check --json)
is "$?" 1 "check fails on a host with DMA faults and a fatal AER error"
cr() { printf '%s' "$chk" | jq -r --arg id "$1" --arg d "$2" '[.checks[] | select(.id == $id and .device == $d) | .result] | join(",")'; }
is "$(cr kernel-log.iommu-faults $NVME)" fail "kernel-log.iommu-faults names the NVMe controller"
like "$(printf '%s' "$chk" | jq -r '.checks[] | select(.id == "kernel-log.iommu-faults") | .evidence')" \
	"PTE Read access is not set" "the fault's reason is the evidence"
like "$(cr pcie.aer $IGB)" "fail" "pcie.aer fails for the igb PF (fatal error)"
is "$(pt doctor $IGB --json | jq -r '[.checks[] | select(.id == "pcie.aer") | .result] | if index("fail") then "fail" else "none" end')" fail \
	"doctor on the igb PF reports its AER errors"
test_done
