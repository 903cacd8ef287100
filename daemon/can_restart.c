// SPDX-License-Identifier: MIT
/*
 * Bus-off recovery over rtnetlink (drivers/net/can/dev/netlink.c, dev.c of
 * Linux 6.1): IFLA_CAN_RESTART restarts a controller now, and only one that
 * is bus-off (can_restart_now(): EBUSY otherwise), on an interface that is
 * up (EINVAL otherwise) and has no automatic restart (EINVAL again);
 * IFLA_CAN_RESTART_MS sets the automatic restart's delay, and only while
 * the interface is down (EBUSY). A driver without do_set_mode() can do
 * neither (EOPNOTSUPP); vcan and vxcan have no CAN device layer at all, so
 * hsxd refuses them itself. The kernel's EINVAL has two meanings: the
 * interface is read again to tell the client which.
 */
#include <errno.h>
#include <linux/can/netlink.h>
#include <string.h>

#include "admin.h"
#include "can_iface.h"
#include "can_restart.h"
#include "hsxd.h"

static const char *state_name(uint32_t state)
{
    static const char *const names[] = {
        [CAN_STATE_ERROR_ACTIVE] = "error-active",
        [CAN_STATE_ERROR_WARNING] = "error-warning",
        [CAN_STATE_ERROR_PASSIVE] = "error-passive",
        [CAN_STATE_BUS_OFF] = "bus-off",
        [CAN_STATE_STOPPED] = "stopped",
        [CAN_STATE_SLEEPING] = "sleeping",
    };

    return state < sizeof(names) / sizeof(names[0]) && names[state] ? names[state] : "unknown";
}

/* The interface bus is bound to, read, with a CAN device layer: 0, or a negative errno. */
static int bound_iface(int ctl, uint32_t bus, struct hsx_can_info *info, struct can_iface *cur,
                       char *text, size_t size)
{
    *info = (struct hsx_can_info){.bus = bus};
    int ret = admin_can_info(ctl, info);

    if (ret == 0 && !info->bound)
        ret = -ENODEV;
    if (ret < 0) {
        textf(text, size, "bus %u %s", bus,
              ret == -ENODEV ? "is not bound to an interface" : strerror(-ret));
        return ret;
    }
    info->ifname[sizeof(info->ifname) - 1] = '\0';
    if ((ret = can_iface_get(info->ifindex, cur)) < 0) {
        textf(text, size, "reading %s (ifindex %u): %s", info->ifname, info->ifindex,
              strerror(-ret));
        return ret;
    }
    if (!cur->dev) {
        textf(text, size, "%s has no CAN controller to restart (a virtual interface: vcan, vxcan)",
              info->ifname);
        return -EOPNOTSUPP;
    }
    return 0;
}

/* A request without may_touch, answered before the interface is read: -EAGAIN. */
static int held_back(uint32_t bus, char *text, size_t size)
{
    textf(text, size, "bus %u was changed less than a second ago: try again later", bus);
    return -EAGAIN;
}

/* The kernel's refusal of a restart, in words and in an errno of one meaning. */
static int restart_refused(int err, const char *ifname, uint32_t ifindex,
                           const struct can_iface *cur, char *text, size_t size)
{
    struct can_iface now = *cur;

    if (err == -EINVAL && can_iface_get(ifindex, &now) == 0 && !now.up) {
        textf(text, size, "%s is down: a controller restarts only on an interface that is up",
              ifname);
        return -ENETDOWN;
    }
    if (err == -EINVAL && now.restart_ms) {
        textf(text, size,
              "%s restarts by itself %u ms after bus-off (restart-ms): set it to 0 to "
              "restart by hand",
              ifname, now.restart_ms);
        return -EALREADY;
    }
    if (err == -EBUSY) {
        textf(text, size, "%s is not bus-off (%s): nothing to restart", ifname,
              state_name(now.state));
        return -EBUSY;
    }
    if (err == -EOPNOTSUPP) {
        textf(text, size, "the driver of %s cannot restart its controller", ifname);
        return -EOPNOTSUPP;
    }
    textf(text, size, "restarting %s: %s", ifname, strerror(-err));
    return err;
}

int can_restart_now(int ctl, uint32_t bus, bool may_touch, const struct can_config_recheck *recheck,
                    bool *touched, char *text, size_t size)
{
    struct hsx_can_info info;
    struct can_iface cur;
    int ret;

    *touched = false;
    if (!may_touch)
        return held_back(bus, text, size);
    if ((ret = bound_iface(ctl, bus, &info, &cur, text, size)) < 0)
        return ret;
    if ((ret = can_iface_same_binding(ctl, bus, info.ifindex, text, size, "the restart")) < 0)
        return ret;
    /* The last word on the client's right: what the restart does cannot be undone. */
    if (recheck && (ret = recheck->still_allowed(recheck->ctx, text, size)) < 0)
        return ret;
    /* Asked of the kernel: *touched, refused or not (one restart a second: see ops.c). */
    *touched = true;
    ret = can_iface_set(info.ifindex, &(struct can_iface_settings){.restart = true});
    if (ret < 0)
        return restart_refused(ret, info.ifname, info.ifindex, &cur, text, size);
    textf(text, size, "%s: controller restarted (it was %s)", info.ifname, state_name(cur.state));
    return 0;
}

