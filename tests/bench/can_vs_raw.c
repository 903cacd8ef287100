/* SPDX-License-Identifier: MIT */
/*
 * CAN through hsx against the peer baseline, a CAN_RAW socket reader (what
 * candump does: recvmsg() with SO_RXQ_OVFL), on the same vcan interface in
 * the same VM run. The frames come from a CAN_RAW socket of the benchmark
 * (the same sender for both sides), so what differs is the receive path:
 * hsx.ko's CAN core receiver, its per-subscriber filter and queue file, the
 * library's hsx_can_rx_ex(); against the raw socket's.
 *
 *   - receive rate, frames per second, with zero unreported loss: FRAMES
 *     classic 8-byte frames sent by one thread while the side's reader takes
 *     them, at most WINDOW in flight (an in-process window, the same for both
 *     sides), each checked: ID, length, data, order; any loss fails;
 *   - TX->RX latency, p50 and p99: one frame at a time, from the sender's
 *     write() to the reader's return with it, the two sides' pings
 *     interleaved (below);
 *   - the cost of a send: hsx_can_tx() (it returns once the interface echoed
 *     the frame) against write() on a CAN_RAW socket.
 *
 * Noise under TCG is large: ROUNDS rounds. In each, the sides' rate and send
 * phases run one after the other, each side in a fresh process, the order
 * alternating; the rate is the median of the rounds and its ratio the median
 * of the rounds' ratios. Then one latency phase in a fresh process with both
 * readers open at once, each filtered to its own IDs (hsx: a filter bank,
 * checked in hsx.ko's receiver before the frame is queued; raw:
 * CAN_RAW_FILTER, checked by the CAN core), so a ping wakes only its side's
 * reader; the pings alternate hsx, raw, hsx, ... (the side going first
 * alternating by round). Why: a stall of the host (the VM is TCG on a shared
 * 2-core host) then falls on both sides alike. With each side's pings in one
 * block, as before, it fell on whichever side ran then, and a run's p99 ratio
 * was mostly which side the stalls hit (parity in some runs, 1.3 to 10 in
 * others). Latency percentiles are over all rounds' pings; the median over
 * the rounds of the per-round p99 ratio is printed too. Prints the table and
 * the ratios hsx / raw; exits non-zero only when frames were lost or changed
 * or a step failed, never on the numbers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hsx_can.h>
#include <hsx_uapi.h>

#define IFACE "vcan0"
#define BUS 0
#define ROUNDS 5
#define FRAMES 20000 /* per round and side, for the rate */
#define WINDOW 256   /* frames in flight at most */
#define WARMUP 20    /* latency frames per round and side not timed */
#define PINGS 300    /* latency frames per round and side, timed */
#define SENDS 2000   /* sends per round and side, for their cost */
#define STEP_S 60    /* a phase that takes longer lost frames: SIGALRM ends it */
/*
 * The latency phase's IDs: HSX_PING_ID + 0..0xff for hsx, RAW_PING_ID +
 * 0..0xff for raw; both sides' filters compare the bits of PING_MASK.
 */
#define HSX_PING_ID 0x100
#define RAW_PING_ID 0x200
#define PING_MASK 0x700

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
        perror("can_vs_raw: sched_setaffinity");
}

/*
 * A CAN_RAW socket on IFACE; with overflow counting for a reader. With only,
 * a reader of the frames that filter passes, bound to every interface (see
 * raw_open()).
 */
static int raw_socket(bool reader, const struct can_filter *only)
{
    int ifindex = (int)if_nametoindex(IFACE);
    struct sockaddr_can addr = {.can_family = AF_CAN, .can_ifindex = only ? 0 : ifindex};
    int one = 1, fd = socket(PF_CAN, SOCK_RAW | SOCK_CLOEXEC, CAN_RAW);

    if (fd < 0 || !ifindex ||
        (reader && setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one))) ||
        (only && setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FILTER, only, sizeof(*only))) ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
        perror("can_vs_raw: CAN_RAW socket on " IFACE);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Frame i of a run: its ID and data say which it is. */
