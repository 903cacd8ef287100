// SPDX-License-Identifier: MIT
/*
 * Receiving: a blocking hsx_mailbox_recv() (an io_uring wait on the file and
 * the handle's eventfd), the dispatcher's non-blocking hsx_mailbox_take(),
 * and between them and the file, decoding (a queue-file record or a netlink
 * message) and the drop accounting that makes every lost event reported
 * once. Kept apart from subscribing and closing: this is the path each event
 * takes, and the only code that reads the file.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/export.h"
#include "core/mailbox_impl.h"
#include "core/netlink.h"
#include "core/record.h"
#include "core/ring.h"
#include "core/thread.h"
#include "core/wire.h"

/* ---- drop accounting -------------------------------------------------------- */

/*
 * Every lost event is reported once, in the next event delivered.
 *
 * HSX_A_EVT_SEQ numbers every event posted to the mailbox, so between two
 * events this subscription received, the gap in sequence numbers is how many
 * it did not get: those the kernel could not queue (which it also counts, in
 * dropped) and those that reached this process but could not be delivered
 * (which only the gap shows). So dropped = max(the kernel's dropped, gap), and
 * dropped_total grows by whatever the gap added to the kernel's count.
 *
 * An ENOBUFS from the socket (its receive buffer overflowed) is not counted
 * on its own: the socket reports it ahead of the events queued before the
 * overflow, and the events it stands for are in the kernel's count and in the
 * gap at the first event queued after them. Counting it again would report
 * those losses twice. Before the first event of a subscription there is no
 * number to compare with, so messages lost until then are added as counted.
 */
void hsx_drops_note_lost(struct hsx_drop_account *drops)
{
    if (drops->lost < UINT32_MAX)
        drops->lost++;
}

void hsx_drops_apply(struct hsx_drop_account *drops, hsx_mailbox_event_t *event)
{
    uint64_t dropped = event->dropped;

    if (drops->have_seq && event->seq > drops->last_seq) {
        uint64_t gap = event->seq - drops->last_seq - 1;
        if (gap > dropped)
            dropped = gap;
    } else {
        dropped += drops->lost;
    }
    if (dropped > UINT32_MAX)
        dropped = UINT32_MAX;

    drops->extra_total += dropped - event->dropped;
    event->dropped = (uint32_t)dropped;
    event->dropped_total += drops->extra_total;
    drops->lost = 0;
    drops->have_seq = true;
    drops->last_seq = event->seq;
}

/* ---- receiving -------------------------------------------------------------- */

/*
 * With mb->lock held: what a receive returns once the kernel ended the
 * subscription. A subscription that ended because the capability it was
 * opened under ended is a denial, not a closed object: the caller may get
 * access back (a new capability) but not by waiting on this handle.
 */
static int gone_code(struct hsx_mailbox *mb)
{
    if (mb->revoked)
        return hsx_fail_with(HSX_HAL_DENIED, EKEYREVOKED);
    return hsx_fail_with(HSX_HAL_CLOSED, 0);
}

