// SPDX-License-Identifier: GPL-2.0
/*
 * Queue files: a subscription read as fixed-size records.
 *
 * A netlink subscriber costs each event a message: allocated, filled with
 * attributes, looked up by port, parsed again in user space. A queue file
 * costs it a copy into a ring of records made when it subscribed, and a
 * wake-up; the reader copies whole records out with read(), as gpiolib's
 * line-event files do. The ring is guarded by the file's wait queue's own
 * lock, as a timerfd's state is: a post takes that one lock (irqs off) inside
 * the mailbox's, appends, and wakes with it held, so it runs wherever a post
 * may (softirq or process context, and a hard interrupt: hsx_mbox_post_irq()),
 * and under PREEMPT_RT, where each spinlock_t sleeps, a post takes one lock
 * fewer.
 *
 * The reader copies the oldest record out under that lock with page faults
 * off, and only then consumes it. Where the buffer would fault, it copies
 * the record from its slot without the lock (which may sleep), and a read
 * that faults leaves the record for the next one. Readers are serialized by
 * a mutex, so that no other reader consumes the record in between.
 *
 * The close notice never takes a ring slot: it has a slot of its own after
 * the ring and is read after the last record, so no queue is ever too full
 * for it.
 *
 * A post writes a record into the ring in 8-byte words, and read(2) copies
 * it out with unsafe_copy_to_user(), which on x86 is moves of 8 bytes too,
 * not memcpy() or copy_to_user(): on CPUs with fast string operations those
 * are one string instruction, which an emulator runs an iteration per byte
 * (under TCG, 2.3 µs of an 80-byte record's copy to a woken reader, measured
 * by the TSC: most of the read's return), where ten moves cost hardware no
 * more. (Where an architecture has no user_access_begin() of its own, as
 * arm64 in 6.1, the copy is copy_to_user()'s; readv(), preadv2() and
 * io_uring's reads take read_iter() and copy_to_iter(), as does the copy
 * without the lock.) read(2) has a .read of its own for it: through
 * read_iter(), the word copy into the one user buffer of read(2)'s iterator
 * took 2,800-4,400 cycles after a wake-up against 500-1,000, the difference
 * being iov_iter_advance(), a call into code not run since the last edge.
 * (A file with .read is refused by kernel_read(); nothing uses it here.)
 * Nor does a read keep a record-sized buffer on its stack: with the stack
 * initialized to zero (CONFIG_INIT_STACK_ALL_ZERO) every read would clear
 * it first.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "cap.h"
#include "core.h"
#include "mailbox.h"
#include "mbox_queue.h"

/* Records a read copies out in one run with the queue's lock held (a 4 KiB batch, at most). */
#define HSX_MBOX_QUEUE_COPY_RUN	16

/* Records of every queue file together, so that memory stays bounded. */
static atomic_t hsx_mbox_queue_records = ATOMIC_INIT(0);

/**
 * hsx_mbox_queue_alloc - make an empty queue
 * @len: records it holds, 1..HSX_MBOX_QUEUE_MAX
 * @module: HSX_MODULE_* its records name
 * @payload_size: bytes of the module record after each header
 *
 * Context: process. Return: the queue, or an ERR_PTR(): -EINVAL for a bad
 * @len or @payload_size, -ENOSPC when every queue file together would hold
 * more than HSX_MBOX_QUEUE_TOTAL records, -ENOMEM.
 */
struct hsx_mbox_queue *hsx_mbox_queue_alloc(unsigned int len, u16 module, u16 payload_size)
{
	u32 record_size = sizeof(struct hsx_mbox_record) + ALIGN(payload_size, 8);
	struct hsx_mbox_queue *q;

