/* SPDX-License-Identifier: MIT */
/*
 * Overload (issue 12 item 4): every event source driven at about ten times
 * what its subscribers read. GPIO edges on a gpio-sim line (the debug kernel:
 * the stock kernel has no gpio-sim, so there the GPIO case skips), a timer at
 * HSX_TIMER_PERIOD_MIN_US, UART bytes over the back-to-back pair, CAN frames
 * from a raw socket on vcan. Each source has three subscribers: a queue file
 * read at about a tenth of the rate the source generates (paced by the
 * source's own counter, not by time), a queue file read only at the end, and
 * a netlink subscriber (the library) with the smallest receive buffer, read
 * only at the end.
 *
 * For every subscriber, exactly: records read + drops reported (the dropped
 * fields, the close notice's included) == events generated, dropped_total is
 * the running sum, and each sequence number is the previous one plus the
 * drops reported plus one. For the UART also in bytes: bytes read + bytes
 * the records' offsets say were missed == bytes sent. What counts as
 * generated comes from the kernel's counters, not from the subscribers: the
 * edges written and the pin's interrupts; the timer's expirations minus its
 * overruns (each event covers 1 + overruns periods); the port's rx_bytes and
 * its mailbox's sequence number; the bus's rx_frames (plus what the kernel's
 * receive backlog dropped before the CAN core, which must add up to the
 * frames sent).
 *
 * Memory: Slab and SUnreclaim of /proc/meminfo before subscribing, at the
 * peak of the overload (every queue full) and after, and the queued records
 * of every queue file (HSX_IOC_MBOX_QUEUE_INFO), sampled while it runs. The
 * bounds: a queue never holds more than its length; the kernel's slab grows
 * by no more than what the subscriptions allocate up front (a queue of
 * len * record_size bytes, a netlink socket's receive buffer), a margin for
 * the rest of the system, and on the debug kernel KASAN's quarantine (freed
 * objects it holds back, at most 1/32 of memory); not with the events.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "can_rig.h"
#include "e2e.h"
#include "hsx_mailbox.h"
#include "hsx_uapi.h"

#define RATIO 10        /* the slow reader takes one record per RATIO events generated */
#define SLOW_QUEUE 16   /* its queue's length */
#define IDLE_QUEUE 64   /* the length of the queue read only at the end */
#define MARGIN_KB 1024  /* the rest of the system's slab noise */
#define NL_SKB_MAX 8192 /* one netlink event message's truesize, at most */
#define SLOW_KEPT 16384 /* records the slow reader keeps for checking */

enum role { SLOW_QUEUE_SUB, IDLE_QUEUE_SUB, IDLE_NETLINK_SUB, N_SUBS };
static const char *const role_names[N_SUBS] = {"slow queue", "idle queue", "idle netlink"};

/* One record, from a queue file or a netlink event. */
struct rec {
    unsigned int type;
    uint64_t seq, dropped, dropped_total;
    union {
        struct {
            uint64_t line_seq;
        } gpio;
        struct {
            uint64_t expirations, overruns;
        } timer;
        struct {
            unsigned int kind, length;
            uint64_t offset;
            uint8_t data[HSX_UART_DATA_MAX];
        } uart;
        struct {
            unsigned int kind, len;
            uint8_t data[8];
        } can;
    } u;
};

struct sub {
    enum role role;
    int qfd;           /* a queue file, or -1 */
    hsx_mailbox_t *nl; /* or a netlink subscription */
    unsigned int queue_len;
    uint32_t record_size;
    int rcvbuf; /* netlink: the receive buffer the kernel gave it */
    uint64_t records, dropped, last_seq, max_queued;
    bool closed;
    /* Source-specific consistency of the payloads. */
    bool have_last;
    uint64_t last_value;
    uint64_t bytes, lost_bytes, next_off; /* UART, relative to the port's count at the start */
    uint64_t can_skew; /* CAN: frames the backlog lost before this one, at most */
};

struct mem {
    long slab_kb, sunreclaim_kb;
};

struct source {
    const char *name;
    char mbox[HSX_MBOX_NAME_MAX];
    int node;                             /* the /dev/hsx file the queue files are opened on */
    uint64_t seq_base;                    /* the mailbox's sequence number before it all */
    uint64_t (*counter)(struct source *); /* events generated so far, for pacing */
    uint64_t counter_base;
    void (*check)(struct source *, struct sub *, const struct rec *);
    uint64_t generated;
    unsigned int after_drain; /* events generated after the subscribers drained (a marker) */
    struct sub subs[N_SUBS];
    struct mem before, peak, after;
    atomic_bool stop;
    pthread_t pacer;
    uint8_t *slow; /* what the slow reader read while it ran, SLOW_KEPT records at most */
    ssize_t *slow_len;
    size_t n_slow;
    /* Per source. */
    unsigned int timer_id;
    const uint8_t *out;
    size_t out_len;
    uint64_t rx_base;
};

