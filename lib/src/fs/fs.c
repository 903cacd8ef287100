// SPDX-License-Identifier: MIT
/*
 * FS: a private file tree per application, bound by the administrator to a
 * root 0..31 of hsx.ko. Every function is one ioctl on /dev/hsx/fs (the
 * node serves every root; the root is in the argument), its arguments
 * checked here as far as they can be without asking the kernel: a NULL
 * pointer, a handle outside the kernel's range, a length past its bounds.
 * Paths go to hsx.ko as they are (a pointer and a length): the kernel
 * checks every byte of them, so the library never has a second opinion.
 *
 * The spec's functions take no root: they use the thread's selected one
 * (thread-local, as FRAM's device) or else the root of this process's FS
 * capability, which the file says (HSX_IOC_CAP_INFO) each time it is
 * needed, so a capability acquired again, or a fork() child's own, is
 * always the one used. Besides, the root each handle was opened on (STAT
 * of a handle names it: hsx.ko checks it is the handle's), one atomic word
 * per handle. FS has no lock and no fork hooks: a fork() child's file has
 * none of the parent's handles, and hsx.ko refuses them there whatever
 * root is named.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/errors.h"
#include "core/export.h"
#include "fs/fs.h"
#include "hsx_fs.h"
#include "hsx_uapi.h"

_Static_assert(HSX_FS_O_RDONLY == 0x0001 && HSX_FS_O_WRONLY == 0x0002 && HSX_FS_O_RDWR == 0x0003 &&
                   HSX_FS_O_CREAT == 0x0004 && HSX_FS_O_TRUNC == 0x0008 &&
                   HSX_FS_O_APPEND == 0x0010 && HSX_FS_O_EXCL == 0x0020,
               "open flags are the uAPI's");
_Static_assert(HSX_FS_MAX_ROOTS == 32 && HSX_FS_PATH_MAX == 1024 && HSX_FS_NAME_MAX == 255 &&
                   HSX_FS_XFER_MAX == 1u << 20 && HSX_FS_LIST_MAX == 1u << 20 &&
                   HSX_FS_HANDLES_MAX == HSX_FS_HANDLES_PER_FILE,
               "limits are the uAPI's");
_Static_assert(HSX_FS_TYPE_FILE == HSX_FS_T_FILE && HSX_FS_TYPE_DIR == HSX_FS_T_DIR &&
                   HSX_FS_READ_ONLY == HSX_FS_MAP_READ_ONLY,
               "types and flags are the uAPI's");
_Static_assert(HSX_FS_SEEK_SET == 0 && HSX_FS_SEEK_CUR == 1 && HSX_FS_SEEK_END == 2,
               "whence is lseek(2)'s, as the uAPI's");

/* The thread's root: HSX_FS_ROOT_DEFAULT, or 0..HSX_FS_MAX_ROOTS-1. */
static _Thread_local int selected = HSX_FS_ROOT_DEFAULT;

/* The root each handle of this process's file was opened on. */
static _Atomic uint32_t handle_roots[HSX_FS_HANDLES_MAX];

static int invalid(void)
{
    return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
}

/* The errnos FS gives a meaning of its own (hsx_fs.h): what a path names, a read-only root. */
int hsx_fs_code(int code, int err)
{
    switch (err) {
    case EEXIST:
    case ENOTEMPTY:
    case ENOTDIR:
    case EISDIR:
    case ENAMETOOLONG:
    case ELOOP:
    case EXDEV:
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, err);
    case EROFS:
        return hsx_fail_with(HSX_HAL_READ_ONLY, err);
    default:
        return code;
    }
}

static int fs_ioctl(unsigned long request, void *arg)
{
    int ret = hsx_dev_ioctl(HSX_UMOD_FS, request, arg);

    return ret == HSX_HAL_OK ? ret : hsx_fs_code(ret, hsx_hal_errno());
}

