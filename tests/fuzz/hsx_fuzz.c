// SPDX-License-Identifier: MIT
/*
 * hsx_fuzz: a structured, seeded fuzzer of every kernel entry point of hsx.ko
 * (issue 12, item 1). Run as root inside the debug-kernel VM; it forks a
 * second process that runs as uid 1000, so both the privileged and the
 * capability paths are driven.
 *
 * What it calls. Every ioctl of every node, from one table per HAL module
 * (fz_modules[] below: a new module is one entry, with one field list per
 * ioctl), the queue-file operations (read, poll, write, QUEUE_INFO,
 * QUEUE_END, QUEUE_SET_TIMEOUT, QUEUE_KICK) and the netlink family "hsx" (MBOX_OPEN,
 * MBOX_CLOSE, MBOX_GET).
 * Arguments are generated from the field lists: mostly valid, with targeted
 * corruption of one field (reserved words, unknown flag bits, ids, pins
 * 0..70, periods, expiries 0 and U64_MAX, selector edges, bad fds), of the
 * ioctl number (wrong _IOC size or direction, unknown functions) or of the
 * pointer (NULL, straddling an unmapped page). UART (module 0x10) has field
 * kinds of its own: ports 0..17, user buffers (valid, NULL, unmapped, cut
 * short) with lengths up to and past HSX_UART_XFER_MAX, timeouts, rates,
 * frame enums past their range, modem bits, breaks of 1-5 ms, discard bits
 * and tty names for MAP (ttyS2, ttyS3, "", malformed ones). CAN (module
 * 0x11) is fuzz_can.c's: its table (TX, CONFIG, SET_FILTER, GET_STATUS,
 * INFO, MAP), field kinds (buses 0..17, frame flags, IDs for and past their
 * format, classic and FD lengths, bitrates, modes, filter banks, interface
 * names), mailbox names, selectors (buses, tx and rx ID ranges in the
 * HSX_CAN_SEL_EXT encoding, backwards and invalid ones) and records (queue
 * files and netlink). FRAM (module 0x13) is fuzz_fram.c's: its table (READ,
 * WRITE, GET_SIZE, GET_WEAR, INFO, MAP, RECORD_READ, RECORD_WRITE), field
 * kinds (devices 0..9, addresses and lengths at and past each part's end and
 * wrapping, user buffers valid, NULL, unmapped, cut short or read-only,
 * record groups of bad slot counts and sizes, MAP names and sizes),
 * selectors (devices and address ranges, unsorted, adjacent, past the
 * largest part) and its errnos, each function's own. FS (module 0x14) is
 * fuzz_fs.c's: its table (OPEN, READ, WRITE, CLOSE, SEEK, STAT, FSYNC,
 * REPLACE, INFO, MAP, LISTDIR, DELETE, RENAME, MKDIR, TRUNCATE), field kinds
 * (roots bound, unbound and past 31, paths valid, into the traps, or bad:
 * "..", absolute, a NUL within the length, bad UTF-8, control characters,
 * over-long, cut short; handles open, closed and out of range, offsets near
 * LLONG_MAX, lengths at and past HSX_FS_XFER_MAX and HSX_FS_LIST_MAX, MAP's
 * directories and quotas), selectors (roots) and its errnos, each
 * function's own. Chains run on shared
 * resources: create a timer, start,
 * subscribe, cancel, cancel again, drain its queue file; MBOX_OPEN, read and
 * poll, QUEUE_END, QUEUE_END, read to end of file; and capabilities: the uid
 * 1000 process sends its files to root (SCM_RIGHTS), root as the capability
 * administrator (/dev/hsx/ctl, O_EXCL) mints onto them, the holder derives
 * and drops, root revokes and renews, and root's use of a file it was sent
 * must be refused; UART: root binds ports 0 -> ttyS2 and 1 -> ttyS3 (the
 * test board's back-to-back pair) at start, writes on one and reads the
 * other, subscribes to "hal:uart:<n>:rx", unbinds a port while a helper
 * thread keeps using it, reads the queue to its end, checks the old
 * instance's file fails, and binds it again; CAN (fuzz_can.c's header has
 * them): root binds buses to vcan and vxcan interfaces it makes (and an
 * SJA1000 when the VM has one) at start, cangen keeps traffic on them, and
 * chains check that TX_DONE records and filter banks deliver exactly,
 * netlink subscriptions outlive the file that authorized them, capabilities
 * hold to their ID ranges, and that a bus taken away under load (its
 * interface deleted, re-created, renamed or set down, the bus unbound and
 * bound again) leaves its subscriptions GONE and its old files failing
 * (--need-can: the rig must be there); FRAM (fuzz_fram.c's header has
 * them): root binds devices 0-2 to the test board's simulated parts at
 * start, and chains check what is read back against what was written,
 * records across writes the sim's switches cut, wear counts, the exact end
 * of each device, capabilities' address ranges, and a device taken away
 * under load (unbound through the admin node, or its part's driver
 * unbound) (--need-fram); FS (fuzz_fs.c's header has them): root mounts a
 * small tmpfs and binds roots 0-4 to directories in it, with traps (a link
 * to /etc, one out of the tree, a FIFO, a mount) and a sentinel outside
 * that must never change, and chains check the quotas' exact accounting
 * against a walk of the tree, a handle after its capability was revoked,
 * its root unbound under load and in a forked child, capability-covered and
 * uncovered roots (--need-fs). Meanwhile threads close each other's
 * descriptors mid-call, children are forked and killed with SIGKILL
 * mid-call, and root adds and removes dummy instances
 * (/sys/kernel/debug/hsx_dummy) when the test build of hsx.ko is loaded.
 *
 * What it judges: each result against the ABI of uapi/hsx_uapi.h. An errno
 * outside the documented set, a success of a call whose argument the ABI
 * says must be refused (a reserved word, an unknown flag, a wrong size, a
 * period or queue length out of range), a return value outside its range, a
 * record that does not parse, a descriptor that a queue read blocks on after
 * its end: each is an unexpected result, logged with the seed and the calls
 * that led to it. The kernel log (KASAN, lockdep, kmemleak, WARN) is judged
 * by the VM harness.
 *
 * Determinism: the calls a worker generates depend only on the seed, its
 * index and the kernel's answers; with --threads 1 --no-user the whole run is
 * one reproducible sequence (chaos that needs concurrency, killing a child
 * mid-call, still forks, a UART unbind chain still runs its helper thread,
 * and a CAN iface chain its two threads and a process). What depends on
 * timing (bytes arriving on a UART, frames on a CAN bus, the watchdog of a
 * call that waits) draws from streams of its own, so it does not shift the
 * worker's sequence. Not deterministic at all: cangen's traffic (its frames
 * are random and come when they come), hence which records CAN chains read,
 * and whatever the kernel answers differently because of them (a queue full
 * or not, a bus's error state).
 *
 * The engine's pieces a module's part uses are declared in fuzz.h.
 *
 * Exit: 0 clean, 1 unexpected results, 2 a harness failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fuzz.h"
#include "hsx_uapi.h"

/* The test-only dummy module (kmod/tests/dummy.h): present in a test build of hsx.ko. */
#define FZ_MODULE_DUMMY 0x1e
#define FZ_IOC_DUMMY_PING _IO(HSX_IOC_MAGIC, HSX_IOC_NR(FZ_MODULE_DUMMY, 0))
#define FZ_DUMMY_CTL "/sys/kernel/debug/hsx_dummy"
#define FZ_DUMMY_MAX 8 /* instances 0..7 are made; 63 and 64 are edges */

#define FZ_USER_UID 1000
#define FZ_SIM_NAME "hsx-fuzz"
#define FZ_SIM_LABEL "hsx-fuzz-sim"
#define FZ_SIM_LINES 16

/* UART: the test board's pair, wired back to back (tests/vm/run): port 0 is ttyS2, 1 is ttyS3. */
#define FZ_UART_PORTS 2
#define FZ_UART_MAX_PORT 17 /* ports 0..17 are generated: 16 and 17 are out of range */
static const char *const uart_home[FZ_UART_PORTS] = {"ttyS2", "ttyS3"};
static const struct fz_units uart_units = {HSX_UART_MAX_PORTS, FZ_UART_PORTS, K_UART_I};

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* ---- shared statistics ---------------------------------------------------------------------- */

static const char *const prof_name[P_N] = {
    [P_TABLE] = "table",
    [P_OPEN] = "open",
    [P_QUEUE] = "queue",
    [P_CHAIN_QUEUE] = "chain_queue",
    [P_CHAIN_TIMER] = "chain_timer",
    [P_NETLINK] = "netlink",
    [P_CLOSE] = "close",
    [P_PASS] = "pass",
    [P_CAP] = "cap",
    [P_DUMMY] = "dummy",
    [P_FORK_KILL] = "fork_kill",
    [P_SCM_SELF] = "scm_self",
    [P_CHAIN_UART] = "chain_uart",
    [P_CHAIN_CAN] = "chain_can",
    [P_CHAIN_FRAM] = "chain_fram",
    [P_CHAIN_FS] = "chain_fs",
    [P_UART_XFER] = "uart_xfer",
    [P_UART_SUB] = "uart_sub",
    [P_UART_CONFIG] = "uart_config",
    [P_UART_REBIND] = "uart_rebind",
    [P_CAN_TX] = "can_tx",
    [P_CAN_FILTER] = "can_filter",
    [P_CAN_NL] = "can_nl",
    [P_CAN_CAPS] = "can_caps",
    [P_CAN_IFACE] = "can_iface",
    [P_CAN_REBIND] = "can_rebind",
    [P_FRAM_CAPS] = "fram_caps",
    [P_FRAM_BOUNDS] = "fram_bounds",
    [P_FRAM_DATA] = "fram_data",
    [P_FRAM_RECORDS] = "fram_records",
    [P_FRAM_UNMAP] = "fram_unmap",
    [P_FRAM_DRIVER] = "fram_driver",
    [P_FRAM_SWITCH] = "fram_switch",
    [P_FRAM_REBIND] = "fram_rebind",
    [P_FS_CAPS] = "fs_caps",
    [P_FS_QUOTA] = "fs_quota",
    [P_FS_UNMAP] = "fs_unmap",
    [P_FS_TENANT] = "fs_tenant",
    [P_FS_TRAPS] = "fs_traps",
    [P_FS_OUTSIDE] = "fs_outside",
    [P_FS_REBIND] = "fs_rebind",
};
_Static_assert(P_N <= 64, "struct fz_stats's prof_* arrays are too short");

struct fz_stats *stats;

/* ---- options -------------------------------------------------------------------------------- */

static uint64_t opt_seed = 1;
static uint64_t opt_calls = 20000;
static uint64_t opt_steps; /* each worker's steps, a reproducer's bound; 0: none */
static unsigned int opt_threads = 2;
static unsigned int opt_seconds = 0;
static bool opt_user = true;
static bool opt_need_uart;        /* the UART pair must be there (the test board) */
static bool opt_need_can;         /* the CAN rig must be there (fuzz_can.c) */
static bool opt_need_fram;        /* the simulated FRAM parts must be there (fuzz_fram.c) */
static bool opt_need_fs;          /* the FS roots must bind (fuzz_fs.c) */
static bool opt_kcov;             /* hsx.ko's coverage (fuzz_kcov.c) */
static unsigned int opt_fail_nth; /* percent of table calls with an allocation failing */
static unsigned int kcov_first;   /* this process's first KCOV descriptor */
static int opt_verbose;
static time_t deadline;
static const char *proc_name = "root";
bool is_root;
pid_t user_pid;
static int pass_sock = -1; /* root <-> uid 1000 process, SOCK_SEQPACKET */
static bool have_dummy, have_sim, have_uart;
int genl_family = -1;
bool enforcing = true;

/* ---- descriptors ------------------------------------------------------------------------------
 */

const char *const kind_name[K_NKINDS] = {"none",   "ctl",  "admin", "timer", "gpio", "dummy",
                                         "dummyN", "uart", "uartN", "can",   "canN", "fram",
                                         "framN",  "fs",   "fsN",   "queue", "nl",   "other"};

static uint32_t kind_module(enum fz_kind k)
{
    return k == K_TIMER                   ? HSX_MODULE_TIMER
           : k == K_GPIO                  ? HSX_MODULE_GPIO
           : k == K_UART || k == K_UART_I ? HSX_MODULE_UART
           : k == K_CAN || k == K_CAN_I   ? HSX_MODULE_CAN
           : k == K_FRAM || k == K_FRAM_I ? HSX_MODULE_FRAM
           : k == K_FS || k == K_FS_I     ? HSX_MODULE_FS
                                          : FZ_MODULE_DUMMY;
}

#define FZ_SLOTS 40
static struct fz_slot slots[FZ_SLOTS];
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;

/* Pools of ids seen: timers, capabilities, mailboxes. */
#define FZ_POOL 32
static uint64_t pool_timer[FZ_POOL], pool_cap[FZ_POOL], pool_mbox[FZ_POOL];
static unsigned int pool_timer_n, pool_cap_n, pool_mbox_n;

static void pool_add(uint64_t *pool, unsigned int *n, uint64_t v)
{
    pthread_mutex_lock(&slot_lock);
    pool[*n % FZ_POOL] = v;
    (*n)++;
    pthread_mutex_unlock(&slot_lock);
}

static uint64_t pool_pick(struct fz_rng *r, const uint64_t *pool, unsigned int n)
{
    uint32_t i = rn(r, FZ_POOL);

    return n ? pool[i % (n < FZ_POOL ? n : FZ_POOL)] : 0;
}

/* ---- the worker and its reproducer -------------------------------------------------------- */

void note(struct fz_worker *w, const char *fmt, ...)
{
    char *line = w->ring[w->ring_n % FZ_RING];
    int n = snprintf(line, FZ_LINE, "#%" PRIu64 " ", w->steps);
    va_list ap;

    va_start(ap, fmt);
    if (n > 0 && n < FZ_LINE)
        vsnprintf(line + n, (size_t)(FZ_LINE - n), fmt, ap);
    va_end(ap);
    w->ring_n++;
    if (opt_verbose > 1) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        fprintf(stderr, "%s/%u%s %ld.%03ld %s\n", proc_name, w->index, w->child ? "/child" : "",
                (long)ts.tv_sec, ts.tv_nsec / 1000000, line);
    }
}

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

void unexpected(struct fz_worker *w, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    unsigned int i, from;

    if (w->child)
        return;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    count(&stats->unexpected);
    if (__atomic_fetch_add(&stats->reported, 1, __ATOMIC_RELAXED) >= 20)
        return;
    pthread_mutex_lock(&report_lock);
    fprintf(stderr,
            "hsx_fuzz: UNEXPECTED: %s\n"
            "hsx_fuzz:   seed %" PRIu64 ", process %s, thread %u, step %" PRIu64 "\n"
            "hsx_fuzz:   reproduce: hsx_fuzz --seed %" PRIu64
            " --threads %u --calls 0 --steps %" PRIu64 "%s\n"
            "hsx_fuzz:   the thread's last calls:\n",
            what, opt_seed, proc_name, w->index, w->steps, opt_seed, opt_threads, w->steps,
            opt_user ? "" : " --no-user");
    from = w->ring_n > FZ_RING ? w->ring_n - FZ_RING : 0;
    for (i = from; i < w->ring_n; i++)
        fprintf(stderr, "hsx_fuzz:     %s\n", w->ring[i % FZ_RING]);
    pthread_mutex_unlock(&report_lock);
}

/*
 * The thread's watchdog: a signal (no SA_RESTART) that interrupts a UART function that waits,
 * so a stalled line (flow control, a slow rate's default timeout) costs at most 2 s; now and
 * then after 1-5 ms, to interrupt one mid-wait. A forked child has no timer (timers are not
 * inherited): its calls are unbounded, but it is killed.
 */
static void wd_signal(int sig)
{
    (void)sig;
}

void wd_arm(struct fz_worker *w)
{
    struct itimerspec it = {0};
    unsigned int ms = chance(&w->wd_rng, 5) ? 1 + rn(&w->wd_rng, 5) : 2000;

    if (!w->wd_ok)
        return;
    it.it_value.tv_sec = ms / 1000;
    it.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
    timer_settime(w->wd, 0, &it, NULL);
}

void wd_disarm(struct fz_worker *w)
{
    struct itimerspec it = {0};

    if (w->wd_ok)
        timer_settime(w->wd, 0, &it, NULL);
}

void harness_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "hsx_fuzz: harness failure: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (stats)
        count(&stats->harness);
}

/* ---- errno classes ----------------------------------------------------------------------------
 */

/*
 * Every errno the ABI documents for some entry point (uapi/hsx_uapi.h, README); ENETDOWN,
 * ENOBUFS and EREMCHG are CAN's: an interface down, its transmit queue full, a bitrate or mode
 * it does not run; the last seven FS's paths': a name too long, not a directory, a directory,
 * not empty, a link, a mount crossed, a root mapped read-only.
 */
static const int documented[] = {
    EPERM,     ENOENT,     ESRCH,    EBADF,   EAGAIN,  ENOMEM,       EACCES,      EFAULT,
    EBUSY,     EEXIST,     ENODEV,   EINVAL,  EMFILE,  ENOSPC,       EMLINK,      ENOTTY,
    EDQUOT,    EOPNOTSUPP, ENXIO,    EINTR,   ERANGE,  EKEYEXPIRED,  EKEYREVOKED, EALREADY,
    EMSGSIZE,  ETIMEDOUT,  ENETDOWN, ENOBUFS, EREMCHG, ENAMETOOLONG, ENOTDIR,     EISDIR,
    ENOTEMPTY, ELOOP,      EXDEV,    EROFS,
};

