// SPDX-License-Identifier: GPL-2.0
/*
 * HAL module 0x15: GPIO.
 *
 * A pin's line is acquired from the backend when a client first configures
 * it, and released when the last client that used the pin closes its file.
 * While acquired, the pin owns the mailbox "hal:gpio:<pin>".
 *
 * Edges: the hard IRQ handler only timestamps the edge into a small ring, so
 * no edge goes unseen while the threaded handler runs; the thread reads the
 * value and posts the event. An edge that finds the ring full is counted and
 * reported to every subscriber as dropped, like any other loss. With software
 * debounce, the thread instead (re)arms a delayed work item that posts only
 * when the value settled to something new.
 *
 * Locking: hsx_gpio_mutex guards pin configuration, users and interrupt
 * set-up. The ring takes no lock: one hard handler fills it (the IRQ core
 * never runs a line's handler on two CPUs at once) and one thread empties
 * it, as gpiolib-cdev's hard handler hands its timestamp over. What the
 * thread reads of the configuration is one word, written under the mutex.
 *
 * READ and WRITE of a pin the client already uses skip hsx_gpio_mutex: they
 * hold the pin's gate (an rw_semaphore) for reading instead, so reads and
 * writes neither wait for each other nor for other pins. The gate is open
 * only while the pin has a line and nobody changes it: whoever reconfigures
 * the line, or releases it, shuts the gate under hsx_gpio_mutex, which waits
 * for those inside to leave first. Lock order: hsx_gpio_mutex, then gate;
 * nothing holding the gate for reading takes the mutex. Everything else,
 * TOGGLE (a read and a write that must not interleave) included, takes the
 * mutex.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/interrupt.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

#include "cap.h"
#include "core.h"
#include "gpio.h"
#include "mailbox.h"
#include "sysfs.h"

static char *gpio_map = "";
module_param(gpio_map, charp, 0444);
MODULE_PARM_DESC(gpio_map, "Pin bindings without a device tree: PIN=CHIP_LABEL:OFFSET,...");

/* The ring's free-running indices wrap at 2^32, which it must divide. */
static_assert((HSX_GPIO_RING & (HSX_GPIO_RING - 1)) == 0);

struct hsx_gpio_pin {
	unsigned int pin;
	struct kobject *dir;		/* /sys/hal/gpio/<pin> */
	struct hsx_gpio_line *line;	/* while acquired */
	struct hsx_mbox *mbox;		/* while acquired */
	struct hsx_gpio_config cfg;
	unsigned int users;
	int irq;			/* >= 0 while the interrupt is enabled */
	u32 edge;

	/*
	 * Edge times, from the hard handler to the IRQ thread. The indices run
	 * free: the hard handler alone moves ring_tail, the thread ring_head,
	 * each publishing with a release what the other reads with an acquire.
	 */
	u64 ring[HSX_GPIO_RING];
	unsigned int ring_head;
	unsigned int ring_tail;
	atomic64_t ring_lost;		/* edges that found the ring full */
	atomic_t thread_due;		/* woken, and not yet looked at the ring since */
	u32 sw_debounce_us;		/* software debounce's period; 0: none */
	bool hardirq_runs;		/* the chip calls our hard handler (not nested) */

	/*
	 * The IRQ thread and the debounce work both post, and may run at once
	 * (the thread queues the work and goes on to the next edge): emit_lock
	 * orders their events and guards what they share.
	 */
	struct mutex emit_lock;
	u64 line_seq;
	int last_value;
	struct delayed_work debounce;

	atomic64_t interrupts;
	atomic64_t lost;

	/*
	 * READ and WRITE hold gate for reading while gate_open; gate_open is
	 * written with gate held for writing, under hsx_gpio_mutex. line and
	 * cfg only change while it is false.
	 */
	struct rw_semaphore gate;
	bool gate_open;
};

struct hsx_gpio_client {
	DECLARE_BITMAP(used, HSX_GPIO_MAX_PINS);
};

static DEFINE_MUTEX(hsx_gpio_mutex);
static struct hsx_gpio_pin hsx_gpio_pins[HSX_GPIO_MAX_PINS];
static const struct hsx_gpio_backend *hsx_gpio_be;
static struct kobject *hsx_gpio_dir;

static struct hsx_gpio_client *hsx_gpio_client_of(struct hsx_client *client)
{
	return client->priv[hsx_module_slot(HSX_MODULE_GPIO)];
}

/* Let READ and WRITE in without the mutex: the line and its cfg are settled. */
static void hsx_gpio_gate_open_locked(struct hsx_gpio_pin *p)
{
	lockdep_assert_held(&hsx_gpio_mutex);
	if (!p->line || p->gate_open)
		return;
	down_write(&p->gate);
	p->gate_open = true;
	up_write(&p->gate);
}

/* Before changing the line or its cfg: shut the gate, wait for those inside. */
static void hsx_gpio_gate_shut_locked(struct hsx_gpio_pin *p)
{
	lockdep_assert_held(&hsx_gpio_mutex);
	if (!p->gate_open)
		return;
	down_write(&p->gate);
	p->gate_open = false;
	up_write(&p->gate);
}

/**
 * hsx_gpio_validate_config - check a GPIO_CONFIG request
 * Return: 0, -EINVAL for a bad value or combination, -EOPNOTSUPP for analog.
 */
int hsx_gpio_validate_config(const struct hsx_gpio_config *cfg)
{
	const u32 drive = HSX_GPIO_F_OPEN_DRAIN | HSX_GPIO_F_OPEN_SOURCE;

	if (cfg->pin >= HSX_GPIO_MAX_PINS || memchr_inv(cfg->reserved, 0, sizeof(cfg->reserved)))
		return -EINVAL;
	if (cfg->mode > HSX_GPIO_M_ANALOG || cfg->pull > HSX_GPIO_P_DOWN ||
	    (cfg->flags & ~HSX_GPIO_F_ALL) || cfg->debounce_us > HSX_GPIO_DEBOUNCE_MAX_US)
		return -EINVAL;
	if ((cfg->flags & drive) == drive)
		return -EINVAL;
	if (cfg->mode != HSX_GPIO_M_OUTPUT && (cfg->flags & (drive | HSX_GPIO_F_INIT_HIGH)))
		return -EINVAL;
	if (cfg->mode != HSX_GPIO_M_INPUT && cfg->debounce_us)
		return -EINVAL;
	if (cfg->mode == HSX_GPIO_M_ANALOG)
		return -EOPNOTSUPP;
	return 0;
}

