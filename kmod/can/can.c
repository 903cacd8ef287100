// SPDX-License-Identifier: GPL-2.0
/*
 * HAL module 0x11: CAN. Buses 0..HSX_CAN_MAX_BUSES-1, each bound to a
 * SocketCAN interface (see the uAPI header) and then an instance:
 * /dev/hsx/can<n> and /sys/hal/can/<n>. This file is the module: its
 * functions and their capability checks. can_bus.c binds buses and takes
 * what they receive; can_client.c keeps each file's banks and identity.
 *
 * Lifetimes. An operation finds its bus with hsx_can_bus_get(), which takes
 * a reference to the bus's instance, and enters the instance's SRCU
 * section, so unbinding waits for it and the bus's memory stays until the
 * last reference goes. TX, which waits, checks its capability itself: each
 * attempt to send runs in one hsx_cap_srcu section with its check (can_send()
 * does not sleep), the waits between and after them in none, so a
 * revocation does not wait for a TX, and once it returned the holder sends
 * nothing more.
 */
#include <linux/bitops.h>
#include <linux/can.h>
#include <linux/can/core.h>
#include <linux/can/dev.h>
#include <linux/can/skb.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "can.h"
#include "cap.h"
#include "compat.h"
#include "core.h"
#include "instance.h"

/* A TX waiting for queue room retries at least this often. */
#define HSX_CAN_RETRY_SLICE	max(1, HZ / 250)

/* ---- the rules ---------------------------------------------------------------- */

/* The lengths a CAN FD frame can have (a DLC of 0..15). */
static bool hsx_can_fd_len_ok(u8 len)
{
	return len <= 8 || len == 12 || len == 16 || len == 20 || len == 24 || len == 32 ||
	       len == 48 || len == 64;
}

/* A frame a file may send: 0 or -EINVAL. */
int hsx_can_check_frame(const struct hsx_can_frame *f)
{
	bool fd = f->flags & HSX_CAN_F_FD;

	if (f->flags & ~HSX_CAN_F_TX || f->reserved[0] || f->reserved[1])
		return -EINVAL;
	if (f->can_id > (f->flags & HSX_CAN_F_EXT ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK))
		return -EINVAL;
	if (fd ? !hsx_can_fd_len_ok(f->len) || (f->flags & HSX_CAN_F_RTR) : f->len > 8)
		return -EINVAL;
	if ((f->flags & HSX_CAN_F_BRS) && !fd)
		return -EINVAL;
	return 0;
}

/*
 * A frame a file sends, once checked: the bytes past its length (all of a
 * remote request's) are not sent, and they are cleared so that the records
 * that carry the frame back (TX_DONE, TX_FAILED, PERIODIC_END) have zeros
 * there, as every record does.
 */
void hsx_can_frame_clear_tail(struct hsx_can_frame *f)
{
	unsigned int len = f->flags & HSX_CAN_F_RTR ? 0 : min_t(unsigned int, f->len,
								  HSX_CAN_DATA_MAX);

	memset(f->data + len, 0, HSX_CAN_DATA_MAX - len);
}

/* A frame's ID as capabilities' ranges name it (HSX_CAN_SEL_EXT). */
u32 hsx_can_sel_id(u32 can_id, u8 flags)
{
	return flags & HSX_CAN_F_EXT ? can_id | HSX_CAN_SEL_EXT : can_id;
}

/* The bus a function names: in range, and the instance's own on its node. */
int hsx_can_check_bus(struct hsx_client *client, u32 bus)
{
	if (bus >= HSX_CAN_MAX_BUSES)
		return -EINVAL;
	if (client->inst && client->inst->index != bus)
		return -EINVAL;
	return 0;
}

/* ---- finding a bus --------------------------------------------------------------- */

/*
 * May @client do what needs @need on @object (HSX_CAN_OBJ_*)? For TX, which
 * checks outside the dispatcher's section. 0 or a denial.
 */
