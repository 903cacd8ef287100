/* SPDX-License-Identifier: MIT */
/*
 * The FS module (0x14) through its ioctls, as unprivileged applications
 * (uid HOLDER_UID) granted a capability for their root by this program, the
 * administrator, on two filesystems: a tmpfs with a size limit and ext4 made
 * by mkfs.ext4 on a loop device. Every function and addition with its
 * documented errors, LISTDIR's buffer edges, MAP and its errors, quotas by
 * many small files and by one large one (INFO exact against the tree), the
 * filesystem itself full, and concurrent writers. After each test the
 * sentinel tree beside the roots is unchanged and INFO's usage is the
 * tree's. Handles' ends (revocation, expiry, the holder killed, the root
 * unbound, the file passed on) are test_fs_lifetime.c's; the attack matrix
 * is test_fs_attacks.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cap_holder.h"
#include "e2e.h"
#include "fs_rig.h"
#include "hsx_uapi.h"

#define BASE "/run/fse-k"

static struct fsys on_tiny = {.name = "tiny tmpfs"};

static int group_setup(void **state)
{
    rig_base = BASE;
    if (rig_group_setup(state))
        return -1;
    /* A filesystem smaller than its root's quota: the filesystem says no first. */
    snprintf(on_tiny.mnt, sizeof(on_tiny.mnt), "%s/tiny", BASE);
    rig_tmpfs(on_tiny.mnt, 256);
    rig_sentinel(on_tiny.mnt);
    return 0;
}

static int group_teardown(void **state)
{
    umount2(on_tiny.mnt, MNT_DETACH);
    return rig_group_teardown(state);
}

/* ---- OPEN, READ, WRITE, CLOSE ----------------------------------------------------------- */

static int app_open_read_write(int fd, int sock)
{
    char buf[64];
    struct hsx_fs_stat st;
    struct hsx_fs_info info;
    (void)sock;

    ROW("OPEN of a missing file");
    CHILD_EQ(fs_open(fd, R, "f", HSX_FS_O_RDONLY), -ENOENT);
    ROW("OPEN's flags");
    CHILD_EQ(fs_open(fd, R, "f", 0), -EINVAL);
    CHILD_EQ(fs_open(fd, R, "f", HSX_FS_O_CREAT), -EINVAL);
    CHILD_EQ(fs_open(fd, R, "f", HSX_FS_O_RDWR | 0x40), -EINVAL);
    CHILD_EQ(fs_open(fd, R, "f", HSX_FS_O_RDONLY | HSX_FS_O_TRUNC), -EINVAL);
    CHILD_EQ(fs_open(fd, R, "f", HSX_FS_O_RDONLY | HSX_FS_O_APPEND), -EINVAL);
    CHILD_EQ(fs_open(fd, R, "f", HSX_FS_O_RDONLY | HSX_FS_O_CREAT), -EINVAL);
    struct hsx_fs_open o = {
        .root = R, .flags = HSX_FS_O_RDWR | HSX_FS_O_CREAT, .path = fs_path("f"), .reserved = 1};
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_OPEN, &o), -EINVAL);
    o.reserved = 0;
    o.path.reserved = 1;
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_OPEN, &o), -EINVAL);
    ROW("OPEN of the root (the empty path is LISTDIR's and STAT's only)");
    CHILD_EQ(fs_open(fd, R, "", HSX_FS_O_RDONLY), -EINVAL);
    CHILD_EQ(fs_stat(fd, R, "f", NULL), -ENOENT); /* nothing was created by the refusals */

    ROW("OPEN with CREAT, EXCL");
    int h = fs_open(fd, R, "f", HSX_FS_O_WRONLY | HSX_FS_O_CREAT);
    CHILD_EQ(h >= 0 && h < HSX_FS_HANDLES_PER_FILE, 1);
    CHILD_EQ(fs_open(fd, R, "f", HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_EXCL), -EEXIST);
    ROW("WRITE at the handle's position, READ on a write-only handle");
    CHILD_EQ(fs_puts(fd, h, "hello "), 6);
    CHILD_EQ(fs_puts(fd, h, "world"), 5);
    CHILD_EQ(fs_read(fd, h, buf, 4), -EBADF);
    CHILD_EQ(fs_write(fd, h, buf, 0), 0);
    ROW("CLOSE, then the handle is no more");
    CHILD_EQ(fs_close(fd, h), 0);
    CHILD_EQ(fs_close(fd, h), -EINVAL);
    CHILD_EQ(fs_write(fd, h, "x", 1), -EINVAL);
    CHILD_EQ(fs_fstat(fd, R, h, &st), -EINVAL);

    ROW("READ to the end; WRITE on a read-only handle");
    h = fs_open(fd, R, "f", HSX_FS_O_RDONLY);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(fs_write(fd, h, "x", 1), -EBADF);
    CHILD_EQ(fs_read(fd, h, buf, 5), 5);
    CHILD_EQ(memcmp(buf, "hello", 5), 0);
    CHILD_EQ(fs_read(fd, h, buf, sizeof(buf)), 6);
    CHILD_EQ(memcmp(buf, " world", 6), 0);
    CHILD_EQ(fs_read(fd, h, buf, sizeof(buf)), 0);
    ROW("READ with HSX_FS_IO_AT leaves the position");
    CHILD_EQ(fs_seek(fd, h, 0, SEEK_SET), 0);
    CHILD_EQ(fs_pread(fd, h, buf, 5, 6), 5);
    CHILD_EQ(memcmp(buf, "world", 5), 0);
    CHILD_EQ(fs_pread(fd, h, buf, 5, 11), 0);
    CHILD_EQ(fs_pread(fd, h, buf, 5, 1000), 0);
    CHILD_EQ(fs_read(fd, h, buf, 5), 5);
    CHILD_EQ(memcmp(buf, "hello", 5), 0);

    ROW("WRITE with HSX_FS_IO_AT past the end: a hole, the position untouched");
    int h2 = fs_open(fd, R, "f", HSX_FS_O_RDWR);
    CHILD_EQ(h2 >= 0 && h2 != h, 1);
    CHILD_EQ(fs_pwrite(fd, h2, "!", 1, 20), 1);
    CHILD_EQ(fs_fstat(fd, R, h2, &st), 0);
    CHILD_EQ(st.size, 21);
    CHILD_EQ(fs_pread(fd, h2, buf, sizeof(buf), 0), 21);
    CHILD_EQ(memcmp(buf, "hello world\0\0\0\0\0\0\0\0\0!", 21), 0);
    CHILD_EQ(fs_read(fd, h2, buf, 5), 5); /* h2's own position: 0 */
    CHILD_EQ(memcmp(buf, "hello", 5), 0);
    ROW("READ and WRITE's other fields");
    struct hsx_fs_io io = {.handle = h2, .flags = 0x2, .buf = (uintptr_t)buf, .len = 1};
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_READ, &io), -EINVAL);
    io.flags = 0;
    io.len = HSX_FS_XFER_MAX + 1;
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_READ, &io), -EINVAL);
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_WRITE, &io), -EINVAL);
    CHILD_EQ(fs_read(fd, h2, NULL, 5), -EFAULT);
    CHILD_EQ(fs_read(fd, -1, buf, 1), -EINVAL);
    CHILD_EQ(fs_read(fd, HSX_FS_HANDLES_PER_FILE, buf, 1), -EINVAL);
    CHILD_EQ(fs_read(fd, HSX_FS_HANDLES_PER_FILE - 1, buf, 1), -EINVAL); /* never opened */
    CHILD_EQ(fs_close(fd, HSX_FS_HANDLES_PER_FILE - 1), -EINVAL);
    CHILD_EQ(fs_close(fd, h), 0);
    CHILD_EQ(fs_close(fd, h2), 0);

    ROW("OPEN with TRUNC");
    h = fs_open(fd, R, "f", HSX_FS_O_WRONLY | HSX_FS_O_TRUNC);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(fs_fstat(fd, R, h, &st), 0);
    CHILD_EQ(st.size, 0);
    CHILD_EQ(fs_puts(fd, h, "abc"), 3);
    ROW("OPEN with APPEND: every write at the end, wherever the position");
    h2 = fs_open(fd, R, "f", HSX_FS_O_WRONLY | HSX_FS_O_APPEND);
    CHILD_EQ(h2 >= 0, 1);
    CHILD_EQ(fs_seek(fd, h2, 0, SEEK_SET), 0);
    CHILD_EQ(fs_puts(fd, h2, "def"), 3);
    CHILD_EQ(fs_puts(fd, h, "ABC"), 3); /* h writes at its position, 3: over "def" */
    CHILD_EQ(fs_puts(fd, h2, "ghi"), 3);
    CHILD_EQ(fs_close(fd, h), 0);
    CHILD_EQ(fs_close(fd, h2), 0);
    CHILD_EQ(fs_slurp(fd, R, "f", buf, sizeof(buf)), 9);
    CHILD_EQ(strcmp(buf, "abcABCghi"), 0);

    ROW("OPEN of a directory, through a file, in a missing directory");
    CHILD_EQ(fs_mkdir(fd, R, "d"), 0);
    CHILD_EQ(fs_open(fd, R, "d", HSX_FS_O_RDONLY), -EISDIR);
    CHILD_EQ(fs_open(fd, R, "d", HSX_FS_O_WRONLY), -EISDIR);
    CHILD_EQ(fs_open(fd, R, "f/x", HSX_FS_O_RDONLY), -ENOTDIR);
    CHILD_EQ(fs_open(fd, R, "none/x", HSX_FS_O_WRONLY | HSX_FS_O_CREAT), -ENOENT);
    h = fs_open(fd, R, "d/new", HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_EXCL);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(fs_close(fd, h), 0);

    ROW("EMFILE at HSX_FS_HANDLES_PER_FILE");
    int hs[HSX_FS_HANDLES_PER_FILE];
    uint64_t seen = 0;
    for (int i = 0; i < HSX_FS_HANDLES_PER_FILE; i++) {
        hs[i] = fs_open(fd, R, "f", HSX_FS_O_RDONLY);
        CHILD_EQ(hs[i] >= 0 && hs[i] < HSX_FS_HANDLES_PER_FILE, 1);
        CHILD_EQ(seen >> hs[i] & 1, 0);
        seen |= 1ull << hs[i];
    }
    CHILD_EQ(fs_open(fd, R, "f", HSX_FS_O_RDONLY), -EMFILE);
    CHILD_EQ(fs_open(fd, R, "g", HSX_FS_O_WRONLY | HSX_FS_O_CREAT), -EMFILE);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.handles, HSX_FS_HANDLES_PER_FILE);
    CHILD_EQ(fs_close(fd, hs[10]), 0);
    hs[10] = fs_open(fd, R, "f", HSX_FS_O_RDONLY);
    CHILD_EQ(hs[10] >= 0, 1);
    for (int i = 0; i < HSX_FS_HANDLES_PER_FILE; i++)
        CHILD_EQ(fs_close(fd, hs[i]), 0);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.handles, 0);
    ROW("EMFILE: the refused OPEN with CREAT made nothing");
    CHILD_EQ(fs_stat(fd, R, "g", NULL), -ENOENT);
    return 0;
}

