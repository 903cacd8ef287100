/* SPDX-License-Identifier: MIT */
/*
 * The FS module's test rig (issue 16), shared by test_fs_kernel.c and
 * test_fs_attacks.c: the roots' filesystems (a tmpfs with a size limit, ext4
 * made by mkfs.ext4 on a loop device), backing directories that belong to the
 * storage owner with a sentinel tree beside them on the same filesystem, the
 * administrator's MAP, every function as a raw ioctl returning -errno, and
 * snapshots of everything outside a root (names, types, modes, owners, sizes,
 * contents, mtimes and ctimes) to show that nothing there changed.
 * Applications are cap_holder.h's holders (uid HOLDER_UID); this program is
 * root and the capability administrator. Header-only and static.
 */
#ifndef HSX_E2E_FS_RIG_H
#define HSX_E2E_FS_RIG_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "cap_holder.h"
#include "e2e.h"
#include "hsx_uapi.h"

#define OWNER_UID 2000 /* the storage owner: every backing directory is its, 0700 */
#define SECRET "SECRET outside the tree\n"
#define OWNED "OWNED by the storage owner, outside the tree\n"
#define SUBFILE "a file in a directory outside the tree\n"

/* ---- Failing in an application, with what came back ---------------------------- */

static const char *fs_row = ""; /* the attack row or step under way, for the messages */

#define ROW(text) (fs_row = (text))

/* In a child: got must be want (errnos as -E...), else exit with the line. */
#define CHILD_EQ(got, want)                                                                        \
    do {                                                                                           \
        long long got_ = (long long)(got), want_ = (long long)(want);                              \
        if (got_ != want_) {                                                                       \
            fprintf(stderr,                                                                        \
                    "child check failed at line %d [%s]: %s is %lld (%s), not %lld (%s)\n",        \
                    __LINE__, fs_row, #got, got_, got_ < 0 ? strerror((int)-got_) : "-", want_,    \
                    want_ < 0 ? strerror((int)-want_) : "-");                                      \
            _exit((__LINE__ % 255) + 1);                                                           \
        }                                                                                          \
    } while (0)

/* ---- The functions, as ioctls: a value, or -errno --------------------------------- */

static inline struct hsx_fs_path fs_pathn(const void *p, size_t len)
{
    struct hsx_fs_path x = {.ptr = (uintptr_t)p, .len = (uint32_t)len};

    return x;
}

static inline struct hsx_fs_path fs_path(const char *p)
{
    return fs_pathn(p, strlen(p));
}

static inline int fs_openp(int fd, uint32_t root, struct hsx_fs_path p, uint32_t flags)
{
    struct hsx_fs_open o = {.root = root, .flags = flags, .path = p, .handle = -1};
    int ret = e2e_ioctl(fd, HSX_IOC_FS_OPEN, &o);

    return ret < 0 ? ret : o.handle;
}

static inline int fs_open(int fd, uint32_t root, const char *path, uint32_t flags)
{
    return fs_openp(fd, root, fs_path(path), flags);
}

/* READ or WRITE of len bytes; at < 0: at the handle's position, else HSX_FS_IO_AT there. */
static inline long fs_io(int fd, unsigned long cmd, int h, const void *buf, size_t len, int64_t at)
{
    struct hsx_fs_io io = {.handle = h, .buf = (uintptr_t)buf, .len = (uint32_t)len};
    int ret;

    if (at >= 0) {
        io.flags = HSX_FS_IO_AT;
        io.offset = (uint64_t)at;
    }
    ret = e2e_ioctl(fd, cmd, &io);
    return ret < 0 ? ret : (long)io.done;
}

static inline long fs_read(int fd, int h, void *buf, size_t len)
{
    return fs_io(fd, HSX_IOC_FS_READ, h, buf, len, -1);
}

static inline long fs_write(int fd, int h, const void *buf, size_t len)
{
    return fs_io(fd, HSX_IOC_FS_WRITE, h, buf, len, -1);
}

static inline long fs_pread(int fd, int h, void *buf, size_t len, int64_t at)
{
    return fs_io(fd, HSX_IOC_FS_READ, h, buf, len, at);
}

static inline long fs_pwrite(int fd, int h, const void *buf, size_t len, int64_t at)
{
    return fs_io(fd, HSX_IOC_FS_WRITE, h, buf, len, at);
}

