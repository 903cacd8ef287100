/* SPDX-License-Identifier: MIT */
/*
 * GPIO through hsx against the peer baseline, libgpiod, on the same gpio-sim
 * line in the same VM run (which needs gpio-sim: the debug test kernel):
 *
 *   - write and read operations per second (hsx_gpio_write/read against
 *     gpiod_line_set_value/get_value);
 *   - edge-to-application latency, p50 and p99: from just before the
 *     simulated line is pulled to the moment the application sees the edge,
 *     each on an application thread that is waiting for the edge (see
 *     drive_edges()), through hsx in both of the spec's ways, a callback and
 *     a blocking wait (hsx_gpio_wait_event(), as hsx_gpio_wait_interrupt()
 *     waits), against a libgpiod edge-event read; and hsx.ko's part alone: a
 *     thread blocked in the read() of the pin's queue file, with no library
 *     on its path (the uAPI as tests use it), which tells what of hsx's
 *     latency is the kernel's and what the library's.
 *
 * Prints each side and the ratios hsx / libgpiod: for operations per second above 1
 * means hsx is faster, for latency below 1 does. No pass/fail.
 *
 * Noise under TCG is large, so the sides take turns over several rounds, the
 * order rotating, each round's sides in fresh child processes (a line is held
 * by one consumer at a time): operations per second are the median of the
 * rounds, latency percentiles are over all rounds' edges.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hsx_gpio.h>
#include <hsx_uapi.h>

#define SIM_CONFIGFS "/sys/kernel/config/gpio-sim"
#define SIM_NAME "hsx-bench"
#define SIM_LABEL "hsx-bench-sim"
#define PIN 9
#define ROUNDS 16 /* four times each of the four orders of the sides (main()) */
#define OPS 8000  /* per round and side */
#define EDGES 160 /* per round and side */

static char sim_pull_path[256];

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    int ok = f && fgets(buf, (int)len, f);

    if (f)
        fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return ok ? 0 : -1;
}

static int sim_setup(void)
{
    char dev[64], chip[64];
    struct hsx_gpio_map m = {.pin = PIN, .offset = 0, .chip = SIM_LABEL};
    int ctl;

    if (access(SIM_CONFIGFS, F_OK)) {
        fprintf(stderr, "gpio_vs_libgpiod: needs gpio-sim (run it on the debug test kernel)\n");
        return -1;
    }
    mkdir(SIM_CONFIGFS "/" SIM_NAME, 0755);
    mkdir(SIM_CONFIGFS "/" SIM_NAME "/bank0", 0755);
    if (write_file(SIM_CONFIGFS "/" SIM_NAME "/bank0/num_lines", "1") ||
        write_file(SIM_CONFIGFS "/" SIM_NAME "/bank0/label", SIM_LABEL) ||
        write_file(SIM_CONFIGFS "/" SIM_NAME "/live", "1") ||
        read_line(SIM_CONFIGFS "/" SIM_NAME "/dev_name", dev, sizeof(dev)) ||
        read_line(SIM_CONFIGFS "/" SIM_NAME "/bank0/chip_name", chip, sizeof(chip))) {
        fprintf(stderr, "gpio_vs_libgpiod: cannot create the gpio-sim chip: %s\n", strerror(errno));
        return -1;
    }
    snprintf(sim_pull_path, sizeof(sim_pull_path), "/sys/devices/platform/%s/%s/sim_gpio0/pull",
             dev, chip);
    ctl = open("/dev/hsx/ctl", O_RDWR | O_CLOEXEC);
    if (ctl < 0 || ioctl(ctl, HSX_IOC_GPIO_MAP, &m)) {
        fprintf(stderr, "gpio_vs_libgpiod: cannot bind pin %d: %s\n", PIN, strerror(errno));
        return -1;
    }
    close(ctl);
    return 0;
}

/*
 * Unmap the pin and take the chip down, so the bench can run again in the
 * same boot (a live chip's attributes cannot be written: EBUSY). Best effort.
 */
