/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_TIMER_H
#define _HSX_TIMER_H

#include <linux/types.h>

#include "hsx_uapi.h"

struct hsx_module;

/* HAL module 0x12: the spec's timers, hrtimer-backed. */
extern const struct hsx_module hsx_timer_module;

/* Exposed for KUnit. */
u64 hsx_timer_periods_due(s64 expires_ns, s64 now_ns, u64 period_ns);
int hsx_timer_validate_create(const struct hsx_timer_create *req);
#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
struct hrtimer;
struct hsx_timer;
struct hsx_timer *hsx_timer_test_new(u64 period_ns, bool one_shot);
bool hsx_timer_test_follow(struct hsx_timer *t, int expired_on);
void hsx_timer_test_stop_following(struct hsx_timer *t);
struct hrtimer *hsx_timer_test_hrtimer(struct hsx_timer *t);
struct hrtimer *hsx_timer_test_soft(struct hsx_timer *t);
void hsx_timer_test_hand_over(struct hsx_timer *t, bool to_soft);
void hsx_timer_test_free(struct hsx_timer *t);
#endif

#endif /* _HSX_TIMER_H */
