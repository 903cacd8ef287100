/* SPDX-License-Identifier: MIT */
/*
 * Every allocation the CAN module's entry points make, failed in turn
 * (failslab through /proc/thread-self/fail-nth: the n-th allocation of the
 * next system call fails), while cangen floods the bus so that the receive
 * path runs on the other CPU meanwhile. Each failed call must fail cleanly
 * (ENOMEM, or the error of what could not be set up) and leave nothing
 * behind: the bus unbound after a failed bind, no subscription after a
 * failed subscribe, no frame sent after a failed TX, no job after a failed
 * periodic start or watch; the call then succeeds
 * once no allocation fails. KASAN, kmemleak and lockdep watch (the debug
 * kernel: its kmemleak and kernel-log checks end the run).
 * (fail_nth.h: the debug kernel's fault injection.)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "can_rig.h"
#include "e2e.h"
#include "fail_nth.h"
#include "hsx_uapi.h"

#define IFACE "vcan0"

static pid_t flood = -1;

static int setup(void **state)
{
    (void)state;
    if (!have_fail_nth())
        return 0;
    fail_nth_begin();
    rig_unmap_all();
    rig_vcan(IFACE);
    flood = fork();
    assert_true(flood >= 0);
    if (flood == 0) {
        execlp("cangen", "cangen", IFACE, "-g", "0", "-p", "10", "-I", "r", (char *)NULL);
        _exit(127);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (flood > 0) {
        kill(flood, SIGTERM);
        waitpid(flood, NULL, 0);
    }
    if (!have_fail_nth())
        return 0;
    fail_nth_end();
    rig_unmap_all();
    rig_sh(RIG_IP " link del " IFACE " 2>/dev/null");
    return 0;
}

/* Binding: every allocation of MAP fails once; each failure leaves the bus unbound. */
static void bind_under_allocation_failures(void **state)
{
    struct hsx_can_map m = {.bus = 0};
    int ctl = e2e_open_node("ctl"), can = e2e_open_node("can");
    unsigned int n, failures = 0, tolerated = 0;
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        close(ctl);
        close(can);
        return;
    }
    snprintf(m.ifname, sizeof(m.ifname), "%s", IFACE);
    for (n = 1; n < FAIL_NTH_MAX; n++) {
        fail_nth(n);
        int ret = ioctl(ctl, HSX_IOC_CAN_MAP, &m) ? -errno : 0;
        bool fired = fail_nth_fired();
        if (!ret && !fired)
            break; /* nothing failed: bound */
        if (!ret) {
            /* An allocation it can do without (a reference tracker's): bound all the same. */
            tolerated++;
            assert_int_equal(rig_map(0, ""), 0);
            continue;
        }
        failures++;
        assert_int_equal(ret, -ENOMEM);
        /* Nothing is left of it. */
        struct hsx_can_info info = {.bus = 0};
        assert_int_equal(e2e_ioctl(can, HSX_IOC_CAN_INFO, &info), 0);
        assert_int_equal(info.bound, 0);
        assert_false(e2e_exists("/dev/hsx/can0"));
    }
    printf("# MAP: %u allocations failed in turn and MAP failed, %u it did without, then it "
           "bound\n",
           failures, tolerated);
    assert_true(n < FAIL_NTH_MAX);
    assert_true(failures > 3);
    assert_int_equal(rig_map(0, ""), 0);
    close(ctl);
    close(can);
}

/*
 * The next TX_DONE or TX_FAILED on q within ms, skipping cangen's frames (the file's filter
 * keeps most out): 1, or 0 when none came.
 */
static int next_tx_record(int q, struct rig_event *ev, int ms)
{
    while (rig_next(q, ev, ms) == 1)
        if (ev->hdr.type != HSX_EVT_DATA || ev->can.kind != HSX_CAN_EV_FRAME)
            return 1;
    return 0;
}

/*
 * A NOWAIT send that returned 0 gets exactly one record, whatever allocation failed: TX_DONE,
 * or TX_FAILED (timeout) when the echo's own allocation failed and it never came.
 */
