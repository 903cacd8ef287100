// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: mailbox queueing and drop accounting, against a fake transport that
 * records every delivery and can refuse deliveries per subscriber the way a
 * full socket buffer (-EAGAIN) or a closing socket (-ECONNREFUSED) does, and
 * that hands out (and counts) the spare buffers data events are delivered in.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/user_namespace.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../core/cap.h"
#include "../core/mailbox.h"

#define FAKE_MAX_DELIVERIES 256
#define FAKE_MAX_PORTS 128

struct fake_delivery {
	u32 portid;
	void *dest;
	u32 mbox_id;
	u16 type;
	u64 seq;
	u64 timestamp_ns;
	u32 dropped;
	u64 dropped_total;
	u32 payload;
	u32 close_reason;
	bool spare;		/* delivered in a buffer made ahead */
};

static struct {
	struct fake_delivery log[FAKE_MAX_DELIVERIES];
	unsigned int n;
	int refuse[FAKE_MAX_PORTS];	/* errno to return for a port, 0 accepts */
	bool deny_subscribe;
	int deny_errno;		/* what a denial says; 0 for -EPERM */
	const void *token;	/* what may_subscribe authorizes under */
	bool no_spares;		/* the transport's alloc fails */
	int spares;		/* allocated and not yet freed */
} fake;

static void *fake_alloc(const struct hsx_mbox_ops *ops, gfp_t gfp)
{
	void *buf = fake.no_spares ? NULL : kmalloc(sizeof(u32), gfp);

	if (buf)
		fake.spares++;
	return buf;
}

static void fake_free(void *buf)
{
	fake.spares--;
	kfree(buf);
}

static int fake_deliver(u32 portid, void *dest, const struct hsx_mbox_event *ev, void *buf)
{
	struct fake_delivery *d;

	if (buf)
		fake_free(buf);
	if (portid < FAKE_MAX_PORTS && fake.refuse[portid])
		return fake.refuse[portid];
	if (fake.n >= FAKE_MAX_DELIVERIES)
		return -ENOBUFS;
	d = &fake.log[fake.n++];
	d->portid = portid;
	d->dest = dest;
	d->mbox_id = ev->mbox_id;
	d->type = ev->type;
	d->seq = ev->seq;
	d->timestamp_ns = ev->timestamp_ns;
	d->dropped = ev->dropped;
	d->dropped_total = ev->dropped_total;
	d->payload = ev->payload ? *(const u32 *)ev->payload : 0;
	d->close_reason = ev->close_reason;
	d->spare = buf;
	return 0;
}

/* Fake subscriber sockets: a dest is one of these; gone once "closed". */
struct fake_sock {
	bool gone;
	int refs;
};

static void fake_hold(void *dest)
{
	if (dest)
		((struct fake_sock *)dest)->refs++;
}

static void fake_put(void *dest)
{
	if (dest)
		((struct fake_sock *)dest)->refs--;
}

static bool fake_gone(void *dest)
{
	return !dest || ((struct fake_sock *)dest)->gone;
}

static const struct hsx_mbox_transport fake_transport = {
	.deliver = fake_deliver,
	.alloc = fake_alloc,
	.free = fake_free,
	.dest_hold = fake_hold,
	.dest_put = fake_put,
	.dest_gone = fake_gone,
};

static int fake_may_subscribe(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	if (fake.deny_subscribe)
		return fake.deny_errno ?: -EPERM;
	auth->token = fake.token;
	return 0;
}

static const struct hsx_mbox_ops fake_ops = {
	.may_subscribe = fake_may_subscribe,
};

/* A mailbox of an object that is someone's, as a timer's or a capability's. */
static const struct hsx_mbox_ops fake_hidden_ops = {
	.hidden = true,
	.may_subscribe = fake_may_subscribe,
};

static int test_subscribe(const char *name, u32 portid, u32 *id)
{
	struct hsx_mbox_auth auth = {};

	return hsx_mbox_subscribe(name, portid, NULL, &auth, id);
}

/* As the administrator: outside every user's share. */
static int test_subscribe_privileged(const char *name, u32 portid, u32 *id)
{
	struct hsx_mbox_auth auth = { .privileged = true };

	return hsx_mbox_subscribe(name, portid, NULL, &auth, id);
}

/* Run the caller as effective uid @uid until test_as_revert(). */
static const struct cred *test_as(struct kunit *test, uid_t uid)
{
	struct cred *cred = prepare_creds();

	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->euid = KUIDT_INIT(uid);
	cred->fsuid = cred->euid;
	return override_creds(cred);
}

