// SPDX-License-Identifier: MIT
/*
 * GPIO: hsx.ko binds each pin 0..63 to a gpiochip line and posts the edges of
 * a pin whose interrupt is enabled to the mailbox "hal:gpio:<pin>". This file
 * configures, reads and writes pins with ioctls on /dev/hsx/gpio (opened once
 * and kept open: the kernel releases a line when the last file that uses it
 * closes) and takes a pin's edges from a mailbox subscription of its own.
 *
 * A pin's subscription lives while this process has the pin's interrupt
 * enabled or a callback set for it. Whichever comes first subscribes, and
 * always before the kernel enables the interrupt, so not even the first edge
 * is lost; the subscription is closed when the interrupt is disabled with no
 * callback set, or the callback is removed with the interrupt disabled. So a
 * callback may be set before or after enabling, and survives disabling and
 * enabling again. Waiting on a pin without a subscription is
 * HSX_HAL_INVALID_PARAM (nothing could ever arrive); waiting while a callback
 * is set is HSX_HAL_BUSY. If the kernel destroys a pin's mailbox, a wait
 * returns HSX_HAL_CLOSED once, and the next hsx_gpio_set_interrupt() or
 * hsx_gpio_set_interrupt_callback() subscribes afresh, keeping the callback.
 *
 * Locks: a pin's op lock serialises the changes to its interrupt and
 * callback. It is held across their subscription and ioctl, and taken before
 * the table's lock and a mailbox's lock; it is never held while a callback
 * runs or while closing a subscription waits for one (that part,
 * hsx_mailbox_close_end(), runs after op is released), so a callback may call
 * any function of this file, for any pin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/callback.h"
#include "core/errors.h"
#include "core/export.h"
#include "core/fork.h"
#include "core/mailbox.h"
#include "core/object_table.h"
#include "gpio/gpio.h"
#include "hsx_uapi.h"

_Static_assert(HSX_GPIO_MODE_INPUT == HSX_GPIO_M_INPUT &&
                   HSX_GPIO_MODE_OUTPUT == HSX_GPIO_M_OUTPUT &&
                   HSX_GPIO_MODE_ANALOG == HSX_GPIO_M_ANALOG,
               "modes are the uAPI's values");
_Static_assert(HSX_GPIO_PULL_NONE == HSX_GPIO_P_NONE && HSX_GPIO_PULL_UP == HSX_GPIO_P_UP &&
                   HSX_GPIO_PULL_DOWN == HSX_GPIO_P_DOWN,
               "pulls are the uAPI's values");
_Static_assert(HSX_GPIO_EDGE_NONE == HSX_GPIO_E_NONE && HSX_GPIO_EDGE_RISING == HSX_GPIO_E_RISING &&
                   HSX_GPIO_EDGE_FALLING == HSX_GPIO_E_FALLING &&
                   HSX_GPIO_EDGE_BOTH == HSX_GPIO_E_BOTH,
               "edges are the uAPI's values");
_Static_assert(sizeof(((hsx_gpio_info_t *)0)->chip) == HSX_GPIO_LABEL_MAX &&
                   sizeof(((hsx_gpio_info_t *)0)->name) == HSX_GPIO_LABEL_MAX,
               "labels are the uAPI's size");

/* What this process asked of one pin; guarded by op. */
struct gpio_pin {
    pthread_mutex_t op;
    bool irq_enabled;     /* by hsx_gpio_set_interrupt() */
    unsigned int setting; /* hsx_gpio_set_interrupt_callback() calls between their locked steps */
};

static struct hsx_object_table mailboxes = {.lock = PTHREAD_MUTEX_INITIALIZER};
static struct gpio_pin pins[HSX_GPIO_MAX_PINS] = {
    [0 ... HSX_GPIO_MAX_PINS - 1] = {.op = PTHREAD_MUTEX_INITIALIZER},
};

static bool valid_pin(uint8_t pin)
{
    return pin < HSX_GPIO_MAX_PINS;
}

size_t hsx_gpio_subscription_count(void)
{
    return hsx_object_table_count(&mailboxes);
}

/* ---- fork ------------------------------------------------------------------------------- */

void hsx_gpio_fork_prepare(void)
{
    for (int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++)
        pthread_mutex_lock(&pins[pin].op);
}

