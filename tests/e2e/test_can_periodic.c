/* SPDX-License-Identifier: MIT */
/*
 * Periodic jobs (HSX_IOC_CAN_PERIODIC, can-bcm's TX_SETUP done by hsx.ko)
 * against candump on vcan0, the peer no one here wrote: the frames it sees
 * are the job's, as many as asked, the updated data from the update on; a
 * stop or a close leaves no frame after it (asserted by what candump logs
 * between markers, never by a time); the interface deleted and the
 * capability revoked end a job, with its end record or its query (under a
 * capability again) saying why; a bus bounds its jobs (how many, frames a
 * second: ENOSPC); an FD frame on a classic interface is EMSGSIZE at once;
 * bad input and IDs outside the capability are refused. The library's calls
 * are exercised on the same rig.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "can_rig.h"
#include "cap_holder.h"
#include "e2e.h"
#include "hsx_can.h"
#include "hsx_uapi.h"

#define BUS 0
#define IFACE "vcan0"
#define LOG "/tmp/periodic.log"

static int teardown(void **state)
{
    unlink(LOG);
    return rig_bus0_off(state);
}

static int group_teardown(void **state)
{
    rig_vcan0_off(state);
    return cap_admin_release(state);
}

static int job_op(int fd, uint32_t op, uint32_t slot, const struct hsx_can_frame *f,
                  uint32_t interval_us, uint32_t count, struct hsx_can_periodic *out)
{
    struct hsx_can_periodic p = {
        .bus = BUS, .slot = slot, .op = op, .interval_us = interval_us, .count = count};

    if (f)
        p.frame = *f;
    int ret = e2e_ioctl(fd, HSX_IOC_CAN_PERIODIC, &p);
    if (out)
        *out = p;
    return ret;
}

/* Lines of candump's log that contain text. */
static unsigned int count_logged(const char *text)
{
    char line[512];
    unsigned int n = 0;
    FILE *f = fopen(LOG, "r");

    assert_non_null(f);
    while (fgets(line, sizeof(line), f))
        n += strstr(line, text) != NULL;
    fclose(f);
    return n;
}

/* Does text appear in the log after the first line with marker? */
static bool logged_after(const char *marker, const char *text)
{
    char line[512];
    bool seen = false, after = false;
    FILE *f = fopen(LOG, "r");

    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        if (seen && strstr(line, text))
            after = true;
        if (strstr(line, marker))
            seen = true;
    }
    fclose(f);
    assert_true(seen);
    return after;
}

/* A marker from cansend (another program), waited for in candump's log. */
static void mark(const char *frame)
{
    assert_int_equal(rig_sh("cansend " IFACE " %s", frame), 0);
    rig_wait_logged(LOG, frame);
}

/* The next record on q that is not a frame: what the test waits for. */
static void next_notice(int q, struct rig_event *ev)
{
    do
        assert_int_equal(rig_next(q, ev, E2E_LIVENESS_MS), 1);
    while (ev->hdr.type == HSX_EVT_DATA && ev->can.kind == HSX_CAN_EV_FRAME);
}

/*
 * candump listening, fd's subscription of the bus's frames (*q), and a job
 * in slot sending f every millisecond, count times. candump's pid.
 */
static pid_t start_watched(int fd, int *q, uint32_t slot, const struct hsx_can_frame *f,
                           uint32_t count)
{
    pid_t dump = rig_candump_ready(fd, BUS, IFACE, LOG);

    *q = rig_subscribe(fd, "hal:can:0:rx", 64);
    assert_true(*q >= 0);
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, slot, f, 1000, count, NULL), 0);
    return dump;
}

/* The next notice on q is the end record of slot's job, for reason. */
static void expect_end(int q, uint32_t slot, uint32_t reason, struct rig_event *ev)
{
    next_notice(q, ev);
    assert_int_equal(ev->hdr.type, HSX_EVT_DATA);
    assert_int_equal(ev->can.kind, HSX_CAN_EV_PERIODIC_END);
    assert_int_equal(ev->can.state, slot);
    assert_int_equal(ev->can.error, reason);
}