static void sim_teardown(void)
{
    struct hsx_gpio_map m = {.pin = PIN};
    int ctl = open("/dev/hsx/ctl", O_RDWR | O_CLOEXEC);

    if (ctl >= 0) {
        ioctl(ctl, HSX_IOC_GPIO_MAP, &m); /* an empty label unmaps */
        close(ctl);
    }
    write_file(SIM_CONFIGFS "/" SIM_NAME "/live", "0");
    rmdir(SIM_CONFIGFS "/" SIM_NAME "/bank0");
    rmdir(SIM_CONFIGFS "/" SIM_NAME);
}

static void sim_pull(int up)
{
    write_file(sim_pull_path, up ? "pull-up" : "pull-down");
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

static double pct_us(uint64_t *v, unsigned int n, double p)
{
    qsort(v, n, sizeof(*v), cmp_u64);
    return (double)v[(unsigned int)((n - 1) * p)] / 1000.0;
}

/* ---- hsx ---------------------------------------------------------------- */

static int hsx_check(const char *what, int ret)
{
    if (ret < 0)
        fprintf(stderr, "gpio_vs_libgpiod: %s: %s (errno %d)\n", what, hsx_hal_strerror(ret),
                hsx_hal_errno());
    return ret;
}

static double hsx_ops(int write)
{
    uint64_t start;
    int i, ret = 0;

    if (hsx_check("hsx_gpio_config",
                  hsx_gpio_config(PIN, write ? HSX_GPIO_MODE_OUTPUT : HSX_GPIO_MODE_INPUT,
                                  HSX_GPIO_PULL_NONE)) < 0)
        return -1;
    start = now_ns();
    for (i = 0; i < OPS && ret >= 0; i++)
        ret = write ? hsx_gpio_write(PIN, (uint8_t)(i & 1)) : hsx_gpio_read(PIN);
    if (hsx_check(write ? "hsx_gpio_write" : "hsx_gpio_read", ret) < 0)
        return -1;
    return OPS / ((double)(now_ns() - start) / 1e9);
}

/*
 * Edge latency, every side alike: the application waits for edges on a
 * thread of its own (hsx: the library's dispatcher, which runs the callback,
 * or a thread blocked in hsx_gpio_wait_event(); hsx.ko alone: a thread
 * blocked in the queue file's read(); libgpiod: a reader blocked in
 * gpiod_line_event_read()), and the main thread makes each edge, then waits
 * until that thread has seen it. Edges come from outside the application, so
 * the thread that sees one never made it.
 */
static atomic_uint_fast64_t seen_ns, seen_since_irq_ns;
static sem_t seen;

/*
 * The application thread saw an edge, at now, since_irq_ns after the kernel
 * timestamped it in the hard interrupt: the part of the latency that follows
 * the emulated sysfs write, shown beside the whole.
 */
static void edge_seen(uint64_t now, uint64_t since_irq_ns)
{
    atomic_store(&seen_since_irq_ns, since_irq_ns);
    atomic_store(&seen_ns, now);
    sem_post(&seen);
}

/*
 * Make EDGES edges, alternating from low, and time each until it is seen:
 * lat from just before the pull, irq_lat from the interrupt.
 */
static int drive_edges(uint64_t *lat, uint64_t *irq_lat)
{
    for (int i = 0; i < EDGES; i++) {
        struct timespec deadline;
        uint64_t t0 = now_ns();

        sim_pull(!(i & 1));
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 5;
        while (sem_timedwait(&seen, &deadline) && errno == EINTR)
            ;
        if (!atomic_load(&seen_ns)) {
            fprintf(stderr, "gpio_vs_libgpiod: edge %d not seen in 5 s\n", i);
            return -1;
        }
        irq_lat[i] = atomic_load(&seen_since_irq_ns);
        lat[i] = atomic_exchange(&seen_ns, 0) - t0;
    }
    return 0;
}

static void on_edge(void *data, uint32_t length, void *user)
{
    const hsx_gpio_event_t *ev = data;
    uint64_t now = now_ns();
    (void)user;

    /* The spec's event has 32 bits of microseconds: wrap-safe over minutes. */
    uint32_t since_us = length >= sizeof(*ev) ? (uint32_t)(now / 1000) - ev->timestamp : 0;
    edge_seen(now, (uint64_t)since_us * 1000);
}

/*
 * Where the threads run, the same for every side: the thread that sees edges
 * on CPU 1, the one that makes them (and so the interrupt and its thread) on
 * CPU 0. A thread inherits its creator's CPUs, so the caller moves to CPU 1
 * before the application thread is made and back to CPU 0 after. Left to the
 * scheduler, whether a wake-up stays on the waker's CPU or crosses to the
 * other one changes from round to round, and with it which side looks faster.
 */
static void run_on_cpu(int cpu)
{
    cpu_set_t set;

    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set))
        perror("gpio_vs_libgpiod: sched_setaffinity");
}

