// SPDX-License-Identifier: MIT
/* passthru vm: the VM view as text and as JSON (docs/json.md, "passthru vm"). */
#include "vm-output.h"

#include "json.h"
#include "report-output.h"

#include <stdio.h>
#include <string.h>

static void kb_nodes_json(struct json *j, const long long *kb)
{
	json_obj_begin(j);
	for (int n = 0; n < PT_VM_MAX_NODES; n++)
		if (kb[n]) {
			char k[16];

			snprintf(k, sizeof(k), "%d", n);
			JSON_KV_INT(j, k, kb[n]);
		}
	json_obj_end(j);
}

static void device_json_vm(struct json *j, const struct pt_vm_device *d)
{
	bool a = d->kind == PT_VMDEV_VF || d->kind == PT_VMDEV_PASSTHROUGH;

	json_obj_begin(j);
	JSON_KV_STR(j, "id", d->id);
	JSON_KV_STR(j, "driver", d->driver);
	JSON_KV_STR(j, "kind", pt_vmdev_kind_str(d->kind));
	if (a) {
		JSON_KV_STR(j, "bdf", d->bdf);
		json_key(j, "pf");
		json_str_or_null(j, d->pf);
		json_key(j, "pf_netdev");
		json_str_or_null(j, d->pf_netdev);
		json_key(j, "vf_index");
		json_int_or_null(j, d->vf_index);
		json_key(j, "numa_node");
		json_int_or_null(j, d->numa_node);
		json_key(j, "local_cpus");
		json_str_or_null(j, d->local_cpus);
		json_key(j, "iommu_group");
		json_int_or_null(j, d->iommu_group);
		json_key(j, "host_driver");
		json_str_or_null(j, d->host_driver);
		json_key(j, "vfio_file");
		json_str_or_null(j, d->vfio_node);
		json_key(j, "bar_bytes");
		json_int_or_null(j, d->bar_bytes);
		json_key(j, "lease_vm");
		if (d->lease_known)
			json_str_or_null(j, d->lease_vm);
		else
			json_null(j);
		json_key(j, "interrupts");
		json_arr_begin(j);
		for (size_t k = 0; k < d->n_irqs; k++) {
			json_obj_begin(j);
			JSON_KV_INT(j, "irq", d->irqs[k].irq);
			JSON_KV_STR(j, "name", d->irqs[k].name);
			JSON_KV_INT(j, "count", d->irqs[k].count);
			json_key(j, "cpus");
			json_str_or_null(j, d->irqs[k].cpus);
			json_obj_end(j);
		}
		json_arr_end(j);
	}
	if (d->netdev[0]) {
		JSON_KV_STR(j, "netdev", d->netdev);
		JSON_KV_STR(j, "backend", d->backend);
		json_key(j, "tap");
		json_str_or_null(j, d->tap);
		json_key(j, "bridge");
		json_str_or_null(j, d->bridge);
	}
	JSON_KV_BOOL(j, "failover", d->failover);
	json_obj_end(j);
}

