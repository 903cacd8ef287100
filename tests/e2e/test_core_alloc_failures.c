/* SPDX-License-Identifier: MIT */
/*
 * Every allocation of the timer, GPIO and UART entry points and of the
 * mailbox subscriptions, failed in turn (fail_nth.h: failslab through
 * /proc/thread-self/fail-nth), as test_can_alloc_failures,
 * test_fram_alloc_failures and test_fs_alloc_failures do for their modules.
 * Each failed call must fail cleanly (ENOMEM; a subscription whose new file
 * found no inode, ENFILE) and leave nothing behind: no timer, no mailbox, no
 * subscription, no pin configured or interrupt enabled, no port bound or tty
 * held; the call then succeeds once no allocation fails. KASAN, kmemleak and
 * lockdep watch (the debug kernel: its kmemleak and kernel-log steps end the
 * run).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "e2e.h"
#include "fail_nth.h"
#include "hsx_uapi.h"

#define SIM_NAME "hsx-failnth"
#define SIM_LABEL "hsx-failnth-sim"
#define PIN 0
#define PORT 0
#define TTY "ttyS2"

/*
 * One call under test: prepare() sets up what it needs with nothing armed,
 * call() makes exactly the one system call (its result, or -errno), check()
 * asserts that a failed call left nothing behind, finish() undoes a
 * successful call and what prepare() made.
 */
struct attempt {
    const char *what;
    void (*prepare)(struct attempt *a);
    int (*call)(struct attempt *a);
    void (*check)(struct attempt *a);
    void (*finish)(struct attempt *a, int ret);
    int also; /* an errno besides ENOMEM and ENFILE this call may fail with */
    int fd, fd2;
    unsigned int id;
};

static uint64_t base_mailboxes, base_subscriptions, base_timers;

static void snapshot(void)
{
    base_mailboxes = e2e_sysfs_u64("/sys/hal/mailbox/mailboxes");
    base_subscriptions = e2e_sysfs_u64("/sys/hal/mailbox/subscriptions");
    base_timers = e2e_sysfs_u64("/sys/hal/timer/active");
}

static void expect_no_new_objects(const char *what)
{
    uint64_t mailboxes = e2e_sysfs_u64("/sys/hal/mailbox/mailboxes");
    uint64_t subscriptions = e2e_sysfs_u64("/sys/hal/mailbox/subscriptions");
    uint64_t timers = e2e_sysfs_u64("/sys/hal/timer/active");

    if (mailboxes != base_mailboxes || subscriptions != base_subscriptions || timers != base_timers)
        fail_msg("%s failed and left mailboxes %llu (was %llu), subscriptions %llu (was %llu), "
                 "timers %llu (was %llu)",
                 what, (unsigned long long)mailboxes, (unsigned long long)base_mailboxes,
                 (unsigned long long)subscriptions, (unsigned long long)base_subscriptions,
                 (unsigned long long)timers, (unsigned long long)base_timers);
}

/* Fail allocation 1, 2, ... of the call until it succeeds with none failing. */
static unsigned int fail_each_allocation(struct attempt *a)
{
    unsigned int n, failures = 0;

    for (n = 1; n < FAIL_NTH_MAX; n++) {
        a->fd = a->fd2 = -1;
        if (a->prepare)
            a->prepare(a);
        snapshot();
        fail_nth(n);
        int ret = a->call(a);
        bool fired = fail_nth_fired();
        if (ret < 0) {
            failures++;
            if (ret != -ENOMEM && ret != -ENFILE && (!a->also || ret != -a->also))
                fail_msg("%s, allocation %u failed: %s", a->what, n, strerror(-ret));
            expect_no_new_objects(a->what);
            if (a->check)
                a->check(a);
        }
        a->finish(a, ret);
        if (ret >= 0 && !fired)
            break;
    }
    printf("# %s: %u allocations failed in turn, each cleanly, then it worked\n", a->what,
           failures);
    assert_true(n < FAIL_NTH_MAX);
    return failures;
}

static void close_fds(struct attempt *a, int ret)
{
    if (ret > 0 && ret != a->fd && ret != a->fd2)
        close(ret); /* a queue file */
    if (a->fd2 >= 0)
        close(a->fd2);
    if (a->fd >= 0)
        close(a->fd);
}

/* MBOX_OPEN of the mailbox named name (formatted before anything is armed). */
static int subscribe(int fd, const char *name)
{
    struct hsx_mbox_open o = {.queue_len = 8};

    snprintf(o.name, sizeof(o.name), "%s", name);
    return e2e_ioctl(fd, HSX_IOC_MBOX_OPEN, &o);
}

