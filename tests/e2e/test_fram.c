// SPDX-License-Identifier: MIT
/*
 * FRAM through libhsx_hal on the test board's simulated parts
 * (hsx_fram_sim.ko: "hsx-fram-sim0" 32 KiB, "hsx-fram-sim2" 4 KiB
 * read-only): every function of the spec's hsx_fram.h and the additions,
 * byte-exact read-back across the whole device, its bounds, wear counts
 * after a known pattern, and the records. Device 0 is bound to sim0 by the
 * admin node for the group, device 1 to sim2 where a test needs it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_fram.h"
#include "hsx_uapi.h"

#define SIM0 "hsx-fram-sim0"
#define SIM2 "hsx-fram-sim2"

static int ctl = -1;
static uint32_t size; /* device 0's */

static int map_dev(unsigned int dev, const char *name)
{
    struct hsx_fram_map m = {.dev = dev};

    snprintf(m.name, sizeof(m.name), "%s", name);
    return e2e_ioctl(ctl, HSX_IOC_FRAM_MAP, &m);
}

static int setup(void **state)
{
    (void)state;
    ctl = e2e_open_node("ctl");
    map_dev(0, "");
    map_dev(1, "");
    if (map_dev(0, SIM0) != 0)
        return -1;
    int ret = hsx_fram_get_size();
    if (ret <= 0)
        return -1;
    size = (uint32_t)ret;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    map_dev(0, "");
    map_dev(1, "");
    close(ctl);
    return 0;
}

