/* SPDX-License-Identifier: MIT */
/*
 * GPIO, inside the library.
 */
#ifndef HSX_GPIO_INTERNAL_H
#define HSX_GPIO_INTERNAL_H

#include <stddef.h>

#include "hsx_gpio.h"
#include "hsx_mailbox.h"

/* What a pin's mailbox event becomes for the spec's callback and for hsx_gpio_wait_event(). */
void hsx_gpio_event_from_mailbox(const hsx_mailbox_event_t *in, hsx_gpio_event_t *out);
void hsx_gpio_event_ex_from_mailbox(const hsx_mailbox_event_t *in, hsx_gpio_event_ex_t *out);

/*
 * The ioctl argument hsx_gpio_configure() sends, or HSX_HAL_INVALID_PARAM
 * (errno 0) for settings it refuses without asking the kernel.
 */
struct hsx_gpio_config;
int hsx_gpio_config_arg(uint8_t pin, const hsx_gpio_settings_t *settings,
                        struct hsx_gpio_config *arg);

/*
 * Pins with a mailbox subscription in this process (interrupts enabled, or a
 * callback set). GPIO mailboxes are subscribed with hsx_mailbox_open_object():
 * tests set hsx_mailbox_set_opener().
 */
size_t hsx_gpio_subscription_count(void);

/*
 * fork(): see fork.c. Prepare takes every pin's op lock (first in the
 * library's order), then, as a leaf, the subscriptions' table's lock. The
 * child forgets what the parent asked of its pins; hsx_gpio_fork_forget(),
 * with no lock held, closes its copies of the parent's subscriptions.
 */
void hsx_gpio_fork_prepare(void);
void hsx_gpio_fork_prepare_table(void);
void hsx_gpio_fork_parent(void);
void hsx_gpio_fork_child(void);
void hsx_gpio_fork_forget(void);

#endif /* HSX_GPIO_INTERNAL_H */
