// SPDX-License-Identifier: MIT
/*
 * hsx_fuzz's part for FRAM (module 0x13): what the engine (hsx_fuzz.c) needs to drive the
 * module's functions from its table, and the FRAM chains.
 *
 * The rig, made by root at start (fram_setup()): devices 0-2 bound to the test board's
 * simulated parts (hsx_fram_sim.ko): "hsx-fram-sim0" 32 KiB, "hsx-fram-sim1" 1 KiB and
 * "hsx-fram-sim2" 4 KiB, read-only. The sim's switches (fail_next_write, tear_after) cut
 * writes as a power loss would, and its platform driver can be unbound under hsx.
 *
 * The table: READ, WRITE, GET_SIZE, GET_WEAR, INFO, MAP (the admin node's), RECORD_READ and
 * RECORD_WRITE, with field kinds of their own: devices 0..9 and past, addresses at 0, near
 * the end of each part, past the largest and at UINT32_MAX, lengths of 0, 1, a chunk's edges,
 * HSX_FRAM_XFER_MAX and past it, and lengths that wrap the address; user buffers that are
 * valid, NULL, unmapped, cut short by an unmapped page, a read-only page (which a READ cannot
 * fill), kernel or non-canonical; record groups of 0, 1, 2, 16 and 17 slots, slot sizes below
 * the header, not a multiple of 8, past the largest, ids whose group leaves the part or
 * overflows 32 bits, payloads longer than the slot, rooms too small for the record; nvmem
 * names for MAP: the parts', "" (unbind), missing ones and malformed ones, with sizes the
 * kernel contradicts. The oracles are the ABI's rules (uapi/hsx_uapi.h): an argument it
 * refuses must fail, and each function's errno must be one the ABI documents for it.
 *
 * Chains (each draws from a stream of its own):
 *   data:    (root) a region of part 0 only this chain writes (the table's writes keep out of
 *            [FZ_FRAM_CHAIN_LO, FZ_FRAM_CHAIN_HI)): what a READ returns is what the chain
 *            wrote, up to what each WRITE reported done; a write from a bad buffer fails with
 *            EFAULT and changes nothing, a read into one cut short by an unmapped page
 *            reports the bytes before it (EFAULT if none); the nvmem core's own file of
 *            the part agrees; each WRITE adds one to the count of each block it touches;
 *   records: (root) a record group in such a region: ENODATA before the first write, then
 *            each write's sequence one above the last and its payload read back whole (or
 *            truncated to the room, and flagged), bad payload lengths and buffers refused;
 *            writes cut by the sim's switches leave the previous record readable;
 *   bounds:  the exact end of a device as INFO gives it: its last byte readable, one more
 *            refused;
 *   caps:    on a file that may hold a capability (the uid 1000 process's): a success is
 *            within its devices, rights and address ranges, an EACCES is outside them;
 *   unmap:   (root) a device unbound through the admin node while a thread uses it, then
 *            MAP with bad names and sizes, the device bound again; the old instance's file
 *            fails for good;
 *   driver:  (root) the sim's platform driver unbound from a part while a thread uses it: the
 *            device is unbound with it, MAP cannot bind the part while it is gone; the
 *            driver bound again and the device re-mapped, the part's contents and wear counts
 *            are what they were;
 *   switch:  (root) fail_next_write or tear_after flipped at random under the other calls.
 * Exact oracles hold only on one binding: the chains use an instance's file
 * (/dev/hsx/fram<n>), which fails with ENODEV once its binding ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "hsx_uapi.h"

/* ---- the rig --------------------------------------------------------------------------------- */

#define FZ_FRAM_PARTS 3
#define FZ_FRAM_HEADER ((uint32_t)sizeof(struct hsx_fram_slot_header))
#define FZ_FRAM_DEV_NODE "/dev/" HSX_DEV_DIR "/fram"
#define FZ_FRAM_NVMEM "/sys/bus/nvmem/devices/"
#define FZ_FRAM_PARAM "/sys/module/hsx_fram_sim/parameters/"
#define FZ_FRAM_DRIVER "/sys/bus/platform/drivers/hsx-fram-sim/"

/* Device n is bound to part n. */
static const char *const fram_home[FZ_FRAM_PARTS] = {"hsx-fram-sim0", "hsx-fram-sim1",
                                                     "hsx-fram-sim2"};
static const uint32_t fram_part[FZ_FRAM_PARTS] = {32768, 1024, 4096};
#define FZ_FRAM_RO_PART 2

/*
 * Part 0's chain area: regions of FZ_FRAM_REGION bytes (whole blocks), each written by the one
 * chain that claimed it. The table's writes keep out of it, on every device.
 */
#define FZ_FRAM_CHAIN_LO 8192U
#define FZ_FRAM_REGION 512U
#define FZ_FRAM_REGIONS 32U
#define FZ_FRAM_CHAIN_HI (FZ_FRAM_CHAIN_LO + FZ_FRAM_REGION * FZ_FRAM_REGIONS)
#define FZ_FRAM_BLOCKS (FZ_FRAM_REGION / HSX_FRAM_BLOCK_SIZE)

bool have_fram;
struct fz_units fram_units = {HSX_FRAM_MAX_DEVICES, FZ_FRAM_PARTS, K_FRAM_I};
static uint32_t fram_size[FZ_FRAM_PARTS]; /* the application's bytes of each part */
static uint32_t app_max;                  /* the most any device can have: past it, refused */
static unsigned char *ro_page;            /* a page mapped read-only, then none */
static pthread_once_t ro_once = PTHREAD_ONCE_INIT;
static uint32_t claims; /* the regions claimed (root's threads) */
/* Root's: one driver or unmap chain at a time; the sim's switches flipped by one at a time. */
static pthread_mutex_t rig_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sw_lock = PTHREAD_MUTEX_INITIALIZER;

/* The application's bytes of a part, as the ABI lays out its reserved area. */
static uint32_t layout_size(uint32_t part, bool ro)
{
    uint32_t nblocks = (part + HSX_FRAM_BLOCK_SIZE - 1) / HSX_FRAM_BLOCK_SIZE, slot, reserved;

    if (ro || part < HSX_FRAM_WEAR_MIN_SIZE)
        return part;
    slot = (FZ_FRAM_HEADER + nblocks * 4 + 7) / 8 * 8;
    reserved = (4 * slot + HSX_FRAM_BLOCK_SIZE - 1) / HSX_FRAM_BLOCK_SIZE * HSX_FRAM_BLOCK_SIZE;
    return part - reserved;
}

/* A page mapped read-only, then an unmapped one: a WRITE can take no more than its 4096 bytes. */
static void ro_init(void)
{
    unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        return;
    for (unsigned int i = 0; i < 4096; i++)
        p[i] = (unsigned char)(i * 7);
    if (mprotect(p, 4096, PROT_READ) == 0 && mprotect(p + 4096, 4096, PROT_NONE) == 0)
        ro_page = p;
}

static int home_of(const char *name)
{
    for (int n = 0; n < FZ_FRAM_PARTS; n++)
        if (!strcmp(name, fram_home[n]))
            return n;
    return -1;
}

static bool file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Write text to a sysfs file; 0 or the errno. */
static int sysfs_write(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;

    if (fd < 0)
        return errno;
    if (write(fd, text, strlen(text)) < 0)
        e = errno;
    close(fd);
    return e;
}

static bool part_present(unsigned int n)
{
    char path[96];

    snprintf(path, sizeof(path), FZ_FRAM_NVMEM "%s", fram_home[n]);
    return file_exists(path);
}

/* The sim's platform driver bound to part n (or not); 0 or the errno. */
static int driver_bind(unsigned int n, bool bind)
{
    char dev[32];

    snprintf(dev, sizeof(dev), "hsx-fram-sim.%u", n);
    return sysfs_write(bind ? FZ_FRAM_DRIVER "bind" : FZ_FRAM_DRIVER "unbind", dev);
}

/* The switches off: no write fails. Context: sw_lock held. */
static void switches_off(void)
{
    sysfs_write(FZ_FRAM_PARAM "tear_after", "-1");
    sysfs_write(FZ_FRAM_PARAM "fail_next_write", "0");
}

/* ---- the ABI's rules ------------------------------------------------------------------------- */

static bool dev_bad(const struct fz_call *c, uint32_t dev)
{
    return unit_bad(c, dev, &fram_units);
}

/* A range the largest device cannot hold (or an empty one, or one past the most per call). */
static bool range_bad(uint32_t addr, uint32_t len)
{
    return !len || len > HSX_FRAM_XFER_MAX || addr >= app_max || len > app_max - addr;
}

/* A record group no device can hold, or malformed. */
static bool group_bad(const struct hsx_fram_record *r)
{
    uint64_t group = (uint64_t)r->slots * r->slot_size;

    return r->slots < 2 || r->slots > HSX_FRAM_SLOTS_MAX || r->slot_size <= FZ_FRAM_HEADER ||
           r->slot_size % 8 || r->slot_size > FZ_FRAM_HEADER + HSX_FRAM_RECORD_MAX ||
           (uint64_t)r->base + (uint64_t)r->id * group + group > app_max;
}

/*
 * A name MAP must refuse as malformed. Bytes past 0x7f are left undecided (the kernel's ctype
 * takes some as graphic): no nvmem device has one, so MAP fails either way.
 */
static bool name_bad(const char *name, size_t size)
{
    if (!memchr(name, '\0', size))
        return true;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '/' || *p == ',' || *p == '=')
            return true;
    return false;
}

/* Does [addr, addr + len) meet the chain area? */
static bool in_chain_area(uint32_t addr, uint64_t len)
{
    return addr < FZ_FRAM_CHAIN_HI && (uint64_t)addr + len > FZ_FRAM_CHAIN_LO;
}

/* ---- field kinds ----------------------------------------------------------------------------- */

/* F_FVAL: valid values, and values the ABI refuses or edges, of a record's and MAP's fields. */
enum fram_val { FV_SLOTS, FV_SLOTSZ, FV_ID, FV_MSIZE, FV_N };

/* F_FBUF's aux: the kernel reads the buffer (a WRITE), or fills it (a READ). */
#define FZ_FB_IN 0
#define FZ_FB_OUT 1

