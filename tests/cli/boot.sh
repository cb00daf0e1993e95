#!/bin/bash
# passthru boot on copies of the lab's captured tree (e1000e 0000:00:06.0 alone with its
# ID; NVMe 0000:41:00.0 sharing 1b36:0010 with 0000:00:05.0), one per boot loader
# layout (GRUB on Debian, BLS with grubby, kernelstub, systemd-boot) and per way
# vfio-pci is built (a module the initramfs lacks, a module it holds, built in): the
# exact files written and commands planned, idempotence, backups, links refused,
# rollback when a command fails, and the gate's boot checks. Commands run through
# PASSTHRU_BOOT_RUN, a fake that logs them. TAP on stdout.
# Usage: boot.sh [FIXTURES_DIR]. Environment: PASSTHRU_BIN, PASSTHRU_TOP_SRCDIR.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
FIX=${1:-}
SRC=${PASSTHRU_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-boot-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"
export PASSTHRU_STATE_DIR="$T/state"

V=6.1.0-56-amd64
# The fake commands: each logs its words to $R.ran; lsinitramfs lists what the tree's
# initramfs "holds" ($R.initramfs) and what update-initramfs put in it; update-grub
# writes the drop-in's parameters into grub.cfg as the real one would.
cat >"$T/run" <<'EOF'
#!/bin/bash
echo "$*" >>"$FAKE_ROOT.ran"
case "$1" in
lsinitramfs) cat "$FAKE_ROOT.initramfs" 2>/dev/null ;;
lsinitrd) # dracut's listing: banners, then ls -l lines
	printf 'Image: %s: 33M\n========\ndracut modules:\nkernel-modules\n========\n' "$2"
	printf 'lrwxrwxrwx   1 root     root            7 Oct 12 10:00 bin -> usr/bin\n'
	sed 's/^/-rw-r--r--   1 root     root        41232 Oct 12  2022 /' "$FAKE_ROOT.initramfs" 2>/dev/null ;;
dracut)
	[ -n "${FAKE_FAIL_INITRAMFS:-}" ] && exit 1
	echo "usr/lib/modules/x/kernel/drivers/vfio/pci/vfio-pci.ko.xz" >>"$FAKE_ROOT.initramfs"
	echo "etc/modprobe.d/passthru-vfio.conf" >>"$FAKE_ROOT.initramfs" ;;
update-initramfs)
	[ -n "${FAKE_FAIL_INITRAMFS:-}" ] && exit 1
	echo "usr/lib/modules/x/kernel/drivers/vfio/pci/vfio-pci.ko" >>"$FAKE_ROOT.initramfs"
	echo "etc/modprobe.d/passthru-vfio.conf" >>"$FAKE_ROOT.initramfs" ;;
update-grub)
	[ -n "${FAKE_FAIL_GRUB:-}" ] && exit 1
	p=$(sed -n 's/^GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX \(.*\)"$/\1/p' "$FAKE_ROOT/etc/default/grub.d/passthru.cfg")
	printf 'menuentry x {\n\tlinux /boot/vmlinuz root=/dev/sda1 ro quiet %s\n}\n' "$p" >"$FAKE_ROOT/boot/grub/grub.cfg" ;;
esac
exit 0
EOF
chmod +x "$T/run"
export PASSTHRU_BOOT_RUN="$T/run"

