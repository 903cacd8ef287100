// SPDX-License-Identifier: MIT
/*
 * UART against a fake hsx.ko: an ioctl hook plays the port's node, and each
 * port's subscription is a queue-file stand-in (a non-blocking stream socket
 * pair, read as a queue file: all it holds at once) the test posts UART
 * records to. Every test uses ports of its own: a
 * subscription, once taken, stays for the life of the process.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/dispatcher.h"
#include "core/errors.h"
#include "helpers.h"
#include "hsx_uart.h"
#include "stream_queue.h"
#include "uart/uart.h"

#define UART_RECORD_SIZE                                                                           \
    ((uint32_t)(sizeof(struct hsx_mbox_record) + sizeof(struct hsx_uart_record)))
#define MAX_WRITES 8

static struct fake_kernel {
    pthread_mutex_t lock;
    char log[64];                  /* C config, M subscribe, W write */
    int fail_config, fail_open;    /* the errno each fails with, or 0 */
    int peers[HSX_UART_MAX_PORTS]; /* the "kernel" end of each port's subscription */
    uint64_t seq[HSX_UART_MAX_PORTS];
    /* The writes' answers, in order: bytes done (< 0: fail with that errno); then all of them. */
    int write_done[MAX_WRITES];
    int writes;
    uint32_t write_timeouts[MAX_WRITES]; /* the timeout_ms each write was given */
    uint32_t write_delay_ms;             /* how long each write takes */
    struct hsx_uart_config config;
} fk = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int fake_ioctl(enum hsx_umod_index node, unsigned long request, void *arg)
{
    int err = 0;
    uint32_t delay = 0;

    assert_int_equal(node, HSX_UMOD_UART);
    if (request == HSX_IOC_CAP_INFO)
        return test_privileged_cap_info(arg);
    pthread_mutex_lock(&fk.lock);
    if (request == HSX_IOC_UART_CONFIG) {
        test_log(fk.log, sizeof(fk.log), 'C');
        fk.config = *(struct hsx_uart_config *)arg;
        err = fk.fail_config;
        if (!err)
            ((struct hsx_uart_config *)arg)->baud_actual = fk.config.baud;
    } else if (request == HSX_IOC_UART_WRITE) {
        struct hsx_uart_xfer *x = arg;
        int i = fk.writes < MAX_WRITES ? fk.writes : MAX_WRITES - 1;
        int answer = fk.write_done[i];

        test_log(fk.log, sizeof(fk.log), 'W');
        fk.write_timeouts[i] = x->timeout_ms;
        fk.writes++;
        delay = fk.write_delay_ms;
        if (answer < 0) {
            err = -answer;
        } else {
            x->done = (uint32_t)answer < x->len ? (uint32_t)answer : x->len;
            if (x->done == 0 && x->len)
                err = ETIMEDOUT; /* as the kernel: success only if some went */
        }
    } else {
        err = ENOTTY;
    }
    pthread_mutex_unlock(&fk.lock);
    if (delay)
        test_sleep_ms(delay);
    return test_ioctl_result(err);
}

static int fake_open(const char *name, int auth_fd, hsx_mailbox_t **mb)
{
    unsigned int port;
    int peer, ret = HSX_HAL_OK;

    (void)auth_fd;
    pthread_mutex_lock(&fk.lock);
    test_log(fk.log, sizeof(fk.log), 'M');
    if (fk.fail_open)
        ret = hsx_fail_with_errno(-fk.fail_open);
    else if (sscanf(name, "hal:uart:%u:rx", &port) != 1 || port >= HSX_UART_MAX_PORTS ||
             test_stream_queue_mailbox(100 + port, name, UART_RECORD_SIZE, mb, &peer) < 0)
        ret = hsx_fail_with(HSX_HAL_ERROR, EINVAL);
    else
        fk.peers[port] = peer;
    pthread_mutex_unlock(&fk.lock);
    return ret;
}

static int setup(void **state)
{
    (void)state;
    pthread_mutex_lock(&fk.lock);
    memset(fk.log, 0, sizeof(fk.log));
    fk.fail_config = fk.fail_open = 0;
    memset(fk.write_done, 0, sizeof(fk.write_done));
    memset(fk.write_timeouts, 0, sizeof(fk.write_timeouts));
    fk.writes = 0;
    fk.write_delay_ms = 0;
    test_close_fds(fk.peers, HSX_UART_MAX_PORTS);
    pthread_mutex_unlock(&fk.lock);
    test_use_fake_kernel(fake_ioctl, fake_open);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* The subscriptions stay the library's; only their "kernel" ends close. */
    test_use_real_kernel(fk.peers, HSX_UART_MAX_PORTS);
    return 0;
}

