/* SPDX-License-Identifier: MIT */
/*
 * The "hsx" generic netlink wire format: building requests and decoding what
 * the kernel sends, as pure functions over buffers (no sockets), so the unit
 * tests can check both directions byte for byte.
 */
#ifndef HSX_WIRE_H
#define HSX_WIRE_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsx_mailbox.h"

/*
 * Room for any one message the library sends or a subscription receives;
 * events are under 200 bytes. Dump replies may be larger: see HSX_NL_DUMP_BUFSIZE.
 */
#define HSX_NL_BUFSIZE 8192
#define HSX_NL_DUMP_BUFSIZE 32768

/* Requests. Each returns the message at the start of buf, or NULL if size is too small. */
struct nlmsghdr *hsx_wire_get_family(void *buf, size_t size, uint32_t seq, const char *name);
/* auth_fd: the /dev/hsx file whose capability authorizes listening, or -1 for none. */
struct nlmsghdr *hsx_wire_mbox_open(void *buf, size_t size, uint16_t family, uint32_t seq,
                                    const char *name, int auth_fd);
struct nlmsghdr *hsx_wire_mbox_close(void *buf, size_t size, uint16_t family, uint32_t seq,
                                     uint32_t mailbox_id);
struct nlmsghdr *hsx_wire_mbox_dump(void *buf, size_t size, uint16_t family, uint32_t seq);

/*
 * Decoders for single messages of the family (the generic netlink header is
 * checked too). Each returns 0, or -EBADMSG when the message is truncated, an
 * attribute has the wrong type or length, or a required attribute is missing,
 * or -EPROTO for a well-formed message this library cannot use.
 */
int hsx_wire_parse_family(const struct nlmsghdr *nlh, uint16_t *family);
int hsx_wire_parse_open_reply(const struct nlmsghdr *nlh, uint32_t *mailbox_id);
int hsx_wire_parse_info(const struct nlmsghdr *nlh, hsx_mailbox_info_t *info);
int hsx_wire_parse_event(const struct nlmsghdr *nlh, hsx_mailbox_event_t *event);

/* The attribute walk every decoder uses: see wire_attr.h (hsx_wire_collect_attrs()). */
#include "core/wire_attr.h"

/* The genl command of a message of the family, or -EBADMSG if it has no genl header. */
int hsx_wire_genl_cmd(const struct nlmsghdr *nlh);

/*
 * Decode one datagram read from a subscription socket (family 0 accepts any
 * message type). Returns 1 with *event filled, 0 when it holds nothing for
 * the caller (an ack, a no-op, a late reply), the negated errno of a netlink
 * error message, or -EBADMSG / -EPROTO as above.
 */
int hsx_wire_decode_datagram(const void *buf, size_t len, uint16_t family,
                             hsx_mailbox_event_t *event);

#endif /* HSX_WIRE_H */
