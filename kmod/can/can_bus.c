// SPDX-License-Identifier: GPL-2.0
/*
 * The CAN module's buses: binding a bus to a SocketCAN interface (can_map,
 * the admin's HSX_IOC_CAN_MAP, the device tree through can_fw.c), what a
 * bound bus receives from the CAN core and posts to its mailboxes, the
 * interface going away, /sys/hal/can/<n>.
 *
 * Locking, outermost first: hsx_can_bind_mutex (binding, unbinding), RTNL
 * (the interface: binding looks it up and registers with the CAN core under
 * it; the netdev notifier runs under it), hsx_can_buses_lock (the table and
 * each bus's inst pointer), a bus's dev_lock (its interface reference; taken
 * with BHs off: a periodic job's timer takes it). The receive callbacks run
 * in softirq under RCU and take only the mailboxes' locks and a bus's tx_lock.
 *
 * Lifetimes. A bus holds its interface (netdev_hold) from binding until the
 * interface unregisters or the bus is unbound, whichever comes first;
 * hsx_can_detach() drops it and takes the bus off the CAN core's receive
 * lists, once. The receive callbacks may still run for an RCU grace period
 * after that: the bus's mailboxes go only after one (instance_gone), and its
 * memory with the instance's last reference.
 *
 * The device tree's buses. While an hsx,can node is bound, each bus it
 * names is reserved for it (hsx_can_fw_slots[], the full path of the
 * controller's firmware node; nothing of the node is held), bound or not:
 * the admin cannot map or unmap it (EOPNOTSUPP) nor map the controller's
 * interface to another bus (EBUSY). Such a bus is bound to the CAN
 * interface whose device's parent has the node at that path (the
 * controller's driver calls SET_NETDEV_DEV), by hsx_can_fw_work: queued
 * when the node is bound, when an interface that may be such a one
 * registers (the controller's driver may probe long after hsx, an MCP2515
 * after its SPI controller; an overlay may remove the controller's node and
 * put back a new one at its path) and when the bus's interface went and its
 * bus was unbound (it may be back already). Unregistering unbinds the bus
 * as for any binding; the slot stays reserved for the interface's return.
 * A controller with several CAN interfaces (channels of one device, as
 * R-Car CAN FD's) is refused, and its bus unbound if a second channel
 * comes: which channel is which bus could not be told from the tree.
 */
#include <linux/can.h>
#include <linux/can/core.h>
#include <linux/can/dev.h>
#include <linux/can/error.h>
#include <linux/can/skb.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/if_arp.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/property.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <net/net_namespace.h>

#include "binding.h"
#include "can.h"
#include "core.h"
#include "instance.h"
#include "mailbox.h"

static char *can_map;
module_param(can_map, charp, 0444);
MODULE_PARM_DESC(can_map, "bind buses to CAN interfaces at load: BUS=IFNAME[,...], e.g. 0=can0");

static DEFINE_MUTEX(hsx_can_bind_mutex);
/* Guards hsx_can_buses[] and each bus's inst pointer. */
static DEFINE_SPINLOCK(hsx_can_buses_lock);
static struct hsx_can_bus *hsx_can_buses[HSX_CAN_MAX_BUSES];
/* Runs the unbinding of buses whose interface went away; drained at exit. */
static struct workqueue_struct *hsx_can_wq;
/*
 * The full path ("%pfwf") of the controller's node of each bus the device
 * tree reserves; set under hsx_can_bind_mutex and hsx_can_buses_lock, read
 * under either. A path, not a reference: a controller removed at run time
 * (an overlay) must be freed, and one put back is a new node at the same
 * path, which the bus must still take.
 */
static char *hsx_can_fw_slots[HSX_CAN_MAX_BUSES];
/* Under hsx_can_bind_mutex: per reserved bus, why it was last not bound, said once. */
static int hsx_can_fw_said[HSX_CAN_MAX_BUSES];
static void hsx_can_fw_work_fn(struct work_struct *work);
static DECLARE_WORK(hsx_can_fw_work, hsx_can_fw_work_fn);

/* ---- receiving -------------------------------------------------------------- */

/* The frame of a CAN or CAN FD skb; false for anything else (CAN XL). */
static bool hsx_can_frame_of(const struct sk_buff *skb, struct hsx_can_frame *f)
{
	canid_t id;

	if (can_is_can_skb(skb)) {
		const struct can_frame *cf = (const struct can_frame *)skb->data;

		id = cf->can_id;
		f->len = cf->len;
		if (id & CAN_RTR_FLAG)
			f->flags |= HSX_CAN_F_RTR;
		else
			memcpy(f->data, cf->data, cf->len);
	} else if (can_is_canfd_skb(skb)) {
		const struct canfd_frame *cfd = (const struct canfd_frame *)skb->data;

		id = cfd->can_id;
		f->len = cfd->len;
		f->flags |= HSX_CAN_F_FD;
		if (cfd->flags & CANFD_BRS)
			f->flags |= HSX_CAN_F_BRS;
		if (cfd->flags & CANFD_ESI)
			f->flags |= HSX_CAN_F_ESI;
		memcpy(f->data, cfd->data, cfd->len);
	} else {
		return false;
	}
	if (id & CAN_EFF_FLAG) {
		f->flags |= HSX_CAN_F_EXT;
		f->can_id = id & CAN_EFF_MASK;
	} else {
		f->can_id = id & CAN_SFF_MASK;
	}
	return true;
}

/*
 * A blocked TX waits for this echo (its socket and mark): mark it done. True
 * when one did.
 */
static bool hsx_can_complete_tx(struct hsx_can_bus *bus, const struct sock *sk, u32 cookie)
{
	struct hsx_can_tx_wait *w;
	bool found = false;

	spin_lock(&bus->tx_lock);
	list_for_each_entry(w, &bus->tx_waiting, node) {
		if (w->sk == sk && w->cookie == cookie) {
			WRITE_ONCE(w->done, true);
			found = true;
			break;
		}
	}
	spin_unlock(&bus->tx_lock);
	return found;
}

/*
 * Every data frame on the interface: from the CAN core's receive path
 * (NET_RX softirq, under RCU). Never frees the skb, never sleeps.
 */
