// SPDX-License-Identifier: MIT
/*
 * CAN_CONFIG's work once hsxd allowed it: the kernel's admin node says which
 * interface the bus is bound to and how it runs, libsocketcan changes it.
 *
 * Bitrate and modes can only change while the interface is down
 * (can_changelink() answers EBUSY otherwise), so an interface that is up is
 * stopped for the change and started again after it. The modes are set
 * before the bitrate, and anything set is undone when a later step fails,
 * so that a refusal leaves the interface as it was. The kernel's check
 * (HSX_IOC_CAN_CONFIG) is asked last, as the library will ask it: the
 * driver may round a bitrate to what its clock gives (within 5 %), which
 * is not what was asked, so that is undone too.
 *
 * libsocketcan reports a failure as -1 with errno set from the kernel's
 * netlink answer; a failure of its own (a reply it could not read) may
 * leave errno as it was, so errno is cleared before each call and a failure
 * without one is EIO. It also says the kernel's answer with perror(), and
 * glibc's perror() may change errno on the way (on a stderr not yet written
 * through stdio it fdopen()s a copy of the descriptor "w+", which fails with
 * EINVAL when that is write-only, as a log file is): hsxd defines its own,
 * below, which the dynamic linker gives libsocketcan ahead of glibc's.
 */
#include <errno.h>
#include <libsocketcan.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "can_config.h"
#include "hsxd.h"
#include "log.h"

#define HSX_TO_CTRLMODE(mode)                                                                      \
    (((mode)&HSX_CAN_MODE_LOOPBACK ? CAN_CTRLMODE_LOOPBACK : 0u) |                                 \
     ((mode)&HSX_CAN_MODE_LISTEN_ONLY ? CAN_CTRLMODE_LISTENONLY : 0u) |                            \
     ((mode)&HSX_CAN_MODE_FD ? CAN_CTRLMODE_FD : 0u))

/* libsocketcan's perror(): to hsxd's log, errno kept for the caller to read. */
void perror(const char *s)
{
    int err = errno;

    log_msg(LOG_DEBUG, "libsocketcan: %s%s%s", s && s[0] ? s : "", s && s[0] ? ": " : "",
            strerror(err));
    errno = err;
}

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

    *change = (struct can_change){0};
    if (now->state == HSX_CAN_STATE_NONE) {
        if (!asks)
            return 0;
        textf(why, size, "%s has no bitrate or controller modes (a virtual interface: vcan, vxcan)",
              ifname);
        return -EOPNOTSUPP;
    }
    const bool fd_on = (want->mode & HSX_CAN_MODE_FD) && !(now->mode & HSX_CAN_MODE_FD);
    if (fd_on || (want->data_bitrate && want->data_bitrate != now->data_bitrate)) {
        textf(why, size,
              "libsocketcan 0.0.12 cannot set %s's CAN FD data phase: ip link set %s type can "
              "bitrate %u dbitrate %u fd on",
              ifname, ifname, want->bitrate ? want->bitrate : now->bitrate,
              want->data_bitrate ? want->data_bitrate : now->data_bitrate);
        return -EOPNOTSUPP;
    }
    change->bitrate = want->bitrate && want->bitrate != now->bitrate;
    if (want->mode != now->mode) {
        change->modes = true;
        /* FD stays out of the mask unless it goes off: on, it needs both bit timings at once. */
        change->mask =
            CAN_CTRLMODE_LOOPBACK | CAN_CTRLMODE_LISTENONLY |
            ((now->mode & HSX_CAN_MODE_FD) && !(want->mode & HSX_CAN_MODE_FD) ? CAN_CTRLMODE_FD
                                                                              : 0u);
        change->flags = HSX_TO_CTRLMODE(want->mode) & change->mask;
    }
    return 0;
}

/* The errno of libsocketcan's last failure; EIO if it set none. */
static int socketcan_errno(void)
{
    return errno ? errno : EIO;
}

/* What was set on the way, to undo it. */
struct undo {
    const char *ifname;
    bool was_up;
    bool modes;
    struct can_ctrlmode ctrlmode; /* the modes as they were, over the mask changed */
    bool bitrate;
    struct can_bittiming timing; /* as it was, by time quantum (the kernel's fix-up) */
};

/* Put back what was set, and start the interface again if it was up. Best effort: it failed. */
static void undo(const struct undo *u)
{
    struct can_ctrlmode cm = u->ctrlmode;
    struct can_bittiming bt = u->timing;

    if (u->modes)
        can_set_ctrlmode(u->ifname, &cm);
    if (u->bitrate)
        can_set_bittiming(u->ifname, &bt);
    if (u->was_up)
        can_do_start(u->ifname);
}

