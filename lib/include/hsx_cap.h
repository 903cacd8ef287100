/* SPDX-License-Identifier: MIT */
/*
 * Capabilities (an addition to the spec): what lets an unprivileged process
 * use a HAL module.
 *
 * hsx.ko checks every operation on a /dev/hsx file: a file opened by root
 * (CAP_SYS_ADMIN) needs nothing, any other needs a capability for the
 * module, minted onto that very file by the daemon hsxd according to its
 * policy, with rights, the objects it covers (GPIO pins, a number of timers)
 * and an expiry. The library does all of it by itself, so the spec's
 * functions work unchanged for an unprivileged user the policy allows:
 *
 *  - The first use of a module opens its node and, if the file needs a
 *    capability, asks hsxd for everything the policy allows.
 *  - It renews the capability before it expires, on a thread of its own.
 *  - Without one (hsxd not running, or its policy refuses), the module's
 *    operations return HSX_HAL_DENIED, and the library prints one line to
 *    stderr saying why and what to do (HSX_HAL_QUIET=1 in the environment
 *    silences it). A later operation asks again, at most once a second
 *    (backing off to once in 30 s while hsxd keeps failing), so a process
 *    started before hsxd recovers on its own.
 *  - When a capability ends (revoked, expired, its parent revoked), blocked
 *    waits under it return HSX_HAL_DENIED, timers created under it are
 *    gone, the revocation callback runs, and the next operation asks hsxd
 *    again (at most once a second). Whether hsxd grants it again is the
 *    policy's decision, not the library's.
 *  - Inside a callback (on the library's dispatcher thread, which runs every
 *    callback) the library never waits for hsxd: it would hold up every
 *    other callback for up to hsxd's 2 s timeout. An operation there that
 *    needs a capability the process does not hold returns HSX_HAL_DENIED at
 *    once (hsx_hal_errno(): the kernel's EACCES, EKEYEXPIRED or
 *    EKEYREVOKED), and the library asks hsxd on its own thread instead
 *    (within the same rate limit); an operation after that succeeds if hsxd
 *    granted one. So a callback should treat HSX_HAL_DENIED as "not now",
 *    e.g. retry on its next event. hsx_cap_request() from a callback only
 *    asks likewise (HSX_HAL_DENIED, errno EINPROGRESS), and hsx_cap_get()
 *    and hsx_cap_list() there report what the kernel says without waiting
 *    for an exchange under way. hsx_cap_drop() waits for one. A CAN change
 *    only hsxd can make (hsx_can_config_ex() of a bus that runs otherwise,
 *    hsx_can_restart(), hsx_can_set_restart_ms()) is HSX_HAL_BUSY with
 *    errno EDEADLK there at once, hsxd not asked: make it from another
 *    thread.
 *  - After fork(), the child is a client of its own: its first use of a
 *    module opens the node again and acquires its own capability (the
 *    parent's files are useless to it). What the parent created (timers,
 *    subscriptions, callbacks) stays the parent's. A module dropped with
 *    hsx_cap_drop() stays dropped in the child.
 *
 * The functions below are for applications that want more: a narrower
 * capability than everything the policy allows (least privilege), dropping
 * one, knowing where they stand, and hearing of revocations. All are
 * thread-safe.
 *
 * Environment: HSX_HAL_QUIET=1 silences the stderr line; HSX_HAL_HSXD_SOCKET
 * names hsxd's socket if not /run/hsx/hsxd.sock (whoever serves it must run
 * as root, or the library refuses to talk to it).
 */
#ifndef HSX_CAP_H
#define HSX_CAP_H

#include <stddef.h>

#include "hsx_hal_types.h"

/* The HAL modules, by the spec's module IDs. */
typedef enum {
    HSX_CAP_MODULE_UART = 0x10,
    HSX_CAP_MODULE_CAN = 0x11,
    HSX_CAP_MODULE_TIMER = 0x12,
    HSX_CAP_MODULE_FRAM = 0x13,
    HSX_CAP_MODULE_FS = 0x14,
    HSX_CAP_MODULE_GPIO = 0x15,
} hsx_cap_module_t;