# mk NAME LOADER VFIO: a tree with that loader (grub|grubby|kernelstub|sdboot|none) and
# vfio-pci built as VFIO (module|builtin), the host drivers in its initramfs.
mk() {
	R="$T/$1"
	cp -a "$SRC/tests/data/lab-default/root" "$R"
	echo "$V" >"$R/proc/sys/kernel/osrelease"
	mkdir -p "$R/etc/passthru" "$R/usr/sbin" "$R/boot" "$R/lib/modules/$V" \
		"$R/sys/firmware/acpi/tables" "$R/etc/initramfs-tools"
	: >"$R/sys/firmware/acpi/tables/DMAR"
	: >"$R/boot/initrd.img-$V"
	printf 'kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko:\nkernel/drivers/nvme/host/nvme.ko:\n' \
		>"$R/lib/modules/$V/modules.dep"
	if [ "$3" = builtin ]; then
		echo "kernel/drivers/vfio/pci/vfio-pci.ko" >"$R/lib/modules/$V/modules.builtin"
	else
		echo "kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/vfio.ko" >>"$R/lib/modules/$V/modules.dep"
		echo "kernel/drivers/block/loop.ko" >"$R/lib/modules/$V/modules.builtin"
	fi
	printf 'usr/lib/modules/%s/kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko\n' "$V" >"$R.initramfs"
	case "$2" in
	grub)
		mkdir -p "$R/etc/default" "$R/boot/grub"
		echo 'GRUB_CMDLINE_LINUX=""' >"$R/etc/default/grub"
		: >"$R/usr/sbin/update-grub"
		printf 'menuentry x {\n\tlinux /boot/vmlinuz root=/dev/sda1 ro quiet\n}\n' >"$R/boot/grub/grub.cfg" ;;
	grubby)
		mkdir -p "$R/boot/loader/entries"
		: >"$R/usr/sbin/grubby"
		printf 'title Fedora\nversion %s\nlinux /vmlinuz-%s\noptions root=/dev/sda1 ro intel_iommu=on\n' \
			"$V" "$V" >"$R/boot/loader/entries/abc-$V.conf" ;;
	kernelstub)
		mkdir -p "$R/etc/kernelstub"
		printf '{\n "default": {"kernel_options": ["quiet"]},\n "user": {"kernel_options": ["quiet", "splash", "intel_iommu=on"], "esp_path": "/boot/efi"}\n}\n' \
			>"$R/etc/kernelstub/configuration" ;;
	sdboot)
		mkdir -p "$R/etc/kernel"
		echo "root=UUID=1234 ro quiet intel_iommu=off" >"$R/etc/kernel/cmdline" ;;
	esac
	export FAKE_ROOT="$R"
	rm -f "$R.ran"
}
cfg() { cat >"$R/etc/passthru/host.yaml"; }
p() { "$P" --sysroot "$R" "$@"; }
jv() { jq -r "$1" "$T/out"; }
steps() { jq -r '[.steps[] | .action + " " + (.path // (.argv | join(" ")))] | join("; ")' "$T/out"; }

BOOTCFG='boot:
  iommu: pt
  hugepages:
    - { size: 1G, count: 4 }
  default_hugepagesz: 1G
  isolcpus: "1"
  vfio:
    - { bdf: "0000:00:06.0" }
'
PARAMS="intel_iommu=on iommu=pt hugepagesz=1G hugepages=4 default_hugepagesz=1G isolcpus=1"

# 1. GRUB on Debian, vfio-pci a module the initramfs lacks (e1000e is in it)
mk grub grub module
printf '%s' "$BOOTCFG" | cfg
p boot --dry-run --json >"$T/out" 2>"$T/err"
is $? 0 "grub: boot --dry-run exits 0"
is "$(jv '[.loader, .vfio_pci, .iommu_vendor] | join(" ")')" "grub module intel" \
	"grub: the loader, vfio-pci's build and the IOMMU's vendor detected"
is "$(jv .cmdline)" "$PARAMS" "grub: the planned command line"
is "$(steps)" "write /etc/modprobe.d/passthru-vfio.conf; write /etc/initramfs-tools/hooks/passthru-vfio; run update-initramfs -u -k $V; write /etc/default/grub.d/passthru.cfg; run update-grub" \
	"grub: modprobe.d, the initramfs hook, update-initramfs, the GRUB drop-in, update-grub"
