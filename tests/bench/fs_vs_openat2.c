/* SPDX-License-Identifier: MIT */
/*
 * FS through hsx against the peer baseline, an application confining itself
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
 * RESOLVE_NO_XDEV) from a directory descriptor and using read()/write() on
 * what it opened, in the same VM run and on the same filesystem: two sibling
 * directories, "hsx" (a root bound with HSX_IOC_FS_MAP, used through the raw
 * HSX_IOC_FS_* ioctls on /dev/hsx/fs, as root: no capability to check) and
 * "peer" (the dirfd openat2 resolves beneath). Both a tmpfs and, when the
 * VM can make one (mkfs.ext4, loop.ko, ext4.ko), ext4 on a loop device.
 *
 *   - small files per second: SMALL_FILES files created, SMALL_SIZE bytes
 *     written, closed (OPEN with CREAT|TRUNC, WRITE, CLOSE against openat2
 *     O_CREAT|O_WRONLY|O_TRUNC 0600, write(), close()); removed after each
 *     round (not timed), so every round creates;
 *   - sequential write and read, MB/s: a BIG_SIZE file written (created,
 *     truncated) and read back in calls of 64 KiB and of 1 MiB (HSX_FS_XFER_MAX),
 *     what was read compared with what was written;
 *   - per-operation cost, microseconds: STAT by path against fstatat(dirfd,
 *     AT_SYMLINK_NOFOLLOW), and a 1-byte READ with HSX_FS_IO_AT against a
 *     1-byte pread(), OPS of each on a small file; the overhead stated is hsx's
 *     time less the peer's.
 *
 * Before each timed phase the filesystem is synced (syncfs, not timed), so
 * one side's writeback does not land in the other's time on ext4.
 *
 * Noise under TCG is large: ROUNDS rounds, the sides alternating which goes
 * first; each figure is the median of the rounds and its ratio the median of
 * the rounds' ratios (hsx / openat2; for the per-operation costs, hsx's time
 * over the peer's). Prints a table per filesystem and a BENCH line each;
 * exits non-zero only when a step failed or data came back wrong, never on
 * the numbers.
 *
 * With --paths, where hsx's time goes in a transfer: two more sides on each
 * filesystem, the openat2 side reading and writing through a 64 KiB buffer
 * of its own (a memcpy per chunk, as hsx.ko's bounce buffer adds a copy), and
 * hsx in 4 KiB calls (the per-call cost without the copies' weight).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <hsx_uapi.h>

#define BASE "/run/fs-bench"
#define ROUNDS 5
#define SMALL_FILES 1000 /* per round and side */
#define SMALL_SIZE 256   /* bytes each */
#define BIG_SIZE (32u << 20)
#define OPS 20000     /* stats and 1-byte reads per round and side */
#define BOUNCE 65536  /* --paths: the peer's own buffer, as hsx.ko's chunk */
#define TMPFS_MIB 256 /* the tmpfs's size */
#define EXT4_MIB 192  /* the ext4 image's */
#define NXFER 2       /* call sizes of the transfers */
#define NMEAS 7       /* small, write x NXFER, read x NXFER, stat, pread */

static const uint32_t xfer[NXFER] = {64 * 1024, HSX_FS_XFER_MAX};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "fs_vs_openat2: %s: %s (errno %d)\n", what, strerror(errno), errno);
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the two sides' operations: a handle or fd, bytes, or -1 with errno ---------- */

struct side {
    const char *name;
    int (*open)(const char *name, bool write); /* write: create, truncate */
    long (*write)(int h, const void *buf, uint32_t len);
    long (*read)(int h, void *buf, uint32_t len);
    long (*pread)(int h, void *buf, uint32_t len, uint64_t at);
    int (*close)(int h);
    int (*stat)(const char *name, uint64_t *size);
    int (*remove)(const char *name);
    uint32_t call; /* --paths: every transfer in calls of this many bytes; else 0 */
};

