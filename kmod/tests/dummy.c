// SPDX-License-Identifier: GPL-2.0
/*
 * The test-only module of tests/dummy.h: one ioctl, instances made by its
 * tests, capabilities over a mask of instances. In a test build of hsx.ko,
 * /sys/kernel/debug/hsx_dummy/{add,remove} (root, write an index) make and
 * remove instances, for the end-to-end tests and the probe benchmark.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "../core/cap.h"
#include "../core/core.h"
#include "../core/instance.h"
#include "dummy.h"

static long hsx_dummy_ping(struct hsx_client *client, void *arg)
{
	struct hsx_instance *inst = client->inst;
	struct hsx_dummy_dev *dev;

	if (!inst)
		return -ENODEV;		/* the module's own node has no device */
	if (!hsx_cap_covers(client, &hsx_dummy_module, BIT_ULL(inst->index)))
		return -EACCES;
	dev = inst->priv;
	if (!READ_ONCE(dev->alive))
		atomic_inc(&dev->after_gone);
	atomic_inc(&dev->pings);
	return inst->index + 1;
}

static const struct hsx_ioctl_op hsx_dummy_ops[] = {
	[HSX_DUMMY_FN_PING] = { HSX_IOC_DUMMY_PING, hsx_dummy_ping, HSX_CAP_R_READ },
};

static ssize_t pings_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_dummy_dev *dev = hsx_instance_of_dir(kobj)->priv;

	return sysfs_emit(buf, "%d\n", atomic_read(&dev->pings));
}

static struct kobj_attribute hsx_dummy_attr_pings = __ATTR_RO(pings);

static struct attribute *hsx_dummy_instance_attrs[] = {
	&hsx_dummy_attr_pings.attr,
	NULL,
};

static const struct attribute_group hsx_dummy_instance_group = {
	.attrs = hsx_dummy_instance_attrs,
};

struct hsx_instance *hsx_dummy_add(unsigned int index, struct hsx_dummy_dev *dev)
{
	dev->alive = true;
	return hsx_instance_add(&hsx_dummy_module, index, 0666, &hsx_dummy_instance_group, dev);
}

void (*hsx_dummy_gone_hook)(struct hsx_instance *inst);
atomic_t hsx_dummy_releases = ATOMIC_INIT(0);

static void hsx_dummy_instance_gone(struct hsx_instance *inst)
{
	struct hsx_dummy_dev *dev = inst->priv;

	WRITE_ONCE(dev->alive, false);
	dev->dir_at_gone = inst->dir;
	if (hsx_dummy_gone_hook)
		hsx_dummy_gone_hook(inst);
}

/* The last file closed: priv is nobody's any more. */
static void hsx_dummy_instance_release(struct hsx_instance *inst)
{
	struct hsx_dummy_dev *dev = inst->priv;

	atomic_inc(&hsx_dummy_releases);
	if (dev->allocated)
		kfree(dev);
}

/* ---- debugfs: instances on demand -------------------------------------- */

/*
 * The instances made through debugfs, by index. The lock guards the table
 * only: an instance is removed outside it, as a module must never hold a
 * lock its operations take while hsx_instance_remove() waits for them.
 */
static DEFINE_MUTEX(hsx_dummy_lock);
static struct hsx_instance **hsx_dummy_slots;	/* HSX_INSTANCE_MAX_INDEX of them */
static struct dentry *hsx_dummy_debugfs;

static int hsx_dummy_debugfs_add(unsigned int index)
{
	struct hsx_dummy_dev *dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	struct hsx_instance *inst;
	int ret = 0;

	if (!dev)
		return -ENOMEM;
	dev->allocated = true;
	mutex_lock(&hsx_dummy_lock);
	if (hsx_dummy_slots[index]) {
		ret = -EEXIST;
	} else {
		inst = hsx_dummy_add(index, dev);
		if (IS_ERR(inst))
			ret = PTR_ERR(inst);	/* EEXIST too: one being removed */
		else
			hsx_dummy_slots[index] = inst;
	}
	mutex_unlock(&hsx_dummy_lock);
	if (ret)
		kfree(dev);	/* never an instance's: nobody else has it */
	return ret;
}

