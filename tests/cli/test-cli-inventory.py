#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""passthru list / show, as a user runs them, over the fixture sysroots (TAP).

    test-cli-inventory.py FIXTURES_DIR      (PASSTHRU_BIN names the binary)

FIXTURES_DIR is what tests/gen/mkhost.py --out wrote: dual-socket, messy, noiommu, large.
"""
import json
import os
import subprocess
import sys

N = 0
FAILED = 0


def ok(cond, what, detail=None):
    global N, FAILED
    N += 1
    print("%sok %d - %s" % ("" if cond else "not ", N, what))
    if not cond:
        FAILED += 1
        if detail is not None:
            for line in str(detail).splitlines()[:20]:
                print("#   " + line)
    sys.stdout.flush()
    return cond


def eq(got, want, what):
    return ok(got == want, what, "got %r, want %r" % (got, want))


def run(root, *args, env_root=False):
    env = dict(os.environ)
    cmd = [os.environ["PASSTHRU_BIN"]]
    if env_root:
        env["PASSTHRU_SYSROOT"] = root
    else:
        cmd += ["--sysroot", root]
    p = subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=100)
    return p.returncode, p.stdout, p.stderr


def run_json(root, *args, **kw):
    rc, out, err = run(root, *args, **kw)
    ok(rc == 0, "passthru %s exits 0" % " ".join(args), err)
    try:
        return json.loads(out)
    except ValueError as e:
        ok(False, "passthru %s prints valid JSON" % " ".join(args), "%s\n%s" % (e, out[:400]))
        return None


def by_bdf(doc):
    return {f["bdf"]: f for f in doc["functions"]} if doc else {}


def dual_socket(root):
    doc = run_json(root, "list", "--json")
    if not doc:
        return
    f = by_bdf(doc)
    eq(doc.get("version"), 1, "list --json: schema version 1")
    eq(len(doc["functions"]), 29, "dual-socket: 29 functions")
    eq(doc["warnings"], [], "dual-socket: no warnings")
    pf = f.get("0000:18:00.0", {})
    eq(pf.get("kind"), "pf", "18:00.0 is a PF")
    s = pf.get("sriov") or {}
    eq((s.get("num_vfs"), s.get("total_vfs")), (4, 64), "PF: 4 of 64 VFs")
    eq(s.get("vf_device_id"), "154c", "PF: VF device id 154c")
    eq(s.get("vfs"), ["0000:18:02.%d" % i for i in range(4)], "PF: VF list in virtfn order")
    eq(pf.get("netdevs"), ["ens1f0"], "PF: netdev ens1f0")
    vf1 = f.get("0000:18:02.1", {})
    eq((vf1.get("kind"), vf1.get("physfn"), vf1.get("vf_index")), ("vf", "0000:18:00.0", 1),
       "VF 1: physfn and index")
    eq(vf1.get("numa_node"), 1, "VF 1: numa_node 1 (differs from its PF)")
    eq(vf1.get("pf_netdev"), "ens1f0", "VF 1: pf_netdev ens1f0")
    eq(f.get("0000:18:02.2", {}).get("driver"), "vfio-pci", "VF 2 bound to vfio-pci")
    eq(vf1.get("link", {}).get("degraded"), None, "VF link degradation unknown (null)")
    nic = f.get("0000:02:00.0", {}).get("link", {})
    eq((nic.get("speed"), nic.get("width"), nic.get("max_width"), nic.get("degraded")),
       ("8.0 GT/s", 4, 8, True), "02:00.0 link 8 GT/s x4 of x8: degraded")
    eq(f.get("0000:82:00.0", {}).get("blockdevs"), ["nvme0n1"], "82:00.0 namespace nvme0n1")
    eq(f.get("0000:86:00.0", {}).get("blockdevs"), ["nvme1n1"], "86:00.0 multipath nvme1n1")
    vmd = f.get("10000:01:00.0", {})
    eq((vmd.get("bdf"), vmd.get("iommu_group")), ("10000:01:00.0", None),
       "VMD child with 32-bit domain, no group")
    eq(f.get("0000:81:00.0", {}).get("class"), "030000", "GPU class 030000")

    sh = run_json(root, "show", "0000:05:00.0", "--json")
    if sh:
        g = sh.get("group") or {}
        eq(g.get("id"), 5, "show 05:00.0: group 5")
        eq(g.get("viable"), True, "show 05:00.0: group viable")
        eq([m["bdf"] for m in g.get("members", [])],
           ["0000:04:08.0", "0000:04:10.0", "0000:05:00.0", "0000:06:00.0"],
           "show 05:00.0: four members")
        eq([m["bridge"] for m in g.get("members", [])], [True, True, False, False],
           "show 05:00.0: the ports are bridges")
        eq(g.get("acs_culprit"), "0000:04:08.0", "show 05:00.0: culprit downstream port 04:08.0")
        up = sh.get("upstream", [])
        eq([u["bdf"] for u in up], ["0000:04:08.0", "0000:03:00.0", "0000:00:03.0"],
           "show 05:00.0: upstream path nearest first")
        if len(up) == 3:
            eq(up[0]["acs"]["present"], False, "downstream port: no ACS")
            eq(up[2]["acs"]["isolates"], True, "root port: ACS isolates")
            eq(up[2]["pcie_type"], 4, "root port: PCIe type 4")
        eq(sh.get("root"), "pci0000:00", "show 05:00.0: root pci0000:00")
    sh = run_json(root, "show", "0000:81:00.0", "--json")
    if sh:
        g = sh.get("group") or {}
        eq((g.get("viable"), g.get("acs_culprit")), (False, "0000:81:00.0"),
           "show GPU: not viable, the GPU itself is the culprit")
    sh = run_json(root, "show", "ens1f0v0", "--json")
    if sh:
        eq(sh.get("bdf"), "0000:18:02.0", "show by netdev name ens1f0v0")
        eq(sh.get("msix", {}).get("table_size"), 5, "VF MSI-X table decoded")
    sh = run_json(root, "show", "10000:01:00.0", "--json")
    if sh:
        eq([u["bdf"] for u in sh.get("upstream", [])], ["10000:00:02.0", "0000:00:0e.0"],
           "show VMD child: upstream through the VMD endpoint")

    d = run_json(root, "list", "--class", "display", "--json")
    if d:
        eq([x["bdf"] for x in d["functions"]], ["0000:81:00.0"], "list --class display: the GPU")
    d = run_json(root, "list", "--pf", "0000:18:00.0", "--json")
    if d:
        eq(len(d["functions"]), 5, "list --pf: the PF and its 4 VFs")
    rc, out, err = run(root, "list", "--pf", "0000:02:00.0")
    ok(rc == 2 and "not an SR-IOV physical function" in err, "list --pf on a non-PF: exit 2",
       (rc, err))
    rc, out, err = run(root, "show", "0000:99:00.0")
    ok(rc == 2 and "no such PCI function" in err, "show of an absent BDF: exit 2 and why",
       (rc, err))
    rc, out, err = run(root, "list")
    ok(rc == 0 and "└─0000:18:02.3" in out, "human list: VFs drawn under their PF", out[:2000])
    rc, out, err = run(root, "show", "0000:02:00.0")
    ok(rc == 0 and "DEGRADED" in out, "human show: degraded link called out", out)
    rc, out, err = run(root, "show", "0000:06:00.0")
    ok(rc == 0 and "why shared: 0000:04:10.0" in out, "human show: why the group is shared", out)


def messy(root):
    doc = run_json(root, "list", "--json")
    if not doc:
        return
    f = by_bdf(doc)
    eq(len(doc["functions"]), 8, "messy: 8 functions")
    ok(any("vanished" in w for w in doc["warnings"]), "messy: vanished device warned",
       doc["warnings"])
    ok(any("group 99" in w for w in doc["warnings"]), "messy: dangling group warned")
    lpc = f.get("0000:00:1f.0", {})
    eq((lpc.get("iommu_group"), lpc.get("iommu_group_dangling")), (None, True),
       "messy: dangling iommu_group is null and flagged")
    part = f.get("0000:00:03.0", {})
    eq((part.get("device_id"), part.get("numa_node"), part.get("driver"), part.get("config_bytes")),
       (None, None, None, 0), "messy: partial function: unknowns are null")
    eq(f.get("0000:00:02.0", {}).get("config_bytes"), 64, "messy: 64-byte config")
    eq(f.get("0000:00:02.0", {}).get("acs", {}).get("present"), None, "messy: ACS unknown")
    sh = run_json(root, "show", "0000:00:05.0", "--json")
    if sh:
        eq(sh["sriov"]["num_vfs"], None, "messy PF: num_vfs unknown")
        eq(sh["sriov"]["vfs"], ["0000:00:05.1", "0000:00:05.2"], "messy PF: both virtfn links")
    rc, out, err = run(root, "show", "0000:00:05.0")
    ok(rc == 0 and "0000:00:05.2" in out, "messy: human show of a PF with a missing VF", err)
    rc, out, err = run(root, "show", "0000:00:1f.0")
    ok(rc == 0 and "dangles" in out, "messy: human show explains the dangling group", out)
    # human output shows every warning the JSON carries, one "warning:" line each on
    # stderr, for every command that reads the host
    warns = doc["warnings"]
    # five about devices (all-ones config, two misplaced virtfn links, a vanished
    # device, a dangling group) and two about the stray entries on the bus (README, slot1)
    eq(len(warns), 8, "messy: list --json carries 8 warnings")
    # (show and doctor scan a scope: the device and what its answer depends on, so they
    # carry the warnings about what they read, each of them one of list's)
    for args in (("list",), ("show", "0000:00:05.0"), ("check",), ("doctor", "0000:00:05.0")):
        rc, out, err = run(root, *(args + ("--json",)))
        try:
            got = json.loads(out).get("warnings")
        except ValueError:
            got = None
        if args[0] in ("list", "check"):
            eq(got, warns, "messy: %s --json carries the same warnings" % args[0])
        else:
            eq(got, [w for w in warns if w.startswith("0000:00:05.0:")],
               "messy: %s --json carries list's warnings about the PF it read" % args[0])
        rc, out, err = run(root, *args)
        lines = [l for l in err.splitlines() if "warning: " in l]
        ok(got is not None and all(any(l.endswith("warning: " + w) for l in lines) for w in got) and
           len(lines) == len(got),
           "messy: human %s prints each of the JSON's warnings once" % args[0], err)


def noiommu(root):
    doc = run_json(root, "list", "--json")
    if not doc:
        return
    eq(len(doc["functions"]), 3, "noiommu: 3 functions")
    eq(sorted({x["iommu_group"] is None for x in doc["functions"]}), [True],
       "noiommu: every iommu_group null")
    sh = run_json(root, "show", "eth0", "--json", env_root=True)
    if sh:
        eq((sh.get("bdf"), sh.get("group")), ("0000:00:03.0", None),
           "noiommu: show eth0 via PASSTHRU_SYSROOT: no group")


def large(root):
    doc = run_json(root, "list", "--json", env_root=True)
    if not doc:
        return
    fs = doc["functions"]
    ok(len(fs) >= 1000, "large: at least 1000 functions (%d)" % len(fs))
    pfs = [x for x in fs if x["kind"] == "pf"]
    vfs = [x for x in fs if x["kind"] == "vf"]
    eq(len(pfs), 16, "large: 16 PFs")
    eq(len(vfs), 16 * 63, "large: 1008 VFs")
    ok(all(len(p["sriov"]["vfs"]) == 63 for p in pfs), "large: each PF lists 63 VFs")
    pf0 = next((p for p in pfs if p["bdf"] == "0000:10:00.0"), {})
    eq(pf0.get("sriov", {}).get("vfs", [])[8:13],
       ["0000:10:03.0", "0000:10:03.1", "0000:10:03.2", "0000:10:03.3", "0000:10:03.4"],
       "large: VFs 8-12 of 10:00.0 in virtfn order (numeric, not textual)")
    vf12 = next((v for v in vfs if v["bdf"] == "0000:10:03.4"), {})
    eq((vf12.get("physfn"), vf12.get("vf_index")), ("0000:10:00.0", 12), "large: 10:03.4 is VF 12")
    eq(len({x["iommu_group"] for x in fs}), len(fs), "large: every function in its own group")
    eq(doc["warnings"], [], "large: no warnings")


def main():
    if len(sys.argv) < 2 or "PASSTHRU_BIN" not in os.environ:
        print("Bail out! usage: PASSTHRU_BIN=... test-cli-inventory.py FIXTURES_DIR")
        return 1
    fx = sys.argv[1]
    for name, fn in (("dual-socket", dual_socket), ("messy", messy), ("noiommu", noiommu),
                     ("large", large)):
        root = os.path.join(fx, name)
        if ok(os.path.isdir(root + "/sys"), "fixture %s exists" % name):
            fn(root)
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
