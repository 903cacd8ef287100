// SPDX-License-Identifier: MIT
/*
 * hsxd's event loop against a fake hsx.ko, on a real socket: connections
 * from this process (or its children) are accepted, identified, served or
 * turned away, and what a client can make hsxd log is rate-limited.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/capability.h>

#include "../server.c"

#include "fake.h"

#define S 1000000000ull

static struct server *s;
static struct policy policy = {.lifetime_s = 3600};
static char dir[64];
static char sock_path[96];

static int setup(void **state)
{
    (void)state;
    fake_reset();
    fake_log_clear();
    s = calloc(1, sizeof(*s));
    assert_non_null(s);
    s->hsxd.ctl = FAKE_CTL;
    s->hsxd.policy = &policy;
    s->signal_fd = -1;
    s->epoll = epoll_create1(EPOLL_CLOEXEC);
    assert_true(s->epoll >= 0);
    snprintf(dir, sizeof(dir), "/tmp/hsxd-server.XXXXXX");
    assert_non_null(mkdtemp(dir));
    chmod(dir, 0755); /* for clients of other uids */
    snprintf(sock_path, sizeof(sock_path), "%s/hsxd.sock", dir);
    s->socket_path = sock_path;
    s->listen_fd = open_socket(s, sock_path);
    assert_true(s->listen_fd >= 0);
    assert_int_equal(epoll_set(s, EPOLL_CTL_ADD, s->listen_fd, EPOLLIN, &listen_source), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    server_fini(s);
    holders_clear(&s->hsxd.holders);
    rmdir(dir);
    free(s);
    return 0;
}

/* A client connection to the test's hsxd (the accept is the server's business), or -1. */
static int dial(void)
{
    return fake_dial(sock_path);
}

/* Would the event loop be woken for the listening socket now? */
static bool listen_ready(void)
{
    struct epoll_event event;

    return epoll_wait(s->epoll, &event, 1, 0) == 1 && event.data.ptr == &listen_source;
}

/* A flood of connections hsxd cannot identify logs one line per kind, then a count. */
static void dropped_connections_are_rate_limited(void **state)
{
    int fds[40];
    (void)state;

    fake_peerpidfd_errno = EINVAL; /* each peer "exited" before it was identified */
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        assert_true((fds[i] = dial()) >= 0);
    for (int round = 0; round < 10 && listen_ready(); round++)
        accept_all(s);
    fake_peerpidfd_errno = 0;
    assert_false(listen_ready());
    assert_int_equal(s->nconns, 0);
    assert_int_equal(fake_log_matching("connection dropped: pid"), 1);
    assert_int_equal(fake_log_count(), 1);

    /* When its window ends, the rest are counted in one line. */
    fake.now_ns += 11 * S;
    housekeeping(s);
    assert_int_equal(fake_log_count(), 2);
    assert_non_null(strstr(fake_log_last(), "connection dropped: pid"));
    assert_non_null(strstr(fake_log_last(), "[and 39 more like it, not logged]"));
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        close(fds[i]);
}

/*
 * Out of descriptors, accept() fails and the connection stays queued: the
 * listening socket stays readable, so hsxd stops watching it for a while
 * instead of spinning, and says so once.
 */
static void out_of_descriptors_accepting_pauses(void **state)
{
    struct rlimit saved, low;
    int fillers[64], nfillers = 0, client = dial();
    (void)state;

    assert_true(client >= 0);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    low = saved;
    low.rlim_cur = 64;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    for (int fd; nfillers < 64 && (fd = dup(0)) >= 0;)
        fillers[nfillers++] = fd;
    assert_int_equal(errno, EMFILE);

    assert_true(listen_ready());
    accept_all(s);
    assert_false(listen_ready());
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), "accept: Too many open files: not accepting"));
    housekeeping(s);
    assert_false(listen_ready());

    while (nfillers)
        close(fillers[--nfillers]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    fake.now_ns += SERVER_ACCEPT_PAUSE_NS;
    housekeeping(s);
    assert_true(listen_ready());
    accept_all(s);
    assert_int_equal(s->nconns, 1);
    close(client);
}

/* The unit file lets hsxd hold what it may hold: a pidfd per holder, connections, its own. */
static void the_unit_allows_the_descriptors_hsxd_needs(void **state)
{
    char path[4096], line[256];
    long limit = 0;
    (void)state;

    snprintf(path, sizeof(path), "%s", HSXD_EXAMPLE_POLICY);
    snprintf(strrchr(path, '/') + 1, sizeof(path) - (size_t)(strrchr(path, '/') + 1 - path),
             "hsxd.service");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f))
        sscanf(line, "LimitNOFILE=%ld", &limit);
    fclose(f);
    assert_true(limit >= SERVER_FDS_NEEDED);
}

