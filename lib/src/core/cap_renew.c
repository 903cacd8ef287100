// SPDX-License-Identifier: MIT
/*
 * Renewing capabilities before they expire: when (pure arithmetic, for the
 * unit tests), what renewing a slot does, and on which thread. The thread
 * also acquires what a callback needed (cap.c queues it: the dispatcher
 * must not wait for hsxd).
 *
 * A thread of its own rather than the dispatcher: a renewal is a blocking
 * exchange with hsxd, up to HSX_HSXD_TIMEOUT_MS when hsxd is slow or hung,
 * and on the dispatcher it would hold up every timer and GPIO callback of the
 * application for that long. The thread exists only in a process that holds
 * a capability (never in one run by root), sleeps in poll() on a CLOCK_BOOTTIME
 * timerfd (expiry is on that clock, which counts suspend: after a resume the
 * renewal is due at once instead of late), and is stopped and joined, for at
 * most HSX_THREAD_JOIN_BOUND_MS, at library teardown, which also cancels a
 * renewal under way.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/cap_slot.h"
#include "core/thread.h"

#define NSEC_PER_SEC 1000000000ULL

/* ---- when ------------------------------------------------------------------------------- */

/*
 * Two thirds into the remaining lifetime: a third of it is left for retries
 * if hsxd does not answer. A capability that lives for less than
 * HSX_CAP_RENEW_MIN_NS is not renewed at all, so a daemon handing out
 * ever-shorter expiries cannot make this a busy loop.
 */
uint64_t hsx_cap_renew_at(uint64_t now, uint64_t expiry)
{
    if (expiry <= now)
        return 0;
    uint64_t remaining = expiry - now;
    uint64_t delay = remaining - remaining / 3;
    if (delay < HSX_CAP_RENEW_MIN_NS) {
        if (remaining <= HSX_CAP_RENEW_MIN_NS)
            return 0;
        delay = HSX_CAP_RENEW_MIN_NS;
    }
    return now + delay;
}

/*
 * A third of what is left, between 1 s and 60 s; closer to the expiry than
 * that, halfway to it; give up when that is under HSX_CAP_RENEW_MIN_NS. So
 * the attempts get denser towards the end but stay few (logarithmic).
 */
uint64_t hsx_cap_renew_retry_at(uint64_t now, uint64_t expiry)
{
    if (expiry <= now)
        return 0;
    uint64_t remaining = expiry - now;
    uint64_t delay = remaining / 3;
    if (delay < HSX_CAP_RETRY_MIN_NS)
        delay = HSX_CAP_RETRY_MIN_NS;
    if (delay > HSX_CAP_RETRY_MAX_NS)
        delay = HSX_CAP_RETRY_MAX_NS;
    if (delay >= remaining) {
        delay = remaining / 2;
        if (delay < HSX_CAP_RENEW_MIN_NS)
            return 0;
    }
    return now + delay;
}

/* 1 s after a success or a first failure, then doubling per failure, up to 30 s. */
uint64_t hsx_cap_acquire_interval(unsigned int failures)
{
    if (failures <= 1)
        return HSX_CAP_ACQUIRE_MIN_NS;
    if (failures > 6)
        return HSX_CAP_ACQUIRE_MAX_NS;
    uint64_t interval = HSX_CAP_ACQUIRE_MIN_NS << (failures - 1);
    return interval > HSX_CAP_ACQUIRE_MAX_NS ? HSX_CAP_ACQUIRE_MAX_NS : interval;
}

/* ---- what is due: renewals, and acquisitions a callback needed -------------------- */

/*
 * A status hsxd may answer while it cannot decide now (busy, short of
 * memory, its admin node reopening): worth asking again, unlike a refusal.
 */
static bool transient_status(int status)
{
    return status == -EAGAIN || status == -EBUSY || status == -EINTR || status == -ENOMEM ||
           status == -ETIMEDOUT;
}