static bool root_valid(int root)
{
    return root >= 0 && root < HSX_FS_MAX_ROOTS;
}

static bool handle_valid(hsx_fd_t fd)
{
    return fd >= 0 && fd < HSX_FS_HANDLES_MAX;
}

/* A C string as the kernel's path: its bytes, one past the longest it takes at most. */
static struct hsx_fs_path path_of(const char *path)
{
    return (struct hsx_fs_path){.ptr = (uintptr_t)path,
                                .len = (uint32_t)strnlen(path, HSX_FS_PATH_MAX + 1)};
}

/* listdir and stat: "", "." and "/" are the root itself, the empty path. */
static struct hsx_fs_path dir_path_of(const char *path)
{
    if (path[0] == '\0' || strcmp(path, ".") == 0 || strcmp(path, "/") == 0)
        return (struct hsx_fs_path){.ptr = 0, .len = 0};
    return path_of(path);
}

/* ---- the root ------------------------------------------------------------------------- */

int hsx_fs_root_of(const struct hsx_cap_query *q)
{
    if (q->cap.id && q->cap.state == HSX_CAP_STATE_ACTIVE && q->cap.sel.fs.roots)
        return __builtin_ctz(q->cap.sel.fs.roots);
    return 0;
}

/* The capability's root (hsx_fs_root_of()), as the file says now. */
static int capability_root(void)
{
    struct hsx_cap_query q = {.module = HSX_MODULE_FS};
    int ret = hsx_dev_ioctl(HSX_UMOD_FS, HSX_IOC_CAP_INFO, &q);

    /* A kernel without capabilities: every root is open to every process. */
    if (ret == HSX_HAL_UNSUPPORTED && hsx_hal_errno() == ENOTTY)
        return 0;
    return ret == HSX_HAL_OK ? hsx_fs_root_of(&q) : ret;
}

HSX_API int hsx_fs_select(int root)
{
    if (!root_valid(root) && root != HSX_FS_ROOT_DEFAULT)
        return invalid();
    selected = root;
    return HSX_HAL_OK;
}

HSX_API int hsx_fs_root(void)
{
    return selected == HSX_FS_ROOT_DEFAULT ? capability_root() : selected;
}

/*
 * A call on the thread's root: *root set to it, then the ioctl. When it was
 * the capability's and the call is denied, the capability may have been
 * acquired again meanwhile (access.c does on a denial) for another root:
 * asked once more with that one.
 */
static int on_root(unsigned long request, void *arg, uint32_t *root)
{
    int r = hsx_fs_root();

    if (r < 0)
        return r;
    *root = (uint32_t)r;
    int ret = fs_ioctl(request, arg);
    if (ret != HSX_HAL_DENIED || selected != HSX_FS_ROOT_DEFAULT)
        return ret;
    int err = hsx_hal_errno();
    r = capability_root();
    if (r < 0 || (uint32_t)r == *root)
        return hsx_fail_with(ret, err);
    *root = (uint32_t)r;
    return fs_ioctl(request, arg);
}

/* ---- open, close, read, write ----------------------------------------------------------- */

static int fs_open(int root, const char *path, uint32_t flags)
{
    struct hsx_fs_open o = {.flags = flags};

    if (!path || (root != HSX_FS_ROOT_DEFAULT && !root_valid(root)))
        return invalid();
    o.path = path_of(path);
    o.root = (uint32_t)root;
    int ret = root == HSX_FS_ROOT_DEFAULT ? on_root(HSX_IOC_FS_OPEN, &o, &o.root)
                                          : fs_ioctl(HSX_IOC_FS_OPEN, &o);
    if (ret != HSX_HAL_OK)
        return ret;
    if (!handle_valid(o.handle))
        return hsx_fail_with(HSX_HAL_ERROR, EPROTO);
    atomic_store(&handle_roots[o.handle], o.root);
    return o.handle;
}