/*
 * Serve the loop's events until child has exited and its connections are
 * closed (before another child is forked with copies of them); its exit
 * status.
 */
static int serve_until_exit(pid_t child)
{
    struct epoll_event event;
    bool exited = false;
    int status = 0;

    for (int i = 0; i < 1000 && (!exited || s->nconns); i++) {
        if (epoll_wait(s->epoll, &event, 1, 10) == 1)
            assert_int_equal(dispatch(s, &event), 0);
        exited = exited || waitpid(child, &status, WNOHANG) == child;
    }
    if (!exited || s->nconns)
        fail_msg("child %d did not exit, or its connection was not closed", child);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* Set the calling thread's effective capability CAP_SYS_ADMIN (from its permitted set). */
static int set_sys_admin(bool on)
{
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2];

    if (syscall(SYS_capget, &header, data) < 0)
        return -1;
    if (on)
        data[0].effective |= 1u << CAP_SYS_ADMIN;
    else
        data[0].effective &= ~(1u << CAP_SYS_ADMIN);
    return (int)syscall(SYS_capset, &header, data);
}

enum admin_test {
    ROOT,
    ROOT_WITHOUT_SYS_ADMIN,
    USER_WITH_SYS_ADMIN,
    USER_RAISES_SYS_ADMIN_AFTER_CONNECT,
    USER_NAMESPACE_ROOT,
};

/* In a child: become how (an admin_test), connect, ask for a runtime grant; exit with -status. */
static void ask_grant_as(int how)
{
    const enum admin_test who = (enum admin_test)how;
    struct hsxd_request req = {.version = HSXD_PROTO_VERSION,
                               .op = HSXD_OP_GRANT,
                               .module = HSX_MODULE_TIMER,
                               .rights = HSX_CAP_R_READ,
                               .sel.timer.max_timers = 1,
                               .uid = 1000,
                               .lifetime_s = 60};
    struct hsxd_reply reply;

    /* Nothing of the server's: its epoll set must not see copies of its descriptors. */
    close_range(3, ~0u, 0);
    switch (who) {
    case ROOT_WITHOUT_SYS_ADMIN:
        if (set_sys_admin(false) < 0)
            _exit(100);
        break;
    case USER_WITH_SYS_ADMIN:
        if (prctl(PR_SET_KEEPCAPS, 1) < 0 || setresgid(1000, 1000, 1000) < 0 ||
            setresuid(1000, 1000, 1000) < 0 || set_sys_admin(true) < 0)
            _exit(100);
        break;
    case USER_RAISES_SYS_ADMIN_AFTER_CONNECT:
        break; /* below, between connect() and the request */
    case ROOT:
        break;
    case USER_NAMESPACE_ROOT:
        /* Every capability, in a user namespace of its own: none in hsxd's. */
        if (setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0)
            _exit(100);
        if (unshare(CLONE_NEWUSER) < 0)
            _exit(101); /* not allowed here: skipped */
        break;
    }
    /* No cmocka here: its failures belong to the parent. */
    if (who == USER_RAISES_SYS_ADMIN_AFTER_CONNECT &&
        (prctl(PR_SET_KEEPCAPS, 1) < 0 || setresgid(1000, 1000, 1000) < 0 ||
         setresuid(1000, 1000, 1000) < 0))
        _exit(100);
    int fd = dial();
    /* As a setuid-root program exec'd after connect() would have them. */
    if (who == USER_RAISES_SYS_ADMIN_AFTER_CONNECT && set_sys_admin(true) < 0)
        _exit(100);
    if (fd < 0 || send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req) ||
        recv(fd, &reply, sizeof(reply), 0) != (ssize_t)sizeof(reply))
        _exit(102);
    _exit(-reply.status);
}

/* Fork a child that runs ask(how), which exits; serve it until it has: its exit status. */
static int served_child(void (*ask)(int how), int how)
{
    pid_t child = fork();

    assert_true(child >= 0);
    if (child == 0)
        ask(how);
    return serve_until_exit(child);
}

static int grant_status_as(enum admin_test who)
{
    return served_child(ask_grant_as, who);
}

