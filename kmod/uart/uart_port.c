// SPDX-License-Identifier: GPL-2.0
/*
 * The UART module's ports: binding a port to a tty (uart_map, the admin's
 * HSX_IOC_UART_MAP, a hangup that unbinds), what a bound port receives (its
 * poll buffer and its mailbox), and /sys/hal/uart/<n>.
 *
 * hsx_uart_ports[] points to the bound ports. Binding and unbinding are
 * serialized by hsx_uart_bind_mutex; hsx_uart_ports_lock guards the table
 * and each port's inst pointer, which a hangup reads under the tty's lock
 * (where the mutex may not be taken: binding takes the tty's lock).
 */
#include <linux/bitops.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <net/genetlink.h>

#include "binding.h"
#include "cap.h"
#include "core.h"
#include "instance.h"
#include "mailbox.h"
#include "uart.h"

static char *uart_map;
module_param(uart_map, charp, 0444);
MODULE_PARM_DESC(uart_map, "bind ports to ttys at load: PORT=TTY[,PORT=TTY...], e.g. 0=ttyS1");

/* Serializes binding and unbinding. */
static DEFINE_MUTEX(hsx_uart_bind_mutex);
/* Guards hsx_uart_ports[] and each port's inst pointer against hangup. */
static DEFINE_SPINLOCK(hsx_uart_ports_lock);
static struct hsx_uart_dev *hsx_uart_ports[HSX_UART_MAX_PORTS];
/* Runs hangup unbinds; destroyed (drained) at exit. */
static struct workqueue_struct *hsx_uart_wq;

/* ---- receiving ------------------------------------------------------------ */

static u8 hsx_uart_flag_of(u8 tty_flag)
{
	switch (tty_flag) {
	case TTY_BREAK:
		return HSX_UART_RX_F_BREAK;
	case TTY_FRAME:
		return HSX_UART_RX_F_FRAMING;
	case TTY_PARITY:
		return HSX_UART_RX_F_PARITY;
	case TTY_OVERRUN:
		return HSX_UART_RX_F_OVERRUN;
	default:
		return 0;
	}
}

/**
 * hsx_uart_chunk - cut the next event out of what the driver received
 * @cp: the bytes
 * @fp: their TTY_* flags, or NULL when every one is TTY_NORMAL
 * @count: bytes at @cp, at least 1
 * @data: the event's data, HSX_UART_DATA_MAX bytes of room
 * @len: set to the data bytes in @data
 * @flags: set to HSX_UART_RX_F_* of the event
 *
 * An event ends after HSX_UART_DATA_MAX bytes or at the first byte with
 * an error: a byte with a parity or framing error is the event's last; a
 * break, and an overrun on a 0, is a marker the driver inserts (a 0 that
 * was never received: the serial core's uart_insert_char()), which ends
 * the event without being part of its data, so an event may hold no data
 * and only the flag. Some drivers (imx, fsl_lpuart) put the overrun on the
 * byte received with it instead: a byte other than 0 is data, the event's
 * last, as with a parity error.
 *
 * Return: the bytes of @cp consumed, at least 1.
 */
unsigned int hsx_uart_chunk(const u8 *cp, const u8 *fp, size_t count, u8 *data,
			    unsigned int *len, u8 *flags)
{
	unsigned int i = 0, n = 0;

	*flags = 0;
	while (i < count && n < HSX_UART_DATA_MAX) {
		u8 f = fp ? hsx_uart_flag_of(fp[i]) : 0;

		if (f == HSX_UART_RX_F_BREAK || (f == HSX_UART_RX_F_OVERRUN && !cp[i])) {
			i++;
			*flags = f;
			break;
		}
		data[n++] = cp[i++];
		if (f) {
			*flags = f;
			break;
		}
	}
	*len = n;
	return i;
}

