// SPDX-License-Identifier: MIT
/*
 * The words of capabilities as hsxd and hsxctl use them, from the module
 * descriptors: pin lists at their edges (0, 63, 64, -1, reversed ranges),
 * right names per module, timer quotas, and formatting back to the same
 * words. This test's table has the test module ("dummy") too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capspec.h"

static char why[128];

static uint64_t pins_of(const char *text)
{
    union hsx_cap_selector sel;

    why[0] = '\0';
    assert_int_equal(
        hsx_umod_sel_parse(capspec_module_by_name("gpio"), text, &sel, why, sizeof(why)), 0);
    return sel.raw[0];
}

static void expect_bad_pins(const char *text, const char *message)
{
    union hsx_cap_selector sel;

    why[0] = '\0';
    assert_int_equal(
        hsx_umod_sel_parse(capspec_module_by_name("gpio"), text, &sel, why, sizeof(why)), -EINVAL);
    if (!strstr(why, message))
        fail_msg("pins '%s': expected \"%s\" in \"%s\"", text, message, why);
}

static void pins_and_ranges(void **state)
{
    (void)state;
    assert_true(pins_of("0") == 1);
    assert_true(pins_of("63") == UINT64_C(1) << 63);
    assert_true(pins_of("0-63") == UINT64_MAX);
    assert_true(pins_of("17-20") == UINT64_C(0xf) << 17);
    assert_true(pins_of("5-5") == UINT64_C(1) << 5);
    assert_true(pins_of(" 3 , 5-6 ") == ((1u << 3) | (1u << 5) | (1u << 6)));
    assert_true(pins_of("1,1,1") == 2);
    assert_true(pins_of("007") == 1u << 7);

    expect_bad_pins("64", "pin 64 is out of range 0..63");
    expect_bad_pins("0-64", "pin 64 is out of range");
    expect_bad_pins("-1", "pin -1 is out of range");
    expect_bad_pins("20-17", "range 20-17 is reversed (write 17-20)");
    expect_bad_pins("", "empty item in pin list");
    expect_bad_pins("1,", "empty item");
    expect_bad_pins(",1", "empty item");
    expect_bad_pins("0x10", "'0x10' is not a pin number");
    expect_bad_pins("1-2-3", "'2-3' is not a pin number");
    expect_bad_pins("1-", "'' is not a pin number");
    expect_bad_pins("abc", "'abc' is not a pin number");
    expect_bad_pins("99999999999999999999", "is not a pin number");
    expect_bad_pins("4294967296", "is not a pin number");
}

static void rights_per_module(void **state)
{
    const struct hsx_umodule *gpio = capspec_module_by_name("gpio");
    const struct hsx_umodule *timer = capspec_module_by_name("timer");
    const struct hsx_umodule *dummy = capspec_module_by_name("dummy");
    uint32_t rights = 0;
    (void)state;

    assert_non_null(gpio);
    assert_non_null(timer);
    assert_non_null(dummy);
    assert_int_equal(hsx_umod_parse_rights(gpio, "read,write,irq", &rights, why, sizeof(why)), 0);
    assert_int_equal(rights, HSX_CAP_R_READ | HSX_CAP_R_WRITE | HSX_CAP_R_GPIO_IRQ);
    assert_int_equal(hsx_umod_parse_rights(timer, "grant", &rights, why, sizeof(why)), 0);
    assert_int_equal(rights, HSX_CAP_R_GRANT);

    assert_int_equal(hsx_umod_parse_rights(timer, "irq", &rights, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "'irq' is not a right of timer"));
    assert_int_equal(hsx_umod_parse_rights(gpio, "read,admin", &rights, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "never granted"));
    assert_int_equal(hsx_umod_parse_rights(NULL, "exec", &rights, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "'exec': unknown right"));
    assert_int_equal(hsx_umod_parse_rights(gpio, "read,,write", &rights, why, sizeof(why)),
                     -EINVAL);
    assert_non_null(strstr(why, "empty right"));
    /* A common right a module has not is not its right either. */
    assert_int_equal(hsx_umod_parse_rights(dummy, "read,grant", &rights, why, sizeof(why)), 0);
    assert_int_equal(hsx_umod_parse_rights(dummy, "write", &rights, why, sizeof(why)), -EINVAL);
    assert_string_equal(why, "'write' is not a right of dummy");
}

