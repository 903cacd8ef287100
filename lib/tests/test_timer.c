// SPDX-License-Identifier: MIT
/*
 * Timers against a fake hsx.ko: an ioctl hook plays the timer node, and
 * timer mailboxes are socket pairs the test posts expiries to.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/access.h"
#include "core/errors.h"
#include "core/object_table.h"
#include "helpers.h"
#include "timer/timer.h"

#define FOREIGN_TIMER 500 /* exists, but belongs to another open file */
#define MAX_FAKE_ID 64

static struct fake_kernel {
    pthread_mutex_t lock;
    /* What was asked, in order: C create, M subscribe, S start, X cancel. */
    char log[64];
    uint32_t next_id;
    /* If set, the ID that create hands out. */
    uint32_t forced_id;
    /* The errno each step fails with, or 0. */
    int fail_create, fail_start, fail_cancel, fail_open;
    struct hsx_timer_create created;
    bool exists[MAX_FAKE_ID];
    int peers[MAX_FAKE_ID]; /* the "kernel" end of each timer's mailbox */
    char last_name[HSX_MBOX_NAME_MAX];
} fk = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void fake_log(char op)
{
    test_log(fk.log, sizeof(fk.log), op);
}

static int fake_ioctl(enum hsx_umod_index node, unsigned long request, void *arg)
{
    int err = 0;

    assert_int_equal(node, HSX_UMOD_TIMER);
    if (request == HSX_IOC_CAP_INFO)
        return test_privileged_cap_info(arg);
    pthread_mutex_lock(&fk.lock);
    if (request == HSX_IOC_TIMER_CREATE) {
        struct hsx_timer_create *req = arg;
        fake_log('C');
        fk.created = *req;
        if (!(err = fk.fail_create)) {
            req->timer_id = fk.forced_id ? fk.forced_id : fk.next_id++;
            if (req->timer_id < MAX_FAKE_ID)
                fk.exists[req->timer_id] = true;
        }
    } else if (request == HSX_IOC_TIMER_START) {
        fake_log('S');
        err = fk.fail_start;
    } else if (request == HSX_IOC_TIMER_CANCEL) {
        const struct hsx_timer_id *req = arg;
        fake_log('X');
        if (req->timer_id == FOREIGN_TIMER)
            err = EPERM;
        else if (req->timer_id >= MAX_FAKE_ID || !fk.exists[req->timer_id])
            err = ENOENT;
        else if (!(err = fk.fail_cancel))
            fk.exists[req->timer_id] = false;
    } else if (request == HSX_IOC_TIMER_GET_TICK) {
        ((struct hsx_timer_tick *)arg)->tick_us = 123456789;
    } else if (request == HSX_IOC_TIMER_GET_TICK_FREQ) {
        ((struct hsx_timer_freq *)arg)->ticks_per_sec = 1000000;
    } else {
        err = ENOTTY;
    }
    pthread_mutex_unlock(&fk.lock);
    return test_ioctl_result(err);
}

static int fake_open_mailbox(const char *name, int auth_fd, hsx_mailbox_t **mb)
{
    unsigned int id = 0;
    int peer, ret = HSX_HAL_OK;

    /* On the node's file: a timer's mailbox admits its creator's uid, never a capability. */
    assert_true(auth_fd >= 0);
    pthread_mutex_lock(&fk.lock);
    fake_log('M');
    snprintf(fk.last_name, sizeof(fk.last_name), "%s", name);
    if (fk.fail_open)
        ret = hsx_fail_with_errno(fk.fail_open);
    else if (sscanf(name, "hal:timer:%u", &id) != 1 || id >= MAX_FAKE_ID ||
             test_mailbox(id, name, mb, &peer) < 0)
        ret = hsx_fail_with(HSX_HAL_ERROR, EINVAL);
    else
        fk.peers[id] = peer;
    pthread_mutex_unlock(&fk.lock);
    return ret;
}

static int setup(void **state)
{
    (void)state;
    pthread_mutex_lock(&fk.lock);
    memset(fk.log, 0, sizeof(fk.log));
    fk.next_id = 1;
    fk.forced_id = 0;
    fk.fail_create = fk.fail_start = fk.fail_cancel = fk.fail_open = 0;
    memset(fk.exists, 0, sizeof(fk.exists));
    for (int i = 0; i < MAX_FAKE_ID; i++)
        fk.peers[i] = -1;
    pthread_mutex_unlock(&fk.lock);
    test_use_fake_kernel(fake_ioctl, fake_open_mailbox);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_use_real_kernel(fk.peers, MAX_FAKE_ID);
    /* Every test cancels what it created. */
    return hsx_timer_count() == 0 ? 0 : -1;
}

