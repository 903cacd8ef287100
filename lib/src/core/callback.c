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
};

int hsx_hal_callback_set(hsx_mailbox_t *mb, hsx_mailbox_callback_t deliver,
                         hsx_hal_event_callback_t callback, void *user_data)
{
    struct hal_callback *registered = NULL;
    void *replaced = NULL;

    if (callback) {
        registered = malloc(sizeof(*registered));
        if (!registered)
            return hsx_fail_with_errno(ENOMEM);
        *registered =
            (struct hal_callback){.deliver = deliver, .callback = callback, .user_data = user_data};
    }
    int ret = hsx_mailbox_set_callback_ex(mb, callback ? deliver : NULL, registered, &replaced);
    free(ret == HSX_HAL_OK ? replaced : registered);
    return ret;
}

int hsx_hal_callback_move(hsx_mailbox_t *mb, void *registration)
{
    const struct hal_callback *registered = registration;

    return hsx_mailbox_set_callback_ex(mb, registered->deliver, registration, NULL);
}

void hsx_hal_callback_run(void *registration, void *event_data, uint32_t length)
{
    const struct hal_callback *registered = registration;

    /* registered may be freed by the callback (removed or closed from inside): read it first. */
    hsx_hal_event_callback_t callback = registered->callback;
    void *user_data = registered->user_data;
    callback(event_data, length, user_data);
}
