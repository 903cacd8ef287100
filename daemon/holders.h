/* SPDX-License-Identifier: MIT */
/*
 * The capabilities hsxd knows to be live, by holder. Each holder process is
 * watched through a pidfd, so that what it leaves behind when it exits can be
 * revoked; the kernel's "hal:caps" events take capabilities off the table.
 * Bounded by the kernel's own limit, HSX_CAP_MAX_TOTAL.
 */
#ifndef HSXD_HOLDERS_H
#define HSXD_HOLDERS_H

#include <stddef.h>
#include <stdint.h>

#include "hsx_uapi.h"

/* What the event loop finds behind an epoll event: the first member of each watched thing. */
enum source {
    SOURCE_LISTEN = 1,
    SOURCE_SIGNAL,
    SOURCE_EVENTS,
    SOURCE_CONN,
    SOURCE_HOLDER,
};

#define HOLDER_EXE_MAX 256

struct holder {
    enum source source; /* SOURCE_HOLDER */
    uint32_t pid;
    uint32_t uid;
    int pidfd; /* owned; -1 if none could be had */
    char exe[HOLDER_EXE_MAX];
    unsigned int caps; /* entries of the table that point here */
};

struct tracked_cap {
    uint64_t id;
    struct holder *holder;
    uint32_t module;
    uint32_t rights;
    union hsx_cap_selector sel;
};

struct holders {
    struct tracked_cap cap[HSX_CAP_MAX_TOTAL];
    size_t ncaps;
    struct holder *holder[HSX_CAP_MAX_TOTAL];
    size_t nholders;
};

/* The holder with this pid, or NULL. */
struct holder *holders_find(struct holders *t, uint32_t pid);

/*
 * A new holder entry, taking ownership of pidfd (closed on failure). Returns
 * NULL when out of memory or room.
 */
struct holder *holders_new(struct holders *t, uint32_t pid, uint32_t uid, const char *exe,
                           int pidfd);

/* Record cap as held by h. Returns 0, -EEXIST if known, -ENOSPC if full. */
int holders_track(struct holders *t, struct holder *h, const struct hsx_cap_info *cap);

/* The entry of capability id, or NULL. */
struct tracked_cap *holders_cap(struct holders *t, uint64_t id);

/*
 * Take capability id off the table. Returns its holder if that now holds
 * nothing tracked (the caller stops watching it and calls holders_drop), else
 * NULL. *out gets the entry as it was, if out is not NULL and id was known.
 */
struct holder *holders_untrack(struct holders *t, uint64_t id, struct tracked_cap *out);

/* Forget a holder and every capability tracked for it; closes its pidfd. */
void holders_drop(struct holders *t, struct holder *h);

/* Forget everything. */
void holders_clear(struct holders *t);

#endif /* HSXD_HOLDERS_H */
