/* SPDX-License-Identifier: MIT */
/*
 * The FS module's attack matrix (issue 16, item 5), row by row, as an
 * unprivileged application (uid HOLDER_UID) granted read and write on its
 * root, against hsx.ko's ioctls, on a tmpfs and on ext4. The backing tree is
 * prepared by root, as anyone with access to the backing directory could:
 * symlinks out of it (absolute, relative, dangling), magic links, a FIFO, a
 * device node and a socket, hard links to files outside, a bind mount. Each
 * row asserts the documented errno of every function it reaches, and the
 * sentinel tree outside the root (files anyone, root or the storage owner
 * could read and write) is unchanged afterwards: names, modes, sizes,
 * contents, mtimes, ctimes. Also: paths of maximal length, components of
 * 255 and 256 bytes, embedded NUL, invalid UTF-8, control characters, hsx's
 * own names, another application's root, a read-only capability, a root
 * mapped read-only, and a rename race moving directories in and out of the
 * tree (and the root itself) while the application resolves paths through
 * it, as the kernel's openat2 selftests do.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "cap_holder.h"
#include "e2e.h"
#include "fs_rig.h"
#include "hsx_uapi.h"

#define BASE "/run/fse-a"
#define INSIDE "INSIDE the tree\n"

static char outside[96];          /* <mnt>/outside of the test under way, for the applications */
static bool file_is_there = true; /* every_path_function()'s last check applies */

/* A directory below the mount that the snapshots of what is outside the roots leave out. */
static void skip_name(const char *name)
{
    for (int i = 0; i < nskips; i++)
        if (!strcmp(skips[i], name))
            return;
    assert_true(nskips < 63);
    skips[nskips++] = name;
}

/* ---- In the application: every path function, one errno ---------------------------------- */

/*
 * Every function that takes a path, given p: each must fail with err (and,
 * for RENAME, with p as either name). "file" is a regular file in the
 * root; it must be there after.
 */
static void every_path_function(int fd, uint32_t root, struct hsx_fs_path p, int err)
{
    char buf[64];
    struct hsx_fs_stat st;
    struct hsx_fs_listdir l;
    struct hsx_fs_path file = fs_path("file"), other = fs_path("renamed");

    CHILD_EQ(fs_openp(fd, root, p, HSX_FS_O_RDONLY), -err);
    CHILD_EQ(fs_openp(fd, root, p, HSX_FS_O_WRONLY), -err);
    CHILD_EQ(fs_openp(fd, root, p, HSX_FS_O_WRONLY | HSX_FS_O_CREAT), -err);
    CHILD_EQ(fs_openp(fd, root, p, HSX_FS_O_RDWR | HSX_FS_O_CREAT | HSX_FS_O_TRUNC), -err);
    CHILD_EQ(fs_openp(fd, root, p, HSX_FS_O_WRONLY | HSX_FS_O_APPEND), -err);
    CHILD_EQ(fs_statp(fd, root, p, &st), -err);
    CHILD_EQ(fs_listp(fd, root, p, buf, sizeof(buf), &l), -err);
    CHILD_EQ(fs_mkdirp(fd, root, p), -err);
    CHILD_EQ(fs_deletep(fd, root, p), -err);
    CHILD_EQ(fs_pathop(fd, HSX_IOC_FS_RENAME, root, p, other, 0), -err);
    CHILD_EQ(fs_pathop(fd, HSX_IOC_FS_RENAME, root, file, p, 0), -err);
    CHILD_EQ(fs_pathop(fd, HSX_IOC_FS_RENAME, root, file, p, HSX_FS_RENAME_NOREPLACE), -err);
    CHILD_EQ(fs_replacep(fd, root, p, "replaced", 8), -err);
    if (root == R && file_is_there)
        CHILD_EQ(fs_stat(fd, R, "file", &st), 0);
}

static void every_path_function_s(int fd, const char *path, int err)
{
    every_path_function(fd, R, fs_path(path), err);
}

/* ---- The root's tree, as a third party with access to its directory leaves it ---------- */

static void rig_symlink(const char *target, const char *dir, const char *name)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (symlink(target, path))
        fail_msg("symlink %s: %s", path, strerror(errno));
}

static void rig_link(const char *from, const char *dir, const char *name)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (link(from, path))
        fail_msg("link %s: %s", path, strerror(errno));
}

/* A socket file, bound and left (its owner gone). */
static void rig_socket(const char *dir, const char *name)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)))
        fail_msg("bind %s: %s", sa.sun_path, strerror(errno));
    close(s);
}

