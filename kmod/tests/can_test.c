// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the CAN module's rules: which frames a file may send, which filter
 * banks it may set and which frames pass them, what a capability's buses
 * and ID ranges cover and narrow to, and what can_map accepts; and (suite
 * hsx_can_fw) that a bus the device tree reserves holds no reference to its
 * controller's node, so a node removed at run time goes and one put back at
 * its path is the bus's again. The bus itself (vcan, vxcan, candump,
 * cangen) is tests/e2e/test_can_kernel.c's, the tree's binding on real
 * nodes tests/rpi/can_check.c's.
 */
#include <kunit/test.h>
#include <linux/property.h>
#include <linux/string.h>

#include "../can/can.h"
#include "cap.h"

static struct hsx_can_frame frame(u32 id, u8 flags, u8 len)
{
	return (struct hsx_can_frame){ .can_id = id, .flags = flags, .len = len };
}

/* Records carry a sent frame back: nothing past its length (fuzz, 6.12, seed 1). */
static void frames_sent_keep_no_bytes_past_their_length(struct kunit *test)
{
	struct hsx_can_frame f = frame(1, HSX_CAN_F_FD, 20);

	memset(f.data, 0xa5, sizeof(f.data));
	hsx_can_frame_clear_tail(&f);
	KUNIT_EXPECT_EQ(test, f.data[19], 0xa5);
	KUNIT_EXPECT_FALSE(test, memchr_inv(f.data + 20, 0, HSX_CAN_DATA_MAX - 20));

	f = frame(1, HSX_CAN_F_RTR, 8);		/* a remote request carries no data */
	memset(f.data, 0xa5, sizeof(f.data));
	hsx_can_frame_clear_tail(&f);
	KUNIT_EXPECT_FALSE(test, memchr_inv(f.data, 0, HSX_CAN_DATA_MAX));

	f = frame(1, 0, 0);
	memset(f.data, 0xa5, sizeof(f.data));
	hsx_can_frame_clear_tail(&f);
	KUNIT_EXPECT_FALSE(test, memchr_inv(f.data, 0, HSX_CAN_DATA_MAX));
}

static void frames_a_file_may_send(struct kunit *test)
{
	static const u8 fd_lens[] = { 0, 8, 12, 16, 20, 24, 32, 48, 64 };
	struct hsx_can_frame f;
	unsigned int i;

	f = frame(0x7ff, 0, 8);
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), 0);
	f = frame(0x800, 0, 0);		/* wider than 11 bits */
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), -EINVAL);
	f = frame(0x800, HSX_CAN_F_EXT, 0);
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), 0);
	f = frame(HSX_CAN_EFF_MASK + 1, HSX_CAN_F_EXT, 0);
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), -EINVAL);
	f = frame(1, 0, 9);		/* DLC > 8 */
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(fd_lens); i++) {
		f = frame(1, HSX_CAN_F_FD | HSX_CAN_F_BRS, fd_lens[i]);
		KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), 0);
	}
	f = frame(1, HSX_CAN_F_FD, 9);	/* no DLC gives 9 bytes */
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), -EINVAL);
	f = frame(1, HSX_CAN_F_FD, 65);
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), -EINVAL);
	f = frame(1, HSX_CAN_F_RTR, 8);	/* a remote request asks for 8 */
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), 0);
	f = frame(1, HSX_CAN_F_RTR | HSX_CAN_F_FD, 8);
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), -EINVAL);
	f = frame(1, HSX_CAN_F_BRS, 1);	/* BRS is FD's */
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), -EINVAL);
	f = frame(1, HSX_CAN_F_ESI, 1);	/* received only */
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), -EINVAL);
	f = frame(1, HSX_CAN_F_LOCAL, 1);
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), -EINVAL);
	f = frame(1, 0, 1);
	f.reserved[0] = 1;
	KUNIT_EXPECT_EQ(test, hsx_can_check_frame(&f), -EINVAL);
}

