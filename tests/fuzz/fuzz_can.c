// SPDX-License-Identifier: MIT
/*
 * hsx_fuzz's part for CAN (module 0x11): what the engine (hsx_fuzz.c) needs to drive the
 * module's functions from its table, and the CAN chains.
 *
 * The rig, made by root at start (can_setup()): bus 0 on a vcan interface, fzcan0; buses 1
 * and 2 on the two ends of a vxcan pair, fzvx0 and fzvx1, so that what hsx sends on one bus
 * arrives on the other from "the wire"; bus 3 on can0, the first of the VM's two SJA1000
 * controllers (kvaser_pci), when the VM has them (500 kbit/s, can1 as the other node). cangen
 * sends mixed frames (standard, extended, FD, BRS, ESI, RTR) on fzcan0 and fzvx1, and classic
 * ones on can1, all the time, so the receive path (softirq, the listeners' capability ranges
 * and filter banks, the mailboxes) runs under every other call; a cangen whose interface went
 * away is started again.
 *
 * The table: TX (waiting or NOWAIT, timeouts), CONFIG, SET_FILTER, GET_STATUS, INFO, PERIODIC
 * (jobs started, updated, stopped and queried in slots 0..15 and past), WATCH (RX-timeout
 * watches armed, disarmed, queried) and MAP (the admin node's), with field kinds of their own:
 * buses 0..17, frame flags, IDs for the frame's format or wider than 11/29 bits, lengths for
 * classic and FD frames or not, payloads, bitrates, modes, filter banks 0..15 and past, bank flags,
 * an off bank with an ID or mask, interface names. The oracles are the ABI's rules
 * (uapi/hsx_uapi.h); each result also gets its shape checked (cookies, status bits and states,
 * INFO's fields).
 *
 * Chains (each draws from a stream of its own):
 *   tx:     a private file subscribes to its bus and sends marked frames, waiting and NOWAIT,
 *           sometimes while a periodic job of its own sends another marked frame (its three
 *           sockets at once); every NOWAIT frame comes back once as a TX_DONE with its cookie
 *           and content (or a TX_FAILED its reason and time allow), no frame of its own (nor
 *           of its job) as a FRAME, no TX_DONE for a frame that waited for its echo or for a
 *           job's;
 *   filter: a private file sets banks (and banks the ABI refuses, which must fail with
 *           EINVAL), another sends marked frames: exactly those that pass arrive, every
 *           FRAME passes; then the banks change under the same subscription;
 *   nl:     a netlink subscription to a bus's rx or err mailbox, authorized by a private file
 *           that may close meanwhile; frames and error frames injected with a raw CAN socket;
 *           each event checked, the injected error frames must all arrive;
 *   caps:   on a file that may hold a capability (the uid 1000 process's): a success is
 *           within its buses, rights and ID ranges, an EACCES is outside them, and every
 *           frame it receives is in its receive range;
 *   iface:  (root) with two threads and a forked process using the bus, a queue file and a
 *           netlink socket subscribed: the interface deleted (and at once re-created, or
 *           not), the bus unbound, the interface down and up, or deleted and re-created in a
 *           loop while a thread binds and unbinds the bus; then the subscriptions end GONE,
 *           the bus lets go of a deleted interface (within FZ_LIVENESS_MS, a liveness bound:
 *           unregistering waits for RCU, seconds on a loaded emulated host), the old instance's
 * file fails for good, and the rig is put back. Exact-delivery oracles hold only for root's
 * privileged files, when no event was dropped, the subscription did not end and no iface chain ran
 * meanwhile (stats->can_epoch).
 *
 * Interfaces are made, deleted and set up or down with rtnetlink, as `ip link` does, but in
 * a millisecond instead of an exec's tens under TCG, so that deletions land among binds;
 * /usr/sbin/ip only sets the SJA1000s' bitrate at start.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/can.h>
#include <linux/can/error.h>
#include <linux/can/raw.h>
#include <linux/can/vxcan.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "fuzz.h"
#include "hsx_uapi.h"

/* ---- the rig --------------------------------------------------------------------------------- */

enum can_home_type { H_VCAN, H_VXCAN, H_VXPEER, H_SJA };

struct can_home {
    const char *ifname;
    enum can_home_type type;
    const char *inject; /* where a raw socket sends for frames to arrive on the bus */
};

/* Bus n is bound to can_homes[n].ifname. */
static const struct can_home can_homes[] = {
    {"fzcan0", H_VCAN, "fzcan0"},
    {"fzvx0", H_VXCAN, "fzvx1"},
    {"fzvx1", H_VXPEER, "fzvx0"},
    {"can0", H_SJA, "can1"},
};
#define FZ_CAN_HOMES (sizeof(can_homes) / sizeof(can_homes[0]))
#define FZ_CAN_IP "/usr/sbin/ip"
#define FZ_CAN_BITRATE "500000"

bool have_can;
static bool have_sja;
struct fz_units can_units = {HSX_CAN_MAX_BUSES, 3, K_CAN_I};

/* Background traffic: cangen on an interface, started again when it ends. */
struct can_traffic {
    const char *ifname;
    const char *gap_ms;
    bool mix; /* -m: extended, FD, BRS, ESI and RTR frames too */
    pid_t pid;
};

static struct can_traffic traffic[] = {
    {"fzcan0", "8", true, 0},
    {"fzvx1", "8", true, 0},
    {"can1", "20", false, 0},
};

/* Root's: one iface chain at a time, and the traffic table. */
static pthread_mutex_t rig_lock = PTHREAD_MUTEX_INITIALIZER;

static bool bus_classic(unsigned int bus)
{
    return bus < FZ_CAN_HOMES && can_homes[bus].type == H_SJA;
}

/* ---- the ABI's rules ------------------------------------------------------------------------- */

static bool fd_len_ok(unsigned int len)
{
    return len <= 8 || len == 12 || len == 16 || len == 20 || len == 24 || len == 32 || len == 48 ||
           len == 64;
}

/* A frame TX must refuse (struct hsx_can_frame). */
static bool can_frame_bad(const struct hsx_can_frame *f)
{
    bool fd = f->flags & HSX_CAN_F_FD;

    if ((f->flags & ~HSX_CAN_F_TX) || f->reserved[0] || f->reserved[1])
        return true;
    if (f->can_id > (f->flags & HSX_CAN_F_EXT ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK))
        return true;
    if (fd ? !fd_len_ok(f->len) || (f->flags & HSX_CAN_F_RTR) : f->len > 8)
        return true;
    return (f->flags & HSX_CAN_F_BRS) && !fd;
}

/* A bank SET_FILTER must refuse (struct hsx_can_filter). */
static bool can_filter_bad(const struct hsx_can_filter *f)
{
    if (f->bank >= HSX_CAN_FILTERS || (f->flags & ~HSX_CAN_FLT_ALL) || f->reserved[0] ||
        f->reserved[1] || f->reserved[2])
        return true;
    if (!(f->flags & HSX_CAN_FLT_ON))
        return f->flags || f->id || f->mask; /* off: all else zero */
    if ((f->flags & HSX_CAN_FLT_STD) && (f->flags & HSX_CAN_FLT_EXT))
        return true;
    return f->id > HSX_CAN_EFF_MASK || f->mask > HSX_CAN_EFF_MASK;
}

/* Does a frame pass a file's banks for its bus? (None on: every frame does.) */
static bool banks_pass(const struct hsx_can_filter *b, const struct hsx_can_frame *f)
{
    bool ext = f->flags & HSX_CAN_F_EXT, any = false;

    for (unsigned int i = 0; i < HSX_CAN_FILTERS; i++) {
        if (!(b[i].flags & HSX_CAN_FLT_ON))
            continue;
        any = true;
        if (((b[i].flags & HSX_CAN_FLT_STD) && ext) || ((b[i].flags & HSX_CAN_FLT_EXT) && !ext))
            continue;
        if ((f->can_id & b[i].mask) == (b[i].id & b[i].mask))
            return true;
    }
    return !any;
}

/* A frame's ID as a capability's ranges name it. */
static uint32_t sel_id(const struct hsx_can_frame *f)
{
    return f->flags & HSX_CAN_F_EXT ? f->can_id | HSX_CAN_SEL_EXT : f->can_id;
}

static bool sel_id_ok(uint32_t id)
{
    return id <= HSX_CAN_SFF_MASK ||
           (id >= HSX_CAN_SEL_EXT && id <= (HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK));
}

static bool range_ok(bool present, uint32_t first, uint32_t last)
{
    return present ? first <= last && sel_id_ok(first) && sel_id_ok(last) : !first && !last;
}

bool can_sel_bad(uint32_t rights, const union hsx_cap_selector *sel)
{
    const __typeof__(sel->can) *c = &sel->can;

    return !rights || (rights & ~HSX_CAP_R_CAN_ALL) || (rights & HSX_CAP_R_ADMIN) || !c->buses ||
           (c->buses >> HSX_CAN_MAX_BUSES) || (c->flags & ~(HSX_CAN_SEL_TX | HSX_CAN_SEL_RX)) ||
           c->reserved[0] || c->reserved[1] ||
           !range_ok(c->flags & HSX_CAN_SEL_TX, c->tx_first, c->tx_last) ||
           !range_ok(c->flags & HSX_CAN_SEL_RX, c->rx_first, c->rx_last);
}

static bool range_within(bool in, uint32_t ifirst, uint32_t ilast, bool out, uint32_t ofirst,
                         uint32_t olast)
{
    return !in || (out && ifirst >= ofirst && ilast <= olast);
}

bool can_sel_within(const union hsx_cap_selector *inner, const union hsx_cap_selector *outer)
{
    const __typeof__(inner->can) *i = &inner->can, *o = &outer->can;

    return !(i->buses & ~o->buses) &&
           range_within(i->flags & HSX_CAN_SEL_TX, i->tx_first, i->tx_last,
                        o->flags & HSX_CAN_SEL_TX, o->tx_first, o->tx_last) &&
           range_within(i->flags & HSX_CAN_SEL_RX, i->rx_first, i->rx_last,
                        o->flags & HSX_CAN_SEL_RX, o->rx_first, o->rx_last);
}

/* Does a capability cover a frame in a direction (HSX_CAN_SEL_TX or _RX) on a bus? */
static bool sel_covers(const union hsx_cap_selector *sel, unsigned int bus, uint32_t dir,
                       const struct hsx_can_frame *f)
{
    uint32_t id = sel_id(f);

    if (bus >= HSX_CAN_MAX_BUSES || !(sel->can.buses & (1U << bus)))
        return false;
    if (dir == HSX_CAN_SEL_TX)
        return (sel->can.flags & HSX_CAN_SEL_TX) && id >= sel->can.tx_first &&
               id <= sel->can.tx_last;
    return (sel->can.flags & HSX_CAN_SEL_RX) && id >= sel->can.rx_first && id <= sel->can.rx_last;
}

/*
 * An interface name MAP must refuse. Bytes past 0x7f are left undecided (the kernel's ctype
 * takes some as graphic): no interface of the rig has one, so MAP fails either way.
 */
static bool ifname_bad(const char *name)
{
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return true;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '/' || *p == ':')
            return true;
    return false;
}

/* ---- field kinds ----------------------------------------------------------------------------- */

enum can_val {
    CV_TMO,
    CV_FFLAGS,
    CV_BITRATE,
    CV_MODE,
    CV_BANK,
    CV_FLT,
    CV_SLOT,
    CV_PEROP,
    CV_IVAL,
    CV_COUNT,
    CV_WSLOT,
    CV_WOP,
    CV_WFMT,
    CV_N
};

static const struct fz_vals can_vals[CV_N] = {
    /* 0: the default, 1000 ms; the maximum is bounded by the watchdog */
    [CV_TMO] = {UV(0, 1, 5, 20, 100, HSX_CAN_TIMEOUT_MAX_MS),
                UV(HSX_CAN_TIMEOUT_MAX_MS + 1, 0x80000000U, 0xffffffffU), 6, 3, 1, 200},
    [CV_FFLAGS] = {UV(0, 0, HSX_CAN_F_EXT, HSX_CAN_F_RTR, HSX_CAN_F_EXT | HSX_CAN_F_RTR,
                      HSX_CAN_F_FD, HSX_CAN_F_FD | HSX_CAN_F_BRS,
                      HSX_CAN_F_FD | HSX_CAN_F_BRS | HSX_CAN_F_EXT),
                   UV(HSX_CAN_F_FD | HSX_CAN_F_RTR, HSX_CAN_F_BRS, HSX_CAN_F_EXT | HSX_CAN_F_BRS,
                      HSX_CAN_F_ESI, HSX_CAN_F_LOCAL, 0x40, 0x80, 0xff),
                   8, 8, 0, 0},
    [CV_BITRATE] = {UV(0, 0, 0, 500000, 250000, 125000, 1000000, HSX_CAN_BITRATE_MAX),
                    UV(HSX_CAN_BITRATE_MAX + 1, 0x80000000U, 0xffffffffU), 8, 3, 1, 1000000},
    [CV_MODE] = {UV(0, 0, 0, HSX_CAN_MODE_LOOPBACK, HSX_CAN_MODE_LISTEN_ONLY, HSX_CAN_MODE_FD,
                    HSX_CAN_MODE_ALL),
                 UV(HSX_CAN_MODE_ALL + 1, HSX_CAN_MODE_ALL | 0x8, 0x80000000U, 0xffffffffU), 7, 4,
                 0, 0},
    [CV_BANK] = {UV(0, 1, 2, 3, 7, 8, 14, 15),
                 UV(HSX_CAN_FILTERS, HSX_CAN_FILTERS + 1, 0x80000000U, 0xffffffffU), 8, 4, 0,
                 HSX_CAN_FILTERS - 1},
    [CV_FLT] = {UV(0, HSX_CAN_FLT_ON, HSX_CAN_FLT_ON, HSX_CAN_FLT_ON | HSX_CAN_FLT_STD,
                   HSX_CAN_FLT_ON | HSX_CAN_FLT_EXT),
                UV(HSX_CAN_FLT_ALL, HSX_CAN_FLT_STD, HSX_CAN_FLT_EXT, HSX_CAN_FLT_ALL + 1,
                   0x80000000U, 0xffffffffU),
                5, 6, 0, 0},
    [CV_SLOT] = {UV(0, 1, 2, 7, 14, 15), UV(HSX_CAN_PERIODIC_MAX, 0x80000000U, 0xffffffffU), 6, 3,
                 0, HSX_CAN_PERIODIC_MAX - 1},
    /* STOP and QUERY as often as START: jobs do not pile up for the file's life */
    [CV_PEROP] = {UV(HSX_CAN_PER_START, HSX_CAN_PER_START, HSX_CAN_PER_UPDATE, HSX_CAN_PER_STOP,
                     HSX_CAN_PER_STOP, HSX_CAN_PER_QUERY),
                  UV(HSX_CAN_PER_QUERY + 1, 0x80000000U, 0xffffffffU), 6, 3, 0, 0},
    /* the floor now and then; mostly periods that do not flood the bus under TCG */
    [CV_IVAL] = {UV(HSX_CAN_PERIODIC_MIN_US, 1000, 5000, 20000, 100000, HSX_CAN_PERIODIC_MAX_US),
                 UV(0, HSX_CAN_PERIODIC_MIN_US - 1, HSX_CAN_PERIODIC_MAX_US + 1, 0xffffffffU), 6, 4,
                 2000, 1000000},
    [CV_COUNT] = {UV(0, 1, 2, 3, 10, 100, 0xffffffffU), UV(0), 7, 0, 1, 50},
    [CV_WSLOT] = {UV(0, 1, 2, 7, 14, 15), UV(HSX_CAN_WATCH_MAX, 0x80000000U, 0xffffffffU), 6, 3, 0,
                  HSX_CAN_WATCH_MAX - 1},
    [CV_WOP] = {UV(HSX_CAN_WATCH_ARM, HSX_CAN_WATCH_ARM, HSX_CAN_WATCH_DISARM, HSX_CAN_WATCH_QUERY),
                UV(HSX_CAN_WATCH_QUERY + 1, 0x80000000U, 0xffffffffU), 4, 3, 0, 0},
    [CV_WFMT] = {UV(HSX_CAN_FLT_STD, HSX_CAN_FLT_EXT),
                 UV(0, HSX_CAN_FLT_ON, HSX_CAN_FLT_STD | HSX_CAN_FLT_EXT, HSX_CAN_FLT_ALL,
                    0x80000000U),
                 2, 5, 0, 0},
};

