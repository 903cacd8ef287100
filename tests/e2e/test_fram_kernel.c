/* SPDX-License-Identifier: MIT */
/*
 * The FRAM module through its ioctls, on the test board's simulated parts
 * (hsx_fram_sim.ko: "hsx-fram-sim0" 32 KiB, "hsx-fram-sim1" 1 KiB,
 * "hsx-fram-sim2" 4 KiB read-only), checked against the peer no one here
 * wrote: the nvmem core's own sysfs file of the same part. Binding, the
 * application's address space and its bounds, wear counts that survive an
 * unbinding, records whose write is cut at every byte, a corrupted slot, a
 * failed write reporting what went, concurrent writers, the provider's
 * driver unbinding under an open file, and the provider module held while
 * bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_uapi.h"

#define SIM0 "hsx-fram-sim0"
#define SIM1 "hsx-fram-sim1"
#define SIM2 "hsx-fram-sim2"
#define SIM0_SIZE 32768u
#define NVMEM_FILE(name) "/sys/bus/nvmem/devices/" name "/nvmem"
#define SIM_PARAM(name) "/sys/module/hsx_fram_sim/parameters/" name
#define SIM_DRIVER "/sys/bus/platform/drivers/hsx-fram-sim/"

static int ctl = -1, node = -1;

static int map_dev(unsigned int dev, const char *name)
{
    struct hsx_fram_map m = {.dev = dev};

    snprintf(m.name, sizeof(m.name), "%s", name);
    return e2e_ioctl(ctl, HSX_IOC_FRAM_MAP, &m);
}

static int xfer(unsigned long cmd, uint32_t dev, uint32_t addr, void *buf, uint32_t len,
                uint32_t *done)
{
    struct hsx_fram_xfer x = {.dev = dev, .addr = addr, .len = len, .buf = (uintptr_t)buf};
    int ret = e2e_ioctl(node, cmd, &x);

    if (done)
        *done = x.done;
    return ret;
}

static struct hsx_fram_info info_of(uint32_t dev)
{
    struct hsx_fram_info info = {.dev = dev};

    assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_INFO, &info), 0);
    return info;
}

static uint64_t wear_at(uint32_t addr)
{
    struct hsx_fram_wear w = {.dev = 0, .addr = addr};

    assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_GET_WEAR, &w), 0);
    assert_int_equal(w.block, addr / HSX_FRAM_BLOCK_SIZE);
    return w.count;
}

/* The nvmem core's file of a part: what is really on it. */
static void peer_read(const char *path, uint32_t off, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    assert_true(fd >= 0);
    /* A sysfs binary file gives at most a page per read. */
    for (size_t got = 0; got < len;) {
        ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, off + got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    close(fd);
}

static void peer_write(const char *path, uint32_t off, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, buf, len, off), (ssize_t)len);
    close(fd);
}

static void fill_random(uint8_t *buf, size_t len, uint32_t *seed)
{
    for (size_t i = 0; i < len; i++) {
        *seed = *seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(*seed >> 16);
    }
}