static void test_as_revert(const struct cred *old)
{
	const struct cred *cred = current_cred();

	revert_creds(old);
	put_cred(cred);
}

static int mbox_test_init(struct kunit *test)
{
	memset(&fake, 0, sizeof(fake));
	hsx_mbox_init(&fake_transport);
	return 0;
}

static void mbox_test_exit(struct kunit *test)
{
	hsx_mbox_exit();
}

static struct hsx_mbox *create(struct kunit *test, const char *name)
{
	struct hsx_mbox *mbox = hsx_mbox_create(name, &fake_ops, test);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mbox);
	return mbox;
}

static void post(struct hsx_mbox *mbox, u32 value)
{
	hsx_mbox_post(mbox, &value);
}

/* Deliveries the fake recorded for one port, in order. */
static unsigned int deliveries_for(u32 portid, struct fake_delivery **out, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < fake.n && n < max; i++)
		if (fake.log[i].portid == portid)
			out[n++] = &fake.log[i];
	return n;
}

static void mbox_create_rejects_duplicates_and_long_names(struct kunit *test)
{
	char long_name[HSX_MBOX_NAME_MAX + 1];
	struct hsx_mbox *mbox = create(test, "hal:test:1");

	KUNIT_EXPECT_EQ(test, PTR_ERR(hsx_mbox_create("hal:test:1", &fake_ops, NULL)),
			(long)-EEXIST);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	KUNIT_EXPECT_EQ(test, PTR_ERR(hsx_mbox_create(long_name, &fake_ops, NULL)),
			(long)-ENAMETOOLONG);
	KUNIT_EXPECT_PTR_EQ(test, hsx_mbox_owner(mbox), (void *)test);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void mbox_subscribe_errors(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:sub");
	u32 id = 0;

	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:none", 1, &id), -ENOENT);
	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:sub", 1, &id), 0);
	KUNIT_EXPECT_EQ(test, id, hsx_mbox_id(mbox));
	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:sub", 1, &id), -EEXIST);
	fake.deny_subscribe = true;
	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:sub", 2, &id), -EPERM);
	fake.deny_subscribe = false;
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(hsx_mbox_id(mbox), 2, NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(hsx_mbox_id(mbox) + 1, 1, NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(hsx_mbox_id(mbox), 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(hsx_mbox_id(mbox), 1, NULL), -ENOENT);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

/*
 * A hidden mailbox its owner refuses cannot be told from a name no mailbox
 * has: -ENOENT on both transports whatever the owner said, also when it is
 * full. A public one (a GPIO pin's) keeps the owner's errno.
 */
static void mbox_hidden_refusals_read_as_missing(struct kunit *test)
{
	static const int refusals[] = { -EPERM, -EACCES, -EKEYREVOKED };
	struct hsx_mbox *hidden = hsx_mbox_create("hal:test:hidden", &fake_hidden_ops, test);
	struct hsx_mbox *public = create(test, "hal:test:public");
	struct hsx_mbox_auth auth = {};
	struct hsx_mbox_queue *q;
	unsigned int i;
	u32 id;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, hidden);
	fake.deny_subscribe = true;
	for (i = 0; i < ARRAY_SIZE(refusals); i++) {
		fake.deny_errno = refusals[i];
		KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:none", 1, &id), -ENOENT);
		KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:hidden", 1, &id), -ENOENT);
		KUNIT_EXPECT_EQ(test, hsx_mbox_subscribe_queue("hal:test:none", &auth, 4, &q),
				-ENOENT);
		KUNIT_EXPECT_EQ(test, hsx_mbox_subscribe_queue("hal:test:hidden", &auth, 4, &q),
				-ENOENT);
		KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:public", 1, &id), refusals[i]);
		KUNIT_EXPECT_EQ(test, hsx_mbox_subscribe_queue("hal:test:public", &auth, 4, &q),
				refusals[i]);
	}

	/* A full one too: its -ENOSPC is only for those it admits. */
	fake.deny_subscribe = false;
	for (i = 0; i < HSX_MBOX_MAX_SUBSCRIBERS; i++)
		KUNIT_ASSERT_EQ(test, test_subscribe_privileged("hal:test:hidden", 1000 + i, &id),
				0);
	KUNIT_EXPECT_EQ(test, test_subscribe_privileged("hal:test:hidden", 2000, &id), -ENOSPC);
	fake.deny_subscribe = true;
	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:hidden", 2000, &id), -ENOENT);
	KUNIT_EXPECT_EQ(test, hsx_mbox_subscribe_queue("hal:test:hidden", &auth, 4, &q), -ENOENT);
	hsx_mbox_destroy(hidden, HSX_CLOSE_CANCELLED);
	hsx_mbox_destroy(public, HSX_CLOSE_CANCELLED);
}

/* The real "hal:caps": the administrator's; to anyone else, no such mailbox. */
static void mbox_caps_mailbox_is_missing_to_others(struct kunit *test)
{
	struct hsx_mbox_auth auth = {};
	struct hsx_mbox_queue *q;
	u32 id;

	KUNIT_ASSERT_EQ(test, hsx_cap_init(true), 0);
	KUNIT_EXPECT_EQ(test, test_subscribe(HSX_MBOX_CAPS, 1, &id), -ENOENT);
	KUNIT_EXPECT_EQ(test, hsx_mbox_subscribe_queue(HSX_MBOX_CAPS, &auth, 4, &q), -ENOENT);
	KUNIT_EXPECT_EQ(test, test_subscribe_privileged(HSX_MBOX_CAPS, 1, &id), 0);
	hsx_cap_exit();
}

static void mbox_posts_reach_every_subscriber_in_order(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:order");
	struct fake_delivery *d[8];
	unsigned int port, i, n;
	u32 id;

	for (port = 1; port <= 3; port++)
		KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:order", port, &id), 0);
	for (i = 0; i < 4; i++)
		post(mbox, 100 + i);

	for (port = 1; port <= 3; port++) {
		n = deliveries_for(port, d, ARRAY_SIZE(d));
		KUNIT_ASSERT_EQ(test, n, 4U);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_EQ(test, d[i]->type, (u16)HSX_EVT_DATA);
			KUNIT_EXPECT_EQ(test, d[i]->mbox_id, id);
			KUNIT_EXPECT_EQ(test, d[i]->seq, (u64)i + 1);
			KUNIT_EXPECT_EQ(test, d[i]->payload, 100 + i);
			KUNIT_EXPECT_EQ(test, d[i]->dropped, 0U);
			if (i)
				KUNIT_EXPECT_GE(test, d[i]->timestamp_ns, d[i - 1]->timestamp_ns);
		}
	}
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void mbox_full_subscriber_drops_are_counted_and_reported(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:drops");
	struct hsx_mbox_stats before, after;
	struct hsx_mbox_info info;
	struct fake_delivery *d[8];
	unsigned long cursor;
	unsigned int i, n;
	u32 id;

	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:drops", 1, &id), 0);
	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:drops", 2, &id), 0);
	hsx_mbox_get_stats(&before);

	post(mbox, 1);				/* both get seq 1 */
	fake.refuse[1] = -EAGAIN;		/* port 1's socket buffer is full */
	for (i = 0; i < 3; i++)
		post(mbox, 2 + i);		/* seq 2..4: dropped for port 1 only */
	fake.refuse[1] = 0;
	post(mbox, 5);				/* seq 5 reports 3 drops to port 1 */
	post(mbox, 6);				/* and seq 6 reports none again */

	n = deliveries_for(1, d, ARRAY_SIZE(d));
	KUNIT_ASSERT_EQ(test, n, 3U);
	KUNIT_EXPECT_EQ(test, d[0]->seq, 1ULL);
	KUNIT_EXPECT_EQ(test, d[1]->seq, 5ULL);
	KUNIT_EXPECT_EQ(test, d[1]->dropped, 3U);
	KUNIT_EXPECT_EQ(test, d[1]->dropped_total, 3ULL);
	KUNIT_EXPECT_EQ(test, d[2]->seq, 6ULL);
	KUNIT_EXPECT_EQ(test, d[2]->dropped, 0U);
	KUNIT_EXPECT_EQ(test, d[2]->dropped_total, 3ULL);
	/* Delivered + dropped = posted, with the gap in seq matching the drops. */
	KUNIT_EXPECT_EQ(test, n + d[2]->dropped_total, 6ULL);
	KUNIT_EXPECT_EQ(test, d[1]->seq - d[0]->seq - 1, (u64)d[1]->dropped);

	n = deliveries_for(2, d, ARRAY_SIZE(d));
	KUNIT_EXPECT_EQ(test, n, 6U);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, d[i]->dropped_total, 0ULL);

	KUNIT_EXPECT_EQ(test, hsx_mbox_drops(mbox), 3ULL);
	hsx_mbox_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.drops - before.drops, 3ULL);
	KUNIT_EXPECT_EQ(test, after.events - before.events, 6ULL);
	KUNIT_EXPECT_EQ(test, after.deliveries - before.deliveries, 9ULL);

	cursor = hsx_mbox_id(mbox);
	KUNIT_ASSERT_EQ(test, hsx_mbox_info_next(&cursor, &info, NULL), 0);
	KUNIT_EXPECT_STREQ(test, info.name, "hal:test:drops");
	KUNIT_EXPECT_EQ(test, info.subscribers, 2U);
	KUNIT_EXPECT_EQ(test, info.seq, 6ULL);
	KUNIT_EXPECT_EQ(test, info.events, 6ULL);
	KUNIT_EXPECT_EQ(test, info.drops, 3ULL);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void mbox_data_events_go_out_in_spares_made_ahead(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:spare");
	struct fake_delivery *d[8];
	unsigned int port, i, n;
	u32 id;

	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:spare", 1, &id), 0);
	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:spare", 2, &id), 0);
	KUNIT_EXPECT_EQ(test, fake.spares, 2);	/* made at subscription */
	post(mbox, 1);
	post(mbox, 2);
	fake.no_spares = true;
	post(mbox, 3);		/* in the spare made after post 2; none made after it */
	post(mbox, 4);		/* allocated as it is delivered */
	fake.no_spares = false;
	post(mbox, 5);		/* still none; one is made after it */
	fake.refuse[2] = -EAGAIN;
	post(mbox, 6);		/* a refused delivery frees its spare as well */
	fake.refuse[2] = 0;

	for (port = 1; port <= 2; port++) {
		n = deliveries_for(port, d, ARRAY_SIZE(d));
		KUNIT_ASSERT_EQ(test, n, port == 1 ? 6U : 5U);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_EQ(test, d[i]->seq, (u64)i + 1);
			KUNIT_EXPECT_EQ(test, d[i]->spare, d[i]->seq <= 3 || d[i]->seq == 6);
		}
	}
	KUNIT_EXPECT_EQ(test, fake.spares, 2);
	hsx_mbox_unsubscribe(hsx_mbox_id(mbox), 1, NULL);
	KUNIT_EXPECT_EQ(test, fake.spares, 1);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
	KUNIT_EXPECT_EQ(test, fake.spares, 0);
}

static void mbox_closing_socket_is_not_a_drop(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:gone");
	u32 id;

	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:gone", 7, &id), 0);
	fake.refuse[7] = -ECONNREFUSED;
	post(mbox, 1);
	post(mbox, 2);
	KUNIT_EXPECT_EQ(test, hsx_mbox_drops(mbox), 0ULL);
	fake.refuse[7] = 0;
	post(mbox, 3);		/* a gone subscriber is skipped until released */
	KUNIT_EXPECT_EQ(test, fake.n, 0U);
	hsx_mbox_release_port(7);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void mbox_release_port_ends_all_its_subscriptions(struct kunit *test)
{
	struct hsx_mbox *a = create(test, "hal:test:a"), *b = create(test, "hal:test:b");
	struct hsx_mbox_stats stats;
	struct fake_delivery *d[4];
	u32 id;

	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:a", 5, &id), 0);
	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:b", 5, &id), 0);
	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:b", 6, &id), 0);
	hsx_mbox_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.subscriptions, 3ULL);

	hsx_mbox_release_port(5);
	hsx_mbox_release_port(5);	/* a second release finds nothing */
	hsx_mbox_release_port(99);	/* nor does an unknown port */
	post(a, 1);
	post(b, 2);
	KUNIT_EXPECT_EQ(test, deliveries_for(5, d, ARRAY_SIZE(d)), 0U);
	KUNIT_EXPECT_EQ(test, deliveries_for(6, d, ARRAY_SIZE(d)), 1U);
	hsx_mbox_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.subscriptions, 1ULL);
	hsx_mbox_destroy(a, HSX_CLOSE_CANCELLED);
	hsx_mbox_destroy(b, HSX_CLOSE_CANCELLED);
}