static const uint8_t fd_lens[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64};

static uint32_t gen_id(struct fz_rng *r, bool ext)
{
    uint32_t max = ext ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK, k = rn(r, 10);

    return k == 0 ? 0 : k == 1 ? max : (uint32_t)rnd(r) & max;
}

void can_gen_field(struct fz_call *c, const struct fz_field *f, bool corrupt)
{
    struct fz_rng *r = &c->w->rng;
    unsigned char *p = c->buf + f->off;
    uint64_t v = 0;

    switch (f->kind) {
    case F_CBUS:
        v = gen_unit(c, &can_units, corrupt);
        break;
    case F_CVAL:
        v = gen_val(r, &can_vals[f->aux], corrupt);
        break;
    case F_CID: {
        bool ext = c->buf[f->aux - 1] & HSX_CAN_F_EXT;
        static const uint32_t wide_std[] = {0x800, 0xfff, 0x1000, HSX_CAN_EFF_MASK};
        static const uint32_t wide_ext[] = {HSX_CAN_EFF_MASK + 1, 0x3fffffff, 0x80000000U,
                                            0xffffffffU};
        if (!corrupt)
            v = gen_id(r, ext);
        else if (ext)
            v = wide_ext[rn(r, 4)];
        else
            v = chance(r, 50) ? wide_std[rn(r, 4)] : 0x800 + rn(r, HSX_CAN_EFF_MASK - 0x7ff);
        break;
    }
    case F_CLEN: {
        bool fd = c->buf[f->aux - 1] & HSX_CAN_F_FD;
        static const uint8_t bad_fd[] = {9, 10, 11, 13, 15, 17, 33, 63, 65, 255};
        static const uint8_t bad_classic[] = {9, 10, 12, 15, 16, 64, 255};
        if (corrupt)
            v = fd ? bad_fd[rn(r, sizeof(bad_fd))] : bad_classic[rn(r, sizeof(bad_classic))];
        else
            v = fd ? fd_lens[rn(r, sizeof(fd_lens))] : rn(r, 9);
        break;
    }
    case F_CDATA:
        for (unsigned int i = 0; i < f->size; i++)
            p[i] = (unsigned char)rnd(r);
        return;
    case F_CFID: {
        uint32_t flags;
        memcpy(&flags, c->buf + f->aux - 1, sizeof(flags));
        if (!(flags & HSX_CAN_FLT_ON))
            v = corrupt ? 1 + rn(r, HSX_CAN_EFF_MASK) : 0; /* an off bank holds nothing */
        else if (corrupt)
            v = chance(r, 50) ? HSX_CAN_EFF_MASK + 1 + rn(r, 0x1000) : 0xffffffffU;
        else if (chance(r, 20))
            v = chance(r, 50) ? HSX_CAN_SFF_MASK : HSX_CAN_EFF_MASK;
        else
            v = gen_id(r, (flags & HSX_CAN_FLT_EXT) || chance(r, 30));
        break;
    }
    case F_IFNAME: {
        static const char *const bad[] = {
            "lo",   "nosuch0", "fzcan9",          "../x",      "a/b",      "fzcan0:1",
            ".",    "..",      "fz can0",         "fzcan0 ",   "\tfzcan0", "fzcan0\x01",
            "\x7f", "fzvx0\n", "abcdefghijklmno", "\xe9t\xe9", "can1\x80"};
        uint32_t k = rn(r, 100);
        memset(p, 0, f->size);
        if (corrupt && chance(r, 30))
            memset(p, 'x', f->size); /* not terminated */
        else if (corrupt || k < 20)
            snprintf((char *)p, f->size, "%s", bad[rn(r, sizeof(bad) / sizeof(bad[0]))]);
        else if (k < 80)
            snprintf((char *)p, f->size, "%s", can_homes[rn(r, can_units.homes)].ifname);
        else if (k < 85)
            snprintf((char *)p, f->size, "%s", "can1"); /* the other SJA1000, if there */
        /* else "": unbinds */
        return;
    }
    default:
        v = corrupt ? rnd(r) : 0;
        break;
    }
    memcpy(p, &v, f->size < sizeof(v) ? f->size : sizeof(v)); /* little-endian: the low bytes */
}

/* ---- mailbox names and selectors ------------------------------------------------------------- */

void gen_can_name(struct fz_rng *r, char *name, size_t len)
{
    static const char *const odd[] = {"hal:can:",
                                      "hal:can:0",
                                      "hal:can:0:tx",
                                      "hal:can:rx ",
                                      "hal:can::rx",
                                      "hal:can:-1:rx",
                                      "hal:can:00:rx",
                                      "hal:can:0x1:rx",
                                      "hal:can:16:rx",
                                      "hal:can:0:errr",
                                      "HAL:CAN:RX",
                                      "hal:can:rx:0",
                                      "hal:can:0:rx:",
                                      "hal:can:+0:err",
                                      "hal:can:1 :err",
                                      "hal:can:4294967296:rx",
                                      "hal:can:4294967297:err"};
    uint32_t k = rn(r, 100);

    if (k < 45)
        snprintf(name, len, HSX_MBOX_CAN_RX_FMT, rn(r, can_units.homes));
    else if (k < 60)
        snprintf(name, len, HSX_MBOX_CAN_ERR_FMT, rn(r, can_units.homes));
    else if (k < 70)
        snprintf(name, len, "%s", HSX_MBOX_CAN_RX);
    else if (k < 82)
        snprintf(name, len, chance(r, 50) ? HSX_MBOX_CAN_RX_FMT : HSX_MBOX_CAN_ERR_FMT,
                 rn(r, HSX_CAN_MAX_BUSES + 2));
    else
        snprintf(name, len, "%s", odd[rn(r, sizeof(odd) / sizeof(odd[0]))]);
}

/* An ID range: mostly one that makes sense, else backwards, past the formats, in the hole. */
static void gen_range(struct fz_rng *r, uint32_t *first, uint32_t *last)
{
    static const uint32_t ok[][2] = {
        {0, HSX_CAN_SFF_MASK},
        {HSX_CAN_SEL_EXT, HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK},
        {0, HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK},
        {0x100, 0x1ff},
        {HSX_CAN_SFF_MASK, HSX_CAN_SFF_MASK},
        {HSX_CAN_SEL_EXT | 0x18ff0000, HSX_CAN_SEL_EXT | 0x18ffffff},
        {0, 0},
    };
    static const uint32_t bad[][2] = {
        {0x1ff, 0x100},
        {0, 0x800},
        {HSX_CAN_SEL_EXT, (HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK) + 1},
        {0x800, 0x800},
        {0x7fffffff, HSX_CAN_SEL_EXT},
        {0, 0xffffffffU},
        {HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK, 0},
    };
    uint32_t k = rn(r, 100);

    if (k < 75) {
        uint32_t i = rn(r, sizeof(ok) / sizeof(ok[0]));
        *first = ok[i][0], *last = ok[i][1];
    } else if (k < 87) {
        *first = rn(r, HSX_CAN_SFF_MASK + 1);
        *last = *first + rn(r, HSX_CAN_SFF_MASK + 1 - *first);
    } else {
        uint32_t i = rn(r, sizeof(bad) / sizeof(bad[0]));
        *first = bad[i][0], *last = bad[i][1];
    }
}

void can_gen_sel(struct fz_rng *r, union hsx_cap_selector *sel)
{
    static const uint32_t buses[] = {1, 2, 3, 7, 0xf, 0xffff, 0x8000};
    static const uint32_t edge[] = {0, 1U << HSX_CAN_MAX_BUSES, 0x80000000U, 0xffffffffU};
    __typeof__(sel->can) *c = &sel->can;
    uint32_t k = rn(r, 100);

    memset(sel, 0, sizeof(*sel));
    c->buses = k < 65   ? buses[rn(r, 7)]
               : k < 80 ? 1U << rn(r, HSX_CAN_MAX_BUSES)
               : k < 92 ? (uint32_t)rnd(r) & 0xffff
                        : edge[rn(r, 4)] | (uint32_t)rn(r, 2);
    k = rn(r, 100);
    c->flags = k < 60   ? HSX_CAN_SEL_TX | HSX_CAN_SEL_RX
               : k < 70 ? HSX_CAN_SEL_TX
               : k < 80 ? HSX_CAN_SEL_RX
               : k < 92 ? 0
                        : HSX_CAN_SEL_TX | HSX_CAN_SEL_RX | (4U << rn(r, 30));
    if (c->flags & HSX_CAN_SEL_TX)
        gen_range(r, &c->tx_first, &c->tx_last);
    else if (chance(r, 10))
        c->tx_last = 0x7ff; /* a range without its flag */
    if (c->flags & HSX_CAN_SEL_RX)
        gen_range(r, &c->rx_first, &c->rx_last);
    else if (chance(r, 10))
        c->rx_first = 1;
    if (chance(r, 4))
        c->reserved[rn(r, 2)] = 1U << rn(r, 32);
}

/* A range that makes sense: both formats, standard, a narrow one, extended. */
static void sane_range(struct fz_rng *r, uint32_t *first, uint32_t *last)
{
    uint32_t k = rn(r, 100);

    if (k < 45)
        *first = 0, *last = HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK;
    else if (k < 65)
        *first = 0, *last = HSX_CAN_SFF_MASK;
    else if (k < 85)
        *first = 0x100, *last = 0x3ff;
    else
        *first = HSX_CAN_SEL_EXT, *last = HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK;
}

void can_mint_sel(struct fz_rng *r, union hsx_cap_selector *sel, const struct fz_slot *target)
{
    __typeof__(sel->can) *c = &sel->can;
    uint32_t k = rn(r, 100);

    memset(sel, 0, sizeof(*sel));
    if (target->kind == K_CAN_I && target->index < HSX_CAN_MAX_BUSES)
        c->buses = 1U << target->index;
    else
        c->buses = chance(r, 60) ? (1U << can_units.homes) - 1 : 1U << rn(r, can_units.homes);
    if (chance(r, 30))
        c->buses |= 1U << rn(r, HSX_CAN_MAX_BUSES);
    c->flags = k < 80 ? HSX_CAN_SEL_TX | HSX_CAN_SEL_RX : k < 90 ? HSX_CAN_SEL_TX : HSX_CAN_SEL_RX;
    if (c->flags & HSX_CAN_SEL_TX)
        sane_range(r, &c->tx_first, &c->tx_last);
    if (c->flags & HSX_CAN_SEL_RX)
        sane_range(r, &c->rx_first, &c->rx_last);
}

/* Narrow first..last, keeping first <= last. */
static void narrow(struct fz_rng *r, uint32_t *first, uint32_t *last)
{
    uint32_t span = *last - *first;

    *first += rn(r, span / 2 + 1);
    *last -= rn(r, (*last - *first) / 2 + 1);
}

void can_derive_sel(struct fz_rng *r, union hsx_cap_selector *sel)
{
    __typeof__(sel->can) *c = &sel->can;
    uint32_t k = rn(r, 100);

    if (k < 55) {
        /* narrower: a subset of the buses, shorter ranges, or a range dropped with its flag */
        uint32_t keep = c->buses & (uint32_t)rnd(r);
        c->buses = keep ? keep : c->buses;
        if ((c->flags & HSX_CAN_SEL_TX) && chance(r, 60))
            narrow(r, &c->tx_first, &c->tx_last);
        if ((c->flags & HSX_CAN_SEL_RX) && chance(r, 60))
            narrow(r, &c->rx_first, &c->rx_last);
        if (chance(r, 15)) {
            uint32_t flag = chance(r, 50) ? HSX_CAN_SEL_TX : HSX_CAN_SEL_RX;
            c->flags &= ~flag;
            if (flag == HSX_CAN_SEL_TX)
                c->tx_first = c->tx_last = 0;
            else
                c->rx_first = c->rx_last = 0;
        }
    } else if (k < 80) {
        /* wider or broken: past a range, backwards, a flag without its range, a bus more */
        switch (rn(r, 7)) {
        case 0:
            c->tx_last++;
            break;
        case 1:
            c->rx_first--;
            break;
        case 2: {
            uint32_t t = c->tx_first;
            c->tx_first = c->tx_last + 1, c->tx_last = t;
            break;
        }
        case 3:
            c->flags ^= chance(r, 50) ? HSX_CAN_SEL_TX : HSX_CAN_SEL_RX;
            break;
        case 4:
            c->buses |= 1U << rn(r, 32);
            break;
        case 5:
            c->reserved[rn(r, 2)] = 1U << rn(r, 32);
            break;
        default:
            c->rx_last = HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK;
            c->rx_first = 0;
            c->flags |= HSX_CAN_SEL_RX;
            break;
        }
    }
}

/* ---- oracles and the table ------------------------------------------------------------------- */

static bool bus_bad(const struct fz_call *c, uint32_t bus)
{
    return unit_bad(c, bus, &can_units);
}

static void pre_can_tx(struct fz_call *c)
{
    const struct hsx_can_tx *tx = (const void *)c->buf;

    if (bus_bad(c, tx->bus) || can_frame_bad(&tx->frame) || (tx->flags & ~HSX_CAN_TX_ALL) ||
        tx->reserved || tx->timeout_ms > HSX_CAN_TIMEOUT_MAX_MS)
        c->must_fail = true;
}

static void post_can_tx(struct fz_call *c)
{
    const struct hsx_can_tx *tx = (const void *)c->buf;

    if (!tx->cookie || tx->cookie > UINT32_MAX)
        unexpected(c->w, "CAN_TX: cookie %#llx", (unsigned long long)tx->cookie);
    count(&stats->can_tx);
}

static void pre_can_config(struct fz_call *c)
{
    const struct hsx_can_config *cfg = (const void *)c->buf;

    if (bus_bad(c, cfg->bus) || cfg->bitrate > HSX_CAN_BITRATE_MAX ||
        cfg->data_bitrate > HSX_CAN_BITRATE_MAX || (cfg->mode & ~HSX_CAN_MODE_ALL) ||
        cfg->reserved[0] || cfg->reserved[1] || cfg->reserved[2] || cfg->reserved[3])
        c->must_fail = true;
}

static void pre_can_filter(struct fz_call *c)
{
    const struct hsx_can_filter *f = (const void *)c->buf;

    if (bus_bad(c, f->bus) || can_filter_bad(f))
        c->must_fail = true;
}

static void pre_can_status(struct fz_call *c)
{
    const struct hsx_can_status *st = (const void *)c->buf;

    if (bus_bad(c, st->bus) || st->reserved)
        c->must_fail = true;
}

