// SPDX-License-Identifier: MIT
/*
 * FRAM capabilities against the real hsxd and hsx.ko, with applications that
 * run as unprivileged users and call the library unchanged: device 0's
 * range 0x0000-0x0fff with read and write is what one gets, read alone what
 * another gets. An access straddling the range's end (short, or longer than
 * the kernel's chunk), another range, addr+len wrapping and a write without
 * the write right are refused, and the test, as root, finds nothing written.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "e2e.h"
#include "hsx_cap.h"
#include "hsx_fram.h"
#include "hsx_uapi.h"
#include "hsxd_run.h"

#define RW_UID 1000   /* device 0, 0x0000-0x0fff: read, write */
#define READ_UID 1001 /* device 0, 0x0000-0x0f7f: read (its last block only half) */
#define AREA 0x0e00   /* the test's pattern: 0x0e00..0x23ff, across the range's end */
#define AREA_LEN 0x1600

static const char policy_text[] = "version = 1;\n"
                                  "lifetime = 60;\n"
                                  "rules = (\n"
                                  "  { name = \"fram-rw\"; match = { uid = 1000; };\n"
                                  "    fram = { device = 0; ranges = \"0x0000-0x0fff\";\n"
                                  "             rights = [\"read\", \"write\"]; }; },\n"
                                  "  { name = \"fram-read\"; match = { uid = 1001; };\n"
                                  "    fram = { device = 0; ranges = \"0x0000-0x0f7f\";\n"
                                  "             rights = [\"read\"]; }; }\n"
                                  ");\n";

static struct hsxd_run hsxd;
static uint8_t pattern[AREA_LEN];

static int map_dev(unsigned int dev, const char *name)
{
    struct hsx_fram_map m = {.dev = dev};
    int fd = e2e_open_node("ctl");

    snprintf(m.name, sizeof(m.name), "%s", name);
    int ret = e2e_ioctl(fd, HSX_IOC_FRAM_MAP, &m);
    close(fd);
    return ret;
}

static int group_setup(void **state)
{
    (void)state;
    map_dev(0, "");
    if (map_dev(0, "hsx-fram-sim0"))
        return -1;
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)(i * 7 + 3);
    if (hsx_fram_write(AREA, pattern, sizeof(pattern)) != (int)sizeof(pattern))
        return -1;
    return hsxd_run_start(&hsxd, "fram-caps", policy_text);
}

static int group_teardown(void **state)
{
    (void)state;
    hsxd_run_stop(&hsxd);
    map_dev(0, "");
    return 0;
}

/* Write len bytes of ones at addr: the code, and the errno behind it. */
static int write_ones(uint32_t addr, uint32_t len)
{
    static uint8_t ones[0x400];

    memset(ones, 0xff, sizeof(ones));
    return hsx_fram_write(addr, ones, len);
}

