// SPDX-License-Identifier: MIT
/*
 * FS against a fake hsx.ko: an ioctl hook plays /dev/hsx/fs, records what
 * each call asked and answers as the test says. Bad input must never reach
 * it; the kernel's errnos must come back as hsx_fs.h says; the spec's calls
 * act on the capability's root unless the thread selected one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/errors.h"
#include "core/module_sel_fs.h"
#include "fs/fs.h"
#include "helpers.h"
#include "hsx_fs.h"

static struct fake_kernel {
    int calls;     /* FS calls, CAP_INFO aside */
    int cap_infos; /* CAP_INFO calls */
    unsigned long request;
    int fail;            /* the errno the next calls fail with, or 0 */
    int fail_once;       /* ... the next one only */
    uint32_t roots;      /* the capability's roots (0: none held) */
    uint32_t roots_next; /* if not 0: the roots after the first denial (acquired again) */
    uint32_t done;       /* READ, WRITE: bytes done (0: all) */
    const char *names;   /* LISTDIR's names */
    char path[HSX_FS_PATH_MAX + 2], path2[HSX_FS_PATH_MAX + 2];
    uint32_t path_len, path2_len;
    uint64_t path_ptr;
    char written[512]; /* WRITE's first bytes */
    union {
        struct hsx_fs_open open;
        struct hsx_fs_io io;
        struct hsx_fs_handle_op op;
        struct hsx_fs_stat stat;
        struct hsx_fs_listdir list;
        struct hsx_fs_pathop pathop;
        struct hsx_fs_replace replace;
        struct hsx_fs_info info;
    } arg;
    uint32_t roots_asked[8]; /* the root of each call that takes one */
} fk;

static void copy_path(const struct hsx_fs_path *p, char *to, uint32_t *len)
{
    *len = p->len;
    if (p->len && p->len <= HSX_FS_PATH_MAX + 1)
        memcpy(to, (const void *)(uintptr_t)p->ptr, p->len);
    to[p->len <= HSX_FS_PATH_MAX + 1 ? p->len : 0] = '\0';
}

static void asked_root(uint32_t root)
{
    if (fk.calls <= 8)
        fk.roots_asked[fk.calls - 1] = root;
}

static int answer(void)
{
    int err = fk.fail_once ? fk.fail_once : fk.fail;

    fk.fail_once = 0;
    if (err == EACCES && fk.roots_next) {
        fk.roots = fk.roots_next;
        fk.roots_next = 0;
    }
    return test_ioctl_result(err);
}

