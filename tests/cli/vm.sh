#!/bin/sh
# passthru vm, vm check and doctor's holder, in the user's words, over two QEMU
# processes captured in the lab (tests/data/vm-lab) and libvirt XML samples. TAP.
# Environment: PASSTHRU_BIN (the passthru binary), PASSTHRU_TOP_SRCDIR.
set -u
P=${PASSTHRU_BIN:?PASSTHRU_BIN must name the passthru binary}
SRC=${PASSTHRU_TOP_SRCDIR:?PASSTHRU_TOP_SRCDIR must name the source tree}
T=$(mktemp -d "${TMPDIR:-/tmp}/pt-vm-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/tap.sh"
R="$SRC/tests/data/vm-lab/root"
export PASSTHRU_STATE_DIR="$T/state" # none: leases unknown, no database created

# 1. by name (-name guest=vmA) and by pid: the same VM
"$P" --sysroot "$R" vm vmA >"$T/out" 2>"$T/err"
ok $? "passthru vm vmA exits 0 (warnings only)"
diag "$T/err"
grep -Eq '^  hostdev0 +vfio-pci +vf +0000:21:10.0 \(VF 0 of 0000:21:00.0 eth0\) node 0 group 10 /dev/vfio/10' "$T/out"
ok $? "the VF: its PF and netdev, node, group and the /dev/vfio file held"
grep -Eq '^WARN +vm.net.failover' "$T/out"
ok $? "a VF beside virtio is a warning, shown in text"
test ! -e "$T/state"
ok $? "no state database was created"
"$P" --sysroot "$R" vm 160 --json >"$T/a.json" 2>"$T/err"
ok $? "passthru vm 160 --json exits 0"
python3 - "$T/a.json" >"$T/py" 2>&1 <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["version"] == 1 and j["pid"] == 160 and j["name"] == "vmA", j
vf = [d for d in j["devices"] if d["kind"] == "vf"][0]
assert vf["bdf"] == "0000:21:10.0" and vf["vfio_file"] == "/dev/vfio/10" and vf["lease_vm"] is None
assert [t["cpus"] for t in j["threads"] if t["vcpu"] == 0] == ["0"]
assert j["memory"]["kb_per_node"]["hugetlbfs"] == {"0": 8192}
assert j["memory"]["hugepage_policy"] == "bind:0"
res = {c["id"]: c["result"] for c in j["checks"]}
assert res["vm.vcpu.pinning"] == "pass" and res["vm.numa.memory"] == "pass", res
assert "vm.lease" not in res, res
PY
ok $? "JSON: pid, name, VF held, vCPU on CPU 0, 8 MiB hugetlbfs on node 0, findings"
diag "$T/py"
"$P" --sysroot "$R" vm vmB --json >"$T/b.json" 2>/dev/null
python3 -c "import json,sys; r={c['id']:c['result'] for c in json.load(open(sys.argv[1]))['checks']}; sys.exit(not (r['vm.vcpu.pinning']=='warn' and r['vm.memory.hugepages']=='warn'))" "$T/b.json"
ok $? "vmB: floating vCPU and no hugepages warn"

# libvirt's live XML names the VM and its pid
cp -a "$R" "$T/root"
mkdir -p "$T/root/run/libvirt/qemu"
sed "s/pid='4242'/pid='160'/; s/<name>vm1</<name>web7</" "$SRC/tests/data/libvirt/live-vm1.xml" \
	>"$T/root/run/libvirt/qemu/web7.xml"
"$P" --sysroot "$T/root" vm web7 --json >"$T/l.json" 2>"$T/err"
ok $? "passthru vm web7: the libvirt domain whose live XML says pid 160"
python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j['pid']==160 and j['name']=='web7' and j['source']=='libvirt'))" "$T/l.json"
ok $? "JSON: pid 160, name web7, source libvirt"
# libxml2 is loaded on the first parse (dlopen): a host without it gets an error that
# names it and says what to install, not a crash or an empty answer
PASSTHRU_LIBXML2=libxml2-absent.so.0 "$P" --sysroot "$T/root" vm web7 --json >"$T/l.json" 2>"$T/err"
is $? 2 "without libxml2, reading a domain's XML fails: exit 2"
grep -q "needs libxml2.*install the libxml2 package" "$T/err"
ok $? "and the error names libxml2 and the package to install"
diag "$T/err"

