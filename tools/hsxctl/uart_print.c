// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "uart_print.h"

static const struct hsxctl_bit_name status_bits[] = {
    {HSX_UART_STATUS_TX_READY, "tx-ready"},         {HSX_UART_STATUS_RX_READY, "rx-ready"},
    {HSX_UART_STATUS_OVERRUN, "overrun"},           {HSX_UART_STATUS_PARITY_ERR, "parity-error"},
    {HSX_UART_STATUS_FRAMING_ERR, "framing-error"}, {HSX_UART_STATUS_BREAK, "break"},
    {HSX_UART_STATUS_TX_EMPTY, "tx-empty"},         {0, NULL},
};

static const struct hsxctl_bit_name line_bits[] = {
    {HSX_UART_LINE_RTS, "rts"},
    {HSX_UART_LINE_DTR, "dtr"},
    {HSX_UART_LINE_CTS, "cts"},
    {HSX_UART_LINE_DSR, "dsr"},
    {HSX_UART_LINE_DCD, "dcd"},
    {HSX_UART_LINE_RI, "ri"},
    {0, NULL},
};

static const struct hsxctl_bit_name event_flags[] = {
    {HSX_UART_RX_OVERRUN, "overrun"},
    {HSX_UART_RX_PARITY, "parity"},
    {HSX_UART_RX_FRAMING, "framing"},
    {HSX_UART_RX_BREAK, "break"},
    {0, NULL},
};

static unsigned int data_bits(const hsx_uart_settings_t *s)
{
    return s->data_bits ? s->data_bits : 8;
}

void print_uart_config(FILE *out, const hsx_uart_info_t *info, int json)
{
    const hsx_uart_settings_t *s = &info->settings;

    if (json) {
        fprintf(out, "{\"port\":%u,\"tty\":", info->port);
        json_string(out, info->tty);
        fprintf(out,
                ",\"baud\":%" PRIu32 ",\"baud_actual\":%" PRIu32
                ",\"data\":%u,\"parity\":\"%s\",\"stop\":%u,\"flow\":\"%s\"}\n",
                s->baud, info->baud_actual, data_bits(s), hsxctl_parity_name(s->parity),
                s->stop_bits, hsxctl_flow_name(s->flow));
        return;
    }
    fprintf(out, "port=%u tty=", info->port);
    print_text(out, info->tty);
    fprintf(out, " baud=%" PRIu32 " baud_actual=%" PRIu32 " data=%u parity=%s stop=%u flow=%s\n",
            s->baud, info->baud_actual, data_bits(s), hsxctl_parity_name(s->parity), s->stop_bits,
            hsxctl_flow_name(s->flow));
}

/* The frame as the kernel shows it in /sys/hal/uart/<n>/config: "8N1". */
static void print_frame(FILE *out, const hsx_uart_settings_t *s)
{
    static const char letters[] = "NEOMS";

    fprintf(out, "%u%c%u", data_bits(s), s->parity < 5 ? letters[s->parity] : '?', s->stop_bits);
}

static void print_status_json(FILE *out, const hsx_uart_info_t *info, const hsx_uart_status_t *st)
{
    const hsx_uart_settings_t *s = &info->settings;

    fprintf(out, "{\"port\":%u,\"bound\":%s", info->port, st ? "true" : "false");
    if (!st) {
        fputc('}', out);
        return;
    }
    fputs(",\"tty\":", out);
    json_string(out, info->tty);
    fprintf(out,
            ",\"source\":\"%s\",\"baud\":%" PRIu32 ",\"baud_actual\":%" PRIu32
            ",\"data\":%u,\"parity\":\"%s\",\"stop\":%u,\"flow\":\"%s\",\"status\":",
            info->from_device_tree ? "devicetree" : "map", s->baud, info->baud_actual, data_bits(s),
            hsxctl_parity_name(s->parity), s->stop_bits, hsxctl_flow_name(s->flow));
    hsxctl_print_bits(out, st->status, status_bits, NULL, 1);
    fputs(",\"lines\":", out);
    hsxctl_print_bits(out, st->lines, line_bits, NULL, 1);
    fprintf(out,
            ",\"rx_available\":%" PRIu32 ",\"tx_pending\":%" PRIu32 ",\"rx_bytes\":%" PRIu64
            ",\"tx_bytes\":%" PRIu64 ",\"overruns\":%" PRIu64 ",\"parity_errors\":%" PRIu64
            ",\"framing_errors\":%" PRIu64 ",\"breaks\":%" PRIu64 ",\"rx_dropped\":%" PRIu64 "}",
            st->rx_available, st->tx_pending, st->rx_bytes, st->tx_bytes, st->overruns,
            st->parity_errors, st->framing_errors, st->breaks, st->rx_dropped);
}

void print_uart_status(FILE *out, const hsx_uart_info_t *info, const hsx_uart_status_t *st,
                       int json)
{
    const hsx_uart_settings_t *s = &info->settings;

    if (json) {
        print_status_json(out, info, st);
        return;
    }
    if (!st) {
        fprintf(out, "port %u: not bound\n", info->port);
        return;
    }
    fprintf(out, "port %u: ", info->port);
    print_text(out, info->tty);
    fprintf(out, " (bound by %s)\n", info->from_device_tree ? "the device tree" : "map");
    fprintf(out, "  %-16s %" PRIu32 " ", "config", info->baud_actual);
    print_frame(out, s);
    fprintf(out, " %s (asked %" PRIu32 " baud)\n", hsxctl_flow_name(s->flow), s->baud);
    fprintf(out, "  %-16s ", "status");
    hsxctl_print_bits(out, st->status, status_bits, " ", 0);
    fprintf(out, "\n  %-16s ", "lines");
    hsxctl_print_bits(out, st->lines, line_bits, " ", 0);
    fputc('\n', out);
    const struct {
        const char *name;
        uint64_t value;
    } counters[] = {
        {"rx_available", st->rx_available},
        {"tx_pending", st->tx_pending},
        {"rx_bytes", st->rx_bytes},
        {"tx_bytes", st->tx_bytes},
        {"overruns", st->overruns},
        {"parity_errors", st->parity_errors},
        {"framing_errors", st->framing_errors},
        {"breaks", st->breaks},
        {"rx_dropped", st->rx_dropped},
    };
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        fprintf(out, "  %-16s %" PRIu64 "\n", counters[i].name, counters[i].value);
}

