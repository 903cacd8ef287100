// SPDX-License-Identifier: GPL-2.0
/*
 * The FRAM module's devices: binding a device to an nvmem device of the
 * kernel (fram_map, the admin's HSX_IOC_FRAM_MAP, the device tree through
 * fram_fw.c, whose bindings the admin cannot change), the part's layout (the
 * application's bytes, then the reserved area of the wear counts), the wear
 * counts and their write-back, the provider going away, /sys/hal/fram/<n>.
 *
 * Locking, outermost first: a provider's device lock (its driver unbinding
 * holds it while it calls the bus's notifiers; binding holds it while it
 * checks that the driver is there and lists the device), the bus's notifier
 * rwsem, hsx_fram_bind_mutex (binding, unbinding, the slots the device tree
 * reserves), hsx_fram_devs_lock (the table and each device's inst pointer),
 * a device's io_lock (writes to the part, the wear counts).
 * hsx_fram_watch_mutex (the watched buses) is taken alone: a notifier is
 * never registered or unregistered under another of these (registering
 * takes the rwsem, which the notifier holds while it takes
 * hsx_fram_bind_mutex). fram_fw.c's probe and remove run under the device
 * lock of their node's device and its hsx_fram_fw_lock, outside all of
 * these but the watch mutex, and take no provider's device lock: the probe
 * reserves the node's slots and leaves the binding to hsx_fram_fw_work,
 * which takes each provider's device lock holding no other, so a node's and
 * a provider's device locks never nest, whatever the provider is to the
 * node (its parent too). Nothing waits for that work under a device lock
 * (module init flushes it and exit cancels it, holding none). Its driver is
 * registered and unregistered holding none of these locks.
 *
 * The device tree's slots. While an hsx,fram node is bound, each device it
 * names is reserved for it (hsx_fram_fw_slots[], the full path of the
 * provider's firmware node), bound or not: the admin cannot map or unmap
 * it (EOPNOTSUPP) nor map its part elsewhere (EBUSY). A provider's driver unbinding, or the
 * provider deleted, unbinds the devices on that provider only (the bus
 * notifier, as for any binding); the notifier of a driver binding to a
 * device of a reserved provider's firmware node (the same device, or a new
 * one made for that node) queues hsx_fram_fw_work, which binds the slot
 * again, with its number, bytes and wear counts.
 *
 * Lifetimes. A device holds its nvmem device (and with it the provider's
 * module) from binding until its instance is gone, and its provider's
 * struct device until its memory goes. The nvmem core keeps the nvmem
 * device's memory while it is held but not the driver behind it, so the
 * binding must end before the driver goes: a notifier on the provider's bus
 * (one per bus, from the first binding on it to module exit) unbinds the
 * device when the provider's driver unbinds or the provider is deleted,
 * synchronously, while the part still works (the wear counts are written
 * back then). A reserved slot keeps its provider's node's path, and holds
 * nothing of the node.
 */
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nvmem-consumer.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "binding.h"
#include "compat.h"
#include "core.h"
#include "fram.h"
#include "instance.h"

static char *fram_map;
module_param(fram_map, charp, 0444);
MODULE_PARM_DESC(fram_map,
		 "bind FRAM devices to nvmem devices at load: DEV=NAME[,...], e.g. 0=spi0.0");

static DEFINE_MUTEX(hsx_fram_bind_mutex);
/* Guards hsx_fram_devs[] and each device's inst pointer. */
static DEFINE_SPINLOCK(hsx_fram_devs_lock);
static struct hsx_fram_dev *hsx_fram_devs[HSX_FRAM_MAX_DEVICES];
/*
 * Under hsx_fram_bind_mutex: the full path of the provider's firmware node of
 * each slot the device tree reserves. A path, not a reference: a provider
 * removed at run time (an overlay, a software node) must be freed, and one
 * put back is a new node at the same path, which the slot must still take.
 */
static char *hsx_fram_fw_slots[HSX_FRAM_MAX_DEVICES];
/* The wear counts' write-backs, and the device tree's bindings. */
static struct workqueue_struct *hsx_fram_wq;
static void hsx_fram_fw_work_fn(struct work_struct *work);
static DECLARE_WORK(hsx_fram_fw_work, hsx_fram_fw_work_fn);

/* ---- the part ----------------------------------------------------------------- */

/**
 * hsx_fram_layout - where a part's reserved area goes
 * @part_size: the part's bytes
 * @size: set to the application's bytes
 * @reserved: set to the reserved area's bytes (0: the counts stay in memory)
 * @nblocks: set to the part's blocks of HSX_FRAM_BLOCK_SIZE
 *
 * The wear counts (one __le32 per block of the part) are a record of
 * HSX_FRAM_WEAR_SLOTS slots at the end of the part, in whole blocks.
 */
void hsx_fram_layout(u32 part_size, u32 *size, u32 *reserved, u32 *nblocks)
{
	u32 slot;

	*nblocks = DIV_ROUND_UP(part_size, HSX_FRAM_BLOCK_SIZE);
	*reserved = 0;
	if (part_size >= HSX_FRAM_WEAR_MIN_SIZE) {
		slot = round_up(HSX_FRAM_HEADER_SIZE + *nblocks * sizeof(__le32), 8);
		*reserved = round_up(HSX_FRAM_WEAR_SLOTS * slot, HSX_FRAM_BLOCK_SIZE);
	}
	*size = part_size - *reserved;
}

