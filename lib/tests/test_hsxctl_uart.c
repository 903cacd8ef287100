// SPDX-License-Identifier: MIT
/*
 * hsxctl's uart commands without a kernel: their command lines, checked
 * before anything is done, and how ports and their events are shown.
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
#include "../../tools/hsxctl/uart_print.c"
#include "../../tools/hsxctl/uart_rs485.c"

#include "hsxctl_parse.h"

static void map_and_unmap(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("uart map 0 ttyS2", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_UART_MAP);
    assert_int_equal(cmd.port, 0);
    assert_string_equal(cmd.tty, "ttyS2");
    assert_int_equal(parse("uart map 15 /dev/ttyUSB0", &cmd), 0);
    assert_int_equal(cmd.port, 15);
    assert_string_equal(cmd.tty, "ttyUSB0");
    assert_int_equal(parse("uart map 3 tty_AMA-0.1", &cmd), 0);
    assert_string_equal(cmd.tty, "tty_AMA-0.1");
    assert_int_equal(parse("uart map 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &cmd), 0);
    assert_int_equal(strlen(cmd.tty), HSX_UART_TTY_NAME_MAX - 1);

    /* An empty TTY unbinds (the parse() helper cannot pass an empty word). */
    char *argv[] = {"hsxctl", "uart", "map", "4", ""};
    assert_int_equal(hsxctl_parse(5, argv, &cmd, stderr), 0);
    assert_int_equal(cmd.command, HSXCTL_UART_MAP);
    assert_int_equal(cmd.port, 4);
    assert_string_equal(cmd.tty, "");

    assert_int_equal(parse("uart unmap 7", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_UART_UNMAP);
    assert_int_equal(cmd.port, 7);

    expect_usage_error("uart map 16 ttyS1", "PORT '16' is out of range (0..15)");
    expect_usage_error("uart map -1 ttyS1", "negative numbers are not allowed");
    expect_usage_error("uart map one ttyS1", "invalid PORT 'one'");
    expect_usage_error("uart map 0", "missing argument; usage: hsxctl uart map PORT TTY");
    expect_usage_error("uart map 0 ttyS1 ttyS2", "unexpected argument 'ttyS2'");
    expect_usage_error("uart map 0 ../null", "invalid TTY '../null'");
    expect_usage_error("uart map 0 /dev/", "invalid TTY '/dev/'");
    expect_usage_error("uart map 0 tty/S1", "invalid TTY");
    expect_usage_error("uart map 0 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1 to 31 letters");
    expect_usage_error("uart map 0 ttyS1 --json", "'--json' does not apply");
    expect_usage_error("uart unmap", "missing argument");
    expect_usage_error("uart unmap 16", "out of range");
    expect_usage_error("uart unmap 1 ttyS1", "unexpected argument 'ttyS1'");
}

