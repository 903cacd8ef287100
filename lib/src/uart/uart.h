/* SPDX-License-Identifier: MIT */
/*
 * UART, inside the library.
 */
#ifndef HSX_UART_INTERNAL_H
#define HSX_UART_INTERNAL_H

#include <stddef.h>

#include "hsx_mailbox.h"
#include "hsx_uart.h"

/* What a port's mailbox event becomes for the spec's callback. */
void hsx_uart_rx_from_mailbox(const hsx_mailbox_event_t *in, hsx_uart_rx_event_t *out);

/* Ports with a mailbox subscription in this process. */
size_t hsx_uart_subscription_count(void);

/*
 * fork(): see fork.c. Prepare takes every port's op lock (next to the GPIO
 * pins', first in the library's order), then, as a leaf, the subscriptions'
 * table's lock. The child forgets the parent's reader state; with no lock
 * held, hsx_uart_fork_forget() closes its copies of the parent's
 * subscriptions.
 */
void hsx_uart_fork_prepare(void);
void hsx_uart_fork_prepare_table(void);
void hsx_uart_fork_parent(void);
void hsx_uart_fork_child(void);
void hsx_uart_fork_forget(void);

#endif /* HSX_UART_INTERNAL_H */
