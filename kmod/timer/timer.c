// SPDX-License-Identifier: GPL-2.0
/*
 * HAL module 0x12: timers.
 *
 * Each timer is an hrtimer that expires as a timerfd's does: in the timer
 * interrupt, or under PREEMPT_RT in the hrtimer softirq (there its soft twin,
 * below, does it all and never hands over). From the interrupt its expiry
 * goes straight into its mailbox "hal:timer:<id>"'s queue files
 * (hsx_mbox_post_irq()), which wakes their readers there, with no softirq in
 * between. While a netlink subscriber listens, which cannot be sent
 * anything with IRQs off, or once the CPU has spent its budget of such
 * deliveries (hard-interrupt time has no ksoftirqd to yield to), a soft twin
 * hrtimer takes over from that same expiry and posts from the softirq, as
 * every expiry was posted before; it hands back when the interrupt could
 * post again. A periodic timer that expires late advances by whole periods
 * and reports how many it missed (overruns), so the period never drifts and
 * no expiry goes uncounted.
 *
 * A timer belongs to the open file that created it and is destroyed when that
 * file is closed. Its memory is owned by its kobject (/sys/hal/timer/<id>),
 * which is removed first on teardown so no sysfs reader outlives the timer.
 */
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/hrtimer.h>
#include <linux/preempt.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>
#include <net/netlink.h>

#include "cap.h"
#include "compat.h"
#include "core.h"
#include "mailbox.h"
#include "sysfs.h"
#include "timer.h"

static unsigned int timers_per_open = HSX_TIMER_DEFAULT_PER_OPEN;
module_param(timers_per_open, uint, 0444);
MODULE_PARM_DESC(timers_per_open, "Timers one open file may own (default "
		 __stringify(HSX_TIMER_DEFAULT_PER_OPEN) ")");

static unsigned int timers_total = HSX_TIMER_DEFAULT_TOTAL;
module_param(timers_total, uint, 0444);
MODULE_PARM_DESC(timers_total, "Timers in the whole system (default "
		 __stringify(HSX_TIMER_DEFAULT_TOTAL) ", at most "
		 __stringify(HSX_TIMER_ID_MAX) ")");

struct hsx_timer {
	struct kobject kobj;
	/*
	 * Armed, it is one of these two, never both: hrt hands each expiry it
	 * cannot post to soft, and soft hands back the next one it need not
	 * post (hsx_timer_hand_over()).
	 */
	struct hrtimer hrt;		/* as timerfd's: hard but under PREEMPT_RT */
	struct hrtimer soft;
	atomic64_t irq_posts;		/* expiries posted from the interrupt */
	struct hsx_mbox *mbox;
	struct hsx_client *owner;
	struct hsx_cap_quota *quota;	/* charged to, or NULL; a reference */
	struct list_head owner_node;	/* in the owner's hsx_timer_client */
	u32 id;
	u32 period_us;
	u64 period_ns;
	bool one_shot;
	bool armed;			/* written under hsx_timers_lock or by expiry */
	/* Moves to its reader's CPU (hsx_timer_reader_here) and hand-overs end at teardown. */
	raw_spinlock_t follow_lock;
	bool dying;			/* under follow_lock */
	int cpu;			/* where it last expired, -1 before */
	struct rcu_head rcu;		/* a reader may still hold it (ops->reader_here) */
	kuid_t owner_euid;
	pid_t owner_tgid;
	atomic64_t expirations;
	atomic64_t overruns;
};

struct hsx_timer_client {
	struct list_head timers;
	unsigned int count;
};

static DEFINE_MUTEX(hsx_timers_lock);
static DEFINE_XARRAY_ALLOC(hsx_timers);
static u32 hsx_timers_next_id;
static unsigned int hsx_timers_active;
static struct kobject *hsx_timer_dir;

static atomic64_t hsx_timer_stat_created = ATOMIC64_INIT(0);
static atomic64_t hsx_timer_stat_expirations = ATOMIC64_INIT(0);
static atomic64_t hsx_timer_stat_overruns = ATOMIC64_INIT(0);

/**
 * hsx_timer_periods_due - how many periods have elapsed at an expiry
 * @expires_ns: when the timer was due
 * @now_ns: when it ran
 * @period_ns: its period, not zero
 *
 * Return: at least 1, the expiry at @expires_ns itself, plus one for every
 * further period that ended at or before @now_ns (the overruns).
 */