/*
 * The threaded handler of the line's interrupt ("irq/<n>-<name>") onto CPU 0,
 * where the emulated interrupt itself comes, the same for every side. A new
 * IRQ thread runs wherever it first ran, and an RT task stays on its CPU: by
 * chance on the other CPU, each edge then pays one more cross-CPU wake-up
 * (70 µs under TCG, traced), round after round, for one side or the other.
 */
static void irq_thread_on_cpu0(const char *name)
{
    DIR *proc = opendir("/proc");
    struct dirent *d;
    size_t len = strlen(name);
    cpu_set_t set;
    int found = 0;

    CPU_ZERO(&set);
    CPU_SET(0, &set);
    while (proc && (d = readdir(proc))) {
        char path[300], comm[64];
        int pid = atoi(d->d_name);

        if (pid <= 0)
            continue;
        snprintf(path, sizeof(path), "/proc/%d/comm", pid);
        if (read_line(path, comm, sizeof(comm)) || strncmp(comm, "irq/", 4) ||
            strlen(comm) <= len || strcmp(comm + strlen(comm) - len, name))
            continue;
        if (sched_setaffinity(pid, sizeof(set), &set))
            perror("gpio_vs_libgpiod: sched_setaffinity on the IRQ thread");
        found++;
    }
    if (proc)
        closedir(proc);
    if (found != 1)
        fprintf(stderr, "gpio_vs_libgpiod: %d IRQ threads named *%s\n", found, name);
}

/*
 * A thread that waits for edges, fn(arg), on CPU 1, the line's IRQ thread (named
 * *irq_name) on CPU 0: as the callback side's dispatcher and IRQ thread are placed.
 */
static int start_reader(pthread_t *reader, void *(*fn)(void *), void *arg, const char *irq_name)
{
    int ret;

    irq_thread_on_cpu0(irq_name);
    run_on_cpu(1);
    ret = pthread_create(reader, NULL, fn, arg);
    run_on_cpu(0);
    return ret ? -1 : 0;
}

static int hsx_latency(uint64_t *lat, uint64_t *irq_lat)
{
    int ret;

    if (hsx_check("hsx_gpio_config",
                  hsx_gpio_config(PIN, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE)) < 0)
        return -1;
    /* gpio-sim keeps the last driven value after output: start from low. */
    sim_pull(0);
    run_on_cpu(1); /* the library's dispatcher thread starts with the first callback */
    ret = hsx_check("hsx_gpio_set_interrupt_callback",
                    hsx_gpio_set_interrupt_callback(PIN, on_edge, NULL));
    run_on_cpu(0);
    if (ret < 0 || hsx_check("hsx_gpio_set_interrupt",
                             hsx_gpio_set_interrupt(PIN, HSX_GPIO_EDGE_BOTH, true)) < 0)
        return -1;
    irq_thread_on_cpu0("-hsx-gpio");
    ret = drive_edges(lat, irq_lat);
    hsx_gpio_set_interrupt(PIN, HSX_GPIO_EDGE_BOTH, false);
    hsx_gpio_set_interrupt_callback(PIN, NULL, NULL);
    return ret;
}

/*
 * The spec's blocking wait on a thread of the application's own, as the
 * libgpiod reader below blocks in its read: no deadline (a deadline costs a
 * clock read per wait, which the reader does not pay either).
 */
