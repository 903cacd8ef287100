// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the UART module's tty backend (uart_tty.c) and its functions
 * (uart.c) against a fake serial tty driver, for what QEMU's ports cannot
 * make happen on demand: a hangup (a USB adapter unplugged) that comes
 * while an unbinding is inside the driver (usb-serial frees a port's data
 * once its hangup returned, so no call may reach the driver after it); a
 * driver call that blocks (a USB adapter's control transfer) while a
 * capability is revoked; the driver's own buffer overruns.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/pid.h>
#include <linux/serial.h>
#include <linux/srcu.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>

#include "../core/cap.h"
#include "../core/dev.h"
#include "../core/dispatch.h"
#include "../core/instance.h"
#include "../uart/uart.h"
#include "core_rig.h"

#define FAKE_PORT 15
#define FAKE_LINES 2

/* Driver calls a test can hold (fake.block): the next such call waits for @release. */
enum fake_call_kind {
	FAKE_NONE,
	FAKE_FLUSH,
	FAKE_WRITE,
	FAKE_TIOCMGET,
	FAKE_SET_TERMIOS,
	FAKE_BREAK,
};

/* The fake driver's ports, and what was done to them. */
static struct {
	struct tty_driver *driver;
	struct tty_port port[FAKE_LINES];
	struct tty_struct *tty;		/* line 0's */
	enum fake_call_kind block;
	struct completion in_call;
	struct completion release;
	bool hung_up;
	atomic_t after_hangup;		/* calls into the driver after its hangup */
	atomic_t written;		/* bytes write() took */
	atomic_t breaks;		/* break_ctl() calls that began a break */
	int break_state;		/* the line: in a break (-1) or not (0) */
	int break_err;			/* a break's start fails so, if not 0 */
	atomic_t break_offs;		/* break_ctl() calls that ended one */
	unsigned int lines_set;		/* every TIOCM_* bit tiocmset() set */
	int buf_overrun;		/* get_icount's */
	int icount_err;			/* get_icount's error, if not 0 */
} fake;

static void fake_call(void)
{
	if (READ_ONCE(fake.hung_up))
		atomic_inc(&fake.after_hangup);
}

/* A call of @kind: held until the test releases it, if the test asked. */
static void fake_maybe_block(enum fake_call_kind kind)
{
	if (cmpxchg(&fake.block, kind, FAKE_NONE) != kind)
		return;
	complete(&fake.in_call);
	wait_for_completion(&fake.release);
}

static int fake_open(struct tty_struct *tty, struct file *filp)
{
	fake_call();
	if (!tty->index)
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
	fake_maybe_block(FAKE_WRITE);
	atomic_add(len, &fake.written);
	return len;
}

static unsigned int fake_write_room(struct tty_struct *tty)
{
	return 4096;
}

static void fake_flush_buffer(struct tty_struct *tty)
{
	fake_call();
	fake_maybe_block(FAKE_FLUSH);
}

static int fake_tiocmget(struct tty_struct *tty)
{
	fake_call();
	fake_maybe_block(FAKE_TIOCMGET);
	return 0;
}

static int fake_tiocmset(struct tty_struct *tty, unsigned int set, unsigned int clear)
{
	fake_call();
	WRITE_ONCE(fake.lines_set, READ_ONCE(fake.lines_set) | set);
	return 0;
}

/*
 * A break's start fails with fake.break_err if set: ENOTTY as usb-serial's
 * for a driver without breaks (none began); another error as a control
 * transfer that failed once the adapter began the break.
 */
static int fake_break_ctl(struct tty_struct *tty, int state)
{
	int err = READ_ONCE(fake.break_err);

	fake_call();
	if (!state) {
		atomic_inc(&fake.break_offs);
		WRITE_ONCE(fake.break_state, 0);
		return 0;
	}
	atomic_inc(&fake.breaks);
	if (err == -ENOTTY)
		return err;
	WRITE_ONCE(fake.break_state, state);
	fake_maybe_block(FAKE_BREAK);
	return err;
}

static void fake_set_termios(struct tty_struct *tty, const struct ktermios *old)
{
	fake_call();
	fake_maybe_block(FAKE_SET_TERMIOS);
}

static int fake_get_icount(struct tty_struct *tty, struct serial_icounter_struct *icount)
{
	fake_call();
	icount->buf_overrun = READ_ONCE(fake.buf_overrun);
	return READ_ONCE(fake.icount_err);
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
	.break_ctl = fake_break_ctl,
	.get_icount = fake_get_icount,
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

	WRITE_ONCE(fake.block, FAKE_FLUSH);
	if (IS_ERR(kthread_run(unbind_thread, NULL, "hsx-unbind"))) {
		KUNIT_FAIL(test, "no thread to unbind in");
		return;
	}
	if (!wait_for_completion_timeout(&fake.in_call, UART_TTY_TEST_WAIT)) {
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

/* ---- functions against a driver call that blocks --------------------------------- */

/* What a function's thread runs, and its outcome: the file's, as the completions. */
static struct {
	struct hsx_client *client;
	const struct hsx_ioctl_op *op;
	u64 arg[HSX_IOCTL_ARG_MAX / sizeof(u64)];
	long ret;
	struct hsx_uart_xfer xfer;
	u8 data[3 * 4096];
} run;
static struct completion op_done, synced, ending, revoked;
static struct hsx_cap *run_cap;
static int written_at_revoke;

/* The function run.op, as the dispatcher runs it once the argument is copied in. */
static int op_thread(void *arg)
{
	run.ret = hsx_dispatch_op(run.client, run.op, run.arg);
	complete(&op_done);
	return 0;
}

/* What a revocation waits for, once the capabilities it ends are marked. */
/*
 * A capability of run.client ended: the SRCU wait, then the module's hook,
 * as hsx_cap_finish_locked() runs them. run.client is privileged: none of
 * its functions was allowed by the capability, so the hook waits for none
 * (it did, for the file's calls blocked in the driver, with hsx_cap_mutex
 * held: review of 00c8bfa, H1).
 */
static int sync_thread(void *arg)
{
	synchronize_srcu(&hsx_cap_srcu);
	hsx_client_cap_ended(run.client, HSX_MODULE_UART);
	complete(&synced);
	return 0;
}

/* The port's bound to line 0, and a privileged file of its node. */
static struct hsx_client *open_port(struct kunit *test, bool privileged)
{
	struct hsx_client *client;
	struct hsx_uart_dev *dev;

	KUNIT_ASSERT_EQ(test, hsx_uart_map_port(FAKE_PORT, "hsxfake0"), 0);
	dev = hsx_uart_port_get(FAKE_PORT);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	client = hsx_client_create(hsx_dev_instance_node(dev->inst), dev->inst, privileged, false);
	hsx_instance_put(dev->inst);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, client);
	return client;
}

static void close_port(struct hsx_client *client)
{
	hsx_client_destroy(client);
	hsx_uart_map_port(FAKE_PORT, "");
}

/*
 * A function whose driver call blocks (a USB adapter's tiocmget or
 * set_termios is a control transfer) holds up no capability's revocation,
 * in the whole system: the revocation's wait for hsx_cap_srcu's readers
 * ends while the call is still blocked.
 */
static void uart_tty_blocked_driver_call_holds_up_no_revocation(struct kunit *test)
{
	static const struct {
		unsigned int fn;
		enum fake_call_kind kind;
	} cases[] = {
		{ HSX_UART_FN_GET_STATUS, FAKE_TIOCMGET },
		{ HSX_UART_FN_MODEM, FAKE_TIOCMGET },
		{ HSX_UART_FN_CONFIG, FAKE_SET_TERMIOS },
		{ HSX_UART_FN_SET_EVENTS, FAKE_TIOCMGET },
		{ HSX_UART_FN_DISCARD, FAKE_FLUSH },
	};
	struct hsx_client *client = open_port(test, true);
	unsigned int i;
	bool done;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(run.arg, 0, sizeof(run.arg));
		switch (cases[i].fn) {
		case HSX_UART_FN_GET_STATUS:
			((struct hsx_uart_status *)run.arg)->port = FAKE_PORT;
			break;
		case HSX_UART_FN_MODEM:
			*(struct hsx_uart_modem *)run.arg = (struct hsx_uart_modem){
				.port = FAKE_PORT, .set = HSX_UART_LN_RTS };
			break;
		case HSX_UART_FN_CONFIG:
			*(struct hsx_uart_config *)run.arg = (struct hsx_uart_config){
				.port = FAKE_PORT, .baud = 9600, .stop_bits = 1 };
			break;
		case HSX_UART_FN_SET_EVENTS:
			*(struct hsx_uart_events *)run.arg = (struct hsx_uart_events){
				.port = FAKE_PORT, .events = HSX_UART_EVF_MODEM };
			break;
		case HSX_UART_FN_DISCARD:
			*(struct hsx_uart_ctl *)run.arg = (struct hsx_uart_ctl){
				.port = FAKE_PORT, .value = HSX_UART_DC_TX };
			break;
		}
		run.client = client;
		run.op = &hsx_uart_module.ops[cases[i].fn];
		reinit_completion(&fake.in_call);
		reinit_completion(&fake.release);
		reinit_completion(&op_done);
		reinit_completion(&synced);
		WRITE_ONCE(fake.block, cases[i].kind);
		if (IS_ERR(kthread_run(op_thread, NULL, "hsx-op"))) {
			KUNIT_FAIL(test, "no thread for function %u", cases[i].fn);
			break;
		}
		if (!wait_for_completion_timeout(&fake.in_call, UART_TTY_TEST_WAIT)) {
			KUNIT_FAIL(test, "function %u did not reach the driver", cases[i].fn);
			WRITE_ONCE(fake.block, FAKE_NONE);
			complete(&fake.release);
			wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT);
			break;
		}
		if (IS_ERR(kthread_run(sync_thread, NULL, "hsx-sync"))) {
			KUNIT_FAIL(test, "no thread to synchronize in");
			complete(&fake.release);
			wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT);
			break;
		}
		done = wait_for_completion_timeout(&synced, UART_TTY_TEST_WAIT);
		KUNIT_EXPECT_TRUE_MSG(test, done,
				      "function %u blocked in the driver holds up revocations",
				      cases[i].fn);
		complete(&fake.release);
		KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT));
		KUNIT_EXPECT_EQ(test, run.ret, 0L);
		if (!done)	/* the bug: the revocation ends once the call does */
			KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&synced,
									    UART_TTY_TEST_WAIT));
	}
	close_port(client);
}

