// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/hal: the root of the HAL's attributes. It holds the module's version
 * and ABI, a directory per HAL module (created by that module), and the
 * mailbox counters, which belong to no single module.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "core.h"
#include "mailbox.h"
#include "sysfs.h"

static struct kobject *hsx_hal_kobj;
static struct kobject *hsx_mailbox_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", HSX_VERSION_STRING);
}

static ssize_t abi_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", HSX_ABI_VERSION);
}

static struct kobj_attribute hsx_attr_version = __ATTR_RO(version);
static struct kobj_attribute hsx_attr_abi = __ATTR_RO(abi);

static struct attribute *hsx_root_attrs[] = {
	&hsx_attr_version.attr,
	&hsx_attr_abi.attr,
	NULL,
};

static const struct attribute_group hsx_root_group = {
	.attrs = hsx_root_attrs,
};

/* Each counter file reads one field of the same snapshot. */
struct hsx_mbox_stat_attr {
	struct kobj_attribute attr;
	size_t offset;
};

static ssize_t hsx_mbox_stat_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	const struct hsx_mbox_stat_attr *sa = container_of(attr, struct hsx_mbox_stat_attr, attr);
	struct hsx_mbox_stats stats;

	hsx_mbox_get_stats(&stats);
	return sysfs_emit(buf, "%llu\n", *(u64 *)((char *)&stats + sa->offset));
}

static struct hsx_mbox_stat_attr hsx_mbox_stat_attrs[] = {
	{ __ATTR(mailboxes, 0444, hsx_mbox_stat_show, NULL),
	  offsetof(struct hsx_mbox_stats, mailboxes) },
	{ __ATTR(subscriptions, 0444, hsx_mbox_stat_show, NULL),
	  offsetof(struct hsx_mbox_stats, subscriptions) },
	{ __ATTR(events, 0444, hsx_mbox_stat_show, NULL),
	  offsetof(struct hsx_mbox_stats, events) },
	{ __ATTR(deliveries, 0444, hsx_mbox_stat_show, NULL),
	  offsetof(struct hsx_mbox_stats, deliveries) },
	{ __ATTR(drops, 0444, hsx_mbox_stat_show, NULL),
	  offsetof(struct hsx_mbox_stats, drops) },
};

static struct attribute *hsx_mbox_attrs[] = {
	&hsx_mbox_stat_attrs[0].attr.attr,
	&hsx_mbox_stat_attrs[1].attr.attr,
	&hsx_mbox_stat_attrs[2].attr.attr,
	&hsx_mbox_stat_attrs[3].attr.attr,
	&hsx_mbox_stat_attrs[4].attr.attr,
	NULL,
};

static const struct attribute_group hsx_mbox_group = {
	.attrs = hsx_mbox_attrs,
};

/**
 * hsx_sysfs_add_dir - add /sys/hal/<name> with a group of attributes
 * Return: the directory, or NULL.
 */
struct kobject *hsx_sysfs_add_dir(const char *name, const struct attribute_group *group)
{
	return hsx_sysfs_add_child(hsx_hal_kobj, name, group);
}

/**
 * hsx_sysfs_add_child - add a directory with a group of attributes below another
 * Return: the directory, or NULL.
 */
struct kobject *hsx_sysfs_add_child(struct kobject *parent, const char *name,
				    const struct attribute_group *group)
{
	struct kobject *dir;

	dir = kobject_create_and_add(name, parent);
	if (!dir)
		return NULL;
	if (group && sysfs_create_group(dir, group)) {
		kobject_put(dir);
		return NULL;
	}
	return dir;
}

void hsx_sysfs_remove_dir(struct kobject *dir, const struct attribute_group *group)
{
	if (group)
		sysfs_remove_group(dir, group);
	kobject_put(dir);
}

int hsx_sysfs_init(void)
{
	int ret;

	hsx_hal_kobj = kobject_create_and_add("hal", NULL);
	if (!hsx_hal_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(hsx_hal_kobj, &hsx_root_group);
	if (ret)
		goto err_put;
	hsx_mailbox_kobj = hsx_sysfs_add_dir("mailbox", &hsx_mbox_group);
	if (!hsx_mailbox_kobj) {
		ret = -ENOMEM;
		goto err_group;
	}
	return 0;

err_group:
	sysfs_remove_group(hsx_hal_kobj, &hsx_root_group);
err_put:
	kobject_put(hsx_hal_kobj);
	return ret;
}

void hsx_sysfs_exit(void)
{
	hsx_sysfs_remove_dir(hsx_mailbox_kobj, &hsx_mbox_group);
	sysfs_remove_group(hsx_hal_kobj, &hsx_root_group);
	kobject_put(hsx_hal_kobj);
}