static void open_read_write_close(void **state)
{
    struct fsys *fs = *state;
    struct rooted r;
    char path[256], text[64];
    struct stat st;

    root_begin(&r, fs, "open", 0, 1 << 20, 64);
    assert_int_equal(run_fs_app("fs", app_open_read_write, RW, 1u << R), 0);
    /* What hsx made, as the filesystem has it: the storage owner's, 0600 and 0700. */
    snprintf(path, sizeof(path), "%s/f", r.dir);
    assert_int_equal(rig_read(path, text, sizeof(text)), 9);
    assert_string_equal(text, "abcABCghi");
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode, S_IFREG | HSX_FS_FILE_MODE);
    assert_int_equal(st.st_uid, OWNER_UID);
    assert_int_equal(st.st_gid, OWNER_UID);
    assert_int_equal(st.st_nlink, 1);
    snprintf(path, sizeof(path), "%s/d", r.dir);
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode, S_IFDIR | HSX_FS_DIR_MODE);
    assert_int_equal(st.st_uid, OWNER_UID);
    root_end(&r);
}

/* ---- SEEK, STAT, FSYNC, TRUNCATE ---------------------------------------------------------- */

static int app_seek_stat_fsync_truncate(int fd, int sock)
{
    uint8_t data[100], buf[200];
    struct hsx_fs_stat st, st2;
    struct hsx_fs_info info;

    fill(data, sizeof(data), 1);
    int h = fs_open(fd, R, "s", HSX_FS_O_RDWR | HSX_FS_O_CREAT);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(fs_write(fd, h, data, sizeof(data)), 100);
    ROW("SEEK");
    CHILD_EQ(fs_seek(fd, h, 10, SEEK_SET), 10);
    CHILD_EQ(fs_read(fd, h, buf, 5), 5);
    CHILD_EQ(memcmp(buf, data + 10, 5), 0);
    CHILD_EQ(fs_seek(fd, h, 0, SEEK_CUR), 15);
    CHILD_EQ(fs_seek(fd, h, -5, SEEK_CUR), 10);
    CHILD_EQ(fs_seek(fd, h, 0, SEEK_END), 100);
    CHILD_EQ(fs_seek(fd, h, -1, SEEK_END), 99);
    CHILD_EQ(fs_read(fd, h, buf, 10), 1);
    CHILD_EQ(buf[0], data[99]);
    CHILD_EQ(fs_seek(fd, h, -1, SEEK_SET), -EINVAL);
    CHILD_EQ(fs_seek(fd, h, -1000, SEEK_CUR), -EINVAL);
    CHILD_EQ(fs_seek(fd, h, 0, 3), -EINVAL);
    CHILD_EQ(fs_seek(fd, h, 0, SEEK_CUR), 100); /* the refusals moved nothing */
    ROW("SEEK past the end, then WRITE: a hole");
    CHILD_EQ(fs_seek(fd, h, 1000, SEEK_SET), 1000);
    CHILD_EQ(fs_read(fd, h, buf, 10), 0);
    CHILD_EQ(fs_write(fd, h, "z", 1), 1);
    CHILD_EQ(fs_seek(fd, h, 0, SEEK_CUR), 1001);

    ROW("STAT by path and by handle");
    CHILD_EQ(fs_stat(fd, R, "s", &st), 0);
    CHILD_EQ(st.type, HSX_FS_T_FILE);
    CHILD_EQ(st.size, 1001);
    CHILD_EQ(st.mtime_ns > 0, 1);
    CHILD_EQ(fs_fstat(fd, R, h, &st2), 0);
    CHILD_EQ(st2.type, HSX_FS_T_FILE);
    CHILD_EQ(st2.size, 1001);
    CHILD_EQ(st2.mtime_ns, st.mtime_ns);
    /* The test compares it with the filesystem's, while the file stays as it is. */
    CHILD_EQ(write(sock, &st, sizeof(st)), sizeof(st));
    CHILD_EQ(recv_byte(sock), 'k');
    CHILD_EQ(fs_stat(fd, R, "", &st), 0);
    CHILD_EQ(st.type, HSX_FS_T_DIR);
    CHILD_EQ(fs_mkdir(fd, R, "sd"), 0);
    CHILD_EQ(fs_stat(fd, R, "sd", &st), 0);
    CHILD_EQ(st.type, HSX_FS_T_DIR);
    CHILD_EQ(fs_stat(fd, R, "none", &st), -ENOENT);
    CHILD_EQ(fs_stat(fd, R, "s/x", &st), -ENOTDIR);
    ROW("STAT's fields: a handle and a path; reserved");
    struct hsx_fs_stat bad = {.root = R, .handle = h, .path = fs_path("s")};
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_STAT, &bad), -EINVAL);
    bad.handle = -1;
    bad.reserved = 1;
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_STAT, &bad), -EINVAL);
    bad.reserved = 0;
    bad.root = HSX_FS_MAX_ROOTS;
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_STAT, &bad), -EINVAL);

    ROW("FSYNC");
    CHILD_EQ(fs_fsync(fd, h), 0);
    CHILD_EQ(fs_handle_op(fd, HSX_IOC_FS_FSYNC, h, 1, NULL), -EINVAL);
    CHILD_EQ(fs_fsync(fd, 63), -EINVAL);

    ROW("TRUNCATE down and up");
    CHILD_EQ(fs_truncate(fd, h, 3), 0);
    CHILD_EQ(fs_fstat(fd, R, h, &st), 0);
    CHILD_EQ(st.size, 3);
    CHILD_EQ(fs_truncate(fd, h, 50), 0);
    CHILD_EQ(fs_pread(fd, h, buf, sizeof(buf), 0), 50);
    CHILD_EQ(memcmp(buf, data, 3), 0);
    for (int i = 3; i < 50; i++)
        CHILD_EQ(buf[i], 0);
    CHILD_EQ(fs_truncate(fd, h, -1), -EINVAL);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_bytes, 50);
    ROW("TRUNCATE on a read-only handle");
    int r = fs_open(fd, R, "s", HSX_FS_O_RDONLY);
    CHILD_EQ(r >= 0, 1);
    long ret = fs_truncate(fd, r, 0);
    CHILD_EQ(ret == -EBADF || ret == -EINVAL, 1); /* as ftruncate(2) on an O_RDONLY file */
    CHILD_EQ(fs_fstat(fd, R, r, &st), 0);
    CHILD_EQ(st.size, 50);
    CHILD_EQ(fs_close(fd, r), 0);
    CHILD_EQ(fs_close(fd, h), 0);
    CHILD_EQ(fs_fsync(fd, h), -EINVAL);
    CHILD_EQ(fs_truncate(fd, h, 0), -EINVAL);
    CHILD_EQ(fs_seek(fd, h, 0, SEEK_SET), -EINVAL);
    return 0;
}

