/* SPDX-License-Identifier: MIT */
/*
 * The spec's timer API against the real module: ticks, one-shot and periodic
 * waits, overrun accounting, callbacks, cancel.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "e2e.h"
#include "hsx_timer.h"
#include "hsx_uapi.h"

static uint64_t monotonic_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void tick_is_monotonic_microseconds(void **state)
{
    (void)state;
    uint64_t before = monotonic_us();
    uint64_t tick = hsx_timer_get_tick();
    uint64_t after = monotonic_us();

    assert_int_equal(hsx_timer_get_freq(), 1000000);
    assert_true(before <= tick);
    assert_true(tick <= after);
    assert_true(hsx_timer_get_tick() >= tick);
}

static void sleep_sleeps_at_least(void **state)
{
    (void)state;
    uint64_t start = monotonic_us();

    hsx_timer_sleep_ms(20);
    assert_true(monotonic_us() - start >= 20000);
    start = monotonic_us();
    hsx_timer_sleep_us(3000);
    assert_true(monotonic_us() - start >= 3000);
}

static void one_shot_fires_once(void **state)
{
    (void)state;
    hsx_timer_event_ex_t ev;
    hsx_timer_t t = hsx_timer_create(10000, HSX_TIMER_ONE_SHOT);

    assert_false(HSX_TIMER_IS_ERROR(t));
    assert_int_equal(hsx_timer_wait_event(t, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(ev.timer_id, t);
    assert_int_equal(ev.expirations, 1);
    assert_int_equal(ev.overruns, 0);
    assert_int_equal(ev.seq, 1);
    assert_int_equal(ev.dropped, 0);
    /* Fired once: a further wait times out. */
    assert_int_equal(hsx_timer_wait(t, 100), HSX_HAL_TIMEOUT);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/%u/armed", t), 0);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/%u/one_shot", t), 1);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
    assert_false(e2e_exists("/sys/hal/timer/%u", t));
}

/*
 * Every period is accounted for: each event reports the periods it missed,
 * so expirations == sum(1 + overruns) over the events, with none dropped.
 */
