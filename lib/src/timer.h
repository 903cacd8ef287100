/* SPDX-License-Identifier: MIT */
/*
 * Timers, inside the library.
 */
#ifndef HSX_TIMER_INTERNAL_H
#define HSX_TIMER_INTERNAL_H

#include "hsx_mailbox.h"
#include "hsx_timer.h"

/* What a timer's mailbox event becomes for the spec's callback and for hsx_timer_wait_event(). */
void hsx_timer_event_from_mailbox(const hsx_mailbox_event_t *in, hsx_timer_event_t *out);
void hsx_timer_event_ex_from_mailbox(const hsx_mailbox_event_t *in, hsx_timer_event_ex_t *out);

/*
 * For lib/tests only: subscribe timer mailboxes with opener instead of
 * hsx_mailbox_open() (e.g. to hand out hsx_mailbox_from_fd() handles);
 * NULL restores hsx_mailbox_open().
 */
typedef int (*hsx_timer_mailbox_opener_t)(const char *name, hsx_mailbox_t **mailbox);
void hsx_timer_set_mailbox_opener(hsx_timer_mailbox_opener_t opener);

/* Timers this process has created and not cancelled. */
size_t hsx_timer_count(void);

#endif /* HSX_TIMER_INTERNAL_H */
