/* SPDX-License-Identifier: MIT */
#ifndef HSX_FRAM_H
#define HSX_FRAM_H

#include "hsx_hal_types.h"

/**
 * Read data from FRAM (synchronous, uses syscall).
 * 
 * @param addr FRAM address
 * @param buffer Pointer to receive buffer
 * @param length Number of bytes to read
 * @return Number of bytes read, or negative error code
 */
int hsx_fram_read(uint32_t addr, void* buffer, uint32_t length);

/**
 * Write data to FRAM (synchronous, uses syscall).
 * 
 * @param addr FRAM address
 * @param data Pointer to data buffer
 * @param length Number of bytes to write
 * @return Number of bytes written, or negative error code
 */
int hsx_fram_write(uint32_t addr, const void* data, uint32_t length);

/**
 * Get total FRAM size in bytes.
 * 
 * @return Total FRAM size, or negative error code
 */
int hsx_fram_get_size(void);

/**
 * Get wear count for FRAM address (number of writes).
 * 
 * @param addr FRAM address
 * @return Write count, or negative error code
 */
int hsx_fram_get_wear(uint32_t addr);

/**
 * Read variable from FRAM with type safety.
 * 
 * @param addr FRAM address
 * @param var Pointer to variable
 * @param size Size of variable
 * @return HSX_HAL_OK on success, error code otherwise
 */
#define hsx_fram_read_var(addr, var) \
    hsx_fram_read((addr), &(var), sizeof(var))

/**
 * Write variable to FRAM with type safety.
 * 
 * @param addr FRAM address
 * @param var Variable to write
 * @param size Size of variable
 * @return HSX_HAL_OK on success, error code otherwise
 */
#define hsx_fram_write_var(addr, var) \
    hsx_fram_write((addr), &(var), sizeof(var))

/* ---- Additions (not in the spec) ---------------------------------------- */

/*
 * Devices are 0..HSX_FRAM_MAX_DEVICES-1, each bound by the administrator to a
 * non-volatile memory of the machine (an SPI FRAM, an I2C EEPROM, any nvmem
 * device of the kernel; see hsx_fram_get_info() and /sys/hal/fram/<n>/).
 * The spec's functions act on the calling thread's selected device: device 0
 * unless the thread called hsx_fram_select(). The _ex additions take the
 * device.
 *
 * Addresses are 0..size-1, size being hsx_fram_get_size()'s: the part's
 * bytes less the area at its end where hsx.ko keeps the wear counts. A NULL
 * buffer, a length of 0 or above HSX_FRAM_XFER_MAX, or a range that wraps
 * past 2^32 or leaves the largest part hsx.ko binds (HSX_FRAM_PART_MAX, 16
 * MiB) is HSX_HAL_INVALID_PARAM with hsx_hal_errno() 0, and nothing is asked
 * of the kernel; a range past this device's size is HSX_HAL_INVALID_PARAM
 * with EINVAL, from hsx.ko, which checks every access against the part bound
 * at that moment. The spec's read_var and write_var return the byte
 * count as hsx_fram_read() and hsx_fram_write() do (sizeof(var) on success),
 * not HSX_HAL_OK as the spec's comment says.
 *
 * A write that the device failed after some bytes went returns how many
 * did (as write(2)); one that wrote nothing returns the error. So does a
 * read that failed, or whose buffer faulted, part way (as read(2)). Reads and
 * writes are synchronous and thread-safe; one call's bytes are never
 * interleaved with another writer's within a block of HSX_FRAM_BLOCK_SIZE.
 *
 * Errors, besides HSX_HAL_INVALID_PARAM: HSX_HAL_DENIED (no capability for
 * that device and range, or not the right: hsx_hal_errno() EACCES, EPERM,
 * EKEYEXPIRED, EKEYREVOKED), HSX_HAL_NO_DEVICE (ENXIO: the device is not
 * bound; ENODEV: it went away; ENOENT: hsx.ko is not loaded),
 * HSX_HAL_READ_ONLY (EROFS: a write to a read-only part), HSX_HAL_ERROR
 * (EIO: the part failed). hsx_hal_errno() keeps the kernel's errno.
 */
#define HSX_FRAM_MAX_DEVICES 8
#define HSX_FRAM_XFER_MAX    65536 /* bytes per read or write */
#define HSX_FRAM_BLOCK_SIZE  256   /* bytes per wear count */
#define HSX_FRAM_NAME_MAX    32    /* an nvmem device's name with its NUL */
#define HSX_FRAM_PART_MAX    0x1000000U /* bytes of the largest part hsx.ko binds */

/**
 * Choose the device the spec's functions act on, for the calling thread
 * only (other threads keep theirs; a new thread starts with device 0; a
 * fork() child keeps the forking thread's).
 *
 * @return HSX_HAL_OK, or HSX_HAL_INVALID_PARAM for a device past the last
 */
int hsx_fram_select(uint8_t dev);

/** The calling thread's selected device (0 unless hsx_fram_select()). */
uint8_t hsx_fram_selected(void);

/** hsx_fram_read(), hsx_fram_write() and hsx_fram_get_size() on device dev. */
int hsx_fram_read_ex(uint8_t dev, uint32_t addr, void *buffer, uint32_t length);
int hsx_fram_write_ex(uint8_t dev, uint32_t addr, const void *data, uint32_t length);
int hsx_fram_get_size_ex(uint8_t dev);

