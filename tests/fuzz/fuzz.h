/* SPDX-License-Identifier: MIT */
/*
 * hsx_fuzz's engine as a module's part sees it. hsx_fuzz.c is the engine (seeded streams,
 * shared descriptors, workers and their reports, the table of ioctls driven by field lists,
 * queue files, netlink, capabilities, processes in motion) with the core's, the timer's,
 * GPIO's and UART's tables and chains; fuzz_can.c is CAN's (module 0x11): its field kinds,
 * oracles, table, mailbox names, selectors, records, chains and test rig; fuzz_fram.c is
 * FRAM's (module 0x13): its field kinds, oracles, table, selectors, chains and simulated parts;
 * fuzz_fs.c is FS's (module 0x14): its field kinds, oracles, table, selectors, chains and the
 * roots' tmpfs with its traps.
 */
#ifndef HSX_FUZZ_H
#define HSX_FUZZ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "hsx_uapi.h"

struct nlattr;

/* ---- randomness ------------------------------------------------------------------------------ */

static inline uint64_t fz_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct fz_rng {
    uint64_t s;
};

static inline uint64_t rnd(struct fz_rng *r)
{
    r->s = fz_mix(r->s);
    return r->s;
}

static inline uint32_t rn(struct fz_rng *r, uint32_t n)
{
    return n ? (uint32_t)(rnd(r) % n) : 0;
}

/* True with probability pct/100. */
static inline bool chance(struct fz_rng *r, unsigned int pct)
{
    return rn(r, 100) < pct;
}

/* ---- shared statistics ----------------------------------------------------------------------- */

/*
 * How long a chain waits for events it is owed (a TX_DONE, a frame through a
 * bank) before it calls them missing: a liveness bound only, as the e2e
 * tests' (E2E_LIVENESS_MS). The debug kernel's guests, two of them beside the
 * other lanes in make check, once took over 5 s for a NOWAIT TX's TX_DONE.
 */
#define FZ_LIVENESS_MS 20000
#define FZ_THREADS_MAX 64 /* --threads */

#define FZ_ERRNO_MAX 160

struct fz_stats {
    uint64_t calls;
    uint64_t ok;
    uint64_t unexpected;
    uint64_t harness;
    uint64_t reported;
    uint64_t err[FZ_ERRNO_MAX];
    uint64_t kills, forks, closes, passes, mints, derives, revokes, dummies, netlink, nl_noanswer;
    uint64_t uart_writes, uart_tx, uart_rx, uart_records, uart_unbinds, uart_binds, uart_intr;
    uint64_t can_tx, can_tx_done, can_tx_failed, can_tx_timeouts, can_records, can_errors,
        can_nl_events, can_unbinds, can_binds;
    uint64_t can_links, can_gone, can_checked;
    uint64_t fram_writes, fram_bytes, fram_checked, fram_records, fram_cuts, fram_switches;
    uint64_t fram_unbinds, fram_binds, fram_drv, fram_caps;
    uint64_t fs_opens, fs_bytes, fs_exact, fs_quota, fs_traps, fs_revokes, fs_unmaps, fs_forks;
    uint64_t fs_caps, fs_binds, fs_unbinds;
    uint64_t fail_armed, fail_fired, fail_enomem; /* --fail-nth */
    /*
     * Bumped before and after every change to a CAN bus's binding or interface: an oracle of
     * exact delivery holds only while it stands still over the chain.
     */
    uint64_t can_epoch;
    uint64_t can_maps_in_flight; /* table CAN_MAPs of the processes, not of forked children */
    /*
     * A forked child's table CAN_MAPs in flight, one cell per parent worker (a worker has one
     * child at a time): the child may be killed in the call, its end never run, so the parent
     * clears the cell once it has reaped the child (can_child_reaped()).
     */
    uint64_t can_child_maps[2][FZ_THREADS_MAX];
    uint64_t prof_ns[64], prof_n[64], prof_calls[64]; /* by kind of step and chain (P_*) */
};

extern struct fz_stats *stats; /* MAP_SHARED: the uid 1000 process and children add to it */

