// SPDX-License-Identifier: MIT
/*
 * hsxctl's can commands without a kernel: their command lines (frames as
 * cansend writes them), checked before anything is done, and how buses and
 * their frames are shown.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/hsxctl/can_print.c"
#include "../../tools/hsxctl/cli.c"
#include "../../tools/hsxctl/cli_can.c"
#include "../../tools/hsxctl/cli_fram.c"
#include "../../tools/hsxctl/output.c"

#include "hsxctl_parse.h"

static void map_and_unmap(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("can map 0 can0", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_CAN_MAP);
    assert_int_equal(cmd.bus, 0);
    assert_string_equal(cmd.ifname, "can0");
    assert_int_equal(parse("can map 15 vcan-test_1.x", &cmd), 0);
    assert_int_equal(cmd.bus, 15);
    assert_int_equal(parse("can map 1 aaaaaaaaaaaaaaa", &cmd), 0); /* 15: IFNAMSIZ - 1 */
    /* An empty IFNAME unbinds (the parse() helper cannot pass an empty word). */
    char *argv[] = {"hsxctl", "can", "map", "4", ""};
    assert_int_equal(hsxctl_parse(5, argv, &cmd, stderr), 0);
    assert_string_equal(cmd.ifname, "");
    assert_int_equal(parse("can unmap 7", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_CAN_UNMAP);
    assert_int_equal(cmd.bus, 7);

    expect_usage_error("can map 16 can0", "BUS '16' is out of range (0..15)");
    expect_usage_error("can map x can0", "invalid BUS 'x'");
    expect_usage_error("can map 0", "missing argument; usage: hsxctl can map BUS IFNAME");
    expect_usage_error("can map 0 aaaaaaaaaaaaaaaa", "invalid IFNAME");
    expect_usage_error("can map 0 net/can0", "without '/', ':' or blanks");
    expect_usage_error("can map 0 can0:1", "invalid IFNAME 'can0:1'");
    expect_usage_error("can map 0 ..", "invalid IFNAME '..'");
    expect_usage_error("can unmap", "missing argument");
    expect_usage_error("can",
                       "missing subcommand (map, unmap, send, dump, status, config or info)");
    expect_usage_error("can frob", "unknown command 'can frob'");
}