/*
 * Post a DATA event of len bytes with flags to port, as hsx.ko would, after
 * dropping dropped events for this subscriber; offset is before data[0].
 */
static void post_after_drops(uint8_t port, const char *data, uint8_t len, uint8_t flags,
                             uint64_t offset, uint32_t dropped)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    struct hsx_mbox_record hdr = {
        .size = UART_RECORD_SIZE,
        .type = HSX_EVT_DATA,
        .module = HSX_MODULE_UART,
        .mbox_id = 100u + port,
        .dropped = dropped,
        .seq = fk.seq[port] += 1 + dropped,
        .timestamp_ns = 1000,
    };
    struct hsx_uart_record r = {
        .port = port, .kind = HSX_UART_EV_DATA, .length = len, .flags = flags, .offset = offset};

    memset(buf, 0, sizeof(buf));
    memcpy(r.data, data, len);
    memcpy(buf, &hdr, sizeof(hdr));
    memcpy(buf + sizeof(hdr), &r, sizeof(r));
    assert_true(fk.peers[port] >= 0);
    assert_true(test_send_bytes(fk.peers[port], buf, UART_RECORD_SIZE));
}

static void post(uint8_t port, const char *data, uint8_t len, uint8_t flags, uint64_t offset)
{
    post_after_drops(port, data, len, flags, offset, 0);
}

/* ---- LB1: a break or overrun with no byte --------------------------------------------------- */

/* Before: the read waited on for bytes, returned HSX_HAL_TIMEOUT, and the break was lost. */
static void a_break_alone_is_returned_with_no_bytes(void **state)
{
    const uint8_t port = 1;
    hsx_uart_read_info_t info;
    char buf[16];
    (void)state;

    assert_int_equal(hsx_uart_init(port), HSX_HAL_OK);
    post(port, "", 0, HSX_UART_RX_F_BREAK, 0);
    /* Returned for the break, not at the end of a 20 s timeout (far from any scheduling noise). */
    uint64_t start = test_now_ms();
    assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 20000, &info), 0);
    assert_true(test_now_ms() - start < 10000);
    assert_int_equal(info.flags, HSX_UART_RX_BREAK);
    assert_int_equal(info.rx_offset, 0);
    assert_int_equal(info.lost_bytes, 0);

    /* hsx_uart_read() returns 0 for it too; the bytes after it come with the next read. */
    post(port, "", 0, HSX_UART_RX_F_OVERRUN, 0);
    post(port, "ab", 2, 0, 0);
    assert_int_equal(hsx_uart_read(port, buf, sizeof(buf), 300), 0);
    assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 300, &info), 2);
    assert_memory_equal(buf, "ab", 2);
    assert_int_equal(info.flags, 0);
}

/* Before: "abcd" came in one read with the break's flag: where the break was got lost. */
static void a_read_stops_at_a_break_after_its_bytes(void **state)
{
    const uint8_t port = 2;
    hsx_uart_read_info_t info;
    char buf[16];
    (void)state;

    assert_int_equal(hsx_uart_init(port), HSX_HAL_OK);
    post(port, "ab", 2, 0, 0);
    post(port, "", 0, HSX_UART_RX_F_BREAK, 2);
    post(port, "cd", 2, 0, 2);
    assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 300, &info), 2);
    assert_memory_equal(buf, "ab", 2);
    assert_int_equal(info.flags, HSX_UART_RX_BREAK);
    assert_int_equal(info.rx_offset, 0);
    assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 300, &info), 2);
    assert_memory_equal(buf, "cd", 2);
    assert_int_equal(info.flags, 0);
    assert_int_equal(info.rx_offset, 2);
    assert_int_equal(info.lost_bytes, 0);
}

/* ---- LB2: the turn and the receive share one timeout ---------------------------------------- */

struct blocked_read {
    uint8_t port;
    uint32_t timeout_ms;
    int ret;
};

static void *read_nothing(void *arg)
{
    struct blocked_read *r = arg;
    char buf[4];

    r->ret = hsx_uart_read(r->port, buf, sizeof(buf), r->timeout_ms);
    return NULL;
}

