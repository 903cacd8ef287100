// SPDX-License-Identifier: MIT
/*
 * The GPIO module (0x15) to user space: /dev/hsx/gpio, "hal:gpio:<pin>",
 * edge events from either transport, and capabilities on sets of pins with
 * the irq right.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/wire_attr.h"
#include "modules.h"

/* What hsx_gpio_event_t can represent; anything else is -EPROTO. */
static int check_edge(uint32_t pin, uint32_t edge, uint32_t value)
{
    if (pin >= HSX_GPIO_MAX_PINS || (edge != HSX_GPIO_E_RISING && edge != HSX_GPIO_E_FALLING) ||
        value > 1)
        return -EPROTO;
    return 0;
}

static int decode_record(const void *record, hsx_mailbox_event_t *event)
{
    struct hsx_gpio_record r;

    memcpy(&r, record, sizeof(r));
    if (check_edge(r.pin, r.edge, r.value) < 0)
        return -EPROTO;
    event->module = HSX_MAILBOX_MODULE_GPIO;
    event->u.gpio.pin = r.pin;
    event->u.gpio.edge = r.edge;
    event->u.gpio.value = r.value;
    event->u.gpio.timestamp_ns = r.timestamp_ns;
    event->u.gpio.line_seq = r.line_seq;
    return 0;
}

static const enum mnl_attr_data_type attr_types[HSX_GPIO_A_MAX + 1] = {
    [HSX_GPIO_A_PIN] = MNL_TYPE_U32,      [HSX_GPIO_A_EDGE] = MNL_TYPE_U32,
    [HSX_GPIO_A_VALUE] = MNL_TYPE_U32,    [HSX_GPIO_A_TIMESTAMP_NS] = MNL_TYPE_U64,
    [HSX_GPIO_A_LINE_SEQ] = MNL_TYPE_U64,
};

/* Pin, edge, value and timestamp are required; line_seq defaults to 0. */
static int decode_nest(const struct nlattr *nest, hsx_mailbox_event_t *event)
{
    const struct nlattr *tb[HSX_GPIO_A_MAX + 1] = {0};
    int ret = hsx_wire_parse_nest(nest, attr_types, HSX_GPIO_A_MAX, tb);

    if (ret < 0)
        return ret;
    if (!tb[HSX_GPIO_A_PIN] || !tb[HSX_GPIO_A_EDGE] || !tb[HSX_GPIO_A_VALUE] ||
        !tb[HSX_GPIO_A_TIMESTAMP_NS])
        return -EBADMSG;
    uint32_t pin = hsx_attr_u32(tb[HSX_GPIO_A_PIN]);
    uint32_t edge = hsx_attr_u32(tb[HSX_GPIO_A_EDGE]);
    uint32_t value = hsx_attr_u32(tb[HSX_GPIO_A_VALUE]);
    if (check_edge(pin, edge, value) < 0)
        return -EPROTO;
    event->module = HSX_MAILBOX_MODULE_GPIO;
    event->u.gpio.pin = pin;
    event->u.gpio.edge = edge;
    event->u.gpio.value = value;
    event->u.gpio.timestamp_ns = hsx_attr_u64(tb[HSX_GPIO_A_TIMESTAMP_NS]);
    event->u.gpio.line_seq = hsx_attr_u64_or_zero(tb[HSX_GPIO_A_LINE_SEQ]);
    return 0;
}

static char *format_event(char *buf, size_t size, const hsx_mailbox_event_t *ev, bool json)
{
    const char *edge = ev->u.gpio.edge == HSX_GPIO_E_RISING    ? "rising"
                       : ev->u.gpio.edge == HSX_GPIO_E_FALLING ? "falling"
                                                               : "?";

    if (json)
        snprintf(buf, size,
                 ",\"gpio\":{\"pin\":%" PRIu32 ",\"edge\":\"%s\",\"value\":%" PRIu32
                 ",\"timestamp_ns\":%" PRIu64 ",\"line_seq\":%" PRIu64 "}",
                 ev->u.gpio.pin, edge, ev->u.gpio.value, ev->u.gpio.timestamp_ns,
                 ev->u.gpio.line_seq);
    else
        snprintf(buf, size,
                 " pin=%" PRIu32 " %s value=%" PRIu32 " edge_t=%" PRIu64 ".%09" PRIu64
                 "s line_seq=%" PRIu64,
                 ev->u.gpio.pin, edge, ev->u.gpio.value, ev->u.gpio.timestamp_ns / 1000000000u,
                 ev->u.gpio.timestamp_ns % 1000000000u, ev->u.gpio.line_seq);
    return buf;
}

static const struct hsx_umod_right own_rights[] = {
    {"irq", HSX_CAP_R_GPIO_IRQ},
    {NULL, 0},
};

const struct hsx_umodule hsx_umod_gpio = {
    .id = HSX_MODULE_GPIO,
    .name = "gpio",
    .flags = HSX_UMOD_NODE | HSX_UMOD_CAPS,
    .mailboxes = {"hal:gpio:%llu"},
    .nl_nest = HSX_A_EVT_GPIO,
    .record_size = sizeof(struct hsx_gpio_record),
    .decode_record = decode_record,
    .decode_nest = decode_nest,
    .format_event = format_event,
    .rights = HSX_CAP_R_GPIO_ALL,
    .own = own_rights,
    .sel =
        {
            .kind = HSX_UMOD_SEL_SET,
            .ops = &hsx_umod_sel_set_ops,
            .word = "pins",
            .noun = "pin",
            .limit = HSX_GPIO_MAX_PINS,
        },
};
