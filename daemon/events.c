// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <string.h>

#include "core/module.h"
#include "core/netlink.h"
#include "core/wire.h"
#include "events.h"
#include "hsx_uapi.h"

/* An event is under 200 bytes; room for a few in one read. */
#define EVENTS_BUFSIZE 8192

static int on_open_reply(const struct nlmsghdr *nlh, void *data)
{
    struct events *ev = data;

    /* Events may come before the ack; none can before the reply. */
    if (hsx_wire_genl_cmd(nlh) != HSX_CMD_MBOX_OPEN)
        return MNL_CB_OK;
    int ret = hsx_wire_parse_open_reply(nlh, &ev->mailbox_id);
    if (ret < 0) {
        errno = -ret;
        return MNL_CB_ERROR;
    }
    return MNL_CB_OK;
}

int events_open(struct events *ev, char *why, size_t why_size)
{
    unsigned char buf[HSX_NL_BUFSIZE];
    int ret;

    *ev = (struct events){0};
    ret = hsx_nl_resolve(HSX_GENL_NAME, &ev->family);
    if (ret < 0) {
        snprintf(why, why_size, "the generic netlink family '%s': %s%s", HSX_GENL_NAME,
                 strerror(-ret), ret == -ENOENT ? " (is hsx.ko loaded?)" : "");
        return ret;
    }
    ret = hsx_nl_open(&ev->sock, HSX_NL_RCVBUF);
    if (ret < 0) {
        snprintf(why, why_size, "a netlink socket: %s", strerror(-ret));
        return ret;
    }
    const struct nlmsghdr *req =
        hsx_wire_mbox_open(buf, sizeof(buf), ev->family, hsx_nl_seq(), HSX_MBOX_CAPS, -1);
    ret = req ? hsx_nl_transact(ev->sock, req, on_open_reply, ev, true) : -EINVAL;
    if (ret == 0 && ev->mailbox_id == 0)
        ret = -EBADMSG;
    if (ret == 0 && fcntl(mnl_socket_get_fd(ev->sock), F_SETFL, O_NONBLOCK) < 0)
        ret = -errno;
    if (ret < 0) {
        snprintf(why, why_size, "subscribing to %s: %s", HSX_MBOX_CAPS, strerror(-ret));
        events_close(ev);
    }
    return ret;
}

void events_close(struct events *ev)
{
    if (ev->sock)
        mnl_socket_close(ev->sock);
    ev->sock = NULL;
}

static const enum mnl_attr_data_type event_types[HSX_A_MAX + 1] = {
    [HSX_A_MBOX_ID] = MNL_TYPE_U32,     [HSX_A_EVT_TYPE] = MNL_TYPE_U16,
    [HSX_A_EVT_DROPPED] = MNL_TYPE_U32, [HSX_A_EVT_CLOSE_REASON] = MNL_TYPE_U32,
    [HSX_A_EVT_CAP] = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type cap_types[HSX_CAP_A_MAX + 1] = {
    [HSX_CAP_A_ID] = MNL_TYPE_U64,         [HSX_CAP_A_MODULE] = MNL_TYPE_U32,
    [HSX_CAP_A_OBJECT] = MNL_TYPE_U64,     [HSX_CAP_A_REASON] = MNL_TYPE_U32,
    [HSX_CAP_A_HOLDER_PID] = MNL_TYPE_U32,
};

struct attrs {
    const enum mnl_attr_data_type *types;
    uint16_t max;
    const struct nlattr **tb;
};

/* Known attributes are checked for type and length; unknown ones, from a newer kernel, skipped. */
static int collect(const struct nlattr *attr, void *data)
{
    struct attrs *a = data;
    uint16_t type = mnl_attr_get_type(attr);

    if (mnl_attr_type_valid(attr, a->max) < 0)
        return MNL_CB_OK;
    if (mnl_attr_validate(attr, a->types[type]) < 0)
        return MNL_CB_ERROR;
    a->tb[type] = attr;
    return MNL_CB_OK;
}

static uint32_t u32_of(const struct nlattr *attr)
{
    return attr ? mnl_attr_get_u32(attr) : 0;
}

int events_decode(const void *buf, size_t len, uint16_t family, struct cap_event *event)
{
    const struct nlmsghdr *nlh = buf;
    const struct nlattr *tb[HSX_A_MAX + 1] = {0}, *cap[HSX_CAP_A_MAX + 1] = {0};
    struct attrs top = {event_types, HSX_A_MAX, tb}, nest = {cap_types, HSX_CAP_A_MAX, cap};

    if (len > INT32_MAX || !mnl_nlmsg_ok(nlh, (int)len))
        return -EBADMSG;
    if (nlh->nlmsg_type != family || hsx_wire_genl_cmd(nlh) != HSX_CMD_MBOX_EVENT)
        return 0;
    if (mnl_attr_parse(nlh, GENL_HDRLEN, collect, &top) < 0 || !tb[HSX_A_EVT_TYPE])
        return -EBADMSG;
    *event = (struct cap_event){.dropped = u32_of(tb[HSX_A_EVT_DROPPED])};
    if (mnl_attr_get_u16(tb[HSX_A_EVT_TYPE]) == HSX_EVT_CLOSED) {
        event->closed = true;
        return 1;
    }
    if (!tb[HSX_A_EVT_CAP] || mnl_attr_parse_nested(tb[HSX_A_EVT_CAP], collect, &nest) < 0 ||
        !cap[HSX_CAP_A_ID])
        return -EBADMSG;
    event->id = mnl_attr_get_u64(cap[HSX_CAP_A_ID]);
    event->module = u32_of(cap[HSX_CAP_A_MODULE]);
    event->object = cap[HSX_CAP_A_OBJECT] ? mnl_attr_get_u64(cap[HSX_CAP_A_OBJECT]) : 0;
    event->reason = u32_of(cap[HSX_CAP_A_REASON]);
    event->holder_pid = u32_of(cap[HSX_CAP_A_HOLDER_PID]);
    return 1;
}

int events_read(struct events *ev, void (*on_event)(void *ctx, const struct cap_event *event),
                void *ctx)
{
    unsigned char buf[EVENTS_BUFSIZE];
    struct cap_event event;

    for (;;) {
        ssize_t len = mnl_socket_recvfrom(ev->sock, buf, sizeof(buf));
        if (len < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? 0 : -errno;
        }
        /* One event per datagram; a malformed one is counted and skipped. */
        int ret = events_decode(buf, (size_t)len, ev->family, &event);
        if (ret == 1)
            on_event(ctx, &event);
        else if (ret < 0)
            ev->malformed++;
    }
}

const char *events_reason(char *buf, size_t size, uint32_t reason)
{
    const char *text = hsx_cap_end_reason(reason);

    if (text)
        return text;
    snprintf(buf, size, "reason %u", reason);
    return buf;
}
