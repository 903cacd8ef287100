// SPDX-License-Identifier: MIT
/*
 * hsx_fuzz's part for FS (module 0x14): what the engine (hsx_fuzz.c) needs to drive the
 * module's functions from its table, and the FS chains.
 *
 * The rig, made by root at start (fs_setup()): a tmpfs of its own at FZ_FS_TOP, in it the
 * roots' directories, each the storage owner's (FZ_FS_OWNER, 0700), bound as roots 0-4, and
 * beside them "outside": a directory of the storage owner's with a sentinel file, which no
 * call may ever reach (its names, sizes, contents and mtimes are checked). Roots 0-2 are the
 * table's: 0 with room (192 KiB, 48 files), 1 small enough that its quotas are hit all the
 * time (8 KiB, 8 files), 2 mapped read-only. Each holds traps: "etc", a link to /etc; "up", a
 * link to ../outside; "fifo", a FIFO; "dir0/ln", a link to the sentinel; and root 0 "mnt",
 * a tmpfs mounted on it (world-writable, so that a path that crossed it would leave a file
 * there). Roots 3 and 4 are the chains' alone (the table never names them): 3 for the quota
 * chain, 4 for the chains that revoke, unbind and fork. Directories m0-m3 are the table's
 * MAP's, which binds them to roots 5-31.
 *
 * The table: OPEN, READ, WRITE, CLOSE, SEEK, STAT, FSYNC, REPLACE, INFO, MAP (the admin
 * node's), LISTDIR, DELETE, RENAME, MKDIR, TRUNCATE on /dev/hsx/fs, /dev/hsx/fs<n> and the
 * admin node, with field kinds of their own: roots 0-2, unbound ones and past 31; paths from
 * a pool of names (UTF-8, spaces, 255 bytes), into the traps, and bad ones: "." and "..",
 * absolute, trailing and doubled '/', a NUL within the length, bad UTF-8 (overlong,
 * surrogates, cut short), control characters and newline, REPLACE's temporary prefix, a
 * component of 256 bytes, paths over HSX_FS_PATH_MAX, cut short by an unmapped page, NULL,
 * reserved words set; handles open, closed, -1 and past 63; OPEN's flags and their
 * combinations; offsets near LLONG_MAX - HSX_FS_XFER_MAX and past; lengths 0, a chunk's
 * edges, HSX_FS_XFER_MAX and past; LISTDIR's room 0, HSX_FS_LIST_MAX and past; MAP's
 * directories (scratch ones, a bound one, a file, closed fds, -1), flags and quotas. The
 * oracles: an argument the ABI refuses must fail, a path into a trap must fail, each
 * function's errno must be one the uAPI documents for it, LISTDIR's names are names a path
 * may hold and never a trap's, INFO's usage is within its quotas.
 *
 * Chains (each draws from a stream of its own):
 *   quota:   (root, root 3) creations, writes, truncations, REPLACEs, renames, deletions
 *            and mkdirs against small quotas: each EDQUOT exactly when the uAPI says, a
 *            write past the quota cut to what fits, and after every call INFO's used_bytes,
 *            used_files and handles equal a walk of the directory (with the files a handle
 *            keeps open after their deletion);
 *   unmap:   (root, root 4) the root unbound while a thread reads and writes through
 *            handles on /dev/hsx/fs and /dev/hsx/fs4: the handles dead for good (ENODEV),
 *            the root bound again with what a walk finds, its usage exact;
 *   tenant:  (root, root 4) an application (a child as uid 1000) holds a capability the
 *            administrator minted: its handle works, an uncovered root is EACCES, a forked
 *            child's use of the file is EPERM, and once revoked, its handle and its paths
 *            are EKEYREVOKED;
 *   caps:    on a file that may hold a capability (the uid 1000 process's): a success is
 *            within its roots and rights, an EACCES is outside them;
 *   traps:   (root) every function into each trap: ELOOP, EXDEV, EOPNOTSUPP, EROFS
 *            exactly, and the sentinel unchanged.
 * At the end (fs_teardown()), with every file closed: no handle left on any root, and each
 * root's usage equal to a walk of its directory; nothing outside the roots changed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"
#include "hsx_uapi.h"

/* ---- the rig --------------------------------------------------------------------------------- */

#define FZ_FS_TOP "/run/hsx-fuzz-fs"
#define FZ_FS_OUTSIDE FZ_FS_TOP "/outside"
#define FZ_FS_SENTINEL FZ_FS_OUTSIDE "/sentinel"
#define FZ_FS_OWNER 2001 /* the storage owner */
#define FZ_FS_USER 1000  /* the tenant chain's application */
#define FZ_FS_TABLE 3    /* roots 0-2: the table's */
#define FZ_FS_QROOT 3    /* the quota chain's */
#define FZ_FS_UROOT 4    /* the unmap and tenant chains' */
#define FZ_FS_ROOTS 5
#define FZ_FS_SCRATCH 4 /* m0-m3, the table's MAP's */
#define FZ_FS_FREE 5    /* roots 5-31: the table's MAP binds them */

struct fs_rootdef {
    const char *dir;
    uint32_t flags;
    uint64_t quota_bytes, quota_files;
    bool traps;
};

static const struct fs_rootdef defs[FZ_FS_ROOTS] = {
    {"r0", 0, 192 * 1024, 48, true},
    {"r1", 0, 8 * 1024, 8, true},
    {"r2", HSX_FS_MAP_READ_ONLY, 64 * 1024, 16, true},
    {"r3", 0, 24 * 1024, 10, false},
    {"r4", 0, 64 * 1024, 32, false},
};

bool have_fs;
static bool fs_mounted;
static int scratch_fd[FZ_FS_SCRATCH] = {-1, -1, -1, -1};
static int bound_dir_fd = -1, file_fd = -1; /* r0's (bound already), a regular file's */
static char snap0[8192];                    /* what is outside the roots, at start */
/* The chains of roots 3 and 4: one at a time. */
static pthread_mutex_t private_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * The table's binds come between the chains' own unless held off. One with HSX_FS_MAP_ANY takes
 * the lowest free number, which is root 4 while the unmap chain has it unbound; one of r0's
 * directory under another number makes fs_rebind's bind of root 0 EEXIST, and as root 0 (when
 * free) makes it read-only or with other quotas under the traps chain; one on 0-4 takes a
 * chain's number. Those take this shared (pre_fs_map(); a forked child, whose copy of the lock
 * holds no one off, makes none of them); the unmap chain's window, the traps chain and
 * fs_rebind take it exclusive: in there a root stays as it was found, or is unbound, and a
 * bind's errno is the kernel's alone.
 */
static pthread_rwlock_t binds_lock = PTHREAD_RWLOCK_INITIALIZER;

static const struct fz_units fs_units = {HSX_FS_MAX_ROOTS, FZ_FS_TABLE, K_FS_I};

static void dir_path(char *buf, size_t len, unsigned int root)
{
    snprintf(buf, len, FZ_FS_TOP "/%s", defs[root].dir);
}

/*
 * A walk of a directory, as the uAPI counts: the bytes of its regular files, its regular
 * files and directories (not itself), a mount point as a directory not entered; links and
 * FIFOs are not counted. inos: the regular files' inodes, when wanted.
 */
struct fs_walk {
    uint64_t bytes, files;
    ino_t inos[128];
    unsigned int n_inos;
};

/* fn for each entry of dir but "." and "..", with its path and lstat(). */
static void each_entry(const char *dir,
                       void (*fn)(void *arg, const char *path, const char *name,
                                  const struct stat *st),
                       void *arg)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d))) {
        char path[PATH_MAX];
        struct stat st;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (!lstat(path, &st))
            fn(arg, path, e->d_name, &st);
    }
    closedir(d);
}

struct walk_at {
    dev_t dev;
    struct fs_walk *wk;
};

static void walk_entry(void *arg, const char *path, const char *name, const struct stat *st)
{
    struct walk_at *at = arg;
    struct fs_walk *wk = at->wk;

    (void)name;
    if (S_ISREG(st->st_mode)) {
        wk->bytes += (uint64_t)st->st_size;
        wk->files++;
        if (wk->n_inos < sizeof(wk->inos) / sizeof(wk->inos[0]))
            wk->inos[wk->n_inos++] = st->st_ino;
    } else if (S_ISDIR(st->st_mode)) {
        wk->files++;
        if (st->st_dev == at->dev)
            each_entry(path, walk_entry, at);
    }
}

static void walk_dir(const char *dir, dev_t dev, struct fs_walk *wk)
{
    struct walk_at at = {.dev = dev, .wk = wk};

    each_entry(dir, walk_entry, &at);
}

static void walk_root(unsigned int root, struct fs_walk *wk)
{
    char dir[128];
    struct stat st;

    memset(wk, 0, sizeof(*wk));
    dir_path(dir, sizeof(dir), root);
    if (!stat(dir, &st))
        walk_dir(dir, st.st_dev, wk);
}

/* Bind a directory to a root, with the usage a walk finds; 0 or the errno. */
static int map_dir(int ctl, uint32_t root, const char *dir, uint32_t flags, uint64_t qb,
                   uint64_t qf)
{
    struct fs_walk wk = {0};
    struct hsx_fs_map m = {.root = root, .flags = flags, .quota_bytes = qb, .quota_files = qf};
    struct stat st;
    int e = 0;

    if (!stat(dir, &st))
        walk_dir(dir, st.st_dev, &wk);
    m.used_bytes = wk.bytes;
    m.used_files = wk.files;
    m.dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (m.dirfd < 0)
        return errno;
    if (ioctl(ctl, HSX_IOC_FS_MAP, &m))
        e = errno;
    close(m.dirfd);
    return e;
}

static int unmap_root(int ctl, uint32_t root)
{
    struct hsx_fs_map m = {.root = root, .dirfd = -1};

    return ioctl(ctl, HSX_IOC_FS_MAP, &m) ? errno : 0;
}

static int map_home(int ctl, unsigned int root)
{
    char dir[128];

    dir_path(dir, sizeof(dir), root);
    return map_dir(ctl, root, dir, defs[root].flags, defs[root].quota_bytes,
                   defs[root].quota_files);
}

