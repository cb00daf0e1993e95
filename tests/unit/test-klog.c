// SPDX-License-Identifier: MIT
/* The kernel-log scanner over synthetic logs in every form the kernel's lines come in. */
#include "passthru/klog.h"
#include "passthru/passthru.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct pt_klog lg;

static void scan(const char *text)
{
	pt_klog_free(&lg);
	if (pt_klog_parse(text, strlen(text), &lg) != 0)
		printf("# pt_klog_parse failed\n");
}

static const struct pt_klog_fault *fault(const char *bdf)
{
	for (size_t i = 0; i < lg.n_faults; i++)
		if (strcmp(lg.faults[i].device, bdf) == 0)
			return &lg.faults[i];
	return NULL;
}

static const struct pt_klog_aer *aer(const char *bdf)
{
	for (size_t i = 0; i < lg.n_aer; i++)
		if (strcmp(lg.aer[i].device, bdf) == 0)
			return &lg.aer[i];
	return NULL;
}

static void scan_file(const char *name);

static const struct pt_klog_fault none_f;
static const struct pt_klog_aer none_a;
#define F(bdf) (fault(bdf) ? fault(bdf) : &none_f)
#define A(bdf) (aer(bdf) ? aer(bdf) : &none_a)

static void test_intel_boot(void)
{
	scan("[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n"
	     "[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=/dev/vda1 ro intel_iommu=on\n"
	     "[    0.011754] ACPI: DMAR 0x000000007FFE1F1A 000050 (v01 BOCHS  BXPC     00000001 BXPC 00000001)\n"
	     "[    0.051234] DMAR: IOMMU enabled\n"
	     "[    0.112011] DMAR: Host address width 39\n"
	     "[    0.112013] DMAR: DRHD base: 0x000000fed90000 flags: 0x1\n"
	     "[    0.112022] DMAR: dmar0: reg_base_addr fed90000 ver 1:0 cap 12008c22260286 ecap f00f5e\n"
	     "[    0.112025] DMAR-IR: IOAPIC id 0 under DRHD base  0xfed90000 IOMMU 0\n"
	     "[    0.112027] DMAR-IR: Queued invalidation will be enabled to support x2apic and Intr-remapping.\n"
	     "[    0.113404] DMAR-IR: Enabled IRQ remapping in x2apic mode\n"
	     "[    0.421380] iommu: Default domain type: Translated\n"
	     "[    0.421381] iommu: DMA domain TLB invalidation policy: lazy mode\n"
	     "[    0.978843] DMAR: No ATSR found\n"
	     "[    0.978851] DMAR: dmar0: Using Queued invalidation\n"
	     "[    0.979400] pci 0000:00:00.0: Adding to iommu group 0\n"
	     "[    0.985552] DMAR: Intel(R) Virtualization Technology for Directed I/O\n"
	     "[    1.512345] Freeing unused kernel image (initmem) memory: 2836K\n"
	     "[    1.513000] Run /init as init process\n");
	is_int(lg.dma_remapping, PT_YES, "intel: DMA remapping on");
	is_str(lg.dma_evidence, "[    0.985552] DMAR: Intel(R) Virtualization Technology for Directed I/O",
	       "intel: the init line is the evidence (stronger than 'IOMMU enabled')");
	is_int(lg.interrupt_remapping, PT_YES, "intel: IR on");
	is_str(lg.ir_mode, "x2apic", "intel: x2apic mode");
	is_str(lg.ir_evidence, "[    0.113404] DMAR-IR: Enabled IRQ remapping in x2apic mode", "intel: IR evidence");
	is_str(lg.default_domain, "translated", "intel: translated default domain");
	is_str(lg.domain_evidence, "[    0.421380] iommu: Default domain type: Translated", "domain evidence");
	is_str(lg.vendor, "intel", "vendor intel");
	is_int(lg.boots, 1, "one boot banner");
	is_int(lg.lines, 18, "18 lines scanned");
	is_int(lg.n_faults, 0, "no faults");
	is_int(lg.n_aer, 0, "no AER");
}

