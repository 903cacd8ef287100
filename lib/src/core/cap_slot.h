/* SPDX-License-Identifier: MIT */
/*
 * The capability slots, shared by the capability files and no other: cap.c
 * (the slots and acquisition), cap_watch.c (revocation events), cap_renew.c
 * (renewal) and cap_api.c (the hsx_cap_* API). Everything here is guarded by
 * hsx_caps.lock, which is released only across an exchange with hsxd (the
 * slot's busy flag marks one) and while a watch is subscribed; see cap.c.
 */
#ifndef HSX_CAP_SLOT_H
#define HSX_CAP_SLOT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/cap.h"
#include "core/hsxd_client.h"
#include "core/module.h"
#include "hsx_uapi.h"

#define CAP_MESSAGE_MAX sizeof(((hsx_cap_info_t *)0)->message)
/* The stderr line of a denial episode: the message and what precedes it. */
#define CAP_LINE_MAX (CAP_MESSAGE_MAX + 64)

struct cap_slot {
    int fd;     /* the node's file, -1 until device.c opened it */
    bool known; /* HSX_IOC_CAP_INFO answered for fd */
    bool privileged, enforcing;
    bool held; /* cap is in force, as far as the library knows */
    struct hsx_cap_info cap;
    uint64_t renew_at; /* CLOCK_BOOTTIME; 0: no renewal due */
    /* What to ask for: hsx_cap_request(), or 0 / all-zero for all the policy allows. */
    uint32_t want_rights;
    union hsx_cap_selector want_sel;
    bool dropped;                  /* hsx_cap_drop(): acquire nothing until hsx_cap_request() */
    bool busy;                     /* an exchange with hsxd is under way */
    bool acquire_queued;           /* asked from the dispatcher: the renewal thread acquires */
    unsigned int attempts;         /* acquisitions tried */
    unsigned int failures;         /* ... that failed, in a row */
    uint64_t last_attempt;         /* CLOCK_MONOTONIC of the last one */
    int err;                       /* errno of the last failure */
    bool reported;                 /* the stderr line of this denial episode was printed */
    char message[CAP_MESSAGE_MAX]; /* why there is none */
};

struct hsx_caps {
    pthread_mutex_t lock;
    pthread_cond_t idle; /* a slot stopped being busy, or a revocation callback returned */
    struct cap_slot slots[HSX_UMOD_COUNT];
};

extern struct hsx_caps hsx_caps;

static inline uint64_t cap_clock_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline bool cap_needs_capability(const struct cap_slot *s)
{
    return s->known && s->enforcing && !s->privileged;
}

static inline bool cap_in_force(const struct hsx_cap_info *cap)
{
    return cap->id != 0 && cap->state != HSX_CAP_STATE_ENDED;
}

static inline void cap_wait_idle_locked(const struct cap_slot *s)
{
    while (s->busy)
        pthread_cond_wait(&hsx_caps.idle, &hsx_caps.lock);
}

/* ---- cap.c: the slots and acquisition ------------------------------------------------ */

/* Ask the file what it needs and holds. Returns 0 or -errno. */
int hsx_cap_learn_locked(enum hsx_umod_index node, struct hsx_cap_query *q);

/* The words for an end reason (HSX_CAP_END_*), as hsx_cap_reason_name() gives them. */
const char *hsx_cap_reason_text(uint32_t reason);

/* The capability ended, or the kernel says it is not in force: a new denial episode starts. */
void hsx_cap_end_locked(struct cap_slot *s, uint32_t reason);

/* One exchange with hsxd, the lock released across it; the slot is left busy. */
int hsx_cap_exchange_locked(enum hsx_umod_index node, uint32_t op, struct hsxd_reply *reply,
                            int cancel_fd);
/* The exchange is over: the slot is no longer busy, and waiters are woken. */
void hsx_cap_finish_locked(struct cap_slot *s);

/* Acquire for node. Returns HSX_HAL_OK, or HSX_HAL_DENIED with the reason in the slot. */
int hsx_cap_acquire_locked(enum hsx_umod_index node, int cancel_fd);

/*
 * Acquire for node now, or, on the dispatcher thread, leave it to the
 * renewal thread. Returns HSX_HAL_OK once one is held, HSX_HAL_DENIED
 * otherwise (also while the renewal thread is asking).
 */
int hsx_cap_acquire_or_queue_locked(enum hsx_umod_index node);

/*
 * Wait until no exchange is under way for s, except on the dispatcher
 * thread, which must not wait for hsxd: there, false if one is.
 */
bool hsx_cap_idle_or_not_waiting_locked(const struct cap_slot *s);

/* The stderr line of this denial episode, if it is still due: printed by the caller, unlocked. */
bool hsx_cap_take_report_locked(enum hsx_umod_index node, char *line, size_t size);

/* ---- cap_watch.c: revocation events --------------------------------------------------- */

struct cap_watch;

/*
 * Subscribe to the end of capability id, with the slot busy (so no drop or
 * reset takes the watch meanwhile). The lock is released while subscribing.
 */
void hsx_cap_watch_locked(enum hsx_umod_index node, uint64_t id);

/*
 * Take the watches of node (or of every node, for HSX_UMOD_COUNT) off the
 * list: a drop or a reset is no revocation to tell the application about.
 * The caller closes them with hsx_cap_watches_close(), without the lock.
 */
struct cap_watch *hsx_cap_unwatch_locked(enum hsx_umod_index node);
void hsx_cap_watches_close(struct cap_watch *list);

/* hsx_cap_reset(): every watch off the list (for the caller to close), and no callback. */
struct cap_watch *hsx_cap_watch_reset_locked(void);

/* The fork child, with the lock held: none of the parent's revocation callbacks runs here. */
void hsx_cap_watch_fork_child_locked(void);

#endif /* HSX_CAP_SLOT_H */
