/* SPDX-License-Identifier: MIT */
/*
 * RX-timeout watches (HSX_IOC_CAN_WATCH, can-bcm's RX_TIMEOUT done by
 * hsx.ko) with the test itself, cangen and cansend as the senders: a
 * silence makes exactly one RX_TIMEOUT record, frames of the watched ID
 * keep it quiet and the next silence makes one more; the counts say how
 * many frames and timeouts; a disarmed watch says nothing more. The
 * silences and the senders' gaps are far apart (200 ms against 10 ms), and
 * what is asserted is a count of records, judged against the gaps the
 * sender saw (a loaded host may leave one longer than the timeout). IDs outside the capability's
 * receive range are refused; a revoked capability ends its watches, and their counts are read under
 * a capability only; a bus bounds its watches (ENOSPC); bad input is EINVAL.
 */
#include <errno.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "can_rig.h"
#include "cap_holder.h"
#include "e2e.h"
#include "hsx_can.h"
#include "hsx_uapi.h"

#define BUS 0
#define IFACE "vcan0"
#define TIMEOUT_US 200000
#define QUIET_MS 800 /* four timeouts: a second record would have come */

static int watch_op(int fd, uint32_t op, uint32_t slot, uint32_t flags, uint32_t id, uint32_t mask,
                    uint32_t timeout_us, struct hsx_can_watch *out)
{
    struct hsx_can_watch w = {.bus = BUS,
                              .slot = slot,
                              .op = op,
                              .flags = flags,
                              .id = id,
                              .mask = mask,
                              .timeout_us = timeout_us};
    int ret = e2e_ioctl(fd, HSX_IOC_CAN_WATCH, &w);

    if (out)
        *out = w;
    return ret;
}

/* RX_TIMEOUT records on q until none came for ms (frames skipped); each checked for slot. */
static unsigned int timeouts_until_quiet(int q, uint32_t slot, uint32_t id, uint64_t *last)
{
    struct rig_event ev;
    unsigned int n = 0;

    while (rig_next(q, &ev, QUIET_MS) == 1) {
        assert_int_equal(ev.hdr.type, HSX_EVT_DATA);
        assert_int_equal(ev.hdr.dropped, 0);
        if (ev.can.kind == HSX_CAN_EV_FRAME)
            continue;
        assert_int_equal(ev.can.kind, HSX_CAN_EV_RX_TIMEOUT);
        assert_int_equal(ev.can.state, slot);
        assert_int_equal(ev.can.frame.can_id, id);
        assert_int_equal(ev.can.frame.len, 0);
        *last = ev.can.cookie;
        n++;
    }
    return n;
}

/* Gaps between frames, as their sender saw them. */
struct gaps {
    unsigned int longer;   /* than the timeout: each must make a record */
    unsigned int doubtful; /* longer than half of it: each may */
};

/*
 * n frames of id, gap_ms apart, sent by this process on IFACE; the gaps
 * between them that were long enough to make a record.
 */
static struct gaps send_frames(uint32_t id, unsigned int n, unsigned int gap_ms)
{
    const struct timespec gap = {.tv_nsec = (long)gap_ms * 1000000};
    struct gaps g = {0};
    uint64_t prev = 0;

    int sk = socket(PF_CAN, SOCK_RAW, CAN_RAW);
    assert_true(sk >= 0);
    assert_int_equal(setsockopt(sk, SOL_CAN_RAW, CAN_RAW_FILTER, NULL, 0), 0); /* sends only */
    struct sockaddr_can addr = {.can_family = AF_CAN, .can_ifindex = (int)if_nametoindex(IFACE)};
    assert_true(addr.can_ifindex > 0);
    assert_int_equal(bind(sk, (struct sockaddr *)&addr, sizeof(addr)), 0);
    for (unsigned int i = 0; i < n; i++) {
        struct can_frame f = {.can_id = id, .len = 2};

        if (i)
            nanosleep(&gap, NULL);
        assert_int_equal(write(sk, &f, sizeof(f)), (ssize_t)sizeof(f));
        uint64_t now = e2e_now_ms();
        if (i && now - prev > TIMEOUT_US / 1000)
            g.longer++;
        if (i && now - prev > TIMEOUT_US / 2000)
            g.doubtful++;
        prev = now;
    }
    close(sk);
    return g;
}

