// SPDX-License-Identifier: MIT
/*
 * hsxctl fs map | unmap | ls | cat | put | rm | mv | mkdir | stat | df.
 *
 * The administrator's view of the FS module's roots: a root is bound to a
 * directory (map, through /dev/hsx/ctl, with the usage measured here), and
 * what lies beneath it is read and changed through /dev/hsx/fs, opened with
 * CAP_SYS_ADMIN (privileged: no capability needed), with the ioctls of
 * hsx_uapi.h, so that the kernel's confinement and quotas apply to the
 * administrator's changes as to an application's.
 */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hsx_uapi.h"
#include "hsxctl.h"
#include "output.h"
#include "sysfs.h"

static const struct hsxctl_kind fs_kind = {
    .noun = "root", .group = "fs", .list = "df", .target = "directory", .a = "a"};

/* How many times ls asks again for a directory that grew since it was measured. */
#define LISTDIR_TRIES 8

/* What a path is called in messages: the root itself when it is empty. */
static const char *shown(const char *path)
{
    return path[0] ? path : ".";
}

/* A failed FS call (errno err) about path (NULL: the root) of root. Returns 1. */
static int fs_fail(int err, unsigned int root, const char *what, const char *path)
{
    if (err == ENXIO)
        return hsxctl_not_bound(&fs_kind, root);
    if (err == ENODEV)
        hsxctl_error("root %u was unbound while in use", root);
    else if (err == ENOTTY)
        hsxctl_error("this hsx.ko has no FS module: %s", strerror(err));
    else if (err == EACCES || err == EPERM)
        hsxctl_error("cannot %s root %u: %s (the fs commands need root: CAP_SYS_ADMIN)", what, root,
                     strerror(err));
    else if (!path)
        hsxctl_error("cannot %s root %u: %s", what, root, strerror(err));
    else if (err == EDQUOT)
        hsxctl_error("cannot %s '%s' on root %u: %s (see 'hsxctl fs df %u')", what, shown(path),
                     root, strerror(err), root);
    else
        hsxctl_error("cannot %s '%s' on root %u: %s", what, shown(path), root, strerror(err));
    return HSXCTL_EXIT_FAILURE;
}

/* /dev/hsx/fs, or -1 after saying why not. */
static int fs_open(void)
{
    static const char node[] = HSX_DEV_PATH(HSX_DEV_FS);
    int fd = open(node, O_RDWR | O_CLOEXEC);

    if (fd >= 0)
        return fd;
    if (errno == ENOENT && require_hsx_loaded())
        hsxctl_error("this hsx.ko has no FS module (no %s)", node);
    else if (errno != ENOENT)
        hsxctl_error("cannot open %s: %s", node, strerror(errno));
    return -1;
}

/* An ioctl on fd: 0 or its errno. */
static int fs_ioctl(int fd, unsigned long request, void *arg)
{
    return ioctl(fd, request, arg) == 0 ? 0 : errno;
}

static struct hsx_fs_path fs_path_of(const char *path)
{
    return (struct hsx_fs_path){.ptr = (uintptr_t)path, .len = (uint32_t)strlen(path)};
}

/* ---- map, unmap --------------------------------------------------------------------- */

/* What a tree holds, as the kernel counts it (struct hsx_fs_map). */
struct fs_usage {
    uint64_t bytes, files;
};

/*
 * Measure the tree at dir (a canonical path): its regular files' sizes and
 * its regular files and directories below it, without following symbolic
 * links or entering other mounts (the kernel's lookups cross neither).
 * Returns 0, or -1 after saying why.
 */
