// SPDX-License-Identifier: MIT
/*
 * Mailbox handles: their lifetime, callbacks and closing. Subscribing is
 * mailbox_open.c's, receiving mailbox_recv.c's.
 *
 * A handle is reference counted: the application's reference is dropped by
 * hsx_mailbox_close(), and a thread blocked in hsx_mailbox_recv(), the
 * dispatcher, or a lookup of a timer's or a pin's mailbox each hold their
 * own (a module's wait receives on its lookup's: hsx_mailbox_recv_held()),
 * so closing never frees memory another thread is using. Close ends a
 * blocked receive by writing the handle's eventfd, which that receive also
 * waits on (shutdown() does not work on netlink sockets). Every live handle
 * is listed for fork(), whose child marks them inherited.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/export.h"
#include "core/fork.h"
#include "core/mailbox_impl.h"
#include "core/netlink.h"
#include "core/thread.h"
#include "core/wire.h"

/* ---- handle lifetime ------------------------------------------------------ */

void hsx_mailbox_free_early(struct hsx_mailbox *mb)
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
        /* Records the parent read and had not delivered are its events, not the child's. */
        mb->batch_off = mb->batch_len = 0;
        mb->batch_full = false;
        /* The parent's dispatcher read; a waiter of the parent's is not in the child. */
        mb->solo_reading = false;
        mb->solo_waited = false;
        pthread_cond_init(&mb->solo_done, NULL);
        hsx_mutex_init_pi(&mb->lock); /* held since prepare, by a thread id not the child's */
    }
    pthread_mutex_unlock(&live.lock);
}

struct hsx_mailbox *hsx_mailbox_new(const char *name)
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
    hsx_mutex_init_pi(&mb->lock); /* the dispatcher takes it, SCHED_FIFO maybe */
    pthread_cond_init(&mb->solo_done, NULL);
    mb->fd = -1;
    mb->read_timeout_ms = HSX_HAL_TIMEOUT_INF; /* a new queue file's: none */
    strcpy(mb->name, name);
    mb->early_tail = &mb->early_head;
    live_add(mb);
    return mb;
}

void hsx_mailbox_destroy(struct hsx_mailbox *mb)
{
    hsx_dispatch_forget(mb);
    live_remove(mb);
    if (mb->sock)
        mnl_socket_close(mb->sock);
    else if (mb->fd >= 0)
        close(mb->fd);
    close(mb->wake_fd);
    hsx_mailbox_free_early(mb);
    free(mb->batch);
    pthread_cond_destroy(&mb->solo_done);
    pthread_mutex_destroy(&mb->lock);
    free(mb);
}

void hsx_mailbox_ref(hsx_mailbox_t *mb)
{
    atomic_fetch_add(&mb->refs, 1);
}

bool hsx_mailbox_tryref(hsx_mailbox_t *mb)
{
    unsigned int refs = atomic_load(&mb->refs);

    while (refs && !atomic_compare_exchange_weak(&mb->refs, &refs, refs + 1))
        ;
    return refs != 0;
}

void hsx_mailbox_unref(hsx_mailbox_t *mb)
{
    if (atomic_fetch_sub(&mb->refs, 1) == 1)
        hsx_mailbox_destroy(mb);
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
        /*
         * Ends a blocked hsx_mailbox_recv(), now and for any that starts
         * later. Not a fork child's copy: its eventfd is the parent's too,
         * and no receive of the child's waits on an inherited handle.
         */
        if (!mb->inherited)
            eventfd_write(mb->wake_fd, 1);
        /*
         * A receive on hsx.ko's queue file waits in its read alone (see
         * mailbox_recv.c): ending the subscription ends that read.
         */
        if (mb->ends_reads && mb->receiving && !mb->inherited && !mb->gone) {
            ioctl(mb->fd, HSX_IOC_MBOX_QUEUE_END, 0);
            mb->ended = true;
        }
    }
    pthread_mutex_unlock(&mb->lock);
    return ret;
}

void hsx_mailbox_close_end(hsx_mailbox_t *mb)
{
    hsx_dispatch_quiesce(mb);
    pthread_mutex_lock(&mb->lock);
    bool subscribed = (mb->sock || mb->queue_file) && !mb->gone && !mb->inherited && !mb->ended;
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

bool hsx_mailbox_is_revoked(hsx_mailbox_t *mb)
{
    pthread_mutex_lock(&mb->lock);
    bool revoked = mb->gone && mb->revoked;
    pthread_mutex_unlock(&mb->lock);
    return revoked;
}

bool hsx_mailbox_has_callback(hsx_mailbox_t *mb)
{
    pthread_mutex_lock(&mb->lock);
    bool has = mb->has_callback;
    pthread_mutex_unlock(&mb->lock);
    return has;
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