static void one_record_per_silence(void **state)
{
    struct hsx_can_watch w;
    uint64_t last = 0;
    unsigned int n;
    (void)state;

    int fd = e2e_open_node("can");
    int q = rig_subscribe(fd, "hal:can:0:rx", 256);
    assert_true(q >= 0);
    assert_int_equal(
        watch_op(fd, HSX_CAN_WATCH_ARM, 4, HSX_CAN_FLT_STD, 0x222, 0x7FF, TIMEOUT_US, NULL), 0);

    /* Armed, nothing sent: one record, then quiet. */
    assert_int_equal(timeouts_until_quiet(q, 4, 0x222, &last), 1);
    assert_int_equal(last, 1);

    /*
     * 30 frames 10 ms apart keep it quiet; the silence after them makes one
     * record, and so does each gap between them the host made longer than
     * the timeout.
     */
    struct gaps g = send_frames(0x222, 30, 10);
    /* Another ID keeps nothing quiet, and starts nothing. */
    assert_int_equal(rig_sh("cansend " IFACE " 223#01"), 0);
    n = timeouts_until_quiet(q, 4, 0x222, &last);
    assert_true(n >= 1 + g.longer && n <= 1 + g.doubtful);
    assert_int_equal(last, 1 + n);

    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_QUERY, 4, 0, 0, 0, 0, &w), 0);
    assert_int_equal(w.frames, 30);
    assert_int_equal(w.timeouts, 1 + n);

    /* One frame more, then disarmed: nothing more comes. */
    assert_int_equal(rig_sh("cansend " IFACE " 222#0102"), 0);
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_DISARM, 4, 0, 0, 0, 0, &w), 0);
    assert_true(w.frames == 30 || w.frames == 31); /* it may not have arrived yet */
    assert_int_equal(timeouts_until_quiet(q, 4, 0x222, &last), 0);
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_QUERY, 4, 0, 0, 0, 0, NULL), -ENOENT);
    close(q);
    close(fd);
}

static void library_watch(void **state)
{
    hsx_can_watch_status_t st;
    hsx_can_event_t ev;
    (void)state;

    /* Extended IDs 0x18FFxxxx. */
    assert_int_equal(
        hsx_can_watch_arm(BUS, 1, 0x18FF0000, 0x1FFF0000, HSX_CAN_FILTER_EXT, TIMEOUT_US),
        HSX_HAL_OK);
    assert_int_equal(rig_sh("cansend " IFACE " 18FF1234#01 && cansend " IFACE " 00000123#02"), 0);
    /* The timeouts until one came after the matching frame (the first may come before it). */
    do {
        do
            assert_int_equal(hsx_can_wait_event(BUS, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
        while (ev.kind != HSX_CAN_EVENT_RX_TIMEOUT);
        assert_int_equal(ev.state, 1);
        assert_int_equal(ev.frame.can_id, 0x18FF0000);
        assert_int_equal(ev.frame.flags, HSX_CAN_EXT_FRAME);
        assert_int_equal(hsx_can_watch_query(BUS, 1, &st), HSX_HAL_OK);
    } while (st.frames == 0);
    assert_int_equal(st.frames, 1);        /* the standard frame is another ID */
    assert_true(st.timeouts >= ev.cookie); /* another may have come since */
    assert_int_equal(hsx_can_watch_disarm(BUS, 1, &st), HSX_HAL_OK);
    assert_int_equal(hsx_can_watch_disarm(BUS, 1, &st), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), ENOENT);

    assert_int_equal(hsx_can_watch_arm(BUS, 1, 0x800, 0x7FF, HSX_CAN_FILTER_STD, TIMEOUT_US),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_watch_arm(BUS, 1, 0x1, 0x7FF, HSX_CAN_FILTER_BOTH, TIMEOUT_US),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(
        hsx_can_watch_arm(BUS, HSX_CAN_WATCH_SLOTS, 1, 0x7FF, HSX_CAN_FILTER_STD, TIMEOUT_US),
        HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_watch_arm(BUS, 1, 1, 0x7FF, HSX_CAN_FILTER_STD, 99),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_watch_query(BUS, 1, NULL), HSX_HAL_INVALID_PARAM);
}

static void bad_input(void **state)
{
    struct hsx_can_watch w = {.bus = BUS,
                              .op = HSX_CAN_WATCH_ARM,
                              .flags = HSX_CAN_FLT_STD,
                              .id = 1,
                              .mask = 0x7FF,
                              .timeout_us = TIMEOUT_US};
    (void)state;

    int fd = e2e_open_node("can");
    static const uint32_t bad_flags[] = {0, HSX_CAN_FLT_ON, HSX_CAN_FLT_STD | HSX_CAN_FLT_EXT,
                                         HSX_CAN_FLT_STD | HSX_CAN_FLT_ON};
    for (size_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++)
        assert_int_equal(
            watch_op(fd, HSX_CAN_WATCH_ARM, 0, bad_flags[i], 1, 0x7FF, TIMEOUT_US, NULL), -EINVAL);
    assert_int_equal(
        watch_op(fd, HSX_CAN_WATCH_ARM, 0, HSX_CAN_FLT_STD, 0x800, 0x7FF, TIMEOUT_US, NULL),
        -EINVAL);
    assert_int_equal(
        watch_op(fd, HSX_CAN_WATCH_ARM, 0, HSX_CAN_FLT_STD, 0x1, 0xFFF, TIMEOUT_US, NULL), -EINVAL);
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_ARM, 0, HSX_CAN_FLT_EXT, HSX_CAN_EFF_MASK + 1,
                              HSX_CAN_EFF_MASK, TIMEOUT_US, NULL),
                     -EINVAL);
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_ARM, 0, HSX_CAN_FLT_STD, 1, 0x7FF,
                              HSX_CAN_PERIODIC_MIN_US - 1, NULL),
                     -EINVAL);
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_ARM, HSX_CAN_WATCH_MAX, HSX_CAN_FLT_STD, 1, 0x7FF,
                              TIMEOUT_US, NULL),
                     -EINVAL);
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_QUERY + 1, 0, 0, 0, 0, 0, NULL), -EINVAL);
    rig_refuses_reserved_and_bus(fd, HSX_IOC_CAN_WATCH, &w, &w.end, &w.bus); /* end: out only */
    /* What DISARM and QUERY do not take is zero. */
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_QUERY, 0, 0, 0x1, 0, 0, NULL), -EINVAL);
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_DISARM, 0, HSX_CAN_FLT_STD, 0, 0, 0, NULL),
                     -EINVAL);
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_QUERY, 0, 0, 0, 0, TIMEOUT_US, NULL), -EINVAL);
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_DISARM, 0, 0, 0, 0, 0, NULL), -ENOENT);
    assert_int_equal(watch_op(fd, HSX_CAN_WATCH_QUERY, 0, 0, 0, 0, 0, NULL), -ENOENT);
    close(fd);
}

