/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_DISPATCH_H
#define _HSX_DISPATCH_H

#include <linux/types.h>

#include "core.h"

/**
 * struct hsx_node - a device node under /dev/hsx
 * @name: node name below /dev/hsx/
 * @mode: permissions of the node
 * @admin: opening it requires CAP_SYS_ADMIN in the initial user namespace,
 *	and its clients act as administrators
 * @modules: the HAL modules whose functions this node accepts, NULL-terminated
 */
struct hsx_node {
	const char *name;
	umode_t mode;
	bool admin;
	const struct hsx_module *const *modules;
};

const struct hsx_ioctl_op *hsx_dispatch_lookup(const struct hsx_node *node,
					       unsigned int cmd, long *err);
long hsx_dispatch(struct hsx_client *client, unsigned int cmd, unsigned long arg);
/* What hsx_dispatch() does with the argument copied in; exposed for KUnit. */
long hsx_dispatch_op(struct hsx_client *client, const struct hsx_ioctl_op *op, void *buf);

#endif /* _HSX_DISPATCH_H */
