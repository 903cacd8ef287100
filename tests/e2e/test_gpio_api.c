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

#define SIM_CONFIGFS "/sys/kernel/config/gpio-sim"
#define SIM_NAME "hsx-api"
#define SIM_LABEL "hsx-api-sim"
#define FIRST_PIN 16 /* pins 16..19 are lines 0..3 */

static char sim_dir[320];
static int have_sim;

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        fail_msg("write %s to %s: %s", text, path, strerror(errno));
    close(fd);
}

static void read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");

    if (!f || !fgets(buf, (int)len, f))
        fail_msg("read %s: %s", path, strerror(errno));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

static void sim_pull(unsigned int line, int up)
{
    char path[400];

    snprintf(path, sizeof(path), "%s/sim_gpio%u/pull", sim_dir, line);
    write_file(path, up ? "pull-up" : "pull-down");
}

static int setup(void **state)
{
    char dev[64], chip[64];
    unsigned int i;
    int ctl;

    (void)state;
    have_sim = access(SIM_CONFIGFS, F_OK) == 0;
    if (!have_sim) {
        printf("# no gpio-sim in this kernel: running the bad-input checks only\n");
        return 0;
    }
    mkdir(SIM_CONFIGFS "/" SIM_NAME, 0755);
    mkdir(SIM_CONFIGFS "/" SIM_NAME "/bank0", 0755);
    write_file(SIM_CONFIGFS "/" SIM_NAME "/bank0/num_lines", "4");
    write_file(SIM_CONFIGFS "/" SIM_NAME "/bank0/label", SIM_LABEL);
    mkdir(SIM_CONFIGFS "/" SIM_NAME "/bank0/line2", 0755);
    write_file(SIM_CONFIGFS "/" SIM_NAME "/bank0/line2/name", "door-switch");
    write_file(SIM_CONFIGFS "/" SIM_NAME "/live", "1");
    read_line(SIM_CONFIGFS "/" SIM_NAME "/dev_name", dev, sizeof(dev));
    read_line(SIM_CONFIGFS "/" SIM_NAME "/bank0/chip_name", chip, sizeof(chip));
    snprintf(sim_dir, sizeof(sim_dir), "/sys/devices/platform/%s/%s", dev, chip);
    ctl = e2e_open_node("ctl");
    for (i = 0; i < 4; i++) {
        struct hsx_gpio_map m = {.pin = FIRST_PIN + i, .offset = i, .chip = SIM_LABEL};

        if (ioctl(ctl, HSX_IOC_GPIO_MAP, &m))
            fail_msg("bind pin %u: %s", FIRST_PIN + i, strerror(errno));
    }
    close(ctl);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* The library's gpio file holds the lines until the process exits; the
     * pins' bindings go with the chip when the VM ends. */
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
    read_line("/sys/hal/gpio/19/flags", flags, sizeof(flags));
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

    return cmocka_run_group_tests_name("e2e_gpio_api", tests, setup, teardown);
}
