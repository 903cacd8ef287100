// SPDX-License-Identifier: MIT
/*
 * FRAM: hsx.ko binds devices 0..7 to the kernel's nvmem devices. Every
 * function is one ioctl on /dev/hsx/fram (the device in its argument), its
 * arguments checked here first as far as they can be without asking the
 * kernel (the device's size is the kernel's to check: a device may be
 * rebound to another part at any time).
 *
 * State: each thread's selected device (thread-local) and the process's
 * record layout, one atomic word. Neither needs a lock, so FRAM has no fork
 * hooks: a child keeps both, as a thread's copy and the word.
 */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "core/access.h"
#include "core/errors.h"
#include "core/export.h"
#include "fram/fram.h"
#include "hsx_fram.h"
#include "hsx_uapi.h"

_Static_assert(HSX_FRAM_MAX_DEVICES == 8 && HSX_FRAM_MAX_DEVICES <= 16,
               "devices are the uAPI's, three bits in the layout word");
_Static_assert(HSX_FRAM_XFER_MAX == 65536 && HSX_FRAM_BLOCK_SIZE == 256 &&
                   HSX_FRAM_NAME_MAX == 32 && HSX_FRAM_SLOTS_MAX == 16 &&
                   HSX_FRAM_RECORD_MAX == 4096,
               "limits are the uAPI's");
_Static_assert(HSX_FRAM_SLOT_HEADER == sizeof(struct hsx_fram_slot_header),
               "a slot's header is the uAPI's");
_Static_assert(HSX_FRAM_READ_ONLY == HSX_FRAM_F_READ_ONLY &&
                   HSX_FRAM_WEAR_VOLATILE == HSX_FRAM_F_WEAR_VOLATILE &&
                   HSX_FRAM_RECORD_CORRUPT == HSX_FRAM_REC_F_CORRUPT,
               "flags are the uAPI's");
_Static_assert(HSX_FRAM_PART_MAX == 1u << 24, "a base fits in 24 bits of the layout word");

static _Thread_local uint8_t selected;

/* The errno of a failed call, in the words of hsx_fram.h: the codes FRAM adds. */
static int fram_failure(int code)
{
    int err = hsx_hal_errno();

    if (err == EROFS)
        return hsx_fail_with(HSX_HAL_READ_ONLY, err);
    return code;
}

static int fram_ioctl(unsigned long request, void *arg)
{
    int ret = hsx_dev_ioctl(HSX_UMOD_FRAM, request, arg);

    if (ret == HSX_HAL_OK)
        return ret;
    /*
     * A record's words: ENODATA none written, EBADMSG every copy corrupt. For
     * the other calls they are a driver's (an ECC failure is EBADMSG), not "no data".
     */
    int err = hsx_hal_errno();
    if ((request == HSX_IOC_FRAM_RECORD_READ || request == HSX_IOC_FRAM_RECORD_WRITE) &&
        (err == ENODATA || err == EBADMSG))
        return hsx_fail_with(HSX_HAL_NO_DATA, err);
    return fram_failure(ret);
}

static int invalid(void)
{
    return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
}

/* What no part can take: a bad device, buffer or length, or a range past the largest part. */
static bool access_valid(uint8_t dev, uint32_t addr, const void *buf, uint32_t len)
{
    return dev < HSX_FRAM_MAX_DEVICES && buf && len && len <= HSX_FRAM_XFER_MAX &&
           (uint64_t)addr + len <= HSX_FRAM_PART_MAX;
}

/* ---- the selected device ------------------------------------------------------------- */

HSX_API int hsx_fram_select(uint8_t dev)
{
    if (dev >= HSX_FRAM_MAX_DEVICES)
        return invalid();
    selected = dev;
    return HSX_HAL_OK;
}

HSX_API uint8_t hsx_fram_selected(void)
{
    return selected;
}

/* ---- read, write ----------------------------------------------------------------------- */

