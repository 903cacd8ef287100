// SPDX-License-Identifier: MIT
/*
 * FRAM against a fake hsx.ko: an ioctl hook plays /dev/hsx/fram, records
 * what each call asked and answers as the test says. Bad input must never
 * reach it; the kernel's errnos must come back as hsx_fram.h says.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/errors.h"
#include "fram/fram.h"
#include "helpers.h"
#include "hsx_fram.h"

static struct fake_kernel {
    int calls;
    unsigned long request;
    int fail;         /* the errno the next call fails with, or 0 */
    uint32_t done;    /* READ, WRITE: bytes done (0: all) */
    uint64_t wear;    /* GET_WEAR's count */
    uint32_t rec_len; /* RECORD_READ: the payload's length */
    uint32_t rec_flags;
    union {
        struct hsx_fram_xfer xfer;
        struct hsx_fram_wear wear;
        struct hsx_fram_info info;
        struct hsx_fram_record record;
    } arg;
} fk;

static int fake_ioctl(enum hsx_umod_index node, unsigned long request, void *arg)
{
    assert_int_equal(node, HSX_UMOD_FRAM);
    if (request == HSX_IOC_CAP_INFO)
        return test_privileged_cap_info(arg);
    fk.calls++;
    fk.request = request;
    if (request == HSX_IOC_FRAM_READ || request == HSX_IOC_FRAM_WRITE) {
        struct hsx_fram_xfer *x = arg;
        fk.arg.xfer = *x;
        x->done = fk.fail ? 0 : fk.done ? fk.done : x->len;
        if (request == HSX_IOC_FRAM_READ && !fk.fail)
            memset((void *)(uintptr_t)x->buf, 0xa5, x->done);
    } else if (request == HSX_IOC_FRAM_GET_WEAR) {
        struct hsx_fram_wear *w = arg;
        fk.arg.wear = *w;
        w->count = fk.wear;
        w->block = w->addr / HSX_FRAM_BLOCK_SIZE;
    } else if (request == HSX_IOC_FRAM_GET_SIZE || request == HSX_IOC_FRAM_INFO) {
        struct hsx_fram_info *i = arg;
        fk.arg.info = *i;
        *i = (struct hsx_fram_info){.dev = i->dev,
                                    .bound = 1,
                                    .size = 32768 - 512,
                                    .part_size = 32768,
                                    .reserved = 512,
                                    .block_size = 256,
                                    .flags = HSX_FRAM_F_READ_ONLY,
                                    .name = "hsx-fram-sim0"};
    } else if (request == HSX_IOC_FRAM_RECORD_READ || request == HSX_IOC_FRAM_RECORD_WRITE) {
        struct hsx_fram_record *r = arg;
        fk.arg.record = *r;
        r->seq = 7;
        r->flags = fk.rec_flags;
        /* As hsx.ko: what fits and the whole length, flagged; nothing back on an error. */
        if (request == HSX_IOC_FRAM_RECORD_READ && !fk.fail) {
            if (fk.rec_len > r->len)
                r->flags |= HSX_FRAM_REC_F_TRUNCATED;
            r->len = fk.rec_len;
        }
        if (fk.fail)
            *r = fk.arg.record;
    } else {
        return test_ioctl_result(ENOTTY);
    }
    return test_ioctl_result(fk.fail);
}

static int setup(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof(fk));
    test_use_fake_kernel(fake_ioctl, NULL);
    hsx_fram_select(0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_use_real_kernel(NULL, 0);
    return 0;
}