is "$(jv '.steps[0].content' | grep -v '^#')" "softdep e1000e pre: vfio-pci
options vfio-pci ids=8086:10d3" "grub: softdep and options of the module vfio-pci"
is "$(jv '.steps[3].content' | grep -v '^#')" "GRUB_CMDLINE_LINUX=\"\$GRUB_CMDLINE_LINUX $PARAMS\"" \
	"grub: the drop-in appends the parameters"
[ ! -e "$R/etc/default/grub.d" ] && [ ! -e "$R.ran" -o "$(cat "$R.ran")" = "lsinitramfs /boot/initrd.img-$V" ]
ok $? "grub: --dry-run wrote nothing and ran only lsinitramfs"
is "$(jv .reboot)" true "grub: a reboot is needed"
p boot >"$T/text" 2>"$T/err"
is $? 0 "grub: boot exits 0"
is "$(grep -v lsinitramfs "$R.ran" | tr '\n' ';')" "update-initramfs -u -k $V;update-grub;" \
	"grub: update-initramfs and update-grub ran"
grep -q "GRUB_CMDLINE_LINUX=\"\$GRUB_CMDLINE_LINUX $PARAMS\"" "$R/etc/default/grub.d/passthru.cfg"
ok $? "grub: the drop-in is written"
[ -x "$R/etc/initramfs-tools/hooks/passthru-vfio" ] && grep -q "^force_load vfio-pci" "$R/etc/initramfs-tools/hooks/passthru-vfio"
ok $? "grub: the initramfs hook is executable and loads vfio-pci"
grep -q "reboot: needed" "$T/text"
ok $? "grub: the human output says a reboot is needed"
grep -q "^[0-9]* done$" "$T/state/boot.log"
ok $? "grub: boot.log records the run"
rm -f "$R.ran"
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(steps)" "" "grub: a second run plans nothing (converged)"
is "$(jv '[.params[] | .configured] | unique | join(" ")')" "true" \
	"grub: every parameter is configured (grub.cfg's linux line)"

# 2. the gate on that tree: the kernel has not booted with the plan yet
p check --json --kernel-log "$SRC/tests/data/klog/qemu-vtd-x2apic.dmesg" >"$T/out" 2>"$T/err"
jq -r '.checks[] | select(.id == "boot.cmdline-applied") | .result' "$T/out" >"$T/r1"
is "$(cat "$T/r1")" fail "check: boot.cmdline-applied fails before the reboot"
jq -r '.checks[] | select(.id == "boot.cmdline-applied") | .evidence' "$T/out" | grep -q "lacks iommu=pt"
ok $? "check: its evidence names a missing parameter"
is "$(jq -r '.checks[] | select(.id == "boot.vfio-early") | .result' "$T/out")" fail \
	"check: boot.vfio-early fails: 0000:00:06.0 is bound to e1000e"
# ... and after it: /proc/cmdline has the plan, the device is vfio-pci's, the log is clean
echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 $PARAMS" >"$R/proc/cmdline"
rm "$R/sys/bus/pci/devices/0000:00:06.0/driver"
mkdir -p "$R/sys/bus/pci/drivers/vfio-pci"
ln -s ../../../../bus/pci/drivers/vfio-pci "$R/sys/bus/pci/devices/0000:00:06.0/driver"
printf '[    0.000000] Linux version %s\n[    0.5] pci 0000:00:06.0: [8086:10d3] type 00 class 0x020000\n[    1.2] vfio_pci: add [8086:10d3[ffffffff:ffffffff]] class 0x000000/00000000\n' "$V" >"$T/klog"
p check --json --kernel-log "$T/klog" >"$T/out" 2>"$T/err"
is "$(jq -r '[.checks[] | select(.id | startswith("boot.")) | .result] | join(" ")' "$T/out")" "pass pass" \
	"check after the reboot: boot.cmdline-applied and boot.vfio-early pass"
