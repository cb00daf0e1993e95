/* SPDX-License-Identifier: MIT */
/* Netdev driver and firmware versions through the ethtool ioctl (lib/ethtool.c). */
#ifndef PASSTHRU_ETHTOOL_H
#define PASSTHRU_ETHTOOL_H

#include "passthru/passthru.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pt_netdev_info {
	char ifname[16];
	char driver[64];
	char version[64];
	char firmware[96];
	int error;
};

/* ETHTOOL_GDRVINFO for one interface: out is filled (out->error set on failure).
 * -ENOTSUP under a sysroot (a captured tree has no live interfaces to ask). */
int pt_ethtool_drvinfo(struct pt_ctx *ctx, const char *ifname, struct pt_netdev_info *out);

#ifdef __cplusplus
}
#endif
#endif
