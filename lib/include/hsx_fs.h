/* SPDX-License-Identifier: MIT */
#ifndef HSX_FS_H
#define HSX_FS_H

#include "hsx_hal_types.h"

/* File open flags */
#define HSX_FS_O_RDONLY  0x0001
#define HSX_FS_O_WRONLY  0x0002
#define HSX_FS_O_RDWR    0x0003
#define HSX_FS_O_CREAT   0x0004
#define HSX_FS_O_TRUNC   0x0008
#define HSX_FS_O_APPEND  0x0010

/* File descriptor type */
typedef int hsx_fd_t;

/**
 * Open file (synchronous, uses syscall).
 * 
 * @param path File path (C string)
 * @param flags Open flags (HSX_FS_O_*)
 * @return File descriptor, or negative error code
 */
hsx_fd_t hsx_fs_open(const char* path, uint32_t flags);

/**
 * Read from file (synchronous, uses syscall).
 * 
 * @param fd File descriptor
 * @param buffer Pointer to receive buffer
 * @param length Maximum bytes to read
 * @return Number of bytes read, or negative error code
 */
int hsx_fs_read(hsx_fd_t fd, void* buffer, uint32_t length);

/**
 * Write to file (synchronous, uses syscall).
 * 
 * @param fd File descriptor
 * @param data Pointer to data buffer
 * @param length Number of bytes to write
 * @return Number of bytes written, or negative error code
 */
int hsx_fs_write(hsx_fd_t fd, const void* data, uint32_t length);

/**
 * Close file (synchronous, uses syscall).
 * 
 * @param fd File descriptor
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_fs_close(hsx_fd_t fd);

/**
 * List directory contents (synchronous, uses syscall).
 * 
 * @param path Directory path
 * @param buffer Buffer for file list (newline-separated)
 * @param max_length Maximum buffer size
 * @return Number of bytes written, or negative error code
 */
int hsx_fs_listdir(const char* path, char* buffer, uint32_t max_length);

/**
 * Delete file (synchronous, uses syscall).
 * 
 * @param path File path
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_fs_delete(const char* path);

/**
 * Rename file (synchronous, uses syscall).
 * 
 * @param old_path Current file path
 * @param new_path New file path
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_fs_rename(const char* old_path, const char* new_path);

/**
 * Create directory (synchronous, uses syscall).
 * 
 * @param path Directory path
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_fs_mkdir(const char* path);

/**
 * printf-style formatted output to file.
 * 
 * @param fd File descriptor
 * @param format Format string (printf-style)
 * @param ... Variable arguments
 * @return Number of characters written, or negative error code
 */
int hsx_fs_printf(hsx_fd_t fd, const char* format, ...);

/* ---- Additions (not in the spec) ---------------------------------------- */

/*
 * Roots. Each application has a private file tree: a root, 0..HSX_FS_MAX_ROOTS-1,
 * that the administrator (hsxd, from its policy) bound to a directory, with
 * quotas on its bytes and files. Every operation beneath it runs in hsx.ko
 * with the credentials of the tree's storage owner, never the
 * application's, and never leaves the tree. The spec's functions act on the
 * calling thread's root: the one chosen with hsx_fs_select(), or else the
 * root of this process's FS capability (its lowest, if it has several), or
 * root 0 for a process that needs no capability (root opened /dev/hsx/fs,
 * or hsx.ko does not enforce). The _ex additions take the root.
 *
 * Paths are C strings relative to the root: components separated by one
 * '/', none of them "." or "..", no leading or trailing '/', at most
 * HSX_FS_PATH_MAX bytes, each component at most HSX_FS_NAME_MAX bytes of
 * UTF-8 without control characters. hsx.ko checks them (the library passes
 * them unchanged) and resolves them beneath the root only: a symlink on the
 * way is refused, as are mount points and anything but regular files and
 * directories. hsx_fs_listdir() and hsx_fs_stat() also take "", "." and "/"
 * for the root itself. A NULL path is HSX_HAL_INVALID_PARAM.
 *
 * Handles. hsx_fd_t is hsx.ko's handle number, 0..HSX_FS_HANDLES_MAX-1, NOT
 * a Unix file descriptor: never pass it to read(2), close(2) or poll(2).
 * Handles belong to this process's /dev/hsx/fs file (any thread may use
 * them; a fork() child has a file of its own, without them) and end with its
 * capability: once it is revoked or expires, or the root is unbound, every
 * call on them fails (HSX_HAL_DENIED, HSX_HAL_NO_DEVICE) and they are only
 * good for hsx_fs_close(). A handle outside 0..HSX_FS_HANDLES_MAX-1 is
 * HSX_HAL_INVALID_PARAM without a system call.
 *
 * Quotas. Writes past the byte quota, creating past the file quota (files
 * and directories count) are HSX_HAL_LIMIT (EDQUOT); a write that fits in
 * part writes that part and returns its length, as write(2) on a full disk.
 *
 * Rights. A capability with the read right alone is a read-only view of the
 * tree: anything that would change it is HSX_HAL_DENIED.
 *
 * Errors, besides the common ones: HSX_HAL_INVALID_PARAM (a bad argument or
 * path, and what the path names is not what the call needs:
 * hsx_hal_errno() EINVAL, ENAMETOOLONG, ENOENT, EEXIST, ENOTDIR, EISDIR,
 * ENOTEMPTY, ELOOP a symlink, EXDEV a mount point, EBADF a handle not
 * opened for it), HSX_HAL_UNSUPPORTED (EOPNOTSUPP: a FIFO, device node or
 * socket), HSX_HAL_LIMIT (EDQUOT a quota, EMFILE HSX_FS_HANDLES_MAX open,
 * ENOSPC the filesystem), HSX_HAL_READ_ONLY (EROFS: the root is bound
 * read-only), HSX_HAL_DENIED (no capability for that root, or not the
 * right: EACCES, EPERM, EKEYEXPIRED, EKEYREVOKED), HSX_HAL_NO_DEVICE
 * (ENXIO the root is not bound, ENODEV it was unbound, ENOENT hsx.ko is not
 * loaded), HSX_HAL_BUSY (EAGAIN: a rename kept racing the lookup),
 * HSX_HAL_ERROR (EIO). hsx_hal_errno() keeps the kernel's errno.
 *
 * Every call is synchronous and thread-safe; the library keeps no state
 * but each thread's selected root.
 */