static int fake_ioctl(enum hsx_umod_index node, unsigned long request, void *arg)
{
    assert_int_equal(node, HSX_UMOD_FS);
    if (request == HSX_IOC_CAP_INFO) {
        struct hsx_cap_query *q = arg;
        fk.cap_infos++;
        /* Not enforcing (nothing acquired), but a capability to say the root. */
        *q = (struct hsx_cap_query){.module = HSX_MODULE_FS};
        if (fk.roots) {
            q->cap = (struct hsx_cap_info){
                .id = 9, .module = HSX_MODULE_FS, .state = HSX_CAP_STATE_ACTIVE};
            q->cap.sel.fs.roots = fk.roots;
        }
        return 0;
    }
    fk.calls++;
    fk.request = request;
    if (request == HSX_IOC_FS_OPEN) {
        struct hsx_fs_open *o = arg;
        fk.arg.open = *o;
        copy_path(&o->path, fk.path, &fk.path_len);
        fk.path_ptr = o->path.ptr;
        asked_root(o->root);
        o->handle = 5;
    } else if (request == HSX_IOC_FS_READ || request == HSX_IOC_FS_WRITE) {
        struct hsx_fs_io *io = arg;
        fk.arg.io = *io;
        io->done = fk.done && fk.done < io->len ? fk.done : io->len;
        if (!io->done)
            ; /* nothing moved (a NULL buffer is allowed then) */
        else if (request == HSX_IOC_FS_READ)
            memset((void *)(uintptr_t)io->buf, 'r', io->done);
        else
            memcpy(fk.written, (const void *)(uintptr_t)io->buf,
                   io->done < sizeof(fk.written) - 1 ? io->done : sizeof(fk.written) - 1);
    } else if (request == HSX_IOC_FS_CLOSE || request == HSX_IOC_FS_FSYNC ||
               request == HSX_IOC_FS_SEEK || request == HSX_IOC_FS_TRUNCATE) {
        struct hsx_fs_handle_op *op = arg;
        fk.arg.op = *op;
        if (request == HSX_IOC_FS_SEEK)
            op->offset = 4096;
    } else if (request == HSX_IOC_FS_STAT) {
        struct hsx_fs_stat *s = arg;
        fk.arg.stat = *s;
        copy_path(&s->path, fk.path, &fk.path_len);
        fk.path_ptr = s->path.ptr;
        asked_root(s->root);
        s->size = 1234;
        s->mtime_ns = 1700000000123456789LL;
        s->type = HSX_FS_T_FILE;
    } else if (request == HSX_IOC_FS_LISTDIR) {
        struct hsx_fs_listdir *l = arg;
        fk.arg.list = *l;
        copy_path(&l->path, fk.path, &fk.path_len);
        fk.path_ptr = l->path.ptr;
        asked_root(l->root);
        l->needed = (uint32_t)strlen(fk.names);
        l->count = 2;
        /* As hsx.ko: all of them, or nothing (len 0) and how much they need. */
        if (l->needed <= l->max && !fk.fail && !fk.fail_once) {
            memcpy((void *)(uintptr_t)l->buf, fk.names, l->needed);
            l->len = l->needed;
        }
    } else if (request == HSX_IOC_FS_DELETE || request == HSX_IOC_FS_RENAME ||
               request == HSX_IOC_FS_MKDIR) {
        struct hsx_fs_pathop *p = arg;
        fk.arg.pathop = *p;
        copy_path(&p->path, fk.path, &fk.path_len);
        copy_path(&p->path2, fk.path2, &fk.path2_len);
        asked_root(p->root);
    } else if (request == HSX_IOC_FS_REPLACE) {
        struct hsx_fs_replace *r = arg;
        fk.arg.replace = *r;
        copy_path(&r->path, fk.path, &fk.path_len);
        asked_root(r->root);
    } else if (request == HSX_IOC_FS_INFO) {
        struct hsx_fs_info *i = arg;
        fk.arg.info = *i;
        asked_root(i->root);
        *i = (struct hsx_fs_info){.root = i->root,
                                  .bound = 1,
                                  .flags = HSX_FS_MAP_READ_ONLY,
                                  .handles = 2,
                                  .quota_bytes = 1 << 20,
                                  .used_bytes = 300,
                                  .quota_files = 256,
                                  .used_files = 3,
                                  .owner_uid = 998,
                                  .owner_gid = 997};
    } else {
        return test_ioctl_result(ENOTTY);
    }
    return answer();
}

static int setup(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof(fk));
    fk.names = "a\nbb\n";
    test_use_fake_kernel(fake_ioctl, NULL);
    hsx_fs_select(HSX_FS_ROOT_DEFAULT);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_use_real_kernel(NULL, 0);
    return 0;
}