/**
 * hsx_gpio_irq_trigger - IRQ trigger flags for a logical edge
 * @edge: HSX_GPIO_E_RISING, _FALLING or _BOTH
 * @active_low: the line is inverted, so a logical rising edge is a falling one
 */
unsigned long hsx_gpio_irq_trigger(u32 edge, bool active_low)
{
	unsigned long rising = active_low ? IRQF_TRIGGER_FALLING : IRQF_TRIGGER_RISING;
	unsigned long falling = active_low ? IRQF_TRIGGER_RISING : IRQF_TRIGGER_FALLING;

	switch (edge) {
	case HSX_GPIO_E_RISING:
		return rising;
	case HSX_GPIO_E_FALLING:
		return falling;
	case HSX_GPIO_E_BOTH:
		return rising | falling;
	default:
		return 0;
	}
}

static int hsx_gpio_fill(struct sk_buff *skb, const void *data)
{
	const struct hsx_gpio_record *p = data;
	struct nlattr *nest;

	nest = nla_nest_start(skb, HSX_A_EVT_GPIO);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HSX_GPIO_A_PIN, p->pin) ||
	    nla_put_u32(skb, HSX_GPIO_A_EDGE, p->edge) ||
	    nla_put_u32(skb, HSX_GPIO_A_VALUE, p->value) ||
	    nla_put_u64_64bit(skb, HSX_GPIO_A_TIMESTAMP_NS, p->timestamp_ns, HSX_GPIO_A_PAD) ||
	    nla_put_u64_64bit(skb, HSX_GPIO_A_LINE_SEQ, p->line_seq, HSX_GPIO_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Listening to a pin's edges needs GPIO_IRQ on it, like enabling them. */
static int hsx_gpio_may_subscribe(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	const struct hsx_gpio_pin *p = hsx_mbox_owner(mbox);
	const void *token = hsx_cap_authorize(auth->client, auth->privileged, &hsx_gpio_module,
					      HSX_CAP_R_GPIO_IRQ, BIT_ULL(p->pin));

	if (IS_ERR(token))
		return PTR_ERR(token);
	auth->token = token;
	return 0;
}

static const struct hsx_mbox_ops hsx_gpio_mbox_ops = {
	.module = HSX_MODULE_GPIO,
	.record_size = sizeof(struct hsx_gpio_record),
	/* The nest, three u32s, two u64s each with room for a pad attribute. */
	.payload_size = NLA_HDRLEN + 3 * NLA_ALIGN(NLA_HDRLEN + sizeof(u32)) +
			2 * (NLA_ALIGN(NLA_HDRLEN + sizeof(u64)) + NLA_HDRLEN),
	.fill = hsx_gpio_fill,
	.may_subscribe = hsx_gpio_may_subscribe,
};

/* ---- events ------------------------------------------------------------- */

#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
void (*hsx_gpio_emit_window)(void);

/* KUnit: hold a poster between numbering its event and posting it. */
static void hsx_gpio_test_window(void)
{
	if (hsx_gpio_emit_window)
		hsx_gpio_emit_window();
}
#else
static inline void hsx_gpio_test_window(void)
{
}
#endif

/* Process context: the IRQ thread or the debounce work, under emit_lock. */
static void hsx_gpio_emit(struct hsx_gpio_pin *p, u64 timestamp_ns, int value)
{
	struct hsx_gpio_record ev = {
		.pin = p->pin,
		.value = value,
		.timestamp_ns = timestamp_ns,
	};

	lockdep_assert_held(&p->emit_lock);
	ev.line_seq = ++p->line_seq;
	if (p->edge == HSX_GPIO_E_BOTH)
		ev.edge = value ? HSX_GPIO_E_RISING : HSX_GPIO_E_FALLING;
	else
		ev.edge = p->edge;
	hsx_gpio_test_window();
	/*
	 * Stamped with the edge's time, read once in the hard IRQ: where the
	 * clocksource is slow (HPET, as in a VM) another read costs microseconds.
	 */
	hsx_mbox_post_at(p->mbox, &ev, timestamp_ns);
}

static irqreturn_t hsx_gpio_hardirq(int irq, void *data)
{
	struct hsx_gpio_pin *p = data;
	u64 now = ktime_get_ns();
	unsigned int tail = p->ring_tail;

	/* Acquire: pairs with the thread's release, so the slot is read before it is reused. */
	if (tail - smp_load_acquire(&p->ring_head) == HSX_GPIO_RING) {
		atomic64_inc(&p->ring_lost);
	} else {
		p->ring[tail % HSX_GPIO_RING] = now;
		/* Release: the time is in the slot before the thread sees it there. */
		smp_store_release(&p->ring_tail, tail + 1);
	}
	WRITE_ONCE(p->hardirq_runs, true);
	atomic64_inc(&p->interrupts);
	/*
	 * The line is not IRQF_ONESHOT (a masked line would timestamp no edge
	 * while the thread runs): edges come while the thread is due. Each is
	 * handled, taken from the ring by this run of the thread or the next;
	 * only the first wakes it. Were every one to ask for a wake-up, the
	 * IRQ core would count all but one per run of the thread as
	 * unhandled, and a storm while the thread is held off would have it
	 * disable the line for good. The exchange is a full barrier: the edge
	 * is in the ring first.
	 */
	return atomic_xchg(&p->thread_due, 1) ? IRQ_HANDLED : IRQ_WAKE_THREAD;
}

static irqreturn_t hsx_gpio_irq_thread(int irq, void *data)
{
	struct hsx_gpio_pin *p = data;
	bool nested = false;

	for (;;) {
		unsigned int head = p->ring_head;
		u32 debounce_us;
		u64 ts = 0, lost = 0;
		bool have;
		int value;

		/*
		 * Edges lost to a full ring: reported before the next one taken,
		 * though the edges still in the ring came before them (their
		 * line_seq counts the loss first: subscribers learn of it sooner).
		 */
		if (atomic64_read(&p->ring_lost))
			lost = atomic64_xchg(&p->ring_lost, 0);
		/* Acquire: pairs with the hard handler's release of the slot's time. */
		have = head != smp_load_acquire(&p->ring_tail);
		if (have) {
			ts = p->ring[head % HSX_GPIO_RING];
			/* Release: read before the hard handler may fill the slot again. */
			smp_store_release(&p->ring_head, head + 1);
		}
		debounce_us = READ_ONCE(p->sw_debounce_us);
		/*
		 * A chip whose IRQs are nested in its own thread never calls the
		 * hard handler: each run of this thread is then one edge, timed
		 * here. Otherwise an empty ring only means an earlier run of the
		 * thread already took the edges that woke this one.
		 */
		if (!have && !READ_ONCE(p->hardirq_runs) && !nested) {
			nested = true;
			have = true;
			ts = ktime_get_ns();
			atomic64_inc(&p->interrupts);
		}

		if (lost) {
			/* Edges the ring had no room for: every subscriber is told. */
			atomic64_add(lost, &p->lost);
			mutex_lock(&p->emit_lock);
			p->line_seq += lost;
			hsx_mbox_post_lost(p->mbox, lost);
			mutex_unlock(&p->emit_lock);
		}
		if (!have) {
			/*
			 * Nothing left: no longer due, then one more look. Only
			 * now, so that edges during the run are no new wake-ups
			 * (each would be an unhandled interrupt to the IRQ core:
			 * a run no shorter than the edges' period would have it
			 * disable the line).
			 */
			if (!atomic_read(&p->thread_due))
				break;
			atomic_set(&p->thread_due, 0);
			/*
			 * A full barrier, the store before the ring's loads (x86
			 * too may reorder them); pairs with the hard handler's
			 * exchange: an edge the next look misses found the thread
			 * not due, and woke it again.
			 */
			smp_mb();
			continue;
		}

		if (debounce_us) {
			mod_delayed_work(system_wq, &p->debounce, usecs_to_jiffies(debounce_us));
			continue;
		}
		value = hsx_gpio_be->get(p->line);
		if (value >= 0) {
			mutex_lock(&p->emit_lock);
			hsx_gpio_emit(p, ts, value);
			mutex_unlock(&p->emit_lock);
		}
	}
	return IRQ_HANDLED;
}

/* The value held still for the debounce period: post it if it changed. */
static void hsx_gpio_debounced(struct work_struct *work)
{
	struct hsx_gpio_pin *p = container_of(to_delayed_work(work), struct hsx_gpio_pin, debounce);
	int value = hsx_gpio_be->get(p->line);
	u32 edge;

	if (value < 0)
		return;
	mutex_lock(&p->emit_lock);
	if (value != p->last_value) {
		p->last_value = value;
		edge = value ? HSX_GPIO_E_RISING : HSX_GPIO_E_FALLING;
		if (p->edge == HSX_GPIO_E_BOTH || p->edge == edge)
			hsx_gpio_emit(p, ktime_get_ns(), value);
	}
	mutex_unlock(&p->emit_lock);
}

static void hsx_gpio_irq_disable_locked(struct hsx_gpio_pin *p)
{
	lockdep_assert_held(&hsx_gpio_mutex);
	if (p->irq < 0)
		return;
	free_irq(p->irq, p);			/* waits for the thread */
	cancel_delayed_work_sync(&p->debounce);
	p->irq = -1;
	p->edge = HSX_GPIO_E_NONE;
	/* Neither the hard handler nor the thread runs now. */
	p->ring_head = 0;
	p->ring_tail = 0;
	atomic64_set(&p->ring_lost, 0);
	atomic_set(&p->thread_due, 0);
}

static int hsx_gpio_irq_enable_locked(struct hsx_gpio_pin *p, u32 edge)
{
	/* The line's polarity, not the configuration's: firmware may invert it too. */
	unsigned long trigger = hsx_gpio_irq_trigger(edge, hsx_gpio_be->active_low(p->line));
	int irq, ret;

	lockdep_assert_held(&hsx_gpio_mutex);
	hsx_gpio_irq_disable_locked(p);
	irq = hsx_gpio_be->to_irq(p->line);
	if (irq < 0)
		return irq == -ENXIO ? -EOPNOTSUPP : irq;

	p->edge = edge;
	p->line_seq = 0;
	p->hardirq_runs = false;
	p->last_value = hsx_gpio_be->get(p->line);
	/*
	 * IRQF_NO_THREAD: the hard handler stays one under threadirqs and
	 * PREEMPT_RT too (it takes no lock; it reads the clock and fills the
	 * ring), so every edge is timed when it comes, and counted lost when
	 * the ring is full, rather than merged while a forced thread waits.
	 */
	ret = request_threaded_irq(irq, hsx_gpio_hardirq, hsx_gpio_irq_thread,
				   trigger | IRQF_NO_THREAD, "hsx-gpio", p);
	if (ret) {
		p->edge = HSX_GPIO_E_NONE;
		return ret;
	}
	p->irq = irq;
	return 0;
}

/* ---- pins and users ------------------------------------------------------ */

static struct hsx_gpio_pin *hsx_gpio_acquired_locked(u32 pin, int *err)
{
	lockdep_assert_held(&hsx_gpio_mutex);
	*err = -EINVAL;
	if (pin >= HSX_GPIO_MAX_PINS)
		return NULL;
	/* Reading or writing a pin nobody configured: configure it first. */
	if (!hsx_gpio_pins[pin].line)
		return NULL;
	*err = 0;
	return &hsx_gpio_pins[pin];
}

/* The client now uses the pin: the line stays until it closes. */
static void hsx_gpio_use_locked(struct hsx_client *client, struct hsx_gpio_pin *p)
{
	struct hsx_gpio_client *gc = hsx_gpio_client_of(client);

	lockdep_assert_held(&hsx_gpio_mutex);
	if (!test_and_set_bit(p->pin, gc->used))
		p->users++;
}

/* Give the pin's line back; a pin whose binding went away has none left. */
static void hsx_gpio_teardown_locked(struct hsx_gpio_pin *p, enum hsx_close_reason reason)
{
	lockdep_assert_held(&hsx_gpio_mutex);
	if (!p->line)
		return;
	hsx_gpio_gate_shut_locked(p);
	hsx_gpio_irq_disable_locked(p);
	hsx_mbox_destroy(p->mbox, reason);
	p->mbox = NULL;
	hsx_gpio_be->release(p->line);
	p->line = NULL;
	memset(&p->cfg, 0, sizeof(p->cfg));
	WRITE_ONCE(p->sw_debounce_us, 0);
}

/*
 * A reconfiguration failed part way (say the direction changed, then the
 * bias was refused): the line is in neither configuration. Put the recorded
 * one back; a line that takes not even that is given up, its users told,
 * rather than left in a state /sys/hal and READ would misreport.
 */
static void hsx_gpio_config_failed_locked(struct hsx_gpio_pin *p)
{
	int ret;

	lockdep_assert_held(&hsx_gpio_mutex);
	ret = hsx_gpio_be->configure(p->line, &p->cfg);
	if (ret >= 0) {
		hsx_gpio_gate_open_locked(p);
		return;
	}
	pr_warn("gpio pin %u: its configuration cannot be restored (%d): released\n",
		p->pin, ret);
	hsx_gpio_teardown_locked(p, HSX_CLOSE_CANCELLED);
}

static long hsx_gpio_config(struct hsx_client *client, void *arg)
{
	struct hsx_gpio_config *cfg = arg;
	struct hsx_gpio_pin *p;
	char name[HSX_MBOX_NAME_MAX];
	int ret;

	ret = hsx_gpio_validate_config(cfg);
	if (ret)
		return ret;
	if (!hsx_cap_covers(client, &hsx_gpio_module, BIT_ULL(cfg->pin)))
		return -EACCES;
	p = &hsx_gpio_pins[cfg->pin];

	mutex_lock(&hsx_gpio_mutex);
	if (p->line && p->irq >= 0 && cfg->mode != HSX_GPIO_M_INPUT) {
		ret = -EBUSY;		/* disable its interrupt first */
		goto out;
	}
	if (!p->line) {
		snprintf(name, sizeof(name), HSX_MBOX_GPIO_FMT, p->pin);
		p->mbox = hsx_mbox_create(name, &hsx_gpio_mbox_ops, p);
		if (IS_ERR(p->mbox)) {
			ret = PTR_ERR(p->mbox);
			p->mbox = NULL;
			goto out;
		}
		ret = hsx_gpio_be->acquire(p->pin, cfg, &p->line);
		if (ret < 0) {
			hsx_mbox_destroy(p->mbox, HSX_CLOSE_CANCELLED);
			p->mbox = NULL;
			p->line = NULL;
			goto out;
		}
	} else {
		hsx_gpio_gate_shut_locked(p);
		ret = hsx_gpio_be->configure(p->line, cfg);
		if (ret < 0) {
			hsx_gpio_config_failed_locked(p);
			goto out;
		}
	}
	p->cfg = *cfg;
	/* Read by a running IRQ thread: the edge it takes next has one or the other. */
	WRITE_ONCE(p->sw_debounce_us, ret > 0 ? cfg->debounce_us : 0);
	hsx_gpio_use_locked(client, p);
	hsx_gpio_gate_open_locked(p);
	ret = 0;
out:
	mutex_unlock(&hsx_gpio_mutex);
	return ret;
}

enum hsx_gpio_value_op {
	HSX_GPIO_OP_READ,
	HSX_GPIO_OP_WRITE,
	HSX_GPIO_OP_TOGGLE,
};

/*
 * READ and WRITE through the pin's gate, for a client that uses the pin
 * already (so its users count needs no update). Returns false, having done
 * nothing, when the locked path must decide: the gate is shut, the client
 * does not use the pin yet, or a WRITE meets a pin that is not an output.
 */
static bool hsx_gpio_value_gated(struct hsx_client *client, unsigned int pin, u32 value,
				 enum hsx_gpio_value_op op, long *ret)
{
	struct hsx_gpio_pin *p = &hsx_gpio_pins[pin];
	bool done = true;

	/* Busy (being changed, or writers waiting): the locked path waits instead. */
	if (op == HSX_GPIO_OP_TOGGLE || !test_bit(pin, hsx_gpio_client_of(client)->used) ||
	    !down_read_trylock(&p->gate))
		return false;
	if (!p->gate_open) {
		up_read(&p->gate);
		return false;
	}
	if (op == HSX_GPIO_OP_READ)
		*ret = hsx_gpio_be->get(p->line);
	else if (p->cfg.mode == HSX_GPIO_M_OUTPUT)
		*ret = hsx_gpio_be->set(p->line, value);
	else
		done = false;
	up_read(&p->gate);
	return done;
}

/*
 * READ, WRITE and TOGGLE: one pin's logical value. @arg is the number the
 * caller passed, HSX_GPIO_VALUE_ARG(pin, value). Returns the value read
 * (TOGGLE: written), 0 for WRITE, or an error.
 */
static long hsx_gpio_value_op(struct hsx_client *client, const u64 *arg,
			      enum hsx_gpio_value_op op)
{
	unsigned int pin = *arg & HSX_GPIO_VALUE_PIN_MASK;
	/* WRITE takes a value, 0 or 1; READ and TOGGLE take none. */
	u64 valid = HSX_GPIO_VALUE_PIN_MASK |
		    (op == HSX_GPIO_OP_WRITE ? 1ULL << HSX_GPIO_VALUE_SHIFT : 0);
	u32 value = *arg >> HSX_GPIO_VALUE_SHIFT;
	struct hsx_gpio_pin *p;
	long gated;
	int ret;

	if ((*arg & ~valid) || pin >= HSX_GPIO_MAX_PINS)
		return -EINVAL;
	if (!hsx_cap_covers(client, &hsx_gpio_module, BIT_ULL(pin)))
		return -EACCES;
	if (hsx_gpio_value_gated(client, pin, value, op, &gated))
		return gated;
	mutex_lock(&hsx_gpio_mutex);
	p = hsx_gpio_acquired_locked(pin, &ret);
	if (!p)
		goto out;
	ret = -EPERM;		/* an input cannot be driven */
	if (op != HSX_GPIO_OP_READ && p->cfg.mode != HSX_GPIO_M_OUTPUT)
		goto out;
	hsx_gpio_use_locked(client, p);
	if (op == HSX_GPIO_OP_WRITE) {
		ret = hsx_gpio_be->set(p->line, value);
		goto out;
	}
	ret = hsx_gpio_be->get(p->line);
	if (ret < 0 || op == HSX_GPIO_OP_READ)
		goto out;
	value = !ret;
	ret = hsx_gpio_be->set(p->line, value);
	if (!ret)
		ret = value;
out:
	mutex_unlock(&hsx_gpio_mutex);
	return ret;
}

static long hsx_gpio_read(struct hsx_client *client, void *arg)
{
	return hsx_gpio_value_op(client, arg, HSX_GPIO_OP_READ);
}

static long hsx_gpio_write(struct hsx_client *client, void *arg)
{
	return hsx_gpio_value_op(client, arg, HSX_GPIO_OP_WRITE);
}

static long hsx_gpio_toggle(struct hsx_client *client, void *arg)
{
	return hsx_gpio_value_op(client, arg, HSX_GPIO_OP_TOGGLE);
}

static long hsx_gpio_set_interrupt(struct hsx_client *client, void *arg)
{
	struct hsx_gpio_interrupt *req = arg;
	struct hsx_gpio_pin *p;
	int ret;

	if (req->pin >= HSX_GPIO_MAX_PINS || req->reserved || req->enable > 1 ||
	    (req->enable && (req->edge < HSX_GPIO_E_RISING || req->edge > HSX_GPIO_E_BOTH)))
		return -EINVAL;
	if (!hsx_cap_covers(client, &hsx_gpio_module, BIT_ULL(req->pin)))
		return -EACCES;
	mutex_lock(&hsx_gpio_mutex);
	p = hsx_gpio_acquired_locked(req->pin, &ret);
	if (p && p->cfg.mode != HSX_GPIO_M_INPUT) {
		ret = -EINVAL;		/* edges are detected on inputs */
	} else if (p) {
		hsx_gpio_use_locked(client, p);
		if (!req->enable)
			hsx_gpio_irq_disable_locked(p);
		else if (p->irq < 0 || p->edge != req->edge)
			ret = hsx_gpio_irq_enable_locked(p, req->edge);
	}
	mutex_unlock(&hsx_gpio_mutex);
	return ret;
}

/* Collect the acquired pins of a mask, in pin order. */
static int hsx_gpio_collect_locked(u64 mask, bool outputs, struct hsx_gpio_line **lines,
				   unsigned int *pins)
{
	unsigned int n = 0, pin;
	int ret;

	for (pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
		struct hsx_gpio_pin *p;

		if (!(mask & BIT_ULL(pin)))
			continue;
		p = hsx_gpio_acquired_locked(pin, &ret);
		if (!p)
			return ret;
		if (outputs && p->cfg.mode != HSX_GPIO_M_OUTPUT)
			return -EPERM;
		lines[n] = p->line;
		pins[n++] = pin;
	}
	return n;
}

static long hsx_gpio_multi(struct hsx_client *client, void *arg, bool write)
{
	struct hsx_gpio_line *lines[HSX_GPIO_MAX_PINS];
	unsigned int pins[HSX_GPIO_MAX_PINS];
	DECLARE_BITMAP(bits, HSX_GPIO_MAX_PINS);
	struct hsx_gpio_multi *m = arg;
	int n, i, ret;

	if (!m->mask || m->reserved || (!write && m->values) || (write && (m->values & ~m->mask)))
		return -EINVAL;
	if (!hsx_cap_covers(client, &hsx_gpio_module, m->mask))
		return -EACCES;
	mutex_lock(&hsx_gpio_mutex);
	n = hsx_gpio_collect_locked(m->mask, write, lines, pins);
	ret = n;
	if (n > 0) {
		bitmap_zero(bits, HSX_GPIO_MAX_PINS);
		if (write) {
			for (i = 0; i < n; i++)
				if (m->values & BIT_ULL(pins[i]))
					__set_bit(i, bits);
			ret = hsx_gpio_be->set_multi(lines, n, bits);
		} else {
			ret = hsx_gpio_be->get_multi(lines, n, bits);
			m->values = 0;
			for (i = 0; !ret && i < n; i++)
				if (test_bit(i, bits))
					m->values |= BIT_ULL(pins[i]);
		}
		for (i = 0; !ret && i < n; i++)
			hsx_gpio_use_locked(client, &hsx_gpio_pins[pins[i]]);
	}
	mutex_unlock(&hsx_gpio_mutex);
	return ret;
}

static long hsx_gpio_read_multi(struct hsx_client *client, void *arg)
{
	return hsx_gpio_multi(client, arg, false);
}

static long hsx_gpio_write_multi(struct hsx_client *client, void *arg)
{
	return hsx_gpio_multi(client, arg, true);
}

static long hsx_gpio_info(struct hsx_client *client, void *arg)
{
	struct hsx_gpio_info *info = arg;

	if (info->pin >= HSX_GPIO_MAX_PINS || info->mapped || info->offset || info->reserved ||
	    memchr_inv(info->chip, 0, sizeof(info->chip)) ||
	    memchr_inv(info->name, 0, sizeof(info->name)))
		return -EINVAL;
	if (!hsx_cap_covers(client, &hsx_gpio_module, BIT_ULL(info->pin)))
		return -EACCES;
	return hsx_gpio_be->info(info);
}

static long hsx_gpio_map(struct hsx_client *client, void *arg)
{
	struct hsx_gpio_map *m = arg;
	int ret;

	if (!client->admin)
		return -EPERM;
	if (m->pin >= HSX_GPIO_MAX_PINS || memchr_inv(m->reserved, 0, sizeof(m->reserved)) ||
	    !memchr(m->chip, '\0', sizeof(m->chip)))
		return -EINVAL;
	mutex_lock(&hsx_gpio_mutex);
	if (hsx_gpio_pins[m->pin].line)
		ret = -EBUSY;
	else if (!m->chip[0])
		ret = hsx_gpio_be->unmap(m->pin);
	else
		ret = hsx_gpio_be->map(m->pin, m->chip, m->offset);
	mutex_unlock(&hsx_gpio_mutex);
	return ret;
}

/**
 * hsx_gpio_rebind - change where the pins are bound, with no line held
 * @change: makes the change; runs under the module's lock
 * @data: its argument
 * @force: the current bindings are going away: release every acquired line
 *	first. Its users stay users of the pin, which they must configure
 *	again; its mailbox closes with HSX_CLOSE_ADMIN.
 *
 * Return: -EBUSY when a line is held and !@force, else what @change returns.
 */
int hsx_gpio_rebind(int (*change)(void *data), void *data, bool force)
{
	unsigned int pin;
	int ret = -EBUSY;

	mutex_lock(&hsx_gpio_mutex);
	for (pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
		if (!hsx_gpio_pins[pin].line)
			continue;
		if (!force)
			goto out;
		hsx_gpio_teardown_locked(&hsx_gpio_pins[pin], HSX_CLOSE_ADMIN);
	}
	ret = change(data);
out:
	mutex_unlock(&hsx_gpio_mutex);
	return ret;
}

static int hsx_gpio_open(struct hsx_client *client)
{
	struct hsx_gpio_client *gc = kzalloc(sizeof(*gc), GFP_KERNEL);

	if (!gc)
		return -ENOMEM;
	client->priv[hsx_module_slot(HSX_MODULE_GPIO)] = gc;
	return 0;
}

/*
 * The client stops using its pins: a pin nobody else uses is given back,
 * its interrupt freed, its outputs no longer driven by hsx, its listeners
 * told @reason.
 */
static void hsx_gpio_unuse_all(struct hsx_gpio_client *gc, enum hsx_close_reason reason)
{
	unsigned int pin;

	mutex_lock(&hsx_gpio_mutex);
	for_each_set_bit(pin, gc->used, HSX_GPIO_MAX_PINS) {
		struct hsx_gpio_pin *p = &hsx_gpio_pins[pin];

		if (!--p->users)
			hsx_gpio_teardown_locked(p, reason);
	}
	bitmap_zero(gc->used, HSX_GPIO_MAX_PINS);
	mutex_unlock(&hsx_gpio_mutex);
}

static void hsx_gpio_release(struct hsx_client *client)
{
	struct hsx_gpio_client *gc = hsx_gpio_client_of(client);

	hsx_gpio_unuse_all(gc, HSX_CLOSE_OWNER_GONE);
	client->priv[hsx_module_slot(HSX_MODULE_GPIO)] = NULL;
	kfree(gc);
}

/*
 * The capability the client configured its pins under ended: what it set up
 * under it goes, as if its file had closed, so a revoked holder keeps no
 * interrupt and drives no line once REVOKE returns.
 */
static void hsx_gpio_cap_ended(struct hsx_client *client)
{
	hsx_gpio_unuse_all(hsx_gpio_client_of(client), HSX_CLOSE_REVOKED);
}

static const struct hsx_ioctl_op hsx_gpio_ops[] = {
	[HSX_GPIO_FN_READ] = { HSX_IOC_GPIO_READ, hsx_gpio_read, HSX_CAP_R_READ },
	[HSX_GPIO_FN_WRITE] = { HSX_IOC_GPIO_WRITE, hsx_gpio_write, HSX_CAP_R_WRITE },
	[HSX_GPIO_FN_CONFIG] = { HSX_IOC_GPIO_CONFIG, hsx_gpio_config, HSX_CAP_R_WRITE },
	[HSX_GPIO_FN_SET_INTERRUPT] = { HSX_IOC_GPIO_SET_INTERRUPT, hsx_gpio_set_interrupt,
					HSX_CAP_R_GPIO_IRQ },
	[HSX_GPIO_FN_TOGGLE] = { HSX_IOC_GPIO_TOGGLE, hsx_gpio_toggle, HSX_CAP_R_WRITE },
	[HSX_GPIO_FN_READ_MULTI] = { HSX_IOC_GPIO_READ_MULTI, hsx_gpio_read_multi,
				     HSX_CAP_R_READ },
	[HSX_GPIO_FN_WRITE_MULTI] = { HSX_IOC_GPIO_WRITE_MULTI, hsx_gpio_write_multi,
				      HSX_CAP_R_WRITE },
	[HSX_GPIO_FN_INFO] = { HSX_IOC_GPIO_INFO, hsx_gpio_info, HSX_CAP_R_READ },
	/* Admin only: the handler checks the node. */
	[HSX_GPIO_FN_MAP] = { HSX_IOC_GPIO_MAP, hsx_gpio_map },
};

/* ---- /sys/hal/gpio/<pin> ---------------------------------------------------- */

static struct hsx_gpio_pin *hsx_gpio_pin_of(struct kobject *kobj)
{
	unsigned int pin;

	if (kstrtouint(kobject_name(kobj), 10, &pin) || pin >= HSX_GPIO_MAX_PINS)
		return NULL;
	return &hsx_gpio_pins[pin];
}

static const char *const hsx_gpio_mode_names[] = { "input", "output", "analog" };
static const char *const hsx_gpio_pull_names[] = { "none", "up", "down" };
static const char *const hsx_gpio_edge_names[] = { "none", "rising", "falling", "both" };

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_gpio_pin *p = hsx_gpio_pin_of(kobj);
	ssize_t n;

	mutex_lock(&hsx_gpio_mutex);
	n = sysfs_emit(buf, "%s\n", p->line ? hsx_gpio_mode_names[p->cfg.mode] : "unconfigured");
	mutex_unlock(&hsx_gpio_mutex);
	return n;
}

