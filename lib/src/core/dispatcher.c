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
 */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/fork.h"
#include "core/mailbox.h"

#define DISPATCH_SQ_ENTRIES 64
#define DISPATCH_CQ_ENTRIES 1024
/* Events of one mailbox per round, while others may be waiting. */
#define DISPATCH_BUDGET 16

/*
 * What a completion is for, in its user_data: a mailbox pointer for its poll,
 * the pointer with REMOVAL set for the removal of that poll (mailboxes come
 * from calloc, so the low bits are free), or WAKE for the eventfd read.
 */
#define REMOVAL 1u
#define WAKE 2u

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
    hsx_mailbox_t *todo;    /* mailboxes whose poll must be armed or removed */
    /* The dispatcher thread's only, no lock: mailboxes with events to deliver, in turn. */
    hsx_mailbox_t *ready, **ready_tail;
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

static bool wants_poll(const hsx_mailbox_t *mb)
{
    return mb->slot.callback && !mb->slot.retired && !mb->slot.stopped;
}

/* With d.lock held. */
static void queue_locked(hsx_mailbox_t *mb)
{
    if (mb->slot.queued)
        return;
    hsx_mailbox_ref(mb);
    mb->slot.queued = true;
    mb->slot.next_todo = d.todo;
    d.todo = mb;
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
static hsx_mailbox_t *apply_todo(void)
{
    hsx_mailbox_t *kick = NULL, *release = NULL;

    pthread_mutex_lock(&d.lock);
    while (d.todo) {
        hsx_mailbox_t *mb = d.todo;
        struct io_uring_sqe *sqe = NULL;
        bool arm = wants_poll(mb) && !mb->slot.armed;
        bool remove = !wants_poll(mb) && mb->slot.armed && !mb->slot.cancelling;

        if ((arm || remove) && !(sqe = next_sqe())) {
            /* The ring cannot take more now: come back for the rest without waiting long. */
            eventfd_write(d.wake_fd, 1);
            break;
        }
        d.todo = mb->slot.next_todo;
        mb->slot.queued = false;

        if (arm) {
            io_uring_prep_poll_multishot(sqe, mb->fd, POLLIN);
            io_uring_sqe_set_data(sqe, mb);
            mb->slot.armed = true;
            hsx_mailbox_ref(mb); /* the poll's */
            hsx_mailbox_ref(mb); /* the kick list's */
            mb->slot.next_kick = kick;
            kick = mb;
        } else if (remove) {
            io_uring_prep_poll_remove(sqe, (uint64_t)(uintptr_t)mb);
            io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)mb | REMOVAL);
            mb->slot.cancelling = true;
            hsx_mailbox_ref(mb); /* the removal's */
        }
        /* The to-do list's, perhaps the last: dropped without d.lock (mailbox.c's list). */
        mb->slot.next_release = release;
        release = mb;
    }
    pthread_mutex_unlock(&d.lock);
    while (release) {
        hsx_mailbox_t *mb = release;
        release = mb->slot.next_release;
        hsx_mailbox_unref(mb);
    }
    return kick;
}

/* Put mb, with a reference of the caller's, at the back of the ready list. */
static void make_ready(hsx_mailbox_t *mb)
{
    if (mb->slot.ready) {
        hsx_mailbox_unref(mb);
        return;
    }
    mb->slot.ready = true;
    mb->slot.next_ready = NULL;
    *d.ready_tail = mb;
    d.ready_tail = &mb->slot.next_ready;
}

/*
 * Deliver up to budget events queued on mb while it has a callback. Returns
 * true if it delivered all of them and more may be queued.
 */
static bool drain(hsx_mailbox_t *mb, unsigned int budget)
{
    int ret;

    do {
        hsx_mailbox_event_t event;

        pthread_mutex_lock(&d.lock);
        hsx_mailbox_callback_t callback = mb->slot.callback;
        void *user_data = mb->slot.user_data;
        if (!wants_poll(mb) || d.stopping) {
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
            mb->slot.stopped = true;
            queue_locked(mb);
        }
        pthread_mutex_unlock(&d.lock);
    } while (ret == HSX_HAL_OK && --budget > 0);
    return ret == HSX_HAL_OK;
}

/* One round: each mailbox ready when it starts gets up to DISPATCH_BUDGET events. */
static void serve_ready(void)
{
    hsx_mailbox_t *round = d.ready;

    d.ready = NULL;
    d.ready_tail = &d.ready;
    while (round) {
        hsx_mailbox_t *mb = round;
        round = mb->slot.next_ready;
        mb->slot.ready = false;
        if (drain(mb, DISPATCH_BUDGET))
            make_ready(mb); /* its reference goes back on the list */
        else
            hsx_mailbox_unref(mb);
    }
}