/* What is outside the roots: the top's names, the outside tree's, /etc's; text to compare. */
static void snap_take(char *out, size_t len)
{
    static const char *const dirs[] = {FZ_FS_TOP, FZ_FS_OUTSIDE, FZ_FS_OUTSIDE "/dir",
                                       FZ_FS_TOP "/r0/mnt", "/etc"};
    size_t o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        DIR *d = opendir(dirs[i]);
        struct dirent *e;
        struct stat st;

        if (!stat(dirs[i], &st) && i != 0)
            o += (size_t)snprintf(out + o, len - o, "%s mtime %lld.%09ld\n", dirs[i],
                                  (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        if (!d)
            continue;
        while ((e = readdir(d)) && o < len - 300) {
            char path[PATH_MAX];
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(path, sizeof(path), "%s/%s", dirs[i], e->d_name);
            if (i == 0) { /* the top: its names (the roots' directories change) */
                o += (size_t)snprintf(out + o, len - o, "%s\n", path);
                continue;
            }
            if (lstat(path, &st))
                continue;
            o += (size_t)snprintf(out + o, len - o, "%s %o %lld %lld.%09ld\n", path,
                                  (unsigned int)st.st_mode, (long long)st.st_size,
                                  (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        }
        closedir(d);
    }
    /* the sentinel's content */
    int fd = open(FZ_FS_SENTINEL, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, out + o, len - o - 1 > 256 ? 256 : len - o - 1);
        if (n > 0)
            o += (size_t)n;
        out[o] = '\0';
        close(fd);
    }
}

/* Nothing outside the roots changed: the sentinel, the outside tree, /etc, the mount. */
static void check_outside(struct fz_worker *w, const char *when)
{
    static char now[sizeof(snap0)];
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

    pthread_mutex_lock(&lock);
    snap_take(now, sizeof(now));
    if (strcmp(now, snap0)) {
        size_t i = 0;
        while (now[i] && now[i] == snap0[i])
            i++;
        while (i && now[i - 1] != '\n')
            i--;
        unexpected(w, "%s: something outside the roots changed: now \"%.120s\", was \"%.120s\"",
                   when, now + i, snap0 + i);
    } else {
        count(&stats->fs_exact);
    }
    pthread_mutex_unlock(&lock);
}

/* ---- the ABI's rules ------------------------------------------------------------------------- */

static bool fs_cmd(unsigned long cmd)
{
    return _IOC_TYPE(cmd) == HSX_IOC_MAGIC && HSX_IOC_NR_MODULE(_IOC_NR(cmd)) == HSX_MODULE_FS;
}

/* Every function: arguments, binding, capabilities, memory. */
static bool err_common(int e)
{
    return e == EINVAL || e == ENXIO || e == ENODEV || e == EFAULT || e == ENOMEM || e == ENOTTY ||
           e == EACCES || e == EPERM || e == EKEYEXPIRED || e == EKEYREVOKED;
}

/* The path functions' (the uAPI's "Errors common to the path functions"). */
static bool err_path(int e)
{
    return e == ENAMETOOLONG || e == ENOENT || e == ENOTDIR || e == EISDIR || e == EEXIST ||
           e == ENOTEMPTY || e == ELOOP || e == EXDEV || e == EOPNOTSUPP || e == EDQUOT ||
           e == EROFS || e == EAGAIN;
}

static bool fs_err_ok(unsigned long cmd, int e)
{
    if (err_common(e))
        return true;
    switch (cmd) {
    case HSX_IOC_FS_OPEN:
        return err_path(e) || e == EMFILE;
    case HSX_IOC_FS_STAT:
    case HSX_IOC_FS_LISTDIR:
    case HSX_IOC_FS_DELETE:
    case HSX_IOC_FS_RENAME:
    case HSX_IOC_FS_MKDIR:
    case HSX_IOC_FS_REPLACE:
        return err_path(e);
    case HSX_IOC_FS_READ:
        return e == EBADF;
    case HSX_IOC_FS_WRITE:
        return e == EBADF || e == EDQUOT || e == EROFS;
    case HSX_IOC_FS_TRUNCATE:
        return e == EBADF || e == EDQUOT || e == EROFS;
    case HSX_IOC_FS_FSYNC:
        return e == EROFS;
    case HSX_IOC_FS_MAP:
        /* EBADF: a dirfd that is no file (the uAPI's list does not name it) */
        return e == EBUSY || e == EEXIST || e == ENOSPC || e == ENOTDIR || e == EBADF;
    default: /* CLOSE, SEEK, INFO */
        return false;
    }
}

bool fs_errno_ok(const struct fz_call *c)
{
    /*
     * On another module's node, a queue or a socket: not FS's to say. By the number called, not
     * the op's: one drawn as an unknown function may be another function of the same size
     * (FS_MAP's 0x49 made 0x4a is LISTDIR, whose paths may be too long).
     */
    if (!fs_cmd(c->cmd) || !(KB(c->slot.kind) & (K_FSS | KB(K_CTL) | KB(K_ADMIN))))
        return fram_errno_ok(c);
    return fs_err_ok(c->cmd, c->err);
}

/* ---- field kinds ----------------------------------------------------------------------------- */

/* F_FSPATH's aux: the empty path (the root) is valid; the second path buffer (RENAME's). */
#define FZ_FSP_ROOT_OK 1U
#define FZ_FSP_SECOND 2U

/* F_FSBUF's aux */
#define FZ_FB_IN 0
#define FZ_FB_OUT 1

/* F_FSVAL's aux */
enum fs_val { FSV_WHENCE, FSV_SEEK, FSV_SIZE, FSV_LMAX, FSV_MFLAGS, FSV_QB, FSV_QF, FSV_USED };

/* A transfer buffer of HSX_FS_XFER_MAX bytes, then an unmapped page; the paths' buffers. */
static __thread unsigned char *big;
static __thread char pbuf[2][HSX_FS_PATH_MAX + 300];
/* What the generator made of each path: refused by the ABI, into a trap. */
static __thread bool path_bad[2];
static __thread int path_trap[2]; /* 1: every table root's trap, 2: root 0's */

static unsigned char *big_buf(void)
{
    if (!big) {
        unsigned char *p = mmap(NULL, HSX_FS_XFER_MAX + 4096, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED || mprotect(p + HSX_FS_XFER_MAX, 4096, PROT_NONE))
            return NULL;
        for (uint32_t i = 0; i < HSX_FS_XFER_MAX; i += 4096)
            memset(p + i, 'a' + (int)(i / 4096 % 26), 4096);
        big = p;
    }
    return big;
}

static const char *const pool[] = {"a",
                                   "b",
                                   "c",
                                   "dir",
                                   "sub",
                                   "f1",
                                   "f2",
                                   "x.txt",
                                   "\xc3\xa9t\xc3\xa9",
                                   "sp ace",
                                   "-dash",
                                   ".hidden",
                                   "\xe6\x97\xa5\xe6\x9c\xac"};
#define POOL_N (sizeof(pool) / sizeof(pool[0]))

/* Paths into a trap of roots 0-2 (each must fail, whatever the function). */
static const char *const traps[] = {"etc",        "etc/passwd", "up",      "up/sentinel",
                                    "fifo",       "dir0/ln",    "mnt/x",   "mnt",
                                    "up/dir/new", "fifo/x",     "etc/hsx", "dir0/ln/x"};
#define TRAPS_N (sizeof(traps) / sizeof(traps[0]))

/* Paths the ABI refuses: EINVAL, or ENAMETOOLONG. */
static const char *const badp[] = {"..",
                                   ".",
                                   "a/..",
                                   "../outside/sentinel",
                                   "a/./b",
                                   "/a",
                                   "/etc/passwd",
                                   "a/",
                                   "a//b",
                                   "/",
                                   "\xff",
                                   "a\xc0\xaf",
                                   "\xed\xa0\x80",
                                   "\xe6\x97",
                                   "\xf4\x90\x80\x80",
                                   "a\nb",
                                   "\x7f",
                                   "\xc2\x85",
                                   "tab\there",
                                   ".hsx-tmp.a",
                                   "dir/.hsx-tmp.",
                                   "\x01"};
#define BADP_N (sizeof(badp) / sizeof(badp[0]))

/* A valid path of 1-3 components from the pool (now and then one of 255 bytes). */
static size_t gen_valid(struct fz_rng *r, char *buf)
{
    size_t o = 0;
    unsigned int depth = 1 + (chance(r, 30) ? rn(r, 3) : 0);

    for (unsigned int i = 0; i < depth; i++) {
        if (i)
            buf[o++] = '/';
        if (chance(r, 3)) {
            memset(buf + o, 'n', HSX_FS_NAME_MAX);
            o += HSX_FS_NAME_MAX;
        } else {
            o += (size_t)sprintf(buf + o, "%s", pool[rn(r, POOL_N)]);
        }
    }
    return o;
}

/* Fill a struct hsx_fs_path: its bytes in this thread's buffer, or where they cannot be. */
static void gen_path(struct fz_call *c, struct hsx_fs_path *p, uint32_t aux, bool corrupt)
{
    struct fz_rng *r = &c->w->rng;
    int i = aux & FZ_FSP_SECOND ? 1 : 0;
    char *buf = pbuf[i];
    size_t len = 0;
    uint32_t k = rn(r, 100);

    path_bad[i] = false;
    path_trap[i] = 0;
    memset(p, 0, sizeof(*p));
    if (!corrupt) {
        if (k < 6)
            len = 0; /* the root: LISTDIR and STAT only */
        else if (k < 16) {
            len = (size_t)sprintf(buf, "%s", traps[rn(r, TRAPS_N)]);
            path_trap[i] = strncmp(buf, "mnt", 3) ? 1 : 2; /* the mount: root 0's alone */
        } else {
            len = gen_valid(r, buf);
        }
        if (!len && !(aux & FZ_FSP_ROOT_OK))
            path_bad[i] = true;
        p->ptr = (uintptr_t)buf;
        p->len = (uint32_t)len;
        return;
    }
    path_bad[i] = true;
    p->ptr = (uintptr_t)buf;
    switch (rn(r, 9)) {
    case 0:
    case 1:
    case 2:
        len = (size_t)sprintf(buf, "%s", badp[rn(r, BADP_N)]);
        if (chance(r, 30)) { /* behind a valid prefix */
            size_t pre = gen_valid(r, buf);
            buf[pre] = '/';
            len = pre + 1 + (size_t)sprintf(buf + pre + 1, "%s", badp[rn(r, BADP_N)]);
        }
        break;
    case 3: /* a NUL within the length */
        len = (size_t)sprintf(buf, "a%cb", 0);
        if (chance(r, 50))
            len = (size_t)sprintf(buf, "etc") + 1; /* "etc\0": a trap, and NUL */
        break;
    case 4: /* a component of 256 bytes, or a path of 1025 */
        memset(buf, 'L', HSX_FS_NAME_MAX + 1);
        len = HSX_FS_NAME_MAX + 1;
        if (chance(r, 50)) {
            for (len = 0; len <= HSX_FS_PATH_MAX;) {
                memset(buf + len, 'p', 100);
                buf[len + 100] = '/';
                len += 101;
            }
            len = HSX_FS_PATH_MAX + 1 + rn(r, 2) * 100;
            buf[len - 1] = 'p';
        }
        break;
    case 5: /* a length past HSX_FS_PATH_MAX over a short path */
        len = (size_t)sprintf(buf, "a");
        p->len = chance(r, 50) ? 0xffffffffU : HSX_FS_PATH_MAX + 1;
        return;
    case 6: /* NULL, unmapped, cut short by the unmapped page */
        len = 1 + rn(r, 16);
        if (chance(r, 30))
            p->ptr = 0;
        else if (big_buf()) {
            p->ptr = (uintptr_t)(big + HSX_FS_XFER_MAX - (chance(r, 50) ? 0 : len / 2));
            if (p->ptr != (uintptr_t)(big + HSX_FS_XFER_MAX))
                memset(big + HSX_FS_XFER_MAX - len / 2, 'z', len / 2);
        } else
            p->ptr = 0;
        p->len = (uint32_t)len;
        return;
    case 7: /* a reserved word */
        len = gen_valid(r, buf);
        p->reserved = 1U << rn(r, 32);
        break;
    default: /* the empty path where a name is needed, or a valid one with a reserved word */
        len = 0;
        if (aux & FZ_FSP_ROOT_OK)
            p->reserved = 1;
        break;
    }
    p->len = (uint32_t)len;
}

/* A root for a call: the instance's own, the table's, an unbound one (never 3 or 4). */
static uint32_t gen_root(struct fz_call *c, bool corrupt)
{
    struct fz_rng *r = &c->w->rng;

    if (corrupt) {
        static const uint32_t bad[] = {HSX_FS_MAX_ROOTS, HSX_FS_MAX_ROOTS + 1, 64, 0x80000000U,
                                       0xffffffffU};
        return bad[rn(r, 5)];
    }
    if (c->slot.kind == K_FS_I && c->slot.index < HSX_FS_MAX_ROOTS &&
        (c->slot.index < FZ_FS_TABLE || c->slot.index >= FZ_FS_FREE) && chance(r, 85))
        return c->slot.index;
    return chance(r, 85) ? rn(r, FZ_FS_TABLE) : FZ_FS_FREE + rn(r, HSX_FS_MAX_ROOTS - FZ_FS_FREE);
}

static int64_t gen_s64(struct fz_rng *r, enum fs_val v, bool corrupt)
{
    switch (v) {
    case FSV_SEEK: {
        static const int64_t s[] = {
            0, 1, 100, 4096, -1, -4096, LLONG_MAX, LLONG_MIN, LLONG_MAX - HSX_FS_XFER_MAX};
        return corrupt ? s[rn(r, 9)] : s[rn(r, 4)] + rn(r, 3000);
    }
    default: { /* FSV_SIZE: TRUNCATE's */
        static const int64_t bad[] = {-1, LLONG_MIN, -4096};
        static const int64_t edge[] = {0, 1, 4096, 65536, 1 << 20, 1LL << 40, LLONG_MAX};
        if (corrupt)
            return bad[rn(r, 3)];
        return chance(r, 60) ? (int64_t)rn(r, 20000) : edge[rn(r, 7)];
    }
    }
}

void fs_gen_field(struct fz_call *c, const struct fz_field *f, bool corrupt)
{
    struct fz_rng *r = &c->w->rng;
    unsigned char *p = c->buf + f->off;
    uint64_t v = 0;

    switch (f->kind) {
    case F_FSROOT:
        v = gen_root(c, corrupt);
        break;
    case F_FSPATH:
        gen_path(c, (struct hsx_fs_path *)p, f->aux, corrupt);
        return;
    case F_FSHANDLE: {
        static const int32_t bad[] = {
            -2, HSX_FS_HANDLES_PER_FILE, HSX_FS_HANDLES_PER_FILE + 1, INT32_MIN, INT32_MAX, 1000,
            -1};
        int32_t h;
        if (corrupt)
            h = bad[rn(r, f->aux ? 6 : 7)];
        else if (f->aux && chance(r, 65))
            h = -1;
        else
            h = (int32_t)(chance(r, 80) ? rn(r, 8) : rn(r, HSX_FS_HANDLES_PER_FILE));
        v = (uint32_t)h;
        break;
    }
    case F_FSOFLAGS: {
        static const uint32_t ok[] = {
            HSX_FS_O_RDONLY,
            HSX_FS_O_RDWR,
            HSX_FS_O_WRONLY,
            HSX_FS_O_RDWR | HSX_FS_O_CREAT,
            HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_TRUNC,
            HSX_FS_O_RDWR | HSX_FS_O_CREAT | HSX_FS_O_EXCL,
            HSX_FS_O_WRONLY | HSX_FS_O_APPEND,
            HSX_FS_O_RDWR | HSX_FS_O_CREAT | HSX_FS_O_APPEND,
        };
        static const uint32_t bad[] = {0,
                                       HSX_FS_O_CREAT,
                                       HSX_FS_O_RDONLY | HSX_FS_O_TRUNC,
                                       HSX_FS_O_RDONLY | HSX_FS_O_APPEND,
                                       HSX_FS_O_RDWR | HSX_FS_O_EXCL,
                                       HSX_FS_O_RDWR | 0x40,
                                       0x80000000U | HSX_FS_O_RDONLY,
                                       0xffffffffU};
        v = corrupt ? bad[rn(r, 8)] : ok[rn(r, 8)];
        break;
    }
    case F_FSIOFLAGS:
        v = chance(r, 50) ? HSX_FS_IO_AT : 0;
        if (corrupt)
            v |= 1ULL << (1 + rn(r, 31));
        break;
    case F_FSOFF: {
        uint32_t flags;
        memcpy(&flags, c->buf + f->aux - 1, sizeof(flags));
        if (!(flags & HSX_FS_IO_AT)) {
            v = corrupt ? 1 + rn(r, 100) : 0;
        } else if (!corrupt) {
            static const uint64_t edge[] = {0,       4095,       65536,
                                            1 << 20, 1ULL << 40, LLONG_MAX - HSX_FS_XFER_MAX};
            v = chance(r, 70) ? rn(r, 40000) : edge[rn(r, 6)];
        } else {
            static const uint64_t bad[] = {LLONG_MAX - HSX_FS_XFER_MAX + 1, LLONG_MAX, 1ULL << 63,
                                           ~0ULL};
            v = bad[rn(r, 4)];
        }
        break;
    }
    case F_FSLEN: {
        static const uint32_t edge[] = {0,     1,     4095,   4096,           65535,
                                        65536, 65537, 300000, HSX_FS_XFER_MAX};
        static const uint32_t bad[] = {HSX_FS_XFER_MAX + 1, 0x80000000U, 0xffffffffU};
        v = corrupt ? bad[rn(r, 3)] : chance(r, 60) ? 1 + rn(r, 2048) : edge[rn(r, 9)];
        break;
    }
    case F_FSBUF: {
        unsigned char *b = big_buf();
        if (!corrupt && b) {
            uint32_t off = chance(r, 80) ? 0 : rn(r, 64);
            v = (uint64_t)(uintptr_t)(b + off);
            c->room = HSX_FS_XFER_MAX - off;
            break;
        }
        static const uint64_t far[] = {0, 0xffff888000000000ULL, 0x0000800000000000ULL,
                                       0xfffffffffffffff0ULL, 0x1000};
        uint32_t k = rn(r, 7), cut = 1 + rn(r, 70000);
        c->room = 0;
        if (k < 5 || !b)
            v = far[k % 5];
        else if (k == 5)
            v = (uint64_t)(uintptr_t)(b + HSX_FS_XFER_MAX); /* unmapped */
        else {
            v = (uint64_t)(uintptr_t)(b + HSX_FS_XFER_MAX - cut);
            c->room = cut;
        }
        break;
    }
    case F_FSVAL:
        switch ((enum fs_val)f->aux) {
        case FSV_WHENCE:
            v = corrupt ? (chance(r, 50) ? 3 + rn(r, 3) : 0xffffffffU) : rn(r, 3);
            break;
        case FSV_SEEK:
        case FSV_SIZE:
            v = (uint64_t)gen_s64(r, (enum fs_val)f->aux, corrupt);
            break;
        case FSV_LMAX: {
            static const uint32_t ok[] = {1, 2, 16, 64, 4096, HSX_FS_LIST_MAX};
            static const uint32_t bad[] = {0, HSX_FS_LIST_MAX + 1, 0xffffffffU};
            v = corrupt ? bad[rn(r, 3)] : chance(r, 50) ? 1 + rn(r, 600) : ok[rn(r, 6)];
            break;
        }
        case FSV_MFLAGS: {
            static const uint32_t ok[] = {0, 0, HSX_FS_MAP_READ_ONLY, HSX_FS_MAP_ANY,
                                          HSX_FS_MAP_ANY | HSX_FS_MAP_READ_ONLY};
            v = ok[rn(r, 5)];
            if (corrupt)
                v |= chance(r, 50) ? HSX_FS_MAP_EXISTING : 1U << (3 + rn(r, 29));
            break;
        }
        case FSV_QB: {
            static const uint64_t ok[] = {1, 4096, 1 << 20, 1ULL << 30, ~0ULL};
            v = corrupt ? 0 : ok[rn(r, 5)];
            break;
        }
        case FSV_QF: {
            static const uint64_t ok[] = {1, 16, 1000, ~0ULL};
            v = corrupt ? 0 : ok[rn(r, 4)];
            break;
        }
        default: { /* FSV_USED */
            static const uint64_t ok[] = {0, 0, 0, 1};
            v = corrupt ? (chance(r, 50) ? 1ULL << 40 : ~0ULL) : ok[rn(r, 4)];
            break;
        }
        }
        break;
    case F_FSDIRFD: {
        uint32_t k = rn(r, 100);
        int fd;
        if (corrupt) {
            static const int bad[] = {-2, 999999, INT32_MIN, 1 << 20};
            fd = bad[rn(r, 4)];
        } else if (k < 35) {
            fd = -1;
        } else if (k < 80) {
            fd = scratch_fd[rn(r, FZ_FS_SCRATCH)];
        } else if (k < 90) {
            fd = bound_dir_fd;
        } else {
            fd = file_fd;
        }
        v = (uint32_t)fd;
        break;
    }
    default:
        v = corrupt ? rnd(r) : 0;
        break;
    }
    memcpy(p, &v, f->size < sizeof(v) ? f->size : sizeof(v)); /* little-endian: the low bytes */
}

/* ---- selectors ------------------------------------------------------------------------------- */

bool fs_sel_bad(uint32_t rights, const union hsx_cap_selector *sel)
{
    return !rights || (rights & ~HSX_CAP_R_FS_ALL) || !sel->fs.roots || sel->fs.reserved ||
           sel->raw[1] || sel->raw[2] || sel->raw[3];
}

bool fs_sel_within(const union hsx_cap_selector *inner, const union hsx_cap_selector *outer)
{
    return !(inner->fs.roots & ~outer->fs.roots);
}

void fs_gen_sel(struct fz_rng *r, union hsx_cap_selector *sel)
{
    static const uint32_t ok[] = {1, 2, 3, 7, 0xffffffffU, 0x80000000U};
    uint32_t k = rn(r, 100);

    memset(sel, 0, sizeof(*sel));
    if (k < 60)
        sel->fs.roots = ok[rn(r, 6)];
    else if (k < 85)
        sel->fs.roots = 1U << rn(r, 32);
    else if (k < 92)
        sel->fs.roots = 0;
    else if (chance(r, 50))
        sel->fs.roots = 1, sel->fs.reserved = 1U << rn(r, 32);
    else
        sel->fs.roots = 1, sel->raw[1 + rn(r, 3)] = 1ULL << rn(r, 64);
}

void fs_mint_sel(struct fz_rng *r, union hsx_cap_selector *sel, const struct fz_slot *target)
{
    memset(sel, 0, sizeof(*sel));
    if (target->kind == K_FS_I && target->index < HSX_FS_MAX_ROOTS)
        sel->fs.roots = 1U << target->index;
    else
        sel->fs.roots = chance(r, 50) ? 7 : 1U << rn(r, FZ_FS_TABLE);
    if (chance(r, 20))
        sel->fs.roots |= 1U << rn(r, FZ_FS_TABLE);
}

void fs_derive_sel(struct fz_rng *r, union hsx_cap_selector *sel)
{
    uint32_t k = rn(r, 100);

    if (k < 60) {
        uint32_t keep = sel->fs.roots & (uint32_t)rnd(r);
        sel->fs.roots = keep ? keep : sel->fs.roots;
    } else if (k < 80) {
        switch (rn(r, 3)) {
        case 0:
            sel->fs.roots |= 1U << rn(r, 32); /* wider, mostly */
            break;
        case 1:
            sel->fs.roots = 0;
            break;
        default:
            sel->fs.reserved = 1U << rn(r, 32);
            break;
        }
    }
}

/* ---- oracles and the table ------------------------------------------------------------------- */

static bool root_bad(const struct fz_call *c, uint32_t root)
{
    return unit_bad(c, root, &fs_units);
}

/* A trap's path on a root that has the traps: no function may succeed with it. */
static bool trap_hit(uint32_t root, int i)
{
    return (path_trap[i] == 1 && root < FZ_FS_TABLE) || (path_trap[i] == 2 && root == 0);
}

static bool path_zero(const struct hsx_fs_path *p)
{
    return !p->ptr && !p->len && !p->reserved;
}

static void pre_fs_open(struct fz_call *c)
{
    const struct hsx_fs_open *o = (const void *)c->buf;
    uint32_t f = o->flags;
    bool write = f & HSX_FS_O_WRONLY;

    /* (RDONLY with CREAT: the uAPI does not say; the kernel refuses it) */
    if ((f & ~HSX_FS_O_ALL) || !(f & HSX_FS_O_ACCMODE) ||
        (!write && (f & (HSX_FS_O_TRUNC | HSX_FS_O_APPEND))) ||
        ((f & HSX_FS_O_EXCL) && !(f & HSX_FS_O_CREAT)) || o->reserved || path_bad[0] ||
        trap_hit(o->root, 0) || root_bad(c, o->root))
        c->must_fail = true;
}

static void post_fs_open(struct fz_call *c)
{
    const struct hsx_fs_open *o = (const void *)c->buf;

    if (o->handle < 0 || o->handle >= HSX_FS_HANDLES_PER_FILE)
        unexpected(c->w, "FS_OPEN: handle %d", o->handle);
    count(&stats->fs_opens);
}

static void pre_fs_io(struct fz_call *c)
{
    const struct hsx_fs_io *x = (const void *)c->buf;
    bool write = c->op->cmd == HSX_IOC_FS_WRITE;

    if ((x->flags & ~HSX_FS_IO_AT) || x->len > HSX_FS_XFER_MAX ||
        (!(x->flags & HSX_FS_IO_AT) && x->offset) ||
        x->offset > (uint64_t)LLONG_MAX - HSX_FS_XFER_MAX || x->handle < 0 ||
        x->handle >= HSX_FS_HANDLES_PER_FILE)
        c->must_fail = true;
    /* a write whose first chunk (64 KiB) cannot be read whole writes nothing */
    if (write && x->len && c->room < (x->len < 65536 ? x->len : 65536))
        c->must_fail = true;
}

static void post_fs_io(struct fz_call *c)
{
    const struct hsx_fs_io *x = (const void *)c->buf;
    bool write = c->op->cmd == HSX_IOC_FS_WRITE;

    if (x->done > x->len || x->done > c->room || (write && x->len && !x->done))
        unexpected(c->w, "%s: done %u of %u (room %" PRIu64 ")", c->op->name, x->done, x->len,
                   c->room);
    if (write)
        __atomic_fetch_add(&stats->fs_bytes, x->done, __ATOMIC_RELAXED);
}

static void pre_fs_close(struct fz_call *c)
{
    const struct hsx_fs_handle_op *op = (const void *)c->buf;
    bool seek = c->op->cmd == HSX_IOC_FS_SEEK, trunc = c->op->cmd == HSX_IOC_FS_TRUNCATE;

    if (op->handle < 0 || op->handle >= HSX_FS_HANDLES_PER_FILE ||
        (seek ? op->whence > 2 : op->whence != 0) || (!seek && !trunc && op->offset) ||
        (trunc && op->offset < 0))
        c->must_fail = true;
}

static void post_fs_seek(struct fz_call *c)
{
    const struct hsx_fs_handle_op *op = (const void *)c->buf;

    if (op->offset < 0)
        unexpected(c->w, "FS_SEEK: position %lld", (long long)op->offset);
}

static void pre_fs_stat(struct fz_call *c)
{
    struct hsx_fs_stat *st = (void *)c->buf;

    /* with a handle, mostly no path (as the uAPI wants) */
    if (st->handle >= 0 && chance(&c->w->rng, 85)) {
        memset(&st->path, 0, sizeof(st->path));
        path_bad[0] = false;
        path_trap[0] = 0;
    }
    if (st->reserved || st->handle < -1 || st->handle >= HSX_FS_HANDLES_PER_FILE ||
        (st->handle >= 0 && !path_zero(&st->path)) ||
        (st->handle < 0 && (path_bad[0] || trap_hit(st->root, 0))) || root_bad(c, st->root))
        c->must_fail = true;
}

static void post_fs_stat(struct fz_call *c)
{
    const struct hsx_fs_stat *st = (const void *)c->buf;

    if ((st->type != HSX_FS_T_FILE && st->type != HSX_FS_T_DIR) || st->reserved ||
        (st->size > (uint64_t)LLONG_MAX))
        unexpected(c->w, "FS_STAT: type %u size %llu reserved %u", st->type,
                   (unsigned long long)st->size, st->reserved);
}

static void pre_fs_listdir(struct fz_call *c)
{
    const struct hsx_fs_listdir *l = (const void *)c->buf;

    if (l->reserved || !l->max || l->max > HSX_FS_LIST_MAX || path_bad[0] || trap_hit(l->root, 0) ||
        root_bad(c, l->root))
        c->must_fail = true;
}

/* Is a name LISTDIR returned one a path may hold, and not a trap's? */
static bool list_name_ok(const char *name, size_t len)
{
    if (!len || len > HSX_FS_NAME_MAX || (len == 1 && name[0] == '.') ||
        (len == 2 && !memcmp(name, "..", 2)) || memchr(name, '\0', len) ||
        (len >= 9 && !memcmp(name, HSX_FS_TMP_PREFIX, 9)) ||
        (len == 4 && !memcmp(name, "fifo", 4)) || (len == 3 && !memcmp(name, "etc", 3)) ||
        (len == 2 && !memcmp(name, "up", 2)))
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '/')
            return false;
    return true;
}

static void post_fs_listdir(struct fz_call *c)
{
    const struct hsx_fs_listdir *l = (const void *)c->buf;
    const char *b = (const char *)(uintptr_t)l->buf;
    uint32_t names = 0, at = 0;

    if (l->len > l->max || (l->len && l->len != l->needed) ||
        (l->needed <= l->max && l->len != l->needed) || l->len > c->room ||
        (l->count && !l->needed) || l->count > l->needed) {
        unexpected(c->w, "FS_LISTDIR: len %u needed %u count %u max %u", l->len, l->needed,
                   l->count, l->max);
        return;
    }
    /* names split by '\n', each one a path may hold; no trap listed (a link, a FIFO) */
    for (uint32_t i = 0; i < l->len; i++) {
        if (b[i] != '\n')
            continue;
        if (!list_name_ok(b + at, i - at) ||
            (l->root < FZ_FS_TABLE && i - at == 4 && !memcmp(b + at, "fifo", 4))) {
            unexpected(c->w, "FS_LISTDIR: the name \"%.*s\" (%u bytes)",
                       (int)(i - at < 64 ? i - at : 64), b + at, i - at);
            return;
        }
        names++;
        at = i + 1;
    }
    if (l->len && (at != l->len || names != l->count))
        unexpected(c->w, "FS_LISTDIR: %u names in %u bytes (ends at %u), count %u", names, l->len,
                   at, l->count);
}

static void pre_fs_pathop(struct fz_call *c)
{
    const struct hsx_fs_pathop *p = (const void *)c->buf;
    bool rename = c->op->cmd == HSX_IOC_FS_RENAME;

    if (path_bad[0] || trap_hit(p->root, 0) || root_bad(c, p->root) ||
        (rename && (path_bad[1] || trap_hit(p->root, 1))))
        c->must_fail = true;
}

static void pre_fs_replace(struct fz_call *c)
{
    const struct hsx_fs_replace *x = (const void *)c->buf;

    if (x->reserved || x->reserved2 || x->len > HSX_FS_XFER_MAX || c->room < x->len ||
        path_bad[0] || trap_hit(x->root, 0) || root_bad(c, x->root))
        c->must_fail = true;
}

static void pre_fs_info(struct fz_call *c)
{
    const struct hsx_fs_info *i = (const void *)c->buf;

    if (root_bad(c, i->root))
        c->must_fail = true;
}

/* INFO's shape; NULL when it is right. */
static const char *info_bad(const struct hsx_fs_info *i)
{
    if (i->bound > 1)
        return "bound out of range";
    if (!i->bound)
        return i->flags || i->handles || i->quota_bytes || i->used_bytes || i->quota_files ||
                       i->used_files || i->owner_uid || i->owner_gid
                   ? "not bound, but fields set"
                   : NULL;
    if ((i->flags & ~HSX_FS_MAP_READ_ONLY) || !i->quota_bytes || !i->quota_files)
        return "flags or quotas out of shape";
    if (i->used_bytes > i->quota_bytes || i->used_files > i->quota_files)
        return "usage past its quota";
    if (i->handles > 4096)
        return "handles past what the files can hold";
    if (i->root < FZ_FS_ROOTS && i->quota_bytes == defs[i->root].quota_bytes &&
        i->quota_files == defs[i->root].quota_files &&
        (i->owner_uid != FZ_FS_OWNER || i->owner_gid != FZ_FS_OWNER ||
         i->flags != defs[i->root].flags))
        return "one of the rig's roots with another owner or flags";
    return NULL;
}

static void post_fs_info(struct fz_call *c)
{
    const struct hsx_fs_info *i = (const void *)c->buf;
    const char *why = info_bad(i);

    if (why)
        unexpected(c->w,
                   "FS_INFO of root %u: %s: bound %u flags %#x handles %u bytes %llu/%llu files "
                   "%llu/%llu owner %u:%u",
                   i->root, why, i->bound, i->flags, i->handles, (unsigned long long)i->used_bytes,
                   (unsigned long long)i->quota_bytes, (unsigned long long)i->used_files,
                   (unsigned long long)i->quota_files, i->owner_uid, i->owner_gid);
}

static bool fd_open(int fd)
{
    return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

static void pre_fs_map(struct fz_call *c)
{
    struct hsx_fs_map *m = (void *)c->buf;
    struct fz_rng *r = &c->w->rng;
    bool any = m->flags & HSX_FS_MAP_ANY;

    /* the table's MAP binds 5-31; it unbinds 0-2 now and then, never the chains' 3 and 4 */
    if (m->root < FZ_FS_ROOTS && (m->root >= FZ_FS_TABLE || chance(r, 80)))
        m->root = FZ_FS_FREE + rn(r, HSX_FS_MAX_ROOTS - FZ_FS_FREE);
    if (m->dirfd == -1 && chance(r, 80))
        m->flags = 0, m->quota_bytes = m->quota_files = m->used_bytes = m->used_files = 0;
    if (m->dirfd != -1 && c->w->child) {
        /*
         * A forked child's copy of binds_lock holds no one off: its binds keep out of the
         * chains' way instead, a scratch directory on a number of 5-31, so that a child may
         * be killed mid-call while the chains unbind and bind.
         */
        m->flags &= ~HSX_FS_MAP_ANY;
        if (m->dirfd == bound_dir_fd)
            m->dirfd = scratch_fd[rn(r, FZ_FS_SCRATCH)];
        if (m->root < FZ_FS_ROOTS)
            m->root = FZ_FS_FREE + rn(r, HSX_FS_MAX_ROOTS - FZ_FS_FREE);
    }
    any = m->flags & HSX_FS_MAP_ANY;
    /* The binds that may come between the chains' (see binds_lock); a scratch one on 5-31 not. */
    if (m->dirfd != -1 && !c->w->child &&
        (any || m->dirfd == bound_dir_fd || m->root < FZ_FS_ROOTS)) {
        pthread_rwlock_rdlock(&binds_lock);
        c->held = &binds_lock;
    }
    if (m->reserved || (m->flags & ~(HSX_FS_MAP_READ_ONLY | HSX_FS_MAP_ANY)) ||
        (!any && m->root >= HSX_FS_MAX_ROOTS))
        c->must_fail = true;
    else if (m->dirfd == -1)
        c->must_fail |=
            m->flags || m->quota_bytes || m->quota_files || m->used_bytes || m->used_files;
    else
        c->must_fail |= !m->quota_bytes || !m->quota_files || m->used_bytes > m->quota_bytes ||
                        m->used_files > m->quota_files || !fd_open(m->dirfd) || m->dirfd == file_fd;
}

static void post_fs_map(struct fz_call *c)
{
    const struct hsx_fs_map *m = (const void *)c->buf;

    if (m->root >= HSX_FS_MAX_ROOTS ||
        ((m->flags & HSX_FS_MAP_EXISTING) && !(m->flags & HSX_FS_MAP_ANY)))
        unexpected(c->w, "FS_MAP: root %u flags %#x", m->root, m->flags);
    count(m->dirfd == -1 ? &stats->fs_unbinds : &stats->fs_binds);
}

#define PATH_FIELD(type, member, aux)                                                              \
    {                                                                                              \
        offsetof(type, member), sizeof(struct hsx_fs_path), F_FSPATH, aux                          \
    }
#define FLAGS_OF(type) (offsetof(type, flags) + 1)

static const struct fz_field f_fs_open[] = {
    FLD(struct hsx_fs_open, root, F_FSROOT, 0),  FLD(struct hsx_fs_open, flags, F_FSOFLAGS, 0),
    PATH_FIELD(struct hsx_fs_open, path, 0),     FLD(struct hsx_fs_open, handle, F_OUT, 0),
    FLD(struct hsx_fs_open, reserved, F_RES, 0),
};
#define IO_FIELDS(dir)                                                                             \
    {                                                                                              \
        FLD(struct hsx_fs_io, handle, F_FSHANDLE, 0),                                              \
            FLD(struct hsx_fs_io, flags, F_FSIOFLAGS, 0),                                          \
            FLD(struct hsx_fs_io, offset, F_FSOFF, FLAGS_OF(struct hsx_fs_io)),                    \
            FLD(struct hsx_fs_io, buf, F_FSBUF, dir), FLD(struct hsx_fs_io, len, F_FSLEN, 0),      \
            FLD(struct hsx_fs_io, done, F_OUT, 0),                                                 \
    }
static const struct fz_field f_fs_read[] = IO_FIELDS(FZ_FB_OUT);
static const struct fz_field f_fs_write[] = IO_FIELDS(FZ_FB_IN);
static const struct fz_field f_fs_close[] = {
    FLD(struct hsx_fs_handle_op, handle, F_FSHANDLE, 0),
    FLD(struct hsx_fs_handle_op, whence, F_RES, 0),
    FLD(struct hsx_fs_handle_op, offset, F_RES, 0),
};
static const struct fz_field f_fs_seek[] = {
    FLD(struct hsx_fs_handle_op, handle, F_FSHANDLE, 0),
    FLD(struct hsx_fs_handle_op, whence, F_FSVAL, FSV_WHENCE),
    FLD(struct hsx_fs_handle_op, offset, F_FSVAL, FSV_SEEK),
};
static const struct fz_field f_fs_truncate[] = {
    FLD(struct hsx_fs_handle_op, handle, F_FSHANDLE, 0),
    FLD(struct hsx_fs_handle_op, whence, F_RES, 0),
    FLD(struct hsx_fs_handle_op, offset, F_FSVAL, FSV_SIZE),
};
static const struct fz_field f_fs_stat[] = {
    FLD(struct hsx_fs_stat, root, F_FSROOT, 0),
    FLD(struct hsx_fs_stat, handle, F_FSHANDLE, 1),
    PATH_FIELD(struct hsx_fs_stat, path, FZ_FSP_ROOT_OK),
    FLD(struct hsx_fs_stat, size, F_OUT, 0),
    FLD(struct hsx_fs_stat, type, F_OUT, 0),
    FLD(struct hsx_fs_stat, reserved, F_RES, 0),
};
static const struct fz_field f_fs_replace[] = {
    FLD(struct hsx_fs_replace, root, F_FSROOT, 0),
    FLD(struct hsx_fs_replace, reserved, F_RES, 0),
    PATH_FIELD(struct hsx_fs_replace, path, 0),
    FLD(struct hsx_fs_replace, buf, F_FSBUF, FZ_FB_IN),
    FLD(struct hsx_fs_replace, len, F_FSLEN, 0),
    FLD(struct hsx_fs_replace, reserved2, F_RES, 0),
};
static const struct fz_field f_fs_info[] = {
    FLD(struct hsx_fs_info, root, F_FSROOT, 0),
    FLD(struct hsx_fs_info, bound, F_OUT, 0),
    FLD(struct hsx_fs_info, used_bytes, F_OUT, 0),
    FLD(struct hsx_fs_info, owner_gid, F_OUT, 0),
};
static const struct fz_field f_fs_map[] = {
    FLD(struct hsx_fs_map, root, F_FSROOT, 0),
    FLD(struct hsx_fs_map, flags, F_FSVAL, FSV_MFLAGS),
    FLD(struct hsx_fs_map, dirfd, F_FSDIRFD, 0),
    FLD(struct hsx_fs_map, reserved, F_RES, 0),
    FLD(struct hsx_fs_map, quota_bytes, F_FSVAL, FSV_QB),
    FLD(struct hsx_fs_map, quota_files, F_FSVAL, FSV_QF),
    FLD(struct hsx_fs_map, used_bytes, F_FSVAL, FSV_USED),
    FLD(struct hsx_fs_map, used_files, F_FSVAL, FSV_USED),
};
static const struct fz_field f_fs_listdir[] = {
    FLD(struct hsx_fs_listdir, root, F_FSROOT, 0),
    FLD(struct hsx_fs_listdir, max, F_FSVAL, FSV_LMAX),
    PATH_FIELD(struct hsx_fs_listdir, path, FZ_FSP_ROOT_OK),
    FLD(struct hsx_fs_listdir, buf, F_FSBUF, FZ_FB_OUT),
    FLD(struct hsx_fs_listdir, len, F_OUT, 0),
    FLD(struct hsx_fs_listdir, count, F_OUT, 0),
    FLD(struct hsx_fs_listdir, reserved, F_RES, 0),
};
/* DELETE and MKDIR: no flags, no second path */
static const struct fz_field f_fs_pathop[] = {
    FLD(struct hsx_fs_pathop, root, F_FSROOT, 0),
    FLD(struct hsx_fs_pathop, flags, F_RES, 0),
    PATH_FIELD(struct hsx_fs_pathop, path, 0),
    FLD(struct hsx_fs_pathop, path2, F_RES, 0),
};
static const struct fz_field f_fs_rename[] = {
    FLD(struct hsx_fs_pathop, root, F_FSROOT, 0),
    FLD(struct hsx_fs_pathop, flags, F_FLAGS, HSX_FS_RENAME_NOREPLACE),
    PATH_FIELD(struct hsx_fs_pathop, path, 0),
    PATH_FIELD(struct hsx_fs_pathop, path2, FZ_FSP_SECOND),
};

/* The module's node and its instances' serve every function; MAP is the admin node's. */
#define K_FS_FN (K_FSS | KB(K_CTL))
static const struct fz_op fs_ops[] = {
    {"FS_OPEN", HSX_IOC_FS_OPEN, K_FS_FN, true, 0, FIELDS(f_fs_open), post_fs_open, pre_fs_open},
    {"FS_READ", HSX_IOC_FS_READ, K_FS_FN, true, 0, FIELDS(f_fs_read), post_fs_io, pre_fs_io},
    {"FS_WRITE", HSX_IOC_FS_WRITE, K_FS_FN, true, 0, FIELDS(f_fs_write), post_fs_io, pre_fs_io},
    {"FS_CLOSE", HSX_IOC_FS_CLOSE, K_FS_FN, true, 0, FIELDS(f_fs_close), NULL, pre_fs_close},
    {"FS_SEEK", HSX_IOC_FS_SEEK, K_FS_FN, true, 0, FIELDS(f_fs_seek), post_fs_seek, pre_fs_close},
    {"FS_STAT", HSX_IOC_FS_STAT, K_FS_FN, true, 0, FIELDS(f_fs_stat), post_fs_stat, pre_fs_stat},
    {"FS_FSYNC", HSX_IOC_FS_FSYNC, K_FS_FN, true, 0, FIELDS(f_fs_close), NULL, pre_fs_close},
    {"FS_REPLACE", HSX_IOC_FS_REPLACE, K_FS_FN, true, 0, FIELDS(f_fs_replace), NULL,
     pre_fs_replace},
    {"FS_INFO", HSX_IOC_FS_INFO, K_FS_FN, true, 0, FIELDS(f_fs_info), post_fs_info, pre_fs_info},
    {"FS_MAP", HSX_IOC_FS_MAP, KB(K_CTL) | KB(K_ADMIN), true, 0, FIELDS(f_fs_map), post_fs_map,
     pre_fs_map},
    {"FS_LISTDIR", HSX_IOC_FS_LISTDIR, K_FS_FN, true, 0, FIELDS(f_fs_listdir), post_fs_listdir,
     pre_fs_listdir},
    {"FS_DELETE", HSX_IOC_FS_DELETE, K_FS_FN, true, 0, FIELDS(f_fs_pathop), NULL, pre_fs_pathop},
    {"FS_RENAME", HSX_IOC_FS_RENAME, K_FS_FN, true, 0, FIELDS(f_fs_rename), NULL, pre_fs_pathop},
    {"FS_MKDIR", HSX_IOC_FS_MKDIR, K_FS_FN, true, 0, FIELDS(f_fs_pathop), NULL, pre_fs_pathop},
    {"FS_TRUNCATE", HSX_IOC_FS_TRUNCATE, K_FS_FN, true, 0, FIELDS(f_fs_truncate), NULL,
     pre_fs_close},
};

const struct fz_module fs_module = {"fs", FIELDS(fs_ops)};

/* ---- calls of chains ------------------------------------------------------------------------- */

static const char *fs_name(unsigned long cmd)
{
    for (size_t i = 0; i < sizeof(fs_ops) / sizeof(fs_ops[0]); i++)
        if (fs_ops[i].cmd == cmd)
            return fs_ops[i].name;
    return "FS_?";
}

/* One call of a chain: counted, noted, its errno judged against the function's. */
static int fs_call(struct fz_worker *w, int fd, unsigned long cmd, void *arg, unsigned int root)
{
    int ret = ioctl(fd, cmd, arg), e = ret < 0 ? errno : 0;

    count_errno(e);
    note(w, "chain: %s(fd %d, root %u) = %d%s%s", fs_name(cmd), fd, root, ret, e ? " " : "",
         e ? strerror(e) : "");
    if (e && !fs_err_ok(cmd, e))
        unexpected(w, "%s on root %u: %s, not one the uAPI documents for it", fs_name(cmd), root,
                   strerror(e));
    return e;
}

static struct hsx_fs_path pth(const char *p)
{
    struct hsx_fs_path x = {.ptr = (uintptr_t)p, .len = (uint32_t)strlen(p)};
    return x;
}

static int c_open(struct fz_worker *w, int fd, uint32_t root, const char *path, uint32_t flags,
                  int *h)
{
    struct hsx_fs_open o = {.root = root, .flags = flags, .path = pth(path), .handle = -1};
    int e = fs_call(w, fd, HSX_IOC_FS_OPEN, &o, root);

    *h = e ? -1 : o.handle;
    if (!e)
        count(&stats->fs_opens);
    return e;
}

static int c_io(struct fz_worker *w, int fd, bool write, int h, void *buf, uint32_t len, int64_t at,
                uint32_t *done, uint32_t root)
{
    struct hsx_fs_io x = {.handle = h, .buf = (uintptr_t)buf, .len = len};
    int e;

    if (at >= 0)
        x.flags = HSX_FS_IO_AT, x.offset = (uint64_t)at;
    e = fs_call(w, fd, write ? HSX_IOC_FS_WRITE : HSX_IOC_FS_READ, &x, root);
    if (!e && x.done > len)
        unexpected(w, "%s: done %u of %u", write ? "FS_WRITE" : "FS_READ", x.done, len);
    if (!e && write)
        __atomic_fetch_add(&stats->fs_bytes, x.done, __ATOMIC_RELAXED);
    *done = e ? 0 : x.done;
    return e;
}

static int c_handle(struct fz_worker *w, int fd, unsigned long cmd, int h, int64_t offset,
                    uint32_t root)
{
    struct hsx_fs_handle_op op = {.handle = h, .offset = offset};

    return fs_call(w, fd, cmd, &op, root);
}

static int c_stat_h(struct fz_worker *w, int fd, uint32_t root, int h, uint64_t *size)
{
    struct hsx_fs_stat st = {.root = root, .handle = h};
    int e = fs_call(w, fd, HSX_IOC_FS_STAT, &st, root);

    *size = st.size;
    return e;
}

static int c_pathop(struct fz_worker *w, int fd, unsigned long cmd, uint32_t root, const char *path,
                    const char *path2, uint32_t flags)
{
    struct hsx_fs_pathop p = {.root = root, .flags = flags, .path = pth(path)};

    if (path2)
        p.path2 = pth(path2);
    return fs_call(w, fd, cmd, &p, root);
}

static int c_replace(struct fz_worker *w, int fd, uint32_t root, const char *path, const void *buf,
                     uint32_t len)
{
    struct hsx_fs_replace x = {.root = root, .path = pth(path), .buf = (uintptr_t)buf, .len = len};

    return fs_call(w, fd, HSX_IOC_FS_REPLACE, &x, root);
}

static int c_list(struct fz_worker *w, int fd, uint32_t root, const char *path, char *buf,
                  uint32_t max)
{
    struct hsx_fs_listdir l = {.root = root, .max = max, .path = pth(path), .buf = (uintptr_t)buf};

    return fs_call(w, fd, HSX_IOC_FS_LISTDIR, &l, root);
}

static int c_info(struct fz_worker *w, int fd, uint32_t root, struct hsx_fs_info *info)
{
    int e;

    memset(info, 0, sizeof(*info));
    info->root = root;
    e = fs_call(w, fd, HSX_IOC_FS_INFO, info, root);
    if (!e && info_bad(info))
        unexpected(w, "FS_INFO of root %u: %s", root, info_bad(info));
    return e;
}

/* Is root m bound to root n's home directory? (root_home(n) is root_path_is(n, n).) */
static bool root_path_is(unsigned int m, unsigned int n)
{
    char path[96], got[256] = "", want[128];
    int fd;
    ssize_t len;

    snprintf(path, sizeof(path), "/sys/hal/fs/%u/path", m);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    len = read(fd, got, sizeof(got) - 1);
    close(fd);
    if (len <= 0)
        return false;
    got[len] = '\0';
    got[strcspn(got, "\n")] = '\0';
    dir_path(want, sizeof(want), n);
    return !strcmp(got, want);
}

static bool root_home(unsigned int n)
{
    return root_path_is(n, n);
}

/*
 * Is root n bound as the rig binds it: its own directory, with its flags and quotas? A table
 * MAP with HSX_FS_MAP_ANY binds r0's directory as root 0 when 0 is free, read-only or with
 * quotas of its own. Meaningful while binds_lock is held exclusive.
 */
static bool root_ours(struct fz_worker *w, int ctl, unsigned int n)
{
    struct hsx_fs_info info;

    return root_home(n) && !c_info(w, ctl, n, &info) && info.bound && info.flags == defs[n].flags &&
           info.quota_bytes == defs[n].quota_bytes && info.quota_files == defs[n].quota_files;
}

/*
 * A root's usage is exact: INFO's used_bytes and used_files are what a walk of its directory
 * finds, with the files that handles keep open after their last name went (open: their
 * inodes and handles, on fd), and its handles are nopen. At a quiescent point only.
 */
struct fs_open_file {
    int h;
    ino_t ino;
};

static bool exact(struct fz_worker *w, int fd, unsigned int root, const struct fs_open_file *open,
                  unsigned int nopen, const char *when)
{
    struct hsx_fs_info info;
    struct fs_walk wk;
    uint64_t bytes, files;
    ino_t seen[16];
    unsigned int nseen = 0;

    if (c_info(w, fd, root, &info) || !info.bound)
        return false;
    walk_root(root, &wk);
    bytes = wk.bytes;
    files = wk.files;
    for (unsigned int i = 0; i < nopen; i++) {
        bool named = false, counted = false;
        uint64_t size;
        for (unsigned int k = 0; k < wk.n_inos; k++)
            named |= wk.inos[k] == open[i].ino;
        for (unsigned int k = 0; k < nseen; k++)
            counted |= seen[k] == open[i].ino;
        if (named || counted || c_stat_h(w, fd, root, open[i].h, &size))
            continue;
        bytes += size; /* deleted, kept open by a handle: counts until it closes */
        files++;
        if (nseen < 16)
            seen[nseen++] = open[i].ino;
    }
    if (info.used_bytes != bytes || info.used_files != files || info.handles != nopen) {
        unexpected(w,
                   "root %u %s: INFO says %llu bytes, %llu files, %u handles; the tree holds "
                   "%llu bytes, %llu files (%u of them open after deletion), %u handles open",
                   root, when, (unsigned long long)info.used_bytes,
                   (unsigned long long)info.used_files, info.handles, (unsigned long long)bytes,
                   (unsigned long long)files, nseen, nopen);
        return false;
    }
    count(&stats->fs_exact);
    return true;
}

/* ---- chain: quotas, exactly (root 3) --------------------------------------------------------- */

static const char *const qnames[] = {"q0", "q1", "q2", "q3", "qd", "qd/q0", "qd/q1", "qd/qe"};
#define QNAMES_N (sizeof(qnames) / sizeof(qnames[0]))

struct qchain {
    struct fz_worker *w;
    struct fz_rng *r;
    int fd;
    struct fs_open_file open[8];
    unsigned int nopen;
};

static bool q_stat(const char *name, struct stat *st)
{
    char path[160];

    snprintf(path, sizeof(path), FZ_FS_TOP "/r3/%s", name);
    return lstat(path, st) == 0;
}

/* Is qd a directory (the parent of the names below it)? */
static bool q_parent(const char *name)
{
    struct stat st;

    return !strchr(name, '/') || (q_stat("qd", &st) && S_ISDIR(st.st_mode));
}

static uint64_t q_room(struct qchain *q, struct hsx_fs_info *info)
{
    if (c_info(q->w, q->fd, FZ_FS_QROOT, info))
        return 0;
    return info->quota_bytes - info->used_bytes;
}

static void q_open(struct qchain *q)
{
    const char *name = qnames[rn(q->r, QNAMES_N)];
    uint32_t flags = HSX_FS_O_RDWR | HSX_FS_O_CREAT | (chance(q->r, 20) ? HSX_FS_O_EXCL : 0) |
                     (chance(q->r, 20) ? HSX_FS_O_TRUNC : 0);
    struct hsx_fs_info info;
    struct stat st, dst;
    bool exists = q_stat(name, &st), parent = q_parent(name);
    int h, e;

    (void)dst;
    q_room(q, &info);
    e = c_open(q->w, q->fd, FZ_FS_QROOT, name, flags, &h);
    if (!exists && parent && info.used_files >= info.quota_files && e != EDQUOT)
        unexpected(q->w, "FS_OPEN(CREAT) of %s with %llu of %llu files: %s, not EDQUOT", name,
                   (unsigned long long)info.used_files, (unsigned long long)info.quota_files,
                   e ? strerror(e) : "success");
    else if (!exists && parent && info.used_files < info.quota_files && e && e != EMFILE)
        unexpected(q->w, "FS_OPEN(CREAT) of %s with %llu of %llu files: %s", name,
                   (unsigned long long)info.used_files, (unsigned long long)info.quota_files,
                   strerror(e));
    if (e == EDQUOT)
        count(&stats->fs_quota);
    if (!e && q->nopen < 8 && q_stat(name, &st)) {
        q->open[q->nopen].h = h;
        q->open[q->nopen++].ino = st.st_ino;
    } else if (!e) {
        c_handle(q->w, q->fd, HSX_IOC_FS_CLOSE, h, 0, FZ_FS_QROOT);
    }
}

/* A write through a handle: all of it when it fits, else what fits, else EDQUOT. */
static void q_write(struct qchain *q)
{
    struct fs_open_file *f;
    struct hsx_fs_info info;
    uint64_t size, room, pos = rn(q->r, 30000), want;
    uint32_t n = 1 + rn(q->r, 12000), done;
    int e;

    if (!q->nopen || !big_buf())
        return;
    f = &q->open[rn(q->r, q->nopen)];
    room = q_room(q, &info);
    if (c_stat_h(q->w, q->fd, FZ_FS_QROOT, f->h, &size))
        return;
    if (pos + n <= size || pos + n - size <= room)
        want = n;
    else if (pos >= size + room)
        want = 0;
    else
        want = size + room - pos;
    e = c_io(q->w, q->fd, true, f->h, big, n, (int64_t)pos, &done, FZ_FS_QROOT);
    if ((want && (e || done != want)) || (!want && e != EDQUOT))
        unexpected(q->w,
                   "FS_WRITE of %u bytes at %llu to a file of %llu with %llu bytes of room: "
                   "%s, done %u, not %llu%s",
                   n, (unsigned long long)pos, (unsigned long long)size, (unsigned long long)room,
                   e ? strerror(e) : "success", done, (unsigned long long)want,
                   want ? "" : " (EDQUOT)");
    if (e == EDQUOT || (want && want < n))
        count(&stats->fs_quota);
}

static void q_truncate(struct qchain *q)
{
    struct fs_open_file *f;
    struct hsx_fs_info info;
    uint64_t size, room;
    int64_t to;
    int e;

    if (!q->nopen)
        return;
    f = &q->open[rn(q->r, q->nopen)];
    room = q_room(q, &info);
    if (c_stat_h(q->w, q->fd, FZ_FS_QROOT, f->h, &size))
        return;
    to = chance(q->r, 40) ? (int64_t)rn(q->r, (uint32_t)size + 1)
                          : (int64_t)(size + room + rn(q->r, 3) - 1);
    if (to < 0)
        to = 0;
    e = c_handle(q->w, q->fd, HSX_IOC_FS_TRUNCATE, f->h, to, FZ_FS_QROOT);
    bool over = (uint64_t)to > size && (uint64_t)to - size > room;
    if (over != (e == EDQUOT) || (e && e != EDQUOT))
        unexpected(q->w, "FS_TRUNCATE of a file of %llu bytes to %lld with %llu of room: %s",
                   (unsigned long long)size, (long long)to, (unsigned long long)room,
                   e ? strerror(e) : "success");
    if (e == EDQUOT)
        count(&stats->fs_quota);
}

static void q_replace(struct qchain *q)
{
    const char *name = qnames[rn(q->r, 4)];
    struct hsx_fs_info info;
    uint64_t room = q_room(q, &info);
    uint32_t len = rn(q->r, 10000);
    unsigned char buf[10000];
    char path[160];
    struct stat st;
    bool over = info.used_files >= info.quota_files || len > room;
    bool dir = q_stat(name, &st) && S_ISDIR(st.st_mode);
    int e;

    for (uint32_t i = 0; i < len; i++)
        buf[i] = (unsigned char)rnd(q->r);
    e = c_replace(q->w, q->fd, FZ_FS_QROOT, name, buf, len);
    if (dir) {
        if (e != EISDIR)
            unexpected(q->w, "FS_REPLACE of the directory %s: %s, not EISDIR", name,
                       e ? strerror(e) : "success");
        return;
    }
    if (over != (e == EDQUOT) || (e && e != EDQUOT))
        unexpected(q->w, "FS_REPLACE of %u bytes with %llu bytes of room, %llu of %llu files: %s",
                   len, (unsigned long long)room, (unsigned long long)info.used_files,
                   (unsigned long long)info.quota_files, e ? strerror(e) : "success");
    if (e == EDQUOT)
        count(&stats->fs_quota);
    if (e)
        return;
    /* the file holds exactly what was sent */
    snprintf(path, sizeof(path), FZ_FS_TOP "/r3/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    unsigned char got[10001];
    ssize_t n = fd >= 0 ? read(fd, got, sizeof(got)) : -1;
    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)len || memcmp(got, buf, len))
        unexpected(q->w, "FS_REPLACE of %u bytes: the file holds %zd bytes, not those", len, n);
}

static void q_mkdir(struct qchain *q)
{
    const char *name = chance(q->r, 70) ? "qd" : "qd/qe";
    struct hsx_fs_info info;
    struct stat st;
    bool exists = q_stat(name, &st), parent = q_parent(name);
    int e;

    q_room(q, &info);
    e = c_pathop(q->w, q->fd, HSX_IOC_FS_MKDIR, FZ_FS_QROOT, name, NULL, 0);
    if (!exists && parent && (info.used_files >= info.quota_files) != (e == EDQUOT))
        unexpected(q->w, "FS_MKDIR %s with %llu of %llu files: %s", name,
                   (unsigned long long)info.used_files, (unsigned long long)info.quota_files,
                   e ? strerror(e) : "success");
    if (exists && e != EEXIST)
        unexpected(q->w, "FS_MKDIR %s, which exists: %s, not EEXIST", name,
                   e ? strerror(e) : "success");
    if (e == EDQUOT)
        count(&stats->fs_quota);
}

/* Delete what is below rel (a directory of root 3's, "" for the root) through hsx. */
static void q_delete_below(struct qchain *q, const char *rel, int depth)
{
    char dir[PATH_MAX];
    struct dirent *e;
    DIR *d;

    snprintf(dir, sizeof(dir), FZ_FS_TOP "/r3%s%s", *rel ? "/" : "", rel);
    static __thread char names[8][32][HSX_FS_NAME_MAX + 1];
    static __thread bool dirs[8][32];
    unsigned int n = 0;

    d = opendir(dir);
    if (!d || depth >= 8) {
        if (d)
            closedir(d);
        return;
    }
    while ((e = readdir(d)) && n < 32) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(names[depth][n], sizeof(names[depth][n]), "%s", e->d_name);
        dirs[depth][n++] = e->d_type == DT_DIR;
    }
    closedir(d);
    for (unsigned int i = 0; i < n; i++) {
        char sub[PATH_MAX];
        snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", names[depth][i]);
        if (dirs[depth][i])
            q_delete_below(q, sub, depth + 1);
        c_pathop(q->w, q->fd, HSX_IOC_FS_DELETE, FZ_FS_QROOT, sub, NULL, 0);
    }
}