static ssize_t pull_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_gpio_pin *p = hsx_gpio_pin_of(kobj);
	ssize_t n;

	mutex_lock(&hsx_gpio_mutex);
	n = sysfs_emit(buf, "%s\n", hsx_gpio_pull_names[p->cfg.pull]);
	mutex_unlock(&hsx_gpio_mutex);
	return n;
}

static ssize_t value_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_gpio_pin *p = hsx_gpio_pin_of(kobj);
	ssize_t n;
	int v;

	mutex_lock(&hsx_gpio_mutex);
	v = p->line ? hsx_gpio_be->get(p->line) : -1;
	n = v < 0 ? sysfs_emit(buf, "-\n") : sysfs_emit(buf, "%d\n", v);
	mutex_unlock(&hsx_gpio_mutex);
	return n;
}

static ssize_t edge_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_gpio_pin *p = hsx_gpio_pin_of(kobj);
	ssize_t n;

	mutex_lock(&hsx_gpio_mutex);
	n = sysfs_emit(buf, "%s\n", hsx_gpio_edge_names[p->irq >= 0 ? p->edge : 0]);
	mutex_unlock(&hsx_gpio_mutex);
	return n;
}

static ssize_t flags_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_gpio_pin *p = hsx_gpio_pin_of(kobj);
	ssize_t n;
	u32 f;

	mutex_lock(&hsx_gpio_mutex);
	f = p->cfg.flags;
	n = sysfs_emit(buf, "%s%s%s%s\n", f & HSX_GPIO_F_ACTIVE_LOW ? "active-low " : "",
		       f & HSX_GPIO_F_OPEN_DRAIN ? "open-drain " : "",
		       f & HSX_GPIO_F_OPEN_SOURCE ? "open-source " : "",
		       p->sw_debounce_us ? "software-debounce" : "");
	mutex_unlock(&hsx_gpio_mutex);
	return n;
}