static void post_expiry(hsx_timer_t timer, uint64_t seq, uint64_t tick_us, uint32_t overruns)
{
    struct test_event ev = test_expiry(timer, seq);
    ev.tick_us = tick_us;
    ev.overruns = overruns;
    assert_true(test_send_event(fk.peers[timer], &ev));
}

/* ---- creating ----------------------------------------------------------------- */

static void create_refuses_bad_parameters_before_the_kernel(void **state)
{
    static const struct {
        uint32_t period_us;
        int type;
    } bad[] = {
        {0, HSX_TIMER_PERIODIC},
        {HSX_TIMER_PERIOD_MIN_US - 1, HSX_TIMER_PERIODIC},
        {HSX_TIMER_PERIOD_MAX_US + 1, HSX_TIMER_ONE_SHOT},
        {UINT32_MAX, HSX_TIMER_ONE_SHOT},
        {1000, 2},
        {1000, -1},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        hsx_timer_t timer = hsx_timer_create(bad[i].period_us, (hsx_timer_type_t)bad[i].type);
        assert_true(HSX_TIMER_IS_ERROR(timer));
        assert_int_equal(HSX_TIMER_ERROR(timer), HSX_HAL_INVALID_PARAM);
    }
    assert_string_equal(fk.log, "");
}

static void create_subscribes_before_it_starts(void **state)
{
    (void)state;
    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_ONE_SHOT);
    assert_false(HSX_TIMER_IS_ERROR(timer));
    assert_int_equal(timer, 1);
    assert_string_equal(fk.log, "CMS");
    assert_int_equal(fk.created.period_us, 1000);
    assert_int_equal(fk.created.flags, HSX_TIMER_F_STOPPED | HSX_TIMER_F_ONE_SHOT);
    assert_string_equal(fk.last_name, "hal:timer:1");
    assert_int_equal(hsx_timer_count(), 1);

    hsx_timer_t periodic = hsx_timer_create(HSX_TIMER_PERIOD_MIN_US, HSX_TIMER_PERIODIC);
    assert_int_equal(periodic, 2);
    assert_int_equal(fk.created.flags, HSX_TIMER_F_STOPPED);

    assert_int_equal(hsx_timer_cancel(timer), HSX_HAL_OK);
    assert_int_equal(hsx_timer_cancel(periodic), HSX_HAL_OK);
    assert_string_equal(fk.log, "CMSCMSXX");
    assert_false(fk.exists[1] || fk.exists[2]);
}

static void create_passes_kernel_limits_on(void **state)
{
    (void)state;
    fk.fail_create = EMFILE;
    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    assert_true(HSX_TIMER_IS_ERROR(timer));
    assert_int_equal(HSX_TIMER_ERROR(timer), HSX_HAL_LIMIT);
    assert_int_equal(hsx_hal_errno(), EMFILE);
    assert_string_equal(fk.log, "C");
}

static void create_cancels_when_it_cannot_subscribe(void **state)
{
    (void)state;
    fk.fail_open = ENOSPC;
    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    assert_int_equal(HSX_TIMER_ERROR(timer), HSX_HAL_LIMIT);
    assert_int_equal(hsx_hal_errno(), ENOSPC); /* the cause, not the clean-up's */
    assert_string_equal(fk.log, "CMX");
    assert_false(fk.exists[1]);
}

static void create_unwinds_when_it_cannot_start(void **state)
{
    char byte;
    (void)state;

    fk.fail_start = EINVAL;
    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    assert_int_equal(HSX_TIMER_ERROR(timer), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), EINVAL);
    assert_string_equal(fk.log, "CMSX");
    assert_int_equal(hsx_timer_count(), 0);
    /* The subscription was closed: its socket is gone. */
    assert_int_equal(recv(fk.peers[1], &byte, 1, MSG_DONTWAIT), 0);
}

static void create_refuses_an_id_out_of_range(void **state)
{
    (void)state;
    fk.forced_id = HSX_TIMER_ID_MAX + 1;
    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    assert_int_equal(HSX_TIMER_ERROR(timer), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), ERANGE);
    assert_string_equal(fk.log, "CX");
}

/* ---- waiting ------------------------------------------------------------------- */