u64 hsx_timer_periods_due(s64 expires_ns, s64 now_ns, u64 period_ns)
{
	if (now_ns < expires_ns)
		return 1;
	return div64_u64((u64)(now_ns - expires_ns), period_ns) + 1;
}

/**
 * hsx_timer_validate_create - check a TIMER_CREATE request
 * Return: 0 or -EINVAL.
 */
int hsx_timer_validate_create(const struct hsx_timer_create *req)
{
	if (req->reserved || (req->flags & ~HSX_TIMER_F_ALL))
		return -EINVAL;
	if (req->period_us < HSX_TIMER_PERIOD_MIN_US ||
	    req->period_us > HSX_TIMER_PERIOD_MAX_US)
		return -EINVAL;
	return 0;
}

static int hsx_timer_fill(struct sk_buff *skb, const void *data)
{
	const struct hsx_timer_record *p = data;
	struct nlattr *nest;

	nest = nla_nest_start(skb, HSX_A_EVT_TIMER);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HSX_TIMER_A_ID, p->id) ||
	    nla_put_u64_64bit(skb, HSX_TIMER_A_TICK_US, p->tick_us, HSX_TIMER_A_PAD) ||
	    nla_put_u32(skb, HSX_TIMER_A_OVERRUNS, p->overruns) ||
	    nla_put_u64_64bit(skb, HSX_TIMER_A_EXPIRATIONS, p->expirations, HSX_TIMER_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Only the timer's owner (by effective uid) or an administrator may listen. */
static int hsx_timer_may_subscribe(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	struct hsx_timer *t = hsx_mbox_owner(mbox);

	if (!uid_eq(current_euid(), t->owner_euid) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* Only the owner's reads move the timer (hsx_timer_reader_here). */
	auth->follow = auth->client == t->owner;
	return 0;
}

/*
 * The owner's reader of the timer's queue file took a record, on this CPU.
 * As timerfd's hrtimer, which read() starts again where its reader runs,
 * move a periodic timer here when it expired elsewhere: its next expiry then
 * wakes the reader on the reader's own CPU instead of across CPUs (an
 * interrupt to another CPU, which under emulation waits for that CPU's
 * thread to be scheduled); on a quiet CPU one wake-up, not two. The timer
 * keeps its expiry: the grid of periods is unchanged. Not pinned: as
 * timerfd's, it stays here because this CPU is busy, and a CPU excluded from
 * timer housekeeping (nohz_full, isolcpus) hands it to another.
 *
 * Return: whether it was started again. Context: process; the timer is
 * valid (rcu_read_lock() held, or the caller's).
 */
static bool hsx_timer_follow(struct hsx_timer *t)
{
	unsigned long flags;
	bool moved = false;

	if (t->one_shot || READ_ONCE(t->cpu) == raw_smp_processor_id())
		return false;
	raw_spin_lock_irqsave(&t->follow_lock, flags);
	/*
	 * Only a queued timer moves: not one whose callback runs (-1), which
	 * starts it again itself, nor one stopped (0). Under follow_lock, so
	 * that teardown, which sets dying under it before hrtimer_cancel(),
	 * finds it either started again or never to be.
	 */
	if (!t->dying && hrtimer_try_to_cancel(&t->hrt) == 1) {
		hrtimer_start_expires(&t->hrt, HRTIMER_MODE_ABS);
		moved = true;
	} else if (!t->dying && hrtimer_try_to_cancel(&t->soft) == 1) {
		hrtimer_start_expires(&t->soft, HRTIMER_MODE_ABS_SOFT);
		moved = true;
	}
	raw_spin_unlock_irqrestore(&t->follow_lock, flags);
	return moved;
}

static void hsx_timer_reader_here(void *owner)
{
	hsx_timer_follow(owner);
}

/* Teardown: no reader moves (starts) the timer from here on. */
static void hsx_timer_stop_following(struct hsx_timer *t)
{
	raw_spin_lock_irq(&t->follow_lock);
	t->dying = true;
	raw_spin_unlock_irq(&t->follow_lock);
}

#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
/* KUnit: a bare timer (no owner, no mailbox) whose expiry does nothing, to move and stop. */
static enum hrtimer_restart hsx_timer_test_expired(struct hrtimer *hrt)
{
	return HRTIMER_NORESTART;
}

struct hsx_timer *hsx_timer_test_new(u64 period_ns, bool one_shot)
{
	struct hsx_timer *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	hsx_hrtimer_setup(&t->hrt, hsx_timer_test_expired, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	hsx_hrtimer_setup(&t->soft, hsx_timer_test_expired, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	raw_spin_lock_init(&t->follow_lock);
	t->period_ns = period_ns;
	t->one_shot = one_shot;
	hrtimer_start(&t->hrt, ns_to_ktime(period_ns), HRTIMER_MODE_REL);
	return t;
}

/* Follow a read on this CPU, the timer having last expired on @expired_on. */
bool hsx_timer_test_follow(struct hsx_timer *t, int expired_on)
{
	WRITE_ONCE(t->cpu, expired_on);
	return hsx_timer_follow(t);
}

void hsx_timer_test_stop_following(struct hsx_timer *t)
{
	hsx_timer_stop_following(t);
}

struct hrtimer *hsx_timer_test_hrtimer(struct hsx_timer *t)
{
	return &t->hrt;
}

struct hrtimer *hsx_timer_test_soft(struct hsx_timer *t)
{
	return &t->soft;
}

static void hsx_timer_hand_over(struct hsx_timer *t, struct hrtimer *from, struct hrtimer *to,
				enum hrtimer_mode mode);

/* Hand the queued one's expiry to the other, as an expiry does (and stop the queued one). */
void hsx_timer_test_hand_over(struct hsx_timer *t, bool to_soft)
{
	struct hrtimer *from = to_soft ? &t->hrt : &t->soft;

	hrtimer_cancel(from);
	hsx_timer_hand_over(t, from, to_soft ? &t->soft : &t->hrt,
			    to_soft ? HRTIMER_MODE_ABS_PINNED_SOFT : HRTIMER_MODE_ABS_PINNED);
}

void hsx_timer_test_free(struct hsx_timer *t)
{
	hrtimer_cancel(&t->hrt);
	hrtimer_cancel(&t->soft);
	kfree(t);
}
#endif

static const struct hsx_mbox_ops hsx_timer_mbox_ops = {
	.module = HSX_MODULE_TIMER,
	.record_size = sizeof(struct hsx_timer_record),
	.hidden = true,		/* another uid's timer: "no such mailbox" */
	.post_hardirq = true,
	/* The nest, two u32s, two u64s each with room for a pad attribute. */
	.payload_size = NLA_HDRLEN + 2 * NLA_ALIGN(NLA_HDRLEN + sizeof(u32)) +
			2 * (NLA_ALIGN(NLA_HDRLEN + sizeof(u64)) + NLA_HDRLEN),
	.fill = hsx_timer_fill,
	.may_subscribe = hsx_timer_may_subscribe,
	.reader_here = hsx_timer_reader_here,
};

/*
 * An expiry of @hrt (the timer's hrtimer or its soft twin) at @now: the
 * periods it covers, and its record, counted in nothing yet.
 */
static u64 hsx_timer_make_record(struct hsx_timer *t, struct hrtimer *hrt, ktime_t now,
				 struct hsx_timer_record *p)
{
	u64 due = 1;

	if (!t->one_shot)
		due = hsx_timer_periods_due(ktime_to_ns(hrtimer_get_expires(hrt)),
					    ktime_to_ns(now), t->period_ns);
	p->id = t->id;
	p->tick_us = div_u64(ktime_to_ns(now), NSEC_PER_USEC);
	p->overruns = min_t(u64, due - 1, U32_MAX);
	/* Only the one callback running at a time adds to it. */
	p->expirations = atomic64_read(&t->expirations) + due;
	return due;
}

/* Count the expiry hsx_timer_make_record() made, and move @hrt on past it. */
static enum hrtimer_restart hsx_timer_account(struct hsx_timer *t, struct hrtimer *hrt, u64 due)
{
	WRITE_ONCE(t->cpu, smp_processor_id());
	atomic64_add(due, &t->expirations);
	atomic64_add(due - 1, &t->overruns);
	atomic64_add(due, &hsx_timer_stat_expirations);
	atomic64_add(due - 1, &hsx_timer_stat_overruns);
	if (t->one_shot) {
		WRITE_ONCE(t->armed, false);
		return HRTIMER_NORESTART;
	}
	hrtimer_add_expires_ns(hrt, due * t->period_ns);
	return HRTIMER_RESTART;
}

/* Post from softirq (the soft twin; every expiry under PREEMPT_RT). */
static enum hrtimer_restart hsx_timer_post_soft(struct hsx_timer *t, struct hrtimer *hrt)
{
	ktime_t now = ktime_get();
	struct hsx_timer_record p;
	u64 due = hsx_timer_make_record(t, hrt, now, &p);
	enum hrtimer_restart restart = hsx_timer_account(t, hrt, due);

	hsx_mbox_post_at(t->mbox, &p, ktime_to_ns(now));
	return restart;
}

/*
 * Hand the expiry of @from at its current expiry time to @to, unless the
 * timer is going (hsx_timer_teardown()), under follow_lock as a move is.
 */
static void hsx_timer_hand_over(struct hsx_timer *t, struct hrtimer *from, struct hrtimer *to,
				enum hrtimer_mode mode)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&t->follow_lock, flags);
	if (!t->dying)
		hrtimer_start(to, hrtimer_get_expires(from), mode);
	raw_spin_unlock_irqrestore(&t->follow_lock, flags);
}

/*
 * The timer's hrtimer: in the timer interrupt, or under PREEMPT_RT in
 * softirq. In the interrupt, the expiry goes into the mailbox's queue files
 * right here. If the mailbox cannot take it (a netlink subscriber, the CPU's
 * budget spent), nothing is counted and the soft twin takes over from this
 * same expiry, in the softirq that follows.
 */
static enum hrtimer_restart hsx_timer_expired(struct hrtimer *hrt)
{
	struct hsx_timer *t = container_of(hrt, struct hsx_timer, hrt);
	struct hsx_timer_record p;
	ktime_t now;
	u64 due;

	if (!in_hardirq())
		return hsx_timer_post_soft(t, hrt);
	now = ktime_get();
	due = hsx_timer_make_record(t, hrt, now, &p);
	/* Not armed once its reader has it, so that it may start it again then. */
	if (t->one_shot)
		WRITE_ONCE(t->armed, false);
	if (!hsx_mbox_post_irq(t->mbox, &p, ktime_to_ns(now))) {
		if (t->one_shot)
			WRITE_ONCE(t->armed, true);
		/* Pinned: hsx_mbox_post_irq() refused for this CPU, the twin asks for it. */
		hsx_timer_hand_over(t, hrt, &t->soft, HRTIMER_MODE_ABS_PINNED_SOFT);
		return HRTIMER_NORESTART;
	}
	atomic64_inc(&t->irq_posts);
	return hsx_timer_account(t, hrt, due);
}

/*
 * The soft twin, while the interrupt cannot post. Once the mailbox could
 * take the next expiry there again, the hrtimer takes over from it.
 */
static enum hrtimer_restart hsx_timer_expired_soft(struct hrtimer *soft)
{
	struct hsx_timer *t = container_of(soft, struct hsx_timer, soft);

	if (hsx_timer_post_soft(t, soft) == HRTIMER_NORESTART)
		return HRTIMER_NORESTART;
	if (!hsx_mbox_irq_room(t->mbox))
		return HRTIMER_RESTART;
	/* Pinned: the room is this CPU's. */
	hsx_timer_hand_over(t, soft, &t->hrt, HRTIMER_MODE_ABS_PINNED);
	return HRTIMER_NORESTART;
}

/* ---- /sys/hal/timer/<id> ---------------------------------------------- */

#define to_hsx_timer(k) container_of(k, struct hsx_timer, kobj)

static ssize_t period_us_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_hsx_timer(kobj)->period_us);
}

