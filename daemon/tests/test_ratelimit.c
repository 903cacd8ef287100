// SPDX-License-Identifier: MIT
/*
 * Denials in the log: each kind once per window, then a count; a total
 * budget per window whatever the kinds; fixed memory under a flood.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ratelimit.h"

#define S 1000000000ull
#define T0 (100 * S)

static struct ratelimit rl;
static char summary[RATELIMIT_TEXT_MAX];
static uint32_t summary_count;
static unsigned int summaries;

static void emit(void *ctx, const char *text, uint32_t count)
{
    (void)ctx;
    snprintf(summary, sizeof(summary), "%s", text);
    summary_count = count;
    summaries++;
}

static int reset(void **state)
{
    (void)state;
    memset(&rl, 0, sizeof(rl));
    summaries = 0;
    summary_count = 0;
    summary[0] = '\0';
    return 0;
}

static bool admit(const char *key, uint64_t now)
{
    return ratelimit_admit(&rl, key, key, now, emit, NULL);
}

static void repeats_are_counted_and_summed_up(void **state)
{
    (void)state;
    assert_true(admit("uid 1000 gpio 5", T0));
    for (int i = 0; i < 99; i++)
        assert_false(admit("uid 1000 gpio 5", T0 + (uint64_t)i * 10000000));
    assert_int_equal(summaries, 0);
    assert_true(ratelimit_next(&rl) == T0 + RATELIMIT_WINDOW_NS);

    /* Another kind is logged at once. */
    assert_true(admit("uid 1000 gpio 6", T0 + S));

    ratelimit_flush(&rl, T0 + RATELIMIT_WINDOW_NS - 1, emit, NULL);
    assert_int_equal(summaries, 0);
    ratelimit_flush(&rl, T0 + RATELIMIT_WINDOW_NS, emit, NULL);
    assert_int_equal(summaries, 1);
    assert_int_equal(summary_count, 99);
    assert_string_equal(summary, "uid 1000 gpio 5");
    /* Nothing was repeated of the second: no summary for it, nothing pending. */
    ratelimit_flush(&rl, T0 + 20 * S, emit, NULL);
    assert_int_equal(summaries, 1);
    assert_true(ratelimit_next(&rl) == 0);

    /* After the window, the same kind is logged again. */
    assert_true(admit("uid 1000 gpio 5", T0 + 21 * S));
}

static void a_summary_is_due_before_the_next_line_of_its_kind(void **state)
{
    (void)state;
    assert_true(admit("k", T0));
    assert_false(admit("k", T0 + S));
    /* No flush in between: admit emits the summary first, then logs. */
    assert_true(admit("k", T0 + 11 * S));
    assert_int_equal(summaries, 1);
    assert_int_equal(summary_count, 1);
}

static void the_total_is_bounded(void **state)
{
    char key[32];
    unsigned int logged = 0;
    (void)state;

    /* A client that varies its request every time. */
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "kind %d", i);
        logged += admit(key, T0 + (uint64_t)i * 1000);
    }
    assert_int_equal(logged, RATELIMIT_BURST);
    assert_true(ratelimit_next(&rl) != 0);
    ratelimit_flush(&rl, T0 + RATELIMIT_WINDOW_NS, emit, NULL);
    assert_int_equal(summary_count, 1000 - RATELIMIT_BURST);
    assert_non_null(strstr(summary, "over the limit"));
    /* A new window, a new budget. */
    assert_true(admit("kind 5000", T0 + RATELIMIT_WINDOW_NS + 1));
}

static void evicted_kinds_are_summed_up_first(void **state)
{
    char key[32];
    (void)state;

    /* Fill every slot, one repeat each; windows start a second apart. */
    for (int i = 0; i < RATELIMIT_SLOTS; i++) {
        snprintf(key, sizeof(key), "kind %d", i);
        rl.logged = 0; /* not the budget under test here */
        assert_true(admit(key, T0 + (uint64_t)i));
        assert_false(admit(key, T0 + (uint64_t)i));
    }
    rl.logged = 0;
    assert_true(admit("newcomer", T0 + 100));
    /* The oldest slot made room, and its count was not lost. */
    assert_int_equal(summaries, 1);
    assert_string_equal(summary, "kind 0");
    assert_int_equal(summary_count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(repeats_are_counted_and_summed_up, reset),
        cmocka_unit_test_setup(a_summary_is_due_before_the_next_line_of_its_kind, reset),
        cmocka_unit_test_setup(the_total_is_bounded, reset),
        cmocka_unit_test_setup(evicted_kinds_are_summed_up_first, reset),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