static int write_thread(void *arg)
{
	run.ret = hsx_uart_write_kbuf(run.client, &run.xfer, run.data);
	complete(&op_done);
	return 0;
}

/*
 * The capability ends as the core ends one: marked, then every reader
 * waited for, then the module told (hsx_cap_finish_locked()).
 */
static int revoke_thread(void *arg)
{
	struct hsx_client *client = arg;

	run_cap->reason = HSX_CAP_END_EXPLICIT;
	/* The reason before the state, as hsx_cap_end_locked() publishes them. */
	smp_store_release(&run_cap->active, false);
	complete(&ending);
	synchronize_srcu(&hsx_cap_srcu);
	hsx_client_cap_ended(client, HSX_MODULE_UART);
	written_at_revoke = atomic_read(&fake.written);
	complete(&revoked);
	return 0;
}

/* @client holds a capability for the port with @rights, for @holder's process. */
static void give_cap(struct kunit *test, struct hsx_client *client, struct task_struct *holder,
		     u32 rights)
{
	run_cap = kunit_kzalloc(test, sizeof(*run_cap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run_cap);
	run_cap->module = HSX_MODULE_UART;
	run_cap->rights = rights;
	run_cap->sel.uart.ports = BIT(FAKE_PORT);
	run_cap->expiry_ns = U64_MAX;
	run_cap->holder = get_pid(task_tgid(holder));
	run_cap->active = true;
	rcu_assign_pointer(client->caps[hsx_module_slot(HSX_MODULE_UART)], run_cap);
}

/* Take back what give_cap() gave, once no thread of the test uses it. */
static void take_cap(struct hsx_client *client)
{
	RCU_INIT_POINTER(client->caps[hsx_module_slot(HSX_MODULE_UART)], NULL);
	synchronize_srcu(&hsx_cap_srcu);
	put_pid(run_cap->holder);
}

/*
 * A revocation that comes while a write's slice is in the driver: once the
 * revocation returned, not one more byte goes to the driver. The slice in
 * the driver is held there: the revocation, marked already, waits for it
 * (it cannot have returned while the slice is held), and when it returns
 * the driver has every byte it will get.
 */
static void uart_tty_no_byte_moves_after_a_revocation(struct kunit *test)
{
	struct hsx_client *client = open_port(test, false);
	struct task_struct *writer;
	bool early;

	writer = kthread_create(write_thread, NULL, "hsx-write");
	KUNIT_ASSERT_FALSE(test, IS_ERR(writer));
	give_cap(test, client, writer, HSX_CAP_R_WRITE);

	run.client = client;
	run.xfer = (struct hsx_uart_xfer){ .port = FAKE_PORT, .len = sizeof(run.data) };
	atomic_set(&fake.written, 0);
	written_at_revoke = -1;
	reinit_completion(&fake.in_call);
	reinit_completion(&fake.release);
	reinit_completion(&op_done);
	reinit_completion(&ending);
	reinit_completion(&revoked);
	WRITE_ONCE(fake.block, FAKE_WRITE);
	wake_up_process(writer);
	if (!wait_for_completion_timeout(&fake.in_call, UART_TTY_TEST_WAIT)) {
		KUNIT_FAIL(test, "the write did not reach the driver");
		WRITE_ONCE(fake.block, FAKE_NONE);
		goto out_release;
	}
	if (IS_ERR(kthread_run(revoke_thread, client, "hsx-revoke"))) {
		KUNIT_FAIL(test, "no thread to revoke in");
		goto out_release;
	}
	wait_for_completion_timeout(&ending, UART_TTY_TEST_WAIT);
	/* The revocation waits for the slice in the driver: it cannot have returned. */
	early = completion_done(&revoked);
	KUNIT_EXPECT_FALSE_MSG(test, early, "the revocation returned with a slice in the driver");
	complete(&fake.release);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&revoked, UART_TTY_TEST_WAIT));
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT));
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&fake.written), written_at_revoke,
			    "bytes went to the driver after the revocation returned");
	/* The slice in the driver when the revocation came went; nothing after it. */
	KUNIT_EXPECT_EQ(test, run.xfer.done, 4096U);
	KUNIT_EXPECT_EQ(test, run.ret, 0L);
	goto out;
