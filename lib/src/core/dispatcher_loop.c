// SPDX-License-Identifier: MIT
/*
 * The dispatcher thread's loop: it waits on an io_uring, one multishot poll
 * (IORING_POLL_ADD_MULTI) per mailbox with a callback, plus a read on an
 * eventfd that other threads write to after changing what should be polled.
 * Only this thread touches the ring; other threads put mailboxes on a to-do
 * list and wake it. A multishot poll posts a completion for every wake-up of
 * the socket without being re-armed, and the kernel ends it (a completion
 * without IORING_CQE_F_MORE) when it is removed or cannot go on, e.g. when
 * the completion queue overflowed; then it is armed again if the mailbox
 * still has a callback. Each in-flight poll holds a reference on its mailbox,
 * so a mailbox closed meanwhile stays valid until its poll's last completion.
 *
 * One busy mailbox must not hold up the others: a mailbox with events is put
 * on a ready list, and each round delivers at most DISPATCH_BUDGET events of
 * each mailbox on it, in turn; one with more left goes to the back, and the
 * ring is only looked at (not waited on) until the list is empty. What is not
 * delivered yet stays in the mailbox's socket or queue file: it is deferred,
 * not lost, and dropped counts only what the kernel could not queue.
 *
 * The callback is read under the lock and the mailbox marked "running"
 * before the event it will pass is read (see dispatcher.c on removing one);
 * in a queue file's read(), chosen before the read and won after it
 * (solo_wait()).
 */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>

#include "core/dispatcher_impl.h"

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

static struct io_uring_sqe *next_sqe(void)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&d->ring);

    if (!sqe) {
        io_uring_submit(&d->ring);
        sqe = io_uring_get_sqe(&d->ring);
    }
    return sqe;
}

static void arm_wake_read(void)
{
    /* Completions only queue work, so the submission queue, emptied by each pass, has room. */
    struct io_uring_sqe *sqe = next_sqe();

    io_uring_prep_read(sqe, d->wake_fd, &d->wake_count, sizeof(d->wake_count), 0);
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

    pthread_mutex_lock(&d->lock);
    while (d->todo) {
        struct entry *e = d->todo;
        struct io_uring_sqe *sqe = NULL;
        bool arm = wants_poll(e) && !e->armed;
        bool remove = !wants_poll(e) && e->armed && !e->cancelling;

        if ((arm || remove) && !(sqe = next_sqe())) {
            /* The ring cannot take more now: come back for the rest without waiting long. */
            eventfd_write(d->wake_fd, 1);
            break;
        }
        d->todo = e->next_todo;
        e->queued = false;

        if (arm) {
            io_uring_prep_poll_multishot(sqe, hsx_mailbox_fd(e->mb), POLLIN);
            io_uring_sqe_set_data(sqe, e);
            e->armed = true;
            e->solo_off = false;
            d->n_armed++;
            d->armed_gen++;
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
        /* A library-made event needs no poll: a mailbox armed already, or stopped, is kicked. */
        if (!arm && e->has_notice && e->callback && !e->retired) {
            hsx_mailbox_ref(e->mb); /* the kick list's */
            e->next_kick = kick;
            kick = e;
        }
        /*
         * The to-do list's, perhaps the last: dropped without d->lock (freeing
         * takes mailbox.c's list lock, and hsx_dispatch_forget() takes d->lock).
         */
        e->next_release = release;
        release = e;
    }
    pthread_mutex_unlock(&d->lock);
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
    *d->ready_tail = e;
    d->ready_tail = &e->next_ready;
}

/*
 * A callback marked running (d->running, or d->solo_state) returned, after a
 * take that said ret.
 */
static void callback_done(struct entry *e, int ret)
{
    pthread_mutex_lock(&d->lock);
    d->running = NULL;
    atomic_store_explicit(&d->solo_state, SOLO_IDLE, memory_order_relaxed);
    pthread_cond_broadcast(&d->idle);
    /* The final event was delivered, or the socket is broken: stop polling it. */
    if (ret != HSX_HAL_OK && ret != HSX_HAL_TIMEOUT) {
        e->stopped = true;
        queue_locked(e);
    }
    pthread_mutex_unlock(&d->lock);
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

        pthread_mutex_lock(&d->lock);
        hsx_mailbox_callback_t callback = e->callback;
        void *user_data = e->user_data;
        bool notice = e->has_notice && callback && !e->retired && !d->stopping;
        if (!notice && (!wants_poll(e) || d->stopping)) {
            pthread_mutex_unlock(&d->lock);
            return false;
        }
        if (notice) {
            event = e->notice;
            e->has_notice = false;
        }
        d->running = mb;
        d->run_gen++;
        pthread_mutex_unlock(&d->lock);

        /* After its own read the thread reads the file again only in its wait, but for more. */
        ret = notice         ? HSX_HAL_OK
              : e->solo_read ? hsx_mailbox_take_more(mb, &event)
                             : hsx_mailbox_take(mb, &event);
        if (ret == HSX_HAL_OK || ret == HSX_HAL_CLOSED)
            callback(mb, &event, user_data);
        callback_done(e, ret);
    } while (ret == HSX_HAL_OK && --budget > 0);
    return ret == HSX_HAL_OK;
}