static int transfer(unsigned long request, uint8_t dev, uint32_t addr, const void *buf,
                    uint32_t len)
{
    if (!access_valid(dev, addr, buf, len))
        return invalid();
    struct hsx_fram_xfer x = {.dev = dev, .addr = addr, .len = len, .buf = (uintptr_t)buf};
    int ret = fram_ioctl(request, &x);
    if (ret != HSX_HAL_OK)
        return ret;
    return (int)x.done;
}

HSX_API int hsx_fram_read_ex(uint8_t dev, uint32_t addr, void *buffer, uint32_t length)
{
    return transfer(HSX_IOC_FRAM_READ, dev, addr, buffer, length);
}

HSX_API int hsx_fram_write_ex(uint8_t dev, uint32_t addr, const void *data, uint32_t length)
{
    return transfer(HSX_IOC_FRAM_WRITE, dev, addr, data, length);
}

HSX_API int hsx_fram_read(uint32_t addr, void *buffer, uint32_t length)
{
    return hsx_fram_read_ex(selected, addr, buffer, length);
}

HSX_API int hsx_fram_write(uint32_t addr, const void *data, uint32_t length)
{
    return hsx_fram_write_ex(selected, addr, data, length);
}

/* ---- size, info, wear ------------------------------------------------------------------ */

HSX_API int hsx_fram_get_size_ex(uint8_t dev)
{
    struct hsx_fram_info info = {.dev = dev};

    if (dev >= HSX_FRAM_MAX_DEVICES)
        return invalid();
    int ret = fram_ioctl(HSX_IOC_FRAM_GET_SIZE, &info);
    if (ret != HSX_HAL_OK)
        return ret;
    /* The kernel binds no part past HSX_FRAM_PART_MAX: the size fits an int. */
    return info.size <= HSX_FRAM_PART_MAX ? (int)info.size : hsx_fail_with(HSX_HAL_ERROR, ERANGE);
}

HSX_API int hsx_fram_get_size(void)
{
    return hsx_fram_get_size_ex(selected);
}

HSX_API int hsx_fram_get_info(uint8_t dev, hsx_fram_info_t *info)
{
    struct hsx_fram_info k = {.dev = dev};

    if (dev >= HSX_FRAM_MAX_DEVICES || !info)
        return invalid();
    int ret = fram_ioctl(HSX_IOC_FRAM_INFO, &k);
    if (ret != HSX_HAL_OK)
        return ret;
    memset(info, 0, sizeof(*info));
    info->dev = dev;
    info->bound = k.bound ? 1 : 0;
    info->size = k.size;
    info->part_size = k.part_size;
    info->wear_area = k.reserved;
    info->block_size = k.block_size;
    info->flags = k.flags;
    memcpy(info->name, k.name, sizeof(info->name) - 1);
    return HSX_HAL_OK;
}

HSX_API int hsx_fram_get_wear_ex(uint8_t dev, uint32_t addr, hsx_fram_wear_t *wear)
{
    struct hsx_fram_wear w = {.dev = dev, .addr = addr};

    if (dev >= HSX_FRAM_MAX_DEVICES || addr >= HSX_FRAM_PART_MAX || !wear)
        return invalid();
    int ret = fram_ioctl(HSX_IOC_FRAM_GET_WEAR, &w);
    if (ret != HSX_HAL_OK)
        return ret;
    *wear = (hsx_fram_wear_t){.count = w.count, .block = w.block};
    return HSX_HAL_OK;
}

HSX_API int hsx_fram_get_wear(uint32_t addr)
{
    hsx_fram_wear_t wear;
    int ret = hsx_fram_get_wear_ex(selected, addr, &wear);

    if (ret != HSX_HAL_OK)
        return ret;
    return wear.count > INT_MAX ? INT_MAX : (int)wear.count;
}

/* ---- records ----------------------------------------------------------------------------- */

/*
 * The layout, one word so that every thread reads it whole without a lock:
 * bit 63 set once there is one; base in bits 0..23, slot_size 24..36,
 * slots 37..41, dev 42..44.
 */
static _Atomic uint64_t layout_word;

#define LAYOUT_SET (UINT64_C(1) << 63)

struct layout {
    uint32_t dev, base, slot_size, slots;
};

