// SPDX-License-Identifier: MIT
/*
 * Capabilities: obtaining them from hsxd without the application asking,
 * keeping them, and hearing when they end.
 *
 * One slot per node (module). What the library does, and why:
 *
 *  - Acquire at open. When device.c first opens a node, the file is asked
 *    (HSX_IOC_CAP_INFO) whether it needs a capability: not if root opened it
 *    or the module does not enforce. If it does, hsxd is asked for one right
 *    away, with the node's lock held, so the first operation already has it.
 *  - Retry on denial, rate-limited. An operation denied with EACCES,
 *    EKEYEXPIRED or EKEYREVOKED asks hsxd again, at most once per module per
 *    second, backing off to once in 30 s while hsxd keeps failing. A process
 *    started before hsxd thus recovers by itself, a process whose capability
 *    was revoked asks again on its next use (hsxd's policy decides), and no
 *    loop of the application's can turn into a loop of requests. EACCES while
 *    the kernel says a capability is in force is a real denial (not the
 *    rights, or not that pin): nothing is asked. EPERM is never retried: it
 *    means other things too (see errors.c).
 *  - One line on stderr per denial episode: printed when an operation is
 *    first denied for want of a capability, again only after one was held
 *    again and lost. Never for a module the application dropped.
 *  - Renew at two thirds of the remaining lifetime, on the renewal thread
 *    (cap_renew.c). A refusal lets the capability expire; no answer is tried
 *    again after a third of what is left.
 *  - Hear the end: after acquiring, subscribe to "hal:cap:<id>"; the kernel
 *    posts one event there when the capability ends, which runs the
 *    application's revocation callback on the dispatcher thread.
 *
 * On the dispatcher thread nothing waits for hsxd: an acquisition a callback
 * needs is queued for the renewal thread and the operation is denied at once
 * (acquire_or_queue_locked()).
 *
 * The slot's busy flag marks an exchange with hsxd under way (acquisition,
 * with its subscription, or renewal); the lock is not held across it, and
 * whoever needs the slot's outcome waits on idle. Lock order: a node's lock
 * (device.c), then caps.lock, then the renewal thread's; caps.lock is never
 * held while a mailbox is opened, closed or given a callback, nor while a
 * callback runs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cap.h"
#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/export.h"
#include "core/hsxd_client.h"
#include "core/mailbox.h"
#include "core/module.h"
#include "hsx_uapi.h"

_Static_assert(HSX_CAP_MODULE_TIMER == HSX_MODULE_TIMER && HSX_CAP_MODULE_GPIO == HSX_MODULE_GPIO,
               "modules are the uAPI's IDs");
_Static_assert(HSX_CAP_RIGHT_READ == HSX_CAP_R_READ && HSX_CAP_RIGHT_WRITE == HSX_CAP_R_WRITE &&
                   HSX_CAP_RIGHT_GRANT == HSX_CAP_R_GRANT &&
                   HSX_CAP_RIGHT_GPIO_IRQ == HSX_CAP_R_GPIO_IRQ,
               "rights are the uAPI's bits");
_Static_assert((int)HSX_CAP_REASON_EXPLICIT == (int)HSX_CAP_END_EXPLICIT &&
                   (int)HSX_CAP_REASON_EXPIRED == (int)HSX_CAP_END_EXPIRED &&
                   (int)HSX_CAP_REASON_HOLDER_EXITED == (int)HSX_CAP_END_HOLDER_EXITED &&
                   (int)HSX_CAP_REASON_PARENT == (int)HSX_CAP_END_PARENT,
               "reasons are the uAPI's values");
_Static_assert(sizeof(hsx_cap_selector_t) == sizeof(union hsx_cap_selector),
               "the selector is the uAPI's");

#define MESSAGE_MAX sizeof(((hsx_cap_info_t *)0)->message)

struct cap_slot {
    int fd;     /* the node's file, -1 until device.c opened it */
    bool known; /* HSX_IOC_CAP_INFO answered for fd */
    bool privileged, enforcing;
    bool held; /* cap is in force, as far as the library knows */
    struct hsx_cap_info cap;
    uint64_t renew_at; /* CLOCK_BOOTTIME; 0: no renewal due */
    /* What to ask for: hsx_cap_request(), or 0 / all-zero for all the policy allows. */
    uint32_t want_rights;
    union hsx_cap_selector want_sel;
    bool dropped;              /* hsx_cap_drop(): acquire nothing until hsx_cap_request() */
    bool busy;                 /* an exchange with hsxd is under way */
    bool acquire_queued;       /* asked from the dispatcher: the renewal thread acquires */
    unsigned int attempts;     /* acquisitions tried */
    unsigned int failures;     /* ... that failed, in a row */
    uint64_t last_attempt;     /* CLOCK_MONOTONIC of the last one */
    int err;                   /* errno of the last failure */
    bool reported;             /* the stderr line of this denial episode was printed */
    char message[MESSAGE_MAX]; /* why there is none */
};