/*
 * One file's link to change: planned under d->lock, made without it (the
 * kernel takes a mutex of its own for links, which no priority is inherited
 * through: a SCHED_FIFO thread setting a callback, waiting for d->lock, would
 * wait behind whatever holds it). The plan holds a reference on the mailbox,
 * so that its entry and descriptor stay while the link is made.
 */
struct link_step {
    struct entry *e;
    uint64_t to; /* the id of the entry whose file to link to; 0: unlink */
    bool done;
};

/*
 * The steps that link the file of every armed rare mailbox but solo's to
 * solo's (solo NULL: none), and unlink any other linked one (an unarmed one
 * too, so that its news end no read of a file nobody waits in for it); links
 * already right are left alone. *partial when memory ran out before every
 * step was planned. Takes no reference it could have to let go under the
 * lock: the last one's release takes d->lock (hsx_dispatch_forget()).
 */
static struct link_step *plan_links_locked(const struct entry *solo, size_t *n, bool *partial)
{
    struct link_step *steps = NULL;
    size_t count = 0, cap = 0;

    *partial = false;
    for (size_t i = 0; i < d->table_size && !*partial; i++) {
        for (struct entry *e = d->table[i]; e; e = e->next_hash) {
            bool want = solo && e != solo && e->armed && hsx_mailbox_linkable(e->mb);
            uint64_t to = want ? solo->id : 0;

            if (e->linked_to == to)
                continue;
            if (count == cap) {
                size_t more = cap ? cap * 2 : 8;
                struct link_step *grown = realloc(steps, more * sizeof(*steps));

                if (!grown) {
                    *partial = true;
                    break;
                }
                steps = grown;
                cap = more;
            }
            /* Being destroyed: its file's close ends its link; its entry goes next. */
            if (!hsx_mailbox_tryref(e->mb))
                continue;
            e->link_plans++;
            steps[count++] = (struct link_step){.e = e, .to = to};
        }
    }
    *n = count;
    return steps;
}

/*
 * Make the steps, target being solo's descriptor, without d->lock; then
 * record what was done and let the references go. 0, or a link's refusal
 * (-errno), the steps after it left undone. An unlink that fails leaves the
 * entry marked linked, to be tried again.
 */
static int make_links(struct link_step *steps, size_t n, int target)
{
    int ret = 0;

    if (!n) {
        free(steps);
        return 0;
    }
    for (size_t i = 0; i < n && !ret; i++) {
        int err = hsx_mailbox_link(steps[i].e->mb, steps[i].to ? target : -1);

        if (err && steps[i].to)
            ret = err;
        steps[i].done = !err;
    }
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < n; i++) {
        if (steps[i].done)
            steps[i].e->linked_to = steps[i].to;
        /* A fork from here to the unref below leaks that reference in the child, as one from
         * the kick and release lists would (apply_todo()): a few instructions, not a syscall. */
        steps[i].e->link_plans--;
    }
    pthread_mutex_unlock(&d->lock);
    for (size_t i = 0; i < n; i++)
        hsx_mailbox_unref(steps[i].e->mb);
    free(steps);
    return ret;
}