int hsx_can_authorize(struct hsx_client *client, u32 need, u64 object)
{
	int idx = srcu_read_lock(&hsx_cap_srcu);
	int ret = hsx_cap_check(client, HSX_MODULE_CAN, need);

	if (!ret && !hsx_cap_covers(client, &hsx_can_module, object))
		ret = -EACCES;
	srcu_read_unlock(&hsx_cap_srcu, idx);
	return ret;
}

/*
 * Would @client's capability allow @need on @object? A question, for an
 * operation that needs nothing (STOP, DISARM: do they tell the counts):
 * neither counted nor logged as a denial. 0 or a denial.
 */
int hsx_can_may(struct hsx_client *client, u32 need, u64 object)
{
	int idx = srcu_read_lock(&hsx_cap_srcu);
	int ret = hsx_cap_may(client, &hsx_can_module, need, object);

	srcu_read_unlock(&hsx_cap_srcu, idx);
	return ret;
}

/**
 * hsx_can_get - the bound bus @index, for one operation
 * @client: the caller's file
 * @index: the bus
 * @idx: set to the instance's SRCU index; give both to hsx_can_put()
 *
 * Return: the bus, or ERR_PTR(-ENXIO) when it is not bound, ERR_PTR(-ENODEV)
 * when its interface went away or (on /dev/hsx/can<n>) the node's binding
 * ended.
 */
struct hsx_can_bus *hsx_can_get(struct hsx_client *client, u32 index, int *idx)
{
	struct hsx_can_bus *bus = hsx_can_bus_get(index);

	if (!bus)
		return ERR_PTR(client->inst ? -ENODEV : -ENXIO);
	*idx = srcu_read_lock(&bus->inst->srcu);
	if (hsx_instance_gone(bus->inst) || READ_ONCE(bus->dead) ||
	    (client->inst && client->inst != bus->inst)) {
		srcu_read_unlock(&bus->inst->srcu, *idx);
		hsx_instance_put(bus->inst);
		return ERR_PTR(-ENODEV);
	}
	hsx_can_note_user(client, bus);
	return bus;
}

void hsx_can_put(struct hsx_can_bus *bus, int idx)
{
	struct hsx_instance *inst = bus->inst;

	srcu_read_unlock(&inst->srcu, idx);
	hsx_instance_put(inst);		/* may free bus */
}

/*
 * The bus for a function whose rights the dispatcher checked: it must also
 * be one of the capability's buses.
 */
static struct hsx_can_bus *hsx_can_enter(struct hsx_client *client, u32 index, int *idx)
{
	if (!hsx_cap_covers(client, &hsx_can_module, HSX_CAN_OBJ_BUS(index)))
		return ERR_PTR(-EACCES);
	return hsx_can_get(client, index, idx);
}

static bool hsx_can_stopping(struct hsx_can_bus *bus)
{
	return hsx_instance_gone(bus->inst) || READ_ONCE(bus->dead);
}

/* ---- TX ------------------------------------------------------------------------- */

/*
 * The skb of @f for @dev, owned by @sk; @cookie is set to its mark, which
 * its echo carries: the CAN core's own unique number (can_skb_priv.skbcnt),
 * so that no other frame's can be the same (can-raw tells frames apart by it).
 */