static struct can_frame frame_n(uint32_t i)
{
    struct can_frame f = {.can_id = 0x100 + (i & 0x3ff), .len = 8};

    memcpy(f.data, &i, sizeof(i));
    f.data[4] = (uint8_t)(i * 7);
    f.data[5] = 0x5a;
    return f;
}

/* ---- the two readers -------------------------------------------------------------- */

/*
 * A side's reader. open(): subscribe; with pings_only, to the side's ping IDs
 * only (ping_id + 0..0xff), so the other side's pings never wake it. read():
 * the next frame, or a negative exit code after saying why; lost: frames the
 * side says it dropped before this one. idle(): 0 when nothing more is
 * queued, else an exit code after saying what is.
 */
struct side_ops {
    const char *name;
    canid_t ping_id;
    int (*open)(bool pings_only);
    int (*read)(struct can_frame *f, uint64_t *lost);
    int (*idle)(void);
};

/* The ping frame i of a side: frame_n(i) with an ID of the side's. */
static struct can_frame ping_frame(const struct side_ops *ops, uint32_t i)
{
    struct can_frame f = frame_n(i);

    f.can_id = ops->ping_id + (i & 0xff);
    return f;
}

static int hsx_open(bool pings_only)
{
    const char *what = "hsx_can_init_ex";
    int ret = hsx_can_init_ex(BUS);

    /* A bank on: hsx.ko's receiver drops the other IDs before queueing, so no wakeup. */
    if (ret == HSX_HAL_OK && pings_only) {
        what = "hsx_can_set_filter_ex";
        ret = hsx_can_set_filter_ex(BUS, 0, HSX_PING_ID, PING_MASK, HSX_CAN_FILTER_STD);
    }
    if (ret != HSX_HAL_OK)
        fprintf(stderr, "can_vs_raw: %s: %s (errno %d)\n", what, hsx_hal_strerror(ret),
                hsx_hal_errno());
    return ret == HSX_HAL_OK ? 0 : -1;
}

static int hsx_read(struct can_frame *f, uint64_t *lost)
{
    hsx_can_event_t ev;
    int ret = hsx_can_rx_ex(BUS, &ev, HSX_HAL_TIMEOUT_INF);

    if (ret != HSX_HAL_OK) {
        fprintf(stderr, "can_vs_raw: hsx_can_rx_ex: %s (errno %d)\n", hsx_hal_strerror(ret),
                hsx_hal_errno());
        return -FAIL_STEP;
    }
    memset(f, 0, sizeof(*f));
    f->can_id = ev.frame.can_id;
    f->len = ev.frame.len;
    memcpy(f->data, ev.frame.data, ev.frame.len <= 8 ? ev.frame.len : 8);
    *lost = ev.lost;
    return 0;
}

static int hsx_idle(void)
{
    hsx_can_event_t ev;
    int ret = hsx_can_rx_ex(BUS, &ev, 0);

    if (ret == HSX_HAL_TIMEOUT)
        return 0;
    if (ret == HSX_HAL_OK)
        fprintf(stderr, "can_vs_raw: hsx: frame %03X queued past the last ping\n", ev.frame.can_id);
    else
        fprintf(stderr, "can_vs_raw: hsx_can_rx_ex: %s (errno %d)\n", hsx_hal_strerror(ret),
                hsx_hal_errno());
    return ret == HSX_HAL_OK ? FAIL_DATA : FAIL_STEP;
}

static int raw_fd = -1;

/*
 * With pings_only, standard data frames of the side's IDs: the CAN core hands
 * the socket no other. Bound to every interface, as candump's "any": the CAN
 * core runs the receivers of all interfaces before vcan0's, and of vcan0's
 * the unfiltered ones, hsx.ko's among them, before those with a filter. So
 * the reader is handed the frame before hsx.ko's receiver runs, as the
 * unfiltered reader of the rate phase is (the newest receiver heads vcan0's
 * unfiltered list); a filtered socket on vcan0 would wait for hsx.ko's work
 * on the frame (in a trial under TCG the two bindings' p50s were within
 * noise of each other).
 */
