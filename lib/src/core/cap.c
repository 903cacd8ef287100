// SPDX-License-Identifier: MIT
/*
 * Capabilities, the slots and acquisition: obtaining them from hsxd without
 * the application asking, and keeping them. The rest is in files of their
 * own: revocation events (cap_watch.c), renewal (cap_renew.c), the public
 * hsx_cap_* API (cap_api.c); the slots they share are in cap_slot.h.
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
 *  - Hear the end: after acquiring, subscribe to "hal:cap:<id>"
 *    (cap_watch.c); the kernel posts one event there when the capability
 *    ends, which runs the application's revocation callback on the
 *    dispatcher thread.
 *
 * On the dispatcher thread nothing waits for hsxd: an acquisition a callback
 * needs is queued for the renewal thread and the operation is denied at once
 * (hsx_cap_acquire_or_queue_locked()).
 *
 * The slot's busy flag marks an exchange with hsxd under way (acquisition,
 * with its subscription, or renewal); the lock is not held across it, and
 * whoever needs the slot's outcome waits on idle. Lock order: a node's lock
 * (device.c), then hsx_caps.lock, then the renewal thread's; hsx_caps.lock is never
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

#include "core/cap_slot.h"
#include "core/dispatcher.h"
#include "core/errors.h"

struct hsx_caps hsx_caps = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .idle = PTHREAD_COND_INITIALIZER,
    .slots = {[0 ... HSX_UMOD_COUNT - 1] = {.fd = -1}},
};

static atomic_uint generations[HSX_UMOD_COUNT];

/* Ask the file what it needs and holds. Returns 0 or -errno. */
int hsx_cap_learn_locked(enum hsx_umod_index node, struct hsx_cap_query *q)
{
    struct cap_slot *s = &hsx_caps.slots[node];

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

const char *hsx_cap_reason_text(uint32_t reason)
{
    const char *text = hsx_cap_end_reason(reason);

    return text ? text : "ended";
}

/* Why an exchange with hsxd gave no capability, in words for the application's user. */
static void describe_failure(struct cap_slot *s, int ret, const struct hsxd_reply *reply)
{
    s->err = ret ? -ret : -reply->status;
    hsx_hsxd_describe(s->message, sizeof(s->message), ret, reply);
    if (hsx_hsxd_not_running(ret)) {
        size_t len = strlen(s->message);
        snprintf(s->message + len, sizeof(s->message) - len, " and this process is not root");
    }
}

/* The capability ended, or the kernel says it is not in force: a new denial episode starts. */
void hsx_cap_end_locked(struct cap_slot *s, uint32_t reason)
{
    snprintf(s->message, sizeof(s->message), "capability %llu %s", (unsigned long long)s->cap.id,
             reason ? hsx_cap_reason_text(reason) : "is no longer in force");
    s->held = false;
    s->renew_at = 0;
    s->err = EKEYREVOKED;
    s->reported = false;
}

static void hold_locked(enum hsx_umod_index node, const struct hsx_cap_info *cap)
{
    struct cap_slot *s = &hsx_caps.slots[node];

    s->held = true;
    s->cap = *cap;
    s->failures = 0;
    s->err = 0;
    s->reported = false;
    s->message[0] = '\0';
    /* A derived capability is renewed by whoever derived it, not by hsxd for this process. */
    s->renew_at =
        cap->parent_id ? 0 : hsx_cap_renew_at(cap_clock_ns(CLOCK_BOOTTIME), cap->expiry_ns);
    atomic_fetch_add(&generations[node], 1);
    if (s->renew_at)
        hsx_renew_kick();
}

/* ---- exchanges with hsxd ------------------------------------------------------------ */

/* With the lock held, released during the exchange; the slot is left busy. */
int hsx_cap_exchange_locked(enum hsx_umod_index node, uint32_t op, struct hsxd_reply *reply,
                            int cancel_fd)
{
    struct cap_slot *s = &hsx_caps.slots[node];
    struct hsxd_request req;

    if (op == HSXD_OP_ACQUIRE)
        hsx_hsxd_request_init(&req, op, hsx_node_module(node), s->want_rights, &s->want_sel);
    else
        hsx_hsxd_request_init(&req, op, hsx_node_module(node), 0, NULL);
    int fd = s->fd;
    s->busy = true;
    pthread_mutex_unlock(&hsx_caps.lock);
    int ret = hsx_hsxd_call(&req, fd, reply, cancel_fd);
    pthread_mutex_lock(&hsx_caps.lock);
    return ret;
}

void hsx_cap_finish_locked(struct cap_slot *s)
{
    s->busy = false;
    pthread_cond_broadcast(&hsx_caps.idle);
}

/* Acquire for node. Returns HSX_HAL_OK, or HSX_HAL_DENIED with the reason in the slot. */
int hsx_cap_acquire_locked(enum hsx_umod_index node, int cancel_fd)
{
    struct cap_slot *s = &hsx_caps.slots[node];
    struct hsxd_reply reply;
    struct hsx_cap_query q;
    int result = HSX_HAL_OK;

    s->attempts++;
    s->last_attempt = cap_clock_ns(CLOCK_MONOTONIC);
    int ret = hsx_cap_exchange_locked(node, HSXD_OP_ACQUIRE, &reply, cancel_fd);
    if (ret == 0 && reply.status == 0) {
        hold_locked(node, &reply.cap);
    } else if ((ret == -ETIMEDOUT || ret == -ECONNRESET || (ret == 0 && reply.status == -EEXIST)) &&
               hsx_cap_learn_locked(node, &q) == 0 && cap_in_force(&q.cap)) {
        /* hsxd minted but its answer was lost, or the file holds one already: the kernel knows. */
        hold_locked(node, &q.cap);
    } else {
        s->failures++;
        describe_failure(s, ret, &reply);
        result = HSX_HAL_DENIED;
    }
    if (s->held)
        hsx_cap_watch_locked(node, s->cap.id);
    hsx_cap_finish_locked(s);
    return result;
}

static bool may_attempt_locked(const struct cap_slot *s)
{
    return s->attempts == 0 ||
           cap_clock_ns(CLOCK_MONOTONIC) - s->last_attempt >= hsx_cap_acquire_interval(s->failures);
}

/*
 * Acquire for node now, or, on the dispatcher thread, leave it to the
 * renewal thread: a callback must not wait for hsxd (up to its timeout), and
 * every other callback with it. Returns HSX_HAL_OK once one is held,
 * HSX_HAL_DENIED otherwise (also while the renewal thread is asking).
 */
int hsx_cap_acquire_or_queue_locked(enum hsx_umod_index node)
{
    struct cap_slot *s = &hsx_caps.slots[node];

    if (!hsx_dispatch_on_thread())
        return hsx_cap_acquire_locked(node, -1);
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
bool hsx_cap_idle_or_not_waiting_locked(const struct cap_slot *s)
{
    if (hsx_dispatch_on_thread())
        return !s->busy;
    cap_wait_idle_locked(s);
    return true;
}

/* The stderr line of this denial episode, if it is still due: printed by the caller, unlocked. */
bool hsx_cap_take_report_locked(enum hsx_umod_index node, char *line, size_t size)
{
    struct cap_slot *s = &hsx_caps.slots[node];

    if (s->reported || s->dropped || !s->message[0])
        return false;
    s->reported = true;
    if (hsx_hal_quiet())
        return false;
    snprintf(line, size, "hsx: %s access denied: %s\n", hsx_node_name(node), s->message);
    return true;
}

/* ---- what device.c asks --------------------------------------------------------------- */

void hsx_cap_opened(enum hsx_umod_index node, int fd)
{
    struct cap_slot *s = &hsx_caps.slots[node];
    struct hsx_cap_query q;

    pthread_mutex_lock(&hsx_caps.lock);
    cap_wait_idle_locked(s);
    s->fd = fd;
    s->known = false;
    if (hsx_cap_learn_locked(node, &q) == 0 && cap_needs_capability(s) && !s->dropped)
        hsx_cap_acquire_or_queue_locked(node);
    pthread_mutex_unlock(&hsx_caps.lock);
}

unsigned int hsx_cap_generation(enum hsx_umod_index node)
{
    return atomic_load(&generations[node]);
}

bool hsx_cap_retry(enum hsx_umod_index node, int err, unsigned int generation)
{
    struct cap_slot *s = &hsx_caps.slots[node];
    struct hsx_cap_query q;
    bool retry = false, print = false;
    char line[CAP_LINE_MAX];

    if (err != EACCES && err != EKEYEXPIRED && err != EKEYREVOKED)
        return false;
    pthread_mutex_lock(&hsx_caps.lock);
    bool idle = hsx_cap_idle_or_not_waiting_locked(s);
    if (atomic_load(&generations[node]) != generation) {
        retry = true; /* obtained since the operation started */
        goto out;
    }
    if (!idle)
        goto out; /* on the dispatcher, with hsxd being asked: denied for now */
    if (s->fd < 0 || (!s->known && hsx_cap_learn_locked(node, &q) < 0) ||
        !cap_needs_capability(s) || s->dropped)
        goto out;
    if (s->held) {
        /* In force, but not for this operation (rights, objects): a real denial. */
        if (err == EACCES && hsx_cap_learn_locked(node, &q) == 0 && cap_in_force(&q.cap) &&
            q.cap.id == s->cap.id)
            goto out;
        hsx_cap_end_locked(s, 0);
    }
    if (may_attempt_locked(s))
        retry = hsx_cap_acquire_or_queue_locked(node) == HSX_HAL_OK;
    if (!retry)
        print = hsx_cap_take_report_locked(node, line, sizeof(line));
out:
    pthread_mutex_unlock(&hsx_caps.lock);
    if (print)
        fputs(line, stderr);
    return retry;
}

int hsx_cap_auth_fd_ex(enum hsx_umod_index node, bool acquire)
{
    struct cap_slot *s = &hsx_caps.slots[node];
    struct hsx_cap_query q;
    bool print = false;
    char line[CAP_LINE_MAX];
    int fd = -1;

    pthread_mutex_lock(&hsx_caps.lock);
    bool idle = acquire && hsx_cap_idle_or_not_waiting_locked(s);
    if (s->fd >= 0 && (s->known || hsx_cap_learn_locked(node, &q) == 0) &&
        cap_needs_capability(s)) {
        fd = s->fd;
        if (idle && !s->held && !s->dropped && may_attempt_locked(s))
            hsx_cap_acquire_or_queue_locked(node);
        if (!s->held && acquire)
            print = hsx_cap_take_report_locked(node, line, sizeof(line));
    }
    pthread_mutex_unlock(&hsx_caps.lock);
    if (print)
        fputs(line, stderr);
    return fd;
}

uint64_t hsx_cap_held_id(enum hsx_umod_index node)
{
    const struct cap_slot *s = &hsx_caps.slots[node];

    pthread_mutex_lock(&hsx_caps.lock);
    uint64_t id = 0;
    if (cap_needs_capability(s))
        id = s->held ? s->cap.id : UINT64_MAX;
    pthread_mutex_unlock(&hsx_caps.lock);
    return id;
}

int hsx_cap_auth_fd(enum hsx_umod_index node)
{
    return hsx_cap_auth_fd_ex(node, true);
}

/* ---- fork and tests ------------------------------------------------------------------------ */

void hsx_cap_fork_prepare(void)
{
    pthread_mutex_lock(&hsx_caps.lock);
}

void hsx_cap_fork_parent(void)
{
    pthread_mutex_unlock(&hsx_caps.lock);
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
 * are closed by hsx_cap_fork_forget() (cap_watch.c), which ends nothing.
 */
void hsx_cap_fork_child(void)
{
    for (int node = 0; node < HSX_UMOD_COUNT; node++)
        forget_slot(&hsx_caps.slots[node], true);
    hsx_cap_watch_fork_child_locked();
    pthread_cond_init(&hsx_caps.idle, NULL);
    pthread_mutex_unlock(&hsx_caps.lock);
}

void hsx_cap_reset(void)
{
    hsx_renew_stop();
    pthread_mutex_lock(&hsx_caps.lock);
    for (int node = 0; node < HSX_UMOD_COUNT; node++) {
        cap_wait_idle_locked(&hsx_caps.slots[node]);
        forget_slot(&hsx_caps.slots[node], false);
    }
    struct cap_watch *watches = hsx_cap_watch_reset_locked();
    pthread_mutex_unlock(&hsx_caps.lock);
    hsx_cap_watches_close(watches);
}
