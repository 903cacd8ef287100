// SPDX-License-Identifier: MIT
/*
 * The dispatcher thread runs mailbox callbacks, one at a time, in the order
 * each mailbox received its events. This file keeps its table of mailboxes,
 * takes the API's calls, and starts, stops and forks the thread;
 * dispatcher_loop.c is the thread's loop on its io_uring (polls, the ready
 * list, delivering events).
 *
 * Removing a callback must mean it is not running and will not run. The
 * dispatcher reads a mailbox's callback under the lock and marks the mailbox
 * "running" before it reads the event it will pass, so a thread that removes
 * the callback either comes first (and the dispatcher leaves the event in the
 * socket for whoever reads next) or waits in hsx_dispatch_quiesce() until the
 * running flag drops, for the run chosen before the removal only (d->run_gen:
 * a run chosen after it reads the callback as it is then). Waiting in one
 * queue file's read(), the dispatcher chooses the callback before the read and
 * wins the records it brought for it after (d->solo_state, dispatcher_impl.h):
 * a removal's wake either takes the choice back first (the records wait in the
 * handle's batch for whoever takes next) or finds it won, and waits for it as
 * for the running flag.
 *
 * What the dispatcher knows of a mailbox is its own: an entry in a table
 * keyed by the handle (the callback, the poll's state, the lists it is on),
 * under d->lock. Of the mailbox it uses only its descriptor, taking one event
 * (hsx_mailbox_take()) and references; the mailbox tells it when the handle
 * closes (hsx_dispatch_retire()) and when it is freed (hsx_dispatch_forget(),
 * which drops the entry). Every list an entry is on and every poll in flight
 * holds a reference on its mailbox, so an entry lives as long as it is used.
 */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "core/dispatcher.h"
#include "core/dispatcher_impl.h"
#include "core/errors.h"
#include "core/fork.h"
#include "core/thread.h"

struct dispatcher hsx_dispatcher = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .idle = PTHREAD_COND_INITIALIZER,
    .wake_fd = -1,
    .solo_fd = -1,
    .ready_tail = &hsx_dispatcher.ready,
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

/* With d->lock held: mb's entry, or NULL. */
static struct entry *find_locked(const hsx_mailbox_t *mb)
{
    if (!d->table_size)
        return NULL;
    for (struct entry *e = d->table[bucket_of(mb, d->table_size)]; e; e = e->next_hash) {
        if (e->mb == mb)
            return e;
    }
    return NULL;
}

/* With d->lock held: more buckets once there are as many entries. Returns false without memory. */
static bool grow_locked(void)
{
    size_t size = d->table_size ? d->table_size * 2 : 16;
    struct entry **table = calloc(size, sizeof(*table));

    if (!table)
        return false;
    for (size_t i = 0; i < d->table_size; i++) {
        while (d->table[i]) {
            struct entry *e = d->table[i];
            d->table[i] = e->next_hash;
            size_t b = bucket_of(e->mb, size);
            e->next_hash = table[b];
            table[b] = e;
        }
    }
    free(d->table);
    d->table = table;
    d->table_size = size;
    return true;
}

/* With d->lock held: a new entry for mb, or NULL without memory. */
static struct entry *add_locked(hsx_mailbox_t *mb)
{
    if (d->table_count >= d->table_size && !grow_locked() && !d->table_size)
        return NULL;
    struct entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    size_t b = bucket_of(mb, d->table_size);
    e->mb = mb;
    e->id = ++d->entry_ids;
    e->next_hash = d->table[b];
    d->table[b] = e;
    d->table_count++;
    return e;
}

/* With d->lock held: take mb's entry out of the table. */
static struct entry *remove_locked(const hsx_mailbox_t *mb)
{
    if (!d->table_size)
        return NULL;
    for (struct entry **p = &d->table[bucket_of(mb, d->table_size)]; *p; p = &(*p)->next_hash) {
        struct entry *e = *p;
        if (e->mb == mb) {
            *p = e->next_hash;
            d->table_count--;
            return e;
        }
    }
    return NULL;
}

/* ---- the thread's life and the API ------------------------------------------------------ */

/* With d->lock held: after another thread queued work, or asked it to stop. */
static void wake_locked(void)
{
    if (!d->started)
        return;
    /* A callback the thread chose before waiting in a file's read() is chosen no longer. */
    int armed = SOLO_ARMED;
    atomic_compare_exchange_strong_explicit(&d->solo_state, &armed, SOLO_IDLE, memory_order_relaxed,
                                            memory_order_relaxed);
    eventfd_write(d->wake_fd, 1);
    /*
     * It may wait in one queue file's read() instead of on its ring
     * (dispatcher_loop.c, solo_wait()). The file stays open meanwhile: its
     * mailbox's armed poll holds a reference, and only the thread ends that.
     */
    int solo_fd = atomic_load_explicit(&d->solo_fd, memory_order_relaxed);
    if (solo_fd >= 0)
        ioctl(solo_fd, HSX_IOC_MBOX_QUEUE_KICK, 0);
}