static void test_intel_off_ir_on(void)
{
	/* Debian's default: no intel_iommu=on, the IOMMU core still speaks, IR still on */
	scan("[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)\n"
	     "[    0.011754] ACPI: DMAR 0x000000007FFE1F1A 000050 (v01 BOCHS  BXPC     00000001 BXPC 00000001)\n"
	     "[    0.112011] DMAR: Host address width 39\n"
	     "[    0.113404] DMAR-IR: Enabled IRQ remapping in xapic mode\n"
	     "[    0.421380] iommu: Default domain type: Translated\n"
	     "[    1.512345] Freeing unused kernel image (initmem) memory: 2836K\n");
	is_int(lg.dma_remapping, PT_NO, "off by default: DMA remapping off (complete boot, no init line)");
	ok(strstr(lg.dma_evidence, "Intel(R) Virtualization Technology") &&
		   strstr(lg.dma_evidence, "ACPI: DMAR 0x"),
	   "off by default: evidence names the missing line and the table");
	is_int(lg.interrupt_remapping, PT_YES, "off by default: IR on anyway");
	is_str(lg.ir_mode, "xapic", "xapic mode");
	is_str(lg.default_domain, "translated", "default domain printed with the IOMMU off");

	/* the same without the end of boot: the absence proves nothing */
	scan("[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)\n"
	     "[    0.112011] DMAR: Host address width 39\n"
	     "[    0.421380] iommu: Default domain type: Translated\n");
	is_int(lg.dma_remapping, PT_UNKNOWN, "truncated boot log: DMA remapping unknown");
	is_str(lg.dma_evidence, "", "no evidence");

	/* nor without the start of boot */
	scan("[ 5000.000000] DMAR: Host address width 39\n"
	     "[ 5001.000000] Run /init as init process\n");
	is_int(lg.dma_remapping, PT_UNKNOWN, "log without the boot banner: unknown");

	scan("[    0.000000] DMAR: IOMMU disabled\n"
	     "[    0.100000] DMAR-IR: Enabled IRQ remapping in x2apic mode\n");
	is_int(lg.dma_remapping, PT_NO, "intel_iommu=off: DMA remapping off");
	is_str(lg.dma_evidence, "[    0.000000] DMAR: IOMMU disabled", "intel_iommu=off evidence");
	is_int(lg.interrupt_remapping, PT_YES, "intel_iommu=off: IR still on");

	scan("[    0.113404] DMAR-IR: This system BIOS has enabled interrupt remapping on a chipset that "
	     "contains an erratum making that feature unstable. To maintain system stability interrupt "
	     "remapping is being disabled.  Please contact your BIOS vendor for an update\n"
	     "[    0.113405] DMAR-IR: x2apic is disabled because BIOS sets x2apic opt out bit.\n"
	     "[    0.113406] x2apic: IRQ remapping doesn't support X2APIC mode\n");
	is_int(lg.interrupt_remapping, PT_NO, "IR disabled by erratum");
	is_str(lg.ir_mode, "", "IR off: no mode");
	ok(strstr(lg.ir_evidence, "erratum") != NULL, "IR off evidence is the erratum line");

	/* firmware without any IOMMU table, whole boot: off, IR off too */
	scan("[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)\n"
	     "[    0.010000] ACPI: RSDP 0x00000000000F5A10 000014 (v00 BOCHS )\n"
	     "[    0.010100] ACPI: RSDT 0x000000007FFE1C8C 000034 (v01 BOCHS  BXPC     00000001 BXPC 00000001)\n"
	     "[    0.010200] ACPI: FACP 0x000000007FFE1B2C 000074 (v01 BOCHS  BXPC     00000001 BXPC 00000001)\n"
	     "[    0.421380] iommu: Default domain type: Translated\n"
	     "[    1.512345] Freeing unused kernel image (initmem) memory: 2836K\n");
	is_int(lg.dma_remapping, PT_NO, "no IOMMU table at all: off");
	ok(strstr(lg.dma_evidence, "no DMAR or IVRS table") && strstr(lg.dma_evidence, "ACPI: RSDT"),
	   "no-table evidence quotes the table listing");
	is_int(lg.interrupt_remapping, PT_NO, "no IOMMU table: no IR either");
	scan("[    0.000000] Linux version 6.1.0\n"
	     "[    0.010100] ACPI: XSDT 0x000000007FFE1C8C 000034 (v01 BOCHS  BXPC     00000001 BXPC 00000001)\n"
	     "[    0.010300] ACPI: IORT 0x000000007FFE1D00 000034 (v01 LINARO SERVER   00000001 BXPC 00000001)\n"
	     "[    1.512345] Freeing unused kernel image (initmem) memory: 2836K\n");
	is_int(lg.dma_remapping, PT_UNKNOWN, "an ARM IORT table: not judged from absence");

	scan("DMAR-IR: IRQ remapping disabled\n");
	is_int(lg.interrupt_remapping, PT_NO, "'DMAR-IR: ... disabled'");

	scan("[    0.000000] DMAR: Intel-IOMMU force enabled due to platform opt in\n");
	is_int(lg.dma_remapping, PT_YES, "platform opt-in forces the IOMMU on");

	scan("[    0.000000] DMAR: IOMMU enabled\n");
	is_int(lg.dma_remapping, PT_YES, "'DMAR: IOMMU enabled' alone counts");
	/* intel_iommu=on in a guest with no vIOMMU: the parameter parsed, nothing came up */
	scan("[    0.000000] Linux version 6.1.0-18-amd64\n"
	     "[    0.000000] Command line: root=/dev/vda1 intel_iommu=on\n"
	     "[    0.001000] DMAR: IOMMU enabled\n"
	     "[    0.010100] ACPI: XSDT 0x000000007FFE1C8C 000034 (v01 BOCHS  BXPC     00000001 BXPC 00000001)\n"
	     "[    1.512345] Run /init as init process\n");
	is_int(lg.dma_remapping, PT_NO, "intel_iommu=on without any DMAR table: off after all");
	ok(strstr(lg.dma_evidence, "no DMAR or IVRS table") != NULL, "the table listing is the evidence");
	scan("[    0.000000] Linux version 6.1.0-18-amd64\n"
	     "[    0.001000] DMAR: IOMMU enabled\n"
	     "[    0.011754] ACPI: DMAR 0x000000007FFE1F1A 000050 (v01 BOCHS  BXPC     00000001 BXPC 00000001)\n"
	     "[    0.900000] DMAR: Failed to ... something\n"
	     "[    1.512345] Run /init as init process\n");
	is_int(lg.dma_remapping, PT_NO, "intel_iommu=on, table, no init line: the driver failed");

	scan("[    1.0] iommu: Default domain type: Passthrough (set via kernel command line)\n");
	is_str(lg.default_domain, "passthrough", "passthrough set via command line");
	is_int(lg.dma_remapping, PT_UNKNOWN, "the default domain line says nothing of DMA remapping");
	is_int(lg.interrupt_remapping, PT_UNKNOWN, "nor of interrupt remapping");
	is_str(lg.vendor, "", "nor of the vendor");
}

