// SPDX-License-Identifier: GPL-2.0
/*
 * HAL module 0x13: FRAM. Devices 0..HSX_FRAM_MAX_DEVICES-1, each bound to an
 * nvmem device (see the uAPI header) and then an instance: /dev/hsx/fram<n>
 * and /sys/hal/fram/<n>. This file is the module: its functions and their
 * capability checks. fram_dev.c binds devices and keeps their wear counts;
 * fram_record.c has the records.
 *
 * Capability checks. READ and WRITE check their own: user memory is copied
 * before and after, never inside an SRCU section (a stalled page fault must
 * hold up neither a revocation nor an unbinding), and the part is read or
 * written in chunks, each checked in its own hsx_cap_srcu section, so that a
 * revocation waits for one chunk, not a whole transfer, and once it returned
 * nothing more is written. A record is one chunk.
 *
 * READ goes through one kernel buffer of a chunk per file, allocated at the
 * file's first read and kept: each chunk is read from the part into it inside
 * the sections and copied to the caller after them. A buffer allocated per
 * call cost as much as a copy (init_on_alloc zeroes it). The part's bytes
 * are not read straight into the caller's pinned pages: a provider may DMA
 * into the buffer it is given (at25 does), and a caller's buffer need not be
 * aligned for that.
 */
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "cap.h"
#include "core.h"
#include "fram.h"
#include "instance.h"

/* Bytes one read from the part carries at most. */
#define HSX_FRAM_READ_CHUNK	4096

/* ---- the rules ---------------------------------------------------------------- */

/**
 * hsx_fram_check_range - is @len bytes at @addr inside @size bytes?
 * Return: 0, or -EINVAL for a length of 0 or past HSX_FRAM_XFER_MAX, or a
 * range that leaves the device (wrapping included).
 */
int hsx_fram_check_range(u32 size, u32 addr, u32 len)
{
	if (!len || len > HSX_FRAM_XFER_MAX || addr >= size || len > size - addr)
		return -EINVAL;
	return 0;
}

/* The device a function names: in range, and the instance's own on its node. */
static int hsx_fram_check_dev(struct hsx_client *client, u32 dev)
{
	if (dev >= HSX_FRAM_MAX_DEVICES)
		return -EINVAL;
	if (client->inst && client->inst->index != dev)
		return -EINVAL;
	return 0;
}

/* ---- finding a device --------------------------------------------------------- */

/*
 * Per file: the device it last used, counted among that device's users; the
 * buffer its reads go through (NULL before the first, and while a read has it).
 */
struct hsx_fram_client {
	spinlock_t lock;		/* guards used */
	struct hsx_fram_dev *used[HSX_FRAM_MAX_DEVICES];
	void *read_buf;
};

static struct hsx_fram_client *hsx_fram_client_of(struct hsx_client *client)
{
	return client->priv[hsx_module_slot(HSX_MODULE_FRAM)];
}

/* The file uses @fd: count it among the device's users, once per binding. */
static void hsx_fram_note_user(struct hsx_client *client, struct hsx_fram_dev *fd)
{
	struct hsx_fram_client *fc = hsx_fram_client_of(client);
	struct hsx_fram_dev *old = NULL;

	spin_lock(&fc->lock);
	if (fc->used[fd->index] != fd) {
		old = fc->used[fd->index];
		fc->used[fd->index] = fd;
		hsx_instance_get(fd->inst);
		atomic_inc(&fd->users);
	}
	spin_unlock(&fc->lock);
	if (old) {
		atomic_dec(&old->users);
		hsx_instance_put(old->inst);
	}
}

/**
 * hsx_fram_get - the bound device @index, with a reference, for one function
 * Return: the device, ERR_PTR(-ENXIO) when none is bound, ERR_PTR(-ENODEV)
 * when it went away or (on /dev/hsx/fram<n>) the node's binding ended.
 */
static struct hsx_fram_dev *hsx_fram_get(struct hsx_client *client, u32 index)
{
	struct hsx_fram_dev *fd = hsx_fram_dev_get(index);