bool is_documented(int e)
{
    size_t i;

    for (i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
        if (documented[i] == e)
            return true;
    return false;
}

__thread uint64_t fz_calls_mine;
static bool prof_off; /* a forked child's steps are its parent's fork_kill */

void *fz_thread_calls(void)
{
    return (void *)(uintptr_t)fz_calls_mine;
}

void fz_join(pthread_t th)
{
    void *calls = NULL;

    if (pthread_join(th, &calls) == 0)
        fz_calls_mine += (uintptr_t)calls;
}

struct fz_mark prof_begin(void)
{
    return (struct fz_mark){now_ns(), fz_calls_mine};
}

void prof_end(enum fz_prof kind, struct fz_mark m)
{
    if (prof_off)
        return;
    __atomic_fetch_add(&stats->prof_ns[kind], now_ns() - m.t0, __ATOMIC_RELAXED);
    __atomic_fetch_add(&stats->prof_calls[kind], fz_calls_mine - m.c0, __ATOMIC_RELAXED);
    count(&stats->prof_n[kind]);
}

void count_errno(int e)
{
    fz_calls_mine++;
    count(&stats->calls);
    if (e == 0)
        count(&stats->ok);
    else
        count(&stats->err[e > 0 && e < FZ_ERRNO_MAX ? e : 0]);
}

/* ---- argument fields --------------------------------------------------------------------------
 */

/* F_ULEN: writes stay small (the bounded run's budget); reads take up to the maximum. */
#define FZ_ULEN_WRITE 0
#define FZ_ULEN_READ 1

/* F_UVAL: valid values, and values the ABI refuses or edges, for each UART field. */
enum fz_uval {
    UV_BAUD,
    UV_PARITY,
    UV_STOP,
    UV_DATA,
    UV_FLOW,
    UV_LINES,
    UV_BREAK,
    UV_DRAIN,
    UV_DISCARD,
    UV_TMO_WRITE,
    UV_TMO_READ,
    UV_EVENTS,
    UV_IDLE,
    UV_N
};

static const struct fz_vals uvals[UV_N] = {
    [UV_BAUD] = {UV(9600, 115200, 115200, 57600, 38400, 1200, 300, 230400),
                 UV(0, HSX_UART_BAUD_MAX + 1, 0xffffffffU, 0x80000000U, HSX_UART_BAUD_MAX), 8, 5,
                 50, 1000000},
    [UV_PARITY] = {UV(HSX_UART_PAR_NONE, HSX_UART_PAR_EVEN, HSX_UART_PAR_ODD, HSX_UART_PAR_MARK,
                      HSX_UART_PAR_SPACE),
                   UV(HSX_UART_PAR_SPACE + 1, 7, 0xffffffffU), 5, 3, 0, 0},
    [UV_STOP] = {UV(1, 2), UV(0, 3, 0xffffffffU), 2, 3, 0, 0},
    [UV_DATA] = {UV(0, 8, 7, 6, 5), UV(1, 4, 9, 32, 0xffffffffU), 5, 5, 0, 0},
    [UV_FLOW] = {UV(HSX_UART_FC_NONE, HSX_UART_FC_NONE, HSX_UART_FC_RTSCTS, HSX_UART_FC_XONXOFF),
                 UV(HSX_UART_FC_XONXOFF + 1, 0xffffffffU), 4, 2, 0, 0},
    /* modem set/clear: the output lines; bad: any other bit */
    [UV_LINES] = {UV(0, 0, HSX_UART_LN_RTS, HSX_UART_LN_DTR, HSX_UART_LN_RTS | HSX_UART_LN_DTR),
                  UV(HSX_UART_LN_CTS, HSX_UART_LN_RI, 0x40, 0x80, 0x80000000U, 0xffffffffU), 5, 6,
                  0, 0},
    /* 1-5 ms only: a valid break holds the port for its duration */
    [UV_BREAK] = {UV(1, 2, 5), UV(0, HSX_UART_BREAK_MAX_MS + 1, 0xffffffffU), 3, 3, 1, 5},
    [UV_DRAIN] = {UV(0, 1, 10, 50), UV(HSX_UART_TIMEOUT_MAX_MS + 1, 0xffffffffU), 4, 2, 1, 100},
    [UV_DISCARD] = {UV(HSX_UART_DC_RX, HSX_UART_DC_TX, HSX_UART_DC_RX | HSX_UART_DC_TX),
                    UV(0, 4, 0x80000000U, 0xffffffffU), 3, 4, 0, 0},
    [UV_TMO_WRITE] = {UV(0, 1, 20, 100), UV(HSX_UART_TIMEOUT_MAX_MS + 1, 0xffffffffU), 4, 2, 1,
                      300},
    [UV_TMO_READ] = {UV(0), UV(1, 100, HSX_UART_TIMEOUT_MAX_MS + 1), 1, 3, 0, 0},
#ifdef HSX_UART_EVF_ALL
    [UV_EVENTS] = {UV(0, 0, HSX_UART_EVF_IDLE, HSX_UART_EVF_TX_DONE, HSX_UART_EVF_MODEM,
                      HSX_UART_EVF_ALL),
                   UV(HSX_UART_EVF_ALL + 1, 0x80000000U, 0xffffffffU), 6, 3, 0, 0},
    [UV_IDLE] = {UV(0, 1, 5, 50), UV(HSX_UART_IDLE_MAX_MS + 1, 0xffffffffU), 4, 2, 1, 100},
#endif
};

uint64_t boottime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A selector: mostly one that fits the module, sometimes an edge. */
static void gen_sel(struct fz_rng *r, union hsx_cap_selector *sel, uint32_t module)
{
    static const uint64_t masks[] = {0, 1, 0xffff, 1ULL << 63, ~0ULL, 0x8000000000000001ULL};

    memset(sel, 0, sizeof(*sel));
    if (chance(r, 15)) {
        sel->raw[rn(r, 4)] = rnd(r);
        return;
    }
    if (module == HSX_MODULE_TIMER) {
        static const uint32_t q[] = {0, 1, 2, 8, 64, 65, 0xffffffffU};
        sel->timer.max_timers = q[rn(r, 7)];
        if (chance(r, 5))
            sel->timer.reserved = 1;
    } else if (module == HSX_MODULE_UART) {
        /* ports: the pair, one port, all 16; edges: none, a bit past port 15, reserved words */
        static const uint32_t ok[] = {1, 2, 3, 0xffff, 0x8000};
        static const uint32_t edge[] = {0, 1U << HSX_UART_MAX_PORTS, 0x80000000U, 0xffffffffU};
        uint32_t k = rn(r, 100);

        if (k < 50)
            sel->uart.ports = ok[rn(r, 5)];
        else if (k < 70)
            sel->uart.ports = 1U << rn(r, HSX_UART_MAX_PORTS);
        else if (k < 85)
            sel->uart.ports = (uint32_t)rnd(r) & 0xffff;
        else if (k < 93)
            sel->uart.ports = edge[rn(r, 4)] | (1U << rn(r, 32));
        else {
            sel->uart.ports = 1U << rn(r, FZ_UART_PORTS);
            if (chance(r, 50))
                sel->uart.reserved = 1U << rn(r, 32);
            else
                sel->raw[1 + rn(r, 3)] = 1ULL << rn(r, 64);
        }
    } else if (module == HSX_MODULE_CAN) {
        can_gen_sel(r, sel);
    } else if (module == HSX_MODULE_FRAM) {
        fram_gen_sel(r, sel);
    } else if (module == HSX_MODULE_FS) {
        fs_gen_sel(r, sel);
    } else if (chance(r, 50)) {
        sel->gpio.pins = masks[rn(r, 6)];
    } else {
        sel->gpio.pins = chance(r, 50) ? rnd(r) & 0xffff : 1ULL << rn(r, 64);
    }
}

/* A UART mailbox: mostly a bound port's, else an unbound or out-of-range one, or malformed. */
static void gen_uart_name(struct fz_rng *r, char *name, size_t len)
{
    static const char *const odd[] = {"hal:uart:",
                                      "hal:uart:0",
                                      "hal:uart:0:tx",
                                      "hal:uart:0:rx ",
                                      "hal:uart::rx",
                                      "hal:uart:-1:rx",
                                      "hal:uart:00:rx",
                                      "hal:uart:0x1:rx",
                                      "hal:uart: 1:rx",
                                      "hal:uart:1:rx:",
                                      "hal:uart:16:rx",
                                      "hal:uart:4294967296:rx",
                                      "hal:uart:4294967297:rx",
                                      "HAL:UART:0:RX",
                                      "hal:uart:1:rxx",
                                      "hal:uart:+1:rx"};
    uint32_t k = rn(r, 100);

    if (k < 60)
        snprintf(name, len, HSX_MBOX_UART_FMT, rn(r, FZ_UART_PORTS));
    else if (k < 75)
        snprintf(name, len, HSX_MBOX_UART_FMT, rn(r, FZ_UART_MAX_PORT + 1));
    else if (k < 80)
        snprintf(name, len, HSX_MBOX_UART_FMT, (unsigned int)rnd(r));
    else
        snprintf(name, len, "%s", odd[rn(r, sizeof(odd) / sizeof(odd[0]))]);
}

static void gen_name(struct fz_rng *r, char *name, size_t len)
{
    memset(name, 0, len);
    switch (rn(r, 14)) {
    case 12:
    case 13:
        gen_can_name(r, name, len);
        break;
    case 10:
    case 11:
        gen_uart_name(r, name, len);
        break;
    case 0:
    case 1:
    case 2:
        snprintf(
            name, len, HSX_MBOX_TIMER_FMT,
            (unsigned int)(chance(r, 80) ? pool_pick(r, pool_timer, pool_timer_n) : rn(r, 0x8001)));
        break;
    case 3:
    case 4:
        snprintf(name, len, HSX_MBOX_GPIO_FMT, rn(r, 71));
        break;
    case 5:
        snprintf(name, len, HSX_MBOX_CAP_FMT,
                 (unsigned long long)(chance(r, 80) ? pool_pick(r, pool_cap, pool_cap_n) : rnd(r)));
        break;
    case 6:
        snprintf(name, len, "%s", HSX_MBOX_CAPS);
        break;
    case 7:
        memset(name, 'a' + (int)rn(r, 26), len); /* not terminated */
        break;
    case 8: {
        static const char *const odd[] = {"",
                                          "hal:",
                                          "hal:timer:",
                                          "hal:timer:-1",
                                          "hal:gpio:64",
                                          "hal:gpio:4294967296",
                                          "hal:timer:0x1",
                                          "hal:cap:0",
                                          "hal:gpio:1 "};
        snprintf(name, len, "%s", odd[rn(r, 9)]);
        break;
    }
    default: {
        size_t i, n = rn(r, (uint32_t)len);
        for (i = 0; i < n; i++)
            name[i] = (char)rn(r, 256);
        break;
    }
    }
}

uint64_t gen_val(struct fz_rng *r, const struct fz_vals *u, bool corrupt)
{
    if (corrupt && u->n_bad)
        return u->bad[rn(r, u->n_bad)];
    if (u->hi && chance(r, 33))
        return u->lo + rn(r, u->hi - u->lo + 1);
    return u->n_ok ? u->ok[rn(r, u->n_ok)] : 0;
}

uint64_t gen_unit(struct fz_call *c, const struct fz_units *u, bool corrupt)
{
    struct fz_rng *r = &c->w->rng;

    if (corrupt) {
        const uint64_t bad[] = {u->max, u->max + 1, 0x80000000U, 0xffffffffU, 0x100};
        return bad[rn(r, 5)];
    }
    if (c->slot.kind == u->inst && chance(r, 85))
        return c->slot.index;
    /* the rig's, else any up to two past the last */
    return chance(r, 75) ? rn(r, u->homes) : rn(r, u->max + 2);
}

bool unit_bad(const struct fz_call *c, uint32_t unit, const struct fz_units *u)
{
    return unit >= u->max || (c->slot.kind == u->inst && unit != c->slot.index);
}

/* Fill one field; with corrupt, a value the field's rules make wrong or an edge. */
static void gen_field(struct fz_call *c, const struct fz_field *f, bool corrupt)
{
    struct fz_rng *r = &c->w->rng;
    unsigned char *p = c->buf + f->off;
    uint64_t v = 0;

    switch (f->kind) {
    case F_RES:
        if (corrupt) {
            p[rn(r, f->size)] = (unsigned char)(1U << rn(r, 8));
            c->must_fail = true;
        }
        return;
    case F_FLAGS:
        v = rnd(r) & f->aux;
        if (corrupt) {
            uint64_t bad = ~(uint64_t)f->aux & (f->size == 8 ? ~0ULL : 0xffffffffULL);
            v |= bad & (1ULL << rn(r, f->size > 8 ? 64 : f->size * 8));
            if (v & bad)
                c->must_fail = true;
        }
        break;
    case F_OUT:
        v = corrupt || chance(r, 10) ? rnd(r) : 0;
        break;
    case F_TIMER:
        if (!corrupt && pool_timer_n)
            v = pool_pick(r, pool_timer, pool_timer_n);
        else {
            static const uint64_t e[] = {
                0, 1, HSX_TIMER_ID_MAX, HSX_TIMER_ID_MAX + 1, 0xffffffffULL, 0x80000000ULL};
            v = e[rn(r, 6)];
        }
        break;
    case F_PERIOD:
        if (!corrupt) {
            static const uint64_t ok[] = {HSX_TIMER_PERIOD_MIN_US, 1000, 5000, 100000,
                                          HSX_TIMER_PERIOD_MAX_US};
            v = chance(r, 50) ? ok[rn(r, 5)] : HSX_TIMER_PERIOD_MIN_US + rn(r, 1000000);
        } else {
            static const uint64_t bad[] = {0, 1, HSX_TIMER_PERIOD_MIN_US - 1,
                                           HSX_TIMER_PERIOD_MAX_US + 1ULL, 0xffffffffULL};
            v = bad[rn(r, 5)];
            c->must_fail = true;
        }
        break;
    case F_PIN:
        v = corrupt ? (chance(r, 50) ? 64 + rn(r, 7) : rnd(r) & 0xffffffffULL)
                    : (chance(r, 70) && have_sim ? rn(r, FZ_SIM_LINES) : rn(r, 71));
        break;
    case F_ENUM:
        v = corrupt ? f->aux + 1 + rn(r, 3) : rn(r, f->aux + 1);
        break;
    case F_BOOL:
        v = corrupt ? 2 + rn(r, 254) : rn(r, 2);
        break;
    case F_MASK:
        v = corrupt ? rnd(r) : (chance(r, 50) ? rnd(r) & 0xffff : 1ULL << rn(r, FZ_SIM_LINES));
        break;
    case F_DEBOUNCE:
        v = corrupt ? HSX_GPIO_DEBOUNCE_MAX_US + 1ULL + rn(r, 10)
                    : (chance(r, 80) ? 0 : rn(r, 5000));
        break;
    case F_MODULE: {
        static const uint64_t m[] = {HSX_MODULE_TIMER, HSX_MODULE_GPIO,      FZ_MODULE_DUMMY,
                                     HSX_MODULE_UART,  HSX_MODULE_CAN,       HSX_MODULE_FRAM,
                                     HSX_MODULE_FS,    HSX_MODULE_CORE,      0,
                                     0xffffffffULL,    HSX_MODULE_FIRST + 32};
        v = corrupt ? m[rn(r, 11)] : m[rn(r, 7)];
        if (!corrupt && (KB(c->slot.kind) & K_HOLDERS))
            v = kind_module(c->slot.kind);
        break;
    }
    case F_RIGHTS:
        if (corrupt) {
            v = chance(r, 50) ? HSX_CAP_R_ADMIN : rnd(r) & 0xffffffffULL;
        } else {
            static const uint64_t alls[] = {HSX_CAP_R_GPIO_ALL, HSX_CAP_R_UART_ALL,
                                            HSX_CAP_R_CAN_ALL, HSX_CAP_R_FRAM_ALL,
                                            HSX_CAP_R_FS_ALL};
            uint64_t all = alls[rn(r, 5)];
            v = rnd(r) & all;
            v |= chance(r, 70) ? HSX_CAP_R_READ : 0;
        }
        break;
    case F_SEL: {
        /* aux: 1 + the offset of the module field, generated before; else the node's module */
        uint32_t module = c->slot.kind == K_TIMER ? HSX_MODULE_TIMER : HSX_MODULE_GPIO;
        if (f->aux)
            memcpy(&module, c->buf + f->aux - 1, sizeof(module));
        gen_sel(r, (union hsx_cap_selector *)p, module);
        if (corrupt)
            ((union hsx_cap_selector *)p)->raw[1 + rn(r, 3)] = rnd(r) | 1;
        return;
    }
    case F_EXPIRY: {
        uint64_t now = boottime_ns();
        if (!corrupt)
            v = chance(r, 10) ? 0 : now + (chance(r, 20) ? rn(r, 50000000) : 60000000000ULL);
        else {
            uint64_t e[] = {0, ~0ULL, now - 1, 1, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1};
            v = e[rn(r, 6)];
        }
        break;
    }
    case F_FD:
        if (!corrupt) {
            struct fz_slot s;
            v = (uint64_t)(uint32_t)(pick_slot(r, K_NODES, &s) >= 0 ? s.fd : -1);
        } else {
            static const int bad[] = {-1, 0, 1, 2, 999, 1 << 20, -2147483647 - 1};
            v = (uint64_t)(uint32_t)bad[rn(r, 7)];
        }
        break;
    case F_QFD:
        /* Another queue file (a target), -1 (unlink); else a node, a number not open. */
        if (!corrupt) {
            struct fz_slot s;
            v = (uint64_t)(uint32_t)(chance(r, 85) && pick_slot(r, KB(K_QUEUE), &s) >= 0 ? s.fd
                                                                                         : -1);
        } else {
            struct fz_slot s;
            static const int bad[] = {-2, 1 << 20, -2147483647 - 1};
            int i = chance(r, 50) ? pick_slot(r, K_NODES, &s) : -1;
            v = (uint64_t)(uint32_t)(i >= 0 ? s.fd : bad[rn(r, 3)]);
            c->must_fail = true;
            /* A node's number names a queue file by the time of the call if the slot closed. */
            if (i >= 0) {
                c->arg_slot_i = i;
                c->arg_slot_gen = s.gen;
            }
        }
        break;
    case F_CAPID:
        v = !corrupt && pool_cap_n ? pool_pick(r, pool_cap, pool_cap_n)
                                   : (chance(r, 50) ? 0 : (chance(r, 50) ? ~0ULL : rn(r, 100)));
        break;
    case F_PID:
        if (!corrupt)
            v = (uint64_t)(uint32_t)(chance(r, 70) && user_pid ? user_pid : getpid());
        else {
            static const int64_t e[] = {0, 1, -1, 0x7fffffff, 4194304};
            v = (uint64_t)e[rn(r, 5)];
        }
        break;
    case F_MBOXNAME:
        gen_name(r, (char *)p, f->size);
        return;
    case F_QLEN: {
        static const uint64_t ok[] = {0, 1, 2, 64, HSX_MBOX_QUEUE_MAX};
        v = corrupt ? HSX_MBOX_QUEUE_MAX + 1ULL + (chance(r, 50) ? 0 : rnd(r) % 0xfffffbfeULL)
                    : ok[rn(r, 5)];
        c->must_fail |= corrupt;
        break;
    }
    case F_LABEL:
        memset(p, 0, f->size);
        if (corrupt)
            memset(p, 'x', f->size); /* not terminated */
        else if (chance(r, 70))
            snprintf((char *)p, f->size, "%s", FZ_SIM_LABEL);
        else if (chance(r, 50))
            snprintf((char *)p, f->size, "no-such-chip");
        return;
    case F_UPORT:
        v = gen_unit(c, &uart_units, corrupt);
        break;
    case F_ULEN: {
        uint32_t k = rn(r, 100);
        if (corrupt) {
            /* past the maximum, or long with a buffer that cannot hold it (F_UBUF) */
            static const uint64_t bad[] = {HSX_UART_XFER_MAX + 1, 0xffffffffU, 0x80000000U,
                                           HSX_UART_XFER_MAX * 2};
            v = chance(r, 50) ? bad[rn(r, 4)] : HSX_UART_XFER_MAX - rn(r, 4096);
        } else if (f->aux == FZ_ULEN_WRITE) {
            v = k < 8 ? 0 : k < 70 ? 1 + rn(r, 64) : k < 97 ? 65 + rn(r, 448) : 513 + rn(r, 3584);
        } else {
            v = k < 10   ? 0
                : k < 40 ? 1 + rn(r, 64)
                : k < 75 ? 65 + rn(r, HSX_UART_RX_BUFFER)
                : k < 90 ? HSX_UART_RX_BUFFER + rn(r, HSX_UART_XFER_MAX - HSX_UART_RX_BUFFER)
                         : HSX_UART_XFER_MAX;
        }
        break;
    }
    case F_UBUF:
        if (!corrupt || !c->w->ubuf) {
            uint32_t off = chance(r, 80) || !c->w->ubuf ? 0 : rn(r, 64);
            v = c->w->ubuf ? (uint64_t)(uintptr_t)(c->w->ubuf + off) : 0;
            c->room = c->w->ubuf ? FZ_UBUF - off : 0;
        } else {
            /* NULL, unmapped, cut short by the unmapped page, kernel, non-canonical */
            uint32_t k = rn(r, 7), cut = 1 + rn(r, 64);
            static const uint64_t far[] = {0, 0xffff888000000000ULL, 0x0000800000000000ULL,
                                           0xfffffffffffffff0ULL, 0x1000};
            c->room = 0;
            if (k < 5)
                v = far[k];
            else if (k == 5)
                v = (uint64_t)(uintptr_t)(c->w->ubuf + FZ_UBUF);
            else {
                v = (uint64_t)(uintptr_t)(c->w->ubuf + FZ_UBUF - cut);
                c->room = cut;
            }
        }
        break;
    case F_UVAL:
        v = gen_val(r, &uvals[f->aux], corrupt);
        break;
    case F_TTYNAME: {
        /* the pair, "" (unbind), and names MAP must refuse or find no tty for */
        static const char *const bad[] = {
            "../null", "/dev/ttyS2", "ttyS2/", "tty S2",          "ttyS2\n",  "ttyS77",   "ttyS2x",
            "ttyS-1",  "ttyS",       "x",      "ttyS99999999999", "nosuch0",  "ttyS2 ",   "ttyS\t3",
            "ttyS3;",  "\xffttyS2",  "..",     "ttyZZ9",          "ttyUSB99", "ttyS3\x01"};
        uint32_t k = rn(r, 100);
        memset(p, 0, f->size);
        if (corrupt && chance(r, 30))
            memset(p, 'x', f->size); /* not terminated */
        else if (corrupt || k < 20)
            snprintf((char *)p, f->size, "%s", bad[rn(r, sizeof(bad) / sizeof(bad[0]))]);
        else if (k < 85)
            snprintf((char *)p, f->size, "%s", uart_home[rn(r, FZ_UART_PORTS)]);
        /* else "": unbinds */
        return;
    }
    case F_U32:
        v = corrupt ? rnd(r) : rn(r, 4);
        break;
    default:
        if (f->kind >= F_FS_FIRST)
            fs_gen_field(c, f, corrupt);
        else if (f->kind >= F_FRAM_FIRST)
            fram_gen_field(c, f, corrupt);
        else
            can_gen_field(c, f, corrupt); /* F_CAN_FIRST and after */
        return;
    }
    memcpy(p, &v, f->size < sizeof(v) ? f->size : sizeof(v)); /* little-endian: the low bytes */
}

/* ---- results -------------------------------------------------------------------------------- */

static void post_version(struct fz_call *c)
{
    struct hsx_core_version *v = (void *)c->buf;

    if (v->abi != HSX_ABI_VERSION || v->admin > 1 || v->reserved[0] || v->reserved[1] ||
        v->reserved[2])
        unexpected(c->w, "VERSION: abi %u admin %u reserved %u/%u/%u", v->abi, v->admin,
                   v->reserved[0], v->reserved[1], v->reserved[2]);
    if (v->admin && c->slot.kind != K_CTL && c->slot.kind != K_ADMIN)
        unexpected(c->w, "VERSION: admin on a %s file", kind_name[c->slot.kind]);
}

static void post_freq(struct fz_call *c)
{
    struct hsx_timer_freq *f = (void *)c->buf;

    if (f->ticks_per_sec != HSX_TIMER_TICK_FREQ || f->reserved)
        unexpected(c->w, "GET_TICK_FREQ: %u, reserved %u", f->ticks_per_sec, f->reserved);
}

static void post_create(struct fz_call *c)
{
    struct hsx_timer_create *t = (void *)c->buf;

    if (t->timer_id < 1 || t->timer_id > HSX_TIMER_ID_MAX)
        unexpected(c->w, "TIMER_CREATE: id %u", t->timer_id);
    else
        pool_add(pool_timer, &pool_timer_n, t->timer_id);
}

static void post_cap_id(struct fz_call *c)
{
    uint64_t id;

    /* struct hsx_cap_mint and hsx_cap_derive end with the id */
    memcpy(&id, c->buf + offsetof(struct hsx_cap_mint, id), sizeof(id));
    if (!id)
        unexpected(c->w, "%s: id 0", c->op->name);
    else
        pool_add(pool_cap, &pool_cap_n, id);
    if (c->op->cmd == HSX_IOC_CAP_MINT)
        count(&stats->mints);
    else
        count(&stats->derives);
}

static void post_revoke(struct fz_call *c)
{
    (void)c;
    count(&stats->revokes);
}

static void post_list(struct fz_call *c)
{
    struct hsx_cap_list *l = (void *)c->buf;

    if (l->info.id <= l->after_id)
        unexpected(c->w, "CAP_LIST: id %llu after %llu", (unsigned long long)l->info.id,
                   (unsigned long long)l->after_id);
    else if (l->info.state != HSX_CAP_STATE_ACTIVE && l->info.state != HSX_CAP_STATE_ENDED)
        unexpected(c->w, "CAP_LIST: state %u", l->info.state);
    pool_add(pool_cap, &pool_cap_n, l->info.id);
}

static void post_client(struct fz_call *c)
{
    struct hsx_cap_client *cl = (void *)c->buf;

    if (cl->alive > 1 || cl->privileged > 1 || cl->reserved)
        unexpected(c->w, "CAP_CLIENT: alive %u privileged %u", cl->alive, cl->privileged);
}

static void post_mbox_open(struct fz_call *c)
{
    struct hsx_mbox_queue_info qi;

    if (ioctl((int)c->ret, HSX_IOC_MBOX_QUEUE_INFO, &qi) != 0) {
        unexpected(c->w, "MBOX_OPEN returned %ld, whose QUEUE_INFO fails: %s", c->ret,
                   strerror(errno));
        close((int)c->ret);
        return;
    }
    if (qi.record_size < sizeof(struct hsx_mbox_record) || qi.record_size > HSX_MBOX_RECORD_MAX ||
        qi.queue_len < 1 || qi.queue_len > HSX_MBOX_QUEUE_MAX)
        unexpected(c->w, "QUEUE_INFO: record_size %u queue_len %u", qi.record_size, qi.queue_len);
    pool_add(pool_mbox, &pool_mbox_n, qi.mbox_id);
    slot_add((int)c->ret, K_QUEUE, 0, qi.mbox_id, is_root, getpid());
}

static void post_ping(struct fz_call *c)
{
    if (c->slot.kind == K_DUMMY_I && c->ret != (long)c->slot.index + 1)
        unexpected(c->w, "PING on dummy%u returned %ld", c->slot.index, c->ret);
}

/* ---- the table: every ioctl of every node ---------------------------------------------------- */

static void pre_cap_spec(struct fz_call *c);

static const struct fz_field f_version[] = {
    FLD(struct hsx_core_version, abi, F_OUT, 0),
    FLD(struct hsx_core_version, reserved, F_OUT, 0),
};
static const struct fz_field f_cap_query[] = {
    FLD(struct hsx_cap_query, module, F_MODULE, 0),
    FLD(struct hsx_cap_query, privileged, F_OUT, 0),
    FLD(struct hsx_cap_query, reserved, F_RES, 0),
    FLD(struct hsx_cap_query, cap.id, F_OUT, 0),
};
static const struct fz_field f_derive[] = {
    FLD(struct hsx_cap_derive, target_fd, F_FD, 0),
    FLD(struct hsx_cap_derive, module, F_MODULE, 0),
    FLD(struct hsx_cap_derive, rights, F_RIGHTS, 0),
    FLD(struct hsx_cap_derive, reserved, F_RES, 0),
    {offsetof(struct hsx_cap_derive, sel), 8, F_SEL, offsetof(struct hsx_cap_derive, module) + 1},
    FLD(struct hsx_cap_derive, expiry_ns, F_EXPIRY, 0),
    FLD(struct hsx_cap_derive, id, F_OUT, 0),
};
static const struct fz_field f_drop[] = {
    FLD(struct hsx_cap_drop, module, F_MODULE, 0),
    FLD(struct hsx_cap_drop, reserved, F_RES, 0),
};
static const struct fz_field f_client[] = {
    FLD(struct hsx_cap_client, fd, F_FD, 0),
    FLD(struct hsx_cap_client, opener_pid, F_OUT, 0),
    FLD(struct hsx_cap_client, reserved, F_RES, 0),
};
static const struct fz_field f_mint[] = {
    FLD(struct hsx_cap_mint, fd, F_FD, 0),
    FLD(struct hsx_cap_mint, module, F_MODULE, 0),
    FLD(struct hsx_cap_mint, rights, F_RIGHTS, 0),
    FLD(struct hsx_cap_mint, reserved, F_RES, 0),
    {offsetof(struct hsx_cap_mint, sel), 8, F_SEL, offsetof(struct hsx_cap_mint, module) + 1},
    FLD(struct hsx_cap_mint, expiry_ns, F_EXPIRY, 0),
    FLD(struct hsx_cap_mint, id, F_OUT, 0),
};
static const struct fz_field f_renew[] = {
    FLD(struct hsx_cap_renew, id, F_CAPID, 0),
    FLD(struct hsx_cap_renew, expiry_ns, F_EXPIRY, 0),
};
static const struct fz_field f_revoke[] = {
    FLD(struct hsx_cap_revoke, id, F_CAPID, 0),
    FLD(struct hsx_cap_revoke, pid, F_PID, 0),
    FLD(struct hsx_cap_revoke, flags, F_FLAGS, HSX_CAP_REVOKE_F_ALL),
    FLD(struct hsx_cap_revoke, reason, F_ENUM, HSX_CAP_END_HOLDER_EXITED),
    FLD(struct hsx_cap_revoke, count, F_OUT, 0),
};
static const struct fz_field f_list[] = {
    FLD(struct hsx_cap_list, after_id, F_CAPID, 0),
    FLD(struct hsx_cap_list, info.id, F_OUT, 0),
};
static const struct fz_field f_mbox_open[] = {
    FLD(struct hsx_mbox_open, name, F_MBOXNAME, 0),
    FLD(struct hsx_mbox_open, queue_len, F_QLEN, 0),
    FLD(struct hsx_mbox_open, flags, F_FLAGS, HSX_MBOX_O_ALL),
    FLD(struct hsx_mbox_open, reserved, F_RES, 0),
};
static const struct fz_field f_queue_info[] = {
    FLD(struct hsx_mbox_queue_info, mbox_id, F_OUT, 0),
};
static const struct fz_field f_zero_arg[] = {
    {0, 8, F_RES, 0},
};
/* A read timeout in ns: 0 (none), soon, a minute from the clock's now, and edges past the maximum.
 */
static const struct fz_field f_queue_timeout[] = {
    {0, 8, F_EXPIRY, 0},
};

static const struct fz_field f_queue_link[] = {
    {0, 4, F_QFD, 0},
};

static const struct fz_op core_ops[] = {
    {"CORE_VERSION", HSX_IOC_CORE_VERSION, K_NODES, false, 0, FIELDS(f_version), post_version,
     NULL},
    {"CAP_INFO", HSX_IOC_CAP_INFO, K_NODES, false, 0, FIELDS(f_cap_query), NULL, NULL},
    {"CAP_DERIVE", HSX_IOC_CAP_DERIVE, K_NODES, false, 0, FIELDS(f_derive), post_cap_id,
     pre_cap_spec},
    {"CAP_DROP", HSX_IOC_CAP_DROP, K_NODES, false, 0, FIELDS(f_drop), NULL, NULL},
    {"MBOX_OPEN", HSX_IOC_MBOX_OPEN, K_NODES, false, 1 << 20, FIELDS(f_mbox_open), post_mbox_open,
     NULL},
    {"MBOX_QUEUE_INFO", HSX_IOC_MBOX_QUEUE_INFO, KB(K_QUEUE), false, 0, FIELDS(f_queue_info), NULL,
     NULL},
    {"MBOX_QUEUE_END", HSX_IOC_MBOX_QUEUE_END, KB(K_QUEUE), false, 0, FIELDS(f_zero_arg), NULL,
     NULL},
    {"MBOX_QUEUE_SET_TIMEOUT", HSX_IOC_MBOX_QUEUE_SET_TIMEOUT, KB(K_QUEUE), false, 0,
     FIELDS(f_queue_timeout), NULL, NULL},
    {"MBOX_QUEUE_KICK", HSX_IOC_MBOX_QUEUE_KICK, KB(K_QUEUE), false, 0, FIELDS(f_zero_arg), NULL,
     NULL},
    {"MBOX_QUEUE_LINK", HSX_IOC_MBOX_QUEUE_LINK, KB(K_QUEUE), false, 0, FIELDS(f_queue_link), NULL,
     NULL},
    {"CAP_CLIENT", HSX_IOC_CAP_CLIENT, KB(K_ADMIN), false, 0, FIELDS(f_client), post_client, NULL},
    {"CAP_MINT", HSX_IOC_CAP_MINT, KB(K_ADMIN), false, 0, FIELDS(f_mint), post_cap_id,
     pre_cap_spec},
    {"CAP_RENEW", HSX_IOC_CAP_RENEW, KB(K_ADMIN), false, 0, FIELDS(f_renew), NULL, NULL},
    {"CAP_REVOKE", HSX_IOC_CAP_REVOKE, KB(K_ADMIN), false, 0, FIELDS(f_revoke), post_revoke, NULL},
    {"CAP_LIST", HSX_IOC_CAP_LIST, KB(K_ADMIN), false, 0, FIELDS(f_list), post_list, NULL},
};

static const struct fz_field f_tick[] = {
    FLD(struct hsx_timer_tick, tick_us, F_OUT, 0),
};
static const struct fz_field f_freq[] = {
    FLD(struct hsx_timer_freq, ticks_per_sec, F_OUT, 0),
};
static const struct fz_field f_create[] = {
    FLD(struct hsx_timer_create, period_us, F_PERIOD, 0),
    FLD(struct hsx_timer_create, flags, F_FLAGS, HSX_TIMER_F_ALL),
    FLD(struct hsx_timer_create, timer_id, F_OUT, 0),
    FLD(struct hsx_timer_create, reserved, F_RES, 0),
};
static const struct fz_field f_timer_id[] = {
    FLD(struct hsx_timer_id, timer_id, F_TIMER, 0),
    FLD(struct hsx_timer_id, reserved, F_RES, 0),
};

static const struct fz_op timer_ops[] = {
    {"TIMER_GET_TICK", HSX_IOC_TIMER_GET_TICK, KB(K_TIMER), true, 0, FIELDS(f_tick), NULL, NULL},
    {"TIMER_GET_TICK_FREQ", HSX_IOC_TIMER_GET_TICK_FREQ, KB(K_TIMER), true, 0, FIELDS(f_freq),
     post_freq, NULL},
    {"TIMER_CREATE", HSX_IOC_TIMER_CREATE, KB(K_TIMER), true, 0, FIELDS(f_create), post_create,
     NULL},
    {"TIMER_CANCEL", HSX_IOC_TIMER_CANCEL, KB(K_TIMER) | KB(K_CTL) | KB(K_ADMIN), true, 0,
     FIELDS(f_timer_id), NULL, NULL},
    {"TIMER_START", HSX_IOC_TIMER_START, KB(K_TIMER), true, 0, FIELDS(f_timer_id), NULL, NULL},
};

/* READ, WRITE, TOGGLE: the argument is HSX_GPIO_VALUE_ARG(pin, value), as bytes of a u64. */
static const struct fz_field f_value_arg[] = {
    {0, 1, F_PIN, 0},
    {1, 1, F_BOOL, 0},
    {2, 6, F_RES, 0},
};
static const struct fz_field f_pin_arg[] = {
    {0, 1, F_PIN, 0},
    {1, 7, F_RES, 0},
};
static const struct fz_field f_config[] = {
    FLD(struct hsx_gpio_config, pin, F_PIN, 0),
    FLD(struct hsx_gpio_config, mode, F_ENUM, HSX_GPIO_M_ANALOG),
    FLD(struct hsx_gpio_config, pull, F_ENUM, HSX_GPIO_P_DOWN),
    FLD(struct hsx_gpio_config, flags, F_FLAGS, HSX_GPIO_F_ALL),
    FLD(struct hsx_gpio_config, debounce_us, F_DEBOUNCE, 0),
    FLD(struct hsx_gpio_config, reserved, F_RES, 0),
};
static const struct fz_field f_interrupt[] = {
    FLD(struct hsx_gpio_interrupt, pin, F_PIN, 0),
    FLD(struct hsx_gpio_interrupt, edge, F_ENUM, HSX_GPIO_E_BOTH),
    FLD(struct hsx_gpio_interrupt, enable, F_BOOL, 0),
    FLD(struct hsx_gpio_interrupt, reserved, F_RES, 0),
};
static const struct fz_field f_multi[] = {
    FLD(struct hsx_gpio_multi, mask, F_MASK, 0),
    FLD(struct hsx_gpio_multi, values, F_MASK, 0),
    FLD(struct hsx_gpio_multi, reserved, F_RES, 0),
};
static const struct fz_field f_info[] = {
    FLD(struct hsx_gpio_info, pin, F_PIN, 0),
    FLD(struct hsx_gpio_info, mapped, F_OUT, 0),
    FLD(struct hsx_gpio_info, reserved, F_RES, 0),
};
static const struct fz_field f_map[] = {
    FLD(struct hsx_gpio_map, pin, F_PIN, 0),
    FLD(struct hsx_gpio_map, offset, F_ENUM, FZ_SIM_LINES + 1),
    FLD(struct hsx_gpio_map, chip, F_LABEL, 0),
    FLD(struct hsx_gpio_map, reserved, F_RES, 0),
};

static const struct fz_op gpio_ops[] = {
    {"GPIO_READ", HSX_IOC_GPIO_READ, KB(K_GPIO), true, 1, FIELDS(f_pin_arg), NULL, NULL},
    {"GPIO_WRITE", HSX_IOC_GPIO_WRITE, KB(K_GPIO), true, 0, FIELDS(f_value_arg), NULL, NULL},
    {"GPIO_CONFIG", HSX_IOC_GPIO_CONFIG, KB(K_GPIO), true, 0, FIELDS(f_config), NULL, NULL},
    {"GPIO_SET_INTERRUPT", HSX_IOC_GPIO_SET_INTERRUPT, KB(K_GPIO), true, 0, FIELDS(f_interrupt),
     NULL, NULL},
    {"GPIO_TOGGLE", HSX_IOC_GPIO_TOGGLE, KB(K_GPIO), true, 1, FIELDS(f_pin_arg), NULL, NULL},
    {"GPIO_READ_MULTI", HSX_IOC_GPIO_READ_MULTI, KB(K_GPIO), true, 0, FIELDS(f_multi), NULL, NULL},
    {"GPIO_WRITE_MULTI", HSX_IOC_GPIO_WRITE_MULTI, KB(K_GPIO), true, 0, FIELDS(f_multi), NULL,
     NULL},
    {"GPIO_INFO", HSX_IOC_GPIO_INFO, KB(K_GPIO), true, 0, FIELDS(f_info), NULL, NULL},
    {"GPIO_MAP", HSX_IOC_GPIO_MAP, KB(K_CTL) | KB(K_ADMIN), true, 0, FIELDS(f_map), NULL, NULL},
};

/* The dummy's PING ignores its argument (a test module): any number is accepted. */
static const struct fz_field f_any_arg[] = {
    {0, 8, F_OUT, 0},
};

static const struct fz_op dummy_ops[] = {
    {"DUMMY_PING", FZ_IOC_DUMMY_PING, KB(K_DUMMY) | KB(K_DUMMY_I), true, FZ_DUMMY_MAX + 64,
     FIELDS(f_any_arg), post_ping, NULL},
};

/* ---- UART (module 0x10) ---------------------------------------------------------------------- */

/*
 * The oracles: once every field is generated, the argument as a whole against the rules of
 * uapi/hsx_uapi.h; an argument they break must be refused, whatever the node and the caller.
 */
static bool uart_port_bad(const struct fz_call *c, uint32_t port)
{
    return unit_bad(c, port, &uart_units);
}

static bool uart_sel_bad(uint32_t rights, const union hsx_cap_selector *sel)
{
    return !rights || (rights & ~HSX_CAP_R_UART_ALL) || (rights & HSX_CAP_R_ADMIN) ||
           !sel->uart.ports || (sel->uart.ports >> HSX_UART_MAX_PORTS) || sel->uart.reserved ||
           sel->raw[1] || sel->raw[2] || sel->raw[3];
}

/* CAP_MINT and CAP_DERIVE (the same layout up to the selector) of a UART, CAN, FRAM or FS one */
static void pre_cap_spec(struct fz_call *c)
{
    const struct hsx_cap_mint *m = (const void *)c->buf;

    if ((m->module == HSX_MODULE_UART && uart_sel_bad(m->rights, &m->sel)) ||
        (m->module == HSX_MODULE_CAN && can_sel_bad(m->rights, &m->sel)) ||
        (m->module == HSX_MODULE_FRAM && fram_sel_bad(m->rights, &m->sel)) ||
        (m->module == HSX_MODULE_FS && fs_sel_bad(m->rights, &m->sel)))
        c->must_fail = true;
}

static void pre_uart_xfer(struct fz_call *c)
{
    struct hsx_uart_xfer *x = (void *)c->buf;
    bool write = c->op->cmd == HSX_IOC_UART_WRITE;

    /*
     * A long write: the buffer ends (the unmapped page) within the first chunk the kernel
     * copies, so it fails with EFAULT having sent nothing; now and then one chunk (4 KiB)
     * fits, so it sends that and succeeds. Nothing longer is sent: the run's budget.
     */
    if (write && x->len > 512 && c->room >= 4096) {
        uint32_t keep = chance(&c->w->rng, 3) ? 4096 + rn(&c->w->rng, 512) : rn(&c->w->rng, 4096);
        if (x->len > 4096 || chance(&c->w->rng, 50)) {
            x->buf = (uint64_t)(uintptr_t)(c->w->ubuf + FZ_UBUF - keep);
            c->room = keep;
        }
    }
    if (x->reserved || x->len > HSX_UART_XFER_MAX || (x->len && !x->buf) ||
        x->timeout_ms > HSX_UART_TIMEOUT_MAX_MS || (!write && x->timeout_ms) ||
        uart_port_bad(c, x->port))
        c->must_fail = true;
    /* a write whose first chunk faults sends nothing: EFAULT */
    if (write && x->len && c->room < (x->len < 4096 ? x->len : 4096))
        c->must_fail = true;
}

static void post_uart_xfer(struct fz_call *c)
{
    const struct hsx_uart_xfer *x = (const void *)c->buf;
    bool write = c->op->cmd == HSX_IOC_UART_WRITE;

    if (x->done > x->len || (!write && x->done > HSX_UART_RX_BUFFER) ||
        (write && x->len && !x->done) || x->done > c->room)
        unexpected(c->w, "%s: done %u of %u (room %" PRIu64 ")", c->op->name, x->done, x->len,
                   c->room);
    if (write) {
        count(&stats->uart_writes);
        __atomic_fetch_add(&stats->uart_tx, x->done, __ATOMIC_RELAXED);
    } else {
        __atomic_fetch_add(&stats->uart_rx, x->done, __ATOMIC_RELAXED);
    }
}

static bool uart_config_bad(const struct hsx_uart_config *cfg)
{
    return !cfg->baud || cfg->baud > HSX_UART_BAUD_MAX || cfg->parity > HSX_UART_PAR_SPACE ||
           (cfg->stop_bits != 1 && cfg->stop_bits != 2) ||
           (cfg->data_bits && (cfg->data_bits < 5 || cfg->data_bits > 8)) ||
           cfg->flow > HSX_UART_FC_XONXOFF || cfg->reserved;
}

static void pre_uart_config(struct fz_call *c)
{
    const struct hsx_uart_config *cfg = (const void *)c->buf;

    if (uart_config_bad(cfg) || uart_port_bad(c, cfg->port))
        c->must_fail = true;
}

static void post_uart_config(struct fz_call *c)
{
    const struct hsx_uart_config *cfg = (const void *)c->buf;
    uint64_t d =
        cfg->baud_actual > cfg->baud ? cfg->baud_actual - cfg->baud : cfg->baud - cfg->baud_actual;

    /* within 3%, as the ABI promises */
    if (d * 100 > 3ULL * cfg->baud)
        unexpected(c->w, "UART_CONFIG: baud %u, baud_actual %u", cfg->baud, cfg->baud_actual);
}

static void pre_uart_status(struct fz_call *c)
{
    const struct hsx_uart_status *st = (const void *)c->buf;

    if (st->reserved || uart_port_bad(c, st->port))
        c->must_fail = true;
}

static void post_uart_status(struct fz_call *c)
{
    const struct hsx_uart_status *st = (const void *)c->buf;

    if ((st->status & ~0x7fU) || st->rx_available > HSX_UART_RX_BUFFER || st->reserved ||
        (st->lines & ~0x3fU) || (!!(st->status & HSX_UART_ST_RX_READY) != !!st->rx_available))
        unexpected(c->w, "UART_GET_STATUS: status %#x rx_available %u lines %#x reserved %llu",
                   st->status, st->rx_available, st->lines, (unsigned long long)st->reserved);
}

static void pre_uart_modem(struct fz_call *c)
{
    const struct hsx_uart_modem *m = (const void *)c->buf;

    if (((m->set | m->clear) & ~(uint32_t)HSX_UART_LN_OUT) || (m->set & m->clear) ||
        uart_port_bad(c, m->port))
        c->must_fail = true;
}

static void post_uart_modem(struct fz_call *c)
{
    const struct hsx_uart_modem *m = (const void *)c->buf;

    if (m->lines & ~0x3fU)
        unexpected(c->w, "UART_MODEM: lines %#x", m->lines);
}

static void pre_uart_ctl(struct fz_call *c)
{
    const struct hsx_uart_ctl *ctl = (const void *)c->buf;
    bool bad = ctl->reserved || uart_port_bad(c, ctl->port);

    if (c->op->cmd == HSX_IOC_UART_BREAK)
        bad |= !ctl->value || ctl->value > HSX_UART_BREAK_MAX_MS;
    else if (c->op->cmd == HSX_IOC_UART_DRAIN)
        bad |= ctl->value > HSX_UART_TIMEOUT_MAX_MS;
    else
        bad |= !ctl->value || (ctl->value & ~(HSX_UART_DC_RX | HSX_UART_DC_TX));
    c->must_fail |= bad;
}

static void pre_uart_info(struct fz_call *c)
{
    const struct hsx_uart_info *i = (const void *)c->buf;

    if (i->reserved || uart_port_bad(c, i->port))
        c->must_fail = true;
}

static void post_uart_info(struct fz_call *c)
{
    const struct hsx_uart_info *i = (const void *)c->buf;
    bool term = memchr(i->tty, '\0', sizeof(i->tty)) != NULL;

    if (i->bound > 1 || i->from_dt > 1 || i->reserved || !term || !i->bound != !i->tty[0] ||
        i->config.port != i->port || (i->bound && uart_config_bad(&i->config)))
        unexpected(c->w, "UART_INFO: port %u bound %u from_dt %u tty \"%.32s\" config.port %u",
                   i->port, i->bound, i->from_dt, term ? i->tty : "(not terminated)",
                   i->config.port);
}

static bool tty_name_ok(const char *name)
{
    if (!*name)
        return false;
    for (const char *q = name; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              *q == '_' || *q == '.' || *q == '-'))
            return false;
    return true;
}

