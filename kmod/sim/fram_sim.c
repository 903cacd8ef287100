// SPDX-License-Identifier: GPL-2.0
/*
 * hsx_fram_sim.ko: simulated FRAM parts for the test board, each an nvmem
 * device like an at25 FRAM's (NVMEM_TYPE_FRAM, byte-addressed, no erase),
 * kept in memory. Its own module, not part of hsx.ko: a consumer holding an
 * nvmem device holds its provider's module, so a provider inside hsx.ko
 * would make hsx.ko impossible to unload.
 *
 * Each part is a platform device "hsx-fram-sim.<n>" bound to this module's
 * platform driver, whose probe registers the nvmem device "hsx-fram-sim<n>"
 * (devm, as real drivers do): unbinding the driver through sysfs removes a
 * part the way a driver's removal does. The memory belongs to the module,
 * not to the driver's binding, so the contents outlive an unbinding and a
 * reload of hsx.ko, as a chip's do.
 *
 * Parts can also be described by the device tree, for a board without a real
 * part (the emulated Raspberry Pi's test): a node compatible with
 * "hsx,fram-sim", its bytes in "size" (u32) and, if it takes no writes, a
 * "read-only" flag. Each gets the nvmem device "hsx-fram-sim<n>", n from 8 up
 * (the module parameter's parts are 0..3), and memory kept by the node's
 * path until the module goes: unbinding the driver from the node and
 * binding it again gives back the same nvmem device with the same bytes, as
 * a chip's driver does. A node compatible with "hsx,fram-sim-bus" is a bus
 * of such parts, as an SPI controller is: binding it makes its children's
 * devices, unbinding it deletes them (their bytes stay, by their paths).
 *
 * For power-loss tests, two switches (module parameters, writable by root):
 *   fail_next_write=1  the next write writes nothing and fails (-EIO);
 *   tear_after=N       writes deliver N more bytes in all, then fail: the
 *                      power went at that byte, and stays off (every write
 *                      fails) until tear_after=-1.
 * For races, a read or a write that stalls, as on a slow bus, where a test
 * wants it to (the consumer's locks held, the part's own not):
 *   stall_read=N       the N-th read from now waits, before it reads, until
 *                      stall_read is set again (0: none); "stalled" says 1
 *                      while it waits;
 *   stall_write=N      the same for the N-th write, before it writes.
 */
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of_platform.h>
#include <linux/nvmem-provider.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#define SIM_NAME	"hsx-fram-sim"
#define SIM_MAX_PARTS	4
#define SIM_MAX_SIZE	SZ_16M
/* The first nvmem id of a part from the device tree. */
#define SIM_FIRST_DT_ID	8

static unsigned int sizes[SIM_MAX_PARTS] = { 32768, 1024, 4096 };
static int nsizes = 3;
module_param_array(sizes, uint, &nsizes, 0444);
MODULE_PARM_DESC(sizes, "bytes of each part, one part each (default 32768,1024,4096)");

static unsigned int read_only = 0x4;
module_param(read_only, uint, 0444);
MODULE_PARM_DESC(read_only, "bit n: part n takes no writes, as OTP (default: part 2)");

static bool fail_next_write;
module_param(fail_next_write, bool, 0644);
MODULE_PARM_DESC(fail_next_write, "the next write fails without writing");

static int tear_after = -1;
module_param(tear_after, int, 0644);
MODULE_PARM_DESC(tear_after, "writes deliver this many more bytes, then fail (-1: off)");

/* Reads' and writes' countdowns to the one that stalls, by the parameter that sets them. */
static atomic_t stall_read_countdown = ATOMIC_INIT(0);
static atomic_t stall_write_countdown = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(stall_wait);
static unsigned int stall_generation;	/* each store of either lets a stalled access go */

static int stall_set(const char *val, const struct kernel_param *kp)
{
	atomic_t *countdown = kp->arg;
	int n, ret = kstrtoint(val, 0, &n);

	if (ret || n < 0)
		return ret ?: -EINVAL;
	atomic_set(countdown, n);
	WRITE_ONCE(stall_generation, stall_generation + 1);
	wake_up_all(&stall_wait);
	return 0;
}

static int stall_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%d\n", atomic_read((atomic_t *)kp->arg));
}

static const struct kernel_param_ops stall_ops = {
	.set = stall_set,
	.get = stall_get,
};

module_param_cb(stall_read, &stall_ops, &stall_read_countdown, 0644);
MODULE_PARM_DESC(stall_read, "the N-th read from now waits until this is set again (0: off)");
module_param_cb(stall_write, &stall_ops, &stall_write_countdown, 0644);
MODULE_PARM_DESC(stall_write, "the N-th write from now waits until this is set again (0: off)");

