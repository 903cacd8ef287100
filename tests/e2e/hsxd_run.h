/* SPDX-License-Identifier: MIT */
/*
 * The real hsxd for an end-to-end test: helpers/hsxd (beside the test
 * program), or the one HSX_E2E_HSXD names (the hsxd package's /usr/sbin/hsxd
 * in the installed-package run, tests/vm/run --installed), started on a
 * policy of the test's, in a directory of its own with hsxd's log
 * (--stderr), and stopped at the end.
 */
#ifndef HSX_E2E_HSXD_RUN_H
#define HSX_E2E_HSXD_RUN_H

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hsxd_proto.h"

struct hsxd_run {
    char dir[64];
    pid_t pid;
};

/* A program beside this one (in its directory): helpers/hsxd. Is it there, to run? */
static inline bool hsxd_run_beside_me(const char *name, char *path, size_t size)
{
    char self[256];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (len <= 0)
        return false;
    self[len] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    int n = snprintf(path, size, "%s/%s", self, name);
    return n > 0 && (size_t)n < size && access(path, X_OK) == 0;
}

/*
 * The hsxd the tests run: HSX_E2E_HSXD's, else helpers/hsxd. Is it there, to run? With
 * hooks, always helpers/hsxd: the tests' build (HSXD_TEST_HOOKS), which an installed hsxd is not.
 */
static inline bool hsxd_run_program(bool hooks, char *path, size_t size)
{
    const char *installed = getenv("HSX_E2E_HSXD");

    if (hooks || !installed || !*installed)
        return hsxd_run_beside_me("helpers/hsxd", path, size);
    int n = snprintf(path, size, "%s", installed);
    return n > 0 && (size_t)n < size && access(path, X_OK) == 0;
}

/* dir/name, for the policy and the log. */
static inline char *hsxd_run_path(const struct hsxd_run *r, const char *name, char *path,
                                  size_t size)
{
    snprintf(path, size, "%s/%s", r->dir, name);
    return path;
}

/*
 * Write policy_text to a fresh /tmp/<tag>-XXXXXX/policy.conf, start hsxd on it
 * and wait until it listens. 0, or -1 with hsxd's log on stderr: a daemon
 * that does not start is a failure, never a skip. hooks: the tests' build of
 * hsxd, with its test hooks (hsxd_run_program()).
 */
static inline int hsxd_run_start_hsxd(struct hsxd_run *r, const char *tag, const char *policy_text,
                                      bool hooks)
{
    char hsxd[300], policy[128], log[128];

    snprintf(r->dir, sizeof(r->dir), "/tmp/%s-XXXXXX", tag);
    if (!mkdtemp(r->dir) || chmod(r->dir, 0755))
        return -1;
    hsxd_run_path(r, "policy.conf", policy, sizeof(policy));
    hsxd_run_path(r, "hsxd.log", log, sizeof(log));
    int fd = open(policy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, policy_text, strlen(policy_text)) != (ssize_t)strlen(policy_text))
        return -1;
    close(fd);
    if (!hsxd_run_program(hooks, hsxd, sizeof(hsxd))) {
        fprintf(stderr, "%s is missing\n", hsxd);
        return -1;
    }
    r->pid = fork();
    if (r->pid < 0)
        return -1;
    if (r->pid == 0) {
        int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out, 2);
        execl(hsxd, hsxd, "--policy", policy, "--stderr", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && access(HSXD_SOCKET_PATH, F_OK) != 0; i++)
        usleep(50000);
    if (access(HSXD_SOCKET_PATH, F_OK) != 0) {
        char line[256];
        FILE *f = fopen(log, "r");
        while (f && fgets(line, sizeof(line), f))
            fprintf(stderr, "hsxd: %s", line);
        if (f)
            fclose(f);
        kill(r->pid, SIGTERM);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
        return -1;
    }
    usleep(100000); /* listening once the socket exists; a little slack for TCG */
    return 0;
}

/* hsxd_run_start_hsxd() of the hsxd the tests run (HSX_E2E_HSXD's, else helpers/hsxd). */
static inline int hsxd_run_start(struct hsxd_run *r, const char *tag, const char *policy_text)
{
    return hsxd_run_start_hsxd(r, tag, policy_text, false);
}

/* Has hsxd logged a line containing text? */
static inline bool hsxd_run_logged(const struct hsxd_run *r, const char *text)
{
    char path[128], line[1024];
    bool found = false;
    FILE *f = fopen(hsxd_run_path(r, "hsxd.log", path, sizeof(path)), "r");

    while (f && !found && fgets(line, sizeof(line), f))
        found = strstr(line, text) != NULL;
    if (f)
        fclose(f);
    return found;
}

/* Stop hsxd (capabilities stay live) and remove its directory. */
static inline void hsxd_run_stop(struct hsxd_run *r)
{
    char path[128];

    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
    unlink(hsxd_run_path(r, "hsxd.log", path, sizeof(path)));
    unlink(hsxd_run_path(r, "policy.conf", path, sizeof(path)));
    rmdir(r->dir);
}

#endif /* HSX_E2E_HSXD_RUN_H */
