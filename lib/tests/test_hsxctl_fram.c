// SPDX-License-Identifier: MIT
/*
 * hsxctl's fram commands without a kernel: their command lines (devices,
 * addresses in decimal or hex, record layouts, the bytes to write), checked
 * before anything is done, and bytes printed as xxd prints them.
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

static void map_unmap_and_info(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("fram map 0 hsx-fram-sim0", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FRAM_MAP);
    assert_int_equal(cmd.dev, 0);
    assert_string_equal(cmd.nvmem, "hsx-fram-sim0");
    assert_int_equal(cmd.part_size, 0);
    assert_int_equal(parse("fram map 7 0-00500 --size 0x8000", &cmd), 0);
    assert_int_equal(cmd.dev, 7);
    assert_int_equal(cmd.part_size, 32768);
    assert_int_equal(parse("fram map 0x1 spi0.0 --size 2048", &cmd), 0);
    assert_int_equal(cmd.dev, 1);
    assert_int_equal(cmd.part_size, 2048);
    assert_int_equal(parse("fram unmap 3", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FRAM_UNMAP);
    assert_int_equal(cmd.dev, 3);
    assert_int_equal(parse("fram info", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FRAM_INFO);
    assert_false(cmd.have_dev);
    assert_int_equal(parse("fram info 2 --json", &cmd), 0);
    assert_true(cmd.have_dev);
    assert_int_equal(cmd.dev, 2);
    assert_true(cmd.json);

    expect_usage_error("fram map 8 hsx-fram-sim0", "DEV '8' is out of range (0..7)");
    expect_usage_error("fram map x hsx-fram-sim0",
                       "invalid DEV 'x': not a non-negative integer (decimal, or hex after 0x)");
    expect_usage_error("fram map 0", "missing argument; usage: hsxctl fram map DEV NVMEM");
    expect_usage_error("fram map 0 ../nvmem", "invalid NVMEM '../nvmem'");
    expect_usage_error("fram map 0 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "has 1 to 31 letters");
    expect_usage_error("fram map 0 sim --size 0", "--size '0' is out of range (1..16777216)");
    expect_usage_error("fram map 0 sim --size 0x1000001", "--size '0x1000001' is out of range");
    expect_usage_error("fram unmap", "missing argument");
    expect_usage_error("fram unmap 0 --size 4", "'--size' does not apply");
    expect_usage_error("fram info 1 2", "unexpected argument '2'");
    expect_usage_error("fram",
                       "missing subcommand (map, unmap, info, read, write, wear or record)");
    expect_usage_error("fram frob", "unknown command 'fram frob'");
    expect_usage_error("fram record", "fram record: missing subcommand (get or set)");
    expect_usage_error("fram record del 0 0 32 2 0", "unknown command 'fram record del'");
}

static void read_and_wear(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("fram read 0 0x10 20", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FRAM_READ);
    assert_int_equal(cmd.addr, 16);
    assert_int_equal(cmd.len, 20);
    assert_false(cmd.json);
    assert_false(cmd.raw);
    assert_int_equal(parse("fram read 1 0 0x1000000 --raw", &cmd), 0);
    assert_int_equal(cmd.len, HSX_FRAM_PART_MAX);
    assert_true(cmd.raw);
    assert_int_equal(parse("fram read 1 0XfF 1 --json", &cmd), 0);
    assert_int_equal(cmd.addr, 255);
    assert_true(cmd.json);
    assert_int_equal(parse("fram wear 2 4096 --json", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FRAM_WEAR);
    assert_int_equal(cmd.addr, 4096);

    expect_usage_error("fram read 0 0 0", "LEN '0' is out of range (1..16777216)");
    expect_usage_error("fram read 0 0xffffff 2", "LEN '2' is out of range (1..1)");
    expect_usage_error("fram read 0 0x1000000 1", "ADDR '0x1000000' is out of range");
    expect_usage_error("fram read 0 0x 1", "invalid ADDR '0x'");
    expect_usage_error("fram read 0 0x1g 1", "invalid ADDR '0x1g'");
    expect_usage_error("fram read 0 -1 1", "negative numbers are not allowed");
    expect_usage_error("fram read 0 0", "missing argument; usage: hsxctl fram read DEV ADDR LEN");
    expect_usage_error("fram read 0 0 1 2", "unexpected argument '2'");
    expect_usage_error("fram read 0 0 1 --json --raw", "--json or --raw, not both");
    expect_usage_error("fram read 0 0 1 --text", "'--text' does not apply");
    expect_usage_error("fram wear 0", "missing argument");
    expect_usage_error("fram wear 0 99999999999", "ADDR '99999999999' is out of range");
}

static void write_takes_hex_text_or_a_file(void **state)
{
    struct hsxctl_cmdline cmd;
    uint8_t out[16];
    (void)state;

    assert_int_equal(parse("fram write 0 0x20 de ad:be-ef 01", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FRAM_WRITE);
    assert_int_equal(cmd.addr, 0x20);
    assert_int_equal(cmd.nwords, 3);
    assert_int_equal(cmd.data_len, 5);
    assert_int_equal(hsxctl_fram_data(&cmd, out, sizeof(out)), 5);
    assert_memory_equal(out, "\xde\xad\xbe\xef\x01", 5);
    /* Only size bytes are stored; the count is all of them. */
    memset(out, 0, sizeof(out));
    assert_int_equal(hsxctl_fram_data(&cmd, out, 3), 5);
    assert_memory_equal(out, "\xde\xad\xbe\x00", 4);

    assert_int_equal(parse("fram write 1 0 --text hello", &cmd), 0);
    assert_true(cmd.text);
    assert_int_equal(cmd.data_len, 5);
    assert_int_equal(hsxctl_fram_data(&cmd, out, sizeof(out)), 5);
    assert_memory_equal(out, "hello", 5);
    /* Words that look like hex are text with --text. */
    assert_int_equal(parse("fram write 1 0 --text 00", &cmd), 0);
    assert_int_equal(cmd.data_len, 2);
    assert_int_equal(parse("fram write 1 0 --file /tmp/x", &cmd), 0);
    assert_string_equal(cmd.file, "/tmp/x");
    assert_int_equal(cmd.nwords, 0);

    expect_usage_error("fram write 0 0", "no data: give HEX, --text TEXT or --file FILE");
    expect_usage_error("fram write 0 0 --text", "no data");
    expect_usage_error("fram write 0 0 abc", "invalid HEX");
    expect_usage_error("fram write 0 0 zz", "invalid HEX");
    expect_usage_error("fram write 0 0 :", "no bytes to write");
    expect_usage_error("fram write 0 0 --text a b", "--text takes one word");
    expect_usage_error("fram write 0 0 00 --file /tmp/x", "not two");
    expect_usage_error("fram write 0 0 --text a --file /tmp/x", "not two");
    expect_usage_error("fram write 0 0xffffff 0102", "2 bytes are too many: at most 1");
    expect_usage_error("fram write 0 0 00 --json", "'--json' does not apply");
    expect_usage_error("fram write 9 0 00", "DEV '9' is out of range");
}