static struct sk_buff *hsx_can_skb(struct net_device *dev, struct sock *sk,
				   const struct hsx_can_frame *f, u32 *cookie, gfp_t gfp)
{
	bool fd = f->flags & HSX_CAN_F_FD;
	size_t size = fd ? CANFD_MTU : CAN_MTU;
	canid_t id = f->can_id;
	struct sk_buff *skb;

	skb = alloc_skb(size + sizeof(struct can_skb_priv), gfp);
	if (!skb)
		return NULL;
	can_skb_reserve(skb);
	can_skb_prv(skb)->ifindex = dev->ifindex;
	can_skb_prv(skb)->skbcnt = 0;
	hsx_can_set_skb_uid(skb);
	*cookie = can_skb_prv(skb)->skbcnt;
	if (f->flags & HSX_CAN_F_EXT)
		id |= CAN_EFF_FLAG;
	if (fd) {
		struct canfd_frame *cfd = skb_put_zero(skb, CANFD_MTU);

		cfd->can_id = id;
		cfd->len = f->len;
		cfd->flags = f->flags & HSX_CAN_F_BRS ? CANFD_BRS : 0;
		memcpy(cfd->data, f->data, f->len);
	} else {
		struct can_frame *cf = skb_put_zero(skb, CAN_MTU);

		cf->can_id = id | (f->flags & HSX_CAN_F_RTR ? CAN_RTR_FLAG : 0);
		cf->len = f->len;
		if (!(f->flags & HSX_CAN_F_RTR))
			memcpy(cf->data, f->data, f->len);
	}
	skb->dev = dev;
	can_skb_set_owner(skb, sk);
	return skb;
}

/*
 * Hand the frame to the CAN core once, registered first (with @w, or as
 * NOWAIT with @p, or with neither for a periodic job) for its echo, which
 * may come before can_send() returns: 0 or an errno (-ENOBUFS: the queue is
 * full; -ENODEV: the interface is gone; -EAGAIN: too many NOWAIT frames
 * pending, the file's or the bus's). Context: in the caller's hsx_cap_srcu
 * section; a periodic job's timer (softirq) with GFP_ATOMIC.
 */
int hsx_can_xmit(struct hsx_can_bus *bus, struct sock *sk, const struct hsx_can_frame *f,
		 struct hsx_can_tx_wait *w, struct hsx_can_pending *p, u32 *cookie, gfp_t gfp)
{
	netdevice_tracker tracker;
	struct net_device *dev = hsx_can_dev_hold(bus, &tracker);
	struct sk_buff *skb;
	int ret;

	if (!dev)
		return -ENODEV;
	skb = hsx_can_skb(dev, sk, f, cookie, gfp);
	if (!skb) {
		netdev_put(dev, &tracker);
		return -ENOMEM;
	}
	if (w) {
		w->cookie = *cookie;
		spin_lock_bh(&bus->tx_lock);
		list_add_tail(&w->node, &bus->tx_waiting);
		spin_unlock_bh(&bus->tx_lock);
	} else if (p) {
		p->cookie = *cookie;
		ret = hsx_can_pending_add(bus, p);
		if (ret) {
			kfree_skb(skb);
			netdev_put(dev, &tracker);
			return ret;
		}
	}
	/* loop=1: vcan delivers nothing else, and the echo is the completion. */
	ret = can_send(skb, 1);
	if (w && ret) {
		spin_lock_bh(&bus->tx_lock);
		list_del(&w->node);
		spin_unlock_bh(&bus->tx_lock);
	} else if (p) {
		ret = hsx_can_pending_queued(bus, p, ret);
	}
	netdev_put(dev, &tracker);
	return ret;
}

static bool hsx_can_tx_over(struct hsx_can_bus *bus, struct hsx_can_tx_wait *w)
{
	return READ_ONCE(w->done) || hsx_can_stopping(bus);
}

/*
 * A record holds the frame as the bus carries it: its TX_DONE or TX_FAILED is
 * built from the sender's copy, whose bytes past the length (all of them for a
 * remote request) the bus never saw.
 */
static void hsx_can_frame_trim(struct hsx_can_frame *f)
{
	unsigned int len = f->flags & HSX_CAN_F_RTR ? 0 : f->len;

	memset(f->data + len, 0, sizeof(f->data) - len);
}

/*
 * Send, waiting out a full queue until @deadline. Each attempt is checked
 * and made in one hsx_cap_srcu section: a revocation that returned saw it
 * through, or comes before it and denies it. With @w, registered for the
 * echo at each attempt; @cookie is the last attempt's mark.
 */
