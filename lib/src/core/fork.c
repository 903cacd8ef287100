// SPDX-License-Identifier: MIT
/*
 * fork(): one pthread_atfork() registration for the whole library, so every
 * lock is taken in the library's one lock order (every GPIO pin's, UART port's and CAN bus's op,
 * every node's lock, the capabilities', the renewal thread's, the live mailbox list's and every
 * mailbox's, the dispatcher's, then the leaves: the object tables' and the family ID's) and none is
 * held by a thread that does not exist in the child.
 *
 * The child is a client of its own: it drops its copies of the parent's
 * device files and opens its own on first use, acquires its own
 * capabilities (hsx.ko denies it the parent's with EPERM), and starts its own
 * dispatcher and renewal threads when needed. Its blocking waits use rings
 * of its own. What the parent created (timers, subscriptions, callbacks)
 * stays the parent's: the child forgets the library's own subscriptions
 * (pins, timers, capability watches), closing its copies of their files
 * without ending them (HSX_IOC_MBOX_QUEUE_END, HSX_CMD_MBOX_CLOSE would end
 * them for the parent too), and the application's handles are closed to it
 * (hsx_mailbox_recv() is HSX_HAL_CLOSED; closing ends nothing).
 */
#include <pthread.h>

#include "can/can.h"
#include "core/cap.h"
#include "core/device.h"
#include "core/dispatcher.h"
#include "core/fork.h"
#include "core/mailbox.h"
#include "core/netlink.h"
#include "core/ring.h"
#include "gpio/gpio.h"
#include "timer/timer.h"
#include "uart/uart.h"

static void prepare(void)
{
    hsx_gpio_fork_prepare();
    hsx_uart_fork_prepare();
    hsx_can_fork_prepare();
    hsx_dev_fork_prepare();
    hsx_cap_fork_prepare();
    hsx_renew_fork_prepare();
    hsx_mailbox_fork_prepare();
    hsx_dispatch_fork_prepare();
    hsx_gpio_fork_prepare_table();
    hsx_uart_fork_prepare_table();
    hsx_can_fork_prepare_table();
    hsx_timer_fork_prepare();
    hsx_nl_fork_prepare();
}

static void parent(void)
{
    hsx_nl_fork_parent();
    hsx_timer_fork_parent();
    hsx_dispatch_fork_parent();
    hsx_mailbox_fork_parent();
    hsx_renew_fork_parent();
    hsx_cap_fork_parent();
    hsx_dev_fork_parent();
    hsx_can_fork_parent();  /* its tables' locks, then the buses' */
    hsx_uart_fork_parent(); /* its table's lock, then the ports' */
    hsx_gpio_fork_parent(); /* its table's lock, then the pins' */
}

static void child(void)
{
    hsx_ring_fork_child();
    hsx_nl_fork_child();
    hsx_timer_fork_child();
    hsx_dispatch_fork_child();
    hsx_mailbox_fork_child();
    hsx_renew_fork_child();
    hsx_cap_fork_child();
    hsx_dev_fork_child();
    hsx_can_fork_child();
    hsx_uart_fork_child();
    hsx_gpio_fork_child();
    /* With every lock free again: the parent's subscriptions, forgotten without ending them. */
    hsx_dispatch_fork_forget();
    hsx_gpio_fork_forget();
    hsx_uart_fork_forget();
    hsx_can_fork_forget();
    hsx_timer_fork_forget();
    hsx_cap_fork_forget();
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
