// SPDX-License-Identifier: GPL-2.0
/*
 * Mailboxes: named event queues that HAL modules post to and that user space
 * subscribes to.
 *
 * A mailbox belongs to the HAL object that posts to it (a timer, a GPIO pin)
 * and lives exactly as long as that object; the owner stops posting before it
 * destroys the mailbox, so posting needs no reference counting. Subscribers
 * are netlink ports, or queue files (mbox_queue.c). A netlink subscriber's
 * queue is its socket receive buffer: the kernel never holds events on its
 * behalf, so a slow reader costs the kernel nothing. A queue file's is a
 * ring of records made when it subscribed, bounded in length and in total.
 * Either way a full queue is counted as a drop for that subscriber alone and
 * reported in the next event it does receive.
 *
 * Locking: hsx_mbox_mutex guards the registry (by id and by name), the port
 * table, and every change to a subscriber list; it is only taken in process
 * context. mbox->lock (a BH-disabling spinlock) serializes one mailbox's
 * posts, and guards its subscriber list, its sequence number and its counters
 * against them. Posting takes it, so it runs in softirq or process context:
 * netlink delivery needs BHs off and IRQs on.
 *
 * A mailbox whose owner says so (ops->post_hardirq: a timer's, whose expiry
 * is timerfd's) may instead be posted to from a hard interrupt
 * (hsx_mbox_post_irq()), so that its reader wakes without waiting for a
 * softirq; never under PREEMPT_RT, where hrtimers expire in softirq anyway.
 * Such a post can only reach queue files, so it is made only while the
 * mailbox has no netlink subscriber, and it takes mbox->irq_lock (IRQs off)
 * alone. So in such a mailbox whatever it touches (the subscriber list, the
 * sequence number, the counters, each subscriber's drops) is changed and
 * read under both locks, mbox->lock first; except by a post from softirq or
 * process context while a netlink subscriber is listed: then no hard-IRQ
 * post can run (n_netlink changes under both locks), and mbox->lock is
 * enough, which netlink delivery needs (it may not run with IRQs off).
 * Other mailboxes never take irq_lock.
 *
 * A softirq that runs long yields to ksoftirqd; a hard interrupt has nothing
 * of the kind. So each CPU spends at most HSX_MBOX_IRQ_BUDGET_PER_MS units
 * per millisecond of jiffies on hard-IRQ posts: one for the post, one per
 * subscriber. Past that a hard-IRQ post is refused, and its poster posts
 * from its soft path until hsx_mbox_irq_room() says it may come back. (One
 * interrupt whose tick ends a jiffy may spend two jiffies' worth.) What a
 * unit costs grows with the waiters on the queue file (each epoll or poll
 * entry is woken there), as it does for a timerfd.
 *
 * Each subscriber keeps a spare: the transport's buffer (a netlink message)
 * for its next data event, made when it subscribes and again after each post
 * has reached every subscriber. So the time from an event to its subscribers'
 * wake-up holds no allocation; only when a spare could not be made does the
 * delivery allocate, as it would without one.
 *
 * The close notice is the one event that is never dropped: a subscriber
 * blocked without a timeout would wait forever without it. A queue file
 * keeps room for it. When a netlink subscriber's cannot be
 * queued, the subscription outlives its mailbox as an orphan (on
 * hsx_mbox_orphans, under hsx_mbox_mutex) and a work item retries the notice
 * until it is queued or the socket closes.
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "mailbox.h"
#include "mbox_queue.h"

struct hsx_mbox {
	u32 id;
	char name[HSX_MBOX_NAME_MAX];
	const struct hsx_mbox_ops *ops;
	void *owner;
	struct hlist_node by_name;

	spinlock_t lock;		/* subs, n_subs, seq and counters, vs. posts */
	spinlock_t irq_lock;		/* the same, vs. a hard-IRQ post; IRQs off */
	struct list_head subs;
	unsigned int n_subs;
	unsigned int n_netlink;		/* of n_subs; none: hard-IRQ posts are made */
	u64 seq;
	u64 last_ns;			/* the last event's timestamp */
	u64 events;
	u64 drops;
};

/* A subscriber socket: its port number and the socket itself (@dest). */
struct hsx_mbox_port {
	u32 portid;
	void *dest;
	unsigned int n_subs;
	struct list_head subs;
	struct hlist_node node;
};

/* What one user's subscriptions take of the shared limits. */
struct hsx_mbox_user {
	kuid_t uid;
	unsigned int subs;
	unsigned int records;		/* of its queue files */
	struct hlist_node node;
};

struct hsx_mbox_sub {
	struct hsx_mbox *mbox;		/* NULL once orphaned */
	struct hsx_mbox_user *user;	/* its share, or NULL for a privileged one */
	unsigned int records;		/* its queue's length, 0 for netlink */
	struct hsx_mbox_port *port;	/* a netlink subscriber's, or NULL */
	struct hsx_mbox_queue *queue;	/* a queue file's, or NULL */
	struct list_head mbox_node;	/* in mbox->subs (mbox->lock) or hsx_mbox_orphans */
	struct list_head port_node;	/* in port->subs, under hsx_mbox_mutex */
	u32 mbox_id;
	const void *token;		/* what it was authorized under; compared only */
	void *filter;			/* ops->accept's, or NULL; its own */
	const struct hsx_mbox_ops *ops;	/* of its mailbox, for @filter's release */
	u64 seq;			/* its own numbers, with ops->accept (mbox->lock) */
	void *spare;			/* for its next data event, or NULL (mbox->lock) */
	u32 pending_drops;
	u64 total_drops;
	bool gone;
	/* An orphan's undelivered close notice. */
	u64 closed_seq;
	u64 closed_ns;
	u32 close_reason;
};

struct hsx_mbox_irq_budget {
	unsigned long jiffy;
	unsigned int used;
};

static unsigned int irq_budget_per_ms = HSX_MBOX_IRQ_BUDGET_PER_MS;
module_param(irq_budget_per_ms, uint, 0644);
MODULE_PARM_DESC(irq_budget_per_ms,
		 "Hard-IRQ post units per CPU per ms, 1 a post and 1 a queue file; 0: none (default "
		 __stringify(HSX_MBOX_IRQ_BUDGET_PER_MS) ")");

static DEFINE_PER_CPU(struct hsx_mbox_irq_budget, hsx_mbox_irq_budget);
/* Posters let back to hard-IRQ posts, in softirq (hsx_mbox_irq_room()). */
static DEFINE_PER_CPU(struct hsx_mbox_irq_budget, hsx_mbox_irq_returns);

