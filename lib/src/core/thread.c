// SPDX-License-Identifier: MIT
/* The library's own threads: see thread.h. */
#include <signal.h>
#include <time.h>

#include "core/thread.h"

int hsx_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    sigset_t all, saved;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    int ret = pthread_create(thread, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return ret;
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

bool hsx_thread_join_within(pthread_t thread, unsigned int timeout_ms)
{
    struct timespec deadline = hsx_deadline_after_ms(timeout_ms);

    if (pthread_clockjoin_np(thread, NULL, CLOCK_MONOTONIC, &deadline) == 0)
        return true;
    pthread_detach(thread);
    return false;
}