static int hsx_can_send(struct hsx_client *client, struct hsx_can_bus *bus, struct sock *sk,
			const struct hsx_can_tx *tx, struct hsx_can_tx_wait *w, u32 *cookie,
			unsigned long deadline)
{
	struct hsx_can_pending *p = NULL;
	u64 object = HSX_CAN_OBJ_TX(bus->index, hsx_can_sel_id(tx->frame.can_id,
								 tx->frame.flags));
	long left;
	int idx, ret;

	for (;;) {
		/* A NOWAIT frame's entry: the bus owns it once the CAN core took the frame. */
		if (!w && !p) {
			/* Charged to the sender: up to HSX_CAN_TX_PENDING_MAX may stay. */
			p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
			if (!p)
				return -ENOMEM;
			p->sk = sk;
			p->file_count = &hsx_can_client_of(client)->pending[bus->index];
			p->frame = tx->frame;
			hsx_can_frame_trim(&p->frame);
			p->deadline = deadline;
		}
		idx = srcu_read_lock(&hsx_cap_srcu);
		ret = hsx_cap_check(client, HSX_MODULE_CAN, HSX_CAP_R_WRITE);
		if (!ret && !hsx_cap_covers(client, &hsx_can_module, object))
			ret = -EACCES;
		if (!ret)
			ret = hsx_can_xmit(bus, sk, &tx->frame, w, p, cookie, GFP_KERNEL);
		srcu_read_unlock(&hsx_cap_srcu, idx);
		if (!ret)
			return 0;
		/* Not sent: the entry is still the caller's (a -ENOBUFS retry reuses it). */
		if (ret != -ENOBUFS)
			goto out;
		left = (long)(deadline - jiffies);
		if (left <= 0)
			goto out;
		/*
		 * An echo of hsx's wakes this; others' do not, hence the slice.
		 * Nothing went yet: a signal may restart the call.
		 */
		left = wait_event_interruptible_timeout(bus->tx_wait, hsx_can_stopping(bus),
							min_t(long, left, HSX_CAN_RETRY_SLICE));
		if (left < 0) {
			ret = left;
			goto out;
		}
		if (hsx_can_stopping(bus)) {
			ret = -ENODEV;
			goto out;
		}
	}
out:
	kfree(p);
	return ret;
}

/* Wait for @w's echo until @deadline; then it is off the list. */
static int hsx_can_wait_echo(struct hsx_can_bus *bus, struct hsx_can_tx_wait *w,
			     unsigned long deadline)
{
	long left = max_t(long, (long)(deadline - jiffies), 0);
	long ret;

	ret = wait_event_interruptible_timeout(bus->tx_wait, hsx_can_tx_over(bus, w), left);
	spin_lock_bh(&bus->tx_lock);
	list_del(&w->node);
	spin_unlock_bh(&bus->tx_lock);
	if (READ_ONCE(w->done))
		return 0;
	if (hsx_can_stopping(bus))
		return -ENODEV;
	return ret < 0 ? -EINTR : -ETIMEDOUT;
}