static int fsnode = -1;  /* /dev/hsx/fs */
static uint32_t root;    /* the root bound to <mnt>/hsx */
static int peerdir = -1; /* <mnt>/peer */

static int fs_ioctl(unsigned long cmd, void *arg)
{
    return ioctl(fsnode, cmd, arg);
}

static struct hsx_fs_path fs_path(const char *p)
{
    return (struct hsx_fs_path){.ptr = (uintptr_t)p, .len = (uint32_t)strlen(p)};
}

static int hsx_open(const char *name, bool write)
{
    struct hsx_fs_open o = {.root = root,
                            .flags = write ? HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_TRUNC
                                           : HSX_FS_O_RDONLY,
                            .path = fs_path(name)};

    return fs_ioctl(HSX_IOC_FS_OPEN, &o) ? -1 : o.handle;
}

static long hsx_io(unsigned long cmd, int h, const void *buf, uint32_t len, int64_t at)
{
    struct hsx_fs_io io = {.handle = h, .buf = (uintptr_t)buf, .len = len};

    if (at >= 0) {
        io.flags = HSX_FS_IO_AT;
        io.offset = (uint64_t)at;
    }
    return fs_ioctl(cmd, &io) ? -1 : (long)io.done;
}

static long hsx_write(int h, const void *buf, uint32_t len)
{
    return hsx_io(HSX_IOC_FS_WRITE, h, buf, len, -1);
}

static long hsx_read(int h, void *buf, uint32_t len)
{
    return hsx_io(HSX_IOC_FS_READ, h, buf, len, -1);
}

static long hsx_pread(int h, void *buf, uint32_t len, uint64_t at)
{
    return hsx_io(HSX_IOC_FS_READ, h, buf, len, (int64_t)at);
}

static int hsx_close(int h)
{
    struct hsx_fs_handle_op op = {.handle = h};

    return fs_ioctl(HSX_IOC_FS_CLOSE, &op);
}

static int hsx_stat(const char *name, uint64_t *size)
{
    struct hsx_fs_stat st = {.root = root, .handle = -1, .path = fs_path(name)};

    if (fs_ioctl(HSX_IOC_FS_STAT, &st))
        return -1;
    *size = st.size;
    return 0;
}

static int hsx_remove(const char *name)
{
    struct hsx_fs_pathop op = {.root = root, .path = fs_path(name)};

    return fs_ioctl(HSX_IOC_FS_DELETE, &op);
}

static int peer_open(const char *name, bool write)
{
    struct open_how how = {.flags = (write ? O_CREAT | O_WRONLY | O_TRUNC : O_RDONLY) | O_CLOEXEC,
                           .mode = write ? 0600 : 0,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                      RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};

    return (int)syscall(SYS_openat2, peerdir, name, &how, sizeof(how));
}

static long peer_write(int fd, const void *buf, uint32_t len)
{
    return write(fd, buf, len);
}

static long peer_read(int fd, void *buf, uint32_t len)
{
    return read(fd, buf, len);
}

static long peer_pread(int fd, void *buf, uint32_t len, uint64_t at)
{
    return pread(fd, buf, len, (off_t)at);
}

static int peer_stat(const char *name, uint64_t *size)
{
    struct stat st;

    if (fstatat(peerdir, name, &st, AT_SYMLINK_NOFOLLOW))
        return -1;
    *size = (uint64_t)st.st_size;
    return 0;
}

static int peer_remove(const char *name)
{
    return unlinkat(peerdir, name, 0);
}

/* --paths: the peer through a buffer of its own, one more copy per chunk, as hsx.ko's. */
static uint8_t bounce[BOUNCE];

static long bounce_write(int fd, const void *buf, uint32_t len)
{
    uint32_t done = 0;

    while (done < len) {
        uint32_t n = len - done < BOUNCE ? len - done : BOUNCE;
        memcpy(bounce, (const uint8_t *)buf + done, n);
        long got = write(fd, bounce, n);
        if (got <= 0)
            return done ? (long)done : got;
        done += (uint32_t)got;
    }
    return done;
}

