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

#include "core/module.h"
#include "core/wire.h"
#include "core/wire_attr.h"
#include "hsx_uapi.h"

_Static_assert((int)HSX_MAILBOX_CLOSE_CANCELLED == HSX_CLOSE_CANCELLED &&
                   (int)HSX_MAILBOX_CLOSE_OWNER_GONE == HSX_CLOSE_OWNER_GONE &&
                   (int)HSX_MAILBOX_CLOSE_ADMIN == HSX_CLOSE_ADMIN &&
                   (int)HSX_MAILBOX_CLOSE_REVOKED == HSX_CLOSE_REVOKED &&
                   (int)HSX_MAILBOX_CLOSE_GONE == HSX_CLOSE_GONE,
               "close reasons are the uAPI's values");
_Static_assert((int)HSX_MAILBOX_MODULE_UART == HSX_MODULE_UART &&
                   (int)HSX_MAILBOX_MODULE_CAN == HSX_MODULE_CAN &&
                   (int)HSX_MAILBOX_MODULE_TIMER == HSX_MODULE_TIMER &&
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

/* Collect the attributes after the genl header of nlh into table. */
static int parse_genl_attrs(const struct nlmsghdr *nlh, struct attr_table *table)
{
    if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
        return -EBADMSG;
    return hsx_wire_collect_attrs((const char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN,
                                  nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, table->types,
                                  table->max, table->tb, &table->unknown);
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
    *family = hsx_attr_u16(tb[CTRL_ATTR_FAMILY_ID]);
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
    *mailbox_id = hsx_attr_u32(tb[HSX_A_MBOX_ID]);
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
    info->id = hsx_attr_u32(tb[HSX_A_MBOX_ID]);
    strcpy(info->name, mnl_attr_get_str(tb[HSX_A_MBOX_NAME]));
    info->subscribers = hsx_attr_u32_or_zero(tb[HSX_A_MBOX_SUBSCRIBERS]);
    info->seq = hsx_attr_u64_or_zero(tb[HSX_A_MBOX_SEQ]);
    info->events = hsx_attr_u64_or_zero(tb[HSX_A_MBOX_EVENTS]);
    info->drops = hsx_attr_u64_or_zero(tb[HSX_A_MBOX_DROPS]);
    return 0;
}

/* The first module nest present (in the table's order), decoded by its module. */
static int decode_module_nest(const struct nlattr *const *tb, bool unknown,
                              hsx_mailbox_event_t *event)
{
    for (size_t i = 0; i < hsx_umodule_count; i++) {
        const struct hsx_umodule *m = hsx_umodules[i];
        if (m->nl_nest && m->decode_nest && m->nl_nest <= HSX_A_MAX && tb[m->nl_nest])
            return m->decode_nest(tb[m->nl_nest], event);
    }
    /* A module newer than this library: module NONE. No nest at all: malformed. */
    return unknown ? 0 : -EBADMSG;
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
    event->mailbox_id = hsx_attr_u32(tb[HSX_A_MBOX_ID]);
    event->seq = hsx_attr_u64(tb[HSX_A_EVT_SEQ]);
    event->timestamp_ns = hsx_attr_u64(tb[HSX_A_EVT_TIMESTAMP_NS]);
    event->dropped = hsx_attr_u32_or_zero(tb[HSX_A_EVT_DROPPED]);
    event->dropped_total = hsx_attr_u64_or_zero(tb[HSX_A_EVT_DROPPED_TOTAL]);
    event->module = HSX_MAILBOX_MODULE_NONE;

    switch (hsx_attr_u16(tb[HSX_A_EVT_TYPE])) {
    case HSX_EVT_CLOSED:
        event->type = HSX_MAILBOX_EVENT_CLOSED;
        event->close_reason =
            (hsx_mailbox_close_reason_t)hsx_attr_u32_or_zero(tb[HSX_A_EVT_CLOSE_REASON]);
        return 0;
    case HSX_EVT_DATA:
        event->type = HSX_MAILBOX_EVENT_DATA;
        return decode_module_nest(tb, table.unknown, event);
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
