// SPDX-License-Identifier: MIT
/*
 * CAN: hsx.ko binds buses 0..15 to SocketCAN interfaces. Sending, the
 * configuration check, filter banks, status and bindings are ioctls on
 * /dev/hsx/can, each argument checked here first; receiving is can_rx.c's.
 * A configuration the interface does not run is asked of hsxd.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "can/can.h"
#include "can/can_module.h"
#include "core/access.h"
#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/export.h"
#include "core/hsxd_client.h"
#include "hsx_uapi.h"

_Static_assert(HSX_CAN_STD_FRAME == 0 && HSX_CAN_EXT_FRAME == HSX_CAN_F_EXT &&
                   HSX_CAN_RTR_FRAME == HSX_CAN_F_RTR && HSX_CAN_FD_FRAME == HSX_CAN_F_FD &&
                   HSX_CAN_BRS_FRAME == HSX_CAN_F_BRS && HSX_CAN_ESI_FRAME == HSX_CAN_F_ESI &&
                   HSX_CAN_LOCAL_FRAME == HSX_CAN_F_LOCAL,
               "frame flags are the uAPI's");
_Static_assert(sizeof(hsx_can_fd_frame_t) == sizeof(struct hsx_can_frame) &&
                   offsetof(hsx_can_fd_frame_t, data) == offsetof(struct hsx_can_frame, data) &&
                   offsetof(hsx_can_fd_frame_t, flags) == offsetof(struct hsx_can_frame, flags),
               "a frame is the uAPI's");
_Static_assert(HSX_CAN_STATUS_UP == HSX_CAN_ST_UP && HSX_CAN_STATUS_BUS_OFF == HSX_CAN_ST_BUS_OFF &&
                   HSX_CAN_STATUS_PASSIVE == HSX_CAN_ST_PASSIVE &&
                   HSX_CAN_STATUS_WARNING == HSX_CAN_ST_WARNING &&
                   HSX_CAN_STATUS_ERRORS == HSX_CAN_ST_ERRORS && HSX_CAN_STATUS_FD == HSX_CAN_ST_FD,
               "status bits are the uAPI's");
_Static_assert(HSX_CAN_EVENT_FRAME == HSX_CAN_EV_FRAME &&
                   HSX_CAN_EVENT_TX_DONE == HSX_CAN_EV_TX_DONE &&
                   HSX_CAN_EVENT_ERROR == HSX_CAN_EV_ERROR,
               "event kinds are the uAPI's");
_Static_assert(HSX_CAN_TX_FAILED_TIMEOUT == HSX_CAN_TXF_TIMEOUT &&
                   HSX_CAN_TX_FAILED_DOWN == HSX_CAN_TXF_DOWN &&
                   HSX_CAN_TX_FAILED_BUS_OFF == HSX_CAN_TXF_BUS_OFF &&
                   HSX_CAN_TX_FAILED_GONE == HSX_CAN_TXF_GONE &&
                   HSX_CAN_TX_FAILED_CLOSED == HSX_CAN_TXF_CLOSED,
               "TX_FAILED reasons are the uAPI's");
_Static_assert(sizeof(((hsx_can_info_t *)0)->ifname) == HSX_CAN_IFNAME_MAX &&
                   sizeof(((hsx_can_rx_event_t *)0)->data) == 8,
               "names and classic frames have the uAPI's sizes");

static bool valid_bus(uint8_t bus)
{
    return bus < HSX_CAN_MAX_BUSES;
}

/* ---- sending ---------------------------------------------------------------------------- */

/* The errno of a send that failed, in the words of hsx_can.h. */
static int tx_failure(int code)
{
    int err = hsx_hal_errno();

    if (err == ENOBUFS) /* the interface's queue stayed full */
        return hsx_fail_with(HSX_HAL_BUSY, err);
    if (err == EAGAIN) /* HSX_CAN_TX_PENDING_MAX NOWAIT frames await their echo */
        return hsx_fail_with(HSX_HAL_LIMIT, err);
    if (err == EMSGSIZE) /* an FD frame, the interface not in FD mode */
        return hsx_fail_with(HSX_HAL_UNSUPPORTED, err);
    return code;
}