	if (!fd)
		return ERR_PTR(client->inst ? -ENODEV : -ENXIO);
	if (client->inst && client->inst != fd->inst) {
		hsx_instance_put(fd->inst);
		return ERR_PTR(-ENODEV);
	}
	hsx_fram_note_user(client, fd);
	return fd;
}

static void hsx_fram_put(struct hsx_fram_dev *fd)
{
	hsx_instance_put(fd->inst);	/* may free fd */
}

/* Enter the device's SRCU section, unless it is going. */
static int hsx_fram_enter(struct hsx_fram_dev *fd, int *idx)
{
	*idx = srcu_read_lock(&fd->inst->srcu);
	if (hsx_instance_gone(fd->inst) || READ_ONCE(fd->dead)) {
		srcu_read_unlock(&fd->inst->srcu, *idx);
		return -ENODEV;
	}
	return 0;
}

static void hsx_fram_leave(struct hsx_fram_dev *fd, int idx)
{
	srcu_read_unlock(&fd->inst->srcu, idx);
}

/*
 * May @client do what needs @need on @object? Context: in hsx_cap_srcu's
 * section, which the caller keeps for the access the answer allows.
 */
static int hsx_fram_authorize(struct hsx_client *client, u32 need, u64 object)
{
	int ret = hsx_cap_check(client, HSX_MODULE_FRAM, need);

	if (!ret && !hsx_cap_covers(client, &hsx_fram_module, object))
		ret = -EACCES;
	return ret;
}

/*
 * Before a function finds its device: may @client do what needs @need on
 * @dev's @first..@last at all? So that a caller without the capability
 * learns nothing of the device (bound, its size, read-only), and a range
 * past the capability's is refused whole, not cut to its allowed start.
 */
static int hsx_fram_may(struct hsx_client *client, u32 dev, u32 need, u32 first, u32 last)
{
	int idx = srcu_read_lock(&hsx_cap_srcu);
	int ret = hsx_fram_authorize(client, need, HSX_FRAM_OBJ(dev, first, last));

	srcu_read_unlock(&hsx_cap_srcu, idx);
	return ret;
}

/*
 * One access to the part, checked: the capability (@need on @dev's
 * @first..@last), then the device, then @fn. Neither section is left
 * before @fn returns: a revocation or an unbinding waits for it.
 */
static int hsx_fram_checked(struct hsx_client *client, struct hsx_fram_dev *fd, u32 need,
			    u32 first, u32 last, int (*fn)(struct hsx_fram_dev *fd, void *ctx),
			    void *ctx)
{
	int cidx, idx, ret;

	cidx = srcu_read_lock(&hsx_cap_srcu);
	ret = hsx_fram_authorize(client, need, HSX_FRAM_OBJ(fd->index, first, last));
	if (!ret) {
		ret = hsx_fram_enter(fd, &idx);
		if (!ret) {
			ret = fn(fd, ctx);
			hsx_fram_leave(fd, idx);
		}
	}
	srcu_read_unlock(&hsx_cap_srcu, cidx);
	return ret;
}

/* ---- READ, WRITE ---------------------------------------------------------------- */

struct hsx_fram_chunk {
	u32 addr;
	u32 len;
	u8 *buf;
};

static int hsx_fram_read_chunk(struct hsx_fram_dev *fd, void *ctx)
{
	struct hsx_fram_chunk *c = ctx;

	return hsx_fram_io(fd, false, c->addr, c->len, c->buf);
}

static int hsx_fram_write_chunk(struct hsx_fram_dev *fd, void *ctx)
{
	struct hsx_fram_chunk *c = ctx;
	int ret;

	mutex_lock(&fd->io_lock);
	ret = hsx_fram_io(fd, true, c->addr, c->len, c->buf);
	/* A failed write may have changed the part all the same: it wore it. */
	hsx_fram_count_writes(fd, c->addr, c->len);
	mutex_unlock(&fd->io_lock);
	return ret;
}

