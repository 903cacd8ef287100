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
 * @inst: the instance whose node it was opened on (a reference), or NULL
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
 * @closing: set (WRITE_ONCE) when the file closes, before its capabilities
 *	go: work of the file's that finds its capability gone then stops quietly
 *	instead of reporting a revocation
 */
struct hsx_client {
	const struct hsx_node *node;
	struct hsx_instance *inst;
	bool admin;
	bool privileged;
	bool cap_admin;
	pid_t tgid;
	struct pid *opener;
	struct hsx_cap __rcu *caps[HSX_MODULE_SLOTS];
	void *priv[HSX_MODULE_SLOTS];
	unsigned long denial_logged;
	bool closing;
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

union hsx_cap_selector;
struct attribute_group;
struct hsx_instance;
struct kobject;

/**
 * struct hsx_cap_ops - what a capability for a module means
 * @rights: the HSX_CAP_R_* a capability for the module may carry
 * @validate: 0 if @sel can exist (not empty, every unused word zero), else
 *	-EINVAL
 * @subset: does @inner cover no more than @outer? Both valid. For DERIVE,
 *	which may only narrow.
 * @covers: does @sel cover @object, in the module's terms (a pin mask, a
 *	bus number, a byte range)? Both valid. For the check on an operation.
 * @quota: how many objects a capability with @sel may have at once, per
 *	file and over everything derived from it together (0 or NULL: the
 *	module counts nothing)
 */
struct hsx_cap_ops {
	u32 rights;
	int (*validate)(const union hsx_cap_selector *sel);
	bool (*subset)(const union hsx_cap_selector *inner, const union hsx_cap_selector *outer);
	bool (*covers)(const union hsx_cap_selector *sel, u64 object);
	u32 (*quota)(const union hsx_cap_selector *sel);
};

/**
 * struct hsx_module - a HAL module: all that the core knows of it
 * @id: HSX_MODULE_*
 * @name: its directory under /sys/hal, its node under /dev/hsx, and the
 *	prefix of its instances' nodes (<name><n>)
 * @ops: functions indexed by function number; a hole is an unknown function
 * @n_ops: size of @ops
 * @node_mode: mode of /dev/hsx/<name>, which serves the module and the
 *	core; 0 for none (a module of instances only)
 * @sysfs_group: the attributes of /sys/hal/<name>, shown once @init
 *	succeeded and removed before @exit (optional); the directory itself,
 *	hsx_module_dir(), exists from before @init to after @exit
 * @cap: what its capabilities mean; NULL for a module without any
 * @init: bring the module up, at load, in hsx_modules[] order (optional)
 * @exit: take it down, every client gone, in reverse order (optional)
 * @open: set up per-client state in client->priv (optional)
 * @release: tear it down; must leave nothing running for this client
 * @cap_ended: the client's capability for this module ended: stop what it
 *	started under it (optional). Called under hsx_cap_mutex, with no
 *	operation checked by the dispatcher under it running; a module whose
 *	functions check themselves waits here for those it allowed (bounded).
 * @instance_unplug: an instance is being removed: from now on its
 *	operations fail with -ENODEV; wake those of the module's that sleep
 *	(a blocked read) so they see it (optional). May not sleep on them.
 * @instance_gone: no operation of the module on the instance runs and none
 *	will, its directory is gone: stop what the module does for it
 *	(optional). Its files stay open until closed; @release and @cap_ended
 *	still run for them and must expect the instance gone.
 * @instance_release: the instance's last reference went (its last file
 *	closed): free inst->priv (optional)
 * @enters_instances: its functions enter an instance's SRCU section
 *	themselves, and check that it is not gone, so that they may copy user
 *	memory or wait outside it (a stalled page fault must not hold up the
 *	instance's removal): the dispatcher does not enter it for them
 */
struct hsx_module {
	u8 id;
	const char *name;
	const struct hsx_ioctl_op *ops;
	unsigned int n_ops;
	umode_t node_mode;
	const struct attribute_group *sysfs_group;
	const struct hsx_cap_ops *cap;
	int (*init)(const struct hsx_module *mod);
	void (*exit)(const struct hsx_module *mod);
	int (*open)(struct hsx_client *client);
	void (*release)(struct hsx_client *client);
	void (*cap_ended)(struct hsx_client *client);
	void (*instance_unplug)(struct hsx_instance *inst);
	void (*instance_gone)(struct hsx_instance *inst);
	void (*instance_release)(struct hsx_instance *inst);
	bool enters_instances;
};

/*
 * Every HAL module, in init order, NULL-terminated (modules.c). Adding a
 * module is one entry here and its own files; nothing else in the core
 * names a module.
 */
extern const struct hsx_module *const hsx_modules[];

const struct hsx_module *hsx_module_find(u32 id);
struct kobject *hsx_module_dir(const struct hsx_module *mod);
int hsx_modules_init(void);
void hsx_modules_exit(void);
int hsx_module_up(const struct hsx_module *mod);
void hsx_module_down(const struct hsx_module *mod);

#ifdef HSX_TEST_MODULES
/* A test-only module (kmod/tests/dummy.c), for the core's own tests. */
extern const struct hsx_module hsx_dummy_module;
#endif

/* The largest ioctl argument any module takes; the dispatcher's buffer. */
#define HSX_IOCTL_ARG_MAX 128

extern const struct hsx_module hsx_core_module;

#endif /* _HSX_CORE_H */
