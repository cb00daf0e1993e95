#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes synthetic sysroots laid out as the Linux kernel lays out sysfs and procfs.

    tests/gen/mkhost.py --out DIR [--stamp FILE] [--size PFSxVFS] CASE...

Each CASE becomes DIR/CASE/ (a sysroot: DIR/CASE/sys/..., DIR/CASE/proc/...), removed
and rewritten on every run. Cases:

  dual-socket  two NUMA nodes, Intel DMAR, an SR-IOV PF with VFs (iavf, vfio-pci), one
               VF with a firmware numa_node quirk, NVMe (classic namespace and native
               multipath behind an ACS switch), a GPU with its audio function, a switch
               without ACS (shared group), a degraded link, a VMD domain, hugepages
  messy        what real hosts and unprivileged readers show: dangling links, -1 NUMA,
               64-byte config, partial attribute sets, junk entries
  noiommu      a small VM without IOMMU (no groups, no /sys/class/iommu)
  large        many PFs x VFs for the benchmark (--size 16x63 by default)

Attribute formats follow drivers/pci/pci-sysfs.c and Documentation/ABI/testing/
sysfs-bus-pci: "0x8086\\n" for IDs, "%d" for numa_node, "(null)" for an unset
driver_override, "%x" (no 0x) for sriov_vf_device, "8.0 GT/s PCIe" for link speeds.
Only the Python standard library is used.
"""
import argparse
import os
import shutil
import struct
import sys

SPEEDS = {1: "2.5 GT/s PCIe", 2: "5.0 GT/s PCIe", 3: "8.0 GT/s PCIe", 4: "16.0 GT/s PCIe",
          5: "32.0 GT/s PCIe"}

# PCIe capability "device/port type" values
EP, LEG_EP, ROOT_PORT, UPSTREAM, DOWNSTREAM = 0, 1, 4, 5, 6

ACS_SV, ACS_TB, ACS_RR, ACS_CR, ACS_UF, ACS_EC, ACS_DT = 1, 2, 4, 8, 16, 32, 64
ACS_PORT_CAP = ACS_SV | ACS_TB | ACS_RR | ACS_CR | ACS_UF | ACS_DT
ACS_ISOLATING = ACS_SV | ACS_RR | ACS_CR | ACS_UF

AER_COR = ["RxErr", "BadTLP", "BadDLLP", "Rollover", "Timeout", "NonFatalErr", "CorrIntErr",
           "HeaderOF"]
AER_UNCOR = ["Undefined", "DLP", "SDES", "TLP", "FCP", "CmpltTO", "CmpltAbrt", "UnxCmplt",
             "RxOF", "MalfTLP", "ECRC", "UnsupReq", "ACSViol", "UncorrIntErr", "BlockedTLP",
             "AtomicOpBlocked", "TLPBlockedErr", "PoisonTLPBlocked"]


def bdf_str(dom, bus, dev, fn):
    return "%04x:%02x:%02x.%x" % (dom, bus, dev, fn)


class Config:
    """A type 0 or type 1 configuration space image with a capability chain."""

    def __init__(self, vendor, device, cls, rev=1, header=0, multifunction=False,
                 subsys=(0, 0), buses=None):
        self.b = bytearray(4096)
        self.next_cap = 0x40
        self.last_cap = None
        self.next_ecap = 0x100
        self.last_ecap = None
        struct.pack_into("<HHHH", self.b, 0, vendor, device, 0x0406, 0x0010)
        struct.pack_into("<I", self.b, 8, (cls << 8) | rev)
        self.b[0x0e] = header | (0x80 if multifunction else 0)
        if header == 0:
            struct.pack_into("<HH", self.b, 0x2c, subsys[0], subsys[1])
        elif buses:
            self.b[0x18:0x1b] = bytes(buses)
        self.b[0x3d] = 1  # INTA

    def cap(self, cid, body):
        off = self.next_cap
        if self.last_cap is None:
            self.b[0x34] = off
        else:
            self.b[self.last_cap + 1] = off
        self.b[off] = cid
        self.b[off + 1] = 0
        self.b[off + 2:off + 2 + len(body)] = body
        self.last_cap = off
        self.next_cap = (off + 2 + len(body) + 0xf) & ~0xf
        return off

    def ecap(self, cid, ver, size, body):
        off = self.next_ecap
        if self.last_ecap is not None:
            hdr = struct.unpack_from("<I", self.b, self.last_ecap)[0]
            struct.pack_into("<I", self.b, self.last_ecap, hdr | (off << 20))
        struct.pack_into("<I", self.b, off, cid | (ver << 16))
        self.b[off + 4:off + 4 + len(body)] = body
        self.last_ecap = off
        self.next_ecap = (off + size + 0xf) & ~0xf
        return off

    def pm(self):
        self.cap(0x01, struct.pack("<HH", 0x0003, 0x0008))

    def msi(self):
        self.cap(0x05, struct.pack("<H", 0x0080 | (3 << 1)) + bytes(20))

    def pcie(self, ptype, lnkcap=(0, 0), lnksta=(0, 0), flr=True, port=0):
        devcap = 0x00008002 | ((1 << 28) if flr and ptype in (EP, LEG_EP) else 0)
        lcap = lnkcap[0] | (lnkcap[1] << 4) | (3 << 10) | (port << 24)
        lsta = lnksta[0] | (lnksta[1] << 4)
        supported = sum(1 << s for s in range(1, lnkcap[0] + 1))
        body = struct.pack("<HIHHIHH", 0x0002 | (ptype << 4), devcap, 0x2810, 0, lcap, 0x0040, lsta)
        body += bytes(16) + struct.pack("<I", 0x0070081f) + bytes(4)
        body += struct.pack("<IHH", supported, lnkcap[0], 0)  # LnkCap2, LnkCtl2, LnkSta2
        self.cap(0x10, body)

    def msix(self, size, enabled=True):
        ctl = (size - 1) | (0x8000 if enabled else 0)
        self.cap(0x11, struct.pack("<HII", ctl, 0x00000003, 0x00002003))

    def aer(self):
        self.ecap(0x0001, 2, 0x48, struct.pack("<IIIIII", 0, 0, 0x00462030, 0, 0x2000, 0xa0))

    def acs(self, cap, ctrl):
        self.ecap(0x000d, 1, 8, struct.pack("<HH", cap, ctrl))

    def dsn(self, serial):
        self.ecap(0x0003, 1, 12, struct.pack("<Q", serial))

    def ari(self):
        self.ecap(0x000e, 1, 8, struct.pack("<HH", 0x0100, 0))

    def sriov(self, total, num, offset, stride, vf_device):
        ctrl = 0x0019 if num else 0x0010  # VF Enable | VF MSE | ARI capable hierarchy
        body = struct.pack("<IHHHHHHHHHH", 0x00000002, ctrl, 0, total, total, num, 0,
                           offset, stride, 0, vf_device)
        body += struct.pack("<II", 0x553, 1) + struct.pack("<6I", 0x0c, 0, 0, 0x0c, 0, 0)
        self.ecap(0x0010, 1, 0x40, body)

    def gone(self):
        self.b = bytearray(b"\xff" * 4096)


class Fn:
    def __init__(self, host, path, bdf, numa, cpulist):
        self.host, self.path, self.bdf = host, path, bdf
        self.numa, self.cpulist = numa, cpulist
        self.bus_secondary = None


class Host:
    """A sysroot under construction. Paths given to methods are sysroot-relative."""

    def __init__(self, root):
        self.root = root
        self.groups = {}
        self.drivers = set()
        self.next_irq = 40
        self.files = 0

    def p(self, rel):
        return os.path.join(self.root, rel.lstrip("/"))

    def write(self, rel, data, mode=0o644):
        path = self.p(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(data, (bytes, bytearray)) else "w") as f:
            f.write(data)
        os.chmod(path, mode)
        self.files += 1

    def mkdir(self, rel):
        os.makedirs(self.p(rel), exist_ok=True)

    def link(self, rel, target_rel):
        """Symlink rel -> target_rel, written relative as the kernel writes it."""
        path = self.p(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        target = os.path.relpath("/" + target_rel.lstrip("/"), os.path.dirname("/" + rel.lstrip("/")))
        if os.path.lexists(path):
            os.unlink(path)
        os.symlink(target, path)
        self.files += 1

    # -- PCI ----------------------------------------------------------------------------

    def root_bus(self, name, node):
        self.mkdir("/sys/devices/%s" % name)
        self.write("/sys/devices/%s/uevent" % name, "")
        return name

    def function(self, parent, bdf, vendor, device, cls, *, subsys=None, rev=1, driver=None,
                 numa=None, cpulist=None, group=None, iommu=None, ptype=None, lnkcap=None,
                 lnksta=None, msix=None, msi=False, acs=None, sriov=None, aer=True,
                 multifunction=False, bridge_buses=None, irqs=0, omit=(), config_len=4096,
                 vf=False, reset_method="flr bus", driver_override=None, enable=None,
                 dsn=None, config_hook=None, numa_raw=None, resources=None, ari=None):
        """Writes one PCI function. parent is a root bus name or an Fn."""
        if isinstance(parent, Fn):
            pdir, pnuma, pcpus = parent.path, parent.numa, parent.cpulist
        else:
            pdir, pnuma, pcpus = "/sys/devices/" + parent, 0, ""
        numa = pnuma if numa is None else numa
        cpulist = pcpus if cpulist is None else cpulist
        d = "%s/%s" % (pdir, bdf)
        fn = Fn(self, d, bdf, numa, cpulist)
        header = 1 if bridge_buses else 0
        subsys = subsys if subsys is not None else ((vendor, 0) if header == 0 else (0, 0))
        attrs = {}

        cfg = Config(0xffff if vf else vendor, 0xffff if vf else device, cls, rev, header,
                     multifunction, subsys, bridge_buses)
        cfg.pm()
        if msi:
            cfg.msi()
        if ptype is not None:
            cfg.pcie(ptype, lnkcap or (0, 0), lnksta or (0, 0),
                     port=(int(bdf[-4:-2], 16) if ptype in (ROOT_PORT, DOWNSTREAM) else 0))
        if msix:
            cfg.msix(msix)
        if ptype is not None:
            if aer:
                cfg.aer()
            if acs is not None:
                cfg.acs(*acs)
            if dsn is not None:
                cfg.dsn(dsn)
            if sriov:
                cfg.ari()
                cfg.sriov(sriov["total"], sriov["num"], sriov["offset"], sriov["stride"],
                          sriov["vf_device"])
        if config_hook:
            config_hook(cfg)

        attrs["vendor"] = "0x%04x\n" % vendor
        attrs["device"] = "0x%04x\n" % device
        attrs["subsystem_vendor"] = "0x%04x\n" % subsys[0]
        attrs["subsystem_device"] = "0x%04x\n" % subsys[1]
        attrs["class"] = "0x%06x\n" % cls
        attrs["revision"] = "0x%02x\n" % rev
        irq = 0 if vf else 16 + (int(bdf[-4:-2], 16) % 8)
        attrs["irq"] = "%d\n" % irq
        attrs["numa_node"] = numa_raw if numa_raw is not None else "%d\n" % numa
        attrs["local_cpulist"] = cpulist + "\n"
        attrs["local_cpus"] = cpumask(cpulist) + "\n"
        attrs["enable"] = "%d\n" % (enable if enable is not None else (1 if driver else 0))
        attrs["driver_override"] = (driver_override or "(null)") + "\n"
        attrs["msi_bus"] = "1\n"
        attrs["broken_parity_status"] = "0\n"
        attrs["d3cold_allowed"] = "1\n"
        attrs["power_state"] = "D0\n"
        attrs["dma_mask_bits"] = "64\n"
        attrs["consistent_dma_mask_bits"] = "64\n"
        # the kernel's ari_enabled tells whether ARI forwarding is on for the bus the
        # function sits on; the fixtures' SR-IOV PFs sit behind ARI-forwarding ports
        if ari is None:
            ari = bool(bridge_buses or sriov)
        attrs["ari_enabled"] = "1\n" if ari else "0\n"
        attrs["modalias"] = "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n" % (
            vendor, device, subsys[0], subsys[1], cls >> 16, (cls >> 8) & 0xff, cls & 0xff)
        attrs["uevent"] = "%sPCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\n" % (
            "DRIVER=%s\n" % driver if driver else "", cls, vendor, device, subsys[0], subsys[1], bdf)
        nres = 17 if header == 1 else 13
        res = {}
        if header == 0:
            res[0] = (0xf0000000 + (irq << 20), 0xf0000000 + (irq << 20) + 0xfffff, 0x40200)
        if sriov and not vf:
            # VF BAR 0 (resource7): 16 KiB per VF, sized for TotalVFs, 64-bit prefetchable,
            # placed at boot above 4G
            size = sriov.get("vf_bar", 0x4000) * sriov["total"]
            base = 0x4000000000 + (irq << 24)
            res[7] = (base, base + size - 1, 0x14220c)
        res.update(resources or {})
        attrs["resource"] = "".join("0x%016x 0x%016x 0x%016x\n" % res.get(i, (0, 0, 0))
                                    for i in range(nres))
        if reset_method:
            attrs["reset_method"] = reset_method + "\n"
        if ptype is not None:
            lc, ls = lnkcap or (0, 0), lnksta or (0, 0)
            attrs["max_link_speed"] = SPEEDS.get(lc[0], "Unknown") + "\n"
            attrs["max_link_width"] = "%d\n" % lc[1]
            attrs["current_link_speed"] = SPEEDS.get(ls[0], "Unknown") + "\n"
            attrs["current_link_width"] = "%d\n" % ls[1]
            if aer:
                attrs["aer_dev_correctable"] = "".join("%s 0\n" % n for n in AER_COR) + "TOTAL_ERR_COR 0\n"
                attrs["aer_dev_nonfatal"] = "".join("%s 0\n" % n for n in AER_UNCOR) + "TOTAL_ERR_NONFATAL 0\n"
                attrs["aer_dev_fatal"] = "".join("%s 0\n" % n for n in AER_UNCOR) + "TOTAL_ERR_FATAL 0\n"
        if bridge_buses:
            attrs["secondary_bus_number"] = "%d\n" % bridge_buses[1]
            attrs["subordinate_bus_number"] = "%d\n" % bridge_buses[2]
        if sriov:
            attrs["sriov_totalvfs"] = "%d\n" % sriov["total"]
            attrs["sriov_numvfs"] = "%d\n" % sriov["num"]
            attrs["sriov_offset"] = "%d\n" % sriov["offset"]
            attrs["sriov_stride"] = "%d\n" % sriov["stride"]
            attrs["sriov_vf_device"] = "%x\n" % sriov["vf_device"]
            attrs["sriov_drivers_autoprobe"] = "%d\n" % sriov.get("autoprobe", 1)
            attrs["sriov_vf_total_msix"] = "0\n"
        for k, v in attrs.items():
            if k not in omit:
                self.write("%s/%s" % (d, k), v,
                           0o200 if k in ("remove", "rescan") else 0o644)
        for k in ("remove", "rescan", "reset"):
            if k not in omit:
                self.write("%s/%s" % (d, k), "", 0o200)
        if "config" not in omit:
            self.write("%s/config" % d, bytes(cfg.b[:config_len]))
        self.mkdir("%s/power" % d)
        self.write("%s/power/control" % d, "on\n")
        self.link("%s/subsystem" % d, "/sys/bus/pci")
        self.link("/sys/bus/pci/devices/%s" % bdf, d)
        if driver:
            self.link("%s/driver" % d, "/sys/bus/pci/drivers/%s" % driver)
            self.link("/sys/bus/pci/drivers/%s/%s" % (driver, bdf), d)
            if driver not in self.drivers:
                self.drivers.add(driver)
                for f in ("bind", "unbind", "new_id", "remove_id"):
                    self.write("/sys/bus/pci/drivers/%s/%s" % (driver, f), "", 0o200)
                self.write("/sys/bus/pci/drivers/%s/uevent" % driver, "", 0o200)
        if group is not None:
            self.group_add(group, d, bdf)
        if iommu:
            self.link("%s/iommu" % d, "/sys/devices/virtual/iommu/%s" % iommu)
            self.link("/sys/devices/virtual/iommu/%s/devices/%s" % (iommu, bdf), d)
        if irqs and "msi_irqs" not in omit:
            for _ in range(irqs):
                self.write("%s/msi_irqs/%d" % (d, self.next_irq), "msix\n" if msix else "msi\n")
                self.next_irq += 1
        return fn

    def group_add(self, gid, devpath, bdf):
        g = "/sys/kernel/iommu_groups/%d" % gid
        if gid not in self.groups:
            self.groups[gid] = []
            self.write(g + "/type", "DMA\n")
            self.write(g + "/reserved_regions",
                       "0x00000000fee00000 0x00000000feefffff msi\n")
            self.mkdir(g + "/devices")
        self.groups[gid].append(bdf)
        self.link("%s/devices/%s" % (g, bdf), devpath)
        self.link("%s/iommu_group" % devpath, g)

    def sriov_vfs(self, pf, vf_device, n, offset, stride, drivers, cls=0x020000, numa=None,
                  cpulist=None, group_base=None, iommu=None, netdev_fmt=None, msix=5, irqs=0):
        """Writes n VFs of pf at pf routing ID + offset + i*stride, linked both ways."""
        dom, rest = pf.bdf.split(":", 1)
        bus, devfn = int(rest[:2], 16), int(rest[3:5], 16) << 3 | int(rest[6])
        pdir = os.path.dirname(pf.path)
        vfs = []
        for i in range(n):
            rid = (bus << 8 | devfn) + offset + i * stride
            vbdf = bdf_str(int(dom, 16), rid >> 8, (rid >> 3) & 0x1f, rid & 7)
            drv = drivers[i] if i < len(drivers) else None
            vnuma = (numa[i] if isinstance(numa, list) else numa) if numa is not None else pf.numa
            vcpus = (cpulist[i] if isinstance(cpulist, list) else cpulist) if cpulist is not None else pf.cpulist
            parent = Fn(self, pdir, "", vnuma, vcpus)
            vf = self.function(parent, vbdf, 0x8086 if vf_device != 0x1018 else 0x15b3, vf_device, cls,
                               subsys=(0x8086, 0x0000), driver=drv, numa=vnuma, cpulist=vcpus,
                               group=(group_base + i) if group_base is not None else None,
                               iommu=iommu, ptype=EP, lnkcap=(0, 0), lnksta=(0, 0), msix=msix,
                               aer=False, vf=True, reset_method="flr", irqs=irqs if drv else 0)
            self.link("%s/physfn" % vf.path, pf.path)
            self.link("%s/virtfn%d" % (pf.path, i), vf.path)
            if netdev_fmt and drv and drv != "vfio-pci":
                self.netdev(vf, netdev_fmt % i)
            vfs.append(vf)
        return vfs

    def netdev(self, fn, name, mac="52:54:00:12:34:56"):
        nd = "%s/net/%s" % (fn.path, name)
        self.write(nd + "/address", mac + "\n")
        self.write(nd + "/operstate", "up\n")
        self.write(nd + "/ifindex", "%d\n" % (len(name) + 2))
        self.link(nd + "/device", fn.path)
        self.link("/sys/class/net/%s" % name, nd)

    def nvme_ctrl(self, fn, ctrl, subsys):
        c = "%s/nvme/%s" % (fn.path, ctrl)
        self.write(c + "/dev", "241:%s\n" % ctrl[4:])
        self.write(c + "/model", "SAMSUNG MZQL23T8HCLS-00A07              \n")
        self.write(c + "/state", "live\n")
        self.write(c + "/transport", "pcie\n")
        self.link(c + "/device", fn.path)
        self.link("/sys/class/nvme/%s" % ctrl, c)
        sdir = "/sys/devices/virtual/nvme-subsystem/%s" % subsys
        self.write(sdir + "/subsysnqn", "nqn.1994-11.com.samsung:nvme:PM9A3:2.5-inch:S64HNE0T\n")
        self.link("%s/%s" % (sdir, ctrl), c)
        self.link(c + "/subsystem", "/sys/class/nvme")
        self.link("/sys/class/nvme-subsystem/%s" % subsys, sdir)
        return c

    def disk(self, parent_dir, name, partitions=0, hidden=False):
        d = "%s/%s" % (parent_dir, name)
        self.write(d + "/size", "7501476528\n")
        self.write(d + "/dev", "259:%d\n" % (len(name)))
        self.write(d + "/hidden", "1\n" if hidden else "0\n")
        self.write(d + "/removable", "0\n")
        self.link("/sys/class/block/%s" % name, d)
        self.link("/sys/block/%s" % name, d)
        for p in range(1, partitions + 1):
            pd = "%s/%sp%d" % (d, name, p)
            self.write(pd + "/partition", "%d\n" % p)
            self.write(pd + "/start", "2048\n")
            self.link("/sys/class/block/%sp%d" % (name, p), pd)

    # -- host-wide ------------------------------------------------------------------------

    def numa(self, nodes, hugepages):
        """nodes: {id: cpulist}; hugepages: {id: {size_kb: (total, free)}}"""
        base = "/sys/devices/system/node"
        self.write(base + "/online", ",".join(str(n) for n in nodes) + "\n")
        self.write(base + "/possible", "0-%d\n" % (max(nodes) if nodes else 0))
        self.write(base + "/has_cpu", "0-%d\n" % (max(nodes) if nodes else 0))
        totals = {}
        for n, cpus in nodes.items():
            nd = "%s/node%d" % (base, n)
            self.write(nd + "/cpulist", cpus + "\n")
            self.write(nd + "/cpumap", cpumask(cpus) + "\n")
            self.write(nd + "/distance", " ".join("10" if m == n else "21" for m in nodes) + "\n")
            for size, (total, free) in hugepages.get(n, {}).items():
                hp = "%s/hugepages/hugepages-%dkB" % (nd, size)
                self.write(hp + "/nr_hugepages", "%d\n" % total)
                self.write(hp + "/free_hugepages", "%d\n" % free)
                self.write(hp + "/surplus_hugepages", "0\n")
                t = totals.setdefault(size, [0, 0])
                t[0] += total
                t[1] += free
        for size, (total, free) in sorted(totals.items()):
            hp = "/sys/kernel/mm/hugepages/hugepages-%dkB" % size
            self.write(hp + "/nr_hugepages", "%d\n" % total)
            self.write(hp + "/free_hugepages", "%d\n" % free)
            self.write(hp + "/resv_hugepages", "0\n")
            self.write(hp + "/surplus_hugepages", "0\n")
            self.write(hp + "/nr_overcommit_hugepages", "0\n")

    def dmar(self, name):
        d = "/sys/devices/virtual/iommu/%s" % name
        self.write(d + "/intel-iommu/version", "1:0\n")
        self.write(d + "/intel-iommu/cap", "d2008c40660462\n")
        self.write(d + "/intel-iommu/ecap", "f050da\n")
        self.write(d + "/intel-iommu/address", "fbffc000\n" if name == "dmar0" else "c5ffc000\n")
        self.mkdir(d + "/devices")
        self.link("/sys/class/iommu/%s" % name, d)

    def cmdline(self, s):
        self.write("/proc/cmdline", s + "\n", 0o444)

    def virt(self, release, cpu_flag, kvm, modules, loaded, unsafe=None, aliases=()):
        """KVM and VFIO as the gate sees them: CPU flags (vmx/svm or none), /dev/kvm as
        a snapshot stores a device node (an empty file), the kernel release with its
        modules.dep/builtin/alias, loaded modules (/sys/module/M/initstate) and
        vfio_iommu_type1's allow_unsafe_interrupts."""
        flags = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat"
        if cpu_flag:
            flags += " " + cpu_flag
        self.write("/proc/cpuinfo", "".join(
            "processor\t: %d\nvendor_id\t: GenuineIntel\nflags\t\t: %s\n\n" % (i, flags)
            for i in range(2)))
        self.mkdir("/dev")
        if kvm:
            self.write("/dev/kvm", "")
        self.write("/proc/sys/kernel/osrelease", release + "\n")
        lm = "/lib/modules/" + release
        self.write(lm + "/modules.dep", "".join(
            "kernel/%s%s: \n" % (m, "" if m.endswith(".xz") else ".ko")
            for m in modules if not m.startswith("builtin:")))
        self.write(lm + "/modules.builtin", "".join(
            "kernel/%s.ko\n" % m[8:] for m in modules if m.startswith("builtin:")))
        self.write(lm + "/modules.alias", "".join("alias %s %s\n" % a for a in aliases))
        self.mkdir("/sys/module")
        for m in loaded:
            self.write("/sys/module/%s/initstate" % m, "live\n")
        if unsafe is not None:
            self.write("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
                       unsafe + "\n")


