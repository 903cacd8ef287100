/* SPDX-License-Identifier: MIT */
/*
 * Mailboxes against the real module: many subscribers see the same events,
 * a subscriber that falls behind loses events but is told exactly how many,
 * waits time out, and a destroyed mailbox says so.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_mailbox.h"
#include "hsx_timer.h"
#include "hsx_uapi.h"

#define N_SUBSCRIBERS 6

static hsx_mailbox_t *open_timer_mailbox(hsx_timer_t t)
{
    char name[HSX_MBOX_NAME_MAX];
    hsx_mailbox_t *mb = NULL;

    snprintf(name, sizeof(name), HSX_MBOX_TIMER_FMT, t);
    assert_int_equal(hsx_mailbox_open(name, &mb), HSX_HAL_OK);
    assert_string_equal(hsx_mailbox_name(mb), name);
    return mb;
}

static void many_subscribers_see_the_same_events(void **state)
{
    (void)state;
    hsx_timer_t t = hsx_timer_create(2000, HSX_TIMER_PERIODIC);
    hsx_mailbox_t *mb[N_SUBSCRIBERS];
    hsx_mailbox_event_t ev;
    uint64_t first_seq[N_SUBSCRIBERS];
    hsx_mailbox_info_t info[64];
    int i, j, n, found = 0;

    assert_false(HSX_TIMER_IS_ERROR(t));
    for (i = 0; i < N_SUBSCRIBERS; i++)
        mb[i] = open_timer_mailbox(t);

    n = hsx_mailbox_list(info, 64);
    assert_true(n > 0);
    for (j = 0; j < n && j < 64; j++) {
        if (info[j].id == hsx_mailbox_id(mb[0])) {
            found = 1;
            /* The library's own subscription plus ours. */
            assert_int_equal(info[j].subscribers, N_SUBSCRIBERS + 1);
        }
    }
    assert_true(found);

    for (i = 0; i < N_SUBSCRIBERS; i++) {
        assert_int_equal(hsx_mailbox_recv(mb[i], &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
        first_seq[i] = ev.seq;
    }
    /* Each subscriber then sees an unbroken run of sequence numbers. */
    for (j = 1; j < 10; j++) {
        for (i = 0; i < N_SUBSCRIBERS; i++) {
            assert_int_equal(hsx_mailbox_recv(mb[i], &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
            assert_int_equal(ev.type, HSX_MAILBOX_EVENT_DATA);
            assert_int_equal(ev.module, HSX_MAILBOX_MODULE_TIMER);
            assert_int_equal(ev.u.timer.timer_id, t);
            assert_int_equal(ev.seq, first_seq[i] + (uint64_t)j);
            assert_int_equal(ev.dropped, 0);
        }
    }
    for (i = 0; i < N_SUBSCRIBERS; i++)
        assert_int_equal(hsx_mailbox_close(mb[i]), HSX_HAL_OK);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
}

/*
 * A subscriber that stops reading overflows its socket buffer. Every event
 * is then either delivered or counted: delivered + dropped = posted, and each
 * gap in the sequence numbers equals the dropped count of the event after it.
 */
struct tally {
    uint64_t delivered, dropped, first, last, reported_total;
};

static void tally_event(struct tally *t, const hsx_mailbox_event_t *ev)
{
    if (!t->first)
        t->first = ev->seq - ev->dropped;
    else
        assert_int_equal(ev->seq, t->last + 1 + ev->dropped);
    t->delivered++;
    t->dropped += ev->dropped;
    t->reported_total = ev->dropped_total;
    t->last = ev->seq;
}

/* Drops the kernel counted for one mailbox, over all its subscribers. */
static uint64_t mailbox_drops(uint32_t id)
{
    hsx_mailbox_info_t info[256];
    int i, n = hsx_mailbox_list(info, 256);

    assert_true(n >= 0);
    for (i = 0; i < n && i < 256; i++)
        if (info[i].id == id)
            return info[i].drops;
    fail_msg("mailbox %u not listed", id);
    return 0;
}

static void a_slow_subscriber_is_told_exactly_what_it_lost(void **state)
{
    (void)state;
    /* A timer made through the uAPI, so the test's subscriber is its only one. */
    struct hsx_timer_create create = {.period_us = 100};
    struct hsx_timer_id cancel = {0};
    int fd = e2e_open_node("timer");
    uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    struct tally tally = {0};
    hsx_mailbox_event_t ev;
    hsx_mailbox_t *slow;
    int ret;

    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CREATE, &create), 0);
    slow = open_timer_mailbox((hsx_timer_t)create.timer_id);
    /* A small receive buffer: the kernel's minimum, a few events. */
    assert_int_equal(
        setsockopt(hsx_mailbox_fd(slow), SOL_SOCKET, SO_RCVBUF, &(int){1}, sizeof(int)), 0);

    /* Do not read until the kernel has counted drops for this subscriber. */
    while (mailbox_drops(hsx_mailbox_id(slow)) < 100 && e2e_now_ms() < deadline)
        usleep(10000);
    /* Catch up, so the final events and the close notice fit in the buffer. */
    while ((ret = hsx_mailbox_recv(slow, &ev, 0)) == HSX_HAL_OK && e2e_now_ms() < deadline)
        tally_event(&tally, &ev);
    assert_int_equal(ret, HSX_HAL_TIMEOUT);
    cancel.timer_id = create.timer_id;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CANCEL, &cancel), 0);
    while ((ret = hsx_mailbox_recv(slow, &ev, E2E_LIVENESS_MS)) == HSX_HAL_OK)
        tally_event(&tally, &ev);
    /* The close notice is numbered too and reports the drops before it. */
    assert_int_equal(ret, HSX_HAL_CLOSED);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_CLOSED);
    assert_int_equal(ev.close_reason, HSX_MAILBOX_CLOSE_CANCELLED);
    tally_event(&tally, &ev);
    close(fd);

    printf("# slow subscriber: %llu delivered, %llu dropped, seq %llu..%llu\n",
           (unsigned long long)tally.delivered, (unsigned long long)tally.dropped,
           (unsigned long long)tally.first, (unsigned long long)tally.last);
    assert_true(tally.dropped >= 100);
    assert_int_equal(tally.dropped, tally.reported_total);
    assert_int_equal(tally.delivered + tally.dropped, tally.last - tally.first + 1);
    assert_int_equal(hsx_mailbox_recv(slow, &ev, 0), HSX_HAL_CLOSED);
    assert_int_equal(hsx_mailbox_close(slow), HSX_HAL_OK);
}

