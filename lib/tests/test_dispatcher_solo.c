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

#include "core/mailbox.h"
#include "helpers.h"
#include "stream_queue.h"

#define RECORD_SIZE ((uint32_t)(sizeof(struct hsx_mbox_record) + sizeof(struct hsx_timer_record)))

/* ---- the queue file, emulated --------------------------------------------------------------- */

static atomic_int queue_fd = -1; /* the handle's end of the pair */
static int kick_fd = -1;         /* an eventfd, the tests' own: a kick wakes a read in poll() */
static atomic_bool kicked;
static atomic_int reads_inside;  /* reads of the queue file under way */
static atomic_int reads_blocked; /* ... waiting in poll() now */
static atomic_int reads_that_blocked;

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
        atomic_store(&kicked, true);
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
    for (;;) {
        ssize_t n = __real_read(fd, buf, len); /* the pair is non-blocking */

        if (n >= 0 || errno != EAGAIN)
            return n;
        if (atomic_exchange(&kicked, false)) {
            eventfd_t ignored;

            eventfd_read(kick_fd, &ignored);
            errno = EINTR;
            return -1;
        }
        struct pollfd polls[2] = {{.fd = fd, .events = POLLIN}, {.fd = kick_fd, .events = POLLIN}};
        atomic_fetch_add(&reads_blocked, 1);
        atomic_fetch_add(&reads_that_blocked, 1);
        poll(polls, 2, -1);
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

static int setup(void **state)
{
    static struct fixture f;

    f = (struct fixture){.peer = -1, .next_seq = 1};
    if (test_stream_queue_mailbox(3, "hal:timer:3", RECORD_SIZE, &f.mb, &f.peer) < 0)
        return -1;
    atomic_store(&kicked, false);
    atomic_store(&reads_that_blocked, 0);
    atomic_store(&queue_fd, hsx_mailbox_fd(f.mb));
    /* What hsx_mailbox_open() finds for hsx.ko's queue file. */
    f.mb->queue_file = f.mb->blocking = f.mb->ends_reads = true;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

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

static atomic_int runs;

/* Long enough for a replacement to come while it runs. */
static void slow_callback(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *user)
{
    (void)mb;
    (void)ev;
    (void)user;
    atomic_fetch_add(&runs, 1);
    test_sleep_ms(2);
}

struct replacement {
    hsx_mailbox_t *mb;
    int ret;
    atomic_bool done;
};

static void *replace_callback(void *arg)
{
    struct replacement *r = arg;

    r->ret = hsx_mailbox_set_callback(r->mb, slow_callback, r);
    atomic_store(&r->done, true);
    return NULL;
}

/*
 * Replace the callback, while it runs (an event just sent) or while the
 * thread waits in the read: the replacement returns once the callback it
 * replaced is not running, without waiting for another event. The thread
 * may choose the new callback and wait in the read again before the
 * replacing thread looks: that wait is not a callback running.
 */
static void replace_repeatedly(struct fixture *f, bool while_running)
{
    assert_int_equal(hsx_mailbox_set_callback(f->mb, slow_callback, NULL), HSX_HAL_OK);
    wait_for_a_blocked_read();
    for (int i = 0; i < 30; i++) {
        struct replacement r = {.mb = f->mb};
        pthread_t thread;

        if (while_running) {
            send_event(f);
            test_sleep_ms(1); /* the callback runs 2 ms */
        } else {
            wait_for_a_blocked_read();
        }
        assert_int_equal(pthread_create(&thread, NULL, replace_callback, &r), 0);
        for (int ms = 0; ms < 2000 && !atomic_load(&r.done); ms++)
            test_sleep_ms(1);
        bool returned = atomic_load(&r.done);
        /* Events let it return (it may need several), so that the test can end. */
        for (int tries = 0; tries < 500 && !atomic_load(&r.done); tries++) {
            send_event(f);
            test_sleep_ms(10);
        }
        if (!atomic_load(&r.done))
            fail_msg("the replacement waits still, after 500 events");
        pthread_join(thread, NULL);
        assert_true(returned);
        assert_int_equal(r.ret, HSX_HAL_OK);
    }
    assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
    assert_true(atomic_load(&runs) > 0);
}

static void replacing_a_running_callback_waits_for_it_not_for_an_event(void **state)
{
    replace_repeatedly(*state, true);
}

static void replacing_a_callback_during_the_read_waits_for_no_event(void **state)
{
    replace_repeatedly(*state, false);
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
        cmocka_unit_test_setup_teardown(the_threads_read_and_a_receive_take_turns, setup, teardown),
    };

    return cmocka_run_group_tests_name("dispatcher_solo", tests, group_setup, group_teardown);
}