/*
 * What READ and WRITE check before they touch the part: the arguments, the
 * capability over the whole range, the device and its bounds.
 * Return: the device, with a reference, or an ERR_PTR().
 */
static struct hsx_fram_dev *hsx_fram_xfer_dev(struct hsx_client *client, struct hsx_fram_xfer *x,
					      bool write)
{
	struct hsx_fram_dev *fd;
	int ret;

	x->done = 0;
	ret = hsx_fram_check_dev(client, x->dev);
	if (ret || x->reserved || x->reserved2 ||
	    hsx_fram_check_range(HSX_FRAM_PART_MAX, x->addr, x->len))
		return ERR_PTR(ret ?: -EINVAL);
	ret = hsx_fram_may(client, x->dev, write ? HSX_CAP_R_WRITE : HSX_CAP_R_READ, x->addr,
			   x->addr + x->len - 1);
	if (ret)
		return ERR_PTR(ret);
	fd = hsx_fram_get(client, x->dev);
	if (IS_ERR(fd))
		return fd;
	ret = hsx_fram_check_range(fd->size, x->addr, x->len);
	if (!ret && write && (fd->flags & HSX_FRAM_F_READ_ONLY))
		ret = -EROFS;
	if (ret) {
		hsx_fram_put(fd);
		return ERR_PTR(ret);
	}
	return fd;
}

/*
 * The end of READ or WRITE, @fd let go: when @done bytes went, the call
 * reports them and succeeds, as read(2) and write(2) do; else it fails
 * with @ret.
 */
static long hsx_fram_xfer_end(struct hsx_fram_dev *fd, struct hsx_fram_xfer *x, bool write,
			      u32 done, int ret)
{
	if (done) {
		x->done = done;
		atomic64_inc(write ? &fd->writes : &fd->reads);
		atomic64_add(done, write ? &fd->bytes_written : &fd->bytes_read);
		ret = 0;
	}
	hsx_fram_put(fd);
	return ret;
}

/*
 * The file's read buffer, or (another thread of it is reading) one of the
 * call's own. Zeroed when made: nvmem_device_read() reports a whole read
 * even when a provider filled less (at25 shortens one past its end), so
 * what the caller gets must never be uninitialised memory; a kept buffer
 * holds only what this file's readers were given already.
 */
static void *hsx_fram_read_buf_get(struct hsx_fram_client *fc)
{
	void *buf = xchg(&fc->read_buf, NULL);

	return buf ?: kzalloc(HSX_FRAM_READ_CHUNK, GFP_KERNEL_ACCOUNT);
}

static void hsx_fram_read_buf_put(struct hsx_fram_client *fc, void *buf)
{
	if (cmpxchg(&fc->read_buf, NULL, buf))
		kfree(buf);
}

/*
 * READ: x->len bytes from x->addr, in chunks of HSX_FRAM_READ_CHUNK from
 * x->addr (a read wears no block: its chunks need no boundary), each
 * checked and read into the file's buffer, then copied out after the
 * sections. Return: 0 with the bytes that reached the caller in x->done
 * (fewer than asked when a chunk failed or the caller's buffer faulted part
 * way, as read(2)), or the first chunk's error, or -EFAULT when the
 * buffer's first byte faulted.
 */
static long hsx_fram_read(struct hsx_client *client, void *arg)
{
	struct hsx_fram_client *fc = hsx_fram_client_of(client);
	struct hsx_fram_xfer *x = arg;
	char __user *ubuf = u64_to_user_ptr(x->buf);
	struct hsx_fram_dev *fd;
	struct hsx_fram_chunk c;
	unsigned long left;
	u32 done = 0;
	int ret = 0;

	fd = hsx_fram_xfer_dev(client, x, false);
	if (IS_ERR(fd))
		return PTR_ERR(fd);
	c.buf = hsx_fram_read_buf_get(fc);
	if (!c.buf)
		return hsx_fram_xfer_end(fd, x, false, 0, -ENOMEM);
	while (!ret && done < x->len) {
		c.addr = x->addr + done;
		c.len = min_t(u32, HSX_FRAM_READ_CHUNK, x->len - done);
		ret = hsx_fram_checked(client, fd, HSX_CAP_R_READ, c.addr, c.addr + c.len - 1,
				       hsx_fram_read_chunk, &c);
		if (ret)
			break;
		left = copy_to_user(ubuf + done, c.buf, c.len);
		done += c.len - left;
		if (left)
			ret = -EFAULT;
	}
	hsx_fram_read_buf_put(fc, c.buf);
	/* As read(2): the bytes that reached the caller; a fault at the first fails. */
	return hsx_fram_xfer_end(fd, x, false, done, ret);
}