/*
 * The one mailbox whose poll is all the thread waits for: the only one armed,
 * or the only one armed beside rare ones (capability watches), and *rare
 * whether there are such. With d->lock held.
 */
static struct entry *solo_choose_locked(bool *rare)
{
    struct entry *solo = NULL;
    bool two = false;

    *rare = false;
    for (size_t i = 0; i < d->table_size && !two; i++) {
        for (struct entry *e = d->table[i]; e && !two; e = e->next_hash) {
            if (!e->armed)
                continue;
            if (hsx_mailbox_linkable(e->mb) && !d->links_refused)
                *rare = true;
            else if (solo)
                two = true; /* two to wait for: the ring */
            else
                solo = e;
        }
    }
    return two ? NULL : solo;
}

/* Whether rare mailboxes are linked to solo_entry()'s: the thread's only. */
static bool solo_linked;

/*
 * solo_choose_locked()'s mailbox, with the rare ones' files linked to its
 * file (HSX_IOC_MBOX_QUEUE_LINK) so that their events end its read too, if
 * the thread can wait in it. Looked up again, and linked anew, only when the
 * armed polls changed: they change on this thread only, so not while the
 * links are made without the lock. An entry's link is known by the id of
 * the entry it links to, never reused: a link follows the file, and a
 * descriptor number or an address may name another by then. solo's
 * reference (its armed poll's, let go by this thread only) keeps its
 * descriptor open meanwhile.
 */
static struct entry *solo_entry(void)
{
    static struct entry *cached;
    static uint64_t cached_gen = UINT64_MAX;

    if (cached_gen == d->armed_gen)
        return cached;
    bool rare, partial;
    size_t n;
    pthread_mutex_lock(&d->lock);
    struct entry *solo = solo_choose_locked(&rare);
    /* Linked only to a file the thread can wait in (solo_wait() asks the rest each time). */
    bool link = solo && rare && d->deferred && hsx_mailbox_solo_capable(solo->mb);
    struct link_step *steps = plan_links_locked(link ? solo : NULL, &n, &partial);
    cached_gen = d->armed_gen;
    pthread_mutex_unlock(&d->lock);

    int ret = make_links(steps, n, link ? hsx_mailbox_fd(solo->mb) : -1);
    if (!ret && partial)
        ret = -ENOMEM;
    if (ret) {
        /* A refusal: what was linked is unlinked again (out of memory: as much as can be). */
        pthread_mutex_lock(&d->lock);
        steps = plan_links_locked(NULL, &n, &partial);
        pthread_mutex_unlock(&d->lock);
        make_links(steps, n, -1);
        /* An hsx.ko without links, or a filter: the ring, from now on. Else this time. */
        if (ret == -ENOTTY || ret == -EPERM || ret == -EACCES || ret == -ENOSYS ||
            ret == -EOPNOTSUPP)
            d->links_refused = true;
        solo = NULL;
    }
    solo_linked = !ret && link;
    cached = solo;
    return cached;
}

/*
 * With one mailbox to wait for, hsx.ko's queue file, no timer and nothing
 * queued for the thread: wait in that file's read(), as a blocking receive
 * does, instead of on the ring (woken by the poll's completion, then reading
 * the record: one system call and a pass through the ring more per event, 21
 * µs of a 152 µs median in the timer bench's trace under TCG). Other threads
 * end the read by kicking the file (HSX_IOC_MBOX_QUEUE_KICK) when they wake
 * the thread (wake_locked()), so nothing they queue waits for an event.
 *
 * The poll stays armed meanwhile. With DEFER_TASKRUN its completion work
 * waits, one item whatever the number of wake-ups, until the thread goes back
 * to the ring, and does not interrupt the read; a ring without it would post
 * a completion per record meanwhile, so it always waits on the ring.
 *
 * The polls of rare mailboxes (solo_entry()) stay armed too, their files
 * linked to the one read: an event of theirs ends the read with EINTR, and
 * the loop collects the ring's completions, its poll's among them (queued
 * before the kick: hsx.ko wakes a file's pollers before its link).
 */
