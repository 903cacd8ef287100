/* SPDX-License-Identifier: MIT */
/*
 * Every allocation the FS module's entry points make, failed in turn
 * (fail_nth.h), on a root bound to a directory of a tmpfs of this test's own.
 * MAP, OPEN with CREAT, WRITE, READ, LISTDIR, REPLACE, RENAME, MKDIR and
 * DELETE: each failed call must fail cleanly (ENOMEM) or succeed, and leave
 * the root consistent: INFO's used_bytes and used_files what a walk of the
 * directory finds, no handle left behind (INFO's handles), nothing outside
 * the root changed (a sentinel beside it, its content and mtime); a failed
 * MAP leaves the root unbound and no node; a failed REPLACE leaves the file
 * as it was and no temporary file; a failed RENAME, MKDIR or DELETE changes
 * nothing. Then the call succeeds once no allocation fails. KASAN, kmemleak
 * and lockdep watch (the debug kernel); the harness reads the kernel log.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e.h"
#include "fail_nth.h"
#include "hsx_uapi.h"

#define TOP "/run/hsx-fs-alloc"
#define DIR_R TOP "/root"
#define SENTINEL TOP "/outside/sentinel"
#define OWNER 2002
#define R 7 /* the root: one no other test of the suite uses */
#define QUOTA_BYTES (1024 * 1024)
#define QUOTA_FILES 64

static int ctl = -1, node = -1;
static bool mounted;
static struct stat sentinel0;

/* ---- the rig ------------------------------------------------------------------------------- */

static void walk(const char *dir, dev_t dev, uint64_t *bytes, uint64_t *files)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    assert_non_null(d);
    while ((e = readdir(d))) {
        char path[512];
        struct stat st;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        assert_int_equal(lstat(path, &st), 0);
        if (S_ISREG(st.st_mode)) {
            *bytes += (uint64_t)st.st_size;
            ++*files;
        } else if (S_ISDIR(st.st_mode)) {
            ++*files;
            if (st.st_dev == dev)
                walk(path, dev, bytes, files);
        }
    }
    closedir(d);
}

static void usage(uint64_t *bytes, uint64_t *files)
{
    struct stat st;

    *bytes = *files = 0;
    assert_int_equal(stat(DIR_R, &st), 0);
    walk(DIR_R, st.st_dev, bytes, files);
}

/* MAP's argument: the directory opened, its usage walked (before a failure is armed). */
static struct hsx_fs_map map_arg(void)
{
    struct hsx_fs_map m = {.root = R, .quota_bytes = QUOTA_BYTES, .quota_files = QUOTA_FILES};
    uint64_t bytes, files;

    usage(&bytes, &files);
    m.used_bytes = bytes;
    m.used_files = files;
    m.dirfd = open(DIR_R, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(m.dirfd >= 0);
    return m;
}

static int map_with(struct hsx_fs_map *m)
{
    int ret = ioctl(ctl, HSX_IOC_FS_MAP, m) ? -errno : 0;

    close(m->dirfd);
    return ret;
}

static int map_root(void)
{
    struct hsx_fs_map m = map_arg();

    return map_with(&m);
}

static int unmap_root(void)
{
    struct hsx_fs_map m = {.root = R, .dirfd = -1};

    return ioctl(ctl, HSX_IOC_FS_MAP, &m) ? -errno : 0;
}

static struct hsx_fs_info info(void)
{
    struct hsx_fs_info i = {.root = R};