/*
 * WRITE: x->len bytes to x->addr, copied in whole first, then written in
 * chunks of HSX_FRAM_CHUNK cut at chunk boundaries (a block is never split
 * between two writes), each checked. Return: 0 with the bytes written in
 * x->done, or the first chunk's error.
 */
static long hsx_fram_write(struct hsx_client *client, void *arg)
{
	struct hsx_fram_xfer *x = arg;
	struct hsx_fram_dev *fd;
	struct hsx_fram_chunk c;
	u32 done = 0;
	u8 *kbuf;
	int ret;

	fd = hsx_fram_xfer_dev(client, x, true);
	if (IS_ERR(fd))
		return PTR_ERR(fd);
	kbuf = kvmalloc(x->len, GFP_KERNEL);
	if (!kbuf)
		return hsx_fram_xfer_end(fd, x, true, 0, -ENOMEM);
	ret = copy_from_user(kbuf, u64_to_user_ptr(x->buf), x->len) ? -EFAULT : 0;
	while (!ret && done < x->len) {
		c.addr = x->addr + done;
		c.len = min(HSX_FRAM_CHUNK - c.addr % HSX_FRAM_CHUNK, x->len - done);
		c.buf = kbuf + done;
		ret = hsx_fram_checked(client, fd, HSX_CAP_R_WRITE, c.addr, c.addr + c.len - 1,
				       hsx_fram_write_chunk, &c);
		if (!ret)
			done += c.len;
	}
	kvfree(kbuf);
	return hsx_fram_xfer_end(fd, x, true, done, ret);
}

/* ---- INFO, GET_SIZE, GET_WEAR ------------------------------------------------------ */

static long hsx_fram_info(struct hsx_client *client, void *arg)
{
	struct hsx_fram_info *info = arg;
	u32 dev = info->dev;
	struct hsx_fram_dev *fd;
	int ret;

	ret = hsx_fram_check_dev(client, dev);
	if (ret)
		return ret;
	if (!hsx_cap_covers(client, &hsx_fram_module, HSX_FRAM_OBJ_DEV(dev)))
		return -EACCES;
	memset(info, 0, sizeof(*info));
	info->dev = dev;
	fd = hsx_fram_get(client, dev);
	if (IS_ERR(fd))
		return PTR_ERR(fd) == -ENXIO ? 0 : PTR_ERR(fd);	/* not bound: bound = 0 */
	info->bound = 1;
	info->size = fd->size;
	info->part_size = fd->part_size;
	info->reserved = fd->reserved;
	info->block_size = HSX_FRAM_BLOCK_SIZE;
	info->flags = fd->flags;
	strscpy(info->name, fd->name, sizeof(info->name));
	hsx_fram_put(fd);
	return 0;
}

/* The spec's FRAM_GET_SIZE: INFO of a device that must be bound. */
static long hsx_fram_get_size(struct hsx_client *client, void *arg)
{
	struct hsx_fram_info *info = arg;
	long ret = hsx_fram_info(client, info);

	return ret ?: info->bound ? 0 : -ENXIO;
}