static const struct fz_vals fram_vals[FV_N] = {
    [FV_SLOTS] = {UV(2, 2, 3, 4, 8, HSX_FRAM_SLOTS_MAX),
                  UV(0, 1, HSX_FRAM_SLOTS_MAX + 1, 0x80000000U, 0xffffffffU), 6, 5, 2,
                  HSX_FRAM_SLOTS_MAX},
    /* 4120: the header and HSX_FRAM_RECORD_MAX; 4128 one step past */
    [FV_SLOTSZ] = {UV(32, 32, 64, 128, 256, 40, 1024, FZ_FRAM_HEADER + HSX_FRAM_RECORD_MAX),
                   UV(0, 8, FZ_FRAM_HEADER, 33, 60, FZ_FRAM_HEADER + HSX_FRAM_RECORD_MAX + 8,
                      0xfffffff8U, 0x80000000U),
                   8, 8, 0, 0},
    /* ids whose group leaves the part, or whose offset overflows 32 bits */
    [FV_ID] = {UV(0, 0, 0, 1, 2, 3, 7),
               UV(0xffffffffU, 0x80000000U, 0x01000000U, 0x00100000U, 0x10000U, 0x00800000U), 7, 6,
               0, 15},
    /* MAP's size: 0 (the kernel knows), the parts' own; contradicting ones */
    [FV_MSIZE] = {UV(0, 0, 0, 0, 0, 32768, 1024, 4096),
                  UV(1, 32767, 32769, 1025, HSX_FRAM_PART_MAX, HSX_FRAM_PART_MAX + 1, 0xffffffffU),
                  8, 7, 0, 0},
};

static uint32_t gen_addr(struct fz_rng *r, bool corrupt)
{
    uint32_t k = rn(r, 100);

    if (corrupt) {
        const uint32_t bad[] = {fram_size[0],          fram_size[0] + 1, app_max,
                                app_max + 1,           fram_part[0],     HSX_FRAM_PART_MAX,
                                HSX_FRAM_PART_MAX - 1, 0x80000000U,      0xffffffffU,
                                0xfffffff0U,           fram_size[1],     fram_size[2]};
        return bad[rn(r, sizeof(bad) / sizeof(bad[0]))];
    }
    if (k < 60)
        return rn(r, 1024); /* every part has it */
    if (k < 75)
        return rn(r, FZ_FRAM_CHAIN_LO);
    if (k < 85)
        return FZ_FRAM_CHAIN_HI + rn(r, fram_size[0] - FZ_FRAM_CHAIN_HI);
    /* near a part's end */
    return fram_size[rn(r, FZ_FRAM_PARTS)] - 1 - rn(r, 16);
}

static uint32_t gen_len(struct fz_rng *r, uint32_t addr, bool corrupt)
{
    uint32_t k = rn(r, 100);

    if (corrupt) {
        const uint32_t bad[] = {
            0,           HSX_FRAM_XFER_MAX, HSX_FRAM_XFER_MAX + 1,     0xffffffffU,
            0x80000000U, app_max + 1,       0U - addr + 1 + rn(r, 16), /* addr + len wraps */
            0U - addr};
        return bad[rn(r, sizeof(bad) / sizeof(bad[0]))];
    }
    if (k < 55)
        return 1 + rn(r, 64);
    if (k < 80)
        return 1 + rn(r, 512);
    if (k < 92) {
        static const uint32_t edge[] = {1, 255, 256, 257, 4095, 4096, 4097, 8192};
        return edge[rn(r, 8)];
    }
    /* up to the part's end, often */
    return k < 96 && addr < fram_size[0] ? fram_size[0] - addr : 1 + rn(r, 16384);
}