static struct hsx_fram_group hsx_fram_wear_group(const struct hsx_fram_dev *fd)
{
	return (struct hsx_fram_group) {
		.base = fd->size,
		.slot_size = fd->reserved / HSX_FRAM_WEAR_SLOTS / 8 * 8,
		.slots = HSX_FRAM_WEAR_SLOTS,
		.id = 0,
	};
}

/**
 * hsx_fram_io - read or write the part, whole or not at all
 * @fd: the device, its nvmem device held
 * @write: write @buf, else read into it
 * @addr: the part's address
 * @len: bytes; 0 does nothing
 * @buf: kernel memory
 *
 * The nvmem core checks no range and some drivers (at25) cut a read short
 * without saying so: the range is checked here against the whole part.
 *
 * Return: 0, -EINVAL (outside the part) or the provider's error (-EIO for
 * a short transfer).
 */
int hsx_fram_io(struct hsx_fram_dev *fd, bool write, u32 addr, u32 len, void *buf)
{
	int ret;

	if (!len)
		return 0;
	if (addr >= fd->part_size || len > fd->part_size - addr)
		return -EINVAL;
	if (write)
		ret = nvmem_device_write(fd->nvmem, addr, len, buf);
	else
		ret = nvmem_device_read(fd->nvmem, addr, len, buf);
	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EIO;
}

/* ---- wear --------------------------------------------------------------------- */

/*
 * @len bytes at @addr were written: one more write for each block they
 * touch, to be written back. Context: under io_lock.
 */
void hsx_fram_count_writes(struct hsx_fram_dev *fd, u32 addr, u32 len)
{
	u32 b, last;

	lockdep_assert_held(&fd->io_lock);
	if (!len)
		return;
	last = (addr + len - 1) / HSX_FRAM_BLOCK_SIZE;
	for (b = addr / HSX_FRAM_BLOCK_SIZE; b <= last && b < fd->nblocks; b++)
		if (fd->wear[b] != U32_MAX)
			WRITE_ONCE(fd->wear[b], fd->wear[b] + 1);
	if (fd->reserved && !fd->wear_dirty) {
		fd->wear_dirty = true;
		queue_delayed_work(hsx_fram_wq, &fd->wear_work,
				   msecs_to_jiffies(HSX_FRAM_WEAR_FLUSH_MS));
	}
}

/* Write the counts back if the part lacks some. Context: under io_lock. */
static int hsx_fram_wear_flush_locked(struct hsx_fram_dev *fd)
{
	struct hsx_fram_group g = hsx_fram_wear_group(fd);
	__le32 *counts;
	u64 seq;
	u32 b;
	int ret;

	lockdep_assert_held(&fd->io_lock);
	if (!fd->wear_dirty)
		return 0;
	counts = kvmalloc_array(fd->nblocks, sizeof(*counts), GFP_KERNEL);
	if (!counts)
		return -ENOMEM;
	for (b = 0; b < fd->nblocks; b++)
		counts[b] = cpu_to_le32(fd->wear[b]);
	ret = hsx_fram_record_write(fd, &g, counts, fd->nblocks * sizeof(*counts), false, &seq);
	kvfree(counts);
	if (ret) {
		atomic64_inc(&fd->wear_failures);
		return ret;
	}
	fd->wear_dirty = false;
	return 0;
}

static void hsx_fram_wear_work(struct work_struct *work)
{
	struct hsx_fram_dev *fd = container_of(to_delayed_work(work), struct hsx_fram_dev,
					       wear_work);

	mutex_lock(&fd->io_lock);
	/* A failed write-back is tried again after the next interval. */
	if (hsx_fram_wear_flush_locked(fd))
		queue_delayed_work(hsx_fram_wq, &fd->wear_work,
				   msecs_to_jiffies(HSX_FRAM_WEAR_FLUSH_MS));
	mutex_unlock(&fd->io_lock);
}

/* At binding: the counts the part keeps, or none yet. */
static int hsx_fram_wear_load(struct hsx_fram_dev *fd)
{
	struct hsx_fram_group g = hsx_fram_wear_group(fd);
	u32 len, flags, b;
	__le32 *counts;
	u64 seq;
	int ret;

	if (!fd->reserved)
		return 0;
	counts = kvmalloc(g.slot_size - HSX_FRAM_HEADER_SIZE, GFP_KERNEL);
	if (!counts)
		return -ENOMEM;
	ret = hsx_fram_record_read(fd, &g, counts, &len, &seq, &flags);
	if (flags & HSX_FRAM_REC_F_CORRUPT)
		pr_warn("fram: %s: a copy of the wear counts failed its CRC; the last good one is used\n",
			fd->name);
	if (ret == -ENODATA) {
		ret = 0;	/* a part hsx never wrote to: no writes yet */
	} else if (ret == -EBADMSG) {
		/* Every copy is damaged: counting starts again, the part stays usable. */
		pr_warn("fram: %s: no copy of the wear counts is whole; they start from 0\n",
			fd->name);
		ret = 0;
	} else if (!ret) {
		for (b = 0; b < fd->nblocks && b < len / sizeof(*counts); b++)
			fd->wear[b] = le32_to_cpu(counts[b]);
	}
	kvfree(counts);
	return ret;
}

/* ---- binding ------------------------------------------------------------------ */

/* Whether a name is one an nvmem device could have. */
bool hsx_fram_name_ok(const char *name)
{
	const char *p;

	if (!*name || strlen(name) >= HSX_FRAM_NAME_MAX)
		return false;
	for (p = name; *p; p++)
		if (!isgraph(*p) || *p == '/' || *p == ',' || *p == '=')
			return false;
	return true;
}