static ssize_t debounce_us_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_gpio_pin *p = hsx_gpio_pin_of(kobj);
	ssize_t n;

	mutex_lock(&hsx_gpio_mutex);
	n = sysfs_emit(buf, "%u\n", p->cfg.debounce_us);
	mutex_unlock(&hsx_gpio_mutex);
	return n;
}

static ssize_t interrupts_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&hsx_gpio_pin_of(kobj)->interrupts));
}

static ssize_t drops_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_gpio_pin *p = hsx_gpio_pin_of(kobj);
	u64 drops = atomic64_read(&p->lost);
	ssize_t n;

	mutex_lock(&hsx_gpio_mutex);
	if (p->mbox)
		drops = hsx_mbox_drops(p->mbox);
	n = sysfs_emit(buf, "%llu\n", drops);
	mutex_unlock(&hsx_gpio_mutex);
	return n;
}

static ssize_t mapping_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_gpio_info info = { .pin = hsx_gpio_pin_of(kobj)->pin };

	if (hsx_gpio_be->info(&info) || !info.mapped)
		return sysfs_emit(buf, "unmapped\n");
	if (info.name[0])
		return sysfs_emit(buf, "%s:%u %s\n", info.chip, info.offset, info.name);
	return sysfs_emit(buf, "%s:%u\n", info.chip, info.offset);
}

