// SPDX-License-Identifier: MIT
/*
 * Mailbox handles over queue files, without a kernel: a non-blocking
 * SOCK_SEQPACKET socket stands in for the queue file (one record per read),
 * and the test plays hsx.ko on the other end, sending records.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "helpers.h"

#define TIMER_RECORD_SIZE (sizeof(struct hsx_mbox_record) + sizeof(struct hsx_timer_record))

struct fixture {
    hsx_mailbox_t *mb;
    int peer;
};

static int setup(void **state)
{
    static struct fixture f;

    if (test_queue_mailbox(3, "hal:timer:3", (uint32_t)TIMER_RECORD_SIZE, &f.mb, &f.peer) < 0)
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f->mb)
        hsx_mailbox_close(f->mb);
    if (f->peer >= 0)
        close(f->peer);
    return 0;
}

static bool send_record(struct fixture *f, const struct test_event *ev)
{
    return test_send_record(f->peer, ev, (uint32_t)TIMER_RECORD_SIZE);
}

static void a_queued_record_is_received(void **state)
{
    struct fixture *f = *state;
    struct test_event sent = test_expiry(3, 1);
    hsx_mailbox_event_t ev;

    sent.overruns = 2;
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_TIMEOUT);
    assert_true(send_record(f, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_OK);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(ev.module, HSX_MAILBOX_MODULE_TIMER);
    assert_int_equal(ev.mailbox_id, 3);
    assert_int_equal(ev.seq, 1);
    assert_int_equal(ev.timestamp_ns, 1000000000ULL);
    assert_int_equal(ev.u.timer.timer_id, 3);
    assert_int_equal(ev.u.timer.tick_us, 1000000);
    assert_int_equal(ev.u.timer.overruns, 2);
    assert_int_equal(ev.u.timer.expirations, 1);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_TIMEOUT);
}

/* The wait reads the queue file through io_uring, with and without a deadline. */
static void a_blocking_receive_gets_a_record_that_arrives_while_waiting(void **state)
{
    struct fixture *f = *state;
    struct test_delayed_send dr = {.peer = f->peer,
                                   .delay_ms = 80,
                                   .event = test_expiry(3, 42),
                                   .record_size = (uint32_t)TIMER_RECORD_SIZE};
    hsx_mailbox_event_t ev;
    pthread_t thread;

    assert_int_equal(pthread_create(&thread, NULL, test_send_later, &dr), 0);
    uint64_t start = test_now_ms();
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 5000), HSX_HAL_OK);
    uint64_t elapsed = test_now_ms() - start;
    pthread_join(thread, NULL);
    assert_int_equal(ev.seq, 42);
    assert_true(elapsed >= 70 && elapsed < 4000);

    dr.event = test_expiry(3, 43);
    assert_int_equal(pthread_create(&thread, NULL, test_send_later, &dr), 0);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, HSX_HAL_TIMEOUT_INF), HSX_HAL_OK);
    pthread_join(thread, NULL);
    assert_int_equal(ev.seq, 43);

    start = test_now_ms();
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 60), HSX_HAL_TIMEOUT);
    assert_true(test_now_ms() - start >= 50);
}

/* The same rules as over netlink: the kernel's count, or the gap, whichever is more. */
static void drops_are_reported_once(void **state)
{
    struct fixture *f = *state;
    struct test_event sent = test_expiry(3, 1);
    hsx_mailbox_event_t ev;

    assert_true(send_record(f, &sent));
    sent = test_expiry(3, 5); /* 3 missing; the kernel counted 3 */
    sent.dropped = 3;
    sent.dropped_total = 3;
    assert_true(send_record(f, &sent));
    sent = test_expiry(3, 8); /* 2 missing; the kernel counted none */
    sent.dropped_total = 3;
    assert_true(send_record(f, &sent));

    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.dropped, 0);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.dropped, 3);
    assert_int_equal(ev.dropped_total, 3);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.dropped, 2);
    assert_int_equal(ev.dropped_total, 5);
}

static void the_close_record_ends_the_mailbox(void **state)
{
    struct fixture *f = *state;
    struct test_event sent = test_closed(3, 8, HSX_CLOSE_CANCELLED);
    hsx_mailbox_event_t ev;

    sent.dropped = 1;
    assert_true(send_record(f, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_CLOSED);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_CLOSED);
    assert_int_equal(ev.close_reason, HSX_MAILBOX_CLOSE_CANCELLED);
    assert_int_equal(ev.seq, 8);
    assert_int_equal(ev.dropped, 1);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_CLOSED);
}

static void a_revoked_queue_is_denied(void **state)
{
    struct fixture *f = *state;
    struct test_event sent = test_closed(3, 4, HSX_CLOSE_REVOKED);
    hsx_mailbox_event_t ev;

    assert_true(send_record(f, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EKEYREVOKED);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_DENIED);
}

static void end_of_file_ends_the_mailbox(void **state)
{
    struct fixture *f = *state;
    hsx_mailbox_event_t ev;

    close(f->peer);
    f->peer = -1;
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_CLOSED);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_CLOSED);
}

