#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Wraps what `passthru assign --format libvirt` prints into a minimal libvirt domain,
so virt-xml-validate (which validates whole documents) can judge it: what comes before
the "devices: inside <devices>" comment goes under <domain> (<numatune>), the rest
under <devices>.

    wrap-domain.py ASSIGN-OUTPUT [VM-NAME] > domain.xml
"""
import sys

text = open(sys.argv[1]).read()
name = sys.argv[2] if len(sys.argv) > 2 else "vm"
marker = "<!-- devices: inside <devices> -->"
if marker not in text:
    sys.exit("wrap-domain.py: %s has no '%s' line" % (sys.argv[1], marker))
top, devices = text.split(marker, 1)
print("<domain type='kvm'>")
print("  <name>%s</name>" % name)
print("  <memory unit='MiB'>512</memory>")
print("  <vcpu placement='static'>1</vcpu>")
print("  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>")
print(top.rstrip())
print("  <devices>")
print(devices.rstrip())
print("  </devices>")
print("</domain>")
