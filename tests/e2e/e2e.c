/* SPDX-License-Identifier: MIT */
#include "e2e.h"
#include "hsx_uapi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

int e2e_module_unload(const char *name)
{
    uint64_t deadline = e2e_now_ms() + 10000;

    while (syscall(SYS_delete_module, name, O_NONBLOCK)) {
        if ((errno != EBUSY && errno != EAGAIN) || e2e_now_ms() > deadline)
            return -errno;
        usleep(1000);
    }
    return 0;
}

int e2e_module_load(const char *path, const char *params)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

    if (fd < 0)
        return -errno;
    ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
    close(fd);
    return ret;
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

void e2e_write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd < 0)
        fail_msg("open %s: %s", path, strerror(errno));
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        fail_msg("write %s to %s: %s", text, path, strerror(errno));
    close(fd);
}

void e2e_read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");

    if (!f || !fgets(buf, (int)len, f))
        fail_msg("read %s: %s", path, strerror(errno));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

#define E2E_SIM_CONFIGFS "/sys/kernel/config/gpio-sim"

int e2e_sim_create(struct e2e_sim *sim, const char *name, const char *label, unsigned int lines,
                   const char *const *names)
{
    char path[256], text[64], dev[64], chip[64];
    unsigned int i;

    if (access(E2E_SIM_CONFIGFS, F_OK))
        return -1;
    snprintf(sim->name, sizeof(sim->name), "%s", name);
    snprintf(path, sizeof(path), E2E_SIM_CONFIGFS "/%s", name);
    if (mkdir(path, 0755) && errno == EEXIST) {
        /*
         * Made by an earlier run of the test in this boot: a live chip takes
         * no new configuration (EBUSY), so it goes down first and is made
         * again as asked.
         */
        snprintf(path, sizeof(path), E2E_SIM_CONFIGFS "/%s/live", name);
        e2e_read_line(path, text, sizeof(text));
        if (!strcmp(text, "1"))
            e2e_write_file(path, "0");
    }
    snprintf(path, sizeof(path), E2E_SIM_CONFIGFS "/%s/bank0", name);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), E2E_SIM_CONFIGFS "/%s/bank0/num_lines", name);
    snprintf(text, sizeof(text), "%u", lines);
    e2e_write_file(path, text);
    snprintf(path, sizeof(path), E2E_SIM_CONFIGFS "/%s/bank0/label", name);
    e2e_write_file(path, label);
    for (i = 0; names && i < lines; i++) {
        if (!names[i])
            continue;
        snprintf(path, sizeof(path), E2E_SIM_CONFIGFS "/%s/bank0/line%u", name, i);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), E2E_SIM_CONFIGFS "/%s/bank0/line%u/name", name, i);
        e2e_write_file(path, names[i]);
    }
    snprintf(path, sizeof(path), E2E_SIM_CONFIGFS "/%s/live", name);
    e2e_write_file(path, "1");
    snprintf(path, sizeof(path), E2E_SIM_CONFIGFS "/%s/dev_name", name);
    e2e_read_line(path, dev, sizeof(dev));
    snprintf(path, sizeof(path), E2E_SIM_CONFIGFS "/%s/bank0/chip_name", name);
    e2e_read_line(path, chip, sizeof(chip));
    snprintf(sim->dir, sizeof(sim->dir), "/sys/devices/platform/%s/%s", dev, chip);
    return 0;
}

void e2e_sim_pull(const struct e2e_sim *sim, unsigned int line, int up)
{
    char path[400];

    snprintf(path, sizeof(path), "%s/sim_gpio%u/pull", sim->dir, line);
    e2e_write_file(path, up ? "pull-up" : "pull-down");
}

int e2e_sim_value(const struct e2e_sim *sim, unsigned int line)
{
    char path[400], text[8];

    snprintf(path, sizeof(path), "%s/sim_gpio%u/value", sim->dir, line);
    e2e_read_line(path, text, sizeof(text));
    return atoi(text);
}

int e2e_map_uart(unsigned int port, const char *tty)
{
    struct hsx_uart_map m = {.port = port};
    int ctl = e2e_open_node("ctl"), ret;

    snprintf(m.tty, sizeof(m.tty), "%s", tty);
    ret = e2e_ioctl(ctl, HSX_IOC_UART_MAP, &m);
    close(ctl);
    return ret;
}

int e2e_map_pin(unsigned int pin, const char *label, unsigned int offset)
{
    struct hsx_gpio_map m = {.pin = pin, .offset = offset};
    int ctl = e2e_open_node("ctl"), ret;

    snprintf(m.chip, sizeof(m.chip), "%s", label);
    ret = e2e_ioctl(ctl, HSX_IOC_GPIO_MAP, &m);
    close(ctl);
    return ret;
}