/* Before: the wait for the turn took 250 ms, then the receive waited its whole 400 ms. */
static void wait_event_waits_its_timeout_in_all(void **state)
{
    const uint8_t port = 3;
    struct blocked_read r = {.port = port, .timeout_ms = 300};
    hsx_uart_event_t ev;
    pthread_t thread;
    (void)state;

    assert_int_equal(hsx_uart_init(port), HSX_HAL_OK);
    assert_int_equal(pthread_create(&thread, NULL, read_nothing, &r), 0);
    test_sleep_ms(50); /* the reader has the turn */
    uint64_t start = test_now_ms();
    assert_int_equal(hsx_uart_wait_event(port, &ev, 400), HSX_HAL_TIMEOUT);
    uint64_t elapsed = test_now_ms() - start;
    pthread_join(thread, NULL);
    assert_int_equal(r.ret, HSX_HAL_TIMEOUT);
    assert_true(elapsed >= 380);
    assert_true(elapsed < 550);

    /* hsx_uart_read_ex() the same. */
    assert_int_equal(pthread_create(&thread, NULL, read_nothing, &r), 0);
    test_sleep_ms(50);
    start = test_now_ms();
    char buf[4];
    assert_int_equal(hsx_uart_read(port, buf, sizeof(buf), 400), HSX_HAL_TIMEOUT);
    elapsed = test_now_ms() - start;
    pthread_join(thread, NULL);
    assert_true(elapsed >= 380);
    assert_true(elapsed < 550);
}

/* ---- LB3: writes go on while they make progress -------------------------------------------- */

static void set_writes(const int *answers, int n)
{
    pthread_mutex_lock(&fk.lock);
    for (int i = 0; i < n && i < MAX_WRITES; i++)
        fk.write_done[i] = answers[i];
    pthread_mutex_unlock(&fk.lock);
}

/* Before: the first short chunk (a signal after 3 bytes) ended the write with 3. */
static void a_write_cut_short_by_a_signal_goes_on(void **state)
{
    const int answers[] = {3, 2, 100};
    (void)state;

    set_writes(answers, 3);
    assert_int_equal(hsx_uart_write(4, "0123456789", 10), 10);
    assert_string_equal(fk.log, "WWW");
    /* timeout 0: the kernel's default for every call. */
    assert_int_equal(fk.write_timeouts[0], 0);
    assert_int_equal(fk.write_timeouts[2], 0);

    setup(state);
    set_writes(answers, 3);
    assert_int_equal(hsx_uart_write_timeout(4, "0123456789", 10, 5000), 10);
    assert_string_equal(fk.log, "WWW");
    assert_true(fk.write_timeouts[0] <= 5000 && fk.write_timeouts[0] > 4000);
    assert_true(fk.write_timeouts[2] <= fk.write_timeouts[0] && fk.write_timeouts[2] > 0);

    setup(state);
    set_writes(answers, 3);
    assert_int_equal(hsx_uart_write_timeout(4, "0123456789", 10, HSX_HAL_TIMEOUT_INF), 10);
    assert_string_equal(fk.log, "WWW");
    assert_int_equal(fk.write_timeouts[1], HSX_UART_TIMEOUT_MAX_MS);
}

/* A call that makes no progress ends the write: with what went, or its error if none did. */
static void a_write_stops_when_no_progress_is_made(void **state)
{
    const int some[] = {4, 0};
    const int none[] = {-EIO};
    (void)state;

    set_writes(some, 2);
    assert_int_equal(hsx_uart_write(5, "0123456789", 10), 4);
    assert_string_equal(fk.log, "WW");

    setup(state);
    set_writes(some, 2);
    assert_int_equal(hsx_uart_write_timeout(5, "0123456789", 10, HSX_HAL_TIMEOUT_INF), 4);
    assert_string_equal(fk.log, "WW");

    setup(state);
    set_writes(some + 1, 1);
    assert_int_equal(hsx_uart_write(5, "0123456789", 10), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_hal_errno(), ETIMEDOUT);

    setup(state);
    set_writes(none, 1);
    assert_int_equal(hsx_uart_write_timeout(5, "0123456789", 10, 1000), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EIO);
    assert_string_equal(fk.log, "W");
}

/* With a timeout, the write goes on only while time is left: 3 calls of 60 ms in 150 ms. */
static void a_write_gives_up_when_its_time_is_up(void **state)
{
    const int answers[] = {1, 1, 1, 1, 1, 1, 1, 1};
    (void)state;

    set_writes(answers, MAX_WRITES);
    fk.write_delay_ms = 60;
    /*
     * Each write sends one byte and takes 60 ms: within 150 ms the call
     * gives up before the tenth. How many fit depends on the host's load,
     * so the test asserts the shape, not a time: what it returns is what
     * the writes sent, fewer than asked, and each write is given what is
     * left of the budget, less and less.
     */
    int sent = hsx_uart_write_timeout(6, "0123456789", 10, 150);
    size_t writes = strlen(fk.log);
    assert_true(sent >= 1 && sent < 10);
    assert_int_equal(strspn(fk.log, "W"), writes);
    assert_int_equal((size_t)sent, writes);
    for (size_t i = 0; i < writes; i++) {
        assert_true(fk.write_timeouts[i] > 0 && fk.write_timeouts[i] <= 150);
        if (i)
            assert_true(fk.write_timeouts[i] < fk.write_timeouts[i - 1]);
    }
}

