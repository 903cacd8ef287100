/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_SYSFS_H
#define _HSX_SYSFS_H

struct kobject;
struct attribute_group;

int hsx_sysfs_init(void);
void hsx_sysfs_exit(void);
struct kobject *hsx_sysfs_add_dir(const char *name, const struct attribute_group *group);
struct kobject *hsx_sysfs_add_child(struct kobject *parent, const char *name,
				    const struct attribute_group *group);
void hsx_sysfs_remove_dir(struct kobject *dir, const struct attribute_group *group);

#endif /* _HSX_SYSFS_H */