static void modules(void **state)
{
    char buf[64];
    (void)state;

    assert_int_equal(capspec_module_by_name("gpio")->id, HSX_MODULE_GPIO);
    assert_int_equal(capspec_module_by_id(HSX_MODULE_TIMER)->sel.kind, HSX_UMOD_SEL_QUOTA);
    assert_int_equal(capspec_module_by_id(HSX_MODULE_TEST)->sel.kind, HSX_UMOD_SEL_SET);
    assert_int_equal(capspec_module_by_name("can")->sel.kind, HSX_UMOD_SEL_CAN);
    assert_int_equal(capspec_module_by_name("fram")->sel.kind, HSX_UMOD_SEL_FRAM);
    assert_int_equal(capspec_module_by_name("fs")->sel.kind, HSX_UMOD_SEL_FS);
    assert_int_equal(capspec_module_by_name("uart")->id, HSX_MODULE_UART);
    /* The core is a descriptor (capability events), but has no capabilities. */
    assert_non_null(hsx_umod_by_id(HSX_MODULE_CORE));
    assert_null(capspec_module_by_id(HSX_MODULE_CORE));
    assert_null(capspec_module_by_name("cap"));
    assert_false(hsx_umod_is_future("can"));
    assert_false(hsx_umod_is_future("fram"));
    assert_false(hsx_umod_is_future("uart"));
    assert_false(hsx_umod_is_future("fs"));
    assert_false(hsx_umod_is_future("gpio"));
    assert_false(hsx_umod_is_future("frob"));
    assert_string_equal(capspec_module_name(buf, sizeof(buf), 0x16), "module 0x16");
    assert_string_equal(capspec_module_list(buf, sizeof(buf)),
                        "uart, can, timer, fram, fs, gpio or dummy");
    assert_string_equal(capspec_module_list(buf, 8), "uart");
}

static void selectors(void **state)
{
    const struct hsx_umodule *gpio = capspec_module_by_name("gpio");
    const struct hsx_umodule *timer = capspec_module_by_name("timer");
    union hsx_cap_selector sel;
    (void)state;

    assert_int_equal(hsx_umod_sel_parse(gpio, "1,3", &sel, why, sizeof(why)), 0);
    assert_true(sel.gpio.pins == 0xa);
    assert_int_equal(hsx_umod_sel_parse(timer, "4", &sel, why, sizeof(why)), 0);
    assert_int_equal(sel.timer.max_timers, 4);
    assert_int_equal(sel.timer.reserved, 0);
    assert_int_equal(hsx_umod_sel_parse(timer, "64", &sel, why, sizeof(why)), 0);
    assert_int_equal(hsx_umod_sel_parse(timer, "0", &sel, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "0 timers is out of range 1..64"));
    assert_int_equal(hsx_umod_sel_parse(timer, "65", &sel, why, sizeof(why)), -EINVAL);
    assert_int_equal(hsx_umod_sel_parse(timer, "-1", &sel, why, sizeof(why)), -EINVAL);
    assert_int_equal(hsx_umod_sel_parse(gpio, "", &sel, why, sizeof(why)), -EINVAL);
}