void fram_gen_field(struct fz_call *c, const struct fz_field *f, bool corrupt)
{
    struct fz_rng *r = &c->w->rng;
    unsigned char *p = c->buf + f->off;
    uint64_t v = 0;

    pthread_once(&ro_once, ro_init);
    switch (f->kind) {
    case F_FDEV:
        v = gen_unit(c, &fram_units, corrupt);
        break;
    case F_FADDR:
        v = gen_addr(r, corrupt);
        break;
    case F_FLEN: {
        uint32_t addr;
        memcpy(&addr, c->buf + f->aux - 1, sizeof(addr));
        v = gen_len(r, addr, corrupt);
        break;
    }
    case F_FVAL:
        v = gen_val(r, &fram_vals[f->aux], corrupt);
        break;
    case F_FRLEN: {
        uint32_t ss, room;
        memcpy(&ss, c->buf + f->aux - 1, sizeof(ss));
        room = ss > FZ_FRAM_HEADER && ss <= FZ_FRAM_HEADER + HSX_FRAM_RECORD_MAX
                   ? ss - FZ_FRAM_HEADER
                   : 16;
        if (corrupt) {
            const uint32_t bad[] = {room + 1, HSX_FRAM_RECORD_MAX + 1, 0xffffffffU, 0x80000000U};
            v = bad[rn(r, 4)];
        } else {
            uint32_t k = rn(r, 100);
            v = k < 10 ? 0 : k < 25 ? room : k < 35 ? 1 : rn(r, room + 1);
        }
        break;
    }
    case F_FBUF: {
        unsigned char *ubuf = c->w->ubuf;
        if (!corrupt && ubuf) {
            uint32_t off = chance(r, 80) ? 0 : rn(r, 64);
            v = (uint64_t)(uintptr_t)(ubuf + off);
            c->room = FZ_UBUF - off;
            if (f->aux == FZ_FB_IN && ro_page && chance(r, 10)) {
                v = (uint64_t)(uintptr_t)ro_page; /* read-only: fine to read from */
                c->room = 4096;
            }
            break;
        }
        static const uint64_t far[] = {0, 0xffff888000000000ULL, 0x0000800000000000ULL,
                                       0xfffffffffffffff0ULL, 0x1000};
        uint32_t k = rn(r, 8), cut = 1 + rn(r, 300);
        c->room = 0;
        if (k < 5 || !ubuf)
            v = far[k % 5];
        else if (k == 5)
            v = (uint64_t)(uintptr_t)(ubuf + FZ_UBUF); /* unmapped */
        else if (k == 6) {
            v = (uint64_t)(uintptr_t)(ubuf + FZ_UBUF - cut);
            c->room = cut;
        } else if (ro_page) {
            v = (uint64_t)(uintptr_t)ro_page;
            c->room = f->aux == FZ_FB_IN ? 4096 : 0;
        }
        break;
    }
    case F_FNAME: {
        static const char *const bad[] = {"nosuch",
                                          "hsx-fram-sim9",
                                          "hsx-fram-sim3",
                                          "hsx-fram-sim.0",
                                          "HSX-FRAM-SIM0",
                                          "hsx-fram-sim",
                                          "hsx-fram-sim0/",
                                          "../hsx-fram-sim0",
                                          "a,b",
                                          "0=hsx-fram-sim0",
                                          "hsx fram",
                                          "hsx-fram-sim0\n",
                                          "\thsx-fram-sim1",
                                          "\x7f",
                                          "hsx-fram-sim1\x01",
                                          "\xe9t\xe9",
                                          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
        uint32_t k = rn(r, 100);
        memset(p, 0, f->size);
        if (corrupt && chance(r, 30))
            memset(p, 'x', f->size); /* not terminated */
        else if (corrupt || k < 20)
            snprintf((char *)p, f->size, "%s", bad[rn(r, sizeof(bad) / sizeof(bad[0]))]);
        else if (k < 85)
            snprintf((char *)p, f->size, "%s", fram_home[rn(r, FZ_FRAM_PARTS)]);
        /* else "": unbinds */
        return;
    }
    default:
        v = corrupt ? rnd(r) : 0;
        break;
    }
    memcpy(p, &v, f->size < sizeof(v) ? f->size : sizeof(v)); /* little-endian: the low bytes */
}

/* ---- selectors ------------------------------------------------------------------------------- */

bool fram_sel_bad(uint32_t rights, const union hsx_cap_selector *sel)
{
    const __typeof__(sel->fram) *f = &sel->fram;

    if (!rights || (rights & ~HSX_CAP_R_FRAM_ALL) || !f->devices ||
        (f->devices >> HSX_FRAM_MAX_DEVICES) || f->reserved || !f->nranges ||
        f->nranges > HSX_FRAM_SEL_RANGES)
        return true;
    for (unsigned int i = 0; i < HSX_FRAM_SEL_RANGES; i++) {
        if (i >= f->nranges) {
            if (f->ranges[i].first || f->ranges[i].last)
                return true;
            continue;
        }
        if (f->ranges[i].first > f->ranges[i].last || f->ranges[i].last >= HSX_FRAM_PART_MAX)
            return true;
        /* sorted, apart, and not touching */
        if (i && f->ranges[i].first <= f->ranges[i - 1].last + 1)
            return true;
    }
    return false;
}

/* Does one of sel's ranges hold first..last? */
static bool sel_holds(const union hsx_cap_selector *sel, uint32_t first, uint32_t last)
{
    for (unsigned int i = 0; i < sel->fram.nranges && i < HSX_FRAM_SEL_RANGES; i++)
        if (first >= sel->fram.ranges[i].first && last <= sel->fram.ranges[i].last)
            return true;
    return false;
}

bool fram_sel_within(const union hsx_cap_selector *inner, const union hsx_cap_selector *outer)
{
    if (inner->fram.devices & ~outer->fram.devices)
        return false;
    for (unsigned int i = 0; i < inner->fram.nranges && i < HSX_FRAM_SEL_RANGES; i++)
        if (!sel_holds(outer, inner->fram.ranges[i].first, inner->fram.ranges[i].last))
            return false;
    return true;
}

/* n sorted ranges, apart, within 0..top-1. */
static void sane_ranges(struct fz_rng *r, union hsx_cap_selector *sel, unsigned int n, uint32_t top)
{
    uint32_t at = 0, step = top / n;

    sel->fram.nranges = (uint16_t)n;
    for (unsigned int i = 0; i < n; i++) {
        uint32_t first = at + rn(r, step / 4 + 1), last = first + rn(r, step / 2 + 1);
        sel->fram.ranges[i].first = first;
        sel->fram.ranges[i].last = last;
        at = i * step + step;
        if (at <= last + 1)
            at = last + 2;
    }
}

void fram_gen_sel(struct fz_rng *r, union hsx_cap_selector *sel)
{
    static const uint16_t devs[] = {1, 2, 3, 7, 0xff, 0x80};
    static const uint16_t edge[] = {0, 0x100, 0x8000, 0xffff};
    __typeof__(sel->fram) *f = &sel->fram;
    uint32_t k = rn(r, 100);

    memset(sel, 0, sizeof(*sel));
    f->devices = k < 70 ? devs[rn(r, 6)] : k < 85 ? (uint16_t)(1U << rn(r, 8)) : edge[rn(r, 4)];
    k = rn(r, 100);
    if (k < 25) {
        f->nranges = 1;
        f->ranges[0].last = chance(r, 50) ? HSX_FRAM_PART_MAX - 1 : app_max - 1;
    } else if (k < 75) {
        sane_ranges(r, sel, 1 + rn(r, HSX_FRAM_SEL_RANGES), chance(r, 50) ? app_max : 4096);
    } else {
        /* broken: no range, one too many, unsorted, adjacent, overlapping, past the largest */
        sane_ranges(r, sel, 2 + rn(r, 2), app_max);
        switch (rn(r, 8)) {
        case 0:
            f->nranges = 0;
            break;
        case 1:
            f->nranges = HSX_FRAM_SEL_RANGES + 1;
            break;
        case 2: {
            __typeof__(f->ranges[0]) t = f->ranges[0];
            f->ranges[0] = f->ranges[1], f->ranges[1] = t;
            break;
        }
        case 3:
            f->ranges[1].first = f->ranges[0].last + 1;
            break;
        case 4:
            f->ranges[1].first = f->ranges[0].last;
            break;
        case 5:
            f->ranges[f->nranges - 1].last = chance(r, 50) ? HSX_FRAM_PART_MAX : 0xffffffffU;
            break;
        case 6:
            f->ranges[0].first = f->ranges[0].last + 1;
            break;
        default:
            f->nranges--; /* a range left past nranges */
            break;
        }
    }
    if (chance(r, 4))
        f->reserved = 1U << rn(r, 32);
}

void fram_mint_sel(struct fz_rng *r, union hsx_cap_selector *sel, const struct fz_slot *target)
{
    __typeof__(sel->fram) *f = &sel->fram;

    memset(sel, 0, sizeof(*sel));
    if (target->kind == K_FRAM_I && target->index < HSX_FRAM_MAX_DEVICES)
        f->devices = (uint16_t)(1U << target->index);
    else
        f->devices = chance(r, 60) ? (1U << FZ_FRAM_PARTS) - 1 : 1U << rn(r, FZ_FRAM_PARTS);
    if (chance(r, 40)) {
        f->nranges = 1;
        f->ranges[0].last = app_max - 1;
    } else {
        sane_ranges(r, sel, 1 + rn(r, HSX_FRAM_SEL_RANGES), chance(r, 50) ? app_max : 1024);
    }
}

void fram_derive_sel(struct fz_rng *r, union hsx_cap_selector *sel)
{
    __typeof__(sel->fram) *f = &sel->fram;
    uint32_t k = rn(r, 100), i = f->nranges ? rn(r, f->nranges) : 0;

    if (i >= HSX_FRAM_SEL_RANGES)
        return;
    if (k < 55) {
        /* narrower: fewer devices, a shorter range, the last range dropped */
        uint16_t keep = f->devices & (uint16_t)rnd(r);
        f->devices = keep ? keep : f->devices;
        if (chance(r, 60)) {
            uint32_t span = f->ranges[i].last - f->ranges[i].first;
            f->ranges[i].first += rn(r, span / 2 + 1);
            f->ranges[i].last -= rn(r, (f->ranges[i].last - f->ranges[i].first) / 2 + 1);
        }
        if (f->nranges > 1 && chance(r, 20)) {
            f->nranges--;
            f->ranges[f->nranges].first = f->ranges[f->nranges].last = 0;
        }
    } else if (k < 80) {
        /* wider or broken */
        switch (rn(r, 6)) {
        case 0:
            f->ranges[i].last++;
            break;
        case 1:
            f->ranges[i].first--;
            break;
        case 2:
            f->devices |= (uint16_t)(1U << rn(r, 16));
            break;
        case 3:
            f->nranges = (uint16_t)rn(r, 5);
            break;
        case 4:
            f->reserved = 1U << rn(r, 32);
            break;
        default:
            f->ranges[i].last = HSX_FRAM_PART_MAX - 1;
            f->ranges[i].first = 0;
            break;
        }
    }
}

/* ---- errnos: what the ABI documents for each function ---------------------------------------- */

static bool fram_cmd(unsigned long cmd)
{
    return _IOC_TYPE(cmd) == HSX_IOC_MAGIC && HSX_IOC_NR_MODULE(_IOC_NR(cmd)) == HSX_MODULE_FRAM;
}

/* Every function: arguments, binding, capabilities, memory. */
static bool err_common(int e)
{
    return e == EINVAL || e == ENXIO || e == ENODEV || e == EFAULT || e == ENOMEM || e == ENOTTY ||
           e == EACCES || e == EPERM || e == EKEYEXPIRED || e == EKEYREVOKED;
}

static bool fram_err_ok(unsigned long cmd, int e)
{
    if (err_common(e))
        return true;
    switch (cmd) {
    case HSX_IOC_FRAM_READ:
        return e == EIO;
    case HSX_IOC_FRAM_WRITE:
    case HSX_IOC_FRAM_RECORD_WRITE:
        return e == EIO || e == EROFS;
    case HSX_IOC_FRAM_MAP:
        return e == EBUSY;
    case HSX_IOC_FRAM_RECORD_READ:
        return e == EIO || e == ENODATA || e == EBADMSG;
    default:
        return false;
    }
}

bool fram_errno_ok(const struct fz_call *c)
{
    /* On another module's node, a queue or a socket: not FRAM's to say (by the number called). */
    if (!fram_cmd(c->cmd) || !(KB(c->slot.kind) & (K_FRAMS | KB(K_CTL) | KB(K_ADMIN))))
        return is_documented(c->err);
    return fram_err_ok(c->cmd, c->err);
}

/* ---- oracles and the table ------------------------------------------------------------------- */

static __thread uint32_t room_in; /* RECORD_READ's room, as the call asked */

static void pre_fram_xfer(struct fz_call *c)
{
    struct hsx_fram_xfer *x = (void *)c->buf;
    bool write = c->op->cmd == HSX_IOC_FRAM_WRITE;

    /* the chain area is the chains' */
    if (write && x->len <= HSX_FRAM_XFER_MAX && in_chain_area(x->addr, x->len)) {
        if (x->addr < FZ_FRAM_CHAIN_LO)
            x->len = FZ_FRAM_CHAIN_LO - x->addr;
        else
            x->addr = x->addr - FZ_FRAM_CHAIN_LO + FZ_FRAM_CHAIN_HI;
    }
    /* a READ whose buffer faults part way reports what arrived (as read(2)): only a fault at
     * its first byte fails it; a WRITE's buffer is copied whole first */
    if (dev_bad(c, x->dev) || x->reserved || x->reserved2 || range_bad(x->addr, x->len) ||
        (write ? c->room < x->len : !c->room))
        c->must_fail = true;
}

static void post_fram_xfer(struct fz_call *c)
{
    const struct hsx_fram_xfer *x = (const void *)c->buf;

    if (!x->done || x->done > x->len)
        unexpected(c->w, "%s of %u bytes at %#x: done %u", c->op->name, x->len, x->addr, x->done);
    else if (x->done > c->room)
        unexpected(c->w,
                   "%s of %u bytes at %#x: done %u, past the %" PRIu64
                   " bytes its buffer has before a fault",
                   c->op->name, x->len, x->addr, x->done, c->room);
    if (c->op->cmd == HSX_IOC_FRAM_WRITE) {
        count(&stats->fram_writes);
        __atomic_fetch_add(&stats->fram_bytes, x->done, __ATOMIC_RELAXED);
    }
}

static void pre_fram_wear(struct fz_call *c)
{
    const struct hsx_fram_wear *w = (const void *)c->buf;

    if (dev_bad(c, w->dev) || w->reserved || w->addr >= app_max)
        c->must_fail = true;
}

static void post_fram_wear(struct fz_call *c)
{
    const struct hsx_fram_wear *w = (const void *)c->buf;

    if (w->block != w->addr / HSX_FRAM_BLOCK_SIZE || w->reserved)
        unexpected(c->w, "FRAM_GET_WEAR at %#x: block %u, reserved %u", w->addr, w->block,
                   w->reserved);
}

static void pre_fram_info(struct fz_call *c)
{
    const struct hsx_fram_info *i = (const void *)c->buf;

    if (dev_bad(c, i->dev))
        c->must_fail = true;
}

/* INFO's shape; NULL when it is right. */
static const char *info_bad(const struct hsx_fram_info *i)
{
    int n;

    if (!memchr(i->name, '\0', sizeof(i->name)))
        return "a name not terminated";
    if (i->bound > 1 || i->pad)
        return "bound or pad out of range";
    if (!i->bound)
        return i->size || i->part_size || i->reserved || i->block_size || i->flags || i->name[0]
                   ? "not bound, but fields set"
                   : NULL;
    if (!i->name[0] || i->block_size != HSX_FRAM_BLOCK_SIZE ||
        i->size + i->reserved != i->part_size || !i->size || i->part_size > HSX_FRAM_PART_MAX ||
        (i->flags & ~(HSX_FRAM_F_READ_ONLY | HSX_FRAM_F_WEAR_VOLATILE)))
        return "bound, without a name, or sizes, block size or flags out of shape";
    if (!i->reserved != !!(i->flags & HSX_FRAM_F_WEAR_VOLATILE))
        return "a reserved area and volatile counts, or neither";
    n = home_of(i->name);
    if (n >= 0 && (i->part_size != fram_part[n] ||
                   !!(i->flags & HSX_FRAM_F_READ_ONLY) != (n == FZ_FRAM_RO_PART) ||
                   i->size != layout_size(fram_part[n], n == FZ_FRAM_RO_PART)))
        return "a simulated part of another size, layout or writability";
    return NULL;
}

static void post_fram_info(struct fz_call *c)
{
    const struct hsx_fram_info *i = (const void *)c->buf;
    const char *why = info_bad(i);

    if (!why && c->op->cmd == HSX_IOC_FRAM_GET_SIZE && !i->bound)
        why = "GET_SIZE succeeded on a device not bound";
    if (why)
        unexpected(c->w,
                   "%s of device %u: %s: bound %u size %u part %u reserved %u flags %#x "
                   "name \"%.32s\"",
                   c->op->name, i->dev, why, i->bound, i->size, i->part_size, i->reserved, i->flags,
                   i->name);
}

static void pre_fram_map(struct fz_call *c)
{
    const struct hsx_fram_map *m = (const void *)c->buf;
    bool term = memchr(m->name, '\0', sizeof(m->name)) != NULL;
    int n = term ? home_of(m->name) : -1;

    /* a name no part has, or a size the part's contradicts */
    if (m->dev >= HSX_FRAM_MAX_DEVICES || m->size > HSX_FRAM_PART_MAX || !term ||
        (m->name[0] && (name_bad(m->name, sizeof(m->name)) || n < 0)) ||
        (n >= 0 && m->size && m->size != fram_part[n]))
        c->must_fail = true;
}

static void post_fram_map(struct fz_call *c)
{
    const struct hsx_fram_map *m = (const void *)c->buf;

    count(m->name[0] ? &stats->fram_binds : &stats->fram_unbinds);
}

static void pre_fram_record(struct fz_call *c)
{
    struct hsx_fram_record *r = (void *)c->buf;
    bool write = c->op->cmd == HSX_IOC_FRAM_RECORD_WRITE;
    uint64_t group = (uint64_t)r->slots * r->slot_size;

    if (write && in_chain_area(r->base, (uint64_t)r->id * group + group))
        r->base = FZ_FRAM_CHAIN_HI, r->id = 0;
    room_in = r->len;
    if (dev_bad(c, r->dev) || r->reserved || group_bad(r) ||
        (write && (r->len > r->slot_size - FZ_FRAM_HEADER || c->room < r->len)))
        c->must_fail = true;
}

static void post_fram_record(struct fz_call *c)
{
    const struct hsx_fram_record *r = (const void *)c->buf;
    bool write = c->op->cmd == HSX_IOC_FRAM_RECORD_WRITE;
    bool trunc = r->flags & HSX_FRAM_REC_F_TRUNCATED;

    if (!r->seq || (r->flags & ~(HSX_FRAM_REC_F_CORRUPT | HSX_FRAM_REC_F_TRUNCATED)) ||
        r->reserved || (write && trunc) ||
        (!write && (r->len > r->slot_size - FZ_FRAM_HEADER || trunc != (r->len > room_in))))
        unexpected(c->w, "%s: seq %" PRIu64 " flags %#x len %u (room %u, slot size %u)",
                   c->op->name, (uint64_t)r->seq, r->flags, r->len, room_in, r->slot_size);
    count(&stats->fram_records);
}

#define ADDR_OF(type) (offsetof(type, addr) + 1)
#define SLOT_SIZE_OF (offsetof(struct hsx_fram_record, slot_size) + 1)

/* READ and WRITE, RECORD_READ and RECORD_WRITE: the same fields, a buffer read or filled. */
#define XFER_FIELDS(dir)                                                                           \
    {                                                                                              \
        FLD(struct hsx_fram_xfer, dev, F_FDEV, 0), FLD(struct hsx_fram_xfer, addr, F_FADDR, 0),    \
            FLD(struct hsx_fram_xfer, len, F_FLEN, ADDR_OF(struct hsx_fram_xfer)),                 \
            FLD(struct hsx_fram_xfer, reserved, F_RES, 0),                                         \
            FLD(struct hsx_fram_xfer, buf, F_FBUF, dir),                                           \
            FLD(struct hsx_fram_xfer, done, F_OUT, 0),                                             \
            FLD(struct hsx_fram_xfer, reserved2, F_RES, 0),                                        \
    }
#define RECORD_FIELDS(dir)                                                                         \
    {                                                                                              \
        FLD(struct hsx_fram_record, dev, F_FDEV, 0),                                               \
            FLD(struct hsx_fram_record, id, F_FVAL, FV_ID),                                        \
            FLD(struct hsx_fram_record, base, F_FADDR, 0),                                         \
            FLD(struct hsx_fram_record, slot_size, F_FVAL, FV_SLOTSZ),                             \
            FLD(struct hsx_fram_record, slots, F_FVAL, FV_SLOTS),                                  \
            FLD(struct hsx_fram_record, len, F_FRLEN, SLOT_SIZE_OF),                               \
            FLD(struct hsx_fram_record, buf, F_FBUF, dir),                                         \
            FLD(struct hsx_fram_record, seq, F_OUT, 0),                                            \
            FLD(struct hsx_fram_record, flags, F_OUT, 0),                                          \
            FLD(struct hsx_fram_record, reserved, F_RES, 0),                                       \
    }
static const struct fz_field f_fram_write[] = XFER_FIELDS(FZ_FB_IN);
static const struct fz_field f_fram_read[] = XFER_FIELDS(FZ_FB_OUT);
static const struct fz_field f_fram_wear[] = {
    FLD(struct hsx_fram_wear, dev, F_FDEV, 0),     FLD(struct hsx_fram_wear, addr, F_FADDR, 0),
    FLD(struct hsx_fram_wear, count, F_OUT, 0),    FLD(struct hsx_fram_wear, block, F_OUT, 0),
    FLD(struct hsx_fram_wear, reserved, F_RES, 0),
};
static const struct fz_field f_fram_info[] = {
    FLD(struct hsx_fram_info, dev, F_FDEV, 0), FLD(struct hsx_fram_info, bound, F_OUT, 0),
    FLD(struct hsx_fram_info, size, F_OUT, 0), FLD(struct hsx_fram_info, flags, F_OUT, 0),
    FLD(struct hsx_fram_info, pad, F_OUT, 0),  FLD(struct hsx_fram_info, name, F_OUT, 0),
};
static const struct fz_field f_fram_map[] = {
    FLD(struct hsx_fram_map, dev, F_FDEV, 0),
    FLD(struct hsx_fram_map, size, F_FVAL, FV_MSIZE),
    FLD(struct hsx_fram_map, name, F_FNAME, 0),
};
static const struct fz_field f_fram_rec_write[] = RECORD_FIELDS(FZ_FB_IN);
static const struct fz_field f_fram_rec_read[] = RECORD_FIELDS(FZ_FB_OUT);

/* The module's node and its instances' serve every function; MAP is the admin node's. */
#define K_FRAM_FN (K_FRAMS | KB(K_CTL))
static const struct fz_op fram_ops[] = {
    {"FRAM_READ", HSX_IOC_FRAM_READ, K_FRAM_FN, true, 0, FIELDS(f_fram_read), post_fram_xfer,
     pre_fram_xfer},
    {"FRAM_WRITE", HSX_IOC_FRAM_WRITE, K_FRAM_FN, true, 0, FIELDS(f_fram_write), post_fram_xfer,
     pre_fram_xfer},
    {"FRAM_GET_SIZE", HSX_IOC_FRAM_GET_SIZE, K_FRAM_FN, true, 0, FIELDS(f_fram_info),
     post_fram_info, pre_fram_info},
    {"FRAM_GET_WEAR", HSX_IOC_FRAM_GET_WEAR, K_FRAM_FN, true, 0, FIELDS(f_fram_wear),
     post_fram_wear, pre_fram_wear},
    {"FRAM_INFO", HSX_IOC_FRAM_INFO, K_FRAM_FN, true, 0, FIELDS(f_fram_info), post_fram_info,
     pre_fram_info},
    {"FRAM_MAP", HSX_IOC_FRAM_MAP, KB(K_CTL) | KB(K_ADMIN), true, 0, FIELDS(f_fram_map),
     post_fram_map, pre_fram_map},
    {"FRAM_RECORD_READ", HSX_IOC_FRAM_RECORD_READ, K_FRAM_FN, true, 0, FIELDS(f_fram_rec_read),
     post_fram_record, pre_fram_record},
    {"FRAM_RECORD_WRITE", HSX_IOC_FRAM_RECORD_WRITE, K_FRAM_FN, true, 0, FIELDS(f_fram_rec_write),
     post_fram_record, pre_fram_record},
};

const struct fz_module fram_module = {"fram", FIELDS(fram_ops)};

/* ---- calls of chains ------------------------------------------------------------------------- */

/* One call of a chain: counted, noted, its errno judged against the function's. */
static int fram_call(struct fz_worker *w, int fd, unsigned long cmd, void *arg, const char *what,
                     unsigned int dev)
{
    int ret = ioctl(fd, cmd, arg), e = ret < 0 ? errno : 0;

    count_errno(e);
    note(w, "chain: %s(fd %d, device %u) = %d%s%s", what, fd, dev, ret, e ? " " : "",
         e ? strerror(e) : "");
    if (e && !fram_err_ok(cmd, e))
        unexpected(w, "%s on device %u: %s, not one the ABI documents for it", what, dev,
                   strerror(e));
    return e;
}

static int fram_xfer(struct fz_worker *w, int fd, bool write, uint32_t dev, uint32_t addr,
                     uint32_t len, const void *buf, uint32_t *done)
{
    struct hsx_fram_xfer x = {
        .dev = dev, .addr = addr, .len = len, .buf = (uint64_t)(uintptr_t)buf};
    int e = fram_call(w, fd, write ? HSX_IOC_FRAM_WRITE : HSX_IOC_FRAM_READ, &x,
                      write ? "FRAM_WRITE" : "FRAM_READ", dev);

    if (!e && (!x.done || x.done > len))
        unexpected(w, "%s of %u bytes at %#x: done %u", write ? "FRAM_WRITE" : "FRAM_READ", len,
                   addr, x.done);
    if (!e && write) {
        count(&stats->fram_writes);
        __atomic_fetch_add(&stats->fram_bytes, x.done, __ATOMIC_RELAXED);
    }
    if (done)
        *done = e ? 0 : x.done;
    return e;
}

static int fram_info(struct fz_worker *w, int fd, uint32_t dev, struct hsx_fram_info *info)
{
    int e;

    memset(info, 0, sizeof(*info));
    info->dev = dev;
    e = fram_call(w, fd, HSX_IOC_FRAM_INFO, info, "FRAM_INFO", dev);
    if (!e && info_bad(info))
        unexpected(w, "FRAM_INFO of device %u: %s", dev, info_bad(info));
    return e;
}

static int fram_wear(struct fz_worker *w, int fd, uint32_t dev, uint32_t addr, uint64_t *count)
{
    struct hsx_fram_wear x = {.dev = dev, .addr = addr};
    int e = fram_call(w, fd, HSX_IOC_FRAM_GET_WEAR, &x, "FRAM_GET_WEAR", dev);

    if (!e && x.block != addr / HSX_FRAM_BLOCK_SIZE)
        unexpected(w, "FRAM_GET_WEAR at %#x: block %u", addr, x.block);
    *count = x.count;
    return e;
}

static int fram_map(struct fz_worker *w, int ctl, unsigned int dev, const char *name)
{
    struct hsx_fram_map m = {.dev = dev};
    int e;

    snprintf(m.name, sizeof(m.name), "%s", name);
    e = fram_call(w, ctl, HSX_IOC_FRAM_MAP, &m, name[0] ? "FRAM_MAP bind" : "FRAM_MAP unbind", dev);
    if (!e)
        count(name[0] ? &stats->fram_binds : &stats->fram_unbinds);
    return e;
}

static bool fram_bound(struct fz_worker *w, int ctl, unsigned int dev, char *name, size_t len)
{
    struct hsx_fram_info info;

    if (fram_info(w, ctl, dev, &info) || !info.bound)
        return false;
    snprintf(name, len, "%s", info.name);
    return true;
}

static const struct fz_binder fram_binder = {HSX_FRAM_MAX_DEVICES, fram_bound, fram_map};

/* Root: the parts' driver bound, and devices 0-2 back on them. Context: rig_lock held. */
static void fram_rebind_locked(struct fz_worker *w)
{
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);

    for (unsigned int n = 0; n < FZ_FRAM_PARTS; n++)
        if (!part_present(n))
            driver_bind(n, true);
    if (ctl < 0)
        return;
    for (unsigned int n = 0; n < FZ_FRAM_PARTS; n++)
        rebind_unit(w, ctl, &fram_binder, n, fram_home[n]);
    close(ctl);
}