printf '[    0.000000] Linux version %s\n[    1.0] e1000e 0000:00:06.0 eth1: (PCI Express:2.5GT/s:Width x1) 52:54:00:00:20:00\n' "$V" >"$T/klog"
p check --json --kernel-log "$T/klog" >"$T/out" 2>"$T/err"
is "$(jq -r '.checks[] | select(.id == "boot.vfio-early") | .result' "$T/out")" fail \
	"check: a host driver's line for the device first: boot.vfio-early fails"
printf '[  100.0] something\n' >"$T/klog"
p check --json --kernel-log "$T/klog" >"$T/out" 2>"$T/err"
jq -r '.checks[] | select(.id == "boot.vfio-early") | .result + " " + .evidence' "$T/out" | grep -q "^warn unknown:"
ok $? "check: a log that does not reach the boot: boot.vfio-early is unknown (warn)"

# 3. BLS entries with grubby: only what the entry lacks; vfio-pci built in
mk grubby grubby builtin
printf '%s' "$BOOTCFG" | cfg
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(jv '[.loader, .vfio_pci] | join(" ")')" "grubby built-in" "grubby: detected, vfio-pci built in"
is "$(jv .cmdline)" "$PARAMS vfio-pci.ids=8086:10d3" "grubby: vfio-pci.ids goes on the command line"
is "$(steps)" "run grubby --update-kernel=ALL --args=iommu=pt hugepagesz=1G hugepages=4 default_hugepagesz=1G isolcpus=1 vfio-pci.ids=8086:10d3" \
	"grubby: one grubby call with the missing parameters, no modprobe.d file"
p boot >/dev/null 2>"$T/err"
is "$(grep -c grubby "$R.ran")" 1 "grubby: grubby ran once"

# 4. kernelstub: its user options read from the JSON; a module already in the initramfs
mk kernelstub kernelstub module
echo "usr/lib/modules/$V/kernel/drivers/vfio/pci/vfio-pci.ko.zst" >>"$R.initramfs"
printf '%s' "$BOOTCFG" | cfg
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(jv '[.loader, .configured] | join(" | ")')" "kernelstub | quiet splash intel_iommu=on" \
	"kernelstub: detected, user.kernel_options read"
is "$(jv .initramfs.has_vfio_pci)" true "kernelstub: the initramfs holds vfio-pci"
is "$(steps)" "write /etc/modprobe.d/passthru-vfio.conf; run update-initramfs -u -k $V; run kernelstub --add-options iommu=pt hugepagesz=1G hugepages=4 default_hugepagesz=1G isolcpus=1" \
	"kernelstub: modprobe.d and update-initramfs (no hook), kernelstub --add-options"

# 5. systemd-boot: /etc/kernel/cmdline rewritten with a backup; intel_iommu=off replaced
mk sdboot sdboot module
printf '%s  vfio_ids: cmdline\n' "$BOOTCFG" | cfg
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(steps)" "write /etc/modprobe.d/passthru-vfio.conf; write /etc/initramfs-tools/hooks/passthru-vfio; run update-initramfs -u -k $V; write /etc/kernel/cmdline; run kernel-install add $V /boot/vmlinuz-$V" \
	"systemd-boot: /etc/kernel/cmdline, then kernel-install add"
is "$(jv '.steps[0].content' | grep -v '^#')" "softdep e1000e pre: vfio-pci" \
	"vfio_ids: cmdline: only the softdep in modprobe.d"
jv '.warnings[]' | grep -q "intel_iommu=off"
ok $? "systemd-boot: the conflicting intel_iommu=off is warned about"
p boot >/dev/null 2>"$T/err"
is "$(cat "$R/etc/kernel/cmdline")" "root=UUID=1234 ro quiet $PARAMS vfio-pci.ids=8086:10d3" \
	"systemd-boot: the new line keeps the user's parameters and drops intel_iommu=off"
