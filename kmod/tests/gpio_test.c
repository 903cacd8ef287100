// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: GPIO configuration validation, pin-map parsing, the edge to IRQ
 * trigger mapping, and the numbering of events when edges are lost while a
 * debounced value is being posted.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>

#include "../gpio/gpio.h"
#include "../core/mailbox.h"

static void gpio_config_accepts_valid_combinations(struct kunit *test)
{
	struct hsx_gpio_config c = { .pin = 5, .mode = HSX_GPIO_M_INPUT, .pull = HSX_GPIO_P_UP };

	KUNIT_EXPECT_EQ(test, hsx_gpio_validate_config(&c), 0);
	c.debounce_us = HSX_GPIO_DEBOUNCE_MAX_US;
	c.flags = HSX_GPIO_F_ACTIVE_LOW;
	KUNIT_EXPECT_EQ(test, hsx_gpio_validate_config(&c), 0);
	c = (struct hsx_gpio_config){ .pin = HSX_GPIO_MAX_PINS - 1, .mode = HSX_GPIO_M_OUTPUT,
				      .flags = HSX_GPIO_F_OPEN_DRAIN | HSX_GPIO_F_INIT_HIGH };
	KUNIT_EXPECT_EQ(test, hsx_gpio_validate_config(&c), 0);
	c.flags = HSX_GPIO_F_OPEN_SOURCE | HSX_GPIO_F_ACTIVE_LOW;
	KUNIT_EXPECT_EQ(test, hsx_gpio_validate_config(&c), 0);
}

static void gpio_config_rejects_bad_values(struct kunit *test)
{
	static const struct hsx_gpio_config bad[] = {
		{ .pin = HSX_GPIO_MAX_PINS, .mode = HSX_GPIO_M_INPUT },
		{ .pin = 1, .mode = 3 },
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .pull = 3 },
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .flags = HSX_GPIO_F_ALL + 1 },
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .reserved = { 0, 0, 1 } },
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .debounce_us = HSX_GPIO_DEBOUNCE_MAX_US + 1 },
		/* Drive and initial value belong to outputs, debounce to inputs. */
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .flags = HSX_GPIO_F_OPEN_DRAIN },
		{ .pin = 1, .mode = HSX_GPIO_M_INPUT, .flags = HSX_GPIO_F_INIT_HIGH },
		{ .pin = 1, .mode = HSX_GPIO_M_OUTPUT, .debounce_us = 10 },
		{ .pin = 1, .mode = HSX_GPIO_M_OUTPUT,
		  .flags = HSX_GPIO_F_OPEN_DRAIN | HSX_GPIO_F_OPEN_SOURCE },
	};
	const struct hsx_gpio_config analog = { .pin = 1, .mode = HSX_GPIO_M_ANALOG };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, hsx_gpio_validate_config(&bad[i]), -EINVAL, "case %u", i);
	/* Analog is a valid mode, but no backend has it. */
	KUNIT_EXPECT_EQ(test, hsx_gpio_validate_config(&analog), -EOPNOTSUPP);
}

static void gpio_map_parses_bindings(struct kunit *test)
{
	const char *param = "0=gpio-sim.0-node0:3,17=pinctrl:bcm:17,63=x:65535";
	char chip[HSX_GPIO_LABEL_MAX];
	unsigned int pin, offset;
	const char *p = param;

	KUNIT_ASSERT_EQ(test, hsx_gpio_parse_map(p, &pin, chip, sizeof(chip), &offset, &p), 0);
	KUNIT_EXPECT_EQ(test, pin, 0U);
	KUNIT_EXPECT_STREQ(test, chip, "gpio-sim.0-node0");
	KUNIT_EXPECT_EQ(test, offset, 3U);
	/* A label may contain ':'; the offset follows the last one. */
	KUNIT_ASSERT_EQ(test, hsx_gpio_parse_map(p, &pin, chip, sizeof(chip), &offset, &p), 0);
	KUNIT_EXPECT_EQ(test, pin, 17U);
	KUNIT_EXPECT_STREQ(test, chip, "pinctrl:bcm");
	KUNIT_EXPECT_EQ(test, offset, 17U);
	KUNIT_ASSERT_EQ(test, hsx_gpio_parse_map(p, &pin, chip, sizeof(chip), &offset, &p), 0);
	KUNIT_EXPECT_EQ(test, pin, 63U);
	KUNIT_EXPECT_EQ(test, offset, 65535U);
	KUNIT_EXPECT_EQ(test, *p, '\0');
}

