// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the UART module's tty backend (uart_tty.c) against a fake serial
 * tty driver, for what QEMU's ports cannot make happen on demand: a hangup
 * (a USB adapter unplugged) that comes while an unbinding is inside the
 * driver. usb-serial frees a port's data once its hangup returned, so no
 * call may reach the driver after it.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>

#include "../core/instance.h"
#include "../uart/uart.h"
#include "core_rig.h"

#define FAKE_PORT 15

/* The fake driver's one port, and what was done to it. */
static struct {
	struct tty_driver *driver;
	struct tty_port port;
	struct tty_struct *tty;
	bool block_flush;		/* the next flush_buffer waits for @release */
	struct completion in_flush;
	struct completion release;
	bool hung_up;
	atomic_t after_hangup;		/* calls into the driver after its hangup */
} fake;

static void fake_call(void)
{
	if (READ_ONCE(fake.hung_up))
		atomic_inc(&fake.after_hangup);
}

static int fake_open(struct tty_struct *tty, struct file *filp)
{
	fake_call();
	fake.tty = tty;
	return 0;
}

static void fake_close(struct tty_struct *tty, struct file *filp)
{
	fake_call();
}

static int fake_write(struct tty_struct *tty, const u8 *buf, int len)
{
	fake_call();
	return len;
}

static unsigned int fake_write_room(struct tty_struct *tty)
{
	return 4096;
}

static void fake_flush_buffer(struct tty_struct *tty)
{
	fake_call();
	if (!READ_ONCE(fake.block_flush))
		return;
	WRITE_ONCE(fake.block_flush, false);
	complete(&fake.in_flush);
	wait_for_completion(&fake.release);
}

static int fake_tiocmget(struct tty_struct *tty)
{
	fake_call();
	return 0;
}

static int fake_tiocmset(struct tty_struct *tty, unsigned int set, unsigned int clear)
{
	fake_call();
	return 0;
}

static void fake_set_termios(struct tty_struct *tty, const struct ktermios *old)
{
	fake_call();
}

static void fake_hangup(struct tty_struct *tty)
{
	WRITE_ONCE(fake.hung_up, true);
}

static const struct tty_operations fake_ops = {
	.open = fake_open,
	.close = fake_close,
	.write = fake_write,
	.write_room = fake_write_room,
	.flush_buffer = fake_flush_buffer,
	.tiocmget = fake_tiocmget,
	.tiocmset = fake_tiocmset,
	.set_termios = fake_set_termios,
	.hangup = fake_hangup,
};

/*
 * The threads' completions are the file's, not a test's stack: a test that
 * fails while a thread still runs returns, and the thread completes later.
 */
static struct completion unbound, hung_up;

/* Bounds every wait of a test: a regression fails it, never hangs the run. */
#define UART_TTY_TEST_WAIT (10 * HZ)

static int unbind_thread(void *arg)
{
	hsx_uart_map_port(FAKE_PORT, "");
	complete(&unbound);
	return 0;
}

static int hangup_thread(void *arg)
{
	tty_vhangup(fake.tty);
	complete(&hung_up);
	return 0;
}

/*
 * An unbinding is inside the driver's flush_buffer (the first of the calls
 * that give the tty back) when the tty hangs up: the hangup waits for it,
 * and the unbinding makes no call after the hangup.
 */