def cpumask(cpulist):
    m = 0
    for part in filter(None, cpulist.split(",")):
        a, _, b = part.partition("-")
        for c in range(int(a), int(b or a) + 1):
            m |= 1 << c
    words = []
    while True:
        words.append("%08x" % (m & 0xffffffff))
        m >>= 32
        if not m:
            break
    return ",".join(reversed(words))


# ---- cases ----------------------------------------------------------------------------

def case_dual_socket(h):
    n0, n1 = "0-15", "16-31"
    h.numa({0: n0, 1: n1}, {0: {2048: (1024, 1000), 1048576: (4, 4)},
                            1: {2048: (512, 512), 1048576: (0, 0)}})
    h.dmar("dmar0")
    h.dmar("dmar1")
    h.cmdline("BOOT_IMAGE=/vmlinuz-6.1.0-27-amd64 root=UUID=5c0de6a1-2f3e-4d3c-9a51-8f1a2b3c4d5e ro "
              "intel_iommu=on iommu=pt default_hugepagesz=2M hugepagesz=1G hugepages=4 quiet")
    h.virt("6.1.0-27-amd64", "vmx", True,
           ["drivers/vfio/pci/vfio-pci", "drivers/vfio/vfio_iommu_type1", "drivers/vfio/vfio",
            "drivers/net/ethernet/intel/igb/igb", "drivers/nvme/host/nvme",
            "drivers/net/ethernet/intel/i40e/i40e", "sound/pci/hda/snd-hda-intel.ko.xz",
            "builtin:drivers/pci/pci-stub"],
           ["vfio", "vfio_pci", "vfio_iommu_type1", "kvm", "kvm_intel"], unsafe="N",
           aliases=[("pci:v000015B3d00001015sv*sd*bc*sc*i*", "mlx5_core"),
                    ("pci:v00008086d00001572sv*sd*bc*sc*i*", "i40e"),
                    ("pci:v*d*sv*sd*bc01sc08i02*", "nvme"),
                    ("pci:v0000144Dd0000A824sv*sd*bc01sc08i02*", "nvme"),
                    ("pci:v000010DEd*sv*sd*bc04sc03i00*", "snd_hda_intel"),
                    ("pci:v00008086d000010FBsv*sd*bc*sc*i*", "ixgbe")])
    g = iter(range(0, 1000))

    # socket 0, legacy root bus: host bridge, a root port with a degraded NIC, a root
    # port with a switch whose downstream ports lack ACS, VMD
    r0 = Fn(h, "/sys/devices/" + h.root_bus("pci0000:00", 0), "", 0, n0)
    h.function(r0, "0000:00:00.0", 0x8086, 0x2020, 0x060000, group=next(g), iommu="dmar0",
               ptype=None, reset_method=None)
    rp = h.function(r0, "0000:00:02.0", 0x8086, 0x2030, 0x060400, driver="pcieport",
                    group=next(g), iommu="dmar0", ptype=ROOT_PORT, lnkcap=(3, 8), lnksta=(3, 4),
                    acs=(ACS_PORT_CAP, ACS_ISOLATING), msi=True, bridge_buses=(0, 2, 2), irqs=1)
    nic = h.function(rp, "0000:02:00.0", 0x15b3, 0x1015, 0x020000, subsys=(0x15b3, 0x0003),
                     driver="mlx5_core", group=next(g), iommu="dmar0", ptype=EP, lnkcap=(3, 8),
                     lnksta=(3, 4), msix=64, irqs=9, dsn=0x98039b0300a1b2c3)
    h.netdev(nic, "enp2s0f0np0", "98:03:9b:a1:b2:c3")

    rp3 = h.function(r0, "0000:00:03.0", 0x8086, 0x2031, 0x060400, driver="pcieport",
                     group=next(g), iommu="dmar0", ptype=ROOT_PORT, lnkcap=(3, 16), lnksta=(3, 16),
                     acs=(ACS_PORT_CAP, ACS_ISOLATING), msi=True, bridge_buses=(0, 3, 6), irqs=1)
    up = h.function(rp3, "0000:03:00.0", 0x10b5, 0x8747, 0x060400, driver="pcieport",
                    group=next(g), iommu="dmar0", ptype=UPSTREAM, lnkcap=(3, 16), lnksta=(3, 16),
                    bridge_buses=(3, 4, 6), msi=True)
    shared = next(g)
    dp1 = h.function(up, "0000:04:08.0", 0x10b5, 0x8747, 0x060400, driver="pcieport",
                     group=shared, iommu="dmar0", ptype=DOWNSTREAM, lnkcap=(3, 8), lnksta=(3, 8),
                     bridge_buses=(4, 5, 5), msi=True, irqs=1)
    dp2 = h.function(up, "0000:04:10.0", 0x10b5, 0x8747, 0x060400, driver="pcieport",
                     group=shared, iommu="dmar0", ptype=DOWNSTREAM, lnkcap=(3, 8), lnksta=(3, 8),
                     bridge_buses=(4, 6, 6), msi=True, irqs=1)
    h.function(dp1, "0000:05:00.0", 0x8086, 0x10fb, 0x020000, subsys=(0x8086, 0x000c),
               driver="vfio-pci", group=shared, iommu="dmar0", ptype=EP, lnkcap=(2, 8),
               lnksta=(2, 8), msix=64, driver_override="vfio-pci")
    h.function(dp2, "0000:06:00.0", 0x8086, 0x10fb, 0x020000, subsys=(0x8086, 0x000c),
               driver="vfio-pci", group=shared, iommu="dmar0", ptype=EP, lnkcap=(2, 8),
               lnksta=(2, 8), msix=64)

    vmd = h.function(r0, "0000:00:0e.0", 0x8086, 0x201d, 0x010400, driver="vmd", group=next(g),
                     iommu="dmar0", ptype=None, msix=64, irqs=2, reset_method=None)
    vroot = Fn(h, vmd.path + "/pci10000:00", "", 0, n0)
    h.write(vroot.path + "/uevent", "")
    vrp = h.function(vroot, "10000:00:02.0", 0x8086, 0x2032, 0x060400, driver="pcieport",
                     ptype=ROOT_PORT, lnkcap=(3, 4), lnksta=(3, 4), bridge_buses=(0, 1, 1),
                     acs=(ACS_PORT_CAP, ACS_ISOLATING), msi=True)
    vnv = h.function(vrp, "10000:01:00.0", 0x8086, 0xf1a8, 0x010802, subsys=(0x8086, 0x390d),
                     driver="nvme", ptype=EP, lnkcap=(3, 4), lnksta=(3, 4), msix=9, irqs=3)
    h.nvme_ctrl(vnv, "nvme3", "nvme-subsys3")
    h.disk(vnv.path + "/nvme/nvme3", "nvme3n1")

    # socket 0, second root complex: the SR-IOV NIC
    r17 = Fn(h, "/sys/devices/" + h.root_bus("pci0000:17", 0), "", 0, n0)
    rp17 = h.function(r17, "0000:17:00.0", 0x8086, 0x2030, 0x060400, driver="pcieport",
                      group=next(g), iommu="dmar0", ptype=ROOT_PORT, lnkcap=(3, 8),
                      lnksta=(3, 8), acs=(ACS_PORT_CAP, ACS_ISOLATING), msi=True,
                      bridge_buses=(0x17, 0x18, 0x18), irqs=1)
    pf = h.function(rp17, "0000:18:00.0", 0x8086, 0x1572, 0x020000, subsys=(0x8086, 0x0000),
                    driver="i40e", group=next(g), iommu="dmar0", ptype=EP, lnkcap=(3, 8),
                    lnksta=(3, 8), msix=129, irqs=17, dsn=0x3cfdfe1234567800,
                    sriov=dict(total=64, num=4, offset=16, stride=1, vf_device=0x154c))
    h.netdev(pf, "ens1f0", "3c:fd:fe:12:34:56")
    vf_groups = next(g)
    for _ in range(3):
        next(g)
    h.sriov_vfs(pf, 0x154c, 4, 16, 1, ["iavf", "iavf", "vfio-pci", "iavf"],
                numa=[0, 1, 0, 0], cpulist=[n0, n1, n0, n0], group_base=vf_groups,
                iommu="dmar0", netdev_fmt="ens1f0v%d", irqs=3)

    # socket 1: GPU with audio function, NVMe (classic namespace), NVMe dual-port pair
    # behind a switch that does have ACS on its downstream ports (native multipath)
    r80 = Fn(h, "/sys/devices/" + h.root_bus("pci0000:80", 1), "", 1, n1)
    rp81 = h.function(r80, "0000:80:01.0", 0x8086, 0x2030, 0x060400, driver="pcieport",
                      group=next(g), iommu="dmar1", ptype=ROOT_PORT, lnkcap=(4, 16),
                      lnksta=(4, 16), acs=(ACS_PORT_CAP, ACS_ISOLATING), msi=True,
                      bridge_buses=(0x80, 0x81, 0x81), irqs=1)
    gpu_g = next(g)
    h.function(rp81, "0000:81:00.0", 0x10de, 0x2204, 0x030000, subsys=(0x10de, 0x1454),
               driver="vfio-pci", group=gpu_g, iommu="dmar1", ptype=LEG_EP, lnkcap=(4, 16),
               lnksta=(4, 16), msi=True, multifunction=True, reset_method="bus")
    h.function(rp81, "0000:81:00.1", 0x10de, 0x1aef, 0x040300, subsys=(0x10de, 0x1454),
               driver="snd_hda_intel", group=gpu_g, iommu="dmar1", ptype=EP, lnkcap=(4, 16),
               lnksta=(4, 16), msi=True, multifunction=True, irqs=1, reset_method="bus")

    rp82 = h.function(r80, "0000:80:02.0", 0x8086, 0x2031, 0x060400, driver="pcieport",
                      group=next(g), iommu="dmar1", ptype=ROOT_PORT, lnkcap=(4, 4),
                      lnksta=(4, 4), acs=(ACS_PORT_CAP, ACS_ISOLATING), msi=True,
                      bridge_buses=(0x80, 0x82, 0x82), irqs=1)
    nv = h.function(rp82, "0000:82:00.0", 0x144d, 0xa80a, 0x010802, subsys=(0x144d, 0xa813),
                    driver="nvme", group=next(g), iommu="dmar1", ptype=EP, lnkcap=(4, 4),
                    lnksta=(4, 4), msix=130, irqs=33, dsn=0x002538b111223344)
    c = h.nvme_ctrl(nv, "nvme0", "nvme-subsys0")
    h.disk(c, "nvme0n1", partitions=2)

    rp83 = h.function(r80, "0000:80:03.0", 0x8086, 0x2032, 0x060400, driver="pcieport",
                      group=next(g), iommu="dmar1", ptype=ROOT_PORT, lnkcap=(4, 8),
                      lnksta=(4, 8), acs=(ACS_PORT_CAP, ACS_ISOLATING), msi=True,
                      bridge_buses=(0x80, 0x83, 0x86), irqs=1)
    up2 = h.function(rp83, "0000:83:00.0", 0x1000, 0xc010, 0x060400, driver="pcieport",
                     group=next(g), iommu="dmar1", ptype=UPSTREAM, lnkcap=(4, 8), lnksta=(4, 8),
                     bridge_buses=(0x83, 0x84, 0x86), msi=True)
    paths = []
    for i, (dn, bus) in enumerate(((0x00, 0x85), (0x01, 0x86))):
        dp = h.function(up2, "0000:84:%02x.0" % dn, 0x1000, 0xc010, 0x060400, driver="pcieport",
                        group=next(g), iommu="dmar1", ptype=DOWNSTREAM, lnkcap=(4, 4),
                        lnksta=(4, 4), acs=(ACS_PORT_CAP, ACS_ISOLATING),
                        bridge_buses=(0x84, bus, bus), msi=True, irqs=1)
        ep = h.function(dp, "0000:%02x:00.0" % bus, 0x144d, 0xa824, 0x010802,
                        subsys=(0x144d, 0xa812), driver="nvme", group=next(g), iommu="dmar1",
                        ptype=EP, lnkcap=(4, 2), lnksta=(4, 2), msix=64, irqs=9)
        paths.append(h.nvme_ctrl(ep, "nvme%d" % (i + 1), "nvme-subsys1"))
    sub = "/sys/devices/virtual/nvme-subsystem/nvme-subsys1"
    h.disk(sub, "nvme1n1")
    for i, c in enumerate(paths):
        h.disk(c, "nvme1c%dn1" % (i + 1), hidden=True)


