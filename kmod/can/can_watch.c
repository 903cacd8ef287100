// SPDX-License-Identifier: GPL-2.0
/*
 * RX-timeout watches (HSX_IOC_CAN_WATCH), what can-bcm's RX_SETUP with
 * RX_TIMEOUT gives: a watch of an open file on a bus for an ID and mask
 * posts one HSX_CAN_EV_RX_TIMEOUT record when no matching frame came for
 * its timeout, then waits for the next matching frame to start the timeout
 * again. Unlike bcm, the receive path (NET_RX softirq) does not restart
 * the watch's hrtimer for each matching frame: it stores the frame's time,
 * and the timer, when it fires, looks at it and sleeps on to the last
 * frame's time plus the timeout when one came. Only the first frame after
 * a record (the timer stopped) starts the timer. Per frame: no lock of
 * hsx's, a walk of the bus's watches under RCU (at most
 * HSX_CAN_WATCH_BUS_MAX; empty: one compare), and for a matching one a
 * counter and a timestamp.
 *
 * The stopped timer and the receive path meet at @quiet: the timer sets it
 * after its record, then looks at the last frame's time again; a frame
 * stores its time, then takes @quiet. Whichever of the two takes @quiet
 * (atomic_xchg) starts the timer, so a frame that came while the record
 * was posted is never lost, and the timer is never started twice.
 *
 * Locking: the file's lock serializes its slots; a bus's jobs_lock its list
 * of watches (RCU for the receive path) and their count; a watch's lock
 * guards its end, under which its record is posted, so that once
 * hsx_can_watches_bus_gone() or hsx_can_watches_cap_ended() ended a watch,
 * it posts to the bus's mailboxes no more.
 *
 * Work. A bus holds at most HSX_CAN_WATCH_BUS_MAX watches: a watch counts
 * there from its arming until it ends or is freed, whichever comes first.
 * An ended watch leaves the bus's list (the receive path sees it no more)
 * and stays in its slot only as a record for QUERY: its end and counts.
 *
 * Lifetimes. A watch holds a reference to its bus's instance. Freeing
 * takes it off the bus's list (if it is still there), waits for an RCU
 * grace period (the receive path restarts its timer no more), then cancels
 * the timer.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>

#include "can.h"
#include "cap.h"
#include "compat.h"
#include "core.h"
#include "instance.h"
#include "mailbox.h"

/**
 * struct hsx_can_watcher - one RX-timeout watch
 * @timer: fires after @timeout without a matching frame
 * @client: the file it posts for (its capability is checked at each record)
 * @cc: the file's CAN state
 * @bus: the bus, with a reference to its instance
 * @slot: its number in the file
 * @id: the ID watched
 * @mask: the bits compared
 * @ext: extended IDs (else standard)
 * @timeout: the silence that makes a record
 * @first: the first ID it matches, as capabilities name them
 * @last: the last
 * @frames: matching frames since armed
 * @timeouts: timeouts since armed
 * @seen_ns: the last matching frame's time (CLOCK_MONOTONIC), or the arming's
 * @quiet: the timer posted its record and stopped: the next frame starts it
 * @lock: guards @end and the posting of records
 * @end: HSX_CAN_END_*: once set, it counts and posts nothing more (the bus
 *	went, or the capability ended or no longer covers it)
 * @listed: on the bus's list, counted there; under the bus's jobs_lock
 * @bus_node: in the bus's watches (RCU), while @listed
 */
struct hsx_can_watcher {
	struct hrtimer timer;
	struct hsx_client *client;
	struct hsx_can_client *cc;
	struct hsx_can_bus *bus;
	u32 slot;
	u32 id;
	u32 mask;
	bool ext;
	ktime_t timeout;
	u32 first;
	u32 last;
	atomic64_t frames;
	atomic64_t timeouts;
	atomic64_t seen_ns;
	atomic_t quiet;
	spinlock_t lock;		/* see above */
	u32 end;
	bool listed;
	struct list_head bus_node;
};