static int measure(const char *dir, struct fs_usage *usage)
{
    char *paths[] = {(char *)dir, NULL};
    FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
    FTSENT *e;
    dev_t dev = 0;
    int ret = 0;

    if (!fts) {
        hsxctl_error("cannot walk %s: %s", dir, strerror(errno));
        return -1;
    }
    *usage = (struct fs_usage){0};
    errno = 0;
    while (ret == 0 && (e = fts_read(fts)) != NULL) {
        if (e->fts_level == FTS_ROOTLEVEL) {
            dev = e->fts_statp->st_dev;
            if (e->fts_info == FTS_D || e->fts_info == FTS_DP)
                continue;
        }
        switch (e->fts_info) {
        case FTS_D:
            if (e->fts_statp->st_dev != dev) {
                fts_set(fts, e, FTS_SKIP); /* a mount: beyond the root's reach */
                break;
            }
            usage->files++;
            break;
        case FTS_F:
            usage->files++;
            usage->bytes += (uint64_t)e->fts_statp->st_size;
            break;
        case FTS_DNR:
        case FTS_ERR:
        case FTS_NS:
            hsxctl_error("cannot measure %s: %s", e->fts_path, strerror(e->fts_errno));
            ret = -1;
            break;
        default: /* directories left, symbolic links, FIFOs, device nodes, sockets */
            break;
        }
        errno = 0;
    }
    if (ret == 0 && errno) {
        hsxctl_error("cannot walk %s: %s", dir, strerror(errno));
        ret = -1;
    }
    fts_close(fts);
    return ret;
}

static int fs_unmap(const struct hsxctl_cmdline *cmd)
{
    struct hsx_fs_map arg = {.root = cmd->root, .dirfd = -1};
    int ret = hsxctl_map(&(struct hsxctl_map){.module = "FS",
                                              .noun = "root",
                                              .index = cmd->root,
                                              .name = "",
                                              .request = HSX_IOC_FS_MAP,
                                              .arg = &arg});

    if (ret >= 0)
        return ret;
    hsxctl_error("unbinding root %u failed: %s", cmd->root, strerror(-ret));
    return HSXCTL_EXIT_FAILURE;
}

/* Say why HSX_IOC_FS_MAP failed with err. Returns 1. */
static int map_failed(int err, const struct hsxctl_cmdline *cmd, const char *dir)
{
    if (err == EBUSY)
        hsxctl_error("root %u is bound: unbind it first ('hsxctl fs unmap %u')", cmd->root,
                     cmd->root);
    else if (err == EEXIST)
        hsxctl_error("%s is bound to another root: a directory is one root only ('hsxctl fs df' "
                     "shows which)",
                     dir);
    else if (err == ENOSPC)
        hsxctl_error("no free root: all %d are bound (see 'hsxctl fs df')", HSX_FS_MAX_ROOTS);
    else if (err == EPERM || err == EACCES)
        hsxctl_error("binding an FS root needs CAP_SYS_ADMIN: %s", strerror(err));
    else if (err == ENOTTY)
        hsxctl_error("this hsx.ko has no FS module: %s", strerror(err));
    else
        hsxctl_error("hsx.ko refused to bind %s: %s", dir, strerror(err));
    return HSXCTL_EXIT_FAILURE;
}

/* INFO of root into *info: 0 or an errno (-1: /dev/hsx/fs could not be opened, said why). */
static int root_info(unsigned int root, struct hsx_fs_info *info)
{
    int fd = fs_open(), err = -1;

    *info = (struct hsx_fs_info){.root = root};
    if (fd >= 0) {
        err = fs_ioctl(fd, HSX_IOC_FS_INFO, info);
        close(fd);
    }
    return err;
}

/* What map did: root bound to dir with what info says, now or before (existing). */
static void print_mapped(const struct hsxctl_cmdline *cmd, const char *dir,
                         const struct hsx_fs_info *info, bool existing)
{
    const bool read_only = info->flags & HSX_FS_MAP_READ_ONLY;

    if (cmd->json) {
        printf("{\"root\":%u,\"dir\":", info->root);
        json_string(stdout, dir);
        printf(",\"existing\":%s,\"quota_bytes\":%llu,\"used_bytes\":%llu,\"quota_files\":%llu,"
               "\"used_files\":%llu,\"read_only\":%s}\n",
               existing ? "true" : "false", (unsigned long long)info->quota_bytes,
               (unsigned long long)info->used_bytes, (unsigned long long)info->quota_files,
               (unsigned long long)info->used_files, read_only ? "true" : "false");
        return;
    }
    printf("root %u %s to %s (%llu of %llu bytes, %llu of %llu files)%s\n", info->root,
           existing ? "was bound already" : "bound", dir, (unsigned long long)info->used_bytes,
           (unsigned long long)info->quota_bytes, (unsigned long long)info->used_files,
           (unsigned long long)info->quota_files, read_only ? ", read-only" : "");
}

