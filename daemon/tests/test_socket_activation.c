// SPDX-License-Identifier: MIT
/*
 * hsxd started by systemd's socket activation (hsxd.socket): it serves the
 * listening socket systemd passes (LISTEN_FDS), set up as its own would be,
 * refuses one that is not hsxd's, and leaves it in place when it stops, for
 * the next hsxd. Without LISTEN_FDS it makes its own (test_server.c), but
 * never in place of a socket something listens on (hsxd.socket).
 */
#include <errno.h>
#include <fcntl.h>
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

static struct server *s;
static struct policy policy = {.lifetime_s = 3600};
static char dir[64];
static char sock_path[96];
static int saved_fd3 = -1; /* whatever held SD_LISTEN_FDS_START before the test */

static int setup(void **state)
{
    (void)state;
    fake_reset();
    fake_log_clear();
    /* SD_LISTEN_FDS_START is the test's to hand out: nothing of the server's may get it. */
    if (fcntl(SD_LISTEN_FDS_START, F_GETFD) >= 0)
        saved_fd3 = fcntl(SD_LISTEN_FDS_START, F_DUPFD_CLOEXEC, 10);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(null >= 0);
    if (null != SD_LISTEN_FDS_START) {
        assert_int_equal(dup2(null, SD_LISTEN_FDS_START), SD_LISTEN_FDS_START);
        close(null);
    }
    s = calloc(1, sizeof(*s));
    assert_non_null(s);
    s->hsxd.ctl = FAKE_CTL;
    s->hsxd.policy = &policy;
    s->signal_fd = -1;
    s->listen_fd = -1;
    s->epoll = epoll_create1(EPOLL_CLOEXEC);
    assert_true(s->epoll >= 0);
    snprintf(dir, sizeof(dir), "/tmp/hsxd-activation.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(sock_path, sizeof(sock_path), "%s/hsxd.sock", dir);
    s->socket_path = sock_path;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    server_fini(s);
    holders_clear(&s->hsxd.holders);
    unlink(sock_path);
    rmdir(dir);
    free(s);
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_PID");
    close(SD_LISTEN_FDS_START);
    if (saved_fd3 >= 0) {
        dup2(saved_fd3, SD_LISTEN_FDS_START);
        close(saved_fd3);
        saved_fd3 = -1;
    }
    return 0;
}

/*
 * What systemd does for hsxd.socket: a socket of type bound to path, listening (blocking,
 * without SO_PASSCRED: the unit's PassCredentials= is the administrator's to forget), at
 * SD_LISTEN_FDS_START, and LISTEN_FDS=1 and LISTEN_PID for this process.
 */
static void systemd_passes(int type, const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, type, 0);

    assert_true(fd >= 0);
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(dup2(fd, SD_LISTEN_FDS_START), SD_LISTEN_FDS_START);
    close(fd);
    char pid[16];
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    setenv("LISTEN_FDS", "1", 1);
    setenv("LISTEN_PID", pid, 1);
}

/* A client connection to the test's hsxd (the accept is the server's business), or -1. */
static int dial(void)
{
    return fake_dial(sock_path);
}

static void the_socket_systemd_passes_is_served(void **state)
{
    int fd = -1, passcred = 0;
    socklen_t len = sizeof(passcred);
    (void)state;

    systemd_passes(SOCK_SEQPACKET, sock_path);
    assert_int_equal(inherited_socket(sock_path, &fd), 1);
    assert_int_equal(fd, SD_LISTEN_FDS_START);
    /* Taken once: a program hsxd started would not think it is socket-activated. */
    assert_null(getenv("LISTEN_FDS"));
    assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &passcred, &len), 0);
    assert_int_equal(passcred, 1);

    s->listen_fd = fd;
    s->socket_inherited = true;
    assert_int_equal(epoll_set(s, EPOLL_CTL_ADD, s->listen_fd, EPOLLIN, &listen_source), 0);
    int client = dial();
    assert_true(client >= 0);
    accept_all(s);
    assert_int_equal(s->nconns, 1);
    close(client);

    /* Stopping closes hsxd's copy; systemd's socket keeps its path for the next hsxd. */
    server_fini(s);
    s->listen_fd = -1;
    s->epoll = -1;
    assert_int_equal(access(sock_path, F_OK), 0);
}

/* hsxd makes its own socket when systemd passed none, and removes it when it stops. */
static void without_systemd_hsxd_makes_its_own(void **state)
{
    int fd = -1;
    (void)state;

    assert_int_equal(inherited_socket(sock_path, &fd), 0);
    assert_int_equal(fd, -1);
    s->listen_fd = open_socket(s, sock_path);
    assert_true(s->listen_fd >= 0);
    server_fini(s);
    s->listen_fd = -1;
    s->epoll = -1;
    assert_int_equal(access(sock_path, F_OK), -1);
    assert_int_equal(errno, ENOENT);
}

