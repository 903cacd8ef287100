// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "lifecycle.h"
#include "log.h"

/* Watch a new holder; takes pidfd. NULL (logged) when it cannot be tracked. */
static struct holder *watch_new(struct hsxd *h, uint32_t pid, uint32_t uid, const char *exe,
                                int pidfd)
{
    struct holder *holder = holders_new(&h->holders, pid, uid, exe, pidfd);

    if (!holder) {
        log_msg(LOG_WARNING,
                "cannot track pid %u: out of memory or room; its capabilities end "
                "when it closes its files or they expire",
                pid);
        return NULL;
    }
    if (h->watch)
        h->watch(h, holder, true);
    return holder;
}

static void unwatch(struct hsxd *h, struct holder *holder)
{
    if (h->watch)
        h->watch(h, holder, false);
    holders_drop(&h->holders, holder);
}

/* The holder entry for pid, if it is that process (not a dead one whose pid came back). */
static struct holder *live_holder(struct hsxd *h, uint32_t pid)
{
    struct holder *holder = holders_find(&h->holders, pid);

    if (holder && holder->pidfd >= 0 && pidfd_exited(holder->pidfd)) {
        lifecycle_holder_exited(h, holder);
        return NULL;
    }
    return holder;
}

void lifecycle_minted(struct hsxd *h, const struct identity *who, int pidfd,
                      const struct hsx_cap_info *cap)
{
    struct holder *holder = live_holder(h, who->pid);

    if (!holder) {
        int fd = pidfd >= 0 ? fcntl(pidfd, F_DUPFD_CLOEXEC, 0) : pidfd_of(who->pid);
        holder = watch_new(h, who->pid, who->uid, who->exe, fd < 0 ? -1 : fd);
        if (!holder)
            return;
    }
    holders_track(&h->holders, holder, cap);
}

/* Track one listed capability; revoke it if its holder is gone. Returns 1 if tracked. */
static int adopt_one(struct hsxd *h, const struct hsx_cap_info *cap)
{
    struct hsx_cap_revoke revoke = {.id = cap->id, .reason = HSX_CAP_END_HOLDER_EXITED};
    char exe[HOLDER_EXE_MAX];
    uint32_t uid = UINT32_MAX;

    if (holders_cap(&h->holders, cap->id))
        return 0;
    if (cap->holder_pid == 0) {
        log_msg(LOG_INFO,
                "capability %" PRIu64 " belongs to a process outside hsxd's pid "
                "namespace: not watched",
                (uint64_t)cap->id);
        return 0;
    }
    struct holder *holder = live_holder(h, cap->holder_pid);
    if (!holder) {
        int pidfd = pidfd_of(cap->holder_pid);
        if (pidfd == -ESRCH) {
            int ret = admin_revoke(h->ctl, &revoke);
            if (ret == 0)
                log_msg(LOG_NOTICE, "revoked capability %" PRIu64 ": its holder pid %u is gone",
                        (uint64_t)cap->id, cap->holder_pid);
            return 0;
        }
        /*
         * The pid may have been reused since the holder exited; then this
         * watches a stranger, and the dead holder's (useless) capability
         * is revoked when the stranger exits, or expires first.
         */
        proc_exe(cap->holder_pid, exe, sizeof(exe));
        proc_uid(cap->holder_pid, &uid);
        holder = watch_new(h, cap->holder_pid, uid, exe, pidfd < 0 ? -1 : pidfd);
        if (!holder)
            return 0;
    }
    return holders_track(&h->holders, holder, cap) == 0;
}

int lifecycle_adopt(struct hsxd *h)
{
    struct hsx_cap_info cap;
    uint64_t after = 0;
    int ret, adopted = 0;

    while ((ret = admin_list_next(h->ctl, after, &cap)) == 0) {
        adopted += adopt_one(h, &cap);
        after = cap.id;
    }
    if (ret != -ENOENT) {
        log_msg(LOG_ERR, "HSX_IOC_CAP_LIST: %s", strerror(-ret));
        return ret;
    }
    return adopted;
}

