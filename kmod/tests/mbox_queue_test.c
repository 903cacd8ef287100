// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: queue files, read through their file as user space reads them:
 * records, drop accounting, the close notice and end of file, the limits,
 * and HSX_IOC_MBOX_OPEN's validation.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uio.h>

#include "../core/core.h"
#include "../core/mailbox.h"
#include "../core/mbox_queue.h"

/* A test record: what hsx_mbox_post() is given, 12 bytes, padded to 16 in the file. */
struct test_record {
	u32 value;
	u32 pad;
	u32 tail;
};

#define TEST_RECORD_SIZE (sizeof(struct hsx_mbox_record) + 16)

static const void *test_token;

static int test_may_subscribe(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	auth->token = test_token;
	return 0;
}

/* Posted to from hard interrupts too, as a timer's: every test takes both locks. */
static const struct hsx_mbox_ops test_ops = {
	.module = HSX_MODULE_TIMER,
	.record_size = sizeof(struct test_record),
	.may_subscribe = test_may_subscribe,
	.post_hardirq = true,
};

/* An owner told where its queue files' readers take records (ops->reader_here). */
struct test_owner {
	unsigned int calls;
};

static void test_reader_here(void *owner)
{
	struct test_owner *o = owner;

	o->calls++;
}

/* The owner's subscriber (here: any but a privileged one) is followed. */
static int test_following_may_subscribe(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	auth->follow = !auth->privileged;
	return 0;
}

static const struct hsx_mbox_ops test_following_ops = {
	.module = HSX_MODULE_TIMER,
	.record_size = sizeof(struct test_record),
	.may_subscribe = test_following_may_subscribe,
	.reader_here = test_reader_here,
};

/* Queue subscribers never reach the transport; netlink ones are not made here. */
static int test_deliver(u32 portid, void *dest, const struct hsx_mbox_event *ev, void *buf)
{
	return -ECONNREFUSED;
}

static const struct hsx_mbox_transport test_transport = {
	.deliver = test_deliver,
};

static int queue_test_init(struct kunit *test)
{
	test_token = NULL;
	hsx_mbox_init(&test_transport);
	return 0;
}

static void queue_test_exit(struct kunit *test)
{
	hsx_mbox_exit();
}

static struct hsx_mbox *create(struct kunit *test, const char *name)
{
	struct hsx_mbox *mbox = hsx_mbox_create(name, &test_ops, NULL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mbox);
	return mbox;
}

static void post(struct hsx_mbox *mbox, u32 value)
{
	struct test_record r = { .value = value, .tail = ~value };

	hsx_mbox_post(mbox, &r);
}

/* A non-blocking queue file subscribed to @name, asked with @auth. */
static struct file *open_queue_as(struct kunit *test, const char *name, unsigned int len,
				  struct hsx_mbox_auth *auth)
{
	struct hsx_mbox_queue *q;
	struct file *file;

	KUNIT_ASSERT_EQ(test, hsx_mbox_subscribe_queue(name, auth, len, &q), 0);
	file = hsx_mbox_queue_file(q, true);
	if (IS_ERR(file))
		hsx_mbox_unsubscribe_queue(q);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	return file;
}

static struct file *open_queue(struct kunit *test, const char *name, unsigned int len)
{
	struct hsx_mbox_auth auth = {};

	return open_queue_as(test, name, len, &auth);
}

/* Release now, not from a work item: the subscription must end before the test does. */
static void close_queue(struct file *file)
{
	__fput_sync(file);
}

/*
 * Through read_iter(), as io_uring, readv() and preadv2() read. (kernel_read()
 * refuses a file with a read() of its own: read(2)'s, which the end-to-end
 * tests take, into real user buffers.)
 */
static ssize_t read_records(struct file *file, void *buf, size_t len)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter it;
	loff_t pos = 0;

	iov_iter_kvec(&it, ITER_DEST, &kv, 1, len);
	return vfs_iter_read(file, &it, &pos, 0);
}

static const struct hsx_mbox_record *record_at(const u8 *buf, unsigned int i)
{
	return (const struct hsx_mbox_record *)(buf + i * TEST_RECORD_SIZE);
}

static const struct test_record *payload_of(const struct hsx_mbox_record *rec)
{
	return (const struct test_record *)(rec + 1);
}

static unsigned int subscribers(struct hsx_mbox *mbox)
{
	unsigned long cursor = hsx_mbox_id(mbox);
	struct hsx_mbox_info info;

	if (hsx_mbox_info_next(&cursor, &info, NULL) || info.id != hsx_mbox_id(mbox))
		return ~0U;
	return info.subscribers;
}

