// SPDX-License-Identifier: MIT
/*
 * hsxd's event loop against a fake hsx.ko, on a real socket: connections
 * from this process (or its children) are accepted, identified, served or
 * turned away, and what a client can make hsxd log is rate-limited.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

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
    snprintf(sock_path, sizeof(sock_path), "%s/hsxd.sock", dir);
    s->socket_path = sock_path;
    s->listen_fd = open_socket(sock_path);
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

/* A client connection to the test's hsxd; the accept is the server's business. */
static int dial(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    return fd;
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
        fds[i] = dial();
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(dropped_connections_are_rate_limited, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