static int app_read_write(struct app *a)
{
    uint8_t buf[0x400];
    hsx_cap_info_t info;
    (void)a;

    APP_CHECK(hsx_fram_read(0x0e00, buf, 0x100) == 0x100);
    APP_CHECK(memcmp(buf, pattern, 0x100) == 0);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_FRAM, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_HELD);
    APP_CHECK(info.rights == (HSX_CAP_RIGHT_READ | HSX_CAP_RIGHT_WRITE));
    APP_CHECK(info.selector.fram.devices == 1 && info.selector.fram.nranges == 1);
    APP_CHECK(info.selector.fram.ranges[0].first == 0 &&
              info.selector.fram.ranges[0].last == 0x0fff);
    APP_CHECK(hsx_fram_get_size() > 0x2400);
    /* Its own range: the last bytes of it (and back as they were). */
    APP_CHECK(hsx_fram_write(0x0ff0, pattern + 0x1f0, 0x10) == 0x10);
    APP_CHECK(hsx_fram_get_wear(0x0ff0) >= 1);
    /* Straddling the end: short, and longer than the kernel's 256-byte chunk. */
    APP_CHECK(write_ones(0x0ff0, 0x20) == HSX_HAL_DENIED && hsx_hal_errno() == EACCES);
    APP_CHECK(write_ones(0x0f00, 0x200) == HSX_HAL_DENIED && hsx_hal_errno() == EACCES);
    APP_CHECK(hsx_fram_read(0x0ff0, buf, 0x20) == HSX_HAL_DENIED);
    /* Another range, and wrapping. */
    APP_CHECK(write_ones(0x2000, 0x10) == HSX_HAL_DENIED);
    APP_CHECK(hsx_fram_read(0x2000, buf, 0x10) == HSX_HAL_DENIED);
    APP_CHECK(hsx_fram_get_wear(0x2000) == HSX_HAL_DENIED);
    APP_CHECK(write_ones(UINT32_MAX - 0x0f, 0x20) == HSX_HAL_INVALID_PARAM);
    /* Records: a group reaching past the range is outside it. */
    APP_CHECK(hsx_fram_record_setup(0, 0x0f00, 128, 4) == HSX_HAL_OK); /* 0x0f00..0x10ff */
    APP_CHECK(hsx_fram_record_write(0, "x", 1) == HSX_HAL_DENIED);
    return 0;
}

static int app_read_only(struct app *a)
{
    uint8_t buf[0x20];
    (void)a;

    APP_CHECK(hsx_fram_read(0x0e00, buf, sizeof(buf)) == (int)sizeof(buf));
    APP_CHECK(memcmp(buf, pattern, sizeof(buf)) == 0);
    APP_CHECK(write_ones(0x0e00, 0x10) == HSX_HAL_DENIED);
    APP_CHECK(hsx_hal_errno() == EACCES || hsx_hal_errno() == EPERM);
    APP_CHECK(hsx_fram_record_setup(0, 0x0000, 64, 4) == HSX_HAL_OK);
    APP_CHECK(hsx_fram_record_write(0, "x", 1) == HSX_HAL_DENIED);
    /*
     * A block's count is the whole block's writes: only for a block all of
     * whose bytes are the caller's (0x0f00..0x0fff is half another's).
     */
    APP_CHECK(hsx_fram_get_wear(0x0e00) >= 0);
    APP_CHECK(hsx_fram_get_wear(0x0f00) == HSX_HAL_DENIED);
    APP_CHECK(hsx_fram_read(0x0f00, buf, 0x10) == 0x10);
    return 0;
}

static void ranges_and_rights_are_what_apps_get(void **state)
{
    uint8_t back[AREA_LEN];
    (void)state;

    assert_int_equal(run_app(app_read_write, RW_UID), 0);
    assert_int_equal(run_app(app_read_only, READ_UID), 0);
    /* Nothing the refused calls touched was written. */
    assert_int_equal(hsx_fram_read(AREA, back, sizeof(back)), (int)sizeof(back));
    for (size_t i = 0; i < sizeof(back); i++) {
        if (back[i] != pattern[i])
            fail_msg("0x%zx: 0x%02x, written 0x%02x", AREA + i, back[i], pattern[i]);
    }
}

#define SIM_PARAM(name) "/sys/module/hsx_fram_sim/parameters/" name
#define LARGE 0x0c00 /* three 1 KiB chunks, 0x0000..0x0bff */

