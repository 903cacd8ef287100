// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the FRAM module's rules: which ranges an access may name, what a
 * capability's devices and address ranges cover and narrow to, where a
 * part's reserved area goes, which record groups are well formed, the slot
 * CRC, and what fram_map accepts; and (suite hsx_fram_fw) that a slot the
 * device tree reserves holds no reference to its provider's node, so a
 * node removed at run time goes and one put back at its path is the slot's
 * again. The part itself (hsx_fram_sim.ko, torn writes, a provider going)
 * is tests/e2e/test_fram_kernel.c's.
 */
#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/property.h>
#include <linux/string.h>

#include "../fram/fram.h"
#include "core.h"

static void ranges_an_access_may_name(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hsx_fram_check_range(1024, 0, 1024), 0);
	KUNIT_EXPECT_EQ(test, hsx_fram_check_range(1024, 1023, 1), 0);
	KUNIT_EXPECT_EQ(test, hsx_fram_check_range(1024, 1024, 1), -EINVAL);	/* at the end */
	KUNIT_EXPECT_EQ(test, hsx_fram_check_range(1024, 1023, 2), -EINVAL);	/* past it */
	KUNIT_EXPECT_EQ(test, hsx_fram_check_range(1024, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_fram_check_range(1024, U32_MAX, 2), -EINVAL);	/* wraps */
	KUNIT_EXPECT_EQ(test, hsx_fram_check_range(1024, 2, U32_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_fram_check_range(HSX_FRAM_PART_MAX, 0, HSX_FRAM_XFER_MAX), 0);
	KUNIT_EXPECT_EQ(test, hsx_fram_check_range(HSX_FRAM_PART_MAX, 0, HSX_FRAM_XFER_MAX + 1),
			-EINVAL);
}

static union hsx_cap_selector sel(u16 devices, u16 nranges, u32 f0, u32 l0, u32 f1, u32 l1)
{
	union hsx_cap_selector s = { .fram = { .devices = devices, .nranges = nranges } };

	s.fram.ranges[0].first = f0;
	s.fram.ranges[0].last = l0;
	s.fram.ranges[1].first = f1;
	s.fram.ranges[1].last = l1;
	return s;
}

static void capability_selectors(struct kunit *test)
{
	const struct hsx_cap_ops *ops = hsx_fram_module.cap;
	union hsx_cap_selector s;

	s = sel(1, 1, 0, 0xfff, 0, 0);
	KUNIT_EXPECT_EQ(test, ops->validate(&s), 0);
	s = sel(0, 1, 0, 0xfff, 0, 0);			/* no device */
	KUNIT_EXPECT_EQ(test, ops->validate(&s), -EINVAL);
	s = sel(BIT(HSX_FRAM_MAX_DEVICES), 1, 0, 1, 0, 0);	/* no such device */
	KUNIT_EXPECT_EQ(test, ops->validate(&s), -EINVAL);
	s = sel(1, 0, 0, 0, 0, 0);			/* no range */
	KUNIT_EXPECT_EQ(test, ops->validate(&s), -EINVAL);
	s = sel(1, 4, 0, 1, 3, 4);			/* too many */
	KUNIT_EXPECT_EQ(test, ops->validate(&s), -EINVAL);
	s = sel(1, 1, 0x10, 0xf, 0, 0);			/* backwards */
	KUNIT_EXPECT_EQ(test, ops->validate(&s), -EINVAL);
	s = sel(1, 1, 0, HSX_FRAM_PART_MAX, 0, 0);	/* past any part */
	KUNIT_EXPECT_EQ(test, ops->validate(&s), -EINVAL);
	s = sel(1, 1, 0, 0xff, 0x200, 0x2ff);		/* a word beyond nranges */
	KUNIT_EXPECT_EQ(test, ops->validate(&s), -EINVAL);
	s = sel(1, 2, 0, 0xff, 0x200, 0x2ff);
	KUNIT_EXPECT_EQ(test, ops->validate(&s), 0);
	s = sel(1, 2, 0, 0xff, 0x100, 0x2ff);		/* touching: one range */
	KUNIT_EXPECT_EQ(test, ops->validate(&s), -EINVAL);
	s = sel(1, 2, 0x200, 0x2ff, 0, 0xff);		/* not sorted */
	KUNIT_EXPECT_EQ(test, ops->validate(&s), -EINVAL);
	s = sel(1, 1, 0, 0xff, 0, 0);
	s.fram.reserved = 1;
	KUNIT_EXPECT_EQ(test, ops->validate(&s), -EINVAL);
}

static void capability_covers_and_narrows(struct kunit *test)
{
	const struct hsx_cap_ops *ops = hsx_fram_module.cap;
	union hsx_cap_selector outer = sel(BIT(0) | BIT(2), 2, 0, 0xfff, 0x2000, 0x20ff);
	union hsx_cap_selector inner;

	KUNIT_EXPECT_TRUE(test, ops->covers(&outer, HSX_FRAM_OBJ(0, 0, 0xfff)));
	KUNIT_EXPECT_TRUE(test, ops->covers(&outer, HSX_FRAM_OBJ(2, 0x2000, 0x20ff)));
	/* Straddling a range's end, or spanning the gap between two. */
	KUNIT_EXPECT_FALSE(test, ops->covers(&outer, HSX_FRAM_OBJ(0, 0xff0, 0x100f)));
	KUNIT_EXPECT_FALSE(test, ops->covers(&outer, HSX_FRAM_OBJ(0, 0, 0x20ff)));
	KUNIT_EXPECT_FALSE(test, ops->covers(&outer, HSX_FRAM_OBJ(1, 0, 0)));	/* device 1 */
	KUNIT_EXPECT_TRUE(test, ops->covers(&outer, HSX_FRAM_OBJ_DEV(2)));
	KUNIT_EXPECT_FALSE(test, ops->covers(&outer, HSX_FRAM_OBJ_DEV(1)));
	KUNIT_EXPECT_FALSE(test, ops->covers(&outer, HSX_FRAM_OBJ_DEV(HSX_FRAM_MAX_DEVICES)));

	inner = sel(BIT(0), 1, 0x100, 0x1ff, 0, 0);
	KUNIT_EXPECT_TRUE(test, ops->subset(&inner, &outer));
	inner = sel(BIT(1), 1, 0x100, 0x1ff, 0, 0);		/* another device */
	KUNIT_EXPECT_FALSE(test, ops->subset(&inner, &outer));
	inner = sel(BIT(0), 1, 0x100, 0x2000, 0, 0);		/* over the gap */
	KUNIT_EXPECT_FALSE(test, ops->subset(&inner, &outer));
	inner = sel(BIT(0), 2, 0, 0x10, 0x2080, 0x20ff);
	KUNIT_EXPECT_TRUE(test, ops->subset(&inner, &outer));
}

static void where_the_reserved_area_goes(struct kunit *test)
{
	u32 size, reserved, nblocks;

	/* 128 counts of 4 bytes, 4 slots of 536 bytes: 2144, in 9 blocks. */
	hsx_fram_layout(32768, &size, &reserved, &nblocks);
	KUNIT_EXPECT_EQ(test, nblocks, 128u);
	KUNIT_EXPECT_EQ(test, reserved, 2304u);
	KUNIT_EXPECT_EQ(test, size, 32768u - 2304u);
	KUNIT_EXPECT_GE(test, reserved / HSX_FRAM_WEAR_SLOTS,
			(u32)(HSX_FRAM_HEADER_SIZE + nblocks * 4));
	hsx_fram_layout(HSX_FRAM_WEAR_MIN_SIZE, &size, &reserved, &nblocks);
	KUNIT_EXPECT_EQ(test, reserved, 256u);
	/* Too small to give up a part: the counts stay in memory. */
	hsx_fram_layout(HSX_FRAM_WEAR_MIN_SIZE - 1, &size, &reserved, &nblocks);
	KUNIT_EXPECT_EQ(test, reserved, 0u);
	KUNIT_EXPECT_EQ(test, size, HSX_FRAM_WEAR_MIN_SIZE - 1);
	KUNIT_EXPECT_EQ(test, nblocks, HSX_FRAM_WEAR_MIN_SIZE / HSX_FRAM_BLOCK_SIZE);
	hsx_fram_layout(HSX_FRAM_PART_MAX, &size, &reserved, &nblocks);
	KUNIT_EXPECT_EQ(test, size + reserved, HSX_FRAM_PART_MAX);
	KUNIT_EXPECT_LT(test, reserved, HSX_FRAM_PART_MAX / 8);
}

static void record_groups(struct kunit *test)
{
	struct hsx_fram_group g = { .base = 0, .slot_size = 64, .slots = 2, .id = 0 };

	KUNIT_EXPECT_EQ(test, hsx_fram_check_group(&g, 128), 0);
	KUNIT_EXPECT_EQ(test, hsx_fram_check_group(&g, 127), -EINVAL);
	g.id = 1;				/* the next group: 128..255 */
	KUNIT_EXPECT_EQ(test, hsx_fram_check_group(&g, 256), 0);
	KUNIT_EXPECT_EQ(test, hsx_fram_check_group(&g, 255), -EINVAL);
	g.id = U32_MAX;				/* id * group would wrap 32 bits */
	KUNIT_EXPECT_EQ(test, hsx_fram_check_group(&g, HSX_FRAM_PART_MAX), -EINVAL);
	g.id = 0;
	g.base = U32_MAX - 63;			/* base + group wraps */
	KUNIT_EXPECT_EQ(test, hsx_fram_check_group(&g, HSX_FRAM_PART_MAX), -EINVAL);
	g.base = 0;
	g.slots = 1;				/* one slot cannot survive a torn write */
	KUNIT_EXPECT_EQ(test, hsx_fram_check_group(&g, 4096), -EINVAL);
	g.slots = HSX_FRAM_SLOTS_MAX + 1;
	KUNIT_EXPECT_EQ(test, hsx_fram_check_group(&g, 1 << 20), -EINVAL);
	g.slots = 2;
	g.slot_size = HSX_FRAM_HEADER_SIZE;	/* no payload at all */
	KUNIT_EXPECT_EQ(test, hsx_fram_check_group(&g, 4096), -EINVAL);
	g.slot_size = 60;			/* not a multiple of 8 */
	KUNIT_EXPECT_EQ(test, hsx_fram_check_group(&g, 4096), -EINVAL);
}

static void slot_crc(struct kunit *test)
{
	struct hsx_fram_slot_header h = {
		.magic = cpu_to_le32(HSX_FRAM_SLOT_MAGIC),
		.id = cpu_to_le32(7),
		.seq = cpu_to_le64(3),
		.len = cpu_to_le32(9),
	};
	static const u8 payload[] = "123456789";
	u32 crc = hsx_fram_slot_crc(&h, payload, 9);

	/* CRC-32C's check value: "123456789" alone gives 0xe3069283. */
	KUNIT_EXPECT_EQ(test, ~__crc32c_le(~0U, payload, 9), 0xe3069283u);
	/* The crc field itself is not covered, every other byte is. */
	h.crc = cpu_to_le32(crc);
	KUNIT_EXPECT_EQ(test, hsx_fram_slot_crc(&h, payload, 9), crc);
	h.seq = cpu_to_le64(4);
	KUNIT_EXPECT_NE(test, hsx_fram_slot_crc(&h, payload, 9), crc);
	h.seq = cpu_to_le64(3);
	KUNIT_EXPECT_NE(test, hsx_fram_slot_crc(&h, payload, 8), crc);
}

static void fram_map_bindings(struct kunit *test)
{
	char name[HSX_FRAM_NAME_MAX];
	const char *next;
	unsigned int dev;

	KUNIT_EXPECT_EQ(test, hsx_fram_parse_map("0=spi0.0,1=0-00500", &dev, name, sizeof(name),
						 &next), 0);
	KUNIT_EXPECT_EQ(test, dev, 0u);
	KUNIT_EXPECT_STREQ(test, name, "spi0.0");
	KUNIT_EXPECT_EQ(test, hsx_fram_parse_map(next, &dev, name, sizeof(name), &next), 0);
	KUNIT_EXPECT_EQ(test, dev, 1u);
	KUNIT_EXPECT_STREQ(test, name, "0-00500");
	KUNIT_EXPECT_NULL(test, next);
	KUNIT_EXPECT_EQ(test, hsx_fram_parse_map("8=spi0.0", &dev, name, sizeof(name), &next),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_fram_parse_map("0=a/b", &dev, name, sizeof(name), &next),
			-EINVAL);
	KUNIT_EXPECT_FALSE(test, hsx_fram_name_ok("a b"));
	KUNIT_EXPECT_FALSE(test, hsx_fram_name_ok(""));
	KUNIT_EXPECT_TRUE(test, hsx_fram_name_ok("hsx-fram-sim0"));
}

/* A kernel without the nvmem core binds nothing, and says so (its stub answers NULL). */
static void binding_without_the_nvmem_core(struct kunit *test)
{
	if (IS_ENABLED(CONFIG_NVMEM))
		kunit_skip(test, "with the nvmem core: test_fram_kernel binds parts");
	KUNIT_EXPECT_EQ(test, hsx_fram_map_dev(0, "hsx-fram-sim0", 0), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, hsx_fram_map_dev(0, "", 0), -ENXIO);
}

static struct kunit_case hsx_fram_cases[] = {
	KUNIT_CASE(ranges_an_access_may_name),
	KUNIT_CASE(capability_selectors),
	KUNIT_CASE(capability_covers_and_narrows),
	KUNIT_CASE(where_the_reserved_area_goes),
	KUNIT_CASE(record_groups),
	KUNIT_CASE(slot_crc),
	KUNIT_CASE(fram_map_bindings),
	KUNIT_CASE(binding_without_the_nvmem_core),
	{}
};

static struct kunit_suite hsx_fram_suite = {
	.name = "hsx_fram",
	.test_cases = hsx_fram_cases,
};

/*
 * A provider's node removed at run time and put back: a software node here,
 * as an overlay's node on a Raspberry Pi kernel (CONFIG_OF_OVERLAY; Debian's
 * kernels have none). A reservation holding the node kept it registered, so
 * a node of the same name could not be made again (sysfs says "cannot create
 * duplicate filename"), and a new node would never have matched the slot.
 */
static const struct software_node fw_part = { .name = "hsx-kunit-fram-part" };
static const struct software_node fw_part_again = { .name = "hsx-kunit-fram-part" };
static const struct software_node *fw_registered;

static void a_provider_node_put_back_is_its_slots_again(struct kunit *test)
{
	struct fwnode_handle *providers[HSX_FRAM_MAX_DEVICES] = { };
	unsigned int busy = 0;

	KUNIT_ASSERT_EQ(test, software_node_register(&fw_part), 0);
	fw_registered = &fw_part;
	providers[1] = software_node_fwnode(&fw_part);
	KUNIT_ASSERT_EQ(test, hsx_fram_fw_reserve(providers, &busy), 0);
	KUNIT_EXPECT_TRUE(test, hsx_fram_fw_test_waits_for(providers[1]));
	/* Reserved: the admin can neither unmap nor map the device. */
	KUNIT_EXPECT_EQ(test, hsx_fram_map_dev(1, "", 0), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, hsx_fram_map_dev(0, "", 0), -ENXIO);

	software_node_unregister(&fw_part);
	fw_registered = NULL;
	KUNIT_ASSERT_EQ(test, software_node_register(&fw_part_again), 0);
	fw_registered = &fw_part_again;
	KUNIT_EXPECT_TRUE(test, hsx_fram_fw_test_waits_for(software_node_fwnode(&fw_part_again)));

	/* The node that reserved it goes: the slot is free, the admin's again. */
	hsx_fram_fw_release();
	KUNIT_EXPECT_FALSE(test, hsx_fram_fw_test_waits_for(software_node_fwnode(&fw_part_again)));
	KUNIT_EXPECT_EQ(test, hsx_fram_map_dev(1, "", 0), -ENXIO);
}

static int hsx_fram_fw_test_init(struct kunit *test)
{
	return hsx_fram_devs_init();
}

static void hsx_fram_fw_test_exit(struct kunit *test)
{
	hsx_fram_fw_release();
	hsx_fram_devs_exit();
	if (fw_registered)
		software_node_unregister(fw_registered);
	fw_registered = NULL;
}

static struct kunit_case hsx_fram_fw_cases[] = {
	KUNIT_CASE(a_provider_node_put_back_is_its_slots_again),
	{}
};

static struct kunit_suite hsx_fram_fw_suite = {
	.name = "hsx_fram_fw",
	.init = hsx_fram_fw_test_init,
	.exit = hsx_fram_fw_test_exit,
	.test_cases = hsx_fram_fw_cases,
};

kunit_test_suites(&hsx_fram_suite, &hsx_fram_fw_suite);