void vm_json(FILE *f, const struct pt_vm *vm, const struct pt_report *r, int status)
{
	struct json j;

	json_doc_begin(&j, f, 1);
	JSON_KV_INT(&j, "pid", vm->pid);
	json_key(&j, "name");
	json_str_or_null(&j, vm->name);
	JSON_KV_STR(&j, "source", vm->source);
	json_key(&j, "libvirt_xml");
	json_str_or_null(&j, vm->libvirt_via);
	JSON_KV_STR(&j, "comm", vm->comm);
	JSON_KV_INT(&j, "exit_status", status);
	json_key(&j, "devices");
	json_arr_begin(&j);
	for (size_t i = 0; i < vm->n_devs; i++)
		device_json_vm(&j, &vm->devs[i]);
	json_arr_end(&j);
	json_key(&j, "open_vfio");
	json_arr_begin(&j);
	for (size_t i = 0; i < vm->n_open_vfio; i++)
		json_str(&j, vm->open_vfio[i]);
	json_arr_end(&j);
	JSON_KV_BOOL(&j, "vhost_net_open", vm->vhost_net_open);
	JSON_KV_BOOL(&j, "tun_open", vm->tun_open);
	json_key(&j, "threads");
	json_arr_begin(&j);
	for (size_t i = 0; i < vm->n_threads; i++) {
		const struct pt_vm_thread *t = &vm->threads[i];

		json_obj_begin(&j);
		JSON_KV_INT(&j, "tid", t->tid);
		JSON_KV_STR(&j, "comm", t->comm);
		json_key(&j, "vcpu");
		json_int_or_null(&j, t->vcpu);
		json_key(&j, "cpus");
		json_str_or_null(&j, t->cpus);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	JSON_KV_INT(&j, "vcpus", (long long)vm->n_vcpus);
	json_key(&j, "cpus_allowed");
	json_str_or_null(&j, vm->have_status ? vm->status.cpus_allowed : "");
	json_key(&j, "memory");
	json_obj_begin(&j);
	json_key(&j, "guest_ram_bytes");
	json_int_or_null(&j, vm->guest_ram);
	if (vm->have_mem) {
		json_key(&j, "hugepage_kb");
		json_int_or_null(&j, vm->mem.hugepage_kb ? vm->mem.hugepage_kb : -1);
		json_key(&j, "hugepage_file");
		json_str_or_null(&j, vm->mem.huge_file);
		json_key(&j, "hugepage_policy");
		json_str_or_null(&j, vm->mem.huge_policy);
		json_key(&j, "kb_per_node");
		json_obj_begin(&j);
		for (int b = 0; b < PT_BACK_N; b++) {
			json_key(&j, pt_backing_str((enum pt_backing)b));
			kb_nodes_json(&j, vm->mem.kb[b]);
		}
		json_obj_end(&j);
	}
	json_key(&j, "vm_lck_kb");
	json_int_or_null(&j, vm->have_status ? vm->status.vm_lck_kb : -1);
	json_key(&j, "vm_pin_kb");
	json_int_or_null(&j, vm->have_status ? vm->status.vm_pin_kb : -1);
	json_key(&j, "memlock_limit_bytes");
	if (vm->memlock_limit == -1)
		json_str(&j, "unlimited");
	else
		json_int_or_null(&j, vm->memlock_limit);
	JSON_KV_BOOL(&j, "cap_ipc_lock", vm->cap_ipc_lock);
	json_key(&j, "pinned_need_bytes");
	json_int_or_null(&j, vm->pinned_need);
	json_obj_end(&j);
	json_key(&j, "warnings");
	json_arr_begin(&j);
	for (size_t i = 0; i < vm->n_warnings; i++)
		json_str(&j, vm->warnings[i]);
	json_arr_end(&j);
	report_json_checks(&j, r);
	json_obj_end(&j);
	json_end(&j);
}

void vm_text(FILE *f, const struct pt_vm *vm, const struct pt_report *r, bool color)
{
	char title[160];

	fprintf(f, "VM %s: process %ld (%s), from %s%s%s\n", vm->name[0] ? vm->name : "(unnamed)",
		vm->pid, vm->comm, !strcmp(vm->source, "libvirt") ? "its libvirt XML (" : "its /proc",
		!strcmp(vm->source, "libvirt") ? vm->libvirt_via : "",
		!strcmp(vm->source, "libvirt") ? ") and /proc" : "");
	for (size_t i = 0; i < vm->n_devs; i++) {
		const struct pt_vm_device *d = &vm->devs[i];

		fprintf(f, "  %-12s %-16s %-11s", d->id[0] ? d->id : "-", d->driver, pt_vmdev_kind_str(d->kind));
		if (d->bdf[0]) {
			fprintf(f, " %s", d->bdf);
			if (d->pf[0])
				fprintf(f, " (VF %d of %s%s%s)", d->vf_index, d->pf, d->pf_netdev[0] ? " " : "",
					d->pf_netdev);
			fprintf(f, " node %d group %d %s", d->numa_node, d->iommu_group,
				d->vfio_node[0] ? d->vfio_node : "(not held)");
			if (d->lease_known)
				fprintf(f, " lease %s", d->lease_vm[0] ? d->lease_vm : "none");
			for (size_t k = 0; k < d->n_irqs; k++)
				fprintf(f, "%s IRQ %d %s->%s", k ? "," : ";", d->irqs[k].irq, d->irqs[k].name,
					d->irqs[k].cpus);
		}
		if (d->netdev[0])
			fprintf(f, " netdev %s (%s%s%s%s%s)", d->netdev, d->backend, d->tap[0] ? " " : "",
				d->tap, d->bridge[0] ? " on " : "", d->bridge);
		fputc('\n', f);
	}
	fprintf(f, "  threads: %zu, vCPUs %zu;", vm->n_threads, vm->n_vcpus);
	for (size_t i = 0; i < vm->n_threads; i++)
		if (vm->threads[i].vcpu < 0)
			fprintf(f, " %s:%s", vm->threads[i].comm, vm->threads[i].cpus);
	fputc('\n', f);
	if (vm->have_status) {
		char lim[32];

		if (vm->memlock_limit >= 0)
			snprintf(lim, sizeof(lim), "%lld KiB", vm->memlock_limit >> 10);
		else
			snprintf(lim, sizeof(lim), "%s", vm->memlock_limit == -1 ? "unlimited" : "unknown");
		fprintf(f, "  memory: guest RAM %lld MiB, VmLck %lld kB, VmPin %lld kB, memlock limit %s%s\n",
			vm->guest_ram >= 0 ? vm->guest_ram >> 20 : -1, vm->status.vm_lck_kb, vm->status.vm_pin_kb,
			lim, vm->cap_ipc_lock ? " (CAP_IPC_LOCK)" : "");
	}
	for (size_t i = 0; i < vm->n_warnings; i++)
		fprintf(f, "  warning: %s\n", vm->warnings[i]);
	fputc('\n', f);
	snprintf(title, sizeof(title), "vm %s", vm->name[0] ? vm->name : "");
	report_text(f, r, title, false, color);
}
