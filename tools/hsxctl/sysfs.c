// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"

/* sysfs attributes are at most a page. */
#define ATTR_MAX 4096

bool path_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

bool hsx_loaded(void)
{
    return path_exists(HSX_SYSFS_MODULE) && path_exists(HSX_SYSFS_ROOT);
}

static void trim_newlines(char *text)
{
    size_t len = strlen(text);

    while (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
}

static int read_value_at(int dirfd, const char *name, char *buf, size_t size)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    ssize_t len;

    if (fd < 0)
        return -errno;
    do {
        len = read(fd, buf, size - 1);
    } while (len < 0 && errno == EINTR);
    int err = errno;
    close(fd);
    if (len < 0)
        return -err;
    buf[len] = '\0';
    trim_newlines(buf);
    return 0;
}

int sysfs_read_value(const char *path, char *buf, size_t size)
{
    return read_value_at(AT_FDCWD, path, buf, size);
}

static int compare_attrs(const void *a, const void *b)
{
    return strcmp(((const struct sysfs_attr *)a)->name, ((const struct sysfs_attr *)b)->name);
}

static int compare_entries(const void *a, const void *b)
{
    return strverscmp(*(char *const *)a, *(char *const *)b);
}

static int add_attr(struct sysfs_dir *dir, int dirfd, const char *name)
{
    char value[ATTR_MAX + 1];
    struct sysfs_attr *attrs = realloc(dir->attrs, (dir->nattrs + 1) * sizeof(*attrs));

    if (!attrs)
        return -ENOMEM;
    dir->attrs = attrs;
    struct sysfs_attr *attr = &attrs[dir->nattrs];
    *attr = (struct sysfs_attr){.name = strdup(name)};
    /* A write-only attribute, or one whose show() fails, is listed without a value. */
    int ret = read_value_at(dirfd, name, value, sizeof(value));
    if (ret < 0)
        attr->err = -ret;
    else
        attr->value = strdup(value);
    if (!attr->name || (ret == 0 && !attr->value)) {
        free(attr->name);
        free(attr->value);
        return -ENOMEM;
    }
    dir->nattrs++;
    return 0;
}

static int add_entry(struct sysfs_dir *dir, const char *name)
{
    char **entries = realloc(dir->entries, (dir->nentries + 1) * sizeof(*entries));

    if (!entries)
        return -ENOMEM;
    dir->entries = entries;
    if (!(entries[dir->nentries] = strdup(name)))
        return -ENOMEM;
    dir->nentries++;
    return 0;
}

int sysfs_read_dir(const char *path, struct sysfs_dir *dir)
{
    struct dirent *de;
    struct stat st;
    int ret = 0;

    *dir = (struct sysfs_dir){0};
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    while (ret == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        /* Follow links: a kobject's link to another is an entry like a directory. */
        if (fstatat(dirfd(d), de->d_name, &st, 0) < 0)
            continue;
        if (S_ISDIR(st.st_mode))
            ret = add_entry(dir, de->d_name);
        else if (S_ISREG(st.st_mode))
            ret = add_attr(dir, dirfd(d), de->d_name);
    }
    closedir(d);
    if (ret < 0) {
        sysfs_free_dir(dir);
        return ret;
    }
    if (dir->nattrs)
        qsort(dir->attrs, dir->nattrs, sizeof(*dir->attrs), compare_attrs);
    if (dir->nentries)
        qsort(dir->entries, dir->nentries, sizeof(*dir->entries), compare_entries);
    return 0;
}

void sysfs_free_dir(struct sysfs_dir *dir)
{
    for (size_t i = 0; i < dir->nattrs; i++) {
        free(dir->attrs[i].name);
        free(dir->attrs[i].value);
    }
    for (size_t i = 0; i < dir->nentries; i++)
        free(dir->entries[i]);
    free(dir->attrs);
    free(dir->entries);
    *dir = (struct sysfs_dir){0};
}
