/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels hsx.ko supports (6.1 .. 6.12 and
 * later) is absorbed here, so the rest of the module reads as if written for
 * one kernel. The HSX_HAVE_* switches come from probing the kernel's headers
 * at build time (see Kbuild and kmod/Makefile), which also gets backports
 * in distribution kernels right.
 */
#ifndef _HSX_COMPAT_H
#define _HSX_COMPAT_H

#include <linux/device.h>
#include <linux/gpio/driver.h>
#include <linux/can/core.h>
#include <linux/can/skb.h>
#include <linux/hrtimer.h>

/* 6.4 dropped the owner argument of class_create(). */
#ifdef HSX_HAVE_CLASS_CREATE_OWNER
#define hsx_class_create(name) class_create(THIS_MODULE, name)
#else
#define hsx_class_create(name) class_create(name)
#endif

/* 6.2 made the device argument of class->devnode() const. */
#ifdef HSX_HAVE_CONST_DEVNODE
#define HSX_DEVNODE_CONST const
#else
#define HSX_DEVNODE_CONST
#endif

/* 6.13 added hrtimer_setup(); 6.16 removed hrtimer_init(). */
#ifdef HSX_HAVE_HRTIMER_SETUP
#define hsx_hrtimer_setup(timer, fn, clock, mode) hrtimer_setup(timer, fn, clock, mode)
#else
static inline void hsx_hrtimer_setup(struct hrtimer *timer,
				     enum hrtimer_restart (*fn)(struct hrtimer *),
				     clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
}
#endif

/*
 * 6.7 replaced gpiochip_find() by gpio_device_find(), which returns a
 * reference and passes a const data pointer. Either way the match callback
 * runs under gpiolib's list lock: it copies what it needs there.
 */
#ifdef HSX_HAVE_GPIO_DEVICE_FIND
#define HSX_GPIO_MATCH_CONST const
static inline bool hsx_gpiochip_find(void *data,
				     int (*match)(struct gpio_chip *gc, const void *data))
{
	struct gpio_device *gdev = gpio_device_find(data, match);

	if (!gdev)
		return false;
	gpio_device_put(gdev);
	return true;
}
#else
#define HSX_GPIO_MATCH_CONST
static inline bool hsx_gpiochip_find(void *data, int (*match)(struct gpio_chip *gc, void *data))
{
	return gpiochip_find(data, match);
}
#endif

/*
 * The void remove callback of a platform driver: remove() since 6.11,
 * remove_new() before (6.3, and backported to Debian's 6.1).
 */
#ifdef HSX_HAVE_VOID_PLATFORM_REMOVE
#define hsx_platform_remove remove
#else
#define hsx_platform_remove remove_new
#endif

/*
 * Line disciplines' receive callbacks took (const char *fp, int count) and
 * returned int before 6.6, then (const u8 *fp, size_t count) returning size_t.
 */
#ifdef HSX_HAVE_LDISC_U8
#define HSX_LDISC_FLAG u8
#define HSX_LDISC_COUNT size_t
#else
#define HSX_LDISC_FLAG char
#define HSX_LDISC_COUNT int
#endif

/*
 * A sent CAN frame's mark, can_skb_priv.skbcnt, is the CAN core's own unique
 * number from can_set_skb_uid(), exported since 6.1.1xx and 6.9. Before, a
 * number of hsx's own, from the top half of the range: the core counts up
 * from 1, so the two meet only after 2^31 frames (can-raw tells frames apart
 * by skb pointer and mark together, so a meeting would also need the same skb).
 */
#ifdef HSX_HAVE_CAN_SET_SKB_UID
#define hsx_can_set_skb_uid(skb) can_set_skb_uid(skb)
#else
static inline void hsx_can_set_skb_uid(struct sk_buff *skb)
{
	static atomic_t hsx_can_uid = ATOMIC_INIT(0);

	can_skb_prv(skb)->skbcnt = 0x80000000U | (u32)atomic_inc_return(&hsx_can_uid);
}
#endif

#endif /* _HSX_COMPAT_H */