static void test_intel_faults(void)
{
	/* 5.15+ format, dmesg -T, two segments, a ratelimit note */
	scan("[Sat Nov 21 06:06:48 2026] DMAR: DRHD: handling fault status reg 2\n"
	     "[Sat Nov 21 06:06:48 2026] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0xfffe0000 [fault reason 0x06] PTE Read access is not set\n"
	     "[Sat Nov 21 06:06:48 2026] DMAR: [DMA Write NO_PASID] Request device [00:02.0] fault addr 0xfffe1000 [fault reason 0x05] PTE Write access is not set\n"
	     "[Sat Nov 21 06:06:49 2026] dmar_fault: 36 callbacks suppressed\n"
	     "[Sat Nov 21 06:06:49 2026] DMAR: [DMA Read PASID 0x1] Request device [0001:02:00.0] fault addr 0x1000 [fault reason 0x06] PTE Read access is not set\n"
	     "[Sat Nov 21 06:06:50 2026] DMAR: [INTR-REMAP] Request device [f0:1f.0] fault index 0x0 [fault reason 0x25] Blocked a compatibility format interrupt request\n");
	is_int(lg.n_faults, 3, "three faulting devices");
	is_str(F("0000:00:02.0")->device, "0000:00:02.0", "short BDF made full");
	is_int(F("0000:00:02.0")->count, 14, "2 lines + 36 suppressed calls / 3 per fault");
	is_int(F("0000:00:02.0")->suppressed, 12, "suppressed recorded");
	is_str(F("0000:00:02.0")->kind, "dmar", "kind dmar");
	is_str(F("0000:00:02.0")->reason, "PTE Read access is not set", "first reason kept");
	is_str(F("0000:00:02.0")->first_line,
	       "[Sat Nov 21 06:06:48 2026] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0xfffe0000 [fault reason 0x06] PTE Read access is not set",
	       "first line is the evidence");
	is_int(F("0001:02:00.0")->count, 1, "segment 1 device counted apart");
	is_str(F("0000:f0:1f.0")->reason, "Blocked a compatibility format interrupt request",
	       "interrupt-remapping fault");
	is_int(lg.dma_remapping, PT_UNKNOWN, "faults alone do not judge remapping");

	/* 4.7..5.x format, with the PASID variant and 5.14's 0x-prefixed BDF */
	scan("[ 1234.567899] DMAR: [DMA Read] Request device [02:00.0] fault addr 7fa2d000 [fault reason 06] PTE Read access is not set\n"
	     "[ 1234.567999] DMAR: [DMA Write] Request device [02:00.0] PASID ffffffff fault addr 7fa2e000 [fault reason 05] PTE Write access is not set\n"
	     "[ 1234.600000] DMAR: [DMA Read NO_PASID] Request device [0x03:0x00.1] fault addr 0x7fa2d000 [fault reason 0x06] PTE Read access is not set\n");
	is_int(F("0000:02:00.0")->count, 2, "4.x format counted");
	is_str(F("0000:02:00.0")->reason, "PTE Read access is not set", "4.x reason");
	is_int(F("0000:03:00.1")->count, 1, "0x-prefixed BDF");

	/* pre-4.7: the reason on a second line */
	scan("[  123.100000] dmar: DRHD: handling fault status reg 2\n"
	     "[  123.200000] dmar: DMAR:[DMA Read] Request device [02:00.0] fault addr 7fa2d000 \n"
	     "[  123.200001] DMAR:[fault reason 06] PTE Read access is not set\n"
	     "[  123.300000] DMAR:[DMA Write] Request device [02:00.0] fault addr 7fa2f000 \n"
	     "[  123.300001] DMAR:[fault reason 05] PTE Write access is not set\n");
	is_int(lg.n_faults, 1, "old two-line format: one device");
	is_int(F("0000:02:00.0")->count, 2, "old format: one count per fault, not per line");
	is_str(F("0000:02:00.0")->reason, "PTE Read access is not set", "old format: reason from the next line");

	/* a note with no number, and one before any fault */
	scan("dmar_fault: callbacks suppressed\n"
	     "DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 [fault reason 0x06] PTE Read access is not set\n");
	is_int(F("0000:00:02.0")->count, 1, "a note without a number adds nothing");
	scan("dmar_fault: 14 callbacks suppressed\n"
	     "DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 [fault reason 0x06] PTE Read access is not set\n");
	is_int(F("0000:00:02.0")->count, 6, "a note before the first fault goes to the next one");

	/* the lab: 30 faults in 6 s, 4 printed, the rest in the note */
	scan_file("qemu-vtd-fault-burst.dmesg");
	is_int(F("0000:00:05.0")->count, 30, "lab burst: 4 lines + 77 calls / 3 = the 30 faults provoked");
	is_int(F("0000:00:05.0")->suppressed, 26, "lab burst: 26 dropped");
}

