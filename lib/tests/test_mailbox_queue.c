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
#include "stream_queue.h"

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

/* The same over a stand-in that reads as the queue file does: all that is queued, at once. */
static int setup_stream(void **state)
{
    static struct fixture f;

    if (test_stream_queue_mailbox(3, "hal:timer:3", (uint32_t)TIMER_RECORD_SIZE, &f.mb, &f.peer) <
        0)
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

/* A timer record numbered seq of a type no kernel sends, into buf (HSX_MBOX_RECORD_MAX bytes). */
static void put_malformed(unsigned char *buf, uint64_t seq)
{
    struct test_event sent = test_expiry(3, seq);

    test_put_record(buf, &sent, (uint32_t)TIMER_RECORD_SIZE);
    ((struct hsx_mbox_record *)buf)->type = 77;
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

    put_malformed(buf, 1);
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

/* ---- batches: one read takes every record queued ------------------------------------------ */

/* Records seq first..last (timer expiries) in one send: queued together, as the kernel does. */
static void send_expiries(struct fixture *f, uint64_t first, uint64_t last)
{
    for (uint64_t seq = first; seq <= last; seq++) {
        struct test_event sent = test_expiry(3, seq);
        assert_true(send_record(f, &sent));
    }
}

static void expect_seq(hsx_mailbox_t *mb, bool more, uint64_t seq)
{
    hsx_mailbox_event_t ev;

    assert_int_equal(more ? hsx_mailbox_recv_more(mb, &ev) : hsx_mailbox_recv(mb, &ev, 0),
                     HSX_HAL_OK);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(ev.seq, seq);
}

/*
 * Before: each receive read one record. Now the first read takes all five; the
 * receives after deliver them in order, and recv_more reads the file no more
 * (seq 6, sent after the read, waits for a receive that may read).
 */
static void a_batch_is_read_at_once_and_delivered_in_order(void **state)
{
    struct fixture *f = *state;
    hsx_mailbox_event_t ev;

    send_expiries(f, 1, 5);
    expect_seq(f->mb, false, 1);
    send_expiries(f, 6, 6);
    for (uint64_t seq = 2; seq <= 5; seq++)
        expect_seq(f->mb, seq % 2, seq); /* either receive takes the batch's next */
    assert_int_equal(hsx_mailbox_recv_more(f->mb, &ev), HSX_HAL_TIMEOUT);
    expect_seq(f->mb, false, 6);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_mailbox_recv_more(f->mb, &ev), HSX_HAL_TIMEOUT);
}

/* A read that filled the batch may have left records queued: recv_more reads on. */
static void a_full_batch_is_read_on(void **state)
{
    struct fixture *f = *state;
    const uint64_t n = HSX_MBOX_BATCH_BYTES / TIMER_RECORD_SIZE + 3;
    hsx_mailbox_event_t ev;

    send_expiries(f, 1, n);
    expect_seq(f->mb, false, 1);
    for (uint64_t seq = 2; seq <= n; seq++)
        expect_seq(f->mb, true, seq);
    assert_int_equal(hsx_mailbox_recv_more(f->mb, &ev), HSX_HAL_TIMEOUT);
}

/* Drops carried by records of one batch: each reported once, with the gaps, as one by one. */
static void drops_in_a_batch_are_reported_once(void **state)
{
    struct fixture *f = *state;
    const struct {
        uint64_t seq;
        uint32_t dropped;       /* the kernel's count in the record */
        uint64_t dropped_total; /* likewise */
        uint32_t want_dropped;
        uint64_t want_total;
    } rows[] = {
        {1, 0, 0, 0, 0}, {5, 3, 3, 3, 3},  /* 3 missing; the kernel counted 3 */
        {8, 0, 3, 2, 5},                   /* 2 missing; the kernel counted none */
        {9, 0, 3, 0, 5}, {12, 1, 4, 2, 7}, /* 2 missing; the kernel counted 1 */
    };
    const size_t n = sizeof(rows) / sizeof(rows[0]);
    hsx_mailbox_event_t ev;

    for (size_t i = 0; i < n; i++) {
        struct test_event sent = test_expiry(3, rows[i].seq);
        sent.dropped = rows[i].dropped;
        sent.dropped_total = rows[i].dropped_total;
        assert_true(send_record(f, &sent));
    }
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(i ? hsx_mailbox_recv_more(f->mb, &ev) : hsx_mailbox_recv(f->mb, &ev, 0),
                         HSX_HAL_OK);
        assert_int_equal(ev.seq, rows[i].seq);
        assert_int_equal(ev.dropped, rows[i].want_dropped);
        assert_int_equal(ev.dropped_total, rows[i].want_total);
    }
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_TIMEOUT);
}

/*
 * The close notice read in a batch: the records before it are delivered, then
 * it, then nothing (what the file held after it, which hsx.ko never sends, is
 * not an event of this subscription).
 */