static inline long fs_puts(int fd, int h, const char *text)
{
    return fs_write(fd, h, text, strlen(text));
}

static inline int fs_handle_op(int fd, unsigned long cmd, int h, uint32_t whence, int64_t *offset)
{
    struct hsx_fs_handle_op op = {.handle = h, .whence = whence, .offset = offset ? *offset : 0};
    int ret = e2e_ioctl(fd, cmd, &op);

    if (!ret && offset)
        *offset = op.offset;
    return ret;
}

static inline int fs_close(int fd, int h)
{
    return fs_handle_op(fd, HSX_IOC_FS_CLOSE, h, 0, NULL);
}

static inline int fs_fsync(int fd, int h)
{
    return fs_handle_op(fd, HSX_IOC_FS_FSYNC, h, 0, NULL);
}

static inline int fs_truncate(int fd, int h, int64_t size)
{
    return fs_handle_op(fd, HSX_IOC_FS_TRUNCATE, h, 0, &size);
}

/* The new position, or -errno. */
static inline int64_t fs_seek(int fd, int h, int64_t offset, uint32_t whence)
{
    int ret = fs_handle_op(fd, HSX_IOC_FS_SEEK, h, whence, &offset);

    return ret < 0 ? ret : offset;
}

static inline int fs_statp(int fd, uint32_t root, struct hsx_fs_path p, struct hsx_fs_stat *st)
{
    struct hsx_fs_stat s = {.root = root, .handle = -1, .path = p};
    int ret = e2e_ioctl(fd, HSX_IOC_FS_STAT, &s);

    if (st)
        *st = s;
    return ret;
}

static inline int fs_stat(int fd, uint32_t root, const char *path, struct hsx_fs_stat *st)
{
    return fs_statp(fd, root, fs_path(path), st);
}

static inline int fs_fstat(int fd, uint32_t root, int h, struct hsx_fs_stat *st)
{
    struct hsx_fs_stat s = {.root = root, .handle = h};
    int ret = e2e_ioctl(fd, HSX_IOC_FS_STAT, &s);

    if (st)
        *st = s;
    return ret;
}

/* LISTDIR into buf (max bytes); the struct as the kernel left it in *l. */
static inline int fs_listp(int fd, uint32_t root, struct hsx_fs_path p, char *buf, uint32_t max,
                           struct hsx_fs_listdir *l)
{
    struct hsx_fs_listdir x = {.root = root, .max = max, .path = p, .buf = (uintptr_t)buf};
    int ret = e2e_ioctl(fd, HSX_IOC_FS_LISTDIR, &x);

    if (l)
        *l = x;
    return ret;
}

static inline int fs_list(int fd, uint32_t root, const char *path, char *buf, uint32_t max,
                          struct hsx_fs_listdir *l)
{
    return fs_listp(fd, root, fs_path(path), buf, max, l);
}

static inline int fs_pathop(int fd, unsigned long cmd, uint32_t root, struct hsx_fs_path p,
                            struct hsx_fs_path p2, uint32_t flags)
{
    struct hsx_fs_pathop op = {.root = root, .flags = flags, .path = p, .path2 = p2};

    return e2e_ioctl(fd, cmd, &op);
}

static inline int fs_deletep(int fd, uint32_t root, struct hsx_fs_path p)
{
    return fs_pathop(fd, HSX_IOC_FS_DELETE, root, p, fs_pathn(NULL, 0), 0);
}

static inline int fs_delete(int fd, uint32_t root, const char *path)
{
    return fs_deletep(fd, root, fs_path(path));
}

static inline int fs_mkdirp(int fd, uint32_t root, struct hsx_fs_path p)
{
    return fs_pathop(fd, HSX_IOC_FS_MKDIR, root, p, fs_pathn(NULL, 0), 0);
}

static inline int fs_mkdir(int fd, uint32_t root, const char *path)
{
    return fs_mkdirp(fd, root, fs_path(path));
}

static inline int fs_rename(int fd, uint32_t root, const char *from, const char *to, uint32_t flags)
{
    return fs_pathop(fd, HSX_IOC_FS_RENAME, root, fs_path(from), fs_path(to), flags);
}

static inline int fs_replacep(int fd, uint32_t root, struct hsx_fs_path p, const void *buf,
                              size_t len)
{
    struct hsx_fs_replace r = {
        .root = root, .path = p, .buf = (uintptr_t)buf, .len = (uint32_t)len};

    return e2e_ioctl(fd, HSX_IOC_FS_REPLACE, &r);
}

