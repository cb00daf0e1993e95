#!/usr/bin/env python3
# Writes the linker version script of libpassthru.so: exactly the functions the public
# headers (include/passthru/*.h) declare are global, everything else is local. Run at
# build time, so a function added to a public header is exported without a second list
# to keep in step; lib/internal.h stays private.
# Usage: gen-version-script.py OUT HEADER...
import re
import sys


def declared(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    # drop preprocessor lines (with continuations): macros may mention functions
    text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
    names = set()
    depth = 0
    i = 0
    # only top-level declarations: skip struct/enum bodies and parameter lists
    for m in re.finditer(r"[{}]|\b(pt_[A-Za-z0-9_]+)\s*\(", text):
        tok = m.group(0)
        if tok == "{":
            # extern "C" { opens no scope of its own worth counting
            if re.search(r'extern\s+"C"\s*$', text[i:m.start()]):
                i = m.end()
                continue
            depth += 1
        elif tok == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            before = text[max(0, m.start() - 200):m.start()]
            # "(*pt_fn)(" is a function pointer type, not a function
            if not before.rstrip().endswith("(*"):
                names.add(m.group(1))
        i = m.end()
    return names


def main():
    out, headers = sys.argv[1], sys.argv[2:]
    names = set()
    for h in headers:
        with open(h, encoding="utf-8") as f:
            names |= declared(f.read())
    with open(out, "w", encoding="utf-8") as f:
        f.write("/* generated from include/passthru/*.h by lib/gen-version-script.py */\n")
        f.write("PASSTHRU_0 {\nglobal:\n")
        for n in sorted(names):
            f.write("\t%s;\n" % n)
        f.write("local:\n\t*;\n};\n")


if __name__ == "__main__":
    main()
