// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module instances (instance.c) through the test-only dummy module.
 * Instances come and go while files are open and operations run: once
 * removal returns, no operation runs on the instance and every later one
 * fails with -ENODEV; open files keep the memory until they close.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kernfs.h>
#include <linux/kthread.h>
#include <linux/sysfs.h>

#include "../core/cap.h"
#include "../core/core.h"
#include "../core/dev.h"
#include "../core/dispatch.h"
#include "../core/instance.h"
#include "../core/sysfs.h"
#include "core_rig.h"
#include "dummy.h"

static long ping(struct hsx_client *client)
{
	return hsx_dispatch(client, HSX_IOC_DUMMY_PING, 0);
}

static struct hsx_client *open_instance(struct kunit *test, struct hsx_instance *inst)
{
	struct hsx_client *client;

	client = hsx_client_create(hsx_dev_instance_node(inst), inst, true, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, client);
	return client;
}

static void instance_add_names_and_refuses(struct kunit *test)
{
	struct hsx_dummy_dev a = {}, b = {};
	struct hsx_instance *ia, *ib, *got;
	unsigned int minor;

	ia = hsx_dummy_add(0, &a);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ia);
	KUNIT_EXPECT_EQ(test, PTR_ERR(hsx_dummy_add(0, &b)), (long)-EEXIST);
	KUNIT_EXPECT_EQ(test, PTR_ERR(hsx_dummy_add(HSX_INSTANCE_MAX_INDEX, &b)), (long)-EINVAL);
	ib = hsx_dummy_add(3, &b);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ib);
	KUNIT_EXPECT_NE(test, ia->minor, ib->minor);
	KUNIT_EXPECT_GE(test, ia->minor, (unsigned int)HSX_DEV_INSTANCE_MINOR_FIRST);

	got = hsx_instance_get_by_minor(ib->minor);
	KUNIT_EXPECT_PTR_EQ(test, got, ib);
	if (!IS_ERR(got))
		hsx_instance_put(got);
	KUNIT_EXPECT_PTR_EQ(test, hsx_instance_of_dir(&ib->dir->kobj), ib);

	minor = ib->minor;
	hsx_instance_remove(ib);	/* the last reference: ib is freed */
	KUNIT_EXPECT_EQ(test, PTR_ERR(hsx_instance_get_by_minor(minor)), (long)-ENODEV);
	/* Its index is free again. */
	ib = hsx_dummy_add(3, &b);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ib);
	hsx_instance_remove(ib);
	hsx_instance_remove(ia);
}

static void instance_files_route_to_their_instance(struct kunit *test)
{
	struct hsx_dummy_dev a = {}, b = {};
	struct hsx_instance *ia = hsx_dummy_add(1, &a);
	struct hsx_instance *ib = hsx_dummy_add(2, &b);
	struct hsx_client *ca, *cb;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ia);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ib);
	ca = open_instance(test, ia);
	cb = open_instance(test, ib);
	KUNIT_EXPECT_EQ(test, ping(ca), 2L);
	KUNIT_EXPECT_EQ(test, ping(cb), 3L);
	KUNIT_EXPECT_EQ(test, atomic_read(&a.pings), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b.pings), 1);

	/* One instance goes: its file fails, the other's does not. */
	hsx_instance_remove(ia);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(a.alive));
	KUNIT_EXPECT_EQ(test, ping(ca), (long)-ENODEV);
	KUNIT_EXPECT_EQ(test, ping(cb), 3L);
	KUNIT_EXPECT_EQ(test, atomic_read(&a.after_gone), 0);
	/* The open file holds the last reference. */
	KUNIT_EXPECT_EQ(test, kref_read(&ia->ref), 1U);
	hsx_client_destroy(ca);
	hsx_client_destroy(cb);
	hsx_instance_remove(ib);
}

/*
 * ok_after: calls that began after the removal returned and still reached
 * the instance (a bug); one that began before may legitimately succeed.
 */
