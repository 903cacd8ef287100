/* SPDX-License-Identifier: MIT */
/*
 * What the mailbox files share and nothing else uses: mailbox.c (a handle's
 * lifetime, callbacks and closing), mailbox_open.c (subscribing) and
 * mailbox_recv.c (receiving, drop accounting).
 */
#ifndef HSX_MAILBOX_IMPL_H
#define HSX_MAILBOX_IMPL_H

#include "core/mailbox.h"

/* A handle with no file yet, listed as live. Returns NULL with errno set. */
struct hsx_mailbox *hsx_mailbox_new(const char *name);

/* Free a handle: on its last reference, or one never returned (its subscription failed). */
void hsx_mailbox_destroy(struct hsx_mailbox *mb);

/* Free the events kept before the kernel's ack (netlink only). */
void hsx_mailbox_free_early(struct hsx_mailbox *mb);

#endif /* HSX_MAILBOX_IMPL_H */
