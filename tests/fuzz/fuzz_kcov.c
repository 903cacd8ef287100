// SPDX-License-Identifier: MIT
/*
 * hsx_fuzz's coverage of hsx.ko, from KCOV (--kcov; the kcov kernel of
 * tests/vm/build-kernel, where hsx.ko alone is instrumented).
 *
 * Each worker thread, of root's process and of the uid 1000 one, traces
 * the program counters its own system calls reach in hsx.ko (KCOV_TRACE_PC
 * on a descriptor of its own: KCOV follows one task). The descriptors are
 * opened by root before the uid 1000 process forks, since debugfs's kcov is
 * root's only; the child inherits them. After each step a worker folds its
 * trace into a bitmap over hsx.ko's core image, shared by both processes.
 * At the end root prints each distinct counter as "kcov-pc SECTION+OFFSET"
 * lines, SECTION one of hsx.ko's ELF sections as /sys/module/hsx/sections
 * has them: tests/fuzz/kcov-report maps them to the instrumented sites of
 * hsx.ko and to kmod/'s files.
 *
 * KCOV traces task context only: hsx.ko's interrupt, softirq and timer
 * callbacks (a CAN frame's delivery, a timer's expiry) and its work items
 * run on other tasks or none, and are not in the figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

/* <linux/kcov.h>, which a distribution's libc headers need not carry. */
#define FZ_KCOV_INIT_TRACE _IOR('c', 1, unsigned long)
#define FZ_KCOV_ENABLE _IO('c', 100)
#define FZ_KCOV_DISABLE _IO('c', 101)
#define FZ_KCOV_TRACE_PC 0

#define FZ_KCOV_PATH "/sys/kernel/debug/kcov"
/* Counters a thread's trace holds between two folds; one step stays far below. */
#define FZ_KCOV_WORDS (1UL << 18)
#define FZ_KCOV_FDS 128
#define FZ_KCOV_SECTIONS 64

struct fz_kcov_section {
    char name[48];
    uint64_t addr;
};

static int kcov_fds[FZ_KCOV_FDS];
static unsigned long *kcov_areas[FZ_KCOV_FDS];
static unsigned int kcov_n;
static uint64_t mod_base, mod_size;
static uint8_t *hit_map; /* a bit per byte of the core image, shared with the child */
static struct fz_kcov_section sections[FZ_KCOV_SECTIONS];
static unsigned int nsections;
static _Thread_local unsigned long *my_area;

bool kcov_on;

/* hsx.ko's core image: "hsx SIZE REFS DEPS STATE ADDR" in /proc/modules. */
static bool module_image(void)
{
    FILE *f = fopen("/proc/modules", "re");
    char line[512], name[64];
    unsigned long long size, addr;
    bool found = false;

    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f))
        found = sscanf(line, "%63s %llu %*s %*s %*s %llx", name, &size, &addr) == 3 &&
                !strcmp(name, "hsx") && addr;
    fclose(f);
    mod_base = addr;
    mod_size = size;
    return found;
}

static int section_cmp(const void *a, const void *b)
{
    const struct fz_kcov_section *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The ELF sections inside the core image, by address. */
static bool module_sections(void)
{
    static const char dir[] = "/sys/module/hsx/sections/";
    static const char *const names[] = {".text",         ".text.unlikely", ".text.hot",
                                        ".noinstr.text", ".exit.text",     ".altinstr_replacement"};
    char path[128];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        unsigned long long addr;
        FILE *f;

        snprintf(path, sizeof(path), "%s%s", dir, names[i]);
        f = fopen(path, "re");
        if (!f)
            continue;
        if (fscanf(f, "%llx", &addr) == 1 && addr >= mod_base && addr < mod_base + mod_size) {
            snprintf(sections[nsections].name, sizeof(sections[0].name), "%s", names[i]);
            sections[nsections++].addr = addr;
        }
        fclose(f);
    }
    qsort(sections, nsections, sizeof(sections[0]), section_cmp);
    return nsections > 0;
}