static long hsx_can_tx(struct hsx_client *client, void *arg)
{
	struct hsx_can_client *cc = hsx_can_client_of(client);
	struct hsx_can_tx *tx = arg;
	struct hsx_can_tx_wait w = {};
	struct hsx_can_bus *bus;
	unsigned long deadline;
	struct sock *sk;
	bool nowait = tx->flags & HSX_CAN_TX_NOWAIT;
	u32 cookie = 0;
	int idx, ret;

	ret = hsx_can_check_bus(client, tx->bus) ?: hsx_can_check_frame(&tx->frame);
	if (ret || tx->flags & ~HSX_CAN_TX_ALL || tx->reserved ||
	    tx->timeout_ms > HSX_CAN_TIMEOUT_MAX_MS)
		return ret ?: -EINVAL;
	hsx_can_frame_clear_tail(&tx->frame);
	ret = hsx_can_authorize(client, HSX_CAP_R_WRITE,
				HSX_CAN_OBJ_TX(tx->bus, hsx_can_sel_id(tx->frame.can_id,
								       tx->frame.flags)));
	if (ret)
		return ret;
	ret = hsx_can_client_sock(cc, nowait ? HSX_CAN_SOCK_NOWAIT : HSX_CAN_SOCK_WAIT, &sk);
	if (ret)
		return ret;
	bus = hsx_can_get(client, tx->bus, &idx);
	if (IS_ERR(bus))
		return PTR_ERR(bus);
	deadline = jiffies + msecs_to_jiffies(tx->timeout_ms ?: HSX_CAN_TX_TIMEOUT_DEFAULT_MS);
	w.sk = sk;
	ret = hsx_can_send(client, bus, sk, tx, nowait ? NULL : &w, &cookie, deadline);
	if (!ret && !nowait)
		ret = hsx_can_wait_echo(bus, &w, deadline);
	tx->cookie = cookie;
	if (ret)
		atomic64_inc(&bus->tx_failed);
	hsx_can_put(bus, idx);
	return ret;
}

/* ---- the others ------------------------------------------------------------------ */

static u32 hsx_can_mode_of(u32 ctrlmode)
{
	return (ctrlmode & CAN_CTRLMODE_LOOPBACK ? HSX_CAN_MODE_LOOPBACK : 0) |
	       (ctrlmode & CAN_CTRLMODE_LISTENONLY ? HSX_CAN_MODE_LISTEN_ONLY : 0) |
	       (ctrlmode & CAN_CTRLMODE_FD ? HSX_CAN_MODE_FD : 0);
}

static long hsx_can_config(struct hsx_client *client, void *arg)
{
	struct hsx_can_config *c = arg;
	netdevice_tracker tracker;
	struct net_device *dev;
	struct hsx_can_bus *bus;
	struct can_priv *priv;
	int idx, ret;

	ret = hsx_can_check_bus(client, c->bus);
	if (ret || c->bitrate > HSX_CAN_BITRATE_MAX || c->data_bitrate > HSX_CAN_BITRATE_MAX ||
	    c->mode & ~HSX_CAN_MODE_ALL || memchr_inv(c->reserved, 0, sizeof(c->reserved)))
		return ret ?: -EINVAL;
	bus = hsx_can_enter(client, c->bus, &idx);
	if (IS_ERR(bus))
		return PTR_ERR(bus);
	dev = hsx_can_dev_hold(bus, &tracker);
	if (!dev) {
		ret = -ENODEV;
		goto out;
	}
	/* What can_changelink() writes, read as can_fill_info() does. */
	rtnl_lock();
	priv = hsx_can_priv(dev);
	if (!priv)
		ret = c->bitrate || c->data_bitrate || c->mode ? -EOPNOTSUPP : 0;
	else if ((c->bitrate && c->bitrate != priv->bittiming.bitrate) ||
		 (c->data_bitrate && c->data_bitrate != priv->data_bittiming.bitrate) ||
		 c->mode != hsx_can_mode_of(priv->ctrlmode))
		ret = -EREMCHG;
	rtnl_unlock();
	netdev_put(dev, &tracker);
out:
	hsx_can_put(bus, idx);
	return ret;
}

static long hsx_can_set_filter(struct hsx_client *client, void *arg)
{
	struct hsx_can_filter *f = arg;
	struct hsx_can_bus *bus;
	int idx, ret;

	ret = hsx_can_check_bus(client, f->bus) ?: hsx_can_check_filter(f);
	if (ret)
		return ret;
	bus = hsx_can_enter(client, f->bus, &idx);
	if (IS_ERR(bus))
		return PTR_ERR(bus);
	ret = hsx_can_set_banks(hsx_can_client_of(client), bus, f);
	hsx_can_put(bus, idx);
	return ret;
}

