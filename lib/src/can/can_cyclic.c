// SPDX-License-Identifier: MIT
/*
 * CAN periodic jobs (HSX_IOC_CAN_PERIODIC) and RX-timeout watches
 * (HSX_IOC_CAN_WATCH), each argument checked here first.
 * hsx.ko's timer sends; a job's end comes as the bus's PERIODIC_END event
 * (can_rx.c), to the subscription starting a job makes.
 */
#include <string.h>

#include "can/can.h"
#include "can/can_module.h"
#include "core/access.h"
#include "core/errors.h"
#include "core/export.h"
#include "hsx_uapi.h"

_Static_assert(HSX_CAN_PERIODIC_SLOTS == HSX_CAN_PERIODIC_MAX &&
                   HSX_CAN_PERIODIC_END_NONE == HSX_CAN_END_NONE &&
                   HSX_CAN_PERIODIC_END_COUNT == HSX_CAN_END_COUNT &&
                   HSX_CAN_PERIODIC_END_REVOKED == HSX_CAN_END_REVOKED &&
                   HSX_CAN_PERIODIC_END_GONE == HSX_CAN_END_GONE &&
                   HSX_CAN_PERIODIC_END_FAILED == HSX_CAN_END_FAILED,
               "periodic jobs' numbers are the uAPI's");

static bool valid_job(uint8_t bus, uint8_t slot)
{
    return bus < HSX_CAN_MAX_BUSES && slot < HSX_CAN_PERIODIC_MAX;
}

static bool valid_frame(const hsx_can_fd_frame_t *frame)
{
    return frame && !frame->reserved[0] && !frame->reserved[1] &&
           hsx_can_frame_valid(frame->can_id, frame->flags, frame->len, HSX_CAN_F_TX);
}

static void set_frame(struct hsx_can_periodic *arg, const hsx_can_fd_frame_t *frame)
{
    arg->frame.can_id = frame->can_id;
    arg->frame.len = frame->len;
    arg->frame.flags = frame->flags;
    if (!(frame->flags & HSX_CAN_RTR_FRAME))
        memcpy(arg->frame.data, frame->data, frame->len);
}

HSX_API int hsx_can_periodic_start(uint8_t bus, uint8_t slot, const hsx_can_fd_frame_t *frame,
                                   uint32_t interval_us, uint32_t count)
{
    if (!valid_job(bus, slot) || !valid_frame(frame) || interval_us < HSX_CAN_PERIODIC_MIN_US ||
        interval_us > HSX_CAN_PERIODIC_MAX_US)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    /* Its end goes to this file's subscriptions only: subscribe before it can come. */
    int ret = hsx_can_subscribe_rx(bus);
    if (ret != HSX_HAL_OK)
        return ret;
    struct hsx_can_periodic arg = {
        .bus = bus,
        .slot = slot,
        .op = HSX_CAN_PER_START,
        .interval_us = interval_us,
        .count = count,
    };
    set_frame(&arg, frame);
    return hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_PERIODIC, &arg);
}

HSX_API int hsx_can_periodic_update(uint8_t bus, uint8_t slot, const hsx_can_fd_frame_t *frame)
{
    if (!valid_job(bus, slot) || !valid_frame(frame))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    struct hsx_can_periodic arg = {.bus = bus, .slot = slot, .op = HSX_CAN_PER_UPDATE};
    set_frame(&arg, frame);
    return hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_PERIODIC, &arg);
}

/* STOP or QUERY, with the counts they return. */
static int job_counts(uint8_t bus, uint8_t slot, uint32_t op, hsx_can_periodic_status_t *status)
{
    if (!valid_job(bus, slot))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    struct hsx_can_periodic arg = {.bus = bus, .slot = slot, .op = op};
    int ret = hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_PERIODIC, &arg);
    if (ret == HSX_HAL_OK && status)
        *status =
            (hsx_can_periodic_status_t){.sent = arg.sent, .failed = arg.failed, .end = arg.end};
    return ret;
}

HSX_API int hsx_can_periodic_stop(uint8_t bus, uint8_t slot, hsx_can_periodic_status_t *status)
{
    return job_counts(bus, slot, HSX_CAN_PER_STOP, status);
}

HSX_API int hsx_can_periodic_query(uint8_t bus, uint8_t slot, hsx_can_periodic_status_t *status)
{
    if (!status)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return job_counts(bus, slot, HSX_CAN_PER_QUERY, status);
}

/* ---- RX-timeout watches ---------------------------------------------------------------- */

_Static_assert(HSX_CAN_WATCH_SLOTS == HSX_CAN_WATCH_MAX, "watch slots are the uAPI's");

HSX_API int hsx_can_watch_arm(uint8_t bus, uint8_t slot, uint32_t id, uint32_t mask,
                              hsx_can_filter_format_t format, uint32_t timeout_us)
{
    const bool ext = format == HSX_CAN_FILTER_EXT;
    const uint32_t ids = ext ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK;

    if (bus >= HSX_CAN_MAX_BUSES || slot >= HSX_CAN_WATCH_MAX ||
        (format != HSX_CAN_FILTER_STD && !ext) || (id & ~ids) || (mask & ~ids) ||
        timeout_us < HSX_CAN_PERIODIC_MIN_US || timeout_us > HSX_CAN_PERIODIC_MAX_US)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    /* Its events go to this file's subscriptions only: subscribe before one can come. */
    int ret = hsx_can_subscribe_rx(bus);
    if (ret != HSX_HAL_OK)
        return ret;
    struct hsx_can_watch arg = {
        .bus = bus,
        .slot = slot,
        .op = HSX_CAN_WATCH_ARM,
        .flags = ext ? HSX_CAN_FLT_EXT : HSX_CAN_FLT_STD,
        .id = id,
        .mask = mask,
        .timeout_us = timeout_us,
    };
    return hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_WATCH, &arg);
}

static int watch_counts(uint8_t bus, uint8_t slot, uint32_t op, hsx_can_watch_status_t *status)
{
    if (bus >= HSX_CAN_MAX_BUSES || slot >= HSX_CAN_WATCH_MAX)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    struct hsx_can_watch arg = {.bus = bus, .slot = slot, .op = op};
    int ret = hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_WATCH, &arg);
    if (ret == HSX_HAL_OK && status)
        *status = (hsx_can_watch_status_t){.frames = arg.frames, .timeouts = arg.timeouts};
    return ret;
}

HSX_API int hsx_can_watch_disarm(uint8_t bus, uint8_t slot, hsx_can_watch_status_t *status)
{
    return watch_counts(bus, slot, HSX_CAN_WATCH_DISARM, status);
}

HSX_API int hsx_can_watch_query(uint8_t bus, uint8_t slot, hsx_can_watch_status_t *status)
{
    if (!status)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return watch_counts(bus, slot, HSX_CAN_WATCH_QUERY, status);
}
