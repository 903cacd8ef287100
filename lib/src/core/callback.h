/* SPDX-License-Identifier: MIT */
/*
 * The specification's callbacks (hsx_hal_event_callback_t) on a module
 * object's mailbox: every module registers them the same way and differs
 * only in how a mailbox event becomes the spec's event.
 */
#ifndef HSX_CALLBACK_H
#define HSX_CALLBACK_H

#include "hsx_hal_types.h"
#include "hsx_mailbox.h"

/*
 * Set, replace (callback != NULL) or remove (NULL) the spec callback of mb.
 * deliver runs on the dispatcher thread with the registration as its
 * user_data: it converts the event and passes it on with
 * hsx_hal_callback_run(). The registration belongs to the mailbox: it is
 * freed when replaced or removed here, and by whoever closes the mailbox
 * (hsx_mailbox_close_ex() hands it back). Same guarantees as
 * hsx_mailbox_set_callback().
 */
int hsx_hal_callback_set(hsx_mailbox_t *mb, hsx_mailbox_callback_t deliver,
                         hsx_hal_event_callback_t callback, void *user_data);

/*
 * What the owner of a registration (core/feed.c) learns, on the dispatcher
 * thread after deliver ran, when mb's subscription ended: the final event
 * (HSX_MAILBOX_EVENT_CLOSED with its close_reason), or one of the same type
 * the owner posted itself. The registration may be gone by then.
 */
typedef void (*hsx_hal_closed_hook_t)(void *owner, uint32_t obj, hsx_mailbox_t *mb,
                                      const hsx_mailbox_event_t *event);

/* hsx_hal_callback_set() with the owner's hook, which moves with the registration. */
int hsx_hal_callback_set_owned(hsx_mailbox_t *mb, hsx_mailbox_callback_t deliver,
                               hsx_hal_event_callback_t callback, void *user_data,
                               hsx_hal_closed_hook_t closed, void *owner, uint32_t obj);

/*
 * Give a registration taken from a subscription the kernel ended (the old
 * user data hsx_mailbox_close_begin() hands back) to a fresh subscription of
 * the same object, with the deliver it was set with: mb's first callback, so
 * this waits for nothing. On success the registration belongs to mb.
 */
int hsx_hal_callback_move(hsx_mailbox_t *mb, void *registration);

/* From deliver: the object its owner registered it for (0 without an owner). */
uint32_t hsx_hal_callback_object(const void *registration);

/* From deliver: call the registered callback with the converted event. */
void hsx_hal_callback_run(void *registration, void *event_data, uint32_t length);

#endif /* HSX_CALLBACK_H */
