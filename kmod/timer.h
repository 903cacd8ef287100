/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_TIMER_H
#define _HSX_TIMER_H

#include <linux/types.h>

#include "hsx_uapi.h"

int hsx_timer_init(void);
void hsx_timer_exit(void);

/* Exposed for KUnit. */
u64 hsx_timer_periods_due(s64 expires_ns, s64 now_ns, u64 period_ns);
int hsx_timer_validate_create(const struct hsx_timer_create *req);

#endif /* _HSX_TIMER_H */
