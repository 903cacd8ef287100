// SPDX-License-Identifier: MIT
/*
 * Device nodes are opened lazily, once per process, and stay open: a timer
 * belongs to the open file that created it, and a GPIO line stays requested
 * while an open file that configured it is open, so closing a node would
 * destroy every timer of the process or release its pins. A failed open is not remembered, so a
 * process that started before hsx.ko was loaded can still use it later.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device.h"
#include "errors.h"
#include "hsx_hal_types.h"
#include "hsx_uapi.h"

static const char *const node_paths[HSX_NODE_COUNT] = {
    [HSX_NODE_TIMER] = HSX_DEV_TIMER,
    [HSX_NODE_GPIO] = HSX_DEV_GPIO,
};

struct open_node {
    bool open;
    int fd;
};

static pthread_mutex_t node_lock = PTHREAD_MUTEX_INITIALIZER;
static struct open_node nodes[HSX_NODE_COUNT];
static const char *dev_root = "/dev";
static hsx_dev_ioctl_hook_t ioctl_hook;

/* With node_lock held. Returns the descriptor, or -errno. */
static int node_fd_locked(enum hsx_node node)
{
    char path[256];

    if (nodes[node].open)
        return nodes[node].fd;
    snprintf(path, sizeof(path), "%s/%s", dev_root, node_paths[node]);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    nodes[node] = (struct open_node){.open = true, .fd = fd};
    return fd;
}

int hsx_dev_ioctl(enum hsx_node node, unsigned long request, void *arg)
{
    hsx_dev_ioctl_hook_t hook;
    int fd, ret;

    pthread_mutex_lock(&node_lock);
    hook = ioctl_hook;
    fd = hook ? 0 : node_fd_locked(node);
    pthread_mutex_unlock(&node_lock);

    if (fd < 0) {
        /* The node is missing: hsx.ko is not loaded (or udev has not made it yet). */
        if (fd == -ENOENT)
            return hsx_fail_with(HSX_HAL_NO_DEVICE, ENOENT);
        return hsx_fail_with_errno(fd);
    }
    do {
        ret = hook ? hook(node, request, arg) : ioctl(fd, request, arg);
    } while (ret < 0 && errno == EINTR);
    if (ret < 0)
        return hsx_fail_with_errno(errno);
    return HSX_HAL_OK;
}

void hsx_dev_set_ioctl_hook(hsx_dev_ioctl_hook_t hook)
{
    pthread_mutex_lock(&node_lock);
    ioctl_hook = hook;
    pthread_mutex_unlock(&node_lock);
}

void hsx_dev_set_root(const char *dir)
{
    pthread_mutex_lock(&node_lock);
    for (int i = 0; i < HSX_NODE_COUNT; i++) {
        if (nodes[i].open)
            close(nodes[i].fd);
        nodes[i] = (struct open_node){.open = false};
    }
    dev_root = dir ? dir : "/dev";
    pthread_mutex_unlock(&node_lock);
}
