// SPDX-License-Identifier: MIT
/*
 * The writers of `passthru assign`: libvirt domain XML fragments (<numatune>, then the
 * devices: <hostdev> for whole functions and VFs that are not NICs, <interface
 * type='hostdev'> for VFs of NICs, optionally paired with a virtio interface for
 * failover), QEMU -device arguments, and JSON (docs/json.md); and what release, gc,
 * leases and pools print, as a table or JSON. Logic lives in lib/assign.c and
 * lib/state.c; nothing here decides anything.
 */
#include "assign-output.h"
#include "json.h"

#include <stdio.h>
#include <string.h>

void xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* A comment's text: "--" may not appear inside one, nor a trailing "-". */
static void xml_comment(FILE *f, const char *indent, const char *s)
{
	fprintf(f, "%s<!-- ", indent);
	for (; *s; s++) {
		fputc(*s, f);
		if (*s == '-' && (s[1] == '-' || s[1] == '\0'))
			fputc(' ', f);
	}
	fputs(" -->\n", f);
}

/* "0000:18:02.2" -> domain='0x0000' bus='0x18' slot='0x02' function='0x2' */
static void xml_pci_address(FILE *f, const char *bdf, bool with_type)
{
	struct pt_bdf b;

	if (pt_bdf_parse(bdf, &b) < 0) {
		fputs("<!-- bad address -->", f);
		return;
	}
	fprintf(f, "<address %sdomain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>",
		with_type ? "type='pci' " : "", b.domain, b.bus, b.dev, b.fn);
}

static bool iommufd(const struct assign_view *v)
{
	return v->vfio && v->vfio->backend == PT_VFIO_IOMMUFD;
}

/* A VF of a NIC is an <interface type='hostdev'> (libvirt sets its MAC and VLAN), except
 * through iommufd: that <interface> has no documented iommufd form, so it is a <hostdev>
 * (passthru set the MAC and VLAN on the PF already). */
static bool is_interface_in(const struct pt_assigned *a, const struct assign_view *v)
{
	return a->is_vf && a->net && a->pf_ifname[0] && !iommufd(v);
}

/* The guest address of a function that shares its guest slot with its host siblings:
 * function 0 carries multifunction='on'. */
static void xml_guest_address(FILE *f, const struct pt_assigned *a)
{
	if (a->guest_slot < 0)
		return;
	fprintf(f, "  <address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' "
		"function='0x%x'%s/>\n", a->guest_slot, a->guest_function,
		a->guest_function == 0 ? " multifunction='on'" : "");
}

/* "VF 3 of 0000:18:00.0 (ens1f0)" for a VF, so --spread pf shows where each came from */
static void vf_origin(const struct pt_assigned *a, char *buf, size_t len)
{
	if (!a->is_vf)
		snprintf(buf, len, "%s", a->lease.bdf);
	else
		snprintf(buf, len, "%s: VF %d of %s%s%s%s", a->lease.bdf, a->vf, a->pf,
			 a->pf_ifname[0] ? " (" : "", a->pf_ifname, a->pf_ifname[0] ? ")" : "");
}