static void a_close_in_a_batch_ends_it_after_the_records_before(void **state)
{
    struct fixture *f = *state;
    struct test_event closed = test_closed(3, 4, HSX_CLOSE_CANCELLED);
    hsx_mailbox_event_t ev;

    send_expiries(f, 1, 2);
    closed.dropped = 1; /* seq 3 was dropped */
    closed.dropped_total = 1;
    assert_true(send_record(f, &closed));
    send_expiries(f, 5, 6);
    expect_seq(f->mb, false, 1);
    expect_seq(f->mb, true, 2);
    assert_int_equal(hsx_mailbox_recv_more(f->mb, &ev), HSX_HAL_CLOSED);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_CLOSED);
    assert_int_equal(ev.close_reason, HSX_MAILBOX_CLOSE_CANCELLED);
    assert_int_equal(ev.seq, 4);
    assert_int_equal(ev.dropped, 1);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_CLOSED);
    assert_int_equal(hsx_mailbox_recv_more(f->mb, &ev), HSX_HAL_CLOSED);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 100), HSX_HAL_CLOSED);
}

/* Records sent in one write after delay_ms, while a receive waits. */
struct batch_later {
    int peer;
    unsigned int delay_ms;
    unsigned char buf[4 * HSX_MBOX_RECORD_MAX];
    size_t len;
};

static void *send_batch_later(void *arg)
{
    struct batch_later *b = arg;

    test_sleep_ms(b->delay_ms);
    test_send_bytes(b->peer, b->buf, b->len);
    return NULL;
}

/* The blocking wait's read (io_uring) takes the whole batch too, close notice and all. */
static void a_blocking_receive_takes_the_whole_batch(void **state)
{
    struct fixture *f = *state;
    struct batch_later b = {.peer = f->peer, .delay_ms = 50};
    hsx_mailbox_event_t ev;
    pthread_t thread;

    for (uint64_t seq = 1; seq <= 3; seq++) {
        struct test_event sent = test_expiry(3, seq);
        b.len += test_put_record(b.buf + b.len, &sent, (uint32_t)TIMER_RECORD_SIZE);
    }
    struct test_event closed = test_closed(3, 4, HSX_CLOSE_GONE);
    b.len += test_put_record(b.buf + b.len, &closed, (uint32_t)TIMER_RECORD_SIZE);
    assert_int_equal(pthread_create(&thread, NULL, send_batch_later, &b), 0);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 5000), HSX_HAL_OK);
    pthread_join(thread, NULL);
    assert_int_equal(ev.seq, 1);
    expect_seq(f->mb, true, 2);
    expect_seq(f->mb, true, 3);
    assert_int_equal(hsx_mailbox_recv_more(f->mb, &ev), HSX_HAL_CLOSED);
    assert_int_equal(ev.close_reason, HSX_MAILBOX_CLOSE_GONE);
}

/* An undecodable record inside a batch: its caller's error; the batch goes on after it. */
static void a_malformed_record_in_a_batch_is_rejected_alone(void **state)
{
    struct fixture *f = *state;
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    hsx_mailbox_event_t ev;

    send_expiries(f, 1, 1);
    put_malformed(buf, 2);
    assert_true(test_send_bytes(f->peer, buf, TIMER_RECORD_SIZE));
    send_expiries(f, 3, 3);
    expect_seq(f->mb, false, 1);
    assert_int_equal(hsx_mailbox_recv_more(f->mb, &ev), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EPROTO);
    expect_seq(f->mb, true, 3);
    assert_int_equal(ev.dropped, 0);
}

/*
 * The dispatcher takes 16 events of a mailbox per round: the rest of a batch
 * stays in the handle, where no poll sees it, and is delivered in the rounds
 * after, in order; an undecodable record is counted once in the next event.
 */
static void callbacks_get_every_record_of_batches_in_order(void **state)
{
    struct fixture *f = *state;
    struct test_in_order seen = {.lock = PTHREAD_MUTEX_INITIALIZER, .next_seq = 1};
    const uint64_t n = 2 * HSX_MBOX_BATCH_BYTES / TIMER_RECORD_SIZE;
    unsigned char bad[HSX_MBOX_RECORD_MAX];

    put_malformed(bad, 20);
    send_expiries(f, 1, 19);
    assert_true(test_send_bytes(f->peer, bad, TIMER_RECORD_SIZE));
    send_expiries(f, 21, n);
    struct test_event closed = test_closed(3, n + 1, HSX_CLOSE_CANCELLED);
    assert_true(send_record(f, &closed));
    assert_int_equal(hsx_mailbox_set_callback(f->mb, test_check_order, &seen), HSX_HAL_OK);
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
    assert_false(seen.out_of_order);
    assert_int_equal(seen.count, n - 1);
    assert_int_equal(seen.dropped, 1);
    assert_int_equal(seen.next_seq, n + 2);
    pthread_mutex_unlock(&seen.lock);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
}

/* ---- a receive and a callback taking turns ------------------------------------------------- */

