#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""passthru check --format prometheus, read as node_exporter's textfile collector reads it (TAP).

    prometheus.py FIXTURES_DIR      (PASSTHRU_BIN and PASSTHRU_TOP_SRCDIR set)

Every fixture sysroot (tests/gen/mkhost.py and tests/data/lab-default) is checked against
every example profile in docs/examples; each output must parse under the text exposition
format's rules the collector enforces: a metric's HELP and TYPE at most once and before
its samples, its samples together, valid metric and label names, label values escaped
(\\\\, \\", \\n only), a float value, and no series (name + label set) twice.
"""
import os
import re
import subprocess
import sys

N = 0
FAILED = 0

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


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


def parse_labels(s, lineno):
    """'{a="x",b="y"}' body -> list of (name, value); raises ValueError."""
    out, i = [], 0
    while i < len(s):
        m = re.match(r"([^=]*)=\"", s[i:])
        if not m:
            raise ValueError("line %d: bad label at %r" % (lineno, s[i:]))
        name = m.group(1)
        if not LABEL.match(name) or name.startswith("__"):
            raise ValueError("line %d: invalid label name %r" % (lineno, name))
        i += m.end()
        val = []
        while True:
            if i >= len(s):
                raise ValueError("line %d: unterminated label value" % lineno)
            c = s[i]
            if c == "\\":
                if i + 1 >= len(s) or s[i + 1] not in '\\"n':
                    raise ValueError("line %d: bad escape in label value" % lineno)
                val.append({"\\": "\\", '"': '"', "n": "\n"}[s[i + 1]])
                i += 2
                continue
            if c == "\n":
                raise ValueError("line %d: raw newline in label value" % lineno)
            if c == '"':
                i += 1
                break
            val.append(c)
            i += 1
        out.append((name, "".join(val)))
        if i < len(s):
            if s[i] != ",":
                raise ValueError("line %d: expected ',' between labels" % lineno)
            i += 1
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise ValueError("line %d: a label repeated" % lineno)
    return out


def parse(text):
    """Strict textfile parse; returns the number of samples or raises ValueError."""
    helps, types, seen, done = set(), {}, set(), set()
    current = None
    samples = 0
    if text and not text.endswith("\n"):
        raise ValueError("the file does not end with a newline")
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.match(name):
                    raise ValueError("line %d: invalid metric name %r" % (lineno, name))
                if parts[1] == "HELP":
                    if name in helps:
                        raise ValueError("line %d: second HELP for %s" % (lineno, name))
                    helps.add(name)
                else:
                    if name in types:
                        raise ValueError("line %d: second TYPE for %s" % (lineno, name))
                    if name in seen:
                        raise ValueError("line %d: TYPE for %s after its samples" % (lineno, name))
                    if len(parts) < 4 or parts[3] not in ("counter", "gauge", "histogram",
                                                          "summary", "untyped"):
                        raise ValueError("line %d: bad TYPE" % lineno)
                    types[name] = parts[3]
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+(-?\d+))?\Z", line)
        if not m:
            raise ValueError("line %d: not a sample: %r" % (lineno, line))
        name, labels, value = m.group(1), m.group(3), m.group(4)
        if name != current:
            if name in done:
                raise ValueError("line %d: samples of %s are not together" % (lineno, name))
            if current:
                done.add(current)
            current = name
        seen.add(name)
        lab = parse_labels(labels or "", lineno)
        key = (name, tuple(sorted(lab)))
        if key in seen:
            raise ValueError("line %d: duplicate series %s%s" % (lineno, name, dict(lab)))
        seen.add(key)
        try:
            float(value)
        except ValueError:
            raise ValueError("line %d: value %r is not a number" % (lineno, value))
        samples += 1
    return samples


def selftest():
    good = '# HELP a x\n# TYPE a gauge\na{x="1"} 1\na{x="2"} 0\n'
    try:
        ok(parse(good) == 2, "the parser reads a valid file")
    except ValueError as e:
        ok(False, "the parser reads a valid file", e)
    for bad, what in (('a{x="1"} 1\na{x="1"} 2\n', "a duplicate series"),
                      ('# TYPE a gauge\n# TYPE a gauge\na 1\n', "a second TYPE"),
                      ('a{x="\\q"} 1\n', "a bad escape"),
                      ('a 1\nb 1\na{y="1"} 1\n', "samples apart"),
                      ('a{1x="1"} 1\n', "a bad label name")):
        try:
            parse(bad)
            ok(False, "the parser rejects " + what)
        except ValueError:
            ok(True, "the parser rejects " + what)


def main():
    fixtures = sys.argv[1]
    top = os.environ["PASSTHRU_TOP_SRCDIR"]
    roots = [os.path.join(fixtures, c) for c in ("dual-socket", "messy", "noiommu")]
    roots.append(os.path.join(top, "tests/data/lab-default/root"))
    profiles = sorted(os.path.join(top, "docs/examples", f)
                      for f in os.listdir(os.path.join(top, "docs/examples")) if f.endswith(".yaml"))
    selftest()
    for root in roots:
        for prof in profiles:
            what = "%s, %s" % (os.path.basename(root.rstrip("/").replace("/root", "")),
                               os.path.basename(prof))
            p = subprocess.run([os.environ["PASSTHRU_BIN"], "--sysroot", root, "check", "--profile",
                                prof, "--format", "prometheus"], capture_output=True, text=True,
                               timeout=100)
            if not ok(p.returncode in (0, 1), "%s: check runs (exit %d)" % (what, p.returncode),
                      p.stderr):
                continue
            try:
                n = parse(p.stdout)
                ok(n > 0, "%s: the textfile collector would accept it (%d samples)" % (what, n))
            except ValueError as e:
                ok(False, "%s: the textfile collector would accept it" % what, e)
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