static void pre_uart_map(struct fz_call *c)
{
    const struct hsx_uart_map *m = (const void *)c->buf;
    bool term = memchr(m->tty, '\0', sizeof(m->tty)) != NULL;

    if (m->port >= HSX_UART_MAX_PORTS || m->reserved || !term ||
        (m->tty[0] && !tty_name_ok(m->tty)))
        c->must_fail = true;
}

static void post_uart_map(struct fz_call *c)
{
    const struct hsx_uart_map *m = (const void *)c->buf;

    count(m->tty[0] ? &stats->uart_binds : &stats->uart_unbinds);
}

#ifdef HSX_IOC_UART_SET_EVENTS
static void pre_uart_events(struct fz_call *c)
{
    const struct hsx_uart_events *e = (const void *)c->buf;

    /* the gap: 1..HSX_UART_IDLE_MAX_MS with IDLE, 0 without */
    bool gap_bad = e->events & HSX_UART_EVF_IDLE ? !e->idle_ms || e->idle_ms > HSX_UART_IDLE_MAX_MS
                                                 : e->idle_ms != 0;

    if (e->reserved || (e->events & ~HSX_UART_EVF_ALL) || gap_bad || uart_port_bad(c, e->port))
        c->must_fail = true;
}
#endif

static const struct fz_field f_uart_xfer_w[] = {
    FLD(struct hsx_uart_xfer, port, F_UPORT, 0),
    FLD(struct hsx_uart_xfer, len, F_ULEN, FZ_ULEN_WRITE),
    FLD(struct hsx_uart_xfer, buf, F_UBUF, 0),
    FLD(struct hsx_uart_xfer, timeout_ms, F_UVAL, UV_TMO_WRITE),
    FLD(struct hsx_uart_xfer, done, F_OUT, 0),
    FLD(struct hsx_uart_xfer, reserved, F_RES, 0),
};
static const struct fz_field f_uart_xfer_r[] = {
    FLD(struct hsx_uart_xfer, port, F_UPORT, 0),
    FLD(struct hsx_uart_xfer, len, F_ULEN, FZ_ULEN_READ),
    FLD(struct hsx_uart_xfer, buf, F_UBUF, 0),
    FLD(struct hsx_uart_xfer, timeout_ms, F_UVAL, UV_TMO_READ),
    FLD(struct hsx_uart_xfer, done, F_OUT, 0),
    FLD(struct hsx_uart_xfer, reserved, F_RES, 0),
};
static const struct fz_field f_uart_config[] = {
    FLD(struct hsx_uart_config, port, F_UPORT, 0),
    FLD(struct hsx_uart_config, baud, F_UVAL, UV_BAUD),
    FLD(struct hsx_uart_config, parity, F_UVAL, UV_PARITY),
    FLD(struct hsx_uart_config, stop_bits, F_UVAL, UV_STOP),
    FLD(struct hsx_uart_config, data_bits, F_UVAL, UV_DATA),
    FLD(struct hsx_uart_config, flow, F_UVAL, UV_FLOW),
    FLD(struct hsx_uart_config, baud_actual, F_OUT, 0),
    FLD(struct hsx_uart_config, reserved, F_RES, 0),
};
static const struct fz_field f_uart_status[] = {
    FLD(struct hsx_uart_status, port, F_UPORT, 0),
    FLD(struct hsx_uart_status, status, F_OUT, 0),
    FLD(struct hsx_uart_status, rx_bytes, F_OUT, 0),
    FLD(struct hsx_uart_status, rx_dropped, F_OUT, 0),
    FLD(struct hsx_uart_status, reserved, F_RES, 0),
};
static const struct fz_field f_uart_modem[] = {
    FLD(struct hsx_uart_modem, port, F_UPORT, 0),
    FLD(struct hsx_uart_modem, set, F_UVAL, UV_LINES),
    FLD(struct hsx_uart_modem, clear, F_UVAL, UV_LINES),
    FLD(struct hsx_uart_modem, lines, F_OUT, 0),
};
static const struct fz_field f_uart_break[] = {
    FLD(struct hsx_uart_ctl, port, F_UPORT, 0),
    FLD(struct hsx_uart_ctl, value, F_UVAL, UV_BREAK),
    FLD(struct hsx_uart_ctl, reserved, F_RES, 0),
};
static const struct fz_field f_uart_drain[] = {
    FLD(struct hsx_uart_ctl, port, F_UPORT, 0),
    FLD(struct hsx_uart_ctl, value, F_UVAL, UV_DRAIN),
    FLD(struct hsx_uart_ctl, reserved, F_RES, 0),
};
static const struct fz_field f_uart_discard[] = {
    FLD(struct hsx_uart_ctl, port, F_UPORT, 0),
    FLD(struct hsx_uart_ctl, value, F_UVAL, UV_DISCARD),
    FLD(struct hsx_uart_ctl, reserved, F_RES, 0),
};
static const struct fz_field f_uart_info[] = {
    FLD(struct hsx_uart_info, port, F_UPORT, 0),      FLD(struct hsx_uart_info, bound, F_OUT, 0),
    FLD(struct hsx_uart_info, reserved, F_RES, 0),    FLD(struct hsx_uart_info, tty, F_OUT, 0),
    FLD(struct hsx_uart_info, config.baud, F_OUT, 0),
};
static const struct fz_field f_uart_map[] = {
    FLD(struct hsx_uart_map, port, F_UPORT, 0),
    FLD(struct hsx_uart_map, reserved, F_RES, 0),
    FLD(struct hsx_uart_map, tty, F_TTYNAME, 0),
};
#ifdef HSX_IOC_UART_SET_EVENTS
static const struct fz_field f_uart_events[] = {
    FLD(struct hsx_uart_events, port, F_UPORT, 0),
    FLD(struct hsx_uart_events, events, F_UVAL, UV_EVENTS),
    FLD(struct hsx_uart_events, idle_ms, F_UVAL, UV_IDLE),
    FLD(struct hsx_uart_events, reserved, F_RES, 0),
};
#endif