/* With mb->lock held; lost_if_bad: count an undecodable message as lost and read on. */
static int consume_locked(struct hsx_mailbox *mb, const void *buf, ssize_t len,
                          hsx_mailbox_event_t *event, bool lost_if_bad)
{
    int ret;

    if (len < 0) {
        switch (len) {
        case -EAGAIN:
            return hsx_fail_with(HSX_HAL_TIMEOUT, EAGAIN);
        case -EINTR:
            return HSX_MAILBOX_READ_AGAIN;
        case -ENOBUFS:
            /* The receive buffer overflowed: the next events say how much was lost. */
            return HSX_MAILBOX_READ_AGAIN;
        default:
            return hsx_fail_with_errno((int)len);
        }
    }
    if (len == 0) {
        /* End of file: only a wrapped socket whose peer went away. */
        mb->gone = true;
        memset(event, 0, sizeof(*event));
        event->type = HSX_MAILBOX_EVENT_CLOSED;
        event->mailbox_id = mb->id;
        return hsx_fail_with(HSX_HAL_CLOSED, 0);
    }

    if (mb->record_size) {
        ret = hsx_record_decode(buf, (size_t)len, event);
        if (ret == 0)
            ret = 1;
    } else if ((size_t)len > HSX_NL_BUFSIZE)
        ret = -EMSGSIZE;
    else
        ret = hsx_wire_decode_datagram(buf, (size_t)len, mb->family, event);
    if (ret == 1 && event->mailbox_id != mb->id)
        ret = -EPROTO;
    if (ret == 0)
        return HSX_MAILBOX_READ_AGAIN;
    if (ret < 0) {
        if (!lost_if_bad)
            return hsx_fail_with_errno(ret);
        hsx_drops_note_lost(&mb->drops);
        return HSX_MAILBOX_READ_AGAIN;
    }

    hsx_drops_apply(&mb->drops, event);
    if (event->type == HSX_MAILBOX_EVENT_CLOSED) {
        mb->gone = true;
        mb->revoked = event->close_reason == HSX_MAILBOX_CLOSE_REVOKED;
        return gone_code(mb);
    }
    return HSX_HAL_OK;
}

int hsx_mailbox_consume(hsx_mailbox_t *mb, const void *buf, ssize_t len, hsx_mailbox_event_t *event)
{
    pthread_mutex_lock(&mb->lock);
    int ret = consume_locked(mb, buf, len, event, false);
    pthread_mutex_unlock(&mb->lock);
    return ret;
}

/*
 * A read of len bytes (> 0) filled the batch: with mb->lock held, or by the
 * thread that alone uses the batch (receiving, solo_reading).
 */
static void batch_filled(struct hsx_mailbox *mb, size_t len)
{
    mb->batch_off = 0;
    mb->batch_len = (uint32_t)len;
    /* A read returns short only once the queue is empty (or ended). */
    mb->batch_full = len == mb->batch_cap;
}

/*
 * Every record queued, at most len bytes, without blocking: the bytes read or
 * -errno. hsx.ko's queue file is opened blocking for wait_event()'s read(),
 * so this one says RWF_NOWAIT; a test's stand-in is non-blocking itself.
 */
static ssize_t read_queued_records(struct hsx_mailbox *mb, void *buf, size_t len)
{
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    ssize_t n = mb->blocking ? preadv2(mb->fd, &iov, 1, -1, RWF_NOWAIT) : read(mb->fd, buf, len);

    return n < 0 ? -errno : n;
}

/*
 * With mb->lock held: a queue file's next record, from the batch, else from
 * one read of every record queued (at most batch_cap bytes).
 */
static int next_record_locked(struct hsx_mailbox *mb, hsx_mailbox_event_t *event, bool lost_if_bad)
{
    if (mb->batch_off == mb->batch_len) {
        ssize_t len = read_queued_records(mb, mb->batch, mb->batch_cap);

        mb->batch_full = false;
        if (len <= 0)
            return consume_locked(mb, NULL, len, event, lost_if_bad);
        batch_filled(mb, (size_t)len);
    }

    /* Whole records; a file that is not a queue file may end with a short one. */
    uint32_t len = mb->batch_len - mb->batch_off;
    const unsigned char *record = mb->batch + mb->batch_off;

    if (len > mb->record_size)
        len = mb->record_size;
    mb->batch_off += len;
    return consume_locked(mb, record, len, event, lost_if_bad);
}

/*
 * With mb->lock held: a socket's next datagram, without waiting. Out of line,
 * so that its buffer's 8 KiB are on the stack only for a socket: a queue
 * file's record, the events' path under a callback, is taken without them.
 */