static void renew_locked(enum hsx_umod_index node, int cancel_fd)
{
    struct cap_slot *s = &hsx_caps.slots[node];
    struct hsxd_reply reply;
    uint64_t id = s->cap.id;

    int ret = hsx_cap_exchange_locked(node, HSXD_OP_RENEW, &reply, cancel_fd);
    uint64_t now = cap_clock_ns(CLOCK_BOOTTIME);
    if (!s->held || s->cap.id != id) {
        /* It ended meanwhile (its event came): nothing left to renew. */
    } else if (ret == 0 && reply.status == 0 && reply.cap.id == id) {
        s->cap.expiry_ns = reply.cap.expiry_ns;
        s->renew_at = hsx_cap_renew_at(now, s->cap.expiry_ns);
    } else if (ret == 0 && reply.status < 0 && !transient_status(reply.status)) {
        /* Refused: the policy no longer allows it. It expires, and the kernel says so. */
        s->renew_at = 0;
    } else if (ret != -ECANCELED) {
        /* No answer, a wrong one, or "not now": try again while there is time. */
        s->renew_at = hsx_cap_renew_retry_at(now, s->cap.expiry_ns);
    }
    hsx_cap_finish_locked(s);
}

/*
 * On the renewal thread: an acquisition a callback needed (see
 * hsx_cap_acquire_or_queue_locked()). Its stderr line, if due, into line.
 */
static bool acquire_queued_locked(enum hsx_umod_index node, int cancel_fd, char *line, size_t size)
{
    struct cap_slot *s = &hsx_caps.slots[node];

    s->acquire_queued = false;
    if (s->fd < 0 || !cap_needs_capability(s) || s->held || s->dropped)
        return false;
    if (hsx_cap_acquire_locked(node, cancel_fd) == HSX_HAL_OK)
        return false;
    return hsx_cap_take_report_locked(node, line, size);
}

uint64_t hsx_cap_renew_due(uint64_t now, int cancel_fd)
{
    char lines[HSX_UMOD_COUNT][CAP_LINE_MAX];
    bool print[HSX_UMOD_COUNT] = {false};
    uint64_t next = 0;

    pthread_mutex_lock(&hsx_caps.lock);
    for (int node = 0; node < HSX_UMOD_COUNT; node++) {
        struct cap_slot *s = &hsx_caps.slots[node];
        if (s->acquire_queued && !s->busy)
            print[node] = acquire_queued_locked((enum hsx_umod_index)node, cancel_fd, lines[node],
                                                sizeof(lines[node]));
        if (s->held && s->renew_at && s->renew_at <= now && !s->busy)
            renew_locked((enum hsx_umod_index)node, cancel_fd);
        if (!s->held || !s->renew_at)
            continue;
        /* Busy with something else at its time: look again shortly rather than spin. */
        uint64_t at = s->busy && s->renew_at <= now ? now + HSX_CAP_RENEW_MIN_NS : s->renew_at;
        if (next == 0 || at < next)
            next = at;
    }
    /* Queued while another exchange was under way: look again shortly. */
    for (int node = 0; node < HSX_UMOD_COUNT; node++) {
        if (hsx_caps.slots[node].acquire_queued && (next == 0 || now + HSX_CAP_RENEW_MIN_NS < next))
            next = now + HSX_CAP_RENEW_MIN_NS;
    }
    pthread_mutex_unlock(&hsx_caps.lock);
    for (int node = 0; node < HSX_UMOD_COUNT; node++) {
        if (print[node])
            fputs(lines[node], stderr);
    }
    return next;
}

/* ---- the thread ----------------------------------------------------------------------- */

struct renewer {
    pthread_t thread;
    int timer_fd;      /* CLOCK_BOOTTIME, armed for the next renewal */
    int wake_fd;       /* the schedule changed */
    int stop_fd;       /* stop, and cancel a renewal under way */
    atomic_int let_go; /* the thread ended, the stopper left it: the second one frees */
};

static struct {
    pthread_mutex_t lock;
    struct renewer *current;
    bool finished; /* the library is being unloaded: start no thread again */
} r = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void drain(int fd)
{
    uint64_t count;

    while (read(fd, &count, sizeof(count)) > 0)
        ;
}

static void close_renewer(struct renewer *rn)
{
    close(rn->timer_fd);
    close(rn->wake_fd);
    close(rn->stop_fd);
    free(rn);
}