def case_messy(h):
    # no /proc/cmdline, no NUMA directory: both unknown
    h.mkdir("/sys/kernel/mm/hugepages/hugepages-2048kB")  # sizes dir without counters
    h.dmar("dmar0")
    h.mkdir("/sys/kernel/iommu_groups")
    r0 = Fn(h, "/sys/devices/" + h.root_bus("pci0000:00", 0), "", -1, "0-3")
    h.function(r0, "0000:00:00.0", 0x8086, 0x29c0, 0x060000, group=0, ptype=None,
               reset_method=None)
    # iommu_group link whose group directory is absent
    h.function(r0, "0000:00:1f.0", 0x8086, 0x2918, 0x060100, driver="lpc_ich", ptype=None,
               reset_method=None, multifunction=True)
    h.link("/sys/devices/pci0000:00/0000:00:1f.0/iommu_group", "/sys/kernel/iommu_groups/99")
    # PCIe NIC without the link attributes, config as an unprivileged reader sees it
    nic = h.function(r0, "0000:00:02.0", 0x8086, 0x10d3, 0x020000, driver="e1000e", group=1,
                     ptype=EP, lnkcap=(1, 1), lnksta=(1, 1), msix=5, irqs=3, config_len=64,
                     omit=("max_link_speed", "max_link_width", "current_link_speed",
                           "current_link_width"))
    h.netdev(nic, "enp0s2")
    # a function with only some attributes: vendor and class, nothing else
    h.function(r0, "0000:00:03.0", 0x1af4, 0x1000, 0x020000, ptype=None,
               omit=("device", "subsystem_vendor", "subsystem_device", "numa_node",
                     "local_cpulist", "local_cpus", "enable", "driver_override", "config",
                     "reset_method", "irq", "revision", "modalias"))
    # surprise-removed: every config read returns all-ones
    h.function(r0, "0000:00:04.0", 0x8086, 0x10d3, 0x020000, group=2, ptype=EP,
               lnkcap=(1, 1), lnksta=(1, 1), config_hook=Config.gone)
    # a PF whose second virtfn link points to a VF that is not there; sriov_numvfs absent
    pf = h.function(r0, "0000:00:05.0", 0x8086, 0x1521, 0x020000, driver="igb", group=3,
                    ptype=EP, lnkcap=(2, 4), lnksta=(2, 4), msix=10, multifunction=True,
                    sriov=dict(total=7, num=2, offset=0x80, stride=4, vf_device=0x1520),
                    omit=("sriov_numvfs",))
    vf = h.function(r0, "0000:00:05.1", 0x8086, 0x1520, 0x020000, driver="igbvf", group=4,
                    ptype=EP, vf=True, aer=False, reset_method="flr")
    h.link(vf.path + "/physfn", pf.path)
    h.link(pf.path + "/virtfn0", vf.path)
    h.link(pf.path + "/virtfn1", "/sys/devices/pci0000:00/0000:00:05.2")
    # and a third that names the first's VF again (kept once, warned of)
    h.link(pf.path + "/virtfn2", vf.path)
    # numa_node unreadable garbage
    h.function(r0, "0000:00:06.0", 0x1b36, 0x000d, 0x0c0330, group=5, ptype=None,
               numa_raw="garbage\n", reset_method=None)
    # entries in /sys/bus/pci/devices that are not functions
    h.write("/sys/bus/pci/devices/README", "not a device\n")
    h.link("/sys/bus/pci/devices/slot1", "/sys/bus/pci/slots/1")
    # a device link whose target vanished (hot-unplug between readdir and read)
    h.link("/sys/bus/pci/devices/0000:00:07.0", "/sys/devices/pci0000:00/0000:00:07.0")
    # class/net entry that is virtual (no PCI device), class/block with no PCI parent
    h.mkdir("/sys/devices/virtual/net/lo")
    h.link("/sys/class/net/lo", "/sys/devices/virtual/net/lo")
    h.write("/sys/devices/virtual/block/loop0/size", "0\n")
    h.link("/sys/class/block/loop0", "/sys/devices/virtual/block/loop0")