static long hsx_fram_get_wear(struct hsx_client *client, void *arg)
{
	struct hsx_fram_wear *w = arg;
	struct hsx_fram_dev *fd;
	int ret, idx;

	ret = hsx_fram_check_dev(client, w->dev);
	if (ret || w->reserved || w->addr >= HSX_FRAM_PART_MAX)
		return ret ?: -EINVAL;
	if (!hsx_cap_covers(client, &hsx_fram_module, HSX_FRAM_OBJ_DEV(w->dev)))
		return -EACCES;
	fd = hsx_fram_get(client, w->dev);
	if (IS_ERR(fd))
		return PTR_ERR(fd);
	ret = hsx_fram_check_range(fd->size, w->addr, 1);
	if (!ret) {
		/*
		 * The count is the whole block's: every byte of it (within the
		 * application's space) must be the caller's, or it would see
		 * others' writes.
		 */
		u32 first = round_down(w->addr, HSX_FRAM_BLOCK_SIZE);
		u32 last = min(first + HSX_FRAM_BLOCK_SIZE, fd->size) - 1;

		if (!hsx_cap_covers(client, &hsx_fram_module, HSX_FRAM_OBJ(w->dev, first, last)))
			ret = -EACCES;
	}
	if (!ret)
		ret = hsx_fram_enter(fd, &idx);
	if (!ret) {
		w->block = w->addr / HSX_FRAM_BLOCK_SIZE;
		w->count = READ_ONCE(fd->wear[w->block]);
		hsx_fram_leave(fd, idx);
	}
	hsx_fram_put(fd);
	return ret;
}

/* ---- records ---------------------------------------------------------------------- */

struct hsx_fram_rec_op {
	struct hsx_fram_group g;
	void *buf;
	u32 len;
	u64 seq;
	u32 flags;
};

/*
 * Under io_lock: a reader between a writer's two records could pair one
 * slot's old header with its new payload, and take a good record for a
 * corrupt one.
 */
static int hsx_fram_rec_read(struct hsx_fram_dev *fd, void *ctx)
{
	struct hsx_fram_rec_op *op = ctx;
	int ret;

	mutex_lock(&fd->io_lock);
	ret = hsx_fram_record_read(fd, &op->g, op->buf, &op->len, &op->seq, &op->flags);
	mutex_unlock(&fd->io_lock);
	return ret;
}

static int hsx_fram_rec_write(struct hsx_fram_dev *fd, void *ctx)
{
	struct hsx_fram_rec_op *op = ctx;
	int ret;

	mutex_lock(&fd->io_lock);
	ret = hsx_fram_record_write(fd, &op->g, op->buf, op->len, true, &op->seq);
	mutex_unlock(&fd->io_lock);
	return ret;
}

static long hsx_fram_record(struct hsx_client *client, struct hsx_fram_record *r, bool write)
{
	struct hsx_fram_rec_op op = {
		.g = { .base = r->base, .slot_size = r->slot_size, .slots = r->slots, .id = r->id },
	};
	void __user *ubuf = u64_to_user_ptr(r->buf);
	u32 room = r->len, payload_max, first, last, need;
	struct hsx_fram_dev *fd;
	int ret;

	r->seq = 0;
	r->flags = 0;
	ret = hsx_fram_check_dev(client, r->dev);
	if (ret || r->reserved || r->slot_size > HSX_FRAM_HEADER_SIZE + HSX_FRAM_RECORD_MAX ||
	    hsx_fram_check_group(&op.g, HSX_FRAM_PART_MAX))
		return ret ?: -EINVAL;
	first = op.g.base + op.g.id * op.g.slots * op.g.slot_size;
	last = first + op.g.slots * op.g.slot_size - 1;
	need = write ? HSX_CAP_R_READ | HSX_CAP_R_WRITE : HSX_CAP_R_READ;
	ret = hsx_fram_may(client, r->dev, need, first, last);
	if (ret)
		return ret;
	fd = hsx_fram_get(client, r->dev);
	if (IS_ERR(fd))
		return PTR_ERR(fd);
	ret = hsx_fram_check_group(&op.g, fd->size);
	if (!ret && write && (fd->flags & HSX_FRAM_F_READ_ONLY))
		ret = -EROFS;
	payload_max = r->slot_size - HSX_FRAM_HEADER_SIZE;
	if (!ret && write && room > payload_max)
		ret = -EINVAL;
	if (ret)
		goto out_put;
	op.buf = kvmalloc(payload_max, GFP_KERNEL);
	ret = -ENOMEM;
	if (!op.buf)
		goto out_put;
	op.len = room;
	ret = write && copy_from_user(op.buf, ubuf, room) ? -EFAULT : 0;
	if (!ret)
		ret = hsx_fram_checked(client, fd, need, first, last,
				       write ? hsx_fram_rec_write : hsx_fram_rec_read, &op);
	if (!ret) {
		r->seq = op.seq;
		r->flags = op.flags;
		if (!write) {
			/* As recv() with MSG_TRUNC: what fits, and the whole length. */
			r->len = op.len;
			if (op.len > room)
				r->flags |= HSX_FRAM_REC_F_TRUNCATED;
			if (copy_to_user(ubuf, op.buf, min(room, op.len)))
				ret = -EFAULT;
		}
	}
	kvfree(op.buf);
out_put:
	hsx_fram_put(fd);
	return ret;
}

