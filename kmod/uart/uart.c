// SPDX-License-Identifier: GPL-2.0
/*
 * HAL module 0x10: UART. Ports 0..HSX_UART_MAX_PORTS-1, each bound to a tty
 * (see the uAPI header) and then an instance: /dev/hsx/uart<n> and
 * /sys/hal/uart/<n>. This file is the module: its functions and their
 * capability checks. uart_port.c binds ports and takes what they receive;
 * uart_tty.c owns the ttys.
 *
 * Lifetimes. An operation finds its port with hsx_uart_port_get(), which
 * takes a reference to the port's instance, and enters the instance's SRCU
 * section, so unbinding (which removes the instance) waits for it, and the
 * port's memory (the instance's priv) stays until the last reference goes.
 *
 * Capabilities. Every function checks its own (the dispatcher holds no
 * hsx_cap_srcu section for them: the table gives no rights), in a section
 * of hsx_cap_srcu that covers nothing that may block: a revocation waits
 * for every section, and must not wait for a USB adapter's control
 * transfer or for a reader's page fault. What moves bytes (a WRITE's slice
 * into the driver, READ_POLL's taking out of the buffer) happens in the
 * same section as its check, so once a revocation returned, no byte moves
 * under the right it ended. (The bytes a READ_POLL took while it was
 * allowed are copied to the caller after the section: when that copy
 * stalls, in a page fault, they may land in its memory after the
 * revocation returned; they were its own to read.)
 *
 * A function that changes the port through the driver (CONFIG, MODEM,
 * BREAK, DISCARD, SET_EVENTS) holds its file's acting lock (for reading)
 * from before its check to after its driver call, and checks again once it
 * holds the port's lock (config_lock, break_lock), which it waits for as
 * WRITE waits for room. The end of a capability (hsx_uart_cap_ended(), in
 * the revocation, under hsx_cap_mutex) wakes every waiter and then takes
 * the file's acting lock for writing: a revocation returns only once no
 * function of the file allowed by the ended capability is still running,
 * so none changes the port after it, for the next holder to find. That
 * wait is for driver calls already made (a USB adapter's control transfer,
 * bounded by its timeout), never for a lock another file holds. GET_STATUS
 * and INFO change nothing and are checked first and call after. Functions
 * that wait (WRITE, DRAIN, BREAK) check again each time they wake: a
 * revocation wakes them.
 */
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/rwsem.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "cap.h"
#include "core.h"
#include "instance.h"
#include "uart.h"

#define HSX_UART_COPY_CHUNK 4096U
/* A waiting function looks at its capability at least this often. */
#define HSX_UART_WAIT_SLICE (HZ / 10)

/* ---- finding a port ------------------------------------------------------ */

/*
 * May @client use @port with @need? One read of the file's capability for
 * both the rights and the port. Context: under srcu_read_lock(&hsx_cap_srcu),
 * which must also cover what the answer allows, when that moves bytes.
 * Return: 0 or a denial.
 */
static int hsx_uart_allowed(struct hsx_client *client, u32 port, u32 need)
{
	return hsx_cap_check_object(client, &hsx_uart_module, need, BIT_ULL(port));
}

/* The same, in a section of its own: for a check that allows no byte to move. */
static int hsx_uart_authorize(struct hsx_client *client, u32 port, u32 need)
{
	int idx = srcu_read_lock(&hsx_cap_srcu);
	int ret = hsx_uart_allowed(client, port, need);

	srcu_read_unlock(&hsx_cap_srcu, idx);
	return ret;
}

/* The port a function names: in range, and the instance's own on its node. */
static int hsx_uart_check_port(struct hsx_client *client, u32 port)
{
	if (port >= HSX_UART_MAX_PORTS)
		return -EINVAL;
	if (client->inst && client->inst->index != port)
		return -EINVAL;
	return 0;
}

/**
 * hsx_uart_get - the bound port @port, for one operation
 * @idx: set to the instance's SRCU index; give both to hsx_uart_put()
 *
 * Return: the port, or ERR_PTR(-ENXIO) when the port is not bound,
 * ERR_PTR(-ENODEV) when its tty went away or (on /dev/hsx/uart<n>) the
 * node's binding ended.
 */
/* A port's error counters, for the error bits of GET_STATUS. */
struct hsx_uart_seen {
	u64 lost;	/* overruns and bytes the full buffer dropped */
	u64 parity;
	u64 framing;
	u64 breaks;
};

static void hsx_uart_errors(struct hsx_uart_dev *dev, struct hsx_uart_seen *now)
{
	spin_lock(&dev->rx_lock);
	now->lost = dev->overruns + dev->rx_dropped;
	now->parity = dev->parity_errors;
	now->framing = dev->framing_errors;
	now->breaks = dev->breaks;
	spin_unlock(&dev->rx_lock);
}

/**
 * struct hsx_uart_client - the ports one open file used
 * @lock: guards @used
 * @used: per port, the binding the file last used, with a reference to its
 *	instance; counted in its users
 * @seen: per port, the error counters at this file's last GET_STATUS: the
 *	status's error bits are what happened since, for this file alone
 * @acting: held for reading by each function of the file that changes a
 *	port, from its capability check to the end of its driver call; for
 *	writing by the end of the file's capability, to wait for them
 */
struct hsx_uart_client {
	spinlock_t lock;	/* see above */
	struct rw_semaphore acting;	/* see above */
	struct hsx_uart_dev *used[HSX_UART_MAX_PORTS];
	struct hsx_uart_seen seen[HSX_UART_MAX_PORTS];
};