def case_noiommu(h):
    h.numa({0: "0-1"}, {0: {2048: (0, 0)}})
    h.cmdline("console=ttyS0 reboot=k panic=1 root=/dev/vda rw "
              "vfio_iommu_type1.allow_unsafe_interrupts=1 pcie_acs_override=downstream")
    # a VM without nested virtualization, a kernel without vfio-pci, and the unsafe
    # interrupts switch on (what people do on hosts without interrupt remapping)
    h.virt("6.1.0-27-amd64", None, False, ["drivers/vfio/vfio_iommu_type1", "drivers/vfio/vfio"],
           ["vfio", "vfio_iommu_type1"], unsafe="Y")
    r0 = Fn(h, "/sys/devices/" + h.root_bus("pci0000:00", 0), "", 0, "0-1")
    h.function(r0, "0000:00:00.0", 0x8086, 0x0d57, 0x060000, ptype=None, reset_method=None)
    blk = h.function(r0, "0000:00:02.0", 0x1af4, 0x1042, 0x018000, subsys=(0x1af4, 0x1100),
                     driver="virtio-pci", ptype=None, msix=2, irqs=2, reset_method=None)
    h.disk(blk.path + "/virtio1/block", "vda", partitions=1)
    net = h.function(r0, "0000:00:03.0", 0x1af4, 0x1041, 0x020000, subsys=(0x1af4, 0x1100),
                     driver="virtio-pci", ptype=None, msix=3, irqs=3, reset_method=None)
    nd = "%s/virtio2/net/eth0" % net.path
    h.write(nd + "/address", "06:00:ac:10:00:02\n")
    h.link("/sys/class/net/eth0", nd)
    h.mkdir("/sys/kernel/iommu_groups")