static void periodic_accounts_for_every_period(void **state)
{
    (void)state;
    hsx_timer_event_ex_t ev;
    uint64_t periods = 0, last_seq = 0, overruns = 0;
    hsx_timer_t t = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    int i;

    assert_false(HSX_TIMER_IS_ERROR(t));
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/%u/period_us", t), 1000);
    for (i = 0; i < 50; i++) {
        assert_int_equal(hsx_timer_wait_event(t, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
        assert_int_equal(ev.timer_id, t);
        assert_int_equal(ev.seq, last_seq + 1);
        assert_int_equal(ev.dropped, 0);
        periods += 1 + ev.overruns;
        overruns += ev.overruns;
        assert_int_equal(ev.expirations, periods);
        last_seq = ev.seq;
    }
    printf("# 50 events covered %llu periods (%llu overruns)\n", (unsigned long long)periods,
           (unsigned long long)overruns);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
}

/* A 100 us timer misses periods in a slow guest; each one must be reported. */
static void fast_timer_reports_missed_periods(void **state)
{
    (void)state;
    hsx_timer_event_ex_t ev;
    uint64_t periods = 0, overruns = 0, deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    hsx_timer_t t = hsx_timer_create(100, HSX_TIMER_PERIODIC);

    assert_false(HSX_TIMER_IS_ERROR(t));
    while (e2e_now_ms() < deadline) {
        assert_int_equal(hsx_timer_wait_event(t, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
        if (ev.dropped)
            break; /* accounting below needs an unbroken series */
        periods += 1 + ev.overruns;
        overruns += ev.overruns;
        assert_int_equal(ev.expirations, periods);
        if (overruns >= 3)
            break;
    }
    printf("# 100us timer: %llu periods, %llu overruns reported\n", (unsigned long long)periods,
           (unsigned long long)overruns);
    assert_true(e2e_sysfs_u64("/sys/hal/timer/%u/overruns", t) >= overruns);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
}

struct callback_state {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int count;
    hsx_timer_t timer;
    uint32_t last_tick;
    int bad;
    pthread_t thread;
};

static void on_expiry(void *data, uint32_t length, void *user)
{
    struct callback_state *cs = user;
    hsx_timer_event_t *ev = data;

    pthread_mutex_lock(&cs->lock);
    if (length != sizeof(*ev) || ev->timer_id != cs->timer || ev->tick < cs->last_tick)
        cs->bad++;
    cs->last_tick = ev->tick;
    cs->thread = pthread_self();
    cs->count++;
    pthread_cond_broadcast(&cs->cond);
    pthread_mutex_unlock(&cs->lock);
}

static void callback_runs_on_dispatcher_and_stops_when_removed(void **state)
{
    (void)state;
    struct callback_state cs = {.lock = PTHREAD_MUTEX_INITIALIZER,
                                .cond = PTHREAD_COND_INITIALIZER};
    struct timespec deadline;
    int count;

    cs.timer = hsx_timer_create(2000, HSX_TIMER_PERIODIC);
    assert_false(HSX_TIMER_IS_ERROR(cs.timer));
    assert_int_equal(hsx_timer_set_callback(cs.timer, on_expiry, &cs), HSX_HAL_OK);
    /* With a callback set, waiting would race it: refused. */
    assert_int_equal(hsx_timer_wait(cs.timer, 10), HSX_HAL_BUSY);

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += E2E_LIVENESS_MS / 1000;
    pthread_mutex_lock(&cs.lock);
    while (cs.count < 10)
        if (pthread_cond_timedwait(&cs.cond, &cs.lock, &deadline))
            break;
    pthread_mutex_unlock(&cs.lock);
    assert_true(cs.count >= 10);
    assert_int_equal(cs.bad, 0);
    assert_false(pthread_equal(cs.thread, pthread_self()));

    assert_int_equal(hsx_timer_set_callback(cs.timer, NULL, NULL), HSX_HAL_OK);
    pthread_mutex_lock(&cs.lock);
    count = cs.count;
    pthread_mutex_unlock(&cs.lock);
    hsx_timer_sleep_ms(50);
    assert_int_equal(cs.count, count); /* not one callback after removal */
    /* Without the callback, waiting works again. */
    assert_int_equal(hsx_timer_wait(cs.timer, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(hsx_timer_cancel(cs.timer), HSX_HAL_OK);
}

static void cancel_stops_and_forgets(void **state)
{
    (void)state;
    uint64_t active = e2e_sysfs_u64("/sys/hal/timer/active");
    hsx_timer_t t = hsx_timer_create(500, HSX_TIMER_PERIODIC);

    assert_false(HSX_TIMER_IS_ERROR(t));
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/active"), active + 1);
    assert_int_equal(hsx_timer_wait(t, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/active"), active);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_INVALID_PARAM);
    assert_int_not_equal(hsx_timer_wait(t, 10), HSX_HAL_OK);
}

struct blocked_wait {
    hsx_timer_t timer;
    uint32_t timeout_ms;
    int ret;
    uint64_t returned_ms;
};

static void *wait_blocked(void *arg)
{
    struct blocked_wait *w = arg;

    w->ret = hsx_timer_wait(w->timer, w->timeout_ms);
    w->returned_ms = e2e_now_ms();
    return NULL;
}

/*
 * A thread blocked on a timer's queue file waits in the read alone (no
 * eventfd polled beside it): cancelling, which closes the library's handle,
 * ends that read by ending the subscription. With and without a deadline.
 */
static void cancel_ends_a_blocked_wait(void **state)
{
    const uint32_t timeouts[] = {HSX_HAL_TIMEOUT_INF, E2E_LIVENESS_MS};
    (void)state;

    for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
        struct blocked_wait w = {.timer =
                                     hsx_timer_create(HSX_TIMER_PERIOD_MAX_US, HSX_TIMER_ONE_SHOT),
                                 .timeout_ms = timeouts[i]};
        pthread_t thread;

        assert_false(HSX_TIMER_IS_ERROR(w.timer));
        assert_int_equal(pthread_create(&thread, NULL, wait_blocked, &w), 0);
        hsx_timer_sleep_ms(100); /* blocked in its read by now */
        uint64_t start = e2e_now_ms();
        assert_int_equal(hsx_timer_cancel(w.timer), HSX_HAL_OK);
        assert_int_equal(pthread_join(thread, NULL), 0);
        assert_int_equal(w.ret, HSX_HAL_CLOSED);
        assert_true(w.returned_ms - start < 2000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tick_is_monotonic_microseconds),
        cmocka_unit_test(sleep_sleeps_at_least),
        cmocka_unit_test(one_shot_fires_once),
        cmocka_unit_test(periodic_accounts_for_every_period),
        cmocka_unit_test(fast_timer_reports_missed_periods),
        cmocka_unit_test(callback_runs_on_dispatcher_and_stops_when_removed),
        cmocka_unit_test(cancel_stops_and_forgets),
        cmocka_unit_test(cancel_ends_a_blocked_wait),
    };

    return cmocka_run_group_tests_name("e2e_timer_api", tests, NULL, NULL);
}
