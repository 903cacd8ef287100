// SPDX-License-Identifier: MIT
/*
 * Operations on nodes with capabilities: device.c opens a node and calls
 * hsx_cap_opened() under its lock (passed in, so device.c knows nothing of
 * capabilities); an operation denied for want of one asks cap.c whether to
 * try again.
 */
#include <errno.h>
#include <stdint.h>

#include "core/access.h"
#include "core/cap.h"
#include "core/errors.h"
#include "hsx_hal_types.h"

static int open_failure(int err)
{
    /* The node is missing: hsx.ko is not loaded (or udev has not made it yet). */
    if (err == -ENOENT || err == -ENODEV)
        return hsx_fail_with(HSX_HAL_NO_DEVICE, -err);
    return hsx_fail_with_errno(err);
}

int hsx_dev_fd(enum hsx_umod_index node)
{
    int fd = hsx_dev_open(node, hsx_cap_opened);

    return fd < 0 ? open_failure(fd) : fd;
}

int hsx_dev_auth_fd_ex(enum hsx_umod_index node, bool acquire)
{
    /* Open already where !acquire matters: a subscription was made on it before. */
    int fd = hsx_dev_open(node, hsx_cap_opened);

    if (fd < 0)
        return -1;
    /* Acquires the capability when one is needed; a file that needs none speaks for itself. */
    int auth_fd = hsx_cap_auth_fd_ex(node, acquire);
    return auth_fd >= 0 ? auth_fd : fd;
}

int hsx_dev_auth_fd(enum hsx_umod_index node)
{
    return hsx_dev_auth_fd_ex(node, true);
}

/* What the ioctl returned (>= 0), or an HSX_HAL_* code. */
static int node_ioctl(enum hsx_umod_index node, unsigned long request, void *arg)
{
    int fd = hsx_dev_open(node, hsx_cap_opened);

    if (fd < 0)
        return open_failure(fd);
    unsigned int generation = hsx_cap_generation(node);
    int ret = hsx_dev_raw_ioctl(node, fd, request, arg);
    /* A denied operation did nothing, so repeating it once is safe. */
    if (ret < 0 && hsx_cap_retry(node, -ret, generation))
        ret = hsx_dev_raw_ioctl(node, fd, request, arg);
    return ret < 0 ? hsx_fail_with_errno(ret) : ret;
}

int hsx_dev_ioctl(enum hsx_umod_index node, unsigned long request, void *arg)
{
    int ret = node_ioctl(node, request, arg);

    return ret < 0 ? ret : HSX_HAL_OK;
}

int hsx_dev_ioctl_value(enum hsx_umod_index node, unsigned long request, unsigned long arg)
{
    /* ioctl(2) passes its third argument on as a machine word, pointer or not. */
    return node_ioctl(node, request, (void *)(uintptr_t)arg);
}

/* Capability state first: the renewal thread uses the descriptors the rewind closes. */
void hsx_dev_set_ioctl_hook(hsx_dev_ioctl_hook_t hook)
{
    const char *dir = hsx_dev_root();

    hsx_cap_reset();
    hsx_dev_rewind(hook, dir);
}

void hsx_dev_set_root(const char *dir)
{
    hsx_cap_reset();
    hsx_dev_rewind(hsx_dev_ioctl_hook(), dir);
}