out_release:
	complete(&fake.release);
	wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT);
out:
	take_cap(client);
	close_port(client);
}

/* A second function, another file's, run as op_thread() runs run.op. */
static struct {
	struct hsx_client *client;
	const struct hsx_ioctl_op *op;
	u64 arg[HSX_IOCTL_ARG_MAX / sizeof(u64)];
	long ret;
	struct completion done;
} other;

static int other_thread(void *arg)
{
	other.ret = hsx_dispatch_op(other.client, other.op, other.arg);
	complete(&other.done);
	return 0;
}

/* Until @task sleeps (or the test's bound passes). */
static bool wait_asleep(struct task_struct *task)
{
	unsigned long until = jiffies + UART_TTY_TEST_WAIT;

	while (time_before(jiffies, until)) {
		if (READ_ONCE(task->__state) & (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE))
			return true;
		usleep_range(1000, 2000);
	}
	return false;
}

/*
 * The argument of function @fn on the port: the owner's (@owner) or a
 * tenant's, each with settings of its own, so that the port tells whose
 * change it holds.
 */
static void set_fn_arg(u64 *arg, unsigned int fn, bool owner)
{
	memset(arg, 0, HSX_IOCTL_ARG_MAX);
	switch (fn) {
	case HSX_UART_FN_CONFIG:
		*(struct hsx_uart_config *)arg = (struct hsx_uart_config){
			.port = FAKE_PORT, .baud = owner ? 9600 : 19200, .stop_bits = 1 };
		break;
	case HSX_UART_FN_MODEM:
		*(struct hsx_uart_modem *)arg = (struct hsx_uart_modem){
			.port = FAKE_PORT, .set = HSX_UART_LN_DTR };
		break;
	case HSX_UART_FN_SET_EVENTS:
		*(struct hsx_uart_events *)arg = (struct hsx_uart_events){
			.port = FAKE_PORT, .events = HSX_UART_EVF_MODEM };
		break;
	case HSX_UART_FN_BREAK:
		/* The owner's is short; a tenant's would outlast the test's bounds. */
		*(struct hsx_uart_ctl *)arg = (struct hsx_uart_ctl){
			.port = FAKE_PORT, .value = owner ? 20 : HSX_UART_BREAK_MAX_MS };
		break;
	case HSX_UART_FN_DISCARD:
		*(struct hsx_uart_ctl *)arg = (struct hsx_uart_ctl){
			.port = FAKE_PORT, .value = HSX_UART_DC_TX };
		break;
	}
}

/*
 * run.op: function @fn of @client, with the owner's argument (@owner) or a
 * tenant's, and every completion a case waits on reset.
 */