HSX_API hsx_fd_t hsx_fs_open(const char *path, uint32_t flags)
{
    return fs_open(HSX_FS_ROOT_DEFAULT, path, flags);
}

HSX_API hsx_fd_t hsx_fs_open_ex(int root, const char *path, uint32_t flags)
{
    return root_valid(root) ? fs_open(root, path, flags) : invalid();
}

static int handle_op(unsigned long request, hsx_fd_t fd, struct hsx_fs_handle_op *op)
{
    if (!handle_valid(fd))
        return invalid();
    op->handle = fd;
    return fs_ioctl(request, op);
}

HSX_API int hsx_fs_close(hsx_fd_t fd)
{
    struct hsx_fs_handle_op op = {0};

    return handle_op(HSX_IOC_FS_CLOSE, fd, &op);
}

HSX_API int hsx_fs_fsync(hsx_fd_t fd)
{
    struct hsx_fs_handle_op op = {0};

    return handle_op(HSX_IOC_FS_FSYNC, fd, &op);
}

HSX_API int hsx_fs_truncate(hsx_fd_t fd, uint64_t size)
{
    struct hsx_fs_handle_op op = {.offset = (int64_t)size};

    if (size > INT64_MAX)
        return invalid();
    return handle_op(HSX_IOC_FS_TRUNCATE, fd, &op);
}

HSX_API int64_t hsx_fs_seek(hsx_fd_t fd, int64_t offset, int whence)
{
    struct hsx_fs_handle_op op = {.offset = offset};

    if (whence < HSX_FS_SEEK_SET || whence > HSX_FS_SEEK_END)
        return invalid();
    op.whence = (uint32_t)whence;
    int ret = handle_op(HSX_IOC_FS_SEEK, fd, &op);
    if (ret != HSX_HAL_OK)
        return ret;
    return op.offset >= 0 ? op.offset : hsx_fail_with(HSX_HAL_ERROR, EPROTO);
}

/* READ or WRITE of up to HSX_FS_XFER_MAX bytes, at offset with HSX_FS_IO_AT. */
static int transfer(unsigned long request, hsx_fd_t fd, const void *buf, uint32_t len,
                    uint32_t flags, uint64_t offset)
{
    if (!handle_valid(fd) || (!buf && len) || offset > INT64_MAX)
        return invalid();
    if (len > HSX_FS_XFER_MAX)
        len = HSX_FS_XFER_MAX; /* as read(2) and write(2) may do less */
    struct hsx_fs_io io = {
        .handle = fd, .flags = flags, .buf = (uintptr_t)buf, .len = len, .offset = offset};
    int ret = fs_ioctl(request, &io);
    if (ret != HSX_HAL_OK)
        return ret;
    return io.done <= len ? (int)io.done : hsx_fail_with(HSX_HAL_ERROR, EPROTO);
}

HSX_API int hsx_fs_read(hsx_fd_t fd, void *buffer, uint32_t length)
{
    return transfer(HSX_IOC_FS_READ, fd, buffer, length, 0, 0);
}

HSX_API int hsx_fs_write(hsx_fd_t fd, const void *data, uint32_t length)
{
    return transfer(HSX_IOC_FS_WRITE, fd, data, length, 0, 0);
}

HSX_API int hsx_fs_pread(hsx_fd_t fd, void *buffer, uint32_t length, uint64_t offset)
{
    return transfer(HSX_IOC_FS_READ, fd, buffer, length, HSX_FS_IO_AT, offset);
}

HSX_API int hsx_fs_pwrite(hsx_fd_t fd, const void *data, uint32_t length, uint64_t offset)
{
    return transfer(HSX_IOC_FS_WRITE, fd, data, length, HSX_FS_IO_AT, offset);
}

