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
 * The link is a wait queue entry of the source's, embedded in it, whose wake
 * function runs where the source's waiters are woken: under the source's
 * wait queue lock (irqs off, a hard interrupt's post included), where it
 * takes the target's, nested. It waits after the source's pollers
 * (hsx_mbox_link_add()): the reader it kicks finds their wake-ups done.
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
#include <linux/wait.h>

#include "mbox_queue.h"

static DEFINE_MUTEX(hsx_mbox_link_mutex);

/* Has @q something a read would return (records, or the close notice unread)? */
static bool hsx_mbox_queue_has_news(const struct hsx_mbox_queue *q)
{
	lockdep_assert_held(&q->wait.lock);
	return q->count || (q->closed && !q->close_read);
}

/*
 * With the source's lock held (irqs off): kick the target's blocked reader.
 * A kick still kept needs no other: its reader, woken by it, looks at the
 * source after taking it (as HSX_IOC_MBOX_QUEUE_KICK's readers do), and so
 * sees what was queued before this check, under the source's lock. That
 * bounds what a hard interrupt's post spends on a target's waiters to one
 * walk per read of the target, however many sources its files link to it.
 */
static void hsx_mbox_link_kick(struct hsx_mbox_queue *target)
{
	if (READ_ONCE(target->kicked))
		return;
	spin_lock_nested(&target->wait.lock, SINGLE_DEPTH_NESTING);
	WRITE_ONCE(target->kicked, true);
	/* Its reader only: pollers do not ask for EPOLLMSG (as HSX_IOC_MBOX_QUEUE_KICK). */
	wake_up_locked_poll(&target->wait, EPOLLMSG);
	spin_unlock(&target->wait.lock);
}

/*
 * The source's wake-ups: a record (EPOLLIN), the close or the end (no key).
 * A kick of the source itself (EPOLLMSG) is its own reader's, not news.
 */
static int hsx_mbox_link_wake(struct wait_queue_entry *wait, unsigned int mode, int flags,
			      void *key)
{
	struct hsx_mbox_queue *source = container_of(wait, struct hsx_mbox_queue, link_wait);

	lockdep_assert_held(&source->wait.lock);
	if (key && !(key_to_poll(key) & (EPOLLIN | EPOLLHUP)))
		return 0;
	if (source->link_target)
		hsx_mbox_link_kick(source->link_target);
	return 0;	/* no waiter woken: exclusive waiters after it still are */
}

/*
 * Where the link waits on its source: after every waiter that is not
 * exclusive, pollers included (io_uring's and epoll's, added at the head
 * before or after the link), and before the exclusive ones (at the tail),
 * any of which may end a wake-up's walk. So a poller of the source is woken
 * before the link kicks the target: a reader the kick ends finds the poll's
 * completion (io_uring's work) queued already.
 */
static void hsx_mbox_link_add(struct hsx_mbox_queue *source)
{
	struct list_head *pos = &source->wait.head;
	struct wait_queue_entry *w;

	lockdep_assert_held(&source->wait.lock);
	list_for_each_entry(w, &source->wait.head, entry) {
		if (w->flags & WQ_FLAG_EXCLUSIVE) {
			pos = &w->entry;
			break;
		}
	}
	list_add_tail(&source->link_wait.entry, pos);
}

/* Point @source at @target (NULL: unlink). Under hsx_mbox_link_mutex. */
static void hsx_mbox_link_set(struct hsx_mbox_queue *source, struct hsx_mbox_queue *target)
{
	lockdep_assert_held(&hsx_mbox_link_mutex);
	if (source->link_target)
		list_del_init(&source->link_node);
	if (target)
		list_add_tail(&source->link_node, &target->link_sources);

	spin_lock_irq(&source->wait.lock);
	if (!source->link_target && target)
		hsx_mbox_link_add(source);
	else if (source->link_target && !target)
		__remove_wait_queue(&source->wait, &source->link_wait);
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
	init_waitqueue_func_entry(&q->link_wait, hsx_mbox_link_wake);
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
	 * fget() of the target), so no link is made once the last one went;
	 * its fput() ordered what the linker wrote before this release reads it.
	 */
	if (!q->link_target && list_empty(&q->link_sources))
		return;
	mutex_lock(&hsx_mbox_link_mutex);
	hsx_mbox_link_set(q, NULL);
	list_for_each_entry_safe(source, tmp, &q->link_sources, link_node)
		hsx_mbox_link_set(source, NULL);
	mutex_unlock(&hsx_mbox_link_mutex);
}
