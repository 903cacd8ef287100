/* SPDX-License-Identifier: MIT */
/*
 * The rig of the tests that change a CAN controller through hsxd
 * (test_can_config.c, test_can_restart.c): bus `bus` bound to the VM's
 * SJA1000 card (QEMU's kvaser_pci, a real driver with bitrates and restart),
 * bus `vbus` to a vcan. The debug kernel has no SJA1000 driver
 * (test_can_sja1000.c says why): there `bus` is a second vcan, and the rows
 * that need a controller say they are the stock run's.
 */
#ifndef HSX_E2E_CAN_CTL_RIG_H
#define HSX_E2E_CAN_CTL_RIG_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can_rig.h"
#include "e2e.h"
#include "hsxd_run.h"

struct can_ctl_rig {
    unsigned int bus, vbus;
    const char *ctrl_if;       /* the controller's interface: "can0" */
    const char *vcan;          /* bus vbus's */
    const char *vcan0;         /* bus's where there is no controller */
    void (*as_at_start)(void); /* set the controller as every test starts (with ip) */
    bool controller;           /* set by can_ctl_rig_up() */
    struct hsxd_run hsxd;      /* started by can_ctl_rig_start() */
};

/* Does `ip -d link show ifname` (iproute2's reading of the kernel's IFLA_CAN_*) contain text? */
static inline bool can_ctl_rig_ip_shows(const char *ifname, const char *text)
{
    return rig_sh(RIG_IP " -d link show %s | grep -q -e '%s'", ifname, text) == 0;
}

/* A row that needs the controller, where there is none: said, and passed. */
static inline bool can_ctl_rig_stock_runs_this(const struct can_ctl_rig *r)
{
    if (!r->controller)
        printf("# no SJA1000 driver in the debug kernel: the stock kernel's run covers this\n");
    return !r->controller;
}

/* Bind both buses (the controller set as at start): 0, or -1 (a missing card fails). */
static inline int can_ctl_rig_up(struct can_ctl_rig *r)
{
    const char *kernel = getenv("HSX_TEST_KERNEL");
    const bool card = e2e_exists("/sys/class/net/%s", r->ctrl_if);

    /* No controller here: the debug kernel, without the driver. Anywhere else a missing card
     * fails. */
    r->controller = card || !kernel || strcmp(kernel, "debug") != 0;
    if (r->controller && !card)
        return -1;
    rig_map(r->bus, "");
    rig_map(r->vbus, "");
    rig_vcan(r->vcan);
    if (r->controller)
        r->as_at_start();
    else
        rig_vcan(r->vcan0);
    return rig_map(r->bus, r->controller ? r->ctrl_if : r->vcan0) || rig_map(r->vbus, r->vcan) ? -1
                                                                                               : 0;
}

static inline void can_ctl_rig_down(const struct can_ctl_rig *r)
{
    rig_map(r->bus, "");
    rig_map(r->vbus, "");
    rig_sh(RIG_IP " link del %s", r->vcan);
    if (r->controller)
        rig_sh(RIG_IP " link set %s down", r->ctrl_if);
    else
        rig_sh(RIG_IP " link del %s", r->vcan0);
}

/* The group's setup: both buses bound, then hsxd on policy_text. 0, or -1. */
static inline int can_ctl_rig_start(struct can_ctl_rig *r, const char *tag, const char *policy_text)
{
    return can_ctl_rig_up(r) ? -1 : hsxd_run_start(&r->hsxd, tag, policy_text);
}

/* The group's teardown: hsxd stopped, the buses unbound. */
static inline int can_ctl_rig_stop(struct can_ctl_rig *r)
{
    hsxd_run_stop(&r->hsxd);
    can_ctl_rig_down(r);
    return 0;
}

/* Every test's setup: the controller (where there is one) set as at start. */
static inline void can_ctl_rig_as_at_start(const struct can_ctl_rig *r)
{
    if (r->controller)
        r->as_at_start();
}

#endif /* HSX_E2E_CAN_CTL_RIG_H */