static long bounce_read(int fd, void *buf, uint32_t len)
{
    uint32_t done = 0;

    while (done < len) {
        uint32_t n = len - done < BOUNCE ? len - done : BOUNCE;
        long got = read(fd, bounce, n);
        if (got <= 0)
            return done ? (long)done : got;
        memcpy((uint8_t *)buf + done, bounce, (size_t)got);
        done += (uint32_t)got;
        if ((uint32_t)got < n)
            break;
    }
    return done;
}

#define HSX_OPS                                                                                    \
    .open = hsx_open, .write = hsx_write, .read = hsx_read, .pread = hsx_pread,                    \
    .close = hsx_close, .stat = hsx_stat, .remove = hsx_remove
#define PEER_OPS                                                                                   \
    .open = peer_open, .write = peer_write, .read = peer_read, .pread = peer_pread,                \
    .close = close, .stat = peer_stat, .remove = peer_remove

static const struct side hsx_side = {.name = "hsx", HSX_OPS};
static const struct side peer_side = {.name = "openat2", PEER_OPS};
/* --paths only */
static const struct side bounce_side = {.name = "openat2 + 64 KiB copy",
                                        .open = peer_open,
                                        .write = bounce_write,
                                        .read = bounce_read,
                                        .pread = peer_pread,
                                        .close = close,
                                        .stat = peer_stat,
                                        .remove = peer_remove};
static const struct side hsx4k_side = {.name = "hsx in 4 KiB calls", HSX_OPS, .call = 4096};

/* ---- one round of one side ------------------------------------------------------ */

struct result {
    double v[NMEAS]; /* files/s; write MB/s per xfer; read MB/s per xfer; stat us; pread us */
};

static int syncfd = -1; /* the filesystem under test, for syncfs() */

static void settle(void)
{
    if (syncfs(syncfd))
        die("syncfs");
}

static void small_name(char *buf, size_t size, int i)
{
    snprintf(buf, size, "small-%04d", i);
}

static double seconds_since(uint64_t t0)
{
    return (double)(now_ns() - t0) / 1e9;
}

static struct result run_side(const struct side *s, const uint8_t *out, uint8_t *in)
{
    struct result r;
    char name[32];
    uint64_t t0, size;

    /* small files */
    settle();
    t0 = now_ns();
    for (int i = 0; i < SMALL_FILES; i++) {
        small_name(name, sizeof(name), i);
        int h = s->open(name, true);
        if (h < 0)
            die("create a small file");
        if (s->write(h, out + i, SMALL_SIZE) != SMALL_SIZE)
            die("write a small file");
        if (s->close(h))
            die("close a small file");
    }
    r.v[0] = SMALL_FILES / seconds_since(t0);
    small_name(name, sizeof(name), SMALL_FILES - 1);
    if (s->stat(name, &size) || size != SMALL_SIZE) {
        fprintf(stderr, "fs_vs_openat2: %s: the last small file is not %d bytes\n", s->name,
                SMALL_SIZE);
        exit(2);
    }

    /* sequential transfers */
    for (int x = 0; x < NXFER; x++) {
        uint32_t call = s->call ? s->call : xfer[x];
        int h;

        settle();
        t0 = now_ns();
        if ((h = s->open("big", true)) < 0)
            die("create the big file");
        for (uint32_t at = 0; at < BIG_SIZE; at += call)
            if (s->write(h, out + at, call) != (long)call)
                die("write the big file");
        if (s->close(h))
            die("close the big file");
        r.v[1 + x] = BIG_SIZE / (seconds_since(t0) * 1e6);

        memset(in, 0, BIG_SIZE);
        settle();
        t0 = now_ns();
        if ((h = s->open("big", false)) < 0)
            die("open the big file");
        for (uint32_t at = 0; at < BIG_SIZE; at += call)
            if (s->read(h, in + at, call) != (long)call)
                die("read the big file");
        if (s->read(h, in, 1) != 0) {
            fprintf(stderr, "fs_vs_openat2: %s: the big file is longer than written\n", s->name);
            exit(2);
        }
        if (s->close(h))
            die("close the big file");
        r.v[1 + NXFER + x] = BIG_SIZE / (seconds_since(t0) * 1e6);
        if (memcmp(in, out, BIG_SIZE)) {
            fprintf(stderr, "fs_vs_openat2: %s read back other bytes than it wrote\n", s->name);
            exit(2);
        }
    }