	if (!len || len > HSX_MBOX_QUEUE_MAX || WARN_ON(payload_size > HSX_MBOX_RECORD_PAYLOAD_MAX))
		return ERR_PTR(-EINVAL);
	if (atomic_add_return(len, &hsx_mbox_queue_records) > HSX_MBOX_QUEUE_TOTAL) {
		atomic_sub(len, &hsx_mbox_queue_records);
		return ERR_PTR(-ENOSPC);
	}
	/*
	 * The ring, then the close notice's slot. Charged to the subscriber's
	 * memory cgroup: it chose the length.
	 */
	q = kvzalloc(struct_size(q, records, ((size_t)len + 1) * record_size), GFP_KERNEL_ACCOUNT);
	if (!q) {
		atomic_sub(len, &hsx_mbox_queue_records);
		return ERR_PTR(-ENOMEM);
	}
	init_waitqueue_head(&q->wait);
	mutex_init(&q->read_lock);
	hsx_mbox_queue_link_init(q);
	q->len = len;
	q->record_size = record_size;
	q->module = module;
	return q;
}

/* Once nothing posts to it any more and its file is gone. */
void hsx_mbox_queue_free(struct hsx_mbox_queue *q)
{
	hsx_mbox_queue_unlink_all(q);
	atomic_sub(q->len, &hsx_mbox_queue_records);
	mutex_destroy(&q->read_lock);
	kvfree(q);
}

/* Slot @i: the ring's for 0..len-1, the close notice's for len. */
static u8 *hsx_mbox_queue_slot(struct hsx_mbox_queue *q, unsigned int i)
{
	return &q->records[(size_t)i * q->record_size];
}

/* Field by field: a compound literal is cleared with a string instruction first. */
static void hsx_mbox_queue_encode(const struct hsx_mbox_queue *q, struct hsx_mbox_record *rec,
				  const struct hsx_mbox_event *ev)
{
	rec->size = q->record_size;
	rec->type = ev->type;
	rec->module = q->module;
	rec->mbox_id = ev->mbox_id;
	rec->dropped = ev->dropped;
	rec->seq = ev->seq;
	rec->timestamp_ns = ev->timestamp_ns;
	rec->dropped_total = ev->dropped_total;
	rec->close_reason = ev->close_reason;
	rec->reserved = 0;
}

/*
 * The module's @size bytes of record into a slot's @room (@size rounded up to
 * 8: the slots are 8-byte aligned), in words, and zeros after them.
 */
static void hsx_mbox_queue_put_payload(u8 *dst, const u8 *src, size_t size, size_t room)
{
	size_t i;

	for (i = 0; i + sizeof(u64) <= size; i += sizeof(u64)) {
		u64 word;

		memcpy(&word, src + i, sizeof(word));	/* one load, wherever @src is */
		*(u64 *)(dst + i) = word;
	}
	if (i < room) {
		/* A record whose size is no multiple of 8: its tail, and zeros. */
		u64 last = 0;

		memcpy(&last, src + i, size - i);
		*(u64 *)(dst + i) = last;
	}
}

/**
 * hsx_mbox_queue_push - queue one data event
 * @q: the queue
 * @ev: the event; ev->payload points to ev->ops->record_size bytes
 *
 * Context: any, hard IRQ too; under the mailbox's lock or its irq_lock.
 * Return: 0, or -ENOBUFS when the queue is full (a drop, for the caller to count).
 */
int hsx_mbox_queue_push(struct hsx_mbox_queue *q, const struct hsx_mbox_event *ev)
{
	size_t payload = q->record_size - sizeof(struct hsx_mbox_record);
	struct hsx_mbox_record *rec;
	unsigned long flags;
	unsigned int tail;

	spin_lock_irqsave(&q->wait.lock, flags);
	if (q->count == q->len) {
		spin_unlock_irqrestore(&q->wait.lock, flags);
		return -ENOBUFS;
	}
	tail = q->head + q->count;	/* head < len and count < len: no modulo (a division) */
	if (tail >= q->len)
		tail -= q->len;
	rec = (struct hsx_mbox_record *)hsx_mbox_queue_slot(q, tail);
	hsx_mbox_queue_encode(q, rec, ev);
	hsx_mbox_queue_put_payload((u8 *)(rec + 1), ev->payload, ev->ops->record_size, payload);
	q->count++;
	wake_up_locked_poll(&q->wait, EPOLLIN | EPOLLRDNORM);
	if (q->link_target)
		hsx_mbox_link_kick(q->link_target);	/* after its own waiters */
	spin_unlock_irqrestore(&q->wait.lock, flags);
	return 0;
}