/* An interrupted call that wrote nothing (EINTR) is made again. */
static void an_interrupted_write_is_retried(void **state)
{
    const int answers[] = {-EINTR, 10};
    (void)state;

    set_writes(answers, 2);
    assert_int_equal(hsx_uart_write_timeout(7, "0123456789", 10, HSX_HAL_TIMEOUT_INF), 10);
    assert_string_equal(fk.log, "WW");
    setup(state);
    set_writes(answers, 2);
    assert_int_equal(hsx_uart_write(7, "0123456789", 10), 10);
}

/* ---- LB4: init without the config right, and the order of its steps -------------------------- */

/* Before: HSX_HAL_DENIED, and no subscription: a reader-only application could not init. */
static void init_subscribes_a_reader_that_may_not_configure(void **state)
{
    const uint8_t port = 8;
    char buf[4];
    (void)state;

    fk.fail_config = EACCES;
    size_t before = hsx_uart_subscription_count();
    assert_int_equal(hsx_uart_init(port), HSX_HAL_OK);
    assert_int_equal(hsx_uart_subscription_count(), before + 1);
    assert_true(strchr(fk.log, 'C') && strchr(fk.log, 'M'));
    post(port, "x", 1, 0, 0);
    assert_int_equal(hsx_uart_read(port, buf, sizeof(buf), 300), 1);
    assert_int_equal(buf[0], 'x');
}

/* Before: the port was configured ("CM"), then init failed: its settings changed for nothing. */
static void init_changes_nothing_when_it_cannot_subscribe(void **state)
{
    (void)state;

    fk.fail_open = EACCES;
    assert_int_equal(hsx_uart_init(9), HSX_HAL_DENIED);
    assert_string_equal(fk.log, "M");
}

/* Configured when allowed; another error of the configuration is init's. */
static void init_configures_115200_8n1_and_reports_other_errors(void **state)
{
    (void)state;

    assert_int_equal(hsx_uart_init(10), HSX_HAL_OK);
    assert_non_null(strchr(fk.log, 'C'));
    assert_int_equal(fk.config.port, 10);
    assert_int_equal(fk.config.baud, 115200);
    assert_int_equal(fk.config.data_bits, 8);
    assert_int_equal(fk.config.parity, HSX_UART_PAR_NONE);
    assert_int_equal(fk.config.stop_bits, 1);

    setup(state);
    fk.fail_config = ENODEV;
    assert_int_equal(hsx_uart_init(11), HSX_HAL_NO_DEVICE);
    setup(state);
    fk.fail_config = EINVAL;
    assert_int_equal(hsx_uart_init(12), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_init(HSX_UART_MAX_PORTS), HSX_HAL_INVALID_PARAM);
}

/* ---- batches: what one read of the queue brought ------------------------------------------- */

/* Before: one read() per event; the events a read of the queue brought come in one call. */
static void every_byte_a_batch_brought_comes_in_one_read(void **state)
{
    const uint8_t port = 13;
    hsx_uart_read_info_t info;
    char sent[5 * HSX_UART_DATA_MAX], buf[1000];
    (void)state;

    for (size_t i = 0; i < sizeof(sent); i++)
        sent[i] = (char)('A' + i % 57);
    assert_int_equal(hsx_uart_init(port), HSX_HAL_OK);
    for (int i = 0; i < 5; i++)
        post(port, sent + i * HSX_UART_DATA_MAX, HSX_UART_DATA_MAX, 0,
             (uint64_t)i * HSX_UART_DATA_MAX);
    assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 300, &info), (int)sizeof(sent));
    assert_memory_equal(buf, sent, sizeof(sent));
    assert_int_equal(info.rx_offset, 0);
    assert_int_equal(info.lost_bytes, 0);
    assert_int_equal(info.flags, 0);
    assert_int_equal(hsx_uart_read(port, buf, sizeof(buf), 0), HSX_HAL_TIMEOUT);
}