static void *hsx_waiter(void *arg)
{
    (void)arg;
    for (int i = 0; i < EDGES; i++) {
        hsx_gpio_event_ex_t ev;
        int ret = hsx_gpio_wait_event(PIN, &ev, HSX_HAL_TIMEOUT_INF);

        if (ret != HSX_HAL_OK) {
            hsx_check("hsx_gpio_wait_event", ret);
            return NULL;
        }
        uint64_t now = now_ns();
        edge_seen(now, now - ev.timestamp_ns);
    }
    return NULL;
}

static int hsx_wait_latency(uint64_t *lat, uint64_t *irq_lat)
{
    pthread_t waiter;
    int ret;

    if (hsx_check("hsx_gpio_config",
                  hsx_gpio_config(PIN, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE)) < 0)
        return -1;
    sim_pull(0); /* start from low, as the other sides do */
    if (hsx_check("hsx_gpio_set_interrupt", hsx_gpio_set_interrupt(PIN, HSX_GPIO_EDGE_BOTH, true)) <
        0)
        return -1;
    if (start_reader(&waiter, hsx_waiter, NULL, "-hsx-gpio"))
        return -1;
    pthread_setname_np(waiter, "hsx-waiter"); /* tests/bench/gpio_trace.awk tells the sides by it */
    ret = drive_edges(lat, irq_lat);
    if (ret)
        return ret; /* the waiter waits for an edge that never came: the process exits */
    pthread_join(waiter, NULL);
    hsx_gpio_set_interrupt(PIN, HSX_GPIO_EDGE_BOTH, false);
    return 0;
}

/* ---- libgpiod (v1 API, as Debian 12 ships it) ------------------------------ */

static double gpiod_ops(struct gpiod_chip *chip, int write)
{
    struct gpiod_line *line = gpiod_chip_get_line(chip, 0);
    uint64_t start;
    int i, ret = 0;

    if (!line || (write ? gpiod_line_request_output(line, "bench", 0)
                        : gpiod_line_request_input(line, "bench")))
        return -1;
    start = now_ns();
    for (i = 0; i < OPS && ret >= 0; i++)
        ret = write ? gpiod_line_set_value(line, i & 1) : gpiod_line_get_value(line);
    uint64_t elapsed = now_ns() - start; /* the operations only, as for hsx */
    gpiod_line_release(line);
    return ret < 0 ? -1 : OPS / ((double)elapsed / 1e9);
}

static void *gpiod_reader(void *arg)
{
    struct gpiod_line *line = arg;
    struct gpiod_line_event ev;

    for (int i = 0; i < EDGES; i++) {
        if (gpiod_line_event_read(line, &ev)) {
            fprintf(stderr, "gpio_vs_libgpiod: gpiod_line_event_read: %s\n", strerror(errno));
            return NULL;
        }
        uint64_t now = now_ns();
        edge_seen(now, now - ((uint64_t)ev.ts.tv_sec * 1000000000ull + (uint64_t)ev.ts.tv_nsec));
    }
    return NULL;
}

static int gpiod_latency(struct gpiod_chip *chip, uint64_t *lat, uint64_t *irq_lat)
{
    struct gpiod_line *line = gpiod_chip_get_line(chip, 0);
    pthread_t reader;
    int ret;

    if (!line)
        return -1;
    sim_pull(0); /* start from low, as the hsx run does */
    if (gpiod_line_request_both_edges_events(line, "bench"))
        return -1;
    if (start_reader(&reader, gpiod_reader, line, "-bench"))
        return -1;
    ret = drive_edges(lat, irq_lat);
    if (ret)
        pthread_cancel(reader); /* blocked in read for an edge that never came */
    pthread_join(reader, NULL);
    gpiod_line_release(line);
    return ret;
}

/* ---- hsx.ko alone: a read() of the pin's queue file, no library ------------ */

static int kernel_file = -1;
static size_t kernel_record_size, kernel_read_len;

/*
 * As the library's receive reads: a batch's room of whole records (its
 * HSX_MBOX_BATCH_BYTES, lib/src/core/mailbox.h). Each of the pin's records
 * it brings is an edge seen, as each is an event to the library's sides.
 */
#define KERNEL_READ_BYTES 4096

