/* SPDX-License-Identifier: MIT */
/*
 * The one path every operation of a module takes: its node (device.c), with
 * the capability it needs (cap.c) obtained on the way.
 */
#ifndef HSX_ACCESS_H
#define HSX_ACCESS_H

#include "core/device.h"

/*
 * Issue an ioctl on a node, opening the node on first use (and obtaining a
 * capability for it if it needs one: see cap.c). Returns HSX_HAL_OK, or the
 * code of the errno (see errors.c), which is kept for hsx_hal_errno(). A node
 * that does not exist is HSX_HAL_NO_DEVICE. An operation denied for want of a
 * capability is tried once more if one could be obtained.
 */
int hsx_dev_ioctl(enum hsx_umod_index node, unsigned long request, void *arg);

/*
 * The same for a function that takes a number instead of an argument struct
 * (_IO in hsx_uapi.h). Returns what the ioctl returned (>= 0), or the code of
 * the errno as above.
 */
int hsx_dev_ioctl_value(enum hsx_umod_index node, unsigned long request, unsigned long arg);

/* The node's descriptor, opened on first use as above, or a negative HSX_HAL_* code. */
int hsx_dev_fd(enum hsx_umod_index node);

/*
 * The file a subscription to one of the node's mailboxes is opened on (a
 * queue file, HSX_IOC_MBOX_OPEN) or names as HSX_A_MBOX_AUTH_FD: the node's
 * descriptor, with this process's capability acquired first when one is
 * what authorizes listening, or -1 when the node cannot be opened.
 */
int hsx_dev_auth_fd(enum hsx_umod_index node);

/* The same, acquiring no capability when !acquire (see hsx_cap_auth_fd_ex()). */
int hsx_dev_auth_fd_ex(enum hsx_umod_index node, bool acquire);

/*
 * For lib/tests only: stand a hook in for the kernel, or look for the nodes
 * under another directory than /dev (see hsx_dev_rewind()). Both forget
 * every capability state (hsx_cap_reset()) and close the open nodes.
 */
void hsx_dev_set_ioctl_hook(hsx_dev_ioctl_hook_t hook);
void hsx_dev_set_root(const char *dir);

#endif /* HSX_ACCESS_H */
