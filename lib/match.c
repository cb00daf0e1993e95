// SPDX-License-Identifier: MIT
/* Device selectors of profiles and host configs (bdf, netdev, or vendor:device + index)
 * resolved against a scanned host: the lookup (pt_match_find), the sentence saying why
 * a selector names nothing (pt_match_absent_str: data, for judgements that report it),
 * and the lookup as an error (pt_match_resolve: -ENODEV with that sentence in the
 * context). Pure. */
#include "internal.h"
#include "passthru/profile.h"

#include <errno.h>
#include <stdio.h>

struct pt_device *pt_match_find(const struct pt_host *h, const struct pt_match *m)
{
	int seen = 0;

	switch (m->kind) {
	case PT_MATCH_BDF:
		return pt_host_find(h, &m->bdf);
	case PT_MATCH_NETDEV:
		for (size_t i = 0; i < h->n_devs; i++)
			for (size_t k = 0; k < h->devs[i].n_netdevs; k++)
				if (strcmp(h->devs[i].netdevs[k], m->netdev) == 0)
					return &h->devs[i];
		return NULL;
	case PT_MATCH_ID:
		for (size_t i = 0; i < h->n_devs; i++) {
			struct pt_device *d = &h->devs[i];

			if (d->vendor_id != m->vendor_id || d->device_id != m->device_id)
				continue;
			if (seen++ == m->index)
				return d;
		}
		return NULL;
	default:
		return NULL;
	}
}

char *pt_match_absent_str(const struct pt_host *h, const struct pt_match *m, char *buf, size_t len)
{
	char sel[64];
	int seen = 0;

	if (!len)
		return buf;
	switch (m->kind) {
	case PT_MATCH_BDF:
		snprintf(buf, len, "no PCI function %s on this host", pt_match_str(m, sel, sizeof(sel)) + 4);
		break;
	case PT_MATCH_NETDEV:
		snprintf(buf, len, "no network interface %s on a PCI function", m->netdev);
		break;
	case PT_MATCH_ID:
		for (size_t i = 0; i < h->n_devs; i++)
			if (h->devs[i].vendor_id == m->vendor_id && h->devs[i].device_id == m->device_id)
				seen++;
		snprintf(buf, len, "%d function%s with ID %04x:%04x, index %d asked", seen,
			 seen == 1 ? "" : "s", m->vendor_id, m->device_id, m->index);
		break;
	default:
		snprintf(buf, len, "empty device selector");
		break;
	}
	return buf;
}

int pt_match_resolve(struct pt_ctx *ctx, const struct pt_host *h, const struct pt_match *m,
		     struct pt_device **out)
{
	char why[256];

	*out = pt_match_find(h, m);
	if (*out)
		return 0;
	pt_match_absent_str(h, m, why, sizeof(why));
	/* a selector that says nothing is bad input; one that names nothing here, absent */
	return pt_err(ctx, m->kind == PT_MATCH_NONE ? -EINVAL : -ENODEV, "%s", why);
}
