// SPDX-License-Identifier: GPL-2.0
/*
 * NOWAIT frames awaiting their echo: each gets exactly one record, TX_DONE
 * when its echo comes (can_bus.c's receive path), TX_FAILED when it cannot
 * come any more (its timeout, the interface down or gone, bus-off, the file
 * closed). The entry on the bus's tx_pending list is the arbiter: whoever
 * takes it off, under tx_lock, posts its record; the other finds nothing.
 * An echo on a NOWAIT socket that finds no entry is one already reported.
 *
 * Lifetimes. An entry is the sender's until can_send() took the frame
 * (hsx_can_pending_queued()), the bus's after. Only then may a timeout or
 * the interface fail it: a failed can_send() is the call's error, no record.
 * The expiry work runs on system_wq; instance_gone cancels it after the
 * interface was let go of (which fails every queued entry).
 *
 * The mailbox. Whoever posts does so in an RCU read-side section begun
 * before it took the entries: instance_gone lets go of the interface (which
 * fails every entry), then waits for RCU before destroying the mailboxes; a
 * section that began after that wait began finds no entry left, so never
 * posts. The receive path and the expiry work are covered by the RCU wait
 * and the work's cancelling; the file's release and the interface going
 * down are covered by this.
 *
 * Bounds. At most HSX_CAN_TX_PENDING_MAX per file and bus (counted in the
 * file's state, not by walking), HSX_CAN_TX_PENDING_BUS_MAX per bus. The
 * echo finds its entry by cookie; the list is in the order of deadlines, so
 * the expiry looks at the due ones and the next only.
 */
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "can.h"
#include "mailbox.h"

void hsx_can_pending_init(struct hsx_can_bus *bus)
{
	INIT_LIST_HEAD(&bus->tx_pending);
	hash_init(bus->pending_by_cookie);
	INIT_DELAYED_WORK(&bus->pending_work, hsx_can_pending_expire);
}

/* Post the one record of a NOWAIT frame: TX_DONE (@reason 0) or TX_FAILED. Context: RCU. */
static void hsx_can_pending_post(struct hsx_can_bus *bus, const struct hsx_can_pending *p,
				 u32 reason, u64 now)
{
	struct hsx_can_event ev = {
		.rec = {
			.bus = bus->index,
			.kind = reason ? HSX_CAN_EV_TX_FAILED : HSX_CAN_EV_TX_DONE,
			.cookie = p->cookie,
			.error = reason,
			.frame = p->frame,
		},
		.sender = p->sk,
	};

	ev.rec.frame.flags |= HSX_CAN_F_LOCAL;	/* as its echo is: a frame of this host */

	if (reason)
		atomic64_inc(&bus->tx_failed);
	hsx_mbox_post_at(bus->rx_mbox, &ev, now);
}

/* Take @p off the bus's lists and counts: its record is the taker's. Context: tx_lock. */
static void hsx_can_pending_unlink(struct hsx_can_bus *bus, struct hsx_can_pending *p)
{
	lockdep_assert_held(&bus->tx_lock);
	list_del_init(&p->node);
	hash_del(&p->hnode);
	bus->pending_count--;
	atomic_dec(p->file_count);
}

/*
 * Post and free the entries on @list (taken off the bus by the caller),
 * each failed for @reason. Context: RCU, from before they were taken.
 */
static void hsx_can_pending_post_failed(struct hsx_can_bus *bus, struct list_head *list,
					u32 reason)
{
	struct hsx_can_pending *p, *tmp;
	u64 now = ktime_get_ns();

	list_for_each_entry_safe(p, tmp, list, node) {
		list_del(&p->node);
		hsx_can_pending_post(bus, p, reason, now);
		kfree(p);
	}
}

/* Arm the expiry for @deadline if it comes before what it is armed for. Context: tx_lock. */
static void hsx_can_pending_arm(struct hsx_can_bus *bus, unsigned long deadline)
{
	lockdep_assert_held(&bus->tx_lock);
	if (bus->pending_armed && time_before_eq(bus->pending_next, deadline))
		return;
	bus->pending_armed = true;
	bus->pending_next = deadline;
	mod_delayed_work(system_wq, &bus->pending_work,
			 time_after(deadline, jiffies) ? deadline - jiffies : 0);
}

/**
 * hsx_can_pending_add - register a NOWAIT frame for its echo, before sending it
 * @bus: the bus
 * @p: the frame's entry, its sk, cookie, deadline and file_count set; the
 *	bus owns it from now on until hsx_can_pending_queued()
 *
 * Return: 0, or -EAGAIN when the sender has HSX_CAN_TX_PENDING_MAX awaiting
 * their echo on the bus, or the bus HSX_CAN_TX_PENDING_BUS_MAX (@p is then
 * not taken).
 */
int hsx_can_pending_add(struct hsx_can_bus *bus, struct hsx_can_pending *p)
{
	struct hsx_can_pending *q;

	spin_lock_bh(&bus->tx_lock);
	if (atomic_read(p->file_count) >= HSX_CAN_TX_PENDING_MAX ||
	    bus->pending_count >= HSX_CAN_TX_PENDING_BUS_MAX) {
		spin_unlock_bh(&bus->tx_lock);
		return -EAGAIN;
	}
	p->state = HSX_CAN_PENDING_SENDING;
	atomic_inc(p->file_count);
	bus->pending_count++;
	hash_add(bus->pending_by_cookie, &p->hnode, p->cookie);
	/* In deadline order; frames sent with one timeout go at the tail at once. */
	list_for_each_entry_reverse(q, &bus->tx_pending, node)
		if (!time_before(p->deadline, q->deadline))
			break;
	list_add(&p->node, &q->node);
	spin_unlock_bh(&bus->tx_lock);
	return 0;
}

