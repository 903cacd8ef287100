// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the overrun arithmetic of periodic timers (a late expiry must
 * advance by whole periods and report every period it missed, exactly), and
 * a periodic timer following its reader's CPU.
 */
#include <kunit/test.h>
#include <linux/hrtimer.h>
#include <linux/limits.h>
#include <linux/smp.h>

#include "../timer/timer.h"

#define US 1000LL
#define MS (1000 * US)

static void periods_due_on_time(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(10 * MS, 10 * MS, MS), 1ULL);
	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(10 * MS, 10 * MS + 1, MS), 1ULL);
	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(10 * MS, 11 * MS - 1, MS), 1ULL);
}

static void periods_due_early_clock_counts_one(struct kunit *test)
{
	/* The hrtimer core never runs a timer early; be safe if a clock read is. */
	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(10 * MS, 9 * MS, MS), 1ULL);
}

static void periods_due_counts_each_missed_period(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(10 * MS, 11 * MS, MS), 2ULL);
	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(10 * MS, 12 * MS - 1, MS), 2ULL);
	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(10 * MS, 15 * MS + 500 * US, MS), 6ULL);
	/* 100 us period, 1 s late: 10000 missed. */
	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(0, 1000 * MS, 100 * US), 10001ULL);
}

static void periods_due_large_values(struct kunit *test)
{
	s64 now = S64_MAX;
	u64 period = 3600ULL * 1000 * MS;	/* the largest period: one hour */

	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(now - 1, now, period), 1ULL);
	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(0, now, 1),
			(u64)S64_MAX + 1);
	KUNIT_EXPECT_EQ(test, hsx_timer_periods_due(now - (s64)period, now, period), 2ULL);
}

/* The next expiry after adding due periods is strictly after now. */
static void periods_due_next_expiry_is_in_the_future(struct kunit *test)
{
	s64 expires = 5 * MS, period = 250 * US, now;

	for (now = expires; now < expires + 10 * MS; now += 37 * US) {
		u64 due = hsx_timer_periods_due(expires, now, period);

		KUNIT_EXPECT_GT(test, expires + (s64)due * period, now);
		KUNIT_EXPECT_LE(test, expires + (s64)(due - 1) * period, now);
	}
}

/*
 * A periodic timer follows its owner's reader: started again where the read
 * ran when it expired elsewhere, at the same expiry (the grid of periods
 * kept); not when it expired here, not a one-shot, not a stopped one, and
 * never once its teardown began (which then cancels it for good).
 */
static void follow_moves_a_periodic_timer_keeping_its_expiry(struct kunit *test)
{
	struct hsx_timer *t = hsx_timer_test_new(10 * NSEC_PER_SEC, false);
	struct hrtimer *hrt;
	ktime_t expires;

	KUNIT_ASSERT_NOT_NULL(test, t);
	hrt = hsx_timer_test_hrtimer(t);
	expires = hrtimer_get_expires(hrt);
	KUNIT_EXPECT_TRUE(test, hsx_timer_test_follow(t, -1));
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(hrt));
	KUNIT_EXPECT_EQ(test, ktime_to_ns(hrtimer_get_expires(hrt)), ktime_to_ns(expires));
	/* Last expired here: nothing to do. */
	KUNIT_EXPECT_FALSE(test, hsx_timer_test_follow(t, raw_smp_processor_id()));
	/* Stopped: not started again. */
	hrtimer_cancel(hrt);
	KUNIT_EXPECT_FALSE(test, hsx_timer_test_follow(t, -1));
	KUNIT_EXPECT_FALSE(test, hrtimer_active(hrt));
	hsx_timer_test_free(t);

	t = hsx_timer_test_new(10 * NSEC_PER_SEC, true);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_FALSE(test, hsx_timer_test_follow(t, -1));
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(hsx_timer_test_hrtimer(t)));
	hsx_timer_test_free(t);
}

static void follow_ends_when_teardown_begins(struct kunit *test)
{
	struct hsx_timer *t = hsx_timer_test_new(10 * NSEC_PER_SEC, false);
	struct hrtimer *hrt;

	KUNIT_ASSERT_NOT_NULL(test, t);
	hrt = hsx_timer_test_hrtimer(t);
	hsx_timer_test_stop_following(t);
	/* Still queued (teardown cancels next): a reader now must not take it off and back. */
	KUNIT_EXPECT_FALSE(test, hsx_timer_test_follow(t, -1));
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(hrt));
	hrtimer_cancel(hrt);
	KUNIT_EXPECT_FALSE(test, hsx_timer_test_follow(t, -1));
	KUNIT_EXPECT_FALSE(test, hrtimer_active(hrt));
	hsx_timer_test_free(t);
}

/*
 * Handed over to its soft twin (an expiry the interrupt could not post), a
 * timer keeps its expiry, and follows its reader as the twin; once teardown
 * began, no hand-over starts either of them again.
 */
static void the_soft_twin_keeps_the_expiry_and_follows(struct kunit *test)
{
	struct hsx_timer *t = hsx_timer_test_new(10 * NSEC_PER_SEC, false);
	struct hrtimer *hrt, *soft;
	ktime_t expires;

	KUNIT_ASSERT_NOT_NULL(test, t);
	hrt = hsx_timer_test_hrtimer(t);
	soft = hsx_timer_test_soft(t);
	expires = hrtimer_get_expires(hrt);
	hsx_timer_test_hand_over(t, true);
	KUNIT_EXPECT_FALSE(test, hrtimer_active(hrt));
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(soft));
	KUNIT_EXPECT_EQ(test, ktime_to_ns(hrtimer_get_expires(soft)), ktime_to_ns(expires));
	KUNIT_EXPECT_TRUE(test, hsx_timer_test_follow(t, -1));
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(soft));
	KUNIT_EXPECT_FALSE(test, hrtimer_active(hrt));
	KUNIT_EXPECT_EQ(test, ktime_to_ns(hrtimer_get_expires(soft)), ktime_to_ns(expires));
	/* And back. */
	hsx_timer_test_hand_over(t, false);
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(hrt));
	KUNIT_EXPECT_FALSE(test, hrtimer_active(soft));
	KUNIT_EXPECT_EQ(test, ktime_to_ns(hrtimer_get_expires(hrt)), ktime_to_ns(expires));
	hsx_timer_test_stop_following(t);
	hsx_timer_test_hand_over(t, true);
	KUNIT_EXPECT_FALSE(test, hrtimer_active(hrt));
	KUNIT_EXPECT_FALSE(test, hrtimer_active(soft));
	hsx_timer_test_free(t);
}

static struct kunit_case hsx_timer_cases[] = {
	KUNIT_CASE(periods_due_on_time),
	KUNIT_CASE(periods_due_early_clock_counts_one),
	KUNIT_CASE(periods_due_counts_each_missed_period),
	KUNIT_CASE(periods_due_large_values),
	KUNIT_CASE(periods_due_next_expiry_is_in_the_future),
	KUNIT_CASE(follow_moves_a_periodic_timer_keeping_its_expiry),
	KUNIT_CASE(follow_ends_when_teardown_begins),
	KUNIT_CASE(the_soft_twin_keeps_the_expiry_and_follows),
	{}
};

static struct kunit_suite hsx_timer_suite = {
	.name = "hsx_timer",
	.test_cases = hsx_timer_cases,
};

kunit_test_suite(hsx_timer_suite);