static int stalled;
module_param(stalled, int, 0444);
MODULE_PARM_DESC(stalled, "1 while a read or a write waits (stall_read, stall_write)");

/* The access a countdown chose: wait, outside the part's lock, for the next store. */
static void sim_maybe_stall(atomic_t *countdown)
{
	unsigned int generation = READ_ONCE(stall_generation);

	/* One access only: the one that takes the count from 1 to 0. */
	if (atomic_dec_if_positive(countdown) == 0) {
		WRITE_ONCE(stalled, 1);
		wait_event_interruptible(stall_wait, READ_ONCE(stall_generation) != generation);
		WRITE_ONCE(stalled, 0);
	}
}

struct sim_part {
	unsigned int index;
	u8 *mem;
	u32 size;
};

/* Serializes every access to every part and the switches' use. */
static DEFINE_MUTEX(sim_lock);
static struct sim_part sim_parts[SIM_MAX_PARTS];
static struct platform_device *sim_pdevs[SIM_MAX_PARTS];
static DEFINE_IDA(sim_dt_ids);

/* A part the device tree describes, by its node's full path; freed at exit. */
struct sim_dt_part {
	struct list_head list;
	struct sim_part part;
	char path[];
};

/* Guards sim_dt_parts. */
static DEFINE_MUTEX(sim_dt_lock);
static LIST_HEAD(sim_dt_parts);

/* sim_of_match's data of a bus node. */
#define SIM_BUS ((const void *)1)

static int sim_read(void *priv, unsigned int offset, void *val, size_t bytes)
{
	struct sim_part *part = priv;

	if (offset > part->size || bytes > part->size - offset)
		return -EINVAL;
	sim_maybe_stall(&stall_read_countdown);
	mutex_lock(&sim_lock);
	memcpy(val, part->mem + offset, bytes);
	mutex_unlock(&sim_lock);
	return 0;
}

static int sim_write(void *priv, unsigned int offset, void *val, size_t bytes)
{
	struct sim_part *part = priv;
	size_t n = bytes;
	int ret = 0;

	if (offset > part->size || bytes > part->size - offset)
		return -EINVAL;
	sim_maybe_stall(&stall_write_countdown);
	mutex_lock(&sim_lock);
	/* The switches' stores from sysfs hold this lock: no update of theirs is lost. */
	kernel_param_lock(THIS_MODULE);
	if (READ_ONCE(fail_next_write)) {
		WRITE_ONCE(fail_next_write, false);
		n = 0;
		ret = -EIO;
	} else if (READ_ONCE(tear_after) >= 0) {
		int left = READ_ONCE(tear_after);

		if (n > (size_t)left) {
			n = left;
			ret = -EIO;
		}
		WRITE_ONCE(tear_after, left - (int)n);
	}
	kernel_param_unlock(THIS_MODULE);
	memcpy(part->mem + offset, val, n);
	mutex_unlock(&sim_lock);
	return ret;
}

/* A new part for the node at @path, listed. Context: under sim_dt_lock. */
static struct sim_dt_part *sim_dt_new(const char *path, u32 size)
{
	struct sim_dt_part *p = kzalloc(struct_size(p, path, strlen(path) + 1), GFP_KERNEL);
	int id;

	if (!p)
		return ERR_PTR(-ENOMEM);
	id = ida_alloc_min(&sim_dt_ids, SIM_FIRST_DT_ID, GFP_KERNEL);
	if (id < 0) {
		kfree(p);
		return ERR_PTR(id);
	}
	p->part.mem = vzalloc(size);
	if (!p->part.mem) {
		ida_free(&sim_dt_ids, id);
		kfree(p);
		return ERR_PTR(-ENOMEM);
	}
	p->part.index = id;
	p->part.size = size;
	strcpy(p->path, path);
	list_add_tail(&p->list, &sim_dt_parts);
	return p;
}

/*
 * A part the device tree describes: its id and memory, the node's from an
 * earlier binding (the bytes outlive the driver, as a chip's), else new.
 */
static int sim_probe_dt(struct platform_device *pdev, struct sim_part **part, bool *ro)
{
	struct device *dev = &pdev->dev;
	struct sim_dt_part *p, *found = NULL;
	char *path;
	u32 size;
	int ret = 0;

	if (device_property_read_u32(dev, "size", &size) || !size || size > SIM_MAX_SIZE)
		return dev_err_probe(dev, -EINVAL, "needs a size of 1..%u bytes\n", SIM_MAX_SIZE);
	path = kasprintf(GFP_KERNEL, "%pfwf", dev_fwnode(dev));
	if (!path)
		return -ENOMEM;
	mutex_lock(&sim_dt_lock);
	list_for_each_entry(p, &sim_dt_parts, list)
		if (!strcmp(p->path, path))
			found = p;
	if (!found)
		found = sim_dt_new(path, size);
	if (IS_ERR(found))
		ret = PTR_ERR(found);
	else if (found->part.size != size)
		ret = dev_err_probe(dev, -EINVAL, "size %u, was %u\n", size, found->part.size);
	else
		*part = &found->part;
	mutex_unlock(&sim_dt_lock);
	kfree(path);
	if (ret)
		return ret;
	*ro = device_property_read_bool(dev, "read-only");
	return 0;
}