    assert_int_equal(e2e_ioctl(node, HSX_IOC_FS_INFO, &i), 0);
    return i;
}

/* INFO's usage is what the tree holds, with handles open; nothing outside changed. */
static void consistent(const char *what, unsigned int n, uint32_t handles)
{
    struct hsx_fs_info i = info();
    uint64_t bytes, files;
    struct stat st;

    usage(&bytes, &files);
    if (!i.bound || i.used_bytes != bytes || i.used_files != files || i.handles != handles)
        fail_msg("%s, allocation %u failed: INFO bound %u, %llu bytes, %llu files, %u handles; "
                 "the tree: %llu bytes, %llu files, %u handles open",
                 what, n, i.bound, (unsigned long long)i.used_bytes,
                 (unsigned long long)i.used_files, i.handles, (unsigned long long)bytes,
                 (unsigned long long)files, handles);
    assert_int_equal(stat(SENTINEL, &st), 0);
    assert_int_equal(st.st_size, sentinel0.st_size);
    assert_int_equal(st.st_mtim.tv_sec, sentinel0.st_mtim.tv_sec);
    assert_int_equal(st.st_mtim.tv_nsec, sentinel0.st_mtim.tv_nsec);
    assert_int_equal(st.st_ino, sentinel0.st_ino);
}

static bool exists(const char *name)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof(path), DIR_R "/%s", name);
    return lstat(path, &st) == 0;
}

static long slurp(const char *name, char *buf, size_t size)
{
    char path[256];
    int fd;
    long n;

    snprintf(path, sizeof(path), DIR_R "/%s", name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    n = read(fd, buf, size);
    close(fd);
    return n;
}

/* ---- the functions, as ioctls on the privileged node: 0 or -errno -----------------------------
 */

static struct hsx_fs_path pth(const char *p)
{
    struct hsx_fs_path x = {.ptr = (uintptr_t)p, .len = (uint32_t)strlen(p)};
    return x;
}

static int fs_open(const char *path, uint32_t flags, int *h)
{
    struct hsx_fs_open o = {.root = R, .flags = flags, .path = pth(path), .handle = -1};
    int ret = ioctl(node, HSX_IOC_FS_OPEN, &o) ? -errno : 0;

    *h = o.handle;
    return ret;
}

static int fs_close(int h)
{
    struct hsx_fs_handle_op op = {.handle = h};

    return ioctl(node, HSX_IOC_FS_CLOSE, &op) ? -errno : 0;
}

static int fs_io(unsigned long cmd, int h, void *buf, uint32_t len, uint32_t *done)
{
    struct hsx_fs_io x = {
        .handle = h, .flags = HSX_FS_IO_AT, .buf = (uintptr_t)buf, .len = len, .offset = 0};
    int ret = ioctl(node, cmd, &x) ? -errno : 0;

    *done = x.done;
    return ret;
}

static int fs_pathop(unsigned long cmd, const char *a, const char *b)
{
    struct hsx_fs_pathop p = {.root = R, .path = pth(a)};

    if (b)
        p.path2 = pth(b);
    return ioctl(node, cmd, &p) ? -errno : 0;
}

static int fs_replace(const char *path, const void *buf, uint32_t len)
{
    struct hsx_fs_replace x = {.root = R, .path = pth(path), .buf = (uintptr_t)buf, .len = len};

    return ioctl(node, HSX_IOC_FS_REPLACE, &x) ? -errno : 0;
}

static int fs_listdir(char *buf, uint32_t max)
{
    struct hsx_fs_listdir l = {.root = R, .max = max, .path = pth(""), .buf = (uintptr_t)buf};

    return ioctl(node, HSX_IOC_FS_LISTDIR, &l) ? -errno : 0;
}

/* A file of the root's made through hsx (no allocation failing). */
static void put(const char *name, const char *text)
{
    assert_int_equal(fs_replace(name, text, (uint32_t)strlen(text)), 0);
}

/* ---- setup ----------------------------------------------------------------------------------- */

static void rig_dir(const char *path)
{
    assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
    assert_int_equal(chown(path, OWNER, OWNER), 0);
}

static int setup(void **state)
{
    int fd;
    (void)state;

    if (!have_fail_nth())
        return 0;
    ctl = e2e_open_node("ctl");
    node = e2e_open_node("fs");
    unmap_root();
    umount2(TOP, MNT_DETACH);
    mkdir(TOP, 0755);
    assert_int_equal(mount("hsx-fs-alloc", TOP, "tmpfs", 0, "size=8m,mode=0755"), 0);
    mounted = true;
    rig_dir(TOP "/outside");
    rig_dir(DIR_R);
    fd = open(SENTINEL, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "SENTINEL\n", 9), 9);
    close(fd);
    assert_int_equal(chown(SENTINEL, OWNER, OWNER), 0);
    assert_int_equal(stat(SENTINEL, &sentinel0), 0);
    fail_nth_begin();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!have_fail_nth())
        return 0;
    fail_nth_end();
    unmap_root();
    if (mounted)
        umount2(TOP, MNT_DETACH);
    rmdir(TOP);
    close(node);
    close(ctl);
    return 0;
}