struct pinger {
	struct hsx_client *client;
	const bool *removed;
	atomic_t ok;
	atomic_t ok_after;
	atomic_t gone;
	atomic_t other;
};

static int pinger_fn(void *data)
{
	struct pinger *p = data;

	while (!kthread_should_stop()) {
		/* Pairs with the release after hsx_instance_remove() returned. */
		bool removed = smp_load_acquire(p->removed);
		long ret = ping(p->client);

		if (ret > 0)
			atomic_inc(removed ? &p->ok_after : &p->ok);
		else if (ret == -ENODEV)
			atomic_inc(&p->gone);
		else
			atomic_inc(&p->other);
		cond_resched();
	}
	return 0;
}

/* Removal while operations run on several files of the instance. */
static void instance_removed_under_load(struct kunit *test)
{
	struct hsx_dummy_dev dev = {};
	struct pinger p[3] = {};
	struct task_struct *t[3];
	struct hsx_instance *inst;
	unsigned int i, round;
	bool removed;

	for (round = 0; round < 5; round++) {
		removed = false;
		inst = hsx_dummy_add(5, &dev);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, inst);
		for (i = 0; i < ARRAY_SIZE(p); i++) {
			memset(&p[i], 0, sizeof(p[i]));
			p[i].removed = &removed;
			p[i].client = open_instance(test, inst);
			t[i] = kthread_run(pinger_fn, &p[i], "hsx-pinger%u", i);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t[i]);
		}
		while (atomic_read(&p[0].ok) < 100)
			usleep_range(100, 200);
		hsx_instance_remove(inst);
		/* From here on, every operation sees the instance gone. */
		smp_store_release(&removed, true);	/* pairs with pinger_fn()'s acquire */
		msleep(20);
		for (i = 0; i < ARRAY_SIZE(p); i++) {
			kthread_stop(t[i]);
			KUNIT_EXPECT_EQ(test, atomic_read(&p[i].ok_after), 0);
			KUNIT_EXPECT_GT(test, atomic_read(&p[i].gone), 0);
			KUNIT_EXPECT_EQ(test, atomic_read(&p[i].other), 0);
			hsx_client_destroy(p[i].client);
		}
		KUNIT_EXPECT_EQ(test, atomic_read(&dev.after_gone), 0);
	}
}

/*
 * What a module may rely on when an instance goes: its directory is gone
 * before instance_gone (no attribute reads priv after it); its name stays
 * taken until the removal is over; a file opened just before the removal
 * gets no module open on a gone instance; instance_release runs when the
 * last file closes, not before.
 */
static int gone_hook_add_ret;
static struct hsx_dummy_dev gone_hook_dev;

static void try_readd(struct hsx_instance *inst)
{
	struct hsx_instance *again = hsx_dummy_add(inst->index, &gone_hook_dev);

	gone_hook_add_ret = PTR_ERR_OR_ZERO(again);
	if (!IS_ERR(again))
		hsx_instance_remove(again);
}

static void instance_removal_keeps_its_promises(struct kunit *test)
{
	struct hsx_dummy_dev dev = {};
	struct hsx_instance *inst = hsx_dummy_add(4, &dev), *ref;
	const struct hsx_node *node;
	struct hsx_client *client;
	unsigned int minor;
	int releases;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, inst);
	node = hsx_dev_instance_node(inst);
	minor = inst->minor;
	client = open_instance(test, inst);
	/* An open that found the node, and has not made its client yet. */
	ref = hsx_instance_get_by_minor(minor);
	KUNIT_ASSERT_PTR_EQ(test, ref, inst);

	releases = atomic_read(&hsx_dummy_releases);
	hsx_dummy_gone_hook = try_readd;
	hsx_instance_remove(inst);
	hsx_dummy_gone_hook = NULL;
	KUNIT_EXPECT_FALSE(test, dev.dir_at_gone);
	KUNIT_EXPECT_EQ(test, gone_hook_add_ret, -EEXIST);

	KUNIT_EXPECT_EQ(test, PTR_ERR(hsx_client_create(node, ref, true, false)), (long)-ENODEV);
	hsx_instance_put(ref);
	KUNIT_EXPECT_EQ(test, atomic_read(&hsx_dummy_releases), releases);
	hsx_client_destroy(client);
	KUNIT_EXPECT_EQ(test, atomic_read(&hsx_dummy_releases), releases + 1);

	/* A new instance of the name gets another minor than the old one's. */
	inst = hsx_dummy_add(4, &dev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, inst);
	KUNIT_EXPECT_NE(test, inst->minor, minor);
	hsx_instance_remove(inst);
}

