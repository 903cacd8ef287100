/* SPDX-License-Identifier: MIT */
/*
 * The driver model's costs against Aegis's targets, in one VM run with a
 * test build of hsx.ko (the dummy module's instances stand for a UART port,
 * a CAN bus, a FRAM chip):
 *
 *   - module init: hsx.ko unloaded and loaded again, ROUNDS times; the
 *     time its init function took (/sys/kernel/debug/hsx/init_ns) and the
 *     whole finit_module() call (relocation and the ELF load included).
 *     Target: init < 10 ms.
 *   - per-instance probe: an instance made and removed, PROBES times (its
 *     node, /sys/hal directory, minor and uevent: what every instance of
 *     every module costs the core). Target: probe < 5 ms per device. Side by
 *     side, the peer baseline: a gpio-sim chip going live (its platform
 *     device, gpiochip and /dev/gpiochipN), where the kernel has gpio-sim.
 *
 * Times are medians, p95 and maxima. No pass/fail: under TCG absolute times
 * are inflated several fold; the targets are printed beside them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 10
#define PROBES 50
#define MODULE_PATH "/lib/hsx/hsx.ko"
#define DUMMY_CTL "/sys/kernel/debug/hsx_dummy"
#define SIM_CONFIGFS "/sys/kernel/config/gpio-sim"

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/* Median, p95 and maximum of n samples, in microseconds. */
static void print_row(const char *what, uint64_t *ns, int n, const char *target)
{
    qsort(ns, (size_t)n, sizeof(*ns), cmp_u64);
    printf("| %-34s | %8.1f | %8.1f | %8.1f | %-10s |\n", what, ns[n / 2] / 1e3,
           ns[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1] / 1e3, ns[n - 1] / 1e3, target);
}

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -errno;
    n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -errno;
}

static int read_u64(const char *path, uint64_t *value)
{
    FILE *f = fopen(path, "re");
    int ok = f && fscanf(f, "%llu", (unsigned long long *)value) == 1;

    if (f)
        fclose(f);
    return ok ? 0 : -1;
}

/* Unload and load hsx.ko ROUNDS times: its init, and the whole load. */
static int bench_init(void)
{
    uint64_t init[ROUNDS], load[ROUNDS];
    int i;

    for (i = 0; i < ROUNDS; i++) {
        int fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);
        uint64_t t0;

        if (fd < 0 || syscall(SYS_delete_module, "hsx", O_NONBLOCK) != 0) {
            fprintf(stderr, "driver_model: cannot unload hsx: %s\n", strerror(errno));
            return -1;
        }
        t0 = now_ns();
        if (syscall(SYS_finit_module, fd, "", 0) != 0) {
            fprintf(stderr, "driver_model: cannot load %s: %s\n", MODULE_PATH, strerror(errno));
            return -1;
        }
        load[i] = now_ns() - t0;
        close(fd);
        if (read_u64("/sys/kernel/debug/hsx/init_ns", &init[i])) {
            fprintf(stderr, "driver_model: no /sys/kernel/debug/hsx/init_ns\n");
            return -1;
        }
    }
    print_row("hsx.ko init (its init function)", init, ROUNDS, "< 10 ms");
    print_row("hsx.ko load (finit_module)", load, ROUNDS, "");
    return 0;
}

/* Make and remove an instance PROBES times. */
static int bench_probe(void)
{
    uint64_t add[PROBES], removal[PROBES];
    int i;

    for (i = 0; i < PROBES; i++) {
        uint64_t t0 = now_ns();

        if (write_text(DUMMY_CTL "/add", "1")) {
            fprintf(stderr, "driver_model: cannot add a dummy instance (a test build of hsx.ko "
                            "is needed: HSX_TEST_MODULES=1)\n");
            return -1;
        }
        add[i] = now_ns() - t0;
        t0 = now_ns();
        if (write_text(DUMMY_CTL "/remove", "1"))
            return -1;
        removal[i] = now_ns() - t0;
    }
    print_row("hsx instance probe (add)", add, PROBES, "< 5 ms");
    print_row("hsx instance removal", removal, PROBES, "");
    return 0;
}

/* The peer: a gpio-sim chip made live and taken down, PROBES times. */
static int bench_sim_probe(void)
{
    uint64_t live[PROBES], down[PROBES];
    char path[128];
    int i;

    if (access(SIM_CONFIGFS, F_OK)) {
        printf("(no gpio-sim in this kernel: no peer baseline for the probe)\n");
        return 0;
    }
    snprintf(path, sizeof(path), SIM_CONFIGFS "/dm-bench");
    if (mkdir(path, 0755) && errno != EEXIST)
        return -1;
    snprintf(path, sizeof(path), SIM_CONFIGFS "/dm-bench/bank0");
    if (mkdir(path, 0755) && errno != EEXIST)
        return -1;
    write_text(SIM_CONFIGFS "/dm-bench/bank0/num_lines", "8");
    for (i = 0; i < PROBES; i++) {
        uint64_t t0 = now_ns();

        if (write_text(SIM_CONFIGFS "/dm-bench/live", "1"))
            return -1;
        live[i] = now_ns() - t0;
        t0 = now_ns();
        if (write_text(SIM_CONFIGFS "/dm-bench/live", "0"))
            return -1;
        down[i] = now_ns() - t0;
    }
    rmdir(SIM_CONFIGFS "/dm-bench/bank0");
    rmdir(SIM_CONFIGFS "/dm-bench");
    print_row("peer: gpio-sim chip probe (live=1)", live, PROBES, "");
    print_row("peer: gpio-sim chip removal", down, PROBES, "");
    return 0;
}

int main(void)
{
    printf("driver model, %d loads and %d probes (microseconds; TCG inflates them)\n", ROUNDS,
           PROBES);
    printf("| %-34s | %8s | %8s | %8s | %-10s |\n", "", "median", "p95", "max", "target");
    printf("|%.36s|%.10s|%.10s|%.10s|%.12s|\n", "------------------------------------",
           "----------", "----------", "----------", "------------");
    if (bench_init() || bench_probe() || bench_sim_probe())
        return 1;
    return 0;
}