/*
 * Set the delay on the stopped interface, read it back and start it again if it was up:
 * 0, or a negative errno with why in what. The driver's errnos mean other things to the
 * client than to the kernel's interface, so each failure has its own: EAGAIN someone else
 * started the interface meanwhile (the kernel's EBUSY), EIO it did not come up again.
 */
static int set_ms(uint32_t ifindex, const char *ifname, uint32_t ms, bool up, char *what,
                  size_t size)
{
    struct can_iface now = {0};
    int ret = can_iface_set(ifindex,
                            &(struct can_iface_settings){.set_restart_ms = true, .restart_ms = ms});

    if (ret == -EBUSY) {
        textf(what, size, "%s was started by someone else before restart-ms %u was set", ifname,
              ms);
        return -EAGAIN;
    }
    if (ret < 0) {
        textf(what, size, "the driver of %s refused restart-ms %u: %s", ifname, ms, strerror(-ret));
        return ret;
    }
    if ((ret = can_iface_get(ifindex, &now)) < 0) {
        textf(what, size, "%s was set restart-ms %u, but could not be read: %s", ifname, ms,
              strerror(-ret));
        return ret;
    }
    if (now.restart_ms != ms) {
        textf(what, size, "%s was set restart-ms %u, but reads %u", ifname, ms, now.restart_ms);
        return -EIO;
    }
    if (up && (ret = can_iface_updown(ifindex, true)) < 0) {
        textf(what, size, "%s did not come up with restart-ms %u: %s", ifname, ms, strerror(-ret));
        return -EIO;
    }
    return 0;
}

/* Put the old delay back (the interface is down) and start it if it was up. */
static int put_back(uint32_t ifindex, const char *ifname, const struct can_iface *old,
                    const char *what, char *text, size_t size)
{
    char why[CAN_CONFIG_TEXT_MAX];
    struct can_iface now;

    if (set_ms(ifindex, ifname, old->restart_ms, old->up, why, sizeof(why)) == 0) {
        textf(text, size, "%s; %s runs as before", what, ifname);
        return 0;
    }
    if (can_iface_get(ifindex, &now) == 0 && now.restart_ms == old->restart_ms) {
        /* Started by someone else meanwhile: it runs as before all the same. */
        if (now.up || !old->up) {
            textf(text, size, "%s; %s runs as before", what, ifname);
            return 0;
        }
        textf(text, size, "%s; put back, but %s is down", what, ifname);
        return -ENETDOWN;
    }
    textf(text, size, "%s; not put back: %s", what, why);
    return -ENOTRECOVERABLE;
}

int can_restart_ms_apply(int ctl, uint32_t bus, uint32_t restart_ms, bool may_touch,
                         const struct can_config_recheck *recheck, bool *touched, char *text,
                         size_t size)
{
    char what[CAN_CONFIG_TEXT_MAX];
    struct hsx_can_info info;
    struct can_iface old;
    int ret;

    *touched = false;
    if ((ret = bound_iface(ctl, bus, &info, &old, text, size)) < 0)
        return ret;
    const char *ifname = info.ifname;
    if (old.restart_ms == restart_ms) {
        textf(text, size, "%s has restart-ms %u already: nothing to change", ifname, restart_ms);
        return 0;
    }
    if (!may_touch)
        return held_back(bus, text, size);
    if ((ret = can_iface_same_binding(ctl, bus, info.ifindex, text, size, "stopping it")) < 0)
        return ret;
    *touched = true;
    /* can_changelink(): the delay changes only while the interface is down. */
    if (old.up && (ret = can_iface_updown(info.ifindex, false)) < 0) {
        textf(text, size, "stopping %s: %s", ifname, strerror(-ret));
        return ret;
    }
    if ((ret = can_iface_same_binding(ctl, bus, info.ifindex, text, size, "the change")) < 0) {
        if (old.up)
            can_iface_updown(info.ifindex, true); /* the interface hsxd stopped, by its index */
        return ret;
    }
    ret = set_ms(info.ifindex, ifname, restart_ms, old.up, what, sizeof(what));
    if (ret == 0 && recheck && (ret = recheck->still_allowed(recheck->ctx, text, size)) < 0) {
        textf(what, sizeof(what), "%s was changed, but meanwhile %s", ifname, text);
        if (old.up)
            can_iface_updown(info.ifindex, false);
    }
    if (ret < 0) {
        int undone = put_back(info.ifindex, ifname, &old, what, text, size);
        return undone < 0 ? undone : ret;
    }
    textf(text, size, "%s: restart-ms %u -> %u", ifname, old.restart_ms, restart_ms);
    return 0;
}
