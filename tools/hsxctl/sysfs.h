/* SPDX-License-Identifier: MIT */
/*
 * Reading /sys/hal without knowing its layout in advance: a directory is its
 * attribute files (with their values) and its subdirectories (entries, such
 * as one per timer). hsxctl prints whatever the running hsx.ko provides.
 */
#ifndef HSXCTL_SYSFS_H
#define HSXCTL_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

#define HSX_SYSFS_ROOT "/sys/hal"
#define HSX_SYSFS_MODULE "/sys/module/hsx"

struct sysfs_attr {
    char *name;
    char *value; /* trailing newline removed; NULL if unreadable */
    int err;     /* errno when value is NULL */
};

struct sysfs_dir {
    struct sysfs_attr *attrs; /* sorted by name */
    size_t nattrs;
    char **entries; /* subdirectories, in natural order ("2" before "10") */
    size_t nentries;
};

/* Read a directory one level deep. Returns 0 or -errno. */
int sysfs_read_dir(const char *path, struct sysfs_dir *dir);
void sysfs_free_dir(struct sysfs_dir *dir);

/* The value of one attribute file, without its trailing newline. Returns 0 or -errno. */
int sysfs_read_value(const char *path, char *buf, size_t size);

bool path_exists(const char *path);

/* Is hsx.ko loaded? Both its module directory and /sys/hal must exist. */
bool hsx_loaded(void);

#endif /* HSXCTL_SYSFS_H */