HSX_API int hsx_fs_printf(hsx_fd_t fd, const char *format, ...)
{
    char small[256], *text = small;
    va_list ap, again;

    if (!handle_valid(fd) || !format)
        return invalid();
    va_start(ap, format);
    va_copy(again, ap);
    int len = vsnprintf(small, sizeof(small), format, ap);
    va_end(ap);
    if (len >= 0 && (size_t)len >= sizeof(small) && (uint32_t)len <= HSX_FS_XFER_MAX) {
        text = malloc((size_t)len + 1);
        if (text)
            vsnprintf(text, (size_t)len + 1, format, again);
    }
    va_end(again);
    if (len < 0)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, errno);
    if ((uint32_t)len > HSX_FS_XFER_MAX)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, EMSGSIZE);
    if (!text)
        return hsx_fail_with(HSX_HAL_NO_MEMORY, ENOMEM);
    int ret = hsx_fs_write(fd, text, (uint32_t)len);
    if (text != small)
        free(text);
    return ret;
}

/* ---- paths ------------------------------------------------------------------------------ */

/* A call that takes a root: the thread's (HSX_FS_ROOT_DEFAULT) or one given. */
static int at_root(int root, unsigned long request, void *arg, uint32_t *root_field)
{
    if (root == HSX_FS_ROOT_DEFAULT)
        return on_root(request, arg, root_field);
    if (!root_valid(root))
        return invalid();
    *root_field = (uint32_t)root;
    return fs_ioctl(request, arg);
}

static int listdir(int root, const char *path, char *buffer, uint32_t max_length)
{
    if (!path || !buffer || max_length == 0)
        return invalid();
    struct hsx_fs_listdir l = {
        .max = max_length < HSX_FS_LIST_MAX ? max_length : HSX_FS_LIST_MAX,
        .path = dir_path_of(path),
        .buf = (uintptr_t)buffer,
    };
    int ret = at_root(root, HSX_IOC_FS_LISTDIR, &l, &l.root);
    if (ret != HSX_HAL_OK)
        return ret;
    /* The names need more room: hsx.ko wrote none, and says how much (needed). */
    if (l.needed > l.max)
        return hsx_fail_with(HSX_HAL_TOO_SMALL, ERANGE);
    if (l.len > l.max)
        return hsx_fail_with(HSX_HAL_ERROR, EPROTO);
    if (l.len < max_length)
        buffer[l.len] = '\0';
    return (int)l.len;
}

HSX_API int hsx_fs_listdir(const char *path, char *buffer, uint32_t max_length)
{
    return listdir(HSX_FS_ROOT_DEFAULT, path, buffer, max_length);
}

HSX_API int hsx_fs_listdir_ex(int root, const char *path, char *buffer, uint32_t max_length)
{
    return root_valid(root) ? listdir(root, path, buffer, max_length) : invalid();
}

/* DELETE, MKDIR (path2 NULL) and RENAME. */
static int pathop(int root, unsigned long request, const char *path, const char *path2)
{
    struct hsx_fs_pathop op = {0};

    if (!path || (request == HSX_IOC_FS_RENAME && !path2))
        return invalid();
    op.path = path_of(path);
    if (path2)
        op.path2 = path_of(path2);
    return at_root(root, request, &op, &op.root);
}

HSX_API int hsx_fs_delete(const char *path)
{
    return pathop(HSX_FS_ROOT_DEFAULT, HSX_IOC_FS_DELETE, path, NULL);
}

HSX_API int hsx_fs_delete_ex(int root, const char *path)
{
    return root_valid(root) ? pathop(root, HSX_IOC_FS_DELETE, path, NULL) : invalid();
}

HSX_API int hsx_fs_mkdir(const char *path)
{
    return pathop(HSX_FS_ROOT_DEFAULT, HSX_IOC_FS_MKDIR, path, NULL);
}

HSX_API int hsx_fs_mkdir_ex(int root, const char *path)
{
    return root_valid(root) ? pathop(root, HSX_IOC_FS_MKDIR, path, NULL) : invalid();
}