static void periodic_jobs_a_file_may_start(struct kunit *test)
{
	struct hsx_can_periodic p = { .slot = HSX_CAN_PERIODIC_MAX - 1, .op = HSX_CAN_PER_START,
				      .interval_us = HSX_CAN_PERIODIC_MIN_US,
				      .frame = frame(0x123, 0, 8) };

	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), 0);
	p.interval_us = HSX_CAN_PERIODIC_MIN_US - 1;
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
	p.op = HSX_CAN_PER_STOP;	/* what an operation does not take is zero */
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
	p.interval_us = 0;
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
	p.op = HSX_CAN_PER_QUERY;
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
	memset(&p.frame, 0, sizeof(p.frame));
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), 0);
	p.count = 1;
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
	p.count = 0;
	p.op = HSX_CAN_PER_UPDATE;
	p.frame = frame(0x123, 0, 8);
	p.frame.len = 9;
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
	p.frame.len = 8;
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), 0);
	p.interval_us = HSX_CAN_PERIODIC_MIN_US;	/* UPDATE keeps the period */
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
	p.interval_us = HSX_CAN_PERIODIC_MAX_US + 1;
	p.op = HSX_CAN_PER_START;
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
	p.interval_us = HSX_CAN_PERIODIC_MAX_US;
	p.slot = HSX_CAN_PERIODIC_MAX;
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
	p.slot = 0;
	p.op = HSX_CAN_PER_QUERY + 1;
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
	p.op = HSX_CAN_PER_START;
	p.flags = 1;
	KUNIT_EXPECT_EQ(test, hsx_can_check_periodic(&p), -EINVAL);
}

/* What a watch may be armed with, and the span of IDs its capability must cover. */
static void watches_and_their_span(struct kunit *test)
{
	struct hsx_can_watch w = { .op = HSX_CAN_WATCH_ARM, .flags = HSX_CAN_FLT_STD, .id = 0x100,
				   .mask = 0x700, .timeout_us = HSX_CAN_PERIODIC_MIN_US };
	u32 first, last;

	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), 0);
	hsx_can_watch_span(&w, &first, &last);
	KUNIT_EXPECT_EQ(test, first, 0x100);
	KUNIT_EXPECT_EQ(test, last, 0x1ff);
	w.mask = 0x600;			/* 0x100 is not compared: 0x000..0x1ff */
	hsx_can_watch_span(&w, &first, &last);
	KUNIT_EXPECT_EQ(test, first, 0x000);
	KUNIT_EXPECT_EQ(test, last, 0x1ff);
	w.mask = HSX_CAN_SFF_MASK;	/* one ID */
	hsx_can_watch_span(&w, &first, &last);
	KUNIT_EXPECT_EQ(test, first, 0x100);
	KUNIT_EXPECT_EQ(test, last, 0x100);
	w.flags = HSX_CAN_FLT_EXT;
	w.id = 0x18ff0000;
	w.mask = 0x1fff0000;
	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), 0);
	hsx_can_watch_span(&w, &first, &last);
	KUNIT_EXPECT_EQ(test, first, HSX_CAN_SEL_EXT | 0x18ff0000);
	KUNIT_EXPECT_EQ(test, last, HSX_CAN_SEL_EXT | 0x18ffffff);

	w.flags = HSX_CAN_FLT_STD;	/* an extended ID in a standard watch */
	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), -EINVAL);
	w.id = 0x100;
	w.mask = 0xfff;
	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), -EINVAL);
	w.mask = 0x7ff;
	w.flags = HSX_CAN_FLT_STD | HSX_CAN_FLT_EXT;
	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), -EINVAL);
	w.flags = HSX_CAN_FLT_ON;
	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), -EINVAL);
	w.flags = HSX_CAN_FLT_STD;
	w.timeout_us = HSX_CAN_PERIODIC_MIN_US - 1;
	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), -EINVAL);
	w.op = HSX_CAN_WATCH_QUERY;	/* what QUERY does not take is zero */
	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), -EINVAL);
	w = (struct hsx_can_watch){ .op = HSX_CAN_WATCH_DISARM };
	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), 0);
	w.end = HSX_CAN_END_REVOKED;	/* out only */
	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), -EINVAL);
	w.end = HSX_CAN_END_NONE;
	w.slot = HSX_CAN_WATCH_MAX;
	KUNIT_EXPECT_EQ(test, hsx_can_check_watch(&w), -EINVAL);
}

