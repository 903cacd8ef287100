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
 */
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "can.h"
#include "mailbox.h"

/* Post the one record of a NOWAIT frame: TX_DONE (@reason 0) or TX_FAILED. */
void hsx_can_pending_post(struct hsx_can_bus *bus, const struct hsx_can_pending *p, u32 reason,
			  u64 now)
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

/* Post and free the entries on @list, each failed for @reason. */
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
 * @p: the frame's entry, its sk and cookie set; the bus owns it from now on
 *	until hsx_can_pending_queued()
 *
 * Return: 0, or -EAGAIN when the sender has HSX_CAN_TX_PENDING_MAX awaiting
 * their echo on the bus (@p is then not taken).
 */
int hsx_can_pending_add(struct hsx_can_bus *bus, struct hsx_can_pending *p)
{
	const struct hsx_can_pending *q;
	unsigned int n = 0;

	spin_lock_bh(&bus->tx_lock);
	list_for_each_entry(q, &bus->tx_pending, node)
		n += q->sk == p->sk;
	if (n >= HSX_CAN_TX_PENDING_MAX) {
		spin_unlock_bh(&bus->tx_lock);
		return -EAGAIN;
	}
	list_add_tail(&p->node, &bus->tx_pending);
	spin_unlock_bh(&bus->tx_lock);
	return 0;
}

/**
 * hsx_can_pending_queued - can_send() returned for a registered NOWAIT frame
 * @bus: the bus
 * @p: the entry given to hsx_can_pending_add()
 * @err: can_send()'s result
 *
 * Its echo may have come already: it posted TX_DONE and freed @p, and the
 * frame went. Else, when sent, it now awaits its echo until its deadline
 * (an interface that went away meanwhile did not fail it, not yet queued:
 * it is failed here); when not, it is the caller's again and no record
 * follows.
 *
 * Return: 0 when the bus owns @p (sent), else @err and @p is the caller's.
 */
int hsx_can_pending_queued(struct hsx_can_bus *bus, struct hsx_can_pending *p, int err)
{
	struct hsx_can_pending *q;
	bool found = false;
	LIST_HEAD(gone);

	spin_lock_bh(&bus->tx_lock);
	list_for_each_entry(q, &bus->tx_pending, node) {
		if (q == p) {
			found = true;
			break;
		}
	}
	if (!found) {
		err = 0;	/* echoed already */
	} else if (err) {
		list_del(&p->node);
	} else if (READ_ONCE(bus->dead)) {
		list_move(&p->node, &gone);
	} else {
		p->queued = true;
		hsx_can_pending_arm(bus, p->deadline);
	}
	spin_unlock_bh(&bus->tx_lock);
	hsx_can_pending_post_failed(bus, &gone, HSX_CAN_TXF_GONE);
	return err;
}

/**
 * hsx_can_pending_fail - fail the queued NOWAIT frames of @sk (NULL: all) on @bus
 * @bus: the bus
 * @sk: the sender, or NULL for every sender
 * @reason: HSX_CAN_TXF_*
 */
void hsx_can_pending_fail(struct hsx_can_bus *bus, const struct sock *sk, u32 reason)
{
	struct hsx_can_pending *p, *tmp;
	LIST_HEAD(failed);

	spin_lock_bh(&bus->tx_lock);
	list_for_each_entry_safe(p, tmp, &bus->tx_pending, node)
		if (p->queued && (!sk || p->sk == sk))
			list_move_tail(&p->node, &failed);
	spin_unlock_bh(&bus->tx_lock);
	hsx_can_pending_post_failed(bus, &failed, reason);
}

/* The timeouts: fail what is due, re-arm for the next. */
void hsx_can_pending_expire(struct work_struct *work)
{
	struct hsx_can_bus *bus = container_of(to_delayed_work(work), struct hsx_can_bus,
					       pending_work);
	struct hsx_can_pending *p, *tmp;
	unsigned long now = jiffies, next = 0;
	bool more = false;
	LIST_HEAD(failed);

	spin_lock_bh(&bus->tx_lock);
	bus->pending_armed = false;
	list_for_each_entry_safe(p, tmp, &bus->tx_pending, node) {
		if (!p->queued)
			continue;
		if (time_after_eq(now, p->deadline)) {
			list_move_tail(&p->node, &failed);
		} else if (!more || time_before(p->deadline, next)) {
			next = p->deadline;
			more = true;
		}
	}
	if (more)
		hsx_can_pending_arm(bus, next);
	spin_unlock_bh(&bus->tx_lock);
	hsx_can_pending_post_failed(bus, &failed, HSX_CAN_TXF_TIMEOUT);
}

/*
 * The echo of a NOWAIT frame: take its entry (@p set) if it is still
 * pending. False when none awaits it: its TX_FAILED was posted already.
 */
bool hsx_can_pending_take(struct hsx_can_bus *bus, const struct sock *sk, u32 cookie,
			  struct hsx_can_pending **taken)
{
	struct hsx_can_pending *p;

	spin_lock(&bus->tx_lock);
	list_for_each_entry(p, &bus->tx_pending, node) {
		if (p->sk == sk && p->cookie == cookie) {
			list_del(&p->node);
			spin_unlock(&bus->tx_lock);
			*taken = p;
			return true;
		}
	}
	spin_unlock(&bus->tx_lock);
	return false;
}

