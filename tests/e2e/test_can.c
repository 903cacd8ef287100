/* SPDX-License-Identifier: MIT */
/*
 * The CAN module through libhsx_hal, as applications use it: the spec's
 * hsx_can.h on bus 0 (vcan0) and the additions, with cansend and candump
 * as the other node. The ioctl-level view, the flood and interface removal
 * are test_can_kernel.c's; capabilities by ID test_can_caps.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "can_rig.h"
#include "e2e.h"
#include "hsx_can.h"

#define IFACE "vcan0"

static int setup(void **state)
{
    (void)state;
    rig_unmap_all();
    rig_vcan(IFACE);
    return rig_map(0, IFACE);
}

static int teardown(void **state)
{
    (void)state;
    rig_unmap_all();
    rig_sh(RIG_IP " link del " IFACE " 2>/dev/null");
    return 0;
}

/* The spec's calls, as its CAN bus monitor makes them. */
static void spec_functions(void **state)
{
    hsx_can_frame_t frame;
    (void)state;

    assert_int_equal(hsx_can_init(), HSX_HAL_OK);
    /* vcan has no bitrate, and says so. */
    assert_int_equal(hsx_can_config(HSX_CAN_BITRATE_500K, 0), HSX_HAL_UNSUPPORTED);
    assert_int_equal(hsx_can_config(0, 0), HSX_HAL_OK);
    assert_int_equal(hsx_can_rx(&frame, 100), HSX_HAL_TIMEOUT);

    assert_int_equal(rig_sh("cansend " IFACE " 123#DEADBEEF && cansend " IFACE " 1ABCDEF0#01 && "
                            "cansend " IFACE " 321#R6"),
                     0);
    assert_int_equal(hsx_can_rx(&frame, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(frame.can_id, 0x123);
    assert_int_equal(frame.dlc, 4);
    assert_int_equal(frame.flags, HSX_CAN_STD_FRAME);
    assert_memory_equal(frame.data, "\xDE\xAD\xBE\xEF", 4);
    assert_int_equal(hsx_can_rx(&frame, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(frame.can_id, 0x1ABCDEF0);
    assert_int_equal(frame.flags, HSX_CAN_EXT_FRAME);
    assert_int_equal(hsx_can_rx(&frame, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(frame.can_id, 0x321);
    assert_int_equal(frame.flags, HSX_CAN_RTR_FRAME);
    assert_int_equal(frame.dlc, 6);

    /* What hsx_can_tx() sends, candump sees. */
    const char *log = "/tmp/candump-lib.log";
    pid_t dump = rig_candump(IFACE, log);
    hsx_can_frame_t out = {.can_id = 0x7F0, .dlc = 1, .data = {0xAA}};
    uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    while (!rig_file_has(log, "7F0#AA")) {
        assert_true(e2e_now_ms() < deadline);
        assert_int_equal(hsx_can_tx(&out), HSX_HAL_OK);
        usleep(100 * 1000);
    }
    out = (hsx_can_frame_t){.can_id = 0x18FF00A1,
                            .dlc = 8,
                            .flags = HSX_CAN_EXT_FRAME,
                            .data = {1, 2, 3, 4, 5, 6, 7, 8}};
    assert_int_equal(hsx_can_tx(&out), HSX_HAL_OK);
    rig_wait_logged(log, IFACE " 18FF00A1#0102030405060708");
    rig_stop(dump);

    uint32_t st = hsx_can_get_status();
    assert_int_equal(st & HSX_CAN_STATUS_FAILED, 0);
    assert_true(HSX_CAN_STATUS_FLAGS(st) & HSX_CAN_STATUS_UP);
    assert_int_equal(HSX_CAN_STATUS_STATE(st), HSX_CAN_STATE_NONE);
}

static void filters(void **state)
{
    hsx_can_frame_t frame;
    (void)state;

    assert_int_equal(hsx_can_init(), HSX_HAL_OK);
    while (hsx_can_rx(&frame, 100) == HSX_HAL_OK)
        ; /* what earlier tests left */
    assert_int_equal(hsx_can_set_filter(0, 0x7F0, 0x120), HSX_HAL_OK);
    assert_int_equal(rig_sh("cansend " IFACE " 121#01 && cansend " IFACE " 131#02 && "
                            "cansend " IFACE " 12F#03"),
                     0);
    assert_int_equal(hsx_can_rx(&frame, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(frame.can_id, 0x121);
    assert_int_equal(hsx_can_rx(&frame, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(frame.can_id, 0x12F);
    assert_int_equal(hsx_can_rx(&frame, 300), HSX_HAL_TIMEOUT);
    /* Turned off, everything passes again. */
    assert_int_equal(hsx_can_set_filter_ex(0, 0, 0, 0, HSX_CAN_FILTER_OFF), HSX_HAL_OK);
    assert_int_equal(rig_sh("cansend " IFACE " 131#02"), 0);
    assert_int_equal(hsx_can_rx(&frame, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(frame.can_id, 0x131);
}

struct seen {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned int n;
    uint32_t ids[8];
};

static void on_frame(void *event_data, uint32_t length, void *user_data)
{
    const hsx_can_rx_event_t *ev = event_data;
    struct seen *s = user_data;

    assert_int_equal(length, sizeof(*ev));
    pthread_mutex_lock(&s->lock);
    if (s->n < 8)
        s->ids[s->n++] = ev->can_id;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static void rx_callback(void **state)
{
    struct seen s = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    (void)state;

    assert_int_equal(hsx_can_set_rx_callback(on_frame, &s), HSX_HAL_OK);
    assert_int_equal(rig_sh("cansend " IFACE " 0A1#01 && cansend " IFACE " 0A2#02"), 0);
    uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    pthread_mutex_lock(&s.lock);
    while (s.n < 2 && e2e_now_ms() < deadline) {
        pthread_mutex_unlock(&s.lock);
        usleep(20 * 1000);
        pthread_mutex_lock(&s.lock);
    }
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ids[0], 0xA1);
    assert_int_equal(s.ids[1], 0xA2);
    pthread_mutex_unlock(&s.lock);
    assert_int_equal(hsx_can_set_rx_callback(NULL, NULL), HSX_HAL_OK);
}

/* CAN FD and the event additions. */
static void fd_frames_and_events(void **state)
{
    hsx_can_fd_frame_t fd = {
        .can_id = 0x456, .len = 64, .flags = HSX_CAN_FD_FRAME | HSX_CAN_BRS_FRAME};
    hsx_can_event_t ev;
    uint64_t cookie;
    (void)state;

    for (int i = 0; i < 64; i++)
        fd.data[i] = (uint8_t)i;
    assert_int_equal(hsx_can_init_ex(0), HSX_HAL_OK);
    /* Its own frames come back to this process as TX_DONE only. */
    assert_int_equal(hsx_can_tx_ex(0, &fd, 0, HSX_CAN_TX_NOWAIT, &cookie), HSX_HAL_OK);
    assert_int_equal(hsx_can_wait_event(0, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(ev.kind, HSX_CAN_EVENT_TX_DONE);
    assert_int_equal(ev.cookie, cookie);
    assert_int_equal(ev.frame.len, 64);
    assert_memory_equal(ev.frame.data, fd.data, 64);

    assert_int_equal(rig_sh("cansend " IFACE " 0B5##1"
                            "00112233445566778899AABB"),
                     0);
    assert_int_equal(hsx_can_rx_ex(0, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(ev.kind, HSX_CAN_EVENT_FRAME);
    assert_int_equal(ev.frame.can_id, 0xB5);
    assert_int_equal(ev.frame.len, 12);
    assert_true(ev.frame.flags & HSX_CAN_FD_FRAME);
    assert_true(ev.frame.flags & HSX_CAN_BRS_FRAME);
    assert_true(ev.frame.flags & HSX_CAN_LOCAL_FRAME);
    assert_int_equal(ev.lost, 0);
    assert_true(ev.timestamp_ns > 0);

    /* Error frames from the bus (a vxcan's other end): hal:can:1:err. */
    rig_map(1, "");
    rig_vxcan("vxcan0", "vxcan1");
    assert_int_equal(rig_map(1, "vxcan0"), 0);
    assert_int_equal(hsx_can_init_ex(1), HSX_HAL_OK);
    hsx_can_status_t st;
    /* The errors flag says what came since this process last looked. */
    assert_int_equal(hsx_can_get_status_ex(1, &st), HSX_HAL_OK);
    assert_false(st.status & HSX_CAN_STATUS_ERRORS);
    assert_int_equal(rig_sh("cansend vxcan1 20000004#0004000000000000"), 0); /* RX warning */
    assert_int_equal(hsx_can_wait_error(1, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(ev.kind, HSX_CAN_EVENT_ERROR);
    assert_int_equal(ev.error_class, 0x4);
    assert_int_equal(ev.state, HSX_CAN_STATE_WARNING);

    assert_int_equal(hsx_can_get_status_ex(1, &st), HSX_HAL_OK);
    assert_true(st.status & HSX_CAN_STATUS_ERRORS);
    assert_true(st.status & HSX_CAN_STATUS_WARNING);
    assert_int_equal(rig_map(1, ""), 0);
    rig_sh(RIG_IP " link del vxcan0");
    assert_int_equal(hsx_can_get_status_ex(0, &st), HSX_HAL_OK);
    assert_true(st.status & HSX_CAN_STATUS_FD);
    hsx_can_info_t info;
    assert_int_equal(hsx_can_get_info(0, &info), HSX_HAL_OK);
    assert_true(info.bound && info.fd);
    assert_string_equal(info.ifname, IFACE);
    assert_int_equal(hsx_can_get_info(9, &info), HSX_HAL_OK);
    assert_false(info.bound);
}

static void bad_input(void **state)
{
    hsx_can_frame_t f = {.can_id = 0x100, .dlc = 9};
    hsx_can_fd_frame_t fd = {.can_id = 0x100, .len = 13, .flags = HSX_CAN_FD_FRAME};
    hsx_can_event_t ev;
    (void)state;

    assert_int_equal(hsx_can_tx(NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_tx(&f), HSX_HAL_INVALID_PARAM); /* DLC > 8 */
    f = (hsx_can_frame_t){.can_id = 0x800, .dlc = 1};
    assert_int_equal(hsx_can_tx(&f), HSX_HAL_INVALID_PARAM); /* 12 bits, standard */
    f = (hsx_can_frame_t){.can_id = 0x20000000, .dlc = 1, .flags = HSX_CAN_EXT_FRAME};
    assert_int_equal(hsx_can_tx(&f), HSX_HAL_INVALID_PARAM); /* 30 bits */
    f = (hsx_can_frame_t){.can_id = 1, .dlc = 1, .flags = 0x80};
    assert_int_equal(hsx_can_tx(&f), HSX_HAL_INVALID_PARAM); /* unknown flag */
    assert_int_equal(hsx_can_tx_ex(0, &fd, 0, 0, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_set_filter(16, 0, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_rx(NULL, 10), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_rx_ex(HSX_CAN_MAX_BUSES, &ev, 10), HSX_HAL_INVALID_PARAM);
    /* An unbound bus: a clear error at once. */
    hsx_can_fd_frame_t ok = {.can_id = 1, .len = 1};
    assert_int_equal(hsx_can_tx_ex(7, &ok, 0, 0, NULL), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENXIO);
}

/* The bus unbound under a blocked reader: it returns CLOSED, then works again once bound. */
static void *unbind_later(void *arg)
{
    (void)arg;
    usleep(300 * 1000);
    rig_map(0, "");
    return NULL;
}

static void unbound_under_a_reader(void **state)
{
    hsx_can_frame_t frame;
    pthread_t t;
    (void)state;

    assert_int_equal(hsx_can_init(), HSX_HAL_OK);
    assert_int_equal(pthread_create(&t, NULL, unbind_later, NULL), 0);
    assert_int_equal(hsx_can_rx(&frame, E2E_LIVENESS_MS), HSX_HAL_CLOSED);
    pthread_join(t, NULL);
    assert_int_equal(rig_map(0, IFACE), 0);
    assert_int_equal(rig_sh("cansend " IFACE " 0C1#01"),
                     0); /* before the new subscription: not seen */
    assert_int_equal(hsx_can_init(), HSX_HAL_OK);
    assert_int_equal(rig_sh("cansend " IFACE " 0C2#02"), 0);
    assert_int_equal(hsx_can_rx(&frame, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(frame.can_id, 0xC2);
}

/*
 * Processes killed with SIGKILL while blocked: one in hsx_can_rx(), one in
 * the spec's callback loop with a filter set. Their files close; the bus
 * forgets them (users, mailbox subscriptions) and serves the next process.
 */
static void ignore_frame(void *event_data, uint32_t length, void *user_data)
{
    (void)event_data;
    (void)length;
    (void)user_data;
}

static pid_t blocked_child(bool callback)
{
    int ready[2];
    pid_t pid;

    assert_int_equal(pipe(ready), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        hsx_can_frame_t frame;
        close(ready[0]);
        if (hsx_can_init() != HSX_HAL_OK || hsx_can_set_filter(3, 0x7ff, 0x555) != HSX_HAL_OK)
            _exit(1);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        if (callback) {
            hsx_can_set_rx_callback(ignore_frame, NULL);
            for (;;)
                pause();
        }
        hsx_can_rx(&frame, HSX_HAL_TIMEOUT_INF);
        _exit(2); /* nothing may wake it: only 0x555 passes its filter */
    }
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    return pid;
}

static void killed_while_blocked(void **state)
{
    hsx_can_frame_t frame;
    int status;
    (void)state;

    uint64_t users = e2e_sysfs_u64("/sys/hal/can/0/users");
    uint64_t subs = e2e_sysfs_u64("/sys/hal/mailbox/subscriptions");
    pid_t a = blocked_child(false), b = blocked_child(true);
    assert_true(e2e_sysfs_u64("/sys/hal/can/0/users") >= users + 2);
    assert_int_equal(rig_sh("cansend " IFACE " 123#01"), 0); /* filtered out: they stay blocked */
    usleep(200 * 1000);
    assert_int_equal(kill(a, SIGKILL), 0);
    assert_int_equal(kill(b, SIGKILL), 0);
    assert_int_equal(waitpid(a, &status, 0), a);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(waitpid(b, &status, 0), b);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    e2e_wait_sysfs(users, 0, "/sys/hal/can/0/users");
    e2e_wait_sysfs(subs, 0, "/sys/hal/mailbox/subscriptions");
    /* The bus serves the next process as before. */
    assert_int_equal(hsx_can_init(), HSX_HAL_OK);
    while (hsx_can_rx(&frame, 100) == HSX_HAL_OK)
        ;
    assert_int_equal(rig_sh("cansend " IFACE " 124#02"), 0);
    assert_int_equal(hsx_can_rx(&frame, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(frame.can_id, 0x124);
}

/*
 * A bus's event callback outlives the bus's unbinding: told UNBOUND, then
 * REBOUND once the library subscribed to the new binding by itself, then the
 * frames sent after.
 */
struct can_trace {
    pthread_mutex_t lock;
    unsigned int n;
    uint32_t what[16]; /* a frame's ID, or 0x1000 + a notice's kind */
};

static void on_can_event(void *event_data, uint32_t length, void *user_data)
{
    const hsx_can_event_t *ev = event_data;
    struct can_trace *t = user_data;

    assert_int_equal(length, sizeof(*ev));
    pthread_mutex_lock(&t->lock);
    if (t->n < 16 && ev->bus == 0)
        t->what[t->n++] = ev->kind == HSX_CAN_EVENT_FRAME ? ev->frame.can_id : 0x1000u + ev->kind;
    pthread_mutex_unlock(&t->lock);
}

static bool can_trace_has(struct can_trace *t, unsigned int n)
{
    uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;

    for (;;) {
        pthread_mutex_lock(&t->lock);
        bool done = t->n >= n;
        pthread_mutex_unlock(&t->lock);
        if (done || e2e_now_ms() > deadline)
            return done;
        usleep(20 * 1000);
    }
}

static void event_callback_outlives_unbinding(void **state)
{
    static struct can_trace t = {.lock = PTHREAD_MUTEX_INITIALIZER};
    (void)state;

    assert_int_equal(hsx_can_set_event_callback(0, on_can_event, &t), HSX_HAL_OK);
    assert_int_equal(rig_sh("cansend " IFACE " 0D1#01"), 0);
    assert_true(can_trace_has(&t, 1));
    assert_int_equal(rig_map(0, ""), 0);
    assert_true(can_trace_has(&t, 2));
    usleep(300 * 1000);
    assert_int_equal(rig_map(0, IFACE), 0);
    assert_true(can_trace_has(&t, 3));
    assert_int_equal(rig_sh("cansend " IFACE " 0D2#02"), 0);
    assert_true(can_trace_has(&t, 4));
    usleep(100 * 1000);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.what[0], 0xD1);
    assert_int_equal(t.what[1], 0x1000u + HSX_CAN_EVENT_UNBOUND);
    assert_int_equal(t.what[2], 0x1000u + HSX_CAN_EVENT_REBOUND);
    assert_int_equal(t.what[3], 0xD2);
    assert_int_equal(hsx_can_set_event_callback(0, NULL, NULL), HSX_HAL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_functions),
        cmocka_unit_test(filters),
        cmocka_unit_test(rx_callback),
        cmocka_unit_test(fd_frames_and_events),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(unbound_under_a_reader),
        cmocka_unit_test(killed_while_blocked),
        cmocka_unit_test(event_callback_outlives_unbinding),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