def case_large(h, pfs=16, vfs=63):
    h.numa({0: "0-15", 1: "16-31"}, {0: {2048: (4096, 4096)}, 1: {2048: (4096, 4096)}})
    h.dmar("dmar0")
    h.cmdline("BOOT_IMAGE=/vmlinuz-6.1.0-27-amd64 ro intel_iommu=on iommu=pt")
    r0 = Fn(h, "/sys/devices/" + h.root_bus("pci0000:00", 0), "", 0, "0-15")
    h.function(r0, "0000:00:00.0", 0x8086, 0x2020, 0x060000, group=0, iommu="dmar0",
               ptype=None, reset_method=None)
    gid = 1
    for p in range(pfs):
        bus = 0x10 + p * 2
        node, cpus = (0, "0-15") if p < pfs // 2 or pfs == 1 else (1, "16-31")
        rp = h.function(r0, "0000:00:%02x.0" % (1 + p % 31), 0x8086, 0x2030, 0x060400,
                        driver="pcieport", group=gid, iommu="dmar0", ptype=ROOT_PORT,
                        lnkcap=(3, 8), lnksta=(3, 8), acs=(ACS_PORT_CAP, ACS_ISOLATING),
                        msi=True, bridge_buses=(0, bus, bus), irqs=1, numa=node, cpulist=cpus)
        pf = h.function(rp, "0000:%02x:00.0" % bus, 0x8086, 0x1572, 0x020000,
                        subsys=(0x8086, 0x0000), driver="i40e", group=gid + 1, iommu="dmar0",
                        ptype=EP, lnkcap=(3, 8), lnksta=(3, 8), msix=129, irqs=9,
                        sriov=dict(total=64, num=vfs, offset=16, stride=1, vf_device=0x154c))
        h.netdev(pf, "ens%df0" % p)
        h.sriov_vfs(pf, 0x154c, vfs, 16, 1, ["iavf"] * vfs, group_base=gid + 2,
                    iommu="dmar0", netdev_fmt="ens%df0v%%d" % p, irqs=3)
        gid += 2 + vfs