static DEFINE_MUTEX(hsx_mbox_mutex);
static DEFINE_XARRAY_ALLOC1(hsx_mbox_by_id);
static DEFINE_HASHTABLE(hsx_mbox_by_name, 8);
static DEFINE_HASHTABLE(hsx_mbox_ports, 8);
static DEFINE_HASHTABLE(hsx_mbox_users, 6);
static unsigned int hsx_mbox_gen;
static u32 hsx_mbox_next_id;
static unsigned int hsx_mbox_n_subs;
static const struct hsx_mbox_transport *hsx_mbox_transport;
static LIST_HEAD(hsx_mbox_orphans);

#define HSX_MBOX_RETRY_MS 20
static void hsx_mbox_retry_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(hsx_mbox_retry_work, hsx_mbox_retry_work_fn);

static atomic64_t hsx_stat_mailboxes = ATOMIC64_INIT(0);
static atomic64_t hsx_stat_events = ATOMIC64_INIT(0);
static atomic64_t hsx_stat_deliveries = ATOMIC64_INIT(0);
static atomic64_t hsx_stat_drops = ATOMIC64_INIT(0);

static void hsx_mbox_free_sub(struct hsx_mbox_sub *sub);
static void hsx_mbox_retry_orphans_locked(void);

static u32 hsx_mbox_name_hash(const char *name)
{
	return jhash(name, strlen(name), 0);
}

static struct hsx_mbox *hsx_mbox_find_name(const char *name)
{
	struct hsx_mbox *mbox;

	lockdep_assert_held(&hsx_mbox_mutex);
	hash_for_each_possible(hsx_mbox_by_name, mbox, by_name, hsx_mbox_name_hash(name))
		if (!strcmp(mbox->name, name))
			return mbox;
	return NULL;
}

static struct hsx_mbox_port *hsx_mbox_find_port(u32 portid, void *dest)
{
	struct hsx_mbox_port *port;

	lockdep_assert_held(&hsx_mbox_mutex);
	hash_for_each_possible(hsx_mbox_ports, port, node, portid)
		if (port->portid == portid && port->dest == dest)
			return port;
	return NULL;
}

/* Is @mbox posted to from hard interrupts? Then it has a second lock. */
static bool hsx_mbox_hard(const struct hsx_mbox *mbox)
{
	return !IS_ENABLED(CONFIG_PREEMPT_RT) && mbox->ops->post_hardirq;
}

/* Every lock of a mailbox: for anything but a post (see "Locking" above). */
static void hsx_mbox_lock(struct hsx_mbox *mbox)
{
	spin_lock_bh(&mbox->lock);
	if (hsx_mbox_hard(mbox))
		spin_lock_irq(&mbox->irq_lock);
}

/* Drop irq_lock, if taken, and keep mbox->lock: BHs off, IRQs on, as netlink needs. */
static void hsx_mbox_unlock_irq(struct hsx_mbox *mbox)
{
	if (hsx_mbox_hard(mbox))
		spin_unlock_irq(&mbox->irq_lock);
}

static void hsx_mbox_unlock(struct hsx_mbox *mbox)
{
	hsx_mbox_unlock_irq(mbox);
	spin_unlock_bh(&mbox->lock);
}

static void hsx_mbox_free_port(struct hsx_mbox_port *port)
{
	hash_del(&port->node);
	if (hsx_mbox_transport->dest_put)
		hsx_mbox_transport->dest_put(port->dest);
	kfree(port);
}

/**
 * hsx_mbox_init - set how events reach subscribers
 * @transport: generic netlink in the module, a fake in KUnit
 */
void hsx_mbox_init(const struct hsx_mbox_transport *transport)
{
	hsx_mbox_transport = transport;
}

void hsx_mbox_exit(void)
{
	struct hsx_mbox_sub *sub, *sub_tmp;
	struct hsx_mbox_port *port;
	struct hlist_node *tmp;
	int bkt;

	/* Owners destroyed their mailboxes; only undelivered close notices may remain. */
	WARN_ON(!xa_empty(&hsx_mbox_by_id));
	cancel_delayed_work_sync(&hsx_mbox_retry_work);
	mutex_lock(&hsx_mbox_mutex);
	hsx_mbox_retry_orphans_locked();
	list_for_each_entry_safe(sub, sub_tmp, &hsx_mbox_orphans, mbox_node) {
		/* Their readers never drained their sockets: count the loss. */
		atomic64_inc(&hsx_stat_drops);
		list_del(&sub->mbox_node);
		hsx_mbox_free_sub(sub);
	}
	hash_for_each_safe(hsx_mbox_ports, bkt, tmp, port, node) {
		WARN_ON(port->n_subs);
		hsx_mbox_free_port(port);
	}
	mutex_unlock(&hsx_mbox_mutex);
	hsx_mbox_transport = NULL;
}

/**
 * hsx_mbox_create - create a named mailbox
 * @name: its name, unique, shorter than HSX_MBOX_NAME_MAX
 * @ops: payload and subscription policy of its owner
 * @owner: returned by hsx_mbox_owner()
 *
 * Context: process. Return: the mailbox or an ERR_PTR().
 */
struct hsx_mbox *hsx_mbox_create(const char *name, const struct hsx_mbox_ops *ops,
				 void *owner)
{
	struct hsx_mbox *mbox;
	int ret;

	if (strlen(name) >= HSX_MBOX_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);

	mbox = kzalloc(sizeof(*mbox), GFP_KERNEL);
	if (!mbox)
		return ERR_PTR(-ENOMEM);
	strscpy(mbox->name, name, sizeof(mbox->name));
	mbox->ops = ops;
	mbox->owner = owner;
	spin_lock_init(&mbox->lock);
	spin_lock_init(&mbox->irq_lock);
	INIT_LIST_HEAD(&mbox->subs);

	mutex_lock(&hsx_mbox_mutex);
	if (hsx_mbox_find_name(name)) {
		ret = -EEXIST;
		goto err_unlock;
	}
	ret = xa_alloc_cyclic(&hsx_mbox_by_id, &mbox->id, mbox, xa_limit_31b,
			      &hsx_mbox_next_id, GFP_KERNEL);
	if (ret < 0)
		goto err_unlock;
	hash_add(hsx_mbox_by_name, &mbox->by_name, hsx_mbox_name_hash(name));
	hsx_mbox_gen++;
	mutex_unlock(&hsx_mbox_mutex);
	atomic64_inc(&hsx_stat_mailboxes);
	return mbox;

err_unlock:
	mutex_unlock(&hsx_mbox_mutex);
	kfree(mbox);
	return ERR_PTR(ret);
}