static struct mem meminfo(void)
{
    struct mem m = {-1, -1};
    char line[128];
    FILE *f = fopen("/proc/meminfo", "r");

    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        sscanf(line, "Slab: %ld kB", &m.slab_kb);
        sscanf(line, "SUnreclaim: %ld kB", &m.sunreclaim_kb);
    }
    fclose(f);
    assert_true(m.slab_kb >= 0 && m.sunreclaim_kb >= 0);
    return m;
}

static long meminfo_total_kb(void)
{
    char line[128];
    long total = -1;
    FILE *f = fopen("/proc/meminfo", "r");

    assert_non_null(f);
    while (fgets(line, sizeof(line), f))
        sscanf(line, "MemTotal: %ld kB", &total);
    fclose(f);
    return total;
}

/* The mailbox's last sequence number, 0 when it does not exist. */
static uint64_t mbox_seq(const char *name)
{
    static hsx_mailbox_info_t info[256];
    int n = hsx_mailbox_list(info, 256);

    assert_true(n >= 0);
    for (int i = 0; i < n && i < 256; i++)
        if (!strcmp(info[i].name, name))
            return info[i].seq;
    return 0;
}

/*
 * The mailbox's sequence number once it has held still for 300 ms, within the
 * liveness bound: what a port's configuration posts (its line's first events)
 * may come late on a slow kernel, and an event posted between this and the
 * subscriptions is one no subscriber is owed, but would look lost.
 */
static uint64_t settled_seq(const char *name)
{
    uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    uint64_t seq = mbox_seq(name);

    for (int still = 0; still < 3; still++) {
        assert_true(e2e_now_ms() < deadline);
        usleep(100 * 1000);
        uint64_t now = mbox_seq(name);
        if (now != seq) {
            seq = now;
            still = -1;
        }
    }
    return seq;
}

static void subscribe(struct source *src)
{
    for (int r = 0; r < N_SUBS; r++) {
        struct sub *s = &src->subs[r];

        *s = (struct sub){.role = (enum role)r, .qfd = -1, .last_seq = src->seq_base};
        if (r == IDLE_NETLINK_SUB) {
            socklen_t len = sizeof(s->rcvbuf);
            assert_int_equal(hsx_mailbox_open(src->mbox, &s->nl), HSX_HAL_OK);
            assert_int_equal(
                setsockopt(hsx_mailbox_fd(s->nl), SOL_SOCKET, SO_RCVBUF, &(int){1}, sizeof(int)),
                0);
            assert_int_equal(
                getsockopt(hsx_mailbox_fd(s->nl), SOL_SOCKET, SO_RCVBUF, &s->rcvbuf, &len), 0);
            continue;
        }
        struct hsx_mbox_open o = {.queue_len = r == SLOW_QUEUE_SUB ? SLOW_QUEUE : IDLE_QUEUE,
                                  .flags = HSX_MBOX_O_NONBLOCK};
        struct hsx_mbox_queue_info qi;
        snprintf(o.name, sizeof(o.name), "%s", src->mbox);
        s->qfd = e2e_ioctl(src->node, HSX_IOC_MBOX_OPEN, &o);
        assert_true(s->qfd >= 0);
        assert_int_equal(ioctl(s->qfd, HSX_IOC_MBOX_QUEUE_INFO, &qi), 0);
        assert_int_equal(qi.queue_len, o.queue_len);
        assert_true(qi.record_size <= HSX_MBOX_RECORD_MAX);
        s->queue_len = qi.queue_len;
        s->record_size = qi.record_size;
    }
}