int cmd_fs_map(const struct hsxctl_cmdline *cmd)
{
    struct fs_usage usage;
    char *dir;
    int fd, err;

    if (cmd->command == HSXCTL_FS_UNMAP)
        return fs_unmap(cmd);
    dir = realpath(cmd->dir, NULL);
    if (!dir) {
        hsxctl_error("cannot bind %s: %s", cmd->dir, strerror(errno));
        return HSXCTL_EXIT_FAILURE;
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || measure(dir, &usage) < 0) {
        if (fd < 0)
            hsxctl_error("cannot bind %s: %s", dir, strerror(errno));
        else
            close(fd);
        free(dir);
        return HSXCTL_EXIT_FAILURE;
    }
    struct hsx_fs_map arg = {
        .root = cmd->root,
        .flags = (cmd->read_only ? HSX_FS_MAP_READ_ONLY : 0) | (cmd->any_root ? HSX_FS_MAP_ANY : 0),
        .dirfd = fd,
        .quota_bytes = cmd->quota_bytes,
        .quota_files = cmd->quota_files,
        .used_bytes = usage.bytes,
        .used_files = usage.files,
    };
    if (usage.bytes > cmd->quota_bytes || usage.files > cmd->quota_files) {
        const bool bytes = usage.bytes > cmd->quota_bytes;
        hsxctl_error("%s holds %" PRIu64 " bytes in %" PRIu64
                     " files and directories: more than --quota-%s %" PRIu64,
                     dir, usage.bytes, usage.files, bytes ? "bytes" : "files",
                     bytes ? cmd->quota_bytes : cmd->quota_files);
        err = -1;
    } else {
        err = ctl_ioctl("binding an FS root", HSX_IOC_FS_MAP, &arg);
    }
    close(fd);
    if (err > 0)
        map_failed(err, cmd, dir);
    const bool existing = err == 0 && (arg.flags & HSX_FS_MAP_EXISTING);
    struct hsx_fs_info info = {
        .root = arg.root,
        .flags = arg.flags,
        .quota_bytes = arg.quota_bytes,
        .used_bytes = arg.used_bytes,
        .quota_files = arg.quota_files,
        .used_files = arg.used_files,
    };
    /* Bound before: with the quotas, flags and usage it has, not these. */
    if (existing) {
        int info_err = root_info(arg.root, &info);
        if (info_err > 0)
            fs_fail(info_err, arg.root, "describe", NULL);
        err = info_err ? -1 : 0;
    }
    if (err == 0)
        print_mapped(cmd, dir, &info, existing);
    free(dir);
    return err ? HSXCTL_EXIT_FAILURE : HSXCTL_EXIT_OK;
}

/* ---- ls ----------------------------------------------------------------------------- */

/* The names in buf (len bytes, each followed by '\n') as a JSON array; buf has room for a NUL. */
static void print_names_json(char *buf, uint32_t len)
{
    bool first = true;

    buf[len] = '\0';
    fputc('[', stdout);
    for (char *name = buf, *end; *name; name = end + 1) {
        end = strchr(name, '\n');
        if (!end)
            end = name + strlen(name) - 1; /* not the kernel's form; shown as it is */
        else
            *end = '\0';
        if (!first)
            fputc(',', stdout);
        json_string(stdout, name);
        first = false;
    }
    fputc(']', stdout);
}

/*
 * LISTDIR of path into *buf (grown as the kernel says it needs). Returns 0,
 * an errno, or -1 after saying why.
 */