/* Context: under rx_lock. Keeps what fits; the rest is counted. */
static void hsx_uart_buffer_locked(struct hsx_uart_dev *dev, const u8 *data, unsigned int n)
{
	unsigned int room = HSX_UART_RX_BUFFER - dev->rx_len;
	unsigned int take = min(n, room), tail, first;

	tail = (dev->rx_head + dev->rx_len) % HSX_UART_RX_BUFFER;
	first = min(take, HSX_UART_RX_BUFFER - tail);
	memcpy(dev->rx_buf + tail, data, first);
	memcpy(dev->rx_buf, data + first, take - first);
	dev->rx_len += take;
	dev->rx_dropped += n - take;
}

/*
 * From the discipline's receive_buf2: process context, one call at a time
 * per port. Every byte goes to the buffer and into an event. The events of
 * one call share its time, read once: on a VM whose clocksource is the
 * HPET each read is a trap to the hypervisor, and the tty layer reads no
 * clock on this path.
 */
void hsx_uart_received(struct hsx_uart_dev *dev, const u8 *cp, const u8 *fp, size_t count)
{
	struct hsx_uart_record rec = { .port = dev->port };
	u64 now = ktime_get_ns();

	while (count) {
		unsigned int n, used;
		u8 flags;

		used = hsx_uart_chunk(cp, fp, count, rec.data, &n, &flags);
		rec.length = n;
		rec.flags = flags;

		spin_lock(&dev->rx_lock);
		rec.offset = dev->rx_bytes;
		hsx_uart_buffer_locked(dev, rec.data, n);
		dev->rx_bytes += n;
		dev->overruns += !!(flags & HSX_UART_RX_F_OVERRUN);
		dev->parity_errors += !!(flags & HSX_UART_RX_F_PARITY);
		dev->framing_errors += !!(flags & HSX_UART_RX_F_FRAMING);
		dev->breaks += !!(flags & HSX_UART_RX_F_BREAK);
		spin_unlock(&dev->rx_lock);

		hsx_mbox_post_at(dev->mbox, &rec, now);
		cp += used;
		if (fp)
			fp += used;
		count -= used;
	}
	if (READ_ONCE(dev->events) & HSX_UART_EVF_IDLE)
		mod_delayed_work(system_wq, &dev->idle_work,
				 msecs_to_jiffies(READ_ONCE(dev->idle_ms)));
}

/* ---- line events -------------------------------------------------------------- */

static void hsx_uart_post_event(struct hsx_uart_dev *dev, u8 kind, u64 offset, u32 lines)
{
	struct hsx_uart_record rec = {
		.port = dev->port, .kind = kind, .offset = offset, .lines = lines,
	};

	hsx_mbox_post(dev->mbox, &rec);
}

/* The line was quiet for idle_ms since the last bytes. */
static void hsx_uart_idle_work(struct work_struct *work)
{
	struct hsx_uart_dev *dev = container_of(to_delayed_work(work), struct hsx_uart_dev,
						idle_work);
	u64 offset;

	if (!(READ_ONCE(dev->events) & HSX_UART_EVF_IDLE))
		return;
	spin_lock(&dev->rx_lock);
	offset = dev->rx_bytes;
	spin_unlock(&dev->rx_lock);
	hsx_uart_post_event(dev, HSX_UART_EV_IDLE, offset, 0);
}

/*
 * After a write: wait, in slices, for the transmitter to empty, then say so.
 * A later write queues the work again, so a burst of writes ends in one
 * TX_DONE once all of it left.
 */
static void hsx_uart_tx_work(struct work_struct *work)
{
	struct hsx_uart_dev *dev = container_of(work, struct hsx_uart_dev, tx_work);
	unsigned int slices;

	for (slices = 0;; slices++) {
		if (!(READ_ONCE(dev->events) & HSX_UART_EVF_TX_DONE) ||
		    test_bit(HSX_UART_DEAD, &dev->flags) || slices >= 600)
			return;		/* off, gone, or a stuck line (flow control) */
		if (!hsx_uart_tty_pending(dev))
			break;
		hsx_uart_tty_wait_sent(dev, HZ / 10);
	}
	hsx_uart_post_event(dev, HSX_UART_EV_TX_DONE, atomic64_read(&dev->tx_bytes), 0);
}

