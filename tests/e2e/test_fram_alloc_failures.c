/* SPDX-License-Identifier: MIT */
/*
 * Every allocation the FRAM module's entry points make, failed in turn
 * (fail_nth.h), on the test board's simulated part. Each failed call must
 * fail cleanly (ENOMEM) and leave nothing behind: after a failed bind the
 * device is unbound and the provider's module no longer held (its refcnt
 * back where it was: the nvmem device was let go), after a failed write or
 * record write the part unchanged; the call then succeeds once no
 * allocation fails. A file's first read allocates the buffer its reads go
 * through and keeps it: reads are failed on a fresh file each, and a read
 * after the first allocates nothing. KASAN, kmemleak and lockdep watch (the
 * debug kernel).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "e2e.h"
#include "fail_nth.h"
#include "hsx_uapi.h"

#define PART "hsx-fram-sim0"
#define REFCNT "/sys/module/hsx_fram_sim/refcnt"

static int ctl = -1, node = -1;

static int map_dev(const char *name)
{
    struct hsx_fram_map m = {.dev = 0};

    snprintf(m.name, sizeof(m.name), "%s", name);
    return ioctl(ctl, HSX_IOC_FRAM_MAP, &m) ? -errno : 0;
}

static int setup(void **state)
{
    (void)state;
    if (!have_fail_nth())
        return 0;
    ctl = e2e_open_node("ctl");
    node = e2e_open_node("fram");
    map_dev("");
    fail_nth_begin();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!have_fail_nth())
        return 0;
    fail_nth_end();
    map_dev("");
    close(node);
    close(ctl);
    return 0;
}

/* Binding: every allocation of MAP fails once; each failure leaves nothing bound or held. */
static void bind_under_allocation_failures(void **state)
{
    unsigned int n, failures = 0;
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        return;
    }
    const uint64_t held = e2e_sysfs_u64(REFCNT);
    for (n = 1; n < FAIL_NTH_MAX; n++) {
        fail_nth(n);
        int ret = map_dev(PART);
        bool fired = fail_nth_fired();
        if (!ret && !fired)
            break; /* nothing failed: bound */
        if (!ret) {
            assert_int_equal(map_dev(""), 0); /* one it could do without */
            continue;
        }
        failures++;
        assert_int_equal(ret, -ENOMEM);
        struct hsx_fram_info info = {.dev = 0};
        assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_INFO, &info), 0);
        assert_int_equal(info.bound, 0);
        assert_false(e2e_exists("/dev/hsx/fram0"));
        assert_int_equal(e2e_sysfs_u64(REFCNT), held);
    }
    printf("# MAP: %u allocations failed in turn and MAP failed, then it bound\n", failures);
    assert_true(n < FAIL_NTH_MAX);
    assert_true(failures > 3);
    assert_int_equal(map_dev(""), 0);
    assert_int_equal(e2e_sysfs_u64(REFCNT), held);
}

static int op_ioctl(int op, int fd, uint8_t *buf)
{
    struct hsx_fram_xfer x = {.dev = 0, .addr = 1000, .len = 2000, .buf = (uintptr_t)buf};
    struct hsx_fram_record r = {.dev = 0,
                                .id = 1,
                                .base = 4096,
                                .slot_size = 128,
                                .slots = 2,
                                .len = 100,
                                .buf = (uintptr_t)buf};

    switch (op) {
    case 0:
        return ioctl(fd, HSX_IOC_FRAM_READ, &x);
    case 1:
        return ioctl(fd, HSX_IOC_FRAM_WRITE, &x);
    case 2:
        return ioctl(fd, HSX_IOC_FRAM_RECORD_WRITE, &r);
    default:
        return ioctl(fd, HSX_IOC_FRAM_RECORD_READ, &r);
    }
}

/* Read, write, records: each allocation fails once, nothing changes, then it works. */
static void operations_under_allocation_failures(void **state)
{
    static const char *const names[] = {"read", "write", "record write", "record read"};
    static uint8_t before[2000], buf[2000], after[2000];
    unsigned int n, failures[4] = {0};
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        return;
    }
    assert_int_equal(map_dev(PART), 0);
    for (int op = 0; op < 4; op++) {
        for (n = 1; n < FAIL_NTH_MAX; n++) {
            assert_int_equal(op_ioctl(0, node, before), 0);
            memset(buf, 0x40 + op * 16 + (int)(n % 16), sizeof(buf));
            /* A read allocates on its file's first read only. */
            int fd = op == 0 ? e2e_open_node("fram") : node;
            fail_nth(n);
            int ret = op_ioctl(op, fd, buf) ? -errno : 0;
            bool fired = fail_nth_fired();
            if (fd != node)
                close(fd);
            if (!ret && !fired)
                break;
            if (!ret)
                continue;
            failures[op]++;
            if (ret != -ENOMEM)
                fail_msg("%s, allocation %u failed: %s", names[op], n, strerror(-ret));
            /* A failed write or record write changed nothing. */
            assert_int_equal(op_ioctl(0, node, after), 0);
            assert_memory_equal(after, before, sizeof(after));
        }
        assert_true(n < FAIL_NTH_MAX);
    }
    /* The file keeps its read buffer: a second read allocates nothing. */
    fail_nth(1);
    assert_int_equal(op_ioctl(0, node, buf), 0);
    assert_false(fail_nth_fired());
    printf("# allocations failed in turn: read %u, write %u, record write %u, record read %u\n",
           failures[0], failures[1], failures[2], failures[3]);
    for (int op = 0; op < 4; op++)
        assert_true(failures[op] > 0);
    assert_int_equal(map_dev(""), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bind_under_allocation_failures),
        cmocka_unit_test(operations_under_allocation_failures),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
