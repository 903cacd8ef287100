/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Queue files: a mailbox subscription that is a file of its own, read as
 * fixed-size records (see HSX_IOC_MBOX_OPEN in the uAPI). The mailbox core
 * (mailbox.c) links a queue to a mailbox like any subscriber; this file owns
 * the queue, its records and its file.
 */
#ifndef _HSX_MBOX_QUEUE_H
#define _HSX_MBOX_QUEUE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "hsx_uapi.h"

struct hsx_client;
struct hsx_mbox_event;
struct hsx_mbox_sub;

/* The largest module record a mailbox may carry to a queue file. */
#define HSX_MBOX_RECORD_PAYLOAD_MAX	(HSX_MBOX_RECORD_MAX - sizeof(struct hsx_mbox_record))

/**
 * struct hsx_mbox_queue - one queue file's subscription
 * @wait: readers and pollers; its lock guards the ring and the close notice
 *	too (as a timerfd's state is its wait queue's): a post takes one lock,
 *	appends and wakes (wake_up_locked_poll()), and a reader's wait needs no
 *	other. Taken with irqs off, being the wait queue's.
 * @read_lock: one reader at a time: it copies the oldest record out, then
 *	consumes it, so a failed copy loses nothing
 * @len: records the ring holds
 * @head: the oldest record
 * @count: records queued
 * @record_size: bytes of one record, header and payload
 * @timeout_ns: how long a blocking read waits, 0 without end
	(HSX_IOC_MBOX_QUEUE_SET_TIMEOUT)
 * @module: HSX_MODULE_* of its mailbox's records
 * @mbox_id: its mailbox
 * @kicked: HSX_IOC_MBOX_QUEUE_KICK was asked and no read that would block
 *	has taken it yet; under @wait's lock
 * @closed: the close notice follows the queued records; nothing is queued
 *	after it
 * @close_read: the close notice was read: end of file
 * @sub: the mailbox core's subscriber, under its mutex; NULL once ended
 * @reader_here: its mailbox's ops->reader_here, or NULL
 * @owner: its mailbox's owner while subscribed, for @reader_here; RCU
 * @link_target: the queue whose reader this one's news kicks, or NULL;
 *	changed under hsx_mbox_link_mutex and @wait's lock (mbox_link.c)
 * @link_used: ever linked, as source or target; set under
 *	hsx_mbox_link_mutex, never cleared
 * @link_node: in @link_target's @link_sources
 * @link_sources: the queues linked to this one; under hsx_mbox_link_mutex
 * @records: @len + 1 slots of @record_size bytes: the ring, then the close
 *	notice's
 */
struct hsx_mbox_queue {
	wait_queue_head_t wait;
	struct mutex read_lock;		/* one reader at a time */
	unsigned int len;
	unsigned int head;
	unsigned int count;
	u32 record_size;
	u64 timeout_ns;
	u16 module;
	u32 mbox_id;
	bool kicked;
	bool closed;
	bool close_read;
	bool link_used;
	struct hsx_mbox_sub *sub;
	void (*reader_here)(void *owner);
	void __rcu *owner;
	struct hsx_mbox_queue *link_target;
	struct list_head link_node;
	struct list_head link_sources;
	u8 records[] __aligned(8);	/* written and read in 8-byte words */
};

struct hsx_mbox_queue *hsx_mbox_queue_alloc(unsigned int len, u16 module, u16 payload_size);
void hsx_mbox_queue_free(struct hsx_mbox_queue *q);
int hsx_mbox_queue_push(struct hsx_mbox_queue *q, const struct hsx_mbox_event *ev);
void hsx_mbox_queue_close(struct hsx_mbox_queue *q, const struct hsx_mbox_event *ev);
void hsx_mbox_queue_end(struct hsx_mbox_queue *q);
struct file *hsx_mbox_queue_file(struct hsx_mbox_queue *q, bool nonblock);
struct hsx_mbox_queue *hsx_mbox_queue_of(struct file *file);
void hsx_mbox_queue_link_init(struct hsx_mbox_queue *q);
void hsx_mbox_link_kick(struct hsx_mbox_queue *target);
int hsx_mbox_queue_link_to(struct hsx_mbox_queue *source, struct hsx_mbox_queue *target);
int hsx_mbox_queue_link(struct hsx_mbox_queue *source, int fd);
void hsx_mbox_queue_unlink_all(struct hsx_mbox_queue *q);
long hsx_mbox_ioctl_open(struct hsx_client *client, void *arg);

#endif /* _HSX_MBOX_QUEUE_H */