/*
 * An nvmem device by its name, by its provider's firmware node, or by that
 * node's path; its device, found.
 */
struct hsx_fram_find {
	const char *name;
	const struct fwnode_handle *provider;
	const char *path;
	struct device *dev;
	/* hsx_fram_attach(): only a part of this provider, which it holds locked. */
	const struct device *parent;
	/* hsx_fram_provider_of(): the match takes the provider, and says no. */
	bool provider_only;
	bool found;
	struct device *provider_dev;
};

/*
 * Is @fwnode the node at @path ("%pfwf")? Context: may sleep (a path longer
 * than the stack's buffer is formatted into an allocation).
 */
static bool hsx_fram_fw_is(const char *path, const struct fwnode_handle *fwnode)
{
	char buf[96], *name = buf;
	size_t len;
	bool same;

	if (!path || !fwnode)
		return false;
	len = snprintf(buf, sizeof(buf), "%pfwf", fwnode);
	if (len != strlen(path))
		return false;
	if (len >= sizeof(buf)) {
		name = kasprintf(GFP_KERNEL, "%pfwf", fwnode);
		if (!name)
			return false;	/* not told: the driver's next binding asks again */
	}
	same = !strcmp(name, path);
	if (name != buf)
		kfree(name);
	return same;
}

/* nvmem_device_find()'s match; keep the nvmem device's device. */
static int hsx_fram_match(struct device *dev, const void *data)
{
	struct hsx_fram_find *find = (struct hsx_fram_find *)data;
	bool match;

	/* A compare, no dereference: another provider's part may be going. */
	if (find->parent && dev->parent != find->parent)
		return 0;
	/* Found: the rest of the bus is not looked at (nor their parents). */
	if (find->provider_only && (find->found || !device_is_registered(dev)))
		return 0;
	if (find->name)
		match = !strcmp(dev_name(dev), find->name);
	else if (!dev->parent)
		match = false;
	else if (find->provider)
		match = dev_fwnode(dev->parent) == find->provider;
	else
		match = hsx_fram_fw_is(find->path, dev_fwnode(dev->parent));
	if (match && find->provider_only) {
		/*
		 * Still registered, so still its parent's child: that reference
		 * goes only when it is deleted, which narrows, not closes, the
		 * window a provider being deleted leaves (as for any reader of
		 * a device's parent).
		 */
		if (dev->parent && dev->parent->bus)
			find->provider_dev = get_device(dev->parent);
		find->found = true;
		return 0;
	}
	if (match)
		find->dev = dev;
	return match;
}

/*
 * The provider of the nvmem device @find names (its parent, on a bus),
 * referenced, without a reference to the nvmem device: the nvmem core takes
 * one after it found the device, unlocked, and one taken while the last goes
 * (its provider's driver unbinding) is a kref_get() on zero. Only the part
 * itself is taken, of that provider alone and under its device lock, while
 * its driver is bound (hsx_fram_attach()).
 *
 * Return: the provider, or ERR_PTR(): -EOPNOTSUPP without the nvmem core,
 * -ENODEV no such nvmem device, -EINVAL one without a provider on a bus.
 */
static struct device *hsx_fram_provider_of(struct hsx_fram_find *find)
{
	struct nvmem_device *nvmem;

	find->provider_only = true;
	find->found = false;
	find->provider_dev = NULL;
	nvmem = nvmem_device_find(find, hsx_fram_match);
	find->provider_only = false;
	if (!nvmem)
		return ERR_PTR(-EOPNOTSUPP);
	if (!IS_ERR(nvmem))		/* never: the match says no */
		nvmem_device_put(nvmem);
	if (!find->found)
		return ERR_PTR(-ENODEV);
	return find->provider_dev ?: ERR_PTR(-EINVAL);
}

static void hsx_fram_unbind_locked(struct hsx_fram_dev *fd, bool driver_went);

/* Is slot @i reserved for the node at @path? Context: under hsx_fram_bind_mutex. */
static bool hsx_fram_fw_slot_is(unsigned int i, const char *path)
{
	return path && hsx_fram_fw_slots[i] && !strcmp(hsx_fram_fw_slots[i], path);
}

/*
 * A slot the device tree reserves for @dev's firmware node and not bound;
 * true also when that cannot be told (no memory for the node's path): the
 * work then looks, and finds the provider by the slot's own path.
 * Context: under hsx_fram_bind_mutex.
 */
static bool hsx_fram_fw_waiting(const struct fwnode_handle *fwnode)
{
	char *path;
	bool waiting = false;
	unsigned int i;

	lockdep_assert_held(&hsx_fram_bind_mutex);
	if (!fwnode)
		return false;
	path = kasprintf(GFP_KERNEL, "%pfwf", fwnode);
	if (!path)
		return true;
	for (i = 0; i < HSX_FRAM_MAX_DEVICES && !waiting; i++)
		waiting = !hsx_fram_devs[i] && hsx_fram_fw_slot_is(i, path);
	kfree(path);
	return waiting;
}

#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
/* For KUnit: does a reserved slot not bound wait for @fwnode's provider? */
bool hsx_fram_fw_test_waits_for(const struct fwnode_handle *fwnode)
{
	bool waiting;

	mutex_lock(&hsx_fram_bind_mutex);
	waiting = hsx_fram_fw_waiting(fwnode);
	mutex_unlock(&hsx_fram_bind_mutex);
	return waiting;
}
#endif

/*
 * The provider's driver is unbinding, or the provider goes: end its
 * bindings first. A driver bound to a reserved slot's provider: bind the
 * slot again, from hsx_fram_fw_work (the caller holds the provider's device
 * lock, which binding takes).
 */
