/* SPDX-License-Identifier: MIT */
#ifndef HSX_CAN_H
#define HSX_CAN_H

#include "hsx_hal_types.h"

/* CAN frame types */
#define HSX_CAN_STD_FRAME  0x00  /* Standard 11-bit ID */
#define HSX_CAN_EXT_FRAME  0x01  /* Extended 29-bit ID */
#define HSX_CAN_RTR_FRAME  0x02  /* Remote transmission request */

/* CAN bitrates */
typedef enum {
    HSX_CAN_BITRATE_125K  = 125000,
    HSX_CAN_BITRATE_250K  = 250000,
    HSX_CAN_BITRATE_500K  = 500000,
    HSX_CAN_BITRATE_1M    = 1000000,
} hsx_can_bitrate_t;

/* CAN frame structure */
typedef struct {
    uint32_t can_id;     /* 11 or 29-bit CAN ID */
    uint8_t dlc;         /* Data length code (0-8) */
    uint8_t flags;       /* HSX_CAN_*_FRAME flags */
    uint8_t data[8];     /* CAN frame data */
} hsx_can_frame_t;

/* CAN RX event data */
typedef struct {
    uint32_t can_id;
    uint8_t dlc;
    uint8_t flags;
    uint8_t data[8];
    uint32_t timestamp;
} hsx_can_rx_event_t;

/**
 * Initialize CAN peripheral with default configuration.
 * 
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_can_init(void);

/**
 * Configure CAN bitrate and mode.
 * 
 * @param bitrate CAN bitrate
 * @param mode Reserved for future use (set to 0)
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_can_config(hsx_can_bitrate_t bitrate, uint32_t mode);

/**
 * Transmit CAN frame (synchronous, uses syscall).
 * Blocks until frame is sent or timeout occurs.
 * 
 * @param frame Pointer to CAN frame structure
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_can_tx(const hsx_can_frame_t* frame);

/**
 * Receive CAN frame (blocking, uses mailbox).
 * Blocks until frame arrives or timeout occurs.
 * 
 * @param frame Pointer to receive frame structure
 * @param timeout_ms Timeout in milliseconds
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_can_rx(hsx_can_frame_t* frame, uint32_t timeout_ms);

/**
 * Set CAN filter (accept/reject frames based on ID).
 * 
 * @param filter_id Filter bank number (0-15)
 * @param mask Filter mask (bits to check)
 * @param id Filter ID (bits to match)
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_can_set_filter(uint8_t filter_id, uint32_t mask, uint32_t id);

/**
 * Register callback for CAN RX events (mailbox-based).
 * 
 * @param callback Callback function
 * @param user_data User data passed to callback
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_can_set_rx_callback(hsx_hal_event_callback_t callback, void* user_data);

/**
 * Get CAN status flags (error counts, bus-off, etc.).
 * 
 * @return Status flags
 */
uint32_t hsx_can_get_status(void);

/* ---- Additions (not in the spec) ---------------------------------------- */

#include <stddef.h>