struct startup {
    sem_t done;
    int ret; /* hsx_dispatch_ring_create()'s */
};

static void *dispatcher_main(void *arg)
{
    struct startup *startup = arg;

    pthread_setname_np(pthread_self(), "hsx-dispatch");
    on_dispatcher_thread = true;
    startup->ret = hsx_dispatch_ring_create();
    bool failed = startup->ret < 0;
    sem_post(&startup->done); /* startup is gone after this */
    if (!failed)
        hsx_dispatch_loop();
    return NULL;
}

/* With d->lock held. */
static int start_locked(void)
{
    struct startup startup = {.ret = 0};
    int ret;

    d->wake_fd = eventfd(0, EFD_CLOEXEC);
    if (d->wake_fd < 0)
        return hsx_fail_with_errno(-errno);
    if (sem_init(&startup.done, 0, 0)) {
        ret = errno;
        goto err_wake;
    }
    ret = hsx_thread_start(&d->thread, dispatcher_main, &startup);
    if (ret)
        goto err_sem;
    /* The new thread takes d->lock only after reporting, so waiting with it held is safe. */
    while (sem_wait(&startup.done) && errno == EINTR)
        ;
    sem_destroy(&startup.done);
    if (startup.ret < 0) {
        pthread_join(d->thread, NULL);
        ret = -startup.ret;
        goto err_wake;
    }
    /* Joinable: hsx_dispatch_stop() joins it at library teardown, for a bounded time. */
    d->started = true;
    /* Allowed when it was set (a fork child has its parent's credentials): best effort. */
    if (d->sched_set) {
        struct sched_param param = {.sched_priority = d->sched_priority};

        pthread_setschedparam(d->thread, d->sched_policy, &param);
    }
    return HSX_HAL_OK;

err_sem:
    sem_destroy(&startup.done);
err_wake:
    close(d->wake_fd);
    d->wake_fd = -1;
    return hsx_fail_with_errno(-ret);
}

int hsx_dispatch_set(hsx_mailbox_t *mb, hsx_mailbox_callback_t callback, void *user_data,
                     void **old_user_data)
{
    if (callback)
        hsx_fork_watch(); /* before d->lock: see fork.h */
    pthread_mutex_lock(&d->lock);
    if (callback && !d->started) {
        int ret = d->finished ? hsx_fail_with(HSX_HAL_ERROR, ESHUTDOWN) : start_locked();
        if (ret != HSX_HAL_OK) {
            pthread_mutex_unlock(&d->lock);
            return ret;
        }
    }
    struct entry *e = find_locked(mb);
    if (!e && callback && !(e = add_locked(mb))) {
        pthread_mutex_unlock(&d->lock);
        return hsx_fail_with_errno(ENOMEM);
    }
    if (old_user_data)
        *old_user_data = e ? e->user_data : NULL;
    /* No entry and no callback: it never had one, so there is nothing to remove. */
    if (e) {
        e->callback = callback;
        e->user_data = callback ? user_data : NULL;
        e->changed_gen = d->run_gen;
        /* A library-made event not delivered yet was for the callback replaced or removed. */
        e->has_notice = false;
        /* Before the thread exists nothing is polled, so there is nothing to tell it. */
        if (d->started) {
            queue_locked(e);
            wake_locked();
        }
    }
    pthread_mutex_unlock(&d->lock);
    return HSX_HAL_OK;
}

int hsx_dispatch_set_sched(int policy, int priority)
{
    struct sched_param param = {.sched_priority = priority};
    int ret = HSX_HAL_OK;

    hsx_fork_watch(); /* before d->lock, as it may start the thread: see fork.h */
    pthread_mutex_lock(&d->lock);
    /* Being torn down: the thread may be detached and gone, its id no longer one to use. */
    if (d->finished || d->stopping)
        ret = hsx_fail_with(HSX_HAL_ERROR, ESHUTDOWN);
    else if (!d->started)
        ret = start_locked();
    if (ret == HSX_HAL_OK) {
        int err = pthread_setschedparam(d->thread, policy, &param);

        if (err) {
            ret = hsx_fail_with_errno(err);
        } else {
            d->sched_set = true;
            d->sched_policy = policy;
            d->sched_priority = priority;
        }
    }
    pthread_mutex_unlock(&d->lock);
    return ret;
}

