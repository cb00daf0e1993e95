// SPDX-License-Identifier: MIT
/*
 * passthru plan choose: the pure recommendation on hand-made facts, one case per
 * recommendation and per blocker.
 */
#include "passthru/advise.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static struct pt_advise_facts good(void)
{
	struct pt_advise_facts f;

	memset(&f, 0, sizeof(f));
	f.dma_remapping = PT_YES;
	f.interrupt_remapping = PT_YES;
	f.sriov_pfs = 2;
	f.device_total_vfs = -1;
	f.group_others = -1;
	return f;
}

static bool has(const char (*arr)[256], size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(arr[i], what))
			return true;
	return false;
}

static const char *choose(struct pt_advise_needs n, struct pt_advise_facts f, struct pt_advice *a)
{
	pt_advise(&n, &f, a);
	return pt_model_str(a->model);
}

int main(void)
{
	struct pt_advise_facts f = good();
	struct pt_advice a;
	struct pt_advise_option *o;

	/* each recommendation */
	is_str(choose((struct pt_advise_needs){ 0 }, f, &a), "virtio", "nothing asked: virtio");
	ok(a.wanted == a.model, "nothing blocked: wanted is recommended");
	ok(a.n_steps >= 2 && strstr(a.steps[0], "virtio"), "virtio's steps");
	is_str(choose((struct pt_advise_needs){ .sharing = true }, f, &a), "sriov-vf",
	       "sharing: a VF");
	ok(strstr(a.steps[0], "plan sriov") && strstr(a.steps[a.n_steps - 1], "assign"),
	   "VF steps in order: plan, ..., assign");
	is_str(choose((struct pt_advise_needs){ .migration = true }, f, &a),
	       "vf-with-virtio-failover", "migration: a VF with virtio failover");
	ok(has(a.steps, a.n_steps, "failover=on"), "failover steps name failover=on");
	is_str(choose((struct pt_advise_needs){ .device_features = true }, f, &a), "passthrough",
	       "device features: passthrough");
	ok(strstr(a.steps[0], "passthru check"), "passthrough starts with check");
	is_str(choose((struct pt_advise_needs){ .migration = true, .device_features = true }, f, &a),
	       "virtio", "migration and device features: virtio");
	ok(a.options[PT_MODEL_PASSTHROUGH].possible == PT_NO &&
	   has(a.options[PT_MODEL_PASSTHROUGH].blockers, a.options[PT_MODEL_PASSTHROUGH].n_blockers,
	       "does not migrate"), "migration blocks passthrough");
	is_str(choose((struct pt_advise_needs){ .device_features = true,
						.tenancy = PT_TENANCY_MULTI }, f, &a),
	       "passthrough", "multi-tenant with both remappings: passthrough");
	ok(has(a.reasons, a.n_reasons, "multi-tenant"), "multi-tenant is a reason");

	/* no IOMMU */
	f.dma_remapping = PT_NO;
	is_str(choose((struct pt_advise_needs){ .device_features = true }, f, &a), "virtio",
	       "no IOMMU: passthrough falls back to virtio");
	o = &a.options[PT_MODEL_PASSTHROUGH];
	ok(o->possible == PT_NO && has(o->blockers, o->n_blockers, "no IOMMU"),
	   "no IOMMU blocks passthrough: %s", o->blockers[0]);
	o = &a.options[PT_MODEL_VF];
	ok(o->possible == PT_NO && has(o->blockers, o->n_blockers, "no IOMMU"), "and VFs");
	ok(a.options[PT_MODEL_VF_FAILOVER].possible == PT_NO, "and the failover pair");
	ok(a.options[PT_MODEL_VIRTIO].possible == PT_YES, "virtio is never blocked");
	ok(has(a.reasons, a.n_reasons, "blocked"), "the reason says it is blocked");
	is_str(choose((struct pt_advise_needs){ .migration = true }, f, &a), "virtio",
	       "no IOMMU: migration gets virtio");
	ok(has(a.reasons, a.n_reasons, "no VF pair"), "saying why not the pair");
	is_str(pt_model_str(a.wanted), "vf-with-virtio-failover", "what was wanted is kept");

	/* DMA remapping unknown: not proven */
	f.dma_remapping = PT_UNKNOWN;
	is_str(choose((struct pt_advise_needs){ .sharing = true }, f, &a), "virtio",
	       "DMA remapping unknown: no VF");
	ok(a.options[PT_MODEL_VF].possible == PT_UNKNOWN, "VF possibility unknown");

	/* interrupt remapping off, multi-tenant */
	f = good();
	f.interrupt_remapping = PT_NO;
	is_str(choose((struct pt_advise_needs){ .sharing = true, .tenancy = PT_TENANCY_MULTI }, f,
		      &a), "virtio", "multi-tenant without interrupt remapping: no VF");
	o = &a.options[PT_MODEL_VF];
	ok(o->possible == PT_NO && has(o->blockers, o->n_blockers, "interrupt remapping off"),
	   "blocker: interrupt remapping off");
	is_str(choose((struct pt_advise_needs){ .sharing = true, .tenancy = PT_TENANCY_SINGLE }, f,
		      &a), "sriov-vf", "single tenant: interrupt remapping does not block");

	/* no SR-IOV capable device */
	f = good();
	f.sriov_pfs = 0;
	is_str(choose((struct pt_advise_needs){ .sharing = true }, f, &a), "virtio",
	       "no SR-IOV device: virtio");
	o = &a.options[PT_MODEL_VF];
	ok(has(o->blockers, o->n_blockers, "no SR-IOV capable device"), "blocker: no SR-IOV device");

	/* --device: not SR-IOV capable; shared group; not on the host */
	f = good();
	f.have_device = f.device_found = true;
	snprintf(f.device, sizeof(f.device), "0000:03:00.0");
	f.device_kind = PT_KIND_FUNCTION;
	f.group_others = 2;
	is_str(choose((struct pt_advise_needs){ .sharing = true }, f, &a), "virtio",
	       "device without SR-IOV: no VF");
	ok(has(a.options[PT_MODEL_VF].blockers, a.options[PT_MODEL_VF].n_blockers,
	       "0000:03:00.0 is not SR-IOV capable"), "blocker names the device");
	is_str(choose((struct pt_advise_needs){ .device_features = true }, f, &a), "virtio",
	       "shared group: no passthrough");
	ok(has(a.options[PT_MODEL_PASSTHROUGH].blockers, a.options[PT_MODEL_PASSTHROUGH].n_blockers,
	       "shares its IOMMU group"), "blocker: the shared group");
	f.group_others = 0;
	f.device_kind = PT_KIND_PF;
	f.device_total_vfs = 8;
	is_str(choose((struct pt_advise_needs){ .device_features = true }, f, &a), "passthrough",
	       "alone in its group: passthrough");
	is_str(choose((struct pt_advise_needs){ .sharing = true }, f, &a), "sriov-vf",
	       "a PF with TotalVFs 8: VF");
	f.device_found = false;
	is_str(choose((struct pt_advise_needs){ .sharing = true }, f, &a), "virtio",
	       "device not on the host: virtio");
	ok(has(a.options[PT_MODEL_VF].blockers, a.options[PT_MODEL_VF].n_blockers,
	       "not on this host"), "blocker: device not on the host");

	/* device features block VFs */
	f = good();
	pt_advise(&(struct pt_advise_needs){ .device_features = true }, &f, &a);
	ok(a.options[PT_MODEL_VF].possible == PT_NO, "device features: VF blocked");
	return done_testing();
}
