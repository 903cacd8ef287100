// SPDX-License-Identifier: MIT
/* The library's own threads: see thread.h. */
#include <signal.h>
#include <time.h>

#include "core/thread.h"
#include "hsx_hal_types.h"

int hsx_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    sigset_t all, saved;
    pthread_attr_t attr;
    int ret = pthread_attr_init(&attr);

    if (ret)
        return ret;
    ret = pthread_attr_setstacksize(&attr, HSX_THREAD_STACK_BYTES);
    if (!ret) {
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        ret = pthread_create(thread, &attr, fn, arg);
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
    }
    pthread_attr_destroy(&attr);
    return ret;
}

void hsx_mutex_init_pi(pthread_mutex_t *lock)
{
    pthread_mutexattr_t attr;

    pthread_mutexattr_init(&attr);
    /* Supported by glibc and the kernel's PI futexes; should it fail, a plain lock. */
    pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(lock, &attr);
    pthread_mutexattr_destroy(&attr);
}

struct timespec hsx_deadline_after_ms(uint32_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

uint64_t hsx_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t hsx_start_ms(uint32_t timeout_ms)
{
    return timeout_ms == 0 || timeout_ms == HSX_HAL_TIMEOUT_INF ? 0 : hsx_now_ms();
}

uint32_t hsx_remaining_ms(uint32_t timeout_ms, uint64_t start_ms)
{
    if (timeout_ms == 0 || timeout_ms == HSX_HAL_TIMEOUT_INF)
        return timeout_ms;
    uint64_t spent = hsx_now_ms() - start_ms;
    return spent >= timeout_ms ? 0 : (uint32_t)(timeout_ms - spent);
}

bool hsx_thread_join_within(pthread_t thread, unsigned int timeout_ms)
{
    struct timespec deadline = hsx_deadline_after_ms(timeout_ms);

    if (pthread_clockjoin_np(thread, NULL, CLOCK_MONOTONIC, &deadline) == 0)
        return true;
    pthread_detach(thread);
    return false;
}