static void test_amd(void)
{
	scan("Nov 21 06:06:47 host kernel: Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)\n"
	     "Nov 21 06:06:48 host kernel: ACPI: IVRS 0x00000000BC7C9000 0001A4 (v02 AMD    AmdTable 00000001 AMD  00000001)\n"
	     "Nov 21 06:06:48 host kernel: pci 0000:00:00.2: AMD-Vi: IOMMU performance counters supported\n"
	     "Nov 21 06:06:48 host kernel: pci 0000:00:00.2: AMD-Vi: Found IOMMU cap 0x40\n"
	     "Nov 21 06:06:48 host kernel: AMD-Vi: Extended features (0x58f77ef22294a5a): PPR NX GT IA PC GA_vAPIC\n"
	     "Nov 21 06:06:48 host kernel: AMD-Vi: Interrupt remapping enabled\n"
	     "Nov 21 06:06:48 host kernel: AMD-Vi: Virtual APIC enabled\n"
	     "Nov 21 06:06:48 host kernel: AMD-Vi: X2APIC enabled\n"
	     "Nov 21 06:06:48 host kernel: iommu: Default domain type: Passthrough (set via kernel command line)\n"
	     "Nov 21 06:06:50 host kernel: vfio-pci 0000:07:00.0: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x0000 address=0xfffffffdf8000000 flags=0x0010]\n"
	     "Nov 21 06:06:50 host kernel: vfio-pci 0000:07:00.0: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x0000 address=0xfffffffdf8000040 flags=0x0010]\n"
	     "Nov 21 06:06:51 host kernel: AMD-Vi: Event logged [IO_PAGE_FAULT device=0000:08:00.1 domain=0x000e address=0x1000 flags=0x0050]\n"
	     "Nov 21 06:06:52 host kernel: iommu ivhd0: AMD-Vi: Event logged [ILLEGAL_DEV_TABLE_ENTRY device=0000:09:00.0 pasid=0x00000 address=0x0 flags=0x0000]\n");
	is_int(lg.dma_remapping, PT_YES, "amd: DMA remapping on");
	ok(strstr(lg.dma_evidence, "AMD-Vi: ") != NULL, "amd: evidence is an AMD-Vi init line");
	is_int(lg.interrupt_remapping, PT_YES, "amd: IR on");
	is_str(lg.ir_mode, "x2apic", "amd: x2apic after Virtual APIC");
	is_str(lg.default_domain, "passthrough", "amd: passthrough");
	is_str(lg.vendor, "amd", "vendor amd");
	is_int(F("0000:07:00.0")->count, 2, "new format: device from the line's prefix");
	is_str(F("0000:07:00.0")->kind, "amd-vi", "kind amd-vi");
	is_str(F("0000:07:00.0")->reason, "IO_PAGE_FAULT", "reason IO_PAGE_FAULT");
	is_int(F("0000:08:00.1")->count, 1, "unknown-device format: device= field");
	is_str(F("0000:09:00.0")->reason, "ILLEGAL_DEV_TABLE_ENTRY", "event named by device=, not the IOMMU");
	ok(fault("0000:00:00.2") == NULL, "the IOMMU itself is not blamed");

	scan("[    1.0] AMD-Vi: Interrupt remapping enabled\n"
	     "[    1.1] AMD-Vi: Lazy IO/TLB flushing enabled\n");
	is_int(lg.interrupt_remapping, PT_YES, "old amd: IR on");
	is_str(lg.ir_mode, "xapic", "old amd: no X2APIC line next means xAPIC");
	is_int(lg.dma_remapping, PT_YES, "old amd: lazy flushing line proves DMA remapping");

	/* 3.x/4.x format: device= without segment, and wrapped over two lines */
	scan("[  100.0] AMD-Vi: Event logged [IO_PAGE_FAULT device=07:00.0 domain=0x0000 address=0x000000fdf8000000 flags=0x0010]\n"
	     "[  100.1] AMD-Vi: Event logged [\n"
	     "[  100.1] IO_PAGE_FAULT device=07:00.0 domain=0x0000 address=0x000000fdf8000040 flags=0x0010]\n"
	     "[  100.2] AMD-Vi: Event logged [IO_PAGE_FAULT\n"
	     " device=07:00.0 domain=0x0000 address=0x000000fdf8000080 flags=0x0010]\n"
	     "[  100.3] amd_iommu_report_page_fault: 7 callbacks suppressed\n");
	is_int(lg.n_faults, 1, "old and wrapped: one device");
	is_int(F("0000:07:00.0")->count, 10, "old + 2 wrapped + 7 suppressed");
	is_str(F("0000:07:00.0")->reason, "IO_PAGE_FAULT", "old format reason");

	scan("[    0.5] AMD-Vi: AMD IOMMU disabled\n");
	is_int(lg.dma_remapping, PT_NO, "amd_iommu=off");
	scan("[    0.5] AMD-Vi: AMD IOMMU disabled on kernel command-line\n");
	is_int(lg.dma_remapping, PT_NO, "amd_iommu=off (older wording)");
	scan("[    9.5] AMD-Vi: AMD IOMMUv2 loaded and initialized\n");
	is_int(lg.dma_remapping, PT_YES, "IOMMUv2 loaded");
	scan("[    0.5] AMD-Vi: Found IOMMU at 0000:00:00.2 cap 0x40\n"
	     "[    0.6] AMD-Vi: Initialized for Passthrough Mode\n");
	is_int(lg.dma_remapping, PT_YES, "4.x: Found IOMMU at");
	is_str(lg.default_domain, "passthrough", "4.x: passthrough mode");
}

