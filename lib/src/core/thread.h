/* SPDX-License-Identifier: MIT */
/*
 * The library's own threads (the dispatcher, the renewal thread): started
 * with every signal blocked, and stopped at library teardown without waiting
 * for ever on one that cannot finish.
 */
#ifndef HSX_THREAD_H
#define HSX_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/*
 * How long library teardown waits for one of its threads to end: long
 * enough for a callback that is about to return (or a renewal being
 * cancelled), short enough that exit() never looks hung.
 */
#define HSX_THREAD_JOIN_BOUND_MS 1000

/*
 * The stack of the library's threads, the dispatcher's too (every callback
 * runs on it): explicit, not RLIMIT_STACK's default (8 MiB), so that with
 * memory locked (MCL_FUTURE) starting one stays within a modest
 * RLIMIT_MEMLOCK. Documented in hsx_mailbox.h.
 */
#define HSX_THREAD_STACK_BYTES (512u * 1024u)

/*
 * pthread_create() with every signal blocked in the new thread: signals are
 * the application's business, and its handlers must never run on a thread of
 * the library's. Its stack is HSX_THREAD_STACK_BYTES. Returns 0 or an errno
 * value.
 */
int hsx_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/*
 * (Re)initialise a lock a thread of the library may take while running
 * SCHED_FIFO (hsx_mailbox_set_dispatcher_sched()): PTHREAD_PRIO_INHERIT, so
 * that a lower-priority holder is boosted while it blocks the dispatcher.
 * Also what a fork child does to such a lock held across fork(): a
 * priority-inheritance lock records its owner's thread id, which the child's
 * thread does not have, so it cannot be unlocked there, only initialised again.
 */
void hsx_mutex_init_pi(pthread_mutex_t *lock);

/* The CLOCK_MONOTONIC time ms from now: the deadline of a bounded wait. */
struct timespec hsx_deadline_after_ms(uint32_t ms);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t hsx_now_ms(void);

/*
 * The start of a wait of timeout_ms, for hsx_remaining_ms(): the clock is read
 * only for a timeout that counts down (not 0, not HSX_HAL_TIMEOUT_INF). Where
 * the clock source is not one the vDSO reads (a VM's HPET), each reading is a
 * system call.
 */
uint64_t hsx_start_ms(uint32_t timeout_ms);

/*
 * What is left of a wait of timeout_ms that started at start_ms (from
 * hsx_start_ms() or hsx_now_ms()): 0 once it is over; 0 and
 * HSX_HAL_TIMEOUT_INF stay what they are, without reading the clock.
 */
uint32_t hsx_remaining_ms(uint32_t timeout_ms, uint64_t start_ms);

/*
 * Join thread, waiting at most timeout_ms. Returns true once it has ended
 * and is joined; false if it had not ended by then: it is detached and left
 * running, and whatever it still uses must be left to it.
 */
bool hsx_thread_join_within(pthread_t thread, unsigned int timeout_ms);

#endif /* HSX_THREAD_H */