static long hsx_fram_record_read_op(struct hsx_client *client, void *arg)
{
	return hsx_fram_record(client, arg, false);
}

static long hsx_fram_record_write_op(struct hsx_client *client, void *arg)
{
	return hsx_fram_record(client, arg, true);
}

/* ---- MAP ------------------------------------------------------------------------ */

static long hsx_fram_map(struct hsx_client *client, void *arg)
{
	struct hsx_fram_map *m = arg;

	if (!client->admin)
		return -EPERM;
	if (m->dev >= HSX_FRAM_MAX_DEVICES || m->size > HSX_FRAM_PART_MAX ||
	    !memchr(m->name, '\0', sizeof(m->name)) ||
	    (m->name[0] && !hsx_fram_name_ok(m->name)))
		return -EINVAL;
	return hsx_fram_map_dev(m->dev, m->name, m->size);
}

/* ---- the module's hooks ------------------------------------------------------------ */

static int hsx_fram_open(struct hsx_client *client)
{
	struct hsx_fram_client *fc = kzalloc(sizeof(*fc), GFP_KERNEL);

	if (!fc)
		return -ENOMEM;
	spin_lock_init(&fc->lock);
	client->priv[hsx_module_slot(HSX_MODULE_FRAM)] = fc;
	return 0;
}

static void hsx_fram_release(struct hsx_client *client)
{
	struct hsx_fram_client *fc = hsx_fram_client_of(client);
	unsigned int i;

	if (!fc)
		return;
	for (i = 0; i < HSX_FRAM_MAX_DEVICES; i++) {
		if (fc->used[i]) {
			atomic_dec(&fc->used[i]->users);
			hsx_instance_put(fc->used[i]->inst);
		}
	}
	kfree(fc->read_buf);
	kfree(fc);
	client->priv[hsx_module_slot(HSX_MODULE_FRAM)] = NULL;
}

static int hsx_fram_init(const struct hsx_module *mod)
{
	return hsx_fram_devs_init();
}

static void hsx_fram_exit(const struct hsx_module *mod)
{
	hsx_fram_devs_exit();
}

/* ---- capabilities: devices and address ranges ---------------------------------------- */

static int hsx_fram_cap_validate(const union hsx_cap_selector *sel)
{
	const typeof(sel->fram) *f = &sel->fram;
	u32 i;

	if (!f->devices || f->devices >> HSX_FRAM_MAX_DEVICES || f->reserved ||
	    !f->nranges || f->nranges > HSX_FRAM_SEL_RANGES)
		return -EINVAL;
	for (i = 0; i < HSX_FRAM_SEL_RANGES; i++) {
		if (i >= f->nranges) {
			if (f->ranges[i].first || f->ranges[i].last)
				return -EINVAL;
			continue;
		}
		if (f->ranges[i].first > f->ranges[i].last ||
		    f->ranges[i].last >= HSX_FRAM_PART_MAX)
			return -EINVAL;
		/* Sorted, apart and not touching: one way to write each set of addresses. */
		if (i && f->ranges[i].first <= f->ranges[i - 1].last + 1)
			return -EINVAL;
	}
	return 0;
}