/* The status's shape; NULL when it is right. */
static const char *status_bad(const struct hsx_can_status *st)
{
    uint32_t errs = st->status & (HSX_CAN_ST_BUS_OFF | HSX_CAN_ST_PASSIVE | HSX_CAN_ST_WARNING);

    if (st->status & ~0x3fU)
        return "unknown status bits";
    if (st->state > HSX_CAN_STATE_NONE || (st->mode & ~HSX_CAN_MODE_ALL) || st->reserved)
        return "state, mode or reserved out of range";
    if (!!(errs & HSX_CAN_ST_BUS_OFF) != (st->state == HSX_CAN_STATE_BUS_OFF) ||
        !!(errs & HSX_CAN_ST_PASSIVE) != (st->state == HSX_CAN_STATE_PASSIVE) ||
        !!(errs & HSX_CAN_ST_WARNING) != (st->state == HSX_CAN_STATE_WARNING))
        return "error bits that are not the state's";
    if (!(st->status & HSX_CAN_ST_UP) && st->state != HSX_CAN_STATE_STOPPED &&
        st->state != HSX_CAN_STATE_NONE)
        return "an interface down whose state is not STOPPED";
    if (st->state == HSX_CAN_STATE_NONE &&
        (st->bitrate || st->data_bitrate || st->mode || st->tx_errors || st->rx_errors))
        return "no controller, but bit timing, modes or error counters";
    return NULL;
}

static void post_can_status(struct fz_call *c)
{
    const struct hsx_can_status *st = (const void *)c->buf;
    const char *why = status_bad(st);

    if (why)
        unexpected(c->w, "CAN_GET_STATUS of bus %u: %s: status %#x state %u mode %#x bitrate %u",
                   st->bus, why, st->status, st->state, st->mode, st->bitrate);
}

static void pre_can_info(struct fz_call *c)
{
    const struct hsx_can_info *i = (const void *)c->buf;

    if (bus_bad(c, i->bus) || i->reserved)
        c->must_fail = true;
}

static const char *info_bad(const struct hsx_can_info *i)
{
    if (!memchr(i->ifname, '\0', sizeof(i->ifname)))
        return "a name not terminated";
    if (i->bound > 1 || i->from_dt > 1 || i->reserved)
        return "bound, from_dt or reserved out of range";
    if (!i->bound && (i->from_dt || i->mtu || i->ifindex || i->ifname[0]))
        return "not bound, but fields set";
    /* the MTU: 0 once the interface is gone, 16, 72, or more (CAN XL) */
    if (i->bound && (!i->ifname[0] || !i->ifindex || (i->mtu != 0 && i->mtu < CAN_MTU)))
        return "bound, without a name, an index or a CAN MTU";
    return NULL;
}

static void post_can_info(struct fz_call *c)
{
    const struct hsx_can_info *i = (const void *)c->buf;
    const char *why = info_bad(i);

    if (why)
        unexpected(c->w, "CAN_INFO of bus %u: %s: bound %u mtu %u ifindex %u ifname \"%.16s\"",
                   i->bus, why, i->bound, i->mtu, i->ifindex, i->ifname);
}

static void epoch_bump(void);

/* Where a worker counts its table CAN_MAPs in flight (a forked child: its parent's cell). */
static uint64_t *maps_cell(const struct fz_worker *w)
{
    return w->child ? &stats->can_child_maps[is_root][w->index] : &stats->can_maps_in_flight;
}

/*
 * Ended, whatever its outcome: judge() reaches post_can_map() only for a success on a descriptor
 * no other thread closed meanwhile, and the bus may have moved all the same. The bumps first: a
 * checker that sees the count drop sees them (quiet_since()'s order).
 */
static void end_can_map(struct fz_call *c)
{
    epoch_bump();
    epoch_bump();
    __atomic_sub_fetch(maps_cell(c->w), 1, __ATOMIC_ACQ_REL);
}

void can_child_reaped(struct fz_worker *w)
{
    uint64_t *cell = &stats->can_child_maps[is_root][w->index];

    if (!__atomic_load_n(cell, __ATOMIC_ACQUIRE))
        return;
    /* Killed in a MAP the kernel may have finished: the end it never ran. */
    epoch_bump();
    epoch_bump();
    __atomic_store_n(cell, 0, __ATOMIC_RELEASE);
}

static void pre_can_map(struct fz_call *c)
{
    const struct hsx_can_map *m = (const void *)c->buf;

    if (m->bus >= HSX_CAN_MAX_BUSES || m->reserved || !memchr(m->ifname, '\0', sizeof(m->ifname)) ||
        (m->ifname[0] && ifname_bad(m->ifname)))
        c->must_fail = true;
    /*
     * Starting: a check that spans this call judges nothing (parity kept, it may fail), nor one
     * that ends while it is in flight (end_can_map()). A forked child counts in its parent
     * worker's cell, which the parent clears after reaping it: it may be killed in the call.
     */
    __atomic_add_fetch(maps_cell(c->w), 1, __ATOMIC_ACQ_REL);
    c->end = end_can_map;
    epoch_bump();
    epoch_bump();
}

static void post_can_map(struct fz_call *c)
{
    const struct hsx_can_map *m = (const void *)c->buf;

    count(m->ifname[0] ? &stats->can_binds : &stats->can_unbinds);
}

/* Are the n bytes at p all zero? */
static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static void pre_can_periodic(struct fz_call *c)
{
    const struct hsx_can_periodic *p = (const void *)c->buf;
    bool start = p->op == HSX_CAN_PER_START;

    if (bus_bad(c, p->bus) || p->slot >= HSX_CAN_PERIODIC_MAX || p->op > HSX_CAN_PER_QUERY ||
        p->flags || p->reserved)
        c->must_fail = true;
    else if (start &&
             (p->interval_us < HSX_CAN_PERIODIC_MIN_US || p->interval_us > HSX_CAN_PERIODIC_MAX_US))
        c->must_fail = true;
    else if (!start && (p->interval_us || p->count)) /* what the op does not take is zero */
        c->must_fail = true;
    else if ((start || p->op == HSX_CAN_PER_UPDATE) && can_frame_bad(&p->frame))
        c->must_fail = true;
    else if (!start && p->op != HSX_CAN_PER_UPDATE && !all_zero(&p->frame, sizeof(p->frame)))
        c->must_fail = true;
}

static void post_can_periodic(struct fz_call *c)
{
    const struct hsx_can_periodic *p = (const void *)c->buf;

    if ((p->op == HSX_CAN_PER_STOP || p->op == HSX_CAN_PER_QUERY) && p->end > HSX_CAN_END_FAILED)
        unexpected(c->w, "CAN_PERIODIC: end %u", p->end);
}

static void post_can_watch(struct fz_call *c)
{
    const struct hsx_can_watch *w = (const void *)c->buf;

    if (w->op != HSX_CAN_WATCH_ARM && w->end != HSX_CAN_END_NONE && w->end != HSX_CAN_END_REVOKED &&
        w->end != HSX_CAN_END_GONE)
        unexpected(c->w, "CAN_WATCH: end %u", w->end);
}

static void pre_can_watch(struct fz_call *c)
{
    const struct hsx_can_watch *w = (const void *)c->buf;
    uint32_t ids = w->flags == HSX_CAN_FLT_EXT ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK;

    if (bus_bad(c, w->bus) || w->slot >= HSX_CAN_WATCH_MAX || w->op > HSX_CAN_WATCH_QUERY || w->end)
        c->must_fail = true;
    else if (w->op != HSX_CAN_WATCH_ARM && (w->flags || w->id || w->mask || w->timeout_us))
        c->must_fail = true;
    else if (w->op == HSX_CAN_WATCH_ARM &&
             ((w->flags != HSX_CAN_FLT_STD && w->flags != HSX_CAN_FLT_EXT) || (w->id & ~ids) ||
              (w->mask & ~ids) || w->timeout_us < HSX_CAN_PERIODIC_MIN_US ||
              w->timeout_us > HSX_CAN_PERIODIC_MAX_US))
        c->must_fail = true;
}

#define FRAME_FLAGS(type) (offsetof(type, frame.flags) + 1)

static const struct fz_field f_can_tx[] = {
    FLD(struct hsx_can_tx, bus, F_CBUS, 0),
    FLD(struct hsx_can_tx, timeout_ms, F_CVAL, CV_TMO),
    FLD(struct hsx_can_tx, flags, F_FLAGS, HSX_CAN_TX_ALL),
    FLD(struct hsx_can_tx, reserved, F_RES, 0),
    FLD(struct hsx_can_tx, cookie, F_OUT, 0),
    FLD(struct hsx_can_tx, frame.flags, F_CVAL, CV_FFLAGS),
    FLD(struct hsx_can_tx, frame.can_id, F_CID, FRAME_FLAGS(struct hsx_can_tx)),
    FLD(struct hsx_can_tx, frame.len, F_CLEN, FRAME_FLAGS(struct hsx_can_tx)),
    FLD(struct hsx_can_tx, frame.reserved, F_RES, 0),
    FLD(struct hsx_can_tx, frame.data, F_CDATA, 0),
};
static const struct fz_field f_can_periodic[] = {
    FLD(struct hsx_can_periodic, bus, F_CBUS, 0),
    FLD(struct hsx_can_periodic, slot, F_CVAL, CV_SLOT),
    FLD(struct hsx_can_periodic, op, F_CVAL, CV_PEROP),
    FLD(struct hsx_can_periodic, flags, F_FLAGS, 0),
    FLD(struct hsx_can_periodic, interval_us, F_CVAL, CV_IVAL),
    FLD(struct hsx_can_periodic, count, F_CVAL, CV_COUNT),
    FLD(struct hsx_can_periodic, sent, F_OUT, 0),
    FLD(struct hsx_can_periodic, failed, F_OUT, 0),
    FLD(struct hsx_can_periodic, end, F_OUT, 0),
    FLD(struct hsx_can_periodic, reserved, F_RES, 0),
    FLD(struct hsx_can_periodic, frame.flags, F_CVAL, CV_FFLAGS),
    FLD(struct hsx_can_periodic, frame.can_id, F_CID, FRAME_FLAGS(struct hsx_can_periodic)),
    FLD(struct hsx_can_periodic, frame.len, F_CLEN, FRAME_FLAGS(struct hsx_can_periodic)),
    FLD(struct hsx_can_periodic, frame.reserved, F_RES, 0),
    FLD(struct hsx_can_periodic, frame.data, F_CDATA, 0),
};
static const struct fz_field f_can_watch[] = {
    FLD(struct hsx_can_watch, bus, F_CBUS, 0),
    FLD(struct hsx_can_watch, slot, F_CVAL, CV_WSLOT),
    FLD(struct hsx_can_watch, op, F_CVAL, CV_WOP),
    FLD(struct hsx_can_watch, flags, F_CVAL, CV_WFMT),
    FLD(struct hsx_can_watch, id, F_CFID, offsetof(struct hsx_can_watch, flags) + 1),
    FLD(struct hsx_can_watch, mask, F_CFID, offsetof(struct hsx_can_watch, flags) + 1),
    FLD(struct hsx_can_watch, timeout_us, F_CVAL, CV_IVAL),
    FLD(struct hsx_can_watch, end, F_RES, 0), /* in: zero; out: HSX_CAN_END_* */
    FLD(struct hsx_can_watch, frames, F_OUT, 0),
    FLD(struct hsx_can_watch, timeouts, F_OUT, 0),
};
static const struct fz_field f_can_config[] = {
    FLD(struct hsx_can_config, bus, F_CBUS, 0),
    FLD(struct hsx_can_config, bitrate, F_CVAL, CV_BITRATE),
    FLD(struct hsx_can_config, data_bitrate, F_CVAL, CV_BITRATE),
    FLD(struct hsx_can_config, mode, F_CVAL, CV_MODE),
    FLD(struct hsx_can_config, reserved, F_RES, 0),
};
static const struct fz_field f_can_filter[] = {
    FLD(struct hsx_can_filter, bus, F_CBUS, 0),
    FLD(struct hsx_can_filter, bank, F_CVAL, CV_BANK),
    FLD(struct hsx_can_filter, flags, F_CVAL, CV_FLT),
    FLD(struct hsx_can_filter, id, F_CFID, offsetof(struct hsx_can_filter, flags) + 1),
    FLD(struct hsx_can_filter, mask, F_CFID, offsetof(struct hsx_can_filter, flags) + 1),
    FLD(struct hsx_can_filter, reserved, F_RES, 0),
};
static const struct fz_field f_can_status[] = {
    FLD(struct hsx_can_status, bus, F_CBUS, 0),
    FLD(struct hsx_can_status, status, F_OUT, 0),
    FLD(struct hsx_can_status, rx_frames, F_OUT, 0),
    FLD(struct hsx_can_status, reserved, F_RES, 0),
};
static const struct fz_field f_can_info[] = {
    FLD(struct hsx_can_info, bus, F_CBUS, 0),
    FLD(struct hsx_can_info, bound, F_OUT, 0),
    FLD(struct hsx_can_info, reserved, F_RES, 0),
    FLD(struct hsx_can_info, ifname, F_OUT, 0),
};
static const struct fz_field f_can_map[] = {
    FLD(struct hsx_can_map, bus, F_CBUS, 0),
    FLD(struct hsx_can_map, reserved, F_RES, 0),
    FLD(struct hsx_can_map, ifname, F_IFNAME, 0),
};

/* The module's node and its instances' serve every function; MAP is the admin node's. */
#define K_CAN_FN (K_CANS | KB(K_CTL))
static const struct fz_op can_ops[] = {
    {"CAN_TX", HSX_IOC_CAN_TX, K_CAN_FN, true, 0, FIELDS(f_can_tx), post_can_tx, pre_can_tx},
    {"CAN_CONFIG", HSX_IOC_CAN_CONFIG, K_CAN_FN, true, 0, FIELDS(f_can_config), NULL,
     pre_can_config},
    {"CAN_SET_FILTER", HSX_IOC_CAN_SET_FILTER, K_CAN_FN, true, 0, FIELDS(f_can_filter), NULL,
     pre_can_filter},
    {"CAN_GET_STATUS", HSX_IOC_CAN_GET_STATUS, K_CAN_FN, true, 0, FIELDS(f_can_status),
     post_can_status, pre_can_status},
    {"CAN_INFO", HSX_IOC_CAN_INFO, K_CAN_FN, true, 0, FIELDS(f_can_info), post_can_info,
     pre_can_info},
    {"CAN_PERIODIC", HSX_IOC_CAN_PERIODIC, K_CAN_FN, true, 0, FIELDS(f_can_periodic),
     post_can_periodic, pre_can_periodic},
    {"CAN_WATCH", HSX_IOC_CAN_WATCH, K_CAN_FN, true, 0, FIELDS(f_can_watch), post_can_watch,
     pre_can_watch},
    {"CAN_MAP", HSX_IOC_CAN_MAP, KB(K_CTL) | KB(K_ADMIN), true, 0, FIELDS(f_can_map), post_can_map,
     pre_can_map},
};

const struct fz_module can_module = {"can", FIELDS(can_ops)};

/* TX waits for its echo and for queue room; MAP for the bus's users and the CAN core. */
bool can_waits(unsigned long cmd)
{
    return cmd == HSX_IOC_CAN_TX || cmd == HSX_IOC_CAN_MAP;
}

/* ---- records --------------------------------------------------------------------------------- */