static int hsx_fram_provider_event(struct notifier_block *nb, unsigned long action, void *data)
{
	struct device *dev = data;
	bool waiting;
	unsigned int i;

	if (action == BUS_NOTIFY_BOUND_DRIVER) {
		mutex_lock(&hsx_fram_bind_mutex);
		waiting = hsx_fram_fw_waiting(dev_fwnode(dev));
		mutex_unlock(&hsx_fram_bind_mutex);
		if (!waiting)
			return NOTIFY_DONE;
		queue_work(hsx_fram_wq, &hsx_fram_fw_work);
		return NOTIFY_OK;
	}
	if (action != BUS_NOTIFY_UNBIND_DRIVER && action != BUS_NOTIFY_DEL_DEVICE)
		return NOTIFY_DONE;
	mutex_lock(&hsx_fram_bind_mutex);
	for (i = 0; i < HSX_FRAM_MAX_DEVICES; i++)
		if (hsx_fram_devs[i] && hsx_fram_devs[i]->provider == dev)
			hsx_fram_unbind_locked(hsx_fram_devs[i], true);
	mutex_unlock(&hsx_fram_bind_mutex);
	return NOTIFY_OK;
}

/* The buses providers of bound devices are on: a notifier each, until exit. */
#define HSX_FRAM_WATCHED_BUSES	4
static DEFINE_MUTEX(hsx_fram_watch_mutex);
static struct hsx_fram_watch {
	typeof(((struct device *)NULL)->bus) bus;
	struct notifier_block nb;
} hsx_fram_watches[HSX_FRAM_WATCHED_BUSES];

/* Watch @bus from now on. Context: holding none of the module's other locks. */
static int hsx_fram_watch_bus(typeof(((struct device *)NULL)->bus) bus)
{
	struct hsx_fram_watch *free = NULL;
	unsigned int i;
	int ret = 0;

	mutex_lock(&hsx_fram_watch_mutex);
	for (i = 0; i < HSX_FRAM_WATCHED_BUSES; i++) {
		if (hsx_fram_watches[i].bus == bus)
			goto out;
		if (!hsx_fram_watches[i].bus && !free)
			free = &hsx_fram_watches[i];
	}
	ret = -ENOSPC;		/* parts on more kinds of bus than any board has */
	if (!free)
		goto out;
	free->nb.notifier_call = hsx_fram_provider_event;
	ret = bus_register_notifier(bus, &free->nb);
	if (!ret)
		free->bus = bus;
out:
	mutex_unlock(&hsx_fram_watch_mutex);
	return ret;
}

static void hsx_fram_unwatch_buses(void)
{
	unsigned int i;

	mutex_lock(&hsx_fram_watch_mutex);
	for (i = 0; i < HSX_FRAM_WATCHED_BUSES; i++) {
		if (hsx_fram_watches[i].bus)
			bus_unregister_notifier(hsx_fram_watches[i].bus, &hsx_fram_watches[i].nb);
		hsx_fram_watches[i].bus = NULL;
	}
	mutex_unlock(&hsx_fram_watch_mutex);
}

static struct hsx_fram_dev *hsx_fram_dev_alloc(unsigned int index, bool from_dt)
{
	struct hsx_fram_dev *fd = kzalloc(sizeof(*fd), GFP_KERNEL);

	if (!fd)
		return NULL;
	fd->index = index;
	fd->from_dt = from_dt;
	mutex_init(&fd->io_lock);
	INIT_DELAYED_WORK(&fd->wear_work, hsx_fram_wear_work);
	return fd;
}

static void hsx_fram_dev_free(struct hsx_fram_dev *fd)
{
	if (fd->provider)
		put_device(fd->provider);
	kvfree(fd->wear);
	kfree(fd);
}

/*
 * The nvmem device @find names, its size (@size if the kernel cannot tell,
 * which it must not contradict) and its provider, held in @fd.
 */
static int hsx_fram_attach(struct hsx_fram_dev *fd, struct hsx_fram_find *find, u32 size)
{
	struct nvmem_device *nvmem;
	u64 part;

	/*
	 * Its driver bound, under its device lock: the driver's own reference
	 * to the part stays until its unbinding, which needs that lock.
	 */
	if (!fd->provider->driver)
		return -ENODEV;
	find->dev = NULL;
	find->parent = fd->provider;
	nvmem = nvmem_device_find(find, hsx_fram_match);
	find->parent = NULL;
	/* A kernel without the nvmem core answers NULL. */
	if (IS_ERR_OR_NULL(nvmem))
		return nvmem ? -ENODEV : -EOPNOTSUPP;
	fd->nvmem = nvmem;
	/* Only this provider's part is matched. */
	if (WARN_ON_ONCE(find->dev->parent != fd->provider)) {
		nvmem_device_put(nvmem);
		fd->nvmem = NULL;
		return -ENODEV;
	}
	strscpy(fd->name, dev_name(find->dev), sizeof(fd->name));
	part = hsx_nvmem_size(nvmem, find->dev);
	if (!part)
		part = size;
	if (!part || (size && size != part) || part > HSX_FRAM_PART_MAX) {
		nvmem_device_put(nvmem);
		fd->nvmem = NULL;
		return -EINVAL;
	}
	fd->part_size = part;
	if (hsx_nvmem_read_only(find->dev))
		fd->flags |= HSX_FRAM_F_READ_ONLY;
	return 0;
}

/*
 * The provider of the part @find names, held in @fd, without holding its
 * nvmem device: a reference held while the provider's driver unbinds keeps
 * the nvmem device registered after the driver is gone, and a new binding
 * of the driver then finds its name taken.
 */
