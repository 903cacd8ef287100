// SPDX-License-Identifier: MIT
/*
 * Messages of the "hsx" generic netlink family (see uapi/hsx_uapi.h), built
 * and decoded with libmnl.
 *
 * Decoding is strict about what this library relies on and lenient about
 * what a newer kernel may add: every attribute it knows is checked for type
 * and length (a wrong one rejects the message), the attributes must fill the
 * payload exactly (a truncated one rejects the message), required attributes
 * must be present, and attribute types it does not know are skipped.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdbool.h>
#include <string.h>

#include "hsx_uapi.h"
#include "wire.h"

_Static_assert((int)HSX_MAILBOX_CLOSE_CANCELLED == HSX_CLOSE_CANCELLED &&
                   (int)HSX_MAILBOX_CLOSE_OWNER_GONE == HSX_CLOSE_OWNER_GONE &&
                   (int)HSX_MAILBOX_CLOSE_ADMIN == HSX_CLOSE_ADMIN &&
                   (int)HSX_MAILBOX_CLOSE_REVOKED == HSX_CLOSE_REVOKED,
               "close reasons are the uAPI's values");
_Static_assert((int)HSX_MAILBOX_MODULE_TIMER == HSX_MODULE_TIMER &&
                   (int)HSX_MAILBOX_MODULE_GPIO == HSX_MODULE_GPIO &&
                   (int)HSX_MAILBOX_MODULE_CORE == HSX_MODULE_CORE,
               "modules are the uAPI's IDs");

/* ---- requests ------------------------------------------------------------ */

static struct nlmsghdr *put_genl_header(void *buf, size_t size, uint16_t type, uint8_t cmd,
                                        uint8_t version, uint16_t flags, uint32_t seq)
{
    if (size < MNL_NLMSG_HDRLEN + GENL_HDRLEN)
        return NULL;

    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    nlh->nlmsg_seq = seq;

    struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
    genl->cmd = cmd;
    genl->version = version;
    return nlh;
}

/* With NLM_F_ACK: the controller's reply is not the end of a dump, so only an ack says "done". */
struct nlmsghdr *hsx_wire_get_family(void *buf, size_t size, uint32_t seq, const char *name)
{
    struct nlmsghdr *nlh =
        put_genl_header(buf, size, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK, seq);

    if (!nlh || !mnl_attr_put_strz_check(nlh, size, CTRL_ATTR_FAMILY_NAME, name))
        return NULL;
    return nlh;
}

struct nlmsghdr *hsx_wire_mbox_open(void *buf, size_t size, uint16_t family, uint32_t seq,
                                    const char *name, int auth_fd)
{
    struct nlmsghdr *nlh =
        put_genl_header(buf, size, family, HSX_CMD_MBOX_OPEN, HSX_GENL_VERSION, NLM_F_ACK, seq);

    if (!nlh || !mnl_attr_put_strz_check(nlh, size, HSX_A_MBOX_NAME, name))
        return NULL;
    if (auth_fd >= 0 && !mnl_attr_put_u32_check(nlh, size, HSX_A_MBOX_AUTH_FD, (uint32_t)auth_fd))
        return NULL;
    return nlh;
}

struct nlmsghdr *hsx_wire_mbox_close(void *buf, size_t size, uint16_t family, uint32_t seq,
                                     uint32_t mailbox_id)
{
    struct nlmsghdr *nlh =
        put_genl_header(buf, size, family, HSX_CMD_MBOX_CLOSE, HSX_GENL_VERSION, 0, seq);

    if (!nlh || !mnl_attr_put_u32_check(nlh, size, HSX_A_MBOX_ID, mailbox_id))
        return NULL;
    return nlh;
}

struct nlmsghdr *hsx_wire_mbox_dump(void *buf, size_t size, uint16_t family, uint32_t seq)
{
    return put_genl_header(buf, size, family, HSX_CMD_MBOX_GET, HSX_GENL_VERSION, NLM_F_DUMP, seq);
}

