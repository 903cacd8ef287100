/* SPDX-License-Identifier: MIT */
/*
 * A CAN interface by its index, over rtnetlink (can_link.h): how it runs,
 * as RTM_GETLINK says, and one RTM_NEWLINK that changes it. Shared by
 * can_config.c (bitrate, modes) and can_restart.c (bus-off restart). Every
 * change names IFLA_INFO_KIND "can" beside IFLA_INFO_DATA, so that the kernel
 * refuses it on any other kind of device (rtnl_newlink(): EOPNOTSUPP).
 */
#ifndef HSXD_CAN_IFACE_H
#define HSXD_CAN_IFACE_H

#include <linux/can/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How an interface runs, as RTM_GETLINK says. */
struct can_iface {
    bool dev; /* IFLA_INFO_KIND "can": the kernel's CAN device layer (not vcan, vxcan) */
    bool can; /* ... with a bit timing: a controller */
    bool up;
    uint32_t ctrlmode;
    struct can_bittiming bt, dbt;
    uint32_t state;      /* enum can_state (IFLA_CAN_STATE) */
    uint32_t restart_ms; /* IFLA_CAN_RESTART_MS: 0, no automatic restart */
};

/*
 * What one RTM_NEWLINK sets: up or down; modes and timings (bitrate 0: *old's timing); the
 * automatic restart delay; a restart now.
 */
struct can_iface_settings {
    bool updown, up;
    bool modes;
    uint32_t flags;
    bool timing, fd;
    uint32_t bitrate, data_bitrate;
    const struct can_iface *old;
    bool set_restart_ms;
    uint32_t restart_ms;
    bool restart;
};

/* Read interface ifindex: 0, or a negative errno. */
int can_iface_get(uint32_t ifindex, struct can_iface *l);

/* Set *s on interface ifindex in one request: 0, or the kernel's negative errno. */
int can_iface_set(uint32_t ifindex, const struct can_iface_settings *s);

/* Bring interface ifindex up or down. */
int can_iface_updown(uint32_t ifindex, bool up);

/* Is bus still bound to ifindex, as the admin node ctl says? 0, or -EAGAIN with why. */
int can_iface_same_binding(int ctl, uint32_t bus, uint32_t ifindex, char *text, size_t size,
                           const char *before);

#endif /* HSXD_CAN_IFACE_H */
