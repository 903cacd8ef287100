// SPDX-License-Identifier: MIT
/*
 * One wait is up to three requests on the calling thread's ring:
 *
 *   POLL_ADD(wake_fd)                   ends the wait when the handle is closed
 *   RECV(fd)  --IOSQE_IO_LINK-->  LINK_TIMEOUT(deadline)
 *
 * (a READ in place of the RECV for a queue file, whose records are read; no
 * POLL_ADD for one whose closing ends the read itself: see mailbox_recv.c).
 * One system call submits them and waits; one more submits a cancel and
 * waits for it.
 * The recv and its linked timeout always complete as a pair: whichever
 * finishes first cancels the other, which then completes with -ECANCELED.
 * The wake poll is independent, so whichever of "recv done" and "woken" comes
 * first, the other is cancelled explicitly. The wait returns only when every
 * request it submitted has completed, so no request outlives it and the next
 * wait starts on an empty ring.
 *
 * The receive buffer belongs to the ring, not to the caller's stack: if the
 * ring ever fails in a way that leaves a request in flight, the ring and its
 * buffer are abandoned (leaked) rather than freed under the kernel's feet.
 */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/fork.h"
#include "core/ring.h"
#include "core/wire.h"

#define RING_ENTRIES 8

struct thread_ring {
    struct io_uring ring;
    unsigned char buf[HSX_NL_BUFSIZE];
};

enum op {
    OP_WAKE = 1,
    OP_RECV,
    OP_TIMEOUT,
    OP_CANCEL,
};

static pthread_key_t ring_key;
static pthread_once_t ring_key_once = PTHREAD_ONCE_INIT;
static int ring_key_err;
static atomic_bool ring_key_ready;

static void free_thread_ring(void *ptr)
{
    struct thread_ring *tr = ptr;

    io_uring_queue_exit(&tr->ring);
    free(tr);
}

static void create_ring_key(void)
{
    ring_key_err = pthread_key_create(&ring_key, free_thread_ring);
    atomic_store(&ring_key_ready, true);
}

/*
 * The forking thread's ring is shared with the parent (its rings are mapped
 * shared): a wait in the child would take the parent's completions. The
 * child's thread gets a ring of its own on its first wait.
 */
void hsx_ring_fork_child(void)
{
    /* pthread_once has run if any thread ever waited; before, there is no ring to forget. */
    if (ring_key_err || !atomic_load(&ring_key_ready))
        return;
    struct thread_ring *tr = pthread_getspecific(ring_key);
    if (tr) {
        pthread_setspecific(ring_key, NULL);
        free_thread_ring(tr);
    }
}

/* The calling thread's ring, created on first use. Returns 0 or -errno. */
static int thread_ring(struct thread_ring **out)
{
    pthread_once(&ring_key_once, create_ring_key);
    if (ring_key_err)
        return -ring_key_err;

    struct thread_ring *tr = pthread_getspecific(ring_key);
    if (tr) {
        *out = tr;
        return 0;
    }
    hsx_fork_watch();
    tr = calloc(1, sizeof(*tr));
    if (!tr)
        return -ENOMEM;
    /*
     * SUBMIT_ALL (5.18): a request that fails at submission still completes, so
     * counting completions works. Without it a short submission abandons the ring.
     * SINGLE_ISSUER and DEFER_TASKRUN (6.1): only this thread uses its ring, so
     * completion work can wait until it waits, and a wake-up reaches it directly
     * instead of as signalled task work. Older kernels refuse what they lack.
     */
    int ret = io_uring_queue_init(RING_ENTRIES, &tr->ring,
                                  IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
                                      IORING_SETUP_DEFER_TASKRUN);
    if (ret == -EINVAL)
        ret = io_uring_queue_init(RING_ENTRIES, &tr->ring, IORING_SETUP_SUBMIT_ALL);
    if (ret == -EINVAL)
        ret = io_uring_queue_init(RING_ENTRIES, &tr->ring, 0);
    if (ret < 0) {
        free(tr);
        return ret;
    }
    ret = pthread_setspecific(ring_key, tr);
    if (ret) {
        free_thread_ring(tr);
        return -ret;
    }
    *out = tr;
    return 0;
}

