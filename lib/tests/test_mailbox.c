// SPDX-License-Identifier: MIT
/*
 * Mailbox handles without a kernel: hsx_mailbox_from_fd() wraps one end of a
 * socket pair and the test plays hsx.ko on the other end.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/wire.h"
#include "helpers.h"

struct fixture {
    hsx_mailbox_t *mb;
    int peer;
};

static int setup(void **state)
{
    static struct fixture f;

    if (test_mailbox(3, "hal:timer:3", &f.mb, &f.peer) < 0)
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f->mb)
        hsx_mailbox_close(f->mb);
    close(f->peer);
    return 0;
}

static void accessors_report_the_subscription(void **state)
{
    struct fixture *f = *state;

    assert_string_equal(hsx_mailbox_name(f->mb), "hal:timer:3");
    assert_int_equal(hsx_mailbox_id(f->mb), 3);
    assert_true(hsx_mailbox_fd(f->mb) >= 0);
}

static void poll_without_data_times_out_at_once(void **state)
{
    struct fixture *f = *state;
    hsx_mailbox_event_t ev;

    /* A zero timeout cannot wait: were it to block, the test would hang (the harness's bound). */
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_TIMEOUT);
}

static void poll_returns_a_queued_event(void **state)
{
    struct fixture *f = *state;
    struct test_event sent = test_expiry(3, 1);
    hsx_mailbox_event_t ev;

    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_OK);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(ev.module, HSX_MAILBOX_MODULE_TIMER);
    assert_int_equal(ev.seq, 1);
    assert_int_equal(ev.u.timer.tick_us, 1000000);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_TIMEOUT);
}

static void blocking_receive_times_out(void **state)
{
    struct fixture *f = *state;
    hsx_mailbox_event_t ev;

    uint64_t start = test_now_ms();
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 120), HSX_HAL_TIMEOUT);
    uint64_t elapsed = test_now_ms() - start;
    assert_true(elapsed >= 119);
    assert_true(elapsed < 1000);
    assert_int_equal(hsx_hal_errno(), ETIMEDOUT);
}

static void blocking_receive_gets_an_event_that_arrives_while_waiting(void **state)
{
    struct fixture *f = *state;
    struct test_delayed_send ds = {.peer = f->peer, .delay_ms = 80, .event = test_expiry(3, 42)};
    hsx_mailbox_event_t ev;
    pthread_t thread;

    assert_int_equal(pthread_create(&thread, NULL, test_send_later, &ds), 0);
    uint64_t start = test_now_ms();
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 5000), HSX_HAL_OK);
    uint64_t elapsed = test_now_ms() - start;
    pthread_join(thread, NULL);
    assert_int_equal(ev.seq, 42);
    assert_true(elapsed >= 70 && elapsed < 4000);

    /* And without a timeout at all. */
    ds.event = test_expiry(3, 43);
    assert_int_equal(pthread_create(&thread, NULL, test_send_later, &ds), 0);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, HSX_HAL_TIMEOUT_INF), HSX_HAL_OK);
    pthread_join(thread, NULL);
    assert_int_equal(ev.seq, 43);
}

static void events_come_in_order(void **state)
{
    struct fixture *f = *state;
    hsx_mailbox_event_t ev;

    for (uint64_t seq = 1; seq <= 20; seq++) {
        struct test_event sent = test_expiry(3, seq);
        assert_true(test_send_event(f->peer, &sent));
    }
    for (uint64_t seq = 1; seq <= 20; seq++) {
        assert_int_equal(hsx_mailbox_recv(f->mb, &ev, seq % 2 ? 0 : 1000), HSX_HAL_OK);
        assert_int_equal(ev.seq, seq);
    }
}

static void kernel_drop_counts_are_passed_on(void **state)
{
    struct fixture *f = *state;
    struct test_event sent = test_expiry(3, 10);
    hsx_mailbox_event_t ev;

    sent.dropped = 4;
    sent.dropped_total = 11;
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.dropped, 4);
    assert_int_equal(ev.dropped_total, 11);
}