static int list(int fd, const struct hsxctl_cmdline *cmd, char **buf, struct hsx_fs_listdir *arg)
{
    uint32_t max = 4096;

    for (int tries = 0; tries < LISTDIR_TRIES; tries++) {
        char *bigger = realloc(*buf, (size_t)max + 1);
        if (!bigger)
            return ENOMEM;
        *buf = bigger;
        *arg = (struct hsx_fs_listdir){
            .root = cmd->root, .max = max, .path = fs_path_of(cmd->path), .buf = (uintptr_t)*buf};
        int err = fs_ioctl(fd, HSX_IOC_FS_LISTDIR, arg);
        /* Names that do not fit: nothing written, and what they need. */
        if (err || arg->needed <= max)
            return err;
        if (arg->needed > HSX_FS_LIST_MAX) {
            hsxctl_error("the names in '%s' on root %u need %" PRIu32
                         " bytes: more than a listing holds (%u)",
                         shown(cmd->path), cmd->root, arg->needed, HSX_FS_LIST_MAX);
            return -1;
        }
        /* It may grow before the next call: the room it needs, and as much again. */
        max = arg->needed > HSX_FS_LIST_MAX / 2 ? HSX_FS_LIST_MAX : arg->needed * 2;
    }
    hsxctl_error("the directory '%s' on root %u kept growing while it was listed", shown(cmd->path),
                 cmd->root);
    return -1;
}

int cmd_fs_ls(const struct hsxctl_cmdline *cmd)
{
    struct hsx_fs_listdir arg;
    char *buf = NULL;
    int fd = fs_open(), err;

    if (fd < 0)
        return HSXCTL_EXIT_FAILURE;
    err = list(fd, cmd, &buf, &arg);
    close(fd);
    if (err) {
        free(buf);
        return err < 0 ? HSXCTL_EXIT_FAILURE : fs_fail(err, cmd->root, "list", cmd->path);
    }
    if (cmd->json) {
        printf("{\"root\":%u,\"path\":", cmd->root);
        json_string(stdout, cmd->path);
        printf(",\"count\":%" PRIu32 ",\"names\":", arg.count);
        print_names_json(buf, arg.len);
        puts("}");
    } else {
        fwrite(buf, 1, arg.len, stdout);
    }
    free(buf);
    return HSXCTL_EXIT_OK;
}

/* ---- cat ------------------------------------------------------------------------------- */

/* OPEN path of root with flags: the handle, or -errno. */
static int fs_open_file(int fd, unsigned int root, const char *path, uint32_t flags)
{
    struct hsx_fs_open arg = {.root = root, .flags = flags, .path = fs_path_of(path)};
    int err = fs_ioctl(fd, HSX_IOC_FS_OPEN, &arg);

    return err ? -err : arg.handle;
}

static int fs_close_file(int fd, int handle)
{
    struct hsx_fs_handle_op arg = {.handle = handle};

    return fs_ioctl(fd, HSX_IOC_FS_CLOSE, &arg);
}

/* Writes all of buf's len bytes through handle. Returns 0 or an errno; *written counts them. */
static int write_all(int fd, int handle, const uint8_t *buf, uint32_t len, uint64_t *written)
{
    for (uint32_t done = 0; done < len;) {
        struct hsx_fs_io io = {.handle = handle, .buf = (uintptr_t)(buf + done), .len = len - done};
        int err = fs_ioctl(fd, HSX_IOC_FS_WRITE, &io);
        if (err)
            return err;
        if (io.done == 0 || io.done > len - done)
            return EIO;
        done += io.done;
        *written += io.done;
    }
    return 0;
}

