// SPDX-License-Identifier: GPL-2.0
/*
 * Records that survive a power loss in the middle of their write (the
 * scheme of UBI's volume headers and littlefs' metadata pairs, for a part
 * that needs no erase): a record is a group of slots, each a header and a
 * payload. A write goes to the slot after the current one, payload first
 * and header last, the header carrying a sequence number one above the
 * current one and a CRC-32C over itself and the payload. A read takes the
 * valid slot with the highest sequence. Cut anywhere, a write leaves either
 * nothing the reader takes (the old record wins) or the whole new record:
 * the slot it wrote is never the current one.
 *
 * The caller holds the device's io_lock, for a write so that two writers of
 * one record do not pick the same slot, for a read so that it does not read
 * a header before two writes and its slot's payload after them (it would
 * take a good record for a corrupt one).
 */
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "fram.h"

static_assert(sizeof(struct hsx_fram_slot_header) == HSX_FRAM_HEADER_SIZE);

/* The slot's CRC-32C: over the header with crc as 0, then the payload. */
u32 hsx_fram_slot_crc(const struct hsx_fram_slot_header *h, const void *payload, u32 len)
{
	struct hsx_fram_slot_header zeroed = *h;
	u32 crc;

	zeroed.crc = 0;
	crc = __crc32c_le(~0U, (const u8 *)&zeroed, sizeof(zeroed));
	return ~__crc32c_le(crc, payload, len);
}

/**
 * hsx_fram_check_group - is a record group well formed and within @limit?
 * @g: the group
 * @limit: the first address past what the group may use
 *
 * Return: 0 or -EINVAL.
 */
int hsx_fram_check_group(const struct hsx_fram_group *g, u32 limit)
{
	u64 group, start;

	if (g->slots < 2 || g->slots > HSX_FRAM_SLOTS_MAX)
		return -EINVAL;
	if (g->slot_size <= HSX_FRAM_HEADER_SIZE || g->slot_size % 8)
		return -EINVAL;
	group = (u64)g->slots * g->slot_size;
	start = (u64)g->base + (u64)g->id * group;
	if (start + group > limit)
		return -EINVAL;
	return 0;
}

static u32 hsx_fram_slot_addr(const struct hsx_fram_group *g, u32 slot)
{
	return g->base + (g->id * g->slots + slot) * g->slot_size;
}

/* A header that may be this group's record (its CRC still to check). */
static bool hsx_fram_header_plausible(const struct hsx_fram_slot_header *h,
				      const struct hsx_fram_group *g)
{
	return le32_to_cpu(h->magic) == HSX_FRAM_SLOT_MAGIC && le32_to_cpu(h->id) == g->id &&
	       le32_to_cpu(h->len) <= g->slot_size - HSX_FRAM_HEADER_SIZE;
}

/**
 * hsx_fram_find_current - the group's valid slot with the highest sequence
 * @fd: the device
 * @g: the group, checked
 * @payload: room for slot_size - HSX_FRAM_HEADER_SIZE bytes; the payload
 *	of the slot found
 * @slot: set to the slot found
 * @head: set to its header
 * @corrupt: set when a slot that looked like the record's failed its CRC
 *
 * Return: 0, -ENODATA (no valid slot), or the device's error.
 */
static int hsx_fram_find_current(struct hsx_fram_dev *fd, const struct hsx_fram_group *g,
				 void *payload, u32 *slot, struct hsx_fram_slot_header *head,
				 bool *corrupt)
{
	struct hsx_fram_slot_header h[HSX_FRAM_SLOTS_MAX];
	unsigned long tried = 0;
	u32 i;
	int ret;

	*corrupt = false;
	for (i = 0; i < g->slots; i++) {
		ret = hsx_fram_io(fd, false, hsx_fram_slot_addr(g, i), sizeof(h[i]), &h[i]);
		if (ret)
			return ret;
	}
	for (;;) {
		u32 best = g->slots;

		/* The untried plausible slot with the highest sequence. */
		for (i = 0; i < g->slots; i++) {
			if ((tried & BIT(i)) || !hsx_fram_header_plausible(&h[i], g))
				continue;
			if (best == g->slots || le64_to_cpu(h[i].seq) > le64_to_cpu(h[best].seq))
				best = i;
		}
		if (best == g->slots)
			return -ENODATA;
		tried |= BIT(best);
		ret = hsx_fram_io(fd, false, hsx_fram_slot_addr(g, best) + HSX_FRAM_HEADER_SIZE,
				  le32_to_cpu(h[best].len), payload);
		if (ret)
			return ret;
		if (hsx_fram_slot_crc(&h[best], payload, le32_to_cpu(h[best].len)) ==
		    le32_to_cpu(h[best].crc)) {
			*slot = best;
			*head = h[best];
			return 0;
		}
		*corrupt = true;
	}
}

