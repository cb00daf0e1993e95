#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Help, usage, the option parsers and the man page agree (TAP).

    help.py             (PASSTHRU_BIN names the binary, PASSTHRU_TOP_SRCDIR the sources)

For every command `passthru help` lists: `passthru help CMD` and `passthru CMD --help`
print the same text, one described line per option; the command's getopt options are
the table's (PASSTHRU_OPTCHECK, both ways); every option the help lists is accepted by
the parser; and man/passthru.8 documents every option in the command's own section.
"""
import os
import re
import subprocess
import sys
import tempfile

N = 0
FAILED = 0
BIN = os.environ["PASSTHRU_BIN"]
TOP = os.environ["PASSTHRU_TOP_SRCDIR"]


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


def run(*args, env=None, cwd=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True, env=e, cwd=cwd,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


OPT_RE = re.compile(r"^  (?:-(\w), |    )--([a-z][a-z0-9-]*)(?: (\S+))?(?:\s+(\S.*))?$")


def options(text):
    """[(short, long, arg, help)] from a help text; help may be on the next line."""
    out = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = OPT_RE.match(line)
        if not m:
            continue
        short, name, arg, hlp = m.groups()
        if not hlp and i + 1 < len(lines) and re.match(r"^ {20,}\S", lines[i + 1]):
            hlp = lines[i + 1].strip()
        out.append((short, name, arg, hlp))
    return out


def man_sections():
    """{command: text of its item in man/passthru.8's COMMANDS section}"""
    with open(os.path.join(TOP, "man", "passthru.8"), encoding="utf-8") as f:
        man = f.read()
    body = man.split("\n.SH COMMANDS\n", 1)[1].split("\n.SH ", 1)[0]
    sections = {}
    cur = None
    lines = body.splitlines()
    for i, line in enumerate(lines):
        # a command item: ".TP" then ".B cmd", ".BI cmd ...", ".BR cmd ..." at the top level
        if i > 0 and lines[i - 1] == ".TP":
            m = re.match(r'^\.B[IR]? "?([a-z]+)\b', line)
            depth = sum(1 for ln in lines[:i] if ln == ".RS") - sum(1 for ln in lines[:i] if ln == ".RE")
            if m and depth == 0:
                cur = m.group(1)
                sections[cur] = ""

        if cur:
            sections[cur] += line + "\n"
    return sections


def main():
    rc, top, _ = run("help")
    ok(rc == 0, "passthru help: exit 0")
    cmds = re.findall(r"^  ([a-z]+) +\S", top.split("Commands:", 1)[1].split("\n\n", 1)[0], re.M)
    ok(len(cmds) >= 13, "passthru help lists the commands (%d)" % len(cmds))
    man = man_sections()
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "root")
        os.mkdir(root)
        env = {"PASSTHRU_STATE_DIR": os.path.join(tmp, "state")}
        for c in cmds:
            rc1, h1, _ = run("help", c)
            rc2, h2, _ = run(c, "--help")
            ok(rc1 == 0 and rc2 == 0 and h1 == h2,
               "%s: 'help %s' and '%s --help' print the same, exit 0" % (c, c, c), h1 + h2)
            ok(h1.startswith("usage: passthru %s" % c), "%s: the help starts with the usage line" % c, h1)
            opts = options(h1)
            names = [o[1] for o in opts]
            # a subcommand's options follow "Options of 'passthru CMD SUB' (...)"
            subs = {}
            parts = re.split(r"^Options of 'passthru %s (\S+)'.*$" % c, h1, flags=re.M)
            for k in range(1, len(parts), 2):
                subs[parts[k]] = [o[1] for o in options(parts[k + 1])]
            sub_of = {n: sub for sub, ns in subs.items() for n in ns}
            ok("json" in names and "help" in names, "%s: --json and --help are listed" % c, h1)
            undescribed = [o[1] for o in opts if not o[3]]
            ok(not undescribed, "%s: every option has a one-line description" % c, undescribed)
            rc, out, err = run("--sysroot", root, c, env=dict(env, PASSTHRU_OPTCHECK="1"))
            ok(rc == 0 and "options ok" in out,
               "%s: the parser's options are the table's (PASSTHRU_OPTCHECK)" % c, out + err)
            for sub in subs:
                rc, out, err = run("--sysroot", root, c, sub, env=dict(env, PASSTHRU_OPTCHECK="1"))
                ok(rc == 0 and "options ok" in out,
                   "%s %s: the parser's options are the table's (PASSTHRU_OPTCHECK)" % (c, sub),
                   out + err)
            for short, name, arg, _ in opts:
                if name == "help":
                    continue
                # the short forms are checked by PASSTHRU_OPTCHECK (letter in the optstring)
                forms = [["--" + name] + ([arg.split("|")[0]] if arg else [])]
                for form in forms:
                    words = [c, sub_of[name]] if name in sub_of else [c]
                    rc, out, err = run("--sysroot", root, *words, *form, env=env, cwd=tmp)
                    rejected = re.search(r"unrecognized option|invalid option|requires an argument",
                                         err)
                    ok(not rejected, "%s %s: accepted by the parser" % (c, " ".join(form)), err)
            sect = man.get(c)
            if ok(sect is not None, "%s: man/passthru.8 has an item for it under COMMANDS" % c):
                missing = [n for n in names if n not in ("json", "help")
                           and not re.search(r"\\-\\-" + re.escape(n).replace("\\-", r"\\-") + r"\b",
                                             sect)]
                ok(not missing, "%s: man/passthru.8 documents every option in its item" % c,
                   "missing: %s" % missing)
    print("1..%d" % N)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
