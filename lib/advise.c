// SPDX-License-Identifier: MIT
/*
 * passthru plan choose: the facts (from the host model and the gate's report) and the
 * pure recommendation. See include/passthru/advise.h for the rules.
 */
#include "passthru/advise.h"
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pt_model_str(enum pt_model m)
{
	switch (m) {
	case PT_MODEL_VF: return "sriov-vf";
	case PT_MODEL_VF_FAILOVER: return "vf-with-virtio-failover";
	case PT_MODEL_PASSTHROUGH: return "passthrough";
	default: return "virtio";
	}
}

static int tri_of(const struct pt_report *rep, const char *id)
{
	int t = PT_UNKNOWN;

	for (size_t i = 0; rep && i < rep->n; i++) {
		if (strcmp(rep->results[i].id, id) != 0)
			continue;
		if (rep->results[i].result == PT_PASS)
			t = PT_YES;
		else if (rep->results[i].result == PT_FAIL)
			return PT_NO;
	}
	return t;
}

void pt_advise_gather(const struct pt_host *h, const struct pt_report *rep, const char *dev,
		      struct pt_advise_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->dma_remapping = tri_of(rep, "iommu.dma-remapping");
	f->interrupt_remapping = tri_of(rep, "iommu.interrupt-remapping");
	for (size_t i = 0; i < h->n_devs; i++)
		if (h->devs[i].kind == PT_KIND_PF && h->devs[i].sriov_totalvfs > 0)
			f->sriov_pfs++;
	f->device_total_vfs = -1;
	f->group_others = -1;
	if (!dev)
		return;
	f->have_device = true;
	pt_strlcpy(f->device, dev, sizeof(f->device));
	{
		const struct pt_device *d = pt_host_lookup(h, dev);
		const struct pt_device *others[64];

		if (!d)
			return;
		f->device_found = true;
		pt_strlcpy(f->device, d->name, sizeof(f->device));
		f->device_kind = d->kind;
		f->device_total_vfs = d->sriov_totalvfs;
		if (d->iommu_group >= 0)
			f->group_others = (int)pt_group_other_endpoints(h, d, others, 64);
	}
}