void hsx_dispatch_retire(hsx_mailbox_t *mb, void **old_user_data)
{
    pthread_mutex_lock(&d->lock);
    struct entry *e = find_locked(mb);
    if (old_user_data)
        *old_user_data = e ? e->user_data : NULL;
    if (e) {
        e->callback = NULL;
        e->user_data = NULL;
        e->retired = true;
        e->changed_gen = d->run_gen;
        if (d->started) {
            queue_locked(e);
            wake_locked();
        }
    }
    pthread_mutex_unlock(&d->lock);
}

/* ---- timers and library-made events ------------------------------------------------------ */

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* With d->lock held: take timer off the list if it is on it. */
static void timer_unlink_locked(struct hsx_dispatch_timer *timer)
{
    for (struct hsx_dispatch_timer **p = &d->timers; *p; p = &(*p)->next) {
        if (*p == timer) {
            *p = timer->next;
            timer->next = NULL;
            return;
        }
    }
}

int hsx_dispatch_timer_arm(struct hsx_dispatch_timer *timer, uint32_t delay_ms)
{
    pthread_mutex_lock(&d->lock);
    if (!d->started || d->stopping) {
        pthread_mutex_unlock(&d->lock);
        return hsx_fail_with(HSX_HAL_ERROR, ESHUTDOWN);
    }
    timer_unlink_locked(timer);
    timer->due_ns = now_ns() + (uint64_t)delay_ms * 1000000u;
    timer->next = d->timers;
    d->timers = timer;
    atomic_store_explicit(&d->timers_armed, true, memory_order_release);
    /* The thread computes its wait after running its timers: only another thread must wake it. */
    if (!on_dispatcher_thread)
        wake_locked();
    pthread_mutex_unlock(&d->lock);
    return HSX_HAL_OK;
}

bool hsx_dispatch_run_timers(struct __kernel_timespec *wait)
{
    struct hsx_dispatch_timer *due = NULL;

    /* Most rounds have no timer: then no clock read and no lock. */
    if (!atomic_load_explicit(&d->timers_armed, memory_order_acquire))
        return false;
    uint64_t now = now_ns();
    pthread_mutex_lock(&d->lock);
    /* Stopping (hsx_dispatch_stop(), perhaps from the callback just run): no timer runs. */
    if (d->stopping) {
        pthread_mutex_unlock(&d->lock);
        return false;
    }
    for (struct hsx_dispatch_timer **p = &d->timers; *p;) {
        struct hsx_dispatch_timer *t = *p;
        if (t->due_ns <= now) {
            *p = t->next;
            t->next = due;
            due = t;
        } else {
            p = &t->next;
        }
    }
    pthread_mutex_unlock(&d->lock);
    while (due) {
        struct hsx_dispatch_timer *t = due;
        due = t->next; /* before fn, which may arm it again */
        t->next = NULL;
        t->fn(t);
    }

    pthread_mutex_lock(&d->lock);
    bool armed = d->timers != NULL;
    atomic_store_explicit(&d->timers_armed, armed, memory_order_relaxed);
    uint64_t first = UINT64_MAX;
    for (const struct hsx_dispatch_timer *t = d->timers; t; t = t->next)
        first = t->due_ns < first ? t->due_ns : first;
    pthread_mutex_unlock(&d->lock);
    if (armed) {
        now = now_ns();
        uint64_t left = first > now ? first - now : 0;
        wait->tv_sec = (long long)(left / 1000000000u);
        wait->tv_nsec = (long long)(left % 1000000000u);
    }
    return armed;
}

int hsx_dispatch_post(hsx_mailbox_t *mb, const hsx_mailbox_event_t *event)
{
    pthread_mutex_lock(&d->lock);
    struct entry *e = find_locked(mb);
    if (!e || !e->callback || e->retired || !d->started) {
        pthread_mutex_unlock(&d->lock);
        return hsx_fail_with(HSX_HAL_CLOSED, 0);
    }
    e->notice = *event;
    e->has_notice = true;
    queue_locked(e);
    wake_locked();
    pthread_mutex_unlock(&d->lock);
    return HSX_HAL_OK;
}