static ssize_t users_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_gpio_pin *p = hsx_gpio_pin_of(kobj);
	ssize_t n;

	mutex_lock(&hsx_gpio_mutex);
	n = sysfs_emit(buf, "%u\n", p->users);
	mutex_unlock(&hsx_gpio_mutex);
	return n;
}

static struct kobj_attribute hsx_gpio_attr_mode = __ATTR_RO(mode);
static struct kobj_attribute hsx_gpio_attr_pull = __ATTR_RO(pull);
/* A pin's value and its edge counts are its user's data: root only. */
static struct kobj_attribute hsx_gpio_attr_value = __ATTR_RO_MODE(value, 0400);
static struct kobj_attribute hsx_gpio_attr_edge = __ATTR_RO(edge);
static struct kobj_attribute hsx_gpio_attr_flags = __ATTR_RO(flags);
static struct kobj_attribute hsx_gpio_attr_debounce_us = __ATTR_RO(debounce_us);
static struct kobj_attribute hsx_gpio_attr_interrupts = __ATTR_RO_MODE(interrupts, 0400);
static struct kobj_attribute hsx_gpio_attr_drops = __ATTR_RO_MODE(drops, 0400);
static struct kobj_attribute hsx_gpio_attr_mapping = __ATTR_RO(mapping);
static struct kobj_attribute hsx_gpio_attr_users = __ATTR_RO(users);

