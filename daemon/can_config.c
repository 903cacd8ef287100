// SPDX-License-Identifier: MIT
/*
 * CAN_CONFIG's work once hsxd allowed it: the kernel's admin node says which
 * interface the bus is bound to (by index), rtnetlink (can_iface.c) reads how
 * it runs and changes it, always by that index and with IFLA_INFO_KIND "can"
 * beside IFLA_INFO_DATA, so that the kernel refuses any other kind of device
 * (rtnl_newlink(): EOPNOTSUPP when the kind's ops are not the device's).
 *
 * Bitrate and modes can only change while the interface is down
 * (can_changelink() answers EBUSY otherwise), so an interface that is up is
 * stopped for the change and started again after it. What changes goes in
 * one RTM_NEWLINK: the modes, the bit timing and, with FD, the data bit
 * timing, as can_validate() wants FD on with both timings in the request;
 * the undo puts all of them back in one request too, the timings by time
 * quantum (the kernel's fix-up: the same registers again). The kernel's
 * check (HSX_IOC_CAN_CONFIG) is asked last, as the library will ask it: the
 * driver may round a bitrate to what its clock gives (within 5 %), which is
 * not what was asked, so that is undone too.
 *
 * Before each step the bus's binding is read again: a bus re-bound to
 * another interface meanwhile stops the change (EAGAIN).
 *
 * The client's right is checked before the change, and again after it took
 * but before the interface runs with it (recheck): a capability revoked
 * between the first check and the change (by its expiry, its holder's exit,
 * anything hsxd's own loop does not order) would otherwise keep a change it
 * no longer allowed. Found so, the change is undone as a refused one is,
 * never having run, and the client told why.
 */
#include <errno.h>
#include <linux/can/netlink.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "can_config.h"
#include "can_iface.h"
#include "hsxd.h"

_Static_assert(CAN_CONFIG_MODE_MASK ==
                   (CAN_CTRLMODE_LOOPBACK | CAN_CTRLMODE_LISTENONLY | CAN_CTRLMODE_FD),
               "CAN_CONFIG_MODE_MASK");

#define HSX_TO_CTRLMODE(mode)                                                                      \
    (((mode)&HSX_CAN_MODE_LOOPBACK ? CAN_CTRLMODE_LOOPBACK : 0u) |                                 \
     ((mode)&HSX_CAN_MODE_LISTEN_ONLY ? CAN_CTRLMODE_LISTENONLY : 0u) |                            \
     ((mode)&HSX_CAN_MODE_FD ? CAN_CTRLMODE_FD : 0u))
#define CTRLMODE_TO_HSX(cm)                                                                        \
    (((cm)&CAN_CTRLMODE_LOOPBACK ? HSX_CAN_MODE_LOOPBACK : 0u) |                                   \
     ((cm)&CAN_CTRLMODE_LISTENONLY ? HSX_CAN_MODE_LISTEN_ONLY : 0u) |                              \
     ((cm)&CAN_CTRLMODE_FD ? HSX_CAN_MODE_FD : 0u))

/* "loopback,listen-only", "none". */
static char *modes_text(char *buf, size_t size, uint32_t mode)
{
    snprintf(buf, size, "%s%s%s%s%s", mode & HSX_CAN_MODE_LOOPBACK ? "loopback" : "",
             (mode & HSX_CAN_MODE_LOOPBACK) && (mode & ~HSX_CAN_MODE_LOOPBACK) ? "," : "",
             mode & HSX_CAN_MODE_LISTEN_ONLY ? "listen-only" : "",
             (mode & HSX_CAN_MODE_LISTEN_ONLY) && (mode & HSX_CAN_MODE_FD) ? "," : "",
             mode & HSX_CAN_MODE_FD ? "fd" : "");
    if (!mode)
        snprintf(buf, size, "none");
    return buf;
}

int can_config_plan(const char *ifname, const struct hsx_can_status *now,
                    const struct hsx_can_config *want, struct can_change *change, char *why,
                    size_t size)
{
    const bool asks = want->bitrate || want->data_bitrate || want->mode;
    const bool fd = want->mode & HSX_CAN_MODE_FD;

    *change = (struct can_change){0};
    if (now->state == HSX_CAN_STATE_NONE) {
        if (!asks)
            return 0;
        textf(why, size, "%s has no bitrate or controller modes (a virtual interface: vcan, vxcan)",
              ifname);
        return -EOPNOTSUPP;
    }
    if (want->data_bitrate && !fd) {
        textf(why, size, "a data bitrate (%u) needs FD mode", want->data_bitrate);
        return -EINVAL;
    }
    if (fd && !(now->mode & HSX_CAN_MODE_FD) && !want->data_bitrate) {
        textf(why, size, "turning FD on for %s needs a data bitrate", ifname);
        return -EINVAL;
    }
    change->fd = fd;
    change->bitrate = want->bitrate && want->bitrate != now->bitrate;
    change->data_bitrate = fd && want->data_bitrate && want->data_bitrate != now->data_bitrate;
    change->modes = want->mode != now->mode;
    change->flags = HSX_TO_CTRLMODE(want->mode);
    return 0;
}