static int setup(void **state)
{
    (void)state;
    ctl = e2e_open_node("ctl");
    node = e2e_open_node("fram");
    /* A test killed before its teardown may have left them bound. */
    map_dev(0, "");
    map_dev(1, "");
    /*
     * Device 1, the small part, has no reserved area and so no write-back of
     * counts in the background: the power-loss tests use it, so that the
     * simulated power cut meets only the write under test.
     */
    assert_int_equal(map_dev(0, SIM0), 0);
    assert_int_equal(map_dev(1, SIM1), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    map_dev(0, "");
    map_dev(1, "");
    map_dev(2, "");
    close(node);
    close(ctl);
    return 0;
}

/* Binding: what INFO and sysfs say, and what cannot be bound. */
static void binding_and_layout(void **state)
{
    (void)state;
    struct hsx_fram_info info = info_of(0);
    assert_int_equal(info.bound, 1);
    assert_int_equal(info.part_size, SIM0_SIZE);
    assert_int_equal(info.size + info.reserved, SIM0_SIZE);
    assert_true(info.reserved > 0 && info.reserved % HSX_FRAM_BLOCK_SIZE == 0);
    assert_int_equal(info.block_size, HSX_FRAM_BLOCK_SIZE);
    assert_int_equal(info.flags, 0);
    assert_string_equal(info.name, SIM0);
    struct hsx_fram_info size = {.dev = 0};
    assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_GET_SIZE, &size), 0);
    assert_int_equal(size.size, info.size);

    assert_int_equal(e2e_sysfs_u64("/sys/hal/fram/0/size"), info.size);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/fram/0/part_size"), SIM0_SIZE);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/fram/0/reserved"), info.reserved);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/fram/0/block_size"), HSX_FRAM_BLOCK_SIZE);
    char line[64];
    e2e_read_line("/sys/hal/fram/0/nvmem", line, sizeof(line));
    assert_string_equal(line, SIM0);
    e2e_read_line("/sys/hal/fram/0/source", line, sizeof(line));
    assert_string_equal(line, "map");
    assert_true(e2e_exists("/dev/hsx/fram0"));

    assert_int_equal(map_dev(0, SIM2), -EBUSY); /* bound already */
    assert_int_equal(map_dev(3, SIM0), -EBUSY); /* the part is another's */
    assert_int_equal(map_dev(3, "no-such-nvmem"), -ENODEV);
    assert_int_equal(map_dev(3, "bad/name"), -EINVAL);
    assert_int_equal(map_dev(HSX_FRAM_MAX_DEVICES, SIM1), -EINVAL);
    assert_int_equal(map_dev(3, ""), -ENXIO); /* nothing to unbind */
    struct hsx_fram_info unbound = info_of(3);
    assert_int_equal(unbound.bound, 0);
    assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_GET_SIZE, &(struct hsx_fram_info){.dev = 3}),
                     -ENXIO);
    /* Only the administrator binds. */
    struct hsx_fram_map m = {.dev = 3};
    snprintf(m.name, sizeof(m.name), "%s", SIM2);
    assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_MAP, &m), -EPERM);

    /* A part too small to give up a reserved area keeps its counts in memory. */
    info = info_of(1);
    assert_int_equal(info.reserved, 0);
    assert_int_equal(info.size, 1024);
    assert_int_equal(info.flags, HSX_FRAM_F_WEAR_VOLATILE);
    /* A read-only part (OTP): all of it is the application's, and no write goes. */
    assert_int_equal(map_dev(2, SIM2), 0);
    info = info_of(2);
    assert_int_equal(info.size, 4096);
    assert_int_equal(info.flags, HSX_FRAM_F_READ_ONLY | HSX_FRAM_F_WEAR_VOLATILE);
    uint8_t b[16] = {0};
    uint32_t done = 99;
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 2, 0, b, sizeof(b), &done), -EROFS);
    assert_int_equal(done, 0);
    assert_int_equal(xfer(HSX_IOC_FRAM_READ, 2, 0, b, sizeof(b), &done), 0);
    assert_int_equal(done, sizeof(b));
    assert_int_equal(map_dev(2, ""), 0);
    assert_false(e2e_exists("/dev/hsx/fram2"));
    assert_false(e2e_exists("/sys/hal/fram/2"));
    assert_true(e2e_exists("/sys/hal/fram/1"));
}

/* Random writes over the whole application space read back exactly, and are on the part. */
static void whole_device_reads_back(void **state)
{
    (void)state;
    const uint32_t size = info_of(0).size;
    uint8_t *out = malloc(size), *in = malloc(size), *peer = malloc(size);
    uint32_t seed = 42, done;

    assert_non_null(out);
    assert_non_null(in);
    assert_non_null(peer);
    fill_random(out, size, &seed);
    /* Odd sizes at odd places, so chunks and blocks are cut every way. */
    for (uint32_t addr = 0, step = 1; addr < size; addr += step, step = step * 3 % 4093 + 1) {
        uint32_t len = step < size - addr ? step : size - addr;
        assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, addr, out + addr, len, &done), 0);
        assert_int_equal(done, len);
    }
    for (uint32_t addr = 0; addr < size; addr += HSX_FRAM_XFER_MAX) {
        uint32_t len = size - addr < HSX_FRAM_XFER_MAX ? size - addr : HSX_FRAM_XFER_MAX;
        assert_int_equal(xfer(HSX_IOC_FRAM_READ, 0, addr, in + addr, len, &done), 0);
        assert_int_equal(done, len);
    }
    assert_memory_equal(in, out, size);
    peer_read(NVMEM_FILE(SIM0), 0, peer, size);
    assert_memory_equal(peer, out, size);
    free(out);
    free(in);
    free(peer);
}