static void fram_rebind(struct fz_worker *w)
{
    pthread_mutex_lock(&rig_lock);
    fram_rebind_locked(w);
    pthread_mutex_unlock(&rig_lock);
}

/* A region of the chain area of my own; its index, or -1 when all are taken. */
static int claim_region(struct fz_rng *r)
{
    uint32_t start = rn(r, FZ_FRAM_REGIONS);

    for (uint32_t k = 0; k < FZ_FRAM_REGIONS; k++) {
        uint32_t i = (start + k) % FZ_FRAM_REGIONS, bit = 1U << i;
        if (!(__atomic_fetch_or(&claims, bit, __ATOMIC_ACQ_REL) & bit))
            return (int)i;
    }
    return -1;
}

static void release_region(int i)
{
    __atomic_fetch_and(&claims, ~(1U << i), __ATOMIC_ACQ_REL);
}

/* Device 0's instance file, when part 0 is what it is bound to; -1 otherwise. */
static int open_part0(struct fz_worker *w)
{
    struct hsx_fram_info info;
    int fd = open(FZ_FRAM_DEV_NODE "0", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return -1;
    if (fram_info(w, fd, 0, &info) || !info.bound || strcmp(info.name, fram_home[0])) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * A region's model: what each byte holds (when known), and the wear each block must show:
 * exactly base + more when every write's outcome is known, else up to base + more + maybe.
 */
struct fram_model {
    struct fz_worker *w;
    int fd;
    uint32_t base; /* the region's first address on part 0 */
    unsigned char data[FZ_FRAM_REGION];
    bool known[FZ_FRAM_REGION];
    uint64_t wear0[FZ_FRAM_BLOCKS], more[FZ_FRAM_BLOCKS], maybe[FZ_FRAM_BLOCKS];
    bool wear_ok;
    bool gone; /* the binding ended: no more claims */
};

/* A write's wear on its blocks: one each, certain or not. */
static void model_wear(struct fram_model *m, uint32_t off, uint32_t len, bool certain)
{
    if (!len)
        return;
    for (uint32_t b = off / HSX_FRAM_BLOCK_SIZE; b <= (off + len - 1) / HSX_FRAM_BLOCK_SIZE; b++)
        (certain ? m->more : m->maybe)[b]++;
}

static bool model_open(struct fram_model *m, struct fz_worker *w, int region)
{
    uint32_t done;

    memset(m, 0, sizeof(*m));
    m->w = w;
    m->base = FZ_FRAM_CHAIN_LO + (uint32_t)region * FZ_FRAM_REGION;
    m->fd = open_part0(w);
    if (m->fd < 0)
        return false;
    m->wear_ok = true;
    for (uint32_t b = 0; b < FZ_FRAM_BLOCKS; b++)
        if (fram_wear(w, m->fd, 0, m->base + b * HSX_FRAM_BLOCK_SIZE, &m->wear0[b]))
            m->wear_ok = false;
    /* the region is mine: what it holds now is what it holds until I write */
    if (fram_xfer(w, m->fd, false, 0, m->base, FZ_FRAM_REGION, m->data, &done) == 0)
        for (uint32_t i = 0; i < done; i++)
            m->known[i] = true;
    return true;
}

/* A WRITE of the region (off, len) from buf, and what it did to the model. */
static int model_write(struct fram_model *m, uint32_t off, uint32_t len, const void *buf,
                       const char *why)
{
    uint32_t done;
    int e = fram_xfer(m->w, m->fd, true, 0, m->base + off, len, buf, &done);

    note(m->w, "chain: (%s: %u bytes at region offset %u, done %u)", why, len, off, done);
    if (e == ENODEV) {
        m->gone = true;
        return e;
    }
    if (!e || e == EIO) {
        memcpy(m->data + off, buf, done);
        for (uint32_t i = 0; i < len; i++)
            m->known[off + i] = i < done;
        model_wear(m, off, len, !e && done == len);
    } else {
        unexpected(m->w, "FRAM_WRITE of %u bytes at %#x (region of my own): %s", len, m->base + off,
                   strerror(e));
    }
    return e;
}

/* A READ of the region (off, len): every byte known must be what was written. */
static void model_check(struct fram_model *m, uint32_t off, uint32_t len)
{
    unsigned char got[FZ_FRAM_REGION] = {0};
    uint32_t done;
    int e = fram_xfer(m->w, m->fd, false, 0, m->base + off, len, got, &done);

    if (e == ENODEV)
        m->gone = true;
    if (e)
        return;
    if (done != len)
        unexpected(m->w, "FRAM_READ of %u bytes at %#x: done %u", len, m->base + off, done);
    for (uint32_t i = 0; i < done; i++)
        if (m->known[off + i] && got[i] != m->data[off + i]) {
            unexpected(m->w,
                       "FRAM_READ at %#x read %#04x, where the last WRITE (only this chain "
                       "writes there) left %#04x",
                       m->base + off + i, got[i], m->data[off + i]);
            return;
        }
    count(&stats->fram_checked);
}

/* The nvmem core's own file of part 0 must hold what the model knows. */
static void model_peer(struct fram_model *m)
{
    unsigned char got[FZ_FRAM_REGION];
    int fd = open(FZ_FRAM_NVMEM "hsx-fram-sim0/nvmem", O_RDONLY | O_CLOEXEC);
    ssize_t n = -1;

    if (fd >= 0) {
        n = pread(fd, got, sizeof(got), m->base);
        close(fd);
    }
    if (n != (ssize_t)sizeof(got))
        return; /* the part's driver may be away */
    for (uint32_t i = 0; i < FZ_FRAM_REGION; i++)
        if (m->known[i] && got[i] != m->data[i]) {
            unexpected(m->w, "part 0 at %#x holds %#04x (its nvmem file), not the %#04x written",
                       m->base + i, got[i], m->data[i]);
            return;
        }
    count(&stats->fram_checked);
}

/* The wear of each block of the region: one more for each write that touched it. */
static void model_close(struct fram_model *m)
{
    for (uint32_t b = 0; m->wear_ok && !m->gone && b < FZ_FRAM_BLOCKS; b++) {
        uint64_t now, lo = m->wear0[b] + m->more[b], hi = lo + m->maybe[b];
        uint32_t addr = m->base + b * HSX_FRAM_BLOCK_SIZE;
        if (fram_wear(m->w, m->fd, 0, addr, &now))
            break;
        if (now < lo || now > hi)
            unexpected(m->w,
                       "FRAM_GET_WEAR of block %u: %" PRIu64 ", from %" PRIu64 " before %" PRIu64
                       " writes that touched it (and %" PRIu64 " that failed): one count each",
                       addr / HSX_FRAM_BLOCK_SIZE, now, m->wear0[b], m->more[b], m->maybe[b]);
    }
    close(m->fd);
}

/* Root: set one of the sim's switches for the next write(s). Context: sw_lock held. */
static void switch_set(struct fz_worker *w, struct fz_rng *r, uint32_t bytes)
{
    char text[16];

    if (chance(r, 40)) {
        sysfs_write(FZ_FRAM_PARAM "fail_next_write", "1");
        note(w, "chain: fail_next_write=1");
    } else {
        snprintf(text, sizeof(text), "%u", rn(r, bytes + 1));
        sysfs_write(FZ_FRAM_PARAM "tear_after", text);
        note(w, "chain: tear_after=%s", text);
    }
    count(&stats->fram_switches);
}

/* ---- chain: a region's data ------------------------------------------------------------------ */

static void chain_fram_data(struct fz_worker *w, struct fz_rng *r)
{
    struct fram_model m;
    int region = claim_region(r);
    bool admin = is_root && !w->child;

    if (region < 0)
        return;
    if (!model_open(&m, w, region)) {
        release_region(region);
        return;
    }
    for (unsigned int n = 4 + rn(r, 8); n && !m.gone; n--) {
        unsigned char buf[FZ_FRAM_REGION];
        uint32_t off = rn(r, FZ_FRAM_REGION), len = 1 + rn(r, FZ_FRAM_REGION - off), done;
        uint32_t k = rn(r, 100);
        int e;

        for (uint32_t i = 0; i < len; i++)
            buf[i] = (unsigned char)rnd(r);
        if (k < 40) {
            model_write(&m, off, len, buf, "write");
        } else if (k < 70) {
            model_check(&m, off, len);
        } else if (k < 80) {
            /* from a buffer the kernel cannot read whole: refused, nothing written */
            const unsigned char *bad = chance(r, 30) ? NULL
                                       : chance(r, 50)
                                           ? w->ubuf + FZ_UBUF
                                           : w->ubuf + FZ_UBUF - (len > 1 ? len - 1 : 0);
            e = fram_xfer(w, m.fd, true, 0, m.base + off, len, bad, &done);
            if (e == ENODEV)
                m.gone = true;
            else if (e != EFAULT)
                unexpected(w, "FRAM_WRITE from a bad buffer (%p, %u bytes): %s, not EFAULT",
                           (const void *)bad, len, e ? strerror(e) : "success");
        } else if (k < 88) {
            /* into a read-only page: refused; into one cut short by an unmapped page: the
             * bytes before it, as read(2) (none there: refused) */
            uint32_t fit = chance(r, 50) && ro_page ? 0 : len / 2;
            unsigned char *bad = fit || !ro_page ? w->ubuf + FZ_UBUF - fit : ro_page;
            e = fram_xfer(w, m.fd, false, 0, m.base + off, len < 2 ? 2 : len, bad, &done);
            if (e == ENODEV)
                m.gone = true;
            else if (fit ? e || done != fit : e != EFAULT)
                unexpected(w,
                           "FRAM_READ into a buffer of %u good bytes (%p, %u asked): %s, "
                           "done %u, not %s",
                           fit, (void *)bad, len < 2 ? 2 : len, e ? strerror(e) : "success", done,
                           fit ? "success" : "EFAULT");
            for (uint32_t i = 0; !e && i < done && i < fit; i++)
                if (m.known[off + i] && bad[i] != m.data[off + i]) {
                    unexpected(w,
                               "FRAM_READ into a cut buffer read %#04x at %#x, not the "
                               "%#04x written",
                               bad[i], m.base + off + i, m.data[off + i]);
                    break;
                }
        } else if (k < 94 && admin) {
            /* a write the power cuts */
            pthread_mutex_lock(&sw_lock);
            switch_set(w, r, len);
            e = model_write(&m, off, len, buf, "power cut");
            switches_off();
            pthread_mutex_unlock(&sw_lock);
            if (e == EIO || (!e && m.known[off + len - 1] == false))
                count(&stats->fram_cuts);
        } else if (admin) {
            model_peer(&m);
        } else {
            model_check(&m, 0, FZ_FRAM_REGION);
        }
    }
    if (!m.gone)
        model_check(&m, 0, FZ_FRAM_REGION);
    model_close(&m);
    release_region(region);
}

/* ---- chain: records ------------------------------------------------------------------------- */

struct rec_chain {
    struct fram_model m;
    struct hsx_fram_record g; /* the group: dev, id, base, slot_size, slots */
    uint64_t seq;             /* the current record's, 0: none yet */
    uint32_t len;
    unsigned char payload[FZ_FRAM_REGION];
    bool cut; /* a write failed: slots may hold torn copies */
    /*
     * A write that failed may still have made its record (the part took the whole header
     * before the error): the next read finds the previous record or this one.
     */
    bool maybe;
    uint32_t maybe_len;
    unsigned char maybe_payload[FZ_FRAM_REGION];
};

static int rec_call(struct rec_chain *t, unsigned long cmd, void *buf, uint32_t len,
                    struct hsx_fram_record *out)
{
    *out = t->g;
    out->len = len;
    out->buf = (uint64_t)(uintptr_t)buf;
    return fram_call(t->m.w, t->m.fd, cmd, out,
                     cmd == HSX_IOC_FRAM_RECORD_WRITE ? "FRAM_RECORD_WRITE" : "FRAM_RECORD_READ",
                     0);
}

/* Is what a read returned the record of (seq, len, payload), whole or what the room took? */
static bool rec_is(const struct hsx_fram_record *out, const unsigned char *got, uint32_t room,
                   uint64_t seq, uint32_t len, const unsigned char *payload)
{
    return out->seq == seq && out->len == len &&
           !!(out->flags & HSX_FRAM_REC_F_TRUNCATED) == (len > room) &&
           !memcmp(got, payload, len < room ? len : room);
}

/* The group's record must be the last one written, whole (or what fits of it, flagged). */
static void rec_check(struct rec_chain *t, struct fz_rng *r)
{
    unsigned char got[FZ_FRAM_REGION + 64];
    static const uint32_t rooms[] = {0, 1, 7, 64};
    uint32_t room = chance(r, 60) ? (uint32_t)sizeof(got) : rooms[rn(r, 4)];
    struct hsx_fram_record out;
    int e;

    if (t->len && chance(r, 20))
        room = t->len - 1;
    e = rec_call(t, HSX_IOC_FRAM_RECORD_READ, got, room, &out);
    if (e == ENODEV) {
        t->m.gone = true;
        return;
    }
    if (t->maybe && !e && !(out.flags & ~(HSX_FRAM_REC_F_CORRUPT | HSX_FRAM_REC_F_TRUNCATED)) &&
        rec_is(&out, got, room, t->seq + 1, t->maybe_len, t->maybe_payload)) {
        /* the failed write's record after all */
        t->maybe = false;
        t->seq++;
        t->len = t->maybe_len;
        memcpy(t->payload, t->maybe_payload, t->len);
        count(&stats->fram_checked);
        return;
    }
    t->maybe = false;
    if (!t->seq) {
        if (e != ENODATA && !(e == EBADMSG && t->cut))
            unexpected(t->m.w, "FRAM_RECORD_READ of a group never written%s: %s, not ENODATA",
                       t->cut ? " (a write was cut)" : "", e ? strerror(e) : "success");
        return;
    }
    if (e) {
        unexpected(t->m.w, "FRAM_RECORD_READ of record seq %" PRIu64 ": %s", t->seq, strerror(e));
        return;
    }
    if (!rec_is(&out, got, room, t->seq, t->len, t->payload) ||
        ((out.flags & HSX_FRAM_REC_F_CORRUPT) && !t->cut))
        unexpected(t->m.w,
                   "FRAM_RECORD_READ (room %u): seq %" PRIu64 " len %u flags %#x, not the record "
                   "written last: seq %" PRIu64 " len %u%s",
                   room, (uint64_t)out.seq, out.len, out.flags, t->seq, t->len,
                   t->cut ? " (writes were cut since)" : "");
    else
        count(&stats->fram_checked);
}

/* Replace the record (a write the power may cut); the model follows what the call said. */
static void rec_write(struct rec_chain *t, struct fz_rng *r, bool cut)
{
    unsigned char buf[FZ_FRAM_REGION];
    uint32_t len = rn(r, t->g.slot_size - FZ_FRAM_HEADER + 1);
    uint32_t slot = (uint32_t)(t->seq % t->g.slots);
    uint32_t at = (t->g.id * t->g.slots + slot) * t->g.slot_size; /* in the region */
    struct hsx_fram_record out;
    int e;

    for (uint32_t i = 0; i < len; i++)
        buf[i] = (unsigned char)rnd(r);
    if (t->maybe) {
        /* which record is current decides the slot written: read it first */
        rec_check(t, r);
        if (t->m.gone)
            return;
        slot = (uint32_t)(t->seq % t->g.slots);
        at = (t->g.id * t->g.slots + slot) * t->g.slot_size;
    }
    if (cut) {
        pthread_mutex_lock(&sw_lock);
        switch_set(t->m.w, r, FZ_FRAM_HEADER + len);
    }
    e = rec_call(t, HSX_IOC_FRAM_RECORD_WRITE, buf, len, &out);
    if (cut) {
        switches_off();
        pthread_mutex_unlock(&sw_lock);
    }
    if (e == ENODEV) {
        t->m.gone = true;
        return;
    }
    if (e && e != EIO) {
        unexpected(t->m.w, "FRAM_RECORD_WRITE of %u bytes to a valid group of my own: %s", len,
                   strerror(e));
        return;
    }
    /* the slot after the current one, header and payload: one count per block it touches */
    model_wear(&t->m, at, FZ_FRAM_HEADER + len, !e);
    for (uint32_t i = at; i < at + FZ_FRAM_HEADER + len; i++)
        t->m.known[i] = false;
    if (e) {
        t->cut = true;
        t->maybe = true;
        t->maybe_len = len;
        memcpy(t->maybe_payload, buf, len);
        count(&stats->fram_cuts);
        return;
    }
    if (out.seq != t->seq + 1)
        unexpected(t->m.w, "FRAM_RECORD_WRITE: seq %" PRIu64 " after %" PRIu64, (uint64_t)out.seq,
                   t->seq);
    t->seq = out.seq;
    t->len = len;
    memcpy(t->payload, buf, len);
    count(&stats->fram_records);
}

/* Writes the ABI refuses change nothing. */
static void rec_refused(struct rec_chain *t, struct fz_rng *r)
{
    struct hsx_fram_record out;
    unsigned char buf[FZ_FRAM_REGION];
    uint32_t k = rn(r, 4), room = t->g.slot_size - FZ_FRAM_HEADER;
    int e, want = EINVAL;

    /* (the slot size is 32 or more: every room is 8 bytes or more) */
    memset(buf, 0xa5, sizeof(buf));
    if (k == 0) {
        e = rec_call(t, HSX_IOC_FRAM_RECORD_WRITE, buf, room + 1 + rn(r, 8), &out);
    } else if (k == 1) {
        /* a slot size not a multiple of 8 */
        struct hsx_fram_record save = t->g;
        t->g.slot_size -= 1 + rn(r, 7);
        e = rec_call(t, HSX_IOC_FRAM_RECORD_WRITE, buf, 1, &out);
        t->g = save;
    } else {
        want = EFAULT;
        e = rec_call(t, HSX_IOC_FRAM_RECORD_WRITE,
                     k == 2 ? NULL : t->m.w->ubuf + FZ_UBUF - room / 2, room, &out);
    }
    if (e == ENODEV)
        t->m.gone = true;
    else if (e != want)
        unexpected(t->m.w, "FRAM_RECORD_WRITE the ABI refuses (%u): %s, not %s", k,
                   e ? strerror(e) : "success", strerror(want));
}

static void chain_fram_records(struct fz_worker *w, struct fz_rng *r)
{
    struct rec_chain *t = calloc(1, sizeof(*t));
    int region = claim_region(r);
    unsigned char zero[FZ_FRAM_REGION] = {0};
    bool admin = is_root && !w->child;
    uint32_t group;
    int e;

    if (!t || region < 0 || !model_open(&t->m, w, region)) {
        if (region >= 0)
            release_region(region);
        free(t);
        return;
    }
    /* a clean region: no slot holds anything (a write a switch left to fail: once more) */
    e = model_write(&t->m, 0, FZ_FRAM_REGION, zero, "clear");
    if (e == EIO || (!e && !t->m.known[FZ_FRAM_REGION - 1]))
        e = model_write(&t->m, 0, FZ_FRAM_REGION, zero, "clear again");
    if (e || !t->m.known[FZ_FRAM_REGION - 1])
        goto out;
    t->g.slots = 2 + rn(r, 3);
    t->g.slot_size = 8 * (4 + rn(r, FZ_FRAM_REGION / t->g.slots / 8 - 3));
    group = t->g.slots * t->g.slot_size;
    t->g.id = group * 2 <= FZ_FRAM_REGION && chance(r, 50) ? 1 : 0;
    t->g.base = t->m.base;
    note(w, "chain: records: %u slots of %u bytes, id %u at %#x", t->g.slots, t->g.slot_size,
         t->g.id, t->g.base);
    rec_check(t, r);
    for (unsigned int n = 3 + rn(r, 8); n && !t->m.gone; n--) {
        uint32_t k = rn(r, 100);
        if (k < 40)
            rec_write(t, r, false);
        else if (k < 55 && admin)
            rec_write(t, r, true);
        else if (k < 85)
            rec_check(t, r);
        else
            rec_refused(t, r);
    }
    if (!t->m.gone)
        rec_check(t, r);
out:
    model_close(&t->m);
    release_region(region);
    free(t);
}

/* ---- chain: a device's exact end ------------------------------------------------------------- */

static void chain_fram_bounds(struct fz_worker *w, struct fz_rng *r)
{
    unsigned int dev = rn(r, FZ_FRAM_PARTS);
    char path[64];
    struct hsx_fram_info info;
    unsigned char *buf = w->ubuf;
    uint32_t done, size;
    int fd, e;

    snprintf(path, sizeof(path), FZ_FRAM_DEV_NODE "%u", dev);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 || !buf) {
        if (fd >= 0)
            close(fd);
        return;
    }
    if (fram_info(w, fd, dev, &info) || !info.bound) {
        close(fd);
        return;
    }
    size = info.size;
    /* on one binding (the instance's file): its last byte is there, the next one is not */
    e = fram_xfer(w, fd, false, dev, size - 1, 1, buf, &done);
    if (e && e != ENODEV && e != EIO)
        unexpected(w, "FRAM_READ of the last byte of device %u (size %u): %s", dev, size,
                   strerror(e));
    static const struct {
        int64_t addr, len; /* relative to the size */
    } past[] = {{-1, 2}, {0, 1}, {-4096, 4097}, {1, 0}, {0, 0}};
    unsigned int i = rn(r, 5);
    uint32_t addr = (uint32_t)((int64_t)size + past[i].addr);
    uint32_t len = past[i].len ? (uint32_t)past[i].len : 0U - addr + 1; /* wraps */
    if (past[i].addr == -4096 && size < 4096)
        addr = 0, len = size + 1;
    e = fram_xfer(w, fd, chance(r, 50) && !(info.flags & HSX_FRAM_F_READ_ONLY) && addr >= size, dev,
                  addr, len, buf, &done);
    if (e != EINVAL && e != ENODEV)
        unexpected(w, "FRAM transfer of %u bytes at %#x on device %u of %u bytes: %s, not EINVAL",
                   len, addr, dev, size, e ? strerror(e) : "success");
    if (dev != FZ_FRAM_RO_PART || !(info.flags & HSX_FRAM_F_READ_ONLY)) {
        close(fd);
        return;
    }
    /* a read-only part: writes refused */
    e = fram_xfer(w, fd, true, dev, rn(r, size), 1, buf, &done);
    if (e != EROFS && e != ENODEV)
        unexpected(w, "FRAM_WRITE to read-only device %u: %s, not EROFS", dev,
                   e ? strerror(e) : "success");
    close(fd);
}

/* ---- chain: capabilities --------------------------------------------------------------------- */

static void chain_fram_caps(struct fz_worker *w, struct fz_rng *r)
{
    struct fz_slot s;
    struct hsx_cap_query q0 = {.module = HSX_MODULE_FRAM}, q1 = {.module = HSX_MODULE_FRAM};
    struct hsx_fram_info info;
    struct hsx_fram_record rec = {.slot_size = 32, .slots = 2};
    unsigned char *buf = w->ubuf;
    uint32_t addr, len, done_rd = 0, done_wr = 0;
    uint64_t wear_n;
    unsigned int dev;
    int e_rd, e_wr = -1, e_info, e_wear, e_rec;

    if (!buf || pick_slot_dup(r, K_FRAMS, &s) < 0)
        return;
    dev = s.kind == K_FRAM_I ? s.index : rn(r, FZ_FRAM_PARTS + 1);
    if (ioctl(s.fd, HSX_IOC_CAP_INFO, &q0) < 0)
        q0.cap.id = 0;
    addr = rn(r, 2048);
    if (q0.cap.id && q0.cap.sel.fram.nranges && q0.cap.sel.fram.nranges <= HSX_FRAM_SEL_RANGES &&
        chance(r, 70)) {
        const __typeof__(q0.cap.sel.fram.ranges[0]) *rg =
            &q0.cap.sel.fram.ranges[rn(r, q0.cap.sel.fram.nranges)];
        addr = rg->first + rn(r, rg->last - rg->first + 1);
    }
    len = 1 + rn(r, chance(r, 70) ? 64 : 4096);
    e_rd = fram_xfer(w, s.fd, false, dev, addr, len, buf, &done_rd);
    if (!in_chain_area(addr, len))
        e_wr = fram_xfer(w, s.fd, true, dev, addr, len, buf, &done_wr);
    e_info = fram_info(w, s.fd, dev, &info);
    e_wear = fram_wear(w, s.fd, dev, addr, &wear_n);
    rec.dev = dev;
    rec.base = addr;
    rec.len = 16;
    rec.buf = (uint64_t)(uintptr_t)buf;
    e_rec = fram_call(w, s.fd, HSX_IOC_FRAM_RECORD_READ, &rec, "FRAM_RECORD_READ", dev);
    if (q0.cap.id && ioctl(s.fd, HSX_IOC_CAP_INFO, &q1) == 0 && q1.cap.id == q0.cap.id &&
        q0.cap.state == HSX_CAP_STATE_ACTIVE && q1.cap.state == HSX_CAP_STATE_ACTIVE &&
        s.opener == getpid() && !s.privileged && enforcing) {
        const union hsx_cap_selector *sel = &q0.cap.sel;
        bool dev_ok = dev < HSX_FRAM_MAX_DEVICES && (sel->fram.devices & (1U << dev));
        bool rd = (q0.cap.rights & HSX_CAP_R_READ) && dev_ok;
        bool wr = rd && (q0.cap.rights & HSX_CAP_R_WRITE);
        /*
         * success: what it touched (done_first..done_last) lies in a range; EACCES: not all
         * of first..last did (GET_WEAR's count is its whole block's)
         */
        uint32_t block = addr / HSX_FRAM_BLOCK_SIZE * HSX_FRAM_BLOCK_SIZE;
        struct {
            const char *what;
            int e;
            bool right;
            uint32_t first, last, done_first, done_last;
        } v[] = {
            {"FRAM_READ", e_rd, rd, addr, addr + len - 1, addr, addr + done_rd - 1},
            {"FRAM_WRITE", e_wr, wr, addr, addr + len - 1, addr, addr + done_wr - 1},
            {"FRAM_INFO", e_info, rd, 0, 0, 0, 0},
            {"FRAM_GET_WEAR", e_wear, rd, block, block + HSX_FRAM_BLOCK_SIZE - 1, addr, addr},
            {"FRAM_RECORD_READ", e_rec, rd, addr, addr + 63, addr, addr + 63},
        };
        count(&stats->fram_caps);
        for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
            bool whole = v[i].right && (i == 2 || sel_holds(sel, v[i].first, v[i].last));
            bool some = v[i].right && (i == 2 || sel_holds(sel, v[i].done_first, v[i].done_last));
            if ((!v[i].e && !some) || (v[i].e == EACCES && whole))
                unexpected(w,
                           "%s of %#x..%#x on device %u: %s, capability %llu rights %#x devices "
                           "%#x ranges %u: %#x..%#x %#x..%#x %#x..%#x",
                           v[i].what, v[i].first, v[i].last, dev,
                           v[i].e ? strerror(v[i].e) : "success", (unsigned long long)q0.cap.id,
                           q0.cap.rights, sel->fram.devices, sel->fram.nranges,
                           sel->fram.ranges[0].first, sel->fram.ranges[0].last,
                           sel->fram.ranges[1].first, sel->fram.ranges[1].last,
                           sel->fram.ranges[2].first, sel->fram.ranges[2].last);
        }
    }
    close(s.fd);
}

