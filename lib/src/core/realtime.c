// SPDX-License-Identifier: MIT
/*
 * For real-time applications: the dispatcher thread's scheduling policy and
 * priority, and the process's memory locked (see hsx_mailbox.h). Checked
 * here; the dispatcher applies the policy to its thread (dispatcher.c).
 */
#include <errno.h>
#include <sched.h>
#include <sys/mman.h>

#include "core/dispatcher.h"
#include "core/errors.h"
#include "core/export.h"
#include "hsx_mailbox.h"

HSX_API int hsx_mailbox_set_dispatcher_sched(int policy, int priority)
{
    if (policy != SCHED_OTHER && policy != SCHED_FIFO && policy != SCHED_RR)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, EINVAL);
    if (priority < sched_get_priority_min(policy) || priority > sched_get_priority_max(policy))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, EINVAL);
    return hsx_dispatch_set_sched(policy, priority);
}

HSX_API int hsx_hal_lock_memory(void)
{
    if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
        return HSX_HAL_OK;
    /* ENOMEM here is RLIMIT_MEMLOCK's: a limit, not memory the system lacks. */
    if (errno == ENOMEM)
        return hsx_fail_with(HSX_HAL_LIMIT, ENOMEM);
    return hsx_fail_with_errno(errno);
}
