/* SPDX-License-Identifier: MIT */
/*
 * The library's GPIO API (hsx_gpio.h) against the real module: the spec's
 * functions and the additions, their HSX_HAL_* codes for bad input, line
 * names, software debounce, and waits. Needs gpio-sim for everything but the
 * bad-input checks, which run on every kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_gpio.h"
#include "hsx_uapi.h"

#define SIM_NAME "hsx-api"
#define SIM_LABEL "hsx-api-sim"
#define FIRST_PIN 16 /* pins 16..19 are lines 0..3 */

static struct e2e_sim sim;
static int have_sim;

static void sim_pull(unsigned int line, int up)
{
    e2e_sim_pull(&sim, line, up);
}

static int setup(void **state)
{
    static const char *const names[4] = {NULL, NULL, "door-switch", NULL};
    unsigned int i;

    (void)state;
    have_sim = e2e_sim_create(&sim, SIM_NAME, SIM_LABEL, 4, names) == 0;
    if (!have_sim) {
        printf("# " E2E_NO_GPIO_SIM ": running the bad-input checks only\n");
        return 0;
    }
    for (i = 0; i < 4; i++)
        if (e2e_map_pin(FIRST_PIN + i, SIM_LABEL, i))
            fail_msg("bind pin %u: %s", FIRST_PIN + i, strerror(errno));
    return 0;
}

