// SPDX-License-Identifier: MIT
/*
 * LD_PRELOAD for gpio_vs_libgpiod (tests/bench/gpio_stamps): splits each
 * side's edge latency at the read() that returns the edge, by the TSC, with
 * no tracing on the path. Per reading thread, every edge:
 *
 *   toread  the main thread's clock read before the pull (the bench's t0)
 *           to the reader's read() returning: the kernel's part and the
 *           wake-up;
 *   post    read() returning to the application's clock read (the
 *           library's part after the read);
 *   pre     that clock read's return to the thread's next read(): what the
 *           reader does before it blocks again (the bench's sem_post(),
 *           the library's way back into read()).
 *
 * Each process prints one line per reading thread at exit (the bench's
 * sides exit with _exit(), which is wrapped for that): medians in ns.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define THREADS 16
#define EDGES_MAX 4096

struct reader {
    char name[16]; /* the thread's, or the library's file name for an unnamed one */
    unsigned int n;
    uint32_t toread[EDGES_MAX], post[EDGES_MAX], pre[EDGES_MAX];
};

static struct reader readers[THREADS];
static atomic_int nreaders;
static _Atomic uint64_t main_t0;
static double ns_per_tick;

static __thread int me = -1;       /* index in readers[], once this thread read then timed */
static __thread int is_main = -1;  /* the process's first thread: the one that pulls */
static __thread uint64_t read_ret; /* TSC when read() returned, 0 once used */
static __thread uint64_t read_t0;  /* main_t0 then */
static __thread uint64_t clock_ret;
static __thread void *read_caller;

static ssize_t (*real_read)(int, void *, size_t);
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static void (*real_exit)(int);

static uint64_t mono_ns(void)
{
    struct timespec ts;

    real_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((constructor)) static void stamps_init(void)
{
    real_read = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    real_exit = (void (*)(int))dlsym(RTLD_NEXT, "_exit");
    if (!real_read || !real_clock_gettime || !real_exit)
        abort();

    uint64_t n0 = mono_ns(), t0 = __rdtsc();
    struct timespec pause = {.tv_nsec = 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    ns_per_tick = (double)(mono_ns() - n0) / (double)(__rdtsc() - t0);
}

static uint32_t ns32(uint64_t ticks)
{
    double ns = (double)ticks * ns_per_tick;

    return ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

ssize_t read(int fd, void *buf, size_t len)
{
    if (clock_ret && me >= 0 && readers[me].n < EDGES_MAX)
        readers[me].pre[readers[me].n] = ns32(__rdtsc() - clock_ret);
    clock_ret = 0;

    ssize_t ret = real_read(fd, buf, len);

    read_ret = __rdtsc();
    read_t0 = atomic_load(&main_t0);
    read_caller = __builtin_return_address(0);
    return ret;
}

/* A reading thread's first edge: its slot, named by the thread or by the library that read. */
static int reader_slot(void)
{
    int i = atomic_fetch_add(&nreaders, 1);

    if (i >= THREADS)
        return -1;
    prctl(PR_GET_NAME, readers[i].name);
    Dl_info info;
    if (!strncmp(readers[i].name, "gpio_vs_libgpio", 15) && dladdr(read_caller, &info) &&
        info.dli_fname && strstr(info.dli_fname, "libgpiod"))
        snprintf(readers[i].name, sizeof(readers[i].name), "libgpiod");
    return i;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
    uint64_t now = __rdtsc();

    if (is_main < 0)
        is_main = syscall(SYS_gettid) == getpid();
    if (clock == CLOCK_MONOTONIC && is_main)
        atomic_store(&main_t0, now);
    if (clock == CLOCK_MONOTONIC && read_ret) {
        if (me < 0)
            me = reader_slot();
        struct reader *r = me >= 0 ? &readers[me] : NULL;
        if (r && r->n < EDGES_MAX && read_t0 && read_t0 < read_ret) {
            r->toread[r->n] = ns32(read_ret - read_t0);
            r->post[r->n] = ns32(now - read_ret);
            r->n++;
        }
        read_ret = 0;
    }

    int ret = real_clock_gettime(clock, ts);

    if (clock == CLOCK_MONOTONIC && me >= 0)
        clock_ret = __rdtsc();
    return ret;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

static uint32_t median(uint32_t *v, unsigned int n)
{
    qsort(v, n, sizeof(*v), cmp_u32);
    return v[n / 2];
}

static void report(void)
{
    int n = atomic_exchange(&nreaders, 0);

    for (int i = 0; i < n && i < THREADS; i++) {
        struct reader *r = &readers[i];

        /* A thread that read and timed now and then (the parent's pipe) is no reader. */
        if (r->n < 100)
            continue;
        /* pre[k] follows edge k-1: the first edge has none. */
        fprintf(stderr, "STAMPS side=%s edges=%u toread_ns=%u post_ns=%u pre_ns=%u\n", r->name,
                r->n, median(r->toread, r->n), median(r->post, r->n), median(r->pre + 1, r->n - 1));
    }
}

__attribute__((destructor)) static void stamps_fini(void)
{
    report();
}

void _exit(int status)
{
    report();
    real_exit(status);
    __builtin_unreachable();
}
