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

#endif /* _HSX_TIMER_H */
