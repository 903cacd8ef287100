// SPDX-License-Identifier: MIT
/*
 * hsx_mailbox_list(): a dump of HSX_CMD_MBOX_GET, on a socket of its own.
 */
#include <errno.h>
#include <limits.h>

#include "core/errors.h"
#include "core/export.h"
#include "core/netlink.h"
#include "core/wire.h"

/* A dump the kernel flags as interrupted (mailboxes came or went) is tried again this often. */
#define DUMP_ATTEMPTS 8

struct list_state {
    hsx_mailbox_info_t *info;
    size_t max;
    size_t count;
};

static int on_mailbox_info(const struct nlmsghdr *nlh, void *data)
{
    struct list_state *state = data;
    hsx_mailbox_info_t uncounted;
    hsx_mailbox_info_t *slot = state->count < state->max ? &state->info[state->count] : &uncounted;
    int ret = hsx_wire_parse_info(nlh, slot);

    if (ret < 0) {
        errno = -ret;
        return MNL_CB_ERROR;
    }
    state->count++;
    return MNL_CB_OK;
}

/* Returns 0 or -errno; -EINTR for an interrupted dump. */
static int dump_once(uint16_t family, struct list_state *state)
{
    unsigned char buf[MNL_NLMSG_HDRLEN + 64];
    struct mnl_socket *sock;
    int ret = hsx_nl_open(&sock, 0);

    if (ret < 0)
        return ret;
    /* A fresh socket per attempt: the rest of an interrupted dump is never read. */
    const struct nlmsghdr *req = hsx_wire_mbox_dump(buf, sizeof(buf), family, hsx_nl_seq());
    state->count = 0;
    ret = hsx_nl_transact(sock, req, on_mailbox_info, state, false);
    mnl_socket_close(sock);
    return ret;
}

HSX_API int hsx_mailbox_list(hsx_mailbox_info_t *info, size_t max)
{
    struct list_state state = {.info = info, .max = max};
    uint16_t family, fresh;
    int ret;

    if (!info && max)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    ret = hsx_nl_family(&family);
    if (ret != HSX_HAL_OK)
        return ret;

    for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
        ret = dump_once(family, &state);
        /* ENOENT: genetlink no longer knows the family ID; hsx.ko was reloaded. */
        if (ret == -ENOENT) {
            if (hsx_nl_family_refresh(family, &fresh) != HSX_HAL_OK)
                return HSX_HAL_NO_DEVICE;
            if (fresh == family)
                break;
            family = fresh;
            continue;
        }
        if (ret != -EINTR)
            break;
    }
    if (ret == -EINTR)
        return hsx_fail_with(HSX_HAL_BUSY, EINTR);
    if (ret == -ENOENT)
        return hsx_fail_with(HSX_HAL_NO_DEVICE, ENOENT);
    if (ret < 0)
        return hsx_fail_with_errno(ret);
    return state.count > INT_MAX ? INT_MAX : (int)state.count;
}
