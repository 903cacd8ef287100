// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the overrun arithmetic of periodic timers. A late expiry must
 * advance by whole periods and report every period it missed, exactly, and
 * expiries not posted yet must fold into one record that loses none.
 */
#include <kunit/test.h>
#include <linux/limits.h>

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
 * Expiries the posting thread has not reached fold into one record: every
 * period is in it (expirations == the sum of 1 + overruns over the records),
 * stamped with the latest expiry, as one expiry that late would have been.
 */
static void pending_expiries_fold_into_one_record(struct kunit *test)
{
	struct hsx_timer_pending pending = {};
	struct hsx_timer_record rec = {};
	u64 periods = 0, now_ns = 0;

	KUNIT_EXPECT_FALSE(test, hsx_timer_pending_take(&pending, &rec, &now_ns));

	hsx_timer_pending_add(&pending, 1, 10 * MS, 1);
	KUNIT_ASSERT_TRUE(test, hsx_timer_pending_take(&pending, &rec, &now_ns));
	KUNIT_EXPECT_EQ(test, rec.overruns, 0U);
	KUNIT_EXPECT_EQ(test, rec.expirations, 1ULL);
	KUNIT_EXPECT_EQ(test, rec.tick_us, 10000ULL);
	periods += 1 + rec.overruns;
	KUNIT_EXPECT_FALSE(test, hsx_timer_pending_take(&pending, &rec, &now_ns));

	/* Three expiries, the second itself late by two periods. */
	hsx_timer_pending_add(&pending, 1, 11 * MS, 2);
	hsx_timer_pending_add(&pending, 3, 14 * MS, 5);
	hsx_timer_pending_add(&pending, 1, 15 * MS + 7 * US, 6);
	KUNIT_ASSERT_TRUE(test, hsx_timer_pending_take(&pending, &rec, &now_ns));
	KUNIT_EXPECT_EQ(test, rec.overruns, 4U);
	KUNIT_EXPECT_EQ(test, rec.expirations, 6ULL);
	KUNIT_EXPECT_EQ(test, rec.tick_us, 15007ULL);
	KUNIT_EXPECT_EQ(test, now_ns, (u64)(15 * MS + 7 * US));
	periods += 1 + rec.overruns;
	KUNIT_EXPECT_EQ(test, periods, rec.expirations);
	KUNIT_EXPECT_FALSE(test, hsx_timer_pending_take(&pending, &rec, &now_ns));
}

/* A record's overruns saturate; the expirations it carries stay exact. */
static void pending_overruns_saturate(struct kunit *test)
{
	struct hsx_timer_pending pending = {};
	struct hsx_timer_record rec = {};
	u64 now_ns;

	hsx_timer_pending_add(&pending, (u64)U32_MAX + 10, 1, (u64)U32_MAX + 10);
	KUNIT_ASSERT_TRUE(test, hsx_timer_pending_take(&pending, &rec, &now_ns));
	KUNIT_EXPECT_EQ(test, rec.overruns, U32_MAX);
	KUNIT_EXPECT_EQ(test, rec.expirations, (u64)U32_MAX + 10);
}

static struct kunit_case hsx_timer_cases[] = {
	KUNIT_CASE(pending_expiries_fold_into_one_record),
	KUNIT_CASE(pending_overruns_saturate),
	KUNIT_CASE(periods_due_on_time),
	KUNIT_CASE(periods_due_early_clock_counts_one),
	KUNIT_CASE(periods_due_counts_each_missed_period),
	KUNIT_CASE(periods_due_large_values),
	KUNIT_CASE(periods_due_next_expiry_is_in_the_future),
	{}
};

static struct kunit_suite hsx_timer_suite = {
	.name = "hsx_timer",
	.test_cases = hsx_timer_cases,
};

kunit_test_suite(hsx_timer_suite);
