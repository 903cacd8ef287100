/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instances of a HAL module: one per UART port, CAN bus, FRAM chip, ...
 * created and removed at run time, each with its node /dev/hsx/<name><n>
 * and its directory /sys/hal/<name>/<n>.
 */
#ifndef _HSX_INSTANCE_H
#define _HSX_INSTANCE_H

#include <linux/compiler.h>
#include <linux/kobject.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/srcu.h>
#include <linux/types.h>

struct attribute_group;
struct hsx_module;

/* Instances per module at most, and over all modules. */
#define HSX_INSTANCE_MAX_INDEX	64
#define HSX_INSTANCE_MAX	192

/*
 * /sys/hal/<name>/<n>: its kobject is the instance's back-pointer for the
 * module's attributes. Removal drains their readers, so the pointer is
 * valid in every show and store.
 */
struct hsx_instance_dir {
	struct kobject kobj;
	struct hsx_instance *inst;
};

/**
 * struct hsx_instance - one instance of a module
 * @mod: the module
 * @index: n in <name><n>
 * @mode: its node's mode
 * @priv: the module's, set at creation
 * @gone: set once by hsx_instance_remove(); read under @srcu, which every
 *	operation of the module on it holds
 * @srcu: the instance's own, so that removing one waits for no other's
 *	operations (a blocked read on another port)
 * @ref: the creator's (dropped by hsx_instance_remove()), one per open file
 * @minor: its node's minor
 * @dir: /sys/hal/<name>/<n>
 * @node: in the list of instances, which reserves <name><n> from its
 *	creation to the end of its removal
 */
struct hsx_instance {
	const struct hsx_module *mod;
	unsigned int index;
	umode_t mode;
	void *priv;
	bool gone;
	struct srcu_struct srcu;
	struct kref ref;
	unsigned int minor;
	struct hsx_instance_dir *dir;
	struct list_head node;
};

struct hsx_instance *hsx_instance_add(const struct hsx_module *mod, unsigned int index,
				      umode_t mode, const struct attribute_group *group,
				      void *priv);
void hsx_instance_remove(struct hsx_instance *inst);
struct hsx_instance *hsx_instance_get_by_minor(unsigned int minor);
void hsx_instance_put(struct hsx_instance *inst);
struct hsx_instance *hsx_instance_of_dir(struct kobject *kobj);

/* Another reference to an instance the caller holds one to. */
static inline void hsx_instance_get(struct hsx_instance *inst)
{
	kref_get(&inst->ref);
}

/* Context: under srcu_read_lock(&inst->srcu). */
static inline bool hsx_instance_gone(const struct hsx_instance *inst)
{
	return READ_ONCE(inst->gone);
}

int hsx_instance_init(void);
void hsx_instance_exit(void);

#endif /* _HSX_INSTANCE_H */