static void wait_event_returns_the_expiry(void **state)
{
    hsx_timer_event_ex_t ev;
    (void)state;

    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    assert_int_equal(hsx_timer_wait_event(timer, &ev, 0), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_timer_wait_event(timer, &ev, 50), HSX_HAL_TIMEOUT);

    struct test_event sent = test_expiry(timer, 7);
    sent.tick_us = 5555;
    sent.overruns = 300;
    sent.dropped = 2;
    sent.dropped_total = 5;
    assert_true(test_send_event(fk.peers[timer], &sent));
    assert_int_equal(hsx_timer_wait_event(timer, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.timer_id, timer);
    assert_int_equal(ev.tick_us, 5555);
    assert_int_equal(ev.overruns, 300); /* not saturated here */
    assert_int_equal(ev.expirations, 7);
    assert_int_equal(ev.seq, 7);
    assert_int_equal(ev.timestamp_ns, 7000000000ULL);
    assert_int_equal(ev.dropped, 2);
    assert_int_equal(ev.dropped_total, 5);

    post_expiry(timer, 8, 1, 0);
    assert_int_equal(hsx_timer_wait(timer, 1000), HSX_HAL_OK);
    assert_int_equal(hsx_timer_wait(timer, 0), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_timer_cancel(timer), HSX_HAL_OK);
}

struct timer_waiter {
    hsx_timer_t timer;
    int result;
};

static void *wait_on_timer(void *arg)
{
    struct timer_waiter *w = arg;

    w->result = hsx_timer_wait(w->timer, HSX_HAL_TIMEOUT_INF);
    return NULL;
}

static void cancel_ends_a_wait(void **state)
{
    pthread_t thread;
    (void)state;

    struct timer_waiter w = {.timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC), .result = 1};
    assert_int_equal(pthread_create(&thread, NULL, wait_on_timer, &w), 0);
    test_sleep_ms(50);
    assert_int_equal(hsx_timer_cancel(w.timer), HSX_HAL_OK);
    pthread_join(thread, NULL);
    assert_int_equal(w.result, HSX_HAL_CLOSED);
    /* Afterwards the ID is unknown to this process. */
    assert_int_equal(hsx_timer_wait(w.timer, 0), HSX_HAL_INVALID_PARAM);
}

/* ---- callbacks -------------------------------------------------------------------- */

struct expiries {
    pthread_mutex_t lock;
    int count;
    hsx_timer_event_t last;
    uint32_t length;
    bool cancel_inside;
    atomic_int cancel_result;
};

static void on_expiry(void *event_data, uint32_t length, void *user_data)
{
    struct expiries *e = user_data;

    pthread_mutex_lock(&e->lock);
    e->count++;
    e->last = *(hsx_timer_event_t *)event_data;
    e->length = length;
    pthread_mutex_unlock(&e->lock);
    if (e->cancel_inside)
        e->cancel_result = hsx_timer_cancel(e->last.timer_id);
}

static int expiry_count(struct expiries *e, int at_least, unsigned int timeout_ms)
{
    return test_count_within(&e->lock, &e->count, at_least, timeout_ms);
}

static void callback_gets_the_spec_event(void **state)
{
    struct expiries e = {.lock = PTHREAD_MUTEX_INITIALIZER};
    (void)state;

    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    assert_int_equal(hsx_timer_set_callback(timer, on_expiry, &e), HSX_HAL_OK);
    assert_int_equal(hsx_timer_wait(timer, 0), HSX_HAL_BUSY);

    post_expiry(timer, 1, 0x123456789ULL, 300);
    assert_int_equal(expiry_count(&e, 1, 5000), 1);
    assert_int_equal(e.length, sizeof(hsx_timer_event_t));
    assert_int_equal(e.last.timer_id, timer);
    assert_int_equal(e.last.tick, 0x23456789); /* the low 32 bits */
    assert_int_equal(e.last.overruns, 255);    /* saturated */

    post_expiry(timer, 2, 10, 3);
    assert_int_equal(expiry_count(&e, 2, 5000), 2);
    assert_int_equal(e.last.overruns, 3);

    /* Removed: not called again, and waiting works again. */
    assert_int_equal(hsx_timer_set_callback(timer, NULL, NULL), HSX_HAL_OK);
    post_expiry(timer, 3, 20, 0);
    assert_int_equal(hsx_timer_wait(timer, 1000), HSX_HAL_OK);
    assert_int_equal(expiry_count(&e, 3, 50), 2);
    assert_int_equal(hsx_timer_cancel(timer), HSX_HAL_OK);
}

static void cancel_from_inside_the_callback(void **state)
{
    struct expiries e = {.lock = PTHREAD_MUTEX_INITIALIZER, .cancel_inside = true};
    (void)state;

    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    post_expiry(timer, 1, 10, 0);
    post_expiry(timer, 2, 20, 0);
    assert_int_equal(hsx_timer_set_callback(timer, on_expiry, &e), HSX_HAL_OK);
    assert_int_equal(expiry_count(&e, 1, 5000), 1);
    assert_int_equal(expiry_count(&e, 2, 100), 1);
    assert_int_equal(e.cancel_result, HSX_HAL_OK);
    assert_int_equal(hsx_timer_count(), 0);
}