/* The bit timing as it is, to set again by its time quantum (bitrate 0: no calculation). */
static int save_timing(const char *ifname, struct can_bittiming *saved)
{
    errno = 0;
    if (can_get_bittiming(ifname, saved) < 0)
        return -socketcan_errno();
    saved->bitrate = 0;
    saved->sample_point = 0;
    saved->brp = 0;
    return 0;
}

/* Set what change says, after stopping the interface; undone on failure. */
static int set(const struct hsx_can_status *now, const struct hsx_can_config *want,
               const struct can_change *change, struct undo *u, char *text, size_t size)
{
    char modes[32];

    if (change->modes) {
        struct can_ctrlmode cm = {.mask = change->mask, .flags = change->flags};
        u->ctrlmode = (struct can_ctrlmode){.mask = change->mask,
                                            .flags = HSX_TO_CTRLMODE(now->mode) & change->mask};
        errno = 0;
        if (can_set_ctrlmode(u->ifname, &cm) < 0) {
            int err = socketcan_errno();
            textf(text, size, "the driver of %s refused modes %s: %s", u->ifname,
                  modes_text(modes, sizeof(modes), want->mode), strerror(err));
            return -err;
        }
        u->modes = true;
    }
    if (change->bitrate) {
        errno = 0;
        if (can_set_bitrate(u->ifname, want->bitrate) < 0) {
            int err = socketcan_errno();
            textf(text, size, "the driver of %s refused bitrate %u: %s%s", u->ifname, want->bitrate,
                  strerror(err),
                  err == EDOM ? " (its clock gives no bit timing within 5 % of it)" : "");
            return -err;
        }
        u->bitrate = true;
    }
    return 0;
}

/* "can0: bitrate 500000 -> 250000, modes none -> listen-only". */
static void describe_change(char *text, size_t size, const char *ifname,
                            const struct hsx_can_status *now, const struct hsx_can_config *want,
                            const struct can_change *change)
{
    char m1[32], m2[32], bitrate[48] = "";

    if (change->bitrate)
        textf(bitrate, sizeof(bitrate), "bitrate %u -> %u", now->bitrate, want->bitrate);
    if (change->modes)
        textf(text, size, "%s: %s%smodes %s -> %s", ifname, bitrate, bitrate[0] ? ", " : "",
              modes_text(m1, sizeof(m1), now->mode), modes_text(m2, sizeof(m2), want->mode));
    else
        textf(text, size, "%s: %s", ifname, bitrate);
}

int can_config_apply(int ctl, const struct hsx_can_config *want, char *text, size_t size)
{
    struct hsx_can_info info = {.bus = want->bus};
    struct hsx_can_status now = {.bus = want->bus};
    struct can_change change;

    int ret = admin_can_info(ctl, &info);
    if (ret == 0 && !info.bound)
        ret = -ENODEV;
    if (ret == 0)
        ret = admin_can_status(ctl, &now);
    if (ret < 0) {
        textf(text, size, "bus %u %s", want->bus,
              ret == -ENODEV ? "is not bound to an interface" : strerror(-ret));
        return ret;
    }
    info.ifname[sizeof(info.ifname) - 1] = '\0';
    const char *ifname = info.ifname;
    ret = can_config_plan(ifname, &now, want, &change, text, size);
    if (ret < 0)
        return ret;
    if (!change.bitrate && !change.modes) {
        textf(text, size, "%s runs so already: nothing to change", ifname);
        return 0;
    }

    struct undo u = {.ifname = ifname, .was_up = now.status & HSX_CAN_ST_UP};
    if (change.bitrate && (ret = save_timing(ifname, &u.timing)) < 0) {
        textf(text, size, "reading %s's bit timing: %s", ifname, strerror(-ret));
        return ret;
    }
    errno = 0;
    if (u.was_up && can_do_stop(ifname) < 0) {
        ret = -socketcan_errno();
        textf(text, size, "stopping %s: %s", ifname, strerror(-ret));
        return ret;
    }
    ret = set(&now, want, &change, &u, text, size);
    if (ret == 0 && (ret = admin_can_check(ctl, want)) < 0) {
        struct hsx_can_status got = {.bus = want->bus};
        if (change.bitrate && admin_can_status(ctl, &got) == 0 && got.bitrate != want->bitrate) {
            textf(text, size, "%s's clock gives %u bit/s, not %u: left as it was", ifname,
                  got.bitrate, want->bitrate);
            ret = -EDOM;
        } else {
            textf(text, size, "%s was set, but the kernel says it runs otherwise: %s", ifname,
                  strerror(-ret));
        }
    }
    if (ret < 0) {
        undo(&u);
        return ret;
    }
    errno = 0;
    if (u.was_up && can_do_start(ifname) < 0) {
        ret = -socketcan_errno();
        textf(text, size, "%s was set, but did not come up again: %s", ifname, strerror(-ret));
        return ret;
    }
    describe_change(text, size, ifname, &now, want, &change);
    return 0;
}