static void queue_records_carry_the_event_and_its_payload(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:q1");
	struct file *file = open_queue(test, "hal:test:q1", 4);
	u8 *buf = kunit_kzalloc(test, 8 * TEST_RECORD_SIZE, GFP_KERNEL);
	const struct hsx_mbox_record *rec;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	post(mbox, 10);
	post(mbox, 11);
	KUNIT_ASSERT_EQ(test, read_records(file, buf, 8 * TEST_RECORD_SIZE),
			(ssize_t)(2 * TEST_RECORD_SIZE));
	for (i = 0; i < 2; i++) {
		rec = record_at(buf, i);
		KUNIT_EXPECT_EQ(test, rec->size, (u32)TEST_RECORD_SIZE);
		KUNIT_EXPECT_EQ(test, rec->type, (u16)HSX_EVT_DATA);
		KUNIT_EXPECT_EQ(test, rec->module, (u16)HSX_MODULE_TIMER);
		KUNIT_EXPECT_EQ(test, rec->mbox_id, hsx_mbox_id(mbox));
		KUNIT_EXPECT_EQ(test, rec->seq, (u64)i + 1);
		KUNIT_EXPECT_NE(test, rec->timestamp_ns, 0ULL);
		KUNIT_EXPECT_EQ(test, rec->dropped, 0U);
		KUNIT_EXPECT_EQ(test, rec->close_reason, 0U);
		KUNIT_EXPECT_EQ(test, payload_of(rec)->value, 10 + i);
		KUNIT_EXPECT_EQ(test, payload_of(rec)->tail, ~(10 + i));
		/* The alignment after the module's record is zero, not stale memory. */
		KUNIT_EXPECT_EQ(test, *(const u32 *)((const u8 *)(rec + 1) + 12), 0U);
	}
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, vfs_poll(file, NULL), (__poll_t)0);
	post(mbox, 12);
	KUNIT_EXPECT_EQ(test, vfs_poll(file, NULL), (__poll_t)(EPOLLIN | EPOLLRDNORM));
	close_queue(file);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void queue_reads_whole_records_only(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:q2");
	struct file *file = open_queue(test, "hal:test:q2", 4);
	u8 *buf = kunit_kzalloc(test, 2 * TEST_RECORD_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	post(mbox, 1);
	post(mbox, 2);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE - 1), (ssize_t)-EINVAL);
	/* Room for one and a half: one, and the other stays queued. */
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE + TEST_RECORD_SIZE / 2),
			(ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, payload_of(record_at(buf, 0))->value, 1U);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, 2 * TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, payload_of(record_at(buf, 0))->value, 2U);
	close_queue(file);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void queue_full_drops_are_counted_and_reported(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:q3");
	struct file *file = open_queue(test, "hal:test:q3", 2);
	u8 *buf = kunit_kzalloc(test, 4 * TEST_RECORD_SIZE, GFP_KERNEL);
	const struct hsx_mbox_record *rec;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 1; i <= 5; i++)
		post(mbox, i);
	hsx_mbox_post_lost(mbox, 4);
	KUNIT_EXPECT_EQ(test, hsx_mbox_drops(mbox), 7ULL);
	KUNIT_ASSERT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)(2 * TEST_RECORD_SIZE));
	KUNIT_EXPECT_EQ(test, payload_of(record_at(buf, 0))->value, 1U);
	KUNIT_EXPECT_EQ(test, payload_of(record_at(buf, 1))->value, 2U);
	post(mbox, 6);
	KUNIT_ASSERT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	rec = record_at(buf, 0);
	/* 3 posts found it full, 4 were lost before posting: delivered + dropped = posted. */
	KUNIT_EXPECT_EQ(test, rec->seq, 10ULL);
	KUNIT_EXPECT_EQ(test, rec->dropped, 7U);
	KUNIT_EXPECT_EQ(test, rec->dropped_total, 7ULL);
	KUNIT_EXPECT_EQ(test, payload_of(rec)->value, 6U);
	post(mbox, 7);
	KUNIT_ASSERT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, record_at(buf, 0)->dropped, 0U);
	KUNIT_EXPECT_EQ(test, record_at(buf, 0)->dropped_total, 7ULL);
	close_queue(file);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void queue_close_notice_follows_records_then_end_of_file(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:q4");
	struct file *file = open_queue(test, "hal:test:q4", 1);
	u8 *buf = kunit_kzalloc(test, 4 * TEST_RECORD_SIZE, GFP_KERNEL);
	const struct hsx_mbox_record *rec;
	u32 id = hsx_mbox_id(mbox);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	post(mbox, 1);
	post(mbox, 2);		/* full: dropped */
	/* The queue is full, yet the close notice is never dropped. */
	hsx_mbox_destroy(mbox, HSX_CLOSE_ADMIN);
	KUNIT_EXPECT_EQ(test, vfs_poll(file, NULL), (__poll_t)(EPOLLIN | EPOLLRDNORM | EPOLLHUP));
	KUNIT_ASSERT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)(2 * TEST_RECORD_SIZE));
	KUNIT_EXPECT_EQ(test, record_at(buf, 0)->type, (u16)HSX_EVT_DATA);
	KUNIT_EXPECT_EQ(test, payload_of(record_at(buf, 0))->value, 1U);
	rec = record_at(buf, 1);
	KUNIT_EXPECT_EQ(test, rec->type, (u16)HSX_EVT_CLOSED);
	KUNIT_EXPECT_EQ(test, rec->size, (u32)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, rec->mbox_id, id);
	KUNIT_EXPECT_EQ(test, rec->seq, 3ULL);
	KUNIT_EXPECT_EQ(test, rec->close_reason, (u32)HSX_CLOSE_ADMIN);
	KUNIT_EXPECT_EQ(test, rec->dropped, 1U);
	/* Its payload, alignment included, is zeros: the notice's own slot is never posted to. */
	KUNIT_EXPECT_NULL(test, memchr_inv(rec + 1, 0, TEST_RECORD_SIZE - sizeof(*rec)));
	/* Then end of file, for ever, and poll says so. */
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)0);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)0);
	KUNIT_EXPECT_EQ(test, vfs_poll(file, NULL), (__poll_t)EPOLLHUP);
	close_queue(file);
}

/*
 * Records go round the ring in order, each whole, and the close notice after
 * them has its own slot: posts past the ring's end neither reach nor follow it.
 */
static void queue_ring_wraps_in_order_and_the_notice_stays_apart(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:q30");
	struct file *file = open_queue(test, "hal:test:q30", 3);
	u8 *buf = kunit_kzalloc(test, 4 * TEST_RECORD_SIZE, GFP_KERNEL);
	const struct hsx_mbox_record *rec;
	unsigned int i, value = 1;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	post(mbox, value++);
	post(mbox, value++);
	KUNIT_ASSERT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, payload_of(record_at(buf, 0))->value, 1U);
	/* Two more: the second goes to slot 0, past the end of the ring. */
	post(mbox, value++);
	post(mbox, value++);
	post(mbox, value++);	/* full: dropped */
	KUNIT_ASSERT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)(3 * TEST_RECORD_SIZE));
	for (i = 0; i < 3; i++) {
		rec = record_at(buf, i);
		KUNIT_EXPECT_EQ(test, rec->type, (u16)HSX_EVT_DATA);
		KUNIT_EXPECT_EQ(test, rec->seq, (u64)i + 2);
		KUNIT_EXPECT_EQ(test, payload_of(rec)->value, i + 2);
		KUNIT_EXPECT_EQ(test, payload_of(rec)->tail, ~(i + 2));
		KUNIT_EXPECT_EQ(test, *(const u32 *)((const u8 *)(rec + 1) + 12), 0U);
	}
	/* Round again, full, then closed: the records, then the notice, its payload zeros. */
	for (i = 0; i < 3; i++)
		post(mbox, value++);
	hsx_mbox_destroy(mbox, HSX_CLOSE_ADMIN);
	KUNIT_ASSERT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)(4 * TEST_RECORD_SIZE));
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, payload_of(record_at(buf, i))->value, i + 6);
	rec = record_at(buf, 3);
	KUNIT_EXPECT_EQ(test, rec->type, (u16)HSX_EVT_CLOSED);
	KUNIT_EXPECT_EQ(test, rec->close_reason, (u32)HSX_CLOSE_ADMIN);
	KUNIT_EXPECT_EQ(test, rec->dropped_total, 1ULL);
	KUNIT_EXPECT_NULL(test, memchr_inv(rec + 1, 0, TEST_RECORD_SIZE - sizeof(*rec)));
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)0);
	close_queue(file);
}

