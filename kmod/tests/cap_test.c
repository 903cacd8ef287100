// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the capability rules and the check. What a capability may contain,
 * when one selector is inside another (delegation may only narrow), and the
 * decision every operation gets, including which denial wins when several
 * apply and the exact expiry boundary.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>

#include "../core/cap.h"
#include "../core/core.h"
#include "../gpio/gpio.h"
#include "../timer/timer.h"

static union hsx_cap_selector pins(u64 mask)
{
	union hsx_cap_selector sel = { .gpio.pins = mask };

	return sel;
}

static union hsx_cap_selector timers(u32 n)
{
	union hsx_cap_selector sel = { .timer.max_timers = n };

	return sel;
}

static void cap_spec_valid_ones(struct kunit *test)
{
	union hsx_cap_selector sel = pins(BIT_ULL(0) | BIT_ULL(63));

	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_GPIO, HSX_CAP_R_READ, &sel), 0);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_GPIO, HSX_CAP_R_GPIO_ALL, &sel), 0);
	sel = timers(1);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_TIMER, HSX_CAP_R_WRITE, &sel), 0);
	sel = timers(HSX_TIMER_DEFAULT_PER_OPEN);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_TIMER, HSX_CAP_R_TIMER_ALL, &sel),
			0);
}

static void cap_spec_bad_rights(struct kunit *test)
{
	union hsx_cap_selector sel = pins(1);

	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_GPIO, 0, &sel), -EINVAL);
	/* ADMIN is never in a capability. */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_GPIO, HSX_CAP_R_ADMIN, &sel),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_GPIO,
						    HSX_CAP_R_READ | HSX_CAP_R_ADMIN, &sel),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_GPIO, 0x80000000U, &sel), -EINVAL);
	/* A module's own rights belong to it alone. */
	sel = timers(1);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_TIMER, HSX_CAP_R_GPIO_IRQ, &sel),
			-EINVAL);
}

static void cap_spec_bad_modules(struct kunit *test)
{
	union hsx_cap_selector sel = pins(1);

	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(0, HSX_CAP_R_READ, &sel), -EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_CORE, HSX_CAP_R_READ, &sel),
			-EINVAL);
	/* An ID no module has takes no capabilities. */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(0x1d, HSX_CAP_R_READ, &sel), -EINVAL);
	KUNIT_EXPECT_EQ(test, hsx_cap_module_rights(0x1d), 0U);
	KUNIT_EXPECT_EQ(test, hsx_cap_module_rights(HSX_MODULE_FS), HSX_CAP_R_FS_ALL);
	KUNIT_EXPECT_EQ(test, hsx_cap_module_rights(HSX_MODULE_FRAM), HSX_CAP_R_FRAM_ALL);
	KUNIT_EXPECT_EQ(test, hsx_cap_module_rights(HSX_MODULE_CAN), HSX_CAP_R_CAN_ALL);
	KUNIT_EXPECT_EQ(test, hsx_cap_module_rights(HSX_MODULE_UART), HSX_CAP_R_UART_ALL);
	KUNIT_EXPECT_EQ(test, hsx_cap_module_rights(HSX_MODULE_GPIO), HSX_CAP_R_GPIO_ALL);
}

/* A UART selector is a mask of the ports that exist, nothing else. */
static void cap_spec_uart_selectors(struct kunit *test)
{
	union hsx_cap_selector sel = {};

	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_UART, HSX_CAP_R_READ, &sel),
			-EINVAL);
	sel.uart.ports = 0x3;
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_UART, HSX_CAP_R_UART_ALL, &sel), 0);
	sel.uart.ports = 1U << HSX_UART_MAX_PORTS;
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_UART, HSX_CAP_R_READ, &sel),
			-EINVAL);
	sel.uart.ports = 1;
	sel.uart.reserved = 1;
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_UART, HSX_CAP_R_READ, &sel),
			-EINVAL);
	sel.uart.reserved = 0;
	/* Bit 18: no right of the UART module's. */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_UART, 0x40000U, &sel), -EINVAL);
}

static void cap_spec_bad_selectors(struct kunit *test)
{
	union hsx_cap_selector sel = pins(0);

	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_GPIO, HSX_CAP_R_READ, &sel),
			-EINVAL);
	sel = pins(1);
	sel.raw[3] = 1;		/* unused words must be zero */
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_GPIO, HSX_CAP_R_READ, &sel),
			-EINVAL);
	sel = timers(0);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_TIMER, HSX_CAP_R_READ, &sel),
			-EINVAL);
	sel = timers(HSX_TIMER_DEFAULT_PER_OPEN + 1);
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_TIMER, HSX_CAP_R_READ, &sel),
			-EINVAL);
	sel = timers(1);
	sel.timer.reserved = 1;
	KUNIT_EXPECT_EQ(test, hsx_cap_validate_spec(HSX_MODULE_TIMER, HSX_CAP_R_READ, &sel),
			-EINVAL);
}