/*
 * Buses are 0..HSX_CAN_MAX_BUSES-1, each bound by the administrator to a
 * SocketCAN interface of the machine ("can0", a USB adapter's "can1",
 * "vcan0"; see hsx_can_get_info() and /sys/hal/can/<n>/). The spec's
 * functions act on bus 0; the additions take the bus. hsx.ko sends and
 * receives through the kernel's CAN core, so candump, a raw socket and hsx
 * see the same bus.
 *
 * hsx_can_init() subscribes this process to bus 0's frames and errors
 * (hsx_can_init_ex() to another bus's): hsx_can_rx() returns what arrived
 * from then on, in order. hsx_can_rx() and the callbacks subscribe by
 * themselves on first use. init configures nothing: the bitrate is the
 * interface's (see hsx_can_config()).
 *
 * Receiving. A process receives every frame on the bus that its
 * capability's receive range covers and its filters pass
 * (hsx_can_set_filter()), from the wire and from other programs of this
 * host (HSX_CAN_LOCAL_FRAME), never those it sent itself. Its queue holds
 * 1024 frames; one that reads too slowly loses frames, counted in the next
 * event's lost. The spec's hsx_can_rx() and RX callback take classic frames
 * only, with the spec's flags (HSX_CAN_EXT_FRAME, HSX_CAN_RTR_FRAME) and
 * the spec's 32-bit timestamp in microseconds (CLOCK_MONOTONIC, wrapping
 * after 71 minutes); CAN FD frames are skipped there and come with
 * hsx_can_rx_ex(), hsx_can_wait_event() and hsx_can_set_event_callback().
 * hsx_can_rx() returns HSX_HAL_TIMEOUT when none came in time and
 * HSX_HAL_CLOSED when the bus was unbound (the next call subscribes anew).
 *
 * hsx_can_config(bitrate, mode) makes bus 0 run at bitrate (0: any) in
 * mode (0, or HSX_CAN_MODE_* below: the interface in those modes and no
 * others). Changing an interface needs CAP_NET_ADMIN, which hsx.ko does not
 * lend: when it runs otherwise, hsxd sets it for a process its policy gives
 * the CAN right "config" on that bus, and the kernel is asked again.
 * HSX_HAL_OK: it runs so now. HSX_HAL_UNSUPPORTED: the interface has no
 * bitrate (vcan) and one was asked for, or the controller lacks a mode. HSX_HAL_DENIED
 * with hsx_hal_errno() EACCES: no config right (the capability's, or hsxd's
 * policy); ECONNREFUSED: hsxd is not running (another errno: it could not
 * be asked); EREMCHG: it runs otherwise still (changed again meanwhile).
 * HSX_HAL_INVALID_PARAM with the driver's errno (EDOM, EINVAL, ERANGE): the
 * controller cannot run at that bitrate; it runs as before. HSX_HAL_INVALID_PARAM
 * with errno 0: hsxd refused the arguments (FD without a data bitrate);
 * HSX_HAL_UNSUPPORTED with ENOSYS: hsxd is too old for CAN_CONFIG.
 * HSX_HAL_TIMEOUT (ETIMEDOUT): no answer in time, and the kernel, asked
 * again, says it does not run so (when it does: HSX_HAL_OK); hsxd may still
 * be applying the change (the driver's stop and start can take that long), so
 * it may yet run so, or have been put back. HSX_HAL_BUSY with EAGAIN: the
 * bus was changed less than a second ago (by another client, or by this
 * one: one change a second; an administrator's requests are never held
 * back), or someone else started the interface while hsxd had it stopped:
 * try again. From a callback (the
 * library's dispatcher thread, hsx_cap.h), a bus that runs otherwise is
 * HSX_HAL_BUSY with EDEADLK at once, hsxd not asked: a callback must not
 * wait for it; call it from another thread. A refusal of
 * hsxd's, or hsxd not running, is also said on stderr in hsxd's words, one
 * line per call (HSX_HAL_QUIET=1 silences it). hsxd stops the interface for
 * the change (frames in flight are lost) and brings it up again if it was.
 *
 * hsx_can_tx() waits until the interface echoed the frame (a controller
 * does once it was on the wire), for at most a second: HSX_HAL_TIMEOUT then
 * (it may still go out later), HSX_HAL_BUSY when the interface's transmit
 * queue stayed full that long, HSX_HAL_ERROR with hsx_hal_errno() ENETDOWN
 * when the interface is down, HSX_HAL_DENIED when the capability's transmit
 * range does not cover the frame's ID.
 *
 * hsx_can_set_filter(filter_id, mask, id) turns this process's filter bank
 * filter_id (0..15) of bus 0 on, for frames of both formats whose ID
 * matches: (ID & mask) == (id & mask); mask and id are 29-bit values. While
 * no bank is on every frame passes; once one is, a frame passes when it
 * matches a bank that is on. The banks apply to this process's
 * subscriptions, those already made too. hsx_can_set_filter_ex() chooses
 * the format, or turns a bank off.
 *
 * hsx_can_get_status() returns the status flags, error counters and state
 * packed in one word, HSX_CAN_STATUS_FAILED on an error (see below).
 *
 * Every function checks its arguments first: a length past the frame's
 * kind, an ID wider than 11 (29 with HSX_CAN_EXT_FRAME) bits, unknown
 * flags, a bank past 15, a bus past 15 are HSX_HAL_INVALID_PARAM, and
 * nothing is asked of the kernel. All are thread-safe; after fork() the
 * child subscribes anew (see hsx_cap.h).
 */
