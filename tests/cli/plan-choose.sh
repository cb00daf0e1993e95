#!/bin/sh
# passthru plan choose on the dual-socket (IOMMU on, one SR-IOV PF) and noiommu fixtures:
# the recommendation for each need, the blockers the host shows, the exit status.
# TAP on stdout. Usage: plan-choose.sh FIXTURES_DIR. Environment: PASSTHRU_BIN.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
FIX=${1:?usage: plan-choose.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-plan-choose-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"

choose() { fx=$1; shift; "$P" --sysroot "$FIX/$fx" plan choose "$@"; }
jv() { jq -r "$1" "$T/out"; }

choose dual-socket --sharing --json >"$T/out" 2>"$T/err"
is $? 0 "dual-socket, sharing: exit 0"
is "$(jv .recommendation)" sriov-vf "dual-socket, sharing: a VF"
is "$(jv '"\(.facts.dma_remapping) \(.facts.sriov_pfs)"')" "true 1" "facts: DMA remapping, one PF"
is "$(jv '.steps[0]')" "passthru plan sriov PF COUNT: the VF count the kernel accepts" \
	"the first step plans the VFs"

choose dual-socket --migration --json >"$T/out"
is "$(jv .recommendation)" vf-with-virtio-failover "migration: a VF with a virtio pair"

choose noiommu --device-features --json >"$T/out"
is $? 1 "noiommu, device features: exit 1 (blocked)"
is "$(jv '"\(.wanted) \(.recommendation)"')" "passthrough virtio" "passthrough wanted, virtio given"
is "$(jv '.options[] | select(.model == "passthrough") | .blockers[0]')" \
	"no IOMMU translating DMA: passthrough and VFs are blocked (passthru check: iommu.dma-remapping)" \
	"the blocker names the missing IOMMU"
is "$(jv '.options[] | select(.model == "sriov-vf") | .blockers[0:2] | join("; ")')" \
	"no IOMMU translating DMA: VFs are assigned like devices; no SR-IOV capable device on this host" \
	"VFs: no IOMMU, no SR-IOV device"

choose noiommu --device-features >"$T/out"
grep -q '^recommended: virtio$' "$T/out"
ok $? "human: the recommendation"
grep -q '^  passthrough  *blocked$' "$T/out"
ok $? "human: passthrough blocked"
grep -q '^    - no SR-IOV capable device on this host$' "$T/out"
ok $? "human: every blocker is shown"

choose dual-socket --tenancy some >/dev/null 2>"$T/err"
is $? 2 "--tenancy some: exit 2"
choose dual-socket --device 0000:ff:00.0 --sharing --json >"$T/out"
is "$(jv '.options[] | select(.model == "sriov-vf") | .blockers[0]')" \
	"device 0000:ff:00.0 is not on this host" "--device not on the host"
tap_done
