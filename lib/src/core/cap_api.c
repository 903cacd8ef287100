// SPDX-License-Identifier: MIT
/*
 * The public hsx_cap_* API (lib/include/hsx_cap.h): what to ask for
 * (hsx_cap_request()), giving a module up (hsx_cap_drop()), and what is held
 * (hsx_cap_get(), hsx_cap_list()), with the names of statuses and reasons.
 *
 * Kept apart from acquisition (cap.c) because it is the application's view:
 * argument checks against the module table, and the kernel's answer turned
 * into hsx_cap_info_t. It changes a slot only through cap.c's functions and
 * the fields the application decides (what to ask for, dropped). The
 * revocation callback is cap_watch.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/cap_slot.h"
#include "core/errors.h"
#include "core/export.h"

_Static_assert(HSX_CAP_MODULE_UART == HSX_MODULE_UART && HSX_CAP_MODULE_CAN == HSX_MODULE_CAN &&
                   HSX_CAP_MODULE_TIMER == HSX_MODULE_TIMER &&
                   HSX_CAP_MODULE_FRAM == HSX_MODULE_FRAM && HSX_CAP_MODULE_FS == HSX_MODULE_FS &&
                   HSX_CAP_MODULE_GPIO == HSX_MODULE_GPIO,
               "modules are the uAPI's IDs");
_Static_assert(HSX_CAP_RIGHT_READ == HSX_CAP_R_READ && HSX_CAP_RIGHT_WRITE == HSX_CAP_R_WRITE &&
                   HSX_CAP_RIGHT_GRANT == HSX_CAP_R_GRANT &&
                   HSX_CAP_RIGHT_GPIO_IRQ == HSX_CAP_R_GPIO_IRQ &&
                   HSX_CAP_RIGHT_CAN_CONFIG == HSX_CAP_R_CAN_CONFIG &&
                   HSX_CAP_RIGHT_UART_CONFIG == HSX_CAP_R_UART_CONFIG &&
                   HSX_CAP_RIGHT_UART_MODEM == HSX_CAP_R_UART_MODEM,
               "rights are the uAPI's bits");
_Static_assert(HSX_CAP_CAN_EXT == HSX_CAN_SEL_EXT && HSX_CAP_CAN_TX == HSX_CAN_SEL_TX &&
                   HSX_CAP_CAN_RX == HSX_CAN_SEL_RX &&
                   offsetof(hsx_cap_selector_t, can.rx_last) ==
                       offsetof(union hsx_cap_selector, can.rx_last),
               "the CAN selector is the uAPI's");
_Static_assert(HSX_CAP_FRAM_RANGES == HSX_FRAM_SEL_RANGES &&
                   offsetof(hsx_cap_selector_t, fram.ranges[2].last) ==
                       offsetof(union hsx_cap_selector, fram.ranges[2].last),
               "the FRAM selector is the uAPI's");
_Static_assert(offsetof(hsx_cap_selector_t, fs.reserved) ==
                   offsetof(union hsx_cap_selector, fs.reserved),
               "the FS selector is the uAPI's");
_Static_assert((int)HSX_CAP_REASON_EXPLICIT == (int)HSX_CAP_END_EXPLICIT &&
                   (int)HSX_CAP_REASON_EXPIRED == (int)HSX_CAP_END_EXPIRED &&
                   (int)HSX_CAP_REASON_HOLDER_EXITED == (int)HSX_CAP_END_HOLDER_EXITED &&
                   (int)HSX_CAP_REASON_PARENT == (int)HSX_CAP_END_PARENT,
               "reasons are the uAPI's values");
_Static_assert(sizeof(hsx_cap_selector_t) == sizeof(union hsx_cap_selector),
               "the selector is the uAPI's");

/* The node of a module capabilities are minted for. */
static bool module_node(hsx_cap_module_t module, enum hsx_umod_index *node)
{
    const struct hsx_umodule *m = hsx_umod_by_id((uint32_t)module);

    if (!m || !(m->flags & HSX_UMOD_CAPS) || !(m->flags & HSX_UMOD_NODE))
        return false;
    *node = (enum hsx_umod_index)hsx_umod_index(m);
    return true;
}

/* The node's descriptor as a module's first use opens it (acquiring); or an HSX_HAL_* code. */
static int node_fd(enum hsx_umod_index node)
{
    int fd = hsx_dev_open(node, hsx_cap_opened);

    if (fd == -ENOENT || fd == -ENODEV)
        return hsx_fail_with(HSX_HAL_NO_DEVICE, -fd);
    return fd < 0 ? hsx_fail_with_errno(fd) : fd;
}

