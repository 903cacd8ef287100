// SPDX-License-Identifier: MIT
/*
 * The timer module (0x12) to user space: /dev/hsx/timer, "hal:timer:<id>",
 * its events from either transport, and a capability quota of timers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/wire_attr.h"
#include "modules.h"

static int decode_record(const void *record, hsx_mailbox_event_t *event)
{
    struct hsx_timer_record r;

    memcpy(&r, record, sizeof(r));
    event->module = HSX_MAILBOX_MODULE_TIMER;
    event->u.timer.timer_id = r.id;
    event->u.timer.tick_us = r.tick_us;
    event->u.timer.overruns = r.overruns;
    event->u.timer.expirations = r.expirations;
    return 0;
}

static const enum mnl_attr_data_type attr_types[HSX_TIMER_A_MAX + 1] = {
    [HSX_TIMER_A_ID] = MNL_TYPE_U32,
    [HSX_TIMER_A_TICK_US] = MNL_TYPE_U64,
    [HSX_TIMER_A_OVERRUNS] = MNL_TYPE_U32,
    [HSX_TIMER_A_EXPIRATIONS] = MNL_TYPE_U64,
};

/* ID and tick are required; overruns and expirations default to 0. */
static int decode_nest(const struct nlattr *nest, hsx_mailbox_event_t *event)
{
    const struct nlattr *tb[HSX_TIMER_A_MAX + 1] = {0};
    int ret = hsx_wire_parse_nest(nest, attr_types, HSX_TIMER_A_MAX, tb);

    if (ret < 0)
        return ret;
    if (!tb[HSX_TIMER_A_ID] || !tb[HSX_TIMER_A_TICK_US])
        return -EBADMSG;
    event->module = HSX_MAILBOX_MODULE_TIMER;
    event->u.timer.timer_id = hsx_attr_u32(tb[HSX_TIMER_A_ID]);
    event->u.timer.tick_us = hsx_attr_u64(tb[HSX_TIMER_A_TICK_US]);
    event->u.timer.overruns = hsx_attr_u32_or_zero(tb[HSX_TIMER_A_OVERRUNS]);
    event->u.timer.expirations = hsx_attr_u64_or_zero(tb[HSX_TIMER_A_EXPIRATIONS]);
    return 0;
}

static char *format_event(char *buf, size_t size, const hsx_mailbox_event_t *ev, bool json)
{
    if (json)
        snprintf(buf, size,
                 ",\"timer\":{\"id\":%" PRIu32 ",\"tick_us\":%" PRIu64 ",\"overruns\":%" PRIu32
                 ",\"expirations\":%" PRIu64 "}",
                 ev->u.timer.timer_id, ev->u.timer.tick_us, ev->u.timer.overruns,
                 ev->u.timer.expirations);
    else
        snprintf(buf, size,
                 " timer=%" PRIu32 " tick_us=%" PRIu64 " overruns=%" PRIu32 " expirations=%" PRIu64,
                 ev->u.timer.timer_id, ev->u.timer.tick_us, ev->u.timer.overruns,
                 ev->u.timer.expirations);
    return buf;
}

const struct hsx_umodule hsx_umod_timer = {
    .id = HSX_MODULE_TIMER,
    .name = "timer",
    .flags = HSX_UMOD_NODE | HSX_UMOD_CAPS,
    .mailboxes = {"hal:timer:%llu"},
    .nl_nest = HSX_A_EVT_TIMER,
    .record_size = sizeof(struct hsx_timer_record),
    .decode_record = decode_record,
    .decode_nest = decode_nest,
    .format_event = format_event,
    .rights = HSX_CAP_R_TIMER_ALL,
    .own = NULL,
    .sel =
        {
            .kind = HSX_UMOD_SEL_QUOTA,
            .ops = &hsx_umod_sel_quota_ops,
            .word = "max_timers",
            .noun = "timer",
            .limit = HSX_TIMER_DEFAULT_PER_OPEN,
        },
};