/* Reads smaller than the batch take it in order, a run each, none twice, none skipped. */
static void a_batch_is_read_in_order_across_short_reads(void **state)
{
    const uint8_t port = 14;
    const char *const want[] = {"abc", "def", "ghi", "j"};
    hsx_uart_read_info_t info;
    char buf[3];
    (void)state;

    assert_int_equal(hsx_uart_init(port), HSX_HAL_OK);
    for (int i = 0; i < 5; i++) {
        char two[2] = {(char)('a' + 2 * i), (char)('b' + 2 * i)};
        post(port, two, 2, 0, 2u * (unsigned int)i);
    }
    for (int i = 0; i < 4; i++) {
        int len = (int)strlen(want[i]);
        assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 300, &info), len);
        assert_memory_equal(buf, want[i], (size_t)len);
        assert_int_equal(info.rx_offset, 3u * (unsigned int)i);
        assert_int_equal(info.lost_bytes, 0);
    }
    assert_int_equal(hsx_uart_read(port, buf, sizeof(buf), 0), HSX_HAL_TIMEOUT);
}

/* Bytes the kernel dropped between events of one batch: counted once, in the read they precede. */
static void lost_bytes_in_a_batch_are_reported_once(void **state)
{
    const uint8_t port = 15;
    hsx_uart_read_info_t info;
    char buf[100];
    (void)state;

    assert_int_equal(hsx_uart_init(port), HSX_HAL_OK);
    post(port, "ab", 2, 0, 0);
    post_after_drops(port, "cd", 2, 0, 10, 1); /* 8 bytes lost in the event dropped */
    post(port, "ef", 2, 0, 12);
    assert_int_equal(hsx_uart_read_ex(port, buf, 2, 300, &info), 2);
    assert_int_equal(info.lost_bytes, 0);
    assert_int_equal(hsx_uart_read_ex(port, buf, 2, 300, &info), 2);
    assert_memory_equal(buf, "cd", 2);
    assert_int_equal(info.rx_offset, 10);
    assert_int_equal(info.lost_bytes, 8);
    assert_int_equal(hsx_uart_read_ex(port, buf, 2, 300, &info), 2);
    assert_memory_equal(buf, "ef", 2);
    assert_int_equal(info.lost_bytes, 0);

    /* One read across the gap: the bytes on both sides, the loss once. */
    post(port, "gh", 2, 0, 14);
    post_after_drops(port, "ij", 2, 0, 30, 2);
    post(port, "kl", 2, 0, 32);
    assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 300, &info), 6);
    assert_memory_equal(buf, "ghijkl", 6);
    assert_int_equal(info.rx_offset, 14);
    assert_int_equal(info.lost_bytes, 14);
    assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 0, &info), HSX_HAL_TIMEOUT);
}

/*
 * The port unbound (its close notice) after bytes of the same batch: the read
 * returns them, the subscription is gone, and the next use subscribes afresh,
 * counting the new binding's bytes from 0.
 */
static void a_close_in_a_batch_ends_the_read_after_its_bytes(void **state)
{
    const uint8_t port = 0;
    hsx_uart_read_info_t info;
    char buf[100];
    (void)state;

    assert_int_equal(hsx_uart_init(port), HSX_HAL_OK);
    size_t subscribed = hsx_uart_subscription_count();
    post(port, "ab", 2, 0, 0);
    post(port, "cd", 2, 0, 2);
    struct test_event closed = test_closed(100u + port, ++fk.seq[port], HSX_CLOSE_GONE);
    assert_true(test_send_record(fk.peers[port], &closed, UART_RECORD_SIZE));
    assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 300, &info), 4);
    assert_memory_equal(buf, "abcd", 4);
    assert_int_equal(hsx_uart_subscription_count(), subscribed - 1);

    test_close_fds(&fk.peers[port], 1); /* the old subscription's "kernel" end */
    assert_int_equal(hsx_uart_init(port), HSX_HAL_OK);
    assert_int_equal(hsx_uart_subscription_count(), subscribed);
    assert_string_equal(fk.log, "MCMC");
    post(port, "x", 1, 0, 0);
    assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 300, &info), 1);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(info.rx_offset, 0);
    assert_int_equal(info.lost_bytes, 0);
}

/* ---- a callback's subscription outlives its port's unbinding -------------------------------- */

struct trace {
    pthread_mutex_t lock;
    char text[128];
};

