#!/bin/bash
# passthru assign's VFIO path, in the user's words, on a copy of the dual-socket fixture
# (the i40e PF's VFs on vfio-pci, as tests/cli/assign.sh sets it up): the group/container
# form unless the kernel (/dev/iommu, vfio-dev/vfioN and its /dev/vfio/devices node) and
# the VM manager (QEMU's -object help; virsh --version for libvirt) both allow iommufd;
# --vfio-backend forces either, warning against the evidence; a VF of a PF on vfio-pci
# asks for the VF token. QEMU and virsh are stand-ins (PASSTHRU_QEMU, PASSTHRU_VIRSH).
# TAP on stdout. Usage: vfio-backend.sh FIXTURES_DIR.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
SRC=${PASSTHRU_TOP_SRCDIR:?PASSTHRU_TOP_SRCDIR must name the source tree}
FIX=${1:?usage: vfio-backend.sh FIXTURES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-vfio-backend-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"
like() { # like FILE REGEX DESCRIPTION
	grep -Eq -- "$2" "$1"
	ok $? "$3"
	grep -Eq -- "$2" "$1" || sed 's/^/#   /' "$1" | head -n 12
}
unlike() { ! grep -Eq -- "$2" "$1"; ok $? "$3"; }

R="$T/root"
cp -a "$FIX/dual-socket" "$R" || { echo "not ok 1 - the dual-socket fixture is in $FIX"; echo "1..1"; exit 1; }
k=0
for v in 0000:18:02.0 0000:18:02.1 0000:18:02.3; do
	d=$(readlink -f "$R/sys/bus/pci/devices/$v")
	t=$(readlink "$d/driver") && ln -sfn "${t%/*}/vfio-pci" "$d/driver" && rm -rf "$d/net"
	mkdir -p "$d/vfio-dev/vfio$k"
	k=$((k + 1))
done
mkdir -p "$R/etc/passthru" "$R/dev/vfio"
cat >"$R/etc/passthru/host.yaml" <<'EOF'
pools:
  net:
    vfs_of: [ { bdf: "0000:18:00.0" } ]
EOF
export PASSTHRU_STATE_DIR="$T/state"
pt() { "$P" --sysroot "$R" "$@"; }
# the stand-ins: a QEMU with or without the iommufd object, a libvirt of a version
printf '#!/bin/sh\nprintf "List of user creatable objects:\\n  authz-list\\n%%b  iothread\\n" "$QEMU_HAS"\n' >"$T/qemu"
printf '#!/bin/sh\necho "$VIRSH_VERSION"\n' >"$T/virsh"
chmod +x "$T/qemu" "$T/virsh"
export PASSTHRU_QEMU="$T/qemu" PASSTHRU_VIRSH="$T/virsh" QEMU_HAS='  iommufd\n' VIRSH_VERSION=9.0.0

# 1. the kernel cannot: no /dev/iommu
pt assign vm1 --pool net --dry-run --format qemu >"$T/out" 2>"$T/err"
ok $? "assign --format qemu on a host without /dev/iommu"
like "$T/out" "^# vfio: legacy \(group/container\): no /dev/iommu" "legacy, and why: no /dev/iommu"
unlike "$T/out" "^-object|iommufd=" "no iommufd in the arguments"
like "$T/out" "^-device vfio-pci,host=0000:18:02\.0,id=hostdev0$" "the group/container form"

# 2. /dev/iommu, but the VF's cdev node is missing (no VFIO_DEVICE_CDEV)
: >"$R/dev/iommu"
pt assign vm1 --pool net --dry-run --format qemu >"$T/out" 2>"$T/err"
like "$T/out" "legacy .*0000:18:02\.0 is VFIO device vfio0, but /dev/vfio/devices/vfio0 does not exist" \
	"legacy: the cdev node is missing, named"

# 3. the kernel can and QEMU can: iommufd
mkdir -p "$R/dev/vfio/devices" && : >"$R/dev/vfio/devices/vfio0" && : >"$R/dev/vfio/devices/vfio1"
pt assign vm1 --pool net --dry-run --format qemu >"$T/out" 2>"$T/err"
ok $? "assign --format qemu with /dev/iommu and the cdev"
like "$T/out" "^# vfio: iommufd: the kernel has /dev/iommu and /dev/vfio/devices/vfio0; .* lists iommufd" \
	"iommufd, with the kernel's and QEMU's evidence"
like "$T/out" "^-object iommufd,id=iommufd0$" "-object iommufd,id=iommufd0"
like "$T/out" "^-device vfio-pci,host=0000:18:02\.0,id=hostdev0,iommufd=iommufd0$" "iommufd=iommufd0 on the device"
pt assign vm1 --pool net --dry-run --count 2 --format qemu >"$T/out" 2>"$T/err"
is "$(grep -c '^-object iommufd' "$T/out") $(grep -c ',iommufd=iommufd0$' "$T/out")" "1 2" \
	"two devices: one iommufd object, both attached to it"
pt assign vm1 --pool net --dry-run --json >"$T/out" 2>"$T/err"
is "$(jq -r '"\(.vfio_backend) \(.vfio_backend_forced) \(.devices[0].vfio_dev) \(.devices[0].vf_token_needed)"' "$T/out")" \
	"iommufd false vfio0 false" "--json: vfio_backend iommufd, vfio_dev vfio0"

# 4. a QEMU without the iommufd object (bookworm's 7.2): legacy
QEMU_HAS='' pt assign vm1 --pool net --dry-run --format qemu >"$T/out" 2>"$T/err"
like "$T/out" "^# vfio: legacy \(group/container\): QEMU: .* does not list iommufd" "QEMU 7.2: legacy, QEMU named"
PASSTHRU_QEMU=/nonexistent/qemu pt assign vm1 --pool net --dry-run --format qemu >"$T/out" 2>"$T/err"
like "$T/out" "^# vfio: legacy .*did not run" "no QEMU to ask: legacy"

# 5. libvirt: its version decides too
pt assign vm1 --pool net --dry-run --format libvirt >"$T/out" 2>"$T/err"
like "$T/out" "vfio: legacy \(group/container\): libvirt: libvirt 9\.0 .*older than 12\.2" "libvirt 9.0: legacy"
like "$T/out" "<interface type='hostdev'" "legacy: the NIC VF as <interface type='hostdev'>"
VIRSH_VERSION=12.2.0 pt assign vm1 --pool net --dry-run --format libvirt >"$T/out" 2>"$T/err"
like "$T/out" "^  <driver iommufd='yes'/>$" "libvirt 12.2: <driver iommufd='yes'/>"
like "$T/out" "^<hostdev mode='subsystem' type='pci' managed='no'>$" "iommufd: the NIC VF as a <hostdev>"
"$SRC/tests/cli/wrap-domain.py" "$T/out" vm1 >"$T/dom.xml" && xmllint --noout "$T/dom.xml" 2>/dev/null
ok $? "the iommufd XML is well-formed (xmllint)"
# (--failover needs --mac, which needs rtnetlink: tests/unit/test-vfio-backend.c decides it)

# 6. forced
rm "$R/dev/iommu"
pt assign vm1 --pool net --dry-run --vfio-backend iommufd --format qemu >"$T/out" 2>"$T/err"
ok $? "--vfio-backend iommufd on a kernel without /dev/iommu: obeyed"
like "$T/out" "^-object iommufd,id=iommufd0$" "forced: the iommufd form"
like "$T/err" "warning: --vfio-backend iommufd against the kernel: no /dev/iommu" "forced: warned, with the kernel's reason"
: >"$R/dev/iommu"
pt assign vm1 --pool net --dry-run --vfio-backend legacy --format qemu >"$T/out" 2>"$T/err"
like "$T/out" "^# vfio: legacy, as asked" "--vfio-backend legacy: obeyed"
unlike "$T/err" "vfio-backend" "forced legacy: no warning"
pt assign vm1 --pool net --dry-run --vfio-backend group --format qemu >"$T/out" 2>"$T/err"
is $? 2 "--vfio-backend group: refused (exit 2)"
like "$T/err" "auto, legacy or iommufd" "the error lists the choices"

# 7. the PF itself on vfio-pci: the VF token
pf=$(readlink -f "$R/sys/bus/pci/devices/0000:18:00.0")
t=$(readlink "$pf/driver") && ln -sfn "${t%/*}/vfio-pci" "$pf/driver"
pt assign vm1 --pool net --dry-run --format qemu >"$T/out" 2>"$T/err"
like "$T/err" "PF 0000:18:00\.0 is held by a vfio driver: QEMU needs vf-token=UUID" "PF on vfio-pci: the token is asked for"
pt assign vm1 --pool net --dry-run --format qemu --vf-token 6a4e9b1c-2f3d-4e5a-8b7c-9d0e1f2a3b4c >"$T/out" 2>"$T/err"
like "$T/out" ",vf-token=6a4e9b1c-2f3d-4e5a-8b7c-9d0e1f2a3b4c$" "--vf-token: vf-token=UUID on the VF"
unlike "$T/err" "vf-token" "given the token: no warning"
pt assign vm1 --pool net --dry-run --format qemu --vf-token nope >"$T/out" 2>"$T/err"
is $? 2 "--vf-token nope: refused (exit 2)"
VIRSH_VERSION=9.0.0 pt assign vm1 --pool net --dry-run --format libvirt --vf-token 6a4e9b1c-2f3d-4e5a-8b7c-9d0e1f2a3b4c \
	>"$T/out" 2>"$T/err"
like "$T/out" "qemu:property name='vf-token' type='string' value='6a4e9b1c-2f3d-4e5a-8b7c-9d0e1f2a3b4c'" \
	"libvirt: how to pass the token (<qemu:override>)"
"$SRC/tests/cli/wrap-domain.py" "$T/out" vm1 >"$T/dom.xml" && xmllint --noout "$T/dom.xml" 2>/dev/null
ok $? "that XML is well-formed (xmllint)"
tap_done