static ssize_t one_shot_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_hsx_timer(kobj)->one_shot);
}

static ssize_t armed_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_hsx_timer(kobj)->armed));
}

static ssize_t expirations_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&to_hsx_timer(kobj)->expirations));
}

static ssize_t overruns_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&to_hsx_timer(kobj)->overruns));
}

static ssize_t cpu_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_hsx_timer(kobj)->cpu));
}

static ssize_t irq_posts_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&to_hsx_timer(kobj)->irq_posts));
}

static ssize_t owner_pid_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_hsx_timer(kobj)->owner_tgid);
}

static ssize_t events_dropped_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", hsx_mbox_drops(to_hsx_timer(kobj)->mbox));
}

/* A timer is its owner's: what it does and who owns it is root's to read. */
static struct kobj_attribute hsx_timer_attr_period_us = __ATTR_RO_MODE(period_us, 0400);
static struct kobj_attribute hsx_timer_attr_one_shot = __ATTR_RO_MODE(one_shot, 0400);
static struct kobj_attribute hsx_timer_attr_armed = __ATTR_RO_MODE(armed, 0400);
static struct kobj_attribute hsx_timer_attr_expirations = __ATTR_RO_MODE(expirations, 0400);
static struct kobj_attribute hsx_timer_attr_overruns = __ATTR_RO_MODE(overruns, 0400);
static struct kobj_attribute hsx_timer_attr_cpu = __ATTR_RO_MODE(cpu, 0400);
static struct kobj_attribute hsx_timer_attr_irq_posts = __ATTR_RO_MODE(irq_posts, 0400);
static struct kobj_attribute hsx_timer_attr_owner_pid = __ATTR_RO_MODE(owner_pid, 0400);
static struct kobj_attribute hsx_timer_attr_events_dropped =
	__ATTR_RO_MODE(events_dropped, 0400);