static void seek_stat_fsync_truncate(void **state)
{
    struct fsys *fs = *state;
    struct rooted r;
    struct holder h;
    struct hsx_fs_stat got;
    struct stat st;
    char path[256];

    root_begin(&r, fs, "stat", 0, 1 << 20, 64);
    start_holder(&h, "fs", app_seek_stat_fsync_truncate);
    assert_int_equal(mint(h.file, HSX_MODULE_FS, RW, fs_roots(1u << R), 600000000000ull, NULL), 0);
    send_byte(h.sock, 'g');
    assert_int_equal(read(h.sock, &got, sizeof(got)), sizeof(got));
    snprintf(path, sizeof(path), "%s/s", r.dir);
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(got.size, 1001);
    assert_int_equal(got.mtime_ns, (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
    send_byte(h.sock, 'k');
    assert_int_equal(finish_holder(&h), 0);
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_size, 50);
    root_end(&r);
}

/* ---- LISTDIR ---------------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of a LISTDIR answer, sorted and joined by ',' into out. */
static void names_of(const char *buf, uint32_t len, char *out, size_t size)
{
    char copy[4096], *names[256], *save = NULL;
    int n = 0;

    memcpy(copy, buf, len);
    copy[len] = '\0';
    for (char *t = strtok_r(copy, "\n", &save); t && n < 256; t = strtok_r(NULL, "\n", &save))
        names[n++] = t;
    qsort(names, (size_t)n, sizeof(*names), cmp_names);
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? "," : "", names[i]);
}

