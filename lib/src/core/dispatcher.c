// SPDX-License-Identifier: MIT
/*
 * The dispatcher thread runs mailbox callbacks, one at a time, in the order
 * each mailbox received its events.
 *
 * It waits on an io_uring: one multishot poll (IORING_POLL_ADD_MULTI) per
 * mailbox with a callback, plus a read on an eventfd that other threads write
 * to after changing what should be polled. Only this thread touches the ring;
 * other threads put mailboxes on a to-do list and wake it. A multishot poll
 * posts a completion for every wake-up of the socket without being re-armed,
 * and the kernel ends it (a completion without IORING_CQE_F_MORE) when it is
 * removed or cannot go on, e.g. when the completion queue overflowed; then it
 * is armed again if the mailbox still has a callback. Each in-flight poll
 * holds a reference on its mailbox, so a mailbox closed meanwhile stays valid
 * until its poll's last completion.
 *
 * One busy mailbox must not hold up the others: a mailbox with events is put
 * on a ready list, and each round delivers at most DISPATCH_BUDGET events of
 * each mailbox on it, in turn; one with more left goes to the back, and the
 * ring is only looked at (not waited on) until the list is empty. What is not
 * delivered yet stays in the mailbox's socket or queue file: it is deferred,
 * not lost, and dropped counts only what the kernel could not queue.
 *
 * Removing a callback must mean it is not running and will not run. The
 * dispatcher reads a mailbox's callback under the lock and marks the mailbox
 * "running" before it reads the event it will pass, so a thread that removes
 * the callback either comes first (and the dispatcher leaves the event in the
 * socket for whoever reads next) or waits in hsx_dispatch_quiesce() until the
 * running flag drops.
 *
 * What the dispatcher knows of a mailbox is its own: an entry in a table
 * keyed by the handle (the callback, the poll's state, the lists it is on),
 * under d.lock. Of the mailbox it uses only its descriptor, taking one event
 * (hsx_mailbox_take()) and references; the mailbox tells it when the handle
 * closes (hsx_dispatch_retire()) and when it is freed (hsx_dispatch_forget(),
 * which drops the entry). Every list an entry is on and every poll in flight
 * holds a reference on its mailbox, so an entry lives as long as it is used.
 */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/fork.h"
#include "core/mailbox.h"
#include "core/thread.h"

#define DISPATCH_SQ_ENTRIES 64
#define DISPATCH_CQ_ENTRIES 1024
/* Events of one mailbox per round, while others may be waiting. */
#define DISPATCH_BUDGET 16

/*
 * What a completion is for, in its user_data: an entry pointer for its poll,
 * the pointer with REMOVAL set for the removal of that poll (entries come
 * from calloc, so the low bits are free), or WAKE for the eventfd read.
 */
#define REMOVAL 1u
#define WAKE 2u

/* A mailbox's registration; guarded by d.lock unless said otherwise. */
struct entry {
    hsx_mailbox_t *mb; /* the key; the entry goes when the handle is freed */
    struct entry *next_hash;
    hsx_mailbox_callback_t callback;
    void *user_data;
    bool retired;    /* the handle is closing: no callback can be set again */
    bool stopped;    /* the file has nothing more to give (mailbox gone, or broken) */
    bool armed;      /* a multishot poll is in flight; it holds a reference */
    bool cancelling; /* ... and its removal has been submitted */
    bool queued;     /* on the to-do list; the list holds a reference */
    struct entry *next_todo;
    struct entry *next_kick;    /* the dispatcher thread's own list; see apply_todo() */
    struct entry *next_release; /* ... and another */
    /* The dispatcher thread's only, no lock: on its ready list, which holds a reference. */
    bool ready;
    struct entry *next_ready;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t idle; /* broadcast when running changes */
    bool started;
    bool stopping; /* the thread is asked to end */
    bool finished; /* the library is being unloaded: start no thread again */
    pthread_t thread;
    struct io_uring ring; /* the dispatcher thread's only */
    int wake_fd;
    uint64_t wake_count;    /* the wake read's buffer */
    hsx_mailbox_t *running; /* whose callback runs now, or is about to */
    struct entry *todo;     /* mailboxes whose poll must be armed or removed */
    /* The dispatcher thread's only, no lock: mailboxes with events to deliver, in turn. */
    struct entry *ready, **ready_tail;
    /* Every mailbox given a callback, by handle; chained, a power of two of buckets. */
    struct entry **table;
    size_t table_size, table_count;
} d = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .idle = PTHREAD_COND_INITIALIZER,
    .wake_fd = -1,
    .ready_tail = &d.ready,
};