/* Send one data event to one subscriber, in its spare, and account for the outcome. */
static void hsx_mbox_deliver(struct hsx_mbox *mbox, struct hsx_mbox_sub *sub,
			     struct hsx_mbox_event *ev)
{
	int ret;

	lockdep_assert(lockdep_is_held(&mbox->lock) || lockdep_is_held(&mbox->irq_lock));
	if (sub->gone)
		return;

	ev->dropped = sub->pending_drops;
	ev->dropped_total = sub->total_drops;
	if (sub->queue) {
		ret = hsx_mbox_queue_push(sub->queue, ev);
	} else {
		struct hsx_mbox_port *port = sub->port;

		ret = hsx_mbox_transport->deliver(port->portid, port->dest, ev, sub->spare);
		sub->spare = NULL;
	}
	if (!ret) {
		sub->pending_drops = 0;
		atomic64_inc(&hsx_stat_deliveries);
	} else if (ret == -ECONNREFUSED) {
		/* The socket is closing; its release notifier will unsubscribe it. */
		sub->gone = true;
	} else {
		if (sub->pending_drops < U32_MAX)
			sub->pending_drops++;
		sub->total_drops++;
		mbox->drops++;
		atomic64_inc(&hsx_stat_drops);
	}
}

static void hsx_mbox_post_locked(struct hsx_mbox *mbox, u16 type, const void *payload,
				 u64 timestamp_ns)
{
	struct hsx_mbox_event ev;	/* each field assigned: see its definition */
	struct hsx_mbox_sub *sub;

	/* irq_lock, or mbox->lock while no hard-IRQ post can be made. */
	lockdep_assert(lockdep_is_held(&mbox->irq_lock) ||
		       (lockdep_is_held(&mbox->lock) && (!hsx_mbox_hard(mbox) || mbox->n_netlink)));
	ev.mbox_id = mbox->id;
	ev.type = type;
	ev.ops = mbox->ops;
	ev.payload = payload;
	ev.seq = ++mbox->seq;
	/*
	 * Posters read their clock before the lock: of two on different CPUs,
	 * the later to post may have the earlier time. Events stay in time order.
	 */
	timestamp_ns = max(timestamp_ns, mbox->last_ns);
	mbox->last_ns = timestamp_ns;
	ev.timestamp_ns = timestamp_ns;
	ev.dropped = 0;			/* each subscriber's, by hsx_mbox_deliver() */
	ev.dropped_total = 0;
	ev.close_reason = 0;
	mbox->events++;
	atomic64_inc(&hsx_stat_events);
	list_for_each_entry(sub, &mbox->subs, mbox_node) {
		if (mbox->ops->accept) {
			if (sub->gone || !mbox->ops->accept(sub->filter, payload))
				continue;
			ev.seq = ++sub->seq;
		}
		hsx_mbox_deliver(mbox, sub, &ev);
	}
}

/*
 * The sequence number of a close notice for @sub: the mailbox's next one, or
 * with ops->accept the subscriber's own next one.
 */
static u64 hsx_mbox_closed_seq(struct hsx_mbox *mbox, struct hsx_mbox_sub *sub)
{
	lockdep_assert_held(&mbox->lock);
	return mbox->ops->accept ? sub->seq + 1 : mbox->seq;
}

/* Every subscriber reached: make the spares the next post will use. */
static void hsx_mbox_refill_locked(struct hsx_mbox *mbox)
{
	struct hsx_mbox_sub *sub;

	lockdep_assert_held(&mbox->lock);
	if (!hsx_mbox_transport->alloc)
		return;
	list_for_each_entry(sub, &mbox->subs, mbox_node)
		if (!sub->spare && !sub->gone && !sub->queue)
			sub->spare = hsx_mbox_transport->alloc(mbox->ops,
							       GFP_NOWAIT | __GFP_NOWARN);
}

/**
 * hsx_mbox_post_at - post an event that happened at a time its owner read
 * @mbox: the mailbox
 * @payload: module data, passed to ops->fill
 * @timestamp_ns: CLOCK_MONOTONIC of the event (a GPIO edge's interrupt, a
 *	timer's expiry), so that posting reads no clock again; not before the
 *	previous event's
 *
 * Context: softirq or process, not hard IRQ. Never sleeps.
 */
void hsx_mbox_post_at(struct hsx_mbox *mbox, const void *payload, u64 timestamp_ns)
{
	/*
	 * BH-disabled, never IRQ-disabled: netlink delivery allocates with
	 * gfp_any(), which is atomic only when BHs are off.
	 */
	if (WARN_ON_ONCE(in_hardirq() || irqs_disabled()))
		return;
	spin_lock_bh(&mbox->lock);
	if (hsx_mbox_hard(mbox) && !mbox->n_netlink) {
		/* Queue files only: a hard-IRQ post may come at any time. */
		spin_lock_irq(&mbox->irq_lock);
		hsx_mbox_post_locked(mbox, HSX_EVT_DATA, payload, timestamp_ns);
		spin_unlock_irq(&mbox->irq_lock);
	} else {
		hsx_mbox_post_locked(mbox, HSX_EVT_DATA, payload, timestamp_ns);
		hsx_mbox_refill_locked(mbox);
	}
	spin_unlock_bh(&mbox->lock);
}

/**
 * hsx_mbox_irq_budget_all - units a CPU may spend on hard-IRQ posts in one jiffy
 *
 * Return: irq_budget_per_ms (a module parameter) times a jiffy's length.
 */
unsigned int hsx_mbox_irq_budget_all(void)
{
	return min(READ_ONCE(irq_budget_per_ms), 1000000U) * max(jiffies_to_msecs(1), 1U);
}

/* What @budget (this CPU's) has left for the jiffy @now. */
static unsigned int hsx_mbox_irq_budget_left(const struct hsx_mbox_irq_budget *budget,
					     unsigned long now)
{
	unsigned int all = hsx_mbox_irq_budget_all();

	if (READ_ONCE(budget->jiffy) != now)
		return all;
	return all - min(READ_ONCE(budget->used), all);
}

/* Take @n units of this CPU's hard-IRQ budget, if they are left. IRQs off. */
static bool hsx_mbox_irq_budget_take(unsigned int n)
{
	struct hsx_mbox_irq_budget *budget = this_cpu_ptr(&hsx_mbox_irq_budget);
	unsigned long now = jiffies;

	if (n > hsx_mbox_irq_budget_left(budget, now))
		return false;
	if (budget->jiffy != now) {
		budget->jiffy = now;
		budget->used = 0;
	}
	budget->used += n;
	return true;
}