/* The module's node and its instances' serve every function; MAP is the admin node's. */
#define K_UART_FN (K_UARTS | KB(K_CTL))
static const struct fz_op uart_ops[] = {
    {"UART_WRITE", HSX_IOC_UART_WRITE, K_UART_FN, true, 0, FIELDS(f_uart_xfer_w), post_uart_xfer,
     pre_uart_xfer},
    {"UART_READ_POLL", HSX_IOC_UART_READ_POLL, K_UART_FN, true, 0, FIELDS(f_uart_xfer_r),
     post_uart_xfer, pre_uart_xfer},
    {"UART_CONFIG", HSX_IOC_UART_CONFIG, K_UART_FN, true, 0, FIELDS(f_uart_config),
     post_uart_config, pre_uart_config},
    {"UART_GET_STATUS", HSX_IOC_UART_GET_STATUS, K_UART_FN, true, 0, FIELDS(f_uart_status),
     post_uart_status, pre_uart_status},
    {"UART_MODEM", HSX_IOC_UART_MODEM, K_UART_FN, true, 0, FIELDS(f_uart_modem), post_uart_modem,
     pre_uart_modem},
    {"UART_BREAK", HSX_IOC_UART_BREAK, K_UART_FN, true, 0, FIELDS(f_uart_break), NULL,
     pre_uart_ctl},
    {"UART_DRAIN", HSX_IOC_UART_DRAIN, K_UART_FN, true, 0, FIELDS(f_uart_drain), NULL,
     pre_uart_ctl},
    {"UART_DISCARD", HSX_IOC_UART_DISCARD, K_UART_FN, true, 0, FIELDS(f_uart_discard), NULL,
     pre_uart_ctl},
    {"UART_INFO", HSX_IOC_UART_INFO, K_UART_FN, true, 0, FIELDS(f_uart_info), post_uart_info,
     pre_uart_info},
    {"UART_MAP", HSX_IOC_UART_MAP, KB(K_CTL) | KB(K_ADMIN), true, 0, FIELDS(f_uart_map),
     post_uart_map, pre_uart_map},
#ifdef HSX_IOC_UART_SET_EVENTS
    {"UART_SET_EVENTS", HSX_IOC_UART_SET_EVENTS, K_UART_FN, true, 0, FIELDS(f_uart_events), NULL,
     pre_uart_events},
#endif
};

/*
 * Functions that wait: a watchdog signal bounds them (see wd_arm()). MAP too: unbinding closes
 * the tty, which waits for its transmitter to empty, up to the driver's closing_wait (30 s for
 * the 8250) when flow control stalls it.
 */
static bool uart_waits(unsigned long cmd)
{
    return cmd == HSX_IOC_UART_WRITE || cmd == HSX_IOC_UART_DRAIN || cmd == HSX_IOC_UART_BREAK ||
           cmd == HSX_IOC_UART_MAP;
}

static bool fz_waits(unsigned long cmd)
{
    return uart_waits(cmd) || can_waits(cmd);
}

static const struct fz_module core_module = {"core", FIELDS(core_ops)};
static const struct fz_module timer_module = {"timer", FIELDS(timer_ops)};
static const struct fz_module gpio_module = {"gpio", FIELDS(gpio_ops)};
static const struct fz_module dummy_module = {"dummy", FIELDS(dummy_ops)};
static const struct fz_module uart_module = {"uart", FIELDS(uart_ops)};

static const struct fz_module *const fz_modules[] = {
    &core_module, &timer_module, &gpio_module, &dummy_module,
    &uart_module, &can_module,   &fram_module, &fs_module,
};
#define FZ_N_MODULES (sizeof(fz_modules) / sizeof(fz_modules[0]))

/* ---- descriptors -------------------------------------------------------------------------- */

void slot_add(int fd, enum fz_kind kind, unsigned int index, uint32_t mbox_id, bool priv,
              pid_t opener)
{
    int i, best = -1;

    pthread_mutex_lock(&slot_lock);
    for (i = 0; i < FZ_SLOTS; i++)
        if (slots[i].kind == K_NONE) {
            best = i;
            break;
        }
    if (best >= 0) {
        slots[best].fd = fd;
        slots[best].kind = kind;
        slots[best].index = index;
        slots[best].mbox_id = mbox_id;
        slots[best].privileged = priv;
        slots[best].opener = opener;
        fd = -1;
    }
    pthread_mutex_unlock(&slot_lock);
    if (fd >= 0)
        close(fd); /* full */
}

/* Close slot i (any thread may be in a call on it: that is the point). */
static void slot_close(int i)
{
    int fd = -1;

    pthread_mutex_lock(&slot_lock);
    if (slots[i].kind != K_NONE) {
        fd = slots[i].fd;
        slots[i].kind = K_NONE;
        slots[i].fd = -1;
        slots[i].gen++;
    }
    pthread_mutex_unlock(&slot_lock);
    if (fd >= 0) {
        close(fd);
        count(&stats->closes);
    }
}

static unsigned int slot_gen(int i)
{
    unsigned int g;

    pthread_mutex_lock(&slot_lock);
    g = slots[i].gen;
    pthread_mutex_unlock(&slot_lock);
    return g;
}

static int pick_slot_how(struct fz_rng *r, uint32_t kinds, struct fz_slot *copy, bool dup_fd)
{
    int i, n = 0, found = -1;
    uint32_t want = rn(r, FZ_SLOTS);

    pthread_mutex_lock(&slot_lock);
    for (i = 0; i < FZ_SLOTS; i++)
        if (slots[i].kind != K_NONE && (KB(slots[i].kind) & kinds))
            n++;
    if (n) {
        want %= (uint32_t)n;
        for (i = 0; i < FZ_SLOTS; i++)
            if (slots[i].kind != K_NONE && (KB(slots[i].kind) & kinds) && want-- == 0) {
                found = i;
                *copy = slots[i];
                break;
            }
    }
    /* slot_close() takes the slot out under this lock before it closes the number */
    if (found >= 0 && dup_fd && (copy->fd = dup(copy->fd)) < 0)
        found = -1;
    pthread_mutex_unlock(&slot_lock);
    return found;
}

int pick_slot(struct fz_rng *r, uint32_t kinds, struct fz_slot *copy)
{
    return pick_slot_how(r, kinds, copy, false);
}

int pick_slot_dup(struct fz_rng *r, uint32_t kinds, struct fz_slot *copy)
{
    return pick_slot_how(r, kinds, copy, true);
}

static int open_node(struct fz_worker *w, enum fz_kind kind, unsigned int index)
{
    char path[64];
    int flags = O_RDWR | O_CLOEXEC, fd;

    switch (kind) {
    case K_CTL:
        snprintf(path, sizeof(path), "/dev/" HSX_DEV_CTL);
        break;
    case K_ADMIN:
        snprintf(path, sizeof(path), "/dev/" HSX_DEV_CTL);
        flags |= O_EXCL;
        break;
    case K_TIMER:
        snprintf(path, sizeof(path), "/dev/" HSX_DEV_TIMER);
        break;
    case K_GPIO:
        snprintf(path, sizeof(path), "/dev/" HSX_DEV_GPIO);
        break;
    case K_DUMMY:
        snprintf(path, sizeof(path), "/dev/hsx/dummy");
        break;
    case K_DUMMY_I:
        snprintf(path, sizeof(path), "/dev/hsx/dummy%u", index);
        break;
    case K_UART:
    case K_CAN:
        snprintf(path, sizeof(path), "/dev/%s", kind == K_UART ? HSX_DEV_UART : HSX_DEV_CAN);
        break;
    case K_UART_I:
    case K_CAN_I:
        snprintf(path, sizeof(path), "/dev/%s%u", kind == K_UART_I ? HSX_DEV_UART : HSX_DEV_CAN,
                 index);
        break;
    case K_FRAM:
        snprintf(path, sizeof(path), "/dev/" HSX_DEV_DIR "/fram");
        break;
    case K_FRAM_I:
        snprintf(path, sizeof(path), "/dev/" HSX_DEV_DIR "/fram%u", index);
        break;
    case K_FS:
        snprintf(path, sizeof(path), "/dev/" HSX_DEV_FS);
        break;
    case K_FS_I:
        snprintf(path, sizeof(path), "/dev/" HSX_DEV_FS "%u", index);
        break;
    default:
        snprintf(path, sizeof(path), "/dev/null");
        break;
    }
    fd = open(path, flags);
    note(w, "open %s%s = %d%s%s", path, flags & O_EXCL ? " O_EXCL" : "", fd, fd < 0 ? " " : "",
         fd < 0 ? strerror(errno) : "");
    if (fd < 0) {
        int e = errno;
        count_errno(e);
        /* ENOENT: no such instance (or no dummy); EBUSY: a second administrator; EACCES/EPERM: not
         * root */
        if (e != ENOENT && e != EBUSY && e != EACCES && e != EPERM && e != ENODEV && e != EMFILE &&
            e != ENXIO)
            unexpected(w, "open %s: %s", path, strerror(e));
        if (e == EMFILE)
            harness_fail("out of descriptors");
        return -1;
    }
    count_errno(0);
    slot_add(fd, kind, index, 0, is_root, getpid());
    return fd;
}

/* ---- one ioctl from the table -------------------------------------------------------------- */

static void judge(struct fz_call *c)
{
    const struct fz_op *op = c->op;
    bool raced = slot_gen(c->slot_i) != c->slot.gen ||
                 (c->arg_slot_i >= 0 && slot_gen(c->arg_slot_i) != c->arg_slot_gen);

    count_errno(c->ret < 0 ? c->err : 0);
    note(c->w, "  = %ld%s%s%s", c->ret, c->ret < 0 ? " " : "", c->ret < 0 ? strerror(c->err) : "",
         raced ? " (descriptor closed meanwhile)" : "");
    if (raced)
        return; /* the number may name another file by now */
    if (c->ret < 0) {
        /*
         * An allocation made to fail may fail any function so; nothing else changes. A
         * filesystem may say ENOSPC for it (tmpfs cannot make the inode: shmem_get_inode()).
         */
        if (c->injected && (c->err == ENOMEM || c->err == ENOSPC)) {
            count(&stats->fail_enomem);
            return;
        }
        /* FS's and FRAM's functions each by their own errnos, the others by the ABI's */
        if (!fs_errno_ok(c))
            unexpected(c->w, "%s on %s: errno %d (%s), not one the ABI documents", op->name,
                       kind_name[c->slot.kind], c->err, strerror(c->err));
        return;
    }
    if (c->must_fail) {
        unexpected(c->w, "%s on %s succeeded (%ld) with an argument the ABI refuses", op->name,
                   kind_name[c->slot.kind], c->ret);
        if (op->cmd == HSX_IOC_MBOX_OPEN)
            close((int)c->ret);
        return;
    }
    if (op->needs_cap && enforcing && !c->slot.privileged && c->slot.opener != getpid())
        unexpected(c->w, "%s succeeded on a %s file another process opened (pid %d): theft",
                   op->name, kind_name[c->slot.kind], (int)c->slot.opener);
    if (c->ret > op->ret_max) {
        unexpected(c->w, "%s on %s returned %ld, at most %ld expected", op->name,
                   kind_name[c->slot.kind], c->ret, op->ret_max);
        return;
    }
    if (op->post && (_IOC_DIR(c->cmd) == _IOC_DIR(op->cmd)) && c->cmd == op->cmd)
        op->post(c);
}