__attribute__((format(printf, 3, 4))) static void line(char (*arr)[256], size_t *n,
							  const char *fmt, ...)
{
	va_list ap;

	if (*n >= PT_ADVISE_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(arr[*n], 256, fmt, ap);
	va_end(ap);
	(*n)++;
}

static void block(struct pt_advise_option *o, int state, const char *fmt, const char *a)
{
	if (o->possible != PT_NO)
		o->possible = state;
	line(o->blockers, &o->n_blockers, fmt, a);
}

static void blockers(const struct pt_advise_needs *n, const struct pt_advise_facts *f,
		     struct pt_advice *out)
{
	struct pt_advise_option *vf = &out->options[PT_MODEL_VF];
	struct pt_advise_option *fo = &out->options[PT_MODEL_VF_FAILOVER];
	struct pt_advise_option *pt = &out->options[PT_MODEL_PASSTHROUGH];
	const char *dev = f->device;

	for (int m = 0; m < PT_MODEL_COUNT; m++)
		out->options[m].possible = PT_YES;
	/* the IOMMU first: without DMA remapping nothing can be assigned */
	if (f->dma_remapping == PT_NO) {
		block(pt, PT_NO, "%s", "no IOMMU translating DMA: passthrough and VFs are blocked "
		      "(passthru check: iommu.dma-remapping)");
		block(vf, PT_NO, "%s", "no IOMMU translating DMA: VFs are assigned like devices");
	} else if (f->dma_remapping != PT_YES) {
		block(pt, PT_UNKNOWN, "%s", "DMA remapping unknown (passthru check: "
		      "iommu.dma-remapping)");
		block(vf, PT_UNKNOWN, "%s", "DMA remapping unknown");
	}
	if (f->interrupt_remapping != PT_YES && n->tenancy == PT_TENANCY_MULTI) {
		const char *s = f->interrupt_remapping == PT_NO ? "off" : "unknown";

		block(pt, f->interrupt_remapping == PT_NO ? PT_NO : PT_UNKNOWN,
		      "interrupt remapping %s: a multi-tenant host must not assign devices", s);
		block(vf, f->interrupt_remapping == PT_NO ? PT_NO : PT_UNKNOWN,
		      "interrupt remapping %s: a multi-tenant host must not assign VFs", s);
	}
	if (f->have_device && !f->device_found) {
		block(pt, PT_NO, "device %s is not on this host", dev);
		block(vf, PT_NO, "device %s is not on this host", dev);
	} else if (f->have_device) {
		if (f->device_kind == PT_KIND_FUNCTION ||
		    (f->device_kind == PT_KIND_PF && f->device_total_vfs <= 0))
			block(vf, PT_NO, "%s is not SR-IOV capable (no VFs)", dev);
		if (f->group_others > 0)
			block(pt, PT_NO, "%s shares its IOMMU group with other devices: they would "
			      "go to the VM too (passthru show DEV)", dev);
		else if (f->group_others < 0)
			block(pt, PT_NO, "%s is in no IOMMU group", dev);
	} else if (f->sriov_pfs == 0) {
		block(vf, PT_NO, "%s", "no SR-IOV capable device on this host");
	}
	/* the failover pair is a VF plus virtio: what blocks the VF blocks it */
	fo->possible = vf->possible;
	for (size_t i = 0; i < vf->n_blockers; i++)
		line(fo->blockers, &fo->n_blockers, "%s", vf->blockers[i]);
	if (n->migration)
		block(pt, PT_NO, "%s",
		      "live migration: a whole device does not migrate");
	if (n->migration)
		block(vf, PT_NO, "%s", "live migration: a VF alone does not migrate (pair it with "
		      "virtio)");
	if (n->device_features) {
		block(vf, PT_NO, "%s", "full device features: a VF shows only what the PF exposes");
		block(fo, PT_NO, "%s", "full device features: a VF shows only what the PF exposes");
	}
}

static void steps(enum pt_model m, const struct pt_advise_facts *f, struct pt_advice *out)
{
	const char *dev = f->have_device ? f->device : "DEV";

	switch (m) {
	case PT_MODEL_VIRTIO:
		line(out->steps, &out->n_steps, "%s", "give the VM a virtio device (virtio-net with "
		     "vhost-net on a bridge or macvtap; virtio-blk/scsi for storage)");
		line(out->steps, &out->n_steps, "%s", "enable multiqueue (one queue per vCPU) and "
		     "pin the vhost threads near the VM's node");
		line(out->steps, &out->n_steps, "%s", "nothing to reserve or bind: the device stays "
		     "the host's");
		return;
	case PT_MODEL_PASSTHROUGH:
		line(out->steps, &out->n_steps, "%s", "passthru check: DMA and interrupt remapping "
		     "pass");
		line(out->steps, &out->n_steps, "passthru show %s: its IOMMU group holds only it "
		     "(ACS on every hop)", dev);
		line(out->steps, &out->n_steps, "passthru bind %s vfio-pci", dev);
		line(out->steps, &out->n_steps, "%s", "passthru assign: lease it to the VM on its "
		     "NUMA node");
		line(out->steps, &out->n_steps, "%s", "keep allow_unsafe_interrupts off; plan "
		     "maintenance without live migration");
		return;
	case PT_MODEL_VF:
	case PT_MODEL_VF_FAILOVER:
		line(out->steps, &out->n_steps, "passthru plan sriov %s COUNT: the VF count the "
		     "kernel accepts", f->have_device ? dev : "PF");
		line(out->steps, &out->n_steps, "passthru sriov %s COUNT, with MAC, VLAN and "
		     "spoofchk per VF in the host configuration", f->have_device ? dev : "PF");
		line(out->steps, &out->n_steps, "%s", "passthru check: DMA and interrupt remapping, "
		     "the VFs' groups");
		line(out->steps, &out->n_steps, "%s", "passthru assign: a VF from the pool to the VM");
		if (m == PT_MODEL_VF_FAILOVER) {
			line(out->steps, &out->n_steps, "%s", "add a virtio-net device with the VF's "
			     "MAC and failover=on, the VF with failover_pair_id (libvirt: <teaming>)");
			line(out->steps, &out->n_steps, "%s", "before migrating, unplug the VF: the "
			     "guest carries on over virtio, and gets a VF again on the target");
		}
		return;
	}
}

int pt_advise(const struct pt_advise_needs *n, const struct pt_advise_facts *f,
	      struct pt_advice *out)
{
	enum pt_model want;

	memset(out, 0, sizeof(*out));
	blockers(n, f, out);
	if (n->migration && !n->device_features) {
		want = PT_MODEL_VF_FAILOVER;
		line(out->reasons, &out->n_reasons, "%s", "live migration: virtio migrates; a VF "
		     "paired with virtio keeps the VF's speed between migrations");
		out->wanted = want;
		if (out->options[want].possible != PT_YES) {
			line(out->reasons, &out->n_reasons, "no VF pair on this host (%s): virtio",
			     out->options[want].blockers[0]);
			want = PT_MODEL_VIRTIO;
		}
	} else if (n->migration) {
		want = PT_MODEL_VIRTIO;
		line(out->reasons, &out->n_reasons, "%s", "live migration and full device features "
		     "cannot both be had: migration wins, with virtio");
	} else if (n->device_features) {
		want = PT_MODEL_PASSTHROUGH;
		line(out->reasons, &out->n_reasons, "%s", "full device features (GPU, HBA, vendor "
		     "tooling): only the whole device shows them");
	} else if (n->sharing) {
		want = PT_MODEL_VF;
		line(out->reasons, &out->n_reasons, "%s", "sharing one device among many guests: "
		     "SR-IOV gives each its own VF");
	} else {
		want = PT_MODEL_VIRTIO;
		line(out->reasons, &out->n_reasons, "%s", "no need calls for assignment: virtio "
		     "is the simplest, and migrates");
	}
	if (!(n->migration && !n->device_features))
		out->wanted = want;
	if (n->tenancy == PT_TENANCY_MULTI && want != PT_MODEL_VIRTIO)
		line(out->reasons, &out->n_reasons, "%s", "multi-tenant: assignment only with DMA "
		     "and interrupt remapping and strict checks");
	if (out->options[want].possible != PT_YES) {
		const struct pt_advise_option *o = &out->options[want];

		line(out->reasons, &out->n_reasons, "%s is %s on this host (%s): virtio instead",
		     pt_model_str(want), o->possible == PT_NO ? "blocked" : "not proven possible",
		     o->n_blockers ? o->blockers[0] : "");
		want = PT_MODEL_VIRTIO;
	}
	out->model = want;
	steps(want, f, out);
	return 0;
}