/* A call's code, and the errno behind a wrong one in the failure's words. */
#define EXPECT(call, code)                                                                         \
    do {                                                                                           \
        int got_ = (call);                                                                         \
        if (got_ != (code))                                                                        \
            fail_msg("%s: %d (errno %d), expected %d", #call, got_, hsx_hal_errno(), (code));      \
    } while (0)

static uint32_t next_random(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

static void size_and_info_say_the_binding(void **state)
{
    hsx_fram_info_t info;
    (void)state;

    assert_int_equal(hsx_fram_get_info(0, &info), HSX_HAL_OK);
    assert_int_equal(info.bound, 1);
    assert_string_equal(info.name, SIM0);
    assert_int_equal(info.part_size, 32768);
    assert_int_equal(info.size + info.wear_area, info.part_size);
    assert_int_equal(info.size, size);
    assert_int_equal(info.block_size, HSX_FRAM_BLOCK_SIZE);
    assert_int_equal(info.flags & HSX_FRAM_READ_ONLY, 0);
    assert_int_equal(hsx_fram_get_size_ex(0), (int)size);
    assert_int_equal(hsx_fram_get_info(5, &info), HSX_HAL_OK);
    assert_int_equal(info.bound, 0);
    assert_int_equal(hsx_fram_get_size_ex(5), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENXIO);
}

/* Random writes covering the whole device, then every byte read back as written. */
static void random_writes_read_back_exactly(void **state)
{
    uint8_t *shadow = malloc(size), *back = malloc(size);
    uint32_t seed = 15;
    (void)state;

    assert_non_null(shadow);
    assert_non_null(back);
    for (uint32_t addr = 0; addr < size;) {
        uint32_t len = 1 + next_random(&seed) % 3000;
        if (len > size - addr)
            len = size - addr;
        for (uint32_t i = 0; i < len; i++)
            shadow[addr + i] = (uint8_t)next_random(&seed);
        assert_int_equal(hsx_fram_write(addr, shadow + addr, len), (int)len);
        addr += len;
    }
    /* Overwrites at random places, some short, some across blocks. */
    for (int i = 0; i < 200; i++) {
        uint32_t addr = next_random(&seed) % size, len = 1 + next_random(&seed) % 700;
        if (len > size - addr)
            len = size - addr;
        for (uint32_t b = 0; b < len; b++)
            shadow[addr + b] = (uint8_t)next_random(&seed);
        assert_int_equal(hsx_fram_write_ex(0, addr, shadow + addr, len), (int)len);
    }
    memset(back, 0, size);
    assert_int_equal(hsx_fram_read(0, back, size), (int)size);
    assert_memory_equal(back, shadow, size);
    for (uint32_t addr = 0; addr < size; addr += 4093) {
        uint32_t len = size - addr < 4093 ? size - addr : 4093;
        memset(back, 0, len);
        assert_int_equal(hsx_fram_read_ex(0, addr, back, len), (int)len);
        assert_memory_equal(back, shadow + addr, len);
    }
    free(shadow);
    free(back);
}

static void variables_round_trip(void **state)
{
    struct {
        uint32_t a;
        double b;
        char c[5];
    } out = {0xdeadbeef, 2.5, "fram"}, in;
    uint64_t last = 0x0102030405060708ull, last_in = 0;
    (void)state;

    assert_int_equal(hsx_fram_write_var(0x40, out), (int)sizeof(out));
    memset(&in, 0, sizeof(in));
    assert_int_equal(hsx_fram_read_var(0x40, in), (int)sizeof(in));
    assert_memory_equal(&in, &out, sizeof(out));
    assert_int_equal(hsx_fram_write_var(size - sizeof(last), last), (int)sizeof(last));
    assert_int_equal(hsx_fram_read_var(size - sizeof(last), last_in), (int)sizeof(last));
    assert_true(last_in == last);
}

static void bounds_are_the_devices(void **state)
{
    uint8_t b[2] = {0x5a, 0xa5}, r[2];
    (void)state;

    assert_int_equal(hsx_fram_write(0, b, 1), 1);
    assert_int_equal(hsx_fram_read(0, r, 1), 1);
    assert_int_equal(r[0], 0x5a);
    assert_int_equal(hsx_fram_write(size - 1, b + 1, 1), 1);
    assert_int_equal(hsx_fram_read(size - 1, r, 1), 1);
    assert_int_equal(r[0], 0xa5);
    /* One past the end, and one that starts in and runs past it: the kernel's EINVAL. */
    assert_int_equal(hsx_fram_read(size, r, 1), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), EINVAL);
    assert_int_equal(hsx_fram_write(size - 1, b, 2), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_fram_get_wear(size), HSX_HAL_INVALID_PARAM);
    /* What the library refuses itself, asking nothing. */
    assert_int_equal(hsx_fram_read(0, NULL, 1), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_fram_read(0, r, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_fram_write(UINT32_MAX, b, 2), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_fram_read(0, r, HSX_FRAM_XFER_MAX + 1), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), 0);
    /* Nothing written by the refused ones. */
    assert_int_equal(hsx_fram_read(size - 1, r, 1), 1);
    assert_int_equal(r[0], 0xa5);
}

static void wear_counts_each_write_per_block(void **state)
{
    uint8_t buf[HSX_FRAM_BLOCK_SIZE * 2] = {0};
    hsx_fram_wear_t w3, w4, w5, after;
    const uint32_t block3 = 3 * HSX_FRAM_BLOCK_SIZE;
    (void)state;

    assert_int_equal(hsx_fram_get_wear_ex(0, block3 + 7, &w3), HSX_HAL_OK);
    assert_int_equal(w3.block, 3);
    assert_int_equal(hsx_fram_get_wear_ex(0, block3 + HSX_FRAM_BLOCK_SIZE, &w4), HSX_HAL_OK);
    assert_int_equal(hsx_fram_get_wear_ex(0, block3 + 2 * HSX_FRAM_BLOCK_SIZE, &w5), HSX_HAL_OK);
    /* 5 writes inside block 3, 2 across blocks 3 and 4. */
    for (int i = 0; i < 5; i++)
        assert_int_equal(hsx_fram_write(block3 + 10, buf, 16), 16);
    for (int i = 0; i < 2; i++)
        assert_int_equal(hsx_fram_write(block3 + 200, buf, 100), 100);
    assert_int_equal(hsx_fram_get_wear_ex(0, block3, &after), HSX_HAL_OK);
    assert_int_equal(after.count, w3.count + 7);
    assert_int_equal(hsx_fram_get_wear(block3 + 255), (int)(w3.count + 7));
    assert_int_equal(hsx_fram_get_wear_ex(0, block3 + HSX_FRAM_BLOCK_SIZE, &after), HSX_HAL_OK);
    assert_int_equal(after.count, w4.count + 2);
    assert_int_equal(after.block, 4);
    assert_int_equal(hsx_fram_get_wear_ex(0, block3 + 2 * HSX_FRAM_BLOCK_SIZE, &after), HSX_HAL_OK);
    assert_int_equal(after.count, w5.count);
    /* Reads wear nothing. */
    assert_int_equal(hsx_fram_read(block3, buf, sizeof(buf)), (int)sizeof(buf));
    assert_int_equal(hsx_fram_get_wear(block3), (int)(w3.count + 7));
}

static void records_round_trip(void **state)
{
    const uint32_t base = 0x4000, slot = 64, slots = 4;
    uint8_t zero[3 * 4 * 64] = {0}, buf[64];
    hsx_fram_record_info_t info;
    (void)state;

    assert_int_equal(hsx_fram_write(base, zero, sizeof(zero)), (int)sizeof(zero));
    assert_int_equal(hsx_fram_record_read(0, buf, sizeof(buf)), HSX_HAL_INVALID_PARAM); /* none */
    assert_int_equal(hsx_fram_record_setup(0, base, slot, slots), HSX_HAL_OK);
    EXPECT(hsx_fram_record_read_ex(1, buf, sizeof(buf), &info), HSX_HAL_NO_DATA);
    assert_int_equal(hsx_hal_errno(), ENODATA);
    assert_int_equal(info.flags, 0);

    for (uint32_t v = 1; v <= 6; v++) { /* past the slots: they rotate */
        char text[40];
        int n = snprintf(text, sizeof(text), "version %u of record 1", v);
        assert_int_equal(hsx_fram_record_write(1, text, (uint32_t)n), n);
        memset(buf, 0, sizeof(buf));
        assert_int_equal(hsx_fram_record_read_ex(1, buf, sizeof(buf), &info), n);
        assert_memory_equal(buf, text, (size_t)n);
        assert_int_equal(info.seq, v);
        assert_int_equal(info.flags, 0);
    }
    assert_int_equal(hsx_fram_record_write(2, "x", 1), 1);
    assert_int_equal(hsx_fram_record_read(2, buf, sizeof(buf)), 1);
    EXPECT(hsx_fram_record_read(1, buf, 4), HSX_HAL_TOO_SMALL);
    EXPECT(hsx_fram_record_read_ex(1, buf, 4, &info), HSX_HAL_TOO_SMALL);
    assert_int_equal(info.len, strlen("version 6 of record 1"));
    assert_int_equal(hsx_fram_record_write(1, buf, slot - HSX_FRAM_SLOT_HEADER + 1),
                     HSX_HAL_INVALID_PARAM);
    /* A group past the device's end: the kernel's EINVAL. */
    assert_int_equal(hsx_fram_record_setup(0, size - slot * slots, slot, slots), HSX_HAL_OK);
    assert_int_equal(hsx_fram_record_read(1, buf, sizeof(buf)), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), EINVAL);
}