    /* per-operation costs, on the small file written first */
    small_name(name, sizeof(name), 0);
    settle();
    t0 = now_ns();
    for (int i = 0; i < OPS; i++)
        if (s->stat(name, &size) || size != SMALL_SIZE)
            die("stat");
    r.v[1 + 2 * NXFER] = seconds_since(t0) * 1e6 / OPS;
    int h = s->open(name, false);
    if (h < 0)
        die("open a small file");
    uint8_t byte;
    t0 = now_ns();
    for (int i = 0; i < OPS; i++)
        if (s->pread(h, &byte, 1, (uint64_t)(i % SMALL_SIZE)) != 1)
            die("1-byte read");
    r.v[2 + 2 * NXFER] = seconds_since(t0) * 1e6 / OPS;
    if (byte != out[(OPS - 1) % SMALL_SIZE]) {
        fprintf(stderr, "fs_vs_openat2: %s: a 1-byte read read another byte\n", s->name);
        exit(2);
    }
    if (s->close(h))
        die("close a small file");

    /* removed, so the next round creates again (not timed) */
    for (int i = 0; i < SMALL_FILES; i++) {
        small_name(name, sizeof(name), i);
        if (s->remove(name))
            die("remove a small file");
    }
    return r;
}

/* ---- the filesystems ------------------------------------------------------------ */

static void mkdir_p(const char *path, mode_t mode)
{
    if (mkdir(path, mode) && errno != EEXIST)
        die(path);
}

static bool mount_tmpfs(const char *mnt)
{
    char opts[64];

    mkdir_p(mnt, 0755);
    snprintf(opts, sizeof(opts), "size=%um,mode=0755", TMPFS_MIB);
    if (mount("fs-bench", mnt, "tmpfs", MS_NOSUID | MS_NODEV, opts)) {
        fprintf(stderr, "fs_vs_openat2: mount tmpfs on %s: %s\n", mnt, strerror(errno));
        return false;
    }
    return true;
}

/* mkfs.ext4 on an image in BASE, on a free loop device, mounted on mnt; false if it cannot. */
static bool mount_ext4(const char *img, const char *mnt)
{
    char cmd[256], dev[32];
    int ifd, ctl, lfd, n;

    ifd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (ifd < 0 || ftruncate(ifd, (off_t)EXT4_MIB << 20))
        die(img);
    snprintf(cmd, sizeof(cmd),
             "mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 %s >/dev/null 2>&1", img);
    ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (system(cmd) || ctl < 0 || (n = ioctl(ctl, LOOP_CTL_GET_FREE)) < 0) {
        fprintf(stderr, "fs_vs_openat2: no ext4 on a loop device here (mkfs.ext4, loop.ko)\n");
        close(ifd);
        if (ctl >= 0)
            close(ctl);
        unlink(img);
        return false;
    }
    snprintf(dev, sizeof(dev), "/dev/loop%d", n);
    lfd = open(dev, O_RDWR | O_CLOEXEC);
    struct loop_config cfg = {.fd = (uint32_t)ifd, .info.lo_flags = LO_FLAGS_AUTOCLEAR};
    if (lfd < 0 || ioctl(lfd, LOOP_CONFIGURE, &cfg))
        die(dev);
    mkdir_p(mnt, 0755);
    if (mount(dev, mnt, "ext4", MS_NOSUID | MS_NODEV, NULL)) {
        fprintf(stderr, "fs_vs_openat2: mount ext4 %s on %s: %s\n", dev, mnt, strerror(errno));
        close(lfd);
        close(ifd);
        close(ctl);
        unlink(img);
        return false;
    }
    close(lfd); /* the mount holds it; detached by itself when unmounted */
    close(ifd);
    close(ctl);
    return true;
}