/* The uAPI's rules for the argument: 0 or -EINVAL. */
int hsx_can_check_watch(const struct hsx_can_watch *w)
{
	u32 format;

	if (w->slot >= HSX_CAN_WATCH_MAX || w->op > HSX_CAN_WATCH_QUERY || w->end)
		return -EINVAL;
	if (w->op != HSX_CAN_WATCH_ARM)
		return w->flags || w->id || w->mask || w->timeout_us ? -EINVAL : 0;
	if (w->flags != HSX_CAN_FLT_STD && w->flags != HSX_CAN_FLT_EXT)
		return -EINVAL;
	format = w->flags == HSX_CAN_FLT_EXT ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK;
	if (w->id & ~format || w->mask & ~format)
		return -EINVAL;
	if (w->timeout_us < HSX_CAN_PERIODIC_MIN_US || w->timeout_us > HSX_CAN_PERIODIC_MAX_US)
		return -EINVAL;
	return 0;
}

/*
 * The IDs @w matches lie in first..last (as capabilities name them), and
 * every ID between is one a range holding both ends holds: check the ends.
 */
void hsx_can_watch_span(const struct hsx_can_watch *w, u32 *first, u32 *last)
{
	bool ext = w->flags == HSX_CAN_FLT_EXT;
	u32 format = ext ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK;
	u8 flags = ext ? HSX_CAN_F_EXT : 0;

	*first = hsx_can_sel_id(w->id & w->mask, flags);
	*last = hsx_can_sel_id((w->id & w->mask) | (~w->mask & format), flags);
}

/*
 * @w saw a frame at @now_ns: the latest time kept, so that a frame stamped
 * earlier on another CPU, stored later, does not move it back (release:
 * pairs with the timer's acquire).
 */
static void hsx_can_watch_seen(struct hsx_can_watcher *w, u64 now_ns)
{
	s64 seen = atomic64_read(&w->seen_ns);

	do {
		if ((u64)seen >= now_ns)
			return;
	} while (!atomic64_try_cmpxchg_release(&w->seen_ns, &seen, now_ns));
}

/*
 * Every data frame on the bus, received at @now_ns (CLOCK_MONOTONIC), from
 * its receive path (softirq, under RCU): each matching watch that has not
 * ended takes the frame's time; a watch whose timer stopped after a record
 * starts it.
 */
void hsx_can_watches_rcv(struct hsx_can_bus *bus, const struct hsx_can_frame *f, u64 now_ns)
{
	bool ext = f->flags & HSX_CAN_F_EXT;
	struct hsx_can_watcher *w;

	list_for_each_entry_rcu(w, &bus->watches, bus_node) {
		if (w->ext != ext || (f->can_id & w->mask) != (w->id & w->mask) ||
		    READ_ONCE(w->end))
			continue;
		hsx_can_watch_seen(w, now_ns);
		atomic64_inc(&w->frames);
		/* The time stored before @quiet is read: pairs with the timer's barrier. */
		smp_mb__after_atomic();
		if (atomic_read(&w->quiet) && atomic_xchg(&w->quiet, 0))
			hrtimer_start(&w->timer, w->timeout, HRTIMER_MODE_REL_SOFT);
	}
}

/*
 * Take @w off its bus's list, once, and out of the bus's count; the caller
 * of hsx_can_watch_free() waits a grace period first. Context: under the
 * bus's jobs_lock.
 */
static void hsx_can_watch_unlist(struct hsx_can_watcher *w)
{
	lockdep_assert_held(&w->bus->jobs_lock);
	if (!w->listed)
		return;
	list_del_rcu(&w->bus_node);
	w->listed = false;
	w->bus->watch_count--;
}

/*
 * End @w for @reason, once: it counts and posts nothing more, and leaves
 * its bus's list and count (by the caller where it holds the bus's
 * jobs_lock: @bus_locked). Context: not hard IRQ.
 */