static void prepare_run(struct hsx_client *client, unsigned int fn, bool owner)
{
	set_fn_arg(run.arg, fn, owner);
	run.client = client;
	run.op = &hsx_uart_module.ops[fn];
	reinit_completion(&fake.in_call);
	reinit_completion(&fake.release);
	reinit_completion(&op_done);
	reinit_completion(&ending);
	reinit_completion(&revoked);
}

/*
 * What the fake driver and the port hold, forgotten before a case: the
 * modem lines' polling a SET_EVENTS started stops too, or it would take a
 * later case's held tiocmget.
 */
static void forget_changes(struct hsx_uart_dev *dev)
{
	WRITE_ONCE(fake.lines_set, 0);
	atomic_set(&fake.breaks, 0);
	WRITE_ONCE(fake.break_state, 0);
	WRITE_ONCE(dev->events, 0);
	cancel_delayed_work_sync(&dev->modem_work);
}

/* Until a revocation of @client's capability waits for its functions, or returned. */
static bool revocation_waits(struct hsx_client *client)
{
	unsigned long until = jiffies + UART_TTY_TEST_WAIT;

	while (time_before(jiffies, until)) {
		if (hsx_uart_test_revocation_waits(client) || completion_done(&revoked))
			return hsx_uart_test_revocation_waits(client);
		usleep_range(1000, 2000);
	}
	return false;
}

/*
 * A function that changes the port (CONFIG, MODEM, SET_EVENTS, BREAK)
 * passed its check and waits for the port's lock (config_lock; BREAK's
 * break_lock), held by another file's call blocked in the driver (a USB
 * adapter's control transfer): its capability is revoked. Once the
 * revocation returned (which it does while the other file's call is still
 * blocked), the function never reaches the driver: it fails as revoked, and
 * the port keeps the other file's settings (the next holder's), its lines,
 * its events, and sends no break of the tenant's.
 */
static void uart_tty_no_change_after_a_revocation(struct kunit *test)
{
	static const struct {
		unsigned int fn;	/* the tenant's */
		unsigned int owner_fn;	/* the owner's, held in the driver meanwhile */
		enum fake_call_kind kind;
	} cases[] = {
		{ HSX_UART_FN_CONFIG, HSX_UART_FN_CONFIG, FAKE_SET_TERMIOS },
		{ HSX_UART_FN_MODEM, HSX_UART_FN_CONFIG, FAKE_SET_TERMIOS },
		{ HSX_UART_FN_SET_EVENTS, HSX_UART_FN_CONFIG, FAKE_SET_TERMIOS },
		{ HSX_UART_FN_BREAK, HSX_UART_FN_BREAK, FAKE_BREAK },
	};
	struct hsx_client *owner = open_port(test, true), *tenant;
	struct task_struct *t2;
	struct hsx_uart_dev *dev;
	unsigned int i, fn;
	int owner_breaks;
	bool back;

	dev = hsx_uart_port_get(FAKE_PORT);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	tenant = hsx_client_create(hsx_dev_instance_node(dev->inst), dev->inst, false, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tenant);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fn = cases[i].fn;
		/* The owner's function, held in the driver. */
		prepare_run(owner, cases[i].owner_fn, true);
		init_completion(&other.done);
		forget_changes(dev);
		WRITE_ONCE(fake.block, cases[i].kind);
		if (IS_ERR(kthread_run(op_thread, NULL, "hsx-op"))) {
			KUNIT_FAIL(test, "no thread for the owner's function");
			break;
		}
		if (!wait_for_completion_timeout(&fake.in_call, UART_TTY_TEST_WAIT)) {
			KUNIT_FAIL(test, "the owner's function %u did not reach the driver",
				   cases[i].owner_fn);
			WRITE_ONCE(fake.block, FAKE_NONE);
			complete(&fake.release);
			wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT);
			break;
		}

		/* The tenant's function: checked, then waiting for the lock. */
		set_fn_arg(other.arg, fn, false);
		other.client = tenant;
		other.op = &hsx_uart_module.ops[fn];
		t2 = kthread_create(other_thread, NULL, "hsx-tenant");
		if (IS_ERR(t2)) {
			KUNIT_FAIL(test, "no thread for the tenant");
			complete(&fake.release);
			wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT);
			break;
		}
		get_task_struct(t2);
		give_cap(test, tenant, t2, HSX_CAP_R_READ | HSX_CAP_R_UART_CONFIG |
				       HSX_CAP_R_UART_MODEM);
		wake_up_process(t2);
		KUNIT_EXPECT_TRUE_MSG(test, wait_asleep(t2), "function %u never waited", fn);
		put_task_struct(t2);

		if (IS_ERR(kthread_run(revoke_thread, tenant, "hsx-revoke"))) {
			KUNIT_FAIL(test, "no thread to revoke in");
			complete(&fake.release);
		}
		/* Another file's blocked call does not hold the revocation up. */
		back = wait_for_completion_timeout(&revoked, UART_TTY_TEST_WAIT);
		KUNIT_EXPECT_TRUE_MSG(test, back, "function %u: the revocation did not return",
				      fn);
		/* Returned: the tenant's function is over, and changed nothing. */
		KUNIT_EXPECT_TRUE_MSG(test, wait_for_completion_timeout(&other.done,
									UART_TTY_TEST_WAIT),
				      "function %u still runs after the revocation", fn);
		complete(&fake.release);
		KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT));
		if (!back)
			wait_for_completion_timeout(&revoked, UART_TTY_TEST_WAIT);
		KUNIT_EXPECT_EQ(test, run.ret, 0L);
		KUNIT_EXPECT_EQ_MSG(test, other.ret, (long)-EKEYREVOKED,
				    "function %u ran after the revocation returned", fn);
		KUNIT_EXPECT_EQ(test, dev->config.baud, 9600U);
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(fake.lines_set) & TIOCM_DTR, 0U,
				    "function %u set DTR after the revocation", fn);
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(dev->events), 0U,
				    "function %u set the port's events after the revocation", fn);
		/* The owner's break, and no other. */
		owner_breaks = cases[i].owner_fn == HSX_UART_FN_BREAK;
		KUNIT_EXPECT_EQ(test, atomic_read(&fake.breaks), owner_breaks);
		KUNIT_EXPECT_EQ(test, READ_ONCE(fake.break_state), 0);
		take_cap(tenant);
	}
	hsx_client_destroy(tenant);
	hsx_instance_put(dev->inst);
	close_port(owner);
}