int cmd_fs_cat(const struct hsxctl_cmdline *cmd)
{
    uint8_t *buf = malloc(HSX_FS_XFER_MAX);
    int fd = buf ? fs_open() : -1, handle, err = 0;

    if (fd < 0) {
        if (!buf)
            hsxctl_error("out of memory");
        free(buf);
        return HSXCTL_EXIT_FAILURE;
    }
    handle = fs_open_file(fd, cmd->root, cmd->path, HSX_FS_O_RDONLY);
    if (handle < 0) {
        err = -handle;
        handle = -1;
    }
    for (; !err;) {
        struct hsx_fs_io io = {.handle = handle, .buf = (uintptr_t)buf, .len = HSX_FS_XFER_MAX};
        err = fs_ioctl(fd, HSX_IOC_FS_READ, &io);
        if (err || io.done == 0)
            break;
        if (fwrite(buf, 1, io.done, stdout) != io.done)
            break;
    }
    if (handle >= 0)
        fs_close_file(fd, handle);
    close(fd);
    free(buf);
    if (err)
        return fs_fail(err, cmd->root, "read", cmd->path);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        hsxctl_error("cannot write to standard output: %s", strerror(errno));
        return HSXCTL_EXIT_FAILURE;
    }
    return HSXCTL_EXIT_OK;
}

/* ---- put ------------------------------------------------------------------------------- */

/* A file (or standard input) put copies. */
struct source {
    FILE *file;
    const char *name; /* for messages */
};

/* Up to size bytes of src into buf: how many, or -1 after saying why. */
static long read_source(const struct source *src, uint8_t *buf, size_t size)
{
    size_t n = fread(buf, 1, size, src->file);

    if (ferror(src->file)) {
        hsxctl_error("cannot read %s: %s", src->name, strerror(errno));
        return -1;
    }
    return (long)n;
}

/*
 * The first chunk (buf, HSX_FS_XFER_MAX + 1 bytes, full) and the rest of
 * src, written in place: created or truncated, written, synced. Returns 0,
 * an errno, or -1 (src failed: said why); *written counts what was written.
 */
static int put_in_place(int fd, const struct hsxctl_cmdline *cmd, const struct source *src,
                        uint8_t *buf, uint64_t *written)
{
    int handle =
        fs_open_file(fd, cmd->root, cmd->path, HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_TRUNC);
    size_t have = HSX_FS_XFER_MAX + 1u;
    int err = 0;

    if (handle < 0)
        return -handle;
    while (!err && have) {
        /* Whole chunks while there is more; the byte past one starts the next. */
        size_t n = have > HSX_FS_XFER_MAX ? HSX_FS_XFER_MAX : have;
        err = write_all(fd, handle, buf, (uint32_t)n, written);
        memmove(buf, buf + n, have - n);
        have -= n;
        long more = err ? 0 : read_source(src, buf + have, HSX_FS_XFER_MAX + 1u - have);
        if (more < 0)
            err = -1;
        else
            have += (size_t)more;
    }
    if (!err) {
        struct hsx_fs_handle_op sync = {.handle = handle};
        err = fs_ioctl(fd, HSX_IOC_FS_FSYNC, &sync);
    }
    int close_err = fs_close_file(fd, handle);
    return err ? err : close_err;
}

int cmd_fs_put(const struct hsxctl_cmdline *cmd)
{
    const bool stdin_ = !cmd->file || strcmp(cmd->file, "-") == 0;
    const struct source src = {.file = stdin_ ? stdin : fopen(cmd->file, "rb"),
                               .name = stdin_ ? "standard input" : cmd->file};
    uint8_t *buf = src.file ? malloc(HSX_FS_XFER_MAX + 1u) : NULL;
    uint64_t written = 0;
    int fd = -1, err = -1;

    if (!src.file)
        hsxctl_error("cannot open %s: %s", cmd->file, strerror(errno));
    else if (!buf)
        hsxctl_error("out of memory");
    /* One byte more than a replace takes tells a file too large for one. */
    long n = buf ? read_source(&src, buf, HSX_FS_XFER_MAX + 1u) : -1;
    if (n >= 0)
        fd = fs_open();
    if (fd >= 0 && n <= (long)HSX_FS_XFER_MAX) {
        struct hsx_fs_replace arg = {.root = cmd->root,
                                     .path = fs_path_of(cmd->path),
                                     .buf = (uintptr_t)buf,
                                     .len = (uint32_t)n};
        err = fs_ioctl(fd, HSX_IOC_FS_REPLACE, &arg);
        written = err ? 0 : (uint64_t)n;
    } else if (fd >= 0) {
        err = put_in_place(fd, cmd, &src, buf, &written);
    }
    if (fd >= 0)
        close(fd);
    if (src.file && !stdin_)
        fclose(src.file);
    free(buf);
    if (err < 0)
        return HSXCTL_EXIT_FAILURE;
    if (err && written)
        hsxctl_error("only %" PRIu64 " bytes of %s were written to '%s' on root %u", written,
                     src.name, cmd->path, cmd->root);
    if (err)
        return fs_fail(err, cmd->root, "write", cmd->path);
    printf("%" PRIu64 " bytes written to '%s' on root %u\n", written, cmd->path, cmd->root);
    return HSXCTL_EXIT_OK;
}