/* ---- a count: exactly that many, then the end record ------------------------------ */

static void count_is_exact(void **state)
{
    struct hsx_can_frame f = rig_frame(0x321, 0, "11223344");
    struct hsx_can_periodic p;
    struct rig_event ev;
    (void)state;

    /* Bytes past the length are not sent, nor carried back in the end record. */
    memset(f.data + f.len, 0xee, sizeof(f.data) - f.len);
    int q, fd = e2e_open_node("can");
    pid_t dump = start_watched(fd, &q, 3, &f, 25);

    expect_end(q, 3, HSX_CAN_END_COUNT, &ev);
    assert_int_equal(ev.can.cookie, 25);
    assert_int_equal(ev.can.tx_errors, 0);
    rig_assert_same_frame(&f, &ev.can.frame);
    for (size_t i = f.len; i < sizeof(ev.can.frame.data); i++)
        assert_int_equal(ev.can.frame.data[i], 0);

    mark("7F1#B1");
    rig_stop(dump);
    assert_int_equal(count_logged("321#11223344"), 25);
    /* Its own frames come to the file neither as frames nor as TX_DONE. */
    while (rig_next(q, &ev, 0) == 1)
        assert_true(ev.can.frame.can_id != 0x321);

    /* An ended job keeps its slot for QUERY until STOP frees it. */
    assert_int_equal(job_op(fd, HSX_CAN_PER_QUERY, 3, NULL, 0, 0, &p), 0);
    assert_int_equal(p.end, HSX_CAN_END_COUNT);
    assert_int_equal(p.sent, 25);
    assert_int_equal(p.failed, 0);
    assert_int_equal(job_op(fd, HSX_CAN_PER_UPDATE, 3, &f, 0, 0, NULL), -ESRCH);
    assert_int_equal(job_op(fd, HSX_CAN_PER_STOP, 3, NULL, 0, 0, &p), 0);
    assert_int_equal(p.sent, 25);
    assert_int_equal(job_op(fd, HSX_CAN_PER_QUERY, 3, NULL, 0, 0, NULL), -ENOENT);
    close(q);
    close(fd);
}

/* ---- update in place, then stop ----------------------------------------------------- */

static void update_then_stop(void **state)
{
    struct hsx_can_frame a = rig_frame(0x12345678, HSX_CAN_F_EXT, "AA");
    struct hsx_can_frame b = rig_frame(0x12345678, HSX_CAN_F_EXT, "BBCC");
    struct hsx_can_periodic p;
    (void)state;

    int fd = e2e_open_node("can");
    pid_t dump = rig_candump_ready(fd, BUS, IFACE, LOG);
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 0, &a, 2000, 0, NULL), 0);
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 0, &a, 2000, 0, NULL), -EBUSY);
    rig_wait_logged(LOG, "12345678#AA");
    assert_int_equal(job_op(fd, HSX_CAN_PER_UPDATE, 0, &b, 0, 0, NULL), 0);
    rig_wait_logged(LOG, "12345678#BBCC");
    assert_int_equal(job_op(fd, HSX_CAN_PER_QUERY, 0, NULL, 0, 0, &p), 0);
    assert_int_equal(p.end, HSX_CAN_END_NONE);
    assert_int_equal(job_op(fd, HSX_CAN_PER_STOP, 0, NULL, 0, 0, &p), 0);
    assert_int_equal(p.end, HSX_CAN_END_NONE);
    assert_true(p.sent >= 2);

    /* Every frame it sent reached candump, none after the stop returned. */
    mark("7F1#B2");
    assert_int_equal(rig_sh("cansend " IFACE " 7F3#01 && cansend " IFACE " 7F3#02"), 0);
    mark("7F1#B3");
    rig_stop(dump);
    assert_int_equal(count_logged("12345678#"), p.sent);
    assert_false(logged_after("7F1#B2", "12345678#"));
    /* The update took without a stray old frame after the first new one. */
    assert_false(logged_after("12345678#BBCC", "12345678#AA"));
    assert_int_equal(job_op(fd, HSX_CAN_PER_STOP, 0, NULL, 0, 0, NULL), -ENOENT);
    close(fd);
}