static struct attribute *hsx_timer_attrs[] = {
	&hsx_timer_attr_period_us.attr,
	&hsx_timer_attr_one_shot.attr,
	&hsx_timer_attr_armed.attr,
	&hsx_timer_attr_expirations.attr,
	&hsx_timer_attr_overruns.attr,
	&hsx_timer_attr_cpu.attr,
	&hsx_timer_attr_irq_posts.attr,
	&hsx_timer_attr_owner_pid.attr,
	&hsx_timer_attr_events_dropped.attr,
	NULL,
};
ATTRIBUTE_GROUPS(hsx_timer);

static void hsx_timer_release(struct kobject *kobj)
{
	struct hsx_timer *t = to_hsx_timer(kobj);

	kfree_rcu(t, rcu);
}

static const struct kobj_type hsx_timer_ktype = {
	.release = hsx_timer_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = hsx_timer_groups,
};

/* ---- lifetime ----------------------------------------------------------- */

/* Unpublish a timer; afterwards only the caller can reach it. */
static void hsx_timer_detach_locked(struct hsx_timer *t)
{
	struct hsx_timer_client *tc = t->owner->priv[hsx_module_slot(HSX_MODULE_TIMER)];

	lockdep_assert_held(&hsx_timers_lock);
	xa_erase(&hsx_timers, t->id);
	list_del(&t->owner_node);
	tc->count--;
	hsx_timers_active--;
	/* Now, not at release: a sysfs reader may keep the kobject a while. */
	hsx_cap_quota_uncharge(t->quota);
	t->quota = NULL;
}

