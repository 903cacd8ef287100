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
 * QUEUE_END) and the netlink family "hsx" (MBOX_OPEN, MBOX_CLOSE, MBOX_GET).
 * Arguments are generated from the field lists: mostly valid, with targeted
 * corruption of one field (reserved words, unknown flag bits, ids, pins
 * 0..70, periods, expiries 0 and U64_MAX, selector edges, bad fds), of the
 * ioctl number (wrong _IOC size or direction, unknown functions) or of the
 * pointer (NULL, straddling an unmapped page). Chains run on shared
 * resources: create a timer, start, subscribe, cancel, cancel again, drain
 * its queue file; MBOX_OPEN, read and poll, QUEUE_END, QUEUE_END, read to
 * end of file; and capabilities: the uid 1000 process sends its files to root
 * (SCM_RIGHTS), root as the capability administrator (/dev/hsx/ctl, O_EXCL)
 * mints onto them, the holder derives and drops, root revokes and renews,
 * and root's use of a file it was sent must be refused. Meanwhile threads
 * close each other's descriptors mid-call, children are forked and killed
 * with SIGKILL mid-call, and root adds and removes dummy instances
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
 * mid-call, still forks).
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
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

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

/* ---- randomness --------------------------------------------------------------------------- */

static uint64_t fz_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct fz_rng {
    uint64_t s;
};

static uint64_t rnd(struct fz_rng *r)
{
    r->s = fz_mix(r->s);
    return r->s;
}

static uint32_t rn(struct fz_rng *r, uint32_t n)
{
    return n ? (uint32_t)(rnd(r) % n) : 0;
}

/* True with probability pct/100. */
static bool chance(struct fz_rng *r, unsigned int pct)
{
    return rn(r, 100) < pct;
}

/* ---- shared statistics ---------------------------------------------------------------------- */

#define FZ_ERRNO_MAX 160

struct fz_stats {
    uint64_t calls;
    uint64_t ok;
    uint64_t unexpected;
    uint64_t harness;
    uint64_t reported;
    uint64_t err[FZ_ERRNO_MAX];
    uint64_t kills, forks, closes, passes, mints, derives, revokes, dummies, netlink, nl_noanswer;
    uint64_t op_ns[16], op_n[16]; /* time spent by each kind of step */
};

static const char *const step_name[16] = {"table",       "open",    "queue",     "chain_queue",
                                          "chain_timer", "netlink", "close",     "pass",
                                          "cap",         "dummy",   "fork_kill", "scm_self"};

static struct fz_stats *stats; /* MAP_SHARED: the uid 1000 process and children add to it */

