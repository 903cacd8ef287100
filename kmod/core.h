/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every part of hsx.ko shares: the per-open-file client, and the
 * description of a HAL module that the dispatcher routes ioctls to.
 */
#ifndef _HSX_CORE_H
#define _HSX_CORE_H

#include <linux/types.h>

#include "hsx_uapi.h"

#define HSX_VERSION_MAJOR 0
#define HSX_VERSION_MINOR 1
#define HSX_VERSION_PATCH 0
#define HSX_VERSION_STRING "0.1.0"

/* Module IDs 0x10..0x1f map to slots 0..15. */
#define HSX_MODULE_SLOTS 16
#define hsx_module_slot(id) ((id) - HSX_MODULE_FIRST)

struct hsx_node;
struct hsx_cap;
struct pid;

/**
 * struct hsx_client - one open file of a /dev/hsx node
 * @node: the node it was opened on
 * @admin: decided at open: the ctl node, opened with CAP_SYS_ADMIN
 * @privileged: decided at open: the opener had CAP_SYS_ADMIN in the initial
 *	user namespace, so no capability is needed
 * @cap_admin: the capability administrator (ctl opened with O_EXCL)
 * @tgid: thread group of the opener, for sysfs
 * @opener: the opener's thread group; holder of capabilities on this file
 * @caps: the capability for each module, indexed by hsx_module_slot();
 *	written under the capability mutex, read under hsx_cap_srcu
 * @priv: per-HAL-module state, indexed by hsx_module_slot()
 * @denial_logged: bit per module slot: a denial through this file was logged,
 *	later ones are only counted
 */
struct hsx_client {
	const struct hsx_node *node;
	bool admin;
	bool privileged;
	bool cap_admin;
	pid_t tgid;
	struct pid *opener;
	struct hsx_cap __rcu *caps[HSX_MODULE_SLOTS];
	void *priv[HSX_MODULE_SLOTS];
	unsigned long denial_logged;
};

/**
 * struct hsx_ioctl_op - one function of a HAL module
 * @cmd: the full ioctl number; it encodes direction and argument size
 * @handler: called with the argument already copied into kernel memory;
 *	returns 0 or a negative errno. The argument is copied back to user
 *	space when @cmd has _IOC_READ and the handler succeeded.
 * @rights: HSX_CAP_R_* the caller's capability must carry; the dispatcher
 *	checks them and keeps the capability alive until the handler returns.
 *	0: no capability involved (the handler decides, e.g. admin functions).
 */
struct hsx_ioctl_op {
	unsigned int cmd;
	long (*handler)(struct hsx_client *client, void *arg);
	u32 rights;
};

/**
 * struct hsx_module - a HAL module as the dispatcher and the core see it
 * @id: HSX_MODULE_*
 * @name: directory under /sys/hal and node name
 * @ops: functions indexed by function number; a hole is an unknown function
 * @n_ops: size of @ops
 * @open: set up per-client state in client->priv (optional)
 * @release: tear it down; must leave nothing running for this client
 * @cap_ended: the client's capability for this module ended: stop what it
 *	started under it (optional). Called with no operation under it running.
 */
struct hsx_module {
	u8 id;
	const char *name;
	const struct hsx_ioctl_op *ops;
	unsigned int n_ops;
	int (*open)(struct hsx_client *client);
	void (*release)(struct hsx_client *client);
	void (*cap_ended)(struct hsx_client *client);
};

/* The largest ioctl argument any module takes; the dispatcher's buffer. */
#define HSX_IOCTL_ARG_MAX 128

extern const struct hsx_module hsx_core_module;
extern const struct hsx_module hsx_timer_module;
extern const struct hsx_module hsx_gpio_module;

#endif /* _HSX_CORE_H */
