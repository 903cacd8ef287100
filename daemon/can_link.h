/* SPDX-License-Identifier: MIT */
/*
 * One rtnetlink request of hsxd's and its answer, bounded in time: how
 * can_config.c reads and changes a CAN interface, by its index (see
 * daemon/README.md for why not libsocketcan). The unit tests of
 * can_config.c put a model of the kernel's CAN netlink in its place
 * (tests/fake.c); tests/test_can_link.c tests this one.
 */
#ifndef HSXD_CAN_LINK_H
#define HSXD_CAN_LINK_H

#include <stddef.h>

#include <linux/netlink.h>

/* The longest hsxd waits for the kernel's answer to one request. */
#define CAN_LINK_TIMEOUT_MS 2000

/*
 * Send req (its nlmsg_seq set by the caller, NLM_F_ACK or a GET) on a
 * NETLINK_ROUTE socket of its own, and wait at most CAN_LINK_TIMEOUT_MS for
 * the answer with req's sequence number; messages of other numbers or
 * senders are skipped. Returns 0 on an ack, the length of the answer
 * copied into buf (size bytes at most) for a GET, or a negative errno: the
 * kernel's refusal, -ETIMEDOUT, -EPROTO for an answer that makes no sense.
 */
int can_link_request(const struct nlmsghdr *req, void *buf, size_t size);

/* The same on fd, a bound netlink socket (or a test's stand-in) whose port id is portid. */
int can_link_xfer(int fd, unsigned int portid, const struct nlmsghdr *req, void *buf, size_t size,
                  int timeout_ms);

#endif /* HSXD_CAN_LINK_H */