static void queue_close_token_ends_only_its_queues(struct kunit *test)
{
	static const int token;
	struct hsx_mbox *mbox = create(test, "hal:test:q5");
	struct file *plain = open_queue(test, "hal:test:q5", 4), *granted;
	u8 *buf = kunit_kzalloc(test, 2 * TEST_RECORD_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	test_token = &token;
	granted = open_queue(test, "hal:test:q5", 4);
	KUNIT_EXPECT_EQ(test, subscribers(mbox), 2U);
	hsx_mbox_close_token(&token, HSX_CLOSE_REVOKED);
	KUNIT_EXPECT_EQ(test, subscribers(mbox), 1U);
	KUNIT_ASSERT_EQ(test, read_records(granted, buf, 2 * TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, record_at(buf, 0)->type, (u16)HSX_EVT_CLOSED);
	KUNIT_EXPECT_EQ(test, record_at(buf, 0)->close_reason, (u32)HSX_CLOSE_REVOKED);
	post(mbox, 9);
	KUNIT_ASSERT_EQ(test, read_records(plain, buf, 2 * TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	/* The notice took a sequence number: the others see a gap, not a drop. */
	KUNIT_EXPECT_EQ(test, record_at(buf, 0)->seq, 2ULL);
	KUNIT_EXPECT_EQ(test, record_at(buf, 0)->dropped, 0U);
	close_queue(granted);
	close_queue(plain);
	KUNIT_EXPECT_EQ(test, subscribers(mbox), 0U);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void queue_release_ends_the_subscription(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:q6");
	struct hsx_mbox_stats before, after;
	struct file *file;

	hsx_mbox_get_stats(&before);
	file = open_queue(test, "hal:test:q6", 4);
	post(mbox, 1);		/* left unread */
	KUNIT_EXPECT_EQ(test, subscribers(mbox), 1U);
	close_queue(file);
	KUNIT_EXPECT_EQ(test, subscribers(mbox), 0U);
	hsx_mbox_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.subscriptions, before.subscriptions);
	post(mbox, 2);		/* reaches nobody, and touches no freed queue */
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void queue_end_stops_posts_and_keeps_what_was_queued(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:q8");
	struct file *file = open_queue(test, "hal:test:q8", 4);
	struct hsx_mbox_queue *q = file->private_data;
	u8 *buf = kunit_kzalloc(test, 4 * TEST_RECORD_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	post(mbox, 1);
	KUNIT_EXPECT_EQ(test, hsx_mbox_end_queue(q), 0);
	KUNIT_EXPECT_EQ(test, subscribers(mbox), 0U);
	KUNIT_EXPECT_EQ(test, hsx_mbox_end_queue(q), -ENOENT);
	post(mbox, 2);		/* reaches nobody */
	KUNIT_EXPECT_EQ(test, hsx_mbox_drops(mbox), 0ULL);
	/* What was queued before, then end of file without a close notice. */
	KUNIT_ASSERT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, payload_of(record_at(buf, 0))->value, 1U);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)0);
	KUNIT_EXPECT_EQ(test, vfs_poll(file, NULL), (__poll_t)EPOLLHUP);
	/* Destroying the mailbox later finds nothing of it. */
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)0);
	close_queue(file);
}

/*
 * The owner hears of each read that took something by the subscriber it
 * follows (not of a listener's), and of nothing once the subscription ended:
 * by its end, or by the mailbox's destruction (after which the owner may be
 * gone; a reader must not reach it).
 */
static void queue_reader_here_reaches_the_owner_while_subscribed(struct kunit *test)
{
	struct test_owner owner = {}, owner2 = {};
	struct hsx_mbox_auth listener_auth = {};
	u8 *buf = kunit_kzalloc(test, 4 * TEST_RECORD_SIZE, GFP_KERNEL);
	struct hsx_mbox *mbox, *mbox2;
	struct file *file, *file2;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	mbox = hsx_mbox_create("hal:test:follow", &test_following_ops, &owner);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mbox);

	/* A subscriber may_subscribe does not mark to follow: its reads reach no owner. */
	listener_auth.privileged = true;
	file = open_queue_as(test, "hal:test:follow", 4, &listener_auth);
	post(mbox, 0);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, owner.calls, 0U);
	close_queue(file);

	file = open_queue(test, "hal:test:follow", 4);

	/* Nothing to take: no call. */
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, owner.calls, 0U);
	/* One read of two records: one call. */
	post(mbox, 1);
	post(mbox, 2);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)(2 * TEST_RECORD_SIZE));
	KUNIT_EXPECT_EQ(test, owner.calls, 1U);
	/* Destroyed: the close notice is read, and the owner is not called. */
	post(mbox, 3);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)(2 * TEST_RECORD_SIZE));
	KUNIT_EXPECT_EQ(test, record_at(buf, 1)->type, (u16)HSX_EVT_CLOSED);
	KUNIT_EXPECT_EQ(test, owner.calls, 1U);
	close_queue(file);

	/* Ended by its subscriber: what was queued is read without a call. */
	mbox2 = hsx_mbox_create("hal:test:follow2", &test_following_ops, &owner2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mbox2);
	file2 = open_queue(test, "hal:test:follow2", 4);
	post(mbox2, 4);
	KUNIT_EXPECT_EQ(test, hsx_mbox_end_queue(file2->private_data), 0);
	KUNIT_EXPECT_EQ(test, read_records(file2, buf, TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, owner2.calls, 0U);
	close_queue(file2);
	hsx_mbox_destroy(mbox2, HSX_CLOSE_CANCELLED);

	/* A mailbox without reader_here: its queue reads as ever. */
	mbox = create(test, "hal:test:follow3");
	file = open_queue(test, "hal:test:follow3", 4);
	post(mbox, 5);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	close_queue(file);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

/* A blocking read with the file's timeout: nothing comes, -ETIMEDOUT; a record, read as ever. */
static void queue_blocking_read_ends_at_its_timeout(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:timeout");
	u8 *buf = kunit_kzalloc(test, TEST_RECORD_SIZE, GFP_KERNEL);
	struct hsx_mbox_auth auth = {};
	struct hsx_mbox_queue *q;
	struct file *file;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, hsx_mbox_subscribe_queue("hal:test:timeout", &auth, 4, &q), 0);
	file = hsx_mbox_queue_file(q, false);
	if (IS_ERR(file))
		hsx_mbox_unsubscribe_queue(q);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);

	WRITE_ONCE(q->timeout_ns, 5 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)-ETIMEDOUT);
	post(mbox, 7);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, payload_of(record_at(buf, 0))->value, 7U);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)-ETIMEDOUT);
	close_queue(file);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

