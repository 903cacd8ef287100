/* SPDX-License-Identifier: MIT */
/*
 * Applications for the end-to-end tests: a forked child, run as another
 * user, that talks with the test over a pipe pair, and checks that end it
 * with the failing line as its exit code.
 */
#ifndef HSX_E2E_APP_H
#define HSX_E2E_APP_H

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_hal_types.h"

/* In a child, a failed check exits with its line number (mod 255, never 0). */
#define APP_CHECK(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "app check failed at line %d: %s (hsx errno %d)\n", __LINE__, #cond,   \
                    hsx_hal_errno());                                                              \
            _exit((__LINE__ % 255) + 1);                                                           \
        }                                                                                          \
    } while (0)

/* Parent and application talk over a pipe pair: one byte, or a capability ID. */
struct app {
    pid_t pid;
    int to_app, from_app; /* the parent's ends */
    int in, out;          /* the app's ends */
};

static inline void tell(int fd, const void *what, size_t len)
{
    if (write(fd, what, len) != (ssize_t)len)
        _exit(99);
}

static inline bool hear(int fd, void *what, size_t len)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};

    return poll(&pfd, 1, E2E_LIVENESS_MS) == 1 && read(fd, what, len) == (ssize_t)len;
}

/* Run fn in a child as uid (0: stays root). */
static inline void start_app(struct app *a, int (*fn)(struct app *a), uid_t uid)
{
    int down[2], up[2];

    assert_int_equal(pipe2(down, O_CLOEXEC), 0);
    assert_int_equal(pipe2(up, O_CLOEXEC), 0);
    a->pid = fork();
    assert_true(a->pid >= 0);
    if (a->pid == 0) {
        close(down[1]);
        close(up[0]);
        a->in = down[0];
        a->out = up[1];
        if (uid && (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid)))
            _exit(100);
        _exit(fn(a));
    }
    close(down[0]);
    close(up[1]);
    a->to_app = down[1];
    a->from_app = up[0];
}

static inline int finish_app(struct app *a)
{
    int status;

    assert_int_equal(waitpid(a->pid, &status, 0), a->pid);
    close(a->to_app);
    close(a->from_app);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* An app that needs nothing from the parent while it runs: its exit code. */
static inline int run_app(int (*fn)(struct app *a), uid_t uid)
{
    struct app a;

    start_app(&a, fn, uid);
    return finish_app(&a);
}

/* The administrator revokes capability id, through hsxd (the real one the test runs). */
static inline void admin_revoke(uint64_t id)
{
    char cmd[96];

    snprintf(cmd, sizeof(cmd), "hsxctl cap revoke %llu >/dev/null", (unsigned long long)id);
    assert_int_equal(system(cmd), 0);
}

#endif /* HSX_E2E_APP_H */