static int hsx_fram_find_provider(struct hsx_fram_dev *fd, struct hsx_fram_find *find)
{
	struct device *provider = hsx_fram_provider_of(find);

	/* -EINVAL: a provider nothing can watch going. */
	if (IS_ERR(provider))
		return PTR_ERR(provider);
	fd->provider = provider;
	return 0;
}

/*
 * May @fd take its slot? The candidate's path is formatted once: no memory
 * for it is -ENOMEM, never a slot taken from the tree by mistake.
 * Context: under hsx_fram_bind_mutex.
 */
static int hsx_fram_bind_slot_free(struct hsx_fram_dev *fd)
{
	const struct fwnode_handle *fwnode = dev_fwnode(fd->provider);
	char *path = NULL;
	unsigned int i;
	int ret = 0;

	if (fwnode) {
		path = kasprintf(GFP_KERNEL, "%pfwf", fwnode);
		if (!path)
			return -ENOMEM;
	}
	/* The tree's slot: only for the tree's binding, and only while reserved. */
	if (fd->from_dt && !hsx_fram_fw_slot_is(fd->index, path))
		ret = -ENODEV;
	else if (!fd->from_dt && hsx_fram_fw_slots[fd->index])
		ret = -EOPNOTSUPP;
	else if (hsx_fram_devs[fd->index])
		ret = -EBUSY;
	for (i = 0; i < HSX_FRAM_MAX_DEVICES && !ret; i++) {
		if (hsx_fram_devs[i] && !strcmp(hsx_fram_devs[i]->name, fd->name))
			ret = -EBUSY;
		/* A part the tree reserves, bound or not, is its slot's only. */
		else if (!fd->from_dt && hsx_fram_fw_slot_is(i, path))
			ret = -EBUSY;
	}
	kfree(path);
	return ret;
}

/*
 * Make @fd, attached to its part, device @fd->index. Context: under the
 * provider's device lock and hsx_fram_bind_mutex.
 */
static int hsx_fram_bind_locked(struct hsx_fram_dev *fd)
{
	struct hsx_instance *inst;
	int ret;

	lockdep_assert_held(&hsx_fram_bind_mutex);
	ret = hsx_fram_bind_slot_free(fd);
	if (ret)
		return ret;
	/* Its driver unbinding, or gone: the notifier ran, or runs with nothing to see. */
	if (!fd->provider->driver)
		return -ENODEV;
	hsx_fram_layout(fd->part_size, &fd->size, &fd->reserved, &fd->nblocks);
	if (!fd->reserved || (fd->flags & HSX_FRAM_F_READ_ONLY))
		fd->flags |= HSX_FRAM_F_WEAR_VOLATILE;
	if (fd->flags & HSX_FRAM_F_READ_ONLY) {
		/* Nothing is written: no counts, and the whole part is the application's. */
		fd->reserved = 0;
		fd->size = fd->part_size;
	}
	fd->wear = kvcalloc(fd->nblocks, sizeof(*fd->wear), GFP_KERNEL);
	if (!fd->wear)
		return -ENOMEM;
	ret = hsx_fram_wear_load(fd);
	if (ret)
		return ret;

	spin_lock(&hsx_fram_devs_lock);
	hsx_fram_devs[fd->index] = fd;
	spin_unlock(&hsx_fram_devs_lock);
	/* The node last: the device is whole before anyone can open it. */
	inst = hsx_instance_add(&hsx_fram_module, fd->index, 0666, &hsx_fram_dev_group, fd);
	if (IS_ERR(inst)) {
		spin_lock(&hsx_fram_devs_lock);
		hsx_fram_devs[fd->index] = NULL;
		spin_unlock(&hsx_fram_devs_lock);
		return PTR_ERR(inst);
	}
	spin_lock(&hsx_fram_devs_lock);
	fd->inst = inst;
	spin_unlock(&hsx_fram_devs_lock);
	pr_info("fram: device %u bound to %s (%u bytes, %u for applications)\n", fd->index,
		fd->name, fd->part_size, fd->size);
	return 0;
}

/*
 * Bind @index to the nvmem device @find names: find its provider and watch
 * the provider's bus first, then, under the provider's device lock (which
 * an unbinding of its driver holds throughout), take the part, see that the
 * driver is there and list the device, so that the notifier of any later
 * unbinding finds it. @from_dt: for the device tree's reserved slot.
 * Context: holding none of the module's locks, nor any device lock.
 */
static int hsx_fram_bind(unsigned int index, struct hsx_fram_find *find, u32 size, bool from_dt)
{
	struct hsx_fram_dev *fd;
	int ret;

	fd = hsx_fram_dev_alloc(index, from_dt);
	if (!fd)
		return -ENOMEM;
	ret = hsx_fram_find_provider(fd, find);
	if (!ret)
		ret = hsx_fram_watch_bus(fd->provider->bus);
	if (ret)
		goto err_free;
	/* The part is held only under the provider's lock, which its unbinding needs. */
	device_lock(fd->provider);
	ret = hsx_fram_attach(fd, find, size);
	if (!ret) {
		mutex_lock(&hsx_fram_bind_mutex);
		ret = hsx_fram_bind_locked(fd);
		mutex_unlock(&hsx_fram_bind_mutex);
		if (ret)
			nvmem_device_put(fd->nvmem);
	}
	device_unlock(fd->provider);
	if (!ret)
		return 0;
err_free:
	hsx_fram_dev_free(fd);
	return ret;
}

