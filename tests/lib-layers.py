#!/usr/bin/env python3
# The library's layers (docs/ARCHITECTURE.md), checked on the built archive: every
# call between lib/ files, read from the objects' symbols, goes to the same layer or
# one below, and no file calls one that calls it back. TAP output.
# Usage: lib-layers.py LIBPASSTHRU.a
import collections
import subprocess
import sys

LAYERS = [
    # what changes state, and what joins every source (the VM view, the gate's facts,
    # the config loader over the drop-ins one-shot commands write)
    ("actors", "assign apply journal state state-db oneshot config-load vm hostfacts boot boot-detect scope"),
    ("judges", "check doctor safety judge plan allocate group match vm-judge topo sriov-predict hugepage-plan advise vfio-backend"),
    ("gatherers", "pci host klog ethtool nl-socket snapshot pci-access vfio-holder virsh vmm-probe"),
    ("readers", "profile profile-schema schema yaml-tree netlink config-space pci-ids tar-writer tar-reader "
                "vm-parse libvirt-xml"),
    ("bottom", "sysroot walk state-dir sqlite-load parse bdf pci-class run"),
]
layer = {f: i for i, (_, files) in enumerate(LAYERS) for f in files.split()}

out = subprocess.run(["nm", sys.argv[1]], capture_output=True, text=True, check=True).stdout
defs, uses, member = {}, collections.defaultdict(set), None
for line in out.splitlines():
    if line.endswith(".o:"):
        member = line[:-1].rsplit("/", 1)[-1]
        member = member[: -len(".c.o")] if member.endswith(".c.o") else member[: -len(".o")]
        continue
    p = line.split()
    if len(p) == 3 and p[1] in "TDBR":
        defs[p[2]] = member
    elif len(p) == 2 and p[0] == "U":
        uses[member].add(p[1])
files = sorted(set(defs.values()) | set(uses))
edges = {(a, defs[u]) for a in uses for u in uses[a] if u in defs and defs[u] != a}

n, failed = 0, False
def tap(ok, what):
    global n, failed
    n += 1
    failed |= not ok
    print(("ok" if ok else "not ok"), n, "-", what)

unknown = [f for f in files if f not in layer]
tap(not unknown, "every lib file has a layer" + (": add " + ", ".join(unknown) if unknown else ""))
up = sorted(f"{a} -> {b}" for a, b in edges if a in layer and b in layer and layer[b] < layer[a])
tap(not up, "no call goes up a layer" + (": " + "; ".join(up) if up else ""))

graph = collections.defaultdict(set)
for a, b in edges:
    graph[a].add(b)
state, cycle = {}, []
def visit(v, path):
    state[v] = 1
    for w in sorted(graph[v]):
        if state.get(w) == 1 and not cycle:
            cycle.extend(path[path.index(w):] + [w])
        elif w not in state:
            visit(w, path + [w])
    state[v] = 2
for f in files:
    if f not in state:
        visit(f, [f])
tap(not cycle, "no cycle between lib files" + (": " + " -> ".join(cycle) if cycle else ""))
tap(len(edges) > 20, f"the symbols were read ({len(edges)} calls between {len(files)} files)")
print(f"1..{n}")
sys.exit(1 if failed else 0)