/* A record as read from a queue file. */
static void parse_record(const struct sub *s, const uint8_t *buf, ssize_t n, struct rec *r)
{
    struct hsx_mbox_record h;

    assert_int_equal(n, s->record_size);
    memcpy(&h, buf, sizeof(h));
    assert_int_equal(h.size, s->record_size);
    *r = (struct rec){
        .type = h.type, .seq = h.seq, .dropped = h.dropped, .dropped_total = h.dropped_total};
    const uint8_t *p = buf + sizeof(h);
    if (h.type != HSX_EVT_DATA)
        return;
    switch (h.module) {
    case HSX_MODULE_GPIO: {
        struct hsx_gpio_record g;
        memcpy(&g, p, sizeof(g));
        r->u.gpio.line_seq = g.line_seq;
        break;
    }
    case HSX_MODULE_TIMER: {
        struct hsx_timer_record t;
        memcpy(&t, p, sizeof(t));
        r->u.timer.expirations = t.expirations;
        r->u.timer.overruns = t.overruns;
        break;
    }
    case HSX_MODULE_UART: {
        struct hsx_uart_record u;
        memcpy(&u, p, sizeof(u));
        r->u.uart.kind = u.kind;
        r->u.uart.length = u.length;
        r->u.uart.offset = u.offset;
        memcpy(r->u.uart.data, u.data, sizeof(u.data));
        break;
    }
    case HSX_MODULE_CAN: {
        struct hsx_can_record c;
        memcpy(&c, p, sizeof(c));
        r->u.can.kind = c.kind;
        r->u.can.len = c.frame.len;
        memcpy(r->u.can.data, c.frame.data, sizeof(r->u.can.data));
        break;
    }
    default:
        fail_msg("a record of module %#x", h.module);
    }
}

/* The next record of a queue file: 1, or 0 when none is queued. */
static int queue_next(struct sub *s, struct rec *r)
{
    uint8_t buf[HSX_MBOX_RECORD_MAX] __attribute__((aligned(8)));
    ssize_t n = read(s->qfd, buf, s->record_size);

    if (n < 0 && errno == EAGAIN)
        return 0;
    parse_record(s, buf, n, r);
    return 1;
}

/* The next event of a netlink subscription, waiting up to ms: 1, or 0 when none came. */
static int netlink_next(struct sub *s, struct rec *r, uint32_t ms)
{
    hsx_mailbox_event_t ev;
    int ret = hsx_mailbox_recv(s->nl, &ev, ms);

    if (ret == HSX_HAL_TIMEOUT || (ret == HSX_HAL_CLOSED && s->closed))
        return 0;
    assert_true(ret == HSX_HAL_OK || ret == HSX_HAL_CLOSED);
    *r = (struct rec){
        .type = ev.type, .seq = ev.seq, .dropped = ev.dropped, .dropped_total = ev.dropped_total};
    if (ev.type != HSX_MAILBOX_EVENT_DATA)
        return 1;
    switch (ev.module) {
    case HSX_MAILBOX_MODULE_GPIO:
        r->u.gpio.line_seq = ev.u.gpio.line_seq;
        break;
    case HSX_MAILBOX_MODULE_TIMER:
        r->u.timer.expirations = ev.u.timer.expirations;
        r->u.timer.overruns = ev.u.timer.overruns;
        break;
    case HSX_MAILBOX_MODULE_UART:
        r->u.uart.kind = ev.u.uart.kind;
        r->u.uart.length = ev.u.uart.length;
        r->u.uart.offset = ev.u.uart.offset;
        memcpy(r->u.uart.data, ev.u.uart.data, sizeof(r->u.uart.data));
        break;
    case HSX_MAILBOX_MODULE_CAN:
        r->u.can.kind = ev.u.can.kind;
        r->u.can.len = ev.u.can.len;
        memcpy(r->u.can.data, ev.u.can.data, sizeof(r->u.can.data));
        break;
    default:
        fail_msg("an event of module %#x", ev.module);
    }
    return 1;
}

/* Account one record to its subscriber: the sequence numbers and drops must agree. */
static void take(struct source *src, struct sub *s, const struct rec *r)
{
    assert_false(s->closed);
    if (r->seq != s->last_seq + r->dropped + 1)
        fail_msg("%s %s: seq %llu after %llu with %llu dropped", src->name, role_names[s->role],
                 (unsigned long long)r->seq, (unsigned long long)s->last_seq,
                 (unsigned long long)r->dropped);
    s->dropped += r->dropped;
    assert_int_equal(r->dropped_total, s->dropped);
    s->last_seq = r->seq;
    if (r->type == HSX_EVT_CLOSED) {
        s->closed = true;
        return;
    }
    assert_int_equal(r->type, HSX_EVT_DATA);
    s->records++;
    src->check(src, s, r);
}

/* Take every record a subscriber has now; 1 if it had any. */
static int drain(struct source *src, struct sub *s, uint32_t ms)
{
    struct rec r;
    int any = 0;

    while (!s->closed && (s->nl ? netlink_next(s, &r, ms) : queue_next(s, &r))) {
        take(src, s, &r);
        any = 1;
    }
    return any;
}

