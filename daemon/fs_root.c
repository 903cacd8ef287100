// SPDX-License-Identifier: MIT
/*
 * FS roots that hsxd binds (fs_root.h). The directory a rule names for a
 * client is reached from "/" one component at a time, each opened with
 * O_NOFOLLOW | O_DIRECTORY relative to the last, so no symlink anybody
 * placed on the way (in a directory an application can write, say) can
 * turn hsxd's mkdir, chown or the binding towards another place; hsx.ko is
 * given the descriptor of what was walked, never a path.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "fs_root.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* The components of an absolute path: none empty, ".", or "..", no trailing '/'. */
static int check_components(const char *path, const char *what, char *why, size_t why_size)
{
    if (path[0] != '/') {
        snprintf(why, why_size, "%s must be an absolute path: '%s'", what, path);
        return -EINVAL;
    }
    for (const char *c = path + 1;;) {
        size_t len = strcspn(c, "/");
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.')) {
            snprintf(why, why_size,
                     "%s must not have an empty, '.' or '..' component, nor end with '/': '%s'",
                     what, path);
            return -EINVAL;
        }
        if (c[len] == '\0')
            return 0;
        c += len + 1;
    }
}

int fs_root_template_check(const char *tmpl, bool *uses_name, char *why, size_t why_size)
{
    *uses_name = false;
    if (strlen(tmpl) >= FS_ROOT_PATH_MAX) {
        snprintf(why, why_size, "root is longer than %d characters", FS_ROOT_PATH_MAX - 1);
        return -EINVAL;
    }
    for (const char *p = strchr(tmpl, '%'); p; p = strchr(p + 2, '%')) {
        if (p[1] != 'u' && p[1] != 'n' && p[1] != '%') {
            snprintf(why, why_size,
                     "root: '%%%c' is no escape (%%u the uid, %%n the rule's name, %%%% a '%%')",
                     p[1] ? p[1] : ' ');
            return -EINVAL;
        }
        *uses_name |= p[1] == 'n';
    }
    /* Checked as if expanded: an escape stands for one safe component's characters. */
    return check_components(tmpl, "root", why, why_size);
}

bool fs_root_name_ok(const char *name)
{
    size_t len = strlen(name);

    return len > 0 && len <= 64 &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
               len &&
           strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int fs_root_expand(const char *tmpl, uint32_t uid, const char *name, char *out, size_t size,
                   char *why, size_t why_size)
{
    size_t len = 0;
    bool uses_name;

    if (fs_root_template_check(tmpl, &uses_name, why, why_size) < 0)
        return -EINVAL;
    if (uses_name && !fs_root_name_ok(name)) {
        snprintf(why, why_size, "the rule's name '%s' cannot be a directory's (%%n)", name);
        return -EINVAL;
    }
    for (const char *p = tmpl; *p; p++) {
        char number[16];
        const char *piece = number;
        if (*p != '%') {
            number[0] = *p;
            number[1] = '\0';
        } else if (p[1] == 'u') {
            snprintf(number, sizeof(number), "%" PRIu32, uid);
        } else if (p[1] == 'n') {
            piece = name;
        } else {
            piece = "%";
        }
        p += *p == '%' && p[1];
        size_t n = strlen(piece);
        if (len + n >= size) {
            snprintf(why, why_size, "the root's directory is longer than %zu characters", size - 1);
            return -ENAMETOOLONG;
        }
        memcpy(out + len, piece, n);
        len += n;
    }
    out[len] = '\0';
    return check_components(out, "the root's directory", why, why_size);
}

/* ---- the directory ------------------------------------------------------------------------- */

/* Open name below dir, made 0700 if missing (*made). -errno. */
static int open_or_make(int dir, const char *name, bool *made)
{
    *made = false;
    for (int tries = 0; tries < 3; tries++) {
        int fd = openat(dir, name, DIR_FLAGS);
        if (fd >= 0 || errno != ENOENT)
            return fd >= 0 ? fd : -errno;
        if (mkdirat(dir, name, 0700) == 0)
            *made = true;
        else if (errno != EEXIST)
            return -errno;
    }
    return -EAGAIN;
}

int fs_root_open(const char *path, uint32_t owner_uid, uint32_t owner_gid, char *why,
                 size_t why_size)
{
    char component[FS_ROOT_PATH_MAX];
    int dir = open("/", DIR_FLAGS);
    bool made = false;

    if (dir < 0) {
        snprintf(why, why_size, "cannot open /: %s", strerror(errno));
        return -errno;
    }
    for (const char *c = path + 1; *c;) {
        size_t len = strcspn(c, "/");
        const bool last = c[len] == '\0';
        memcpy(component, c, len);
        component[len] = '\0';
        int fd = open_or_make(dir, component, &made);
        close(dir);
        if (fd < 0) {
            snprintf(why, why_size, "%s: %.*s: %s", path, (int)(c - path + (ptrdiff_t)len), path,
                     fd == -ELOOP || fd == -ENOTDIR ? "a symlink or not a directory"
                                                    : strerror(-fd));
            return fd;
        }
        dir = fd;
        /*
         * What hsxd made: 0700 whatever the umask; the root itself its owner's. The mode while
         * hsxd owns it: then no CAP_FOWNER is needed (hsxd.service's bounding set lacks it).
         */
        if (made && (fchmod(dir, 0700) < 0 || (last && fchown(dir, owner_uid, owner_gid) < 0))) {
            int err = errno;
            snprintf(why, why_size, "%s: cannot set the owner and mode of %s: %s", path, component,
                     strerror(err));
            close(dir);
            return -err;
        }
        c += len + (last ? 0 : 1);
    }
    struct stat st;
    int err = fstat(dir, &st) < 0 ? errno : st.st_uid != owner_uid ? EPERM : 0;
    if (err == EPERM)
        snprintf(why, why_size, "%s belongs to uid %u, not to the rule's owner (uid %u)", path,
                 (unsigned int)st.st_uid, owner_uid);
    else if (err)
        snprintf(why, why_size, "%s: %s", path, strerror(err));
    if (err) {
        close(dir);
        return -err;
    }
    return dir;
}

/* ---- usage --------------------------------------------------------------------------------- */

struct usage {
    dev_t dev;
    uint64_t bytes, files;
};

static int walk(int dirfd, unsigned int depth, struct usage *u)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    int ret = 0;

    if (!d) {
        ret = -errno;
        if (fd >= 0)
            close(fd);
        return ret;
    }
    while (ret == 0 && (errno = 0, e = readdir(d))) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            ret = errno == ENOENT ? 0 : -errno; /* gone meanwhile: not there */
            continue;
        }
        if (st.st_dev != u->dev)
            continue; /* another mount: hsx.ko serves nothing past it */
        if (S_ISREG(st.st_mode)) {
            u->bytes += (uint64_t)st.st_size;
            u->files++;
        } else if (S_ISDIR(st.st_mode)) {
            u->files++;
            if (depth >= FS_ROOT_DEPTH_MAX) {
                ret = -ELOOP;
                continue;
            }
            int sub = openat(fd, e->d_name, DIR_FLAGS);
            if (sub < 0) {
                ret = errno == ENOENT ? 0 : -errno;
                continue;
            }
            ret = walk(sub, depth + 1, u);
            close(sub);
        }
    }
    if (ret == 0 && errno)
        ret = -errno;
    closedir(d);
    return ret;
}

