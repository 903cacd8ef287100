// SPDX-License-Identifier: MIT
/*
 * GPIO against a fake hsx.ko: an ioctl hook plays the gpio node, and pin
 * mailboxes are socket pairs the test posts edges to.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "core/access.h"
#include "core/errors.h"
#include "core/object_table.h"
#include "core/wire.h"
#include "gpio/gpio.h"
#include "helpers.h"

#define PINS HSX_GPIO_MAX_PINS
#define MAILBOX_ID(pin) (100u + (pin))

static struct fake_kernel {
    pthread_mutex_t lock;
    /*
     * What was asked, in order: M subscribe, and per ioctl R read, W write,
     * C config, I enable / D disable interrupt, T toggle, r read multi,
     * w write multi. INFO is counted, not logged (find asks 64 times).
     */
    char log[256];
    int info_calls;
    int fail[16];         /* the errno each GPIO function (HSX_GPIO_FN_*) fails with, or 0 */
    int fail_info[PINS];  /* ... and INFO per pin */
    int fail_open;        /* the errno subscribing fails with */
    uint32_t read_answer; /* if non-zero, what READ answers instead of the pin's value */
    /* The last argument of each ioctl, as the library built it. */
    struct hsx_gpio_config config;
    unsigned long value; /* the number READ, WRITE or TOGGLE took */
    struct hsx_gpio_interrupt irq;
    struct hsx_gpio_multi multi;
    /* The pins. */
    uint32_t values;
    struct hsx_gpio_info info[PINS];
    bool irq_enabled[PINS];
    int peers[PINS]; /* the "kernel" end of each pin's newest subscription */
    char last_name[HSX_MBOX_NAME_MAX];
    int last_auth_fd;  /* the file the last subscription was opened on */
    bool edge_on_open; /* a new subscription has an edge queued at once */
} fk = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void fake_log(char op)
{
    test_log(fk.log, sizeof(fk.log), op);
}

/* Outside the selected bits, READ_MULTI answers noise the library must mask. */
#define MULTI_NOISE 0xa5a5a5a5a5a5a5a5ULL

static atomic_bool slow_ioctl; /* SET_INTERRUPT takes 300 ms */

static int fake_ioctl(enum hsx_umod_index node, unsigned long request, void *arg)
{
    unsigned int fn = HSX_IOC_NR_FN(_IOC_NR(request));
    int err;

    assert_int_equal(node, HSX_UMOD_GPIO);
    if (request == HSX_IOC_CAP_INFO)
        return test_privileged_cap_info(arg);
    assert_int_equal(_IOC_TYPE(request), HSX_IOC_MAGIC);
    assert_int_equal(HSX_IOC_NR_MODULE(_IOC_NR(request)), HSX_MODULE_GPIO);
    pthread_mutex_lock(&fk.lock);
    err = fn < 16 ? fk.fail[fn] : ENOTTY;
    /* READ, WRITE and TOGGLE take a number, and READ and TOGGLE answer with the value. */
    unsigned long number = (unsigned long)(uintptr_t)arg;
    unsigned int value_pin = number & HSX_GPIO_VALUE_PIN_MASK;
    int answer = 0;

    if (request == HSX_IOC_GPIO_READ) {
        fake_log('R');
        fk.value = number;
        if (!err)
            answer = fk.read_answer ? (int)fk.read_answer : (int)(fk.values >> value_pin) & 1;
    } else if (request == HSX_IOC_GPIO_WRITE) {
        fake_log('W');
        fk.value = number;
    } else if (request == HSX_IOC_GPIO_TOGGLE) {
        fake_log('T');
        fk.value = number;
        if (!err) {
            fk.values ^= 1u << value_pin;
            answer = (int)(fk.values >> value_pin) & 1;
        }
    } else if (request == HSX_IOC_GPIO_CONFIG) {
        fake_log('C');
        fk.config = *(struct hsx_gpio_config *)arg;
        if (!err && fk.config.mode == HSX_GPIO_M_ANALOG)
            err = EOPNOTSUPP;
    } else if (request == HSX_IOC_GPIO_SET_INTERRUPT) {
        if (atomic_load(&slow_ioctl)) {
            pthread_mutex_unlock(&fk.lock);
            test_sleep_ms(300);
            pthread_mutex_lock(&fk.lock);
        }
        fk.irq = *(struct hsx_gpio_interrupt *)arg;
        fake_log(fk.irq.enable ? 'I' : 'D');
        if (!err)
            fk.irq_enabled[fk.irq.pin] = fk.irq.enable;
    } else if (request == HSX_IOC_GPIO_READ_MULTI) {
        struct hsx_gpio_multi *m = arg;
        fake_log('r');
        fk.multi = *m;
        if (!err)
            m->values = (fk.values & m->mask) | (MULTI_NOISE & ~m->mask);
    } else if (request == HSX_IOC_GPIO_WRITE_MULTI) {
        fake_log('w');
        fk.multi = *(struct hsx_gpio_multi *)arg;
    } else if (request == HSX_IOC_GPIO_INFO) {
        struct hsx_gpio_info *info = arg;
        uint32_t pin = info->pin;
        fk.info_calls++;
        assert_true(pin < PINS);
        err = fk.fail_info[pin];
        if (!err)
            *info = fk.info[pin];
    } else {
        err = ENOTTY;
    }
    pthread_mutex_unlock(&fk.lock);
    return err ? test_ioctl_result(err) : answer;
}

static int fake_open_mailbox(const char *name, int auth_fd, hsx_mailbox_t **mb)
{
    unsigned int pin = PINS;
    int peer, ret = HSX_HAL_OK;

    pthread_mutex_lock(&fk.lock);
    fk.last_auth_fd = auth_fd;
    fake_log('M');
    snprintf(fk.last_name, sizeof(fk.last_name), "%s", name);
    if (fk.fail_open)
        ret = hsx_fail_with_errno(fk.fail_open);
    else if (sscanf(name, "hal:gpio:%u", &pin) != 1 || pin >= PINS ||
             test_mailbox(MAILBOX_ID(pin), name, mb, &peer) < 0)
        ret = hsx_fail_with(HSX_HAL_ERROR, EINVAL);
    else {
        if (fk.peers[pin] >= 0)
            close(fk.peers[pin]);
        fk.peers[pin] = peer;
        if (fk.edge_on_open) {
            struct test_event ev = test_edge(MAILBOX_ID(pin), 1, pin, HSX_GPIO_E_RISING, 1);
            test_send_event(peer, &ev);
        }
    }
    pthread_mutex_unlock(&fk.lock);
    return ret;
}

static void fake_map(uint32_t pin, const char *chip, uint32_t offset, const char *line)
{
    fk.info[pin] = (struct hsx_gpio_info){.pin = pin, .mapped = 1, .offset = offset};
    snprintf(fk.info[pin].chip, sizeof(fk.info[pin].chip), "%s", chip);
    snprintf(fk.info[pin].name, sizeof(fk.info[pin].name), "%s", line);
}

static int setup(void **state)
{
    (void)state;
    pthread_mutex_lock(&fk.lock);
    memset(fk.log, 0, sizeof(fk.log));
    memset(fk.fail, 0, sizeof(fk.fail));
    memset(fk.fail_info, 0, sizeof(fk.fail_info));
    memset(fk.irq_enabled, 0, sizeof(fk.irq_enabled));
    fk.info_calls = fk.fail_open = 0;
    fk.edge_on_open = false;
    fk.read_answer = 0;
    fk.values = 0;
    for (uint32_t pin = 0; pin < PINS; pin++) {
        fk.info[pin] = (struct hsx_gpio_info){.pin = pin};
        fk.peers[pin] = -1;
    }
    pthread_mutex_unlock(&fk.lock);
    test_use_fake_kernel(fake_ioctl, fake_open_mailbox);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_use_real_kernel(fk.peers, PINS);
    /* Every test leaves no subscription behind. */
    return hsx_gpio_subscription_count() == 0 ? 0 : -1;
}