enum solo_result {
    SOLO_NONE, /* it did not wait: wait on the ring */
    SOLO_READ, /* the read returned (records, or what the ready list's take will judge) */
    SOLO_PEEK, /* kicked, or the ring's turn: collect its completions, without waiting */
};

/*
 * Reads in a row without a look at the ring. A kick is taken only by a read
 * that would block: while every read finds records, a rare mailbox's news
 * would wait; so every DISPATCH_BUDGET reads, with rare mailboxes linked, the
 * thread collects the ring's completions first. A watch's news then waits
 * at most that many reads of the other file, each delivering what one read
 * brought (a batch, HSX_MBOX_BATCH_BYTES), where drain() lets a mailbox wait
 * at most a budget of another's events.
 */
static unsigned int solo_streak;

static enum solo_result solo_wait(void)
{
    struct entry *e = solo_entry();

    if (!e || e->solo_off || !d->deferred)
        return SOLO_NONE;
    if (solo_linked && ++solo_streak >= DISPATCH_BUDGET)
        return SOLO_PEEK;
    int fd = hsx_mailbox_solo_begin(e->mb); /* the mailbox's lock before d->lock */
    if (fd < 0)
        return SOLO_NONE;
    hsx_mailbox_callback_t callback = NULL;
    void *user_data = NULL;
    pthread_mutex_lock(&d->lock);
    bool wait = !d->todo && !d->stopping && wants_poll(e) && !e->cancelling && !e->has_notice &&
                !atomic_load_explicit(&d->timers_armed, memory_order_acquire);
    if (wait) {
        /*
         * The callback that records the read brings go to, chosen now: the
         * choice stands unless a wake (wake_locked(), which every change it
         * rests on makes) takes it back before the read returns. So no pass
         * through d->lock after the read: under TCG a priority-inheriting
         * lock's round trip there is about a microsecond of an edge's
         * latency.
         */
        callback = e->callback;
        user_data = e->user_data;
        d->solo_mb = e->mb;
        d->run_gen++;
        atomic_store_explicit(&d->solo_state, SOLO_ARMED, memory_order_relaxed);
        atomic_store_explicit(&d->solo_fd, fd, memory_order_relaxed);
    }
    pthread_mutex_unlock(&d->lock);