/* Drops, counted once: by the kernel, or by the gap in sequence numbers. */
static void every_loss_is_reported_once(void **state)
{
    struct fixture *f = *state;
    hsx_mailbox_event_t ev;

    struct test_event sent = test_expiry(3, 10);
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.dropped, 0);

    /*
     * The socket overflowed (injected: a socket pair cannot). ENOBUFS comes
     * ahead of the events queued before the loss, so the next one (11) lost
     * nothing before it...
     */
    assert_int_equal(hsx_mailbox_consume(f->mb, NULL, -ENOBUFS, &ev), HSX_MAILBOX_READ_AGAIN);
    sent = test_expiry(3, 11);
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.dropped, 0);
    assert_int_equal(ev.dropped_total, 0);

    /* ...and the first one after it carries the kernel's count (12 and 13), once. */
    sent = test_expiry(3, 14);
    sent.dropped = 2;
    sent.dropped_total = 2;
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.dropped, 2);
    assert_int_equal(ev.dropped_total, 2);

    /* 15 reached the process but could not be decoded: only the gap shows it. */
    sent = test_expiry(3, 15);
    sent.omit = OMIT(HSX_A_EVT_TIMESTAMP_NS);
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_ERROR);
    sent = test_expiry(3, 16);
    sent.dropped_total = 2;
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.dropped, 1);
    assert_int_equal(ev.dropped_total, 3);
}

static void drop_accounting_rules(void **state)
{
    struct hsx_drop_account drops = {0};
    hsx_mailbox_event_t ev;
    (void)state;

    /* The first event: nothing to compare with; the kernel's count, plus losses seen. */
    hsx_drops_note_lost(&drops);
    ev = (hsx_mailbox_event_t){.seq = 5, .dropped = 4, .dropped_total = 4};
    hsx_drops_apply(&drops, &ev);
    assert_int_equal(ev.dropped, 5);
    assert_int_equal(ev.dropped_total, 5);

    /* The gap agrees with the kernel: nothing is added. */
    ev = (hsx_mailbox_event_t){.seq = 8, .dropped = 2, .dropped_total = 6};
    hsx_drops_apply(&drops, &ev);
    assert_int_equal(ev.dropped, 2);
    assert_int_equal(ev.dropped_total, 7);

    /* The gap shows more than the kernel lost: the rest was lost here. */
    hsx_drops_note_lost(&drops);
    ev = (hsx_mailbox_event_t){.seq = 10, .dropped = 0, .dropped_total = 6};
    hsx_drops_apply(&drops, &ev);
    assert_int_equal(ev.dropped, 1);
    assert_int_equal(ev.dropped_total, 8);

    /* A sequence number that goes back is not trusted: the kernel's count stands. */
    ev = (hsx_mailbox_event_t){.seq = 3, .dropped = 0, .dropped_total = 6};
    hsx_drops_apply(&drops, &ev);
    assert_int_equal(ev.dropped, 0);
    assert_int_equal(ev.dropped_total, 8);

    /* dropped saturates; the total does not. */
    ev = (hsx_mailbox_event_t){.seq = 3 + 0x100000001ULL, .dropped = 7, .dropped_total = 13};
    hsx_drops_apply(&drops, &ev);
    assert_int_equal(ev.dropped, UINT32_MAX);
    assert_int_equal(ev.dropped_total, 13ULL + 2 + UINT32_MAX - 7);
}

static void closed_event_ends_the_mailbox(void **state)
{
    struct fixture *f = *state;
    struct test_event sent = {.mailbox_id = 3, .type = HSX_EVT_CLOSED, .seq = 8, .dropped = 1};
    hsx_mailbox_event_t ev;

    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_CLOSED);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_CLOSED);
    assert_int_equal(ev.seq, 8);
    assert_int_equal(ev.dropped, 1);
    /* Nothing follows, even if something is queued. */
    sent = test_expiry(3, 9);
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_CLOSED);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_CLOSED);
}

static void *wait_for_event(void *arg)
{
    struct fixture *f = arg;
    hsx_mailbox_event_t ev;

    int ret = hsx_mailbox_recv(f->mb, &ev, 5000);
    bool denied = ret == HSX_HAL_DENIED && hsx_hal_errno() == EKEYREVOKED &&
                  ev.close_reason == HSX_MAILBOX_CLOSE_REVOKED;
    return (void *)(intptr_t)denied;
}

/* A subscription whose capability ended is a denial, for the waiter then and every receive after.
 */