/* A blocking queue file subscribed to @name, its queue in *@q. */
static struct file *open_blocking_queue(struct kunit *test, const char *name,
					struct hsx_mbox_queue **q)
{
	struct hsx_mbox_auth auth = {};
	struct file *file;

	KUNIT_ASSERT_EQ(test, hsx_mbox_subscribe_queue(name, &auth, 4, q), 0);
	file = hsx_mbox_queue_file(*q, false);
	if (IS_ERR(file))
		hsx_mbox_unsubscribe_queue(*q);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	/* A read that would wait without a kick waits this long, then -ETIMEDOUT. */
	WRITE_ONCE((*q)->timeout_ns, 2 * NSEC_PER_MSEC);
	return file;
}

/*
 * What a blocking read of a quiet target returns: -EINTR once for a kick kept
 * (the link's), then -ETIMEDOUT; no kick, -ETIMEDOUT at once.
 */
static bool kicked_once(struct kunit *test, struct file *target, u8 *buf)
{
	ssize_t first = read_records(target, buf, TEST_RECORD_SIZE);

	KUNIT_EXPECT_EQ(test, read_records(target, buf, TEST_RECORD_SIZE), (ssize_t)-ETIMEDOUT);
	KUNIT_EXPECT_TRUE(test, first == -EINTR || first == -ETIMEDOUT);
	return first == -EINTR;
}

/*
 * A link's two ends: a target queue file of mailbox @data and a source of
 * mailbox @watch, both blocking (open_blocking_queue()), and a record's room.
 */
struct link_rig {
	struct hsx_mbox *data, *watch;
	struct hsx_mbox_queue *tq, *sq;
	struct file *target, *source;
	u8 *buf;
};

static void link_rig_open(struct kunit *test, struct link_rig *r, const char *data,
			  const char *watch)
{
	r->data = create(test, data);
	r->watch = create(test, watch);
	r->buf = kunit_kzalloc(test, TEST_RECORD_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->buf);
	r->target = open_blocking_queue(test, data, &r->tq);
	r->source = open_blocking_queue(test, watch, &r->sq);
}

/* Both files, then the mailboxes (@watch destroyed already when @watch_gone). */
static void link_rig_close(struct link_rig *r, bool watch_gone)
{
	close_queue(r->source);
	close_queue(r->target);
	if (!watch_gone)
		hsx_mbox_destroy(r->watch, HSX_CLOSE_CANCELLED);
	hsx_mbox_destroy(r->data, HSX_CLOSE_CANCELLED);
}

/*
 * A record queued in a linked source kicks the target's reader; a source
 * with news when it is linked kicks at once; a kick of the source itself is
 * its own reader's; the source's close kicks too; unlinked, nothing.
 */