static void cap_selector_subsets(struct kunit *test)
{
	union hsx_cap_selector outer = pins(0xf0ULL | BIT_ULL(63)), inner;

	inner = pins(0x30);
	KUNIT_EXPECT_TRUE(test, hsx_cap_sel_subset(HSX_MODULE_GPIO, &inner, &outer));
	inner = outer;
	KUNIT_EXPECT_TRUE(test, hsx_cap_sel_subset(HSX_MODULE_GPIO, &inner, &outer));
	inner = pins(BIT_ULL(63));
	KUNIT_EXPECT_TRUE(test, hsx_cap_sel_subset(HSX_MODULE_GPIO, &inner, &outer));
	inner = pins(0x1f0);	/* one pin more */
	KUNIT_EXPECT_FALSE(test, hsx_cap_sel_subset(HSX_MODULE_GPIO, &inner, &outer));
	inner = pins(BIT_ULL(62));
	KUNIT_EXPECT_FALSE(test, hsx_cap_sel_subset(HSX_MODULE_GPIO, &inner, &outer));

	outer = timers(4);
	inner = timers(4);
	KUNIT_EXPECT_TRUE(test, hsx_cap_sel_subset(HSX_MODULE_TIMER, &inner, &outer));
	inner = timers(5);
	KUNIT_EXPECT_FALSE(test, hsx_cap_sel_subset(HSX_MODULE_TIMER, &inner, &outer));
	KUNIT_EXPECT_FALSE(test, hsx_cap_sel_subset(HSX_MODULE_UART, &inner, &outer));
}

static const void *authorize_pin(struct hsx_client *client, bool privileged, unsigned int pin)
{
	return hsx_cap_authorize(client, privileged, &hsx_gpio_module, HSX_CAP_R_GPIO_IRQ,
				 BIT_ULL(pin));
}

static struct hsx_cap *make_cap(struct kunit *test, u32 rights, u64 expiry_ns)
{
	struct hsx_cap *cap = kunit_kzalloc(test, sizeof(*cap), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cap);
	cap->module = HSX_MODULE_GPIO;
	cap->rights = rights;
	cap->sel = pins(0x0f);
	cap->expiry_ns = expiry_ns;
	cap->holder = task_tgid(current);
	cap->active = true;
	return cap;
}

static void cap_decide_allows_the_holder_within_rights(struct kunit *test)
{
	struct hsx_cap *cap = make_cap(test, HSX_CAP_R_READ | HSX_CAP_R_WRITE, 1000);
	struct pid *me = task_tgid(current);

	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, me, HSX_CAP_R_READ), 0);
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, me, HSX_CAP_R_READ | HSX_CAP_R_WRITE), 0);
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, me, HSX_CAP_R_GPIO_IRQ), -EACCES);
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, me, HSX_CAP_R_READ | HSX_CAP_R_GRANT),
			-EACCES);
}

static void cap_decide_expired_denies(struct kunit *test)
{
	struct hsx_cap *cap = make_cap(test, HSX_CAP_R_READ, 1000);
	struct pid *me = task_tgid(current);

	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, me, HSX_CAP_R_READ), 0);
	cap->expired = true;
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, me, HSX_CAP_R_READ), -EKEYEXPIRED);
}

/* The expiry timer flags the capability at its time, without an operation. */
static void cap_expiry_timer_flags_on_time(struct kunit *test)
{
	struct hsx_cap *cap = make_cap(test, HSX_CAP_R_READ, 0);
	unsigned long deadline;

	cap->expiry_ns = ktime_get_boottime_ns() + 20 * NSEC_PER_MSEC;
	hsx_cap_arm_expiry(cap);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(cap->expired));
	deadline = jiffies + 5 * HZ;
	while (!READ_ONCE(cap->expired) && time_before(jiffies, deadline))
		msleep(20);
	hsx_cap_disarm_expiry(cap);
	KUNIT_ASSERT_TRUE(test, READ_ONCE(cap->expired));
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, task_tgid(current), HSX_CAP_R_READ),
			-EKEYEXPIRED);
}

/* Disarmed before its time, it never fires. */
static void cap_expiry_timer_disarmed_stays_quiet(struct kunit *test)
{
	struct hsx_cap *cap = make_cap(test, HSX_CAP_R_READ, 0);

	cap->expiry_ns = ktime_get_boottime_ns() + 10 * NSEC_PER_MSEC;
	hsx_cap_arm_expiry(cap);
	hsx_cap_disarm_expiry(cap);
	msleep(30);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(cap->expired));
}