static struct hsx_uart_client *hsx_uart_client_of(struct hsx_client *client)
{
	return client->priv[hsx_module_slot(HSX_MODULE_UART)];
}

#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
/* KUnit: does a revocation of @client's capability wait for its functions? */
bool hsx_uart_test_revocation_waits(struct hsx_client *client)
{
	return rwsem_is_contended(&hsx_uart_client_of(client)->acting);
}
#endif

/* The file uses @dev: count it among the port's users, once. */
static void hsx_uart_note_user(struct hsx_client *client, struct hsx_uart_dev *dev)
{
	struct hsx_uart_client *uc = hsx_uart_client_of(client);
	struct hsx_uart_dev *old = NULL;
	struct hsx_uart_seen now;

	if (READ_ONCE(uc->used[dev->port]) == dev)
		return;
	/* The driver's drops so far are before this file's time: in the baseline. */
	hsx_uart_tty_fold_overruns(dev);
	hsx_uart_errors(dev, &now);
	spin_lock(&uc->lock);
	if (uc->used[dev->port] != dev) {
		old = uc->used[dev->port];
		uc->used[dev->port] = dev;
		uc->seen[dev->port] = now;
		hsx_instance_get(dev->inst);
		atomic_inc(&dev->users);
	}
	spin_unlock(&uc->lock);
	if (old) {
		/* A binding the port had before: its files counted no more. */
		atomic_dec(&old->users);
		hsx_instance_put(old->inst);
	}
}

/*
 * The error bits of GET_STATUS: what the counters in @st say happened since
 * this file's last GET_STATUS (or its first use of the port), so that one
 * application reading its status clears nothing another will read.
 */
static u32 hsx_uart_error_bits(struct hsx_client *client, struct hsx_uart_dev *dev,
			       const struct hsx_uart_status *st)
{
	struct hsx_uart_client *uc = hsx_uart_client_of(client);
	struct hsx_uart_seen now = {
		.lost = st->overruns + st->rx_dropped, .parity = st->parity_errors,
		.framing = st->framing_errors, .breaks = st->breaks,
	};
	struct hsx_uart_seen *seen = &uc->seen[dev->port];
	u32 bits = 0;

	spin_lock(&uc->lock);
	if (uc->used[dev->port] == dev) {
		bits |= now.lost > seen->lost ? HSX_UART_ST_OVERRUN : 0;
		bits |= now.parity > seen->parity ? HSX_UART_ST_PARITY_ERR : 0;
		bits |= now.framing > seen->framing ? HSX_UART_ST_FRAMING_ERR : 0;
		bits |= now.breaks > seen->breaks ? HSX_UART_ST_BREAK : 0;
		*seen = now;
	}
	spin_unlock(&uc->lock);
	return bits;
}

static int hsx_uart_open(struct hsx_client *client)
{
	struct hsx_uart_client *uc = kzalloc(sizeof(*uc), GFP_KERNEL);

	if (!uc)
		return -ENOMEM;
	spin_lock_init(&uc->lock);
	init_rwsem(&uc->acting);
	client->priv[hsx_module_slot(HSX_MODULE_UART)] = uc;
	return 0;
}

static void hsx_uart_release(struct hsx_client *client)
{
	struct hsx_uart_client *uc = hsx_uart_client_of(client);
	unsigned int port;

	for (port = 0; port < HSX_UART_MAX_PORTS; port++) {
		if (!uc->used[port])
			continue;
		atomic_dec(&uc->used[port]->users);
		hsx_instance_put(uc->used[port]->inst);
	}
	client->priv[hsx_module_slot(HSX_MODULE_UART)] = NULL;
	kfree(uc);
}

/*
 * The bound port @port with a reference, and no SRCU section: for a function
 * that then touches user memory. ERR_PTR() as hsx_uart_get().
 */
static struct hsx_uart_dev *hsx_uart_get_ref(struct hsx_client *client, u32 port)
{
	struct hsx_uart_dev *dev = hsx_uart_port_get(port);

	if (!dev)
		return ERR_PTR(client->inst ? -ENODEV : -ENXIO);
	if (client->inst && client->inst != dev->inst) {
		hsx_instance_put(dev->inst);
		return ERR_PTR(-ENODEV);
	}
	hsx_uart_note_user(client, dev);
	return dev;
}

static struct hsx_uart_dev *hsx_uart_get(struct hsx_client *client, u32 port, int *idx)
{
	struct hsx_uart_dev *dev;

	dev = hsx_uart_port_get(port);
	if (!dev)
		return ERR_PTR(client->inst ? -ENODEV : -ENXIO);
	*idx = srcu_read_lock(&dev->inst->srcu);
	if (hsx_instance_gone(dev->inst) || test_bit(HSX_UART_DEAD, &dev->flags) ||
	    (client->inst && client->inst != dev->inst)) {
		srcu_read_unlock(&dev->inst->srcu, *idx);
		hsx_instance_put(dev->inst);
		return ERR_PTR(-ENODEV);
	}
	hsx_uart_note_user(client, dev);
	return dev;
}

static void hsx_uart_put(struct hsx_uart_dev *dev, int idx)
{
	struct hsx_instance *inst = dev->inst;

	srcu_read_unlock(&inst->srcu, idx);
	hsx_instance_put(inst);		/* may free dev */
}

/*
 * The port for a function needing @need on it: checked, then entered, with
 * no hsx_cap_srcu section held (see the top of the file).
 */
