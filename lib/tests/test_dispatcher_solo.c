// SPDX-License-Identifier: MIT
/*
 * The dispatcher's wait in one queue file's read() (dispatcher_loop.c,
 * solo_wait()), without hsx.ko: read(), preadv2() and ioctl() are wrapped
 * (ld --wrap) so that a SOCK_STREAM pair reads as the queue file does. A read
 * of it blocks until a record or a kick comes, and a kick made while no read
 * blocks is kept for the next read that would (HSX_IOC_MBOX_QUEUE_KICK). The
 * handle is then marked as hsx.ko's blocking queue file, which is what lets
 * the thread wait in its read. The other test files' stand-ins keep the
 * thread on its ring.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/dispatcher.h"
#include "core/dispatcher_impl.h"
#include "core/mailbox.h"
#include "helpers.h"
#include "stream_queue.h"

#define RECORD_SIZE ((uint32_t)(sizeof(struct hsx_mbox_record) + sizeof(struct hsx_timer_record)))

/* ---- the queue file, emulated --------------------------------------------------------------- */

static atomic_int queue_fd = -1; /* the handle's end of the pair */
/* An eventfd, the tests' own, the kicks kept: read (non-blocking) by a read that would block. */
static int kick_fd = -1;
static atomic_int reads_inside;       /* reads of the queue file under way */
static atomic_int reads_blocked;      /* ... the dispatcher's, waiting in poll() now */
static atomic_int reads_that_blocked; /* the dispatcher's, in all */

int __real_ioctl(int fd, unsigned long request, void *arg);
int __wrap_ioctl(int fd, unsigned long request, ...);
ssize_t __real_read(int fd, void *buf, size_t len);
ssize_t __wrap_read(int fd, void *buf, size_t len);
ssize_t __real_preadv2(int fd, const struct iovec *iov, int count, off_t offset, int flags);
ssize_t __wrap_preadv2(int fd, const struct iovec *iov, int count, off_t offset, int flags);

int __wrap_ioctl(int fd, unsigned long request, ...)
{
    va_list ap;

    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (fd < 0 || fd != atomic_load(&queue_fd))
        return __real_ioctl(fd, request, arg);
    switch (request) {
    case HSX_IOC_MBOX_QUEUE_KICK:
        eventfd_write(kick_fd, 1);
        return 0;
    case HSX_IOC_MBOX_QUEUE_SET_TIMEOUT:
    case HSX_IOC_MBOX_QUEUE_END:
        return 0;
    default:
        errno = ENOTTY;
        return -1;
    }
}

/* A read that would block takes a kept kick (EINTR), else waits for a record or a kick. */
static ssize_t read_queue(int fd, void *buf, size_t len)
{
    bool dispatcher = hsx_dispatch_on_thread();

    for (;;) {
        ssize_t n = __real_read(fd, buf, len); /* the pair is non-blocking */
        eventfd_t kicks;

        if (n >= 0 || errno != EAGAIN)
            return n;
        if (eventfd_read(kick_fd, &kicks) == 0) {
            errno = EINTR;
            return -1;
        }
        struct pollfd polls[2] = {{.fd = fd, .events = POLLIN}, {.fd = kick_fd, .events = POLLIN}};
        if (dispatcher) {
            atomic_fetch_add(&reads_blocked, 1);
            atomic_fetch_add(&reads_that_blocked, 1);
        }
        poll(polls, 2, -1);
        if (dispatcher)
            atomic_fetch_sub(&reads_blocked, 1);
    }
}

ssize_t __wrap_read(int fd, void *buf, size_t len)
{
    if (fd < 0 || fd != atomic_load(&queue_fd))
        return __real_read(fd, buf, len);
    atomic_fetch_add(&reads_inside, 1);
    ssize_t n = read_queue(fd, buf, len);
    int err = errno;
    atomic_fetch_sub(&reads_inside, 1);
    errno = err;
    return n;
}

/* The library's reads other than a wait's say RWF_NOWAIT: the pair's own EAGAIN. */
ssize_t __wrap_preadv2(int fd, const struct iovec *iov, int count, off_t offset, int flags)
{
    if (fd < 0 || fd != atomic_load(&queue_fd))
        return __real_preadv2(fd, iov, count, offset, flags);
    return readv(fd, iov, count);
}

struct fixture {
    hsx_mailbox_t *mb;
    int peer;
    uint64_t next_seq;
};

/* ---- callbacks held at a gate --------------------------------------------------------------- */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool closed; /* callbacks wait at it */
    int inside;  /* callbacks running */
} gate = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

/* A callback's user data: dead once the set_callback() that replaced it returned. */
struct registration {
    atomic_bool dead;
};

static atomic_int runs, late_runs;