static void build_attack_tree(const struct fsys *fs, const char *name, char *dir, size_t size)
{
    char path[256], target[256];

    snprintf(dir, size, "%s/%s", fs->mnt, name);
    snprintf(outside, sizeof(outside), "%s/outside", fs->mnt);
    rig_mkdir(dir, OWNER_UID, 0700);
    snprintf(path, sizeof(path), "%s/file", dir);
    rig_file(path, INSIDE, OWNER_UID, 0600);
    snprintf(path, sizeof(path), "%s/a", dir);
    rig_mkdir(path, OWNER_UID, 0700);
    snprintf(path, sizeof(path), "%s/a/b", dir);
    rig_mkdir(path, OWNER_UID, 0700);
    snprintf(path, sizeof(path), "%s/a/b/c", dir);
    rig_mkdir(path, OWNER_UID, 0700);
    snprintf(path, sizeof(path), "%s/a/b/c/deep", dir);
    rig_file(path, INSIDE, OWNER_UID, 0600);
    /* Links: out (absolute, relative, dangling to where a file would be made), in, magic. */
    rig_symlink(outside, dir, "esc");
    snprintf(path, sizeof(path), "%s/a", dir);
    rig_symlink("../../outside", path, "rel");
    snprintf(target, sizeof(target), "%s/created", outside);
    rig_symlink(target, dir, "dangle");
    rig_symlink("file", dir, "inlink");
    rig_symlink("a", dir, "dirlink");
    rig_symlink("/proc/self/root", dir, "magic");
    rig_symlink("/proc/self/cwd", dir, "magiccwd");
    /* Not a regular file or directory: a FIFO, a device node (/dev/null's), a socket. */
    snprintf(path, sizeof(path), "%s/fifo", dir);
    if (mkfifo(path, 0666) || chown(path, OWNER_UID, OWNER_UID) || chmod(path, 0666))
        fail_msg("mkfifo %s: %s", path, strerror(errno));
    snprintf(path, sizeof(path), "%s/null", dir);
    if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) || chmod(path, 0666))
        fail_msg("mknod %s: %s", path, strerror(errno));
    rig_socket(dir, "sock");
    /* Hard links to files outside: the storage owner's, and root's (readable by all). */
    snprintf(path, sizeof(path), "%s/owned", outside);
    rig_link(path, dir, "hl_owned");
    snprintf(path, sizeof(path), "%s/secret", outside);
    rig_link(path, dir, "hl_secret");
    /* The bind mount's point (mounted once the root is bound: see bind_outside()). */
    snprintf(path, sizeof(path), "%s/mnt", dir);
    rig_mkdir(path, OWNER_UID, 0700);
}

static void bind_outside(const char *dir, bool on)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/mnt", dir);
    if (on ? mount(outside, path, NULL, MS_BIND, NULL) : umount2(path, MNT_DETACH))
        fail_msg("%s %s: %s", on ? "bind mount on" : "umount", path, strerror(errno));
}

/* ---- Rows: names ---------------------------------------------------------------------------- */

static int app_names(int fd, int sock)
{
    char path[HSX_FS_PATH_MAX + 64], buf[64];
    (void)sock;

    ROW("'..' at every depth");
    const char *prefixes[] = {"", "a/", "a/b/", "a/b/c/"};
    for (int depth = 0; depth < 4; depth++) {
        snprintf(path, sizeof(path), "%s..", prefixes[depth]);
        every_path_function_s(fd, path, EINVAL);
        snprintf(path, sizeof(path), "%s../outside/owned", prefixes[depth]);
        every_path_function_s(fd, path, EINVAL);
        path[0] = '\0';
        snprintf(path, sizeof(path), "%s", prefixes[depth]);
        for (int up = 0; up <= depth + 1; up++)
            strcat(path, "../");
        strcat(path, "outside/owned");
        every_path_function_s(fd, path, EINVAL);
        snprintf(path, sizeof(path), "%s../file", prefixes[depth]);
        every_path_function_s(fd, path, EINVAL); /* even one that would stay inside */
    }
    every_path_function_s(fd, "a/../../x", EINVAL);
    every_path_function_s(fd, "a/b/../../../outside/created", EINVAL);
    every_path_function_s(fd, "a/..", EINVAL);
    ROW("absolute paths");
    every_path_function_s(fd, "/", EINVAL);
    every_path_function_s(fd, "/etc/passwd", EINVAL);
    every_path_function_s(fd, "/file", EINVAL);
    snprintf(path, sizeof(path), "%s/owned", outside);
    every_path_function_s(fd, path, EINVAL);
    ROW("'.' components");
    every_path_function_s(fd, ".", EINVAL);
    every_path_function_s(fd, "./file", EINVAL);
    every_path_function_s(fd, "a/./b", EINVAL);
    every_path_function_s(fd, "a/.", EINVAL);
    ROW("empty components, a trailing '/'");
    every_path_function_s(fd, "a//b", EINVAL);
    every_path_function_s(fd, "//file", EINVAL);
    every_path_function_s(fd, "a/", EINVAL);
    every_path_function_s(fd, "file/", EINVAL);
    every_path_function_s(fd, "a/b/c/deep/", EINVAL);

    ROW("a NUL within the length");
    every_path_function(fd, R, fs_pathn("fi\0le", 5), EINVAL);
    every_path_function(fd, R, fs_pathn("file\0", 5), EINVAL);
    every_path_function(fd, R, fs_pathn("\0", 1), EINVAL);
    every_path_function(fd, R, fs_pathn("a/\0/b", 5), EINVAL);
    ROW("bytes that are not UTF-8");
    const char *bad[] = {
        "\xff",
        "a\xff"
        "b",
        "\xfe",
        "\xc0\xaf",
        /* overlong '/' */
        "a\xc0\xae\xc0\xae"
        "b",                /* overlong ".." */
        "\xe0\x80\xaf",     /* overlong, 3 bytes */
        "\xf0\x80\x80\xaf", /* overlong, 4 bytes */
        "\x80",             /* a lone continuation byte */
        "a\xbf"
        "b",
        "\xc3",             /* cut short */
        "\xe6\x97",         /* cut short */
        "\xed\xa0\x80",     /* a surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xf8\x88\x80\x80\x80",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        every_path_function_s(fd, bad[i], EINVAL);
    ROW("control characters");
    const char *ctl[] = {
        "\n",      "a\nb", "file\n", "\t", "\x01", "\x1f", "a\rb", "\x7f", "\xc2\x85" /* NEL */,
        "\xc2\x9f"};
    for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++)
        every_path_function_s(fd, ctl[i], EINVAL);
    ROW("hsx's own names");
    every_path_function_s(fd, HSX_FS_TMP_PREFIX "file", EINVAL);
    every_path_function_s(fd, HSX_FS_TMP_PREFIX, EINVAL);
    every_path_function_s(fd, "a/" HSX_FS_TMP_PREFIX "x", EINVAL);
    every_path_function_s(fd, HSX_FS_TMP_PREFIX "d/x", EINVAL);
    ROW("names that are fine: UTF-8, and what is only like hsx's");
    const char *good[] = {"\xc3\xa9t\xc3\xa9",
                          "\xe6\x97\xa5\xe6\x9c\xac",
                          "\xf0\x9f\x98\x80",
                          ".hsx-tmp",
                          ".hsx-tmpx",
                          "..x",
                          "...",
                          ".hidden",
                          "a b"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct hsx_fs_listdir l;
        char list[512];
        CHILD_EQ(fs_put(fd, R, good[i], good[i]), 0);
        CHILD_EQ(fs_slurp(fd, R, good[i], buf, sizeof(buf)), (long)strlen(good[i]));
        CHILD_EQ(fs_list(fd, R, "", list, sizeof(list), &l), 0);
        snprintf(path, sizeof(path), "\n%s\n", good[i]);
        list[l.len] = '\0';
        memmove(list + 1, list, l.len + 1);
        list[0] = '\n';
        CHILD_EQ(strstr(list, path) != NULL, 1);
        CHILD_EQ(fs_delete(fd, R, good[i]), 0);
    }

    ROW("a bad pointer");
    every_path_function(fd, R, fs_pathn(NULL, 4), EFAULT);
    struct hsx_fs_path reserved = fs_path("file");
    reserved.reserved = 1;
    every_path_function(fd, R, reserved, EINVAL);
    return 0;
}