/**
 * hsx_mbox_irq_room - may a poster that was refused try hard-IRQ posts again?
 * @mbox: its mailbox
 *
 * Yes when it has no netlink subscriber, this CPU has half its budget left
 * for this jiffy (and room for the mailbox's next post), and fewer than
 * HSX_MBOX_IRQ_RETURNS posters came back on it in this jiffy: so that many
 * posters refused for the budget do not all come back at the start of each
 * jiffy only to be refused again, each refusal a hard interrupt's work (and,
 * for a timer, a second pass of hrtimer_interrupt() to raise the softirq for
 * its soft twin). A yes counts as one that came back. Also what a poster asks
 * before its first hard-IRQ post.
 *
 * Context: BHs off, on the CPU whose hard interrupts would post.
 */
bool hsx_mbox_irq_room(struct hsx_mbox *mbox)
{
	unsigned int all = hsx_mbox_irq_budget_all();
	struct hsx_mbox_irq_budget *returns;
	unsigned long now = jiffies;

	if (!hsx_mbox_hard(mbox) || READ_ONCE(mbox->n_netlink) || !all)
		return false;
	/* Room for half the budget, and at least for this mailbox's next post. */
	if (hsx_mbox_irq_budget_left(this_cpu_ptr(&hsx_mbox_irq_budget), now) <
	    max(all / 2, 1 + READ_ONCE(mbox->n_subs)))
		return false;
	returns = this_cpu_ptr(&hsx_mbox_irq_returns);
	if (returns->jiffy != now) {
		returns->jiffy = now;
		returns->used = 0;
	}
	if (returns->used >= HSX_MBOX_IRQ_RETURNS)
		return false;
	returns->used++;
	return true;
}

/**
 * hsx_mbox_post_irq - post from a hard interrupt, when the mailbox can take it
 * @mbox: the mailbox
 * @payload: module data, passed to ops->fill
 * @timestamp_ns: as for hsx_mbox_post_at()
 *
 * Queued into each queue file and its reader woken right here, as a timerfd
 * wakes its reader from its hrtimer: no softirq in between. A netlink
 * subscriber cannot be sent anything with IRQs off: a mailbox with one takes
 * nothing, nor does one whose subscribers would overdraw this CPU's budget
 * (HSX_MBOX_IRQ_BUDGET_PER_MS). Then nothing is numbered or counted, and the
 * caller posts the event from softirq or process context (hsx_mbox_post_at()).
 *
 * Context: IRQs off (a hard interrupt); a mailbox with ops->post_hardirq and
 * no ops->accept; not PREEMPT_RT, where mbox->irq_lock sleeps. Return: true
 * when posted.
 */
bool hsx_mbox_post_irq(struct hsx_mbox *mbox, const void *payload, u64 timestamp_ns)
{
	bool posted = false;

	lockdep_assert_irqs_disabled();
	if (WARN_ON_ONCE(!hsx_mbox_hard(mbox) || mbox->ops->accept))
		return false;
	spin_lock(&mbox->irq_lock);
	if (!mbox->n_netlink && hsx_mbox_irq_budget_take(1 + mbox->n_subs)) {
		hsx_mbox_post_locked(mbox, HSX_EVT_DATA, payload, timestamp_ns);
		posted = true;
	}
	spin_unlock(&mbox->irq_lock);
	return posted;
}

/**
 * hsx_mbox_post - post an event that happens now
 * @mbox: the mailbox
 * @payload: module data, passed to ops->fill
 *
 * Context: as hsx_mbox_post_at().
 */
void hsx_mbox_post(struct hsx_mbox *mbox, const void *payload)
{
	hsx_mbox_post_at(mbox, payload, ktime_get_ns());
}

/**
 * hsx_mbox_post_lost - account for events lost before they could be posted
 * @mbox: the mailbox
 * @n: how many (e.g. edges an IRQ had no room to record)
 *
 * They take sequence numbers and count as dropped for every subscriber, so
 * the next event each receives reports them. Context: as hsx_mbox_post().
 */
void hsx_mbox_post_lost(struct hsx_mbox *mbox, u64 n)
{
	struct hsx_mbox_sub *sub;

	if (WARN_ON_ONCE(in_hardirq() || irqs_disabled() || mbox->ops->accept) || !n)
		return;
	hsx_mbox_lock(mbox);
	mbox->seq += n;
	mbox->events += n;
	atomic64_add(n, &hsx_stat_events);
	list_for_each_entry(sub, &mbox->subs, mbox_node) {
		if (sub->gone)
			continue;
		sub->pending_drops = min_t(u64, (u64)sub->pending_drops + n, U32_MAX);
		sub->total_drops += n;
		mbox->drops += n;
		atomic64_add(n, &hsx_stat_drops);
	}
	hsx_mbox_unlock(mbox);
}

/* Forget @user once it holds nothing. */
static void hsx_mbox_user_trim_locked(struct hsx_mbox_user *user)
{
	lockdep_assert_held(&hsx_mbox_mutex);
	if (user && !user->subs) {
		hash_del(&user->node);
		kfree(user);
	}
}

/* A subscription's filter goes with it, made or not. */
static void hsx_mbox_sub_put_filter(struct hsx_mbox_sub *sub)
{
	if (sub->filter)
		sub->ops->filter_put(sub->filter);
	sub->filter = NULL;
}

static void hsx_mbox_free_sub(struct hsx_mbox_sub *sub)
{
	struct hsx_mbox_port *port = sub->port;

	lockdep_assert_held(&hsx_mbox_mutex);
	hsx_mbox_sub_put_filter(sub);
	hsx_mbox_n_subs--;
	if (sub->user) {
		sub->user->subs--;
		sub->user->records -= sub->records;
		hsx_mbox_user_trim_locked(sub->user);
		sub->user = NULL;
	}
	if (sub->queue) {
		/* Its file frees the queue. */
		sub->queue->sub = NULL;
		/* The owner outlives this by a grace period (ops->reader_here). */
		RCU_INIT_POINTER(sub->queue->owner, NULL);
		kfree(sub);
		return;
	}
	if (sub->spare)
		hsx_mbox_transport->free(sub->spare);
	list_del(&sub->port_node);
	if (!--port->n_subs)
		hsx_mbox_free_port(port);
	kfree(sub);
}

