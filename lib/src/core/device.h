/* SPDX-License-Identifier: MIT */
/*
 * The device nodes under /dev/hsx/: opened once per process, and ioctl(2)
 * on them. Nothing about capabilities: access.c adds those.
 */
#ifndef HSX_DEVICE_H
#define HSX_DEVICE_H

#include <stdint.h>

#include "modules.h"

/* The module a node serves (HSX_MODULE_*), and its name in messages ("gpio"). */
static inline uint32_t hsx_node_module(enum hsx_umod_index node)
{
    return hsx_umodules[node]->id;
}

static inline const char *hsx_node_name(enum hsx_umod_index node)
{
    return hsx_umodules[node]->name;
}

/*
 * Called by hsx_dev_open() with the node's lock held, right after it opened
 * the node on fd: the caller's chance to make the file usable (acquire a
 * capability, see access.c) before any other thread gets it.
 */
typedef void (*hsx_dev_opened_t)(enum hsx_umod_index node, int fd);

/*
 * The node's descriptor, opening /dev/hsx/<name> on first use (then calling
 * opened, if not NULL, under the node's lock); -errno if it cannot be
 * opened, -ENODEV for a module without a node of its own.
 */
int hsx_dev_open(enum hsx_umod_index node, hsx_dev_opened_t opened);

/*
 * ioctl(2) on an open node's fd, or the test hook: what it returned (>= 0) or
 * -errno, no capability logic.
 */
int hsx_dev_raw_ioctl(enum hsx_umod_index node, int fd, unsigned long request, void *arg);

/* fork(): see fork.c. The child closes its copies of the nodes and opens its own. */
void hsx_dev_fork_prepare(void);
void hsx_dev_fork_parent(void);
void hsx_dev_fork_child(void);

/*
 * For lib/tests (through access.c's hsx_dev_set_ioctl_hook() and
 * hsx_dev_set_root(), which forget capability state first): an ioctl hook
 * stands in for the kernel: it is called instead of ioctl(2) and must behave
 * like it (>= 0, or -1 with errno set), and receives a number argument cast
 * to a pointer, as ioctl(2) would; the node "opened" is then /dev/null,
 * which a fake hsxd may receive. NULL restores the kernel. dir: where the
 * nodes are looked for instead of /dev (NULL: /dev). Closes open nodes.
 */
typedef int (*hsx_dev_ioctl_hook_t)(enum hsx_umod_index node, unsigned long request, void *arg);
void hsx_dev_rewind(hsx_dev_ioctl_hook_t hook, const char *dir);
hsx_dev_ioctl_hook_t hsx_dev_ioctl_hook(void);
const char *hsx_dev_root(void);

#endif /* HSX_DEVICE_H */
