// SPDX-License-Identifier: MIT
/*
 * The CAN module (0x11) to user space: /dev/hsx/can and /dev/hsx/can<n>,
 * "hal:can:<n>:rx" (frames, and the TX_DONE of this file's non-blocking
 * sends), "hal:can:<n>:err" (error frames, state changes) and the spec's
 * "hal:can:rx" (bus 0's frames); events from either transport; capabilities
 * on buses with an ID range each way and the config right.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "can/can_module.h"
#include "core/module_sel_can.h"
#include "core/wire_attr.h"
#include "hsx_can.h"
#include "modules.h"

#define ALL_FLAGS                                                                                  \
    (HSX_CAN_F_EXT | HSX_CAN_F_RTR | HSX_CAN_F_FD | HSX_CAN_F_BRS | HSX_CAN_F_ESI | HSX_CAN_F_LOCAL)
#define ERROR_DATA 8 /* an error frame's detail bytes */

bool hsx_can_frame_valid(uint32_t id, uint32_t flags, uint32_t len, uint32_t allowed)
{
    const bool fd = flags & HSX_CAN_F_FD;

    if (flags & ~allowed)
        return false;
    if (id > ((flags & HSX_CAN_F_EXT) ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK))
        return false;
    if (fd ? (flags & HSX_CAN_F_RTR) != 0 : (flags & (HSX_CAN_F_BRS | HSX_CAN_F_ESI)) != 0)
        return false;
    if (len <= 8)
        return true;
    return fd && (len == 12 || len == 16 || len == 20 || len == 24 || len == 32 || len == 48 ||
                  len == HSX_CAN_DATA_MAX);
}

/* The bytes a frame carries: none for a remote request, whatever length it asks. */
static uint32_t data_len(uint32_t kind, uint32_t flags, uint32_t len)
{
    return kind != HSX_CAN_EV_ERROR && (flags & HSX_CAN_F_RTR) ? 0 : len;
}

/* A kind this library knows; a newer kernel's others are left undecoded (module NONE). */
static bool kind_known(uint32_t kind)
{
    return kind <= HSX_CAN_EV_TX_FAILED;
}

/*
 * What hsx_mailbox_event_t can represent of a known kind; anything else is
 * -EPROTO (that one event). A periodic job's end carries its slot in state
 * and its failed sends in tx_errors; a watch's timeout its slot in state and
 * its count in cookie. The reason (TX_FAILED's HSX_CAN_TXF_*, PERIODIC_END's
 * HSX_CAN_END_*) is not judged beyond TX_FAILED having one: a kernel with
 * more reasons than this library knows does not break the stream, and the
 * application sees the number.
 */
static int check_event(uint32_t bus, uint32_t kind, uint32_t id, uint32_t flags, uint32_t len,
                       uint32_t state, uint32_t tx_errors, uint32_t rx_errors, uint32_t reason)
{
    if (bus >= HSX_CAN_MAX_BUSES)
        return -EPROTO;
    if (kind == HSX_CAN_EV_TX_FAILED && !reason)
        return -EPROTO;
    if (kind == HSX_CAN_EV_RX_TIMEOUT) /* a watch's slot and ID, no bytes */
        return state < HSX_CAN_WATCH_MAX && !len &&
                       hsx_can_frame_valid(id, flags, len, HSX_CAN_F_EXT)
                   ? 0
                   : -EPROTO;
    if (kind == HSX_CAN_EV_PERIODIC_END)
        return state < HSX_CAN_PERIODIC_MAX && tx_errors <= UINT16_MAX &&
                       hsx_can_frame_valid(id, flags, len, HSX_CAN_F_TX)
                   ? 0
                   : -EPROTO;
    if (kind == HSX_CAN_EV_ERROR)
        return len <= ERROR_DATA && id <= HSX_CAN_EFF_MASK && state <= HSX_CAN_STATE_NONE &&
                       tx_errors <= UINT16_MAX && rx_errors <= UINT16_MAX
                   ? 0
                   : -EPROTO;
    return hsx_can_frame_valid(id, flags, len, ALL_FLAGS) ? 0 : -EPROTO;
}

/*
 * The library's kind (hsx_can_event_kind_t) of a checked uAPI kind: the same
 * up to ERROR; the library's 3..5 are its own notices, so the uAPI's later
 * kinds come after them.
 */
