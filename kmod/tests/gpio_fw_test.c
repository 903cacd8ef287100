// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the firmware binding of GPIO pins (gpio_fw.c), on software nodes,
 * which the fwnode API reads as it reads a device tree: the hsx-gpios list
 * with its holes, flags and names, every way it can be malformed, how a
 * reference is described as chip label and offset, and the fixed-map rule
 * the gpiolib backend applies while a node binds the pins.
 */
#include <kunit/test.h>
#include <linux/gpio/driver.h>
#include <linux/gpio/machine.h>
#include <linux/property.h>

#include "../gpio/gpio.h"

static const struct property_entry ctrl_props[] = {
	PROPERTY_ENTRY_BOOL("gpio-controller"),
	PROPERTY_ENTRY_U32("#gpio-cells", 2),
	{}
};

static const struct property_entry no_cells_props[] = {
	PROPERTY_ENTRY_BOOL("gpio-controller"),
	{}
};

static const struct property_entry wide_props[] = {
	PROPERTY_ENTRY_BOOL("gpio-controller"),
	PROPERTY_ENTRY_U32("#gpio-cells", NR_FWNODE_REFERENCE_ARGS + 1),
	{}
};

static const struct property_entry zero_cells_props[] = {
	PROPERTY_ENTRY_BOOL("gpio-controller"),
	PROPERTY_ENTRY_U32("#gpio-cells", 0),
	{}
};

static const struct property_entry not_ctrl_props[] = {
	PROPERTY_ENTRY_U32("#gpio-cells", 2),
	{}
};

/* A well-formed controller, and controllers that are wrong in one way each. */
static const struct software_node ctrl = { .name = "hsx-kunit-ctrl", .properties = ctrl_props };
static const struct software_node no_cells = { .name = "hsx-kunit-nocells",
					       .properties = no_cells_props };
static const struct software_node wide = { .name = "hsx-kunit-wide", .properties = wide_props };
static const struct software_node zero_cells = { .name = "hsx-kunit-zero",
						 .properties = zero_cells_props };
static const struct software_node not_ctrl = { .name = "hsx-kunit-notctrl",
					       .properties = not_ctrl_props };

#define REF(node, ...) SOFTWARE_NODE_REFERENCE(&(node), ##__VA_ARGS__)
#define HOLE { .node = NULL }

struct fw_env {
	struct software_node pins;
	const struct software_node *group[7];
	struct hsx_gpio_fw_map *map;
};

/* Register the controllers and a node "hsx-kunit-pins" with props; parse it. */
static int fw_parse(struct kunit *test, struct fw_env *env, const struct property_entry *props)
{
	const struct software_node *group[] = {
		&ctrl, &no_cells, &wide, &zero_cells, &not_ctrl, &env->pins, NULL
	};

	env->pins = (struct software_node){ .name = "hsx-kunit-pins", .properties = props };
	memcpy(env->group, group, sizeof(group));
	env->map = kunit_kzalloc(test, sizeof(*env->map), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, env->map);
	KUNIT_ASSERT_EQ(test, software_node_register_node_group(env->group), 0);
	return hsx_gpio_fw_parse(software_node_fwnode(&env->pins), env->map);
}

static void fw_done(struct fw_env *env)
{
	hsx_gpio_fw_put(env->map);
	software_node_unregister_node_group(env->group);
}