static void count(uint64_t *c)
{
    __atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* ---- options -------------------------------------------------------------------------------- */

static uint64_t opt_seed = 1;
static uint64_t opt_calls = 20000;
static unsigned int opt_threads = 2;
static unsigned int opt_seconds = 0;
static bool opt_user = true;
static int opt_verbose;
static time_t deadline;
static const char *proc_name = "root";
static bool is_root;
static pid_t user_pid;
static int pass_sock = -1; /* root <-> uid 1000 process, SOCK_SEQPACKET */
static bool have_dummy, have_sim;
static int genl_family = -1;
static bool enforcing = true; /* /sys/hal/caps/enforcing */

/* ---- descriptors ------------------------------------------------------------------------------
 */

enum fz_kind {
    K_NONE,
    K_CTL,     /* /dev/hsx/ctl, plain */
    K_ADMIN,   /* /dev/hsx/ctl, O_EXCL: the capability administrator */
    K_TIMER,   /* /dev/hsx/timer */
    K_GPIO,    /* /dev/hsx/gpio */
    K_DUMMY,   /* /dev/hsx/dummy, the module's own node */
    K_DUMMY_I, /* /dev/hsx/dummy<n> */
    K_QUEUE,   /* a queue file from MBOX_OPEN */
    K_NL,      /* a generic netlink socket */
    K_OTHER,   /* /dev/null: not ours */
    K_NKINDS
};

static const char *const kind_name[K_NKINDS] = {"none",  "ctl",    "admin", "timer", "gpio",
                                                "dummy", "dummyN", "queue", "nl",    "other"};

#define KB(k) (1U << (k))
#define K_NODES (KB(K_CTL) | KB(K_ADMIN) | KB(K_TIMER) | KB(K_GPIO) | KB(K_DUMMY) | KB(K_DUMMY_I))

struct fz_slot {
    int fd;
    enum fz_kind kind;
    unsigned int gen;   /* bumped at every close: a call that saw another is not judged */
    pid_t opener;       /* the process that opened it */
    bool privileged;    /* opened by root */
    unsigned int index; /* dummy instance */
    uint32_t mbox_id;   /* queue file */
};

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

#define FZ_RING 48
#define FZ_LINE 200

struct fz_worker {
    unsigned int index;
    struct fz_rng rng;
    uint64_t calls, quota;
    char ring[FZ_RING][FZ_LINE];
    unsigned int ring_n;
    unsigned char *guard; /* a page followed by an unmapped one */
    bool child;           /* a forked child about to be killed: no reports */
};

static void note(struct fz_worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct fz_worker *w, const char *fmt, ...)
{
    char *line = w->ring[w->ring_n % FZ_RING];
    int n = snprintf(line, FZ_LINE, "#%" PRIu64 " ", w->calls);
    va_list ap;

    va_start(ap, fmt);
    if (n > 0 && n < FZ_LINE)
        vsnprintf(line + n, (size_t)(FZ_LINE - n), fmt, ap);
    va_end(ap);
    w->ring_n++;
    if (opt_verbose > 1)
        fprintf(stderr, "%s/%u %s\n", proc_name, w->index, line);
}

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

/* An unexpected result: the seed, where, and the calls that led to it. */
static void unexpected(struct fz_worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void unexpected(struct fz_worker *w, const char *fmt, ...)
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
            "hsx_fuzz:   seed %" PRIu64 ", process %s, thread %u, call %" PRIu64 "\n"
            "hsx_fuzz:   reproduce: hsx_fuzz --seed %" PRIu64 " --threads %u --calls %" PRIu64
            "%s\n"
            "hsx_fuzz:   the thread's last calls:\n",
            what, opt_seed, proc_name, w->index, w->calls, opt_seed, opt_threads, opt_calls,
            opt_user ? "" : " --no-user");
    from = w->ring_n > FZ_RING ? w->ring_n - FZ_RING : 0;
    for (i = from; i < w->ring_n; i++)
        fprintf(stderr, "hsx_fuzz:     %s\n", w->ring[i % FZ_RING]);
    pthread_mutex_unlock(&report_lock);
}

static void harness_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void harness_fail(const char *fmt, ...)
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

/* Every errno the ABI documents for some entry point (uapi/hsx_uapi.h, README). */
static const int documented[] = {
    EPERM,  ENOENT, ESRCH,  EBADF,       EAGAIN,      ENOMEM,   EACCES,   EFAULT, EBUSY,
    EEXIST, ENODEV, EINVAL, EMFILE,      ENOSPC,      EMLINK,   ENOTTY,   EDQUOT, EOPNOTSUPP,
    ENXIO,  EINTR,  ERANGE, EKEYEXPIRED, EKEYREVOKED, EALREADY, EMSGSIZE,
};

