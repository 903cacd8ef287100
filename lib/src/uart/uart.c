// SPDX-License-Identifier: MIT
/*
 * UART: hsx.ko binds ports 0..15 to serial ports of the machine. Writing,
 * polling, configuration and status are ioctls on /dev/hsx/uart; received
 * bytes come from the port's mailbox "hal:uart:<n>:rx", to which this process
 * subscribes once per port (hsx_uart_init(), or the first read or callback)
 * and stays subscribed, so no byte that arrives in between is missed.
 *
 * Reading. A read takes the port's turn (one reader at a time per port in
 * this process), then returns as soon as one event is there with every byte
 * queued behind it that fits (the one read of the queue file that brought
 * the event took every event queued): a run of consecutive bytes, never
 * split between readers or reordered. Bytes of an event that did not fit are
 * kept for the next read, events that did not fit in the mailbox handle.
 * Every event carries the port's count of bytes received before it, so bytes
 * this process missed (it read too slowly and the kernel dropped events for
 * it) are counted exactly, not guessed.
 *
 * The subscriptions are a feed (core/feed.h): a reader holds the port's
 * turn, and only the turn's holder touches the port's reader state below.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/access.h"
#include "core/callback.h"
#include "core/errors.h"
#include "core/export.h"
#include "core/feed.h"
#include "core/mailbox.h"
#include "core/thread.h"
#include "hsx_uapi.h"
#include "uart/uart.h"

_Static_assert(HSX_UART_PARITY_NONE == HSX_UART_PAR_NONE &&
                   HSX_UART_PARITY_EVEN == HSX_UART_PAR_EVEN &&
                   HSX_UART_PARITY_ODD == HSX_UART_PAR_ODD &&
                   HSX_UART_PARITY_MARK == HSX_UART_PAR_MARK &&
                   HSX_UART_PARITY_SPACE == HSX_UART_PAR_SPACE,
               "parities are the uAPI's values");
_Static_assert(HSX_UART_FLOW_NONE == HSX_UART_FC_NONE &&
                   HSX_UART_FLOW_RTSCTS == HSX_UART_FC_RTSCTS &&
                   HSX_UART_FLOW_XONXOFF == HSX_UART_FC_XONXOFF,
               "flow controls are the uAPI's values");
_Static_assert(HSX_UART_STATUS_TX_READY == HSX_UART_ST_TX_READY &&
                   HSX_UART_STATUS_RX_READY == HSX_UART_ST_RX_READY &&
                   HSX_UART_STATUS_OVERRUN == HSX_UART_ST_OVERRUN &&
                   HSX_UART_STATUS_PARITY_ERR == HSX_UART_ST_PARITY_ERR &&
                   HSX_UART_STATUS_FRAMING_ERR == HSX_UART_ST_FRAMING_ERR &&
                   HSX_UART_STATUS_BREAK == HSX_UART_ST_BREAK &&
                   HSX_UART_STATUS_TX_EMPTY == HSX_UART_ST_TX_EMPTY,
               "status bits are the uAPI's");
_Static_assert(HSX_UART_LINE_RTS == HSX_UART_LN_RTS && HSX_UART_LINE_DTR == HSX_UART_LN_DTR &&
                   HSX_UART_LINE_CTS == HSX_UART_LN_CTS && HSX_UART_LINE_DSR == HSX_UART_LN_DSR &&
                   HSX_UART_LINE_DCD == HSX_UART_LN_DCD && HSX_UART_LINE_RI == HSX_UART_LN_RI,
               "modem lines are the uAPI's");
_Static_assert(HSX_UART_DISCARD_RX == HSX_UART_DC_RX && HSX_UART_DISCARD_TX == HSX_UART_DC_TX,
               "discard bits are the uAPI's");
_Static_assert(HSX_UART_LINE_LOOP == HSX_UART_LN_LOOP, "loopback is the uAPI's bit");
_Static_assert(HSX_UART_EVENTS_IDLE == HSX_UART_EVF_IDLE &&
                   HSX_UART_EVENTS_TX_DONE == HSX_UART_EVF_TX_DONE &&
                   HSX_UART_EVENTS_MODEM == HSX_UART_EVF_MODEM,
               "event bits are the uAPI's");
_Static_assert(HSX_UART_EVENT_DATA == HSX_UART_EV_DATA && HSX_UART_EVENT_IDLE == HSX_UART_EV_IDLE &&
                   HSX_UART_EVENT_TX_DONE == HSX_UART_EV_TX_DONE &&
                   HSX_UART_EVENT_MODEM == HSX_UART_EV_MODEM,
               "event kinds are the uAPI's");
_Static_assert(HSX_UART_RX_OVERRUN == HSX_UART_RX_F_OVERRUN &&
                   HSX_UART_RX_PARITY == HSX_UART_RX_F_PARITY &&
                   HSX_UART_RX_FRAMING == HSX_UART_RX_F_FRAMING &&
                   HSX_UART_RX_BREAK == HSX_UART_RX_F_BREAK,
               "event flags are the uAPI's");
_Static_assert(HSX_UART_MAX_PORTS <= 32 &&
                   sizeof(((hsx_uart_rx_event_t *)0)->data) == HSX_UART_DATA_MAX,
               "ports and event data as the uAPI's");
_Static_assert(sizeof(((hsx_uart_info_t *)0)->tty) == HSX_UART_TTY_NAME_MAX,
               "tty names are the uAPI's size");

/* What this process's reader of one port keeps between events; the turn's holder's. */
struct uart_port {
    uint8_t carry[HSX_UART_DATA_MAX]; /* bytes of an event a read had no room for */
    uint8_t carry_off, carry_len, carry_flags;
    bool offset_known; /* next_offset is the rx_offset the next event should have */
    uint64_t next_offset;
};

