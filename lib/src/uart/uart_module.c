// SPDX-License-Identifier: MIT
/*
 * The UART module (0x10) to user space: /dev/hsx/uart and /dev/hsx/uart<n>,
 * "hal:uart:<n>:rx", received bytes from either transport, and capabilities
 * on sets of ports with the config and modem rights.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/wire_attr.h"
#include "modules.h"

static int check_event(uint32_t port, uint32_t kind, uint32_t length, uint32_t flags)
{
    if (port >= HSX_UART_MAX_PORTS || kind > HSX_UART_EV_MODEM || length > HSX_UART_DATA_MAX ||
        flags > 0xff || (kind != HSX_UART_EV_DATA && (length || flags)))
        return -EPROTO;
    return 0;
}

static int decode_record(const void *record, hsx_mailbox_event_t *event)
{
    struct hsx_uart_record r;

    memcpy(&r, record, sizeof(r));
    if (check_event(r.port, r.kind, r.length, r.flags) < 0)
        return -EPROTO;
    event->module = HSX_MAILBOX_MODULE_UART;
    event->u.uart.port = r.port;
    event->u.uart.kind = r.kind;
    event->u.uart.length = r.length;
    event->u.uart.flags = r.flags;
    event->u.uart.lines = r.lines;
    event->u.uart.offset = r.offset;
    memcpy(event->u.uart.data, r.data, r.length);
    return 0;
}

static const enum mnl_attr_data_type attr_types[HSX_UART_A_MAX + 1] = {
    [HSX_UART_A_PORT] = MNL_TYPE_U32,  [HSX_UART_A_DATA] = MNL_TYPE_BINARY,
    [HSX_UART_A_FLAGS] = MNL_TYPE_U32, [HSX_UART_A_OFFSET] = MNL_TYPE_U64,
    [HSX_UART_A_KIND] = MNL_TYPE_U32,  [HSX_UART_A_LINES] = MNL_TYPE_U32,
};

/* Port, data and offset are required; kind (data), flags and lines default to 0. */
static int decode_nest(const struct nlattr *nest, hsx_mailbox_event_t *event)
{
    const struct nlattr *tb[HSX_UART_A_MAX + 1] = {0};
    int ret = hsx_wire_parse_nest(nest, attr_types, HSX_UART_A_MAX, tb);

    if (ret < 0)
        return ret;
    if (!tb[HSX_UART_A_PORT] || !tb[HSX_UART_A_DATA] || !tb[HSX_UART_A_OFFSET])
        return -EBADMSG;
    uint32_t port = hsx_attr_u32(tb[HSX_UART_A_PORT]);
    uint32_t kind = hsx_attr_u32_or_zero(tb[HSX_UART_A_KIND]);
    uint32_t length = mnl_attr_get_payload_len(tb[HSX_UART_A_DATA]);
    uint32_t flags = hsx_attr_u32_or_zero(tb[HSX_UART_A_FLAGS]);
    if (check_event(port, kind, length, flags) < 0)
        return -EPROTO;
    event->module = HSX_MAILBOX_MODULE_UART;
    event->u.uart.port = port;
    event->u.uart.kind = (uint8_t)kind;
    event->u.uart.length = (uint8_t)length;
    event->u.uart.flags = (uint8_t)flags;
    event->u.uart.lines = hsx_attr_u32_or_zero(tb[HSX_UART_A_LINES]);
    event->u.uart.offset = hsx_attr_u64(tb[HSX_UART_A_OFFSET]);
    memcpy(event->u.uart.data, mnl_attr_get_payload(tb[HSX_UART_A_DATA]), length);
    return 0;
}

/* The flags as words: "parity,break", "" for none. */
static void format_flags(char *buf, size_t size, uint8_t flags)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {
        {HSX_UART_RX_F_OVERRUN, "overrun"},
        {HSX_UART_RX_F_PARITY, "parity"},
        {HSX_UART_RX_F_FRAMING, "framing"},
        {HSX_UART_RX_F_BREAK, "break"},
    };
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(flags & names[i].bit))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", names[i].name);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

