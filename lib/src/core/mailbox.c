// SPDX-License-Identifier: MIT
/*
 * Mailbox handles: one subscription, one file of its own: a queue file or a
 * generic netlink socket.
 *
 * A handle opened with a /dev/hsx file to authorize it is a queue file
 * (HSX_IOC_MBOX_OPEN on that file): the kernel copies each event into the
 * file's ring of records, and a receive reads one record, with no message to
 * build or parse. Without one, or on a kernel that has no queue files, it is
 * a netlink socket, subscribed with HSX_CMD_MBOX_OPEN (privileged callers,
 * tools). Either way the kernel queues each subscription's events separately
 * and a blocking wait on one handle needs no demultiplexing. A handle is reference
 * counted: the application's reference is dropped by hsx_mailbox_close(), and
 * a thread blocked in hsx_mailbox_recv(), the dispatcher, or a lookup of a
 * timer's or a pin's mailbox each hold their own, so closing never frees
 * memory another thread is using.
 * Close ends a blocked receive by writing the handle's eventfd, which that
 * receive also waits on (shutdown() does not work on netlink sockets).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/export.h"
#include "core/fork.h"
#include "core/mailbox.h"
#include "core/netlink.h"
#include "core/record.h"
#include "core/ring.h"
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

/* ---- handle lifetime ------------------------------------------------------ */

static bool valid_name(const char *name)
{
    return name && name[0] != '\0' && strnlen(name, HSX_MBOX_NAME_MAX) < HSX_MBOX_NAME_MAX;
}

static void free_early_messages(struct hsx_mailbox *mb)
{
    while (mb->early_head) {
        struct early_message *msg = mb->early_head;
        mb->early_head = msg->next;
        free(msg);
    }
    mb->early_tail = &mb->early_head;
}

/*
 * Every live handle, for fork(): its prepare handler takes each one's lock.
 * The list's lock comes after the renewal thread's and before every
 * handle's in the library's lock order; it is taken only here, never with a
 * handle's lock or the dispatcher's held (see apply_todo()).
 */
static struct {
    pthread_mutex_t lock;
    struct hsx_mailbox *head;
} live = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void live_add(struct hsx_mailbox *mb)
{
    pthread_mutex_lock(&live.lock);
    mb->live_prev = NULL;
    mb->live_next = live.head;
    if (live.head)
        live.head->live_prev = mb;
    live.head = mb;
    pthread_mutex_unlock(&live.lock);
}

static void live_remove(struct hsx_mailbox *mb)
{
    pthread_mutex_lock(&live.lock);
    if (mb->live_prev)
        mb->live_prev->live_next = mb->live_next;
    else
        live.head = mb->live_next;
    if (mb->live_next)
        mb->live_next->live_prev = mb->live_prev;
    pthread_mutex_unlock(&live.lock);
}

void hsx_mailbox_fork_prepare(void)
{
    pthread_mutex_lock(&live.lock);
    for (struct hsx_mailbox *mb = live.head; mb; mb = mb->live_next)
        pthread_mutex_lock(&mb->lock);
}

void hsx_mailbox_fork_parent(void)
{
    for (struct hsx_mailbox *mb = live.head; mb; mb = mb->live_next)
        pthread_mutex_unlock(&mb->lock);
    pthread_mutex_unlock(&live.lock);
}

void hsx_mailbox_fork_child(void)
{
    for (struct hsx_mailbox *mb = live.head; mb; mb = mb->live_next) {
        mb->inherited = true;
        pthread_mutex_unlock(&mb->lock);
    }
    pthread_mutex_unlock(&live.lock);
}

/* A handle with no socket yet. Returns NULL with errno set. */
static struct hsx_mailbox *mailbox_new(const char *name)
{
    hsx_fork_watch(); /* a child must know its parent's handles; before any lock */
    struct hsx_mailbox *mb = calloc(1, sizeof(*mb));

    if (!mb)
        return NULL;
    mb->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (mb->wake_fd < 0) {
        free(mb);
        return NULL;
    }
    atomic_init(&mb->refs, 1);
    pthread_mutex_init(&mb->lock, NULL);
    mb->fd = -1;
    strcpy(mb->name, name);
    mb->early_tail = &mb->early_head;
    live_add(mb);
    return mb;
}