static void mbox_destroy_sends_closed_and_ends_subscriptions(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:closed");
	struct hsx_mbox_stats stats;
	struct fake_delivery *d[4];
	unsigned int port;
	u32 id;

	for (port = 1; port <= 2; port++)
		KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:closed", port, &id), 0);
	post(mbox, 1);
	hsx_mbox_destroy(mbox, HSX_CLOSE_OWNER_GONE);

	for (port = 1; port <= 2; port++) {
		KUNIT_ASSERT_EQ(test, deliveries_for(port, d, ARRAY_SIZE(d)), 2U);
		KUNIT_EXPECT_EQ(test, d[1]->type, (u16)HSX_EVT_CLOSED);
		KUNIT_EXPECT_EQ(test, d[1]->seq, 2ULL);
		KUNIT_EXPECT_EQ(test, d[1]->close_reason, (u32)HSX_CLOSE_OWNER_GONE);
	}
	hsx_mbox_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.subscriptions, 0ULL);
	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:closed", 1, &id), -ENOENT);
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(id, 1, NULL), -ENOENT);
}

/* A revoked capability ends the subscriptions made under it, and only those. */
static void mbox_close_token_ends_only_its_subscriptions(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:token");
	static const int cap_a, cap_b;
	struct hsx_mbox_stats stats;
	struct fake_delivery *d[4];
	u32 id;

	fake.token = &cap_a;
	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:token", 1, &id), 0);
	fake.token = &cap_b;
	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:token", 2, &id), 0);
	fake.token = NULL;
	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:token", 3, &id), 0);

	post(mbox, 1);
	hsx_mbox_close_token(&cap_a, HSX_CLOSE_REVOKED);
	post(mbox, 2);

	KUNIT_ASSERT_EQ(test, deliveries_for(1, d, ARRAY_SIZE(d)), 2U);
	KUNIT_EXPECT_EQ(test, d[1]->type, (u16)HSX_EVT_CLOSED);
	KUNIT_EXPECT_EQ(test, d[1]->close_reason, (u32)HSX_CLOSE_REVOKED);
	KUNIT_EXPECT_EQ(test, d[1]->seq, 2ULL);
	/* The others go on; the notice took a sequence number, not a drop. */
	KUNIT_ASSERT_EQ(test, deliveries_for(2, d, ARRAY_SIZE(d)), 2U);
	KUNIT_EXPECT_EQ(test, d[1]->type, (u16)HSX_EVT_DATA);
	KUNIT_EXPECT_EQ(test, d[1]->seq, 3ULL);
	KUNIT_EXPECT_EQ(test, d[1]->dropped, 0U);
	KUNIT_EXPECT_EQ(test, deliveries_for(3, d, ARRAY_SIZE(d)), 2U);
	hsx_mbox_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.subscriptions, 2ULL);
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(id, 1, NULL), -ENOENT);

	hsx_mbox_close_token(&cap_a, HSX_CLOSE_REVOKED);	/* nothing left */
	KUNIT_EXPECT_EQ(test, deliveries_for(1, d, ARRAY_SIZE(d)), 2U);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void mbox_subscriber_limits(struct kunit *test)
{
	struct hsx_mbox *mboxes[HSX_MBOX_MAX_PER_SOCKET + 1];
	char name[HSX_MBOX_NAME_MAX];
	unsigned int i;
	u32 id;

	/* Per mailbox. */
	mboxes[0] = create(test, "hal:test:limit:0");
	for (i = 0; i < HSX_MBOX_MAX_SUBSCRIBERS; i++)
		KUNIT_ASSERT_EQ(test, test_subscribe_privileged("hal:test:limit:0", 1000 + i, &id),
				0);
	KUNIT_EXPECT_EQ(test, test_subscribe_privileged("hal:test:limit:0", 2000, &id), -ENOSPC);
	hsx_mbox_destroy(mboxes[0], HSX_CLOSE_CANCELLED);

	/* Per socket. */
	for (i = 0; i <= HSX_MBOX_MAX_PER_SOCKET; i++) {
		snprintf(name, sizeof(name), "hal:test:limit:%u", i);
		mboxes[i] = create(test, name);
	}
	for (i = 0; i < HSX_MBOX_MAX_PER_SOCKET; i++) {
		snprintf(name, sizeof(name), "hal:test:limit:%u", i);
		KUNIT_ASSERT_EQ(test, test_subscribe_privileged(name, 3000, &id), 0);
	}
	snprintf(name, sizeof(name), "hal:test:limit:%u", i);
	KUNIT_EXPECT_EQ(test, test_subscribe_privileged(name, 3000, &id), -ENOSPC);
	KUNIT_EXPECT_EQ(test, test_subscribe_privileged(name, 3001, &id), 0);
	for (i = 0; i <= HSX_MBOX_MAX_PER_SOCKET; i++)
		hsx_mbox_destroy(mboxes[i], HSX_CLOSE_CANCELLED);
}