    ssize_t len = -EINTR;
    if (wait) {
        len = read(fd, e->mb->batch, e->mb->batch_cap);
        len = len < 0 ? -errno : len;
        /*
         * A wake from now on kicks no file: its kick would be kept, and end
         * the next read at once for nothing (one that came since the read
         * returned still does: a round more, nothing lost).
         */
        atomic_store_explicit(&d->solo_fd, -1, memory_order_relaxed);
        /*
         * Records, and nothing the loop would do first (drain() would deliver
         * them): the first goes to the callback from here, as drain() gives it,
         * without the round through the loop and the ready list (under TCG,
         * 4-9 µs of the library's 6-11 from the read to a GPIO edge's callback).
         * The mailbox stays valid: its poll, armed, holds a reference that only
         * this thread lets go.
         */
        int armed = SOLO_ARMED;
        if (len <= 0 ||
            !atomic_compare_exchange_strong_explicit(&d->solo_state, &armed, SOLO_RUNNING,
                                                     memory_order_relaxed, memory_order_relaxed)) {
            /* Taken back meanwhile, or nothing read: judged again, as drain() would. */
            pthread_mutex_lock(&d->lock);
            atomic_store_explicit(&d->solo_state, SOLO_IDLE, memory_order_relaxed);
            if (len > 0 && !d->todo && !d->stopping && wants_poll(e) && !e->has_notice &&
                !e->cancelling && !atomic_load_explicit(&d->timers_armed, memory_order_acquire)) {
                callback = e->callback;
                user_data = e->user_data;
                d->running = e->mb;
                d->run_gen++;
            } else {
                callback = NULL;
            }
            pthread_mutex_unlock(&d->lock);
        }
    }
    if (callback) {
        hsx_mailbox_event_t event;
        bool more = false;
        int ret = hsx_mailbox_solo_end(e->mb, len, &event, &more);

        if (ret == HSX_HAL_OK || ret == HSX_HAL_CLOSED)
            callback(e->mb, &event, user_data);
        callback_done(e, ret);
        e->solo_read = ret == HSX_HAL_OK && more;
        if (e->solo_read) {
            hsx_mailbox_ref(e->mb); /* the ready list's: drain() takes the rest */
            make_ready(e);
        }
        return SOLO_READ;
    }
    hsx_mailbox_solo_end(e->mb, len, NULL, NULL);
    if (len != -EINTR) {
        /* Records, or what the take will read again and judge (end of file, an error). */
        e->solo_read = len > 0;
        hsx_mailbox_ref(e->mb); /* the ready list's */
        make_ready(e);
    }
    /*
     * A read that fails at once would fail again: the application made the
     * file O_NONBLOCK (EAGAIN), or something else is wrong. The ring, until
     * the mailbox's poll is armed anew.
     */
    if (len < 0 && len != -EINTR)
        e->solo_off = true;
    /*
     * Kicked (or a signal): a look at the ring, without waiting, then the
     * read again. A kick is another thread's work (its eventfd write, before
     * the kick, is a completion), a rare mailbox's news (its poll's
     * completion, queued before the link kicks: kmod/core/mbox_link.c), or
     * one kept from something collected since (hsx_mailbox_solo_begin()'s
     * first asks with one): none of them leaves work only a wait would find.
     */
    if (!wait)
        return SOLO_NONE;
    return len == -EINTR ? SOLO_PEEK : SOLO_READ;
}

/* One round: each mailbox ready when it starts gets up to DISPATCH_BUDGET events. */
static void serve_ready(void)
{
    struct entry *round = d->ready;

    d->ready = NULL;
    d->ready_tail = &d->ready;
    while (round) {
        struct entry *e = round;
        round = e->next_ready;
        e->ready = false;
        if (drain(e, DISPATCH_BUDGET)) {
            make_ready(e); /* its reference goes back on the list */
        } else {
            e->solo_read = false; /* delivered what it read: the next time is another's */
            hsx_mailbox_unref(e->mb);
        }
    }
}

static void on_poll_completion(struct entry *e, int res, unsigned int flags)
{
    hsx_mailbox_t *mb = e->mb;

    if (res > 0) {
        e->solo_read = false; /* the file has more: read it */
        hsx_mailbox_ref(mb);  /* the ready list's */
        make_ready(e);
    }

    pthread_mutex_lock(&d->lock);
    if (flags & IORING_CQE_F_MORE) {
        /* Still armed though unwanted, and no removal under way: remove it. */
        if (!wants_poll(e) && !e->cancelling)
            queue_locked(e);
        pthread_mutex_unlock(&d->lock);
        return;
    }
    /* The poll ended: removed, or ended by the kernel; arm it again if still wanted. */
    e->armed = false;
    d->n_armed--;
    d->armed_gen++;
    e->cancelling = false;
    if (wants_poll(e))
        queue_locked(e);
    pthread_mutex_unlock(&d->lock);
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

    pthread_mutex_lock(&d->lock);
    if (res == -EALREADY && e->armed) {
        e->cancelling = false;
        queue_locked(e);
    }
    pthread_mutex_unlock(&d->lock);
    hsx_mailbox_unref(mb); /* the removal's */
}

