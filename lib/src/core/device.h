/* SPDX-License-Identifier: MIT */
/*
 * The device nodes under /dev/hsx/ and the one path every ioctl takes.
 */
#ifndef HSX_DEVICE_H
#define HSX_DEVICE_H

#include <stdint.h>

enum hsx_node {
    HSX_NODE_TIMER, /* /dev/hsx/timer */
    HSX_NODE_GPIO,  /* /dev/hsx/gpio */
    HSX_NODE_COUNT,
};

/* The module a node serves (HSX_MODULE_*), and its name in messages ("gpio"). */
uint32_t hsx_node_module(enum hsx_node node);
const char *hsx_node_name(enum hsx_node node);

/*
 * Issue an ioctl on a node, opening the node on first use (and obtaining a
 * capability for it if it needs one: see cap.c). Returns HSX_HAL_OK, or the
 * code of the errno (see errors.c), which is kept for hsx_hal_errno(). A node
 * that does not exist is HSX_HAL_NO_DEVICE. An operation denied for want of a
 * capability is tried once more if one could be obtained.
 */
int hsx_dev_ioctl(enum hsx_node node, unsigned long request, void *arg);

/*
 * The same for a function that takes a number instead of an argument struct
 * (_IO in hsx_uapi.h). Returns what the ioctl returned (>= 0), or the code of
 * the errno as above.
 */
int hsx_dev_ioctl_value(enum hsx_node node, unsigned long request, unsigned long arg);

/* The node's descriptor, opened on first use as above, or a negative HSX_HAL_* code. */
int hsx_dev_fd(enum hsx_node node);

/*
 * The file a subscription to one of the node's mailboxes is opened on (a
 * queue file, HSX_IOC_MBOX_OPEN) or names as HSX_A_MBOX_AUTH_FD: the node's
 * descriptor, with this process's capability acquired first when one is
 * what authorizes listening, or -1 when the node cannot be opened.
 */
int hsx_dev_auth_fd(enum hsx_node node);

/*
 * ioctl(2) on an open node's fd, or the test hook: what it returned (>= 0) or
 * -errno, no capability logic.
 */
int hsx_dev_raw_ioctl(enum hsx_node node, int fd, unsigned long request, void *arg);

/* fork(): see fork.c. The child closes its copies of the nodes and opens its own. */
void hsx_dev_fork_prepare(void);
void hsx_dev_fork_parent(void);
void hsx_dev_fork_child(void);

/*
 * For lib/tests only. An ioctl hook stands in for the kernel: it is called
 * instead of ioctl(2) and must behave like it (>= 0, or -1 with errno set),
 * and receives a number argument cast to a pointer, as ioctl(2) would; the
 * node "opened" is then /dev/null, which a fake hsxd may receive. NULL
 * restores the kernel. hsx_dev_set_root() makes the nodes be looked for
 * under another directory than /dev. Both forget open nodes and every
 * capability state (hsx_cap_reset()).
 */
typedef int (*hsx_dev_ioctl_hook_t)(enum hsx_node node, unsigned long request, void *arg);
void hsx_dev_set_ioctl_hook(hsx_dev_ioctl_hook_t hook);
void hsx_dev_set_root(const char *dir);

#endif /* HSX_DEVICE_H */
