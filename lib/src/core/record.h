/* SPDX-License-Identifier: MIT */
/*
 * Records read from a queue file (HSX_IOC_MBOX_OPEN): decoding, as a pure
 * function over a buffer, so the unit tests can feed it any bytes.
 */
#ifndef HSX_RECORD_H
#define HSX_RECORD_H

#include <stddef.h>

#include "hsx_mailbox.h"

/*
 * Decode the record at the start of buf (len bytes read). Returns 0 with
 * *event filled, -EBADMSG when the record is shorter than its header, than
 * its own size or than its module's record, or -EPROTO for a type, or a
 * field of a known module, this library cannot represent. A module it does
 * not know (a newer kernel's) leaves module NONE, as over netlink.
 */
int hsx_record_decode(const void *buf, size_t len, hsx_mailbox_event_t *event);

#endif /* HSX_RECORD_H */
