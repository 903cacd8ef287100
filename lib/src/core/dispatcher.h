/* SPDX-License-Identifier: MIT */
/*
 * The dispatcher: one library-owned thread that runs mailbox callbacks.
 */
#ifndef HSX_DISPATCHER_H
#define HSX_DISPATCHER_H

#include <stdbool.h>

#include "hsx_mailbox.h"

/* A mailbox's registration with the dispatcher; guarded by the dispatcher's lock. */
struct hsx_dispatch_slot {
    hsx_mailbox_callback_t callback;
    void *user_data;
    bool retired;    /* the handle is closing: no callback can be set again */
    bool stopped;    /* the socket has nothing more to give (mailbox gone, or broken) */
    bool armed;      /* a multishot poll is in flight; it holds a reference */
    bool cancelling; /* ... and its removal has been submitted */
    bool queued;     /* on the to-do list; the list holds a reference */
    hsx_mailbox_t *next_todo;
    hsx_mailbox_t *next_kick;    /* the dispatcher thread's own list; see apply_todo() */
    hsx_mailbox_t *next_release; /* ... and another */
    /* The dispatcher thread's only, no lock: on its ready list, which holds a reference. */
    bool ready;
    hsx_mailbox_t *next_ready;
};

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
 * Return once mb's callback is not running, unless called on the dispatcher
 * thread (from inside a callback), where waiting would deadlock. Called with
 * no lock held, after hsx_dispatch_set() or hsx_dispatch_retire(): from then
 * on the old callback is not called again.
 */
void hsx_dispatch_quiesce(hsx_mailbox_t *mb);

/* Whether the caller is the dispatcher thread, i.e. runs inside a callback. */
bool hsx_dispatch_on_thread(void);

/*
 * Library teardown (a destructor calls it at exit() and dlclose()): stop the
 * thread for good and join it, after the callback it runs returns. On the
 * dispatcher thread itself, it only stops it from starting callbacks. A
 * callback set afterwards is refused (HSX_HAL_ERROR, ESHUTDOWN).
 */
void hsx_dispatch_stop(void);

/* fork(): see fork.c. */
void hsx_dispatch_fork_prepare(void);
void hsx_dispatch_fork_parent(void);
void hsx_dispatch_fork_child(void);

#endif /* HSX_DISPATCHER_H */
