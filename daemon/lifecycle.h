/* SPDX-License-Identifier: MIT */
/*
 * Live capabilities over time: adopted from the kernel when hsxd starts (a
 * restart revokes nothing), recorded when minted, forgotten when the kernel
 * says they ended, and revoked when their holder exits with some left (the
 * kernel ends a holder's capabilities when it closes the file, but a child
 * that inherited the file keeps it open; the capability is then useless yet
 * counts against the holder's quota until it expires).
 */
#ifndef HSXD_LIFECYCLE_H
#define HSXD_LIFECYCLE_H

#include "events.h"
#include "hsxd.h"

/* A capability was just minted for who; pidfd is who's (dup'ed, not taken). */
void lifecycle_minted(struct hsxd *h, const struct identity *who, int pidfd,
                      const struct hsx_cap_info *cap);

/* A capability was renewed for who: remember who it is now. */
void lifecycle_renewed(struct hsxd *h, const struct identity *who);

/* Track every live capability the kernel lists. Returns how many, or -errno. */
int lifecycle_adopt(struct hsxd *h);

/* A watched holder exited: revoke what it left, stop watching. */
void lifecycle_holder_exited(struct hsxd *h, struct holder *holder);

/*
 * An event of "hal:caps": log the end, forget the capability. Returns 0, or
 * -EPIPE when the mailbox was closed (hsxd cannot go on without it).
 */
int lifecycle_event(struct hsxd *h, const struct cap_event *event);

/* Events were lost: forget what ended meanwhile, adopt what is new. */
void lifecycle_resync(struct hsxd *h);

/*
 * The policy was reloaded: decide again every live capability hsxd minted or
 * adopted (not derived ones), for who its holder was when it last asked, and
 * revoke (reason explicit) each that the policy now allows less of: not at
 * all, fewer rights or objects, or a shorter life than it has left. Each is
 * logged once. Returns how many were decided; *revoked how many ended.
 */
unsigned int lifecycle_recheck(struct hsxd *h, unsigned int *revoked);

/*
 * Bars. An administrator revoked a capability of process pid (or all of its
 * capabilities): hsxd refuses it modules (HOLDER_MODULE_BIT()s, or
 * HOLDER_ALL_MODULES) until it exits or a grant lifts them. The process is
 * known by its pidfd and start time, so a later process with its pid is not
 * barred. Returns 0, -ESRCH if it is gone, -ENOSPC if HOLDERS_BARRED_MAX
 * processes are barred already, -ENOMEM.
 */
int lifecycle_bar(struct hsxd *h, uint32_t pid, uint32_t modules);

/* Is the (live) process pid barred from module? */
bool lifecycle_barred(struct hsxd *h, uint32_t pid, uint32_t module);

/* A runtime grant to uid for module lifts the bars of uid's processes on it; how many. */
unsigned int lifecycle_unbar(struct hsxd *h, uint32_t uid, uint32_t module);

/* "gpio,timer", or "every module" for HOLDER_ALL_MODULES. */
char *lifecycle_modules(char *buf, size_t size, uint32_t modules);

#endif /* HSXD_LIFECYCLE_H */