/* Stop and free a detached timer. Its subscribers get HSX_EVT_CLOSED. */
static void hsx_timer_teardown(struct hsx_timer *t, u32 reason)
{
	kobject_del(&t->kobj);		/* no sysfs reader from here on */
	hsx_timer_stop_following(t);	/* no reader starts it again, nor a hand-over */
	/* So whichever runs now hands over to no other: no expiry from here on. */
	hrtimer_cancel(&t->hrt);
	hrtimer_cancel(&t->soft);
	hsx_mbox_destroy(t->mbox, reason);
	kobject_put(&t->kobj);
}

/*
 * Start it as its soft twin would hand over: in the interrupt only with the
 * room for it on this CPU (hsx_mbox_irq_room()), so that many timers started
 * at once do not all meet a spent budget in one interrupt.
 */
static void hsx_timer_arm_locked(struct hsx_timer *t)
{
	ktime_t period = ns_to_ktime(t->period_ns);

	lockdep_assert_held(&hsx_timers_lock);
	WRITE_ONCE(t->armed, true);
	local_bh_disable();
	if (hsx_mbox_irq_room(t->mbox))
		hrtimer_start(&t->hrt, period, HRTIMER_MODE_REL_PINNED);
	else
		hrtimer_start(&t->soft, period, HRTIMER_MODE_REL_PINNED_SOFT);
	local_bh_enable();
}