/* <mnt>/hsx bound as a root (first free), <mnt>/peer the openat2 side's dirfd. */
static void sides_up(const char *mnt)
{
    char path[128];
    int ctl = open("/dev/hsx/ctl", O_RDWR | O_CLOEXEC);

    snprintf(path, sizeof(path), "%s/hsx", mnt);
    mkdir_p(path, 0700);
    struct hsx_fs_map m = {.flags = HSX_FS_MAP_ANY,
                           .dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC),
                           .quota_bytes = 1ull << 40,
                           .quota_files = 1u << 20};
    if (ctl < 0 || m.dirfd < 0 || ioctl(ctl, HSX_IOC_FS_MAP, &m))
        die("HSX_IOC_FS_MAP");
    close(m.dirfd);
    close(ctl);
    root = m.root;
    snprintf(path, sizeof(path), "%s/peer", mnt);
    mkdir_p(path, 0700);
    peerdir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    syncfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (peerdir < 0 || syncfd < 0)
        die(path);
}

static void sides_down(const char *mnt)
{
    int ctl = open("/dev/hsx/ctl", O_RDWR | O_CLOEXEC);
    struct hsx_fs_map m = {.root = root, .dirfd = -1};

    if (ctl < 0 || ioctl(ctl, HSX_IOC_FS_MAP, &m))
        die("unmapping the root");
    close(ctl);
    close(peerdir);
    close(syncfd);
    if (umount2(mnt, MNT_DETACH))
        die("umount");
}

/* ---- the measures --------------------------------------------------------------- */

static const char *const meas_name[NMEAS] = {"small files created+written+closed per s",
                                             "write, MB/s, 64 KiB calls",
                                             "write, MB/s, 1 MiB calls",
                                             "read, MB/s, 64 KiB calls",
                                             "read, MB/s, 1 MiB calls",
                                             "stat by path, us",
                                             "1-byte pread, us"};
static const char *const meas_target[NMEAS] = {"", ">= 0.9", ">= 0.9", ">= 0.9", ">= 0.9", "", ""};
static const char *const meas_key[NMEAS] = {"small_ratio",   "write64k_ratio", "write1m_ratio",
                                            "read64k_ratio", "read1m_ratio",   "stat_ratio",
                                            "pread_ratio"};

static bool is_time(int m)
{
    return m >= 1 + 2 * NXFER;
}