static int raw_ifindex;

static int raw_open(bool pings_only)
{
    const struct can_filter only = {.can_id = RAW_PING_ID,
                                    .can_mask = PING_MASK | CAN_EFF_FLAG | CAN_RTR_FLAG};

    raw_ifindex = (int)if_nametoindex(IFACE); /* once: a lookup per frame would be timed */
    raw_fd = raw_socket(true, pings_only ? &only : NULL);
    return raw_fd < 0 ? -1 : 0;
}

/* candump's loop: recvmsg(), the socket's drop counter in SO_RXQ_OVFL's cmsg. */
static int raw_read(struct can_frame *f, uint64_t *lost)
{
    static uint32_t last_drops;
    char ctl[CMSG_SPACE(sizeof(uint32_t))];
    struct iovec iov = {.iov_base = f, .iov_len = sizeof(*f)};
    struct sockaddr_can from = {0};
    struct msghdr msg = {.msg_name = &from,
                         .msg_namelen = sizeof(from),
                         .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = ctl,
                         .msg_controllen = sizeof(ctl)};
    ssize_t n = recvmsg(raw_fd, &msg, 0);

    if (n != (ssize_t)sizeof(*f)) {
        fprintf(stderr, "can_vs_raw: recvmsg: %zd (%s)\n", n, strerror(errno));
        return -FAIL_STEP;
    }
    /* Bound to every interface for the pings: a frame must still be IFACE's. */
    if (from.can_ifindex != raw_ifindex) {
        fprintf(stderr, "can_vs_raw: raw: frame %03X from interface %d, not " IFACE "\n", f->can_id,
                from.can_ifindex);
        return -FAIL_DATA;
    }
    *lost = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
            uint32_t drops;
            memcpy(&drops, CMSG_DATA(c), sizeof(drops));
            *lost = drops - last_drops;
            last_drops = drops;
        }
    }
    return 0;
}

