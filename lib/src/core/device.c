// SPDX-License-Identifier: MIT
/*
 * Device nodes are opened lazily, once per process, and stay open: a timer
 * belongs to the open file that created it, a GPIO line stays requested
 * while an open file that configured it is open, and a capability is
 * attached to the open file it was minted onto, so closing a node would
 * destroy every timer of the process, release its pins and end its
 * capability. A failed open is not remembered, so a process that started
 * before hsx.ko was loaded can still use it later.
 *
 * Each node has a lock of its own, held while the node is opened and, if
 * its file needs one, a capability is acquired for it (a round trip to hsxd):
 * threads using that node wait for the outcome instead of being denied, and
 * threads using another node do not wait at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/cap.h"
#include "core/device.h"
#include "core/errors.h"
#include "core/fork.h"
#include "hsx_hal_types.h"
#include "hsx_uapi.h"

static const struct {
    const char *path;
    const char *name;
    uint32_t module;
} node_info[HSX_NODE_COUNT] = {
    [HSX_NODE_TIMER] = {HSX_DEV_TIMER, "timer", HSX_MODULE_TIMER},
    [HSX_NODE_GPIO] = {HSX_DEV_GPIO, "gpio", HSX_MODULE_GPIO},
};

/*
 * fd is -1 until the node is opened. It is written under lock, and read
 * without it once set: every operation needs it, and it never changes while
 * the process uses it (only a fork child's reset and the tests' rewind it,
 * with no operation running).
 */
struct open_node {
    pthread_mutex_t lock;
    _Atomic int fd;
};

static struct open_node nodes[HSX_NODE_COUNT] = {
    [0 ... HSX_NODE_COUNT - 1] = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1},
};
static const char *dev_root = "/dev"; /* changed with every node's lock held */
static _Atomic hsx_dev_ioctl_hook_t ioctl_hook;

uint32_t hsx_node_module(enum hsx_node node)
{
    return node_info[node].module;
}

const char *hsx_node_name(enum hsx_node node)
{
    return node_info[node].name;
}

/* The node's descriptor, opening it on first use; -errno if it cannot be opened. */
static int node_fd(enum hsx_node node)
{
    struct open_node *n = &nodes[node];
    char path[256];
    int fd;

    hsx_fork_watch();
    fd = atomic_load_explicit(&n->fd, memory_order_acquire);
    if (fd >= 0)
        return fd;
    pthread_mutex_lock(&n->lock);
    if (atomic_load_explicit(&n->fd, memory_order_relaxed) < 0) {
        /* A fake kernel has no node: any file stands in, for a fake hsxd to receive. */
        if (atomic_load(&ioctl_hook))
            snprintf(path, sizeof(path), "/dev/null");
        else
            snprintf(path, sizeof(path), "%s/%s", dev_root, node_info[node].path);
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            fd = -errno;
            pthread_mutex_unlock(&n->lock);
            return fd;
        }
        hsx_cap_opened(node, fd);
        atomic_store_explicit(&n->fd, fd, memory_order_release);
    }
    fd = atomic_load_explicit(&n->fd, memory_order_relaxed);
    pthread_mutex_unlock(&n->lock);
    return fd;
}

static int open_failure(int err)
{
    /* The node is missing: hsx.ko is not loaded (or udev has not made it yet). */
    if (err == -ENOENT)
        return hsx_fail_with(HSX_HAL_NO_DEVICE, ENOENT);
    return hsx_fail_with_errno(err);
}

int hsx_dev_fd(enum hsx_node node)
{
    int fd = node_fd(node);

    return fd < 0 ? open_failure(fd) : fd;
}

int hsx_dev_auth_fd(enum hsx_node node)
{
    int fd = node_fd(node);

    if (fd < 0)
        return -1;
    /* Acquires the capability when one is needed; a file that needs none speaks for itself. */
    int auth_fd = hsx_cap_auth_fd(node);
    return auth_fd >= 0 ? auth_fd : fd;
}

int hsx_dev_raw_ioctl(enum hsx_node node, int fd, unsigned long request, void *arg)
{
    hsx_dev_ioctl_hook_t hook = atomic_load(&ioctl_hook);
    int ret;

    do {
        ret = hook ? hook(node, request, arg) : ioctl(fd, request, arg);
    } while (ret < 0 && errno == EINTR);
    return ret < 0 ? -errno : ret;
}

/* What the ioctl returned (>= 0), or an HSX_HAL_* code. */
static int node_ioctl(enum hsx_node node, unsigned long request, void *arg)
{
    int fd = node_fd(node);

    if (fd < 0)
        return open_failure(fd);
    unsigned int generation = hsx_cap_generation(node);
    int ret = hsx_dev_raw_ioctl(node, fd, request, arg);
    /* A denied operation did nothing, so repeating it once is safe. */
    if (ret < 0 && hsx_cap_retry(node, -ret, generation))
        ret = hsx_dev_raw_ioctl(node, fd, request, arg);
    return ret < 0 ? hsx_fail_with_errno(ret) : ret;
}

int hsx_dev_ioctl(enum hsx_node node, unsigned long request, void *arg)
{
    int ret = node_ioctl(node, request, arg);

    return ret < 0 ? ret : HSX_HAL_OK;
}

int hsx_dev_ioctl_value(enum hsx_node node, unsigned long request, unsigned long arg)
{
    /* ioctl(2) passes its third argument on as a machine word, pointer or not. */
    return node_ioctl(node, request, (void *)(uintptr_t)arg);
}

/* ---- fork --------------------------------------------------------------------------- */

void hsx_dev_fork_prepare(void)
{
    for (int i = 0; i < HSX_NODE_COUNT; i++)
        pthread_mutex_lock(&nodes[i].lock);
}

void hsx_dev_fork_parent(void)
{
    for (int i = HSX_NODE_COUNT - 1; i >= 0; i--)
        pthread_mutex_unlock(&nodes[i].lock);
}

/*
 * The parent's files are the parent's: hsx.ko denies the child (EPERM) any
 * operation on an unprivileged one, and one opened by root would let a child
 * that gave up root since keep root's access. So the child drops its copies
 * and opens its own on first use, as a client of its own.
 */
void hsx_dev_fork_child(void)
{
    for (int i = HSX_NODE_COUNT - 1; i >= 0; i--) {
        if (nodes[i].fd >= 0)
            close(nodes[i].fd);
        nodes[i].fd = -1;
        pthread_mutex_unlock(&nodes[i].lock);
    }
}

/* ---- tests -------------------------------------------------------------------------- */

static void reset_nodes(hsx_dev_ioctl_hook_t hook, const char *dir)
{
    /* Capability state first: the renewal thread uses the descriptors closed below. */
    hsx_cap_reset();
    hsx_dev_fork_prepare();
    for (int i = 0; i < HSX_NODE_COUNT; i++) {
        if (nodes[i].fd >= 0)
            close(nodes[i].fd);
        nodes[i].fd = -1;
    }
    atomic_store(&ioctl_hook, hook);
    dev_root = dir ? dir : "/dev";
    hsx_dev_fork_parent();
}

void hsx_dev_set_ioctl_hook(hsx_dev_ioctl_hook_t hook)
{
    pthread_mutex_lock(&nodes[0].lock);
    const char *dir = dev_root;
    pthread_mutex_unlock(&nodes[0].lock);
    reset_nodes(hook, dir);
}

void hsx_dev_set_root(const char *dir)
{
    reset_nodes(atomic_load(&ioctl_hook), dir);
}