/**
 * hsx_fram_record_read - the record of a group
 * @fd: the device
 * @g: the group, checked
 * @buf: room for slot_size - HSX_FRAM_HEADER_SIZE bytes: the payload
 * @len: set to the payload's length
 * @seq: set to its sequence number
 * @flags: set to HSX_FRAM_REC_F_*
 *
 * Return: 0, -ENODATA (no slot holds the record), -EBADMSG (slots hold it,
 * each failing its CRC), or the device's error.
 */
int hsx_fram_record_read(struct hsx_fram_dev *fd, const struct hsx_fram_group *g, void *buf,
			 u32 *len, u64 *seq, u32 *flags)
{
	struct hsx_fram_slot_header head;
	bool corrupt;
	u32 slot;
	int ret;

	ret = hsx_fram_find_current(fd, g, buf, &slot, &head, &corrupt);
	*flags = corrupt ? HSX_FRAM_REC_F_CORRUPT : 0;
	if (ret)
		return ret == -ENODATA && corrupt ? -EBADMSG : ret;
	*len = le32_to_cpu(head.len);
	*seq = le64_to_cpu(head.seq);
	return 0;
}

/**
 * hsx_fram_record_write - replace the record of a group
 * @fd: the device; the caller holds its io_lock
 * @g: the group, checked
 * @buf: the payload
 * @len: its bytes, at most slot_size - HSX_FRAM_HEADER_SIZE
 * @count_wear: count the writes in the blocks' wear (not for the counts' own)
 * @seq: set to the new record's sequence number
 *
 * Return: 0, or the device's error; then the previous record is still the
 * one read (the slot written is not its slot), unless the error came after
 * the whole header reached the part (a driver's late time-out).
 */
int hsx_fram_record_write(struct hsx_fram_dev *fd, const struct hsx_fram_group *g,
			  const void *buf, u32 len, bool count_wear, u64 *seq)
{
	struct hsx_fram_slot_header head, cur;
	u32 slot, target = 0, addr;
	bool corrupt;
	void *scratch;
	int ret;

	lockdep_assert_held(&fd->io_lock);
	if (len > g->slot_size - HSX_FRAM_HEADER_SIZE)
		return -EINVAL;
	scratch = kvmalloc(g->slot_size - HSX_FRAM_HEADER_SIZE, GFP_KERNEL);
	if (!scratch)
		return -ENOMEM;
	ret = hsx_fram_find_current(fd, g, scratch, &slot, &cur, &corrupt);
	kvfree(scratch);
	if (ret && ret != -ENODATA)
		return ret;

	head.magic = cpu_to_le32(HSX_FRAM_SLOT_MAGIC);
	head.id = cpu_to_le32(g->id);
	head.seq = cpu_to_le64(ret ? 1 : le64_to_cpu(cur.seq) + 1);
	head.len = cpu_to_le32(len);
	head.crc = 0;
	head.crc = cpu_to_le32(hsx_fram_slot_crc(&head, buf, len));
	if (!ret)
		target = (slot + 1) % g->slots;

	/* The payload, then the header that makes it the record. */
	addr = hsx_fram_slot_addr(g, target);
	ret = hsx_fram_io(fd, true, addr + HSX_FRAM_HEADER_SIZE, len, (void *)buf);
	if (!ret)
		ret = hsx_fram_io(fd, true, addr, sizeof(head), &head);
	/* What reached the part wore it, whole or not. */
	if (count_wear)
		hsx_fram_count_writes(fd, addr, HSX_FRAM_HEADER_SIZE + len);
	if (ret)
		return ret;
	*seq = le64_to_cpu(head.seq);
	return 0;
}