/* Try to queue a subscriber's close notice. Returns true when it is settled. */
static bool hsx_mbox_send_closed(struct hsx_mbox_sub *sub)
{
	struct hsx_mbox_event ev = {
		.mbox_id = sub->mbox_id,
		.type = HSX_EVT_CLOSED,
		.seq = sub->closed_seq,
		.timestamp_ns = sub->closed_ns,
		.dropped = sub->pending_drops,
		.dropped_total = sub->total_drops,
		.close_reason = sub->close_reason,
	};
	int ret;

	if (sub->gone)
		return true;
	if (sub->queue) {
		hsx_mbox_queue_close(sub->queue, &ev);
		atomic64_inc(&hsx_stat_deliveries);
		return true;
	}
	ret = hsx_mbox_transport->deliver(sub->port->portid, sub->port->dest, &ev, NULL);
	if (!ret)
		atomic64_inc(&hsx_stat_deliveries);
	return !ret || ret == -ECONNREFUSED;
}

/*
 * Send the close notices of subscribers just taken off their mailbox (BHs
 * off, IRQs on: netlink), moving each to @settled or to @orphans.
 */
static void hsx_mbox_send_all_closed(struct list_head *closing, struct list_head *settled,
				     struct list_head *orphans)
{
	struct hsx_mbox_sub *sub, *tmp;

	list_for_each_entry_safe(sub, tmp, closing, mbox_node)
		list_move_tail(&sub->mbox_node, hsx_mbox_send_closed(sub) ? settled : orphans);
}

/* Retry every orphan's close notice; free those that are settled. */
static void hsx_mbox_retry_orphans_locked(void)
{
	struct hsx_mbox_sub *sub, *tmp;
	bool settled;

	lockdep_assert_held(&hsx_mbox_mutex);
	list_for_each_entry_safe(sub, tmp, &hsx_mbox_orphans, mbox_node) {
		local_bh_disable();	/* the transport must not sleep */
		settled = hsx_mbox_send_closed(sub);
		local_bh_enable();
		if (settled) {
			list_del(&sub->mbox_node);
			hsx_mbox_free_sub(sub);
		}
	}
}

/**
 * hsx_mbox_retry_orphans - retry undelivered close notices now
 *
 * Return: the number still undelivered. The work item calls this; KUnit too.
 */
unsigned int hsx_mbox_retry_orphans(void)
{
	struct hsx_mbox_sub *sub;
	unsigned int n = 0;

	mutex_lock(&hsx_mbox_mutex);
	hsx_mbox_retry_orphans_locked();
	list_for_each_entry(sub, &hsx_mbox_orphans, mbox_node)
		n++;
	mutex_unlock(&hsx_mbox_mutex);
	return n;
}

static void hsx_mbox_retry_work_fn(struct work_struct *work)
{
	if (hsx_mbox_retry_orphans())
		schedule_delayed_work(&hsx_mbox_retry_work,
				      msecs_to_jiffies(HSX_MBOX_RETRY_MS));
}

/**
 * hsx_mbox_destroy - tell every subscriber the mailbox is closed, and free it
 * @mbox: the mailbox; its owner no longer posts to it
 * @reason: enum hsx_close_reason, passed on to subscribers
 *
 * Context: process.
 */
void hsx_mbox_destroy(struct hsx_mbox *mbox, u32 reason)
{
	struct hsx_mbox_sub *sub, *tmp;
	LIST_HEAD(closing);
	LIST_HEAD(settled);
	LIST_HEAD(orphans);
	u64 now;

	mutex_lock(&hsx_mbox_mutex);
	xa_erase(&hsx_mbox_by_id, mbox->id);
	hash_del(&mbox->by_name);
	hsx_mbox_gen++;

	hsx_mbox_lock(mbox);
	mbox->seq++;
	mbox->events++;
	atomic64_inc(&hsx_stat_events);
	now = ktime_get_ns();
	list_for_each_entry(sub, &mbox->subs, mbox_node) {
		sub->closed_seq = hsx_mbox_closed_seq(mbox, sub);
		sub->closed_ns = now;
		sub->close_reason = reason;
		sub->mbox = NULL;
	}
	list_splice_init(&mbox->subs, &closing);
	mbox->n_subs = 0;
	mbox->n_netlink = 0;
	hsx_mbox_unlock_irq(mbox);
	/* Off the list, nothing posts to them: each notice follows their last event. */
	hsx_mbox_send_all_closed(&closing, &settled, &orphans);
	spin_unlock_bh(&mbox->lock);

	list_for_each_entry_safe(sub, tmp, &settled, mbox_node)
		hsx_mbox_free_sub(sub);
	if (!list_empty(&orphans)) {
		list_splice_tail(&orphans, &hsx_mbox_orphans);
		schedule_delayed_work(&hsx_mbox_retry_work,
				      msecs_to_jiffies(HSX_MBOX_RETRY_MS));
	}
	mutex_unlock(&hsx_mbox_mutex);

	atomic64_dec(&hsx_stat_mailboxes);
	kfree(mbox);
}

/**
 * hsx_mbox_close_token - end every subscription made under @token
 * @token: what may_subscribe put in hsx_mbox_auth.token (not NULL)
 * @reason: enum hsx_close_reason for their close notices
 *
 * Each such subscriber gets its close notice (never dropped, as for
 * hsx_mbox_destroy()); the mailboxes stay for the others. The notice takes a
 * sequence number of its mailbox, so the others see a gap in HSX_A_EVT_SEQ
 * without any drop being reported to them.
 *
 * Context: process. Cost: every subscription; this is the revocation path.
 */
void hsx_mbox_close_token(const void *token, u32 reason)
{
	struct hsx_mbox_sub *sub, *tmp;
	struct hsx_mbox *mbox;
	unsigned long index;
	LIST_HEAD(settled);
	LIST_HEAD(orphans);
	u64 now = ktime_get_ns();

	mutex_lock(&hsx_mbox_mutex);
	xa_for_each(&hsx_mbox_by_id, index, mbox) {
		LIST_HEAD(closing);

		hsx_mbox_lock(mbox);
		list_for_each_entry_safe(sub, tmp, &mbox->subs, mbox_node) {
			if (sub->token != token)
				continue;
			mbox->seq++;
			mbox->events++;
			atomic64_inc(&hsx_stat_events);
			sub->closed_seq = hsx_mbox_closed_seq(mbox, sub);
			sub->closed_ns = now;
			sub->close_reason = reason;
			sub->mbox = NULL;
			mbox->n_subs--;
			mbox->n_netlink -= !!sub->port;
			list_move_tail(&sub->mbox_node, &closing);
		}
		hsx_mbox_unlock_irq(mbox);
		hsx_mbox_send_all_closed(&closing, &settled, &orphans);
		spin_unlock_bh(&mbox->lock);
	}
	list_for_each_entry_safe(sub, tmp, &settled, mbox_node)
		hsx_mbox_free_sub(sub);
	if (!list_empty(&orphans)) {
		list_splice_tail(&orphans, &hsx_mbox_orphans);
		schedule_delayed_work(&hsx_mbox_retry_work,
				      msecs_to_jiffies(HSX_MBOX_RETRY_MS));
	}
	hsx_mbox_gen++;
	mutex_unlock(&hsx_mbox_mutex);
}