/* The controller's part of a status: state, counters, bit timing. */
static void hsx_can_controller_status(struct hsx_can_bus *bus, struct net_device *dev,
				      struct hsx_can_status *st)
{
	struct can_berr_counter bec = {};
	struct can_priv *priv;
	bool up;

	st->state = READ_ONCE(bus->state);
	if (READ_ONCE(dev->mtu) >= CANFD_MTU)
		st->status |= HSX_CAN_ST_FD;
	/*
	 * Up or down read once, under RTNL, which changes it: the status's UP
	 * bit and its state always tell the same.
	 */
	rtnl_lock();
	up = dev->flags & IFF_UP;
	priv = hsx_can_priv(dev);
	if (priv) {
		st->state = priv->state;
		st->bitrate = priv->bittiming.bitrate;
		st->data_bitrate = priv->data_bittiming.bitrate;
		st->mode = hsx_can_mode_of(priv->ctrlmode);
		if (up && priv->do_get_berr_counter && !priv->do_get_berr_counter(dev, &bec)) {
			st->tx_errors = bec.txerr;
			st->rx_errors = bec.rxerr;
		}
	}
	rtnl_unlock();
	if (up)
		st->status |= HSX_CAN_ST_UP;
	else
		st->state = HSX_CAN_STATE_STOPPED;
	if (st->state == HSX_CAN_STATE_BUS_OFF)
		st->status |= HSX_CAN_ST_BUS_OFF;
	else if (st->state == HSX_CAN_STATE_PASSIVE)
		st->status |= HSX_CAN_ST_PASSIVE;
	else if (st->state == HSX_CAN_STATE_WARNING)
		st->status |= HSX_CAN_ST_WARNING;
}

static long hsx_can_get_status(struct hsx_client *client, void *arg)
{
	struct hsx_can_status *st = arg;
	u32 index = st->bus;
	netdevice_tracker tracker;
	struct net_device *dev;
	struct hsx_can_bus *bus;
	int idx, ret;

	ret = hsx_can_check_bus(client, index);
	if (ret || st->reserved)
		return ret ?: -EINVAL;
	bus = hsx_can_enter(client, index, &idx);
	if (IS_ERR(bus))
		return PTR_ERR(bus);
	dev = hsx_can_dev_hold(bus, &tracker);
	if (!dev) {
		hsx_can_put(bus, idx);
		return -ENODEV;
	}
	memset(st, 0, sizeof(*st));
	st->bus = index;
	hsx_can_controller_status(bus, dev, st);
	netdev_put(dev, &tracker);
	st->rx_frames = atomic64_read(&bus->rx_frames);
	st->tx_frames = atomic64_read(&bus->tx_frames);
	st->tx_failed = atomic64_read(&bus->tx_failed);
	st->error_frames = atomic64_read(&bus->error_frames);
	st->bus_off = atomic64_read(&bus->bus_off);
	if (hsx_can_errors_since(client, bus))
		st->status |= HSX_CAN_ST_ERRORS;
	hsx_can_put(bus, idx);
	return 0;
}

static long hsx_can_info(struct hsx_client *client, void *arg)
{
	struct hsx_can_info *info = arg;
	u32 index = info->bus;
	netdevice_tracker tracker;
	struct net_device *dev;
	struct hsx_can_bus *bus;
	int idx, ret;

	ret = hsx_can_check_bus(client, index);
	if (ret || info->reserved)
		return ret ?: -EINVAL;
	memset(info, 0, sizeof(*info));
	info->bus = index;
	bus = hsx_can_enter(client, index, &idx);
	if (IS_ERR(bus))
		return PTR_ERR(bus) == -ENXIO ? 0 : PTR_ERR(bus);
	info->bound = 1;
	info->from_dt = bus->from_dt;
	info->ifindex = bus->ifindex;
	/* hsx_can_renamed() writes it under the lock. */
	spin_lock_bh(&bus->dev_lock);
	strscpy(info->ifname, bus->ifname, sizeof(info->ifname));
	spin_unlock_bh(&bus->dev_lock);
	dev = hsx_can_dev_hold(bus, &tracker);
	if (dev) {
		info->mtu = READ_ONCE(dev->mtu);
		netdev_put(dev, &tracker);
	}
	hsx_can_put(bus, idx);
	return 0;
}

