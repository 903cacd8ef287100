/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HAL module 0x13 (FRAM). fram.c is the module: its functions and their
 * capability checks. fram_dev.c binds devices to the kernel's nvmem devices
 * and keeps their wear counts; fram_record.c has the power-fail-safe
 * records, for applications and for the wear counts themselves.
 */
#ifndef _HSX_FRAM_H
#define _HSX_FRAM_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "hsx_uapi.h"

struct attribute_group;
struct device;
struct fwnode_handle;
struct hsx_instance;
struct nvmem_device;

/* Bytes of a slot's header (struct hsx_fram_slot_header). */
#define HSX_FRAM_HEADER_SIZE	24
/* Slots of the wear counts' record, in the reserved area. */
#define HSX_FRAM_WEAR_SLOTS	4
/*
 * Bytes one write to the part carries at most, in whole blocks from a block
 * boundary: a capability check each, and what a failed write reports in.
 */
#define HSX_FRAM_CHUNK		(4 * HSX_FRAM_BLOCK_SIZE)

/**
 * struct hsx_fram_dev - one binding of a device to an nvmem device
 * @index: the HSX device number
 * @inst: the device's instance; its priv is this, freed with it
 * @nvmem: the nvmem device, held from binding until @inst is gone
 * @provider: the nvmem device's parent (the driver's device), held; its
 *	driver unbinding ends the binding first (a notifier on its bus)
 * @dead: the device is being unbound: every function fails with -ENODEV
 * @from_dt: the device tree bound it (fram_fw.c): the admin cannot unbind it
 * @name: the nvmem device's name
 * @part_size: bytes of the part
 * @size: bytes the application sees, from 0
 * @reserved: bytes after @size that hold the wear counts
 * @flags: HSX_FRAM_F_*
 * @io_lock: serializes writes to the part: the application's, its
 *	records' and the wear counts'; guards @wear and @wear_dirty
 * @nblocks: blocks of HSX_FRAM_BLOCK_SIZE over the whole part
 * @wear: per block, its writes
 * @wear_dirty: @wear has counts the part has not
 * @wear_work: writes them back, HSX_FRAM_WEAR_FLUSH_MS after the first
 * @wear_failures: write-backs that failed (tried again with the next)
 * @reads: READ calls that read something
 * @writes: WRITE calls that wrote something
 * @bytes_read: bytes they read
 * @bytes_written: bytes they wrote
 * @users: open files that used the device
 */
struct hsx_fram_dev {
	unsigned int index;
	struct hsx_instance *inst;
	struct nvmem_device *nvmem;
	struct device *provider;
	bool dead;
	bool from_dt;
	char name[HSX_FRAM_NAME_MAX];
	u32 part_size;
	u32 size;
	u32 reserved;
	u32 flags;
	struct mutex io_lock;		/* see above */
	u32 nblocks;
	u32 *wear;
	bool wear_dirty;
	struct delayed_work wear_work;
	atomic64_t wear_failures;
	atomic64_t reads;
	atomic64_t writes;
	atomic64_t bytes_read;
	atomic64_t bytes_written;
	atomic_t users;
};

/*
 * What a capability's cover op is asked about: a range of a device, or the
 * device alone (INFO, GET_SIZE).
 */
#define HSX_FRAM_OBJ_FIELD(x)	((u64)(x) & (HSX_FRAM_PART_MAX - 1))
#define HSX_FRAM_OBJ(dev, first, last) \
	(((u64)(dev) << 48) | (HSX_FRAM_OBJ_FIELD(first) << 24) | HSX_FRAM_OBJ_FIELD(last))
#define HSX_FRAM_OBJ_DEV(dev)	(BIT_ULL(63) | ((u64)(dev) << 48))

struct hsx_module;

/* HAL module 0x13: FRAM and other non-volatile memory through nvmem. */
extern const struct hsx_module hsx_fram_module;

/* The devices (fram_dev.c). */
extern const struct attribute_group hsx_fram_dev_group;
int hsx_fram_devs_init(void);
void hsx_fram_devs_exit(void);
struct hsx_fram_dev *hsx_fram_dev_get(unsigned int index);
int hsx_fram_map_dev(unsigned int index, const char *name, u32 size);
int hsx_fram_fw_find(const struct fwnode_handle *provider);
int hsx_fram_fw_reserve(struct fwnode_handle *const *providers, unsigned int *busy);
void hsx_fram_fw_release(void);
#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
bool hsx_fram_fw_test_waits_for(const struct fwnode_handle *fwnode);
#endif
void hsx_fram_instance_gone(struct hsx_instance *inst);
void hsx_fram_instance_release(struct hsx_instance *inst);
int hsx_fram_io(struct hsx_fram_dev *fd, bool write, u32 addr, u32 len, void *buf);
void hsx_fram_count_writes(struct hsx_fram_dev *fd, u32 addr, u32 len);
bool hsx_fram_name_ok(const char *name);
void hsx_fram_layout(u32 part_size, u32 *size, u32 *reserved, u32 *nblocks);

/* The device tree's bindings (fram_fw.c). */
int hsx_fram_fw_register(void);
void hsx_fram_fw_unregister(void);

/* Records (fram_record.c): @base..@base + slots * slot_size of the part. */
struct hsx_fram_group {
	u32 base;
	u32 slot_size;
	u32 slots;
	u32 id;
};

int hsx_fram_check_group(const struct hsx_fram_group *g, u32 limit);
int hsx_fram_record_read(struct hsx_fram_dev *fd, const struct hsx_fram_group *g, void *buf,
			 u32 *len, u64 *seq, u32 *flags);
int hsx_fram_record_write(struct hsx_fram_dev *fd, const struct hsx_fram_group *g,
			  const void *buf, u32 len, bool count_wear, u64 *seq);
u32 hsx_fram_slot_crc(const struct hsx_fram_slot_header *h, const void *payload, u32 len);

/* Exposed for KUnit: the pure rules. */
int hsx_fram_check_range(u32 size, u32 addr, u32 len);
int hsx_fram_parse_map(const char *param, unsigned int *dev, char *name, size_t len,
		       const char **next);
bool hsx_fram_sel_covers(const union hsx_cap_selector *sel, u64 object);

#endif /* _HSX_FRAM_H */