/* Everything deleted through hsx (deepest first), every handle closed: nothing used. */
static void q_wipe(struct qchain *q)
{
    for (unsigned int i = 0; i < q->nopen; i++)
        c_handle(q->w, q->fd, HSX_IOC_FS_CLOSE, q->open[i].h, 0, FZ_FS_QROOT);
    q->nopen = 0;
    q_delete_below(q, "", 0);
    struct hsx_fs_info info;
    if (!c_info(q->w, q->fd, FZ_FS_QROOT, &info) && (info.used_bytes || info.used_files))
        unexpected(q->w, "root 3 emptied through hsx: INFO says %llu bytes, %llu files",
                   (unsigned long long)info.used_bytes, (unsigned long long)info.used_files);
}

static void chain_fs_quota(struct fz_worker *w, struct fz_rng *r)
{
    struct qchain q = {.w = w, .r = r};

    pthread_mutex_lock(&private_lock);
    q.fd = open(chance(r, 50) ? "/dev/" HSX_DEV_FS : "/dev/" HSX_DEV_FS "3", O_RDWR | O_CLOEXEC);
    if (q.fd < 0 || !exact(w, q.fd, FZ_FS_QROOT, NULL, 0, "at the quota chain's start"))
        goto out;
    for (unsigned int n = 6 + rn(r, 14); n; n--) {
        uint32_t k = rn(r, 100);
        const char *what = "";
        if (k < 22)
            q_open(&q), what = "after OPEN";
        else if (k < 44)
            q_write(&q), what = "after WRITE";
        else if (k < 52)
            q_truncate(&q), what = "after TRUNCATE";
        else if (k < 64)
            q_replace(&q), what = "after REPLACE";
        else if (k < 72)
            q_mkdir(&q), what = "after MKDIR";
        else if (k < 82) {
            c_pathop(w, q.fd, HSX_IOC_FS_DELETE, FZ_FS_QROOT, qnames[rn(r, QNAMES_N)], NULL, 0);
            what = "after DELETE";
        } else if (k < 90) {
            c_pathop(w, q.fd, HSX_IOC_FS_RENAME, FZ_FS_QROOT, qnames[rn(r, QNAMES_N)],
                     qnames[rn(r, QNAMES_N)], chance(r, 30) ? HSX_FS_RENAME_NOREPLACE : 0);
            what = "after RENAME";
        } else if (k < 96 && q.nopen) {
            unsigned int i = rn(r, q.nopen);
            c_handle(w, q.fd, HSX_IOC_FS_CLOSE, q.open[i].h, 0, FZ_FS_QROOT);
            q.open[i] = q.open[--q.nopen];
            what = "after CLOSE";
        } else {
            q_wipe(&q);
            what = "after emptying it";
        }
        if (!exact(w, q.fd, FZ_FS_QROOT, q.open, q.nopen, what))
            break;
    }
    for (unsigned int i = 0; i < q.nopen; i++)
        c_handle(w, q.fd, HSX_IOC_FS_CLOSE, q.open[i].h, 0, FZ_FS_QROOT);
    exact(w, q.fd, FZ_FS_QROOT, NULL, 0, "once its handles closed");
out:
    if (q.fd >= 0)
        close(q.fd);
    pthread_mutex_unlock(&private_lock);
}