void *hsx_mbox_owner(const struct hsx_mbox *mbox)
{
	return mbox->owner;
}

u32 hsx_mbox_id(const struct hsx_mbox *mbox)
{
	return mbox->id;
}

u64 hsx_mbox_drops(struct hsx_mbox *mbox)
{
	u64 drops;

	hsx_mbox_lock(mbox);
	drops = mbox->drops;
	hsx_mbox_unlock(mbox);
	return drops;
}

/**
 * hsx_mbox_principal - who the caller's subscriptions are charged to
 *
 * The effective uid, except inside user namespaces a user made: there the
 * outermost owner that is not root, so that a user who maps a range of
 * subordinate uids is still one user, not one per uid it holds. Namespaces
 * root made (containers given their own uid ranges, sandboxes) are not one
 * user: each uid in them is charged as itself. The dump filter uses the
 * same principal.
 */
kuid_t hsx_mbox_principal(void)
{
	const struct user_namespace *ns;
	kuid_t owner = INVALID_UID;

	for (ns = current_user_ns(); ns != &init_user_ns; ns = ns->parent)
		if (!uid_eq(ns->owner, GLOBAL_ROOT_UID))
			owner = ns->owner;	/* the last one seen is the outermost */
	return uid_valid(owner) ? owner : current_euid();
}

static unsigned int hsx_mbox_user_subs_in(struct hsx_mbox *mbox, const struct hsx_mbox_user *user)
{
	struct hsx_mbox_sub *sub;
	unsigned int n = 0;

	hsx_mbox_lock(mbox);
	list_for_each_entry(sub, &mbox->subs, mbox_node)
		n += sub->user == user;
	hsx_mbox_unlock(mbox);
	return n;
}

/*
 * The caller's share, from the table or made of @spare (which it then
 * takes: *spare becomes NULL), checked for room for one more subscription
 * of @mbox with @records queued records. NULL for a privileged caller.
 */
static struct hsx_mbox_user *hsx_mbox_user_admit_locked(struct hsx_mbox *mbox,
							const struct hsx_mbox_auth *auth,
							unsigned int records,
							struct hsx_mbox_user **spare)
{
	kuid_t uid = hsx_mbox_principal();
	struct hsx_mbox_user *user;

	lockdep_assert_held(&hsx_mbox_mutex);
	if (auth->privileged)
		return NULL;
	hash_for_each_possible(hsx_mbox_users, user, node, __kuid_val(uid))
		if (uid_eq(user->uid, uid))
			goto check;
	if (!*spare)
		return ERR_PTR(-ENOMEM);
	user = *spare;
	*spare = NULL;
	user->uid = uid;
	hash_add(hsx_mbox_users, &user->node, __kuid_val(uid));
check:
	if (user->subs >= HSX_MBOX_USER_SUBSCRIPTIONS ||
	    user->records + records > HSX_MBOX_USER_QUEUE_RECORDS ||
	    hsx_mbox_user_subs_in(mbox, user) >= HSX_MBOX_USER_PER_MAILBOX) {
		hsx_mbox_user_trim_locked(user);
		return ERR_PTR(-ENOSPC);
	}
	return user;
}

/*
 * The mailbox @name, if its owner lets @auth listen and it has room for one
 * more subscriber with @records queued records, also within the caller's
 * share; else an ERR_PTR() (-ENOENT, the owner's errno, -ENOSPC, -ENOMEM).
 * @sub is charged to the share; hsx_mbox_link_locked() or
 * hsx_mbox_unadmit_locked() follows.
 *
 * Refusals do not tell what exists. A hidden mailbox (ops->hidden: a timer's,
 * "hal:cap:<id>", "hal:caps") is of an object the caller has no claim on
 * unless its owner admits it: another uid's timer, another holder's
 * capability, every capability for a non-administrator. Its refusal, whatever
 * errno the owner gave, is -ENOENT, as for a name no mailbox has; and no
 * limit is checked before the owner (a full mailbox's -ENOSPC would tell as
 * much). Netlink's extended ack is chosen by the errno (genl.c), so it is
 * the same "no such mailbox" too. Else which timer and capability IDs are
 * live would be any caller's for the asking, on either transport (netlink
 * HSX_CMD_MBOX_OPEN, HSX_IOC_MBOX_OPEN). Public mailboxes (a GPIO pin's)
 * keep the owner's errno: -EACCES there means "obtain a capability and
 * retry", and which pins exist is no secret.
 */
static struct hsx_mbox *hsx_mbox_admit_locked(const char *name, struct hsx_mbox_auth *auth,
					      struct hsx_mbox_sub *sub, unsigned int records,
					      struct hsx_mbox_user **spare)
{
	struct hsx_mbox_user *user;
	struct hsx_mbox *mbox;
	int ret;

	lockdep_assert_held(&hsx_mbox_mutex);
	mbox = hsx_mbox_find_name(name);
	if (!mbox)
		return ERR_PTR(-ENOENT);
	if (mbox->ops->may_subscribe) {
		ret = mbox->ops->may_subscribe(mbox, auth);
		if (ret)
			return ERR_PTR(mbox->ops->hidden ? -ENOENT : ret);
	}
	/* From here on @sub owns the filter, linked or not (hsx_mbox_sub_discard()). */
	sub->ops = mbox->ops;
	sub->filter = auth->filter;
	auth->filter = NULL;
	if (WARN_ON_ONCE(mbox->ops->accept && !sub->filter))
		return ERR_PTR(-EINVAL);
	if (mbox->n_subs >= HSX_MBOX_MAX_SUBSCRIBERS ||
	    hsx_mbox_n_subs >= HSX_MBOX_MAX_SUBSCRIPTIONS)
		return ERR_PTR(-ENOSPC);
	user = hsx_mbox_user_admit_locked(mbox, auth, records, spare);
	if (IS_ERR(user))
		return ERR_CAST(user);
	sub->user = user;
	sub->records = records;
	if (user) {
		user->subs++;
		user->records += records;
	}
	return mbox;
}

/* Undo hsx_mbox_admit_locked()'s charge for a @sub that was never linked. */
static void hsx_mbox_unadmit_locked(struct hsx_mbox_sub *sub)
{
	lockdep_assert_held(&hsx_mbox_mutex);
	if (!sub->user)
		return;
	sub->user->subs--;
	sub->user->records -= sub->records;
	hsx_mbox_user_trim_locked(sub->user);
	sub->user = NULL;
}