/* A record the library cannot decode is an error for the caller, and the next one is read. */
static void a_malformed_record_is_rejected_and_reading_goes_on(void **state)
{
    struct fixture *f = *state;
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    struct test_event sent = test_expiry(3, 1);
    hsx_mailbox_event_t ev;

    test_put_record(buf, &sent, (uint32_t)TIMER_RECORD_SIZE);
    ((struct hsx_mbox_record *)buf)->type = 77;
    assert_true(test_send_bytes(f->peer, buf, TIMER_RECORD_SIZE));
    assert_true(test_send_bytes(f->peer, buf, 20)); /* shorter than a header */
    sent.seq = 2;
    assert_true(send_record(f, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EPROTO);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EBADMSG);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.seq, 2);
}

struct seen {
    pthread_mutex_t lock;
    int count;
    uint64_t last_seq;
    bool closed;
};

static void on_event(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *user)
{
    struct seen *seen = user;
    (void)mb;

    pthread_mutex_lock(&seen->lock);
    if (ev->type == HSX_MAILBOX_EVENT_CLOSED)
        seen->closed = true;
    else
        seen->count++;
    seen->last_seq = ev->seq;
    pthread_mutex_unlock(&seen->lock);
}

/* The dispatcher polls the queue file and reads its records in order, the close record last. */
static void callbacks_get_every_record_then_the_close(void **state)
{
    struct fixture *f = *state;
    struct seen seen = {.lock = PTHREAD_MUTEX_INITIALIZER};

    assert_int_equal(hsx_mailbox_set_callback(f->mb, on_event, &seen), HSX_HAL_OK);
    for (uint64_t seq = 1; seq <= 30; seq++) {
        struct test_event sent = test_expiry(3, seq);
        assert_true(send_record(f, &sent));
    }
    assert_int_equal(test_count_within(&seen.lock, &seen.count, 30, 5000), 30);
    struct test_event closed = test_closed(3, 31, HSX_CLOSE_CANCELLED);
    assert_true(send_record(f, &closed));
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&seen.lock);
        bool done = seen.closed;
        pthread_mutex_unlock(&seen.lock);
        if (done)
            break;
        test_sleep_ms(10);
    }
    pthread_mutex_lock(&seen.lock);
    assert_true(seen.closed);
    assert_int_equal(seen.count, 30);
    assert_int_equal(seen.last_seq, 31);
    pthread_mutex_unlock(&seen.lock);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
}

static void bad_record_sizes_are_refused(void **state)
{
    hsx_mailbox_t *mb = (hsx_mailbox_t *)1;
    (void)state;

    assert_int_equal(hsx_mailbox_from_queue_fd(0, 1, sizeof(struct hsx_mbox_record) - 1, "x", &mb),
                     HSX_HAL_INVALID_PARAM);
    assert_null(mb);
    assert_int_equal(hsx_mailbox_from_queue_fd(0, 1, HSX_MBOX_RECORD_MAX + 1, "x", &mb),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_from_queue_fd(-1, 1, HSX_MBOX_RECORD_MAX, "x", &mb),
                     HSX_HAL_INVALID_PARAM);
}

/* ---- fork: the child forgets the parent's subscriptions ------------------------------------ */

static hsx_mailbox_t *inherited;

/* In the child: closing the parent's handle must not end the parent's subscription. */
static int close_inherited(void *arg)
{
    const struct test_syscall_rule rules[] = {
        {SYS_ioctl, 1, (uint32_t)HSX_IOC_MBOX_QUEUE_END, SECCOMP_RET_KILL_PROCESS},
    };
    hsx_mailbox_event_t ev;
    (void)arg;

    if (test_seccomp(rules, 1) < 0)
        return 2;
    /* Not the child's to read either: the event stays the parent's. */
    if (hsx_mailbox_recv(inherited, &ev, 0) != HSX_HAL_CLOSED)
        return 3;
    return hsx_mailbox_close(inherited) == HSX_HAL_OK ? 0 : 4;
}

static void a_child_cannot_end_or_read_the_parents_subscription(void **state)
{
    struct fixture *f = *state;
    struct test_event sent = test_expiry(3, 1);
    hsx_mailbox_event_t ev;

    f->mb->queue_file = true; /* as hsx.ko's: closing ends it with HSX_IOC_MBOX_QUEUE_END */
    inherited = f->mb;
    assert_true(send_record(f, &sent));
    /* Before: the child read the parent's event, and its close ended the subscription. */
    assert_int_equal(test_in_child(close_inherited, NULL, 5000), 0);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_OK);
    assert_int_equal(ev.seq, 1);
    /*
     * A blocking wait is not ended either. Before: the child's close woke the
     * eventfd the two share, and every later wait of the parent's was CLOSED.
     */
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 100), HSX_HAL_TIMEOUT);
    sent = test_expiry(3, 2);
    assert_true(send_record(f, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.seq, 2);
    f->mb->queue_file = false; /* a socket pair has no HSX_IOC_MBOX_QUEUE_END */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_child_cannot_end_or_read_the_parents_subscription, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_queued_record_is_received, setup, teardown),
        cmocka_unit_test_setup_teardown(a_blocking_receive_gets_a_record_that_arrives_while_waiting,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(drops_are_reported_once, setup, teardown),
        cmocka_unit_test_setup_teardown(the_close_record_ends_the_mailbox, setup, teardown),
        cmocka_unit_test_setup_teardown(a_revoked_queue_is_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(end_of_file_ends_the_mailbox, setup, teardown),
        cmocka_unit_test_setup_teardown(a_malformed_record_is_rejected_and_reading_goes_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(callbacks_get_every_record_then_the_close, setup, teardown),
        cmocka_unit_test(bad_record_sizes_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