static struct attribute *hsx_gpio_pin_attrs[] = {
	&hsx_gpio_attr_mode.attr,
	&hsx_gpio_attr_pull.attr,
	&hsx_gpio_attr_value.attr,
	&hsx_gpio_attr_edge.attr,
	&hsx_gpio_attr_flags.attr,
	&hsx_gpio_attr_debounce_us.attr,
	&hsx_gpio_attr_interrupts.attr,
	&hsx_gpio_attr_drops.attr,
	&hsx_gpio_attr_mapping.attr,
	&hsx_gpio_attr_users.attr,
	NULL,
};

static const struct attribute_group hsx_gpio_pin_group = {
	.attrs = hsx_gpio_pin_attrs,
};

static ssize_t backend_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", hsx_gpio_be->name);
}

static struct kobj_attribute hsx_gpio_attr_backend = __ATTR_RO(backend);

static struct attribute *hsx_gpio_attrs[] = {
	&hsx_gpio_attr_backend.attr,
	NULL,
};

static const struct attribute_group hsx_gpio_group = {
	.attrs = hsx_gpio_attrs,
};

static void hsx_gpio_remove_pin_dirs(unsigned int n)
{
	while (n--)
		hsx_sysfs_remove_dir(hsx_gpio_pins[n].dir, &hsx_gpio_pin_group);
}