/*
 * A read into a buffer that faults part way reports what reached the buffer,
 * as read(2) does, past a chunk boundary and inside one; a buffer faulting
 * at its first byte is EFAULT.
 */
static void a_read_faulting_part_way_reports_what_arrived(void **state)
{
    (void)state;
    const long page = sysconf(_SC_PAGESIZE);
    const uint32_t offsets[] = {2 * 4096 + 100, 100};
    uint8_t *pages =
        mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *peer = malloc(SIM0_SIZE);
    uint32_t done;

    assert_true(pages != MAP_FAILED);
    assert_non_null(peer);
    assert_int_equal(mprotect(pages + 3 * page, page, PROT_NONE), 0);
    peer_read(NVMEM_FILE(SIM0), 0, peer, SIM0_SIZE);
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        /* The buffer's last offsets[i] bytes before the unmapped page. */
        uint8_t *buf = pages + 3 * page - offsets[i];

        memset(pages, 0, 3 * page);
        assert_int_equal(xfer(HSX_IOC_FRAM_READ, 0, 0, buf, 3 * 4096, &done), 0);
        /* At most the bytes before the fault; an arch may count its last stores short. */
        assert_true(done <= offsets[i] && done + 64 > offsets[i]);
        assert_memory_equal(buf, peer, done);
    }
    assert_int_equal(xfer(HSX_IOC_FRAM_READ, 0, 0, pages + 3 * page, 16, &done), -EFAULT);
    assert_int_equal(munmap(pages, 4 * page), 0);
    free(peer);
}

/* Every bad range is EINVAL, and nothing is written. */
static void bounds_and_bad_input(void **state)
{
    (void)state;
    const uint32_t size = info_of(0).size;
    uint8_t before[64], after[64], junk[64];
    uint32_t done;

    memset(junk, 0xa5, sizeof(junk));
    peer_read(NVMEM_FILE(SIM0), size - 32, before, sizeof(before));
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, size - 1, junk, 1, &done), 0); /* the last byte */
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, size, junk, 1, &done), -EINVAL);
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, size - 1, junk, 2, &done), -EINVAL);
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, UINT32_MAX, junk, 2, &done), -EINVAL);
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, 16, junk, UINT32_MAX - 8, &done), -EINVAL);
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, 0, junk, 0, &done), -EINVAL);
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, 0, junk, HSX_FRAM_XFER_MAX + 1, &done), -EINVAL);
    assert_int_equal(xfer(HSX_IOC_FRAM_READ, 0, size, junk, 1, &done), -EINVAL);
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, HSX_FRAM_MAX_DEVICES, 0, junk, 1, &done), -EINVAL);
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 4, 0, junk, 1, &done), -ENXIO); /* not bound */
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, 0, NULL, 16, &done), -EFAULT);
    struct hsx_fram_xfer x = {.dev = 0, .len = 1, .buf = (uintptr_t)junk, .reserved = 1};
    assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_WRITE, &x), -EINVAL);
    struct hsx_fram_wear w = {.dev = 0, .addr = size};
    assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_GET_WEAR, &w), -EINVAL);
    peer_read(NVMEM_FILE(SIM0), size - 32, after, sizeof(after));
    before[31] = 0xa5; /* the one write that was in range */
    assert_memory_equal(after, before, sizeof(after));

    /* A node of one device serves that device only. */
    int one = e2e_open_node("fram0");
    assert_int_equal(e2e_ioctl(one, HSX_IOC_FRAM_READ,
                               &(struct hsx_fram_xfer){.dev = 1, .len = 1, .buf = (uintptr_t)junk}),
                     -EINVAL);
    close(one);
}

