#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One answer whatever file it is read from (TAP): lib/pci.c reads IDs and class from a
function's uevent and the link and SR-IOV numbers from its config space, and falls back
to the single attribute files when those are missing or cut short; the driver is the
driver link's, whatever a stale uevent says.

    read-sources.py FIXTURES_DIR      (PASSTHRU_BIN names the binary)

For each fixture: a copy without any uevent file gives the same `list --json`, byte
for byte; a copy without uevent and with every config space cut to the 64 bytes an
unprivileged reader sees gives the same IDs, class, driver, link and SR-IOV counts
(what config space decides beyond that, ACS or MSI-X, is unknown there by design).
"""
import json
import os
import shutil
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
        for line in str(detail or "").splitlines()[:20]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def list_json(root):
    p = subprocess.run([os.environ["PASSTHRU_BIN"], "--sysroot", root, "list", "--json"],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def strip(root, cut_config):
    """Removes every PCI function's uevent; with cut_config, truncates config to 64."""
    n = 0
    for top, dirs, files in os.walk(os.path.join(root, "sys", "devices")):
        if "config" not in files or not os.path.isfile(os.path.join(top, "config")):
            continue
        if "uevent" in files:
            os.unlink(os.path.join(top, "uevent"))
            n += 1
        if cut_config:
            with open(os.path.join(top, "config"), "r+b") as f:
                f.truncate(64)
            n += 1
    return n


FIELDS = ("bdf", "vendor_id", "device_id", "subsystem_vendor_id", "subsystem_device_id",
          "class", "vendor_name", "device_name", "class_name", "kind", "driver", "link",
          "sriov", "physfn", "vf_index")


def facts(doc):
    return [{k: f.get(k) for k in FIELDS} for f in doc["functions"]]


def main():
    fixtures = sys.argv[1]
    cases = [c for c in ("dual-socket", "messy", "noiommu", "sriov-limits")
             if os.path.isdir(os.path.join(fixtures, c))]
    top = os.environ.get("PASSTHRU_TOP_SRCDIR")
    if top and os.path.isdir(os.path.join(top, "tests/data/lab-default/root")):
        cases.append(os.path.join(top, "tests/data/lab-default/root"))
    work = tempfile.mkdtemp(prefix="read-sources.")
    try:
        for case in cases:
            src = case if os.path.isabs(case) else os.path.join(fixtures, case)
            name = os.path.basename(case) if not os.path.isabs(case) else "lab-default"
            rc, want, err = list_json(src)
            ok(rc == 0, "%s: list --json exits 0" % name, err)
            for cut in (False, True):
                dst = os.path.join(work, "%s-%s" % (name, "cut" if cut else "nouevent"))
                shutil.copytree(src, dst, symlinks=True)
                n = strip(dst, cut)
                if n == 0 and not cut:
                    ok(True, "# SKIP %s has no uevent files (a snapshot capture)" % name)
                    continue
                ok(n > 0, "%s: %d uevent files removed%s" % (name, n,
                                                           " or config files cut to 64 bytes" if cut else ""))
                rc, got, err = list_json(dst)
                if not cut:
                    ok(rc == 0 and got == want,
                       "%s without uevent: the same list --json" % name,
                       err + "".join(l for l in __import__("difflib").unified_diff(
                           want.splitlines(True), got.splitlines(True), n=1))[:3000])
                    continue
                a, b = facts(json.loads(want)), facts(json.loads(got))
                diff = [(x, y) for x, y in zip(a, b) if x != y]
                ok(rc == 0 and len(a) == len(b) and not diff,
                   "%s without uevent, config 64 bytes: the same IDs, class, driver, link, "
                   "SR-IOV counts" % name, "\n".join("%r\n  != %r" % d for d in diff[:3]))
        # a driver relinked (as tests and tools do on captured trees), uevent untouched
        src = os.path.join(fixtures, "dual-socket")
        if os.path.isdir(src):
            dst = os.path.join(work, "relinked")
            shutil.copytree(src, dst, symlinks=True)
            d = os.path.realpath(os.path.join(dst, "sys/bus/pci/devices/0000:18:02.0"))
            t = os.readlink(os.path.join(d, "driver"))
            os.unlink(os.path.join(d, "driver"))
            os.symlink(t.rsplit("/", 1)[0] + "/vfio-pci", os.path.join(d, "driver"))
            with open(os.path.join(d, "uevent")) as f:
                stale = "DRIVER=iavf" in f.read()
            rc, out, err = list_json(dst)
            got = {f["bdf"]: f for f in json.loads(out)["functions"]} if rc == 0 else {}
            ok(stale and got.get("0000:18:02.0", {}).get("driver") == "vfio-pci",
               "a driver link relinked to vfio-pci wins over uevent's stale DRIVER=iavf",
               err or got.get("0000:18:02.0"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