#define HSX_CAN_MAX_BUSES 16
#define HSX_CAN_DATA_MAX 64   /* bytes of a CAN FD frame; a classic one has 8 */
#define HSX_CAN_IFNAME_MAX 16 /* an interface's name with its NUL */

/* More frame flags (hsx_can_fd_frame_t.flags); the spec's frames carry EXT and RTR only. */
#define HSX_CAN_FD_FRAME    0x04 /* a CAN FD frame, up to 64 bytes (no RTR) */
#define HSX_CAN_BRS_FRAME   0x08 /* FD: its data at the data bitrate (bit-rate switch) */
#define HSX_CAN_ESI_FRAME   0x10 /* FD, received: its sender was error passive */
#define HSX_CAN_LOCAL_FRAME 0x20 /* received: another program of this host sent it */

/** Any frame: a classic one, or a CAN FD one with HSX_CAN_FD_FRAME. */
typedef struct {
    uint32_t can_id;      /* 11 bits, or 29 with HSX_CAN_EXT_FRAME */
    uint8_t len;          /* 0..8; FD: 0..8, 12, 16, 20, 24, 32, 48 or 64; RTR: the length asked */
    uint8_t flags;        /* HSX_CAN_*_FRAME */
    uint8_t reserved[2];  /* zero */
    uint8_t data[HSX_CAN_DATA_MAX]; /* len bytes (none for RTR); the rest zero when received */
} hsx_can_fd_frame_t;

/** hsx_can_init() for any bus: subscribe to its frames and errors. */
int hsx_can_init_ex(uint8_t bus);

/* Controller modes (hsx_can_config(), hsx_can_config_ex(), hsx_can_status_t.mode). */
#define HSX_CAN_MODE_LOOPBACK 0x1U    /* the controller receives what it sends */
#define HSX_CAN_MODE_LISTEN_ONLY 0x2U /* it never sends, not even an acknowledgement */
#define HSX_CAN_MODE_FD 0x4U          /* CAN FD frames */

/**
 * hsx_can_config() for any bus, with the FD data phase's bitrate.
 *
 * @param bitrate bit/s, up to 8000000; 0: any
 * @param data_bitrate the data phase's, as bitrate
 * @param mode HSX_CAN_MODE_*: the modes the interface must be in, and no others
 * @return HSX_HAL_OK (it runs so, as it did or as hsxd set it), HSX_HAL_UNSUPPORTED,
 *         HSX_HAL_DENIED (errno EACCES: no config right; ECONNREFUSED: no hsxd to set it),
 *         HSX_HAL_INVALID_PARAM (the driver refused it), HSX_HAL_TIMEOUT and
 *         HSX_HAL_BUSY (EAGAIN; EDEADLK from a callback) as hsx_can_config()
 */
int hsx_can_config_ex(uint8_t bus, uint32_t bitrate, uint32_t data_bitrate, uint32_t mode);

/* The longest delay of an automatic restart from bus-off (an hour). */
#define HSX_CAN_RESTART_MS_MAX 3600000U