/* From a WRITE that sent bytes. */
void hsx_uart_written(struct hsx_uart_dev *dev)
{
	if (READ_ONCE(dev->events) & HSX_UART_EVF_TX_DONE)
		queue_work(system_unbound_wq, &dev->tx_work);
}

#define HSX_UART_LN_INPUTS (HSX_UART_LN_CTS | HSX_UART_LN_DSR | HSX_UART_LN_DCD | HSX_UART_LN_RI)

/* While MODEM is on: read the lines, post a change of an input, poll again. */
static void hsx_uart_modem_work(struct work_struct *work)
{
	struct hsx_uart_dev *dev = container_of(to_delayed_work(work), struct hsx_uart_dev,
						modem_work);
	u32 lines;

	if (!(READ_ONCE(dev->events) & HSX_UART_EVF_MODEM) ||
	    hsx_uart_tty_lines(dev, 0, 0, &lines))
		return;
	if ((lines ^ dev->modem_last) & HSX_UART_LN_INPUTS)
		hsx_uart_post_event(dev, HSX_UART_EV_MODEM, 0, lines);
	dev->modem_last = lines;
	queue_delayed_work(system_wq, &dev->modem_work, msecs_to_jiffies(HSX_UART_MODEM_POLL_MS));
}

/* From the discipline's dcd_change, in the driver's interrupt: poll now. */
void hsx_uart_lines_changed(struct hsx_uart_dev *dev)
{
	if (READ_ONCE(dev->events) & HSX_UART_EVF_MODEM)
		mod_delayed_work(system_wq, &dev->modem_work, 0);
}

/**
 * hsx_uart_set_events - which line events @dev posts
 *
 * Context: under the port's config_lock, in the instance's SRCU section.
 * Return: 0, or -EOPNOTSUPP for MODEM on a port without modem lines.
 */
int hsx_uart_set_events(struct hsx_uart_dev *dev, u32 events, u32 idle_ms)
{
	u32 lines;

	lockdep_assert_held(&dev->config_lock);
	if (events & HSX_UART_EVF_MODEM) {
		if (hsx_uart_tty_lines(dev, 0, 0, &lines))
			return -EOPNOTSUPP;
		if (!(dev->events & HSX_UART_EVF_MODEM)) {
			dev->modem_last = lines;
			WRITE_ONCE(dev->events, dev->events | HSX_UART_EVF_MODEM);
			queue_delayed_work(system_wq, &dev->modem_work,
					   msecs_to_jiffies(HSX_UART_MODEM_POLL_MS));
		}
	}
	WRITE_ONCE(dev->idle_ms, idle_ms);
	WRITE_ONCE(dev->events, events);
	/* Off: the works see it and stop; none waits on them here. */
	if (!(events & HSX_UART_EVF_IDLE))
		cancel_delayed_work(&dev->idle_work);
	return 0;
}

/* ---- the mailbox ------------------------------------------------------------ */

static int hsx_uart_fill(struct sk_buff *skb, const void *data)
{
	const struct hsx_uart_record *r = data;
	struct nlattr *nest;

	nest = nla_nest_start(skb, HSX_A_EVT_UART);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HSX_UART_A_PORT, r->port) ||
	    nla_put(skb, HSX_UART_A_DATA, r->length, r->data) ||
	    nla_put_u32(skb, HSX_UART_A_FLAGS, r->flags) ||
	    nla_put_u64_64bit(skb, HSX_UART_A_OFFSET, r->offset, HSX_UART_A_PAD) ||
	    nla_put_u32(skb, HSX_UART_A_KIND, r->kind) ||
	    (r->kind == HSX_UART_EV_MODEM && nla_put_u32(skb, HSX_UART_A_LINES, r->lines))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Listening to a port's bytes needs READ on it. */
static int hsx_uart_may_subscribe(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	const struct hsx_uart_dev *dev = hsx_mbox_owner(mbox);
	const void *token = hsx_cap_authorize(auth->client, auth->privileged, &hsx_uart_module,
					      HSX_CAP_R_READ, BIT_ULL(dev->port));

	if (IS_ERR(token))
		return PTR_ERR(token);
	auth->token = token;
	return 0;
}

