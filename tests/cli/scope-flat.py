#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A command about one device reads as many files on a small host as on a large one (TAP).

    scope-flat.py FIXTURES_DIR      (PASSTHRU_BIN and PASSTHRU_TOP_SRCDIR set)

Two trees of tests/gen/mkhost.py's `large` case with the same PFs (63 VFs each), one
with 2 PFs (131 functions, written here) and FIXTURES_DIR/large (16 PFs, 1,041
functions); with PASSTHRU_TEST_BIG=1 a third of 64 PFs (4,097 functions, ~700 MB and
~1.5 min to write). On each, `show VF`, `doctor VF`, `assign --dry-run` of a pool of
that VF (the last VF) run under strace, and:
  - the files they open and the links they read are the same number on every tree
    (the device's own neighbourhood: its PF, bridges, group, its netdevs and disks, not
    /sys/class/net's links nor every function);
  - only two directory listings may grow with the host (/sys/bus/pci/devices and
    /sys/kernel/iommu_groups: the group count is part of the DMA evidence): the
    getdents64 calls may differ by a few, not by the host's size;
  - on the largest tree the answer of show and doctor is the full scan's
    (PASSTHRU_SCAN=full), as tests/cli/scope-equal.py checks on every fixture.
Skips (ok, with the reason) when strace is not installed.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

N = 0
FAILED = 0
TOP = os.environ.get("PASSTHRU_TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
OPEN = re.compile(r"^\d+ +(open|openat|openat2)\(")
LINK = re.compile(r"^\d+ +(readlink|readlinkat)\(")
DENTS = re.compile(r"^\d+ +getdents64\(")


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


def env_for(full=False):
    env = dict(os.environ)
    env.pop("PASSTHRU_SCAN", None)
    if full:
        env["PASSTHRU_SCAN"] = "full"
    # LeakSanitizer stops the world with ptrace, which strace holds
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"
    return env


def traced(work, root, args):
    """(opens, link reads, getdents64 calls, stdout) of one run under strace."""
    out = os.path.join(work, "trace")
    state = os.path.join(work, "state")
    shutil.rmtree(state, ignore_errors=True)
    cmd = ["strace", "-f", "-qq", "-o", out, "-e", "trace=open,openat,openat2,readlink,readlinkat,"
           "getdents64", os.environ["PASSTHRU_BIN"], "--sysroot", root, "--state-dir", state] + args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env_for())
    counts = [0, 0, 0]
    with open(out) as f:
        for line in f:
            for i, rx in enumerate((OPEN, LINK, DENTS)):
                if rx.match(line):
                    counts[i] += 1
    return counts, p.stdout, p.returncode


def plain(root, args, full):
    state = tempfile.mkdtemp(prefix="scope-flat-state.")
    try:
        cmd = [os.environ["PASSTHRU_BIN"], "--sysroot", root, "--state-dir", state] + args
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env_for(full))
        return p.returncode, p.stdout
    finally:
        shutil.rmtree(state, ignore_errors=True)


def commands(root, work):
    fns = sorted(os.listdir(os.path.join(root, "sys/bus/pci/devices")))
    vf = fns[-1]
    cfg = os.path.join(work, "host.yaml")
    with open(cfg, "w") as f:
        f.write('pools:\n  p:\n    devices: [ { bdf: "%s" } ]\n' % vf)
    return len(fns), {
        "show VF": ["show", vf, "--json"],
        "doctor VF": ["doctor", vf, "--json"],
        "assign --dry-run": ["assign", "vm1", "--pool", "p", "--config", cfg, "--dry-run",
                             "--json"],
    }


def main():
    if len(sys.argv) < 2:
        print("Bail out! usage: scope-flat.py FIXTURES_DIR")
        return 1
    if not shutil.which("strace"):
        print("1..1\nok 1 - # SKIP strace not installed (tools/install-deps installs it)")
        return 0
    gen = tempfile.mkdtemp(prefix="scope-flat.")
    try:
        sizes = ["2x63"] + (["64x63"] if os.environ.get("PASSTHRU_TEST_BIG") else [])
        trees = []
        for size in sizes[:1]:
            subprocess.run([sys.executable, os.path.join(TOP, "tests/gen/mkhost.py"), "--out",
                            os.path.join(gen, size), "--size", size, "large"], check=True,
                           stdout=subprocess.DEVNULL)
            trees.append(os.path.join(gen, size, "large"))
        trees.append(os.path.join(sys.argv[1], "large"))
        for size in sizes[1:]:
            subprocess.run([sys.executable, os.path.join(TOP, "tests/gen/mkhost.py"), "--out",
                            os.path.join(gen, size), "--size", size, "large"], check=True,
                           stdout=subprocess.DEVNULL)
            trees.append(os.path.join(gen, size, "large"))
        res = []  # per tree: (functions, {command: counts})
        for root in trees:
            n, cmds = commands(root, gen)
            got = {}
            for name, args in cmds.items():
                counts, _, rc = traced(gen, root, args)
                ok(rc in (0, 1), "%d functions: %s runs (exit %d)" % (n, name, rc))
                got[name] = counts
            res.append((n, got, cmds))
        small = res[0]
        for n, got, _ in res[1:]:
            for name, (opens, links, dents) in got.items():
                s_opens, s_links, s_dents = small[1][name]
                ok(opens == s_opens and links == s_links,
                   "%s: %d opens, %d link reads on %d functions = %d, %d on %d" %
                   (name, opens, links, n, s_opens, s_links, small[0]))
                ok(dents - s_dents <= 16,
                   "%s: %d directory reads on %d functions, %d on %d (only the bus and the "
                   "groups listings grow)" % (name, dents, n, s_dents, small[0]))
        n, _, cmds = res[-1]
        root = trees[-1]
        for name in ("show VF", "doctor VF"):
            scoped = plain(root, cmds[name], False)
            full = plain(root, cmds[name], True)
            ok(scoped == full, "%d functions: %s answers as the full scan" % (n, name),
               "scoped exit %d, full exit %d" % (scoped[0], full[0]))
    finally:
        shutil.rmtree(gen, ignore_errors=True)
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