/* ---- closing the file ends its jobs ---------------------------------------------------- */

static void close_ends_jobs(void **state)
{
    struct hsx_can_frame f = rig_frame(0x0AB, 0, "0102");
    (void)state;

    int fd = e2e_open_node("can");
    pid_t dump = rig_candump_ready(fd, BUS, IFACE, LOG);
    int other = e2e_open_node("can");
    for (uint32_t slot = 0; slot < HSX_CAN_PERIODIC_MAX; slot++)
        assert_int_equal(job_op(other, HSX_CAN_PER_START, slot, &f, 1000, 0, NULL), 0);
    rig_wait_logged(LOG, "0AB#0102");
    close(other);
    mark("7F1#B4");
    assert_int_equal(rig_sh("cansend " IFACE " 7F3#01 && cansend " IFACE " 7F3#02"), 0);
    mark("7F1#B5");
    rig_stop(dump);
    assert_false(logged_after("7F1#B4", "0AB#"));
    close(fd);
}

/* ---- the interface goes away ------------------------------------------------------------ */

static void interface_deleted(void **state)
{
    struct hsx_can_frame f = rig_frame(0x0CD, 0, "05");
    struct hsx_can_periodic p;
    struct rig_event ev;
    (void)state;

    int q, fd = e2e_open_node("can");
    pid_t dump = start_watched(fd, &q, 5, &f, 0);
    rig_wait_logged(LOG, "0CD#05");
    rig_stop(dump);
    assert_int_equal(rig_sh(RIG_IP " link del " IFACE), 0);

    expect_end(q, 5, HSX_CAN_END_GONE, &ev);
    assert_true(ev.can.cookie >= 1);
    next_notice(q, &ev);
    assert_int_equal(ev.hdr.type, HSX_EVT_CLOSED);
    assert_int_equal(ev.hdr.close_reason, HSX_CLOSE_GONE);
    assert_int_equal(job_op(fd, HSX_CAN_PER_QUERY, 5, NULL, 0, 0, &p), 0);
    assert_int_equal(p.end, HSX_CAN_END_GONE);
    assert_int_equal(job_op(fd, HSX_CAN_PER_STOP, 5, NULL, 0, 0, NULL), 0);
    /* The bus is unbound now: a new job finds no bus. */
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 5, &f, 1000, 0, NULL), -ENXIO);
    close(q);
    close(fd);
    rig_vcan(IFACE);
    assert_int_equal(rig_map(BUS, IFACE), 0);
}

/* ---- bad input ---------------------------------------------------------------------------- */