static long hsx_can_map(struct hsx_client *client, void *arg)
{
	struct hsx_can_map *m = arg;

	if (!client->admin)
		return -EPERM;
	if (m->bus >= HSX_CAN_MAX_BUSES || m->reserved ||
	    !memchr(m->ifname, '\0', sizeof(m->ifname)) ||
	    (m->ifname[0] && !hsx_can_ifname_ok(m->ifname)))
		return -EINVAL;
	return hsx_can_map_bus(m->bus, m->ifname);
}

/* ---- the module's hooks ------------------------------------------------------------ */

static int hsx_can_open(struct hsx_client *client)
{
	return hsx_can_client_open(client);
}

static void hsx_can_release(struct hsx_client *client)
{
	hsx_can_client_release(client);
}

/*
 * A capability ended: its holder may be waiting for queue room; wake it to
 * see. The file's periodic jobs and RX-timeout watches end (REVOKED).
 */
static void hsx_can_cap_ended(struct hsx_client *client)
{
	struct hsx_can_client *cc = hsx_can_client_of(client);

	hsx_can_buses_wake();
	if (!cc)
		return;
	mutex_lock(&cc->lock);
	hsx_can_jobs_cap_ended(cc);
	hsx_can_watches_cap_ended(cc);
	mutex_unlock(&cc->lock);
}

static int hsx_can_init(const struct hsx_module *mod)
{
	return hsx_can_buses_init();
}

static void hsx_can_exit(const struct hsx_module *mod)
{
	hsx_can_buses_exit();
}

/* ---- capabilities: buses and ID ranges ---------------------------------------------- */

static bool hsx_can_sel_id_ok(u32 selid)
{
	return selid <= HSX_CAN_SFF_MASK ||
	       (selid >= HSX_CAN_SEL_EXT && selid <= (HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK));
}

static bool hsx_can_range_ok(bool present, u32 first, u32 last)
{
	if (!present)
		return !first && !last;
	return first <= last && hsx_can_sel_id_ok(first) && hsx_can_sel_id_ok(last);
}

static int hsx_can_cap_validate(const union hsx_cap_selector *sel)
{
	const typeof(sel->can) *c = &sel->can;

	if (!c->buses || c->buses >> HSX_CAN_MAX_BUSES ||
	    c->flags & ~(HSX_CAN_SEL_TX | HSX_CAN_SEL_RX) || c->reserved[0] || c->reserved[1])
		return -EINVAL;
	if (!hsx_can_range_ok(c->flags & HSX_CAN_SEL_TX, c->tx_first, c->tx_last) ||
	    !hsx_can_range_ok(c->flags & HSX_CAN_SEL_RX, c->rx_first, c->rx_last))
		return -EINVAL;
	return 0;
}

/* Does the range inner (if present) lie within outer? */
static bool hsx_can_range_within(bool inner, u32 ifirst, u32 ilast, bool outer, u32 ofirst,
				 u32 olast)
{
	return !inner || (outer && ifirst >= ofirst && ilast <= olast);
}