/* ---- chains: a device taken away under load -------------------------------------------------- */

/* A FRAM loader's call on its device: read, write (outside the chain area), info, wear, record. */
static int fram_loader_step(struct fz_loader *L, int fd, const char **what)
{
    struct fz_worker *w = &L->w;
    struct fz_rng *r = &w->rng;
    unsigned int dev = L->unit;
    uint32_t addr = rn(r, 1024), done;
    struct hsx_fram_info info;
    struct hsx_fram_record rec = {.dev = dev, .slot_size = 64, .slots = 2, .len = 40};
    uint64_t wear_n;
    bool read;

    switch (rn(r, 6)) {
    case 0:
        *what = "FRAM_READ";
        return fram_xfer(w, fd, false, dev, addr, 1 + rn(r, 1024 - addr), w->ubuf, &done);
    case 1:
        *what = "FRAM_WRITE";
        return fram_xfer(w, fd, true, dev, addr, 1 + rn(r, 1024 - addr), w->ubuf, &done);
    case 2:
        *what = "FRAM_INFO";
        return fram_info(w, fd, dev, &info);
    case 3:
        *what = "FRAM_GET_WEAR";
        return fram_wear(w, fd, dev, addr, &wear_n);
    default:
        read = chance(r, 50);
        *what = read ? "FRAM_RECORD_READ" : "FRAM_RECORD_WRITE";
        rec.id = rn(r, 4);
        rec.buf = (uint64_t)(uintptr_t)w->ubuf;
        return fram_call(w, fd, read ? HSX_IOC_FRAM_RECORD_READ : HSX_IOC_FRAM_RECORD_WRITE, &rec,
                         *what, dev);
    }
}