static void *kernel_reader(void *arg)
{
    static _Alignas(8) unsigned char buf[KERNEL_READ_BYTES];
    (void)arg;

    for (int seen_edges = 0; seen_edges < EDGES;) {
        ssize_t n = read(kernel_file, buf, kernel_read_len);

        if (n <= 0 || (size_t)n % kernel_record_size) {
            fprintf(stderr, "gpio_vs_libgpiod: queue file read: %zd (%s)\n", n,
                    n < 0 ? strerror(errno) : "not whole records");
            return NULL;
        }
        uint64_t now = now_ns();
        for (size_t off = 0; off < (size_t)n && seen_edges < EDGES; off += kernel_record_size) {
            struct hsx_mbox_record rec;
            struct hsx_gpio_record edge;

            /* Copied out, as the library decodes: the buffer is bytes. */
            memcpy(&rec, buf + off, sizeof(rec));
            memcpy(&edge, buf + off + sizeof(rec), sizeof(edge));
            if (rec.type != HSX_EVT_DATA || rec.module != HSX_MODULE_GPIO || edge.pin != PIN) {
                fprintf(stderr, "gpio_vs_libgpiod: queue file record: type %u module %u pin %u\n",
                        rec.type, rec.module, edge.pin);
                return NULL;
            }
            edge_seen(now, now - edge.timestamp_ns);
            seen_edges++;
        }
    }
    return NULL;
}

static int kernel_latency(uint64_t *lat, uint64_t *irq_lat)
{
    struct hsx_gpio_interrupt irq = {.pin = PIN, .edge = HSX_GPIO_E_BOTH, .enable = 1};
    struct hsx_mbox_open open_arg = {0};
    struct hsx_mbox_queue_info info;
    pthread_t reader;
    int dev, ret = -1;

    /* The pin configured as the other sides' (the library's call, before the edges). */
    if (hsx_check("hsx_gpio_config",
                  hsx_gpio_config(PIN, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE)) < 0)
        return -1;
    sim_pull(0);
    dev = open("/dev/hsx/gpio", O_RDWR | O_CLOEXEC);
    if (dev < 0) {
        perror("gpio_vs_libgpiod: /dev/hsx/gpio");
        return -1;
    }
    snprintf(open_arg.name, sizeof(open_arg.name), HSX_MBOX_GPIO_FMT, PIN);
    kernel_file = ioctl(dev, HSX_IOC_MBOX_OPEN, &open_arg);
    if (kernel_file < 0 || ioctl(kernel_file, HSX_IOC_MBOX_QUEUE_INFO, &info)) {
        perror("gpio_vs_libgpiod: the pin's queue file");
        goto out;
    }
    kernel_record_size = info.record_size;
    if (kernel_record_size < sizeof(struct hsx_mbox_record) + sizeof(struct hsx_gpio_record) ||
        kernel_record_size > KERNEL_READ_BYTES) {
        fprintf(stderr, "gpio_vs_libgpiod: queue file records of %zu bytes\n", kernel_record_size);
        goto out;
    }
    kernel_read_len = KERNEL_READ_BYTES / kernel_record_size * kernel_record_size;
    if (ioctl(dev, HSX_IOC_GPIO_SET_INTERRUPT, &irq)) {
        perror("gpio_vs_libgpiod: HSX_IOC_GPIO_SET_INTERRUPT");
        goto out;
    }
    if (start_reader(&reader, kernel_reader, NULL, "-hsx-gpio"))
        goto out;
    pthread_setname_np(reader, "hsx-kernel"); /* gpio_trace.awk tells the sides by it */
    ret = drive_edges(lat, irq_lat);
    if (ret)
        return ret; /* the reader waits for an edge that never came: the process exits */
    pthread_join(reader, NULL);
out:
    irq.enable = 0;
    ioctl(dev, HSX_IOC_GPIO_SET_INTERRUPT, &irq);
    if (kernel_file >= 0)
        close(kernel_file);
    close(dev);
    return ret;
}

struct side {
    double writes, reads;
    uint64_t lat[EDGES], irq_lat[EDGES];
};

static int measure_hsx(struct side *out)
{
    out->writes = hsx_ops(1);
    out->reads = hsx_ops(0);
    return out->writes < 0 || out->reads < 0 || hsx_latency(out->lat, out->irq_lat) ? -1 : 0;
}