/* Rights: bits 0..15 common to every module, 16..31 the module's own. */
#define HSX_CAP_RIGHT_READ (1U << 0)         /* read state: GPIO read, timer tick */
#define HSX_CAP_RIGHT_WRITE (1U << 1)        /* change state: GPIO config/write, timers */
#define HSX_CAP_RIGHT_GRANT (1U << 2)        /* derive narrower capabilities for others */
#define HSX_CAP_RIGHT_GPIO_IRQ (1U << 16)    /* GPIO: set interrupts and listen to edges */
#define HSX_CAP_RIGHT_CAN_CONFIG (1U << 16)  /* CAN: ask for a bitrate or mode */
#define HSX_CAP_RIGHT_UART_CONFIG (1U << 16) /* UART: config, discard, break, loop, events */
#define HSX_CAP_RIGHT_UART_MODEM (1U << 17)  /* UART: set RTS and DTR */

/*
 * The objects a capability covers; the member is the module's. All-zero in a
 * request means "all the policy allows".
 */
typedef union {
    struct {
        uint64_t pins; /* bit n: pin n */
    } gpio;
    struct {
        uint32_t max_timers; /* timers alive at once */
        uint32_t reserved;
    } timer;
    struct {
        uint32_t buses;    /* bit n: bus n */
        uint32_t flags;    /* HSX_CAP_CAN_TX, HSX_CAP_CAN_RX: which ranges it has */
        uint32_t tx_first; /* IDs it may send, first to last (see HSX_CAP_CAN_EXT) */
        uint32_t tx_last;
        uint32_t rx_first; /* IDs it may receive */
        uint32_t rx_last;
        uint32_t reserved[2];
    } can;
    struct {
        uint16_t devices; /* bit n: FRAM device n */
        uint16_t nranges; /* ranges in use, 1..HSX_CAP_FRAM_RANGES */
        uint32_t reserved;
        struct {
            uint32_t first, last; /* addresses, inclusive; sorted, apart, not touching */
        } ranges[3];              /* HSX_CAP_FRAM_RANGES */
    } fram;
    struct {
        uint32_t roots; /* bit n: FS root n */
        uint32_t reserved;
    } fs;
    uint64_t raw[4];
} hsx_cap_selector_t;

/*
 * CAN: a range's IDs are standard ones (0..0x7ff) as they are and extended
 * ones with HSX_CAP_CAN_EXT, so that one range may cover both. A direction
 * without its flag has no range: no frame that way (first and last 0), in a
 * request as in a capability; ask for 0..(HSX_CAP_CAN_EXT | 0x1fffffff) to
 * get every ID the policy allows that way.
 */
#define HSX_CAP_CAN_EXT 0x80000000U
#define HSX_CAP_CAN_TX 0x1U /* tx_first..tx_last is given */
#define HSX_CAP_CAN_RX 0x2U /* rx_first..rx_last is given */

/*
 * FRAM: the accesses a capability allows lie within one of its address
 * ranges, on one of its devices; a range that touches or overlaps another
 * is one range with it (a request must give them so: sorted and apart).
 */
#define HSX_CAP_FRAM_RANGES 3

/* Where this process stands with a module. */
typedef enum {
    HSX_CAP_STATUS_NOT_NEEDED = 1, /* its file was opened by root, or hsx.ko does not enforce */
    HSX_CAP_STATUS_HELD = 2,       /* a capability is in force */
    HSX_CAP_STATUS_NONE = 3,       /* none: operations are denied; message says why */
} hsx_cap_status_t;

/** One module's capability, as hsx_cap_get() and hsx_cap_list() report it. */
typedef struct {
    hsx_cap_module_t module;
    hsx_cap_status_t status;
    uint64_t id;                 /* HELD: the capability's ID (for hsxctl, logs); else 0 */
    uint64_t parent_id;          /* HELD: the one it was derived from, 0 if minted by hsxd */
    uint32_t rights;             /* HELD: HSX_CAP_RIGHT_* */
    hsx_cap_selector_t selector; /* HELD: the objects covered */
    uint64_t expiry_ns;          /* HELD: CLOCK_BOOTTIME */
    uint64_t renew_ns;           /* HELD: CLOCK_BOOTTIME of the next renewal, 0 if none due */
    char message[192];           /* NONE: why, in words (hsxd's own when it refused) */
} hsx_cap_info_t;

