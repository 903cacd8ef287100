// SPDX-License-Identifier: GPL-2.0
/*
 * Module instances, with the lifetime rules of gpiolib's character device:
 * an instance is refcounted (its creator and each open file of its node hold
 * a reference), every operation on it runs inside its own SRCU and
 * first checks ->gone, and removing it unregisters what user space reaches
 * first (the node, then the minor), flips ->gone, waits for the operations
 * in flight, lets the module stop its work, and removes the directory. Files
 * still open keep the memory and get -ENODEV until they close.
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>

#include "core.h"
#include "dev.h"
#include "instance.h"

/* Guards the minors, the list, and every ->gone write. */
static DEFINE_MUTEX(hsx_instance_mutex);
static DEFINE_XARRAY_ALLOC(hsx_instance_by_minor);
static u32 hsx_instance_next_minor;
static LIST_HEAD(hsx_instances);
static unsigned int hsx_instance_count;

static void hsx_instance_dir_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct hsx_instance_dir, kobj));
}

static const struct kobj_type hsx_instance_dir_ktype = {
	.release = hsx_instance_dir_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

/**
 * hsx_instance_of_dir - the instance whose /sys/hal directory @kobj is
 * Context: a show or store of an attribute in its group.
 */
struct hsx_instance *hsx_instance_of_dir(struct kobject *kobj)
{
	return container_of(kobj, struct hsx_instance_dir, kobj)->inst;
}

static void hsx_instance_release(struct kref *ref)
{
	struct hsx_instance *inst = container_of(ref, struct hsx_instance, ref);

	if (inst->mod->instance_release)
		inst->mod->instance_release(inst);
	cleanup_srcu_struct(&inst->srcu);	/* no reader: each holds a reference */
	kfree(inst);
}

void hsx_instance_put(struct hsx_instance *inst)
{
	if (inst)
		kref_put(&inst->ref, hsx_instance_release);
}

/**
 * hsx_instance_get_by_minor - the instance behind a node, for an open
 * Return: a reference, or ERR_PTR(-ENODEV) when there is none (any more).
 */
struct hsx_instance *hsx_instance_get_by_minor(unsigned int minor)
{
	struct hsx_instance *inst;

	mutex_lock(&hsx_instance_mutex);
	inst = xa_load(&hsx_instance_by_minor, minor);
	if (inst && !inst->gone)
		kref_get(&inst->ref);
	else
		inst = ERR_PTR(-ENODEV);
	mutex_unlock(&hsx_instance_mutex);
	return inst;
}

static int hsx_instance_add_dir(struct hsx_instance *inst, const struct attribute_group *group)
{
	struct hsx_instance_dir *dir = kzalloc(sizeof(*dir), GFP_KERNEL);
	int ret;

	if (!dir)
		return -ENOMEM;
	dir->inst = inst;
	ret = kobject_init_and_add(&dir->kobj, &hsx_instance_dir_ktype,
				   hsx_module_dir(inst->mod), "%u", inst->index);
	if (!ret && group)
		ret = sysfs_create_group(&dir->kobj, group);
	if (ret) {
		kobject_put(&dir->kobj);
		return ret;
	}
	inst->dir = dir;
	return 0;
}

/* The directory and its group go together: no reader runs past this. */
static void hsx_instance_remove_dir(struct hsx_instance *inst)
{
	kobject_del(&inst->dir->kobj);
	kobject_put(&inst->dir->kobj);
	inst->dir = NULL;
}

/**
 * hsx_instance_add - create instance @index of @mod
 * @mod: the module
 * @index: n of /dev/hsx/<name><n> and /sys/hal/<name>/<n>
 * @mode: the node's mode
 * @group: the attributes of its directory, or NULL
 * @priv: the module's, in inst->priv
 *
 * The node comes last: once it exists, files may be opened on it.
 *
 * Context: process. The module's own lock may be held, if the attributes of
 * @group take no lock held across this call: a failed add removes them and
 * waits for their readers. Return: the instance (the
 * caller's reference), or ERR_PTR(): -EINVAL (@index too large), -EEXIST
 * (that index exists), -ENOSPC (no minor left), -ENOMEM.
 */
struct hsx_instance *hsx_instance_add(const struct hsx_module *mod, unsigned int index,
				      umode_t mode, const struct attribute_group *group,
				      void *priv)
{
	struct hsx_instance *inst, *other;
	int ret;

	if (index >= HSX_INSTANCE_MAX_INDEX)
		return ERR_PTR(-EINVAL);
	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst)
		return ERR_PTR(-ENOMEM);
	inst->mod = mod;
	inst->index = index;
	inst->mode = mode;
	inst->priv = priv;
	kref_init(&inst->ref);
	ret = init_srcu_struct(&inst->srcu);
	if (ret) {
		kfree(inst);
		return ERR_PTR(ret);
	}

	mutex_lock(&hsx_instance_mutex);
	/* The list, not the minors: an instance being removed keeps its name. */
	ret = -EEXIST;
	list_for_each_entry(other, &hsx_instances, node)
		if (other->mod == mod && other->index == index)
			goto err_unlock;
	ret = -ENOSPC;
	if (hsx_instance_count >= HSX_INSTANCE_MAX)
		goto err_unlock;
	ret = hsx_instance_add_dir(inst, group);
	if (ret)
		goto err_unlock;
	/*
	 * Cyclic over tens of thousands of minors: a minor is not handed to
	 * another instance until the range wrapped, so a stale inode or
	 * O_PATH descriptor of a removed node does not reach a new instance
	 * (whose node may have another mode) in any realistic lifetime.
	 */
	ret = xa_alloc_cyclic(&hsx_instance_by_minor, &inst->minor, inst,
			      XA_LIMIT(HSX_DEV_INSTANCE_MINOR_FIRST, HSX_DEV_MINORS - 1),
			      &hsx_instance_next_minor, GFP_KERNEL);
	if (ret < 0) {
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto err_dir;
	}
	ret = hsx_dev_node_add(inst->minor, inst, "%s%u", mod->name, index);
	if (ret)
		goto err_minor;
	list_add_tail(&inst->node, &hsx_instances);
	hsx_instance_count++;
	mutex_unlock(&hsx_instance_mutex);
	return inst;

err_minor:
	xa_erase(&hsx_instance_by_minor, inst->minor);
err_dir:
	hsx_instance_remove_dir(inst);
err_unlock:
	mutex_unlock(&hsx_instance_mutex);
	cleanup_srcu_struct(&inst->srcu);
	kfree(inst);
	return ERR_PTR(ret);
}