static void revoked_subscription_is_denied(void **state)
{
    struct fixture *f = *state;
    struct test_event sent = test_closed(3, 4, HSX_CLOSE_REVOKED);
    hsx_mailbox_event_t ev;
    pthread_t waiter;
    void *ok = NULL;

    assert_int_equal(pthread_create(&waiter, NULL, wait_for_event, f), 0);
    test_sleep_ms(50);
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(pthread_join(waiter, &ok), 0);
    assert_true(ok == (void *)1);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EKEYREVOKED);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_DENIED);
    /* Closing it is the application's to do, as for any ended subscription. */
    assert_int_equal(hsx_mailbox_close(f->mb), HSX_HAL_OK);
    f->mb = NULL;
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

static void malformed_messages_are_rejected_and_reading_goes_on(void **state)
{
    struct fixture *f = *state;
    unsigned char buf[HSX_NL_BUFSIZE];
    hsx_mailbox_event_t ev;

    /* Truncated: the header announces more than the datagram holds. */
    struct test_event sent = test_expiry(3, 1);
    size_t len = test_put_event(buf, &sent);
    assert_true(test_send_bytes(f->peer, buf, len - 8));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EBADMSG);

    /* Missing the sequence number. */
    sent.omit = OMIT(HSX_A_EVT_SEQ);
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EBADMSG);

    /* Garbage shorter than a netlink header. */
    assert_true(test_send_bytes(f->peer, "hello", 5));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_ERROR);

    /* An event for another mailbox on this subscription's socket. */
    sent = test_expiry(4, 1);
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EPROTO);

    /* A netlink error from the kernel is passed on, mapped. */
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = NLMSG_ERROR;
    struct nlmsgerr *err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
    err->error = -EPERM;
    assert_true(test_send_bytes(f->peer, buf, nlh->nlmsg_len));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EPERM);

    /* An ack is nothing to deliver: the wait goes on to the next event. */
    err->error = 0;
    assert_true(test_send_bytes(f->peer, buf, nlh->nlmsg_len));
    sent = test_expiry(3, 2);
    assert_true(test_send_event(f->peer, &sent));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.seq, 2);
}

static void oversized_datagram_is_rejected(void **state)
{
    struct fixture *f = *state;
    static unsigned char big[HSX_NL_BUFSIZE + 100];
    hsx_mailbox_event_t ev;

    struct test_event sent = test_expiry(3, 1);
    test_put_event(big, &sent);
    assert_true(test_send_bytes(f->peer, big, sizeof(big)));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EMSGSIZE);
    assert_true(test_send_bytes(f->peer, big, sizeof(big)));
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EMSGSIZE);
}

struct delayed_bytes {
    int peer;
    const void *buf;
    size_t len;
};

static void *send_bytes_later(void *arg)
{
    struct delayed_bytes *db = arg;

    test_sleep_ms(50);
    test_send_bytes(db->peer, db->buf, db->len);
    return NULL;
}

static void oversized_datagram_is_rejected_while_waiting(void **state)
{
    struct fixture *f = *state;
    static unsigned char big[HSX_NL_BUFSIZE + 100];
    struct delayed_bytes db = {.peer = f->peer, .buf = big, .len = sizeof(big)};
    hsx_mailbox_event_t ev;
    pthread_t thread;

    struct test_event sent = test_expiry(3, 1);
    test_put_event(big, &sent);
    assert_int_equal(pthread_create(&thread, NULL, send_bytes_later, &db), 0);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 5000), HSX_HAL_ERROR);
    pthread_join(thread, NULL);
    assert_int_equal(hsx_hal_errno(), EMSGSIZE);
}

struct waiter {
    hsx_mailbox_t *mb;
    uint32_t timeout_ms;
    int result;
    uint64_t returned_ms;
    _Atomic pid_t tid; /* set just before it receives */
};

static void *wait_on_mailbox(void *arg)
{
    struct waiter *w = arg;
    hsx_mailbox_event_t ev;

    atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
    w->result = hsx_mailbox_recv(w->mb, &ev, w->timeout_ms);
    w->returned_ms = test_now_ms();
    return NULL;
}

/*
 * Until the waiter sleeps in its receive. Closing a handle before another
 * thread's receive began is the caller's use-after-free, as close(2) before
 * read(2) would be; a fixed sleep does not rule that out on a loaded machine.
 */
static void wait_until_blocked(struct waiter *w)
{
    uint64_t deadline = test_now_ms() + 10000;
    char path[64], stat[256];

    while (!atomic_load(&w->tid))
        test_sleep_ms(1);
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)atomic_load(&w->tid));
    while (test_now_ms() < deadline) {
        FILE *f = fopen(path, "re");
        char *state = NULL;

        if (f && fgets(stat, sizeof(stat), f))
            state = strrchr(stat, ')');
        if (f)
            fclose(f);
        if (state && state[1] == ' ' && state[2] == 'S')
            return;
        test_sleep_ms(1);
    }
    fail_msg("the waiter never blocked");
}