/* ---- MAP ---------------------------------------------------------------------------------------
 */

/* Binding: every allocation of MAP fails once; each failure leaves the root unbound, no node. */
static void map_under_allocation_failures(void **state)
{
    unsigned int n, failures = 0;
    char dev[32];
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        return;
    }
    snprintf(dev, sizeof(dev), "/dev/hsx/fs%u", R);
    for (n = 1; n < FAIL_NTH_MAX; n++) {
        struct hsx_fs_map m = map_arg();
        fail_nth(n);
        int ret = map_with(&m);
        bool fired = fail_nth_fired();
        if (!ret && !fired)
            break; /* nothing failed: bound */
        if (!ret) {
            assert_int_equal(unmap_root(), 0); /* one it could do without */
            continue;
        }
        failures++;
        if (ret != -ENOMEM)
            fail_msg("MAP, allocation %u failed: %s", n, strerror(-ret));
        assert_int_equal(info().bound, 0);
        assert_false(e2e_exists("%s", dev));
        assert_int_equal(unmap_root(), -ENXIO);
    }
    printf("# MAP: %u allocations failed in turn and MAP failed, then it bound\n", failures);
    assert_true(n < FAIL_NTH_MAX);
    assert_true(failures > 2);
    consistent("MAP", n, 0);
    assert_int_equal(unmap_root(), 0);
}

/* ---- the functions ------------------------------------------------------------------------------
 */

enum { OP_OPEN, OP_WRITE, OP_READ, OP_LISTDIR, OP_REPLACE, OP_RENAME, OP_MKDIR, OP_DELETE, OP_N };
static const char *const op_names[OP_N] = {"OPEN(CREAT)", "WRITE",  "READ",  "LISTDIR",
                                           "REPLACE",     "RENAME", "MKDIR", "DELETE"};

static char big[3 * 65536 + 100], got[sizeof(big)];

/*
 * Creating an inode: tmpfs answers ENOSPC when its inode's allocation fails (shmem_mknod), as
 * it does when full; hsx passes the filesystem's answer on. Counted, and accepted there only.
 */
static unsigned int enospc[8];

/*
 * REPLACE: an error leaves the file what it held before, whole, and no temporary file (the
 * directory is opened for its sync before anything changes, so no allocation can fail after
 * the rename: this test found that once it could).
 */
static bool creates(int op)
{
    return op == 0 || op == 4 || op == 6; /* OPEN(CREAT), REPLACE, MKDIR */
}

/* The state each call starts from (no allocation failing). */
static void prepare(int op, unsigned int n)
{
    switch (op) {
    case OP_OPEN:
        if (exists("new"))
            assert_int_equal(fs_pathop(HSX_IOC_FS_DELETE, "new", NULL), 0);
        break;
    case OP_REPLACE:
        put("rep", "the old content\n");
        break;
    case OP_RENAME:
        if (!exists("ra"))
            put("ra", "renamed\n");
        if (exists("rb"))
            assert_int_equal(fs_pathop(HSX_IOC_FS_DELETE, "rb", NULL), 0);
        break;
    case OP_MKDIR:
        if (exists("md"))
            assert_int_equal(fs_pathop(HSX_IOC_FS_DELETE, "md", NULL), 0);
        break;
    case OP_DELETE:
        if (!exists("dl"))
            put("dl", "to delete\n");
        break;
    default:
        break;
    }
    memset(big, 'A' + (int)(n % 26), sizeof(big));
}

