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

/* Timer mailboxes are subscribed with hsx_mailbox_open_object(): tests set
 * hsx_mailbox_set_opener(). */

/* Timers this process has created and not cancelled. */
size_t hsx_timer_count(void);

/*
 * fork(): the timers' table lock (a leaf, see fork.c); in the child, with no
 * lock held, hsx_timer_fork_forget() closes its copies of the parent's timer
 * subscriptions (the timers are the parent's).
 */
void hsx_timer_fork_prepare(void);
void hsx_timer_fork_parent(void);
void hsx_timer_fork_child(void);
void hsx_timer_fork_forget(void);

#endif /* HSX_TIMER_INTERNAL_H */
