/* SPDX-License-Identifier: MIT */
/*
 * Capabilities, inside the library: what device.c asks when it opens a node
 * and when an operation is denied, the renewal thread's side, and the
 * arithmetic of when to renew and when to ask again.
 */
#ifndef HSX_CAP_INTERNAL_H
#define HSX_CAP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/device.h"
#include "hsx_cap.h"

/*
 * device.c, with the node's lock held, right after opening it on fd: learn
 * whether the file needs a capability and, if it does, acquire one (unless
 * the module was dropped). Other threads wait for the node meanwhile, so
 * none of them is denied for coming too early.
 */
void hsx_cap_opened(enum hsx_umod_index node, int fd);

/*
 * Read before an operation and passed to hsx_cap_retry() if it fails: it
 * changes each time a capability is obtained for the node.
 */
unsigned int hsx_cap_generation(enum hsx_umod_index node);

/*
 * An operation on node failed with err (positive). Returns true when it is
 * worth repeating once: err is a capability denial (EACCES, EKEYEXPIRED,
 * EKEYREVOKED, never EPERM) and a capability was obtained since the
 * operation started, by another thread or now (within the rate limit).
 * Prints the one stderr line when the operation stays denied for want of one.
 */
bool hsx_cap_retry(enum hsx_umod_index node, int err, unsigned int generation);

/*
 * For HSX_A_MBOX_AUTH_FD: the node's file (already open) if a capability is
 * what authorizes it, acquiring one first if none is held (within the rate
 * limit); -1 if the file needs none.
 */
int hsx_cap_auth_fd(enum hsx_umod_index node);

/*
 * The same, acquiring nothing when !acquire: the file speaks with whatever
 * capability it holds, or none (a subscription made again on the library's
 * own behalf must never re-acquire one that was revoked).
 */
int hsx_cap_auth_fd_ex(enum hsx_umod_index node, bool acquire);

/*
 * Which capability node's file speaks with now, as far as the library knows:
 * its ID; UINT64_MAX when it needs one and holds none; 0 when it needs none.
 */
uint64_t hsx_cap_held_id(enum hsx_umod_index node);

/*
 * For the renewal thread: renew every capability due at now (CLOCK_BOOTTIME,
 * ns); cancel_fd readable ends a renewal under way. Returns when the next
 * one is due, or 0 if none is.
 */
uint64_t hsx_cap_renew_due(uint64_t now, int cancel_fd);

/* ---- policy arithmetic (cap_renew.c), times in ns ----------------------------------- */

/* Renew at two thirds of the remaining lifetime, not sooner than this from now. */
#define HSX_CAP_RENEW_MIN_NS (100ULL * 1000000)
/* After a failed renewal, try again after a third of what is left, within these bounds. */
#define HSX_CAP_RETRY_MIN_NS (1000ULL * 1000000)
#define HSX_CAP_RETRY_MAX_NS (60000ULL * 1000000)
/* Acquisitions: at most one per module per second, backing off to 30 s while they fail. */
#define HSX_CAP_ACQUIRE_MIN_NS (1000ULL * 1000000)
#define HSX_CAP_ACQUIRE_MAX_NS (30000ULL * 1000000)

/* When to renew a capability expiring at expiry; 0 if it expires too soon to. */
uint64_t hsx_cap_renew_at(uint64_t now, uint64_t expiry);
/* When to try again after a renewal failed for want of an answer; 0 if too late. */
uint64_t hsx_cap_renew_retry_at(uint64_t now, uint64_t expiry);
/* How long after an acquisition the next may be tried, after failures failures in a row. */
uint64_t hsx_cap_acquire_interval(unsigned int failures);

/* ---- the renewal thread (cap_renew.c) ----------------------------------------------- */

/* Start the thread if needed and make it look at the schedule again. Returns 0 or -errno. */
int hsx_renew_kick(void);
/* Stop and join it (library teardown, tests). */
void hsx_renew_stop(void);

/* ---- fork (fork.c) and tests --------------------------------------------------------- */

void hsx_cap_fork_prepare(void);
void hsx_cap_fork_parent(void);
void hsx_cap_fork_child(void);
/* In the child, with no lock held: close its copies of the parent's watches. */
void hsx_cap_fork_forget(void);
void hsx_renew_fork_prepare(void);
void hsx_renew_fork_parent(void);
void hsx_renew_fork_child(void);

/*
 * For lib/tests and device.c's test hooks: stop renewing, close the
 * revocation subscriptions, and forget every node's capability state
 * (including drops and requests). Called before the nodes are closed.
 */
void hsx_cap_reset(void);

#endif /* HSX_CAP_INTERNAL_H */