/**
 * hsx_instance_remove - the instance's device went away, or its binding ended
 * @inst: from hsx_instance_add(); the caller's reference goes
 *
 * In order: the node goes (no new open), the instance is marked gone (every
 * operation from now on fails with -ENODEV), the module's instance_unplug
 * wakes its sleeping operations, the operations in flight are waited for,
 * the directory goes, then the module's instance_gone. Files still open
 * keep the memory until they close.
 *
 * Context: process; not from an operation of the instance's module, and not
 * holding a lock that one takes (this waits for them).
 */
void hsx_instance_remove(struct hsx_instance *inst)
{
	hsx_dev_node_remove(inst->minor);
	mutex_lock(&hsx_instance_mutex);
	xa_erase(&hsx_instance_by_minor, inst->minor);
	WRITE_ONCE(inst->gone, true);
	mutex_unlock(&hsx_instance_mutex);

	if (inst->mod->instance_unplug)
		inst->mod->instance_unplug(inst);
	synchronize_srcu(&inst->srcu);
	hsx_instance_remove_dir(inst);
	if (inst->mod->instance_gone)
		inst->mod->instance_gone(inst);

	mutex_lock(&hsx_instance_mutex);
	list_del(&inst->node);
	hsx_instance_count--;
	mutex_unlock(&hsx_instance_mutex);
	hsx_instance_put(inst);
}

int hsx_instance_init(void)
{
	return 0;
}

/* Context: every instance was removed by its module's exit. */
void hsx_instance_exit(void)
{
	WARN_ON(!xa_empty(&hsx_instance_by_minor) || !list_empty(&hsx_instances));
}