static void filter_banks_a_file_may_set(struct kunit *test)
{
	struct hsx_can_filter f = { .bank = 15, .id = 0x123, .mask = 0x7ff,
				    .flags = HSX_CAN_FLT_ON | HSX_CAN_FLT_STD };

	KUNIT_EXPECT_EQ(test, hsx_can_check_filter(&f), 0);
	f.bank = HSX_CAN_FILTERS;
	KUNIT_EXPECT_EQ(test, hsx_can_check_filter(&f), -EINVAL);
	f.bank = 0;
	f.flags |= HSX_CAN_FLT_EXT;	/* only standard and only extended */
	KUNIT_EXPECT_EQ(test, hsx_can_check_filter(&f), -EINVAL);
	f.flags = HSX_CAN_FLT_ON;
	f.mask = HSX_CAN_EFF_MASK + 1;
	KUNIT_EXPECT_EQ(test, hsx_can_check_filter(&f), -EINVAL);
	f = (struct hsx_can_filter){ .bank = 3 };	/* off */
	KUNIT_EXPECT_EQ(test, hsx_can_check_filter(&f), 0);
	f.id = 1;				/* off, with a value */
	KUNIT_EXPECT_EQ(test, hsx_can_check_filter(&f), -EINVAL);
	f = (struct hsx_can_filter){ .flags = HSX_CAN_FLT_STD };	/* a format, not on */
	KUNIT_EXPECT_EQ(test, hsx_can_check_filter(&f), -EINVAL);
	f = (struct hsx_can_filter){ .flags = HSX_CAN_FLT_ON, .reserved[2] = 1 };
	KUNIT_EXPECT_EQ(test, hsx_can_check_filter(&f), -EINVAL);
}

static void frames_pass_banks(struct kunit *test)
{
	struct hsx_can_banks banks = {};

	/* No bank on: everything. */
	KUNIT_EXPECT_TRUE(test, hsx_can_banks_pass(NULL, 0x123, 0));
	KUNIT_EXPECT_TRUE(test, hsx_can_banks_pass(&banks, 0x123, HSX_CAN_F_EXT));

	banks.bank[2] = (struct hsx_can_filter){ .id = 0x120, .mask = 0x7f0,
						 .flags = HSX_CAN_FLT_ON | HSX_CAN_FLT_STD };
	banks.on = 1;
	KUNIT_EXPECT_TRUE(test, hsx_can_banks_pass(&banks, 0x12f, 0));
	KUNIT_EXPECT_FALSE(test, hsx_can_banks_pass(&banks, 0x130, 0));
	KUNIT_EXPECT_FALSE(test, hsx_can_banks_pass(&banks, 0x123, HSX_CAN_F_EXT));

	/* Overlapping banks: either is enough. */
	banks.bank[7] = (struct hsx_can_filter){ .id = 0x100, .mask = 0x700,
						 .flags = HSX_CAN_FLT_ON };
	banks.on = 2;
	KUNIT_EXPECT_TRUE(test, hsx_can_banks_pass(&banks, 0x1ff, 0));
	KUNIT_EXPECT_TRUE(test, hsx_can_banks_pass(&banks, 0x1ff, HSX_CAN_F_EXT));
	KUNIT_EXPECT_FALSE(test, hsx_can_banks_pass(&banks, 0x200, 0));

	/* An extended-only bank. */
	banks.bank[15] = (struct hsx_can_filter){ .id = 0x18ff0000, .mask = 0x1fff0000,
						  .flags = HSX_CAN_FLT_ON | HSX_CAN_FLT_EXT };
	banks.on = 3;
	KUNIT_EXPECT_TRUE(test, hsx_can_banks_pass(&banks, 0x18ff1234, HSX_CAN_F_EXT));
	KUNIT_EXPECT_FALSE(test, hsx_can_banks_pass(&banks, 0x18fe1234, HSX_CAN_F_EXT));

	/* A bank that is off matches nothing, even with mask 0. */
	banks = (struct hsx_can_banks){ .on = 1 };
	banks.bank[0] = (struct hsx_can_filter){ .flags = HSX_CAN_FLT_ON, .id = 5, .mask = 0x7ff };
	banks.bank[1] = (struct hsx_can_filter){};
	KUNIT_EXPECT_FALSE(test, hsx_can_banks_pass(&banks, 6, 0));
}

static union hsx_cap_selector can_sel(u32 buses, u32 flags, u32 txf, u32 txl, u32 rxf, u32 rxl)
{
	union hsx_cap_selector sel = {};

	sel.can.buses = buses;
	sel.can.flags = flags;
	sel.can.tx_first = txf;
	sel.can.tx_last = txl;
	sel.can.rx_first = rxf;
	sel.can.rx_last = rxl;
	return sel;
}