/* A module's attributes appear once its init succeeded, and go before its exit. */
static int probe_attr_seen_in_init;
static int probe_attr_seen_in_exit;

static ssize_t probe_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "1\n");
}

static struct kobj_attribute probe_attr = __ATTR_RO(probe);
static struct attribute *probe_attrs[] = { &probe_attr.attr, NULL };
static const struct attribute_group probe_group = { .attrs = probe_attrs };

static bool probe_attr_exists(const struct hsx_module *mod)
{
	struct kernfs_node *kn = kernfs_find_and_get(hsx_module_dir(mod)->sd, "probe");

	kernfs_put(kn);
	return kn;
}

static int probe_init(const struct hsx_module *mod)
{
	probe_attr_seen_in_init = probe_attr_exists(mod);
	return 0;
}

static void probe_exit(const struct hsx_module *mod)
{
	probe_attr_seen_in_exit = probe_attr_exists(mod);
}

static const struct hsx_module probe_module = {
	.id = HSX_MODULE_DUMMY - 1,
	.name = "probe",
	.sysfs_group = &probe_group,
	.init = probe_init,
	.exit = probe_exit,
};

static void module_attributes_follow_init_and_exit(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, hsx_module_up(&probe_module), 0);
	KUNIT_EXPECT_FALSE(test, probe_attr_seen_in_init);
	KUNIT_EXPECT_TRUE(test, probe_attr_exists(&probe_module));
	hsx_module_down(&probe_module);
	KUNIT_EXPECT_FALSE(test, probe_attr_seen_in_exit);
}

/* The module's own node has no device behind it: its functions say so. */
static void module_node_without_instance(struct kunit *test)
{
	struct hsx_dummy_dev dev = {};
	struct hsx_instance *inst = hsx_dummy_add(0, &dev);
	struct hsx_client *client;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, inst);
	client = hsx_client_create(hsx_dev_instance_node(inst), NULL, true, false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, client);
	KUNIT_EXPECT_EQ(test, ping(client), (long)-ENODEV);
	hsx_client_destroy(client);
	hsx_instance_remove(inst);
}

static int instance_suite_init(struct kunit_suite *suite)
{
	return hsx_test_core_up(&hsx_dummy_module);
}

static void instance_suite_exit(struct kunit_suite *suite)
{
	hsx_test_core_down(&hsx_dummy_module);
}

static struct kunit_case hsx_instance_cases[] = {
	KUNIT_CASE(instance_add_names_and_refuses),
	KUNIT_CASE(instance_files_route_to_their_instance),
	KUNIT_CASE(instance_removed_under_load),
	KUNIT_CASE(module_node_without_instance),
	KUNIT_CASE(instance_removal_keeps_its_promises),
	KUNIT_CASE(module_attributes_follow_init_and_exit),
	{}
};

static struct kunit_suite hsx_instance_suite = {
	.name = "hsx_instance",
	.suite_init = instance_suite_init,
	.suite_exit = instance_suite_exit,
	.test_cases = hsx_instance_cases,
};

kunit_test_suite(hsx_instance_suite);