static void hsx_can_rcv(struct sk_buff *skb, void *data)
{
	struct hsx_can_bus *bus = data;
	struct hsx_can_event ev = { .rec.bus = bus->index, .sender = skb->sk };
	u64 now = ktime_get_ns();

	if (READ_ONCE(bus->dead) || !hsx_can_frame_of(skb, &ev.rec.frame))
		return;
	hsx_can_watches_rcv(bus, &ev.rec.frame, now);
	if (skb->sk)
		ev.rec.frame.flags |= HSX_CAN_F_LOCAL;
	if (hsx_can_sent_by_hsx(skb->sk)) {
		u32 cookie = can_skb_prv(skb)->skbcnt;

		atomic64_inc(&bus->tx_frames);
		if (hsx_can_sent_nowait(skb->sk)) {
			/* Its one record: TX_DONE, unless its TX_FAILED was posted. */
			hsx_can_pending_echoed(bus, skb->sk, cookie, now);
		} else if (!hsx_can_sent_by_job(skb->sk) &&
			   !hsx_can_complete_tx(bus, skb->sk, cookie)) {
			/*
			 * A waiting TX that timed out: tell its sender's
			 * subscriptions. (A periodic job's frame: nobody waits,
			 * nobody is told.)
			 */
			struct hsx_can_event done = ev;

			done.rec.kind = HSX_CAN_EV_TX_DONE;
			done.rec.cookie = cookie;
			hsx_mbox_post_at(bus->rx_mbox, &done, now);
		}
		if (wq_has_sleeper(&bus->tx_wait))
			wake_up_all(&bus->tx_wait);
	} else {
		atomic64_inc(&bus->rx_frames);
	}
	hsx_mbox_post_at(bus->rx_mbox, &ev, now);
	if (bus->spec_mbox)
		hsx_mbox_post_at(bus->spec_mbox, &ev, now);
}

/* The controller's state after an error frame, from the one before. */
static u8 hsx_can_state_after(u8 state, const struct can_frame *cf)
{
	u32 class = cf->can_id & CAN_ERR_MASK;
	u8 ctrl = cf->data[1];

	if (class & CAN_ERR_BUSOFF)
		return HSX_CAN_STATE_BUS_OFF;
	if (class & CAN_ERR_RESTARTED)
		return HSX_CAN_STATE_ACTIVE;
	if (!(class & CAN_ERR_CRTL))
		return state;
	if (ctrl & (CAN_ERR_CRTL_TX_PASSIVE | CAN_ERR_CRTL_RX_PASSIVE))
		return HSX_CAN_STATE_PASSIVE;
	if (ctrl & (CAN_ERR_CRTL_TX_WARNING | CAN_ERR_CRTL_RX_WARNING))
		return HSX_CAN_STATE_WARNING;
	if (ctrl & CAN_ERR_CRTL_ACTIVE)
		return HSX_CAN_STATE_ACTIVE;
	return state;
}

/*
 * The state an interface comes up in: its controller's, as the driver set it
 * when it opened (a restart by down and up sends no "restarted" error frame,
 * so the last one's state would stay, BUS_OFF in particular); without a
 * controller, or one in no state of the error frames' (a kernel's newer
 * value), as it was.
 */
static u8 hsx_can_state_on_up(u8 state, const struct can_priv *priv)
{
	u8 now;

	if (!priv)
		return state;
	now = READ_ONCE(priv->state);
	return now <= CAN_STATE_SLEEPING ? now : state;
}

#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
/* For KUnit: a bus in @state whose interface came up with @priv, then got error frame @cf. */
u8 hsx_can_test_state_after_up(u8 state, const struct can_priv *priv, const struct can_frame *cf)
{
	return hsx_can_state_after(hsx_can_state_on_up(state, priv), cf);
}
#endif

/*
 * Every error frame on the interface; context as hsx_can_rcv(). Only those
 * from the bus count: a controller's driver, or a tunnel's other end (vxcan),
 * whose frames have no owner. A local program may send an error frame on a
 * CAN_RAW socket (no privilege needed, and the CAN core loops it back to
 * every error listener): that one would fake the bus's state, so it is
 * dropped here.
 */
static void hsx_can_err_rcv(struct sk_buff *skb, void *data)
{
	struct hsx_can_bus *bus = data;
	struct hsx_can_event ev = { .rec.bus = bus->index, .rec.kind = HSX_CAN_EV_ERROR };
	const struct can_frame *cf = (const struct can_frame *)skb->data;
	u8 state;

	if (READ_ONCE(bus->dead) || skb->sk || !can_is_can_skb(skb))
		return;
	state = hsx_can_state_after(READ_ONCE(bus->state), cf);
	WRITE_ONCE(bus->state, state);
	atomic64_inc(&bus->error_frames);
	if ((cf->can_id & CAN_ERR_BUSOFF) && state == HSX_CAN_STATE_BUS_OFF) {
		atomic64_inc(&bus->bus_off);
		/* The controller dropped its queue: nothing pending will be echoed. */
		hsx_can_pending_fail(bus, NULL, HSX_CAN_TXF_BUS_OFF);
	}
	ev.rec.error = cf->can_id & CAN_ERR_MASK;
	ev.rec.state = state;
	if (ev.rec.error & CAN_ERR_CNT) {
		ev.rec.tx_errors = cf->data[6];
		ev.rec.rx_errors = cf->data[7];
	}
	ev.rec.frame.len = CAN_ERR_DLC;
	memcpy(ev.rec.frame.data, cf->data, CAN_ERR_DLC);
	hsx_mbox_post(bus->err_mbox, &ev);
}

/* ---- the interface ------------------------------------------------------------- */

/**
 * hsx_can_dev_hold - the bus's interface, with a reference
 * @bus: the bus
 * @tracker: the reference's tracker: netdev_put(dev, @tracker) when done
 *
 * Return: the interface, or NULL once it is gone.
 */
struct net_device *hsx_can_dev_hold(struct hsx_can_bus *bus, netdevice_tracker *tracker)
{
	struct net_device *dev;

	spin_lock_bh(&bus->dev_lock);
	dev = bus->dev;
	if (dev)
		netdev_hold(dev, tracker, GFP_ATOMIC);
	spin_unlock_bh(&bus->dev_lock);
	return dev;
}

/*
 * Take the bus off its interface: off the CAN core's receive lists, the
 * reference dropped, its TX waiters woken to see it. Once; the notifier and
 * unbinding may both try. Context: process, under RTNL.
 */
