// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: how the UART module cuts received bytes into events, and what it
 * accepts as a configuration and as a uart_map binding. QEMU's serial models
 * never produce parity or framing errors, so the flag handling is proved
 * here, on the exact arrays a driver hands the line discipline.
 */
#include <kunit/test.h>
#include <linux/string.h>
#include <linux/tty.h>

#include "../uart/uart.h"

static void chunk_plain_bytes_without_flags(struct kunit *test)
{
	u8 data[HSX_UART_DATA_MAX], flags = 0xff;
	unsigned int len;

	KUNIT_EXPECT_EQ(test, hsx_uart_chunk("hello", NULL, 5, data, &len, &flags), 5U);
	KUNIT_EXPECT_EQ(test, len, 5U);
	KUNIT_EXPECT_EQ(test, flags, 0);
	KUNIT_EXPECT_EQ(test, memcmp(data, "hello", 5), 0);
}

static void chunk_stops_at_event_size(struct kunit *test)
{
	u8 in[100], data[HSX_UART_DATA_MAX], flags;
	unsigned int len, i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = i;
	KUNIT_EXPECT_EQ(test, hsx_uart_chunk(in, NULL, sizeof(in), data, &len, &flags),
			HSX_UART_DATA_MAX);
	KUNIT_EXPECT_EQ(test, len, HSX_UART_DATA_MAX);
	KUNIT_EXPECT_EQ(test, data[HSX_UART_DATA_MAX - 1], HSX_UART_DATA_MAX - 1);
}

/* A parity error: the bad byte is data, the event's last, flagged. */
static void chunk_parity_error_ends_event_with_the_byte(struct kunit *test)
{
	const u8 in[] = { 'a', 'b', 'c', 'd' };
	const u8 fp[] = { TTY_NORMAL, TTY_PARITY, TTY_NORMAL, TTY_NORMAL };
	u8 data[HSX_UART_DATA_MAX], flags;
	unsigned int len;

	KUNIT_EXPECT_EQ(test, hsx_uart_chunk(in, fp, 4, data, &len, &flags), 2U);
	KUNIT_EXPECT_EQ(test, len, 2U);
	KUNIT_EXPECT_EQ(test, flags, HSX_UART_RX_F_PARITY);
	KUNIT_EXPECT_EQ(test, data[1], 'b');
	/* The rest is the next event, clean. */
	KUNIT_EXPECT_EQ(test, hsx_uart_chunk(in + 2, fp + 2, 2, data, &len, &flags), 2U);
	KUNIT_EXPECT_EQ(test, flags, 0);
}

static void chunk_framing_error_is_flagged(struct kunit *test)
{
	const u8 in[] = { 'x' };
	const u8 fp[] = { TTY_FRAME };
	u8 data[HSX_UART_DATA_MAX], flags;
	unsigned int len;

	KUNIT_EXPECT_EQ(test, hsx_uart_chunk(in, fp, 1, data, &len, &flags), 1U);
	KUNIT_EXPECT_EQ(test, len, 1U);
	KUNIT_EXPECT_EQ(test, flags, HSX_UART_RX_F_FRAMING);
}

/* A break's 0 and an overrun's marker were never received: not data. */
static void chunk_break_and_overrun_are_markers(struct kunit *test)
{
	const u8 in[] = { 'a', 0, 'b', 0 };
	const u8 fp[] = { TTY_NORMAL, TTY_BREAK, TTY_NORMAL, TTY_OVERRUN };
	u8 data[HSX_UART_DATA_MAX], flags;
	unsigned int len;

	KUNIT_EXPECT_EQ(test, hsx_uart_chunk(in, fp, 4, data, &len, &flags), 2U);
	KUNIT_EXPECT_EQ(test, len, 1U);
	KUNIT_EXPECT_EQ(test, data[0], 'a');
	KUNIT_EXPECT_EQ(test, flags, HSX_UART_RX_F_BREAK);

	KUNIT_EXPECT_EQ(test, hsx_uart_chunk(in + 2, fp + 2, 2, data, &len, &flags), 2U);
	KUNIT_EXPECT_EQ(test, len, 1U);
	KUNIT_EXPECT_EQ(test, flags, HSX_UART_RX_F_OVERRUN);
}

/*
 * An overrun on a byte other than 0 (imx, fsl_lpuart flag the byte they
 * received with it) is no marker: the byte is data, the event's last.
 */
static void chunk_overrun_on_a_byte_keeps_it(struct kunit *test)
{
	const u8 in[] = { 'A', 'b' };
	const u8 fp[] = { TTY_OVERRUN, TTY_NORMAL };
	u8 data[HSX_UART_DATA_MAX], flags;
	unsigned int len;

	KUNIT_EXPECT_EQ(test, hsx_uart_chunk(in, fp, 2, data, &len, &flags), 1U);
	KUNIT_EXPECT_EQ(test, len, 1U);
	KUNIT_EXPECT_EQ(test, data[0], 'A');
	KUNIT_EXPECT_EQ(test, flags, HSX_UART_RX_F_OVERRUN);
}