static uint32_t hsx_can_library_kind(uint32_t kind)
{
    switch (kind) {
    case HSX_CAN_EV_PERIODIC_END:
        return HSX_CAN_EVENT_PERIODIC_END;
    case HSX_CAN_EV_RX_TIMEOUT:
        return HSX_CAN_EVENT_RX_TIMEOUT;
    case HSX_CAN_EV_TX_FAILED:
        return HSX_CAN_EVENT_TX_FAILED;
    default:
        return kind;
    }
}

/* The event from checked values: what only its kind carries is kept, the rest zero. */
static void fill(hsx_mailbox_event_t *event, uint32_t bus, uint32_t kind, uint32_t id,
                 uint32_t flags, uint32_t len, const uint8_t *data, uint64_t cookie, uint32_t state,
                 uint32_t tx_errors, uint32_t rx_errors, uint32_t reason)
{
    const bool error = kind == HSX_CAN_EV_ERROR;
    const bool sent = kind == HSX_CAN_EV_TX_DONE || kind == HSX_CAN_EV_TX_FAILED;
    const bool end = kind == HSX_CAN_EV_PERIODIC_END;
    const bool watch = kind == HSX_CAN_EV_RX_TIMEOUT;

    event->module = HSX_MAILBOX_MODULE_CAN;
    memset(&event->u, 0, sizeof(event->u));
    event->u.can.bus = bus;
    event->u.can.kind = (uint8_t)hsx_can_library_kind(kind);
    event->u.can.reason = reason;
    event->u.can.flags = error ? 0 : (uint8_t)flags;
    event->u.can.len = (uint8_t)len;
    event->u.can.id = id;
    event->u.can.cookie = sent || end || watch ? cookie : 0;
    event->u.can.state = error || end || watch ? (uint8_t)state : 0;
    event->u.can.tx_errors = error || end ? (uint16_t)tx_errors : 0;
    event->u.can.rx_errors = error ? (uint16_t)rx_errors : 0;
    if (data_len(kind, flags, len))
        memcpy(event->u.can.data, data, data_len(kind, flags, len));
}

static int decode_record(const void *record, hsx_mailbox_event_t *event)
{
    struct hsx_can_record r;

    memcpy(&r, record, sizeof(r));
    /* An error frame's class is its own field; its frame has only the detail bytes. */
    uint32_t id = r.kind == HSX_CAN_EV_ERROR ? r.error : r.frame.can_id;
    /* What is not an error frame's class is a reason (none: 0). */
    uint32_t reason = r.kind == HSX_CAN_EV_ERROR ? 0 : r.error;
    if (!kind_known(r.kind))
        return 0;
    if (check_event(r.bus, r.kind, id, r.frame.flags, r.frame.len, r.state, r.tx_errors,
                    r.rx_errors, reason) < 0)
        return -EPROTO;
    fill(event, r.bus, r.kind, id, r.frame.flags, r.frame.len, r.frame.data, r.cookie, r.state,
         r.tx_errors, r.rx_errors, reason);
    return 0;
}

static const enum mnl_attr_data_type attr_types[HSX_CAN_A_MAX + 1] = {
    [HSX_CAN_A_BUS] = MNL_TYPE_U32,       [HSX_CAN_A_KIND] = MNL_TYPE_U32,
    [HSX_CAN_A_ID] = MNL_TYPE_U32,        [HSX_CAN_A_FLAGS] = MNL_TYPE_U32,
    [HSX_CAN_A_LEN] = MNL_TYPE_U32,       [HSX_CAN_A_DATA] = MNL_TYPE_BINARY,
    [HSX_CAN_A_COOKIE] = MNL_TYPE_U64,    [HSX_CAN_A_STATE] = MNL_TYPE_U32,
    [HSX_CAN_A_TX_ERRORS] = MNL_TYPE_U32, [HSX_CAN_A_RX_ERRORS] = MNL_TYPE_U32,
    [HSX_CAN_A_REASON] = MNL_TYPE_U32,
};

/*
 * Bus, ID and length are required; kind (a frame), flags, cookie, state and
 * counters default to 0. The data may hold more than the frame's bytes (only
 * those are kept), not fewer; a frame without bytes may leave it out.
 */