static void hsx_can_detach(struct hsx_can_bus *bus)
{
	struct net_device *dev;

	ASSERT_RTNL();
	spin_lock_bh(&bus->dev_lock);
	dev = bus->dev;
	bus->dev = NULL;
	WRITE_ONCE(bus->dead, true);
	spin_unlock_bh(&bus->dev_lock);
	wake_up_all(&bus->tx_wait);
	/* Queued frames not echoed yet never will be (those not queued: see _queued()). */
	hsx_can_pending_fail(bus, NULL, HSX_CAN_TXF_GONE);
	if (!dev)
		return;
	can_rx_unregister(dev_net(dev), dev, 0, 0, hsx_can_rcv, bus);
	can_rx_unregister(dev_net(dev), dev, 0, CAN_ERR_MASK | CAN_ERR_FLAG, hsx_can_err_rcv, bus);
	netdev_put(dev, &bus->tracker);
}

/*
 * The bound bus whose interface is @dev, or NULL. Context: under RTNL, which
 * every writer of a bus's dev holds, and hsx_can_buses_lock for the table.
 */
static struct hsx_can_bus *hsx_can_bus_of_dev(const struct net_device *dev)
{
	unsigned int i;

	ASSERT_RTNL();
	lockdep_assert_held(&hsx_can_buses_lock);
	for (i = 0; i < HSX_CAN_MAX_BUSES; i++)
		if (hsx_can_buses[i] && hsx_can_buses[i]->dev == dev)
			return hsx_can_buses[i];
	return NULL;
}

/* Whether @dev is the interface of the controller @ctrl: its device's parent has that node. */
static bool hsx_can_dev_of_ctrl(const struct net_device *dev, const struct fwnode_handle *ctrl)
{
	return ctrl && dev->dev.parent && dev_fwnode(dev->dev.parent) == ctrl;
}

/* Paths of controllers' nodes up to this long are formatted on the stack. */
#define HSX_CAN_PATH_BUF	128

/*
 * The path of @dev's controller's node (its device's parent's) into @buf,
 * truncated to @len: the path's whole length, or -ENOENT without a node.
 */
static int hsx_can_ctrl_path(const struct net_device *dev, char *buf, size_t len)
{
	const struct fwnode_handle *fwnode = dev->dev.parent ? dev_fwnode(dev->dev.parent) : NULL;

	if (!fwnode)
		return -ENOENT;
	return snprintf(buf, len, "%pfwf", fwnode);
}

/*
 * May @path be the path whose first bytes are in @buf (@len long in all,
 * @size bytes of buffer)? Exact when it fitted (@len < @size).
 */
static bool hsx_can_path_may_be(const char *path, const char *buf, int len, size_t size)
{
	return path && len >= 0 && strlen(path) == len && !strncmp(path, buf, size - 1);
}

/*
 * Is @dev an interface of the controller at @path? 1 or 0, or -ENOMEM when
 * a long path could not be formatted. Context: may sleep.
 */
static int hsx_can_dev_at(const struct net_device *dev, const char *path)
{
	char buf[HSX_CAN_PATH_BUF], *name;
	int len = hsx_can_ctrl_path(dev, buf, sizeof(buf));
	int same;

	if (!hsx_can_path_may_be(path, buf, len, sizeof(buf)))
		return 0;
	if (len < sizeof(buf))
		return 1;
	name = kasprintf(GFP_KERNEL, "%pfwf", dev_fwnode(dev->dev.parent));
	if (!name)
		return -ENOMEM;
	same = !strcmp(name, path);
	kfree(name);
	return same;
}

/*
 * Is @dev an interface of a controller the device tree reserves? Under
 * hsx_can_bind_mutex, which every writer of the slots holds: 1, 0 or -ENOMEM.
 */
static int hsx_can_fw_reserves_dev(const struct net_device *dev)
{
	unsigned int i;
	int ret = 0;

	lockdep_assert_held(&hsx_can_bind_mutex);
	for (i = 0; i < HSX_CAN_MAX_BUSES && !ret; i++)
		ret = hsx_can_dev_at(dev, hsx_can_fw_slots[i]);
	return ret;
}

/*
 * An interface registers: if it may be a reserved bus's controller's, let
 * the work look (it binds a bus not bound, and unbinds one whose controller
 * now has several CAN interfaces). Any type: a controller that is not a CAN
 * one is reported there. Context: under RTNL; no allocation, so a path too
 * long for the stack is a "may be".
 */
static void hsx_can_registered(const struct net_device *dev)
{
	char buf[HSX_CAN_PATH_BUF];
	int len = hsx_can_ctrl_path(dev, buf, sizeof(buf));
	bool maybe = false;
	unsigned int i;

	if (len < 0)
		return;
	spin_lock(&hsx_can_buses_lock);
	for (i = 0; i < HSX_CAN_MAX_BUSES && !maybe; i++)
		maybe = hsx_can_path_may_be(hsx_can_fw_slots[i], buf, len, sizeof(buf));
	spin_unlock(&hsx_can_buses_lock);
	if (maybe)
		queue_work(hsx_can_wq, &hsx_can_fw_work);
}

/* An interface was renamed: its bus's name follows (sysfs, INFO). Context: under RTNL. */
static void hsx_can_renamed(const struct net_device *dev)
{
	struct hsx_can_bus *bus;

	spin_lock(&hsx_can_buses_lock);
	bus = hsx_can_bus_of_dev(dev);
	if (bus) {
		spin_lock_bh(&bus->dev_lock);
		strscpy(bus->ifname, dev->name, sizeof(bus->ifname));
		spin_unlock_bh(&bus->dev_lock);
	}
	spin_unlock(&hsx_can_buses_lock);
}

/*
 * An interface went down: its queue was dropped (dev_deactivate(), the
 * driver's stop), so its bus's NOWAIT frames still pending fail. Context:
 * under RTNL, which keeps the bus found and its mailboxes: a bus lets go of
 * its interface (detach) under RTNL before either goes.
 */
static void hsx_can_went_down(const struct net_device *dev)
{
	struct hsx_can_bus *bus;

	spin_lock(&hsx_can_buses_lock);
	bus = hsx_can_bus_of_dev(dev);
	spin_unlock(&hsx_can_buses_lock);
	/* An interface being deleted goes down first: its frames fail as gone (detach). */
	if (bus && !dev->dismantle)
		hsx_can_pending_fail(bus, NULL, HSX_CAN_TXF_DOWN);
}

/*
 * An interface came up: its bus takes the controller's state (see
 * hsx_can_state_on_up()), and a change of it goes to the bus's error
 * subscribers as an error event of no error class. Context: under RTNL, as
 * hsx_can_went_down(); the event as an error frame's.
 */