static void close_ends_a_blocked_receive(void **state)
{
    struct fixture *f = *state;
    struct waiter w = {.mb = f->mb, .timeout_ms = HSX_HAL_TIMEOUT_INF, .result = 1};
    pthread_t thread;

    assert_int_equal(pthread_create(&thread, NULL, wait_on_mailbox, &w), 0);
    wait_until_blocked(&w);
    uint64_t closed_at = test_now_ms();
    assert_int_equal(hsx_mailbox_close(f->mb), HSX_HAL_OK);
    f->mb = NULL;
    pthread_join(thread, NULL);
    assert_int_equal(w.result, HSX_HAL_CLOSED);
    assert_true(w.returned_ms - closed_at < 1000);
}

static void close_ends_a_receive_with_a_timeout(void **state)
{
    struct fixture *f = *state;
    struct waiter w = {.mb = f->mb, .timeout_ms = 10000, .result = 1};
    pthread_t thread;

    assert_int_equal(pthread_create(&thread, NULL, wait_on_mailbox, &w), 0);
    wait_until_blocked(&w);
    assert_int_equal(hsx_mailbox_close(f->mb), HSX_HAL_OK);
    f->mb = NULL;
    pthread_join(thread, NULL);
    assert_int_equal(w.result, HSX_HAL_CLOSED);
}

static void one_waiter_at_a_time(void **state)
{
    struct fixture *f = *state;
    struct waiter w = {.mb = f->mb, .timeout_ms = 5000, .result = 1};
    struct test_event sent = test_expiry(3, 1);
    hsx_mailbox_event_t ev;
    pthread_t thread;

    assert_int_equal(pthread_create(&thread, NULL, wait_on_mailbox, &w), 0);
    test_sleep_ms(50);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_BUSY);
    assert_true(test_send_event(f->peer, &sent));
    pthread_join(thread, NULL);
    assert_int_equal(w.result, HSX_HAL_OK);
}

static void many_threads_open_wait_and_close(void **state)
{
    enum { COUNT = 16 };
    hsx_mailbox_t *mbs[COUNT];
    struct waiter waiters[COUNT];
    pthread_t threads[COUNT];
    int peers[COUNT];
    (void)state;

    for (int i = 0; i < COUNT; i++) {
        assert_int_equal(test_mailbox((uint32_t)i + 100, "hal:test", &mbs[i], &peers[i]), 0);
        waiters[i] = (struct waiter){.mb = mbs[i], .timeout_ms = 10000, .result = 1};
        assert_int_equal(pthread_create(&threads[i], NULL, wait_on_mailbox, &waiters[i]), 0);
    }
    for (int i = 0; i < COUNT; i++)
        wait_until_blocked(&waiters[i]);
    for (int i = 0; i < COUNT; i++) {
        if (i % 2) {
            struct test_event sent = test_expiry((uint32_t)i + 100, 1);
            assert_true(test_send_event(peers[i], &sent));
        } else {
            assert_int_equal(hsx_mailbox_close(mbs[i]), HSX_HAL_OK);
        }
    }
    for (int i = 0; i < COUNT; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(waiters[i].result, i % 2 ? HSX_HAL_OK : HSX_HAL_CLOSED);
        if (i % 2)
            assert_int_equal(hsx_mailbox_close(mbs[i]), HSX_HAL_OK);
        close(peers[i]);
    }
}