/*
 * A holder's own function that changes the port is in the driver (a USB
 * adapter's control transfer) when its capability is revoked: the
 * revocation returns only once the call is out of the driver, so that once
 * it returned the port is as the revoked holder left it, for good. A
 * break it was sending is off by then.
 */
static void uart_tty_revocation_waits_for_the_holders_own_change(struct kunit *test)
{
	static const struct {
		unsigned int fn;
		enum fake_call_kind kind;
		long ret;	/* what the function returns once released */
	} cases[] = {
		{ HSX_UART_FN_CONFIG, FAKE_SET_TERMIOS, 0 },
		{ HSX_UART_FN_MODEM, FAKE_TIOCMGET, 0 },
		{ HSX_UART_FN_SET_EVENTS, FAKE_TIOCMGET, 0 },
		{ HSX_UART_FN_DISCARD, FAKE_FLUSH, 0 },
		/* Its duration's wait sees the revocation: it ends the break early. */
		{ HSX_UART_FN_BREAK, FAKE_BREAK, -EKEYREVOKED },
	};
	struct hsx_client *holder = open_port(test, false);
	struct hsx_uart_dev *dev = hsx_uart_port_get(FAKE_PORT);
	struct task_struct *t;
	unsigned int i, fn;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fn = cases[i].fn;
		forget_changes(dev);
		prepare_run(holder, fn, false);
		t = kthread_create(op_thread, NULL, "hsx-op");
		if (IS_ERR(t)) {
			KUNIT_FAIL(test, "no thread for function %u", fn);
			break;
		}
		give_cap(test, holder, t, HSX_CAP_R_READ | HSX_CAP_R_WRITE |
				       HSX_CAP_R_UART_CONFIG | HSX_CAP_R_UART_MODEM);
		WRITE_ONCE(fake.block, cases[i].kind);
		wake_up_process(t);
		if (!wait_for_completion_timeout(&fake.in_call, UART_TTY_TEST_WAIT)) {
			KUNIT_FAIL(test, "function %u did not reach the driver", fn);
			WRITE_ONCE(fake.block, FAKE_NONE);
			complete(&fake.release);
			wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT);
			take_cap(holder);
			break;
		}
		if (IS_ERR(kthread_run(revoke_thread, holder, "hsx-revoke"))) {
			KUNIT_FAIL(test, "no thread to revoke in");
			complete(&fake.release);
			wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT);
			take_cap(holder);
			break;
		}
		KUNIT_EXPECT_TRUE_MSG(test, revocation_waits(holder),
				      "function %u: the revocation returned with its change in the driver",
				      fn);
		complete(&fake.release);
		if (!wait_for_completion_timeout(&revoked, UART_TTY_TEST_WAIT)) {
			/* Its threads may still use the file and the port: leave them be. */
			KUNIT_FAIL(test, "function %u: the revocation did not return", fn);
			return;
		}
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(fake.break_state), 0,
				    "function %u: the line is in a break after the revocation", fn);
		KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT));
		KUNIT_EXPECT_EQ_MSG(test, run.ret, cases[i].ret, "function %u", fn);
		take_cap(holder);
	}
	forget_changes(dev);
	hsx_instance_put(dev->inst);
	close_port(holder);
}

/* A function of its own, in a thread a signal can interrupt. */
struct signalled_call {
	struct hsx_client *client;
	const struct hsx_ioctl_op *op;
	u64 arg[HSX_IOCTL_ARG_MAX / sizeof(u64)];
	long ret;
	struct completion done;
};

static struct signalled_call interrupted, denied;

static int signalled_call_thread(void *arg)
{
	struct signalled_call *c = arg;

	allow_signal(SIGKILL);
	c->ret = hsx_dispatch_op(c->client, c->op, c->arg);
	complete(&c->done);
	return 0;
}

static struct task_struct *start_call(struct signalled_call *c, struct hsx_client *client,
				      unsigned int fn)
{
	c->client = client;
	c->op = &hsx_uart_module.ops[fn];
	set_fn_arg(c->arg, fn, false);
	c->ret = 1;
	init_completion(&c->done);
	return kthread_run(signalled_call_thread, c, "hsx-call");
}

/*
 * A revocation waits for the holder's CONFIG in the driver; meanwhile two
 * more functions of the same file that change the port wait for it to end
 * (the file's acting lock): a signal ends one's wait with EINTR at once,
 * having taken nothing; the other, once the revocation returned, is denied.
 */