static void gated_callback(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *user)
{
    struct registration *registration = user;
    (void)mb;
    (void)ev;

    if (atomic_load(&registration->dead))
        atomic_fetch_add(&late_runs, 1);
    atomic_fetch_add(&runs, 1);
    pthread_mutex_lock(&gate.lock);
    gate.inside++;
    pthread_cond_broadcast(&gate.changed);
    while (gate.closed)
        pthread_cond_wait(&gate.changed, &gate.lock);
    gate.inside--;
    pthread_mutex_unlock(&gate.lock);
}

static void gate_set(bool closed)
{
    pthread_mutex_lock(&gate.lock);
    gate.closed = closed;
    pthread_cond_broadcast(&gate.changed);
    pthread_mutex_unlock(&gate.lock);
}

/* *count (under lock, its changes broadcast on changed) once it is not 0, or after 5 s. */
static int nonzero_within_5s(pthread_mutex_t *lock, pthread_cond_t *changed, const int *count)
{
    struct timespec deadline;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(lock);
    while (!*count && !pthread_cond_timedwait(changed, lock, &deadline))
        ;
    int now = *count;
    pthread_mutex_unlock(lock);
    return now;
}

/* Until a callback is held at the gate, at most 5 s. */
static void wait_for_a_held_callback(void)
{
    assert_int_equal(nonzero_within_5s(&gate.lock, &gate.changed, &gate.inside), 1);
}

/* A callback that stays running until the test lets it go: holding.runs counts its runs. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool open;
    int runs;
    int inside;
} holding = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static void holding_callback(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *user)
{
    (void)mb;
    (void)ev;
    (void)user;
    pthread_mutex_lock(&holding.lock);
    holding.runs++;
    holding.inside++;
    pthread_cond_broadcast(&holding.changed);
    while (!holding.open)
        pthread_cond_wait(&holding.changed, &holding.lock);
    holding.inside--;
    pthread_cond_broadcast(&holding.changed);
    pthread_mutex_unlock(&holding.lock);
}

/* Open: and until no run is left inside (at most 5 s), its count reset. */
static void holding_set(bool open)
{
    struct timespec deadline;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&holding.lock);
    holding.open = open;
    pthread_cond_broadcast(&holding.changed);
    while (open && holding.inside &&
           !pthread_cond_timedwait(&holding.changed, &holding.lock, &deadline))
        ;
    if (open)
        holding.runs = 0;
    pthread_mutex_unlock(&holding.lock);
}

/* holding_callback()'s runs, once it has one or after 5 s. */
static int held_runs(void)
{
    return nonzero_within_5s(&holding.lock, &holding.changed, &holding.runs);
}

static int setup(void **state)
{
    static struct fixture f;
    eventfd_t stale;

    f = (struct fixture){.peer = -1, .next_seq = 1};
    if (test_stream_queue_mailbox(3, "hal:timer:3", RECORD_SIZE, &f.mb, &f.peer) < 0)
        return -1;
    eventfd_read(kick_fd, &stale); /* no kick of another test's file */
    atomic_store(&reads_that_blocked, 0);
    atomic_store(&runs, 0);
    atomic_store(&late_runs, 0);
    gate_set(false);
    atomic_store(&queue_fd, hsx_mailbox_fd(f.mb));
    /* What hsx_mailbox_open() finds for hsx.ko's queue file. */
    f.mb->queue_file = f.mb->blocking = f.mb->ends_reads = true;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    gate_set(false);
    holding_set(true);
    hsx_mailbox_close(f->mb);
    /* The removal's kick ended the thread's last read; let it leave the emulation first. */
    for (int i = 0; i < 5000 && atomic_load(&reads_inside); i++)
        test_sleep_ms(1);
    atomic_store(&queue_fd, -1);
    close(f->peer);
    return atomic_load(&reads_inside) ? -1 : 0;
}

static int group_setup(void **state)
{
    (void)state;
    kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return kick_fd < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    close(kick_fd);
    return 0;
}

static void send_event(struct fixture *f)
{
    struct test_event ev = test_expiry(3, f->next_seq++);

    assert_true(test_send_record(f->peer, &ev, RECORD_SIZE));
}

/* Until the dispatcher waits in the file's read() (it is the file's one reader), at most 5 s. */
static void wait_for_a_blocked_read(void)
{
    for (int i = 0; i < 5000 && !atomic_load(&reads_blocked); i++)
        test_sleep_ms(1);
    assert_true(atomic_load(&reads_blocked) > 0);
}

/* ---- replacing a callback ------------------------------------------------------------------- */

struct replacement {
    hsx_mailbox_t *mb;
    hsx_mailbox_callback_t callback; /* gated_callback() if NULL */
    struct registration *registration;
    int ret;
    atomic_bool done;
};

