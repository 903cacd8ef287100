// SPDX-License-Identifier: MIT
/*
 * Queue-file records. The kernel copies each module's uAPI record as it is,
 * so decoding is a bounds check and the module descriptor's field copy; the
 * checks on values are the ones its netlink decoder makes, so both
 * transports deliver exactly the same events.
 */
#include <errno.h>
#include <string.h>

#include "core/module.h"
#include "core/record.h"
#include "hsx_uapi.h"

/*
 * The module record after the header: decoded by its module's descriptor. A
 * module this library does not know (a newer kernel's) leaves module NONE.
 */
static int decode_module(uint32_t id, const unsigned char *payload, size_t len,
                         hsx_mailbox_event_t *event)
{
    const struct hsx_umodule *m = hsx_umod_by_id(id);

    if (!m || !m->decode_record)
        return 0;
    if (len < m->record_size)
        return -EBADMSG;
    return m->decode_record(payload, event);
}

int hsx_record_decode(const void *buf, size_t len, hsx_mailbox_event_t *event)
{
    struct hsx_mbox_record hdr;

    if (len < sizeof(hdr))
        return -EBADMSG;
    memcpy(&hdr, buf, sizeof(hdr));
    if (hdr.size < sizeof(hdr) || hdr.size > len)
        return -EBADMSG;

    const unsigned char *payload = (const unsigned char *)buf + sizeof(hdr);
    size_t payload_len = hdr.size - sizeof(hdr);

    memset(event, 0, sizeof(*event));
    event->mailbox_id = hdr.mbox_id;
    event->seq = hdr.seq;
    event->timestamp_ns = hdr.timestamp_ns;
    event->dropped = hdr.dropped;
    event->dropped_total = hdr.dropped_total;
    event->module = HSX_MAILBOX_MODULE_NONE;

    switch (hdr.type) {
    case HSX_EVT_CLOSED:
        event->type = HSX_MAILBOX_EVENT_CLOSED;
        event->close_reason = (hsx_mailbox_close_reason_t)hdr.close_reason;
        return 0;
    case HSX_EVT_DATA:
        event->type = HSX_MAILBOX_EVENT_DATA;
        return decode_module(hdr.module, payload, payload_len, event);
    default:
        return -EPROTO;
    }
}