static bool is_documented(int e)
{
    size_t i;

    for (i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
        if (documented[i] == e)
            return true;
    return false;
}

static void count_errno(int e)
{
    count(&stats->calls);
    if (e == 0)
        count(&stats->ok);
    else
        count(&stats->err[e > 0 && e < FZ_ERRNO_MAX ? e : 0]);
}

/* ---- argument fields --------------------------------------------------------------------------
 */

enum fz_fkind {
    F_RES,    /* reserved: zero; anything else must be refused */
    F_FLAGS,  /* aux: the defined bits; any other must be refused */
    F_OUT,    /* output only: garbage in is ignored */
    F_TIMER,  /* a timer id */
    F_PERIOD, /* microseconds, HSX_TIMER_PERIOD_MIN_US..MAX_US; outside must be refused */
    F_PIN,    /* a GPIO pin, 0..70 */
    F_ENUM,   /* 0..aux */
    F_BOOL,   /* 0 or 1 */
    F_MASK,   /* a 64-bit pin mask */
    F_DEBOUNCE,
    F_MODULE,   /* HSX_MODULE_* */
    F_RIGHTS,   /* HSX_CAP_R_* */
    F_SEL,      /* union hsx_cap_selector (32 bytes) */
    F_EXPIRY,   /* CLOCK_BOOTTIME ns */
    F_FD,       /* a descriptor of this process */
    F_CAPID,    /* a capability id */
    F_PID,      /* a pid */
    F_MBOXNAME, /* char[64] */
    F_QLEN,     /* 0..HSX_MBOX_QUEUE_MAX; above must be refused */
    F_LABEL,    /* char[32], a chip label */
    F_U32,
};

struct fz_field {
    uint16_t off;
    uint8_t size;
    uint8_t kind;
    uint32_t aux;
};

struct fz_op;
struct fz_call {
    struct fz_worker *w;
    const struct fz_op *op;
    struct fz_slot slot; /* a copy, as it was when the call began */
    int slot_i;
    unsigned char *buf;
    unsigned long cmd;
    bool must_fail; /* the argument is one the ABI refuses */
    bool raw_arg;   /* _IO: the argument is a number */
    long ret;
    int err;
};

/* What an op may return on success, and what it records. */
typedef void (*fz_post_fn)(struct fz_call *c);

struct fz_op {
    const char *name;
    unsigned long cmd;
    uint32_t kinds; /* the nodes it belongs on */
    bool needs_cap; /* a HAL module's function: refused on a file the caller did not open */
    long ret_max;   /* largest return value on success */
    const struct fz_field *fields;
    unsigned int n_fields;
    fz_post_fn post;
};

/* A HAL module as the fuzzer sees it. A new module is one more of these. */
struct fz_module {
    const char *name;
    const struct fz_op *ops;
    unsigned int n_ops;
};

#define FLD(type, member, kind, aux)                                                               \
    {                                                                                              \
        offsetof(type, member), sizeof(((type *)0)->member), kind, aux                             \
    }
#define FIELDS(a) a, (unsigned int)(sizeof(a) / sizeof((a)[0]))

static uint64_t boottime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int pick_slot(struct fz_rng *r, uint32_t kinds, struct fz_slot *copy);

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
    } else if (chance(r, 50)) {
        sel->gpio.pins = masks[rn(r, 6)];
    } else {
        sel->gpio.pins = chance(r, 50) ? rnd(r) & 0xffff : 1ULL << rn(r, 64);
    }
}

static void gen_name(struct fz_rng *r, char *name, size_t len)
{
    memset(name, 0, len);
    switch (rn(r, 10)) {
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
                                     HSX_MODULE_CORE,  HSX_MODULE_UART,      0,
                                     0xffffffffULL,    HSX_MODULE_FIRST + 32};
        v = corrupt ? m[rn(r, 8)] : m[rn(r, 3)];
        if (!corrupt && c->slot.kind == K_TIMER)
            v = HSX_MODULE_TIMER;
        else if (!corrupt && c->slot.kind == K_GPIO)
            v = HSX_MODULE_GPIO;
        else if (!corrupt && c->slot.kind == K_DUMMY_I)
            v = FZ_MODULE_DUMMY;
        break;
    }
    case F_RIGHTS:
        v = corrupt ? (chance(r, 50) ? HSX_CAP_R_ADMIN : rnd(r) & 0xffffffffULL)
                    : (rnd(r) & (HSX_CAP_R_GPIO_ALL)) | (chance(r, 70) ? HSX_CAP_R_READ : 0);
        break;
    case F_SEL:
        gen_sel(r, (union hsx_cap_selector *)p,
                c->slot.kind == K_TIMER ? HSX_MODULE_TIMER : HSX_MODULE_GPIO);
        if (corrupt)
            ((union hsx_cap_selector *)p)->raw[1 + rn(r, 3)] = rnd(r) | 1;
        return;
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
    case F_U32:
    default:
        v = corrupt ? rnd(r) : rn(r, 4);
        break;
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

static void slot_add(int fd, enum fz_kind kind, unsigned int index, uint32_t mbox_id, bool priv,
                     pid_t opener);

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
    {offsetof(struct hsx_cap_derive, sel), 8, F_SEL, 0},
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
    {offsetof(struct hsx_cap_mint, sel), 8, F_SEL, 0},
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

