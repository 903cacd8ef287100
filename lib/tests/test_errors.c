// SPDX-License-Identifier: MIT
/* The errno -> HSX_HAL_* table, hsx_hal_strerror(), and the per-thread errno. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/errors.h"
#include "hsx_hal_types.h"

static void errno_table_maps_every_listed_errno(void **state)
{
    static const struct {
        int err;
        int code;
    } expected[] = {
        {EINVAL, HSX_HAL_INVALID_PARAM},
        {ERANGE, HSX_HAL_INVALID_PARAM},
        {EBADF, HSX_HAL_INVALID_PARAM},
        {EFAULT, HSX_HAL_INVALID_PARAM},
        {ENOENT, HSX_HAL_INVALID_PARAM},
        {ETIMEDOUT, HSX_HAL_TIMEOUT},
        {ETIME, HSX_HAL_TIMEOUT},
        {EBUSY, HSX_HAL_BUSY},
        {EAGAIN, HSX_HAL_BUSY},
        {EALREADY, HSX_HAL_BUSY},
        /* A CAN change from a callback, hsxd not asked (hsx_can.h): BUSY as the call says. */
        {EDEADLK, HSX_HAL_BUSY},
        {ENOMEM, HSX_HAL_NO_MEMORY},
        {ENOBUFS, HSX_HAL_NO_MEMORY},
        {ENOTTY, HSX_HAL_UNSUPPORTED},
        {EOPNOTSUPP, HSX_HAL_UNSUPPORTED},
        {ENOSYS, HSX_HAL_UNSUPPORTED},
        {EPROTONOSUPPORT, HSX_HAL_UNSUPPORTED},
        {EPERM, HSX_HAL_DENIED},
        {EACCES, HSX_HAL_DENIED},
        {ENODEV, HSX_HAL_NO_DEVICE},
        {ENXIO, HSX_HAL_NO_DEVICE},
        {EMFILE, HSX_HAL_LIMIT},
        {ENFILE, HSX_HAL_LIMIT},
        {ENOSPC, HSX_HAL_LIMIT},
        {EDQUOT, HSX_HAL_LIMIT},
        /* Capabilities: expired and revoked are denials like a missing one. */
        {EKEYEXPIRED, HSX_HAL_DENIED},
        {EKEYREVOKED, HSX_HAL_DENIED},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        assert_int_equal(hsx_errno_to_code(expected[i].err), expected[i].code);
        /* Netlink hands errors over negated; both spellings map alike. */
        assert_int_equal(hsx_errno_to_code(-expected[i].err), expected[i].code);
    }
}

static void unlisted_errnos_are_generic_errors(void **state)
{
    (void)state;
    assert_int_equal(hsx_errno_to_code(EIO), HSX_HAL_ERROR);
    assert_int_equal(hsx_errno_to_code(EBADMSG), HSX_HAL_ERROR);
    assert_int_equal(hsx_errno_to_code(EPROTO), HSX_HAL_ERROR);
    assert_int_equal(hsx_errno_to_code(EEXIST), HSX_HAL_ERROR);
    assert_int_equal(hsx_errno_to_code(0), HSX_HAL_ERROR);
}

static void failures_record_the_errno(void **state)
{
    (void)state;
    assert_int_equal(hsx_fail_with_errno(-EMFILE), HSX_HAL_LIMIT);
    assert_int_equal(hsx_hal_errno(), EMFILE);
    assert_int_equal(hsx_fail_with_errno(ENOSPC), HSX_HAL_LIMIT);
    assert_int_equal(hsx_hal_errno(), ENOSPC);
    assert_int_equal(hsx_fail_with(HSX_HAL_NO_DEVICE, ENOENT), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENOENT);
    assert_int_equal(hsx_fail_with(HSX_HAL_INVALID_PARAM, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_hal_errno(), 0);
}

static void *fail_on_other_thread(void *arg)
{
    (void)arg;
    hsx_fail_with_errno(EACCES);
    return (void *)(intptr_t)hsx_hal_errno();
}

static void errno_is_per_thread(void **state)
{
    pthread_t thread;
    void *other = NULL;
    (void)state;

    hsx_fail_with_errno(ENXIO);
    assert_int_equal(pthread_create(&thread, NULL, fail_on_other_thread, NULL), 0);
    assert_int_equal(pthread_join(thread, &other), 0);
    assert_int_equal((intptr_t)other, EACCES);
    assert_int_equal(hsx_hal_errno(), ENXIO);
}

static void strerror_describes_every_code(void **state)
{
    const char *seen[14];
    (void)state;

    for (int code = HSX_HAL_OK; code >= HSX_HAL_READ_ONLY; code--) {
        const char *text = hsx_hal_strerror(code);
        assert_non_null(text);
        assert_true(strlen(text) > 3);
        /* Each code has its own sentence. */
        for (int prev = 0; prev < -code; prev++)
            assert_string_not_equal(text, seen[prev]);
        seen[-code] = text;
    }
    assert_non_null(strstr(hsx_hal_strerror(HSX_HAL_NO_DEVICE), "hsx.ko"));
}

static void strerror_of_unknown_codes_is_generic(void **state)
{
    (void)state;
    const char *unknown = hsx_hal_strerror(-14);
    assert_non_null(unknown);
    assert_string_equal(unknown, hsx_hal_strerror(1));
    assert_string_equal(unknown, hsx_hal_strerror(-1000));
    assert_string_equal(unknown, hsx_hal_strerror(INT32_MIN));
    assert_string_equal(unknown, hsx_hal_strerror(INT32_MAX));
    assert_string_not_equal(unknown, hsx_hal_strerror(HSX_HAL_ERROR));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errno_table_maps_every_listed_errno),
        cmocka_unit_test(unlisted_errnos_are_generic_errors),
        cmocka_unit_test(failures_record_the_errno),
        cmocka_unit_test(errno_is_per_thread),
        cmocka_unit_test(strerror_describes_every_code),
        cmocka_unit_test(strerror_of_unknown_codes_is_generic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