/**
 * Restart bus's controller, which is bus-off (it stopped taking part in the
 * bus after too many errors; hsx_can_get_status_ex() says so, and the error
 * event of the change). Like hsx_can_config(), this needs CAP_NET_ADMIN: hsxd
 * does it for a process its policy gives the CAN right "config" on the bus,
 * sent this process's CAN file (a capability is acquired on it if it has
 * none). The interface stays up; an error event (the kernel's "restarted")
 * then brings the state back to HSX_CAN_STATE_ACTIVE.
 *
 * @return HSX_HAL_OK: restarted.
 *         HSX_HAL_BUSY with hsx_hal_errno() EBUSY: the controller is not
 *         bus-off (nothing to restart); EALREADY: it restarts by itself
 *         (hsx_can_set_restart_ms() set a delay; set 0 to restart by hand);
 *         EAGAIN: the bus was changed, or asked to restart, less than a
 *         second ago (by any client, this one too): try again.
 *         HSX_HAL_ERROR with ENETDOWN: the interface is down.
 *         HSX_HAL_UNSUPPORTED (EOPNOTSUPP): the interface has no controller
 *         (vcan, vxcan) or its driver cannot restart one; (ENOSYS) hsxd is too old.
 *         HSX_HAL_DENIED as hsx_can_config() (EACCES no config right,
 *         ECONNREFUSED no hsxd), HSX_HAL_NO_DEVICE (ENODEV) the bus is not
 *         bound, HSX_HAL_INVALID_PARAM a bus past 15.
 *         HSX_HAL_TIMEOUT (ETIMEDOUT): hsxd did not answer in time; it may
 *         have restarted the controller all the same (hsx_can_get_status_ex()
 *         says).
 *         HSX_HAL_BUSY with EDEADLK: called from a callback (the library's
 *         dispatcher thread, which must not wait for hsxd: hsx_cap.h); hsxd
 *         was not asked. Call it from another thread.
 *         hsxd's refusal is also said on stderr, as for hsx_can_config().
 *         A restart the kernel refused holds the next one (EAGAIN) for a
 *         second too.
 */
int hsx_can_restart(uint8_t bus);

/**
 * Have bus's controller restart by itself restart_ms ms after it went
 * bus-off (the interface's restart-ms, as ip(8) sets it); 0: never (then
 * hsx_can_restart() does). Asked of hsxd as hsx_can_restart(); hsxd stops
 * the interface for the change (frames in flight are lost) and brings it up
 * again if it was.
 *
 * @param restart_ms 0..HSX_CAN_RESTART_MS_MAX
 * @return HSX_HAL_OK (it has that delay now, or had it already),
 *         HSX_HAL_UNSUPPORTED (EOPNOTSUPP: no controller, or its driver
 *         cannot restart one), HSX_HAL_DENIED, HSX_HAL_NO_DEVICE,
 *         HSX_HAL_INVALID_PARAM, HSX_HAL_TIMEOUT (it may have been set all
 *         the same) and HSX_HAL_BUSY with EDEADLK (from a callback) as
 *         hsx_can_restart(); HSX_HAL_BUSY with EAGAIN: the bus was changed
 *         less than a second ago, or someone else started the interface
 *         while hsxd had it stopped (it runs as before). Straight after this
 *         process's own hsx_can_config_ex() that changed the bus, it is not
 *         held back.
 *         HSX_HAL_ERROR with EIO: the interface did not come up with the new
 *         delay, and runs with the old one again; ENETDOWN: it did not come
 *         up again (the old delay put back); ENOTRECOVERABLE: the old delay
 *         could not be put back. A request that failed so is refused again,
 *         without touching the bus, for 10 s (hsxd's words say so).
 */
int hsx_can_set_restart_ms(uint8_t bus, uint32_t restart_ms);

#define HSX_CAN_TX_NOWAIT 0x1U /* return once queued: then one TX_DONE or TX_FAILED event */
#define HSX_CAN_TX_PENDING_MAX 64 /* NOWAIT frames of one process awaiting their echo, per bus */

/**
 * Send a classic or CAN FD frame.
 *
 * @param timeout_ms For room in the interface's queue and for the echo: 0
 *        for a second, at most 600000, HSX_HAL_TIMEOUT_INF for the longest
 * @param flags 0, or HSX_CAN_TX_NOWAIT: return once the frame is queued;
 *        hsx_can_wait_event() and the event callback then get exactly one
 *        event for it: TX_DONE once echoed, or TX_FAILED with the reason
 *        (its timeout passed, the interface went down or away, bus-off)
 * @param cookie If not NULL, receives the frame's number (its TX_DONE's or TX_FAILED's)
 * @return HSX_HAL_OK; HSX_HAL_TIMEOUT, HSX_HAL_BUSY, HSX_HAL_ERROR as
 *         hsx_can_tx(); HSX_HAL_UNSUPPORTED: an FD frame on an interface
 *         not in FD mode; HSX_HAL_LIMIT: HSX_CAN_TX_PENDING_MAX NOWAIT frames
 *         of this process await their echo on the bus
 */