static void sample_queues(struct source *src)
{
    for (int i = 0; i < N_SUBS; i++) {
        struct sub *s = &src->subs[i];
        struct hsx_mbox_queue_info qi;

        if (s->qfd < 0)
            continue;
        if (ioctl(s->qfd, HSX_IOC_MBOX_QUEUE_INFO, &qi))
            qi.queued = UINT32_MAX; /* fails the bound: it must not fail */
        if (qi.queued > s->max_queued)
            s->max_queued = qi.queued;
    }
}

/*
 * The slow reader: one record per RATIO events generated, by the source's
 * own count; and the queues' fill, sampled as it goes. It keeps what it reads
 * as it was read, for the test's thread to check (cmocka asserts there only).
 */
static void *pacer(void *arg)
{
    struct source *src = arg;
    struct sub *s = &src->subs[SLOW_QUEUE_SUB];

    while (!atomic_load(&src->stop)) {
        uint64_t due = (src->counter(src) - src->counter_base) / RATIO;

        while (src->n_slow < due && src->n_slow < SLOW_KEPT) {
            uint8_t *slot = src->slow + src->n_slow * HSX_MBOX_RECORD_MAX;
            ssize_t n = read(s->qfd, slot, s->record_size);

            if (n < 0 && errno == EAGAIN)
                break;
            src->slow_len[src->n_slow++] = n;
        }
        sample_queues(src);
        usleep(1000);
    }
    return NULL;
}

static void start(struct source *src)
{
    src->before = meminfo();
    src->slow = malloc((size_t)SLOW_KEPT * HSX_MBOX_RECORD_MAX);
    src->slow_len = calloc(SLOW_KEPT, sizeof(*src->slow_len));
    assert_true(src->slow && src->slow_len);
    subscribe(src);
    src->counter_base = src->counter(src);
    atomic_store(&src->stop, false);
    assert_int_equal(pthread_create(&src->pacer, NULL, pacer, src), 0);
}

/* Generation is over: the peak. The caller stops the source before reading the rest. */
static void peak(struct source *src)
{
    src->peak = meminfo();
    atomic_store(&src->stop, true);
    pthread_join(src->pacer, NULL);
    sample_queues(src);
    for (size_t i = 0; i < src->n_slow; i++) {
        struct rec r;

        parse_record(&src->subs[SLOW_QUEUE_SUB], src->slow + i * HSX_MBOX_RECORD_MAX,
                     src->slow_len[i], &r);
        take(src, &src->subs[SLOW_QUEUE_SUB], &r);
    }
    free(src->slow);
    free(src->slow_len);
}

/* The source's mailbox was closed: every subscriber reads its close notice. */
static void finish(struct source *src)
{
    uint64_t bound_b = 0, queued = 0;

    for (int i = 0; i < N_SUBS; i++) {
        struct sub *s = &src->subs[i];
        uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;

        while (!s->closed) {
            assert_true(e2e_now_ms() < deadline);
            if (!drain(src, s, 200))
                usleep(20000);
        }
        if (s->qfd >= 0) {
            close(s->qfd);
            /* kvzalloc: a power of two up to 8 pages, then pages. */
            uint64_t bytes = 256 + (uint64_t)s->queue_len * s->record_size, b = 4096;
            while (b < bytes)
                b *= 2;
            bound_b += b;
            queued += (uint64_t)s->queue_len * s->record_size;
        } else {
            assert_int_equal(hsx_mailbox_close(s->nl), HSX_HAL_OK);
            bound_b += (uint64_t)s->rcvbuf + 2 * NL_SKB_MAX;
        }
    }
    usleep(200000);
    src->after = meminfo();

    printf("# %s: %llu events generated\n", src->name, (unsigned long long)src->generated);
    for (int i = 0; i < N_SUBS; i++) {
        struct sub *s = &src->subs[i];

        if (s->nl)
            printf("#   %-12s (rcvbuf %d): %llu delivered + %llu dropped\n", role_names[i],
                   s->rcvbuf, (unsigned long long)s->records, (unsigned long long)s->dropped);
        else
            printf("#   %-12s (queue %u): %llu delivered + %llu dropped; at most %llu queued\n",
                   role_names[i], s->queue_len, (unsigned long long)s->records,
                   (unsigned long long)s->dropped, (unsigned long long)s->max_queued);
        if (s->records + s->dropped != src->generated)
            fail_msg("%s %s: %llu delivered + %llu dropped != %llu generated", src->name,
                     role_names[i], (unsigned long long)s->records, (unsigned long long)s->dropped,
                     (unsigned long long)src->generated);
        /* The close notice takes the sequence number after the last event. */
        assert_int_equal(s->last_seq, src->seq_base + src->generated + 1);
        assert_true(s->dropped > 0); /* it was overloaded */
        if (s->qfd >= 0)
            assert_true(s->max_queued <= s->queue_len);
        /* Read nothing until the end: the first queue_len events, then only what came after. */
        if (i == IDLE_QUEUE_SUB)
            assert_int_equal(s->records, s->queue_len + src->after_drain);
        /* It read one per RATIO generated while they came, then what its queue held. */
        if (i == SLOW_QUEUE_SUB)
            assert_true(s->records <= src->generated / RATIO + s->queue_len + src->after_drain);
    }

    long quarantine_kb = 0;
    const char *kernel = getenv("HSX_TEST_KERNEL");
    if (kernel && !strcmp(kernel, "debug"))
        quarantine_kb = meminfo_total_kb() / 32;
    long bound_kb = (long)(bound_b / 1024) + MARGIN_KB + quarantine_kb;
    long grew = src->peak.sunreclaim_kb - src->before.sunreclaim_kb;
    printf("#   memory: Slab %ld -> %ld -> %ld kB, SUnreclaim %ld -> %ld -> %ld kB "
           "(before, peak, after); queues %llu B; growth at peak %ld kB, bound %ld kB "
           "(subscriptions %llu kB + margin %d kB + KASAN quarantine %ld kB); "
           "every event kept for every subscriber would be %llu kB\n",
           src->before.slab_kb, src->peak.slab_kb, src->after.slab_kb, src->before.sunreclaim_kb,
           src->peak.sunreclaim_kb, src->after.sunreclaim_kb, (unsigned long long)queued, grew,
           bound_kb, (unsigned long long)(bound_b / 1024), MARGIN_KB, quarantine_kb,
           (unsigned long long)(src->generated * N_SUBS * src->subs[IDLE_QUEUE_SUB].record_size /
                                1024));
    assert_true(grew <= bound_kb);
    assert_true(src->peak.slab_kb - src->before.slab_kb <= bound_kb);
    assert_true(src->after.sunreclaim_kb - src->before.sunreclaim_kb <= MARGIN_KB + quarantine_kb);
}