static int app_listdir(int fd, int sock)
{
    char buf[4096], names[4096];
    struct hsx_fs_listdir l;
    (void)sock;

    CHILD_EQ(fs_put(fd, R, "a", "1"), 0);
    CHILD_EQ(fs_put(fd, R, "bb", ""), 0);
    CHILD_EQ(fs_put(fd, R, "ccc", "333"), 0);
    CHILD_EQ(fs_mkdir(fd, R, "dddd"), 0);
    ROW("LISTDIR of the root (the empty path)");
    memset(buf, 0x55, sizeof(buf));
    CHILD_EQ(fs_list(fd, R, "", buf, sizeof(buf), &l), 0);
    CHILD_EQ(l.count, 4);
    CHILD_EQ(l.len, 14);
    CHILD_EQ(l.needed, 14);
    CHILD_EQ(buf[13], '\n');
    CHILD_EQ((uint8_t)buf[14], 0x55);
    names_of(buf, l.len, names, sizeof(names));
    CHILD_EQ(strcmp(names, "a,bb,ccc,dddd"), 0);
    ROW("LISTDIR: an exact fit");
    memset(buf, 0x55, sizeof(buf));
    CHILD_EQ(fs_list(fd, R, "", buf, 14, &l), 0);
    CHILD_EQ(l.len, 14);
    CHILD_EQ(l.count, 4);
    CHILD_EQ((uint8_t)buf[14], 0x55);
    ROW("LISTDIR: one byte short (a success, len 0, needed, nothing written)");
    memset(buf, 0x55, sizeof(buf));
    CHILD_EQ(fs_list(fd, R, "", buf, 13, &l), 0);
    CHILD_EQ(l.len, 0);
    CHILD_EQ(l.needed, 14);
    CHILD_EQ(l.count, 4);
    for (int i = 0; i < 64; i++)
        CHILD_EQ((uint8_t)buf[i], 0x55);
    CHILD_EQ(fs_list(fd, R, "", buf, 1, &l), 0);
    CHILD_EQ(l.len, 0);
    CHILD_EQ(l.needed, 14);
    CHILD_EQ((uint8_t)buf[0], 0x55);
    ROW("LISTDIR: max 0, too much, reserved, no buffer");
    CHILD_EQ(fs_list(fd, R, "", buf, 0, &l), -EINVAL);
    CHILD_EQ(fs_list(fd, R, "", buf, HSX_FS_LIST_MAX + 1, &l), -EINVAL);
    struct hsx_fs_listdir bad = {.root = R, .max = 100, .buf = (uintptr_t)buf, .reserved = 1};
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_LISTDIR, &bad), -EINVAL);
    CHILD_EQ(fs_list(fd, R, "", NULL, 100, &l), -EFAULT);
    ROW("LISTDIR of an empty directory, a file, nothing");
    CHILD_EQ(fs_list(fd, R, "dddd", buf, sizeof(buf), &l), 0);
    CHILD_EQ(l.len, 0);
    CHILD_EQ(l.needed, 0);
    CHILD_EQ(l.count, 0);
    CHILD_EQ(fs_list(fd, R, "a", buf, sizeof(buf), &l), -ENOTDIR);
    CHILD_EQ(fs_list(fd, R, "none", buf, sizeof(buf), &l), -ENOENT);
    ROW("LISTDIR of a hundred names");
    for (int i = 0; i < 100; i++) {
        char name[32];
        snprintf(name, sizeof(name), "dddd/file-%03d", i);
        CHILD_EQ(fs_put(fd, R, name, ""), 0);
    }
    CHILD_EQ(fs_list(fd, R, "dddd", buf, 900, &l), 0);
    CHILD_EQ(l.len, 900);
    CHILD_EQ(l.count, 100);
    names_of(buf, l.len, names, sizeof(names));
    CHILD_EQ(strncmp(names, "file-000,file-001,", 18), 0);
    CHILD_EQ(strcmp(names + strlen(names) - 9, ",file-099"), 0);
    CHILD_EQ(fs_list(fd, R, "dddd", buf, 899, &l), 0);
    CHILD_EQ(l.len, 0);
    CHILD_EQ(l.needed, 900);
    return 0;
}

static void listdir_edges(void **state)
{
    struct rooted r;

    root_begin(&r, *state, "list", 0, 1 << 20, 256);
    assert_int_equal(run_fs_app("fs", app_listdir, RW, 1u << R), 0);
    root_end(&r);
}

/* ---- REPLACE ------------------------------------------------------------------------------ */

static int app_replace(int fd, int sock)
{
    static uint8_t big[HSX_FS_XFER_MAX], back[HSX_FS_XFER_MAX];
    char buf[4096], names[4096];
    struct hsx_fs_listdir l;
    struct hsx_fs_stat st;
    (void)sock;

    ROW("REPLACE over a file: the new content whole; a handle keeps the old file");
    CHILD_EQ(fs_put(fd, R, "cfg", "old content\n"), 0);
    int h = fs_open(fd, R, "cfg", HSX_FS_O_RDONLY);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(fs_replace(fd, R, "cfg", "new"), 0);
    CHILD_EQ(fs_slurp(fd, R, "cfg", buf, sizeof(buf)), 3);
    CHILD_EQ(strcmp(buf, "new"), 0);
    CHILD_EQ(fs_read(fd, h, buf, sizeof(buf)), 12);
    CHILD_EQ(memcmp(buf, "old content\n", 12), 0);
    CHILD_EQ(fs_close(fd, h), 0);
    ROW("REPLACE: no temporary file in LISTDIR (one a crash left is hsx's, unseen)");
    CHILD_EQ(fs_list(fd, R, "", buf, sizeof(buf), &l), 0);
    names_of(buf, l.len, names, sizeof(names));
    CHILD_EQ(strcmp(names, "cfg"), 0);
    CHILD_EQ(fs_stat(fd, R, HSX_FS_TMP_PREFIX "cfg", &st), -EINVAL);
    ROW("REPLACE of a new name, with nothing, with HSX_FS_XFER_MAX bytes");
    CHILD_EQ(fs_replace(fd, R, "fresh", "brand new"), 0);
    CHILD_EQ(fs_slurp(fd, R, "fresh", buf, sizeof(buf)), 9);
    CHILD_EQ(strcmp(buf, "brand new"), 0);
    CHILD_EQ(fs_replace(fd, R, "fresh", ""), 0);
    CHILD_EQ(fs_stat(fd, R, "fresh", &st), 0);
    CHILD_EQ(st.size, 0);
    fill(big, sizeof(big), 3);
    CHILD_EQ(fs_replacep(fd, R, fs_path("big"), big, sizeof(big)), 0);
    h = fs_open(fd, R, "big", HSX_FS_O_RDONLY);
    CHILD_EQ(fs_read(fd, h, back, sizeof(back)), sizeof(back));
    CHILD_EQ(memcmp(back, big, sizeof(big)), 0);
    CHILD_EQ(fs_close(fd, h), 0);
    ROW("REPLACE of a directory, in a missing one, of hsx's own name, too long, reserved");
    CHILD_EQ(fs_mkdir(fd, R, "dir"), 0);
    CHILD_EQ(fs_replace(fd, R, "dir", "x"), -EISDIR);
    CHILD_EQ(fs_replace(fd, R, "none/x", "x"), -ENOENT);
    CHILD_EQ(fs_replace(fd, R, HSX_FS_TMP_PREFIX "cfg", "x"), -EINVAL);
    CHILD_EQ(fs_replace(fd, R, "", "x"), -EINVAL);
    CHILD_EQ(fs_replacep(fd, R, fs_path("cfg"), big, HSX_FS_XFER_MAX + 1), -EINVAL);
    struct hsx_fs_replace bad = {
        .root = R, .reserved = 1, .path = fs_path("cfg"), .buf = (uintptr_t) "x", .len = 1};
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_REPLACE, &bad), -EINVAL);
    bad.reserved = 0;
    bad.reserved2 = 1;
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_REPLACE, &bad), -EINVAL);
    CHILD_EQ(fs_replacep(fd, R, fs_path("cfg"), NULL, 10), -EFAULT);
    CHILD_EQ(fs_slurp(fd, R, "cfg", buf, sizeof(buf)), 3); /* still the last good one */
    CHILD_EQ(strcmp(buf, "new"), 0);
    return 0;
}

static void replace_whole(void **state)
{
    struct fsys *fs = *state;
    struct rooted r;
    char path[256], text[64];
    struct stat st;

    /* A temporary file a power loss left behind, there before the root was bound. */
    snprintf(path, sizeof(path), "%s/replace", fs->mnt);
    rig_mkdir(path, OWNER_UID, 0700);
    snprintf(path, sizeof(path), "%s/replace/" HSX_FS_TMP_PREFIX "cfg", fs->mnt);
    rig_file(path, "half a file", OWNER_UID, 0600);
    root_begin(&r, fs, "replace", 0, 4 << 20, 64);
    assert_int_equal(run_fs_app("fs", app_replace, RW, 1u << R), 0);
    snprintf(path, sizeof(path), "%s/cfg", r.dir);
    assert_int_equal(rig_read(path, text, sizeof(text)), 3);
    assert_string_equal(text, "new");
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode, S_IFREG | HSX_FS_FILE_MODE);
    assert_int_equal(st.st_uid, OWNER_UID);
    /* No temporary file is left beside the files REPLACE wrote. */
    DIR *d = opendir(r.dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, HSX_FS_TMP_PREFIX, strlen(HSX_FS_TMP_PREFIX)) &&
            strcmp(e->d_name, HSX_FS_TMP_PREFIX "cfg"))
            fail_msg("a temporary file is left: %s", e->d_name);
    closedir(d);
    root_end(&r);
}