static void bad_input(void **state)
{
    struct hsx_can_frame f = rig_frame(0x10, 0, "01");
    struct hsx_can_frame bad = f;
    struct hsx_can_periodic p = {
        .bus = BUS, .op = HSX_CAN_PER_START, .interval_us = 1000, .frame = f};
    (void)state;

    int fd = e2e_open_node("can");
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 0, &f, HSX_CAN_PERIODIC_MIN_US - 1, 0, NULL),
                     -EINVAL);
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 0, &f, 0, 0, NULL), -EINVAL);
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, HSX_CAN_PERIODIC_MAX, &f, 1000, 0, NULL),
                     -EINVAL);
    assert_int_equal(job_op(fd, HSX_CAN_PER_QUERY + 1, 0, &f, 1000, 0, NULL), -EINVAL);
    bad.len = 9; /* a classic frame's DLC past 8 */
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 0, &bad, 1000, 0, NULL), -EINVAL);
    bad = f;
    bad.can_id = 0x800; /* past a standard ID */
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 0, &bad, 1000, 0, NULL), -EINVAL);
    p.flags = 1;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_CAN_PERIODIC, &p), -EINVAL);
    p.flags = 0;
    rig_refuses_reserved_and_bus(fd, HSX_IOC_CAN_PERIODIC, &p, &p.reserved, &p.bus);
    assert_int_equal(job_op(fd, HSX_CAN_PER_UPDATE, 1, &f, 0, 0, NULL), -ENOENT);
    assert_int_equal(job_op(fd, HSX_CAN_PER_STOP, 1, NULL, 0, 0, NULL), -ENOENT);
    assert_int_equal(job_op(fd, HSX_CAN_PER_QUERY, 1, NULL, 0, 0, NULL), -ENOENT);
    /* A job of bus 0 is not bus 1's. */
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 2, &f, 100000, 0, NULL), 0);
    p = (struct hsx_can_periodic){.bus = 1, .slot = 2, .op = HSX_CAN_PER_QUERY};
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_CAN_PERIODIC, &p), -ENOENT);
    /* What an operation does not take is zero: an interval, a count, a frame. */
    assert_int_equal(job_op(fd, HSX_CAN_PER_STOP, 2, NULL, 1000, 0, NULL), -EINVAL);
    assert_int_equal(job_op(fd, HSX_CAN_PER_QUERY, 2, NULL, 0, 1, NULL), -EINVAL);
    assert_int_equal(job_op(fd, HSX_CAN_PER_QUERY, 2, &f, 0, 0, NULL), -EINVAL);
    assert_int_equal(job_op(fd, HSX_CAN_PER_UPDATE, 2, &f, 1000, 0, NULL), -EINVAL);
    /* On a bus's own node, another bus is EINVAL. */
    int node = e2e_open_node("can0");
    p = (struct hsx_can_periodic){
        .bus = 1, .op = HSX_CAN_PER_START, .interval_us = 1000, .frame = f};
    assert_int_equal(e2e_ioctl(node, HSX_IOC_CAN_PERIODIC, &p), -EINVAL);
    close(node);
    close(fd);

    /* The library's own checks. */
    hsx_can_fd_frame_t lf = {.can_id = 0x10, .len = 1};
    assert_int_equal(hsx_can_periodic_start(BUS, 0, &lf, 99, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_periodic_start(BUS, HSX_CAN_PERIODIC_SLOTS, &lf, 1000, 0),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_periodic_start(BUS, 0, NULL, 1000, 0), HSX_HAL_INVALID_PARAM);
    lf.len = 9;
    assert_int_equal(hsx_can_periodic_update(BUS, 0, &lf), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_periodic_query(BUS, 0, NULL), HSX_HAL_INVALID_PARAM);
}

/* ---- the library ---------------------------------------------------------------------- */

