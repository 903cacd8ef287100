/* SPDX-License-Identifier: MIT */
/*
 * Allocation-failure injection for the e2e tests: failslab through
 * /proc/thread-self/fail-nth, where the n-th allocation of the calling
 * thread's next system calls fails. The debug kernel has it
 * (CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB); on a kernel without it the
 * tests say so and pass, as the debug suite runs them.
 */
#ifndef HSX_E2E_FAIL_NTH_H
#define HSX_E2E_FAIL_NTH_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "e2e.h"

#define FAIL_NTH_MAX 400 /* no entry point makes nearly as many allocations */

/*
 * Fault injection is the debug kernel's (its config has failslab): there its
 * absence is a failure of the rig, not a reason to pass; the stock kernel's
 * run has none and leaves these tests to the debug kernel's.
 */
static bool have_fail_nth(void)
{
    const char *kernel = getenv("HSX_TEST_KERNEL");
    bool have = access("/proc/thread-self/fail-nth", W_OK) == 0 &&
                access("/sys/kernel/debug/failslab/ignore-gfp-wait", W_OK) == 0;

    if (!have && kernel && !strcmp(kernel, "debug")) {
        fprintf(stderr, "the debug kernel has no fault injection (failslab, fail-nth)\n");
        exit(1);
    }
    return have;
}

/*
 * /proc/thread-self/fail-nth, opened once: opening it again while a failure
 * is armed would spend the failure on the open. Writing and reading it
 * allocate nothing.
 */
static int nth_fd = -1;

/* Fail the n-th allocation from now on in this thread (0: none). */
static void fail_nth(unsigned int n)
{
    char text[16];
    int len = snprintf(text, sizeof(text), "%u", n);

    assert_int_equal(pwrite(nth_fd, text, (size_t)len, 0), len);
}

/* Did the armed failure go off? Then disarm it either way. */
static bool fail_nth_fired(void)
{
    char text[16] = "";

    assert_true(pread(nth_fd, text, sizeof(text) - 1, 0) > 0);
    fail_nth(0);
    return atoi(text) == 0;
}

/*
 * The kernel reports some failed allocations itself (warn_alloc: a failed
 * vmalloc prints its stack); the VM's kernel-log check leaves those out
 * between these markers, and counts everything else (tests/vm/run).
 */
static void fail_nth_mark(const char *what)
{
    char line[80];

    snprintf(line, sizeof(line), "hsx-e2e: injected allocation failures %s\n", what);
    e2e_write_file("/dev/kmsg", line);
}

/* Failures for GFP_KERNEL allocations too (failslab ignores them by default), quietly. */
static void fail_nth_begin(void)
{
    nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
    assert_true(nth_fd >= 0);
    e2e_write_file("/sys/kernel/debug/failslab/ignore-gfp-wait", "N");
    e2e_write_file("/sys/kernel/debug/failslab/verbose", "0");
    fail_nth_mark("begin");
}

static void fail_nth_end(void)
{
    fail_nth_mark("end");
    e2e_write_file("/sys/kernel/debug/failslab/ignore-gfp-wait", "Y");
    close(nth_fd);
    nth_fd = -1;
}

#endif /* HSX_E2E_FAIL_NTH_H */
