/* SPDX-License-Identifier: MIT */
/*
 * CAN, inside the library: can.c has the ioctls (send, configuration,
 * filters, status), can_rx.c the buses' subscriptions (receiving,
 * callbacks, errors).
 */
#ifndef HSX_CAN_INTERNAL_H
#define HSX_CAN_INTERNAL_H

#include <stddef.h>

#include "hsx_can.h"
#include "hsx_mailbox.h"

/* What a bus's mailbox event becomes for hsx_can_wait_event() and the callbacks. */
void hsx_can_event_from_mailbox(const hsx_mailbox_event_t *in, hsx_can_event_t *out);

/* hsx_can_get_status()'s word from a status (see hsx_can.h). */
uint32_t hsx_can_status_pack(const hsx_can_status_t *status);

/* Subscribe bus's frames now, unless they are: what HSX_CAN_TX_NOWAIT needs first. */
int hsx_can_subscribe_rx(uint8_t bus);

/* Buses with a subscription of their frames, and of their errors, in this process. */
size_t hsx_can_subscription_count(void);
size_t hsx_can_error_subscription_count(void);

/*
 * fork(): see fork.c. As UART's: prepare takes every bus's op locks, then,
 * as leaves, the subscriptions' tables' locks; the child forgets the
 * parent's readers; hsx_can_fork_forget(), with no lock held, closes its
 * copies of the parent's subscriptions.
 */
void hsx_can_fork_prepare(void);
void hsx_can_fork_prepare_table(void);
void hsx_can_fork_parent(void);
void hsx_can_fork_child(void);
void hsx_can_fork_forget(void);

#endif /* HSX_CAN_INTERNAL_H */