static _Thread_local bool on_dispatcher_thread;

bool hsx_dispatch_on_thread(void)
{
    return on_dispatcher_thread;
}

/* ---- the table ------------------------------------------------------------------------- */

static size_t bucket_of(const hsx_mailbox_t *mb, size_t size)
{
    /* Fibonacci hashing of the address: its low bits are alignment, its high ones vary. */
    uint64_t h = (uint64_t)(uintptr_t)mb * 0x9e3779b97f4a7c15ULL;

    return (size_t)(h >> 32) & (size - 1);
}

/* With d.lock held: mb's entry, or NULL. */
static struct entry *find_locked(const hsx_mailbox_t *mb)
{
    if (!d.table_size)
        return NULL;
    for (struct entry *e = d.table[bucket_of(mb, d.table_size)]; e; e = e->next_hash) {
        if (e->mb == mb)
            return e;
    }
    return NULL;
}

/* With d.lock held: more buckets once there are as many entries. Returns false without memory. */
static bool grow_locked(void)
{
    size_t size = d.table_size ? d.table_size * 2 : 16;
    struct entry **table = calloc(size, sizeof(*table));

    if (!table)
        return false;
    for (size_t i = 0; i < d.table_size; i++) {
        while (d.table[i]) {
            struct entry *e = d.table[i];
            d.table[i] = e->next_hash;
            size_t b = bucket_of(e->mb, size);
            e->next_hash = table[b];
            table[b] = e;
        }
    }
    free(d.table);
    d.table = table;
    d.table_size = size;
    return true;
}

/* With d.lock held: a new entry for mb, or NULL without memory. */
static struct entry *add_locked(hsx_mailbox_t *mb)
{
    if (d.table_count >= d.table_size && !grow_locked() && !d.table_size)
        return NULL;
    struct entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    size_t b = bucket_of(mb, d.table_size);
    e->mb = mb;
    e->next_hash = d.table[b];
    d.table[b] = e;
    d.table_count++;
    return e;
}

/* With d.lock held: take mb's entry out of the table. */
static struct entry *remove_locked(const hsx_mailbox_t *mb)
{
    if (!d.table_size)
        return NULL;
    for (struct entry **p = &d.table[bucket_of(mb, d.table_size)]; *p; p = &(*p)->next_hash) {
        struct entry *e = *p;
        if (e->mb == mb) {
            *p = e->next_hash;
            d.table_count--;
            return e;
        }
    }
    return NULL;
}

/* ---- the thread ------------------------------------------------------------------------ */

static bool wants_poll(const struct entry *e)
{
    return e->callback && !e->retired && !e->stopped;
}

/* With d.lock held. */
static void queue_locked(struct entry *e)
{
    if (e->queued)
        return;
    hsx_mailbox_ref(e->mb);
    e->queued = true;
    e->next_todo = d.todo;
    d.todo = e;
}

/* With d.lock held: after another thread queued work. */
static void wake_locked(void)
{
    if (d.started)
        eventfd_write(d.wake_fd, 1);
}

static struct io_uring_sqe *next_sqe(void)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&d.ring);

    if (!sqe) {
        io_uring_submit(&d.ring);
        sqe = io_uring_get_sqe(&d.ring);
    }
    return sqe;
}

static void arm_wake_read(void)
{
    /* Completions only queue work, so the submission queue, emptied by each pass, has room. */
    struct io_uring_sqe *sqe = next_sqe();

    io_uring_prep_read(sqe, d.wake_fd, &d.wake_count, sizeof(d.wake_count), 0);
    io_uring_sqe_set_data64(sqe, WAKE);
}

/*
 * Arm or remove polls as the to-do list asks. Returns the mailboxes newly
 * armed, each with a reference: they go on the ready list right away, because
 * events kept by hsx_mailbox_open() (early messages) make the socket no
 * more readable than it already is.
 */