/*
 * One user cannot take a mailbox's subscriber slots, or all subscriptions,
 * from the others: each user has a share; the administrator has none.
 */
static void mbox_user_shares(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:share");
	const unsigned int n_mboxes = HSX_MBOX_USER_SUBSCRIPTIONS / HSX_MBOX_USER_PER_MAILBOX;
	struct hsx_mbox **many = kunit_kcalloc(test, n_mboxes + 1, sizeof(*many), GFP_KERNEL);
	char name[HSX_MBOX_NAME_MAX];
	const struct cred *old;
	unsigned int i, j;
	u32 id;

	KUNIT_ASSERT_NOT_NULL(test, many);
	old = test_as(test, 1000);
	for (i = 0; i < HSX_MBOX_USER_PER_MAILBOX; i++)
		KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:share", 100 + i, &id), 0);
	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:share", 200, &id), -ENOSPC);
	test_as_revert(old);
	/* Room is left for another user, and for the administrator. */
	old = test_as(test, 1001);
	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:share", 201, &id), 0);
	test_as_revert(old);
	KUNIT_EXPECT_EQ(test, test_subscribe_privileged("hal:test:share", 202, &id), 0);
	/* An ended subscription gives its room back. */
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(id, 202, NULL), 0);
	old = test_as(test, 1000);
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(hsx_mbox_id(mbox), 100, NULL), 0);
	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:share", 203, &id), 0);
	test_as_revert(old);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);

	/* In all: HSX_MBOX_USER_SUBSCRIPTIONS, spread over many mailboxes. */
	for (i = 0; i <= n_mboxes; i++) {
		snprintf(name, sizeof(name), "hal:test:share:%u", i);
		many[i] = create(test, name);
	}
	old = test_as(test, 1000);
	for (i = 0; i < n_mboxes; i++) {
		snprintf(name, sizeof(name), "hal:test:share:%u", i);
		for (j = 0; j < HSX_MBOX_USER_PER_MAILBOX; j++)
			KUNIT_ASSERT_EQ(test, test_subscribe(name, 10000 + i * 64 + j, &id), 0);
	}
	snprintf(name, sizeof(name), "hal:test:share:%u", n_mboxes);
	KUNIT_EXPECT_EQ(test, test_subscribe(name, 9999, &id), -ENOSPC);
	test_as_revert(old);
	old = test_as(test, 1001);
	KUNIT_EXPECT_EQ(test, test_subscribe(name, 5000, &id), 0);
	test_as_revert(old);
	for (i = 0; i <= n_mboxes; i++)
		hsx_mbox_destroy(many[i], HSX_CLOSE_CANCELLED);
}