/* A record's shape; NULL when it is right. */
static const char *record_bad(const struct hsx_can_record *r)
{
    const struct hsx_can_frame *f = &r->frame;
    bool fd = f->flags & HSX_CAN_F_FD, rtr = f->flags & HSX_CAN_F_RTR;
    unsigned int tail = rtr ? 0 : f->len;

    if (r->bus >= HSX_CAN_MAX_BUSES || r->reserved[0] || r->reserved[1] || f->reserved[0] ||
        f->reserved[1] || r->kind > HSX_CAN_EV_TX_FAILED || f->len > HSX_CAN_DATA_MAX)
        return "bus, kind, length or reserved out of range";
    if (r->kind == HSX_CAN_EV_RX_TIMEOUT)
        return r->state >= HSX_CAN_WATCH_MAX || f->len || (f->flags & ~HSX_CAN_F_EXT) ||
                       f->can_id > (f->flags ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK) || !r->cookie ||
                       r->error || r->tx_errors || r->rx_errors
                   ? "an RX_TIMEOUT record out of shape"
                   : NULL;
    for (unsigned int i = tail < HSX_CAN_DATA_MAX ? tail : HSX_CAN_DATA_MAX; i < HSX_CAN_DATA_MAX;
         i++)
        if (f->data[i])
            return "data past the length (or in a remote request)";
    if (r->kind == HSX_CAN_EV_ERROR) {
        if (r->state > HSX_CAN_STATE_NONE || f->len != CAN_ERR_DLC || f->can_id || f->flags ||
            r->cookie || !r->error || (r->error & ~CAN_ERR_MASK) || r->tx_errors > 255 ||
            r->rx_errors > 255)
            return "an ERROR record out of shape";
        return NULL;
    }
    if (r->kind == HSX_CAN_EV_PERIODIC_END) {
        /* a job's frame: as it may send one; the slot, the reason, its counts */
        if (r->state >= HSX_CAN_PERIODIC_MAX || r->error < HSX_CAN_END_COUNT ||
            r->error > HSX_CAN_END_FAILED || r->rx_errors || can_frame_bad(f))
            return "a PERIODIC_END record out of shape";
        return NULL;
    }
    if (r->kind == HSX_CAN_EV_TX_FAILED ? !r->error || r->error > HSX_CAN_TXF_CLOSED : !!r->error)
        return "a TX_FAILED without its reason, or a reason on another record";
    if (r->state || r->tx_errors || r->rx_errors)
        return "error fields in a frame's record";
    if (f->flags & ~(HSX_CAN_F_TX | HSX_CAN_F_ESI | HSX_CAN_F_LOCAL))
        return "unknown frame flags";
    if (f->can_id > (f->flags & HSX_CAN_F_EXT ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK))
        return "an ID wider than its format";
    if (fd ? !fd_len_ok(f->len) || rtr : f->len > 8 || (f->flags & (HSX_CAN_F_BRS | HSX_CAN_F_ESI)))
        return "a length or flags not of its format";
    bool sent = r->kind == HSX_CAN_EV_TX_DONE || r->kind == HSX_CAN_EV_TX_FAILED;
    if (sent ? !r->cookie || !(f->flags & HSX_CAN_F_LOCAL) : !!r->cookie)
        return "a cookie where there is none, or a TX_DONE/_FAILED without one (or not LOCAL)";
    return NULL;
}

void can_check_record(struct fz_worker *w, const struct hsx_mbox_record *rec,
                      const unsigned char *payload)
{
    struct hsx_can_record r;
    const char *why;

    if (rec->size < sizeof(*rec) + sizeof(r)) {
        unexpected(w, "queue read: a CAN record of %u bytes", rec->size);
        return;
    }
    memcpy(&r, payload, sizeof(r));
    why = record_bad(&r);
    if (why)
        unexpected(w,
                   "queue read: CAN record: %s: bus %u kind %u id %#x len %u flags %#x error %#x",
                   why, r.bus, r.kind, r.frame.can_id, r.frame.len, r.frame.flags, r.error);
    count(&stats->can_records);
    if (r.kind == HSX_CAN_EV_ERROR)
        count(&stats->can_errors);
}

/* A netlink nest parsed into a record; which attributes came, by bit. */
struct can_nl {
    struct hsx_can_record rec;
    uint32_t present, data_len;
    bool bad_len;
};

static int can_nl_attr(const struct nlattr *a, void *data)
{
    struct can_nl *n = data;
    uint16_t type = mnl_attr_get_type(a), len = mnl_attr_get_payload_len(a);
    uint32_t v = len == 4 ? mnl_attr_get_u32(a) : 0;

    if (type > HSX_CAN_A_MAX)
        return MNL_CB_OK;
    n->present |= 1U << type;
    if (type == HSX_CAN_A_DATA) {
        n->data_len = len;
        if (len <= HSX_CAN_DATA_MAX)
            memcpy(n->rec.frame.data, mnl_attr_get_payload(a), len);
        return MNL_CB_OK;
    }
    if (type == HSX_CAN_A_COOKIE) {
        n->bad_len |= len != 8;
        n->rec.cookie = len == 8 ? mnl_attr_get_u64(a) : 0;
        return MNL_CB_OK;
    }
    n->bad_len |= type != HSX_CAN_A_PAD && len != 4;
    switch (type) {
    case HSX_CAN_A_BUS:
        n->rec.bus = v;
        break;
    case HSX_CAN_A_KIND:
        n->rec.kind = (uint8_t)(v > 255 ? 255 : v);
        break;
    case HSX_CAN_A_ID:
        n->rec.frame.can_id = v;
        break;
    case HSX_CAN_A_FLAGS:
        n->rec.frame.flags = (uint8_t)(v > 255 ? 255 : v);
        break;
    case HSX_CAN_A_LEN:
        n->rec.frame.len = (uint8_t)(v > 255 ? 255 : v);
        break;
    case HSX_CAN_A_STATE:
        n->rec.state = (uint8_t)(v > 255 ? 255 : v);
        break;
    case HSX_CAN_A_TX_ERRORS:
        n->rec.tx_errors = (uint16_t)(v > 0xffff ? 0xffff : v);
        break;
    case HSX_CAN_A_RX_ERRORS:
        n->rec.rx_errors = (uint16_t)(v > 0xffff ? 0xffff : v);
        break;
    case HSX_CAN_A_REASON:
        n->rec.error = v;
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

/* Parse a CAN nest; NULL, or why it is out of shape. */
static const char *can_nl_parse(const struct nlattr *nest, struct can_nl *n)
{
    const uint32_t need = 1U << HSX_CAN_A_BUS | 1U << HSX_CAN_A_KIND | 1U << HSX_CAN_A_ID |
                          1U << HSX_CAN_A_FLAGS | 1U << HSX_CAN_A_LEN | 1U << HSX_CAN_A_DATA;
    const uint32_t errs =
        1U << HSX_CAN_A_STATE | 1U << HSX_CAN_A_TX_ERRORS | 1U << HSX_CAN_A_RX_ERRORS;
    bool error;

    memset(n, 0, sizeof(*n));
    if (mnl_attr_parse_nested(nest, can_nl_attr, n) < 0)
        return "a CAN nest that does not parse";
    if ((n->present & need) != need || n->bad_len)
        return "a CAN nest without an attribute every event has, or one of the wrong size";
    error = n->rec.kind == HSX_CAN_EV_ERROR;
    if (error) {
        /* the class travels in HSX_CAN_A_ID; the record has it in error, and no ID */
        n->rec.error = n->rec.frame.can_id;
        n->rec.frame.can_id = 0;
    }
    if (n->data_len > HSX_CAN_DATA_MAX ||
        n->data_len != (n->rec.frame.flags & HSX_CAN_F_RTR ? 0 : n->rec.frame.len))
        return "a payload whose size is not the frame's length";
    bool end = n->rec.kind == HSX_CAN_EV_PERIODIC_END, watch = n->rec.kind == HSX_CAN_EV_RX_TIMEOUT;
    bool failed = n->rec.kind == HSX_CAN_EV_TX_FAILED;
    if (!!(n->present & 1U << HSX_CAN_A_COOKIE) !=
        (n->rec.kind == HSX_CAN_EV_TX_DONE || failed || end || watch))
        return "a cookie on an event other than TX_DONE/_FAILED, PERIODIC_END, RX_TIMEOUT, or "
               "one without";
    if (!!(n->present & 1U << HSX_CAN_A_REASON) != (failed || end))
        return "a reason on an event other than TX_FAILED or PERIODIC_END, or one without";
    /* a job's end: its slot, failed sends and reason; a watch's timeout: its slot */
    uint32_t want = error   ? errs
                    : end   ? 1U << HSX_CAN_A_STATE | 1U << HSX_CAN_A_TX_ERRORS
                    : watch ? 1U << HSX_CAN_A_STATE
                            : 0;
    if ((n->present & errs) != want)
        return "error counters or slot on an event that has none, or missing";
    return NULL;
}

void can_check_nl(struct fz_worker *w, const struct nlattr *nest)
{
    struct can_nl n;
    const char *why = can_nl_parse(nest, &n);

    if (!why)
        why = record_bad(&n.rec);
    if (why)
        unexpected(w, "netlink CAN event: %s: bus %u kind %u id %#x len %u flags %#x", why,
                   n.rec.bus, n.rec.kind, n.rec.frame.can_id, n.rec.frame.len, n.rec.frame.flags);
    count(&stats->can_nl_events);
}

/* ---- the rig: interfaces, bindings, traffic -------------------------------------------------- */

/* One rtnetlink request and its answer: 0 or an errno. */
static int rtnl_request(struct nlmsghdr *nlh)
{
    char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(8)));
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    unsigned int seq = 1, portid;
    int e = 0;
    ssize_t n;

    if (!nl)
        return errno;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        e = errno;
        mnl_socket_close(nl);
        return e;
    }
    portid = mnl_socket_get_portid(nl);
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
        e = errno;
    else if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) < 0)
        e = errno;
    else if (mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0)
        e = errno;
    mnl_socket_close(nl);
    return e;
}

/* A link message naming the interface name, or (index) giving index that name. */
static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, const char *name,
                                 int index, unsigned int up_flags, unsigned int change)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifinfomsg *ifm;

    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = index;
    ifm->ifi_flags = up_flags;
    ifm->ifi_change = change;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

/*
 * ip link add NAME up type KIND [peer name PEER]: the peer comes down (vxcan configures it
 * before it links the pair, and a vxcan end cannot come up without its peer): home_add()
 * sets it up.
 */
static int link_add(const char *name, const char *kind, const char *peer)
{
    char buf[1024] __attribute__((aligned(8)));
    struct nlmsghdr *nlh =
        link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name, 0, IFF_UP, IFF_UP);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
    if (peer) {
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        struct nlattr *p = mnl_attr_nest_start(nlh, VXCAN_INFO_PEER);
        struct ifinfomsg *pi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pi));

        pi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
        mnl_attr_nest_end(nlh, p);
        mnl_attr_nest_end(nlh, data);
    }
    mnl_attr_nest_end(nlh, info);
    count(&stats->can_links);
    return rtnl_request(nlh);
}

/* ip link del NAME */
static int link_del(const char *name)
{
    char buf[256] __attribute__((aligned(8)));

    count(&stats->can_links);
    return rtnl_request(link_msg(buf, RTM_DELLINK, 0, name, 0, 0, 0));
}

/* ip link set NAME up|down */
static int link_set(const char *name, bool up)
{
    char buf[256] __attribute__((aligned(8)));

    count(&stats->can_links);
    return rtnl_request(link_msg(buf, RTM_NEWLINK, 0, name, 0, up ? IFF_UP : 0, IFF_UP));
}

/* ip link set OLD name NEW (it must be down) */
static int link_rename(const char *old, const char *name)
{
    char buf[256] __attribute__((aligned(8)));
    int index = (int)if_nametoindex(old);

    if (!index)
        return ENODEV;
    count(&stats->can_links);
    return rtnl_request(link_msg(buf, RTM_NEWLINK, 0, name, index, 0, 0));
}

/* The name an iface chain renames bus n's interface to for a while. */
#define RENAMED_FMT "fzren%u"

/* Make a home's interface (a vxcan end: the pair), up. */
static int home_add(const struct can_home *h)
{
    switch (h->type) {
    case H_VCAN:
        return link_add(h->ifname, "vcan", NULL);
    case H_VXCAN:
    case H_VXPEER: {
        int e = link_add(can_homes[1].ifname, "vxcan", can_homes[2].ifname);
        return e ? e : link_set(can_homes[2].ifname, true);
    }
    default:
        return EOPNOTSUPP;
    }
}

static bool if_exists(const char *name)
{
    return if_nametoindex(name) != 0;
}

/*
 * Run a program, its output to /dev/null; with wait, its exit status, else its pid. It dies
 * with the thread that started it (PR_SET_PDEATHSIG), so nothing outlives the run.
 */
static int spawn(const char *const argv[], bool wait)
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (null >= 0)
            dup2(null, 0), dup2(null, 1), dup2(null, 2);
        closefrom(3);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (pid < 0 || !wait)
        return pid;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ip link set IF down; ip link set IF type can bitrate 500000; ip link set IF up */
static bool sja_up(const char *ifname)
{
    const char *down[] = {FZ_CAN_IP, "link", "set", ifname, "down", NULL};
    const char *rate[] = {FZ_CAN_IP, "link",    "set",          ifname, "type",
                          "can",     "bitrate", FZ_CAN_BITRATE, NULL};
    const char *up[] = {FZ_CAN_IP, "link", "set", ifname, "up", NULL};

    if (!if_exists(ifname))
        return false;
    spawn(down, true);
    return spawn(rate, true) == 0 && spawn(up, true) == 0;
}

/* Root, under rig_lock: every cangen whose interface is there runs. */
static void traffic_restart(void)
{
    for (size_t i = 0; i < sizeof(traffic) / sizeof(traffic[0]); i++) {
        struct can_traffic *t = &traffic[i];
        const char *argv[] = {"/usr/bin/cangen",    t->ifname, "-g", t->gap_ms, "-i",
                              t->mix ? "-m" : NULL, NULL};

        if (t->pid > 0 && waitpid(t->pid, NULL, WNOHANG) == t->pid)
            t->pid = 0;
        if (t->pid <= 0 && if_exists(t->ifname) && (strcmp(t->ifname, "can1") || have_sja))
            t->pid = spawn(argv, false);
    }
}

static void traffic_stop(void)
{
    for (size_t i = 0; i < sizeof(traffic) / sizeof(traffic[0]); i++)
        if (traffic[i].pid > 0) {
            kill(traffic[i].pid, SIGTERM);
            waitpid(traffic[i].pid, NULL, 0);
            traffic[i].pid = 0;
        }
}

/* ---- calls ----------------------------------------------------------------------------------- */

static int can_call(struct fz_worker *w, int fd, unsigned long cmd, void *arg, const char *what,
                    unsigned int bus)
{
    return chain_call(w, fd, cmd, arg, what, "bus", bus);
}

static int can_map(struct fz_worker *w, int ctl, unsigned int bus, const char *ifname)
{
    struct hsx_can_map m = {.bus = bus};
    int e;

    snprintf(m.ifname, sizeof(m.ifname), "%s", ifname);
    e = can_call(w, ctl, HSX_IOC_CAN_MAP, &m, ifname[0] ? "CAN_MAP bind" : "CAN_MAP unbind", bus);
    if (!e)
        count(ifname[0] ? &stats->can_binds : &stats->can_unbinds);
    return e;
}

static int can_info(struct fz_worker *w, int fd, unsigned int bus, struct hsx_can_info *info)
{
    int e;

    memset(info, 0, sizeof(*info));
    info->bus = bus;
    e = can_call(w, fd, HSX_IOC_CAN_INFO, info, "CAN_INFO", bus);
    if (!e && info_bad(info))
        unexpected(w, "CAN_INFO of bus %u: %s", bus, info_bad(info));
    return e;
}

static int can_tx(struct fz_worker *w, int fd, unsigned int bus, const struct hsx_can_frame *f,
                  uint32_t flags, uint32_t timeout_ms, uint64_t *cookie)
{
    struct hsx_can_tx tx = {.bus = bus, .timeout_ms = timeout_ms, .flags = flags, .frame = *f};
    int e = can_call(w, fd, HSX_IOC_CAN_TX, &tx, flags ? "CAN_TX nowait" : "CAN_TX", bus);

    if (!e) {
        if (!tx.cookie || tx.cookie > UINT32_MAX)
            unexpected(w, "CAN_TX: cookie %#llx", (unsigned long long)tx.cookie);
        count(&stats->can_tx);
    }
    if (cookie)
        *cookie = e ? 0 : tx.cookie;
    return e;
}

