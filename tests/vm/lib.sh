# Small TAP library for the lab's integration tests (bash, run inside the guest).
# A test script sources it, scans, makes assertions, and ends with test_done:
#   . "$(dirname "$0")/../lib.sh"
#   pt_rescan
#   is "${PT[$IGB_PF driver]}" igb "igb PF bound to igb"
#   test_done
# Every assertion prints "ok N - DESC" or "not ok N - DESC" followed by "# ..." lines
# saying what was expected and what was found.
#
# Speed matters: under TCG a fork costs ~20 ms, jq ~0.5 s, passthru ~0.3 s. So passthru
# and jq run once per scan, and the helpers read sysfs with shell builtins and return
# their answer in REPLY instead of printing it into a $(...).

set -u
export LC_ALL=C
LAB_TOP=${LAB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PASSTHRU=${PASSTHRU:-$LAB_TOP/build-lab/src/passthru}
SYS_PCI=/sys/bus/pci/devices
_n=0
_failed=0

# ---- TAP ----------------------------------------------------------------------------

diag() { printf '# %s\n' "$@"; }

pass() {
	_n=$((_n + 1))
	echo "ok $_n - $1"
}

fail() {
	local l
	_n=$((_n + 1))
	_failed=$((_failed + 1))
	echo "not ok $_n - $1"
	shift
	for l in "$@"; do
		while IFS= read -r l; do echo "#   $l"; done <<<"$l"
	done
	return 1 # so that `is ... || diag ...` shows its diagnosis
}

# ok DESC CMD...: passes when CMD exits 0; its output is shown on failure.
ok() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then pass "$desc"; else fail "$desc" "command: $*" "exit: $rc" "$out"; fi
}

# refuses DESC CMD...: passes when CMD exits non-zero.
refuses() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc != 0 ]; then pass "$desc"; else fail "$desc" "command: $* succeeded, expected a failure" "$out"; fi
}

# is GOT EXPECTED DESC
is() {
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "expected: '$2'" "     got: '$1'"; fi
}

# isnt GOT UNEXPECTED DESC
isnt() {
	if [ "$1" != "$2" ]; then pass "$3"; else fail "$3" "expected anything but '$2'"; fi
}

# like GOT ERE DESC
like() {
	if [[ $1 =~ $2 ]]; then pass "$3"; else fail "$3" "expected to match: $2" "got: '$1'"; fi
}

test_done() {
	if [ $_n = 0 ]; then
		echo "not ok 1 - no assertion ran"
		_n=1 _failed=1
	fi
	echo "1..$_n"
	[ $_failed = 0 ]
	exit $?
}

# bail DESC [DIAG...]: a failed precondition that makes the rest of the script moot
bail() {
	fail "$@"
	test_done
}

# ---- passthru ------------------------------------------------------------------------

pt() { "$PASSTHRU" "$@"; }

# One line per (function, field): "bdf<TAB>key<TAB>value"; objects are flattened one
# level ("sriov.num_vfs", "link.speed"), arrays joined by spaces, null is "null".
_PT_FLAT='def v: if type == "array" then map(tostring) | join(" ")
	     elif type == "null" then "null" else tostring end;
	  def flat: to_entries[] | if (.value | type) == "object"
	     then .key as $k | (.value | to_entries[] | {key: ($k + "." + .key), value})
	     else . end;'