static void *replace_callback(void *arg)
{
    struct replacement *r = arg;

    r->ret = hsx_mailbox_set_callback(r->mb, r->callback ? r->callback : gated_callback,
                                      r->registration);
    atomic_store(&r->done, true);
    return NULL;
}

/* Until r is done, at most ms milliseconds; whether it is. */
static bool done_within(struct replacement *r, int ms)
{
    for (int i = 0; i < ms && !atomic_load(&r->done); i++)
        test_sleep_ms(1);
    return atomic_load(&r->done);
}

/* Let a replacement that waits for an event return (it may need several), so the test can end. */
static void finish(struct fixture *f, struct replacement *r, pthread_t thread)
{
    gate_set(false);
    for (int tries = 0; tries < 500 && !atomic_load(&r->done); tries++) {
        send_event(f);
        test_sleep_ms(10);
    }
    if (!atomic_load(&r->done))
        fail_msg("the replacement waits still, after 500 events");
    pthread_join(thread, NULL);
}

/*
 * Replace old's callback by new's from another thread. held: a callback is
 * held at the gate meanwhile, and the replacement must wait for it (at least
 * 50 ms) until the gate opens. Either way it must then return within 2 s with
 * no other event; old is dead from then on.
 */
static void replace(struct fixture *f, struct registration *old, struct registration *new,
                    bool held)
{
    struct replacement r = {.mb = f->mb, .registration = new};
    pthread_t thread;

    assert_int_equal(pthread_create(&thread, NULL, replace_callback, &r), 0);
    bool waited = !held || !done_within(&r, 50);
    gate_set(false);
    bool returned = done_within(&r, 2000);
    finish(f, &r, thread);
    assert_true(waited);
    assert_true(returned);
    assert_int_equal(r.ret, HSX_HAL_OK);
    atomic_store(&old->dead, true);
}

/*
 * The callback, won by the thread's read, is held running when the
 * replacement comes: the replacement waits for it (a callback it replaced
 * must not run once it returned, its user data freed), and returns once it
 * is let go, with no other event: the thread then chooses the new callback
 * for its next read, and a read waiting is no callback running (marking it
 * so had the replacement wait for the next event).
 */
static void replacing_a_running_callback_waits_for_it_not_for_an_event(void **state)
{
    struct fixture *f = *state;
    struct registration registrations[11] = {0};

    assert_int_equal(hsx_mailbox_set_callback(f->mb, gated_callback, &registrations[0]),
                     HSX_HAL_OK);
    for (int i = 0; i < 10; i++) {
        wait_for_a_blocked_read();
        gate_set(true);
        send_event(f);
        wait_for_a_held_callback();
        replace(f, &registrations[i], &registrations[i + 1], true);
    }
    assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(atomic_load(&runs), 10);
    assert_int_equal(atomic_load(&late_runs), 0);
}

/*
 * The thread waits in the read, the callback chosen: a replacement takes the
 * choice back (its wake kicks the read) and returns with no event. The next
 * event goes to the last callback set, none to one replaced.
 */
static void replacing_a_callback_during_the_read_waits_for_no_event(void **state)
{
    struct fixture *f = *state;
    struct registration registrations[31] = {0};

    assert_int_equal(hsx_mailbox_set_callback(f->mb, gated_callback, &registrations[0]),
                     HSX_HAL_OK);
    for (int i = 0; i < 30; i++) {
        wait_for_a_blocked_read();
        replace(f, &registrations[i], &registrations[i + 1], false);
    }
    int before = atomic_load(&runs);
    send_event(f);
    for (int i = 0; i < 5000 && atomic_load(&runs) == before; i++)
        test_sleep_ms(1);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(atomic_load(&runs), before + 1);
    assert_int_equal(atomic_load(&late_runs), 0);
}

/*
 * hsx_dispatch_quiesce(), wrapped: with quiesce_late set, it begins only once
 * holding_callback() has a run (at most 5 s), as when the thread that
 * replaced a callback is held off between the replacement and the wait.
 */
static atomic_bool quiesce_late;

void __real_hsx_dispatch_quiesce(hsx_mailbox_t *mb);
void __wrap_hsx_dispatch_quiesce(hsx_mailbox_t *mb);

void __wrap_hsx_dispatch_quiesce(hsx_mailbox_t *mb)
{
    if (atomic_load(&quiesce_late))
        held_runs();
    __real_hsx_dispatch_quiesce(mb);
}