int hsx_can_tx_ex(uint8_t bus, const hsx_can_fd_frame_t *frame, uint32_t timeout_ms,
                  uint32_t flags, uint64_t *cookie);

/* Controller states (hsx_can_status_t.state, hsx_can_event_t.state). */
#define HSX_CAN_STATE_ACTIVE 0   /* error active */
#define HSX_CAN_STATE_WARNING 1  /* an error counter reached 96 */
#define HSX_CAN_STATE_PASSIVE 2  /* an error counter reached 128 */
#define HSX_CAN_STATE_BUS_OFF 3
#define HSX_CAN_STATE_STOPPED 4  /* the interface is down */
#define HSX_CAN_STATE_SLEEPING 5
#define HSX_CAN_STATE_NONE 6     /* no controller (vcan) */

typedef enum {
    HSX_CAN_EVENT_FRAME = 0,   /* a frame received */
    HSX_CAN_EVENT_TX_DONE = 1, /* a frame this process sent with HSX_CAN_TX_NOWAIT went */
    HSX_CAN_EVENT_ERROR = 2,   /* an error frame, or a change of the controller's state */
    /*
     * The life of a callback's subscription (hsx_can_set_event_callback(),
     * hsx_can_set_error_callback()), made by the library, with bus and
     * kind only, as hsx_uart.h's HSX_UART_RX_UNBOUND, _REBOUND and _ENDED:
     * the bus was unbound and the callback stays set; subscribed to its new
     * binding (frames it carried before are not delivered; seq starts
     * afresh); ended for good (capability revoked or expired, or the new
     * subscription denied, or the bus came back while this process held
     * another capability than the one the callback was subscribed under:
     * the callback is no longer set). The spec's hsx_can_set_rx_callback()
     * is subscribed again and ended likewise, without them: its events are
     * frames, which cannot carry a notice, so it is told nothing. Removing
     * or replacing a callback returns once it is not running; it never runs
     * after, and a notice made for it never reaches its replacement.
     */
    HSX_CAN_EVENT_UNBOUND = 3,
    HSX_CAN_EVENT_REBOUND = 4,
    HSX_CAN_EVENT_ENDED = 5,
    /* A periodic job of this process ended by itself: see hsx_can_periodic_start(). */
    HSX_CAN_EVENT_PERIODIC_END = 6,
    /* A watch of this process saw no matching frame in time: see hsx_can_watch_arm(). */
    HSX_CAN_EVENT_RX_TIMEOUT = 7,
    /*
     * A frame this process sent with HSX_CAN_TX_NOWAIT was not echoed:
     * error_class says why (HSX_CAN_TX_FAILED_*), cookie and frame which.
     * A cookie gets one TX_DONE or one TX_FAILED, never both.
     */
    HSX_CAN_EVENT_TX_FAILED = 8,
} hsx_can_event_kind_t;

/* Why a NOWAIT frame failed: hsx_can_event_t.error_class of a TX_FAILED. */
#define HSX_CAN_TX_FAILED_TIMEOUT 1 /* its timeout passed without the echo */
#define HSX_CAN_TX_FAILED_DOWN 2    /* the interface went down (its queue was dropped) */
#define HSX_CAN_TX_FAILED_BUS_OFF 3 /* the controller went bus-off */
#define HSX_CAN_TX_FAILED_GONE 4    /* the interface went away, or the bus was unbound */
#define HSX_CAN_TX_FAILED_CLOSED 5  /* the sending process closed its file */