/* Writes LARGE bytes of 0x5a at 0 when told to; the revocation comes in its second chunk. */
static int app_large_write(struct app *a)
{
    static uint8_t big[LARGE];
    uint8_t buf[16];
    hsx_cap_info_t info;
    char go;

    /* A read acquires the capability (a write would wake the counts' write-back). */
    APP_CHECK(hsx_fram_read(0, buf, sizeof(buf)) == (int)sizeof(buf));
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_FRAM, &info) == HSX_HAL_OK);
    tell(a->out, &info.id, sizeof(info.id));
    if (!hear(a->in, &go, 1))
        return 2;
    memset(big, 0x5a, sizeof(big));
    int n = hsx_fram_write(0, big, sizeof(big));
    /* The chunk under way when the revocation came went; nothing after it. */
    if (n != 2 * 1024) {
        uint64_t was = info.id;

        fprintf(stderr, "large write: %d (errno %d); capability %llu before it, now %llu\n", n,
                hsx_hal_errno(), (unsigned long long)was,
                hsx_cap_get(HSX_CAP_MODULE_FRAM, &info) == HSX_HAL_OK ? (unsigned long long)info.id
                                                                      : 0ull);
    }
    APP_CHECK(n == 2 * 1024);
    APP_CHECK(hsx_fram_write(0, "y", 1) == HSX_HAL_DENIED);
    return 0;
}

struct revoking {
    uint64_t id;
    int status; /* hsxctl's */
};

/* No cmocka assertion off the test's thread: the status is judged after the join. */
static void *revoke_thread(void *arg)
{
    struct revoking *r = arg;
    char cmd[96];

    snprintf(cmd, sizeof(cmd), "hsxctl cap revoke %llu >/dev/null", (unsigned long long)r->id);
    r->status = system(cmd);
    if (r->status)
        (void)system("hsxctl cap list >&2");
    return NULL;
}

/*
 * Revocation during a large write: the simulated part stalls the write's
 * second chunk (as a slow bus would) while the administrator revokes. The
 * revocation waits for that chunk, which was checked before it, and no
 * chunk after it is written: the write reports the two that went.
 */
static void revocation_during_a_large_write(void **state)
{
    uint8_t before[LARGE], after[LARGE];
    struct revoking r = {0};
    struct app a;
    pthread_t t;
    (void)state;

    usleep((HSX_FRAM_WEAR_FLUSH_MS + 500) * 1000); /* no write-back of counts pending */
    assert_int_equal(hsx_fram_read(0, before, sizeof(before)), (int)sizeof(before));
    start_app(&a, app_large_write, RW_UID);
    assert_true(hear(a.from_app, &r.id, sizeof(r.id)));
    e2e_write_file(SIM_PARAM("stall_write"), "2");
    tell(a.to_app, "g", 1);
    for (uint64_t start = e2e_now_ms(); !e2e_sysfs_u64("%s", SIM_PARAM("stalled"));)
        if (e2e_now_ms() - start > E2E_LIVENESS_MS)
            fail_msg("the write's second chunk never stalled");
    const uint64_t live = e2e_sysfs_u64("/sys/hal/caps/active");
    assert_int_equal(pthread_create(&t, NULL, revoke_thread, &r), 0);
    /*
     * The revocation has ended the capability (the live count, read without
     * the lock the revocation holds while it waits for the chunk under way)
     * before the part lets the chunk go: a fixed pause raced hsxctl and hsxd
     * on a loaded host, and the chunk after went too.
     */
    for (uint64_t start = e2e_now_ms(); e2e_sysfs_u64("/sys/hal/caps/active") >= live;) {
        if (e2e_now_ms() - start > E2E_LIVENESS_MS)
            fail_msg("the revocation never ended the capability (%llu live)",
                     (unsigned long long)e2e_sysfs_u64("/sys/hal/caps/active"));
        usleep(10000);
    }
    e2e_write_file(SIM_PARAM("stall_write"), "0");
    pthread_join(t, NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(finish_app(&a), 0);
    assert_int_equal(hsx_fram_read(0, after, sizeof(after)), (int)sizeof(after));
    for (size_t i = 0; i < sizeof(after); i++) {
        uint8_t want = i < 2 * 1024 ? 0x5a : before[i];
        if (after[i] != want)
            fail_msg("0x%zx: 0x%02x, not 0x%02x", i, after[i], want);
    }
    /* Give the area its pattern back for the other rows. */
    assert_int_equal(hsx_fram_write(0, before, sizeof(before)), (int)sizeof(before));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranges_and_rights_are_what_apps_get),
        cmocka_unit_test(revocation_during_a_large_write),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
