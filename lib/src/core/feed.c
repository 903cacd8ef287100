// SPDX-License-Identifier: MIT
/*
 * Feeds (feed.h): an object's standing subscription, opened on first use and
 * again after the kernel ended it, and the turn its readers take.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include "core/access.h"
#include "core/callback.h"
#include "core/cap.h"
#include "core/errors.h"
#include "core/feed.h"
#include "core/fork.h"
#include "core/mailbox.h"
#include "core/thread.h"

/* Feeds are static and few: one lock to initialise any of them, once. */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

/* The turn's waits time out on CLOCK_MONOTONIC, like every other wait here. */
static void init_turns(struct hsx_feed *f)
{
    pthread_condattr_t attr;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    for (uint32_t i = 0; i < f->count; i++)
        pthread_cond_init(&f->objects[i].turn, &attr);
    pthread_condattr_destroy(&attr);
}

static void retry(struct hsx_dispatch_timer *timer);

static void ready(struct hsx_feed *f)
{
    if (atomic_load_explicit(&f->ready, memory_order_acquire))
        return;
    pthread_mutex_lock(&init_lock);
    if (!atomic_load_explicit(&f->ready, memory_order_relaxed)) {
        for (uint32_t i = 0; i < f->count; i++) {
            struct hsx_feed_object *o = &f->objects[i];

            pthread_mutex_init(&o->op, NULL);
            o->retry.fn = retry;
            o->feed = f;
            o->index = i;
        }
        init_turns(f);
        atomic_store_explicit(&f->ready, true, memory_order_release);
    }
    pthread_mutex_unlock(&init_lock);
}

static struct hsx_feed_object *object_of(struct hsx_feed *f, uint32_t obj)
{
    ready(f);
    hsx_fork_watch(); /* before op: fork() takes it (see fork.h) */
    return &f->objects[obj];
}

size_t hsx_feed_count(struct hsx_feed *f)
{
    return hsx_object_table_count(&f->table);
}

/* A subscription taken out of the table under op, finished once op is released. */
struct closing {
    hsx_mailbox_t *mailbox;
    void *registration;
};

static void finish_closing(struct closing *c)
{
    if (c->mailbox)
        hsx_mailbox_close_end(c->mailbox);
    free(c->registration);
}

/* With o's op held: the library's next try, the interval doubling up to the most. */
static void try_later_locked(struct hsx_feed_object *o)
{
    o->retry_ms = o->retry_ms < HSX_FEED_RETRY_FIRST_MS     ? HSX_FEED_RETRY_FIRST_MS
                  : o->retry_ms * 2 < HSX_FEED_RETRY_MAX_MS ? o->retry_ms * 2
                                                            : HSX_FEED_RETRY_MAX_MS;
    hsx_dispatch_timer_arm(&o->retry, o->retry_ms);
}

/*
 * With o's op held: give the callback of o's ended subscription (o->orphan)
 * to mb, o's live one, and tell it, before any of mb's events, that it was
 * subscribed again, or that it ended (its capability did not outlive the
 * gap: o->orphan_ends), in which case it is removed once told (on_closed()).
 * A move that fails (for want of memory) leaves it with o, tried again later.
 */
static void adopt_locked(struct hsx_feed_object *o, hsx_mailbox_t *mb)
{
    if (!o->orphan)
        return;
    /* The handle's first callback: set under op, this waits for no callback. */
    if (hsx_hal_callback_move(mb, o->orphan) != HSX_HAL_OK) {
        try_later_locked(o);
        return;
    }
    const hsx_mailbox_event_t told = {
        .type = o->orphan_ends ? HSX_MAILBOX_EVENT_CLOSED : HSX_MAILBOX_EVENT_RESUBSCRIBED,
        .mailbox_id = hsx_mailbox_id(mb),
        .close_reason = o->orphan_ends ? HSX_MAILBOX_CLOSE_REVOKED : 0,
    };
    o->orphan = NULL;
    hsx_dispatch_post(mb, &told);
}

/*
 * With obj's op held: its subscription with a new reference, opened if there
 * is none or the kernel ended it. A stale one goes into *stale once a new
 * one is open (until then it stays, with its callback), and its callback
 * moves to the new one, told so, unless its capability ended: that callback
 * ended with it. It ends too, told so, when the capability the new one is
 * opened under is not the one the stale one was (revoked or expired during
 * the gap, and another held since). acquire: a capability may be acquired
 * for it (an application's call; not the library's own try, see feed.h).
 */