/* ROUNDS rounds of the sides on the filesystem at mnt; the table and BENCH line. */
static void bench_fs(const char *fsname, const char *mnt, const struct side *const *sides,
                     int nsides, const uint8_t *out, uint8_t *in)
{
    static struct result res[4][ROUNDS];
    double v[ROUNDS], ratio[ROUNDS], med[4][NMEAS], rmed[4][NMEAS];
    uint64_t start = now_ns();

    sides_up(mnt);
    printf("fs on %s: %d rounds; per side and round %d files of %d bytes, a %u MiB file written "
           "and read in 64 KiB and 1 MiB calls, %d stats and %d 1-byte reads\n",
           fsname, ROUNDS, SMALL_FILES, SMALL_SIZE, BIG_SIZE >> 20, OPS, OPS);
    for (int round = 0; round < ROUNDS; round++) {
        /* The sides take turns going first. */
        for (int i = 0; i < nsides; i++) {
            int k = (i + round) % nsides;
            res[k][round] = run_side(sides[k], out, in);
        }
        printf("  round %d:", round);
        for (int k = 0; k < nsides; k++) {
            const double *x = res[k][round].v;
            printf(" %s %.0f/s %.0f %.0f %.0f %.0f MB/s %.2f %.2f us%s", sides[k]->name, x[0], x[1],
                   x[2], x[3], x[4], x[5], x[6], k + 1 < nsides ? ";" : "\n");
        }
    }
    for (int k = 0; k < nsides; k++)
        for (int m = 0; m < NMEAS; m++) {
            for (int round = 0; round < ROUNDS; round++) {
                v[round] = res[k][round].v[m];
                ratio[round] = res[k][round].v[m] / res[1][round].v[m];
            }
            med[k][m] = median(v, ROUNDS);
            rmed[k][m] = median(ratio, ROUNDS);
        }
    printf("fs on %s, %d rounds, %.0f s; all data read back equal\n", fsname, ROUNDS,
           (double)(now_ns() - start) / 1e9);
    printf("| measure (median of rounds) | hsx | openat2 | hsx / openat2 | target |\n"
           "|---|---|---|---|---|\n");
    for (int m = 0; m < NMEAS; m++)
        printf("| %s | %.*f | %.*f | %.2f | %s |\n", meas_name[m], is_time(m) ? 2 : 0, med[0][m],
               is_time(m) ? 2 : 0, med[1][m], rmed[0][m], meas_target[m]);
    printf("| per small file, us | %.1f | %.1f | %+.1f | |\n", 1e6 / med[0][0], 1e6 / med[1][0],
           1e6 / med[0][0] - 1e6 / med[1][0]);
    printf("overhead per operation, hsx less openat2: stat %+.2f us, 1-byte read %+.2f us, "
           "small file %+.1f us\n",
           med[0][5] - med[1][5], med[0][6] - med[1][6], 1e6 / med[0][0] - 1e6 / med[1][0]);
    for (int k = 2; k < nsides; k++) {
        printf("  %s, MB/s (of openat2's):", sides[k]->name);
        for (int m = 1; m <= 2 * NXFER; m++)
            if (!sides[k]->call || m == 1 || m == 1 + NXFER)
                printf(" %s %.0f (%.2f)", meas_name[m], med[k][m], rmed[k][m]);
        printf("\n");
    }
    printf("BENCH fs_%s", fsname);
    for (int m = 0; m < NMEAS; m++)
        printf(" %s=%.2f", meas_key[m], rmed[0][m]);
    printf(" stat_overhead_us=%.2f pread_overhead_us=%.2f small_overhead_us=%.1f\n",
           med[0][5] - med[1][5], med[0][6] - med[1][6], 1e6 / med[0][0] - 1e6 / med[1][0]);
    fflush(stdout);
    sides_down(mnt);
}

int main(int argc, char **argv)
{
    const struct side *sides[4] = {&hsx_side, &peer_side, &bounce_side, &hsx4k_side};
    int nsides = 2;

    if (argc == 2 && !strcmp(argv[1], "--paths"))
        nsides = 4;
    else if (argc != 1) {
        fprintf(stderr, "usage: fs_vs_openat2 [--paths]\n");
        return 1;
    }
    uint8_t *out = malloc(BIG_SIZE + SMALL_FILES), *in = malloc(BIG_SIZE);
    if (!out || !in)
        die("malloc");
    for (uint32_t i = 0; i < BIG_SIZE + SMALL_FILES; i++)
        out[i] = (uint8_t)(i * 7 + i / 251);
    fsnode = open("/dev/hsx/fs", O_RDWR | O_CLOEXEC);
    if (fsnode < 0)
        die("/dev/hsx/fs");

    mkdir_p(BASE, 0755);
    if (mount_tmpfs(BASE "/tmpfs"))
        bench_fs("tmpfs", BASE "/tmpfs", sides, nsides, out, in);
    else
        return 1;
    if (mount_ext4(BASE "/ext4.img", BASE "/ext4")) {
        bench_fs("ext4", BASE "/ext4", sides, nsides, out, in);
        unlink(BASE "/ext4.img");
    }
    close(fsnode);
    free(out);
    free(in);
    return 0;
}