static void on_poll_completion(hsx_mailbox_t *mb, int res, unsigned int flags)
{
    if (res > 0) {
        hsx_mailbox_ref(mb); /* the ready list's */
        make_ready(mb);
    }

    pthread_mutex_lock(&d.lock);
    if (flags & IORING_CQE_F_MORE) {
        /* Still armed though unwanted, and no removal under way: remove it. */
        if (!wants_poll(mb) && !mb->slot.cancelling)
            queue_locked(mb);
        pthread_mutex_unlock(&d.lock);
        return;
    }
    /* The poll ended: removed, or ended by the kernel; arm it again if still wanted. */
    mb->slot.armed = false;
    mb->slot.cancelling = false;
    if (wants_poll(mb))
        queue_locked(mb);
    pthread_mutex_unlock(&d.lock);
    hsx_mailbox_unref(mb); /* the poll's */
}

/*
 * A removal fails with -EALREADY when it meets the poll while the kernel is
 * delivering one of its completions; the poll then stays armed, so try again.
 * (-ENOENT: the poll had ended already; its last completion says so.)
 */
static void on_removal_completion(hsx_mailbox_t *mb, int res)
{
    pthread_mutex_lock(&d.lock);
    if (res == -EALREADY && mb->slot.armed) {
        mb->slot.cancelling = false;
        queue_locked(mb);
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
        hsx_mailbox_t *kick = apply_todo();

        io_uring_submit(&d.ring);
        while (kick) {
            hsx_mailbox_t *mb = kick;
            kick = mb->slot.next_kick;
            make_ready(mb); /* with the kick list's reference */
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
                on_removal_completion((hsx_mailbox_t *)(uintptr_t)(tag & ~(uint64_t)REMOVAL), res);
            else
                on_poll_completion((hsx_mailbox_t *)(uintptr_t)tag, res, flags);
        }
    }
    /* Stopped (library teardown): the polls go with the ring; their references stay taken. */
    while (d.ready) {
        hsx_mailbox_t *mb = d.ready;
        d.ready = mb->slot.next_ready;
        mb->slot.ready = false;
        hsx_mailbox_unref(mb);
    }
    d.ready_tail = &d.ready;
    io_uring_queue_exit(&d.ring);
    return NULL;
}

/* With d.lock held. */
static int start_locked(void)
{
    struct startup startup = {.ret = 0};
    sigset_t all, saved;
    int ret;

    d.wake_fd = eventfd(0, EFD_CLOEXEC);
    if (d.wake_fd < 0)
        return hsx_fail_with_errno(-errno);
    if (sem_init(&startup.done, 0, 0)) {
        ret = errno;
        goto err_wake;
    }
    /* Signals are the application's business: never run its handlers on this thread. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    ret = pthread_create(&d.thread, NULL, dispatcher_main, &startup);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
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
    /* Joinable: hsx_dispatch_stop() joins it at library teardown. */
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
    if (old_user_data)
        *old_user_data = mb->slot.user_data;
    mb->slot.callback = callback;
    mb->slot.user_data = callback ? user_data : NULL;
    /* Before the thread exists nothing is polled, so there is nothing to tell it. */
    if (d.started) {
        queue_locked(mb);
        wake_locked();
    }
    pthread_mutex_unlock(&d.lock);
    return HSX_HAL_OK;
}

void hsx_dispatch_retire(hsx_mailbox_t *mb, void **old_user_data)
{
    pthread_mutex_lock(&d.lock);
    if (old_user_data)
        *old_user_data = mb->slot.user_data;
    mb->slot.callback = NULL;
    mb->slot.user_data = NULL;
    mb->slot.retired = true;
    if (d.started) {
        queue_locked(mb);
        wake_locked();
    }
    pthread_mutex_unlock(&d.lock);
}

/* ---- teardown --------------------------------------------------------------------------- */

/*
 * Stop the thread for good and join it: it finishes the callback it runs, if
 * any, and starts no other. Not on the dispatcher thread itself (exit() from
 * a callback), which cannot wait for itself: it only stops starting
 * callbacks there, and the process ends around it. A fork child that never
 * started one has nothing to stop.
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

    pthread_join(thread, NULL);

    pthread_mutex_lock(&d.lock);
    close(d.wake_fd);
    d.wake_fd = -1;
    d.started = false;
    d.stopping = false;
    d.running = NULL;
    pthread_cond_broadcast(&d.idle);
    pthread_mutex_unlock(&d.lock);
}

/* Library teardown (exit(), dlclose()): no thread may outlive the code it runs. */
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

void hsx_dispatch_quiesce(hsx_mailbox_t *mb)
{
    pthread_mutex_lock(&d.lock);
    while (!on_dispatcher_thread && d.running == mb)
        pthread_cond_wait(&d.idle, &d.lock);
    pthread_mutex_unlock(&d.lock);
}
