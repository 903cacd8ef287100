// SPDX-License-Identifier: MIT
/*
 * Linear searches over at most HSX_CAP_MAX_TOTAL entries: they run on a
 * grant, a revocation or an exit, never on a HAL operation, and the table
 * stays small in practice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "holders.h"

struct holder *holders_find(struct holders *t, uint32_t pid)
{
    for (size_t i = 0; i < t->nholders; i++) {
        if (t->holder[i]->pid == pid)
            return t->holder[i];
    }
    return NULL;
}

struct holder *holders_new(struct holders *t, uint32_t pid, uint32_t uid, const char *exe,
                           int pidfd)
{
    struct holder *h = t->nholders < HSX_CAP_MAX_TOTAL ? calloc(1, sizeof(*h)) : NULL;

    if (!h) {
        if (pidfd >= 0)
            close(pidfd);
        return NULL;
    }
    h->source = SOURCE_HOLDER;
    h->pid = pid;
    h->uid = uid;
    h->pidfd = pidfd;
    snprintf(h->exe, sizeof(h->exe), "%s", exe);
    t->holder[t->nholders++] = h;
    return h;
}

struct tracked_cap *holders_cap(struct holders *t, uint64_t id)
{
    for (size_t i = 0; i < t->ncaps; i++) {
        if (t->cap[i].id == id)
            return &t->cap[i];
    }
    return NULL;
}

int holders_track(struct holders *t, struct holder *h, const struct hsx_cap_info *cap)
{
    if (holders_cap(t, cap->id))
        return -EEXIST;
    if (t->ncaps >= HSX_CAP_MAX_TOTAL)
        return -ENOSPC;
    t->cap[t->ncaps++] = (struct tracked_cap){
        .id = cap->id,
        .holder = h,
        .module = cap->module,
        .rights = cap->rights,
        .sel = cap->sel,
    };
    h->caps++;
    return 0;
}

struct holder *holders_untrack(struct holders *t, uint64_t id, struct tracked_cap *out)
{
    struct tracked_cap *c = holders_cap(t, id);

    if (!c)
        return NULL;
    if (out)
        *out = *c;
    struct holder *h = c->holder;
    *c = t->cap[--t->ncaps];
    return --h->caps == 0 ? h : NULL;
}

void holders_drop(struct holders *t, struct holder *h)
{
    for (size_t i = 0; i < t->ncaps;) {
        if (t->cap[i].holder == h)
            t->cap[i] = t->cap[--t->ncaps];
        else
            i++;
    }
    for (size_t i = 0; i < t->nholders; i++) {
        if (t->holder[i] == h) {
            t->holder[i] = t->holder[--t->nholders];
            break;
        }
    }
    if (h->pidfd >= 0)
        close(h->pidfd);
    free(h);
}

void holders_clear(struct holders *t)
{
    while (t->nholders)
        holders_drop(t, t->holder[0]);
}