static void hsx_can_watch_end(struct hsx_can_watcher *w, u32 reason, bool bus_locked)
{
	unsigned long flags;

	spin_lock_irqsave(&w->lock, flags);
	if (!w->end)
		WRITE_ONCE(w->end, reason);
	spin_unlock_irqrestore(&w->lock, flags);
	if (bus_locked)
		return;
	spin_lock_bh(&w->bus->jobs_lock);
	hsx_can_watch_unlist(w);
	spin_unlock_bh(&w->bus->jobs_lock);
}

/* Sleep on to @seen_ns + the timeout. */
static enum hrtimer_restart hsx_can_watch_until(struct hsx_can_watcher *w, u64 seen_ns)
{
	hrtimer_set_expires(&w->timer, ktime_add(ns_to_ktime(seen_ns), w->timeout));
	return HRTIMER_RESTART;
}

static enum hrtimer_restart hsx_can_watch_fire(struct hrtimer *timer)
{
	struct hsx_can_watcher *w = container_of(timer, struct hsx_can_watcher, timer);
	/* The clock first: a frame's time read after it is never later than it. */
	u64 now_ns = ktime_get_ns();
	u64 seen_ns = atomic64_read_acquire(&w->seen_ns);
	struct hsx_can_event ev = {
		.rec.bus = w->bus->index,
		.rec.kind = HSX_CAN_EV_RX_TIMEOUT,
		.rec.state = w->slot,
		.rec.frame.can_id = w->id,
		.rec.frame.flags = w->ext ? HSX_CAN_F_EXT : 0,
		.to = w->cc,
	};
	int idx, ret;

	if (READ_ONCE(w->end))
		return HRTIMER_NORESTART;
	/* A frame came since the timer was set: no silence yet. */
	if (now_ns < seen_ns + ktime_to_ns(w->timeout))
		return hsx_can_watch_until(w, seen_ns);

	/* The capability must still let the file receive every ID watched. */
	idx = srcu_read_lock(&hsx_cap_srcu);
	ret = hsx_cap_check_held(w->client, &hsx_can_module, HSX_CAP_R_READ,
				 HSX_CAN_OBJ_RX(w->bus->index, w->first)) ?:
	      hsx_cap_check_held(w->client, &hsx_can_module, HSX_CAP_R_READ,
				 HSX_CAN_OBJ_RX(w->bus->index, w->last));
	srcu_read_unlock(&hsx_cap_srcu, idx);
	if (ret) {
		hsx_can_watch_end(w, HSX_CAN_END_REVOKED, false);
		return HRTIMER_NORESTART;
	}

	spin_lock(&w->lock);
	if (!w->end) {
		ev.rec.cookie = atomic64_inc_return(&w->timeouts);
		hsx_mbox_post(w->bus->rx_mbox, &ev);
	}
	spin_unlock(&w->lock);

	/* Stopped, until a frame starts it; one that came meanwhile does now. */
	atomic_set(&w->quiet, 1);
	smp_mb();			/* pairs with the receive path's */
	if (atomic64_read(&w->seen_ns) != seen_ns && atomic_xchg(&w->quiet, 0))
		return hsx_can_watch_until(w, atomic64_read(&w->seen_ns));
	return HRTIMER_NORESTART;
}

/* Take @w off its bus; the caller waits a grace period, then hsx_can_watch_free(). */
static void hsx_can_watch_unlink(struct hsx_can_watcher *w)
{
	spin_lock_bh(&w->bus->jobs_lock);
	hsx_can_watch_unlist(w);
	spin_unlock_bh(&w->bus->jobs_lock);
}

/* After hsx_can_watch_unlink() and a grace period. Context: process. */
static void hsx_can_watch_free(struct hsx_can_watcher *w)
{
	struct hsx_can_bus *bus = w->bus;

	hrtimer_cancel(&w->timer);	/* nothing restarts it now */
	kfree(w);
	hsx_instance_put(bus->inst);	/* may free bus */
}