static int can_status(struct fz_worker *w, int fd, unsigned int bus, struct hsx_can_status *st)
{
    int e;

    memset(st, 0, sizeof(*st));
    st->bus = bus;
    e = can_call(w, fd, HSX_IOC_CAN_GET_STATUS, st, "CAN_GET_STATUS", bus);
    if (!e && status_bad(st))
        unexpected(w, "CAN_GET_STATUS of bus %u: %s: status %#x state %u", bus, status_bad(st),
                   st->status, st->state);
    return e;
}

static bool can_bound(struct fz_worker *w, int ctl, unsigned int bus, char *ifname, size_t len)
{
    struct hsx_can_info info;

    if (can_info(w, ctl, bus, &info) || !info.bound)
        return false;
    snprintf(ifname, len, "%s", info.ifname);
    return true;
}

static const struct fz_binder can_binder = {HSX_CAN_MAX_BUSES, can_bound, can_map};

/* Root: the rig's buses back on their interfaces, the interfaces there and up, traffic on. */
static void can_rebind_locked(struct fz_worker *w)
{
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);

    if (ctl < 0)
        return;
    for (unsigned int b = 0; b < can_units.homes; b++) {
        const struct can_home *h = &can_homes[b];

        if (h->type != H_SJA && !if_exists(h->ifname))
            home_add(h);
        if (h->type != H_SJA)
            link_set(h->ifname, true);
        rebind_unit(w, ctl, &can_binder, b, h->ifname);
    }
    close(ctl);
    traffic_restart();
}

static void epoch_bump(void)
{
    __atomic_fetch_add(&stats->can_epoch, 1, __ATOMIC_ACQ_REL);
}

/* A table CAN_MAP under way, of either process or of a forked child? */
static bool maps_in_flight(void)
{
    if (__atomic_load_n(&stats->can_maps_in_flight, __ATOMIC_ACQUIRE))
        return true;
    for (unsigned int p = 0; p < 2; p++)
        for (unsigned int i = 0; i < FZ_THREADS_MAX; i++)
            if (__atomic_load_n(&stats->can_child_maps[p][i], __ATOMIC_ACQUIRE))
                return true;
    return false;
}

/*
 * Was nothing changed in the rig since epoch e (taken when nothing was in progress)? The count
 * of MAPs in flight before the epoch: a MAP's end bumps the epoch before it drops the count, so
 * one that ended after the count was read has changed the epoch by the time it is read.
 */
static bool quiet_since(uint64_t e)
{
    return !(e & 1) && !maps_in_flight() && can_epoch() == e;
}

/*
 * can_epoch() for a chain that counts what bus receives, if the bus is on
 * its home interface now (a table MAP may have moved it: its frames are
 * then injected where the bus is not); else an odd number, which
 * quiet_since() never takes.
 */
static uint64_t home_epoch(struct fz_worker *w, unsigned int bus)
{
    uint64_t epoch = can_epoch();
    char ifname[HSX_CAN_IFNAME_MAX];
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);
    bool home = ctl >= 0 && can_bound(w, ctl, bus, ifname, sizeof(ifname)) &&
                !strcmp(ifname, can_homes[bus].ifname);

    if (ctl >= 0)
        close(ctl);
    return home ? epoch : epoch | 1;
}

static void can_rebind(struct fz_worker *w)
{
    pthread_mutex_lock(&rig_lock);
    epoch_bump();
    can_rebind_locked(w);
    epoch_bump();
    pthread_mutex_unlock(&rig_lock);
}

/* ---- frames and subscriptions of chains ------------------------------------------------------ */

/* Frames a chain sends carry a mark: its nonce and their number, in the first 8 bytes. */
#define MARK0 0xf2
#define MARK1 0xc4

static uint32_t new_nonce(void)
{
    static uint32_t n;

    return (uint32_t)getpid() << 16 | (__atomic_add_fetch(&n, 1, __ATOMIC_RELAXED) & 0xffff);
}

static void mark(struct hsx_can_frame *f, uint32_t nonce, uint8_t seq)
{
    f->data[0] = MARK0;
    f->data[1] = MARK1;
    memcpy(f->data + 2, &nonce, sizeof(nonce));
    f->data[6] = seq;
    f->data[7] = (uint8_t)~seq;
}

/* The number a frame of this nonce carries, or -1. */
static int marked(const struct hsx_can_frame *f, uint32_t nonce)
{
    uint32_t n;

    if ((f->flags & HSX_CAN_F_RTR) || f->len < 8 || f->data[0] != MARK0 || f->data[1] != MARK1 ||
        (uint8_t)(f->data[7] ^ f->data[6]) != 0xff)
        return -1;
    memcpy(&n, f->data + 2, sizeof(n));
    return n == nonce ? f->data[6] : -1;
}

/* A valid frame that can carry a mark (8 bytes or more; classic only on a classic bus). */
static void markable_frame(struct fz_rng *r, struct hsx_can_frame *f, bool classic)
{
    memset(f, 0, sizeof(*f));
    f->flags = chance(r, 40) ? HSX_CAN_F_EXT : 0;
    if (!classic && chance(r, 40))
        f->flags |= HSX_CAN_F_FD | (chance(r, 50) ? HSX_CAN_F_BRS : 0);
    f->can_id = gen_id(r, f->flags & HSX_CAN_F_EXT);
    f->len = f->flags & HSX_CAN_F_FD ? fd_lens[8 + rn(r, 8)] : 8;
    for (unsigned int i = 8; i < f->len; i++)
        f->data[i] = (uint8_t)rnd(r);
}

static bool same_frame(const struct hsx_can_frame *a, const struct hsx_can_frame *b)
{
    return a->can_id == b->can_id &&
           (a->flags & ~HSX_CAN_F_LOCAL) == (b->flags & ~HSX_CAN_F_LOCAL) && a->len == b->len &&
           !memcmp(a->data, b->data, a->len);
}

/* A private file for a bus: the bus's instance node, or the module's. */
static int can_open(struct fz_rng *r, unsigned int bus)
{
    char path[64];
    int fd = -1;

    if (chance(r, 50)) {
        snprintf(path, sizeof(path), "/dev/" HSX_DEV_CAN "%u", bus);
        fd = open(path, O_RDWR | O_CLOEXEC);
    }
    return fd >= 0 ? fd : open("/dev/" HSX_DEV_CAN, O_RDWR | O_CLOEXEC);
}

/* A queue-file subscription of a chain, read record by record. */
struct can_sub {
    int q;
    unsigned int bus;
    bool err;         /* hal:can:<n>:err */
    bool spec;        /* hal:can:rx */
    uint32_t closed;  /* the close notice's reason, once read */
    bool lossy;       /* events were dropped for it */
    const char *name; /* for reports */
    char buf[HSX_MBOX_NAME_MAX];
    uint64_t seq, ts; /* the last record's */
};

static bool can_subscribe(struct fz_worker *w, int fd, struct can_sub *s, unsigned int bus,
                          int kind, uint32_t qlen)
{
    struct hsx_mbox_open mo = {.queue_len = qlen, .flags = HSX_MBOX_O_NONBLOCK};
    int e;

    memset(s, 0, sizeof(*s));
    s->err = kind == 1;
    s->spec = kind == 2;
    s->bus = s->spec ? 0 : bus; /* hal:can:rx is bus 0's */
    snprintf(s->buf, sizeof(s->buf),
             s->spec  ? HSX_MBOX_CAN_RX
             : s->err ? HSX_MBOX_CAN_ERR_FMT
                      : HSX_MBOX_CAN_RX_FMT,
             bus);
    s->name = s->buf;
    snprintf(mo.name, sizeof(mo.name), "%s", s->name);
    s->q = ioctl(fd, HSX_IOC_MBOX_OPEN, &mo);
    e = s->q < 0 ? errno : 0;
    count_errno(e);
    note(w, "chain: MBOX_OPEN(fd %d, %s) = %d%s%s", fd, s->name, s->q, e ? " " : "",
         e ? strerror(e) : "");
    if (e && !is_documented(e))
        unexpected(w, "MBOX_OPEN %s: %s", s->name, strerror(e));
    return s->q >= 0;
}

/*
 * Read a subscription for up to ms, or until fn says it has all it waits for: each record
 * checked for shape and for the mailbox it came from, then handed to fn.
 */
static void can_sub_read(struct fz_worker *w, struct can_sub *s, int ms,
                         bool (*fn)(void *arg, const struct hsx_can_record *r), void *arg)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX * 16];
    uint64_t end = now_ns() + (uint64_t)ms * 1000000ULL;
    bool done = false;

    while (s->q >= 0 && !s->closed && !done) {
        uint64_t t = now_ns();
        struct pollfd p = {.fd = s->q, .events = POLLIN};
        ssize_t n, off;

        if (t >= end || poll(&p, 1, (int)((end - t) / 1000000ULL)) != 1)
            return;
        n = read(s->q, buf, sizeof(buf));
        count_errno(n < 0 ? errno : 0);
        if (n <= 0)
            return;
        check_records(w, buf, n, &s->closed);
        for (off = 0; off + (ssize_t)sizeof(struct hsx_mbox_record) <= n;) {
            struct hsx_mbox_record h;
            struct hsx_can_record r;
            memcpy(&h, buf + off, sizeof(h));
            if (h.size < sizeof(h) || off + h.size > n)
                break;
            off += h.size;
            if (h.dropped || h.dropped_total)
                s->lossy = true;
            if (h.type != HSX_EVT_DATA || h.module != HSX_MODULE_CAN ||
                h.size < sizeof(h) + sizeof(r))
                continue;
            /*
             * Sequence numbers: an rx mailbox's count the events meant for this subscriber,
             * from 1, so a gap is exactly what it lost (the err mailbox's count every event,
             * others' close notices too). Timestamps never go back.
             */
            if (!s->err && h.seq != s->seq + 1 + h.dropped)
                unexpected(w, "%s (mailbox %u): record seq %llu after %llu with %u dropped",
                           s->name, h.mbox_id, (unsigned long long)h.seq,
                           (unsigned long long)s->seq, h.dropped);
            if (h.timestamp_ns < s->ts)
                unexpected(w, "%s: record at %llu ns after one at %llu ns", s->name,
                           (unsigned long long)h.timestamp_ns, (unsigned long long)s->ts);
            s->seq = h.seq;
            s->ts = h.timestamp_ns;
            memcpy(&r, buf + off - h.size + sizeof(h), sizeof(r));
            if (r.bus != s->bus || (s->err != (r.kind == HSX_CAN_EV_ERROR)) ||
                (s->spec && r.kind == HSX_CAN_EV_TX_DONE))
                unexpected(w, "%s: a record of bus %u kind %u", s->name, r.bus, r.kind);
            /* (what the read returned is all judged, even once fn has what it waits for) */
            if (fn && !done)
                done = fn(arg, &r);
        }
    }
}

static void can_sub_close(struct can_sub *s)
{
    if (s->q >= 0)
        close(s->q);
    s->q = -1;
}

/* A raw CAN socket that sends on ifname and receives nothing; -1 without one. */
static int raw_open(const char *ifname)
{
    struct sockaddr_can a = {.can_family = AF_CAN, .can_ifindex = (int)if_nametoindex(ifname)};
    int s = socket(PF_CAN, SOCK_RAW | SOCK_CLOEXEC, CAN_RAW), on = 1;

    if (s < 0)
        return -1;
    setsockopt(s, SOL_CAN_RAW, CAN_RAW_FILTER, NULL, 0);
    setsockopt(s, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, &on, sizeof(on));
    if (!a.can_ifindex || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(s);
        return -1;
    }
    return s;
}

/* Send a frame (or an error frame: class, 8 detail bytes) on a raw socket: 0 or an errno. */
static int raw_send(int s, const struct hsx_can_frame *f, uint32_t err_class)
{
    struct canfd_frame cf = {0};
    size_t size = f->flags & HSX_CAN_F_FD ? CANFD_MTU : CAN_MTU;

    cf.can_id = err_class ? CAN_ERR_FLAG | err_class : f->can_id;
    if (!err_class && (f->flags & HSX_CAN_F_EXT))
        cf.can_id |= CAN_EFF_FLAG;
    if (!err_class && (f->flags & HSX_CAN_F_RTR))
        cf.can_id |= CAN_RTR_FLAG;
    cf.len = err_class ? CAN_ERR_DLC : f->len;
    cf.flags = f->flags & HSX_CAN_F_BRS ? CANFD_BRS : 0;
    memcpy(cf.data, f->data, cf.len);
    return send(s, &cf, err_class ? CAN_MTU : size, MSG_DONTWAIT) < 0 ? errno : 0;
}

/* ---- chain: TX, its echo and TX_DONE --------------------------------------------------------- */

#define TX_MAX 16

struct tx_chain {
    struct fz_worker *w;
    struct can_sub *s;
    uint32_t nonce;
    unsigned int n, seen;
    uint64_t cookie[TX_MAX];
    bool nowait[TX_MAX], got[TX_MAX];
    uint64_t sent_ns[TX_MAX]; /* before the TX */
    uint32_t timeout_ms[TX_MAX];
    struct hsx_can_frame frame[TX_MAX];
    bool unknown; /* a frame that may still go out (ETIMEDOUT, EINTR): its TX_DONE may come */
    uint32_t iface_failed; /* a TX_FAILED's reason, for the interface's sake (DOWN, GONE) */
    uint64_t iface_cookie; /* its frame */
};

/*
 * A TX_FAILED for frame @i. Its timeout is a deadline in jiffies taken inside the TX, and a
 * CPU's jiffies may lag the clock by a few ticks (a guest's CPU that does not keep time, under
 * TCG): 30 ms of slack is 3 ticks at HZ=100. This reader reads after the post.
 */
static void tx_failed_judge(struct tx_chain *t, unsigned int i, const struct hsx_can_record *r)
{
    uint64_t waited_ms = (now_ns() - t->sent_ns[i]) / 1000000;

    note(t->w, "chain: %s: TX_FAILED of cookie %llu, reason %u, %llu ms after its TX (timeout %u)",
         t->s->name, (unsigned long long)r->cookie, r->error, (unsigned long long)waited_ms,
         t->timeout_ms[i]);
    switch (r->error) {
    case HSX_CAN_TXF_TIMEOUT:
        count(&stats->can_tx_timeouts);
        if (waited_ms + 30 < t->timeout_ms[i])
            unexpected(t->w, "%s: TX_FAILED (timeout) of cookie %llu after %llu ms of %u",
                       t->s->name, (unsigned long long)r->cookie, (unsigned long long)waited_ms,
                       t->timeout_ms[i]);
        break;
    case HSX_CAN_TXF_CLOSED:
        unexpected(t->w, "%s: TX_FAILED (closed) of cookie %llu on a file still open", t->s->name,
                   (unsigned long long)r->cookie);
        break;
    case HSX_CAN_TXF_BUS_OFF:
        break; /* any process's error frames (the nl chain's) may put the bus off */
    default:   /* DOWN, GONE (the record's check refuses other reasons): by quiet_since() */
        t->iface_failed = t->iface_failed ?: r->error;
        t->iface_cookie = r->cookie;
        break;
    }
}