/* ---- DELETE, RENAME, MKDIR ---------------------------------------------------------------- */

static int app_delete_rename_mkdir(int fd, int sock)
{
    char buf[64];
    uint8_t kb[1000];
    struct hsx_fs_info info;
    (void)sock;

    ROW("MKDIR");
    CHILD_EQ(fs_mkdir(fd, R, "d"), 0);
    CHILD_EQ(fs_mkdir(fd, R, "d"), -EEXIST);
    CHILD_EQ(fs_mkdir(fd, R, "x/y"), -ENOENT);
    CHILD_EQ(fs_put(fd, R, "f", "F"), 0);
    CHILD_EQ(fs_mkdir(fd, R, "f"), -EEXIST);
    CHILD_EQ(fs_mkdir(fd, R, "f/y"), -ENOTDIR);
    CHILD_EQ(fs_mkdir(fd, R, ""), -EINVAL);
    CHILD_EQ(fs_mkdir(fd, R, "d/e"), 0);
    struct hsx_fs_pathop bad = {.root = R, .flags = 1, .path = fs_path("g")};
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_MKDIR, &bad), -EINVAL);
    bad.flags = 0;
    bad.path2 = fs_path("h");
    CHILD_EQ(e2e_ioctl(fd, HSX_IOC_FS_MKDIR, &bad), -EINVAL);
    CHILD_EQ(fs_stat(fd, R, "g", NULL), -ENOENT);

    ROW("DELETE: a file, an empty directory, ENOTEMPTY");
    CHILD_EQ(fs_delete(fd, R, "d"), -ENOTEMPTY);
    CHILD_EQ(fs_delete(fd, R, "d/e"), 0);
    CHILD_EQ(fs_delete(fd, R, "d"), 0);
    CHILD_EQ(fs_delete(fd, R, "d"), -ENOENT);
    CHILD_EQ(fs_delete(fd, R, ""), -EINVAL);
    CHILD_EQ(fs_delete(fd, R, "f/x"), -ENOTDIR);
    CHILD_EQ(fs_delete(fd, R, "f"), 0);
    CHILD_EQ(fs_stat(fd, R, "f", NULL), -ENOENT);

    ROW("RENAME to a new name, over a file");
    CHILD_EQ(fs_put(fd, R, "a", "A"), 0);
    CHILD_EQ(fs_rename(fd, R, "a", "b", 0), 0);
    CHILD_EQ(fs_stat(fd, R, "a", NULL), -ENOENT);
    CHILD_EQ(fs_put(fd, R, "c", "CC"), 0);
    CHILD_EQ(fs_rename(fd, R, "b", "c", 0), 0);
    CHILD_EQ(fs_slurp(fd, R, "c", buf, sizeof(buf)), 1);
    CHILD_EQ(strcmp(buf, "A"), 0);
    CHILD_EQ(fs_stat(fd, R, "b", NULL), -ENOENT);
    ROW("RENAME with NOREPLACE");
    CHILD_EQ(fs_put(fd, R, "b", "B"), 0);
    CHILD_EQ(fs_rename(fd, R, "b", "c", HSX_FS_RENAME_NOREPLACE), -EEXIST);
    CHILD_EQ(fs_slurp(fd, R, "b", buf, sizeof(buf)), 1);
    CHILD_EQ(fs_slurp(fd, R, "c", buf, sizeof(buf)), 1);
    CHILD_EQ(strcmp(buf, "A"), 0);
    CHILD_EQ(fs_rename(fd, R, "b", "b2", HSX_FS_RENAME_NOREPLACE), 0);
    ROW("RENAME of directories, into a directory, into itself");
    CHILD_EQ(fs_mkdir(fd, R, "d1"), 0);
    CHILD_EQ(fs_put(fd, R, "d1/x", "x"), 0);
    CHILD_EQ(fs_mkdir(fd, R, "d2"), 0);
    CHILD_EQ(fs_rename(fd, R, "d2", "d1", 0), -ENOTEMPTY);
    CHILD_EQ(fs_rename(fd, R, "c", "d2", 0), -EISDIR);
    CHILD_EQ(fs_rename(fd, R, "d2", "c", 0), -ENOTDIR);
    CHILD_EQ(fs_mkdir(fd, R, "d3"), 0);
    CHILD_EQ(fs_rename(fd, R, "d3", "d2", 0), 0);
    CHILD_EQ(fs_rename(fd, R, "d1", "d1/sub", 0), -EINVAL);
    CHILD_EQ(fs_rename(fd, R, "c", "d1/c", 0), 0);
    CHILD_EQ(fs_slurp(fd, R, "d1/c", buf, sizeof(buf)), 1);
    CHILD_EQ(fs_rename(fd, R, "none", "x", 0), -ENOENT);
    CHILD_EQ(fs_rename(fd, R, "b2", "none/x", 0), -ENOENT);
    CHILD_EQ(fs_rename(fd, R, "b2", "b3", 0x2), -EINVAL);
    CHILD_EQ(fs_rename(fd, R, "b2", "", 0), -EINVAL);
    CHILD_EQ(fs_rename(fd, R, "", "b3", 0), -EINVAL);
    CHILD_EQ(fs_rename(fd, R, "b2", HSX_FS_TMP_PREFIX "b2", 0), -EINVAL);
    CHILD_EQ(fs_slurp(fd, R, "b2", buf, sizeof(buf)), 1);

    ROW("DELETE of a file a handle holds: its bytes count until it closes");
    memset(kb, 'k', sizeof(kb));
    int h = fs_open(fd, R, "held", HSX_FS_O_RDWR | HSX_FS_O_CREAT);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(fs_write(fd, h, kb, sizeof(kb)), sizeof(kb));
    CHILD_EQ(fs_info(fd, R, &info), 0);
    uint64_t used = info.used_bytes, files = info.used_files;
    CHILD_EQ(fs_delete(fd, R, "held"), 0);
    CHILD_EQ(fs_stat(fd, R, "held", NULL), -ENOENT);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_bytes, used);
    CHILD_EQ(fs_pread(fd, h, kb, sizeof(kb), 0), sizeof(kb));
    CHILD_EQ(fs_close(fd, h), 0);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_bytes, used - sizeof(kb));
    CHILD_EQ(info.used_files, files - 1);
    return 0;
}

static void delete_rename_mkdir(void **state)
{
    struct rooted r;
    char path[256];
    struct stat st;

    root_begin(&r, *state, "names", 0, 1 << 20, 64);
    assert_int_equal(run_fs_app("fs", app_delete_rename_mkdir, RW, 1u << R), 0);
    snprintf(path, sizeof(path), "%s/d2", r.dir);
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode, S_IFDIR | HSX_FS_DIR_MODE);
    assert_int_equal(st.st_uid, OWNER_UID);
    root_end(&r);
}