static void post_edge(uint8_t pin, uint64_t seq, uint32_t edge, uint32_t value)
{
    struct test_event ev = test_edge(MAILBOX_ID(pin), seq, pin, edge, value);
    assert_true(test_send_event(fk.peers[pin], &ev));
}

/*
 * The subscription's socket was closed: the peer reads end of file (within
 * wait_ms: the dispatcher may hold the socket a little longer after a
 * callback was removed).
 */
static bool unsubscribed_within(int peer, unsigned int wait_ms)
{
    uint64_t deadline = test_now_ms() + wait_ms;
    char byte;

    for (;;) {
        ssize_t len = recv(peer, &byte, 1, MSG_DONTWAIT | MSG_TRUNC);
        if (len == 0)
            return true;
        if (len < 0 && test_now_ms() >= deadline)
            return false;
        if (len < 0)
            test_sleep_ms(2);
    }
}

static bool unsubscribed(int peer)
{
    return unsubscribed_within(peer, 2000);
}

static void never_called(void *event_data, uint32_t length, void *user_data)
{
    (void)event_data;
    (void)length;
    (void)user_data;
    fail();
}

/* ---- configuration -------------------------------------------------------------- */

static void config_sends_mode_and_pull_only(void **state)
{
    (void)state;
    assert_int_equal(hsx_gpio_config(7, HSX_GPIO_MODE_OUTPUT, HSX_GPIO_PULL_UP), HSX_HAL_OK);
    assert_string_equal(fk.log, "C");
    assert_int_equal(fk.config.pin, 7);
    assert_int_equal(fk.config.mode, HSX_GPIO_M_OUTPUT);
    assert_int_equal(fk.config.pull, HSX_GPIO_P_UP);
    assert_int_equal(fk.config.flags, 0);
    assert_int_equal(fk.config.debounce_us, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(fk.config.reserved[i], 0);

    assert_int_equal(hsx_gpio_config(63, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_DOWN), HSX_HAL_OK);
    assert_int_equal(fk.config.pin, 63);
    assert_int_equal(fk.config.mode, HSX_GPIO_M_INPUT);
    assert_int_equal(fk.config.pull, HSX_GPIO_P_DOWN);
}

static void analog_is_the_kernels_to_refuse(void **state)
{
    (void)state;
    assert_int_equal(hsx_gpio_config(1, HSX_GPIO_MODE_ANALOG, HSX_GPIO_PULL_NONE),
                     HSX_HAL_UNSUPPORTED);
    assert_int_equal(hsx_hal_errno(), EOPNOTSUPP);
    assert_string_equal(fk.log, "C");
    assert_int_equal(fk.config.mode, HSX_GPIO_M_ANALOG);
}

static void configure_maps_settings_to_flags(void **state)
{
    static const struct {
        hsx_gpio_settings_t settings;
        uint32_t flags;
    } cases[] = {
        {{.mode = HSX_GPIO_MODE_INPUT, .active_low = true}, HSX_GPIO_F_ACTIVE_LOW},
        {{.mode = HSX_GPIO_MODE_OUTPUT, .drive = HSX_GPIO_DRIVE_OPEN_DRAIN}, HSX_GPIO_F_OPEN_DRAIN},
        {{.mode = HSX_GPIO_MODE_OUTPUT, .drive = HSX_GPIO_DRIVE_OPEN_SOURCE, .initial_value = 1},
         HSX_GPIO_F_OPEN_SOURCE | HSX_GPIO_F_INIT_HIGH},
        {{.mode = HSX_GPIO_MODE_OUTPUT,
          .pull = HSX_GPIO_PULL_UP,
          .drive = HSX_GPIO_DRIVE_PUSH_PULL,
          .active_low = true,
          .initial_value = 1},
         HSX_GPIO_F_ACTIVE_LOW | HSX_GPIO_F_INIT_HIGH},
        {{.mode = HSX_GPIO_MODE_OUTPUT, .initial_value = 0}, 0},
        {{.mode = HSX_GPIO_MODE_ANALOG, .active_low = true}, HSX_GPIO_F_ACTIVE_LOW},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int expected =
            cases[i].settings.mode == HSX_GPIO_MODE_ANALOG ? HSX_HAL_UNSUPPORTED : HSX_HAL_OK;
        assert_int_equal(hsx_gpio_configure((uint8_t)i, &cases[i].settings), expected);
        assert_int_equal(fk.config.pin, i);
        assert_int_equal(fk.config.mode, cases[i].settings.mode);
        assert_int_equal(fk.config.pull, cases[i].settings.pull);
        assert_int_equal(fk.config.flags, cases[i].flags);
        assert_int_equal(fk.config.flags & ~HSX_GPIO_F_ALL, 0);
    }

    hsx_gpio_settings_t debounced = {
        .mode = HSX_GPIO_MODE_INPUT,
        .pull = HSX_GPIO_PULL_UP,
        .debounce_us = HSX_GPIO_DEBOUNCE_MAX_US,
    };
    assert_int_equal(hsx_gpio_configure(9, &debounced), HSX_HAL_OK);
    assert_int_equal(fk.config.debounce_us, HSX_GPIO_DEBOUNCE_MAX_US);
    assert_int_equal(fk.config.flags, 0);
    assert_int_equal(fk.config.pull, HSX_GPIO_P_UP);
}

static void configure_refuses_bad_settings_before_the_kernel(void **state)
{
    static const hsx_gpio_settings_t bad[] = {
        {.mode = (hsx_gpio_mode_t)3},
        {.mode = (hsx_gpio_mode_t)-1},
        {.mode = HSX_GPIO_MODE_INPUT, .pull = (hsx_gpio_pull_t)3},
        {.mode = HSX_GPIO_MODE_INPUT, .pull = (hsx_gpio_pull_t)-1},
        {.mode = HSX_GPIO_MODE_OUTPUT, .drive = (hsx_gpio_drive_t)3},
        {.mode = HSX_GPIO_MODE_OUTPUT, .drive = (hsx_gpio_drive_t)-1},
        /* Drive and initial value only with OUTPUT. */
        {.mode = HSX_GPIO_MODE_INPUT, .drive = HSX_GPIO_DRIVE_OPEN_DRAIN},
        {.mode = HSX_GPIO_MODE_ANALOG, .drive = HSX_GPIO_DRIVE_OPEN_SOURCE},
        {.mode = HSX_GPIO_MODE_INPUT, .initial_value = 1},
        {.mode = HSX_GPIO_MODE_OUTPUT, .initial_value = 2},
        {.mode = HSX_GPIO_MODE_OUTPUT, .initial_value = 255},
        /* Debounce only with INPUT, and not beyond the kernel's maximum. */
        {.mode = HSX_GPIO_MODE_INPUT, .debounce_us = HSX_GPIO_DEBOUNCE_MAX_US + 1},
        {.mode = HSX_GPIO_MODE_INPUT, .debounce_us = UINT32_MAX},
        {.mode = HSX_GPIO_MODE_OUTPUT, .debounce_us = 10},
        {.mode = HSX_GPIO_MODE_ANALOG, .debounce_us = 10},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        hsx_fail_with_errno(EIO); /* the errno must be reset: the library found it */
        assert_int_equal(hsx_gpio_configure(1, &bad[i]), HSX_HAL_INVALID_PARAM);
        assert_int_equal(hsx_hal_errno(), 0);
    }
    hsx_gpio_settings_t fine = {.mode = HSX_GPIO_MODE_INPUT};
    assert_int_equal(hsx_gpio_configure(PINS, &fine), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_configure(255, &fine), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_configure(1, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_config(PINS, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_config(1, (hsx_gpio_mode_t)7, HSX_GPIO_PULL_NONE),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_config(1, HSX_GPIO_MODE_INPUT, (hsx_gpio_pull_t)7),
                     HSX_HAL_INVALID_PARAM);
    assert_string_equal(fk.log, "");
}

static void kernel_errors_keep_their_meaning(void **state)
{
    static const struct {
        int err;
        int code;
    } cases[] = {
        {ENXIO, HSX_HAL_NO_DEVICE},  /* the pin is not mapped */
        {ENODEV, HSX_HAL_NO_DEVICE}, /* its chip is gone */
        {EBUSY, HSX_HAL_BUSY},       /* another consumer has the line */
        {EINVAL, HSX_HAL_INVALID_PARAM}, {EPERM, HSX_HAL_DENIED}, {EIO, HSX_HAL_ERROR},
    };
    hsx_gpio_settings_t settings = {.mode = HSX_GPIO_MODE_OUTPUT};
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fk.fail[HSX_GPIO_FN_CONFIG] = cases[i].err;
        assert_int_equal(hsx_gpio_configure(2, &settings), cases[i].code);
        assert_int_equal(hsx_hal_errno(), cases[i].err);
        fk.fail[HSX_GPIO_FN_READ] = cases[i].err;
        assert_int_equal(hsx_gpio_read(2), cases[i].code);
        assert_int_equal(hsx_hal_errno(), cases[i].err);
    }
}

/* ---- values ---------------------------------------------------------------------------- */

static void read_write_and_toggle(void **state)
{
    (void)state;
    fk.values = 1u << 4;
    assert_int_equal(hsx_gpio_read(4), 1);
    assert_int_equal(fk.value, HSX_GPIO_VALUE_ARG(4, 0));
    assert_int_equal(hsx_gpio_read(5), 0);

    assert_int_equal(hsx_gpio_write(6, 1), HSX_HAL_OK);
    assert_int_equal(fk.value, 6 | 1 << HSX_GPIO_VALUE_SHIFT);
    assert_int_equal(hsx_gpio_write(6, 0), HSX_HAL_OK);
    assert_int_equal(fk.value, 6);

    assert_int_equal(hsx_gpio_toggle(4), HSX_HAL_OK);
    assert_int_equal(fk.value, 4);
    assert_int_equal(hsx_gpio_read(4), 0);
    assert_string_equal(fk.log, "RRWWTR");
}

static void values_refuse_bad_parameters_before_the_kernel(void **state)
{
    uint64_t values = 0;
    (void)state;

    assert_int_equal(hsx_gpio_read(PINS), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_read(255), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_write(PINS, 1), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_write(1, 2), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_write(1, 255), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_toggle(PINS), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_read_multi(0, &values), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_read_multi(1, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_write_multi(0, 1), HSX_HAL_INVALID_PARAM);
    assert_string_equal(fk.log, "");
}

static void a_value_that_is_not_a_bit_is_an_error(void **state)
{
    (void)state;
    fk.read_answer = 2;
    assert_int_equal(hsx_gpio_read(1), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), ERANGE);
}

static void multi_selects_by_mask(void **state)
{
    uint64_t values = 12345;
    (void)state;

    fk.values = 0x0000f0f1;
    assert_int_equal(hsx_gpio_read_multi(0xff, &values), HSX_HAL_OK);
    assert_int_equal(fk.multi.mask, 0xff);
    assert_int_equal(values, 0xf1); /* the noise outside the mask is gone */

    assert_int_equal(hsx_gpio_read_multi(UINT64_MAX, &values), HSX_HAL_OK);
    assert_int_equal(fk.multi.mask, UINT64_MAX);
    assert_int_equal(values, 0x0000f0f1);

    assert_int_equal(hsx_gpio_write_multi(0x8000000000000003ULL, UINT64_MAX), HSX_HAL_OK);
    assert_int_equal(fk.multi.mask, 0x8000000000000003ULL);
    assert_int_equal(fk.multi.values, 0x8000000000000003ULL); /* only the selected bits */
    assert_int_equal(fk.multi.reserved, 0);
    assert_string_equal(fk.log, "rrw");

    fk.fail[HSX_GPIO_FN_READ_MULTI] = EINVAL;
    values = 77;
    assert_int_equal(hsx_gpio_read_multi(1, &values), HSX_HAL_INVALID_PARAM);
    assert_int_equal(values, 77); /* untouched on failure */
}

/* ---- mapping ----------------------------------------------------------------------------- */

static void info_reports_the_binding(void **state)
{
    hsx_gpio_info_t info;
    (void)state;

    fake_map(3, "gpio-sim.0-node0", 17, "button");
    assert_int_equal(hsx_gpio_get_info(3, &info), HSX_HAL_OK);
    assert_int_equal(info.pin, 3);
    assert_true(info.mapped);
    assert_string_equal(info.chip, "gpio-sim.0-node0");
    assert_int_equal(info.offset, 17);
    assert_string_equal(info.name, "button");

    memset(&info, 0x55, sizeof(info));
    assert_int_equal(hsx_gpio_get_info(4, &info), HSX_HAL_OK);
    assert_int_equal(info.pin, 4);
    assert_false(info.mapped);
    assert_string_equal(info.chip, "");
    assert_string_equal(info.name, "");
    assert_int_equal(info.offset, 0);

    /* Labels that fill their field without a NUL are cut to fit one. */
    fake_map(5, "x", 1, "");
    memset(fk.info[5].chip, 'c', sizeof(fk.info[5].chip));
    memset(fk.info[5].name, 'n', sizeof(fk.info[5].name));
    assert_int_equal(hsx_gpio_get_info(5, &info), HSX_HAL_OK);
    assert_int_equal(strlen(info.chip), HSX_GPIO_LABEL_MAX - 1);
    assert_int_equal(strlen(info.name), HSX_GPIO_LABEL_MAX - 1);

    assert_int_equal(hsx_gpio_get_info(PINS, &info), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_get_info(1, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(fk.info_calls, 3);
}

static void find_scans_every_pin_each_time(void **state)
{
    (void)state;
    fake_map(0, "chip", 0, "led");
    fake_map(9, "chip", 1, "");
    fk.info[10] = fk.info[9]; /* an unmapped pin with a stale name is not a match */
    snprintf(fk.info[10].name, sizeof(fk.info[10].name), "button");
    fk.info[10].mapped = 0;
    fake_map(40, "chip", 2, "button");
    fake_map(63, "other", 3, "last");

    assert_int_equal(hsx_gpio_find("led"), 0);
    assert_int_equal(hsx_gpio_find("button"), 40);
    assert_int_equal(hsx_gpio_find("last"), 63);
    assert_int_equal(fk.info_calls, 1 + 41 + 64);

    fk.info_calls = 0;
    assert_int_equal(hsx_gpio_find("nothing"), HSX_HAL_NO_DEVICE);
    assert_int_equal(fk.info_calls, 64);
    assert_int_equal(hsx_gpio_find("butto"), HSX_HAL_NO_DEVICE);

    /* Nothing is cached: a new binding is found at once. */
    fake_map(40, "chip", 2, "fan");
    fake_map(20, "chip", 7, "button");
    assert_int_equal(hsx_gpio_find("button"), 20);
}

static void find_skips_pins_that_vanish_and_stops_on_other_errors(void **state)
{
    (void)state;
    fake_map(30, "chip", 0, "target");
    fk.fail_info[3] = ENXIO;
    fk.fail_info[4] = ENODEV;
    assert_int_equal(hsx_gpio_find("target"), 30);

    fk.fail_info[5] = EIO;
    assert_int_equal(hsx_gpio_find("target"), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EIO);
}

static void find_refuses_names_no_line_can_have(void **state)
{
    char long_name[HSX_GPIO_LABEL_MAX + 1];
    (void)state;

    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_int_equal(hsx_gpio_find(NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_find(""), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_find(long_name), HSX_HAL_INVALID_PARAM);
    long_name[HSX_GPIO_LABEL_MAX - 1] = '\0'; /* 31 characters: could be */
    assert_int_equal(hsx_gpio_find(long_name), HSX_HAL_NO_DEVICE);
    assert_int_equal(fk.info_calls, 64);
}

/* ---- interrupts ------------------------------------------------------------------------------ */

static void enabling_subscribes_first(void **state)
{
    (void)state;
    assert_int_equal(hsx_gpio_set_interrupt(12, HSX_GPIO_EDGE_RISING, true), HSX_HAL_OK);
    assert_string_equal(fk.log, "MI");
    assert_string_equal(fk.last_name, "hal:gpio:12");
    /* On the node's file, which speaks for itself: it was opened privileged. */
    assert_true(fk.last_auth_fd >= 0);
    assert_int_equal(fk.irq.pin, 12);
    assert_int_equal(fk.irq.edge, HSX_GPIO_E_RISING);
    assert_int_equal(fk.irq.enable, 1);
    assert_int_equal(fk.irq.reserved, 0);
    assert_int_equal(hsx_gpio_subscription_count(), 1);

    /* Again, with another edge: the same subscription. */
    assert_int_equal(hsx_gpio_set_interrupt(12, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    assert_string_equal(fk.log, "MII");
    assert_int_equal(fk.irq.edge, HSX_GPIO_E_BOTH);
    assert_int_equal(hsx_gpio_subscription_count(), 1);

    int peer = fk.peers[12];
    assert_int_equal(hsx_gpio_set_interrupt(12, HSX_GPIO_EDGE_NONE, false), HSX_HAL_OK);
    assert_string_equal(fk.log, "MIID");
    assert_int_equal(fk.irq.enable, 0);
    assert_int_equal(fk.irq.edge, HSX_GPIO_E_NONE);
    assert_false(fk.irq_enabled[12]);
    assert_int_equal(hsx_gpio_subscription_count(), 0);
    assert_true(unsubscribed(peer));
}

static void set_interrupt_refuses_bad_parameters(void **state)
{
    (void)state;
    assert_int_equal(hsx_gpio_set_interrupt(PINS, HSX_GPIO_EDGE_RISING, true),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_set_interrupt(1, HSX_GPIO_EDGE_NONE, true), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_set_interrupt(1, (hsx_gpio_edge_t)4, true), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_set_interrupt(1, (hsx_gpio_edge_t)-1, true), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_set_interrupt(1, (hsx_gpio_edge_t)4, false), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_set_interrupt(PINS, HSX_GPIO_EDGE_NONE, false),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_set_interrupt_callback(PINS, NULL, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_wait_interrupt(PINS, 0), HSX_HAL_INVALID_PARAM);
    hsx_gpio_event_ex_t ev;
    assert_int_equal(hsx_gpio_wait_event(PINS, &ev, 0), HSX_HAL_INVALID_PARAM);
    assert_string_equal(fk.log, "");

    /* Disabling takes any edge, even one the pin never had, and asks the kernel. */
    assert_int_equal(hsx_gpio_set_interrupt(1, HSX_GPIO_EDGE_FALLING, false), HSX_HAL_OK);
    assert_string_equal(fk.log, "D");
    assert_int_equal(fk.irq.edge, HSX_GPIO_E_FALLING);
}

static void a_refused_enable_leaves_no_subscription(void **state)
{
    (void)state;
    fk.fail[HSX_GPIO_FN_SET_INTERRUPT] = EINVAL; /* e.g. not a configured input */
    assert_int_equal(hsx_gpio_set_interrupt(3, HSX_GPIO_EDGE_RISING, true), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), EINVAL); /* the kernel's, not the clean-up's */
    assert_string_equal(fk.log, "MI");
    assert_int_equal(hsx_gpio_subscription_count(), 0);
    assert_true(unsubscribed(fk.peers[3]));

    fk.fail[HSX_GPIO_FN_SET_INTERRUPT] = ENXIO;
    assert_int_equal(hsx_gpio_set_interrupt(3, HSX_GPIO_EDGE_RISING, true), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENXIO);
    assert_int_equal(hsx_gpio_subscription_count(), 0);
}

static void no_subscription_no_enable(void **state)
{
    (void)state;
    fk.fail_open = ENOSPC;
    assert_int_equal(hsx_gpio_set_interrupt(3, HSX_GPIO_EDGE_RISING, true), HSX_HAL_LIMIT);
    assert_int_equal(hsx_hal_errno(), ENOSPC);
    assert_string_equal(fk.log, "M"); /* the interrupt was never enabled */
    assert_false(fk.irq_enabled[3]);
    assert_int_equal(hsx_gpio_set_interrupt_callback(3, never_called, NULL), HSX_HAL_LIMIT);
    assert_string_equal(fk.log, "MM");
    assert_int_equal(hsx_gpio_subscription_count(), 0);
}

static void a_refused_disable_keeps_the_subscription(void **state)
{
    (void)state;
    assert_int_equal(hsx_gpio_set_interrupt(3, HSX_GPIO_EDGE_RISING, true), HSX_HAL_OK);
    fk.fail[HSX_GPIO_FN_SET_INTERRUPT] = EIO;
    assert_int_equal(hsx_gpio_set_interrupt(3, HSX_GPIO_EDGE_RISING, false), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EIO);
    assert_int_equal(hsx_gpio_subscription_count(), 1);
    post_edge(3, 1, HSX_GPIO_E_RISING, 1);
    assert_int_equal(hsx_gpio_wait_interrupt(3, 1000), HSX_HAL_OK);
    fk.fail[HSX_GPIO_FN_SET_INTERRUPT] = 0;
    assert_int_equal(hsx_gpio_set_interrupt(3, HSX_GPIO_EDGE_RISING, false), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_subscription_count(), 0);
}

/* ---- waiting -----------------------------------------------------------------------------------
 */

static void wait_event_returns_the_edge(void **state)
{
    hsx_gpio_event_ex_t ev;
    (void)state;

    assert_int_equal(hsx_gpio_set_interrupt(33, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_wait_event(33, &ev, 0), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_gpio_wait_event(33, &ev, 30), HSX_HAL_TIMEOUT);

    struct test_event sent = test_edge(MAILBOX_ID(33), 4, 33, HSX_GPIO_E_FALLING, 0);
    sent.edge_ns = 0x1122334455667788ULL;
    sent.line_seq = 9;
    sent.dropped = 2;
    sent.dropped_total = 6;
    assert_true(test_send_event(fk.peers[33], &sent));
    assert_int_equal(hsx_gpio_wait_event(33, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.pin, 33);
    assert_int_equal(ev.edge, HSX_GPIO_EDGE_FALLING);
    assert_int_equal(ev.value, 0);
    assert_int_equal(ev.timestamp_ns, 0x1122334455667788ULL);
    assert_int_equal(ev.line_seq, 9);
    assert_int_equal(ev.seq, 4);
    assert_int_equal(ev.dropped, 2);
    assert_int_equal(ev.dropped_total, 6);

    post_edge(33, 5, HSX_GPIO_E_RISING, 1);
    assert_int_equal(hsx_gpio_wait_interrupt(33, HSX_HAL_TIMEOUT_INF), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_wait_interrupt(33, 0), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_gpio_wait_event(33, NULL, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_set_interrupt(33, HSX_GPIO_EDGE_NONE, false), HSX_HAL_OK);
}

static void waiting_needs_an_enabled_interrupt(void **state)
{
    hsx_gpio_event_ex_t ev;
    (void)state;

    assert_int_equal(hsx_gpio_wait_event(8, &ev, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), 0);
    assert_int_equal(hsx_gpio_wait_interrupt(8, 1000), HSX_HAL_INVALID_PARAM);
    assert_string_equal(fk.log, ""); /* and nothing was subscribed */

    /* Enabled on another pin does not count. */
    assert_int_equal(hsx_gpio_set_interrupt(9, HSX_GPIO_EDGE_RISING, true), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_wait_interrupt(8, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_set_interrupt(9, HSX_GPIO_EDGE_RISING, false), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_wait_interrupt(9, 0), HSX_HAL_INVALID_PARAM);
}

static void events_that_are_not_this_pins_edges_are_errors(void **state)
{
    hsx_gpio_event_ex_t ev;
    (void)state;

    assert_int_equal(hsx_gpio_set_interrupt(2, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    struct test_event other_pin = test_edge(MAILBOX_ID(2), 1, 3, HSX_GPIO_E_RISING, 1);
    assert_true(test_send_event(fk.peers[2], &other_pin));
    assert_int_equal(hsx_gpio_wait_event(2, &ev, 1000), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EPROTO);

    struct test_event timer = test_expiry(MAILBOX_ID(2), 2);
    assert_true(test_send_event(fk.peers[2], &timer));
    assert_int_equal(hsx_gpio_wait_event(2, &ev, 1000), HSX_HAL_ERROR);
    assert_int_equal(hsx_hal_errno(), EPROTO);

    post_edge(2, 3, HSX_GPIO_E_RISING, 1);
    assert_int_equal(hsx_gpio_wait_event(2, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.seq, 3);
    assert_int_equal(hsx_gpio_set_interrupt(2, HSX_GPIO_EDGE_BOTH, false), HSX_HAL_OK);
}

struct pin_waiter {
    uint8_t pin;
    int result;
};

static void *wait_on_pin(void *arg)
{
    struct pin_waiter *w = arg;

    w->result = hsx_gpio_wait_interrupt(w->pin, HSX_HAL_TIMEOUT_INF);
    return NULL;
}

static void disabling_ends_a_wait(void **state)
{
    struct pin_waiter w = {.pin = 6, .result = 1};
    pthread_t thread;
    (void)state;

    assert_int_equal(hsx_gpio_set_interrupt(6, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    assert_int_equal(pthread_create(&thread, NULL, wait_on_pin, &w), 0);
    test_sleep_ms(50);
    assert_int_equal(hsx_gpio_set_interrupt(6, HSX_GPIO_EDGE_BOTH, false), HSX_HAL_OK);
    pthread_join(thread, NULL);
    assert_int_equal(w.result, HSX_HAL_CLOSED);
}

static void a_destroyed_mailbox_is_subscribed_afresh(void **state)
{
    hsx_gpio_event_ex_t ev;
    (void)state;

    assert_int_equal(hsx_gpio_set_interrupt(7, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    int old_peer = fk.peers[7];
    fk.peers[7] = -1;
    struct test_event closed = {
        .mailbox_id = MAILBOX_ID(7), .type = HSX_EVT_CLOSED, .seq = 1, .close_reason = 2};
    assert_true(test_send_event(old_peer, &closed));
    assert_int_equal(hsx_gpio_wait_event(7, &ev, 1000), HSX_HAL_CLOSED);
    assert_int_equal(hsx_gpio_wait_event(7, &ev, 0), HSX_HAL_CLOSED);

    assert_int_equal(hsx_gpio_set_interrupt(7, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    assert_string_equal(fk.log, "MIMI");
    assert_int_equal(hsx_gpio_subscription_count(), 1);
    assert_true(unsubscribed(old_peer));
    close(old_peer);
    post_edge(7, 1, HSX_GPIO_E_RISING, 1);
    assert_int_equal(hsx_gpio_wait_event(7, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_set_interrupt(7, HSX_GPIO_EDGE_BOTH, false), HSX_HAL_OK);
}

/* ---- callbacks ----------------------------------------------------------------------------------
 */

struct edges {
    pthread_mutex_t lock;
    int count;
    hsx_gpio_event_t last;
    uint32_t length;
    bool release_inside; /* remove the callback and disable from inside it */
    atomic_int inside_results;
};

static void on_edge(void *event_data, uint32_t length, void *user_data)
{
    struct edges *e = user_data;

    pthread_mutex_lock(&e->lock);
    e->count++;
    e->last = *(hsx_gpio_event_t *)event_data;
    e->length = length;
    pthread_mutex_unlock(&e->lock);
    if (e->release_inside) {
        uint8_t pin = e->last.pin;
        e->inside_results = hsx_gpio_set_interrupt_callback(pin, NULL, NULL) * 100 +
                            hsx_gpio_set_interrupt(pin, HSX_GPIO_EDGE_NONE, false);
    }
}

static int edge_count(struct edges *e, int at_least, unsigned int timeout_ms)
{
    return test_count_within(&e->lock, &e->count, at_least, timeout_ms);
}

static void callback_gets_the_spec_event(void **state)
{
    struct edges e = {.lock = PTHREAD_MUTEX_INITIALIZER};
    (void)state;

    /* The callback first, as with an interrupt controller: then enabling subscribes no more. */
    assert_int_equal(hsx_gpio_set_interrupt_callback(21, on_edge, &e), HSX_HAL_OK);
    assert_string_equal(fk.log, "M");
    assert_int_equal(hsx_gpio_set_interrupt(21, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    assert_string_equal(fk.log, "MI");
    assert_int_equal(hsx_gpio_wait_interrupt(21, 0), HSX_HAL_BUSY);

    struct test_event sent = test_edge(MAILBOX_ID(21), 1, 21, HSX_GPIO_E_RISING, 1);
    sent.edge_ns = 0x1234567890123ULL; /* 320255973501 us: wraps in 32 bits */
    assert_true(test_send_event(fk.peers[21], &sent));
    assert_int_equal(edge_count(&e, 1, 5000), 1);
    assert_int_equal(e.length, sizeof(hsx_gpio_event_t));
    assert_int_equal(e.last.pin, 21);
    assert_int_equal(e.last.edge, HSX_GPIO_EDGE_RISING);
    assert_int_equal(e.last.value, 1);
    assert_int_equal(e.last.timestamp, (uint32_t)(0x1234567890123ULL / 1000));

    post_edge(21, 2, HSX_GPIO_E_FALLING, 0);
    assert_int_equal(edge_count(&e, 2, 5000), 2);
    assert_int_equal(e.last.edge, HSX_GPIO_EDGE_FALLING);
    assert_int_equal(e.last.value, 0);
    assert_int_equal(e.last.timestamp, 2000000); /* 2 s in microseconds */

    /* Removed: not called again, and waiting works again. */
    assert_int_equal(hsx_gpio_set_interrupt_callback(21, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_subscription_count(), 1); /* the interrupt is still enabled */
    post_edge(21, 3, HSX_GPIO_E_RISING, 1);
    assert_int_equal(hsx_gpio_wait_interrupt(21, 1000), HSX_HAL_OK);
    assert_int_equal(edge_count(&e, 3, 50), 2);
    assert_int_equal(hsx_gpio_set_interrupt(21, HSX_GPIO_EDGE_BOTH, false), HSX_HAL_OK);
    assert_string_equal(fk.log, "MID");
}

static void a_callback_keeps_the_subscription_while_disabled(void **state)
{
    struct edges e = {.lock = PTHREAD_MUTEX_INITIALIZER};
    (void)state;

    assert_int_equal(hsx_gpio_set_interrupt(22, HSX_GPIO_EDGE_RISING, true), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_set_interrupt_callback(22, on_edge, &e), HSX_HAL_OK);
    int peer = fk.peers[22];
    assert_int_equal(hsx_gpio_set_interrupt(22, HSX_GPIO_EDGE_RISING, false), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_subscription_count(), 1);
    /* Enabled again: the same subscription and callback. */
    assert_int_equal(hsx_gpio_set_interrupt(22, HSX_GPIO_EDGE_RISING, true), HSX_HAL_OK);
    assert_string_equal(fk.log, "MIDI");
    post_edge(22, 1, HSX_GPIO_E_RISING, 1);
    assert_int_equal(edge_count(&e, 1, 5000), 1);

    assert_int_equal(hsx_gpio_set_interrupt(22, HSX_GPIO_EDGE_RISING, false), HSX_HAL_OK);
    assert_false(unsubscribed_within(peer, 0));
    /* Removing the callback of a disabled pin ends the subscription. */
    assert_int_equal(hsx_gpio_set_interrupt_callback(22, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_subscription_count(), 0);
    assert_true(unsubscribed(peer));
    /* Nothing left to remove. */
    assert_int_equal(hsx_gpio_set_interrupt_callback(22, NULL, NULL), HSX_HAL_OK);
    assert_string_equal(fk.log, "MIDID");
}

static void a_callback_set_alone_subscribes_and_is_replaced_in_place(void **state)
{
    struct edges a = {.lock = PTHREAD_MUTEX_INITIALIZER}, b = {.lock = PTHREAD_MUTEX_INITIALIZER};
    (void)state;

    assert_int_equal(hsx_gpio_set_interrupt_callback(23, on_edge, &a), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_set_interrupt_callback(23, on_edge, &b), HSX_HAL_OK);
    assert_string_equal(fk.log, "M");
    post_edge(23, 1, HSX_GPIO_E_RISING, 1);
    assert_int_equal(edge_count(&b, 1, 5000), 1);
    assert_int_equal(edge_count(&a, 1, 20), 0);
    assert_int_equal(hsx_gpio_set_interrupt_callback(23, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_subscription_count(), 0);
}

static void release_from_inside_the_callback(void **state)
{
    struct edges e = {.lock = PTHREAD_MUTEX_INITIALIZER, .release_inside = true};
    (void)state;

    assert_int_equal(hsx_gpio_set_interrupt(24, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    post_edge(24, 1, HSX_GPIO_E_RISING, 1);
    post_edge(24, 2, HSX_GPIO_E_FALLING, 0);
    e.inside_results = -1;
    assert_int_equal(hsx_gpio_set_interrupt_callback(24, on_edge, &e), HSX_HAL_OK);
    assert_int_equal(edge_count(&e, 1, 5000), 1);
    assert_int_equal(edge_count(&e, 2, 100), 1); /* removed inside: the second never comes */
    assert_int_equal(e.inside_results, 0);
    assert_int_equal(hsx_gpio_subscription_count(), 0);
    assert_false(fk.irq_enabled[24]);
}

static void a_callback_moves_to_a_fresh_subscription(void **state)
{
    struct edges e = {.lock = PTHREAD_MUTEX_INITIALIZER};
    int queued;
    (void)state;

    assert_int_equal(hsx_gpio_set_interrupt_callback(25, on_edge, &e), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_set_interrupt(25, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    struct test_event closed = {.mailbox_id = MAILBOX_ID(25), .type = HSX_EVT_CLOSED, .seq = 1};
    assert_true(test_send_event(fk.peers[25], &closed));
    /* The dispatcher reads the final event (the peer's queue drains), then marks it gone. */
    uint64_t deadline = test_now_ms() + 5000;
    do {
        test_sleep_ms(5);
        assert_int_equal(ioctl(fk.peers[25], SIOCOUTQ, &queued), 0);
    } while (queued > 0 && test_now_ms() < deadline);
    test_sleep_ms(50);
    assert_int_equal(edge_count(&e, 1, 0), 0); /* CLOSED is not an edge */

    assert_int_equal(hsx_gpio_set_interrupt(25, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    assert_string_equal(fk.log, "MIMI");
    post_edge(25, 1, HSX_GPIO_E_FALLING, 0);
    assert_int_equal(edge_count(&e, 1, 5000), 1);
    assert_int_equal(e.last.pin, 25);
    assert_int_equal(hsx_gpio_set_interrupt_callback(25, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_set_interrupt(25, HSX_GPIO_EDGE_BOTH, false), HSX_HAL_OK);
}

static atomic_int disabled_inside;

/* On the dispatcher: the pin's op lock, which set_interrupt holds while it subscribes. */
static void on_edge_disable(void *event_data, uint32_t length, void *user_data)
{
    const hsx_gpio_event_t *ev = event_data;

    (void)length;
    (void)user_data;
    if (hsx_gpio_set_interrupt(ev->pin, HSX_GPIO_EDGE_NONE, false) == HSX_HAL_OK)
        atomic_fetch_add(&disabled_inside, 1);
}

/*
 * In a child on one CPU, the dispatcher started at normal priority and this
 * thread then made SCHED_IDLE: each wake-up of the dispatcher runs it at
 * once, so the moved callback runs (and waits for op) before enabling,
 * which holds op, goes on.
 */
static int move_callback_while_it_runs(void *arg)
{
    const uint8_t pin = 26;
    struct sched_param idle = {0};
    cpu_set_t one;
    int queued;
    (void)arg;

    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
    if (sched_setaffinity(0, sizeof(one), &one) < 0)
        return 2;
    if (hsx_gpio_set_interrupt_callback(pin, on_edge_disable, NULL) != HSX_HAL_OK ||
        hsx_gpio_set_interrupt(pin, HSX_GPIO_EDGE_BOTH, true) != HSX_HAL_OK)
        return 3;
    struct test_event closed = {.mailbox_id = MAILBOX_ID(pin), .type = HSX_EVT_CLOSED, .seq = 1};
    if (!test_send_event(fk.peers[pin], &closed))
        return 4;
    uint64_t deadline = test_now_ms() + 2000;
    do {
        test_sleep_ms(5);
        if (ioctl(fk.peers[pin], SIOCOUTQ, &queued) < 0)
            return 5;
    } while (queued > 0 && test_now_ms() < deadline);
    test_sleep_ms(50);

    pthread_mutex_lock(&fk.lock);
    fk.edge_on_open = true;
    pthread_mutex_unlock(&fk.lock);
    if (sched_setscheduler(0, SCHED_IDLE, &idle) < 0)
        return 6;
    /* Subscribes afresh (an edge is queued) and moves the callback there, holding op. */
    if (hsx_gpio_set_interrupt(pin, HSX_GPIO_EDGE_BOTH, true) != HSX_HAL_OK)
        return 7;
    deadline = test_now_ms() + 2000;
    while (atomic_load(&disabled_inside) == 0 && test_now_ms() < deadline)
        test_sleep_ms(5);
    return atomic_load(&disabled_inside) == 1 ? 0 : 8;
}

static void a_moved_callback_may_disable_its_pin_at_once(void **state)
{
    (void)state;
    /* Before: the mover waited for the callback under op, and the callback for op. */
    assert_int_equal(test_in_child(move_callback_while_it_runs, NULL, 5000), 0);
}

/* ---- fork ------------------------------------------------------------------------------------ */

/* In the child: none of the parent's subscriptions; enabling subscribes for itself. */
static int subscribe_in_child(void *arg)
{
    const uint8_t pin = 27;
    (void)arg;

    if (hsx_gpio_subscription_count() != 0)
        return 2;
    if (hsx_gpio_wait_interrupt(pin, 0) != HSX_HAL_INVALID_PARAM)
        return 3; /* the parent's subscription is not the child's to wait on */
    memset(fk.log, 0, sizeof(fk.log));
    if (hsx_gpio_set_interrupt(pin, HSX_GPIO_EDGE_BOTH, true) != HSX_HAL_OK ||
        strcmp(fk.log, "MI") != 0)
        return 4;
    if (hsx_gpio_set_interrupt(pin, HSX_GPIO_EDGE_BOTH, false) != HSX_HAL_OK ||
        hsx_gpio_subscription_count() != 0)
        return 5;
    return 0;
}

static void a_child_has_none_of_the_parents_subscriptions(void **state)
{
    (void)state;

    assert_int_equal(hsx_gpio_set_interrupt(27, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    int peer = fk.peers[27];
    /* Before: the child reused the parent's subscription, and disabling closed it. */
    assert_int_equal(test_in_child(subscribe_in_child, NULL, 5000), 0);
    assert_false(unsubscribed_within(peer, 0));
    post_edge(27, 1, HSX_GPIO_E_RISING, 1);
    assert_int_equal(hsx_gpio_wait_interrupt(27, 1000), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_set_interrupt(27, HSX_GPIO_EDGE_BOTH, false), HSX_HAL_OK);
}

static void *enable_slowly(void *arg)
{
    (void)arg;
    hsx_gpio_set_interrupt(28, HSX_GPIO_EDGE_BOTH, true);
    return NULL;
}

static int enable_in_child(void *arg)
{
    (void)arg;
    atomic_store(&slow_ioctl, false);
    if (hsx_gpio_set_interrupt(28, HSX_GPIO_EDGE_BOTH, true) != HSX_HAL_OK)
        return 2;
    return hsx_gpio_set_interrupt(28, HSX_GPIO_EDGE_BOTH, false) == HSX_HAL_OK ? 0 : 3;
}

/* fork() while another thread holds a pin's op lock: the child gets it free. */
static void fork_takes_the_pin_locks_first(void **state)
{
    pthread_t thread;
    (void)state;

    atomic_store(&slow_ioctl, true);
    assert_int_equal(pthread_create(&thread, NULL, enable_slowly, NULL), 0);
    uint64_t deadline = test_now_ms() + 2000;
    while (strchr(fk.log, 'M') == NULL && test_now_ms() < deadline)
        test_sleep_ms(1);
    /* Before: the child got op locked by a thread it does not have, and hung. */
    assert_int_equal(test_in_child(enable_in_child, NULL, 5000), 0);
    pthread_join(thread, NULL);
    atomic_store(&slow_ioctl, false);
    assert_int_equal(hsx_gpio_set_interrupt(28, HSX_GPIO_EDGE_BOTH, false), HSX_HAL_OK);
}

/* ---- threads -----------------------------------------------------------------------------------
 */

#define STRESS_PINS 3
#define STRESS_ROUNDS 300
#define STRESS_EDGES 20

static atomic_int stress_failures;
static atomic_int stress_edges;

/* Disables its pin now and then, from the dispatcher, while other threads change it. */
static void on_stress_edge(void *event_data, uint32_t length, void *user_data)
{
    const hsx_gpio_event_t *ev = event_data;

    (void)user_data;
    if (length != sizeof(*ev) || ev->pin >= STRESS_PINS)
        atomic_fetch_add(&stress_failures, 1);
    if (atomic_fetch_add(&stress_edges, 1) % 7 == 0 &&
        hsx_gpio_set_interrupt(ev->pin, HSX_GPIO_EDGE_NONE, false) != HSX_HAL_OK)
        atomic_fetch_add(&stress_failures, 1);
}

static void *stress(void *arg)
{
    unsigned int seed = (unsigned int)(uintptr_t)arg;
    uint64_t deadline = test_now_ms() + 10000;
    hsx_gpio_event_ex_t ev;

    /* The rounds, and more until callbacks have run a few times among the changes. */
    for (int i = 0; i < STRESS_ROUNDS ||
                    (atomic_load(&stress_edges) < STRESS_EDGES && test_now_ms() < deadline);
         i++) {
        uint8_t pin = (uint8_t)(rand_r(&seed) % STRESS_PINS);
        int ret;

        switch (rand_r(&seed) % 5) {
        case 0:
            ret = hsx_gpio_set_interrupt(pin, HSX_GPIO_EDGE_BOTH, true);
            break;
        case 1:
            ret = hsx_gpio_set_interrupt(pin, HSX_GPIO_EDGE_BOTH, false);
            break;
        case 2:
        case 3:
            ret = hsx_gpio_set_interrupt_callback(pin, i % 2 ? on_stress_edge : NULL, NULL);
            /* Another thread is in hsx_gpio_wait_event() on the pin (as for a timer). */
            if (ret == HSX_HAL_BUSY && hsx_hal_errno() == 0)
                ret = HSX_HAL_OK;
            break;
        default:
            /* Any of these, depending on what the other threads did last. */
            ret = hsx_gpio_wait_event(pin, &ev, 0);
            if (ret == HSX_HAL_TIMEOUT || ret == HSX_HAL_BUSY || ret == HSX_HAL_INVALID_PARAM ||
                ret == HSX_HAL_CLOSED)
                ret = HSX_HAL_OK;
        }
        if (ret != HSX_HAL_OK)
            atomic_fetch_add(&stress_failures, 1);
    }
    return NULL;
}

/* Posts edges to whatever subscription each pin has, without blocking or SIGPIPE. */
static void *post_edges(void *arg)
{
    atomic_bool *stop = arg;
    unsigned char buf[HSX_NL_BUFSIZE];

    for (uint64_t seq = 1; !atomic_load(stop); seq++) {
        for (uint8_t pin = 0; pin < STRESS_PINS; pin++) {
            struct test_event ev = test_edge(MAILBOX_ID(pin), seq, pin, HSX_GPIO_E_RISING, 1);
            size_t len = test_put_event(buf, &ev);
            pthread_mutex_lock(&fk.lock);
            if (fk.peers[pin] >= 0)
                send(fk.peers[pin], buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
            pthread_mutex_unlock(&fk.lock);
        }
        usleep(100);
    }
    return NULL;
}

static void concurrent_changes_stay_consistent(void **state)
{
    pthread_t threads[4], poster;
    atomic_bool stop = false;
    (void)state;

    atomic_store(&stress_failures, 0);
    atomic_store(&stress_edges, 0);
    assert_int_equal(pthread_create(&poster, NULL, post_edges, &stop), 0);
    for (uintptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, stress, (void *)(i + 1)), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    atomic_store(&stop, true);
    pthread_join(poster, NULL);
    assert_int_equal(atomic_load(&stress_failures), 0);
    assert_true(atomic_load(&stress_edges) >= STRESS_EDGES);

    /* Whatever state they left: a subscription exactly where needed. */
    for (uint8_t pin = 0; pin < STRESS_PINS; pin++) {
        assert_int_equal(hsx_gpio_set_interrupt_callback(pin, NULL, NULL), HSX_HAL_OK);
        assert_int_equal(hsx_gpio_set_interrupt(pin, HSX_GPIO_EDGE_NONE, false), HSX_HAL_OK);
        assert_false(fk.irq_enabled[pin]);
    }
    assert_int_equal(hsx_gpio_subscription_count(), 0);
    assert_int_equal(hsx_gpio_set_interrupt(0, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_set_interrupt_callback(1, on_stress_edge, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_subscription_count(), 2);
    assert_int_equal(hsx_gpio_set_interrupt(0, HSX_GPIO_EDGE_BOTH, false), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_set_interrupt_callback(1, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_subscription_count(), 0);
}

/* Lookups race with removals: every reference taken is a valid handle (ASan checks). */
struct table_race {
    struct hsx_object_table *table;
    atomic_bool stop;
    atomic_int found;
};

static void *look_up(void *arg)
{
    struct table_race *race = arg;

    while (!atomic_load(&race->stop)) {
        for (uint32_t id = 0; id < 8; id++) {
            hsx_mailbox_t *mb = hsx_object_table_get(race->table, id);
            if (mb) {
                if (hsx_mailbox_id(mb) == id)
                    atomic_fetch_add(&race->found, 1);
                hsx_mailbox_unref(mb);
            }
        }
    }
    return NULL;
}

static void table_lookups_race_with_removals(void **state)
{
    struct hsx_object_table table = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct table_race race = {.table = &table};
    pthread_t threads[2];
    hsx_mailbox_t *mb = NULL;
    int peer = -1;
    (void)state;

    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, look_up, &race), 0);
    for (int round = 0; round < 200; round++) {
        uint32_t id = (uint32_t)round % 8;
        assert_int_equal(test_mailbox(id, "hal:gpio:x", &mb, &peer), 0);
        assert_int_equal(hsx_object_table_add(&table, id, mb), HSX_HAL_OK);
        assert_int_equal(hsx_object_table_add(&table, id, mb), HSX_HAL_BUSY);
        hsx_mailbox_t *removed = hsx_object_table_remove(&table, id);
        assert_ptr_equal(removed, mb);
        hsx_mailbox_close(removed);
        close(peer);
    }
    atomic_store(&race.stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(hsx_object_table_count(&table), 0);
    hsx_object_table_release(&table);
}

/* ---- without the kernel -------------------------------------------------------------------------
 */

static void without_hsx_ko(void **state)
{
    uint64_t values;
    hsx_gpio_info_t info;
    (void)state;

    hsx_dev_set_ioctl_hook(NULL);
    hsx_dev_set_root("/nonexistent-hsx-test");
    assert_int_equal(hsx_gpio_read(1), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENOENT);
    assert_int_equal(hsx_gpio_config(1, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE),
                     HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_gpio_read_multi(3, &values), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_gpio_get_info(1, &info), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_gpio_find("led"), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENOENT);
    /* Subscribed (by the test's opener, with no file), refused by the missing node, dropped. */
    assert_int_equal(hsx_gpio_set_interrupt(1, HSX_GPIO_EDGE_RISING, true), HSX_HAL_NO_DEVICE);
    assert_int_equal(fk.last_auth_fd, -1);
    assert_int_equal(hsx_hal_errno(), ENOENT);
    assert_int_equal(hsx_gpio_subscription_count(), 0);
    /* Parameters are still checked first. */
    assert_int_equal(hsx_gpio_write(1, 7), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), 0);
}

/* ---- conversions --------------------------------------------------------------------------------
 */

static void mailbox_events_convert_to_both_forms(void **state)
{
    hsx_mailbox_event_t in = {
        .type = HSX_MAILBOX_EVENT_DATA,
        .module = HSX_MAILBOX_MODULE_GPIO,
        .seq = 10,
        .timestamp_ns = 999,
        .dropped = 1,
        .dropped_total = 2,
        .u.gpio = {.pin = 63,
                   .edge = HSX_GPIO_E_FALLING,
                   .value = 1,
                   .timestamp_ns = 4294967296000ULL + 5000, /* 2^32 us + 5 us */
                   .line_seq = 1ULL << 33},
    };
    hsx_gpio_event_t spec;
    hsx_gpio_event_ex_t ex;
    (void)state;

    hsx_gpio_event_from_mailbox(&in, &spec);
    assert_int_equal(spec.pin, 63);
    assert_int_equal(spec.edge, HSX_GPIO_EDGE_FALLING);
    assert_int_equal(spec.value, 1);
    assert_int_equal(spec.timestamp, 5); /* wrapped */

    hsx_gpio_event_ex_from_mailbox(&in, &ex);
    assert_int_equal(ex.pin, 63);
    assert_int_equal(ex.edge, HSX_GPIO_EDGE_FALLING);
    assert_int_equal(ex.value, 1);
    assert_int_equal(ex.timestamp_ns, 4294967296000ULL + 5000); /* the edge's, not the post's */
    assert_int_equal(ex.line_seq, 1ULL << 33);
    assert_int_equal(ex.seq, 10);
    assert_int_equal(ex.dropped, 1);
    assert_int_equal(ex.dropped_total, 2);
}

int main(void)
{
#define GPIO_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        GPIO_TEST(config_sends_mode_and_pull_only),
        GPIO_TEST(analog_is_the_kernels_to_refuse),
        GPIO_TEST(configure_maps_settings_to_flags),
        GPIO_TEST(configure_refuses_bad_settings_before_the_kernel),
        GPIO_TEST(kernel_errors_keep_their_meaning),
        GPIO_TEST(read_write_and_toggle),
        GPIO_TEST(values_refuse_bad_parameters_before_the_kernel),
        GPIO_TEST(a_value_that_is_not_a_bit_is_an_error),
        GPIO_TEST(multi_selects_by_mask),
        GPIO_TEST(info_reports_the_binding),
        GPIO_TEST(find_scans_every_pin_each_time),
        GPIO_TEST(find_skips_pins_that_vanish_and_stops_on_other_errors),
        GPIO_TEST(find_refuses_names_no_line_can_have),
        GPIO_TEST(enabling_subscribes_first),
        GPIO_TEST(set_interrupt_refuses_bad_parameters),
        GPIO_TEST(a_refused_enable_leaves_no_subscription),
        GPIO_TEST(no_subscription_no_enable),
        GPIO_TEST(a_refused_disable_keeps_the_subscription),
        GPIO_TEST(wait_event_returns_the_edge),
        GPIO_TEST(waiting_needs_an_enabled_interrupt),
        GPIO_TEST(events_that_are_not_this_pins_edges_are_errors),
        GPIO_TEST(disabling_ends_a_wait),
        GPIO_TEST(a_destroyed_mailbox_is_subscribed_afresh),
        GPIO_TEST(callback_gets_the_spec_event),
        GPIO_TEST(a_callback_keeps_the_subscription_while_disabled),
        GPIO_TEST(a_callback_set_alone_subscribes_and_is_replaced_in_place),
        GPIO_TEST(release_from_inside_the_callback),
        GPIO_TEST(a_callback_moves_to_a_fresh_subscription),
        GPIO_TEST(a_moved_callback_may_disable_its_pin_at_once),
        GPIO_TEST(a_child_has_none_of_the_parents_subscriptions),
        GPIO_TEST(fork_takes_the_pin_locks_first),
        GPIO_TEST(concurrent_changes_stay_consistent),
        GPIO_TEST(without_hsx_ko),
        cmocka_unit_test(table_lookups_race_with_removals),
        cmocka_unit_test(mailbox_events_convert_to_both_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
