// SPDX-License-Identifier: MIT
/*
 * Timers: hsx.ko arms an hrtimer per timer and posts each expiry to the
 * mailbox "hal:timer:<id>"; this file creates and cancels timers with ioctls
 * and takes their expiries from a mailbox subscription of its own per timer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/access.h"
#include "core/callback.h"
#include "core/errors.h"
#include "core/export.h"
#include "core/mailbox.h"
#include "core/object_table.h"
#include "timer/timer.h"

static struct hsx_object_table timers = {.lock = PTHREAD_MUTEX_INITIALIZER};

size_t hsx_timer_count(void)
{
    return hsx_object_table_count(&timers);
}

void hsx_timer_fork_prepare(void)
{
    hsx_object_table_lock(&timers);
}

void hsx_timer_fork_parent(void)
{
    hsx_object_table_unlock(&timers);
}

void hsx_timer_fork_child(void)
{
    hsx_object_table_unlock(&timers);
}

void hsx_timer_fork_forget(void)
{
    hsx_object_table_forget(&timers);
}

/* hsx_timer_t is 16 bits wide: see HSX_TIMER_IS_ERROR() in hsx_timer.h. */
static hsx_timer_t timer_error(int code)
{
    return (hsx_timer_t)(int16_t)code;
}

static bool valid_timer(hsx_timer_t timer)
{
    return timer >= 1 && timer <= HSX_TIMER_ID_MAX;
}

static int timer_ioctl(unsigned long request, uint32_t id)
{
    struct hsx_timer_id arg = {.timer_id = id};

    return hsx_dev_ioctl(HSX_UMOD_TIMER, request, &arg);
}

void hsx_timer_event_from_mailbox(const hsx_mailbox_event_t *in, hsx_timer_event_t *out)
{
    *out = (hsx_timer_event_t){
        .timer_id = (uint16_t)in->u.timer.timer_id,
        .tick = (uint32_t)in->u.timer.tick_us, /* the spec's tick is 32 bits: it wraps */
        .overruns = in->u.timer.overruns > UINT8_MAX ? UINT8_MAX : (uint8_t)in->u.timer.overruns,
    };
}

void hsx_timer_event_ex_from_mailbox(const hsx_mailbox_event_t *in, hsx_timer_event_ex_t *out)
{
    *out = (hsx_timer_event_ex_t){
        .timer_id = (uint16_t)in->u.timer.timer_id,
        .tick_us = in->u.timer.tick_us,
        .overruns = in->u.timer.overruns,
        .expirations = in->u.timer.expirations,
        .seq = in->seq,
        .timestamp_ns = in->timestamp_ns,
        .dropped = in->dropped,
        .dropped_total = in->dropped_total,
    };
}

/*
 * The timer is created stopped, subscribed to, and only then started, so not
 * even the first expiry of a short period can fire before anyone listens.
 * Any failure undoes what was done, in reverse.
 */
HSX_API hsx_timer_t hsx_timer_create(uint32_t period_us, hsx_timer_type_t type)
{
    char name[HSX_MBOX_NAME_MAX];
    hsx_mailbox_t *mailbox;
    int ret, err;

    if ((type != HSX_TIMER_ONE_SHOT && type != HSX_TIMER_PERIODIC) ||
        period_us < HSX_TIMER_PERIOD_MIN_US || period_us > HSX_TIMER_PERIOD_MAX_US)
        return timer_error(hsx_fail_with(HSX_HAL_INVALID_PARAM, 0));

    struct hsx_timer_create req = {
        .period_us = period_us,
        .flags = HSX_TIMER_F_STOPPED | (type == HSX_TIMER_ONE_SHOT ? HSX_TIMER_F_ONE_SHOT : 0),
    };
    ret = hsx_dev_ioctl(HSX_UMOD_TIMER, HSX_IOC_TIMER_CREATE, &req);
    if (ret != HSX_HAL_OK)
        return timer_error(ret);
    if (req.timer_id == 0 || req.timer_id > HSX_TIMER_ID_MAX) {
        /* Not representable in hsx_timer_t: an hsx.ko that breaks the uAPI's promise. */
        ret = hsx_fail_with(HSX_HAL_ERROR, ERANGE);
        goto cancel;
    }
    uint16_t id = (uint16_t)req.timer_id;

    snprintf(name, sizeof(name), HSX_MBOX_TIMER_FMT, id);
    /*
     * A timer's mailbox admits its creator's uid: no capability is needed to
     * listen, but the node's file makes it a queue file.
     */
    ret = hsx_mailbox_open_object(name, hsx_dev_auth_fd(HSX_UMOD_TIMER), &mailbox);
    if (ret != HSX_HAL_OK)
        goto cancel;
    ret = hsx_object_table_add(&timers, id, mailbox);
    if (ret != HSX_HAL_OK)
        goto close;
    ret = timer_ioctl(HSX_IOC_TIMER_START, id);
    if (ret != HSX_HAL_OK)
        goto remove;
    return id;

remove:
    hsx_object_table_remove(&timers, id);
close:
    err = hsx_hal_errno();
    hsx_mailbox_close(mailbox);
    hsx_fail_with(ret, err);
cancel:
    err = hsx_hal_errno();
    timer_ioctl(HSX_IOC_TIMER_CANCEL, req.timer_id);
    return timer_error(hsx_fail_with(ret, err));
}