static void frames_are_written_as_cansend_takes_them(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("can send 0 123#DEADBEEF", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_CAN_SEND);
    assert_int_equal(cmd.frame.can_id, 0x123);
    assert_int_equal(cmd.frame.flags, 0);
    assert_int_equal(cmd.frame.len, 4);
    assert_memory_equal(cmd.frame.data, "\xde\xad\xbe\xef", 4);
    assert_int_equal(cmd.timeout_ms, 0);

    assert_int_equal(parse("can send 2 1F334455#11.22.33 --timeout 250", &cmd), 0);
    assert_int_equal(cmd.bus, 2);
    assert_int_equal(cmd.frame.can_id, 0x1f334455);
    assert_int_equal(cmd.frame.flags, HSX_CAN_EXT_FRAME);
    assert_int_equal(cmd.frame.len, 3);
    assert_int_equal(cmd.timeout_ms, 250);
    /* Three digits are a standard ID, eight an extended one, whatever their value. */
    assert_int_equal(parse("can send 0 00000123#", &cmd), 0);
    assert_int_equal(cmd.frame.flags, HSX_CAN_EXT_FRAME);
    assert_int_equal(cmd.frame.len, 0);
    assert_int_equal(parse("can send 0 7ff#0011223344556677", &cmd), 0);
    assert_int_equal(cmd.frame.len, 8);

    assert_int_equal(parse("can send 0 123#R", &cmd), 0);
    assert_int_equal(cmd.frame.flags, HSX_CAN_RTR_FRAME);
    assert_int_equal(cmd.frame.len, 0);
    assert_int_equal(parse("can send 0 12345678#r8", &cmd), 0);
    assert_int_equal(cmd.frame.flags, HSX_CAN_RTR_FRAME | HSX_CAN_EXT_FRAME);
    assert_int_equal(cmd.frame.len, 8);

    assert_int_equal(parse("can send 0 123##1DEADBEEF", &cmd), 0);
    assert_int_equal(cmd.frame.flags, HSX_CAN_FD_FRAME | HSX_CAN_BRS_FRAME);
    assert_int_equal(cmd.frame.len, 4);
    assert_int_equal(parse("can send 0 123##0000102030405060708090a0b", &cmd), 0);
    assert_int_equal(cmd.frame.flags, HSX_CAN_FD_FRAME);
    assert_int_equal(cmd.frame.len, 12);
    assert_int_equal(cmd.frame.data[11], 0x0b);

    expect_usage_error("can send 0 123", "write ID#DATA (123#DEADBEEF, 123#R, 123##1DEADBEEF)");
    expect_usage_error("can send 0 12#00", "an ID is 3 hex digits (standard: 123) or 8");
    expect_usage_error("can send 0 1234#00", "an ID is 3 hex digits");
    expect_usage_error("can send 0 12g#00", "an ID is 3 hex digits");
    expect_usage_error("can send 0 800#00", "a standard ID is at most 7FF");
    expect_usage_error("can send 0 20000000#00", "an extended ID is at most 1FFFFFFF");
    expect_usage_error("can send 0 123#001122334455667788",
                       "a classic frame has at most 8 bytes (## sends CAN FD)");
    expect_usage_error("can send 0 123#0", "the data is pairs of hex digits");
    expect_usage_error("can send 0 123#00..11", "the data is pairs of hex digits");
    expect_usage_error("can send 0 123#.00", "the data is pairs of hex digits");
    expect_usage_error("can send 0 123#R9", "a remote request is ID#R");
    expect_usage_error("can send 0 123#R44", "a remote request is ID#R");
    expect_usage_error("can send 0 123##2", "a CAN FD frame is ID##F with F its flags");
    expect_usage_error("can send 0 123##", "a CAN FD frame is ID##F");
    expect_usage_error("can send 0 123##0000102030405060708",
                       "a CAN FD frame has 0 to 8, 12, 16, 20, 24, 32, 48 or 64 bytes");
    expect_usage_error("can send 0 123#00 --timeout 600001", "--timeout '600001' is out of range");
    expect_usage_error("can send 0", "missing argument");
    expect_usage_error("can send 0 123#00 --json", "'--json' does not apply");
}