/* Counts per block, across an unbinding (and so across a reload: the part keeps them). */
static void wear_counts_survive(void **state)
{
    (void)state;
    uint8_t b[HSX_FRAM_BLOCK_SIZE * 2] = {1};
    uint32_t done;
    uint64_t b3 = wear_at(3 * HSX_FRAM_BLOCK_SIZE), b4 = wear_at(4 * HSX_FRAM_BLOCK_SIZE);
    uint64_t b5 = wear_at(5 * HSX_FRAM_BLOCK_SIZE);

    for (int i = 0; i < 10; i++)
        assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, 3 * HSX_FRAM_BLOCK_SIZE + 7, b, 1, &done), 0);
    /* One write that touches blocks 4 and 5. */
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, 5 * HSX_FRAM_BLOCK_SIZE - 10, b, 20, &done), 0);
    assert_int_equal(wear_at(3 * HSX_FRAM_BLOCK_SIZE + 200), b3 + 10);
    assert_int_equal(wear_at(4 * HSX_FRAM_BLOCK_SIZE), b4 + 1);
    assert_int_equal(wear_at(5 * HSX_FRAM_BLOCK_SIZE), b5 + 1);
    char line[64];
    e2e_read_line("/sys/hal/fram/0/wear_max", line, sizeof(line));
    unsigned long max = 0;
    assert_int_equal(sscanf(line, "%lu", &max), 1);
    assert_true(max >= b3 + 10);

    /* Unbinding writes the counts to the reserved area; binding again reads them. */
    assert_int_equal(map_dev(0, ""), 0);
    assert_int_equal(info_of(0).bound, 0);
    assert_int_equal(map_dev(0, SIM0), 0);
    assert_int_equal(wear_at(3 * HSX_FRAM_BLOCK_SIZE), b3 + 10);
    assert_int_equal(wear_at(4 * HSX_FRAM_BLOCK_SIZE), b4 + 1);
    /* They are a record in the reserved area: its first slot begins with the magic. */
    struct hsx_fram_info info = info_of(0);
    uint8_t magic[4];
    bool found = false;
    for (uint32_t slot = 0; slot < 4 && !found; slot++) {
        peer_read(NVMEM_FILE(SIM0), info.size + slot * (info.reserved / 4 / 8 * 8), magic, 4);
        found = !memcmp(magic, "HSXR", 4);
    }
    assert_true(found);
    /* The counts are written back within a second of a write, without an unbinding. */
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, 0, b, 1, &done), 0);
    uint64_t b0 = wear_at(0);
    usleep((HSX_FRAM_WEAR_FLUSH_MS + 500) * 1000);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/fram/0/wear_failures"), 0);
    assert_int_equal(map_dev(0, ""), 0);
    assert_int_equal(map_dev(0, SIM0), 0);
    assert_int_equal(wear_at(0), b0);
}

static int record(unsigned long cmd, uint32_t id, void *buf, uint32_t *len, uint64_t *seq,
                  uint32_t *flags)
{
    struct hsx_fram_record r = {
        .dev = 1,
        .id = id,
        .base = 0,
        .slot_size = 64,
        .slots = 2,
        .len = *len,
        .buf = (uintptr_t)buf,
    };
    int ret = e2e_ioctl(node, cmd, &r);

    *len = r.len;
    if (seq)
        *seq = r.seq;
    if (flags)
        *flags = r.flags;
    return ret;
}

static void set_param(const char *path, const char *value)
{
    e2e_write_file(path, value);
}

/*
 * A record write cut at every byte it sends (payload, then header): reading
 * after gives the whole old record or the whole new one, never a mix.
 */
static void records_survive_a_cut_at_every_byte(void **state)
{
    (void)state;
    const uint32_t payload = 40, total = payload + 24;
    uint8_t rec[64], got[64];
    uint32_t len, flags;
    uint64_t seq, last_seq;

    /* Never written: no data, no corruption. */
    len = sizeof(got);
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_READ, 7, got, &len, &seq, &flags), -ENODATA);
    assert_int_equal(flags, 0);

    memset(rec, 'A', payload);
    len = payload;
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_WRITE, 1, rec, &len, &last_seq, NULL), 0);
    for (uint32_t cut = 0; cut <= total; cut++) {
        char value[16];
        uint8_t old = rec[0], new = (uint8_t)('B' + cut % 20);

        memset(rec, new, payload);
        snprintf(value, sizeof(value), "%u", cut);
        set_param(SIM_PARAM("tear_after"), value);
        len = payload;
        int ret = record(HSX_IOC_FRAM_RECORD_WRITE, 1, rec, &len, &seq, NULL);
        set_param(SIM_PARAM("tear_after"), "-1");
        if (cut < total)
            assert_int_equal(ret, -EIO);
        else
            assert_int_equal(ret, 0);

        len = sizeof(got);
        assert_int_equal(record(HSX_IOC_FRAM_RECORD_READ, 1, got, &len, &seq, &flags), 0);
        assert_int_equal(len, payload);
        uint8_t want = seq == last_seq ? old : new;
        if (seq != last_seq)
            assert_int_equal(seq, last_seq + 1);
        for (uint32_t i = 0; i < payload; i++)
            if (got[i] != want)
                fail_msg("cut at byte %u: byte %u of the record is %02x, not %02x (seq %llu)", cut,
                         i, got[i], want, (unsigned long long)seq);
        if (cut == total)
            assert_int_equal(seq, last_seq + 1); /* the uncut write is the record */
        if (seq != last_seq)
            last_seq = seq;
        else
            memset(rec, old, payload);
    }
}