static void gpio_map_rejects_malformed_bindings(struct kunit *test)
{
	static const char *const bad[] = {
		"", "5", "5=", "5=chip", "5=chip:", "=chip:1", "x=chip:1", "64=chip:1",
		"5=:1", "5=chip:x", "5=chip:65536", "-1=chip:1", "5=chip:1x",
		"5=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1",
	};
	char chip[HSX_GPIO_LABEL_MAX];
	unsigned int i, pin, offset;
	const char *next;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, hsx_gpio_parse_map(bad[i], &pin, chip, sizeof(chip),
							     &offset, &next), -EINVAL,
				    "accepted \"%s\"", bad[i]);
}

static void gpio_trigger_follows_logical_edges(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_RISING, false),
			(unsigned long)IRQF_TRIGGER_RISING);
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_FALLING, false),
			(unsigned long)IRQF_TRIGGER_FALLING);
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_BOTH, false),
			(unsigned long)(IRQF_TRIGGER_RISING | IRQF_TRIGGER_FALLING));
	/* Active-low: a logical rising edge is a physical falling one. */
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_RISING, true),
			(unsigned long)IRQF_TRIGGER_FALLING);
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_FALLING, true),
			(unsigned long)IRQF_TRIGGER_RISING);
	KUNIT_EXPECT_EQ(test, hsx_gpio_irq_trigger(HSX_GPIO_E_NONE, false), 0UL);
}

/* ---- the event path: the IRQ thread and the debounce work posting at once -- */

#define EV_MAX (HSX_GPIO_RING + 16)

static struct {
	struct {
		u64 seq, line_seq, timestamp_ns;
		u32 dropped;
	} ev[EV_MAX];
	unsigned int n;
	int value;			/* what the line reads */
	struct task_struct *held;	/* the poster the window holds */
	struct completion in_window, release, settled, lost_posted;
	struct hsx_mbox *mbox;
	struct hsx_gpio_pin *pin;
	bool settling, losing;		/* a thread of the test runs, until it clears it */
} ev_rig;

static int ev_deliver(u32 portid, void *dest, const struct hsx_mbox_event *ev, void *buf)
{
	const struct hsx_gpio_record *rec = ev->payload;

	if (ev->type != HSX_EVT_DATA || ev_rig.n >= EV_MAX)
		return 0;
	ev_rig.ev[ev_rig.n].seq = ev->seq;
	ev_rig.ev[ev_rig.n].line_seq = rec->line_seq;
	ev_rig.ev[ev_rig.n].dropped = ev->dropped;
	ev_rig.ev[ev_rig.n].timestamp_ns = rec->timestamp_ns;
	ev_rig.n++;
	return 0;
}

static const struct hsx_mbox_transport ev_transport = {
	.deliver = ev_deliver,
};

static int ev_may_subscribe(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	return 0;
}

static const struct hsx_mbox_ops ev_ops = {
	.record_size = sizeof(struct hsx_gpio_record),
	.may_subscribe = ev_may_subscribe,
};

static int ev_get(struct hsx_gpio_line *line)
{
	return READ_ONCE(ev_rig.value);
}

static const struct hsx_gpio_backend ev_backend = {
	.name = "kunit",
	.get = ev_get,
};

static void ev_window(void)
{
	if (current != ev_rig.held)
		return;
	complete(&ev_rig.in_window);
	wait_for_completion_timeout(&ev_rig.release, 10 * HZ);
}

static int ev_settle_thread(void *data)
{
	hsx_gpio_test_settle(data);
	complete(&ev_rig.settled);
	WRITE_ONCE(ev_rig.settling, false);
	return 0;
}

static int ev_lose_thread(void *data)
{
	hsx_gpio_test_lose_edges(data, 2);
	complete(&ev_rig.lost_posted);
	WRITE_ONCE(ev_rig.losing, false);
	return 0;
}