/*
 * The operations too, as the other sides make them before their edges, so
 * that each side's edges find the process equally warm; only the callback
 * side's operations are reported.
 */
static int measure_hsx_wait(struct side *out)
{
    out->writes = hsx_ops(1);
    out->reads = hsx_ops(0);
    return out->writes < 0 || out->reads < 0 || hsx_wait_latency(out->lat, out->irq_lat) ? -1 : 0;
}

/* As the wait side: its operations through the library, then its edges without it. */
static int measure_kernel(struct side *out)
{
    out->writes = hsx_ops(1);
    out->reads = hsx_ops(0);
    return out->writes < 0 || out->reads < 0 || kernel_latency(out->lat, out->irq_lat) ? -1 : 0;
}

static int measure_gpiod(struct side *out)
{
    struct gpiod_chip *chip = gpiod_chip_open_by_label(SIM_LABEL);
    int ret;

    if (!chip) {
        fprintf(stderr, "gpio_vs_libgpiod: libgpiod cannot open %s: %s\n", SIM_LABEL,
                strerror(errno));
        return -1;
    }
    out->writes = gpiod_ops(chip, 1);
    out->reads = gpiod_ops(chip, 0);
    ret = out->writes < 0 || out->reads < 0 || gpiod_latency(chip, out->lat, out->irq_lat) ? -1 : 0;
    gpiod_chip_close(chip);
    return ret;
}

/* One side in a fresh process, so that it holds the line only while it runs. */
static int run_side(int (*measure)(struct side *), struct side *out)
{
    int fd[2], status;
    ssize_t n = 0, got;
    pid_t pid;

    if (pipe(fd))
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fd[0]);
        run_on_cpu(0);
        if (sem_init(&seen, 0, 0) || measure(out) ||
            write(fd[1], out, sizeof(*out)) != sizeof(*out))
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    while (n < (ssize_t)sizeof(*out) && (got = read(fd[0], (char *)out + n, sizeof(*out) - n)) > 0)
        n += got;
    close(fd[0]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
        return -1;
    return n == sizeof(*out) ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return v[n / 2];
}

/* A side's edges, over all rounds. */
struct lat_all {
    uint64_t lat[ROUNDS * EDGES], irq_lat[ROUNDS * EDGES];
};

static void keep_edges(struct lat_all *all, int round, const struct side *side)
{
    memcpy(&all->lat[round * EDGES], side->lat, sizeof(side->lat));
    memcpy(&all->irq_lat[round * EDGES], side->irq_lat, sizeof(side->irq_lat));
}

