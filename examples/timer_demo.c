/* SPDX-License-Identifier: MIT */
/*
 * Timer demo: a periodic timer drives a callback on the library's dispatcher
 * thread while the main thread waits, blocking, on a one-shot timer. This is
 * what `make demo` runs on the simulated board.
 *
 *   cc timer_demo.c $(pkg-config --cflags --libs hsx_hal) -o timer_demo
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <hsx_timer.h>

#define PERIOD_US 100000 /* 10 Hz */
#define ONE_SHOT_US 550000

static atomic_uint ticks;

static void on_period(void *event_data, uint32_t length, void *user_data)
{
    const hsx_timer_event_t *ev = event_data;
    const uint64_t *start_us = user_data;

    (void)length;
    unsigned int n = atomic_fetch_add(&ticks, 1) + 1;
    printf("  periodic timer %u: expiry %u at +%6.1f ms (overruns %u)\n", ev->timer_id, n,
           (double)(ev->tick - (uint32_t)*start_us) / 1000.0, ev->overruns);
    fflush(stdout);
}

static int fail(const char *what, int code)
{
    fprintf(stderr, "timer_demo: %s: %s\n", what, hsx_hal_strerror(code));
    return EXIT_FAILURE;
}

int main(void)
{
    uint64_t start_us = hsx_timer_get_tick();
    hsx_timer_t periodic, one_shot;
    int ret;

    printf("timer_demo: tick %llu us, %u ticks per second\n", (unsigned long long)start_us,
           hsx_timer_get_freq());

    periodic = hsx_timer_create(PERIOD_US, HSX_TIMER_PERIODIC);
    if (HSX_TIMER_IS_ERROR(periodic))
        return fail("create periodic timer", HSX_TIMER_ERROR(periodic));
    ret = hsx_timer_set_callback(periodic, on_period, &start_us);
    if (ret != HSX_HAL_OK)
        return fail("set callback", ret);
    printf("timer_demo: periodic timer %u every %u ms, callback on the dispatcher thread\n",
           periodic, PERIOD_US / 1000);

    one_shot = hsx_timer_create(ONE_SHOT_US, HSX_TIMER_ONE_SHOT);
    if (HSX_TIMER_IS_ERROR(one_shot))
        return fail("create one-shot timer", HSX_TIMER_ERROR(one_shot));
    printf("timer_demo: one-shot timer %u in %u ms; main thread waits for it\n", one_shot,
           ONE_SHOT_US / 1000);

    ret = hsx_timer_wait(one_shot, 5000);
    if (ret != HSX_HAL_OK)
        return fail("wait for one-shot timer", ret);
    printf("timer_demo: one-shot timer %u fired at +%.1f ms\n", one_shot,
           (double)(hsx_timer_get_tick() - start_us) / 1000.0);

    hsx_timer_cancel(one_shot);
    hsx_timer_cancel(periodic);
    printf("timer_demo: %u periodic callbacks; timers cancelled\n", atomic_load(&ticks));
    return atomic_load(&ticks) > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