static bool layout_of(uint64_t word, struct layout *l)
{
    l->base = (uint32_t)(word & 0xffffff);
    l->slot_size = (uint32_t)(word >> 24 & 0x1fff);
    l->slots = (uint32_t)(word >> 37 & 0x1f);
    l->dev = (uint32_t)(word >> 42 & 0x7);
    return word & LAYOUT_SET;
}

bool hsx_fram_layout_valid(uint8_t dev, uint32_t base, uint32_t slot_size, uint32_t slots)
{
    return dev < HSX_FRAM_MAX_DEVICES && slots >= 2 && slots <= HSX_FRAM_SLOTS_MAX &&
           slot_size > HSX_FRAM_SLOT_HEADER && slot_size % 8 == 0 &&
           slot_size <= HSX_FRAM_SLOT_HEADER + HSX_FRAM_RECORD_MAX &&
           (uint64_t)base + (uint64_t)slots * slot_size <= HSX_FRAM_PART_MAX;
}

HSX_API int hsx_fram_record_setup(uint8_t dev, uint32_t base, uint32_t slot_size, uint32_t slots)
{
    if (!hsx_fram_layout_valid(dev, base, slot_size, slots))
        return invalid();
    atomic_store(&layout_word, LAYOUT_SET | (uint64_t)dev << 42 | (uint64_t)slots << 37 |
                                   (uint64_t)slot_size << 24 | base);
    return HSX_HAL_OK;
}

/* The request for record id under the layout, if there is one and the group fits a part. */
static bool record_request(uint32_t id, struct hsx_fram_record *r)
{
    struct layout l;

    if (!layout_of(atomic_load(&layout_word), &l))
        return false;
    uint64_t group = (uint64_t)l.slots * l.slot_size;
    if (l.base + ((uint64_t)id + 1) * group > HSX_FRAM_PART_MAX)
        return false;
    *r = (struct hsx_fram_record){
        .dev = l.dev, .id = id, .base = l.base, .slot_size = l.slot_size, .slots = l.slots};
    return true;
}

HSX_API int hsx_fram_record_write(uint32_t id, const void *data, uint32_t len)
{
    struct hsx_fram_record r;

    if ((!data && len) || !record_request(id, &r) || len > r.slot_size - HSX_FRAM_SLOT_HEADER)
        return invalid();
    r.len = len;
    r.buf = (uintptr_t)data;
    int ret = fram_ioctl(HSX_IOC_FRAM_RECORD_WRITE, &r);
    return ret == HSX_HAL_OK ? (int)len : ret;
}

HSX_API int hsx_fram_record_read_ex(uint32_t id, void *buf, uint32_t len,
                                    hsx_fram_record_info_t *info)
{
    struct hsx_fram_record r;

    if ((!buf && len) || !record_request(id, &r))
        return invalid();
    r.len = len;
    r.buf = (uintptr_t)buf;
    int ret = fram_ioctl(HSX_IOC_FRAM_RECORD_READ, &r);
    if (info)
        *info = (hsx_fram_record_info_t){
            .seq = r.seq,
            .flags =
                (r.flags & HSX_FRAM_REC_F_CORRUPT) |
                (ret == HSX_HAL_NO_DATA && hsx_hal_errno() == EBADMSG ? HSX_FRAM_REC_F_CORRUPT : 0),
            /* The kernel says the payload's length only when it read one. */
            .len = ret == HSX_HAL_OK || ret == HSX_HAL_TOO_SMALL ? r.len : 0,
        };
    if (ret != HSX_HAL_OK)
        return ret;
    /* As recv() with MSG_TRUNC: hsx.ko copied what fits and says the whole length. */
    if (r.flags & HSX_FRAM_REC_F_TRUNCATED)
        return r.len > len ? hsx_fail_with(HSX_HAL_TOO_SMALL, EMSGSIZE)
                           : hsx_fail_with(HSX_HAL_ERROR, EPROTO);
    return r.len <= len ? (int)r.len : hsx_fail_with(HSX_HAL_ERROR, EPROTO);
}

HSX_API int hsx_fram_record_read(uint32_t id, void *buf, uint32_t len)
{
    return hsx_fram_record_read_ex(id, buf, len, NULL);
}