/* A slot whose bytes changed under it is noticed, and the other one is read. */
static void a_corrupt_slot_is_reported(void **state)
{
    (void)state;
    uint8_t rec[32], got[64];
    uint32_t len, flags;
    uint64_t seq1, seq2, seq;

    memset(rec, 1, sizeof(rec));
    len = sizeof(rec);
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_WRITE, 2, rec, &len, &seq1, NULL), 0);
    memset(rec, 2, sizeof(rec));
    len = sizeof(rec);
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_WRITE, 2, rec, &len, &seq2, NULL), 0);
    assert_int_equal(seq2, seq1 + 1);
    len = sizeof(got);
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_READ, 2, got, &len, &seq, &flags), 0);
    assert_int_equal(seq, seq2);
    assert_int_equal(flags, 0);

    /* Flip a payload byte of the newer slot, through the nvmem core, behind hsx's back. */
    const uint32_t group = 2 * 2 * 64;
    uint8_t slot0[24], slot1[24];
    peer_read(NVMEM_FILE(SIM1), group, slot0, sizeof(slot0));
    peer_read(NVMEM_FILE(SIM1), group + 64, slot1, sizeof(slot1));
    uint64_t s0, s1;
    memcpy(&s0, slot0 + 8, 8);
    memcpy(&s1, slot1 + 8, 8);
    uint32_t newer = s1 > s0 ? group + 64 : group;
    uint8_t flip = 0xff;
    peer_write(NVMEM_FILE(SIM1), newer + 24 + 5, &flip, 1);

    len = sizeof(got);
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_READ, 2, got, &len, &seq, &flags), 0);
    assert_int_equal(seq, seq1);
    assert_int_equal(flags, HSX_FRAM_REC_F_CORRUPT);
    assert_int_equal(got[0], 1);
    /* The next write goes to the corrupt slot, never over the good one. */
    memset(rec, 3, sizeof(rec));
    len = sizeof(rec);
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_WRITE, 2, rec, &len, &seq, NULL), 0);
    assert_int_equal(seq, seq1 + 1);
    len = sizeof(got);
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_READ, 2, got, &len, &seq, &flags), 0);
    assert_int_equal(flags, 0);
    assert_int_equal(got[0], 3);

    /* Room too small: what fits, the whole length; a payload too big for its slot: EINVAL. */
    len = 8;
    memset(got, 0, sizeof(got));
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_READ, 2, got, &len, &seq, &flags), 0);
    assert_int_equal(len, sizeof(rec));
    assert_int_equal(flags, HSX_FRAM_REC_F_TRUNCATED);
    assert_int_equal(got[7], 3);
    assert_int_equal(got[8], 0);
    len = 64 - 24 + 1;
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_WRITE, 2, got, &len, &seq, NULL), -EINVAL);
    /* Both slots corrupt: EBADMSG, not the "never written" of ENODATA. */
    peer_write(NVMEM_FILE(SIM1), group + 24 + 5, &flip, 1);
    peer_write(NVMEM_FILE(SIM1), group + 64 + 24 + 5, &flip, 1);
    len = sizeof(got);
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_READ, 2, got, &len, &seq, &flags), -EBADMSG);

    /* A group past the application's space. */
    len = 4;
    assert_int_equal(record(HSX_IOC_FRAM_RECORD_WRITE, 1000, got, &len, &seq, NULL), -EINVAL);
}