static void map_rs485(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("uart map 0 ttyS1", &cmd), 0);
    assert_false(cmd.rs485.enable);
    /* RTS high while sending unless asked otherwise, the receiver off, no delays. */
    assert_int_equal(parse("uart map 0 ttyS1 --rs485", &cmd), 0);
    assert_true(cmd.rs485.enable);
    assert_int_equal(cmd.rs485.flags, SER_RS485_RTS_ON_SEND);
    assert_int_equal(cmd.rs485.delay_before, 0);
    assert_int_equal(cmd.rs485.delay_after, 0);
    assert_int_equal(parse("uart map 2 /dev/ttyAMA0 --rs485 --rts-after-send --delay-before-ms 2 "
                           "--delay-after-ms 1000 --rx-during-tx",
                           &cmd),
                     0);
    assert_string_equal(cmd.tty, "ttyAMA0");
    assert_int_equal(cmd.rs485.flags, SER_RS485_RTS_AFTER_SEND | SER_RS485_RX_DURING_TX);
    assert_int_equal(cmd.rs485.delay_before, 2);
    assert_int_equal(cmd.rs485.delay_after, 1000);
    assert_int_equal(parse("uart map 0 ttyS1 --rts-on-send --rs485", &cmd), 0);
    assert_int_equal(cmd.rs485.flags, SER_RS485_RTS_ON_SEND);

    expect_usage_error("uart map 0 ttyS1 --rts-on-send", "the RS-485 options need --rs485");
    expect_usage_error("uart map 0 ttyS1 --delay-after-ms 0", "the RS-485 options need --rs485");
    expect_usage_error("uart map 0 ttyS1 --rs485 --rts-on-send --rts-after-send", "not both");
    expect_usage_error("uart map 0 ttyS1 --rs485 --delay-before-ms 1001", "out of range (0..1000)");
    expect_usage_error("uart map 0 ttyS1 --rs485 --delay-after-ms x", "invalid --delay-after-ms");
    expect_usage_error("uart unmap 0 --rs485", "'--rs485' does not apply");
    expect_usage_error("uart config 0 --rs485", "'--rs485' does not apply");
    char *argv[] = {"hsxctl", "uart", "map", "4", "", "--rs485"};
    FILE *err = tmpfile();
    assert_non_null(err);
    assert_int_equal(hsxctl_parse(6, argv, &cmd, err), HSXCTL_EXIT_USAGE);
    fclose(err);
}

static void rs485_prints_on_one_line(void **state)
{
    char buf[256];
    FILE *out = fmemopen(buf, sizeof(buf), "w");
    (void)state;

    assert_non_null(out);
    hsxctl_print_rs485(out, "ttyS1",
                       &(struct serial_rs485){.flags = SER_RS485_ENABLED | SER_RS485_RTS_AFTER_SEND,
                                              .delay_rts_before_send = 2,
                                              .delay_rts_after_send = 100});
    hsxctl_print_rs485(out, "ttyAMA0",
                       &(struct serial_rs485){.flags = SER_RS485_ENABLED | SER_RS485_RTS_ON_SEND |
                                                       SER_RS485_RX_DURING_TX |
                                                       SER_RS485_TERMINATE_BUS});
    hsxctl_print_rs485(out, "ttyS2", &(struct serial_rs485){.flags = 0});
    fclose(out);
    assert_string_equal(buf, "ttyS1 rs485=on rts=after-send delay_before_ms=2 delay_after_ms=100 "
                             "rx_during_tx=no\n"
                             "ttyAMA0 rs485=on rts=on-send delay_before_ms=0 delay_after_ms=0 "
                             "rx_during_tx=yes terminate_bus=yes\n"
                             "ttyS2 rs485=off\n");
}