static struct entry *apply_todo(void)
{
    struct entry *kick = NULL, *release = NULL;

    pthread_mutex_lock(&d.lock);
    while (d.todo) {
        struct entry *e = d.todo;
        struct io_uring_sqe *sqe = NULL;
        bool arm = wants_poll(e) && !e->armed;
        bool remove = !wants_poll(e) && e->armed && !e->cancelling;

        if ((arm || remove) && !(sqe = next_sqe())) {
            /* The ring cannot take more now: come back for the rest without waiting long. */
            eventfd_write(d.wake_fd, 1);
            break;
        }
        d.todo = e->next_todo;
        e->queued = false;

        if (arm) {
            io_uring_prep_poll_multishot(sqe, hsx_mailbox_fd(e->mb), POLLIN);
            io_uring_sqe_set_data(sqe, e);
            e->armed = true;
            hsx_mailbox_ref(e->mb); /* the poll's */
            hsx_mailbox_ref(e->mb); /* the kick list's */
            e->next_kick = kick;
            kick = e;
        } else if (remove) {
            io_uring_prep_poll_remove(sqe, (uint64_t)(uintptr_t)e);
            io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)e | REMOVAL);
            e->cancelling = true;
            hsx_mailbox_ref(e->mb); /* the removal's */
        }
        /*
         * The to-do list's, perhaps the last: dropped without d.lock (freeing
         * takes mailbox.c's list lock, and hsx_dispatch_forget() takes d.lock).
         */
        e->next_release = release;
        release = e;
    }
    pthread_mutex_unlock(&d.lock);
    while (release) {
        struct entry *e = release;
        release = e->next_release; /* before the entry may go with its mailbox */
        hsx_mailbox_unref(e->mb);
    }
    return kick;
}

/* Put e, with a reference of the caller's on its mailbox, at the back of the ready list. */
static void make_ready(struct entry *e)
{
    if (e->ready) {
        hsx_mailbox_unref(e->mb); /* not the last: the list holds one */
        return;
    }
    e->ready = true;
    e->next_ready = NULL;
    *d.ready_tail = e;
    d.ready_tail = &e->next_ready;
}

/*
 * Deliver up to budget events queued on mb while it has a callback. Returns
 * true if it delivered all of them and more may be queued.
 */
static bool drain(struct entry *e, unsigned int budget)
{
    hsx_mailbox_t *mb = e->mb;
    int ret;

    do {
        hsx_mailbox_event_t event;

        pthread_mutex_lock(&d.lock);
        hsx_mailbox_callback_t callback = e->callback;
        void *user_data = e->user_data;
        if (!wants_poll(e) || d.stopping) {
            pthread_mutex_unlock(&d.lock);
            return false;
        }
        d.running = mb;
        pthread_mutex_unlock(&d.lock);

        ret = hsx_mailbox_take(mb, &event);
        if (ret == HSX_HAL_OK || ret == HSX_HAL_CLOSED)
            callback(mb, &event, user_data);

        pthread_mutex_lock(&d.lock);
        d.running = NULL;
        pthread_cond_broadcast(&d.idle);
        /* The final event was delivered, or the socket is broken: stop polling it. */
        if (ret != HSX_HAL_OK && ret != HSX_HAL_TIMEOUT) {
            e->stopped = true;
            queue_locked(e);
        }
        pthread_mutex_unlock(&d.lock);
    } while (ret == HSX_HAL_OK && --budget > 0);
    return ret == HSX_HAL_OK;
}

/* One round: each mailbox ready when it starts gets up to DISPATCH_BUDGET events. */
static void serve_ready(void)
{
    struct entry *round = d.ready;

    d.ready = NULL;
    d.ready_tail = &d.ready;
    while (round) {
        struct entry *e = round;
        round = e->next_ready;
        e->ready = false;
        if (drain(e, DISPATCH_BUDGET))
            make_ready(e); /* its reference goes back on the list */
        else
            hsx_mailbox_unref(e->mb);
    }
}