static struct uart_port ports[HSX_UART_MAX_PORTS];
static struct hsx_feed_object port_turns[HSX_UART_MAX_PORTS];
static struct hsx_feed rx_feed = HSX_FEED_INIT(HSX_UMOD_UART, 0, port_turns);

static bool valid_port(uint8_t port)
{
    return port < HSX_UART_MAX_PORTS;
}

size_t hsx_uart_subscription_count(void)
{
    return hsx_feed_count(&rx_feed);
}

/* ---- fork ------------------------------------------------------------------------------- */

void hsx_uart_fork_prepare(void)
{
    hsx_feed_fork_prepare(&rx_feed);
}

void hsx_uart_fork_prepare_table(void)
{
    hsx_feed_fork_prepare_table(&rx_feed);
}

void hsx_uart_fork_parent(void)
{
    hsx_feed_fork_parent(&rx_feed);
}

/* The subscriptions and whatever a reader of the parent's held are the parent's. */
void hsx_uart_fork_child(void)
{
    hsx_feed_fork_child(&rx_feed);
    for (int i = 0; i < HSX_UART_MAX_PORTS; i++) {
        struct uart_port *p = &ports[i];

        p->carry_off = p->carry_len = p->carry_flags = 0;
        p->offset_known = false;
    }
}

void hsx_uart_fork_forget(void)
{
    hsx_feed_fork_forget(&rx_feed);
}

/* ---- subscriptions ------------------------------------------------------------------ */

/*
 * The line flags this library knows. Others a later hsx.ko may set are
 * dropped, so that none can read as a condition of the line it does not
 * know, nor as one of the library's notices (the uAPI keeps their bits).
 */
#define LINE_FLAGS                                                                                 \
    (HSX_UART_RX_F_OVERRUN | HSX_UART_RX_F_PARITY | HSX_UART_RX_F_FRAMING | HSX_UART_RX_F_BREAK)

_Static_assert(((HSX_UART_RX_UNBOUND | HSX_UART_RX_REBOUND | HSX_UART_RX_ENDED) & LINE_FLAGS) ==
                       0 &&
                   (HSX_UART_RX_UNBOUND | HSX_UART_RX_REBOUND | HSX_UART_RX_ENDED) ==
                       HSX_UART_RX_F_LIBRARY,
               "the library's notices are no line flag, in the bits the uAPI keeps for them");