/* ---- chain: a root unbound under load (root 4) ----------------------------------------------- */

struct fs_loader {
    struct fz_worker w;
    int fd, h;
    const char *node;
    int stop;
    int gone; /* the errno that said the root went (ENODEV, ENXIO), 0 before */
};

/* Until stopped (and 4 calls more) or 300 calls: a handle once dead stays dead. */
static void *fs_loader_main(void *arg)
{
    struct fs_loader *L = arg;
    struct fz_worker *w = &L->w;
    unsigned char buf[2048];
    int after = 0;

    memset(buf, 'L', sizeof(buf));
    for (int n = 0; n < 300 && after < 4; n++) {
        uint32_t done, k = rn(&w->rng, 4);
        uint64_t size;
        int e;

        if (__atomic_load_n(&L->stop, __ATOMIC_ACQUIRE))
            after++;
        w->steps++;
        if (k == 0)
            e = c_io(w, L->fd, true, L->h, buf, 1 + rn(&w->rng, sizeof(buf)),
                     (int64_t)rn(&w->rng, 4096), &done, FZ_FS_UROOT);
        else if (k == 1)
            e = c_io(w, L->fd, false, L->h, buf, sizeof(buf), (int64_t)rn(&w->rng, 4096), &done,
                     FZ_FS_UROOT);
        else if (k == 2)
            e = c_stat_h(w, L->fd, FZ_FS_UROOT, L->h, &size);
        else
            e = c_handle(w, L->fd, HSX_IOC_FS_FSYNC, L->h, 0, FZ_FS_UROOT);
        if (e == ENODEV || e == ENXIO) {
            if (!L->gone)
                L->gone = e;
        } else if (!e && L->gone) {
            unexpected(w,
                       "a call on a handle of %s succeeded after one failed with %s (root %u "
                       "unbound)",
                       L->node, strerror(L->gone), FZ_FS_UROOT);
        } else if (e && e != EDQUOT) {
            unexpected(w, "a call on a handle of %s while root %u is bound: %s", L->node,
                       FZ_FS_UROOT, strerror(e));
        }
    }
    return fz_thread_calls();
}