is "$(cat "$R/etc/kernel/cmdline.passthru-bak")" "root=UUID=1234 ro quiet intel_iommu=off" \
	"systemd-boot: the user's file kept as /etc/kernel/cmdline.passthru-bak"

# 6. a shared ID: driver_override at boot through the apply unit, never vfio-pci.ids
mk shared grub module
printf 'boot:\n  vfio:\n    - { bdf: "0000:41:00.0" }\n' | cfg
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(jv '.devices[0] | .method + " " + .host_driver')" "override nvme" "shared ID: method override"
is "$(steps)" "write /etc/passthru/host.d/60-boot-vfio.yaml; write /etc/default/grub.d/passthru.cfg; run update-grub" \
	"shared ID: a host.d drop-in for apply, no modprobe.d file"
p boot >/dev/null 2>"$T/err"
p apply --dry-run --json "$R/etc/passthru/host.yaml" >"$T/out" 2>"$T/err"
jq -r '.changes[] | .device + " " + .action' "$T/out" | grep -q "^0000:41:00.0 set_driver_override"
ok $? "shared ID: apply (the boot unit) binds 0000:41:00.0 by driver_override"

# 7. AMD-Vi: no parameter turns it on; amd_iommu=on flagged
mk amd grub module
rm "$R/sys/firmware/acpi/tables/DMAR"
: >"$R/sys/firmware/acpi/tables/IVRS"
echo "root=/dev/sda1 amd_iommu=on" >"$R/proc/cmdline"
printf 'boot:\n  iommu: pt\n' | cfg
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(jv '[.iommu_vendor, .cmdline] | join(" ")')" "amd iommu=pt" "AMD-Vi: only iommu=pt"
jv '.warnings[]' | grep -q "amd_iommu=on is on the running kernel's command line: it is not a value the kernel documents"
ok $? "AMD-Vi: amd_iommu=on on the command line is flagged"
printf 'boot:\n  extra: [amd_iommu=on]\n' | cfg
p boot --dry-run >"$T/out" 2>"$T/err"
is $? 2 "boot.extra: amd_iommu=on is refused by the configuration reader"
grep -q "host.yaml:2:.*amd_iommu=on.*is not a value the kernel documents" "$T/err"
ok $? "the refusal names file:line and why"

# 8. refusals and rollback
mk link grub module
printf '%s' "$BOOTCFG" | cfg
mkdir -p "$T/elsewhere"
ln -s "$T/elsewhere" "$R/etc/default/grub.d"
p boot >"$T/text" 2>"$T/err"
is $? 1 "a link where /etc/default/grub.d was: boot exits 1"
grep -q "symbolic link" "$T/err" && [ -z "$(ls "$T/elsewhere")" ]
ok $? "nothing written through the link, and the message says why"
[ ! -e "$R/etc/modprobe.d/passthru-vfio.conf" ]
ok $? "the files written before the refusal are put back"
mk fail grub module
printf '%s' "$BOOTCFG" | cfg
FAKE_FAIL_GRUB=1 p boot >"$T/text" 2>"$T/err"
is $? 1 "update-grub fails: boot exits 1"
[ ! -e "$R/etc/default/grub.d/passthru.cfg" ] && grep -q "update-grub failed" "$T/err"
ok $? "update-grub fails: the drop-in is removed again, the message names the command"
grep -q "rolled-back" "$T/state/boot.log"
ok $? "boot.log records the rollback"