/* Make @sub, its transport's part set, a subscriber of @mbox. */
static void hsx_mbox_link_locked(struct hsx_mbox *mbox, struct hsx_mbox_sub *sub,
				 const struct hsx_mbox_auth *auth)
{
	lockdep_assert_held(&hsx_mbox_mutex);
	sub->mbox = mbox;
	sub->mbox_id = mbox->id;
	sub->token = auth->token;
	hsx_mbox_n_subs++;

	hsx_mbox_lock(mbox);
	list_add_tail(&sub->mbox_node, &mbox->subs);
	mbox->n_subs++;
	mbox->n_netlink += !!sub->port;
	hsx_mbox_unlock(mbox);
	hsx_mbox_gen++;
}

/* Free a subscription that was never linked, and the filter it took. */
static void hsx_mbox_sub_discard(struct hsx_mbox_sub *sub)
{
	hsx_mbox_sub_put_filter(sub);
	kfree(sub);
}

/*
 * A subscription and a spare share entry, made before hsx_mbox_mutex is
 * taken: admitting may need the spare (a user's first subscription).
 */
static int hsx_mbox_sub_alloc(struct hsx_mbox_sub **sub, struct hsx_mbox_user **spare)
{
	*sub = kzalloc(sizeof(**sub), GFP_KERNEL);
	*spare = kzalloc(sizeof(**spare), GFP_KERNEL);
	if (*sub && *spare)
		return 0;
	kfree(*sub);
	kfree(*spare);
	return -ENOMEM;
}

/**
 * hsx_mbox_subscribe - subscribe a netlink port to a mailbox
 * @name: the mailbox's name
 * @portid: the subscriber
 * @auth: who asks, for ops->may_subscribe
 * @id: set to the mailbox's ID
 *
 * Context: process, in the subscriber's task (for ops->may_subscribe).
 * Return: 0, -ENOENT no such mailbox (or a hidden one refused), the owner's
 * refusal (-EPERM, -EACCES, ...), -EEXIST already subscribed, -ENOSPC a
 * subscription limit, -ENOMEM.
 */
int hsx_mbox_subscribe(const char *name, u32 portid, void *dest, struct hsx_mbox_auth *auth,
		       u32 *id)
{
	struct hsx_mbox_port *port, *new_port = NULL;
	struct hsx_mbox_user *spare;
	struct hsx_mbox_sub *sub;
	struct hsx_mbox *mbox;
	int ret;

	if (hsx_mbox_sub_alloc(&sub, &spare))
		return -ENOMEM;

	mutex_lock(&hsx_mbox_mutex);
	mbox = hsx_mbox_admit_locked(name, auth, sub, 0, &spare);
	if (IS_ERR(mbox)) {
		ret = PTR_ERR(mbox);
		goto err_unlock;
	}

	port = hsx_mbox_find_port(portid, dest);
	if (port) {
		struct hsx_mbox_sub *s;

		ret = -EEXIST;
		list_for_each_entry(s, &port->subs, port_node)
			if (s->mbox == mbox)
				goto err_unadmit;
	}

	ret = -ENOSPC;
	if (port && port->n_subs >= HSX_MBOX_MAX_PER_SOCKET)
		goto err_unadmit;

	if (!port) {
		ret = -ENOMEM;
		new_port = kzalloc(sizeof(*new_port), GFP_KERNEL);
		if (!new_port)
			goto err_unadmit;
		new_port->portid = portid;
		new_port->dest = dest;
		if (hsx_mbox_transport->dest_hold)
			hsx_mbox_transport->dest_hold(dest);
		INIT_LIST_HEAD(&new_port->subs);
		hash_add(hsx_mbox_ports, &new_port->node, portid);
		port = new_port;
	}

	sub->port = port;
	/* Without one, its first event allocates as it is delivered. */
	if (hsx_mbox_transport->alloc)
		sub->spare = hsx_mbox_transport->alloc(mbox->ops, GFP_KERNEL);
	list_add_tail(&sub->port_node, &port->subs);
	port->n_subs++;
	hsx_mbox_link_locked(mbox, sub, auth);
	*id = mbox->id;
	mutex_unlock(&hsx_mbox_mutex);
	kfree(spare);
	return 0;

err_unadmit:
	hsx_mbox_unadmit_locked(sub);
err_unlock:
	mutex_unlock(&hsx_mbox_mutex);
	hsx_mbox_sub_discard(sub);
	kfree(spare);
	return ret;
}

static void hsx_mbox_unlink_sub(struct hsx_mbox_sub *sub)
{
	struct hsx_mbox *mbox = sub->mbox;

	lockdep_assert_held(&hsx_mbox_mutex);
	if (mbox) {
		hsx_mbox_lock(mbox);
		list_del(&sub->mbox_node);
		mbox->n_subs--;
		mbox->n_netlink -= !!sub->port;
		hsx_mbox_unlock(mbox);
	} else {
		list_del(&sub->mbox_node);	/* an orphan */
	}
	hsx_mbox_free_sub(sub);
	hsx_mbox_gen++;
}

/**
 * hsx_mbox_unsubscribe - end one subscription of a port
 * Return: 0, or -ENOENT when @portid's @dest is not subscribed to mailbox @id.
 */
int hsx_mbox_unsubscribe(u32 id, u32 portid, void *dest)
{
	struct hsx_mbox_port *port;
	struct hsx_mbox_sub *sub;
	int ret = -ENOENT;

	mutex_lock(&hsx_mbox_mutex);
	port = hsx_mbox_find_port(portid, dest);
	if (port) {
		list_for_each_entry(sub, &port->subs, port_node) {
			if (sub->mbox_id == id) {
				hsx_mbox_unlink_sub(sub);
				ret = 0;
				break;
			}
		}
	}
	mutex_unlock(&hsx_mbox_mutex);
	return ret;
}

/**
 * hsx_mbox_subscribe_queue - subscribe a new queue file's queue to a mailbox
 * @name: the mailbox's name
 * @auth: who asks, for ops->may_subscribe
 * @len: records the queue holds, 1..HSX_MBOX_QUEUE_MAX
 * @queue: set to the queue, for hsx_mbox_queue_file(); events may be queued
 *	from now on
 *
 * Context: process, in the subscriber's task. Return: 0, -ENOENT no such
 * mailbox (or a hidden one refused), the owner's refusal (-EPERM, -EACCES,
 * ...), -ENOSPC a limit, -EINVAL, -ENOMEM.
 */