static void queue_link_kicks_the_target_on_the_sources_news(struct kunit *test)
{
	struct link_rig r;

	link_rig_open(test, &r, "hal:test:ldata", "hal:test:lwatch");

	post(r.watch, 1);		/* before the link: news the link brings */
	KUNIT_EXPECT_FALSE(test, kicked_once(test, r.target, r.buf));
	KUNIT_ASSERT_EQ(test, hsx_mbox_queue_link_to(r.sq, r.tq), 0);
	KUNIT_EXPECT_TRUE(test, kicked_once(test, r.target, r.buf));
	post(r.watch, 2);
	post(r.watch, 3);		/* kicks are not counted: one read ends */
	KUNIT_EXPECT_TRUE(test, kicked_once(test, r.target, r.buf));

	/* The source's own kick, its poll and its reads leave the target alone. */
	KUNIT_EXPECT_EQ(test, r.source->f_op->unlocked_ioctl(r.source, HSX_IOC_MBOX_QUEUE_KICK, 0),
			0L);
	KUNIT_EXPECT_EQ(test, read_records(r.source, r.buf, TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_FALSE(test, kicked_once(test, r.target, r.buf));

	/* The target's own records are read as ever, a kick kept for the next wait. */
	post(r.data, 9);
	post(r.watch, 4);
	KUNIT_EXPECT_EQ(test, read_records(r.target, r.buf, TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, payload_of(record_at(r.buf, 0))->value, 9U);
	KUNIT_EXPECT_TRUE(test, kicked_once(test, r.target, r.buf));

	/* The source's end: its close notice is news. */
	hsx_mbox_destroy(r.watch, HSX_CLOSE_REVOKED);
	KUNIT_EXPECT_TRUE(test, kicked_once(test, r.target, r.buf));

	/* Unlinked: a source with news kicks nothing. */
	KUNIT_EXPECT_EQ(test, hsx_mbox_queue_link_to(r.sq, NULL), 0);
	KUNIT_EXPECT_EQ(test, hsx_mbox_queue_link_to(r.sq, NULL), 0);
	KUNIT_EXPECT_FALSE(test, kicked_once(test, r.target, r.buf));
	link_rig_close(&r, true);
}

/* Three blocking queue files of a new mailbox @name: @q[i] is @f[i]'s queue. */
static struct hsx_mbox *open_three(struct kunit *test, const char *name,
				   struct hsx_mbox_queue **q, struct file **f)
{
	struct hsx_mbox *mbox = create(test, name);
	unsigned int i;

	for (i = 0; i < 3; i++)
		f[i] = open_blocking_queue(test, name, &q[i]);
	return mbox;
}

/*
 * A queue is a source or a target, never both (no circle of nested locks):
 * -ELOOP; a queue cannot link to itself. A source links to one target at a
 * time: linking again moves it.
 */
static void queue_links_are_one_level_deep(struct kunit *test)
{
	struct hsx_mbox_queue *q[3];
	struct file *f[3];
	struct hsx_mbox *mbox = open_three(test, "hal:test:lroles", q, f);
	struct hsx_mbox_queue *a = q[0], *b = q[1], *c = q[2];
	unsigned int i;

	KUNIT_EXPECT_EQ(test, hsx_mbox_queue_link_to(a, a), -EINVAL);
	KUNIT_ASSERT_EQ(test, hsx_mbox_queue_link_to(a, b), 0);
	KUNIT_EXPECT_EQ(test, hsx_mbox_queue_link_to(b, c), -ELOOP);	/* b is a target */
	KUNIT_EXPECT_EQ(test, hsx_mbox_queue_link_to(c, a), -ELOOP);	/* a is a source */
	KUNIT_EXPECT_EQ(test, hsx_mbox_queue_link_to(b, a), -ELOOP);
	KUNIT_EXPECT_EQ(test, hsx_mbox_queue_link_to(c, b), 0);	/* two sources, one target */
	KUNIT_EXPECT_TRUE(test, !b->link_target && c->link_target == b);

	/* a moves to c? c is a source: no. Unlinked from b, c can be a target. */
	KUNIT_EXPECT_EQ(test, hsx_mbox_queue_link_to(a, c), -ELOOP);
	KUNIT_EXPECT_EQ(test, hsx_mbox_queue_link_to(c, NULL), 0);
	KUNIT_ASSERT_EQ(test, hsx_mbox_queue_link_to(a, c), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&b->link_sources));
	KUNIT_EXPECT_TRUE(test, a->link_target == c);
	/* a's news go to c now; b, a target no more, may link on. */
	KUNIT_EXPECT_EQ(test, hsx_mbox_queue_link_to(b, c), 0);

	for (i = 0; i < 3; i++)
		close_queue(f[i]);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

/*
 * Either file's release ends its links: a target closed first leaves its
 * sources unlinked (their posts reach no freed queue: KASAN would say), and a
 * source closed first leaves its target without it.
 */
static void queue_link_ends_with_either_file(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, TEST_RECORD_SIZE, GFP_KERNEL);
	struct hsx_mbox_queue *q[3];
	struct file *f[3];
	struct hsx_mbox *mbox = open_three(test, "hal:test:lend", q, f);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, hsx_mbox_queue_link_to(q[0], q[2]), 0);
	KUNIT_ASSERT_EQ(test, hsx_mbox_queue_link_to(q[1], q[2]), 0);

	close_queue(f[0]);	/* a source first */
	KUNIT_EXPECT_TRUE(test, list_is_singular(&q[2]->link_sources));
	close_queue(f[2]);	/* then the target */
	KUNIT_EXPECT_TRUE(test, !q[1]->link_target);
	post(mbox, 1);		/* into q[1] alone, linked to nothing */
	KUNIT_EXPECT_EQ(test, read_records(f[1], buf, TEST_RECORD_SIZE), (ssize_t)TEST_RECORD_SIZE);
	close_queue(f[1]);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

/* A wait entry that notes when it was woken: first, second... (@exclusive: it takes the wake). */
struct order_probe {
	struct wait_queue_entry wait;
	unsigned int *clock;
	unsigned int at;
	bool exclusive;
};

static int order_probe_wake(struct wait_queue_entry *wait, unsigned int mode, int flags,
			    void *key)
{
	struct order_probe *p = container_of(wait, struct order_probe, wait);

	if (!p->at)
		p->at = ++*p->clock;
	return p->exclusive;
}

/*
 * Every waiter of a source is woken before its link kicks the target:
 * io_uring's poll (at the head of the file's wait queue, armed by the
 * library before it links the file, or again after), so that the kicked
 * reader (the library's callback thread) finds the poll's completion work
 * queued; an exclusive waiter too (epoll's EPOLLEXCLUSIVE, at the tail),
 * which ends a wake-up's walk. A kick still kept is not kicked again; once
 * taken, the next news kicks.
 */
static void queue_link_wakes_the_sources_pollers_first(struct kunit *test)
{
	unsigned int clock = 0;
	struct order_probe poller = { .clock = &clock }, reader = { .clock = &clock };
	struct order_probe excl = { .clock = &clock, .exclusive = true };
	struct link_rig r;

	link_rig_open(test, &r, "hal:test:odata", "hal:test:owatch");
	init_waitqueue_func_entry(&poller.wait, order_probe_wake);
	init_waitqueue_func_entry(&reader.wait, order_probe_wake);
	init_waitqueue_func_entry(&excl.wait, order_probe_wake);

	add_wait_queue_exclusive(&r.sq->wait, &excl.wait);	/* ep_ptable_queue_proc() */
	add_wait_queue(&r.sq->wait, &poller.wait);		/* io_uring's __io_queue_proc() */
	KUNIT_ASSERT_EQ(test, hsx_mbox_queue_link_to(r.sq, r.tq), 0);
	add_wait_queue(&r.tq->wait, &reader.wait);		/* the target's blocked reader */
	post(r.watch, 1);
	KUNIT_EXPECT_EQ(test, poller.at, 1U);	/* the poll's wake: its completion work queued */
	KUNIT_EXPECT_EQ(test, excl.at, 2U);	/* the exclusive waiter */
	KUNIT_EXPECT_EQ(test, reader.at, 3U);	/* then the kick */

	/* Kept: the next news walks no waiter of the target's. */
	reader.at = 0;
	post(r.watch, 2);
	KUNIT_EXPECT_EQ(test, reader.at, 0U);

	/* Taken by a read, and a poller armed after the link: still first. */
	remove_wait_queue(&r.tq->wait, &reader.wait);
	KUNIT_EXPECT_EQ(test, read_records(r.target, r.buf, TEST_RECORD_SIZE), (ssize_t)-EINTR);
	remove_wait_queue(&r.sq->wait, &poller.wait);
	poller.at = 0;
	excl.at = 0;
	clock = 0;
	add_wait_queue(&r.sq->wait, &poller.wait);
	add_wait_queue(&r.tq->wait, &reader.wait);
	post(r.watch, 3);
	KUNIT_EXPECT_EQ(test, poller.at, 1U);
	KUNIT_EXPECT_EQ(test, reader.at, 3U);

	remove_wait_queue(&r.tq->wait, &reader.wait);
	remove_wait_queue(&r.sq->wait, &poller.wait);
	remove_wait_queue(&r.sq->wait, &excl.wait);
	link_rig_close(&r, false);
}

static void queue_lengths_and_total_are_bounded(struct kunit *test)
{
	const unsigned int n = HSX_MBOX_QUEUE_TOTAL / HSX_MBOX_QUEUE_MAX;
	struct hsx_mbox_queue **qs = kunit_kcalloc(test, n, sizeof(*qs), GFP_KERNEL);
	struct hsx_mbox_queue *q;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, qs);
	KUNIT_EXPECT_EQ(test, PTR_ERR(hsx_mbox_queue_alloc(0, 0, 0)), (long)-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(hsx_mbox_queue_alloc(HSX_MBOX_QUEUE_MAX + 1, 0, 0)),
			(long)-EINVAL);
	for (i = 0; i < n; i++) {
		qs[i] = hsx_mbox_queue_alloc(HSX_MBOX_QUEUE_MAX, 0, 0);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, qs[i]);
	}
	/* Every record of every queue file is spoken for: not one more. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(hsx_mbox_queue_alloc(1, 0, 0)), (long)-ENOSPC);
	hsx_mbox_queue_free(qs[0]);
	q = hsx_mbox_queue_alloc(HSX_MBOX_QUEUE_MAX, 0, 0);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, q);
	if (!IS_ERR(q))
		hsx_mbox_queue_free(q);
	for (i = 1; i < n; i++)
		hsx_mbox_queue_free(qs[i]);
}

static void queue_subscribe_errors(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:q7");
	struct hsx_mbox_auth auth = {};
	struct file *files[HSX_MBOX_MAX_SUBSCRIBERS];
	struct hsx_mbox_queue *q;
	unsigned int i;

	KUNIT_EXPECT_EQ(test, hsx_mbox_subscribe_queue("hal:test:none", &auth, 4, &q), -ENOENT);
	KUNIT_EXPECT_EQ(test, hsx_mbox_subscribe_queue("hal:test:q7", &auth, 0, &q), -EINVAL);
	auth.privileged = true;		/* the mailbox's limit, not a user's share */
	for (i = 0; i < ARRAY_SIZE(files); i++)
		files[i] = open_queue_as(test, "hal:test:q7", 1, &auth);
	KUNIT_EXPECT_EQ(test, hsx_mbox_subscribe_queue("hal:test:q7", &auth, 1, &q), -ENOSPC);
	for (i = 0; i < ARRAY_SIZE(files); i++)
		close_queue(files[i]);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

/* One user's queue files hold at most HSX_MBOX_USER_QUEUE_RECORDS records. */
static void queue_records_are_shared_out_per_user(struct kunit *test)
{
	const unsigned int per_mbox = HSX_MBOX_USER_PER_MAILBOX;
	const unsigned int n = HSX_MBOX_USER_QUEUE_RECORDS / HSX_MBOX_QUEUE_MAX;
	struct hsx_mbox *a = create(test, "hal:test:q8a");
	struct hsx_mbox *b = create(test, "hal:test:q8b");
	struct file **files = kunit_kcalloc(test, n, sizeof(*files), GFP_KERNEL);
	struct hsx_mbox_auth auth = {};
	struct hsx_mbox_queue *q;
	struct cred *cred;
	const struct cred *old;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, files);
	KUNIT_ASSERT_LE(test, n, 2 * per_mbox);
	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->euid = KUIDT_INIT(1000);
	old = override_creds(cred);
	for (i = 0; i < n; i++)
		files[i] = open_queue(test, i < per_mbox ? "hal:test:q8a" : "hal:test:q8b",
				      HSX_MBOX_QUEUE_MAX);
	KUNIT_EXPECT_EQ(test, hsx_mbox_subscribe_queue("hal:test:q8b", &auth, 1, &q), -ENOSPC);
	revert_creds(old);
	put_cred(cred);
	/* Another user still gets a queue. */
	q = NULL;
	KUNIT_EXPECT_EQ(test, hsx_mbox_subscribe_queue("hal:test:q8b", &auth, 1, &q), 0);
	if (q)
		hsx_mbox_unsubscribe_queue(q);
	for (i = 0; i < n; i++)
		close_queue(files[i]);
	hsx_mbox_destroy(a, HSX_CLOSE_CANCELLED);
	hsx_mbox_destroy(b, HSX_CLOSE_CANCELLED);
}

