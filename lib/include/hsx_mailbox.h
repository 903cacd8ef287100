/* SPDX-License-Identifier: MIT */
/*
 * Mailboxes: the event path every HSX module shares (an addition to the spec,
 * which names mailboxes but leaves their API to the executive).
 *
 * A mailbox handle is one subscription to a named kernel mailbox
 * ("hal:timer:3", "hal:gpio:5", ...). Events can be taken three ways: a
 * blocking receive with a timeout, a non-blocking poll, or a callback run on
 * the library's dispatcher thread. Events that could not be queued for this
 * subscription are counted by the kernel and reported in the next event's
 * dropped/dropped_total fields. All functions are thread-safe; one handle may
 * be waited on by one thread at a time.
 */
#ifndef HSX_MAILBOX_H
#define HSX_MAILBOX_H

#include <stddef.h>

#include "hsx_hal_types.h"

typedef struct hsx_mailbox hsx_mailbox_t;

typedef enum {
    HSX_MAILBOX_EVENT_DATA = 1,   /* a module event */
    HSX_MAILBOX_EVENT_CLOSED = 2, /* the mailbox is gone; nothing follows */
} hsx_mailbox_event_type_t;

/* Why a mailbox was closed (the kernel's enum hsx_close_reason). */
typedef enum {
    HSX_MAILBOX_CLOSE_UNKNOWN = 0,    /* not reported (an older kernel) */
    HSX_MAILBOX_CLOSE_CANCELLED = 1,  /* its owner cancelled the object */
    HSX_MAILBOX_CLOSE_OWNER_GONE = 2, /* its owner closed its device file or exited */
    HSX_MAILBOX_CLOSE_ADMIN = 3,      /* an administrator cancelled the object */
    HSX_MAILBOX_CLOSE_REVOKED = 4,    /* the capability it was opened under ended (hsx_cap.h) */
    HSX_MAILBOX_CLOSE_GONE = 5,       /* its device went away or was unbound (a port, a bus) */
} hsx_mailbox_close_reason_t;

typedef enum {
    HSX_MAILBOX_MODULE_NONE = 0,
    HSX_MAILBOX_MODULE_UART = 0x10,
    HSX_MAILBOX_MODULE_CAN = 0x11,
    HSX_MAILBOX_MODULE_TIMER = 0x12,
    HSX_MAILBOX_MODULE_FRAM = 0x13, /* no events of its own: its capabilities' ends name it */
    HSX_MAILBOX_MODULE_FS = 0x14,   /* likewise */
    HSX_MAILBOX_MODULE_GPIO = 0x15,
    HSX_MAILBOX_MODULE_CORE = 0x1f, /* capability events: "hal:cap:<id>", "hal:caps" */
} hsx_mailbox_module_t;

/*
 * The module payload of an event has this many bytes in every release: a
 * module added later (UART, CAN, FRAM, FS) takes a member of the union
 * within it, so the event never changes size (HSX_MAILBOX_EVENT_SIZE, on
 * every ABI) and a program built against an older header keeps working.
 */
#define HSX_MAILBOX_PAYLOAD_SIZE 128
#define HSX_MAILBOX_EVENT_SIZE (56 + HSX_MAILBOX_PAYLOAD_SIZE)