static void on_poll_completion(struct entry *e, int res, unsigned int flags)
{
    hsx_mailbox_t *mb = e->mb;

    if (res > 0) {
        hsx_mailbox_ref(mb); /* the ready list's */
        make_ready(e);
    }

    pthread_mutex_lock(&d.lock);
    if (flags & IORING_CQE_F_MORE) {
        /* Still armed though unwanted, and no removal under way: remove it. */
        if (!wants_poll(e) && !e->cancelling)
            queue_locked(e);
        pthread_mutex_unlock(&d.lock);
        return;
    }
    /* The poll ended: removed, or ended by the kernel; arm it again if still wanted. */
    e->armed = false;
    e->cancelling = false;
    if (wants_poll(e))
        queue_locked(e);
    pthread_mutex_unlock(&d.lock);
    hsx_mailbox_unref(mb); /* the poll's */
}

/*
 * A removal fails with -EALREADY when it meets the poll while the kernel is
 * delivering one of its completions; the poll then stays armed, so try again.
 * (-ENOENT: the poll had ended already; its last completion says so.)
 */
static void on_removal_completion(struct entry *e, int res)
{
    hsx_mailbox_t *mb = e->mb;

    pthread_mutex_lock(&d.lock);
    if (res == -EALREADY && e->armed) {
        e->cancelling = false;
        queue_locked(e);
    }
    pthread_mutex_unlock(&d.lock);
    hsx_mailbox_unref(mb); /* the removal's */
}

/*
 * The dispatcher's ring, made on its own thread: with SINGLE_ISSUER the
 * creating thread is the one submitter, and DEFER_TASKRUN (6.1) then runs
 * completion work when that thread waits, woken directly, instead of as task
 * work signalled to it: an event reaches its callback that much sooner.
 * Older kernels refuse the two flags; the ring works without them.
 */
static int create_ring(void)
{
    struct io_uring_params params = {
        .flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        .cq_entries = DISPATCH_CQ_ENTRIES,
    };
    int ret = io_uring_queue_init_params(DISPATCH_SQ_ENTRIES, &d.ring, &params);

    if (ret == -EINVAL) {
        params = (struct io_uring_params){
            .flags = IORING_SETUP_CQSIZE,
            .cq_entries = DISPATCH_CQ_ENTRIES,
        };
        ret = io_uring_queue_init_params(DISPATCH_SQ_ENTRIES, &d.ring, &params);
    }
    return ret;
}

struct startup {
    sem_t done;
    int ret; /* create_ring()'s */
};

static void *dispatcher_main(void *arg)
{
    struct startup *startup = arg;

    pthread_setname_np(pthread_self(), "hsx-dispatch");
    on_dispatcher_thread = true;
    startup->ret = create_ring();
    bool failed = startup->ret < 0;
    sem_post(&startup->done); /* startup is gone after this */
    if (failed)
        return NULL;
    arm_wake_read();

    for (;;) {
        struct io_uring_cqe *cqe;

        pthread_mutex_lock(&d.lock);
        bool stopping = d.stopping;
        pthread_mutex_unlock(&d.lock);
        if (stopping)
            break;
        struct entry *kick = apply_todo();

        io_uring_submit(&d.ring);
        while (kick) {
            struct entry *e = kick;
            kick = e->next_kick;
            make_ready(e); /* with the kick list's reference */
        }
        serve_ready();

        /*
         * Always into the kernel, even with completions waiting: with
         * DEFER_TASKRUN that is where pending completion work runs, and a
         * poll whose work is pending refuses removal (EALREADY) until it has.
         * With mailboxes still ready, only to collect what is there.
         */
        int ret = d.ready ? io_uring_submit_and_get_events(&d.ring)
                          : io_uring_submit_and_wait(&d.ring, 1);
        if (ret < 0)
            continue; /* EINTR; or the CQ overflowed, which the next wait flushes */
        while (io_uring_peek_cqe(&d.ring, &cqe) == 0) {
            uint64_t tag = io_uring_cqe_get_data64(cqe);
            int res = cqe->res;
            unsigned int flags = cqe->flags;

            io_uring_cqe_seen(&d.ring, cqe);
            if (tag == WAKE)
                arm_wake_read();
            else if (tag & REMOVAL)
                on_removal_completion((struct entry *)(uintptr_t)(tag & ~(uint64_t)REMOVAL), res);
            else
                on_poll_completion((struct entry *)(uintptr_t)tag, res, flags);
        }
    }
    /* Stopped (library teardown): the polls go with the ring; their references stay taken. */
    while (d.ready) {
        struct entry *e = d.ready;
        d.ready = e->next_ready;
        e->ready = false;
        hsx_mailbox_unref(e->mb);
    }
    d.ready_tail = &d.ready;
    io_uring_queue_exit(&d.ring);
    return NULL;
}