# libvirt present: its XML through `virsh dumpxml` (PASSTHRU_VIRSH: a fake virsh that
# records its arguments and knows one domain, huge: 100000 GiB on hugepages), only on "/"
mkdir -p "$T/bin"
cat >"$T/bin/virsh" <<EOF
#!/bin/sh
echo "\$*" >>"$T/virsh.args"
case "\$*" in *"--domain huge") ;; *) exit 1 ;; esac
echo "<domain type='kvm'><name>huge</name><memory unit='GiB'>100000</memory>"
echo "<memoryBacking><hugepages/></memoryBacking><vcpu>1</vcpu></domain>"
EOF
chmod +x "$T/bin/virsh"
PASSTHRU_VIRSH="$T/bin/virsh" "$P" --sysroot / vm check --domain huge --json >"$T/v.json" 2>"$T/err"
is $? 1 "vm check --domain huge: virsh dumpxml's 100000 GiB on hugepages do not fit: exit 1"
is "$(head -n1 "$T/virsh.args" 2>/dev/null)" "--readonly --connect qemu:///system dumpxml --domain huge" \
	"virsh ran read-only, for that domain"
grep -q '100000 GiB needs' "$T/v.json"
ok $? "the figures are the domain's, as virsh gave them"
diag "$T/err"
rm -f "$T/virsh.args"
sed "s/pid='4242'/pid='160'/; s/<name>vm1</<name>web7</" "$SRC/tests/data/libvirt/live-vm1.xml" \
	>"$T/root/run/libvirt/qemu/web7.xml"
PASSTHRU_VIRSH="$T/bin/virsh" "$P" --sysroot "$T/root" vm check --domain web7 >"$T/out" 2>"$T/err"
test $? -le 1 && test ! -e "$T/virsh.args"
ok $? "on a --sysroot tree no command runs: the live XML under its /run/libvirt/qemu is read"
diag "$T/err"
PASSTHRU_VIRSH="$T/bin/virsh" "$P" --sysroot "$T/root" vm web7 --json >"$T/l.json" 2>"$T/err"
python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j['pid']==160 and j['libvirt_xml']=='/run/libvirt/qemu/web7.xml'))" "$T/l.json"
ok $? "JSON: libvirt_xml names the live XML file it read"
PASSTHRU_VIRSH="$T/bin/virsh" "$P" --sysroot / vm check --domain no-such-domain-here >/dev/null 2>"$T/err"
is $? 2 "an unknown domain: exit 2"
grep -q "virsh dumpxml did not answer" "$T/err"
ok $? "and the message says virsh was asked, then the live XML"
diag "$T/err"

# 2. what is not a VM
"$P" --sysroot "$R" vm nosuchvm >/dev/null 2>"$T/err"
is $? 2 "an unknown VM exits 2"
grep -q "no running VM of that name" "$T/err"
ok $? "and says so"
"$P" --sysroot "$R" vm 1 >/dev/null 2>"$T/err"
is $? 2 "a pid without a process exits 2"

# 3. doctor names the holder
"$P" --sysroot "$R" doctor 0000:21:10.0 --json >"$T/d.json" 2>/dev/null
grep -q '"evidence": "process 160 (qemu-system-x86), VM vmA holds it open through vfio' "$T/d.json"
ok $? "doctor 0000:21:10.0: held by process 160, VM vmA"

# 4. before a launch
"$P" --sysroot "$R" vm check --memory 64M --hugepages 2M --devices 0000:21:10.0 --memlock 8M \
	>"$T/out" 2>&1
is $? 1 "vm check: 64 MiB on 2 MiB pages with 8 MiB memlock does not fit: exit 1"
grep -q "64 MiB needs 32 x 2048 KiB pages; node 0 has 0 free of 4" "$T/out"
ok $? "with the hugepage numbers"
grep -q "RLIMIT_MEMLOCK 8 MiB (--memlock) < 64 MiB to pin" "$T/out"
ok $? "with the memlock numbers"
"$P" --sysroot "$R" vm check --memory 64M --devices 0000:21:10.0 --memlock unlimited --cpus 0 >"$T/out" 2>&1
is $? 0 "vm check: no hugepages asked, unlimited memlock, CPU 0 on the VF's node: exit 0"
"$P" --sysroot "$R" vm check "$SRC/tests/data/libvirt/define-small.xml" --json >"$T/x.json" 2>&1
is $? 1 "vm check on a libvirt XML: 64 MiB on hugepages do not fit"
grep -q '"id": "vm.check.hugepages"' "$T/x.json"
ok $? "its hugepage check comes from <memoryBacking><hugepages/>"
"$P" --sysroot "$R" vm check "$SRC/tests/data/libvirt/broken.xml" >/dev/null 2>"$T/err"
is $? 2 "a broken XML file exits 2"
grep -q "broken.xml: line" "$T/err"
ok $? "naming the file and line"
"$P" --sysroot "$R" vm check --memory lots >/dev/null 2>&1
is $? 2 "--memory lots is refused"
tap_done
