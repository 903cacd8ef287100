// SPDX-License-Identifier: MIT
/*
 * The CAN API (lib/include/hsx_can.h) against a fake kernel: ioctls go to a
 * hook that records their arguments and answers as hsx.ko would, and each
 * bus's subscriptions are queue-file stand-ins (non-blocking socket pairs)
 * the test posts CAN records to. Every test uses buses of its own where it
 * subscribes: a subscription, once taken, stays for the life of the process.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "can/can.h"
#include "core/errors.h"
#include "core/hsxd_client.h"
#include "fake_hsxd.h"
#include "helpers.h"
#include "hsx_can.h"

#define CAN_RECORD_SIZE ((uint32_t)(sizeof(struct hsx_mbox_record) + sizeof(struct hsx_can_record)))

static struct fake_kernel {
    pthread_mutex_t lock;
    char log[64]; /* T tx, C config, F filter, S status, I info, R/E subscribe rx/err */
    int fail;     /* the errno the next ioctl fails with, or 0 */
    int fail_open;
    int peers[HSX_CAN_MAX_BUSES];     /* the "kernel" end of each bus's frames */
    int err_peers[HSX_CAN_MAX_BUSES]; /* ... and of its errors */
    uint64_t seq[2][HSX_CAN_MAX_BUSES];
    struct hsx_can_tx tx;
    struct hsx_can_config config;
    bool check_runs; /* CONFIG answers as the interface runs: runs, else EREMCHG */
    struct hsx_can_config runs;
    int fail_first_config; /* the errno the next CONFIG alone fails with, or 0 */
    struct hsx_can_filter filter;
    struct hsx_can_status status; /* what GET_STATUS answers */
    struct hsx_can_info info;     /* what INFO answers */
} fk = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int fake_ioctl(enum hsx_umod_index node, unsigned long request, void *arg)
{
    int err;

    assert_int_equal(node, HSX_UMOD_CAN);
    if (request == HSX_IOC_CAP_INFO)
        return test_privileged_cap_info(arg);
    pthread_mutex_lock(&fk.lock);
    err = fk.fail;
    if (request == HSX_IOC_CAN_TX) {
        test_log(fk.log, sizeof(fk.log), 'T');
        fk.tx = *(struct hsx_can_tx *)arg;
        ((struct hsx_can_tx *)arg)->cookie = 77;
    } else if (request == HSX_IOC_CAN_CONFIG) {
        test_log(fk.log, sizeof(fk.log), 'C');
        fk.config = *(struct hsx_can_config *)arg;
        if (fk.check_runs && !err)
            err = memcmp(&fk.config, &fk.runs, sizeof(fk.runs)) ? EREMCHG : 0;
        if (fk.fail_first_config && !fk.fail) {
            err = fk.fail_first_config;
            fk.fail_first_config = 0;
        }
    } else if (request == HSX_IOC_CAN_SET_FILTER) {
        test_log(fk.log, sizeof(fk.log), 'F');
        fk.filter = *(struct hsx_can_filter *)arg;
    } else if (request == HSX_IOC_CAN_GET_STATUS) {
        test_log(fk.log, sizeof(fk.log), 'S');
        uint32_t bus = ((struct hsx_can_status *)arg)->bus;
        *(struct hsx_can_status *)arg = fk.status;
        ((struct hsx_can_status *)arg)->bus = bus;
    } else if (request == HSX_IOC_CAN_INFO) {
        test_log(fk.log, sizeof(fk.log), 'I');
        uint32_t bus = ((struct hsx_can_info *)arg)->bus;
        *(struct hsx_can_info *)arg = fk.info;
        ((struct hsx_can_info *)arg)->bus = bus;
    } else {
        err = ENOTTY;
    }
    pthread_mutex_unlock(&fk.lock);
    return test_ioctl_result(err);
}

static int fake_open(const char *name, int auth_fd, hsx_mailbox_t **mb)
{
    unsigned int bus;
    char what[8];
    int peer, ret = HSX_HAL_OK;

    (void)auth_fd;
    pthread_mutex_lock(&fk.lock);
    if (sscanf(name, "hal:can:%u:%7s", &bus, what) != 2 || bus >= HSX_CAN_MAX_BUSES ||
        (strcmp(what, "rx") && strcmp(what, "err")))
        ret = hsx_fail_with(HSX_HAL_ERROR, EINVAL);
    else if (fk.fail_open == ENOENT) /* no such mailbox: the bus is not bound */
        ret = hsx_fail_with(HSX_HAL_NO_DEVICE, ENOENT);
    else if (fk.fail_open)
        ret = hsx_fail_with_errno(-fk.fail_open);
    else if (test_queue_mailbox(what[0] == 'r' ? 200 + bus : 300 + bus, name, CAN_RECORD_SIZE, mb,
                                &peer) < 0)
        ret = hsx_fail_with(HSX_HAL_ERROR, EINVAL);
    else if (what[0] == 'r')
        fk.peers[bus] = peer;
    else
        fk.err_peers[bus] = peer;
    if (ret == HSX_HAL_OK || fk.fail_open)
        test_log(fk.log, sizeof(fk.log), what[0] == 'r' ? 'R' : 'E');
    pthread_mutex_unlock(&fk.lock);
    return ret;
}

static int setup(void **state)
{
    (void)state;
    pthread_mutex_lock(&fk.lock);
    memset(fk.log, 0, sizeof(fk.log));
    fk.fail = fk.fail_open = 0;
    memset(&fk.tx, 0, sizeof(fk.tx));
    memset(&fk.config, 0, sizeof(fk.config));
    fk.check_runs = false;
    memset(&fk.filter, 0xa5, sizeof(fk.filter));
    pthread_mutex_unlock(&fk.lock);
    test_use_fake_kernel(fake_ioctl, fake_open);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* The subscriptions stay the library's; only their "kernel" ends close. */
    test_close_fds(fk.err_peers, HSX_CAN_MAX_BUSES);
    test_use_real_kernel(fk.peers, HSX_CAN_MAX_BUSES);
    return 0;
}

/* What hsx.ko posts: a record of kind for bus, dropped events before it counted. */
struct post {
    uint8_t kind;
    uint32_t id;
    uint8_t flags;
    uint8_t len;
    const char *data;
    uint32_t dropped;
    uint64_t cookie;
    uint32_t error;
    uint8_t state;
    uint16_t tx_errors, rx_errors;
};