static int hsx_gpio_init(const struct hsx_module *mod)
{
	unsigned int pin;
	int ret;

	hsx_gpio_be = hsx_gpiolib_backend_init(gpio_map);
	if (IS_ERR(hsx_gpio_be))
		return PTR_ERR(hsx_gpio_be);

	hsx_gpio_dir = hsx_module_dir(mod);
	for (pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
		struct hsx_gpio_pin *p = &hsx_gpio_pins[pin];
		char name[4];

		p->pin = pin;
		p->irq = -1;
		mutex_init(&p->emit_lock);
		init_rwsem(&p->gate);
		INIT_DELAYED_WORK(&p->debounce, hsx_gpio_debounced);
		snprintf(name, sizeof(name), "%u", pin);
		p->dir = hsx_sysfs_add_child(hsx_gpio_dir, name, &hsx_gpio_pin_group);
		if (!p->dir) {
			ret = -ENOMEM;
			goto err_dirs;
		}
	}
	/* Last: a firmware node's probe may take the bindings over right away. */
	ret = hsx_gpio_fw_register();
	if (ret)
		goto err_dirs;
	return 0;

err_dirs:
	hsx_gpio_remove_pin_dirs(pin);
	hsx_gpiolib_backend_exit();
	return ret;
}

static void hsx_gpio_exit(const struct hsx_module *mod)
{
	unsigned int pin;

	hsx_gpio_fw_unregister();
	/* Every client has been released, so no line is held. */
	for (pin = 0; pin < HSX_GPIO_MAX_PINS; pin++)
		WARN_ON(hsx_gpio_pins[pin].line);
	hsx_gpio_remove_pin_dirs(HSX_GPIO_MAX_PINS);
	hsx_gpiolib_backend_exit();
}