/* May @client receive IDs @first..@last of bus @bus: what ARM needs. 0 or a denial. */
static int hsx_can_watch_authorize(struct hsx_client *client, u32 bus, u32 first, u32 last)
{
	return hsx_can_authorize(client, HSX_CAP_R_READ, HSX_CAN_OBJ_RX(bus, first)) ?:
	       hsx_can_authorize(client, HSX_CAP_R_READ, HSX_CAN_OBJ_RX(bus, last));
}

/*
 * May @client read @w: what ARM needed, still. 0 or a denial; with @ask, a
 * question, neither counted nor logged (DISARM needs nothing).
 */
static int hsx_can_watch_readable(struct hsx_client *client, struct hsx_can_watcher *w, bool ask)
{
	u32 bus = w->bus->index;

	if (!ask)
		return hsx_can_watch_authorize(client, bus, w->first, w->last);
	return hsx_can_may(client, HSX_CAP_R_READ, HSX_CAN_OBJ_RX(bus, w->first)) ?:
	       hsx_can_may(client, HSX_CAP_R_READ, HSX_CAN_OBJ_RX(bus, w->last));
}

/* Its end always; its counts where @readable. */
static void hsx_can_watch_report(struct hsx_can_watcher *w, struct hsx_can_watch *arg,
				 bool readable)
{
	arg->end = READ_ONCE(w->end);
	arg->frames = readable ? atomic64_read(&w->frames) : 0;
	arg->timeouts = readable ? atomic64_read(&w->timeouts) : 0;
}

