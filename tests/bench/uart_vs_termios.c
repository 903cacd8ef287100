/* SPDX-License-Identifier: MIT */
/*
 * UART through hsx against the peer baseline, a raw termios read/write loop,
 * on the same pair of 16550s in the same VM run: the test board's ttyS2 and
 * ttyS3, wired back to back (tests/vm/run; their IRQs are set by the suite's
 * helpers/vm-setup before hsx.ko loads).
 *
 *   - throughput, bytes per second: PAYLOAD bytes written on ttyS2 (hsx port
 *     0, hsx_uart_write) by one thread and read on ttyS3 (hsx port 1,
 *     hsx_uart_read) by another, compared byte for byte, nothing lost;
 *   - echo round-trip latency, p50 and p99: MSG bytes written on ttyS2 and
 *     read back there, after a thread on ttyS3 echoed them.
 *
 * The raw side is what an application does without hsx: the same ttys opened
 * while hsx does not hold them (the ports unbound), cfmakeraw(), VMIN=1 and
 * VTIME=0, blocking read() and write(). Both sides run the same code around
 * four calls (write, read, and their checks) and keep their threads on the
 * same CPUs.
 *
 * QEMU's wire has no flow control, so the writer keeps at most WINDOW bytes
 * in flight, released as the reader takes them (an in-process window, the
 * same for both sides): hsx queues at most 1024 events of up to 32 bytes
 * for a subscriber, the tty layer 4 KiB and 64 KiB of flip buffers. QEMU moves the bytes as fast as
 * the guest takes them, not at the 115200 baud the ports are set to, so this measures the software
 * on the path, not the line.
 *
 * Noise under TCG is large: ROUNDS rounds, the sides alternating and each in
 * a fresh process; throughput is the median of the rounds and its ratio the
 * median of the rounds' ratios, latency percentiles are over all rounds'
 * echoes. Prints both and the ratios hsx / raw; exits non-zero only when
 * bytes were lost or changed, or a step failed, never on the numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <hsx_uapi.h>
#include <hsx_uart.h>

#define A 0 /* hsx port 0, ttyS2: writes, and times the echoes */
#define B 1 /* hsx port 1, ttyS3: reads, and echoes */
static const char *const tty_names[2] = {"ttyS2", "ttyS3"};

#define ROUNDS 5
#define PAYLOAD (192 * 1024) /* bytes per round and side */
#define CHUNK 1024           /* bytes per write */
#define WINDOW (8 * 1024)    /* bytes in flight at most */
#define MSG 16               /* bytes per echo */
#define WARMUP 10            /* echoes per round not timed */
#define ECHOES 200           /* echoes per round and side, timed */
#define STEP_S 60            /* a phase that takes longer lost bytes: SIGALRM ends it */

/* Exit codes of a side's process. */
#define FAIL_STEP 1
#define FAIL_DATA 2

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void run_on_cpu(int cpu)
{
    cpu_set_t set;

    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set))
        perror("uart_vs_termios: sched_setaffinity");
}

/* ---- the two sides ---------------------------------------------------------- */

/*
 * A side: write all of len bytes, or read what is there (at least one byte,
 * at most max); either returns the bytes moved or a negative exit code
 * (FAIL_STEP, FAIL_DATA) after saying why. Reads wait as long as it takes, as a
 * blocking read() does. errors sums the port's counters of line errors and
 * overruns, compared before and after.
 */
struct side_ops {
    const char *name;
    int (*open)(void);
    long (*write)(int end, const void *buf, size_t len);
    long (*read)(int end, void *buf, size_t max);
    int (*errors)(int end, uint64_t *count);
};

static long hsx_write(int end, const void *buf, size_t len)
{
    int n = hsx_uart_write((uint8_t)end, buf, (uint32_t)len);

    if (n == (int)len)
        return n;
    fprintf(stderr, "uart_vs_termios: hsx_uart_write(%d, %zu): %d (errno %d)\n", end, len, n,
            hsx_hal_errno());
    return -FAIL_STEP;
}