static void uart_tty_a_function_waiting_for_a_revocation_can_be_interrupted(struct kunit *test)
{
	struct hsx_client *holder = open_port(test, false);
	struct hsx_uart_dev *dev = hsx_uart_port_get(FAKE_PORT);
	struct task_struct *t, *waiter;
	int users;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	forget_changes(dev);
	prepare_run(holder, HSX_UART_FN_CONFIG, false);
	t = kthread_create(op_thread, NULL, "hsx-op");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	give_cap(test, holder, t, HSX_CAP_R_READ | HSX_CAP_R_UART_CONFIG);
	WRITE_ONCE(fake.block, FAKE_SET_TERMIOS);
	wake_up_process(t);
	if (!wait_for_completion_timeout(&fake.in_call, UART_TTY_TEST_WAIT)) {
		KUNIT_FAIL(test, "CONFIG did not reach the driver");
		WRITE_ONCE(fake.block, FAKE_NONE);
		goto out_release;
	}
	if (IS_ERR(kthread_run(revoke_thread, holder, "hsx-revoke"))) {
		KUNIT_FAIL(test, "no thread to revoke in");
		goto out_release;
	}
	if (!revocation_waits(holder)) {
		KUNIT_FAIL(test, "the revocation did not wait for CONFIG in the driver");
		goto out_release;
	}
	users = atomic_read(&dev->users);

	waiter = start_call(&interrupted, holder, HSX_UART_FN_MODEM);
	if (IS_ERR(waiter)) {
		KUNIT_FAIL(test, "no thread for MODEM");
		goto out_release;
	}
	get_task_struct(waiter);
	KUNIT_EXPECT_TRUE(test, wait_asleep(waiter));
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&interrupted.done),
			       "MODEM did not wait for the revocation");
	send_sig(SIGKILL, waiter, 1);
	put_task_struct(waiter);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&interrupted.done,
							    UART_TTY_TEST_WAIT));
	KUNIT_EXPECT_EQ(test, interrupted.ret, (long)-EINTR);
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->users), users);
	KUNIT_EXPECT_FALSE(test, completion_done(&revoked));

	if (IS_ERR(start_call(&denied, holder, HSX_UART_FN_DISCARD)))
		KUNIT_FAIL(test, "no thread for DISCARD");
out_release:
	complete(&fake.release);
	if (!wait_for_completion_timeout(&revoked, UART_TTY_TEST_WAIT) ||
	    !wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT)) {
		/* Its threads may still use the file and the port: leave them be. */
		KUNIT_FAIL(test, "the revocation or CONFIG did not return");
		return;
	}
	KUNIT_EXPECT_EQ(test, run.ret, 0L);
	if (denied.client == holder && interrupted.client) {
		KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&denied.done,
								    UART_TTY_TEST_WAIT));
		KUNIT_EXPECT_EQ(test, denied.ret, (long)-EKEYREVOKED);
	}
	take_cap(holder);
	hsx_instance_put(dev->inst);
	close_port(holder);
}

/* A reader polling the port a byte at a time, and what it saw. */
static struct {
	struct hsx_uart_dev *dev;
	struct completion first;	/* it took a byte */
	unsigned int taken;
	unsigned int late;	/* takes allowed that began after the revocation returned */
	int ret;
} poller;

static int poll_thread(void *arg)
{
	unsigned long until = jiffies + UART_TTY_TEST_WAIT;
	struct hsx_uart_taken mark;
	bool late;
	u8 byte;
	int ret;

	do {
		late = completion_done(&revoked);
		ret = hsx_uart_take_allowed(run.client, poller.dev, &byte, 1, &mark);
		if (ret >= 0 && late)
			poller.late++;
		if (ret > 0 && !poller.taken++)
			complete(&poller.first);
		cond_resched();
	} while (ret >= 0 && time_before(jiffies, until));
	poller.ret = ret;
	complete(&op_done);
	return 0;
}

/*
 * READ_POLL takes its bytes in the section of its check: a revocation
 * while a reader polls on and on returns only once no take it allowed
 * runs, and every take after it is denied; the buffer holds, from then
 * on, every byte it held when the revocation returned.
 */
static void uart_tty_no_poll_takes_after_a_revocation(struct kunit *test)
{
	struct hsx_client *client = open_port(test, false);
	struct task_struct *reader;
	unsigned int rx_at;

	poller.dev = hsx_uart_port_get(FAKE_PORT);
	KUNIT_ASSERT_NOT_NULL(test, poller.dev);
	reader = kthread_create(poll_thread, NULL, "hsx-poll");
	KUNIT_ASSERT_FALSE(test, IS_ERR(reader));
	give_cap(test, client, reader, HSX_CAP_R_READ);
	run.client = client;
	poller.taken = 0;
	poller.late = 0;
	init_completion(&poller.first);
	reinit_completion(&op_done);
	reinit_completion(&ending);
	reinit_completion(&revoked);
	spin_lock(&poller.dev->rx_lock);
	poller.dev->rx_head = 0;
	poller.dev->rx_len = HSX_UART_RX_BUFFER;	/* more than it takes meanwhile */
	spin_unlock(&poller.dev->rx_lock);

	wake_up_process(reader);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&poller.first, UART_TTY_TEST_WAIT));
	if (IS_ERR(kthread_run(revoke_thread, client, "hsx-revoke")))
		KUNIT_FAIL(test, "no thread to revoke in");
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&revoked, UART_TTY_TEST_WAIT));
	spin_lock(&poller.dev->rx_lock);
	rx_at = poller.dev->rx_len;
	spin_unlock(&poller.dev->rx_lock);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&op_done, UART_TTY_TEST_WAIT));
	KUNIT_EXPECT_EQ(test, poller.ret, -EKEYREVOKED);
	KUNIT_EXPECT_EQ_MSG(test, poller.late, 0U, "polls allowed after the revocation returned");
	KUNIT_EXPECT_EQ_MSG(test, poller.dev->rx_len, rx_at,
			    "bytes taken after the revocation returned");
	KUNIT_EXPECT_GT(test, poller.taken, 0U);
	take_cap(client);
	hsx_instance_put(poller.dev->inst);
	close_port(client);
}

/* BREAK of @ms on the port, through the dispatcher. */
static long send_break(struct hsx_client *client, u32 ms)
{
	memset(run.arg, 0, sizeof(run.arg));
	*(struct hsx_uart_ctl *)run.arg = (struct hsx_uart_ctl){ .port = FAKE_PORT, .value = ms };
	return hsx_dispatch_op(client, &hsx_uart_module.ops[HSX_UART_FN_BREAK], run.arg);
}