/* Opens the library's callback thread's file of /proc (its task directory), or NULL. */
FILE *e2e_dispatcher_proc_file(const char *name)
{
    DIR *tasks = opendir("/proc/self/task");
    struct dirent *de;
    FILE *found = NULL;

    if (!tasks)
        return NULL;
    while (!found && (de = readdir(tasks))) {
        char path[300], comm[32] = "";
        FILE *f;

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        bool dispatcher = fgets(comm, sizeof(comm), f) && !strcmp(comm, "hsx-dispatch\n");
        fclose(f);
        if (!dispatcher)
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/%s", de->d_name, name);
        found = fopen(path, "r");
        break;
    }
    closedir(tasks);
    return found;
}

/* The system call the library's callback thread is blocked in (/proc's syscall file), or -1. */
long e2e_dispatcher_syscall(void)
{
    FILE *f = e2e_dispatcher_proc_file("syscall");
    char call[32] = "";
    long nr = -1;

    if (f) {
        if (fscanf(f, "%31s", call) == 1 && strcmp(call, "running"))
            nr = strtol(call, NULL, 10);
        fclose(f);
    }
    return nr;
}

/* The callback thread's CPU time so far, in clock ticks (utime + stime in /proc's stat), or -1. */
static long long dispatcher_cpu_ticks(void)
{
    FILE *f = e2e_dispatcher_proc_file("stat");
    char line[1024];
    unsigned long long utime, stime;
    long long ticks = -1;

    if (!f)
        return -1;
    if (fgets(line, sizeof(line), f)) {
        /* After the name's closing parenthesis: the state, field 3; utime and stime are 14, 15. */
        const char *rest = strrchr(line, ')');
        if (rest && sscanf(rest + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                           &utime, &stime) == 2)
            ticks = (long long)(utime + stime);
    }
    fclose(f);
    return ticks;
}

/* The system calls a thread was seen in, for a failure's message: the first few, then the rest. */
struct seen_calls {
    long nr[4];
    unsigned int count[4], other;
};

static void seen_call(struct seen_calls *seen, long nr)
{
    for (size_t i = 0; i < sizeof(seen->nr) / sizeof(seen->nr[0]); i++) {
        if (seen->count[i] && seen->nr[i] != nr)
            continue;
        seen->nr[i] = nr;
        seen->count[i]++;
        return;
    }
    seen->other++;
}

/*
 * Whether the callback thread is seen blocked in system call nr within the
 * liveness bound: in it twice, 200 ms apart, having used a quarter of a CPU
 * at most in between (5 ticks of 100 a second; a thread that serves a timer
 * of tens of hertz under emulation uses some). A thread that spins
 * through the call, as the dispatcher once did round its ring, is seen in it
 * now and then too, but uses all of a CPU.
 */
bool e2e_dispatcher_blocks_in(long nr)
{
    uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    struct seen_calls seen = {0};
    unsigned int in_nr = 0, left = 0, busy = 0;
    long long busiest = 0;

    while (e2e_now_ms() < deadline) {
        long now = e2e_dispatcher_syscall();

        seen_call(&seen, now);
        if (now == nr) {
            long long before = dispatcher_cpu_ticks();

            in_nr++;
            usleep(200 * 1000);
            long long after = dispatcher_cpu_ticks();
            bool still = e2e_dispatcher_syscall() == nr;
            bool idle = before >= 0 && after >= before && after - before <= 5;

            if (still && idle)
                return true;
            left += !still;
            if (!idle) {
                busy++;
                if (after - before > busiest)
                    busiest = after - before;
            }
        }
        usleep(5000);
    }
    /*
     * What it saw instead, so that a failure tells a thread stuck elsewhere
     * from a busy one. To stderr, unbuffered: a forked check exits with
     * _exit(), and cmocka reports the failure there.
     */
    fprintf(stderr,
            "# the callback thread was not seen blocked in system call %ld: in it %u times, "
            "gone from it 200 ms later %u times, over a quarter of a CPU %u times (at most %lld "
            "ticks); seen in",
            nr, in_nr, left, busy, busiest);
    for (size_t i = 0; i < sizeof(seen.nr) / sizeof(seen.nr[0]) && seen.count[i]; i++)
        fprintf(stderr, " %ld (%u)", seen.nr[i], seen.count[i]);
    fprintf(stderr, ", others %u (-1: running, or no such thread)\n", seen.other);
    return false;
}