/* "bitrate 500000 data bitrate 2000000 modes fd, up" */
static void can_iface_text(char *buf, size_t size, const struct can_iface *l)
{
    char m[32], d[32] = "";

    if (l->ctrlmode & CAN_CTRLMODE_FD)
        textf(d, sizeof(d), " data bitrate %u", l->dbt.bitrate);
    textf(buf, size, "bitrate %u%s modes %s, %s", l->bt.bitrate, d,
          modes_text(m, sizeof(m), CTRLMODE_TO_HSX(l->ctrlmode)), l->up ? "up" : "down");
}

/*
 * Put back *old's modes and timings in one request, start it again if it was up, and read it
 * back: 0 when it runs as before, else -ENOTRECOVERABLE (or -ENETDOWN: as before, but down)
 * with text saying how it runs.
 */
static int undo(uint32_t ifindex, const char *ifname, const struct can_iface *old, const char *what,
                char *text, size_t size)
{
    struct can_iface_settings s = {.modes = true,
                                   .flags = old->ctrlmode & CAN_CONFIG_MODE_MASK,
                                   .timing = true,
                                   .fd = old->ctrlmode & CAN_CTRLMODE_FD,
                                   .old = old};
    struct can_iface now;
    char state[96];
    int err = can_iface_set(ifindex, &s);
    int up_err = old->up ? can_iface_updown(ifindex, true) : 0;
    int got = can_iface_get(ifindex, &now);

    if (got < 0) {
        textf(text, size, "%s; putting %s back: %s, and it cannot be read: %s", what, ifname,
              strerror(-(err      ? err
                         : up_err ? up_err
                                  : got)),
              strerror(-got));
        return -ENOTRECOVERABLE;
    }
    can_iface_text(state, sizeof(state), &now);
    const bool same =
        now.bt.bitrate == old->bt.bitrate &&
        (now.ctrlmode & CAN_CONFIG_MODE_MASK) == (old->ctrlmode & CAN_CONFIG_MODE_MASK) &&
        (!(old->ctrlmode & CAN_CTRLMODE_FD) || now.dbt.bitrate == old->dbt.bitrate);
    if (!same) {
        textf(text, size, "%s; not put back (%s): %s runs %s", what,
              err ? strerror(-err) : "it did not take", ifname, state);
        return -ENOTRECOVERABLE;
    }
    if (now.up != old->up) {
        textf(text, size, "%s; put back, but %s is down (%s)", what, ifname,
              strerror(-(up_err ? up_err : EIO)));
        return -ENETDOWN;
    }
    textf(text, size, "%s; %s runs as before", what, ifname);
    return 0;
}

/* "can0: bitrate 500000 -> 250000, modes none -> listen-only". */
static void describe_change(char *text, size_t size, const char *ifname,
                            const struct hsx_can_status *now, const struct hsx_can_config *want,
                            const struct can_change *change)
{
    char m1[32], m2[32], bitrate[48] = "", data[56] = "", modes[80] = "";

    if (change->bitrate)
        textf(bitrate, sizeof(bitrate), "bitrate %u -> %u", now->bitrate, want->bitrate);
    if (change->data_bitrate)
        textf(data, sizeof(data), "%sdata bitrate %u -> %u", bitrate[0] ? ", " : "",
              now->data_bitrate, want->data_bitrate);
    if (change->modes)
        textf(modes, sizeof(modes), "%smodes %s -> %s", bitrate[0] || data[0] ? ", " : "",
              modes_text(m1, sizeof(m1), now->mode), modes_text(m2, sizeof(m2), want->mode));
    textf(text, size, "%s: %s%s%s", ifname, bitrate, data, modes);
}

/*
 * The change took and the interface is not running yet (hsxd stopped it, or
 * it was down); is the client still allowed the change? If not (revoked
 * while hsxd changed the interface), put back *old (and start it if it ran)
 * before it ever runs with the change: the errno of the refusal, or of the
 * undo.
 */
static int recheck_or_undo(const struct can_config_recheck *recheck, uint32_t ifindex,
                           const char *ifname, const struct can_iface *old, char *text, size_t size)
{
    char why[CAN_CONFIG_TEXT_MAX], what[CAN_CONFIG_TEXT_MAX];
    int ret = recheck ? recheck->still_allowed(recheck->ctx, why, sizeof(why)) : 0;

    if (ret == 0)
        return 0;
    textf(what, sizeof(what), "%s was changed, but meanwhile %s", ifname, why);
    int undone = undo(ifindex, ifname, old, what, text, size);
    return undone < 0 ? undone : ret;
}