/** One event of a bus, with everything hsx.ko reports. */
typedef struct {
    uint8_t bus;
    uint8_t kind;                  /* hsx_can_event_kind_t */
    uint8_t state;                 /* ERROR: HSX_CAN_STATE_* after it; PERIODIC_END, */
                                   /* RX_TIMEOUT: the slot */
    uint8_t reserved;
    uint16_t tx_errors, rx_errors; /* ERROR: the controller's error counters; PERIODIC_END: */
                                   /* tx_errors its failed sends (at most 65535) */
    uint32_t error_class;          /* ERROR: CAN_ERR_* of <linux/can/error.h> (no CAN_ERR_FLAG); */
                                   /* TX_FAILED: why, HSX_CAN_TX_FAILED_*; */
                                   /* PERIODIC_END: why, HSX_CAN_PERIODIC_END_* */
    uint64_t cookie;               /* TX_DONE, TX_FAILED: what hsx_can_tx_ex() returned; */
                                   /* PERIODIC_END: the frames the job sent; */
                                   /* RX_TIMEOUT: the watch's timeouts, this one included */
    uint64_t timestamp_ns;         /* CLOCK_MONOTONIC when hsx.ko received it */
    uint64_t seq;                  /* this process's count of the bus's events */
    uint32_t lost;                 /* events this process missed just before this one */
    hsx_can_fd_frame_t frame;      /* FRAME, TX_DONE, TX_FAILED: the frame; ERROR: data[0..7] */
                                   /* the details; PERIODIC_END: the job's last frame; */
                                   /* RX_TIMEOUT: can_id and HSX_CAN_EXT_FRAME the watch's ID */
} hsx_can_event_t;

/**
 * The bus's next frame received, classic or FD (TX_DONE events are skipped).
 *
 * @return HSX_HAL_OK, HSX_HAL_TIMEOUT, HSX_HAL_CLOSED (the bus was
 *         unbound), HSX_HAL_BUSY (a callback is set)
 */
int hsx_can_rx_ex(uint8_t bus, hsx_can_event_t *event, uint32_t timeout_ms);

/**
 * The bus's next frame, TX_DONE, TX_FAILED, PERIODIC_END or RX_TIMEOUT, as
 * hsx_can_rx_ex(). A TX_DONE may also be the late echo of a waiting send that
 * returned HSX_HAL_TIMEOUT (its cookie then is none the caller was given).
 */
int hsx_can_wait_event(uint8_t bus, hsx_can_event_t *event, uint32_t timeout_ms);

/**
 * Run callback for every frame, TX_DONE, TX_FAILED, PERIODIC_END and RX_TIMEOUT
 * of the bus, with event_data a const hsx_can_event_t *, on the library's
 * dispatcher thread (NULL removes it). A bus has one such callback: on bus 0 this one and
 * hsx_can_set_rx_callback()'s replace each other.
 */
int hsx_can_set_event_callback(uint8_t bus, hsx_hal_event_callback_t callback, void *user_data);

/**
 * The bus's next error frame or change of state ("hal:can:<n>:err"), kind
 * HSX_CAN_EVENT_ERROR.
 *
 * @return as hsx_can_rx_ex()
 */
int hsx_can_wait_error(uint8_t bus, hsx_can_event_t *event, uint32_t timeout_ms);

/** Run callback for every error event of the bus, as hsx_can_set_event_callback(). */
int hsx_can_set_error_callback(uint8_t bus, hsx_hal_event_callback_t callback, void *user_data);

typedef enum {
    HSX_CAN_FILTER_OFF = 0,  /* the bank is off (id and mask 0) */
    HSX_CAN_FILTER_BOTH = 1, /* on, for frames of both formats */
    HSX_CAN_FILTER_STD = 2,  /* on, for standard frames only (id of 11 bits) */
    HSX_CAN_FILTER_EXT = 3,  /* on, for extended frames only */
} hsx_can_filter_format_t;

/** Set or turn off bank (0..15) of this process on bus; see hsx_can_set_filter(). */
int hsx_can_set_filter_ex(uint8_t bus, uint8_t bank, uint32_t id, uint32_t mask,
                          hsx_can_filter_format_t format);

/* Status flags (hsx_can_status_t.status; bits 0..7 of hsx_can_get_status()). */
#define HSX_CAN_STATUS_UP      0x01 /* the interface is up */
#define HSX_CAN_STATUS_BUS_OFF 0x02
#define HSX_CAN_STATUS_PASSIVE 0x04 /* error passive */
#define HSX_CAN_STATUS_WARNING 0x08 /* error warning */
#define HSX_CAN_STATUS_ERRORS  0x10 /* error frames since this process last read the status */
#define HSX_CAN_STATUS_FD      0x20 /* the interface carries CAN FD frames */