static long hsx_timer_create(struct hsx_client *client, void *arg)
{
	struct hsx_timer_client *tc = client->priv[hsx_module_slot(HSX_MODULE_TIMER)];
	struct hsx_timer_create *req = arg;
	char name[HSX_MBOX_NAME_MAX];
	struct hsx_timer *t;
	int ret;

	ret = hsx_timer_validate_create(req);
	if (ret)
		return ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	kobject_init(&t->kobj, &hsx_timer_ktype);	/* from here on, kobject_put() frees t */
	/* As timerfd's: hard, except under PREEMPT_RT, where it is soft. */
	hsx_hrtimer_setup(&t->hrt, hsx_timer_expired, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	hsx_hrtimer_setup(&t->soft, hsx_timer_expired_soft, CLOCK_MONOTONIC,
			  HRTIMER_MODE_REL_SOFT);
	raw_spin_lock_init(&t->follow_lock);
	t->cpu = -1;
	t->owner = client;
	t->period_us = req->period_us;
	t->period_ns = (u64)req->period_us * NSEC_PER_USEC;
	t->one_shot = req->flags & HSX_TIMER_F_ONE_SHOT;
	t->owner_euid = current_euid();
	t->owner_tgid = client->tgid;

	mutex_lock(&hsx_timers_lock);
	ret = -EMFILE;
	if (tc->count >= min_t(unsigned int, timers_per_open, HSX_TIMER_ID_MAX))
		goto err_unlock;
	ret = -EDQUOT;		/* the capability's quota */
	if (tc->count >= hsx_cap_quota(client, &hsx_timer_module))
		goto err_unlock;
	/* ... and its tree's: deriving onto more files must not multiply it. */
	t->quota = hsx_cap_quota_charge(client, &hsx_timer_module);
	if (IS_ERR(t->quota)) {
		ret = PTR_ERR(t->quota);
		t->quota = NULL;
		goto err_unlock;
	}
	ret = -ENOSPC;
	if (hsx_timers_active >= min_t(unsigned int, timers_total, HSX_TIMER_ID_MAX))
		goto err_unlock;

	ret = xa_alloc_cyclic(&hsx_timers, &t->id, t, XA_LIMIT(1, HSX_TIMER_ID_MAX),
			      &hsx_timers_next_id, GFP_KERNEL);
	if (ret < 0) {
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto err_unlock;
	}

	snprintf(name, sizeof(name), HSX_MBOX_TIMER_FMT, t->id);
	t->mbox = hsx_mbox_create(name, &hsx_timer_mbox_ops, t);
	if (IS_ERR(t->mbox)) {
		ret = PTR_ERR(t->mbox);
		goto err_erase;
	}

	ret = kobject_add(&t->kobj, hsx_timer_dir, "%u", t->id);
	if (ret)
		goto err_mbox;

	list_add_tail(&t->owner_node, &tc->timers);
	tc->count++;
	hsx_timers_active++;
	atomic64_inc(&hsx_timer_stat_created);
	if (!(req->flags & HSX_TIMER_F_STOPPED))
		hsx_timer_arm_locked(t);
	req->timer_id = t->id;
	mutex_unlock(&hsx_timers_lock);
	return 0;

err_mbox:
	hsx_mbox_destroy(t->mbox, HSX_CLOSE_CANCELLED);
err_erase:
	xa_erase(&hsx_timers, t->id);
err_unlock:
	/* Now, not at release: a later create must find the place free. */
	hsx_cap_quota_uncharge(t->quota);
	t->quota = NULL;
	mutex_unlock(&hsx_timers_lock);
	kobject_put(&t->kobj);
	return ret;
}

/* Find a timer the client may act on. */
static struct hsx_timer *hsx_timer_lookup_locked(struct hsx_client *client, u32 id,
						 int *err)
{
	struct hsx_timer *t;

	lockdep_assert_held(&hsx_timers_lock);
	*err = -ENOENT;
	t = id ? xa_load(&hsx_timers, id) : NULL;
	if (!t)
		return NULL;
	*err = -EPERM;
	if (t->owner != client && !client->admin)
		return NULL;
	*err = 0;
	return t;
}

static long hsx_timer_cancel(struct hsx_client *client, void *arg)
{
	struct hsx_timer_id *req = arg;
	struct hsx_timer *t;
	u32 reason = 0;
	int ret;

	if (req->reserved)
		return -EINVAL;
	mutex_lock(&hsx_timers_lock);
	t = hsx_timer_lookup_locked(client, req->timer_id, &ret);
	if (t) {
		reason = t->owner == client ? HSX_CLOSE_CANCELLED : HSX_CLOSE_ADMIN;
		hsx_timer_detach_locked(t);
	}
	mutex_unlock(&hsx_timers_lock);
	if (t)
		hsx_timer_teardown(t, reason);
	return ret;
}

static long hsx_timer_start(struct hsx_client *client, void *arg)
{
	struct hsx_timer_id *req = arg;
	struct hsx_timer *t;
	int ret;

	if (req->reserved)
		return -EINVAL;
	mutex_lock(&hsx_timers_lock);
	t = hsx_timer_lookup_locked(client, req->timer_id, &ret);
	if (t) {
		/* A one-shot that has fired may be armed again. */
		if (READ_ONCE(t->armed) || hrtimer_active(&t->hrt) || hrtimer_active(&t->soft))
			ret = -EALREADY;
		else
			hsx_timer_arm_locked(t);
	}
	mutex_unlock(&hsx_timers_lock);
	return ret;
}

static long hsx_timer_get_tick(struct hsx_client *client, void *arg)
{
	struct hsx_timer_tick *out = arg;

	out->tick_us = div_u64(ktime_get_ns(), NSEC_PER_USEC);
	return 0;
}

static long hsx_timer_get_tick_freq(struct hsx_client *client, void *arg)
{
	struct hsx_timer_freq *out = arg;

	out->ticks_per_sec = HSX_TIMER_TICK_FREQ;
	return 0;
}

static int hsx_timer_open(struct hsx_client *client)
{
	struct hsx_timer_client *tc;

	tc = kzalloc(sizeof(*tc), GFP_KERNEL);
	if (!tc)
		return -ENOMEM;
	INIT_LIST_HEAD(&tc->timers);
	client->priv[hsx_module_slot(HSX_MODULE_TIMER)] = tc;
	return 0;
}

/* Cancel every timer of @client, telling their listeners @reason. */
static void hsx_timer_cancel_all(struct hsx_client *client, u32 reason)
{
	struct hsx_timer_client *tc = client->priv[hsx_module_slot(HSX_MODULE_TIMER)];
	struct hsx_timer *t, *tmp;
	LIST_HEAD(doomed);

	mutex_lock(&hsx_timers_lock);
	list_for_each_entry_safe(t, tmp, &tc->timers, owner_node) {
		hsx_timer_detach_locked(t);
		list_add_tail(&t->owner_node, &doomed);
	}
	mutex_unlock(&hsx_timers_lock);

	list_for_each_entry_safe(t, tmp, &doomed, owner_node)
		hsx_timer_teardown(t, reason);
}

/* The capability the timers were created under ended: so do they. */
static void hsx_timer_cap_ended(struct hsx_client *client)
{
	hsx_timer_cancel_all(client, HSX_CLOSE_REVOKED);
}

static void hsx_timer_client_release(struct hsx_client *client)
{
	hsx_timer_cancel_all(client, HSX_CLOSE_OWNER_GONE);
	kfree(client->priv[hsx_module_slot(HSX_MODULE_TIMER)]);
	client->priv[hsx_module_slot(HSX_MODULE_TIMER)] = NULL;
}

static const struct hsx_ioctl_op hsx_timer_ops[] = {
	[HSX_TIMER_FN_GET_TICK] = { HSX_IOC_TIMER_GET_TICK, hsx_timer_get_tick, HSX_CAP_R_READ },
	[HSX_TIMER_FN_GET_TICK_FREQ] = { HSX_IOC_TIMER_GET_TICK_FREQ, hsx_timer_get_tick_freq,
					 HSX_CAP_R_READ },
	[HSX_TIMER_FN_CREATE] = { HSX_IOC_TIMER_CREATE, hsx_timer_create, HSX_CAP_R_WRITE },
	[HSX_TIMER_FN_CANCEL] = { HSX_IOC_TIMER_CANCEL, hsx_timer_cancel, HSX_CAP_R_WRITE },
	[HSX_TIMER_FN_START] = { HSX_IOC_TIMER_START, hsx_timer_start, HSX_CAP_R_WRITE },
};

/* ---- /sys/hal/timer ----------------------------------------------------- */

static ssize_t active_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	unsigned int active;

	mutex_lock(&hsx_timers_lock);
	active = hsx_timers_active;
	mutex_unlock(&hsx_timers_lock);
	return sysfs_emit(buf, "%u\n", active);
}

