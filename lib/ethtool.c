// SPDX-License-Identifier: MIT
/* Netdev driver and firmware versions through the ethtool ioctl (ETHTOOL_GDRVINFO). */
#include "internal.h"
#include "passthru/ethtool.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int pt_ethtool_drvinfo(struct pt_ctx *ctx, const char *ifname, struct pt_netdev_info *out)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd, r = 0;

	memset(out, 0, sizeof(*out));
	pt_strlcpy(out->ifname, ifname, sizeof(out->ifname));
	if (ctx->sysroot[0]) {
		/* a captured tree has no live interfaces to ask */
		out->error = -ENOTSUP;
		return pt_err(ctx, -ENOTSUP, "%s: driver info needs the live host, not a sysroot", ifname);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		out->error = -errno;
		return pt_err(ctx, out->error, "socket for ethtool: %s", strerror(errno));
	}
	memset(&ifr, 0, sizeof(ifr));
	pt_strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
		r = -errno;
		out->error = r;
		pt_err(ctx, r, "%s: ETHTOOL_GDRVINFO: %s", ifname, strerror(-r));
	} else {
		pt_strlcpy(out->driver, info.driver, sizeof(out->driver));
		pt_strlcpy(out->version, info.version, sizeof(out->version));
		pt_strlcpy(out->firmware, info.fw_version, sizeof(out->firmware));
	}
	close(fd);
	return r;
}