/* Leave a ring whose requests may still be in flight; the next call makes a new one. */
static void abandon_thread_ring(void)
{
    pthread_setspecific(ring_key, NULL);
}

static void prep_cancel(struct io_uring *ring, enum op target)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

    io_uring_prep_cancel64(sqe, target, 0);
    io_uring_sqe_set_data64(sqe, OP_CANCEL);
}

ssize_t hsx_ring_recv(int fd, size_t read_len, int wake_fd, const struct timespec *deadline,
                      const void **data)
{
    struct __kernel_timespec ts;
    struct thread_ring *tr = NULL;
    struct io_uring_sqe *sqe;
    int ret = thread_ring(&tr);

    if (ret < 0)
        return ret;
    struct io_uring *ring = &tr->ring;

    unsigned int in_flight = 1;
    bool wake_done = wake_fd < 0;

    if (!wake_done) {
        sqe = io_uring_get_sqe(ring);
        io_uring_prep_poll_add(sqe, wake_fd, POLLIN);
        io_uring_sqe_set_data64(sqe, OP_WAKE);
        in_flight++;
    }

    sqe = io_uring_get_sqe(ring);
    if (read_len)
        /* A queue file returns whole records only, as many as are queued and fit. */
        io_uring_prep_read(sqe, fd, tr->buf, (unsigned int)read_len, 0);
    else
        /* MSG_TRUNC: report the datagram's real length, so a truncated one is noticed. */
        io_uring_prep_recv(sqe, fd, tr->buf, sizeof(tr->buf), MSG_TRUNC);
    io_uring_sqe_set_data64(sqe, OP_RECV);

    if (deadline) {
        sqe->flags |= IOSQE_IO_LINK;
        ts.tv_sec = deadline->tv_sec;
        ts.tv_nsec = deadline->tv_nsec;
        sqe = io_uring_get_sqe(ring);
        io_uring_prep_link_timeout(sqe, &ts, IORING_TIMEOUT_ABS);
        io_uring_sqe_set_data64(sqe, OP_TIMEOUT);
        in_flight++;
    }

    /* One system call submits and waits: the recv completes in it when there is data already. */
    ret = io_uring_submit_and_wait(ring, 1);
    if (ret != (int)in_flight) {
        abandon_thread_ring();
        return ret < 0 ? ret : -EIO;
    }

    int recv_res = 0;
    bool recv_done = false, woken = false;

    while (in_flight > 0) {
        struct io_uring_cqe *cqe;

        ret = io_uring_wait_cqe(ring, &cqe);
        if (ret == -EINTR)
            continue;
        if (ret < 0) {
            abandon_thread_ring();
            return ret;
        }
        uint64_t op = io_uring_cqe_get_data64(cqe);
        int res = cqe->res;
        io_uring_cqe_seen(ring, cqe);
        in_flight--;

        switch (op) {
        case OP_WAKE:
            /* A poll that failed (it cannot, on an eventfd) only loses the wake-up. */
            wake_done = true;
            woken = res > 0;
            if (woken && !recv_done) {
                prep_cancel(ring, OP_RECV);
                in_flight++;
            }
            break;
        case OP_RECV:
            recv_done = true;
            recv_res = res;
            if (!wake_done) {
                prep_cancel(ring, OP_WAKE);
                in_flight++;
            }
            break;
        default: /* OP_TIMEOUT, OP_CANCEL: their outcome shows in the recv result */
            break;
        }
        /* A cancel, submitted with the wait for its completions. */
        if (io_uring_sq_ready(ring) > 0 && io_uring_submit_and_wait(ring, 1) < 0) {
            abandon_thread_ring();
            return -EIO;
        }
    }

    if (recv_res >= 0) {
        *data = tr->buf;
        return recv_res;
    }
    /* A cancelled recv was either woken or ended by its linked timeout. */
    if (recv_res == -ECANCELED)
        return woken ? -ECANCELED : -ETIME;
    return recv_res;
}