/* ---- rm, mv, mkdir ------------------------------------------------------------------------- */

int cmd_fs_change(const struct hsxctl_cmdline *cmd)
{
    struct hsx_fs_pathop arg = {.root = cmd->root, .path = fs_path_of(cmd->path)};
    unsigned long request = HSX_IOC_FS_DELETE;
    const char *what = "remove";
    int fd = fs_open(), err;

    if (fd < 0)
        return HSXCTL_EXIT_FAILURE;
    if (cmd->command == HSXCTL_FS_MV) {
        arg.path2 = fs_path_of(cmd->path2);
        request = HSX_IOC_FS_RENAME;
        what = "rename";
    } else if (cmd->command == HSXCTL_FS_MKDIR) {
        request = HSX_IOC_FS_MKDIR;
        what = "create the directory";
    }
    err = fs_ioctl(fd, request, &arg);
    close(fd);
    if (err)
        return fs_fail(err, cmd->root, what, cmd->path);
    if (cmd->command == HSXCTL_FS_MV)
        printf("renamed '%s' to '%s' on root %u\n", cmd->path, cmd->path2, cmd->root);
    else if (cmd->command == HSXCTL_FS_MKDIR)
        printf("created the directory '%s' on root %u\n", cmd->path, cmd->root);
    else
        printf("removed '%s' from root %u\n", cmd->path, cmd->root);
    return HSXCTL_EXIT_OK;
}

/* ---- stat ---------------------------------------------------------------------------- */

static const char *type_name(uint32_t type)
{
    return type == HSX_FS_T_FILE ? "file" : type == HSX_FS_T_DIR ? "directory" : "unknown";
}