static void hsx_can_came_up(struct net_device *dev)
{
	struct hsx_can_event ev = { .rec.kind = HSX_CAN_EV_ERROR };
	struct hsx_can_bus *bus;
	u8 old;

	spin_lock(&hsx_can_buses_lock);
	bus = hsx_can_bus_of_dev(dev);
	spin_unlock(&hsx_can_buses_lock);
	if (!bus || READ_ONCE(bus->dead))
		return;
	old = READ_ONCE(bus->state);
	ev.rec.state = hsx_can_state_on_up(old, hsx_can_priv(dev));
	if (ev.rec.state == old)
		return;
	WRITE_ONCE(bus->state, ev.rec.state);
	ev.rec.bus = bus->index;
	ev.rec.frame.len = CAN_ERR_DLC;
	hsx_mbox_post(bus->err_mbox, &ev);
}

/*
 * An interface unregisters (deleted, its driver or USB adapter gone): its
 * bus lets go of it at once (the unregistering waits for every reference)
 * and is unbound by a work item, which may wait for the bus's operations.
 */
static int hsx_can_netdev_event(struct notifier_block *nb, unsigned long msg, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct hsx_can_bus *bus;

	if (msg == NETDEV_REGISTER && dev_net(dev) == &init_net) {
		hsx_can_registered(dev);
		return NOTIFY_DONE;
	}
	if (dev->type != ARPHRD_CAN)
		return NOTIFY_DONE;
	if (msg == NETDEV_CHANGENAME) {
		hsx_can_renamed(dev);
		return NOTIFY_DONE;
	}
	if (msg == NETDEV_DOWN) {
		hsx_can_went_down(dev);
		return NOTIFY_DONE;
	}
	if (msg == NETDEV_UP) {
		hsx_can_came_up(dev);
		return NOTIFY_DONE;
	}
	if (msg != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	spin_lock(&hsx_can_buses_lock);
	bus = hsx_can_bus_of_dev(dev);
	/*
	 * Dead and the instance looked at under one lock, which the binder takes
	 * to set the instance and then look at dead: one of the two queues the
	 * unbinding, whichever comes second.
	 */
	if (bus) {
		WRITE_ONCE(bus->dead, true);
		if (bus->inst) {
			hsx_instance_get(bus->inst);
			queue_work(hsx_can_wq, &bus->gone_work);
		}
	}
	spin_unlock(&hsx_can_buses_lock);
	if (bus) {
		pr_info("can: bus %u: interface %s went away\n", bus->index, dev->name);
		hsx_can_detach(bus);
	}
	return NOTIFY_DONE;
}

static struct notifier_block hsx_can_netdev_notifier = {
	.notifier_call = hsx_can_netdev_event,
};

/*
 * The CAN interface of the controller at @path into @devp. -ENODEV: none
 * (yet); -EINVAL: only interfaces of another type; -ENOTUNIQ: several CAN
 * interfaces (channels), which the tree cannot tell apart; -ENOMEM.
 * Context: under RTNL.
 */
static int hsx_can_dev_by_ctrl(const char *path, struct net_device **devp)
{
	struct net_device *dev;
	unsigned int cans = 0;
	int ret = -ENODEV, at;

	ASSERT_RTNL();
	*devp = NULL;
	for_each_netdev(&init_net, dev) {
		at = hsx_can_dev_at(dev, path);
		if (at < 0)
			return at;
		if (!at)
			continue;
		if (dev->type != ARPHRD_CAN) {
			ret = -EINVAL;
			continue;
		}
		if (cans++)
			return -ENOTUNIQ;
		*devp = dev;
	}
	return cans ? 0 : ret;
}

/*
 * The interface @ifname, or the CAN interface of the controller at @path,
 * if the bus may take it: -ENODEV (none), -EINVAL (not a CAN one),
 * -ENOTUNIQ (the controller has several), -EBUSY (bound to a bus, or by
 * name the interface of a controller the device tree reserves), -ENOMEM.
 * Context: under RTNL and the bind mutex.
 */
static int hsx_can_dev_for_bus(const char *ifname, const char *path, struct net_device **devp)
{
	struct net_device *dev;
	int ret;

	ASSERT_RTNL();
	if (path) {
		ret = hsx_can_dev_by_ctrl(path, &dev);
		if (ret)
			return ret;
	} else {
		dev = __dev_get_by_name(&init_net, ifname);
		if (!dev)
			return -ENODEV;
		if (dev->type != ARPHRD_CAN)
			return -EINVAL;
		ret = hsx_can_fw_reserves_dev(dev);
		if (ret)
			return ret < 0 ? ret : -EBUSY;
	}
	spin_lock(&hsx_can_buses_lock);
	ret = hsx_can_bus_of_dev(dev) ? -EBUSY : 0;
	spin_unlock(&hsx_can_buses_lock);
	*devp = dev;
	return ret;
}

/*
 * Hold @ifname, or the interface of the controller at @path, and register
 * with the CAN core for its data and error frames. The interface of a
 * controller the device tree reserves is its bus's only (-EBUSY for
 * another). An interface of type CAN that the CAN core does not take (no
 * can_ml_priv: -ENODEV from it) is not a CAN interface either (-EINVAL).
 * Context: under RTNL and the bind mutex; the bus is not in the table yet.
 * On failure nothing is registered, but when @registered is set a receive
 * callback may still be running: the caller waits a grace period before
 * freeing the bus.
 */
static int hsx_can_attach(struct hsx_can_bus *bus, const char *ifname, const char *path,
			  bool *registered)
{
	struct net_device *dev;
	struct can_priv *priv;
	int ret;

	ASSERT_RTNL();
	ret = hsx_can_dev_for_bus(ifname, path, &dev);
	if (ret)
		return ret;
	ret = can_rx_register(&init_net, dev, 0, 0, hsx_can_rcv, bus, "hsx", NULL);
	if (ret)
		return ret == -ENODEV ? -EINVAL : ret;
	*registered = true;
	ret = can_rx_register(&init_net, dev, 0, CAN_ERR_MASK | CAN_ERR_FLAG, hsx_can_err_rcv,
			      bus, "hsx", NULL);
	if (ret) {
		can_rx_unregister(&init_net, dev, 0, 0, hsx_can_rcv, bus);
		return ret;
	}
	priv = hsx_can_priv(dev);
	bus->state = priv ? priv->state : HSX_CAN_STATE_NONE;
	bus->ifindex = dev->ifindex;
	strscpy(bus->ifname, dev->name, sizeof(bus->ifname));
	netdev_hold(dev, &bus->tracker, GFP_KERNEL);
	spin_lock_bh(&bus->dev_lock);
	bus->dev = dev;
	spin_unlock_bh(&bus->dev_lock);
	return 0;
}

/* ---- binding ------------------------------------------------------------------ */

static void hsx_can_gone_work(struct work_struct *work);

static struct hsx_can_bus *hsx_can_bus_alloc(unsigned int index, bool from_dt)
{
	struct hsx_can_bus *bus = kzalloc(sizeof(*bus), GFP_KERNEL);

	if (!bus)
		return NULL;
	bus->index = index;
	bus->from_dt = from_dt;
	spin_lock_init(&bus->dev_lock);
	spin_lock_init(&bus->tx_lock);
	INIT_LIST_HEAD(&bus->tx_waiting);
	init_waitqueue_head(&bus->tx_wait);
	hsx_can_pending_init(bus);
	spin_lock_init(&bus->jobs_lock);
	INIT_LIST_HEAD(&bus->jobs);
	INIT_LIST_HEAD(&bus->watches);
	INIT_WORK(&bus->gone_work, hsx_can_gone_work);
	return bus;
}

static void hsx_can_destroy_mboxes(struct hsx_can_bus *bus)
{
	if (bus->spec_mbox)
		hsx_mbox_destroy(bus->spec_mbox, HSX_CLOSE_GONE);
	if (bus->err_mbox)
		hsx_mbox_destroy(bus->err_mbox, HSX_CLOSE_GONE);
	if (bus->rx_mbox)
		hsx_mbox_destroy(bus->rx_mbox, HSX_CLOSE_GONE);
	bus->spec_mbox = NULL;
	bus->err_mbox = NULL;
	bus->rx_mbox = NULL;
}

/* The mailboxes first: frames may arrive as soon as the bus is registered. */
static int hsx_can_create_mboxes(struct hsx_can_bus *bus)
{
	char name[HSX_MBOX_NAME_MAX];
	struct hsx_mbox *mbox;

	snprintf(name, sizeof(name), HSX_MBOX_CAN_RX_FMT, bus->index);
	mbox = hsx_mbox_create(name, &hsx_can_rx_mbox_ops, bus);
	if (IS_ERR(mbox))
		return PTR_ERR(mbox);
	bus->rx_mbox = mbox;
	snprintf(name, sizeof(name), HSX_MBOX_CAN_ERR_FMT, bus->index);
	mbox = hsx_mbox_create(name, &hsx_can_err_mbox_ops, bus);
	if (IS_ERR(mbox))
		goto err;
	bus->err_mbox = mbox;
	if (bus->index == 0) {
		mbox = hsx_mbox_create(HSX_MBOX_CAN_RX, &hsx_can_rx_mbox_ops, bus);
		if (IS_ERR(mbox))
			goto err;
		bus->spec_mbox = mbox;
	}
	return 0;

err:
	hsx_can_destroy_mboxes(bus);
	return PTR_ERR(mbox);
}

/*
 * Bind bus @index to @ifname, or for the device tree to the interface of
 * its controller at @path. A bus the tree reserves is the tree's only,
 * bound or not (-EOPNOTSUPP for can_map and the admin). Nothing is
 * allocated, and no mailbox appears, for an interface that is not there
 * or not one the bus may take. Context: under hsx_can_bind_mutex.
 */
static int hsx_can_bind_locked(unsigned int index, const char *ifname, const char *path)
{
	bool registered = false;
	struct hsx_instance *inst;
	struct net_device *dev;
	struct hsx_can_bus *bus;
	int ret;

	lockdep_assert_held(&hsx_can_bind_mutex);
	if (!path && hsx_can_fw_slots[index])
		return -EOPNOTSUPP;
	if (hsx_can_buses[index])
		return -EBUSY;
	rtnl_lock();
	ret = hsx_can_dev_for_bus(ifname, path, &dev);
	rtnl_unlock();
	if (ret)
		return ret;
	bus = hsx_can_bus_alloc(index, !!path);
	if (!bus)
		return -ENOMEM;
	ret = hsx_can_create_mboxes(bus);
	if (ret)
		goto err_free;

	/* RTNL was let go: the interface may have gone or changed meanwhile. */
	rtnl_lock();
	ret = hsx_can_attach(bus, ifname, path, &registered);
	if (!ret) {
		/* In the table before RTNL goes: the notifier must find it. */
		spin_lock(&hsx_can_buses_lock);
		hsx_can_buses[index] = bus;
		spin_unlock(&hsx_can_buses_lock);
	}
	rtnl_unlock();
	if (ret)
		goto err_attach;

	inst = hsx_instance_add(&hsx_can_module, index, 0666, &hsx_can_bus_group, bus);
	if (IS_ERR(inst)) {
		ret = PTR_ERR(inst);
		goto err_detach;
	}
	spin_lock(&hsx_can_buses_lock);
	bus->inst = inst;
	/* Its interface went away before it had an instance: unbind it now. */
	if (READ_ONCE(bus->dead)) {
		hsx_instance_get(inst);
		queue_work(hsx_can_wq, &bus->gone_work);
	}
	spin_unlock(&hsx_can_buses_lock);
	pr_info("can: bus %u bound to %s%s\n", index, bus->ifname, path ? " (device tree)" : "");
	return 0;

err_detach:
	rtnl_lock();
	spin_lock(&hsx_can_buses_lock);
	hsx_can_buses[index] = NULL;
	spin_unlock(&hsx_can_buses_lock);
	hsx_can_detach(bus);
	rtnl_unlock();
err_attach:
	if (registered)
		synchronize_rcu();	/* receive callbacks in flight end */
	hsx_can_destroy_mboxes(bus);
err_free:
	kfree(bus);
	return ret;
}

/*
 * The instance goes (its users see -ENODEV; instance_gone lets go of the
 * interface and closes the mailboxes); the memory with the last reference.
 * Context: under hsx_can_bind_mutex.
 */
static void hsx_can_unbind_locked(struct hsx_can_bus *bus)
{
	lockdep_assert_held(&hsx_can_bind_mutex);
	spin_lock(&hsx_can_buses_lock);
	hsx_can_buses[bus->index] = NULL;
	spin_unlock(&hsx_can_buses_lock);
	pr_info("can: bus %u unbound from %s\n", bus->index, bus->ifname);
	hsx_instance_remove(bus->inst);
}

static void hsx_can_gone_work(struct work_struct *work)
{
	struct hsx_can_bus *bus = container_of(work, struct hsx_can_bus, gone_work);
	struct hsx_instance *inst = bus->inst;

	mutex_lock(&hsx_can_bind_mutex);
	if (hsx_can_buses[bus->index] == bus) {
		hsx_can_unbind_locked(bus);
		/* The tree's bus: its interface may be back already. */
		if (hsx_can_fw_slots[bus->index])
			queue_work(hsx_can_wq, &hsx_can_fw_work);
	}
	mutex_unlock(&hsx_can_bind_mutex);
	hsx_instance_put(inst);		/* the work's own; may free bus */
}

/* Whether an interface name is one the kernel could have. */
bool hsx_can_ifname_ok(const char *name)
{
	const char *p;

	if (!*name || strlen(name) >= HSX_CAN_IFNAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (p = name; *p; p++)
		if (!isgraph(*p) || *p == '/' || *p == ':')
			return false;
	return true;
}

/**
 * hsx_can_map_bus - bind a bus to an interface, or unbind it
 * @index: the bus
 * @ifname: the interface's name; "" unbinds the bus
 *
 * Return: 0, -EBUSY (the bus or the interface is bound, or the interface is
 * a controller's the device tree reserves), -ENODEV (no such interface),
 * -EINVAL (not a CAN interface), -ENXIO (unbinding a bus not bound),
 * -EOPNOTSUPP (the device tree reserves the bus, bound or not), -ENOMEM.
 */
int hsx_can_map_bus(unsigned int index, const char *ifname)
{
	struct hsx_can_bus *bus;
	int ret = 0;

	mutex_lock(&hsx_can_bind_mutex);
	bus = hsx_can_buses[index];
	if (hsx_can_fw_slots[index])
		ret = -EOPNOTSUPP;
	else if (ifname[0])
		ret = hsx_can_bind_locked(index, ifname, NULL);
	else if (!bus)
		ret = -ENXIO;
	else
		hsx_can_unbind_locked(bus);
	mutex_unlock(&hsx_can_bind_mutex);
	return ret;
}

/**
 * hsx_can_parse_map - parse one "BUS=IFNAME" binding of can_map
 * @param: the binding, and after a ',' those that follow
 * @bus: set to BUS
 * @ifname: set to IFNAME
 * @len: bytes at @ifname
 * @next: set to the next binding, or NULL after the last
 *
 * Return: 0, or -EINVAL for a malformed binding.
 */
int hsx_can_parse_map(const char *param, unsigned int *bus, char *ifname, size_t len,
		      const char **next)
{
	return hsx_parse_binding(param, HSX_CAN_MAX_BUSES, hsx_can_ifname_ok, bus, ifname, len,
				 next);
}

/* can_map at load: a bad binding fails the load; a missing interface is said and skipped. */
static int hsx_can_bind_param(const char *param)
{
	char ifname[HSX_CAN_IFNAME_MAX];
	const char *p = param;
	unsigned int index;
	int ret = 0;

	mutex_lock(&hsx_can_bind_mutex);
	while (p && *p) {
		ret = hsx_can_parse_map(p, &index, ifname, sizeof(ifname), &p);
		if (ret) {
			pr_err("can: can_map: bad binding in \"%s\"\n", param);
			break;
		}
		if (hsx_can_bind_locked(index, ifname, NULL))
			pr_err("can: can_map: bus %u not bound to %s\n", index, ifname);
	}
	mutex_unlock(&hsx_can_bind_mutex);
	return ret;
}

/**
 * hsx_can_fw_reserve - reserve the buses of a device-tree node and bind them
 * @ctrls: per bus, its controller's firmware node or NULL; the
 *	reservations copy the nodes' paths ("%pfwf") and hold nothing
 * @busy: set to the bus of an -EBUSY
 *
 * All or nothing: a bus bound already (by can_map or the admin), or a
 * controller whose interface is bound to some bus, is -EBUSY, no memory for
 * a path -ENOMEM, and nothing is reserved. The binding itself is
 * hsx_can_fw_work's, queued here.
 * Context: holding none of this file's locks.
 * Return: 0, -EBUSY or -ENOMEM.
 */
int hsx_can_fw_reserve(struct fwnode_handle *const *ctrls, unsigned int *busy)
{
	char *paths[HSX_CAN_MAX_BUSES] = { };
	struct hsx_can_bus *bus;
	unsigned int i, j;
	int ret = 0;

	for (i = 0; i < HSX_CAN_MAX_BUSES && !ret; i++) {
		if (!ctrls[i])
			continue;
		paths[i] = kasprintf(GFP_KERNEL, "%pfwf", ctrls[i]);
		if (!paths[i])
			ret = -ENOMEM;
	}
	if (ret)
		goto out;
	mutex_lock(&hsx_can_bind_mutex);
	rtnl_lock();		/* the bound buses' interfaces stay */
	spin_lock(&hsx_can_buses_lock);
	for (i = 0; i < HSX_CAN_MAX_BUSES && !ret; i++) {
		if (!ctrls[i])
			continue;
		if (hsx_can_buses[i] || hsx_can_fw_slots[i])
			ret = -EBUSY;
		for (j = 0; j < HSX_CAN_MAX_BUSES && !ret; j++) {
			bus = hsx_can_buses[j];
			if (bus && bus->dev && hsx_can_dev_of_ctrl(bus->dev, ctrls[i]))
				ret = -EBUSY;
		}
		*busy = i;
	}
	for (i = 0; i < HSX_CAN_MAX_BUSES && !ret; i++) {
		swap(hsx_can_fw_slots[i], paths[i]);
		hsx_can_fw_said[i] = 0;
	}
	spin_unlock(&hsx_can_buses_lock);
	rtnl_unlock();
	mutex_unlock(&hsx_can_bind_mutex);
out:
	for (i = 0; i < HSX_CAN_MAX_BUSES; i++)
		kfree(paths[i]);
	if (!ret)
		queue_work(hsx_can_wq, &hsx_can_fw_work);
	return ret;
}

/*
 * The tree's bus @i is bound: if its controller has several CAN interfaces
 * now (a second channel registered after the first was bound), unbind it:
 * which channel is the bus cannot be told. Context: under hsx_can_bind_mutex.
 */
static int hsx_can_fw_check_bound(unsigned int i)
{
	struct net_device *dev;
	int ret;

	rtnl_lock();
	ret = hsx_can_dev_by_ctrl(hsx_can_fw_slots[i], &dev);
	rtnl_unlock();
	if (ret != -ENOTUNIQ)
		return 0;
	hsx_can_unbind_locked(hsx_can_buses[i]);
	return ret;
}

/*
 * Bind each reserved bus not bound whose controller has its interface. One
 * without (-ENODEV) waits for the notifier of the interface registering; a
 * bus no longer reserved (its node went meanwhile) is not bound. Why a bus
 * is not bound is said once, not at every interface registering.
 */
static void hsx_can_fw_work_fn(struct work_struct *work)
{
	const char *path;
	unsigned int i;
	int ret;

	mutex_lock(&hsx_can_bind_mutex);
	for (i = 0; i < HSX_CAN_MAX_BUSES; i++) {
		path = hsx_can_fw_slots[i];
		if (!path)
			continue;
		if (hsx_can_buses[i])
			ret = hsx_can_fw_check_bound(i);
		else
			ret = hsx_can_bind_locked(i, NULL, path);
		if (ret == hsx_can_fw_said[i])
			continue;
		hsx_can_fw_said[i] = ret;
		if (ret == -ENODEV)
			pr_info("can: bus %u waits for the interface of %s\n", i, path);
		else if (ret == -EINVAL)
			pr_err("can: bus %u: refused the interface of %s: not a CAN interface (or one the CAN core does not take)\n",
			       i, path);
		else if (ret == -ENOTUNIQ)
			pr_err("can: bus %u: refused %s: the controller has several CAN interfaces (channels), and hsx-cans names a device, not a channel\n",
			       i, path);
		else if (ret)
			pr_err("can: bus %u: not bound to the interface of %s (%d) until it registers again\n",
			       i, path, ret);
	}
	mutex_unlock(&hsx_can_bind_mutex);
}

#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
/* For KUnit: does a reserved bus not bound wait for @fwnode's interface? */
bool hsx_can_fw_test_waits_for(const struct fwnode_handle *fwnode)
{
	bool waiting = false;
	unsigned int i;
	char *path;

	path = kasprintf(GFP_KERNEL, "%pfwf", fwnode);
	if (!path)
		return false;
	mutex_lock(&hsx_can_bind_mutex);
	for (i = 0; i < HSX_CAN_MAX_BUSES; i++)
		waiting |= !hsx_can_buses[i] && hsx_can_fw_slots[i] &&
			   !strcmp(hsx_can_fw_slots[i], path);
	mutex_unlock(&hsx_can_bind_mutex);
	kfree(path);
	return waiting;
}
#endif

/**
 * hsx_can_fw_release - the device-tree node went away: its buses are free,
 *	and those it bound are unbound
 *
 * hsx_can_fw_work, if it runs meanwhile, binds no bus of the node's.
 * Context: holding none of this file's locks.
 */
void hsx_can_fw_release(void)
{
	char *put[HSX_CAN_MAX_BUSES];
	unsigned int i;

	mutex_lock(&hsx_can_bind_mutex);
	spin_lock(&hsx_can_buses_lock);
	for (i = 0; i < HSX_CAN_MAX_BUSES; i++) {
		put[i] = hsx_can_fw_slots[i];
		hsx_can_fw_slots[i] = NULL;
	}
	spin_unlock(&hsx_can_buses_lock);
	for (i = 0; i < HSX_CAN_MAX_BUSES; i++)
		if (hsx_can_buses[i] && hsx_can_buses[i]->from_dt)
			hsx_can_unbind_locked(hsx_can_buses[i]);
	mutex_unlock(&hsx_can_bind_mutex);
	for (i = 0; i < HSX_CAN_MAX_BUSES; i++)
		kfree(put[i]);
}

static void hsx_can_unbind_all(void)
{
	unsigned int i;

	mutex_lock(&hsx_can_bind_mutex);
	for (i = 0; i < HSX_CAN_MAX_BUSES; i++)
		if (hsx_can_buses[i])
			hsx_can_unbind_locked(hsx_can_buses[i]);
	mutex_unlock(&hsx_can_bind_mutex);
}

void hsx_can_instance_unplug(struct hsx_instance *inst)
{
	struct hsx_can_bus *bus = inst->priv;

	wake_up_all(&bus->tx_wait);
}

/*
 * Nothing of the module runs on the bus any more: its jobs end (their end
 * records posted while the mailboxes are there) and its watches post no
 * more, then let go of the interface.
 */
void hsx_can_instance_gone(struct hsx_instance *inst)
{
	struct hsx_can_bus *bus = inst->priv;

	hsx_can_jobs_bus_gone(bus);
	hsx_can_watches_bus_gone(bus);
	rtnl_lock();
	hsx_can_detach(bus);
	rtnl_unlock();
	/* Nothing pending is left (detach failed it), nor will be: no TX runs. */
	cancel_delayed_work_sync(&bus->pending_work);
	synchronize_rcu();	/* receive callbacks in flight end before their mailboxes */
	hsx_can_destroy_mboxes(bus);
}

void hsx_can_instance_release(struct hsx_instance *inst)
{
	kfree(inst->priv);
}

/* ---- setting up and tearing down ------------------------------------------------ */

int hsx_can_buses_init(void)
{
	int ret;

	hsx_can_wq = alloc_workqueue("hsx_can", 0, 0);
	if (!hsx_can_wq)
		return -ENOMEM;
	ret = register_netdevice_notifier(&hsx_can_netdev_notifier);
	if (ret)
		goto err_wq;
	/* The tree's buses first: can_map binds only what they leave. */
	ret = hsx_can_fw_register();
	if (ret)
		goto err_notifier;
	/* The tree's buses bound before can_map's (the driver probed in register). */
	flush_work(&hsx_can_fw_work);
	if (can_map) {
		ret = hsx_can_bind_param(can_map);
		if (ret)
			goto err_fw;
	}
	return 0;

err_fw:
	hsx_can_fw_unregister();
	cancel_work_sync(&hsx_can_fw_work);
err_notifier:
	hsx_can_unbind_all();
	unregister_netdevice_notifier(&hsx_can_netdev_notifier);
err_wq:
	destroy_workqueue(hsx_can_wq);
	return ret;
}

/* Every bus unbound first: unregistering the notifier replays UNREGISTER for every interface. */
void hsx_can_buses_exit(void)
{
	hsx_can_fw_unregister();
	/* No bus is reserved any more: nothing queues the work again. */
	cancel_work_sync(&hsx_can_fw_work);
	hsx_can_unbind_all();
	unregister_netdevice_notifier(&hsx_can_netdev_notifier);
	destroy_workqueue(hsx_can_wq);
}

/* A capability ended: its holder may be waiting on a bus. Wake every waiter to look. */
void hsx_can_buses_wake(void)
{
	unsigned int i;

	spin_lock(&hsx_can_buses_lock);
	for (i = 0; i < HSX_CAN_MAX_BUSES; i++)
		if (hsx_can_buses[i])
			wake_up_all(&hsx_can_buses[i]->tx_wait);
	spin_unlock(&hsx_can_buses_lock);
}

/* The bound bus @index with a reference to its instance, or NULL. */
struct hsx_can_bus *hsx_can_bus_get(unsigned int index)
{
	struct hsx_can_bus *bus;

	spin_lock(&hsx_can_buses_lock);
	bus = hsx_can_buses[index];
	if (bus && bus->inst)
		hsx_instance_get(bus->inst);
	else
		bus = NULL;
	spin_unlock(&hsx_can_buses_lock);
	return bus;
}

/* ---- /sys/hal/can/<n> ------------------------------------------------------------ */

static struct hsx_can_bus *hsx_can_bus_of(struct kobject *kobj)
{
	return hsx_instance_of_dir(kobj)->priv;
}

static ssize_t interface_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", hsx_can_bus_of(kobj)->ifname);
}

static ssize_t source_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", hsx_can_bus_of(kobj)->from_dt ? "devicetree" : "map");
}