HSX_API int hsx_can_tx_ex(uint8_t bus, const hsx_can_fd_frame_t *frame, uint32_t timeout_ms,
                          uint32_t flags, uint64_t *cookie)
{
    if (!valid_bus(bus) || !frame || frame->reserved[0] || frame->reserved[1] ||
        (flags & ~(uint32_t)HSX_CAN_TX_ALL) ||
        (timeout_ms > HSX_CAN_TIMEOUT_MAX_MS && timeout_ms != HSX_HAL_TIMEOUT_INF) ||
        !hsx_can_frame_valid(frame->can_id, frame->flags, frame->len, HSX_CAN_F_TX))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    /* Its TX_DONE goes to this file's subscriptions only: subscribe before it can come. */
    if (flags & HSX_CAN_TX_NOWAIT) {
        int ret = hsx_can_subscribe_rx(bus);
        if (ret != HSX_HAL_OK)
            return ret;
    }
    struct hsx_can_tx arg = {
        .bus = bus,
        .timeout_ms = timeout_ms == HSX_HAL_TIMEOUT_INF ? HSX_CAN_TIMEOUT_MAX_MS : timeout_ms,
        .flags = flags,
        .frame = {.can_id = frame->can_id, .len = frame->len, .flags = frame->flags},
    };
    if (!(frame->flags & HSX_CAN_RTR_FRAME))
        memcpy(arg.frame.data, frame->data, frame->len);
    int ret = hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_TX, &arg);
    if (ret != HSX_HAL_OK)
        return tx_failure(ret);
    if (cookie)
        *cookie = arg.cookie;
    return HSX_HAL_OK;
}

HSX_API int hsx_can_tx(const hsx_can_frame_t *frame)
{
    hsx_can_fd_frame_t fd = {0};

    /* The spec's frame: its flags only, at most 8 bytes; the rest is hsx_can_tx_ex()'s check. */
    if (!frame || (frame->flags & ~(HSX_CAN_EXT_FRAME | HSX_CAN_RTR_FRAME)) || frame->dlc > 8)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    fd.can_id = frame->can_id;
    fd.len = frame->dlc;
    fd.flags = frame->flags;
    memcpy(fd.data, frame->data, sizeof(frame->data));
    return hsx_can_tx_ex(0, &fd, 0, 0, NULL);
}

/* ---- configuration ---------------------------------------------------------------------- */

/*
 * What hsxd's answer to a CAN_CONFIG means here: its refusals keep their
 * errno; the policy's (EACCES) is DENIED, what the driver refused of the
 * values asked (EDOM: no bit timing near enough, EINVAL, ERANGE) is
 * INVALID_PARAM. An exchange that failed (hsxd not running: ECONNREFUSED)
 * is DENIED: nobody could change the interface.
 */
static int hsxd_failure(int ret, const struct hsxd_reply *reply)
{
    if (ret == -ETIMEDOUT)
        return hsx_fail_with(HSX_HAL_TIMEOUT, ETIMEDOUT);
    if (ret < 0)
        return hsx_fail_with(HSX_HAL_DENIED, hsx_hsxd_not_running(ret) ? ECONNREFUSED : -ret);
    int err = -reply->status;
    /*
     * EINVAL is the driver's only with hsxd's "the driver of ..."; otherwise hsxd refused the
     * request itself: an older hsxd without CAN_CONFIG ("unknown operation": UNSUPPORTED with
     * ENOSYS), or arguments it will not take (FD without a data bitrate: INVALID_PARAM, errno 0,
     * as the library's own refusals).
     */
    if (err == EINVAL && strncmp(reply->message, "the driver of ", 14) != 0)
        return strncmp(reply->message, "unknown operation", 17) == 0
                   ? hsx_fail_with(HSX_HAL_UNSUPPORTED, ENOSYS)
                   : hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    if (err == EDOM || err == EINVAL || err == ERANGE)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, err);
    return hsx_fail_with_errno(err);
}