static long hsx_can_watch_arm(struct hsx_client *client, struct hsx_can_watch *arg)
{
	struct hsx_can_client *cc = hsx_can_client_of(client);
	struct hsx_can_watcher *w, *old;
	struct hsx_can_bus *bus;
	u32 first, last;
	int idx, ret;

	hsx_can_watch_span(arg, &first, &last);
	ret = hsx_can_watch_authorize(client, arg->bus, first, last);
	if (ret)
		return ret;
	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return -ENOMEM;
	bus = hsx_can_get(client, arg->bus, &idx);
	if (IS_ERR(bus)) {
		kfree(w);
		return PTR_ERR(bus);
	}
	hsx_hrtimer_setup(&w->timer, hsx_can_watch_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	w->client = client;
	w->cc = cc;
	w->bus = bus;
	w->slot = arg->slot;
	w->id = arg->id;
	w->mask = arg->mask;
	w->ext = arg->flags == HSX_CAN_FLT_EXT;
	w->timeout = ns_to_ktime((u64)arg->timeout_us * NSEC_PER_USEC);
	w->first = first;
	w->last = last;
	atomic64_set(&w->seen_ns, ktime_get_ns());
	spin_lock_init(&w->lock);

	mutex_lock(&cc->lock);
	/*
	 * Again under the file's lock, which hsx_can_watches_cap_ended() runs
	 * under: a watch armed during a revocation is refused, not left
	 * armed after the revocation ended the file's watches.
	 */
	ret = hsx_can_watch_authorize(client, arg->bus, first, last);
	if (ret) {
		mutex_unlock(&cc->lock);
		hsx_can_put(bus, idx);
		kfree(w);
		return ret;
	}
	old = cc->watches[arg->slot];
	/* Inside the instance's SRCU section: an unbinding finds it on the list. */
	spin_lock_bh(&bus->jobs_lock);
	/* The slot's old watch, counted on this bus, makes room for its replacement. */
	if (bus->watch_count - (old && old->bus == bus && old->listed) >= HSX_CAN_WATCH_BUS_MAX) {
		spin_unlock_bh(&bus->jobs_lock);
		mutex_unlock(&cc->lock);
		hsx_can_put(bus, idx);
		kfree(w);
		return -ENOSPC;
	}
	list_add_tail_rcu(&w->bus_node, &bus->watches);
	w->listed = true;
	bus->watch_count++;
	spin_unlock_bh(&bus->jobs_lock);
	hsx_instance_get(bus->inst);
	cc->watches[arg->slot] = w;
	hrtimer_start(&w->timer, w->timeout, HRTIMER_MODE_REL_SOFT);
	if (old) {
		hsx_can_watch_unlink(old);
		synchronize_rcu();
		hsx_can_watch_free(old);
	}
	mutex_unlock(&cc->lock);
	hsx_can_put(bus, idx);
	return 0;
}

long hsx_can_watch(struct hsx_client *client, void *arg)
{
	struct hsx_can_client *cc = hsx_can_client_of(client);
	struct hsx_can_watch *p = arg;
	struct hsx_can_watcher *w;
	int ret;

	ret = hsx_can_check_bus(client, p->bus) ?: hsx_can_check_watch(p);
	if (ret)
		return ret;
	if (p->op == HSX_CAN_WATCH_ARM)
		return hsx_can_watch_arm(client, p);

	mutex_lock(&cc->lock);
	w = cc->watches[p->slot];
	if (!w || w->bus->index != p->bus) {
		ret = -ENOENT;
	} else if (p->op == HSX_CAN_WATCH_DISARM) {
		/* Freed whatever the capability; the counts only under it. */
		bool readable = !hsx_can_watch_readable(client, w, true);

		cc->watches[p->slot] = NULL;
		hsx_can_watch_unlink(w);
		synchronize_rcu();
		hrtimer_cancel(&w->timer);
		hsx_can_watch_report(w, p, readable);
		hsx_can_watch_free(w);
	} else {
		ret = hsx_can_watch_readable(client, w, false);
		if (!ret)
			hsx_can_watch_report(w, p, true);
	}
	mutex_unlock(&cc->lock);
	return ret;
}

/* The file closes: its watches end. Context: process. */
void hsx_can_watches_release(struct hsx_can_client *cc)
{
	bool any = false;
	unsigned int i;

	mutex_lock(&cc->lock);
	for (i = 0; i < HSX_CAN_WATCH_MAX; i++) {
		if (cc->watches[i]) {
			/* Ended ones left the list already, maybe within a grace period. */
			hsx_can_watch_unlink(cc->watches[i]);
			any = true;
		}
	}
	if (any)
		synchronize_rcu();	/* one grace period for them all */
	for (i = 0; i < HSX_CAN_WATCH_MAX; i++) {
		if (cc->watches[i])
			hsx_can_watch_free(cc->watches[i]);
		cc->watches[i] = NULL;
	}
	mutex_unlock(&cc->lock);
}

/*
 * The file's capability ended: its watches end (REVOKED) before their next
 * timeout would find out, count no frame more, and leave their bus's list
 * and count. Their timers are left to fire once at most, posting nothing;
 * the slots stay for QUERY. Context:
 * process, under the file's lock.
 */
void hsx_can_watches_cap_ended(struct hsx_can_client *cc)
{
	unsigned int i;

	lockdep_assert_held(&cc->lock);
	for (i = 0; i < HSX_CAN_WATCH_MAX; i++)
		if (cc->watches[i])
			hsx_can_watch_end(cc->watches[i], HSX_CAN_END_REVOKED, false);
}

/*
 * The bus goes: its watches end (GONE) and post nothing more, while its
 * mailboxes are still there. Context: process, after the instance's
 * operations ended.
 */
void hsx_can_watches_bus_gone(struct hsx_can_bus *bus)
{
	struct hsx_can_watcher *w, *next;

	spin_lock_bh(&bus->jobs_lock);
	list_for_each_entry_safe(w, next, &bus->watches, bus_node) {
		hsx_can_watch_end(w, HSX_CAN_END_GONE, true);
		hsx_can_watch_unlist(w);
	}
	spin_unlock_bh(&bus->jobs_lock);
}
