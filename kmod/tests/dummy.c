// SPDX-License-Identifier: GPL-2.0
/*
 * The test-only module of tests/dummy.h: one ioctl, instances made by its
 * tests, capabilities over a mask of instances.
 */
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>

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
	return hsx_instance_add(&hsx_dummy_module, index, 0600, &hsx_dummy_instance_group, dev);
}

static void hsx_dummy_instance_gone(struct hsx_instance *inst)
{
	struct hsx_dummy_dev *dev = inst->priv;

	WRITE_ONCE(dev->alive, false);
}

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
	.instance_gone = hsx_dummy_instance_gone,
};