/* A pin posting to a mailbox of its own, one subscriber, nothing held yet. */
static int ev_init(struct kunit *test)
{
	struct hsx_mbox_auth auth = {};
	u32 id;

	memset(&ev_rig, 0, sizeof(ev_rig));
	init_completion(&ev_rig.in_window);
	init_completion(&ev_rig.release);
	init_completion(&ev_rig.settled);
	init_completion(&ev_rig.lost_posted);
	hsx_mbox_init(&ev_transport);
	ev_rig.mbox = hsx_mbox_create("hal:gpio:kunit", &ev_ops, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ev_rig.mbox);
	KUNIT_ASSERT_EQ(test, hsx_mbox_subscribe("hal:gpio:kunit", 1, NULL, &auth, &id), 0);
	ev_rig.pin = hsx_gpio_test_pin_new(ev_rig.mbox, &ev_backend);
	KUNIT_ASSERT_NOT_NULL(test, ev_rig.pin);
	hsx_gpio_emit_window = ev_window;
	return 0;
}

/*
 * Also after a failed assertion: let a held thread go, wait for the test's
 * threads to end (they use the pin and the mailbox), then take it all down,
 * so that no later suite meets this one's transport, hook or threads.
 */
static void ev_exit(struct kunit *test)
{
	unsigned int waited;

	hsx_gpio_emit_window = NULL;
	complete_all(&ev_rig.release);
	for (waited = 0; (READ_ONCE(ev_rig.settling) || READ_ONCE(ev_rig.losing)) &&
	     waited < 10000; waited += 10)
		msleep(20);
	KUNIT_EXPECT_FALSE_MSG(test, READ_ONCE(ev_rig.settling) || READ_ONCE(ev_rig.losing),
			       "a thread of the test is stuck: the pin and mailbox are leaked");
	if (READ_ONCE(ev_rig.settling) || READ_ONCE(ev_rig.losing))
		return;
	if (ev_rig.pin)
		hsx_gpio_test_pin_free(ev_rig.pin);
	if (!IS_ERR_OR_NULL(ev_rig.mbox))
		hsx_mbox_destroy(ev_rig.mbox, HSX_CLOSE_CANCELLED);
	hsx_mbox_exit();
}

/*
 * With software debounce the IRQ thread (accounting edges the ring had no
 * room for) and the debounce work (posting a settled value) run at once.
 * Hold the work between numbering its event and posting it, let the thread
 * account two lost edges meanwhile: the subscriber must still see line_seq
 * and the mailbox's sequence advance together, the loss reported after the
 * event numbered before it. Without emit_lock the loss overtook the event:
 * an event reporting 2 drops before it, numbered line_seq 1.
 */
static void gpio_lost_edges_and_debounced_event_keep_line_seq(struct kunit *test)
{
	struct hsx_gpio_pin *p = ev_rig.pin;
	struct task_struct *settler, *loser;
	unsigned long lost_early;
	unsigned int i;
	u32 dropped = 0;

	ev_rig.value = 1;
	ev_rig.settling = true;
	settler = kthread_create(ev_settle_thread, p, "hsx-kunit-settle");
	if (IS_ERR(settler))
		ev_rig.settling = false;
	KUNIT_ASSERT_FALSE(test, IS_ERR(settler));
	ev_rig.held = settler;
	wake_up_process(settler);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&ev_rig.in_window, 10 * HZ), 0UL);

	ev_rig.losing = true;
	loser = kthread_run(ev_lose_thread, p, "hsx-kunit-lose");
	if (IS_ERR(loser))
		ev_rig.losing = false;
	KUNIT_ASSERT_FALSE(test, IS_ERR(loser));
	/* Time for the thread to post its loss if nothing stops it. */
	lost_early = wait_for_completion_timeout(&ev_rig.lost_posted, HZ / 5);
	complete(&ev_rig.release);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&ev_rig.settled, 10 * HZ), 0UL);
	if (!lost_early)
		KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&ev_rig.lost_posted, 10 * HZ),
				0UL);

	/* The line falls and settles: the next event, after the loss. */
	ev_rig.held = NULL;
	ev_rig.value = 0;
	hsx_gpio_test_settle(p);

	KUNIT_ASSERT_EQ(test, ev_rig.n, 2U);
	for (i = 0; i < ev_rig.n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, ev_rig.ev[i].seq - ev_rig.ev[i].line_seq,
				    ev_rig.ev[0].seq - ev_rig.ev[0].line_seq,
				    "event %u: seq %llu line_seq %llu", i, ev_rig.ev[i].seq,
				    ev_rig.ev[i].line_seq);
		dropped += ev_rig.ev[i].dropped;
	}
	KUNIT_EXPECT_EQ(test, ev_rig.ev[0].line_seq, 1ULL);
	KUNIT_EXPECT_EQ(test, ev_rig.ev[0].dropped, 0U);
	KUNIT_EXPECT_EQ(test, ev_rig.ev[1].line_seq, 4ULL);
	KUNIT_EXPECT_EQ(test, ev_rig.ev[1].dropped, 2U);
	KUNIT_EXPECT_EQ(test, dropped, 2U);
}

