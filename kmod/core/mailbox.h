/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_MAILBOX_H
#define _HSX_MAILBOX_H

#include <linux/build_bug.h>
#include <linux/gfp.h>
#include <linux/types.h>

#include "hsx_uapi.h"

/*
 * Hard-IRQ posts a CPU may make per millisecond (of jiffies), in units: one
 * per post and one per subscriber reached; the default of the module
 * parameter irq_budget_per_ms. A 10 kHz timer read by one file takes 20; by
 * two, 30.
 */
#define HSX_MBOX_IRQ_BUDGET_PER_MS 32
/* Refused posters let back to hard-IRQ posts per CPU per jiffy (hsx_mbox_irq_room()). */
#define HSX_MBOX_IRQ_RETURNS 4

struct sk_buff;
struct hsx_mbox;
struct hsx_mbox_queue;
struct hsx_client;

/**
 * struct hsx_mbox_auth - who asks to subscribe
 * @client: the /dev/hsx file named by HSX_A_MBOX_AUTH_FD, or NULL
 * @privileged: the netlink socket was opened with CAP_SYS_ADMIN
 * @token: set by may_subscribe: what the subscription is made under (a
 *	capability); hsx_mbox_close_token() ends such subscriptions
 * @filter: set by may_subscribe of a mailbox with ops->accept: what decides
 *	which events are the subscriber's; the subscription owns it from then
 *	on, and gives it to ops->filter_put when it ends (or is never made)
 * @follow: set by may_subscribe of a mailbox with ops->reader_here: this
 *	subscriber's reads say where the owner's events should be made (its
 *	owner's own; not a listener's, whose reads would pull them elsewhere)
 */
struct hsx_mbox_auth {
	struct hsx_client *client;
	bool privileged;
	const void *token;
	void *filter;
	bool follow;
};

/**
 * struct hsx_mbox_ops - what a mailbox's owner (a HAL module) provides
 * @module: HSX_MODULE_* named in queue files' records (struct hsx_mbox_record)
 * @record_size: size of the module's uAPI record (struct hsx_gpio_record, ...):
 *	what every payload posted to the mailbox points to, copied as it is
 *	into queue files
 * @payload_size: netlink attribute space one payload needs
 * @fill: append the payload nest to an event message; atomic context
 * @may_subscribe: decide, in the subscriber's context and under the mailbox
 *	lock, whether it may listen; 0 or a negative errno (-EPERM)
 * @hidden: the mailbox is of an object that belongs to someone (a timer, a
 *	capability): a caller @may_subscribe refuses is told there is no such
 *	mailbox (-ENOENT), so that names cannot be probed for live objects.
 *	False where the refusal is what the caller acts on (a GPIO pin's
 *	-EACCES: obtain a capability, then retry). See hsx_mbox_admit_locked().
 * @accept: optional: is the event @payload one for the subscriber whose
 *	filter is @filter (what may_subscribe set)? Called for each subscriber
 *	of each event, under the mailbox's lock with BHs off, before anything
 *	is copied: it must not sleep. An event not accepted is no event for
 *	that subscriber: not queued, not dropped, and it takes none of its
 *	sequence numbers (which, with @accept, are the subscriber's own).
 * @filter_put: releases a filter. Context: process, may sleep (a CAN
 *	listener may release its file's socket, which takes RTNL): it is called
 *	under hsx_mbox_mutex only, so the order hsx_mbox_mutex -> RTNL holds.
 * @post_hardirq: the owner posts with hsx_mbox_post_irq() (a timer: its
 *	hrtimer expires in the timer interrupt, as timerfd's); the mailbox then
 *	takes a second, IRQ-safe lock. Not with @accept.
 * @reader_here: optional: a queue file's reader (one whose may_subscribe set
 *	auth->follow) has just taken a record,
 *	and runs on the CPU it will most likely wait on next. The owner may move
 *	what makes its events there (a timer's hrtimer, as timerfd's follows its
 *	reader), so that the next event wakes its reader without a cross-CPU
 *	wake-up. Called with the owner's pointer under rcu_read_lock(), in
 *	process context, and possibly just after hsx_mbox_destroy() returned:
 *	an owner with @reader_here must stay valid for an RCU grace period
 *	after that (kfree_rcu()), and must ignore the call once it is going.
 *
 * A mailbox with @accept cannot use hsx_mbox_post_lost(): which subscribers
 * a lost event was for is not known.
 */
struct hsx_mbox_ops {
	u16 module;
	u16 record_size;
	bool hidden;
	bool post_hardirq;
	size_t payload_size;
	int (*fill)(struct sk_buff *skb, const void *payload);
	int (*may_subscribe)(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth);
	bool (*accept)(const void *filter, const void *payload);
	void (*filter_put)(void *filter);
	void (*reader_here)(void *owner);
};