/* The bytes as text: printable ASCII as it is, the rest escaped, quoted for JSON or C. */
static void print_data_text(FILE *out, const uint8_t *data, unsigned int len, int json)
{
    fputc('"', out);
    for (unsigned int i = 0; i < len; i++) {
        uint8_t c = data[i];

        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\r')
            fputs("\\r", out);
        else if (c == '\t')
            fputs("\\t", out);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, out);
        else if (json) /* each byte is the code point of its value (Latin-1): nothing is lost */
            fprintf(out, "\\u%04x", c);
        else
            fprintf(out, "\\x%02x", c);
    }
    fputc('"', out);
}

static const char *const kind_names[] = {
    [HSX_UART_EVENT_DATA] = "data",
    [HSX_UART_EVENT_IDLE] = "idle",
    [HSX_UART_EVENT_TX_DONE] = "tx-done",
    [HSX_UART_EVENT_MODEM] = "modem",
};

/* A line event (idle, tx-done, modem): no bytes. */
static void print_line_event(FILE *out, const hsx_mailbox_event_t *ev, const char *kind, int json)
{
    if (json) {
        fprintf(out,
                "{\"timestamp_ns\":%" PRIu64 ",\"port\":%" PRIu32 ",\"seq\":%" PRIu64
                ",\"kind\":\"%s\",\"offset\":%" PRIu64 ",\"lines\":",
                ev->timestamp_ns, ev->u.uart.port, ev->seq, kind, ev->u.uart.offset);
        hsxctl_print_bits(out, ev->u.uart.lines, line_bits, NULL, 1);
        fprintf(out, ",\"dropped\":%" PRIu32 ",\"dropped_total\":%" PRIu64 "}\n", ev->dropped,
                ev->dropped_total);
        return;
    }
    fprintf(out, "%" PRIu64 ".%09" PRIu64 " port=%" PRIu32 " seq=%" PRIu64 " %s",
            ev->timestamp_ns / 1000000000u, ev->timestamp_ns % 1000000000u, ev->u.uart.port,
            ev->seq, kind);
    if (ev->u.uart.kind == HSX_UART_EVENT_MODEM) {
        fputs(" lines=", out);
        hsxctl_print_bits(out, ev->u.uart.lines, line_bits, ",", 0);
    } else {
        fprintf(out, " offset=%" PRIu64, ev->u.uart.offset);
    }
    fprintf(out, " dropped=%" PRIu32, ev->dropped);
    if (ev->dropped_total)
        fprintf(out, " dropped_total=%" PRIu64, ev->dropped_total);
    fputc('\n', out);
}

void print_uart_event(FILE *out, const hsx_mailbox_event_t *ev, uint64_t lost, bool hex, int json)
{
    unsigned int len = ev->u.uart.length <= sizeof(ev->u.uart.data) ? ev->u.uart.length : 0;

    if (ev->u.uart.kind != HSX_UART_EVENT_DATA) {
        unsigned int kind = ev->u.uart.kind;
        print_line_event(out, ev,
                         kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "?",
                         json);
        return;
    }
    if (json) {
        fprintf(out,
                "{\"timestamp_ns\":%" PRIu64 ",\"port\":%" PRIu32 ",\"seq\":%" PRIu64
                ",\"kind\":\"data\",\"offset\":%" PRIu64 ",\"length\":%u,\"flags\":",
                ev->timestamp_ns, ev->u.uart.port, ev->seq, ev->u.uart.offset, len);
        hsxctl_print_bits(out, ev->u.uart.flags, event_flags, NULL, 1);
        fputs(",\"hex\":\"", out);
        print_hex(out, ev->u.uart.data, len);
        fputs("\",\"text\":", out);
        print_data_text(out, ev->u.uart.data, len, 1);
        fprintf(out,
                ",\"dropped\":%" PRIu32 ",\"dropped_total\":%" PRIu64 ",\"lost_bytes\":%" PRIu64
                "}\n",
                ev->dropped, ev->dropped_total, lost);
        return;
    }
    fprintf(out,
            "%" PRIu64 ".%09" PRIu64 " port=%" PRIu32 " seq=%" PRIu64 " offset=%" PRIu64 " len=%u",
            ev->timestamp_ns / 1000000000u, ev->timestamp_ns % 1000000000u, ev->u.uart.port,
            ev->seq, ev->u.uart.offset, len);
    if (ev->u.uart.flags) {
        fputs(" flags=", out);
        hsxctl_print_bits(out, ev->u.uart.flags, event_flags, ",", 0);
    }
    if (hex) {
        fputs(" hex=", out);
        print_hex(out, ev->u.uart.data, len);
    } else {
        fputs(" data=", out);
        print_data_text(out, ev->u.uart.data, len, 0);
    }
    fprintf(out, " dropped=%" PRIu32, ev->dropped);
    if (ev->dropped_total)
        fprintf(out, " dropped_total=%" PRIu64, ev->dropped_total);
    if (lost)
        fprintf(out, " lost=%" PRIu64, lost);
    fputc('\n', out);
}