static int app_lengths(int fd, int sock)
{
    char path[2 * HSX_FS_PATH_MAX], name[HSX_FS_NAME_MAX + 2], list[4096];
    struct hsx_fs_listdir l;
    struct hsx_fs_stat st;
    (void)sock;

    ROW("a component of HSX_FS_NAME_MAX bytes, and one more");
    memset(name, 'n', sizeof(name));
    name[HSX_FS_NAME_MAX] = '\0';
    CHILD_EQ(fs_put(fd, R, name, "255"), 0);
    CHILD_EQ(fs_stat(fd, R, name, &st), 0);
    CHILD_EQ(fs_list(fd, R, "", list, sizeof(list), &l), 0);
    CHILD_EQ(memmem(list, l.len, name, HSX_FS_NAME_MAX) != NULL, 1);
    CHILD_EQ(fs_delete(fd, R, name), 0);
    name[HSX_FS_NAME_MAX] = 'n';
    name[HSX_FS_NAME_MAX + 1] = '\0';
    every_path_function_s(fd, name, ENAMETOOLONG);
    snprintf(path, sizeof(path), "a/%s/x", name);
    every_path_function_s(fd, path, ENAMETOOLONG);
    snprintf(path, sizeof(path), "a/%s", name);
    every_path_function_s(fd, path, ENAMETOOLONG);

    ROW("a path of HSX_FS_PATH_MAX bytes, made by MKDIR");
    /* Ten directories of 100 bytes (1009 with their '/'), '/', a name of 14: 1024. */
    path[0] = '\0';
    for (int i = 0; i < 10; i++) {
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s%0100d", i ? "/" : "", i);
        CHILD_EQ(fs_mkdir(fd, R, path), 0);
    }
    strcat(path, "/");
    size_t dirs = strlen(path);
    memset(path + dirs, 'f', HSX_FS_PATH_MAX - dirs);
    path[HSX_FS_PATH_MAX] = '\0';
    CHILD_EQ(strlen(path), HSX_FS_PATH_MAX);
    int h = fs_open(fd, R, path, HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_EXCL);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(fs_puts(fd, h, "max"), 3);
    CHILD_EQ(fs_close(fd, h), 0);
    CHILD_EQ(fs_stat(fd, R, path, &st), 0);
    CHILD_EQ(st.size, 3);
    ROW("a path of HSX_FS_PATH_MAX + 1 bytes");
    path[HSX_FS_PATH_MAX] = 'f';
    path[HSX_FS_PATH_MAX + 1] = '\0';
    every_path_function_s(fd, path, ENAMETOOLONG);
    every_path_function(fd, R, fs_pathn(path, UINT32_MAX), ENAMETOOLONG);
    path[HSX_FS_PATH_MAX] = '\0';
    CHILD_EQ(fs_delete(fd, R, path), 0);
    return 0;
}

/* ---- Rows: what root left in the tree ----------------------------------------------------------
 */