/**
 * hsx_mbox_queue_close - end the queue with a close notice
 * @q: the queue
 * @ev: the HSX_EVT_CLOSED event
 *
 * Never fails: the notice has its own room. Context: as hsx_mbox_queue_push().
 */
void hsx_mbox_queue_close(struct hsx_mbox_queue *q, const struct hsx_mbox_event *ev)
{
	unsigned long flags;

	spin_lock_irqsave(&q->wait.lock, flags);
	if (!q->closed) {
		struct hsx_mbox_record *notice = (void *)hsx_mbox_queue_slot(q, q->len);

		/* Its payload stays zero: nothing else writes the slot. */
		hsx_mbox_queue_encode(q, notice, ev);
		q->closed = true;
	}
	/* Every waiter, exclusive ones too (no key: each polls again): the end is everyone's. */
	__wake_up_locked(&q->wait, TASK_NORMAL, 0);
	if (q->link_target)
		hsx_mbox_link_kick(q->link_target);
	spin_unlock_irqrestore(&q->wait.lock, flags);
}

/**
 * hsx_mbox_queue_end - end the queue without a close notice
 * @q: the queue; its subscriber ended the subscription itself
 *
 * What is queued stays readable, then end of file. Context: process.
 */
void hsx_mbox_queue_end(struct hsx_mbox_queue *q)
{
	spin_lock_irq(&q->wait.lock);
	if (!q->closed) {
		q->closed = true;
		q->close_read = true;
	}
	__wake_up_locked(&q->wait, TASK_NORMAL, 0);	/* every waiter, as above */
	if (q->link_target)
		hsx_mbox_link_kick(q->link_target);
	spin_unlock_irq(&q->wait.lock);
}

enum hsx_mbox_queue_state {
	HSX_MBOX_Q_EMPTY,	/* nothing yet */
	HSX_MBOX_Q_KICKED,	/* nothing yet, and a kick, now taken */
	HSX_MBOX_Q_RECORD,	/* the oldest record */
	HSX_MBOX_Q_CLOSE,	/* the close notice */
	HSX_MBOX_Q_EOF,		/* the close notice was read */
};

/* What hsx_mbox_queue_peek_locked() returned reached the reader. */
static void hsx_mbox_queue_consume_locked(struct hsx_mbox_queue *q,
					  enum hsx_mbox_queue_state state)
{
	lockdep_assert_held(&q->wait.lock);
	if (state == HSX_MBOX_Q_RECORD) {
		q->head = q->head + 1 == q->len ? 0 : q->head + 1;
		q->count--;
	} else {
		q->close_read = true;
	}
}

/*
 * With q->wait.lock held: what a read would return next, after consuming what
 * the last peek returned (@consume, unless it is HSX_MBOX_Q_EMPTY). For a
 * record or the close notice, *@rec points at its slot. The slot stays as it
 * is until the record is consumed, the lock let go or not: posters fill free
 * slots only (a full queue drops), only a reader consumes, under the read
 * mutex, the close notice is written once, before closed is set, and the
 * slots live as long as the file.
 * @take_kick: the read would block on an empty queue; a kick kept ends it.
 */
