#!/bin/bash
# lab-topology: default
# What passthru decodes from config space against lspci -vvv's reading of the same
# bytes: MSI-X table size, PCIe link capability and status, ACS capability and
# control bits, SR-IOV total VFs; for PFs, VFs (whose config space reads vendor
# 0xffff) and ports alike.
. "$(dirname "$0")/../lib.sh"

nv=$NVME_SRIOV_PF
trap 'echo 0 >"$SYS_PCI/$IGB_PF/sriov_numvfs"; echo 0 >"$SYS_PCI/$nv/sriov_numvfs"; echo 1 >"$SYS_PCI/$nv/sriov_drivers_autoprobe"' EXIT
ok "2 igb VFs" sriov_set "$IGB_PF" 2
echo 0 >"$SYS_PCI/$nv/sriov_drivers_autoprobe"
ok "1 NVMe VF (unprobed)" sriov_set "$nv" 1

pt_rescan
# one line per function: bdf msix lnkcap-speed lnkcap-width lnksta-speed lnksta-width
#                        acs acscap acsctl totalvfs   ("-" when lspci shows none)
declare -A LS=()
while read -r b rest; do LS[$b]=$rest; done < <(lspci -D -vvv | awk '
	function flags(s,   i, v, bit, names) {
		split("SrcValid TransBlk ReqRedir CmpltRedir UpstreamFwd EgressCtrl DirectTrans", names, " ")
		v = 0; bit = 1
		for (i = 1; i <= 7; i++) {
			if (index(s, names[i] "+")) v += bit
			bit *= 2
		}
		return sprintf("%04x", v)
	}
	function out() { if (b) print b, msix, cs, cw, ss, sw, acs, acap, actl, tv }
	/^[0-9a-f]/ { out(); b = $1; msix = cs = cw = ss = sw = acap = actl = tv = "-"; acs = "false" }
	/MSI-X: Enable/ { for (i = 1; i <= NF; i++) if ($i ~ /^Count=/) { msix = substr($i, 7) } }
	/^\t\tLnkCap:/ { match($0, /Speed [^,]*/); cs = substr($0, RSTART + 6, RLENGTH - 6)
		match($0, /Width x[0-9]+/); cw = substr($0, RSTART + 7, RLENGTH - 7) }
	/^\t\tLnkSta:/ { match($0, /Speed [^, ]*/); ss = substr($0, RSTART + 6, RLENGTH - 6)
		match($0, /Width x[0-9]+/); sw = substr($0, RSTART + 7, RLENGTH - 7) }
	/Access Control Services/ { acs = "true" }
	/^\t\tACSCap:/ { acap = flags($0) }
	/^\t\tACSCtl:/ { actl = flags($0) }
	/Total VFs:/ { match($0, /Total VFs: [0-9]+/); tv = substr($0, RSTART + 11, RLENGTH - 11) }
	END { out() }')
is "${#LS[@]}" "$(wc -w <<<"$PT_BDFS")" "lspci -vvv read every function passthru lists"

# speeds: "2.5 GT/s" (passthru) and "2.5GT/s" (lspci) to "2.5"; "16.0" to "16"
speed() { local v=${1// /}; v=${v%GT/s}; v=${v%.0}; [ "$v" = null ] && v=""; REPLY=${v:--}; }
dash() { if [ "$1" = null ] || [ -z "$1" ]; then REPLY=-; else REPLY=$1; fi; }

nvf=0
for d in $PT_BDFS; do
	read -r msix cs cw ss sw acs acap actl tv <<<"${LS[$d]:-? ? ? ? ? ? ? ? ?}"
	[ "${PT[$d kind]}" = vf ] && nvf=$((nvf + 1))
	dash "${PT[$d msix.table_size]}"
	is "$REPLY" "$msix" "$d: MSI-X table size $msix as lspci"
	speed "${PT[$d link.max_speed]}"; got=$REPLY
	dash "${PT[$d link.max_width]}"; got="$got x$REPLY"
	speed "$cs"
	is "$got" "$REPLY x$cw" "$d: link capability ${cs}/x$cw as LnkCap"
	speed "${PT[$d link.speed]}"; got=$REPLY
	dash "${PT[$d link.width]}"; got="$got x$REPLY"
	speed "$ss"
	is "$got" "$REPLY x$sw" "$d: link status ${ss}/x$sw as LnkSta"
	is "${PT[$d acs.present]}" "$acs" "$d: ACS capability present: $acs"
	if [ "$acs" = true ]; then
		is "${PT[$d acs.cap]}/${PT[$d acs.ctrl]}" "$acap/$actl" "$d: ACS cap/ctrl $acap/$actl as lspci"
	fi
	if [ "$tv" != - ]; then
		# TotalVFs in config space; the PF driver may offer fewer (igb: 8 -> 7), and
		# sriov_totalvfs (t11) is what the kernel will make
		t=${PT[$d sriov.total_vfs]-<absent>}
		if [[ $t =~ ^[0-9]+$ ]] && [ "$t" -le "$tv" ] && [ "$t" -gt 0 ]; then
			pass "$d: SR-IOV total VFs $t, within config space's TotalVFs $tv"
		else
			fail "$d: SR-IOV total VFs within config space's TotalVFs" "lspci: $tv" "passthru: $t"
		fi
	fi
done
like "$nvf" '^[1-9]' "VFs were among the functions compared ($nvf)"

test_done
