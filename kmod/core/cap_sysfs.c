// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/hal/caps: capability counters, whether enforcement is on, who the
 * capability administrator is. State and counters only: the microbenchmark
 * of the check is in debugfs (debugfs.c).
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "cap.h"
#include "sysfs.h"

static struct kobject *hsx_caps_dir;

struct hsx_cap_stat_attr {
	struct kobj_attribute attr;
	enum hsx_cap_stat_id which;
};

static ssize_t hsx_cap_stat_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	const struct hsx_cap_stat_attr *sa = container_of(attr, struct hsx_cap_stat_attr, attr);

	return sysfs_emit(buf, "%llu\n", hsx_cap_stat(sa->which));
}

#define HSX_CAP_STAT_ATTR(name, id) \
	{ __ATTR(name, 0444, hsx_cap_stat_show, NULL), id }

static struct hsx_cap_stat_attr hsx_cap_stat_attrs[] = {
	HSX_CAP_STAT_ATTR(active, HSX_CAP_STAT_ACTIVE),
	HSX_CAP_STAT_ATTR(minted, HSX_CAP_STAT_MINTED),
	HSX_CAP_STAT_ATTR(denied, HSX_CAP_STAT_DENIED),
	HSX_CAP_STAT_ATTR(revoked, HSX_CAP_STAT_REVOKED),
	HSX_CAP_STAT_ATTR(expired, HSX_CAP_STAT_EXPIRED),
};

static ssize_t enforcing_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", hsx_cap_enforcing());
}

static ssize_t admin_pid_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", hsx_cap_admin_pid());
}

static struct kobj_attribute hsx_cap_attr_enforcing = __ATTR_RO(enforcing);
static struct kobj_attribute hsx_cap_attr_admin_pid = __ATTR_RO(admin_pid);

static struct attribute *hsx_cap_attrs[] = {
	&hsx_cap_stat_attrs[0].attr.attr,
	&hsx_cap_stat_attrs[1].attr.attr,
	&hsx_cap_stat_attrs[2].attr.attr,
	&hsx_cap_stat_attrs[3].attr.attr,
	&hsx_cap_stat_attrs[4].attr.attr,
	&hsx_cap_attr_enforcing.attr,
	&hsx_cap_attr_admin_pid.attr,
	NULL,
};

static const struct attribute_group hsx_cap_group = {
	.attrs = hsx_cap_attrs,
};

int hsx_cap_sysfs_init(void)
{
	hsx_caps_dir = hsx_sysfs_add_dir("caps", &hsx_cap_group);
	return hsx_caps_dir ? 0 : -ENOMEM;
}

void hsx_cap_sysfs_exit(void)
{
	hsx_sysfs_remove_dir(hsx_caps_dir, &hsx_cap_group);
}