#define EXT HSX_CAN_SEL_EXT
#define TXRX (HSX_CAN_SEL_TX | HSX_CAN_SEL_RX)

static void capability_selectors(struct kunit *test)
{
	union hsx_cap_selector sel;

	sel = can_sel(0x1, TXRX, 0x100, 0x1ff, 0, 0x7ff);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_CAN_ALL, &sel), 0);
	sel = can_sel(0x1, HSX_CAN_SEL_RX, 0, 0, EXT, EXT | HSX_CAN_EFF_MASK);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_READ, &sel), 0);
	sel = can_sel(0x1, TXRX, 0, EXT | HSX_CAN_EFF_MASK, 0, 0);	/* rx 0-0: ID 0 */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_READ, &sel), 0);

	sel = can_sel(0, TXRX, 0, 1, 0, 1);			/* no bus */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_READ, &sel), -EINVAL);
	sel = can_sel(1U << HSX_CAN_MAX_BUSES, TXRX, 0, 1, 0, 1);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_READ, &sel), -EINVAL);
	sel = can_sel(1, TXRX, 0x200, 0x100, 0, 1);		/* backwards */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_READ, &sel), -EINVAL);
	sel = can_sel(1, TXRX, 0, 0x800, 0, 1);			/* no such ID */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_READ, &sel), -EINVAL);
	sel = can_sel(1, TXRX, 0, EXT | (HSX_CAN_EFF_MASK + 1), 0, 1);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_READ, &sel), -EINVAL);
	sel = can_sel(1, HSX_CAN_SEL_RX, 0, 5, 0, 1);		/* an absent range with values */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_READ, &sel), -EINVAL);
	sel = can_sel(1, 0x4, 0, 0, 0, 0);			/* an unknown flag */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_READ, &sel), -EINVAL);
	sel = can_sel(1, 0, 0, 0, 0, 0);
	sel.can.reserved[1] = 1;
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_READ, &sel), -EINVAL);
	sel = can_sel(1, 0, 0, 0, 0, 0);			/* a right CAN does not have */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CAN, HSX_CAP_R_UART_MODEM | 1, &sel),
			-EINVAL);
}

static void capability_covers_and_narrows(struct kunit *test)
{
	union hsx_cap_selector wide = can_sel(0x3, TXRX, 0x100, 0x1ff, 0, EXT | HSX_CAN_EFF_MASK);
	union hsx_cap_selector narrow = can_sel(0x2, HSX_CAN_SEL_TX, 0x180, 0x18f, 0, 0);
	union hsx_cap_selector rx_only = can_sel(0x1, HSX_CAN_SEL_RX, 0, 0, 0, 0x7ff);
	u32 ext_150 = hsx_can_sel_id(0x150, HSX_CAN_F_EXT);
	u32 ext_big = hsx_can_sel_id(0x1abcdef, HSX_CAN_F_EXT);
	u32 ext_10 = hsx_can_sel_id(0x10, HSX_CAN_F_EXT);

	KUNIT_EXPECT_TRUE(test, hsx_can_sel_covers(&wide, HSX_CAN_OBJ_BUS(1)));
	KUNIT_EXPECT_FALSE(test, hsx_can_sel_covers(&wide, HSX_CAN_OBJ_BUS(2)));
	KUNIT_EXPECT_TRUE(test, hsx_can_sel_covers(&wide, HSX_CAN_OBJ_TX(0, 0x1ff)));
	KUNIT_EXPECT_FALSE(test, hsx_can_sel_covers(&wide, HSX_CAN_OBJ_TX(0, 0x200)));
	/* An extended frame with a standard-looking ID is not a standard one. */
	KUNIT_EXPECT_FALSE(test, hsx_can_sel_covers(&wide, HSX_CAN_OBJ_TX(0, ext_150)));
	KUNIT_EXPECT_TRUE(test, hsx_can_sel_covers(&wide, HSX_CAN_OBJ_RX(1, ext_big)));
	KUNIT_EXPECT_FALSE(test, hsx_can_sel_covers(&rx_only, HSX_CAN_OBJ_TX(0, 0x10)));
	KUNIT_EXPECT_TRUE(test, hsx_can_sel_covers(&rx_only, HSX_CAN_OBJ_RX(0, 0x10)));
	KUNIT_EXPECT_FALSE(test, hsx_can_sel_covers(&rx_only, HSX_CAN_OBJ_RX(0, ext_10)));

	KUNIT_EXPECT_TRUE(test, hsx_cap_sel_subset(HSX_MODULE_CAN, &narrow, &wide));
	KUNIT_EXPECT_FALSE(test, hsx_cap_sel_subset(HSX_MODULE_CAN, &wide, &narrow));
	/* A receive range where the wider has none, a bus it lacks, a wider range. */
	KUNIT_EXPECT_FALSE(test, hsx_cap_sel_subset(HSX_MODULE_CAN, &rx_only, &narrow));
	narrow.can.buses = 0x4;
	KUNIT_EXPECT_FALSE(test, hsx_cap_sel_subset(HSX_MODULE_CAN, &narrow, &wide));
	narrow = can_sel(0x1, HSX_CAN_SEL_TX, 0x0ff, 0x180, 0, 0);
	KUNIT_EXPECT_FALSE(test, hsx_cap_sel_subset(HSX_MODULE_CAN, &narrow, &wide));
}