# 9. pci=realloc when plan sriov says the configured VF count needs it (sriov-limits:
# 0000:02:00.0's VF BARs were not placed), not for one that fits (0000:01:00.0)
if [ -n "$FIX" ] && [ -d "$FIX/sriov-limits" ]; then
	R="$T/realloc"
	cp -a "$FIX/sriov-limits" "$R"
	mkdir -p "$R/etc/passthru"
	printf 'sriov:\n  - { pf: { bdf: "0000:02:00.0" }, vfs: 1 }\nboot:\n  iommu: keep\n' | cfg
	p boot --dry-run --json >"$T/out" 2>"$T/err"
	is "$(jv .cmdline)" "pci=realloc" "sriov-limits 02:00.0 with 1 VF: pci=realloc planned"
	jv '.params[0].why' | grep -q "^plan sriov: sriov\[0\]: 1 VFs on 0000:02:00.0"
	ok $? "its why quotes plan sriov's judgement"
	printf 'sriov:\n  - { pf: { bdf: "0000:01:00.0" }, vfs: 8 }\nboot:\n  iommu: keep\n' | cfg
	p boot --dry-run --json >"$T/out" 2>"$T/err"
	is "$(jv .cmdline)" "" "8 VFs that fit on 01:00.0: no pci=realloc"
	printf 'sriov:\n  - { pf: { bdf: "0000:02:00.0" }, vfs: 1 }\nboot:\n  iommu: keep\n  pci_realloc: false\n' | cfg
	p boot --dry-run --json >"$T/out" 2>"$T/err"
	is "$(jv .cmdline)" "" "pci_realloc: false: not planned"
fi

# 9b. a snapshot of the host holds what boot and the gate read: the plan and the boot
# checks on the extracted snapshot are the source tree's
snap_same() { # NAME LOADER VFIO: snapshot $R, extract, compare boot --dry-run and check
	"$P" --sysroot "$R" snapshot -o "$T/$1.tar.gz" >/dev/null 2>"$T/err"
	is $? 0 "snapshot ($1): written"
	mkdir -p "$T/$1.x" && tar xzf "$T/$1.tar.gz" -C "$T/$1.x"
	p boot --dry-run --json >"$T/src.json" 2>"$T/err"
	"$P" --sysroot "$T/$1.x" boot --dry-run --json >"$T/snap.json" 2>"$T/err"
	is "$(jq -c 'del(.config)' "$T/snap.json")" "$(jq -c 'del(.config)' "$T/src.json")" \
		"snapshot ($1): boot --dry-run on it plans what it plans on the tree"
	p check --json --kernel-log "$T/klog" >"$T/src.json" 2>"$T/err"
	"$P" --sysroot "$T/$1.x" check --json --kernel-log "$T/klog" >"$T/snap.json" 2>"$T/err"
	is "$(jq -c '[.checks[] | select(.id | startswith("boot."))]' "$T/snap.json")" \
		"$(jq -c '[.checks[] | select(.id | startswith("boot."))]' "$T/src.json")" \
		"snapshot ($1): the gate's boot checks answer the same"
}
printf '[    0.000000] Linux version %s\n[    1.0] e1000e 0000:00:06.0 eth1: up\n' "$V" >"$T/klog"
mk snapgrub grub module
printf '%s' "$BOOTCFG" | cfg
mkdir -p "$R/etc/default/grub.d" "$R/etc/modprobe.d" "$R/etc/dracut.conf.d" \
	"$R/etc/passthru/host.d"
echo 'GRUB_TIMEOUT=2' >"$R/etc/default/grub.d/50-timeout.cfg"
echo 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX iommu=pt"' >"$R/etc/default/grub.d/passthru.cfg"
printf 'set superusers="root"\npassword_pbkdf2 root grub.pbkdf2.sha512.10000.SECRETHASH\nmenuentry x {\n\tlinux /boot/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt\n}\n' \
	>"$R/boot/grub/grub.cfg"
echo 'options vfio-pci ids=8086:10d3' >"$R/etc/modprobe.d/passthru-vfio.conf"
echo 'blacklist pcspkr' >"$R/etc/modprobe.d/blacklist.conf"
echo 'vfio_pci' >"$R/etc/initramfs-tools/modules"
echo 'add_drivers+=" nvme "' >"$R/etc/dracut.conf.d/10-nvme.conf"
printf '%s  extra: [ quiet ]\n' "$BOOTCFG" >"$R/etc/passthru/host.d/50-quiet.yaml"
snap_same snapgrub
tar xzf "$T/snapgrub.tar.gz" -O boot/grub/grub.cfg >"$T/grubcfg" 2>/dev/null
is "$(cat "$T/grubcfg")" "$(printf '\tlinux /boot/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt')" \
	"snapshot: grub.cfg keeps only its linux lines (no password hash)"