static uint8_t line_flags(const hsx_mailbox_event_t *ev)
{
    return (uint8_t)(ev->u.uart.flags & LINE_FLAGS);
}

/*
 * On the dispatcher thread: a port's event, to the spec's callback; the end
 * of its subscription and a new one (core/feed.h), as notices without bytes.
 */
static void deliver_rx(hsx_mailbox_t *mailbox, const hsx_mailbox_event_t *event, void *registration)
{
    hsx_uart_rx_event_t rx;

    (void)mailbox;
    static const uint8_t notices[] = {
        [HSX_FEED_NOTICE_UNBOUND] = HSX_UART_RX_UNBOUND,
        [HSX_FEED_NOTICE_REBOUND] = HSX_UART_RX_REBOUND,
        [HSX_FEED_NOTICE_ENDED] = HSX_UART_RX_ENDED,
    };
    enum hsx_feed_notice notice = hsx_feed_notice_of(event);
    if (notice != HSX_FEED_NOTICE_NONE) {
        memset(&rx, 0, sizeof(rx));
        rx.port = (uint8_t)hsx_hal_callback_object(registration);
        rx.flags = notices[notice];
        hsx_hal_callback_run(registration, &rx, sizeof(rx));
        return;
    }
    if (event->type != HSX_MAILBOX_EVENT_DATA || event->module != HSX_MAILBOX_MODULE_UART ||
        event->u.uart.kind != HSX_UART_EV_DATA)
        return;
    hsx_uart_rx_from_mailbox(event, &rx);
    if (rx.length == 0 && rx.flags == 0)
        return; /* a condition of the line this library does not know: nothing to tell */
    hsx_hal_callback_run(registration, &rx, sizeof(rx));
}

void hsx_uart_rx_from_mailbox(const hsx_mailbox_event_t *in, hsx_uart_rx_event_t *out)
{
    memset(out, 0, sizeof(*out));
    out->port = (uint8_t)in->u.uart.port;
    out->length = in->u.uart.length;
    out->flags = line_flags(in);
    memcpy(out->data, in->u.uart.data, in->u.uart.length);
}

HSX_API int hsx_uart_set_rx_callback(uint8_t port, hsx_hal_event_callback_t callback,
                                     void *user_data)
{
    if (!valid_port(port))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return hsx_feed_set_callback(&rx_feed, port, deliver_rx, callback, user_data);
}

/* ---- reading -------------------------------------------------------------------------- */

/* Bytes kept from the previous read, first. Context: the caller has the turn. */
static uint32_t take_carry(struct uart_port *p, uint8_t *out, uint32_t max, uint8_t *flags)
{
    uint32_t n = p->carry_len - p->carry_off;

    if (n > max)
        n = max;
    memcpy(out, p->carry + p->carry_off, n);
    p->carry_off += (uint8_t)n;
    if (p->carry_off == p->carry_len) {
        *flags |= p->carry_flags;
        p->carry_off = p->carry_len = p->carry_flags = 0;
    }
    return n;
}

/*
 * One event into out (room for max more bytes): what fits is copied, the
 * rest kept. Its flags are reported with its last byte. Context: the turn.
 */
static uint32_t take_event(struct uart_port *p, const hsx_mailbox_event_t *ev, uint8_t *out,
                           uint32_t max, hsx_uart_read_info_t *info, bool first)
{
    uint32_t len = ev->u.uart.length, n = len < max ? len : max;
    uint64_t offset = ev->u.uart.offset;

    if (p->offset_known && offset > p->next_offset)
        info->lost_bytes += offset - p->next_offset;
    if (first)
        info->rx_offset = offset;
    p->offset_known = true;
    p->next_offset = offset + len;
    memcpy(out, ev->u.uart.data, n);
    if (n < len) {
        memcpy(p->carry, ev->u.uart.data + n, len - n);
        p->carry_off = 0;
        p->carry_len = (uint8_t)(len - n);
        p->carry_flags = line_flags(ev);
    } else {
        info->flags |= line_flags(ev);
    }
    return n;
}

