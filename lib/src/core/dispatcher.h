/* SPDX-License-Identifier: MIT */
/*
 * The dispatcher: one library-owned thread that runs mailbox callbacks. It
 * keeps what it knows of each mailbox in a table of its own, keyed by the
 * handle; mailbox.c tells it of a callback set or removed, of the handle
 * closing and of it being freed, and it asks mailbox.c only for the handle's
 * descriptor, one event at a time (hsx_mailbox_take()) and references.
 */
#ifndef HSX_DISPATCHER_H
#define HSX_DISPATCHER_H

#include <stdbool.h>
#include <stdint.h>

#include "hsx_mailbox.h"

/*
 * Set or replace (callback != NULL) or remove (NULL) the callback of mb,
 * starting the thread on first use. Called with mb->lock held; the caller
 * then calls hsx_dispatch_quiesce() without it. *old_user_data, if asked for,
 * receives the user data of the callback replaced. Returns HSX_HAL_OK or a code.
 */
int hsx_dispatch_set(hsx_mailbox_t *mb, hsx_mailbox_callback_t callback, void *user_data,
                     void **old_user_data);

/* As hsx_dispatch_set(mb, NULL, ...), for good: the handle is being closed. */
void hsx_dispatch_retire(hsx_mailbox_t *mb, void **old_user_data);

/*
 * The handle is being freed (its last reference went): forget its entry.
 * Called with no lock held. Nothing of the dispatcher's can still use the
 * entry: every poll in flight and every list holds a reference.
 */
void hsx_dispatch_forget(hsx_mailbox_t *mb);

/*
 * Return once the run of mb's callback under way when the callback was last
 * replaced or removed, if any, has ended (a run chosen since calls the
 * callback set since, or none runs after a removal), unless called
 * on the dispatcher thread (from inside a callback), where waiting would
 * deadlock. Called with no lock held, after hsx_dispatch_set() or
 * hsx_dispatch_retire(): from then on the old callback is not called again.
 */
void hsx_dispatch_quiesce(hsx_mailbox_t *mb);

/*
 * Timers on the dispatcher thread, for work that must come back later
 * without a thread of its own (a feed subscribing again to an object that
 * went away, core/feed.c). A timer is the caller's memory; fn runs on the
 * dispatcher thread with no lock held, between callbacks.
 */
struct hsx_dispatch_timer {
    void (*fn)(struct hsx_dispatch_timer *timer);
    /* The dispatcher's, under its lock. */
    uint64_t due_ns; /* CLOCK_MONOTONIC */
    struct hsx_dispatch_timer *next;
};

/*
 * Run timer->fn once, delay_ms from now (an armed timer is moved). Only while
 * the dispatcher runs: HSX_HAL_ERROR (ESHUTDOWN) when it does not (it has
 * not started, or the library is being unloaded).
 */
int hsx_dispatch_timer_arm(struct hsx_dispatch_timer *timer, uint32_t delay_ms);

/*
 * Give mb's callback a library-made event (a copy of *event) before any other
 * of mb's, even once its file has nothing more to give (its final event was
 * delivered). A later one replaces one not delivered yet. HSX_HAL_CLOSED
 * when mb has no callback.
 */
int hsx_dispatch_post(hsx_mailbox_t *mb, const hsx_mailbox_event_t *event);

/*
 * hsx_mailbox_set_dispatcher_sched(), checked: policy and priority for the
 * thread, now (starting it) and whenever it starts again. Returns HSX_HAL_OK
 * or a code; on a refusal nothing changes.
 */
int hsx_dispatch_set_sched(int policy, int priority);

/* Whether the caller is the dispatcher thread, i.e. runs inside a callback. */
bool hsx_dispatch_on_thread(void);

/*
 * Library teardown (a destructor calls it at exit() and dlclose()): stop the
 * thread for good and join it, after the callback it runs returns; one that
 * has not returned within HSX_THREAD_JOIN_BOUND_MS is left running, detached.
 * On the dispatcher thread itself, it only stops it from starting callbacks.
 * A callback set afterwards is refused (HSX_HAL_ERROR, ESHUTDOWN).
 */
void hsx_dispatch_stop(void);

/* fork(): see fork.c. */
void hsx_dispatch_fork_prepare(void);
void hsx_dispatch_fork_parent(void);
void hsx_dispatch_fork_child(void);
void hsx_dispatch_fork_forget(void);

#endif /* HSX_DISPATCHER_H */
