// SPDX-License-Identifier: MIT
/*
 * The test board's host-side serial peer (tests/vm/uart_peer.c) on a socket
 * of the test's, as qemu's chardev would be: its answers, and in telnet mode
 * a 0xFF of data both ways (IAC IAC on the socket) and qemu's option
 * negotiation skipped.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

int uart_peer_main(int argc, char **argv);
#define main uart_peer_main
#include "../../tests/vm/uart_peer.c"
#undef main

struct peer {
    char dir[32], sock[64], log[64];
    int listener, conn;
    pid_t pid;
};

/* Listen where the peer connects, start it (in a child), take its connection. */
static void peer_start(struct peer *p, bool with_telnet)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    snprintf(p->dir, sizeof(p->dir), "/tmp/hsx-peer.XXXXXX");
    assert_non_null(mkdtemp(p->dir));
    snprintf(p->sock, sizeof(p->sock), "%s/s", p->dir);
    snprintf(p->log, sizeof(p->log), "%s/log", p->dir);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p->sock);
    p->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(p->listener >= 0);
    assert_int_equal(bind(p->listener, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(p->listener, 1), 0);
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        char *args[] = {"uart-peer", "--telnet", p->sock, p->log, NULL};

        alarm(20);
        /* Without --telnet: the same arguments after the program's name. */
        if (!with_telnet)
            args[1] = args[0];
        _exit(uart_peer_main(with_telnet ? 4 : 3, args + !with_telnet));
    }
    p->conn = accept(p->listener, NULL, NULL);
    assert_true(p->conn >= 0);
}

static void send_bytes(struct peer *p, const char *bytes, size_t len)
{
    assert_int_equal(write(p->conn, bytes, len), (ssize_t)len);
}

/* Read exactly len bytes (5 s at most), and compare them with want. */
static void expect_bytes(struct peer *p, const char *want, size_t len)
{
    char got[512];
    size_t have = 0;

    assert_true(len <= sizeof(got));
    while (have < len) {
        struct pollfd pfd = {.fd = p->conn, .events = POLLIN};

        assert_int_equal(poll(&pfd, 1, 5000), 1);
        ssize_t n = read(p->conn, got + have, len - have);
        assert_true(n > 0);
        have += (size_t)n;
    }
    assert_memory_equal(got, want, len);
}

/* Close the connection: the peer ends and writes its log; return the log's line. */
static void peer_finish(struct peer *p, const char *want_log)
{
    char log[256] = "";
    int status;

    close(p->conn);
    assert_int_equal(waitpid(p->pid, &status, 0), p->pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    FILE *f = fopen(p->log, "re");
    assert_non_null(f);
    assert_non_null(fgets(log, sizeof(log), f));
    fclose(f);
    assert_string_equal(log, want_log);
    close(p->listener);
    unlink(p->sock);
    unlink(p->log);
    rmdir(p->dir);
}

#define S(lit) lit, sizeof(lit) - 1

static void plain_peer_answers_ping(void **state)
{
    struct peer p;
    (void)state;

    peer_start(&p, false);
    /* No telnet: 0xFF is a byte like any other, both ways. */
    send_bytes(&p, S("PING a\xff"
                     "b\r\nnoise\n"));
    expect_bytes(&p, S("PONG b\xff"
                       "a\n"));
    send_bytes(&p, S("BREAK x\n"));
    peer_finish(&p, "uart-peer: 24 bytes, 3 lines, 1 answered\n");
}

static void telnet_peer_unescapes_and_escapes_0xff(void **state)
{
    struct peer p;
    (void)state;

    peer_start(&p, true);
    /* qemu's negotiation (WILL ECHO, WILL SGA, DO BINARY), skipped; IAC IAC is one 0xFF. */
    send_bytes(&p, S("\xff\xfb\x01\xff\xfb\x03\xff\xfd\x00"
                     "PING a\xff\xff"
                     "b\n"));
    expect_bytes(&p, S("PONG b\xff\xff"
                       "a\n"));
    /* A command that is not data in the middle of a line: the line goes on without it. */
    send_bytes(&p, S("PING \xff\xf1"
                     "cd\xff\xff\n"));
    expect_bytes(&p, S("PONG \xff\xff"
                       "dc\n"));
    send_bytes(&p, S("BREAK t\xff\xff\n"));
    expect_bytes(&p, S("\xff\xf3"
                       "AFTER t\xff\xff\n"));
    peer_finish(&p, "uart-peer: 41 bytes, 3 lines, 3 answered\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_peer_answers_ping),
        cmocka_unit_test(telnet_peer_unescapes_and_escapes_0xff),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
