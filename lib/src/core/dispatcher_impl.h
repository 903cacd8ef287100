/* SPDX-License-Identifier: MIT */
/*
 * What dispatcher.c (the table of mailboxes, the API, the thread's life) and
 * dispatcher_loop.c (the thread's ring loop) share: the entries and the one
 * dispatcher's state. Nothing else includes it (but its unit test).
 */
#ifndef HSX_DISPATCHER_IMPL_H
#define HSX_DISPATCHER_IMPL_H

#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dispatcher.h"
#include "core/mailbox.h"

/* A mailbox's registration; guarded by d->lock unless said otherwise. */
struct entry {
    hsx_mailbox_t *mb; /* the key; the entry goes when the handle is freed */
    struct entry *next_hash;
    hsx_mailbox_callback_t callback;
    void *user_data;
    bool retired;    /* the handle is closing: no callback can be set again */
    bool stopped;    /* the file has nothing more to give (mailbox gone, or broken) */
    bool armed;      /* a multishot poll is in flight; it holds a reference (d->n_armed) */
    bool cancelling; /* ... and its removal has been submitted */
    bool queued;     /* on the to-do list; the list holds a reference */
    struct entry *next_todo;
    struct entry *next_kick;    /* the dispatcher thread's own list; see apply_todo() */
    struct entry *next_release; /* ... and another */
    /* The dispatcher thread's only, no lock: on its ready list, which holds a reference. */
    bool ready;
    struct entry *next_ready;
    /* The thread's only: its last read was the thread's own wait (solo_wait()). */
    bool solo_read;
    /* The thread's only: that wait's read failed at once; not again until armed anew. */
    bool solo_off;
    /* Never reused (the table's counter): what a link names (linked_to). */
    uint64_t id;
    /* Set by the thread under d->lock: the id of the entry in whose file's read the thread
     * waits, to which this one's file is linked (solo_entry(), HSX_IOC_MBOX_QUEUE_LINK), or 0. */
    uint64_t linked_to;
    /* Under d->lock: link plans holding a reference on the mailbox (solo_entry()), which a
     * fork child, without the thread that made them, lets go. */
    unsigned int link_plans;
    /* A library-made event for the callback, before any other (hsx_dispatch_post()). */
    bool has_notice;
    hsx_mailbox_event_t notice;
    /* Under the lock: d->run_gen when the callback was last replaced or removed. */
    uint64_t changed_gen;
};

/* The dispatcher; its lock guards what is not said to be the thread's only. */
struct dispatcher {
    pthread_mutex_t lock;
    /*
     * Broadcast when a run ends (callback_done()) and at stop; not as a run is
     * chosen (run_gen): the run a waiter in hsx_dispatch_quiesce() waits for
     * ends, and says so, before the next is chosen.
     */
    pthread_cond_t idle;
    bool started;
    bool stopping; /* the thread is asked to end */
    bool finished; /* the library is being unloaded: start no thread again */
    pthread_t thread;
    struct io_uring ring; /* the dispatcher thread's only */
    bool deferred;        /* ... made with DEFER_TASKRUN (so solo_wait() may wait) */
    int wake_fd;
    uint64_t wake_count; /* the wake read's buffer */
    /* Whose callback runs now, or is about to (a callback chosen before a read: solo_state). */
    hsx_mailbox_t *running;
    /*
     * Bumped, under the lock, as each callback run is chosen, the callback read with it
     * (drain(), solo_wait()): a run chosen after a callback changed runs the new one, so
     * hsx_dispatch_quiesce() waits for the run chosen last before the change
     * (entry.changed_gen), no later one.
     */
    uint64_t run_gen;
    struct entry *todo; /* mailboxes whose poll must be armed or removed */
    /* Polls armed; changed by the thread (or a fork child) only, with the lock. */
    unsigned int n_armed;
    uint64_t armed_gen; /* ... bumped with each change of one */
    /*
     * The queue file the thread waits in read() on instead of its ring, or
     * -1: kicked on wake. Set under the lock, cleared by the thread without
     * it as soon as the read returns.
     */
    atomic_int solo_fd;
    /* The mailbox whose callback the thread chose before that read (solo_wait()), under the lock.
     */
    hsx_mailbox_t *solo_mb;
    /* The thread's only: hsx.ko refused a link (HSX_IOC_MBOX_QUEUE_LINK); rare mailboxes are
     * then waited for on the ring like any other. */
    bool links_refused;
    /* The dispatcher thread's only, no lock: mailboxes with events to deliver, in turn. */
    struct entry *ready, **ready_tail;
    /* Timers armed (hsx_dispatch_timer_arm()), in no order: few, and looked at once a round. */
    struct hsx_dispatch_timer *timers;
    /* timers != NULL, read by the thread without the lock (set with it). */
    atomic_bool timers_armed;
    /* Where the callback chosen before that read stands (enum solo_state): see solo_wait(). */
    atomic_int solo_state;
    /* hsx_dispatch_set_sched()'s, applied to every thread started (sched_set). */
    bool sched_set;
    int sched_policy, sched_priority;
    /* Every mailbox given a callback, by handle; chained, a power of two of buckets. */
    struct entry **table;
    size_t table_size, table_count;
    uint64_t entry_ids; /* the last entry id given (add_locked()) */
};

/*
 * The callback the thread chose before waiting in a queue file's read()
 * (solo_wait()), with d->solo_mb: ARMED while it reads, RUNNING once the read
 * brought records and it won them for that callback (from ARMED, without the
 * lock), IDLE otherwise. A wake takes ARMED back to IDLE under the lock, so a
 * choice stands only if no change was made since; a RUNNING one is a callback
 * running, which hsx_dispatch_quiesce() waits for as for d->running. A read
 * still waiting is not: nothing says when it ends.
 */
enum solo_state {
    SOLO_IDLE,
    SOLO_ARMED,
    SOLO_RUNNING,
};

extern struct dispatcher hsx_dispatcher;

/* Both files of the dispatcher call it d. */
static struct dispatcher *const d = &hsx_dispatcher;

static inline bool wants_poll(const struct entry *e)
{
    return e->callback && !e->retired && !e->stopped;
}

/* With d->lock held. */
static inline void queue_locked(struct entry *e)
{
    if (e->queued)
        return;
    hsx_mailbox_ref(e->mb);
    e->queued = true;
    e->next_todo = d->todo;
    d->todo = e;
}

/* ---- dispatcher_loop.c: on the dispatcher thread ---------------------------------------- */

/* Make the thread's ring. Returns 0 or -errno. */
int hsx_dispatch_ring_create(void);

/*
 * Run the timers due now, each with no lock held. Returns whether one is
 * still armed, and then in *wait how long until the first is due.
 */
bool hsx_dispatch_run_timers(struct __kernel_timespec *wait);

/*
 * Serve the ring until d->stopping, then let go of the ready list and the
 * ring (the polls go with it; their references stay taken).
 */
void hsx_dispatch_loop(void);

#endif /* HSX_DISPATCHER_IMPL_H */