/*
 * The hard handler hands edge times to the IRQ thread through a ring that
 * takes no lock (one handler fills it, one thread empties it). Three edges
 * more than it holds: the thread posts the ones it held, in order, each
 * stamped with its hard interrupt's time, and the three it could not hold
 * as drops. Then a few more, past the end of the ring's slots: none lost.
 */
static void gpio_hard_handler_ring_keeps_order_and_counts_what_it_could_not_hold(struct kunit *test)
{
	struct hsx_gpio_pin *p = ev_rig.pin;
	u64 before = ktime_get_ns();
	unsigned int i;
	u32 dropped = 0;

	hsx_gpio_test_set_debounce(p, 0);
	ev_rig.value = 1;
	for (i = 0; i < HSX_GPIO_RING + 3; i++)
		hsx_gpio_test_hardirq(p);
	hsx_gpio_test_lose_edges(p, 0);	/* the thread's run: nothing lost but the ring's */
	KUNIT_ASSERT_EQ(test, ev_rig.n, (unsigned int)HSX_GPIO_RING);
	for (i = 0; i < ev_rig.n; i++) {
		KUNIT_EXPECT_GE(test, ev_rig.ev[i].timestamp_ns, before);
		if (i) {
			KUNIT_EXPECT_EQ(test, ev_rig.ev[i].seq, ev_rig.ev[i - 1].seq + 1);
			KUNIT_EXPECT_GE(test, ev_rig.ev[i].timestamp_ns,
					ev_rig.ev[i - 1].timestamp_ns);
		}
		dropped += ev_rig.ev[i].dropped;
	}
	KUNIT_EXPECT_EQ(test, dropped, 3U);
	KUNIT_EXPECT_EQ(test, ev_rig.ev[0].dropped, 3U);	/* told before the next edge */

	for (i = 0; i < 10; i++)
		hsx_gpio_test_hardirq(p);
	hsx_gpio_test_lose_edges(p, 0);
	KUNIT_ASSERT_EQ(test, ev_rig.n, HSX_GPIO_RING + 10U);
	for (i = HSX_GPIO_RING; i < ev_rig.n; i++) {
		KUNIT_EXPECT_EQ(test, ev_rig.ev[i].dropped, 0U);
		KUNIT_EXPECT_GE(test, ev_rig.ev[i].timestamp_ns, ev_rig.ev[i - 1].timestamp_ns);
	}
}

/*
 * The line is not IRQF_ONESHOT, so edges come while the IRQ thread is due.
 * Only the first asks for the thread; the rest are handled (that run takes
 * them): a storm of edges while the thread is held off is then no run of
 * unhandled interrupts, which the IRQ core would end by disabling the line.
 * A hundred edges before the thread runs: one wake-up, 99 handled, the ring's
 * 64 posted and 36 reported lost; after that run, the next edge wakes it again.
 */
static void gpio_hard_handler_wakes_its_thread_once_per_run(struct kunit *test)
{
	struct hsx_gpio_pin *p = ev_rig.pin;
	unsigned int i, handled = 0;
	u32 dropped = 0;

	hsx_gpio_test_set_debounce(p, 0);
	ev_rig.value = 1;
	KUNIT_EXPECT_EQ(test, hsx_gpio_test_hardirq(p), IRQ_WAKE_THREAD);
	for (i = 1; i < 100; i++)
		handled += hsx_gpio_test_hardirq(p) == IRQ_HANDLED;
	KUNIT_EXPECT_EQ(test, handled, 99U);
	hsx_gpio_test_lose_edges(p, 0);	/* the thread's run */
	KUNIT_ASSERT_EQ(test, ev_rig.n, (unsigned int)HSX_GPIO_RING);
	for (i = 0; i < ev_rig.n; i++)
		dropped += ev_rig.ev[i].dropped;
	KUNIT_EXPECT_EQ(test, dropped, 100U - HSX_GPIO_RING);

	KUNIT_EXPECT_EQ(test, hsx_gpio_test_hardirq(p), IRQ_WAKE_THREAD);
	KUNIT_EXPECT_EQ(test, hsx_gpio_test_hardirq(p), IRQ_HANDLED);
	hsx_gpio_test_lose_edges(p, 0);
	KUNIT_EXPECT_EQ(test, ev_rig.n, HSX_GPIO_RING + 2U);
	KUNIT_EXPECT_EQ(test, hsx_gpio_test_hardirq(p), IRQ_WAKE_THREAD);
}

