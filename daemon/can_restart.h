/* SPDX-License-Identifier: MIT */
/*
 * Bus-off recovery for a client hsxd allowed (HSXD_OP_CAN_RESTART,
 * HSXD_OP_CAN_RESTART_MS): restarting a controller that is bus-off now, and
 * the delay after which the kernel restarts it by itself. Both need
 * CAP_NET_ADMIN; both act on the interface the admin node says the bus is
 * bound to, by index (can_iface.h), as can_config.c does.
 */
#ifndef HSXD_CAN_RESTART_H
#define HSXD_CAN_RESTART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "can_config.h"

/*
 * Restart bus's controller (IFLA_CAN_RESTART), which must be bus-off. recheck (NULL: none) is
 * asked just before the request: a restart cannot be undone. Without may_touch a restart is
 * -EAGAIN. Returns 0 with text, or a negative errno with text saying why: -ENODEV not bound,
 * -EOPNOTSUPP no CAN controller (vcan, vxcan) or its driver cannot restart it, -ENETDOWN the
 * interface is down, -EALREADY it restarts by itself (restart-ms is set), -EBUSY it is not
 * bus-off, -EAGAIN re-bound meanwhile, or the recheck's errno. *touched: the request was made.
 */
int can_restart_now(int ctl, uint32_t bus, bool may_touch, const struct can_config_recheck *recheck,
                    bool *touched, char *text, size_t size);

/*
 * Have bus's controller restart by itself restart_ms ms after it went bus-off (0: never):
 * IFLA_CAN_RESTART_MS, which the kernel changes only while the interface is down, so an
 * interface that is up is stopped, set, read back and started again, as can_config_apply()
 * does (same errnos, may_touch, recheck, and undo); -EOPNOTSUPP as can_restart_now(); -EAGAIN
 * also when someone else started the interface before the delay was set (the kernel's EBUSY),
 * -EIO when it did not come up with the new delay (put back and started with the old one).
 */
int can_restart_ms_apply(int ctl, uint32_t bus, uint32_t restart_ms, bool may_touch,
                         const struct can_config_recheck *recheck, bool *touched, char *text,
                         size_t size);

#endif /* HSXD_CAN_RESTART_H */
