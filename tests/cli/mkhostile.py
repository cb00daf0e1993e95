#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes hostile tar archives for tests/cli/sysroot-archive.sh into DIR.

    mkhostile.py DIR CANARY

CANARY is an absolute path outside any extraction directory: archives try to write it.
"""
import io
import os
import sys
import tarfile


def member(tf, name, data=b"x", kind=tarfile.REGTYPE, link="", size=None):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = link
    ti.mode = 0o644
    if kind == tarfile.REGTYPE:
        ti.size = len(data) if size is None else size
        tf.addfile(ti, io.BytesIO(data))
    else:
        tf.addfile(ti)


def write(path, members, fmt=tarfile.PAX_FORMAT, gz=True):
    with tarfile.open(path, "w:gz" if gz else "w", format=fmt) as tf:
        for m in members:
            member(tf, *m[:1], **m[1])


def main():
    d, canary = sys.argv[1], sys.argv[2]
    rel_up = "../" * 12 + canary.lstrip("/")
    base = [("sys", {"kind": tarfile.DIRTYPE})]
    write(os.path.join(d, "dotdot.tar.gz"), base + [(rel_up, {"data": b"pwned"})])
    write(os.path.join(d, "absolute.tar.gz"), base + [(canary, {"data": b"pwned"})])
    # a link to the canary's directory, then a file through it
    write(os.path.join(d, "through-link.tar.gz"), base + [
        ("sys/evil", {"kind": tarfile.SYMTYPE, "link": os.path.dirname(canary)}),
        ("sys/evil/" + os.path.basename(canary), {"data": b"pwned"})])
    # the same with a relative link that stays lexically inside but points at a link
    write(os.path.join(d, "through-rellink.tar.gz"), base + [
        ("sys/up", {"kind": tarfile.SYMTYPE, "link": ".."}),
        ("sys/up/x", {"data": b"inside"}),
        ("sys/a", {"kind": tarfile.SYMTYPE, "link": "up/../.."}),
        ("sys/a/" + os.path.basename(canary), {"data": b"pwned"})])
    # a file member named like an earlier link: must not write through it
    write(os.path.join(d, "over-link.tar.gz"), base + [
        ("sys/evil", {"kind": tarfile.SYMTYPE, "link": canary}),
        ("sys/evil", {"data": b"pwned"})])
    # a size claim far past the bound (the header only: the data is not there)
    buf = io.BytesIO()
    ti = tarfile.TarInfo("sys/huge")
    ti.size = 1 << 40
    blk = ti.tobuf(format=tarfile.GNU_FORMAT)
    with open(os.path.join(d, "huge.tar"), "wb") as f:
        f.write(blk + b"\0" * 1024)
    # a gzip bomb: 100 MiB of zeros in one member, past the 64 MiB bound
    with tarfile.open(os.path.join(d, "bomb.tar.gz"), "w:gz") as tf:
        ti = tarfile.TarInfo("sys/zeros")
        ti.size = 100 << 20

        class Zeros:
            left = 100 << 20

            def read(self, n=-1):
                n = self.left if n < 0 else min(n, self.left)
                self.left -= n
                return bytes(n)
        tf.addfile(ti, Zeros())
    # hard links, devices and FIFOs are skipped with a warning, the rest unpacks
    write(os.path.join(d, "special.tar.gz"), base + [
        ("sys/file", {"data": b"ok"}),
        ("sys/hard", {"kind": tarfile.LNKTYPE, "link": "sys/file"}),
        ("sys/fifo", {"kind": tarfile.FIFOTYPE}),
        ("sys/null", {"kind": tarfile.CHRTYPE})])
    with open(os.path.join(d, "garbage.tar.gz"), "wb") as f:
        f.write(b"\x1f\x8b\x08\x00" + os.urandom(600))


if __name__ == "__main__":
    main()
