/* SPDX-License-Identifier: MIT */
/*
 * Blocking receives with a timeout, done with io_uring on a ring that each
 * thread creates on first use and frees when it exits.
 */
#ifndef HSX_RING_H
#define HSX_RING_H

#include <sys/types.h>
#include <time.h>

/*
 * Wait for one datagram on fd (read_len 0), or the records queued in a queue
 * file, read_len bytes at most (at most HSX_NL_BUFSIZE), until wake_fd becomes
 * readable or the absolute CLOCK_MONOTONIC deadline passes (NULL waits
 * without one). On success returns the datagram's full length, which may
 * exceed the HSX_NL_BUFSIZE bytes stored at *data, or the bytes read, 0 at
 * the end of a queue file (*data is the calling thread's buffer, valid
 * until its next call). Otherwise returns -ETIME (deadline), -ECANCELED
 * (woken), or -errno.
 */
ssize_t hsx_ring_recv(int fd, size_t read_len, int wake_fd, const struct timespec *deadline,
                      const void **data);

/* fork(), in the child: forget the forking thread's ring (see fork.c). */
void hsx_ring_fork_child(void);

#endif /* HSX_RING_H */