void assign_print_libvirt(FILE *f, const struct assign_view *v)
{
	const struct pt_assign_result *r = v->res;
	char line[768];

	snprintf(line, sizeof(line), "passthru assign %s: pool %s, %zu device%s%s", v->vm, v->pool,
		 r->n, r->n == 1 ? "" : "s", v->dry_run ? " (DRY RUN: nothing was leased)" : "");
	xml_comment(f, "", line);
	if (r->n_remote) {
		snprintf(line, sizeof(line), "%zu device%s on another NUMA node than the VM: every "
			 "DMA and interrupt crosses the inter-socket link", r->n_remote,
			 r->n_remote == 1 ? " is" : "s are");
		xml_comment(f, "", line);
	}
	if (v->cpus && v->cpus[0]) {
		snprintf(line, sizeof(line), "pin the vCPUs to CPUs %s: <vcpu placement='static' "
			 "cpuset='%s'>N</vcpu>, or <cputune><vcpupin vcpu='0' cpuset='%s'/>..."
			 "</cputune>", v->cpus, v->cpus, v->cpus);
		xml_comment(f, "", line);
	}
	if (v->memory_node >= 0) {
		fprintf(f, "<numatune>\n  <memory mode='strict' nodeset='%d'/>\n</numatune>\n",
			v->memory_node);
	}
	if (v->vfio) {
		snprintf(line, sizeof(line), "vfio: %s", v->vfio->why);
		xml_comment(f, "", line);
	}
	xml_comment(f, "", "devices: inside <devices>");
	for (size_t i = 0; i < r->n; i++) {
		const struct pt_assigned *a = &r->devs[i];
		const struct pt_lease *l = &a->lease;
		char alias[48];

		snprintf(alias, sizeof(alias), "ua-failover%zu", i);
		if (a->is_vf) {
			vf_origin(a, line, sizeof(line));
			xml_comment(f, "", line);
		}
		if (a->pf_on_vfio) {
			snprintf(line, sizeof(line), "%s: its PF is held by vfio-pci: QEMU needs "
				 "vf-token=%s; libvirt has no attribute for it: <qemu:override> "
				 "<qemu:device alias='ua-hostdev%zu'> ... <qemu:property name='vf-token' "
				 "type='string' value='%s'/>", l->bdf, v->vf_token ? v->vf_token : "UUID",
				 i, v->vf_token ? v->vf_token : "UUID");
			xml_comment(f, "", line);
		}
		if (!is_interface_in(a, v)) {
			if (a->is_vf && a->net && a->pf_ifname[0] && l->mac[0])
				xml_comment(f, "", "MAC and VLAN set on the PF by passthru");
			fputs("<hostdev mode='subsystem' type='pci' managed='no'>\n", f);
			if (iommufd(v))
				fputs("  <driver iommufd='yes'/>\n", f);
			if (a->pf_on_vfio)
				fprintf(f, "  <alias name='ua-hostdev%zu'/>\n", i);
			fputs("  <source>\n    ", f);
			xml_pci_address(f, l->bdf, false);
			fputs("\n  </source>\n", f);
			xml_guest_address(f, a);
			fputs("</hostdev>\n", f);
			continue;
		}
		if (v->failover && l->mac[0]) {
			fputs("<interface type='network'>\n  <mac address='", f);
			xml_escape(f, l->mac);
			fputs("'/>\n  <source network='", f);
			xml_escape(f, v->failover_network);
			fputs("'/>\n  <model type='virtio'/>\n  <teaming type='persistent'/>\n"
			      "  <alias name='", f);
			xml_escape(f, alias);
			fputs("'/>\n</interface>\n", f);
		}
		fputs("<interface type='hostdev' managed='no'>\n", f);
		if (a->pf_on_vfio)
			fprintf(f, "  <alias name='ua-hostdev%zu'/>\n", i);
		if (l->mac[0]) {
			fputs("  <mac address='", f);
			xml_escape(f, l->mac);
			fputs("'/>\n", f);
		}
		fputs("  <source>\n    ", f);
		xml_pci_address(f, l->bdf, true);
		fputs("\n  </source>\n", f);
		if (l->vlan > 0)
			fprintf(f, "  <vlan>\n    <tag id='%d'/>\n  </vlan>\n", l->vlan);
		if (v->failover && l->mac[0]) {
			fputs("  <teaming type='transient' persistent='", f);
			xml_escape(f, alias);
			fputs("'/>\n", f);
		}
		fputs("</interface>\n", f);
	}
}

void assign_print_qemu(FILE *f, const struct assign_view *v)
{
	const struct pt_assign_result *r = v->res;

	fprintf(f, "# passthru assign %s: pool %s, %zu device%s%s\n", v->vm, v->pool, r->n,
		r->n == 1 ? "" : "s", v->dry_run ? " (dry run: nothing was leased)" : "");
	fprintf(f, "# cpus: %s memory node: ", v->cpus && v->cpus[0] ? v->cpus : "unknown");
	if (v->memory_node >= 0)
		fprintf(f, "%d (e.g. numactl --cpunodebind=%d --membind=%d qemu-system-x86_64 ...)\n",
			v->memory_node, v->memory_node, v->memory_node);
	else
		fprintf(f, "unknown\n");
	if (r->n_remote)
		fprintf(f, "# %zu device%s on another NUMA node: DMA crosses the inter-socket link\n",
			r->n_remote, r->n_remote == 1 ? "" : "s");
	if (v->vfio)
		fprintf(f, "# vfio: %s\n", v->vfio->why);
	if (iommufd(v) && r->n)
		fprintf(f, "-object iommufd,id=iommufd0\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct pt_lease *l = &r->devs[i].lease;

		if (l->mac[0] || l->vlan)
			fprintf(f, "# %s: mac %s vlan %d (set on %s vf %d)\n", l->bdf,
				l->mac[0] ? l->mac : "-", l->vlan, r->devs[i].pf_ifname, r->devs[i].vf);
		if (r->devs[i].is_vf) {
			char origin[160];

			vf_origin(&r->devs[i], origin, sizeof(origin));
			fprintf(f, "# %s\n", origin);
		}
		fprintf(f, "-device vfio-pci,host=%s,id=hostdev%zu", l->bdf, i);
		if (r->devs[i].guest_slot >= 0)
			fprintf(f, ",bus=pcie.0,addr=0x%x.%x%s", r->devs[i].guest_slot,
				r->devs[i].guest_function,
				r->devs[i].guest_function == 0 ? ",multifunction=on" : "");
		if (iommufd(v))
			fputs(",iommufd=iommufd0", f);
		if (r->devs[i].pf_on_vfio && v->vf_token)
			fprintf(f, ",vf-token=%s", v->vf_token);
		fputc('\n', f);
	}
}