void hsx_gpio_fork_prepare_table(void)
{
    hsx_object_table_lock(&mailboxes);
}

void hsx_gpio_fork_parent(void)
{
    hsx_object_table_unlock(&mailboxes);
    for (int pin = HSX_GPIO_MAX_PINS - 1; pin >= 0; pin--)
        pthread_mutex_unlock(&pins[pin].op);
}

/* The pins' interrupts and callbacks are the parent's; so are their subscriptions. */
void hsx_gpio_fork_child(void)
{
    hsx_object_table_unlock(&mailboxes);
    for (int pin = HSX_GPIO_MAX_PINS - 1; pin >= 0; pin--) {
        pins[pin].irq_enabled = false;
        pins[pin].setting = 0;
        pthread_mutex_unlock(&pins[pin].op);
    }
}

void hsx_gpio_fork_forget(void)
{
    hsx_object_table_forget(&mailboxes);
}

/* ---- configuration ------------------------------------------------------------- */

int hsx_gpio_config_arg(uint8_t pin, const hsx_gpio_settings_t *s, struct hsx_gpio_config *arg)
{
    /* Enums are compared unsigned: a negative value cast in is out of range too. */
    if (!valid_pin(pin) || !s || (unsigned int)s->mode > HSX_GPIO_MODE_ANALOG ||
        (unsigned int)s->pull > HSX_GPIO_PULL_DOWN ||
        (unsigned int)s->drive > HSX_GPIO_DRIVE_OPEN_SOURCE || s->initial_value > 1 ||
        s->debounce_us > HSX_GPIO_DEBOUNCE_MAX_US)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    /* Reserved words are a later release's features: not zero is asking for one. */
    for (size_t i = 0; i < sizeof(s->reserved) / sizeof(s->reserved[0]); i++) {
        if (s->reserved[i])
            return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    }
    /* Drive and initial value are an output's; debouncing is an input's. */
    bool output = s->mode == HSX_GPIO_MODE_OUTPUT;
    if ((!output && (s->drive != HSX_GPIO_DRIVE_PUSH_PULL || s->initial_value != 0)) ||
        (s->mode != HSX_GPIO_MODE_INPUT && s->debounce_us != 0))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    *arg = (struct hsx_gpio_config){
        .pin = pin,
        .mode = (uint32_t)s->mode,
        .pull = (uint32_t)s->pull,
        .flags = (s->active_low ? HSX_GPIO_F_ACTIVE_LOW : 0) |
                 (s->drive == HSX_GPIO_DRIVE_OPEN_DRAIN ? HSX_GPIO_F_OPEN_DRAIN : 0) |
                 (s->drive == HSX_GPIO_DRIVE_OPEN_SOURCE ? HSX_GPIO_F_OPEN_SOURCE : 0) |
                 (s->initial_value ? HSX_GPIO_F_INIT_HIGH : 0),
        .debounce_us = s->debounce_us,
    };
    return HSX_HAL_OK;
}

/* ANALOG is the kernel's to refuse (EOPNOTSUPP: HSX_HAL_UNSUPPORTED), should a backend have it. */
HSX_API int hsx_gpio_configure(uint8_t pin, const hsx_gpio_settings_t *settings)
{
    struct hsx_gpio_config arg;
    int ret = hsx_gpio_config_arg(pin, settings, &arg);

    if (ret != HSX_HAL_OK)
        return ret;
    return hsx_dev_ioctl(HSX_UMOD_GPIO, HSX_IOC_GPIO_CONFIG, &arg);
}

HSX_API int hsx_gpio_config(uint8_t pin, hsx_gpio_mode_t mode, hsx_gpio_pull_t pull)
{
    const hsx_gpio_settings_t settings = {.mode = mode, .pull = pull};

    return hsx_gpio_configure(pin, &settings);
}

/* ---- values ----------------------------------------------------------------------- */

HSX_API int hsx_gpio_read(uint8_t pin)
{
    if (!valid_pin(pin))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_dev_ioctl_value(HSX_UMOD_GPIO, HSX_IOC_GPIO_READ, HSX_GPIO_VALUE_ARG(pin, 0));
    /* Not 0 or 1: an hsx.ko that breaks the uAPI's promise. */
    if (ret > 1)
        return hsx_fail_with(HSX_HAL_ERROR, ERANGE);
    return ret;
}

