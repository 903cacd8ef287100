// SPDX-License-Identifier: MIT
/*
 * Bus-off recovery: restarting a controller now, and the delay of the
 * kernel's automatic restart. Both need CAP_NET_ADMIN, so both are asked of
 * hsxd (HSXD_OP_CAN_RESTART, HSXD_OP_CAN_RESTART_MS) with this process's CAN
 * file, whose capability (acquired here when it has none) must give the
 * right "config" on the bus, as for hsx_can_config(). Nothing in the kernel
 * says either in advance, so every call asks hsxd.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/access.h"
#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/export.h"
#include "core/hsxd_client.h"
#include "hsx_can.h"
#include "hsx_uapi.h"

_Static_assert(HSX_CAN_RESTART_MS_MAX == HSXD_CAN_RESTART_MS_MAX, "restart-ms is hsxd's");

/*
 * hsxd's answer in hsx_can.h's codes: each refusal of the kernel's came as
 * one errno (hsxd tells the kernel's two EINVALs apart). What the library
 * checked cannot be refused as malformed, so EINVAL is an older hsxd's
 * "unknown operation": UNSUPPORTED with ENOSYS.
 */
static int restart_failure(int ret, const struct hsxd_reply *reply)
{
    if (ret == -ETIMEDOUT)
        return hsx_fail_with(HSX_HAL_TIMEOUT, ETIMEDOUT);
    if (ret < 0)
        return hsx_fail_with(HSX_HAL_DENIED, hsx_hsxd_not_running(ret) ? ECONNREFUSED : -ret);
    int err = -reply->status;
    switch (err) {
    case EINVAL:
        return strncmp(reply->message, "unknown operation", 17) == 0
                   ? hsx_fail_with(HSX_HAL_UNSUPPORTED, ENOSYS)
                   : hsx_fail_with(HSX_HAL_INVALID_PARAM, EINVAL);
    case ENETDOWN:
        return hsx_fail_with(HSX_HAL_ERROR, ENETDOWN);
    case EBUSY:    /* not bus-off */
    case EALREADY: /* restarts by itself */
    case EAGAIN:   /* changed less than a second ago */
        return hsx_fail_with(HSX_HAL_BUSY, err);
    default:
        return hsx_fail_with_errno(err);
    }
}

static int ask_hsxd(uint32_t op, uint8_t bus, uint32_t restart_ms)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    char why[HSXD_MESSAGE_MAX + 64];

    /* A callback must not wait for hsxd (hsx_cap.h), and every other callback with it. */
    if (hsx_dispatch_on_thread())
        return hsx_fail_with(HSX_HAL_BUSY, EDEADLK);
    int fd = hsx_dev_fd(HSX_UMOD_CAN); /* no hsx.ko: NO_DEVICE */
    if (fd < 0)
        return fd;
    /* The file with this process's capability (acquired now if it has none): hsxd asks it. */
    fd = hsx_dev_auth_fd(HSX_UMOD_CAN);
    if (fd < 0)
        return hsx_fail_with_errno(-EBADF);
    hsx_hsxd_request_init(&req, op, HSX_MODULE_CAN, 0, NULL);
    req.can_restart.bus = bus;
    req.can_restart.restart_ms = restart_ms;
    int ret = hsx_hsxd_call(&req, fd, &reply, -1);
    if (ret == 0 && reply.status == 0)
        return HSX_HAL_OK;
    if (!hsx_hal_quiet())
        fprintf(stderr, "hsx: can bus %u: %s\n", bus,
                hsx_hsxd_describe(why, sizeof(why), ret, &reply));
    return restart_failure(ret, &reply);
}

HSX_API int hsx_can_restart(uint8_t bus)
{
    if (bus >= HSX_CAN_MAX_BUSES)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return ask_hsxd(HSXD_OP_CAN_RESTART, bus, 0);
}

HSX_API int hsx_can_set_restart_ms(uint8_t bus, uint32_t restart_ms)
{
    if (bus >= HSX_CAN_MAX_BUSES || restart_ms > HSX_CAN_RESTART_MS_MAX)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    return ask_hsxd(HSXD_OP_CAN_RESTART_MS, bus, restart_ms);
}
