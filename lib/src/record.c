// SPDX-License-Identifier: MIT
/*
 * Queue-file records. The kernel copies each module's uAPI record as it is,
 * so decoding is a bounds check and a field copy; the checks on values are
 * the ones the netlink decoder (wire.c) makes, so both transports deliver
 * exactly the same events.
 */
#include <errno.h>
#include <string.h>

#include "hsx_uapi.h"
#include "record.h"

/* Copy the module record into rec if the payload holds it; -EBADMSG if not. */
static int module_record(const unsigned char *payload, size_t len, void *rec, size_t size)
{
    if (len < size)
        return -EBADMSG;
    memcpy(rec, payload, size);
    return 0;
}

static int decode_timer(const unsigned char *payload, size_t len, hsx_mailbox_event_t *event)
{
    struct hsx_timer_record r;
    int ret = module_record(payload, len, &r, sizeof(r));

    if (ret < 0)
        return ret;
    event->module = HSX_MAILBOX_MODULE_TIMER;
    event->u.timer.timer_id = r.id;
    event->u.timer.tick_us = r.tick_us;
    event->u.timer.overruns = r.overruns;
    event->u.timer.expirations = r.expirations;
    return 0;
}

static int decode_gpio(const unsigned char *payload, size_t len, hsx_mailbox_event_t *event)
{
    struct hsx_gpio_record r;
    int ret = module_record(payload, len, &r, sizeof(r));

    if (ret < 0)
        return ret;
    if (r.pin >= HSX_GPIO_MAX_PINS ||
        (r.edge != HSX_GPIO_E_RISING && r.edge != HSX_GPIO_E_FALLING) || r.value > 1)
        return -EPROTO;
    event->module = HSX_MAILBOX_MODULE_GPIO;
    event->u.gpio.pin = r.pin;
    event->u.gpio.edge = r.edge;
    event->u.gpio.value = r.value;
    event->u.gpio.timestamp_ns = r.timestamp_ns;
    event->u.gpio.line_seq = r.line_seq;
    return 0;
}

static int decode_cap(const unsigned char *payload, size_t len, hsx_mailbox_event_t *event)
{
    struct hsx_cap_record r;
    int ret = module_record(payload, len, &r, sizeof(r));

    if (ret < 0)
        return ret;
    if (r.id == 0 || r.reason == 0)
        return -EPROTO;
    event->module = HSX_MAILBOX_MODULE_CORE;
    event->u.cap.id = r.id;
    event->u.cap.object = r.object;
    event->u.cap.module = r.module;
    event->u.cap.reason = r.reason;
    event->u.cap.holder_pid = r.holder_pid;
    return 0;
}

int hsx_record_decode(const void *buf, size_t len, hsx_mailbox_event_t *event)
{
    struct hsx_mbox_record hdr;

    if (len < sizeof(hdr))
        return -EBADMSG;
    memcpy(&hdr, buf, sizeof(hdr));
    if (hdr.size < sizeof(hdr) || hdr.size > len)
        return -EBADMSG;

    const unsigned char *payload = (const unsigned char *)buf + sizeof(hdr);
    size_t payload_len = hdr.size - sizeof(hdr);

    memset(event, 0, sizeof(*event));
    event->mailbox_id = hdr.mbox_id;
    event->seq = hdr.seq;
    event->timestamp_ns = hdr.timestamp_ns;
    event->dropped = hdr.dropped;
    event->dropped_total = hdr.dropped_total;
    event->module = HSX_MAILBOX_MODULE_NONE;

    switch (hdr.type) {
    case HSX_EVT_CLOSED:
        event->type = HSX_MAILBOX_EVENT_CLOSED;
        event->close_reason = (hsx_mailbox_close_reason_t)hdr.close_reason;
        return 0;
    case HSX_EVT_DATA:
        event->type = HSX_MAILBOX_EVENT_DATA;
        switch (hdr.module) {
        case HSX_MODULE_TIMER:
            return decode_timer(payload, payload_len, event);
        case HSX_MODULE_GPIO:
            return decode_gpio(payload, payload_len, event);
        case HSX_MODULE_CORE:
            return decode_cap(payload, payload_len, event);
        default:
            return 0;
        }
    default:
        return -EPROTO;
    }
}