/* ---- MAP, INFO --------------------------------------------------------------------------------
 */

static void map_info_and_their_errors(void **state)
{
    struct fsys *fs = &on_tmpfs;
    char dir[160], file[200], other[160];
    struct hsx_fs_info info;
    uint32_t root = 0, again;
    (void)state;

    snprintf(dir, sizeof(dir), "%s/map", fs->mnt);
    snprintf(other, sizeof(other), "%s/map2", fs->mnt);
    rig_mkdir(dir, OWNER_UID, 0700);
    rig_mkdir(other, OWNER_UID, 0700);
    snprintf(file, sizeof(file), "%s/map/f", fs->mnt);
    rig_file(file, "12345", OWNER_UID, 0600);

    /* Quotas of 0, below the usage; a bad root, flag, reserved field, directory. */
    assert_int_equal(fs_map(&root, dir, HSX_FS_MAP_ANY, 0, 10, 5, 1), -EINVAL);
    assert_int_equal(fs_map(&root, dir, HSX_FS_MAP_ANY, 100, 0, 5, 1), -EINVAL);
    assert_int_equal(fs_map(&root, dir, HSX_FS_MAP_ANY, 4, 10, 5, 1), -EINVAL);
    assert_int_equal(fs_map(&root, dir, HSX_FS_MAP_ANY, 100, 1, 5, 2), -EINVAL);
    root = HSX_FS_MAX_ROOTS;
    assert_int_equal(fs_map(&root, dir, 0, 100, 10, 5, 1), -EINVAL);
    root = 0;
    assert_int_equal(fs_map(&root, dir, 0x8, 100, 10, 5, 1), -EINVAL);
    struct hsx_fs_map m = {
        .root = 5, .dirfd = open(file, O_RDONLY | O_CLOEXEC), .quota_bytes = 1, .quota_files = 1};
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_FS_MAP, &m), -ENOTDIR);
    close(m.dirfd);
    m.dirfd = 999;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_FS_MAP, &m), -EBADF);
    m.dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    m.reserved = 1;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_FS_MAP, &m), -EINVAL);
    /* Only the administrator's node binds. */
    m.reserved = 0;
    assert_int_equal(e2e_ioctl(fsnode, HSX_IOC_FS_MAP, &m), -EPERM);
    close(m.dirfd);
    assert_int_equal(fs_unmap(7), -ENXIO);

    /* Bound: the instance, INFO; the same directory is one root only. */
    root = 3;
    assert_int_equal(fs_map(&root, dir, HSX_FS_MAP_READ_ONLY, 100, 10, 5, 1), 0);
    assert_int_equal(root, 3);
    assert_true(e2e_exists("/dev/hsx/fs3"));
    assert_true(e2e_exists("/sys/hal/fs/3"));
    assert_int_equal(fs_info(fsnode, 3, &info), 0);
    assert_int_equal(info.bound, 1);
    assert_int_equal(info.flags, HSX_FS_MAP_READ_ONLY);
    assert_int_equal(info.handles, 0);
    assert_int_equal(info.quota_bytes, 100);
    assert_int_equal(info.used_bytes, 5);
    assert_int_equal(info.quota_files, 10);
    assert_int_equal(info.used_files, 1);
    assert_int_equal(info.owner_uid, OWNER_UID);
    assert_int_equal(info.owner_gid, OWNER_UID);
    again = 4;
    assert_int_equal(fs_map(&again, dir, 0, 100, 10, 5, 1), -EEXIST);
    again = 0;
    assert_int_equal(fs_map(&again, dir, HSX_FS_MAP_ANY, 999, 99, 5, 1), 0);
    assert_int_equal(again, 3);
    assert_int_equal(fs_map_flags_out & HSX_FS_MAP_EXISTING, HSX_FS_MAP_EXISTING);
    assert_int_equal(fs_info(fsnode, 3, &info), 0);
    assert_int_equal(info.quota_bytes, 100); /* nothing changed */
    assert_int_equal(info.flags, HSX_FS_MAP_READ_ONLY);
    again = 3;
    assert_int_equal(fs_map(&again, other, 0, 100, 10, 0, 0), -EBUSY);
    /* ANY: the first free root. */
    again = 0;
    assert_int_equal(fs_map(&again, other, HSX_FS_MAP_ANY, 100, 10, 0, 0), 0);
    assert_int_equal(fs_map_flags_out & HSX_FS_MAP_EXISTING, 0);
    assert_int_not_equal(again, 3);
    struct hsx_fs_info free_info;
    for (uint32_t i = 0; i < again; i++) {
        assert_int_equal(fs_info(fsnode, i, &free_info), 0);
        if (!free_info.bound)
            fail_msg("MAP_ANY chose %u, but %u is free", again, i);
    }
    assert_int_equal(fs_unmap(again), 0);

    /* A node of one root serves that root only. */
    int one = e2e_open_node("fs3");
    assert_int_equal(fs_stat(one, 3, "f", NULL), 0);
    assert_int_equal(fs_stat(one, 4, "f", NULL), -EINVAL);
    assert_int_equal(fs_info(fsnode, HSX_FS_MAX_ROOTS, &info), -EINVAL);

    /* Unbound: the instance gone, INFO all zero, the root's functions ENXIO. */
    assert_int_equal(fs_unmap(3), 0);
    assert_false(e2e_exists("/dev/hsx/fs3"));
    assert_false(e2e_exists("/sys/hal/fs/3"));
    assert_int_equal(fs_info(fsnode, 3, &info), 0);
    struct hsx_fs_info zero = {.root = 3};
    assert_memory_equal(&info, &zero, sizeof(info));
    assert_int_equal(fs_stat(fsnode, 3, "f", NULL), -ENXIO);
    assert_int_equal(fs_open(fsnode, 3, "f", HSX_FS_O_RDONLY), -ENXIO);
    assert_int_equal(fs_stat(one, 3, "f", NULL), -ENODEV);
    close(one);
    assert_int_equal(fs_unmap(3), -ENXIO);

    /* Every root bound: ENOSPC. */
    uint32_t mine[HSX_FS_MAX_ROOTS + 1], n = 0;
    int ret = 0;
    while (n <= HSX_FS_MAX_ROOTS) {
        char d[160];
        snprintf(d, sizeof(d), "%s/map/r%u", fs->mnt, n);
        rig_mkdir(d, OWNER_UID, 0700);
        root = 0;
        ret = fs_map(&root, d, HSX_FS_MAP_ANY, 100, 10, 0, 0);
        if (ret)
            break;
        mine[n++] = root;
    }
    assert_int_equal(ret, -ENOSPC);
    for (uint32_t i = 0; i < HSX_FS_MAX_ROOTS; i++) {
        assert_int_equal(fs_info(fsnode, i, &info), 0);
        assert_int_equal(info.bound, 1);
    }
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(fs_unmap(mine[i]), 0);
}

/* ---- Quotas -------------------------------------------------------------------------------- */

#define QUOTA_FILES 8
#define QUOTA_BYTES (64 * 1024)