static enum hsx_mbox_queue_state hsx_mbox_queue_peek_locked(struct hsx_mbox_queue *q,
							    const u8 **rec,
							    enum hsx_mbox_queue_state consume,
							    bool take_kick)
{
	lockdep_assert_held(&q->wait.lock);
	if (consume != HSX_MBOX_Q_EMPTY)
		hsx_mbox_queue_consume_locked(q, consume);
	if (q->count) {
		*rec = hsx_mbox_queue_slot(q, q->head);
		return HSX_MBOX_Q_RECORD;
	}
	if (q->closed && !q->close_read) {
		*rec = hsx_mbox_queue_slot(q, q->len);
		return HSX_MBOX_Q_CLOSE;
	}
	if (q->closed)
		return HSX_MBOX_Q_EOF;
	if (take_kick && q->kicked) {
		q->kicked = false;
		return HSX_MBOX_Q_KICKED;
	}
	return HSX_MBOX_Q_EMPTY;
}

/* The reader took a record here: its mailbox's owner may want to know where (ops->reader_here). */
static void hsx_mbox_queue_reader_here(struct hsx_mbox_queue *q)
{
	void *owner;

	if (!q->reader_here)
		return;
	rcu_read_lock();
	owner = rcu_dereference(q->owner);
	if (owner)
		q->reader_here(owner);
	rcu_read_unlock();
}

/*
 * With q->wait.lock held (spin_lock_irq()), which it drops while asleep: wait until
 * a record, the close or a kick is there, or the file's timeout has passed
 * since the read began (*until, set at its first wait). 0, -ETIMEDOUT, or for
 * a signal -ERESTARTSYS (-EINTR with a timeout, as a socket's: a restarted
 * read would wait its whole timeout again).
 *
 * The lock is held from the wake-up to the record's copy, as in eventfd's and
 * timerfd's reads: a woken reader takes it once, where prepare_to_wait() and
 * finish_wait() around a separate peek took it three times (microseconds of
 * an event's latency under emulation). The reader goes at the head of the
 * queue, as prepare_to_wait() puts it: woken before the io_uring poll that
 * the library's dispatcher keeps armed on the same file while it reads.
 */
static int hsx_mbox_queue_wait_locked(struct hsx_mbox_queue *q, ktime_t *until)
{
	u64 timeout = READ_ONCE(q->timeout_ns);
	DECLARE_WAITQUEUE(wait, current);
	int ret = 0;

	lockdep_assert_held(&q->wait.lock);
	/* One clock read for the first wait (under emulation the HPET is a device access). */
	if (timeout && !*until)
		*until = ktime_add_ns(ktime_get(), timeout);
	__add_wait_queue(&q->wait, &wait);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (q->count || q->closed || q->kicked)
			break;
		if (signal_pending(current)) {
			ret = timeout ? -EINTR : -ERESTARTSYS;
			break;
		}
		if (ret) /* the time was up, and nothing came */
			break;
		spin_unlock_irq(&q->wait.lock);
		if (timeout)
			ret = schedule_hrtimeout_range(until, current->timer_slack_ns,
						       HRTIMER_MODE_ABS) ? 0 : -ETIMEDOUT;
		else
			schedule();
		spin_lock_irq(&q->wait.lock);
	}
	__remove_wait_queue(&q->wait, &wait);
	__set_current_state(TASK_RUNNING);
	return ret == -ETIMEDOUT && (q->count || q->closed || q->kicked) ? 0 : ret;
}

/*
 * Where a read's records go: read()'s buffer, or read_iter()'s iterator (io_uring's
 * reads, readv(), preadv2()), and the room left there.
 */
struct hsx_mbox_queue_sink {
	char __user *buf;
	struct iov_iter *iter;	/* NULL for read() */
	size_t room;
};

/*
 * One record to a user buffer with page faults off: false where it would
 * fault. Hardened usercopy checks the slot's bounds first, as copy_to_user()
 * would (a vmalloc'd ring's it leaves unchecked with faults off, as it must
 * under a spinlock).
 */
static bool hsx_mbox_queue_put_user_nofault(char __user *buf, const u8 *rec, size_t size)
{
	check_object_size(rec, size, true);
	if (!user_access_begin(buf, size))
		return false;
	unsafe_copy_to_user(buf, rec, size, efault);
	user_access_end();
	return true;
efault:
	user_access_end();
	return false;
}