/* Bad input is INVALID_PARAM with errno 0, and the kernel is never asked. */
static void bad_input_never_reaches_the_kernel(void **state)
{
    char buf[16];
    struct hsx_fs_stat_info st;
    hsx_fs_root_info_t info;
    (void)state;

    const int64_t results[] = {
        hsx_fs_open(NULL, HSX_FS_O_RDONLY),
        hsx_fs_open_ex(HSX_FS_MAX_ROOTS, "a", HSX_FS_O_RDONLY),
        hsx_fs_open_ex(HSX_FS_ROOT_DEFAULT, "a", HSX_FS_O_RDONLY), /* _ex takes a root */
        hsx_fs_read(-1, buf, 4),
        hsx_fs_read(HSX_FS_HANDLES_MAX, buf, 4),
        hsx_fs_read(0, NULL, 4),
        hsx_fs_write(0, NULL, 4),
        hsx_fs_pread(0, buf, 4, (uint64_t)INT64_MAX + 1),
        hsx_fs_pwrite(64, buf, 4, 0),
        hsx_fs_close(-1),
        hsx_fs_close(64),
        hsx_fs_fsync(-5),
        hsx_fs_truncate(0, (uint64_t)INT64_MAX + 1),
        hsx_fs_seek(0, 0, 3),
        hsx_fs_seek(0, 0, -1),
        hsx_fs_seek(64, 0, HSX_FS_SEEK_SET),
        hsx_fs_listdir(NULL, buf, sizeof(buf)),
        hsx_fs_listdir("", NULL, sizeof(buf)),
        hsx_fs_listdir("", buf, 0),
        hsx_fs_listdir_ex(-2, "", buf, sizeof(buf)),
        hsx_fs_delete(NULL),
        hsx_fs_mkdir(NULL),
        hsx_fs_mkdir_ex(32, "d"),
        hsx_fs_rename(NULL, "b"),
        hsx_fs_rename("a", NULL),
        hsx_fs_rename_ex(99, "a", "b"),
        hsx_fs_delete_ex(32, "a"),
        hsx_fs_stat(NULL, &st),
        hsx_fs_stat("a", NULL),
        hsx_fs_stat_ex(32, "a", &st),
        hsx_fs_fstat(-1, &st),
        hsx_fs_fstat(0, NULL),
        hsx_fs_replace(NULL, buf, 1),
        hsx_fs_replace("a", NULL, 1),
        hsx_fs_replace("a", buf, HSX_FS_XFER_MAX + 1),
        hsx_fs_replace_ex(32, "a", buf, 1),
        hsx_fs_info(NULL),
        hsx_fs_info_ex(32, &info),
        hsx_fs_printf(-1, "x"),
        hsx_fs_printf(0, NULL),
        hsx_fs_select(HSX_FS_MAX_ROOTS),
        hsx_fs_select(-2),
    };
    for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
        if (results[i] != HSX_HAL_INVALID_PARAM)
            fail_msg("case %zu: %lld", i, (long long)results[i]);
    }
    assert_int_equal(hsx_hal_errno(), 0);
    assert_int_equal(fk.calls, 0);
    assert_int_equal(fk.cap_infos, 0);
}

/* The spec's calls: the capability's lowest root, or 0 without one; the selected one; _ex's. */
static void the_spec_calls_act_on_the_threads_root(void **state)
{
    (void)state;

    assert_int_equal(hsx_fs_root(), 0); /* no capability: a privileged file's root 0 */
    assert_int_equal(hsx_fs_mkdir("d"), HSX_HAL_OK);
    assert_int_equal(fk.arg.pathop.root, 0);

    fk.roots = 0x28; /* roots 3 and 5 */
    assert_int_equal(hsx_fs_root(), 3);
    assert_int_equal(hsx_fs_open("f", HSX_FS_O_RDWR | HSX_FS_O_CREAT), 5);
    assert_int_equal(fk.arg.open.root, 3);
    assert_int_equal(fk.arg.open.flags, HSX_FS_O_RDWR | HSX_FS_O_CREAT);
    assert_int_equal(fk.arg.open.handle, 0);
    assert_int_equal(fk.arg.open.reserved, 0);

    assert_int_equal(hsx_fs_select(7), HSX_HAL_OK);
    int infos = fk.cap_infos;
    assert_int_equal(hsx_fs_root(), 7);
    assert_int_equal(hsx_fs_delete("f"), HSX_HAL_OK);
    assert_int_equal(fk.arg.pathop.root, 7);
    assert_int_equal(fk.cap_infos, infos); /* a selected root needs no question */

    assert_int_equal(hsx_fs_rename_ex(9, "a", "b/c"), HSX_HAL_OK);
    assert_int_equal(fk.arg.pathop.root, 9);
    assert_string_equal(fk.path, "a");
    assert_string_equal(fk.path2, "b/c");
    assert_int_equal(fk.path2_len, 3);

    assert_int_equal(hsx_fs_select(HSX_FS_ROOT_DEFAULT), HSX_HAL_OK);
    assert_int_equal(hsx_fs_root(), 3);
}

