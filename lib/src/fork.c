// SPDX-License-Identifier: MIT
/*
 * fork(): one pthread_atfork() registration for the whole library, so the
 * locks are taken in the library's one lock order (a node's lock, the
 * capabilities', the renewal thread's, the dispatcher's) and none is held by
 * a thread that does not exist in the child.
 *
 * The child is a client of its own: it drops its copies of the parent's
 * device files and opens its own on first use, acquires its own
 * capabilities (hsx.ko denies it the parent's with EPERM), and starts its own
 * dispatcher and renewal threads when needed. Its blocking waits use rings
 * of its own. What the parent created (timers, subscriptions, callbacks)
 * stays the parent's: the child must not use those handles.
 */
#include <pthread.h>

#include "cap.h"
#include "device.h"
#include "dispatcher.h"
#include "fork.h"
#include "ring.h"

static void prepare(void)
{
    hsx_dev_fork_prepare();
    hsx_cap_fork_prepare();
    hsx_renew_fork_prepare();
    hsx_dispatch_fork_prepare();
}

static void parent(void)
{
    hsx_dispatch_fork_parent();
    hsx_renew_fork_parent();
    hsx_cap_fork_parent();
    hsx_dev_fork_parent();
}

static void child(void)
{
    hsx_ring_fork_child();
    hsx_dispatch_fork_child();
    hsx_renew_fork_child();
    hsx_cap_fork_child();
    hsx_dev_fork_child();
}

static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void register_handlers(void)
{
    pthread_atfork(prepare, parent, child);
}

void hsx_fork_watch(void)
{
    pthread_once(&registered, register_handlers);
}
