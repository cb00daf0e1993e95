// SPDX-License-Identifier: MIT
/*
 * passthru bind DEV|--group N DRIVER [--with-group]: one function (or every endpoint
 * of an IOMMU group) to vfio-pci, another driver, `host` (the driver the kernel would
 * choose) or `none` (unbound), as `passthrough: [{device: {bdf}, driver}]` would make
 * it with apply: driver_override, unbind, drivers_probe; refusals, journal, rollback.
 */
#include "oneshot-cli.h"
#include "passthru/oneshot.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The functions named: DEV alone, DEV and its group's other endpoints, or group N's
 * endpoints. Returns the count (0 after a message). */
static size_t targets(struct pt_host *h, const char *dev, long group, bool with_group,
		      const struct pt_device **out, size_t max)
{
	const struct pt_device *d = NULL;
	size_t n = 0;

	if (group >= 0) {
		const struct pt_iommu_group *g = pt_host_group(h, (int)group);

		for (size_t i = 0; g && i < g->n_members && !d; i++) {
			const struct pt_device *m = pt_host_find(h, &g->members[i]);

			if (m && (m->class_code < 0 || (m->class_code >> 16) != 0x06))
				d = m;
		}
		if (!d) {
			cli_error("IOMMU group %ld: %s ('passthru list' shows each function's group)",
				  group, g ? "holds no endpoint" : "no such group");
			return 0;
		}
		with_group = true;
	} else {
		d = cli_device(NULL, h, dev);
		if (!d)
			return 0;
	}
	out[n++] = d;
	if (with_group) {
		if (d->iommu_group < 0) {
			cli_error("%s has no IOMMU group (is the IOMMU on? passthru check)", d->name);
			return 0;
		}
		n += pt_group_other_endpoints(h, d, out + 1, max - 1);
		if (n > max)
			n = max;
	}
	return n;
}

int cmd_bind(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "with-group", no_argument, NULL, 'w' },
		ONESHOT_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct apply_job job = { .command = "bind", .persist_name = "bind" };
	const struct pt_device *devs[64];
	struct pt_hostcfg cfg = { 0 };
	struct pt_host *h;
	char label[256], note[1024] = "";
	const char *dev = NULL, *driver;
	bool with_group = false;
	long group = -1;
	size_t n;
	int c, ret = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "g:w" ONESHOT_SHORTOPTS, opts, NULL)) != -1) {
		int k = oneshot_common_opt(cli, &job, c, optarg);

		if (k < 0)
			return EXIT_ERROR;
		if (k)
			continue;
		if (c == 'g') {
			if (oneshot_long("--group", optarg, 0, 1 << 30, &group) < 0)
				return EXIT_ERROR;
		} else if (c == 'w') {
			with_group = true;
		} else {
			cli_usage(stderr, "bind");
			return EXIT_ERROR;
		}
	}
	if (argc - optind != (group >= 0 ? 1 : 2)) {
		cli_error("bind: %s (passthru bind 0000:01:00.0 vfio-pci, passthru bind --group 12 "
			  "vfio-pci)", group >= 0 ? "--group N takes a driver, not a device too"
						  : "a device and a driver");
		return EXIT_ERROR;
	}
	if (group < 0)
		dev = argv[optind++];
	driver = argv[optind];
	/* a device and its group (--with-group) scan a scope; --group N every function */
	h = group < 0 ? cli_scan_for(cli, dev, 0) : cli_scan(cli);
	if (!h)
		return EXIT_ERROR;
	n = targets(h, dev, group, with_group, devs, sizeof(devs) / sizeof(devs[0]));
	if (!n)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const char *want = driver;
		char hostdrv[64], src[32];
		struct pt_hostcfg one;

		if (!strcmp(driver, "host")) {
			if (pt_host_driver(cli->ctx, devs[i], cli->state_dir, hostdrv, sizeof(hostdrv),
					   src, sizeof(src)) < 0) {
				cli_error("%s", pt_ctx_error(cli->ctx));
				goto out;
			}
			want = hostdrv;
			snprintf(note + strlen(note), sizeof(note) - strlen(note),
				 "%s%s: the host driver is %s (from %s)", note[0] ? "\n" : "",
				 devs[i]->name, hostdrv, src);
		}
		if (pt_oneshot_bind(cli->ctx, &devs[i]->bdf, 1, want, &one) < 0) {
			cli_error("bind %s %s: %s", devs[i]->name, driver, pt_ctx_error(cli->ctx));
			goto out;
		}
		ret = pt_hostcfg_merge(&cfg, &one);
		pt_hostcfg_free(&one);
		if (ret < 0) {
			cli_error("out of memory");
			ret = EXIT_ERROR;
			goto out;
		}
	}
	snprintf(label, sizeof(label), "bind %s%s %s", devs[0]->name,
		 n > 1 ? " (and its IOMMU group)" : "", driver);
	pt_host_free(h);
	h = NULL;
	job.label = label;
	job.cfg = &cfg;
	job.note = note[0] ? note : NULL;
	ret = apply_job_run(cli, &job);
out:
	pt_hostcfg_free(&cfg);
	pt_host_free(h);
	return ret;
}