/*
 * The instance goes (its users see -ENODEV; instance_gone writes the counts
 * back and lets go of the nvmem device); the memory with the last
 * reference. Context: under hsx_fram_bind_mutex.
 */
static void hsx_fram_unbind_locked(struct hsx_fram_dev *fd, bool driver_went)
{
	lockdep_assert_held(&hsx_fram_bind_mutex);
	spin_lock(&hsx_fram_devs_lock);
	hsx_fram_devs[fd->index] = NULL;
	spin_unlock(&hsx_fram_devs_lock);
	WRITE_ONCE(fd->dead, true);
	pr_info("fram: device %u unbound from %s%s\n", fd->index, fd->name,
		driver_went ? " (its driver went)" : "");
	hsx_instance_remove(fd->inst);
}

/**
 * hsx_fram_map_dev - bind a device to an nvmem device, or unbind it
 * @index: the device
 * @name: the nvmem device's name; "" unbinds the device
 * @size: the part's size if the kernel cannot tell it, else 0
 *
 * Return: 0, -EBUSY (the device or the nvmem device is bound), -ENODEV (no
 * such nvmem device), -EINVAL (a size that is not the part's, or none),
 * -ENXIO (unbinding a device not bound), -EOPNOTSUPP (the device tree
 * reserves the device, bound or not), -EIO (the wear counts could not be
 * read), -ENOMEM.
 */
int hsx_fram_map_dev(unsigned int index, const char *name, u32 size)
{
	struct hsx_fram_find find = { .name = name };
	struct hsx_fram_dev *fd;
	int ret = 0;

	if (name[0])
		return hsx_fram_bind(index, &find, size, false);
	mutex_lock(&hsx_fram_bind_mutex);
	fd = hsx_fram_devs[index];
	if (hsx_fram_fw_slots[index])
		ret = -EOPNOTSUPP;
	else if (fd)
		hsx_fram_unbind_locked(fd, false);
	else
		ret = -ENXIO;
	mutex_unlock(&hsx_fram_bind_mutex);
	return ret;
}

/**
 * hsx_fram_fw_find - whether the provider @provider has its nvmem device
 *	and its driver, its bus watched
 *
 * So that a probe that must wait reserves nothing meanwhile, and that the
 * notifier sees the provider's driver going and coming back from the
 * reservation on.
 * Context: in the firmware node's probe, holding none of this file's locks.
 * Return: 0, -EPROBE_DEFER while it has neither, -EINVAL for an nvmem
 * device without a provider on a bus, or hsx_fram_watch_bus()'s error.
 */
int hsx_fram_fw_find(const struct fwnode_handle *provider)
{
	struct hsx_fram_find find = { .provider = provider };
	struct device *parent = hsx_fram_provider_of(&find);
	int ret;

	if (IS_ERR(parent))
		return PTR_ERR(parent) == -EINVAL ? -EINVAL : -EPROBE_DEFER;
	ret = READ_ONCE(parent->driver) ? hsx_fram_watch_bus(parent->bus) : -EPROBE_DEFER;
	put_device(parent);
	return ret;
}

/**
 * hsx_fram_fw_reserve - reserve the firmware node's slots and bind them
 * @providers: per device, its provider's firmware node or NULL; the
 *	reservations copy the nodes' paths ("%pfwf") and hold nothing
 * @busy: set to the device of an -EBUSY
 *
 * All or nothing: a device bound already (by fram_map or the admin), or a
 * part bound to some device, is -EBUSY and nothing is reserved. The binding
 * itself is hsx_fram_fw_work's, queued here: it takes the providers'
 * device locks, which must not nest in the node's.
 * Context: holding none of the module's locks but fram_fw.c's.
 * Return: 0, -EBUSY or -ENOMEM.
 */
int hsx_fram_fw_reserve(struct fwnode_handle *const *providers, unsigned int *busy)
{
	char *paths[HSX_FRAM_MAX_DEVICES] = { };
	struct hsx_fram_dev *fd;
	unsigned int i, j;
	int ret = 0;

	for (i = 0; i < HSX_FRAM_MAX_DEVICES && !ret; i++) {
		if (!providers[i])
			continue;
		paths[i] = kasprintf(GFP_KERNEL, "%pfwf", providers[i]);
		if (!paths[i])
			ret = -ENOMEM;
	}
	if (ret)
		goto out;
	mutex_lock(&hsx_fram_bind_mutex);
	for (i = 0; i < HSX_FRAM_MAX_DEVICES && !ret; i++) {
		if (!providers[i])
			continue;
		if (hsx_fram_devs[i] || hsx_fram_fw_slots[i])
			ret = -EBUSY;
		for (j = 0; j < HSX_FRAM_MAX_DEVICES && !ret; j++) {
			fd = hsx_fram_devs[j];
			if (fd && dev_fwnode(fd->provider) == providers[i])
				ret = -EBUSY;
		}
		*busy = i;
	}
	for (i = 0; i < HSX_FRAM_MAX_DEVICES && !ret; i++)
		swap(hsx_fram_fw_slots[i], paths[i]);
	mutex_unlock(&hsx_fram_bind_mutex);
out:
	for (i = 0; i < HSX_FRAM_MAX_DEVICES; i++)
		kfree(paths[i]);
	if (!ret)
		queue_work(hsx_fram_wq, &hsx_fram_fw_work);
	return ret;
}

/*
 * Bind each reserved slot not bound whose provider has its nvmem device,
 * each under its provider's device lock alone. A provider without its part
 * or its driver (-ENODEV) waits for the notifier of its driver binding; a
 * slot no longer reserved (its node went meanwhile) is not bound.
 */