static void post_to(int peer, uint32_t mbox_id, uint64_t *seq, uint8_t bus, const struct post *p,
                    uint16_t type)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    struct hsx_mbox_record hdr = {
        .size = CAN_RECORD_SIZE,
        .type = type,
        .module = HSX_MODULE_CAN,
        .mbox_id = mbox_id,
        .dropped = p->dropped,
        .seq = (*seq += 1 + p->dropped), /* the dropped ones took numbers too */
        .timestamp_ns = 7000123456ull,
        .close_reason = type == HSX_EVT_CLOSED ? HSX_CLOSE_GONE : 0,
    };
    struct hsx_can_record r = {
        .bus = bus,
        .kind = p->kind,
        .state = p->state,
        .cookie = p->cookie,
        .error = p->error,
        .tx_errors = p->tx_errors,
        .rx_errors = p->rx_errors,
        .frame = {.can_id = p->id, .len = p->len, .flags = p->flags},
    };

    memset(buf, 0, sizeof(buf));
    if (p->data)
        memcpy(r.frame.data, p->data, p->len < 64 ? p->len : 64);
    memcpy(buf, &hdr, sizeof(hdr));
    memcpy(buf + sizeof(hdr), &r, sizeof(r));
    assert_true(peer >= 0);
    assert_true(test_send_bytes(peer, buf, CAN_RECORD_SIZE));
}

static void post(uint8_t bus, const struct post *p)
{
    post_to(fk.peers[bus], 200u + bus, &fk.seq[0][bus], bus, p, HSX_EVT_DATA);
}

static void post_error(uint8_t bus, const struct post *p)
{
    post_to(fk.err_peers[bus], 300u + bus, &fk.seq[1][bus], bus, p, HSX_EVT_DATA);
}

/* ---- sending ------------------------------------------------------------------------------ */

static void tx_sends_the_spec_frame_on_bus_0(void **state)
{
    hsx_can_frame_t frame = {.can_id = 0x123, .dlc = 4, .data = {0xde, 0xad, 0xbe, 0xef, 9, 9}};
    (void)state;

    assert_int_equal(hsx_can_tx(&frame), HSX_HAL_OK);
    assert_string_equal(fk.log, "T");
    assert_int_equal(fk.tx.bus, 0);
    assert_int_equal(fk.tx.timeout_ms, 0); /* the kernel's second */
    assert_int_equal(fk.tx.flags, 0);
    assert_int_equal(fk.tx.frame.can_id, 0x123);
    assert_int_equal(fk.tx.frame.len, 4);
    assert_int_equal(fk.tx.frame.flags, 0);
    assert_memory_equal(fk.tx.frame.data, "\xde\xad\xbe\xef", 4);

    frame = (hsx_can_frame_t){.can_id = 0x1fffffff, .dlc = 8, .flags = HSX_CAN_EXT_FRAME};
    assert_int_equal(hsx_can_tx(&frame), HSX_HAL_OK);
    assert_int_equal(fk.tx.frame.can_id, 0x1fffffff);
    assert_int_equal(fk.tx.frame.flags, HSX_CAN_F_EXT);

    /* A remote request asks for a length and sends no byte. */
    frame =
        (hsx_can_frame_t){.can_id = 0x7ff, .dlc = 2, .flags = HSX_CAN_RTR_FRAME, .data = {1, 2}};
    assert_int_equal(hsx_can_tx(&frame), HSX_HAL_OK);
    assert_int_equal(fk.tx.frame.flags, HSX_CAN_F_RTR);
    assert_int_equal(fk.tx.frame.len, 2);
    assert_int_equal(fk.tx.frame.data[0], 0);
}