static bool hsx_can_cap_subset(const union hsx_cap_selector *inner,
			       const union hsx_cap_selector *outer)
{
	const typeof(inner->can) *i = &inner->can, *o = &outer->can;

	return !(i->buses & ~o->buses) &&
	       hsx_can_range_within(i->flags & HSX_CAN_SEL_TX, i->tx_first, i->tx_last,
				    o->flags & HSX_CAN_SEL_TX, o->tx_first, o->tx_last) &&
	       hsx_can_range_within(i->flags & HSX_CAN_SEL_RX, i->rx_first, i->rx_last,
				    o->flags & HSX_CAN_SEL_RX, o->rx_first, o->rx_last);
}

/**
 * hsx_can_sel_covers - does a selector cover an object?
 * @sel: a valid CAN selector
 * @object: HSX_CAN_OBJ_BUS(), or _TX()/_RX() for a frame: its bus must be
 *	one of the selector's, and its ID in the direction's range
 */
bool hsx_can_sel_covers(const union hsx_cap_selector *sel, u64 object)
{
	const typeof(sel->can) *c = &sel->can;
	u32 bus = (object >> 32) & 0xff, selid = (u32)object;

	if (bus >= HSX_CAN_MAX_BUSES || !(c->buses & BIT(bus)))
		return false;
	if (object & BIT_ULL(40))
		return (c->flags & HSX_CAN_SEL_TX) && selid >= c->tx_first && selid <= c->tx_last;
	if (object & BIT_ULL(41))
		return (c->flags & HSX_CAN_SEL_RX) && selid >= c->rx_first && selid <= c->rx_last;
	return true;
}

static const struct hsx_cap_ops hsx_can_cap_ops = {
	.rights = HSX_CAP_R_CAN_ALL,
	.validate = hsx_can_cap_validate,
	.subset = hsx_can_cap_subset,
	.covers = hsx_can_sel_covers,
};

/*
 * TX, which waits, has no rights here: it checks its capability itself,
 * outside hsx_cap_srcu (see the top of the file). So does PERIODIC, whose
 * STOP and QUERY act on the file's own jobs and must work after its
 * capability ended (see can_cyclic.c).
 */
static const struct hsx_ioctl_op hsx_can_ops[] = {
	[HSX_CAN_FN_TX] = { HSX_IOC_CAN_TX, hsx_can_tx },
	[HSX_CAN_FN_CONFIG] = { HSX_IOC_CAN_CONFIG, hsx_can_config, HSX_CAP_R_CAN_CONFIG },
	[HSX_CAN_FN_SET_FILTER] = { HSX_IOC_CAN_SET_FILTER, hsx_can_set_filter, HSX_CAP_R_READ },
	[HSX_CAN_FN_GET_STATUS] = { HSX_IOC_CAN_GET_STATUS, hsx_can_get_status, HSX_CAP_R_READ },
	[HSX_CAN_FN_INFO] = { HSX_IOC_CAN_INFO, hsx_can_info, HSX_CAP_R_READ },
	/* Admin only: the handler checks the node. */
	[HSX_CAN_FN_MAP] = { HSX_IOC_CAN_MAP, hsx_can_map },
	[HSX_CAN_FN_PERIODIC] = { HSX_IOC_CAN_PERIODIC, hsx_can_periodic },
	/* Checks its capability itself: DISARM and QUERY as PERIODIC's STOP and QUERY. */
	[HSX_CAN_FN_WATCH] = { HSX_IOC_CAN_WATCH, hsx_can_watch },
};

const struct hsx_module hsx_can_module = {
	.id = HSX_MODULE_CAN,
	.name = "can",
	.ops = hsx_can_ops,
	.n_ops = ARRAY_SIZE(hsx_can_ops),
	.node_mode = 0666,
	.cap = &hsx_can_cap_ops,
	.init = hsx_can_init,
	.exit = hsx_can_exit,
	.open = hsx_can_open,
	.release = hsx_can_release,
	.cap_ended = hsx_can_cap_ended,
	.instance_unplug = hsx_can_instance_unplug,
	.instance_gone = hsx_can_instance_gone,
	.instance_release = hsx_can_instance_release,
	.enters_instances = true,
};