static void library_jobs(void **state)
{
    hsx_can_fd_frame_t f = {.can_id = 0x456, .len = 2, .data = {0xDE, 0xAD}};
    hsx_can_periodic_status_t st;
    hsx_can_event_t ev;
    (void)state;

    int fd = e2e_open_node("can");
    pid_t dump = rig_candump_ready(fd, BUS, IFACE, LOG);
    assert_int_equal(hsx_can_periodic_start(BUS, 7, &f, 500, 10), HSX_HAL_OK);
    do
        assert_int_equal(hsx_can_wait_event(BUS, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
    while (ev.kind != HSX_CAN_EVENT_PERIODIC_END);
    assert_int_equal(ev.state, 7);
    assert_int_equal(ev.error_class, HSX_CAN_PERIODIC_END_COUNT);
    assert_int_equal(ev.cookie, 10);
    assert_int_equal(ev.frame.can_id, 0x456);
    assert_int_equal(hsx_can_periodic_query(BUS, 7, &st), HSX_HAL_OK);
    assert_int_equal(st.end, HSX_CAN_PERIODIC_END_COUNT);
    assert_int_equal(st.sent, 10);
    /* An ended job's slot takes a new one. */
    assert_int_equal(hsx_can_periodic_start(BUS, 7, &f, 1000, 0), HSX_HAL_OK);
    assert_int_equal(hsx_can_periodic_start(BUS, 7, &f, 1000, 0), HSX_HAL_BUSY);
    f.data[1] = 0xEF;
    assert_int_equal(hsx_can_periodic_update(BUS, 7, &f), HSX_HAL_OK);
    rig_wait_logged(LOG, "456#DEEF");
    assert_int_equal(hsx_can_periodic_stop(BUS, 7, &st), HSX_HAL_OK);
    assert_true(st.sent >= 1);
    assert_int_equal(hsx_can_periodic_stop(BUS, 7, &st), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), ENOENT);
    mark("7F1#B6");
    rig_stop(dump);
    assert_int_equal(count_logged("456#"), 10 + st.sent);
    close(fd);
}

/* ---- capabilities: the tx range, and a revocation ---------------------------------------- */

static union hsx_cap_selector tx_range(uint32_t first, uint32_t last)
{
    union hsx_cap_selector sel = {0};

    sel.can.buses = 0x1;
    sel.can.flags = HSX_CAN_SEL_TX | HSX_CAN_SEL_RX;
    sel.can.tx_first = first;
    sel.can.tx_last = last;
    sel.can.rx_last = HSX_CAN_SFF_MASK;
    return sel;
}

static int holder_runs_a_job(int fd, int sock)
{
    struct hsx_can_frame in = rig_frame(0x150, 0, "77");
    struct hsx_can_frame out = rig_frame(0x200, 0, "77");
    struct hsx_can_periodic p;
    struct rig_event ev;

    int q = rig_subscribe(fd, "hal:can:0:rx", 64);
    CHILD_CHECK(q >= 0);
    CHILD_CHECK(job_op(fd, HSX_CAN_PER_START, 0, &out, 1000, 0, NULL) == -EACCES);
    CHILD_CHECK(job_op(fd, HSX_CAN_PER_START, 0, &in, 1000, 0, NULL) == 0);
    CHILD_CHECK(job_op(fd, HSX_CAN_PER_UPDATE, 0, &out, 0, 0, NULL) == -EACCES);
    send_byte(sock, 'r'); /* running: revoke it */
    /* The subscription made under the capability closes with it. */
    do
        CHILD_CHECK(rig_next(q, &ev, E2E_LIVENESS_MS) == 1);
    while (ev.hdr.type == HSX_EVT_DATA);
    CHILD_CHECK(ev.hdr.close_reason == HSX_CLOSE_REVOKED);
    /*
     * The job ended before the revocation returned (the subscription closes
     * earlier, before the module hears of it). Its counts are the
     * capability's business: without one, QUERY is refused.
     */
    CHILD_CHECK(recv_byte(sock) == 'v');
    CHILD_CHECK(job_op(fd, HSX_CAN_PER_QUERY, 0, NULL, 0, 0, &p) == -EKEYREVOKED);
    CHILD_CHECK(job_op(fd, HSX_CAN_PER_START, 0, &in, 1000, 0, NULL) == -EKEYREVOKED);
    /* Granted again: QUERY tells why it ended; the revocation is no failed send. */
    send_byte(sock, 'a');
    CHILD_CHECK(recv_byte(sock) == 'g');
    CHILD_CHECK(job_op(fd, HSX_CAN_PER_QUERY, 0, NULL, 0, 0, &p) == 0);
    CHILD_CHECK(p.end == HSX_CAN_END_REVOKED);
    CHILD_CHECK(p.sent >= 1);
    CHILD_CHECK(p.failed == 0);
    CHILD_CHECK(job_op(fd, HSX_CAN_PER_STOP, 0, NULL, 0, 0, NULL) == 0);
    return 0;
}

static void revoked_job(void **state)
{
    struct holder h;
    uint64_t id;
    (void)state;

    int fd = e2e_open_node("can");
    pid_t dump = rig_candump_ready(fd, BUS, IFACE, LOG);
    start_holder(&h, "can", holder_runs_a_job);
    assert_int_equal(mint(h.file, HSX_MODULE_CAN, HSX_CAP_R_READ | HSX_CAP_R_WRITE,
                          tx_range(0x100, 0x1FF), 30000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'r');
    rig_wait_logged(LOG, "150#77");
    assert_int_equal(revoke_id(id), 0);
    send_byte(h.sock, 'v'); /* the revocation returned */
    mark("7F1#B7");
    assert_int_equal(rig_sh("cansend " IFACE " 7F3#01 && cansend " IFACE " 7F3#02"), 0);
    mark("7F1#B8");
    rig_stop(dump);
    assert_false(logged_after("7F1#B7", "150#"));
    assert_int_equal(count_logged("200#"), 0);
    assert_int_equal(recv_byte(h.sock), 'a');
    assert_int_equal(mint(h.file, HSX_MODULE_CAN, HSX_CAP_R_READ | HSX_CAP_R_WRITE,
                          tx_range(0x100, 0x1FF), 30000000000ull, NULL),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(finish_holder(&h), 0);
    close(fd);
}

/* ---- the bus's bounds -------------------------------------------------------------------- */

/*
 * Frames a second: jobs at HSX_CAN_PERIODIC_BUS_FPS together fill the bus's
 * budget, and one more, however slow, from another file, is ENOSPC while
 * they run. A refused START leaves the slot's ended job for QUERY. Jobs that
 * end (their count sent) give their share back at once, not at STOP: the
 * file that ran them, still open, holds no other file's START off.
 */
static void a_bus_bounds_its_frames_a_second(void **state)
{
    struct hsx_can_frame f = rig_frame(0x0A1, 0, "01");
    const uint32_t fast = 1000000 / (HSX_CAN_PERIODIC_BUS_FPS / 2);
    const uint32_t slow = HSX_CAN_PERIODIC_MAX_US;
    struct hsx_can_periodic p;
    struct rig_event ev;
    (void)state;

    assert_true(fast >= HSX_CAN_PERIODIC_MIN_US && 1000000 % fast == 0);
    int fd = e2e_open_node("can");
    int other = e2e_open_node("can");
    int q = rig_subscribe(fd, "hal:can:0:rx", 64);
    int oq = rig_subscribe(other, "hal:can:0:rx", 64);
    assert_true(q >= 0 && oq >= 0);

    /* The other file's slot 0: a job that ended, kept for QUERY. */
    assert_int_equal(job_op(other, HSX_CAN_PER_START, 0, &f, slow, 1, NULL), 0);
    expect_end(oq, 0, HSX_CAN_END_COUNT, &ev);

    /* Two jobs without a count fill the budget: the other's START is refused. */
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 0, &f, fast, 0, NULL), 0);
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 1, &f, fast, 0, NULL), 0);
    assert_int_equal(job_op(other, HSX_CAN_PER_START, 0, &f, slow, 1, NULL), -ENOSPC);
    assert_int_equal(job_op(other, HSX_CAN_PER_START, 2, &f, slow, 1, NULL), -ENOSPC);
    assert_int_equal(job_op(other, HSX_CAN_PER_QUERY, 2, NULL, 0, 0, NULL), -ENOENT);
    /* Refused, the slot still holds its ended job. */
    assert_int_equal(job_op(other, HSX_CAN_PER_QUERY, 0, NULL, 0, 0, &p), 0);
    assert_int_equal(p.end, HSX_CAN_END_COUNT);
    assert_int_equal(p.sent, 1);
    assert_int_equal(job_op(fd, HSX_CAN_PER_STOP, 0, NULL, 0, 0, NULL), 0);
    assert_int_equal(job_op(fd, HSX_CAN_PER_STOP, 1, NULL, 0, 0, NULL), 0);

    /* Two that fill it and send once: ended, they hold nothing, unstopped. */
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 0, &f, fast, 1, NULL), 0);
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 1, &f, fast, 1, NULL), 0);
    next_notice(q, &ev);
    assert_int_equal(ev.can.kind, HSX_CAN_EV_PERIODIC_END);
    assert_int_equal(ev.can.error, HSX_CAN_END_COUNT);
    next_notice(q, &ev);
    assert_int_equal(ev.can.kind, HSX_CAN_EV_PERIODIC_END);
    assert_int_equal(ev.can.error, HSX_CAN_END_COUNT);
    assert_int_equal(job_op(other, HSX_CAN_PER_START, 0, &f, slow, 1, NULL), 0);
    assert_int_equal(job_op(fd, HSX_CAN_PER_QUERY, 1, NULL, 0, 0, &p), 0);
    assert_int_equal(p.end, HSX_CAN_END_COUNT);
    close(oq);
    close(q);
    close(other);
    close(fd);
}

