/* SPDX-License-Identifier: MIT */
/*
 * Setting a CAN bus's bitrate and controller modes for a client hsxd allowed
 * (HSXD_OP_CAN_CONFIG): what the kernel's admin node says of the bus and its
 * interface (admin.h), and libsocketcan to change it, which needs
 * CAP_NET_ADMIN. The unit tests link fakes of both (tests/fake.c).
 */
#ifndef HSXD_CAN_CONFIG_H
#define HSXD_CAN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsx_uapi.h"

/* Room for what changed, or why not, in words. */
#define CAN_CONFIG_TEXT_MAX 160

/**
 * struct can_change - what a CAN_CONFIG changes on an interface
 * @bitrate: set the asked bitrate (libsocketcan's can_set_bitrate)
 * @modes: set the controller modes: @mask and @flags of struct can_ctrlmode
 */
struct can_change {
    bool bitrate;
    bool modes;
    uint32_t mask, flags;
};

/*
 * What differs between the interface as it runs (now, HSX_IOC_CAN_GET_STATUS)
 * and want, and whether libsocketcan 0.0.12 can set it: it has no call for
 * the FD data phase's bit timing, and the kernel turns FD on only with both
 * bit timings in the same request, so a data bitrate that differs, or FD
 * turned on, is -EOPNOTSUPP (so is an interface without a controller: vcan).
 * Returns 0 with *change (nothing to set: neither flag), or -EOPNOTSUPP with
 * why. Pure.
 */
int can_config_plan(const char *ifname, const struct hsx_can_status *now,
                    const struct hsx_can_config *want, struct can_change *change, char *why,
                    size_t size);

/*
 * Set bus want->bus's interface to run as want says, through ctl (the admin
 * node): stop it if it is up, set what differs, check with the kernel that it
 * runs so (HSX_IOC_CAN_CONFIG), and bring it up again if it was. A setting the
 * driver refuses, or one it rounds (a bitrate its clock cannot give exactly),
 * is undone. Returns 0 with text saying what changed ("can0: bitrate 500000
 * -> 250000"), or a negative errno with text saying why not: -ENODEV the bus
 * is not bound, -EOPNOTSUPP (see can_config_plan()), the driver's errno.
 */
int can_config_apply(int ctl, const struct hsx_can_config *want, char *text, size_t size);

#endif /* HSXD_CAN_CONFIG_H */