static const struct hsx_mbox_ops hsx_uart_mbox_ops = {
	.module = HSX_MODULE_UART,
	.record_size = sizeof(struct hsx_uart_record),
	/* The nest, four u32s, the data, a u64 with room for a pad attribute. */
	.payload_size = NLA_HDRLEN + 4 * NLA_ALIGN(NLA_HDRLEN + sizeof(u32)) +
			NLA_ALIGN(NLA_HDRLEN + HSX_UART_DATA_MAX) +
			NLA_ALIGN(NLA_HDRLEN + sizeof(u64)) + NLA_HDRLEN,
	.fill = hsx_uart_fill,
	.may_subscribe = hsx_uart_may_subscribe,
};

/* ---- binding ---------------------------------------------------------------- */

static void hsx_uart_hangup_work(struct work_struct *work);

/* Context: under hsx_uart_bind_mutex. */
static int hsx_uart_bind_locked(unsigned int port, const char *tty, const void *fw_owner)
{
	char name[HSX_MBOX_NAME_MAX];
	struct hsx_instance *inst;
	struct hsx_uart_dev *dev;
	int ret;

	lockdep_assert_held(&hsx_uart_bind_mutex);
	if (hsx_uart_ports[port])
		return -EBUSY;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->port = port;
	dev->from_dt = !!fw_owner;
	dev->fw_owner = fw_owner;
	strscpy(dev->name, tty, sizeof(dev->name));
	mutex_init(&dev->write_lock);
	mutex_init(&dev->config_lock);
	mutex_init(&dev->break_lock);
	mutex_init(&dev->fold_lock);
	init_rwsem(&dev->ops_rwsem);
	init_waitqueue_head(&dev->wait);
	spin_lock_init(&dev->rx_lock);
	INIT_WORK(&dev->hangup_work, hsx_uart_hangup_work);
	INIT_DELAYED_WORK(&dev->idle_work, hsx_uart_idle_work);
	INIT_WORK(&dev->tx_work, hsx_uart_tx_work);
	INIT_DELAYED_WORK(&dev->modem_work, hsx_uart_modem_work);
	dev->config = (struct hsx_uart_config){
		.port = port, .baud = 115200, .parity = HSX_UART_PAR_NONE,
		.stop_bits = 1, .data_bits = 8, .flow = HSX_UART_FC_NONE,
	};

	/* The mailbox first: bytes may arrive as soon as the discipline is on. */
	snprintf(name, sizeof(name), HSX_MBOX_UART_FMT, port);
	dev->mbox = hsx_mbox_create(name, &hsx_uart_mbox_ops, dev);
	if (IS_ERR(dev->mbox)) {
		ret = PTR_ERR(dev->mbox);
		goto err_free;
	}
	ret = hsx_uart_tty_open(dev, tty);
	if (ret)
		goto err_mbox;
	inst = hsx_instance_add(&hsx_uart_module, port, 0666, &hsx_uart_port_group, dev);
	if (IS_ERR(inst)) {
		ret = PTR_ERR(inst);
		goto err_tty;
	}
	spin_lock(&hsx_uart_ports_lock);
	dev->inst = inst;
	hsx_uart_ports[port] = dev;
	/* It hung up before it had an instance: unbind it now (see hangup). */
	if (test_bit(HSX_UART_DEAD, &dev->flags)) {
		hsx_instance_get(inst);
		queue_work(hsx_uart_wq, &dev->hangup_work);
	}
	spin_unlock(&hsx_uart_ports_lock);
	pr_info("uart: port %u bound to %s\n", port, tty);
	return 0;

err_tty:
	hsx_uart_tty_close(dev);
err_mbox:
	hsx_mbox_destroy(dev->mbox, HSX_CLOSE_GONE);
err_free:
	kfree(dev);
	return ret;
}

