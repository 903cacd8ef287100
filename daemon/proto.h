/* SPDX-License-Identifier: MIT */
/*
 * Checking the messages of uapi/hsxd_proto.h, both ways: hsxd checks every
 * request before acting on it, hsxctl every reply before printing it. Pure
 * functions over buffers.
 */
#ifndef HSXD_PROTO_CHECK_H
#define HSXD_PROTO_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "hsxd_proto.h"

/* "acquire", "renew", ...; "op N" for others (buf holds it). */
const char *proto_op_name(char *buf, size_t size, uint32_t op);

/* Is op one a client may send (END is a reply's)? */
bool proto_op_known(uint32_t op);

/*
 * Check a request of len bytes that came with nfds file descriptors from a
 * peer (admin: it has CAP_SYS_ADMIN, see struct peer_now). Every field an
 * operation does not use must be zero. Returns 0 with *req filled, or a
 * negative errno with why filled: -EPROTO another protocol version, -EPERM
 * administrators only, -EINVAL anything else.
 */
int proto_check_request(const void *buf, size_t len, int nfds, bool admin, struct hsxd_request *req,
                        char *why, size_t why_size);

/*
 * Check a reply of len bytes to a request of op: the version, the op (or
 * HSXD_OP_END after a LIST), a status that is 0 or a negative errno, and a
 * NUL-terminated message. Returns 0 with *reply filled, or -EPROTO with why.
 */
int proto_check_reply(const void *buf, size_t len, uint32_t op, struct hsxd_reply *reply, char *why,
                      size_t why_size);

#endif /* HSXD_PROTO_CHECK_H */