static inline int fs_replace(int fd, uint32_t root, const char *path, const char *text)
{
    return fs_replacep(fd, root, fs_path(path), text, strlen(text));
}

static inline int fs_info(int fd, uint32_t root, struct hsx_fs_info *info)
{
    memset(info, 0, sizeof(*info));
    info->root = root;
    return e2e_ioctl(fd, HSX_IOC_FS_INFO, info);
}

/* A whole small file through hsx: its bytes (NUL-terminated) in buf, or -errno. */
static inline long fs_slurp(int fd, uint32_t root, const char *path, char *buf, size_t size)
{
    int h = fs_open(fd, root, path, HSX_FS_O_RDONLY);
    long n;

    if (h < 0)
        return h;
    n = fs_read(fd, h, buf, size - 1);
    buf[n < 0 ? 0 : n] = '\0';
    fs_close(fd, h);
    return n;
}

/* Create (or truncate) path and write text to it through hsx: 0 or -errno. */
static inline int fs_put(int fd, uint32_t root, const char *path, const char *text)
{
    int h = fs_open(fd, root, path, HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_TRUNC);
    long n;

    if (h < 0)
        return h;
    n = fs_puts(fd, h, text);
    fs_close(fd, h);
    return n < 0 ? (int)n : (n == (long)strlen(text) ? 0 : -EIO);
}

/* ---- The administrator ---------------------------------------------------------- */

static inline union hsx_cap_selector fs_roots(uint32_t mask)
{
    union hsx_cap_selector sel = {.fs.roots = mask};

    return sel;
}

static uint32_t fs_map_flags_out; /* the flags MAP answered last */

/* MAP dir (a path) as root (HSX_FS_MAP_ANY: *root out), with its usage stated. */
static inline int fs_map(uint32_t *root, const char *dir, uint32_t flags, uint64_t quota_bytes,
                         uint64_t quota_files, uint64_t used_bytes, uint64_t used_files)
{
    struct hsx_fs_map m = {.root = *root,
                           .flags = flags,
                           .quota_bytes = quota_bytes,
                           .quota_files = quota_files,
                           .used_bytes = used_bytes,
                           .used_files = used_files};
    int ret;

    m.dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (m.dirfd < 0)
        fail_msg("open %s: %s", dir, strerror(errno));
    ret = e2e_ioctl(admin_fd, HSX_IOC_FS_MAP, &m);
    close(m.dirfd);
    if (!ret) {
        *root = m.root;
        fs_map_flags_out = m.flags;
    }
    return ret;
}

static inline int fs_unmap(uint32_t root)
{
    struct hsx_fs_map m = {.root = root, .dirfd = -1};

    return e2e_ioctl(admin_fd, HSX_IOC_FS_MAP, &m);
}

/* Files (regular files and directories) and bytes below dir, as MAP wants them stated. */
static inline void fs_usage_of(const char *dir, uint64_t *bytes, uint64_t *files)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        fail_msg("opendir %s: %s", dir, strerror(errno));
    while ((e = readdir(d))) {
        char path[1200];
        struct stat st;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st))
            fail_msg("lstat %s: %s", path, strerror(errno));
        if (S_ISREG(st.st_mode)) {
            *bytes += (uint64_t)st.st_size;
            *files += 1;
        } else if (S_ISDIR(st.st_mode)) {
            *files += 1;
            fs_usage_of(path, bytes, files);
        }
    }
    closedir(d);
}

/* ---- The filesystems --------------------------------------------------------------- */

static inline void rig_mkdir(const char *path, uid_t uid, mode_t mode)
{
    if (mkdir(path, mode) && errno != EEXIST)
        fail_msg("mkdir %s: %s", path, strerror(errno));
    if (chown(path, uid, uid) || chmod(path, mode))
        fail_msg("chown/chmod %s: %s", path, strerror(errno));
}

/* A file with text, owned by uid with mode (as root, behind hsx's back). */
static inline void rig_file(const char *path, const char *text, uid_t uid, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);

    if (fd < 0)
        fail_msg("create %s: %s", path, strerror(errno));
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fchown(fd, uid, uid) ||
        fchmod(fd, mode))
        fail_msg("write %s: %s", path, strerror(errno));
    close(fd);
}