static void a_read_only_part_refuses_writes(void **state)
{
    uint8_t b[4] = {1, 2, 3, 4}, r[4];
    hsx_fram_info_t info;
    (void)state;

    assert_int_equal(map_dev(1, SIM2), 0);
    assert_int_equal(hsx_fram_get_info(1, &info), HSX_HAL_OK);
    assert_true(info.flags & HSX_FRAM_READ_ONLY);
    assert_int_equal(hsx_fram_read_ex(1, 0, r, 4), 4);
    assert_int_equal(hsx_fram_write_ex(1, 0, b, 4), HSX_HAL_READ_ONLY);
    assert_int_equal(hsx_hal_errno(), EROFS);
    assert_int_equal(hsx_fram_select(1), HSX_HAL_OK);
    assert_int_equal(hsx_fram_write(0, b, 4), HSX_HAL_READ_ONLY);
    assert_int_equal(hsx_fram_select(0), HSX_HAL_OK);
    assert_int_equal(map_dev(1, ""), 0);
    assert_int_equal(hsx_fram_read_ex(1, 0, r, 4), HSX_HAL_NO_DEVICE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(size_and_info_say_the_binding),
        cmocka_unit_test(random_writes_read_back_exactly),
        cmocka_unit_test(variables_round_trip),
        cmocka_unit_test(bounds_are_the_devices),
        cmocka_unit_test(wear_counts_each_write_per_block),
        cmocka_unit_test(records_round_trip),
        cmocka_unit_test(a_read_only_part_refuses_writes),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