/*
 * The instance goes (its users see -ENODEV; instance_gone closes the tty
 * and the mailbox); the memory goes with the last reference.
 * Context: under hsx_uart_bind_mutex.
 */
static void hsx_uart_unbind_locked(struct hsx_uart_dev *dev)
{
	lockdep_assert_held(&hsx_uart_bind_mutex);
	spin_lock(&hsx_uart_ports_lock);
	hsx_uart_ports[dev->port] = NULL;
	spin_unlock(&hsx_uart_ports_lock);
	pr_info("uart: port %u unbound from %s\n", dev->port, dev->name);
	hsx_instance_remove(dev->inst);
}

static void hsx_uart_hangup_work(struct work_struct *work)
{
	struct hsx_uart_dev *dev = container_of(work, struct hsx_uart_dev, hangup_work);
	struct hsx_instance *inst = dev->inst;

	mutex_lock(&hsx_uart_bind_mutex);
	if (hsx_uart_ports[dev->port] == dev)
		hsx_uart_unbind_locked(dev);
	mutex_unlock(&hsx_uart_bind_mutex);
	hsx_instance_put(inst);		/* the work's own; may free dev */
}

/*
 * From the discipline's hangup (the tty's device went away), under the
 * tty's lock, which binding takes: so no bind mutex here, only a work item
 * that unbinds, holding a reference to the instance.
 */
void hsx_uart_hangup(struct hsx_uart_dev *dev)
{
	spin_lock(&hsx_uart_ports_lock);
	if (!test_and_set_bit(HSX_UART_DEAD, &dev->flags) && dev->inst) {
		hsx_instance_get(dev->inst);
		queue_work(hsx_uart_wq, &dev->hangup_work);
	}
	spin_unlock(&hsx_uart_ports_lock);
	wake_up_all(&dev->wait);
	/*
	 * Wait out the calls into the driver already made: none is made after
	 * DEAD, and the driver expects none after its hangup. None of them
	 * takes the tty's lock, which is held here.
	 */
	down_write(&dev->ops_rwsem);
	up_write(&dev->ops_rwsem);
}