/* ---- timers -------------------------------------------------------------------------------- */

static int timer_create_call(struct attempt *a)
{
    struct hsx_timer_create c = {.period_us = 100000, .flags = HSX_TIMER_F_STOPPED};
    int ret = e2e_ioctl(a->fd, HSX_IOC_TIMER_CREATE, &c);

    a->id = c.timer_id;
    return ret;
}

static void open_timer_node(struct attempt *a)
{
    a->fd = e2e_open_node("timer");
}

static void timer_made(struct attempt *a)
{
    struct hsx_timer_create c = {.period_us = 100000, .flags = HSX_TIMER_F_STOPPED};

    open_timer_node(a);
    assert_int_equal(e2e_ioctl(a->fd, HSX_IOC_TIMER_CREATE, &c), 0);
    a->id = c.timer_id;
}

static int timer_subscribe_call(struct attempt *a)
{
    char name[HSX_MBOX_NAME_MAX];

    snprintf(name, sizeof(name), HSX_MBOX_TIMER_FMT, a->id);
    return subscribe(a->fd, name);
}

static void timers_under_allocation_failures(void **state)
{
    struct attempt create = {.what = "TIMER_CREATE",
                             .prepare = open_timer_node,
                             .call = timer_create_call,
                             .finish = close_fds};
    struct attempt sub = {.what = "MBOX_OPEN of a timer's mailbox",
                          .prepare = timer_made,
                          .call = timer_subscribe_call,
                          .finish = close_fds};
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        return;
    }
    const uint64_t timers = e2e_sysfs_u64("/sys/hal/timer/active");
    assert_true(fail_each_allocation(&create) > 0);
    assert_true(fail_each_allocation(&sub) > 0);
    /* Closing the files destroyed every timer made on the way. */
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/active"), timers);
}

/* ---- GPIO ---------------------------------------------------------------------------------- */

static struct e2e_sim sim;
static bool have_sim;

static void pin_attr(const char *attr, char *buf, size_t len)
{
    char path[64];

    snprintf(path, sizeof(path), "/sys/hal/gpio/%u/%s", PIN, attr);
    e2e_read_line(path, buf, len);
}

static void open_gpio_node(struct attempt *a)
{
    a->fd = e2e_open_node("gpio");
}

static int configure_call(struct attempt *a)
{
    struct hsx_gpio_config c = {.pin = PIN, .mode = HSX_GPIO_M_INPUT, .pull = HSX_GPIO_P_UP};

    return e2e_ioctl(a->fd, HSX_IOC_GPIO_CONFIG, &c);
}

static void pin_unconfigured(struct attempt *a)
{
    char mode[32];
    (void)a;

    pin_attr("mode", mode, sizeof(mode));
    assert_string_equal(mode, "unconfigured");
}

static void pin_configured(struct attempt *a)
{
    open_gpio_node(a);
    assert_int_equal(configure_call(a), 0);
}

static int interrupt_call(struct attempt *a)
{
    struct hsx_gpio_interrupt i = {.pin = PIN, .edge = HSX_GPIO_E_BOTH, .enable = 1};

    return e2e_ioctl(a->fd, HSX_IOC_GPIO_SET_INTERRUPT, &i);
}

static void pin_without_interrupt(struct attempt *a)
{
    char edge[32];
    (void)a;

    pin_attr("edge", edge, sizeof(edge));
    assert_string_equal(edge, "none");
}

static void pin_interrupting(struct attempt *a)
{
    pin_configured(a);
    assert_int_equal(interrupt_call(a), 0);
}

static int pin_subscribe_call(struct attempt *a)
{
    char name[HSX_MBOX_NAME_MAX];

    snprintf(name, sizeof(name), HSX_MBOX_GPIO_FMT, PIN);
    return subscribe(a->fd, name);
}

static void gpio_under_allocation_failures(void **state)
{
    struct attempt config = {.what = "GPIO_CONFIG",
                             .prepare = open_gpio_node,
                             .call = configure_call,
                             .check = pin_unconfigured,
                             .finish = close_fds};
    /*
     * gpiolib's gpiod_to_irq() says ENXIO both for a line without an IRQ and
     * for a chip that could not map one (gpio-sim: irq_create_mapping()
     * failed): hsx answers EOPNOTSUPP for both, as documented.
     */
    struct attempt irq = {.what = "GPIO_SET_INTERRUPT",
                          .also = EOPNOTSUPP,
                          .prepare = pin_configured,
                          .call = interrupt_call,
                          .check = pin_without_interrupt,
                          .finish = close_fds};
    struct attempt sub = {.what = "MBOX_OPEN of a pin's mailbox",
                          .prepare = pin_interrupting,
                          .call = pin_subscribe_call,
                          .finish = close_fds};
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        return;
    }
    /* The debug kernel, where fault injection is, has gpio-sim. */
    assert_true(have_sim);
    assert_true(fail_each_allocation(&config) > 0);
    fail_each_allocation(&irq);
    assert_true(fail_each_allocation(&sub) > 0);
    /* The last file closed: the line went back to gpiolib. */
    pin_unconfigured(NULL);
}