/* As a blocking read() waits: without end (lost bytes end the process, see watchdog()). */
static long hsx_read(int end, void *buf, size_t max)
{
    hsx_uart_read_info_t info;
    int n = hsx_uart_read_ex((uint8_t)end, buf, (uint32_t)max, HSX_HAL_TIMEOUT_INF, &info);

    if (n <= 0) {
        fprintf(stderr, "uart_vs_termios: hsx_uart_read on port %d: %s (errno %d)\n", end,
                hsx_hal_strerror(n), hsx_hal_errno());
        return -FAIL_STEP;
    }
    if (info.lost_bytes || info.flags) {
        fprintf(stderr, "uart_vs_termios: port %d lost %llu bytes (flags 0x%x)\n", end,
                (unsigned long long)info.lost_bytes, info.flags);
        return -FAIL_DATA;
    }
    return n;
}

static int hsx_errors(int end, uint64_t *count)
{
    hsx_uart_status_t st;

    if (hsx_uart_get_status_ex((uint8_t)end, &st) != HSX_HAL_OK)
        return -1;
    *count = st.overruns + st.parity_errors + st.framing_errors + st.breaks;
    return 0;
}

static int hsx_open(void)
{
    for (int end = A; end <= B; end++) {
        int ret = hsx_uart_init((uint8_t)end);
        if (ret != HSX_HAL_OK) {
            fprintf(stderr, "uart_vs_termios: hsx_uart_init(%d): %s (errno %d)\n", end,
                    hsx_hal_strerror(ret), hsx_hal_errno());
            return -1;
        }
    }
    return 0;
}

static int raw_fd[2] = {-1, -1};

static int raw_open(void)
{
    for (int end = A; end <= B; end++) {
        char path[32];
        struct termios t;

        snprintf(path, sizeof(path), "/dev/%s", tty_names[end]);
        /* O_NONBLOCK: no wait for carrier before CLOCAL is set. */
        int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 || tcgetattr(fd, &t)) {
            fprintf(stderr, "uart_vs_termios: %s: %s\n", path, strerror(errno));
            return -1;
        }
        cfmakeraw(&t);
        t.c_cflag |= CLOCAL | CREAD;
        t.c_cflag &= ~(tcflag_t)CRTSCTS;
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        if (cfsetspeed(&t, B115200) || tcsetattr(fd, TCSANOW, &t) ||
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) || tcflush(fd, TCIOFLUSH)) {
            fprintf(stderr, "uart_vs_termios: setting %s raw: %s\n", path, strerror(errno));
            return -1;
        }
        raw_fd[end] = fd;
    }
    return 0;
}

static long raw_write(int end, const void *buf, size_t len)
{
    ssize_t n = write(raw_fd[end], buf, len);

    if (n == (ssize_t)len)
        return n;
    fprintf(stderr, "uart_vs_termios: write on %s: %zd (%s)\n", tty_names[end], n, strerror(errno));
    return -FAIL_STEP;
}

static long raw_read(int end, void *buf, size_t max)
{
    ssize_t n = read(raw_fd[end], buf, max);

    if (n > 0)
        return n;
    fprintf(stderr, "uart_vs_termios: read on %s: %zd (%s)\n", tty_names[end], n, strerror(errno));
    return -FAIL_STEP;
}

static int raw_errors(int end, uint64_t *count)
{
    struct serial_icounter_struct ic;

    if (ioctl(raw_fd[end], TIOCGICOUNT, &ic))
        return -1;
    *count = (uint64_t)ic.overrun + (uint64_t)ic.buf_overrun + (uint64_t)ic.parity +
             (uint64_t)ic.frame + (uint64_t)ic.brk;
    return 0;
}

static const struct side_ops hsx_side = {"hsx", hsx_open, hsx_write, hsx_read, hsx_errors};
static const struct side_ops raw_side = {"raw", raw_open, raw_write, raw_read, raw_errors};

/* ---- the measurements ------------------------------------------------------------ */

/*
 * Bytes that never come leave a reader blocked: SIGALRM, left to its default
 * action, ends the side's process after STEP_S seconds, and run_side() says so.
 */
static void watchdog(unsigned int seconds)
{
    alarm(seconds);
}

struct flow {
    const struct side_ops *ops;
    const uint8_t *data;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool go;
    size_t received; /* by the reader: the writer's window moves with it */
    int result;      /* the writer's: 0 or an exit code */
};

