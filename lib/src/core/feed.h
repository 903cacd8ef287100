/* SPDX-License-Identifier: MIT */
/*
 * Feeds: the library's standing subscriptions to one mailbox of each object
 * of a module (a UART port's received bytes, a CAN bus's frames or its
 * errors). A feed is opened on the module's node file on first use (init, a
 * read, a callback) and kept for the life of the process, so nothing that
 * arrives between two reads is missed; when the kernel ended it (the object
 * was unbound) the next use opens it again and its callback moves along.
 *
 * A callback needs no next use: when its subscription ends because the
 * object went away (HSX_MAILBOX_CLOSE_GONE), a timer on the dispatcher
 * thread subscribes again, after HSX_FEED_RETRY_FIRST_MS, then doubling up
 * to HSX_FEED_RETRY_MAX_MS, until the object is back, and the callback gets
 * the final event, then HSX_MAILBOX_EVENT_RESUBSCRIBED on the new handle.
 * These tries acquire no capability: one denied (the capability was revoked
 * meanwhile) ends the callback with an event of type CLOSED and reason
 * REVOKED, as a subscription revoked while live does; a callback so ended is
 * closed, never moved to a new subscription. The feed remembers the
 * capability each subscription was opened under (its ID): a callback is
 * moved, by a try or by an application's call, only to a subscription opened
 * under the same one; opened under another (the first revoked or expired
 * during the gap, another held since), it gets the same CLOSED, REVOKED
 * event on the new subscription and is removed from it. A move that fails
 * (for want of memory) keeps the callback and tries again later. A callback
 * removed or replaced meanwhile stops the tries, and no notice made for it
 * reaches the callback that replaced it.
 *
 * Threads of this process that read one object take turns: a reader holds
 * the object's turn from hsx_feed_begin() to hsx_feed_end(). What a module
 * keeps between two events of an object (the bytes of a UART event a read
 * had no room for) is touched only by the turn's holder, so it needs no lock
 * while the holder blocks in a receive.
 *
 * Locks: each object's op lock guards its turn and its subscription changes;
 * it is never held while a callback runs or while waiting for one (removing
 * a callback waits, and the callback may call the module), nor while
 * blocked in a receive (the turn is a flag under op, waited for on a
 * condition variable). It comes first in the library's lock order, beside
 * the GPIO pins' op locks; the feed's table of subscriptions is a leaf.
 */
#ifndef HSX_FEED_H
#define HSX_FEED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/object_table.h"
#include "hsx_hal_types.h"
#include "hsx_mailbox.h"
#include "modules.h"

#include "core/dispatcher.h"

#define HSX_FEED_RETRY_FIRST_MS 20
#define HSX_FEED_RETRY_MAX_MS 1000

struct hsx_feed;

/* One object's turn; guarded by op. */
struct hsx_feed_object {
    pthread_mutex_t op;
    pthread_cond_t turn; /* signalled when reading drops */
    bool reading;        /* a thread of this process has the object's turn */
    /* Subscribing a callback again (see above): the dispatcher thread's. */
    struct hsx_dispatch_timer retry;
    uint32_t retry_ms; /* the next interval */
    /*
     * A callback taken from an ended subscription whose move to the new one
     * failed (its registration, see core/callback.h), tried again later;
     * whether it ends when moved (its capability did not outlive the gap).
     */
    void *orphan;
    bool orphan_ends;
    /* The capability the subscription was opened under (hsx_cap_held_id()). */
    uint64_t cap_id;
    struct hsx_feed *feed;
    uint32_t index;
};

struct hsx_feed {
    enum hsx_umod_index node; /* the module: its node's file authorizes listening */
    unsigned int mailbox;     /* which of its descriptor's mailboxes, named for the object */
    uint32_t count;           /* objects 0..count-1 */
    struct hsx_feed_object *objects;
    atomic_bool ready;             /* the objects' locks are initialised (on first use) */
    struct hsx_object_table table; /* object -> its subscription */
};

/* A feed of module node's mailbox number mailbox, for the objects of the array objects. */
#define HSX_FEED_INIT(node_, mailbox_, objects_)                                                   \
    {                                                                                              \
        .node = (node_), .mailbox = (mailbox_),                                                    \
        .count = (uint32_t)(sizeof(objects_) / sizeof((objects_)[0])), .objects = (objects_),      \
        .table = {.lock = PTHREAD_MUTEX_INITIALIZER},                                              \
    }

/* What a callback's deliver is told of its subscription's life (see above). */
enum hsx_feed_notice {
    HSX_FEED_NOTICE_NONE = 0, /* an event of the object's */
    HSX_FEED_NOTICE_UNBOUND,  /* the final event: the object went away, tries follow */
    HSX_FEED_NOTICE_REBOUND,  /* subscribed again (HSX_MAILBOX_EVENT_RESUBSCRIBED) */
    HSX_FEED_NOTICE_ENDED,    /* the final event otherwise: the callback ends */
};

enum hsx_feed_notice hsx_feed_notice_of(const hsx_mailbox_event_t *event);

/* Subscribe obj now unless it is, so that a later read gets every event from now on. */
int hsx_feed_subscribe(struct hsx_feed *f, uint32_t obj);

/*
 * Set (callback) or remove (NULL) the spec callback of obj's feed,
 * subscribing first to set one; deliver turns its events into the spec's
 * (see core/callback.h). Removing one from an object with no subscription
 * does nothing.
 */
int hsx_feed_set_callback(struct hsx_feed *f, uint32_t obj, hsx_mailbox_callback_t deliver,
                          hsx_hal_event_callback_t callback, void *user_data);

/*
 * Take obj's turn, waiting at most timeout_ms for another reader of this
 * process, and its subscription with a reference (*mb), subscribing if
 * needed. HSX_HAL_OK, or an error with no turn taken.
 */
int hsx_feed_begin(struct hsx_feed *f, uint32_t obj, uint32_t timeout_ms, hsx_mailbox_t **mb);

/*
 * Give the turn and the reference back. gone: the kernel ended the
 * subscription (HSX_HAL_CLOSED from it): it is closed, and the next use
 * subscribes afresh. The calling thread's errno stays the caller's.
 */
void hsx_feed_end(struct hsx_feed *f, uint32_t obj, hsx_mailbox_t *mb, bool gone);

/* Objects with a subscription in this process. */
size_t hsx_feed_count(struct hsx_feed *f);

/*
 * fork(): see fork.c. Prepare takes every object's op lock (first in the
 * library's order), prepare_table the table's lock (a leaf). The child
 * forgets the parent's turns; hsx_feed_fork_forget(), with no lock held,
 * closes its copies of the parent's subscriptions without ending them.
 */
void hsx_feed_fork_prepare(struct hsx_feed *f);
void hsx_feed_fork_prepare_table(struct hsx_feed *f);
void hsx_feed_fork_parent(struct hsx_feed *f);
void hsx_feed_fork_child(struct hsx_feed *f);
void hsx_feed_fork_forget(struct hsx_feed *f);

#endif /* HSX_FEED_H */