HSX_API int hsx_gpio_write(uint8_t pin, uint8_t value)
{
    if (!valid_pin(pin) || value > 1)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret =
        hsx_dev_ioctl_value(HSX_UMOD_GPIO, HSX_IOC_GPIO_WRITE, HSX_GPIO_VALUE_ARG(pin, value));
    return ret < 0 ? ret : HSX_HAL_OK;
}

HSX_API int hsx_gpio_toggle(uint8_t pin)
{
    if (!valid_pin(pin))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_dev_ioctl_value(HSX_UMOD_GPIO, HSX_IOC_GPIO_TOGGLE, HSX_GPIO_VALUE_ARG(pin, 0));
    return ret < 0 ? ret : HSX_HAL_OK;
}

HSX_API int hsx_gpio_read_multi(uint64_t mask, uint64_t *values)
{
    struct hsx_gpio_multi arg = {.mask = mask};

    if (mask == 0 || !values)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_dev_ioctl(HSX_UMOD_GPIO, HSX_IOC_GPIO_READ_MULTI, &arg);
    if (ret == HSX_HAL_OK)
        *values = arg.values & mask;
    return ret;
}

HSX_API int hsx_gpio_write_multi(uint64_t mask, uint64_t values)
{
    struct hsx_gpio_multi arg = {.mask = mask, .values = values & mask};

    if (mask == 0)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return hsx_dev_ioctl(HSX_UMOD_GPIO, HSX_IOC_GPIO_WRITE_MULTI, &arg);
}

/* ---- mapping -------------------------------------------------------------------- */

/* A label of the kernel's, NUL-terminated even if the kernel's is not. */
static void copy_label(char dst[HSX_GPIO_LABEL_MAX], const char src[HSX_GPIO_LABEL_MAX])
{
    size_t len = strnlen(src, HSX_GPIO_LABEL_MAX - 1);

    memcpy(dst, src, len);
    dst[len] = '\0';
}

HSX_API int hsx_gpio_get_info(uint8_t pin, hsx_gpio_info_t *info)
{
    struct hsx_gpio_info arg = {.pin = pin};

    if (!valid_pin(pin) || !info)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_dev_ioctl(HSX_UMOD_GPIO, HSX_IOC_GPIO_INFO, &arg);
    if (ret != HSX_HAL_OK)
        return ret;
    *info = (hsx_gpio_info_t){.pin = pin, .mapped = arg.mapped != 0};
    if (info->mapped) {
        info->offset = arg.offset;
        copy_label(info->chip, arg.chip);
        copy_label(info->name, arg.name);
    }
    return HSX_HAL_OK;
}

/* Nothing is cached: an administrator may map and unmap pins at any time. */
HSX_API int hsx_gpio_find(const char *line_name)
{
    hsx_gpio_info_t info;

    if (!line_name || line_name[0] == '\0' ||
        strnlen(line_name, HSX_GPIO_LABEL_MAX) >= HSX_GPIO_LABEL_MAX)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    for (uint8_t pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
        int ret = hsx_gpio_get_info(pin, &info);
        int err = hsx_hal_errno();

        /* A pin unmapped meanwhile, or whose chip is gone, is not the one; a missing node ends it.
         */
        if (ret == HSX_HAL_NO_DEVICE && (err == ENXIO || err == ENODEV))
            continue;
        if (ret != HSX_HAL_OK)
            return ret;
        if (info.mapped && strcmp(info.name, line_name) == 0)
            return pin;
    }
    return hsx_fail_with(HSX_HAL_NO_DEVICE, 0);
}

/* ---- events ------------------------------------------------------------------------- */

void hsx_gpio_event_from_mailbox(const hsx_mailbox_event_t *in, hsx_gpio_event_t *out)
{
    *out = (hsx_gpio_event_t){
        .pin = (uint8_t)in->u.gpio.pin,
        .edge = (uint8_t)in->u.gpio.edge,
        .value = (uint8_t)in->u.gpio.value,
        /* The spec's timestamp is 32 bits of microseconds: it wraps after 71 minutes. */
        .timestamp = (uint32_t)(in->u.gpio.timestamp_ns / 1000),
    };
}

