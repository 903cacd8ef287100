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
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

/* With mb->lock held: the next event already queued, early messages first. */
static int read_queued_locked(struct hsx_mailbox *mb, hsx_mailbox_event_t *event, bool lost_if_bad)
{
    unsigned char buf[HSX_NL_BUFSIZE];
    int ret;

    do {
        struct early_message *msg = mb->early_head;

        if (msg) {
            mb->early_head = msg->next;
            if (!mb->early_head)
                mb->early_tail = &mb->early_head;
            ret = consume_locked(mb, msg->data, (ssize_t)msg->len, event, lost_if_bad);
            free(msg);
        } else {
            /* A queue file is non-blocking; one record at a time, each read whole. */
            ssize_t len = mb->record_size
                              ? read(mb->fd, buf, mb->record_size)
                              : recv(mb->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
            ret = consume_locked(mb, buf, len < 0 ? -errno : len, event, lost_if_bad);
        }
    } while (ret == HSX_MAILBOX_READ_AGAIN);
    return ret;
}

/* Block until an event, the deadline, or close. Called without mb->lock. */
static int wait_event(struct hsx_mailbox *mb, hsx_mailbox_event_t *event, uint32_t timeout_ms)
{
    struct timespec deadline = hsx_deadline_after_ms(timeout_ms);
    const struct timespec *until = timeout_ms == HSX_HAL_TIMEOUT_INF ? NULL : &deadline;
    int ret;

    do {
        const void *data = NULL;
        ssize_t len = hsx_ring_recv(mb->fd, mb->record_size, mb->wake_fd, until, &data);

        if (len == -ETIME)
            return hsx_fail_with(HSX_HAL_TIMEOUT, ETIMEDOUT);
        pthread_mutex_lock(&mb->lock);
        if (mb->closed || len == -ECANCELED)
            ret = hsx_fail_with(HSX_HAL_CLOSED, 0);
        else
            ret = consume_locked(mb, data, len, event, false);
        pthread_mutex_unlock(&mb->lock);
    } while (ret == HSX_MAILBOX_READ_AGAIN);
    return ret;
}

HSX_API int hsx_mailbox_recv(hsx_mailbox_t *mb, hsx_mailbox_event_t *event, uint32_t timeout_ms)
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
    mb->receiving = true;
    hsx_mailbox_ref(mb);
    ret = read_queued_locked(mb, event, false);
    pthread_mutex_unlock(&mb->lock);

    if (ret == HSX_HAL_TIMEOUT && timeout_ms != 0)
        ret = wait_event(mb, event, timeout_ms);

    pthread_mutex_lock(&mb->lock);
    mb->receiving = false;
    pthread_mutex_unlock(&mb->lock);
    hsx_mailbox_unref(mb);
    return ret;
}

int hsx_mailbox_take(hsx_mailbox_t *mb, hsx_mailbox_event_t *event)
{
    pthread_mutex_lock(&mb->lock);
    /* After the final event nothing more comes; the dispatcher stops on CLOSED anyway. */
    int ret = mb->gone ? HSX_HAL_TIMEOUT : read_queued_locked(mb, event, true);
    /* The final event of a revoked subscription is a final event all the same. */
    if (ret == HSX_HAL_DENIED && mb->gone)
        ret = HSX_HAL_CLOSED;
    pthread_mutex_unlock(&mb->lock);
    return ret;
}
