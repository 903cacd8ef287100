/* SPDX-License-Identifier: MIT */
/*
 * The processes hsxd keeps an eye on: those holding capabilities it minted
 * or adopted, and those an administrator barred (hsxctl cap revoke). Each is
 * watched through a pidfd, so that what it leaves behind when it exits can
 * be revoked and its bar forgotten; the kernel's "hal:caps" events take
 * capabilities off the table. Bounded: HSX_CAP_MAX_TOTAL capabilities (the
 * kernel's own limit), as many holders, and HOLDERS_BARRED_MAX barred
 * processes besides.
 */
#ifndef HSXD_HOLDERS_H
#define HSXD_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "hsx_uapi.h"

/* What the event loop finds behind an epoll event: the first member of each watched thing. */
enum source {
    SOURCE_LISTEN = 1,
    SOURCE_SIGNAL,
    SOURCE_EVENTS,
    SOURCE_CONN,
    SOURCE_HOLDER,
};

/* Processes an administrator barred, at most; the table has room for them beside the holders. */
#define HOLDERS_BARRED_MAX 1024
#define HOLDERS_MAX (HSX_CAP_MAX_TOTAL + HOLDERS_BARRED_MAX)

/*
 * What one uid's processes may hold through hsxd, so that one user can fill
 * neither its tables nor its descriptors (a pidfd per holder): processes
 * holding capabilities, and capabilities.
 */
#define HOLDERS_PER_UID 256
#define HOLDERS_CAPS_PER_UID 1024

/* A module's bit in struct holder.barred. */
#define HOLDER_MODULE_BIT(module) (1u << ((module)-HSX_MODULE_FIRST))
#define HOLDER_ALL_MODULES UINT32_MAX

/**
 * struct holder - one process
 * @pid: its pid; @start_ns and @pidfd tell it from a later process with that pid
 * @start_ns: when it started (CLOCK_BOOTTIME, to the clock tick); 0 if unknown
 * @pidfd: owned; -1 if none could be had
 * @caps: entries of the capability table that point here
 * @barred: HOLDER_MODULE_BIT()s an administrator revoked: hsxd refuses them
 * @uid, @gid, @groups, @ngroups, @exe, @exe_id, @cgroup: who it was when it last
 *	acquired or renewed (or, adopted, what /proc said): what the policy is
 *	asked about its capabilities when it is reloaded. Owned; @exe and
 *	@cgroup are never NULL.
 */
struct holder {
    enum source source; /* SOURCE_HOLDER */
    uint32_t pid;
    uint64_t start_ns;
    int pidfd;
    unsigned int caps;
    uint32_t barred;
    uint32_t uid;
    uint32_t gid;
    uint32_t *groups;
    size_t ngroups;
    char *exe;
    struct file_id exe_id;
    char *cgroup;
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
    struct holder *holder[HOLDERS_MAX];
    size_t nholders;
    size_t nbarred; /* holders with barred != 0 */
};

/* The holder with this pid, or NULL. */
struct holder *holders_find(struct holders *t, uint32_t pid);

/*
 * A new holder entry for who (copied), taking ownership of pidfd (closed on
 * failure). Returns NULL when out of memory or room.
 */
struct holder *holders_new(struct holders *t, const struct identity *who, uint64_t start_ns,
                           int pidfd);

/* Remember who the holder is now (copied). Returns 0, or -ENOMEM keeping what it had. */
int holder_set_identity(struct holder *h, const struct identity *who);

/* The holder's identity, pointing into it. */
void holder_identity(const struct holder *h, struct identity *out);

/* Bar (on) or lift (off) modules (HOLDER_MODULE_BIT()s); false if the barred table is full. */
bool holders_bar(struct holders *t, struct holder *h, uint32_t modules, bool on);

/* Record cap as held by h. Returns 0, -EEXIST if known, -ENOSPC if full. */
int holders_track(struct holders *t, struct holder *h, const struct hsx_cap_info *cap);

/* The entry of capability id, or NULL. */
struct tracked_cap *holders_cap(struct holders *t, uint64_t id);

/*
 * Take capability id off the table. Returns its holder if that is now of no
 * more interest (holds nothing tracked, barred from nothing: the caller
 * stops watching it and calls holders_drop), else NULL. *out gets the entry
 * as it was, if out is not NULL and id was known.
 */
struct holder *holders_untrack(struct holders *t, uint64_t id, struct tracked_cap *out);

/* How many holders of uid hold capabilities (*holders), and how many they hold (*caps). */
void holders_count_uid(const struct holders *t, uint32_t uid, size_t *holders, size_t *caps);

/* Forget a holder, its bar and every capability tracked for it; closes its pidfd. */
void holders_drop(struct holders *t, struct holder *h);

/* Forget everything. */
void holders_clear(struct holders *t);

#endif /* HSXD_HOLDERS_H */