/* What path holds (as root), NUL-terminated in buf: its length, or -errno. */
static inline long rig_read(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    long n;

    if (fd < 0)
        return -errno;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return n;
}

static inline void rig_tmpfs(const char *mnt, unsigned int size_kib)
{
    char opts[64];

    rig_mkdir(mnt, 0, 0755);
    snprintf(opts, sizeof(opts), "size=%uk,mode=0755", size_kib);
    if (mount("fse-tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, opts))
        fail_msg("mount tmpfs on %s: %s", mnt, strerror(errno));
}

/* mkfs.ext4 on an image file of size_mib, attached to a free loop device, mounted on mnt. */
static inline void rig_ext4(const char *img, const char *mnt, unsigned int size_mib)
{
    char cmd[256], dev[32];
    int ctl, n, lfd, ifd;

    ifd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (ifd < 0 || ftruncate(ifd, (off_t)size_mib << 20))
        fail_msg("image %s: %s", img, strerror(errno));
    snprintf(cmd, sizeof(cmd),
             "mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 %s >/dev/null", img);
    if (system(cmd))
        fail_msg("%s failed: the VM image needs mkfs.ext4 (tests/vm/run copies e2fsprogs')", cmd);
    ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0)
        fail_msg("/dev/loop-control: %s (loop.ko: tests/vm/run loads it)", strerror(errno));
    n = ioctl(ctl, LOOP_CTL_GET_FREE);
    if (n < 0)
        fail_msg("LOOP_CTL_GET_FREE: %s", strerror(errno));
    snprintf(dev, sizeof(dev), "/dev/loop%d", n);
    lfd = open(dev, O_RDWR | O_CLOEXEC);
    if (lfd < 0)
        fail_msg("%s: %s", dev, strerror(errno));
    /* Detached by itself when unmounted. */
    struct loop_config cfg = {.fd = (uint32_t)ifd, .info.lo_flags = LO_FLAGS_AUTOCLEAR};
    if (ioctl(lfd, LOOP_CONFIGURE, &cfg))
        fail_msg("LOOP_CONFIGURE %s: %s", dev, strerror(errno));
    rig_mkdir(mnt, 0, 0755);
    if (mount(dev, mnt, "ext4", MS_NOSUID | MS_NODEV, NULL))
        fail_msg("mount ext4 %s on %s: %s (ext4.ko: tests/vm/run loads it)", dev, mnt,
                 strerror(errno));
    close(lfd);
    close(ifd);
    close(ctl);
}

/*
 * <mnt>/outside, beside the roots on the same filesystem: a file of root's
 * anyone may read, a file and a directory of the storage owner's (so that
 * only hsx, not the permissions, keeps an application from them), in a
 * directory the storage owner may write.
 */
static inline void rig_sentinel(const char *mnt)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/outside", mnt);
    rig_mkdir(path, OWNER_UID, 0755);
    snprintf(path, sizeof(path), "%s/outside/secret", mnt);
    rig_file(path, SECRET, 0, 0644);
    snprintf(path, sizeof(path), "%s/outside/owned", mnt);
    rig_file(path, OWNED, OWNER_UID, 0600);
    snprintf(path, sizeof(path), "%s/outside/sub", mnt);
    rig_mkdir(path, OWNER_UID, 0700);
    snprintf(path, sizeof(path), "%s/outside/sub/file", mnt);
    rig_file(path, SUBFILE, OWNER_UID, 0600);
}

/* ---- Snapshots: nothing outside the roots changes -------------------------------- */

struct snap {
    char **lines;
    size_t n, cap;
};

static inline uint64_t snap_hash(const char *path)
{
    uint64_t h = 1469598103934665603ull;
    unsigned char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    ssize_t n;

    if (fd < 0)
        return 0;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 1099511628211ull;
    close(fd);
    return h;
}

static inline void snap_add(struct snap *s, const char *line)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->lines = realloc(s->lines, s->cap * sizeof(*s->lines));
        assert_non_null(s->lines);
    }
    s->lines[s->n] = strdup(line);
    assert_non_null(s->lines[s->n]);
    s->n++;
}

