/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A test-only HAL module: what a module with instances looks like to the
 * core, and nothing else. Built into the KUnit kernel and, with
 * HSX_TEST_MODULES=1, into a test build of hsx.ko.
 */
#ifndef _HSX_TESTS_DUMMY_H
#define _HSX_TESTS_DUMMY_H

#include "hsx_uapi.h"

#define HSX_MODULE_DUMMY	HSX_MODULE_TEST

/* Returns the instance's index + 1; needs READ. */
#define HSX_DUMMY_FN_PING	0x0
#define HSX_IOC_DUMMY_PING	_IO(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_DUMMY, HSX_DUMMY_FN_PING))

#ifdef __KERNEL__
struct hsx_instance;

/* Per instance; what instance_gone ends. */
struct hsx_dummy_dev {
	bool alive;
	bool allocated;		/* freed by instance_release (debugfs-made ones) */
	atomic_t pings;
	atomic_t after_gone;	/* operations that ran on a gone instance: a bug */
	bool dir_at_gone;	/* its directory still there at instance_gone: a bug */
};

struct hsx_instance *hsx_dummy_add(unsigned int index, struct hsx_dummy_dev *dev);

/* For the core's tests: called from instance_gone; instance_release count. */
extern void (*hsx_dummy_gone_hook)(struct hsx_instance *inst);
extern atomic_t hsx_dummy_releases;
#endif

#endif /* _HSX_TESTS_DUMMY_H */