/*
 * A slow job without a count: one frame a second at most. It runs on: an
 * ended job would hold no place on the bus.
 */
static int slow_job(int fd, uint32_t slot)
{
    struct hsx_can_frame f = rig_frame(0x0A2, 0, "02");

    return job_op(fd, HSX_CAN_PER_START, slot, &f, HSX_CAN_PERIODIC_MAX_US, 0, NULL);
}

/* Jobs: HSX_CAN_PERIODIC_BUS_MAX over every file; one more is ENOSPC until a file closes. */
static void a_bus_bounds_its_jobs(void **state)
{
    const unsigned int files = HSX_CAN_PERIODIC_BUS_MAX / HSX_CAN_PERIODIC_MAX;
    int fds[RIG_FILL_FILES];
    (void)state;

    assert_int_equal(files * HSX_CAN_PERIODIC_MAX, HSX_CAN_PERIODIC_BUS_MAX);
    rig_fill(fds, files, HSX_CAN_PERIODIC_MAX, slow_job);
    rig_full_until_a_file_closes(fds, files, slow_job);
}

/* An FD frame on an interface that carries classic frames only: EMSGSIZE at START and UPDATE. */
static void an_fd_frame_needs_an_fd_interface(void **state)
{
    struct hsx_can_frame classic = rig_frame(0x0A3, 0, "03");
    struct hsx_can_frame fd_frame = rig_frame(0x0A3, HSX_CAN_F_FD, "0102030405060708090A0B0C");
    (void)state;

    assert_int_equal(
        rig_ip_batch("link set " IFACE " down\nlink set " IFACE " mtu 16\nlink set " IFACE " up\n"),
        0);
    int fd = e2e_open_node("can");
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 0, &fd_frame, 100000, 0, NULL), -EMSGSIZE);
    assert_int_equal(job_op(fd, HSX_CAN_PER_START, 0, &classic, 100000, 0, NULL), 0);
    assert_int_equal(job_op(fd, HSX_CAN_PER_UPDATE, 0, &fd_frame, 0, 0, NULL), -EMSGSIZE);
    assert_int_equal(job_op(fd, HSX_CAN_PER_STOP, 0, NULL, 0, 0, NULL), 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(count_is_exact, rig_bus0_on_vcan0, teardown),
        cmocka_unit_test_setup_teardown(update_then_stop, rig_bus0_on_vcan0, teardown),
        cmocka_unit_test_setup_teardown(close_ends_jobs, rig_bus0_on_vcan0, teardown),
        cmocka_unit_test_setup_teardown(interface_deleted, rig_bus0_on_vcan0, teardown),
        cmocka_unit_test_setup_teardown(bad_input, rig_bus0_on_vcan0, teardown),
        cmocka_unit_test_setup_teardown(library_jobs, rig_bus0_on_vcan0, teardown),
        cmocka_unit_test_setup_teardown(revoked_job, rig_bus0_on_vcan0, teardown),
        cmocka_unit_test_setup_teardown(a_bus_bounds_its_frames_a_second, rig_bus0_on_vcan0,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_bus_bounds_its_jobs, rig_bus0_on_vcan0, teardown),
        cmocka_unit_test_setup_teardown(an_fd_frame_needs_an_fd_interface, rig_bus0_on_vcan0,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, cap_admin_claim, group_teardown);
}