/*
 * With q->wait.lock held: copy @rec out to the reader; false if it faulted.
 * Consumed only once it is there: a read that faults leaves the record.
 *
 * First with the lock held and page faults off, as a futex reads user memory
 * under its hash bucket's lock: a woken reader then takes the lock once, not
 * twice (about a microsecond of a GPIO edge's latency under emulation). A
 * buffer that is not mapped yet is copied to without the lock, where it may
 * fault and sleep. Either way straight from the slot: the record stays in it
 * until it is consumed (hsx_mbox_queue_peek_locked()). With faults off,
 * hardened usercopy leaves a vmalloc'd ring's bounds unchecked, as it must
 * under a spinlock; the copy without the lock has them checked. A read that
 * must not wait (IOCB_NOWAIT) falls back the same way instead of failing with
 * EAGAIN: preadv2()'s RWF_NOWAIT says that too, and a caller told EAGAIN while
 * records wait would take it for none (the library's takes do; fuzzing with
 * fault injection found one record stranded that way).
 */
static bool hsx_mbox_queue_copy_locked(struct hsx_mbox_queue *q, const u8 *rec,
				       struct hsx_mbox_queue_sink *to)
{
	size_t copied = 0;
	bool ok;

	lockdep_assert_held(&q->wait.lock);
	lockdep_assert_held(&q->read_lock);
	if (!to->iter) {
		pagefault_disable();
		ok = hsx_mbox_queue_put_user_nofault(to->buf, rec, q->record_size);
		pagefault_enable();
		if (!ok) {
			spin_unlock_irq(&q->wait.lock);
			ok = !copy_to_user(to->buf, rec, q->record_size);
			spin_lock_irq(&q->wait.lock);
		}
		if (ok)
			to->buf += q->record_size;
	} else {
		if (user_backed_iter(to->iter)) {
			pagefault_disable();
			copied = copy_to_iter(rec, q->record_size, to->iter);
			pagefault_enable();
			if (copied != q->record_size)
				iov_iter_revert(to->iter, copied);
		}
		if (copied != q->record_size) {
			spin_unlock_irq(&q->wait.lock);
			copied = copy_to_iter(rec, q->record_size, to->iter);
			spin_lock_irq(&q->wait.lock);
		}
		ok = copied == q->record_size;
	}
	if (ok)
		to->room -= q->record_size;
	return ok;
}

static ssize_t hsx_mbox_queue_read_records(struct hsx_mbox_queue *q,
					   struct hsx_mbox_queue_sink *to, bool nowait)
{
	enum hsx_mbox_queue_state state, consume = HSX_MBOX_Q_EMPTY;
	unsigned int run = 0;
	const u8 *rec = NULL;
	ktime_t until = 0;
	ssize_t done = 0;
	int ret = 0;

