/* SPDX-License-Identifier: MIT */
/*
 * Shared by the unit tests: crafting "hsx" netlink messages with libmnl, and
 * queue-file records, as hsx.ko would send them, and feeding them to a
 * mailbox handle through a socket pair instead of the kernel.
 */
#ifndef HSX_TEST_HELPERS_H
#define HSX_TEST_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/filter.h>
#include <linux/genetlink.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/access.h"
#include "core/mailbox.h"
#include "hsx_mailbox.h"
#include "hsx_uapi.h"

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
    bool gpio;
    uint32_t pin;
    uint32_t edge;
    uint32_t value;
    uint64_t edge_ns;
    uint64_t line_seq;
    bool cap;
    uint64_t cap_id;
    uint32_t cap_module;
    uint64_t cap_object;
    uint32_t cap_reason;
    uint32_t cap_holder;
    uint32_t cap_omit; /* OMIT(HSX_CAP_A_...) inside the nest */
    bool can;
    struct hsx_can_record can_rec; /* the record; the nest says the same (ID: error for ERROR) */
    uint32_t can_data_len;         /* bytes of frame.data in the nest's HSX_CAN_A_DATA */
    uint32_t can_omit;             /* OMIT(HSX_CAN_A_...) inside the nest */
    uint32_t close_reason;         /* put when non-zero */
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

/* The CAN nest of r: every attribute not in omit (OMIT(HSX_CAN_A_...)), data_len bytes of data. */
static inline void test_put_can_nest(struct nlmsghdr *nlh, const struct hsx_can_record *r,
                                     uint32_t data_len, uint32_t omit)
{
    struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_EVT_CAN);
    const struct {
        uint16_t type;
        uint32_t value;
    } u32s[] = {
        {HSX_CAN_A_BUS, r->bus},
        {HSX_CAN_A_KIND, r->kind},
        {HSX_CAN_A_ID, r->kind == HSX_CAN_EV_ERROR ? r->error : r->frame.can_id},
        {HSX_CAN_A_FLAGS, r->frame.flags},
        {HSX_CAN_A_LEN, r->frame.len},
        {HSX_CAN_A_STATE, r->state},
        {HSX_CAN_A_TX_ERRORS, r->tx_errors},
        {HSX_CAN_A_RX_ERRORS, r->rx_errors},
    };

    for (size_t i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++) {
        if (!(omit & OMIT(u32s[i].type)))
            mnl_attr_put_u32(nlh, u32s[i].type, u32s[i].value);
    }
    if (!(omit & OMIT(HSX_CAN_A_DATA)))
        mnl_attr_put(nlh, HSX_CAN_A_DATA, data_len, r->frame.data);
    if (!(omit & OMIT(HSX_CAN_A_COOKIE)))
        mnl_attr_put_u64(nlh, HSX_CAN_A_COOKIE, r->cookie);
    /* The reason: what error is of a record not an error frame's (the kernel's zero: none). */
    if (r->kind != HSX_CAN_EV_ERROR && !(omit & OMIT(HSX_CAN_A_REASON)))
        mnl_attr_put_u32(nlh, HSX_CAN_A_REASON, r->error);
    mnl_attr_nest_end(nlh, nest);
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
    if (ev->gpio) {
        struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_EVT_GPIO);
        mnl_attr_put_u32(nlh, HSX_GPIO_A_PIN, ev->pin);
        mnl_attr_put_u32(nlh, HSX_GPIO_A_EDGE, ev->edge);
        mnl_attr_put_u32(nlh, HSX_GPIO_A_VALUE, ev->value);
        mnl_attr_put_u64(nlh, HSX_GPIO_A_TIMESTAMP_NS, ev->edge_ns);
        mnl_attr_put_u64(nlh, HSX_GPIO_A_LINE_SEQ, ev->line_seq);
        mnl_attr_nest_end(nlh, nest);
    }
    if (ev->cap) {
        struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_EVT_CAP);
        if (!(ev->cap_omit & OMIT(HSX_CAP_A_ID)))
            mnl_attr_put_u64(nlh, HSX_CAP_A_ID, ev->cap_id);
        if (!(ev->cap_omit & OMIT(HSX_CAP_A_MODULE)))
            mnl_attr_put_u32(nlh, HSX_CAP_A_MODULE, ev->cap_module);
        if (!(ev->cap_omit & OMIT(HSX_CAP_A_OBJECT)))
            mnl_attr_put_u64(nlh, HSX_CAP_A_OBJECT, ev->cap_object);
        if (!(ev->cap_omit & OMIT(HSX_CAP_A_REASON)))
            mnl_attr_put_u32(nlh, HSX_CAP_A_REASON, ev->cap_reason);
        if (!(ev->cap_omit & OMIT(HSX_CAP_A_HOLDER_PID)))
            mnl_attr_put_u32(nlh, HSX_CAP_A_HOLDER_PID, ev->cap_holder);
        mnl_attr_nest_end(nlh, nest);
    }
    if (ev->can)
        test_put_can_nest(nlh, &ev->can_rec, ev->can_data_len, ev->can_omit);
    if (ev->close_reason)
        mnl_attr_put_u32(nlh, HSX_A_EVT_CLOSE_REASON, ev->close_reason);
    return nlh->nlmsg_len;
}

