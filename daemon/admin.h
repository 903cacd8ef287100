/* SPDX-License-Identifier: MIT */
/*
 * hsx.ko's capability administration: the ioctls on /dev/hsx/ctl (opened
 * O_EXCL by one administrator at a time) and HSX_IOC_CAP_INFO on a client's
 * file. Each returns 0 or a negative errno. Kept behind this interface so the
 * unit tests can put a fake kernel in its place.
 */
#ifndef HSXD_ADMIN_H
#define HSXD_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "hsx_uapi.h"

#define ADMIN_CTL_PATH "/dev/" HSX_DEV_CTL

/* Open the admin node; returns the fd, or a negative errno with why filled. */
int admin_open(char *why, size_t why_size);

int admin_client(int ctl, struct hsx_cap_client *client);
int admin_mint(int ctl, struct hsx_cap_mint *mint);
int admin_renew(int ctl, uint64_t id, uint64_t expiry_ns);
int admin_revoke(int ctl, struct hsx_cap_revoke *revoke);
/* The live capability with the smallest id above after; -ENOENT when there is none. */
int admin_list_next(int ctl, uint64_t after, struct hsx_cap_info *info);
/* The capability for module on fd (cap.id == 0: none). */
int admin_info(int fd, uint32_t module, struct hsx_cap_query *query);

/*
 * CAN buses as the kernel has them, through the admin node (it serves every
 * module, without capabilities): the bus's binding, its controller's state,
 * and HSX_IOC_CAN_CONFIG's check (0: it runs so; -EREMCHG, -EOPNOTSUPP).
 */
int admin_can_info(int ctl, struct hsx_can_info *info);
int admin_can_status(int ctl, struct hsx_can_status *status);
int admin_can_check(int ctl, const struct hsx_can_config *config);

/*
 * HSX_IOC_FS_MAP through the admin node: bind a directory to a root (with
 * HSX_FS_MAP_ANY, the first free; -EEXIST: map->root is the root the
 * directory is bound to already).
 */
int admin_fs_map(int ctl, struct hsx_fs_map *map);

/* CLOCK_BOOTTIME in nanoseconds: the clock of capability expiries. */
uint64_t boottime_ns(void);

#endif /* HSXD_ADMIN_H */