static void hexdump(char *out, size_t len, const unsigned char *p, size_t n)
{
    size_t i, o = 0;

    for (i = 0; i < n && o + 3 < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%02x", p[i]);
    out[o < len ? o : len - 1] = '\0';
}

/* Is this number a function of some module? (A corrupted number can land on another one.) */
static bool known_cmd(unsigned long cmd)
{
    for (size_t m = 0; m < FZ_N_MODULES; m++)
        for (unsigned int i = 0; i < fz_modules[m]->n_ops; i++)
            if (fz_modules[m]->ops[i].cmd == cmd)
                return true;
    return false;
}

/* Generate, call, judge: one entry of the table on one descriptor. */
static void do_ioctl(struct fz_worker *w, const struct fz_op *op, int slot_i,
                     const struct fz_slot *slot)
{
    struct fz_rng *r = &w->rng;
    unsigned char argbuf[512] __attribute__((aligned(8)));
    struct fz_call c = {
        .w = w, .op = op, .slot = *slot, .slot_i = slot_i, .buf = argbuf, .arg_slot_i = -1};
    unsigned int size = _IOC_SIZE(op->cmd), i, how = rn(r, 100);
    int corrupt_field = -1;
    void *ptr = argbuf;
    char hex[2 * 136 + 1];
    const char *what = "";

    memset(argbuf, 0, sizeof(argbuf));
    c.cmd = op->cmd;
    c.raw_arg = _IOC_DIR(op->cmd) == _IOC_NONE;
    if (how < 25)
        corrupt_field = (int)rn(r, op->n_fields);
    for (i = 0; i < op->n_fields; i++)
        gen_field(&c, &op->fields[i], (int)i == corrupt_field);
    if (op->pre)
        op->pre(&c);
    if (how >= 25 && how < 31) {
        /* the wrong size or direction: the function is known, so EINVAL */
        static const int delta[] = {-8, 8, -1, 1, 64, 0};
        unsigned int dirs[] = {_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE};
        int d = delta[rn(r, 6)];
        unsigned int nsize = (unsigned int)((int)size + d) & _IOC_SIZEMASK;
        unsigned int dir = d ? _IOC_DIR(op->cmd) : dirs[rn(r, 4)];

        c.cmd = _IOC(dir, HSX_IOC_MAGIC, _IOC_NR(op->cmd), nsize);
        if (!known_cmd(c.cmd)) {
            c.must_fail = true;
            what = " (wrong size/direction)";
        } else if (c.cmd != op->cmd) {
            c.must_fail = false; /* another function: the op's rules do not apply */
        }
    } else if (how >= 31 && how < 34) {
        /* an unknown function of the same module, or another magic: ENOTTY */
        unsigned int nr = (_IOC_NR(op->cmd) & 0xf0) | (0x9 + rn(r, 7));
        c.cmd = _IOC(_IOC_DIR(op->cmd), chance(r, 70) ? HSX_IOC_MAGIC : 0xB9, nr, size);
        /* Never FS_MAP (FS_STAT's 0x45, its size, made 0x49): such a bind skips pre_fs_map(). */
        if (c.cmd == HSX_IOC_FS_MAP)
            c.cmd = _IOC(_IOC_DIR(op->cmd), 0xB9, nr, size);
        if (!known_cmd(c.cmd)) {
            c.must_fail = true;
            what = " (unknown function)";
        } else if (c.cmd != op->cmd) {
            c.must_fail = false;
        }
    } else if (how >= 34 && how < 37 && !c.raw_arg) {
        /* a bad pointer: NULL, or the argument straddling an unmapped page */
        if (chance(r, 30))
            ptr = NULL;
        else {
            ptr = w->guard + 4096 - (size > 1 ? 1 + rn(r, size - 1) : 1);
            memcpy(ptr, argbuf, (size_t)(w->guard + 4096 - (unsigned char *)ptr));
        }
        c.must_fail = true;
        what = " (bad pointer)";
    }
    hexdump(hex, sizeof(hex), argbuf, size < 136 ? size : 136);
    if (c.raw_arg) {
        uint64_t v;
        memcpy(&v, argbuf, sizeof(v));
        note(w, "ioctl(%s fd %d, %s cmd %#lx, %#" PRIx64 ")%s", kind_name[slot->kind], slot->fd,
             op->name, c.cmd, v, what);
        errno = 0;
        c.ret = ioctl(slot->fd, c.cmd, (unsigned long)v);
    } else {
        bool waits = fz_waits(c.cmd);
        note(w, "ioctl(%s fd %d, %s cmd %#lx, %s%s)%s", kind_name[slot->kind], slot->fd, op->name,
             c.cmd, ptr == argbuf ? "" : "ptr!", hex, what);
        if (waits)
            wd_arm(w);
        bool armed = fail_arm(w);
        errno = 0;
        c.ret = ioctl(slot->fd, c.cmd, ptr);
        c.err = errno;
        c.injected = armed && fail_disarm();
        if (waits)
            wd_disarm(w);
        errno = c.err;
    }
    c.err = errno;
    if (c.held)
        pthread_rwlock_unlock(c.held);
    if (c.end)
        c.end(&c);
    errno = c.err;
    if (ptr != argbuf && ptr && c.ret >= 0)
        memcpy(argbuf, ptr, (size_t)(w->guard + 4096 - (unsigned char *)ptr));
    judge(&c);
}

/* Pick an op from the table, and a descriptor it belongs on (mostly). */
static void op_table(struct fz_worker *w)
{
    struct fz_rng *r = &w->rng;
    const struct fz_module *m = fz_modules[rn(r, FZ_N_MODULES)];
    const struct fz_op *op = &m->ops[rn(r, m->n_ops)];
    struct fz_slot s;
    int i = pick_slot(r, chance(r, 85) ? op->kinds : K_NODES | KB(K_QUEUE) | KB(K_OTHER), &s);

    if (i < 0)
        i = pick_slot(r, K_NODES, &s);
    if (i < 0)
        return;
    do_ioctl(w, op, i, &s);
}

/* ---- queue files ------------------------------------------------------------------------------
 */

/* Parse what a read returned: whole records of one size, of a known type. */
void check_records(struct fz_worker *w, const unsigned char *buf, ssize_t n, uint32_t *closed)
{
    ssize_t off = 0;

    while (off < n) {
        struct hsx_mbox_record rec;

        if (n - off < (ssize_t)sizeof(rec)) {
            unexpected(w, "queue read: %zd bytes, a partial record at %zd", n, off);
            return;
        }
        memcpy(&rec, buf + off, sizeof(rec));
        if (rec.size < sizeof(rec) || rec.size > HSX_MBOX_RECORD_MAX || off + rec.size > n ||
            (rec.type != HSX_EVT_DATA && rec.type != HSX_EVT_CLOSED) || rec.reserved) {
            unexpected(w, "queue read: bad record at %zd: size %u type %u module %#x", off,
                       rec.size, rec.type, rec.module);
            return;
        }
        if (rec.type == HSX_EVT_CLOSED) {
            if (*closed)
                unexpected(w, "queue read: a second close notice");
            *closed = rec.close_reason ? rec.close_reason : 0xff;
            if (rec.close_reason < HSX_CLOSE_CANCELLED || rec.close_reason > HSX_CLOSE_GONE)
                unexpected(w, "queue read: close reason %u", rec.close_reason);
        } else if (*closed) {
            unexpected(w, "queue read: a record after the close notice");
        } else if (rec.module == HSX_MODULE_UART) {
            struct hsx_uart_record u;

            if (rec.size < sizeof(rec) + sizeof(u)) {
                unexpected(w, "queue read: a UART record of %u bytes", rec.size);
                return;
            }
            memcpy(&u, buf + off + sizeof(rec), sizeof(u));
            if (u.port >= HSX_UART_MAX_PORTS || u.length > sizeof(u.data) || (u.flags & ~0x0fU))
                unexpected(w, "queue read: UART record: port %u length %u flags %#x", u.port,
                           u.length, u.flags);
            count(&stats->uart_records);
        } else if (rec.module == HSX_MODULE_CAN) {
            can_check_record(w, &rec, buf + off + sizeof(rec));
        }
        off += rec.size;
    }
}

/* read, poll or write on a queue file; after its end, reads must reach end of file at once. */
static void op_queue(struct fz_worker *w)
{
    struct fz_rng *r = &w->rng;
    struct fz_slot s;
    int i = pick_slot(r, KB(K_QUEUE), &s);
    unsigned char buf[4096];
    static const size_t sizes[] = {0, 1, 39, 40, 48, 64, 127, 128, 4096};
    size_t len = sizes[rn(r, 9)];
    uint32_t closed = 0;
    ssize_t n;
    int e;

    if (i < 0)
        return;
    switch (rn(r, 5)) {
    case 0: {
        struct pollfd p = {.fd = s.fd, .events = POLLIN};
        note(w, "poll(queue fd %d)", s.fd);
        n = poll(&p, 1, 0);
        e = errno;
        count_errno(n < 0 ? e : 0);
        if (slot_gen(i) != s.gen)
            return; /* the number may name another file by now */
        if (n < 0 && e != EINTR)
            unexpected(w, "poll on a queue file: %s", strerror(e));
        else if (n == 1 && (p.revents & ~(POLLIN | POLLHUP | POLLRDNORM | POLLNVAL)))
            unexpected(w, "poll on a queue file: revents %#x", p.revents);
        return;
    }
    case 1:
        note(w, "write(queue fd %d, %zu)", s.fd, len);
        n = write(s.fd, buf, len);
        e = errno;
        count_errno(n < 0 ? e : 0);
        if (n > 0 && slot_gen(i) == s.gen)
            unexpected(w, "write to a queue file took %zd bytes", n);
        return;
    case 2:
        /* a bad buffer */
        struct iovec iov = {.iov_base = w->guard + 4096 - 8, .iov_len = chance(r, 50) ? 128 : 8};
        note(w, "read(queue fd %d, guard-8, %zu, RWF_NOWAIT)", s.fd, iov.iov_len);
        n = preadv2(s.fd, &iov, 1, -1, RWF_NOWAIT);
        e = errno;
        count_errno(n < 0 ? e : 0);
        if (n < 0 && !is_documented(e) && slot_gen(i) == s.gen)
            unexpected(w, "read into a bad buffer: %s", strerror(e));
        return;
    default:
        break;
    }
    /* read, never blocking: poll first */
    for (int round = 0; round < 4; round++) {
        struct pollfd p = {.fd = s.fd, .events = POLLIN};
        if (poll(&p, 1, 0) != 1)
            return;
        struct iovec iov = {.iov_base = buf, .iov_len = len};
        note(w, "read(queue fd %d, %zu, RWF_NOWAIT)", s.fd, len);
        n = preadv2(s.fd, &iov, 1, -1, RWF_NOWAIT);
        e = errno;
        count_errno(n < 0 ? e : 0);
        note(w, "  = %zd%s%s", n, n < 0 ? " " : "", n < 0 ? strerror(e) : "");
        if (slot_gen(i) != s.gen)
            return;
        if (n < 0) {
            if (e != EINVAL && e != EAGAIN && e != EBADF && e != EINTR && e != EFAULT)
                unexpected(w, "read of a queue file: %s", strerror(e));
            if (e == EINVAL && len >= HSX_MBOX_RECORD_MAX)
                unexpected(w, "read of %zu bytes: EINVAL", len);
            return;
        }
        if (n == 0)
            return;
        check_records(w, buf, n, &closed);
        if (closed)
            return; /* another thread may be reading the same file: no more claims */
    }
}

/* MBOX_OPEN, QUEUE_INFO, read, QUEUE_END, QUEUE_END again, read to the end. */
static void chain_queue(struct fz_worker *w, int node_fd, const char *name)
{
    struct hsx_mbox_open mo = {.queue_len = 1 + rn(&w->rng, 8), .flags = HSX_MBOX_O_NONBLOCK};
    unsigned char buf[HSX_MBOX_RECORD_MAX * 16];
    struct hsx_mbox_queue_info qi;
    uint32_t closed = 0;
    int q, ret, e, rounds;
    ssize_t n;

    snprintf(mo.name, sizeof(mo.name), "%s", name);
    q = ioctl(node_fd, HSX_IOC_MBOX_OPEN, &mo);
    e = errno;
    count_errno(q < 0 ? e : 0);
    note(w, "chain: MBOX_OPEN(fd %d, %s) = %d%s%s", node_fd, name, q, q < 0 ? " " : "",
         q < 0 ? strerror(e) : "");
    if (q < 0) {
        if (!is_documented(e))
            unexpected(w, "MBOX_OPEN %s: %s", name, strerror(e));
        return;
    }
    ret = ioctl(q, HSX_IOC_MBOX_QUEUE_INFO, &qi);
    count_errno(ret < 0 ? errno : 0);
    if (ret)
        unexpected(w, "QUEUE_INFO on a new queue file: %s", strerror(errno));
    n = read(q, buf, sizeof(buf));
    count_errno(n < 0 ? errno : 0);
    if (n > 0)
        check_records(w, buf, n, &closed);
    else if (n < 0 && errno != EAGAIN)
        unexpected(w, "read of a new queue file: %s", strerror(errno));
    ret = ioctl(q, HSX_IOC_MBOX_QUEUE_END, 0);
    e = errno;
    count_errno(ret < 0 ? e : 0);
    note(w, "chain: QUEUE_END = %d%s%s", ret, ret < 0 ? " " : "", ret < 0 ? strerror(e) : "");
    if (ret < 0 && !(e == ENOENT && closed))
        if (e != ENOENT)
            unexpected(w, "QUEUE_END on a live queue: %s", strerror(e));
    ret = ioctl(q, HSX_IOC_MBOX_QUEUE_END, 0);
    e = errno;
    count_errno(ret < 0 ? e : 0);
    if (ret == 0)
        unexpected(w, "a second QUEUE_END succeeded");
    else if (e != ENOENT)
        unexpected(w, "a second QUEUE_END: %s, not ENOENT", strerror(e));
    /* ended: whatever is queued, then end of file, never EAGAIN */
    for (rounds = 0; rounds < 64; rounds++) {
        n = read(q, buf, sizeof(buf));
        count_errno(n < 0 ? errno : 0);
        if (n <= 0)
            break;
        check_records(w, buf, n, &closed);
    }
    if (n < 0)
        unexpected(w, "read after QUEUE_END: %s, not end of file", strerror(errno));
    else if (n > 0)
        unexpected(w, "read after QUEUE_END: no end of file after 64 reads");
    if (chance(&w->rng, 50))
        close(q);
    else
        slot_add(q, K_QUEUE, 0, qi.mbox_id, is_root, getpid());
}

/* Create, start, subscribe, start again, cancel, cancel again, drain its queue. */
static void chain_timer_on(struct fz_worker *w, const struct fz_slot *sp,
                           struct hsx_timer_create *tcp);

static void chain_timer(struct fz_worker *w)
{
    struct fz_rng *r = &w->rng;
    struct fz_slot s;
    /* a copy of the descriptor of my own: another thread may close the slot meanwhile */
    int i = pick_slot_dup(r, KB(K_TIMER), &s);
    struct hsx_timer_create tc = {.period_us = HSX_TIMER_PERIOD_MIN_US + rn(r, 2000)};

    if (i < 0)
        return;
    tc.flags = rn(r, 4);
    chain_timer_on(w, &s, &tc);
    close(s.fd);
}

static void chain_timer_on(struct fz_worker *w, const struct fz_slot *sp,
                           struct hsx_timer_create *tcp)
{
    struct fz_rng *r = &w->rng;
    struct fz_slot s = *sp;
    struct hsx_timer_create tc = *tcp;
    struct hsx_timer_id id = {0};
    struct hsx_mbox_open mo = {.queue_len = 1 + rn(r, 4), .flags = HSX_MBOX_O_NONBLOCK};
    unsigned char buf[HSX_MBOX_RECORD_MAX * 8];
    uint32_t closed = 0;
    int ret, e, q;
    ssize_t n;

    ret = ioctl(s.fd, HSX_IOC_TIMER_CREATE, &tc);
    e = errno;
    count_errno(ret < 0 ? e : 0);
    note(w, "chain: TIMER_CREATE(fd %d, %u us, flags %#x) = %d%s%s id %u", s.fd, tc.period_us,
         tc.flags, ret, ret < 0 ? " " : "", ret < 0 ? strerror(e) : "", tc.timer_id);
    if (ret < 0) {
        if (!is_documented(e))
            unexpected(w, "TIMER_CREATE: %s", strerror(e));
        return;
    }
    if (enforcing && !s.privileged && s.opener != getpid())
        unexpected(w, "TIMER_CREATE succeeded on a file another process opened: theft");
    id.timer_id = tc.timer_id;
    pool_add(pool_timer, &pool_timer_n, tc.timer_id);
    snprintf(mo.name, sizeof(mo.name), HSX_MBOX_TIMER_FMT, tc.timer_id);
    q = ioctl(s.fd, HSX_IOC_MBOX_OPEN, &mo);
    count_errno(q < 0 ? errno : 0);
    if (q < 0 && errno != EBADF && errno != ENOENT && errno != ENOSPC && errno != EACCES &&
        errno != EPERM && errno != EKEYREVOKED && errno != EKEYEXPIRED)
        unexpected(w, "MBOX_OPEN of my own timer %u: %s", tc.timer_id, strerror(errno));
    if (tc.flags & HSX_TIMER_F_STOPPED) {
        ret = ioctl(s.fd, HSX_IOC_TIMER_START, &id);
        count_errno(ret < 0 ? errno : 0);
    }
    ret = ioctl(s.fd, HSX_IOC_TIMER_START, &id);
    e = errno;
    count_errno(ret < 0 ? e : 0);
    note(w, "chain: TIMER_START again = %d%s%s", ret, ret < 0 ? " " : "",
         ret < 0 ? strerror(e) : "");
    if (ret == 0 && !(tc.flags & HSX_TIMER_F_ONE_SHOT))
        unexpected(w, "TIMER_START of an armed periodic timer %u succeeded", tc.timer_id);
    if (chance(r, 30))
        usleep(rn(r, 3000));
    ret = ioctl(s.fd, HSX_IOC_TIMER_CANCEL, &id);
    count_errno(ret < 0 ? errno : 0);
    ret = ioctl(s.fd, HSX_IOC_TIMER_CANCEL, &id);
    e = errno;
    count_errno(ret < 0 ? e : 0);
    note(w, "chain: TIMER_CANCEL twice: second = %d%s%s", ret, ret < 0 ? " " : "",
         ret < 0 ? strerror(e) : "");
    if (ret == 0)
        unexpected(w, "a second TIMER_CANCEL of timer %u succeeded", tc.timer_id);
    if (q < 0)
        return;
    /*
     * Cancelled: the close notice comes last, then end of file. A capability revoked
     * meanwhile (EKEYREVOKED above) ends the timer from the revoker's side, after its
     * SRCU grace period: a liveness bound (FZ_LIVENESS_MS), not a time the ABI promises,
     * which a loaded emulated host can stretch past seconds.
     */
    for (int rounds = 0; rounds < 64; rounds++) {
        n = read(q, buf, sizeof(buf));
        count_errno(n < 0 ? errno : 0);
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = q, .events = POLLIN};
            if (poll(&p, 1, FZ_LIVENESS_MS) == 1)
                continue;
            errno = EAGAIN;
        }
        if (n <= 0)
            break;
        check_records(w, buf, n, &closed);
    }
    if (n < 0 && errno != EBADF)
        unexpected(w, "timer %u cancelled: its queue reads %s after %d s, not end of file",
                   tc.timer_id, strerror(errno), FZ_LIVENESS_MS / 1000);
    else if (n == 0 && !closed)
        unexpected(w, "timer %u cancelled: end of file without a close notice", tc.timer_id);
    else if (closed && closed != HSX_CLOSE_CANCELLED && closed != HSX_CLOSE_REVOKED &&
             closed != HSX_CLOSE_ADMIN && closed != HSX_CLOSE_OWNER_GONE)
        unexpected(w, "timer %u: close reason %u", tc.timer_id, closed);
    close(q);
}

/* ---- netlink -------------------------------------------------------------------------------- */

static int nl_family_cb(const struct nlattr *a, void *data)
{
    if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
        *(int *)data = mnl_attr_get_u16(a);
    return MNL_CB_OK;
}

static int nl_family_msg(const struct nlmsghdr *nlh, void *data)
{
    return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_family_cb, data);
}

static int nl_resolve(void)
{
    char buf[8192];
    struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
    struct nlmsghdr *nlh;
    struct genlmsghdr *g;
    int id = -1;
    ssize_t n;

    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
        return -1;
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = GENL_ID_CTRL;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = 1;
    g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->cmd = CTRL_CMD_GETFAMILY;
    g->version = 1;
    mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, HSX_GENL_NAME);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0)
        while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
            if (mnl_cb_run(buf, (size_t)n, 1, 0, nl_family_msg, &id) <= MNL_CB_STOP)
                break;
    mnl_socket_close(nl);
    return id;
}

/* ---- netlink events: each one received is checked for shape ---------------------------------- */

static int nl_reply_id(const struct nlattr *a, void *data)
{
    if (mnl_attr_get_type(a) == HSX_A_MBOX_ID && mnl_attr_get_payload_len(a) == 4)
        *(uint32_t *)data = mnl_attr_get_u32(a);
    return MNL_CB_OK;
}

static int nl_event_attr(const struct nlattr *a, void *data)
{
    struct fz_nl_event *ev = data;
    uint16_t len = mnl_attr_get_payload_len(a), type = mnl_attr_get_type(a);

    if (type == HSX_A_EVT_CAN)
        ev->can = a;
    else if (type == HSX_A_MBOX_ID && len == 4)
        ev->mbox_id = mnl_attr_get_u32(a);
    else if (type == HSX_A_EVT_TYPE && len == 2)
        ev->type = mnl_attr_get_u16(a);
    else if (type == HSX_A_EVT_CLOSE_REASON && len == 4)
        ev->close_reason = mnl_attr_get_u32(a);
    else if (type == HSX_A_EVT_DROPPED_TOTAL && len == 8)
        ev->dropped_total = mnl_attr_get_u64(a);
    return MNL_CB_OK;
}

/* The event messages of one datagram: each checked, then given to fn (if any). How many. */
static int nl_datagram(struct fz_worker *w, const char *buf, ssize_t n,
                       void (*fn)(void *arg, const struct fz_nl_event *), void *arg)
{
    int left = (int)n, k = 0;

    for (const struct nlmsghdr *nlh = (const void *)buf; mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left)) {
        struct fz_nl_event ev = {0};
        const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

        if (nlh->nlmsg_type != genl_family || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
            g->cmd != HSX_CMD_MBOX_EVENT)
            continue;
        if (mnl_attr_parse(nlh, sizeof(*g), nl_event_attr, &ev) < 0) {
            unexpected(w, "netlink event: its attributes do not parse");
            continue;
        }
        if ((ev.type != HSX_EVT_DATA && ev.type != HSX_EVT_CLOSED) ||
            (ev.type == HSX_EVT_CLOSED &&
             (ev.close_reason < HSX_CLOSE_CANCELLED || ev.close_reason > HSX_CLOSE_GONE)) ||
            (ev.type == HSX_EVT_CLOSED && ev.can))
            unexpected(w, "netlink event of mailbox %u: type %u close reason %u%s", ev.mbox_id,
                       ev.type, ev.close_reason, ev.can ? ", a CAN nest" : "");
        if (ev.can)
            can_check_nl(w, ev.can);
        if (fn)
            fn(arg, &ev);
        k++;
    }
    return k;
}

int nl_events(struct fz_worker *w, int fd, int ms,
              void (*fn)(void *arg, const struct fz_nl_event *), void *arg)
{
    char buf[16384] __attribute__((aligned(8)));
    uint64_t end = now_ns() + (uint64_t)ms * 1000000ULL;
    int k = 0;

    for (;;) {
        uint64_t t = now_ns();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (t >= end || poll(&p, 1, (int)((end - t) / 1000000ULL)) != 1)
            return k;
        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && errno == ENOBUFS && fn) {
            struct fz_nl_event overrun = {0}; /* type 0: events were lost */
            fn(arg, &overrun);
        } else if (n < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
            return k;
        }
        if (n > 0)
            k += nl_datagram(w, buf, n, fn, arg);
    }
}

/*
 * The answer to request seq on fd within ms: its errno (0: an ack, or a dump's end), or -1 when
 * none came; the attributes of replies go to cb. Events that come meanwhile are checked, while
 * slot_i (unless -1) still holds the file of generation gen.
 */
static int nl_answer(struct fz_worker *w, int fd, uint32_t seq, int ms, int slot_i,
                     unsigned int gen, mnl_attr_cb_t cb, void *data)
{
    char buf[8192] __attribute__((aligned(8)));
    uint64_t end = now_ns() + (uint64_t)ms * 1000000ULL;

    for (int k = 0; k < 64; k++) {
        uint64_t t = now_ns();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        struct nlmsghdr *nlh;
        ssize_t n;
        int left;

        if (t >= end || poll(&p, 1, (int)((end - t) / 1000000ULL)) != 1)
            break;
        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0) {
            /*
             * Not an answer: ENOBUFS, events overran the socket; EINVAL, another
             * thread's recv finished a dump this one was continuing (af_netlink).
             */
            if (errno == ENOBUFS || errno == EINVAL)
                continue;
            break;
        }
        if (slot_i < 0 || slot_gen(slot_i) == gen)
            nl_datagram(w, buf, n, NULL, NULL);
        left = (int)n;
        for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
             nlh = mnl_nlmsg_next(nlh, &left)) {
            if (nlh->nlmsg_seq != seq)
                continue;
            if (nlh->nlmsg_type == NLMSG_ERROR)
                return -((const struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->error;
            if (nlh->nlmsg_type == NLMSG_DONE)
                return 0;
            mnl_attr_parse(nlh, sizeof(struct genlmsghdr), cb, data);
        }
    }
    return -1;
}

int nl_mbox_open(struct fz_worker *w, int fd, const char *name, int auth_fd, uint32_t *id)
{
    char buf[512] __attribute__((aligned(8)));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct genlmsghdr *g;
    uint32_t seq = (uint32_t)now_ns() | 1;
    int e;

    nlh->nlmsg_type = (uint16_t)genl_family;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->cmd = HSX_CMD_MBOX_OPEN;
    g->version = HSX_GENL_VERSION;
    mnl_attr_put_strz(nlh, HSX_A_MBOX_NAME, name);
    if (auth_fd >= 0)
        mnl_attr_put_u32(nlh, HSX_A_MBOX_AUTH_FD, (uint32_t)auth_fd);
    if (send(fd, buf, nlh->nlmsg_len, 0) < 0)
        return errno;
    *id = 0;
    e = nl_answer(w, fd, seq, 2000, -1, 0, nl_reply_id, id);
    return e < 0 ? ETIMEDOUT : e;
}

static int nl_reply_cb(const struct nlattr *a, void *data)
{
    if (mnl_attr_get_type(a) == HSX_A_MBOX_ID && mnl_attr_get_payload_len(a) == 4)
        pool_add(pool_mbox, &pool_mbox_n, mnl_attr_get_u32(a));
    (void)data;
    return MNL_CB_OK;
}

/* Send one request built from the worker's stream; wait for its ack or error. */
static void op_netlink_on(struct fz_worker *w, struct fz_slot *sp, int i, bool own);

static void op_netlink(struct fz_worker *w)
{
    struct fz_rng *r = &w->rng;
    struct fz_slot s;
    int i = pick_slot(r, KB(K_NL), &s), k;
    char buf[8192] __attribute__((aligned(8)));

    if (i < 0 || genl_family < 0)
        return;
    if (chance(r, 30)) {
        /* a socket of its own for this request, closed after it with what it subscribed */
        s.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
        if (s.fd < 0)
            return;
        op_netlink_on(w, &s, i, true);
        close(s.fd);
        return;
    }
    /* what events the socket holds go first, so that the answer finds room */
    for (k = 0; k < 64; k++) {
        ssize_t n = recv(s.fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n <= 0)
            break;
        if (slot_gen(i) == s.gen)
            nl_datagram(w, buf, n, NULL, NULL);
    }
    op_netlink_on(w, &s, i, false);
}