/* A marker first: an event with no data, only the flag. */
static void chunk_marker_alone_makes_an_empty_event(struct kunit *test)
{
	const u8 in[] = { 0, 'z' };
	const u8 fp[] = { TTY_BREAK, TTY_NORMAL };
	u8 data[HSX_UART_DATA_MAX], flags;
	unsigned int len;

	KUNIT_EXPECT_EQ(test, hsx_uart_chunk(in, fp, 2, data, &len, &flags), 1U);
	KUNIT_EXPECT_EQ(test, len, 0U);
	KUNIT_EXPECT_EQ(test, flags, HSX_UART_RX_F_BREAK);
}

static void config_accepts_every_documented_value(struct kunit *test)
{
	struct hsx_uart_config c = { .baud = 115200, .stop_bits = 1 };
	u32 parity, data, stop, flow;

	for (parity = 0; parity <= HSX_UART_PAR_SPACE; parity++)
		for (data = 5; data <= 8; data++)
			for (stop = 1; stop <= 2; stop++)
				for (flow = 0; flow <= HSX_UART_FC_XONXOFF; flow++) {
					c.parity = parity;
					c.data_bits = data;
					c.stop_bits = stop;
					c.flow = flow;
					KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), 0);
				}
	c.data_bits = 0;	/* the default, 8 */
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), 0);
	c.baud = 1;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), 0);
	c.baud = HSX_UART_BAUD_MAX;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), 0);
}

static void config_rejects_out_of_range(struct kunit *test)
{
	const struct hsx_uart_config good = { .baud = 9600, .stop_bits = 1 };
	struct hsx_uart_config c;

	c = good;
	c.baud = 0;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), -EINVAL);
	c = good;
	c.baud = HSX_UART_BAUD_MAX + 1;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), -EINVAL);
	c = good;
	c.parity = HSX_UART_PAR_SPACE + 1;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), -EINVAL);
	c = good;
	c.stop_bits = 0;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), -EINVAL);
	c = good;
	c.stop_bits = 3;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), -EINVAL);
	c = good;
	c.data_bits = 4;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), -EINVAL);
	c = good;
	c.data_bits = 9;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), -EINVAL);
	c = good;
	c.flow = HSX_UART_FC_XONXOFF + 1;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), -EINVAL);
	c = good;
	c.reserved = 1;
	KUNIT_EXPECT_EQ(test, hsx_uart_validate_config(&c), -EINVAL);
}

static void map_parses_a_list(struct kunit *test)
{
	char tty[HSX_UART_TTY_NAME_MAX];
	const char *p = "0=ttyS1,15=ttyUSB0";
	unsigned int port;

	KUNIT_ASSERT_EQ(test, hsx_uart_parse_map(p, &port, tty, sizeof(tty), &p), 0);
	KUNIT_EXPECT_EQ(test, port, 0U);
	KUNIT_EXPECT_STREQ(test, tty, "ttyS1");
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, hsx_uart_parse_map(p, &port, tty, sizeof(tty), &p), 0);
	KUNIT_EXPECT_EQ(test, port, 15U);
	KUNIT_EXPECT_STREQ(test, tty, "ttyUSB0");
	KUNIT_EXPECT_NULL(test, p);
}

static void map_rejects_malformed(struct kunit *test)
{
	static const char *const bad[] = {
		"", "0", "=ttyS1", "0=", "16=ttyS1", "x=ttyS1", "0=tty/S1", "0=../ttyS1x/",
		"0=tty S1", "1234=ttyS1", "0=ttyS1234567890123456789012345678901",
	};
	char tty[HSX_UART_TTY_NAME_MAX];
	unsigned int port, i;
	const char *next;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    hsx_uart_parse_map(bad[i], &port, tty, sizeof(tty), &next),
				    -EINVAL, "accepted \"%s\"", bad[i]);
}

static struct kunit_case hsx_uart_cases[] = {
	KUNIT_CASE(chunk_plain_bytes_without_flags),
	KUNIT_CASE(chunk_stops_at_event_size),
	KUNIT_CASE(chunk_parity_error_ends_event_with_the_byte),
	KUNIT_CASE(chunk_framing_error_is_flagged),
	KUNIT_CASE(chunk_break_and_overrun_are_markers),
	KUNIT_CASE(chunk_overrun_on_a_byte_keeps_it),
	KUNIT_CASE(chunk_marker_alone_makes_an_empty_event),
	KUNIT_CASE(config_accepts_every_documented_value),
	KUNIT_CASE(config_rejects_out_of_range),
	KUNIT_CASE(map_parses_a_list),
	KUNIT_CASE(map_rejects_malformed),
	{}
};

static struct kunit_suite hsx_uart_suite = {
	.name = "hsx_uart",
	.test_cases = hsx_uart_cases,
};

kunit_test_suite(hsx_uart_suite);