static ssize_t created_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&hsx_timer_stat_created));
}

static ssize_t total_expirations_show(struct kobject *kobj, struct kobj_attribute *attr,
				      char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&hsx_timer_stat_expirations));
}

static ssize_t total_overruns_show(struct kobject *kobj, struct kobj_attribute *attr,
				   char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&hsx_timer_stat_overruns));
}

static ssize_t max_per_open_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", min_t(unsigned int, timers_per_open, HSX_TIMER_ID_MAX));
}

static ssize_t max_total_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", min_t(unsigned int, timers_total, HSX_TIMER_ID_MAX));
}

static struct kobj_attribute hsx_timers_attr_active = __ATTR_RO(active);
static struct kobj_attribute hsx_timers_attr_created = __ATTR_RO(created);
static struct kobj_attribute hsx_timers_attr_expirations =
	__ATTR(expirations, 0444, total_expirations_show, NULL);
static struct kobj_attribute hsx_timers_attr_overruns =
	__ATTR(overruns, 0444, total_overruns_show, NULL);
static struct kobj_attribute hsx_timers_attr_max_per_open = __ATTR_RO(max_per_open);
static struct kobj_attribute hsx_timers_attr_max_total = __ATTR_RO(max_total);

static struct attribute *hsx_timers_attrs[] = {
	&hsx_timers_attr_active.attr,
	&hsx_timers_attr_created.attr,
	&hsx_timers_attr_expirations.attr,
	&hsx_timers_attr_overruns.attr,
	&hsx_timers_attr_max_per_open.attr,
	&hsx_timers_attr_max_total.attr,
	NULL,
};