static void op_netlink_on(struct fz_worker *w, struct fz_slot *sp, int i, bool own)
{
    struct fz_rng *r = &w->rng;
    struct fz_slot s = *sp;
    char buf[8192] __attribute__((aligned(8)));
    struct nlmsghdr *nlh;
    struct genlmsghdr *g;
    unsigned int cmd = HSX_CMD_MBOX_OPEN + rn(r, 3), seq = (unsigned int)rnd(r);
    bool dump = cmd == HSX_CMD_MBOX_GET;
    char name[HSX_MBOX_NAME_MAX + 16];
    int err;

    if (chance(r, 4))
        cmd = chance(r, 50) ? HSX_CMD_MBOX_EVENT : 7 + rn(r, 200);
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (uint16_t)genl_family;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
    nlh->nlmsg_seq = seq;
    g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
    g->cmd = (uint8_t)cmd;
    g->version = chance(r, 90) ? HSX_GENL_VERSION : (uint8_t)rnd(r);
    switch (cmd == HSX_CMD_MBOX_OPEN ? rn(r, 8) : 8) {
    case 0: /* a name too long (not terminated within the limit) */
        memset(name, 'x', sizeof(name));
        mnl_attr_put(nlh, HSX_A_MBOX_NAME, sizeof(name), name);
        break;
    case 1: /* no name at all */
        break;
    case 2: /* a name attribute of the wrong shape */
        mnl_attr_put_u32(nlh, HSX_A_MBOX_NAME, (uint32_t)rnd(r));
        break;
    case 3: /* an auth fd that is not ours, or short */
        gen_name(r, name, HSX_MBOX_NAME_MAX);
        name[HSX_MBOX_NAME_MAX - 1] = 0;
        mnl_attr_put_strz(nlh, HSX_A_MBOX_NAME, name);
        if (chance(r, 50))
            mnl_attr_put_u16(nlh, HSX_A_MBOX_AUTH_FD, (uint16_t)rnd(r));
        else
            mnl_attr_put_u32(nlh, HSX_A_MBOX_AUTH_FD, chance(r, 50) ? 999 : 0xffffffffU);
        break;
    default: { /* valid, perhaps with the auth fd of one of my nodes */
        struct fz_slot a;
        gen_name(r, name, HSX_MBOX_NAME_MAX);
        name[HSX_MBOX_NAME_MAX - 1] = 0;
        mnl_attr_put_strz(nlh, HSX_A_MBOX_NAME, name);
        if (chance(r, 50) && pick_slot(r, K_NODES, &a) >= 0)
            mnl_attr_put_u32(nlh, HSX_A_MBOX_AUTH_FD, (uint32_t)a.fd);
        break;
    }
    case 8:
        if (cmd == HSX_CMD_MBOX_CLOSE) {
            if (chance(r, 80))
                mnl_attr_put_u32(
                    nlh, HSX_A_MBOX_ID,
                    (uint32_t)(chance(r, 80) ? pool_pick(r, pool_mbox, pool_mbox_n) : rnd(r)));
            else if (chance(r, 50))
                mnl_attr_put_u64(nlh, HSX_A_MBOX_ID, rnd(r));
        }
        if (chance(r, 10)) /* an attribute no one asked for */
            mnl_attr_put_u32(nlh, (uint16_t)(HSX_A_MAX + 1 + rn(r, 20)), (uint32_t)rnd(r));
        break;
    }
    note(w, "netlink(%sfd %d) cmd %u seq %u len %u%s", own ? "new " : "", s.fd, cmd, seq,
         nlh->nlmsg_len, dump ? " dump" : "");
    count(&stats->netlink);
    if (send(s.fd, buf, nlh->nlmsg_len, MSG_DONTWAIT) < 0) {
        count_errno(errno);
        /*
         * EBADF, ENOTSOCK: another thread closed the socket meanwhile, and its
         * number may already be another file's.
         */
        if (errno != EAGAIN && errno != EBADF && errno != ENOTSOCK && errno != ENOBUFS &&
            errno != ECONNREFUSED)
            unexpected(w, "netlink send: %s", strerror(errno));
        return;
    }
    /*
     * Answers to this request (events and others' answers are skipped). A socket
     * subscribed to a 100 us timer overflows under TCG and loses the ack (ENOBUFS):
     * wait a little, and count what is unanswered.
     */
    err = nl_answer(w, s.fd, seq, 100, own ? -1 : i, s.gen, nl_reply_cb, NULL);
    if (!own && slot_gen(i) != s.gen)
        return;
    if (err < 0) {
        /* a socket whose subscriptions flood it may not answer in time under TCG */
        count(&stats->nl_noanswer);
        note(w, "  = no answer");
        return;
    }
    count_errno(err);
    note(w, "  = %d%s%s", -err, err ? " " : "", err ? strerror(err) : "");
    if (err && !is_documented(err) && err != EPROTONOSUPPORT && err != EMSGSIZE)
        unexpected(w, "netlink cmd %u: %s, not documented", cmd, strerror(err));
    if (err == 0 && cmd > HSX_CMD_MBOX_GET)
        unexpected(w, "netlink cmd %u (not a request) succeeded", cmd);
}

static void open_netlink(struct fz_worker *w)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    int size = 1 << 16;

    note(w, "socket(netlink) = %d", fd);
    if (fd < 0) {
        harness_fail("netlink socket: %s", strerror(errno));
        return;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    slot_add(fd, K_NL, 0, 0, is_root, getpid());
}

/* ---- processes and descriptors in motion ------------------------------------------------------
 */

static void run_one(struct fz_worker *w);

/* Fork a child that runs calls on the inherited files; kill it with SIGKILL mid-call. */
static void op_fork_kill(struct fz_worker *w)
{
    uint64_t child_seed = rnd(&w->rng);
    unsigned int delay_us = rn(&w->rng, 3000);
    pid_t pid = fork();

    note(w, "fork = %d, kill -9 after %u us", (int)pid, delay_us);
    if (pid < 0) {
        count_errno(errno);
        return;
    }
    if (pid == 0) {
        struct fz_worker c = *w;
        prof_off = true;
        kcov_forked();
        c.child = true;
        c.rng.s = child_seed;
        alarm(10);
        for (int n = 0; n < 2000; n++)
            run_one(&c);
        _exit(0);
    }
    count(&stats->forks);
    usleep(delay_us);
    kill(pid, SIGKILL);
    count(&stats->kills);
    if (waitpid(pid, NULL, 0) < 0)
        harness_fail("waitpid: %s", strerror(errno));
    can_child_reaped(w);
}

/* SCM_RIGHTS: send a descriptor to myself or to the other process. */
static int send_fd(int sock, int fd, unsigned char tag, unsigned char index)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    unsigned char data[2] = {tag, index};
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

    memset(cbuf, 0, sizeof(cbuf));
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int recv_fd(int sock, unsigned char *tag, unsigned char *index)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    unsigned char data[2];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm;
    int fd = -1;

    if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 2)
        return -1;
    cm = CMSG_FIRSTHDR(&msg);
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    *tag = data[0];
    *index = data[1];
    return fd;
}

/* The uid 1000 process sends root one of its files; root takes what arrived. */
static void op_pass(struct fz_worker *w)
{
    struct fz_slot s;
    unsigned char tag, index;
    int fd;

    if (pass_sock < 0)
        return;
    if (!is_root) {
        if (pick_slot_dup(&w->rng, K_HOLDERS, &s) < 0)
            return;
        note(w, "send %s fd %d to root", kind_name[s.kind], s.fd);
        if (send_fd(pass_sock, s.fd, (unsigned char)s.kind, (unsigned char)s.index) == 0)
            count(&stats->passes);
        close(s.fd);
        return;
    }
    fd = recv_fd(pass_sock, &tag, &index);
    if (fd < 0)
        return;
    note(w, "received %s fd %d from uid %d", tag < K_NKINDS ? kind_name[tag] : "?", fd,
         FZ_USER_UID);
    slot_add(fd, tag < K_NKINDS ? (enum fz_kind)tag : K_OTHER, index, 0, false, user_pid);
}

/* Root, the administrator: client, mint onto a file the uid 1000 process sent. */
static void chain_mint_on(struct fz_worker *w, const struct fz_slot *ap, const struct fz_slot *tp);

static void chain_mint(struct fz_worker *w)
{
    struct fz_rng *r = &w->rng;
    struct fz_slot admin, target;

    if (pick_slot_dup(r, KB(K_ADMIN), &admin) < 0)
        return;
    if (pick_slot_dup(r, K_HOLDERS, &target) >= 0) {
        if (!target.privileged)
            chain_mint_on(w, &admin, &target);
        close(target.fd);
    }
    close(admin.fd);
}

static void chain_mint_on(struct fz_worker *w, const struct fz_slot *ap, const struct fz_slot *tp)
{
    struct fz_rng *r = &w->rng;
    struct fz_slot admin = *ap, target = *tp;
    struct hsx_cap_client cl = {0};
    struct hsx_cap_mint m = {0};
    int ret, e;

    cl.fd = target.fd;
    ret = ioctl(admin.fd, HSX_IOC_CAP_CLIENT, &cl);
    e = errno;
    count_errno(ret < 0 ? e : 0);
    note(w, "chain: CAP_CLIENT(fd %d) = %d opener %u alive %u", target.fd, ret, cl.opener_pid,
         cl.alive);
    if (ret < 0) {
        if (!is_documented(e))
            unexpected(w, "CAP_CLIENT: %s", strerror(e));
        return;
    }
    m.fd = target.fd;
    m.module = kind_module(target.kind);
    m.rights = HSX_CAP_R_READ | (chance(r, 60) ? HSX_CAP_R_WRITE : 0) |
               (chance(r, 60) ? HSX_CAP_R_GRANT : 0) |
               (m.module == HSX_MODULE_GPIO && chance(r, 60) ? HSX_CAP_R_GPIO_IRQ : 0);
    if (m.module == HSX_MODULE_UART)
        m.rights |= (chance(r, 60) ? HSX_CAP_R_UART_CONFIG : 0) |
                    (chance(r, 40) ? HSX_CAP_R_UART_MODEM : 0);
    if (m.module == HSX_MODULE_CAN)
        m.rights |= chance(r, 60) ? HSX_CAP_R_CAN_CONFIG : 0;
    if (m.module == FZ_MODULE_DUMMY)
        m.rights &= HSX_CAP_R_READ | HSX_CAP_R_GRANT;
    gen_sel(r, &m.sel, m.module);
    if (m.module == HSX_MODULE_TIMER && chance(r, 80))
        memset(&m.sel, 0, sizeof(m.sel)), m.sel.timer.max_timers = 1 + rn(r, 64);
    if (m.module == FZ_MODULE_DUMMY)
        memset(&m.sel, 0, sizeof(m.sel)), m.sel.raw[0] = chance(r, 70) ? 0xff : 1ULL << rn(r, 8);
    if (m.module == HSX_MODULE_UART && chance(r, 70)) {
        /* the file's own port (an instance's), or the pair, or one of them */
        memset(&m.sel, 0, sizeof(m.sel));
        m.sel.uart.ports = target.kind == K_UART_I && target.index < HSX_UART_MAX_PORTS
                               ? 1U << target.index
                               : (uint32_t)(1 + rn(r, 3));
        if (chance(r, 30))
            m.sel.uart.ports |= 1U << rn(r, HSX_UART_MAX_PORTS);
    }
    if (m.module == HSX_MODULE_CAN && chance(r, 70))
        can_mint_sel(r, &m.sel, &target);
    if (m.module == HSX_MODULE_FRAM && chance(r, 70))
        fram_mint_sel(r, &m.sel, &target);
    if (m.module == HSX_MODULE_FS && chance(r, 70))
        fs_mint_sel(r, &m.sel, &target);
    m.expiry_ns = boottime_ns() + (chance(r, 30) ? rn(r, 20000000) : 30000000000ULL);
    ret = ioctl(admin.fd, HSX_IOC_CAP_MINT, &m);
    e = errno;
    count_errno(ret < 0 ? e : 0);
    note(w, "chain: CAP_MINT(fd %d, module %#x, rights %#x, sel %#llx) = %d%s%s id %llu", target.fd,
         m.module, m.rights, (unsigned long long)m.sel.raw[0], ret, ret < 0 ? " " : "",
         ret < 0 ? strerror(e) : "", (unsigned long long)m.id);
    if (ret < 0) {
        if (!is_documented(e))
            unexpected(w, "CAP_MINT: %s", strerror(e));
        return;
    }
    if (m.module == HSX_MODULE_UART && uart_sel_bad(m.rights, &m.sel))
        unexpected(w, "CAP_MINT of UART rights %#x ports %#x reserved %#x/%#llx succeeded",
                   m.rights, m.sel.uart.ports, m.sel.uart.reserved,
                   (unsigned long long)m.sel.raw[1]);
    if (m.module == HSX_MODULE_CAN && can_sel_bad(m.rights, &m.sel))
        unexpected(w, "CAP_MINT of CAN rights %#x sel %#llx/%#llx/%#llx/%#llx succeeded", m.rights,
                   (unsigned long long)m.sel.raw[0], (unsigned long long)m.sel.raw[1],
                   (unsigned long long)m.sel.raw[2], (unsigned long long)m.sel.raw[3]);
    if (m.module == HSX_MODULE_FS && fs_sel_bad(m.rights, &m.sel))
        unexpected(w,
                   "CAP_MINT of FS rights %#x roots %#x reserved %#x/%#llx/%#llx/%#llx succeeded",
                   m.rights, m.sel.fs.roots, m.sel.fs.reserved, (unsigned long long)m.sel.raw[1],
                   (unsigned long long)m.sel.raw[2], (unsigned long long)m.sel.raw[3]);
    if (m.module == HSX_MODULE_FRAM && fram_sel_bad(m.rights, &m.sel))
        unexpected(w, "CAP_MINT of FRAM rights %#x sel %#llx/%#llx/%#llx/%#llx succeeded", m.rights,
                   (unsigned long long)m.sel.raw[0], (unsigned long long)m.sel.raw[1],
                   (unsigned long long)m.sel.raw[2], (unsigned long long)m.sel.raw[3]);
    count(&stats->mints);
    pool_add(pool_cap, &pool_cap_n, m.id);
}

/* The holder delegates from one of its files to another, or drops. */
static void chain_derive(struct fz_worker *w)
{
    struct fz_rng *r = &w->rng;
    struct fz_slot from, to;
    struct hsx_cap_query q = {0};
    struct hsx_cap_derive d = {0};
    int ret, e;

    /* a file holding a capability, among a few */
    for (int tries = 0;; tries++) {
        if (tries == 4 || pick_slot_dup(r, K_HOLDERS, &from) < 0)
            return;
        memset(&q, 0, sizeof(q));
        q.module = kind_module(from.kind);
        ret = ioctl(from.fd, HSX_IOC_CAP_INFO, &q);
        count_errno(ret < 0 ? errno : 0);
        if (ret == 0 && q.cap.id && q.cap.state == HSX_CAP_STATE_ACTIVE)
            break;
        close(from.fd);
    }
    if (chance(r, 15)) {
        struct hsx_cap_drop dr = {.module = q.module};
        ret = ioctl(from.fd, HSX_IOC_CAP_DROP, &dr);
        e = errno;
        count_errno(ret < 0 ? e : 0);
        note(w, "chain: CAP_DROP(fd %d, cap %llu) = %d", from.fd, (unsigned long long)q.cap.id,
             ret);
        if (ret < 0 && !is_documented(e))
            unexpected(w, "CAP_DROP: %s", strerror(e));
        close(from.fd);
        return;
    }
    if (pick_slot_dup(r,
                      q.module == HSX_MODULE_UART   ? K_UARTS
                      : q.module == HSX_MODULE_CAN  ? K_CANS
                      : q.module == HSX_MODULE_FRAM ? K_FRAMS
                      : q.module == HSX_MODULE_FS   ? K_FSS
                                                    : KB(from.kind),
                      &to) < 0) {
        close(from.fd);
        return;
    }
    d.target_fd = to.fd;
    d.module = q.module;
    d.rights = q.cap.rights & (uint32_t)(chance(r, 80) ? rnd(r) | HSX_CAP_R_READ : ~0ULL);
    d.sel = q.cap.sel;
    if (q.module == HSX_MODULE_CAN)
        can_derive_sel(r, &d.sel);
    else if (q.module == HSX_MODULE_FRAM)
        fram_derive_sel(r, &d.sel);
    else if (q.module == HSX_MODULE_FS)
        fs_derive_sel(r, &d.sel);
    else if (q.module != HSX_MODULE_TIMER && chance(r, 50))
        d.sel.raw[0] &= rnd(r);
    if (chance(r, 10))
        d.sel.raw[0] = ~0ULL; /* wider: EINVAL */
    if (q.module == HSX_MODULE_UART && chance(r, 15)) {
        /* a port past 15, a port the parent lacks, or a reserved word */
        uint32_t k = rn(r, 4);
        if (k == 0)
            d.sel.uart.ports |= 1U << (HSX_UART_MAX_PORTS + rn(r, 32 - HSX_UART_MAX_PORTS));
        else if (k == 1)
            d.sel.uart.ports |= 1U << rn(r, HSX_UART_MAX_PORTS);
        else if (k == 2)
            d.sel.uart.reserved = 1U << rn(r, 32);
        else
            d.sel.raw[1 + rn(r, 3)] = 1ULL << rn(r, 64);
    }
    d.expiry_ns = chance(r, 50) ? 0 : q.cap.expiry_ns - rn(r, 1000000);
    ret = ioctl(from.fd, HSX_IOC_CAP_DERIVE, &d);
    e = errno;
    close(d.target_fd);
    count_errno(ret < 0 ? e : 0);
    note(w, "chain: CAP_DERIVE(fd %d -> fd %d, rights %#x) = %d%s%s id %llu", from.fd, to.fd,
         d.rights, ret, ret < 0 ? " " : "", ret < 0 ? strerror(e) : "", (unsigned long long)d.id);
    if (ret < 0) {
        if (!is_documented(e))
            unexpected(w, "CAP_DERIVE: %s", strerror(e));
        close(from.fd);
        return;
    }
    /*
     * (a subset check only where the parent is known to be the same one: the file's capability
     * may have been replaced since CAP_INFO)
     */
    if (q.module == HSX_MODULE_UART && uart_sel_bad(d.rights, &d.sel))
        unexpected(w, "CAP_DERIVE of UART rights %#x ports %#x reserved %#x/%#llx succeeded",
                   d.rights, d.sel.uart.ports, d.sel.uart.reserved,
                   (unsigned long long)d.sel.raw[1]);
    if (q.module == HSX_MODULE_FS) {
        struct hsx_cap_query again = {.module = q.module};
        bool same = ioctl(from.fd, HSX_IOC_CAP_INFO, &again) == 0 && again.cap.id == q.cap.id;
        if (fs_sel_bad(d.rights, &d.sel) ||
            (same && ((d.rights & ~q.cap.rights) || !fs_sel_within(&d.sel, &q.cap.sel))))
            unexpected(w,
                       "CAP_DERIVE of FS rights %#x roots %#x/%#x/%#llx from rights %#x roots "
                       "%#x succeeded",
                       d.rights, d.sel.fs.roots, d.sel.fs.reserved,
                       (unsigned long long)d.sel.raw[1], q.cap.rights, q.cap.sel.fs.roots);
    }
    if (q.module == HSX_MODULE_CAN || q.module == HSX_MODULE_FRAM) {
        /* the parent as it was, if it still is: the child is within it */
        bool can = q.module == HSX_MODULE_CAN;
        struct hsx_cap_query again = {.module = q.module};
        bool same = ioctl(from.fd, HSX_IOC_CAP_INFO, &again) == 0 && again.cap.id == q.cap.id;
        if ((can ? can_sel_bad : fram_sel_bad)(d.rights, &d.sel) ||
            (same && ((d.rights & ~q.cap.rights) ||
                      !(can ? can_sel_within : fram_sel_within)(&d.sel, &q.cap.sel))))
            unexpected(w,
                       "CAP_DERIVE of %s rights %#x sel %#llx/%#llx/%#llx/%#llx from rights %#x "
                       "sel %#llx/%#llx/%#llx/%#llx succeeded",
                       can ? "CAN" : "FRAM", d.rights, (unsigned long long)d.sel.raw[0],
                       (unsigned long long)d.sel.raw[1], (unsigned long long)d.sel.raw[2],
                       (unsigned long long)d.sel.raw[3], q.cap.rights,
                       (unsigned long long)q.cap.sel.raw[0], (unsigned long long)q.cap.sel.raw[1],
                       (unsigned long long)q.cap.sel.raw[2], (unsigned long long)q.cap.sel.raw[3]);
    }
    close(from.fd);
    count(&stats->derives);
    pool_add(pool_cap, &pool_cap_n, d.id);
}

/* Root: add or remove a dummy instance while calls run. */
static void op_dummy(struct fz_worker *w)
{
    struct fz_rng *r = &w->rng;
    bool add = chance(r, 55);
    unsigned int index = chance(r, 95) ? rn(r, FZ_DUMMY_MAX) : (chance(r, 50) ? 63 : 64);
    char path[64], text[16];
    int fd, n, e;

    snprintf(path, sizeof(path), FZ_DUMMY_CTL "/%s", add ? "add" : "remove");
    snprintf(text, sizeof(text), "%u", index);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    n = (int)write(fd, text, strlen(text));
    e = errno;
    close(fd);
    count(&stats->dummies);
    count_errno(n < 0 ? e : 0);
    note(w, "dummy %s %u = %d%s%s", add ? "add" : "remove", index, n, n < 0 ? " " : "",
         n < 0 ? strerror(e) : "");
    if (n < 0 && e != EEXIST && e != ENOENT && !(e == EINVAL && index >= 64))
        unexpected(w, "dummy %s %u: %s", add ? "add" : "remove", index, strerror(e));
    if (n >= 0 && index >= 64)
        unexpected(w, "dummy %s %u succeeded", add ? "add" : "remove", index);
}

/* ---- UART chains -------------------------------------------------------------------------- */

int chain_call(struct fz_worker *w, int fd, unsigned long cmd, void *arg, const char *what,
               const char *unit_name, unsigned int unit)
{
    bool waits = fz_waits(cmd);
    int ret, e;

    if (waits)
        wd_arm(w);
    ret = ioctl(fd, cmd, arg);
    e = ret < 0 ? errno : 0;
    if (waits)
        wd_disarm(w);
    count_errno(e);
    note(w, "chain: %s(fd %d, %s %u) = %d%s%s", what, fd, unit_name, unit, ret, e ? " " : "",
         e ? strerror(e) : "");
    if (e && !is_documented(e))
        unexpected(w, "%s on %s %u: %s, not one the ABI documents", what, unit_name, unit,
                   strerror(e));
    return e;
}

void rebind_unit(struct fz_worker *w, int ctl, const struct fz_binder *b, unsigned int unit,
                 const char *home)
{
    char name[64];

    if (b->bound(w, ctl, unit, name, sizeof(name)) && !strcmp(name, home))
        return;
    for (unsigned int q = 0; q < b->max; q++)
        if (b->bound(w, ctl, q, name, sizeof(name)) && (q == unit || !strcmp(name, home)))
            b->map(w, ctl, q, "");
    b->map(w, ctl, unit, home);
}