struct rec_op {
    unsigned long cmd;
    uint8_t fill;
    int result;
    uint32_t len, flags;
    uint8_t buf[64];
};

static void *record_op(void *arg)
{
    struct rec_op *op = arg;
    uint64_t seq;

    if (op->cmd == HSX_IOC_FRAM_RECORD_WRITE) {
        /* Two versions, so that each slot of the group is written. */
        for (int i = 0; i < 2 && !op->result; i++) {
            memset(op->buf, op->fill + i, 40);
            op->len = 40;
            op->result = record(op->cmd, 3, op->buf, &op->len, &seq, NULL);
        }
    } else {
        op->len = sizeof(op->buf);
        op->result = record(op->cmd, 3, op->buf, &op->len, &seq, &op->flags);
    }
    return NULL;
}

/*
 * A reader beside a writer of the same record gets a whole version, and
 * never calls a good slot corrupt. The part stalls the reader's third read
 * (the payload's, after the two headers) as a slow bus would, while a
 * writer writes two versions: without the device's lock around the read,
 * the reader paired an old header with its slot's new payload (EBADMSG).
 */
static void a_record_reader_beside_its_writer(void **state)
{
    (void)state;
    struct rec_op reader = {.cmd = HSX_IOC_FRAM_RECORD_READ};
    struct rec_op writer = {.cmd = HSX_IOC_FRAM_RECORD_WRITE, .fill = 0x50};
    struct rec_op first = {.cmd = HSX_IOC_FRAM_RECORD_WRITE, .fill = 0x30};
    pthread_t r, w;

    record_op(&first); /* versions 0x30, 0x31 */
    assert_int_equal(first.result, 0);
    set_param(SIM_PARAM("stall_read"), "3");
    assert_int_equal(pthread_create(&r, NULL, record_op, &reader), 0);
    for (uint64_t start = e2e_now_ms(); !e2e_sysfs_u64("%s", SIM_PARAM("stalled"));)
        if (e2e_now_ms() - start > E2E_LIVENESS_MS)
            fail_msg("the reader's read never stalled");
    assert_int_equal(pthread_create(&w, NULL, record_op, &writer), 0);
    usleep(300000); /* time enough for the writer, were it not held */
    set_param(SIM_PARAM("stall_read"), "0");
    pthread_join(r, NULL);
    pthread_join(w, NULL);
    assert_int_equal(writer.result, 0);
    if (reader.result || reader.flags)
        fail_msg("the reader: %d, flags %u", reader.result, reader.flags);
    assert_int_equal(reader.len, 40);
    assert_int_equal(reader.buf[0], 0x31); /* the version before the writer's */
    for (int i = 1; i < 40; i++)
        assert_int_equal(reader.buf[i], reader.buf[0]);
}

/* A write that fails in the part says how much of it went, in whole chunks. */
static void a_failed_write_reports_what_went(void **state)
{
    (void)state;
    uint8_t out[1024], in[1024];
    uint32_t done = 99, seed = 7;

    fill_random(out, sizeof(out), &seed);
    set_param(SIM_PARAM("fail_next_write"), "1");
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 1, 0, out, sizeof(out), &done), -EIO);
    assert_int_equal(done, 0);
    /*
     * Power goes after 300 bytes of a write from 768: the first chunk (to
     * the 1 KiB boundary: 256 bytes) went whole, the second not. Device 0,
     * for a write across a chunk boundary: its counts were written back
     * when the wear test bound it last, so no write-back shares the budget.
     */
    set_param(SIM_PARAM("tear_after"), "300");
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, 768, out, sizeof(out), &done), 0);
    set_param(SIM_PARAM("tear_after"), "-1");
    assert_int_equal(done, 256);
    assert_int_equal(xfer(HSX_IOC_FRAM_READ, 0, 768, in, 256, &done), 0);
    assert_memory_equal(in, out, 256);
}

struct writer {
    uint32_t addr, len;
    uint8_t fill;
    int result;
};

static void *write_many(void *arg)
{
    struct writer *w = arg;
    uint8_t *buf = malloc(w->len);
    uint32_t done;

    memset(buf, w->fill, w->len);
    for (int i = 0; i < 20 && !w->result; i++)
        w->result = xfer(HSX_IOC_FRAM_WRITE, 0, w->addr, buf, w->len, &done);
    free(buf);
    return NULL;
}