/* ---- UART ---------------------------------------------------------------------------------- */

static int ctl = -1;

static int uart_map(const char *tty)
{
    struct hsx_uart_map m = {.port = PORT};

    snprintf(m.tty, sizeof(m.tty), "%s", tty);
    return e2e_ioctl(ctl, HSX_IOC_UART_MAP, &m);
}

static int map_call(struct attempt *a)
{
    (void)a;
    return uart_map(TTY);
}

/* A failed bind holds nothing: the port unbound, the tty free for anyone to open. */
static void port_unbound(struct attempt *a)
{
    struct hsx_uart_info info = {.port = PORT};
    (void)a;

    assert_int_equal(e2e_ioctl(ctl, HSX_IOC_UART_INFO, &info), 0);
    assert_int_equal(info.bound, 0);
    int fd = open("/dev/" TTY, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        fail_msg("/dev/" TTY " after a failed bind: %s", strerror(errno));
    close(fd);
}

static void unmap_after(struct attempt *a, int ret)
{
    (void)a;
    if (ret == 0)
        assert_int_equal(uart_map(""), 0);
}

static void port_bound(struct attempt *a)
{
    assert_int_equal(uart_map(TTY), 0);
    a->fd = e2e_open_node("uart");
}

static void close_and_unmap(struct attempt *a, int ret)
{
    close_fds(a, ret);
    assert_int_equal(uart_map(""), 0);
}

static int write_call(struct attempt *a)
{
    static const char bytes[64] = "allocation failures, one at a time";
    struct hsx_uart_xfer x = {.port = PORT, .len = sizeof(bytes), .buf = (uintptr_t)bytes};

    return e2e_ioctl(a->fd, HSX_IOC_UART_WRITE, &x);
}

static int events_call(struct attempt *a)
{
    struct hsx_uart_events e = {
        .port = PORT, .events = HSX_UART_EVF_IDLE | HSX_UART_EVF_TX_DONE, .idle_ms = 10};

    return e2e_ioctl(a->fd, HSX_IOC_UART_SET_EVENTS, &e);
}

static int port_subscribe_call(struct attempt *a)
{
    char name[HSX_MBOX_NAME_MAX];

    snprintf(name, sizeof(name), HSX_MBOX_UART_FMT, PORT);
    return subscribe(a->fd, name);
}

static void uart_under_allocation_failures(void **state)
{
    struct attempt map = {
        .what = "UART_MAP", .call = map_call, .check = port_unbound, .finish = unmap_after};
    struct attempt wr = {
        .what = "UART_WRITE", .prepare = port_bound, .call = write_call, .finish = close_and_unmap};
    struct attempt ev = {.what = "UART_SET_EVENTS",
                         .prepare = port_bound,
                         .call = events_call,
                         .finish = close_and_unmap};
    struct attempt sub = {.what = "MBOX_OPEN of a port's mailbox",
                          .prepare = port_bound,
                          .call = port_subscribe_call,
                          .finish = close_and_unmap};
    (void)state;

    if (!have_fail_nth()) {
        printf("# no fault injection in this kernel: the debug kernel's run covers this\n");
        return;
    }
    uart_map("");
    assert_true(fail_each_allocation(&map) > 0);
    fail_each_allocation(&wr);
    fail_each_allocation(&ev);
    assert_true(fail_each_allocation(&sub) > 0);
    port_unbound(NULL);
}

static int setup(void **state)
{
    (void)state;
    if (!have_fail_nth())
        return 0;
    have_sim = e2e_sim_create(&sim, SIM_NAME, SIM_LABEL, 2, NULL) == 0;
    if (have_sim)
        assert_int_equal(e2e_map_pin(PIN, SIM_LABEL, 0), 0);
    ctl = e2e_open_node("ctl");
    fail_nth_begin();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!have_fail_nth())
        return 0;
    fail_nth_end();
    if (have_sim)
        e2e_map_pin(PIN, "", 0);
    uart_map("");
    close(ctl);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timers_under_allocation_failures),
        cmocka_unit_test(gpio_under_allocation_failures),
        cmocka_unit_test(uart_under_allocation_failures),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
