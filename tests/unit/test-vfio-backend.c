// SPDX-License-Identifier: MIT
/*
 * The VFIO path decision (lib/vfio-backend.c): iommufd only when the kernel (/dev/iommu,
 * each function's cdev) and the VM manager (QEMU's iommufd object; libvirt's version)
 * both can; forced choices obeyed with the evidence against them; the VF token asked
 * for when a vfio driver holds the PF. And the readers of what QEMU and virsh print.
 */
#include "passthru/assign.h"
#include "tap.h"

#include <string.h>

static void parsers(void)
{
	static const char help[] = "List of user creatable objects:\n  authz-list\n  input-linux\n"
				   "  iommufd\n  iothread\n";
	static const char old[] = "List of user creatable objects:\n  authz-list\n  iothread\n"
				  "  iommufd-not\n";
	enum pt_vfio_backend b;
	int M = -1, m = -1;

	is_int(pt_qemu_help_lists(help, sizeof(help) - 1, "iommufd"), 1, "QEMU 10's -object help lists iommufd");
	is_int(pt_qemu_help_lists(old, sizeof(old) - 1, "iommufd"), 0, "a longer name is not iommufd");
	is_int(pt_qemu_help_lists("  iommufd", 9, "iommufd"), 1, "the last line without a newline");
	is_int(pt_qemu_help_lists("", 0, "iommufd"), 0, "empty output");
	ok(pt_libvirt_version_parse("9.0.0\n", 6, &M, &m) == 0 && M == 9 && m == 0, "virsh 9.0.0");
	ok(pt_libvirt_version_parse("12.2.0", 6, &M, &m) == 0 && M == 12 && m == 2, "virsh 12.2.0");
	ok(pt_libvirt_version_parse("11.3", 4, &M, &m) == 0 && M == 11 && m == 3, "11.3 without a micro");
	ok(pt_libvirt_version_parse("error: no", 9, &M, &m) < 0, "an error message is no version");
	ok(pt_libvirt_version_parse("9x0", 3, &M, &m) < 0, "9x0 is no version");
	ok(pt_libvirt_version_parse("9.0abc", 6, &M, &m) < 0, "9.0abc is no version");
	ok(pt_vfio_backend_parse("iommufd", &b) == 0 && b == PT_VFIO_IOMMUFD, "--vfio-backend iommufd");
	ok(pt_vfio_backend_parse("legacy", &b) == 0 && b == PT_VFIO_LEGACY, "--vfio-backend legacy");
	ok(pt_vfio_backend_parse("group", &b) < 0, "--vfio-backend group is refused");
	is_str(pt_vfio_backend_str(PT_VFIO_IOMMUFD), "iommufd", "the word for iommufd");
}