/* Bad input is INVALID_PARAM with errno 0, and the kernel is never asked. */
static void bad_input_never_reaches_the_kernel(void **state)
{
    uint8_t buf[16];
    hsx_fram_wear_t wear;
    hsx_fram_info_t info;
    (void)state;

    const int results[] = {
        hsx_fram_read(0, NULL, 4),
        hsx_fram_write(0, NULL, 4),
        hsx_fram_read(0, buf, 0),
        hsx_fram_read(0, buf, HSX_FRAM_XFER_MAX + 1),
        hsx_fram_write(UINT32_MAX - 1, buf, 4),       /* wraps */
        hsx_fram_read(HSX_FRAM_PART_MAX - 2, buf, 4), /* past the largest part */
        hsx_fram_read_ex(HSX_FRAM_MAX_DEVICES, 0, buf, 4),
        hsx_fram_get_size_ex(HSX_FRAM_MAX_DEVICES),
        hsx_fram_get_wear(HSX_FRAM_PART_MAX),
        hsx_fram_get_wear_ex(0, 0, NULL),
        hsx_fram_get_info(0, NULL),
        hsx_fram_get_info(9, &info),
        hsx_fram_get_wear_ex(8, 0, &wear),
        hsx_fram_select(HSX_FRAM_MAX_DEVICES),
    };
    for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
        if (results[i] != HSX_HAL_INVALID_PARAM)
            fail_msg("case %zu: %d", i, results[i]);
    }
    assert_int_equal(hsx_hal_errno(), 0);
    assert_int_equal(fk.calls, 0);
    assert_int_equal(hsx_fram_selected(), 0);
}

static void the_spec_calls_act_on_the_selected_device(void **state)
{
    uint8_t buf[8] = {0};
    uint32_t var = 0x12345678;
    (void)state;

    assert_int_equal(hsx_fram_write(0x100, buf, sizeof(buf)), 8);
    assert_int_equal(fk.request, HSX_IOC_FRAM_WRITE);
    assert_int_equal(fk.arg.xfer.dev, 0);
    assert_int_equal(fk.arg.xfer.addr, 0x100);
    assert_int_equal(fk.arg.xfer.len, 8);
    assert_ptr_equal((void *)(uintptr_t)fk.arg.xfer.buf, buf);

    assert_int_equal(hsx_fram_select(3), HSX_HAL_OK);
    assert_int_equal(hsx_fram_selected(), 3);
    assert_int_equal(hsx_fram_read_var(0x10, var), (int)sizeof(var));
    assert_int_equal(fk.arg.xfer.dev, 3);
    assert_int_equal(var, 0xa5a5a5a5);
    assert_int_equal(hsx_fram_write_var(0x10, var), (int)sizeof(var));
    assert_int_equal(fk.request, HSX_IOC_FRAM_WRITE);
    assert_int_equal(hsx_fram_get_size(), 32768 - 512);
    assert_int_equal(fk.arg.info.dev, 3);
    fk.wear = 5000000000ull;
    assert_int_equal(hsx_fram_get_wear(0x3ff), INT32_MAX); /* saturated */
    assert_int_equal(fk.arg.wear.addr, 0x3ff);

    /* The largest transfer, to the last address of the largest part. */
    assert_int_equal(hsx_fram_write_ex(1, HSX_FRAM_PART_MAX - 1, buf, 1), 1);
    fk.done = 3; /* the part failed after 3 bytes */
    assert_int_equal(hsx_fram_write_ex(1, 0, buf, 8), 3);
}

static void *selected_there(void *unused)
{
    (void)unused;
    return (void *)(uintptr_t)hsx_fram_selected();
}

static void the_selection_is_the_threads(void **state)
{
    pthread_t t;
    (void)state;

    assert_int_equal(hsx_fram_select(5), HSX_HAL_OK);
    assert_int_equal(pthread_create(&t, NULL, selected_there, NULL), 0);
    void *other;
    pthread_join(t, &other);
    assert_int_equal((uintptr_t)other, 0);
    assert_int_equal(hsx_fram_selected(), 5);
}