/* Writers of disjoint ranges each get theirs; of one range, each chunk is one writer's. */
static void concurrent_writers(void **state)
{
    (void)state;
    struct writer w[4] = {
        {.addr = 0, .len = 2048, .fill = 0x11},
        {.addr = 2048, .len = 2048, .fill = 0x22},
        {.addr = 8192, .len = 4096, .fill = 0x33},
        {.addr = 8192, .len = 4096, .fill = 0x44},
    };
    pthread_t t[4];
    uint8_t in[4096];
    uint32_t done;

    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, write_many, &w[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].result, 0);
    }
    assert_int_equal(xfer(HSX_IOC_FRAM_READ, 0, 0, in, 4096, &done), 0);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(in[i], i < 2048 ? 0x11 : 0x22);
    assert_int_equal(xfer(HSX_IOC_FRAM_READ, 0, 8192, in, 4096, &done), 0);
    for (int c = 0; c < 4096; c += HSX_FRAM_BLOCK_SIZE)
        for (int i = 1; i < HSX_FRAM_BLOCK_SIZE; i++)
            if (in[c + i] != in[c] || (in[c] != 0x33 && in[c] != 0x44))
                fail_msg("chunk at %d mixes writers: %02x then %02x", c, in[c], in[c + i]);
}

/*
 * The provider's driver unbinds while a file is open: hsx lets go first
 * (the counts written back), the file's calls then fail with ENODEV, the
 * instance is gone; binding again finds the contents and the counts.
 */
static void the_provider_goes(void **state)
{
    (void)state;
    uint8_t mark[8] = "provider", in[8];
    uint32_t done;

    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 0, 100, mark, sizeof(mark), &done), 0);
    uint64_t wear = wear_at(100);
    int one = e2e_open_node("fram0");
    e2e_write_file(SIM_DRIVER "unbind", "hsx-fram-sim.0");
    assert_false(e2e_exists("/sys/hal/fram/0"));
    assert_false(e2e_exists("/dev/hsx/fram0"));
    struct hsx_fram_xfer x = {.dev = 0, .addr = 100, .len = 8, .buf = (uintptr_t)in};
    assert_int_equal(e2e_ioctl(one, HSX_IOC_FRAM_READ, &x), -ENODEV);
    assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_READ, &x), -ENXIO);
    close(one);

    e2e_write_file(SIM_DRIVER "bind", "hsx-fram-sim.0");
    assert_int_equal(map_dev(0, SIM0), 0);
    assert_int_equal(xfer(HSX_IOC_FRAM_READ, 0, 100, in, sizeof(in), &done), 0);
    assert_memory_equal(in, mark, sizeof(mark));
    assert_int_equal(wear_at(100), wear);
}

/* The adapter named like @name's start, as "/sys/bus/i2c/devices/i2c-N"; false if none. */
static bool find_i2c_adapter(const char *name, char *dir, size_t len)
{
    for (int n = 0; n < 16; n++) {
        char path[96], line[96];
        snprintf(path, sizeof(path), "/sys/bus/i2c/devices/i2c-%d/name", n);
        if (!e2e_exists("%s", path))
            continue;
        e2e_read_line(path, line, sizeof(line));
        if (!strncmp(line, name, strlen(name))) {
            snprintf(dir, len, "/sys/bus/i2c/devices/i2c-%d", n);
            return true;
        }
    }
    return false;
}

/* The nvmem device an I2C client registered: its child named "<client><id>". */
static bool nvmem_of_client(const char *client, char *name, size_t len)
{
    char path[160];

    assert_true(strlen(client) + 3 <= len);
    for (int id = 0; id < 64; id++) {
        snprintf(path, sizeof(path), "/sys/bus/i2c/devices/%s/%s%d/nvmem", client, client, id);
        if (e2e_exists("%s", path)) {
            snprintf(name, len, "%.16s%d", client, id);
            return true;
        }
    }
    return false;
}

/*
 * A real nvmem driver: at24 on the PC's SMBus (i2c-piix4), where qemu's pc
 * machine has 256-byte EEPROMs at 0x50-0x57. Read, write, the nvmem file
 * agreeing, and the I2C client deleted while bound (the driver goes).
 */