static void *writer(void *arg)
{
    struct flow *f = arg;
    size_t sent = 0;

    run_on_cpu(1);
    pthread_mutex_lock(&f->lock);
    while (!f->go)
        pthread_cond_wait(&f->cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
    while (sent < PAYLOAD) {
        size_t chunk = PAYLOAD - sent < CHUNK ? PAYLOAD - sent : CHUNK;

        pthread_mutex_lock(&f->lock);
        while (sent + chunk - f->received > WINDOW)
            pthread_cond_wait(&f->cond, &f->lock);
        pthread_mutex_unlock(&f->lock);
        long n = f->ops->write(A, f->data + sent, chunk);
        if (n < 0) {
            f->result = (int)-n;
            return NULL;
        }
        sent += (size_t)n;
    }
    return NULL;
}

/* PAYLOAD bytes from A to B: bytes per second, or a negative exit code; *reads: the calls. */
static double throughput(const struct side_ops *ops, const uint8_t *out, uint8_t *in,
                         unsigned int *reads)
{
    struct flow f = {.ops = ops, .data = out};
    pthread_t t;
    size_t got = 0;
    int fail = 0;

    pthread_mutex_init(&f.lock, NULL);
    pthread_cond_init(&f.cond, NULL);
    if (pthread_create(&t, NULL, writer, &f))
        return -FAIL_STEP;
    watchdog(STEP_S);
    uint64_t start = now_ns();
    pthread_mutex_lock(&f.lock);
    f.go = true;
    pthread_cond_signal(&f.cond);
    pthread_mutex_unlock(&f.lock);
    while (got < PAYLOAD) {
        long n = ops->read(B, in + got, PAYLOAD - got);
        if (n < 0) {
            fail = (int)-n;
            break;
        }
        got += (size_t)n;
        (*reads)++;
        pthread_mutex_lock(&f.lock);
        f.received = got;
        pthread_cond_signal(&f.cond);
        pthread_mutex_unlock(&f.lock);
    }
    uint64_t elapsed = now_ns() - start;
    watchdog(0);
    if (fail) {
        fprintf(stderr, "uart_vs_termios: %s throughput: %zu of %d bytes arrived\n", ops->name, got,
                PAYLOAD);
        _exit(fail); /* the writer may be blocked for good */
    }
    pthread_join(t, NULL);
    if (f.result)
        return -f.result;
    if (memcmp(in, out, PAYLOAD)) {
        size_t i = 0;
        while (in[i] == out[i])
            i++;
        fprintf(stderr, "uart_vs_termios: %s throughput: byte %zu is 0x%02x, not 0x%02x\n",
                ops->name, i, in[i], out[i]);
        return -FAIL_DATA;
    }
    return PAYLOAD / ((double)elapsed / 1e9);
}

struct echo {
    const struct side_ops *ops;
    int result;
};

/* On B: every byte that comes is sent back, until all the echoes' bytes were. */
static void *echoer(void *arg)
{
    struct echo *e = arg;
    uint8_t buf[MSG];
    size_t done = 0, total = (size_t)(WARMUP + ECHOES) * MSG;

    run_on_cpu(1);
    while (done < total) {
        long n = e->ops->read(B, buf, total - done < MSG ? total - done : MSG);
        if (n < 0 || (n = e->ops->write(B, buf, (size_t)n)) < 0) {
            e->result = (int)-n;
            return NULL;
        }
        done += (size_t)n;
    }
    return NULL;
}

/* Echo round trips from A, in ns, into lat[ECHOES]: 0 or an exit code. */
static int latency(const struct side_ops *ops, uint64_t *lat)
{
    struct echo e = {.ops = ops};
    pthread_t t;
    int fail = 0;

    if (pthread_create(&t, NULL, echoer, &e))
        return FAIL_STEP;
    watchdog(STEP_S);
    for (int i = 0; i < WARMUP + ECHOES && !fail; i++) {
        uint8_t msg[MSG], back[MSG];
        size_t got = 0;

        for (int j = 0; j < MSG; j++)
            msg[j] = (uint8_t)(i * 37 + j * 11 + 1);
        uint64_t start = now_ns();
        long n = ops->write(A, msg, MSG);
        while (n >= 0 && got < MSG && (n = ops->read(A, back + got, MSG - got)) > 0)
            got += (size_t)n;
        uint64_t elapsed = now_ns() - start;
        if (n < 0) {
            fprintf(stderr, "uart_vs_termios: %s echo %d: %zu of %d bytes came back\n", ops->name,
                    i, got, MSG);
            fail = (int)-n;
        } else if (memcmp(back, msg, MSG)) {
            fprintf(stderr, "uart_vs_termios: %s echo %d came back changed\n", ops->name, i);
            fail = FAIL_DATA;
        } else if (i >= WARMUP) {
            lat[i - WARMUP] = elapsed;
        }
    }
    watchdog(0);
    if (fail)
        _exit(fail); /* the echo thread may be blocked for good */
    pthread_join(t, NULL);
    return e.result;
}

struct result {
    double bytes_per_s;
    unsigned int reads; /* of the throughput's reader */
    uint64_t lat[ECHOES];
};

/* One side, in the child: open, measure, check the counters; 0 or an exit code. */
static int measure(const struct side_ops *ops, struct result *res)
{
    static uint8_t out[PAYLOAD], in[PAYLOAD];
    uint64_t before[2], after[2];
    uint32_t seed = 12345;

    for (size_t i = 0; i < PAYLOAD; i++) {
        seed = seed * 1103515245u + 12345u;
        out[i] = (uint8_t)(seed >> 16);
    }
    run_on_cpu(0);
    if (ops->open() || ops->errors(A, &before[A]) || ops->errors(B, &before[B]))
        return FAIL_STEP;
    res->bytes_per_s = throughput(ops, out, in, &res->reads);
    if (res->bytes_per_s < 0)
        return (int)-res->bytes_per_s;
    int ret = latency(ops, res->lat);
    if (ret)
        return ret;
    if (ops->errors(A, &after[A]) || ops->errors(B, &after[B]))
        return FAIL_STEP;
    if (after[A] != before[A] || after[B] != before[B]) {
        fprintf(stderr,
                "uart_vs_termios: %s: line errors or overruns counted: %llu on %s, "
                "%llu on %s\n",
                ops->name, (unsigned long long)(after[A] - before[A]), tty_names[A],
                (unsigned long long)(after[B] - before[B]), tty_names[B]);
        return FAIL_DATA;
    }
    return 0;
}

/* ---- binding ------------------------------------------------------------------- */

static int map_port(unsigned int port, const char *tty)
{
    struct hsx_uart_map m = {.port = port};
    int fd = open("/dev/hsx/ctl", O_RDWR | O_CLOEXEC), ret = -1;

    snprintf(m.tty, sizeof(m.tty), "%s", tty);
    if (fd >= 0) {
        ret = ioctl(fd, HSX_IOC_UART_MAP, &m);
        close(fd);
    }
    if (ret)
        fprintf(stderr, "uart_vs_termios: %s port %u %s: %s\n", *tty ? "binding" : "unbinding",
                port, tty, strerror(errno));
    return ret;
}

/* One side in a fresh process; hsx's holds the ttys only while it runs. 0 or an exit code. */
static int run_side(const struct side_ops *ops, struct result *res)
{
    int fd[2], status, ret;
    ssize_t n = 0, got;
    pid_t pid;

    if (ops == &hsx_side && (map_port(A, tty_names[A]) || map_port(B, tty_names[B])))
        return FAIL_STEP;
    if (pipe(fd))
        return FAIL_STEP;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return FAIL_STEP;
    if (pid == 0) {
        close(fd[0]);
        ret = measure(ops, res);
        if (!ret && write(fd[1], res, sizeof(*res)) != sizeof(*res))
            ret = FAIL_STEP;
        _exit(ret);
    }
    close(fd[1]);
    while (n < (ssize_t)sizeof(*res) && (got = read(fd[0], (char *)res + n, sizeof(*res) - n)) > 0)
        n += got;
    close(fd[0]);
    if (waitpid(pid, &status, 0) != pid)
        ret = FAIL_STEP;
    else if (WIFEXITED(status))
        ret = WEXITSTATUS(status);
    else if (WTERMSIG(status) == SIGALRM) {
        fprintf(stderr, "uart_vs_termios: %s: bytes did not arrive in %d s: lost\n", ops->name,
                STEP_S);
        ret = FAIL_DATA;
    } else {
        fprintf(stderr, "uart_vs_termios: %s: killed by signal %d\n", ops->name, WTERMSIG(status));
        ret = FAIL_STEP;
    }
    if (ops == &hsx_side && (map_port(A, "") | map_port(B, "")))
        ret = ret ? ret : FAIL_STEP;
    if (!ret && n != sizeof(*res))
        ret = FAIL_STEP;
    return ret;
}

/* ---- the table ----------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double pct_us(uint64_t *v, unsigned int n, double p)
{
    qsort(v, n, sizeof(*v), cmp_u64);
    return (double)v[(unsigned int)((n - 1) * p)] / 1000.0;
}

/* The median; v is sorted. */
static double median(double *v, unsigned int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return v[n / 2];
}

int main(void)
{
    static uint64_t hsx_lat[ROUNDS * ECHOES], raw_lat[ROUNDS * ECHOES];
    static struct result hsx, raw;
    double hb[ROUNDS], rb[ROUNDS], ratio[ROUNDS], hr[ROUNDS], rr[ROUNDS];
    uint64_t start = now_ns();

    printf("uart: ttyS2 -> ttyS3 back to back through QEMU, 115200 8N1 set; QEMU does not pace\n"
           "the line at its baud rate, so this measures the software path, not the wire\n");
    for (int round = 0; round < ROUNDS; round++) {
        /* Alternate which side goes first, so drift favours neither. */
        bool hsx_first = !(round & 1);
        const struct side_ops *order[2] = {hsx_first ? &hsx_side : &raw_side,
                                           hsx_first ? &raw_side : &hsx_side};

        for (int i = 0; i < 2; i++) {
            int ret = run_side(order[i], order[i] == &hsx_side ? &hsx : &raw);
            if (ret) {
                fprintf(stderr, "uart_vs_termios: round %d, %s: %s\n", round, order[i]->name,
                        ret == FAIL_DATA ? "bytes lost or changed" : "failed");
                return ret == FAIL_DATA ? FAIL_DATA : EXIT_FAILURE;
            }
        }
        hb[round] = hsx.bytes_per_s;
        rb[round] = raw.bytes_per_s;
        ratio[round] = hsx.bytes_per_s / raw.bytes_per_s;
        hr[round] = (double)PAYLOAD / hsx.reads;
        rr[round] = (double)PAYLOAD / raw.reads;
        memcpy(&hsx_lat[round * ECHOES], hsx.lat, sizeof(hsx.lat));
        memcpy(&raw_lat[round * ECHOES], raw.lat, sizeof(raw.lat));
        printf("  round %d: %.0f / %.0f bytes/s, ratio %.2f; echo p50 %.1f / %.1f us\n", round,
               hsx.bytes_per_s, raw.bytes_per_s, ratio[round], pct_us(hsx.lat, ECHOES, 0.5),
               pct_us(raw.lat, ECHOES, 0.5));
    }

    const unsigned int n = ROUNDS * ECHOES;
    double h50 = pct_us(hsx_lat, n, 0.5), h99 = pct_us(hsx_lat, n, 0.99);
    double r50 = pct_us(raw_lat, n, 0.5), r99 = pct_us(raw_lat, n, 0.99);
    double tr = median(ratio, ROUNDS); /* sorts ratio: [0] is the lowest */

    printf("uart, %d rounds: %d KiB per side and round (window %d KiB, writes of %d), "
           "%d echoes of %d bytes, %.0f s;\nall bytes arrived and compared equal, no line error or "
           "overrun counted\n",
           ROUNDS, PAYLOAD / 1024, WINDOW / 1024, CHUNK, ECHOES, MSG,
           (double)(now_ns() - start) / 1e9);
    printf("  %-28s %12s %12s %8s %8s\n", "", "hsx", "raw termios", "ratio", "target");
    printf("  %-28s %12.0f %12.0f %8.2f %8s\n", "throughput (bytes/s)", median(hb, ROUNDS),
           median(rb, ROUNDS), tr, ">=0.95");
    printf("  %-28s %12s %12s %3.2f-%.2f\n", "  ratio of single rounds", "", "", ratio[0],
           ratio[ROUNDS - 1]);
    printf("  %-28s %12.0f %12.0f\n", "  bytes per read call", median(hr, ROUNDS),
           median(rr, ROUNDS));
    printf("  %-28s %12.1f %12.1f %8.2f %8s\n", "echo round trip p50 (us)", h50, r50, h50 / r50,
           "<=1.2");
    printf("  %-28s %12.1f %12.1f %8.2f\n", "echo round trip p99 (us)", h99, r99, h99 / r99);
    printf("BENCH uart throughput_ratio=%.2f latency_p50_ratio=%.2f latency_p99_ratio=%.2f\n", tr,
           h50 / r50, h99 / r99);
    return EXIT_SUCCESS;
}