/**
 * hsx_can_pending_queued - can_send() returned for a registered NOWAIT frame
 * @bus: the bus
 * @p: the entry given to hsx_can_pending_add()
 * @err: can_send()'s result
 *
 * Its echo may have come already: it posted TX_DONE and left @p ECHOED, and
 * the frame went; @p is freed here. Else, when sent, it now awaits its echo
 * until its deadline (an interface that went away meanwhile did not fail
 * it, not yet queued: it is failed here); when not, it is the caller's
 * again and no record follows.
 *
 * Return: 0 when the frame went (@p is the bus's or freed), else @err and
 * @p is the caller's.
 */
int hsx_can_pending_queued(struct hsx_can_bus *bus, struct hsx_can_pending *p, int err)
{
	bool echoed = false;
	LIST_HEAD(gone);

	rcu_read_lock();
	spin_lock_bh(&bus->tx_lock);
	if (p->state == HSX_CAN_PENDING_ECHOED) {
		echoed = true;
		err = 0;
	} else if (err) {
		hsx_can_pending_unlink(bus, p);
	} else if (READ_ONCE(bus->dead)) {
		hsx_can_pending_unlink(bus, p);
		list_add(&p->node, &gone);
	} else {
		p->state = HSX_CAN_PENDING_QUEUED;
		hsx_can_pending_arm(bus, p->deadline);
	}
	spin_unlock_bh(&bus->tx_lock);
	hsx_can_pending_post_failed(bus, &gone, HSX_CAN_TXF_GONE);
	rcu_read_unlock();
	if (echoed)
		kfree(p);
	return err;
}

/**
 * hsx_can_pending_fail - fail the queued NOWAIT frames of @sk (NULL: all) on @bus
 * @bus: the bus
 * @sk: the sender, or NULL for every sender
 * @reason: HSX_CAN_TXF_*
 *
 * Context: process or softirq. Safe while the bus's instance goes (see the
 * top of this file): the caller needs only the bus's memory.
 */
void hsx_can_pending_fail(struct hsx_can_bus *bus, const struct sock *sk, u32 reason)
{
	struct hsx_can_pending *p, *tmp;
	LIST_HEAD(failed);

	rcu_read_lock();
	spin_lock_bh(&bus->tx_lock);
	list_for_each_entry_safe(p, tmp, &bus->tx_pending, node) {
		if (p->state == HSX_CAN_PENDING_QUEUED && (!sk || p->sk == sk)) {
			hsx_can_pending_unlink(bus, p);
			list_add_tail(&p->node, &failed);
		}
	}
	spin_unlock_bh(&bus->tx_lock);
	hsx_can_pending_post_failed(bus, &failed, reason);
	rcu_read_unlock();
}

/* The timeouts: fail what is due, re-arm for the next. */
void hsx_can_pending_expire(struct work_struct *work)
{
	struct hsx_can_bus *bus = container_of(to_delayed_work(work), struct hsx_can_bus,
					       pending_work);
	struct hsx_can_pending *p, *tmp;
	unsigned long now = jiffies;
	LIST_HEAD(failed);

	rcu_read_lock();
	spin_lock_bh(&bus->tx_lock);
	bus->pending_armed = false;
	list_for_each_entry_safe(p, tmp, &bus->tx_pending, node) {
		if (time_before(now, p->deadline)) {
			hsx_can_pending_arm(bus, p->deadline);
			break;
		}
		/* One still being sent: hsx_can_pending_queued() arms for it. */
		if (p->state == HSX_CAN_PENDING_QUEUED) {
			hsx_can_pending_unlink(bus, p);
			list_add_tail(&p->node, &failed);
		}
	}
	spin_unlock_bh(&bus->tx_lock);
	hsx_can_pending_post_failed(bus, &failed, HSX_CAN_TXF_TIMEOUT);
	rcu_read_unlock();
}

/*
 * The echo of a NOWAIT frame: its one record, TX_DONE, if it is still
 * pending; nothing when its TX_FAILED was posted already. Context: the
 * receive path (softirq, RCU).
 */
void hsx_can_pending_echoed(struct hsx_can_bus *bus, const struct sock *sk, u32 cookie, u64 now)
{
	struct hsx_can_pending *p;

	spin_lock(&bus->tx_lock);
	hash_for_each_possible(bus->pending_by_cookie, p, hnode, cookie) {
		if (p->sk != sk || p->cookie != cookie)
			continue;
		hsx_can_pending_unlink(bus, p);
		if (p->state == HSX_CAN_PENDING_SENDING) {
			/* can_send() has not returned: hsx_can_pending_queued() frees it. */
			struct hsx_can_pending copy = *p;

			p->state = HSX_CAN_PENDING_ECHOED;
			spin_unlock(&bus->tx_lock);
			hsx_can_pending_post(bus, &copy, 0, now);
			return;
		}
		spin_unlock(&bus->tx_lock);
		hsx_can_pending_post(bus, p, 0, now);
		kfree(p);
		return;
	}
	spin_unlock(&bus->tx_lock);
}
