/* SPDX-License-Identifier: MIT */
/*
 * What the daemon's unit tests put in place of syslog and hsx.ko: a log
 * recorder, a getsockopt that can fail SO_PEERPIDFD, and a kernel that keeps
 * capabilities in a table with the contract of uapi/hsx_uapi.h (ids, EEXIST,
 * ESRCH, ENOENT, LIST order).
 */
#ifndef HSXD_TEST_FAKE_H
#define HSXD_TEST_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "holders.h"
#include "hsx_uapi.h"
#include "hsxd.h"

/* ---- log ---- */

/* Lines logged since the last fake_log_clear(). */
unsigned int fake_log_count(void);
/* How many of them contain text. */
unsigned int fake_log_matching(const char *text);
/* The last line logged ("" if none). */
const char *fake_log_last(void);
void fake_log_clear(void);
/* Lines since then at LOG_ERR or worse. */
unsigned int fake_log_errors(void);

/* ---- sockets ---- */

/*
 * If not 0, getsockopt(SO_PEERPIDFD) fails with this errno: the fake's
 * getsockopt stands in for the C library's, and passes everything else on.
 */
extern int fake_peerpidfd_errno;

/* ---- the kernel ---- */

#define FAKE_CTL 100
#define FAKE_CALLS 64
/* Room for one user's limits (holders.h) and a few more. */
#define FAKE_FILES (HOLDERS_CAPS_PER_UID + 64)
#define FAKE_CAPS (HOLDERS_CAPS_PER_UID + 64)

/* A /dev/hsx file an application opened, known by its descriptor number. */
struct fake_file {
    int fd;
    uint32_t opener_pid;
    bool alive;
    bool privileged;
    uint32_t modules; /* bit (module - HSX_MODULE_FIRST) */
};

struct fake_cap {
    struct hsx_cap_info info;
    int fd; /* the file it is attached to */
};

/*
 * A CAN bus as hsx.ko binds it, and its interface as the CAN netlink of the
 * kernel has it; can_link_request() (hsxd's rtnetlink) acts on it by index.
 */
struct fake_can_bus {
    bool bound;
    char ifname[HSX_CAN_IFNAME_MAX];
    uint32_t ifindex;
    size_t rebind_after; /* if not 0: after this many calls the bus is bound to another index */
    bool controller;     /* false: vcan, no bitrate or modes */
    bool no_tq;          /* its bit timing has no time quantum (a driver of fixed bitrates) */
    bool up;
    uint32_t bitrate, data_bitrate;
    uint32_t ctrlmode;    /* CAN_CTRLMODE_* */
    uint32_t clock_gives; /* if not 0: what any bitrate set becomes (the driver rounds) */
    int refuse_bitrate;   /* if not 0: the errno a bit timing is refused with */
    int refuse_modes;     /* ... the controller modes */
    int refuse_start;     /* ... a start (IFF_UP) */
    int refuse_starts;    /* 1: only the next start is refused, 0: every one */
    uint32_t state;       /* CAN_STATE_* (IFLA_CAN_STATE) */
    uint32_t restart_ms;  /* IFLA_CAN_RESTART_MS */
    bool no_restart;      /* its driver has no do_set_mode(): no restart, by hand or by itself */
    bool up_before_ms;    /* someone else starts the interface just before a restart-ms (once) */
    int fail_get;         /* if not 0: the errno one read (GETLINK) fails with, once: */
    unsigned int fail_get_at; /* the fail_get_at-th from now (1: the next) */
    /*
     * Requests in order: get, Stop, Change (modes, timings: one request), Up, Restart,
     * restart-Ms.
     */
    char calls[FAKE_CALLS];
};

/* An FS root as HSX_IOC_FS_MAP bound it: the directory (its device and inode) and the map. */
struct fake_fs_root {
    bool bound;
    uint64_t dev, ino;
    struct hsx_fs_map map;
};

struct fake_kernel {
    uint64_t now_ns; /* CLOCK_BOOTTIME as boottime_ns() returns it */
    struct fake_can_bus can[HSX_CAN_MAX_BUSES];
    struct fake_file file[FAKE_FILES];
    size_t nfiles;
    struct fake_cap cap[FAKE_CAPS];
    size_t ncaps;
    uint64_t next_id;
    int fail_mint;        /* if not 0, MINT fails with this (negative) errno */
    bool not_enforcing;   /* insmod hsx.ko enforce=0: no file needs a capability */
    unsigned int revokes; /* REVOKE calls */
    uint32_t link_seq;    /* the sequence number of the last rtnetlink request */
    unsigned int link_requests;
    struct fake_fs_root fs[HSX_FS_MAX_ROOTS];
    unsigned int fs_maps; /* FS_MAP calls */
    int fail_fs_map;      /* if not 0, FS_MAP fails with this (negative) errno */
};

extern struct fake_kernel fake;

/* Start afresh: no files, no capabilities, the clock at 1000 s. */
void fake_reset(void);

/*
 * A fresh kernel and log (fake_reset(), fake_log_clear()) and an hsxd of the
 * request handlers on it, under policy; fake_hsxd_free() ends it.
 */
struct hsxd *fake_hsxd_new(struct policy *policy);
void fake_hsxd_free(struct hsxd *h);

/* A rule named name, for uid alone, of lifetime_s, granting nothing yet. */
void fake_rule(struct policy_rule *rule, const char *name, uint32_t uid, uint32_t lifetime_s);

/* A client's connection to the hsxd socket at path (a real socket), or -1. */
int fake_dial(const char *path);

/* A file opened by pid serving module; returns its fd number. */
int fake_open(uint32_t pid, uint32_t module);

/* A capability as if minted earlier (for adoption); returns its id. */
uint64_t fake_add_cap(uint32_t holder_pid, uint32_t module, uint32_t rights, uint64_t sel0);

/* Bind bus to a controller's interface (up, bitrate, no modes), or to a vcan (bitrate 0). */
struct fake_can_bus *fake_can_bind(unsigned int bus, const char *ifname, uint32_t bitrate);

/*
 * The CAN rig of test_can_config.c and test_can_restart.c: a fake hsxd on policy, whose one
 * rule ("app", uid 1000) grants read and config on bus 0; bus 0 bound to can0 at 500 kbit/s.
 */
struct hsxd *fake_can_rig(struct policy *policy, struct fake_can_bus **can0);

/* A CAN file of pid's whose capability gives every right on every bus: the kernel says yes. */
int fake_can_file(uint32_t pid);

/*
 * A capability minted onto file fd (its opener the holder), for an hour: what HSX_IOC_CAP_INFO
 * then says of the file; change it in place (state, expiry, holder).
 */
struct hsx_cap_info *fake_attach_cap(int fd, uint32_t module, uint32_t rights,
                                     union hsx_cap_selector sel);

/* The live capability with that id, or NULL. */
const struct hsx_cap_info *fake_live(uint64_t id);

#endif /* HSXD_TEST_FAKE_H */
