// SPDX-License-Identifier: MIT
/*
 * The timer module's clock functions: tick, tick frequency, and sleeps.
 *
 * The tick is CLOCK_MONOTONIC in microseconds, read through hsx.ko as the
 * spec's TIMER_GET_TICK. If the module cannot answer (not loaded, or a node
 * this process may not open), hsx_timer_get_tick() reads the same clock
 * itself and hsx_timer_get_freq() reports the same unit, so a caller always
 * gets a usable tick; hsx_hal_errno() then holds the reason the ioctl failed.
 *
 * Sleeping needs no kernel module: an absolute CLOCK_MONOTONIC deadline,
 * restarted after a signal, never sleeps short and never drifts long.
 */
#include <errno.h>
#include <time.h>

#include "core/access.h"
#include "core/export.h"
#include "hsx_timer.h"
#include "hsx_uapi.h"

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL

static uint64_t monotonic_us(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000ULL + (uint64_t)now.tv_nsec / NSEC_PER_USEC;
}

HSX_API uint64_t hsx_timer_get_tick(void)
{
    struct hsx_timer_tick tick = {0};

    if (hsx_dev_ioctl(HSX_UMOD_TIMER, HSX_IOC_TIMER_GET_TICK, &tick) == HSX_HAL_OK)
        return tick.tick_us;
    return monotonic_us();
}

HSX_API uint32_t hsx_timer_get_freq(void)
{
    struct hsx_timer_freq freq = {0};

    if (hsx_dev_ioctl(HSX_UMOD_TIMER, HSX_IOC_TIMER_GET_TICK_FREQ, &freq) == HSX_HAL_OK &&
        freq.ticks_per_sec != 0)
        return freq.ticks_per_sec;
    return HSX_TIMER_TICK_FREQ;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec deadline;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    ns += (uint64_t)deadline.tv_nsec;
    deadline.tv_sec += (time_t)(ns / NSEC_PER_SEC);
    deadline.tv_nsec = (long)(ns % NSEC_PER_SEC);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == EINTR)
        ;
}

HSX_API void hsx_timer_sleep_ms(uint32_t ms)
{
    sleep_ns(ms * NSEC_PER_MSEC);
}

HSX_API void hsx_timer_sleep_us(uint32_t us)
{
    sleep_ns(us * NSEC_PER_USEC);
}