/*
 * A break whose start the driver failed (a USB adapter's control transfer
 * that failed once the adapter began it) is ended all the same, and the
 * error returned; a driver without breaks (usb-serial's ENOTTY) began none,
 * and none is ended.
 */
static void uart_tty_a_break_the_driver_failed_is_ended(struct kunit *test)
{
	struct hsx_client *client = open_port(test, true);

	WRITE_ONCE(fake.break_err, -EIO);
	KUNIT_EXPECT_EQ(test, send_break(client, 20), (long)-EIO);
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(fake.break_state), 0, "the line stays in a break");
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.break_offs), 1);

	WRITE_ONCE(fake.break_err, -ENOTTY);
	atomic_set(&fake.break_offs, 0);
	KUNIT_EXPECT_EQ(test, send_break(client, 20), (long)-ENOTTY);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.break_offs), 0);

	WRITE_ONCE(fake.break_err, 0);
	atomic_set(&fake.break_offs, 0);
	KUNIT_EXPECT_EQ(test, send_break(client, 20), 0L);
	KUNIT_EXPECT_EQ(test, READ_ONCE(fake.break_state), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.break_offs), 1);
	close_port(client);
}

/* GET_STATUS of the port, through the dispatcher; the status is in run.arg. */
static struct hsx_uart_status *get_status(struct kunit *test, struct hsx_client *client)
{
	struct hsx_uart_status *st = (struct hsx_uart_status *)run.arg;

	memset(run.arg, 0, sizeof(run.arg));
	st->port = FAKE_PORT;
	KUNIT_EXPECT_EQ(test, hsx_dispatch_op(client, &hsx_uart_module.ops[HSX_UART_FN_GET_STATUS],
					      run.arg), 0L);
	return st;
}

/*
 * With the driver's buffer-overrun count at @driver_count, the file's status
 * says @overruns for the port, and flags an overrun for the file or not.
 */
static void expect_overruns(struct kunit *test, struct hsx_client *client, int driver_count,
			    u64 overruns, bool flagged)
{
	struct hsx_uart_status *st;

	WRITE_ONCE(fake.buf_overrun, driver_count);
	st = get_status(test, client);
	KUNIT_EXPECT_EQ(test, st->overruns, overruns);
	KUNIT_EXPECT_EQ_MSG(test, !!(st->status & HSX_UART_ST_OVERRUN), flagged,
			    "driver count %d", driver_count);
}

/*
 * Bytes the driver dropped because the tty layer's buffers were full
 * (get_icount's buf_overrun) are the port's overruns: counted, and the
 * OVERRUN bit of GET_STATUS; those counted before hsx took the tty are not.
 */
static void uart_tty_driver_buffer_overruns_are_counted(struct kunit *test)
{
	struct hsx_client *client;

	WRITE_ONCE(fake.buf_overrun, 5);
	client = open_port(test, true);
	expect_overruns(test, client, 5, 0, false);
	expect_overruns(test, client, 8, 3, true);
	close_port(client);
	WRITE_ONCE(fake.buf_overrun, 0);
}

/*
 * A file's status tells what happened since it first used the port: the
 * driver's overruns before that are counted for the port, not flagged for
 * the file.
 */
static void uart_tty_driver_overruns_before_a_file_are_not_its(struct kunit *test)
{
	struct hsx_client *client;

	WRITE_ONCE(fake.buf_overrun, 5);
	client = open_port(test, true);
	/* 8 before the file's first function: counted, not flagged for the file */
	expect_overruns(test, client, 8, 3, false);
	expect_overruns(test, client, 9, 4, true);
	close_port(client);
	WRITE_ONCE(fake.buf_overrun, 0);
}

/*
 * The driver's count going back (reset) is a new base, not the end of
 * counting; a count that could not be read at open is taken as the base at
 * the first that can, not counted whole.
 */
static void uart_tty_driver_overrun_count_rebased(struct kunit *test)
{
	struct hsx_client *client;
	struct hsx_uart_status *st;

	WRITE_ONCE(fake.buf_overrun, 100);
	WRITE_ONCE(fake.icount_err, -EIO);
	client = open_port(test, true);
	WRITE_ONCE(fake.icount_err, 0);
	st = get_status(test, client);
	KUNIT_EXPECT_EQ_MSG(test, st->overruns, 0ULL, "overruns from before the port counted");
	WRITE_ONCE(fake.buf_overrun, 102);
	st = get_status(test, client);
	KUNIT_EXPECT_EQ(test, st->overruns, 2ULL);
	WRITE_ONCE(fake.buf_overrun, 0);	/* the driver's count reset */
	st = get_status(test, client);
	KUNIT_EXPECT_EQ(test, st->overruns, 2ULL);
	WRITE_ONCE(fake.buf_overrun, 3);
	st = get_status(test, client);
	KUNIT_EXPECT_EQ_MSG(test, st->overruns, 5ULL, "no overrun counted after a reset");
	KUNIT_EXPECT_TRUE(test, st->status & HSX_UART_ST_OVERRUN);
	close_port(client);
	WRITE_ONCE(fake.buf_overrun, 0);
}

/*
 * A tty that hung up (a USB adapter unplugged) gets its own settings back
 * as an unbinding gives them: its next open (the adapter plugged in again)
 * starts from them, not from hsx's raw mode. No call reaches the driver.
 */