static void config(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("uart config 2", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_UART_CONFIG);
    assert_int_equal(cmd.port, 2);
    assert_int_equal(cmd.uart_options, 0); /* show */
    assert_false(cmd.json);

    assert_int_equal(parse("uart config 2 --baud 9600", &cmd), 0);
    assert_int_equal(cmd.uart_options, HSXCTL_TAKES_BAUD);
    assert_int_equal(cmd.uart.baud, 9600);

    assert_int_equal(parse("uart config 1 --baud=16000000 --data 5 --parity space --stop 2 "
                           "--flow xonxoff --json",
                           &cmd),
                     0);
    assert_int_equal(cmd.uart_options, HSXCTL_TAKES_UART_CONFIG);
    assert_int_equal(cmd.uart.baud, HSX_UART_BAUD_MAX);
    assert_int_equal(cmd.uart.data_bits, 5);
    assert_int_equal(cmd.uart.parity, HSX_UART_PARITY_SPACE);
    assert_int_equal(cmd.uart.stop_bits, 2);
    assert_int_equal(cmd.uart.flow, HSX_UART_FLOW_XONXOFF);
    assert_true(cmd.json);

    static const struct {
        const char *word;
        unsigned int parity;
    } parities_given[] = {
        {"none", HSX_UART_PARITY_NONE},   {"even", HSX_UART_PARITY_EVEN},
        {"odd", HSX_UART_PARITY_ODD},     {"mark", HSX_UART_PARITY_MARK},
        {"space", HSX_UART_PARITY_SPACE},
    };
    for (size_t i = 0; i < sizeof(parities_given) / sizeof(parities_given[0]); i++) {
        char line[64];
        snprintf(line, sizeof(line), "uart config 0 --parity %s", parities_given[i].word);
        assert_int_equal(parse(line, &cmd), 0);
        assert_int_equal(cmd.uart_options, HSXCTL_TAKES_PARITY);
        assert_int_equal(cmd.uart.parity, parities_given[i].parity);
        assert_string_equal(hsxctl_parity_name(parities_given[i].parity), parities_given[i].word);
    }
    assert_int_equal(parse("uart config 0 --flow rtscts --data 8 --stop 1", &cmd), 0);
    assert_int_equal(cmd.uart.flow, HSX_UART_FLOW_RTSCTS);
    assert_int_equal(cmd.uart_options, HSXCTL_TAKES_FLOW | HSXCTL_TAKES_DATA | HSXCTL_TAKES_STOP);
    assert_string_equal(hsxctl_flow_name(HSX_UART_FLOW_NONE), "none");
    assert_string_equal(hsxctl_flow_name(9), "?");
    assert_string_equal(hsxctl_parity_name(9), "?");

    expect_usage_error("uart config 0 --baud 0", "--baud '0' is out of range (1..16000000)");
    expect_usage_error("uart config 0 --baud 16000001", "out of range");
    expect_usage_error("uart config 0 --baud fast", "invalid --baud 'fast'");
    expect_usage_error("uart config 0 --baud -9600", "negative numbers are not allowed");
    expect_usage_error("uart config 0 --data 4", "--data '4' is out of range (5..8)");
    expect_usage_error("uart config 0 --data 9", "out of range");
    expect_usage_error("uart config 0 --parity bogus",
                       "invalid --parity 'bogus': expected none, even, odd, mark or space");
    expect_usage_error("uart config 0 --parity N", "invalid --parity 'N'");
    expect_usage_error("uart config 0 --stop 0", "--stop '0' is out of range (1..2)");
    expect_usage_error("uart config 0 --stop 1.5", "invalid --stop '1.5'");
    expect_usage_error("uart config 0 --flow hardware",
                       "invalid --flow 'hardware': expected none, rtscts or xonxoff");
    expect_usage_error("uart config 0 --baud", "option '--baud' needs a value");
    expect_usage_error("uart config --baud 9600", "missing argument");
    expect_usage_error("uart config 99 --baud 9600", "PORT '99' is out of range");
    expect_usage_error("uart config 0 --count 2", "'--count' does not apply");
    expect_usage_error("uart config 0 --hex", "'--hex' does not apply");
    /* The UART options belong to uart config only. */
    expect_usage_error("gpio config 1 --mode input --baud 9600", "'--baud' does not apply");
    expect_usage_error("uart read 0 --parity even", "'--parity' does not apply");
}