/* ---- the capability's receive range ------------------------------------------------- */

static int holder_watches(int fd, int sock)
{
    (void)sock;
    CHILD_CHECK(
        watch_op(fd, HSX_CAN_WATCH_ARM, 0, HSX_CAN_FLT_STD, 0x150, 0x7FF, TIMEOUT_US, NULL) == 0);
    /* 0x100 under mask 0x700: 0x100..0x1FF, all in range. */
    CHILD_CHECK(
        watch_op(fd, HSX_CAN_WATCH_ARM, 1, HSX_CAN_FLT_STD, 0x100, 0x700, TIMEOUT_US, NULL) == 0);
    CHILD_CHECK(watch_op(fd, HSX_CAN_WATCH_ARM, 2, HSX_CAN_FLT_STD, 0x200, 0x7FF, TIMEOUT_US,
                         NULL) == -EACCES);
    /* 0x100 under mask 0x600 matches 0x000..0x1FF: more than the range. */
    CHILD_CHECK(watch_op(fd, HSX_CAN_WATCH_ARM, 2, HSX_CAN_FLT_STD, 0x100, 0x600, TIMEOUT_US,
                         NULL) == -EACCES);
    /* The same number as an extended ID is another ID. */
    CHILD_CHECK(watch_op(fd, HSX_CAN_WATCH_ARM, 2, HSX_CAN_FLT_EXT, 0x150, HSX_CAN_EFF_MASK,
                         TIMEOUT_US, NULL) == -EACCES);
    CHILD_CHECK(watch_op(fd, HSX_CAN_WATCH_QUERY, 2, 0, 0, 0, 0, NULL) == -ENOENT);
    return 0;
}

static void outside_the_receive_range(void **state)
{
    union hsx_cap_selector sel = {0};
    (void)state;

    sel.can.buses = 0x1;
    sel.can.flags = HSX_CAN_SEL_RX;
    sel.can.rx_first = 0x100;
    sel.can.rx_last = 0x1FF;
    assert_int_equal(run_granted_holder("can", holder_watches, HSX_MODULE_CAN, HSX_CAP_R_READ, sel),
                     0);
}

/* ---- a revoked capability ends the watch ------------------------------------------------ */

static union hsx_cap_selector rx_range(void)
{
    union hsx_cap_selector sel = {0};

    sel.can.buses = 0x1;
    sel.can.flags = HSX_CAN_SEL_RX;
    sel.can.rx_first = 0x100;
    sel.can.rx_last = 0x1FF;
    return sel;
}