declare -A PT=()
PT_BDFS=""
PT_JSON=""
# pt_rescan [list args]: runs 'passthru list --json' and loads every field of every
# function into PT["BDF KEY"]; PT_BDFS lists the functions in passthru's order.
pt_rescan() {
	local b k v last=""
	PT=()
	PT_BDFS=""
	if ! PT_JSON=$(pt list --json "$@"); then
		fail "passthru list --json $* exits 0"
		return 1
	fi
	while IFS=$'\t' read -r b k v; do
		PT["$b $k"]=$v
		[ "$b" = "$last" ] || PT_BDFS="$PT_BDFS $b"
		last=$b
	done < <(jq -r "$_PT_FLAT"' .functions[] | .bdf as $b | flat | [$b, .key, (.value | v)] | @tsv' <<<"$PT_JSON")
	PT_BDFS=${PT_BDFS# }
}
# pt_load_show BDF: 'passthru show BDF --json' flattened into SHOW["KEY"] (nested
# objects deeper than one level stay JSON text); the raw JSON is in SHOW_JSON.
declare -A SHOW=()
SHOW_JSON=""
pt_load_show() {
	local k v
	SHOW=()
	SHOW_JSON=$(pt show "$1" --json) || { fail "passthru show $1 --json exits 0"; return 1; }
	while IFS=$'\t' read -r k v; do
		SHOW["$k"]=$v
	done < <(jq -r "$_PT_FLAT"' flat | [.key, (.value | v)] | @tsv' <<<"$SHOW_JSON")
}

# ---- the kernel's truth, read here without passthru (builtins only; answer in REPLY) ----

# sys_read BDF NAME: an attribute's first line (empty when absent)
sys_read() {
	REPLY=""
	[ -r "$SYS_PCI/$1/$2" ] && read -r REPLY <"$SYS_PCI/$1/$2"
	return 0
}
# sys_link BDF NAME: basename of a link's target (driver, iommu_group...), empty if none
sys_link() {
	local here=$PWD
	REPLY=""
	if cd -P "$SYS_PCI/$1/$2" 2>/dev/null; then
		REPLY=${PWD##*/}
		cd "$here" || return 1
	fi
	return 0
}
# sys_hex BDF NAME: an ID attribute without 0x ("8086", "020000")
sys_hex() { sys_read "$1" "$2"; REPLY=${REPLY#0x}; }
# sys_numa BDF: numa_node as the JSON writes it (-1 and absent are null)
sys_numa() { sys_read "$1" numa_node; [ -n "$REPLY" ] && [ "$REPLY" != -1 ] || REPLY=null; }
# orn VALUE: VALUE, or "null" when empty (as the JSON writes "unknown"/"none")
orn() { REPLY=${1:-null}; }
# sorted WORD...: the words sorted, space-separated (small sets; no sort process)
sorted() {
	local -a a=()
	local w i j t
	for w in "$@"; do [ -n "$w" ] && a+=("$w"); done
	for ((i = 1; i < ${#a[@]}; i++)); do
		t=${a[i]}
		for ((j = i - 1; j >= 0; j--)); do
			[[ ${a[j]} > $t ]] || break
			a[j + 1]=${a[j]}
		done
		a[j + 1]=$t
	done
	REPLY="${a[*]}"
}
# sys_bdfs: every PCI function the kernel has, sorted, in REPLY
sys_bdfs() {
	local d l=()
	for d in "$SYS_PCI"/*; do l+=("${d##*/}"); done
	sorted "${l[@]}"
}
# sys_vfs PF: the VFs from the virtfnN links in index order, "BDF BDF ..." in REPLY
# and the array SYS_VFS[index]=BDF
declare -a SYS_VFS=()
sys_vfs() {
	local l i n here=$PWD
	SYS_VFS=()
	for l in "$SYS_PCI/$1"/virtfn*; do
		[ -e "$l" ] || continue
		i=${l##*virtfn}
		cd -P "$l" && SYS_VFS[i]=${PWD##*/}
	done
	cd "$here" || return 1
	REPLY="${SYS_VFS[*]}"
}
# sys_netdevs BDF: interface names under net/, sorted
sys_netdevs() {
	local n l=()
	for n in "$SYS_PCI/$1"/net/*; do [ -e "$n" ] && l+=("${n##*/}"); done
	sorted "${l[@]}"
}

# find_dev VENDOR DEVICE: functions by ID (their BDFs depend on the topology), in REPLY
find_dev() {
	local d v i l=()
	for d in "$SYS_PCI"/*; do
		read -r v <"$d/vendor"
		read -r i <"$d/device"
		[ "$v:$i" = "0x$1:0x$2" ] && l+=("${d##*/}")
	done
	REPLY="${l[*]}"
}

# Printing forms (a $(...) each: fine outside loops over every device)
sysattr() { sys_read "$1" "$2"; echo "$REPLY"; }
syslink() { sys_link "$1" "$2"; echo "$REPLY"; }
# jget BDF JQ-FILTER: one field from the last scan's JSON through jq (slow: ~0.5 s)
jget() {
	[ -n "$PT_JSON" ] || pt_rescan
	jq -r --arg b "$1" ".functions[] | select(.bdf == \$b) | $2" <<<"$PT_JSON"
}

# ---- changing the kernel's state -------------------------------------------------------

# sriov_set PF N: sets sriov_numvfs (through 0 when changing a non-zero count)
sriov_set() {
	local cur
	sys_read "$1" sriov_numvfs
	cur=$REPLY
	if [ "$cur" != 0 ] && [ "$2" != 0 ]; then echo 0 >"$SYS_PCI/$1/sriov_numvfs" || return 1; fi
	echo "$2" >"$SYS_PCI/$1/sriov_numvfs"
}

# nvme_vfs_online PF N: enables N VFs of an SR-IOV NVMe PF the way QEMU's controller
# needs. They start offline (the nvme driver fails on them with CSTS=0x2), so: probing
# off, VFs on, flexible queue (2) and interrupt (1) resources assigned to each
# secondary controller, controllers online, probing on, VFs probed.
nvme_vfs_online() {
	local pf=$1 n=$2 ctrl="" c i vf
	for c in "$SYS_PCI/$pf"/nvme/nvme*; do [ -e "$c" ] && ctrl=${c##*/}; done
	[ -n "$ctrl" ] || { echo "no nvme controller under $pf"; return 1; }
	echo 0 >"$SYS_PCI/$pf/sriov_drivers_autoprobe" || return 1
	sriov_set "$pf" "$n" || return 1
	for ((i = 1; i <= n; i++)); do
		nvme virt-mgmt "/dev/$ctrl" -c "$i" -r 1 -a 8 -n 1 >/dev/null &&
			nvme virt-mgmt "/dev/$ctrl" -c "$i" -r 0 -a 8 -n 2 >/dev/null &&
			nvme virt-mgmt "/dev/$ctrl" -c "$i" -a 9 >/dev/null || return 1
	done
	echo 1 >"$SYS_PCI/$pf/sriov_drivers_autoprobe" || return 1
	sys_vfs "$pf"
	for vf in "${SYS_VFS[@]}"; do
		echo "$vf" >/sys/bus/pci/drivers_probe || return 1
	done
}

# bind_vfio BDF: driver_override + unbind + drivers_probe, as libvirt does
bind_vfio() {
	local d=$SYS_PCI/$1
	echo vfio-pci >"$d/driver_override" || return 1
	if [ -e "$d/driver" ]; then echo "$1" >"$d/driver/unbind" || return 1; fi
	echo "$1" >/sys/bus/pci/drivers_probe
}
# unbind_vfio BDF: back to the default driver
unbind_vfio() {
	local d=$SYS_PCI/$1
	echo >"$d/driver_override" || return 1
	if [ -e "$d/driver" ]; then echo "$1" >"$d/driver/unbind" || return 1; fi
	echo "$1" >/sys/bus/pci/drivers_probe
}

# ---- the lab's devices, found by ID ------------------------------------------------------
find_dev 8086 10c9; IGB_PF=${REPLY%% *}
find_dev 8086 10d3; E1000E=${REPLY%% *}
NVME_SRIOV_PF="" NVME_PLAIN=""
find_dev 1b36 0010
for _d in $REPLY; do
	[ -e "$SYS_PCI/$_d/physfn" ] && continue
	if [ -e "$SYS_PCI/$_d/sriov_totalvfs" ]; then NVME_SRIOV_PF=$_d; else NVME_PLAIN=$_d; fi
done
unset _d