/* Edges that come while the thread posts: the hard handler's answers to them. */
static struct {
	unsigned int left, wakes, handled;
} in_run;

static void edge_during_run(void)
{
	if (!in_run.left)
		return;
	in_run.left--;
	if (hsx_gpio_test_hardirq(ev_rig.pin) == IRQ_WAKE_THREAD)
		in_run.wakes++;
	else
		in_run.handled++;
}

/*
 * Edges while the thread runs, one per edge it posts (a run no shorter than
 * the edges' period): handled, taken by that same run, no new wake-up each
 * (the IRQ core would count each as unhandled). Then the run ends, and the
 * next edge wakes the thread again.
 */
static void gpio_edges_during_a_run_wake_no_thread(struct kunit *test)
{
	struct hsx_gpio_pin *p = ev_rig.pin;

	hsx_gpio_test_set_debounce(p, 0);
	ev_rig.value = 1;
	memset(&in_run, 0, sizeof(in_run));
	KUNIT_ASSERT_EQ(test, hsx_gpio_test_hardirq(p), IRQ_WAKE_THREAD);
	in_run.left = 10;
	hsx_gpio_emit_window = edge_during_run;
	hsx_gpio_test_lose_edges(p, 0);	/* the thread's run */
	hsx_gpio_emit_window = NULL;
	KUNIT_EXPECT_EQ(test, in_run.wakes, 0U);
	KUNIT_EXPECT_EQ(test, in_run.handled, 10U);
	KUNIT_EXPECT_EQ(test, ev_rig.n, 11U);	/* the first edge and the ten, in one run */
	KUNIT_EXPECT_EQ(test, hsx_gpio_test_hardirq(p), IRQ_WAKE_THREAD);
}

/*
 * Edges lost while the ring is otherwise empty: the run that reports them
 * must leave the thread no longer due, or every later edge would be
 * answered as handled and wake no thread (they stayed in the ring before:
 * the run reported the loss and ended still due).
 */
static void gpio_a_run_reporting_losses_leaves_the_next_edge_a_wake_up(struct kunit *test)
{
	struct hsx_gpio_pin *p = ev_rig.pin;

	hsx_gpio_test_set_debounce(p, 0);
	ev_rig.value = 1;
	hsx_gpio_test_lose_edges(p, 2);
	KUNIT_EXPECT_EQ(test, hsx_gpio_test_hardirq(p), IRQ_WAKE_THREAD);
	hsx_gpio_test_lose_edges(p, 0);
	KUNIT_ASSERT_EQ(test, ev_rig.n, 1U);
	KUNIT_EXPECT_EQ(test, ev_rig.ev[0].dropped, 2U);
}

static struct kunit_case hsx_gpio_event_cases[] = {
	KUNIT_CASE(gpio_lost_edges_and_debounced_event_keep_line_seq),
	KUNIT_CASE(gpio_hard_handler_ring_keeps_order_and_counts_what_it_could_not_hold),
	KUNIT_CASE(gpio_hard_handler_wakes_its_thread_once_per_run),
	KUNIT_CASE(gpio_edges_during_a_run_wake_no_thread),
	KUNIT_CASE(gpio_a_run_reporting_losses_leaves_the_next_edge_a_wake_up),
	{}
};

static struct kunit_suite hsx_gpio_event_suite = {
	.name = "hsx_gpio_events",
	.init = ev_init,
	.exit = ev_exit,
	.test_cases = hsx_gpio_event_cases,
};

static struct kunit_case hsx_gpio_cases[] = {
	KUNIT_CASE(gpio_config_accepts_valid_combinations),
	KUNIT_CASE(gpio_config_rejects_bad_values),
	KUNIT_CASE(gpio_map_parses_bindings),
	KUNIT_CASE(gpio_map_rejects_malformed_bindings),
	KUNIT_CASE(gpio_trigger_follows_logical_edges),
	{}
};

static struct kunit_suite hsx_gpio_suite = {
	.name = "hsx_gpio",
	.test_cases = hsx_gpio_cases,
};

kunit_test_suites(&hsx_gpio_suite, &hsx_gpio_event_suite);