/* The instance's old file, after its binding ended: ENODEV, for good. */
static void old_file_gone(struct fz_worker *w, int fd, unsigned int dev, const char *when)
{
    struct hsx_fram_info info;

    if (fd >= 0 && fram_info(w, fd, dev, &info) != ENODEV)
        unexpected(w, "FRAM_INFO on fram%u's old file %s: not ENODEV", dev, when);
}

static struct fz_loader *loader_start(struct fz_worker *w, struct fz_rng *r, unsigned int dev,
                                      pthread_t *th, bool *started)
{
    char path[64];
    int fd_mod = open(FZ_FRAM_DEV_NODE, O_RDWR | O_CLOEXEC), fd_inst;
    struct fz_loader *L;

    snprintf(path, sizeof(path), FZ_FRAM_DEV_NODE "%u", dev);
    fd_inst = open(path, O_RDWR | O_CLOEXEC);
    L = loader_new(w, r, 200 + w->index, fd_mod, fd_inst, dev, "fram", fram_loader_step);
    if (fd_mod >= 0)
        close(fd_mod);
    if (fd_inst >= 0)
        close(fd_inst);
    *started = L && pthread_create(th, NULL, loader_main, L) == 0;
    return L;
}

static void loader_stop(struct fz_loader *L, pthread_t th, bool started)
{
    __atomic_store_n(&L->stop, 1, __ATOMIC_RELEASE);
    if (started)
        fz_join(th);
}