/* A denial after the capability was acquired again for another root: asked again with it. */
static void a_new_capabilitys_root_is_used_at_once(void **state)
{
    (void)state;

    fk.roots = 1u << 2;
    fk.roots_next = 1u << 4;
    fk.fail_once = EACCES;
    assert_int_equal(hsx_fs_mkdir("d"), HSX_HAL_OK);
    assert_int_equal(fk.calls, 2);
    assert_int_equal(fk.roots_asked[0], 2);
    assert_int_equal(fk.roots_asked[1], 4);

    /* The same root: the denial stands, asked once. */
    fk.calls = 0;
    fk.fail_once = EKEYREVOKED;
    assert_int_equal(hsx_fs_mkdir("d"), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EKEYREVOKED);
    assert_int_equal(fk.calls, 1);

    /* A selected root is never changed. */
    fk.calls = 0;
    fk.roots_next = 1u << 6;
    fk.fail_once = EACCES;
    hsx_fs_select(4);
    assert_int_equal(hsx_fs_mkdir("d"), HSX_HAL_DENIED);
    assert_int_equal(fk.calls, 1);
}

/* Paths go as they are; "", "." and "/" are the root for listdir and stat only. */
static void paths_go_to_the_kernel_unchanged(void **state)
{
    char big[HSX_FS_PATH_MAX + 10], buf[16];
    struct hsx_fs_stat_info st;
    (void)state;

    assert_int_equal(hsx_fs_open("dir/file.txt", HSX_FS_O_RDONLY), 5);
    assert_string_equal(fk.path, "dir/file.txt");
    assert_int_equal(fk.path_len, 12);
    assert_int_equal(hsx_fs_open("", HSX_FS_O_RDONLY), 5); /* the kernel says EINVAL */
    assert_int_equal(fk.path_len, 0);
    assert_int_not_equal(fk.path_ptr, 0);
    assert_int_equal(hsx_fs_open("/etc/passwd", HSX_FS_O_RDONLY), 5);
    assert_string_equal(fk.path, "/etc/passwd");
    assert_int_equal(hsx_fs_delete("."), HSX_HAL_OK);
    assert_string_equal(fk.path, ".");
    assert_int_equal(hsx_fs_open("../x", HSX_FS_O_RDONLY), 5);
    assert_string_equal(fk.path, "../x");

    memset(big, 'a', sizeof(big));
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(hsx_fs_mkdir(big), HSX_HAL_OK);
    assert_int_equal(fk.path_len, HSX_FS_PATH_MAX + 1); /* enough for the kernel's ENAMETOOLONG */

    const char *roots[] = {"", ".", "/"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(hsx_fs_listdir(roots[i], buf, sizeof(buf)), 5);
        assert_int_equal(fk.path_len, 0);
        assert_int_equal(fk.path_ptr, 0);
        assert_int_equal(hsx_fs_stat(roots[i], &st), HSX_HAL_OK);
        assert_int_equal(fk.path_len, 0);
        assert_int_equal(fk.arg.stat.handle, -1);
    }
    assert_int_equal(hsx_fs_listdir("./a", buf, sizeof(buf)), 5);
    assert_string_equal(fk.path, "./a");
}