#ifndef HSX_FS_MAX_ROOTS /* the limits are hsx_uapi.h's, which may come first */
#define HSX_FS_MAX_ROOTS   32
#define HSX_FS_PATH_MAX    1024        /* bytes of a path, at most */
#define HSX_FS_NAME_MAX    255         /* bytes of one component, at most */
#define HSX_FS_XFER_MAX    0x100000U   /* bytes per read, write or replace, at most */
#define HSX_FS_LIST_MAX    0x100000U   /* bytes hsx_fs_listdir() fills, at most */
#endif
#define HSX_FS_HANDLES_MAX 64          /* handles open at once, per process */

/* With HSX_FS_O_CREAT: HSX_HAL_INVALID_PARAM (EEXIST) if the file exists. */
#ifndef HSX_FS_O_EXCL
#define HSX_FS_O_EXCL      0x0020
#endif

/* The flags, as the spec's: an access mode (RDONLY, WRONLY or RDWR) is
 * required; TRUNC and APPEND need write access. Files are created 0600 and
 * directories 0700, owned by the tree's storage owner. */

/** hsx_fs_select()'s root for "the capability's root" (the default). */
#define HSX_FS_ROOT_DEFAULT (-1)

/**
 * Choose the root the spec's functions act on, for the calling thread only
 * (other threads keep theirs; a new thread starts with HSX_FS_ROOT_DEFAULT;
 * a fork() child keeps the forking thread's).
 *
 * @param root 0..HSX_FS_MAX_ROOTS-1, or HSX_FS_ROOT_DEFAULT
 * @return HSX_HAL_OK, or HSX_HAL_INVALID_PARAM
 */
int hsx_fs_select(int root);

/**
 * The root the calling thread's spec calls act on now: the selected one,
 * else the capability's (hsx.ko is asked).
 *
 * @return 0..HSX_FS_MAX_ROOTS-1, or a negative error code
 */
int hsx_fs_root(void);

/** The spec's path functions on root root (0..HSX_FS_MAX_ROOTS-1). */
hsx_fd_t hsx_fs_open_ex(int root, const char *path, uint32_t flags);
int hsx_fs_listdir_ex(int root, const char *path, char *buffer, uint32_t max_length);
int hsx_fs_delete_ex(int root, const char *path);
int hsx_fs_rename_ex(int root, const char *old_path, const char *new_path);
int hsx_fs_mkdir_ex(int root, const char *path);

/*
 * hsx_fs_read() and hsx_fs_write() move at most HSX_FS_XFER_MAX bytes per
 * call (a longer length is cut to it, as read(2) and write(2) may do less),
 * at the handle's position, which they advance (a HSX_FS_O_APPEND handle
 * writes at the end); 0 from a read is the end of the file. A NULL buffer
 * with a length is HSX_HAL_INVALID_PARAM.
 *
 * hsx_fs_listdir() writes every name of the directory followed by '\n', in
 * the directory's order (regular files and directories only, without "."
 * and ".."), and a NUL after the last if room remains (not counted). When
 * the names need more than max_length bytes (at most HSX_FS_LIST_MAX are
 * used), nothing is written: HSX_HAL_TOO_SMALL (ERANGE). A max_length of 0
 * or a NULL buffer is HSX_HAL_INVALID_PARAM.
 *
 * hsx_fs_delete() removes a file or an empty directory; hsx_fs_rename()
 * replaces new_path if it exists and is of the same kind (a directory only
 * when empty). hsx_fs_printf() formats into a buffer of the library's (a
 * result over HSX_FS_XFER_MAX bytes is HSX_HAL_INVALID_PARAM, nothing
 * written) and writes it in one call; it returns the bytes written.
 */