/* ---- GPIO ------------------------------------------------------------------------------- */

#define GPIO_PIN 12
#define GPIO_EDGES 1000
#define SIM_LABEL "hsx-ovl-sim"

static uint64_t gpio_counter(struct source *src)
{
    (void)src;
    return e2e_sysfs_u64("/sys/hal/gpio/%d/interrupts", GPIO_PIN);
}

static void gpio_check(struct source *src, struct sub *s, const struct rec *r)
{
    (void)s;
    /* Each event is the edge its sequence number counts since the interrupt was enabled. */
    assert_int_equal(r->u.gpio.line_seq, r->seq - src->seq_base);
}

static void gpio_edges(void **state)
{
    struct source src = {.name = "gpio", .counter = gpio_counter, .check = gpio_check};
    struct e2e_sim sim;
    (void)state;

    if (e2e_sim_create(&sim, "hsx-ovl", SIM_LABEL, 1, NULL)) {
        printf("# " E2E_NO_GPIO_SIM ": skipped\n");
        skip();
    }
    e2e_map_pin(GPIO_PIN, "", 0);
    assert_int_equal(e2e_map_pin(GPIO_PIN, SIM_LABEL, 0), 0);
    e2e_sim_pull(&sim, 0, 0);
    src.node = e2e_open_node("gpio");
    struct hsx_gpio_config c = {.pin = GPIO_PIN, .mode = HSX_GPIO_M_INPUT};
    assert_int_equal(e2e_ioctl(src.node, HSX_IOC_GPIO_CONFIG, &c), 0);
    snprintf(src.mbox, sizeof(src.mbox), HSX_MBOX_GPIO_FMT, GPIO_PIN);
    src.seq_base = mbox_seq(src.mbox);

    start(&src);
    struct hsx_gpio_interrupt irq = {.pin = GPIO_PIN, .edge = HSX_GPIO_E_BOTH, .enable = 1};
    assert_int_equal(e2e_ioctl(src.node, HSX_IOC_GPIO_SET_INTERRUPT, &irq), 0);
    for (int i = 0; i < GPIO_EDGES; i++)
        e2e_sim_pull(&sim, 0, !(i & 1));
    /* The pin's count is since hsx.ko was loaded (an earlier run's edges are in it). */
    char path[64];
    snprintf(path, sizeof(path), "/sys/hal/gpio/%d/interrupts", GPIO_PIN);
    e2e_wait_sysfs(src.counter_base + GPIO_EDGES, 1, path);
    usleep(200000); /* the IRQ thread posts the last edges */
    peak(&src);

    /* Disabling and closing releases the line: its mailbox closes. */
    irq.enable = 0;
    assert_int_equal(e2e_ioctl(src.node, HSX_IOC_GPIO_SET_INTERRUPT, &irq), 0);
    assert_int_equal(gpio_counter(&src) - src.counter_base, GPIO_EDGES);
    close(src.node);
    src.generated = GPIO_EDGES;
    finish(&src);
    e2e_map_pin(GPIO_PIN, "", 0);
}

