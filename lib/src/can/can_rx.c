// SPDX-License-Identifier: MIT
/*
 * CAN receiving. A bus's frames ("hal:can:<n>:rx", which also carries the
 * TX_DONE events of this process's non-blocking sends) and its errors
 * ("hal:can:<n>:err") are feeds (core/feed.h): subscribed on first use and
 * kept, so nothing that arrives between two reads is missed, with the
 * readers of one bus taking turns. A read that skips events it does not
 * return (an FD frame for the spec's hsx_can_rx(), a TX_DONE for
 * hsx_can_rx_ex()) keeps their losses for the next event it returns, so
 * every lost frame is still counted once.
 */
#include <errno.h>
#include <string.h>

#include "can/can.h"
#include "core/callback.h"
#include "core/errors.h"
#include "core/export.h"
#include "core/feed.h"
#include "core/mailbox.h"
#include "core/thread.h"
#include "hsx_uapi.h"

/* A feed of each bus, and what its turn's holder carries between two reads. */
struct can_feed {
    struct hsx_feed feed;
    uint32_t lost[HSX_CAN_MAX_BUSES]; /* losses before events skipped, not reported yet */
};

static struct hsx_feed_object rx_turns[HSX_CAN_MAX_BUSES], err_turns[HSX_CAN_MAX_BUSES];
static struct can_feed rx = {.feed = HSX_FEED_INIT(HSX_UMOD_CAN, 0, rx_turns)};
static struct can_feed err = {.feed = HSX_FEED_INIT(HSX_UMOD_CAN, 1, err_turns)};

static bool valid_bus(uint8_t bus)
{
    return bus < HSX_CAN_MAX_BUSES;
}

size_t hsx_can_subscription_count(void)
{
    return hsx_feed_count(&rx.feed);
}

size_t hsx_can_error_subscription_count(void)
{
    return hsx_feed_count(&err.feed);
}

int hsx_can_subscribe_rx(uint8_t bus)
{
    return hsx_feed_subscribe(&rx.feed, bus);
}

/* ---- fork ------------------------------------------------------------------------------- */

void hsx_can_fork_prepare(void)
{
    hsx_feed_fork_prepare(&rx.feed);
    hsx_feed_fork_prepare(&err.feed);
}

void hsx_can_fork_prepare_table(void)
{
    hsx_feed_fork_prepare_table(&rx.feed);
    hsx_feed_fork_prepare_table(&err.feed);
}

void hsx_can_fork_parent(void)
{
    hsx_feed_fork_parent(&err.feed);
    hsx_feed_fork_parent(&rx.feed);
}

/* The subscriptions, and the losses the parent's readers had not reported, are the parent's. */
void hsx_can_fork_child(void)
{
    hsx_feed_fork_child(&err.feed);
    hsx_feed_fork_child(&rx.feed);
    memset(rx.lost, 0, sizeof(rx.lost));
    memset(err.lost, 0, sizeof(err.lost));
}

void hsx_can_fork_forget(void)
{
    hsx_feed_fork_forget(&rx.feed);
    hsx_feed_fork_forget(&err.feed);
}

/* ---- events ----------------------------------------------------------------------------- */

void hsx_can_event_from_mailbox(const hsx_mailbox_event_t *in, hsx_can_event_t *out)
{
    const bool error = in->u.can.kind == HSX_CAN_EVENT_ERROR;

    memset(out, 0, sizeof(*out));
    out->bus = (uint8_t)in->u.can.bus;
    out->kind = in->u.can.kind; /* the library's already (can_module.c's fill()) */
    out->state = in->u.can.state;
    out->tx_errors = in->u.can.tx_errors;
    out->rx_errors = in->u.can.rx_errors;
    /* TX_FAILED's HSX_CAN_TX_FAILED_*, PERIODIC_END's HSX_CAN_PERIODIC_END_* */
    out->error_class = error ? in->u.can.id : in->u.can.reason;
    out->cookie = in->u.can.cookie;
    out->timestamp_ns = in->timestamp_ns;
    out->seq = in->seq;
    out->lost = in->dropped;
    out->frame.can_id = error ? 0 : in->u.can.id;
    out->frame.len = in->u.can.len;
    out->frame.flags = in->u.can.flags;
    memcpy(out->frame.data, in->u.can.data, sizeof(out->frame.data));
}

