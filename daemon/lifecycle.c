// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "capspec.h"
#include "lifecycle.h"
#include "log.h"

#define NS_PER_S 1000000000ull

/* Watch a new holder; takes pidfd. NULL (logged) when it cannot be tracked. */
static struct holder *watch_new(struct hsxd *h, const struct identity *who, int pidfd)
{
    uint64_t start_ns = 0;

    /* Its start time tells it from a later process with its pid, if it has no pidfd. */
    proc_start_ns(who->pid, &start_ns);
    struct holder *holder = holders_new(&h->holders, who, start_ns, pidfd);
    if (!holder) {
        log_msg(LOG_WARNING,
                "cannot track pid %u: out of memory or room; its capabilities end "
                "when it closes its files or they expire",
                who->pid);
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

/* Is the holder entry still its process (not a dead one whose pid came back)? */
static bool holder_lives(const struct holder *holder)
{
    uint64_t start_ns;

    if (holder->pidfd >= 0 && pidfd_exited(holder->pidfd))
        return false;
    /* Without a pidfd, the start time: a different one is another process. */
    if (holder->start_ns && proc_start_ns(holder->pid, &start_ns) == 0 &&
        start_ns != holder->start_ns)
        return false;
    return true;
}

/* The holder entry for pid, if it is that process (not a dead one whose pid came back). */
static struct holder *live_holder(struct hsxd *h, uint32_t pid)
{
    struct holder *holder = holders_find(&h->holders, pid);

    if (holder && !holder_lives(holder)) {
        lifecycle_holder_exited(h, holder);
        return NULL;
    }
    return holder;
}

/*
 * Watch pid, a process hsxd did not see ask (an adopted holder, or one an
 * administrator named), as /proc shows it. NULL if it is gone (*gone set)
 * or cannot be tracked.
 */
static struct holder *watch_pid(struct hsxd *h, uint32_t pid, bool *gone)
{
    static uint32_t groups[PEER_GROUPS_MAX];
    static char exe[PEER_EXE_MAX], cgroup[PEER_CGROUP_MAX];
    struct identity who = {.pid = pid, .uid = UINT32_MAX, .gid = UINT32_MAX, .groups = groups};

    *gone = false;
    int pidfd = pidfd_of(pid);
    if (pidfd == -ESRCH) {
        *gone = true;
        return NULL;
    }
    /* Unreadable: it matches no rule of uid or gid (nor exe, nor cgroup). */
    proc_creds(pid, &who.uid, &who.gid, groups, PEER_GROUPS_MAX, &who.ngroups);
    proc_exe(pid, exe, sizeof(exe), &who.exe_id);
    proc_cgroup(pid, cgroup, sizeof(cgroup));
    who.exe = exe;
    who.cgroup = cgroup;
    return watch_new(h, &who, pidfd < 0 ? -1 : pidfd);
}

void lifecycle_minted(struct hsxd *h, const struct identity *who, int pidfd,
                      const struct hsx_cap_info *cap)
{
    struct holder *holder = live_holder(h, who->pid);

    if (!holder) {
        int fd = pidfd >= 0 ? fcntl(pidfd, F_DUPFD_CLOEXEC, 0) : pidfd_of(who->pid);
        holder = watch_new(h, who, fd < 0 ? -1 : fd);
        if (!holder)
            return;
    } else {
        /* It may have exec'd meanwhile: the policy is asked about who it is now. */
        holder_set_identity(holder, who);
    }
    holders_track(&h->holders, holder, cap);
}

void lifecycle_renewed(struct hsxd *h, const struct identity *who)
{
    struct holder *holder = live_holder(h, who->pid);

    if (holder)
        holder_set_identity(holder, who);
}

/* Track one listed capability; revoke it if its holder is gone. Returns 1 if tracked. */
static int adopt_one(struct hsxd *h, const struct hsx_cap_info *cap)
{
    struct hsx_cap_revoke revoke = {.id = cap->id, .reason = HSX_CAP_END_HOLDER_EXITED};
    bool gone;

    if (holders_cap(&h->holders, cap->id))
        return 0;
    if (cap->holder_pid == 0) {
        /* hsx.ko shows 0 for a holder that exited (its pid may be someone else's now). */
        log_msg(LOG_INFO,
                "capability %" PRIu64 " belongs to a process that exited or lives outside "
                "hsxd's pid namespace: not watched",
                (uint64_t)cap->id);
        return 0;
    }
    struct holder *holder = live_holder(h, cap->holder_pid);
    if (!holder) {
        /*
         * The holder lived when hsx.ko listed it; should it exit and its pid
         * be reused before the watch starts, this watches a stranger, and
         * the dead holder's (useless) capability is revoked when the
         * stranger exits, or expires first.
         */
        holder = watch_pid(h, cap->holder_pid, &gone);
        if (gone && admin_revoke(h->ctl, &revoke) == 0)
            log_msg(LOG_NOTICE, "revoked capability %" PRIu64 ": its holder pid %u is gone",
                    (uint64_t)cap->id, cap->holder_pid);
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
    static char exe[PEER_EXE_MAX];
    char modules[64];
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
                holder->pid, holder->uid, describe_exe(exe, sizeof(exe), holder->exe), ended,
                ended == 1 ? "y" : "ies");
    if (holder->barred)
        log_msg(LOG_INFO,
                "pid %u (uid %u exe %s) exited: its revocation by admin (%s) is forgotten",
                holder->pid, holder->uid, describe_exe(exe, sizeof(exe), holder->exe),
                lifecycle_modules(modules, sizeof(modules), holder->barred));
    unwatch(h, holder);
}

char *lifecycle_modules(char *buf, size_t size, uint32_t modules)
{
    size_t len = 0;

    buf[0] = '\0';
    if (modules == HOLDER_ALL_MODULES) {
        snprintf(buf, size, "every module");
        return buf;
    }
    for (size_t i = 0; i < hsx_umodule_count && len < size; i++) {
        const struct hsx_umodule *m = capspec_module_by_id(hsx_umodules[i]->id);
        if (m && (modules & HOLDER_MODULE_BIT(m->id)))
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "", m->name);
    }
    return buf;
}

int lifecycle_bar(struct hsxd *h, uint32_t pid, uint32_t modules)
{
    struct holder *holder = holders_find(&h->holders, pid);
    bool gone;

    /* The holder hsxd knew is gone: whoever has its pid now is someone else. */
    if (holder && !holder_lives(holder)) {
        lifecycle_holder_exited(h, holder);
        return -ESRCH;
    }
    if (!holder) {
        holder = watch_pid(h, pid, &gone);
        if (!holder)
            return gone ? -ESRCH : -ENOMEM;
    }
    if (!holders_bar(&h->holders, holder, modules, true)) {
        if (!holder->caps && !holder->barred)
            unwatch(h, holder);
        return -ENOSPC;
    }
    return 0;
}

bool lifecycle_barred(struct hsxd *h, uint32_t pid, uint32_t module)
{
    struct holder *holder = live_holder(h, pid);

    return holder && (holder->barred & HOLDER_MODULE_BIT(module));
}

unsigned int lifecycle_unbar(struct hsxd *h, uint32_t uid, uint32_t module)
{
    unsigned int lifted = 0;

    for (size_t i = 0; i < h->holders.nholders;) {
        struct holder *holder = h->holders.holder[i];
        if (holder->uid != uid || !(holder->barred & HOLDER_MODULE_BIT(module))) {
            i++;
            continue;
        }
        holders_bar(&h->holders, holder, HOLDER_MODULE_BIT(module), false);
        lifted++;
        if (!holder->caps && !holder->barred)
            unwatch(h, holder); /* moves the last one to i */
        else
            i++;
    }
    return lifted;
}

int lifecycle_event(struct hsxd *h, const struct cap_event *event)
{
    static char exe[PEER_EXE_MAX];
    char reason[32], what[CAPSPEC_CAP_TEXT_MAX], name[32], s[HSX_UMOD_TEXT_MAX];
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
        capspec_format_cap(what, sizeof(what), cap.module, cap.rights, &cap.sel);
        log_msg(LOG_NOTICE, "capability %" PRIu64 " of pid %u uid %u exe %s ended: %s (it was %s)",
                (uint64_t)event->id, cap.holder->pid, cap.holder->uid,
                describe_exe(exe, sizeof(exe), cap.holder->exe), why, what);
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

/* Revoke a capability the reloaded policy no longer allows as it is; log why, once. */
static bool recheck_one(struct hsxd *h, const struct hsx_cap_info *cap, const struct holder *holder,
                        uint64_t now)
{
    static char exe[PEER_EXE_MAX];
    char what[CAPSPEC_CAP_TEXT_MAX], now_allowed[CAPSPEC_CAP_TEXT_MAX], why[HSXD_MESSAGE_MAX + 64];
    struct hsx_cap_revoke revoke = {.id = cap->id, .reason = HSX_CAP_END_EXPLICIT};
    struct identity who;
    struct decision d;

    why[0] = '\0';
    holder_identity(holder, &who);
    switch (decide_again(h->policy, h->grants, h->ngrants, &who, cap->module, cap->rights,
                         &cap->sel, 0, cap->expiry_ns, now, &d)) {
    case VERDICT_ALLOWED:
        return false;
    case VERDICT_DENIED:
        textf(why, sizeof(why), "it: %s", d.why);
        break;
    case VERDICT_NARROWER:
        textf(why, sizeof(why), "all of it: it allows %s now",
              capspec_format_cap(now_allowed, sizeof(now_allowed), cap->module, d.rights, &d.sel));
        break;
    case VERDICT_SHORTER:
        textf(why, sizeof(why), "it so long: %u s at most now, %" PRIu64 " s left", d.lifetime_s,
              (uint64_t)((cap->expiry_ns - now) / NS_PER_S));
        break;
    }
    int ret = admin_revoke(h->ctl, &revoke);
    if (ret == -ENOENT)
        return false; /* it ended meanwhile */
    if (ret < 0) {
        log_msg(LOG_ERR, "HSX_IOC_CAP_REVOKE of capability %" PRIu64 ": %s", (uint64_t)cap->id,
                strerror(-ret));
        return false;
    }
    log_msg(LOG_NOTICE,
            "revoked capability %" PRIu64 " of pid %u uid %u exe %s (%s): policy reload no "
            "longer allows %s",
            (uint64_t)cap->id, holder->pid, holder->uid,
            describe_exe(exe, sizeof(exe), holder->exe),
            capspec_format_cap(what, sizeof(what), cap->module, cap->rights, &cap->sel), why);
    return true;
}

unsigned int lifecycle_recheck(struct hsxd *h, unsigned int *revoked)
{
    uint64_t now = boottime_ns(), after = 0;
    struct hsx_cap_info cap;
    unsigned int decided = 0;
    int ret;

    *revoked = 0;
    /* The kernel's list has every capability's expiry as renewed, and which are derived. */
    while ((ret = admin_list_next(h->ctl, after, &cap)) == 0) {
        const struct tracked_cap *tracked = holders_cap(&h->holders, cap.id);
        after = cap.id;
        /* A derived one is its parent holder's gift, not the policy's: it ends with its parent. */
        if (!tracked || cap.parent_id)
            continue;
        /* One that exited is not asked about: its exit revokes what it left. */
        if (!holder_lives(tracked->holder))
            continue;
        decided++;
        *revoked += recheck_one(h, &cap, tracked->holder, now);
    }
    if (ret != -ENOENT)
        log_msg(LOG_ERR, "HSX_IOC_CAP_LIST: %s", strerror(-ret));
    return decided;
}