static void can_map_bindings(struct kunit *test)
{
	char ifname[HSX_CAN_IFNAME_MAX];
	const char *next;
	unsigned int bus;

	KUNIT_EXPECT_EQ(test, hsx_can_parse_map("0=can0,15=vcan1", &bus, ifname, sizeof(ifname),
						&next), 0);
	KUNIT_EXPECT_EQ(test, bus, 0U);
	KUNIT_EXPECT_STREQ(test, ifname, "can0");
	KUNIT_EXPECT_STREQ(test, next, "15=vcan1");
	KUNIT_EXPECT_EQ(test, hsx_can_parse_map(next, &bus, ifname, sizeof(ifname), &next), 0);
	KUNIT_EXPECT_EQ(test, bus, 15U);
	KUNIT_EXPECT_PTR_EQ(test, next, (const char *)NULL);
	KUNIT_EXPECT_EQ(test, hsx_can_parse_map("16=can0", &bus, ifname, sizeof(ifname), &next),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_can_parse_map("0=", &bus, ifname, sizeof(ifname), &next),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_can_parse_map("=can0", &bus, ifname, sizeof(ifname), &next),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_can_parse_map("0=a/b", &bus, ifname, sizeof(ifname), &next),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_can_parse_map("0=abcdefghijklmnop", &bus, ifname,
						sizeof(ifname), &next), -EINVAL);
	KUNIT_EXPECT_FALSE(test, hsx_can_ifname_ok(".."));
	KUNIT_EXPECT_FALSE(test, hsx_can_ifname_ok("can 0"));
	KUNIT_EXPECT_TRUE(test, hsx_can_ifname_ok("can-usb.0"));
}

/*
 * A controller restarted by down and up (hsxd's restart-ms, ip link set):
 * no "restarted" error frame comes, so the bus takes its controller's state
 * when the interface comes up. Before, a bus once BUS_OFF stayed so for every
 * later error frame without a controller state in it.
 */
static void a_bus_comes_up_in_its_controllers_state(struct kunit *test)
{
	const struct can_frame prot = { .can_id = CAN_ERR_FLAG | CAN_ERR_PROT, .len = CAN_ERR_DLC };
	const struct can_frame busoff = { .can_id = CAN_ERR_FLAG | CAN_ERR_BUSOFF,
					  .len = CAN_ERR_DLC };
	struct can_priv priv = { .state = CAN_STATE_ERROR_ACTIVE };

	KUNIT_EXPECT_EQ(test, hsx_can_test_state_after_up(HSX_CAN_STATE_BUS_OFF, &priv, &prot),
			HSX_CAN_STATE_ACTIVE);
	priv.state = CAN_STATE_ERROR_PASSIVE;
	KUNIT_EXPECT_EQ(test, hsx_can_test_state_after_up(HSX_CAN_STATE_BUS_OFF, &priv, &prot),
			HSX_CAN_STATE_PASSIVE);
	KUNIT_EXPECT_EQ(test, hsx_can_test_state_after_up(HSX_CAN_STATE_ACTIVE, &priv, &busoff),
			HSX_CAN_STATE_BUS_OFF);
	/* No controller (vcan): as it was. A state past the error frames' too. */
	KUNIT_EXPECT_EQ(test, hsx_can_test_state_after_up(HSX_CAN_STATE_NONE, NULL, &prot),
			HSX_CAN_STATE_NONE);
	priv.state = CAN_STATE_MAX;
	KUNIT_EXPECT_EQ(test, hsx_can_test_state_after_up(HSX_CAN_STATE_BUS_OFF, &priv, &prot),
			HSX_CAN_STATE_BUS_OFF);
}