static void tx_refuses_what_is_no_frame_before_asking(void **state)
{
    static const hsx_can_frame_t spec_bad[] = {
        {.can_id = 0x800},                                  /* 12 bits, standard */
        {.can_id = 0x20000000, .flags = HSX_CAN_EXT_FRAME}, /* 30 bits */
        {.can_id = 1, .dlc = 9},
        {.can_id = 1, .flags = HSX_CAN_FD_FRAME}, /* not one of the spec's flags */
        {.can_id = 1, .flags = 0x80},
    };
    static const hsx_can_fd_frame_t bad[] = {
        {.can_id = 1, .len = 9, .flags = HSX_CAN_FD_FRAME},
        {.can_id = 1, .len = 65, .flags = HSX_CAN_FD_FRAME},
        {.can_id = 1, .flags = HSX_CAN_FD_FRAME | HSX_CAN_RTR_FRAME},
        {.can_id = 1, .flags = HSX_CAN_BRS_FRAME},
        {.can_id = 1, .flags = HSX_CAN_FD_FRAME | HSX_CAN_ESI_FRAME}, /* the receiver's to learn */
        {.can_id = 1, .flags = HSX_CAN_LOCAL_FRAME},
        {.can_id = 1, .reserved = {0, 1}},
        {.can_id = 0x800},
    };
    const hsx_can_fd_frame_t good = {.can_id = 1};
    (void)state;

    for (size_t i = 0; i < sizeof(spec_bad) / sizeof(spec_bad[0]); i++)
        assert_int_equal(hsx_can_tx(&spec_bad[i]), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_tx(NULL), HSX_HAL_INVALID_PARAM);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(hsx_can_tx_ex(1, &bad[i], 0, 0, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_tx_ex(HSX_CAN_MAX_BUSES, &good, 0, 0, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_tx_ex(1, NULL, 0, 0, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_tx_ex(1, &good, 0, 2, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_tx_ex(1, &good, HSX_CAN_TIMEOUT_MAX_MS + 1, 0, NULL),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), 0);
    assert_string_equal(fk.log, "");
}

static void tx_ex_sends_fd_frames_and_returns_the_cookie(void **state)
{
    hsx_can_fd_frame_t frame = {.can_id = 0x18ff0001,
                                .len = 64,
                                .flags = HSX_CAN_EXT_FRAME | HSX_CAN_FD_FRAME | HSX_CAN_BRS_FRAME};
    uint64_t cookie = 0;
    (void)state;

    for (int i = 0; i < 64; i++)
        frame.data[i] = (uint8_t)(i * 3);
    assert_int_equal(hsx_can_tx_ex(3, &frame, HSX_HAL_TIMEOUT_INF, 0, &cookie), HSX_HAL_OK);
    assert_int_equal(cookie, 77);
    assert_int_equal(fk.tx.bus, 3);
    assert_int_equal(fk.tx.timeout_ms, HSX_CAN_TIMEOUT_MAX_MS);
    assert_int_equal(fk.tx.frame.flags, HSX_CAN_F_EXT | HSX_CAN_F_FD | HSX_CAN_F_BRS);
    assert_memory_equal(fk.tx.frame.data, frame.data, 64);
    assert_int_equal(hsx_can_tx_ex(3, &frame, 250, 0, NULL), HSX_HAL_OK);
    assert_int_equal(fk.tx.timeout_ms, 250);
}

static void tx_failures_say_what_happened(void **state)
{
    const hsx_can_fd_frame_t frame = {.can_id = 5, .len = 1};
    static const struct {
        int err, code;
    } rows[] = {
        {ETIMEDOUT, HSX_HAL_TIMEOUT},    /* no echo in time */
        {ENOBUFS, HSX_HAL_BUSY},         /* the queue stayed full */
        {EMSGSIZE, HSX_HAL_UNSUPPORTED}, /* FD on a classic interface */
        {ENETDOWN, HSX_HAL_ERROR},       /* the interface is down */
        {ENODEV, HSX_HAL_NO_DEVICE},     /* unbound */
        {EINVAL, HSX_HAL_INVALID_PARAM},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        fk.fail = rows[i].err;
        assert_int_equal(hsx_can_tx_ex(2, &frame, 0, 0, NULL), rows[i].code);
        assert_int_equal(hsx_hal_errno(), rows[i].err);
    }
}

/* A TX_DONE goes to the sender's subscriptions: one must exist before the frame goes. */
static void a_nowait_send_subscribes_first_and_hears_its_echo(void **state)
{
    const hsx_can_fd_frame_t frame = {.can_id = 0x321, .len = 2, .data = {1, 2}};
    hsx_can_event_t ev;
    uint64_t cookie;
    (void)state;

    assert_int_equal(hsx_can_tx_ex(4, &frame, 0, HSX_CAN_TX_NOWAIT, &cookie), HSX_HAL_OK);
    assert_string_equal(fk.log, "RT");
    assert_int_equal(fk.tx.flags, HSX_CAN_TX_NOWAIT);
    post(4,
         &(struct post){
             .kind = HSX_CAN_EV_TX_DONE, .id = 0x321, .len = 2, .data = "\1\2", .cookie = cookie});
    assert_int_equal(hsx_can_wait_event(4, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.kind, HSX_CAN_EVENT_TX_DONE);
    assert_int_equal(ev.cookie, 77);
    assert_int_equal(ev.frame.can_id, 0x321);
    /* The second send subscribes no more. */
    assert_int_equal(hsx_can_tx_ex(4, &frame, 0, HSX_CAN_TX_NOWAIT, NULL), HSX_HAL_OK);
    assert_string_equal(fk.log, "RTT");

    /* A send that cannot subscribe is not made: its TX_DONE would be lost. */
    setup(state);
    fk.fail_open = EACCES;
    assert_int_equal(hsx_can_tx_ex(5, &frame, 0, HSX_CAN_TX_NOWAIT, NULL), HSX_HAL_DENIED);
    assert_string_equal(fk.log, "R");
}

/* ---- configuration, filters, status ---------------------------------------------------------- */

static void config_checks_the_bus_setup(void **state)
{
    (void)state;

    assert_int_equal(hsx_can_config(HSX_CAN_BITRATE_500K, 0), HSX_HAL_OK);
    assert_string_equal(fk.log, "C");
    assert_int_equal(fk.config.bus, 0);
    assert_int_equal(fk.config.bitrate, 500000);
    assert_int_equal(fk.config.data_bitrate, 0);
    assert_int_equal(fk.config.mode, 0);
    assert_int_equal(hsx_can_config_ex(7, 1000000, 5000000, HSX_CAN_MODE_FD), HSX_HAL_OK);
    assert_int_equal(fk.config.bus, 7);
    assert_int_equal(fk.config.data_bitrate, 5000000);
    assert_int_equal(fk.config.mode, HSX_CAN_MODE_FD);

    /* vcan has no bitrate; without the config right, hsxd is not asked. */
    fk.fail = EOPNOTSUPP;
    assert_int_equal(hsx_can_config(HSX_CAN_BITRATE_125K, 0), HSX_HAL_UNSUPPORTED);
    fk.fail = EACCES;
    assert_int_equal(hsx_can_config(HSX_CAN_BITRATE_1M, 0), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EACCES);
    fk.fail = 0;

    setup(state);
    assert_int_equal(hsx_can_config((hsx_can_bitrate_t)8000001, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_config((hsx_can_bitrate_t)-1, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_config(HSX_CAN_BITRATE_1M, 0x8), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_config_ex(0, 500000, 2000000, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_config_ex(16, 500000, 0, 0), HSX_HAL_INVALID_PARAM);
    assert_string_equal(fk.log, "");
}

/* The fake hsxd set the interface: the fake kernel now says it runs so. */
static void interface_set(struct fake_hsxd *d, const struct hsx_can_config *config)
{
    (void)d;
    pthread_mutex_lock(&fk.lock);
    fk.runs = *config;
    pthread_mutex_unlock(&fk.lock);
}

/* hsxd's next CAN change is refused with status and message; stderr is captured. */
static void refuse_next(struct fake_hsxd *d, int status, const char *message)
{
    pthread_mutex_lock(&d->lock);
    d->can_config_status = status;
    snprintf(d->message, sizeof(d->message), "%s", message);
    pthread_mutex_unlock(&d->lock);
    test_capture_stderr();
}

/* What the library said on stderr was one line, prefix then message; stderr is released. */
static void assert_said(const char *prefix, const char *message)
{
    char line[256];

    snprintf(line, sizeof(line), "%s%s\n", prefix, message);
    assert_string_equal(test_captured(), line);
    test_release_stderr();
}

/* A bus that runs otherwise is asked of hsxd, and checked again with the kernel. */
static void config_asks_hsxd_to_set_it(void **state)
{
    static struct fake_hsxd hsxd;
    (void)state;

    assert_int_equal(fake_hsxd_start(&hsxd), 0);
    hsxd.can_config = interface_set;
    fk.check_runs = true;
    fk.runs = (struct hsx_can_config){.bus = 2, .bitrate = 500000};

    assert_int_equal(hsx_can_config_ex(2, 250000, 0, HSX_CAN_MODE_LISTEN_ONLY), HSX_HAL_OK);
    assert_string_equal(fk.log, "CC");
    assert_int_equal(hsxd.can_configs, 1);
    assert_int_equal(hsxd.last.op, HSXD_OP_CAN_CONFIG);
    assert_int_equal(hsxd.last.module, HSX_MODULE_CAN);
    assert_int_equal(hsxd.last.can_config.bus, 2);
    assert_int_equal(hsxd.last.can_config.bitrate, 250000);
    assert_int_equal(hsxd.last.can_config.mode, HSX_CAN_MODE_LISTEN_ONLY);
    assert_true(hsxd.last_had_fd && hsxd.last_fd_is_devnull); /* the CAN node, as it is opened */
    /* It runs so now: hsxd is not asked again. */
    assert_int_equal(hsx_can_config_ex(2, 250000, 0, HSX_CAN_MODE_LISTEN_ONLY), HSX_HAL_OK);
    assert_int_equal(hsxd.can_configs, 1);

    /* hsxd's refusals, with its words on stderr. */
    static const struct {
        int status;
        int code;
        const char *message;
    } refusals[] = {
        {-EACCES, HSX_HAL_DENIED, "can: asked for config on buses 2; app grants read on buses 2"},
        {-EDOM, HSX_HAL_INVALID_PARAM, "the driver of can0 refused bitrate 7000000"},
        {-EOPNOTSUPP, HSX_HAL_UNSUPPORTED,
         "can0 has no bitrate or controller modes (a virtual interface: vcan, vxcan)"},
        {-ENODEV, HSX_HAL_NO_DEVICE, "bus 2 is not bound to an interface"},
    };
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        refuse_next(&hsxd, refusals[i].status, refusals[i].message);
        assert_int_equal(hsx_can_config_ex(2, 7000000, 0, 0), refusals[i].code);
        assert_int_equal(hsx_hal_errno(), -refusals[i].status);
        assert_said("hsx: can bus 2 runs at another bitrate or in other modes: hsxd refused: ",
                    refusals[i].message);
    }
    assert_int_equal(fk.runs.bitrate, 250000);

    /* hsxd says it set it, but it runs otherwise all the same (changed again meanwhile). */
    hsxd.can_config_status = 0;
    hsxd.can_config = NULL;
    memset(fk.log, 0, sizeof(fk.log));
    assert_int_equal(hsx_can_config_ex(2, 125000, 0, 0), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EREMCHG);
    assert_string_equal(fk.log, "CC");
    fake_hsxd_stop(&hsxd);

    /* No hsxd: nobody could set it, said once a call (not with HSX_HAL_QUIET). */
    setenv("HSX_HAL_HSXD_SOCKET", "/nonexistent/hsxd.sock", 1);
    test_capture_stderr();
    assert_int_equal(hsx_can_config_ex(2, 125000, 0, 0), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), ECONNREFUSED);
    const char *said = "hsx: can bus 2 runs at another bitrate or in other modes: hsxd is not "
                       "running (start hsxd.service)\n";
    assert_string_equal(test_captured(), said);
    setenv("HSX_HAL_QUIET", "1", 1);
    assert_int_equal(hsx_can_config_ex(2, 125000, 0, 0), HSX_HAL_DENIED);
    assert_string_equal(test_captured(), said);
    unsetenv("HSX_HAL_QUIET");
    test_release_stderr();
    unsetenv("HSX_HAL_HSXD_SOCKET");
}

/* Restarts and restart-ms: always asked of hsxd; each refusal of the kernel's its own code. */
static void restart_asks_hsxd(void **state)
{
    static struct fake_hsxd hsxd;
    (void)state;

    assert_int_equal(fake_hsxd_start(&hsxd), 0);
    assert_int_equal(hsx_can_restart(3), HSX_HAL_OK);
    assert_int_equal(hsxd.can_restarts, 1);
    assert_int_equal(hsxd.last.op, HSXD_OP_CAN_RESTART);
    assert_int_equal(hsxd.last.module, HSX_MODULE_CAN);
    assert_int_equal(hsxd.last.can_restart.bus, 3);
    assert_int_equal(hsxd.last.can_restart.restart_ms, 0);
    assert_true(hsxd.last_had_fd);
    assert_int_equal(hsx_can_set_restart_ms(3, 100), HSX_HAL_OK);
    assert_int_equal(hsxd.last.op, HSXD_OP_CAN_RESTART_MS);
    assert_int_equal(hsxd.last.can_restart.restart_ms, 100);

    static const struct {
        int status, code;
        const char *message;
    } refusals[] = {
        {-EBUSY, HSX_HAL_BUSY, "can0 is not bus-off (error-active): nothing to restart"},
        {-EALREADY, HSX_HAL_BUSY, "can0 restarts by itself 100 ms after bus-off (restart-ms)"},
        {-EAGAIN, HSX_HAL_BUSY, "bus 3 was changed less than a second ago: try again later"},
        {-ENETDOWN, HSX_HAL_ERROR, "can0 is down"},
        {-EOPNOTSUPP, HSX_HAL_UNSUPPORTED, "vcan0 has no CAN controller to restart"},
        {-EACCES, HSX_HAL_DENIED, "can: asked for config on buses 3; app grants read"},
        {-ENODEV, HSX_HAL_NO_DEVICE, "bus 3 is not bound to an interface"},
        {-ENOTRECOVERABLE, HSX_HAL_ERROR, "can0 was changed; not put back"},
        {-EINVAL, HSX_HAL_UNSUPPORTED, "unknown operation 8"},
    };
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        refuse_next(&hsxd, refusals[i].status, refusals[i].message);
        assert_int_equal(hsx_can_restart(3), refusals[i].code);
        assert_int_equal(hsx_hal_errno(),
                         refusals[i].status == -EINVAL ? ENOSYS : -refusals[i].status);
        assert_said("hsx: can bus 3: hsxd refused: ", refusals[i].message);
    }
    fake_hsxd_stop(&hsxd);

    /* The library's own refusals ask nobody. */
    assert_int_equal(hsx_can_restart(16), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_set_restart_ms(16, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_set_restart_ms(0, HSX_CAN_RESTART_MS_MAX + 1), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsxd.can_restarts, 2 + 9);

    /* No hsxd: nobody could do it. */
    setenv("HSX_HAL_HSXD_SOCKET", "/nonexistent/hsxd.sock", 1);
    setenv("HSX_HAL_QUIET", "1", 1);
    assert_int_equal(hsx_can_restart(3), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), ECONNREFUSED);
    unsetenv("HSX_HAL_QUIET");
    unsetenv("HSX_HAL_HSXD_SOCKET");
}

/* The kernel set it as asked while hsxd's answer was lost to a timeout. */
static void set_meanwhile(struct fake_hsxd *d, const struct hsx_can_config *config)
{
    (void)d;
    (void)config;
}

/* d started, its refusals not said on stderr; bus 2 runs at 500 kbit/s (otherwise: EREMCHG). */
static void quiet_hsxd_and_bus_2_at_500k(struct fake_hsxd *d)
{
    setenv("HSX_HAL_QUIET", "1", 1);
    assert_int_equal(fake_hsxd_start(d), 0);
    fk.check_runs = true;
    fk.runs = (struct hsx_can_config){.bus = 2, .bitrate = 500000};
}

/*
 * hsxd's EINVAL is the driver's only in "the driver of ..." words: an older hsxd's "unknown
 * operation" and hsxd's own refusal of the arguments are not. After a timeout the kernel is
 * asked again: it may have been done.
 */
static void config_tells_hsxds_refusals_and_timeouts_apart(void **state)
{
    static struct fake_hsxd hsxd;
    (void)state;

    quiet_hsxd_and_bus_2_at_500k(&hsxd);
    static const struct {
        const char *message;
        int code, err;
    } rows[] = {
        {"unknown operation 6", HSX_HAL_UNSUPPORTED, ENOSYS},
        {"turning FD on for can0 needs a data bitrate", HSX_HAL_INVALID_PARAM, 0},
        {"the driver of can0 refused bitrate 7000000 modes none: Invalid argument; can0 runs as "
         "before",
         HSX_HAL_INVALID_PARAM, EINVAL},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        pthread_mutex_lock(&hsxd.lock);
        hsxd.can_config_status = -EINVAL;
        snprintf(hsxd.message, sizeof(hsxd.message), "%s", rows[i].message);
        pthread_mutex_unlock(&hsxd.lock);
        assert_int_equal(hsx_can_config_ex(2, 7000000, 0, 0), rows[i].code);
        assert_int_equal(hsx_hal_errno(), rows[i].err);
    }

    /* hsxd's own timeout (the kernel did not answer it): asked again, it runs otherwise. */
    pthread_mutex_lock(&hsxd.lock);
    hsxd.can_config_status = -ETIMEDOUT;
    hsxd.can_config = set_meanwhile;
    pthread_mutex_unlock(&hsxd.lock);
    memset(fk.log, 0, sizeof(fk.log));
    assert_int_equal(hsx_can_config_ex(2, 250000, 0, 0), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_hal_errno(), ETIMEDOUT);
    assert_string_equal(fk.log, "CC");
    fake_hsxd_stop(&hsxd);

    /* No answer from hsxd, but the change was made: the kernel says so, OK. */
    static struct fake_hsxd mute;
    assert_int_equal(fake_hsxd_start(&mute), 0);
    mute.silent = true;
    hsx_hsxd_set_timeout_ms(200);
    fk.runs = (struct hsx_can_config){.bus = 2, .bitrate = 500000};
    assert_int_equal(hsx_can_config_ex(2, 250000, 0, 0), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_hal_errno(), ETIMEDOUT);
    /* As if hsxd had set it before its answer was lost: the kernel's check is asked again. */
    fk.runs = (struct hsx_can_config){.bus = 2, .bitrate = 250000};
    fk.fail_first_config = EREMCHG;
    assert_int_equal(hsx_can_config_ex(2, 250000, 0, 0), HSX_HAL_OK);
    hsx_hsxd_set_timeout_ms(0);
    fake_hsxd_stop(&mute);
    unsetenv("HSX_HAL_QUIET");
}

static void filters_map_to_banks(void **state)
{
    (void)state;

    /* The spec's order: bank, mask, id; both formats. */
    assert_int_equal(hsx_can_set_filter(3, 0x7f0, 0x120), HSX_HAL_OK);
    assert_int_equal(fk.filter.bus, 0);
    assert_int_equal(fk.filter.bank, 3);
    assert_int_equal(fk.filter.id, 0x120);
    assert_int_equal(fk.filter.mask, 0x7f0);
    assert_int_equal(fk.filter.flags, HSX_CAN_FLT_ON);
    assert_memory_equal(fk.filter.reserved, (uint32_t[3]){0}, sizeof(fk.filter.reserved));

    static const struct {
        hsx_can_filter_format_t format;
        uint32_t id, mask, flags;
    } ok[] = {
        {HSX_CAN_FILTER_STD, 0x7ff, 0x7ff, HSX_CAN_FLT_ON | HSX_CAN_FLT_STD},
        {HSX_CAN_FILTER_EXT, 0x1fffffff, 0x1fffffff, HSX_CAN_FLT_ON | HSX_CAN_FLT_EXT},
        {HSX_CAN_FILTER_BOTH, 0, 0, HSX_CAN_FLT_ON},
        {HSX_CAN_FILTER_OFF, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(hsx_can_set_filter_ex(9, 15, ok[i].id, ok[i].mask, ok[i].format),
                         HSX_HAL_OK);
        assert_int_equal(fk.filter.bus, 9);
        assert_int_equal(fk.filter.bank, 15);
        assert_int_equal(fk.filter.id, ok[i].id);
        assert_int_equal(fk.filter.mask, ok[i].mask);
        assert_int_equal(fk.filter.flags, ok[i].flags);
    }

    setup(state);
    assert_int_equal(hsx_can_set_filter(16, 0, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_set_filter(0, 0x20000000, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_set_filter(0, 0, 0x20000000), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_set_filter_ex(0, 0, 0x800, 0x7ff, HSX_CAN_FILTER_STD),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_set_filter_ex(0, 0, 1, 0, HSX_CAN_FILTER_OFF), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_set_filter_ex(0, 0, 0, 0, (hsx_can_filter_format_t)4),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_set_filter_ex(16, 0, 0, 0, HSX_CAN_FILTER_BOTH),
                     HSX_HAL_INVALID_PARAM);
    assert_string_equal(fk.log, "");
}

static void status_packs_flags_counters_and_state(void **state)
{
    hsx_can_status_t st;
    (void)state;

    fk.status = (struct hsx_can_status){
        .status = HSX_CAN_ST_UP | HSX_CAN_ST_WARNING | HSX_CAN_ST_ERRORS,
        .state = HSX_CAN_STATE_WARNING,
        .tx_errors = 300, /* past 255: bus-off's count, clamped in the word */
        .rx_errors = 97,
        .bitrate = 500000,
        .mode = HSX_CAN_MODE_LOOPBACK,
        .rx_frames = 10,
        .tx_frames = 11,
        .tx_failed = 12,
        .error_frames = 13,
        .bus_off = 14,
    };
    uint32_t word = hsx_can_get_status();
    assert_int_equal(word, 0x19u | 255u << 8 | 97u << 16 | 1u << 24);
    assert_int_equal(HSX_CAN_STATUS_FLAGS(word),
                     HSX_CAN_STATUS_UP | HSX_CAN_STATUS_WARNING | HSX_CAN_STATUS_ERRORS);
    assert_int_equal(HSX_CAN_STATUS_TX_ERRORS(word), 255);
    assert_int_equal(HSX_CAN_STATUS_RX_ERRORS(word), 97);
    assert_int_equal(HSX_CAN_STATUS_STATE(word), HSX_CAN_STATE_WARNING);
    assert_int_equal(word & HSX_CAN_STATUS_FAILED, 0);

    assert_int_equal(hsx_can_get_status_ex(11, &st), HSX_HAL_OK);
    assert_int_equal(st.tx_errors, 300);
    assert_int_equal(st.bitrate, 500000);
    assert_int_equal(st.mode, HSX_CAN_MODE_LOOPBACK);
    assert_int_equal(st.rx_frames, 10);
    assert_int_equal(st.bus_off, 14);

    /* A state past 127 cannot happen; the word stays clear of the failure bit anyway. */
    hsx_can_status_t odd = {.state = 0xffff, .status = 0xffffffff};
    assert_int_equal(hsx_can_status_pack(&odd) & HSX_CAN_STATUS_FAILED, 0);

    fk.fail = ENODEV;
    assert_int_equal(hsx_can_get_status(), HSX_CAN_STATUS_FAILED);
    assert_int_equal(hsx_hal_errno(), ENODEV);
    assert_int_equal(hsx_can_get_status_ex(16, &st), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_get_status_ex(0, NULL), HSX_HAL_INVALID_PARAM);
}

static void info_names_the_interface(void **state)
{
    hsx_can_info_t info;
    (void)state;

    fk.info = (struct hsx_can_info){.bound = 1, .from_dt = 1, .mtu = 2060, .ifindex = 5}; /* XL */
    memcpy(fk.info.ifname, "vcan0", 6);
    assert_int_equal(hsx_can_get_info(2, &info), HSX_HAL_OK);
    assert_int_equal(info.bus, 2);
    assert_true(info.bound && info.from_device_tree && info.fd);
    assert_int_equal(info.ifindex, 5);
    assert_string_equal(info.ifname, "vcan0");
    /* A name that fills the field is cut to keep its NUL. */
    memset(fk.info.ifname, 'x', sizeof(fk.info.ifname));
    fk.info.mtu = 16;
    assert_int_equal(hsx_can_get_info(2, &info), HSX_HAL_OK);
    assert_int_equal(strlen(info.ifname), HSX_CAN_IFNAME_MAX - 1);
    assert_false(info.fd);
    assert_int_equal(hsx_can_get_info(16, &info), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_get_info(0, NULL), HSX_HAL_INVALID_PARAM);
}

/* ---- callbacks ------------------------------------------------------------------------------ */

static struct {
    pthread_mutex_t lock;
    int count;
    hsx_can_rx_event_t spec;
    hsx_can_event_t ev[4];
    uint32_t length;
} heard = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void on_spec_frame(void *event_data, uint32_t length, void *user_data)
{
    pthread_mutex_lock(&heard.lock);
    heard.spec = *(const hsx_can_rx_event_t *)event_data;
    heard.length = length;
    heard.count += user_data == &heard;
    pthread_mutex_unlock(&heard.lock);
}

static void on_event(void *event_data, uint32_t length, void *user_data)
{
    (void)user_data;
    pthread_mutex_lock(&heard.lock);
    if (heard.count < 4)
        heard.ev[heard.count] = *(const hsx_can_event_t *)event_data;
    heard.length = length;
    heard.count++;
    pthread_mutex_unlock(&heard.lock);
}

static void forget_heard(void)
{
    pthread_mutex_lock(&heard.lock);
    heard.count = 0;
    pthread_mutex_unlock(&heard.lock);
}

/* ---- receiving ------------------------------------------------------------------------------ */

static void bus_0_gives_classic_frames_to_rx_and_the_spec_callback(void **state)
{
    hsx_can_frame_t frame;
    (void)state;

    assert_int_equal(hsx_can_init(), HSX_HAL_OK);
    assert_string_equal(fk.log, "RE"); /* frames and errors, before any arrive */
    /* An FD frame and a TX_DONE are not the spec's: skipped, the classic frame after them read. */
    post(0, &(struct post){.kind = HSX_CAN_EV_FRAME, .id = 1, .flags = HSX_CAN_F_FD, .len = 12});
    post(0, &(struct post){.kind = HSX_CAN_EV_TX_DONE, .id = 2, .len = 0});
    post(0, &(struct post){.kind = HSX_CAN_EV_FRAME,
                           .id = 0x18ff0000,
                           .flags = HSX_CAN_F_EXT | HSX_CAN_F_LOCAL,
                           .len = 3,
                           .data = "abc"});
    assert_int_equal(hsx_can_rx(&frame, 1000), HSX_HAL_OK);
    assert_int_equal(frame.can_id, 0x18ff0000);
    assert_int_equal(frame.dlc, 3);
    assert_int_equal(frame.flags, HSX_CAN_EXT_FRAME);
    assert_memory_equal(frame.data, "abc\0\0\0\0\0", 8);

    uint64_t start = test_now_ms();
    assert_int_equal(hsx_can_rx(&frame, 150), HSX_HAL_TIMEOUT);
    assert_true(test_now_ms() - start >= 140);
    assert_int_equal(hsx_can_rx(NULL, 0), HSX_HAL_INVALID_PARAM);

    /* The spec's callback on the same subscription: classic frames, the spec's event. */
    forget_heard();
    assert_int_equal(hsx_can_set_rx_callback(on_spec_frame, &heard), HSX_HAL_OK);
    post(0, &(struct post){.kind = HSX_CAN_EV_FRAME, .id = 3, .flags = HSX_CAN_F_FD, .len = 1});
    post(0, &(struct post){.kind = HSX_CAN_EV_FRAME, .id = 0x42, .flags = HSX_CAN_F_RTR, .len = 5});
    assert_int_equal(test_count_within(&heard.lock, &heard.count, 1, 2000), 1);
    test_sleep_ms(50); /* the FD frame brought no call */
    pthread_mutex_lock(&heard.lock);
    assert_int_equal(heard.count, 1);
    assert_int_equal(heard.length, sizeof(hsx_can_rx_event_t));
    assert_int_equal(heard.spec.can_id, 0x42);
    assert_int_equal(heard.spec.dlc, 5);
    assert_int_equal(heard.spec.flags, HSX_CAN_RTR_FRAME);
    assert_int_equal(heard.spec.timestamp, 7000123); /* microseconds */
    pthread_mutex_unlock(&heard.lock);
    /* The event callback replaces it on bus 0; NULL removes that. */
    assert_int_equal(hsx_can_set_event_callback(0, on_event, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_can_set_event_callback(0, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_can_set_rx_callback(NULL, NULL), HSX_HAL_OK);
}

/* Losses before events a read skips are reported with the next event it returns. */
static void rx_ex_counts_every_loss_once(void **state)
{
    hsx_can_event_t ev;
    (void)state;

    assert_int_equal(hsx_can_init_ex(6), HSX_HAL_OK);
    post(6, &(struct post){.kind = HSX_CAN_EV_TX_DONE, .id = 2, .dropped = 2, .cookie = 5});
    post(6, &(struct post){.kind = HSX_CAN_EV_FRAME,
                           .id = 0x10,
                           .flags = HSX_CAN_F_FD | HSX_CAN_F_BRS,
                           .len = 16,
                           .data = "0123456789abcdef",
                           .dropped = 1});
    assert_int_equal(hsx_can_rx_ex(6, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.bus, 6);
    assert_int_equal(ev.kind, HSX_CAN_EVENT_FRAME);
    assert_int_equal(ev.lost, 3);
    assert_int_equal(ev.seq, 5);
    assert_int_equal(ev.timestamp_ns, 7000123456ull);
    assert_int_equal(ev.frame.flags, HSX_CAN_FD_FRAME | HSX_CAN_BRS_FRAME);
    assert_int_equal(ev.frame.len, 16);
    assert_memory_equal(ev.frame.data, "0123456789abcdef", 16);
    post(6, &(struct post){.kind = HSX_CAN_EV_FRAME, .id = 0x11});
    assert_int_equal(hsx_can_rx_ex(6, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.lost, 0);

    assert_int_equal(hsx_can_rx_ex(16, &ev, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_rx_ex(6, NULL, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_wait_event(16, &ev, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_wait_error(16, &ev, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_init_ex(16), HSX_HAL_INVALID_PARAM);
}

static void errors_come_from_their_own_mailbox(void **state)
{
    hsx_can_event_t ev;
    (void)state;

    assert_int_equal(hsx_can_init_ex(7), HSX_HAL_OK);
    post_error(7, &(struct post){.kind = HSX_CAN_EV_ERROR,
                                 .error = 0x4,
                                 .state = HSX_CAN_STATE_PASSIVE,
                                 .tx_errors = 128,
                                 .rx_errors = 5,
                                 .len = 8,
                                 .data = "\0\x20\0\0\0\0\x80\x05"});
    assert_int_equal(hsx_can_wait_error(7, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.kind, HSX_CAN_EVENT_ERROR);
    assert_int_equal(ev.error_class, 0x4);
    assert_int_equal(ev.state, HSX_CAN_STATE_PASSIVE);
    assert_int_equal(ev.tx_errors, 128);
    assert_int_equal(ev.rx_errors, 5);
    assert_int_equal(ev.frame.can_id, 0);
    assert_memory_equal(ev.frame.data, "\0\x20\0\0\0\0\x80\x05", 8);
    /* Nothing waits on the frames' side. */
    assert_int_equal(hsx_can_rx_ex(7, &ev, 0), HSX_HAL_TIMEOUT);
}

static void an_unbound_bus_closes_and_is_subscribed_anew(void **state)
{
    hsx_can_event_t ev;
    (void)state;

    assert_int_equal(hsx_can_init_ex(8), HSX_HAL_OK);
    size_t before = hsx_can_subscription_count();
    post_to(fk.peers[8], 208, &fk.seq[0][8], 8, &(struct post){0}, HSX_EVT_CLOSED);
    assert_int_equal(hsx_can_rx_ex(8, &ev, 1000), HSX_HAL_CLOSED);
    assert_int_equal(hsx_can_subscription_count(), before - 1);
    memset(fk.log, 0, sizeof(fk.log));
    fk.fail_open = ENOENT; /* still unbound: no mailbox */
    assert_int_equal(hsx_can_rx_ex(8, &ev, 0), HSX_HAL_NO_DEVICE);
    fk.fail_open = 0;
    assert_int_equal(hsx_can_rx_ex(8, &ev, 0), HSX_HAL_TIMEOUT); /* bound again */
    assert_string_equal(fk.log, "RR");
    assert_int_equal(hsx_can_subscription_count(), before);
}

static void event_and_error_callbacks_get_everything(void **state)
{
    (void)state;

    forget_heard();
    assert_int_equal(hsx_can_set_event_callback(9, on_event, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_can_set_error_callback(9, on_event, NULL), HSX_HAL_OK);
    assert_string_equal(fk.log, "RE");
    post(9, &(struct post){.kind = HSX_CAN_EV_FRAME, .id = 0x1, .flags = HSX_CAN_F_FD, .len = 64});
    assert_int_equal(test_count_within(&heard.lock, &heard.count, 1, 2000), 1);
    post(9, &(struct post){.kind = HSX_CAN_EV_TX_DONE, .id = 0x2, .cookie = 9});
    assert_int_equal(test_count_within(&heard.lock, &heard.count, 2, 2000), 2);
    post_error(9, &(struct post){.kind = HSX_CAN_EV_ERROR, .error = 0x40, .len = 8});
    assert_int_equal(test_count_within(&heard.lock, &heard.count, 3, 2000), 3);
    pthread_mutex_lock(&heard.lock);
    assert_int_equal(heard.length, sizeof(hsx_can_event_t));
    assert_int_equal(heard.ev[0].frame.len, 64);
    assert_int_equal(heard.ev[1].kind, HSX_CAN_EVENT_TX_DONE);
    assert_int_equal(heard.ev[1].cookie, 9);
    assert_int_equal(heard.ev[2].kind, HSX_CAN_EVENT_ERROR);
    assert_int_equal(heard.ev[2].error_class, 0x40);
    pthread_mutex_unlock(&heard.lock);
    /* While a callback is set, waiting on the bus is the callback's. */
    hsx_can_event_t ev;
    assert_int_equal(hsx_can_rx_ex(9, &ev, 0), HSX_HAL_BUSY);
    assert_int_equal(hsx_can_set_event_callback(9, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_can_set_error_callback(9, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_can_set_event_callback(16, on_event, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_can_set_error_callback(16, on_event, NULL), HSX_HAL_INVALID_PARAM);
}

/* What the three calls that ask hsxd returned from a callback, and their errnos. */
static struct {
    int restart, restart_err, ms, ms_err, config, config_err;
} from_callback;

static void restart_from_callback(void *event_data, uint32_t length, void *user_data)
{
    (void)event_data;
    (void)length;
    (void)user_data;
    from_callback.restart = hsx_can_restart(3);
    from_callback.restart_err = hsx_hal_errno();
    from_callback.ms = hsx_can_set_restart_ms(3, 100);
    from_callback.ms_err = hsx_hal_errno();
    from_callback.config = hsx_can_config_ex(2, 250000, 0, 0);
    from_callback.config_err = hsx_hal_errno();
    on_event(event_data, length, user_data);
}

/*
 * A callback must not wait for hsxd (hsx_cap.h): the calls that would are BUSY with EDEADLK at
 * once, and hsxd hears nothing. Before, each waited for hsxd's answer on the dispatcher thread.
 */
static void calls_that_ask_hsxd_refuse_to_wait_in_a_callback(void **state)
{
    static struct fake_hsxd hsxd;
    (void)state;

    quiet_hsxd_and_bus_2_at_500k(&hsxd);
    forget_heard();
    assert_int_equal(hsx_can_set_event_callback(13, restart_from_callback, NULL), HSX_HAL_OK);
    post(13, &(struct post){.kind = HSX_CAN_EV_FRAME, .id = 0x1, .len = 1});
    assert_int_equal(test_count_within(&heard.lock, &heard.count, 1, 2000), 1);
    assert_int_equal(hsx_can_set_event_callback(13, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(from_callback.restart, HSX_HAL_BUSY);
    assert_int_equal(from_callback.restart_err, EDEADLK);
    assert_int_equal(from_callback.ms, HSX_HAL_BUSY);
    assert_int_equal(from_callback.ms_err, EDEADLK);
    assert_int_equal(from_callback.config, HSX_HAL_BUSY);
    assert_int_equal(from_callback.config_err, EDEADLK);
    assert_int_equal(hsxd.requests, 0);
    /* From any other thread they ask. */
    assert_int_equal(hsx_can_restart(3), HSX_HAL_OK);
    assert_int_equal(hsxd.can_restarts, 1);
    fake_hsxd_stop(&hsxd);
    unsetenv("HSX_HAL_QUIET");
}

/* ---- threads and fork ----------------------------------------------------------------------- */

struct reader {
    int ret;
    hsx_can_event_t ev;
};

static void *read_one(void *arg)
{
    struct reader *r = arg;

    r->ret = hsx_can_rx_ex(10, &r->ev, 2000);
    return NULL;
}

/* Two threads reading one bus take turns: each gets a frame, none gets HSX_HAL_BUSY. */
static void readers_of_one_bus_take_turns(void **state)
{
    struct reader r[2] = {{0}};
    pthread_t threads[2];
    (void)state;

    assert_int_equal(hsx_can_init_ex(10), HSX_HAL_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, read_one, &r[i]), 0);
    test_sleep_ms(50);
    post(10, &(struct post){.kind = HSX_CAN_EV_FRAME, .id = 0x100});
    post(10, &(struct post){.kind = HSX_CAN_EV_FRAME, .id = 0x101});
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(r[0].ret, HSX_HAL_OK);
    assert_int_equal(r[1].ret, HSX_HAL_OK);
    assert_int_equal(r[0].ev.frame.can_id + r[1].ev.frame.can_id, 0x201);
}

/* In the child: none of the parent's subscriptions, and its own on first use. */
static int subscribe_in_child(void *arg)
{
    hsx_can_event_t ev;
    (void)arg;

    if (hsx_can_subscription_count() != 0 || hsx_can_error_subscription_count() != 0)
        return 2;
    memset(fk.log, 0, sizeof(fk.log));
    if (hsx_can_rx_ex(11, &ev, 0) != HSX_HAL_TIMEOUT || strcmp(fk.log, "R") != 0)
        return 3;
    return hsx_can_subscription_count() == 1 ? 0 : 4;
}

static void a_child_has_none_of_the_parents_subscriptions(void **state)
{
    hsx_can_event_t ev;
    (void)state;

    assert_int_equal(hsx_can_init_ex(11), HSX_HAL_OK);
    assert_int_equal(test_in_child(subscribe_in_child, NULL, 5000), 0);
    post(11, &(struct post){.kind = HSX_CAN_EV_FRAME, .id = 0x55});
    assert_int_equal(hsx_can_rx_ex(11, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.frame.can_id, 0x55);
}

#define CAN_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CAN_TEST(tx_sends_the_spec_frame_on_bus_0),
        CAN_TEST(tx_refuses_what_is_no_frame_before_asking),
        CAN_TEST(tx_ex_sends_fd_frames_and_returns_the_cookie),
        CAN_TEST(tx_failures_say_what_happened),
        CAN_TEST(a_nowait_send_subscribes_first_and_hears_its_echo),
        CAN_TEST(config_checks_the_bus_setup),
        CAN_TEST(config_asks_hsxd_to_set_it),
        CAN_TEST(restart_asks_hsxd),
        CAN_TEST(config_tells_hsxds_refusals_and_timeouts_apart),
        CAN_TEST(filters_map_to_banks),
        CAN_TEST(status_packs_flags_counters_and_state),
        CAN_TEST(info_names_the_interface),
        CAN_TEST(bus_0_gives_classic_frames_to_rx_and_the_spec_callback),
        CAN_TEST(rx_ex_counts_every_loss_once),
        CAN_TEST(errors_come_from_their_own_mailbox),
        CAN_TEST(an_unbound_bus_closes_and_is_subscribed_anew),
        CAN_TEST(event_and_error_callbacks_get_everything),
        CAN_TEST(calls_that_ask_hsxd_refuse_to_wait_in_a_callback),
        CAN_TEST(readers_of_one_bus_take_turns),
        CAN_TEST(a_child_has_none_of_the_parents_subscriptions),
    };

    for (int i = 0; i < HSX_CAN_MAX_BUSES; i++)
        fk.peers[i] = fk.err_peers[i] = -1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