static int subscribe_locked(struct hsx_feed *f, uint32_t obj, hsx_mailbox_t **mailbox,
                            struct closing *stale, bool acquire)
{
    struct hsx_feed_object *o = &f->objects[obj];
    char name[HSX_MBOX_NAME_MAX];
    hsx_mailbox_t *mb = hsx_object_table_get(&f->table, obj), *fresh;
    uint64_t cap_id = 0;

    if (mb && !hsx_mailbox_is_gone(mb)) {
        adopt_locked(o, mb);
        *mailbox = mb;
        return HSX_HAL_OK;
    }
    int ret = HSX_HAL_INVALID_PARAM;
    if (hsx_umod_mailbox_name(hsx_umodules[f->node], f->mailbox, obj, name, sizeof(name))) {
        /* Listening needs a right on the object: the file that holds it says so. */
        int auth_fd = hsx_dev_auth_fd_ex(f->node, acquire);
        cap_id = hsx_cap_held_id(f->node);
        ret = hsx_mailbox_open_object(name, auth_fd, &fresh);
    } else {
        hsx_fail_with(ret, 0);
    }
    if (ret != HSX_HAL_OK) {
        if (mb)
            hsx_mailbox_unref(mb);
        return ret;
    }
    if (mb) {
        bool move = !hsx_mailbox_is_revoked(mb);
        hsx_mailbox_unref(mb);
        stale->mailbox = hsx_object_table_remove(&f->table, obj);
        hsx_mailbox_close_begin(stale->mailbox, false, &stale->registration);
        if (stale->registration && move) {
            /* A callback replaced or removed since would have taken an orphan along. */
            o->orphan = stale->registration;
            o->orphan_ends = false;
            stale->registration = NULL;
        }
    }
    /* Moved only under the capability it was subscribed under. */
    if (o->orphan && o->cap_id && cap_id != o->cap_id)
        o->orphan_ends = true;
    ret = hsx_object_table_add(&f->table, obj, fresh);
    if (ret != HSX_HAL_OK) {
        int err = hsx_hal_errno();
        hsx_mailbox_close(fresh);
        if (o->orphan)
            try_later_locked(o);
        return hsx_fail_with(ret, err);
    }
    o->cap_id = cap_id;
    adopt_locked(o, fresh);
    hsx_mailbox_ref(fresh);
    *mailbox = fresh;
    return HSX_HAL_OK;
}

/*
 * On the dispatcher thread, after a callback of obj's got the final event of
 * mb: gone with the object, it is subscribed again (retry()); ended any other
 * way (its capability), it is closed, so that no later call revives it.
 */
static void on_closed(void *owner, uint32_t obj, hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev)
{
    struct hsx_feed *f = owner;
    struct hsx_feed_object *o = &f->objects[obj];
    struct closing ended = {0};

    pthread_mutex_lock(&o->op);
    hsx_mailbox_t *current = hsx_object_table_get(&f->table, obj);
    if (ev->close_reason == HSX_MAILBOX_CLOSE_REVOKED && !hsx_mailbox_is_gone(mb)) {
        /*
         * The library ended a callback on a live subscription (adopt_locked()):
         * the callback alone goes. It runs (this is its hook), so no
         * replacement came in between, and removing it here waits for nothing.
         */
        hsx_mailbox_set_callback_ex(mb, NULL, NULL, &ended.registration);
    } else if (current == mb) {
        if (ev->close_reason == HSX_MAILBOX_CLOSE_GONE && !hsx_mailbox_is_revoked(mb)) {
            o->retry_ms = HSX_FEED_RETRY_FIRST_MS;
            hsx_dispatch_timer_arm(&o->retry, o->retry_ms);
        } else if (hsx_mailbox_close_begin(mb, false, &ended.registration) == HSX_HAL_OK) {
            ended.mailbox = hsx_object_table_remove(&f->table, obj);
        }
    }
    if (current)
        hsx_mailbox_unref(current);
    pthread_mutex_unlock(&o->op);
    finish_closing(&ended);
}

enum hsx_feed_notice hsx_feed_notice_of(const hsx_mailbox_event_t *event)
{
    if (event->type == HSX_MAILBOX_EVENT_RESUBSCRIBED)
        return HSX_FEED_NOTICE_REBOUND;
    if (event->type != HSX_MAILBOX_EVENT_CLOSED)
        return HSX_FEED_NOTICE_NONE;
    return event->close_reason == HSX_MAILBOX_CLOSE_GONE ? HSX_FEED_NOTICE_UNBOUND
                                                         : HSX_FEED_NOTICE_ENDED;
}