static void test_aer(void)
{
	scan("[  500.0] pcieport 0000:00:1c.0: AER: Corrected error received: 0000:01:00.0\n"
	     "[  500.0] igb 0000:01:00.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)\n"
	     "[  500.0] igb 0000:01:00.0:   device [8086:10c9] error status/mask=00000001/00002000\n"
	     "[  500.0] igb 0000:01:00.0:    [ 0] RxErr                  (First)\n"
	     "[  501.0] pcieport 0000:00:1c.0: AER: Multiple Corrected error received: 0000:01:00.0\n"
	     "[  501.0] igb 0000:01:00.0: PCIe Bus Error: severity=Corrected, type=Data Link Layer, (Transmitter ID)\n"
	     "[  502.0] pcieport 0000:00:03.0: AER: Uncorrected (Non-Fatal) error received: 0000:04:00.0\n"
	     "[  502.0] nvme 0000:04:00.0: AER: PCIe Bus Error: severity=Uncorrected (Non-Fatal), type=Transaction Layer, (Requester ID)\n"
	     "[  503.0] pcieport 0000:00:03.0: AER: Uncorrected (Fatal) error received: 0000:04:00.0\n"
	     "[  504.0] pcieport 0000:00:03.0: AER: Corrected error received: 0000:04:00.0\n");
	is_int(lg.n_aer, 2, "two devices with AER errors");
	is_int(A("0000:01:00.0")->count, 2, "source line and details count once per event");
	is_str(A("0000:01:00.0")->severity, "corrected", "corrected");
	is_str(A("0000:01:00.0")->first_line,
	       "[  500.0] pcieport 0000:00:1c.0: AER: Corrected error received: 0000:01:00.0",
	       "first line");
	is_int(A("0000:04:00.0")->count, 3, "three events");
	is_str(A("0000:04:00.0")->severity, "fatal", "the worst severity");
	ok(aer("0000:00:1c.0") == NULL && aer("0000:00:03.0") == NULL, "the reporting port is not blamed");

	/* 6.x wording, 3.x requester ids, firmware-first details without a source line */
	scan("pcieport 0000:00:1c.0: AER: Correctable error message received from 0000:03:00.0\n"
	     "pcieport 0000:00:1c.0: AER: Multiple Uncorrectable (Non-Fatal) error message received from 0000:03:00.1 (no details found)\n"
	     "pcieport 0001:00:1c.0: AER: Corrected error received: id=0100\n"
	     "pcieport 0000:00:1c.0: AER: Corrected error received: id=00e5\n"
	     "pcieport 0000:00:1c.5: PCIe Bus Error: severity=Corrected, type=Physical Layer, id=00e5(Receiver ID)\n"
	     "mlx5_core 0000:5e:00.0: AER: PCIe Bus Error: severity=Uncorrectable (Fatal), type=Inaccessible, (Unregistered Agent ID)\n");
	is_str(A("0000:03:00.0")->severity, "corrected", "6.x Correctable");
	is_str(A("0000:03:00.1")->severity, "non-fatal", "6.x Uncorrectable (Non-Fatal)");
	is_int(A("0001:01:00.0")->count, 1, "requester id in the port's domain");
	is_int(A("0000:00:1c.5")->count, 1, "requester id decoded; its details not counted twice");
	is_int(A("0000:5e:00.0")->count, 1, "details alone count");
	is_str(A("0000:5e:00.0")->severity, "fatal", "Uncorrectable (Fatal)");

	scan("usb 1-1: device descriptor read/64, error received: -71\n");
	is_int(lg.n_aer, 0, "an unrelated 'error received' is not AER");
}