/* A subscription to "hal:cap:<id>", where the kernel posts once when that capability ends. */
struct cap_watch {
    struct cap_watch *next;
    hsx_mailbox_t *mailbox;
    enum hsx_umod_index node;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t idle; /* a slot stopped being busy, or a revocation callback returned */
    struct cap_slot slots[HSX_UMOD_COUNT];
    struct cap_watch *watches;
    hsx_hal_event_callback_t callback;
    void *user_data;
    unsigned int callbacks_running;
} caps = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .idle = PTHREAD_COND_INITIALIZER,
    .slots = {[0 ... HSX_UMOD_COUNT - 1] = {.fd = -1}},
};

static atomic_uint generations[HSX_UMOD_COUNT];
static _Thread_local bool in_revoke_callback;

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool needs_capability(const struct cap_slot *s)
{
    return s->known && s->enforcing && !s->privileged;
}

static bool in_force(const struct hsx_cap_info *cap)
{
    return cap->id != 0 && cap->state != HSX_CAP_STATE_ENDED;
}

static void wait_idle_locked(const struct cap_slot *s)
{
    while (s->busy)
        pthread_cond_wait(&caps.idle, &caps.lock);
}

/* Ask the file what it needs and holds. Returns 0 or -errno. */
static int learn_locked(enum hsx_umod_index node, struct hsx_cap_query *q)
{
    struct cap_slot *s = &caps.slots[node];

    *q = (struct hsx_cap_query){.module = hsx_node_module(node)};
    int ret = hsx_dev_raw_ioctl(node, s->fd, HSX_IOC_CAP_INFO, q);
    /* An hsx.ko from before capabilities, or a fake kernel that knows none: nothing to acquire. */
    if (ret == -ENOTTY) {
        *q = (struct hsx_cap_query){.module = hsx_node_module(node)};
        ret = 0;
    }
    if (ret == 0) {
        s->known = true;
        s->privileged = q->privileged != 0;
        s->enforcing = q->enforcing != 0;
    }
    return ret;
}

static const char *errno_text(int err)
{
    const char *text = strerrordesc_np(err);

    return text ? text : "unknown error";
}

static const char *reason_text(uint32_t reason)
{
    switch (reason) {
    case HSX_CAP_END_EXPLICIT:
        return "revoked";
    case HSX_CAP_END_EXPIRED:
        return "expired";
    case HSX_CAP_END_HOLDER_EXITED:
        return "holder exited";
    case HSX_CAP_END_PARENT:
        return "parent revoked";
    default:
        return "ended";
    }
}

/* Why an exchange with hsxd gave no capability, in words for the application's user. */
static void describe_failure(struct cap_slot *s, int ret, const struct hsxd_reply *reply)
{
    const char *path = hsx_hsxd_socket_path();

    s->err = ret ? -ret : -reply->status;
    switch (ret) {
    case 0:
        snprintf(s->message, sizeof(s->message), "hsxd refused: %s",
                 reply->message[0] ? reply->message : errno_text(-reply->status));
        break;
    case -ENOENT:
    case -ECONNREFUSED:
        snprintf(s->message, sizeof(s->message),
                 "hsxd is not running (start hsxd.service) and this process is not root");
        break;
    case -EPERM:
        snprintf(s->message, sizeof(s->message),
                 "%s is not served by root: refusing to talk to a fake hsxd", path);
        break;
    case -ETIMEDOUT:
        snprintf(s->message, sizeof(s->message), "hsxd did not answer in time (%s)", path);
        break;
    case -EPROTO:
        snprintf(s->message, sizeof(s->message),
                 "hsxd speaks another protocol version than this library (%d)", HSXD_PROTO_VERSION);
        break;
    default:
        snprintf(s->message, sizeof(s->message), "asking hsxd at %s failed: %s", path,
                 errno_text(-ret));
        break;
    }
}