static int raw_idle(void)
{
    struct can_frame f;
    ssize_t n = recv(raw_fd, &f, sizeof(f), MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (n == (ssize_t)sizeof(f))
        fprintf(stderr, "can_vs_raw: raw: frame %03X queued past the last ping\n", f.can_id);
    else
        fprintf(stderr, "can_vs_raw: recv: %zd (%s)\n", n, strerror(errno));
    return n == (ssize_t)sizeof(f) ? FAIL_DATA : FAIL_STEP;
}

static const struct side_ops hsx_side = {"hsx", HSX_PING_ID, hsx_open, hsx_read, hsx_idle};
static const struct side_ops raw_side = {"raw", RAW_PING_ID, raw_open, raw_read, raw_idle};

static const struct side_ops *other_side(const struct side_ops *ops)
{
    return ops == &hsx_side ? &raw_side : &hsx_side;
}

/* ---- the measurements ----------------------------------------------------------------- */

struct flow {
    int tx;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint32_t received;
    int result;
};

static void *sender(void *arg)
{
    struct flow *fl = arg;

    run_on_cpu(1);
    for (uint32_t i = 0; i < FRAMES; i++) {
        struct can_frame f = frame_n(i);

        pthread_mutex_lock(&fl->lock);
        while (i - fl->received >= WINDOW)
            pthread_cond_wait(&fl->cond, &fl->lock);
        pthread_mutex_unlock(&fl->lock);
        while (write(fl->tx, &f, sizeof(f)) != sizeof(f)) {
            if (errno != ENOBUFS) {
                perror("can_vs_raw: write");
                fl->result = FAIL_STEP;
                return NULL;
            }
            sched_yield();
        }
    }
    return NULL;
}

/* Is got frame i as sent (want), with none lost before it? 0 or FAIL_DATA. */
static int check_frame(const struct side_ops *ops, uint32_t i, const struct can_frame *want,
                       const struct can_frame *got, uint64_t lost)
{
    if (lost) {
        fprintf(stderr, "can_vs_raw: %s lost %llu frames before frame %u\n", ops->name,
                (unsigned long long)lost, i);
        return FAIL_DATA;
    }
    if (got->can_id != want->can_id || got->len != want->len || memcmp(got->data, want->data, 8)) {
        fprintf(stderr, "can_vs_raw: %s: frame %u is %03X[%u], not %03X[%u]\n", ops->name, i,
                got->can_id, got->len, want->can_id, want->len);
        return FAIL_DATA;
    }
    return 0;
}

/* FRAMES frames through the side's reader: frames per second, or a negative exit code. */
static double rate(const struct side_ops *ops, int tx)
{
    struct flow fl = {.tx = tx};
    pthread_t t;
    int fail = 0;

    pthread_mutex_init(&fl.lock, NULL);
    pthread_cond_init(&fl.cond, NULL);
    alarm(STEP_S);
    uint64_t start = now_ns();
    if (pthread_create(&t, NULL, sender, &fl))
        return -FAIL_STEP;
    for (uint32_t i = 0; i < FRAMES && !fail; i++) {
        struct can_frame f, want = frame_n(i);
        uint64_t lost;

        fail = -ops->read(&f, &lost);
        if (!fail)
            fail = check_frame(ops, i, &want, &f, lost);
        pthread_mutex_lock(&fl.lock);
        fl.received = i + 1;
        pthread_cond_signal(&fl.cond);
        pthread_mutex_unlock(&fl.lock);
    }
    uint64_t elapsed = now_ns() - start;
    alarm(0);
    if (fail)
        _exit(fail); /* the sender may be blocked for good */
    pthread_join(t, NULL);
    if (fl.result)
        return -fl.result;
    return FRAMES / ((double)elapsed / 1e9);
}

/*
 * The latency phase's pings: step k goes to side first for even k, to the
 * other for odd k, and is that side's ping k / 2, so each side gets
 * WARMUP + PINGS in turn.
 */
#define STEPS (2 * (WARMUP + PINGS))

static const struct side_ops *step_side(const struct side_ops *first, uint32_t k)
{
    return k & 1 ? other_side(first) : first;
}

struct ping {
    int tx;
    const struct side_ops *first;
    sem_t go, back;
    uint64_t sent_at;
    int result;
};

static void *pinger(void *arg)
{
    struct ping *p = arg;

    run_on_cpu(1);
    for (uint32_t k = 0; k < STEPS; k++) {
        struct can_frame f = ping_frame(step_side(p->first, k), k / 2);

        sem_wait(&p->go);
        p->sent_at = now_ns();
        if (write(p->tx, &f, sizeof(f)) != sizeof(f)) {
            /* The reader waits for this frame: end the process, as the step's failure. */
            perror("can_vs_raw: write");
            _exit(FAIL_STEP);
        }
        sem_wait(&p->back);
    }
    return NULL;
}

struct latencies {
    uint64_t hsx[PINGS], raw[PINGS]; /* ns */
};

/*
 * TX->RX latencies of both sides, their pings interleaved, first's first:
 * 0 or an exit code. Both readers must be open, each with its ping filter.
 */
static int latency(const struct side_ops *first, int tx, struct latencies *lat)
{
    struct ping p = {.tx = tx, .first = first};
    pthread_t t;
    int fail = 0;

    sem_init(&p.go, 0, 0);
    sem_init(&p.back, 0, 0);
    if (pthread_create(&t, NULL, pinger, &p))
        return FAIL_STEP;
    alarm(STEP_S);
    for (uint32_t k = 0; k < STEPS && !fail; k++) {
        const struct side_ops *ops = step_side(first, k);
        struct can_frame f, want = ping_frame(ops, k / 2);
        uint32_t i = k / 2;
        uint64_t lost;

        sem_post(&p.go);
        fail = -ops->read(&f, &lost);
        uint64_t at = now_ns();
        if (!fail)
            fail = check_frame(ops, i, &want, &f, lost);
        if (!fail && i >= WARMUP)
            (ops == &hsx_side ? lat->hsx : lat->raw)[i - WARMUP] = at - p.sent_at;
        sem_post(&p.back);
    }
    /*
     * A frame of the other side's that got past a filter would wait here; looked for once
     * the pinger's last write() returned, which is after the CAN core ran every receiver
     * of its frame (vcan's loopback runs in that write's softirq).
     */
    if (!fail)
        pthread_join(t, NULL);
    if (!fail)
        fail = hsx_side.idle();
    if (!fail)
        fail = raw_side.idle();
    alarm(0);
    if (fail)
        _exit(fail); /* the pinger may be blocked for good */
    return 0;
}

/* The cost of a send in ns, median of SENDS: hsx_can_tx() or write() on a CAN_RAW socket. */
static double send_cost(const struct side_ops *ops, int tx)
{
    static uint64_t t[SENDS];

    for (uint32_t i = 0; i < SENDS; i++) {
        struct can_frame f = frame_n(i);
        hsx_can_frame_t h = {.can_id = f.can_id, .dlc = 8};
        uint64_t start = now_ns();
        bool ok;

        memcpy(h.data, f.data, 8);
        if (ops == &hsx_side)
            ok = hsx_can_tx(&h) == HSX_HAL_OK;
        else
            ok = write(tx, &f, sizeof(f)) == sizeof(f);
        t[i] = now_ns() - start;
        if (!ok) {
            fprintf(stderr, "can_vs_raw: %s send %u failed (errno %d)\n", ops->name, i,
                    ops == &hsx_side ? hsx_hal_errno() : errno);
            return -FAIL_STEP;
        }
    }
    for (uint32_t i = 1; i < SENDS; i++)
        for (uint32_t j = i; j > 0 && t[j - 1] > t[j]; j--) {
            uint64_t x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    return (double)t[SENDS / 2];
}

/* One side's process: its rate, then its send cost. */
struct side_result {
    double frames_per_s;
    double send_ns;
};

static int measure_side(const void *arg, void *out)
{
    const struct side_ops *ops = arg;
    struct side_result *res = out;

    run_on_cpu(0);
    int tx = raw_socket(false, NULL);
    if (tx < 0 || ops->open(false))
        return FAIL_STEP;
    res->frames_per_s = rate(ops, tx);
    if (res->frames_per_s < 0)
        return (int)-res->frames_per_s;
    res->send_ns = send_cost(ops, tx);
    return res->send_ns < 0 ? (int)-res->send_ns : 0;
}

/* Threads of this process now (its /proc/self/task), or -1. */
static int count_threads(void)
{
    DIR *dir = opendir("/proc/self/task");
    int n = 0;

    if (!dir)
        return -1;
    for (struct dirent *e; (e = readdir(dir));)
        n += e->d_name[0] != '.';
    closedir(dir);
    return n;
}

/* The latency phase's process: both readers, each on its own IDs; arg: the side going first. */
static int measure_latency(const void *arg, void *out)
{
    run_on_cpu(0);
    int tx = raw_socket(false, NULL);
    if (tx < 0 || hsx_side.open(true) || raw_side.open(true))
        return FAIL_STEP;
    /*
     * Both sides share this process: a thread of the library's would take CPU time from
     * either side's pings alike. Say how many there are (2: the reader and the pinger).
     */
    int threads = count_threads();
    if (threads != 1)
        printf("  latency process: %d threads before the pinger (1: the reader alone)\n", threads);
    return latency(arg, tx, out);
}

/* ---- the rig and the rounds ------------------------------------------------------------ */

static int map_bus(const char *ifname)
{
    struct hsx_can_map m = {.bus = BUS};
    int fd = open("/dev/hsx/ctl", O_RDWR | O_CLOEXEC), ret = -1;

    snprintf(m.ifname, sizeof(m.ifname), "%s", ifname);
    if (fd >= 0) {
        ret = ioctl(fd, HSX_IOC_CAN_MAP, &m);
        close(fd);
    }
    if (ret)
        fprintf(stderr, "can_vs_raw: %s bus %d: %s\n", *ifname ? "binding" : "unbinding", BUS,
                strerror(errno));
    return ret;
}

/* measure(arg, res) in a fresh process, res (size bytes) back through a pipe: 0 or an exit code. */
static int run_fresh(const char *name, int (*measure)(const void *arg, void *res), const void *arg,
                     void *res, size_t size)
{
    int fd[2], status, ret;
    ssize_t n = 0, got;

    if (pipe(fd))
        return FAIL_STEP;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return FAIL_STEP;
    if (pid == 0) {
        close(fd[0]);
        ret = measure(arg, res);
        if (!ret && write(fd[1], res, size) != (ssize_t)size)
            ret = FAIL_STEP;
        _exit(ret);
    }
    close(fd[1]);
    while (n < (ssize_t)size && (got = read(fd[0], (char *)res + n, size - n)) > 0)
        n += got;
    close(fd[0]);
    if (waitpid(pid, &status, 0) != pid)
        return FAIL_STEP;
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "can_vs_raw: %s: %s\n", name,
                WTERMSIG(status) == SIGALRM ? "frames did not arrive: lost" : "killed");
        return WTERMSIG(status) == SIGALRM ? FAIL_DATA : FAIL_STEP;
    }
    ret = WEXITSTATUS(status);
    return !ret && n != (ssize_t)size ? FAIL_STEP : ret;
}

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

