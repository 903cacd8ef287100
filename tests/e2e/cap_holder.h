/* SPDX-License-Identifier: MIT */
/*
 * The capability tests' cast: this program is root and plays the capability
 * administrator (what hsxd does, through admin_fd), and forks unprivileged
 * holders (uid HOLDER_UID) that open a /dev/hsx file, hand it to the
 * administrator, wait to be granted and then run a test's body. A failed
 * check in a holder exits with its line number, which the parent asserts is 0.
 * Header-only and static: each test program is one translation unit.
 */
#ifndef HSX_TESTS_CAP_HOLDER_H
#define HSX_TESTS_CAP_HOLDER_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "fdpass.h"
#include "hsx_uapi.h"

#define HOLDER_UID 1000
#define OTHER_UID 1001

static int admin_fd = -1;

static inline uint64_t boottime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void drop_to(uid_t uid)
{
    if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
        _exit(100);
}

/* A pair of connected unix sockets, for SCM_RIGHTS and for sync bytes. */
static inline void socket_pair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static inline void send_byte(int sock, char b)
{
    assert_int_equal(write(sock, &b, 1), 1);
}

static inline char recv_byte(int sock)
{
    char b = 0;

    return read(sock, &b, 1) == 1 ? b : 0;
}

/* Result of a child: its exit code, 0 meaning every check in it passed. */
static inline int child_result(pid_t pid)
{
    int status;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* In a child, a failed check exits with its line number (mod 256, never 0). */
#define CHILD_CHECK(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "child check failed at line %d: %s (errno %d)\n", __LINE__, #cond,     \
                    errno);                                                                        \
            _exit((__LINE__ % 255) + 1);                                                           \
        }                                                                                          \
    } while (0)

static inline int mint(int fd, uint32_t module, uint32_t rights, union hsx_cap_selector sel,
                       uint64_t lifetime_ns, uint64_t *id)
{
    struct hsx_cap_mint m = {.fd = fd,
                             .module = module,
                             .rights = rights,
                             .sel = sel,
                             .expiry_ns = boottime_ns() + lifetime_ns};
    int ret = e2e_ioctl(admin_fd, HSX_IOC_CAP_MINT, &m);

    if (id)
        *id = ret ? 0 : m.id;
    return ret;
}

static inline union hsx_cap_selector pins(uint64_t mask)
{
    union hsx_cap_selector sel = {.gpio.pins = mask};

    return sel;
}

static inline union hsx_cap_selector timers(uint32_t n)
{
    union hsx_cap_selector sel = {.timer.max_timers = n};

    return sel;
}

static inline int revoke_id(uint64_t id)
{
    struct hsx_cap_revoke r = {.id = id, .reason = HSX_CAP_END_EXPLICIT};

    return e2e_ioctl(admin_fd, HSX_IOC_CAP_REVOKE, &r);
}

static inline int timer_create_op(int fd)
{
    struct hsx_timer_create c = {.period_us = 100000, .flags = HSX_TIMER_F_STOPPED};
    int ret = ioctl(fd, HSX_IOC_TIMER_CREATE, &c);

    return ret ? -errno : (int)c.timer_id;
}

static inline int tick_op(int fd)
{
    struct hsx_timer_tick t = {0};

    return ioctl(fd, HSX_IOC_TIMER_GET_TICK, &t) ? -errno : 0;
}

/*
 * A holder child: opens /dev/hsx/<node> as HOLDER_UID, sends the file to the
 * parent (as an app sends it to hsxd), waits for 'g' (granted), runs fn, and
 * exits with fn's result.
 */
struct holder {
    pid_t pid;
    int sock; /* parent's end */
    int file; /* the parent's copy of the child's file */
};

static inline void start_holder(struct holder *h, const char *node, int (*fn)(int fd, int sock))
{
    int sv[2];

    socket_pair(sv);
    h->pid = fork();
    assert_true(h->pid >= 0);
    if (h->pid == 0) {
        char path[64];
        int fd;

        close(sv[0]);
        drop_to(HOLDER_UID);
        snprintf(path, sizeof(path), "/dev/hsx/%s", node);
        fd = open(path, O_RDWR | O_CLOEXEC);
        CHILD_CHECK(fd >= 0);
        CHILD_CHECK(fdpass_send(sv[1], fd) == 0);
        CHILD_CHECK(recv_byte(sv[1]) == 'g');
        _exit(fn(fd, sv[1]));
    }
    close(sv[1]);
    h->sock = sv[0];
    h->file = fdpass_recv(h->sock);
    assert_true(h->file >= 0);
}

static inline int finish_holder(struct holder *h)
{
    int ret = child_result(h->pid);

    close(h->sock);
    close(h->file);
    return ret;
}

/* A holder granted one capability for 30 s, run to its end; returns its result. */
static inline int run_granted_holder(const char *node, int (*fn)(int fd, int sock), uint32_t module,
                                     uint32_t rights, union hsx_cap_selector sel)
{
    struct holder h;

    start_holder(&h, node, fn);
    assert_int_equal(mint(h.file, module, rights, sel, 30000000000ull, NULL), 0);
    send_byte(h.sock, 'g');
    return finish_holder(&h);
}

/* Group setup: become the capability administrator; enforcement must be on. */
static inline int cap_admin_claim(void **state)
{
    (void)state;
    admin_fd = open("/dev/hsx/ctl", O_RDWR | O_EXCL | O_CLOEXEC);
    if (admin_fd < 0) {
        fprintf(stderr, "cannot become the capability administrator: %s\n", strerror(errno));
        return -1;
    }
    if (e2e_sysfs_u64("/sys/hal/caps/enforcing") != 1) {
        fprintf(stderr, "enforcement is off\n");
        return -1;
    }
    return 0;
}

static inline int cap_admin_release(void **state)
{
    (void)state;
    close(admin_fd);
    return 0;
}

#endif /* HSX_TESTS_CAP_HOLDER_H */