static void expect_one_record(int q, uint64_t cookie)
{
    struct rig_event ev;

    assert_int_equal(next_tx_record(q, &ev, E2E_LIVENESS_MS), 1);
    assert_int_equal(ev.hdr.type, HSX_EVT_DATA);
    if (ev.can.cookie != cookie)
        fail_msg("cookie %llu: a record of kind %u, cookie %llu, error %u",
                 (unsigned long long)cookie, ev.can.kind, (unsigned long long)ev.can.cookie,
                 ev.can.error);
    if (ev.can.kind == HSX_CAN_EV_TX_FAILED)
        assert_int_equal(ev.can.error, HSX_CAN_TXF_TIMEOUT);
    else
        assert_int_equal(ev.can.kind, HSX_CAN_EV_TX_DONE);
    if (next_tx_record(q, &ev, 200))
        fail_msg("cookie %llu: then a record of type %u kind %u, cookie %llu, error %u",
                 (unsigned long long)cookie, ev.hdr.type, ev.can.kind,
                 (unsigned long long)ev.can.cookie, ev.can.error);
}

/* Subscribing, filtering, sending, status: each allocation fails once, then it works. */
static void operations_under_allocation_failures(void **state)
{
    struct hsx_can_frame f = rig_frame(0x100, 0, "0102");
    unsigned int n, failures[5] = {0};
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        return;
    }
    assert_int_equal(rig_map(0, IFACE), 0);
    /* A fresh file each round: its first TX makes the socket too. */
    for (int op = 0; op < 5; op++) {
        for (n = 1; n < FAIL_NTH_MAX; n++) {
            int fd = e2e_open_node("can");
            int q = op == 3 ? rig_subscribe(fd, "hal:can:0:rx", 64) : -1;
            struct hsx_can_filter only = {
                .bus = 0, .bank = 0, .id = 0x100, .mask = 0x7ff, .flags = HSX_CAN_FLT_ON};
            if (op == 3) /* before the injection: cangen's frames kept out of q */
                assert_int_equal(e2e_ioctl(fd, HSX_IOC_CAN_SET_FILTER, &only), 0);
            struct hsx_mbox_open o = {.queue_len = 8};
            struct hsx_can_filter flt = {
                .bus = 0, .bank = 1, .id = 1, .mask = 1, .flags = HSX_CAN_FLT_ON};
            struct hsx_can_status st = {.bus = 0};
            struct hsx_can_tx tx = {.bus = 0, .frame = f};
            struct hsx_can_tx nowait = {
                .bus = 0, .timeout_ms = 100, .flags = HSX_CAN_TX_NOWAIT, .frame = f};
            int ret;

            snprintf(o.name, sizeof(o.name), "hal:can:0:rx");
            fail_nth(n);
            switch (op) {
            case 0:
                ret = ioctl(fd, HSX_IOC_MBOX_OPEN, &o);
                break;
            case 1:
                ret = ioctl(fd, HSX_IOC_CAN_SET_FILTER, &flt);
                break;
            case 2:
                ret = ioctl(fd, HSX_IOC_CAN_TX, &tx);
                break;
            case 3:
                ret = ioctl(fd, HSX_IOC_CAN_TX, &nowait);
                break;
            default:
                ret = ioctl(fd, HSX_IOC_CAN_GET_STATUS, &st);
                break;
            }
            int err = ret < 0 ? errno : 0;
            bool fired = fail_nth_fired();
            if (ret >= 0 && op == 0)
                close(ret);
            if (op == 3) {
                struct rig_event ev;
                assert_true(q >= 0);
                if (ret == 0)
                    expect_one_record(q, nowait.cookie);
                else /* a send that failed is the call's error: no record of it, ever */
                    assert_int_equal(next_tx_record(q, &ev, 200), 0);
                close(q);
            }
            close(fd);
            if (ret >= 0 && !fired)
                break;
            if (ret < 0) {
                failures[op]++;
                /*
                 * No memory; or no inode for a new file or socket (ENFILE);
                 * or, for TX, an allocation on the driver's echo path (vcan's
                 * echo skb, the backlog): the echo never comes, and TX says so.
                 */
                if (err != ENOMEM && err != ENFILE && !(op == 2 && err == ETIMEDOUT))
                    fail_msg("operation %d, allocation %u failed: %s", op, n, strerror(err));
            }
        }
        assert_true(n < FAIL_NTH_MAX);
    }
    printf("# allocations failed in turn: subscribe %u, set filter %u, TX %u, NOWAIT TX %u, "
           "status %u\n",
           failures[0], failures[1], failures[2], failures[3], failures[4]);
    assert_true(failures[0] > 0 && failures[2] > 0 && failures[3] > 0);
    assert_int_equal(rig_map(0, ""), 0);
}