/* Root 4 back on its directory (no one else binds while binds_lock is held). */
static int rebind_u(struct fz_worker *w, int ctl)
{
    int e = map_home(ctl, FZ_FS_UROOT);

    if (e)
        harness_fail("binding root %u again: %s", FZ_FS_UROOT, strerror(e));
    else
        note(w, "chain: root %u bound again", FZ_FS_UROOT);
    return e;
}

/* A dead handle: every call on it fails, with ENODEV (the uAPI: its root is gone). */
static void handle_dead(struct fz_worker *w, int fd, int h, const char *node, const char *when)
{
    unsigned char buf[16];
    uint32_t done;
    uint64_t size;
    int e[3];

    e[0] = c_io(w, fd, false, h, buf, sizeof(buf), 0, &done, FZ_FS_UROOT);
    e[1] = c_io(w, fd, true, h, buf, sizeof(buf), 0, &done, FZ_FS_UROOT);
    e[2] = c_stat_h(w, fd, FZ_FS_UROOT, h, &size);
    for (int i = 0; i < 3; i++)
        if (e[i] != ENODEV)
            unexpected(w, "%s of a handle on %s %s: %s, not ENODEV",
                       i == 0   ? "FS_READ"
                       : i == 1 ? "FS_WRITE"
                                : "FS_STAT",
                       node, when, e[i] ? strerror(e[i]) : "success");
}

