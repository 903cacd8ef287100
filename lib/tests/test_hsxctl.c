// SPDX-License-Identifier: MIT
/*
 * hsxctl's command-line parser and output formats. They are built into this
 * test from the tool's sources: neither needs a kernel or a running hsxctl.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/hsxctl/cli.c"
#include "../../tools/hsxctl/cli_can.c"
#include "../../tools/hsxctl/cli_fram.c"
#include "../../tools/hsxctl/output.c"

#include "hsxctl_parse.h"

static void numbers_are_parsed_strictly(void **state)
{
    uint64_t v = 0;
    (void)state;

    assert_int_equal(hsxctl_parse_u64("123", 0, 1000, &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(hsxctl_parse_u64("0010", 0, 1000, &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(hsxctl_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);

    static const char *const not_numbers[] = {"",   "12x",  "-1",  "+1", " 1",
                                              "1 ", "0x10", "1e3", "x"};
    for (size_t i = 0; i < sizeof(not_numbers) / sizeof(not_numbers[0]); i++)
        assert_int_equal(hsxctl_parse_u64(not_numbers[i], 0, UINT64_MAX, &v), -EINVAL);
    assert_int_equal(hsxctl_parse_u64(NULL, 0, 1, &v), -EINVAL);

    assert_int_equal(hsxctl_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
    assert_int_equal(hsxctl_parse_u64("99", 100, 200, &v), -ERANGE);
    assert_int_equal(hsxctl_parse_u64("201", 100, 200, &v), -ERANGE);
    assert_int_equal(hsxctl_parse_u64("100", 100, 200, &v), 0);
    assert_int_equal(hsxctl_parse_u64("200", 100, 200, &v), 0);
}

static void commands_and_their_arguments(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("status", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_STATUS);
    assert_false(cmd.json);
    assert_int_equal(parse("status --json", &cmd), 0);
    assert_true(cmd.json);

    assert_int_equal(parse("timer create 1000", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_TIMER_CREATE);
    assert_int_equal(cmd.period_us, 1000);
    assert_false(cmd.one_shot);
    assert_int_equal(cmd.count, 0); /* periodic: no limit */

    assert_int_equal(parse("timer create --one-shot 3600000000 --json", &cmd), 0);
    assert_true(cmd.one_shot);
    assert_true(cmd.json);
    assert_int_equal(cmd.period_us, 3600000000u);
    assert_int_equal(cmd.count, 1); /* one-shot: one event */

    assert_int_equal(parse("timer create 100 --count 5", &cmd), 0);
    assert_int_equal(cmd.count, 5);
    assert_int_equal(parse("timer create 100 --count=7", &cmd), 0);
    assert_int_equal(cmd.count, 7);
    assert_int_equal(parse("timer create 100 -c 9", &cmd), 0);
    assert_int_equal(cmd.count, 9);

    assert_int_equal(parse("timer cancel 32767", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_TIMER_CANCEL);
    assert_int_equal(cmd.timer_id, 32767);

    assert_int_equal(parse("timer list --json", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_TIMER_LIST);
    assert_true(cmd.json);

    assert_int_equal(parse("listen hal:timer:3 --count 2 --timeout 500 --json", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_LISTEN);
    assert_string_equal(cmd.mailbox, "hal:timer:3");
    assert_int_equal(cmd.count, 2);
    assert_int_equal(cmd.timeout_ms, 500);
    assert_true(cmd.json);
    assert_int_equal(parse("listen hal:gpio:5", &cmd), 0);
    assert_int_equal(cmd.count, 0);
    assert_int_equal(cmd.timeout_ms, 0);
}

static void help_and_version(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("--help", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_HELP);
    assert_null(cmd.help_topic);
    assert_int_equal(parse("-h", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_HELP);
    assert_int_equal(parse("--version", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_VERSION);
    assert_int_equal(parse("-V", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_VERSION);

    assert_int_equal(parse("help", &cmd), 0);
    assert_null(cmd.help_topic);
    assert_int_equal(parse("help listen", &cmd), 0);
    assert_string_equal(cmd.help_topic, "listen");
    assert_int_equal(parse("help timer create", &cmd), 0);
    assert_string_equal(cmd.help_topic, "timer create");
    assert_int_equal(parse("help timer", &cmd), 0);
    assert_string_equal(cmd.help_topic, "timer");
    assert_int_equal(parse("timer cancel --help", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_HELP);
    assert_string_equal(cmd.help_topic, "timer cancel");
    /* --help wins over a bad argument next to it. */
    assert_int_equal(parse("listen --help", &cmd), 0);
    assert_string_equal(cmd.help_topic, "listen");
}

static void bad_command_lines(void **state)
{
    (void)state;
    expect_usage_error("", "no command given");
    expect_usage_error("frobnicate", "unknown command 'frobnicate'");
    expect_usage_error("--frobnicate", "unknown option '--frobnicate'");
    expect_usage_error("-x status", "unknown option '-x'");
    expect_usage_error("timer", "missing subcommand");
    expect_usage_error("timer start 5", "unknown command 'timer start'");
    expect_usage_error("help frobnicate", "unknown command 'frobnicate'");
    expect_usage_error("help timer create now", "too many arguments");

    expect_usage_error("timer create", "missing argument");
    expect_usage_error("timer create 12x", "invalid PERIOD_US '12x'");
    expect_usage_error("timer create -5", "negative numbers are not allowed: '-5'");
    expect_usage_error("timer create 99", "PERIOD_US '99' is out of range (100..3600000000)");
    expect_usage_error("timer create 3600000001", "out of range");
    expect_usage_error("timer create 99999999999999999999999", "out of range");
    expect_usage_error("timer create 1000 2000", "unexpected argument '2000'");
    expect_usage_error("timer create 1000 --count", "option '--count' needs a value");
    expect_usage_error("timer create 1000 --count 0", "--count '0' is out of range");
    expect_usage_error("timer create 1000 --count -1", "negative numbers are not allowed");
    expect_usage_error("timer create 1000 --count=-1", "invalid --count '-1'");
    expect_usage_error("timer create 1000 --count 1.5", "invalid --count '1.5'");
    expect_usage_error("timer create 1000 --one-shot --count 2", "--count must be 1");
    expect_usage_error("timer create 1000 --timeout 5", "'--timeout' does not apply");
    expect_usage_error("timer create 1000 --frob", "unknown option '--frob'");

    expect_usage_error("timer cancel", "missing argument");
    expect_usage_error("timer cancel 0", "ID '0' is out of range (1..32767)");
    expect_usage_error("timer cancel 32768", "out of range");
    expect_usage_error("timer cancel abc", "invalid ID 'abc'");
    expect_usage_error("timer cancel 5 --json", "'--json' does not apply");
    expect_usage_error("timer list 5", "unexpected argument '5'");

    expect_usage_error("listen", "missing argument");
    expect_usage_error("listen a b", "unexpected argument 'b'");
    expect_usage_error("listen hal:timer:1 --timeout 0", "--timeout '0' is out of range");
    expect_usage_error("listen hal:timer:1 --timeout 4294967295", "out of range");
    expect_usage_error("listen hal:timer:1 --one-shot", "'--one-shot' does not apply");
    expect_usage_error("listen "
                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                       "1 to 63 characters");
    expect_usage_error("status --count 3", "'--count' does not apply");
    expect_usage_error("status now", "unexpected argument 'now'");
}

static void gpio_commands_and_their_arguments(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("gpio get 0", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_GPIO_GET);
    assert_int_equal(cmd.pin, 0);
    assert_false(cmd.json);
    assert_int_equal(parse("gpio get 63 --json", &cmd), 0);
    assert_int_equal(cmd.pin, 63);
    assert_true(cmd.json);

    assert_int_equal(parse("gpio set 5 1", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_GPIO_SET);
    assert_int_equal(cmd.pin, 5);
    assert_int_equal(cmd.value, 1);
    assert_false(cmd.hold);
    assert_int_equal(parse("gpio set --hold 5 0", &cmd), 0);
    assert_int_equal(cmd.value, 0);
    assert_true(cmd.hold);

    assert_int_equal(parse("gpio toggle 7", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_GPIO_TOGGLE);
    assert_int_equal(cmd.pin, 7);

    assert_int_equal(parse("gpio config 9 --mode input", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_GPIO_CONFIG);
    assert_int_equal(cmd.pin, 9);
    assert_int_equal(cmd.gpio.mode, HSX_GPIO_MODE_INPUT);
    assert_int_equal(cmd.gpio.pull, HSX_GPIO_PULL_NONE);
    assert_int_equal(cmd.gpio.drive, HSX_GPIO_DRIVE_PUSH_PULL);
    assert_false(cmd.gpio.active_low);
    assert_int_equal(cmd.gpio.initial_value, 0);
    assert_int_equal(cmd.gpio.debounce_us, 0);
    assert_int_equal(cmd.gpio_options, HSXCTL_TAKES_MODE);
    assert_false(cmd.hold);

    assert_int_equal(parse("gpio config 9 --mode input --pull up --active-low --debounce 1000000 "
                           "--hold",
                           &cmd),
                     0);
    assert_int_equal(cmd.gpio.pull, HSX_GPIO_PULL_UP);
    assert_true(cmd.gpio.active_low);
    assert_int_equal(cmd.gpio.debounce_us, HSX_GPIO_DEBOUNCE_MAX_US);
    assert_true(cmd.hold);

    assert_int_equal(
        parse("gpio config 2 --mode=output --drive open-drain --initial 1 --pull down", &cmd), 0);
    assert_int_equal(cmd.gpio.mode, HSX_GPIO_MODE_OUTPUT);
    assert_int_equal(cmd.gpio.drive, HSX_GPIO_DRIVE_OPEN_DRAIN);
    assert_int_equal(cmd.gpio.initial_value, 1);
    assert_int_equal(cmd.gpio.pull, HSX_GPIO_PULL_DOWN);
    assert_int_equal(parse("gpio config 2 --mode output --drive open-source", &cmd), 0);
    assert_int_equal(cmd.gpio.drive, HSX_GPIO_DRIVE_OPEN_SOURCE);
    /* Push-pull and a 0 debounce are what an input has anyway. */
    assert_int_equal(parse("gpio config 2 --mode input --drive push-pull --debounce 0", &cmd), 0);

    assert_int_equal(parse("gpio monitor 4", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_GPIO_MONITOR);
    assert_int_equal(cmd.pin, 4);
    assert_int_equal(cmd.edge, HSX_GPIO_EDGE_BOTH); /* the default */
    assert_int_equal(cmd.gpio.mode, HSX_GPIO_MODE_INPUT);
    assert_int_equal(cmd.gpio_options, 0);
    assert_int_equal(cmd.count, 0);
    assert_int_equal(cmd.timeout_ms, 0);
    assert_int_equal(parse("gpio monitor 4 --edge falling --count 3 --timeout 250 --json --pull "
                           "up --debounce 500 --active-low",
                           &cmd),
                     0);
    assert_int_equal(cmd.edge, HSX_GPIO_EDGE_FALLING);
    assert_int_equal(cmd.count, 3);
    assert_int_equal(cmd.timeout_ms, 250);
    assert_true(cmd.json);
    assert_int_equal(cmd.gpio.pull, HSX_GPIO_PULL_UP);
    assert_int_equal(cmd.gpio.debounce_us, 500);
    assert_true(cmd.gpio.active_low);
    assert_int_equal(cmd.gpio_options,
                     HSXCTL_TAKES_PULL | HSXCTL_TAKES_DEBOUNCE | HSXCTL_TAKES_ACTIVE_LOW);
    assert_int_equal(parse("gpio monitor 4 --edge rising", &cmd), 0);
    assert_int_equal(cmd.edge, HSX_GPIO_EDGE_RISING);

    assert_int_equal(parse("gpio info", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_GPIO_INFO);
    assert_false(cmd.have_pin);
    assert_int_equal(parse("gpio info 12 --json", &cmd), 0);
    assert_true(cmd.have_pin);
    assert_int_equal(cmd.pin, 12);
    assert_true(cmd.json);

    assert_int_equal(parse("gpio map 3 gpio-sim.0-node0 17", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_GPIO_MAP);
    assert_int_equal(cmd.pin, 3);
    assert_string_equal(cmd.chip, "gpio-sim.0-node0");
    assert_int_equal(cmd.offset, 17);
    assert_int_equal(parse("gpio map 3 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 4294967295", &cmd), 0);
    assert_int_equal(strlen(cmd.chip), 31);
    assert_int_equal(cmd.offset, UINT32_MAX);
    assert_int_equal(parse("gpio unmap 63", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_GPIO_UNMAP);
    assert_int_equal(cmd.pin, 63);
}

static void bad_gpio_command_lines(void **state)
{
    (void)state;
    expect_usage_error("gpio", "missing subcommand (get, set, toggle, config, monitor, info, map");
    expect_usage_error("gpio --json", "missing subcommand");
    expect_usage_error("gpio read 1", "unknown command 'gpio read'");

    expect_usage_error("gpio get", "missing argument; usage: hsxctl gpio get PIN");
    expect_usage_error("gpio get 64", "PIN '64' is out of range (0..63)");
    expect_usage_error("gpio get -1", "negative numbers are not allowed");
    expect_usage_error("gpio get 0x1", "invalid PIN '0x1'");
    expect_usage_error("gpio get 1 2", "unexpected argument '2'");
    expect_usage_error("gpio get 1 --hold", "'--hold' does not apply");

    expect_usage_error("gpio set 1", "missing argument");
    expect_usage_error("gpio set 1 2", "VALUE '2' is out of range (0..1)");
    expect_usage_error("gpio set 1 high", "invalid VALUE 'high'");
    expect_usage_error("gpio set 1 1 0", "unexpected argument '0'");
    expect_usage_error("gpio set 1 1 --json", "'--json' does not apply");
    expect_usage_error("gpio toggle 1 --hold", "'--hold' does not apply");

    expect_usage_error("gpio config 1", "--mode is required (input or output)");
    expect_usage_error("gpio config 1 --pull up", "--mode is required");
    expect_usage_error("gpio config 1 --mode analog", "invalid --mode 'analog': expected input or "
                                                      "output");
    expect_usage_error("gpio config 1 --mode input --pull sideways",
                       "invalid --pull 'sideways': expected none, up or down");
    expect_usage_error("gpio config 1 --mode output --drive strong",
                       "expected push-pull, open-drain or open-source");
    expect_usage_error("gpio config 1 --mode input --drive open-drain", "--drive is for outputs");
    expect_usage_error("gpio config 1 --mode input --initial 1", "--initial is for outputs");
    expect_usage_error("gpio config 1 --mode input --initial 0", "--initial is for outputs");
    expect_usage_error("gpio config 1 --mode output --initial 2", "--initial '2' is out of range");
    expect_usage_error("gpio config 1 --mode output --debounce 10", "--debounce is for inputs");
    expect_usage_error("gpio config 1 --mode input --debounce 1000001",
                       "--debounce '1000001' is out of range (0..1000000)");
    expect_usage_error("gpio config 1 --mode", "option '--mode' needs a value");
    expect_usage_error("gpio config 1 --mode input --edge rising", "'--edge' does not apply");
    expect_usage_error("gpio config 1 --mode input --json", "'--json' does not apply");

    expect_usage_error("gpio monitor 1 --edge none", "invalid --edge 'none': expected rising, "
                                                     "falling or both");
    expect_usage_error("gpio monitor 1 --mode output", "'--mode' does not apply");
    expect_usage_error("gpio monitor 1 --drive open-drain", "'--drive' does not apply");
    expect_usage_error("gpio monitor 1 --initial 1", "'--initial' does not apply");
    expect_usage_error("gpio monitor 1 --count 0", "--count '0' is out of range");
    expect_usage_error("gpio monitor 1 --timeout 0", "--timeout '0' is out of range");
    expect_usage_error("gpio monitor 1 --hold", "'--hold' does not apply");
    expect_usage_error("gpio monitor", "missing argument");

    expect_usage_error("gpio info 1 2", "unexpected argument '2'");
    expect_usage_error("gpio info 99", "PIN '99' is out of range");

    expect_usage_error("gpio map 1 chip",
                       "missing argument; usage: hsxctl gpio map PIN CHIP OFFSET");
    expect_usage_error("gpio map 1 chip 4294967296", "OFFSET '4294967296' is out of range");
    expect_usage_error("gpio map 1 chip -3", "negative numbers are not allowed");
    expect_usage_error("gpio map 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1", "1 to 31 characters");
    expect_usage_error("gpio map 64 chip 1", "PIN '64' is out of range");
    expect_usage_error("gpio map 1 chip 1 2", "unexpected argument '2'");
    expect_usage_error("gpio unmap", "missing argument");
    expect_usage_error("gpio unmap 1 chip", "unexpected argument 'chip'");
}

static void gpio_help(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("help gpio", &cmd), 0);
    assert_string_equal(cmd.help_topic, "gpio");
    assert_int_equal(parse("help gpio monitor", &cmd), 0);
    assert_string_equal(cmd.help_topic, "gpio monitor");
    assert_int_equal(parse("gpio set --help", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_HELP);
    assert_string_equal(cmd.help_topic, "gpio set");
    assert_true(hsxctl_is_group("gpio"));
    assert_true(hsxctl_is_group("timer"));
    assert_false(hsxctl_is_group("gpio get"));
    assert_false(hsxctl_is_group("listen"));
    assert_null(hsxctl_find_command("gpio"));
}

static void every_command_has_help(void **state)
{
    (void)state;
    for (unsigned int i = 0; i < hsxctl_command_count; i++) {
        const struct hsxctl_command_info *info = &hsxctl_commands[i];
        assert_ptr_equal(hsxctl_find_command(info->name), info);
        assert_true(strncmp(info->synopsis, info->name, strlen(info->name)) == 0);
        assert_true(strlen(info->help) > 10);
    }
    assert_null(hsxctl_find_command("timer"));
}

/* ---- output ----------------------------------------------------------------------- */

static char out_text[4096];

static FILE *out;

static FILE *capture(void)
{
    memset(out_text, 0, sizeof(out_text));
    FILE *file = fmemopen(out_text, sizeof(out_text), "w");
    assert_non_null(file);
    return file;
}

/* Run call, which prints to out, and evaluate to what it printed. */
#define PRINTED(call) (out = capture(), (call), fclose(out), (const char *)out_text)

static const char *json_of(const char *text)
{
    return PRINTED(json_string(out, text));
}

static void json_strings_are_escaped(void **state)
{
    (void)state;
    assert_string_equal(json_of("plain"), "\"plain\"");
    assert_string_equal(json_of("a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_string_equal(json_of("line\nnext\ttab\r"), "\"line\\nnext\\ttab\\r\"");
    assert_string_equal(json_of("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
    assert_string_equal(json_of("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                        "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* Not UTF-8: a stray continuation byte, a cut sequence, an overlong slash, a surrogate. */
    assert_string_equal(json_of("a\x80z"), "\"a\\ufffdz\"");
    assert_string_equal(json_of("a\xe2\x82"), "\"a\\ufffd\\ufffd\"");
    assert_string_equal(json_of("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
    assert_string_equal(json_of("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
}

static const char *value_of(const char *text)
{
    return PRINTED(json_value(out, text));
}

static void sysfs_values_become_numbers_when_they_are(void **state)
{
    (void)state;
    assert_string_equal(value_of("42"), "42");
    assert_string_equal(value_of("-7"), "-7");
    assert_string_equal(value_of("0"), "0");
    assert_string_equal(value_of("007"), "\"007\"");
    assert_string_equal(value_of("1.5"), "\"1.5\"");
    assert_string_equal(value_of(""), "\"\"");
    assert_string_equal(value_of("-"), "\"-\"");
    assert_string_equal(value_of("0.1.0"), "\"0.1.0\"");
    assert_string_equal(value_of("18446744073709551615"), "\"18446744073709551615\"");
}

static void events_print_on_one_line(void **state)
{
    hsx_mailbox_event_t ev = {
        .type = HSX_MAILBOX_EVENT_DATA,
        .module = HSX_MAILBOX_MODULE_TIMER,
        .mailbox_id = 9,
        .seq = 12,
        .timestamp_ns = 123456789012ULL,
        .dropped = 1,
        .dropped_total = 4,
        .u.timer = {.timer_id = 3, .tick_us = 123456789, .overruns = 2, .expirations = 14},
    };
    (void)state;

    assert_string_equal(PRINTED(print_event(out, "hal:timer:3", &ev, 0)),
                        "hal:timer:3 seq=12 t=123.456789s timer=3 tick_us=123456789 "
                        "overruns=2 expirations=14 dropped=1 dropped_total=4\n");

    assert_string_equal(
        PRINTED(print_event(out, "hal:timer:3", &ev, 1)),
        "{\"mailbox\":\"hal:timer:3\",\"mailbox_id\":9,\"type\":\"data\",\"seq\":12,"
        "\"timestamp_ns\":123456789012,\"dropped\":1,\"dropped_total\":4,"
        "\"module\":\"timer\",\"timer\":{\"id\":3,\"tick_us\":123456789,"
        "\"overruns\":2,\"expirations\":14}}\n");

    ev = (hsx_mailbox_event_t){.type = HSX_MAILBOX_EVENT_CLOSED, .seq = 13, .timestamp_ns = 5};
    assert_string_equal(PRINTED(print_event(out, "hal:timer:3", &ev, 0)),
                        "hal:timer:3 seq=13 t=0.000000s closed dropped=0\n");
    (void)PRINTED(print_event(out, "hal:timer:3", &ev, 1));
    assert_non_null(strstr(out_text, "\"type\":\"closed\""));
    assert_null(strstr(out_text, "\"module\""));
}

static void capability_ends_print_decoded(void **state)
{
    hsx_mailbox_event_t ev = {
        .type = HSX_MAILBOX_EVENT_DATA,
        .module = HSX_MAILBOX_MODULE_CORE,
        .mailbox_id = 2,
        .seq = 3,
        .timestamp_ns = 7000000000ULL,
        .u.cap = {.id = 5, .object = 0x18, .module = 0x15, .reason = 1, .holder_pid = 4242},
    };
    (void)state;

    assert_string_equal(PRINTED(print_event(out, "hal:caps", &ev, 0)),
                        "hal:caps seq=3 t=7.000000s cap=5 module=gpio object=0x18 (pins 3-4) "
                        "reason=revoked holder_pid=4242 dropped=0\n");
    assert_string_equal(PRINTED(print_event(out, "hal:caps", &ev, 1)),
                        "{\"mailbox\":\"hal:caps\",\"mailbox_id\":2,\"type\":\"data\",\"seq\":3,"
                        "\"timestamp_ns\":7000000000,\"dropped\":0,\"dropped_total\":0,"
                        "\"module\":\"cap\",\"cap\":{\"id\":5,\"module\":\"gpio\",\"object\":24,"
                        "\"objects\":\"pins 3-4\",\"reason\":\"revoked\",\"reason_code\":1,"
                        "\"holder_pid\":4242}}\n");

    /* A timer's object is its quota; a reason of several words is one field. */
    ev.u.cap.id = 9;
    ev.u.cap.object = 2;
    ev.u.cap.module = 0x12;
    ev.u.cap.reason = 3;
    ev.u.cap.holder_pid = 7;
    assert_non_null(strstr(PRINTED(print_event(out, "hal:cap:9", &ev, 0)),
                           " cap=9 module=timer object=0x2 (max_timers 2) reason=holder-exited "
                           "holder_pid=7 "));
    assert_non_null(strstr(PRINTED(print_event(out, "hal:cap:9", &ev, 1)),
                           "\"reason\":\"holder exited\",\"reason_code\":3"));
    /* What this hsxctl does not know, it shows as numbers. */
    ev.u.cap.id = 1;
    ev.u.cap.object = 1;
    ev.u.cap.module = 0x16;
    ev.u.cap.reason = 9;
    assert_non_null(strstr(PRINTED(print_event(out, "hal:caps", &ev, 0)),
                           " cap=1 module=module-0x16 object=0x1 (selector ?) reason=ended(9) "));
}

/* The test module's descriptor is in test builds of hsxd only: hsxctl and the library lack it. */
static void the_test_module_is_not_in_a_release(void **state)
{
    hsx_mailbox_event_t ev = {.type = HSX_MAILBOX_EVENT_DATA, .module = HSX_MODULE_TEST};
    char buf[32];
    (void)state;

    assert_null(hsx_umod_by_id(HSX_MODULE_TEST));
    assert_null(hsx_umod_by_name("dummy"));
    assert_string_equal(capspec_module_name(buf, sizeof(buf), HSX_MODULE_TEST), "module 0x1e");
    assert_non_null(strstr(PRINTED(print_event(out, "x", &ev, 0)), " module=unknown "));
}

static void expiries_print_on_one_line(void **state)
{
    hsx_timer_event_ex_t ev = {.timer_id = 3,
                               .tick_us = 1000,
                               .overruns = 0,
                               .expirations = 1,
                               .seq = 1,
                               .timestamp_ns = 1000000};
    (void)state;

    assert_string_equal(PRINTED(print_expiry(out, 3, &ev, 0)),
                        "timer=3 seq=1 tick_us=1000 overruns=0 expirations=1 dropped=0\n");
    assert_string_equal(PRINTED(print_expiry(out, 3, &ev, 1)),
                        "{\"timer\":3,\"seq\":1,\"timestamp_ns\":1000000,\"tick_us\":1000,"
                        "\"overruns\":0,\"expirations\":1,\"dropped\":0,"
                        "\"dropped_total\":0}\n");
}

static void gpio_events_print_on_one_line(void **state)
{
    hsx_mailbox_event_t ev = {
        .type = HSX_MAILBOX_EVENT_DATA,
        .module = HSX_MAILBOX_MODULE_GPIO,
        .mailbox_id = 4,
        .seq = 7,
        .timestamp_ns = 5000001000ULL,
        .u.gpio = {.pin = 5,
                   .edge = HSX_GPIO_EDGE_FALLING,
                   .value = 0,
                   .timestamp_ns = 5000000123ULL,
                   .line_seq = 6},
    };
    (void)state;

    assert_string_equal(PRINTED(print_event(out, "hal:gpio:5", &ev, 0)),
                        "hal:gpio:5 seq=7 t=5.000001s pin=5 falling value=0 "
                        "edge_t=5.000000123s line_seq=6 dropped=0\n");

    assert_string_equal(PRINTED(print_event(out, "hal:gpio:5", &ev, 1)),
                        "{\"mailbox\":\"hal:gpio:5\",\"mailbox_id\":4,\"type\":\"data\",\"seq\":7,"
                        "\"timestamp_ns\":5000001000,\"dropped\":0,\"dropped_total\":0,"
                        "\"module\":\"gpio\",\"gpio\":{\"pin\":5,\"edge\":\"falling\",\"value\":0,"
                        "\"timestamp_ns\":5000000123,\"line_seq\":6}}\n");
}

static void edges_print_like_gpiomon(void **state)
{
    hsx_gpio_event_ex_t ev = {
        .pin = 12,
        .edge = HSX_GPIO_EDGE_RISING,
        .value = 1,
        .timestamp_ns = 123000000045ULL,
        .line_seq = 9,
        .seq = 10,
        .dropped = 1,
        .dropped_total = 3,
    };
    (void)state;

    assert_string_equal(PRINTED(print_edge(out, &ev, 0)),
                        "123.000000045 pin=12 rising value=1 seq=10 line_seq=9 "
                        "dropped=1 dropped_total=3\n");

    assert_string_equal(PRINTED(print_edge(out, &ev, 1)),
                        "{\"timestamp_ns\":123000000045,\"pin\":12,\"edge\":\"rising\","
                        "\"value\":1,\"seq\":10,\"line_seq\":9,\"dropped\":1,"
                        "\"dropped_total\":3}\n");

    ev.dropped = ev.dropped_total = 0;
    ev.edge = HSX_GPIO_EDGE_FALLING;
    ev.value = 0;
    assert_string_equal(PRINTED(print_edge(out, &ev, 0)),
                        "123.000000045 pin=12 falling value=0 seq=10 line_seq=9 "
                        "dropped=0\n");

    assert_string_equal(edge_name(HSX_GPIO_EDGE_NONE), "none");
    assert_string_equal(edge_name(HSX_GPIO_EDGE_BOTH), "both");
    assert_string_equal(edge_name(99), "?");
}

static void pin_info_prints_on_one_line(void **state)
{
    hsx_gpio_info_t info = {.pin = 3, .mapped = true, .offset = 17};
    (void)state;

    snprintf(info.chip, sizeof(info.chip), "gpio-sim.0-node0");
    snprintf(info.name, sizeof(info.name), "led \"a\"\n");
    assert_string_equal(PRINTED(print_pin_info(out, &info, 0)),
                        "pin=3 chip=gpio-sim.0-node0 offset=17 name=led \"a\" \n");
    assert_string_equal(PRINTED(print_pin_info(out, &info, 1)),
                        "{\"pin\":3,\"mapped\":true,\"chip\":\"gpio-sim.0-node0\","
                        "\"offset\":17,\"name\":\"led \\\"a\\\"\\n\"}");

    info.name[0] = '\0';
    assert_string_equal(PRINTED(print_pin_info(out, &info, 0)),
                        "pin=3 chip=gpio-sim.0-node0 offset=17 name=-\n");

    info = (hsx_gpio_info_t){.pin = 8};
    assert_string_equal(PRINTED(print_pin_info(out, &info, 0)), "pin=8 unmapped\n");
    assert_string_equal(PRINTED(print_pin_info(out, &info, 1)), "{\"pin\":8,\"mapped\":false}");
}

static void kernel_text_stays_on_one_line(void **state)
{
    (void)state;
    assert_string_equal(PRINTED(print_text(out, "a\nb\tc\x01\x7f")), "a b c??");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_are_parsed_strictly),
        cmocka_unit_test(commands_and_their_arguments),
        cmocka_unit_test(help_and_version),
        cmocka_unit_test(bad_command_lines),
        cmocka_unit_test(gpio_commands_and_their_arguments),
        cmocka_unit_test(bad_gpio_command_lines),
        cmocka_unit_test(gpio_help),
        cmocka_unit_test(every_command_has_help),
        cmocka_unit_test(json_strings_are_escaped),
        cmocka_unit_test(sysfs_values_become_numbers_when_they_are),
        cmocka_unit_test(events_print_on_one_line),
        cmocka_unit_test(capability_ends_print_decoded),
        cmocka_unit_test(the_test_module_is_not_in_a_release),
        cmocka_unit_test(expiries_print_on_one_line),
        cmocka_unit_test(gpio_events_print_on_one_line),
        cmocka_unit_test(edges_print_like_gpiomon),
        cmocka_unit_test(pin_info_prints_on_one_line),
        cmocka_unit_test(kernel_text_stays_on_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