/* The capability ended, or the kernel says it is not in force: a new denial episode starts. */
static void end_locked(struct cap_slot *s, uint32_t reason)
{
    snprintf(s->message, sizeof(s->message), "capability %llu %s", (unsigned long long)s->cap.id,
             reason ? reason_text(reason) : "is no longer in force");
    s->held = false;
    s->renew_at = 0;
    s->err = EKEYREVOKED;
    s->reported = false;
}

static void hold_locked(enum hsx_umod_index node, const struct hsx_cap_info *cap)
{
    struct cap_slot *s = &caps.slots[node];

    s->held = true;
    s->cap = *cap;
    s->failures = 0;
    s->err = 0;
    s->reported = false;
    s->message[0] = '\0';
    /* A derived capability is renewed by whoever derived it, not by hsxd for this process. */
    s->renew_at = cap->parent_id ? 0 : hsx_cap_renew_at(clock_ns(CLOCK_BOOTTIME), cap->expiry_ns);
    atomic_fetch_add(&generations[node], 1);
    if (s->renew_at)
        hsx_renew_kick();
}

/* ---- revocation events --------------------------------------------------------------- */

/* Take w off the list; false if someone else (a drop, a reset) took it first. */
static bool claim_locked(struct cap_watch *w)
{
    for (struct cap_watch **p = &caps.watches; *p; p = &(*p)->next) {
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
    pthread_mutex_lock(&caps.lock);
    bool mine = claim_locked(w);
    if (mine && ended) {
        struct cap_slot *s = &caps.slots[w->node];
        if (s->held && s->cap.id == event->u.cap.id)
            end_locked(s, event->u.cap.reason);
        callback = caps.callback;
        user_data = caps.user_data;
        if (callback)
            caps.callbacks_running++;
    }
    pthread_mutex_unlock(&caps.lock);
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
        pthread_mutex_lock(&caps.lock);
        caps.callbacks_running--;
        pthread_cond_broadcast(&caps.idle);
        pthread_mutex_unlock(&caps.lock);
    }
    /* Nothing follows the event: from inside its own callback, closing does not wait. */
    hsx_mailbox_close(mailbox);
    free(w);
}

/*
 * Subscribe to the end of capability id, with the slot busy (so no drop or
 * reset takes the watch meanwhile). The lock is released while subscribing.
 * Without the subscription (a kernel without "hal:cap:", or the capability
 * already ended) the capability works as well; only the event is missed,
 * and the next denied operation finds out.
 */
static void watch_locked(enum hsx_umod_index node, uint64_t id)
{
    char name[HSX_MBOX_NAME_MAX];
    struct cap_watch *w = calloc(1, sizeof(*w));
    hsx_mailbox_t *mailbox;
    int fd = caps.slots[node].fd;

    if (!w)
        return;
    w->node = node;
    pthread_mutex_unlock(&caps.lock);
    snprintf(name, sizeof(name), HSX_MBOX_CAP_FMT, (unsigned long long)id);
    int ret = hsx_mailbox_open_object(name, fd, &mailbox);
    pthread_mutex_lock(&caps.lock);
    if (ret != HSX_HAL_OK) {
        free(w);
        return;
    }
    /* Listed before the callback can run, so that the callback finds it. */
    w->mailbox = mailbox;
    w->next = caps.watches;
    caps.watches = w;
    pthread_mutex_unlock(&caps.lock);
    /* The handle's first callback: under the node's lock, this waits for no callback. */
    ret = hsx_mailbox_set_callback(mailbox, on_cap_event, w);
    pthread_mutex_lock(&caps.lock);
    if (ret != HSX_HAL_OK && claim_locked(w)) {
        pthread_mutex_unlock(&caps.lock);
        hsx_mailbox_close(mailbox);
        free(w);
        pthread_mutex_lock(&caps.lock);
    }
}

/* Close the watches taken off the list; without caps.lock (closing waits for their callback). */
static void close_watches(struct cap_watch *list)
{
    while (list) {
        struct cap_watch *w = list;
        list = w->next;
        hsx_mailbox_close(w->mailbox);
        free(w);
    }
}