static const struct fz_op core_ops[] = {
    {"CORE_VERSION", HSX_IOC_CORE_VERSION, K_NODES, false, 0, FIELDS(f_version), post_version},
    {"CAP_INFO", HSX_IOC_CAP_INFO, K_NODES, false, 0, FIELDS(f_cap_query), NULL},
    {"CAP_DERIVE", HSX_IOC_CAP_DERIVE, K_NODES, false, 0, FIELDS(f_derive), post_cap_id},
    {"CAP_DROP", HSX_IOC_CAP_DROP, K_NODES, false, 0, FIELDS(f_drop), NULL},
    {"MBOX_OPEN", HSX_IOC_MBOX_OPEN, K_NODES, false, 1 << 20, FIELDS(f_mbox_open), post_mbox_open},
    {"MBOX_QUEUE_INFO", HSX_IOC_MBOX_QUEUE_INFO, KB(K_QUEUE), false, 0, FIELDS(f_queue_info), NULL},
    {"MBOX_QUEUE_END", HSX_IOC_MBOX_QUEUE_END, KB(K_QUEUE), false, 0, FIELDS(f_zero_arg), NULL},
    {"CAP_CLIENT", HSX_IOC_CAP_CLIENT, KB(K_ADMIN), false, 0, FIELDS(f_client), post_client},
    {"CAP_MINT", HSX_IOC_CAP_MINT, KB(K_ADMIN), false, 0, FIELDS(f_mint), post_cap_id},
    {"CAP_RENEW", HSX_IOC_CAP_RENEW, KB(K_ADMIN), false, 0, FIELDS(f_renew), NULL},
    {"CAP_REVOKE", HSX_IOC_CAP_REVOKE, KB(K_ADMIN), false, 0, FIELDS(f_revoke), post_revoke},
    {"CAP_LIST", HSX_IOC_CAP_LIST, KB(K_ADMIN), false, 0, FIELDS(f_list), post_list},
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
    {"TIMER_GET_TICK", HSX_IOC_TIMER_GET_TICK, KB(K_TIMER), true, 0, FIELDS(f_tick), NULL},
    {"TIMER_GET_TICK_FREQ", HSX_IOC_TIMER_GET_TICK_FREQ, KB(K_TIMER), true, 0, FIELDS(f_freq),
     post_freq},
    {"TIMER_CREATE", HSX_IOC_TIMER_CREATE, KB(K_TIMER), true, 0, FIELDS(f_create), post_create},
    {"TIMER_CANCEL", HSX_IOC_TIMER_CANCEL, KB(K_TIMER) | KB(K_CTL) | KB(K_ADMIN), true, 0,
     FIELDS(f_timer_id), NULL},
    {"TIMER_START", HSX_IOC_TIMER_START, KB(K_TIMER), true, 0, FIELDS(f_timer_id), NULL},
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
    {"GPIO_READ", HSX_IOC_GPIO_READ, KB(K_GPIO), true, 1, FIELDS(f_pin_arg), NULL},
    {"GPIO_WRITE", HSX_IOC_GPIO_WRITE, KB(K_GPIO), true, 0, FIELDS(f_value_arg), NULL},
    {"GPIO_CONFIG", HSX_IOC_GPIO_CONFIG, KB(K_GPIO), true, 0, FIELDS(f_config), NULL},
    {"GPIO_SET_INTERRUPT", HSX_IOC_GPIO_SET_INTERRUPT, KB(K_GPIO), true, 0, FIELDS(f_interrupt),
     NULL},
    {"GPIO_TOGGLE", HSX_IOC_GPIO_TOGGLE, KB(K_GPIO), true, 1, FIELDS(f_pin_arg), NULL},
    {"GPIO_READ_MULTI", HSX_IOC_GPIO_READ_MULTI, KB(K_GPIO), true, 0, FIELDS(f_multi), NULL},
    {"GPIO_WRITE_MULTI", HSX_IOC_GPIO_WRITE_MULTI, KB(K_GPIO), true, 0, FIELDS(f_multi), NULL},
    {"GPIO_INFO", HSX_IOC_GPIO_INFO, KB(K_GPIO), true, 0, FIELDS(f_info), NULL},
    {"GPIO_MAP", HSX_IOC_GPIO_MAP, KB(K_CTL) | KB(K_ADMIN), true, 0, FIELDS(f_map), NULL},
};

/* The dummy's PING ignores its argument (a test module): any number is accepted. */
static const struct fz_field f_any_arg[] = {
    {0, 8, F_OUT, 0},
};

static const struct fz_op dummy_ops[] = {
    {"DUMMY_PING", FZ_IOC_DUMMY_PING, KB(K_DUMMY) | KB(K_DUMMY_I), true, FZ_DUMMY_MAX + 64,
     FIELDS(f_any_arg), post_ping},
};

static const struct fz_module fz_modules[] = {
    {"core", core_ops, sizeof(core_ops) / sizeof(core_ops[0])},
    {"timer", timer_ops, sizeof(timer_ops) / sizeof(timer_ops[0])},
    {"gpio", gpio_ops, sizeof(gpio_ops) / sizeof(gpio_ops[0])},
    {"dummy", dummy_ops, sizeof(dummy_ops) / sizeof(dummy_ops[0])},
};
#define FZ_N_MODULES (sizeof(fz_modules) / sizeof(fz_modules[0]))

