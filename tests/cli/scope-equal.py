#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scoped scans answer as the full scan does (TAP).

    scope-equal.py FIXTURES_DIR      (PASSTHRU_BIN and PASSTHRU_TOP_SRCDIR set)

show, doctor, vfs, pools, assign and apply read only the devices they are about and what
their answers depend on (include/passthru/scope.h); PASSTHRU_SCAN=full makes them read
every function as before. On every fixture (each tree tests/gen/mkhost.py wrote into
FIXTURES_DIR, each tree and snapshot archive under tests/data/) and every function (a
a sample of each tree, every kind of function kept; doctor on a few kinds; the unit test
test-scope compares every function of every tree in one process), the two runs must agree:
  - show DEV --json and doctor DEV --json: the same exit status, stderr and document,
    except "warnings": the scoped run's are the full run's about what it read (each one
    of the full run's, and every full-run warning naming DEV among them);
  - show NETDEV, show of a missing device, vfs PF: the same status, output and stderr;
  - per fixture: pools --config, assign --dry-run of a few pools, apply --dry-run of a
    configuration with every PF's VF count and a few vfio-pci bindings.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

N = 0
FAILED = 0
TOP = os.environ.get("PASSTHRU_TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def ok(cond, what, detail=None):
    global N, FAILED
    N += 1
    print("%sok %d - %s" % ("" if cond else "not ", N, what))
    if not cond:
        FAILED += 1
        for line in str(detail or "").splitlines()[:16]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def run(root, state, args, full):
    env = dict(os.environ)
    env.pop("PASSTHRU_SCAN", None)
    if full:
        env["PASSTHRU_SCAN"] = "full"
    cmd = [os.environ["PASSTHRU_BIN"], "--sysroot", root, "--state-dir", state] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    return p.returncode, p.stdout, p.stderr


def load(out):
    try:
        return json.loads(out)
    except ValueError:
        return None


def diff(a, b, path=""):
    """The first place two JSON values differ, for the TAP diagnostic."""
    if type(a) is not type(b):
        return "%s: %r != %r" % (path or "/", a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s/%s: only in %s" % (path, k, "scoped" if k in a else "full")
            d = diff(a[k], b[k], path + "/" + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d" % (path or "/", len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (path or "/", a, b)


def same(root, state, args, what, dev=None):
    """Runs args scoped and full; compares status, stderr and output (JSON, warnings apart)."""
    rs, outs, errs = run(root, state + "-s", args, False)
    rf, outf, errf = run(root, state + "-f", args, True)
    if not ok(rs == rf and errs == errf, what + ": same status and stderr",
              "scoped %d: %s\nfull %d: %s" % (rs, errs, rf, errf)):
        return
    js, jf = load(outs), load(outf)
    if js is None or jf is None:
        ok(outs == outf, what + ": same output", "scoped:\n%s\nfull:\n%s" % (outs[:800], outf[:800]))
        return
    if isinstance(js, dict) and isinstance(jf, dict) and "warnings" in jf:
        ws, wf = js.pop("warnings", None), jf.pop("warnings")
        named = [w for w in wf if dev and dev in w]
        ok(isinstance(ws, list) and all(w in wf for w in ws) and all(w in ws for w in named),
           what + ": warnings are the full scan's about what was read",
           "scoped: %s\nfull: %s" % (ws, wf))
    d = diff(js, jf)
    ok(d is None, what + ": same document", d)


def sample(funcs, limit):
    """Every function of a small tree; on a large one (or an archive, unpacked by every
    run) every kind: the non-VFs spread over the tree, and VFs first, spread, last."""
    if len(funcs) <= limit:
        return funcs
    non_vf = [f for f in funcs if f.get("kind") != "vf"]
    vfs = [f for f in funcs if f.get("kind") == "vf"]
    half = max(1, limit // 2)
    pick = non_vf[::max(1, len(non_vf) // half)][:half]
    pick += vfs[::max(1, len(vfs) // max(1, limit - half - 1))][:limit - half - 1] + vfs[-1:]
    return pick


def diverse(funcs, n):
    """n functions of different kinds (a PF, a VF, a bridge, an endpoint ...)."""
    seen, out = set(), []
    for f in funcs:
        k = (f.get("kind"), str(f.get("class") or "")[:4])
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out[:n]


def config_for(funcs):
    """A host configuration: every PF's VF count as it is (and one more on the first),
    vfio-pci for a few endpoints, a vfs_of pool per PF and a devices pool per endpoint."""
    pfs = [f for f in funcs if f.get("kind") == "pf" and f.get("sriov")]
    eps = [f for f in funcs if f.get("kind") == "function" and
           not str(f.get("class") or "").startswith(("0604", "0609"))]
    lines = []
    if pfs:
        lines.append("sriov:")
        for i, f in enumerate(pfs[:6]):
            num = f["sriov"].get("num_vfs") or 0
            lines.append('  - pf: { bdf: "%s" }' % f["bdf"])
            lines.append("    vfs: %d" % (num + (1 if i == 0 else 0)))
    if eps:
        lines.append("passthrough:")
        for f in eps[:3]:
            lines.append('  - device: { bdf: "%s" }' % f["bdf"])
    pools = []
    for i, f in enumerate(pfs[:4]):
        pools.append(('pf%d' % i, 'vfs_of: [ { bdf: "%s" } ]' % f["bdf"]))
    for i, f in enumerate(eps[:4]):
        pools.append(('dev%d' % i, 'devices: [ { bdf: "%s" } ]' % f["bdf"]))
    if pools:
        lines.append("pools:")
        for name, body in pools:
            lines.append("  %s:\n    %s" % (name, body))
    return "\n".join(lines) + "\n", [p[0] for p in pools]


def fixture(name, root, tmp):
    state = os.path.join(tmp, name + "-state")
    rc, out, err = run(root, state + "-list", ["list", "--json"], True)
    doc = load(out)
    if not ok(rc == 0 and doc, "%s: list --json" % name, err):
        return
    funcs = doc["functions"]
    archive = root.endswith((".tar.gz", ".tgz"))
    for f in sample(funcs, 3 if archive else 4 if len(funcs) > 200 else 10):
        d = f["bdf"]
        same(root, state, ["show", d, "--json"], "%s: show %s" % (name, d), d)
    # doctor is show's facts through the gate: a function of each kind
    for f in diverse(funcs, 1 if archive else 3):
        d = f["bdf"]
        same(root, state, ["doctor", d, "--json"], "%s: doctor %s" % (name, d), d)
    with_net = [f for f in funcs if f.get("netdevs")]
    for f in with_net[:1 if archive else 2]:
        same(root, state, ["show", f["netdevs"][0], "--json"],
             "%s: show %s (netdev)" % (name, f["netdevs"][0]), f["bdf"])
    for f in [f for f in with_net if f.get("kind") == "pf"][:1]:
        same(root, state, ["vfs", f["bdf"], "--json"], "%s: vfs %s" % (name, f["bdf"]))
    if name == "dual-socket":
        same(root, state, ["show", "0000:ff:1f.7", "--json"], "%s: show of a missing function" % name)
        same(root, state, ["show", "nosuchnet0", "--json"], "%s: show of a missing netdev" % name)

    cfg, pools = config_for(funcs)
    path = os.path.join(tmp, name + "-host.yaml")
    with open(path, "w") as fh:
        fh.write(cfg)
    same(root, state, ["pools", "--config", path, "--json"], "%s: pools" % name)
    for p in pools[:1 if archive else 2]:
        same(root, state, ["assign", "evm", "--pool", p, "--config", path, "--dry-run",
                           "--format", "json"], "%s: assign --dry-run --pool %s" % (name, p))
    same(root, state, ["apply", "--dry-run", "--json", path], "%s: apply --dry-run" % name)


def main():
    fixtures = sys.argv[1]
    trees = []
    for c in sorted(os.listdir(fixtures)):
        if os.path.isdir(os.path.join(fixtures, c, "sys")):
            trees.append((c, os.path.join(fixtures, c)))
    data = os.path.join(TOP, "tests", "data")
    for c in sorted(os.listdir(data)):
        # lab-manyvfs: 2,085 functions in an archive of ~55,000 entries, unpacked again by
        # every passthru run (minutes here); test-labmany reads it, generated trees of
        # that size are test-scope's
        if c == "lab-manyvfs":
            continue
        for sub in ("root",):
            p = os.path.join(data, c, sub)
            if os.path.isdir(os.path.join(p, "sys")):
                trees.append((c, p))
        for f in sorted(os.listdir(os.path.join(data, c))):
            if f.endswith((".tar.gz", ".tgz")):
                trees.append((c + "/" + f, os.path.join(data, c, f)))
    ok(len(trees) >= 7, "fixtures found: %s" % " ".join(t[0] for t in trees))
    tmp = tempfile.mkdtemp(prefix="scope-equal.")
    try:
        # the switch is real: a full scan's show carries every warning list does
        messy = dict(trees).get("messy")
        if messy:
            rc, out, _ = run(messy, os.path.join(tmp, "sw"), ["list", "--json"], True)
            lw = (load(out) or {}).get("warnings")
            rc, out, _ = run(messy, os.path.join(tmp, "sw"), ["show", "0000:00:02.0", "--json"], True)
            fw = (load(out) or {}).get("warnings")
            rc, out, _ = run(messy, os.path.join(tmp, "sw"), ["show", "0000:00:02.0", "--json"], False)
            sw = (load(out) or {}).get("warnings")
            ok(lw and fw == lw and sw is not None and len(sw) < len(lw),
               "PASSTHRU_SCAN=full reads every function; the scoped show fewer", (lw, fw, sw))
        for name, root in trees:
            fixture(name.replace("/", "-"), root, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