/* The record size of a queue file of module's mailboxes, as hsx.ko makes it. */
static inline uint32_t test_record_size(uint16_t module)
{
    size_t payload = module == HSX_MODULE_GPIO    ? sizeof(struct hsx_gpio_record)
                     : module == HSX_MODULE_TIMER ? sizeof(struct hsx_timer_record)
                     : module == HSX_MODULE_CAN   ? sizeof(struct hsx_can_record)
                                                  : sizeof(struct hsx_cap_record);
    return (uint32_t)(sizeof(struct hsx_mbox_record) + payload);
}

/*
 * Builds the event as a queue file's record of record_size bytes into buf (at
 * least HSX_MBOX_RECORD_MAX bytes); returns record_size. omit and cap_omit
 * do not apply: a record has every field.
 */
static inline size_t test_put_record(void *buf, const struct test_event *ev, uint32_t record_size)
{
    struct hsx_mbox_record hdr = {
        .size = record_size,
        .type = ev->type ? ev->type : HSX_EVT_DATA,
        .mbox_id = ev->mailbox_id,
        .dropped = ev->dropped,
        .seq = ev->seq,
        .timestamp_ns = ev->timestamp_ns,
        .dropped_total = ev->dropped_total,
        .close_reason = ev->close_reason,
    };
    unsigned char *payload = (unsigned char *)buf + sizeof(hdr);

    memset(buf, 0, record_size);
    if (ev->timer) {
        struct hsx_timer_record r = {.id = ev->timer_id,
                                     .overruns = ev->overruns,
                                     .tick_us = ev->tick_us,
                                     .expirations = ev->expirations};
        hdr.module = HSX_MODULE_TIMER;
        memcpy(payload, &r, sizeof(r));
    } else if (ev->gpio) {
        struct hsx_gpio_record r = {.pin = ev->pin,
                                    .edge = ev->edge,
                                    .value = ev->value,
                                    .timestamp_ns = ev->edge_ns,
                                    .line_seq = ev->line_seq};
        hdr.module = HSX_MODULE_GPIO;
        memcpy(payload, &r, sizeof(r));
    } else if (ev->cap) {
        struct hsx_cap_record r = {.id = ev->cap_id,
                                   .object = ev->cap_object,
                                   .module = ev->cap_module,
                                   .reason = ev->cap_reason,
                                   .holder_pid = ev->cap_holder};
        hdr.module = HSX_MODULE_CORE;
        memcpy(payload, &r, sizeof(r));
    } else if (ev->can) {
        hdr.module = HSX_MODULE_CAN;
        memcpy(payload, &ev->can_rec, sizeof(ev->can_rec));
    }
    memcpy(buf, &hdr, sizeof(hdr));
    return record_size;
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

/* An edge of pin posted to mailbox_id with sequence number seq (also its line_seq). */
static inline struct test_event test_edge(uint32_t mailbox_id, uint64_t seq, uint32_t pin,
                                          uint32_t edge, uint32_t value)
{
    return (struct test_event){
        .mailbox_id = mailbox_id,
        .type = HSX_EVT_DATA,
        .seq = seq,
        .timestamp_ns = 1000000000ULL * seq + 500,
        .gpio = true,
        .pin = pin,
        .edge = edge,
        .value = value,
        .edge_ns = 1000000000ULL * seq,
        .line_seq = seq,
    };
}

/* The end of capability cap_id (of module, covering object), as posted to "hal:cap:<id>". */
static inline struct test_event test_cap_end(uint32_t mailbox_id, uint64_t seq, uint64_t cap_id,
                                             uint32_t module, uint64_t object, uint32_t reason)
{
    return (struct test_event){
        .mailbox_id = mailbox_id,
        .type = HSX_EVT_DATA,
        .seq = seq,
        .timestamp_ns = 1000000000ULL * seq,
        .cap = true,
        .cap_id = cap_id,
        .cap_module = module,
        .cap_object = object,
        .cap_reason = reason,
        .cap_holder = 4242,
    };
}

/* The final event of a mailbox or subscription, closed for reason. */
static inline struct test_event test_closed(uint32_t mailbox_id, uint64_t seq, uint32_t reason)
{
    return (struct test_event){
        .mailbox_id = mailbox_id,
        .type = HSX_EVT_CLOSED,
        .seq = seq,
        .timestamp_ns = 1000000000ULL * seq,
        .close_reason = reason,
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

static inline bool test_send_record(int peer, const struct test_event *ev, uint32_t record_size)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    size_t len = test_put_record(buf, ev, record_size);
    return send(peer, buf, len, 0) == (ssize_t)len;
}

/*
 * A queue-file mailbox handle over one end of a SOCK_SEQPACKET pair, made
 * non-blocking as the library makes queue files; *peer is the "kernel" end,
 * which sends one record per packet.
 */
static inline int test_queue_mailbox(uint32_t id, const char *name, uint32_t record_size,
                                     hsx_mailbox_t **mb, int *peer)
{
    int fds[2];

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return -1;
    if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0 ||
        hsx_mailbox_from_queue_fd(fds[0], id, record_size, name, mb) != HSX_HAL_OK) {
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

/* ---- fake kernels ---------------------------------------------------------------- */

/* Append op to a fake kernel's log of what it was asked: a string in a zeroed array. */
static inline void test_log(char *log, size_t size, char op)
{
    size_t len = strlen(log);
    if (len + 1 < size)
        log[len] = op;
}

/* What an ioctl hook returns for err (0, or the errno to fail with), as ioctl(2) would. */
static inline int test_ioctl_result(int err)
{
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

/*
 * HSX_IOC_CAP_INFO as hsx.ko answers a file opened by root: privileged, so no
 * capability is asked for. Fake kernels whose tests are not about
 * capabilities answer it with this.
 */
static inline int test_privileged_cap_info(void *arg)
{
    struct hsx_cap_query *q = arg;
    q->privileged = 1;
    q->enforcing = 1;
    memset(&q->cap, 0, sizeof(q->cap));
    return 0;
}

/* Close the open descriptors (>= 0) of fds and mark them closed (-1). */
static inline void test_close_fds(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        fds[i] = -1;
    }
}

/* The library talks to a fake kernel: ioctls go to ioctl_hook, subscriptions to opener. */
static inline void test_use_fake_kernel(hsx_dev_ioctl_hook_t ioctl_hook,
                                        hsx_mailbox_opener_t opener)
{
    hsx_dev_set_ioctl_hook(ioctl_hook);
    hsx_mailbox_set_opener(opener);
}

/* Back to the real kernel and /dev; the fake's ends of its mailboxes (peers) are closed. */
static inline void test_use_real_kernel(int *peers, size_t npeers)
{
    test_close_fds(peers, npeers);
    hsx_dev_set_ioctl_hook(NULL);
    hsx_mailbox_set_opener(NULL);
    hsx_dev_set_root(NULL);
}

/*
 * For a thread: after delay_ms, send event to peer as a netlink message, or as
 * a queue-file record of record_size bytes when that is not 0.
 */
struct test_delayed_send {
    int peer;
    unsigned int delay_ms;
    struct test_event event;
    uint32_t record_size;
};

static inline void *test_send_later(void *arg)
{
    struct test_delayed_send *ds = arg;

    test_sleep_ms(ds->delay_ms);
    if (ds->record_size)
        test_send_record(ds->peer, &ds->event, ds->record_size);
    else
        test_send_event(ds->peer, &ds->event);
    return NULL;
}

/* A counter that callbacks raise, read under lock: once it is at least at_least, or at timeout_ms.
 */
static inline int test_count_within(pthread_mutex_t *lock, const int *count, int at_least,
                                    unsigned int timeout_ms)
{
    uint64_t deadline = test_now_ms() + timeout_ms;
    int seen;

    for (;;) {
        pthread_mutex_lock(lock);
        seen = *count;
        pthread_mutex_unlock(lock);
        if (seen >= at_least || test_now_ms() >= deadline)
            return seen;
        test_sleep_ms(2);
    }
}

/* ---- system calls a child must not make ----------------------------------------- */

/*
 * One rule of test_seccomp(): system call nr whose argument arg (its low 32
 * bits) is value gets action (SECCOMP_RET_KILL_PROCESS, or
 * SECCOMP_RET_ERRNO | err to fail it with err).
 */
struct test_syscall_rule {
    int nr;
    unsigned int arg;
    uint32_t value;
    uint32_t action;
};

/*
 * In a forked child: apply rules for the rest of its life (everything else
 * is allowed). Returns 0, or -1 if seccomp is not available.
 */
static inline int test_seccomp(const struct test_syscall_rule *rules, size_t n)
{
    /* The native system call numbers only: the child makes no others. */
    struct sock_filter filter[1 + 5 * 8];
    size_t len = 0;

    if (n > 8)
        return -1;
    for (size_t i = 0; i < n; i++) {
        /* Each rule: load nr; not this call: skip 3; load the argument; not it: skip 1; act. */
        filter[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                     offsetof(struct seccomp_data, nr));
        filter[len++] =
            (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)rules[i].nr, 0, 3);
        filter[len++] = (struct sock_filter)BPF_STMT(
            BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args) + 8 * rules[i].arg +
                                          (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0));
        filter[len++] =
            (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, rules[i].value, 0, 1);
        filter[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, rules[i].action);
    }
    filter[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog prog = {.len = (unsigned short)len, .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
        return -1;
    return 0;
}

/*
 * Run fn(arg) in a forked child within timeout_ms. Returns its exit status
 * (fn's return value, 0..255), or -1 if it hung (it is then killed), or
 * 128 + the signal that ended it (e.g. SIGSYS for a call test_seccomp()
 * forbids). The child ends with _exit(): no cmocka assertion may be used in fn.
 */
static inline int test_in_child(int (*fn)(void *), void *arg, unsigned int timeout_ms)
{
    int status;
    pid_t child = fork();

    if (child < 0)
        return -2;
    if (child == 0)
        _exit(fn(arg));
    uint64_t deadline = test_now_ms() + timeout_ms;
    for (;;) {
        pid_t done = waitpid(child, &status, WNOHANG);
        if (done == child)
            break;
        if (test_now_ms() >= deadline) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            return -1;
        }
        test_sleep_ms(5);
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* ---- stderr: what the library prints there, for a test to read ---- */

/* [0] the real stderr while captured, [1] the memory file in its place. */
static inline int *test_stderr_fds(void)
{
    static int fds[2] = {-1, -1};

    return fds;
}

static inline void test_capture_stderr(void)
{
    int *fds = test_stderr_fds();

    fflush(stderr);
    fds[1] = memfd_create("stderr", MFD_CLOEXEC);
    fds[0] = dup(2);
    dup2(fds[1], 2);
}

/* Everything printed since test_capture_stderr(). */
static inline const char *test_captured(void)
{
    static char text[4096];

    fflush(stderr);
    ssize_t len = pread(test_stderr_fds()[1], text, sizeof(text) - 1, 0);
    text[len > 0 ? len : 0] = '\0';
    return text;
}

static inline void test_release_stderr(void)
{
    int *fds = test_stderr_fds();

    fflush(stderr);
    dup2(fds[0], 2);
    close(fds[0]);
    close(fds[1]);
}

/*
 * A mailbox's events checked as they come, by a callback or after a receive:
 * each numbered one more than the last plus what it says was dropped.
 */
struct test_in_order {
    pthread_mutex_t lock;
    int count;         /* data events */
    uint64_t next_seq; /* the seq the next event must have */
    uint32_t dropped;  /* summed */
    bool out_of_order, closed;
};

static inline void test_check_order(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *user)
{
    struct test_in_order *seen = user;
    (void)mb;

    pthread_mutex_lock(&seen->lock);
    if (ev->seq != seen->next_seq + ev->dropped)
        seen->out_of_order = true;
    seen->next_seq = ev->seq + 1;
    seen->dropped += ev->dropped;
    if (ev->type == HSX_MAILBOX_EVENT_CLOSED)
        seen->closed = true;
    else
        seen->count++;
    pthread_mutex_unlock(&seen->lock);
}

#endif /* HSX_TEST_HELPERS_H */