static void decide(void)
{
	struct pt_host h = { .dev_iommu = PT_YES };
	struct pt_assigned devs[2] = { 0 };
	struct pt_assign_result res = { .devs = devs, .n = 2 };
	struct pt_vmm_support q = { .qemu_iommufd = PT_YES, .qemu_evidence = "qemu lists iommufd",
				    .libvirt_iommufd = PT_NO,
				    .libvirt_evidence = "libvirt 9.0 (virsh --version): older than 12.2" };
	struct pt_vfio_choice c;

	strcpy(devs[0].lease.bdf, "0000:21:10.0");
	strcpy(devs[1].lease.bdf, "0000:21:10.2");
	strcpy(devs[0].vfio_dev, "vfio0");
	strcpy(devs[1].vfio_dev, "vfio1");
	devs[0].vfio_cdev = devs[1].vfio_cdev = true;

	pt_vfio_backend_choose(&h, &res, false, false, &q, PT_VFIO_AUTO, NULL, &c);
	is_int(c.backend, PT_VFIO_IOMMUFD, "kernel and QEMU can: iommufd");
	ok(strstr(c.why, "/dev/vfio/devices/vfio0") && strstr(c.why, "qemu lists iommufd"),
	   "the evidence names the cdev and QEMU's answer: %s", c.why);
	ok(!c.forced && !c.warning[0], "not forced, no warning");

	pt_vfio_backend_choose(&h, &res, true, false, &q, PT_VFIO_AUTO, NULL, &c);
	is_int(c.backend, PT_VFIO_LEGACY, "libvirt 9.0: legacy");
	ok(strstr(c.why, "libvirt 9.0"), "the why names libvirt's version: %s", c.why);

	q.libvirt_iommufd = PT_YES;
	pt_vfio_backend_choose(&h, &res, true, false, &q, PT_VFIO_AUTO, NULL, &c);
	is_int(c.backend, PT_VFIO_IOMMUFD, "a libvirt that can: iommufd");
	pt_vfio_backend_choose(&h, &res, true, true, &q, PT_VFIO_AUTO, NULL, &c);
	is_int(c.backend, PT_VFIO_LEGACY, "a failover pair in libvirt: legacy");

	devs[1].vfio_cdev = false;
	pt_vfio_backend_choose(&h, &res, false, false, &q, PT_VFIO_AUTO, NULL, &c);
	is_int(c.backend, PT_VFIO_LEGACY, "one function without its cdev node: legacy");
	ok(strstr(c.why, "0000:21:10.2") && strstr(c.why, "VFIO_DEVICE_CDEV"), "why: %s", c.why);
	devs[1].vfio_cdev = true;
	devs[1].vfio_dev[0] = '\0';
	pt_vfio_backend_choose(&h, &res, false, false, &q, PT_VFIO_AUTO, NULL, &c);
	is_int(c.backend, PT_VFIO_LEGACY, "one function without vfio-dev: legacy");
	strcpy(devs[1].vfio_dev, "vfio1");

	h.dev_iommu = PT_NO;
	pt_vfio_backend_choose(&h, &res, false, false, &q, PT_VFIO_AUTO, NULL, &c);
	is_int(c.backend, PT_VFIO_LEGACY, "no /dev/iommu: legacy");
	ok(strstr(c.why, "no /dev/iommu") != NULL, "why: %s", c.why);
	pt_vfio_backend_choose(&h, &res, false, false, NULL, PT_VFIO_IOMMUFD, NULL, &c);
	ok(c.backend == PT_VFIO_IOMMUFD && c.forced, "forced iommufd is obeyed");
	ok(strstr(c.warning, "no /dev/iommu") != NULL, "and warned against: %s", c.warning);
	h.dev_iommu = PT_YES;

	q.qemu_iommufd = PT_NO;
	strcpy(q.qemu_evidence, "'qemu-system-x86_64 -object help' does not list iommufd");
	pt_vfio_backend_choose(&h, &res, false, false, &q, PT_VFIO_AUTO, NULL, &c);
	is_int(c.backend, PT_VFIO_LEGACY, "a QEMU without iommufd (7.2): legacy");
	ok(strstr(c.why, "does not list iommufd") != NULL, "why: %s", c.why);
	pt_vfio_backend_choose(&h, &res, false, false, &q, PT_VFIO_LEGACY, NULL, &c);
	ok(c.backend == PT_VFIO_LEGACY && c.forced && !c.warning[0], "forced legacy: no warning");
	pt_vfio_backend_choose(&h, &res, false, false, NULL, PT_VFIO_AUTO, NULL, &c);
	is_int(c.backend, PT_VFIO_LEGACY, "QEMU not asked: legacy");

	devs[0].pf_on_vfio = true;
	strcpy(devs[0].pf, "0000:21:00.0");
	pt_vfio_backend_choose(&h, &res, false, false, &q, PT_VFIO_LEGACY, NULL, &c);
	ok(strstr(c.warning, "vf-token") && strstr(c.warning, "0000:21:00.0"),
	   "a VF of a PF on vfio-pci: the token is asked for: %s", c.warning);
	pt_vfio_backend_choose(&h, &res, false, false, &q, PT_VFIO_LEGACY,
			       "6a4e9b1c-2f3d-4e5a-8b7c-9d0e1f2a3b4c", &c);
	ok(!c.warning[0], "given the token: no warning");
}

int main(void)
{
	parsers();
	decide();
	return done_testing();
}