void lifecycle_holder_exited(struct hsxd *h, struct holder *holder)
{
    unsigned int ended = 0;

    for (size_t i = 0; i < h->holders.ncaps; i++) {
        if (h->holders.cap[i].holder != holder)
            continue;
        struct hsx_cap_revoke revoke = {
            .id = h->holders.cap[i].id,
            .reason = HSX_CAP_END_HOLDER_EXITED,
        };
        /* ENOENT: the kernel ended it already, as the holder's file closed. */
        if (admin_revoke(h->ctl, &revoke) == 0)
            ended += revoke.count;
    }
    if (ended)
        log_msg(LOG_NOTICE,
                "pid %u (uid %u exe %s) exited and left %u capabilit%s live (its "
                "file lives on in another process): revoked",
                holder->pid, holder->uid, holder->exe[0] ? holder->exe : "?", ended,
                ended == 1 ? "y" : "ies");
    unwatch(h, holder);
}

int lifecycle_event(struct hsxd *h, const struct cap_event *event)
{
    char reason[32], what[CAPSPEC_TEXT_MAX + 64], name[32], r[CAPSPEC_TEXT_MAX],
        s[CAPSPEC_TEXT_MAX];
    struct tracked_cap cap = {0};

    if (event->dropped)
        log_msg(LOG_WARNING, "%u capability events were lost; re-reading the kernel's list",
                event->dropped);
    if (event->closed) {
        log_msg(LOG_ERR, "hsx.ko closed the mailbox %s", HSX_MBOX_CAPS);
        return -EPIPE;
    }
    struct holder *empty = holders_untrack(&h->holders, event->id, &cap);
    const char *why = events_reason(reason, sizeof(reason), event->reason);
    if (cap.id == event->id && cap.holder) {
        snprintf(what, sizeof(what), "%s %s %s",
                 capspec_module_name(name, sizeof(name), cap.module),
                 capspec_format_rights(r, sizeof(r), cap.rights),
                 capspec_format_selector(s, sizeof(s), cap.module, &cap.sel));
        log_msg(LOG_NOTICE, "capability %" PRIu64 " of pid %u uid %u exe %s ended: %s (it was %s)",
                (uint64_t)event->id, cap.holder->pid, cap.holder->uid,
                cap.holder->exe[0] ? cap.holder->exe : "?", why, what);
    } else {
        /* Not tracked (derived, or its holder already gone): the event's object is its selector. */
        union hsx_cap_selector sel = {.raw = {event->object}};
        log_msg(LOG_NOTICE, "capability %" PRIu64 " of pid %u ended: %s (it was %s %s)",
                (uint64_t)event->id, event->holder_pid, why,
                capspec_module_name(name, sizeof(name), event->module),
                capspec_format_selector(s, sizeof(s), event->module, &sel));
    }
    if (empty)
        unwatch(h, empty);
    if (event->dropped)
        lifecycle_resync(h);
    return 0;
}

void lifecycle_resync(struct hsxd *h)
{
    static uint64_t live[HSX_CAP_MAX_TOTAL];
    struct hsx_cap_info cap;
    size_t nlive = 0;
    uint64_t after = 0;
    int ret;

    while (nlive < HSX_CAP_MAX_TOTAL && (ret = admin_list_next(h->ctl, after, &cap)) == 0) {
        live[nlive++] = cap.id;
        after = cap.id;
    }
    /* Ended while events were lost: forget them (their end was not logged; say so). */
    for (size_t i = 0; i < h->holders.ncaps;) {
        uint64_t id = h->holders.cap[i].id;
        bool found = false;
        for (size_t j = 0; j < nlive && !found; j++)
            found = live[j] == id;
        if (found) {
            i++;
            continue;
        }
        log_msg(LOG_NOTICE, "capability %" PRIu64 " ended (its event was lost)", id);
        struct holder *empty = holders_untrack(&h->holders, id, NULL);
        if (empty)
            unwatch(h, empty);
    }
    lifecycle_adopt(h);
}
