/* SPDX-License-Identifier: MIT */
/*
 * The cost of the capability check, two ways, in one VM run:
 *
 *  1. The same ioctl (TIMER_GET_TICK, the cheapest operation) through a file
 *     that holds a capability (the full check: SRCU, state, the expired flag
 *     its BOOTTIME timer sets, holder, rights) against a file opened privileged, whose check
 * returns at the same early test that enforce=0 takes. Five alternating rounds, each in its own
 * process; prints ns per ioctl and the ratio (target <= 1.05).
 *  2. The in-kernel microbenchmark, /sys/kernel/debug/hsx/bench_check_ps: the check
 *     alone, on kernel memory, in picoseconds (target < 50 ns), and
 *     bench_check_srcu_ps: with the SRCU section each operation enters.
 *
 * Must run as root (it is the capability administrator). No pass/fail on
 * time: absolute numbers in a TCG guest are noise; the ratio is the result.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../e2e/fdpass.h"
#include "hsx_uapi.h"

#define OPS 200000
#define ROUNDS 9
#define HOLDER_UID 1000

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ns per GET_TICK on fd, or -1 if any failed. */
static double run_ops(int fd)
{
    struct hsx_timer_tick tick;
    uint64_t start = clock_ns(CLOCK_MONOTONIC);

    for (int i = 0; i < OPS; i++)
        if (ioctl(fd, HSX_IOC_TIMER_GET_TICK, &tick))
            return -1;
    return (double)(clock_ns(CLOCK_MONOTONIC) - start) / OPS;
}

/* One round in a child: with a capability (uid HOLDER_UID) or privileged. */
static double round_in_child(int admin, int with_cap)
{
    double ns = -1;
    int sv[2];
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
        return -1;
    pid = fork();
    if (pid == 0) {
        double r;
        char b;
        int fd;

        close(sv[0]);
        if (with_cap && (setresgid(HOLDER_UID, HOLDER_UID, HOLDER_UID) ||
                         setresuid(HOLDER_UID, HOLDER_UID, HOLDER_UID)))
            _exit(1);
        fd = open("/dev/hsx/timer", O_RDWR);
        if (fd < 0 || fdpass_send(sv[1], fd) || read(sv[1], &b, 1) != 1)
            _exit(1);
        run_ops(fd); /* warm up */
        r = run_ops(fd);
        _exit(write(sv[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
    }
    close(sv[1]);
    if (pid > 0) {
        int fd = fdpass_recv(sv[0]);

        if (fd >= 0) {
            if (with_cap) {
                struct hsx_cap_mint m = {
                    .fd = fd,
                    .module = HSX_MODULE_TIMER,
                    .rights = HSX_CAP_R_READ,
                    .sel.timer.max_timers = 1,
                    .expiry_ns = clock_ns(CLOCK_BOOTTIME) + 600000000000ull,
                };

                if (ioctl(admin, HSX_IOC_CAP_MINT, &m))
                    fprintf(stderr, "cap_check: mint: %s\n", strerror(errno));
            }
            close(fd);
            if (write(sv[0], "g", 1) != 1 || read(sv[0], &ns, sizeof(ns)) != sizeof(ns))
                ns = -1;
        }
        waitpid(pid, NULL, 0);
    }
    close(sv[0]);
    return ns;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* One of /sys/kernel/debug/hsx/bench_check*_ps: picoseconds per check, 0 meaning a check failed. */
static int read_ps(const char *name, unsigned long long *ps)
{
    char path[96];
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "/sys/kernel/debug/hsx/%s", name);
    f = fopen(path, "r");
    ok = f && fscanf(f, "%llu", ps) == 1 && *ps;
    if (f)
        fclose(f);
    if (!ok)
        fprintf(stderr, "cap_check: cannot read %s\n", path);
    return ok ? 0 : -1;
}

int main(void)
{
    double with[ROUNDS], without[ROUNDS], ratio[ROUNDS];
    unsigned long long ps = 0, srcu_ps = 0;
    int admin = open("/dev/hsx/ctl", O_RDWR | O_EXCL);

    if (admin < 0) {
        fprintf(stderr, "cap_check: cannot become the capability administrator: %s\n",
                strerror(errno));
        return 1;
    }
    for (int r = 0; r < ROUNDS; r++) {
        without[r] = round_in_child(admin, 0);
        with[r] = round_in_child(admin, 1);
        if (with[r] <= 0 || without[r] <= 0) {
            fprintf(stderr, "cap_check: round %d failed\n", r);
            return 1;
        }
        ratio[r] = with[r] / without[r];
        printf("round %d: with capability %.1f ns/op, privileged (check skipped) %.1f ns/op, "
               "ratio %.3f\n",
               r + 1, with[r], without[r], ratio[r]);
    }
    qsort(ratio, ROUNDS, sizeof(ratio[0]), cmp_double);
    printf("cap_check: ioctl with the check / without: median %.3f (range %.3f-%.3f, target "
           "<= 1.05)\n",
           ratio[ROUNDS / 2], ratio[0], ratio[ROUNDS - 1]);

    if (read_ps("bench_check_ps", &ps) || read_ps("bench_check_srcu_ps", &srcu_ps))
        return 1;
    printf("cap_check: in-kernel check alone: %.1f ns, with its SRCU section %.1f ns (target < "
           "50 ns; the spec's bound 1 us)\n",
           ps / 1000.0, srcu_ps / 1000.0);
    close(admin);
    return 0;
}