/* ---- descriptors -------------------------------------------------------------------------- */

static void slot_add(int fd, enum fz_kind kind, unsigned int index, uint32_t mbox_id, bool priv,
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

/* A slot of one of the kinds (any slot sometimes); its index, or -1 with none. */
static int pick_slot(struct fz_rng *r, uint32_t kinds, struct fz_slot *copy)
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
    pthread_mutex_unlock(&slot_lock);
    return found;
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
    bool raced = slot_gen(c->slot_i) != c->slot.gen;

    count_errno(c->ret < 0 ? c->err : 0);
    note(c->w, "  = %ld%s%s%s", c->ret, c->ret < 0 ? " " : "", c->ret < 0 ? strerror(c->err) : "",
         raced ? " (descriptor closed meanwhile)" : "");
    if (raced)
        return; /* the number may name another file by now */
    if (c->ret < 0) {
        if (!is_documented(c->err))
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
        for (unsigned int i = 0; i < fz_modules[m].n_ops; i++)
            if (fz_modules[m].ops[i].cmd == cmd)
                return true;
    return false;
}

/* Generate, call, judge: one entry of the table on one descriptor. */
static void do_ioctl(struct fz_worker *w, const struct fz_op *op, int slot_i,
                     const struct fz_slot *slot)
{
    struct fz_rng *r = &w->rng;
    unsigned char argbuf[512] __attribute__((aligned(8)));
    struct fz_call c = {.w = w, .op = op, .slot = *slot, .slot_i = slot_i, .buf = argbuf};
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
        }
    } else if (how >= 31 && how < 34) {
        /* an unknown function of the same module, or another magic: ENOTTY */
        unsigned int nr = (_IOC_NR(op->cmd) & 0xf0) | (0x9 + rn(r, 7));
        c.cmd = _IOC(_IOC_DIR(op->cmd), chance(r, 70) ? HSX_IOC_MAGIC : 0xB9, nr, size);
        if (!known_cmd(c.cmd)) {
            c.must_fail = true;
            what = " (unknown function)";
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
        note(w, "ioctl(%s fd %d, %s cmd %#lx, %s%s)%s", kind_name[slot->kind], slot->fd, op->name,
             c.cmd, ptr == argbuf ? "" : "ptr!", hex, what);
        errno = 0;
        c.ret = ioctl(slot->fd, c.cmd, ptr);
    }
    c.err = errno;
    if (ptr != argbuf && ptr && c.ret >= 0)
        memcpy(argbuf, ptr, (size_t)(w->guard + 4096 - (unsigned char *)ptr));
    judge(&c);
}

/* Pick an op from the table, and a descriptor it belongs on (mostly). */
static void op_table(struct fz_worker *w)
{
    struct fz_rng *r = &w->rng;
    const struct fz_module *m = &fz_modules[rn(r, FZ_N_MODULES)];
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
static void check_records(struct fz_worker *w, const unsigned char *buf, ssize_t n,
                          uint32_t *closed)
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
            if (rec.close_reason < HSX_CLOSE_CANCELLED || rec.close_reason > HSX_CLOSE_REVOKED)
                unexpected(w, "queue read: close reason %u", rec.close_reason);
        } else if (*closed) {
            unexpected(w, "queue read: a record after the close notice");
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
        if (n > 0)
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
    int i = pick_slot(r, KB(K_TIMER), &s);
    struct hsx_timer_create tc = {.period_us = HSX_TIMER_PERIOD_MIN_US + rn(r, 2000)};

    if (i < 0)
        return;
    tc.flags = rn(r, 4);
    /* a copy of the descriptor of my own: another thread may close the slot meanwhile */
    s.fd = dup(s.fd);
    if (s.fd < 0)
        return;
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
     * grace period: give that 2 s.
     */
    for (int rounds = 0; rounds < 64; rounds++) {
        n = read(q, buf, sizeof(buf));
        count_errno(n < 0 ? errno : 0);
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = q, .events = POLLIN};
            if (poll(&p, 1, 2000) == 1)
                continue;
            errno = EAGAIN;
        }
        if (n <= 0)
            break;
        check_records(w, buf, n, &closed);
    }
    if (n < 0 && errno != EBADF)
        unexpected(w, "timer %u cancelled: its queue reads %s after 2 s, not end of file",
                   tc.timer_id, strerror(errno));
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