HSX_API int hsx_cap_request(hsx_cap_module_t module, uint32_t rights,
                            const hsx_cap_selector_t *selector)
{
    union hsx_cap_selector sel = {0};
    enum hsx_umod_index node;
    struct hsx_cap_query q;

    if (selector)
        memcpy(&sel, selector, sizeof(sel));
    if (!module_node(module, &node) || !hsx_umod_request_valid(hsx_umodules[node], rights, &sel))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    struct cap_slot *s = &hsx_caps.slots[node];
    pthread_mutex_lock(&hsx_caps.lock);
    if (!hsx_cap_idle_or_not_waiting_locked(s)) {
        pthread_mutex_unlock(&hsx_caps.lock);
        return hsx_fail_with(HSX_HAL_BUSY, EINPROGRESS);
    }
    if (s->held) {
        pthread_mutex_unlock(&hsx_caps.lock);
        return hsx_fail_with(HSX_HAL_BUSY, EEXIST);
    }
    /* Set before the node is opened: opening acquires, and must ask for this. */
    s->want_rights = rights;
    s->want_sel = sel;
    s->dropped = false;
    unsigned int attempts = s->attempts;
    pthread_mutex_unlock(&hsx_caps.lock);

    int fd = node_fd(node);
    if (fd < 0)
        return fd;

    int ret = HSX_HAL_OK;
    pthread_mutex_lock(&hsx_caps.lock);
    bool idle = hsx_cap_idle_or_not_waiting_locked(s);
    int learnt = s->known ? 0 : hsx_cap_learn_locked(node, &q);
    int err = 0;
    if (learnt < 0) {
        ret = hsx_fail_with_errno(learnt);
    } else if (!cap_needs_capability(s) || s->held) {
        ret = HSX_HAL_OK;
    } else if (!idle || s->acquire_queued) {
        ret = HSX_HAL_DENIED; /* on the dispatcher: being asked, off it */
        err = EINPROGRESS;
    } else if (s->attempts != attempts) { /* opening the node just tried, and failed */
        ret = HSX_HAL_DENIED;
    } else {
        ret = hsx_cap_acquire_or_queue_locked(node);
        if (s->acquire_queued)
            err = EINPROGRESS;
    }
    if (!err)
        err = s->err;
    pthread_mutex_unlock(&hsx_caps.lock);
    return ret == HSX_HAL_DENIED ? hsx_fail_with(ret, err) : ret;
}

HSX_API int hsx_cap_drop(hsx_cap_module_t module)
{
    enum hsx_umod_index node;

    if (!module_node(module, &node))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    struct cap_slot *s = &hsx_caps.slots[node];
    pthread_mutex_lock(&hsx_caps.lock);
    cap_wait_idle_locked(s);
    bool drop = s->fd >= 0 && cap_needs_capability(s);
    int fd = s->fd;
    s->dropped = true;
    s->held = false;
    s->renew_at = 0;
    s->err = EACCES;
    snprintf(s->message, sizeof(s->message), "dropped by this process (hsx_cap_drop())");
    /* Unsubscribe first: the application's own drop is no revocation to tell it about. */
    struct cap_watch *watches = hsx_cap_unwatch_locked(node);
    pthread_mutex_unlock(&hsx_caps.lock);

    hsx_cap_watches_close(watches);
    if (drop) {
        struct hsx_cap_drop arg = {.module = hsx_node_module(node)};
        /* ENOENT (none held, e.g. it ended already) leaves nothing to do. */
        hsx_dev_raw_ioctl(node, fd, HSX_IOC_CAP_DROP, &arg);
    }
    return HSX_HAL_OK;
}

static void fill_info_locked(enum hsx_umod_index node, const struct hsx_cap_query *q,
                             hsx_cap_info_t *info)
{
    const struct cap_slot *s = &hsx_caps.slots[node];

    memset(info, 0, sizeof(*info));
    info->module = (hsx_cap_module_t)hsx_node_module(node);
    if (!q->enforcing || q->privileged) {
        info->status = HSX_CAP_STATUS_NOT_NEEDED;
    } else if (cap_in_force(&q->cap)) {
        info->status = HSX_CAP_STATUS_HELD;
        info->id = q->cap.id;
        info->parent_id = q->cap.parent_id;
        info->rights = q->cap.rights;
        memcpy(&info->selector, &q->cap.sel, sizeof(info->selector));
        info->expiry_ns = q->cap.expiry_ns;
        info->renew_ns = s->held && s->cap.id == q->cap.id ? s->renew_at : 0;
    } else {
        info->status = HSX_CAP_STATUS_NONE;
        snprintf(info->message, sizeof(info->message), "%s",
                 s->message[0] ? s->message : "no capability");
    }
}

HSX_API int hsx_cap_get(hsx_cap_module_t module, hsx_cap_info_t *info)
{
    enum hsx_umod_index node;
    struct hsx_cap_query q;

    if (!module_node(module, &node) || !info)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int fd = node_fd(node);
    if (fd < 0)
        return fd;
    pthread_mutex_lock(&hsx_caps.lock);
    hsx_cap_idle_or_not_waiting_locked(&hsx_caps.slots[node]); /* the kernel's answer either way */
    int ret = hsx_cap_learn_locked(node, &q);
    if (ret == 0)
        fill_info_locked(node, &q, info);
    pthread_mutex_unlock(&hsx_caps.lock);
    return ret < 0 ? hsx_fail_with_errno(ret) : HSX_HAL_OK;
}

HSX_API int hsx_cap_list(hsx_cap_info_t *info, size_t max)
{
    struct hsx_cap_query q;
    hsx_cap_info_t entry;
    int count = 0;

    if (!info && max)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    pthread_mutex_lock(&hsx_caps.lock);
    for (int node = 0; node < HSX_UMOD_COUNT; node++) {
        struct cap_slot *s = &hsx_caps.slots[node];
        hsx_cap_idle_or_not_waiting_locked(s); /* the kernel's answer either way */
        if (s->fd < 0 || hsx_cap_learn_locked((enum hsx_umod_index)node, &q) < 0)
            continue;
        fill_info_locked((enum hsx_umod_index)node, &q, &entry);
        if (entry.status != HSX_CAP_STATUS_HELD)
            continue;
        if ((size_t)count < max)
            info[count] = entry;
        count++;
    }
    pthread_mutex_unlock(&hsx_caps.lock);
    return count;
}

HSX_API const char *hsx_cap_status_name(hsx_cap_status_t status)
{
    switch (status) {
    case HSX_CAP_STATUS_NOT_NEEDED:
        return "not needed";
    case HSX_CAP_STATUS_HELD:
        return "held";
    case HSX_CAP_STATUS_NONE:
        return "none";
    default:
        return "unknown";
    }
}

HSX_API const char *hsx_cap_reason_name(hsx_cap_reason_t reason)
{
    return hsx_cap_reason_text((uint32_t)reason);
}