bool kcov_setup(unsigned int threads)
{
    if (threads > FZ_KCOV_FDS) {
        harness_fail("--kcov: at most %u threads in all", FZ_KCOV_FDS);
        return false;
    }
    if (!module_image() || !module_sections()) {
        harness_fail("--kcov: hsx.ko's image not found in /proc/modules and "
                     "/sys/module/hsx/sections (root?)");
        return false;
    }
    hit_map =
        mmap(NULL, mod_size / 8 + 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (hit_map == MAP_FAILED) {
        harness_fail("--kcov: mmap: %s", strerror(errno));
        return false;
    }
    for (kcov_n = 0; kcov_n < threads; kcov_n++) {
        int fd = open(FZ_KCOV_PATH, O_RDWR | O_CLOEXEC);
        void *area;

        if (fd < 0 || ioctl(fd, FZ_KCOV_INIT_TRACE, FZ_KCOV_WORDS)) {
            harness_fail("--kcov: %s: %s (a kernel with KCOV: make fuzz's)", FZ_KCOV_PATH,
                         strerror(errno));
            if (fd >= 0)
                close(fd);
            return false;
        }
        area = mmap(NULL, FZ_KCOV_WORDS * sizeof(unsigned long), PROT_READ | PROT_WRITE, MAP_SHARED,
                    fd, 0);
        if (area == MAP_FAILED) {
            harness_fail("--kcov: mmap of the trace: %s", strerror(errno));
            close(fd);
            return false;
        }
        kcov_fds[kcov_n] = fd;
        kcov_areas[kcov_n] = area;
    }
    kcov_on = true;
    return true;
}

void kcov_thread_begin(unsigned int index)
{
    if (!kcov_on)
        return;
    if (index >= kcov_n) {
        harness_fail("--kcov: no trace for thread %u", index);
        return;
    }
    if (ioctl(kcov_fds[index], FZ_KCOV_ENABLE, FZ_KCOV_TRACE_PC)) {
        harness_fail("--kcov: KCOV_ENABLE: %s", strerror(errno));
        return;
    }
    my_area = kcov_areas[index];
    __atomic_store_n(&my_area[0], 0, __ATOMIC_RELAXED);
}

void kcov_fold(void)
{
    unsigned long n, i;

    if (!my_area)
        return;
    n = __atomic_load_n(&my_area[0], __ATOMIC_RELAXED);
    if (n > FZ_KCOV_WORDS - 1)
        n = FZ_KCOV_WORDS - 1;
    for (i = 1; i <= n; i++) {
        uint64_t off = my_area[i] - mod_base;

        if (my_area[i] >= mod_base && off < mod_size)
            __atomic_fetch_or(&hit_map[off / 8], (uint8_t)(1u << (off % 8)), __ATOMIC_RELAXED);
    }
    __atomic_store_n(&my_area[0], 0, __ATOMIC_RELAXED);
}

void kcov_forked(void)
{
    my_area = NULL;
}

void kcov_thread_end(unsigned int index)
{
    if (!my_area)
        return;
    kcov_fold();
    if (ioctl(kcov_fds[index], FZ_KCOV_DISABLE, 0))
        harness_fail("--kcov: KCOV_DISABLE: %s", strerror(errno));
    my_area = NULL;
}

void kcov_report(void)
{
    uint64_t distinct = 0, off;

    if (!kcov_on)
        return;
    for (off = 0; off < mod_size; off++) {
        uint64_t pc = mod_base + off;
        unsigned int s = nsections;

        if (!(hit_map[off / 8] & (1u << (off % 8))))
            continue;
        while (s > 0 && sections[s - 1].addr > pc)
            s--;
        distinct++;
        if (s == 0)
            printf("kcov-pc ?+%#" PRIx64 "\n", off);
        else
            printf("kcov-pc %s+%#" PRIx64 "\n", sections[s - 1].name, pc - sections[s - 1].addr);
    }
    printf("hsx_fuzz: kcov: %" PRIu64 " distinct program counters reached in hsx.ko "
           "(task context; tests/fuzz/kcov-report maps them to kmod/)\n",
           distinct);
    fflush(stdout);
}
