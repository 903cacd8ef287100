/* SPDX-License-Identifier: MIT */
#include "e2e.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static void e2e_vpath(char *buf, size_t len, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, len, fmt, ap);

    assert_true(n > 0 && (size_t)n < len);
}

uint64_t e2e_sysfs_u64(const char *fmt, ...)
{
    char path[256], text[64];
    unsigned long long value;
    char *end;
    va_list ap;
    FILE *f;

    va_start(ap, fmt);
    e2e_vpath(path, sizeof(path), fmt, ap);
    va_end(ap);

    f = fopen(path, "re");
    if (!f)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    if (!fgets(text, sizeof(text), f)) {
        fclose(f);
        fail_msg("cannot read %s", path);
    }
    fclose(f);
    errno = 0;
    value = strtoull(text, &end, 10);
    if (errno || end == text || (*end != '\n' && *end != '\0'))
        fail_msg("%s: not a number: %s", path, text);
    return value;
}

int e2e_exists(const char *fmt, ...)
{
    char path[256];
    va_list ap;

    va_start(ap, fmt);
    e2e_vpath(path, sizeof(path), fmt, ap);
    va_end(ap);
    return access(path, F_OK) == 0;
}

uint64_t e2e_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t e2e_wait_sysfs(uint64_t want, int at_least, const char *path)
{
    uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    uint64_t value;

    for (;;) {
        value = e2e_sysfs_u64("%s", path);
        if (value == want || (at_least && value >= want))
            return value;
        if (e2e_now_ms() > deadline)
            return value;
        usleep(10000);
    }
}

int e2e_open_node(const char *name)
{
    char path[64];
    int fd;

    snprintf(path, sizeof(path), "/dev/hsx/%s", name);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    return fd;
}

int e2e_ioctl(int fd, unsigned long cmd, void *arg)
{
    int ret = ioctl(fd, cmd, arg);

    return ret < 0 ? -errno : ret;
}