/* Every entry below dir (rel its name from the top), but the subtrees named in skip. */
static inline void snap_walk(struct snap *s, const char *dir, const char *rel,
                             const char *const *skip)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        fail_msg("opendir %s: %s", dir, strerror(errno));
    while ((e = readdir(d))) {
        char path[1200], name[1200], line[1500], target[256] = "";
        struct stat st;
        bool skipped = false;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        snprintf(name, sizeof(name), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        for (const char *const *k = skip; k && *k; k++)
            skipped |= !strcmp(name, *k);
        if (lstat(path, &st))
            fail_msg("lstat %s: %s", path, strerror(errno));
        if (S_ISLNK(st.st_mode) && readlink(path, target, sizeof(target) - 1) < 0)
            fail_msg("readlink %s: %s", path, strerror(errno));
        snprintf(line, sizeof(line),
                 "%s mode %o uid %u size %lld nlink %lu mtime %lld.%09ld "
                 "ctime %lld.%09ld data %016llx%s%s",
                 name, (unsigned int)st.st_mode, (unsigned int)st.st_uid, (long long)st.st_size,
                 (unsigned long)st.st_nlink, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                 (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
                 S_ISREG(st.st_mode) ? (unsigned long long)snap_hash(path) : 0ull,
                 *target ? " -> " : "", target);
        snap_add(s, skipped ? name : line);
        if (S_ISDIR(st.st_mode) && !skipped)
            snap_walk(s, path, name, skip);
    }
    closedir(d);
}

static inline int snap_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What is below top now; the roots' own trees (skip, relative to top) only by name. */
static inline void snap_take(struct snap *s, const char *top, const char *const *skip)
{
    s->n = 0;
    snap_walk(s, top, "", skip);
    qsort(s->lines, s->n, sizeof(*s->lines), snap_cmp);
}

static inline void snap_free(struct snap *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->lines[i]);
    free(s->lines);
    memset(s, 0, sizeof(*s));
}

/* Fail, showing what differs, unless top is as it was at before. */
static inline void snap_check(const struct snap *before, const char *top, const char *const *skip)
{
    struct snap now = {0};
    size_t i = 0, j = 0;
    int diffs = 0;

    snap_take(&now, top, skip);
    while (i < before->n || j < now.n) {
        int c = i == before->n ? 1 : j == now.n ? -1 : strcmp(before->lines[i], now.lines[j]);

        if (c == 0) {
            i++, j++;
            continue;
        }
        if (c < 0)
            fprintf(stderr, "outside the roots, was: %s\n", before->lines[i++]);
        else
            fprintf(stderr, "outside the roots, now: %s\n", now.lines[j++]);
        diffs++;
    }
    snap_free(&now);
    if (diffs)
        fail_msg("%d change(s) below %s, outside the roots", diffs, top);
}

/* ---- A test's rig: filesystems, roots, applications ------------------------------- */

struct fsys {
    const char *name;
    char mnt[64];
};

static int fsnode = -1;       /* /dev/hsx/fs, opened by root (no capability needed) */
static uint32_t R;            /* the root of the test under way: what applications are granted */
static const char *skips[64]; /* the roots' directories, by name below their mount */
static int nskips;

/* The roots' filesystems below base: a tmpfs of tmpfs_kib, and ext4 of ext4_mib on a loop. */
static inline void rig_up(const char *base, struct fsys *tmpfs, unsigned int tmpfs_kib,
                          struct fsys *ext4, unsigned int ext4_mib)
{
    char img[96];

    rig_mkdir(base, 0, 0755);
    snprintf(tmpfs->mnt, sizeof(tmpfs->mnt), "%s/tmpfs", base);
    rig_tmpfs(tmpfs->mnt, tmpfs_kib);
    rig_sentinel(tmpfs->mnt);
    if (ext4) {
        snprintf(ext4->mnt, sizeof(ext4->mnt), "%s/ext4", base);
        snprintf(img, sizeof(img), "%s/ext4.img", base);
        rig_ext4(img, ext4->mnt, ext4_mib);
        rig_sentinel(ext4->mnt);
    }
    fsnode = e2e_open_node("fs");
}

static inline void rig_down(const char *base, struct fsys *tmpfs, struct fsys *ext4)
{
    char img[96];

    for (uint32_t i = 0; i < HSX_FS_MAX_ROOTS; i++)
        fs_unmap(i);
    if (fsnode >= 0)
        close(fsnode);
    umount2(tmpfs->mnt, MNT_DETACH);
    if (ext4) {
        umount2(ext4->mnt, MNT_DETACH);
        snprintf(img, sizeof(img), "%s/ext4.img", base);
        unlink(img);
    }
}

