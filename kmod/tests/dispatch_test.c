// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: ioctl routing and argument validation. These are the rules every
 * HAL module inherits, so they are tested once, on the real module tables.
 */
#include <kunit/test.h>

#include "../core/dispatch.h"
#include "../gpio/gpio.h"
#include "../timer/timer.h"

static const struct hsx_module *const test_timer_node_modules[] = {
	&hsx_core_module, &hsx_timer_module, NULL,
};

static const struct hsx_node test_timer_node = {
	.name = "timer", .mode = 0666, .modules = test_timer_node_modules,
};

static const struct hsx_module *const test_gpio_node_modules[] = {
	&hsx_core_module, &hsx_gpio_module, NULL,
};

static const struct hsx_node test_gpio_node = {
	.name = "gpio", .mode = 0666, .modules = test_gpio_node_modules,
};

static const struct hsx_module *const test_core_only_modules[] = {
	&hsx_core_module, NULL,
};

static const struct hsx_node test_core_only_node = {
	.name = "core-only", .mode = 0600, .modules = test_core_only_modules,
};

static void expect_lookup(struct kunit *test, const struct hsx_node *node,
			  unsigned int cmd, long expected_err)
{
	const struct hsx_ioctl_op *op;
	long err = 1;

	op = hsx_dispatch_lookup(node, cmd, &err);
	KUNIT_EXPECT_EQ(test, err, expected_err);
	if (expected_err)
		KUNIT_EXPECT_NULL(test, op);
	else
		KUNIT_EXPECT_EQ(test, op ? op->cmd : 0, cmd);
}

static void dispatch_known_functions_are_found(struct kunit *test)
{
	expect_lookup(test, &test_timer_node, HSX_IOC_CORE_VERSION, 0);
	expect_lookup(test, &test_timer_node, HSX_IOC_TIMER_GET_TICK, 0);
	expect_lookup(test, &test_timer_node, HSX_IOC_TIMER_GET_TICK_FREQ, 0);
	expect_lookup(test, &test_timer_node, HSX_IOC_TIMER_CREATE, 0);
	expect_lookup(test, &test_timer_node, HSX_IOC_TIMER_CANCEL, 0);
	expect_lookup(test, &test_timer_node, HSX_IOC_TIMER_START, 0);
}

static void dispatch_unknown_numbers_are_enotty(struct kunit *test)
{
	/* Another driver's magic. */
	expect_lookup(test, &test_timer_node,
		      _IOR(0xB4, HSX_IOC_NR(HSX_MODULE_TIMER, 0), struct hsx_timer_tick), -ENOTTY);
	/* A module this node does not serve. */
	expect_lookup(test, &test_timer_node,
		      _IOR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, 0), struct hsx_timer_tick),
		      -ENOTTY);
	expect_lookup(test, &test_core_only_node, HSX_IOC_TIMER_CREATE, -ENOTTY);
	/* A function the module does not have. */
	expect_lookup(test, &test_timer_node,
		      _IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_TIMER, 0xf), struct hsx_timer_id),
		      -ENOTTY);
	expect_lookup(test, &test_timer_node,
		      _IOR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, 0x7),
			   struct hsx_core_version), -ENOTTY);
	/* Module ID below the first HAL module wraps to a huge slot. */
	expect_lookup(test, &test_timer_node, _IO(HSX_IOC_MAGIC, 0xff), -ENOTTY);
}