def case_sriov_limits(h):
    """One PF per limit of `passthru plan sriov`, each behind its own root port."""
    h.numa({0: "0-3"}, {0: {2048: (0, 0)}})
    h.dmar("dmar0")
    h.cmdline("BOOT_IMAGE=/vmlinuz-6.1.0-27-amd64 ro intel_iommu=on")
    r0 = Fn(h, "/sys/devices/" + h.root_bus("pci0000:00", 0), "", 0, "0-3")
    h.function(r0, "0000:00:00.0", 0x8086, 0x2020, 0x060000, group=0, iommu="dmar0",
               ptype=None, reset_method=None)
    M, P = 0x40200, 0x14220c  # mem, 64-bit prefetchable mem

    def port(n, sub=None, mem=(0xfe000000, 0xfe0fffff), pref=None):
        base = 0x4000000000 + (n << 28)
        pref = pref or (base, base + 0xfffffff)
        return h.function(r0, "0000:00:%02x.0" % n, 0x8086, 0x2030, 0x060400,
                          driver="pcieport", group=n, iommu="dmar0", ptype=ROOT_PORT,
                          lnkcap=(3, 8), lnksta=(3, 8), acs=(ACS_PORT_CAP, ACS_ISOLATING),
                          msi=True, bridge_buses=(0, n, sub if sub is not None else n),
                          resources={14: mem + (0x200,), 15: pref + (0x102201,)})

    def pf(parent, bus, total, offset, stride, driver="igb", **kw):
        return h.function(parent, "0000:%02x:00.0" % bus, 0x8086, 0x10c9, 0x020000,
                          driver=driver, group=0x40 + bus, iommu="dmar0", ptype=EP,
                          lnkcap=(3, 8), lnksta=(3, 8), msix=10,
                          sriov=dict(total=total, num=0, offset=offset, stride=stride,
                                     vf_device=0x10ca, vf_bar=kw.pop("vf_bar", 0x4000)), **kw)

    # 01: every count fits (VF BARs placed, VFs on the PF's bus, ARI on)
    pf(port(1), 1, 8, 0x80, 2)
    # 02: VF BARs not placed at boot: resource7 sized but unset, the window too small
    p2 = port(2, mem=(0xfe100000, 0xfe1fffff), pref=(0x4200000000, 0x42000fffff))
    pf(p2, 2, 8, 0x80, 2, vf_bar=0x40000,
       resources={7: (0, 0x1fffff, 0x14220c), 0: (0x4200000000, 0x42000dffff, P)})
    # 03: VFs past the bus range: offset 0x80, stride 4: VF 32 lands on bus 04
    pf(port(3), 3, 64, 0x80, 4)
    # 04: no ARI forwarding: VFs 0-6 are functions of device 0, VF 7 is device 01
    pf(port(4), 4, 16, 1, 1, ari=False)
    # 05: no driver; 06: a driver without sriov_configure
    pf(port(5), 5, 8, 0x80, 2, driver=None)
    pf(port(6), 6, 8, 0x80, 2, driver="pci-stub")
    # 07: the kernel dropped the VF BAR resources (reset to 0 after a failed placement)
    pf(port(7), 7, 8, 0x80, 2, resources={7: (0, 0, 0)})


CASES = {"dual-socket": case_dual_socket, "sriov-limits": case_sriov_limits, "messy": case_messy, "noiommu": case_noiommu,
         "large": case_large}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory that receives one sysroot per case")
    ap.add_argument("--stamp", help="file touched when done (for build systems)")
    ap.add_argument("--size", default="16x63", help="large: PFS x VFS per PF (default 16x63)")
    ap.add_argument("cases", nargs="+", choices=sorted(CASES))
    a = ap.parse_args()
    pfs, _, vfs = a.size.partition("x")
    for c in a.cases:
        root = os.path.join(a.out, c)
        if os.path.lexists(root):
            shutil.rmtree(root)
        os.makedirs(root)
        h = Host(root)
        if c == "large":
            case_large(h, int(pfs), int(vfs))
        else:
            CASES[c](h)
        # passthru reads pci.ids through libpci; nothing under the sysroot is needed for it
    if a.stamp:
        with open(a.stamp, "w") as f:
            f.write(" ".join(a.cases) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