static const char *const hsx_can_state_names[] = {
	[HSX_CAN_STATE_ACTIVE] = "error-active",
	[HSX_CAN_STATE_WARNING] = "error-warning",
	[HSX_CAN_STATE_PASSIVE] = "error-passive",
	[HSX_CAN_STATE_BUS_OFF] = "bus-off",
	[HSX_CAN_STATE_STOPPED] = "stopped",
	[HSX_CAN_STATE_SLEEPING] = "sleeping",
	[HSX_CAN_STATE_NONE] = "none",
};

/* The interface's state as its driver keeps it, or what error frames said. */
static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_can_bus *bus = hsx_can_bus_of(kobj);
	netdevice_tracker tracker;
	struct net_device *dev = hsx_can_dev_hold(bus, &tracker);
	u8 state = READ_ONCE(bus->state);
	struct can_priv *priv;

	if (!dev)
		return sysfs_emit(buf, "gone\n");
	priv = hsx_can_priv(dev);
	if (!(READ_ONCE(dev->flags) & IFF_UP))
		state = HSX_CAN_STATE_STOPPED;
	else if (priv && priv->state <= CAN_STATE_SLEEPING)
		state = priv->state;
	netdev_put(dev, &tracker);
	return sysfs_emit(buf, "%s\n", hsx_can_state_names[min_t(u8, state, HSX_CAN_STATE_NONE)]);
}