struct nl_ctx {
    struct fz_worker *w;
    int err;
    bool done;
};

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
    for (k = 0; k < 64 && recv(s.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; k++)
        ;
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
    int err = 1, k;
    uint64_t deadline_ms;
    struct timespec ts;

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
        if (errno != EAGAIN && errno != EBADF && errno != ENOBUFS && errno != ECONNREFUSED)
            unexpected(w, "netlink send: %s", strerror(errno));
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /*
     * Answers to this request (events and others' answers are skipped). A socket
     * subscribed to a 100 us timer overflows under TCG and loses the ack (ENOBUFS):
     * wait a little, and count what is unanswered.
     */
    deadline_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 100;
    for (k = 0; k < 64 && err > 0; k++) {
        struct pollfd p = {.fd = s.fd, .events = POLLIN};
        ssize_t n;
        uint64_t now_ms;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
        if (now_ms >= deadline_ms || poll(&p, 1, (int)(deadline_ms - now_ms)) != 1)
            break;
        n = recv(s.fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0) {
            /*
             * Not an answer: ENOBUFS, events overran the socket; EINVAL, another
             * thread's recv finished a dump this one was continuing (af_netlink).
             */
            if (errno == ENOBUFS || errno == EINVAL)
                continue;
            break;
        }
        int left = (int)n;
        for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
             nlh = mnl_nlmsg_next(nlh, &left)) {
            if (nlh->nlmsg_seq != seq)
                continue;
            if (nlh->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
                err = -e->error;
                break;
            }
            if (nlh->nlmsg_type == NLMSG_DONE) {
                err = 0;
                break;
            }
            mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_reply_cb, NULL);
        }
    }
    if (!own && slot_gen(i) != s.gen)
        return;
    if (err > 0) {
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
        if (pick_slot(&w->rng, KB(K_TIMER) | KB(K_GPIO) | KB(K_DUMMY_I), &s) < 0)
            return;
        note(w, "send %s fd %d to root", kind_name[s.kind], s.fd);
        if (send_fd(pass_sock, s.fd, (unsigned char)s.kind, (unsigned char)s.index) == 0)
            count(&stats->passes);
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

    if (pick_slot(r, KB(K_ADMIN), &admin) < 0)
        return;
    if (pick_slot(r, KB(K_TIMER) | KB(K_GPIO) | KB(K_DUMMY_I), &target) < 0 || target.privileged)
        return;
    admin.fd = dup(admin.fd);
    target.fd = dup(target.fd);
    if (admin.fd >= 0 && target.fd >= 0)
        chain_mint_on(w, &admin, &target);
    if (admin.fd >= 0)
        close(admin.fd);
    if (target.fd >= 0)
        close(target.fd);
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
    m.module = target.kind == K_TIMER  ? HSX_MODULE_TIMER
               : target.kind == K_GPIO ? HSX_MODULE_GPIO
                                       : FZ_MODULE_DUMMY;
    m.rights = HSX_CAP_R_READ | (chance(r, 60) ? HSX_CAP_R_WRITE : 0) |
               (chance(r, 60) ? HSX_CAP_R_GRANT : 0) |
               (m.module == HSX_MODULE_GPIO && chance(r, 60) ? HSX_CAP_R_GPIO_IRQ : 0);
    if (m.module == FZ_MODULE_DUMMY)
        m.rights &= HSX_CAP_R_READ | HSX_CAP_R_GRANT;
    gen_sel(r, &m.sel, m.module);
    if (m.module == HSX_MODULE_TIMER && chance(r, 80))
        memset(&m.sel, 0, sizeof(m.sel)), m.sel.timer.max_timers = 1 + rn(r, 64);
    if (m.module == FZ_MODULE_DUMMY)
        memset(&m.sel, 0, sizeof(m.sel)), m.sel.raw[0] = chance(r, 70) ? 0xff : 1ULL << rn(r, 8);
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
        if (tries == 4 || pick_slot(r, KB(K_TIMER) | KB(K_GPIO) | KB(K_DUMMY_I), &from) < 0)
            return;
        memset(&q, 0, sizeof(q));
        q.module = from.kind == K_TIMER  ? HSX_MODULE_TIMER
                   : from.kind == K_GPIO ? HSX_MODULE_GPIO
                                         : FZ_MODULE_DUMMY;
        ret = ioctl(from.fd, HSX_IOC_CAP_INFO, &q);
        count_errno(ret < 0 ? errno : 0);
        if (ret == 0 && q.cap.id && q.cap.state == HSX_CAP_STATE_ACTIVE)
            break;
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
        return;
    }
    if (pick_slot(r, KB(from.kind), &to) < 0)
        return;
    d.target_fd = dup(to.fd);
    from.fd = dup(from.fd);
    if (d.target_fd < 0 || from.fd < 0) {
        if (d.target_fd >= 0)
            close(d.target_fd);
        if (from.fd >= 0)
            close(from.fd);
        return;
    }
    d.module = q.module;
    d.rights = q.cap.rights & (uint32_t)(chance(r, 80) ? rnd(r) | HSX_CAP_R_READ : ~0ULL);
    d.sel = q.cap.sel;
    if (q.module != HSX_MODULE_TIMER && chance(r, 50))
        d.sel.raw[0] &= rnd(r);
    if (chance(r, 10))
        d.sel.raw[0] = ~0ULL; /* wider: EINVAL */
    d.expiry_ns = chance(r, 50) ? 0 : q.cap.expiry_ns - rn(r, 1000000);
    ret = ioctl(from.fd, HSX_IOC_CAP_DERIVE, &d);
    e = errno;
    close(d.target_fd);
    close(from.fd);
    count_errno(ret < 0 ? e : 0);
    note(w, "chain: CAP_DERIVE(fd %d -> fd %d, rights %#x) = %d%s%s id %llu", from.fd, to.fd,
         d.rights, ret, ret < 0 ? " " : "", ret < 0 ? strerror(e) : "", (unsigned long long)d.id);
    if (ret < 0) {
        if (!is_documented(e))
            unexpected(w, "CAP_DERIVE: %s", strerror(e));
        return;
    }
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