/* With d.lock held. */
static int start_locked(void)
{
    struct startup startup = {.ret = 0};
    int ret;

    d.wake_fd = eventfd(0, EFD_CLOEXEC);
    if (d.wake_fd < 0)
        return hsx_fail_with_errno(-errno);
    if (sem_init(&startup.done, 0, 0)) {
        ret = errno;
        goto err_wake;
    }
    ret = hsx_thread_start(&d.thread, dispatcher_main, &startup);
    if (ret)
        goto err_sem;
    /* The new thread takes d.lock only after reporting, so waiting with it held is safe. */
    while (sem_wait(&startup.done) && errno == EINTR)
        ;
    sem_destroy(&startup.done);
    if (startup.ret < 0) {
        pthread_join(d.thread, NULL);
        ret = -startup.ret;
        goto err_wake;
    }
    /* Joinable: hsx_dispatch_stop() joins it at library teardown, for a bounded time. */
    d.started = true;
    return HSX_HAL_OK;

err_sem:
    sem_destroy(&startup.done);
err_wake:
    close(d.wake_fd);
    d.wake_fd = -1;
    return hsx_fail_with_errno(-ret);
}

int hsx_dispatch_set(hsx_mailbox_t *mb, hsx_mailbox_callback_t callback, void *user_data,
                     void **old_user_data)
{
    if (callback)
        hsx_fork_watch(); /* before d.lock: see fork.h */
    pthread_mutex_lock(&d.lock);
    if (callback && !d.started) {
        int ret = d.finished ? hsx_fail_with(HSX_HAL_ERROR, ESHUTDOWN) : start_locked();
        if (ret != HSX_HAL_OK) {
            pthread_mutex_unlock(&d.lock);
            return ret;
        }
    }
    struct entry *e = find_locked(mb);
    if (!e && callback && !(e = add_locked(mb))) {
        pthread_mutex_unlock(&d.lock);
        return hsx_fail_with_errno(ENOMEM);
    }
    if (old_user_data)
        *old_user_data = e ? e->user_data : NULL;
    /* No entry and no callback: it never had one, so there is nothing to remove. */
    if (e) {
        e->callback = callback;
        e->user_data = callback ? user_data : NULL;
        /* Before the thread exists nothing is polled, so there is nothing to tell it. */
        if (d.started) {
            queue_locked(e);
            wake_locked();
        }
    }
    pthread_mutex_unlock(&d.lock);
    return HSX_HAL_OK;
}

void hsx_dispatch_retire(hsx_mailbox_t *mb, void **old_user_data)
{
    pthread_mutex_lock(&d.lock);
    struct entry *e = find_locked(mb);
    if (old_user_data)
        *old_user_data = e ? e->user_data : NULL;
    if (e) {
        e->callback = NULL;
        e->user_data = NULL;
        e->retired = true;
        if (d.started) {
            queue_locked(e);
            wake_locked();
        }
    }
    pthread_mutex_unlock(&d.lock);
}

void hsx_dispatch_forget(hsx_mailbox_t *mb)
{
    pthread_mutex_lock(&d.lock);
    struct entry *e = remove_locked(mb);
    pthread_mutex_unlock(&d.lock);
    free(e);
}

/* ---- teardown --------------------------------------------------------------------------- */

/*
 * Stop the thread for good and join it: it finishes the callback it runs, if
 * any, and starts no other. Not on the dispatcher thread itself (exit() from
 * a callback), which cannot wait for itself: it only stops starting
 * callbacks there, and the process ends around it. A fork child that never
 * started one has nothing to stop.
 *
 * The wait is bounded (HSX_THREAD_JOIN_BOUND_MS): a callback may block for
 * ever (on a lock the exiting thread holds, on I/O, on purpose), and exit()
 * must not hang on it. Past the bound the thread is detached and left as it
 * is: still marked stopping, its ring, eventfd and table untouched (it may use
 * them when its callback returns, and then ends by itself). At exit() the
 * process ends around it. At dlclose() a callback that outlives the bound
 * would return into unmapped code: an application must not unload the
 * library while one of its callbacks can block.
 */