/* The kernel's errnos, as hsx_fs.h says. */
static void errnos_come_back_as_hsx_fs_h_says(void **state)
{
    static const struct {
        int err, code;
    } cases[] = {
        {EDQUOT, HSX_HAL_LIMIT},
        {EMFILE, HSX_HAL_LIMIT},
        {ENOSPC, HSX_HAL_LIMIT},
        {EEXIST, HSX_HAL_INVALID_PARAM},
        {ENOENT, HSX_HAL_INVALID_PARAM},
        {ENOTEMPTY, HSX_HAL_INVALID_PARAM},
        {ENOTDIR, HSX_HAL_INVALID_PARAM},
        {EISDIR, HSX_HAL_INVALID_PARAM},
        {ELOOP, HSX_HAL_INVALID_PARAM},
        {EXDEV, HSX_HAL_INVALID_PARAM},
        {ENAMETOOLONG, HSX_HAL_INVALID_PARAM},
        {EINVAL, HSX_HAL_INVALID_PARAM},
        {EBADF, HSX_HAL_INVALID_PARAM},
        {EOPNOTSUPP, HSX_HAL_UNSUPPORTED},
        {EROFS, HSX_HAL_READ_ONLY},
        {ENXIO, HSX_HAL_NO_DEVICE},
        {ENODEV, HSX_HAL_NO_DEVICE},
        {EKEYREVOKED, HSX_HAL_DENIED},
        {EKEYEXPIRED, HSX_HAL_DENIED},
        {EPERM, HSX_HAL_DENIED},
        {EAGAIN, HSX_HAL_BUSY},
        {EIO, HSX_HAL_ERROR},
    };
    char buf[8] = "abc";
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fk.fail = cases[i].err;
        const int got[] = {hsx_fs_open("f", HSX_FS_O_WRONLY), hsx_fs_write(1, buf, 3),
                           hsx_fs_replace("f", buf, 3), hsx_fs_mkdir("d"),
                           (int)hsx_fs_seek(1, 0, HSX_FS_SEEK_END)};
        for (size_t k = 0; k < sizeof(got) / sizeof(got[0]); k++) {
            if (got[k] != cases[i].code || hsx_hal_errno() != cases[i].err)
                fail_msg("errno %d, call %zu: %d (errno %d)", cases[i].err, k, got[k],
                         hsx_hal_errno());
        }
    }
}

/* LISTDIR: exact fit, one byte short, room for the NUL, max 0, more than the kernel takes. */
static void listdir_buffer_edges(void **state)
{
    char buf[16];
    (void)state;

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hsx_fs_listdir("", buf, 5), 5); /* exact fit: no room for a NUL */
    assert_memory_equal(buf, "a\nbb\nx", 6);
    assert_int_equal(fk.arg.list.max, 5);

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hsx_fs_listdir("", buf, 4), HSX_HAL_TOO_SMALL); /* one short */
    assert_int_equal(hsx_hal_errno(), ERANGE);
    assert_memory_equal(buf, "xxxxxx", 6); /* nothing written */

    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hsx_fs_listdir("", buf, 6), 5);
    assert_string_equal(buf, "a\nbb\n"); /* NUL-terminated, not counted */

    int calls = fk.calls;
    assert_int_equal(hsx_fs_listdir("", buf, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(fk.calls, calls);

    fk.names = "";
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hsx_fs_listdir("empty", buf, 1), 0);
    assert_int_equal(buf[0], '\0');

    /* More room than LISTDIR fills is not an error: the kernel is given its most. */
    static char large[HSX_FS_LIST_MAX + 64];
    fk.names = "z\n";
    assert_int_equal(hsx_fs_listdir("", large, sizeof(large)), 2);
    assert_int_equal(fk.arg.list.max, HSX_FS_LIST_MAX);
    assert_string_equal(large, "z\n");

    /* An ERANGE of the kernel's stays INVALID_PARAM. */
    fk.fail = ERANGE;
    assert_int_equal(hsx_fs_listdir("", buf, 6), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_fs_mkdir("d"), HSX_HAL_INVALID_PARAM);
}