static ssize_t bitrate_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_can_bus *bus = hsx_can_bus_of(kobj);
	netdevice_tracker tracker;
	struct net_device *dev = hsx_can_dev_hold(bus, &tracker);
	struct can_priv *priv;
	u32 bitrate = 0;

	if (dev) {
		priv = hsx_can_priv(dev);
		if (priv)
			bitrate = READ_ONCE(priv->bittiming.bitrate);
		netdev_put(dev, &tracker);
	}
	return sysfs_emit(buf, "%u\n", bitrate);
}

static ssize_t hsx_can_counter_show(struct kobject *kobj, char *buf, size_t offset)
{
	atomic64_t *counter = (atomic64_t *)((char *)hsx_can_bus_of(kobj) + offset);

	return sysfs_emit(buf, "%lld\n", atomic64_read(counter));
}

/* One show function per counter, since sysfs passes no field. */
#define HSX_CAN_COUNTER_SHOW(name, field)							\
static ssize_t name##_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)	\
{												\
	return hsx_can_counter_show(kobj, buf, offsetof(struct hsx_can_bus, field));		\
}

HSX_CAN_COUNTER_SHOW(rx_frames, rx_frames)
HSX_CAN_COUNTER_SHOW(tx_frames, tx_frames)
HSX_CAN_COUNTER_SHOW(tx_failed, tx_failed)
HSX_CAN_COUNTER_SHOW(error_frames, error_frames)
HSX_CAN_COUNTER_SHOW(bus_off, bus_off)

