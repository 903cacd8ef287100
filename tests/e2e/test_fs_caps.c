// SPDX-License-Identifier: MIT
/*
 * FS capabilities against the real hsxd and hsx.ko (issue 16, item 5), with
 * applications that run as unprivileged users and use the library's FS
 * calls only: hsxd makes each one's root from its rule's template (%u, %n),
 * owned by the rule's storage owner and mode 0700, binds it with the rule's
 * quotas and grants that root alone. The spec's calls and the additions
 * work there; another application's root is out of reach by any path and
 * by its number; both quotas end in HSX_HAL_LIMIT with the usage exact; a
 * read-only rule refuses every writing call; a subset of the attack rows
 * ('..', absolute paths, a symlink and a FIFO planted by root, newlines,
 * bytes that are not UTF-8, hsx's own names) is refused; a handle dies
 * with its capability when the administrator revokes it through hsxd, the
 * data staying; and an application no fs rule matches gets nothing, no
 * directory made for it. This program is root: it starts hsxd, plants and
 * checks the trees behind hsx's back, and after every test finds the
 * sentinel tree outside every root unchanged. The tests run in order: the
 * first has hsxd make the roots the others use. The storage owner is a user
 * of the test's own, added to /etc/passwd (the VM's) while it runs, since
 * hsxd's policy names it by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "e2e.h"
#include "fs_rig.h"
#include "hsx_cap.h"
#include "hsx_fs.h"
#include "hsx_uapi.h"
#include "hsxd_run.h"

#define BASE "/run/fs-caps"
#define MNT BASE "/tmpfs" /* a tmpfs of its own: the roots, and the sentinel tree beside them */
#define APPS MNT "/apps"  /* the template's fixed part */
#define DIR_A APPS "/1000/notes"
#define DIR_B APPS "/1001/diary"
#define DIR_VIEW APPS "/1002/viewer"
#define OWNER_NAME "hsx-fs-owner" /* OWNER_UID's name, in /etc/passwd while the test runs */

#define A_UID 1000      /* "notes": read and write */
#define B_UID 1001      /* "diary": read and write */
#define VIEW_UID 1002   /* "viewer": read only */
#define TIMER_UID 1003  /* a timer rule, no fs rule */
#define NOBODY_UID 1004 /* no rule at all */
#define QUOTA_BYTES 65536
#define QUOTA_FILES 16

#define FS_RULE(name, uid, rights)                                                                 \
    "  { name = \"" name "\"; match = { uid = " #uid "; };\n"                                      \
    "    fs = { root = \"" APPS "/%u/%n\"; quota_bytes = 65536; quota_files = 16;\n"               \
    "           owner = \"" OWNER_NAME "\"; rights = " rights "; }; },\n"

/* clang-format off */
static const char policy_text[] =
    "version = 1;\n"
    "lifetime = 600;\n"
    "rules = (\n"
    FS_RULE("notes", 1000, "[\"read\", \"write\"]")
    FS_RULE("diary", 1001, "[\"read\", \"write\"]")
    FS_RULE("viewer", 1002, "[\"read\"]")
    "  { name = \"ticks\"; match = { uid = 1003; };\n"
    "    timer = { max_timers = 1; rights = [\"read\"]; }; }\n"
    ");\n";
/* clang-format on */

#define NOTES "hello, notes\nline 2\n" /* what each application's notes.txt holds */

static struct hsxd_run hsxd;
static struct snap outside; /* BASE, but the roots: the sentinel tree, checked after each test */
static char *passwd_before; /* /etc/passwd as it was, put back at the end */
static int other_root = -1; /* B's root, for A to reach for */
static const char *const apps_skip[] = {"tmpfs/apps", NULL};

/* ---- In an application: a call's code and hsx errno, or exit with the line ----------- */

static void app_fails(int line, const char *call, int got, int err, int code, int want_err)
{
    if (got == code && (want_err == 0 || err == want_err))
        return;
    fprintf(stderr,
            "app check failed at line %d [%s]: %s is %d (errno %d, %s), not %d (errno %d)\n", line,
            fs_row, call, got, err, strerror(err), code, want_err);
    _exit((line % 255) + 1);
}