/**
 * struct hsx_mbox_event - one event as one subscriber is sent it
 * @mbox_id: mailbox
 * @type: HSX_EVT_*
 * @seq: per-mailbox sequence number
 * @timestamp_ns: CLOCK_MONOTONIC when posted
 * @dropped: drops for this subscriber since its last delivered event
 * @dropped_total: drops for this subscriber since it subscribed
 * @ops: the mailbox's ops, to fill @payload
 * @payload: module data for HSX_EVT_DATA, else NULL
 * @close_reason: enum hsx_close_reason, for HSX_EVT_CLOSED
 *
 * Without holes, and a data event's post assigns each field: an initializer,
 * or the stack's zeroing (CONFIG_INIT_STACK_ALL_ZERO) of a field or hole left
 * out, would clear the whole of it first, with a string instruction at this
 * size (one emulated iteration per word under TCG, on every event).
 */
struct hsx_mbox_event {
	u64 seq;
	u64 timestamp_ns;
	u64 dropped_total;
	const struct hsx_mbox_ops *ops;
	const void *payload;
	u32 mbox_id;
	u32 type;
	u32 dropped;
	u32 close_reason;
};

static_assert(sizeof(struct hsx_mbox_event) ==
	      3 * sizeof(u64) + 2 * sizeof(void *) + 4 * sizeof(u32));

/**
 * struct hsx_mbox_transport - how events reach subscribers
 * @deliver: queue @ev for the subscriber @dest (what it subscribed with; the
 *	socket itself, not its port number, which a closing socket frees
 *	before its subscriptions end) at @portid, without sleeping. Returns 0 when queued,
 *	-ECONNREFUSED when the subscriber no longer exists, and any other
 *	negative errno when this delivery was dropped (full socket buffer,
 *	no memory); the mailbox core counts those. @buf is NULL or what
 *	@alloc returned for a data event of @ev's mailbox; @deliver owns it
 *	whatever the outcome.
 * @alloc: optional: a buffer for one data event of a mailbox with @ops, made
 *	ahead of the event so that delivering it allocates nothing; NULL when
 *	there is no memory
 * @free: frees what @alloc returned
 * @dest_hold: optional: take a reference to a subscriber, kept while it has
 *	subscriptions
 * @dest_put: drop it
 * @dest_gone: optional: has the subscriber closed? A port number's
 *	subscriptions end only when it has (see hsx_mbox_release_port())
 */
struct hsx_mbox_transport {
	int (*deliver)(u32 portid, void *dest, const struct hsx_mbox_event *ev, void *buf);
	void *(*alloc)(const struct hsx_mbox_ops *ops, gfp_t gfp);
	void (*free)(void *buf);
	void (*dest_hold)(void *dest);
	void (*dest_put)(void *dest);
	bool (*dest_gone)(void *dest);
};

/* Kernel-side statistics of one mailbox. */
struct hsx_mbox_info {
	u32 id;
	char name[HSX_MBOX_NAME_MAX];
	u32 subscribers;
	u64 seq;
	u64 events;
	u64 drops;
};

/* System-wide counters, for /sys/hal/mailbox. */
struct hsx_mbox_stats {
	u64 mailboxes;
	u64 subscriptions;
	u64 events;
	u64 deliveries;
	u64 drops;
};

void hsx_mbox_init(const struct hsx_mbox_transport *transport);
void hsx_mbox_exit(void);

struct hsx_mbox *hsx_mbox_create(const char *name, const struct hsx_mbox_ops *ops,
				 void *owner);
void hsx_mbox_destroy(struct hsx_mbox *mbox, u32 reason);
void hsx_mbox_post(struct hsx_mbox *mbox, const void *payload);
void hsx_mbox_post_at(struct hsx_mbox *mbox, const void *payload, u64 timestamp_ns);
bool hsx_mbox_post_irq(struct hsx_mbox *mbox, const void *payload, u64 timestamp_ns);
bool hsx_mbox_irq_room(struct hsx_mbox *mbox);
unsigned int hsx_mbox_irq_budget_all(void);
void hsx_mbox_post_lost(struct hsx_mbox *mbox, u64 n);
void *hsx_mbox_owner(const struct hsx_mbox *mbox);
u32 hsx_mbox_id(const struct hsx_mbox *mbox);
u64 hsx_mbox_drops(struct hsx_mbox *mbox);

int hsx_mbox_subscribe(const char *name, u32 portid, void *dest, struct hsx_mbox_auth *auth,
		       u32 *id);
void hsx_mbox_close_token(const void *token, u32 reason);
int hsx_mbox_unsubscribe(u32 id, u32 portid, void *dest);
int hsx_mbox_subscribe_queue(const char *name, struct hsx_mbox_auth *auth, unsigned int len,
			     struct hsx_mbox_queue **queue);
void hsx_mbox_unsubscribe_queue(struct hsx_mbox_queue *queue);
int hsx_mbox_end_queue(struct hsx_mbox_queue *queue);
void hsx_mbox_release_port(u32 portid);
unsigned int hsx_mbox_retry_orphans(void);

kuid_t hsx_mbox_principal(void);
int hsx_mbox_info_next(unsigned long *cursor, struct hsx_mbox_info *info, const kuid_t *uid);
unsigned int hsx_mbox_generation(void);
void hsx_mbox_get_stats(struct hsx_mbox_stats *stats);

#endif /* _HSX_MAILBOX_H */