static void chain_fs_unmap(struct fz_worker *w, struct fz_rng *r)
{
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC), e, h;
    struct fs_loader L[2] = {{.node = "/dev/" HSX_DEV_FS}, {.node = "/dev/" HSX_DEV_FS "4"}};
    pthread_t th[2];
    bool started[2] = {false, false};
    struct hsx_fs_info info;

    if (ctl < 0)
        return;
    pthread_mutex_lock(&private_lock);
    for (int i = 0; i < 2; i++) {
        L[i].w.index = 300 + w->index * 2 + (unsigned int)i;
        L[i].w.rng.s = rnd(r);
        L[i].fd = open(L[i].node, O_RDWR | O_CLOEXEC);
        L[i].h = -1;
        if (L[i].fd >= 0 && !c_open(w, L[i].fd, FZ_FS_UROOT, i ? "u1" : "u0",
                                    HSX_FS_O_RDWR | HSX_FS_O_CREAT | HSX_FS_O_TRUNC, &L[i].h))
            started[i] = pthread_create(&th[i], NULL, fs_loader_main, &L[i]) == 0;
    }
    usleep(rn(r, 4000));
    note(w, "chain: unbind root %u under load", FZ_FS_UROOT);
    pthread_rwlock_wrlock(&binds_lock);
    e = unmap_root(ctl, FZ_FS_UROOT);
    count_errno(e);
    if (e)
        unexpected(w, "unbinding root %u: %s", FZ_FS_UROOT, strerror(e));
    else
        count(&stats->fs_unmaps);
    for (int i = 0; i < 2; i++) {
        __atomic_store_n(&L[i].stop, 1, __ATOMIC_RELEASE);
        if (started[i])
            fz_join(th[i]);
    }
    if (!e) {
        for (int i = 0; i < 2; i++)
            if (L[i].h >= 0)
                handle_dead(w, L[i].fd, L[i].h, L[i].node, "after its root was unbound");
        /* its paths: "not bound" on the module's node, gone on the root's own */
        if (L[0].fd >= 0 && c_open(w, L[0].fd, FZ_FS_UROOT, "u0", HSX_FS_O_RDONLY, &h) != ENXIO)
            unexpected(w, "FS_OPEN on an unbound root: not ENXIO");
        if (L[1].fd >= 0 && c_open(w, L[1].fd, FZ_FS_UROOT, "u0", HSX_FS_O_RDONLY, &h) != ENODEV)
            unexpected(w, "FS_OPEN on /dev/hsx/fs4 once its root was unbound: not ENODEV");
        if (!c_info(w, ctl, FZ_FS_UROOT, &info) && info.bound)
            unexpected(w, "FS_INFO: root %u bound after unbinding it", FZ_FS_UROOT);
    }
    e = rebind_u(w, ctl);
    pthread_rwlock_unlock(&binds_lock);
    if (!e) {
        /* the old handles belong to the old binding: dead still, and not the new root's */
        for (int i = 0; i < 2; i++)
            if (L[i].h >= 0)
                handle_dead(w, L[i].fd, L[i].h, L[i].node, "after its root was bound again");
        exact(w, ctl, FZ_FS_UROOT, NULL, 0, "bound again, the old handles still in their files");
    }
    for (int i = 0; i < 2; i++) {
        if (L[i].h >= 0 && c_handle(w, L[i].fd, HSX_IOC_FS_CLOSE, L[i].h, 0, FZ_FS_UROOT))
            unexpected(w, "FS_CLOSE of a dead handle on %s failed", L[i].node);
        if (L[i].fd >= 0)
            close(L[i].fd);
    }
    pthread_mutex_unlock(&private_lock);
    close(ctl);
}

/* ---- chain: an application's capability, revoked; its file in a forked child ---------------- */

enum { T_OPEN, T_WRITE, T_READ, T_INFO, T_CLOSE, T_FORK, T_EXIT };

struct t_cmd {
    int op;
    uint32_t root, flags, len;
    int32_t h;
    char path[32];
};

struct t_ans {
    int err, err2;
    int32_t h;
    uint32_t done;
    struct hsx_fs_info info;
};

static int fs_send_fd(int sock, int fd)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    char data = 'F';
    struct iovec iov = {.iov_base = &data, .iov_len = 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

    memset(cbuf, 0, sizeof(cbuf));
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int fs_recv_fd(int sock)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    char data;
    struct iovec iov = {.iov_base = &data, .iov_len = 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm;
    int fd = -1;

    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 1)
        return -1;
    cm = CMSG_FIRSTHDR(&msg);
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    return fd;
}

static int t_ioctl(int fd, unsigned long cmd, void *arg)
{
    return ioctl(fd, cmd, arg) ? errno : 0;
}

/* The application: uid 1000, its own file of node; serves the parent's commands. */
static void tenant_main(int sock, const char *node)
{
    unsigned char buf[256];
    struct t_cmd c;
    int fd;

    memset(buf, 'T', sizeof(buf));
    alarm(20);
    if (setgroups(0, NULL) || setresgid(FZ_FS_USER, FZ_FS_USER, FZ_FS_USER) ||
        setresuid(FZ_FS_USER, FZ_FS_USER, FZ_FS_USER))
        _exit(3);
    fd = open(node, O_RDWR | O_CLOEXEC);
    if (fd < 0 || fs_send_fd(sock, fd))
        _exit(4);
    while (recv(sock, &c, sizeof(c), 0) == (ssize_t)sizeof(c)) {
        struct t_ans a = {0};
        struct hsx_fs_open o = {.root = c.root, .flags = c.flags, .path = pth(c.path)};
        struct hsx_fs_io x = {
            .handle = c.h, .buf = (uintptr_t)buf, .len = c.len, .flags = HSX_FS_IO_AT};
        struct hsx_fs_handle_op hop = {.handle = c.h};

        switch (c.op) {
        case T_OPEN:
            a.err = t_ioctl(fd, HSX_IOC_FS_OPEN, &o);
            a.h = o.handle;
            break;
        case T_WRITE:
        case T_READ:
            a.err = t_ioctl(fd, c.op == T_WRITE ? HSX_IOC_FS_WRITE : HSX_IOC_FS_READ, &x);
            a.done = x.done;
            break;
        case T_INFO:
            a.info.root = c.root;
            a.err = t_ioctl(fd, HSX_IOC_FS_INFO, &a.info);
            break;
        case T_CLOSE:
            a.err = t_ioctl(fd, HSX_IOC_FS_CLOSE, &hop);
            break;
        case T_FORK: {
            /* the file inherited: a forked child is not the holder */
            int p[2], st;
            pid_t pid;
            if (pipe(p)) {
                a.err = a.err2 = -1;
                break;
            }
            pid = fork();
            if (pid == 0) {
                int e[2];
                e[0] = t_ioctl(fd, HSX_IOC_FS_READ, &x);
                e[1] = t_ioctl(fd, HSX_IOC_FS_OPEN, &o);
                if (write(p[1], e, sizeof(e)) != (ssize_t)sizeof(e))
                    _exit(1);
                _exit(0);
            }
            close(p[1]);
            int e[2] = {-1, -1};
            if (pid < 0 || read(p[0], e, sizeof(e)) != (ssize_t)sizeof(e))
                e[0] = e[1] = -1;
            close(p[0]);
            if (pid > 0)
                waitpid(pid, &st, 0);
            a.err = e[0];
            a.err2 = e[1];
            break;
        }
        default:
            _exit(0);
        }
        if (send(sock, &a, sizeof(a), MSG_NOSIGNAL) != (ssize_t)sizeof(a))
            _exit(5);
    }
    _exit(0);
}

/* One command to the application; its answer (err -1: it is gone). */
static struct t_ans t_do(struct fz_worker *w, int sock, int op, uint32_t root, const char *path,
                         uint32_t flags, int32_t h, uint32_t len)
{
    struct t_cmd c = {.op = op, .root = root, .flags = flags, .len = len, .h = h};
    struct t_ans a = {.err = -1, .err2 = -1, .h = -1};
    struct timeval tv = {.tv_sec = 10};
    static const char *const names[] = {"OPEN", "WRITE", "READ", "INFO", "CLOSE", "FORK", "EXIT"};

    if (path)
        snprintf(c.path, sizeof(c.path), "%s", path);
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (send(sock, &c, sizeof(c), MSG_NOSIGNAL) != (ssize_t)sizeof(c) ||
        recv(sock, &a, sizeof(a), 0) != (ssize_t)sizeof(a)) {
        a.err = a.err2 = -1;
        if (op != T_EXIT)
            harness_fail("the tenant application did not answer %s", names[op]);
    }
    count_errno(a.err > 0 ? a.err : 0);
    note(w, "chain: tenant %s(root %u, %s, handle %d) = %s%s%s", names[op], root, path ? path : "",
         h,
         a.err > 0 ? strerror(a.err)
         : a.err   ? "gone"
                   : "ok",
         op == T_FORK ? ", then " : "", op == T_FORK ? (a.err2 > 0 ? strerror(a.err2) : "ok") : "");
    return a;
}

/*
 * The tenant chain's capability, for t_want(): with more than one thread,
 * another thread's CAP_REVOKE (of any id CAP_LIST showed, with any reason,
 * EXPIRED among them) may end it while the chain runs. The worker's own.
 */
static __thread int t_admin_fd = -1;
static __thread uint64_t t_cap_id;

/* Has capability id ended, or gone, as CAP_LIST says? */
static bool cap_ended(int admin_fd, uint64_t id)
{
    struct hsx_cap_list l = {.after_id = id - 1};

    if (admin_fd < 0 || !id)
        return false;
    if (ioctl(admin_fd, HSX_IOC_CAP_LIST, &l))
        return errno == ENOENT; /* none at or after it: it went */
    return l.info.id != id || l.info.state == HSX_CAP_STATE_ENDED;
}

static void t_want(struct fz_worker *w, const char *what, int got, int want)
{
    /* Ended meanwhile by another thread: its own errno, the state first (hsx_cap_decide()). */
    if (got != want && (got == EKEYREVOKED || got == EKEYEXPIRED) &&
        cap_ended(t_admin_fd, t_cap_id)) {
        note(w, "chain: tenant: %s: %s (capability %llu ended by another thread)", what,
             strerror(got), (unsigned long long)t_cap_id);
        return;
    }
    if (got != want)
        unexpected(w, "tenant: %s: %s, not %s", what,
                   got > 0 ? strerror(got)
                   : got   ? "?"
                           : "success",
                   want ? strerror(want) : "success");
}