typedef struct {
    hsx_mailbox_event_type_t type;
    hsx_mailbox_module_t module; /* which member of the union is valid */
    uint32_t mailbox_id;
    uint32_t reserved1;     /* zero */
    uint64_t seq;           /* per-mailbox sequence number */
    uint64_t timestamp_ns;  /* CLOCK_MONOTONIC of the event: an edge's interrupt, a timer's
                               expiry, else when it was posted */
    uint32_t dropped;       /* lost for this subscription since the previous event */
    uint32_t reserved2;     /* zero */
    uint64_t dropped_total; /* lost for this subscription in all */
    hsx_mailbox_close_reason_t close_reason; /* for HSX_MAILBOX_EVENT_CLOSED */
    uint32_t reserved3;                      /* zero */
    union {
        struct {
            uint32_t timer_id;
            uint64_t tick_us;
            uint32_t overruns;
            uint64_t expirations;
        } timer;
        struct {
            uint32_t pin;
            uint32_t edge;         /* HSX_GPIO_EDGE_RISING or _FALLING */
            uint32_t value;        /* logical value after the edge */
            uint64_t timestamp_ns; /* CLOCK_MONOTONIC of the edge, taken in its interrupt */
            uint64_t line_seq;     /* edges seen on the pin since its interrupt was enabled */
        } gpio;
        struct {
            uint32_t port;
            uint8_t kind;    /* HSX_UART_EVENT_* (hsx_uart.h): data, idle, tx done, modem */
            uint8_t length;  /* bytes in data, 0..32 (0: only flags) */
            uint8_t flags;   /* HSX_UART_RX_* (hsx_uart.h) */
            uint32_t lines;  /* modem: HSX_UART_LINE_* after the change */
            uint64_t offset; /* data: bytes the port received before data[0]; idle: received so
                                far; tx done: written so far */
            uint8_t data[32];
        } uart;
        struct {
            uint32_t bus;
            uint8_t kind;       /* HSX_CAN_EVENT_* (hsx_can.h): frame, tx done, error, job end,
                                   rx timeout, tx failed */
            uint8_t flags;      /* frame, tx done: HSX_CAN_*_FRAME (hsx_can.h) */
            uint8_t len;        /* frame: its length (an RTR's: the one asked for) */
            uint8_t state;      /* error: HSX_CAN_STATE_* after it; job end, rx timeout: slot */
            uint32_t id;        /* frame, tx done: the frame's ID; error: its class */
            uint16_t tx_errors; /* error: the controller's error counters; job end: */
            uint16_t rx_errors; /* (tx_errors) its failed sends (at most 0xffff) */
            uint64_t cookie;    /* tx done, tx failed: what hsx_can_tx_ex() returned; job end:
                                   frames sent; rx timeout: the watch's timeouts */
            uint8_t data[64];   /* frame: len bytes (none for an RTR); error: 8 detail bytes */
            uint32_t reason;    /* tx failed: HSX_CAN_TX_FAILED_*; job end:
                                   HSX_CAN_PERIODIC_END_* (hsx_can.h) */
        } can;
        struct {
            uint64_t id;         /* the capability that ended */
            uint64_t object;     /* the first word of its selector (GPIO: the pin mask) */
            uint32_t module;     /* what it covered: HSX_MAILBOX_MODULE_TIMER, _GPIO, ... */
            uint32_t reason;     /* hsx_cap_reason_t (hsx_cap.h) */
            uint32_t holder_pid; /* in the initial pid namespace */
        } cap;
        uint64_t reserved[HSX_MAILBOX_PAYLOAD_SIZE / 8]; /* the union's size; zero past a member */
    } u;
} hsx_mailbox_event_t;

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(hsx_mailbox_event_t) == HSX_MAILBOX_EVENT_SIZE,
               "hsx_mailbox_event_t has the size it promises");
#endif

/** Callback for hsx_mailbox_set_callback(); runs on the dispatcher thread. */
typedef void (*hsx_mailbox_callback_t)(hsx_mailbox_t *mailbox, const hsx_mailbox_event_t *event,
                                       void *user_data);

/**
 * Subscribe to a mailbox.
 *
 * @param name Mailbox name, e.g. "hal:timer:3"
 * @param mailbox Receives the handle on success
 * @return HSX_HAL_OK, HSX_HAL_NO_DEVICE (no such mailbox, or hsx.ko not loaded),
 *         HSX_HAL_DENIED, HSX_HAL_LIMIT, HSX_HAL_INVALID_PARAM, ...
 */
int hsx_mailbox_open(const char *name, hsx_mailbox_t **mailbox);

/**
 * Receive the next event.
 *
 * @param mailbox Handle
 * @param event Filled on success
 * @param timeout_ms 0 polls without blocking; HSX_HAL_TIMEOUT_INF waits forever
 * @return HSX_HAL_OK; HSX_HAL_TIMEOUT; HSX_HAL_CLOSED when the mailbox was
 *         destroyed (the final event, with its close_reason and drop counts,
 *         is filled in the first time) or closed by another thread;
 *         HSX_HAL_DENIED (hsx_hal_errno() EKEYREVOKED) instead when the
 *         subscription ended because the capability it was opened under
 *         ended (close_reason HSX_MAILBOX_CLOSE_REVOKED), then and after;
 *         HSX_HAL_BUSY when a callback is registered; HSX_HAL_ERROR with
 *         hsx_hal_errno() EBADMSG or EPROTO for a malformed message (counted
 *         as a drop in the next event).
 */
int hsx_mailbox_recv(hsx_mailbox_t *mailbox, hsx_mailbox_event_t *event, uint32_t timeout_ms);