static void reads_writes_and_handles(void **state)
{
    char buf[64];
    struct hsx_fs_stat_info st;
    (void)state;

    assert_int_equal(hsx_fs_write(3, "hello", 5), 5);
    assert_int_equal(fk.request, HSX_IOC_FS_WRITE);
    assert_int_equal(fk.arg.io.handle, 3);
    assert_int_equal(fk.arg.io.flags, 0);
    assert_int_equal(fk.arg.io.offset, 0);
    assert_string_equal(fk.written, "hello");

    assert_int_equal(hsx_fs_pwrite(3, "xy", 2, 100), 2);
    assert_int_equal(fk.arg.io.flags, HSX_FS_IO_AT);
    assert_int_equal(fk.arg.io.offset, 100);

    fk.done = 10;
    assert_int_equal(hsx_fs_read(63, buf, sizeof(buf)), 10);
    assert_int_equal(fk.request, HSX_IOC_FS_READ);
    assert_int_equal(fk.arg.io.handle, 63);
    assert_memory_equal(buf, "rrrrrrrrrr", 10);
    assert_int_equal(hsx_fs_pread(0, buf, sizeof(buf), 7), 10);
    assert_int_equal(fk.arg.io.flags, HSX_FS_IO_AT);
    assert_int_equal(fk.arg.io.offset, 7);

    /* A write longer than the kernel takes is cut to it, as write(2) may be. */
    assert_int_equal(hsx_fs_write(1, buf, UINT32_MAX), 10);
    assert_int_equal(fk.arg.io.len, HSX_FS_XFER_MAX);
    /* Nothing to move: the kernel still checks the handle. */
    fk.done = 0;
    assert_int_equal(hsx_fs_read(1, NULL, 0), 0);
    assert_int_equal(fk.arg.io.len, 0);

    assert_int_equal(hsx_fs_seek(2, -5, HSX_FS_SEEK_END), 4096);
    assert_int_equal(fk.arg.op.handle, 2);
    assert_int_equal(fk.arg.op.whence, HSX_FS_SEEK_END);
    assert_int_equal(fk.arg.op.offset, -5);
    assert_int_equal(hsx_fs_truncate(2, 77), HSX_HAL_OK);
    assert_int_equal(fk.request, HSX_IOC_FS_TRUNCATE);
    assert_int_equal(fk.arg.op.offset, 77);
    assert_int_equal(fk.arg.op.whence, 0);
    assert_int_equal(hsx_fs_fsync(2), HSX_HAL_OK);
    assert_int_equal(fk.request, HSX_IOC_FS_FSYNC);
    assert_int_equal(hsx_fs_close(2), HSX_HAL_OK);
    assert_int_equal(fk.request, HSX_IOC_FS_CLOSE);
    assert_int_equal(fk.arg.op.offset, 0);

    assert_int_equal(hsx_fs_open_ex(12, "f", HSX_FS_O_RDONLY), 5);
    assert_int_equal(hsx_fs_fstat(5, &st), HSX_HAL_OK);
    assert_int_equal(fk.arg.stat.handle, 5);
    assert_int_equal(fk.arg.stat.root, 12); /* the handle's, as hsx.ko checks */
    assert_int_equal(fk.arg.stat.path.len, 0);
    assert_int_equal(fk.arg.stat.path.ptr, 0);
    assert_int_equal(st.size, 1234);
    assert_int_equal(st.mtime_ns, 1700000000123456789LL);
    assert_int_equal(st.type, HSX_FS_TYPE_FILE);

    assert_int_equal(hsx_fs_replace("state.bin", "new", 3), HSX_HAL_OK);
    assert_int_equal(fk.arg.replace.len, 3);
    assert_int_equal(fk.arg.replace.reserved, 0);
    assert_int_equal(fk.arg.replace.reserved2, 0);
    assert_string_equal(fk.path, "state.bin");
    assert_int_equal(hsx_fs_replace("empty", NULL, 0), HSX_HAL_OK);
}