void hsx_dispatch_stop(void)
{
    pthread_mutex_lock(&d.lock);
    d.finished = true;
    if (!d.started || d.stopping || on_dispatcher_thread) {
        d.stopping = d.started;
        pthread_mutex_unlock(&d.lock);
        return;
    }
    d.stopping = true;
    eventfd_write(d.wake_fd, 1);
    pthread_t thread = d.thread;
    pthread_mutex_unlock(&d.lock);

    if (!hsx_thread_join_within(thread, HSX_THREAD_JOIN_BOUND_MS))
        return;

    pthread_mutex_lock(&d.lock);
    close(d.wake_fd);
    d.wake_fd = -1;
    d.started = false;
    d.stopping = false;
    d.running = NULL;
    pthread_cond_broadcast(&d.idle);
    pthread_mutex_unlock(&d.lock);
}

/*
 * Library teardown (exit(), dlclose()): no thread may outlive the code it
 * runs, and none may hold up exit() for ever (see hsx_dispatch_stop()).
 */
__attribute__((destructor)) static void dispatch_teardown(void)
{
    hsx_dispatch_stop();
}

/* ---- fork ----------------------------------------------------------------------------- */

void hsx_dispatch_fork_prepare(void)
{
    pthread_mutex_lock(&d.lock);
}

void hsx_dispatch_fork_parent(void)
{
    pthread_mutex_unlock(&d.lock);
}

/*
 * The thread is not in the child, and its ring and eventfd are shared with
 * the parent's: the child forgets them (closing only its copies) and starts a
 * dispatcher of its own for the first callback it sets. Mailboxes inherited
 * with a callback stay the parent's (see README.md, Known limits).
 */
void hsx_dispatch_fork_child(void)
{
    /* A child forked from a callback runs no dispatcher: it must not think it is one. */
    on_dispatcher_thread = false;
    if (d.started) {
        io_uring_queue_exit(&d.ring);
        close(d.wake_fd);
    }
    d.started = false;
    d.stopping = false;
    d.wake_fd = -1;
    d.running = NULL;
    d.todo = NULL;
    d.ready = NULL;
    d.ready_tail = &d.ready;
    pthread_cond_init(&d.idle, NULL);
    pthread_mutex_unlock(&d.lock);
}

/*
 * In the fork child, with no lock held: the parent's polls, removals and
 * lists are not the child's, and the references they held on mailboxes
 * would keep those from ever being freed (their files from being closed).
 * Drop them, outside d.lock: the last one frees the mailbox, which calls
 * hsx_dispatch_forget().
 */
void hsx_dispatch_fork_forget(void)
{
    hsx_mailbox_t **held = NULL;
    size_t n = 0, cap = 0;

    pthread_mutex_lock(&d.lock);
    for (size_t i = 0; i < d.table_size; i++) {
        for (struct entry *e = d.table[i]; e; e = e->next_hash) {
            unsigned int refs = e->armed + e->cancelling + e->queued + e->ready;

            e->armed = e->cancelling = e->queued = e->ready = false;
            e->next_todo = e->next_ready = NULL;
            for (; refs; refs--) {
                if (n == cap) {
                    size_t more = cap ? cap * 2 : 16;
                    hsx_mailbox_t **grown = realloc(held, more * sizeof(*held));

                    if (!grown)
                        goto out; /* leak what is left rather than free what is not ours */
                    held = grown;
                    cap = more;
                }
                held[n++] = e->mb;
            }
        }
    }
out:
    pthread_mutex_unlock(&d.lock);
    for (size_t i = 0; i < n; i++)
        hsx_mailbox_unref(held[i]);
    free(held);
}

void hsx_dispatch_quiesce(hsx_mailbox_t *mb)
{
    pthread_mutex_lock(&d.lock);
    while (!on_dispatcher_thread && d.running == mb)
        pthread_cond_wait(&d.idle, &d.lock);
    pthread_mutex_unlock(&d.lock);
}