struct fz_loader *loader_new(struct fz_worker *w, struct fz_rng *r, unsigned int index, int fd_mod,
                             int fd_inst, unsigned int unit, const char *inst_name,
                             int (*step)(struct fz_loader *L, int fd, const char **what))
{
    struct fz_loader *L = calloc(1, sizeof(*L));

    if (!L)
        return NULL;
    L->w.index = index;
    L->w.rng.s = rnd(r);
    L->w.ubuf = w->ubuf;
    L->fd_mod = fd_mod >= 0 ? dup(fd_mod) : -1;
    L->fd_inst = fd_inst >= 0 ? dup(fd_inst) : -1;
    L->unit = unit;
    L->inst_name = inst_name;
    L->step = step;
    return L;
}

void loader_free(struct fz_loader *L)
{
    if (L->fd_mod >= 0)
        close(L->fd_mod);
    if (L->fd_inst >= 0)
        close(L->fd_inst);
    free(L);
}

/* One UART call of a chain: a chain call, and a wait interrupted counted. */
static int uart_call(struct fz_worker *w, int fd, unsigned long cmd, void *arg, const char *what,
                     unsigned int port)
{
    int e = chain_call(w, fd, cmd, arg, what, "port", port);

    if (e == EINTR)
        count(&stats->uart_intr);
    return e;
}

static int uart_map(struct fz_worker *w, int ctl, unsigned int port, const char *tty)
{
    struct hsx_uart_map m = {.port = port};
    int e;

    snprintf(m.tty, sizeof(m.tty), "%s", tty);
    e = uart_call(w, ctl, HSX_IOC_UART_MAP, &m, tty[0] ? "UART_MAP bind" : "UART_MAP unbind", port);
    if (!e)
        count(tty[0] ? &stats->uart_binds : &stats->uart_unbinds);
    return e;
}

static bool uart_bound(struct fz_worker *w, int ctl, unsigned int port, char *tty, size_t len)
{
    struct hsx_uart_info info = {.port = port};

    (void)w;
    if (ioctl(ctl, HSX_IOC_UART_INFO, &info) || !info.bound)
        return false;
    snprintf(tty, len, "%s", info.tty);
    return true;
}

static const struct fz_binder uart_binder = {HSX_UART_MAX_PORTS, uart_bound, uart_map};

/* Root: ports 0 and 1 back on ttyS2 and ttyS3, whoever unbound them or took their ttys. */
static void uart_rebind(struct fz_worker *w)
{
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);

    if (ctl < 0)
        return;
    for (unsigned int p = 0; p < FZ_UART_PORTS; p++)
        rebind_unit(w, ctl, &uart_binder, p, uart_home[p]);
    close(ctl);
}

void *loader_main(void *arg)
{
    struct fz_loader *L = arg;
    struct fz_worker *w = &L->w;
    bool inst_gone = false;
    int after = 0;

    for (int n = 0; n < 400 && after < 6; n++) {
        bool inst = L->fd_inst >= 0 && (L->fd_mod < 0 || chance(&w->rng, 50));
        int fd = inst ? L->fd_inst : L->fd_mod, e;
        const char *what = NULL;

        if (__atomic_load_n(&L->stop, __ATOMIC_ACQUIRE))
            after++;
        w->steps++;
        if (fd < 0)
            continue;
        e = L->step(L, fd, &what);
        /* an instance once gone stays gone: its file never reaches a unit again */
        if (inst && what && e == ENODEV)
            inst_gone = true;
        else if (inst && what && !e && inst_gone)
            unexpected(w, "%s on %s%u's file succeeded after it failed with ENODEV", what,
                       L->inst_name, L->unit);
    }
    return fz_thread_calls();
}

/* A UART loader's call: write, poll, drain, status, break or configure the port. */
static int uart_loader_step(struct fz_loader *L, int fd, const char **what)
{
    struct fz_worker *w = &L->w;
    struct fz_rng *r = &w->rng;
    union {
        struct hsx_uart_xfer x;
        struct hsx_uart_ctl c;
        struct hsx_uart_status st;
        struct hsx_uart_config cfg;
    } a;
    unsigned long cmd;
    int e;

    memset(&a, 0, sizeof(a));
    switch (rn(r, 7)) {
    case 0:
    case 1:
        a.x = (struct hsx_uart_xfer){.port = L->unit,
                                     .len = 1 + rn(r, 256),
                                     .buf = (uint64_t)(uintptr_t)w->ubuf,
                                     .timeout_ms = 20};
        cmd = HSX_IOC_UART_WRITE, *what = "UART_WRITE";
        break;
    case 2:
        a.x = (struct hsx_uart_xfer){
            .port = L->unit, .len = HSX_UART_RX_BUFFER, .buf = (uint64_t)(uintptr_t)w->ubuf};
        cmd = HSX_IOC_UART_READ_POLL, *what = "UART_READ_POLL";
        break;
    case 3:
        a.c = (struct hsx_uart_ctl){.port = L->unit, .value = 10};
        cmd = HSX_IOC_UART_DRAIN, *what = "UART_DRAIN";
        break;
    case 4:
        a.st.port = L->unit;
        cmd = HSX_IOC_UART_GET_STATUS, *what = "UART_GET_STATUS";
        break;
    case 5:
        a.c = (struct hsx_uart_ctl){.port = L->unit, .value = 1 + rn(r, 2)};
        cmd = HSX_IOC_UART_BREAK, *what = "UART_BREAK";
        break;
    default:
        a.cfg = (struct hsx_uart_config){
            .port = L->unit, .baud = 115200, .stop_bits = 1, .data_bits = 8};
        cmd = HSX_IOC_UART_CONFIG, *what = "UART_CONFIG";
        break;
    }
    e = uart_call(w, fd, cmd, &a, *what, L->unit);
    if (!e && cmd == HSX_IOC_UART_WRITE)
        __atomic_fetch_add(&stats->uart_tx, a.x.done, __ATOMIC_RELAXED);
    return e;
}

uint32_t drain_queue(struct fz_worker *w, int q, const char *name)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX * 16];
    uint32_t closed = 0;
    ssize_t n = -1;

    for (int rounds = 0; rounds < 256; rounds++) {
        n = read(q, buf, sizeof(buf));
        count_errno(n < 0 ? errno : 0);
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = q, .events = POLLIN};
            if (poll(&p, 1, FZ_LIVENESS_MS) == 1) /* a liveness bound, as above */
                continue;
            errno = EAGAIN;
        }
        if (n <= 0)
            break;
        check_records(w, buf, n, &closed);
    }
    if (n < 0)
        unexpected(w, "%s after unbinding: its queue reads %s, not end of file", name,
                   strerror(errno));
    else if (n > 0)
        unexpected(w, "%s after unbinding: no end of file", name);
    else if (closed != HSX_CLOSE_GONE)
        unexpected(w, "%s after unbinding: close reason %u, not GONE", name, closed);
    return closed;
}

/*
 * Root: unbind a port while a thread keeps using it through the module's node and the port's
 * own, then: the queue subscribed before reads to its close notice (GONE) and end of file, and
 * the old instance's file fails (ENODEV) before and after the port is bound again.
 */
static void chain_uart_unbind(struct fz_worker *w, struct fz_rng *r, unsigned int port, int q)
{
    struct hsx_uart_status st = {.port = port};
    struct fz_loader *L;
    char path[64];
    pthread_t th;
    bool started = false, unbound = false;
    int ctl, e, fd_mod, fd_inst;

    fd_mod = open("/dev/" HSX_DEV_UART, O_RDWR | O_CLOEXEC);
    snprintf(path, sizeof(path), "/dev/" HSX_DEV_UART "%u", port);
    fd_inst = open(path, O_RDWR | O_CLOEXEC);
    L = loader_new(w, r, 100 + w->index, fd_mod, fd_inst, port, "uart", uart_loader_step);
    if (fd_mod >= 0)
        close(fd_mod);
    if (fd_inst >= 0)
        close(fd_inst);
    if (!L)
        return;
    ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);
    note(w, "chain: unbind port %u under load (uart fd %d, uart%u fd %d)", port, L->fd_mod, port,
         L->fd_inst);
    if (ctl >= 0) {
        started = pthread_create(&th, NULL, loader_main, L) == 0;
        usleep(rn(r, 4000));
        e = uart_map(w, ctl, port, "");
        /* ENXIO: another thread unbound it first; either way the port is unbound now */
        unbound = !e || e == ENXIO;
        if (!unbound)
            unexpected(w, "unbinding port %u: %s", port, strerror(e));
    }
    __atomic_store_n(&L->stop, 1, __ATOMIC_RELEASE);
    if (started)
        fz_join(th);
    if (unbound) {
        char name[HSX_MBOX_NAME_MAX];
        snprintf(name, sizeof(name), HSX_MBOX_UART_FMT, port);
        if (q >= 0)
            drain_queue(w, q, name);
        if (L->fd_inst >= 0 && uart_call(w, L->fd_inst, HSX_IOC_UART_GET_STATUS, &st,
                                         "UART_GET_STATUS (old instance)", port) == 0)
            unexpected(w, "GET_STATUS on uart%u's file succeeded after the port was unbound", port);
        uart_rebind(w);
        st.port = port;
        if (L->fd_inst >= 0 && uart_call(w, L->fd_inst, HSX_IOC_UART_GET_STATUS, &st,
                                         "UART_GET_STATUS (old instance)", port) == 0)
            unexpected(w, "GET_STATUS on the old uart%u's file succeeded after binding again",
                       port);
    }
    if (ctl >= 0)
        close(ctl);
    loader_free(L);
}

/* A file to call a port's functions on: the port's instance or the module's (or root's ctl). */
static int uart_fd(struct fz_worker *w, struct fz_rng *r, unsigned int *port, bool any_port)
{
    struct fz_slot s;
    uint32_t kinds = any_port ? KB(K_UART) : K_UARTS;

    /* my own copy: another thread may close the slot meanwhile */
    if (pick_slot_dup(r, kinds | (is_root && !w->child ? KB(K_CTL) : 0), &s) < 0)
        return -1;
    if (s.kind == K_UART_I)
        *port = s.index;
    return s.fd;
}

/* Write on one port, read what arrives on its peer (the pair is wired back to back). */
static void chain_uart_xfer(struct fz_worker *w, struct fz_rng *r)
{
    unsigned int port = rn(r, FZ_UART_PORTS), peer;
    int fd = uart_fd(w, r, &port, false), rfd;
    struct hsx_uart_xfer x = {.port = port, .timeout_ms = 20 + rn(r, 200)};
    uint32_t got = 0;

    if (fd < 0)
        return;
    peer = port ^ 1;
    rfd = uart_fd(w, r, &peer, true);
    x.len = chance(r, 70) ? 1 + rn(r, 64) : 1 + rn(r, 512);
    x.buf = (uint64_t)(uintptr_t)(w->ubuf + rn(r, 64));
    if (uart_call(w, fd, HSX_IOC_UART_WRITE, &x, "UART_WRITE", port) == 0) {
        if (x.done < 1 || x.done > x.len)
            unexpected(w, "UART_WRITE of %u bytes: done %u", x.len, x.done);
        count(&stats->uart_writes);
        __atomic_fetch_add(&stats->uart_tx, x.done, __ATOMIC_RELAXED);
    }
    for (int round = 0; rfd >= 0 && round < 6 && got < x.done; round++) {
        struct hsx_uart_xfer rx = {.port = peer,
                                   .len = chance(r, 80) ? HSX_UART_RX_BUFFER : 1 + rn(r, 64),
                                   .buf = (uint64_t)(uintptr_t)w->ubuf};
        if (round)
            usleep(500 + rn(r, 1500));
        if (uart_call(w, rfd, HSX_IOC_UART_READ_POLL, &rx, "UART_READ_POLL", peer))
            break;
        if (rx.done > rx.len)
            unexpected(w, "UART_READ_POLL of %u bytes: done %u", rx.len, rx.done);
        got += rx.done;
        __atomic_fetch_add(&stats->uart_rx, rx.done, __ATOMIC_RELAXED);
    }
    if (rfd >= 0) {
        struct hsx_uart_status st = {.port = peer};
        struct fz_call c = {.w = w, .buf = (unsigned char *)&st};
        if (uart_call(w, rfd, HSX_IOC_UART_GET_STATUS, &st, "UART_GET_STATUS", peer) == 0)
            post_uart_status(&c);
        close(rfd);
    }
    close(fd);
}

/* Subscribe to a port's mailbox, send it bytes from its peer, read the events; root may unbind. */
static void chain_uart_sub(struct fz_worker *w, struct fz_rng *r)
{
    unsigned int port = rn(r, FZ_UART_PORTS), peer;
    int fd = uart_fd(w, r, &port, false), wfd, q;
    struct hsx_mbox_open mo = {.queue_len = 4 + rn(r, 28), .flags = HSX_MBOX_O_NONBLOCK};
    unsigned char buf[HSX_MBOX_RECORD_MAX * 16];
    uint32_t closed = 0;
    bool unbind, keep;
    ssize_t n;
    int e;

    if (fd < 0)
        return;
    snprintf(mo.name, sizeof(mo.name), HSX_MBOX_UART_FMT, port);
    q = ioctl(fd, HSX_IOC_MBOX_OPEN, &mo);
    e = q < 0 ? errno : 0;
    count_errno(e);
    note(w, "chain: MBOX_OPEN(fd %d, %s) = %d%s%s", fd, mo.name, q, e ? " " : "",
         e ? strerror(e) : "");
    if (q < 0) {
        if (!is_documented(e))
            unexpected(w, "MBOX_OPEN %s: %s", mo.name, strerror(e));
        close(fd);
        return;
    }
    peer = port ^ 1;
    wfd = uart_fd(w, r, &peer, true);
    if (wfd >= 0) {
        struct hsx_uart_xfer x = {.port = peer,
                                  .len = 1 + rn(r, 96),
                                  .buf = (uint64_t)(uintptr_t)w->ubuf,
                                  .timeout_ms = 50};
        if (uart_call(w, wfd, HSX_IOC_UART_WRITE, &x, "UART_WRITE", peer) == 0)
            __atomic_fetch_add(&stats->uart_tx, x.done, __ATOMIC_RELAXED);
        close(wfd);
    }
    {
        struct pollfd p = {.fd = q, .events = POLLIN};
        poll(&p, 1, 5 + (int)rn(r, 15));
    }
    for (int rounds = 0; rounds < 8; rounds++) {
        n = read(q, buf, sizeof(buf));
        count_errno(n < 0 ? errno : 0);
        if (n <= 0)
            break;
        check_records(w, buf, n, &closed);
        for (ssize_t off = 0;
             off + (ssize_t)(sizeof(struct hsx_mbox_record) + sizeof(struct hsx_uart_record)) <=
             n;) {
            struct hsx_mbox_record rec;
            struct hsx_uart_record u;
            memcpy(&rec, buf + off, sizeof(rec));
            if (rec.size < sizeof(rec))
                break;
            memcpy(&u, buf + off + sizeof(rec), sizeof(u));
            if (rec.type == HSX_EVT_DATA && (rec.module != HSX_MODULE_UART || u.port != port))
                unexpected(w, "hal:uart:%u:rx: a record of module %#x port %u", port, rec.module,
                           u.port);
            off += rec.size;
        }
        if (closed)
            break;
    }
    unbind = chance(r, 35);
    keep = chance(r, 50);
    if (is_root && !w->child && !closed && unbind) {
        chain_uart_unbind(w, r, port, q);
        close(q);
    } else if (!keep) {
        close(q);
    } else {
        slot_add(q, K_QUEUE, 0, 0, is_root, getpid());
    }
    close(fd);
}

/* Configure a port (a valid frame), then back to 115200 8N1 with RTS and DTR up. */
static void chain_uart_config(struct fz_worker *w, struct fz_rng *r)
{
    unsigned int port = rn(r, FZ_UART_PORTS);
    int fd = uart_fd(w, r, &port, false);
    struct hsx_uart_config cfg = {.port = port};
    struct hsx_uart_modem m = {.port = port, .set = HSX_UART_LN_RTS | HSX_UART_LN_DTR};
    struct fz_call c = {.w = w, .buf = (unsigned char *)&cfg};

    if (fd < 0)
        return;
    cfg.baud = uvals[UV_BAUD].ok[rn(r, uvals[UV_BAUD].n_ok)];
    cfg.parity = rn(r, HSX_UART_PAR_SPACE + 1);
    cfg.stop_bits = 1 + rn(r, 2);
    cfg.data_bits = chance(r, 20) ? 0 : 5 + rn(r, 4);
    cfg.flow = rn(r, HSX_UART_FC_XONXOFF + 1);
    if (uart_call(w, fd, HSX_IOC_UART_CONFIG, &cfg, "UART_CONFIG", port) == 0)
        post_uart_config(&c);
    if (chance(r, 30))
        usleep(rn(r, 2000));
    cfg = (struct hsx_uart_config){.port = port, .baud = 115200, .stop_bits = 1, .data_bits = 8};
    if (uart_call(w, fd, HSX_IOC_UART_CONFIG, &cfg, "UART_CONFIG", port) == 0)
        post_uart_config(&c);
    m.clear = (uint32_t)HSX_UART_LN_OUT & ~m.set;
    uart_call(w, fd, HSX_IOC_UART_MODEM, &m, "UART_MODEM", port);
#ifdef HSX_IOC_UART_SET_EVENTS
    if (chance(r, 40)) {
        /* line events on the port's mailbox, for the subscribers of chain_uart_sub() */
        struct hsx_uart_events ev = {.port = port, .events = rn(r, HSX_UART_EVF_ALL + 1)};
        ev.idle_ms = ev.events & HSX_UART_EVF_IDLE ? 1 + rn(r, 20) : 0;
        uart_call(w, fd, HSX_IOC_UART_SET_EVENTS, &ev, "UART_SET_EVENTS", port);
    }
#endif
    close(fd);
}

/*
 * A chain draws from a stream of its own, seeded from the worker's: how many draws it makes
 * depends on the kernel's timing (bytes arriving), and the worker's calls after it must not.
 */
static void chain_uart(struct fz_worker *w)
{
    uint32_t k = rn(&w->rng, 100);
    struct fz_rng lr = {.s = rnd(&w->rng)};

    if (!have_uart)
        return;
    if (k < 45)
        PROF(P_UART_XFER, chain_uart_xfer(w, &lr));
    else if (k < 75)
        PROF(P_UART_SUB, chain_uart_sub(w, &lr));
    else if (k < 90)
        PROF(P_UART_CONFIG, chain_uart_config(w, &lr));
    else if (is_root && !w->child)
        PROF(P_UART_REBIND, uart_rebind(w));
}

/* Open something: a node, an instance, the administrator's file, a netlink socket. */
static void op_open(struct fz_worker *w)
{
    struct fz_rng *r = &w->rng;
    uint32_t k = rn(r, 100);

    if (k < 18)
        open_node(w, K_TIMER, 0);
    else if (k < 36)
        open_node(w, K_GPIO, 0);
    else if (k < 45)
        open_node(w, is_root && chance(r, 50) ? K_ADMIN : K_CTL, 0);
    else if (k < 55)
        open_node(w, K_DUMMY_I, rn(r, FZ_DUMMY_MAX));
    else if (k < 58)
        open_node(w, K_DUMMY, 0);
    else if (k < 62)
        open_node(w, K_UART, 0);
    else if (k < 68) /* the bound ports, else one with no node (or out of range) */
        open_node(w, K_UART_I, chance(r, 85) ? rn(r, FZ_UART_PORTS) : rn(r, FZ_UART_MAX_PORT + 1));
    else if (k < 73)
        open_node(w, K_CAN, 0);
    else if (k < 80) /* the rig's buses, else one with no node (or out of range) */
        open_node(w, K_CAN_I,
                  chance(r, 85) ? rn(r, can_units.homes) : rn(r, HSX_CAN_MAX_BUSES + 2));
    else if (k < 82)
        open_node(w, K_FRAM, 0);
    else if (k < 85) /* the rig's devices, else one with no node (or out of range) */
        open_node(w, K_FRAM_I,
                  chance(r, 85) ? rn(r, fram_units.homes) : rn(r, HSX_FRAM_MAX_DEVICES + 2));
    else if (k < 86)
        open_node(w, K_FS, 0);
    else if (k < 88) /* the rig's roots, else one with no node (or out of range) */
        open_node(w, K_FS_I, chance(r, 85) ? rn(r, 3) : rn(r, HSX_FS_MAX_ROOTS + 2));
    else if (k < 89)
        open_netlink(w);
    else if (k < 90)
        open_node(w, K_OTHER, 0);
    else {
        struct fz_slot s;
        if (pick_slot_dup(r, K_NODES, &s) >= 0) /* a dup: same file, same opener */
            slot_add(s.fd, s.kind, s.index, 0, s.privileged, s.opener);
    }
}

/* One step: an op drawn from the mix. */
static void run_step(struct fz_worker *w, uint32_t k);

uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void run_one(struct fz_worker *w)
{
    static const uint32_t bound[P_STEPS] = {470, 550, 610, 650, 710, 750, 800, 830,
                                            860, 880, 890, 900, 925, 950, 970, 992};
    uint32_t k = rn(&w->rng, 1000), step = 0;
    struct fz_mark m = prof_begin();

    w->steps++;
    run_step(w, k);
    kcov_fold();
    while (step < P_STEPS - 1 && k >= bound[step])
        step++;
    if (k >= bound[P_STEPS - 1])
        step = P_TABLE;
    prof_end((enum fz_prof)step, m);
}