static double median(double *v, unsigned int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return v[n / 2];
}

/* A step's failure, said and turned into the exit status. */
static int failed(int round, const char *what, int ret)
{
    fprintf(stderr, "can_vs_raw: round %d, %s: %s\n", round, what,
            ret == FAIL_DATA ? "frames lost or changed" : "failed");
    map_bus("");
    return ret == FAIL_DATA ? FAIL_DATA : EXIT_FAILURE;
}

int main(void)
{
    static uint64_t hsx_lat[ROUNDS * PINGS], raw_lat[ROUNDS * PINGS];
    static struct latencies lat;
    struct side_result hsx, raw;
    double hr[ROUNDS], rr[ROUNDS], ratio[ROUNDS], hs[ROUNDS], rs[ROUNDS], sratio[ROUNDS];
    double h99r[ROUNDS], r99r[ROUNDS], p99ratio[ROUNDS];
    uint64_t start = now_ns();

    if (system("/usr/sbin/ip link del " IFACE " 2>/dev/null; /usr/sbin/ip link add dev " IFACE
               " type vcan && /usr/sbin/ip link set " IFACE " up") ||
        map_bus(IFACE))
        return EXIT_FAILURE;
    printf(
        "can: classic frames on %s, sent by a CAN_RAW socket, received through hsx (hsx bus %d,\n"
        "hsx_can_rx_ex) and through a CAN_RAW socket (recvmsg, SO_RXQ_OVFL), side by side;\n"
        "latency: both readers in one process, the pings alternating hsx/raw (IDs %03X-%03X for\n"
        "hsx, %03X-%03X for raw, each reader filtered to its own)\n",
        IFACE, BUS, HSX_PING_ID, HSX_PING_ID + 0xff, RAW_PING_ID, RAW_PING_ID + 0xff);
    for (int round = 0; round < ROUNDS; round++) {
        const struct side_ops *first = round & 1 ? &raw_side : &hsx_side;
        const struct side_ops *order[2] = {first, other_side(first)};

        for (int i = 0; i < 2; i++) {
            int ret = run_fresh(order[i]->name, measure_side, order[i],
                                order[i] == &hsx_side ? &hsx : &raw, sizeof(hsx));
            if (ret)
                return failed(round, order[i]->name, ret);
        }
        int ret = run_fresh("latency", measure_latency, first, &lat, sizeof(lat));
        if (ret)
            return failed(round, "latency", ret);
        hr[round] = hsx.frames_per_s;
        rr[round] = raw.frames_per_s;
        ratio[round] = hsx.frames_per_s / raw.frames_per_s;
        hs[round] = hsx.send_ns;
        rs[round] = raw.send_ns;
        sratio[round] = hsx.send_ns / raw.send_ns;
        memcpy(&hsx_lat[round * PINGS], lat.hsx, sizeof(lat.hsx));
        memcpy(&raw_lat[round * PINGS], lat.raw, sizeof(lat.raw));
        double h50 = pct_us(lat.hsx, PINGS, 0.5), r50 = pct_us(lat.raw, PINGS, 0.5);
        h99r[round] = pct_us(lat.hsx, PINGS, 0.99);
        r99r[round] = pct_us(lat.raw, PINGS, 0.99);
        p99ratio[round] = h99r[round] / r99r[round];
        printf("  round %d: %.0f / %.0f frames/s, ratio %.2f; TX->RX (%s first) p50 %.1f / %.1f "
               "us, p99 %.1f / %.1f us, p99 ratio %.2f; send %.1f / %.1f us\n",
               round, hsx.frames_per_s, raw.frames_per_s, ratio[round], first->name, h50, r50,
               h99r[round], r99r[round], p99ratio[round], hsx.send_ns / 1000.0,
               raw.send_ns / 1000.0);
    }
    map_bus("");

    const unsigned int n = ROUNDS * PINGS;
    double h50 = pct_us(hsx_lat, n, 0.5), h99 = pct_us(hsx_lat, n, 0.99);
    double r50 = pct_us(raw_lat, n, 0.5), r99 = pct_us(raw_lat, n, 0.99);
    double rate_ratio = median(ratio, ROUNDS), send_ratio = median(sratio, ROUNDS);
    double p99_round_ratio = median(p99ratio, ROUNDS);

    printf("can, %d rounds: %d frames per side and round (window %d), %d pings per side and "
           "round\n(interleaved), %d sends, %.0f s; every frame arrived in order and compared "
           "equal, none reported lost\n",
           ROUNDS, FRAMES, WINDOW, PINGS, SENDS, (double)(now_ns() - start) / 1e9);
    printf("| measure | hsx | raw CAN socket | hsx / raw |\n|---|---|---|---|\n");
    printf("| receive rate, frames/s (median of rounds) | %.0f | %.0f | %.2f |\n",
           median(hr, ROUNDS), median(rr, ROUNDS), rate_ratio);
    printf("| TX->RX latency p50, us (all rounds' pings) | %.1f | %.1f | %.2f |\n", h50, r50,
           h50 / r50);
    printf("| TX->RX latency p99, us (all rounds' pings) | %.1f | %.1f | %.2f |\n", h99, r99,
           h99 / r99);
    printf("| TX->RX latency p99 of a round, us (medians of rounds; ratio: median of the rounds' "
           "ratios) | %.1f | %.1f | %.2f |\n",
           median(h99r, ROUNDS), median(r99r, ROUNDS), p99_round_ratio);
    printf("| send, us (hsx_can_tx waits for the echo) | %.1f | %.1f | %.2f |\n",
           median(hs, ROUNDS) / 1000.0, median(rs, ROUNDS) / 1000.0, send_ratio);
    printf("BENCH can rate_ratio=%.2f latency_p50_ratio=%.2f latency_p99_ratio=%.2f "
           "latency_p99_round_ratio=%.2f send_ratio=%.2f\n",
           rate_ratio, h50 / r50, h99 / r99, p99_round_ratio, send_ratio);
    return EXIT_SUCCESS;
}