static bool tx_record(void *arg, const struct hsx_can_record *r)
{
    struct tx_chain *t = arg;
    unsigned int i;

    if (r->kind == HSX_CAN_EV_FRAME && marked(&r->frame, t->nonce) >= 0)
        unexpected(t->w, "%s: a frame this file sent came back as a FRAME (id %#x)", t->s->name,
                   r->frame.can_id);
    if (r->kind != HSX_CAN_EV_TX_DONE && r->kind != HSX_CAN_EV_TX_FAILED)
        return false;
    /*
     * A NOWAIT frame's one record: TX_DONE, or TX_FAILED when its echo did not come in time (a
     * debug kernel under TCG can take longer than 20 ms) or its interface went (not while quiet).
     */
    const char *what = r->kind == HSX_CAN_EV_TX_DONE ? "TX_DONE" : "TX_FAILED";
    count(r->kind == HSX_CAN_EV_TX_DONE ? &stats->can_tx_done : &stats->can_tx_failed);
    for (i = 0; i < t->n && t->cookie[i] != r->cookie; i++)
        ;
    if (i == t->n) {
        if (!t->unknown)
            unexpected(t->w, "%s: a %s of cookie %llu, which this file never sent", t->s->name,
                       what, (unsigned long long)r->cookie);
    } else if (!t->nowait[i]) {
        unexpected(t->w, "%s: a %s of cookie %llu, whose TX waited for its echo", t->s->name, what,
                   (unsigned long long)r->cookie);
    } else if (t->got[i]) {
        unexpected(t->w, "%s: a second record (%s) of cookie %llu", t->s->name, what,
                   (unsigned long long)r->cookie);
    } else {
        t->got[i] = true;
        t->seen++;
        if (!same_frame(&r->frame, &t->frame[i]))
            unexpected(t->w, "%s: %s of cookie %llu: id %#x len %u flags %#x, sent %#x/%u/%#x",
                       t->s->name, what, (unsigned long long)r->cookie, r->frame.can_id,
                       r->frame.len, r->frame.flags, t->frame[i].can_id, t->frame[i].len,
                       t->frame[i].flags);
        if (r->kind == HSX_CAN_EV_TX_FAILED)
            tx_failed_judge(t, i, r);
    }
    return false;
}

static bool tx_all_seen(void *arg, const struct hsx_can_record *r)
{
    struct tx_chain *t = arg;
    unsigned int want = 0;

    tx_record(arg, r);
    for (unsigned int i = 0; i < t->n; i++)
        want += t->nowait[i] && t->cookie[i];
    return t->seen >= want;
}

static void chain_can_tx(struct fz_worker *w, struct fz_rng *r)
{
    unsigned int bus = rn(r, can_units.homes);
    int fd = can_open(r, bus);
    uint64_t epoch = home_epoch(w, bus), last = 0;
    struct can_sub s;
    struct tx_chain t = {.w = w, .s = &s, .nonce = new_nonce()};
    bool subscribed, all = true;

    if (fd < 0)
        return;
    subscribed = can_subscribe(w, fd, &s, bus, bus == 0 && chance(r, 25) ? 2 : 0, 64);
    t.n = 1 + rn(r, TX_MAX);
    /* The file's job: its frames are marked past the TXs' numbers, its echoes no TX_DONE. */
    struct hsx_can_periodic job = {.bus = bus, .op = HSX_CAN_PER_START, .interval_us = 1000};
    bool jobbed = chance(r, 40);
    if (jobbed) {
        job.count = rn(r, 2) ? 0 : 1 + rn(r, 20);
        markable_frame(r, &job.frame, bus_classic(bus));
        mark(&job.frame, t.nonce, TX_MAX);
        jobbed = !can_call(w, fd, HSX_IOC_CAN_PERIODIC, &job, "CAN_PERIODIC start", bus);
    }
    for (unsigned int i = 0; i < t.n; i++) {
        int e;
        t.nowait[i] = chance(r, 70);
        markable_frame(r, &t.frame[i], bus_classic(bus));
        mark(&t.frame[i], t.nonce, (uint8_t)i);
        t.timeout_ms[i] = 20 + rn(r, 200);
        t.sent_ns[i] = now_ns();
        e = can_tx(w, fd, bus, &t.frame[i], t.nowait[i] ? HSX_CAN_TX_NOWAIT : 0, t.timeout_ms[i],
                   &t.cookie[i]);
        if (!e && t.cookie[i] <= last)
            unexpected(w, "CAN_TX: cookie %llu after %llu on the same file",
                       (unsigned long long)t.cookie[i], (unsigned long long)last);
        last = e ? last : t.cookie[i];
        t.unknown |= e == ETIMEDOUT || e == EINTR;
    }
    if (subscribed) {
        unsigned int want = 0;
        for (unsigned int i = 0; i < t.n; i++)
            want += t.nowait[i] && t.cookie[i];
        /* A liveness bound only (FZ_LIVENESS_MS). */
        if (want && !s.spec)
            can_sub_read(w, &s, FZ_LIVENESS_MS, tx_all_seen, &t);
        /*
         * Nothing more of its own: a TX that waited returned after its echo, which queues any
         * TX_DONE it (wrongly) made, so a short look is enough either way.
         */
        can_sub_read(w, &s, 5, tx_record, &t);
        if (!s.spec && t.iface_failed && quiet_since(epoch))
            unexpected(w,
                       "%s: TX_FAILED (reason %u) of cookie %llu while the interface was left "
                       "alone",
                       s.name, t.iface_failed, (unsigned long long)t.iface_cookie);
        if (is_root && !s.lossy && !s.closed && !s.spec && quiet_since(epoch)) {
            count(&stats->can_checked);
            for (unsigned int i = 0; i < t.n; i++)
                if (t.nowait[i] && t.cookie[i] && !t.got[i] && all) {
                    unexpected(w, "%s: no TX_DONE or TX_FAILED of cookie %llu (NOWAIT) within %d s",
                               s.name, (unsigned long long)t.cookie[i], FZ_LIVENESS_MS / 1000);
                    all = false;
                }
        }
        can_sub_close(&s);
    }
    if (jobbed) {
        job.op = HSX_CAN_PER_STOP;
        can_call(w, fd, HSX_IOC_CAN_PERIODIC, &job, "CAN_PERIODIC stop", bus);
    }
    close(fd);
}

/* ---- chain: filter banks --------------------------------------------------------------------- */

#define FLT_FRAMES 24

struct flt_chain {
    struct fz_worker *w;
    struct can_sub *s;
    uint32_t nonce;
    struct hsx_can_filter banks[HSX_CAN_FILTERS], old[HSX_CAN_FILTERS];
    unsigned int round, n;
    struct hsx_can_frame frame[FLT_FRAMES];
    bool sent[FLT_FRAMES], got[FLT_FRAMES];
};

static bool flt_record(void *arg, const struct hsx_can_record *r)
{
    struct flt_chain *t = arg;
    int i = r->kind == HSX_CAN_EV_FRAME ? marked(&r->frame, t->nonce) : -1;

    if (r->kind == HSX_CAN_EV_TX_DONE)
        unexpected(t->w, "%s: a TX_DONE on a file that sent nothing", t->s->name);
    if (r->kind != HSX_CAN_EV_FRAME)
        return false;
    if (i >= 0 && i < FLT_FRAMES) {
        /* a frame of this round: by the banks it was sent under */
        if (!banks_pass(t->banks, &r->frame))
            unexpected(t->w, "%s: frame %d (id %#x flags %#x) passes none of the file's banks",
                       t->s->name, i, r->frame.can_id, r->frame.flags);
        t->got[i] = true;
    } else if (!banks_pass(t->banks, &r->frame) && !(t->round && banks_pass(t->old, &r->frame))) {
        /* another's: by the banks now, or the ones before while the change settles */
        unexpected(t->w, "%s: a frame (id %#x flags %#x) that passes none of the file's banks",
                   t->s->name, r->frame.can_id, r->frame.flags);
    }
    return false;
}

/* Frames sent this round that pass the file's banks and have not come yet. */
static unsigned int flt_missing(const struct flt_chain *t)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < t->n; i++)
        n += t->sent[i] && banks_pass(t->banks, &t->frame[i]) && !t->got[i];
    return n;
}

static bool flt_all_seen(void *arg, const struct hsx_can_record *r)
{
    flt_record(arg, r);
    return !flt_missing(arg);
}

/*
 * Read this round's frames: until every one the banks pass has come (5 s at most, a liveness
 * bound under TCG), then a short look for a stray one; a round the banks pass nothing of
 * looks longer (50 ms: frames that must not come). Frames of one sender on one bus arrive in
 * order, so once the last expected one is in, an earlier stray would be in too.
 */
static void flt_read(struct fz_worker *w, struct flt_chain *t)
{
    bool want = flt_missing(t) > 0;

    if (want)
        can_sub_read(w, t->s, FZ_LIVENESS_MS, flt_all_seen, t);
    can_sub_read(w, t->s, want ? 5 : 50, flt_record, t);
}

/* A bank that makes sense: a mask, an ID under it, perhaps one format. */
static void gen_bank(struct fz_rng *r, struct hsx_can_filter *f, unsigned int bus)
{
    static const uint32_t masks[] = {HSX_CAN_SFF_MASK, 0x7f0,     0x700, 0,
                                     HSX_CAN_EFF_MASK, 0x1ffff000};
    uint32_t k = rn(r, 100);

    memset(f, 0, sizeof(*f));
    f->bus = bus;
    f->bank = rn(r, HSX_CAN_FILTERS);
    f->flags = HSX_CAN_FLT_ON | (k < 30 ? HSX_CAN_FLT_STD : k < 50 ? HSX_CAN_FLT_EXT : 0);
    f->mask = chance(r, 80) ? masks[rn(r, 6)] : (uint32_t)rnd(r) & HSX_CAN_EFF_MASK;
    f->id = gen_id(r, (f->flags & HSX_CAN_FLT_EXT) || chance(r, 30));
}

/* Banks the ABI refuses: each must fail with EINVAL (or be denied before it is read). */
static void flt_refused(struct fz_worker *w, struct fz_rng *r, int fd, unsigned int bus)
{
    struct hsx_can_filter f;
    int e;

    gen_bank(r, &f, bus);
    switch (rn(r, 5)) {
    case 0: /* off, with values */
        f.flags = 0;
        f.id |= 1;
        break;
    case 1:
        f.bank = HSX_CAN_FILTERS + rn(r, 3);
        break;
    case 2:
        f.flags = HSX_CAN_FLT_ALL;
        break;
    case 3:
        f.mask = HSX_CAN_EFF_MASK + 1;
        break;
    default:
        f.reserved[rn(r, 3)] = 1;
        break;
    }
    e = can_call(w, fd, HSX_IOC_CAN_SET_FILTER, &f, "CAN_SET_FILTER (refused)", bus);
    /* the dispatcher checks READ first: a file without it is denied before the bank is read */
    if (e != EINVAL && !(e == EACCES || e == EPERM || e == EKEYREVOKED || e == EKEYEXPIRED))
        unexpected(w, "CAN_SET_FILTER of bank %u flags %#x id %#x mask %#x: %s, not EINVAL", f.bank,
                   f.flags, f.id, f.mask, e ? strerror(e) : "success");
}

/* Send this round's frames from fd: half chosen to pass one of the banks. */
static void flt_send(struct fz_worker *w, struct fz_rng *r, struct flt_chain *t, int fd,
                     unsigned int bus, unsigned int n)
{
    t->n = n;
    for (unsigned int i = 0; i < n; i++) {
        struct hsx_can_frame *f = &t->frame[i];
        const struct hsx_can_filter *b = &t->banks[rn(r, HSX_CAN_FILTERS)];

        markable_frame(r, f, bus_classic(bus));
        if (chance(r, 50) && (b->flags & HSX_CAN_FLT_ON)) {
            bool ext = (b->flags & HSX_CAN_FLT_EXT) ||
                       (!(b->flags & HSX_CAN_FLT_STD) && (f->flags & HSX_CAN_F_EXT));
            uint32_t max = ext ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK;
            f->flags = (uint8_t)((f->flags & ~HSX_CAN_F_EXT) | (ext ? HSX_CAN_F_EXT : 0));
            f->can_id = ((b->id & b->mask) | ((uint32_t)rnd(r) & ~b->mask)) & max;
        }
        mark(f, t->nonce, (uint8_t)i);
        t->got[i] = false;
        t->sent[i] = can_tx(w, fd, bus, f, 0, 200, NULL) == 0;
    }
}

static void flt_expect(struct fz_worker *w, struct flt_chain *t, unsigned int n, uint64_t epoch)
{
    if (!is_root || t->s->lossy || t->s->closed || !quiet_since(epoch))
        return;
    count(&stats->can_checked);
    for (unsigned int i = 0; i < n; i++)
        if (t->sent[i] && banks_pass(t->banks, &t->frame[i]) && !t->got[i]) {
            unexpected(w, "%s: frame %u (id %#x flags %#x) passes the file's banks, never came",
                       t->s->name, i, t->frame[i].can_id, t->frame[i].flags);
            return;
        }
}

static void chain_can_filter(struct fz_worker *w, struct fz_rng *r)
{
    unsigned int bus = rn(r, can_units.homes), n = 4 + rn(r, FLT_FRAMES - 4);
    int fd = can_open(r, bus), sender = open("/dev/" HSX_DEV_CAN, O_RDWR | O_CLOEXEC);
    struct flt_chain *t = calloc(1, sizeof(*t));
    uint64_t epoch = home_epoch(w, bus);
    struct can_sub s;

    if (fd < 0 || sender < 0 || !t)
        goto out;
    t->w = w;
    t->s = &s;
    t->nonce = new_nonce();
    for (unsigned int k = 1 + rn(r, 4); k; k--) {
        struct hsx_can_filter f;
        int e;
        gen_bank(r, &f, bus);
        e = can_call(w, fd, HSX_IOC_CAN_SET_FILTER, &f, "CAN_SET_FILTER", bus);
        if (!e)
            t->banks[f.bank] = f;
        else if (e == EINVAL)
            unexpected(w, "CAN_SET_FILTER of a valid bank %u (flags %#x id %#x mask %#x): EINVAL",
                       f.bank, f.flags, f.id, f.mask);
    }
    if (chance(r, 40))
        flt_refused(w, r, fd, bus);
    if (!can_subscribe(w, fd, &s, bus, bus == 0 && chance(r, 25) ? 2 : 0, 128))
        goto out;
    flt_send(w, r, t, sender, bus, n);
    flt_read(w, t);
    flt_expect(w, t, n, epoch);
    if (chance(r, 50) && !s.closed) {
        /* the banks change under the subscription: one off, or another on */
        struct hsx_can_filter f;
        memcpy(t->old, t->banks, sizeof(t->old));
        gen_bank(r, &f, bus);
        if (chance(r, 50)) {
            f.flags = f.id = f.mask = 0;
        }
        if (can_call(w, fd, HSX_IOC_CAN_SET_FILTER, &f, "CAN_SET_FILTER", bus) == 0) {
            t->banks[f.bank] = f;
            t->round = 1;
            t->nonce = new_nonce();
            epoch = home_epoch(w, bus);
            flt_send(w, r, t, sender, bus, n);
            flt_read(w, t);
            flt_expect(w, t, n, epoch);
        }
    }
    can_sub_close(&s);
out:
    if (fd >= 0)
        close(fd);
    if (sender >= 0)
        close(sender);
    free(t);
}

/* ---- chain: netlink subscriptions, raw frames and error frames ------------------------------- */

/* Error frames a local program sends are numbered from here (the others from 0). */
#define ERR_LOCAL_SEQ 100

struct nl_chain {
    struct fz_worker *w;
    const char *name;
    unsigned int bus;
    bool err, banked;
    bool late; /* its file sent a frame that may still go (ETIMEDOUT): a TX_DONE may come */
    struct hsx_can_filter banks[HSX_CAN_FILTERS];
    uint32_t id, nonce, closed;
    unsigned int frames, errors;
    bool lossy;
};