/* Whether a tty name is one tty_dev_name_to_number() may look up. */
bool hsx_uart_tty_name_ok(const char *name)
{
	const char *p;

	if (!*name)
		return false;
	for (p = name; *p; p++)
		if (!isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

/**
 * hsx_uart_map_port - bind @port to the tty @tty, or unbind it (@tty empty)
 *
 * Return: 0, -EBUSY (bound, or the tty is open), -ENODEV (no such tty),
 * -ENXIO (unbinding a port not bound), -EOPNOTSUPP (bound by the device
 * tree), -ENOMEM.
 */
int hsx_uart_map_port(unsigned int port, const char *tty)
{
	struct hsx_uart_dev *dev;
	int ret;

	mutex_lock(&hsx_uart_bind_mutex);
	dev = hsx_uart_ports[port];
	if (dev && dev->from_dt)
		ret = -EOPNOTSUPP;
	else if (tty[0])
		ret = hsx_uart_bind_locked(port, tty, NULL);
	else if (dev)
		ret = (hsx_uart_unbind_locked(dev), 0);
	else
		ret = -ENXIO;
	mutex_unlock(&hsx_uart_bind_mutex);
	return ret;
}

/**
 * hsx_uart_parse_map - parse one "PORT=TTY" binding of uart_map
 * @next: set to the next binding, or NULL after the last
 *
 * Return: 0, or -EINVAL for a malformed binding.
 */
int hsx_uart_parse_map(const char *param, unsigned int *port, char *tty, size_t tty_len,
		       const char **next)
{
	return hsx_parse_binding(param, HSX_UART_MAX_PORTS, hsx_uart_tty_name_ok, port, tty,
				 tty_len, next);
}

/* Bind @port for the firmware node whose device is @owner (uart_fw.c). */
int hsx_uart_fw_bind(unsigned int port, const char *tty, const void *owner)
{
	int ret;

	mutex_lock(&hsx_uart_bind_mutex);
	ret = hsx_uart_bind_locked(port, tty, owner);
	mutex_unlock(&hsx_uart_bind_mutex);
	return ret;
}

/*
 * The firmware node whose device is @owner went away, or failed to bind all
 * its ports: the ports it bound go with it, and only those (another node's
 * stay bound).
 */
void hsx_uart_fw_unbind(const void *owner)
{
	unsigned int port;

	mutex_lock(&hsx_uart_bind_mutex);
	for (port = 0; port < HSX_UART_MAX_PORTS; port++)
		if (hsx_uart_ports[port] && hsx_uart_ports[port]->fw_owner == owner)
			hsx_uart_unbind_locked(hsx_uart_ports[port]);
	mutex_unlock(&hsx_uart_bind_mutex);
}

#if defined(HSX_TEST_MODULES) && IS_ENABLED(CONFIG_MODULE_UNLOAD)
/**
 * hsx_uart_test_hangup - hang up the tty of @port, as a device that goes away
 * @refdelta: set to the change of hsx.ko's reference count the hangup made
 *
 * Test builds only (debugfs hsx/uart_hangup): any serial tty can then go
 * through what a USB adapter's unplugging does (tty_vhangup()), with the
 * unbinding that follows held off until the count was read.
 *
 * Return: 0, -EINVAL or -ENXIO (port not bound).
 */
int hsx_uart_test_hangup(unsigned int port, int *refdelta)
{
	struct hsx_uart_dev *dev;
	int before;

	if (port >= HSX_UART_MAX_PORTS)
		return -EINVAL;
	mutex_lock(&hsx_uart_bind_mutex);
	dev = hsx_uart_ports[port];
	if (!dev) {
		mutex_unlock(&hsx_uart_bind_mutex);
		return -ENXIO;
	}
	before = module_refcount(THIS_MODULE);
	tty_vhangup(dev->tty);
	*refdelta = module_refcount(THIS_MODULE) - before;
	mutex_unlock(&hsx_uart_bind_mutex);
	return 0;
}
#endif

static void hsx_uart_unbind_all(void)
{
	unsigned int port;

	mutex_lock(&hsx_uart_bind_mutex);
	for (port = 0; port < HSX_UART_MAX_PORTS; port++)
		if (hsx_uart_ports[port])
			hsx_uart_unbind_locked(hsx_uart_ports[port]);
	mutex_unlock(&hsx_uart_bind_mutex);
}

static int hsx_uart_bind_param(const char *param)
{
	char tty[HSX_UART_TTY_NAME_MAX];
	const char *p = param;
	unsigned int port;
	int ret = 0;

	mutex_lock(&hsx_uart_bind_mutex);
	while (p && *p) {
		ret = hsx_uart_parse_map(p, &port, tty, sizeof(tty), &p);
		if (ret) {
			pr_err("uart: uart_map: bad binding in \"%s\"\n", param);
			break;
		}
		/*
		 * A tty someone holds open at boot must not take the other
		 * modules down with it: said, and skipped.
		 */
		if (hsx_uart_bind_locked(port, tty, NULL))
			pr_err("uart: uart_map: port %u not bound to %s\n", port, tty);
	}
	mutex_unlock(&hsx_uart_bind_mutex);
	return ret;
}

void hsx_uart_instance_unplug(struct hsx_instance *inst)
{
	struct hsx_uart_dev *dev = inst->priv;

	wake_up_all(&dev->wait);
}

/* Nothing of the module runs on the port any more: give the tty back. */
void hsx_uart_instance_gone(struct hsx_instance *inst)
{
	struct hsx_uart_dev *dev = inst->priv;

	/*
	 * Events off: a work that starts from now on returns at once. The works
	 * that use the tty (TX_DONE, MODEM) end before it closes; after it, no
	 * receive arms IDLE and no dcd_change kicks MODEM, and whatever was
	 * queued meanwhile is cancelled before the mailbox it posts to goes.
	 */
	WRITE_ONCE(dev->events, 0);
	cancel_work_sync(&dev->tx_work);
	cancel_delayed_work_sync(&dev->modem_work);
	hsx_uart_tty_close(dev);
	cancel_delayed_work_sync(&dev->idle_work);
	cancel_work_sync(&dev->tx_work);
	cancel_delayed_work_sync(&dev->modem_work);
	hsx_mbox_destroy(dev->mbox, HSX_CLOSE_GONE);
	dev->mbox = NULL;
}

void hsx_uart_instance_release(struct hsx_instance *inst)
{
	struct hsx_uart_dev *dev = inst->priv;

	mutex_destroy(&dev->write_lock);
	mutex_destroy(&dev->config_lock);
	mutex_destroy(&dev->break_lock);
	mutex_destroy(&dev->fold_lock);
	kfree(dev);
}

/* ---- setting up and tearing down ----------------------------------------------- */

int hsx_uart_ports_init(void)
{
	int ret;

	hsx_uart_wq = alloc_workqueue("hsx_uart", 0, 0);
	if (!hsx_uart_wq)
		return -ENOMEM;
	/* The firmware's bindings first: uart_map binds only what they leave. */
	ret = hsx_uart_fw_register();
	if (ret)
		goto err_wq;
	if (uart_map) {
		ret = hsx_uart_bind_param(uart_map);
		if (ret)
			goto err_fw;
	}
	return 0;

err_fw:
	hsx_uart_fw_unregister();
	hsx_uart_unbind_all();
err_wq:
	destroy_workqueue(hsx_uart_wq);
	return ret;
}

/* Every port unbound; hangup work still queued finds its port so and drops its reference. */
void hsx_uart_ports_exit(void)
{
	hsx_uart_fw_unregister();
	hsx_uart_unbind_all();
	destroy_workqueue(hsx_uart_wq);
}

/* A capability ended: its holder may be waiting on a port. Wake every waiter to look. */
void hsx_uart_ports_wake(void)
{
	unsigned int port;

	spin_lock(&hsx_uart_ports_lock);
	for (port = 0; port < HSX_UART_MAX_PORTS; port++) {
		struct hsx_uart_dev *dev = hsx_uart_ports[port];

		if (!dev)
			continue;
		WRITE_ONCE(dev->cap_gen, dev->cap_gen + 1);
		wake_up_all(&dev->wait);
	}
	spin_unlock(&hsx_uart_ports_lock);
}

/* The bound port @port with a reference to its instance, or NULL. */
struct hsx_uart_dev *hsx_uart_port_get(unsigned int port)
{
	struct hsx_uart_dev *dev;

	spin_lock(&hsx_uart_ports_lock);
	dev = hsx_uart_ports[port];
	if (dev)
		hsx_instance_get(dev->inst);
	spin_unlock(&hsx_uart_ports_lock);
	return dev;
}

/* ---- /sys/hal/uart/<n> -------------------------------------------------------- */

static struct hsx_uart_dev *hsx_uart_dev_of(struct kobject *kobj)
{
	return hsx_instance_of_dir(kobj)->priv;
}

static ssize_t tty_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", hsx_uart_dev_of(kobj)->name);
}

static ssize_t source_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", hsx_uart_dev_of(kobj)->from_dt ? "devicetree" : "map");
}