/* Take the watches of node (or of every node, for HSX_UMOD_COUNT) off the list. */
static struct cap_watch *claim_watches_locked(enum hsx_umod_index node)
{
    struct cap_watch *claimed = NULL;

    for (struct cap_watch **p = &caps.watches; *p;) {
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

/* ---- exchanges with hsxd ------------------------------------------------------------ */

/* With the lock held, released during the exchange; the slot is left busy. */
static int exchange_locked(enum hsx_umod_index node, uint32_t op, struct hsxd_reply *reply,
                           int cancel_fd)
{
    struct cap_slot *s = &caps.slots[node];
    struct hsxd_request req;

    if (op == HSXD_OP_ACQUIRE)
        hsx_hsxd_request_init(&req, op, hsx_node_module(node), s->want_rights, &s->want_sel);
    else
        hsx_hsxd_request_init(&req, op, hsx_node_module(node), 0, NULL);
    int fd = s->fd;
    s->busy = true;
    pthread_mutex_unlock(&caps.lock);
    int ret = hsx_hsxd_call(&req, fd, reply, cancel_fd);
    pthread_mutex_lock(&caps.lock);
    return ret;
}

static void finish_locked(struct cap_slot *s)
{
    s->busy = false;
    pthread_cond_broadcast(&caps.idle);
}

/* Acquire for node. Returns HSX_HAL_OK, or HSX_HAL_DENIED with the reason in the slot. */
static int acquire_locked(enum hsx_umod_index node, int cancel_fd)
{
    struct cap_slot *s = &caps.slots[node];
    struct hsxd_reply reply;
    struct hsx_cap_query q;
    int result = HSX_HAL_OK;

    s->attempts++;
    s->last_attempt = clock_ns(CLOCK_MONOTONIC);
    int ret = exchange_locked(node, HSXD_OP_ACQUIRE, &reply, cancel_fd);
    if (ret == 0 && reply.status == 0) {
        hold_locked(node, &reply.cap);
    } else if ((ret == -ETIMEDOUT || ret == -ECONNRESET || (ret == 0 && reply.status == -EEXIST)) &&
               learn_locked(node, &q) == 0 && in_force(&q.cap)) {
        /* hsxd minted but its answer was lost, or the file holds one already: the kernel knows. */
        hold_locked(node, &q.cap);
    } else {
        s->failures++;
        describe_failure(s, ret, &reply);
        result = HSX_HAL_DENIED;
    }
    if (s->held)
        watch_locked(node, s->cap.id);
    finish_locked(s);
    return result;
}

static bool may_attempt_locked(const struct cap_slot *s)
{
    return s->attempts == 0 ||
           clock_ns(CLOCK_MONOTONIC) - s->last_attempt >= hsx_cap_acquire_interval(s->failures);
}

/*
 * Acquire for node now, or, on the dispatcher thread, leave it to the
 * renewal thread: a callback must not wait for hsxd (up to its timeout), and
 * every other callback with it. Returns HSX_HAL_OK once one is held,
 * HSX_HAL_DENIED otherwise (also while the renewal thread is asking).
 */
static int acquire_or_queue_locked(enum hsx_umod_index node)
{
    struct cap_slot *s = &caps.slots[node];

    if (!hsx_dispatch_on_thread())
        return acquire_locked(node, -1);
    if (!s->acquire_queued) {
        s->acquire_queued = true;
        hsx_renew_kick();
    }
    return HSX_HAL_DENIED;
}

/*
 * Wait until no exchange is under way for s, except on the dispatcher
 * thread, which must not wait for hsxd: there, false if one is.
 */
static bool idle_or_not_waiting_locked(const struct cap_slot *s)
{
    if (hsx_dispatch_on_thread())
        return !s->busy;
    wait_idle_locked(s);
    return true;
}

static bool quiet(void)
{
    const char *value = getenv("HSX_HAL_QUIET");

    return value && value[0] && strcmp(value, "0") != 0;
}

/* The stderr line of this denial episode, if it is still due: printed by the caller, unlocked. */
static bool take_report_locked(enum hsx_umod_index node, char *line, size_t size)
{
    struct cap_slot *s = &caps.slots[node];

    if (s->reported || s->dropped || !s->message[0])
        return false;
    s->reported = true;
    if (quiet())
        return false;
    snprintf(line, size, "hsx: %s access denied: %s\n", hsx_node_name(node), s->message);
    return true;
}

/* ---- what device.c asks --------------------------------------------------------------- */

void hsx_cap_opened(enum hsx_umod_index node, int fd)
{
    struct cap_slot *s = &caps.slots[node];
    struct hsx_cap_query q;

    pthread_mutex_lock(&caps.lock);
    wait_idle_locked(s);
    s->fd = fd;
    s->known = false;
    if (learn_locked(node, &q) == 0 && needs_capability(s) && !s->dropped)
        acquire_or_queue_locked(node);
    pthread_mutex_unlock(&caps.lock);
}

unsigned int hsx_cap_generation(enum hsx_umod_index node)
{
    return atomic_load(&generations[node]);
}

bool hsx_cap_retry(enum hsx_umod_index node, int err, unsigned int generation)
{
    struct cap_slot *s = &caps.slots[node];
    struct hsx_cap_query q;
    bool retry = false, print = false;
    char line[MESSAGE_MAX + 64];

    if (err != EACCES && err != EKEYEXPIRED && err != EKEYREVOKED)
        return false;
    pthread_mutex_lock(&caps.lock);
    bool idle = idle_or_not_waiting_locked(s);
    if (atomic_load(&generations[node]) != generation) {
        retry = true; /* obtained since the operation started */
        goto out;
    }
    if (!idle)
        goto out; /* on the dispatcher, with hsxd being asked: denied for now */
    if (s->fd < 0 || (!s->known && learn_locked(node, &q) < 0) || !needs_capability(s) ||
        s->dropped)
        goto out;
    if (s->held) {
        /* In force, but not for this operation (rights, objects): a real denial. */
        if (err == EACCES && learn_locked(node, &q) == 0 && in_force(&q.cap) &&
            q.cap.id == s->cap.id)
            goto out;
        end_locked(s, 0);
    }
    if (may_attempt_locked(s))
        retry = acquire_or_queue_locked(node) == HSX_HAL_OK;
    if (!retry)
        print = take_report_locked(node, line, sizeof(line));
out:
    pthread_mutex_unlock(&caps.lock);
    if (print)
        fputs(line, stderr);
    return retry;
}

int hsx_cap_auth_fd(enum hsx_umod_index node)
{
    struct cap_slot *s = &caps.slots[node];
    struct hsx_cap_query q;
    bool print = false;
    char line[MESSAGE_MAX + 64];
    int fd = -1;

    pthread_mutex_lock(&caps.lock);
    bool idle = idle_or_not_waiting_locked(s);
    if (s->fd >= 0 && (s->known || learn_locked(node, &q) == 0) && needs_capability(s)) {
        fd = s->fd;
        if (idle && !s->held && !s->dropped && may_attempt_locked(s))
            acquire_or_queue_locked(node);
        if (!s->held)
            print = take_report_locked(node, line, sizeof(line));
    }
    pthread_mutex_unlock(&caps.lock);
    if (print)
        fputs(line, stderr);
    return fd;
}

/* ---- renewal ---------------------------------------------------------------------------- */

/*
 * A status hsxd may answer while it cannot decide now (busy, short of
 * memory, its admin node reopening): worth asking again, unlike a refusal.
 */
static bool transient_status(int status)
{
    return status == -EAGAIN || status == -EBUSY || status == -EINTR || status == -ENOMEM ||
           status == -ETIMEDOUT;
}

static void renew_locked(enum hsx_umod_index node, int cancel_fd)
{
    struct cap_slot *s = &caps.slots[node];
    struct hsxd_reply reply;
    uint64_t id = s->cap.id;

    int ret = exchange_locked(node, HSXD_OP_RENEW, &reply, cancel_fd);
    uint64_t now = clock_ns(CLOCK_BOOTTIME);
    if (!s->held || s->cap.id != id) {
        /* It ended meanwhile (its event came): nothing left to renew. */
    } else if (ret == 0 && reply.status == 0 && reply.cap.id == id) {
        s->cap.expiry_ns = reply.cap.expiry_ns;
        s->renew_at = hsx_cap_renew_at(now, s->cap.expiry_ns);
    } else if (ret == 0 && reply.status < 0 && !transient_status(reply.status)) {
        /* Refused: the policy no longer allows it. It expires, and the kernel says so. */
        s->renew_at = 0;
    } else if (ret != -ECANCELED) {
        /* No answer, a wrong one, or "not now": try again while there is time. */
        s->renew_at = hsx_cap_renew_retry_at(now, s->cap.expiry_ns);
    }
    finish_locked(s);
}

/*
 * On the renewal thread: an acquisition a callback needed (see
 * acquire_or_queue_locked()). Its stderr line, if due, into line.
 */
static bool acquire_queued_locked(enum hsx_umod_index node, int cancel_fd, char *line, size_t size)
{
    struct cap_slot *s = &caps.slots[node];

    s->acquire_queued = false;
    if (s->fd < 0 || !needs_capability(s) || s->held || s->dropped)
        return false;
    if (acquire_locked(node, cancel_fd) == HSX_HAL_OK)
        return false;
    return take_report_locked(node, line, size);
}

uint64_t hsx_cap_renew_due(uint64_t now, int cancel_fd)
{
    char lines[HSX_UMOD_COUNT][MESSAGE_MAX + 64];
    bool print[HSX_UMOD_COUNT] = {false};
    uint64_t next = 0;

    pthread_mutex_lock(&caps.lock);
    for (int node = 0; node < HSX_UMOD_COUNT; node++) {
        struct cap_slot *s = &caps.slots[node];
        if (s->acquire_queued && !s->busy)
            print[node] = acquire_queued_locked((enum hsx_umod_index)node, cancel_fd, lines[node],
                                                sizeof(lines[node]));
        if (s->held && s->renew_at && s->renew_at <= now && !s->busy)
            renew_locked((enum hsx_umod_index)node, cancel_fd);
        if (!s->held || !s->renew_at)
            continue;
        /* Busy with something else at its time: look again shortly rather than spin. */
        uint64_t at = s->busy && s->renew_at <= now ? now + HSX_CAP_RENEW_MIN_NS : s->renew_at;
        if (next == 0 || at < next)
            next = at;
    }
    /* Queued while another exchange was under way: look again shortly. */
    for (int node = 0; node < HSX_UMOD_COUNT; node++) {
        if (caps.slots[node].acquire_queued && (next == 0 || now + HSX_CAP_RENEW_MIN_NS < next))
            next = now + HSX_CAP_RENEW_MIN_NS;
    }
    pthread_mutex_unlock(&caps.lock);
    for (int node = 0; node < HSX_UMOD_COUNT; node++) {
        if (print[node])
            fputs(lines[node], stderr);
    }
    return next;
}

/* ---- the public API ----------------------------------------------------------------------- */

/* The node of a module capabilities are minted for. */
static bool module_node(hsx_cap_module_t module, enum hsx_umod_index *node)
{
    const struct hsx_umodule *m = hsx_umod_by_id((uint32_t)module);

    if (!m || !(m->flags & HSX_UMOD_CAPS) || !(m->flags & HSX_UMOD_NODE))
        return false;
    *node = (enum hsx_umod_index)hsx_umod_index(m);
    return true;
}

/* The node's descriptor as a module's first use opens it (acquiring); or an HSX_HAL_* code. */
static int node_fd(enum hsx_umod_index node)
{
    int fd = hsx_dev_open(node, hsx_cap_opened);

    if (fd == -ENOENT || fd == -ENODEV)
        return hsx_fail_with(HSX_HAL_NO_DEVICE, -fd);
    return fd < 0 ? hsx_fail_with_errno(fd) : fd;
}

HSX_API int hsx_cap_request(hsx_cap_module_t module, uint32_t rights,
                            const hsx_cap_selector_t *selector)
{
    union hsx_cap_selector sel = {0};
    enum hsx_umod_index node;
    struct hsx_cap_query q;

    if (selector)
        memcpy(&sel, selector, sizeof(sel));
    if (!module_node(module, &node) || !hsx_umod_request_valid(hsx_umodules[node], rights, &sel))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    struct cap_slot *s = &caps.slots[node];
    pthread_mutex_lock(&caps.lock);
    if (!idle_or_not_waiting_locked(s)) {
        pthread_mutex_unlock(&caps.lock);
        return hsx_fail_with(HSX_HAL_BUSY, EINPROGRESS);
    }
    if (s->held) {
        pthread_mutex_unlock(&caps.lock);
        return hsx_fail_with(HSX_HAL_BUSY, EEXIST);
    }
    /* Set before the node is opened: opening acquires, and must ask for this. */
    s->want_rights = rights;
    s->want_sel = sel;
    s->dropped = false;
    unsigned int attempts = s->attempts;
    pthread_mutex_unlock(&caps.lock);

    int fd = node_fd(node);
    if (fd < 0)
        return fd;

    int ret = HSX_HAL_OK;
    pthread_mutex_lock(&caps.lock);
    bool idle = idle_or_not_waiting_locked(s);
    int learnt = s->known ? 0 : learn_locked(node, &q);
    int err = 0;
    if (learnt < 0) {
        ret = hsx_fail_with_errno(learnt);
    } else if (!needs_capability(s) || s->held) {
        ret = HSX_HAL_OK;
    } else if (!idle || s->acquire_queued) {
        ret = HSX_HAL_DENIED; /* on the dispatcher: being asked, off it */
        err = EINPROGRESS;
    } else if (s->attempts != attempts) { /* opening the node just tried, and failed */
        ret = HSX_HAL_DENIED;
    } else {
        ret = acquire_or_queue_locked(node);
        if (s->acquire_queued)
            err = EINPROGRESS;
    }
    if (!err)
        err = s->err;
    pthread_mutex_unlock(&caps.lock);
    return ret == HSX_HAL_DENIED ? hsx_fail_with(ret, err) : ret;
}

HSX_API int hsx_cap_drop(hsx_cap_module_t module)
{
    enum hsx_umod_index node;

    if (!module_node(module, &node))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    struct cap_slot *s = &caps.slots[node];
    pthread_mutex_lock(&caps.lock);
    wait_idle_locked(s);
    bool drop = s->fd >= 0 && needs_capability(s);
    int fd = s->fd;
    s->dropped = true;
    s->held = false;
    s->renew_at = 0;
    s->err = EACCES;
    snprintf(s->message, sizeof(s->message), "dropped by this process (hsx_cap_drop())");
    /* Unsubscribe first: the application's own drop is no revocation to tell it about. */
    struct cap_watch *watches = claim_watches_locked(node);
    pthread_mutex_unlock(&caps.lock);

    close_watches(watches);
    if (drop) {
        struct hsx_cap_drop arg = {.module = hsx_node_module(node)};
        /* ENOENT (none held, e.g. it ended already) leaves nothing to do. */
        hsx_dev_raw_ioctl(node, fd, HSX_IOC_CAP_DROP, &arg);
    }
    return HSX_HAL_OK;
}

static void fill_info_locked(enum hsx_umod_index node, const struct hsx_cap_query *q,
                             hsx_cap_info_t *info)
{
    const struct cap_slot *s = &caps.slots[node];

    memset(info, 0, sizeof(*info));
    info->module = (hsx_cap_module_t)hsx_node_module(node);
    if (!q->enforcing || q->privileged) {
        info->status = HSX_CAP_STATUS_NOT_NEEDED;
    } else if (in_force(&q->cap)) {
        info->status = HSX_CAP_STATUS_HELD;
        info->id = q->cap.id;
        info->parent_id = q->cap.parent_id;
        info->rights = q->cap.rights;
        memcpy(&info->selector, &q->cap.sel, sizeof(info->selector));
        info->expiry_ns = q->cap.expiry_ns;
        info->renew_ns = s->held && s->cap.id == q->cap.id ? s->renew_at : 0;
    } else {
        info->status = HSX_CAP_STATUS_NONE;
        snprintf(info->message, sizeof(info->message), "%s",
                 s->message[0] ? s->message : "no capability");
    }
}

HSX_API int hsx_cap_get(hsx_cap_module_t module, hsx_cap_info_t *info)
{
    enum hsx_umod_index node;
    struct hsx_cap_query q;

    if (!module_node(module, &node) || !info)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int fd = node_fd(node);
    if (fd < 0)
        return fd;
    pthread_mutex_lock(&caps.lock);
    idle_or_not_waiting_locked(&caps.slots[node]); /* the kernel's answer either way */
    int ret = learn_locked(node, &q);
    if (ret == 0)
        fill_info_locked(node, &q, info);
    pthread_mutex_unlock(&caps.lock);
    return ret < 0 ? hsx_fail_with_errno(ret) : HSX_HAL_OK;
}

HSX_API int hsx_cap_list(hsx_cap_info_t *info, size_t max)
{
    struct hsx_cap_query q;
    hsx_cap_info_t entry;
    int count = 0;

    if (!info && max)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    pthread_mutex_lock(&caps.lock);
    for (int node = 0; node < HSX_UMOD_COUNT; node++) {
        struct cap_slot *s = &caps.slots[node];
        idle_or_not_waiting_locked(s); /* the kernel's answer either way */
        if (s->fd < 0 || learn_locked((enum hsx_umod_index)node, &q) < 0)
            continue;
        fill_info_locked((enum hsx_umod_index)node, &q, &entry);
        if (entry.status != HSX_CAP_STATUS_HELD)
            continue;
        if ((size_t)count < max)
            info[count] = entry;
        count++;
    }
    pthread_mutex_unlock(&caps.lock);
    return count;
}

HSX_API int hsx_cap_set_revoke_callback(hsx_hal_event_callback_t callback, void *user_data)
{
    pthread_mutex_lock(&caps.lock);
    caps.callback = callback;
    caps.user_data = user_data;
    /* From inside the callback, waiting for it to return would never end. */
    while (!in_revoke_callback && caps.callbacks_running)
        pthread_cond_wait(&caps.idle, &caps.lock);
    pthread_mutex_unlock(&caps.lock);
    return HSX_HAL_OK;
}

HSX_API const char *hsx_cap_status_name(hsx_cap_status_t status)
{
    switch (status) {
    case HSX_CAP_STATUS_NOT_NEEDED:
        return "not needed";
    case HSX_CAP_STATUS_HELD:
        return "held";
    case HSX_CAP_STATUS_NONE:
        return "none";
    default:
        return "unknown";
    }
}

HSX_API const char *hsx_cap_reason_name(hsx_cap_reason_t reason)
{
    return reason_text((uint32_t)reason);
}

/* ---- fork and tests ------------------------------------------------------------------------ */

void hsx_cap_fork_prepare(void)
{
    pthread_mutex_lock(&caps.lock);
}

void hsx_cap_fork_parent(void)
{
    pthread_mutex_unlock(&caps.lock);
}

/* Forget a slot's file and what it held, keep what the application decided. */
static void forget_slot(struct cap_slot *s, bool keep_decisions)
{
    struct cap_slot kept = *s;

    *s = (struct cap_slot){.fd = -1};
    if (keep_decisions) {
        s->dropped = kept.dropped;
        s->want_rights = kept.want_rights;
        s->want_sel = kept.want_sel;
    }
}

/*
 * The child holds none of the parent's capabilities (they are the parent's
 * files'); it asks for its own on first use. A drop stays: a process that
 * gave up a module must not get it back by forking. The parent's watches
 * are closed by hsx_cap_fork_forget(), which ends nothing (their handles
 * are inherited); the revocation callback stays registered for the child's
 * own capabilities.
 */
void hsx_cap_fork_child(void)
{
    for (int node = 0; node < HSX_UMOD_COUNT; node++)
        forget_slot(&caps.slots[node], true);
    caps.callbacks_running = 0;
    pthread_cond_init(&caps.idle, NULL);
    pthread_mutex_unlock(&caps.lock);
}

void hsx_cap_fork_forget(void)
{
    pthread_mutex_lock(&caps.lock);
    struct cap_watch *watches = claim_watches_locked(HSX_UMOD_COUNT);
    pthread_mutex_unlock(&caps.lock);
    close_watches(watches);
}

void hsx_cap_reset(void)
{
    hsx_renew_stop();
    pthread_mutex_lock(&caps.lock);
    for (int node = 0; node < HSX_UMOD_COUNT; node++) {
        wait_idle_locked(&caps.slots[node]);
        forget_slot(&caps.slots[node], false);
    }
    struct cap_watch *watches = claim_watches_locked(HSX_UMOD_COUNT);
    caps.callback = NULL;
    caps.user_data = NULL;
    pthread_mutex_unlock(&caps.lock);
    close_watches(watches);
}