static void uart_tty_unbind_racing_hangup(struct kunit *test)
{
	unsigned long until = jiffies + UART_TTY_TEST_WAIT;
	struct hsx_uart_dev *dev;
	struct tty_struct *tty;
	bool hangup_waited;

	KUNIT_ASSERT_EQ(test, hsx_uart_map_port(FAKE_PORT, "hsxfake0"), 0);
	dev = hsx_uart_port_get(FAKE_PORT);	/* keeps dev while it unbinds */
	KUNIT_ASSERT_NOT_NULL(test, dev);
	tty = tty_kref_get(fake.tty);
	KUNIT_ASSERT_NOT_NULL(test, tty);

	WRITE_ONCE(fake.block_flush, true);
	if (IS_ERR(kthread_run(unbind_thread, NULL, "hsx-unbind"))) {
		KUNIT_FAIL(test, "no thread to unbind in");
		return;
	}
	if (!wait_for_completion_timeout(&fake.in_flush, UART_TTY_TEST_WAIT)) {
		KUNIT_FAIL(test, "the unbinding did not reach the driver's flush_buffer");
		complete(&fake.release);
		return;
	}
	if (IS_ERR(kthread_run(hangup_thread, NULL, "hsx-hangup"))) {
		KUNIT_FAIL(test, "no thread to hang up in");
		complete(&fake.release);
		return;
	}
	/* Until the hangup either ended or waits for the unbinding's call. */
	for (;;) {
		hangup_waited = completion_done(&hung_up) || rwsem_is_contended(&dev->ops_rwsem);
		if (hangup_waited || !time_before(jiffies, until))
			break;
		usleep_range(1000, 2000);
	}
	complete(&fake.release);
	KUNIT_EXPECT_TRUE_MSG(test, hangup_waited,
			      "the hangup neither ended nor waited for the unbinding");
	if (!wait_for_completion_timeout(&unbound, UART_TTY_TEST_WAIT) ||
	    !wait_for_completion_timeout(&hung_up, UART_TTY_TEST_WAIT)) {
		KUNIT_FAIL(test, "the unbinding or the hangup did not end");
		return;
	}

	KUNIT_EXPECT_TRUE(test, READ_ONCE(fake.hung_up));
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.after_hangup), 0);
	KUNIT_EXPECT_NULL(test, hsx_uart_port_get(FAKE_PORT));
	tty_kref_put(tty);
	hsx_instance_put(dev->inst);
}

static int uart_tty_test_init(struct kunit *test)
{
	WRITE_ONCE(fake.block_flush, false);
	WRITE_ONCE(fake.hung_up, false);
	atomic_set(&fake.after_hangup, 0);
	init_completion(&fake.in_flush);
	init_completion(&fake.release);
	init_completion(&unbound);
	init_completion(&hung_up);
	fake.tty = NULL;
	return 0;
}

static int uart_tty_suite_init(struct kunit_suite *suite)
{
	int ret;

	fake.driver = tty_alloc_driver(1, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(fake.driver))
		return PTR_ERR(fake.driver);
	fake.driver->driver_name = "hsxfake";
	fake.driver->name = "hsxfake";
	fake.driver->type = TTY_DRIVER_TYPE_SERIAL;
	fake.driver->subtype = SERIAL_TYPE_NORMAL;
	fake.driver->init_termios = tty_std_termios;
	tty_set_operations(fake.driver, &fake_ops);
	tty_port_init(&fake.port);
	tty_port_link_device(&fake.port, fake.driver, 0);
	ret = tty_register_driver(fake.driver);
	if (ret)
		goto err_driver;

	ret = hsx_test_core_up(&hsx_uart_module);
	if (ret)
		goto err_register;
	return 0;

err_register:
	tty_unregister_driver(fake.driver);
err_driver:
	tty_port_destroy(&fake.port);
	tty_driver_kref_put(fake.driver);
	return ret;
}

static void uart_tty_suite_exit(struct kunit_suite *suite)
{
	hsx_test_core_down(&hsx_uart_module);
	tty_unregister_driver(fake.driver);
	tty_port_destroy(&fake.port);
	tty_driver_kref_put(fake.driver);
}

static struct kunit_case hsx_uart_tty_cases[] = {
	KUNIT_CASE(uart_tty_unbind_racing_hangup),
	{}
};

static struct kunit_suite hsx_uart_tty_suite = {
	.name = "hsx_uart_tty",
	.init = uart_tty_test_init,
	.suite_init = uart_tty_suite_init,
	.suite_exit = uart_tty_suite_exit,
	.test_cases = hsx_uart_tty_cases,
};

kunit_test_suite(hsx_uart_tty_suite);