static void records_have_a_layout(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("fram record get 0 0x1000 64 4 3 --json", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FRAM_RECORD_GET);
    assert_int_equal(cmd.base, 0x1000);
    assert_int_equal(cmd.slot_size, 64);
    assert_int_equal(cmd.slots, 4);
    assert_int_equal(cmd.record_id, 3);
    assert_true(cmd.json);
    assert_int_equal(parse("fram record set 0 0 32 2 0 0102030405060708", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FRAM_RECORD_SET);
    assert_int_equal(cmd.data_len, 8);
    assert_int_equal(parse("fram record set 0 0 4120 16 0 --text hi", &cmd), 0);
    assert_int_equal(cmd.data_len, 2);
    assert_int_equal(parse("fram record set 0 0 32 2 0 --file -", &cmd), 0);
    /* An empty payload is a version too. */
    assert_int_equal(parse("fram record set 0 0 32 2 0 :", &cmd), 0);
    assert_int_equal(cmd.data_len, 0);

    expect_usage_error("fram record get 0 0 64 4",
                       "missing argument; usage: hsxctl fram record get DEV BASE SLOT_SIZE");
    expect_usage_error("fram record get 0 0 64 4 0 1", "unexpected argument '1'");
    expect_usage_error("fram record get 0 0 60 4 0", "SLOT_SIZE '60' is not a multiple of 8");
    expect_usage_error("fram record get 0 0 24 4 0", "SLOT_SIZE '24' is out of range (32..4120)");
    expect_usage_error("fram record get 0 0 4128 4 0", "SLOT_SIZE '4128' is out of range");
    expect_usage_error("fram record get 0 0 64 1 0", "SLOTS '1' is out of range (2..16)");
    expect_usage_error("fram record get 0 0 64 17 0", "SLOTS '17' is out of range");
    expect_usage_error("fram record get 0 0xffff40 64 4 0", "ends past the largest part");
    expect_usage_error("fram record get 0 0 64 4 65536", "ends past the largest part");
    expect_usage_error("fram record get 0 0 64 4 0 --text", "'--text' does not apply");
    expect_usage_error("fram record set 0 0 32 2 0", "no data");
    expect_usage_error("fram record set 0 0 32 2 0 000102030405060708",
                       "9 bytes are too many: at most 8");
    expect_usage_error("fram record set 0 0 32 2 0 --text 123456789", "9 bytes are too many");
}

/* What print_hexdump() prints (hex: print_hex()), in text that lives until the next call. */
static const char *dumped(uint32_t addr, const uint8_t *data, size_t len, bool hex)
{
    static char *text;
    size_t size;

    free(text);
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    if (hex)
        print_hex(out, data, len);
    else
        print_hexdump(out, addr, data, len);
    fclose(out);
    return text;
}

static void bytes_print_as_xxd(void **state)
{
    const uint8_t data[] = "Hello, World! 0123456789abcdef\x00\x01\xff";
    (void)state;

    /* As xxd -s 0x10 prints them (less the string's NUL). */
    assert_string_equal(dumped(0x10, data, sizeof(data) - 1, false),
                        "00000010: 4865 6c6c 6f2c 2057 6f72 6c64 2120 3031  Hello, World! 01\n"
                        "00000020: 3233 3435 3637 3839 6162 6364 6566 0001  23456789abcdef..\n"
                        "00000030: ff                                       .\n");
    assert_string_equal(dumped(0x7ffff3, data, 5, false),
                        "007ffff3: 4865 6c6c 6f                             Hello\n");
    assert_string_equal(dumped(0, data, 0, false), "");
    assert_string_equal(dumped(0, data + 30, 3, true), "0001ff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_unmap_and_info),
        cmocka_unit_test(read_and_wear),
        cmocka_unit_test(write_takes_hex_text_or_a_file),
        cmocka_unit_test(records_have_a_layout),
        cmocka_unit_test(bytes_print_as_xxd),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