void hsx_gpio_event_ex_from_mailbox(const hsx_mailbox_event_t *in, hsx_gpio_event_ex_t *out)
{
    *out = (hsx_gpio_event_ex_t){
        .pin = (uint8_t)in->u.gpio.pin,
        .edge = (uint8_t)in->u.gpio.edge,
        .value = (uint8_t)in->u.gpio.value,
        .timestamp_ns = in->u.gpio.timestamp_ns,
        .line_seq = in->u.gpio.line_seq,
        .seq = in->seq,
        .dropped = in->dropped,
        .dropped_total = in->dropped_total,
    };
}

/* On the dispatcher thread: a pin's mailbox event, to the spec's callback. */
static void deliver_edge(hsx_mailbox_t *mailbox, const hsx_mailbox_event_t *event,
                         void *registration)
{
    hsx_gpio_event_t edge;

    (void)mailbox;
    /* The final CLOSED event of a destroyed mailbox has no place in the spec's event. */
    if (event->type != HSX_MAILBOX_EVENT_DATA || event->module != HSX_MAILBOX_MODULE_GPIO)
        return;
    hsx_gpio_event_from_mailbox(event, &edge);
    hsx_hal_callback_run(registration, &edge, sizeof(edge));
}

/* ---- subscriptions ------------------------------------------------------------------ */

/* A subscription closed under a pin's op lock, to be finished once op is released. */
struct closing {
    hsx_mailbox_t *mailbox;
    void *registration; /* a callback registration that no mailbox owns any more */
};

static void finish_closing(struct closing *c)
{
    if (c->mailbox)
        hsx_mailbox_close_end(c->mailbox);
    free(c->registration);
}

/*
 * With the pin's op lock held: the pin's subscription with a new reference,
 * opened if there is none. One whose mailbox the kernel destroyed is replaced
 * (into *stale), and its callback moves to the new one. On failure a new
 * subscription may be left in the table: release_if_idle_locked() follows.
 */
static int subscribe_locked(uint8_t pin, hsx_mailbox_t **mailbox, struct closing *stale)
{
    char name[HSX_MBOX_NAME_MAX];
    hsx_mailbox_t *mb = hsx_object_table_get(&mailboxes, pin);

    if (mb && !hsx_mailbox_is_gone(mb)) {
        *mailbox = mb;
        return HSX_HAL_OK;
    }
    if (mb) {
        hsx_mailbox_unref(mb);
        stale->mailbox = hsx_object_table_remove(&mailboxes, pin);
        hsx_mailbox_close_begin(stale->mailbox, false, &stale->registration);
    }

    snprintf(name, sizeof(name), HSX_MBOX_GPIO_FMT, pin);
    /* Listening needs HSX_CAP_R_GPIO_IRQ on the pin: the file that holds it says so. */
    int ret = hsx_mailbox_open_object(name, hsx_dev_auth_fd(HSX_UMOD_GPIO), &mb);
    if (ret != HSX_HAL_OK)
        return ret;
    ret = hsx_object_table_add(&mailboxes, pin, mb);
    if (ret != HSX_HAL_OK) {
        int err = hsx_hal_errno();
        hsx_mailbox_close(mb);
        return hsx_fail_with(ret, err);
    }
    if (stale->registration) {
        /* The new handle's first callback: set under op, this waits for no callback. */
        ret = hsx_mailbox_set_callback_ex(mb, deliver_edge, stale->registration, NULL);
        if (ret != HSX_HAL_OK)
            return ret;
        stale->registration = NULL;
    }
    hsx_mailbox_ref(mb);
    *mailbox = mb;
    return HSX_HAL_OK;
}

/* With the pin's op lock held: close the subscription if nothing needs it any more. */
static void release_if_idle_locked(uint8_t pin, struct closing *retired)
{
    const struct gpio_pin *p = &pins[pin];

    if (p->irq_enabled || p->setting)
        return;
    hsx_mailbox_t *mb = hsx_object_table_get(&mailboxes, pin);
    if (!mb)
        return;
    /* Kept (HSX_HAL_BUSY) while a callback is set. */
    if (hsx_mailbox_close_begin(mb, true, &retired->registration) == HSX_HAL_OK)
        retired->mailbox = hsx_object_table_remove(&mailboxes, pin);
    hsx_mailbox_unref(mb);
}