/*
 * cmd with arg on a fresh file each round, its n-th allocation failing: it
 * fails with ENOMEM (or ENFILE: no inode for the file's socket) and leaves
 * nothing (query, on the same file, is ENOENT), or it works (query finds
 * it). Returns how many failed before it worked without a failure.
 */
static unsigned int slot_under_failures(unsigned long cmd, const void *arg, unsigned long query_cmd,
                                        const void *query, size_t size)
{
    unsigned char buf[256], q[256];
    unsigned int n, failures = 0;

    assert_true(size <= sizeof(buf));
    assert_int_equal(rig_map(0, IFACE), 0);
    for (n = 1; n < FAIL_NTH_MAX; n++) {
        int fd = e2e_open_node("can");

        memcpy(buf, arg, size);
        memcpy(q, query, size);
        fail_nth(n);
        int ret = ioctl(fd, cmd, buf) ? -errno : 0;
        bool fired = fail_nth_fired();
        if (ret) {
            failures++;
            if (ret != -ENOMEM && ret != -ENFILE)
                fail_msg("allocation %u failed: %s", n, strerror(-ret));
        }
        assert_int_equal(e2e_ioctl(fd, query_cmd, q), ret ? -ENOENT : 0);
        close(fd);
        if (!ret && !fired)
            break;
    }
    assert_true(n < FAIL_NTH_MAX);
    assert_true(failures > 0);
    assert_int_equal(rig_map(0, ""), 0);
    return failures;
}

/* Starting a periodic job (the file's jobs' socket at its first, the job). */
static void periodic_under_allocation_failures(void **state)
{
    struct hsx_can_periodic p = {.bus = 0,
                                 .op = HSX_CAN_PER_START,
                                 .interval_us = 1000,
                                 .count = 3,
                                 .frame = rig_frame(0x101, 0, "0304")};
    struct hsx_can_periodic q = {.bus = 0, .op = HSX_CAN_PER_QUERY};
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        return;
    }
    printf("# PERIODIC start: %u allocations failed in turn, then it started\n",
           slot_under_failures(HSX_IOC_CAN_PERIODIC, &p, HSX_IOC_CAN_PERIODIC, &q, sizeof(p)));
}

/* Arming a watch. */
static void watch_under_allocation_failures(void **state)
{
    struct hsx_can_watch w = {.bus = 0,
                              .op = HSX_CAN_WATCH_ARM,
                              .flags = HSX_CAN_FLT_STD,
                              .id = 0x101,
                              .mask = 0x7FF,
                              .timeout_us = 100000};
    struct hsx_can_watch q = {.bus = 0, .op = HSX_CAN_WATCH_QUERY};
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        return;
    }
    printf("# WATCH arm: %u allocations failed in turn, then it was armed\n",
           slot_under_failures(HSX_IOC_CAN_WATCH, &w, HSX_IOC_CAN_WATCH, &q, sizeof(w)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bind_under_allocation_failures),
        cmocka_unit_test(operations_under_allocation_failures),
        cmocka_unit_test(periodic_under_allocation_failures),
        cmocka_unit_test(watch_under_allocation_failures),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