static void chain_fs_tenant(struct fz_worker *w, struct fz_rng *r)
{
    struct fz_slot admin;
    bool inst = chance(r, 40), rw = chance(r, 75), revoke = chance(r, 65);
    const char *node = inst ? "/dev/" HSX_DEV_FS "4" : "/dev/" HSX_DEV_FS;
    struct hsx_cap_client cl = {0};
    struct hsx_cap_mint m = {0};
    struct hsx_fs_info info;
    char name[8];
    int sv[2], fd = -1, own = -1, st, h = -1;
    pid_t pid;
    struct t_ans a;

    if (!enforcing || pick_slot_dup(r, KB(K_ADMIN), &admin) < 0)
        return;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
        close(admin.fd);
        return;
    }
    pthread_mutex_lock(&private_lock);
    snprintf(name, sizeof(name), "t%u", rn(r, 4));
    own = open("/dev/" HSX_DEV_FS, O_RDWR | O_CLOEXEC);
    if (own >= 0 && !rw) { /* a file to read, made by the administrator's own file */
        static const char text[] = "read only view";
        c_replace(w, own, FZ_FS_UROOT, "tro", text, sizeof(text));
    }
    pid = fork();
    if (pid == 0) {
        close(sv[0]);
        tenant_main(sv[1], node);
    }
    close(sv[1]);
    if (pid < 0)
        goto out;
    count(&stats->fs_forks);
    {
        struct timeval tv = {.tv_sec = 10};
        setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    fd = fs_recv_fd(sv[0]);
    if (fd < 0) {
        harness_fail("the tenant application sent no file");
        goto end;
    }
    cl.fd = fd;
    m.fd = fd;
    m.module = HSX_MODULE_FS;
    m.rights = HSX_CAP_R_READ | (rw ? HSX_CAP_R_WRITE : 0);
    m.sel.fs.roots = 1U << FZ_FS_UROOT | (chance(r, 30) ? 1U : 0);
    m.expiry_ns = boottime_ns() + 30000000000ULL;
    if (ioctl(admin.fd, HSX_IOC_CAP_CLIENT, &cl) || ioctl(admin.fd, HSX_IOC_CAP_MINT, &m)) {
        int e = errno;
        note(w, "chain: tenant: CAP_CLIENT or CAP_MINT: %s", strerror(e));
        if (!is_documented(e))
            unexpected(w, "CAP_MINT of an FS capability: %s", strerror(e));
        goto end;
    }
    count(&stats->mints);
    t_admin_fd = admin.fd;
    t_cap_id = m.id;
    close(fd); /* the application's alone now: it closes with the application */
    fd = -1;
    note(w, "chain: tenant: capability %llu on %s, rights %#x, roots %#x", (unsigned long long)m.id,
         node, m.rights, m.sel.fs.roots);
    if (rw) {
        a = t_do(w, sv[0], T_OPEN, FZ_FS_UROOT, name, HSX_FS_O_RDWR | HSX_FS_O_CREAT, -1, 0);
        t_want(w, "OPEN(RDWR|CREAT) on a covered root with READ|WRITE", a.err, 0);
        h = a.h;
        a = t_do(w, sv[0], T_WRITE, 0, NULL, 0, h, 100);
        bool ended = a.err == EKEYREVOKED || a.err == EKEYEXPIRED;
        if (ended) /* by another thread, if so: t_want() asks CAP_LIST */
            t_want(w, "WRITE of 100 bytes through its handle", a.err, 0);
        else if (a.err || a.done != 100)
            unexpected(w, "tenant: WRITE of 100 bytes through its handle: %s, done %u",
                       a.err > 0 ? strerror(a.err)
                       : a.err   ? "gone"
                                 : "success",
                       a.done);
    } else {
        a = t_do(w, sv[0], T_OPEN, FZ_FS_UROOT, "tro", HSX_FS_O_RDONLY, -1, 0);
        t_want(w, "OPEN(RDONLY) on a covered root with READ", a.err, 0);
        h = a.h;
        a = t_do(w, sv[0], T_WRITE, 0, NULL, 0, h, 10);
        /* the handle was not opened for it (EBADF), nor has its capability the right (EACCES) */
        if (a.err != EACCES)
            t_want(w, "WRITE through a handle opened for reading", a.err, EBADF);
        a = t_do(w, sv[0], T_OPEN, FZ_FS_UROOT, name, HSX_FS_O_RDWR | HSX_FS_O_CREAT, -1, 0);
        t_want(w, "OPEN(RDWR|CREAT) with READ alone", a.err, EACCES);
    }
    if (h < 0)
        goto end;
    a = t_do(w, sv[0], T_READ, 0, NULL, 0, h, 64);
    t_want(w, "READ through its handle", a.err, 0);
    /* a root its capability does not cover (on fs4: not the file's root at all) */
    a = t_do(w, sv[0], T_OPEN, 1, "a", HSX_FS_O_RDONLY, -1, 0);
    t_want(w, "OPEN on an uncovered root", a.err, inst ? EINVAL : EACCES);
    a = t_do(w, sv[0], T_INFO, 1, NULL, 0, -1, 0);
    t_want(w, "INFO of an uncovered root", a.err, inst ? EINVAL : EACCES);
    a = t_do(w, sv[0], T_INFO, FZ_FS_UROOT, NULL, 0, -1, 0);
    t_want(w, "INFO of its root", a.err, 0);
    if (!a.err && (!a.info.bound || a.info.owner_uid != FZ_FS_OWNER || !a.info.handles))
        unexpected(w, "tenant: INFO of its root: bound %u owner %u handles %u", a.info.bound,
                   a.info.owner_uid, a.info.handles);
    /* the file in a forked child: not the holder */
    a = t_do(w, sv[0], T_FORK, FZ_FS_UROOT, name, HSX_FS_O_RDONLY, h, 16);
    t_want(w, "READ through the handle in a forked child", a.err, EPERM);
    t_want(w, "OPEN in a forked child", a.err2, EPERM);
    if (revoke) {
        struct hsx_cap_revoke rv = {.id = m.id, .reason = HSX_CAP_END_EXPLICIT};
        int e = ioctl(admin.fd, HSX_IOC_CAP_REVOKE, &rv) ? errno : 0;
        count_errno(e);
        note(w, "chain: tenant: CAP_REVOKE(%llu) = %s", (unsigned long long)m.id,
             e ? strerror(e) : "ok");
        if (e)
            goto end;
        count(&stats->fs_revokes);
        count(&stats->revokes);
        a = t_do(w, sv[0], T_READ, 0, NULL, 0, h, 16);
        t_want(w, "READ through its handle once its capability was revoked", a.err, EKEYREVOKED);
        a = t_do(w, sv[0], T_OPEN, FZ_FS_UROOT, name, HSX_FS_O_RDONLY, -1, 0);
        t_want(w, "OPEN once its capability was revoked", a.err, EKEYREVOKED);
        /* its handles ended with the capability */
        if (own >= 0 && !c_info(w, own, FZ_FS_UROOT, &info) && info.handles)
            unexpected(w, "root %u has %u handles once its only holder's capability was revoked",
                       FZ_FS_UROOT, info.handles);
    } else {
        a = t_do(w, sv[0], T_CLOSE, 0, NULL, 0, h, 0);
        t_want(w, "CLOSE of its handle", a.err, 0);
        a = t_do(w, sv[0], T_CLOSE, 0, NULL, 0, h, 0);
        t_want(w, "CLOSE of a handle closed already", a.err, EINVAL);
    }
end:
    t_do(w, sv[0], T_EXIT, 0, NULL, 0, -1, 0);
    if (waitpid(pid, &st, 0) < 0)
        harness_fail("waitpid: %s", strerror(errno));
    else if (!WIFEXITED(st) || WEXITSTATUS(st))
        harness_fail("the tenant application ended with status %#x", st);
    if (own >= 0)
        exact(w, own, FZ_FS_UROOT, NULL, 0, "once the application exited");
out:
    if (fd >= 0)
        close(fd);
    if (own >= 0)
        close(own);
    pthread_mutex_unlock(&private_lock);
    close(sv[0]);
    close(admin.fd);
    t_admin_fd = -1;
    t_cap_id = 0;
}

/* ---- chain: capabilities --------------------------------------------------------------------- */

static void chain_fs_caps(struct fz_worker *w, struct fz_rng *r)
{
    struct fz_slot s;
    struct hsx_cap_query q0 = {.module = HSX_MODULE_FS}, q1 = {.module = HSX_MODULE_FS};
    struct hsx_fs_info info;
    struct hsx_fs_stat st = {0};
    char buf[512];
    uint32_t root;
    int h = -1, e[5];

    if (pick_slot_dup(r, K_FSS, &s) < 0)
        return;
    if (ioctl(s.fd, HSX_IOC_CAP_INFO, &q0) < 0)
        q0.cap.id = 0;
    if (s.kind == K_FS_I)
        root = s.index;
    else if (q0.cap.id && (q0.cap.sel.fs.roots & 7) && chance(r, 60)) {
        do
            root = rn(r, FZ_FS_TABLE);
        while (!(q0.cap.sel.fs.roots & (1U << root)));
    } else
        root = rn(r, FZ_FS_TABLE);
    if (root == FZ_FS_QROOT || root == FZ_FS_UROOT) { /* the chains' own */
        close(s.fd);
        return;
    }
    e[0] = c_info(w, s.fd, root, &info);
    e[1] = c_list(w, s.fd, root, "", buf, sizeof(buf));
    st.root = root;
    st.handle = -1;
    e[2] = fs_call(w, s.fd, HSX_IOC_FS_STAT, &st, root);
    e[3] = c_open(w, s.fd, root, pool[rn(r, POOL_N)], HSX_FS_O_RDONLY, &h);
    if (!e[3])
        c_handle(w, s.fd, HSX_IOC_FS_CLOSE, h, 0, root);
    e[4] = c_pathop(w, s.fd, HSX_IOC_FS_MKDIR, root, pool[rn(r, POOL_N)], NULL, 0);
    if (!s.privileged && enforcing && s.opener != getpid()) {
        /* a file another process opened: nothing works here */
        for (int i = 0; i < 5; i++)
            if (!e[i])
                unexpected(w, "FS call %d succeeded on a file another process opened (pid %d)", i,
                           (int)s.opener);
    } else if (q0.cap.id && ioctl(s.fd, HSX_IOC_CAP_INFO, &q1) == 0 && q1.cap.id == q0.cap.id &&
               q0.cap.state == HSX_CAP_STATE_ACTIVE && q1.cap.state == HSX_CAP_STATE_ACTIVE &&
               !s.privileged && enforcing) {
        bool covered = root < 32 && (q0.cap.sel.fs.roots & (1U << root));
        bool rd = covered && (q0.cap.rights & HSX_CAP_R_READ);
        bool wr = covered && (q0.cap.rights & HSX_CAP_R_WRITE);
        static const char *const what[] = {"FS_INFO", "FS_LISTDIR", "FS_STAT", "FS_OPEN",
                                           "FS_MKDIR"};
        count(&stats->fs_caps);
        for (int i = 0; i < 5; i++) {
            bool right = i == 4 ? wr : rd;
            if ((!e[i] && !right) || (e[i] == EACCES && right))
                unexpected(w, "%s on root %u: %s, capability %llu rights %#x roots %#x", what[i],
                           root, e[i] ? strerror(e[i]) : "success", (unsigned long long)q0.cap.id,
                           q0.cap.rights, q0.cap.sel.fs.roots);
        }
    }
    close(s.fd);
}

/* ---- chain: the traps ------------------------------------------------------------------------ */

struct trap_call {
    unsigned long cmd;
    uint32_t flags;
    const char *path, *path2;
    int want;
    bool write, mnt; /* needs the write right; root 0's mount */
};

static const struct trap_call trap_calls[] = {
    {HSX_IOC_FS_OPEN, HSX_FS_O_RDONLY, "etc/passwd", NULL, ELOOP, false, false},
    {HSX_IOC_FS_OPEN, HSX_FS_O_RDWR, "up/sentinel", NULL, ELOOP, true, false},
    {HSX_IOC_FS_OPEN, HSX_FS_O_RDONLY, "up", NULL, ELOOP, false, false},
    {HSX_IOC_FS_OPEN, HSX_FS_O_RDONLY, "fifo", NULL, EOPNOTSUPP, false, false},
    {HSX_IOC_FS_OPEN, HSX_FS_O_RDWR, "fifo", NULL, EOPNOTSUPP, true, false},
    {HSX_IOC_FS_OPEN, HSX_FS_O_RDWR | HSX_FS_O_CREAT, "mnt/x", NULL, EXDEV, true, true},
    {HSX_IOC_FS_OPEN, HSX_FS_O_RDONLY, "mnt", NULL, EXDEV, false, true},
    {HSX_IOC_FS_OPEN, HSX_FS_O_RDWR | HSX_FS_O_TRUNC, "dir0/ln", NULL, ELOOP, true, false},
    {HSX_IOC_FS_OPEN, HSX_FS_O_WRONLY | HSX_FS_O_CREAT, "etc/hsx-escape", NULL, ELOOP, true, false},
    {HSX_IOC_FS_STAT, 0, "etc", NULL, ELOOP, false, false},
    {HSX_IOC_FS_STAT, 0, "mnt", NULL, EXDEV, false, true},
    {HSX_IOC_FS_STAT, 0, "fifo", NULL, EOPNOTSUPP, false, false},
    {HSX_IOC_FS_STAT, 0, "up/sentinel", NULL, ELOOP, false, false},
    {HSX_IOC_FS_LISTDIR, 0, "up", NULL, ELOOP, false, false},
    {HSX_IOC_FS_LISTDIR, 0, "etc", NULL, ELOOP, false, false},
    {HSX_IOC_FS_LISTDIR, 0, "mnt", NULL, EXDEV, false, true},
    {HSX_IOC_FS_DELETE, 0, "fifo", NULL, EOPNOTSUPP, true, false},
    {HSX_IOC_FS_DELETE, 0, "etc", NULL, ELOOP, true, false},
    {HSX_IOC_FS_DELETE, 0, "up/sentinel", NULL, ELOOP, true, false},
    {HSX_IOC_FS_DELETE, 0, "mnt", NULL, EXDEV, true, true},
    {HSX_IOC_FS_RENAME, 0, "fifo", "zz", EOPNOTSUPP, true, false},
    {HSX_IOC_FS_RENAME, 0, "dir0/ln", "zz", ELOOP, true, false},
    {HSX_IOC_FS_RENAME, 0, "up", "zz", ELOOP, true, false},
    {HSX_IOC_FS_RENAME, 0, "dir0", "up/dir0", ELOOP, true, false},
    {HSX_IOC_FS_RENAME, 0, "mnt", "zz", EXDEV, true, true},
    {HSX_IOC_FS_MKDIR, 0, "up/new", NULL, ELOOP, true, false},
    {HSX_IOC_FS_MKDIR, 0, "mnt/new", NULL, EXDEV, true, true},
    {HSX_IOC_FS_REPLACE, 0, "up/sentinel", NULL, ELOOP, true, false},
    {HSX_IOC_FS_REPLACE, 0, "etc", NULL, ELOOP, true, false},
    {HSX_IOC_FS_REPLACE, 0, "fifo", NULL, EOPNOTSUPP, true, false},
    {HSX_IOC_FS_REPLACE, 0, "mnt/x", NULL, EXDEV, true, true},
    {HSX_IOC_FS_REPLACE, 0, "dir0/ln", NULL, ELOOP, true, false},
};
#define TRAP_CALLS_N (sizeof(trap_calls) / sizeof(trap_calls[0]))