/* Open something: a node, an instance, the administrator's file, a netlink socket. */
static void op_open(struct fz_worker *w)
{
    struct fz_rng *r = &w->rng;
    uint32_t k = rn(r, 100);

    if (k < 25)
        open_node(w, K_TIMER, 0);
    else if (k < 50)
        open_node(w, K_GPIO, 0);
    else if (k < 60)
        open_node(w, is_root && chance(r, 50) ? K_ADMIN : K_CTL, 0);
    else if (k < 75)
        open_node(w, K_DUMMY_I, rn(r, FZ_DUMMY_MAX));
    else if (k < 78)
        open_node(w, K_DUMMY, 0);
    else if (k < 88)
        open_netlink(w);
    else if (k < 90)
        open_node(w, K_OTHER, 0);
    else {
        struct fz_slot s;
        if (pick_slot(r, K_NODES, &s) >= 0) {
            int fd = dup(s.fd); /* a dup: same file, same opener */
            if (fd >= 0)
                slot_add(fd, s.kind, s.index, 0, s.privileged, s.opener);
        }
    }
}

/* One step: an op drawn from the mix. */
static void run_step(struct fz_worker *w, uint32_t k);

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void run_one(struct fz_worker *w)
{
    static const uint32_t bound[] = {520, 600, 660, 700, 760, 800, 850, 880, 910, 930, 940, 950};
    uint32_t k = rn(&w->rng, 1000), step = 0;
    uint64_t t0 = now_ns();

    w->calls++;
    run_step(w, k);
    while (step < 11 && k >= bound[step])
        step++;
    if (k >= 950)
        step = 0;
    __atomic_fetch_add(&stats->op_ns[step], now_ns() - t0, __ATOMIC_RELAXED);
    count(&stats->op_n[step]);
}