static void test_forms(void)
{
	/* raw /dev/kmsg with continuation lines and a \x0a escape */
	scan("6,339,5140900,-;DMAR: Intel(R) Virtualization Technology for Directed I/O\n"
	     " SUBSYSTEM=acpi\n"
	     "4,1200,90000000,-,caller=T12;pcieport 0000:00:1c.0: AER: Corrected error received: 0000:01:00.0\n"
	     " SUBSYSTEM=pci\n"
	     " DEVICE=+pci:0000:00:1c.0\n"
	     "4,1201,90000010,c;igb 0000:01:00.0: PCIe Bus Error: severity=Corrected, type=Physical Layer, (Receiver ID)\n"
	     "3,1203,90000100,-;DMAR:[DMA Read] Request device [02:00.0] fault addr 7fa2d000 \\x0aDMAR:[fault reason 06] PTE Read access is not set\n");
	is_int(lg.dma_remapping, PT_YES, "kmsg: DMA remapping");
	is_str(lg.dma_evidence, "[    5.140900] DMAR: Intel(R) Virtualization Technology for Directed I/O",
	       "kmsg: evidence with the record's timestamp");
	is_int(A("0000:01:00.0")->count, 1, "kmsg: AER counted once");
	is_str(F("0000:02:00.0")->reason, "PTE Read access is not set", "kmsg: \\x0a splits a record");
	is_int(lg.lines, 5, "kmsg: metadata lines are not log lines");

	/* no timestamps, CRLF, <N> priorities, dmesg -x, ISO syslog */
	scan("DMAR: Intel(R) Virtualization Technology for Directed I/O\r\n"
	     "<6>DMAR-IR: Enabled IRQ remapping in xapic mode\r\n"
	     "kern  :info  : [    0.421380] iommu: Default domain type: Passthrough\r\n"
	     "2026-11-21T06:06:48.123456+00:00 host kernel: DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 [fault reason 0x06] PTE Read access is not set\r\n"
	     "2026-11-21T06:06:49+0000 host kernel: [ 5000.1] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 [fault reason 0x06] PTE Read access is not set\r\n"
	     "[  +0.000004] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 [fault reason 0x06] PTE Read access is not set\r\n");
	is_int(lg.dma_remapping, PT_YES, "bare line");
	is_str(lg.dma_evidence, "DMAR: Intel(R) Virtualization Technology for Directed I/O", "CR removed");
	is_str(lg.ir_mode, "xapic", "<6> priority");
	is_str(lg.default_domain, "passthrough", "dmesg -x");
	is_int(F("0000:00:02.0")->count, 3, "ISO syslog, short-monotonic and dmesg -d forms");

	/* journalctl -o short-full / short-unix / short-precise, dmesg --time-format reltime */
	scan("Sat 2026-11-21 06:06:48 UTC host kernel: DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 [fault reason 0x06] PTE Read access is not set\n"
	     "1763705208.123456 host kernel: DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 [fault reason 0x06] PTE Read access is not set\n"
	     "Nov 21 06:06:48.123456 host kernel: DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 [fault reason 0x06] PTE Read access is not set\n"
	     "[Nov21 06:06] DMAR-IR: Enabled IRQ remapping in x2apic mode\n");
	is_int(F("0000:00:02.0")->count, 3, "short-full, short-unix, short-precise");
	is_str(lg.ir_mode, "x2apic", "reltime");
	is_str(F("0000:00:02.0")->reason, "PTE Read access is not set", "reason without the CR");

	/* several boots: the last one's state */
	scan("Nov 20 10:00:00 host kernel: Linux version 6.1.0-18-amd64\n"
	     "Nov 20 10:00:00 host kernel: DMAR: Intel(R) Virtualization Technology for Directed I/O\n"
	     "Nov 20 10:00:00 host kernel: DMAR-IR: Enabled IRQ remapping in x2apic mode\n"
	     "Nov 20 11:00:00 host kernel: DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 [fault reason 0x06] PTE Read access is not set\n"
	     "-- Boot 2c2b5a1d0c3e4f5a8b9c0d1e2f3a4b5c --\n"
	     "Nov 21 06:00:00 host kernel: Linux version 6.1.0-18-amd64\n"
	     "Nov 21 06:00:00 host kernel: DMAR: IOMMU disabled\n");
	is_int(lg.boots, 2, "two boots");
	is_int(lg.dma_remapping, PT_NO, "the last boot decides");
	is_int(lg.interrupt_remapping, PT_UNKNOWN, "the last boot said nothing of IR");
	is_int(F("0000:00:02.0")->count, 1, "faults over the whole log");

	/* Arm SMMU units probed */
	scan("[    1.0] arm-smmu-v3 arm-smmu-v3.0.auto: ias 48-bit, oas 48-bit (features 0x00001faf)\n");
	is_int(lg.dma_remapping, PT_YES, "smmu-v3 probed");
	is_str(lg.vendor, "arm", "vendor arm");
	scan("[    1.0] arm-smmu 5000000.iommu: probing hardware configuration...\n");
	is_int(lg.dma_remapping, PT_YES, "smmu (v2) probed");

	/* SMMUv3 (6.x) */
	scan("[  10.0] arm-smmu-v3 arm-smmu-v3.0.auto: event: F_TRANSLATION client: 0000:01:00.0 sid: 0x100 ssid: 0x0 iova: 0x8000 ipa: 0x0\n");
	is_str(F("0000:01:00.0")->kind, "smmu", "smmu kind");
	is_str(F("0000:01:00.0")->reason, "F_TRANSLATION", "smmu reason");
}

static void test_robust(void)
{
	static const char junk[] = "\0\0[\n[]\n[ 1\n<\n<999999>\n6,1,2\n6,1,2,-\n6,,;x\n"
				   "Request device [\nRequest device [0x\nDMAR: Request device [99:99.9]\n"
				   "AMD-Vi: Event logged [\nAMD-Vi: Event logged [\ndevice=\n"
				   "AER: error received: id=\nPCIe Bus Error: severity=\n"
				   " callbacks suppressed\n: 99999999999999999999999 callbacks suppressed\n"
				   "\\x0a\\x\n\xff\xfe\x80 Linux version \n";
	struct pt_klog l;
	char *big;
	size_t n = 0, cap = 1u << 20;

	ok(pt_klog_parse(junk, sizeof(junk) - 1, &l) == 0, "junk parses");
	is_int(l.n_faults, 0, "junk: no faults");
	pt_klog_free(&l);
	ok(pt_klog_parse(NULL, 0, &l) == 0 && l.dma_remapping == PT_UNKNOWN, "empty input");
	pt_klog_free(&l);
	ok(pt_klog_parse("DMAR: IOMMU enabled", 5, &l) == 0 && l.dma_remapping == PT_UNKNOWN,
	   "len is honoured (no NUL needed)");
	pt_klog_free(&l);

	/* a 1 MiB log, no newlines at all: one line, cut */
	big = malloc(cap + 1);
	if (!big)
		return;
	memset(big, 'A', cap);
	ok(pt_klog_parse(big, cap, &l) == 0 && l.lines == 1, "1 MiB single line");
	pt_klog_free(&l);

	/* a 1 MiB log of faults from many devices (linear: the scan must not crawl) */
	for (unsigned i = 0; n + 200 < cap; i++)
		n += (size_t)snprintf(big + n, cap - n,
				      "[%5u.000000] DMAR: [DMA Read NO_PASID] Request device [%02x:%02x.%u] "
				      "fault addr 0x0 [fault reason 0x06] PTE Read access is not set\n",
				      i, (i >> 8) & 0xff, (i >> 3) & 0x1f, i & 7);
	ok(pt_klog_parse(big, n, &l) == 0, "1 MiB of faults parses");
	is_int(l.n_faults, l.lines < 65536 ? l.lines : 65536, "one entry per device");
	pt_klog_free(&l);
	free(big);
}