static struct kunit_case hsx_can_cases[] = {
	KUNIT_CASE(frames_a_file_may_send),
	KUNIT_CASE(frames_sent_keep_no_bytes_past_their_length),
	KUNIT_CASE(periodic_jobs_a_file_may_start),
	KUNIT_CASE(watches_and_their_span),
	KUNIT_CASE(filter_banks_a_file_may_set),
	KUNIT_CASE(frames_pass_banks),
	KUNIT_CASE(capability_selectors),
	KUNIT_CASE(capability_covers_and_narrows),
	KUNIT_CASE(can_map_bindings),
	KUNIT_CASE(a_bus_comes_up_in_its_controllers_state),
	{}
};

static struct kunit_suite hsx_can_suite = {
	.name = "hsx_can",
	.test_cases = hsx_can_cases,
};

/*
 * A controller's node removed at run time and put back: a software node
 * here, as an overlay's node on a Raspberry Pi kernel (dtoverlay with
 * CONFIG_OF_OVERLAY). A reservation holding the node kept it registered, so
 * a node of the same name could not be made again (sysfs: "cannot create
 * duplicate filename"), and a new node would never have matched the bus.
 */
static const struct software_node fw_ctrl = { .name = "hsx-kunit-can-ctrl" };
static const struct software_node fw_ctrl_again = { .name = "hsx-kunit-can-ctrl" };
static const struct software_node *fw_registered;

static void a_controller_node_put_back_is_its_buses_again(struct kunit *test)
{
	struct fwnode_handle *ctrls[HSX_CAN_MAX_BUSES] = { };
	unsigned int busy = 0;

	KUNIT_ASSERT_EQ(test, software_node_register(&fw_ctrl), 0);
	fw_registered = &fw_ctrl;
	ctrls[1] = software_node_fwnode(&fw_ctrl);
	KUNIT_ASSERT_EQ(test, hsx_can_fw_reserve(ctrls, &busy), 0);
	KUNIT_EXPECT_TRUE(test, hsx_can_fw_test_waits_for(ctrls[1]));
	/* Reserved: the admin can neither unmap nor map the bus. */
	KUNIT_EXPECT_EQ(test, hsx_can_map_bus(1, ""), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, hsx_can_map_bus(0, ""), -ENXIO);

	software_node_unregister(&fw_ctrl);
	fw_registered = NULL;
	KUNIT_ASSERT_EQ(test, software_node_register(&fw_ctrl_again), 0);
	fw_registered = &fw_ctrl_again;
	KUNIT_EXPECT_TRUE(test, hsx_can_fw_test_waits_for(software_node_fwnode(&fw_ctrl_again)));
	KUNIT_EXPECT_EQ(test, hsx_can_map_bus(1, ""), -EOPNOTSUPP);

	/* The node that reserved it goes: the bus is free, the admin's again. */
	hsx_can_fw_release();
	KUNIT_EXPECT_FALSE(test, hsx_can_fw_test_waits_for(software_node_fwnode(&fw_ctrl_again)));
	KUNIT_EXPECT_EQ(test, hsx_can_map_bus(1, ""), -ENXIO);
}

static int hsx_can_fw_test_init(struct kunit *test)
{
	return hsx_can_buses_init();
}

static void hsx_can_fw_test_exit(struct kunit *test)
{
	hsx_can_fw_release();
	hsx_can_buses_exit();
	if (fw_registered)
		software_node_unregister(fw_registered);
	fw_registered = NULL;
}

static struct kunit_case hsx_can_fw_cases[] = {
	KUNIT_CASE(a_controller_node_put_back_is_its_buses_again),
	{}
};

static struct kunit_suite hsx_can_fw_suite = {
	.name = "hsx_can_fw",
	.init = hsx_can_fw_test_init,
	.exit = hsx_can_fw_test_exit,
	.test_cases = hsx_can_fw_cases,
};

kunit_test_suites(&hsx_can_suite, &hsx_can_fw_suite);
