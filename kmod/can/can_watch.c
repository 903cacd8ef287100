// SPDX-License-Identifier: GPL-2.0
/*
 * RX-timeout watches (HSX_IOC_CAN_WATCH), what can-bcm's RX_SETUP with
 * RX_TIMEOUT gives: a watch of an open file on a bus for an ID and mask
 * posts one HSX_CAN_EV_RX_TIMEOUT record when no matching frame came for
 * its timeout, then waits for the next matching frame to start the timeout
 * again. As bcm does, the receive path (NET_RX softirq) restarts the
 * watch's hrtimer for each matching frame: no lock of hsx's per frame, a
 * walk of the bus's watches under RCU (empty: one compare).
 *
 * Locking: the file's lock serializes its slots; a bus's jobs_lock its list
 * of watches (RCU for the receive path); a watch's lock guards its dead
 * flag, under which its record is posted, so that once
 * hsx_can_watches_bus_gone() marked the bus's watches, none posts to the
 * bus's mailboxes again.
 *
 * Lifetimes. A watch holds a reference to its bus's instance. Freeing
 * takes it off the bus's list, waits for an RCU grace period (the receive
 * path restarts its timer no more), then cancels the timer.
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
 * @lock: guards @dead and the posting of records
 * @dead: post nothing more (the bus goes, or the capability no longer covers it)
 * @bus_node: in the bus's watches (RCU)
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
	spinlock_t lock;		/* see above */
	bool dead;
	struct list_head bus_node;
};

/* The uAPI's rules for the argument: 0 or -EINVAL. */
int hsx_can_check_watch(const struct hsx_can_watch *w)
{
	u32 format;

	if (w->slot >= HSX_CAN_WATCH_MAX || w->op > HSX_CAN_WATCH_QUERY || w->reserved)
		return -EINVAL;
	if (w->op != HSX_CAN_WATCH_ARM)
		return 0;
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
 * Every data frame on the bus, from its receive path (softirq, under RCU):
 * each matching watch starts its timeout again.
 */
void hsx_can_watches_rcv(struct hsx_can_bus *bus, const struct hsx_can_frame *f)
{
	bool ext = f->flags & HSX_CAN_F_EXT;
	struct hsx_can_watcher *w;

	list_for_each_entry_rcu(w, &bus->watches, bus_node) {
		if (w->ext != ext || (f->can_id & w->mask) != (w->id & w->mask))
			continue;
		atomic64_inc(&w->frames);
		hrtimer_start(&w->timer, w->timeout, HRTIMER_MODE_REL_SOFT);
	}
}

static enum hrtimer_restart hsx_can_watch_fire(struct hrtimer *timer)
{
	struct hsx_can_watcher *w = container_of(timer, struct hsx_can_watcher, timer);
	struct hsx_can_event ev = {
		.rec.bus = w->bus->index,
		.rec.kind = HSX_CAN_EV_RX_TIMEOUT,
		.rec.state = w->slot,
		.rec.cookie = atomic64_inc_return(&w->timeouts),
		.rec.frame.can_id = w->id,
		.rec.frame.flags = w->ext ? HSX_CAN_F_EXT : 0,
		.to = w->cc,
	};
	int idx, ret;

	/* The capability must still let the file receive every ID watched. */
	idx = srcu_read_lock(&hsx_cap_srcu);
	ret = hsx_cap_check_held(w->client, &hsx_can_module, HSX_CAP_R_READ,
				 HSX_CAN_OBJ_RX(w->bus->index, w->first)) ?:
	      hsx_cap_check_held(w->client, &hsx_can_module, HSX_CAP_R_READ,
				 HSX_CAN_OBJ_RX(w->bus->index, w->last));
	srcu_read_unlock(&hsx_cap_srcu, idx);

	spin_lock(&w->lock);
	if (ret)
		w->dead = true;
	if (!w->dead)
		hsx_mbox_post(w->bus->rx_mbox, &ev);
	spin_unlock(&w->lock);
	return HRTIMER_NORESTART;	/* the next matching frame starts it again */
}

/* Take @w off its bus; the caller waits a grace period, then hsx_can_watch_free(). */
static void hsx_can_watch_unlink(struct hsx_can_watcher *w)
{
	spin_lock_bh(&w->bus->jobs_lock);
	list_del_rcu(&w->bus_node);
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

static void hsx_can_watch_report(struct hsx_can_watcher *w, struct hsx_can_watch *arg)
{
	arg->frames = atomic64_read(&w->frames);
	arg->timeouts = atomic64_read(&w->timeouts);
}

static long hsx_can_watch_arm(struct hsx_client *client, struct hsx_can_watch *arg)
{
	struct hsx_can_client *cc = hsx_can_client_of(client);
	struct hsx_can_watcher *w, *old;
	struct hsx_can_bus *bus;
	u32 first, last;
	int idx, ret;

	hsx_can_watch_span(arg, &first, &last);
	ret = hsx_can_authorize(client, HSX_CAP_R_READ, HSX_CAN_OBJ_RX(arg->bus, first)) ?:
	      hsx_can_authorize(client, HSX_CAP_R_READ, HSX_CAN_OBJ_RX(arg->bus, last));
	if (ret)
		return ret;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
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
	spin_lock_init(&w->lock);

	mutex_lock(&cc->lock);
	old = cc->watches[arg->slot];
	if (old) {
		hsx_can_watch_unlink(old);
		synchronize_rcu();
		hsx_can_watch_free(old);
	}
	/* Inside the instance's SRCU section: an unbinding finds it on the list. */
	hsx_instance_get(bus->inst);
	spin_lock_bh(&bus->jobs_lock);
	list_add_tail_rcu(&w->bus_node, &bus->watches);
	spin_unlock_bh(&bus->jobs_lock);
	cc->watches[arg->slot] = w;
	hrtimer_start(&w->timer, w->timeout, HRTIMER_MODE_REL_SOFT);
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
		cc->watches[p->slot] = NULL;
		hsx_can_watch_unlink(w);
		synchronize_rcu();
		hrtimer_cancel(&w->timer);
		hsx_can_watch_report(w, p);
		hsx_can_watch_free(w);
	} else {
		hsx_can_watch_report(w, p);
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
 * The bus goes: its watches post nothing more, while its mailboxes are
 * still there. Context: process, after the instance's operations ended.
 */
void hsx_can_watches_bus_gone(struct hsx_can_bus *bus)
{
	struct hsx_can_watcher *w;

	spin_lock_bh(&bus->jobs_lock);
	list_for_each_entry(w, &bus->watches, bus_node) {
		spin_lock(&w->lock);
		w->dead = true;
		spin_unlock(&w->lock);
	}
	spin_unlock_bh(&bus->jobs_lock);
}