static void hsx_fram_fw_work_fn(struct work_struct *work)
{
	struct hsx_fram_find find = { };
	bool waiting;
	unsigned int i;
	int ret;

	for (i = 0; i < HSX_FRAM_MAX_DEVICES; i++) {
		mutex_lock(&hsx_fram_bind_mutex);
		waiting = hsx_fram_fw_slots[i] && !hsx_fram_devs[i];
		find.path = waiting ? kstrdup(hsx_fram_fw_slots[i], GFP_KERNEL) : NULL;
		mutex_unlock(&hsx_fram_bind_mutex);
		if (!find.path) {
			if (waiting)
				pr_err("fram: device %u: no memory to bind it; its driver's next binding tries again\n",
				       i);
			continue;
		}
		ret = hsx_fram_bind(i, &find, 0, true);
		if (ret && ret != -ENODEV)
			pr_err("fram: device %u: not bound to %s (%d) until its driver binds again\n",
			       i, find.path, ret);
		kfree(find.path);
	}
}

/**
 * hsx_fram_fw_release - the firmware node went away: its slots are free,
 *	and the devices it bound go
 *
 * hsx_fram_fw_work, if it runs meanwhile, binds no slot of the node's.
 * Context: holding none of the module's locks but fram_fw.c's.
 */
void hsx_fram_fw_release(void)
{
	char *put[HSX_FRAM_MAX_DEVICES];
	unsigned int i;

	mutex_lock(&hsx_fram_bind_mutex);
	for (i = 0; i < HSX_FRAM_MAX_DEVICES; i++) {
		put[i] = hsx_fram_fw_slots[i];
		hsx_fram_fw_slots[i] = NULL;
		if (hsx_fram_devs[i] && hsx_fram_devs[i]->from_dt)
			hsx_fram_unbind_locked(hsx_fram_devs[i], false);
	}
	mutex_unlock(&hsx_fram_bind_mutex);
	for (i = 0; i < HSX_FRAM_MAX_DEVICES; i++)
		kfree(put[i]);
}

/**
 * hsx_fram_parse_map - parse one "DEV=NAME" binding of fram_map
 * Return: 0, or -EINVAL for a malformed binding.
 */
int hsx_fram_parse_map(const char *param, unsigned int *dev, char *name, size_t len,
		       const char **next)
{
	return hsx_parse_binding(param, HSX_FRAM_MAX_DEVICES, hsx_fram_name_ok, dev, name, len,
				 next);
}

/* fram_map at load: a bad binding fails the load; a missing device is said and skipped. */
static int hsx_fram_bind_param(const char *param)
{
	char name[HSX_FRAM_NAME_MAX];
	struct hsx_fram_find find = { .name = name };
	const char *p = param;
	unsigned int index;
	int ret = 0;

	while (p && *p) {
		ret = hsx_fram_parse_map(p, &index, name, sizeof(name), &p);
		if (ret) {
			pr_err("fram: fram_map: bad binding in \"%s\"\n", param);
			break;
		}
		if (hsx_fram_bind(index, &find, 0, false))
			pr_err("fram: fram_map: device %u not bound to %s\n", index, name);
	}
	return ret;
}

static void hsx_fram_unbind_all(void)
{
	unsigned int i;

	mutex_lock(&hsx_fram_bind_mutex);
	for (i = 0; i < HSX_FRAM_MAX_DEVICES; i++)
		if (hsx_fram_devs[i])
			hsx_fram_unbind_locked(hsx_fram_devs[i], false);
	mutex_unlock(&hsx_fram_bind_mutex);
}

/* Nothing of the module runs on the device any more: counts back, nvmem device let go. */
void hsx_fram_instance_gone(struct hsx_instance *inst)
{
	struct hsx_fram_dev *fd = inst->priv;

	cancel_delayed_work_sync(&fd->wear_work);
	mutex_lock(&fd->io_lock);
	if (hsx_fram_wear_flush_locked(fd))
		pr_warn("fram: %s: the last wear counts could not be written back\n", fd->name);
	mutex_unlock(&fd->io_lock);
	nvmem_device_put(fd->nvmem);
	fd->nvmem = NULL;
}

void hsx_fram_instance_release(struct hsx_instance *inst)
{
	hsx_fram_dev_free(inst->priv);
}

/* ---- setting up and tearing down ------------------------------------------------ */

int hsx_fram_devs_init(void)
{
	int ret;

	hsx_fram_wq = alloc_workqueue("hsx_fram", 0, 0);
	if (!hsx_fram_wq)
		return -ENOMEM;
	/* The firmware's bindings first: fram_map binds only what they leave. */
	ret = hsx_fram_fw_register();
	if (ret)
		goto err_wq;
	/* The tree's devices bound before fram_map's (the driver probed in register). */
	flush_work(&hsx_fram_fw_work);
	if (fram_map) {
		ret = hsx_fram_bind_param(fram_map);
		if (ret)
			goto err_fw;
	}
	return 0;

err_fw:
	hsx_fram_fw_unregister();
	cancel_work_sync(&hsx_fram_fw_work);
	hsx_fram_unbind_all();
	hsx_fram_unwatch_buses();
err_wq:
	destroy_workqueue(hsx_fram_wq);
	return ret;
}

/* Every device unbound (their write-backs done), then the buses' notifiers go. */
void hsx_fram_devs_exit(void)
{
	hsx_fram_fw_unregister();
	/* No slot is reserved any more: nothing queues the work again. */
	cancel_work_sync(&hsx_fram_fw_work);
	hsx_fram_unbind_all();
	hsx_fram_unwatch_buses();
	destroy_workqueue(hsx_fram_wq);
}