static struct hsx_uart_dev *hsx_uart_enter(struct hsx_client *client, u32 port, u32 need,
					   int *idx)
{
	int ret = hsx_uart_authorize(client, port, need);

	return ret ? ERR_PTR(ret) : hsx_uart_get(client, port, idx);
}

/*
 * The same, for a function that changes the port: it holds the file's
 * acting lock until hsx_uart_put_acted(), so that the end of its capability
 * waits for it.
 */
static struct hsx_uart_dev *hsx_uart_enter_to_act(struct hsx_client *client, u32 port, u32 need,
						  int *idx)
{
	struct hsx_uart_client *uc = hsx_uart_client_of(client);
	struct hsx_uart_dev *dev;

	/* A revocation waiting for the file's functions blocks new ones until it is done. */
	if (down_read_interruptible(&uc->acting))
		return ERR_PTR(-EINTR);	/* nothing taken yet */
	dev = hsx_uart_enter(client, port, need, idx);
	if (IS_ERR(dev))
		up_read(&uc->acting);
	return dev;
}

static void hsx_uart_put_acted(struct hsx_client *client, struct hsx_uart_dev *dev, int idx)
{
	hsx_uart_put(dev, idx);
	up_read(&hsx_uart_client_of(client)->acting);
}

/* Should a waiting function stop? Context: in the instance's SRCU section. */
static bool hsx_uart_stopping(struct hsx_uart_dev *dev)
{
	return hsx_instance_gone(dev->inst) || test_bit(HSX_UART_DEAD, &dev->flags);
}

/* Has the driver room for more? A wait's condition: it never sleeps. */
static bool hsx_uart_has_room(struct hsx_uart_dev *dev)
{
	return hsx_uart_tty_has_room(dev);
}

/*
 * Check the capability (@need), then sleep until @ready (if not NULL; it
 * must not sleep), the port stops, a capability ends, a signal or
 * @deadline, at most a slice; then check again. 0 when the caller may go
 * on, else the reason to stop.
 */
static int hsx_uart_wait(struct hsx_uart_dev *dev, struct hsx_client *client, u32 need,
			 unsigned long deadline, bool (*ready)(struct hsx_uart_dev *dev))
{
	long left = (long)(deadline - jiffies);
	/*
	 * cap_gen before the check: a capability's end that the check misses
	 * bumps cap_gen after it, and the wait sees that at once, not a slice
	 * later. The order is the grace period's: the check runs in an
	 * hsx_cap_srcu section, and the revocation bumps cap_gen
	 * (hsx_uart_ports_wake()) only once it waited for such sections; the
	 * load must not move into the section (acquire).
	 */
	unsigned int gen = smp_load_acquire(&dev->cap_gen);
	int ret;

	if (left <= 0)
		return -ETIMEDOUT;
	ret = hsx_uart_stopping(dev) ? -ENODEV : hsx_uart_authorize(client, dev->port, need);
	if (ret)
		return ret;
	if (wait_event_interruptible_timeout(dev->wait,
					     (ready && ready(dev)) || hsx_uart_stopping(dev) ||
					     READ_ONCE(dev->cap_gen) != gen,
					     min_t(long, left, HSX_UART_WAIT_SLICE)) < 0)
		return -EINTR;
	if (hsx_uart_stopping(dev))
		return -ENODEV;
	return hsx_uart_authorize(client, dev->port, need);
}

/* Time for @len bytes at the port's rate (12 bits a byte at most), and a second. */
static unsigned long hsx_uart_default_timeout(struct hsx_uart_dev *dev, u32 len)
{
	u32 baud = max_t(u32, READ_ONCE(dev->config.baud_actual), 1);

	return msecs_to_jiffies(div_u64((u64)len * 12 * MSEC_PER_SEC, baud) + MSEC_PER_SEC);
}

/* ---- functions ---------------------------------------------------------------- */

static int hsx_uart_check_xfer(struct hsx_client *client, const struct hsx_uart_xfer *x)
{
	if (x->reserved || x->len > HSX_UART_XFER_MAX || (x->len && !x->buf) ||
	    x->timeout_ms > HSX_UART_TIMEOUT_MAX_MS)
		return -EINVAL;
	return hsx_uart_check_port(client, x->port);
}

static bool hsx_uart_write_unlocked(struct hsx_uart_dev *dev)
{
	return !mutex_is_locked(&dev->write_lock);
}

static bool hsx_uart_config_unlocked(struct hsx_uart_dev *dev)
{
	return !mutex_is_locked(&dev->config_lock);
}

static bool hsx_uart_break_unlocked(struct hsx_uart_dev *dev)
{
	return !mutex_is_locked(&dev->break_lock);
}

/*
 * Take the port's @lock by @deadline, waiting as a write waits for room
 * (@unlocked tells when to try again): the capability (@need) is checked
 * again each time, and a revocation wakes the wait. Not in order: every
 * waiter tries once the holder lets go, and one wins. The locks are held
 * for a driver call (config_lock), a write's slices (write_lock) or a
 * break's duration (break_lock), and a write's and a break's wait is
 * bounded by its deadline.
 */
static int hsx_uart_lock(struct hsx_client *client, struct hsx_uart_dev *dev, struct mutex *lock,
			 bool (*unlocked)(struct hsx_uart_dev *dev), u32 need,
			 unsigned long deadline)
{
	int ret;

	/* A trylock and a wait, not mutex_lock(): lockdep is told all the same. */
	might_lock(lock);
	while (!mutex_trylock(lock)) {
		ret = hsx_uart_wait(dev, client, need, deadline, unlocked);
		if (ret)
			return ret;
	}
	return 0;
}