/*
 * Timers unknown to this process are still cancelled through the kernel,
 * which knows whether they exist (ENOENT: HSX_HAL_INVALID_PARAM) and whose
 * they are (EPERM: HSX_HAL_DENIED).
 */
HSX_API int hsx_timer_cancel(hsx_timer_t timer)
{
    void *callback = NULL;

    if (!valid_timer(timer))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    /* Close first: when this returns, the callback is not running and will not run. */
    hsx_mailbox_t *mailbox = hsx_object_table_remove(&timers, timer);
    bool destroyed = false;
    if (mailbox) {
        /* Its mailbox's final event was read: the kernel destroyed it (revoked, cancelled). */
        destroyed = hsx_mailbox_is_gone(mailbox);
        hsx_mailbox_close_ex(mailbox, &callback);
        free(callback);
    }
    /* Asking would be denied after a revocation, for a timer that no longer exists. */
    if (destroyed)
        return HSX_HAL_OK;
    int ret = timer_ioctl(HSX_IOC_TIMER_CANCEL, timer);
    /* Ours, but already destroyed (the administrator cancelled it): nothing is left to do. */
    if (mailbox && ret == HSX_HAL_INVALID_PARAM && hsx_hal_errno() == ENOENT)
        return HSX_HAL_OK;
    return ret;
}

HSX_API int hsx_timer_wait_event(hsx_timer_t timer, hsx_timer_event_ex_t *event,
                                 uint32_t timeout_ms)
{
    hsx_mailbox_event_t mev;

    if (!valid_timer(timer) || !event)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_object_table_recv(&timers, timer, HSX_MAILBOX_MODULE_TIMER, &mev, timeout_ms);
    if (ret == HSX_HAL_OK)
        hsx_timer_event_ex_from_mailbox(&mev, event);
    return ret;
}

HSX_API int hsx_timer_wait(hsx_timer_t timer, uint32_t timeout_ms)
{
    hsx_timer_event_ex_t event;

    return hsx_timer_wait_event(timer, &event, timeout_ms);
}

/* On the dispatcher thread: a timer's mailbox event, to the spec's callback. */
static void deliver_expiry(hsx_mailbox_t *mailbox, const hsx_mailbox_event_t *event, void *arg)
{
    hsx_timer_event_t expiry;

    (void)mailbox;
    /* The timer's final CLOSED event has no place in the spec's event. */
    if (event->type != HSX_MAILBOX_EVENT_DATA || event->module != HSX_MAILBOX_MODULE_TIMER)
        return;
    hsx_timer_event_from_mailbox(event, &expiry);
    hsx_hal_callback_run(arg, &expiry, sizeof(expiry));
}

HSX_API int hsx_timer_set_callback(hsx_timer_t timer, hsx_hal_event_callback_t callback,
                                   void *user_data)
{
    if (!valid_timer(timer))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    hsx_mailbox_t *mailbox = hsx_object_table_get(&timers, timer);
    if (!mailbox)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    int ret = hsx_hal_callback_set(mailbox, deliver_expiry, callback, user_data);
    hsx_mailbox_unref(mailbox);
    return ret;
}