/* The dispatcher's timer: subscribe a callback again whose object went away. */
static void retry(struct hsx_dispatch_timer *timer)
{
    struct hsx_feed_object *o =
        (struct hsx_feed_object *)((char *)timer - offsetof(struct hsx_feed_object, retry));
    struct hsx_feed *f = o->feed;
    struct closing stale = {0};
    hsx_mailbox_t *mb = NULL;
    int err = hsx_hal_errno();

    pthread_mutex_lock(&o->op);
    hsx_mailbox_t *old = hsx_object_table_get(&f->table, o->index);
    if (o->orphan) {
        /* A callback whose move failed: moved now, or tried again later. */
        int ret = subscribe_locked(f, o->index, &mb, &stale, false);
        if (ret != HSX_HAL_OK)
            try_later_locked(o);
    } else if (old && hsx_mailbox_is_gone(old) && !hsx_mailbox_is_revoked(old) &&
               hsx_mailbox_has_callback(old)) {
        /* Else subscribed meanwhile by a call, removed, or closed: nothing to do. */
        int ret = subscribe_locked(f, o->index, &mb, &stale, false);
        if (ret == HSX_HAL_DENIED) {
            /* Not under the capability it had: ended for good, told as a revocation. */
            const hsx_mailbox_event_t end = {
                .type = HSX_MAILBOX_EVENT_CLOSED,
                .mailbox_id = hsx_mailbox_id(old),
                .close_reason = HSX_MAILBOX_CLOSE_REVOKED,
            };
            hsx_dispatch_post(old, &end);
        } else if (ret != HSX_HAL_OK) {
            /* Not back yet (or the try failed otherwise): again, later. */
            try_later_locked(o);
        }
    }
    if (old)
        hsx_mailbox_unref(old);
    pthread_mutex_unlock(&o->op);
    finish_closing(&stale);
    if (mb)
        hsx_mailbox_unref(mb);
    hsx_fail_with(HSX_HAL_OK, err); /* the dispatcher thread's errno is a callback's */
}

int hsx_feed_subscribe(struct hsx_feed *f, uint32_t obj)
{
    struct hsx_feed_object *o = object_of(f, obj);
    struct closing stale = {0};
    hsx_mailbox_t *mb;

    pthread_mutex_lock(&o->op);
    int ret = subscribe_locked(f, obj, &mb, &stale, true);
    int err = hsx_hal_errno();
    pthread_mutex_unlock(&o->op);
    finish_closing(&stale);
    if (ret != HSX_HAL_OK)
        return hsx_fail_with(ret, err);
    hsx_mailbox_unref(mb);
    return HSX_HAL_OK;
}

int hsx_feed_set_callback(struct hsx_feed *f, uint32_t obj, hsx_mailbox_callback_t deliver,
                          hsx_hal_event_callback_t callback, void *user_data)
{
    struct hsx_feed_object *o = object_of(f, obj);

    for (;;) {
        struct closing stale = {0};
        hsx_mailbox_t *mb = NULL;
        int ret = HSX_HAL_OK;

        pthread_mutex_lock(&o->op);
        if (callback)
            ret = subscribe_locked(f, obj, &mb, &stale, true);
        else
            mb = hsx_object_table_get(&f->table, obj); /* none: no callback to remove */
        int err = hsx_hal_errno();
        /* A callback waiting to be moved is replaced or removed too: it runs nowhere. */
        void *orphan = o->orphan;
        o->orphan = NULL;
        pthread_mutex_unlock(&o->op);
        finish_closing(&stale);
        free(orphan);
        if (!mb)
            return ret == HSX_HAL_OK ? ret : hsx_fail_with(ret, err);
        /* With op released: replacing or removing a callback waits for it. */
        ret = hsx_hal_callback_set_owned(mb, deliver, callback, user_data, on_closed, f, obj);
        err = hsx_hal_errno();
        if (ret == HSX_HAL_CLOSED) {
            /*
             * The handle was closed meanwhile: the library's try moved its
             * callback to a new subscription, or ended it. Again, on what the
             * object has now, so that no callback of before runs after this.
             */
            pthread_mutex_lock(&o->op);
            hsx_mailbox_t *now = hsx_object_table_get(&f->table, obj);
            bool changed = now != mb || o->orphan;
            pthread_mutex_unlock(&o->op);
            if (now)
                hsx_mailbox_unref(now);
            if (changed) {
                hsx_mailbox_unref(mb);
                continue;
            }
        }
        hsx_mailbox_unref(mb);
        return ret == HSX_HAL_OK ? ret : hsx_fail_with(ret, err);
    }
}