static int trap_do(struct fz_worker *w, int fd, uint32_t root, const struct trap_call *t)
{
    static const char text[] = "OWNED through hsx\n";
    char buf[256];

    switch (t->cmd) {
    case HSX_IOC_FS_OPEN: {
        int h, e = c_open(w, fd, root, t->path, t->flags, &h);
        if (!e)
            c_handle(w, fd, HSX_IOC_FS_CLOSE, h, 0, root);
        return e;
    }
    case HSX_IOC_FS_STAT: {
        struct hsx_fs_stat st = {.root = root, .handle = -1, .path = pth(t->path)};
        return fs_call(w, fd, HSX_IOC_FS_STAT, &st, root);
    }
    case HSX_IOC_FS_LISTDIR:
        return c_list(w, fd, root, t->path, buf, sizeof(buf));
    case HSX_IOC_FS_REPLACE:
        return c_replace(w, fd, root, t->path, text, sizeof(text) - 1);
    default:
        return c_pathop(w, fd, t->cmd, root, t->path, t->path2, t->flags);
    }
}

/* The calls into root's traps, on fd: refused, exactly. */
static void traps_calls(struct fz_worker *w, struct fz_rng *r, int fd, uint32_t root)
{
    for (unsigned int n = 3 + rn(r, 6); n; n--) {
        const struct trap_call *t = &trap_calls[rn(r, TRAP_CALLS_N)];
        int want = t->write && defs[root].flags ? EROFS : t->want, e;
        if (t->mnt && root != 0)
            continue;
        e = trap_do(w, fd, root, t);
        count(&stats->fs_traps);
        /* the table may unbind the root meanwhile (and bind nothing: binds_lock) */
        if (e != want && e != ENXIO && e != ENODEV && root_home(root))
            unexpected(w, "%s of \"%s\"%s%s on root %u (a trap): %s, not %s", fs_name(t->cmd),
                       t->path, t->path2 ? " to " : "", t->path2 ? t->path2 : "", root,
                       e ? strerror(e) : "success", strerror(want));
    }
}

/*
 * Root: every function into the traps of a root of the table's, bound as the rig binds it:
 * refused, exactly. With binds_lock held exclusive it stays so, or is unbound.
 */
static void chain_fs_traps(struct fz_worker *w, struct fz_rng *r)
{
    uint32_t root = rn(r, FZ_FS_TABLE);
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC), fd = -1;
    char node[64];

    if (ctl < 0)
        return;
    if (chance(r, 50))
        snprintf(node, sizeof(node), "/dev/" HSX_DEV_FS);
    else
        snprintf(node, sizeof(node), "/dev/" HSX_DEV_FS "%u", root);
    pthread_rwlock_wrlock(&binds_lock);
    if (root_ours(w, ctl, root))
        fd = open(node, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        traps_calls(w, r, fd, root);
        close(fd);
    }
    pthread_rwlock_unlock(&binds_lock);
    close(ctl);
    if (fd >= 0)
        check_outside(w, "after calls into the traps");
}

/* The files and directories under a directory on its own filesystem, but the traps. */
struct prune_at {
    dev_t dev;
    bool top; /* its dir0 stays */
};

static void prune_entry(void *arg, const char *path, const char *name, const struct stat *st)
{
    const struct prune_at *at = arg;
    struct prune_at below = {.dev = at->dev, .top = false};

    if (S_ISREG(st->st_mode)) {
        unlink(path);
    } else if (S_ISDIR(st->st_mode) && st->st_dev == at->dev) {
        each_entry(path, prune_entry, &below);
        if (!at->top || strcmp(name, "dir0"))
            rmdir(path);
    }
}

/*
 * Root n's directory within its quotas again, n unbound: a root the table bound there with
 * quotas of its own may have filled it past them, and the rig's bind would then be refused
 * (EINVAL: the usage it declares is past its quota). Called with binds_lock held exclusive.
 */
static void trim_home(struct fz_worker *w, unsigned int n)
{
    struct fs_walk wk;
    char dir[128];
    struct stat st;

    walk_root(n, &wk);
    if (wk.bytes <= defs[n].quota_bytes && wk.files <= defs[n].quota_files)
        return;
    note(w, "chain: root %u's directory holds %" PRIu64 " bytes in %" PRIu64 " files: emptied", n,
         wk.bytes, wk.files);
    dir_path(dir, sizeof(dir), n);
    if (!stat(dir, &st))
        each_entry(dir, prune_entry, &(struct prune_at){.dev = st.st_dev, .top = true});
}

/*
 * Root: roots 0-2 back on their directories as the rig binds them, whoever unbound them, took
 * their numbers or bound them otherwise. With binds_lock held no table bind comes between: once
 * the roots that hold n's directory under another number are unbound and the directory is within
 * n's quotas, n's bind must succeed.
 */
static void fs_rebind(struct fz_worker *w)
{
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);

    if (ctl < 0)
        return;
    pthread_rwlock_wrlock(&binds_lock);
    for (unsigned int n = 0; n < FZ_FS_TABLE; n++) {
        if (root_ours(w, ctl, n))
            continue;
        unmap_root(ctl, n);
        for (unsigned int m = 0; m < HSX_FS_MAX_ROOTS; m++)
            if (m != n && root_path_is(m, n))
                unmap_root(ctl, m);
        trim_home(w, n);
        int e = map_home(ctl, n);
        note(w, "chain: root %u bound again: %s", n, e ? strerror(e) : "ok");
        if (e) {
            unexpected(w, "binding root %u to its directory again: %s", n, strerror(e));
            continue;
        }
        count(&stats->fs_binds);
        /* Its holders were unbound and no bind came since: the directory is n's alone. */
        for (unsigned int m = 0; m < HSX_FS_MAX_ROOTS; m++)
            if (m != n && root_path_is(m, n))
                unexpected(w, "root %u's directory is bound as root %u too", n, m);
    }
    pthread_rwlock_unlock(&binds_lock);
    close(ctl);
}

/*
 * A chain draws from a stream of its own, seeded from the worker's: how many draws it makes
 * depends on the kernel's answers, and the worker's calls after it must not. The uid 1000
 * process (and a forked child) tries what its capabilities allow.
 */
void chain_fs(struct fz_worker *w)
{
    uint32_t k = rn(&w->rng, 100);
    struct fz_rng lr = {.s = rnd(&w->rng)};
    bool admin = is_root && !w->child;

    if (!have_fs)
        return;
    if (!admin)
        PROF(P_FS_CAPS, chain_fs_caps(w, &lr));
    else if (k < 30)
        PROF(P_FS_QUOTA, chain_fs_quota(w, &lr));
    else if (k < 42)
        PROF(P_FS_UNMAP, chain_fs_unmap(w, &lr));
    else if (k < 56)
        PROF(P_FS_TENANT, chain_fs_tenant(w, &lr));
    else if (k < 64)
        PROF(P_FS_CAPS, chain_fs_caps(w, &lr));
    else if (k < 84)
        PROF(P_FS_TRAPS, chain_fs_traps(w, &lr));
    else if (k < 92)
        PROF(P_FS_OUTSIDE, check_outside(w, "between calls"));
    else
        PROF(P_FS_REBIND, fs_rebind(w));
}

/* ---- setting up and tearing down ------------------------------------------------------------- */

static bool rig_dir(const char *path, uid_t uid, mode_t mode)
{
    return (!mkdir(path, mode) || errno == EEXIST) && !chown(path, uid, uid) && !chmod(path, mode);
}

static bool rig_file(const char *path, const char *text, uid_t uid, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

    if (fd >= 0)
        close(fd);
    return ok && !chown(path, uid, uid) && !chmod(path, mode);
}

static bool rig_traps(const char *dir, bool mnt)
{
    char p[160], q[160];
    bool ok;

    snprintf(p, sizeof(p), "%s/etc", dir);
    ok = !symlink("/etc", p) && !lchown(p, FZ_FS_OWNER, FZ_FS_OWNER);
    snprintf(p, sizeof(p), "%s/up", dir);
    ok = ok && !symlink("../outside", p) && !lchown(p, FZ_FS_OWNER, FZ_FS_OWNER);
    snprintf(p, sizeof(p), "%s/fifo", dir);
    ok = ok && !mkfifo(p, 0600) && !chown(p, FZ_FS_OWNER, FZ_FS_OWNER);
    snprintf(p, sizeof(p), "%s/dir0", dir);
    snprintf(q, sizeof(q), "%s/dir0/ln", dir);
    ok = ok && rig_dir(p, FZ_FS_OWNER, 0700) && !symlink("../../outside/sentinel", q) &&
         !lchown(q, FZ_FS_OWNER, FZ_FS_OWNER);
    if (mnt) {
        snprintf(p, sizeof(p), "%s/mnt", dir);
        ok = ok && rig_dir(p, FZ_FS_OWNER, 0700) &&
             !mount("hsx-fuzz-mnt", p, "tmpfs", 0, "size=64k,mode=0777");
    }
    return ok;
}

bool fs_setup(void)
{
    char dir[128];
    int ctl;
    bool ok;

    if (access("/dev/" HSX_DEV_FS, F_OK))
        return false;
    ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);
    if (ctl < 0)
        return false;
    for (unsigned int n = 0; n < FZ_FS_ROOTS; n++)
        unmap_root(ctl, n); /* what a killed run left */
    umount2(FZ_FS_TOP "/r0/mnt", MNT_DETACH);
    umount2(FZ_FS_TOP, MNT_DETACH);
    mkdir(FZ_FS_TOP, 0755);
    if (mount("hsx-fuzz-fs", FZ_FS_TOP, "tmpfs", 0, "size=4m,mode=0755")) {
        fprintf(stderr, "hsx_fuzz: mounting a tmpfs on " FZ_FS_TOP ": %s\n", strerror(errno));
        close(ctl);
        return false;
    }
    fs_mounted = true;
    ok = rig_dir(FZ_FS_OUTSIDE, FZ_FS_OWNER, 0700) &&
         rig_file(FZ_FS_SENTINEL, "SENTINEL: outside every root; never to change\n", FZ_FS_OWNER,
                  0600) &&
         rig_dir(FZ_FS_OUTSIDE "/dir", FZ_FS_OWNER, 0700) &&
         rig_file(FZ_FS_OUTSIDE "/dir/inner", "inner\n", FZ_FS_OWNER, 0600) &&
         rig_file(FZ_FS_TOP "/plain", "a regular file\n", 0, 0644);
    for (unsigned int n = 0; ok && n < FZ_FS_ROOTS; n++) {
        dir_path(dir, sizeof(dir), n);
        ok = rig_dir(dir, FZ_FS_OWNER, 0700) && (!defs[n].traps || rig_traps(dir, n == 0));
        if (ok && n == 2) {
            snprintf(dir, sizeof(dir), FZ_FS_TOP "/r2/ro.txt");
            ok = rig_file(dir, "read only\n", FZ_FS_OWNER, 0600);
        }
    }
    for (unsigned int n = 0; ok && n < FZ_FS_SCRATCH; n++) {
        snprintf(dir, sizeof(dir), FZ_FS_TOP "/m%u", n);
        ok = rig_dir(dir, FZ_FS_OWNER, 0700) &&
             (scratch_fd[n] = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0;
    }
    if (ok) {
        bound_dir_fd = open(FZ_FS_TOP "/r0", O_PATH | O_DIRECTORY | O_CLOEXEC);
        file_fd = open(FZ_FS_TOP "/plain", O_PATH | O_CLOEXEC);
        ok = bound_dir_fd >= 0 && file_fd >= 0;
    }
    if (!ok)
        fprintf(stderr, "hsx_fuzz: making the FS rig: %s\n", strerror(errno));
    for (unsigned int n = 0; ok && n < FZ_FS_ROOTS; n++) {
        struct hsx_fs_info info = {.root = n};
        struct fs_walk wk;
        int e = map_home(ctl, n);

        walk_root(n, &wk);
        if (e || ioctl(ctl, HSX_IOC_FS_INFO, &info) || !info.bound || info.used_bytes != wk.bytes ||
            info.used_files != wk.files) {
            fprintf(stderr,
                    "hsx_fuzz: FS root %u: MAP %s, bound %u, %llu bytes and %llu files (a walk: "
                    "%llu, %llu)\n",
                    n, e ? strerror(e) : "ok", info.bound, (unsigned long long)info.used_bytes,
                    (unsigned long long)info.used_files, (unsigned long long)wk.bytes,
                    (unsigned long long)wk.files);
            ok = false;
        }
    }
    close(ctl);
    snap_take(snap0, sizeof(snap0));
    return ok;
}

/*
 * With every file closed: no handle left, each root's usage what a walk finds, nothing outside
 * the roots changed. Then every root unbound (the table's MAP binds some) and the tmpfs gone.
 */
void fs_teardown(void)
{
    static struct fz_worker w = {.index = 99};
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);

    if (!fs_mounted)
        goto out;
    if (have_fs && ctl >= 0) {
        for (unsigned int n = 0; n < FZ_FS_ROOTS; n++)
            if (root_home(n))
                exact(&w, ctl, n, NULL, 0, "at the end, every file closed");
        check_outside(&w, "at the end");
    }
    for (unsigned int n = 0; ctl >= 0 && n < HSX_FS_MAX_ROOTS; n++) {
        int e = unmap_root(ctl, n);
        if (e && e != ENXIO)
            fprintf(stderr, "hsx_fuzz: unbinding FS root %u: %s\n", n, strerror(e));
    }
    for (unsigned int n = 0; n < FZ_FS_SCRATCH; n++)
        if (scratch_fd[n] >= 0)
            close(scratch_fd[n]), scratch_fd[n] = -1;
    if (bound_dir_fd >= 0)
        close(bound_dir_fd), bound_dir_fd = -1;
    if (file_fd >= 0)
        close(file_fd), file_fd = -1;
    umount2(FZ_FS_TOP "/r0/mnt", MNT_DETACH);
    if (umount2(FZ_FS_TOP, MNT_DETACH))
        fprintf(stderr, "hsx_fuzz: unmounting " FZ_FS_TOP ": %s\n", strerror(errno));
    rmdir(FZ_FS_TOP);
    fs_mounted = false;
out:
    if (ctl >= 0)
        close(ctl);
}

void fs_print_stats(void)
{
    printf("hsx_fuzz: fs: opens %" PRIu64 ", bytes written %" PRIu64 ", exact checks %" PRIu64
           ", quota refusals seen %" PRIu64 ", trap calls %" PRIu64 ", revokes %" PRIu64
           ", unbinds under load %" PRIu64 ", applications %" PRIu64 ", capability checks %" PRIu64
           ", MAP binds %" PRIu64 ", unbinds %" PRIu64 "\n",
           stats->fs_opens, stats->fs_bytes, stats->fs_exact, stats->fs_quota, stats->fs_traps,
           stats->fs_revokes, stats->fs_unmaps, stats->fs_forks, stats->fs_caps, stats->fs_binds,
           stats->fs_unbinds);
}