/**
 * Read or write at offset, the handle's position untouched (pread(2),
 * pwrite(2); with HSX_FS_O_APPEND a write still goes at the offset given).
 *
 * @return Bytes read (0 at the end of the file) or written, or a negative error code
 */
int hsx_fs_pread(hsx_fd_t fd, void *buffer, uint32_t length, uint64_t offset);
int hsx_fs_pwrite(hsx_fd_t fd, const void *data, uint32_t length, uint64_t offset);

/* hsx_fs_seek()'s whence, as lseek(2)'s. */
#define HSX_FS_SEEK_SET 0
#define HSX_FS_SEEK_CUR 1
#define HSX_FS_SEEK_END 2

/**
 * Move the handle's position (lseek(2)); past the end is allowed.
 *
 * @return The new position, or a negative error code
 */
int64_t hsx_fs_seek(hsx_fd_t fd, int64_t offset, int whence);

/* hsx_fs_stat_info.type */
#define HSX_FS_TYPE_FILE 1
#define HSX_FS_TYPE_DIR  2

/** What hsx_fs_stat() and hsx_fs_fstat() tell of a file or directory. */
typedef struct hsx_fs_stat_info {
    uint64_t size;     /* bytes (a directory's as its filesystem says) */
    int64_t mtime_ns;  /* last modification, CLOCK_REALTIME nanoseconds */
    uint32_t type;     /* HSX_FS_TYPE_FILE or HSX_FS_TYPE_DIR */
    uint32_t reserved;
} hsx_fs_stat_info_t;

/**
 * Describe the file or directory at path ("", "." or "/": the root), or
 * the file open on a handle.
 *
 * @return HSX_HAL_OK, or a negative error code
 */
int hsx_fs_stat(const char *path, struct hsx_fs_stat_info *info);
int hsx_fs_stat_ex(int root, const char *path, struct hsx_fs_stat_info *info);
int hsx_fs_fstat(hsx_fd_t fd, struct hsx_fs_stat_info *info);

/**
 * Write the file's data and size to its storage (fsync(2)); needs the
 * write right.
 *
 * @return HSX_HAL_OK, or a negative error code
 */
int hsx_fs_fsync(hsx_fd_t fd);

/**
 * Set the size of the file open on a handle opened for writing
 * (ftruncate(2)): cut, or extended with zeros (counted against the byte
 * quota).
 *
 * @return HSX_HAL_OK, or a negative error code
 */
int hsx_fs_truncate(hsx_fd_t fd, uint64_t size);

/**
 * Atomic replace: the file at path holds exactly len bytes of data
 * afterwards (created if it does not exist), or, on any error, what it held
 * before. hsx.ko writes them to a temporary file beside it, syncs it,
 * renames it over path and syncs the directory: after a power loss the
 * file holds the old content or the new one, whole. While it runs the
 * temporary file counts against the quotas.
 *
 * @param len 0..HSX_FS_XFER_MAX (more is HSX_HAL_INVALID_PARAM)
 * @return HSX_HAL_OK, or a negative error code
 */
int hsx_fs_replace(const char *path, const void *data, uint32_t len);
int hsx_fs_replace_ex(int root, const char *path, const void *data, uint32_t len);

/* hsx_fs_root_info_t.flags */
#define HSX_FS_READ_ONLY 0x1U /* bound read-only: nothing beneath it changes */

/** A root's binding, quotas and usage. */
typedef struct {
    uint32_t root;
    uint32_t bound;       /* 1 when bound; else every other field is zero */
    uint32_t flags;       /* HSX_FS_READ_ONLY */
    uint32_t handles;     /* handles open on it, every process's */
    uint64_t quota_bytes; /* the sum of its regular files' sizes may reach this */
    uint64_t used_bytes;
    uint64_t quota_files; /* files and directories below the root */
    uint64_t used_files;
    uint32_t owner_uid;   /* the storage owner, whose credentials hsx.ko uses there */
    uint32_t owner_gid;
} hsx_fs_root_info_t;

/**
 * The quotas and usage of the calling thread's root (hsx_fs_info()) or of
 * root root. An unbound root is HSX_HAL_OK with bound 0.
 *
 * @return HSX_HAL_OK, or a negative error code
 */
int hsx_fs_info(hsx_fs_root_info_t *info);
int hsx_fs_info_ex(int root, hsx_fs_root_info_t *info);

#endif /* HSX_FS_H */
