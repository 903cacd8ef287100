/* SPDX-License-Identifier: MIT */
/*
 * Shared by the unit tests: crafting "hsx" netlink messages with libmnl, as
 * hsx.ko would send them, and feeding them to a mailbox handle through a
 * socket pair instead of the kernel.
 */
#ifndef HSX_TEST_HELPERS_H
#define HSX_TEST_HELPERS_H

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hsx_mailbox.h"
#include "hsx_uapi.h"
#include "mailbox.h"

#define TEST_FAMILY 0x1234
#define OMIT(attr) (1u << (attr))

/* One event as the kernel would post it; omit leaves attributes out (OMIT(HSX_A_...)). */
struct test_event {
    uint32_t mailbox_id;
    uint16_t type;
    uint64_t seq;
    uint64_t timestamp_ns;
    uint32_t dropped;
    uint64_t dropped_total;
    bool timer;
    uint32_t timer_id;
    uint64_t tick_us;
    uint32_t overruns;
    uint64_t expirations;
    uint32_t close_reason; /* put when non-zero */
    uint32_t omit;
};

static inline struct nlmsghdr *test_put_genl(void *buf, uint16_t type, uint8_t cmd)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
    genl->cmd = cmd;
    genl->version = HSX_GENL_VERSION;
    return nlh;
}

/* Builds the event into buf (at least HSX_NL_BUFSIZE bytes); returns its length. */
static inline size_t test_put_event(void *buf, const struct test_event *ev)
{
    struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY, HSX_CMD_MBOX_EVENT);

    if (!(ev->omit & OMIT(HSX_A_MBOX_ID)))
        mnl_attr_put_u32(nlh, HSX_A_MBOX_ID, ev->mailbox_id);
    if (!(ev->omit & OMIT(HSX_A_EVT_TYPE)))
        mnl_attr_put_u16(nlh, HSX_A_EVT_TYPE, ev->type ? ev->type : HSX_EVT_DATA);
    if (!(ev->omit & OMIT(HSX_A_EVT_SEQ)))
        mnl_attr_put_u64(nlh, HSX_A_EVT_SEQ, ev->seq);
    if (!(ev->omit & OMIT(HSX_A_EVT_TIMESTAMP_NS)))
        mnl_attr_put_u64(nlh, HSX_A_EVT_TIMESTAMP_NS, ev->timestamp_ns);
    if (!(ev->omit & OMIT(HSX_A_EVT_DROPPED)))
        mnl_attr_put_u32(nlh, HSX_A_EVT_DROPPED, ev->dropped);
    if (!(ev->omit & OMIT(HSX_A_EVT_DROPPED_TOTAL)))
        mnl_attr_put_u64(nlh, HSX_A_EVT_DROPPED_TOTAL, ev->dropped_total);
    if (ev->timer) {
        struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_EVT_TIMER);
        mnl_attr_put_u32(nlh, HSX_TIMER_A_ID, ev->timer_id);
        mnl_attr_put_u64(nlh, HSX_TIMER_A_TICK_US, ev->tick_us);
        mnl_attr_put_u32(nlh, HSX_TIMER_A_OVERRUNS, ev->overruns);
        mnl_attr_put_u64(nlh, HSX_TIMER_A_EXPIRATIONS, ev->expirations);
        mnl_attr_nest_end(nlh, nest);
    }
    if (ev->close_reason)
        mnl_attr_put_u32(nlh, HSX_A_EVT_CLOSE_REASON, ev->close_reason);
    return nlh->nlmsg_len;
}

/* A timer expiry event for mailbox_id with sequence number seq. */
static inline struct test_event test_expiry(uint32_t mailbox_id, uint64_t seq)
{
    return (struct test_event){
        .mailbox_id = mailbox_id,
        .type = HSX_EVT_DATA,
        .seq = seq,
        .timestamp_ns = 1000000000ULL * seq,
        .timer = true,
        .timer_id = mailbox_id,
        .tick_us = 1000000ULL * seq,
        .expirations = seq,
    };
}

static inline bool test_send_event(int peer, const struct test_event *ev)
{
    unsigned char buf[8192];
    size_t len = test_put_event(buf, ev);
    return send(peer, buf, len, 0) == (ssize_t)len;
}

static inline bool test_send_bytes(int peer, const void *buf, size_t len)
{
    return send(peer, buf, len, 0) == (ssize_t)len;
}

/* A mailbox handle over one end of a SOCK_SEQPACKET pair; *peer is the "kernel" end. */
static inline int test_mailbox(uint32_t id, const char *name, hsx_mailbox_t **mb, int *peer)
{
    int fds[2];

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return -1;
    if (hsx_mailbox_from_fd(fds[0], id, name, mb) != HSX_HAL_OK) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    *peer = fds[1];
    return 0;
}

static inline uint64_t test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void test_sleep_ms(unsigned int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0)
        ;
}

#endif /* HSX_TEST_HELPERS_H */