/* ---- Timer ------------------------------------------------------------------------------ */

#define TIMER_PERIODS 20000 /* 2 s of periods at HSX_TIMER_PERIOD_MIN_US */

static uint64_t timer_counter(struct source *src)
{
    (void)src;
    /*
     * Only the timer's mailbox posts while this runs (its own expirations and
     * overruns are two counters, not read together).
     */
    return e2e_sysfs_u64("/sys/hal/mailbox/events");
}

static void timer_check(struct source *src, struct sub *s, const struct rec *r)
{
    uint64_t periods = 1 + r->u.timer.overruns;

    (void)src;
    /*
     * With nothing dropped since the last, the periods add up exactly; each
     * dropped event covered at least one more.
     */
    if (r->dropped == 0)
        assert_int_equal(r->u.timer.expirations, s->last_value + periods);
    else
        assert_true(r->u.timer.expirations >= s->last_value + periods + r->dropped);
    s->last_value = r->u.timer.expirations;
    s->have_last = true;
}

static void timer_at_the_period_floor(void **state)
{
    struct source src = {.name = "timer", .counter = timer_counter, .check = timer_check};
    (void)state;

    uint64_t exp0 = e2e_sysfs_u64("/sys/hal/timer/expirations");
    uint64_t ovr0 = e2e_sysfs_u64("/sys/hal/timer/overruns");
    src.node = e2e_open_node("timer");
    struct hsx_timer_create tc = {.period_us = HSX_TIMER_PERIOD_MIN_US,
                                  .flags = HSX_TIMER_F_STOPPED};
    assert_int_equal(e2e_ioctl(src.node, HSX_IOC_TIMER_CREATE, &tc), 0);
    src.timer_id = tc.timer_id;
    snprintf(src.mbox, sizeof(src.mbox), HSX_MBOX_TIMER_FMT, tc.timer_id);
    src.seq_base = 0; /* a new mailbox */

    start(&src);
    struct hsx_timer_id id = {.timer_id = tc.timer_id};
    assert_int_equal(e2e_ioctl(src.node, HSX_IOC_TIMER_START, &id), 0);
    char path[64];
    snprintf(path, sizeof(path), "/sys/hal/timer/%u/expirations", tc.timer_id);
    e2e_wait_sysfs(TIMER_PERIODS, 1, path);
    peak(&src);
    /* Cancelling waits for a running expiry; then the counters are final. */
    assert_int_equal(e2e_ioctl(src.node, HSX_IOC_TIMER_CANCEL, &id), 0);
    uint64_t periods = e2e_sysfs_u64("/sys/hal/timer/expirations") - exp0;
    uint64_t overruns = e2e_sysfs_u64("/sys/hal/timer/overruns") - ovr0;
    src.generated = periods - overruns;
    printf("# timer %u at %u us: %llu periods, %llu overruns\n", tc.timer_id,
           HSX_TIMER_PERIOD_MIN_US, (unsigned long long)periods, (unsigned long long)overruns);
    assert_true(periods >= TIMER_PERIODS);
    finish(&src);
    /* The last event any subscriber saw covered no more periods than there were. */
    for (int i = 0; i < N_SUBS; i++)
        assert_true(src.subs[i].last_value <= periods);
    close(src.node);
}

/* ---- UART ------------------------------------------------------------------------------- */

#define UART_TX 0 /* ttyS2, wired to ttyS3 by tests/vm/run */
#define UART_RX 1
#define UART_BYTES (32 * 1024)
#define UART_MARKER "END!"

static struct hsx_uart_status uart_status(int fd, unsigned int port)
{
    struct hsx_uart_status st = {.port = port};

    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_GET_STATUS, &st), 0);
    return st;
}

/* WRITE may return with part of it sent when the line is slow (the debug kernel): go on. */
static void uart_write(int fd, const uint8_t *buf, size_t len)
{
    for (size_t sent = 0; sent < len;) {
        struct hsx_uart_xfer x = {
            .port = UART_TX, .len = (uint32_t)(len - sent), .buf = (uintptr_t)(buf + sent)};

        assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_WRITE, &x), 0);
        assert_true(x.done > 0 && x.done <= len - sent);
        sent += x.done;
    }
}