/* A test's teardown: whatever it left bound (a failed check skips its root_end()), unbound. */
static inline int unmap_all(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < HSX_FS_MAX_ROOTS; i++)
        fs_unmap(i);
    return 0;
}

struct rooted {
    const struct fsys *fs;
    char dir[160];
    uint32_t root;
    struct snap outside;
};

/*
 * A fresh root for a test: <mnt>/<name>, the storage owner's, bound with these
 * quotas (and the usage found in it, for a directory the test filled first)
 * to the first free root, which R names; what is outside it, remembered.
 */
static inline void root_begin(struct rooted *r, const struct fsys *fs, const char *name,
                              uint32_t flags, uint64_t quota_bytes, uint64_t quota_files)
{
    uint64_t bytes = 0, files = 0;
    int known = 0;

    r->fs = fs;
    snprintf(r->dir, sizeof(r->dir), "%s/%s", fs->mnt, name);
    if (access(r->dir, F_OK))
        rig_mkdir(r->dir, OWNER_UID, 0700);
    for (int i = 0; i < nskips; i++)
        known |= !strcmp(skips[i], name);
    if (!known && nskips < 63)
        skips[nskips++] = name;
    fs_usage_of(r->dir, &bytes, &files);
    assert_int_equal(
        fs_map(&r->root, r->dir, flags | HSX_FS_MAP_ANY, quota_bytes, quota_files, bytes, files),
        0);
    assert_int_equal(fs_map_flags_out & HSX_FS_MAP_EXISTING, 0);
    R = r->root;
    memset(&r->outside, 0, sizeof(r->outside));
    snap_take(&r->outside, fs->mnt, skips);
}

/* INFO's usage is the tree's, exactly. */
static inline void root_usage_exact(const struct rooted *r)
{
    struct hsx_fs_info info;
    uint64_t bytes = 0, files = 0;

    fs_usage_of(r->dir, &bytes, &files);
    assert_int_equal(fs_info(fsnode, r->root, &info), 0);
    assert_int_equal(info.bound, 1);
    if (info.used_bytes != bytes || info.used_files != files)
        fail_msg("root %u (%s): INFO says %llu bytes, %llu files; the tree holds %llu, %llu",
                 r->root, r->dir, (unsigned long long)info.used_bytes,
                 (unsigned long long)info.used_files, (unsigned long long)bytes,
                 (unsigned long long)files);
}

/* The end of a test's root: nothing outside it changed, its usage exact, unbound. */
static inline void root_end(struct rooted *r)
{
    snap_check(&r->outside, r->fs->mnt, skips);
    snap_free(&r->outside);
    root_usage_exact(r);
    assert_int_equal(fs_unmap(r->root), 0);
}

/* Run fn as an application on /dev/hsx/<node>, granted rights on the roots in mask. */
static inline int run_fs_app(const char *node, int (*fn)(int fd, int sock), uint32_t rights,
                             uint32_t mask)
{
    struct holder h;

    start_holder(&h, node, fn);
    assert_int_equal(mint(h.file, HSX_MODULE_FS, rights, fs_roots(mask), 600000000000ull, NULL), 0);
    send_byte(h.sock, 'g');
    return finish_holder(&h);
}

#define RW (HSX_CAP_R_READ | HSX_CAP_R_WRITE)

/* The group: the administrator, a tmpfs of 8 MiB and ext4 of 32 MiB below rig_base. */
static struct fsys on_tmpfs = {.name = "tmpfs"}, on_ext4 = {.name = "ext4"};
static const char *rig_base;

static inline int rig_group_setup(void **state)
{
    if (cap_admin_claim(state))
        return -1;
    rig_up(rig_base, &on_tmpfs, 8192, &on_ext4, 32);
    return 0;
}

static inline int rig_group_teardown(void **state)
{
    rig_down(rig_base, &on_tmpfs, &on_ext4);
    return cap_admin_release(state);
}

/* A test on one of the filesystems, named so; whatever it left bound is unbound after it. */
#define ON(fn, where)                                                                              \
    {                                                                                              \
#fn " (" #where ")", fn, NULL, unmap_all, &where                                           \
    }

/* Bytes of a pseudo-random pattern, the same for the same seed. */
static inline void fill(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
}

#endif /* HSX_E2E_FS_RIG_H */