static const struct attribute_group hsx_timers_group = {
	.attrs = hsx_timers_attrs,
};

static int hsx_timer_init(const struct hsx_module *mod)
{
	hsx_timer_dir = hsx_module_dir(mod);
	return 0;
}

static void hsx_timer_exit(const struct hsx_module *mod)
{
	/* Every client has been released, so no timer is left. */
	WARN_ON(!xa_empty(&hsx_timers));
	hsx_timer_dir = NULL;
}

/* ---- capabilities: a count of timers ---------------------------------------- */

static int hsx_timer_cap_validate(const union hsx_cap_selector *sel)
{
	if (!sel->timer.max_timers || sel->timer.max_timers > HSX_TIMER_DEFAULT_PER_OPEN ||
	    sel->timer.reserved || sel->raw[1] || sel->raw[2] || sel->raw[3])
		return -EINVAL;
	return 0;
}

static bool hsx_timer_cap_subset(const union hsx_cap_selector *inner,
				 const union hsx_cap_selector *outer)
{
	return inner->timer.max_timers <= outer->timer.max_timers;
}

/* A file's timers are its own: the capability limits how many, not which. */
static bool hsx_timer_cap_covers(const union hsx_cap_selector *sel, u64 object)
{
	return true;
}

static u32 hsx_timer_cap_quota(const union hsx_cap_selector *sel)
{
	return sel->timer.max_timers;
}

static const struct hsx_cap_ops hsx_timer_cap_ops = {
	.rights = HSX_CAP_R_TIMER_ALL,
	.validate = hsx_timer_cap_validate,
	.subset = hsx_timer_cap_subset,
	.covers = hsx_timer_cap_covers,
	.quota = hsx_timer_cap_quota,
};

const struct hsx_module hsx_timer_module = {
	.id = HSX_MODULE_TIMER,
	.name = "timer",
	.ops = hsx_timer_ops,
	.n_ops = ARRAY_SIZE(hsx_timer_ops),
	.node_mode = 0666,
	.sysfs_group = &hsx_timers_group,
	.cap = &hsx_timer_cap_ops,
	.init = hsx_timer_init,
	.exit = hsx_timer_exit,
	.open = hsx_timer_open,
	.release = hsx_timer_client_release,
	.cap_ended = hsx_timer_cap_ended,
};