/*
 * hsx_can_get_status()'s word: the flags in bits 0..7, the transmit error
 * counter in 8..15 and the receive error counter in 16..23 (each at most
 * 255: a controller past 255 is bus-off), the state in 24..30; bit 31 alone
 * when the call failed (hsx_hal_errno() says why).
 */
#define HSX_CAN_STATUS_FLAGS(s)     ((s) & 0xffu)
#define HSX_CAN_STATUS_TX_ERRORS(s) (((s) >> 8) & 0xffu)
#define HSX_CAN_STATUS_RX_ERRORS(s) (((s) >> 16) & 0xffu)
#define HSX_CAN_STATUS_STATE(s)     (((s) >> 24) & 0x7fu)
#define HSX_CAN_STATUS_FAILED       0x80000000u

/** The whole status of a bus. */
typedef struct {
    uint32_t status;        /* HSX_CAN_STATUS_* (reading clears HSX_CAN_STATUS_ERRORS) */
    uint32_t state;         /* HSX_CAN_STATE_* */
    uint32_t tx_errors;     /* the controller's transmit error counter (0 without one) */
    uint32_t rx_errors;     /* its receive error counter */
    uint32_t bitrate;       /* bit/s; 0 without a controller */
    uint32_t data_bitrate;  /* the FD data phase's */
    uint32_t mode;          /* HSX_CAN_MODE_* */
    uint64_t rx_frames;     /* frames the bus received since it was bound */
    uint64_t tx_frames;     /* frames sent through hsx and echoed */
    uint64_t tx_failed;     /* sends that failed or timed out */
    uint64_t error_frames;  /* error frames received */
    uint64_t bus_off;       /* times the controller went bus-off */
} hsx_can_status_t;

int hsx_can_get_status_ex(uint8_t bus, hsx_can_status_t *status);

/** Where a bus is bound. */
typedef struct {
    uint8_t bus;
    bool bound;
    bool from_device_tree;
    bool fd;                          /* the interface carries CAN FD frames (MTU 72) */
    uint32_t ifindex;
    char ifname[HSX_CAN_IFNAME_MAX];  /* "can0"; "" when not bound */
} hsx_can_info_t;

int hsx_can_get_info(uint8_t bus, hsx_can_info_t *info);

/*
 * Periodic transmission (can-bcm's TX_SETUP, done by hsx.ko): a job sends
 * frame on bus every interval_us (HSX_CAN_PERIODIC_MIN_US, 100, up to
 * HSX_CAN_PERIODIC_MAX_US), the first at once, count times (0: until
 * stopped), from a kernel timer: the period holds whatever this process
 * does. Jobs are this process's, numbered by slot (0..HSX_CAN_PERIODIC_MAX-1,
 * 16, over all buses), and stop when it exits (the library's CAN file
 * closes). Each send needs what hsx_can_tx_ex() needs: the capability's
 * write right with the frame's ID in its tx range. A job ends by itself when
 * its count is reached, when the capability ends or no longer covers the
 * frame, when the bus's interface goes away, or when a send fails for good
 * (HSX_CAN_PERIODIC_END_*); its end is a HSX_CAN_EVENT_PERIODIC_END event of
 * the bus (hsx_can_wait_event(), the event callback), which starting a job
 * subscribes to (a revocation closes that subscription too: query the job).
 * A full transmit queue or a down interface loses that period's frame: the
 * job goes on, counts it as failed, and backs off (2^n periods after n such
 * sends in a row, at most 64). A bus runs at most 64 jobs of all processes
 * and 20000 of their frames a second (HSX_CAN_PERIODIC_BUS_MAX and _FPS in
 * hsx_uapi.h): a start past them is HSX_HAL_LIMIT (errno ENOSPC). Its
 * frames are not received by this process, neither as frames nor as
 * TX_DONE.
 */
#define HSX_CAN_PERIODIC_SLOTS 16
#define HSX_CAN_PERIODIC_END_NONE 0    /* running */
#define HSX_CAN_PERIODIC_END_COUNT 1   /* it sent its count */
#define HSX_CAN_PERIODIC_END_REVOKED 2 /* the capability ended, or no longer covers the frame */
#define HSX_CAN_PERIODIC_END_GONE 3    /* the bus's interface went away, or it was unbound */
#define HSX_CAN_PERIODIC_END_FAILED 4  /* a send failed for good (e.g. FD on a classic bus) */