static int hsx_uart_lock_writer(struct hsx_client *client, struct hsx_uart_dev *dev,
				unsigned long deadline)
{
	return hsx_uart_lock(client, dev, &dev->write_lock, hsx_uart_write_unlocked,
			     HSX_CAP_R_WRITE, deadline);
}

void hsx_uart_unlock_config(struct hsx_uart_dev *dev)
{
	mutex_unlock(&dev->config_lock);
	wake_up_all(&dev->wait);	/* functions queued behind this one */
}

/*
 * Take the port's config_lock for a function that changes the port, and
 * check its capability (@need) once it holds it: a revocation that came
 * while it waited stops it here. However long the lock takes (no deadline).
 */
static int hsx_uart_lock_config(struct hsx_client *client, struct hsx_uart_dev *dev, u32 need)
{
	int ret = hsx_uart_lock(client, dev, &dev->config_lock, hsx_uart_config_unlocked, need,
				jiffies + MAX_JIFFY_OFFSET);

	if (ret)
		return ret;
	ret = hsx_uart_stopping(dev) ? -ENODEV : hsx_uart_authorize(client, dev->port, need);
	if (ret)
		hsx_uart_unlock_config(dev);
	return ret;
}

static void hsx_uart_unlock_writer(struct hsx_uart_dev *dev)
{
	mutex_unlock(&dev->write_lock);
	wake_up_all(&dev->wait);	/* writers queued behind this one */
}

/*
 * Hand the caller's bytes (copied already) to the driver, waiting for room
 * when it has none. Each slice goes in the hsx_cap_srcu section of its
 * capability check (the driver's write never sleeps), so once a revocation
 * returned a revoked holder sends nothing more.
 */
static int hsx_uart_write_locked(struct hsx_client *client, struct hsx_uart_dev *dev,
				 struct hsx_uart_xfer *x, const u8 *kbuf, unsigned long deadline)
{
	int ret, idx;