static ssize_t config_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	static const char parity[] = "NEOMS";
	static const char *const flow[] = { "none", "rtscts", "xonxoff" };
	struct hsx_uart_dev *dev = hsx_uart_dev_of(kobj);
	struct hsx_uart_config c;

	mutex_lock(&dev->config_lock);
	c = dev->config;
	hsx_uart_unlock_config(dev);	/* a function may wait for it */
	return sysfs_emit(buf, "%u %u%c%u %s\n", c.baud_actual, c.data_bits,
			  parity[min_t(u32, c.parity, 4)], c.stop_bits,
			  flow[min_t(u32, c.flow, 2)]);
}

/* A counter the receiver updates, read under its lock. */
static ssize_t hsx_uart_counter_show(struct kobject *kobj, char *buf, size_t offset)
{
	struct hsx_uart_dev *dev = hsx_uart_dev_of(kobj);
	u64 v;

	spin_lock(&dev->rx_lock);
	v = *(u64 *)((char *)dev + offset);
	spin_unlock(&dev->rx_lock);
	return sysfs_emit(buf, "%llu\n", v);
}

/* One show function per counter, since sysfs passes no field. */
#define HSX_UART_COUNTER_SHOW(name, field)							\
static ssize_t name##_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)	\
{												\
	return hsx_uart_counter_show(kobj, buf, offsetof(struct hsx_uart_dev, field));		\
}

