// SPDX-License-Identifier: MIT
/*
 * A CAN interface by its index, with libmnl over can_link.c: RTM_GETLINK
 * parsed into struct can_iface, struct can_iface_settings built into one
 * RTM_NEWLINK (see can_iface.h; can_config.c says why by index and why in one
 * request).
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/can/netlink.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "can_config.h"
#include "can_iface.h"
#include "can_link.h"
#include "hsxd.h"

static uint32_t next_seq(void)
{
    static uint32_t seq;

    if (!seq)
        seq = (uint32_t)time(NULL);
    if (!++seq)
        seq = 1;
    return seq;
}

static int can_data_attr(const struct nlattr *a, void *data)
{
    struct can_iface *l = data;
    const uint16_t type = mnl_attr_get_type(a);
    const size_t len = mnl_attr_get_payload_len(a);

    if (type == IFLA_CAN_BITTIMING && len >= sizeof(l->bt)) {
        memcpy(&l->bt, mnl_attr_get_payload(a), sizeof(l->bt));
        l->can = true;
    } else if (type == IFLA_CAN_DATA_BITTIMING && len >= sizeof(l->dbt)) {
        memcpy(&l->dbt, mnl_attr_get_payload(a), sizeof(l->dbt));
    } else if (type == IFLA_CAN_CTRLMODE && len >= sizeof(struct can_ctrlmode)) {
        struct can_ctrlmode cm;
        memcpy(&cm, mnl_attr_get_payload(a), sizeof(cm));
        l->ctrlmode = cm.flags;
    } else if (type == IFLA_CAN_STATE && len >= sizeof(uint32_t)) {
        l->state = mnl_attr_get_u32(a);
    } else if (type == IFLA_CAN_RESTART_MS && len >= sizeof(uint32_t)) {
        l->restart_ms = mnl_attr_get_u32(a);
    }
    return MNL_CB_OK;
}

struct linkinfo {
    bool kind_can;
    const struct nlattr *data;
};

static int linkinfo_attr(const struct nlattr *a, void *data)
{
    struct linkinfo *li = data;

    if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
        li->kind_can = mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
                       strcmp(mnl_attr_get_str(a), "can") == 0;
    else if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
        li->data = a;
    return MNL_CB_OK;
}

static int link_attr(const struct nlattr *a, void *data)
{
    if (mnl_attr_get_type(a) == IFLA_LINKINFO) {
        struct linkinfo li = {0};
        mnl_attr_parse_nested(a, linkinfo_attr, &li);
        if (li.kind_can && li.data) {
            ((struct can_iface *)data)->dev = true;
            mnl_attr_parse_nested(li.data, can_data_attr, data);
        }
    }
    return MNL_CB_OK;
}

/* Read interface ifindex. */
int can_iface_get(uint32_t ifindex, struct can_iface *l)
{
    char req[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(4)));
    char ans[16384] __attribute__((aligned(4)));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);

    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    nlh->nlmsg_seq = next_seq();
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = (int)ifindex;
    int ret = can_link_request(nlh, ans, sizeof(ans));
    if (ret < 0)
        return ret;
    const struct nlmsghdr *got = (const struct nlmsghdr *)ans;
    if (ret < (int)mnl_nlmsg_size(sizeof(*ifi)) || got->nlmsg_type != RTM_NEWLINK)
        return -EPROTO;
    const struct ifinfomsg *gi = mnl_nlmsg_get_payload(got);
    if (gi->ifi_index != (int)ifindex)
        return -EPROTO;
    *l = (struct can_iface){.up = gi->ifi_flags & IFF_UP};
    mnl_attr_parse(got, sizeof(*gi), link_attr, l);
    return 0;
}

static void put_timing(struct nlmsghdr *nlh, uint16_t type, uint32_t bitrate,
                       const struct can_bittiming *by_tq)
{
    struct can_bittiming bt = {.bitrate = bitrate};

    /* As it was, by time quantum (the kernel's fix-up), or by bitrate when it has none. */
    if (!bitrate && by_tq->tq) {
        bt = *by_tq;
        bt.bitrate = 0;
        bt.sample_point = 0;
        bt.brp = 0;
    } else if (!bitrate) {
        bt.bitrate = by_tq->bitrate;
    }
    mnl_attr_put(nlh, type, sizeof(bt), &bt);
}

int can_iface_set(uint32_t ifindex, const struct can_iface_settings *s)
{
    char req[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(4)));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);

    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = next_seq();
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = (int)ifindex;
    if (s->updown) {
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = s->up ? IFF_UP : 0;
    }
    /* Kind and data: the kernel refuses them (EOPNOTSUPP) on anything but a CAN device. */
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "can");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    if (s->modes) {
        struct can_ctrlmode cm = {.mask = CAN_CONFIG_MODE_MASK, .flags = s->flags};
        mnl_attr_put(nlh, IFLA_CAN_CTRLMODE, sizeof(cm), &cm);
    }
    if (s->timing)
        put_timing(nlh, IFLA_CAN_BITTIMING, s->bitrate, &s->old->bt);
    if (s->timing && s->fd)
        put_timing(nlh, IFLA_CAN_DATA_BITTIMING, s->data_bitrate, &s->old->dbt);
    if (s->set_restart_ms)
        mnl_attr_put_u32(nlh, IFLA_CAN_RESTART_MS, s->restart_ms);
    if (s->restart) /* its value is not read: the attribute is the request */
        mnl_attr_put_u32(nlh, IFLA_CAN_RESTART, 1);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);
    return can_link_request(nlh, NULL, 0);
}

int can_iface_updown(uint32_t ifindex, bool up)
{
    return can_iface_set(ifindex, &(struct can_iface_settings){.updown = true, .up = up});
}

/* The bus still bound to ifindex? 0, or -EAGAIN with why. */
int can_iface_same_binding(int ctl, uint32_t bus, uint32_t ifindex, char *text, size_t size,
                           const char *before)
{
    struct hsx_can_info info = {.bus = bus};
    int ret = admin_can_info(ctl, &info);

    if (ret == 0 && info.bound && info.ifindex == ifindex)
        return 0;
    textf(text, size, "bus %u %s before %s (was ifindex %u): try again", bus,
          ret < 0      ? "could not be read"
          : info.bound ? "was bound to another interface"
                       : "was unbound",
          before, ifindex);
    return -EAGAIN;
}