int hsx_mbox_subscribe_queue(const char *name, struct hsx_mbox_auth *auth, unsigned int len,
			     struct hsx_mbox_queue **queue)
{
	struct hsx_mbox_user *spare;
	struct hsx_mbox_queue *q;
	struct hsx_mbox_sub *sub;
	struct hsx_mbox *mbox;
	int ret;

	if (!len || len > HSX_MBOX_QUEUE_MAX)
		return -EINVAL;
	if (hsx_mbox_sub_alloc(&sub, &spare))
		return -ENOMEM;

	mutex_lock(&hsx_mbox_mutex);
	mbox = hsx_mbox_admit_locked(name, auth, sub, len, &spare);
	if (IS_ERR(mbox)) {
		ret = PTR_ERR(mbox);
		goto err_unlock;
	}
	q = hsx_mbox_queue_alloc(len, mbox->ops->module, mbox->ops->record_size);
	if (IS_ERR(q)) {
		ret = PTR_ERR(q);
		hsx_mbox_unadmit_locked(sub);
		goto err_unlock;
	}

	sub->queue = q;
	q->sub = sub;
	q->mbox_id = mbox->id;
	if (mbox->ops->reader_here && auth->follow) {
		q->reader_here = mbox->ops->reader_here;
		rcu_assign_pointer(q->owner, mbox->owner);
	}
	hsx_mbox_link_locked(mbox, sub, auth);
	*queue = q;
	mutex_unlock(&hsx_mbox_mutex);
	kfree(spare);
	return 0;

err_unlock:
	mutex_unlock(&hsx_mbox_mutex);
	hsx_mbox_sub_discard(sub);
	kfree(spare);
	return ret;
}

/**
 * hsx_mbox_end_queue - end a queue's subscription at its subscriber's request
 * @queue: from hsx_mbox_subscribe_queue(); stays its file's
 *
 * Return: 0, or -ENOENT when the subscription had ended already.
 */
int hsx_mbox_end_queue(struct hsx_mbox_queue *queue)
{
	int ret = -ENOENT;

	mutex_lock(&hsx_mbox_mutex);
	if (queue->sub) {
		hsx_mbox_unlink_sub(queue->sub);
		hsx_mbox_queue_end(queue);
		ret = 0;
	}
	mutex_unlock(&hsx_mbox_mutex);
	return ret;
}

/**
 * hsx_mbox_unsubscribe_queue - end a queue's subscription, if it has not
 *	ended, and free the queue
 * @queue: from hsx_mbox_subscribe_queue()
 */
void hsx_mbox_unsubscribe_queue(struct hsx_mbox_queue *queue)
{
	mutex_lock(&hsx_mbox_mutex);
	if (queue->sub)
		hsx_mbox_unlink_sub(queue->sub);
	mutex_unlock(&hsx_mbox_mutex);
	hsx_mbox_queue_free(queue);
}

/**
 * hsx_mbox_release_port - end every subscription of a closed socket
 * @portid: the socket's port
 *
 * A socket gives its port number back before it says it closed: another
 * socket may have bound the number and subscribed meanwhile. Only the
 * subscriptions of subscribers that are gone end.
 */
void hsx_mbox_release_port(u32 portid)
{
	struct hsx_mbox_sub *sub, *tmp;
	struct hsx_mbox_port *port;
	struct hlist_node *next;

	mutex_lock(&hsx_mbox_mutex);
	hash_for_each_possible_safe(hsx_mbox_ports, port, next, node, portid) {
		unsigned int n = port->n_subs;

		if (port->portid != portid ||
		    (hsx_mbox_transport->dest_gone && !hsx_mbox_transport->dest_gone(port->dest)))
			continue;
		/* Freeing the last subscription frees the port: stop by count, not by list. */
		list_for_each_entry_safe(sub, tmp, &port->subs, port_node) {
			hsx_mbox_unlink_sub(sub);
			if (!--n)
				break;
		}
	}
	mutex_unlock(&hsx_mbox_mutex);
}

/* Does a subscription of @uid's listen to @mbox? */
static bool hsx_mbox_user_listens(struct hsx_mbox *mbox, kuid_t uid)
{
	struct hsx_mbox_sub *sub;
	bool found = false;

	hsx_mbox_lock(mbox);
	list_for_each_entry(sub, &mbox->subs, mbox_node) {
		if (sub->user && uid_eq(sub->user->uid, uid)) {
			found = true;
			break;
		}
	}
	hsx_mbox_unlock(mbox);
	return found;
}

/**
 * hsx_mbox_info_next - statistics of the first mailbox with ID >= *cursor
 * @cursor: in, where to start; out, advanced past the mailbox returned
 * @info: filled
 * @uid: NULL: any mailbox (the administrator's view); else only those a
 *	subscription of that principal (hsx_mbox_principal()) listens to: a
 *	mailbox's name and counts
 *	tell of its owner's activity, which is nobody else's business
 *
 * Return: 0, or -ENOENT when there is none.
 */
int hsx_mbox_info_next(unsigned long *cursor, struct hsx_mbox_info *info, const kuid_t *uid)
{
	struct hsx_mbox *mbox;
	int ret = -ENOENT;

	mutex_lock(&hsx_mbox_mutex);
	while ((mbox = xa_find(&hsx_mbox_by_id, cursor, ULONG_MAX, XA_PRESENT))) {
		*cursor = (unsigned long)mbox->id + 1;
		if (uid && !hsx_mbox_user_listens(mbox, *uid))
			continue;
		info->id = mbox->id;
		strscpy(info->name, mbox->name, sizeof(info->name));
		hsx_mbox_lock(mbox);
		info->subscribers = mbox->n_subs;
		info->seq = mbox->seq;
		info->events = mbox->events;
		info->drops = mbox->drops;
		hsx_mbox_unlock(mbox);
		ret = 0;
		break;
	}
	mutex_unlock(&hsx_mbox_mutex);
	return ret;
}

/* Changes with every mailbox or subscription change: dump consistency. */
unsigned int hsx_mbox_generation(void)
{
	unsigned int gen;

	mutex_lock(&hsx_mbox_mutex);
	gen = hsx_mbox_gen;
	mutex_unlock(&hsx_mbox_mutex);
	return gen;
}

void hsx_mbox_get_stats(struct hsx_mbox_stats *stats)
{
	stats->mailboxes = atomic64_read(&hsx_stat_mailboxes);
	stats->events = atomic64_read(&hsx_stat_events);
	stats->deliveries = atomic64_read(&hsx_stat_deliveries);
	stats->drops = atomic64_read(&hsx_stat_drops);
	mutex_lock(&hsx_mbox_mutex);
	stats->subscriptions = hsx_mbox_n_subs;
	mutex_unlock(&hsx_mbox_mutex);
}