static void run_step(struct fz_worker *w, uint32_t k)
{
    struct fz_rng *r = &w->rng;
    struct fz_slot s;

    if (k < 470)
        op_table(w);
    else if (k < 550)
        op_open(w);
    else if (k < 610)
        op_queue(w);
    else if (k < 650) {
        int i = pick_slot_dup(
            r, KB(K_TIMER) | KB(K_GPIO) | KB(K_CTL) | KB(K_DUMMY_I) | K_UARTS | K_CANS, &s);
        char name[HSX_MBOX_NAME_MAX];
        gen_name(r, name, sizeof(name));
        name[sizeof(name) - 1] = 0;
        if (i >= 0) {
            chain_queue(w, s.fd, name);
            close(s.fd);
        }
    } else if (k < 710)
        chain_timer(w);
    else if (k < 750)
        op_netlink(w);
    else if (k < 800) {
        int i = pick_slot(r, ~0U, &s);
        if (i >= 0) {
            /* (a child's table is its own copy: it closes its own descriptor) */
            if (!w->child)
                note(w, "close %s fd %d", kind_name[s.kind], s.fd);
            slot_close(i);
        }
    } else if (k < 830)
        op_pass(w);
    else if (k < 860) {
        if (is_root && !w->child)
            chain_mint(w);
        else
            chain_derive(w);
    } else if (k < 880) {
        if (is_root && have_dummy && !w->child)
            op_dummy(w);
    } else if (k < 890) {
        if (!w->child)
            op_fork_kill(w);
    } else if (k < 900) {
        /* SCM_RIGHTS to myself: the received copy is the same file */
        int sv[2];
        unsigned char tag, index;
        if (pick_slot_dup(r, K_NODES | KB(K_QUEUE), &s) >= 0) {
            if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
                if (send_fd(sv[0], s.fd, (unsigned char)s.kind, (unsigned char)s.index) == 0) {
                    int fd = recv_fd(sv[1], &tag, &index);
                    note(w, "SCM_RIGHTS to myself: fd %d -> %d", s.fd, fd);
                    if (fd >= 0)
                        slot_add(fd, s.kind, s.index, s.mbox_id, s.privileged, s.opener);
                }
                close(sv[0]);
                close(sv[1]);
            }
            close(s.fd);
        }
    } else if (k < 925) {
        chain_uart(w);
    } else if (k < 950) {
        chain_can(w);
    } else if (k < 970) {
        chain_fram(w);
    } else if (k < 992) {
        chain_fs(w);
    } else {
        op_table(w);
    }
}

/* ---- the run ----------------------------------------------------------------------------------
 */

static void *worker_main(void *arg)
{
    struct fz_worker *w = arg;

    struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1};

    w->guard = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w->guard == MAP_FAILED || mprotect(w->guard + 4096, 4096, PROT_NONE)) {
        harness_fail("mmap: %s", strerror(errno));
        return NULL;
    }
    w->ubuf =
        mmap(NULL, FZ_UBUF + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w->ubuf == MAP_FAILED || mprotect(w->ubuf + FZ_UBUF, 4096, PROT_NONE)) {
        harness_fail("mmap: %s", strerror(errno));
        return NULL;
    }
    for (size_t i = 0; i < FZ_UBUF; i++)
        w->ubuf[i] = (unsigned char)(i * 131 + w->index);
    sev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
    w->wd_ok = timer_create(CLOCK_MONOTONIC, &sev, &w->wd) == 0;
    if (!w->wd_ok)
        harness_fail("timer_create: %s", strerror(errno));
    kcov_thread_begin(kcov_first + w->index);
    fail_thread_begin();
    fz_calls_mine = 0;
    while (fz_calls_mine < w->quota && (!opt_steps || w->steps < opt_steps) &&
           time(NULL) < deadline)
        run_one(w);
    fail_thread_end();
    kcov_thread_end(kcov_first + w->index);
    if (w->wd_ok)
        timer_delete(w->wd);
    munmap(w->guard, 8192);
    munmap(w->ubuf, FZ_UBUF + 4096);
    return NULL;
}

/* The slots every process starts with. */
static void initial_slots(struct fz_worker *w)
{
    open_node(w, K_TIMER, 0);
    open_node(w, K_TIMER, 0);
    open_node(w, K_GPIO, 0);
    open_node(w, K_GPIO, 0);
    if (is_root) {
        open_node(w, K_CTL, 0);
        open_node(w, K_ADMIN, 0);
    }
    if (have_dummy) {
        open_node(w, K_DUMMY_I, 0);
        open_node(w, K_DUMMY_I, 1);
        if (is_root)
            open_node(w, K_DUMMY, 0);
    }
    if (have_uart) {
        open_node(w, K_UART, 0);
        open_node(w, K_UART_I, 0);
        open_node(w, K_UART_I, 1);
    }
    if (have_can) {
        open_node(w, K_CAN, 0);
        open_node(w, K_CAN_I, 0);
        open_node(w, K_CAN_I, 1);
    }
    if (have_fram) {
        open_node(w, K_FRAM, 0);
        open_node(w, K_FRAM_I, 0);
        open_node(w, K_FRAM_I, 1);
        open_node(w, K_FRAM_I, 2);
    }
    if (have_fs) {
        open_node(w, K_FS, 0);
        open_node(w, K_FS_I, 0);
        open_node(w, K_FS_I, 1);
        open_node(w, K_FS_I, 2);
    }
    if (genl_family >= 0)
        open_netlink(w);
}

static void run_workers(uint64_t seed, uint64_t calls)
{
    pthread_t th[64];
    static struct fz_worker ws[64];
    unsigned int i;

    for (i = 0; i < opt_threads; i++) {
        memset(&ws[i], 0, sizeof(ws[i]));
        ws[i].index = i;
        ws[i].rng.s = fz_mix(seed * 0x100 + i);
        ws[i].wd_rng.s = fz_mix(ws[i].rng.s ^ 0x5744);
        ws[i].quota = calls / opt_threads + (i < calls % opt_threads);
    }
    initial_slots(&ws[0]);
    if (opt_threads == 1) {
        worker_main(&ws[0]);
    } else {
        for (i = 0; i < opt_threads; i++)
            if (pthread_create(&th[i], NULL, worker_main, &ws[i]))
                harness_fail("pthread_create");
        for (i = 0; i < opt_threads; i++)
            pthread_join(th[i], NULL);
    }
    for (i = 0; i < FZ_SLOTS; i++)
        slot_close((int)i);
}

/* Best effort: a gpio-sim chip of 16 lines mapped to pins 0..15, so pins do more than ENXIO. */
static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0)
            fprintf(stderr, "hsx_fuzz: write %s: %s\n", path, strerror(errno));
        close(fd);
    }
}

static void map_pins(bool map)
{
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);
    unsigned int pin;

    if (ctl < 0)
        return;
    for (pin = 0; pin < 64; pin++) {
        struct hsx_gpio_map m = {.pin = pin, .offset = pin};
        if (map && pin >= FZ_SIM_LINES)
            break;
        if (map)
            snprintf(m.chip, sizeof(m.chip), "%s", FZ_SIM_LABEL);
        if (ioctl(ctl, HSX_IOC_GPIO_MAP, &m) < 0 && map)
            fprintf(stderr, "hsx_fuzz: map pin %u: %s\n", pin, strerror(errno));
    }
    close(ctl);
}

static void sim_setup(void)
{
    const char *d = "/sys/kernel/config/gpio-sim/" FZ_SIM_NAME;
    char text[16];

    if (access("/sys/kernel/config/gpio-sim", F_OK))
        return;
    if (mkdir(d, 0755) && errno != EEXIST)
        return;
    mkdir("/sys/kernel/config/gpio-sim/" FZ_SIM_NAME "/bank0", 0755);
    snprintf(text, sizeof(text), "%u", FZ_SIM_LINES);
    write_file("/sys/kernel/config/gpio-sim/" FZ_SIM_NAME "/bank0/num_lines", text);
    write_file("/sys/kernel/config/gpio-sim/" FZ_SIM_NAME "/bank0/label", FZ_SIM_LABEL);
    write_file("/sys/kernel/config/gpio-sim/" FZ_SIM_NAME "/live", "1");
    have_sim = true;
    map_pins(true);
}

static void sim_teardown(void)
{
    /* Always: fuzzed GPIO_MAP calls bind pins to chips whether or not gpio-sim exists. */
    map_pins(false);
    if (!have_sim)
        return;
    write_file("/sys/kernel/config/gpio-sim/" FZ_SIM_NAME "/live", "0");
    rmdir("/sys/kernel/config/gpio-sim/" FZ_SIM_NAME "/bank0");
    rmdir("/sys/kernel/config/gpio-sim/" FZ_SIM_NAME);
}

static void dummy_teardown(void)
{
    char text[8];

    for (unsigned int i = 0; i <= FZ_DUMMY_MAX; i++) {
        int fd = open(FZ_DUMMY_CTL "/remove", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return;
        snprintf(text, sizeof(text), "%u", i < FZ_DUMMY_MAX ? i : 63);
        if (write(fd, text, strlen(text)) < 0 && errno != ENOENT)
            fprintf(stderr, "hsx_fuzz: remove dummy %u: %s\n", i, strerror(errno));
        close(fd);
    }
}

/* Root: ports 0 and 1 bound to the test board's pair, so the data path runs. */
static bool uart_setup(void)
{
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);
    bool ok = ctl >= 0;

    for (unsigned int p = 0; ok && p < FZ_UART_PORTS; p++) {
        struct hsx_uart_map m = {.port = p};
        struct hsx_uart_info info = {.port = p};

        snprintf(m.tty, sizeof(m.tty), "%s", uart_home[p]);
        if (ioctl(ctl, HSX_IOC_UART_MAP, &m) < 0 && errno != EBUSY)
            fprintf(stderr, "hsx_fuzz: binding UART port %u to %s: %s\n", p, uart_home[p],
                    strerror(errno));
        ok = ioctl(ctl, HSX_IOC_UART_INFO, &info) == 0 && info.bound &&
             !strcmp(info.tty, uart_home[p]);
    }
    if (ctl >= 0)
        close(ctl);
    return ok;
}

/*
 * Always: fuzzed MAP calls bind ports whether or not the pair was bound at start. Each bound
 * port first gets its lines and frame back and its transmit buffer emptied: a transmitter that
 * flow control stalls would hold the unbinding up to the tty's closing_wait, and the next user
 * of the tty finds it as hsx found it.
 */
static void uart_teardown(void)
{
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);

    if (ctl < 0)
        return;
    for (unsigned int p = 0; p < HSX_UART_MAX_PORTS; p++) {
        struct hsx_uart_info info = {.port = p};
        struct hsx_uart_map m = {.port = p};

        if (ioctl(ctl, HSX_IOC_UART_INFO, &info) || !info.bound)
            continue;
        struct hsx_uart_modem md = {.port = p, .set = HSX_UART_LN_RTS | HSX_UART_LN_DTR};
        struct hsx_uart_config cfg = {.port = p, .baud = 115200, .stop_bits = 1, .data_bits = 8};
        struct hsx_uart_ctl dc = {.port = p, .value = HSX_UART_DC_RX | HSX_UART_DC_TX};
        md.clear = (uint32_t)HSX_UART_LN_OUT & ~md.set;
        ioctl(ctl, HSX_IOC_UART_MODEM, &md);
        ioctl(ctl, HSX_IOC_UART_CONFIG, &cfg);
        ioctl(ctl, HSX_IOC_UART_DISCARD, &dc);
        if (ioctl(ctl, HSX_IOC_UART_MAP, &m) < 0 && errno != ENXIO)
            fprintf(stderr, "hsx_fuzz: unbinding UART port %u: %s\n", p, strerror(errno));
    }
    close(ctl);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hsx_fuzz [--seed S] [--calls N] [--threads T] [--seconds S] [--no-user]\n"
            "                [--need-uart] [--need-can] [--need-fram] [--need-fs] [--kcov]\n"
            "                [--fail-nth PCT] [--steps N] [-v]\n"
            "  --seed S     the run's seed (default 1)\n"
            "  --calls N    calls into hsx.ko in all (opens, ioctls and reads of its files,\n"
            "               requests to its netlink family), shared by root's and uid %d's\n"
            "               threads (default 20000); a step ends past its share; 0: no bound\n"
            "  --steps N    stop each worker after N steps (a table call or a chain): a\n"
            "               report's reproducer, its step (calls depend on timing, steps not)\n"
            "  --threads T  threads per process (default 2)\n"
            "  --seconds S  stop after S seconds, whatever is left (default: no bound)\n"
            "  --no-user    no uid %d process: one process, deterministic with --threads 1\n"
            "  --need-uart  fail unless UART ports 0 and 1 bind to ttyS2 and ttyS3 (the test "
            "board)\n"
            "  --need-can   fail unless CAN buses 0-2 bind to the vcan and vxcan interfaces it "
            "makes\n"
            "  --need-fram  fail unless FRAM devices 0-2 bind to the simulated parts "
            "(hsx_fram_sim.ko)\n"
            "  --need-fs    fail unless FS roots 0-4 bind to the tmpfs it mounts (root only)\n"
            "  --kcov       print hsx.ko's coverage (a kernel with KCOV; root)\n"
            "  --fail-nth PCT  fail an allocation in PCT%% of the table's calls (failslab)\n"
            "  -v           a line per call for the first process (-vv: every call)\n",
            FZ_USER_UID, FZ_USER_UID);
}

static void print_stats(double secs)
{
    int e;

    printf("hsx_fuzz: seed %" PRIu64 ": calls: %" PRIu64 " in %.1f s, ok %" PRIu64
           ", unexpected %" PRIu64 ", harness failures %" PRIu64 "\n",
           opt_seed, stats->calls, secs, stats->ok, stats->unexpected, stats->harness);
    printf("hsx_fuzz: errors by errno:");
    for (e = 0; e < FZ_ERRNO_MAX; e++)
        if (stats->err[e])
            printf(" %s=%" PRIu64, e ? strerrorname_np(e) ? strerrorname_np(e) : "?" : "other",
                   stats->err[e]);
    printf("\nhsx_fuzz: forks %" PRIu64 " (killed %" PRIu64 "), closes %" PRIu64
           ", fds passed %" PRIu64 ", mints %" PRIu64 ", derives %" PRIu64 ", revokes %" PRIu64
           ", dummy add/remove %" PRIu64 ", netlink requests %" PRIu64 " (unanswered %" PRIu64
           ")\n",
           stats->forks, stats->kills, stats->closes, stats->passes, stats->mints, stats->derives,
           stats->revokes, stats->dummies, stats->netlink, stats->nl_noanswer);
    printf("hsx_fuzz: uart: writes %" PRIu64 ", bytes sent %" PRIu64 ", bytes read %" PRIu64
           ", records %" PRIu64 ", unbinds %" PRIu64 ", binds %" PRIu64 ", interrupted %" PRIu64
           "\n",
           stats->uart_writes, stats->uart_tx, stats->uart_rx, stats->uart_records,
           stats->uart_unbinds, stats->uart_binds, stats->uart_intr);
    if (opt_fail_nth)
        printf("hsx_fuzz: allocation failures: armed %" PRIu64 ", fired %" PRIu64
               ", calls failing ENOMEM %" PRIu64 "\n",
               stats->fail_armed, stats->fail_fired, stats->fail_enomem);
    can_print_stats();
    fram_print_stats();
    fs_print_stats();
    printf("hsx_fuzz: profile: wall time, steps and calls by kind of step, then by module "
           "chain; summed over threads\n");
    for (e = 0; e < P_N; e++)
        if (stats->prof_n[e]) {
            double s = (double)stats->prof_ns[e] / 1e9;
            printf("hsx_fuzz:   %-13s %8" PRIu64 " steps %9" PRIu64 " calls %8.1f s %8.2f ms/step "
                   "%7.0f calls/s\n",
                   prof_name[e], stats->prof_n[e], stats->prof_calls[e], s,
                   s * 1e3 / (double)stats->prof_n[e],
                   s > 0 ? (double)stats->prof_calls[e] / s : 0);
        }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"seed", required_argument, NULL, 's'},
                                         {"calls", required_argument, NULL, 'n'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"seconds", required_argument, NULL, 'S'},
                                         {"no-user", no_argument, NULL, 'U'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"need-uart", no_argument, NULL, 'u'},
                                         {"need-can", no_argument, NULL, 'c'},
                                         {"need-fram", no_argument, NULL, 'f'},
                                         {"need-fs", no_argument, NULL, 'F'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"kcov", no_argument, NULL, 'K'},
                                         {"fail-nth", required_argument, NULL, 'N'},
                                         {"steps", required_argument, NULL, 'X'},
                                         {NULL, 0, NULL, 0}};
    struct timespec t0, t1;
    int c, sv[2], status = 0;
    uint64_t root_calls;

    while ((c = getopt_long(argc, argv, "s:n:t:S:UucfFhvKN:X:", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            opt_seed = strtoull(optarg, NULL, 0);
            break;
        case 'n':
            opt_calls = strtoull(optarg, NULL, 0);
            if (!opt_calls)
                opt_calls = UINT64_MAX; /* no bound: --steps's */
            break;
        case 'X':
            opt_steps = strtoull(optarg, NULL, 0);
            break;
        case 't':
            opt_threads = (unsigned int)strtoul(optarg, NULL, 0);
            if (opt_threads < 1 || opt_threads > FZ_THREADS_MAX) {
                usage(stderr);
                return 2;
            }
            break;
        case 'S':
            opt_seconds = (unsigned int)strtoul(optarg, NULL, 0);
            break;
        case 'U':
            opt_user = false;
            break;
        case 'u':
            opt_need_uart = true;
            break;
        case 'c':
            opt_need_can = true;
            break;
        case 'f':
            opt_need_fram = true;
            break;
        case 'F':
            opt_need_fs = true;
            break;
        case 'v':
            opt_verbose++;
            break;
        case 'K':
            opt_kcov = true;
            break;
        case 'N':
            opt_fail_nth = (unsigned int)strtoul(optarg, NULL, 0);
            if (opt_fail_nth > 100) {
                usage(stderr);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stats == MAP_FAILED) {
        perror("hsx_fuzz: mmap");
        return 2;
    }
    if (access("/dev/" HSX_DEV_TIMER, F_OK)) {
        fprintf(stderr, "hsx_fuzz: /dev/" HSX_DEV_TIMER " missing: is hsx.ko loaded?\n");
        return 2;
    }
    is_root = geteuid() == 0;
    {
        FILE *f = fopen("/sys/hal/caps/enforcing", "re");
        int v = 1;
        if (f && fscanf(f, "%d", &v) == 1)
            enforcing = v != 0;
        if (f)
            fclose(f);
    }
    if (!is_root)
        opt_user = false;
    signal(SIGPIPE, SIG_IGN);
    {
        struct sigaction sa = {.sa_handler = wd_signal}; /* no SA_RESTART: the call ends, EINTR */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, NULL);
    }
    deadline = opt_seconds ? time(NULL) + opt_seconds : (time_t)INT64_MAX;
    have_dummy = access(FZ_DUMMY_CTL "/add", F_OK) == 0;
    if (is_root && have_dummy)
        write_file(FZ_DUMMY_CTL "/add", "0"), write_file(FZ_DUMMY_CTL "/add", "1");
    if (is_root) {
        sim_setup();
        have_uart = uart_setup();
        if (opt_need_uart && !have_uart) {
            harness_fail("--need-uart: UART ports 0 and 1 do not bind to ttyS2 and ttyS3");
            uart_teardown();
            return 2;
        }
        have_can = can_setup();
        if (opt_need_can && !have_can) {
            harness_fail("--need-can: CAN buses 0-2 do not bind to fzcan0, fzvx0 and fzvx1");
            can_teardown();
            uart_teardown();
            return 2;
        }
        have_fram = fram_setup();
        if (opt_need_fram && !have_fram) {
            harness_fail("--need-fram: FRAM devices 0-2 do not bind to hsx-fram-sim0, 1 and 2");
            fram_teardown();
            can_teardown();
            uart_teardown();
            return 2;
        }
        have_fs = fs_setup();
        if (opt_need_fs && !have_fs) {
            harness_fail("--need-fs: FS roots 0-4 do not bind to the fuzzer's tmpfs");
            fs_teardown();
            fram_teardown();
            can_teardown();
            uart_teardown();
            return 2;
        }
    }
    genl_family = nl_resolve();
    if (genl_family < 0)
        harness_fail("the netlink family " HSX_GENL_NAME " is not registered");
    if (opt_calls == UINT64_MAX && !opt_steps)
        printf("hsx_fuzz: seed %" PRIu64 ", no bound in calls or steps, ", opt_seed);
    else if (opt_calls == UINT64_MAX)
        printf("hsx_fuzz: seed %" PRIu64 ", %" PRIu64 " steps a thread, ", opt_seed, opt_steps);
    else
        printf("hsx_fuzz: seed %" PRIu64 ", %" PRIu64 " calls, ", opt_seed, opt_calls);
    printf("%u threads, %s; dummy module %s, "
           "gpio-sim %s, uart pair %s, can buses %u, fram devices %u, fs roots %u\n",
           opt_threads, opt_user ? "root and uid 1000" : "one process", have_dummy ? "yes" : "no",
           have_sim ? "yes" : "no", have_uart ? "yes (0 -> ttyS2, 1 -> ttyS3)" : "no",
           have_can ? can_units.homes : 0, have_fram ? fram_units.homes : 0, have_fs ? 5 : 0);
    fflush(stdout);
    if (opt_kcov && !kcov_setup(opt_user ? 2 * opt_threads : opt_threads))
        return 2;
    if (!fail_setup(opt_fail_nth))
        return 2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    root_calls = opt_calls;
    if (opt_user && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
        uint64_t user_calls = opt_calls / 4;
        root_calls -= user_calls;
        user_pid = fork();
        if (user_pid == 0) {
            close(sv[0]);
            pass_sock = sv[1];
            proc_name = "uid1000";
            if (setgroups(0, NULL) || setresgid(FZ_USER_UID, FZ_USER_UID, FZ_USER_UID) ||
                setresuid(FZ_USER_UID, FZ_USER_UID, FZ_USER_UID)) {
                harness_fail("setresuid %d: %s", FZ_USER_UID, strerror(errno));
                _exit(2);
            }
            is_root = false;
            kcov_first = opt_threads;
            run_workers(opt_seed ^ 0x5555555555555555ULL, user_calls);
            _exit(0);
        }
        close(sv[1]);
        pass_sock = sv[0];
        if (user_pid < 0) {
            harness_fail("fork: %s", strerror(errno));
            user_pid = 0;
        }
    }
    run_workers(opt_seed, root_calls);
    if (user_pid > 0) {
        if (waitpid(user_pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
            harness_fail("the uid %d process ended with status %#x", FZ_USER_UID, status);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    can_run_check();
    if (is_root) {
        sim_teardown();
        uart_teardown();
        can_teardown();
        fram_teardown();
        fs_teardown();
        if (have_dummy)
            dummy_teardown();
    }
    fail_teardown();
    print_stats((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    kcov_report();
    if (stats->harness)
        return 2;
    return stats->unexpected ? 1 : 0;
}