static __attribute__((noinline)) int
recv_datagram_locked(struct hsx_mailbox *mb, hsx_mailbox_event_t *event, bool lost_if_bad)
{
    unsigned char buf[HSX_NL_BUFSIZE];
    ssize_t len = recv(mb->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

    return consume_locked(mb, buf, len < 0 ? -errno : len, event, lost_if_bad);
}

/*
 * With mb->lock held: the next event already queued, early messages first,
 * then the batch's records, then the file's. more_only: the file is read only
 * if the last read filled the batch (see hsx_mailbox_recv_more()).
 */
static int read_queued_locked(struct hsx_mailbox *mb, hsx_mailbox_event_t *event, bool lost_if_bad,
                              bool more_only)
{
    int ret;

    do {
        struct early_message *msg = mb->early_head;

        if (msg) {
            mb->early_head = msg->next;
            if (!mb->early_head)
                mb->early_tail = &mb->early_head;
            ret = consume_locked(mb, msg->data, (ssize_t)msg->len, event, lost_if_bad);
            free(msg);
        } else if (mb->record_size) {
            if (more_only && mb->batch_off == mb->batch_len && !mb->batch_full)
                return hsx_fail_with(HSX_HAL_TIMEOUT, EAGAIN);
            ret = next_record_locked(mb, event, lost_if_bad);
        } else {
            ret = recv_datagram_locked(mb, event, lost_if_bad);
        }
    } while (ret == HSX_MAILBOX_READ_AGAIN);
    return ret;
}

_Static_assert(HSX_MBOX_BATCH_BYTES <= HSX_NL_BUFSIZE, "a batch fits the ring's buffer");

/*
 * Make mb's queue file wait timeout_ms in a blocking read (INF: without end),
 * as the wait about to read it asks; asked of hsx.ko only when it changes, so
 * that waits with one timeout cost one read() each. 0, or -1 when hsx.ko
 * cannot (one without HSX_IOC_MBOX_QUEUE_SET_TIMEOUT: the ring's timeout
 * then). Called by the receiving thread only.
 */
static int set_read_timeout(struct hsx_mailbox *mb, uint32_t timeout_ms)
{
    static atomic_int unsupported;
    uint64_t ns = timeout_ms == HSX_HAL_TIMEOUT_INF ? 0 : (uint64_t)timeout_ms * 1000000u;

    if (mb->read_timeout_ms == timeout_ms)
        return 0;
    if (atomic_load_explicit(&unsupported, memory_order_relaxed))
        return -1;
    if (ioctl(mb->fd, HSX_IOC_MBOX_QUEUE_SET_TIMEOUT, &ns) < 0) {
        if (errno == ENOTTY)
            atomic_store_explicit(&unsupported, 1, memory_order_relaxed);
        return -1;
    }
    mb->read_timeout_ms = timeout_ms;
    return 0;
}

/*
 * The batch's first record, taken without mb->lock by the thread that alone
 * uses the batch and the drop account meanwhile: the receiving one (the
 * dispatcher takes nothing and begins no read of a handle being received
 * from, and another receive is refused), or the dispatcher before its solo
 * read is over (a receive waits for that). Only an event of the
 * kernel's for this mailbox is taken; anything else (the final event, a
 * record that does not decode) is left for read_queued_locked(), which sets
 * what other threads see (gone, revoked) under the lock. Returns whether
 * *event holds the record.
 */
static bool take_data_unlocked(struct hsx_mailbox *mb, hsx_mailbox_event_t *event)
{
    uint32_t len = mb->batch_len - mb->batch_off;
    const unsigned char *record = mb->batch + mb->batch_off;

    if (len > mb->record_size)
        len = mb->record_size;
    if (hsx_record_decode(record, len, event) != 0 || event->type != HSX_MAILBOX_EVENT_DATA ||
        event->mailbox_id != mb->id)
        return false;
    mb->batch_off += len;
    hsx_drops_apply(&mb->drops, event);
    return true;
}

/*
 * Block until an event, the deadline, or close. Called with mb->lock held,
 * mb->receiving set and the batch empty; returns without it. The lock is let
 * go for the wait, and taken again after it only when the wait brought
 * something other than the kernel's events (an error, the final event, a
 * close): while receiving is set this thread is the file's and the batch's
 * one reader (see take_data_unlocked()), so hsx.ko's file is read straight
 * into the batch and its first event decoded there. Under emulation each
 * lock round trip and copy after the read is a slice of an event's latency.
 *
 * On hsx.ko's queue file the wait is a read and nothing else: closing ends it
 * by ending the subscription (hsx_mailbox_close_begin():
 * HSX_IOC_MBOX_QUEUE_END), after which the read returns what was queued, or
 * end of file, at once. It is a blocking read(), as a tty's or a timerfd's
 * reader waits: woken in the read, one system call; with a deadline, the
 * file's timeout (HSX_IOC_MBOX_QUEUE_SET_TIMEOUT, set when it changes) ends
 * it. Where hsx.ko has no such timeout, an io_uring READ linked to a
 * timeout, submitted and waited for in one system call. Anything else (a socket, a test's stand-in,
 * an hsx.ko without HSX_IOC_MBOX_QUEUE_END) is woken by the handle's eventfd, polled beside the
 * read in the ring and cancelled once it is done: a system call more.
 */
static int wait_event(struct hsx_mailbox *mb, hsx_mailbox_event_t *event, uint32_t timeout_ms)
{
    struct timespec deadline;
    const struct timespec *until = NULL;
    int ret;

    pthread_mutex_unlock(&mb->lock);
    if (timeout_ms != HSX_HAL_TIMEOUT_INF) {
        deadline = hsx_deadline_after_ms(timeout_ms);
        until = &deadline;
    }

    bool first = true;

    do {
        const void *data = mb->batch;
        ssize_t len;

        /*
         * A queue file: every record queued when the wait ends, as next_record_locked() reads.
         * With a deadline, the file's own timeout for the first read (later ones, after a
         * read that brought nothing to deliver, have less time left: the ring's timeout).
         */
        if (mb->blocking && mb->ends_reads && (first || !until) &&
            set_read_timeout(mb, until ? timeout_ms : HSX_HAL_TIMEOUT_INF) == 0) {
            len = read(mb->fd, mb->batch, mb->batch_cap);
            len = len < 0 ? -errno : len;
            if (len == -ETIMEDOUT)
                len = -ETIME;
        } else {
            len = hsx_ring_recv(mb->fd, mb->batch_cap, mb->ends_reads ? -1 : mb->wake_fd, until,
                                &data);
        }
        first = false;
        if (len == -ETIME)
            return hsx_fail_with(HSX_HAL_TIMEOUT, ETIMEDOUT);
        if (mb->record_size && len > 0 && !mb->closed) {
            if (data != mb->batch)
                memcpy(mb->batch, data, (size_t)len);
            batch_filled(mb, (size_t)len);
            if (take_data_unlocked(mb, event))
                return HSX_HAL_OK;
        }
        pthread_mutex_lock(&mb->lock);
        if (mb->closed || len == -ECANCELED) {
            ret = hsx_fail_with(HSX_HAL_CLOSED, 0);
        } else if (mb->record_size && len > 0) {
            ret = read_queued_locked(mb, event, false, true);
            if (ret == HSX_HAL_TIMEOUT)
                ret = HSX_MAILBOX_READ_AGAIN; /* nothing it brought to deliver: wait again */
        } else {
            ret = consume_locked(mb, data, len, event, false);
        }
        pthread_mutex_unlock(&mb->lock);
    } while (ret == HSX_MAILBOX_READ_AGAIN);
    return ret;
}

/*
 * held: the caller's reference keeps mb for the whole call, so the receive
 * takes none. Under emulation each atomic operation on the way back into the
 * file's read() lengthens the time an edge may find no reader waiting.
 */
static int receive(struct hsx_mailbox *mb, hsx_mailbox_event_t *event, uint32_t timeout_ms,
                   bool more_only, bool held)
{
    int ret = HSX_HAL_OK;

    if (!mb || !event)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    pthread_mutex_lock(&mb->lock);
    if (!mb->closed && !mb->inherited && mb->gone) {
        ret = gone_code(mb);
        pthread_mutex_unlock(&mb->lock);
        return ret;
    }
    /* A fork child's copy: the events are the parent's. */
    if (mb->closed || mb->inherited)
        ret = HSX_HAL_CLOSED;
    else if (mb->has_callback || mb->receiving)
        ret = HSX_HAL_BUSY;
    if (ret != HSX_HAL_OK) {
        pthread_mutex_unlock(&mb->lock);
        return hsx_fail_with(ret, 0);
    }
    /* Relaxed: everyone else reads it under the lock (the clearing below is a release). */
    atomic_store_explicit(&mb->receiving, true, memory_order_relaxed);
    if (!held)
        hsx_mailbox_ref(mb);
    /*
     * The dispatcher may still wait in the file's read() for the callback
     * just removed: end that wait (what it read goes to the batch, first),
     * as the removal's own kick does, and wait for it. No new one starts
     * while receiving is set, and none ever began unless solo_began (set
     * under this lock).
     */
    while (mb->solo_began) {
        atomic_store(&mb->solo_waited, true); /* before the look: see solo_over() */
        if (!atomic_load(&mb->solo_reading)) {
            atomic_store(&mb->solo_waited, false); /* no read begins while receiving is set */
            break;
        }
        ioctl(mb->fd, HSX_IOC_MBOX_QUEUE_KICK, 0);
        pthread_cond_wait(&mb->solo_done, &mb->lock);
    }
    /*
     * A receive that may wait reads no queue file before: its wait's read
     * takes what is queued at once (io_uring tries it when submitted), so an
     * empty queue costs one system call, not a read() and then the wait.
     */
    bool queue_wait = timeout_ms != 0 && mb->record_size;

    if (queue_wait && !mb->early_head && mb->batch_off == mb->batch_len && !mb->batch_full)
        ret = HSX_HAL_TIMEOUT; /* read_queued_locked()'s answer, without setting the errno */
    else
        ret = read_queued_locked(mb, event, false, more_only || queue_wait);
    if (ret == HSX_HAL_TIMEOUT && timeout_ms != 0)
        ret = wait_event(mb, event, timeout_ms);
    else
        pthread_mutex_unlock(&mb->lock);
    /*
     * Without the lock: what this thread did to the batch and the drops is
     * seen by whoever sees receiving clear, under the lock.
     */
    atomic_store_explicit(&mb->receiving, false, memory_order_release);
    if (!held)
        hsx_mailbox_unref(mb);
    return ret;
}

HSX_API int hsx_mailbox_recv(hsx_mailbox_t *mb, hsx_mailbox_event_t *event, uint32_t timeout_ms)
{
    return receive(mb, event, timeout_ms, false, false);
}

int hsx_mailbox_recv_held(hsx_mailbox_t *mb, hsx_mailbox_event_t *event, uint32_t timeout_ms)
{
    return receive(mb, event, timeout_ms, false, true);
}

int hsx_mailbox_recv_more(hsx_mailbox_t *mb, hsx_mailbox_event_t *event)
{
    return receive(mb, event, 0, true, false);
}

static int take_locked(hsx_mailbox_t *mb, hsx_mailbox_event_t *event, bool more_only)
{
    /*
     * After the final event nothing more comes; the dispatcher stops on CLOSED
     * anyway. A thread receiving (its callback is being removed, and a receive
     * started before the dispatcher saw it) is the file's one reader.
     */
    int ret = mb->gone || mb->receiving ? HSX_HAL_TIMEOUT
                                        : read_queued_locked(mb, event, true, more_only);
    /* The final event of a revoked subscription is a final event all the same. */
    if (ret == HSX_HAL_DENIED && mb->gone)
        ret = HSX_HAL_CLOSED;
    return ret;
}

static int take(hsx_mailbox_t *mb, hsx_mailbox_event_t *event, bool more_only)
{
    pthread_mutex_lock(&mb->lock);
    int ret = take_locked(mb, event, more_only);
    pthread_mutex_unlock(&mb->lock);
    return ret;
}

int hsx_mailbox_take(hsx_mailbox_t *mb, hsx_mailbox_event_t *event)
{
    return take(mb, event, false);
}

int hsx_mailbox_take_more(hsx_mailbox_t *mb, hsx_mailbox_event_t *event)
{
    return take(mb, event, true);
}

/* Whether hsx.ko takes HSX_IOC_MBOX_QUEUE_KICK: 0 not asked yet, 1 yes, -1 no. */
static atomic_int kick_known;

static bool kick_supported(int fd)
{
    int known = atomic_load_explicit(&kick_known, memory_order_relaxed);

    if (!known) {
        /*
         * Asking kicks: the first wait ends at once, and goes round once more.
         * Any refusal (an hsx.ko without it, an LSM or seccomp filter) is kept.
         */
        known = ioctl(fd, HSX_IOC_MBOX_QUEUE_KICK, 0) == 0 ? 1 : -1;
        atomic_store_explicit(&kick_known, known, memory_order_relaxed);
    }
    return known > 0;
}

void hsx_mailbox_set_rare(hsx_mailbox_t *mb)
{
    atomic_store_explicit(&mb->rare, true, memory_order_relaxed);
}

bool hsx_mailbox_linkable(const hsx_mailbox_t *mb)
{
    return mb->queue_file && atomic_load_explicit(&mb->rare, memory_order_relaxed);
}

bool hsx_mailbox_solo_capable(const hsx_mailbox_t *mb)
{
    return mb->queue_file && mb->blocking;
}

int hsx_mailbox_link(const hsx_mailbox_t *mb, int target_fd)
{
    int32_t fd = target_fd;

    return ioctl(mb->fd, HSX_IOC_MBOX_QUEUE_LINK, &fd) ? -errno : 0;
}

int hsx_mailbox_solo_begin(hsx_mailbox_t *mb)
{
    int fd = -1;

    pthread_mutex_lock(&mb->lock);
    if (mb->queue_file && mb->blocking && mb->ends_reads && mb->has_callback && !mb->receiving &&
        !mb->closed && !mb->gone && !mb->inherited && !mb->solo_reading && !mb->early_head &&
        mb->batch_off == mb->batch_len && kick_supported(mb->fd) &&
        set_read_timeout(mb, HSX_HAL_TIMEOUT_INF) == 0) {
        mb->solo_reading = true;
        mb->solo_began = true;
        mb->batch_off = mb->batch_len = 0;
        mb->batch_full = false;
        fd = mb->fd;
    }
    pthread_mutex_unlock(&mb->lock);
    return fd;
}

/*
 * The solo read is over: the file and the batch are anyone's again. Without
 * the lock, so that an event's way to its callback takes none; the one
 * thread that may wait for this (a receive, in receive()) says so first in
 * solo_waited, and the two are ordered so that one of them sees the other's
 * store: the receive sees solo_reading clear, or this sees it waiting and
 * wakes it under the lock, which the receive holds until it waits.
 */
static void solo_over(struct hsx_mailbox *mb)
{
    atomic_store(&mb->solo_reading, false);
    if (atomic_load(&mb->solo_waited)) {
        pthread_mutex_lock(&mb->lock);
        mb->solo_waited = false;
        pthread_cond_broadcast(&mb->solo_done);
        pthread_mutex_unlock(&mb->lock);
    }
}

int hsx_mailbox_solo_end(hsx_mailbox_t *mb, ssize_t len, hsx_mailbox_event_t *event, bool *more)
{
    int ret = HSX_HAL_TIMEOUT;

    /*
     * Read into the batch, which no one else touched: delivered before the
     * file is read again. Its first record, an event of the kernel's, is
     * taken before the read is over, by the thread that alone uses the batch
     * until then (no early message is left: hsx_mailbox_solo_begin()).
     */
    if (len > 0)
        batch_filled(mb, (size_t)len);
    if (event && len > 0 && take_data_unlocked(mb, event)) {
        *more = mb->batch_off < mb->batch_len || mb->batch_full;
        solo_over(mb);
        return HSX_HAL_OK;
    }
    solo_over(mb);
    if (event) {
        pthread_mutex_lock(&mb->lock);
        ret = take_locked(mb, event, true);
        /* Not after a refusal: a receive that began meanwhile has the batch now. */
        *more = ret == HSX_HAL_OK &&
                (mb->early_head || mb->batch_off < mb->batch_len || mb->batch_full);
        pthread_mutex_unlock(&mb->lock);
    }
    return ret;
}