int fs_root_usage(int dirfd, uint64_t *bytes, uint64_t *files, char *why, size_t why_size)
{
    struct stat st;
    struct usage u = {0};

    if (fstat(dirfd, &st) < 0) {
        snprintf(why, why_size, "cannot measure the tree: %s", strerror(errno));
        return -errno;
    }
    u.dev = st.st_dev;
    int ret = walk(dirfd, 1, &u);
    if (ret < 0) {
        snprintf(why, why_size, "cannot measure the tree: %s",
                 ret == -ELOOP ? "directories nested too deep" : strerror(-ret));
        return ret;
    }
    *bytes = u.bytes;
    *files = u.files;
    return 0;
}

/* ---- the binding --------------------------------------------------------------------------- */

int fs_root_bind(int ctl, const struct policy_fs *fs, const char *name, uint32_t uid,
                 uint32_t *root, char *dir, size_t dir_size, char *why, size_t why_size)
{
    struct hsx_fs_map map = {
        .flags = HSX_FS_MAP_ANY, .quota_bytes = fs->quota_bytes, .quota_files = fs->quota_files};

    int ret = fs_root_expand(fs->root, uid, name, dir, dir_size, why, why_size);
    if (ret < 0)
        return ret;
    int fd = fs_root_open(dir, fs->owner_uid, fs->owner_gid, why, why_size);
    if (fd < 0)
        return fd;
    uint64_t bytes, files;
    ret = fs_root_usage(fd, &bytes, &files, why, why_size);
    if (ret < 0) {
        close(fd);
        return ret;
    }
    map.used_bytes = bytes;
    map.used_files = files;
    map.dirfd = fd;
    ret = admin_fs_map(ctl, &map);
    close(fd);
    /* Bound now, or already (HSX_FS_MAP_EXISTING: with the quotas it was bound with). */
    if (ret == 0 && map.root < HSX_FS_MAX_ROOTS) {
        *root = map.root;
        return 0;
    }
    if (ret == 0)
        ret = -EPROTO;
    if (ret == -EINVAL && (map.used_bytes > map.quota_bytes || map.used_files > map.quota_files))
        snprintf(why, why_size,
                 "%s holds %" PRIu64 " bytes in %" PRIu64 " files and directories, over the "
                 "rule's quotas (%" PRIu64 " bytes, %" PRIu64 " files)",
                 dir, (uint64_t)map.used_bytes, (uint64_t)map.used_files, (uint64_t)map.quota_bytes,
                 (uint64_t)map.quota_files);
    else if (ret == -ENOSPC)
        snprintf(why, why_size, "no FS root is free for %s: all %d are bound", dir,
                 HSX_FS_MAX_ROOTS);
    else
        snprintf(why, why_size, "hsx.ko refused to bind %s: %s", dir, strerror(-ret));
    return ret;
}