static void invalid_parameters_are_refused(void **state)
{
    hsx_mailbox_t *mb = (hsx_mailbox_t *)&mb;
    hsx_mailbox_event_t ev;
    char long_name[HSX_MBOX_NAME_MAX + 1];
    (void)state;

    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';

    /* Checked before anything reaches the kernel, loaded or not. */
    assert_int_equal(hsx_mailbox_open(NULL, &mb), HSX_HAL_INVALID_PARAM);
    assert_null(mb);
    assert_int_equal(hsx_mailbox_open("", &mb), HSX_HAL_INVALID_PARAM);
    /* 64 characters: with its NUL, one more than HSX_MBOX_NAME_MAX. */
    assert_int_equal(hsx_mailbox_open(long_name, &mb), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_open("hal:timer:1", NULL), HSX_HAL_INVALID_PARAM);

    assert_int_equal(hsx_mailbox_recv(NULL, &ev, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_set_callback(NULL, NULL, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_close(NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_fd(NULL), HSX_HAL_INVALID_PARAM);
    assert_null(hsx_mailbox_name(NULL));
    assert_int_equal(hsx_mailbox_id(NULL), 0);
    assert_int_equal(hsx_mailbox_list(NULL, 4), HSX_HAL_INVALID_PARAM);

    assert_int_equal(hsx_mailbox_from_fd(-1, 1, "x", &mb), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_from_fd(0, 1, "", &mb), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_from_fd(0, 1, "x", NULL), HSX_HAL_INVALID_PARAM);
}

static void receive_into_null_is_refused(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(hsx_mailbox_recv(f->mb, NULL, 0), HSX_HAL_INVALID_PARAM);
}

/*
 * Whether hsx.ko is loaded on the machine that runs the unit tests is not up
 * to them, so both cases are asserted: a mailbox that cannot exist (timer IDs
 * start at 1) is NO_DEVICE either way, with ENOENT from the controller (no
 * family) or from hsx.ko (no such mailbox); a listing is NO_DEVICE exactly
 * when the family is missing.
 */
static void a_missing_mailbox_or_module_is_no_device(void **state)
{
    hsx_mailbox_info_t info;
    hsx_mailbox_t *mb = NULL;
    int listed = hsx_mailbox_list(&info, 1);
    (void)state;

    assert_int_equal(hsx_mailbox_open("hal:timer:0", &mb), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENOENT);
    assert_null(mb);
    if (listed < 0)
        assert_int_equal(listed, HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_mailbox_list(NULL, 0) < 0, listed < 0);
}

/*
 * In a child whose HSX_IOC_MBOX_OPEN fails with ENOENT and which dies if it
 * opens a netlink socket: a queue file's "no such mailbox" is the answer.
 * Only a netlink subscription's ENOENT can mean a stale family ID.
 */
static int open_queue_without_the_mailbox(void *arg)
{
    const struct test_syscall_rule rules[] = {
        {SYS_ioctl, 1, (uint32_t)HSX_IOC_MBOX_OPEN, SECCOMP_RET_ERRNO | ENOENT},
        {SYS_socket, 0, AF_NETLINK, SECCOMP_RET_KILL_PROCESS},
    };
    hsx_mailbox_t *mb = NULL;
    (void)arg;

    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0 || test_seccomp(rules, sizeof(rules) / sizeof(rules[0])) < 0)
        return 2;
    int ret = hsx_mailbox_open_auth("hal:gpio:3", fd, &mb);
    return ret == HSX_HAL_NO_DEVICE && hsx_hal_errno() == ENOENT && !mb ? 0 : 1;
}

static void a_missing_queue_mailbox_is_no_device_without_netlink(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(open_queue_without_the_mailbox, NULL, 5000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(accessors_report_the_subscription, setup, teardown),
        cmocka_unit_test_setup_teardown(poll_without_data_times_out_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(poll_returns_a_queued_event, setup, teardown),
        cmocka_unit_test_setup_teardown(blocking_receive_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(blocking_receive_gets_an_event_that_arrives_while_waiting,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(events_come_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(kernel_drop_counts_are_passed_on, setup, teardown),
        cmocka_unit_test_setup_teardown(every_loss_is_reported_once, setup, teardown),
        cmocka_unit_test(drop_accounting_rules),
        cmocka_unit_test_setup_teardown(closed_event_ends_the_mailbox, setup, teardown),
        cmocka_unit_test_setup_teardown(revoked_subscription_is_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(end_of_file_ends_the_mailbox, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_messages_are_rejected_and_reading_goes_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(oversized_datagram_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(oversized_datagram_is_rejected_while_waiting, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(close_ends_a_blocked_receive, setup, teardown),
        cmocka_unit_test_setup_teardown(close_ends_a_receive_with_a_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(one_waiter_at_a_time, setup, teardown),
        cmocka_unit_test(many_threads_open_wait_and_close),
        cmocka_unit_test(invalid_parameters_are_refused),
        cmocka_unit_test_setup_teardown(receive_into_null_is_refused, setup, teardown),
        cmocka_unit_test(a_missing_mailbox_or_module_is_no_device),
        cmocka_unit_test(a_missing_queue_mailbox_is_no_device_without_netlink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