/** A job's counts. */
typedef struct {
    uint64_t sent;   /* frames handed to the interface */
    uint64_t failed; /* sends that failed */
    uint32_t end;    /* HSX_CAN_PERIODIC_END_* */
} hsx_can_periodic_status_t;

/**
 * Start a job in slot (free, or holding a job that ended).
 *
 * @return HSX_HAL_OK; HSX_HAL_INVALID_PARAM a bad argument (interval under
 *         the floor, a bad frame); HSX_HAL_BUSY the slot's job runs;
 *         HSX_HAL_DENIED the capability does not cover the frame;
 *         HSX_HAL_LIMIT (ENOSPC) the bus's bounds
 */
int hsx_can_periodic_start(uint8_t bus, uint8_t slot, const hsx_can_fd_frame_t *frame,
                           uint32_t interval_us, uint32_t count);

/**
 * Replace the running job's frame: its next send carries it, without a gap
 * in the period. HSX_HAL_INVALID_PARAM (errno ENOENT) no job in the slot
 * on that bus; HSX_HAL_ERROR (ESRCH) the job ended.
 */
int hsx_can_periodic_update(uint8_t bus, uint8_t slot, const hsx_can_fd_frame_t *frame);

/**
 * Stop the job and free its slot; once it returns, the job sends nothing
 * more (a frame already in the driver's queue may still go). status (may be
 * NULL) gets its counts where the capability lets this process query it
 * (else zero counts, and its end). A stopped job posts no event.
 */
int hsx_can_periodic_stop(uint8_t bus, uint8_t slot, hsx_can_periodic_status_t *status);

/**
 * The job's counts and end, running or ended (until stopped). Needs what
 * starting it needed: after a revocation, HSX_HAL_DENIED until a capability
 * is granted again.
 */
int hsx_can_periodic_query(uint8_t bus, uint8_t slot, hsx_can_periodic_status_t *status);

/*
 * RX-timeout watches (can-bcm's RX_SETUP with RX_TIMEOUT, done by hsx.ko):
 * a watch in slot (0..HSX_CAN_WATCH_SLOTS-1, 16, over all buses) on bus for
 * the frames whose ID matches id under mask, in one format
 * (HSX_CAN_FILTER_STD or HSX_CAN_FILTER_EXT). When none came for timeout_us
 * (100 us up to an hour) since it was armed or since the last one, the bus
 * has a HSX_CAN_EVENT_RX_TIMEOUT event for this process (hsx_can_wait_event(),
 * the event callback), once: the watch then waits for the next matching
 * frame, which starts the timeout again. One event per silence. Every frame
 * on the bus counts, whoever sent it, whatever the filter banks say. The
 * capability must let the process receive every ID the watch matches, when
 * it is armed (HSX_HAL_DENIED) and when an event would go (then the watch
 * goes quiet for good). A capability that ends ends the process's watches
 * at once (no event says so). Arming subscribes the bus's frames, as
 * starting a periodic job does; arming a slot again replaces its watch. A
 * bus has at most 64 watches of all processes (HSX_CAN_WATCH_BUS_MAX): one
 * more is HSX_HAL_LIMIT (ENOSPC). Querying needs what arming needed.
 */
#define HSX_CAN_WATCH_SLOTS 16

/** A watch's counts since it was armed. */
typedef struct {
    uint64_t frames;   /* matching frames */
    uint64_t timeouts; /* timeouts */
} hsx_can_watch_status_t;

int hsx_can_watch_arm(uint8_t bus, uint8_t slot, uint32_t id, uint32_t mask,
                      hsx_can_filter_format_t format, uint32_t timeout_us);
/** End the watch and free its slot; status (may be NULL) gets its counts. */
int hsx_can_watch_disarm(uint8_t bus, uint8_t slot, hsx_can_watch_status_t *status);
int hsx_can_watch_query(uint8_t bus, uint8_t slot, hsx_can_watch_status_t *status);

#endif /* HSX_CAN_H */