static void a_real_eeprom_through_at24(void **state)
{
    (void)state;
    char adapter[64], path[160], client[16], name[HSX_FRAM_NAME_MAX];

    if (!find_i2c_adapter("SMBus PIIX4", adapter, sizeof(adapter)))
        fail_msg("no PIIX4 SMBus adapter: the test board's kernels have i2c-piix4 and at24");
    int bus = atoi(adapter + strlen("/sys/bus/i2c/devices/i2c-"));
    snprintf(client, sizeof(client), "%d-0050", bus);
    if (!e2e_exists("/sys/bus/i2c/devices/%s", client)) {
        snprintf(path, sizeof(path), "%s/new_device", adapter);
        e2e_write_file(path, "24c02 0x50");
    }
    bool found = false;
    for (uint64_t start = e2e_now_ms(); !found && e2e_now_ms() - start < E2E_LIVENESS_MS;) {
        found = nvmem_of_client(client, name, sizeof(name));
        if (!found)
            usleep(50000);
    }
    if (!found)
        fail_msg("at24 made no nvmem device for %s", client);

    assert_int_equal(map_dev(3, name), 0);
    struct hsx_fram_info info = info_of(3);
    assert_int_equal(info.part_size, 256);
    assert_int_equal(info.size, 256);
    assert_int_equal(info.flags, HSX_FRAM_F_WEAR_VOLATILE);
    uint8_t out[40], in[40], peer[40];
    uint32_t seed = 99, done;
    fill_random(out, sizeof(out), &seed);
    assert_int_equal(xfer(HSX_IOC_FRAM_WRITE, 3, 200, out, sizeof(out), &done), 0);
    assert_int_equal(done, sizeof(out));
    assert_int_equal(xfer(HSX_IOC_FRAM_READ, 3, 200, in, sizeof(in), &done), 0);
    assert_memory_equal(in, out, sizeof(out));
    snprintf(path, sizeof(path), "/sys/bus/nvmem/devices/%s/nvmem", name);
    peer_read(path, 200, peer, sizeof(peer));
    assert_memory_equal(peer, out, sizeof(out));
    assert_int_equal(xfer(HSX_IOC_FRAM_READ, 3, 250, in, 7, &done), -EINVAL);

    /* The client deleted while bound: hsx lets go before at24 goes. */
    snprintf(path, sizeof(path), "%s/delete_device", adapter);
    e2e_write_file(path, "0x50");
    assert_false(e2e_exists("/sys/hal/fram/3"));
    assert_int_equal(info_of(3).bound, 0);
}

/* The provider's module is held while a part is bound, and free once not. */
static void the_provider_module_is_held(void **state)
{
    (void)state;
    assert_int_equal(syscall(SYS_delete_module, "hsx_fram_sim", O_NONBLOCK), -1);
    assert_true(errno == EWOULDBLOCK || errno == EBUSY);
    assert_true(e2e_sysfs_u64("/sys/module/hsx_fram_sim/refcnt") >= 2);
    assert_int_equal(map_dev(0, ""), 0);
    assert_int_equal(map_dev(1, ""), 0);
    assert_int_equal(e2e_sysfs_u64("/sys/module/hsx_fram_sim/refcnt"), 0);
    assert_int_equal(map_dev(0, SIM0), 0);
    assert_int_equal(map_dev(1, SIM1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binding_and_layout),
        cmocka_unit_test(whole_device_reads_back),
        cmocka_unit_test(a_read_faulting_part_way_reports_what_arrived),
        cmocka_unit_test(bounds_and_bad_input),
        cmocka_unit_test(wear_counts_survive),
        cmocka_unit_test(records_survive_a_cut_at_every_byte),
        cmocka_unit_test(a_corrupt_slot_is_reported),
        cmocka_unit_test(a_record_reader_beside_its_writer),
        cmocka_unit_test(a_failed_write_reports_what_went),
        cmocka_unit_test(concurrent_writers),
        cmocka_unit_test(the_provider_goes),
        cmocka_unit_test(the_provider_module_is_held),
        cmocka_unit_test(a_real_eeprom_through_at24),
    };

    if (!e2e_exists("/sys/module/hsx_fram_sim")) {
        printf("# hsx_fram_sim.ko is not loaded: the harness loads it before hsx.ko\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
