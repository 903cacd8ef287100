/* SPDX-License-Identifier: MIT */
/*
 * hsxd's state, shared by the request handlers (ops.c), the bookkeeping of
 * live capabilities (lifecycle.c) and the event loop (server.c, main.c).
 */
#ifndef HSXD_H
#define HSXD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decide.h"
#include "holders.h"
#include "peer.h"
#include "policy.h"
#include "ratelimit.h"

/* Runtime grants (hsxctl cap grant) held at once. */
#define GRANTS_MAX 64

/* CAN buses (HSX_CAN_MAX_BUSES) and the least time between two changes of one. */
#define HSXD_CAN_BUSES 16
#define HSXD_CAN_CHANGE_INTERVAL_NS 1000000000ull
/* How long a failed CAN_CONFIG or CAN_RESTART_MS is answered again without touching the bus. */
#define HSXD_CAN_FAILED_HOLD_NS 10000000000ull

/*
 * A bus's last change that went to the kernel, its last restart, and the last change that
 * failed. An administrator's requests pass all three; they still count as changes.
 */
struct hsxd_can_guard {
    uint64_t changed_ns; /* 0: never */
    /*
     * The client (pid) whose CAN_CONFIG was that last change: its CAN_RESTART_MS may follow
     * at once (hsxctl can config --restart-ms asks for both); 0: none.
     */
    uint32_t config_pid;
    uint64_t restart_ns;    /* the last restart asked of the kernel, taken or refused; 0: never */
    uint64_t failed_ns;     /* 0: none */
    uint32_t failed_op;     /* HSXD_OP_CAN_CONFIG or HSXD_OP_CAN_RESTART_MS */
    uint32_t failed_req[8]; /* struct hsx_can_config or hsxd_can_restart, as asked */
    int failed_status;
    char failed_text[160];
};

struct hsxd {
    int ctl; /* /dev/hsx/ctl, opened O_EXCL */
    const char *policy_path;
    struct policy *policy;
    struct policy_rule grants[GRANTS_MAX];
    size_t ngrants;
    unsigned int grants_made; /* names runtime grants: "grant N" */
    struct holders holders;
    struct ratelimit denials;
    struct hsxd_can_guard can_guard[HSXD_CAN_BUSES];
    /*
     * Tests only (HSXD_TEST_REVOKE_IN_CAN_CONFIG=1 in the environment of an
     * hsxd built with HSXD_TEST_HOOKS, main.c; the unit tests set it): a
     * CAN_CONFIG's client has its capabilities revoked right after the change
     * took, as a revocation racing the change would: what the re-check must see.
     */
    bool test_revoke_in_can_config;
    /* Set by the event loop: start (on) or stop watching a holder's pidfd. */
    void (*watch)(struct hsxd *h, struct holder *holder, bool on);
};

/* "pid 123 uid 1000 exe /usr/bin/app", the program escaped as describe_exe does. */
#define WHO_TEXT_MAX (PEER_EXE_MAX + 64)
char *describe_who(char *buf, size_t size, const struct identity *who);

/* A program's path for the log: the client named it, so escaped (capspec_escape); "?" if "". */
char *describe_exe(char *buf, size_t size, const char *exe);

/*
 * snprintf for text that may be cut short on purpose: replies and log lines
 * are bounded, and a long path is better truncated than the message lost.
 */
static inline __attribute__((format(printf, 3, 4))) void textf(char *buf, size_t size,
                                                               const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

#endif /* HSXD_H */
