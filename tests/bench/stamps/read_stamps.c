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
 *   total   the two together, per edge;
 *   pre     the previous edge's clock read's return to this edge's read()
 *           (the bench's sem_post(), then the library's way back into
 *           read());
 *   late    edges whose read() began only after t0: the reader was not yet
 *           waiting when the pull began, and its toread is not a wake-up's.
 *
 * Each process prints one line per reading thread at exit (the bench's sides
 * end with _exit(), which is wrapped for that): medians in ns. The bench's
 * readers use read() (its _FORTIFY_SOURCE form, __read_chk(), too);
 * preadv2() and io_uring reads are not timed.
 */
#if !defined(__x86_64__) && !defined(__i386__)
#error "read_stamps times by the TSC: x86 only"
#endif
#include <dlfcn.h>
#include <pthread.h>
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
    char name[16]; /* the thread's, or "libgpiod" for libgpiod's unnamed reader */
    unsigned int n, late;
    uint32_t toread[EDGES_MAX], post[EDGES_MAX], total[EDGES_MAX], pre[EDGES_MAX];
};

static struct reader readers[THREADS];
static atomic_int nreaders;
static _Atomic uint64_t main_t0;
static double ns_per_tick;

/* Per thread; a fork child's copy is reset (reset_child()). */
static __thread int me = -1;       /* index in readers[]; -2: none left */
static __thread int is_main = -1;  /* the process's first thread: the one that pulls */
static __thread uint64_t read_in;  /* TSC when the last read() began */
static __thread uint64_t read_ret; /* TSC when a read() returned data, 0 once used */
static __thread uint64_t read_t0;  /* main_t0 then */
static __thread uint64_t clock_ret;
static __thread void *read_caller;

typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*read_chk_fn)(int, void *, size_t, size_t);
typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);
typedef void (*exit_fn)(int);

/*
 * The next definition of name, looked up on first use and kept in *cache:
 * another library's constructor may call a wrapper before ours runs.
 */
static void *next(_Atomic(void *) *cache, const char *name)
{
    void *fn = atomic_load_explicit(cache, memory_order_relaxed);

    if (!fn) {
        fn = dlsym(RTLD_NEXT, name);
        if (!fn)
            abort();
        atomic_store_explicit(cache, fn, memory_order_relaxed);
    }
    return fn;
}

static int real_clock_gettime(clockid_t clock, struct timespec *ts)
{
    static _Atomic(void *) fn;

    return ((clock_gettime_fn)next(&fn, "clock_gettime"))(clock, ts);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;

    real_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void reset_child(void)
{
    int n = atomic_exchange(&nreaders, 0);

    for (int i = 0; i < n && i < THREADS; i++)
        readers[i].n = readers[i].late = 0;
    me = is_main = -1;
    read_in = read_ret = read_t0 = clock_ret = 0;
}

__attribute__((constructor)) static void stamps_init(void)
{
    uint64_t n0 = mono_ns(), t0 = __rdtsc();
    struct timespec pause = {.tv_nsec = 20 * 1000 * 1000};

    nanosleep(&pause, NULL);
    uint64_t t1 = __rdtsc();
    ns_per_tick = (double)(mono_ns() - n0) / (double)(t1 - t0);
    pthread_atfork(NULL, NULL, reset_child);
}

static uint32_t ns32(uint64_t ticks)
{
    double ns = (double)ticks * ns_per_tick;

    return ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

static void read_begins(void)
{
    read_in = __rdtsc();
    if (clock_ret && me >= 0 && readers[me].n < EDGES_MAX)
        readers[me].pre[readers[me].n] = ns32(read_in - clock_ret);
    clock_ret = 0;
}

static void read_returned(ssize_t ret, void *caller)
{
    if (ret <= 0) {
        read_ret = 0; /* no edge: an error, EINTR (a kick), end of file */
        return;
    }
    read_ret = __rdtsc();
    read_t0 = atomic_load(&main_t0);
    read_caller = caller;
}

ssize_t read(int fd, void *buf, size_t len)
{
    static _Atomic(void *) fn;
    read_fn f = (read_fn)next(&fn, "read");

    read_begins();
    ssize_t ret = f(fd, buf, len);
    read_returned(ret, __builtin_return_address(0));
    return ret;
}

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
    static _Atomic(void *) fn;
    read_chk_fn f = (read_chk_fn)next(&fn, "__read_chk");

    read_begins();
    ssize_t ret = f(fd, buf, len, buflen);
    read_returned(ret, __builtin_return_address(0));
    return ret;
}

/* A reading thread's first edge: its slot, named by the thread, or "libgpiod". */
static int reader_slot(void)
{
    int i = atomic_fetch_add(&nreaders, 1);
    Dl_info info;

    if (i >= THREADS)
        return -2;
    prctl(PR_GET_NAME, readers[i].name);
    if (dladdr(read_caller, &info) && info.dli_fname) {
        const char *base = strrchr(info.dli_fname, '/');

        if (!strncmp(base ? base + 1 : info.dli_fname, "libgpiod.so", 11))
            snprintf(readers[i].name, sizeof(readers[i].name), "libgpiod");
    }
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
        if (me == -1)
            me = reader_slot();
        struct reader *r = me >= 0 ? &readers[me] : NULL;
        if (r && r->n < EDGES_MAX && read_t0 && read_t0 < read_ret) {
            r->toread[r->n] = ns32(read_ret - read_t0);
            r->post[r->n] = ns32(now - read_ret);
            r->total[r->n] = ns32(now - read_t0);
            r->late += read_in > read_t0;
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

/*
 * Not async-signal-safe (qsort(), fprintf()): it runs at exit and in the
 * _exit() of a process that had readers, the bench's sides, which call
 * _exit() from their own code, not from a signal handler.
 */
static void report(void)
{
    int n = atomic_exchange(&nreaders, 0);

    for (int i = 0; i < n && i < THREADS; i++) {
        struct reader *r = &readers[i];

        /* A thread that read and timed now and then (a setup file) is no reader. */
        if (r->n < 100)
            continue;
        /* pre[k] comes before edge k: the first edge has none. */
        fprintf(stderr,
                "STAMPS pid=%d side=%s edges=%u late=%u toread_ns=%u post_ns=%u total_ns=%u "
                "pre_ns=%u\n",
                (int)getpid(), r->name, r->n, r->late, median(r->toread, r->n),
                median(r->post, r->n), median(r->total, r->n), median(r->pre + 1, r->n - 1));
    }
}

__attribute__((destructor)) static void stamps_fini(void)
{
    report();
}

void _exit(int status)
{
    static _Atomic(void *) fn;
    exit_fn f = (exit_fn)next(&fn, "_exit");

    report();
    f(status);
    __builtin_unreachable();
}