static void fw_parse_binds_pins_holes_flags_and_names(struct kunit *test)
{
	const struct software_node_ref_args refs[] = {
		REF(ctrl, 17, 0), HOLE, REF(ctrl, 27, GPIO_ACTIVE_LOW), HOLE, HOLE,
	};
	const char *const names[] = { "LED", "", "BUTTON" };
	const struct property_entry props[] = {
		PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", refs),
		PROPERTY_ENTRY_STRING_ARRAY("hsx-gpio-names", names),
		{}
	};
	struct fw_env env;
	unsigned int pin;

	KUNIT_ASSERT_EQ(test, fw_parse(test, &env, props), 0);
	/* Trailing holes bind nothing and do not count. */
	KUNIT_EXPECT_EQ(test, env.map->count, 3U);
	KUNIT_EXPECT_PTR_EQ(test, env.map->pins[0].ref.fwnode,
			    (struct fwnode_handle *)software_node_fwnode(&ctrl));
	KUNIT_EXPECT_EQ(test, env.map->pins[0].ref.nargs, 2U);
	KUNIT_EXPECT_EQ(test, env.map->pins[0].ref.args[0], 17ULL);
	KUNIT_EXPECT_STREQ(test, env.map->pins[0].name, "LED");
	KUNIT_EXPECT_EQ(test, env.map->pins[2].ref.args[0], 27ULL);
	KUNIT_EXPECT_EQ(test, env.map->pins[2].ref.args[1], (u64)GPIO_ACTIVE_LOW);
	KUNIT_EXPECT_STREQ(test, env.map->pins[2].name, "BUTTON");
	for (pin = 0; pin < HSX_GPIO_MAX_PINS; pin++)
		if (pin != 0 && pin != 2)
			KUNIT_EXPECT_NULL_MSG(test, env.map->pins[pin].ref.fwnode, "pin %u", pin);
	KUNIT_EXPECT_STREQ(test, env.map->pins[1].name, "");
	fw_done(&env);
}

static void fw_parse_takes_64_pins_not_65(struct kunit *test)
{
	struct software_node_ref_args *refs;
	struct property_entry props[2] = {};
	struct fw_env env;
	unsigned int i;

	refs = kunit_kcalloc(test, HSX_GPIO_MAX_PINS + 1, sizeof(*refs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, refs);
	for (i = 0; i <= HSX_GPIO_MAX_PINS; i++)
		refs[i] = REF(ctrl, i, 0);

	props[0] = PROPERTY_ENTRY_REF_ARRAY_LEN("hsx-gpios", refs, HSX_GPIO_MAX_PINS);
	KUNIT_EXPECT_EQ(test, fw_parse(test, &env, props), 0);
	KUNIT_EXPECT_EQ(test, env.map->count, HSX_GPIO_MAX_PINS);
	KUNIT_EXPECT_EQ(test, env.map->pins[HSX_GPIO_MAX_PINS - 1].ref.args[0],
			(u64)HSX_GPIO_MAX_PINS - 1);
	fw_done(&env);

	props[0] = PROPERTY_ENTRY_REF_ARRAY_LEN("hsx-gpios", refs, HSX_GPIO_MAX_PINS + 1);
	KUNIT_EXPECT_EQ(test, fw_parse(test, &env, props), -E2BIG);
	fw_done(&env);
}

static const struct software_node_ref_args one_ref[] = { REF(ctrl, 4, 0) };
static const struct software_node_ref_args two_refs[] = { REF(ctrl, 4, 0), REF(ctrl, 5, 0) };
static const struct software_node_ref_args hole_then_ref[] = { HOLE, REF(ctrl, 5, 0) };
static const struct software_node_ref_args only_holes[] = { HOLE, HOLE };
static const struct software_node_ref_args same_line[] = { REF(ctrl, 4, 0), HOLE, REF(ctrl, 4, 1) };
static const struct software_node_ref_args to_not_ctrl[] = { REF(not_ctrl, 4, 0) };
static const struct software_node_ref_args to_no_cells[] = { REF(ctrl, 1, 0), REF(no_cells, 4) };
static const struct software_node_ref_args to_wide[] = { REF(wide, 4, 0) };
static const struct software_node_ref_args to_zero_cells[] = { REF(zero_cells) };
static const struct software_node_ref_args big_offset[] = { REF(ctrl, 65536, 0) };
static const u32 not_refs[] = { 1, 4, 0 };
static const char *const three_names[] = { "a", "b", "c" };
static const char *const dup_names[] = { "a", "a" };
static const char *const hole_name[] = { "", "a" };
static const char *const named_hole[] = { "a", "b" };
static const char *const long_name[] = { "abcdefghijklmnopqrstuvwxyz012345" };

struct fw_bad_case {
	const char *what;
	struct property_entry props[3];
	int err;
};

static const struct fw_bad_case fw_bad_cases[] = {
	{ "no hsx-gpios", { PROPERTY_ENTRY_U32("other-gpios", 1) }, -ENOENT },
	{ "integers, not references", { PROPERTY_ENTRY_U32_ARRAY("hsx-gpios", not_refs) },
	  -EINVAL },
	{ "not a gpio-controller", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", to_not_ctrl) },
	  -EINVAL },
	{ "controller without #gpio-cells", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", to_no_cells) },
	  -EINVAL },
	{ "more cells than a reference holds", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", to_wide) },
	  -EINVAL },
	{ "no offset cell", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", to_zero_cells) }, -EINVAL },
	{ "offset beyond 16 bits", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", big_offset) },
	  -EINVAL },
	{ "binds no pin", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", only_holes) }, -EINVAL },
	{ "one line, two pins", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", same_line) }, -EINVAL },
	{ "more names than pins", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", two_refs),
				    PROPERTY_ENTRY_STRING_ARRAY("hsx-gpio-names", three_names) },
	  -EINVAL },
	{ "duplicate names", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", two_refs),
			       PROPERTY_ENTRY_STRING_ARRAY("hsx-gpio-names", dup_names) },
	  -EINVAL },
	{ "a named hole", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", hole_then_ref),
			    PROPERTY_ENTRY_STRING_ARRAY("hsx-gpio-names", named_hole) },
	  -EINVAL },
	{ "a name of 32 characters", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", one_ref),
				       PROPERTY_ENTRY_STRING_ARRAY("hsx-gpio-names", long_name) },
	  -EINVAL },
	{ "names that are not strings", { PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", one_ref),
					  PROPERTY_ENTRY_U32("hsx-gpio-names", 1) },
	  -EINVAL },
};

