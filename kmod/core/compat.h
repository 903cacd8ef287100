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
#include <linux/fs.h>
#include <linux/kernfs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/nvmem-consumer.h>

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

/*
 * An nvmem device's size: nvmem_dev_size() since 6.6 (and where backported).
 * Before, the one place the core gives it out is its "nvmem" file in sysfs,
 * whose size the core sets to the part's (nvmem_bin_attr_is_visible());
 * 0 when there is no such file (CONFIG_NVMEM_SYSFS off): the binding then
 * needs the size from the admin.
 */
static inline size_t hsx_nvmem_file_size(struct device *dev)
{
	struct kernfs_node *kn = kernfs_find_and_get(dev->kobj.sd, "nvmem");
	size_t size = 0;

	if (kn) {
		if (kernfs_type(kn) == KERNFS_FILE)
			size = kn->attr.size;
		kernfs_put(kn);
	}
	return size;
}

/* The header declares nvmem_dev_size() only for a kernel with the nvmem core. */
#if defined(HSX_HAVE_NVMEM_DEV_SIZE) && IS_ENABLED(CONFIG_NVMEM)
static inline size_t hsx_nvmem_size(struct nvmem_device *nvmem, struct device *dev)
{
	return nvmem_dev_size(nvmem);
}
#else
static inline size_t hsx_nvmem_size(struct nvmem_device *nvmem, struct device *dev)
{
	return hsx_nvmem_file_size(dev);
}
#endif

/*
 * Whether an nvmem device takes no writes. The core exports no such test:
 * its "nvmem" file is made without write permission exactly then
 * (nvmem_bin_attr_get_umode(): read_only or no reg_write), in 6.1 and 6.12.
 */
static inline bool hsx_nvmem_read_only(struct device *dev)
{
	struct kernfs_node *kn = kernfs_find_and_get(dev->kobj.sd, "nvmem");
	bool read_only = false;

	if (kn) {
		read_only = kernfs_type(kn) == KERNFS_FILE && !(kn->mode & 0222);
		kernfs_put(kn);
	}
	return read_only;
}

/*
 * The FS module's VFS calls. 6.3 replaced the mount's user namespace with
 * its idmap as the first argument of the vfs_* calls and inode_permission().
 */
#ifdef HSX_HAVE_MNT_IDMAP
#define HSX_MNT_IDMAP(mnt) mnt_idmap(mnt)
static inline void hsx_renamedata_set(struct renamedata *rd, struct vfsmount *mnt)
{
	rd->old_mnt_idmap = mnt_idmap(mnt);
	rd->new_mnt_idmap = rd->old_mnt_idmap;
}
#else
#define HSX_MNT_IDMAP(mnt) mnt_user_ns(mnt)
static inline void hsx_renamedata_set(struct renamedata *rd, struct vfsmount *mnt)
{
	rd->old_mnt_userns = mnt_user_ns(mnt);
	rd->new_mnt_userns = rd->old_mnt_userns;
}
#endif

/* Exported since 2.6 but declared in fs/internal.h until 6.2's namei.h. */
#ifndef HSX_HAVE_VFS_PATH_LOOKUP_DECL
int vfs_path_lookup(struct dentry *dentry, struct vfsmount *mnt, const char *name,
		    unsigned int flags, struct path *path);
#endif

/*
 * 6.8 moved file_start_write() into vfs_iter_write() (the same series
 * added file_write_not_started(), which the probe looks for): before, the
 * caller takes the filesystem's freeze protection; after, taking it too
 * would take it twice (lockdep's recursive locking, and a freeze between
 * the two hangs the writer).
 */
static inline ssize_t hsx_vfs_iter_write(struct file *file, struct iov_iter *from, loff_t *pos)
{
#ifdef HSX_HAVE_ITER_WRITE_FREEZES
	return vfs_iter_write(file, from, pos, 0);
#else
	ssize_t ret;

	file_start_write(file);
	ret = vfs_iter_write(file, from, pos, 0);
	file_end_write(file);
	return ret;
#endif
}

#endif /* _HSX_COMPAT_H */