/* hsx.ko's admin node answers CAP_SYS_ADMIN, not uid 0: so does hsxd. */
static void admins_have_cap_sys_admin(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        skip();
        return;
    }
    assert_int_equal(grant_status_as(ROOT_WITHOUT_SYS_ADMIN), EPERM);
    assert_int_equal(fake_log_matching("grant is for administrators only (CAP_SYS_ADMIN)"), 1);
    assert_int_equal(s->hsxd.ngrants, 0);

    /* Capabilities are not attested: the uid at connect() is. */
    assert_int_equal(grant_status_as(USER_WITH_SYS_ADMIN), EPERM);
    assert_int_equal(grant_status_as(USER_RAISES_SYS_ADMIN_AFTER_CONNECT), EPERM);
    assert_int_equal(s->hsxd.ngrants, 0);

    assert_int_equal(grant_status_as(ROOT), 0);
    assert_int_equal(s->hsxd.ngrants, 1);
    assert_int_equal(fake_log_matching("runtime grant 1 by pid"), 1);

    int status = grant_status_as(USER_NAMESPACE_ROOT);
    if (status != 101) {
        assert_int_equal(status, EPERM);
        assert_int_equal(s->hsxd.ngrants, 1);
    }
}

/*
 * In a child: connect, then have the request sent by this process (by_child false) or by a
 * child of its own on the same connection, as a process handed the connection would. Exits
 * with the reply's -status.
 */
static void ask_on_connection(int by_child)
{
    /* ACQUIRE without a file: EINVAL once hsxd reads it, whoever sends it. */
    struct hsxd_request req = {
        .version = HSXD_PROTO_VERSION, .op = HSXD_OP_ACQUIRE, .module = HSX_MODULE_TIMER};
    struct hsxd_reply reply;
    int status;

    close_range(3, ~0u, 0);
    int fd = dial();
    if (fd < 0)
        _exit(102);
    pid_t sender = by_child ? fork() : 0;
    if (sender > 0) /* the one that connected waits, alive, for its child's answer */
        _exit(waitpid(sender, &status, 0) == sender && WIFEXITED(status) ? WEXITSTATUS(status)
                                                                         : 103);
    if (sender < 0 || send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req) ||
        recv(fd, &reply, sizeof(reply), 0) != (ssize_t)sizeof(reply))
        _exit(102);
    _exit(-reply.status);
}

/*
 * A request is answered for the process that sent it, which must be the one that connected
 * (SCM_CREDENTIALS against SO_PEERCRED): a child that inherited the connection cannot ask as
 * its parent, with its parent's files (issue 14).
 */
static void only_the_process_that_connected_asks(void **state)
{
    (void)state;

    assert_int_equal(served_child(ask_on_connection, false), EINVAL);
    assert_int_equal(fake_log_matching("was sent by pid"), 0);
    assert_int_equal(served_child(ask_on_connection, true), EPERM);
    assert_int_equal(fake_log_matching(", which connected: each process asks on a connection of "
                                       "its own"),
                     1);
}

/*
 * A message whose descriptors the kernel could install only in part (MSG_CTRUNC: here out of
 * descriptors) leaves fds[] holding -1 past those received, never what the caller had there:
 * conn_read() closes every entry that is not -1.
 */
static void a_truncated_message_leaves_no_stale_descriptors(void **state)
{
    (void)state;
    int sv[2], sent[4], fds[FDS_MAX], nfds = -1;
    uint32_t sender;
    struct rlimit was, lim;
    bool truncated = false;
    char byte = 'x', buf[8];

    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    for (int i = 0; i < 4; i++)
        assert_true((sent[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(sent))];
    } control = {0};
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof(control.buf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(sent));
    memcpy(CMSG_DATA(cm), sent, sizeof(sent));
    assert_int_equal(sendmsg(sv[0], &msg, 0), 1);

    /* Room for two more descriptors in this process, no more. */
    int low = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(low >= 0);
    close(low);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
    lim = was;
    lim.rlim_cur = (rlim_t)low + 2;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
    for (int i = 0; i < FDS_MAX; i++)
        fds[i] = 12345; /* what a caller's stack may hold */
    ssize_t n = receive(sv[1], buf, sizeof(buf), fds, &nfds, &sender, &truncated);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);

    assert_int_equal(n, 1);
    assert_int_equal(nfds, FDS_MAX + 1); /* refused as too many */
    int received = 0;
    for (int i = 0; i < FDS_MAX; i++) {
        assert_int_not_equal(fds[i], 12345);
        if (fds[i] >= 0) {
            received++;
            close(fds[i]);
        }
    }
    assert_true(received >= 1 && received < 4);
    for (int i = 0; i < 4; i++)
        close(sent[i]);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(dropped_connections_are_rate_limited, setup, teardown),
        cmocka_unit_test_setup_teardown(admins_have_cap_sys_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(only_the_process_that_connected_asks, setup, teardown),
        cmocka_unit_test_setup_teardown(out_of_descriptors_accepting_pauses, setup, teardown),
        cmocka_unit_test(the_unit_allows_the_descriptors_hsxd_needs),
        cmocka_unit_test(a_truncated_message_leaves_no_stale_descriptors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