/*
 * The port's next event, with the turn held; more: only one that the read
 * which brought the last came with (hsx_mailbox_recv_more()), else waiting
 * timeout_ms. HSX_HAL_CLOSED (*gone set) when the kernel ended the
 * subscription: a new binding counts bytes from 0.
 */
static int recv_event(struct uart_port *p, uint8_t port, hsx_mailbox_t *mb, hsx_mailbox_event_t *ev,
                      uint32_t timeout_ms, bool more, bool *gone)
{
    int ret = more ? hsx_mailbox_recv_more(mb, ev) : hsx_mailbox_recv(mb, ev, timeout_ms);

    if (ret == HSX_HAL_OK && ev->type == HSX_MAILBOX_EVENT_CLOSED)
        ret = hsx_fail_with(HSX_HAL_CLOSED, 0);
    if (ret == HSX_HAL_CLOSED) {
        *gone = true;
        p->offset_known = false;
    }
    if (ret == HSX_HAL_OK && (ev->module != HSX_MAILBOX_MODULE_UART || ev->u.uart.port != port ||
                              ev->u.uart.length > HSX_UART_DATA_MAX))
        ret = hsx_fail_with(HSX_HAL_ERROR, EPROTO);
    return ret;
}

HSX_API int hsx_uart_read_ex(uint8_t port, void *buffer, uint32_t max_length, uint32_t timeout_ms,
                             hsx_uart_read_info_t *info)
{
    hsx_uart_read_info_t local;
    hsx_mailbox_event_t ev;
    hsx_mailbox_t *mb;
    uint64_t start = hsx_start_ms(timeout_ms);
    uint8_t *out = buffer;
    uint32_t n = 0;
    bool gone = false, first = true, received = false;

    if (!valid_port(port) || !buffer || max_length == 0 || max_length > INT32_MAX)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    if (!info)
        info = &local;
    memset(info, 0, sizeof(*info));
    int ret = hsx_feed_begin(&rx_feed, port, timeout_ms, &mb);
    if (ret != HSX_HAL_OK)
        return ret;

    struct uart_port *p = &ports[port];
    if (p->carry_len) {
        info->rx_offset = p->next_offset - (p->carry_len - p->carry_off);
        n = take_carry(p, out, max_length, &info->flags);
        first = false;
    }
    while (n < max_length && p->carry_len == 0) {
        /*
         * Wait for the first bytes only; then take what the read of the queue
         * that brought them took along (all it held), without another system
         * call. After bytes carried from the last read, what is queued now.
         */
        ret = recv_event(p, port, mb, &ev, n ? 0 : hsx_remaining_ms(timeout_ms, start),
                         n && received, &gone);
        if (ret != HSX_HAL_OK)
            break;
        received = true;
        /* Line events (idle, tx done, modem) are for hsx_uart_wait_event(). */
        if (ev.u.uart.kind != HSX_UART_EV_DATA)
            continue;
        n += take_event(p, &ev, out + n, max_length - n, info, first);
        first = false;
        /*
         * A break or an overrun with no byte ends the read where it came:
         * with the bytes before it, or alone (0 bytes, info->flags says which).
         */
        if (ev.u.uart.length == 0 && line_flags(&ev))
            break;
    }
    hsx_feed_end(&rx_feed, port, mb, gone);
    if (n > 0)
        return (int)n;
    return ret; /* HSX_HAL_OK only for a zero-length event with flags alone */
}