static struct trace trace = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Into the trace its user data is, or the trace above. */
static void on_rx(void *event_data, uint32_t length, void *user_data)
{
    const hsx_uart_rx_event_t *ev = event_data;
    struct trace *t = user_data ? user_data : &trace;

    assert_int_equal(length, sizeof(*ev));
    pthread_mutex_lock(&t->lock);
    size_t n = strlen(t->text);
    if (ev->flags & (HSX_UART_RX_UNBOUND | HSX_UART_RX_REBOUND | HSX_UART_RX_ENDED))
        snprintf(t->text + n, sizeof(t->text) - n, "<%c%u>",
                 ev->flags & HSX_UART_RX_UNBOUND   ? 'U'
                 : ev->flags & HSX_UART_RX_REBOUND ? 'R'
                                                   : 'E',
                 ev->port);
    else
        snprintf(t->text + n, sizeof(t->text) - n, "%.*s", ev->length, ev->data);
    pthread_mutex_unlock(&t->lock);
}

/* Wait up to 3 s for the trace to be want. */
static void trace_is(const char *want)
{
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&trace.lock);
        bool same = strcmp(trace.text, want) == 0;
        pthread_mutex_unlock(&trace.lock);
        if (same)
            return;
        test_sleep_ms(10);
    }
    char got[sizeof(trace.text)];
    pthread_mutex_lock(&trace.lock);
    memcpy(got, trace.text, sizeof(got));
    pthread_mutex_unlock(&trace.lock); /* not held by a failed test's jump */
    assert_string_equal(got, want);
}

static void post_closed(uint8_t port, uint32_t reason)
{
    struct test_event closed = test_closed(100u + port, ++fk.seq[port], reason);

    assert_true(test_send_record(fk.peers[port], &closed, UART_RECORD_SIZE));
}

static size_t opens(void)
{
    pthread_mutex_lock(&fk.lock);
    size_t n = 0;
    for (const char *c = fk.log; *c; c++)
        n += *c == 'M';
    pthread_mutex_unlock(&fk.lock);
    return n;
}

static void set_fail_open(int err)
{
    pthread_mutex_lock(&fk.lock);
    fk.fail_open = err;
    pthread_mutex_unlock(&fk.lock);
}

/* A callback on port, whose port then goes, the library's tries failing with open_err. */
static void unbind_under_a_callback(uint8_t port, int open_err)
{
    memset(trace.text, 0, sizeof(trace.text));
    assert_int_equal(hsx_uart_set_rx_callback(port, on_rx, NULL), HSX_HAL_OK);
    set_fail_open(open_err);
    post_closed(port, HSX_CLOSE_GONE);
}

/*
 * Unbound (GONE): told, tried again with back-off while the port is away,
 * subscribed again once it is back, told, and fed. Then revoked while live:
 * told it ended, and never subscribed again.
 */
static void a_callback_is_subscribed_again_after_its_port_went(void **state)
{
    const uint8_t port = 5;
    (void)state;

    memset(trace.text, 0, sizeof(trace.text));
    assert_int_equal(hsx_uart_set_rx_callback(port, on_rx, NULL), HSX_HAL_OK);
    post(port, "ab", 2, 0, 0);
    trace_is("ab");
    set_fail_open(ENODEV);
    post_closed(port, HSX_CLOSE_GONE);
    trace_is("ab<U5>");
    test_sleep_ms(200); /* 20, 40, 80 ms: a few tries, all failed */
    size_t tried = opens();
    assert_true(tried >= 2 && tried <= 6); /* the first subscription, and tries */
    test_close_fds(&fk.peers[port], 1);
    set_fail_open(0);
    trace_is("ab<U5><R5>");
    post(port, "cd", 2, 0, 0);
    trace_is("ab<U5><R5>cd");
    assert_int_equal(hsx_uart_read(port, (char[4]){0}, 4, 0), HSX_HAL_BUSY);

    /* Revoked while live: ended, closed, not tried again. */
    size_t before = opens();
    post_closed(port, HSX_CLOSE_REVOKED);
    trace_is("ab<U5><R5>cd<E5>");
    test_sleep_ms(300);
    assert_int_equal(opens(), before);
    /* A reader's call subscribes afresh, without the callback. */
    test_close_fds(&fk.peers[port], 1);
    assert_int_equal(hsx_uart_read(port, (char[4]){0}, 4, 0), HSX_HAL_TIMEOUT);
    assert_int_equal(opens(), before + 1);
    post(port, "ef", 2, 0, 0);
    char buf[4];
    assert_int_equal(hsx_uart_read(port, buf, sizeof(buf), 300), 2);
    trace_is("ab<U5><R5>cd<E5>");
}