static void dump_status_config_and_info(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("can dump", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_CAN_DUMP);
    assert_false(cmd.have_bus);
    assert_int_equal(parse("can dump 3 --count 5 --timeout 100 --json", &cmd), 0);
    assert_true(cmd.have_bus);
    assert_int_equal(cmd.bus, 3);
    assert_int_equal(cmd.count, 5);
    assert_true(cmd.json);
    assert_int_equal(parse("can status", &cmd), 0);
    assert_false(cmd.have_bus);
    assert_int_equal(parse("can status 15 --json", &cmd), 0);
    assert_int_equal(cmd.bus, 15);
    assert_int_equal(parse("can info --json", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_CAN_INFO);

    assert_int_equal(parse("can config 0 500000", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_CAN_CONFIG);
    assert_int_equal(cmd.bitrate, 500000);
    assert_int_equal(cmd.can_mode, 0);
    assert_int_equal(
        parse("can config 1 1000000 fd loopback listen-only --data-bitrate 5000000", &cmd), 0);
    assert_int_equal(cmd.can_mode,
                     HSX_CAN_MODE_FD | HSX_CAN_MODE_LOOPBACK | HSX_CAN_MODE_LISTEN_ONLY);
    assert_int_equal(cmd.data_bitrate, 5000000);
    assert_int_equal(parse("can config 1 0", &cmd), 0); /* any bitrate */
    assert_false(cmd.have_restart_ms);
    assert_int_equal(parse("can config 1 0 --restart-ms 100", &cmd), 0);
    assert_true(cmd.have_restart_ms);
    assert_int_equal(cmd.restart_ms, 100);
    assert_int_equal(parse("can config 1 0 --restart-ms 0", &cmd), 0); /* off */
    assert_true(cmd.have_restart_ms);
    assert_int_equal(cmd.restart_ms, 0);
    assert_int_equal(parse("can restart 2", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_CAN_RESTART);
    assert_int_equal(cmd.bus, 2);

    expect_usage_error("can dump 16", "BUS '16' is out of range");
    expect_usage_error("can dump 1 2", "unexpected argument '2'");
    expect_usage_error("can info 0", "unexpected argument '0'");
    expect_usage_error("can config 0", "missing argument");
    expect_usage_error("can config 0 8000001", "BITRATE '8000001' is out of range (0..8000000)");
    expect_usage_error("can config 0 500000 turbo", "unknown mode 'turbo'");
    expect_usage_error("can config 0 500000 fd fd", "mode 'fd' is given twice");
    expect_usage_error("can config 0 500000 --data-bitrate 2000000",
                       "--data-bitrate is CAN FD's data phase: give the mode fd too");
    expect_usage_error("can config 0 500000 fd loopback listen-only fd", "unexpected argument");
    expect_usage_error("can status 0 --count 1", "'--count' does not apply");
    expect_usage_error("can config 0 0 --restart-ms 3600001",
                       "--restart-ms '3600001' is out of range (0..3600000)");
    expect_usage_error("can config 0 0 --restart-ms -1", "negative numbers are not allowed");
    expect_usage_error("can restart", "missing argument");
    expect_usage_error("can restart 16", "BUS '16' is out of range");
    expect_usage_error("can restart 0 1", "unexpected argument '1'");
    expect_usage_error("can restart 0 --restart-ms 5", "'--restart-ms' does not apply");
}

/* A CAN selector is one argument, quoted in a shell. */
static void cap_grant_takes_a_can_selector(void **state)
{
    struct hsxctl_cmdline cmd;
    char *argv[] = {"hsxctl",
                    "cap",
                    "grant",
                    "--uid",
                    "1000",
                    "can",
                    "read,write,config",
                    "0-1 tx 0x100-0x1ff rx std"};
    (void)state;

    assert_int_equal(hsxctl_parse(8, argv, &cmd, stderr), 0);
    assert_int_equal(cmd.module, HSX_MODULE_CAN);
    assert_int_equal(cmd.rights, HSX_CAP_R_READ | HSX_CAP_R_WRITE | HSX_CAP_R_CAN_CONFIG);
    assert_int_equal(cmd.sel.can.buses, 3);
    assert_int_equal(cmd.sel.can.tx_first, 0x100);
    assert_int_equal(cmd.sel.can.rx_last, 0x7ff);
    expect_usage_error("cap grant --uid 1 can read 0x100",
                       "invalid SELECTOR: '0x100' is not a bus");
    expect_usage_error("cap grant --uid 1 can irq 0", "'irq' is not a right of can");
}

/* Print into a buffer. */
static char printed[2048];

static FILE *capture(void)
{
    memset(printed, 0, sizeof(printed));
    FILE *f = fmemopen(printed, sizeof(printed), "w");
    assert_non_null(f);
    return f;
}

static void frames_print_as_candump(void **state)
{
    hsx_can_event_t ev = {
        .bus = 1,
        .timestamp_ns = 12345,
        .seq = 7,
        .lost = 2,
        .frame = {.can_id = 0x123,
                  .len = 4,
                  .flags = HSX_CAN_LOCAL_FRAME,
                  .data = {0xde, 0xad, 0xbe, 0xef}},
    };
    (void)state;

    FILE *out = capture();
    print_can_frame(out, "can0", 5, &ev, 0);
    ev.frame = (hsx_can_fd_frame_t){
        .can_id = 0x1abcdef0, .len = 2, .flags = HSX_CAN_EXT_FRAME | HSX_CAN_RTR_FRAME};
    print_can_frame(out, "vcan0", 5, &ev, 0);
    ev.frame = (hsx_can_fd_frame_t){.can_id = 0x7, .len = 12, .flags = HSX_CAN_FD_FRAME};
    print_can_frame(out, "vcan0", 5, &ev, 0);
    fclose(out);
    assert_string_equal(printed, "   can0  123   [4]  DE AD BE EF\n"
                                 "  vcan0  1ABCDEF0   [2]  remote request\n"
                                 "  vcan0  007  [12]  00 00 00 00 00 00 00 00 00 00 00 00\n");

    out = capture();
    ev.frame = (hsx_can_fd_frame_t){
        .can_id = 0x123, .len = 2, .flags = HSX_CAN_LOCAL_FRAME, .data = {1, 0xff}};
    print_can_frame(out, "can\"0", 0, &ev, 1);
    fclose(out);
    assert_string_equal(printed, "{\"bus\":1,\"ifname\":\"can\\\"0\",\"timestamp_ns\":12345,"
                                 "\"seq\":7,\"lost\":2,\"id\":291,\"flags\":\"local\",\"len\":2,"
                                 "\"data\":\"01ff\"}\n");
}

static void buses_print_their_status_and_binding(void **state)
{
    hsx_can_info_t info = {.bus = 3, .bound = true, .fd = true, .ifindex = 9, .ifname = "can1"};
    hsx_can_status_t st = {
        .status = HSX_CAN_STATUS_UP | HSX_CAN_STATUS_FD,
        .state = HSX_CAN_STATE_WARNING,
        .tx_errors = 96,
        .rx_errors = 1,
        .bitrate = 500000,
        .data_bitrate = 2000000,
        .mode = HSX_CAN_MODE_FD,
        .rx_frames = 10,
        .tx_frames = 11,
        .tx_failed = 1,
        .error_frames = 4,
        .bus_off = 0,
    };
    (void)state;

    FILE *out = capture();
    print_can_status(out, &info, &st, 0);
    fclose(out);
    assert_string_equal(printed, "bus 3: can1 (bound by map)\n"
                                 "  state            error-warning\n"
                                 "  status           up fd\n"
                                 "  error counters   tx 96 rx 1\n"
                                 "  bitrate          500000\n"
                                 "  data_bitrate     2000000\n"
                                 "  modes            fd\n"
                                 "  rx_frames        10\n"
                                 "  tx_frames        11\n"
                                 "  tx_failed        1\n"
                                 "  error_frames     4\n"
                                 "  bus_off          0\n");
    out = capture();
    print_can_status(out, &info, &st, 1);
    print_can_status(out, &(hsx_can_info_t){.bus = 4}, NULL, 1);
    print_can_status(out, &(hsx_can_info_t){.bus = 4}, NULL, 0);
    fclose(out);
    assert_string_equal(
        printed, "{\"bus\":3,\"bound\":true,\"ifname\":\"can1\",\"source\":\"map\",\"state\":"
                 "\"error-warning\",\"status\":[\"up\",\"fd\"],\"tx_errors\":96,\"rx_errors\":1,"
                 "\"bitrate\":500000,\"data_bitrate\":2000000,\"modes\":\"fd\",\"rx_frames\":"
                 "10,\"tx_frames\":11,\"tx_failed\":1,\"error_frames\":4,\"bus_off\":0}"
                 "{\"bus\":4,\"bound\":false}bus 4: not bound\n");

    info.from_device_tree = true;
    out = capture();
    print_can_info(out, &info, 0);
    print_can_info(out, &info, 1);
    fclose(out);
    assert_string_equal(printed, "3    can1             9        devicetree fd\n"
                                 "{\"bus\":3,\"ifname\":\"can1\",\"ifindex\":9,\"source\":"
                                 "\"devicetree\",\"fd\":true}");

    char mode_text[48];
    assert_string_equal(hsxctl_can_modes(mode_text, sizeof(mode_text), 0), "-");
    assert_string_equal(hsxctl_can_modes(mode_text, sizeof(mode_text), 7),
                        "loopback,listen-only,fd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_and_unmap),
        cmocka_unit_test(frames_are_written_as_cansend_takes_them),
        cmocka_unit_test(dump_status_config_and_info),
        cmocka_unit_test(cap_grant_takes_a_can_selector),
        cmocka_unit_test(frames_print_as_candump),
        cmocka_unit_test(buses_print_their_status_and_binding),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