for f in etc/default/grub etc/default/grub.d/50-timeout.cfg etc/modprobe.d/blacklist.conf \
	etc/initramfs-tools/modules etc/dracut.conf.d/10-nvme.conf usr/sbin/update-grub \
	etc/passthru/host.d/50-quiet.yaml "boot/initrd.img-$V" sys/firmware/acpi/tables/DMAR; do
	[ -f "$T/snapgrub.x/$f" ] || { echo "# missing $f"; false; } || break
done
ok $? "snapshot: the loader's, modprobe.d's and the initramfs builders' files are in it"
mk snapsd sdboot builtin
printf '%s' "$BOOTCFG" | cfg
snap_same snapsd
mk snapbls grubby module
printf '%s' "$BOOTCFG" | cfg
snap_same snapbls

# 9c. dracut builds the initramfs: a drop-in in /etc/dracut.conf.d and dracut -f, never
# the initramfs-tools hook or update-initramfs
DRACUT_CONF='force_drivers+=" vfio-pci "
install_items+=" /etc/modprobe.d/passthru-vfio.conf "'
# Fedora/RHEL: BLS with grubby, /usr/bin/dracut, no initramfs-tools, initramfs-VER.img
mk fedora grubby module
rm -rf "$R/etc/initramfs-tools" "$R/boot/initrd.img-$V"
: >"$R/boot/initramfs-$V.img"
mkdir -p "$R/usr/bin" && : >"$R/usr/bin/dracut"
printf '%s' "$BOOTCFG" | cfg
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(jv '[.initramfs.builder, .initramfs.builder_evidence, .initramfs.image, .initramfs.known] | join(" | ")')" \
	"dracut | /usr/bin/dracut exists | /boot/initramfs-$V.img | true" \
	"dracut (Fedora): the builder, its evidence, the image read with lsinitrd"
is "$(steps)" "write /etc/modprobe.d/passthru-vfio.conf; write /etc/dracut.conf.d/passthru-vfio.conf; run dracut -f --kver $V; run grubby --update-kernel=ALL --args=iommu=pt hugepagesz=1G hugepages=4 default_hugepagesz=1G isolcpus=1" \
	"dracut (Fedora): modprobe.d, the dracut drop-in, dracut -f --kver, then grubby"
is "$(jv '.steps[1].content' | grep -v '^#')" "$DRACUT_CONF" \
	"dracut: the drop-in forces vfio-pci into the initramfs with the modprobe.d file"
p boot >/dev/null 2>"$T/err"
is $? 0 "dracut (Fedora): boot exits 0"
is "$(grep -v '^ls' "$R.ran" | tr '\n' ';')" "dracut -f --kver $V;grubby --update-kernel=ALL --args=iommu=pt hugepagesz=1G hugepages=4 default_hugepagesz=1G isolcpus=1;" \
	"dracut (Fedora): dracut and grubby ran, no update-initramfs"
grep -q "^lsinitrd /boot/initramfs-$V.img$" "$R.ran" && [ ! -e "$R/etc/initramfs-tools" ] &&
	[ "$(grep -v '^#' "$R/etc/dracut.conf.d/passthru-vfio.conf")" = "$DRACUT_CONF" ]
ok $? "dracut (Fedora): lsinitrd read the image, the drop-in is written, no initramfs-tools file"
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(steps)" "run grubby --update-kernel=ALL --args=iommu=pt hugepagesz=1G hugepages=4 default_hugepagesz=1G isolcpus=1" \
	"dracut (Fedora): a second run does not rebuild the initramfs (vfio-pci and the file are in it)"