/* call returns code with hsx_hal_errno() err (0: any). */
#define APP_IS(call, code, err)                                                                    \
    do {                                                                                           \
        int got_ = (call);                                                                         \
        app_fails(__LINE__, #call, got_, hsx_hal_errno(), code, err);                              \
    } while (0)

/* Every path call on path is code/err (and did nothing): open each way, listdir, stat,
 * mkdir, delete, rename either way, replace. */
static void every_call(int line, const char *path, int code, int err)
{
    char list[256];
    hsx_fs_stat_info_t st;

#define CALL_IS(call)                                                                              \
    do {                                                                                           \
        int got_ = (call);                                                                         \
        app_fails(line, #call, got_, hsx_hal_errno(), code, err);                                  \
    } while (0)
    CALL_IS(hsx_fs_open(path, HSX_FS_O_RDONLY));
    CALL_IS(hsx_fs_open(path, HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_TRUNC));
    CALL_IS(hsx_fs_open(path, HSX_FS_O_RDWR | HSX_FS_O_APPEND));
    CALL_IS(hsx_fs_listdir(path, list, sizeof(list)));
    CALL_IS(hsx_fs_stat(path, &st));
    CALL_IS(hsx_fs_mkdir(path));
    CALL_IS(hsx_fs_delete(path));
    CALL_IS(hsx_fs_rename(path, "stolen"));
    CALL_IS(hsx_fs_rename("notes.txt", path));
    CALL_IS(hsx_fs_replace(path, "x", 1));
#undef CALL_IS
}

#define EVERY_CALL(path, code, err) every_call(__LINE__, path, code, err)

/* Opening path for writing, each way, is code/err. */
static void every_writing_open(int line, const char *path, int code, int err)
{
    static const uint32_t ways[] = {
        HSX_FS_O_WRONLY,
        HSX_FS_O_RDWR,
        HSX_FS_O_WRONLY | HSX_FS_O_TRUNC,
        HSX_FS_O_RDWR | HSX_FS_O_APPEND,
        HSX_FS_O_WRONLY | HSX_FS_O_CREAT,
        HSX_FS_O_RDWR | HSX_FS_O_CREAT | HSX_FS_O_TRUNC,
    };

    for (size_t i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
        int got = hsx_fs_open(path, ways[i]);
        app_fails(line, "hsx_fs_open(path, a way of writing)", got, hsx_hal_errno(), code, err);
    }
}

#define EVERY_WRITING_OPEN(path, code, err) every_writing_open(__LINE__, path, code, err)

/* A whole small file through the library, NUL-terminated: its length, or the error. */
static int app_slurp(const char *path, char *buf, uint32_t size)
{
    hsx_fd_t fd = hsx_fs_open(path, HSX_FS_O_RDONLY);

    if (fd < 0)
        return fd;
    int n = hsx_fs_read(fd, buf, size - 1);
    hsx_fs_close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

/* Does a listing hold name as one of its lines? */
static bool listed(const char *list, const char *name)
{
    char line[300];

    snprintf(line, sizeof(line), "%s\n", name);
    for (const char *p = list; (p = strstr(p, line)); p++)
        if (p == list || p[-1] == '\n')
            return true;
    return false;
}

/* ---- The test's side: root, behind hsx's back ------------------------------------------ */

/* The root hsx.ko has bound to dir (its sysfs path), or -1. */
static int root_of(const char *dir)
{
    for (int n = 0; n < HSX_FS_MAX_ROOTS; n++) {
        char path[64], text[256];
        snprintf(path, sizeof(path), "/sys/hal/fs/%d/path", n);
        long len = rig_read(path, text, sizeof(text));
        if (len <= 0)
            continue;
        text[strcspn(text, "\n")] = '\0';
        if (!strcmp(text, dir))
            return n;
    }
    return -1;
}

/* Roots bound now. */
static int roots_bound(void)
{
    int n = 0;

    for (int i = 0; i < HSX_FS_MAX_ROOTS; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/sys/hal/fs/%d", i);
        n += access(path, F_OK) == 0;
    }
    return n;
}

/* dir is a directory of uid's, mode 0700. */
static void assert_dir(const char *dir, uid_t uid, gid_t gid)
{
    struct stat st;

    if (lstat(dir, &st))
        fail_msg("%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode) || st.st_uid != uid || st.st_gid != gid ||
        (st.st_mode & 07777) != 0700)
        fail_msg("%s: mode %o, uid %u, gid %u; not a directory 0700 of %u:%u", dir,
                 (unsigned int)st.st_mode, (unsigned int)st.st_uid, (unsigned int)st.st_gid,
                 (unsigned int)uid, (unsigned int)gid);
}

/* INFO's usage of dir's root is the tree's, exactly (as fs_rig's root_usage_exact()). */
static void usage_exact(const char *dir)
{
    struct rooted r = {.root = (uint32_t)root_of(dir)};

    assert_true(r.root < HSX_FS_MAX_ROOTS);
    snprintf(r.dir, sizeof(r.dir), "%s", dir);
    root_usage_exact(&r);
}

/* The sentinel tree (and everything outside the roots) as it was. */
static void outside_unchanged(void)
{
    snap_check(&outside, BASE, apps_skip);
}

/* The storage owner, by name: hsxd's policy names it so. */
static int add_owner(void)
{
    FILE *f = fopen("/etc/passwd", "r");
    size_t len;

    passwd_before = calloc(1, 65536);
    if (!f || !passwd_before)
        return -1;
    len = fread(passwd_before, 1, 65535, f);
    fclose(f);
    if (len == 65535 || (len && passwd_before[len - 1] != '\n'))
        return -1;
    f = fopen("/etc/passwd", "a");
    if (!f)
        return -1;
    fprintf(f, "%s:x:%u:%u::/nonexistent:/bin/false\n", OWNER_NAME, OWNER_UID, OWNER_UID);
    return fclose(f);
}

static void restore_passwd(void)
{
    if (passwd_before)
        e2e_write_file("/etc/passwd", passwd_before);
    free(passwd_before);
    passwd_before = NULL;
}

static int group_setup(void **state)
{
    (void)state;
    if (add_owner())
        return -1;
    rig_mkdir(BASE, 0, 0755);
    rig_tmpfs(MNT, 4096);
    rig_sentinel(MNT);
    rig_file(BASE "/sentinel", SECRET, 0, 0644);
    rig_mkdir(APPS, 0, 0700);
    fsnode = e2e_open_node("fs");
    snap_take(&outside, BASE, apps_skip);
    return hsxd_run_start(&hsxd, "fs-caps", policy_text);
}

static int group_teardown(void **state)
{
    (void)state;
    hsxd_run_stop(&hsxd);
    admin_fd = e2e_open_node("ctl");
    for (int n = 0; n < HSX_FS_MAX_ROOTS; n++) {
        char path[64], text[256];
        snprintf(path, sizeof(path), "/sys/hal/fs/%d/path", n);
        if (rig_read(path, text, sizeof(text)) > 0 && !strncmp(text, MNT "/", strlen(MNT "/")))
            fs_unmap((uint32_t)n);
    }
    close(admin_fd);
    close(fsnode);
    snap_free(&outside);
    umount2(MNT, MNT_DETACH);
    rmdir(MNT);
    unlink(BASE "/sentinel");
    rmdir(BASE);
    restore_passwd();
    return 0;
}

/* ---- 1. The roots hsxd makes, and the spec's calls and the additions there ------------ */

/* Every spec call and addition on the capability's root; its number to the test. */
static int app_basics(struct app *a)
{
    char buf[256], list[256];
    hsx_fs_stat_info_t st;
    hsx_fs_root_info_t info;

    ROW("the spec's calls");
    hsx_fd_t fd = hsx_fs_open("notes.txt", HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_TRUNC);
    APP_CHECK(fd >= 0);
    APP_IS(hsx_fs_write(fd, "hello, notes\n", 13), 13, 0);
    APP_IS(hsx_fs_printf(fd, "line %d\n", 2), 7, 0);
    APP_IS(hsx_fs_close(fd), HSX_HAL_OK, 0);
    APP_IS(app_slurp("notes.txt", buf, sizeof(buf)), (int)strlen(NOTES), 0);
    APP_CHECK(strcmp(buf, NOTES) == 0);
    APP_IS(hsx_fs_mkdir("logs"), HSX_HAL_OK, 0);
    fd = hsx_fs_open("logs/today.txt", HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_APPEND);
    APP_CHECK(fd >= 0);
    APP_IS(hsx_fs_printf(fd, "boot %u\n", 7u), 7, 0);
    APP_IS(hsx_fs_close(fd), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_rename("logs/today.txt", "logs/yesterday.txt"), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_listdir("logs", list, sizeof(list)), (int)strlen("yesterday.txt\n"), 0);
    APP_CHECK(strcmp(list, "yesterday.txt\n") == 0);

    ROW("the additions");
    APP_IS(hsx_fs_replace("logs/cfg.json", "{\"a\":1}", 7), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_stat("logs/cfg.json", &st), HSX_HAL_OK, 0);
    APP_CHECK(st.type == HSX_FS_TYPE_FILE && st.size == 7 && st.mtime_ns > 0);
    APP_IS(hsx_fs_stat("logs", &st), HSX_HAL_OK, 0);
    APP_CHECK(st.type == HSX_FS_TYPE_DIR);
    fd = hsx_fs_open("logs/cfg.json", HSX_FS_O_RDWR);
    APP_CHECK(fd >= 0);
    APP_IS(hsx_fs_pwrite(fd, "2", 1, 5), 1, 0);
    APP_IS(hsx_fs_pread(fd, buf, sizeof(buf), 0), 7, 0);
    APP_CHECK(memcmp(buf, "{\"a\":2}", 7) == 0);
    APP_IS(hsx_fs_truncate(fd, 3), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_fstat(fd, &st), HSX_HAL_OK, 0);
    APP_CHECK(st.size == 3);
    APP_IS(hsx_fs_fsync(fd), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_close(fd), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_delete("logs/cfg.json"), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_delete("logs/yesterday.txt"), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_listdir("", list, sizeof(list)), (int)strlen("logs\nnotes.txt\n"), 0);
    APP_CHECK(listed(list, "logs") && listed(list, "notes.txt"));

    ROW("its root and quotas");
    int root = hsx_fs_root();
    APP_CHECK(root >= 0 && root < HSX_FS_MAX_ROOTS);
    APP_IS(hsx_fs_info(&info), HSX_HAL_OK, 0);
    APP_CHECK(info.bound == 1 && info.root == (uint32_t)root && info.flags == 0);
    APP_CHECK(info.quota_bytes == QUOTA_BYTES && info.quota_files == QUOTA_FILES);
    APP_CHECK(info.used_bytes == strlen(NOTES) && info.used_files == 2);
    APP_CHECK(info.owner_uid == OWNER_UID && info.owner_gid == OWNER_UID);
    tell(a->out, &root, sizeof(root));
    return 0;
}

/* Run app_basics as uid; its root is bound to dir, which hsxd made as the rule says. */
static int basics_as(uid_t uid, const char *dir)
{
    char parent[128], file[160], buf[256];
    struct stat st;
    struct app a;
    int root = -1;

    start_app(&a, app_basics, uid);
    bool heard = hear(a.from_app, &root, sizeof(root));
    assert_int_equal(finish_app(&a), 0);
    assert_true(heard);
    assert_int_equal(root_of(dir), root);
    assert_dir(dir, OWNER_UID, OWNER_UID);
    snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
    assert_dir(parent, 0, 0); /* made by hsxd, root's */
    snprintf(file, sizeof(file), "%s/notes.txt", dir);
    assert_int_equal(rig_read(file, buf, sizeof(buf)), strlen(NOTES));
    assert_string_equal(buf, NOTES);
    assert_int_equal(lstat(file, &st), 0);
    assert_int_equal(st.st_uid, OWNER_UID);
    assert_int_equal(st.st_mode & 07777, 0600);
    usage_exact(dir);
    return root;
}

static void roots_are_made_from_the_template(void **state)
{
    (void)state;
    assert_int_equal(access(APPS "/1000", F_OK), -1);
    int a = basics_as(A_UID, DIR_A);
    int b = basics_as(B_UID, DIR_B);
    assert_int_not_equal(a, b);
    outside_unchanged();
}

/* ---- 2. Another application's root -------------------------------------------------- */

static int app_reach_for_b(struct app *a)
{
    char buf[64];
    hsx_fs_stat_info_t st;
    hsx_fs_root_info_t info;
    const int b = other_root;
    (void)a;

    APP_IS(hsx_fs_stat("notes.txt", &st), HSX_HAL_OK, 0); /* its capability */
    APP_CHECK(hsx_fs_root() != b);
    ROW("B's files by a path");
    EVERY_CALL("../1001/diary/notes.txt", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("../../1001/diary/notes.txt", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("logs/../../../1001/diary/notes.txt", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL(DIR_B "/notes.txt", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL(DIR_B, HSX_HAL_INVALID_PARAM, EINVAL);

    ROW("B's root by its number");
    APP_IS(hsx_fs_open_ex(b, "notes.txt", HSX_FS_O_RDONLY), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_open_ex(b, "notes.txt", HSX_FS_O_WRONLY | HSX_FS_O_TRUNC), HSX_HAL_DENIED,
           EACCES);
    APP_IS(hsx_fs_open_ex(b, "new", HSX_FS_O_WRONLY | HSX_FS_O_CREAT), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_listdir_ex(b, "", buf, sizeof(buf)), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_stat_ex(b, "notes.txt", &st), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_delete_ex(b, "notes.txt"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_rename_ex(b, "notes.txt", "moved"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_mkdir_ex(b, "dir"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_replace_ex(b, "notes.txt", "x", 1), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_info_ex(b, &info), HSX_HAL_DENIED, EACCES);

    ROW("B's root selected");
    APP_IS(hsx_fs_select(b), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_root(), b, 0);
    APP_IS(hsx_fs_open("notes.txt", HSX_FS_O_RDONLY), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_open("notes.txt", HSX_FS_O_RDWR | HSX_FS_O_TRUNC), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_listdir("", buf, sizeof(buf)), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_delete("notes.txt"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_rename("notes.txt", "moved"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_mkdir("dir"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_replace("notes.txt", "x", 1), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_info(&info), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_select(HSX_FS_ROOT_DEFAULT), HSX_HAL_OK, 0);
    APP_IS(app_slurp("notes.txt", buf, sizeof(buf)), (int)strlen(NOTES), 0); /* its own */
    return 0;
}

static void another_apps_root_is_out_of_reach(void **state)
{
    struct snap a_tree = {0}, b_tree = {0};
    (void)state;

    other_root = root_of(DIR_B);
    assert_true(other_root >= 0);
    snap_take(&a_tree, DIR_A, NULL);
    snap_take(&b_tree, DIR_B, NULL);
    assert_int_equal(run_app(app_reach_for_b, A_UID), 0);
    snap_check(&b_tree, DIR_B, NULL);
    snap_check(&a_tree, DIR_A, NULL);
    snap_free(&a_tree);
    snap_free(&b_tree);
    usage_exact(DIR_A);
    usage_exact(DIR_B);
    outside_unchanged();
}

/* ---- 3. Quotas ---------------------------------------------------------------------- */

static int app_quotas(struct app *a)
{
    static uint8_t chunk[4096];
    hsx_fs_root_info_t info;
    char name[32], go;
    int n = 0;

    APP_IS(hsx_fs_info(&info), HSX_HAL_OK, 0);
    const uint64_t files0 = info.used_files, bytes0 = info.used_bytes;
    APP_CHECK(files0 < QUOTA_FILES && bytes0 < QUOTA_BYTES);

    ROW("many small files");
    APP_IS(hsx_fs_mkdir("many"), HSX_HAL_OK, 0);
    for (;; n++) {
        snprintf(name, sizeof(name), "many/f%d", n);
        hsx_fd_t fd = hsx_fs_open(name, HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_EXCL);
        if (fd < 0) {
            APP_IS(fd, HSX_HAL_LIMIT, EDQUOT);
            break;
        }
        APP_IS(hsx_fs_write(fd, "f", 1), 1, 0);
        APP_IS(hsx_fs_close(fd), HSX_HAL_OK, 0);
        APP_CHECK(n < QUOTA_FILES);
    }
    APP_CHECK((uint64_t)n == QUOTA_FILES - files0 - 1);
    APP_IS(hsx_fs_mkdir("many/dir"), HSX_HAL_LIMIT, EDQUOT);
    APP_IS(hsx_fs_replace("many/new", "x", 1), HSX_HAL_LIMIT, EDQUOT);
    APP_IS(hsx_fs_replace("many/f0", "x", 1), HSX_HAL_LIMIT, EDQUOT); /* its temporary file */
    APP_IS(hsx_fs_info(&info), HSX_HAL_OK, 0);
    APP_CHECK(info.used_files == QUOTA_FILES && info.used_bytes == bytes0 + (uint64_t)n);
    tell(a->out, "f", 1);
    if (!hear(a->in, &go, 1))
        return 2;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "many/f%d", i);
        APP_IS(hsx_fs_delete(name), HSX_HAL_OK, 0);
    }
    APP_IS(hsx_fs_delete("many"), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_info(&info), HSX_HAL_OK, 0);
    APP_CHECK(info.used_files == files0 && info.used_bytes == bytes0);

    ROW("one large file");
    const uint64_t room = QUOTA_BYTES - bytes0;
    uint64_t done = 0;
    memset(chunk, 0x5a, sizeof(chunk));
    hsx_fd_t fd = hsx_fs_open("big", HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_EXCL);
    APP_CHECK(fd >= 0);
    for (int w;; done += (uint64_t)w) {
        w = hsx_fs_write(fd, chunk, sizeof(chunk));
        APP_CHECK(w > 0);
        if (w < (int)sizeof(chunk)) {
            done += (uint64_t)w;
            break;
        }
    }
    APP_CHECK(room % sizeof(chunk) != 0); /* so that the last write was short */
    APP_CHECK(done == room);
    APP_IS(hsx_fs_write(fd, chunk, sizeof(chunk)), HSX_HAL_LIMIT, EDQUOT);
    APP_IS(hsx_fs_write(fd, chunk, 1), HSX_HAL_LIMIT, EDQUOT);
    APP_IS(hsx_fs_printf(fd, "%d", 1), HSX_HAL_LIMIT, EDQUOT);
    APP_IS(hsx_fs_pwrite(fd, chunk, 1, done), HSX_HAL_LIMIT, EDQUOT);
    APP_IS(hsx_fs_truncate(fd, done + 1), HSX_HAL_LIMIT, EDQUOT);
    APP_IS(hsx_fs_pwrite(fd, "y", 1, 0), 1, 0); /* within the file: no more bytes */
    APP_IS(hsx_fs_close(fd), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_replace("notes.txt", NOTES, (uint32_t)strlen(NOTES)), HSX_HAL_LIMIT, EDQUOT);
    APP_IS(hsx_fs_info(&info), HSX_HAL_OK, 0);
    APP_CHECK(info.used_bytes == QUOTA_BYTES && info.used_files == files0 + 1);
    tell(a->out, "b", 1);
    if (!hear(a->in, &go, 1))
        return 2;
    APP_IS(hsx_fs_delete("big"), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_info(&info), HSX_HAL_OK, 0);
    APP_CHECK(info.used_bytes == bytes0 && info.used_files == files0);
    return 0;
}

static void quotas_end_in_limit(void **state)
{
    struct stat st;
    struct app a;
    char step = 0;
    (void)state;

    start_app(&a, app_quotas, A_UID);
    assert_true(hear(a.from_app, &step, 1));
    assert_int_equal(step, 'f');
    usage_exact(DIR_A);
    tell(a.to_app, "g", 1);
    assert_true(hear(a.from_app, &step, 1));
    assert_int_equal(step, 'b');
    usage_exact(DIR_A);
    assert_int_equal(lstat(DIR_A "/big", &st), 0);
    assert_int_equal(st.st_size, QUOTA_BYTES - strlen(NOTES));
    tell(a.to_app, "g", 1);
    assert_int_equal(finish_app(&a), 0);
    usage_exact(DIR_A);
    assert_int_equal(access(DIR_A "/big", F_OK), -1);
    outside_unchanged();
}

/* ---- 4. A read-only rule ------------------------------------------------------------ */

static int app_read_only(struct app *a)
{
    char buf[64], list[64];
    hsx_fs_stat_info_t st;
    hsx_fs_root_info_t info;
    (void)a;

    ROW("reads");
    hsx_fd_t fd = hsx_fs_open("readme.txt", HSX_FS_O_RDONLY);
    APP_CHECK(fd >= 0);
    APP_IS(hsx_fs_read(fd, buf, sizeof(buf)), 8, 0);
    APP_CHECK(memcmp(buf, "read me\n", 8) == 0);
    APP_IS(hsx_fs_pread(fd, buf, 2, 6), 2, 0);
    APP_CHECK(memcmp(buf, "e\n", 2) == 0);
    APP_IS(hsx_fs_fstat(fd, &st), HSX_HAL_OK, 0);
    APP_CHECK(st.size == 8 && st.type == HSX_FS_TYPE_FILE);
    APP_IS(hsx_fs_seek(fd, 0, HSX_FS_SEEK_SET), 0, 0);
    APP_IS(hsx_fs_stat("d/x", &st), HSX_HAL_OK, 0);
    APP_IS(hsx_fs_listdir("", list, sizeof(list)), (int)strlen("d\nreadme.txt\n"), 0);
    APP_CHECK(listed(list, "d") && listed(list, "readme.txt"));
    APP_IS(app_slurp("d/x", buf, sizeof(buf)), 2, 0);
    APP_IS(hsx_fs_info(&info), HSX_HAL_OK, 0);
    APP_CHECK(info.bound == 1 && info.used_files == 3 && info.used_bytes == 10);
    APP_CHECK(info.quota_bytes == QUOTA_BYTES && info.owner_uid == OWNER_UID);

    ROW("every writing call");
    EVERY_WRITING_OPEN("readme.txt", HSX_HAL_DENIED, EACCES);
    EVERY_WRITING_OPEN("new", HSX_HAL_DENIED, EACCES);
    EVERY_WRITING_OPEN("d/new", HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_open("d/new", HSX_FS_O_RDWR | HSX_FS_O_CREAT | HSX_FS_O_EXCL), HSX_HAL_DENIED,
           EACCES);
    APP_IS(hsx_fs_write(fd, "x", 1), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_pwrite(fd, "x", 1, 0), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_printf(fd, "%d", 1), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_truncate(fd, 0), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_fsync(fd), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_delete("readme.txt"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_delete("d/x"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_rename("readme.txt", "moved"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_rename("d/x", "readme.txt"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_mkdir("dir"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_replace("readme.txt", "x", 1), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_replace("new", "x", 1), HSX_HAL_DENIED, EACCES);

    ROW("reads, still");
    APP_IS(hsx_fs_read(fd, buf, sizeof(buf)), 8, 0);
    APP_IS(hsx_fs_close(fd), HSX_HAL_OK, 0);
    return 0;
}

static void a_read_only_rule_changes_nothing(void **state)
{
    struct snap tree = {0};
    (void)state;

    /* A tree with something in it already: as hsxd would make it, and a file and a directory. */
    rig_mkdir(APPS "/1002", 0, 0700);
    rig_mkdir(DIR_VIEW, OWNER_UID, 0700);
    rig_file(DIR_VIEW "/readme.txt", "read me\n", OWNER_UID, 0600);
    rig_mkdir(DIR_VIEW "/d", OWNER_UID, 0700);
    rig_file(DIR_VIEW "/d/x", "x\n", OWNER_UID, 0600);
    snap_take(&tree, DIR_VIEW, NULL);
    assert_int_equal(run_app(app_read_only, VIEW_UID), 0);
    snap_check(&tree, DIR_VIEW, NULL);
    snap_free(&tree);
    assert_dir(DIR_VIEW, OWNER_UID, OWNER_UID);
    usage_exact(DIR_VIEW);
    outside_unchanged();
}

/* ---- 5. Attack rows through the library ------------------------------------------- */

static int app_attacks(struct app *a)
{
    char buf[256], list[256];
    hsx_fs_stat_info_t st;
    (void)a;

    alarm(60); /* a FIFO that blocked an open would hang here: killed instead */
    APP_IS(hsx_fs_stat("notes.txt", &st), HSX_HAL_OK, 0);

    ROW("'..' at a few depths");
    EVERY_CALL("..", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("../notes.txt", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("logs/..", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("logs/../notes.txt", HSX_HAL_INVALID_PARAM, EINVAL); /* even staying inside */
    EVERY_CALL("../../../outside/owned", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("logs/../../../../outside/owned", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("logs/a/../../../../../outside/created", HSX_HAL_INVALID_PARAM, EINVAL);

    ROW("absolute paths");
    EVERY_CALL(MNT "/outside/owned", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL(MNT "/outside/created", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("/etc/passwd", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("/notes.txt", HSX_HAL_INVALID_PARAM, EINVAL);

    ROW("a symlink planted inside, to a file outside");
    APP_IS(hsx_fs_open("link", HSX_FS_O_RDONLY), HSX_HAL_INVALID_PARAM, ELOOP);
    EVERY_WRITING_OPEN("link", HSX_HAL_INVALID_PARAM, ELOOP);
    APP_IS(hsx_fs_open("link", HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_EXCL),
           HSX_HAL_INVALID_PARAM, EEXIST); /* there, not followed */
    APP_IS(hsx_fs_stat("link", &st), HSX_HAL_INVALID_PARAM, ELOOP);
    APP_IS(hsx_fs_replace("link", "x", 1), HSX_HAL_INVALID_PARAM, ELOOP);
    APP_IS(hsx_fs_rename("link", "moved"), HSX_HAL_INVALID_PARAM, ELOOP);
    ROW("a symlink planted inside, to a directory outside");
    EVERY_CALL("dlink/owned", HSX_HAL_INVALID_PARAM, ELOOP);
    EVERY_CALL("dlink/created", HSX_HAL_INVALID_PARAM, ELOOP);
    EVERY_CALL("logs/up/outside/owned", HSX_HAL_INVALID_PARAM, ELOOP);
    APP_IS(hsx_fs_listdir("dlink", list, sizeof(list)), HSX_HAL_INVALID_PARAM, ELOOP);

    ROW("a FIFO planted inside");
    APP_IS(hsx_fs_open("fifo", HSX_FS_O_RDONLY), HSX_HAL_UNSUPPORTED, EOPNOTSUPP);
    EVERY_WRITING_OPEN("fifo", HSX_HAL_UNSUPPORTED, EOPNOTSUPP);
    APP_IS(hsx_fs_open("fifo", HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_EXCL),
           HSX_HAL_INVALID_PARAM, EEXIST);
    APP_IS(hsx_fs_stat("fifo", &st), HSX_HAL_UNSUPPORTED, EOPNOTSUPP);

    ROW("the listing shows neither");
    APP_IS(hsx_fs_listdir("", list, sizeof(list)), (int)strlen("logs\nnotes.txt\n"), 0);
    APP_CHECK(listed(list, "logs") && listed(list, "notes.txt"));

    ROW("a newline, control characters, bytes that are not UTF-8");
    EVERY_CALL("a\nb", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("notes.txt\n", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("logs/\n", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("a\tb", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("\xff", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("notes\xc0\xae", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("a\xc0\xae\xc0\xae/b", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("\xed\xa0\x80", HSX_HAL_INVALID_PARAM, EINVAL);

    ROW("hsx's own names");
    EVERY_CALL(".hsx-tmp.notes.txt", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL(".hsx-tmp.", HSX_HAL_INVALID_PARAM, EINVAL);
    EVERY_CALL("logs/.hsx-tmp.x", HSX_HAL_INVALID_PARAM, EINVAL);

    ROW("what was there is as it was");
    APP_IS(app_slurp("notes.txt", buf, sizeof(buf)), (int)strlen(NOTES), 0);
    APP_CHECK(strcmp(buf, NOTES) == 0);
    return 0;
}

static void attack_rows_are_refused(void **state)
{
    struct snap tree = {0};
    (void)state;

    /* Planted by root (another process with access to the backing directory). */
    assert_int_equal(symlink(MNT "/outside/owned", DIR_A "/link"), 0);
    assert_int_equal(symlink(MNT "/outside", DIR_A "/dlink"), 0);
    assert_int_equal(symlink("../../../..", DIR_A "/logs/up"), 0);
    assert_int_equal(mkfifo(DIR_A "/fifo", 0666), 0);
    assert_int_equal(lchown(DIR_A "/link", OWNER_UID, OWNER_UID), 0);
    assert_int_equal(lchown(DIR_A "/dlink", OWNER_UID, OWNER_UID), 0);
    assert_int_equal(lchown(DIR_A "/logs/up", OWNER_UID, OWNER_UID), 0);
    assert_int_equal(chown(DIR_A "/fifo", OWNER_UID, OWNER_UID), 0);
    snap_take(&tree, DIR_A, NULL);
    assert_int_equal(run_app(app_attacks, A_UID), 0);
    snap_check(&tree, DIR_A, NULL);
    snap_free(&tree);
    usage_exact(DIR_A);
    outside_unchanged();
    assert_int_equal(unlink(DIR_A "/link"), 0);
    assert_int_equal(unlink(DIR_A "/dlink"), 0);
    assert_int_equal(unlink(DIR_A "/logs/up"), 0);
    assert_int_equal(unlink(DIR_A "/fifo"), 0);
}

/* ---- 6. Revocation through hsxd, a handle open ------------------------------------ */

static int app_revoked(struct app *a)
{
    hsx_cap_info_t cap;
    char buf[64], go;

    hsx_fd_t fd = hsx_fs_open("notes.txt", HSX_FS_O_RDONLY);
    APP_CHECK(fd >= 0);
    APP_IS(hsx_fs_read(fd, buf, 5), 5, 0);
    hsx_fd_t wfd = hsx_fs_open("logs/w", HSX_FS_O_WRONLY | HSX_FS_O_CREAT);
    APP_CHECK(wfd >= 0);
    APP_IS(hsx_cap_get(HSX_CAP_MODULE_FS, &cap), HSX_HAL_OK, 0);
    APP_CHECK(cap.status == HSX_CAP_STATUS_HELD && cap.id != 0);
    tell(a->out, &cap.id, sizeof(cap.id));
    if (!hear(a->in, &go, 1))
        return 2;
    ROW("after the revocation");
    APP_IS(hsx_fs_read(fd, buf, sizeof(buf)), HSX_HAL_DENIED, EKEYREVOKED);
    APP_IS(hsx_fs_pread(fd, buf, sizeof(buf), 0), HSX_HAL_DENIED, EKEYREVOKED);
    APP_IS(hsx_fs_write(wfd, "x", 1), HSX_HAL_DENIED, EKEYREVOKED);
    APP_IS(hsx_fs_open("notes.txt", HSX_FS_O_RDONLY), HSX_HAL_DENIED, 0); /* not again */
    hsx_fs_close(fd);
    hsx_fs_close(wfd);
    return 0;
}

static void revocation_ends_the_handles(void **state)
{
    struct app a;
    uint64_t id = 0;
    char buf[256];
    (void)state;

    start_app(&a, app_revoked, A_UID);
    bool heard = hear(a.from_app, &id, sizeof(id));
    if (heard)
        admin_revoke(id);
    tell(a.to_app, "g", 1);
    assert_int_equal(finish_app(&a), 0);
    assert_true(heard);
    assert_true(hsxd_run_logged(&hsxd, "revoked"));
    /* The data stays, and the root. */
    assert_int_equal(rig_read(DIR_A "/notes.txt", buf, sizeof(buf)), strlen(NOTES));
    assert_string_equal(buf, NOTES);
    assert_int_equal(rig_read(DIR_A "/logs/w", buf, sizeof(buf)), 0);
    assert_true(root_of(DIR_A) >= 0);
    usage_exact(DIR_A);
    outside_unchanged();
}

/* ---- 7. No fs rule ------------------------------------------------------------------ */

static int app_no_rule(struct app *a)
{
    char list[64];
    hsx_fs_stat_info_t st;
    (void)a;

    APP_IS(hsx_fs_open("x", HSX_FS_O_WRONLY | HSX_FS_O_CREAT), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_open("x", HSX_FS_O_RDONLY), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_listdir("", list, sizeof(list)), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_stat("", &st), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_mkdir("d"), HSX_HAL_DENIED, EACCES);
    APP_IS(hsx_fs_replace("x", "x", 1), HSX_HAL_DENIED, EACCES);
    return 0;
}

static void no_fs_rule_no_tree(void **state)
{
    (void)state;
    int before = roots_bound();
    assert_int_equal(run_app(app_no_rule, TIMER_UID), 0);
    assert_int_equal(run_app(app_no_rule, NOBODY_UID), 0);
    assert_int_equal(roots_bound(), before);
    assert_int_equal(access(APPS "/1003", F_OK), -1);
    assert_int_equal(access(APPS "/1004", F_OK), -1);
    outside_unchanged();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roots_are_made_from_the_template),
        cmocka_unit_test(another_apps_root_is_out_of_reach),
        cmocka_unit_test(quotas_end_in_limit),
        cmocka_unit_test(a_read_only_rule_changes_nothing),
        cmocka_unit_test(attack_rows_are_refused),
        cmocka_unit_test(revocation_ends_the_handles),
        cmocka_unit_test(no_fs_rule_no_tree),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
