/* SPDX-License-Identifier: MIT */
/*
 * Generic netlink plumbing: sockets, the "hsx" family ID, request/reply.
 */
#ifndef HSX_NETLINK_H
#define HSX_NETLINK_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The receive buffer asked for on each subscription socket. The kernel caps
 * it at net.core.rmem_max (doubled, for bookkeeping); when it is full the
 * kernel counts the events it could not queue and reports them in the next
 * event's dropped field.
 */
#define HSX_NL_RCVBUF (256 * 1024)

/* Open and bind a NETLINK_GENERIC socket (rcvbuf 0: the default size). Returns 0 or -errno. */
int hsx_nl_open(struct mnl_socket **sock, int rcvbuf);

/* The ID of the generic netlink family called name. Returns 0 or -errno (-ENOENT: none). */
int hsx_nl_resolve(const char *name, uint16_t *family);

/* The "hsx" family ID, resolved once and cached; HSX_HAL_NO_DEVICE if hsx.ko is not loaded. */
int hsx_nl_family(uint16_t *family);

/*
 * Forget a cached family ID that the kernel no longer knows (hsx.ko was
 * reloaded) and resolve it again. Returns as hsx_nl_family().
 */
int hsx_nl_family_refresh(uint16_t stale, uint16_t *family);

/* A sequence number for a new request. */
uint32_t hsx_nl_seq(void);

/*
 * Send req and feed each reply message to on_reply until the kernel's ack or
 * the end of a dump. Returns 0, or -errno: the kernel's error, EINTR for a
 * dump the kernel flagged as interrupted, or a local failure. A subscription
 * socket may overflow with events while it waits (ENOBUFS): with
 * events_may_overflow, that is no failure of the request.
 */
int hsx_nl_transact(struct mnl_socket *sock, const struct nlmsghdr *req, mnl_cb_t on_reply,
                    void *data, bool events_may_overflow);

/* fork(): the family ID's lock, a leaf (see fork.c). */
void hsx_nl_fork_prepare(void);
void hsx_nl_fork_parent(void);
void hsx_nl_fork_child(void);

#endif /* HSX_NETLINK_H */