static void fw_parse_rejects_malformed_lists(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fw_bad_cases); i++) {
		struct fw_env env;

		KUNIT_EXPECT_EQ_MSG(test, fw_parse(test, &env, fw_bad_cases[i].props),
				    fw_bad_cases[i].err, "%s", fw_bad_cases[i].what);
		fw_done(&env);
	}
	/* The same lists made right parse: the cases fail for their one fault. */
	{
		const struct property_entry good[] = {
			PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", hole_then_ref),
			PROPERTY_ENTRY_STRING_ARRAY("hsx-gpio-names", hole_name),
			{}
		};
		struct fw_env env;

		KUNIT_EXPECT_EQ(test, fw_parse(test, &env, good), 0);
		KUNIT_EXPECT_EQ(test, env.map->count, 2U);
		KUNIT_EXPECT_STREQ(test, env.map->pins[1].name, "a");
		fw_done(&env);
	}
}

/* Before its chip exists a reference reads as node name and cell; then as the chip's. */
static void fw_describe_names_the_chip(struct kunit *test)
{
	const struct property_entry props[] = {
		PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", two_refs),
		{}
	};
	struct gpio_chip *gc;
	char chip[HSX_GPIO_LABEL_MAX];
	struct fw_env env;
	u32 offset = 0;

	gc = kunit_kzalloc(test, sizeof(*gc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gc);
	KUNIT_ASSERT_EQ(test, fw_parse(test, &env, props), 0);
	hsx_gpio_fw_describe(&env.map->pins[1].ref, chip, sizeof(chip), &offset);
	KUNIT_EXPECT_STREQ(test, chip, "hsx-kunit-ctrl");
	KUNIT_EXPECT_EQ(test, offset, 5U);

	gc->label = "hsx-kunit-chip";
	gc->ngpio = 8;
	gc->base = -1;
	gc->fwnode = (struct fwnode_handle *)software_node_fwnode(&ctrl);
	KUNIT_ASSERT_EQ(test, gpiochip_add_data(gc, NULL), 0);
	hsx_gpio_fw_describe(&env.map->pins[1].ref, chip, sizeof(chip), &offset);
	KUNIT_EXPECT_STREQ(test, chip, "hsx-kunit-chip");
	KUNIT_EXPECT_EQ(test, offset, 5U);
	gpiochip_remove(gc);
	fw_done(&env);
}

/* While a node binds the pins the map is fixed; a second node is refused. */
static void fw_bindings_are_fixed_while_bound(struct kunit *test)
{
	const struct software_node_ref_args refs[] = { HOLE, REF(ctrl, 6, 0) };
	const char *const names[] = { "", "RELAY" };
	const struct property_entry props[] = {
		PROPERTY_ENTRY_REF_ARRAY("hsx-gpios", refs),
		PROPERTY_ENTRY_STRING_ARRAY("hsx-gpio-names", names),
		{}
	};
	const struct hsx_gpio_config cfg = { .pin = 0, .mode = HSX_GPIO_M_INPUT };
	const struct hsx_gpio_backend *be;
	struct hsx_gpio_info info = { .pin = 1 };
	struct hsx_gpio_line *line;
	struct fw_env env;
	struct device *dev;

	dev = root_device_register("hsx-kunit-fw");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	be = hsx_gpiolib_backend_init("1=table-chip:3");
	KUNIT_ASSERT_FALSE(test, IS_ERR(be));
	KUNIT_ASSERT_EQ(test, fw_parse(test, &env, props), 0);
	KUNIT_ASSERT_EQ(test, hsx_gpiolib_set_fw(dev, env.map), 0);
	KUNIT_EXPECT_EQ(test, hsx_gpiolib_set_fw(dev, env.map), -EBUSY);

	KUNIT_EXPECT_EQ(test, be->info(&info), 0);
	KUNIT_EXPECT_EQ(test, info.mapped, 1U);
	KUNIT_EXPECT_STREQ(test, info.chip, "hsx-kunit-ctrl");
	KUNIT_EXPECT_EQ(test, info.offset, 6U);
	KUNIT_EXPECT_STREQ(test, info.name, "RELAY");
	info = (struct hsx_gpio_info){ .pin = 0 };
	KUNIT_EXPECT_EQ(test, be->info(&info), 0);
	KUNIT_EXPECT_EQ(test, info.mapped, 0U);
	KUNIT_EXPECT_EQ(test, be->acquire(0, &cfg, &line), -ENXIO);
	KUNIT_EXPECT_EQ(test, be->map(0, "table-chip", 1), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, be->unmap(1), -EOPNOTSUPP);

	/* Unbound, the parameter's bindings are back. */
	KUNIT_EXPECT_EQ(test, hsx_gpiolib_set_fw(NULL, NULL), 0);
	info = (struct hsx_gpio_info){ .pin = 1 };
	KUNIT_EXPECT_EQ(test, be->info(&info), 0);
	KUNIT_EXPECT_STREQ(test, info.chip, "table-chip");
	KUNIT_EXPECT_EQ(test, info.offset, 3U);
	KUNIT_EXPECT_EQ(test, be->map(0, "table-chip", 1), 0);
	fw_done(&env);
	hsx_gpiolib_backend_exit();
	root_device_unregister(dev);
}

static struct kunit_case hsx_gpio_fw_cases[] = {
	KUNIT_CASE(fw_parse_binds_pins_holes_flags_and_names),
	KUNIT_CASE(fw_parse_takes_64_pins_not_65),
	KUNIT_CASE(fw_parse_rejects_malformed_lists),
	KUNIT_CASE(fw_describe_names_the_chip),
	KUNIT_CASE(fw_bindings_are_fixed_while_bound),
	{}
};

static struct kunit_suite hsx_gpio_fw_suite = {
	.name = "hsx_gpio_fw",
	.test_cases = hsx_gpio_fw_cases,
};

kunit_test_suite(hsx_gpio_fw_suite);