static void cancel_with_a_callback_set(void **state)
{
    struct expiries e = {.lock = PTHREAD_MUTEX_INITIALIZER};
    (void)state;

    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    assert_int_equal(hsx_timer_set_callback(timer, on_expiry, &e), HSX_HAL_OK);
    assert_int_equal(hsx_timer_set_callback(timer, on_expiry, &e), HSX_HAL_OK); /* replace */
    assert_int_equal(hsx_timer_cancel(timer), HSX_HAL_OK);
    assert_string_equal(fk.log, "CMSX");
}

/* ---- cancelling ---------------------------------------------------------------------- */

static void cancel_asks_the_kernel_about_timers_it_does_not_know(void **state)
{
    (void)state;
    assert_int_equal(hsx_timer_cancel(FOREIGN_TIMER), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EPERM);
    assert_int_equal(hsx_timer_cancel(42), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), ENOENT);
    assert_string_equal(fk.log, "XX");
}

static void cancel_of_a_timer_the_administrator_destroyed(void **state)
{
    (void)state;
    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    fk.exists[timer] = false;
    assert_int_equal(hsx_timer_cancel(timer), HSX_HAL_OK);
    assert_int_equal(hsx_timer_cancel(timer), HSX_HAL_INVALID_PARAM);
}

/* A revocation cancelled it (its wait said so): the kernel is not asked, it would deny. */
static void cancel_of_a_timer_its_revocation_destroyed(void **state)
{
    hsx_timer_event_ex_t ev;
    (void)state;

    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    struct test_event closed = test_closed(timer, 1, HSX_CLOSE_REVOKED);
    assert_true(test_send_event(fk.peers[timer], &closed));
    assert_int_equal(hsx_timer_wait_event(timer, &ev, 1000), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EKEYREVOKED);
    fk.exists[timer] = false;
    assert_int_equal(hsx_timer_cancel(timer), HSX_HAL_OK);
    assert_string_equal(fk.log, "CMS");
}

static void handles_that_cannot_be_timers_are_refused(void **state)
{
    static const hsx_timer_t bad[] = {0, HSX_TIMER_ID_MAX + 1, 0xfffc, 0xffff};
    hsx_timer_event_ex_t ev;
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(hsx_timer_cancel(bad[i]), HSX_HAL_INVALID_PARAM);
        assert_int_equal(hsx_timer_wait(bad[i], 0), HSX_HAL_INVALID_PARAM);
        assert_int_equal(hsx_timer_wait_event(bad[i], &ev, 0), HSX_HAL_INVALID_PARAM);
        assert_int_equal(hsx_timer_set_callback(bad[i], on_expiry, NULL), HSX_HAL_INVALID_PARAM);
    }
    assert_string_equal(fk.log, "");

    /* Valid, but not a timer of this process. */
    assert_int_equal(hsx_timer_wait(9, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_timer_set_callback(9, on_expiry, NULL), HSX_HAL_INVALID_PARAM);
    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    assert_int_equal(hsx_timer_wait_event(timer, NULL, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_timer_cancel(timer), HSX_HAL_OK);
}

/* ---- clock ------------------------------------------------------------------------------ */

static void tick_and_frequency_come_from_the_kernel(void **state)
{
    (void)state;
    assert_int_equal(hsx_timer_get_tick(), 123456789);
    assert_int_equal(hsx_timer_get_freq(), HSX_TIMER_TICK_FREQ);
}

static uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void without_hsx_ko(void **state)
{
    hsx_timer_event_ex_t ev;
    (void)state;

    hsx_dev_set_ioctl_hook(NULL);
    hsx_dev_set_root("/nonexistent-hsx-test");

    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    assert_int_equal(HSX_TIMER_ERROR(timer), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENOENT);
    assert_int_equal(hsx_timer_cancel(5), HSX_HAL_NO_DEVICE);
    /* Parameters are still checked first. */
    assert_int_equal(HSX_TIMER_ERROR(hsx_timer_create(0, HSX_TIMER_PERIODIC)),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_timer_wait_event(5, &ev, 0), HSX_HAL_INVALID_PARAM);

    /* The tick falls back to the same clock. */
    uint64_t before = monotonic_us();
    uint64_t tick = hsx_timer_get_tick();
    uint64_t after = monotonic_us();
    assert_true(tick >= before && tick <= after);
    assert_int_equal(hsx_hal_errno(), ENOENT);
    assert_int_equal(hsx_timer_get_freq(), HSX_TIMER_TICK_FREQ);
}

static void a_node_that_is_not_hsx_is_unsupported(void **state)
{
    char dir[] = "/tmp/hsx-test-XXXXXX";
    char path[64];
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/hsx", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/hsx/timer", dir);
    int fd = open(path, O_CREAT | O_RDWR, 0600);
    assert_true(fd >= 0);
    close(fd);

    hsx_dev_set_ioctl_hook(NULL);
    hsx_dev_set_root(dir);
    hsx_timer_t timer = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    assert_int_equal(HSX_TIMER_ERROR(timer), HSX_HAL_UNSUPPORTED);
    assert_int_equal(hsx_hal_errno(), ENOTTY);
    hsx_dev_set_root(NULL);

    unlink(path);
    snprintf(path, sizeof(path), "%s/hsx", dir);
    rmdir(path);
    rmdir(dir);
}

