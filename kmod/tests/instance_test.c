// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module instances (instance.c) through the test-only dummy module.
 * Instances come and go while files are open and operations run: once
 * removal returns, no operation runs on the instance and every later one
 * fails with -ENODEV; open files keep the memory until they close.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>

#include "../core/cap.h"
#include "../core/core.h"
#include "../core/dev.h"
#include "../core/dispatch.h"
#include "../core/instance.h"
#include "../core/sysfs.h"
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

	hsx_instance_remove(ib);
	KUNIT_EXPECT_EQ(test, PTR_ERR(hsx_instance_get_by_minor(ib->minor)), (long)-ENODEV);
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
	int ret;

	ret = init_srcu_struct(&hsx_cap_srcu);
	if (ret)
		return ret;
	ret = hsx_sysfs_init();
	if (ret)
		goto err_srcu;
	ret = hsx_instance_init();
	if (ret)
		goto err_sysfs;
	ret = hsx_dev_init();
	if (ret)
		goto err_instance;
	ret = hsx_module_up(&hsx_dummy_module);
	if (ret)
		goto err_dev;
	return 0;

err_dev:
	hsx_dev_exit();
err_instance:
	hsx_instance_exit();
err_sysfs:
	hsx_sysfs_exit();
err_srcu:
	cleanup_srcu_struct(&hsx_cap_srcu);
	return ret;
}

static void instance_suite_exit(struct kunit_suite *suite)
{
	hsx_module_down(&hsx_dummy_module);
	hsx_dev_exit();
	hsx_instance_exit();
	hsx_sysfs_exit();
	cleanup_srcu_struct(&hsx_cap_srcu);
}

static struct kunit_case hsx_instance_cases[] = {
	KUNIT_CASE(instance_add_names_and_refuses),
	KUNIT_CASE(instance_files_route_to_their_instance),
	KUNIT_CASE(instance_removed_under_load),
	KUNIT_CASE(module_node_without_instance),
	{}
};

static struct kunit_suite hsx_instance_suite = {
	.name = "hsx_instance",
	.suite_init = instance_suite_init,
	.suite_exit = instance_suite_exit,
	.test_cases = hsx_instance_cases,
};

kunit_test_suite(hsx_instance_suite);