static void uart_tty_hangup_gives_the_settings_back(struct kunit *test)
{
	unsigned long until = jiffies + UART_TTY_TEST_WAIT;
	struct ktermios before, *saved;
	struct hsx_uart_dev *dev;

	before = fake.driver->termios[0] ? *fake.driver->termios[0] : fake.driver->init_termios;
	KUNIT_ASSERT_NE(test, before.c_lflag, 0U);	/* not raw: the check below tells */
	KUNIT_ASSERT_EQ(test, hsx_uart_map_port(FAKE_PORT, "hsxfake0"), 0);
	tty_vhangup(fake.tty);
	/* The hangup unbinds the port in a work item. */
	while ((dev = hsx_uart_port_get(FAKE_PORT)) && time_before(jiffies, until)) {
		hsx_instance_put(dev->inst);
		usleep_range(1000, 2000);
	}
	KUNIT_ASSERT_NULL(test, dev);
	KUNIT_EXPECT_EQ(test, atomic_read(&fake.after_hangup), 0);
	saved = fake.driver->termios[0];
	KUNIT_ASSERT_NOT_NULL(test, saved);
	KUNIT_EXPECT_EQ(test, saved->c_lflag, before.c_lflag);
	KUNIT_EXPECT_EQ(test, saved->c_iflag, before.c_iflag);
	KUNIT_EXPECT_EQ(test, saved->c_oflag, before.c_oflag);
	KUNIT_EXPECT_EQ(test, saved->c_cflag, before.c_cflag);
}

/*
 * Two device-tree nodes, each binding a port: one node going (an overlay
 * removed) unbinds its own port, and leaves the other node's bound.
 */
static void uart_tty_firmware_unbinding_is_per_node(struct kunit *test)
{
	static const int node_a, node_b;
	struct hsx_uart_dev *dev;

	KUNIT_ASSERT_EQ(test, hsx_uart_fw_bind(FAKE_PORT - 1, "hsxfake0", &node_a), 0);
	KUNIT_ASSERT_EQ(test, hsx_uart_fw_bind(FAKE_PORT, "hsxfake1", &node_b), 0);
	hsx_uart_fw_unbind(&node_a);
	KUNIT_EXPECT_NULL(test, hsx_uart_port_get(FAKE_PORT - 1));
	dev = hsx_uart_port_get(FAKE_PORT);
	KUNIT_EXPECT_NOT_NULL(test, dev);
	if (dev) {
		KUNIT_EXPECT_STREQ(test, dev->name, "hsxfake1");
		hsx_instance_put(dev->inst);
	}
	/* The admin cannot take it, the node still binds it. */
	KUNIT_EXPECT_EQ(test, hsx_uart_map_port(FAKE_PORT, ""), -EOPNOTSUPP);
	hsx_uart_fw_unbind(&node_b);
	KUNIT_EXPECT_NULL(test, hsx_uart_port_get(FAKE_PORT));
}

static int uart_tty_test_init(struct kunit *test)
{
	WRITE_ONCE(fake.block, FAKE_NONE);
	WRITE_ONCE(fake.hung_up, false);
	WRITE_ONCE(fake.icount_err, 0);
	WRITE_ONCE(fake.break_state, 0);
	WRITE_ONCE(fake.break_err, 0);
	WRITE_ONCE(fake.lines_set, 0);
	atomic_set(&fake.breaks, 0);
	atomic_set(&fake.break_offs, 0);
	interrupted.client = NULL;
	denied.client = NULL;
	atomic_set(&fake.after_hangup, 0);
	init_completion(&fake.in_call);
	init_completion(&fake.release);
	init_completion(&unbound);
	init_completion(&hung_up);
	init_completion(&op_done);
	init_completion(&synced);
	init_completion(&ending);
	init_completion(&revoked);
	fake.tty = NULL;
	return 0;
}

static int uart_tty_suite_init(struct kunit_suite *suite)
{
	int ret;

	unsigned int i;

	fake.driver = tty_alloc_driver(FAKE_LINES, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(fake.driver))
		return PTR_ERR(fake.driver);
	fake.driver->driver_name = "hsxfake";
	fake.driver->name = "hsxfake";
	fake.driver->type = TTY_DRIVER_TYPE_SERIAL;
	fake.driver->subtype = SERIAL_TYPE_NORMAL;
	fake.driver->init_termios = tty_std_termios;
	tty_set_operations(fake.driver, &fake_ops);
	for (i = 0; i < FAKE_LINES; i++) {
		tty_port_init(&fake.port[i]);
		tty_port_link_device(&fake.port[i], fake.driver, i);
	}
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
	for (i = 0; i < FAKE_LINES; i++)
		tty_port_destroy(&fake.port[i]);
	tty_driver_kref_put(fake.driver);
	return ret;
}

static void uart_tty_suite_exit(struct kunit_suite *suite)
{
	unsigned int i;

	hsx_test_core_down(&hsx_uart_module);
	tty_unregister_driver(fake.driver);
	for (i = 0; i < FAKE_LINES; i++)
		tty_port_destroy(&fake.port[i]);
	tty_driver_kref_put(fake.driver);
}

static struct kunit_case hsx_uart_tty_cases[] = {
	KUNIT_CASE(uart_tty_unbind_racing_hangup),
	KUNIT_CASE(uart_tty_blocked_driver_call_holds_up_no_revocation),
	KUNIT_CASE(uart_tty_no_byte_moves_after_a_revocation),
	KUNIT_CASE(uart_tty_no_change_after_a_revocation),
	KUNIT_CASE(uart_tty_revocation_waits_for_the_holders_own_change),
	KUNIT_CASE(uart_tty_a_function_waiting_for_a_revocation_can_be_interrupted),
	KUNIT_CASE(uart_tty_no_poll_takes_after_a_revocation),
	KUNIT_CASE(uart_tty_a_break_the_driver_failed_is_ended),
	KUNIT_CASE(uart_tty_driver_buffer_overruns_are_counted),
	KUNIT_CASE(uart_tty_driver_overruns_before_a_file_are_not_its),
	KUNIT_CASE(uart_tty_driver_overrun_count_rebased),
	KUNIT_CASE(uart_tty_hangup_gives_the_settings_back),
	KUNIT_CASE(uart_tty_firmware_unbinding_is_per_node),
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