static void sleeps_last_at_least_as_asked(void **state)
{
    (void)state;
    uint64_t start = monotonic_us();
    hsx_timer_sleep_ms(30);
    uint64_t slept = monotonic_us() - start;
    assert_true(slept >= 30000 && slept < 1000000);

    start = monotonic_us();
    hsx_timer_sleep_us(2500);
    slept = monotonic_us() - start;
    assert_true(slept >= 2500 && slept < 1000000);

    start = monotonic_us();
    hsx_timer_sleep_ms(0);
    assert_true(monotonic_us() - start < 100000);
}

/* ---- the table ---------------------------------------------------------------------------- */

static void table_maps_ids_to_mailboxes(void **state)
{
    struct hsx_object_table table = {.lock = PTHREAD_MUTEX_INITIALIZER};
    hsx_mailbox_t *mbs[40];
    int peers[40];
    (void)state;

    for (int i = 0; i < 40; i++) {
        assert_int_equal(test_mailbox((uint32_t)i, "hal:timer:x", &mbs[i], &peers[i]), 0);
        assert_int_equal(hsx_object_table_add(&table, (uint32_t)(i + 1), mbs[i]), HSX_HAL_OK);
    }
    assert_int_equal(hsx_object_table_count(&table), 40);
    assert_int_equal(hsx_object_table_add(&table, 7, mbs[0]), HSX_HAL_BUSY);

    hsx_mailbox_t *got = hsx_object_table_get(&table, 17);
    assert_ptr_equal(got, mbs[16]);
    hsx_mailbox_unref(got);
    assert_null(hsx_object_table_get(&table, 41));

    for (int i = 0; i < 40; i++) {
        uint32_t id = (uint32_t)(i * 7 % 40 + 1); /* every ID once, in a shuffled order */
        hsx_mailbox_t *removed = hsx_object_table_remove(&table, id);
        assert_ptr_equal(removed, mbs[id - 1]);
        assert_null(hsx_object_table_remove(&table, id));
        hsx_mailbox_close(removed);
        close(peers[id - 1]);
    }
    assert_int_equal(hsx_object_table_count(&table), 0);
    hsx_object_table_release(&table);
}

int main(void)
{
#define TIMER_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        TIMER_TEST(create_refuses_bad_parameters_before_the_kernel),
        TIMER_TEST(create_subscribes_before_it_starts),
        TIMER_TEST(create_passes_kernel_limits_on),
        TIMER_TEST(create_cancels_when_it_cannot_subscribe),
        TIMER_TEST(create_unwinds_when_it_cannot_start),
        TIMER_TEST(create_refuses_an_id_out_of_range),
        TIMER_TEST(wait_event_returns_the_expiry),
        TIMER_TEST(cancel_ends_a_wait),
        TIMER_TEST(callback_gets_the_spec_event),
        TIMER_TEST(cancel_from_inside_the_callback),
        TIMER_TEST(cancel_with_a_callback_set),
        TIMER_TEST(cancel_asks_the_kernel_about_timers_it_does_not_know),
        TIMER_TEST(cancel_of_a_timer_the_administrator_destroyed),
        TIMER_TEST(cancel_of_a_timer_its_revocation_destroyed),
        TIMER_TEST(handles_that_cannot_be_timers_are_refused),
        TIMER_TEST(tick_and_frequency_come_from_the_kernel),
        TIMER_TEST(without_hsx_ko),
        TIMER_TEST(a_node_that_is_not_hsx_is_unsupported),
        TIMER_TEST(sleeps_last_at_least_as_asked),
        cmocka_unit_test(table_maps_ids_to_mailboxes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
