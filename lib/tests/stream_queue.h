/* SPDX-License-Identifier: MIT */
/*
 * A queue-file stand-in that reads as hsx.ko's queue file does: every record
 * queued that fits, in one read(). helpers.h's test_queue_mailbox() is a
 * SOCK_SEQPACKET pair, whose read() returns one record; this is a
 * SOCK_STREAM pair. The test sends one whole record per send(), and the
 * library reads whole records, so no read ends inside one.
 */
#ifndef HSX_TEST_STREAM_QUEUE_H
#define HSX_TEST_STREAM_QUEUE_H

#include <sys/socket.h>
#include <unistd.h>

#include "core/mailbox.h"

/* A handle over one end, non-blocking as the library makes queue files; *peer: the "kernel". */
static inline int test_stream_queue_mailbox(uint32_t id, const char *name, uint32_t record_size,
                                            hsx_mailbox_t **mb, int *peer)
{
    int fds[2];

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
        return -1;
    if (hsx_mailbox_from_queue_fd(fds[0], id, record_size, name, mb) != HSX_HAL_OK) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    *peer = fds[1];
    return 0;
}

#endif /* HSX_TEST_STREAM_QUEUE_H */