static void dispatch_wrong_size_or_direction_is_einval(struct kunit *test)
{
	unsigned int nr = HSX_IOC_NR(HSX_MODULE_TIMER, HSX_TIMER_FN_CREATE);

	expect_lookup(test, &test_timer_node, _IOWR(HSX_IOC_MAGIC, nr, __u64), -EINVAL);
	expect_lookup(test, &test_timer_node,
		      _IOWR(HSX_IOC_MAGIC, nr, struct hsx_core_version), -EINVAL);
	expect_lookup(test, &test_timer_node,
		      _IOR(HSX_IOC_MAGIC, nr, struct hsx_timer_create), -EINVAL);
	expect_lookup(test, &test_timer_node,
		      _IOW(HSX_IOC_MAGIC, nr, struct hsx_timer_create), -EINVAL);
	expect_lookup(test, &test_timer_node, _IO(HSX_IOC_MAGIC, nr), -EINVAL);

	/* A function that takes a number is not reached with a struct, nor the reverse. */
	nr = HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_READ);
	expect_lookup(test, &test_gpio_node, HSX_IOC_GPIO_READ, 0);
	expect_lookup(test, &test_gpio_node, _IOWR(HSX_IOC_MAGIC, nr, __u64), -EINVAL);
	expect_lookup(test, &test_gpio_node, _IOR(HSX_IOC_MAGIC, nr, __u64), -EINVAL);
	nr = HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_CONFIG);
	expect_lookup(test, &test_gpio_node, _IO(HSX_IOC_MAGIC, nr), -EINVAL);
}

/*
 * Every function of every module: a layout the dispatcher can copy safely,
 * or, for a function without an argument struct, no size at all.
 */
static void expect_consistent_table(struct kunit *test, const struct hsx_module *const *mod)
{
	unsigned int fn;

	for (; *mod; mod++) {
		for (fn = 0; fn < (*mod)->n_ops; fn++) {
			const struct hsx_ioctl_op *op = &(*mod)->ops[fn];
			unsigned int nr = _IOC_NR(op->cmd);

			if (!op->handler)
				continue;
			KUNIT_EXPECT_EQ(test, _IOC_TYPE(op->cmd), HSX_IOC_MAGIC);
			KUNIT_EXPECT_EQ(test, HSX_IOC_NR_MODULE(nr), (unsigned int)(*mod)->id);
			KUNIT_EXPECT_EQ(test, HSX_IOC_NR_FN(nr), fn);
			KUNIT_EXPECT_EQ(test, _IOC_SIZE(op->cmd) % 8, 0U);
			KUNIT_EXPECT_LE(test, _IOC_SIZE(op->cmd), (unsigned int)HSX_IOCTL_ARG_MAX);
			KUNIT_EXPECT_EQ(test, _IOC_DIR(op->cmd) == _IOC_NONE,
					_IOC_SIZE(op->cmd) == 0);
		}
	}
}

static void dispatch_tables_are_consistent(struct kunit *test)
{
	expect_consistent_table(test, test_timer_node_modules);
	expect_consistent_table(test, test_gpio_node_modules);
}

static void timer_create_validation(struct kunit *test)
{
	struct hsx_timer_create req = { .period_us = 1000 };

	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), 0);
	req.flags = HSX_TIMER_F_ONE_SHOT | HSX_TIMER_F_STOPPED;
	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), 0);

	req.period_us = 0;
	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), -EINVAL);
	req.period_us = HSX_TIMER_PERIOD_MIN_US - 1;
	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), -EINVAL);
	req.period_us = HSX_TIMER_PERIOD_MIN_US;
	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), 0);
	req.period_us = HSX_TIMER_PERIOD_MAX_US;
	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), 0);
	req.period_us = HSX_TIMER_PERIOD_MAX_US + 1;
	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), -EINVAL);
	req.period_us = U32_MAX;
	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), -EINVAL);

	req.period_us = 1000;
	req.flags = HSX_TIMER_F_ALL + 1;
	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), -EINVAL);
	req.flags = 1U << 31;
	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), -EINVAL);

	req.flags = 0;
	req.reserved = 1;
	KUNIT_EXPECT_EQ(test, hsx_timer_validate_create(&req), -EINVAL);
}

static struct kunit_case hsx_dispatch_cases[] = {
	KUNIT_CASE(dispatch_known_functions_are_found),
	KUNIT_CASE(dispatch_unknown_numbers_are_enotty),
	KUNIT_CASE(dispatch_wrong_size_or_direction_is_einval),
	KUNIT_CASE(dispatch_tables_are_consistent),
	KUNIT_CASE(timer_create_validation),
	{}
};

static struct kunit_suite hsx_dispatch_suite = {
	.name = "hsx_dispatch",
	.test_cases = hsx_dispatch_cases,
};

kunit_test_suite(hsx_dispatch_suite);

MODULE_LICENSE("GPL");