static void queue_open_ioctl_rejects_bad_requests(struct kunit *test)
{
	struct hsx_client client = {};
	struct hsx_mbox_open req;

	memset(&req, 0, sizeof(req));
	strscpy(req.name, "hal:test:none", sizeof(req.name));
	req.flags = ~HSX_MBOX_O_ALL;
	KUNIT_EXPECT_EQ(test, hsx_mbox_ioctl_open(&client, &req), -EINVAL);
	req.flags = 0;
	req.reserved[1] = 1;
	KUNIT_EXPECT_EQ(test, hsx_mbox_ioctl_open(&client, &req), -EINVAL);
	req.reserved[1] = 0;
	req.queue_len = HSX_MBOX_QUEUE_MAX + 1;
	KUNIT_EXPECT_EQ(test, hsx_mbox_ioctl_open(&client, &req), -EINVAL);
	req.queue_len = 0;
	memset(req.name, 'x', sizeof(req.name));	/* no NUL */
	KUNIT_EXPECT_EQ(test, hsx_mbox_ioctl_open(&client, &req), -EINVAL);
	req.name[0] = '\0';
	KUNIT_EXPECT_EQ(test, hsx_mbox_ioctl_open(&client, &req), -EINVAL);
}

/* Post as an hrtimer's expiry does in its interrupt: IRQs off. */
static bool post_irq(struct hsx_mbox *mbox, u32 value)
{
	struct test_record r = { .value = value, .tail = ~value };
	unsigned long flags;
	bool posted;

	local_irq_save(flags);
	posted = hsx_mbox_post_irq(mbox, &r, ktime_get_ns());
	local_irq_restore(flags);
	return posted;
}