HSX_UART_COUNTER_SHOW(rx_bytes, rx_bytes)
HSX_UART_COUNTER_SHOW(parity_errors, parity_errors)
HSX_UART_COUNTER_SHOW(framing_errors, framing_errors)
HSX_UART_COUNTER_SHOW(breaks, breaks)
HSX_UART_COUNTER_SHOW(rx_dropped, rx_dropped)

/* The driver's buffer overruns too, asked for now. */
static ssize_t overruns_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_instance *inst = hsx_instance_of_dir(kobj);
	int idx = srcu_read_lock(&inst->srcu);

	if (!hsx_instance_gone(inst))
		hsx_uart_tty_fold_overruns(inst->priv);
	srcu_read_unlock(&inst->srcu, idx);
	return hsx_uart_counter_show(kobj, buf, offsetof(struct hsx_uart_dev, overruns));
}

static struct kobj_attribute hsx_uart_attr_rx_bytes = __ATTR_RO_MODE(rx_bytes, 0400);
static struct kobj_attribute hsx_uart_attr_overruns = __ATTR_RO_MODE(overruns, 0400);
static struct kobj_attribute hsx_uart_attr_parity_errors = __ATTR_RO_MODE(parity_errors, 0400);
static struct kobj_attribute hsx_uart_attr_framing_errors = __ATTR_RO_MODE(framing_errors, 0400);
static struct kobj_attribute hsx_uart_attr_breaks = __ATTR_RO_MODE(breaks, 0400);
static struct kobj_attribute hsx_uart_attr_rx_dropped = __ATTR_RO_MODE(rx_dropped, 0400);

static ssize_t tx_bytes_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&hsx_uart_dev_of(kobj)->tx_bytes));
}

static ssize_t rx_drops_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_uart_dev *dev = hsx_uart_dev_of(kobj);

	/* Events the port's subscribers did not take, over all of them. */
	return sysfs_emit(buf, "%llu\n", dev->mbox ? hsx_mbox_drops(dev->mbox) : 0);
}

static ssize_t users_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&hsx_uart_dev_of(kobj)->users));
}

static struct kobj_attribute hsx_uart_attr_users = __ATTR_RO(users);
static struct kobj_attribute hsx_uart_attr_tty = __ATTR_RO(tty);
static struct kobj_attribute hsx_uart_attr_source = __ATTR_RO(source);
static struct kobj_attribute hsx_uart_attr_config = __ATTR_RO(config);
static struct kobj_attribute hsx_uart_attr_tx_bytes = __ATTR_RO_MODE(tx_bytes, 0400);
static struct kobj_attribute hsx_uart_attr_rx_drops = __ATTR_RO_MODE(rx_drops, 0400);

static struct attribute *hsx_uart_port_attrs[] = {
	&hsx_uart_attr_tty.attr,
	&hsx_uart_attr_source.attr,
	&hsx_uart_attr_config.attr,
	&hsx_uart_attr_rx_bytes.attr,
	&hsx_uart_attr_tx_bytes.attr,
	&hsx_uart_attr_overruns.attr,
	&hsx_uart_attr_parity_errors.attr,
	&hsx_uart_attr_framing_errors.attr,
	&hsx_uart_attr_breaks.attr,
	&hsx_uart_attr_rx_dropped.attr,
	&hsx_uart_attr_rx_drops.attr,
	&hsx_uart_attr_users.attr,
	NULL,
};

const struct attribute_group hsx_uart_port_group = {
	.attrs = hsx_uart_port_attrs,
};
