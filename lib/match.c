// SPDX-License-Identifier: MIT
/* Device selectors of profiles and host configs (bdf, netdev, or vendor:device + index)
 * resolved against a scanned host. */
#include "internal.h"
#include "passthru/profile.h"

#include <stdio.h>

struct pt_device *pt_match_resolve(const struct pt_host *h, const struct pt_match *m, char *why,
				   size_t whylen)
{
	char sel[64];
	int seen = 0;

	if (why && whylen)
		why[0] = '\0';
	switch (m->kind) {
	case PT_MATCH_BDF: {
		struct pt_device *d = pt_host_find(h, &m->bdf);

		if (!d && why)
			snprintf(why, whylen, "no PCI function %s on this host", pt_match_str(m, sel, sizeof(sel)) + 4);
		return d;
	}
	case PT_MATCH_NETDEV:
		for (size_t i = 0; i < h->n_devs; i++)
			for (size_t k = 0; k < h->devs[i].n_netdevs; k++)
				if (strcmp(h->devs[i].netdevs[k], m->netdev) == 0)
					return &h->devs[i];
		if (why)
			snprintf(why, whylen, "no network interface %s on a PCI function", m->netdev);
		return NULL;
	case PT_MATCH_ID:
		for (size_t i = 0; i < h->n_devs; i++) {
			struct pt_device *d = &h->devs[i];

			if (d->vendor_id != m->vendor_id || d->device_id != m->device_id)
				continue;
			if (seen++ == m->index)
				return d;
		}
		if (why)
			snprintf(why, whylen, "%d function%s with ID %04x:%04x, index %d asked",
				 seen, seen == 1 ? "" : "s", m->vendor_id, m->device_id, m->index);
		return NULL;
	default:
		if (why)
			snprintf(why, whylen, "empty device selector");
		return NULL;
	}
}
