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

#endif /* HSXD_LIFECYCLE_H */