/*
 * Enabling subscribes first, then asks the kernel. Disabling asks the kernel
 * even if this process did not enable the interrupt: the kernel knows.
 */
HSX_API int hsx_gpio_set_interrupt(uint8_t pin, hsx_gpio_edge_t edge, bool enable)
{
    struct hsx_gpio_interrupt arg = {.pin = pin, .edge = (uint32_t)edge, .enable = enable};
    struct closing stale = {0}, retired = {0};
    hsx_mailbox_t *mb;
    int ret = HSX_HAL_OK;

    if (!valid_pin(pin) || (unsigned int)edge > HSX_GPIO_EDGE_BOTH ||
        (enable && edge == HSX_GPIO_EDGE_NONE))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    hsx_fork_watch(); /* before op: fork() takes it (see fork.h) */
    struct gpio_pin *p = &pins[pin];
    pthread_mutex_lock(&p->op);
    if (enable) {
        ret = subscribe_locked(pin, &mb, &stale);
        if (ret == HSX_HAL_OK)
            hsx_mailbox_unref(mb); /* the table keeps it, and only this lock's holder removes it */
    }
    if (ret == HSX_HAL_OK)
        ret = hsx_dev_ioctl(HSX_UMOD_GPIO, HSX_IOC_GPIO_SET_INTERRUPT, &arg);
    if (ret == HSX_HAL_OK)
        p->irq_enabled = enable;
    int err = hsx_hal_errno();
    release_if_idle_locked(pin, &retired);
    pthread_mutex_unlock(&p->op);

    finish_closing(&stale);
    finish_closing(&retired);
    return ret == HSX_HAL_OK ? ret : hsx_fail_with(ret, err);
}

/*
 * The callback is set with op released (replacing or removing one waits for
 * it to return, and it may call this file); p->setting keeps the subscription
 * open meanwhile.
 */
HSX_API int hsx_gpio_set_interrupt_callback(uint8_t pin, hsx_hal_event_callback_t callback,
                                            void *user_data)
{
    struct closing stale = {0}, retired = {0};
    hsx_mailbox_t *mb = NULL;
    int ret = HSX_HAL_OK;

    if (!valid_pin(pin))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    hsx_fork_watch(); /* before op: fork() takes it (see fork.h) */
    struct gpio_pin *p = &pins[pin];
    pthread_mutex_lock(&p->op);
    if (callback)
        ret = subscribe_locked(pin, &mb, &stale);
    else
        mb = hsx_object_table_get(&mailboxes, pin); /* none: no callback to remove */
    int err = hsx_hal_errno();
    if (mb)
        p->setting++;
    else
        release_if_idle_locked(pin, &retired);
    pthread_mutex_unlock(&p->op);
    finish_closing(&stale);

    if (mb) {
        ret = hsx_hal_callback_set(mb, deliver_edge, callback, user_data);
        err = hsx_hal_errno();
        hsx_mailbox_unref(mb);
        pthread_mutex_lock(&p->op);
        p->setting--;
        release_if_idle_locked(pin, &retired);
        pthread_mutex_unlock(&p->op);
    }
    finish_closing(&retired);
    return ret == HSX_HAL_OK ? ret : hsx_fail_with(ret, err);
}

HSX_API int hsx_gpio_wait_event(uint8_t pin, hsx_gpio_event_ex_t *event, uint32_t timeout_ms)
{
    hsx_mailbox_event_t mev;

    if (!valid_pin(pin) || !event)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_object_table_recv(&mailboxes, pin, HSX_MAILBOX_MODULE_GPIO, &mev, timeout_ms);
    if (ret == HSX_HAL_OK && mev.u.gpio.pin != pin)
        ret = hsx_fail_with(HSX_HAL_ERROR, EPROTO);
    if (ret == HSX_HAL_OK)
        hsx_gpio_event_ex_from_mailbox(&mev, event);
    return ret;
}

HSX_API int hsx_gpio_wait_interrupt(uint8_t pin, uint32_t timeout_ms)
{
    hsx_gpio_event_ex_t event;

    return hsx_gpio_wait_event(pin, &event, timeout_ms);
}