static void waits_time_out_and_polls_do_not_block(void **state)
{
    (void)state;
    hsx_timer_t t = hsx_timer_create(HSX_TIMER_PERIOD_MAX_US, HSX_TIMER_PERIODIC);
    hsx_mailbox_t *mb = open_timer_mailbox(t);
    hsx_mailbox_event_t ev;
    uint64_t start;

    start = e2e_now_ms();
    assert_int_equal(hsx_mailbox_recv(mb, &ev, 0), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_mailbox_recv(mb, &ev, 30), HSX_HAL_TIMEOUT);
    assert_true(e2e_now_ms() - start >= 30);
    assert_int_equal(hsx_timer_wait(t, 30), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_mailbox_close(mb), HSX_HAL_OK);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
}

struct waiter {
    hsx_mailbox_t *mb;
    int result;
    hsx_mailbox_event_t ev;
};

static void *wait_forever(void *arg)
{
    struct waiter *w = arg;

    w->result = hsx_mailbox_recv(w->mb, &w->ev, HSX_HAL_TIMEOUT_INF);
    return NULL;
}

/* Cancelling a timer wakes a thread blocked on its mailbox with CLOSED. */
static void destroying_a_mailbox_wakes_its_waiters(void **state)
{
    (void)state;
    hsx_timer_t t = hsx_timer_create(HSX_TIMER_PERIOD_MAX_US, HSX_TIMER_PERIODIC);
    struct waiter w = {.mb = open_timer_mailbox(t), .result = 1};
    pthread_t thread;

    assert_int_equal(pthread_create(&thread, NULL, wait_forever, &w), 0);
    usleep(50000);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(w.result, HSX_HAL_CLOSED);
    assert_int_equal(w.ev.type, HSX_MAILBOX_EVENT_CLOSED);
    assert_int_equal(w.ev.close_reason, HSX_MAILBOX_CLOSE_CANCELLED);
    assert_int_equal(hsx_mailbox_close(w.mb), HSX_HAL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_subscribers_see_the_same_events),
        cmocka_unit_test(a_slow_subscriber_is_told_exactly_what_it_lost),
        cmocka_unit_test(waits_time_out_and_polls_do_not_block),
        cmocka_unit_test(destroying_a_mailbox_wakes_its_waiters),
    };

    return cmocka_run_group_tests_name("e2e_mailbox", tests, NULL, NULL);
}