static void queue_hard_irq_posts_take_their_turn_among_the_others(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:q10");
	struct file *file = open_queue(test, "hal:test:q10", 3);
	u8 *buf = kunit_kzalloc(test, 4 * TEST_RECORD_SIZE, GFP_KERNEL);
	const struct hsx_mbox_record *rec;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	post(mbox, 1);
	KUNIT_EXPECT_TRUE(test, post_irq(mbox, 2));
	post(mbox, 3);
	KUNIT_EXPECT_TRUE(test, post_irq(mbox, 4));	/* full: a drop, taken */
	KUNIT_EXPECT_EQ(test, hsx_mbox_drops(mbox), 1ULL);
	KUNIT_ASSERT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)(3 * TEST_RECORD_SIZE));
	for (i = 0; i < 3; i++) {
		rec = record_at(buf, i);
		KUNIT_EXPECT_EQ(test, rec->seq, (u64)i + 1);
		KUNIT_EXPECT_EQ(test, payload_of(rec)->value, i + 1);
		if (i)
			KUNIT_EXPECT_GE(test, rec->timestamp_ns,
					record_at(buf, i - 1)->timestamp_ns);
	}
	KUNIT_EXPECT_TRUE(test, post_irq(mbox, 5));
	KUNIT_ASSERT_EQ(test, read_records(file, buf, 4 * TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	rec = record_at(buf, 0);
	KUNIT_EXPECT_EQ(test, rec->seq, 5ULL);
	KUNIT_EXPECT_EQ(test, rec->dropped, 1U);
	KUNIT_EXPECT_EQ(test, payload_of(rec)->value, 5U);
	close_queue(file);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

/* A record the file holds now, or 0 (none); a full buffer's worth is read. */
static u32 next_value(struct kunit *test, struct file *file, u8 *buf)
{
	ssize_t n = read_records(file, buf, TEST_RECORD_SIZE);

	if (n == -EAGAIN)
		return 0;
	KUNIT_EXPECT_EQ(test, n, (ssize_t)TEST_RECORD_SIZE);
	return n == TEST_RECORD_SIZE ? payload_of(record_at(buf, 0))->value : 0;
}

static void queue_hard_irq_posts_wait_while_a_netlink_subscriber_listens(struct kunit *test)
{
	static const int token;
	struct hsx_mbox *mbox = create(test, "hal:test:q11");
	struct file *file = open_queue(test, "hal:test:q11", 4);
	u8 *buf = kunit_kzalloc(test, TEST_RECORD_SIZE, GFP_KERNEL);
	struct hsx_mbox_auth auth = {};
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, hsx_mbox_subscribe("hal:test:q11", 7, NULL, &auth, &id), 0);
	/* Netlink cannot be sent to with IRQs off: nothing is taken, nothing numbered. */
	KUNIT_EXPECT_FALSE(test, post_irq(mbox, 1));
	KUNIT_EXPECT_EQ(test, next_value(test, file, buf), 0U);
	post(mbox, 2);
	KUNIT_EXPECT_EQ(test, next_value(test, file, buf), 2U);
	KUNIT_EXPECT_EQ(test, record_at(buf, 0)->seq, 1ULL);
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(id, 7, NULL), 0);
	KUNIT_EXPECT_TRUE(test, post_irq(mbox, 3));
	KUNIT_EXPECT_EQ(test, next_value(test, file, buf), 3U);
	KUNIT_EXPECT_EQ(test, record_at(buf, 0)->seq, 2ULL);

	/* Revocation ends the netlink subscription as well. */
	test_token = &token;
	KUNIT_ASSERT_EQ(test, hsx_mbox_subscribe("hal:test:q11", 8, NULL, &auth, &id), 0);
	KUNIT_EXPECT_FALSE(test, post_irq(mbox, 4));
	hsx_mbox_close_token(&token, HSX_CLOSE_REVOKED);
	KUNIT_EXPECT_TRUE(test, post_irq(mbox, 5));
	KUNIT_EXPECT_EQ(test, next_value(test, file, buf), 5U);

	/* The mailbox's end reaches the queue file with a netlink subscriber listed. */
	test_token = NULL;
	KUNIT_ASSERT_EQ(test, hsx_mbox_subscribe("hal:test:q11", 9, NULL, &auth, &id), 0);
	hsx_mbox_destroy(mbox, HSX_CLOSE_ADMIN);
	KUNIT_ASSERT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE),
			(ssize_t)TEST_RECORD_SIZE);
	KUNIT_EXPECT_EQ(test, record_at(buf, 0)->type, (u16)HSX_EVT_CLOSED);
	KUNIT_EXPECT_EQ(test, read_records(file, buf, TEST_RECORD_SIZE), (ssize_t)0);
	close_queue(file);
}

static void next_jiffy(void)
{
	unsigned long j = jiffies;

	while (time_before_eq(jiffies, j))
		schedule_timeout_uninterruptible(1);
}