/* Real logs from the lab's kernel on each topology (tests/data/klog/README). */
static void scan_file(const char *name)
{
	const char *top = getenv("PASSTHRU_TOP_SRCDIR");
	char path[4096], *buf = NULL;
	size_t len = 0;
	FILE *f;

	pt_klog_free(&lg);
	memset(&lg, 0, sizeof(lg));
	snprintf(path, sizeof(path), "%s/tests/data/klog/%s", top ? top : ".", name);
	f = fopen(path, "rb");
	if (f) {
		buf = malloc(1 << 20);
		len = buf ? fread(buf, 1, 1 << 20, f) : 0;
		fclose(f);
	}
	ok(buf && len > 0, "read %s", name);
	if (buf && pt_klog_parse(buf, len, &lg) != 0)
		printf("# pt_klog_parse failed\n");
	free(buf);
}

static void test_lab(void)
{
	scan_file("qemu-vtd-x2apic.dmesg");
	is_int(lg.boots, 1, "lab vtd: one boot");
	is_int(lg.dma_remapping, PT_YES, "lab vtd: DMA remapping on");
	is_str(lg.dma_evidence, "[    1.858492] DMAR: Intel(R) Virtualization Technology for Directed I/O",
	       "lab vtd: evidence");
	is_int(lg.interrupt_remapping, PT_YES, "lab vtd: IR on");
	is_str(lg.ir_mode, "x2apic", "lab vtd: x2apic (eim=on)");
	is_str(lg.default_domain, "translated", "lab vtd: translated");
	is_int(lg.n_faults + lg.n_aer, 0, "lab vtd: no faults, no AER");

	scan_file("qemu-vtd-nointremap.kmsg");
	is_int(lg.dma_remapping, PT_YES, "lab intremap=off (kmsg): DMA remapping on");
	is_int(lg.interrupt_remapping, PT_NO, "lab intremap=off: IR off, though nothing says 'disabled'");
	ok(strstr(lg.ir_evidence, "no \"DMAR-IR: Enabled IRQ remapping\" line") &&
		   strstr(lg.ir_evidence, "ACPI: DMAR 0x"),
	   "lab intremap=off: evidence names the missing line and the table");
	is_str(lg.ir_mode, "", "lab intremap=off: no mode");
	is_int(lg.lines, 557, "lab kmsg: record lines only");

	scan_file("qemu-noiommu.dmesg");
	is_int(lg.dma_remapping, PT_NO, "lab noiommu: off");
	ok(strstr(lg.dma_evidence, "ACPI: RSDT 0x") != NULL, "lab noiommu: the ACPI listing is the evidence");
	is_int(lg.interrupt_remapping, PT_NO, "lab noiommu: IR off");
	is_str(lg.default_domain, "translated", "lab noiommu: the default domain is printed anyway");
	is_str(lg.vendor, "", "lab noiommu: 'AMD IOMMUv2 functionality not available' names no vendor");

	scan_file("qemu-vtd-faults-aer.dmesg");
	is_int(lg.n_faults, 1, "lab faults: one faulting device");
	is_int(F("0000:00:05.0")->count, 2, "lab faults: two DMAR faults of the NVMe controller");
	is_str(F("0000:00:05.0")->reason, "PTE Read access is not set", "lab faults: reason");
	is_str(F("0000:00:05.0")->first_line,
	       "[   30.686998] DMAR: [DMA Read NO_PASID] Request device [00:05.0] fault addr 0x1000 "
	       "[fault reason 0x06] PTE Read access is not set", "lab faults: first line");
	is_int(lg.n_aer, 1, "lab AER: the igb PF only, not its root port");
	is_int(A("0000:21:00.0")->count, 4, "lab AER: 2 corrected + non-fatal + fatal, each once");
	is_str(A("0000:21:00.0")->severity, "fatal", "lab AER: the worst is fatal");
	is_str(A("0000:21:00.0")->first_line,
	       "[   25.248034] pcieport 0000:20:00.0: AER: Uncorrected (Fatal) error message received from 0000:21:00.0",
	       "lab AER: the evidence of the worst severity is a line of that severity");
	is_int(A("0000:21:00.0")->by_severity[PT_KLOG_AER_CORRECTED], 2, "lab AER: 2 corrected");
	is_int(A("0000:21:00.0")->by_severity[PT_KLOG_AER_NONFATAL], 1, "lab AER: 1 non-fatal");
	is_int(A("0000:21:00.0")->by_severity[PT_KLOG_AER_FATAL], 1, "lab AER: 1 fatal");
	is_str(A("0000:21:00.0")->severity_line[PT_KLOG_AER_CORRECTED],
	       "[   19.736878] pcieport 0000:20:00.0: AER: Corrected error message received from 0000:21:00.0",
	       "lab AER: corrected evidence is a corrected line");
	is_str(A("0000:21:00.0")->severity_line[PT_KLOG_AER_NONFATAL],
	       "[   22.079830] pcieport 0000:20:00.0: AER: Uncorrected (Non-Fatal) error message received from 0000:21:00.0",
	       "lab AER: non-fatal evidence is a non-fatal line");

	scan_file("qemu-amdvi-x2apic.dmesg");
	is_int(lg.boots, 1, "lab AMD-Vi: one boot");
	is_str(lg.vendor, "amd", "lab AMD-Vi: vendor amd");
	is_int(lg.dma_remapping, PT_YES, "lab AMD-Vi: DMA remapping on");
	ok(strstr(lg.dma_evidence, "AMD-Vi: Found IOMMU cap 0x40") != NULL,
	   "lab AMD-Vi: the unit's own line is the evidence, not amd_iommu_v2's: %s", lg.dma_evidence);
	is_int(lg.interrupt_remapping, PT_YES, "lab AMD-Vi: IR on");
	ok(strstr(lg.ir_evidence, "AMD-Vi: Interrupt remapping enabled") != NULL, "lab AMD-Vi: IR evidence");
	is_str(lg.ir_mode, "x2apic", "lab AMD-Vi: x2apic (\"AMD-Vi: X2APIC enabled\", xtsup=on)");
	is_str(lg.default_domain, "translated", "lab AMD-Vi: translated");
	is_int(lg.n_faults + lg.n_aer, 0, "lab AMD-Vi: no faults, no AER");

	scan_file("qemu-virtio-iommu.dmesg");
	is_str(lg.vendor, "virtio", "lab virtio-iommu: vendor virtio");
	is_int(lg.dma_remapping, PT_YES, "lab virtio-iommu: DMA remapping on (no DMAR/IVRS table, yet on)");
	ok(strstr(lg.dma_evidence, "virtio_iommu virtio0: input address") != NULL,
	   "lab virtio-iommu: the driver's probe line is the evidence: %s", lg.dma_evidence);
	is_int(lg.interrupt_remapping, PT_NO, "lab virtio-iommu: IR off (x86 remaps only through VT-d/AMD-Vi)");
	ok(strstr(lg.ir_evidence, "virtio-iommu, which remaps no interrupts") != NULL, "lab virtio-iommu: says why");

	scan_file("qemu-vtd-pt.dmesg");
	is_int(lg.dma_remapping, PT_YES, "lab iommu=pt: DMA remapping on");
	is_str(lg.default_domain, "passthrough", "lab iommu=pt: passthrough");
	is_str(lg.ir_mode, "x2apic", "lab iommu=pt: x2apic");
}