/*
 * A closing netlink socket frees its port number before the notice that ends
 * its subscriptions; a socket that binds the number in between gets none of
 * the old one's events, and keeps its own subscriptions past that notice.
 */
static void mbox_a_reused_port_number_gets_only_its_own(struct kunit *test)
{
	struct hsx_mbox *old_box = create(test, "hal:test:reuse:old");
	struct hsx_mbox *new_box = create(test, "hal:test:reuse:new");
	struct hsx_mbox_auth auth = {};
	struct fake_sock a = {}, b = {};
	unsigned int i;
	u32 id;

	KUNIT_ASSERT_EQ(test, hsx_mbox_subscribe("hal:test:reuse:old", 9, &a, &auth, &id), 0);
	KUNIT_EXPECT_EQ(test, a.refs, 1);
	a.gone = true;		/* a closes; b binds port 9 before URELEASE */
	KUNIT_ASSERT_EQ(test, hsx_mbox_subscribe("hal:test:reuse:new", 9, &b, &auth, &id), 0);
	/* b is not subscribed to a's mailbox, and cannot end a's subscription. */
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(hsx_mbox_id(old_box), 9, &b), -ENOENT);
	post(old_box, 1);
	post(new_box, 2);
	for (i = 0; i < fake.n; i++) {
		if (fake.log[i].mbox_id == hsx_mbox_id(old_box))
			KUNIT_EXPECT_PTR_EQ(test, fake.log[i].dest, (void *)&a);
		else
			KUNIT_EXPECT_PTR_EQ(test, fake.log[i].dest, (void *)&b);
	}
	KUNIT_EXPECT_EQ(test, fake.n, 2U);

	/* URELEASE for a: a's subscriptions end, b's stay. */
	hsx_mbox_release_port(9);
	KUNIT_EXPECT_EQ(test, a.refs, 0);
	KUNIT_EXPECT_EQ(test, b.refs, 1);
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(hsx_mbox_id(new_box), 9, &b), 0);
	KUNIT_EXPECT_EQ(test, b.refs, 0);
	hsx_mbox_destroy(old_box, HSX_CLOSE_CANCELLED);
	hsx_mbox_destroy(new_box, HSX_CLOSE_CANCELLED);
}