/* Why a capability ended: hsx_cap_event_t.reason. */
typedef enum {
    HSX_CAP_REASON_EXPLICIT = 1,      /* revoked by the administrator */
    HSX_CAP_REASON_EXPIRED = 2,       /* not renewed in time (hsxd refused, or was unreachable) */
    HSX_CAP_REASON_HOLDER_EXITED = 3, /* its holder exited */
    HSX_CAP_REASON_PARENT = 4,        /* the capability it was derived from ended */
} hsx_cap_reason_t;

/** What the revocation callback receives as event_data. */
typedef struct {
    uint64_t id;             /* the capability that ended */
    hsx_cap_module_t module; /* object type */
    uint64_t object;         /* object ID: the selector's first word (GPIO: the pin mask) */
    hsx_cap_reason_t reason;
} hsx_cap_event_t;

/**
 * Ask hsxd for a capability narrower than the default: only these rights on
 * these objects. Call it before the module's first use (which would
 * otherwise acquire everything the policy allows), or after hsx_cap_drop().
 * Renewals and later re-acquisitions keep asking for the same.
 *
 * @param module HSX_CAP_MODULE_*
 * @param rights HSX_CAP_RIGHT_* wanted; 0 for all the policy allows
 * @param selector Objects wanted; NULL or all-zero for all the policy allows
 * @return HSX_HAL_OK (also when no capability is needed: see hsx_cap_get()),
 *         HSX_HAL_BUSY (one is held already: drop it first; errno
 *         EINPROGRESS: called from a callback while hsxd is being asked),
 *         HSX_HAL_DENIED (hsx_hal_errno(): EACCES the policy refuses,
 *         ENOENT/ECONNREFUSED hsxd is not running, EPERM its socket is not
 *         served by root, ETIMEDOUT no answer, EINPROGRESS called from a
 *         callback: asked on the library's thread; hsx_cap_get() has hsxd's
 *         words), HSX_HAL_NO_DEVICE, HSX_HAL_INVALID_PARAM
 */
int hsx_cap_request(hsx_cap_module_t module, uint32_t rights, const hsx_cap_selector_t *selector);

/**
 * End this process's capability for a module, and stop acquiring one
 * transparently: from now on the module's operations are denied (without
 * the stderr line) until hsx_cap_request() is called. Subscriptions made
 * under the capability end (their waits return HSX_HAL_DENIED), and timers
 * created under it are cancelled. The revocation callback does not run for
 * a drop. A file opened by root holds no capability: nothing changes for it.
 *
 * @return HSX_HAL_OK (also when none was held), HSX_HAL_INVALID_PARAM
 */
int hsx_cap_drop(hsx_cap_module_t module);

/**
 * Where this process stands with a module, as the kernel sees it now. Like
 * any first use of the module, this opens its node and may acquire a
 * capability.
 *
 * @return HSX_HAL_OK, HSX_HAL_NO_DEVICE (hsx.ko not loaded), HSX_HAL_INVALID_PARAM
 */
int hsx_cap_get(hsx_cap_module_t module, hsx_cap_info_t *info);

/**
 * The capabilities this process holds, one entry per module (only modules
 * it has used; nothing is opened or acquired).
 *
 * @param info Array to fill
 * @param max Its capacity
 * @return How many are held (may exceed max; only max are filled), or an error code
 */
int hsx_cap_list(hsx_cap_info_t *info, size_t max);

/**
 * Run callback when one of this process's capabilities ends for another
 * reason than hsx_cap_drop(), with event_data a const hsx_cap_event_t * and
 * length its size, on the library's dispatcher thread like every callback.
 * Blocked waits under that capability return HSX_HAL_DENIED independently of
 * it. NULL removes it; when that returns, the callback is not running and
 * will not run again (unless removed from within itself).
 *
 * @return HSX_HAL_OK
 */
int hsx_cap_set_revoke_callback(hsx_hal_event_callback_t callback, void *user_data);

/** A constant name for a status or reason ("held", "expired", ...); never NULL. */
const char *hsx_cap_status_name(hsx_cap_status_t status);
const char *hsx_cap_reason_name(hsx_cap_reason_t reason);

#endif /* HSX_CAP_H */