/* One call; handles it leaves open go in *opened. */
static int call(int op, int h, int *opened)
{
    uint32_t done;
    int ret;

    switch (op) {
    case OP_OPEN:
        ret = fs_open("new", HSX_FS_O_RDWR | HSX_FS_O_CREAT, opened);
        return ret;
    case OP_WRITE: /* a chunk's buffer of the slab's (past a page, the page allocator's) */
        return fs_io(HSX_IOC_FS_WRITE, h, big, 3000, &done);
    case OP_READ:
        return fs_io(HSX_IOC_FS_READ, h, got, 3000, &done);
    case OP_LISTDIR:
        return fs_listdir(got, sizeof(got));
    case OP_REPLACE:
        return fs_replace("rep", big, 5000);
    case OP_RENAME:
        return fs_pathop(HSX_IOC_FS_RENAME, "ra", "rb");
    case OP_MKDIR:
        return fs_pathop(HSX_IOC_FS_MKDIR, "md", NULL);
    default:
        return fs_pathop(HSX_IOC_FS_DELETE, "dl", NULL);
    }
}

/* What a failed call must have left as it was. */
static void unchanged(int op, unsigned int n)
{
    char buf[64] = "";

    switch (op) {
    case OP_REPLACE:
        assert_false(exists(HSX_FS_TMP_PREFIX "rep"));
        if (slurp("rep", buf, sizeof(buf) - 1) != 16 || strcmp(buf, "the old content\n"))
            fail_msg("REPLACE, allocation %u failed (ENOMEM): the file holds \"%.20s\"..., not "
                     "what it held before",
                     n, buf);
        assert_false(exists(HSX_FS_TMP_PREFIX "rep"));
        break;
    case OP_RENAME:
        if (!exists("ra") || exists("rb"))
            fail_msg("RENAME, allocation %u failed (ENOMEM): ra %s, rb %s", n,
                     exists("ra") ? "there" : "gone", exists("rb") ? "there" : "not there");
        break;
    case OP_MKDIR:
        if (exists("md"))
            fail_msg("MKDIR, allocation %u failed (ENOMEM): the directory is there", n);
        break;
    case OP_DELETE:
        if (!exists("dl"))
            fail_msg("DELETE, allocation %u failed (ENOMEM): the file is gone", n);
        break;
    default:
        break;
    }
}

static void operations_under_allocation_failures(void **state)
{
    unsigned int n, failures[OP_N] = {0};
    int h;
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        return;
    }
    assert_int_equal(map_root(), 0);
    /* the handle WRITE and READ use, on a file of 3 chunks and a bit */
    assert_int_equal(fs_open("io", HSX_FS_O_RDWR | HSX_FS_O_CREAT, &h), 0);
    for (int op = 0; op < OP_N; op++) {
        for (n = 1; n < FAIL_NTH_MAX; n++) {
            int opened = -1;

            prepare(op, n);
            fail_nth(n);
            int ret = call(op, h, &opened);
            bool fired = fail_nth_fired();
            if (!ret && opened >= 0)
                assert_int_equal(fs_close(opened), 0);
            consistent(op_names[op], n, 1);
            if (!ret && !fired)
                break;
            if (!ret)
                continue;
            failures[op]++;
            if (ret == -ENOSPC && creates(op))
                enospc[op]++;
            else if (ret != -ENOMEM)
                fail_msg("%s, allocation %u failed: %s", op_names[op], n, strerror(-ret));
            unchanged(op, n);
        }
        assert_true(n < FAIL_NTH_MAX);
        printf("# %s: %u allocations failed in turn, each ENOMEM (ENOSPC from tmpfs: %u), then it "
               "succeeded\n",
               op_names[op], failures[op], enospc[op]);
    }
    for (int op = 0; op < OP_N; op++)
        assert_true(failures[op] > 0);
    assert_int_equal(fs_close(h), 0);
    consistent("the end", 0, 0);
    assert_int_equal(unmap_root(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_under_allocation_failures),
        cmocka_unit_test(operations_under_allocation_failures),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