static void kernel_errnos_map_as_the_header_says(void **state)
{
    static const struct {
        int err, code;
    } cases[] = {
        {EINVAL, HSX_HAL_INVALID_PARAM},
        {EACCES, HSX_HAL_DENIED},
        {EPERM, HSX_HAL_DENIED},
        {EKEYREVOKED, HSX_HAL_DENIED},
        {EKEYEXPIRED, HSX_HAL_DENIED},
        {ENXIO, HSX_HAL_NO_DEVICE},
        {ENODEV, HSX_HAL_NO_DEVICE},
        {EROFS, HSX_HAL_READ_ONLY},
        {EIO, HSX_HAL_ERROR},
        {ENOMEM, HSX_HAL_NO_MEMORY},
        /* A record's words only: from a read or a write they are the driver's (ECC: EBADMSG). */
        {ENODATA, HSX_HAL_ERROR},
        {EBADMSG, HSX_HAL_ERROR},
        {EMSGSIZE, HSX_HAL_ERROR},
    };
    uint8_t buf[4];
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fk.fail = cases[i].err;
        assert_int_equal(hsx_fram_write(0, buf, 4), cases[i].code);
        assert_int_equal(hsx_hal_errno(), cases[i].err);
        assert_int_equal(hsx_fram_get_size(), cases[i].code);
        assert_int_equal(hsx_fram_get_wear(0), cases[i].code);
    }
}

static void info_and_wear_say_it_all(void **state)
{
    hsx_fram_info_t info;
    hsx_fram_wear_t wear;
    (void)state;

    assert_int_equal(hsx_fram_get_info(2, &info), HSX_HAL_OK);
    assert_int_equal(fk.arg.info.dev, 2);
    assert_int_equal(info.dev, 2);
    assert_int_equal(info.bound, 1);
    assert_int_equal(info.size, 32768 - 512);
    assert_int_equal(info.part_size, 32768);
    assert_int_equal(info.wear_area, 512);
    assert_int_equal(info.block_size, 256);
    assert_int_equal(info.flags, HSX_FRAM_READ_ONLY);
    assert_string_equal(info.name, "hsx-fram-sim0");
    fk.wear = 42;
    assert_int_equal(hsx_fram_get_wear_ex(1, 0x1ff, &wear), HSX_HAL_OK);
    assert_int_equal(wear.count, 42);
    assert_int_equal(wear.block, 1);
}

static void record_layouts_are_checked(void **state)
{
    (void)state;
    /* Devices, slot counts and sizes the kernel refuses, or a region past the largest part. */
    assert_false(hsx_fram_layout_valid(8, 0, 64, 2));
    assert_false(hsx_fram_layout_valid(0, 0, 64, 1));
    assert_false(hsx_fram_layout_valid(0, 0, 64, 17));
    assert_false(hsx_fram_layout_valid(0, 0, 24, 2));
    assert_false(hsx_fram_layout_valid(0, 0, 60, 2));
    assert_false(hsx_fram_layout_valid(0, 0, 24 + 4096 + 8, 2));
    assert_false(hsx_fram_layout_valid(0, HSX_FRAM_PART_MAX - 64, 64, 2));
    assert_false(hsx_fram_layout_valid(0, UINT32_MAX, 64, 2));
    assert_true(hsx_fram_layout_valid(0, 0, 32, 2));
    assert_true(hsx_fram_layout_valid(7, HSX_FRAM_PART_MAX - 128, 64, 2));
    assert_true(hsx_fram_layout_valid(0, 0, 24 + 4096, 16));
    assert_int_equal(hsx_fram_record_setup(0, 0, 60, 2), HSX_HAL_INVALID_PARAM);
    assert_int_equal(fk.calls, 0);
}

