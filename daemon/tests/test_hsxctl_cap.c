// SPDX-License-Identifier: MIT
/*
 * hsxctl's cap commands without hsxd: their command lines, checked before
 * anything is sent, and how a list is shown.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/hsxctl/cap_print.c"
#include "../../tools/hsxctl/cli.c"
#include "../../tools/hsxctl/cli_can.c"
#include "../../tools/hsxctl/cli_fram.c"
#include "../../tools/hsxctl/output.c"

#include "../../lib/tests/hsxctl_parse.h"

static void list(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("cap list", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_CAP_LIST);
    assert_false(cmd.json);
    assert_int_equal(parse("cap list --json", &cmd), 0);
    assert_true(cmd.json);
    expect_usage_error("cap list 5", "unexpected argument '5'");
    expect_usage_error("cap list --uid 5", "option '--uid' does not apply");
    expect_usage_error("cap", "missing subcommand (list, grant or revoke)");
    expect_usage_error("cap frob", "unknown command 'cap frob'");
}

static void grant(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("cap grant --uid 1000 gpio read,write 17,20-23", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_CAP_GRANT);
    assert_int_equal(cmd.uid, 1000);
    assert_int_equal(cmd.module, HSX_MODULE_GPIO);
    assert_int_equal(cmd.rights, HSX_CAP_R_READ | HSX_CAP_R_WRITE);
    assert_true(cmd.sel.gpio.pins == ((UINT64_C(1) << 17) | (UINT64_C(0xf) << 20)));
    assert_int_equal(cmd.lifetime_s, 3600);

    assert_int_equal(parse("cap grant timer read 4 --uid 0 --for 15m", &cmd), 0);
    assert_int_equal(cmd.uid, 0);
    assert_int_equal(cmd.module, HSX_MODULE_TIMER);
    assert_int_equal(cmd.sel.timer.max_timers, 4);
    assert_int_equal(cmd.lifetime_s, 900);

    expect_usage_error("cap grant gpio read 1", "--uid is required");
    expect_usage_error("cap grant --uid 1000 gpio read", "missing argument");
    expect_usage_error("cap grant --uid -1 gpio read 1", "negative numbers are not allowed");
    expect_usage_error("cap grant --uid 4294967295 gpio read 1", "out of range");
    expect_usage_error("cap grant --uid x gpio read 1", "invalid --uid 'x'");
    expect_usage_error("cap grant --uid 1 frob read 1", "unknown module 'frob'");
    expect_usage_error("cap grant --uid 1 fs read 32", "root 32 is out of range 0..31");
    expect_usage_error("cap grant --uid 1 gpio read,admin 1", "never granted");
    expect_usage_error("cap grant --uid 1 timer irq 1", "'irq' is not a right of timer");
    expect_usage_error("cap grant --uid 1 gpio read 64", "pin 64 is out of range 0..63");
    expect_usage_error("cap grant --uid 1 gpio read 9-3", "range 9-3 is reversed");
    expect_usage_error("cap grant --uid 1 timer read 65", "65 timers is out of range 1..64");
    expect_usage_error("cap grant --uid 1 gpio read 1 --for 0", "--for '0' is out of range");
    expect_usage_error("cap grant --uid 1 gpio read 1 --for 31d", "out of range (1s..30d)");
    expect_usage_error("cap grant --uid 1 gpio read 1 --for 1w", "invalid --for '1w'");
    expect_usage_error("cap grant --uid 1 gpio read 1 --for h", "invalid --for 'h'");
}

static void durations(void **state)
{
    uint32_t s = 0;
    (void)state;

    assert_int_equal(hsxctl_parse_duration("90", 1000000, &s), 0);
    assert_int_equal(s, 90);
    assert_int_equal(hsxctl_parse_duration("90s", 1000000, &s), 0);
    assert_int_equal(s, 90);
    assert_int_equal(hsxctl_parse_duration("2m", 1000000, &s), 0);
    assert_int_equal(s, 120);
    assert_int_equal(hsxctl_parse_duration("2h", 1000000, &s), 0);
    assert_int_equal(s, 7200);
    assert_int_equal(hsxctl_parse_duration("1d", 86400, &s), 0);
    assert_int_equal(s, 86400);
    assert_int_equal(hsxctl_parse_duration("2d", 86400, &s), -ERANGE);
    assert_int_equal(hsxctl_parse_duration("0s", 86400, &s), -ERANGE);
    assert_int_equal(hsxctl_parse_duration("", 86400, &s), -EINVAL);
    assert_int_equal(hsxctl_parse_duration("s", 86400, &s), -EINVAL);
    assert_int_equal(hsxctl_parse_duration("-1", 86400, &s), -EINVAL);
    assert_int_equal(hsxctl_parse_duration("1.5h", 86400, &s), -EINVAL);
    assert_int_equal(hsxctl_parse_duration("99999999999999999999999d", 86400, &s), -EINVAL);
    assert_int_equal(hsxctl_parse_duration("9999999999999d", 86400, &s), -ERANGE);
}

static void revoke(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("cap revoke 12", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_CAP_REVOKE);
    assert_int_equal(cmd.cap_id, 12);
    assert_false(cmd.cap_options & HSXCTL_TAKES_PID);
    assert_int_equal(parse("cap revoke --pid 4242", &cmd), 0);
    assert_true(cmd.cap_options & HSXCTL_TAKES_PID);
    assert_int_equal(cmd.pid, 4242);

    expect_usage_error("cap revoke", "give a capability ID or --pid PID");
    expect_usage_error("cap revoke 3 --pid 4", "not both");
    expect_usage_error("cap revoke 0", "ID '0' is out of range");
    expect_usage_error("cap revoke --pid 0", "out of range");
    expect_usage_error("cap revoke --pid", "option '--pid' needs a value");
    expect_usage_error("cap revoke 1 2", "unexpected argument '2'");
    expect_usage_error("cap revoke x", "invalid ID 'x'");
}

static void help(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("help cap", &cmd), 0);
    assert_string_equal(cmd.help_topic, "cap");
    assert_int_equal(parse("help cap grant", &cmd), 0);
    assert_string_equal(cmd.help_topic, "cap grant");
    assert_int_equal(parse("cap revoke --help", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_HELP);
}

static char out_text[4096];

static const char *printed(const struct cap_row *rows, size_t count, int json)
{
    memset(out_text, 0, sizeof(out_text));
    FILE *out = fmemopen(out_text, sizeof(out_text), "w");
    assert_non_null(out);
    print_caps(out, rows, count, 100 * 1000000000ull, json);
    fclose(out);
    return out_text;
}

static void listing_output(void **state)
{
    struct cap_row rows[2] = {
        {.info = {.id = 3,
                  .module = HSX_MODULE_GPIO,
                  .rights = HSX_CAP_R_READ | HSX_CAP_R_GPIO_IRQ,
                  .sel.gpio.pins = 0x30,
                  .expiry_ns = 700 * 1000000000ull,
                  .holder_pid = 4242},
         .exe = "/usr/bin/app"},
        {.info = {.id = 4,
                  .parent_id = 3,
                  .depth = 1,
                  .module = HSX_MODULE_TIMER,
                  .rights = HSX_CAP_R_READ,
                  .sel.timer.max_timers = 2,
                  .expiry_ns = 100 * 1000000000ull - 1,
                  .holder_pid = 77},
         .exe = "\"odd\"\n\x1b[2J\xff"},
    };
    (void)state;

    assert_string_equal(printed(rows, 0, 0), "no live capabilities\n");
    assert_string_equal(printed(rows, 0, 1), "[]\n");

    const char *text = printed(rows, 2, 0);
    assert_non_null(strstr(text, "ID     PID     MODULE RIGHTS"));
    assert_non_null(strstr(text, "3      4242    gpio   read,irq             pins 4-5"));
    assert_non_null(strstr(text, "600s -      /usr/bin/app\n"));
    assert_non_null(strstr(text, "4      77      timer  read                 max_timers 2"));
    assert_non_null(strstr(text, "0s 3      \"odd\"\\n\\x1b[2J\\xff\n"));

    assert_string_equal(
        printed(rows, 2, 1),
        "[{\"id\":3,\"parent_id\":0,\"depth\":0,\"module\":\"gpio\",\"rights\":[\"read\",\"irq\"],"
        "\"pins\":[4,5],\"expiry_ns\":700000000000,\"expires_in_s\":600,\"holder_pid\":4242,"
        "\"exe\":\"/usr/bin/app\"},"
        "{\"id\":4,\"parent_id\":3,\"depth\":1,\"module\":\"timer\",\"rights\":[\"read\"],"
        "\"max_timers\":2,\"expiry_ns\":99999999999,\"expires_in_s\":0,\"holder_pid\":77,"
        "\"exe\":\"\\\"odd\\\"\\n\\u001b[2J\\ufffd\"}]\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list),   cmocka_unit_test(grant), cmocka_unit_test(durations),
        cmocka_unit_test(revoke), cmocka_unit_test(help),  cmocka_unit_test(listing_output),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