static struct kobj_attribute hsx_can_attr_rx_frames = __ATTR_RO_MODE(rx_frames, 0400);
static struct kobj_attribute hsx_can_attr_tx_frames = __ATTR_RO_MODE(tx_frames, 0400);
static struct kobj_attribute hsx_can_attr_tx_failed = __ATTR_RO_MODE(tx_failed, 0400);
static struct kobj_attribute hsx_can_attr_error_frames = __ATTR_RO_MODE(error_frames, 0400);
static struct kobj_attribute hsx_can_attr_bus_off = __ATTR_RO_MODE(bus_off, 0400);

static ssize_t rx_drops_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_can_bus *bus = hsx_can_bus_of(kobj);
	u64 drops = 0;

	/* Events the bus's subscribers did not take, over all of them. */
	if (bus->rx_mbox)
		drops += hsx_mbox_drops(bus->rx_mbox);
	if (bus->spec_mbox)
		drops += hsx_mbox_drops(bus->spec_mbox);
	return sysfs_emit(buf, "%llu\n", drops);
}

static ssize_t filters_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&hsx_can_bus_of(kobj)->filters_on));
}

static ssize_t users_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&hsx_can_bus_of(kobj)->users));
}

static struct kobj_attribute hsx_can_attr_interface = __ATTR_RO(interface);
static struct kobj_attribute hsx_can_attr_source = __ATTR_RO(source);
static struct kobj_attribute hsx_can_attr_state = __ATTR_RO(state);
static struct kobj_attribute hsx_can_attr_bitrate = __ATTR_RO(bitrate);
static struct kobj_attribute hsx_can_attr_rx_drops = __ATTR_RO_MODE(rx_drops, 0400);
static struct kobj_attribute hsx_can_attr_filters = __ATTR_RO(filters);
static struct kobj_attribute hsx_can_attr_users = __ATTR_RO(users);

static struct attribute *hsx_can_bus_attrs[] = {
	&hsx_can_attr_interface.attr,
	&hsx_can_attr_source.attr,
	&hsx_can_attr_state.attr,
	&hsx_can_attr_bitrate.attr,
	&hsx_can_attr_rx_frames.attr,
	&hsx_can_attr_tx_frames.attr,
	&hsx_can_attr_tx_failed.attr,
	&hsx_can_attr_error_frames.attr,
	&hsx_can_attr_bus_off.attr,
	&hsx_can_attr_rx_drops.attr,
	&hsx_can_attr_filters.attr,
	&hsx_can_attr_users.attr,
	NULL,
};

const struct attribute_group hsx_can_bus_group = {
	.attrs = hsx_can_bus_attrs,
};
