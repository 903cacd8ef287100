// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "core/callback.h"
#include "core/errors.h"
#include "core/mailbox.h"

/* What a spec callback was registered with; owned by its mailbox's registration. */
struct hal_callback {
    hsx_mailbox_callback_t deliver; /* kept so that the registration can move (see .h) */
    hsx_hal_event_callback_t callback;
    void *user_data;
    hsx_hal_closed_hook_t closed; /* its owner's, or NULL */
    void *owner;
    uint32_t obj;
};

/* The mailbox's callback, on the dispatcher thread: the module's deliver, then the owner's hook. */
static void run_registered(hsx_mailbox_t *mb, const hsx_mailbox_event_t *event, void *registration)
{
    const struct hal_callback *registered = registration;
    /* The callback may remove itself, freeing the registration: read it first. */
    hsx_hal_closed_hook_t closed = registered->closed;
    void *owner = registered->owner;
    uint32_t obj = registered->obj;

    registered->deliver(mb, event, registration);
    if (closed && event->type == HSX_MAILBOX_EVENT_CLOSED)
        closed(owner, obj, mb, event);
}

int hsx_hal_callback_set_owned(hsx_mailbox_t *mb, hsx_mailbox_callback_t deliver,
                               hsx_hal_event_callback_t callback, void *user_data,
                               hsx_hal_closed_hook_t closed, void *owner, uint32_t obj)
{
    struct hal_callback *registered = NULL;
    void *replaced = NULL;

    if (callback) {
        registered = malloc(sizeof(*registered));
        if (!registered)
            return hsx_fail_with_errno(ENOMEM);
        *registered = (struct hal_callback){
            .deliver = deliver,
            .callback = callback,
            .user_data = user_data,
            .closed = closed,
            .owner = owner,
            .obj = obj,
        };
    }
    int ret =
        hsx_mailbox_set_callback_ex(mb, callback ? run_registered : NULL, registered, &replaced);
    free(ret == HSX_HAL_OK ? replaced : registered);
    return ret;
}

int hsx_hal_callback_set(hsx_mailbox_t *mb, hsx_mailbox_callback_t deliver,
                         hsx_hal_event_callback_t callback, void *user_data)
{
    return hsx_hal_callback_set_owned(mb, deliver, callback, user_data, NULL, NULL, 0);
}

int hsx_hal_callback_move(hsx_mailbox_t *mb, void *registration)
{
    return hsx_mailbox_set_callback_ex(mb, run_registered, registration, NULL);
}

uint32_t hsx_hal_callback_object(const void *registration)
{
    const struct hal_callback *registered = registration;

    return registered->obj;
}

void hsx_hal_callback_run(void *registration, void *event_data, uint32_t length)
{
    const struct hal_callback *registered = registration;

    /* registered may be freed by the callback (removed or closed from inside): read it first. */
    hsx_hal_event_callback_t callback = registered->callback;
    void *user_data = registered->user_data;
    callback(event_data, length, user_data);
}
