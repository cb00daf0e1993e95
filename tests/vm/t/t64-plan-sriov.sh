#!/bin/bash
# lab-topology: plansriov
# passthru plan sriov PF COUNT predicts what `echo COUNT > sriov_numvfs` does: for
# every SR-IOV PF of the topology and several counts, the prediction is made first,
# then the kernel is asked for real, and the two must agree in every case, successes
# included: whether the write succeeds and, when it fails, the errno. The topology has
# an NVMe whose 127 VFs' BAR cannot be placed in its root port's window (the kernel
# refuses every count: "not enough MMIO resources for SR-IOV"), an igb and an NVMe with
# room (every count up to TotalVFs fits, one more is ERANGE), and the small NVMe PF
# unbound from its driver ("no driver bound to device").
. "$(dirname "$0")/../lib.sh"

declare -A AUTOPROBE=()
restore() {
	local pf
	for pf in "${!AUTOPROBE[@]}"; do
		echo 0 >"$SYS_PCI/$pf/sriov_numvfs" 2>/dev/null
		echo "${AUTOPROBE[$pf]}" >"$SYS_PCI/$pf/sriov_drivers_autoprobe" 2>/dev/null
	done
	[ -n "${SMALL:-}" ] && [ ! -e "$SYS_PCI/$SMALL/driver" ] &&
		echo "$SMALL" >/sys/bus/pci/drivers/nvme/bind 2>/dev/null
}
trap restore EXIT

errno_of() { # the errno name of a write error message, in REPLY
	case "$1" in
	"") REPLY=null ;;
	*"Cannot allocate memory"*) REPLY=ENOMEM ;;
	*"Numerical result out of range"*) REPLY=ERANGE ;;
	*"No such file or directory"*) REPLY=ENOENT ;;
	*"Device or resource busy"*) REPLY=EBUSY ;;
	*"Invalid argument"*) REPLY=EINVAL ;;
	*"Input/output error"*) REPLY=EIO ;;
	*) REPLY="other: $1" ;;
	esac
}

# predict_and_write PF N: the prediction, then the kernel's answer, compared
predict_and_write() {
	local pf=$1 n=$2 json pred="" perr=null limit="" err="" rc
	json=$(pt plan sriov "$pf" "$n" --json)
	[[ $json =~ \"succeeds\":\ (true|false|null) ]] && pred=${BASH_REMATCH[1]}
	[[ $json =~ \"errno\":\ \"([A-Z]+)\" ]] && perr=${BASH_REMATCH[1]}
	[[ $json =~ \"limit\":\ \"([a-z_]+)\" ]] && limit=${BASH_REMATCH[1]}
	err=$( { echo "$n" >"$SYS_PCI/$pf/sriov_numvfs"; } 2>&1 )
	rc=$?
	[ $rc = 0 ] && actual=true || actual=false
	errno_of "${err##*: }"
	is "$pred" "$actual" "$pf, $n VFs: predicted succeeds=$pred ($limit), the kernel says $actual${err:+ (${err##*: })}"
	is "$perr" "$REPLY" "$pf, $n VFs: predicted errno $perr, the kernel's $REPLY"
	[ $rc = 0 ] && echo 0 >"$SYS_PCI/$pf/sriov_numvfs"
	LIMIT=$limit
}

pfs=()
for d in "$SYS_PCI"/*; do
	[ -e "$d/sriov_totalvfs" ] && [ ! -e "$d/physfn" ] && pfs+=("${d##*/}")
done
[ ${#pfs[@]} -ge 3 ] || bail "the plansriov topology has three SR-IOV PFs" "found: ${pfs[*]}"
SMALL=""
for pf in "${pfs[@]}"; do
	sys_read "$pf" sriov_totalvfs
	[ "$REPLY" = 4 ] && SMALL=$pf
	sys_read "$pf" sriov_drivers_autoprobe
	AUTOPROBE[$pf]=$REPLY
	echo 0 >"$SYS_PCI/$pf/sriov_drivers_autoprobe"
	echo 0 >"$SYS_PCI/$pf/sriov_numvfs"
done

mmio_seen=0 fits_seen=0
for pf in "${pfs[@]}"; do
	sys_read "$pf" sriov_totalvfs
	total=$REPLY
	for n in 1 2 "$total" $((total + 1)) 0; do
		predict_and_write "$pf" "$n"
		[ "$LIMIT" = mmio ] && mmio_seen=1
		[ "$LIMIT" = fits ] && [ "$n" != 0 ] && fits_seen=1
	done
done
is "$mmio_seen" 1 "a PF whose VF BARs have no MMIO space was predicted (and refused)"
is "$fits_seen" 1 "a PF where VFs fit was predicted (and accepted)"

# the MMIO refusal is the kernel's own words, in its log
[ "$mmio_seen" = 1 ] && like "$(dmesg | grep -c 'not enough MMIO resources for SR-IOV')" '^[1-9]' \
	"the kernel logged 'not enough MMIO resources for SR-IOV'"

# a PF without its driver: the kernel needs one (and says so)
if [ -n "$SMALL" ]; then
	echo "$SMALL" >"$SYS_PCI/$SMALL/driver/unbind"
	predict_and_write "$SMALL" 1
	is "$LIMIT" no_driver "$SMALL unbound: the limit is no_driver"
	echo "$SMALL" >/sys/bus/pci/drivers/nvme/bind
else
	fail "the NVMe PF with 4 VFs is there"
fi

test_done