/* Denied when it tries again (revoked while unbound): ended, and tried no more. */
static void a_callback_denied_when_subscribed_again_ends(void **state)
{
    const uint8_t port = 6;
    (void)state;

    unbind_under_a_callback(port, EKEYREVOKED);
    trace_is("<U6><E6>");
    size_t tried = opens();
    set_fail_open(0);
    test_sleep_ms(300);
    assert_int_equal(opens(), tried);
}

/* Removed while its port is away: tried no more. */
static void a_callback_removed_while_unbound_is_not_subscribed_again(void **state)
{
    const uint8_t port = 7;
    (void)state;

    unbind_under_a_callback(port, ENODEV);
    trace_is("<U7>");
    assert_int_equal(hsx_uart_set_rx_callback(port, NULL, NULL), HSX_HAL_OK);
    test_close_fds(&fk.peers[port], 1);
    set_fail_open(0);
    size_t tried = opens();
    test_sleep_ms(300);
    assert_int_equal(opens(), tried);
    trace_is("<U7>");
}

/* ---- removal, replacement and failures around the library's tries --------------------------- */

/*
 * hsx_mailbox_set_callback_ex(), wrapped (the Makefile links this test with
 * --wrap): a removal may pause, and the port come back while it does; the
 * library's own move of a callback (on the dispatcher thread) may fail for
 * want of memory.
 */
int __real_hsx_mailbox_set_callback_ex(hsx_mailbox_t *mb, hsx_mailbox_callback_t cb, void *ud,
                                       void **old);
int __wrap_hsx_mailbox_set_callback_ex(hsx_mailbox_t *mb, hsx_mailbox_callback_t cb, void *ud,
                                       void **old);
static atomic_int pause_removal, fail_move;

static bool trace_has(const char *what)
{
    pthread_mutex_lock(&trace.lock);
    bool has = strstr(trace.text, what) != NULL;
    pthread_mutex_unlock(&trace.lock);
    return has;
}

int __wrap_hsx_mailbox_set_callback_ex(hsx_mailbox_t *mb, hsx_mailbox_callback_t cb, void *ud,
                                       void **old)
{
    if (!cb && atomic_exchange(&pause_removal, 0)) {
        /* The caller looked up the gone handle and let op go: the port comes back now. */
        set_fail_open(0);
        for (int i = 0; i < 300 && !trace_has("<R"); i++)
            test_sleep_ms(10);
    }
    if (cb && hsx_dispatch_on_thread() && atomic_exchange(&fail_move, 0))
        return hsx_fail_with_errno(ENOMEM);
    return __real_hsx_mailbox_set_callback_ex(mb, cb, ud, old);
}

/*
 * Removed while the library's try moves it to the port's new binding.
 * Before: the removal returned HSX_HAL_CLOSED (it met the old handle) and
 * the callback went on running on the new one ("zz" delivered after it).
 */
static void a_removal_racing_the_retry_removes_the_callback(void **state)
{
    const uint8_t port = 9;
    (void)state;

    unbind_under_a_callback(port, ENODEV);
    trace_is("<U9>");
    test_close_fds(&fk.peers[port], 1);
    atomic_store(&pause_removal, 1);
    assert_int_equal(hsx_uart_set_rx_callback(port, NULL, NULL), HSX_HAL_OK);
    post(port, "zz", 2, 0, 0);
    test_sleep_ms(300);
    trace_is("<U9><R9>"); /* nothing delivered after the removal returned */
}

/*
 * The move to the new binding fails for want of memory. Before: the
 * callback was dropped without a word and the tries stopped ("<U4>" alone).
 */
static void a_move_that_fails_is_tried_again(void **state)
{
    const uint8_t port = 4;
    (void)state;

    unbind_under_a_callback(port, ENODEV);
    trace_is("<U4>");
    test_close_fds(&fk.peers[port], 1);
    atomic_store(&fail_move, 1);
    set_fail_open(0);
    trace_is("<U4><R4>");
    assert_int_equal(atomic_load(&fail_move), 0); /* it did fail once */
    post(port, "ab", 2, 0, 0);
    trace_is("<U4><R4>ab");
    assert_int_equal(hsx_uart_set_rx_callback(port, NULL, NULL), HSX_HAL_OK);
}

/* Another mailbox's callback, which keeps the dispatcher busy for a while. */
static atomic_bool busy_inside;

static void busy_for_a_while(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    (void)mb;
    (void)ev;
    (void)arg;
    atomic_store(&busy_inside, true);
    test_sleep_ms(300);
}

/*
 * Replaced while its port is unbound but back, while the dispatcher is busy
 * elsewhere: the new callback's first event is the port's, never the notice
 * made for the callback it replaced. Before: "<R6>" reached the new one.
 */