/* ---- attribute tables ---------------------------------------------------- */

/* Expected types, indexed by attribute; MNL_TYPE_UNSPEC attributes are not checked. */
static const enum mnl_attr_data_type hsx_attr_types[HSX_A_MAX + 1] = {
    /* mailboxes: replies to OPEN and GET */
    [HSX_A_MBOX_ID] = MNL_TYPE_U32,
    [HSX_A_MBOX_NAME] = MNL_TYPE_NUL_STRING,
    [HSX_A_MBOX_SUBSCRIBERS] = MNL_TYPE_U32,
    [HSX_A_MBOX_SEQ] = MNL_TYPE_U64,
    [HSX_A_MBOX_EVENTS] = MNL_TYPE_U64,
    [HSX_A_MBOX_DROPS] = MNL_TYPE_U64,
    /* events */
    [HSX_A_EVT_TYPE] = MNL_TYPE_U16,
    [HSX_A_EVT_SEQ] = MNL_TYPE_U64,
    [HSX_A_EVT_TIMESTAMP_NS] = MNL_TYPE_U64,
    [HSX_A_EVT_DROPPED] = MNL_TYPE_U32,
    [HSX_A_EVT_DROPPED_TOTAL] = MNL_TYPE_U64,
    [HSX_A_EVT_TIMER] = MNL_TYPE_NESTED,
    [HSX_A_EVT_CLOSE_REASON] = MNL_TYPE_U32,
    [HSX_A_EVT_GPIO] = MNL_TYPE_NESTED,
    [HSX_A_MBOX_AUTH_FD] = MNL_TYPE_U32,
    [HSX_A_EVT_CAP] = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type timer_attr_types[HSX_TIMER_A_MAX + 1] = {
    [HSX_TIMER_A_ID] = MNL_TYPE_U32,
    [HSX_TIMER_A_TICK_US] = MNL_TYPE_U64,
    [HSX_TIMER_A_OVERRUNS] = MNL_TYPE_U32,
    [HSX_TIMER_A_EXPIRATIONS] = MNL_TYPE_U64,
};

static const enum mnl_attr_data_type gpio_attr_types[HSX_GPIO_A_MAX + 1] = {
    [HSX_GPIO_A_PIN] = MNL_TYPE_U32,      [HSX_GPIO_A_EDGE] = MNL_TYPE_U32,
    [HSX_GPIO_A_VALUE] = MNL_TYPE_U32,    [HSX_GPIO_A_TIMESTAMP_NS] = MNL_TYPE_U64,
    [HSX_GPIO_A_LINE_SEQ] = MNL_TYPE_U64,
};

static const enum mnl_attr_data_type cap_attr_types[HSX_CAP_A_MAX + 1] = {
    [HSX_CAP_A_ID] = MNL_TYPE_U64,         [HSX_CAP_A_MODULE] = MNL_TYPE_U32,
    [HSX_CAP_A_OBJECT] = MNL_TYPE_U64,     [HSX_CAP_A_REASON] = MNL_TYPE_U32,
    [HSX_CAP_A_HOLDER_PID] = MNL_TYPE_U32,
};

static const enum mnl_attr_data_type ctrl_attr_types[CTRL_ATTR_MAX + 1] = {
    [CTRL_ATTR_FAMILY_ID] = MNL_TYPE_U16,
    [CTRL_ATTR_FAMILY_NAME] = MNL_TYPE_NUL_STRING,
};

struct attr_table {
    const enum mnl_attr_data_type *types;
    uint16_t max;
    const struct nlattr **tb; /* max + 1 entries, NULL for absent attributes */
    bool unknown;             /* an attribute type above max was skipped */
};

/* Whether attr's payload is what mnl_attr_validate() accepts for type. */
static bool attr_valid(const struct nlattr *attr, enum mnl_attr_data_type type)
{
    size_t len = attr->nla_len - NLA_HDRLEN;
    const char *data = (const char *)attr + NLA_HDRLEN;

    switch (type) {
    case MNL_TYPE_U8:
        return len == sizeof(uint8_t);
    case MNL_TYPE_U16:
        return len == sizeof(uint16_t);
    case MNL_TYPE_U32:
        return len == sizeof(uint32_t);
    case MNL_TYPE_U64:
        return len == sizeof(uint64_t);
    case MNL_TYPE_NESTED:
        return len == 0 || len >= NLA_HDRLEN;
    case MNL_TYPE_NUL_STRING:
        return len > 0 && data[len - 1] == '\0';
    default:
        return true; /* MNL_TYPE_UNSPEC, the only other type the tables use: any payload */
    }
}

/*
 * Collect the attributes in [start, start + len) into table->tb. They must
 * fill it exactly, each known one valid for its type; types above max are
 * skipped (a newer kernel's) and noted. Returns 0 or -EBADMSG.
 *
 * This is mnl_attr_parse() with mnl_attr_validate() on each attribute,
 * inline: every event a callback receives is decoded here, and libmnl's five
 * calls per attribute made decoding a GPIO event take ~390 ns on this
 * machine's host CPU against ~50 ns (in the emulated board, ~20 us of each
 * callback's latency). Messages are still built, sent and split with libmnl;
 * lib/tests/test_wire.c checks this walk against libmnl's on every shape.
 */
static int collect_attrs(const void *start, size_t len, struct attr_table *table)
{
    const char *pos = start;

    while (len > 0) {
        const struct nlattr *attr = (const void *)pos;

        if (len < NLA_HDRLEN || attr->nla_len < NLA_HDRLEN || attr->nla_len > len)
            return -EBADMSG;
        uint16_t type = attr->nla_type & NLA_TYPE_MASK;
        if (type > table->max)
            table->unknown = true;
        else if (!attr_valid(attr, table->types[type]))
            return -EBADMSG;
        else
            table->tb[type] = attr;
        size_t step = NLA_ALIGN(attr->nla_len);
        /* The last attribute's padding may run past len, up to its alignment. */
        if (step >= len)
            return step == NLA_ALIGN(len) ? 0 : -EBADMSG;
        pos += step;
        len -= step;
    }
    return 0;
}

int hsx_wire_collect_attrs(const void *start, size_t len, const enum mnl_attr_data_type *types,
                           uint16_t max, const struct nlattr **tb, bool *unknown)
{
    struct attr_table table = {.types = types, .max = max, .tb = tb};
    int ret = collect_attrs(start, len, &table);

    *unknown = table.unknown;
    return ret;
}

/* Collect the attributes after the genl header of nlh into table. */
static int parse_genl_attrs(const struct nlmsghdr *nlh, struct attr_table *table)
{
    if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
        return -EBADMSG;
    return collect_attrs((const char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN,
                         nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, table);
}

/* Collect the attributes of a module nest into tb (max + 1 entries) by types. */
static int parse_nested_attrs(const struct nlattr *nest, const enum mnl_attr_data_type *types,
                              uint16_t max, const struct nlattr **tb)
{
    struct attr_table table = {.types = types, .max = max, .tb = tb};

    return collect_attrs((const char *)nest + NLA_HDRLEN, nest->nla_len - NLA_HDRLEN, &table);
}

/* Payload readers for attributes collect_attrs() checked, so of the right size. */
static uint16_t get_u16(const struct nlattr *attr)
{
    uint16_t v;

    memcpy(&v, (const char *)attr + NLA_HDRLEN, sizeof(v));
    return v;
}

static uint32_t get_u32(const struct nlattr *attr)
{
    uint32_t v;

    memcpy(&v, (const char *)attr + NLA_HDRLEN, sizeof(v));
    return v;
}

static uint64_t get_u64(const struct nlattr *attr)
{
    uint64_t v;

    memcpy(&v, (const char *)attr + NLA_HDRLEN, sizeof(v));
    return v;
}

static uint32_t u32_or_zero(const struct nlattr *attr)
{
    return attr ? get_u32(attr) : 0;
}

static uint64_t u64_or_zero(const struct nlattr *attr)
{
    return attr ? get_u64(attr) : 0;
}

/* ---- decoders ------------------------------------------------------------ */

int hsx_wire_genl_cmd(const struct nlmsghdr *nlh)
{
    if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
        return -EBADMSG;
    return ((const struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd;
}

int hsx_wire_parse_family(const struct nlmsghdr *nlh, uint16_t *family)
{
    const struct nlattr *tb[CTRL_ATTR_MAX + 1] = {0};
    struct attr_table table = {.types = ctrl_attr_types, .max = CTRL_ATTR_MAX, .tb = tb};
    int ret = parse_genl_attrs(nlh, &table);

    if (ret < 0)
        return ret;
    if (!tb[CTRL_ATTR_FAMILY_ID])
        return -EBADMSG;
    *family = get_u16(tb[CTRL_ATTR_FAMILY_ID]);
    return 0;
}

int hsx_wire_parse_open_reply(const struct nlmsghdr *nlh, uint32_t *mailbox_id)
{
    const struct nlattr *tb[HSX_A_MAX + 1] = {0};
    struct attr_table table = {.types = hsx_attr_types, .max = HSX_A_MAX, .tb = tb};
    int ret = parse_genl_attrs(nlh, &table);

    if (ret < 0)
        return ret;
    if (!tb[HSX_A_MBOX_ID])
        return -EBADMSG;
    *mailbox_id = get_u32(tb[HSX_A_MBOX_ID]);
    return 0;
}

int hsx_wire_parse_info(const struct nlmsghdr *nlh, hsx_mailbox_info_t *info)
{
    const struct nlattr *tb[HSX_A_MAX + 1] = {0};
    struct attr_table table = {.types = hsx_attr_types, .max = HSX_A_MAX, .tb = tb};
    int ret = parse_genl_attrs(nlh, &table);

    if (ret < 0)
        return ret;
    if (!tb[HSX_A_MBOX_ID] || !tb[HSX_A_MBOX_NAME] ||
        mnl_attr_get_payload_len(tb[HSX_A_MBOX_NAME]) > sizeof(info->name))
        return -EBADMSG;

    memset(info, 0, sizeof(*info));
    info->id = get_u32(tb[HSX_A_MBOX_ID]);
    strcpy(info->name, mnl_attr_get_str(tb[HSX_A_MBOX_NAME]));
    info->subscribers = u32_or_zero(tb[HSX_A_MBOX_SUBSCRIBERS]);
    info->seq = u64_or_zero(tb[HSX_A_MBOX_SEQ]);
    info->events = u64_or_zero(tb[HSX_A_MBOX_EVENTS]);
    info->drops = u64_or_zero(tb[HSX_A_MBOX_DROPS]);
    return 0;
}

/* The timer nest: ID and tick are required; overruns and expirations default to 0. */
static int parse_timer_nest(const struct nlattr *nest, hsx_mailbox_event_t *event)
{
    const struct nlattr *tb[HSX_TIMER_A_MAX + 1] = {0};
    int ret = parse_nested_attrs(nest, timer_attr_types, HSX_TIMER_A_MAX, tb);

    if (ret < 0)
        return ret;
    if (!tb[HSX_TIMER_A_ID] || !tb[HSX_TIMER_A_TICK_US])
        return -EBADMSG;
    event->module = HSX_MAILBOX_MODULE_TIMER;
    event->u.timer.timer_id = get_u32(tb[HSX_TIMER_A_ID]);
    event->u.timer.tick_us = get_u64(tb[HSX_TIMER_A_TICK_US]);
    event->u.timer.overruns = u32_or_zero(tb[HSX_TIMER_A_OVERRUNS]);
    event->u.timer.expirations = u64_or_zero(tb[HSX_TIMER_A_EXPIRATIONS]);
    return 0;
}

/*
 * The GPIO nest: pin, edge, value and timestamp are required; line_seq
 * defaults to 0. A pin, edge or value the uAPI does not allow is -EPROTO:
 * hsx_gpio_event_t could not represent it.
 */
static int parse_gpio_nest(const struct nlattr *nest, hsx_mailbox_event_t *event)
{
    const struct nlattr *tb[HSX_GPIO_A_MAX + 1] = {0};
    int ret = parse_nested_attrs(nest, gpio_attr_types, HSX_GPIO_A_MAX, tb);

    if (ret < 0)
        return ret;
    if (!tb[HSX_GPIO_A_PIN] || !tb[HSX_GPIO_A_EDGE] || !tb[HSX_GPIO_A_VALUE] ||
        !tb[HSX_GPIO_A_TIMESTAMP_NS])
        return -EBADMSG;
    uint32_t pin = get_u32(tb[HSX_GPIO_A_PIN]);
    uint32_t edge = get_u32(tb[HSX_GPIO_A_EDGE]);
    uint32_t value = get_u32(tb[HSX_GPIO_A_VALUE]);
    if (pin >= HSX_GPIO_MAX_PINS || (edge != HSX_GPIO_E_RISING && edge != HSX_GPIO_E_FALLING) ||
        value > 1)
        return -EPROTO;
    event->module = HSX_MAILBOX_MODULE_GPIO;
    event->u.gpio.pin = pin;
    event->u.gpio.edge = edge;
    event->u.gpio.value = value;
    event->u.gpio.timestamp_ns = get_u64(tb[HSX_GPIO_A_TIMESTAMP_NS]);
    event->u.gpio.line_seq = u64_or_zero(tb[HSX_GPIO_A_LINE_SEQ]);
    return 0;
}

/*
 * The capability nest: ID, module and reason are required (without them the
 * event says nothing usable); object and holder default to 0. ID 0 names no
 * capability and reason 0 no end: -EPROTO. A reason above the four known
 * ones is passed on (a newer kernel's), as is a module this library does not
 * serve.
 */
static int parse_cap_nest(const struct nlattr *nest, hsx_mailbox_event_t *event)
{
    const struct nlattr *tb[HSX_CAP_A_MAX + 1] = {0};
    int ret = parse_nested_attrs(nest, cap_attr_types, HSX_CAP_A_MAX, tb);

    if (ret < 0)
        return ret;
    if (!tb[HSX_CAP_A_ID] || !tb[HSX_CAP_A_MODULE] || !tb[HSX_CAP_A_REASON])
        return -EBADMSG;
    uint64_t id = get_u64(tb[HSX_CAP_A_ID]);
    uint32_t reason = get_u32(tb[HSX_CAP_A_REASON]);
    if (id == 0 || reason == 0)
        return -EPROTO;
    event->module = HSX_MAILBOX_MODULE_CORE;
    event->u.cap.id = id;
    event->u.cap.module = get_u32(tb[HSX_CAP_A_MODULE]);
    event->u.cap.reason = reason;
    event->u.cap.object = u64_or_zero(tb[HSX_CAP_A_OBJECT]);
    event->u.cap.holder_pid = u32_or_zero(tb[HSX_CAP_A_HOLDER_PID]);
    return 0;
}

/*
 * Required: mailbox ID, type, sequence number, timestamp. The drop counters
 * default to 0. A DATA event carries one module nest: a known one is decoded;
 * an unknown one (a module newer than this library) leaves module NONE; none
 * at all is malformed.
 */
int hsx_wire_parse_event(const struct nlmsghdr *nlh, hsx_mailbox_event_t *event)
{
    const struct nlattr *tb[HSX_A_MAX + 1] = {0};
    struct attr_table table = {.types = hsx_attr_types, .max = HSX_A_MAX, .tb = tb};
    int ret = parse_genl_attrs(nlh, &table);

    if (ret < 0)
        return ret;
    if (!tb[HSX_A_MBOX_ID] || !tb[HSX_A_EVT_TYPE] || !tb[HSX_A_EVT_SEQ] ||
        !tb[HSX_A_EVT_TIMESTAMP_NS])
        return -EBADMSG;

    memset(event, 0, sizeof(*event));
    event->mailbox_id = get_u32(tb[HSX_A_MBOX_ID]);
    event->seq = get_u64(tb[HSX_A_EVT_SEQ]);
    event->timestamp_ns = get_u64(tb[HSX_A_EVT_TIMESTAMP_NS]);
    event->dropped = u32_or_zero(tb[HSX_A_EVT_DROPPED]);
    event->dropped_total = u64_or_zero(tb[HSX_A_EVT_DROPPED_TOTAL]);
    event->module = HSX_MAILBOX_MODULE_NONE;

    switch (get_u16(tb[HSX_A_EVT_TYPE])) {
    case HSX_EVT_CLOSED:
        event->type = HSX_MAILBOX_EVENT_CLOSED;
        event->close_reason = (hsx_mailbox_close_reason_t)u32_or_zero(tb[HSX_A_EVT_CLOSE_REASON]);
        return 0;
    case HSX_EVT_DATA:
        event->type = HSX_MAILBOX_EVENT_DATA;
        if (tb[HSX_A_EVT_TIMER])
            return parse_timer_nest(tb[HSX_A_EVT_TIMER], event);
        if (tb[HSX_A_EVT_GPIO])
            return parse_gpio_nest(tb[HSX_A_EVT_GPIO], event);
        if (tb[HSX_A_EVT_CAP])
            return parse_cap_nest(tb[HSX_A_EVT_CAP], event);
        return table.unknown ? 0 : -EBADMSG;
    default:
        return -EPROTO;
    }
}

/* ---- datagrams from a subscription socket --------------------------------- */

struct decode_state {
    uint16_t family;
    hsx_mailbox_event_t *event;
    int result;
};

static int decode_data(const struct nlmsghdr *nlh, void *data)
{
    struct decode_state *state = data;

    if (state->family && nlh->nlmsg_type != state->family) {
        state->result = -EPROTO;
        return MNL_CB_ERROR;
    }
    int cmd = hsx_wire_genl_cmd(nlh);
    if (cmd < 0) {
        state->result = cmd;
        return MNL_CB_ERROR;
    }
    /* A reply that arrives late, after the request gave up: nothing to deliver. */
    if (cmd != HSX_CMD_MBOX_EVENT)
        return MNL_CB_OK;

    int ret = hsx_wire_parse_event(nlh, state->event);
    state->result = ret < 0 ? ret : 1;
    return ret < 0 ? MNL_CB_ERROR : MNL_CB_STOP;
}

static int decode_error(const struct nlmsghdr *nlh, void *data)
{
    struct decode_state *state = data;
    const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err) || err->error > 0) {
        state->result = -EBADMSG;
        return MNL_CB_ERROR;
    }
    if (err->error == 0) /* an ack */
        return MNL_CB_OK;
    state->result = err->error;
    return MNL_CB_ERROR;
}

/*
 * The kernel unicasts each event as a datagram of its own; should a datagram
 * ever hold more than one message, decoding stops at the first event.
 */
int hsx_wire_decode_datagram(const void *buf, size_t len, uint16_t family,
                             hsx_mailbox_event_t *event)
{
    mnl_cb_t control[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = decode_error};
    struct decode_state state = {.family = family, .event = event};

    if (len > HSX_NL_DUMP_BUFSIZE || !mnl_nlmsg_ok(buf, (int)len))
        return -EBADMSG;
    int ret = mnl_cb_run2(buf, len, 0, 0, decode_data, &state, control, MNL_ARRAY_SIZE(control));
    if (ret < 0 && state.result == 0)
        return -EBADMSG;
    return state.result;
}