static uint64_t uart_counter(struct source *src)
{
    (void)src;
    /* Only the receiving port's mailbox posts while this runs. */
    return e2e_sysfs_u64("/sys/hal/mailbox/events");
}

static void uart_check(struct source *src, struct sub *s, const struct rec *r)
{
    assert_int_equal(r->u.uart.kind, HSX_UART_EV_DATA);
    assert_true(r->u.uart.length > 0 && r->u.uart.length <= HSX_UART_DATA_MAX);
    assert_true(r->u.uart.offset >= src->rx_base + s->next_off);
    uint64_t at = r->u.uart.offset - src->rx_base, gap = at - s->next_off;
    /* Bytes are missed exactly where events were dropped. */
    assert_int_equal(gap > 0, r->dropped > 0);
    assert_true(at + r->u.uart.length <= src->out_len + sizeof(UART_MARKER) - 1);
    if (at + r->u.uart.length <= src->out_len)
        assert_memory_equal(r->u.uart.data, src->out + at, r->u.uart.length);
    s->lost_bytes += gap;
    s->bytes += r->u.uart.length;
    s->next_off = at + r->u.uart.length;
}

static void uart_bytes(void **state)
{
    struct source src = {.name = "uart", .counter = uart_counter, .check = uart_check};
    uint8_t *out = malloc(UART_BYTES);
    (void)state;

    assert_non_null(out);
    for (size_t i = 0; i < UART_BYTES; i++)
        out[i] = (uint8_t)(i * 7 + i / 251);
    src.out = out;
    src.out_len = UART_BYTES;
    e2e_map_uart(UART_TX, "");
    e2e_map_uart(UART_RX, "");
    assert_int_equal(e2e_map_uart(UART_TX, "ttyS2"), 0);
    assert_int_equal(e2e_map_uart(UART_RX, "ttyS3"), 0);
    src.node = e2e_open_node("uart");
    for (unsigned int port = UART_TX; port <= UART_RX; port++) {
        struct hsx_uart_config c = {.port = port, .baud = 115200, .stop_bits = 1, .data_bits = 8};
        assert_int_equal(e2e_ioctl(src.node, HSX_IOC_UART_CONFIG, &c), 0);
    }
    snprintf(src.mbox, sizeof(src.mbox), HSX_MBOX_UART_FMT, UART_RX);
    src.seq_base = settled_seq(src.mbox);
    src.rx_base = uart_status(src.node, UART_RX).rx_bytes;

    start(&src);
    for (size_t sent = 0; sent < UART_BYTES; sent += 4096)
        uart_write(src.node, out + sent, 4096);
    for (uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;
         uart_status(src.node, UART_RX).rx_bytes - src.rx_base < UART_BYTES;)
        assert_true(e2e_now_ms() < deadline);
    usleep(200000);
    peak(&src);

    /*
     * A loss is learnt from the next event's offset: a marker, once every
     * queue has room, tells each subscriber what it missed at the end.
     */
    for (int i = 0; i < N_SUBS; i++)
        drain(&src, &src.subs[i], 300);
    const uint64_t before_marker = mbox_seq(src.mbox);
    uart_write(src.node, (const uint8_t *)UART_MARKER, sizeof(UART_MARKER) - 1);
    for (uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;
         uart_status(src.node, UART_RX).rx_bytes - src.rx_base < UART_BYTES + 4;)
        assert_true(e2e_now_ms() < deadline);
    usleep(200000);
    uint64_t seq = mbox_seq(src.mbox);
    /* The tty may hand the marker's bytes over in more than one piece: one event each. */
    src.after_drain = (unsigned int)(seq - before_marker);
    assert_true(src.after_drain >= 1 && src.after_drain <= 4);
    assert_int_equal(uart_status(src.node, UART_RX).rx_bytes - src.rx_base, UART_BYTES + 4);
    /* Unbinding the port closes its mailbox. */
    assert_int_equal(e2e_map_uart(UART_RX, ""), 0);
    src.generated = seq - src.seq_base;
    printf("# uart: %d bytes and a %zu-byte marker sent, %llu events\n", UART_BYTES,
           sizeof(UART_MARKER) - 1, (unsigned long long)src.generated);
    finish(&src);
    for (int i = 0; i < N_SUBS; i++) {
        struct sub *s = &src.subs[i];

        printf("#   %-12s: %llu bytes read + %llu reported lost\n", role_names[i],
               (unsigned long long)s->bytes, (unsigned long long)s->lost_bytes);
        assert_int_equal(s->bytes + s->lost_bytes, UART_BYTES + 4);
        assert_int_equal(s->next_off, UART_BYTES + 4);
        assert_true(s->lost_bytes > 0);
    }
    close(src.node);
    e2e_map_uart(UART_TX, "");
    free(out);
}