	if (to->room < q->record_size)
		return -EINVAL;
	if (nowait) {
		if (!mutex_trylock(&q->read_lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&q->read_lock)) {
		/* As the wait below: a read with a timeout is not restarted. */
		return READ_ONCE(q->timeout_ns) ? -EINTR : -ERESTARTSYS;
	}
	spin_lock_irq(&q->wait.lock);
	while (to->room >= q->record_size) {
		state = hsx_mbox_queue_peek_locked(q, &rec, consume, !nowait && !done);
		consume = HSX_MBOX_Q_EMPTY;
		if (state == HSX_MBOX_Q_EOF || (state == HSX_MBOX_Q_EMPTY && done))
			break;
		if (state == HSX_MBOX_Q_KICKED) {
			ret = -EINTR;
			break;
		}
		if (state == HSX_MBOX_Q_EMPTY) {
			if (nowait) {
				ret = -EAGAIN;
				break;
			}
			ret = hsx_mbox_queue_wait_locked(q, &until);
			if (ret)
				break;
			continue;
		}
		if (!hsx_mbox_queue_copy_locked(q, rec, to)) {
			ret = -EFAULT;
			break;
		}
		consume = state;	/* by the next peek, or below */
		done += q->record_size;
		/*
		 * Interrupts are off while records are copied: let them in between
		 * runs. (Under PREEMPT_RT the lock sleeps and interrupts stay on; a
		 * poster waits for the reader's copy, boosted by priority inheritance.)
		 */
		if (++run == HSX_MBOX_QUEUE_COPY_RUN) {
			run = 0;
			spin_unlock_irq(&q->wait.lock);
			spin_lock_irq(&q->wait.lock);
		}
	}
	if (consume != HSX_MBOX_Q_EMPTY)
		hsx_mbox_queue_consume_locked(q, consume);
	spin_unlock_irq(&q->wait.lock);
	mutex_unlock(&q->read_lock);
	if (done)
		hsx_mbox_queue_reader_here(q);
	return done ?: ret;
}

/* read(2): no kiocb or iterator to set up, and the record goes out in words. */
static ssize_t hsx_mbox_queue_read(struct file *file, char __user *buf, size_t len,
				   loff_t *pos)
{
	struct hsx_mbox_queue_sink to = { .buf = buf, .room = len };

	return hsx_mbox_queue_read_records(file->private_data, &to, file->f_flags & O_NONBLOCK);
}

/* io_uring's reads, readv() and preadv2() (RWF_NOWAIT: IOCB_NOWAIT). */
static ssize_t hsx_mbox_queue_read_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct hsx_mbox_queue_sink to = { .iter = iter, .room = iov_iter_count(iter) };
	bool nowait = (iocb->ki_flags & IOCB_NOWAIT) || (iocb->ki_filp->f_flags & O_NONBLOCK);

	return hsx_mbox_queue_read_records(iocb->ki_filp->private_data, &to, nowait);
}

static __poll_t hsx_mbox_queue_poll(struct file *file, struct poll_table_struct *pt)
{
	struct hsx_mbox_queue *q = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &q->wait, pt);
	/*
	 * Without the lock, as eventfd_poll(): a post that made the file readable
	 * before poll_wait() added us (under the same lock) is seen here, and one
	 * after it wakes us. Taking the lock would, on PREEMPT_RT, make a
	 * higher-priority poller (io_uring's task work) that preempted the poster
	 * inside its wake block on the poster's lock.
	 */
	if (READ_ONCE(q->count) || (READ_ONCE(q->closed) && !READ_ONCE(q->close_read)))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(q->closed))
		mask |= EPOLLHUP;
	return mask;
}

