// SPDX-License-Identifier: MIT
/*
 * The core's events to user space: a capability ended ("hal:cap:<id>",
 * "hal:caps"), from either transport, and the words for why. The core has
 * no node of its own (every node serves it) and no capabilities.
 */
#include <errno.h>
#include <string.h>

#include "core/wire_attr.h"
#include "modules.h"

/* ID 0 names no capability and reason 0 no end: the event could say nothing. */
static int fill(hsx_mailbox_event_t *event, uint64_t id, uint64_t object, uint32_t module,
                uint32_t reason, uint32_t holder_pid)
{
    if (id == 0 || reason == 0)
        return -EPROTO;
    event->module = HSX_MAILBOX_MODULE_CORE;
    event->u.cap.id = id;
    event->u.cap.object = object;
    event->u.cap.module = module;
    event->u.cap.reason = reason;
    event->u.cap.holder_pid = holder_pid;
    return 0;
}

static int decode_record(const void *record, hsx_mailbox_event_t *event)
{
    struct hsx_cap_record r;

    memcpy(&r, record, sizeof(r));
    return fill(event, r.id, r.object, r.module, r.reason, r.holder_pid);
}

static const enum mnl_attr_data_type attr_types[HSX_CAP_A_MAX + 1] = {
    [HSX_CAP_A_ID] = MNL_TYPE_U64,         [HSX_CAP_A_MODULE] = MNL_TYPE_U32,
    [HSX_CAP_A_OBJECT] = MNL_TYPE_U64,     [HSX_CAP_A_REASON] = MNL_TYPE_U32,
    [HSX_CAP_A_HOLDER_PID] = MNL_TYPE_U32,
};

/*
 * ID, module and reason are required; object and holder default to 0. A
 * reason above the four known ones is passed on (a newer kernel's), as is a
 * module this library does not serve.
 */
static int decode_nest(const struct nlattr *nest, hsx_mailbox_event_t *event)
{
    const struct nlattr *tb[HSX_CAP_A_MAX + 1] = {0};
    int ret = hsx_wire_parse_nest(nest, attr_types, HSX_CAP_A_MAX, tb);

    if (ret < 0)
        return ret;
    if (!tb[HSX_CAP_A_ID] || !tb[HSX_CAP_A_MODULE] || !tb[HSX_CAP_A_REASON])
        return -EBADMSG;
    return fill(event, hsx_attr_u64(tb[HSX_CAP_A_ID]), hsx_attr_u64_or_zero(tb[HSX_CAP_A_OBJECT]),
                hsx_attr_u32(tb[HSX_CAP_A_MODULE]), hsx_attr_u32(tb[HSX_CAP_A_REASON]),
                hsx_attr_u32_or_zero(tb[HSX_CAP_A_HOLDER_PID]));
}

/*
 * Why a capability ended, in words: the one table for the library's
 * hsx_cap_reason_name() and stderr line, hsxd's log and hsxctl's output.
 */
static const char *const end_reasons[] = {
    [HSX_CAP_END_EXPLICIT] = "revoked",
    [HSX_CAP_END_EXPIRED] = "expired",
    [HSX_CAP_END_HOLDER_EXITED] = "holder exited",
    [HSX_CAP_END_PARENT] = "parent revoked",
};

const char *hsx_cap_end_reason(uint32_t reason)
{
    return reason < sizeof(end_reasons) / sizeof(end_reasons[0]) ? end_reasons[reason] : NULL;
}

const struct hsx_umodule hsx_umod_core = {
    .id = HSX_MODULE_CORE,
    .name = "cap",
    .flags = 0,
    .mailboxes = {"hal:cap:%llu"},
    .nl_nest = HSX_A_EVT_CAP,
    .record_size = sizeof(struct hsx_cap_record),
    .decode_record = decode_record,
    .decode_nest = decode_nest,
};