static int decode_nest(const struct nlattr *nest, hsx_mailbox_event_t *event)
{
    const struct nlattr *tb[HSX_CAN_A_MAX + 1] = {0};
    int ret = hsx_wire_parse_nest(nest, attr_types, HSX_CAN_A_MAX, tb);

    if (ret < 0)
        return ret;
    if (!tb[HSX_CAN_A_BUS] || !tb[HSX_CAN_A_ID] || !tb[HSX_CAN_A_LEN])
        return -EBADMSG;
    uint32_t bus = hsx_attr_u32(tb[HSX_CAN_A_BUS]);
    uint32_t kind = hsx_attr_u32_or_zero(tb[HSX_CAN_A_KIND]);
    uint32_t id = hsx_attr_u32(tb[HSX_CAN_A_ID]);
    uint32_t flags = hsx_attr_u32_or_zero(tb[HSX_CAN_A_FLAGS]);
    uint32_t len = hsx_attr_u32(tb[HSX_CAN_A_LEN]);
    uint32_t state = hsx_attr_u32_or_zero(tb[HSX_CAN_A_STATE]);
    uint32_t tx_errors = hsx_attr_u32_or_zero(tb[HSX_CAN_A_TX_ERRORS]);
    uint32_t rx_errors = hsx_attr_u32_or_zero(tb[HSX_CAN_A_RX_ERRORS]);
    uint32_t reason = hsx_attr_u32_or_zero(tb[HSX_CAN_A_REASON]);
    if (!kind_known(kind))
        return 0;
    if (check_event(bus, kind, id, flags, len, state, tx_errors, rx_errors, reason) < 0)
        return -EPROTO;
    uint32_t have = tb[HSX_CAN_A_DATA] ? mnl_attr_get_payload_len(tb[HSX_CAN_A_DATA]) : 0;
    if (have > HSX_CAN_DATA_MAX || have < data_len(kind, flags, len))
        return -EBADMSG;
    fill(event, bus, kind, id, flags, len,
         tb[HSX_CAN_A_DATA] ? mnl_attr_get_payload(tb[HSX_CAN_A_DATA]) : NULL,
         hsx_attr_u64_or_zero(tb[HSX_CAN_A_COOKIE]), state, tx_errors, rx_errors, reason);
    return 0;
}

/* ---- words ---------------------------------------------------------------------------- */

char *hsx_can_format_frame(char *buf, size_t size, uint32_t id, uint32_t flags, uint32_t len,
                           const uint8_t *data)
{
    const bool fd = flags & HSX_CAN_F_FD;
    size_t used;
    int n;

    /* candump: the ID in 3 or 8 digits, then "   [4]" (classic) or "  [12]" (FD). */
    if (flags & HSX_CAN_F_EXT)
        n = snprintf(buf, size, fd ? "%08X  [%02u]" : "%08X   [%u]", id, len);
    else
        n = snprintf(buf, size, fd ? "%03X  [%02u]" : "%03X   [%u]", id, len);
    if (n < 0 || (size_t)n >= size)
        return buf;
    used = (size_t)n;
    if (!fd && (flags & HSX_CAN_F_RTR)) {
        snprintf(buf + used, size - used, "  remote request");
        return buf;
    }
    if (len)
        n = snprintf(buf + used, size - used, " ");
    for (uint32_t i = 0; i < len && n >= 0 && used + (size_t)n < size; i++) {
        used += (size_t)n;
        n = snprintf(buf + used, size - used, " %02X", data[i]);
    }
    return buf;
}

