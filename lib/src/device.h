/* SPDX-License-Identifier: MIT */
/*
 * The device nodes under /dev/hsx/ and the one path every ioctl takes.
 */
#ifndef HSX_DEVICE_H
#define HSX_DEVICE_H

enum hsx_node {
    HSX_NODE_TIMER, /* /dev/hsx/timer */
    HSX_NODE_GPIO,  /* /dev/hsx/gpio */
    HSX_NODE_COUNT,
};

/*
 * Issue an ioctl on a node, opening the node on first use. Returns HSX_HAL_OK,
 * or the code of the errno (see errors.c), which is kept for hsx_hal_errno().
 * A node that does not exist is HSX_HAL_NO_DEVICE.
 */
int hsx_dev_ioctl(enum hsx_node node, unsigned long request, void *arg);

/*
 * For lib/tests only. An ioctl hook stands in for the kernel: it is called
 * instead of opening the node and must behave like ioctl(2) (0, or -1 with
 * errno set). NULL restores the kernel. hsx_dev_set_root() makes the nodes be
 * looked for under another directory than /dev and forgets open nodes.
 */
typedef int (*hsx_dev_ioctl_hook_t)(enum hsx_node node, unsigned long request, void *arg);
void hsx_dev_set_ioctl_hook(hsx_dev_ioctl_hook_t hook);
void hsx_dev_set_root(const char *dir);

#endif /* HSX_DEVICE_H */