int can_config_apply(int ctl, const struct hsx_can_config *want, bool may_touch,
                     const struct can_config_recheck *recheck, bool *touched, char *text,
                     size_t size)
{
    struct hsx_can_info info = {.bus = want->bus};
    struct can_change change;
    struct can_iface old;
    char what[CAN_CONFIG_TEXT_MAX];

    *touched = false;
    int ret = admin_can_info(ctl, &info);
    if (ret == 0 && !info.bound)
        ret = -ENODEV;
    if (ret < 0) {
        textf(text, size, "bus %u %s", want->bus,
              ret == -ENODEV ? "is not bound to an interface" : strerror(-ret));
        return ret;
    }
    info.ifname[sizeof(info.ifname) - 1] = '\0';
    const char *ifname = info.ifname;
    const uint32_t ifindex = info.ifindex;
    if ((ret = can_iface_get(ifindex, &old)) < 0) {
        textf(text, size, "reading %s (ifindex %u): %s", ifname, ifindex, strerror(-ret));
        return ret;
    }
    struct hsx_can_status now = {
        .bus = want->bus,
        .status = old.up ? HSX_CAN_ST_UP : 0,
        .state = !old.can ? HSX_CAN_STATE_NONE
                 : old.up ? HSX_CAN_STATE_ACTIVE
                          : HSX_CAN_STATE_STOPPED,
        .bitrate = old.bt.bitrate,
        .data_bitrate = old.ctrlmode & CAN_CTRLMODE_FD ? old.dbt.bitrate : 0,
        .mode = CTRLMODE_TO_HSX(old.ctrlmode),
    };
    ret = can_config_plan(ifname, &now, want, &change, text, size);
    if (ret < 0)
        return ret;
    if (!change.bitrate && !change.data_bitrate && !change.modes) {
        textf(text, size, "%s runs so already: nothing to change", ifname);
        return 0;
    }
    if (!may_touch) {
        textf(text, size, "bus %u was changed less than a second ago: try again later", want->bus);
        return -EAGAIN;
    }

    if ((ret = can_iface_same_binding(ctl, want->bus, ifindex, text, size, "stopping it")) < 0)
        return ret;
    *touched = true;
    if (old.up && (ret = can_iface_updown(ifindex, false)) < 0) {
        textf(text, size, "stopping %s: %s", ifname, strerror(-ret));
        return ret;
    }
    if ((ret = can_iface_same_binding(ctl, want->bus, ifindex, text, size, "the change")) < 0) {
        if (old.up)
            can_iface_updown(ifindex, true); /* the interface hsxd stopped, by its index */
        return ret;
    }
    /* With FD on, the modes and both timings (unchanged ones again), as can_validate() wants. */
    struct can_iface_settings s = {.modes = change.modes || change.fd,
                                   .flags = change.flags,
                                   .timing = change.bitrate || change.data_bitrate || change.fd,
                                   .fd = change.fd,
                                   .bitrate = change.bitrate ? want->bitrate : 0,
                                   .data_bitrate = change.data_bitrate ? want->data_bitrate : 0,
                                   .old = &old};
    ret = can_iface_set(ifindex, &s);
    if (ret < 0) {
        char m[32];
        textf(what, sizeof(what), "the driver of %s refused bitrate %u modes %s: %s%s", ifname,
              want->bitrate ? want->bitrate : now.bitrate, modes_text(m, sizeof(m), want->mode),
              strerror(-ret),
              ret == -EDOM ? " (its clock gives no bit timing within 5 % of it)" : "");
    } else if ((ret = admin_can_check(ctl, want)) < 0) {
        struct can_iface got;
        if (change.bitrate && can_iface_get(ifindex, &got) == 0 &&
            got.bt.bitrate != want->bitrate) {
            textf(what, sizeof(what), "%s's clock gives %u bit/s, not %u", ifname, got.bt.bitrate,
                  want->bitrate);
            ret = -EDOM;
        } else {
            textf(what, sizeof(what), "%s was set, but the kernel says it runs otherwise: %s",
                  ifname, strerror(-ret));
        }
    }
    if (ret < 0) {
        int undone = undo(ifindex, ifname, &old, what, text, size);
        return undone < 0 ? undone : ret;
    }
    /* Before it runs: a client revoked meanwhile never has its change on the bus. */
    if ((ret = recheck_or_undo(recheck, ifindex, ifname, &old, text, size)) < 0)
        return ret;
    if (old.up &&
        (ret = can_iface_same_binding(ctl, want->bus, ifindex, text, size, "starting it")) < 0)
        return ret;
    if (old.up && (ret = can_iface_updown(ifindex, true)) < 0) {
        textf(what, sizeof(what), "%s did not come up with the change: %s", ifname, strerror(-ret));
        int undone = undo(ifindex, ifname, &old, what, text, size);
        return undone < 0 ? undone : ret;
    }
    describe_change(text, size, ifname, &now, want, &change);
    return 0;
}