static void printf_formats_one_write(void **state)
{
    (void)state;

    assert_int_equal(hsx_fs_printf(6, "t=%d %s\n", 42, "ok"), 8);
    assert_int_equal(fk.calls, 1);
    assert_int_equal(fk.arg.io.handle, 6);
    assert_int_equal(fk.arg.io.len, 8);
    assert_string_equal(fk.written, "t=42 ok\n");

    /* Longer than the library's first buffer: still one write, all of it. */
    assert_int_equal(hsx_fs_printf(6, "%300s|", "x"), 301);
    assert_int_equal(fk.calls, 2);
    assert_int_equal(fk.arg.io.len, 301);
    assert_int_equal(fk.written[299], 'x');
    assert_int_equal(fk.written[300], '|');

    /* A partial write (the quota) says how much went. */
    fk.done = 3;
    assert_int_equal(hsx_fs_printf(6, "%s", "abcdef"), 3);

    /* Over HSX_FS_XFER_MAX: nothing written. */
    assert_int_equal(hsx_fs_printf(6, "%*s", (int)HSX_FS_XFER_MAX + 1, "x"), HSX_HAL_INVALID_PARAM);
    assert_int_equal(fk.calls, 3);
    assert_int_equal(hsx_fs_printf(6, "%s", ""), 0); /* nothing to say: a write of 0 */
    assert_int_equal(fk.calls, 4);
}

static void info_of_the_root(void **state)
{
    hsx_fs_root_info_t info;
    (void)state;

    fk.roots = 1u << 1;
    assert_int_equal(hsx_fs_info(&info), HSX_HAL_OK);
    assert_int_equal(fk.arg.info.root, 1);
    assert_int_equal(info.root, 1);
    assert_int_equal(info.bound, 1);
    assert_int_equal(info.flags, HSX_FS_READ_ONLY);
    assert_int_equal(info.handles, 2);
    assert_int_equal(info.quota_bytes, 1 << 20);
    assert_int_equal(info.used_bytes, 300);
    assert_int_equal(info.quota_files, 256);
    assert_int_equal(info.used_files, 3);
    assert_int_equal(info.owner_uid, 998);
    assert_int_equal(info.owner_gid, 997);
    assert_int_equal(hsx_fs_info_ex(31, &info), HSX_HAL_OK);
    assert_int_equal(fk.arg.info.root, 31);
}

/* The root of a capability, as hsx_fs_root() reads it from the file's answer. */
static void the_capabilitys_root(void **state)
{
    struct hsx_cap_query q = {0};
    (void)state;

    assert_int_equal(hsx_fs_root_of(&q), 0);
    q.cap.id = 1;
    q.cap.state = HSX_CAP_STATE_ACTIVE;
    q.cap.sel = hsx_umod_fs_sel(31);
    assert_int_equal(hsx_fs_root_of(&q), 31);
    q.cap.sel.fs.roots |= 1u << 4;
    assert_int_equal(hsx_fs_root_of(&q), 4);
    q.cap.state = HSX_CAP_STATE_ENDED;
    assert_int_equal(hsx_fs_root_of(&q), 0);
    assert_int_equal(hsx_umod_fs_sel(32).fs.roots, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bad_input_never_reaches_the_kernel, setup, teardown),
        cmocka_unit_test_setup_teardown(the_spec_calls_act_on_the_threads_root, setup, teardown),
        cmocka_unit_test_setup_teardown(a_new_capabilitys_root_is_used_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(paths_go_to_the_kernel_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(errnos_come_back_as_hsx_fs_h_says, setup, teardown),
        cmocka_unit_test_setup_teardown(listdir_buffer_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(reads_writes_and_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(printf_formats_one_write, setup, teardown),
        cmocka_unit_test_setup_teardown(info_of_the_root, setup, teardown),
        cmocka_unit_test(the_capabilitys_root),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