HSX_API int hsx_uart_wait_event(uint8_t port, hsx_uart_event_t *event, uint32_t timeout_ms)
{
    hsx_uart_read_info_t info = {0};
    hsx_mailbox_event_t ev;
    hsx_mailbox_t *mb;
    uint64_t start = hsx_start_ms(timeout_ms);
    bool gone = false;

    if (!valid_port(port) || !event)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_feed_begin(&rx_feed, port, timeout_ms, &mb);
    if (ret != HSX_HAL_OK)
        return ret;

    struct uart_port *p = &ports[port];
    memset(event, 0, sizeof(*event));
    event->port = port;
    if (p->carry_len) {
        /* What a read left of an event comes first, as the rest of it. */
        event->offset = p->next_offset - (p->carry_len - p->carry_off);
        event->length = (uint8_t)take_carry(p, event->data, sizeof(event->data), &event->flags);
    } else {
        /* What the wait for the turn left of the timeout, as hsx_uart_read_ex(). */
        ret = recv_event(p, port, mb, &ev, hsx_remaining_ms(timeout_ms, start), false, &gone);
        if (ret == HSX_HAL_OK) {
            event->kind = ev.u.uart.kind;
            event->lines = ev.u.uart.lines;
            event->offset = ev.u.uart.offset;
            event->timestamp_ns = ev.timestamp_ns;
            if (ev.u.uart.kind == HSX_UART_EV_DATA) {
                event->length =
                    (uint8_t)take_event(p, &ev, event->data, sizeof(event->data), &info, true);
                event->flags = info.flags;
                event->lost_bytes = info.lost_bytes;
            }
        }
    }
    hsx_feed_end(&rx_feed, port, mb, gone);
    return ret;
}

HSX_API int hsx_uart_set_events(uint8_t port, uint32_t events, uint32_t idle_ms)
{
    struct hsx_uart_events arg = {.port = port, .events = events, .idle_ms = idle_ms};

    if (!valid_port(port) || (events & ~(uint32_t)HSX_UART_EVF_ALL) ||
        ((events & HSX_UART_EVF_IDLE) ? idle_ms == 0 || idle_ms > HSX_UART_IDLE_MAX_MS
                                      : idle_ms != 0))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return hsx_dev_ioctl(HSX_UMOD_UART, HSX_IOC_UART_SET_EVENTS, &arg);
}

HSX_API int hsx_uart_read(uint8_t port, void *buffer, uint32_t max_length, uint32_t timeout_ms)
{
    return hsx_uart_read_ex(port, buffer, max_length, timeout_ms, NULL);
}

HSX_API int hsx_uart_read_poll(uint8_t port, void *buffer, uint32_t max_length)
{
    if (!valid_port(port) || (!buffer && max_length) || max_length > INT32_MAX)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    struct hsx_uart_xfer arg = {
        .port = port,
        .len = max_length < HSX_UART_XFER_MAX ? max_length : HSX_UART_XFER_MAX,
        .buf = (uintptr_t)buffer,
    };
    int ret = hsx_dev_ioctl(HSX_UMOD_UART, HSX_IOC_UART_READ_POLL, &arg);
    return ret == HSX_HAL_OK ? (int)arg.done : ret;
}

/* ---- writing -------------------------------------------------------------------------- */

/*
 * Calls go on while each makes progress and time is left: a call returns
 * short (success with done < len) when a signal interrupted it after some
 * bytes or its timeout passed after some, and fails with EINTR when a signal
 * came before any (made again). Timeout 0 gives every call the kernel's
 * default; HSX_HAL_TIMEOUT_INF the longest, as often as bytes keep going.
 */
HSX_API int hsx_uart_write_timeout(uint8_t port, const void *data, uint32_t length,
                                   uint32_t timeout_ms)
{
    const uint8_t *bytes = data;
    uint64_t start = hsx_start_ms(timeout_ms);
    uint32_t done = 0;

    if (!valid_port(port) || (!data && length) || length > INT32_MAX ||
        (timeout_ms > HSX_UART_TIMEOUT_MAX_MS && timeout_ms != HSX_HAL_TIMEOUT_INF))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    while (done < length) {
        uint32_t left = length - done;
        struct hsx_uart_xfer arg = {
            .port = port,
            .len = left < HSX_UART_XFER_MAX ? left : HSX_UART_XFER_MAX,
            .buf = (uintptr_t)(bytes + done),
        };

        if (timeout_ms == HSX_HAL_TIMEOUT_INF) {
            arg.timeout_ms = HSX_UART_TIMEOUT_MAX_MS;
        } else if (timeout_ms) {
            arg.timeout_ms = hsx_remaining_ms(timeout_ms, start);
            if (arg.timeout_ms == 0)
                return done ? (int)done : hsx_fail_with(HSX_HAL_TIMEOUT, ETIMEDOUT);
        }
        int ret = hsx_dev_ioctl(HSX_UMOD_UART, HSX_IOC_UART_WRITE, &arg);
        if (ret != HSX_HAL_OK && hsx_hal_errno() == EINTR)
            continue;
        if (ret != HSX_HAL_OK)
            return done ? (int)done : ret;
        if (arg.done == 0 || arg.done > arg.len)
            break; /* no progress (not what the kernel does with bytes to write) */
        done += arg.done;
    }
    return (int)done;
}