static void write_(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("uart write 0 hello", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_UART_WRITE);
    assert_int_equal(cmd.port, 0);
    assert_string_equal(cmd.data, "hello");
    assert_false(cmd.hex);
    assert_null(cmd.file);

    assert_int_equal(parse("uart write 1 --hex 48656C6c6f", &cmd), 0);
    assert_true(cmd.hex);
    assert_string_equal(cmd.data, "48656C6c6f");
    assert_int_equal(parse("uart write 1 00ff --hex", &cmd), 0);
    assert_true(cmd.hex);
    assert_string_equal(cmd.data, "00ff");

    assert_int_equal(parse("uart write 3 --file /tmp/frame.bin", &cmd), 0);
    assert_string_equal(cmd.file, "/tmp/frame.bin");
    assert_null(cmd.data);
    assert_int_equal(parse("uart write 3 --file -", &cmd), 0);
    assert_string_equal(cmd.file, "-");

    /* A TEXT that looks like an option or a negative number, after "--". */
    assert_int_equal(parse("uart write 0 -- -5", &cmd), 0);
    assert_string_equal(cmd.data, "-5");
    assert_int_equal(parse("uart write 0 -- --hex", &cmd), 0);
    assert_string_equal(cmd.data, "--hex");
    assert_false(cmd.hex);

    expect_usage_error("uart write 0", "give TEXT, --hex HEX or --file FILE; usage");
    expect_usage_error("uart write 0 hi --file x", "give TEXT, --hex HEX or --file FILE, not both");
    expect_usage_error("uart write 0 --hex", "--hex needs the bytes");
    expect_usage_error("uart write 0 --hex --file x", "--hex needs the bytes");
    expect_usage_error("uart write 0 --hex 4", "invalid HEX '4'");
    expect_usage_error("uart write 0 --hex 4g", "invalid HEX '4g'");
    expect_usage_error("uart write 0 --hex 0x41", "invalid HEX '0x41'");
    expect_usage_error("uart write 0 --hex ::", "invalid HEX '::'");
    expect_usage_error("uart write 0 --file", "option '--file' needs a value");
    expect_usage_error("uart write 0 a b", "unexpected argument 'b'");
    expect_usage_error("uart write 0 -5", "negative numbers are not allowed");
    expect_usage_error("uart write 16 hi", "PORT '16' is out of range");
    expect_usage_error("uart write 0 hi --count 1", "'--count' does not apply");
    expect_usage_error("uart write 0 hi --text", "'--text' does not apply");
}