	while (x->done < x->len) {
		unsigned int slice = min(x->len - x->done, HSX_UART_COPY_CHUNK);
		ssize_t n;

		idx = srcu_read_lock(&hsx_cap_srcu);
		ret = hsx_uart_allowed(client, x->port, HSX_CAP_R_WRITE);
		n = ret ?: hsx_uart_tty_write(dev, kbuf + x->done, slice);
		srcu_read_unlock(&hsx_cap_srcu, idx);
		if (n < 0)
			return n;
		if (n > 0) {
			x->done += n;
			atomic64_add(n, &dev->tx_bytes);
			continue;
		}
		ret = hsx_uart_wait(dev, client, HSX_CAP_R_WRITE, deadline, hsx_uart_has_room);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * hsx_uart_write_kbuf - WRITE of @x->len bytes at @kbuf, copied in already
 *
 * Exposed for KUnit. Return: as hsx_uart_write(); sets x->done.
 */
long hsx_uart_write_kbuf(struct hsx_client *client, struct hsx_uart_xfer *x, const u8 *kbuf)
{
	struct hsx_uart_dev *dev;
	unsigned long deadline;
	int idx, ret;

	x->done = 0;
	dev = hsx_uart_enter(client, x->port, HSX_CAP_R_WRITE, &idx);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	deadline = jiffies + (x->timeout_ms ? msecs_to_jiffies(x->timeout_ms) :
			      hsx_uart_default_timeout(dev, x->len));
	ret = hsx_uart_lock_writer(client, dev, deadline);
	if (!ret) {
		ret = hsx_uart_write_locked(client, dev, x, kbuf, deadline);
		hsx_uart_unlock_writer(dev);
	}
	if (x->done)
		hsx_uart_written(dev);
	hsx_uart_put(dev, idx);
	/* Like write(2): what went is a success; the error comes next time. */
	return x->done ? 0 : ret;
}

/*
 * The caller's bytes are copied, once, before the port is entered: a page
 * fault that never ends (a FUSE mapping, userfaultfd) then holds up nothing
 * but the caller.
 */
static long hsx_uart_write(struct hsx_client *client, void *arg)
{
	struct hsx_uart_xfer *x = arg;
	long ret;
	u8 *kbuf;

	ret = hsx_uart_check_xfer(client, x);
	if (ret)
		return ret;
	x->done = 0;
	kbuf = kvmalloc(max(x->len, 1U), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	if (copy_from_user(kbuf, u64_to_user_ptr(x->buf), x->len))
		ret = -EFAULT;
	else
		ret = hsx_uart_write_kbuf(client, x, kbuf);
	kvfree(kbuf);
	return ret;
}

/*
 * Take up to @len bytes, the oldest, out of the poll buffer into @kbuf.
 * @mark: set to what hsx_uart_give_back() needs to put them back.
 */
static unsigned int hsx_uart_take(struct hsx_uart_dev *dev, u8 *kbuf, u32 len,
				  struct hsx_uart_taken *mark)
{
	unsigned int n, first;

	spin_lock(&dev->rx_lock);
	n = min_t(u32, len, dev->rx_len);
	first = min(n, HSX_UART_RX_BUFFER - dev->rx_head);
	memcpy(kbuf, dev->rx_buf + dev->rx_head, first);
	memcpy(kbuf + first, dev->rx_buf, n - first);
	dev->rx_head = (dev->rx_head + n) % HSX_UART_RX_BUFFER;
	dev->rx_len -= n;
	dev->rx_taken += n;
	mark->gen = dev->rx_gen;
	mark->taken = dev->rx_taken;
	spin_unlock(&dev->rx_lock);
	return n;
}

/*
 * The caller's buffer faulted: the @n bytes taken go back to the head of
 * the buffer, in order, when no reader took any after them (a DISCARD of
 * RX meanwhile discarded them anyway). Bytes received meanwhile that no
 * longer fit are dropped from the tail, as a full buffer drops what comes.
 * Taken after them by another reader, they cannot go back in order: they
 * are counted as dropped (rx_dropped, HSX_UART_ST_OVERRUN), never lost
 * silently.
 */
static void hsx_uart_give_back(struct hsx_uart_dev *dev, const u8 *kbuf, unsigned int n,
			       const struct hsx_uart_taken *mark)
{
	unsigned int excess, head, first;

	spin_lock(&dev->rx_lock);
	if (dev->rx_gen != mark->gen) {
		/* discarded */
	} else if (dev->rx_taken != mark->taken) {
		dev->rx_dropped += n;
	} else {
		excess = dev->rx_len + n > HSX_UART_RX_BUFFER ?
			 dev->rx_len + n - HSX_UART_RX_BUFFER : 0;
		dev->rx_len -= excess;
		dev->rx_dropped += excess;
		head = (dev->rx_head + HSX_UART_RX_BUFFER - n) % HSX_UART_RX_BUFFER;
		first = min(n, HSX_UART_RX_BUFFER - head);
		memcpy(dev->rx_buf + head, kbuf, first);
		memcpy(dev->rx_buf, kbuf + first, n - first);
		dev->rx_head = head;
		dev->rx_len += n;
		dev->rx_taken -= n;
	}
	spin_unlock(&dev->rx_lock);
}

/**
 * hsx_uart_take_allowed - READ_POLL's take of up to @len bytes into @kbuf
 * @mark: as hsx_uart_take()
 *
 * The bytes are taken out of the buffer in the hsx_cap_srcu section of the
 * capability check, under the buffer's spinlock only: concurrent readers
 * take consecutive, disjoint runs, and none waits for another; once a
 * revocation returned, none is taken under the right it ended. Exposed for
 * KUnit. Return: the bytes taken, or a denial, or -ENODEV.
 */
int hsx_uart_take_allowed(struct hsx_client *client, struct hsx_uart_dev *dev, u8 *kbuf, u32 len,
			  struct hsx_uart_taken *mark)
{
	unsigned int n = 0;
	int cidx, idx, ret;

	cidx = srcu_read_lock(&hsx_cap_srcu);
	idx = srcu_read_lock(&dev->inst->srcu);
	ret = hsx_uart_stopping(dev) ? -ENODEV :
	      hsx_uart_allowed(client, dev->port, HSX_CAP_R_READ);
	if (!ret)
		n = hsx_uart_take(dev, kbuf, len, mark);
	srcu_read_unlock(&dev->inst->srcu, idx);
	srcu_read_unlock(&hsx_cap_srcu, cidx);
	return ret ?: n;
}

/*
 * The copy to user memory comes after the take, in no SRCU section and
 * under no lock (a page fault that never ends holds up no other reader, no
 * revocation and no unbinding); a copy that faults puts the bytes back
 * (hsx_uart_give_back()).
 */
static long hsx_uart_read_poll(struct hsx_client *client, void *arg)
{
	struct hsx_uart_xfer *x = arg;
	struct hsx_uart_taken mark;
	struct hsx_uart_dev *dev;
	unsigned int n = 0;
	int ret;
	u8 *kbuf;

	ret = hsx_uart_check_xfer(client, x);
	if (ret || x->timeout_ms)
		return ret ?: -EINVAL;
	ret = hsx_uart_authorize(client, x->port, HSX_CAP_R_READ);
	if (ret)
		return ret;
	x->done = 0;
	kbuf = kmalloc(clamp_t(u32, x->len, 1, HSX_UART_RX_BUFFER), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	dev = hsx_uart_get_ref(client, x->port);
	if (IS_ERR(dev)) {
		kfree(kbuf);
		return PTR_ERR(dev);
	}
	ret = hsx_uart_take_allowed(client, dev, kbuf, x->len, &mark);
	if (ret > 0) {
		n = ret;
		ret = 0;
	}
	if (n && copy_to_user(u64_to_user_ptr(x->buf), kbuf, n)) {
		hsx_uart_give_back(dev, kbuf, n, &mark);
		ret = -EFAULT;
	}
	if (!ret)
		x->done = n;
	hsx_instance_put(dev->inst);	/* may free dev */
	kfree(kbuf);
	return ret;
}

int hsx_uart_validate_config(const struct hsx_uart_config *cfg)
{
	if (!cfg->baud || cfg->baud > HSX_UART_BAUD_MAX ||
	    cfg->parity > HSX_UART_PAR_SPACE ||
	    (cfg->stop_bits != 1 && cfg->stop_bits != 2) ||
	    (cfg->data_bits && (cfg->data_bits < 5 || cfg->data_bits > 8)) ||
	    cfg->flow > HSX_UART_FC_XONXOFF || cfg->reserved)
		return -EINVAL;
	return 0;
}

static long hsx_uart_config(struct hsx_client *client, void *arg)
{
	struct hsx_uart_config *cfg = arg;
	struct hsx_uart_dev *dev;
	int idx, ret;

	ret = hsx_uart_validate_config(cfg) ?: hsx_uart_check_port(client, cfg->port);
	if (ret)
		return ret;
	if (!cfg->data_bits)
		cfg->data_bits = 8;
	dev = hsx_uart_enter_to_act(client, cfg->port, HSX_CAP_R_UART_CONFIG, &idx);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ret = hsx_uart_lock_config(client, dev, HSX_CAP_R_UART_CONFIG);
	if (!ret) {
		ret = hsx_uart_tty_configure(dev, cfg);
		if (!ret)
			dev->config = *cfg;
		hsx_uart_unlock_config(dev);
	}
	hsx_uart_put_acted(client, dev, idx);
	return ret;
}

static long hsx_uart_get_status(struct hsx_client *client, void *arg)
{
	struct hsx_uart_status *st = arg;
	struct hsx_uart_dev *dev;
	u32 port = st->port, lines = 0;
	int idx, ret;

	ret = hsx_uart_check_port(client, port);
	if (ret || st->reserved)
		return ret ?: -EINVAL;
	dev = hsx_uart_enter(client, port, HSX_CAP_R_READ, &idx);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	memset(st, 0, sizeof(*st));
	st->port = port;
	if (hsx_uart_tty_lines(dev, 0, 0, &lines) == 0)
		st->lines = lines;
	st->tx_pending = hsx_uart_tty_pending(dev);
	if (hsx_uart_tty_write_room(dev))
		st->status |= HSX_UART_ST_TX_READY;
	if (!st->tx_pending)
		st->status |= HSX_UART_ST_TX_EMPTY;
	st->baud = READ_ONCE(dev->config.baud_actual);
	st->tx_bytes = atomic64_read(&dev->tx_bytes);
	hsx_uart_tty_fold_overruns(dev);

	spin_lock(&dev->rx_lock);
	if (dev->rx_len)
		st->status |= HSX_UART_ST_RX_READY;
	st->rx_available = dev->rx_len;
	st->rx_bytes = dev->rx_bytes;
	st->overruns = dev->overruns;
	st->parity_errors = dev->parity_errors;
	st->framing_errors = dev->framing_errors;
	st->breaks = dev->breaks;
	st->rx_dropped = dev->rx_dropped;
	spin_unlock(&dev->rx_lock);
	st->status |= hsx_uart_error_bits(client, dev, st);
	hsx_uart_put(dev, idx);
	return 0;
}

static long hsx_uart_modem(struct hsx_client *client, void *arg)
{
	struct hsx_uart_modem *m = arg;
	struct hsx_uart_dev *dev;
	u32 need = HSX_CAP_R_READ;
	int idx, ret;

	ret = hsx_uart_check_port(client, m->port);
	if (ret || (m->set | m->clear) & ~HSX_UART_LN_OUT || m->set & m->clear)
		return ret ?: -EINVAL;
	/* RTS and DTR need MODEM; the loopback, which silences the line, CONFIG too. */
	if (m->set | m->clear)
		need |= HSX_CAP_R_UART_MODEM |
			((m->set | m->clear) & HSX_UART_LN_LOOP ? HSX_CAP_R_UART_CONFIG : 0);
	dev = hsx_uart_enter_to_act(client, m->port, need, &idx);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ret = hsx_uart_lock_config(client, dev, need);
	if (!ret) {
		ret = hsx_uart_tty_lines(dev, m->set, m->clear, &m->lines);
		hsx_uart_unlock_config(dev);
	}
	hsx_uart_put_acted(client, dev, idx);
	return ret;
}

/*
 * Could a break have begun when its start returned @ret? Not where the
 * driver has no breaks (no break_ctl: EOPNOTSUPP; usb-serial's: ENOTTY) or
 * the port is gone (its hangup ended any).
 */
static bool hsx_uart_break_may_be_on(int ret)
{
	return ret != -EOPNOTSUPP && ret != -ENOTTY && ret != -ENODEV;
}

static void hsx_uart_break_off(struct hsx_uart_dev *dev)
{
	int ret = hsx_uart_tty_break(dev, false);

	if (ret && hsx_uart_break_may_be_on(ret))
		pr_warn_ratelimited("uart: port %u: ending a break failed (%d): the line may stay in break\n",
				    dev->port, ret);
}

/*
 * A break of c->value ms. It holds only break_lock while it lasts: not
 * config_lock, which CONFIG and the sysfs config file take.
 */
static long hsx_uart_break(struct hsx_client *client, void *arg)
{
	struct hsx_uart_ctl *c = arg;
	struct hsx_uart_dev *dev;
	unsigned long deadline;
	int idx, ret, err, started;

	ret = hsx_uart_check_port(client, c->port);
	if (ret || c->reserved || !c->value || c->value > HSX_UART_BREAK_MAX_MS)
		return ret ?: -EINVAL;
	dev = hsx_uart_enter_to_act(client, c->port, HSX_CAP_R_UART_CONFIG, &idx);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	deadline = jiffies + msecs_to_jiffies(c->value);
	ret = hsx_uart_lock(client, dev, &dev->break_lock, hsx_uart_break_unlocked,
			    HSX_CAP_R_UART_CONFIG, deadline);
	if (ret) {
		hsx_uart_put_acted(client, dev, idx);
		return ret == -ETIMEDOUT ? -EBUSY : ret;
	}
	/* The break lasts its whole duration, however long the lock took. */
	deadline = jiffies + msecs_to_jiffies(c->value);
	/* Checked again: a revocation may have come since (it waits for this). */
	ret = hsx_uart_stopping(dev) ? -ENODEV :
	      hsx_uart_authorize(client, c->port, HSX_CAP_R_UART_CONFIG);
	if (!ret) {
		started = hsx_uart_tty_break(dev, true);
		ret = started;
		if (!started) {
			do {
				err = hsx_uart_wait(dev, client, HSX_CAP_R_UART_CONFIG, deadline,
						    NULL);
			} while (!err);
			ret = err == -ETIMEDOUT ? 0 : err;
		}
		/*
		 * The break is never left on, however the wait ended, nor after
		 * a start that failed: a USB adapter's control transfer can fail
		 * once the adapter began the break. Before the file's acting
		 * lock goes, so a revocation returns with the line out of it.
		 */
		if (hsx_uart_break_may_be_on(started))
			hsx_uart_break_off(dev);
	}
	mutex_unlock(&dev->break_lock);
	wake_up_all(&dev->wait);
	hsx_uart_put_acted(client, dev, idx);
	return ret;
}

static long hsx_uart_drain(struct hsx_client *client, void *arg)
{
	struct hsx_uart_ctl *c = arg;
	struct hsx_uart_dev *dev;
	unsigned long deadline;
	int idx, ret;

	ret = hsx_uart_check_port(client, c->port);
	if (ret || c->reserved || c->value > HSX_UART_TIMEOUT_MAX_MS)
		return ret ?: -EINVAL;
	dev = hsx_uart_enter(client, c->port, HSX_CAP_R_WRITE, &idx);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	deadline = jiffies + (c->value ? msecs_to_jiffies(c->value) :
			      hsx_uart_default_timeout(dev, hsx_uart_tty_pending(dev)));
	/* In slices, so that unbinding or a revocation is seen within one. */
	for (;;) {
		long left = (long)(deadline - jiffies);

		if (hsx_uart_stopping(dev)) {
			ret = -ENODEV;
			break;
		}
		ret = hsx_uart_authorize(client, c->port, HSX_CAP_R_WRITE);
		if (ret)
			break;
		hsx_uart_tty_wait_sent(dev, clamp_t(long, left, 1, HSX_UART_WAIT_SLICE));
		if (!hsx_uart_tty_pending(dev))
			break;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (time_after_eq(jiffies, deadline)) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	hsx_uart_put(dev, idx);
	return ret;
}

static long hsx_uart_discard(struct hsx_client *client, void *arg)
{
	struct hsx_uart_ctl *c = arg;
	struct hsx_uart_dev *dev;
	int idx, ret;

	ret = hsx_uart_check_port(client, c->port);
	if (ret || c->reserved || !c->value ||
	    c->value & ~(HSX_UART_DC_RX | HSX_UART_DC_TX))
		return ret ?: -EINVAL;
	dev = hsx_uart_enter_to_act(client, c->port, HSX_CAP_R_UART_CONFIG, &idx);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	if (c->value & HSX_UART_DC_TX)
		hsx_uart_tty_discard_tx(dev);
	if (c->value & HSX_UART_DC_RX) {
		/* A READ_POLL copying out meanwhile takes nothing (rx_gen). */
		spin_lock(&dev->rx_lock);
		dev->rx_head = 0;
		dev->rx_len = 0;
		dev->rx_gen++;
		spin_unlock(&dev->rx_lock);
	}
	hsx_uart_put_acted(client, dev, idx);
	return 0;
}

static long hsx_uart_info(struct hsx_client *client, void *arg)
{
	struct hsx_uart_info *info = arg;
	struct hsx_uart_dev *dev;
	u32 port = info->port;
	int idx, ret;

	ret = hsx_uart_check_port(client, port);
	if (ret || info->reserved)
		return ret ?: -EINVAL;
	memset(info, 0, sizeof(*info));
	info->port = port;
	info->config.port = port;
	dev = hsx_uart_enter(client, port, HSX_CAP_R_READ, &idx);
	if (IS_ERR(dev))
		return PTR_ERR(dev) == -ENXIO ? 0 : PTR_ERR(dev);
	info->bound = 1;
	info->from_dt = dev->from_dt;
	strscpy(info->tty, dev->name, sizeof(info->tty));
	mutex_lock(&dev->config_lock);
	info->config = dev->config;
	hsx_uart_unlock_config(dev);
	hsx_uart_put(dev, idx);
	return 0;
}

static long hsx_uart_map(struct hsx_client *client, void *arg)
{
	struct hsx_uart_map *m = arg;

	if (!client->admin)
		return -EPERM;
	if (m->port >= HSX_UART_MAX_PORTS || m->reserved || !memchr(m->tty, '\0', sizeof(m->tty)) ||
	    (m->tty[0] && !hsx_uart_tty_name_ok(m->tty)))
		return -EINVAL;
	return hsx_uart_map_port(m->port, m->tty);
}

static long hsx_uart_set_events_op(struct hsx_client *client, void *arg)
{
	struct hsx_uart_events *e = arg;
	struct hsx_uart_dev *dev;
	int idx, ret;

	ret = hsx_uart_check_port(client, e->port);
	if (ret || e->reserved || e->events & ~HSX_UART_EVF_ALL ||
	    (e->events & HSX_UART_EVF_IDLE ? !e->idle_ms || e->idle_ms > HSX_UART_IDLE_MAX_MS :
					      e->idle_ms))
		return ret ?: -EINVAL;
	dev = hsx_uart_enter_to_act(client, e->port, HSX_CAP_R_UART_CONFIG, &idx);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ret = hsx_uart_lock_config(client, dev, HSX_CAP_R_UART_CONFIG);
	if (!ret) {
		ret = hsx_uart_set_events(dev, e->events, e->idle_ms);
		hsx_uart_unlock_config(dev);
	}
	hsx_uart_put_acted(client, dev, idx);
	return ret;
}

/* ---- the module's hooks ---------------------------------------------------- */

/*
 * A capability ended: its holder may be waiting on a port; wake it to see.
 * Then wait until no function of the file that changes a port, allowed by
 * it, still runs (see the top of the file): they wait for no lock once
 * woken, only for the driver calls they already made. Context: the
 * revocation, under hsx_cap_mutex; the functions take no lock it nests in.
 */
static void hsx_uart_cap_ended(struct hsx_client *client)
{
	struct hsx_uart_client *uc = hsx_uart_client_of(client);

	hsx_uart_ports_wake();
	/*
	 * An unrestricted file's functions were not allowed by the capability
	 * and pass every check: its waiters would not give up, and the wait
	 * would hold hsx_cap_mutex for as long as they wait.
	 */
	if (hsx_cap_unrestricted(client))
		return;
	down_write(&uc->acting);
	up_write(&uc->acting);
}

static int hsx_uart_init(const struct hsx_module *mod)
{
	int ret = hsx_uart_tty_init();

	if (ret)
		return ret;
	ret = hsx_uart_ports_init();
	if (ret)
		hsx_uart_tty_exit();
	return ret;
}

static void hsx_uart_exit(const struct hsx_module *mod)
{
	hsx_uart_ports_exit();
	hsx_uart_tty_exit();
}

/* ---- capabilities: a mask of ports -------------------------------------------- */

static int hsx_uart_cap_validate(const union hsx_cap_selector *sel)
{
	if (!sel->uart.ports || sel->uart.reserved || sel->raw[1] || sel->raw[2] || sel->raw[3])
		return -EINVAL;
	if (sel->uart.ports >> HSX_UART_MAX_PORTS)
		return -EINVAL;
	return 0;
}

static bool hsx_uart_cap_subset(const union hsx_cap_selector *inner,
				const union hsx_cap_selector *outer)
{
	return !(inner->uart.ports & ~outer->uart.ports);
}

/* @ports: a mask; covered when every port in it is the capability's. */
static bool hsx_uart_cap_covers(const union hsx_cap_selector *sel, u64 ports)
{
	return !(ports & ~(u64)sel->uart.ports);
}

static const struct hsx_cap_ops hsx_uart_cap_ops = {
	.rights = HSX_CAP_R_UART_ALL,
	.validate = hsx_uart_cap_validate,
	.subset = hsx_uart_cap_subset,
	.covers = hsx_uart_cap_covers,
};

/*
 * No function has rights here: each checks its capability itself, in a
 * section of hsx_cap_srcu that covers no call that may block, and those
 * that change the port under the file's acting lock (see the top of the
 * file). Needed: WRITE, DRAIN: WRITE; READ_POLL, GET_STATUS, INFO:
 * READ; MODEM: READ, and MODEM to set RTS or DTR (CONFIG too for the
 * loopback); CONFIG, BREAK, DISCARD, SET_EVENTS: CONFIG.
 */
static const struct hsx_ioctl_op hsx_uart_ops[] = {
	[HSX_UART_FN_WRITE] = { HSX_IOC_UART_WRITE, hsx_uart_write },
	[HSX_UART_FN_READ_POLL] = { HSX_IOC_UART_READ_POLL, hsx_uart_read_poll },
	[HSX_UART_FN_CONFIG] = { HSX_IOC_UART_CONFIG, hsx_uart_config },
	[HSX_UART_FN_GET_STATUS] = { HSX_IOC_UART_GET_STATUS, hsx_uart_get_status },
	[HSX_UART_FN_MODEM] = { HSX_IOC_UART_MODEM, hsx_uart_modem },
	[HSX_UART_FN_BREAK] = { HSX_IOC_UART_BREAK, hsx_uart_break },
	[HSX_UART_FN_DRAIN] = { HSX_IOC_UART_DRAIN, hsx_uart_drain },
	[HSX_UART_FN_DISCARD] = { HSX_IOC_UART_DISCARD, hsx_uart_discard },
	[HSX_UART_FN_INFO] = { HSX_IOC_UART_INFO, hsx_uart_info },
	/* Admin only: the handler checks the node. */
	[HSX_UART_FN_MAP] = { HSX_IOC_UART_MAP, hsx_uart_map },
	[HSX_UART_FN_SET_EVENTS] = { HSX_IOC_UART_SET_EVENTS, hsx_uart_set_events_op },
};

const struct hsx_module hsx_uart_module = {
	.id = HSX_MODULE_UART,
	.name = "uart",
	.ops = hsx_uart_ops,
	.n_ops = ARRAY_SIZE(hsx_uart_ops),
	.node_mode = 0666,
	.cap = &hsx_uart_cap_ops,
	.init = hsx_uart_init,
	.exit = hsx_uart_exit,
	.open = hsx_uart_open,
	.release = hsx_uart_release,
	.cap_ended = hsx_uart_cap_ended,
	.instance_unplug = hsx_uart_instance_unplug,
	.instance_gone = hsx_uart_instance_gone,
	.instance_release = hsx_uart_instance_release,
	.enters_instances = true,
};