static int app_planted(int fd, int sock)
{
    char path[256], buf[128], list[1024];
    struct hsx_fs_stat st;
    struct hsx_fs_listdir l;
    int ret;
    (void)sock;

    ROW("through a symlink out of the tree (absolute, relative), one inside, a magic link");
    const char *through[] = {"esc/owned",   "esc/sub/file",     "esc/new",   "esc/sub",
                             "a/rel/owned", "a/rel/new",        "dirlink/b", "dirlink/b/c/deep",
                             "inlink/x",    "magic/etc/passwd", "magic/tmp", "magiccwd/x",
                             "dangle/x",    "esc/sub/new"};
    for (size_t i = 0; i < sizeof(through) / sizeof(through[0]); i++)
        every_path_function_s(fd, through[i], ELOOP);

    ROW("a symlink as the last component");
    const char *links[] = {"esc", "a/rel", "dangle", "inlink", "dirlink", "magic", "magiccwd"};
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        struct hsx_fs_path p = fs_path(links[i]);
        CHILD_EQ(fs_openp(fd, R, p, HSX_FS_O_RDONLY), -ELOOP);
        CHILD_EQ(fs_openp(fd, R, p, HSX_FS_O_WRONLY), -ELOOP);
        CHILD_EQ(fs_openp(fd, R, p, HSX_FS_O_WRONLY | HSX_FS_O_CREAT), -ELOOP);
        CHILD_EQ(fs_openp(fd, R, p, HSX_FS_O_RDWR | HSX_FS_O_CREAT | HSX_FS_O_TRUNC), -ELOOP);
        ret = fs_openp(fd, R, p, HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_EXCL);
        CHILD_EQ(ret == -ELOOP || ret == -EEXIST, 1); /* it is there: not made, not followed */
        CHILD_EQ(fs_statp(fd, R, p, &st), -ELOOP);
        CHILD_EQ(fs_listp(fd, R, p, list, sizeof(list), &l), -ELOOP);
        ret = fs_mkdirp(fd, R, p);
        CHILD_EQ(ret == -ELOOP || ret == -EEXIST, 1);
        CHILD_EQ(fs_deletep(fd, R, p), -ELOOP);
        CHILD_EQ(fs_pathop(fd, HSX_IOC_FS_RENAME, R, p, fs_path("renamed"), 0), -ELOOP);
        CHILD_EQ(fs_pathop(fd, HSX_IOC_FS_RENAME, R, fs_path("file"), p, 0), -ELOOP);
        CHILD_EQ(fs_replacep(fd, R, p, "replaced", 8), -ELOOP);
    }

    ROW("a FIFO, a device node, a socket: not served, and the FIFO's OPEN does not block");
    alarm(60); /* a blocked OPEN ends the application with SIGALRM: the test says so */
    const char *odd[] = {"fifo", "null", "sock"};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        struct hsx_fs_path p = fs_path(odd[i]);
        CHILD_EQ(fs_openp(fd, R, p, HSX_FS_O_RDONLY), -EOPNOTSUPP);
        CHILD_EQ(fs_openp(fd, R, p, HSX_FS_O_WRONLY), -EOPNOTSUPP);
        CHILD_EQ(fs_openp(fd, R, p, HSX_FS_O_RDWR), -EOPNOTSUPP);
        CHILD_EQ(fs_openp(fd, R, p, HSX_FS_O_WRONLY | HSX_FS_O_CREAT), -EOPNOTSUPP);
        CHILD_EQ(fs_openp(fd, R, p, HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_TRUNC),
                 -EOPNOTSUPP);
        CHILD_EQ(fs_statp(fd, R, p, &st), -EOPNOTSUPP);
        CHILD_EQ(fs_listp(fd, R, p, list, sizeof(list), &l), -EOPNOTSUPP);
        ret = fs_mkdirp(fd, R, p);
        CHILD_EQ(ret == -EOPNOTSUPP || ret == -EEXIST, 1);
        CHILD_EQ(fs_deletep(fd, R, p), -EOPNOTSUPP);
        CHILD_EQ(fs_pathop(fd, HSX_IOC_FS_RENAME, R, p, fs_path("renamed"), 0), -EOPNOTSUPP);
        CHILD_EQ(fs_pathop(fd, HSX_IOC_FS_RENAME, R, fs_path("file"), p, 0), -EOPNOTSUPP);
        CHILD_EQ(fs_replacep(fd, R, p, "replaced", 8), -EOPNOTSUPP);
    }
    alarm(0);

    ROW("LISTDIR shows regular files and directories only");
    CHILD_EQ(fs_list(fd, R, "", list, sizeof(list), &l), 0);
    list[l.len] = '\0';
    const char *listed[] = {"file", "a", "hl_owned", "hl_secret", "mnt"};
    const char *unlisted[] = {"esc",      "dangle", "inlink", "dirlink", "magic",
                              "magiccwd", "fifo",   "null",   "sock"};
    CHILD_EQ(l.count, sizeof(listed) / sizeof(listed[0]));
    memmove(list + 1, list, l.len + 1);
    list[0] = '\n'; /* every name between two newlines */
    for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
        snprintf(path, sizeof(path), "\n%s\n", listed[i]);
        CHILD_EQ(strstr(list, path) != NULL, 1);
    }
    for (size_t i = 0; i < sizeof(unlisted) / sizeof(unlisted[0]); i++) {
        snprintf(path, sizeof(path), "\n%s\n", unlisted[i]);
        CHILD_EQ(strstr(list, path) == NULL, 1);
    }
    CHILD_EQ(fs_list(fd, R, "a", list, sizeof(list), &l), 0);
    CHILD_EQ(l.count, 1); /* "b"; not "rel" */

    ROW("a bind mount inside the tree");
    const char *mounted[] = {"mnt/owned", "mnt/secret", "mnt/sub", "mnt/sub/file", "mnt/new"};
    for (size_t i = 0; i < sizeof(mounted) / sizeof(mounted[0]); i++)
        every_path_function_s(fd, mounted[i], EXDEV);
    CHILD_EQ(fs_stat(fd, R, "mnt", &st), -EXDEV);
    CHILD_EQ(fs_list(fd, R, "mnt", list, sizeof(list), &l), -EXDEV);
    CHILD_EQ(fs_open(fd, R, "mnt", HSX_FS_O_RDONLY), -EXDEV);
    ret = fs_delete(fd, R, "mnt");
    CHILD_EQ(ret == -EXDEV || ret == -EBUSY, 1);
    ret = fs_rename(fd, R, "mnt", "renamed", 0);
    CHILD_EQ(ret == -EXDEV || ret == -EBUSY, 1);

    /*
     * A hard link to a file outside is that file: a regular file in the
     * tree, served as the storage owner may use it. Only who can write the
     * backing directory can make one (root, or the storage owner, whose
     * tree is reachable only through hsx, which makes no links); with
     * fs.protected_hardlinks (the test checks it is on) not to a file one
     * neither owns nor may write. So an administrator must not plant them.
     */
    ROW("a hard link to a file outside: the storage owner's file");
    CHILD_EQ(fs_slurp(fd, R, "hl_owned", buf, sizeof(buf)), (long)strlen(OWNED));
    CHILD_EQ(strcmp(buf, OWNED), 0);
    ROW("a hard link to a file outside: root's, which the storage owner may only read");
    CHILD_EQ(fs_slurp(fd, R, "hl_secret", buf, sizeof(buf)), (long)strlen(SECRET));
    CHILD_EQ(fs_open(fd, R, "hl_secret", HSX_FS_O_WRONLY), -EACCES);
    CHILD_EQ(fs_open(fd, R, "hl_secret", HSX_FS_O_RDWR | HSX_FS_O_TRUNC), -EACCES);
    CHILD_EQ(fs_slurp(fd, R, "hl_secret", buf, sizeof(buf)), (long)strlen(SECRET));
    CHILD_EQ(strcmp(buf, SECRET), 0);
    return 0;
}