static int holder_loses_its_watch(int fd, int sock)
{
    struct hsx_can_watch w;

    CHILD_CHECK(
        watch_op(fd, HSX_CAN_WATCH_ARM, 0, HSX_CAN_FLT_STD, 0x150, 0x7FF, TIMEOUT_US, NULL) == 0);
    /* The rest of its slots: what fills the bus. */
    for (uint32_t slot = 1; slot < HSX_CAN_WATCH_MAX; slot++)
        CHILD_CHECK(watch_op(fd, HSX_CAN_WATCH_ARM, slot, HSX_CAN_FLT_STD, 0x150 + slot, 0x7FF,
                             HSX_CAN_PERIODIC_MAX_US, NULL) == 0);
    send_byte(sock, 'r');                /* armed: revoke it */
    CHILD_CHECK(recv_byte(sock) == 'v'); /* revoked, then frames of 0x150 sent */
    /* Its counts are the capability's business: none, no QUERY. */
    CHILD_CHECK(watch_op(fd, HSX_CAN_WATCH_QUERY, 0, 0, 0, 0, 0, NULL) == -EKEYREVOKED);
    send_byte(sock, 'a');
    CHILD_CHECK(recv_byte(sock) == 'g');
    /* Granted again: it ended with the capability, and counted nothing since. */
    CHILD_CHECK(watch_op(fd, HSX_CAN_WATCH_QUERY, 0, 0, 0, 0, 0, &w) == 0);
    CHILD_CHECK(w.end == HSX_CAN_END_REVOKED);
    CHILD_CHECK(w.frames == 0);
    CHILD_CHECK(watch_op(fd, HSX_CAN_WATCH_DISARM, 0, 0, 0, 0, 0, &w) == 0);
    CHILD_CHECK(w.end == HSX_CAN_END_REVOKED);
    return 0;
}

/* A watch of ID slot, that falls silent in an hour. */
static int slow_watch(int fd, uint32_t slot)
{
    return watch_op(fd, HSX_CAN_WATCH_ARM, slot, HSX_CAN_FLT_STD, slot, 0x7FF,
                    HSX_CAN_PERIODIC_MAX_US, NULL);
}

/*
 * The holder's watches, with other files', fill the bus: another file's ARM
 * is ENOSPC. Revoked, they end and count on the bus no more, though their
 * slots keep them for QUERY: that ARM works.
 */
static void a_revoked_capability_ends_the_watch(void **state)
{
    const unsigned int files = HSX_CAN_WATCH_BUS_MAX / HSX_CAN_WATCH_MAX - 1;
    int fds[RIG_FILL_FILES];
    struct holder h;
    uint64_t id;
    (void)state;

    rig_fill(fds, files, HSX_CAN_WATCH_MAX, slow_watch);
    int more = e2e_open_node("can");
    start_holder(&h, "can", holder_loses_its_watch);
    assert_int_equal(mint(h.file, HSX_MODULE_CAN, HSX_CAP_R_READ, rx_range(), 30000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'r');
    assert_int_equal(slow_watch(more, 0), -ENOSPC);
    assert_int_equal(revoke_id(id), 0);
    assert_int_equal(slow_watch(more, 0), 0);
    assert_int_equal(rig_sh("cangen " IFACE " -I 150 -L 1 -g 1 -n 5"), 0);
    send_byte(h.sock, 'v');
    assert_int_equal(recv_byte(h.sock), 'a');
    assert_int_equal(mint(h.file, HSX_MODULE_CAN, HSX_CAP_R_READ, rx_range(), 30000000000ull, NULL),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(finish_holder(&h), 0);
    close(more);
    for (unsigned int i = 0; i < files; i++)
        close(fds[i]);
}

/* ---- the bus's bound ------------------------------------------------------------------------ */

/* HSX_CAN_WATCH_BUS_MAX watches over every file; one more is ENOSPC until a file closes. */
static void a_bus_bounds_its_watches(void **state)
{
    const unsigned int files = HSX_CAN_WATCH_BUS_MAX / HSX_CAN_WATCH_MAX;
    int fds[RIG_FILL_FILES];
    (void)state;

    assert_int_equal(files * HSX_CAN_WATCH_MAX, HSX_CAN_WATCH_BUS_MAX);
    rig_fill(fds, files, HSX_CAN_WATCH_MAX, slow_watch);
    /* Re-arming a slot replaces its watch: no more of them. */
    assert_int_equal(slow_watch(fds[0], 0), 0);
    rig_full_until_a_file_closes(fds, files, slow_watch);
}

static int group_teardown(void **state)
{
    rig_vcan0_off(state);
    return cap_admin_release(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(one_record_per_silence, rig_bus0_on_vcan0, rig_bus0_off),
        cmocka_unit_test_setup_teardown(library_watch, rig_bus0_on_vcan0, rig_bus0_off),
        cmocka_unit_test_setup_teardown(bad_input, rig_bus0_on_vcan0, rig_bus0_off),
        cmocka_unit_test_setup_teardown(outside_the_receive_range, rig_bus0_on_vcan0, rig_bus0_off),
        cmocka_unit_test_setup_teardown(a_revoked_capability_ends_the_watch, rig_bus0_on_vcan0,
                                        rig_bus0_off),
        cmocka_unit_test_setup_teardown(a_bus_bounds_its_watches, rig_bus0_on_vcan0, rig_bus0_off),
    };

    return cmocka_run_group_tests(tests, cap_admin_claim, group_teardown);
}