/*
 * The dispatcher's ring, made on its own thread: with SINGLE_ISSUER the
 * creating thread is the one submitter, and DEFER_TASKRUN (6.1) then runs
 * completion work when that thread waits, woken directly, instead of as task
 * work signalled to it: an event reaches its callback that much sooner.
 * Older kernels refuse the two flags; the ring works without them.
 */
int hsx_dispatch_ring_create(void)
{
    struct io_uring_params params = {
        .flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        .cq_entries = DISPATCH_CQ_ENTRIES,
    };
    int ret = io_uring_queue_init_params(DISPATCH_SQ_ENTRIES, &d->ring, &params);

    d->deferred = ret == 0;
    if (ret == -EINVAL) {
        params = (struct io_uring_params){
            .flags = IORING_SETUP_CQSIZE,
            .cq_entries = DISPATCH_CQ_ENTRIES,
        };
        ret = io_uring_queue_init_params(DISPATCH_SQ_ENTRIES, &d->ring, &params);
    }
    return ret;
}

void hsx_dispatch_loop(void)
{
    arm_wake_read();

    for (;;) {
        struct io_uring_cqe *cqe;

        pthread_mutex_lock(&d->lock);
        bool stopping = d->stopping;
        pthread_mutex_unlock(&d->lock);
        if (stopping)
            break;
        struct entry *kick = apply_todo();

        io_uring_submit(&d->ring);
        while (kick) {
            struct entry *e = kick;
            kick = e->next_kick;
            e->solo_read = false;
            make_ready(e); /* with the kick list's reference */
        }
        serve_ready();

        /*
         * Always into the kernel, even with completions waiting: with
         * DEFER_TASKRUN that is where pending completion work runs, and a
         * poll whose work is pending refuses removal (EALREADY) until it has.
         * With mailboxes still ready, or completions already posted, only to
         * collect what is there; with a timer armed (run first), until it is
         * due at the latest. liburing's timed wait does not enter the kernel
         * when a completion is already posted, so that with one posted (a
         * removal's EALREADY, say) the pending work never ran, the removal
         * failed again each round and the thread spun.
         */
        struct __kernel_timespec wait;
        bool timed = hsx_dispatch_run_timers(&wait);
        /*
         * What the wait returns is not looked at: an error (EINTR, or a CQ
         * overflow, which the next wait flushes) is no reason to leave what
         * is posted, which would make every round enter the kernel again for
         * nothing but the same error.
         */
        if (d->ready || io_uring_cq_ready(&d->ring)) {
            io_uring_submit_and_get_events(&d->ring);
        } else if (timed) {
            io_uring_submit_and_wait_timeout(&d->ring, &cqe, 1, &wait, NULL);
        } else {
            enum solo_result solo = solo_wait();
            if (solo == SOLO_READ)
                continue;
            if (solo == SOLO_PEEK)
                io_uring_submit_and_get_events(&d->ring);
            else
                io_uring_submit_and_wait(&d->ring, 1);
        }
        solo_streak = 0; /* the ring's completions collected */
        while (io_uring_peek_cqe(&d->ring, &cqe) == 0) {
            uint64_t tag = io_uring_cqe_get_data64(cqe);
            int res = cqe->res;
            unsigned int flags = cqe->flags;

            io_uring_cqe_seen(&d->ring, cqe);
            if (tag == WAKE)
                arm_wake_read();
            else if (tag & REMOVAL)
                on_removal_completion((struct entry *)(uintptr_t)(tag & ~(uint64_t)REMOVAL), res);
            else
                on_poll_completion((struct entry *)(uintptr_t)tag, res, flags);
        }
    }
    /* Stopped (library teardown): the polls go with the ring; their references stay taken. */
    while (d->ready) {
        struct entry *e = d->ready;
        d->ready = e->next_ready;
        e->ready = false;
        hsx_mailbox_unref(e->mb);
    }
    d->ready_tail = &d->ready;
    io_uring_queue_exit(&d->ring);
}