static void check_no_links_made(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    assert_non_null(d);
    while ((e = readdir(d))) {
        char path[1200];
        struct stat st;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strncmp(e->d_name, "hl_", 3))
            continue; /* the hard links root planted */
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        assert_int_equal(lstat(path, &st), 0);
        if (S_ISREG(st.st_mode) && st.st_nlink != 1)
            fail_msg("%s has %lu links", path, (unsigned long)st.st_nlink);
        if (S_ISDIR(st.st_mode))
            check_no_links_made(path);
    }
    closedir(d);
}

static int linker(int fd, int sock)
{
    char from[256], to[256];
    (void)fd;
    (void)sock;

    /* An unprivileged user links a file of root's into a directory of its own. */
    snprintf(from, sizeof(from), "%s/secret", outside);
    snprintf(to, sizeof(to), "%s/../mine/link", outside);
    CHILD_EQ(link(from, to) ? -errno : 0, -EPERM);
    return 0;
}

static void names_paths_and_lengths(void **state)
{
    struct fsys *fs = *state;
    struct rooted r;
    char dir[160];

    build_attack_tree(fs, "attack-names", dir, sizeof(dir));
    root_begin(&r, fs, "attack-names", 0, 4 << 20, 256);
    assert_int_equal(run_fs_app("fs", app_names, RW, 1u << R), 0);
    assert_int_equal(run_fs_app("fs", app_lengths, RW, 1u << R), 0);
    check_no_links_made(r.dir);
    root_end(&r);
}

static void planted_links_nodes_and_mounts(void **state)
{
    struct fsys *fs = *state;
    struct rooted r;
    char dir[160], path[256], text[128];
    struct stat st;

    build_attack_tree(fs, "attack-planted", dir, sizeof(dir));
    skip_name("mine");
    root_begin(&r, fs, "attack-planted", 0, 4 << 20, 256);
    bind_outside(r.dir, true);
    int ret = run_fs_app("fs", app_planted, RW, 1u << R);
    bind_outside(r.dir, false);
    if (ret == 128 + SIGALRM)
        fail_msg("an OPEN of the FIFO blocked");
    assert_int_equal(ret, 0);
    /* Nothing was made where the dangling link points, every planted entry is there. */
    snprintf(path, sizeof(path), "%s/created", outside);
    assert_int_equal(access(path, F_OK), -1);
    const char *kept[] = {"esc",      "a/rel", "dangle", "inlink", "dirlink", "magic",
                          "magiccwd", "fifo",  "null",   "sock",   "mnt"};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", r.dir, kept[i]);
        if (lstat(path, &st))
            fail_msg("%s is gone", path);
    }
    snprintf(path, sizeof(path), "%s/file", r.dir);
    assert_int_equal(rig_read(path, text, sizeof(text)), strlen(INSIDE));
    check_no_links_made(r.dir);

    /* fs.protected_hardlinks is on: an unprivileged user links no file of root's. */
    assert_int_equal(e2e_sysfs_u64("/proc/sys/fs/protected_hardlinks"), 1);
    snprintf(path, sizeof(path), "%s/mine", fs->mnt);
    rig_mkdir(path, HOLDER_UID, 0700);
    assert_int_equal(run_fs_app("fs", linker, HSX_CAP_R_READ, 1u << R), 0);
    rmdir(path);
    root_end(&r);
}

/* ---- Rows: whose root, which rights ------------------------------------------------------- */

static uint32_t other_root;