static int app_many_small_files(int fd, int sock)
{
    struct hsx_fs_info info;
    char name[16], buf[16];
    (void)sock;

    ROW("files up to the quota");
    for (int i = 0; i < QUOTA_FILES; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        CHILD_EQ(fs_put(fd, R, name, "x"), 0);
    }
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_files, QUOTA_FILES);
    CHILD_EQ(info.used_bytes, QUOTA_FILES);
    ROW("one more: OPEN with CREAT, MKDIR, REPLACE of a new name");
    CHILD_EQ(fs_open(fd, R, "f8", HSX_FS_O_WRONLY | HSX_FS_O_CREAT), -EDQUOT);
    CHILD_EQ(fs_open(fd, R, "f8", HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_EXCL), -EDQUOT);
    CHILD_EQ(fs_mkdir(fd, R, "dir"), -EDQUOT);
    CHILD_EQ(fs_replace(fd, R, "f8", "y"), -EDQUOT);
    ROW("REPLACE of an existing file: its temporary file counts");
    CHILD_EQ(fs_replace(fd, R, "f1", "y"), -EDQUOT);
    CHILD_EQ(fs_slurp(fd, R, "f1", buf, sizeof(buf)), 1);
    CHILD_EQ(strcmp(buf, "x"), 0);
    CHILD_EQ(fs_stat(fd, R, "f8", NULL), -ENOENT);
    CHILD_EQ(fs_stat(fd, R, "dir", NULL), -ENOENT);
    ROW("what makes no file still works: CREAT of one that exists, RENAME");
    int h = fs_open(fd, R, "f0", HSX_FS_O_WRONLY | HSX_FS_O_CREAT);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(fs_close(fd, h), 0);
    CHILD_EQ(fs_rename(fd, R, "f0", "g0", 0), 0);
    CHILD_EQ(fs_rename(fd, R, "f2", "g0", 0), 0); /* over a file: one fewer */
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_files, QUOTA_FILES - 1);
    CHILD_EQ(fs_mkdir(fd, R, "dir"), 0);
    CHILD_EQ(fs_mkdir(fd, R, "dir2"), -EDQUOT);
    CHILD_EQ(fs_delete(fd, R, "g0"), 0);
    CHILD_EQ(fs_put(fd, R, "dir/f8", "z"), 0);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_files, QUOTA_FILES);
    CHILD_EQ(info.quota_files, QUOTA_FILES);
    return 0;
}

static void quota_by_many_small_files(void **state)
{
    struct rooted r;

    root_begin(&r, *state, "small", 0, QUOTA_BYTES, QUOTA_FILES);
    assert_int_equal(run_fs_app("fs", app_many_small_files, RW, 1u << R), 0);
    root_end(&r);
}

static int app_one_large_file(int fd, int sock)
{
    static uint8_t data[100 * 1024], back[100 * 1024];
    struct hsx_fs_info info;
    struct hsx_fs_stat st;
    (void)sock;

    fill(data, sizeof(data), 9);
    ROW("one write past the quota: the part that fits, then EDQUOT");
    int h = fs_open(fd, R, "big", HSX_FS_O_RDWR | HSX_FS_O_CREAT);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(fs_write(fd, h, data, sizeof(data)), QUOTA_BYTES);
    CHILD_EQ(fs_write(fd, h, data, 1), -EDQUOT);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_bytes, QUOTA_BYTES);
    CHILD_EQ(info.quota_bytes, QUOTA_BYTES);
    CHILD_EQ(fs_fstat(fd, R, h, &st), 0);
    CHILD_EQ(st.size, QUOTA_BYTES);
    CHILD_EQ(fs_pread(fd, h, back, sizeof(back), 0), QUOTA_BYTES);
    CHILD_EQ(memcmp(back, data, QUOTA_BYTES), 0);
    ROW("a write inside the file still goes; a new file's byte does not");
    CHILD_EQ(fs_pwrite(fd, h, "ab", 2, 100), 2);
    CHILD_EQ(fs_put(fd, R, "other", "1"), -EDQUOT);
    CHILD_EQ(fs_stat(fd, R, "other", &st), 0); /* made, empty: the file quota has room */
    CHILD_EQ(st.size, 0);
    CHILD_EQ(fs_replace(fd, R, "other", "1"), -EDQUOT);
    ROW("TRUNCATE past the quota, and down");
    CHILD_EQ(fs_truncate(fd, h, QUOTA_BYTES + 1), -EDQUOT);
    CHILD_EQ(fs_truncate(fd, h, 1000), 0);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_bytes, 1000);
    ROW("a hole past the quota; a write at its edge, cut to fit");
    CHILD_EQ(fs_pwrite(fd, h, "x", 1, QUOTA_BYTES), -EDQUOT);
    CHILD_EQ(fs_pwrite(fd, h, "xy", 2, QUOTA_BYTES - 1), 1);
    CHILD_EQ(fs_fstat(fd, R, h, &st), 0);
    CHILD_EQ(st.size, QUOTA_BYTES);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_bytes, QUOTA_BYTES);
    ROW("REPLACE: the old and the new both count while the temporary file exists");
    CHILD_EQ(fs_truncate(fd, h, 40 * 1024), 0);
    CHILD_EQ(fs_replacep(fd, R, fs_path("big"), data, 30 * 1024), -EDQUOT);
    CHILD_EQ(fs_fstat(fd, R, h, &st), 0);
    CHILD_EQ(st.size, 40 * 1024);
    CHILD_EQ(fs_replacep(fd, R, fs_path("big"), data, 20 * 1024), 0);
    CHILD_EQ(fs_stat(fd, R, "big", &st), 0);
    CHILD_EQ(st.size, 20 * 1024);
    CHILD_EQ(fs_close(fd, h), 0); /* its old file, replaced, stops counting */
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_bytes, 20 * 1024);
    return 0;
}

static void quota_by_one_large_file(void **state)
{
    struct rooted r;

    root_begin(&r, *state, "large", 0, QUOTA_BYTES, QUOTA_FILES);
    assert_int_equal(run_fs_app("fs", app_one_large_file, RW, 1u << R), 0);
    root_end(&r);
}

static int app_fills_its_filesystem(int fd, int sock)
{
    static uint8_t data[512 * 1024];
    struct hsx_fs_info info;
    struct hsx_fs_stat st;
    (void)sock;

    ROW("a write past the filesystem's size: what fits, then ENOSPC");
    int h = fs_open(fd, R, "fill", HSX_FS_O_WRONLY | HSX_FS_O_CREAT);
    CHILD_EQ(h >= 0, 1);
    long n = fs_write(fd, h, data, sizeof(data));
    CHILD_EQ(n > 0 && n < (long)sizeof(data), 1);
    CHILD_EQ(fs_write(fd, h, data, sizeof(data)), -ENOSPC);
    CHILD_EQ(fs_fstat(fd, R, h, &st), 0);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_bytes, st.size);
    CHILD_EQ(fs_close(fd, h), 0);
    CHILD_EQ(fs_delete(fd, R, "fill"), 0);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.used_bytes, 0);
    return 0;
}

static void a_full_filesystem(void **state)
{
    struct rooted r;
    (void)state;

    root_begin(&r, &on_tiny, "full", 0, 64 << 20, 100);
    assert_int_equal(run_fs_app("fs", app_fills_its_filesystem, RW, 1u << R), 0);
    root_end(&r);
}