/*
 * Inside a user namespace the share is its owner's: a user who maps a range
 * of subordinate uids is one user, not one per uid it uses.
 */
static void mbox_user_namespace_is_its_owners_share(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:userns");
	const struct cred *old;
	struct cred *cred;
	unsigned int i;
	u32 id;

	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->euid = KUIDT_INIT(1000);
	cred->fsuid = cred->euid;
	KUNIT_ASSERT_EQ(test, create_user_ns(cred), 0);
	KUNIT_ASSERT_TRUE(test, uid_eq(cred->user_ns->owner, KUIDT_INIT(1000)));
	for (i = 0; i < HSX_MBOX_USER_PER_MAILBOX; i++) {
		/* Each subscription under another uid of the owner's range. */
		cred->euid = KUIDT_INIT(100000 + i);
		old = override_creds(cred);
		KUNIT_EXPECT_TRUE(test, uid_eq(hsx_mbox_principal(), KUIDT_INIT(1000)));
		KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:userns", 700 + i, &id), 0);
		revert_creds(old);
	}
	cred->euid = KUIDT_INIT(100000 + i);
	old = override_creds(cred);
	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:userns", 700 + i, &id), -ENOSPC);
	revert_creds(old);
	put_cred(cred);

	/* A namespace root made (a container's range) is not one user: each uid is its own. */
	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->euid = GLOBAL_ROOT_UID;
	KUNIT_ASSERT_EQ(test, create_user_ns(cred), 0);
	cred->euid = KUIDT_INIT(200000);
	old = override_creds(cred);
	KUNIT_EXPECT_TRUE(test, uid_eq(hsx_mbox_principal(), KUIDT_INIT(200000)));
	KUNIT_EXPECT_EQ(test, test_subscribe("hal:test:userns", 800, &id), 0);
	revert_creds(old);
	put_cred(cred);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static void mbox_generation_changes_with_subscriptions(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:gen");
	unsigned int gen = hsx_mbox_generation();
	u32 id;

	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:gen", 1, &id), 0);
	KUNIT_EXPECT_NE(test, hsx_mbox_generation(), gen);
	gen = hsx_mbox_generation();
	post(mbox, 1);		/* events do not change the listing */
	KUNIT_EXPECT_EQ(test, hsx_mbox_generation(), gen);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
	KUNIT_EXPECT_NE(test, hsx_mbox_generation(), gen);
}

/* A full subscriber cannot miss the close notice: it is kept and retried. */
static void mbox_close_notice_is_retried_until_queued(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:orphan");
	struct hsx_mbox_stats stats;
	struct fake_delivery *d[4];
	u32 id;

	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:orphan", 1, &id), 0);
	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:orphan", 2, &id), 0);
	post(mbox, 1);
	fake.refuse[1] = -EAGAIN;
	post(mbox, 2);				/* dropped for port 1 */
	hsx_mbox_destroy(mbox, HSX_CLOSE_ADMIN);	/* its close notice cannot be queued */

	KUNIT_EXPECT_EQ(test, deliveries_for(1, d, ARRAY_SIZE(d)), 1U);
	KUNIT_EXPECT_EQ(test, hsx_mbox_retry_orphans(), 1U);
	hsx_mbox_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.subscriptions, 1ULL);	/* the orphan */
	KUNIT_EXPECT_EQ(test, stats.mailboxes, 0ULL);

	fake.refuse[1] = 0;			/* the reader drained its socket */
	KUNIT_EXPECT_EQ(test, hsx_mbox_retry_orphans(), 0U);
	KUNIT_ASSERT_EQ(test, deliveries_for(1, d, ARRAY_SIZE(d)), 2U);
	KUNIT_EXPECT_EQ(test, d[1]->type, (u16)HSX_EVT_CLOSED);
	KUNIT_EXPECT_EQ(test, d[1]->mbox_id, id);
	KUNIT_EXPECT_EQ(test, d[1]->seq, 3ULL);
	KUNIT_EXPECT_EQ(test, d[1]->dropped, 1U);
	KUNIT_EXPECT_EQ(test, d[1]->dropped_total, 1ULL);
	KUNIT_EXPECT_EQ(test, d[1]->close_reason, (u32)HSX_CLOSE_ADMIN);

	KUNIT_ASSERT_EQ(test, deliveries_for(2, d, ARRAY_SIZE(d)), 3U);
	KUNIT_EXPECT_EQ(test, d[2]->type, (u16)HSX_EVT_CLOSED);
	KUNIT_EXPECT_EQ(test, d[2]->seq, 3ULL);
	KUNIT_EXPECT_EQ(test, d[2]->dropped, 0U);
	hsx_mbox_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.subscriptions, 0ULL);
}