/* ---- capabilities: a mask of pins ------------------------------------------- */

static int hsx_gpio_cap_validate(const union hsx_cap_selector *sel)
{
	if (!sel->gpio.pins || sel->raw[1] || sel->raw[2] || sel->raw[3])
		return -EINVAL;
	return 0;
}

static bool hsx_gpio_cap_subset(const union hsx_cap_selector *inner,
				const union hsx_cap_selector *outer)
{
	return !(inner->gpio.pins & ~outer->gpio.pins);
}

/* @pins: a mask; covered when every pin in it is the capability's. */
static bool hsx_gpio_cap_covers(const union hsx_cap_selector *sel, u64 pins)
{
	return !(pins & ~sel->gpio.pins);
}

static const struct hsx_cap_ops hsx_gpio_cap_ops = {
	.rights = HSX_CAP_R_GPIO_ALL,
	.validate = hsx_gpio_cap_validate,
	.subset = hsx_gpio_cap_subset,
	.covers = hsx_gpio_cap_covers,
};

const struct hsx_module hsx_gpio_module = {
	.id = HSX_MODULE_GPIO,
	.name = "gpio",
	.ops = hsx_gpio_ops,
	.n_ops = ARRAY_SIZE(hsx_gpio_ops),
	.node_mode = 0666,
	.sysfs_group = &hsx_gpio_group,
	.cap = &hsx_gpio_cap_ops,
	.init = hsx_gpio_init,
	.exit = hsx_gpio_exit,
	.open = hsx_gpio_open,
	.release = hsx_gpio_release,
	.cap_ended = hsx_gpio_cap_ended,
};

#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
/*
 * KUnit: one pin's event path (the IRQ thread, the debounce work, posting)
 * without a chip or an interrupt: software debounce on both edges, the line
 * read through @be, events posted to @mbox.
 */
struct hsx_gpio_pin *hsx_gpio_test_pin_new(struct hsx_mbox *mbox,
					   const struct hsx_gpio_backend *be)
{
	struct hsx_gpio_pin *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return NULL;
	p->irq = -1;
	mutex_init(&p->emit_lock);
	init_rwsem(&p->gate);
	INIT_DELAYED_WORK(&p->debounce, hsx_gpio_debounced);
	p->mbox = mbox;
	p->edge = HSX_GPIO_E_BOTH;
	p->sw_debounce_us = HSX_GPIO_DEBOUNCE_MAX_US;
	p->hardirq_runs = true;	/* edges come through the ring, none nested */
	hsx_gpio_be = be;
	return p;
}

void hsx_gpio_test_pin_free(struct hsx_gpio_pin *p)
{
	cancel_delayed_work_sync(&p->debounce);
	mutex_destroy(&p->emit_lock);
	hsx_gpio_be = NULL;
	kfree(p);
}

/*
 * Edges the hard IRQ found no room for (counted, and the thread made due, as
 * the hard handler does), then a run of the IRQ thread. With @n 0: the run.
 */
void hsx_gpio_test_lose_edges(struct hsx_gpio_pin *p, u64 n)
{
	if (n) {
		atomic64_add(n, &p->ring_lost);
		atomic_xchg(&p->thread_due, 1);
	}
	hsx_gpio_irq_thread(p->irq, p);
}

/* Software debounce's period, 0 for none: as a configuration sets it. */
void hsx_gpio_test_set_debounce(struct hsx_gpio_pin *p, u32 us)
{
	WRITE_ONCE(p->sw_debounce_us, us);
}

/* An edge's hard interrupt, as the IRQ core calls it (its thread is not run). */
irqreturn_t hsx_gpio_test_hardirq(struct hsx_gpio_pin *p)
{
	return hsx_gpio_hardirq(p->irq, p);
}

/* The debounce period ended: what the delayed work does. */
void hsx_gpio_test_settle(struct hsx_gpio_pin *p)
{
	hsx_gpio_debounced(&p->debounce.work);
}
#endif