static inline void count(uint64_t *c)
{
    __atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/*
 * This thread's calls into hsx.ko (count_errno): what --calls bounds, a worker's share of it.
 * A forked child's calls count in stats->calls, not in its parent's.
 */
extern __thread uint64_t fz_calls_mine;
/* A chain's helper thread ends with this: its calls, which fz_join() adds to the chain's. */
void *fz_thread_calls(void);
void fz_join(pthread_t th);

/*
 * The profile: wall time, steps and calls by kind of step (P_TABLE..P_CHAIN_FS, run_one) and,
 * inside the module chains, by chain (the rest), summed over the threads of both processes.
 */
enum fz_prof {
    P_TABLE,
    P_OPEN,
    P_QUEUE,
    P_CHAIN_QUEUE,
    P_CHAIN_TIMER,
    P_NETLINK,
    P_CLOSE,
    P_PASS,
    P_CAP,
    P_DUMMY,
    P_FORK_KILL,
    P_SCM_SELF,
    P_CHAIN_UART,
    P_CHAIN_CAN,
    P_CHAIN_FRAM,
    P_CHAIN_FS,
    P_STEPS, /* the chains of the modules: */
    P_UART_XFER = P_STEPS,
    P_UART_SUB,
    P_UART_CONFIG,
    P_UART_REBIND,
    P_CAN_TX,
    P_CAN_FILTER,
    P_CAN_NL,
    P_CAN_CAPS,
    P_CAN_IFACE,
    P_CAN_REBIND,
    P_FRAM_CAPS,
    P_FRAM_BOUNDS,
    P_FRAM_DATA,
    P_FRAM_RECORDS,
    P_FRAM_UNMAP,
    P_FRAM_DRIVER,
    P_FRAM_SWITCH,
    P_FRAM_REBIND,
    P_FS_CAPS,
    P_FS_QUOTA,
    P_FS_UNMAP,
    P_FS_TENANT,
    P_FS_TRAPS,
    P_FS_OUTSIDE,
    P_FS_REBIND,
    P_N
};

struct fz_mark {
    uint64_t t0, c0;
};

struct fz_mark prof_begin(void);
void prof_end(enum fz_prof kind, struct fz_mark m);
/* Run stmt, its time and calls to kind's account. */
#define PROF(kind, stmt)                                                                           \
    do {                                                                                           \
        struct fz_mark prof_m_ = prof_begin();                                                     \
        stmt;                                                                                      \
        prof_end(kind, prof_m_);                                                                   \
    } while (0)

static inline uint64_t can_epoch(void)
{
    return __atomic_load_n(&stats->can_epoch, __ATOMIC_ACQUIRE);
}

/* ---- the run --------------------------------------------------------------------------------- */

extern bool is_root; /* this process is root's (the other runs as uid 1000) */
extern pid_t user_pid;
extern bool enforcing; /* /sys/hal/caps/enforcing */
extern int genl_family;

uint64_t boottime_ns(void);
uint64_t now_ns(void);

/* ---- descriptors ----------------------------------------------------------------------------- */

enum fz_kind {
    K_NONE,
    K_CTL,     /* /dev/hsx/ctl, plain */
    K_ADMIN,   /* /dev/hsx/ctl, O_EXCL: the capability administrator */
    K_TIMER,   /* /dev/hsx/timer */
    K_GPIO,    /* /dev/hsx/gpio */
    K_DUMMY,   /* /dev/hsx/dummy, the module's own node */
    K_DUMMY_I, /* /dev/hsx/dummy<n> */
    K_UART,    /* /dev/hsx/uart, the module's own node: every port */
    K_UART_I,  /* /dev/hsx/uart<n>: port n only */
    K_CAN,     /* /dev/hsx/can: every bus */
    K_CAN_I,   /* /dev/hsx/can<n>: bus n only */
    K_FRAM,    /* /dev/hsx/fram: every device */
    K_FRAM_I,  /* /dev/hsx/fram<n>: device n only */
    K_FS,      /* /dev/hsx/fs: every root */
    K_FS_I,    /* /dev/hsx/fs<n>: root n only */
    K_QUEUE,   /* a queue file from MBOX_OPEN */
    K_NL,      /* a generic netlink socket */
    K_OTHER,   /* /dev/null: not ours */
    K_NKINDS
};

extern const char *const kind_name[K_NKINDS];

#define KB(k) (1U << (k))
#define K_UARTS (KB(K_UART) | KB(K_UART_I))
#define K_CANS (KB(K_CAN) | KB(K_CAN_I))
#define K_FRAMS (KB(K_FRAM) | KB(K_FRAM_I))
#define K_FSS (KB(K_FS) | KB(K_FS_I))
#define K_NODES                                                                                    \
    (KB(K_CTL) | KB(K_ADMIN) | KB(K_TIMER) | KB(K_GPIO) | KB(K_DUMMY) | KB(K_DUMMY_I) | K_UARTS |  \
     K_CANS | K_FRAMS | K_FSS)
/* The files a capability is minted onto or derived between: one module's each. */
#define K_HOLDERS (KB(K_TIMER) | KB(K_GPIO) | KB(K_DUMMY_I) | K_UARTS | K_CANS | K_FRAMS | K_FSS)

struct fz_slot {
    int fd;
    enum fz_kind kind;
    unsigned int gen;   /* bumped at every close: a call that saw another is not judged */
    pid_t opener;       /* the process that opened it */
    bool privileged;    /* opened by root */
    unsigned int index; /* dummy instance, UART port, CAN bus, FRAM device, FS root */
    uint32_t mbox_id;   /* queue file */
};

/* A slot of one of the kinds (any slot sometimes); its index, or -1 with none. */
int pick_slot(struct fz_rng *r, uint32_t kinds, struct fz_slot *copy);
/*
 * pick_slot(), with copy->fd a dup of the slot's descriptor made under the slot lock, so that it
 * is the file the slot describes: a number read from a copy and dup'd later may name a file
 * another thread opened after closing the slot. The caller closes copy->fd. Its index, or -1.
 */
int pick_slot_dup(struct fz_rng *r, uint32_t kinds, struct fz_slot *copy);
void slot_add(int fd, enum fz_kind kind, unsigned int index, uint32_t mbox_id, bool priv,
              pid_t opener);

/* ---- the worker and its reproducer ----------------------------------------------------------- */

#define FZ_RING 48
#define FZ_UBUF HSX_UART_XFER_MAX /* a worker's transfer buffer, then an unmapped page */
#define FZ_LINE 200

struct fz_worker {
    unsigned int index;
    struct fz_rng rng;
    uint64_t steps, quota; /* steps run (the notes' #N); its share of --calls */
    char ring[FZ_RING][FZ_LINE];
    unsigned int ring_n;
    unsigned char *guard; /* a page followed by an unmapped one */
    unsigned char *ubuf;  /* FZ_UBUF bytes followed by an unmapped page */
    timer_t wd;           /* signals this thread: interrupts a call that waits */
    struct fz_rng wd_rng; /* the watchdog's own: how many calls wait depends on timing */
    bool wd_ok;
    bool child; /* a forked child about to be killed: no reports */
};

void note(struct fz_worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An unexpected result: the seed, where, and the calls that led to it. */
void unexpected(struct fz_worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void harness_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The thread's watchdog around a call that may wait (see hsx_fuzz.c). */
void wd_arm(struct fz_worker *w);
void wd_disarm(struct fz_worker *w);
bool is_documented(int e);
void count_errno(int e);

/* ---- argument fields ------------------------------------------------------------------------- */

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
    F_QFD,      /* a queue file's descriptor of this process, or -1 */
    F_CAPID,    /* a capability id */
    F_PID,      /* a pid */
    F_MBOXNAME, /* char[64] */
    F_QLEN,     /* 0..HSX_MBOX_QUEUE_MAX; above must be refused */
    F_LABEL,    /* char[32], a chip label */
    F_U32,
    F_UPORT,   /* a UART port, 0..17: 0 and 1 are bound, 16 and 17 out of range */
    F_ULEN,    /* a UART transfer's length; aux: FZ_ULEN_WRITE or _READ */
    F_UBUF,    /* a UART transfer's user buffer (u64) */
    F_UVAL,    /* a UART value from the table uvals[aux] */
    F_TTYNAME, /* char[32], a tty name for HSX_IOC_UART_MAP */
    /* CAN's, generated by can_gen_field() (fuzz_can.c) */
    F_CAN_FIRST,
    F_CBUS = F_CAN_FIRST, /* a CAN bus, 0..17: the rig's are bound, 16 and 17 out of range */
    F_CVAL,               /* a CAN value from the table can_vals[aux] */
    F_CID,    /* a frame's ID; aux: 1 + the offset of its flags byte, generated before */
    F_CLEN,   /* a frame's length; aux as F_CID */
    F_CDATA,  /* a frame's payload */
    F_CFID,   /* a filter bank's id or mask; aux: 1 + the offset of its flags, generated before */
    F_IFNAME, /* char[16], an interface name for HSX_IOC_CAN_MAP */
    /* FRAM's, generated by fram_gen_field() (fuzz_fram.c) */
    F_FRAM_FIRST,
    F_FDEV = F_FRAM_FIRST, /* a FRAM device, 0..9: the rig's are bound, 8 and 9 out of range */
    F_FADDR,               /* an address: within every part, near a part's end, past them */
    F_FLEN,  /* a READ's or WRITE's length; aux: 1 + the offset of its address, before */
    F_FBUF,  /* a user buffer (u64); aux: FZ_FB_IN (the kernel reads it) or FZ_FB_OUT */
    F_FVAL,  /* a record's or MAP's value from the table fram_vals[aux] */
    F_FRLEN, /* a record's length or room; aux: 1 + the offset of its slot size, before */
    F_FNAME, /* char[32], an nvmem device's name for HSX_IOC_FRAM_MAP */
    /* FS's, generated by fs_gen_field() (fuzz_fs.c) */
    F_FS_FIRST,
    F_FSROOT = F_FS_FIRST, /* a root: the rig's 0-2, unbound ones, past 31 */
    F_FSPATH,              /* struct hsx_fs_path; aux: FZ_FSP_* */
    F_FSHANDLE,            /* a handle; aux 1: -1 (a path) is valid too */
    F_FSOFLAGS,            /* OPEN's flags */
    F_FSIOFLAGS,           /* READ's and WRITE's flags */
    F_FSOFF,               /* READ's and WRITE's offset */
    F_FSLEN,               /* a transfer's length: READ, WRITE, REPLACE */
    F_FSBUF,               /* a user buffer (u64); aux: FZ_FB_IN (the kernel reads it) or OUT */
    F_FSVAL,               /* a value from the FS table's kinds (fuzz_fs.c's enum fs_val) */
    F_FSDIRFD,             /* MAP's directory: a scratch directory's, a bound one's, a file's */
};

/* Valid values, and values the ABI refuses or edges, of one field. */
struct fz_vals {
    uint32_t ok[8], bad[8];
    uint8_t n_ok, n_bad;
    uint32_t lo, hi; /* valid: a value drawn from lo..hi a third of the time, when hi */
};

#define UV(...)                                                                                    \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }

uint64_t gen_val(struct fz_rng *r, const struct fz_vals *u, bool corrupt);

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
    int arg_slot_i; /* a slot whose number is in the argument (F_QFD), -1: none */
    unsigned int arg_slot_gen;
    unsigned char *buf;
    unsigned long cmd;
    bool must_fail; /* the argument is one the ABI refuses */
    bool raw_arg;   /* _IO: the argument is a number */
    uint64_t room;  /* F_UBUF: bytes that may be accessed at the buffer */
    long ret;
    int err;
    bool injected; /* an allocation of the call was made to fail (--fail-nth) */
    /* Set by a pre hook that took a lock the call must hold: released once the call returns. */
    pthread_rwlock_t *held;
    /* Set by a pre hook: run once the call returns, whatever came of it (judge() may not post). */
    void (*end)(struct fz_call *c);
};

/* What an op may return on success, and what it records. */
typedef void (*fz_post_fn)(struct fz_call *c);
/* Run once every field is generated: the argument as a whole, against the ABI's rules. */
typedef void (*fz_pre_fn)(struct fz_call *c);

struct fz_op {
    const char *name;
    unsigned long cmd;
    uint32_t kinds; /* the nodes it belongs on */
    bool needs_cap; /* a HAL module's function: refused on a file the caller did not open */
    long ret_max;   /* largest return value on success */
    const struct fz_field *fields;
    unsigned int n_fields;
    fz_post_fn post;
    fz_pre_fn pre;
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

/* A module's numbered units (UART ports, CAN buses) and the rig's, which are bound. */
struct fz_units {
    uint32_t max;      /* units 0..max-1 exist */
    uint32_t homes;    /* 0..homes-1 are the rig's */
    enum fz_kind inst; /* the instance node's kind */
};

/* A unit for a call: the instance's own, a rig's, another, out of range. */
uint64_t gen_unit(struct fz_call *c, const struct fz_units *u, bool corrupt);
/* Out of range, or another unit than the instance node's own. */
bool unit_bad(const struct fz_call *c, uint32_t unit, const struct fz_units *u);

/* ---- pieces of chains ------------------------------------------------------------------------ */

/* A thread that keeps using a unit while a chain takes it away. */
struct fz_loader {
    struct fz_worker w;
    int fd_mod, fd_inst; /* the module's node, the unit's instance node (or -1) */
    unsigned int unit;
    const char *inst_name; /* the instance node's prefix ("uart"), for reports */
    /* One call on fd; its errno. *what names it, or is NULL for a call of the core. */
    int (*step)(struct fz_loader *L, int fd, const char **what);
    void *priv;
    int stop;
};

/* Until stopped (and 6 calls more) or 400 calls: an instance's file once gone stays gone. */
void *loader_main(void *arg);
/* A loader with copies of the two files (either may be -1); loader_free() closes them. */
struct fz_loader *loader_new(struct fz_worker *w, struct fz_rng *r, unsigned int index, int fd_mod,
                             int fd_inst, unsigned int unit, const char *inst_name,
                             int (*step)(struct fz_loader *L, int fd, const char **what));
void loader_free(struct fz_loader *L);

/* One call of a chain: bounded by the watchdog when it waits, counted, its errno judged. */
int chain_call(struct fz_worker *w, int fd, unsigned long cmd, void *arg, const char *what,
               const char *unit_name, unsigned int unit);

/* A module's bindings of units to names (ttys, interfaces), for rebind_unit(). */
struct fz_binder {
    unsigned int max; /* units 0..max-1 */
    /* Is unit bound? Its name, then. */
    bool (*bound)(struct fz_worker *w, int ctl, unsigned int unit, char *name, size_t len);
    int (*map)(struct fz_worker *w, int ctl, unsigned int unit, const char *name); /* an errno */
};

/* Root: unit back on home, whoever unbound it or bound another unit to home. */
void rebind_unit(struct fz_worker *w, int ctl, const struct fz_binder *b, unsigned int unit,
                 const char *home);

/* Read a queue file to its end: every record, the close notice (GONE), end of file, in 2 s. */
uint32_t drain_queue(struct fz_worker *w, int q, const char *name);
/* Parse what a read of a queue file returned; *closed: the close notice's reason. */
void check_records(struct fz_worker *w, const unsigned char *buf, ssize_t n, uint32_t *closed);

/* One event of a netlink subscription, as hsx_fuzz.c parses it. */
struct fz_nl_event {
    uint32_t mbox_id;
    uint16_t type;
    uint32_t close_reason;
    uint64_t dropped_total;
    const struct nlattr *can; /* the CAN nest, or NULL */
};

/* Subscribe socket fd to name with auth_fd (or -1); 0 with *id, or an errno. */
int nl_mbox_open(struct fz_worker *w, int fd, const char *name, int auth_fd, uint32_t *id);
/* The events that came within ms (each checked for shape): calls fn for each; how many. */
int nl_events(struct fz_worker *w, int fd, int ms,
              void (*fn)(void *arg, const struct fz_nl_event *), void *arg);

/* ---- CAN (fuzz_can.c) ------------------------------------------------------------------------ */

extern bool have_can;
extern struct fz_units can_units;
extern const struct fz_module can_module;

void can_gen_field(struct fz_call *c, const struct fz_field *f, bool corrupt);
void gen_can_name(struct fz_rng *r, char *name, size_t len);
void can_gen_sel(struct fz_rng *r, union hsx_cap_selector *sel);
bool can_sel_bad(uint32_t rights, const union hsx_cap_selector *sel);
bool can_sel_within(const union hsx_cap_selector *inner, const union hsx_cap_selector *outer);
/* A selector to mint onto target: its own bus, the rig's, with ranges that make sense. */
void can_mint_sel(struct fz_rng *r, union hsx_cap_selector *sel, const struct fz_slot *target);
/* Narrow a holder's selector for a derive, or now and then widen or break it. */
void can_derive_sel(struct fz_rng *r, union hsx_cap_selector *sel);
void can_check_record(struct fz_worker *w, const struct hsx_mbox_record *rec,
                      const unsigned char *payload);
void can_check_nl(struct fz_worker *w, const struct nlattr *nest);
bool can_waits(unsigned long cmd);
/* After the run: what only the whole run's counts show (an echo path that never matched). */
void can_run_check(void);
/* A forked child of worker w was reaped: a CAN_MAP of its cut short ends here. */
void can_child_reaped(struct fz_worker *w);
void chain_can(struct fz_worker *w);
bool can_setup(void);
void can_teardown(void);
void can_print_stats(void);

/* ---- FRAM (fuzz_fram.c) ---------------------------------------------------------------------- */

extern bool have_fram;
extern struct fz_units fram_units;
extern const struct fz_module fram_module;

void fram_gen_field(struct fz_call *c, const struct fz_field *f, bool corrupt);
void fram_gen_sel(struct fz_rng *r, union hsx_cap_selector *sel);
bool fram_sel_bad(uint32_t rights, const union hsx_cap_selector *sel);
bool fram_sel_within(const union hsx_cap_selector *inner, const union hsx_cap_selector *outer);
/* A selector to mint onto target: its own device, the rig's, with ranges that make sense. */
void fram_mint_sel(struct fz_rng *r, union hsx_cap_selector *sel, const struct fz_slot *target);
/* Narrow a holder's selector for a derive, or now and then widen or break it. */
void fram_derive_sel(struct fz_rng *r, union hsx_cap_selector *sel);
/* A failed call's errno: one the ABI documents for the function (FRAM's own rules). */
bool fram_errno_ok(const struct fz_call *c);
void chain_fram(struct fz_worker *w);
bool fram_setup(void);
void fram_teardown(void);
void fram_print_stats(void);

/* ---- FS (fuzz_fs.c) -------------------------------------------------------------------------- */

extern bool have_fs;
extern const struct fz_module fs_module;

void fs_gen_field(struct fz_call *c, const struct fz_field *f, bool corrupt);
void fs_gen_sel(struct fz_rng *r, union hsx_cap_selector *sel);
bool fs_sel_bad(uint32_t rights, const union hsx_cap_selector *sel);
bool fs_sel_within(const union hsx_cap_selector *inner, const union hsx_cap_selector *outer);
/* A selector to mint onto target: its own root, the rig's. */
void fs_mint_sel(struct fz_rng *r, union hsx_cap_selector *sel, const struct fz_slot *target);
/* Narrow a holder's selector for a derive, or now and then widen or break it. */
void fs_derive_sel(struct fz_rng *r, union hsx_cap_selector *sel);
/* A failed call's errno: one the ABI documents for the function (FS's, then FRAM's rules). */
bool fs_errno_ok(const struct fz_call *c);
void chain_fs(struct fz_worker *w);
bool fs_setup(void);
void fs_teardown(void);
void fs_print_stats(void);

/* ---- allocation failures (fuzz_fail.c) ------------------------------------------------------- */

/* Root, at start: PCT of the table's calls with an allocation failing (0: none). */
bool fail_setup(unsigned int pct);
/* Whether allocations are made to fail in this run (an echo's allocation among them). */
bool fail_injecting(void);
void fail_teardown(void);
/* In a worker: its thread's /proc/thread-self/fail-nth, opened and closed. */
void fail_thread_begin(void);
void fail_thread_end(void);
/* Just before a call: maybe arm a failure; just after (if armed): did it fire? */
bool fail_arm(struct fz_worker *w);
bool fail_disarm(void);

/* ---- coverage (fuzz_kcov.c) ------------------------------------------------------------------ */

extern bool kcov_on;

/* Root, before the uid 1000 process forks: a KCOV trace for each of @threads threads. */
bool kcov_setup(unsigned int threads);
/* In a worker: trace this thread's calls on descriptor @index; fold them; stop. */
void kcov_thread_begin(unsigned int index);
void kcov_fold(void);
void kcov_thread_end(unsigned int index);
/* In a forked child: the parent's trace is not its own. */
void kcov_forked(void);
/* Root, at the end: every program counter reached, for tests/fuzz/kcov-report. */
void kcov_report(void);

#endif /* HSX_FUZZ_H */