/* The command over a saved log, as a user runs it. */
static void test_cli(void)
{
	const char *bin = getenv("PASSTHRU_BIN");
	char path[] = "/tmp/test-klog-XXXXXX", cmd[4200], out[8192];
	size_t n;
	FILE *f, *p;
	int fd, st;

	if (!bin) {
		ok(1, "# SKIP passthru log: PASSTHRU_BIN not set");
		return;
	}
	fd = mkstemp(path);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		return;
	fputs("[    0.985552] DMAR: Intel(R) Virtualization Technology for Directed I/O\n"
	      "[ 1234.5] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 "
	      "[fault reason 0x06] PTE \"Read\" access is not set\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "'%s' log '%s' --json", bin, path);
	p = popen(cmd, "r");
	n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
	out[n] = '\0';
	st = p ? pclose(p) : -1;
	is_int(WEXITSTATUS(st), 0, "passthru log FILE --json exits 0");
	ok(strstr(out, "\"dma_remapping\": true") != NULL, "json: dma_remapping true");
	ok(strstr(out, "\"interrupt_remapping\": null") != NULL, "json: unknown is null");
	ok(strstr(out, "\"ir_mode\": null") != NULL, "json: ir_mode null");
	ok(strstr(out, "\"device\": \"0000:00:02.0\"") != NULL, "json: full BDF");
	ok(strstr(out, "\"count\": 1") != NULL, "json: count");
	ok(strstr(out, "PTE \\\"Read\\\" access") != NULL, "json: quotes escaped");

	snprintf(cmd, sizeof(cmd), "'%s' log < '%s' - | grep -q 'DMA remapping: *on'", bin, path);
	is_int(WEXITSTATUS(system(cmd)), 0, "passthru log - reads stdin, human output");
	snprintf(cmd, sizeof(cmd), "'%s' log '%s.missing' 2>/dev/null", bin, path);
	is_int(WEXITSTATUS(system(cmd)), 2, "an unreadable log exits 2");
	{
		const char *top = getenv("PASSTHRU_TOP_SRCDIR");
		char o2[4096] = "";
		size_t got;
		FILE *q;

		snprintf(cmd, sizeof(cmd), "'%s' log '%s/tests/data/klog/qemu-vtd-faults-aer.dmesg'", bin,
			 top ? top : ".");
		q = popen(cmd, "r");
		got = q ? fread(o2, 1, sizeof(o2) - 1, q) : 0;
		o2[got] = '\0';
		if (q)
			pclose(q);
		ok(strstr(o2, "0000:21:00.0        2  corrected") && strstr(o2, "1  non-fatal") &&
		   strstr(o2, "1  fatal") && !strstr(o2, "4  fatal"),
		   "passthru log counts AER errors per severity (2 corrected, 1 non-fatal, 1 fatal)");
		ok(strstr(o2, "1  fatal\n      [   25.248034]") != NULL,
		   "passthru log: the fatal count's evidence is the fatal line");
	}
	/* a log over the 16 MiB bound: its end is read, where the running boot is */
	f = fopen(path, "w");
	if (f) {
		static char pad[4096];

		memset(pad, 'x', sizeof(pad) - 1);
		fputs("[    0.0] DMAR: IOMMU disabled\n", f);
		for (int i = 0; i < 4200; i++)
			fprintf(f, "%s\n", pad);
		fputs("[    0.0] Linux version 6.1.0\n[    1.0] DMAR: Intel(R) Virtualization Technology for Directed I/O\n", f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "'%s' log '%s' --json | grep -q '\"dma_remapping\": true'", bin, path);
		is_int(WEXITSTATUS(system(cmd)), 0, "a 17 MiB log: the last 16 MiB are scanned");
	}
	unlink(path);
}

int main(void)
{
	test_intel_boot();
	test_intel_off_ir_on();
	test_intel_faults();
	test_amd();
	test_aer();
	test_forms();
	test_robust();
	test_lab();
	test_cli();
	pt_klog_free(&lg);
	return done_testing();
}