static void a_replacing_callback_gets_no_notice_of_the_replaced(void **state)
{
    const uint8_t port = 6;
    static struct trace second = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct test_event tick = test_expiry(3, 1);
    hsx_mailbox_t *busy;
    int busy_peer = -1;
    (void)state;

    memset(second.text, 0, sizeof(second.text));
    unbind_under_a_callback(port, ENODEV);
    trace_is("<U6>");
    assert_true(test_mailbox(3, "hal:timer:3", &busy, &busy_peer) >= 0);
    assert_int_equal(hsx_mailbox_set_callback(busy, busy_for_a_while, NULL), HSX_HAL_OK);
    assert_true(test_send_event(busy_peer, &tick));
    while (!atomic_load(&busy_inside))
        test_sleep_ms(1);
    test_close_fds(&fk.peers[port], 1);
    set_fail_open(0);
    assert_int_equal(hsx_uart_set_rx_callback(port, on_rx, &second), HSX_HAL_OK);
    post(port, "xy", 2, 0, 0);
    char got[sizeof(second.text)];
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&second.lock);
        memcpy(got, second.text, sizeof(got));
        pthread_mutex_unlock(&second.lock);
        if (strlen(got) >= 2)
            break;
        test_sleep_ms(10);
    }
    hsx_mailbox_close(busy);
    close(busy_peer);
    assert_string_equal(got, "xy");
    trace_is("<U6>");
    assert_int_equal(hsx_uart_set_rx_callback(port, NULL, NULL), HSX_HAL_OK);
}

/*
 * A line flag the library does not know (a later uAPI's, in the bits of the
 * library's notices) is no notice: the callback never reads it as one, a
 * read never as a line condition. Before: "<U7>" reached the callback, and
 * the read returned 0 for it with flags 0x10.
 */
static void an_unknown_line_flag_is_no_notice(void **state)
{
    const uint8_t port = 7;
    hsx_uart_read_info_t info;
    char buf[8];
    (void)state;

    memset(trace.text, 0, sizeof(trace.text));
    assert_int_equal(hsx_uart_set_rx_callback(port, on_rx, NULL), HSX_HAL_OK);
    post(port, "", 0, HSX_UART_RX_UNBOUND, 0);
    post(port, "ab", 2, HSX_UART_RX_ENDED, 0);
    post(port, "cd", 2, 0, 2);
    trace_is("abcd");
    assert_int_equal(hsx_uart_set_rx_callback(port, NULL, NULL), HSX_HAL_OK);

    post(port, "", 0, 0x80 | HSX_UART_RX_REBOUND, 4);
    post(port, "e", 1, HSX_UART_RX_BREAK | HSX_UART_RX_UNBOUND, 4);
    assert_int_equal(hsx_uart_read_ex(port, buf, sizeof(buf), 300, &info), 1);
    assert_int_equal(buf[0], 'e');
    assert_int_equal(info.flags, HSX_UART_RX_BREAK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_break_alone_is_returned_with_no_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(a_read_stops_at_a_break_after_its_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(wait_event_waits_its_timeout_in_all, setup, teardown),
        cmocka_unit_test_setup_teardown(a_write_cut_short_by_a_signal_goes_on, setup, teardown),
        cmocka_unit_test_setup_teardown(a_write_stops_when_no_progress_is_made, setup, teardown),
        cmocka_unit_test_setup_teardown(a_write_gives_up_when_its_time_is_up, setup, teardown),
        cmocka_unit_test_setup_teardown(an_interrupted_write_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(init_subscribes_a_reader_that_may_not_configure, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(init_changes_nothing_when_it_cannot_subscribe, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(init_configures_115200_8n1_and_reports_other_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(every_byte_a_batch_brought_comes_in_one_read, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_batch_is_read_in_order_across_short_reads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(lost_bytes_in_a_batch_are_reported_once, setup, teardown),
        cmocka_unit_test_setup_teardown(a_close_in_a_batch_ends_the_read_after_its_bytes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_callback_is_subscribed_again_after_its_port_went, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_callback_denied_when_subscribed_again_ends, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_callback_removed_while_unbound_is_not_subscribed_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_removal_racing_the_retry_removes_the_callback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_move_that_fails_is_tried_again, setup, teardown),
        cmocka_unit_test_setup_teardown(a_replacing_callback_gets_no_notice_of_the_replaced, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_unknown_line_flag_is_no_notice, setup, teardown),
    };

    for (int i = 0; i < HSX_UART_MAX_PORTS; i++)
        fk.peers[i] = -1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