HSX_API int hsx_uart_write(uint8_t port, const void *data, uint32_t length)
{
    return hsx_uart_write_timeout(port, data, length, 0);
}

HSX_API int hsx_uart_printf(uint8_t port, const char *format, ...)
{
    char small[256], *text = small;
    va_list ap;

    if (!valid_port(port) || !format)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    va_start(ap, format);
    int len = vsnprintf(small, sizeof(small), format, ap);
    va_end(ap);
    if (len < 0)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, errno);
    if ((size_t)len >= sizeof(small)) {
        text = malloc((size_t)len + 1);
        if (!text)
            return hsx_fail_with(HSX_HAL_NO_MEMORY, ENOMEM);
        va_start(ap, format);
        vsnprintf(text, (size_t)len + 1, format, ap);
        va_end(ap);
    }
    int ret = hsx_uart_write(port, text, (uint32_t)len);
    if (text != small)
        free(text);
    return ret;
}

/* ---- configuration and status ------------------------------------------------------------- */

HSX_API int hsx_uart_configure(uint8_t port, const hsx_uart_settings_t *s, uint32_t *baud_actual)
{
    if (!valid_port(port) || !s || s->baud == 0 || s->baud > HSX_UART_BAUD_MAX ||
        (s->data_bits && (s->data_bits < 5 || s->data_bits > 8)) ||
        s->parity > HSX_UART_PARITY_SPACE || (s->stop_bits != 1 && s->stop_bits != 2) ||
        s->flow > HSX_UART_FLOW_XONXOFF || s->reserved[0] || s->reserved[1])
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    struct hsx_uart_config arg = {
        .port = port,
        .baud = s->baud,
        .parity = s->parity,
        .stop_bits = s->stop_bits,
        .data_bits = s->data_bits,
        .flow = s->flow,
    };
    int ret = hsx_dev_ioctl(HSX_UMOD_UART, HSX_IOC_UART_CONFIG, &arg);
    if (ret == HSX_HAL_OK && baud_actual)
        *baud_actual = arg.baud_actual;
    return ret;
}

HSX_API int hsx_uart_config(uint8_t port, const hsx_uart_config_t *config)
{
    if (!config)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    hsx_uart_settings_t s = {
        .baud = (uint32_t)config->baud,
        .data_bits = 8,
        .parity = (uint8_t)config->parity,
        .stop_bits = (uint8_t)config->stop_bits,
    };
    /* Out-of-range enum values must not be truncated into valid ones. */
    if ((unsigned int)config->parity > HSX_UART_PARITY_SPACE || (unsigned int)config->stop_bits > 2)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return hsx_uart_configure(port, &s, NULL);
}

HSX_API int hsx_uart_init(uint8_t port)
{
    const hsx_uart_config_t config = {
        .baud = HSX_UART_BAUD_115200,
        .parity = HSX_UART_PARITY_NONE,
        .stop_bits = HSX_UART_STOP_1,
    };

    if (!valid_port(port))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    /* Subscribing first: an application that cannot listen leaves the port's settings alone. */
    int ret = hsx_feed_subscribe(&rx_feed, port);
    if (ret != HSX_HAL_OK)
        return ret;
    /* One without the config right (a reader) uses the port as it is set. */
    ret = hsx_uart_config(port, &config);
    return ret == HSX_HAL_DENIED ? HSX_HAL_OK : ret;
}