/*
 * Bitrate and modes need CAP_NET_ADMIN to change: hsxd sets them for a
 * process its policy gives "config" on the bus, sent this process's CAN
 * file to know who asks and to have the kernel say that its capability
 * (acquired by the check that found the bus running otherwise) gives it.
 * A refusal, or no hsxd, is said on stderr (once a call: each is a request
 * of the application's) unless HSX_HAL_QUIET.
 */
static int config_by_hsxd(const struct hsx_can_config *arg)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    char why[HSXD_MESSAGE_MAX + 64];

    int fd = hsx_dev_fd(HSX_UMOD_CAN);
    if (fd < 0)
        return fd;
    hsx_hsxd_request_init(&req, HSXD_OP_CAN_CONFIG, HSX_MODULE_CAN, 0, NULL);
    req.can_config = *arg;
    int ret = hsx_hsxd_call(&req, fd, &reply, -1);
    if (ret == 0 && reply.status == 0)
        return HSX_HAL_OK;
    if (!hsx_hal_quiet())
        fprintf(stderr, "hsx: can bus %u runs at another bitrate or in other modes: %s\n", arg->bus,
                hsx_hsxd_describe(why, sizeof(why), ret, &reply));
    return hsxd_failure(ret, &reply);
}

HSX_API int hsx_can_config_ex(uint8_t bus, uint32_t bitrate, uint32_t data_bitrate, uint32_t mode)
{
    /* A data bitrate is the FD data phase's: asking for one without FD is a mistake. */
    if (!valid_bus(bus) || bitrate > HSX_CAN_BITRATE_MAX || data_bitrate > HSX_CAN_BITRATE_MAX ||
        (mode & ~(uint32_t)HSX_CAN_MODE_ALL) || (data_bitrate && !(mode & HSX_CAN_MODE_FD)))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    struct hsx_can_config arg = {
        .bus = bus, .bitrate = bitrate, .data_bitrate = data_bitrate, .mode = mode};
    int ret = hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_CONFIG, &arg);
    /* It runs otherwise: hsxd may change it. Then it must run so, as the kernel says. */
    if (ret != HSX_HAL_OK && hsx_hal_errno() == EREMCHG) {
        /* Not from a callback: it would wait for hsxd (hsx_cap.h), and every callback with it. */
        if (hsx_dispatch_on_thread())
            return hsx_fail_with(HSX_HAL_BUSY, EDEADLK);
        ret = config_by_hsxd(&arg);
        /* No answer in time (hsxd's, or the kernel's to hsxd): it may have been done all the same.
         */
        if (ret == HSX_HAL_OK || hsx_hal_errno() == ETIMEDOUT) {
            int timed_out = ret != HSX_HAL_OK;
            ret = hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_CONFIG, &arg);
            if (timed_out && ret != HSX_HAL_OK)
                return hsx_fail_with(HSX_HAL_TIMEOUT, ETIMEDOUT);
        }
        /* Changed again since hsxd set it: it runs otherwise, as before. */
        if (ret != HSX_HAL_OK && hsx_hal_errno() == EREMCHG)
            return hsx_fail_with(HSX_HAL_DENIED, EREMCHG);
    }
    return ret;
}

HSX_API int hsx_can_config(hsx_can_bitrate_t bitrate, uint32_t mode)
{
    /* A negative value, if the enum is signed, becomes a rate past the largest: refused. */
    return hsx_can_config_ex(0, (uint32_t)bitrate, 0, mode);
}

/* ---- filters ---------------------------------------------------------------------------- */