const char *hsx_can_state_name(uint32_t state)
{
    static const char *const names[] = {
        [HSX_CAN_STATE_ACTIVE] = "error-active",
        [HSX_CAN_STATE_WARNING] = "error-warning",
        [HSX_CAN_STATE_PASSIVE] = "error-passive",
        [HSX_CAN_STATE_BUS_OFF] = "bus-off",
        [HSX_CAN_STATE_STOPPED] = "stopped",
        [HSX_CAN_STATE_SLEEPING] = "sleeping",
        [HSX_CAN_STATE_NONE] = "none",
    };

    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

const char *hsx_can_kind_name(uint32_t kind)
{
    static const char *const names[] = {
        [HSX_CAN_EV_FRAME] = "frame",
        [HSX_CAN_EV_TX_DONE] = "tx-done",
        [HSX_CAN_EV_ERROR] = "error",
        [HSX_CAN_EVENT_PERIODIC_END] = "periodic-end",
        [HSX_CAN_EVENT_RX_TIMEOUT] = "rx-timeout",
        [HSX_CAN_EVENT_TX_FAILED] = "tx-failed",
    };

    return kind < sizeof(names) / sizeof(names[0]) && names[kind] ? names[kind] : "?";
}

/* A TX_FAILED's or a PERIODIC_END's reason (of the library's @kind), as hsxctl prints it. */
static const char *reason_name(uint32_t kind, uint32_t reason)
{
    static const char *const failed[] = {
        [HSX_CAN_TXF_TIMEOUT] = "timeout", [HSX_CAN_TXF_DOWN] = "down",
        [HSX_CAN_TXF_BUS_OFF] = "bus-off", [HSX_CAN_TXF_GONE] = "gone",
        [HSX_CAN_TXF_CLOSED] = "closed",
    };
    static const char *const ended[] = {
        [HSX_CAN_END_COUNT] = "count",
        [HSX_CAN_END_REVOKED] = "revoked",
        [HSX_CAN_END_GONE] = "gone",
        [HSX_CAN_END_FAILED] = "failed",
    };

    if (kind == HSX_CAN_EVENT_PERIODIC_END)
        return reason < sizeof(ended) / sizeof(ended[0]) && ended[reason] ? ended[reason] : "?";
    return reason < sizeof(failed) / sizeof(failed[0]) && failed[reason] ? failed[reason] : "?";
}

char *hsx_can_format_flags(char *buf, size_t size, uint32_t flags)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {HSX_CAN_F_EXT, "ext"}, {HSX_CAN_F_RTR, "rtr"}, {HSX_CAN_F_FD, "fd"},
        {HSX_CAN_F_BRS, "brs"}, {HSX_CAN_F_ESI, "esi"}, {HSX_CAN_F_LOCAL, "local"},
    };
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(flags & names[i].bit))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", names[i].name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* The bytes as hex: "deadbeef" (JSON) or "DE AD BE EF" (text). */
static char *format_hex(char *buf, size_t size, const uint8_t *data, uint32_t len, bool spaced)
{
    size_t used = 0;

    buf[0] = '\0';
    for (uint32_t i = 0; i < len; i++) {
        int n = snprintf(buf + used, size - used, spaced ? "%s%02X" : "%s%02x",
                         spaced && i ? " " : "", data[i]);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

static char *format_json(char *buf, size_t size, const hsx_mailbox_event_t *ev)
{
    char flags[48], hex[2 * HSX_CAN_DATA_MAX + 1];
    const uint32_t len = ev->u.can.len <= HSX_CAN_DATA_MAX ? ev->u.can.len : 0;
    const uint32_t bytes = data_len(ev->u.can.kind, ev->u.can.flags, len);

    format_hex(hex, sizeof(hex), ev->u.can.data, bytes, false);
    if (ev->u.can.kind == HSX_CAN_EV_ERROR)
        snprintf(buf, size,
                 ",\"can\":{\"bus\":%" PRIu32 ",\"kind\":\"error\",\"class\":%" PRIu32
                 ",\"state\":\"%s\",\"tx_errors\":%u,\"rx_errors\":%u,\"data\":\"%s\"}",
                 ev->u.can.bus, ev->u.can.id, hsx_can_state_name(ev->u.can.state),
                 ev->u.can.tx_errors, ev->u.can.rx_errors, hex);
    else
        snprintf(buf, size,
                 ",\"can\":{\"bus\":%" PRIu32 ",\"kind\":\"%s\",\"id\":%" PRIu32
                 ",\"flags\":\"%s\",\"len\":%" PRIu32 ",\"data\":\"%s\",\"cookie\":%" PRIu64
                 "%s%s%s}",
                 ev->u.can.bus, hsx_can_kind_name(ev->u.can.kind), ev->u.can.id,
                 hsx_can_format_flags(flags, sizeof(flags), ev->u.can.flags), len, hex,
                 ev->u.can.cookie, ev->u.can.reason ? ",\"reason\":\"" : "",
                 ev->u.can.reason ? reason_name(ev->u.can.kind, ev->u.can.reason) : "",
                 ev->u.can.reason ? "\"" : "");
    return buf;
}

/*
 * Text: " bus=0  123   [4]  DE AD BE EF" (candump's frame), then " flags=..."
 * for what candump does not show (brs, esi, local); a TX_DONE has
 * " tx-done cookie=N" before the frame, a TX_FAILED " tx-failed cookie=N
 * reason=R", a PERIODIC_END " periodic-end slot=S reason=R sent=N failed=F";
 * an RX_TIMEOUT is " rx-timeout slot=S timeouts=N id=I"; an error its class,
 * state, counters and detail bytes.
 */
static char *format_event(char *buf, size_t size, const hsx_mailbox_event_t *ev, bool json)
{
    char frame[HSX_CAN_FRAME_TEXT_MAX], flags[48], hex[3 * ERROR_DATA];
    const uint32_t len = ev->u.can.len <= HSX_CAN_DATA_MAX ? ev->u.can.len : 0;

    if (json)
        return format_json(buf, size, ev);
    if (ev->u.can.kind == HSX_CAN_EV_ERROR) {
        snprintf(buf, size,
                 " bus=%" PRIu32 " error class=0x%08" PRIx32
                 " state=%s tx_errors=%u rx_errors=%u data=%s",
                 ev->u.can.bus, ev->u.can.id, hsx_can_state_name(ev->u.can.state),
                 ev->u.can.tx_errors, ev->u.can.rx_errors,
                 format_hex(hex, sizeof(hex), ev->u.can.data, len < 8 ? len : 8, true));
        return buf;
    }
    hsx_can_format_frame(frame, sizeof(frame), ev->u.can.id, ev->u.can.flags, len, ev->u.can.data);
    hsx_can_format_flags(flags, sizeof(flags),
                         ev->u.can.flags & (HSX_CAN_F_BRS | HSX_CAN_F_ESI | HSX_CAN_F_LOCAL));
    if (ev->u.can.kind == HSX_CAN_EV_TX_DONE)
        snprintf(buf, size, " bus=%" PRIu32 " tx-done cookie=%" PRIu64 "  %s%s%s", ev->u.can.bus,
                 ev->u.can.cookie, frame, flags[0] ? " flags=" : "", flags);
    else if (ev->u.can.kind == HSX_CAN_EVENT_TX_FAILED)
        snprintf(buf, size, " bus=%" PRIu32 " tx-failed cookie=%" PRIu64 " reason=%s  %s%s%s",
                 ev->u.can.bus, ev->u.can.cookie, reason_name(ev->u.can.kind, ev->u.can.reason),
                 frame, flags[0] ? " flags=" : "", flags);
    else if (ev->u.can.kind == HSX_CAN_EVENT_PERIODIC_END)
        snprintf(buf, size,
                 " bus=%" PRIu32 " periodic-end slot=%u reason=%s sent=%" PRIu64 " failed=%u  %s",
                 ev->u.can.bus, ev->u.can.state, reason_name(ev->u.can.kind, ev->u.can.reason),
                 ev->u.can.cookie, ev->u.can.tx_errors, frame);
    else if (ev->u.can.kind == HSX_CAN_EVENT_RX_TIMEOUT)
        snprintf(buf, size,
                 " bus=%" PRIu32 " rx-timeout slot=%u timeouts=%" PRIu64 " id=%s%" PRIX32,
                 ev->u.can.bus, ev->u.can.state, ev->u.can.cookie,
                 ev->u.can.flags & HSX_CAN_F_EXT ? "ext:" : "", ev->u.can.id);
    else
        snprintf(buf, size, " bus=%" PRIu32 "  %s%s%s", ev->u.can.bus, frame,
                 flags[0] ? " flags=" : "", flags);
    return buf;
}

static const struct hsx_umod_right own_rights[] = {
    {"config", HSX_CAP_R_CAN_CONFIG},
    {NULL, 0},
};

/* A policy's can = { bus = ...; tx_ids = "..."; rx_ids = "..."; rights = [...]; }. */
static const struct hsx_umod_sel_key keys[] = {
    {.name = "bus", .example = "0-1", .required = true, .list = true},
    {.name = "tx_ids", .example = "0x100-0x1ff", .text_only = true},
    {.name = "rx_ids", .example = "std", .text_only = true},
    {NULL, NULL, false, false, false},
};

const struct hsx_umodule hsx_umod_can = {
    .id = HSX_MODULE_CAN,
    .name = "can",
    .flags = HSX_UMOD_NODE | HSX_UMOD_INSTANCES | HSX_UMOD_CAPS,
    .mailboxes = {"hal:can:%llu:rx", "hal:can:%llu:err", HSX_MBOX_CAN_RX},
    .nl_nest = HSX_A_EVT_CAN,
    /* 1024 frames: a loaded 1 Mbit/s bus for about 120 ms, for a reader to come back. */
    .queue_len = HSX_MBOX_QUEUE_MAX,
    .record_size = sizeof(struct hsx_can_record),
    .decode_record = decode_record,
    .decode_nest = decode_nest,
    .format_event = format_event,
    .rights = HSX_CAP_R_CAN_ALL,
    .own = own_rights,
    .sel =
        {
            .kind = HSX_UMOD_SEL_CAN,
            .ops = &hsx_umod_sel_can_ops,
            .word = "buses",
            .noun = "bus",
            .limit = HSX_CAN_MAX_BUSES,
            .keys = keys,
        },
};