HSX_API int hsx_uart_get_status_ex(uint8_t port, hsx_uart_status_t *status)
{
    struct hsx_uart_status arg = {.port = port};

    if (!valid_port(port) || !status)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_dev_ioctl(HSX_UMOD_UART, HSX_IOC_UART_GET_STATUS, &arg);
    if (ret != HSX_HAL_OK)
        return ret;
    *status = (hsx_uart_status_t){
        .status = arg.status,
        .rx_available = arg.rx_available,
        .tx_pending = arg.tx_pending,
        .lines = arg.lines,
        .baud = arg.baud,
        .rx_bytes = arg.rx_bytes,
        .tx_bytes = arg.tx_bytes,
        .overruns = arg.overruns,
        .parity_errors = arg.parity_errors,
        .framing_errors = arg.framing_errors,
        .breaks = arg.breaks,
        .rx_dropped = arg.rx_dropped,
    };
    return HSX_HAL_OK;
}

/* The spec returns flags only: an error reads as no flag (hsx_hal_errno() says which). */
HSX_API uint32_t hsx_uart_get_status(uint8_t port)
{
    hsx_uart_status_t st;

    return hsx_uart_get_status_ex(port, &st) == HSX_HAL_OK ? st.status : 0;
}

HSX_API int hsx_uart_set_lines(uint8_t port, uint32_t set, uint32_t clear, uint32_t *lines)
{
    struct hsx_uart_modem arg = {.port = port, .set = set, .clear = clear};

    if (!valid_port(port) || ((set | clear) & ~(uint32_t)HSX_UART_LN_OUT) || (set & clear))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_dev_ioctl(HSX_UMOD_UART, HSX_IOC_UART_MODEM, &arg);
    if (ret == HSX_HAL_OK && lines)
        *lines = arg.lines;
    return ret;
}

static int control(uint8_t port, unsigned long request, uint32_t value)
{
    struct hsx_uart_ctl arg = {.port = port, .value = value};

    if (!valid_port(port))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return hsx_dev_ioctl(HSX_UMOD_UART, request, &arg);
}

HSX_API int hsx_uart_send_break(uint8_t port, uint32_t duration_ms)
{
    if (duration_ms == 0 || duration_ms > HSX_UART_BREAK_MAX_MS)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return control(port, HSX_IOC_UART_BREAK, duration_ms);
}

HSX_API int hsx_uart_drain(uint8_t port, uint32_t timeout_ms)
{
    if (timeout_ms > HSX_UART_TIMEOUT_MAX_MS)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return control(port, HSX_IOC_UART_DRAIN, timeout_ms);
}

HSX_API int hsx_uart_discard(uint8_t port, uint32_t which)
{
    if (which == 0 || (which & ~(uint32_t)(HSX_UART_DISCARD_RX | HSX_UART_DISCARD_TX)))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return control(port, HSX_IOC_UART_DISCARD, which);
}

HSX_API int hsx_uart_get_info(uint8_t port, hsx_uart_info_t *info)
{
    struct hsx_uart_info arg = {.port = port};

    if (!valid_port(port) || !info)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_dev_ioctl(HSX_UMOD_UART, HSX_IOC_UART_INFO, &arg);
    if (ret != HSX_HAL_OK)
        return ret;
    *info = (hsx_uart_info_t){
        .port = port,
        .bound = arg.bound != 0,
        .from_device_tree = arg.from_dt != 0,
        .settings =
            {
                .baud = arg.config.baud,
                .data_bits = (uint8_t)arg.config.data_bits,
                .parity = (uint8_t)arg.config.parity,
                .stop_bits = (uint8_t)arg.config.stop_bits,
                .flow = (uint8_t)arg.config.flow,
            },
        .baud_actual = arg.config.baud_actual,
    };
    size_t len = strnlen(arg.tty, sizeof(arg.tty) - 1);
    memcpy(info->tty, arg.tty, len);
    info->tty[len] = '\0';
    return HSX_HAL_OK;
}