static int app_other_root(int fd, int sock)
{
    char buf[64];
    struct hsx_fs_info info;
    int theirs = 0;

    ROW("another application's root");
    every_path_function(fd, other_root, fs_path("theirs"), EACCES);
    CHILD_EQ(fs_stat(fd, other_root, "", NULL), -EACCES);
    CHILD_EQ(fs_list(fd, other_root, "", buf, sizeof(buf), NULL), -EACCES);
    CHILD_EQ(fs_info(fd, other_root, &info), -EACCES);
    ROW("another application's handle number, on this file");
    CHILD_EQ(read(sock, &theirs, sizeof(theirs)), sizeof(theirs));
    CHILD_EQ(fs_read(fd, theirs, buf, sizeof(buf)), -EINVAL);
    CHILD_EQ(fs_close(fd, theirs), -EINVAL);
    ROW("its own root still");
    CHILD_EQ(fs_slurp(fd, R, "file", buf, sizeof(buf)), (long)strlen(INSIDE));
    return 0;
}

static int app_holds_theirs(int fd, int sock)
{
    char buf[64];

    int h = fs_open(fd, other_root, "theirs", HSX_FS_O_RDONLY);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(write(sock, &h, sizeof(h)), sizeof(h));
    CHILD_EQ(recv_byte(sock), 'q');
    CHILD_EQ(fs_read(fd, h, buf, sizeof(buf)), 6);
    return 0;
}

static int app_on_the_other_node(int fd, int sock)
{
    char buf[64];
    (void)sock;

    ROW("/dev/hsx/fs<other>, with a capability for its own root");
    file_is_there = false; /* not through this node */
    every_path_function(fd, other_root, fs_path("theirs"), EACCES);
    every_path_function(fd, R, fs_path("file"), EINVAL);
    CHILD_EQ(fs_slurp(fd, R, "file", buf, sizeof(buf)), -EINVAL);
    return 0;
}

static void another_applications_root(void **state)
{
    struct fsys *fs = *state;
    struct rooted r, o;
    struct holder them, us;
    char path[256], node[16];
    int theirs;

    skip_name("theirs");
    skip_name("ours");
    snprintf(path, sizeof(path), "%s/ours", fs->mnt);
    rig_mkdir(path, OWNER_UID, 0700);
    snprintf(path, sizeof(path), "%s/theirs", fs->mnt);
    rig_mkdir(path, OWNER_UID, 0700);
    snprintf(path, sizeof(path), "%s/theirs/theirs", fs->mnt);
    rig_file(path, "THEIRS", OWNER_UID, 0600);
    root_begin(&o, fs, "theirs", 0, 1 << 20, 16);
    other_root = o.root;
    snprintf(path, sizeof(path), "%s/ours/file", fs->mnt);
    rig_file(path, INSIDE, OWNER_UID, 0600);
    root_begin(&r, fs, "ours", 0, 1 << 20, 16);

    start_holder(&them, "fs", app_holds_theirs);
    assert_int_equal(
        mint(them.file, HSX_MODULE_FS, RW, fs_roots(1u << other_root), 600000000000ull, NULL), 0);
    send_byte(them.sock, 'g');
    assert_int_equal(read(them.sock, &theirs, sizeof(theirs)), sizeof(theirs));
    start_holder(&us, "fs", app_other_root);
    assert_int_equal(mint(us.file, HSX_MODULE_FS, RW, fs_roots(1u << R), 600000000000ull, NULL), 0);
    send_byte(us.sock, 'g');
    assert_int_equal(write(us.sock, &theirs, sizeof(theirs)), sizeof(theirs));
    assert_int_equal(finish_holder(&us), 0);
    send_byte(them.sock, 'q');
    assert_int_equal(finish_holder(&them), 0);
    snprintf(node, sizeof(node), "fs%u", other_root);
    assert_int_equal(run_fs_app(node, app_on_the_other_node, RW, 1u << R), 0);
    snprintf(path, sizeof(path), "%s/theirs/theirs", fs->mnt);
    char text[16];
    assert_int_equal(rig_read(path, text, sizeof(text)), 6);
    root_end(&r);
    root_end(&o);
}

/* What a root's tree is, by name, size, content, mtime: unchanged by what was refused. */
static void tree_unchanged(const char *dir, struct snap *before, bool take)
{
    if (take)
        snap_take(before, dir, NULL);
    else
        snap_check(before, dir, NULL);
}