/*
 * Wait, with op held, until no other thread of this process reads the object.
 * The clock is read only when there is a turn to wait for.
 */
static int take_turn_locked(struct hsx_feed_object *o, uint32_t timeout_ms)
{
    struct timespec deadline;

    if (o->reading && timeout_ms != HSX_HAL_TIMEOUT_INF)
        deadline = hsx_deadline_after_ms(timeout_ms);
    while (o->reading) {
        if (timeout_ms == HSX_HAL_TIMEOUT_INF)
            pthread_cond_wait(&o->turn, &o->op);
        else if (pthread_cond_timedwait(&o->turn, &o->op, &deadline) == ETIMEDOUT)
            return o->reading ? hsx_fail_with(HSX_HAL_TIMEOUT, ETIMEDOUT) : HSX_HAL_OK;
    }
    return HSX_HAL_OK;
}

int hsx_feed_begin(struct hsx_feed *f, uint32_t obj, uint32_t timeout_ms, hsx_mailbox_t **mb)
{
    struct hsx_feed_object *o = object_of(f, obj);
    struct closing stale = {0};
    int err = 0;

    pthread_mutex_lock(&o->op);
    int ret = take_turn_locked(o, timeout_ms);
    err = hsx_hal_errno();
    if (ret == HSX_HAL_OK) {
        ret = subscribe_locked(f, obj, mb, &stale, true);
        err = hsx_hal_errno();
        if (ret == HSX_HAL_OK)
            o->reading = true;
    }
    pthread_mutex_unlock(&o->op);
    finish_closing(&stale);
    return ret == HSX_HAL_OK ? ret : hsx_fail_with(ret, err);
}

void hsx_feed_end(struct hsx_feed *f, uint32_t obj, hsx_mailbox_t *mb, bool gone)
{
    struct hsx_feed_object *o = &f->objects[obj];
    struct closing closed = {0};
    int err = hsx_hal_errno();

    pthread_mutex_lock(&o->op);
    o->reading = false;
    pthread_cond_signal(&o->turn);
    if (gone) {
        /* The object was unbound: the next read or callback subscribes afresh. */
        hsx_mailbox_t *old = hsx_object_table_get(&f->table, obj);
        if (old == mb && hsx_mailbox_close_begin(old, true, &closed.registration) == HSX_HAL_OK)
            closed.mailbox = hsx_object_table_remove(&f->table, obj);
        if (old)
            hsx_mailbox_unref(old);
    }
    pthread_mutex_unlock(&o->op);
    hsx_mailbox_unref(mb);
    finish_closing(&closed);
    hsx_fail_with(HSX_HAL_OK, err); /* what the caller reports, not the cleanup's */
}

/* ---- fork ------------------------------------------------------------------------------- */

void hsx_feed_fork_prepare(struct hsx_feed *f)
{
    ready(f);
    for (uint32_t i = 0; i < f->count; i++)
        pthread_mutex_lock(&f->objects[i].op);
}

void hsx_feed_fork_prepare_table(struct hsx_feed *f)
{
    hsx_object_table_lock(&f->table);
}

void hsx_feed_fork_parent(struct hsx_feed *f)
{
    hsx_object_table_unlock(&f->table);
    for (uint32_t i = f->count; i-- > 0;)
        pthread_mutex_unlock(&f->objects[i].op);
}

/* The subscriptions, and the turns threads of the parent's held, are the parent's. */
void hsx_feed_fork_child(struct hsx_feed *f)
{
    hsx_object_table_unlock(&f->table);
    /* Their waiters were threads of the parent's. */
    init_turns(f);
    for (uint32_t i = f->count; i-- > 0;) {
        f->objects[i].reading = false;
        /* A callback of the parent's waiting to be moved: the child runs none. */
        free(f->objects[i].orphan);
        f->objects[i].orphan = NULL;
        pthread_mutex_unlock(&f->objects[i].op);
    }
}

void hsx_feed_fork_forget(struct hsx_feed *f)
{
    hsx_object_table_forget(&f->table);
}