static void mailbox_free(struct hsx_mailbox *mb)
{
    live_remove(mb);
    if (mb->sock)
        mnl_socket_close(mb->sock);
    else if (mb->fd >= 0)
        close(mb->fd);
    close(mb->wake_fd);
    free_early_messages(mb);
    pthread_mutex_destroy(&mb->lock);
    free(mb);
}

void hsx_mailbox_ref(hsx_mailbox_t *mb)
{
    atomic_fetch_add(&mb->refs, 1);
}

void hsx_mailbox_unref(hsx_mailbox_t *mb)
{
    if (atomic_fetch_sub(&mb->refs, 1) == 1)
        mailbox_free(mb);
}

/* ---- subscribing ------------------------------------------------------------ */

/*
 * Subscribe mb->name through a queue file, with auth_fd's authority. Returns
 * 0, -ENOTTY when the kernel has no queue files, or -errno.
 */
static int open_queue(struct hsx_mailbox *mb, int auth_fd)
{
    struct hsx_mbox_open req = {.flags = HSX_MBOX_O_NONBLOCK};
    struct hsx_mbox_queue_info info;

    strcpy(req.name, mb->name);
    int fd = ioctl(auth_fd, HSX_IOC_MBOX_OPEN, &req);
    if (fd < 0)
        return -errno;
    if (ioctl(fd, HSX_IOC_MBOX_QUEUE_INFO, &info) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    if (info.record_size < sizeof(struct hsx_mbox_record) ||
        info.record_size > HSX_MBOX_RECORD_MAX) {
        close(fd);
        return -EPROTO;
    }
    mb->fd = fd;
    mb->id = info.mbox_id;
    mb->record_size = info.record_size;
    mb->queue_file = true;
    return 0;
}

struct open_state {
    struct hsx_mailbox *mb;
    bool have_id;
};

/* Keep an event that came before the ack; recv and the dispatcher deliver it first. */
static void keep_early_message(struct hsx_mailbox *mb, const struct nlmsghdr *nlh)
{
    struct early_message *msg = malloc(sizeof(*msg) + nlh->nlmsg_len);

    if (!msg) {
        hsx_drops_note_lost(&mb->drops);
        return;
    }
    msg->next = NULL;
    msg->len = nlh->nlmsg_len;
    memcpy(msg->data, nlh, nlh->nlmsg_len);
    *mb->early_tail = msg;
    mb->early_tail = &msg->next;
}

static int on_open_reply(const struct nlmsghdr *nlh, void *data)
{
    struct open_state *state = data;
    int ret;

    switch (hsx_wire_genl_cmd(nlh)) {
    case HSX_CMD_MBOX_OPEN:
        ret = hsx_wire_parse_open_reply(nlh, &state->mb->id);
        if (ret < 0) {
            errno = -ret;
            return MNL_CB_ERROR;
        }
        state->have_id = true;
        return MNL_CB_OK;
    case HSX_CMD_MBOX_EVENT:
        /* The subscription is live before the kernel acks the request. */
        keep_early_message(state->mb, nlh);
        return MNL_CB_OK;
    default:
        return MNL_CB_OK;
    }
}

/* Open a socket and subscribe it to mb->name (auth_fd: see hsx_mailbox_open_auth()). Returns 0 or
 * -errno. */
static int subscribe(struct hsx_mailbox *mb, uint16_t family, int auth_fd)
{
    unsigned char buf[MNL_NLMSG_HDRLEN + 64 + HSX_MBOX_NAME_MAX];
    struct open_state state = {.mb = mb};
    struct mnl_socket *sock;
    int ret = hsx_nl_open(&sock, HSX_NL_RCVBUF);

    if (ret < 0)
        return ret;
    const struct nlmsghdr *req =
        hsx_wire_mbox_open(buf, sizeof(buf), family, hsx_nl_seq(), mb->name, auth_fd);
    ret = hsx_nl_transact(sock, req, on_open_reply, &state, true);
    if (ret == 0 && !state.have_id)
        ret = -EBADMSG;
    if (ret < 0) {
        mnl_socket_close(sock);
        free_early_messages(mb);
        mb->drops = (struct hsx_drop_account){0};
        return ret;
    }
    mb->sock = sock;
    mb->fd = mnl_socket_get_fd(sock);
    mb->family = family;
    return 0;
}

int hsx_mailbox_open_auth(const char *name, int auth_fd, hsx_mailbox_t **mailbox)
{
    uint16_t family = 0, fresh;

    if (!mailbox)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    *mailbox = NULL;
    if (!valid_name(name))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    struct hsx_mailbox *mb = mailbox_new(name);
    if (!mb)
        return hsx_fail_with_errno(errno);

    int ret = auth_fd >= 0 ? open_queue(mb, auth_fd) : -ENOTTY;
    if (ret == -ENOTTY) {
        ret = hsx_nl_family(&family);
        if (ret != HSX_HAL_OK) {
            mailbox_free(mb);
            return ret;
        }
        ret = subscribe(mb, family, auth_fd);
    }
    /*
     * ENOENT is "no such mailbox", but genetlink also answers it for a family
     * ID it does not know: if hsx.ko was reloaded, the cached ID is stale. A
     * queue file's ENOENT (family still 0) is only "no such mailbox".
     */
    if (ret == -ENOENT && family && hsx_nl_family_refresh(family, &fresh) == HSX_HAL_OK &&
        fresh != family)
        ret = subscribe(mb, fresh, auth_fd);
    if (ret < 0) {
        mailbox_free(mb);
        if (ret == -ENOENT)
            return hsx_fail_with(HSX_HAL_NO_DEVICE, ENOENT);
        return hsx_fail_with_errno(ret);
    }
    *mailbox = mb;
    return HSX_HAL_OK;
}

HSX_API int hsx_mailbox_open(const char *name, hsx_mailbox_t **mailbox)
{
    return hsx_mailbox_open_auth(name, -1, mailbox);
}

static _Atomic hsx_mailbox_opener_t object_opener;

void hsx_mailbox_set_opener(hsx_mailbox_opener_t opener)
{
    atomic_store(&object_opener, opener);
}

int hsx_mailbox_open_object(const char *name, int auth_fd, hsx_mailbox_t **mailbox)
{
    hsx_mailbox_opener_t opener = atomic_load(&object_opener);

    return opener ? opener(name, auth_fd, mailbox) : hsx_mailbox_open_auth(name, auth_fd, mailbox);
}

int hsx_mailbox_from_fd(int fd, uint32_t id, const char *name, hsx_mailbox_t **mailbox)
{
    if (!mailbox)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    *mailbox = NULL;
    if (fd < 0 || !valid_name(name))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    struct hsx_mailbox *mb = mailbox_new(name);
    if (!mb)
        return hsx_fail_with_errno(errno);
    mb->fd = fd;
    mb->id = id;
    *mailbox = mb;
    return HSX_HAL_OK;
}

int hsx_mailbox_from_queue_fd(int fd, uint32_t id, uint32_t record_size, const char *name,
                              hsx_mailbox_t **mailbox)
{
    if (record_size < sizeof(struct hsx_mbox_record) || record_size > HSX_MBOX_RECORD_MAX) {
        if (mailbox)
            *mailbox = NULL;
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    }
    int ret = hsx_mailbox_from_fd(fd, id, name, mailbox);
    if (ret == HSX_HAL_OK)
        (*mailbox)->record_size = record_size;
    return ret;
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

static struct timespec deadline_after_ms(uint32_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Block until an event, the deadline, or close. Called without mb->lock. */
static int wait_event(struct hsx_mailbox *mb, hsx_mailbox_event_t *event, uint32_t timeout_ms)
{
    struct timespec deadline = deadline_after_ms(timeout_ms);
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

/* ---- callbacks and closing --------------------------------------------------- */

int hsx_mailbox_set_callback_ex(hsx_mailbox_t *mb, hsx_mailbox_callback_t callback, void *user_data,
                                void **old_user_data)
{
    int ret = HSX_HAL_OK;
    bool had_callback = false;

    if (old_user_data)
        *old_user_data = NULL;
    pthread_mutex_lock(&mb->lock);
    if (mb->closed || ((mb->gone || mb->inherited) && callback))
        ret = hsx_fail_with(HSX_HAL_CLOSED, 0);
    else if (mb->receiving)
        ret = hsx_fail_with(HSX_HAL_BUSY, 0);
    else
        ret = hsx_dispatch_set(mb, callback, user_data, old_user_data);
    if (ret == HSX_HAL_OK) {
        had_callback = mb->has_callback;
        mb->has_callback = callback != NULL;
    }
    pthread_mutex_unlock(&mb->lock);

    /*
     * Only a callback replaced or removed is waited for. Giving a handle its
     * first callback waits for nothing, so an owner may do it under a lock
     * of its own (a pin's op, a node's lock) that the new callback takes.
     */
    if (had_callback)
        hsx_dispatch_quiesce(mb);
    return ret;
}

HSX_API int hsx_mailbox_set_callback(hsx_mailbox_t *mb, hsx_mailbox_callback_t callback,
                                     void *user_data)
{
    if (!mb)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return hsx_mailbox_set_callback_ex(mb, callback, user_data, NULL);
}

/*
 * Best effort: closing the socket or queue file unsubscribes too, but a forked
 * child may share it. Never for an inherited handle: a fork child's copy
 * would end the parent's subscription.
 */
static void send_unsubscribe(struct hsx_mailbox *mb)
{
    if (mb->queue_file) {
        ioctl(mb->fd, HSX_IOC_MBOX_QUEUE_END, 0);
        return;
    }
    unsigned char buf[MNL_NLMSG_HDRLEN + 64];
    const struct nlmsghdr *req =
        hsx_wire_mbox_close(buf, sizeof(buf), mb->family, hsx_nl_seq(), mb->id);

    if (req)
        mnl_socket_sendto(mb->sock, req, req->nlmsg_len);
}

int hsx_mailbox_close_begin(hsx_mailbox_t *mb, bool keep_if_callback, void **old_user_data)
{
    if (old_user_data)
        *old_user_data = NULL;
    pthread_mutex_lock(&mb->lock);
    int ret = mb->closed ? HSX_HAL_CLOSED : HSX_HAL_OK;
    if (ret == HSX_HAL_OK && keep_if_callback && mb->has_callback)
        ret = HSX_HAL_BUSY;
    if (ret == HSX_HAL_OK) {
        mb->closed = true;
        mb->has_callback = false;
        hsx_dispatch_retire(mb, old_user_data);
        /* Ends a blocked hsx_mailbox_recv(), now and for any that starts later. */
        eventfd_write(mb->wake_fd, 1);
    }
    pthread_mutex_unlock(&mb->lock);
    return ret;
}

void hsx_mailbox_close_end(hsx_mailbox_t *mb)
{
    hsx_dispatch_quiesce(mb);
    pthread_mutex_lock(&mb->lock);
    bool subscribed = (mb->sock || mb->queue_file) && !mb->gone && !mb->inherited;
    pthread_mutex_unlock(&mb->lock);
    if (subscribed)
        send_unsubscribe(mb);
    hsx_mailbox_unref(mb);
}

int hsx_mailbox_close_ex(hsx_mailbox_t *mb, void **old_user_data)
{
    int ret = hsx_mailbox_close_begin(mb, false, old_user_data);

    if (ret != HSX_HAL_OK)
        return hsx_fail_with(ret, 0);
    hsx_mailbox_close_end(mb);
    return HSX_HAL_OK;
}

HSX_API int hsx_mailbox_close(hsx_mailbox_t *mb)
{
    if (!mb)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return hsx_mailbox_close_ex(mb, NULL);
}

/* ---- accessors ----------------------------------------------------------------- */

bool hsx_mailbox_is_gone(hsx_mailbox_t *mb)
{
    pthread_mutex_lock(&mb->lock);
    bool gone = mb->gone;
    pthread_mutex_unlock(&mb->lock);
    return gone;
}

HSX_API const char *hsx_mailbox_name(const hsx_mailbox_t *mb)
{
    return mb ? mb->name : NULL;
}

HSX_API uint32_t hsx_mailbox_id(const hsx_mailbox_t *mb)
{
    return mb ? mb->id : 0;
}

/*
 * Events that arrived while hsx_mailbox_open() waited for the kernel's ack are
 * kept in the handle, where poll(2) on this descriptor cannot see them: an
 * event loop drains with hsx_mailbox_recv(mb, &ev, 0) before it first polls,
 * and after each wake-up, until HSX_HAL_TIMEOUT.
 */
HSX_API int hsx_mailbox_fd(const hsx_mailbox_t *mb)
{
    return mb ? mb->fd : hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
}