static int app_read_only(int fd, int sock)
{
    char buf[64];
    struct hsx_fs_stat st;
    struct hsx_fs_listdir l;
    struct hsx_fs_info info;
    int expect = 0;

    CHILD_EQ(read(sock, &expect, sizeof(expect)), sizeof(expect)); /* EACCES or EROFS */
    ROW(expect == EACCES ? "a read-only capability: reading" : "a read-only root: reading");
    int h = fs_open(fd, R, "file", HSX_FS_O_RDONLY);
    CHILD_EQ(h >= 0, 1);
    CHILD_EQ(fs_read(fd, h, buf, sizeof(buf)), (long)strlen(INSIDE));
    CHILD_EQ(fs_seek(fd, h, 1, SEEK_SET), 1);
    CHILD_EQ(fs_pread(fd, h, buf, 3, 0), 3);
    CHILD_EQ(fs_fstat(fd, R, h, &st), 0);
    CHILD_EQ(fs_stat(fd, R, "a", &st), 0);
    CHILD_EQ(fs_list(fd, R, "", buf, sizeof(buf), &l), 0);
    CHILD_EQ(fs_info(fd, R, &info), 0);
    CHILD_EQ(info.flags, expect == EROFS ? HSX_FS_MAP_READ_ONLY : 0);
    ROW(expect == EACCES ? "a read-only capability: writing" : "a read-only root: writing");
    CHILD_EQ(fs_open(fd, R, "file", HSX_FS_O_WRONLY), -expect);
    CHILD_EQ(fs_open(fd, R, "file", HSX_FS_O_RDWR), -expect);
    CHILD_EQ(fs_open(fd, R, "new", HSX_FS_O_WRONLY | HSX_FS_O_CREAT), -expect);
    CHILD_EQ(fs_open(fd, R, "file", HSX_FS_O_WRONLY | HSX_FS_O_TRUNC), -expect);
    CHILD_EQ(fs_open(fd, R, "file", HSX_FS_O_WRONLY | HSX_FS_O_APPEND), -expect);
    CHILD_EQ(fs_mkdir(fd, R, "newdir"), -expect);
    CHILD_EQ(fs_delete(fd, R, "file"), -expect);
    CHILD_EQ(fs_delete(fd, R, "a/b/c/deep"), -expect);
    CHILD_EQ(fs_rename(fd, R, "file", "moved", 0), -expect);
    CHILD_EQ(fs_replace(fd, R, "file", "replaced"), -expect);
    /* On the read-only handle: not opened for it, or no right to (either says no). */
    long ret = fs_write(fd, h, "x", 1);
    CHILD_EQ(ret == -EBADF || ret == -expect, 1);
    ret = fs_truncate(fd, h, 0);
    CHILD_EQ(ret == -EBADF || ret == -EINVAL || ret == -expect, 1);
    ret = fs_fsync(fd, h);
    CHILD_EQ(ret == 0 || ret == -EBADF || ret == -expect, 1);
    CHILD_EQ(fs_close(fd, h), 0);
    return 0;
}

static void read_only_capability_and_root(void **state)
{
    struct fsys *fs = *state;
    struct rooted r;
    struct holder h;
    struct snap tree = {0};
    char dir[160];
    int expect;

    build_attack_tree(fs, "attack-ro", dir, sizeof(dir));
    root_begin(&r, fs, "attack-ro", 0, 4 << 20, 256);
    tree_unchanged(r.dir, &tree, true);
    start_holder(&h, "fs", app_read_only);
    assert_int_equal(
        mint(h.file, HSX_MODULE_FS, HSX_CAP_R_READ, fs_roots(1u << R), 600000000000ull, NULL), 0);
    send_byte(h.sock, 'g');
    expect = EACCES;
    assert_int_equal(write(h.sock, &expect, sizeof(expect)), sizeof(expect));
    assert_int_equal(finish_holder(&h), 0);
    tree_unchanged(r.dir, &tree, false);
    root_end(&r);

    /* The same tree bound read-only, with a capability to read and write. */
    root_begin(&r, fs, "attack-ro", HSX_FS_MAP_READ_ONLY, 4 << 20, 256);
    start_holder(&h, "fs", app_read_only);
    assert_int_equal(mint(h.file, HSX_MODULE_FS, RW, fs_roots(1u << R), 600000000000ull, NULL), 0);
    send_byte(h.sock, 'g');
    expect = EROFS;
    assert_int_equal(write(h.sock, &expect, sizeof(expect)), sizeof(expect));
    assert_int_equal(finish_holder(&h), 0);
    tree_unchanged(r.dir, &tree, false);
    snap_free(&tree);
    root_end(&r);
}

/* ---- The rename race ----------------------------------------------------------------------------
 */

/*
 * Rounds of the holder's calls: 3000, or as many as 15 s allow once 200 are
 * done (the debug kernel's run does about 25 a second, the others 10 times
 * that); either way both outcomes of the race come hundreds of times.
 */
#define RACE_ROUNDS 3000
#define RACE_MIN_ROUNDS 200
#define RACE_SECONDS 15

struct racer {
    int racefd, rootfd;
    atomic_bool stop;
    unsigned long inner, outer;
    int error;
};

/*
 * Root, outside hsx: swaps the tree's "dir" with an empty directory outside
 * (renameat2 RENAME_EXCHANGE, as the openat2 selftests' rename attack), and
 * the root's directory itself with a "shadow" one beside it whose files say
 * SECRET; an even number of each, so all is back in place at the end.
 */
static void *racer_thread(void *arg)
{
    struct racer *rc = arg;

    while (!atomic_load(&rc->stop) && !rc->error) {
        if (renameat2(rc->rootfd, "dir", rc->racefd, "empty", RENAME_EXCHANGE))
            rc->error = errno;
        rc->inner++;
        if (rc->inner % 4 == 0 &&
            renameat2(rc->racefd, "root", rc->racefd, "shadow", RENAME_EXCHANGE))
            rc->error = errno;
        rc->outer += rc->inner % 4 == 0;
    }
    if (rc->inner % 2 && renameat2(rc->rootfd, "dir", rc->racefd, "empty", RENAME_EXCHANGE))
        rc->error = errno;
    if (rc->outer % 2 && renameat2(rc->racefd, "root", rc->racefd, "shadow", RENAME_EXCHANGE))
        rc->error = errno;
    return NULL;
}

static int race_errno_ok(long ret)
{
    return ret == -ENOENT || ret == -EAGAIN || ret == -EXDEV;
}