/* The bound device @index with a reference to its instance, or NULL. */
struct hsx_fram_dev *hsx_fram_dev_get(unsigned int index)
{
	struct hsx_fram_dev *fd;

	spin_lock(&hsx_fram_devs_lock);
	fd = hsx_fram_devs[index];
	if (fd && fd->inst)
		hsx_instance_get(fd->inst);
	else
		fd = NULL;
	spin_unlock(&hsx_fram_devs_lock);
	return fd;
}

/* ---- /sys/hal/fram/<n> ------------------------------------------------------------ */

static struct hsx_fram_dev *hsx_fram_dev_of(struct kobject *kobj)
{
	return hsx_instance_of_dir(kobj)->priv;
}

static ssize_t nvmem_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", hsx_fram_dev_of(kobj)->name);
}

static ssize_t source_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", hsx_fram_dev_of(kobj)->from_dt ? "devicetree" : "map");
}

static ssize_t hsx_fram_u32_show(struct kobject *kobj, char *buf, size_t offset)
{
	const u32 *value = (const u32 *)((const char *)hsx_fram_dev_of(kobj) + offset);

	return sysfs_emit(buf, "%u\n", *value);
}

/* One show function per field, since sysfs passes no field. */
#define HSX_FRAM_U32_SHOW(name)									\
static ssize_t name##_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)	\
{												\
	return hsx_fram_u32_show(kobj, buf, offsetof(struct hsx_fram_dev, name));		\
}

HSX_FRAM_U32_SHOW(size)
HSX_FRAM_U32_SHOW(part_size)
HSX_FRAM_U32_SHOW(reserved)

static ssize_t block_size_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", HSX_FRAM_BLOCK_SIZE);
}

/* The highest count of any block, whose number follows ("12 3": 12 writes to block 3). */
static ssize_t wear_max_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_fram_dev *fd = hsx_fram_dev_of(kobj);
	u32 b, max = 0, at = 0;

	for (b = 0; b < fd->nblocks; b++) {
		u32 count = READ_ONCE(fd->wear[b]);

		if (count > max) {
			max = count;
			at = b;
		}
	}
	return sysfs_emit(buf, "%u %u\n", max, at);
}

static ssize_t hsx_fram_counter_show(struct kobject *kobj, char *buf, size_t offset)
{
	atomic64_t *counter = (atomic64_t *)((char *)hsx_fram_dev_of(kobj) + offset);

	return sysfs_emit(buf, "%lld\n", atomic64_read(counter));
}

#define HSX_FRAM_COUNTER_SHOW(name)								\
static ssize_t name##_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)	\
{												\
	return hsx_fram_counter_show(kobj, buf, offsetof(struct hsx_fram_dev, name));		\
}

HSX_FRAM_COUNTER_SHOW(reads)
HSX_FRAM_COUNTER_SHOW(writes)
HSX_FRAM_COUNTER_SHOW(bytes_read)
HSX_FRAM_COUNTER_SHOW(bytes_written)
HSX_FRAM_COUNTER_SHOW(wear_failures)

static ssize_t users_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&hsx_fram_dev_of(kobj)->users));
}

static struct kobj_attribute hsx_fram_attr_nvmem = __ATTR_RO(nvmem);
static struct kobj_attribute hsx_fram_attr_source = __ATTR_RO(source);
static struct kobj_attribute hsx_fram_attr_size = __ATTR_RO(size);
static struct kobj_attribute hsx_fram_attr_part_size = __ATTR_RO(part_size);
static struct kobj_attribute hsx_fram_attr_reserved = __ATTR_RO(reserved);
static struct kobj_attribute hsx_fram_attr_block_size = __ATTR_RO(block_size);
/* Root only, as every counter: how one application uses the part is its own. */
static struct kobj_attribute hsx_fram_attr_wear_max = __ATTR_RO_MODE(wear_max, 0400);
static struct kobj_attribute hsx_fram_attr_reads = __ATTR_RO_MODE(reads, 0400);
static struct kobj_attribute hsx_fram_attr_writes = __ATTR_RO_MODE(writes, 0400);
static struct kobj_attribute hsx_fram_attr_bytes_read = __ATTR_RO_MODE(bytes_read, 0400);
static struct kobj_attribute hsx_fram_attr_bytes_written = __ATTR_RO_MODE(bytes_written, 0400);
static struct kobj_attribute hsx_fram_attr_wear_failures = __ATTR_RO_MODE(wear_failures, 0400);
static struct kobj_attribute hsx_fram_attr_users = __ATTR_RO(users);

static struct attribute *hsx_fram_dev_attrs[] = {
	&hsx_fram_attr_nvmem.attr,
	&hsx_fram_attr_source.attr,
	&hsx_fram_attr_size.attr,
	&hsx_fram_attr_part_size.attr,
	&hsx_fram_attr_reserved.attr,
	&hsx_fram_attr_block_size.attr,
	&hsx_fram_attr_wear_max.attr,
	&hsx_fram_attr_reads.attr,
	&hsx_fram_attr_writes.attr,
	&hsx_fram_attr_bytes_read.attr,
	&hsx_fram_attr_bytes_written.attr,
	&hsx_fram_attr_wear_failures.attr,
	&hsx_fram_attr_users.attr,
	NULL,
};

const struct attribute_group hsx_fram_dev_group = {
	.attrs = hsx_fram_dev_attrs,
};