/* Flags of hsx_fram_info_t. */
#define HSX_FRAM_READ_ONLY     0x1U /* the part cannot be written */
#define HSX_FRAM_WEAR_VOLATILE 0x2U /* too small to keep its wear counts: counted since binding */

/** A device's binding. */
typedef struct {
    uint8_t dev;
    uint8_t bound;       /* 1 when bound; else every other field is zero */
    uint8_t reserved[2];
    uint32_t size;       /* bytes the application sees: addresses 0..size-1 */
    uint32_t part_size;  /* bytes of the part */
    uint32_t wear_area;  /* bytes at the part's end that hsx.ko keeps for the wear counts */
    uint32_t block_size; /* bytes per wear count: HSX_FRAM_BLOCK_SIZE */
    uint32_t flags;      /* HSX_FRAM_READ_ONLY, HSX_FRAM_WEAR_VOLATILE */
    char name[HSX_FRAM_NAME_MAX]; /* the nvmem device it is bound to */
} hsx_fram_info_t;

/**
 * Describe device dev. An unbound device is HSX_HAL_OK with bound 0.
 *
 * @return HSX_HAL_OK, HSX_HAL_INVALID_PARAM, HSX_HAL_DENIED, HSX_HAL_NO_DEVICE
 */
int hsx_fram_get_info(uint8_t dev, hsx_fram_info_t *info);

/** A block's wear. */
typedef struct {
    uint64_t count; /* writes that touched the block (a write counts once per block) */
    uint32_t block; /* the block holding the address: addr / HSX_FRAM_BLOCK_SIZE */
    uint32_t reserved;
} hsx_fram_wear_t;

/**
 * The wear of the block holding addr on device dev. hsx_fram_get_wear()
 * returns the count saturated at INT32_MAX; this one gives it whole.
 *
 * @return HSX_HAL_OK, or an error as hsx_fram_read()'s
 */
int hsx_fram_get_wear_ex(uint8_t dev, uint32_t addr, hsx_fram_wear_t *wear);

/*
 * Records that survive a power loss in the middle of their write. A layout
 * (hsx_fram_record_setup()) gives a region of device dev from base: record
 * id is a group of slots slots (2..HSX_FRAM_SLOTS_MAX) of slot_size bytes
 * (a multiple of 8, above HSX_FRAM_SLOT_HEADER, at most HSX_FRAM_SLOT_HEADER +
 * HSX_FRAM_RECORD_MAX) at base + id * slots * slot_size; each slot holds a
 * header of HSX_FRAM_SLOT_HEADER bytes and up to slot_size -
 * HSX_FRAM_SLOT_HEADER bytes of payload. hsx.ko writes each new version of a
 * record to the slot after the current one, with a sequence number and a
 * CRC, and reads the newest slot whose CRC holds: a write cut anywhere
 * leaves the previous version whole.
 *
 * The layout is the process's (every thread's, and a fork() child's), set
 * once at start; each record call uses the layout in force when it began.
 * A record's group must lie inside the device, and in one range of the
 * capability: reading needs the read right, writing read and write.
 *
 * Errors besides those of hsx_fram_read(): HSX_HAL_NO_DATA (ENODATA: no slot
 * holds a valid version: never written, or every one corrupt, which
 * hsx_fram_record_read_ex() tells apart), HSX_HAL_TOO_SMALL (EMSGSIZE: the
 * payload is longer than the buffer, which holds its first bytes), HSX_HAL_INVALID_PARAM (no layout yet,
 * a payload longer than a slot holds, a group past the device's end).
 */
#define HSX_FRAM_SLOTS_MAX   16
#define HSX_FRAM_RECORD_MAX  4096 /* payload bytes per record */
#define HSX_FRAM_SLOT_HEADER 24   /* bytes of a slot's header */

/* Flags of hsx_fram_record_info_t. */
#define HSX_FRAM_RECORD_CORRUPT 0x1U /* a slot of the group failed its CRC */

/**
 * Set the process's record layout (see above).
 *
 * @return HSX_HAL_OK, or HSX_HAL_INVALID_PARAM (the layout is then unchanged)
 */
int hsx_fram_record_setup(uint8_t dev, uint32_t base, uint32_t slot_size, uint32_t slots);

/**
 * Write len bytes (0..slot_size - HSX_FRAM_SLOT_HEADER, at most
 * HSX_FRAM_RECORD_MAX) as the new version of record id.
 *
 * @return len, or a negative error code (the previous version stays)
 */
int hsx_fram_record_write(uint32_t id, const void *data, uint32_t len);

/**
 * Read the newest version of record id into buf (room for len bytes).
 *
 * @return The payload's length, or a negative error code (HSX_HAL_TOO_SMALL:
 *         buf has less room than the payload; it holds the payload's first
 *         len bytes, and hsx_fram_record_read_ex()'s info.len the length)
 */
int hsx_fram_record_read(uint32_t id, void *buf, uint32_t len);

/** What hsx_fram_record_read_ex() found besides the payload. */
typedef struct {
    uint64_t seq;   /* the version read: 1 for the first write, one more each write */
    uint32_t flags; /* HSX_FRAM_RECORD_CORRUPT, also with HSX_HAL_NO_DATA */
    uint32_t len;   /* the payload's length, also with HSX_HAL_TOO_SMALL */
} hsx_fram_record_info_t;

/** hsx_fram_record_read() that also reports the version and corruption (info may be NULL). */
int hsx_fram_record_read_ex(uint32_t id, void *buf, uint32_t len, hsx_fram_record_info_t *info);

#endif /* HSX_FRAM_H */