/* At exit, once the driver is unregistered: every part of the tree's. */
static void sim_dt_free_all(void)
{
	struct sim_dt_part *p, *next;

	list_for_each_entry_safe(p, next, &sim_dt_parts, list) {
		list_del(&p->list);
		vfree(p->part.mem);
		ida_free(&sim_dt_ids, p->part.index);
		kfree(p);
	}
}

static int sim_probe(struct platform_device *pdev)
{
	struct sim_part *part;
	struct nvmem_config config;
	bool ro;
	int ret;

	/* A bus: its parts are devices while it is bound, as an SPI controller's. */
	if (device_get_match_data(&pdev->dev) == SIM_BUS)
		return devm_of_platform_populate(&pdev->dev);
	if (dev_fwnode(&pdev->dev)) {
		ret = sim_probe_dt(pdev, &part, &ro);
		if (ret)
			return ret;
	} else {
		/* Only this module's devices (driver_override could offer others). */
		if (strcmp(pdev->name, SIM_NAME) || pdev->id < 0 || pdev->id >= nsizes)
			return -ENODEV;
		part = &sim_parts[pdev->id];
		ro = read_only & BIT(pdev->id);
	}
	config = (struct nvmem_config) {
		.dev = &pdev->dev,
		.name = SIM_NAME,
		.id = part->index,
		.owner = THIS_MODULE,
		.type = NVMEM_TYPE_FRAM,
		.word_size = 1,
		.stride = 1,
		.size = part->size,
		.priv = part,
		.reg_read = sim_read,
		.reg_write = ro ? NULL : sim_write,
		.read_only = ro,
		.root_only = true,
	};

	return PTR_ERR_OR_ZERO(devm_nvmem_register(&pdev->dev, &config));
}

static const struct of_device_id sim_of_match[] = {
	{ .compatible = "hsx,fram-sim" },
	{ .compatible = "hsx,fram-sim-bus", .data = SIM_BUS },
	{}
};
MODULE_DEVICE_TABLE(of, sim_of_match);

static struct platform_driver sim_driver = {
	.probe = sim_probe,
	.driver = {
		.name = SIM_NAME,
		.of_match_table = sim_of_match,
	},
};

static void sim_remove_parts(void)
{
	int i;

	for (i = SIM_MAX_PARTS - 1; i >= 0; i--) {
		if (sim_pdevs[i])
			platform_device_unregister(sim_pdevs[i]);
		sim_pdevs[i] = NULL;
		vfree(sim_parts[i].mem);
		sim_parts[i].mem = NULL;
	}
}

static int __init sim_init(void)
{
	int i, ret;

	for (i = 0; i < nsizes; i++)
		if (!sizes[i] || sizes[i] > SIM_MAX_SIZE)
			return -EINVAL;
	for (i = 0; i < nsizes; i++) {
		sim_parts[i].index = i;
		sim_parts[i].size = sizes[i];
		sim_parts[i].mem = vzalloc(sizes[i]);
		if (!sim_parts[i].mem) {
			ret = -ENOMEM;
			goto err;
		}
	}
	ret = platform_driver_register(&sim_driver);
	if (ret)
		goto err;
	for (i = 0; i < nsizes; i++) {
		sim_pdevs[i] = platform_device_register_simple(SIM_NAME, i, NULL, 0);
		if (IS_ERR(sim_pdevs[i])) {
			ret = PTR_ERR(sim_pdevs[i]);
			sim_pdevs[i] = NULL;
			goto err_parts;
		}
	}
	return 0;

err_parts:
	sim_remove_parts();
	platform_driver_unregister(&sim_driver);
	sim_dt_free_all();	/* the tree's parts bound meanwhile */
	return ret;
err:
	sim_remove_parts();
	return ret;
}

static void __exit sim_exit(void)
{
	sim_remove_parts();
	platform_driver_unregister(&sim_driver);
	sim_dt_free_all();
}

module_init(sim_init);
module_exit(sim_exit);
MODULE_DESCRIPTION("HSX HAL simulated FRAM parts (nvmem providers) for tests");
MODULE_LICENSE("GPL");