static void nl_chain_event(void *arg, const struct fz_nl_event *ev)
{
    struct nl_chain *t = arg;
    struct can_nl n;

    if (!ev->type) {
        t->lossy = true;
        return;
    }
    if (ev->mbox_id != t->id)
        unexpected(t->w, "%s: an event of mailbox %u, subscribed to %u", t->name, ev->mbox_id,
                   t->id);
    if (ev->dropped_total)
        t->lossy = true;
    if (ev->type == HSX_EVT_CLOSED) {
        t->closed = ev->close_reason;
        return;
    }
    if (!ev->can || can_nl_parse(ev->can, &n))
        return; /* judged by nl_datagram() */
    if (n.rec.bus != t->bus || t->err != (n.rec.kind == HSX_CAN_EV_ERROR) ||
        (n.rec.kind == HSX_CAN_EV_TX_DONE && !t->late))
        unexpected(t->w, "%s: an event of bus %u kind %u", t->name, n.rec.bus, n.rec.kind);
    if (n.rec.kind == HSX_CAN_EV_FRAME && t->banked && !banks_pass(t->banks, &n.rec.frame))
        unexpected(t->w, "%s: a frame (id %#x) that passes none of its file's banks", t->name,
                   n.rec.frame.can_id);
    if (n.rec.kind == HSX_CAN_EV_FRAME && marked(&n.rec.frame, t->nonce) >= 0)
        t->frames++;
    if (n.rec.kind == HSX_CAN_EV_ERROR && n.rec.frame.data[0] == MARK0 &&
        !memcmp(n.rec.frame.data + 2, &t->nonce, sizeof(t->nonce))) {
        if (n.rec.frame.data[6] >= ERR_LOCAL_SEQ)
            unexpected(t->w, "%s: an error frame a local program sent (class %#x) arrived", t->name,
                       n.rec.error);
        t->errors++;
    }
}

/* Inject n frames (or error frames) through a raw socket on ifname; how many went. */
static unsigned int nl_inject(struct fz_rng *r, struct nl_chain *t, const char *ifname,
                              unsigned int n, bool errors, unsigned int seq0)
{
    int s = raw_open(ifname);
    unsigned int sent = 0;

    for (unsigned int i = 0; s >= 0 && i < n; i++) {
        struct hsx_can_frame f;
        uint32_t cls = 0;
        markable_frame(r, &f, bus_classic(t->bus));
        mark(&f, t->nonce, (uint8_t)(seq0 + i));
        if (errors) {
            /* a class the CAN core delivers (nonzero), detail bytes of the controller's */
            cls = ((1U << rn(r, 10)) | ((uint32_t)rnd(r) & 0x3ff)) & CAN_ERR_MASK;
            f.data[1] = (uint8_t)rnd(r);
        }
        sent += raw_send(s, &f, cls) == 0;
    }
    if (s >= 0)
        close(s);
    return sent;
}

/*
 * Feed a subscription: frames from the bus's other side; or error frames, from a vxcan's
 * other end (they count: the bus's) or a local program on the bus's own interface (never to
 * arrive). What must arrive is added to *frames and *errors.
 */
static void nl_feed(struct fz_rng *r, struct nl_chain *t, const struct can_home *h, unsigned int n,
                    unsigned int *frames, unsigned int *errors)
{
    if (!t->err)
        *frames += nl_inject(r, t, h->inject, n, false, 0);
    else if (h->type != H_SJA && h->type != H_VCAN && chance(r, 70))
        *errors += nl_inject(r, t, h->inject, n, true, *errors);
    else if (h->type != H_SJA)
        nl_inject(r, t, h->ifname, n, true, ERR_LOCAL_SEQ);
}

static void chain_can_nl(struct fz_worker *w, struct fz_rng *r)
{
    unsigned int bus = rn(r, can_units.homes), k = rn(r, 100), frames = 0, errors = 0;
    const struct can_home *h = &can_homes[bus];
    struct nl_chain t = {.w = w, .bus = bus, .err = k < 35, .nonce = new_nonce()};
    int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC), size = 1 << 18;
    int fd = chance(r, 60) ? can_open(r, bus) : -1, e;
    uint64_t epoch = home_epoch(w, bus);
    char name[HSX_MBOX_NAME_MAX];

    if (sock < 0 || genl_family < 0)
        goto out;
    setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    snprintf(name, sizeof(name), t.err ? HSX_MBOX_CAN_ERR_FMT : HSX_MBOX_CAN_RX_FMT, bus);
    if (!t.err && bus == 0 && k > 80)
        snprintf(name, sizeof(name), "%s", HSX_MBOX_CAN_RX);
    t.name = name;
    if (fd >= 0 && !t.err && chance(r, 50)) {
        struct hsx_can_filter f;
        gen_bank(r, &f, bus);
        if (can_call(w, fd, HSX_IOC_CAN_SET_FILTER, &f, "CAN_SET_FILTER", bus) == 0) {
            t.banks[f.bank] = f;
            t.banked = true;
        }
    }
    e = nl_mbox_open(w, sock, name, fd, &t.id);
    count_errno(e);
    note(w, "chain: netlink MBOX_OPEN(%s, auth fd %d) = %s id %u", name, fd, e ? strerror(e) : "0",
         t.id);
    if (e) {
        if (!is_documented(e))
            unexpected(w, "netlink MBOX_OPEN %s: %s", name, strerror(e));
        goto out;
    }
    nl_feed(r, &t, h, 1 + rn(r, 6), &frames, &errors);
    if (fd >= 0 && chance(r, 50)) {
        /*
         * The subscription outlives the file that authorized it (its banks, and the socket
         * a frame it sent made, which its listener releases last, when the socket closes).
         */
        if (chance(r, 50)) {
            struct hsx_can_frame f;
            markable_frame(r, &f, bus_classic(bus));
            e = can_tx(w, fd, bus, &f, 0, 100, NULL);
            t.late = e == ETIMEDOUT || e == EINTR;
        }
        close(fd);
        fd = -1;
        nl_feed(r, &t, h, 1 + rn(r, 4), &frames, &errors);
    }
    /*
     * Wait for what was sent, up to the liveness bound: on a loaded host under
     * TCG the softirq and netlink take longer than any fixed slice (a
     * million-call run reported "0 of the 2 frames injected arrived" after
     * 300 ms). Frames a bank may filter, or that cross the SJA1000's emulated
     * bus, are not waited for. Then a look for strays (a local program's error
     * frames, a frame no bank passes): short once the expected ones came, since
     * frames from one sender come in order; longer when nothing was expected.
     */
    bool waited = false;
    for (uint64_t until = now_ns() + FZ_LIVENESS_MS * 1000000ULL;
         !t.lossy && !t.closed && now_ns() < until &&
         ((!t.banked && h->type != H_SJA && t.frames < frames) || t.errors < errors);)
        waited = true, nl_events(w, sock, 2, nl_chain_event, &t);
    nl_events(w, sock, waited ? 5 : 50, nl_chain_event, &t);
    /* (the SJA1000's frames cross QEMU's emulated bus: not counted) */
    if (is_root && !t.lossy && !t.closed && quiet_since(epoch)) {
        count(&stats->can_checked);
        if (t.errors != errors)
            unexpected(w, "%s: %u of the %u error frames sent from the bus arrived", name, t.errors,
                       errors);
        if (!t.banked && h->type != H_SJA && t.frames != frames)
            unexpected(w, "%s: %u of the %u frames injected arrived", name, t.frames, frames);
    }
out:
    if (sock >= 0)
        close(sock);
    if (fd >= 0)
        close(fd);
}

/* ---- chain: capabilities --------------------------------------------------------------------- */

struct cap_chain {
    struct fz_worker *w;
    const char *name;
    unsigned int bus;
    const union hsx_cap_selector *sel; /* NULL: not judged */
    unsigned int seen;
};

static bool cap_record(void *arg, const struct hsx_can_record *r)
{
    struct cap_chain *t = arg;

    /* a sample of the bus's traffic is judged: four records, or what 100 ms brings */
    t->seen++;
    if (t->sel && r->kind == HSX_CAN_EV_FRAME &&
        !sel_covers(t->sel, t->bus, HSX_CAN_SEL_RX, &r->frame))
        unexpected(t->w, "%s: a frame (id %#x flags %#x) outside its capability's receive range",
                   t->name, r->frame.can_id, r->frame.flags);
    return t->seen >= 4;
}

/* A frame the capability lets the file send, or any. */
static void cap_frame(struct fz_rng *r, const struct hsx_cap_query *q, struct hsx_can_frame *f,
                      bool classic)
{
    const __typeof__(q->cap.sel.can) *c = &q->cap.sel.can;

    markable_frame(r, f, classic);
    if (q->cap.id && (c->flags & HSX_CAN_SEL_TX) && chance(r, 70)) {
        uint32_t id = c->tx_first + rn(r, c->tx_last - c->tx_first + 1);
        if (id >= HSX_CAN_SEL_EXT)
            f->flags |= HSX_CAN_F_EXT, f->can_id = id & HSX_CAN_EFF_MASK;
        else if (id <= HSX_CAN_SFF_MASK)
            f->flags &= (uint8_t)~HSX_CAN_F_EXT, f->can_id = id;
    }
}

static void chain_can_caps(struct fz_worker *w, struct fz_rng *r)
{
    struct fz_slot s;
    struct hsx_cap_query q0 = {.module = HSX_MODULE_CAN}, q1 = {.module = HSX_MODULE_CAN};
    struct hsx_can_frame f;
    struct hsx_can_status st;
    struct can_sub sub;
    unsigned int bus;
    int e_tx, e_st;
    bool same, subscribed;

    if (pick_slot_dup(r, K_CANS, &s) < 0)
        return;
    bus = s.kind == K_CAN_I ? s.index : rn(r, can_units.homes);
    if (ioctl(s.fd, HSX_IOC_CAP_INFO, &q0) < 0)
        q0.cap.id = 0;
    cap_frame(r, &q0, &f, bus_classic(bus));
    e_tx = can_tx(w, s.fd, bus, &f, 0, 100, NULL);
    e_st = can_status(w, s.fd, bus, &st);
    subscribed = can_subscribe(w, s.fd, &sub, bus, 0, 32);
    struct cap_chain t = {.w = w, .name = sub.name, .bus = bus};
    same = q0.cap.id && ioctl(s.fd, HSX_IOC_CAP_INFO, &q1) == 0 && q1.cap.id == q0.cap.id &&
           q0.cap.state == HSX_CAP_STATE_ACTIVE && q1.cap.state == HSX_CAP_STATE_ACTIVE &&
           s.opener == getpid() && !s.privileged && enforcing;
    if (same) {
        const union hsx_cap_selector *sel = &q0.cap.sel;
        bool bus_ok = bus < HSX_CAN_MAX_BUSES && (sel->can.buses & (1U << bus));
        bool tx_ok = (q0.cap.rights & HSX_CAP_R_WRITE) && sel_covers(sel, bus, HSX_CAN_SEL_TX, &f);
        bool read_ok = (q0.cap.rights & HSX_CAP_R_READ) && bus_ok;
        count(&stats->can_checked);
        if (!e_tx && !tx_ok)
            unexpected(w, "CAN_TX of id %#x flags %#x on bus %u succeeded outside capability %llu",
                       f.can_id, f.flags, bus, (unsigned long long)q0.cap.id);
        if (e_tx == EACCES && tx_ok)
            unexpected(w,
                       "CAN_TX of id %#x flags %#x on bus %u refused (EACCES) within "
                       "capability %llu",
                       f.can_id, f.flags, bus, (unsigned long long)q0.cap.id);
        if ((!e_st && !read_ok) || (e_st == EACCES && read_ok))
            unexpected(w, "CAN_GET_STATUS on bus %u: %s, capability %llu rights %#x buses %#x", bus,
                       e_st ? strerror(e_st) : "success", (unsigned long long)q0.cap.id,
                       q0.cap.rights, sel->can.buses);
        if (subscribed && !read_ok)
            unexpected(w, "MBOX_OPEN %s succeeded outside capability %llu", sub.name,
                       (unsigned long long)q0.cap.id);
        t.sel = sel;
    }
    if (subscribed) {
        can_sub_read(w, &sub, 100, cap_record, &t);
        can_sub_close(&sub);
    }
    close(s.fd);
}

/* ---- chain: the interface goes away under load ----------------------------------------------- */

/* A CAN loader's call on its bus: TX, banks, status, info, config, or a subscription. */
static int can_loader_step(struct fz_loader *L, int fd, const char **what)
{
    struct fz_worker *w = &L->w;
    struct fz_rng *r = &w->rng;
    unsigned int bus = L->unit;
    struct hsx_can_frame f;
    union {
        struct hsx_can_filter flt;
        struct hsx_can_status st;
        struct hsx_can_info info;
        struct hsx_can_config cfg;
    } a;

    memset(&a, 0, sizeof(a));
    switch (rn(r, 8)) {
    case 0:
    case 1:
    case 2:
        *what = "CAN_TX";
        markable_frame(r, &f, bus_classic(bus));
        return can_tx(w, fd, bus, &f, chance(r, 50) ? HSX_CAN_TX_NOWAIT : 0, 1 + rn(r, 50), NULL);
    case 3:
        *what = "CAN_SET_FILTER";
        gen_bank(r, &a.flt, bus);
        if (chance(r, 40))
            a.flt.flags = a.flt.id = a.flt.mask = 0;
        return can_call(w, fd, HSX_IOC_CAN_SET_FILTER, &a.flt, *what, bus);
    case 4:
        *what = "CAN_GET_STATUS";
        return can_status(w, fd, bus, &a.st);
    case 5:
        *what = "CAN_INFO";
        return can_info(w, fd, bus, &a.info);
    case 6:
        *what = "CAN_CONFIG";
        a.cfg.bus = bus;
        return can_call(w, fd, HSX_IOC_CAN_CONFIG, &a.cfg, *what, bus);
    default: {
        /* a subscription through the file, read a little, dropped (the core's: not judged) */
        struct can_sub s;
        if (can_subscribe(w, fd, &s, bus, (int)rn(r, 3), 4)) {
            can_sub_read(w, &s, 1, NULL, NULL);
            can_sub_close(&s);
        }
        return 0;
    }
    }
}

/* A thread that binds and unbinds a bus while its interface comes and goes. */
struct can_binder {
    struct fz_worker w;
    unsigned int bus;
    const char *ifname;
    int stop;
};

static void *binder_main(void *arg)
{
    struct can_binder *B = arg;
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);

    for (int n = 0; ctl >= 0 && n < 200 && !__atomic_load_n(&B->stop, __ATOMIC_ACQUIRE); n++) {
        can_map(&B->w, ctl, B->bus, chance(&B->w.rng, 60) ? B->ifname : "");
        usleep(rn(&B->w.rng, 800));
    }
    if (ctl >= 0)
        close(ctl);
    return fz_thread_calls();
}

enum iface_act { A_DEL, A_UNBIND, A_DOWN, A_FLAP, A_RENAME };
static const char *const act_name[] = {"delete the interface", "unbind", "down and up",
                                       "delete and re-create while binding", "rename"};

