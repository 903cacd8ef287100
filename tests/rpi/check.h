/* SPDX-License-Identifier: MIT */
/*
 * What the emulated Raspberry Pi's checks (dt_check.c, uart_check.c,
 * can_check.c) share: the first reason a check fails, its PASS or FAIL
 * line, reading and writing sysfs files, the tree's big-endian cells,
 * hsx's device nodes. Included once by each check program; inline, so a
 * program need not use it all.
 */
#ifndef HSX_RPI_CHECK_H
#define HSX_RPI_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int failed, passed;
static char why[512];

/* Record the first reason a check fails; the check reports it. */
__attribute__((format(printf, 1, 2))) static inline void fail(const char *fmt, ...)
{
    va_list ap;

    if (why[0])
        return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
}

/* "PASS <name><suffix>[ (detail)]" or "FAIL <name><suffix>: why"; the check is over. */
static inline void report_as(const char *name, const char *suffix, const char *detail)
{
    if (why[0]) {
        printf("FAIL %s%s: %s\n", name, suffix, why);
        failed++;
    } else if (detail) {
        printf("PASS %s%s (%s)\n", name, suffix, detail);
        passed++;
    } else {
        printf("PASS %s%s\n", name, suffix);
        passed++;
    }
    fflush(stdout);
    why[0] = '\0';
}

static inline ssize_t read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = read(fd, buf, len - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

static inline int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int ret = 0;

    if (fd < 0)
        return -errno;
    if (write(fd, text, strlen(text)) < 0)
        ret = -errno;
    close(fd);
    return ret;
}

static inline uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* /dev/hsx/<name>, read-write; a failure is the check's. */
static inline int open_node(const char *name)
{
    char path[64];
    int fd;

    snprintf(path, sizeof(path), "/dev/hsx/%s", name);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        fail("open %s: %s", path, strerror(errno));
    return fd;
}

static inline int hsx_ioctl(int fd, unsigned long req, void *arg)
{
    return ioctl(fd, req, arg) ? -errno : 0;
}

#endif /* HSX_RPI_CHECK_H */