/* An orphan ends with its socket, or with an explicit close. */
static void mbox_orphans_end_with_their_socket(struct kunit *test)
{
	struct hsx_mbox *a = create(test, "hal:test:orphan:a");
	struct hsx_mbox *b = create(test, "hal:test:orphan:b");
	struct hsx_mbox_stats stats;
	u32 id_a, id_b;

	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:orphan:a", 1, &id_a), 0);
	KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:orphan:b", 2, &id_b), 0);
	fake.refuse[1] = -EAGAIN;
	fake.refuse[2] = -ENOBUFS;
	hsx_mbox_destroy(a, HSX_CLOSE_CANCELLED);
	hsx_mbox_destroy(b, HSX_CLOSE_CANCELLED);
	KUNIT_EXPECT_EQ(test, hsx_mbox_retry_orphans(), 2U);

	hsx_mbox_release_port(1);			/* socket closed */
	KUNIT_EXPECT_EQ(test, hsx_mbox_unsubscribe(id_b, 2, NULL), 0);	/* explicit close */
	KUNIT_EXPECT_EQ(test, hsx_mbox_retry_orphans(), 0U);
	hsx_mbox_get_stats(&stats);
	KUNIT_EXPECT_EQ(test, stats.subscriptions, 0ULL);
	KUNIT_EXPECT_EQ(test, fake.n, 0U);
}