void assign_print_refusal_json(FILE *f, const char *vm, const char *pool, const char *error,
			       const struct pt_assign_result *res)
{
	struct json j;

	json_doc_begin(&j, f, 1);
	JSON_KV_STR(&j, "vm", vm);
	JSON_KV_STR(&j, "pool", pool);
	JSON_KV_STR(&j, "error", error);
	json_key(&j, "refused");
	json_arr_begin(&j);
	for (size_t i = 0; i < res->n_refused && i < PT_ASSIGN_MAX_REFUSED; i++) {
		const struct pt_refusal *r = &res->refused[i];

		json_obj_begin(&j);
		JSON_KV_STR(&j, "device", r->device);
		JSON_KV_STR(&j, "kind", r->kind);
		JSON_KV_STR(&j, "blocker", r->blocker);
		JSON_KV_STR(&j, "reason", r->reason);
		json_key(&j, "override");
		json_str_or_null(&j, r->overridable ? "--force" : NULL);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

void assign_print_json(FILE *f, const struct assign_view *v)
{
	const struct pt_assign_result *r = v->res;
	struct json j;

	json_doc_begin(&j, f, 1);
	JSON_KV_STR(&j, "vm", v->vm);
	JSON_KV_STR(&j, "pool", v->pool);
	JSON_KV_BOOL(&j, "dry_run", v->dry_run);
	json_key(&j, "devices");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->n; i++) {
		const struct pt_assigned *a = &r->devs[i];
		const struct pt_lease *l = &a->lease;

		json_obj_begin(&j);
		JSON_KV_STR(&j, "bdf", l->bdf);
		json_key(&j, "numa_node");
		json_int_or_null(&j, l->numa_node);
		json_key(&j, "iommu_group");
		json_int_or_null(&j, l->iommu_group);
		json_key(&j, "mac");
		json_str_or_null(&j, l->mac);
		json_key(&j, "vlan");
		if (l->vlan > 0)
			json_int(&j, l->vlan);
		else
			json_null(&j);
		json_key(&j, "pf");
		json_str_or_null(&j, a->pf);
		json_key(&j, "vf");
		json_int_or_null(&j, a->vf);
		json_key(&j, "pf_interface");
		json_str_or_null(&j, a->pf_ifname);
		JSON_KV_STR(&j, "libvirt", is_interface_in(a, v) ? "interface" : "hostdev");
		json_key(&j, "driver");
		json_str_or_null(&j, a->driver);
		JSON_KV_BOOL(&j, "remote", l->remote);
		json_key(&j, "guest_slot");
		json_int_or_null(&j, a->guest_slot);
		json_key(&j, "guest_function");
		json_int_or_null(&j, a->guest_slot >= 0 ? a->guest_function : -1);
		json_key(&j, "vfio_dev");
		json_str_or_null(&j, a->vfio_dev);
		JSON_KV_BOOL(&j, "vf_token_needed", a->pf_on_vfio);
		json_key(&j, "lease_id");
		if (v->dry_run)
			json_null(&j);
		else
			json_int(&j, l->id);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "remote");
	json_uint(&j, r->n_remote);
	json_key(&j, "cpus");
	json_str_or_null(&j, v->cpus ? v->cpus : "");
	json_key(&j, "memory_node");
	json_int_or_null(&j, v->memory_node);
	json_key(&j, "steps");
	json_uint(&j, r->steps);
	json_key(&j, "forced");
	json_str_or_null(&j, r->forced);
	json_key(&j, "note");
	json_str_or_null(&j, r->note);
	json_key(&j, "numa_note");
	json_str_or_null(&j, r->numa_note);
	json_key(&j, "launch_check");
	assign_launch_json(&j, r);
	if (v->vfio) {
		JSON_KV_STR(&j, "vfio_backend", pt_vfio_backend_str(v->vfio->backend));
		JSON_KV_BOOL(&j, "vfio_backend_forced", v->vfio->forced);
		JSON_KV_STR(&j, "vfio_backend_why", v->vfio->why);
		json_key(&j, "vfio_backend_warning");
		json_str_or_null(&j, v->vfio->warning);
	}
	json_obj_end(&j);
	json_end(&j);
}

void assign_launch_json(struct json *j, const struct pt_assign_result *r)
{
	if (!r->launch_checked) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	JSON_KV_STR(j, "verdict", pt_result_str(r->launch.worst));
	json_key(j, "checks");
	json_arr_begin(j);
	for (size_t i = 0; i < r->launch.n; i++) {
		const struct pt_check_result *c = &r->launch.results[i];

		json_obj_begin(j);
		JSON_KV_STR(j, "id", c->id);
		JSON_KV_STR(j, "title", c->title);
		JSON_KV_STR(j, "result", pt_result_str(c->result));
		json_key(j, "device");
		json_str_or_null(j, c->device);
		JSON_KV_STR(j, "evidence", c->evidence);
		json_key(j, "decision");
		json_str_or_null(j, c->decision);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

/* ---- passthru release (and gc) ---- */

const char *release_policy_word(int p)
{
	switch (p) {
	case 1: return "restored";
	case 0: return "not-needed";
	case -2: return "skipped";
	default: return "failed";
	}
}

void print_released(FILE *f, bool json, const char *vm, const struct pt_released *r, size_t n,
		    bool dry_run)
{
	if (json) {
		struct json j;

		json_doc_begin(&j, f, 1);
		JSON_KV_STR(&j, "vm", vm);
		JSON_KV_BOOL(&j, "dry_run", dry_run);
		json_key(&j, "devices");
		json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			json_obj_begin(&j);
			JSON_KV_STR(&j, "bdf", r[i].lease.bdf);
			JSON_KV_STR(&j, "pool", r[i].lease.pool);
			JSON_KV_BOOL(&j, "reset", r[i].reset_ok);
			JSON_KV_STR(&j, "reset_detail", r[i].reset);
			JSON_KV_STR(&j, "policy", release_policy_word(r[i].policy));
			json_key(&j, "policy_detail");
			json_str_or_null(&j, r[i].policy_msg);
			JSON_KV_STR(&j, "result", r[i].in_use ? "in-use"
						  : dry_run ? "planned"
						  : r[i].quarantined ? "quarantined"
						  : r[i].why[0] ? "failed" : "returned");
			json_key(&j, "holder_pid");
			if (r[i].in_use)
				json_int(&j, r[i].holder_pid);
			else
				json_null(&j);
			json_key(&j, "why");
			json_str_or_null(&j, r[i].why);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	if (n == 0)
		fprintf(f, "%s holds no leases: nothing to release\n", vm);
	for (size_t i = 0; i < n; i++) {
		if (r[i].in_use) {
			fprintf(f, "%s  IN USE: %s\n", r[i].lease.bdf, r[i].why);
			continue;
		}
		fprintf(f, "%s  %s: %s", r[i].lease.bdf, r[i].reset_ok ? "ok" : "RESET FAILED", r[i].reset);
		if (r[i].policy_msg[0])
			fprintf(f, "; %s", r[i].policy_msg);
		if (dry_run)
			fprintf(f, "; would return to pool %s\n", r[i].lease.pool);
		else if (r[i].quarantined)
			fprintf(f, "; QUARANTINED: %s (passthru release --unquarantine %s once it is "
			       "known good)\n", r[i].why, r[i].lease.bdf);
		else if (r[i].why[0])
			fprintf(f, "; FAILED: %s\n", r[i].why);
		else
			fprintf(f, "; back in pool %s\n", r[i].lease.pool);
	}
}

/* ---- passthru leases and pools ---- */

void print_leases(FILE *f, bool json, const char *vm, const struct pt_lease *l, size_t n)
{
	if (json) {
		struct json j;

		json_doc_begin(&j, f, 1);
		json_key(&j, "leases");
		json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			json_obj_begin(&j);
			json_key(&j, "id");
			json_int(&j, l[i].id);
			JSON_KV_STR(&j, "vm", l[i].vm);
			JSON_KV_STR(&j, "bdf", l[i].bdf);
			JSON_KV_STR(&j, "pool", l[i].pool);
			json_key(&j, "numa_node");
			json_int_or_null(&j, l[i].numa_node);
			json_key(&j, "iommu_group");
			json_int_or_null(&j, l[i].iommu_group);
			json_key(&j, "mac");
			json_str_or_null(&j, l[i].mac);
			json_key(&j, "vlan");
			if (l[i].vlan > 0)
				json_int(&j, l[i].vlan);
			else
				json_null(&j);
			JSON_KV_STR(&j, "since", l[i].created);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (n == 0) {
		fprintf(f, "no active leases%s%s\n", vm ? " of " : "", vm ? vm : "");
	} else {
		fprintf(f, "%-20s %-14s %-12s %4s %5s %-17s %4s  %s\n", "VM", "DEVICE", "POOL", "NODE",
		       "GROUP", "MAC", "VLAN", "SINCE");
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%-20s %-14s %-12s %4d %5d %-17s %4d  %s\n", l[i].vm, l[i].bdf, l[i].pool,
			       l[i].numa_node, l[i].iommu_group, l[i].mac[0] ? l[i].mac : "-",
			       l[i].vlan, l[i].created);
	}
}

void print_pools(FILE *f, bool json, const struct pt_pool_usage *u, size_t n)
{
	if (json) {
		struct json j;

		json_doc_begin(&j, f, 1);
		json_key(&j, "pools");
		json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			json_obj_begin(&j);
			JSON_KV_STR(&j, "pool", u[i].pool);
			JSON_KV_STR(&j, "kind", u[i].kind);
			json_key(&j, "numa_node");
			json_int_or_null(&j, u[i].numa_node);
			json_key(&j, "total");
			json_uint(&j, u[i].total);
			json_key(&j, "free");
			json_uint(&j, u[i].free);
			json_key(&j, "leased");
			json_uint(&j, u[i].leased);
			json_key(&j, "quarantined");
			json_uint(&j, u[i].quarantined);
			json_key(&j, "removed");
			json_uint(&j, u[i].removed);
			json_key(&j, "blocked");
			json_uint(&j, u[i].blocked);
			json_key(&j, "blocked_why");
			json_str_or_null(&j, u[i].blocked_why);
			json_key(&j, "blockers");
			json_arr_begin(&j);
			for (size_t k = 0; k < u[i].n_blockers; k++) {
				const struct pt_pool_blocker *b = &u[i].blockers[k];

				json_obj_begin(&j);
				JSON_KV_STR(&j, "device", b->cause.device);
				json_key(&j, "iommu_group");
				json_int_or_null(&j, b->iommu_group);
				JSON_KV_STR(&j, "kind", b->cause.kind);
				JSON_KV_STR(&j, "blocker", b->cause.blocker);
				JSON_KV_STR(&j, "reason", b->cause.reason);
				json_key(&j, "override");
				json_str_or_null(&j, b->cause.overridable ? "--force" : NULL);
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (n == 0) {
		fprintf(f, "no pools (configure them under pools: in %s)\n", PT_HOSTCFG_DEFAULT);
	} else {
		fprintf(f, "%-16s %-8s %5s %6s %6s %7s %6s %12s %8s\n", "POOL", "KIND", "NODE", "TOTAL",
			"FREE", "BLOCKED", "LEASED", "QUARANTINED", "REMOVED");
		for (size_t i = 0; i < n; i++) {
			char node[16];

			if (u[i].numa_node < 0)
				snprintf(node, sizeof(node), "?");
			else
				snprintf(node, sizeof(node), "%d", u[i].numa_node);
			fprintf(f, "%-16s %-8s %5s %6u %6u %7u %6u %12u %8u\n", u[i].pool, u[i].kind, node,
				u[i].total, u[i].free, u[i].blocked, u[i].leased, u[i].quarantined,
				u[i].removed);
		}
		for (size_t i = 0; i < n; i++) {
			char node[32] = "";

			if (!u[i].blocked)
				continue;
			if (u[i].numa_node >= 0)
				snprintf(node, sizeof(node), " (node %d)", u[i].numa_node);
			if (!u[i].n_blockers) {
				fprintf(f, "%s%s: %u blocked: %s\n", u[i].pool, node, u[i].blocked,
					u[i].blocked_why);
				continue;
			}
			/* every cause of every blocked unit, as assign's refusal names them */
			fprintf(f, "%s%s: %u blocked:\n", u[i].pool, node, u[i].blocked);
			for (size_t k = 0; k < u[i].n_blockers; k++) {
				const struct pt_pool_blocker *b = &u[i].blockers[k];
				const struct pt_refusal *c = &b->cause;
				bool other = strcmp(c->blocker, c->device) != 0;

				fprintf(f, "  %s (%s%s%s)", c->device, c->kind, other ? ", blocked by " : "",
					other ? c->blocker : "");
				if (b->iommu_group >= 0)
					fprintf(f, ", group %d", b->iommu_group);
				fprintf(f, ": %s [%s]\n", c->reason,
					c->overridable ? "--force overrides" : "no flag overrides");
			}
		}
	}
}