static void records_go_through_the_layout(void **state)
{
    uint8_t buf[64] = {1, 2, 3};
    hsx_fram_record_info_t info;
    (void)state;

    assert_int_equal(hsx_fram_record_setup(2, 0x1000, 64, 4), HSX_HAL_OK);
    assert_int_equal(hsx_fram_record_write(3, buf, 40), 40);
    assert_int_equal(fk.request, HSX_IOC_FRAM_RECORD_WRITE);
    assert_int_equal(fk.arg.record.dev, 2);
    assert_int_equal(fk.arg.record.id, 3);
    assert_int_equal(fk.arg.record.base, 0x1000);
    assert_int_equal(fk.arg.record.slot_size, 64);
    assert_int_equal(fk.arg.record.slots, 4);
    assert_int_equal(fk.arg.record.len, 40);
    assert_int_equal(hsx_fram_record_write(3, NULL, 0), 0); /* an empty record */

    fk.rec_len = 12;
    assert_int_equal(hsx_fram_record_read(3, buf, sizeof(buf)), 12);
    assert_int_equal(fk.arg.record.len, sizeof(buf));
    assert_int_equal(hsx_fram_record_read_ex(3, buf, sizeof(buf), &info), 12);
    assert_int_equal(info.seq, 7);
    assert_int_equal(info.len, 12);
    assert_int_equal(info.flags, 0);

    /* Too small: the length comes back; never written: no data, nothing corrupt. */
    assert_int_equal(hsx_fram_record_read_ex(3, buf, 4, &info), HSX_HAL_TOO_SMALL);
    assert_int_equal(hsx_hal_errno(), EMSGSIZE);
    assert_int_equal(info.len, 12);
    fk.fail = ENODATA;
    assert_int_equal(hsx_fram_record_read_ex(3, buf, 4, &info), HSX_HAL_NO_DATA);
    assert_int_equal(hsx_hal_errno(), ENODATA);
    assert_int_equal(info.flags, 0);
    assert_int_equal(info.len, 0);
    /* hsx.ko's word for none valid and one corrupt; the flag comes from it. */
    fk.fail = EBADMSG;
    fk.rec_flags = 0;
    assert_int_equal(hsx_fram_record_read_ex(3, buf, 4, &info), HSX_HAL_NO_DATA);
    assert_int_equal(info.flags, HSX_FRAM_RECORD_CORRUPT);
    fk.fail = 0;
    assert_int_equal(hsx_fram_record_read_ex(3, buf, sizeof(buf), &info), 12);
    assert_int_equal(info.flags, 0);
    fk.fail = EROFS;
    assert_int_equal(hsx_fram_record_write(0, buf, 1), HSX_HAL_READ_ONLY);
}

static void bad_record_calls_never_reach_the_kernel(void **state)
{
    uint8_t buf[8];
    (void)state;

    assert_int_equal(hsx_fram_record_setup(0, 0, 64, 2), HSX_HAL_OK);
    int before = fk.calls;
    assert_int_equal(hsx_fram_record_write(0, NULL, 4), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_fram_record_write(0, buf, 64 - 24 + 1), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_fram_record_read(0, NULL, 4), HSX_HAL_INVALID_PARAM);
    /* A group past the largest part: id 131072 of 128-byte groups starts at 16 MiB. */
    assert_int_equal(hsx_fram_record_read(HSX_FRAM_PART_MAX / 128, buf, 8), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_fram_record_write(UINT32_MAX, buf, 8), HSX_HAL_INVALID_PARAM);
    assert_int_equal(fk.calls, before);
    assert_int_equal(hsx_fram_record_read(HSX_FRAM_PART_MAX / 128 - 1, buf, 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bad_input_never_reaches_the_kernel, setup, teardown),
        cmocka_unit_test_setup_teardown(the_spec_calls_act_on_the_selected_device, setup, teardown),
        cmocka_unit_test_setup_teardown(the_selection_is_the_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(kernel_errnos_map_as_the_header_says, setup, teardown),
        cmocka_unit_test_setup_teardown(info_and_wear_say_it_all, setup, teardown),
        cmocka_unit_test_setup_teardown(record_layouts_are_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(records_go_through_the_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_record_calls_never_reach_the_kernel, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
