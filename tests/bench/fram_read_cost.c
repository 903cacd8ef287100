/* SPDX-License-Identifier: MIT */
/*
 * Where a FRAM read's time goes (issue 15, item 9): the cost of one call, by
 * size and alignment, through the library (hsx_fram_read_ex()), through the
 * raw HSX_IOC_FRAM_READ ioctl, and through pread() on the nvmem core's own
 * file of the same part (/sys/bus/nvmem/devices/hsx-fram-sim0/nvmem, at most
 * a page per call, so the larger sizes take several); and, for the fixed cost
 * of an ioctl, an empty one (HSX_IOC_CORE_VERSION) against getppid(). A
 * 1-byte call is what a call costs besides its bytes; the 4 KiB ones at an
 * address 2048 mod 4096 and into a buffer 16 bytes past a page show what a
 * chunk boundary or a page boundary costs. Medians of ROUNDS rounds of ITERS
 * calls each, in microseconds per call. Run as root in the VM (tests/vm/run
 * --kernel stock --extra DIR); exits non-zero only when a call failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <hsx_fram.h>
#include <hsx_uapi.h>

#define PART "hsx-fram-sim0"
#define NVMEM_FILE "/sys/bus/nvmem/devices/" PART "/nvmem"
#define ROUNDS 5
#define ITERS 2000

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v)
{
    qsort(v, ROUNDS, sizeof(*v), cmp_double);
    return v[ROUNDS / 2];
}

static int node = -1, nvmem = -1;

enum way { LIB, RAW, FILE_ };

static int read_once(enum way w, uint32_t addr, uint8_t *buf, uint32_t len)
{
    struct hsx_fram_xfer x = {.dev = 0, .addr = addr, .len = len, .buf = (uintptr_t)buf};

    switch (w) {
    case LIB:
        return hsx_fram_read_ex(0, addr, buf, len) == (int)len ? 0 : -1;
    case RAW:
        return ioctl(node, HSX_IOC_FRAM_READ, &x) || x.done != len ? -1 : 0;
    default:
        for (uint32_t done = 0; done < len;) {
            ssize_t n = pread(nvmem, buf + done, len - done, addr + done);
            if (n <= 0)
                return -1;
            done += (uint32_t)n;
        }
        return 0;
    }
}

/* Microseconds per call, the median of the rounds. */
static double cost(enum way w, uint32_t addr, uint8_t *buf, uint32_t len)
{
    double v[ROUNDS];

    for (int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < ITERS; i++)
            if (read_once(w, addr, buf, len)) {
                fprintf(stderr, "fram_read_cost: a read of %u at %u failed: %s\n", len, addr,
                        strerror(errno));
                exit(1);
            }
        v[r] = (double)(now_ns() - t0) / 1e3 / ITERS;
    }
    return median(v);
}

static int map_part(int ctl, const char *name)
{
    struct hsx_fram_map m = {.dev = 0};

    snprintf(m.name, sizeof(m.name), "%s", name);
    return ioctl(ctl, HSX_IOC_FRAM_MAP, &m) && errno != ENXIO ? -1 : 0;
}

int main(void)
{
    static const struct {
        uint32_t len, addr, buf_off;
    } cases[] = {
        {1, 4096, 0},    {64, 4096, 0},    {1024, 4096, 0},  {2048, 4096, 0},  {4096, 4096, 0},
        {4096, 2048, 0}, {4096, 4096, 16}, {4096, 2048, 16}, {16384, 4096, 0},
    };
    int ctl = open("/dev/hsx/ctl", O_RDWR | O_CLOEXEC);
    uint8_t *buf = aligned_alloc(4096, 2 * HSX_FRAM_XFER_MAX);

    if (ctl < 0 || !buf || map_part(ctl, "") || map_part(ctl, PART)) {
        fprintf(stderr, "fram_read_cost: binding device 0 to %s: %s\n", PART, strerror(errno));
        return 1;
    }
    node = open("/dev/hsx/fram", O_RDWR | O_CLOEXEC);
    nvmem = open(NVMEM_FILE, O_RDONLY | O_CLOEXEC);
    if (node < 0 || nvmem < 0) {
        perror("fram_read_cost: opening the node or " NVMEM_FILE);
        return 1;
    }
    printf("fram read cost, us per call (median of %d rounds of %d calls)\n", ROUNDS, ITERS);
    printf("| bytes | address | buffer + | library | raw ioctl | nvmem file | file / raw |\n"
           "|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t *b = buf + cases[i].buf_off;
        double lib = cost(LIB, cases[i].addr, b, cases[i].len);
        double raw = cost(RAW, cases[i].addr, b, cases[i].len);
        double file = cost(FILE_, cases[i].addr, b, cases[i].len);

        printf("| %u | %u | %u | %.2f | %.2f | %.2f | %.2f |\n", cases[i].len, cases[i].addr,
               cases[i].buf_off, lib, raw, file, file / raw);
    }

    double v[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < ITERS; i++) {
            struct hsx_core_version ver;
            if (ioctl(node, HSX_IOC_CORE_VERSION, &ver)) {
                perror("fram_read_cost: HSX_IOC_CORE_VERSION");
                return 1;
            }
        }
        v[r] = (double)(now_ns() - t0) / 1e3 / ITERS;
    }
    printf("empty ioctl (HSX_IOC_CORE_VERSION): %.2f us\n", median(v));
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < ITERS; i++)
            getppid();
        v[r] = (double)(now_ns() - t0) / 1e3 / ITERS;
    }
    printf("getppid(): %.2f us\n", median(v));
    map_part(ctl, "");
    free(buf);
    return 0;
}