HSX_API int hsx_can_set_filter_ex(uint8_t bus, uint8_t bank, uint32_t id, uint32_t mask,
                                  hsx_can_filter_format_t format)
{
    static const uint32_t flags[] = {
        [HSX_CAN_FILTER_OFF] = 0,
        [HSX_CAN_FILTER_BOTH] = HSX_CAN_FLT_ON,
        [HSX_CAN_FILTER_STD] = HSX_CAN_FLT_ON | HSX_CAN_FLT_STD,
        [HSX_CAN_FILTER_EXT] = HSX_CAN_FLT_ON | HSX_CAN_FLT_EXT,
    };

    if (!valid_bus(bus) || bank >= HSX_CAN_FILTERS || (unsigned int)format > HSX_CAN_FILTER_EXT ||
        id > HSX_CAN_EFF_MASK || mask > HSX_CAN_EFF_MASK ||
        (format == HSX_CAN_FILTER_OFF && (id || mask)) ||
        (format == HSX_CAN_FILTER_STD && id > HSX_CAN_SFF_MASK))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    struct hsx_can_filter arg = {
        .bus = bus, .bank = bank, .id = id, .mask = mask, .flags = flags[format]};
    return hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_SET_FILTER, &arg);
}

HSX_API int hsx_can_set_filter(uint8_t filter_id, uint32_t mask, uint32_t id)
{
    return hsx_can_set_filter_ex(0, filter_id, id, mask, HSX_CAN_FILTER_BOTH);
}

/* ---- status and bindings ---------------------------------------------------------------- */

HSX_API int hsx_can_get_status_ex(uint8_t bus, hsx_can_status_t *status)
{
    struct hsx_can_status arg = {.bus = bus};

    if (!valid_bus(bus) || !status)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_GET_STATUS, &arg);
    if (ret != HSX_HAL_OK)
        return ret;
    *status = (hsx_can_status_t){
        .status = arg.status,
        .state = arg.state,
        .tx_errors = arg.tx_errors,
        .rx_errors = arg.rx_errors,
        .bitrate = arg.bitrate,
        .data_bitrate = arg.data_bitrate,
        .mode = arg.mode,
        .rx_frames = arg.rx_frames,
        .tx_frames = arg.tx_frames,
        .tx_failed = arg.tx_failed,
        .error_frames = arg.error_frames,
        .bus_off = arg.bus_off,
    };
    return HSX_HAL_OK;
}

static uint32_t at_most(uint32_t value, uint32_t max)
{
    return value < max ? value : max;
}

uint32_t hsx_can_status_pack(const hsx_can_status_t *status)
{
    return HSX_CAN_STATUS_FLAGS(status->status) | at_most(status->tx_errors, 0xff) << 8 |
           at_most(status->rx_errors, 0xff) << 16 | at_most(status->state, 0x7f) << 24;
}

/* The spec returns flags only: a failure is a word no status has (hsx_hal_errno() says why). */
HSX_API uint32_t hsx_can_get_status(void)
{
    hsx_can_status_t status;

    if (hsx_can_get_status_ex(0, &status) != HSX_HAL_OK)
        return HSX_CAN_STATUS_FAILED;
    return hsx_can_status_pack(&status);
}

HSX_API int hsx_can_get_info(uint8_t bus, hsx_can_info_t *info)
{
    struct hsx_can_info arg = {.bus = bus};

    if (!valid_bus(bus) || !info)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_dev_ioctl(HSX_UMOD_CAN, HSX_IOC_CAN_INFO, &arg);
    if (ret != HSX_HAL_OK)
        return ret;
    *info = (hsx_can_info_t){
        .bus = bus,
        .bound = arg.bound != 0,
        .from_device_tree = arg.from_dt != 0,
        .fd = arg.mtu >= 72, /* CANFD_MTU; CAN XL's larger one carries FD frames too */
        .ifindex = arg.ifindex,
    };
    size_t len = strnlen(arg.ifname, sizeof(arg.ifname) - 1);
    memcpy(info->ifname, arg.ifname, len);
    info->ifname[len] = '\0';
    return HSX_HAL_OK;
}