static bool is_can(const hsx_mailbox_event_t *ev)
{
    return ev->type == HSX_MAILBOX_EVENT_DATA && ev->module == HSX_MAILBOX_MODULE_CAN;
}

/* What the spec's hsx_can_rx() and RX callback take: classic frames received. */
static bool classic_frame(const hsx_mailbox_event_t *ev)
{
    return ev->u.can.kind == HSX_CAN_EVENT_FRAME && !(ev->u.can.flags & HSX_CAN_FD_FRAME);
}

static bool any_frame(const hsx_mailbox_event_t *ev)
{
    return ev->u.can.kind == HSX_CAN_EVENT_FRAME;
}

static bool frame_or_done(const hsx_mailbox_event_t *ev)
{
    return ev->u.can.kind == HSX_CAN_EVENT_FRAME || ev->u.can.kind == HSX_CAN_EVENT_TX_DONE ||
           ev->u.can.kind == HSX_CAN_EVENT_TX_FAILED ||
           ev->u.can.kind == HSX_CAN_EVENT_PERIODIC_END ||
           ev->u.can.kind == HSX_CAN_EVENT_RX_TIMEOUT;
}

static bool error_event(const hsx_mailbox_event_t *ev)
{
    return ev->u.can.kind == HSX_CAN_EVENT_ERROR;
}

/* A classic frame as the spec has it: its flags only, 8 bytes of room. */
static void spec_frame(const hsx_mailbox_event_t *in, hsx_can_frame_t *out)
{
    memset(out, 0, sizeof(*out));
    out->can_id = in->u.can.id;
    out->dlc = in->u.can.len;
    out->flags = in->u.can.flags & (HSX_CAN_EXT_FRAME | HSX_CAN_RTR_FRAME);
    memcpy(out->data, in->u.can.data, sizeof(out->data));
}

