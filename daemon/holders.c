// SPDX-License-Identifier: MIT
/*
 * Linear searches over at most HOLDERS_MAX entries: they run on a grant, a
 * revocation, an exit or a reload, never on a HAL operation, and the table
 * stays small in practice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void free_identity(struct holder *h)
{
    free(h->groups);
    free(h->exe);
    free(h->cgroup);
}

int holder_set_identity(struct holder *h, const struct identity *who)
{
    struct holder copy = {
        .uid = who->uid,
        .gid = who->gid,
        .ngroups = who->ngroups,
        .exe = strdup(who->exe ? who->exe : ""),
        .cgroup = strdup(who->cgroup ? who->cgroup : ""),
        .groups = malloc((who->ngroups ? who->ngroups : 1) * sizeof(*who->groups)),
    };

    if (!copy.exe || !copy.cgroup || !copy.groups) {
        free_identity(&copy);
        return -ENOMEM;
    }
    if (who->ngroups)
        memcpy(copy.groups, who->groups, who->ngroups * sizeof(*who->groups));
    free_identity(h);
    h->uid = copy.uid;
    h->gid = copy.gid;
    h->groups = copy.groups;
    h->ngroups = copy.ngroups;
    h->exe = copy.exe;
    h->exe_id = who->exe_id;
    h->cgroup = copy.cgroup;
    return 0;
}

void holder_identity(const struct holder *h, struct identity *out)
{
    *out = (struct identity){
        .pid = h->pid,
        .uid = h->uid,
        .gid = h->gid,
        .groups = h->groups,
        .ngroups = h->ngroups,
        .exe = h->exe,
        .exe_id = h->exe_id,
        .cgroup = h->cgroup,
    };
}

struct holder *holders_new(struct holders *t, const struct identity *who, uint64_t start_ns,
                           int pidfd)
{
    struct holder *h = t->nholders < HOLDERS_MAX ? calloc(1, sizeof(*h)) : NULL;

    if (!h || holder_set_identity(h, who) < 0) {
        free(h);
        if (pidfd >= 0)
            close(pidfd);
        return NULL;
    }
    h->source = SOURCE_HOLDER;
    h->pid = who->pid;
    h->start_ns = start_ns;
    h->pidfd = pidfd;
    t->holder[t->nholders++] = h;
    return h;
}

bool holders_bar(struct holders *t, struct holder *h, uint32_t modules, bool on)
{
    uint32_t barred = on ? h->barred | modules : h->barred & ~modules;

    if (!h->barred && barred) {
        if (t->nbarred >= HOLDERS_BARRED_MAX)
            return false;
        t->nbarred++;
    } else if (h->barred && !barred) {
        t->nbarred--;
    }
    h->barred = barred;
    return true;
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
    return --h->caps == 0 && !h->barred ? h : NULL;
}

void holders_count_uid(const struct holders *t, uint32_t uid, size_t *holders, size_t *caps)
{
    *holders = 0;
    *caps = 0;
    for (size_t i = 0; i < t->nholders; i++) {
        if (t->holder[i]->uid != uid || !t->holder[i]->caps)
            continue;
        (*holders)++;
        *caps += t->holder[i]->caps;
    }
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
    if (h->barred)
        t->nbarred--;
    if (h->pidfd >= 0)
        close(h->pidfd);
    free_identity(h);
    free(h);
}

void holders_clear(struct holders *t)
{
    while (t->nholders)
        holders_drop(t, t->holder[0]);
}
