// SPDX-License-Identifier: MIT
/*
 * Revocation events: after acquiring, a subscription to "hal:cap:<id>" (a
 * watch), where the kernel posts once when that capability ends, and what
 * that event does on the dispatcher thread: it ends the slot's capability
 * (if it is still that one), runs the application's revocation callback
 * (hsx_cap_set_revoke_callback()), and closes its own subscription.
 *
 * Kept apart from acquisition because it runs on the other side: on the
 * dispatcher, and it owns the one piece of state a callback reaches (the list
 * of watches, the callback and how many run). Both are guarded by
 * hsx_caps.lock; a watch is listed under it before its callback can run, and a
 * drop or a reset takes the watches off the list first, so neither is ever
 * reported as a revocation. Without the subscription (it failed, or the
 * capability ended first) the next denied operation finds out.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/cap_slot.h"
#include "core/errors.h"
#include "core/export.h"
#include "core/mailbox.h"

/* A subscription to "hal:cap:<id>", where the kernel posts once when that capability ends. */
struct cap_watch {
    struct cap_watch *next;
    hsx_mailbox_t *mailbox;
    enum hsx_umod_index node;
};

/* Guarded by hsx_caps.lock. */
static struct {
    struct cap_watch *list;
    hsx_hal_event_callback_t callback;
    void *user_data;
    unsigned int callbacks_running; /* hsx_caps.idle is broadcast when it drops */
} watches;

static _Thread_local bool in_revoke_callback;

/* Take w off the list; false if someone else (a drop, a reset) took it first. */
static bool claim_locked(struct cap_watch *w)
{
    for (struct cap_watch **p = &watches.list; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            return true;
        }
    }
    return false;
}

/* On the dispatcher thread: the one event of "hal:cap:<id>", or its closing. */
static void on_cap_event(hsx_mailbox_t *mailbox, const hsx_mailbox_event_t *event, void *arg)
{
    struct cap_watch *w = arg;
    bool ended = event->type == HSX_MAILBOX_EVENT_DATA && event->module == HSX_MAILBOX_MODULE_CORE;
    hsx_hal_event_callback_t callback = NULL;
    void *user_data = NULL;

    if (!ended && event->type != HSX_MAILBOX_EVENT_CLOSED)
        return;
    pthread_mutex_lock(&hsx_caps.lock);
    bool mine = claim_locked(w);
    if (mine && ended) {
        struct cap_slot *s = &hsx_caps.slots[w->node];
        if (s->held && s->cap.id == event->u.cap.id)
            hsx_cap_end_locked(s, event->u.cap.reason);
        callback = watches.callback;
        user_data = watches.user_data;
        if (callback)
            watches.callbacks_running++;
    }
    pthread_mutex_unlock(&hsx_caps.lock);
    if (!mine)
        return;

    if (callback) {
        hsx_cap_event_t ev = {
            .id = event->u.cap.id,
            .module = (hsx_cap_module_t)event->u.cap.module,
            .object = event->u.cap.object,
            .reason = (hsx_cap_reason_t)event->u.cap.reason,
        };
        in_revoke_callback = true;
        callback(&ev, sizeof(ev), user_data);
        in_revoke_callback = false;
        pthread_mutex_lock(&hsx_caps.lock);
        watches.callbacks_running--;
        pthread_cond_broadcast(&hsx_caps.idle);
        pthread_mutex_unlock(&hsx_caps.lock);
    }
    /* Nothing follows the event: from inside its own callback, closing does not wait. */
    hsx_mailbox_close(mailbox);
    free(w);
}

/*
 * Without the subscription (a kernel without "hal:cap:", or the capability
 * already ended) the capability works as well; only the event is missed, and
 * the next denied operation finds out.
 */
void hsx_cap_watch_locked(enum hsx_umod_index node, uint64_t id)
{
    char name[HSX_MBOX_NAME_MAX];
    struct cap_watch *w = calloc(1, sizeof(*w));
    hsx_mailbox_t *mailbox;
    int fd = hsx_caps.slots[node].fd;

    if (!w)
        return;
    w->node = node;
    pthread_mutex_unlock(&hsx_caps.lock);
    snprintf(name, sizeof(name), HSX_MBOX_CAP_FMT, (unsigned long long)id);
    int ret = hsx_mailbox_open_object(name, fd, &mailbox);
    pthread_mutex_lock(&hsx_caps.lock);
    if (ret != HSX_HAL_OK) {
        free(w);
        return;
    }
    /* Listed before the callback can run, so that the callback finds it. */
    w->mailbox = mailbox;
    w->next = watches.list;
    watches.list = w;
    pthread_mutex_unlock(&hsx_caps.lock);
    /*
     * One event, once: the callback thread may go on waiting in its one other
     * mailbox's read(), this file linked to that one (dispatcher_loop.c).
     */
    hsx_mailbox_set_rare(mailbox);
    /* The handle's first callback: under the node's lock, this waits for no callback. */
    ret = hsx_mailbox_set_callback(mailbox, on_cap_event, w);
    pthread_mutex_lock(&hsx_caps.lock);
    if (ret != HSX_HAL_OK && claim_locked(w)) {
        pthread_mutex_unlock(&hsx_caps.lock);
        hsx_mailbox_close(mailbox);
        free(w);
        pthread_mutex_lock(&hsx_caps.lock);
    }
}

void hsx_cap_watches_close(struct cap_watch *list)
{
    while (list) {
        struct cap_watch *w = list;
        list = w->next;
        hsx_mailbox_close(w->mailbox);
        free(w);
    }
}

struct cap_watch *hsx_cap_unwatch_locked(enum hsx_umod_index node)
{
    struct cap_watch *claimed = NULL;

    for (struct cap_watch **p = &watches.list; *p;) {
        struct cap_watch *w = *p;
        if (node == HSX_UMOD_COUNT || w->node == node) {
            *p = w->next;
            w->next = claimed;
            claimed = w;
        } else {
            p = &w->next;
        }
    }
    return claimed;
}

struct cap_watch *hsx_cap_watch_reset_locked(void)
{
    watches.callback = NULL;
    watches.user_data = NULL;
    return hsx_cap_unwatch_locked(HSX_UMOD_COUNT);
}

void hsx_cap_watch_fork_child_locked(void)
{
    watches.callbacks_running = 0;
    in_revoke_callback = false; /* forked from one: the child runs none */
}

/*
 * The parent's watches, in the fork child with no lock held: closing its
 * copies ends nothing (their handles are inherited). The revocation callback
 * stays registered for the child's own capabilities.
 */
void hsx_cap_fork_forget(void)
{
    pthread_mutex_lock(&hsx_caps.lock);
    struct cap_watch *list = hsx_cap_unwatch_locked(HSX_UMOD_COUNT);
    pthread_mutex_unlock(&hsx_caps.lock);
    hsx_cap_watches_close(list);
}

HSX_API int hsx_cap_set_revoke_callback(hsx_hal_event_callback_t callback, void *user_data)
{
    pthread_mutex_lock(&hsx_caps.lock);
    watches.callback = callback;
    watches.user_data = user_data;
    /* From inside the callback, waiting for it to return would never end. */
    while (!in_revoke_callback && watches.callbacks_running)
        pthread_cond_wait(&hsx_caps.idle, &hsx_caps.lock);
    pthread_mutex_unlock(&hsx_caps.lock);
    return HSX_HAL_OK;
}