/* ---- CAN -------------------------------------------------------------------------------- */

#define CAN_IFACE "vcan0"
#define CAN_BUS 0
#define CAN_FRAMES 5000

static uint64_t can_counter(struct source *src)
{
    (void)src;
    return e2e_sysfs_u64("/sys/hal/can/%d/rx_frames", CAN_BUS);
}

static void can_check(struct source *src, struct sub *s, const struct rec *r)
{
    uint64_t index;

    (void)src;
    assert_int_equal(r->u.can.kind, HSX_CAN_EV_FRAME);
    assert_int_equal(r->u.can.len, 8);
    memcpy(&index, r->u.can.data, sizeof(index));
    /*
     * Its own sequence numbers count the frames that reached hsx: the frame's
     * index is that, plus what the kernel's backlog lost before it.
     */
    assert_true(index + 1 >= r->seq);
    if (index + 1 - r->seq > s->can_skew)
        s->can_skew = index + 1 - r->seq;
    assert_true(!s->have_last || index > s->last_value);
    s->last_value = index;
    s->have_last = true;
}

static void can_frames(void **state)
{
    struct source src = {.name = "can", .counter = can_counter, .check = can_check};
    (void)state;

    rig_unmap_all();
    rig_vcan(CAN_IFACE);
    assert_int_equal(rig_map(CAN_BUS, CAN_IFACE), 0);
    src.node = e2e_open_node("can");
    snprintf(src.mbox, sizeof(src.mbox), HSX_MBOX_CAN_RX_FMT, CAN_BUS);
    src.seq_base = 0; /* each subscriber's own numbers */

    int sk = socket(PF_CAN, SOCK_RAW, CAN_RAW);
    assert_true(sk >= 0);
    assert_int_equal(setsockopt(sk, SOL_CAN_RAW, CAN_RAW_FILTER, NULL, 0), 0); /* sends only */
    struct sockaddr_can addr = {.can_family = AF_CAN,
                                .can_ifindex = (int)if_nametoindex(CAN_IFACE)};
    assert_true(addr.can_ifindex > 0);
    assert_int_equal(bind(sk, (struct sockaddr *)&addr, sizeof(addr)), 0);
    uint64_t rx0 = can_counter(&src), backlog0 = rig_backlog_drops();

    /*
     * One CPU: the kernel queues each frame to the receive backlog of the CPU
     * that sent it, so a sender that moved could see its frames reordered.
     */
    cpu_set_t all, one;
    assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
    start(&src);
    for (uint64_t i = 0; i < CAN_FRAMES; i++) {
        struct can_frame f = {.can_id = 0x100 + (canid_t)(i & 0xff), .len = 8};
        memcpy(f.data, &i, sizeof(i));
        while (write(sk, &f, sizeof(f)) != sizeof(f)) {
            assert_int_equal(errno, ENOBUFS);
            usleep(1000);
        }
        /* A breath now and then, for the slow reader to take its share. */
        if (i % (RATIO * SLOW_QUEUE / 2) == 0)
            usleep(2000);
    }
    uint64_t backlog = 0;
    for (uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;;) {
        backlog = rig_backlog_drops() - backlog0;
        if (can_counter(&src) - rx0 + backlog >= CAN_FRAMES)
            break;
        assert_true(e2e_now_ms() < deadline);
        usleep(10000);
    }
    assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
    usleep(200000);
    peak(&src);

    /* Unbinding the bus closes its mailboxes. */
    src.generated = can_counter(&src) - rx0;
    backlog = rig_backlog_drops() - backlog0;
    printf("# can: %d frames sent, %llu reached hsx, %llu dropped by the kernel's backlog\n",
           CAN_FRAMES, (unsigned long long)src.generated, (unsigned long long)backlog);
    assert_int_equal(src.generated + backlog, CAN_FRAMES);
    assert_int_equal(rig_map(CAN_BUS, ""), 0);
    finish(&src);
    for (int i = 0; i < N_SUBS; i++)
        assert_true(src.subs[i].can_skew <= backlog);
    close(sk);
    close(src.node);
    rig_sh(RIG_IP " link del " CAN_IFACE " 2>/dev/null");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gpio_edges),
        cmocka_unit_test(timer_at_the_period_floor),
        cmocka_unit_test(uart_bytes),
        cmocka_unit_test(can_frames),
    };

    return cmocka_run_group_tests_name("e2e_overload", tests, NULL, NULL);
}