static int hsx_dummy_debugfs_remove(unsigned int index)
{
	struct hsx_instance *inst;

	mutex_lock(&hsx_dummy_lock);
	inst = hsx_dummy_slots[index];
	hsx_dummy_slots[index] = NULL;
	mutex_unlock(&hsx_dummy_lock);
	if (!inst)
		return -ENOENT;
	hsx_instance_remove(inst);
	return 0;
}

static ssize_t hsx_dummy_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos, bool add)
{
	unsigned int index;
	int ret;

	ret = kstrtouint_from_user(ubuf, len, 10, &index);
	if (ret)
		return ret;
	if (index >= HSX_INSTANCE_MAX_INDEX)
		return -EINVAL;
	ret = add ? hsx_dummy_debugfs_add(index) : hsx_dummy_debugfs_remove(index);
	return ret ? ret : len;
}

static ssize_t hsx_dummy_add_write(struct file *file, const char __user *ubuf, size_t len,
				   loff_t *ppos)
{
	return hsx_dummy_write(file, ubuf, len, ppos, true);
}

static ssize_t hsx_dummy_remove_write(struct file *file, const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	return hsx_dummy_write(file, ubuf, len, ppos, false);
}

static const struct file_operations hsx_dummy_add_fops = {
	.owner = THIS_MODULE,
	.write = hsx_dummy_add_write,
};

static const struct file_operations hsx_dummy_remove_fops = {
	.owner = THIS_MODULE,
	.write = hsx_dummy_remove_write,
};

static int hsx_dummy_init(const struct hsx_module *mod)
{
	hsx_dummy_slots = kcalloc(HSX_INSTANCE_MAX_INDEX, sizeof(*hsx_dummy_slots), GFP_KERNEL);
	if (!hsx_dummy_slots)
		return -ENOMEM;
	hsx_dummy_debugfs = debugfs_create_dir("hsx_dummy", NULL);
	debugfs_create_file("add", 0200, hsx_dummy_debugfs, NULL, &hsx_dummy_add_fops);
	debugfs_create_file("remove", 0200, hsx_dummy_debugfs, NULL, &hsx_dummy_remove_fops);
	return 0;
}

/* Every client is gone; the instances made through debugfs go now. */
static void hsx_dummy_exit(const struct hsx_module *mod)
{
	unsigned int i;

	debugfs_remove_recursive(hsx_dummy_debugfs);
	for (i = 0; i < HSX_INSTANCE_MAX_INDEX; i++)
		if (hsx_dummy_slots[i])
			hsx_instance_remove(hsx_dummy_slots[i]);
	kfree(hsx_dummy_slots);
	hsx_dummy_slots = NULL;
}

/* ---- capabilities: a mask of instances ---------------------------------- */

static int hsx_dummy_cap_validate(const union hsx_cap_selector *sel)
{
	if (!sel->raw[0] || sel->raw[1] || sel->raw[2] || sel->raw[3])
		return -EINVAL;
	return 0;
}

static bool hsx_dummy_cap_subset(const union hsx_cap_selector *inner,
				 const union hsx_cap_selector *outer)
{
	return !(inner->raw[0] & ~outer->raw[0]);
}

static bool hsx_dummy_cap_covers(const union hsx_cap_selector *sel, u64 instances)
{
	return !(instances & ~sel->raw[0]);
}

static const struct hsx_cap_ops hsx_dummy_cap_ops = {
	.rights = HSX_CAP_R_READ | HSX_CAP_R_GRANT,
	.validate = hsx_dummy_cap_validate,
	.subset = hsx_dummy_cap_subset,
	.covers = hsx_dummy_cap_covers,
};

const struct hsx_module hsx_dummy_module = {
	.id = HSX_MODULE_DUMMY,
	.name = "dummy",
	.ops = hsx_dummy_ops,
	.n_ops = ARRAY_SIZE(hsx_dummy_ops),
	.node_mode = 0600,
	.cap = &hsx_dummy_cap_ops,
	.init = hsx_dummy_init,
	.exit = hsx_dummy_exit,
	.instance_gone = hsx_dummy_instance_gone,
	.instance_release = hsx_dummy_instance_release,
};