/* A listening socket of type bound to path, as hsxd.socket's or another hsxd's; its fd. */
static int listener_at(int type, const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(fd, 8), 0);
    return fd;
}

static ino_t inode_of(const char *path)
{
    struct stat st;

    assert_int_equal(lstat(path, &st), 0);
    return st.st_ino;
}

/*
 * Started by hand while hsxd.socket (or another hsxd) listens on the path, hsxd refuses to start
 * and leaves that socket where it is: its clients keep finding it. A stream listener too (the
 * probe is refused as of another type, not as stale).
 */
static void a_listener_on_the_path_keeps_it(void **state)
{
    static const int types[] = {SOCK_SEQPACKET, SOCK_STREAM};
    (void)state;

    for (unsigned int i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        int listener = listener_at(types[i], sock_path);
        ino_t ino = inode_of(sock_path);

        assert_int_equal(server_listen(s, sock_path), -1);
        assert_int_equal(s->listen_fd, -1);
        assert_int_equal(
            fake_log_matching("hsxd.socket (or another hsxd) is listening on /tmp/hsxd-activation"),
            (int)i + 1);
        assert_int_equal(inode_of(sock_path), ino);
        if (types[i] == SOCK_SEQPACKET) {
            int client = fake_dial(sock_path);
            assert_true(client >= 0);
            close(client);
        }
        close(listener);
        unlink(sock_path);
    }
}

/* A socket nobody listens on (an hsxd that died left it) is replaced; and removed at the end. */
static void a_stale_socket_is_replaced(void **state)
{
    (void)state;

    close(listener_at(SOCK_SEQPACKET, sock_path));
    assert_int_equal(server_listen(s, sock_path), 0);
    assert_false(s->socket_inherited);
    int client = fake_dial(sock_path);
    assert_true(client >= 0);
    close(client);
    server_fini(s);
    s->listen_fd = -1;
    s->epoll = -1;
    assert_int_equal(access(sock_path, F_OK), -1);
}

/* A path that is not a socket is not hsxd's to remove. */
static void a_file_on_the_path_is_not_removed(void **state)
{
    (void)state;

    FILE *f = fopen(sock_path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(server_listen(s, sock_path), -1);
    assert_int_equal(fake_log_matching("is not a socket: not removing it"), 1);
    assert_int_equal(access(sock_path, F_OK), 0);
    unlink(sock_path);
}

/*
 * systemd started hsxd.socket while a hand-run hsxd listened (it replaces the file): stopping,
 * that hsxd leaves systemd's socket in place.
 */
static void a_socket_that_replaced_ours_is_left(void **state)
{
    (void)state;

    assert_int_equal(server_listen(s, sock_path), 0);
    assert_int_equal(unlink(sock_path), 0);
    int listener = listener_at(SOCK_SEQPACKET, sock_path);
    server_fini(s);
    s->listen_fd = -1;
    s->epoll = -1;
    int client = fake_dial(sock_path);
    assert_true(client >= 0);
    close(client);
    close(listener);
}

/* A stream socket, or one bound elsewhere, is no hsxd.socket: refused, said why. */
static void a_socket_that_is_not_hsxds_is_refused(void **state)
{
    char elsewhere[128];
    int fd = -1;
    (void)state;

    systemd_passes(SOCK_STREAM, sock_path);
    assert_int_equal(inherited_socket(sock_path, &fd), -1);
    assert_int_equal(fd, -1);
    assert_int_equal(fake_log_matching("one listening SOCK_SEQPACKET socket bound to"), 1);
    unlink(sock_path);

    snprintf(elsewhere, sizeof(elsewhere), "%s/other.sock", dir);
    systemd_passes(SOCK_SEQPACKET, elsewhere);
    assert_int_equal(inherited_socket(sock_path, &fd), -1);
    assert_int_equal(fd, -1);
    assert_int_equal(fake_log_matching("one listening SOCK_SEQPACKET socket bound to"), 2);
    unlink(elsewhere);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_socket_systemd_passes_is_served, setup, teardown),
        cmocka_unit_test_setup_teardown(without_systemd_hsxd_makes_its_own, setup, teardown),
        cmocka_unit_test_setup_teardown(a_socket_that_is_not_hsxds_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_listener_on_the_path_keeps_it, setup, teardown),
        cmocka_unit_test_setup_teardown(a_stale_socket_is_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_on_the_path_is_not_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(a_socket_that_replaced_ours_is_left, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
