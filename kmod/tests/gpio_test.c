// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: GPIO configuration validation, pin-map parsing, the edge to IRQ
 * trigger mapping, and the accounting of edges lost before posting.
 */
#include <kunit/test.h>
#include <linux/interrupt.h>

#include "../gpio/gpio.h"
#include "../core/mailbox.h"

static void gpio_config_accepts_valid_combinations(struct kunit *test)
{
	struct hsx_gpio_config c = { .pin = 5, .mode = HSX_GPIO_M_INPUT, .pull = HSX_GPIO_P_UP };

	KUNIT_EXPECT_EQ(test, hsx_gpio_validate_config(&c), 0);
	c.debounce_us = HSX_GPIO_DEBOUNCE_MAX_US;
	c.flags = HSX_GPIO_F_ACTIVE_LOW;
	KUNIT_EXPECT_EQ(test, hsx_gpio_validate_config(&c), 0);
	c = (struct hsx_gpio_config){ .pin = HSX_GPIO_MAX_PINS - 1, .mode = HSX_GPIO_M_OUTPUT,
				      .flags = HSX_GPIO_F_OPEN_DRAIN | HSX_GPIO_F_INIT_HIGH };
	KUNIT_EXPECT_EQ(test, hsx_gpio_validate_config(&c), 0);
	c.flags = HSX_GPIO_F_OPEN_SOURCE | HSX_GPIO_F_ACTIVE_LOW;
	KUNIT_EXPECT_EQ(test, hsx_gpio_validate_config(&c), 0);
}

static void gpio_config_rejects_bad_values(struct kunit *test)
{
	static const struct hsx_gpio_config bad[] = {
		{ .pin = HSX_GPIO_MAX_PINS, .mode = HSX_GPIO_M_INPUT },
		{ .pin = 1, .mode = 3 },
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .pull = 3 },
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .flags = HSX_GPIO_F_ALL + 1 },
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .reserved = { 0, 0, 1 } },
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .debounce_us = HSX_GPIO_DEBOUNCE_MAX_US + 1 },
		/* Drive and initial value belong to outputs, debounce to inputs. */
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .flags = HSX_GPIO_F_OPEN_DRAIN },
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .flags = HSX_GPIO_F_INIT_HIGH },
		{ .pin = 1, .mode = HSX_GPIO_M_OUTPUT, .debounce_us = 10 },
		{ .pin = 1, .mode = HSX_GPIO_M_OUTPUT,
		  .flags = HSX_GPIO_F_OPEN_DRAIN | HSX_GPIO_F_OPEN_SOURCE },
	};
	const struct hsx_gpio_config analog = { .pin = 1, .mode = HSX_GPIO_M_ANALOG };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, hsx_gpio_validate_config(&bad[i]), -EINVAL, "case %u", i);
	/* Analog is a valid mode, but no backend has it. */
	KUNIT_EXPECT_EQ(test, hsx_gpio_validate_config(&analog), -EOPNOTSUPP);
}

static void gpio_map_parses_bindings(struct kunit *test)
{
	const char *param = "0=gpio-sim.0-node0:3,17=pinctrl:bcm:17,63=x:65535";
	char chip[HSX_GPIO_LABEL_MAX];
	unsigned int pin, offset;
	const char *p = param;

	KUNIT_ASSERT_EQ(test, hsx_gpio_parse_map(p, &pin, chip, sizeof(chip), &offset, &p), 0);
	KUNIT_EXPECT_EQ(test, pin, 0U);
	KUNIT_EXPECT_STREQ(test, chip, "gpio-sim.0-node0");
	KUNIT_EXPECT_EQ(test, offset, 3U);
	/* A label may contain ':'; the offset follows the last one. */
	KUNIT_ASSERT_EQ(test, hsx_gpio_parse_map(p, &pin, chip, sizeof(chip), &offset, &p), 0);
	KUNIT_EXPECT_EQ(test, pin, 17U);
	KUNIT_EXPECT_STREQ(test, chip, "pinctrl:bcm");
	KUNIT_EXPECT_EQ(test, offset, 17U);
	KUNIT_ASSERT_EQ(test, hsx_gpio_parse_map(p, &pin, chip, sizeof(chip), &offset, &p), 0);
	KUNIT_EXPECT_EQ(test, pin, 63U);
	KUNIT_EXPECT_EQ(test, offset, 65535U);
	KUNIT_EXPECT_EQ(test, *p, '\0');
}

static void gpio_map_rejects_malformed_bindings(struct kunit *test)
{
	static const char *const bad[] = {
		"", "5", "5=", "5=chip", "5=chip:", "=chip:1", "x=chip:1", "64=chip:1",
		"5=:1", "5=chip:x", "5=chip:65536", "-1=chip:1", "5=chip:1x",
		"5=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1",
	};
	char chip[HSX_GPIO_LABEL_MAX];
	unsigned int i, pin, offset;
	const char *next;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, hsx_gpio_parse_map(bad[i], &pin, chip, sizeof(chip),
							     &offset, &next), -EINVAL,
				    "accepted \"%s\"", bad[i]);
}

static void gpio_trigger_follows_logical_edges(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_RISING, false),
			(unsigned long)IRQF_TRIGGER_RISING);
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_FALLING, false),
			(unsigned long)IRQF_TRIGGER_FALLING);
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_BOTH, false),
			(unsigned long)(IRQF_TRIGGER_RISING | IRQF_TRIGGER_FALLING));
	/* Active-low: a logical rising edge is a physical falling one. */
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_RISING, true),
			(unsigned long)IRQF_TRIGGER_FALLING);
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_FALLING, true),
			(unsigned long)IRQF_TRIGGER_RISING);
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_NONE, false), 0UL);
}

static struct kunit_case hsx_gpio_cases[] = {
	KUNIT_CASE(gpio_config_accepts_valid_combinations),
	KUNIT_CASE(gpio_config_rejects_bad_values),
	KUNIT_CASE(gpio_map_parses_bindings),
	KUNIT_CASE(gpio_map_rejects_malformed_bindings),
	KUNIT_CASE(gpio_trigger_follows_logical_edges),
	{}
};

static struct kunit_suite hsx_gpio_suite = {
	.name = "hsx_gpio",
	.test_cases = hsx_gpio_cases,
};

kunit_test_suite(hsx_gpio_suite);