int main(void)
{
    static struct lat_all hsx_cb, hsx_wait, gpiod, kernel;
    double w_ratio[ROUNDS], r_ratio[ROUNDS], hw[ROUNDS], hr[ROUNDS], gw[ROUNDS], gr[ROUNDS];
    static struct side sides[4]; /* hsx callback, hsx wait, libgpiod, hsx.ko alone */
    int (*const measure[4])(struct side *) = {measure_hsx, measure_hsx_wait, measure_gpiod,
                                              measure_kernel};
    int round;

    sim_teardown(); /* what a killed run left */
    if (sim_setup()) {
        sim_teardown();
        return EXIT_FAILURE;
    }
    for (round = 0; round < ROUNDS; round++) {
        /*
         * A balanced Latin square (Williams): over four rounds each side is
         * first, second, third and last once, and within the rounds follows
         * each other side once, so drift and what the side before left
         * behind favour none. Every other four rounds take the rows in
         * reverse, so that across rounds too (a round's first side follows
         * the last one's last) no side follows itself and no pair comes
         * more than half as often again as another.
         */
        static const int orders[4][4] = {{0, 1, 3, 2}, {1, 2, 0, 3}, {2, 3, 1, 0}, {3, 0, 2, 1}};
        int row = round / 4 % 2 ? (4 - round % 4) % 4 : round % 4;

        for (int k = 0; k < 4; k++) {
            int which = orders[row][k];

            if (run_side(measure[which], &sides[which])) {
                fprintf(stderr, "gpio_vs_libgpiod: round %d failed\n", round);
                sim_teardown();
                return EXIT_FAILURE;
            }
        }
        hw[round] = sides[0].writes;
        hr[round] = sides[0].reads;
        gw[round] = sides[2].writes;
        gr[round] = sides[2].reads;
        w_ratio[round] = sides[0].writes / sides[2].writes;
        r_ratio[round] = sides[0].reads / sides[2].reads;
        keep_edges(&hsx_cb, round, &sides[0]);
        keep_edges(&hsx_wait, round, &sides[1]);
        keep_edges(&gpiod, round, &sides[2]);
        keep_edges(&kernel, round, &sides[3]);
    }

    sim_teardown();

    const unsigned int n = ROUNDS * EDGES;
    double h50 = pct_us(hsx_cb.lat, n, 0.5), h99 = pct_us(hsx_cb.lat, n, 0.99);
    double hw50 = pct_us(hsx_wait.lat, n, 0.5), hw99 = pct_us(hsx_wait.lat, n, 0.99);
    double k50 = pct_us(kernel.lat, n, 0.5), k99 = pct_us(kernel.lat, n, 0.99);
    double g50 = pct_us(gpiod.lat, n, 0.5), g99 = pct_us(gpiod.lat, n, 0.99);
    double hi50 = pct_us(hsx_cb.irq_lat, n, 0.5), hwi50 = pct_us(hsx_wait.irq_lat, n, 0.5);
    double ki50 = pct_us(kernel.irq_lat, n, 0.5), gi50 = pct_us(gpiod.irq_lat, n, 0.5);
    double wr = median(w_ratio, ROUNDS), rr = median(r_ratio, ROUNDS);

    printf("gpio on gpio-sim, %d rounds of %d operations and %d edges per side\n", ROUNDS, OPS,
           EDGES);
    printf("  %-30s %12s %12s %8s\n", "", "hsx", "libgpiod", "ratio");
    printf("  %-30s %12.0f %12.0f %8.2f\n", "writes per second", median(hw, ROUNDS),
           median(gw, ROUNDS), wr);
    printf("  %-30s %12.0f %12.0f %8.2f\n", "reads per second", median(hr, ROUNDS),
           median(gr, ROUNDS), rr);
    printf("  %-30s %12.1f %12.1f %8.2f\n", "edge latency p50 (us), callback", h50, g50, h50 / g50);
    printf("  %-30s %12.1f %12.1f %8.2f\n", "edge latency p99 (us), callback", h99, g99, h99 / g99);
    printf("  %-30s %12.1f %12.1f %8.2f\n", "  of it after the IRQ, p50", hi50, gi50, hi50 / gi50);
    printf("  %-30s %12.1f %12.1f %8.2f\n", "edge latency p50 (us), wait", hw50, g50, hw50 / g50);
    printf("  %-30s %12.1f %12.1f %8.2f\n", "edge latency p99 (us), wait", hw99, g99, hw99 / g99);
    printf("  %-30s %12.1f %12.1f %8.2f\n", "  of it after the IRQ, p50", hwi50, gi50,
           hwi50 / gi50);
    printf("  %-30s %12.1f %12.1f %8.2f\n", "p50 (us), hsx.ko alone", k50, g50, k50 / g50);
    printf("  %-30s %12.1f %12.1f %8.2f\n", "p99 (us), hsx.ko alone", k99, g99, k99 / g99);
    printf("  %-30s %12.1f %12.1f %8.2f\n", "  of it after the IRQ, p50", ki50, gi50, ki50 / gi50);
    printf("BENCH gpio write_ratio=%.2f read_ratio=%.2f latency_p50_ratio=%.2f "
           "latency_p99_ratio=%.2f irq_to_app_p50_ratio=%.2f wait_p50_ratio=%.2f "
           "wait_p99_ratio=%.2f wait_irq_to_app_p50_ratio=%.2f kernel_p50_ratio=%.2f "
           "kernel_p99_ratio=%.2f kernel_irq_to_app_p50_ratio=%.2f\n",
           wr, rr, h50 / g50, h99 / g99, hi50 / gi50, hw50 / g50, hw99 / g99, hwi50 / gi50,
           k50 / g50, k99 / g99, ki50 / gi50);
    return EXIT_SUCCESS;
}