/*
 * An expiry past what ktime_t holds (U64_MAX is "never" to an administrator)
 * must not wrap to a time long past and end the capability at once.
 */
static void cap_expiry_beyond_ktime_is_never(struct kunit *test)
{
	static const u64 never[] = { U64_MAX, 1ULL << 63, (u64)KTIME_MAX };
	unsigned int i;

	KUNIT_EXPECT_EQ(test, hsx_cap_expiry_ktime(1000), (ktime_t)1000);
	KUNIT_EXPECT_EQ(test, hsx_cap_expiry_ktime(KTIME_MAX - 1), (ktime_t)(KTIME_MAX - 1));
	for (i = 0; i < ARRAY_SIZE(never); i++) {
		struct hsx_cap *cap = make_cap(test, HSX_CAP_R_READ, never[i]);

		KUNIT_EXPECT_EQ(test, hsx_cap_expiry_ktime(never[i]), (ktime_t)KTIME_MAX);
		hsx_cap_arm_expiry(cap);
		msleep(20);
		KUNIT_EXPECT_FALSE(test, READ_ONCE(cap->expired));
		hsx_cap_disarm_expiry(cap);
	}
}

static void cap_decide_binds_to_the_holder(struct kunit *test)
{
	struct hsx_cap *cap = make_cap(test, HSX_CAP_R_READ, 1000);
	struct pid *other = find_get_pid(1);

	/* Any other thread group, even with the rights, is refused. */
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, other, HSX_CAP_R_READ), -EPERM);
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, NULL, HSX_CAP_R_READ), -EPERM);
	put_pid(other);
}

static void cap_decide_ended_says_why_first(struct kunit *test)
{
	struct hsx_cap *cap = make_cap(test, HSX_CAP_R_READ, 1000);
	struct pid *other = find_get_pid(1);

	cap->active = false;
	cap->reason = HSX_CAP_END_EXPLICIT;
	/* The state wins over every other denial. */
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, other, HSX_CAP_R_WRITE), -EKEYREVOKED);
	cap->reason = HSX_CAP_END_PARENT;
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, task_tgid(current), HSX_CAP_R_READ),
			-EKEYREVOKED);
	cap->reason = HSX_CAP_END_HOLDER_EXITED;
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, task_tgid(current), HSX_CAP_R_READ),
			-EKEYREVOKED);
	cap->reason = HSX_CAP_END_EXPIRED;
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, task_tgid(current), HSX_CAP_R_READ),
			-EKEYEXPIRED);
	/* Expiry wins over the holder test. */
	cap->active = true;
	cap->expired = true;
	KUNIT_EXPECT_EQ(test, hsx_cap_decide(cap, other, HSX_CAP_R_READ), -EKEYEXPIRED);
	put_pid(other);
}

/* The check on a file: privilege, no capability, the selector, the quota. */
static void cap_check_on_a_client(struct kunit *test)
{
	struct hsx_client *client = kunit_kzalloc(test, sizeof(*client), GFP_KERNEL);
	struct hsx_cap *cap = make_cap(test, HSX_CAP_R_READ | HSX_CAP_R_GPIO_IRQ, U64_MAX);
	int idx;

	KUNIT_ASSERT_NOT_NULL(test, client);
	idx = srcu_read_lock(&hsx_cap_srcu);

	KUNIT_EXPECT_EQ(test, hsx_cap_check(client, HSX_MODULE_GPIO, HSX_CAP_R_READ), -EACCES);
	KUNIT_EXPECT_FALSE(test, hsx_cap_covers(client, &hsx_gpio_module, 1));
	KUNIT_EXPECT_EQ(test, hsx_cap_quota(client, &hsx_timer_module), 0U);
	KUNIT_EXPECT_TRUE(test, IS_ERR(authorize_pin(client, false, 0)));
	KUNIT_EXPECT_TRUE(test, IS_ERR(authorize_pin(NULL, false, 0)));
	/* A privileged socket needs no capability, and names none. */
	KUNIT_EXPECT_NULL(test, authorize_pin(NULL, true, 0));

	rcu_assign_pointer(client->caps[hsx_module_slot(HSX_MODULE_GPIO)], cap);
	KUNIT_EXPECT_EQ(test, hsx_cap_check(client, HSX_MODULE_GPIO, HSX_CAP_R_READ), 0);
	KUNIT_EXPECT_EQ(test, hsx_cap_check(client, HSX_MODULE_GPIO, HSX_CAP_R_WRITE), -EACCES);
	/* Another module's slot is empty. */
	KUNIT_EXPECT_EQ(test, hsx_cap_check(client, HSX_MODULE_TIMER, HSX_CAP_R_READ), -EACCES);
	KUNIT_EXPECT_TRUE(test, hsx_cap_covers(client, &hsx_gpio_module, 0x0f));
	KUNIT_EXPECT_TRUE(test, hsx_cap_covers(client, &hsx_gpio_module, BIT_ULL(3)));
	KUNIT_EXPECT_FALSE(test, hsx_cap_covers(client, &hsx_gpio_module, 0x1f));
	KUNIT_EXPECT_FALSE(test, hsx_cap_covers(client, &hsx_gpio_module, BIT_ULL(63)));
	KUNIT_EXPECT_PTR_EQ(test, authorize_pin(client, false, 3), (const void *)cap);
	KUNIT_EXPECT_TRUE(test, IS_ERR(authorize_pin(client, false, 4)));

	cap->active = false;
	cap->reason = HSX_CAP_END_EXPLICIT;
	KUNIT_EXPECT_EQ(test, hsx_cap_check(client, HSX_MODULE_GPIO, HSX_CAP_R_READ),
			-EKEYREVOKED);
	KUNIT_EXPECT_TRUE(test, IS_ERR(authorize_pin(client, false, 3)));

	/* A file opened privileged needs nothing, whatever its slot holds. */
	client->privileged = true;
	KUNIT_EXPECT_EQ(test, hsx_cap_check(client, HSX_MODULE_GPIO, HSX_CAP_R_WRITE), 0);
	KUNIT_EXPECT_TRUE(test, hsx_cap_covers(client, &hsx_gpio_module, ~0ULL));
	KUNIT_EXPECT_EQ(test, hsx_cap_quota(client, &hsx_timer_module), U32_MAX);

	srcu_read_unlock(&hsx_cap_srcu, idx);
}