/* ---- Memory that cannot be pinned ------------------------------------------------------------ */

/* Where this process's [vvar] mapping starts (a VM_IO | VM_PFNMAP mapping), or 0. */
static unsigned long vvar_start(void)
{
    char line[256];
    unsigned long start = 0, end;
    FILE *maps = fopen("/proc/self/maps", "r");

    while (maps && fgets(line, sizeof(line), maps))
        if (strstr(line, "[vvar]") && sscanf(line, "%lx-%lx", &start, &end) == 2)
            break;
    if (maps)
        fclose(maps);
    return start;
}

/*
 * READ and WRITE pin the caller's pages; a buffer in a mapping the kernel
 * will not pin (an I/O or PFN mapping: a frame buffer's, UIO's; here the
 * vDSO's data page) is served through a bounce buffer, as read(2) and
 * write(2) serve it, not refused with EFAULT.
 */
static void io_with_memory_that_cannot_be_pinned(void **state)
{
    struct rooted r;
    unsigned long vvar = vvar_start();
    char back[256];

    root_begin(&r, *state, "unpinnable", 0, 1 << 20, 64);
    assert_true(vvar != 0);
    int h = fs_open(fsnode, R, "from-vvar", HSX_FS_O_RDWR | HSX_FS_O_CREAT);
    assert_true(h >= 0);
    assert_int_equal(fs_write(fsnode, h, (const void *)vvar, sizeof(back)), sizeof(back));
    assert_int_equal(fs_pread(fsnode, h, back, sizeof(back), 0), sizeof(back));
    assert_memory_equal(back, (const void *)vvar, 64); /* its first bytes, stable enough */
    /* Into it: the kernel may not write there either way, and says so. */
    assert_int_equal(fs_pread(fsnode, h, (void *)vvar, 16, 0), -EFAULT);
    assert_int_equal(fs_close(fsnode, h), 0);
    root_end(&r);
}

/* ---- Concurrent writers ---------------------------------------------------------------------- */

#define WRITERS 3
#define RECORD 64
#define RECORDS 150
#define BLOCKS 32

struct writer {
    int fd, id, result;
};

/* Its own file, BLOCKS blocks of 4 KiB, and RECORDS records appended to the shared "log". */
static void *writer_thread(void *arg)
{
    struct writer *w = arg;
    uint8_t block[4096], rec[RECORD];
    char name[16];

    snprintf(name, sizeof(name), "w%d", w->id);
    memset(block, 'a' + w->id, sizeof(block));
    memset(rec, 'A' + w->id, sizeof(rec));
    int h = fs_open(w->fd, R, name, HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_EXCL);
    int log = fs_open(w->fd, R, "log", HSX_FS_O_WRONLY | HSX_FS_O_APPEND);
    if (h < 0 || log < 0) {
        w->result = h < 0 ? h : log;
        return NULL;
    }
    for (int i = 0; i < RECORDS || i < BLOCKS; i++) {
        if (i < BLOCKS && fs_write(w->fd, h, block, sizeof(block)) != sizeof(block))
            w->result = __LINE__;
        if (i < RECORDS && fs_write(w->fd, log, rec, sizeof(rec)) != sizeof(rec))
            w->result = __LINE__;
    }
    fs_close(w->fd, h);
    fs_close(w->fd, log);
    return NULL;
}

static int app_concurrent_writers(int fd, int sock)
{
    struct writer w[WRITERS];
    pthread_t t[WRITERS];
    char first;

    CHILD_EQ(read(sock, &first, 1), 1); /* this app's first writer's number */
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (struct writer){.fd = fd, .id = first + i};
        CHILD_EQ(pthread_create(&t[i], NULL, writer_thread, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        ROW("a writer");
        CHILD_EQ(w[i].result, 0);
    }
    return 0;
}

/*
 * Two applications of three threads each on one root: each thread writes a
 * file of its own and appends records to one shared file through a handle
 * of its own. Every byte is where its writer put it, every record whole,
 * and INFO's usage the tree's.
 */
static void concurrent_writers(void **state)
{
    struct rooted r;
    struct holder h[2];
    char path[256];
    static char log[2 * WRITERS * RECORDS * RECORD + 1];
    int counts[2 * WRITERS] = {0};

    root_begin(&r, *state, "writers", 0, 16 << 20, 64);
    assert_int_equal(fs_put(fsnode, R, "log", ""), 0);
    for (int a = 0; a < 2; a++) {
        start_holder(&h[a], "fs", app_concurrent_writers);
        assert_int_equal(
            mint(h[a].file, HSX_MODULE_FS, RW, fs_roots(1u << R), 600000000000ull, NULL), 0);
    }
    for (int a = 0; a < 2; a++) {
        send_byte(h[a].sock, 'g');
        send_byte(h[a].sock, (char)(a * WRITERS));
    }
    for (int a = 0; a < 2; a++)
        assert_int_equal(finish_holder(&h[a]), 0);
    for (int i = 0; i < 2 * WRITERS; i++) {
        char text[BLOCKS * 4096 + 1];
        snprintf(path, sizeof(path), "%s/w%d", r.dir, i);
        assert_int_equal(rig_read(path, text, sizeof(text)), BLOCKS * 4096);
        for (int j = 0; j < BLOCKS * 4096; j++)
            if (text[j] != 'a' + i)
                fail_msg("w%d byte %d: %c", i, j, text[j]);
    }
    snprintf(path, sizeof(path), "%s/log", r.dir);
    assert_int_equal(rig_read(path, log, sizeof(log)), sizeof(log) - 1);
    for (size_t rec = 0; rec < sizeof(log) / RECORD; rec++) {
        char c = log[rec * RECORD];
        for (int j = 1; j < RECORD; j++)
            if (log[rec * RECORD + j] != c)
                fail_msg("record %zu mixes writers: %c and %c", rec, c, log[rec * RECORD + j]);
        assert_true(c >= 'A' && c < 'A' + 2 * WRITERS);
        counts[c - 'A']++;
    }
    for (int i = 0; i < 2 * WRITERS; i++)
        assert_int_equal(counts[i], RECORDS);
    root_end(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON(open_read_write_close, on_tmpfs),
        ON(open_read_write_close, on_ext4),
        ON(seek_stat_fsync_truncate, on_tmpfs),
        ON(seek_stat_fsync_truncate, on_ext4),
        ON(listdir_edges, on_tmpfs),
        ON(listdir_edges, on_ext4),
        ON(replace_whole, on_tmpfs),
        ON(replace_whole, on_ext4),
        ON(delete_rename_mkdir, on_tmpfs),
        ON(delete_rename_mkdir, on_ext4),
        cmocka_unit_test_teardown(map_info_and_their_errors, unmap_all),
        ON(quota_by_many_small_files, on_tmpfs),
        ON(quota_by_many_small_files, on_ext4),
        ON(quota_by_one_large_file, on_tmpfs),
        ON(quota_by_one_large_file, on_ext4),
        cmocka_unit_test_teardown(a_full_filesystem, unmap_all),
        ON(io_with_memory_that_cannot_be_pinned, on_tmpfs),
        ON(concurrent_writers, on_tmpfs),
        ON(concurrent_writers, on_ext4),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
