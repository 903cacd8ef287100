/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_TIMER_H
#define _HSX_TIMER_H

#include <linux/types.h>

#include "hsx_uapi.h"

struct hsx_module;

/* HAL module 0x12: the spec's timers, hrtimer-backed. */
extern const struct hsx_module hsx_timer_module;

/* Expiries of one timer its thread has not posted yet. */
struct hsx_timer_pending {
	u64 due;		/* periods they cover, 0 for none */
	u64 now_ns;		/* when the latest ran */
	u64 expirations;	/* the timer's count, the latest included */
};

/* Exposed for KUnit. */
u64 hsx_timer_periods_due(s64 expires_ns, s64 now_ns, u64 period_ns);
void hsx_timer_pending_add(struct hsx_timer_pending *pending, u64 due, u64 now_ns,
			   u64 expirations);
bool hsx_timer_pending_take(struct hsx_timer_pending *pending, struct hsx_timer_record *rec,
			    u64 *now_ns);
int hsx_timer_validate_create(const struct hsx_timer_create *req);

#endif /* _HSX_TIMER_H */