static void cap_check_enforcement_off_allows_all(struct kunit *test)
{
	struct hsx_client *client = kunit_kzalloc(test, sizeof(*client), GFP_KERNEL);
	bool saved = hsx_cap_enforce;
	int idx;

	KUNIT_ASSERT_NOT_NULL(test, client);
	hsx_cap_enforce = false;
	idx = srcu_read_lock(&hsx_cap_srcu);
	KUNIT_EXPECT_EQ(test, hsx_cap_check(client, HSX_MODULE_GPIO, HSX_CAP_R_WRITE), 0);
	KUNIT_EXPECT_TRUE(test, hsx_cap_covers(client, &hsx_gpio_module, ~0ULL));
	srcu_read_unlock(&hsx_cap_srcu, idx);
	hsx_cap_enforce = saved;
}

/*
 * What one check costs where KUnit runs: natively on the build machine's CPU
 * (UML is no emulator), with lockdep set aside for the loop (see
 * an upper bound of the production cost. Reported, never asserted: the
 * assertion is that all the checks allowed their holder.
 */
static void cap_check_cost(struct kunit *test)
{
	u64 alone = hsx_cap_bench_check_ps(1000000, false);
	u64 with_srcu = hsx_cap_bench_check_ps(1000000, true);

	KUNIT_EXPECT_NE(test, alone, 0);
	KUNIT_EXPECT_NE(test, with_srcu, 0);
	kunit_info(test, "hsx_cap_check: %llu ps per check, %llu ps with its SRCU section\n",
		   alone, with_srcu);
}

static int cap_suite_init(struct kunit_suite *suite)
{
	return init_srcu_struct(&hsx_cap_srcu);
}

static void cap_suite_exit(struct kunit_suite *suite)
{
	cleanup_srcu_struct(&hsx_cap_srcu);
}

static struct kunit_case hsx_cap_cases[] = {
	KUNIT_CASE(cap_spec_valid_ones),
	KUNIT_CASE(cap_spec_bad_rights),
	KUNIT_CASE(cap_spec_bad_modules),
	KUNIT_CASE(cap_spec_uart_selectors),
	KUNIT_CASE(cap_spec_bad_selectors),
	KUNIT_CASE(cap_selector_subsets),
	KUNIT_CASE(cap_decide_allows_the_holder_within_rights),
	KUNIT_CASE(cap_decide_expired_denies),
	KUNIT_CASE(cap_expiry_timer_flags_on_time),
	KUNIT_CASE(cap_expiry_timer_disarmed_stays_quiet),
	KUNIT_CASE(cap_expiry_beyond_ktime_is_never),
	KUNIT_CASE(cap_decide_binds_to_the_holder),
	KUNIT_CASE(cap_decide_ended_says_why_first),
	KUNIT_CASE(cap_check_on_a_client),
	KUNIT_CASE(cap_check_enforcement_off_allows_all),
	KUNIT_CASE(cap_check_cost),
	{}
};

static struct kunit_suite hsx_cap_suite = {
	.name = "hsx_cap",
	.suite_init = cap_suite_init,
	.suite_exit = cap_suite_exit,
	.test_cases = hsx_cap_cases,
};

kunit_test_suite(hsx_cap_suite);
