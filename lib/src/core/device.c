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
 * Each node has a lock of its own, held while the node is opened and the
 * opener's callback runs (access.c acquires a capability there, a round trip
 * to hsxd): threads using that node wait for the outcome instead of being
 * denied, and threads using another node do not wait at all. The nodes are
 * the modules' (lib/src/modules.c); nothing here names one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/device.h"
#include "core/fork.h"
#include "core/module.h"
#include "hsx_uapi.h"

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

static struct open_node nodes[HSX_UMOD_COUNT] = {
    [0 ... HSX_UMOD_COUNT - 1] = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1},
};
static const char *dev_root = "/dev"; /* changed with every node's lock held */
static _Atomic hsx_dev_ioctl_hook_t ioctl_hook;

int hsx_dev_open(enum hsx_umod_index node, hsx_dev_opened_t opened)
{
    struct open_node *n = &nodes[node];
    char path[256], rel[64];
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
        else if (hsx_umod_node_path(hsx_umodules[node], -1, rel, sizeof(rel)))
            snprintf(path, sizeof(path), "%s/%s", dev_root, rel);
        else
            fd = -ENODEV; /* no node of its own (the core's events) */
        if (fd != -ENODEV)
            fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            fd = fd == -ENODEV ? fd : -errno;
            pthread_mutex_unlock(&n->lock);
            return fd;
        }
        if (opened)
            opened(node, fd);
        atomic_store_explicit(&n->fd, fd, memory_order_release);
    }
    fd = atomic_load_explicit(&n->fd, memory_order_relaxed);
    pthread_mutex_unlock(&n->lock);
    return fd;
}

int hsx_dev_raw_ioctl(enum hsx_umod_index node, int fd, unsigned long request, void *arg)
{
    hsx_dev_ioctl_hook_t hook = atomic_load(&ioctl_hook);
    int ret;

    do {
        ret = hook ? hook(node, request, arg) : ioctl(fd, request, arg);
    } while (ret < 0 && errno == EINTR);
    return ret < 0 ? -errno : ret;
}

/* ---- fork --------------------------------------------------------------------------- */

void hsx_dev_fork_prepare(void)
{
    for (int i = 0; i < HSX_UMOD_COUNT; i++)
        pthread_mutex_lock(&nodes[i].lock);
}

void hsx_dev_fork_parent(void)
{
    for (int i = HSX_UMOD_COUNT - 1; i >= 0; i--)
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
    for (int i = HSX_UMOD_COUNT - 1; i >= 0; i--) {
        if (nodes[i].fd >= 0)
            close(nodes[i].fd);
        nodes[i].fd = -1;
        pthread_mutex_unlock(&nodes[i].lock);
    }
}

/* ---- tests -------------------------------------------------------------------------- */

void hsx_dev_rewind(hsx_dev_ioctl_hook_t hook, const char *dir)
{
    hsx_dev_fork_prepare();
    for (int i = 0; i < HSX_UMOD_COUNT; i++) {
        if (nodes[i].fd >= 0)
            close(nodes[i].fd);
        nodes[i].fd = -1;
    }
    atomic_store(&ioctl_hook, hook);
    dev_root = dir ? dir : "/dev";
    hsx_dev_fork_parent();
}

hsx_dev_ioctl_hook_t hsx_dev_ioctl_hook(void)
{
    return atomic_load(&ioctl_hook);
}

const char *hsx_dev_root(void)
{
    pthread_mutex_lock(&nodes[0].lock);
    const char *dir = dev_root;
    pthread_mutex_unlock(&nodes[0].lock);
    return dir;
}