static void bad_input_is_invalid_param(void **state)
{
    (void)state;
    hsx_gpio_settings_t s = {.mode = HSX_GPIO_MODE_INPUT};
    hsx_gpio_info_t info;
    uint64_t values;

    assert_int_equal(hsx_gpio_config(HSX_GPIO_MAX_PINS, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_config(20, (hsx_gpio_mode_t)9, HSX_GPIO_PULL_NONE),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_config(20, HSX_GPIO_MODE_INPUT, (hsx_gpio_pull_t)9),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_set_interrupt(20, (hsx_gpio_edge_t)9, true), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_set_interrupt(20, HSX_GPIO_EDGE_NONE, true), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_write(20, 2), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_configure(20, NULL), HSX_HAL_INVALID_PARAM);
    s.drive = HSX_GPIO_DRIVE_OPEN_DRAIN; /* drive is for outputs */
    assert_int_equal(hsx_gpio_configure(20, &s), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_read_multi(0, &values), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_get_info(HSX_GPIO_MAX_PINS, &info), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_gpio_wait_event(20, NULL, 0), HSX_HAL_INVALID_PARAM);
    /* Analog: a valid mode no backend has. */
    assert_int_equal(hsx_gpio_config(40, HSX_GPIO_MODE_ANALOG, HSX_GPIO_PULL_NONE),
                     HSX_HAL_UNSUPPORTED);
    /* An unbound pin is a clear, distinct error. */
    assert_int_equal(hsx_gpio_config(40, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE),
                     HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENXIO);
    assert_int_equal(hsx_gpio_get_info(40, &info), HSX_HAL_OK);
    assert_false(info.mapped);
}

static void spec_functions_drive_and_read_lines(void **state)
{
    (void)state;
    if (!have_sim)
        return;
    assert_int_equal(hsx_gpio_config(FIRST_PIN, HSX_GPIO_MODE_OUTPUT, HSX_GPIO_PULL_NONE),
                     HSX_HAL_OK);
    assert_int_equal(hsx_gpio_write(FIRST_PIN, 1), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read(FIRST_PIN), 1);
    assert_int_equal(hsx_gpio_toggle(FIRST_PIN), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read(FIRST_PIN), 0);

    assert_int_equal(hsx_gpio_config(FIRST_PIN + 1, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_DOWN),
                     HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read(FIRST_PIN + 1), 0);
    sim_pull(1, 1);
    assert_int_equal(hsx_gpio_read(FIRST_PIN + 1), 1);
    /* Writing an input is refused. */
    assert_int_equal(hsx_gpio_write(FIRST_PIN + 1, 1), HSX_HAL_DENIED);
}

static void line_names_find_pins(void **state)
{
    (void)state;
    hsx_gpio_info_t info;

    if (!have_sim)
        return;
    /* A name is read through the held line: configure the pin first. */
    assert_int_equal(hsx_gpio_config(FIRST_PIN + 2, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE),
                     HSX_HAL_OK);
    assert_int_equal(hsx_gpio_get_info(FIRST_PIN + 2, &info), HSX_HAL_OK);
    assert_true(info.mapped);
    assert_string_equal(info.chip, SIM_LABEL);
    assert_int_equal(info.offset, 2);
    assert_string_equal(info.name, "door-switch");
    assert_int_equal(hsx_gpio_find("door-switch"), FIRST_PIN + 2);
    assert_int_equal(hsx_gpio_find("no-such-line"), HSX_HAL_NO_DEVICE);
}

/* gpio-sim has no debouncer: the kernel debounces in software. */
static void software_debounce_reports_the_settled_value(void **state)
{
    (void)state;
    hsx_gpio_settings_t s = {.mode = HSX_GPIO_MODE_INPUT, .debounce_us = 300000};
    hsx_gpio_event_ex_t ev;
    char flags[64];

    if (!have_sim)
        return;
    sim_pull(3, 0);
    assert_int_equal(hsx_gpio_configure(FIRST_PIN + 3, &s), HSX_HAL_OK);
    e2e_read_line("/sys/hal/gpio/19/flags", flags, sizeof(flags));
    assert_non_null(strstr(flags, "software-debounce"));
    assert_int_equal(hsx_gpio_set_interrupt(FIRST_PIN + 3, HSX_GPIO_EDGE_BOTH, true), HSX_HAL_OK);
    /* A bouncing contact: up, down, up within the debounce period. */
    sim_pull(3, 1);
    sim_pull(3, 0);
    sim_pull(3, 1);
    assert_int_equal(hsx_gpio_wait_event(FIRST_PIN + 3, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(ev.pin, FIRST_PIN + 3);
    assert_int_equal(ev.edge, HSX_GPIO_EDGE_RISING);
    assert_int_equal(ev.value, 1);
    /* One settled change, one event. */
    assert_int_equal(hsx_gpio_wait_event(FIRST_PIN + 3, &ev, 600), HSX_HAL_TIMEOUT);
    assert_true(e2e_sysfs_u64("/sys/hal/gpio/19/interrupts") >= 3);
    assert_int_equal(hsx_gpio_set_interrupt(FIRST_PIN + 3, HSX_GPIO_EDGE_BOTH, false), HSX_HAL_OK);
}

static void wait_interrupt_times_out_and_returns_edges(void **state)
{
    (void)state;
    if (!have_sim)
        return;
    sim_pull(1, 0);
    assert_int_equal(hsx_gpio_set_interrupt(FIRST_PIN + 1, HSX_GPIO_EDGE_RISING, true), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_wait_interrupt(FIRST_PIN + 1, 50), HSX_HAL_TIMEOUT);
    sim_pull(1, 1);
    assert_int_equal(hsx_gpio_wait_interrupt(FIRST_PIN + 1, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_set_interrupt(FIRST_PIN + 1, HSX_GPIO_EDGE_RISING, false),
                     HSX_HAL_OK);
}

static void multi_pin_access(void **state)
{
    (void)state;
    hsx_gpio_settings_t out = {.mode = HSX_GPIO_MODE_OUTPUT};
    uint64_t mask = (1ull << FIRST_PIN), values = 0;

    if (!have_sim)
        return;
    assert_int_equal(hsx_gpio_configure(FIRST_PIN, &out), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_write_multi(mask, mask), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read_multi(mask | (1ull << (FIRST_PIN + 1)), &values), HSX_HAL_OK);
    assert_true(values & mask);
    /* Pin 30 is not configured. */
    assert_int_not_equal(hsx_gpio_read_multi(1ull << 30, &values), HSX_HAL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_input_is_invalid_param),
        cmocka_unit_test(spec_functions_drive_and_read_lines),
        cmocka_unit_test(line_names_find_pins),
        cmocka_unit_test(software_debounce_reports_the_settled_value),
        cmocka_unit_test(wait_interrupt_times_out_and_returns_edges),
        cmocka_unit_test(multi_pin_access),
    };

    /* The library's gpio file holds the lines until the process exits. */
    return cmocka_run_group_tests_name("e2e_gpio_api", tests, setup, NULL);
}