void hsx_dispatch_forget(hsx_mailbox_t *mb)
{
    pthread_mutex_lock(&d->lock);
    struct entry *e = remove_locked(mb);
    pthread_mutex_unlock(&d->lock);
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
    pthread_mutex_lock(&d->lock);
    d->finished = true;
    if (!d->started || d->stopping || on_dispatcher_thread) {
        d->stopping = d->started;
        pthread_mutex_unlock(&d->lock);
        return;
    }
    d->stopping = true;
    wake_locked();
    pthread_t thread = d->thread;
    pthread_mutex_unlock(&d->lock);

    if (!hsx_thread_join_within(thread, HSX_THREAD_JOIN_BOUND_MS))
        return;

    pthread_mutex_lock(&d->lock);
    close(d->wake_fd);
    d->wake_fd = -1;
    d->started = false;
    d->stopping = false;
    d->running = NULL;
    atomic_store(&d->solo_state, SOLO_IDLE); /* so it is already: the loop ends only there */
    pthread_cond_broadcast(&d->idle);
    pthread_mutex_unlock(&d->lock);
}

/*
 * Library teardown (exit(), dlclose()): no thread may outlive the code it
 * runs, and none may hold up exit() for ever (see hsx_dispatch_stop()).
 */
/*
 * d->lock is priority-inheriting (a SCHED_FIFO dispatcher takes it), which
 * has no static initialiser: set before main(), before any thread.
 */
__attribute__((constructor)) static void dispatch_init(void)
{
    hsx_mutex_init_pi(&d->lock);
}

__attribute__((destructor)) static void dispatch_teardown(void)
{
    hsx_dispatch_stop();
}

/* ---- fork ----------------------------------------------------------------------------- */

void hsx_dispatch_fork_prepare(void)
{
    pthread_mutex_lock(&d->lock);
}

void hsx_dispatch_fork_parent(void)
{
    pthread_mutex_unlock(&d->lock);
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
    if (d->started) {
        io_uring_queue_exit(&d->ring);
        close(d->wake_fd);
    }
    d->started = false;
    d->stopping = false;
    d->wake_fd = -1;
    d->running = NULL;
    d->todo = NULL;
    atomic_store(&d->solo_fd, -1);
    atomic_store(&d->solo_state, SOLO_IDLE);
    d->solo_mb = NULL;
    d->timers = NULL; /* the parent's work; the timers' owners forget theirs */
    atomic_store(&d->timers_armed, false);
    d->ready = NULL;
    d->ready_tail = &d->ready;
    pthread_cond_init(&d->idle, NULL);
    hsx_mutex_init_pi(&d->lock); /* held since prepare, by a thread id not the child's */
}

/*
 * In the fork child, with no lock held: the parent's polls, removals and
 * lists are not the child's, and the references they held on mailboxes
 * would keep those from ever being freed (their files from being closed).
 * Drop them, outside d->lock: the last one frees the mailbox, which calls
 * hsx_dispatch_forget().
 */
void hsx_dispatch_fork_forget(void)
{
    hsx_mailbox_t **held = NULL;
    size_t n = 0, cap = 0;

    pthread_mutex_lock(&d->lock);
    d->n_armed = 0;
    d->armed_gen++;
    for (size_t i = 0; i < d->table_size; i++) {
        for (struct entry *e = d->table[i]; e; e = e->next_hash) {
            /* A plan's too: the parent's thread was making its links, without the lock. */
            unsigned int refs = e->armed + e->cancelling + e->queued + e->ready + e->link_plans;

            e->armed = e->cancelling = e->queued = e->ready = e->has_notice = false;
            e->link_plans = 0;
            e->solo_read = false;
            /* The parent's link, on a file the child shares: the child must not end it. */
            e->linked_to = 0;
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
    pthread_mutex_unlock(&d->lock);
    for (size_t i = 0; i < n; i++)
        hsx_mailbox_unref(held[i]);
    free(held);
}

void hsx_dispatch_quiesce(hsx_mailbox_t *mb)
{
    pthread_mutex_lock(&d->lock);
    /*
     * The callback was replaced or removed under the lock before this: only the
     * run chosen last before that may call the old one, and it is still under
     * way only while it is the last chosen (one is chosen once the one before
     * has ended). A run chosen since took the callback as it is, so it is not
     * waited for: on a busy mailbox the new callback's runs may follow each
     * other with no moment between them in which this thread would find none
     * running. A later change's generation is no earlier, and as safe.
     */
    struct entry *e = find_locked(mb);
    uint64_t gen = e ? e->changed_gen : 0;

    while (e && !on_dispatcher_thread && d->run_gen == gen &&
           (d->running == mb || (d->solo_mb == mb && atomic_load(&d->solo_state) == SOLO_RUNNING)))
        pthread_cond_wait(&d->idle, &d->lock);
    pthread_mutex_unlock(&d->lock);
}