struct turns {
    int peer;
    uint64_t last; /* records 1..last, sent a few at a time */
};

static void *send_in_trickles(void *arg)
{
    struct turns *t = arg;

    for (uint64_t seq = 1; seq <= t->last; seq++) {
        struct test_event sent = test_expiry(3, seq);
        assert_true(test_send_record(t->peer, &sent, (uint32_t)TIMER_RECORD_SIZE));
        if (seq % 3 == 0)
            usleep(200);
    }
    return NULL;
}

/*
 * A blocking receive takes its event without the handle's lock and lets the
 * handle go without it too; the dispatcher, given a callback the moment the
 * receive is over, reads on from where it stopped. Taking turns as events
 * arrive, the two get every event once, in order, none counted as dropped:
 * neither reads the batch or the drop account while the other does.
 */
static void a_receive_and_a_callback_taking_turns_get_every_event_once(void **state)
{
    struct fixture *f = *state;
    struct test_in_order seen = {.lock = PTHREAD_MUTEX_INITIALIZER, .next_seq = 1};
    struct turns t = {.peer = f->peer, .last = 3000};
    pthread_t sender;

    assert_int_equal(pthread_create(&sender, NULL, send_in_trickles, &t), 0);
    for (int round = 0;; round++) {
        assert_true(round < 100000); /* an event lost would leave it waiting for ever */
        for (int i = 0; i < 1 + round % 4; i++) {
            hsx_mailbox_event_t ev;

            if (hsx_mailbox_recv(f->mb, &ev, 2000) != HSX_HAL_OK)
                break;
            test_check_order(f->mb, &ev, &seen);
        }
        pthread_mutex_lock(&seen.lock);
        bool done = seen.next_seq > t.last;
        pthread_mutex_unlock(&seen.lock);
        if (done)
            break;
        assert_int_equal(hsx_mailbox_set_callback(f->mb, test_check_order, &seen), HSX_HAL_OK);
        usleep((useconds_t)(round % 5) * 100);
        assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
    }
    pthread_join(sender, NULL);
    pthread_mutex_lock(&seen.lock);
    assert_false(seen.out_of_order);
    assert_int_equal(seen.count, t.last);
    assert_int_equal(seen.dropped, 0);
    pthread_mutex_unlock(&seen.lock);
}

static int batched_fd = -1;

/*
 * In the child: the records its parent read and has not delivered are the
 * parent's; reading the parent's queue file (SIGSYS) would take the parent's.
 */
static int receive_inherited_batch(void *arg)
{
    const struct test_syscall_rule rules[] = {
        {SYS_read, 0, (uint32_t)batched_fd, SECCOMP_RET_KILL_PROCESS},
        {SYS_recvfrom, 0, (uint32_t)batched_fd, SECCOMP_RET_KILL_PROCESS},
    };
    hsx_mailbox_event_t ev;
    (void)arg;

    if (test_seccomp(rules, 2) < 0)
        return 2;
    if (hsx_mailbox_recv_more(inherited, &ev) != HSX_HAL_CLOSED)
        return 3;
    if (hsx_mailbox_recv(inherited, &ev, 0) != HSX_HAL_CLOSED)
        return 4;
    return hsx_mailbox_close(inherited) == HSX_HAL_OK ? 0 : 5;
}

static void a_child_does_not_get_the_parents_batch(void **state)
{
    struct fixture *f = *state;
    hsx_mailbox_event_t ev;

    send_expiries(f, 1, 3);
    expect_seq(f->mb, false, 1); /* 2 and 3 are in the parent's batch */
    inherited = f->mb;
    batched_fd = hsx_mailbox_fd(f->mb);
    assert_int_equal(test_in_child(receive_inherited_batch, NULL, 5000), 0);
    expect_seq(f->mb, true, 2);
    expect_seq(f->mb, true, 3);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_TIMEOUT);
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
        cmocka_unit_test_setup_teardown(a_batch_is_read_at_once_and_delivered_in_order,
                                        setup_stream, teardown),
        cmocka_unit_test_setup_teardown(a_full_batch_is_read_on, setup_stream, teardown),
        cmocka_unit_test_setup_teardown(drops_in_a_batch_are_reported_once, setup_stream, teardown),
        cmocka_unit_test_setup_teardown(a_close_in_a_batch_ends_it_after_the_records_before,
                                        setup_stream, teardown),
        cmocka_unit_test_setup_teardown(a_blocking_receive_takes_the_whole_batch, setup_stream,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_malformed_record_in_a_batch_is_rejected_alone,
                                        setup_stream, teardown),
        cmocka_unit_test_setup_teardown(callbacks_get_every_record_of_batches_in_order,
                                        setup_stream, teardown),
        cmocka_unit_test_setup_teardown(a_receive_and_a_callback_taking_turns_get_every_event_once,
                                        setup_stream, teardown),
        cmocka_unit_test_setup_teardown(a_child_does_not_get_the_parents_batch, setup_stream,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