int cmd_fs_stat(const struct hsxctl_cmdline *cmd)
{
    struct hsx_fs_stat arg = {.root = cmd->root, .handle = -1, .path = fs_path_of(cmd->path)};
    char when[64] = "?";
    struct tm tm;
    int fd = fs_open(), err;

    if (fd < 0)
        return HSXCTL_EXIT_FAILURE;
    err = fs_ioctl(fd, HSX_IOC_FS_STAT, &arg);
    close(fd);
    if (err)
        return fs_fail(err, cmd->root, "stat", cmd->path);
    if (cmd->json) {
        printf("{\"root\":%u,\"path\":", cmd->root);
        json_string(stdout, cmd->path);
        printf(",\"type\":\"%s\",\"size\":%llu,\"mtime_ns\":%lld}\n", type_name(arg.type),
               (unsigned long long)arg.size, (long long)arg.mtime_ns);
        return HSXCTL_EXIT_OK;
    }
    /* Floor division: a time before 1970 keeps its nanoseconds positive. */
    time_t s = (time_t)(arg.mtime_ns / 1000000000);
    long long ns = arg.mtime_ns % 1000000000;
    if (ns < 0) {
        s--;
        ns += 1000000000;
    }
    if (gmtime_r(&s, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    printf("%s: %s, %llu bytes, modified %s.%09lld UTC\n", shown(cmd->path), type_name(arg.type),
           (unsigned long long)arg.size, when, ns);
    return HSXCTL_EXIT_OK;
}

/* ---- df -------------------------------------------------------------------------------- */

struct fs_infos {
    const struct hsxctl_cmdline *cmd;
    struct hsx_fs_info info[HSX_FS_MAX_ROOTS];
    bool bound[HSX_FS_MAX_ROOTS];
    char dir[HSX_FS_MAX_ROOTS][PATH_MAX]; /* /sys/hal/fs/<n>/path (root only); "" unknown */
};

static const struct hsxctl_bit_name fs_flags[] = {
    {HSX_FS_MAP_READ_ONLY, "read-only"},
    {0, NULL},
};

static void print_root(FILE *out, unsigned int root, void *ctx)
{
    const struct fs_infos *f = ctx;
    const struct hsx_fs_info *i = &f->info[root];

    if (!f->cmd->json && !f->bound[root]) {
        fprintf(out, "%-4u (not bound)\n", root);
        return;
    }
    if (!f->cmd->json) {
        char owner[32];
        snprintf(owner, sizeof(owner), "%u:%u", i->owner_uid, i->owner_gid);
        fprintf(out, "%-4u %-12llu %-12llu %-11llu %-10llu %-7u %-11s ", root,
                (unsigned long long)i->quota_bytes, (unsigned long long)i->used_bytes,
                (unsigned long long)i->quota_files, (unsigned long long)i->used_files, i->handles,
                owner);
        fprintf(out, "%-9s ", i->flags & HSX_FS_MAP_READ_ONLY ? "read-only" : "-");
        print_text(out, f->dir[root][0] ? f->dir[root] : "-");
        fputc('\n', out);
        return;
    }
    fprintf(out, "{\"root\":%u,\"bound\":%s", root, f->bound[root] ? "true" : "false");
    if (f->bound[root]) {
        fprintf(out,
                ",\"quota_bytes\":%llu,\"used_bytes\":%llu,\"quota_files\":%llu,"
                "\"used_files\":%llu,\"handles\":%u,\"owner_uid\":%u,\"owner_gid\":%u,\"flags\":",
                (unsigned long long)i->quota_bytes, (unsigned long long)i->used_bytes,
                (unsigned long long)i->quota_files, (unsigned long long)i->used_files, i->handles,
                i->owner_uid, i->owner_gid);
        hsxctl_print_bits(out, i->flags, fs_flags, ",", 1);
        if (f->dir[root][0]) {
            fputs(",\"dir\":", out);
            json_string(out, f->dir[root]);
        }
    }
    fputc('}', out);
}

int cmd_fs_df(const struct hsxctl_cmdline *cmd)
{
    static struct fs_infos f;
    unsigned int first = cmd->have_root ? cmd->root : 0;
    unsigned int end = cmd->have_root ? cmd->root + 1u : HSX_FS_MAX_ROOTS;
    int fd = fs_open();

    if (fd < 0)
        return HSXCTL_EXIT_FAILURE;
    /* Ask everything first, so that a failure prints nothing but the error. */
    memset(&f, 0, sizeof(f));
    f.cmd = cmd;
    for (unsigned int root = first; root < end; root++) {
        f.info[root].root = root;
        int err = fs_ioctl(fd, HSX_IOC_FS_INFO, &f.info[root]);
        if (err == ENXIO) /* not bound */
            continue;
        if (err) {
            close(fd);
            return fs_fail(err, root, "describe", NULL);
        }
        f.bound[root] = f.info[root].bound;
        if (f.bound[root]) {
            char path[64];
            snprintf(path, sizeof(path), HSX_SYSFS_ROOT "/fs/%u/path", root);
            if (sysfs_read_value(path, f.dir[root], sizeof(f.dir[root])) < 0)
                f.dir[root][0] = '\0';
        }
    }
    close(fd);
    if (!cmd->json)
        printf("%-4s %-12s %-12s %-11s %-10s %-7s %-11s %-9s %s\n", "ROOT", "QUOTA_BYTES",
               "USED_BYTES", "QUOTA_FILES", "USED_FILES", "HANDLES", "OWNER", "FLAGS", "DIR");
    hsxctl_print_instances(stdout, HSX_FS_MAX_ROOTS, f.bound, cmd->have_root ? cmd->root : -1,
                           cmd->json, "no roots are bound", print_root, &f);
    return HSXCTL_EXIT_OK;
}