/* MAP calls the ABI refuses: malformed names, sizes, devices; a part no device may take. */
static void map_refused(struct fz_worker *w, struct fz_rng *r, int ctl, unsigned int dev)
{
    static const char *const bad[] = {
        "hsx-fram-sim0/", "a,b", "0=hsx-fram-sim0", "hsx fram", "hsx-fram-sim1\n", "\x7f", "../x"};
    struct hsx_fram_map m = {.dev = dev};
    uint32_t k = rn(r, 5);
    int e, want = EINVAL, also = EINVAL;

    if (k == 0) {
        snprintf(m.name, sizeof(m.name), "%s", bad[rn(r, sizeof(bad) / sizeof(bad[0]))]);
    } else if (k == 1) {
        memset(m.name, 'x', sizeof(m.name)); /* not terminated */
    } else if (k == 2) {
        snprintf(m.name, sizeof(m.name), "%s", fram_home[dev % FZ_FRAM_PARTS]);
        m.dev = chance(r, 50) ? HSX_FRAM_MAX_DEVICES : 0xffffffffU;
    } else if (k == 3) {
        /* a size the part contradicts: EINVAL, or EBUSY when the device or part is bound */
        snprintf(m.name, sizeof(m.name), "%s", fram_home[dev]);
        m.size = chance(r, 50) ? fram_part[dev] + 1 : HSX_FRAM_PART_MAX + 1;
        also = m.size > HSX_FRAM_PART_MAX ? EINVAL : EBUSY;
    } else {
        snprintf(m.name, sizeof(m.name), "hsx-fram-sim%u", 3 + rn(r, 7));
        want = ENODEV, also = EBUSY;
    }
    e = fram_call(w, ctl, HSX_IOC_FRAM_MAP, &m, "FRAM_MAP (refused)", m.dev);
    if (e != want && e != also)
        unexpected(w, "FRAM_MAP of device %u to \"%.32s\" size %u: %s, not %s", m.dev,
                   memchr(m.name, '\0', sizeof(m.name)) ? m.name : "(not terminated)", m.size,
                   e ? strerror(e) : "success", strerror(want));
}

