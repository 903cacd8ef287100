// SPDX-License-Identifier: GPL-2.0
/*
 * Queue file links (HSX_IOC_MBOX_QUEUE_LINK): a record or close notice
 * queued in one file (the source) kicks the blocked reader of another (the
 * target), as HSX_IOC_MBOX_QUEUE_KICK would.
 *
 * A thread can wait in one file's read() only while nothing else needs it.
 * The library's callback thread reads its one mailbox's file that way (no
 * poll, then read: one system call instead of two and a ring); a process
 * that holds a capability also has that capability's watch, a second file
 * whose one event (the capability ended) must reach the thread. Linked to
 * the file it reads, the watch ends that read when its event comes.
 *
 * The source's post, close and end kick the target (hsx_mbox_link_kick())
 * where they wake the source's own waiters, after them: under the source's
 * wait queue lock (irqs off, a hard interrupt's post included), where the
 * kick takes the target's, nested. The reader it ends finds every waiter of
 * the source woken, io_uring's poll among them (its completion work queued).
 *
 * A queue is a source or a target, never both, so no post can go round a
 * circle of links back to a lock it holds, and every nesting is one level
 * deep. hsx_mbox_link_mutex guards who links to whom; the wake function
 * reads its target under the source's lock, which every change of that
 * target takes too, so a target is unlinked from all its sources before it
 * is freed, and a source from its target.
 */
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>

#include "mbox_queue.h"

static DEFINE_MUTEX(hsx_mbox_link_mutex);

/* Would a read of @q return at once (records, the close notice, or the end)? */
static bool hsx_mbox_queue_has_news(const struct hsx_mbox_queue *q)
{
	lockdep_assert_held(&q->wait.lock);
	return q->count || q->closed;
}

/**
 * hsx_mbox_link_kick - kick @target's blocked reader, for news of a source's
 * @target: its source's link_target
 *
 * Context: the source's wait queue lock held, irqs off (a hard interrupt's
 * post included), after the source's own waiters were woken: its pollers'
 * wake-ups (io_uring's completion work) are done before the reader is.
 * A kick still kept is not kicked again: the reader it ends looks at the
 * source after taking it, under the target's lock, so that walking the
 * target's waiters costs a source's posts at most once per read of it.
 */
void hsx_mbox_link_kick(struct hsx_mbox_queue *target)
{
	spin_lock_nested(&target->wait.lock, SINGLE_DEPTH_NESTING);
	if (!target->kicked) {
		target->kicked = true;
		/* Its reader only: pollers do not ask for EPOLLMSG (as HSX_IOC_MBOX_QUEUE_KICK). */
		wake_up_locked_poll(&target->wait, EPOLLMSG);
	}
	spin_unlock(&target->wait.lock);
}

/* Point @source at @target (NULL: unlink). Under hsx_mbox_link_mutex. */
static void hsx_mbox_link_set(struct hsx_mbox_queue *source, struct hsx_mbox_queue *target)
{
	lockdep_assert_held(&hsx_mbox_link_mutex);
	if (source->link_target)
		list_del_init(&source->link_node);
	if (target) {
		list_add_tail(&source->link_node, &target->link_sources);
		/* Both releases take the mutex from now on (hsx_mbox_queue_unlink_all()). */
		WRITE_ONCE(source->link_used, true);
		WRITE_ONCE(target->link_used, true);
	}

	spin_lock_irq(&source->wait.lock);
	source->link_target = target;
	/* What came before the link is news the target's reader has not heard of. */
	if (target && hsx_mbox_queue_has_news(source))
		hsx_mbox_link_kick(target);
	spin_unlock_irq(&source->wait.lock);
}

/**
 * hsx_mbox_queue_link_init - make @q neither a source nor a target
 * @q: a new queue
 */
void hsx_mbox_queue_link_init(struct hsx_mbox_queue *q)
{
	INIT_LIST_HEAD(&q->link_node);
	INIT_LIST_HEAD(&q->link_sources);
}

/**
 * hsx_mbox_queue_link_to - link @source to @target, or unlink it
 * @source: a queue
 * @target: another queue, or NULL to unlink @source
 *
 * Context: process. Return: 0, -EINVAL for @source itself, -ELOOP when
 * @source is a target or @target a source.
 */
int hsx_mbox_queue_link_to(struct hsx_mbox_queue *source, struct hsx_mbox_queue *target)
{
	int ret = 0;

	if (target == source)
		return -EINVAL;
	mutex_lock(&hsx_mbox_link_mutex);
	if (target && (!list_empty(&source->link_sources) || target->link_target))
		ret = -ELOOP;
	else
		hsx_mbox_link_set(source, target);
	mutex_unlock(&hsx_mbox_link_mutex);
	return ret;
}

/**
 * hsx_mbox_queue_link - HSX_IOC_MBOX_QUEUE_LINK
 * @source: the queue asked
 * @fd: a queue file's descriptor, the target; -1 to unlink
 *
 * Context: process. Return: as hsx_mbox_queue_link_to(), and -EBADF for @fd
 * not open (and not -1), -EINVAL for a file that is not a queue file.
 */
int hsx_mbox_queue_link(struct hsx_mbox_queue *source, int fd)
{
	struct hsx_mbox_queue *target;
	struct file *file;
	int ret;

	if (fd == -1)
		return hsx_mbox_queue_link_to(source, NULL);
	/* Held until the link is made: the target's release, which unlinks it, waits. */
	file = fget(fd);
	if (!file)
		return -EBADF;
	target = hsx_mbox_queue_of(file);
	ret = target ? hsx_mbox_queue_link_to(source, target) : -EINVAL;
	fput(file);
	return ret;
}

/**
 * hsx_mbox_queue_unlink_all - end @q's links, as a source and as a target
 * @q: a queue about to be freed; nothing posts to it any more
 *
 * Context: process.
 */
void hsx_mbox_queue_unlink_all(struct hsx_mbox_queue *q)
{
	struct hsx_mbox_queue *source, *tmp;

	/*
	 * Never linked, most queues: no mutex shared by every queue file's
	 * release. Linking needs a reference to both files (the ioctl's, and
	 * fget() of the target), so none is made once the last one went, and
	 * link_used, set under the mutex before those were put, never clears:
	 * a queue ever linked takes the mutex, and so waits for an unlink or a
	 * move of its link under way (whose last put ordered the flag before
	 * this read).
	 */
	if (!READ_ONCE(q->link_used))
		return;
	mutex_lock(&hsx_mbox_link_mutex);
	if (q->link_target)
		hsx_mbox_link_set(q, NULL);
	list_for_each_entry_safe(source, tmp, &q->link_sources, link_node)
		hsx_mbox_link_set(source, NULL);
	mutex_unlock(&hsx_mbox_link_mutex);
}