/* The action; true when the binding the chain subscribed to must be gone after it. */
static bool iface_act(struct fz_worker *w, struct fz_rng *r, enum iface_act a, int ctl, int fd_mod,
                      unsigned int bus, const struct hsx_can_info *old, bool home)
{
    const struct can_home *h = &can_homes[bus];
    struct hsx_can_info info;
    struct hsx_can_status st;
    struct hsx_can_frame f;
    int e;

    switch (a) {
    case A_DEL: {
        uint64_t end;
        e = link_del(h->ifname);
        note(w, "chain: link del %s = %s", h->ifname, e ? strerror(e) : "0");
        if (chance(r, 50)) {
            usleep(rn(r, 1000));
            home_add(h); /* back before the bus let go of the old one, perhaps */
        }
        /* the bus lets go of the deleted interface by itself */
        for (end = now_ns() + FZ_LIVENESS_MS * 1000000ULL; home && now_ns() < end; usleep(2000))
            if (can_info(w, ctl, bus, &info) || !info.bound || info.ifindex != old->ifindex)
                return true;
        if (home)
            unexpected(w, "bus %u still bound to %s (ifindex %u) %d s after it was deleted", bus,
                       h->ifname, old->ifindex, FZ_LIVENESS_MS / 1000);
        return true;
    }
    case A_UNBIND:
        e = can_map(w, ctl, bus, "");
        if (e && e != ENXIO)
            unexpected(w, "unbinding bus %u: %s", bus, strerror(e));
        return true;
    case A_DOWN:
        link_set(h->ifname, false);
        markable_frame(r, &f, bus_classic(bus));
        e = can_tx(w, fd_mod, bus, &f, 0, 100, NULL);
        if (!e && home)
            unexpected(w, "CAN_TX on bus %u succeeded with %s down", bus, h->ifname);
        if (!can_status(w, fd_mod, bus, &st) && (st.status & HSX_CAN_ST_UP) && home)
            unexpected(w, "CAN_GET_STATUS of bus %u: UP with %s down", bus, h->ifname);
        usleep(rn(r, 3000));
        link_set(h->ifname, true);
        return false;
    case A_RENAME: {
        /* a renamed interface keeps its bus, under its new name */
        char name[IFNAMSIZ];
        /*
         * A table MAP of another thread may move the bus meanwhile, or be moving it as the bus is
         * looked at: then judge nothing.
         */
        uint64_t epoch = can_epoch();
        snprintf(name, sizeof(name), RENAMED_FMT, bus);
        link_set(h->ifname, false);
        e = link_rename(h->ifname, name);
        note(w, "chain: rename %s to %s = %s", h->ifname, name, e ? strerror(e) : "0");
        if (!e && home &&
            (can_info(w, ctl, bus, &info) || !info.bound || strcmp(info.ifname, name) ||
             info.ifindex != old->ifindex) &&
            !maps_in_flight() && can_epoch() == epoch)
            unexpected(w, "bus %u after %s was renamed %s: bound %u to \"%.16s\" (ifindex %u)", bus,
                       h->ifname, name, info.bound, info.ifname, info.ifindex);
        usleep(rn(r, 2000));
        if (!e && link_rename(name, h->ifname))
            link_del(name); /* the rig makes it again */
        link_set(h->ifname, true);
        return false;
    }
    default: {
        struct can_binder *B = calloc(1, sizeof(*B));
        pthread_t th;
        bool started;
        if (!B)
            return false;
        B->w.index = 300 + w->index;
        B->w.rng.s = rnd(r);
        B->bus = bus;
        B->ifname = h->ifname;
        started = pthread_create(&th, NULL, binder_main, B) == 0;
        for (unsigned int n = 2 + rn(r, 4); n; n--) {
            link_del(h->ifname);
            usleep(rn(r, 1500));
            home_add(h);
            usleep(rn(r, 1500));
        }
        __atomic_store_n(&B->stop, 1, __ATOMIC_RELEASE);
        if (started)
            fz_join(th);
        free(B);
        return true;
    }
    }
}

/* The netlink subscription after the binding went: a close notice, if one comes, says GONE. */
static void nl_gone_event(void *arg, const struct fz_nl_event *ev)
{
    struct nl_chain *t = arg;

    if (ev->type == HSX_EVT_CLOSED) {
        t->closed = ev->close_reason;
        if (ev->close_reason != HSX_CLOSE_GONE)
            unexpected(t->w, "%s (netlink) after unbinding: close reason %u, not GONE", t->name,
                       ev->close_reason);
    }
}

/* Read a netlink subscription's events until its close notice, ms at most. */
static void nl_until_closed(struct fz_worker *w, int sock, int ms, struct nl_chain *t)
{
    uint64_t end = now_ns() + (uint64_t)ms * 1000000ULL;

    t->closed = 0;
    while (!t->closed && now_ns() < end)
        nl_events(w, sock, 2, nl_gone_event, t);
}

/*
 * A file that sent a frame (so it has its socket), subscribed through a queue file and a
 * netlink socket, and closed: its state and socket live on in its subscriptions' listeners
 * alone, and go with the last of them, when the bus goes.
 */
struct can_orphan {
    struct can_sub q;
    int sock;
    uint32_t id;
};

static void orphan_make(struct fz_worker *w, struct fz_rng *r, unsigned int bus,
                        struct can_orphan *o)
{
    int fd = can_open(r, bus);
    char name[HSX_MBOX_NAME_MAX];
    struct hsx_can_frame f;

    if (fd < 0)
        return;
    markable_frame(r, &f, bus_classic(bus));
    can_tx(w, fd, bus, &f, 0, 50, NULL);
    can_subscribe(w, fd, &o->q, bus, (int)rn(r, 2), 8);
    o->sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    snprintf(name, sizeof(name), HSX_MBOX_CAN_RX_FMT, bus);
    if (o->sock >= 0 && (genl_family < 0 || nl_mbox_open(w, o->sock, name, fd, &o->id))) {
        close(o->sock);
        o->sock = -1;
    }
    close(fd);
}

/*
 * Root: take a bus away (see iface_act()) while two threads and a forked process use it and
 * queue files and netlink sockets listen to it; then check what was left, and put back.
 */
static void chain_can_iface(struct fz_worker *w, struct fz_rng *r)
{
    unsigned int bus = rn(r, can_units.homes), k = rn(r, 100);
    const struct can_home *h = &can_homes[bus];
    enum iface_act a = h->type == H_SJA ? (k < 50 ? A_UNBIND : A_DOWN)
                       : k < 30         ? A_DEL
                       : k < 50         ? A_UNBIND
                       : k < 65         ? A_DOWN
                       : k < 80         ? A_RENAME
                                        : A_FLAP;
    struct fz_loader *L[2] = {NULL, NULL};
    pthread_t th[2];
    bool started[2] = {false, false}, gone, home;
    struct can_sub rx, err;
    struct can_orphan orph = {.q.q = -1, .sock = -1};
    struct nl_chain nt = {.w = w, .bus = bus};
    struct hsx_can_info info;
    struct hsx_can_status st;
    char path[64], name[HSX_MBOX_NAME_MAX];
    int ctl, fd_mod, fd_inst, sock, e;
    pid_t child;

    pthread_mutex_lock(&rig_lock);
    epoch_bump();
    ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);
    fd_mod = open("/dev/" HSX_DEV_CAN, O_RDWR | O_CLOEXEC);
    snprintf(path, sizeof(path), "/dev/" HSX_DEV_CAN "%u", bus);
    fd_inst = open(path, O_RDWR | O_CLOEXEC);
    sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    if (ctl < 0 || fd_mod < 0)
        goto out;
    note(w, "chain: %s of bus %u (%s) under load", act_name[a], bus, h->ifname);
    can_subscribe(w, fd_mod, &rx, bus, bus == 0 && chance(r, 30) ? 2 : 0, 64);
    can_subscribe(w, fd_inst >= 0 ? fd_inst : fd_mod, &err, bus, 1, 16);
    snprintf(name, sizeof(name), HSX_MBOX_CAN_RX_FMT, bus);
    nt.name = name;
    if (sock >= 0 && genl_family >= 0 && (e = nl_mbox_open(w, sock, name, fd_inst, &nt.id))) {
        close(sock);
        sock = -1;
    }
    if (chance(r, 50))
        orphan_make(w, r, bus, &orph);
    /* the subscriptions are the binding's that is there now, or of one gone already */
    home = can_info(w, ctl, bus, &info) == 0 && info.bound && !strcmp(info.ifname, h->ifname);
    for (int i = 0; i < 2; i++)
        if ((L[i] = loader_new(w, r, 200 + 2 * w->index + (unsigned int)i, fd_mod, fd_inst, bus,
                               "can", can_loader_step)))
            started[i] = pthread_create(&th[i], NULL, loader_main, L[i]) == 0;
    child = fork();
    if (child == 0) {
        struct fz_loader *C = loader_new(w, r, 299, fd_mod, fd_inst, bus, "can", can_loader_step);
        alarm(10);
        if (C) {
            C->w.child = true;
            loader_main(C);
        }
        _exit(0);
    }
    usleep(rn(r, 3000));
    gone = iface_act(w, r, a, ctl, fd_mod, bus, &info, home) && home;
    for (int i = 0; i < 2; i++)
        if (L[i])
            __atomic_store_n(&L[i]->stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 2; i++)
        if (started[i])
            fz_join(th[i]);
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    if (gone) {
        if (rx.q >= 0 && drain_queue(w, rx.q, rx.name) == HSX_CLOSE_GONE)
            count(&stats->can_gone);
        if (err.q >= 0 && drain_queue(w, err.q, err.name) == HSX_CLOSE_GONE)
            count(&stats->can_gone);
        if (orph.q.q >= 0 && drain_queue(w, orph.q.q, orph.q.name) == HSX_CLOSE_GONE)
            count(&stats->can_gone);
        if (sock >= 0)
            nl_until_closed(w, sock, 200, &nt);
        if (orph.sock >= 0)
            nl_until_closed(w, orph.sock, 100, &nt);
        if (fd_inst >= 0 && can_status(w, fd_inst, bus, &st) == 0)
            unexpected(w, "CAN_GET_STATUS on can%u's file succeeded after the bus was unbound",
                       bus);
    } else {
        can_sub_read(w, &rx, 5, NULL, NULL);
        can_sub_read(w, &err, 5, NULL, NULL);
    }
    can_rebind_locked(w);
    if (gone && fd_inst >= 0 && can_status(w, fd_inst, bus, &st) == 0)
        unexpected(w, "CAN_GET_STATUS on the old can%u's file succeeded after binding again", bus);
    can_sub_close(&rx);
    can_sub_close(&err);
    can_sub_close(&orph.q);
    if (orph.sock >= 0)
        close(orph.sock);
out:
    for (int i = 0; i < 2; i++)
        if (L[i])
            loader_free(L[i]);
    if (sock >= 0)
        close(sock);
    if (fd_inst >= 0)
        close(fd_inst);
    if (fd_mod >= 0)
        close(fd_mod);
    if (ctl >= 0)
        close(ctl);
    epoch_bump();
    pthread_mutex_unlock(&rig_lock);
}

/*
 * A chain draws from a stream of its own, seeded from the worker's: how many draws it makes
 * depends on the kernel's timing (frames arriving), and the worker's calls after it must not.
 * The uid 1000 process mostly tries what its capabilities allow.
 */
void chain_can(struct fz_worker *w)
{
    uint32_t k = rn(&w->rng, 100);
    struct fz_rng lr = {.s = rnd(&w->rng)};
    bool admin = is_root && !w->child;

    if (!have_can)
        return;
    if (!is_root && k < 60)
        PROF(P_CAN_CAPS, chain_can_caps(w, &lr));
    else if (k < 28)
        PROF(P_CAN_TX, chain_can_tx(w, &lr));
    else if (k < 52)
        PROF(P_CAN_FILTER, chain_can_filter(w, &lr));
    else if (k < 70)
        PROF(P_CAN_NL, chain_can_nl(w, &lr));
    else if (k < 84)
        PROF(P_CAN_CAPS, chain_can_caps(w, &lr));
    else if (k < 94 && admin)
        PROF(P_CAN_IFACE, chain_can_iface(w, &lr));
    else if (admin)
        PROF(P_CAN_REBIND, can_rebind(w));
    else
        PROF(P_CAN_TX, chain_can_tx(w, &lr));
}

/* ---- setting up and tearing down ------------------------------------------------------------- */

bool can_setup(void)
{
    int ctl, e;
    bool ok = true;

    link_del(can_homes[0].ifname); /* what a killed run left */
    link_del(can_homes[1].ifname);
    if ((e = home_add(&can_homes[0])) || (e = home_add(&can_homes[1]))) {
        fprintf(stderr, "hsx_fuzz: cannot make the vcan and vxcan interfaces: %s\n", strerror(e));
        return false;
    }
    have_sja = sja_up("can0") && sja_up("can1");
    can_units.homes = have_sja ? 4 : 3;
    ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);
    if (ctl < 0)
        return false;
    for (unsigned int b = 0; b < can_units.homes; b++) {
        struct hsx_can_map m = {.bus = b};
        struct hsx_can_info info = {.bus = b};

        ioctl(ctl, HSX_IOC_CAN_MAP, &m); /* a leftover binding */
        snprintf(m.ifname, sizeof(m.ifname), "%s", can_homes[b].ifname);
        if (ioctl(ctl, HSX_IOC_CAN_MAP, &m) < 0)
            fprintf(stderr, "hsx_fuzz: binding CAN bus %u to %s: %s\n", b, can_homes[b].ifname,
                    strerror(errno));
        if (ioctl(ctl, HSX_IOC_CAN_INFO, &info) || !info.bound ||
            strcmp(info.ifname, can_homes[b].ifname)) {
            if (can_homes[b].type == H_SJA)
                can_units.homes = 3, have_sja = false;
            else
                ok = false;
        }
    }
    close(ctl);
    if (ok)
        traffic_restart();
    return ok;
}

/* Always: fuzzed MAP calls bind buses whether or not the rig was made. */
void can_teardown(void)
{
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);

    traffic_stop();
    for (unsigned int b = 0; ctl >= 0 && b < HSX_CAN_MAX_BUSES; b++) {
        struct hsx_can_map m = {.bus = b};
        if (ioctl(ctl, HSX_IOC_CAN_MAP, &m) < 0 && errno != ENXIO)
            fprintf(stderr, "hsx_fuzz: unbinding CAN bus %u: %s\n", b, strerror(errno));
    }
    if (ctl >= 0)
        close(ctl);
    link_del(can_homes[0].ifname);
    link_del(can_homes[1].ifname);
    for (unsigned int b = 0; b < FZ_CAN_HOMES; b++) {
        char name[IFNAMSIZ];
        snprintf(name, sizeof(name), RENAMED_FMT, b);
        if (if_exists(name))
            link_del(name); /* a rename the chain could not undo */
    }
    if (have_sja) {
        link_set("can0", false);
        link_set("can1", false);
    }
}

/*
 * Echoes that never find their frames fail every NOWAIT frame by its timeout. A chain cannot
 * tell that from a slow echo (a debug kernel under TCG); over a run a correct kernel
 * confirms far more than it times out (131 TX_DONE to 1 TX_FAILED on the debug kernel with
 * allocation failures); more timeouts than confirmations is an echo path that lost its way.
 */
void can_run_check(void)
{
    uint64_t done = stats->can_tx_done, timeouts = stats->can_tx_timeouts;

    if (fail_injecting() || timeouts < 20 || timeouts <= done)
        return;
    count(&stats->unexpected);
    fprintf(stderr,
            "hsx_fuzz: UNEXPECTED: %" PRIu64 " NOWAIT frames timed out, %" PRIu64
            " were confirmed: their echoes went unmatched\n",
            timeouts, done);
}

void can_print_stats(void)
{
    printf("hsx_fuzz: can: frames sent %" PRIu64 ", TX_DONE %" PRIu64 ", TX_FAILED %" PRIu64
           ", records %" PRIu64 " (errors %" PRIu64 "), netlink events %" PRIu64
           ", unbinds %" PRIu64 ", binds %" PRIu64 ", link changes %" PRIu64
           ", queues ended GONE %" PRIu64 ", exact checks %" PRIu64 "\n",
           stats->can_tx, stats->can_tx_done, stats->can_tx_failed, stats->can_records,
           stats->can_errors, stats->can_nl_events, stats->can_unbinds, stats->can_binds,
           stats->can_links, stats->can_gone, stats->can_checked);
}