/* Does one of @sel's ranges hold first..last? */
static bool hsx_fram_sel_holds(const union hsx_cap_selector *sel, u32 first, u32 last)
{
	u32 i;

	for (i = 0; i < sel->fram.nranges; i++)
		if (first >= sel->fram.ranges[i].first && last <= sel->fram.ranges[i].last)
			return true;
	return false;
}

static bool hsx_fram_cap_subset(const union hsx_cap_selector *inner,
				const union hsx_cap_selector *outer)
{
	u32 i;

	if (inner->fram.devices & ~outer->fram.devices)
		return false;
	for (i = 0; i < inner->fram.nranges; i++)
		if (!hsx_fram_sel_holds(outer, inner->fram.ranges[i].first,
					inner->fram.ranges[i].last))
			return false;
	return true;
}

/**
 * hsx_fram_sel_covers - does a selector cover an object?
 * @sel: a valid FRAM selector
 * @object: HSX_FRAM_OBJ_DEV() (the device is one of its devices), or
 *	HSX_FRAM_OBJ() (and the range lies in one of its ranges)
 */
bool hsx_fram_sel_covers(const union hsx_cap_selector *sel, u64 object)
{
	u32 dev = (object >> 48) & 0x7fff;
	u32 first = (object >> 24) & (HSX_FRAM_PART_MAX - 1);
	u32 last = object & (HSX_FRAM_PART_MAX - 1);

	if (dev >= HSX_FRAM_MAX_DEVICES || !(sel->fram.devices & BIT(dev)))
		return false;
	if (object & BIT_ULL(63))
		return true;
	return hsx_fram_sel_holds(sel, first, last);
}

static const struct hsx_cap_ops hsx_fram_cap_ops = {
	.rights = HSX_CAP_R_FRAM_ALL,
	.validate = hsx_fram_cap_validate,
	.subset = hsx_fram_cap_subset,
	.covers = hsx_fram_sel_covers,
};

/*
 * READ, WRITE and the records check their capability themselves, per chunk
 * (see the top of the file); the others are checked by the dispatcher.
 */
static const struct hsx_ioctl_op hsx_fram_ops[] = {
	[HSX_FRAM_FN_READ] = { HSX_IOC_FRAM_READ, hsx_fram_read },
	[HSX_FRAM_FN_WRITE] = { HSX_IOC_FRAM_WRITE, hsx_fram_write },
	[HSX_FRAM_FN_GET_SIZE] = { HSX_IOC_FRAM_GET_SIZE, hsx_fram_get_size, HSX_CAP_R_READ },
	[HSX_FRAM_FN_GET_WEAR] = { HSX_IOC_FRAM_GET_WEAR, hsx_fram_get_wear, HSX_CAP_R_READ },
	[HSX_FRAM_FN_INFO] = { HSX_IOC_FRAM_INFO, hsx_fram_info, HSX_CAP_R_READ },
	/* Admin only: the handler checks the node. */
	[HSX_FRAM_FN_MAP] = { HSX_IOC_FRAM_MAP, hsx_fram_map },
	[HSX_FRAM_FN_RECORD_READ] = { HSX_IOC_FRAM_RECORD_READ, hsx_fram_record_read_op },
	[HSX_FRAM_FN_RECORD_WRITE] = { HSX_IOC_FRAM_RECORD_WRITE, hsx_fram_record_write_op },
};

const struct hsx_module hsx_fram_module = {
	.id = HSX_MODULE_FRAM,
	.name = "fram",
	.ops = hsx_fram_ops,
	.n_ops = ARRAY_SIZE(hsx_fram_ops),
	.node_mode = 0666,
	.cap = &hsx_fram_cap_ops,
	.init = hsx_fram_init,
	.exit = hsx_fram_exit,
	.open = hsx_fram_open,
	.release = hsx_fram_release,
	.instance_gone = hsx_fram_instance_gone,
	.instance_release = hsx_fram_instance_release,
	.enters_instances = true,
};