static int app_races(int fd, int sock)
{
    char buf[64], list[64];
    struct hsx_fs_stat st;
    struct hsx_fs_listdir l;
    unsigned long counts[5] = {0}; /* opened, refused, stat'd, listed, rounds */
    uint64_t start = e2e_now_ms();

    for (int i = 0; i < RACE_ROUNDS; i++) {
        if (i >= RACE_MIN_ROUNDS && e2e_now_ms() - start > RACE_SECONDS * 1000)
            break;
        counts[4]++;
        ROW("OPEN of dir/file during the race");
        long n = fs_slurp(fd, R, "dir/file", buf, sizeof(buf));
        if (n >= 0) {
            CHILD_EQ(strcmp(buf, SECRET) != 0, 1);
            CHILD_EQ(strcmp(buf, INSIDE), 0);
            counts[0]++;
        } else {
            CHILD_EQ(race_errno_ok(n), 1);
            counts[1]++;
        }
        ROW("STAT of dir/file during the race");
        long ret = fs_stat(fd, R, "dir/file", &st);
        if (ret == 0) {
            CHILD_EQ(st.size, strlen(INSIDE));
            counts[2]++;
        } else {
            CHILD_EQ(race_errno_ok(ret), 1);
        }
        ROW("LISTDIR of dir during the race");
        ret = fs_list(fd, R, "dir", list, sizeof(list), &l);
        if (ret == 0) {
            CHILD_EQ(l.len == 0 || (l.len == 5 && !memcmp(list, "file\n", 5)), 1);
            counts[3]++;
        } else {
            CHILD_EQ(race_errno_ok(ret), 1);
        }
        ROW("OPEN of file, in the root that moves, during the race");
        CHILD_EQ(fs_slurp(fd, R, "file", buf, sizeof(buf)), (long)strlen(INSIDE));
        CHILD_EQ(strcmp(buf, INSIDE), 0);
        ROW("'..' during the race");
        CHILD_EQ(fs_open(fd, R, "dir/../../shadow/file", HSX_FS_O_RDONLY), -EINVAL);
    }
    CHILD_EQ(write(sock, counts, sizeof(counts)), sizeof(counts));
    return 0;
}

static void a_rename_race(void **state)
{
    struct fsys *fs = *state;
    struct rooted r;
    struct holder h;
    struct racer rc = {0};
    char race[128], path[256], text[64];
    unsigned long counts[5];
    pthread_t t;

    snprintf(race, sizeof(race), "%s/race", fs->mnt);
    skip_name("race"); /* its directories move: only the sentinel beside them must not */
    rig_mkdir(race, OWNER_UID, 0755);
    /* The storage owner's: directories (no text), and files saying whether they are in. */
    const char *const tree[][2] = {
        {"root", NULL},
        {"root/file", INSIDE},
        {"root/dir", NULL},
        {"root/dir/file", INSIDE},
        {"empty", NULL},
        {"shadow", NULL},
        {"shadow/file", SECRET},
        {"shadow/dir", NULL},
        {"shadow/dir/file", SECRET},
    };
    for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", race, tree[i][0]);
        if (tree[i][1])
            rig_file(path, tree[i][1], OWNER_UID, 0600);
        else
            rig_mkdir(path, OWNER_UID, 0700);
    }
    root_begin(&r, fs, "race/root", 0, 1 << 20, 16);

    rc.racefd = open(race, O_PATH | O_DIRECTORY | O_CLOEXEC);
    rc.rootfd = open(r.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(rc.racefd >= 0 && rc.rootfd >= 0);
    start_holder(&h, "fs", app_races);
    assert_int_equal(
        mint(h.file, HSX_MODULE_FS, HSX_CAP_R_READ, fs_roots(1u << R), 600000000000ull, NULL), 0);
    assert_int_equal(pthread_create(&t, NULL, racer_thread, &rc), 0);
    send_byte(h.sock, 'g');
    int ret = read(h.sock, counts, sizeof(counts));
    atomic_store(&rc.stop, true);
    pthread_join(t, NULL);
    assert_int_equal(finish_holder(&h), 0);
    assert_int_equal(ret, sizeof(counts));
    assert_int_equal(rc.error, 0);
    printf("# %lu rounds; %lu swaps of dir, %lu of the root; dir/file opened %lu times, "
           "refused %lu; stat'd %lu, listed %lu\n",
           counts[4], rc.inner, rc.outer, counts[0], counts[1], counts[2], counts[3]);
    /* A race indeed: the holder's opens both got through and were refused. */
    assert_true(counts[4] >= RACE_MIN_ROUNDS);
    assert_true(rc.outer > 0 && counts[0] > 0 && counts[1] > 0);
    close(rc.racefd);
    close(rc.rootfd);
    /* All back in place. */
    snprintf(path, sizeof(path), "%s/root/dir/file", race);
    assert_int_equal(rig_read(path, text, sizeof(text)), strlen(INSIDE));
    assert_string_equal(text, INSIDE);
    snprintf(path, sizeof(path), "%s/shadow/dir/file", race);
    assert_int_equal(rig_read(path, text, sizeof(text)), strlen(SECRET));
    root_end(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON(names_paths_and_lengths, on_tmpfs),
        ON(names_paths_and_lengths, on_ext4),
        ON(planted_links_nodes_and_mounts, on_tmpfs),
        ON(planted_links_nodes_and_mounts, on_ext4),
        ON(another_applications_root, on_tmpfs),
        ON(read_only_capability_and_root, on_ext4),
        ON(a_rename_race, on_tmpfs),
        ON(a_rename_race, on_ext4),
    };

    rig_base = BASE;
    return cmocka_run_group_tests(tests, rig_group_setup, rig_group_teardown);
}