static void formatting(void **state)
{
    const struct hsx_umod_sel *pins = &capspec_module_by_name("gpio")->sel;
    char buf[HSX_UMOD_TEXT_MAX], cap[CAPSPEC_CAP_TEXT_MAX];
    union hsx_cap_selector sel = {.gpio.pins = (UINT64_C(0xf) << 17) | 1 | (UINT64_C(1) << 63)};
    union hsx_cap_selector all = {.gpio.pins = UINT64_MAX}, none = {.gpio.pins = 0};
    union hsx_cap_selector odd = {.gpio.pins = UINT64_C(0x5555555555555555)};
    (void)state;

    const struct hsx_umodule *gpio = capspec_module_by_name("gpio");
    const struct hsx_umodule *uart = capspec_module_by_name("uart");
    assert_string_equal(hsx_umod_format_rights(gpio, buf, sizeof(buf), HSX_CAP_R_GPIO_ALL),
                        "read,write,grant,irq");
    /* Bit 16 is each module's own: named only with the module. */
    assert_string_equal(hsx_umod_format_rights(uart, buf, sizeof(buf), 0x10000), "config");
    assert_string_equal(hsx_umod_format_rights(NULL, buf, sizeof(buf), 0x10001), "read,0x10000");
    assert_string_equal(hsx_umod_format_rights(gpio, buf, sizeof(buf), 0), "none");
    assert_string_equal(hsx_umod_format_rights(gpio, buf, sizeof(buf), HSX_CAP_R_READ | (1u << 30)),
                        "read,0x40000000");
    assert_string_equal(pins->ops->format(pins, buf, sizeof(buf), &sel), "0,17-20,63");
    assert_string_equal(pins->ops->format(pins, buf, sizeof(buf), &all), "0-63");
    assert_string_equal(pins->ops->format(pins, buf, sizeof(buf), &none), "none");
    assert_string_equal(capspec_format_selector(buf, sizeof(buf), HSX_MODULE_GPIO, &sel),
                        "pins 0,17-20,63");
    assert_string_equal(capspec_format_selector(buf, sizeof(buf), HSX_MODULE_CORE, &sel),
                        "selector ?");
    assert_string_equal(capspec_format_cap(cap, sizeof(cap), HSX_MODULE_GPIO,
                                           HSX_CAP_R_READ | HSX_CAP_R_GPIO_IRQ, &sel),
                        "gpio read,irq pins 0,17-20,63");
    assert_string_equal(capspec_format_cap(cap, sizeof(cap), 0x16, 1, &sel),
                        "module 0x16 read selector ?");
    sel = (union hsx_cap_selector){.timer.max_timers = 4};
    assert_string_equal(capspec_format_selector(buf, sizeof(buf), HSX_MODULE_TIMER, &sel),
                        "max_timers 4");
    /* Every other pin: the longest pin text there is, and it must fit. */
    /* "0,2,4,6,8" then 27 two-digit pins with their commas. */
    assert_int_equal(strlen(pins->ops->format(pins, buf, sizeof(buf), &odd)), 9 + 27 * 3);
    /* A small buffer is cut, never overrun. */
    char small[8];
    pins->ops->format(pins, small, sizeof(small), &odd);
    assert_true(strlen(small) < sizeof(small));
    /* Parsing what was formatted gives it back. */
    assert_true(pins_of("0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48,"
                        "50,52,54,56,58,60,62") == UINT64_C(0x5555555555555555));
}

static void escaping(void **state)
{
    char buf[64];
    (void)state;

    assert_string_equal(capspec_escape(buf, sizeof(buf), "/usr/bin/app"), "/usr/bin/app");
    assert_string_equal(capspec_escape(buf, sizeof(buf), "a\nb\tc\rd\\e"), "a\\nb\\tc\\rd\\\\e");
    assert_string_equal(capspec_escape(buf, sizeof(buf), "\x01\x1b[0m\x7f\xc3\xa9"),
                        "\\x01\\x1b[0m\\x7f\\xc3\\xa9");
    /* Cut short between escapes, never inside one. */
    assert_string_equal(capspec_escape(buf, 6,
                                       "ab\x01"
                                       "cd"),
                        "ab");
    assert_string_equal(capspec_escape(buf, 7,
                                       "ab\x01"
                                       "cd"),
                        "ab\\x01");
    assert_string_equal(capspec_escape(buf, 1, "ab"), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pins_and_ranges), cmocka_unit_test(rights_per_module),
        cmocka_unit_test(modules),         cmocka_unit_test(selectors),
        cmocka_unit_test(formatting),      cmocka_unit_test(escaping),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