static void *renew_main(void *arg)
{
    struct renewer *self = arg;

    pthread_setname_np(pthread_self(), "hsx-renew");
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_BOOTTIME, &now);
        uint64_t next = hsx_cap_renew_due(
            (uint64_t)now.tv_sec * NSEC_PER_SEC + (uint64_t)now.tv_nsec, self->stop_fd);

        /* All-zero disarms: nothing is due until the schedule changes. */
        struct itimerspec when = {0};
        when.it_value.tv_sec = (time_t)(next / NSEC_PER_SEC);
        when.it_value.tv_nsec = (long)(next % NSEC_PER_SEC);
        timerfd_settime(self->timer_fd, TFD_TIMER_ABSTIME, &when, NULL);

        struct pollfd fds[3] = {
            {.fd = self->timer_fd, .events = POLLIN},
            {.fd = self->wake_fd, .events = POLLIN},
            {.fd = self->stop_fd, .events = POLLIN},
        };
        while (poll(fds, 3, -1) < 0 && errno == EINTR)
            ;
        if (fds[2].revents)
            break;
        drain(self->timer_fd);
        drain(self->wake_fd);
    }
    /* Left by a stopper that stopped waiting (see hsx_renew_stop()): its descriptors are ours. */
    if (atomic_fetch_add(&self->let_go, 1) == 1)
        close_renewer(self);
    return NULL;
}

/* With r.lock held. */
static struct renewer *start_locked(void)
{
    struct renewer *rn = malloc(sizeof(*rn));

    if (!rn)
        return NULL;
    atomic_init(&rn->let_go, 0);
    rn->timer_fd = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC | TFD_NONBLOCK);
    rn->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    rn->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (rn->timer_fd < 0 || rn->wake_fd < 0 || rn->stop_fd < 0) {
        close_renewer(rn);
        return NULL;
    }
    if (hsx_thread_start(&rn->thread, renew_main, rn)) {
        close_renewer(rn);
        return NULL;
    }
    return rn;
}

/*
 * Without the thread (no memory, no descriptors), capabilities are not
 * renewed: they expire, the kernel says so, and the next operation acquires
 * again. That is degraded but correct, so the failure is not returned.
 */
int hsx_renew_kick(void)
{
    pthread_mutex_lock(&r.lock);
    if (!r.current && !r.finished)
        r.current = start_locked();
    if (r.current)
        eventfd_write(r.current->wake_fd, 1);
    int ret = r.current ? 0 : -ENOMEM;
    pthread_mutex_unlock(&r.lock);
    return ret;
}

/*
 * Joined without r.lock: the thread may be waiting for the capabilities'
 * lock, held by a thread that is about to kick it (and take r.lock).
 *
 * The stop eventfd cancels an exchange with hsxd, but the thread can still
 * be held up: by the capabilities' lock, or writing a denial line to a
 * stderr nobody reads. So the wait is bounded (HSX_THREAD_JOIN_BOUND_MS), as
 * the dispatcher's: past it the thread is detached and left its descriptors,
 * and whichever of the two comes last (the thread ending, or this giving up
 * on it) closes them. At exit() the process ends around it; at dlclose() a
 * thread held up past the bound would return into unmapped code.
 */
void hsx_renew_stop(void)
{
    pthread_mutex_lock(&r.lock);
    struct renewer *rn = r.current;
    r.current = NULL;
    pthread_mutex_unlock(&r.lock);
    if (!rn)
        return;
    eventfd_write(rn->stop_fd, 1);
    if (hsx_thread_join_within(rn->thread, HSX_THREAD_JOIN_BOUND_MS) ||
        atomic_fetch_add(&rn->let_go, 1) == 1)
        close_renewer(rn);
}

/*
 * Library teardown (exit(), dlclose()): no thread may outlive the code it
 * runs, and none may hold up exit() for ever (see hsx_renew_stop()).
 */
__attribute__((destructor)) static void renew_teardown(void)
{
    pthread_mutex_lock(&r.lock);
    r.finished = true;
    pthread_mutex_unlock(&r.lock);
    hsx_renew_stop();
}

void hsx_renew_fork_prepare(void)
{
    pthread_mutex_lock(&r.lock);
}

void hsx_renew_fork_parent(void)
{
    pthread_mutex_unlock(&r.lock);
}

/* The thread is not in the child; its descriptors are, and are the parent's to use. */
void hsx_renew_fork_child(void)
{
    if (r.current)
        close_renewer(r.current);
    r.current = NULL;
    pthread_mutex_unlock(&r.lock);
}
