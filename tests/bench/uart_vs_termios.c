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
 * echoes (p10 besides the targets' p50 and p99: the echoes a loaded host left
 * alone, the software's own cost). Prints both and the ratios hsx / raw;
 * exits non-zero only when bytes were lost or changed, or a step failed,
 * never on the numbers.
 *
 * With --paths, where hsx's time goes: three more sides on the bound ports,
 * writing with hsx_uart_write() and reading a queue file of the bench's own
 * (HSX_IOC_MBOX_OPEN, as the library subscribes) without the library, each
 * read() taking every record queued: blocked in read() (hsx.ko's path alone,
 * as the raw side blocks in the tty's read()), ppoll() on the file and an
 * eventfd then read(), and the library's wait (an io_uring READ beside a
 * POLL_ADD on an eventfd, the poll cancelled once the read completes). All
 * five sides take turns each round; the table has each one's numbers and
 * the median time of the echo's write() or hsx_uart_write() call.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/serial.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
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
/* How --paths' queue-file sides wait for records (see q_wait_records()). */
enum q_wait { Q_BLOCK, Q_PPOLL, Q_URING, Q_URING_READ };

struct side_ops {
    const char *name;
    int (*open)(void);
    long (*write)(int end, const void *buf, size_t len);
    long (*read)(int end, void *buf, size_t max);
    int (*errors)(int end, uint64_t *count);
    enum q_wait wait; /* a queue-file side's */
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

static const struct side_ops hsx_side = {
    .name = "hsx", .open = hsx_open, .write = hsx_write, .read = hsx_read, .errors = hsx_errors};
static const struct side_ops raw_side = {
    .name = "raw", .open = raw_open, .write = raw_write, .read = raw_read, .errors = raw_errors};

/* ---- --paths: hsx.ko's queue file read without the library ---------------------------- */

#define Q_RECORD ((size_t)(sizeof(struct hsx_mbox_record) + sizeof(struct hsx_uart_record)))

/* One end's queue file, the bytes its records brought and not yet returned, and the checks. */
static struct q_end {
    int fd, wake; /* wake: an eventfd no one writes, waited on as the library waits on its own */
    uint8_t records[4096 / Q_RECORD * Q_RECORD];
    uint8_t bytes[4096 / Q_RECORD * HSX_UART_DATA_MAX];
    size_t off, len;
    uint64_t next_seq, next_offset;
} q_ends[2];
static enum q_wait q_wait; /* the side's, set before it opens */

static int q_open(void)
{
    int dev = open("/dev/hsx/uart", O_RDWR | O_CLOEXEC);

    if (dev < 0) {
        perror("uart_vs_termios: /dev/hsx/uart");
        return -1;
    }
    for (int end = A; end <= B; end++) {
        struct hsx_mbox_open req = {.queue_len = HSX_MBOX_QUEUE_MAX,
                                    .flags = q_wait == Q_BLOCK ? 0 : HSX_MBOX_O_NONBLOCK};
        const hsx_uart_config_t config = {.baud = HSX_UART_BAUD_115200,
                                          .parity = HSX_UART_PARITY_NONE,
                                          .stop_bits = HSX_UART_STOP_1};
        struct q_end *q = &q_ends[end];

        snprintf(req.name, sizeof(req.name), HSX_MBOX_UART_FMT, (unsigned int)end);
        q->fd = ioctl(dev, HSX_IOC_MBOX_OPEN, &req);
        q->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (q->fd < 0 || q->wake < 0 || hsx_uart_config((uint8_t)end, &config) != HSX_HAL_OK) {
            fprintf(stderr, "uart_vs_termios: queue file of port %d: %s\n", end, strerror(errno));
            return -1;
        }
    }
    close(dev);
    return 0;
}

/* The calling thread's ring, as the library makes its own. */
static struct io_uring *q_ring(void)
{
    static __thread struct io_uring ring;
    static __thread bool ready;

    if (!ready && io_uring_queue_init(8, &ring,
                                      IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
                                          IORING_SETUP_DEFER_TASKRUN) < 0)
        return NULL;
    ready = true;
    return &ring;
}

/* The library's wait (core/ring.c), without a deadline: READ and POLL_ADD(wake), then a cancel. */
static ssize_t q_uring_read(struct q_end *q)
{
    struct io_uring *ring = q_ring();
    struct io_uring_cqe *cqe;
    int res = -EIO, in_flight = 2;

    if (!ring)
        return -ENOMEM;
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    io_uring_prep_poll_add(sqe, q->wake, POLLIN);
    io_uring_sqe_set_data64(sqe, 1);
    sqe = io_uring_get_sqe(ring);
    io_uring_prep_read(sqe, q->fd, q->records, sizeof(q->records), 0);
    io_uring_sqe_set_data64(sqe, 2);
    if (io_uring_submit(ring) != 2)
        return -EIO;
    while (in_flight > 0) {
        if (io_uring_wait_cqe(ring, &cqe) < 0)
            return -EIO;
        uint64_t op = io_uring_cqe_get_data64(cqe);
        if (op == 2) {
            res = cqe->res;
            sqe = io_uring_get_sqe(ring);
            io_uring_prep_cancel64(sqe, 1, 0);
            io_uring_sqe_set_data64(sqe, 3);
            in_flight++;
            if (io_uring_submit(ring) != 1)
                return -EIO;
        }
        io_uring_cqe_seen(ring, cqe);
        in_flight--;
    }
    return res;
}

/* A READ alone, submitted and waited for in one call: no read() before it, nothing to cancel. */
static ssize_t q_uring_read_only(struct q_end *q)
{
    struct io_uring *ring = q_ring();
    struct io_uring_cqe *cqe;

    if (!ring)
        return -ENOMEM;
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    io_uring_prep_read(sqe, q->fd, q->records, sizeof(q->records), 0);
    if (io_uring_submit_and_wait(ring, 1) != 1 || io_uring_peek_cqe(ring, &cqe))
        return -EIO;
    int res = cqe->res;
    io_uring_cqe_seen(ring, cqe);
    return res;
}

/* Every record queued, once one is: by the side's way of waiting. */
static ssize_t q_wait_records(struct q_end *q)
{
    if (q_wait == Q_URING_READ)
        return q_uring_read_only(q);
    for (;;) {
        ssize_t n = read(q->fd, q->records, sizeof(q->records));
        if (n >= 0 || errno != EAGAIN)
            return n < 0 ? -errno : n;
        if (q_wait == Q_URING)
            return q_uring_read(q);
        struct pollfd fds[2] = {{.fd = q->fd, .events = POLLIN}, {.fd = q->wake, .events = POLLIN}};
        if (ppoll(fds, 2, NULL, NULL) < 0 && errno != EINTR)
            return -errno;
    }
}

/* Checked as hsx_uart_read_ex() checks: in order, nothing dropped, no byte missing, no flag. */
static int q_take_records(struct q_end *q, int end, size_t len)
{
    for (size_t at = 0; at + Q_RECORD <= len; at += Q_RECORD) {
        struct hsx_mbox_record h;
        struct hsx_uart_record r;

        memcpy(&h, q->records + at, sizeof(h));
        memcpy(&r, q->records + at + sizeof(h), sizeof(r));
        if (h.type != HSX_EVT_DATA || h.module != HSX_MODULE_UART || r.port != (unsigned int)end) {
            fprintf(stderr, "uart_vs_termios: port %d: record of type %u, module %u\n", end, h.type,
                    h.module);
            return -FAIL_STEP;
        }
        if (h.dropped || (q->next_seq && h.seq != q->next_seq) ||
            (q->next_seq && r.offset != q->next_offset) || r.flags ||
            r.length > HSX_UART_DATA_MAX) {
            fprintf(stderr, "uart_vs_termios: port %d lost events or bytes (flags 0x%x)\n", end,
                    r.flags);
            return -FAIL_DATA;
        }
        q->next_seq = h.seq + 1;
        q->next_offset = r.offset + r.length;
        if (r.kind == HSX_UART_EV_DATA) {
            memcpy(q->bytes + q->len, r.data, r.length);
            q->len += r.length;
        }
    }
    return 0;
}

static long q_read(int end, void *buf, size_t max)
{
    struct q_end *q = &q_ends[end];

    while (q->off == q->len) {
        ssize_t n = q_wait_records(q);
        if (n <= 0) {
            fprintf(stderr, "uart_vs_termios: queue file of port %d: %zd\n", end, n);
            return -FAIL_STEP;
        }
        q->off = q->len = 0;
        int ret = q_take_records(q, end, (size_t)n);
        if (ret)
            return ret;
    }
    size_t n = q->len - q->off < max ? q->len - q->off : max;
    memcpy(buf, q->bytes + q->off, n);
    q->off += n;
    return (long)n;
}

/* The queue-file sides differ in how they wait only. */
#define Q_SIDE(name_, wait_)                                                                       \
    {                                                                                              \
        .name = (name_), .open = q_open, .write = hsx_write, .read = q_read, .errors = hsx_errors, \
        .wait = (wait_),                                                                           \
    }
static const struct side_ops q_block_side = Q_SIDE("queue read()", Q_BLOCK);
static const struct side_ops q_ppoll_side = Q_SIDE("queue ppoll+read", Q_PPOLL);
static const struct side_ops q_uring_side = Q_SIDE("queue io_uring", Q_URING);
static const struct side_ops q_uring_read_side = Q_SIDE("queue io_uring READ", Q_URING_READ);

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
    size_t received;           /* by the reader: the writer's window moves with it */
    unsigned int window_waits; /* the writer found the window shut: the reader held it back */
    int result;                /* the writer's: 0 or an exit code */
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
        if (sent + chunk - f->received > WINDOW)
            f->window_waits++;
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

/*
 * PAYLOAD bytes from A to B: bytes per second, or a negative exit code; *reads: the reader's
 * calls, *window_waits: the writer's waits for the window (the rest of its waits are the driver's).
 */
static double throughput(const struct side_ops *ops, const uint8_t *out, uint8_t *in,
                         unsigned int *reads, unsigned int *window_waits)
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
    *window_waits = f.window_waits;
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

/* Echo round trips from A, in ns, into lat[ECHOES], and their writes' calls into wlat: 0 or an exit
 * code. */
static int latency(const struct side_ops *ops, uint64_t *lat, uint64_t *wlat)
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
        uint64_t written = now_ns();
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
            wlat[i - WARMUP] = written - start;
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
    unsigned int reads;        /* of the throughput's reader */
    unsigned int window_waits; /* of the throughput's writer */
    uint64_t lat[ECHOES];
    uint64_t wlat[ECHOES]; /* the echoes' write calls on A */
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
    q_wait = ops->wait;
    if (ops->open() || ops->errors(A, &before[A]) || ops->errors(B, &before[B]))
        return FAIL_STEP;
    /* The child has the parent's copy: the last round's count (before: counted on from it). */
    res->reads = 0;
    res->bytes_per_s = throughput(ops, out, in, &res->reads, &res->window_waits);
    if (res->bytes_per_s < 0)
        return (int)-res->bytes_per_s;
    int ret = latency(ops, res->lat, res->wlat);
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

    bool bound = ops != &raw_side;

    if (bound && (map_port(A, tty_names[A]) || map_port(B, tty_names[B])))
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
    if (bound && (map_port(A, "") | map_port(B, "")))
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

/* ---- --paths ------------------------------------------------------------------------- */

static int paths(void)
{
    static const struct side_ops *const sides[] = {
        &raw_side, &hsx_side, &q_block_side, &q_ppoll_side, &q_uring_side, &q_uring_read_side};
#define NSIDES (sizeof(sides) / sizeof(sides[0]))
    static uint64_t lat[NSIDES][ROUNDS * ECHOES], wlat[NSIDES][ROUNDS * ECHOES];
    static struct result res;
    double bps[NSIDES][ROUNDS], per_read[NSIDES][ROUNDS], p50[NSIDES][ROUNDS];
    double ratio[NSIDES][ROUNDS]; /* of the round's p50 to the raw side's in the same round */
    double p10[NSIDES][ROUNDS], ratio10[NSIDES][ROUNDS]; /* the same for p10 */
    uint64_t start = now_ns();

    for (int round = 0; round < ROUNDS; round++) {
        for (unsigned int k = 0; k < NSIDES; k++) {
            /* Each round starts one side later, so drift favours none. */
            unsigned int i = (k + (unsigned int)round) % NSIDES;
            int ret = run_side(sides[i], &res);
            if (ret) {
                fprintf(stderr, "uart_vs_termios: round %d, %s: %s\n", round, sides[i]->name,
                        ret == FAIL_DATA ? "bytes lost or changed" : "failed");
                return ret == FAIL_DATA ? FAIL_DATA : EXIT_FAILURE;
            }
            bps[i][round] = res.bytes_per_s;
            per_read[i][round] = (double)PAYLOAD / res.reads;
            memcpy(&lat[i][round * ECHOES], res.lat, sizeof(res.lat));
            memcpy(&wlat[i][round * ECHOES], res.wlat, sizeof(res.wlat));
            p50[i][round] = pct_us(res.lat, ECHOES, 0.5);
            p10[i][round] = pct_us(res.lat, ECHOES, 0.1);
        }
        for (unsigned int i = 0; i < NSIDES; i++) {
            ratio[i][round] = p50[i][round] / p50[0][round];
            ratio10[i][round] = p10[i][round] / p10[0][round];
        }
    }
    printf("uart paths, %d rounds of %zu sides, %.0f s; all bytes arrived and compared equal\n",
           ROUNDS, NSIDES, (double)(now_ns() - start) / 1e9);
    /*
     * "/ raw": the median over rounds of the round's p50 (p10) over the raw
     * side's in that round. A loaded host moves p50 with the share of echoes
     * it delayed; p10 is the echoes it left alone, the software's own cost.
     */
    printf("  %-20s %9s %8s %9s %9s %9s %7s %7s %9s\n", "side", "bytes/s", "per read", "echo p10",
           "echo p50", "echo p99", "p10/raw", "p50/raw", "write p50");
    for (unsigned int i = 0; i < NSIDES; i++) {
        printf("  %-20s %9.0f %8.1f %9.1f %9.1f %9.1f %7.2f %7.2f %9.1f\n", sides[i]->name,
               median(bps[i], ROUNDS), median(per_read[i], ROUNDS),
               pct_us(lat[i], ROUNDS * ECHOES, 0.1), pct_us(lat[i], ROUNDS * ECHOES, 0.5),
               pct_us(lat[i], ROUNDS * ECHOES, 0.99), median(ratio10[i], ROUNDS),
               median(ratio[i], ROUNDS), pct_us(wlat[i], ROUNDS * ECHOES, 0.5));
    }
    return EXIT_SUCCESS;
#undef NSIDES
}

int main(int argc, char **argv)
{
    static uint64_t hsx_lat[ROUNDS * ECHOES], raw_lat[ROUNDS * ECHOES];
    static struct result hsx, raw;
    double hb[ROUNDS], rb[ROUNDS], ratio[ROUNDS], hr[ROUNDS], rr[ROUNDS], hw[ROUNDS], rw[ROUNDS];
    uint64_t start = now_ns();

    if (argc == 2 && !strcmp(argv[1], "--paths"))
        return paths();
    if (argc != 1) {
        fprintf(stderr, "usage: uart_vs_termios [--paths]\n");
        return EXIT_FAILURE;
    }
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
        hw[round] = hsx.window_waits;
        rw[round] = raw.window_waits;
        memcpy(&hsx_lat[round * ECHOES], hsx.lat, sizeof(hsx.lat));
        memcpy(&raw_lat[round * ECHOES], raw.lat, sizeof(raw.lat));
        printf("  round %d: %.0f / %.0f bytes/s, ratio %.2f; echo p50 %.1f / %.1f us\n", round,
               hsx.bytes_per_s, raw.bytes_per_s, ratio[round], pct_us(hsx.lat, ECHOES, 0.5),
               pct_us(raw.lat, ECHOES, 0.5));
    }

    const unsigned int n = ROUNDS * ECHOES;
    double h10 = pct_us(hsx_lat, n, 0.1), h50 = pct_us(hsx_lat, n, 0.5);
    double h99 = pct_us(hsx_lat, n, 0.99), r10 = pct_us(raw_lat, n, 0.1);
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
    /* Where the writer waits: for the reader (here), else for room in the driver (the kernel). */
    printf("  %-28s %12.0f %12.0f\n", "  writer held by the window", median(hw, ROUNDS),
           median(rw, ROUNDS));
    /* p10: the echoes a loaded host left alone, what the software costs (see --paths). */
    printf("  %-28s %12.1f %12.1f %8.2f\n", "echo round trip p10 (us)", h10, r10, h10 / r10);
    printf("  %-28s %12.1f %12.1f %8.2f %8s\n", "echo round trip p50 (us)", h50, r50, h50 / r50,
           "<=1.2");
    printf("  %-28s %12.1f %12.1f %8.2f\n", "echo round trip p99 (us)", h99, r99, h99 / r99);
    printf("BENCH uart throughput_ratio=%.2f latency_p50_ratio=%.2f latency_p99_ratio=%.2f\n", tr,
           h50 / r50, h99 / r99);
    return EXIT_SUCCESS;
}
