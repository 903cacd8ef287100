/* SPDX-License-Identifier: MIT */
/*
 * Setting a CAN bus's bitrate and controller modes for a client hsxd allowed
 * (HSXD_OP_CAN_CONFIG): what the kernel's admin node says of the bus and its
 * interface (admin.h), and rtnetlink by the interface's index to read and
 * change it (can_link.h), which needs CAP_NET_ADMIN. The unit tests link
 * fakes of both (tests/fake.c).
 */
#ifndef HSXD_CAN_CONFIG_H
#define HSXD_CAN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsx_uapi.h"

/* Room for what changed, or why not, in words. */
#define CAN_CONFIG_TEXT_MAX 160

/* The controller modes hsxd sets (CAN_CTRLMODE_*): every change names all three. */
#define CAN_CONFIG_MODE_MASK 0x23u /* LOOPBACK | LISTENONLY | FD */

/**
 * struct can_change - what a CAN_CONFIG changes on an interface
 * @bitrate: set the asked bitrate
 * @data_bitrate: set the asked data bitrate (FD)
 * @modes: set the controller modes: @flags over CAN_CONFIG_MODE_MASK
 * @fd: the interface runs FD afterwards: the request names the modes and both
 *	bit timings, as the kernel wants them together
 */
struct can_change {
    bool bitrate, data_bitrate, modes, fd;
    uint32_t flags;
};

/*
 * What differs between the interface as it runs (now) and want. FD on needs
 * a data bitrate, a data bitrate needs FD: -EINVAL with why; an interface
 * without a controller (state HSX_CAN_STATE_NONE: vcan) -EOPNOTSUPP. Returns
 * 0 with *change (nothing to set: no flag). Pure.
 */
int can_config_plan(const char *ifname, const struct hsx_can_status *now,
                    const struct hsx_can_config *want, struct can_change *change, char *why,
                    size_t size);

/*
 * Set bus want->bus's interface to run as want says, through ctl (the admin
 * node) and rtnetlink by the ifindex the admin node gives: stop it if it is
 * up, set what differs in one request, check with the kernel that it runs so
 * (HSX_IOC_CAN_CONFIG), and bring it up again if it was. Before each step the
 * bus's binding is read again: another ifindex is -EAGAIN. A setting the
 * driver refuses or rounds, or a start that fails, is undone in one request
 * and the result read back. Returns 0 with text saying what changed ("can0:
 * bitrate 500000 -> 250000"), or a negative errno with text saying why not:
 * -ENODEV the bus is not bound, -EOPNOTSUPP / -EINVAL (see can_config_plan()),
 * -EAGAIN re-bound meanwhile, -ENETDOWN left down, -ENOTRECOVERABLE the undo
 * failed (the text says how it runs), else the driver's errno (the interface
 * runs as before: read back). Without may_touch, what would change the
 * interface is -EAGAIN (the bus changed too recently). *touched says whether
 * the interface was stopped or changed (false: refused, or nothing to do).
 * With recheck, its answer after the change decides whether it is kept.
 */
/*
 * Asked once the change took, before the interface runs with it (hsxd
 * starts it after): may the client still have it? 0, or a negative errno with why (a
 * capability revoked or expired while hsxd changed the interface: the
 * change is undone and can_config_apply() returns this errno).
 */
struct can_config_recheck {
    int (*still_allowed)(void *ctx, char *why, size_t size);
    void *ctx;
};

int can_config_apply(int ctl, const struct hsx_can_config *want, bool may_touch,
                     const struct can_config_recheck *recheck, bool *touched, char *text,
                     size_t size);

#endif /* HSXD_CAN_CONFIG_H */