/**
 * Run a callback for every event on the library's dispatcher thread. Passing
 * NULL removes it; when that returns, the callback is not running and will
 * not run again (unless removed from within the callback itself). Replacing
 * one is the same for the callback replaced: when the call returns, it is not
 * running and will not run again, though the new one may already be running
 * (the call does not wait for the new one's runs). Callbacks
 * of different mailboxes take turns: a mailbox with a backlog gets a few
 * events at a time while others have events too. The dispatcher thread ends
 * with the library (exit(), dlclose()), which waits for a callback that runs
 * then to return; exit() called from inside a callback does not wait for it.
 */
int hsx_mailbox_set_callback(hsx_mailbox_t *mailbox, hsx_mailbox_callback_t callback,
                             void *user_data);

/**
 * Scheduling of the dispatcher thread, the one every callback runs on (an
 * addition to the spec): policy SCHED_OTHER (priority 0), or SCHED_FIFO or
 * SCHED_RR with a priority sched_get_priority_min() .. _max() of that policy
 * (1 .. 99 on Linux), as real-time applications set their own threads. It
 * starts the thread if it does not run yet, applies now, and stays for a
 * thread started again later (a fork child's). Without it the thread has the
 * policy and priority of the thread that first set a callback. The locks the
 * dispatcher shares with the application's threads are priority-inheriting
 * (PTHREAD_PRIO_INHERIT), so a lower-priority thread inside the library is
 * boosted while the dispatcher waits for it. Callbacks run on a stack of
 * 512 KiB (the library's threads do not take RLIMIT_STACK's default).
 *
 * @return HSX_HAL_OK; HSX_HAL_INVALID_PARAM for another policy or a priority
 *         out of its range; HSX_HAL_DENIED, hsx_hal_errno() EPERM, when this
 *         process may not use the policy or priority (a real-time one needs
 *         CAP_SYS_NICE or an RLIMIT_RTPRIO that allows it): nothing changed;
 *         HSX_HAL_ERROR with ESHUTDOWN while the library is being unloaded.
 */
int hsx_mailbox_set_dispatcher_sched(int policy, int priority);

/**
 * Lock the process's memory, all of it now and what it maps later
 * (mlockall(MCL_CURRENT | MCL_FUTURE)): no page fault then holds up a
 * callback or a wait, the dispatcher's stack and buffers included (an
 * addition to the spec, for real-time use with the call above). For good:
 * munlockall() undoes it. With MCL_FUTURE every later mapping is locked and
 * counts against RLIMIT_MEMLOCK too: threads' stacks (the dispatcher's is
 * 512 KiB, an application thread's RLIMIT_STACK's 8 MiB unless set), malloc
 * arenas, files mapped; once the limit is reached such a mapping fails
 * (pthread_create() EAGAIN, mmap() ENOMEM/EAGAIN, a large malloc() NULL).
 * Without CAP_IPC_LOCK leave room for them, or call it after the threads
 * are started.
 *
 * @return HSX_HAL_OK; HSX_HAL_DENIED (EPERM) without CAP_IPC_LOCK or an
 *         RLIMIT_MEMLOCK of 0; HSX_HAL_LIMIT (ENOMEM) when the memory is more
 *         than RLIMIT_MEMLOCK allows
 */
int hsx_hal_lock_memory(void);

/** Name and kernel ID of a subscription. */
const char *hsx_mailbox_name(const hsx_mailbox_t *mailbox);
uint32_t hsx_mailbox_id(const hsx_mailbox_t *mailbox);

/**
 * The file descriptor to poll for readability, for integration in an event
 * loop. Events that arrived while the subscription was being set up are held
 * by the library, where poll() cannot see them: call hsx_mailbox_recv() with
 * timeout 0 until HSX_HAL_TIMEOUT before the first poll, and after each wake-up.
 *
 * @return The descriptor, or HSX_HAL_INVALID_PARAM for NULL
 */
int hsx_mailbox_fd(const hsx_mailbox_t *mailbox);

/**
 * Unsubscribe and free the handle. Removes a callback first (see above).
 * A thread blocked in hsx_mailbox_recv() on it returns HSX_HAL_CLOSED.
 */
int hsx_mailbox_close(hsx_mailbox_t *mailbox);

/** Kernel-side statistics of one mailbox, as listed by hsx_mailbox_list(). */
typedef struct {
    uint32_t id;
    char name[64];
    uint32_t subscribers;
    uint64_t seq;
    uint64_t events;
    uint64_t drops;
} hsx_mailbox_info_t;

/**
 * List all mailboxes.
 *
 * @param info Array to fill
 * @param max Capacity of the array
 * @return Number of mailboxes that exist (may exceed max; only max are filled),
 *         or a negative error code
 */
int hsx_mailbox_list(hsx_mailbox_info_t *info, size_t max);

#endif /* HSX_MAILBOX_H */