static long hsx_mbox_queue_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hsx_mbox_queue *q = file->private_data;
	struct hsx_mbox_queue_info info = {
		.mbox_id = q->mbox_id,
		.record_size = q->record_size,
		.queue_len = q->len,
	};

	if (cmd == HSX_IOC_MBOX_QUEUE_END)
		return arg ? -EINVAL : hsx_mbox_end_queue(q);
	if (cmd == HSX_IOC_MBOX_QUEUE_KICK) {
		if (arg)
			return -EINVAL;
		spin_lock_irq(&q->wait.lock);
		q->kicked = true;
		/*
		 * The blocked reader (its wake function ignores the key), not the
		 * pollers: EPOLLMSG is no event they ask for, so they stay asleep.
		 */
		wake_up_locked_poll(&q->wait, EPOLLMSG);
		spin_unlock_irq(&q->wait.lock);
		return 0;
	}
	if (cmd == HSX_IOC_MBOX_QUEUE_LINK) {
		s32 fd;

		if (get_user(fd, (s32 __user *)arg))
			return -EFAULT;
		return hsx_mbox_queue_link(q, fd);
	}
	if (cmd == HSX_IOC_MBOX_QUEUE_SET_TIMEOUT) {
		u64 ns;

		if (get_user(ns, (u64 __user *)arg))
			return -EFAULT;
		if (ns > HSX_MBOX_QUEUE_TIMEOUT_MAX_NS)
			return -EINVAL;
		WRITE_ONCE(q->timeout_ns, ns);
		return 0;
	}
	if (cmd != HSX_IOC_MBOX_QUEUE_INFO)
		return -ENOTTY;
	spin_lock_irq(&q->wait.lock);
	info.queued = q->count + (q->closed && !q->close_read);
	spin_unlock_irq(&q->wait.lock);
	return copy_to_user((void __user *)arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static int hsx_mbox_queue_release(struct inode *inode, struct file *file)
{
	hsx_mbox_unsubscribe_queue(file->private_data);
	return 0;
}

static const struct file_operations hsx_mbox_queue_fops = {
	.owner = THIS_MODULE,
	.read = hsx_mbox_queue_read,
	.read_iter = hsx_mbox_queue_read_iter,
	.poll = hsx_mbox_queue_poll,
	.unlocked_ioctl = hsx_mbox_queue_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = hsx_mbox_queue_release,
	.llseek = noop_llseek,
};

/**
 * hsx_mbox_queue_of - the queue of a queue file
 * @file: any file
 *
 * Return: its queue, or NULL when @file is not a queue file.
 */
struct hsx_mbox_queue *hsx_mbox_queue_of(struct file *file)
{
	return file->f_op == &hsx_mbox_queue_fops ? file->private_data : NULL;
}

/**
 * hsx_mbox_queue_file - the file of a subscribed queue
 * @q: from hsx_mbox_subscribe_queue(); the file takes it over, and ends the
 *	subscription when it is released
 * @nonblock: make the file O_NONBLOCK
 *
 * Return: the file or an ERR_PTR(); on error @q is still the caller's.
 */
struct file *hsx_mbox_queue_file(struct hsx_mbox_queue *q, bool nonblock)
{
	struct file *file;

	file = anon_inode_getfile("[hsx-mbox]", &hsx_mbox_queue_fops, q,
				  O_RDONLY | (nonblock ? O_NONBLOCK : 0));
	if (!IS_ERR(file))
		file->f_mode |= FMODE_NOWAIT;	/* io_uring may try a read first */
	return file;
}

/**
 * hsx_mbox_ioctl_open - HSX_IOC_MBOX_OPEN: subscribe a new queue file
 * @client: the /dev/hsx file asked; its authority admits or refuses
 * @arg: struct hsx_mbox_open
 *
 * Return: the new file descriptor or a negative errno.
 */
long hsx_mbox_ioctl_open(struct hsx_client *client, void *arg)
{
	const struct hsx_mbox_open *req = arg;
	struct hsx_mbox_auth auth = {
		.client = client,
		.privileged = client->privileged,
	};
	struct hsx_mbox_queue *q;
	struct file *file;
	int fd, idx, ret;

	if ((req->flags & ~HSX_MBOX_O_ALL) || req->reserved[0] || req->reserved[1] ||
	    req->queue_len > HSX_MBOX_QUEUE_MAX || !req->name[0] ||
	    !memchr(req->name, '\0', sizeof(req->name)))
		return -EINVAL;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	/*
	 * As for netlink (genl.c): the SRCU section keeps the capability that
	 * may_subscribe looks at alive, and a revocation waits for it before
	 * it ends the subscriptions made under that capability.
	 */
	idx = srcu_read_lock(&hsx_cap_srcu);
	ret = hsx_mbox_subscribe_queue(req->name, &auth, req->queue_len ?: HSX_MBOX_QUEUE_DEFAULT,
				       &q);
	srcu_read_unlock(&hsx_cap_srcu, idx);
	if (ret)
		goto err_fd;
	file = hsx_mbox_queue_file(q, req->flags & HSX_MBOX_O_NONBLOCK);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		hsx_mbox_unsubscribe_queue(q);
		goto err_fd;
	}
	fd_install(fd, file);
	return fd;

err_fd:
	put_unused_fd(fd);
	return ret;
}