static void queue_hard_irq_posts_are_bounded_per_cpu_and_jiffy(struct kunit *test)
{
	unsigned int budget = hsx_mbox_irq_budget_all();
	struct hsx_mbox *mbox = create(test, "hal:test:q13");
	struct file *file = open_queue(test, "hal:test:q13", HSX_MBOX_QUEUE_MAX);
	u8 *buf = kunit_kzalloc(test, TEST_RECORD_SIZE, GFP_KERNEL);
	struct test_record r = {};
	unsigned int posted = 0, i;
	unsigned long flags, j;
	bool refused_again;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	next_jiffy();
	local_irq_save(flags);
	j = jiffies;
	for (i = 0; i < 2 * budget; i++) {
		r.value = posted + 1;
		if (!hsx_mbox_post_irq(mbox, &r, ktime_get_ns()))
			break;
		posted++;
	}
	refused_again = !hsx_mbox_post_irq(mbox, &r, ktime_get_ns());
	/* Uniprocessor, IRQs off: no jiffy ends. Else another CPU may end one. */
	if (!time_after(jiffies, j)) {
		/* One unit for the post, one for its one subscriber. */
		KUNIT_EXPECT_EQ(test, posted, budget / 2);
		KUNIT_EXPECT_TRUE(test, refused_again);
		KUNIT_EXPECT_FALSE(test, hsx_mbox_irq_room(mbox));
	}
	local_irq_restore(flags);
	KUNIT_EXPECT_GE(test, posted, budget / 2);
	/* What was refused took nothing: posted in order, numbered without gaps. */
	for (i = 1; i <= posted; i++) {
		KUNIT_ASSERT_EQ(test, next_value(test, file, buf), i);
		KUNIT_EXPECT_EQ(test, record_at(buf, 0)->seq, (u64)i);
	}
	KUNIT_EXPECT_EQ(test, next_value(test, file, buf), 0U);
	/* The soft path is not bounded by it. */
	post(mbox, 1000);
	KUNIT_EXPECT_EQ(test, next_value(test, file, buf), 1000U);
	next_jiffy();	/* a new budget */
	local_bh_disable();
	KUNIT_EXPECT_TRUE(test, hsx_mbox_irq_room(mbox));
	local_bh_enable();
	KUNIT_EXPECT_TRUE(test, post_irq(mbox, 1001));
	KUNIT_EXPECT_EQ(test, next_value(test, file, buf), 1001U);
	close_queue(file);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void queue_only_hard_posting_mailboxes_have_irq_room(struct kunit *test)
{
	static const struct hsx_mbox_ops soft_ops = {
		.module = HSX_MODULE_TIMER,
		.record_size = sizeof(struct test_record),
	};
	struct hsx_mbox *soft = hsx_mbox_create("hal:test:q12", &soft_ops, NULL);
	struct hsx_mbox *hard = create(test, "hal:test:q14");
	struct hsx_mbox_auth auth = {};
	unsigned int i;
	unsigned long j;
	u32 id;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, soft);
	next_jiffy();
	local_bh_disable();	/* softirq, as the caller's */
	KUNIT_EXPECT_FALSE(test, hsx_mbox_irq_room(soft));
	KUNIT_EXPECT_TRUE(test, hsx_mbox_irq_room(hard));
	local_bh_enable();
	KUNIT_ASSERT_EQ(test, hsx_mbox_subscribe("hal:test:q14", 7, NULL, &auth, &id), 0);
	local_bh_disable();
	KUNIT_EXPECT_FALSE(test, hsx_mbox_irq_room(hard));
	local_bh_enable();
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(id, 7, NULL), 0);
	/* So many come back in a jiffy, no more: the rest wait for the next. */
	next_jiffy();
	local_bh_disable();
	j = jiffies;
	for (i = 0; i < 2 * HSX_MBOX_IRQ_RETURNS && hsx_mbox_irq_room(hard); i++)
		;
	if (!time_after(jiffies, j))
		KUNIT_EXPECT_EQ(test, i, HSX_MBOX_IRQ_RETURNS);
	local_bh_enable();
	next_jiffy();
	local_bh_disable();
	KUNIT_EXPECT_TRUE(test, hsx_mbox_irq_room(hard));
	local_bh_enable();
	hsx_mbox_destroy(hard, HSX_CLOSE_CANCELLED);
	hsx_mbox_destroy(soft, HSX_CLOSE_CANCELLED);
}

static struct kunit_case hsx_mbox_queue_cases[] = {
	KUNIT_CASE(queue_records_carry_the_event_and_its_payload),
	KUNIT_CASE(queue_reads_whole_records_only),
	KUNIT_CASE(queue_full_drops_are_counted_and_reported),
	KUNIT_CASE(queue_close_notice_follows_records_then_end_of_file),
	KUNIT_CASE(queue_ring_wraps_in_order_and_the_notice_stays_apart),
	KUNIT_CASE(queue_close_token_ends_only_its_queues),
	KUNIT_CASE(queue_release_ends_the_subscription),
	KUNIT_CASE(queue_end_stops_posts_and_keeps_what_was_queued),
	KUNIT_CASE(queue_reader_here_reaches_the_owner_while_subscribed),
	KUNIT_CASE(queue_blocking_read_ends_at_its_timeout),
	KUNIT_CASE(queue_link_kicks_the_target_on_the_sources_news),
	KUNIT_CASE(queue_links_are_one_level_deep),
	KUNIT_CASE(queue_link_ends_with_either_file),
	KUNIT_CASE(queue_link_wakes_the_sources_pollers_first),
	KUNIT_CASE(queue_lengths_and_total_are_bounded),
	KUNIT_CASE(queue_subscribe_errors),
	KUNIT_CASE(queue_records_are_shared_out_per_user),
	KUNIT_CASE(queue_open_ioctl_rejects_bad_requests),
	{}
};

static struct kunit_suite hsx_mbox_queue_suite = {
	.name = "hsx_mbox_queue",
	.init = queue_test_init,
	.exit = queue_test_exit,
	.test_cases = hsx_mbox_queue_cases,
};

/* Under PREEMPT_RT nothing is posted from hard IRQ: e2e test_mbox_queue on the rt kernel. */
static int queue_hard_test_init(struct kunit *test)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		kunit_skip(test, "no hard-IRQ posts under PREEMPT_RT");
	return queue_test_init(test);
}

static struct kunit_case hsx_mbox_queue_hard_cases[] = {
	KUNIT_CASE(queue_hard_irq_posts_take_their_turn_among_the_others),
	KUNIT_CASE(queue_hard_irq_posts_wait_while_a_netlink_subscriber_listens),
	KUNIT_CASE(queue_hard_irq_posts_are_bounded_per_cpu_and_jiffy),
	KUNIT_CASE(queue_only_hard_posting_mailboxes_have_irq_room),
	{}
};

static struct kunit_suite hsx_mbox_queue_hard_suite = {
	.name = "hsx_mbox_queue_hard",
	.init = queue_hard_test_init,
	.exit = queue_test_exit,
	.test_cases = hsx_mbox_queue_hard_cases,
};

kunit_test_suites(&hsx_mbox_queue_suite, &hsx_mbox_queue_hard_suite);