/* Whether the dispatcher's entry for mb has callback now. */
static bool dispatcher_has(const hsx_mailbox_t *mb, hsx_mailbox_callback_t callback)
{
    bool has = false;

    pthread_mutex_lock(&hsx_dispatcher.lock);
    for (size_t i = 0; i < hsx_dispatcher.table_size; i++)
        for (const struct entry *e = hsx_dispatcher.table[i]; e; e = e->next_hash)
            if (e->mb == mb)
                has = e->callback == callback;
    pthread_mutex_unlock(&hsx_dispatcher.lock);
    return has;
}

/*
 * A replacement waits for the replaced callback's run, not for the new
 * callback's: with two events read, the old callback held running when the
 * replacement comes, and the new one holding on to the thread from its
 * first run, the replacement returns once the old run is over. It waited
 * while any run of the mailbox's was under way, so for as long as the new
 * callback ran, on a busy mailbox for as long as its runs followed each
 * other. In the odd rounds the wait begins only once the new callback
 * runs: what counts is the run under way at the replacement, not at the
 * wait.
 */
static void replacing_a_callback_waits_for_its_run_not_the_new_ones(void **state)
{
    struct fixture *f = *state;
    struct registration old[6] = {0}, new[6] = {0};

    /* Rounds: which of the two gets to the lock first, once the old run ends, is a race. */
    for (int round = 0; round < 6; round++) {
        struct replacement r = {
            .mb = f->mb, .callback = holding_callback, .registration = &new[round]};
        pthread_t thread;

        assert_int_equal(hsx_mailbox_set_callback(f->mb, gated_callback, &old[round]), HSX_HAL_OK);
        holding_set(false); /* after: the replaced holding_callback() is not held */
        wait_for_a_blocked_read();
        gate_set(true);
        send_event(f);
        send_event(f);
        wait_for_a_held_callback();
        atomic_store(&quiesce_late, round % 2);
        assert_int_equal(pthread_create(&thread, NULL, replace_callback, &r), 0);
        bool set = false;
        for (int i = 0; i < 5000 && !(set = dispatcher_has(f->mb, holding_callback)); i++)
            test_sleep_ms(1);
        bool waited = !done_within(&r, 50); /* for the old callback's run */
        gate_set(false);
        int new_runs = held_runs(); /* the second event: the new callback's, holding the thread */
        bool returned = done_within(&r, 2000);
        holding_set(true);
        pthread_join(thread, NULL);
        atomic_store(&quiesce_late, false);
        atomic_store(&old[round].dead, true);
        assert_true(set);
        assert_true(waited);
        assert_int_equal(new_runs, 1);
        assert_true(returned);
        assert_int_equal(r.ret, HSX_HAL_OK);
    }
    assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(atomic_load(&runs), 6); /* each old callback's, once */
    assert_int_equal(atomic_load(&late_runs), 0);
}

/* ---- a receive and the thread's read taking turns ------------------------------------------- */

static uint64_t seen_next(struct test_in_order *seen)
{
    pthread_mutex_lock(&seen->lock);
    uint64_t next = seen->next_seq;
    pthread_mutex_unlock(&seen->lock);
    return next;
}

/*
 * The thread takes the first event its read brought without a lock, and
 * lets go of the file without one; a receive, once the callback is removed,
 * takes over where it stopped, and hands back when a callback is set again.
 * Every event arrives once, in order, none counted as dropped, and the
 * thread did wait in the read.
 */
static void the_threads_read_and_a_receive_take_turns(void **state)
{
    struct fixture *f = *state;
    struct test_in_order seen = {.lock = PTHREAD_MUTEX_INITIALIZER, .next_seq = 1};

    for (int round = 0; round < 400; round++) {
        assert_int_equal(hsx_mailbox_set_callback(f->mb, test_check_order, &seen), HSX_HAL_OK);
        for (int k = 0; k < 1 + round % 3; k++)
            send_event(f);
        usleep((useconds_t)(round % 4) * 150);
        assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
        send_event(f);
        while (seen_next(&seen) != f->next_seq) {
            hsx_mailbox_event_t ev;

            assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 5000), HSX_HAL_OK);
            test_check_order(f->mb, &ev, &seen);
        }
    }
    pthread_mutex_lock(&seen.lock);
    assert_false(seen.out_of_order);
    assert_int_equal(seen.count, f->next_seq - 1);
    assert_int_equal(seen.dropped, 0);
    pthread_mutex_unlock(&seen.lock);
    assert_true(atomic_load(&reads_that_blocked) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(replacing_a_running_callback_waits_for_it_not_for_an_event,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(replacing_a_callback_during_the_read_waits_for_no_event,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(replacing_a_callback_waits_for_its_run_not_the_new_ones,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_threads_read_and_a_receive_take_turns, setup, teardown),
    };

    return cmocka_run_group_tests_name("dispatcher_solo", tests, group_setup, group_teardown);
}