static void hex_is_parsed_strictly(void **state)
{
    uint8_t buf[8];
    (void)state;

    memset(buf, 0xee, sizeof(buf));
    assert_int_equal(hsxctl_parse_hex("48656c6C6F", buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "Hello", 5);
    assert_int_equal(buf[5], 0xee);
    assert_int_equal(hsxctl_parse_hex("00 ff:7f-80", buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "\x00\xff\x7f\x80", 4);
    assert_int_equal(hsxctl_parse_hex(" 0a\t0d ", buf, sizeof(buf)), 2);
    assert_memory_equal(buf, "\n\r", 2);
    /* Counted without storing, and never past size. */
    assert_int_equal(hsxctl_parse_hex("0102030405060708090a", NULL, 0), 10);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(hsxctl_parse_hex("0102030405060708090a", buf, 2), 10);
    assert_memory_equal(buf, "\x01\x02\x00", 3);
    assert_int_equal(hsxctl_parse_hex("", buf, sizeof(buf)), 0);

    static const char *const not_hex[] = {"1", "123", "4 1", "0x41", "zz", "4g", "+41", "41."};
    for (size_t i = 0; i < sizeof(not_hex) / sizeof(not_hex[0]); i++)
        assert_int_equal(hsxctl_parse_hex(not_hex[i], buf, sizeof(buf)), -EINVAL);
}

static void read_and_monitor(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("uart read 1", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_UART_READ);
    assert_int_equal(cmd.port, 1);
    assert_int_equal(cmd.count, 0);
    assert_int_equal(cmd.timeout_ms, 0);
    assert_false(cmd.hex);
    assert_int_equal(parse("uart read 1 --count 12 --timeout 5000 --hex", &cmd), 0);
    assert_int_equal(cmd.count, 12);
    assert_int_equal(cmd.timeout_ms, 5000);
    assert_true(cmd.hex);

    assert_int_equal(parse("uart monitor 0", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_UART_MONITOR);
    assert_false(cmd.hex);
    assert_false(cmd.text);
    assert_false(cmd.json);
    assert_int_equal(cmd.count, 0);
    assert_int_equal(parse("uart monitor 0 --hex --json --count 3 --timeout 100", &cmd), 0);
    assert_true(cmd.hex);
    assert_true(cmd.json);
    assert_int_equal(cmd.count, 3);
    assert_int_equal(cmd.timeout_ms, 100);
    assert_int_equal(parse("uart monitor 15 --text", &cmd), 0);
    assert_true(cmd.text);
    assert_int_equal(cmd.port, 15);

    expect_usage_error("uart read", "missing argument");
    expect_usage_error("uart read 0 --count 0", "--count '0' is out of range");
    expect_usage_error("uart read 0 --timeout 0", "--timeout '0' is out of range");
    expect_usage_error("uart read 0 --json", "'--json' does not apply");
    expect_usage_error("uart read 0 --text", "'--text' does not apply");
    expect_usage_error("uart read 0 1", "unexpected argument '1'");
    expect_usage_error("uart monitor 0 --hex --text", "--hex or --text, not both");
    expect_usage_error("uart monitor 0 --file x", "'--file' does not apply");
    expect_usage_error("uart monitor 16", "PORT '16' is out of range");
}

static void status_and_help(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("uart status", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_UART_STATUS);
    assert_false(cmd.have_port);
    assert_int_equal(parse("uart status 9 --json", &cmd), 0);
    assert_true(cmd.have_port);
    assert_int_equal(cmd.port, 9);
    assert_true(cmd.json);
    expect_usage_error("uart status 16", "PORT '16' is out of range");
    expect_usage_error("uart status 1 2", "unexpected argument '2'");

    expect_usage_error("uart", "missing subcommand (map, unmap, config, write, read, monitor or "
                               "status)");
    expect_usage_error("uart send 0 x", "unknown command 'uart send'");
    assert_true(hsxctl_is_group("uart"));
    assert_null(hsxctl_find_command("uart"));
    assert_int_equal(parse("help uart", &cmd), 0);
    assert_string_equal(cmd.help_topic, "uart");
    assert_int_equal(parse("help uart write", &cmd), 0);
    assert_string_equal(cmd.help_topic, "uart write");
    assert_int_equal(parse("uart monitor --help", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_HELP);
    assert_string_equal(cmd.help_topic, "uart monitor");

    static const char *const names[] = {"uart map",  "uart unmap",   "uart config", "uart write",
                                        "uart read", "uart monitor", "uart status"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct hsxctl_command_info *info = hsxctl_find_command(names[i]);
        assert_non_null(info);
        assert_true(strncmp(info->synopsis, names[i], strlen(names[i])) == 0);
        assert_true(strlen(info->help) > 10);
    }
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

#define PRINTED(call) (out = capture(), (call), fclose(out), (const char *)out_text)

static const hsx_uart_info_t bound_port = {
    .port = 0,
    .bound = true,
    .tty = "ttyS2",
    .settings = {.baud = 100000,
                 .data_bits = 7,
                 .parity = HSX_UART_PARITY_EVEN,
                 .stop_bits = 2,
                 .flow = HSX_UART_FLOW_RTSCTS},
    .baud_actual = 99840,
};

static void config_prints_on_one_line(void **state)
{
    (void)state;
    assert_string_equal(PRINTED(print_uart_config(out, &bound_port, 0)),
                        "port=0 tty=ttyS2 baud=100000 baud_actual=99840 data=7 parity=even "
                        "stop=2 flow=rtscts\n");
    assert_string_equal(PRINTED(print_uart_config(out, &bound_port, 1)),
                        "{\"port\":0,\"tty\":\"ttyS2\",\"baud\":100000,\"baud_actual\":99840,"
                        "\"data\":7,\"parity\":\"even\",\"stop\":2,\"flow\":\"rtscts\"}\n");
}

static void status_prints_every_counter(void **state)
{
    const hsx_uart_status_t st = {
        .status = HSX_UART_STATUS_TX_READY | HSX_UART_STATUS_PARITY_ERR | HSX_UART_STATUS_TX_EMPTY,
        .rx_available = 3,
        .tx_pending = 4,
        .lines = HSX_UART_LINE_RTS | HSX_UART_LINE_CTS,
        .baud = 99840,
        .rx_bytes = 10,
        .tx_bytes = 11,
        .overruns = 1,
        .parity_errors = 2,
        .framing_errors = 5,
        .breaks = 6,
        .rx_dropped = 7,
    };
    const hsx_uart_info_t unbound = {.port = 5};
    (void)state;

    assert_string_equal(PRINTED(print_uart_status(out, &bound_port, &st, 0)),
                        "port 0: ttyS2 (bound by map)\n"
                        "  config           99840 7E2 rtscts (asked 100000 baud)\n"
                        "  status           tx-ready parity-error tx-empty\n"
                        "  lines            rts cts\n"
                        "  rx_available     3\n"
                        "  tx_pending       4\n"
                        "  rx_bytes         10\n"
                        "  tx_bytes         11\n"
                        "  overruns         1\n"
                        "  parity_errors    2\n"
                        "  framing_errors   5\n"
                        "  breaks           6\n"
                        "  rx_dropped       7\n");
    assert_string_equal(PRINTED(print_uart_status(out, &bound_port, &st, 1)),
                        "{\"port\":0,\"bound\":true,\"tty\":\"ttyS2\",\"source\":\"map\","
                        "\"baud\":100000,\"baud_actual\":99840,\"data\":7,\"parity\":\"even\","
                        "\"stop\":2,\"flow\":\"rtscts\","
                        "\"status\":[\"tx-ready\",\"parity-error\",\"tx-empty\"],"
                        "\"lines\":[\"rts\",\"cts\"],\"rx_available\":3,\"tx_pending\":4,"
                        "\"rx_bytes\":10,\"tx_bytes\":11,\"overruns\":1,\"parity_errors\":2,"
                        "\"framing_errors\":5,\"breaks\":6,\"rx_dropped\":7}");
    assert_string_equal(PRINTED(print_uart_status(out, &unbound, NULL, 0)), "port 5: not bound\n");
    assert_string_equal(PRINTED(print_uart_status(out, &unbound, NULL, 1)),
                        "{\"port\":5,\"bound\":false}");

    /* No bits: a dash, or an empty array. */
    const hsx_uart_status_t quiet = {0};
    (void)PRINTED(print_uart_status(out, &bound_port, &quiet, 0));
    assert_non_null(strstr(out_text, "  status           -\n  lines            -\n"));
    (void)PRINTED(print_uart_status(out, &bound_port, &quiet, 1));
    assert_non_null(strstr(out_text, "\"status\":[],\"lines\":[]"));
}

static void events_print_on_one_line(void **state)
{
    hsx_mailbox_event_t ev = {
        .type = HSX_MAILBOX_EVENT_DATA,
        .module = HSX_MAILBOX_MODULE_UART,
        .seq = 4,
        .timestamp_ns = 12000000345ULL,
        .u.uart = {.port = 1, .length = 9, .offset = 120, .data = "a\"b\\\r\n\x01\xff."},
    };
    (void)state;

    assert_string_equal(PRINTED(print_uart_event(out, &ev, 0, false, 0)),
                        "12.000000345 port=1 seq=4 offset=120 len=9 "
                        "data=\"a\\\"b\\\\\\r\\n\\x01\\xff.\" dropped=0\n");
    assert_string_equal(PRINTED(print_uart_event(out, &ev, 0, true, 0)),
                        "12.000000345 port=1 seq=4 offset=120 len=9 hex=6122625c0d0a01ff2e "
                        "dropped=0\n");
    assert_string_equal(
        PRINTED(print_uart_event(out, &ev, 0, false, 1)),
        "{\"timestamp_ns\":12000000345,\"port\":1,\"seq\":4,\"kind\":\"data\",\"offset\":120,"
        "\"length\":9,\"flags\":[],\"hex\":\"6122625c0d0a01ff2e\","
        "\"text\":\"a\\\"b\\\\\\r\\n\\u0001\\u00ff.\",\"dropped\":0,"
        "\"dropped_total\":0,\"lost_bytes\":0}\n");

    /* Line errors, and what was lost before. */
    ev.u.uart.flags = HSX_UART_RX_PARITY | HSX_UART_RX_BREAK;
    ev.u.uart.length = 1;
    ev.dropped = 2;
    ev.dropped_total = 5;
    assert_string_equal(PRINTED(print_uart_event(out, &ev, 64, false, 0)),
                        "12.000000345 port=1 seq=4 offset=120 len=1 flags=parity,break "
                        "data=\"a\" dropped=2 dropped_total=5 lost=64\n");
    (void)PRINTED(print_uart_event(out, &ev, 64, true, 1));
    assert_non_null(strstr(out_text, "\"flags\":[\"parity\",\"break\"]"));
    assert_non_null(strstr(out_text, "\"dropped\":2,\"dropped_total\":5,\"lost_bytes\":64}"));

    /* A length the kernel never sends is shown as no data, not read past the array. */
    ev.u.uart.length = 200;
    (void)PRINTED(print_uart_event(out, &ev, 0, true, 0));
    assert_non_null(strstr(out_text, " len=0 "));
}

static void line_events_print_their_kind(void **state)
{
    hsx_mailbox_event_t ev = {
        .type = HSX_MAILBOX_EVENT_DATA,
        .module = HSX_MAILBOX_MODULE_UART,
        .seq = 6,
        .timestamp_ns = 2000000001ULL,
        .u.uart = {.port = 3, .kind = HSX_UART_EVENT_IDLE, .offset = 125},
    };
    (void)state;

    assert_string_equal(PRINTED(print_uart_event(out, &ev, 0, false, 0)),
                        "2.000000001 port=3 seq=6 idle offset=125 dropped=0\n");
    assert_string_equal(PRINTED(print_uart_event(out, &ev, 0, false, 1)),
                        "{\"timestamp_ns\":2000000001,\"port\":3,\"seq\":6,\"kind\":\"idle\","
                        "\"offset\":125,\"lines\":[],\"dropped\":0,\"dropped_total\":0}\n");
    ev.u.uart.kind = HSX_UART_EVENT_TX_DONE;
    ev.u.uart.offset = 51;
    assert_string_equal(PRINTED(print_uart_event(out, &ev, 0, true, 0)),
                        "2.000000001 port=3 seq=6 tx-done offset=51 dropped=0\n");
    ev.u.uart.kind = HSX_UART_EVENT_MODEM;
    ev.u.uart.lines = HSX_UART_LINE_CTS | HSX_UART_LINE_DCD;
    ev.dropped = 1;
    ev.dropped_total = 1;
    assert_string_equal(PRINTED(print_uart_event(out, &ev, 0, false, 0)),
                        "2.000000001 port=3 seq=6 modem lines=cts,dcd dropped=1 dropped_total=1\n");
    (void)PRINTED(print_uart_event(out, &ev, 0, false, 1));
    assert_non_null(
        strstr(out_text, "\"kind\":\"modem\",\"offset\":51,\"lines\":[\"cts\",\"dcd\"]"));
    ev.u.uart.kind = 9;
    (void)PRINTED(print_uart_event(out, &ev, 0, false, 0));
    assert_non_null(strstr(out_text, " seq=6 ? offset=51 "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_and_unmap),
        cmocka_unit_test(map_rs485),
        cmocka_unit_test(rs485_prints_on_one_line),
        cmocka_unit_test(config),
        cmocka_unit_test(write_),
        cmocka_unit_test(hex_is_parsed_strictly),
        cmocka_unit_test(read_and_monitor),
        cmocka_unit_test(status_and_help),
        cmocka_unit_test(config_prints_on_one_line),
        cmocka_unit_test(status_prints_every_counter),
        cmocka_unit_test(events_print_on_one_line),
        cmocka_unit_test(line_events_print_their_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