/* Root: unbind a device through the admin node while a thread uses it; bad MAPs; bind again. */
static void chain_fram_unmap(struct fz_worker *w, struct fz_rng *r)
{
    unsigned int dev = rn(r, FZ_FRAM_PARTS);
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC), e;
    struct fz_loader *L;
    pthread_t th;
    bool started;

    if (ctl < 0)
        return;
    pthread_mutex_lock(&rig_lock);
    fram_rebind_locked(w);
    L = loader_start(w, r, dev, &th, &started);
    note(w, "chain: unbind fram device %u under load", dev);
    usleep(rn(r, 3000));
    e = fram_map(w, ctl, dev, "");
    if (e && e != ENXIO)
        unexpected(w, "unbinding fram device %u: %s", dev, strerror(e));
    if (L) {
        loader_stop(L, th, started);
        old_file_gone(w, L->fd_inst, dev, "after unbinding");
    }
    for (unsigned int n = 1 + rn(r, 4); n; n--)
        map_refused(w, r, ctl, dev);
    fram_rebind_locked(w);
    if (L) {
        old_file_gone(w, L->fd_inst, dev, "after binding again");
        loader_free(L);
    }
    pthread_mutex_unlock(&rig_lock);
    close(ctl);
}

/*
 * Root: the sim's driver leaves a part while a thread uses it: the device goes with it, and
 * MAP cannot bind the part while it is away; the driver back and the device re-mapped, part 0
 * holds what was written and the wear counts written back when it went.
 */
static void chain_fram_driver(struct fz_worker *w, struct fz_rng *r)
{
    unsigned int n = rn(r, FZ_FRAM_PARTS);
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC), region = -1, e, fd;
    unsigned char pattern[64], got[64] = {0};
    struct fz_loader *L;
    uint64_t wear = 0, now;
    bool started, wrote = false;
    uint32_t base = 0, done;
    pthread_t th;

    if (ctl < 0)
        return;
    pthread_mutex_lock(&rig_lock);
    pthread_mutex_lock(&sw_lock);
    switches_off(); /* the counts are written back when the part goes */
    fram_rebind_locked(w);
    if (n == 0 && (region = claim_region(r)) >= 0 && (fd = open_part0(w)) >= 0) {
        base = FZ_FRAM_CHAIN_LO + (uint32_t)region * FZ_FRAM_REGION + rn(r, 64);
        for (unsigned int i = 0; i < sizeof(pattern); i++)
            pattern[i] = (unsigned char)rnd(r);
        wrote = !fram_xfer(w, fd, true, 0, base, sizeof(pattern), pattern, &done) &&
                done == sizeof(pattern) && !fram_wear(w, fd, 0, base, &wear);
        close(fd);
    }
    L = loader_start(w, r, n, &th, &started);
    usleep(rn(r, 3000));
    e = driver_bind(n, false);
    note(w, "chain: hsx-fram-sim.%u's driver unbound: %s", n, e ? strerror(e) : "ok");
    if (L)
        loader_stop(L, th, started);
    if (!e) {
        count(&stats->fram_drv);
        /* the device went with its part, synchronously */
        if (fram_bound(w, ctl, n, (char *)got, sizeof(got)) && !strcmp((char *)got, fram_home[n]))
            unexpected(w, "fram device %u still bound to %s after its driver went", n,
                       fram_home[n]);
        if (L)
            old_file_gone(w, L->fd_inst, n, "after its part's driver went");
        e = fram_map(w, ctl, n, fram_home[n]);
        if (e != ENODEV && e != EBUSY)
            unexpected(w, "FRAM_MAP of device %u to %s while its driver is away: %s, not ENODEV", n,
                       fram_home[n], e ? strerror(e) : "success");
        if ((e = driver_bind(n, true)))
            harness_fail("binding hsx-fram-sim.%u's driver again: %s", n, strerror(e));
    } else {
        wrote = false;
    }
    fram_rebind_locked(w);
    if (L) {
        old_file_gone(w, L->fd_inst, n, "after binding again");
        loader_free(L);
    }
    if (wrote && (fd = open_part0(w)) >= 0) {
        if (!fram_xfer(w, fd, false, 0, base, sizeof(got), got, &done) &&
            memcmp(got, pattern, sizeof(got)))
            unexpected(w, "part 0 at %#x lost what was written before its driver went", base);
        if (!fram_wear(w, fd, 0, base, &now) && now != wear)
            unexpected(w,
                       "block %u's wear count %" PRIu64 " after part 0's driver went and came "
                       "back, %" PRIu64 " before",
                       base / HSX_FRAM_BLOCK_SIZE, now, wear);
        else
            count(&stats->fram_checked);
        close(fd);
    }
    if (region >= 0)
        release_region(region);
    pthread_mutex_unlock(&sw_lock);
    pthread_mutex_unlock(&rig_lock);
    close(ctl);
}

/* Root: a switch flipped under the other calls: the next write fails, or writes tear. */
static void fram_switch(struct fz_worker *w, struct fz_rng *r)
{
    pthread_mutex_lock(&sw_lock);
    switch_set(w, r, 2048);
    if (chance(r, 70)) {
        usleep(rn(r, 3000));
        switches_off();
    }
    pthread_mutex_unlock(&sw_lock);
}

/*
 * A chain draws from a stream of its own, seeded from the worker's: how many draws it makes
 * depends on the kernel's answers, and the worker's calls after it must not. The uid 1000
 * process mostly tries what its capabilities allow.
 */
void chain_fram(struct fz_worker *w)
{
    uint32_t k = rn(&w->rng, 100);
    struct fz_rng lr = {.s = rnd(&w->rng)};
    bool admin = is_root && !w->child;

    if (!have_fram)
        return;
    if (!admin && k < 60)
        PROF(P_FRAM_CAPS, chain_fram_caps(w, &lr));
    else if (!admin)
        PROF(P_FRAM_BOUNDS, chain_fram_bounds(w, &lr));
    else if (k < 30)
        PROF(P_FRAM_DATA, chain_fram_data(w, &lr));
    else if (k < 50)
        PROF(P_FRAM_RECORDS, chain_fram_records(w, &lr));
    else if (k < 58)
        PROF(P_FRAM_BOUNDS, chain_fram_bounds(w, &lr));
    else if (k < 64)
        PROF(P_FRAM_CAPS, chain_fram_caps(w, &lr));
    else if (k < 74)
        PROF(P_FRAM_UNMAP, chain_fram_unmap(w, &lr));
    else if (k < 84)
        PROF(P_FRAM_DRIVER, chain_fram_driver(w, &lr));
    else if (k < 94)
        PROF(P_FRAM_SWITCH, fram_switch(w, &lr));
    else
        PROF(P_FRAM_REBIND, fram_rebind(w));
}

/* ---- setting up and tearing down ------------------------------------------------------------- */

bool fram_setup(void)
{
    int ctl;
    bool ok = true;

    pthread_once(&ro_once, ro_init);
    for (unsigned int n = 0; n < FZ_FRAM_PARTS; n++) {
        fram_size[n] = layout_size(fram_part[n], n == FZ_FRAM_RO_PART);
        if (fram_size[n] > app_max)
            app_max = fram_size[n];
    }
    if (!file_exists(FZ_FRAM_PARAM "tear_after"))
        return false;
    switches_off();
    ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);
    if (ctl < 0)
        return false;
    for (unsigned int n = 0; n < FZ_FRAM_PARTS; n++) {
        struct hsx_fram_map m = {.dev = n};
        struct hsx_fram_info info = {.dev = n};

        if (!part_present(n))
            driver_bind(n, true);         /* what a killed run left */
        ioctl(ctl, HSX_IOC_FRAM_MAP, &m); /* a leftover binding */
        snprintf(m.name, sizeof(m.name), "%s", fram_home[n]);
        if (ioctl(ctl, HSX_IOC_FRAM_MAP, &m) < 0)
            fprintf(stderr, "hsx_fuzz: binding FRAM device %u to %s: %s\n", n, fram_home[n],
                    strerror(errno));
        if (ioctl(ctl, HSX_IOC_FRAM_INFO, &info) || !info.bound ||
            strcmp(info.name, fram_home[n]) || info.size != fram_size[n]) {
            fprintf(stderr, "hsx_fuzz: FRAM device %u: bound %u to \"%.32s\", %u bytes\n", n,
                    info.bound, info.name, info.size);
            ok = false;
        }
    }
    close(ctl);
    return ok;
}

/*
 * Always: fuzzed MAP calls bind devices whether or not the rig was made. The parts are left
 * as a fresh load of hsx_fram_sim.ko leaves them: every driver bound, every byte zero (the
 * wear counts too), the switches off.
 */
void fram_teardown(void)
{
    int ctl = open("/dev/" HSX_DEV_CTL, O_RDWR | O_CLOEXEC);
    static const unsigned char zero[4096];

    if (!file_exists(FZ_FRAM_PARAM "tear_after"))
        return;
    switches_off();
    for (unsigned int n = 0; n < FZ_FRAM_PARTS; n++)
        if (!part_present(n))
            driver_bind(n, true);
    for (unsigned int d = 0; ctl >= 0 && d < HSX_FRAM_MAX_DEVICES; d++) {
        struct hsx_fram_map m = {.dev = d};
        if (ioctl(ctl, HSX_IOC_FRAM_MAP, &m) < 0 && errno != ENXIO)
            fprintf(stderr, "hsx_fuzz: unbinding FRAM device %u: %s\n", d, strerror(errno));
    }
    if (ctl >= 0)
        close(ctl);
    for (unsigned int n = 0; n < FZ_FRAM_PARTS; n++) {
        char path[96];
        int fd;

        if (n == FZ_FRAM_RO_PART)
            continue;
        snprintf(path, sizeof(path), FZ_FRAM_NVMEM "%s/nvmem", fram_home[n]);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        for (uint32_t at = 0, len; fd >= 0 && at < fram_part[n]; at += len) {
            len = fram_part[n] - at < sizeof(zero) ? fram_part[n] - at : (uint32_t)sizeof(zero);
            if (pwrite(fd, zero, len, at) != (ssize_t)len) {
                fprintf(stderr, "hsx_fuzz: clearing %s: %s\n", fram_home[n], strerror(errno));
                break;
            }
        }
        if (fd >= 0)
            close(fd);
    }
}

void fram_print_stats(void)
{
    printf("hsx_fuzz: fram: writes %" PRIu64 " (%" PRIu64 " bytes), read-backs checked %" PRIu64
           ", records %" PRIu64 ", cut writes %" PRIu64 ", switch flips %" PRIu64
           ", unbinds %" PRIu64 ", binds %" PRIu64 ", driver unbinds %" PRIu64
           ", capability checks %" PRIu64 "\n",
           stats->fram_writes, stats->fram_bytes, stats->fram_checked, stats->fram_records,
           stats->fram_cuts, stats->fram_switches, stats->fram_unbinds, stats->fram_binds,
           stats->fram_drv, stats->fram_caps);
}
