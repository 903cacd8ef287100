/* SPDX-License-Identifier: MIT */
/*
 * The kernel's word that capabilities ended: events of the mailbox
 * "hal:caps" (HSX_A_EVT_CAP), on the generic netlink family "hsx", read with
 * libmnl through the library's netlink plumbing.
 */
#ifndef HSXD_EVENTS_H
#define HSXD_EVENTS_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One event of "hal:caps". */
struct cap_event {
    bool closed;      /* HSX_EVT_CLOSED: the mailbox is gone */
    uint32_t dropped; /* events lost before this one */
    uint64_t id;      /* the capability that ended */
    uint32_t module;
    uint64_t object; /* its selector's first word */
    uint32_t reason; /* enum hsx_cap_end_reason */
    uint32_t holder_pid;
};

struct events {
    struct mnl_socket *sock;
    uint16_t family;
    uint32_t mailbox_id;
    uint64_t malformed; /* datagrams that could not be decoded */
};

/* Subscribe to "hal:caps"; the socket is then non-blocking. Returns 0 or -errno with why. */
int events_open(struct events *ev, char *why, size_t why_size);

void events_close(struct events *ev);

/*
 * Decode one datagram of the subscription: 1 with *event filled, 0 for
 * nothing of interest (an ack, another command), or -EBADMSG.
 */
int events_decode(const void *buf, size_t len, uint16_t family, struct cap_event *event);

/*
 * Read what is waiting and call on_event for each event. Returns 0, -ENOBUFS
 * if the socket overflowed (events were lost: re-read the kernel's list), or
 * another -errno.
 */
int events_read(struct events *ev, void (*on_event)(void *ctx, const struct cap_event *event),
                void *ctx);

/* The library's words (hsx_cap_end_reason(): "revoked", ...), or "reason N" (in buf). */
const char *events_reason(char *buf, size_t size, uint32_t reason);

#endif /* HSXD_EVENTS_H */