rm -f "$R.ran"
FAKE_FAIL_INITRAMFS=1 p boot >/dev/null 2>"$T/err"
is "$?:$(grep -c '^dracut' "$R.ran")" "0:0" "dracut (Fedora): converged: a run does not call dracut again"
# Debian with the dracut package: its kernel hook wins over a leftover /etc/initramfs-tools
mk debdracut grub module
mkdir -p "$R/etc/kernel/postinst.d" "$R/usr/bin"
: >"$R/etc/kernel/postinst.d/dracut"
: >"$R/usr/bin/dracut"
printf '%s' "$BOOTCFG" | cfg
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(jv '[.initramfs.builder, .initramfs.builder_evidence, .initramfs.image] | join(" | ")')" \
	"dracut | /etc/kernel/postinst.d/dracut exists | /boot/initrd.img-$V" \
	"dracut (Debian): detected by its kernel hook, Debian's image name"
is "$(steps)" "write /etc/modprobe.d/passthru-vfio.conf; write /etc/dracut.conf.d/passthru-vfio.conf; run dracut -f --kver $V; write /etc/default/grub.d/passthru.cfg; run update-grub" \
	"dracut (Debian): the dracut drop-in and dracut -f, then the GRUB drop-in"
mkdir -p "$R/etc/dracut.conf.d"
echo 'force_drivers+=" nvme "' >"$R/etc/dracut.conf.d/passthru-vfio.conf"
p boot >/dev/null 2>"$T/err"
is "$(cat "$R/etc/dracut.conf.d/passthru-vfio.conf.passthru-bak")" 'force_drivers+=" nvme "' \
	"dracut (Debian): a user's file of that name is kept as .passthru-bak"
mk dracutfail grub module
mkdir -p "$R/etc/kernel/postinst.d" && : >"$R/etc/kernel/postinst.d/dracut"
printf '%s' "$BOOTCFG" | cfg
FAKE_FAIL_INITRAMFS=1 p boot >/dev/null 2>"$T/err"
is $? 1 "dracut fails: boot exits 1"
[ ! -e "$R/etc/dracut.conf.d/passthru-vfio.conf" ] && [ ! -e "$R/etc/default/grub.d/passthru.cfg" ] &&
	grep -q "dracut" "$T/err"
ok $? "dracut fails: its drop-in is put back, GRUB untouched, the message names dracut"
unset FAKE_FAIL_INITRAMFS
# dracut-core's binary beside initramfs-tools' kernel hook: initramfs-tools builds
mk dracutcore grub module
mkdir -p "$R/etc/kernel/postinst.d" "$R/usr/bin"
: >"$R/etc/kernel/postinst.d/initramfs-tools"
: >"$R/usr/bin/dracut"
printf '%s' "$BOOTCFG" | cfg
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(jv .initramfs.builder)" "initramfs-tools" "dracut-core beside initramfs-tools' hook: initramfs-tools"
steps | grep -q "write /etc/initramfs-tools/hooks/passthru-vfio; run update-initramfs -u -k $V"
ok $? "... and its hook and update-initramfs are planned"

# 10. no loader known: the dry run says so, a run refuses
mk none none module
printf 'boot:\n  iommu: on\n' | cfg
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(jv '[.loader, .blocked] | join(" ")')" "unknown true" "no loader: unknown, blocked"
p boot >/dev/null 2>"$T/err"
is $? 1 "no loader: boot exits 1"
unset PASSTHRU_BOOT_RUN
p boot --dry-run --json >"$T/out" 2>"$T/err"
is "$(jv .initramfs.known)" false "without the run seam nothing runs on a sysroot"
printf 'sriov: []\n' | cfg
p boot --json >"$T/out" 2>"$T/err"
is "$(jv .boot)" null "a configuration without boot: plans nothing"

tap_done