HSX_API int hsx_fs_rename(const char *old_path, const char *new_path)
{
    return pathop(HSX_FS_ROOT_DEFAULT, HSX_IOC_FS_RENAME, old_path, new_path);
}

HSX_API int hsx_fs_rename_ex(int root, const char *old_path, const char *new_path)
{
    return root_valid(root) ? pathop(root, HSX_IOC_FS_RENAME, old_path, new_path) : invalid();
}

static int replace(int root, const char *path, const void *data, uint32_t len)
{
    if (!path || (!data && len) || len > HSX_FS_XFER_MAX)
        return invalid();
    struct hsx_fs_replace r = {.path = path_of(path), .buf = (uintptr_t)data, .len = len};
    return at_root(root, HSX_IOC_FS_REPLACE, &r, &r.root);
}

HSX_API int hsx_fs_replace(const char *path, const void *data, uint32_t len)
{
    return replace(HSX_FS_ROOT_DEFAULT, path, data, len);
}

HSX_API int hsx_fs_replace_ex(int root, const char *path, const void *data, uint32_t len)
{
    return root_valid(root) ? replace(root, path, data, len) : invalid();
}

/* ---- stat, info ---------------------------------------------------------------------------- */

static int stat_result(int ret, const struct hsx_fs_stat *s, struct hsx_fs_stat_info *info)
{
    if (ret != HSX_HAL_OK)
        return ret;
    *info = (struct hsx_fs_stat_info){.size = s->size, .mtime_ns = s->mtime_ns, .type = s->type};
    return HSX_HAL_OK;
}

static int stat_path(int root, const char *path, struct hsx_fs_stat_info *info)
{
    if (!path || !info)
        return invalid();
    struct hsx_fs_stat s = {.handle = -1, .path = dir_path_of(path)};
    return stat_result(at_root(root, HSX_IOC_FS_STAT, &s, &s.root), &s, info);
}

HSX_API int hsx_fs_stat(const char *path, struct hsx_fs_stat_info *info)
{
    return stat_path(HSX_FS_ROOT_DEFAULT, path, info);
}

HSX_API int hsx_fs_stat_ex(int root, const char *path, struct hsx_fs_stat_info *info)
{
    return root_valid(root) ? stat_path(root, path, info) : invalid();
}

HSX_API int hsx_fs_fstat(hsx_fd_t fd, struct hsx_fs_stat_info *info)
{
    if (!handle_valid(fd) || !info)
        return invalid();
    /* hsx.ko wants the handle's own root named with it. */
    struct hsx_fs_stat s = {.handle = fd, .root = atomic_load(&handle_roots[fd])};
    return stat_result(fs_ioctl(HSX_IOC_FS_STAT, &s), &s, info);
}

static int info_of(int root, hsx_fs_root_info_t *info)
{
    struct hsx_fs_info k = {0};

    if (!info)
        return invalid();
    int ret = at_root(root, HSX_IOC_FS_INFO, &k, &k.root);
    if (ret != HSX_HAL_OK)
        return ret;
    *info = (hsx_fs_root_info_t){
        .root = k.root,
        .bound = k.bound ? 1 : 0,
        .flags = k.flags & HSX_FS_READ_ONLY,
        .handles = k.handles,
        .quota_bytes = k.quota_bytes,
        .used_bytes = k.used_bytes,
        .quota_files = k.quota_files,
        .used_files = k.used_files,
        .owner_uid = k.owner_uid,
        .owner_gid = k.owner_gid,
    };
    return HSX_HAL_OK;
}

HSX_API int hsx_fs_info(hsx_fs_root_info_t *info)
{
    return info_of(HSX_FS_ROOT_DEFAULT, info);
}

HSX_API int hsx_fs_info_ex(int root, hsx_fs_root_info_t *info)
{
    return root_valid(root) ? info_of(root, info) : invalid();
}
