// SPDX-License-Identifier: MIT
/*
 * hsx_fuzz under allocation failures (--fail-nth PCT; the debug kernel's
 * failslab and fail_page_alloc): PCT of the table's ioctls run with the
 * thread's n-th allocation failing (/proc/thread-self/fail-nth, n 1..16),
 * armed just before the ioctl and disarmed just after, so nothing else of
 * the fuzzer's is hit (n mostly 1..4: most entry points allocate a few times). A call whose failure
 * fired may say ENOMEM (a filesystem: ENOSPC) whatever its function; the rest of the oracle stands
 * (a success must still be right, and the chains' exact accounting of what was delivered must still
 * hold later). Root's workers only: forked children, whose descriptor of fail-nth names their
 * parent's thread, never arm it, and the uid 1000 process cannot open its own (setresuid() made it
 * not dumpable).
 *
 * GFP_KERNEL allocations fail too (failslab and fail_page_alloc skip them by
 * default), quietly (verbose 0); the kernel's own reports of a failed
 * allocation (warn_alloc) are left out of the VM's kernel-log check between
 * the markers fail_nth.h's tests write as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define FZ_FAIL_NTH_MAX 16

static unsigned int fail_pct;
static _Thread_local int nth_fd = -1;

static const char *const knobs[][2] = {
    {"/sys/kernel/debug/failslab/ignore-gfp-wait", "N"},
    {"/sys/kernel/debug/failslab/verbose", "0"},
    {"/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N"},
    {"/sys/kernel/debug/fail_page_alloc/verbose", "0"},
};

static bool put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

    if (fd >= 0)
        close(fd);
    return ok;
}

static void mark(const char *what)
{
    char line[80];

    snprintf(line, sizeof(line), "hsx-e2e: injected allocation failures %s\n", what);
    put("/dev/kmsg", line);
}

bool fail_injecting(void)
{
    return fail_pct != 0;
}

bool fail_setup(unsigned int pct)
{
    fail_pct = pct;
    if (!pct)
        return true;
    for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
        if (!put(knobs[i][0], knobs[i][1])) {
            harness_fail("--fail-nth: %s: %s (a kernel with failslab and fail_page_alloc: the "
                         "debug kernel)",
                         knobs[i][0], strerror(errno));
            return false;
        }
    }
    if (access("/proc/thread-self/fail-nth", W_OK)) {
        harness_fail("--fail-nth: /proc/thread-self/fail-nth: %s", strerror(errno));
        return false;
    }
    mark("begin");
    return true;
}

void fail_teardown(void)
{
    if (!fail_pct)
        return;
    mark("end");
    put(knobs[0][0], "Y");
    put(knobs[2][0], "Y");
}

void fail_thread_begin(void)
{
    /* Root's threads: the uid 1000 process's /proc files are root's (not dumpable). */
    if (!fail_pct || !is_root)
        return;
    /* Opened once: an open while a failure is armed would spend it. */
    nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
    if (nth_fd < 0)
        harness_fail("--fail-nth: /proc/thread-self/fail-nth: %s", strerror(errno));
}

void fail_thread_end(void)
{
    if (nth_fd >= 0)
        close(nth_fd);
    nth_fd = -1;
}

static bool nth(unsigned int n)
{
    char text[16];
    int len = snprintf(text, sizeof(text), "%u", n);

    return pwrite(nth_fd, text, (size_t)len, 0) == len;
}

bool fail_arm(struct fz_worker *w)
{
    unsigned int n;

    if (nth_fd < 0 || w->child || !chance(&w->rng, fail_pct))
        return false;
    /* Mostly among the first few, where every entry point allocates. */
    n = 1 + rn(&w->rng, chance(&w->rng, 70) ? 4 : FZ_FAIL_NTH_MAX);
    note(w, "fail-nth %u", n);
    if (!nth(n)) {
        harness_fail("--fail-nth: arming: %s", strerror(errno));
        return false;
    }
    count(&stats->fail_armed);
    return true;
}

bool fail_disarm(void)
{
    char text[16] = "";
    int saved = errno;
    bool fired;

    if (pread(nth_fd, text, sizeof(text) - 1, 0) <= 0 || !nth(0))
        harness_fail("--fail-nth: disarming: %s", strerror(errno));
    fired = atoi(text) == 0;
    if (fired)
        count(&stats->fail_fired);
    errno = saved;
    return fired;
}