static void run_step(struct fz_worker *w, uint32_t k)
{
    struct fz_rng *r = &w->rng;
    struct fz_slot s;

    if (k < 520)
        op_table(w);
    else if (k < 600)
        op_open(w);
    else if (k < 660)
        op_queue(w);
    else if (k < 700) {
        int i = pick_slot(r, KB(K_TIMER) | KB(K_GPIO) | KB(K_CTL) | KB(K_DUMMY_I), &s);
        char name[HSX_MBOX_NAME_MAX];
        gen_name(r, name, sizeof(name));
        name[sizeof(name) - 1] = 0;
        if (i >= 0 && (s.fd = dup(s.fd)) >= 0) {
            chain_queue(w, s.fd, name);
            close(s.fd);
        }
    } else if (k < 760)
        chain_timer(w);
    else if (k < 800)
        op_netlink(w);
    else if (k < 850) {
        int i = pick_slot(r, ~0U, &s);
        if (i >= 0 && !w->child) {
            note(w, "close %s fd %d", kind_name[s.kind], s.fd);
            slot_close(i);
        } else if (i >= 0)
            close(s.fd); /* a child's copy */
    } else if (k < 880)
        op_pass(w);
    else if (k < 910) {
        if (is_root && !w->child)
            chain_mint(w);
        else
            chain_derive(w);
    } else if (k < 930) {
        if (is_root && have_dummy && !w->child)
            op_dummy(w);
    } else if (k < 940) {
        if (!w->child)
            op_fork_kill(w);
    } else if (k < 950) {
        /* SCM_RIGHTS to myself: the received copy is the same file */
        int sv[2];
        unsigned char tag, index;
        if (pick_slot(r, K_NODES | KB(K_QUEUE), &s) >= 0 &&
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
            if (send_fd(sv[0], s.fd, (unsigned char)s.kind, (unsigned char)s.index) == 0) {
                int fd = recv_fd(sv[1], &tag, &index);
                note(w, "SCM_RIGHTS to myself: fd %d -> %d", s.fd, fd);
                if (fd >= 0)
                    slot_add(fd, s.kind, s.index, s.mbox_id, s.privileged, s.opener);
            }
            close(sv[0]);
            close(sv[1]);
        }
    } else {
        op_table(w);
    }
}

/* ---- the run ----------------------------------------------------------------------------------
 */

static void *worker_main(void *arg)
{
    struct fz_worker *w = arg;

    w->guard = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w->guard == MAP_FAILED || mprotect(w->guard + 4096, 4096, PROT_NONE)) {
        harness_fail("mmap: %s", strerror(errno));
        return NULL;
    }
    while (w->calls < w->quota && time(NULL) < deadline)
        run_one(w);
    munmap(w->guard, 8192);
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

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hsx_fuzz [--seed S] [--calls N] [--threads T] [--seconds S] [--no-user] "
            "[-v]\n"
            "  --seed S     the run's seed (default 1)\n"
            "  --calls N    calls in all, shared by root's and uid %d's threads (default "
            "20000)\n"
            "  --threads T  threads per process (default 2)\n"
            "  --seconds S  stop after S seconds, whatever is left (default: no bound)\n"
            "  --no-user    no uid %d process: one process, deterministic with --threads 1\n"
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
    printf("hsx_fuzz: time by step:");
    for (e = 0; e < 12; e++)
        if (stats->op_n[e])
            printf(" %s %" PRIu64 "x %.1f ms", step_name[e], stats->op_n[e],
                   (double)stats->op_ns[e] / 1e6 / (double)stats->op_n[e]);
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},    {"calls", required_argument, NULL, 'n'},
        {"threads", required_argument, NULL, 't'}, {"seconds", required_argument, NULL, 'S'},
        {"no-user", no_argument, NULL, 'U'},       {"help", no_argument, NULL, 'h'},
        {"verbose", no_argument, NULL, 'v'},       {NULL, 0, NULL, 0}};
    struct timespec t0, t1;
    int c, sv[2], status = 0;
    uint64_t root_calls;

    while ((c = getopt_long(argc, argv, "s:n:t:S:Uhv", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            opt_seed = strtoull(optarg, NULL, 0);
            break;
        case 'n':
            opt_calls = strtoull(optarg, NULL, 0);
            break;
        case 't':
            opt_threads = (unsigned int)strtoul(optarg, NULL, 0);
            if (opt_threads < 1 || opt_threads > 64) {
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
        case 'v':
            opt_verbose++;
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
    deadline = opt_seconds ? time(NULL) + opt_seconds : (time_t)INT64_MAX;
    have_dummy = access(FZ_DUMMY_CTL "/add", F_OK) == 0;
    if (is_root && have_dummy)
        write_file(FZ_DUMMY_CTL "/add", "0"), write_file(FZ_DUMMY_CTL "/add", "1");
    if (is_root)
        sim_setup();
    genl_family = nl_resolve();
    if (genl_family < 0)
        harness_fail("the netlink family " HSX_GENL_NAME " is not registered");
    printf("hsx_fuzz: seed %" PRIu64 ", %" PRIu64 " calls, %u threads, %s; dummy module %s, "
           "gpio-sim %s\n",
           opt_seed, opt_calls, opt_threads, opt_user ? "root and uid 1000" : "one process",
           have_dummy ? "yes" : "no", have_sim ? "yes" : "no");
    fflush(stdout);
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
    if (is_root) {
        sim_teardown();
        if (have_dummy)
            dummy_teardown();
    }
    print_stats((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (stats->harness)
        return 2;
    return stats->unexpected ? 1 : 0;
}
