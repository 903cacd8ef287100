/* SPDX-License-Identifier: MIT */
#ifndef HSX_TIMER_H
#define HSX_TIMER_H

#include "hsx_hal_types.h"

/* Timer types */
typedef enum {
    HSX_TIMER_ONE_SHOT = 0,
    HSX_TIMER_PERIODIC = 1,
} hsx_timer_type_t;

/* Timer handle (opaque) */
typedef uint16_t hsx_timer_t;

/* Timer event data */
typedef struct {
    uint16_t timer_id;
    uint32_t tick;
    uint8_t overruns;
} hsx_timer_event_t;

/**
 * Get current monotonic tick count (microseconds).
 *
 * @return Tick count in microseconds
 */
uint64_t hsx_timer_get_tick(void);

/**
 * Get timer tick frequency (ticks per second).
 *
 * @return Ticks per second
 */
uint32_t hsx_timer_get_freq(void);

/**
 * Sleep for specified milliseconds (uses EXEC_SLEEP_MS syscall).
 * Task blocks and yields CPU to other tasks.
 *
 * @param ms Milliseconds to sleep
 */
void hsx_timer_sleep_ms(uint32_t ms);

/**
 * Sleep for specified microseconds (uses EXEC_SLEEP_MS syscall).
 *
 * @param us Microseconds to sleep
 */
void hsx_timer_sleep_us(uint32_t us);

/**
 * Create a timer (one-shot or periodic).
 * Timer expiry generates mailbox event.
 *
 * @param period_us Timer period in microseconds
 * @param type Timer type (one-shot or periodic)
 * @return Timer handle, or negative error code
 */
hsx_timer_t hsx_timer_create(uint32_t period_us, hsx_timer_type_t type);

/**
 * Cancel/delete a timer.
 *
 * @param timer Timer handle
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_timer_cancel(hsx_timer_t timer);

/**
 * Wait for timer expiry (blocking, uses mailbox).
 *
 * @param timer Timer handle
 * @param timeout_ms Maximum time to wait
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_timer_wait(hsx_timer_t timer, uint32_t timeout_ms);

/**
 * Register callback for timer expiry events (mailbox-based).
 *
 * @param timer Timer handle
 * @param callback Callback function
 * @param user_data User data passed to callback
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_timer_set_callback(hsx_timer_t timer, hsx_hal_event_callback_t callback, void* user_data);

/* ---- Additions (not in the spec) ---------------------------------------- */

/*
 * hsx_timer_t is 16 bits wide, so hsx_timer_create() returns its negative
 * error codes truncated to that width. Timer IDs are 1..0x7fff, so a handle
 * with the top bit set is an error: test it with HSX_TIMER_IS_ERROR() and
 * recover the HSX_HAL_* code with HSX_TIMER_ERROR().
 */
#define HSX_TIMER_IS_ERROR(t) ((int16_t)(t) <= 0)
#define HSX_TIMER_ERROR(t)    ((int)(int16_t)(t) == 0 ? HSX_HAL_ERROR : (int)(int16_t)(t))

/** A timer event with everything the kernel reports. */
typedef struct {
    uint16_t timer_id;
    uint64_t tick_us;          /* CLOCK_MONOTONIC at expiry, microseconds */
    uint32_t overruns;         /* periods missed before this expiry (not saturated) */
    uint64_t expirations;      /* periods elapsed since the timer was armed */
    uint64_t seq;              /* mailbox sequence number */
    uint64_t timestamp_ns;     /* CLOCK_MONOTONIC of the expiry, nanoseconds */
    uint32_t dropped;          /* events lost for this process since the previous one */
    uint64_t dropped_total;    /* events lost for this process in all */
} hsx_timer_event_ex_t;

/**
 * Wait for the next expiry and return all it carries.
 *
 * @param timer Timer handle
 * @param event Filled on success
 * @param timeout_ms Maximum time to wait; 0 polls; HSX_HAL_TIMEOUT_INF waits forever
 * @return HSX_HAL_OK, HSX_HAL_TIMEOUT, HSX_HAL_CLOSED (cancelled while waiting),
 *         HSX_HAL_BUSY (a callback is registered), or another error code
 */
int hsx_timer_wait_event(hsx_timer_t timer, hsx_timer_event_ex_t *event, uint32_t timeout_ms);

#endif /* HSX_TIMER_H */
