#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One judgement per fact: every read command agrees on every device (TAP).

    consistency.py FIXTURES_DIR      (PASSTHRU_BIN and PASSTHRU_TOP_SRCDIR set)

On each fixture sysroot (tests/gen/mkhost.py: dual-socket, messy, noiommu; and the lab
capture tests/data/lab-default) and for each PCI function, the commands' --json output
must agree on:
  - DMA remapping: show's dma_remapping, check's and doctor's iommu.dma-remapping;
  - NUMA node: show's numa.node, check's numa.locality (profile numa_node), doctor's
    numa.locality, pools' numa_node and assign --dry-run's devices[].numa_node;
  - assignability: show's assignable, check's and doctor's iommu.group-viable (pass or
    warn: assignable), pools (free, not blocked) and assign --dry-run (granted or not).
A devices pool hands out whole IOMMU groups (a GPU with its audio function): each group
with endpoints gets one pool (devices: [ its first endpoint ]), a function without a group
or with no endpoint beside it one of its own. pools and assign judge the group as the
unit they hand out, so their assignability is the unit's: every endpoint of the group
assignable but for sharing the group with the others (show's causes), with DMA on.
A bridge or port in a group with endpoints is not a pool's of its own: pools and assign
are not asked about it.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

N = 0
FAILED = 0


def ok(cond, what, detail=None):
    global N, FAILED
    N += 1
    print("%sok %d - %s" % ("" if cond else "not ", N, what))
    if not cond:
        FAILED += 1
        for line in str(detail or "").splitlines()[:12]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def run(root, state, *args):
    cmd = [os.environ["PASSTHRU_BIN"], "--sysroot", root, "--state-dir", state] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def js(root, state, *args):
    rc, out, err = run(root, state, *args)
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, err


def checks(doc, cid, dev, subject=None):
    return [c for c in (doc or {}).get("checks", [])
            if c["id"] == cid and c["device"] in (dev, None, "") and
            (subject is None or c.get("subject") == subject)]


def dma_of(doc):
    c = checks(doc, "iommu.dma-remapping", None)
    if not c:
        return "missing"
    c = c[0]
    if c["result"] == "pass":
        return True
    if c["result"] == "warn" and "incomplete" in (c.get("decision") or ""):
        return None
    return False


def assignable_of(doc, dev):
    c = [x for x in checks(doc, "iommu.group-viable", dev) if x["device"] == dev]
    if not c:
        return "missing"
    return c[0]["result"] in ("pass", "warn")


def doctor_node(doc, dev):
    for c in checks(doc, "numa.locality", dev):
        if c["device"] != dev:
            continue
        m = re.search(r"node (\d+)(?: \(its PF's\))?, local CPUs", c["evidence"])
        if m:
            return int(m.group(1))
        if "unknown" in c["evidence"]:
            return None
    return "missing"


def check_node(doc, dev):
    for c in checks(doc, "numa.locality", dev, "node"):
        if c["device"] != dev:
            continue
        m = re.match(r"numa_node (\d+|unknown)", c["evidence"])
        if m:
            return None if m.group(1) == "unknown" else int(m.group(1))
    return "missing"


def fixture(name, root, tmp):
    state = os.path.join(tmp, name + "-state")
    rc, doc, err = js(root, state, "list", "--json")
    if not ok(rc == 0 and doc, "%s: list" % name, err):
        return
    devs = [f["bdf"] for f in doc["functions"]]
    # a devices pool hands out whole IOMMU groups: one pool per group (a device without
    # a group is a pool of its own)
    def endpoint(fn):
        return not str(fn.get("class") or "").startswith(("0604", "0609"))

    group_eps = {}
    for fn in doc["functions"]:
        if fn.get("iommu_group") is not None and endpoint(fn):
            group_eps.setdefault(fn["iommu_group"], []).append(fn["bdf"])
    pools = {}
    key = {}
    cfg = os.path.join(tmp, name + "-host.yaml")
    with open(cfg, "w") as f:
        f.write("pools:\n")
        for i, fn in enumerate(doc["functions"]):
            d, g = fn["bdf"], fn.get("iommu_group")
            if g is not None and g in group_eps:
                if not endpoint(fn):
                    continue  # a bridge beside endpoints: not handed out on its own
                k = ("g", g)
            else:
                k = ("d", d)
            if k not in key:
                key[k] = "p%d" % i
                f.write('  p%d:\n    devices: [ { bdf: "%s" } ]\n' % (i, d))
            pools[d] = key[k]
    showdoc = {}
    for d in devs:
        rc, sd, err = js(root, state, "show", d, "--json")
        showdoc[d] = sd if rc == 0 else None

    def unit_assignable(d, g):
        members = group_eps.get(g, []) if g is not None else []
        if len(members) < 2:
            return None  # a unit of one: the function's own judgement
        if showdoc[d].get("dma_remapping") is not True:
            return False
        for m in members:
            causes = (showdoc.get(m) or {}).get("causes") or []
            if any(c.get("kind") != "iommu-group-shared" for c in causes):
                return False
        return True

    groups = {fn["bdf"]: fn.get("iommu_group") for fn in doc["functions"]}
    rc, pdoc, err = js(root, state, "pools", "--config", cfg, "--json")
    ok(rc == 0 and pdoc, "%s: pools --json" % name, err)
    prow = {}
    for p in (pdoc or {}).get("pools", []):
        prow.setdefault(p["pool"], []).append(p)

    host_dma = set()
    for d in devs:
        facts = {}
        rc, show, err = js(root, state, "show", d, "--json")
        if not ok(rc == 0 and show, "%s %s: show --json" % (name, d), err):
            continue
        facts["show"] = (show.get("dma_remapping", "missing"), (show.get("numa") or {}).get("node", "missing"),
                         show.get("assignable", "missing"))
        prof = os.path.join(tmp, "p.yaml")
        with open(prof, "w") as f:
            f.write('devices:\n  - match: { bdf: "%s" }\n    numa_node: 0\n' % d)
        rc, chk, err = js(root, state, "check", "--profile", prof, "--json")
        facts["check"] = (dma_of(chk), check_node(chk, d), assignable_of(chk, d))
        rc, doc_, err = js(root, state, "doctor", d, "--json")
        facts["doctor"] = (dma_of(doc_), doctor_node(doc_, d), assignable_of(doc_, d))
        rows = prow.get(pools.get(d), [])
        if len(rows) == 1:
            r = rows[0]
            facts["pools"] = (facts["show"][0], r["numa_node"],
                              True if r["free"] == 1 else False if r["blocked"] == 1 else "?")
        else:
            facts["pools"] = ("missing",) * 3
        rc, adoc, err = js(root, state, "assign", "cvm", "--pool", pools.get(d, "-"), "--config", cfg,
                           "--dry-run", "--format", "json")
        mine = [x for x in (adoc or {}).get("devices") or [] if x.get("bdf") == d]
        if rc == 0 and mine:
            facts["assign"] = (facts["show"][0], mine[0].get("numa_node"), True)
        else:
            facts["assign"] = (facts["show"][0], facts["show"][1], False if rc == 1 else "rc %d" % rc)
        want = facts["show"]
        unit = unit_assignable(d, groups.get(d)) if d in pools else None
        if d not in pools:
            facts.pop("pools")
            facts.pop("assign")
        if unit is not None:
            # pools and assign answer for the group they hand out as one
            for k in ("pools", "assign"):
                facts[k] = facts[k][:2] + (want[2] if facts[k][2] == unit else
                                           "%r, the unit is %r" % (facts[k][2], unit),)
        host_dma.add(want[0])
        detail = "\n".join("%-7s dma=%r node=%r assignable=%r" % ((k,) + v) for k, v in facts.items())
        ok(all(v[0] == want[0] for v in facts.values()),
           "%s %s: every command agrees on DMA remapping (%r)" % (name, d, want[0]), detail)
        ok(all(v[1] == want[1] for v in facts.values()),
           "%s %s: every command agrees on the NUMA node (%r)" % (name, d, want[1]), detail)
        ok(all(v[2] == want[2] for v in facts.values()),
           "%s %s: every command agrees on assignability (%r)" % (name, d, want[2]), detail)
    ok(len(host_dma) == 1, "%s: one DMA-remapping answer for the whole host" % name, host_dma)


def main():
    fx = sys.argv[1]
    top = os.environ["PASSTHRU_TOP_SRCDIR"]
    with tempfile.TemporaryDirectory(prefix="pt-consistency-") as tmp:
        for name in ("dual-socket", "messy", "noiommu"):
            fixture(name, os.path.join(fx, name), tmp)
        fixture("lab-default", os.path.join(top, "tests/data/lab-default/root"), tmp)
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
