// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <string.h>

#include "can/can_module.h"
#include "can_print.h"
#include "cli.h"
#include "output.h"

static const struct hsxctl_bit_name status_bits[] = {
    {HSX_CAN_STATUS_UP, "up"},
    {HSX_CAN_STATUS_BUS_OFF, "bus-off"},
    {HSX_CAN_STATUS_PASSIVE, "passive"},
    {HSX_CAN_STATUS_WARNING, "warning"},
    {HSX_CAN_STATUS_ERRORS, "errors"},
    {HSX_CAN_STATUS_FD, "fd"},
    {0, NULL},
};

static const char *source(const hsx_can_info_t *info)
{
    return info->from_device_tree ? "devicetree" : "map";
}

static void print_status_json(FILE *out, const hsx_can_info_t *info, const hsx_can_status_t *st)
{
    char mode_text[48];

    fprintf(out, "{\"bus\":%u,\"bound\":%s", info->bus, st ? "true" : "false");
    if (!st) {
        fputc('}', out);
        return;
    }
    fputs(",\"ifname\":", out);
    json_string(out, info->ifname);
    fprintf(out, ",\"source\":\"%s\",\"state\":\"%s\",\"status\":", source(info),
            hsx_can_state_name(st->state));
    hsxctl_print_bits(out, st->status, status_bits, NULL, 1);
    fprintf(out,
            ",\"tx_errors\":%" PRIu32 ",\"rx_errors\":%" PRIu32 ",\"bitrate\":%" PRIu32
            ",\"data_bitrate\":%" PRIu32 ",\"modes\":\"%s\",\"rx_frames\":%" PRIu64
            ",\"tx_frames\":%" PRIu64 ",\"tx_failed\":%" PRIu64 ",\"error_frames\":%" PRIu64
            ",\"bus_off\":%" PRIu64 "}",
            st->tx_errors, st->rx_errors, st->bitrate, st->data_bitrate,
            hsxctl_can_modes(mode_text, sizeof(mode_text), st->mode), st->rx_frames, st->tx_frames,
            st->tx_failed, st->error_frames, st->bus_off);
}

void print_can_status(FILE *out, const hsx_can_info_t *info, const hsx_can_status_t *st, int json)
{
    char mode_text[48];

    if (json) {
        print_status_json(out, info, st);
        return;
    }
    if (!st) {
        fprintf(out, "bus %u: not bound\n", info->bus);
        return;
    }
    fprintf(out, "bus %u: ", info->bus);
    print_text(out, info->ifname);
    fprintf(out, " (bound by %s)\n", info->from_device_tree ? "the device tree" : "map");
    fprintf(out, "  %-16s %s\n  %-16s ", "state", hsx_can_state_name(st->state), "status");
    hsxctl_print_bits(out, st->status, status_bits, " ", 0);
    fprintf(out, "\n  %-16s tx %" PRIu32 " rx %" PRIu32 "\n", "error counters", st->tx_errors,
            st->rx_errors);
    if (st->bitrate)
        fprintf(out, "  %-16s %" PRIu32 "\n", "bitrate", st->bitrate);
    else
        fprintf(out, "  %-16s none (no controller)\n", "bitrate");
    if (st->data_bitrate)
        fprintf(out, "  %-16s %" PRIu32 "\n", "data_bitrate", st->data_bitrate);
    fprintf(out, "  %-16s %s\n", "modes", hsxctl_can_modes(mode_text, sizeof(mode_text), st->mode));
    const struct {
        const char *name;
        uint64_t value;
    } counters[] = {
        {"rx_frames", st->rx_frames}, {"tx_frames", st->tx_frames},
        {"tx_failed", st->tx_failed}, {"error_frames", st->error_frames},
        {"bus_off", st->bus_off},
    };
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        fprintf(out, "  %-16s %" PRIu64 "\n", counters[i].name, counters[i].value);
}

void print_can_info(FILE *out, const hsx_can_info_t *info, int json)
{
    if (json) {
        fprintf(out, "{\"bus\":%u,\"ifname\":", info->bus);
        json_string(out, info->ifname);
        fprintf(out, ",\"ifindex\":%" PRIu32 ",\"source\":\"%s\",\"fd\":%s}", info->ifindex,
                source(info), info->fd ? "true" : "false");
        return;
    }
    fprintf(out, "%-4u ", info->bus);
    print_text(out, info->ifname);
    fprintf(out, "%*s %-8" PRIu32 " %-10s %s\n", (int)(HSX_CAN_IFNAME_MAX - strlen(info->ifname)),
            "", info->ifindex, source(info), info->fd ? "fd" : "classic");
}

void print_can_frame(FILE *out, const char *ifname, int width, const hsx_can_event_t *ev, int json)
{
    const hsx_can_fd_frame_t *f = &ev->frame;
    char text[HSX_CAN_FRAME_TEXT_MAX], flags[48];

    if (!json) {
        hsx_can_format_frame(text, sizeof(text), f->can_id, f->flags, f->len, f->data);
        fprintf(out, "  %*s  %s\n", width, ifname, text);
        return;
    }
    fprintf(out, "{\"bus\":%u,\"ifname\":", ev->bus);
    json_string(out, ifname);
    fprintf(out,
            ",\"timestamp_ns\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"lost\":%" PRIu32 ",\"id\":%" PRIu32
            ",\"flags\":\"%s\",\"len\":%u,\"data\":\"",
            ev->timestamp_ns, ev->seq, ev->lost, f->can_id,
            hsx_can_format_flags(flags, sizeof(flags), f->flags), f->len);
    for (unsigned int i = 0; !(f->flags & HSX_CAN_RTR_FRAME) && i < f->len; i++)
        fprintf(out, "%02x", f->data[i]);
    fputs("\"}\n", out);
}