/* Events lost before posting (an IRQ's full ring) count for every subscriber. */
static void mbox_lost_events_are_reported_to_every_subscriber(struct kunit *test)
{
	struct hsx_mbox *mbox = create(test, "hal:test:lost");
	struct fake_delivery *d[4];
	unsigned int port;
	u32 id;

	for (port = 1; port <= 2; port++)
		KUNIT_ASSERT_EQ(test, test_subscribe("hal:test:lost", port, &id), 0);
	post(mbox, 1);
	hsx_mbox_post_lost(mbox, 5);
	post(mbox, 2);
	for (port = 1; port <= 2; port++) {
		KUNIT_ASSERT_EQ(test, deliveries_for(port, d, ARRAY_SIZE(d)), 2U);
		KUNIT_EXPECT_EQ(test, d[0]->seq, 1ULL);
		KUNIT_EXPECT_EQ(test, d[1]->seq, 7ULL);
		KUNIT_EXPECT_EQ(test, d[1]->dropped, 5U);
		KUNIT_EXPECT_EQ(test, d[1]->dropped_total, 5ULL);
	}
	KUNIT_EXPECT_EQ(test, hsx_mbox_drops(mbox), 10ULL);
	hsx_mbox_destroy(mbox, HSX_CLOSE_CANCELLED);
}

static struct kunit_case hsx_mailbox_cases[] = {
	KUNIT_CASE(mbox_create_rejects_duplicates_and_long_names),
	KUNIT_CASE(mbox_subscribe_errors),
	KUNIT_CASE(mbox_hidden_refusals_read_as_missing),
	KUNIT_CASE(mbox_caps_mailbox_is_missing_to_others),
	KUNIT_CASE(mbox_posts_reach_every_subscriber_in_order),
	KUNIT_CASE(mbox_full_subscriber_drops_are_counted_and_reported),
	KUNIT_CASE(mbox_data_events_go_out_in_spares_made_ahead),
	KUNIT_CASE(mbox_closing_socket_is_not_a_drop),
	KUNIT_CASE(mbox_lost_events_are_reported_to_every_subscriber),
	KUNIT_CASE(mbox_release_port_ends_all_its_subscriptions),
	KUNIT_CASE(mbox_destroy_sends_closed_and_ends_subscriptions),
	KUNIT_CASE(mbox_close_notice_is_retried_until_queued),
	KUNIT_CASE(mbox_orphans_end_with_their_socket),
	KUNIT_CASE(mbox_close_token_ends_only_its_subscriptions),
	KUNIT_CASE(mbox_subscriber_limits),
	KUNIT_CASE(mbox_user_shares),
	KUNIT_CASE(mbox_user_namespace_is_its_owners_share),
	KUNIT_CASE(mbox_a_reused_port_number_gets_only_its_own),
	KUNIT_CASE(mbox_generation_changes_with_subscriptions),
	{}
};

static struct kunit_suite hsx_mailbox_suite = {
	.name = "hsx_mailbox",
	.init = mbox_test_init,
	.exit = mbox_test_exit,
	.test_cases = hsx_mailbox_cases,
};

kunit_test_suite(hsx_mailbox_suite);