/*
 * The data in hex, and as text with everything but printable ASCII escaped
 * (\xNN, and \" \\ for JSON), so that a line of output is always one line.
 */
static void format_data(char *hex, char *text, size_t text_size, const uint8_t *data,
                        unsigned int len)
{
    size_t t = 0;

    for (unsigned int i = 0; i < len; i++) {
        snprintf(hex + 2 * i, 3, "%02x", data[i]);
        const char *esc = data[i] == '"' ? "\\\"" : data[i] == '\\' ? "\\\\" : NULL;
        int n = esc ? snprintf(text + t, text_size - t, "%s", esc)
                : (data[i] >= 0x20 && data[i] < 0x7f)
                    ? snprintf(text + t, text_size - t, "%c", data[i])
                    : snprintf(text + t, text_size - t, "\\x%02x", data[i]);
        if (n < 0 || (size_t)n >= text_size - t)
            break;
        t += (size_t)n;
    }
    hex[2 * len] = '\0';
}

static const char *const kind_names[] = {
    [HSX_UART_EV_DATA] = "data",
    [HSX_UART_EV_IDLE] = "idle",
    [HSX_UART_EV_TX_DONE] = "tx-done",
    [HSX_UART_EV_MODEM] = "modem",
};

static char *format_event(char *buf, size_t size, const hsx_mailbox_event_t *ev, bool json)
{
    char hex[2 * HSX_UART_DATA_MAX + 1], text[4 * HSX_UART_DATA_MAX + 1] = "", flags[48];
    unsigned int len = ev->u.uart.length <= HSX_UART_DATA_MAX ? ev->u.uart.length : 0;
    const char *kind = ev->u.uart.kind <= HSX_UART_EV_MODEM ? kind_names[ev->u.uart.kind] : "?";

    format_data(hex, text, sizeof(text), ev->u.uart.data, len);
    format_flags(flags, sizeof(flags), ev->u.uart.flags);
    if (json)
        snprintf(buf, size,
                 ",\"uart\":{\"port\":%" PRIu32 ",\"kind\":\"%s\",\"offset\":%" PRIu64
                 ",\"length\":%u,\"flags\":\"%s\",\"lines\":%" PRIu32
                 ",\"hex\":\"%s\",\"text\":\"%s\"}",
                 ev->u.uart.port, kind, ev->u.uart.offset, len, flags, ev->u.uart.lines, hex, text);
    else if (ev->u.uart.kind == HSX_UART_EV_DATA)
        snprintf(buf, size, " port=%" PRIu32 " offset=%" PRIu64 " len=%u%s%s hex=%s text=\"%s\"",
                 ev->u.uart.port, ev->u.uart.offset, len, flags[0] ? " flags=" : "", flags, hex,
                 text);
    else
        snprintf(buf, size, " port=%" PRIu32 " %s offset=%" PRIu64 " lines=0x%" PRIx32,
                 ev->u.uart.port, kind, ev->u.uart.offset, ev->u.uart.lines);
    return buf;
}

static const struct hsx_umod_right own_rights[] = {
    {"config", HSX_CAP_R_UART_CONFIG},
    {"modem", HSX_CAP_R_UART_MODEM},
    {NULL, 0},
};

const struct hsx_umodule hsx_umod_uart = {
    .id = HSX_MODULE_UART,
    .name = "uart",
    .flags = HSX_UMOD_NODE | HSX_UMOD_INSTANCES | HSX_UMOD_CAPS,
    .mailboxes = {"hal:uart:%llu:rx"},
    .nl_nest = HSX_A_EVT_UART,
    /* 32 KiB of received bytes: about 3 s at 115200 baud for a reader to come back. */
    .queue_len = HSX_MBOX_QUEUE_MAX,
    .record_size = sizeof(struct hsx_uart_record),
    .decode_record = decode_record,
    .decode_nest = decode_nest,
    .format_event = format_event,
    .rights = HSX_CAP_R_UART_ALL,
    .own = own_rights,
    .sel =
        {
            .kind = HSX_UMOD_SEL_SET,
            .ops = &hsx_umod_sel_set_ops,
            .word = "ports",
            .noun = "port",
            .limit = HSX_UART_MAX_PORTS,
        },
};