static uint32_t add_lost(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/*
 * The bus's next event that wanted() takes, from f. HSX_HAL_CLOSED when the
 * kernel ended the subscription (the bus was unbound): the next call
 * subscribes anew.
 */
static int next_event(struct can_feed *f, uint8_t bus, bool (*wanted)(const hsx_mailbox_event_t *),
                      uint32_t timeout_ms, hsx_mailbox_event_t *ev)
{
    const uint64_t start = hsx_start_ms(timeout_ms);
    hsx_mailbox_t *mb;
    bool gone = false;

    int ret = hsx_feed_begin(&f->feed, bus, timeout_ms, &mb);
    if (ret != HSX_HAL_OK)
        return ret;
    for (;;) {
        ret = hsx_mailbox_recv(mb, ev, hsx_remaining_ms(timeout_ms, start));
        if (ret == HSX_HAL_OK && ev->type == HSX_MAILBOX_EVENT_CLOSED)
            ret = hsx_fail_with(HSX_HAL_CLOSED, 0);
        if (ret == HSX_HAL_CLOSED) {
            gone = true;
            f->lost[bus] = 0; /* a new binding's events start afresh */
        }
        if (ret != HSX_HAL_OK)
            break;
        if (!is_can(ev) || ev->u.can.bus != bus) {
            ret = hsx_fail_with(HSX_HAL_ERROR, EPROTO);
            break;
        }
        if (wanted(ev)) {
            ev->dropped = add_lost(ev->dropped, f->lost[bus]);
            f->lost[bus] = 0;
            break;
        }
        f->lost[bus] = add_lost(f->lost[bus], ev->dropped);
    }
    hsx_feed_end(&f->feed, bus, mb, gone);
    return ret;
}

/* next_event() into an hsx_can_event_t. */
static int next_can_event(struct can_feed *f, uint8_t bus,
                          bool (*wanted)(const hsx_mailbox_event_t *), hsx_can_event_t *event,
                          uint32_t timeout_ms)
{
    hsx_mailbox_event_t ev;

    if (!valid_bus(bus) || !event)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = next_event(f, bus, wanted, timeout_ms, &ev);
    if (ret == HSX_HAL_OK)
        hsx_can_event_from_mailbox(&ev, event);
    return ret;
}

HSX_API int hsx_can_rx(hsx_can_frame_t *frame, uint32_t timeout_ms)
{
    hsx_mailbox_event_t ev;

    if (!frame)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = next_event(&rx, 0, classic_frame, timeout_ms, &ev);
    if (ret == HSX_HAL_OK)
        spec_frame(&ev, frame);
    return ret;
}

HSX_API int hsx_can_rx_ex(uint8_t bus, hsx_can_event_t *event, uint32_t timeout_ms)
{
    return next_can_event(&rx, bus, any_frame, event, timeout_ms);
}

HSX_API int hsx_can_wait_event(uint8_t bus, hsx_can_event_t *event, uint32_t timeout_ms)
{
    return next_can_event(&rx, bus, frame_or_done, event, timeout_ms);
}

HSX_API int hsx_can_wait_error(uint8_t bus, hsx_can_event_t *event, uint32_t timeout_ms)
{
    return next_can_event(&err, bus, error_event, event, timeout_ms);
}

/* ---- callbacks, on the dispatcher thread --------------------------------------------------- */

static void deliver_spec(hsx_mailbox_t *mailbox, const hsx_mailbox_event_t *ev, void *registration)
{
    hsx_can_rx_event_t out;
    hsx_can_frame_t frame;

    (void)mailbox;
    if (!is_can(ev) || !classic_frame(ev))
        return;
    spec_frame(ev, &frame);
    memset(&out, 0, sizeof(out));
    out.can_id = frame.can_id;
    out.dlc = frame.dlc;
    out.flags = frame.flags;
    memcpy(out.data, frame.data, sizeof(out.data));
    /* The spec's timestamp is 32 bits of microseconds: it wraps after 71 minutes. */
    out.timestamp = (uint32_t)(ev->timestamp_ns / 1000);
    hsx_hal_callback_run(registration, &out, sizeof(out));
}

static void deliver(const hsx_mailbox_event_t *ev, bool (*wanted)(const hsx_mailbox_event_t *),
                    void *registration)
{
    hsx_can_event_t out;

    /* The end of the subscription and a new one (core/feed.h), as notices. */
    static const uint8_t notices[] = {
        [HSX_FEED_NOTICE_UNBOUND] = HSX_CAN_EVENT_UNBOUND,
        [HSX_FEED_NOTICE_REBOUND] = HSX_CAN_EVENT_REBOUND,
        [HSX_FEED_NOTICE_ENDED] = HSX_CAN_EVENT_ENDED,
    };
    enum hsx_feed_notice notice = hsx_feed_notice_of(ev);
    if (notice != HSX_FEED_NOTICE_NONE) {
        memset(&out, 0, sizeof(out));
        out.bus = (uint8_t)hsx_hal_callback_object(registration);
        out.kind = notices[notice];
        hsx_hal_callback_run(registration, &out, sizeof(out));
        return;
    }
    if (!is_can(ev) || !wanted(ev))
        return;
    hsx_can_event_from_mailbox(ev, &out);
    hsx_hal_callback_run(registration, &out, sizeof(out));
}

static void deliver_event(hsx_mailbox_t *mailbox, const hsx_mailbox_event_t *ev, void *registration)
{
    (void)mailbox;
    deliver(ev, frame_or_done, registration);
}

static void deliver_error(hsx_mailbox_t *mailbox, const hsx_mailbox_event_t *ev, void *registration)
{
    (void)mailbox;
    deliver(ev, error_event, registration);
}

HSX_API int hsx_can_set_rx_callback(hsx_hal_event_callback_t callback, void *user_data)
{
    return hsx_feed_set_callback(&rx.feed, 0, deliver_spec, callback, user_data);
}

HSX_API int hsx_can_set_event_callback(uint8_t bus, hsx_hal_event_callback_t callback,
                                       void *user_data)
{
    if (!valid_bus(bus))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return hsx_feed_set_callback(&rx.feed, bus, deliver_event, callback, user_data);
}

HSX_API int hsx_can_set_error_callback(uint8_t bus, hsx_hal_event_callback_t callback,
                                       void *user_data)
{
    if (!valid_bus(bus))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return hsx_feed_set_callback(&err.feed, bus, deliver_error, callback, user_data);
}

/* ---- init ------------------------------------------------------------------------------- */

HSX_API int hsx_can_init_ex(uint8_t bus)
{
    if (!valid_bus(bus))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_feed_subscribe(&rx.feed, bus);
    return ret == HSX_HAL_OK ? hsx_feed_subscribe(&err.feed, bus) : ret;
}

HSX_API int hsx_can_init(void)
{
    return hsx_can_init_ex(0);
}
