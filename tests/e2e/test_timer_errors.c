/* SPDX-License-Identifier: MIT */
/*
 * Bad input, at both layers: the library's HSX_HAL_* codes and the uAPI's
 * errnos. Nothing here may leave a timer behind or warn in the kernel log.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_mailbox.h"
#include "hsx_timer.h"
#include "hsx_uapi.h"

static void library_rejects_bad_periods_and_types(void **state)
{
    (void)state;
    uint64_t created = e2e_sysfs_u64("/sys/hal/timer/created");
    hsx_timer_t t;

    t = hsx_timer_create(0, HSX_TIMER_PERIODIC);
    assert_true(HSX_TIMER_IS_ERROR(t));
    assert_int_equal(HSX_TIMER_ERROR(t), HSX_HAL_INVALID_PARAM);
    t = hsx_timer_create(HSX_TIMER_PERIOD_MIN_US - 1, HSX_TIMER_ONE_SHOT);
    assert_int_equal(HSX_TIMER_ERROR(t), HSX_HAL_INVALID_PARAM);
    t = hsx_timer_create(HSX_TIMER_PERIOD_MAX_US + 1, HSX_TIMER_PERIODIC);
    assert_int_equal(HSX_TIMER_ERROR(t), HSX_HAL_INVALID_PARAM);
    t = hsx_timer_create(1000, (hsx_timer_type_t)7);
    assert_int_equal(HSX_TIMER_ERROR(t), HSX_HAL_INVALID_PARAM);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/created"), created);
}

static void library_rejects_unknown_timers(void **state)
{
    (void)state;
    assert_int_equal(hsx_timer_cancel(0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_timer_cancel(HSX_TIMER_ID_MAX), HSX_HAL_INVALID_PARAM);
    assert_int_not_equal(hsx_timer_wait(12345, 10), HSX_HAL_OK);
    assert_int_not_equal(hsx_timer_set_callback(12345, NULL, NULL), HSX_HAL_OK);
}

static void raw_unknown_ioctls_are_enotty(void **state)
{
    (void)state;
    int fd = e2e_open_node("timer");
    struct hsx_timer_id id = {0};

    assert_int_equal(e2e_ioctl(fd, _IOW(0x42, 1, struct hsx_timer_id), &id), -ENOTTY);
    assert_int_equal(
        e2e_ioctl(fd, _IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_TIMER, 0xe), struct hsx_timer_id),
                  &id),
        -ENOTTY);
    assert_int_equal(
        e2e_ioctl(fd, _IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_GPIO, 0), struct hsx_timer_id),
                  &id),
        -ENOTTY);
    assert_int_equal(e2e_ioctl(fd, TCGETS, &id), -ENOTTY);
    close(fd);
}

static void raw_wrong_size_reserved_and_flags_are_einval(void **state)
{
    (void)state;
    int fd = e2e_open_node("timer");
    struct hsx_timer_create create = {.period_us = 1000};
    struct hsx_timer_id id = {0};
    uint64_t wide[4] = {0};

    assert_int_equal(
        e2e_ioctl(
            fd,
            _IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_TIMER, HSX_TIMER_FN_CREATE), uint64_t[4]),
            wide),
        -EINVAL);
    create.reserved = 1;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CREATE, &create), -EINVAL);
    create.reserved = 0;
    create.flags = 1u << 7;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CREATE, &create), -EINVAL);
    create.flags = 0;
    create.period_us = 0;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CREATE, &create), -EINVAL);
    id.reserved = 3;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CANCEL, &id), -EINVAL);
    id.reserved = 0;
    id.timer_id = HSX_TIMER_ID_MAX;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CANCEL, &id), -ENOENT);
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_START, &id), -ENOENT);
    /* A bad user pointer is EFAULT, not a crash. */
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CREATE, (void *)8), -EFAULT);
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_GET_TICK, (void *)8), -EFAULT);
    close(fd);
}

static void raw_start_twice_is_ealready(void **state)
{
    (void)state;
    int fd = e2e_open_node("timer");
    struct hsx_timer_create create = {.period_us = 100000, .flags = HSX_TIMER_F_STOPPED};
    struct hsx_timer_id id = {0};

    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CREATE, &create), 0);
    id.timer_id = create.timer_id;
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/%u/armed", id.timer_id), 0);
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_START, &id), 0);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/%u/armed", id.timer_id), 1);
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_START, &id), -EALREADY);
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CANCEL, &id), 0);
    close(fd);
}

/* Timers belong to their opener: another open file may not touch them. */
static void other_openers_timers_are_refused(void **state)
{
    (void)state;
    int owner = e2e_open_node("timer"), other = e2e_open_node("timer");
    struct hsx_timer_create create = {.period_us = 100000};
    struct hsx_timer_id id = {0};

    assert_int_equal(e2e_ioctl(owner, HSX_IOC_TIMER_CREATE, &create), 0);
    id.timer_id = create.timer_id;
    assert_int_equal(e2e_ioctl(other, HSX_IOC_TIMER_CANCEL, &id), -EPERM);
    assert_int_equal(e2e_ioctl(other, HSX_IOC_TIMER_START, &id), -EPERM);
    /* Through the library (its own open file): a distinct denial code. */
    assert_int_equal(hsx_timer_cancel((hsx_timer_t)id.timer_id), HSX_HAL_DENIED);
    assert_true(e2e_exists("/sys/hal/timer/%u", id.timer_id));
    assert_int_equal(e2e_ioctl(owner, HSX_IOC_TIMER_CANCEL, &id), 0);
    close(other);
    close(owner);
}

/* The admin node may cancel any timer (hsxctl timer cancel). */
static void admin_node_cancels_any_timer(void **state)
{
    (void)state;
    int owner = e2e_open_node("timer"), ctl = e2e_open_node("ctl");
    struct hsx_timer_create create = {.period_us = 100000};
    struct hsx_core_version version = {0};
    struct hsx_timer_id id = {0};
    char name[HSX_MBOX_NAME_MAX];
    hsx_mailbox_t *listener;
    hsx_mailbox_event_t ev;
    int ret;

    assert_int_equal(e2e_ioctl(ctl, HSX_IOC_CORE_VERSION, &version), 0);
    assert_int_equal(version.abi, HSX_ABI_VERSION);
    assert_int_equal(version.admin, 1);
    assert_int_equal(e2e_ioctl(owner, HSX_IOC_CORE_VERSION, &version), 0);
    assert_int_equal(version.admin, 0);

    assert_int_equal(e2e_ioctl(owner, HSX_IOC_TIMER_CREATE, &create), 0);
    id.timer_id = create.timer_id;
    snprintf(name, sizeof(name), HSX_MBOX_TIMER_FMT, id.timer_id);
    assert_int_equal(hsx_mailbox_open(name, &listener), HSX_HAL_OK);
    assert_int_equal(e2e_ioctl(ctl, HSX_IOC_TIMER_CANCEL, &id), 0);
    assert_false(e2e_exists("/sys/hal/timer/%u", id.timer_id));
    /* Its listener is told, and why. */
    while ((ret = hsx_mailbox_recv(listener, &ev, E2E_LIVENESS_MS)) == HSX_HAL_OK)
        ;
    assert_int_equal(ret, HSX_HAL_CLOSED);
    assert_int_equal(ev.close_reason, HSX_MAILBOX_CLOSE_ADMIN);
    assert_int_equal(hsx_mailbox_close(listener), HSX_HAL_OK);
    assert_int_equal(e2e_ioctl(owner, HSX_IOC_TIMER_CANCEL, &id), -ENOENT);
    close(ctl);
    close(owner);
}

static void per_opener_limit_is_a_clear_error(void **state)
{
    (void)state;
    unsigned int max = (unsigned int)e2e_sysfs_u64("/sys/hal/timer/max_per_open");
    uint64_t active = e2e_sysfs_u64("/sys/hal/timer/active");
    hsx_timer_t timers[HSX_TIMER_DEFAULT_PER_OPEN];
    hsx_timer_t extra;
    unsigned int i;

    assert_true(max > 0 && max <= HSX_TIMER_DEFAULT_PER_OPEN);
    for (i = 0; i < max; i++) {
        timers[i] = hsx_timer_create(1000000, HSX_TIMER_PERIODIC);
        assert_false(HSX_TIMER_IS_ERROR(timers[i]));
    }
    extra = hsx_timer_create(1000000, HSX_TIMER_PERIODIC);
    assert_true(HSX_TIMER_IS_ERROR(extra));
    assert_int_equal(HSX_TIMER_ERROR(extra), HSX_HAL_LIMIT);
    assert_int_equal(hsx_hal_errno(), EMFILE);
    printf("# limit: %s\n", hsx_hal_strerror(HSX_TIMER_ERROR(extra)));
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/active"), active + max);
    for (i = 0; i < max; i++)
        assert_int_equal(hsx_timer_cancel(timers[i]), HSX_HAL_OK);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/active"), active);
}

static void unknown_mailbox_is_a_clear_error(void **state)
{
    (void)state;
    hsx_mailbox_t *mb = NULL;
    char long_name[HSX_MBOX_NAME_MAX + 8];

    assert_int_equal(hsx_mailbox_open("hal:timer:32767", &mb), HSX_HAL_NO_DEVICE);
    assert_null(mb);
    assert_int_equal(hsx_mailbox_open("no-such-mailbox", &mb), HSX_HAL_NO_DEVICE);
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_int_equal(hsx_mailbox_open(long_name, &mb), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_open("", &mb), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_open(NULL, &mb), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_open("hal:timer:1", NULL), HSX_HAL_INVALID_PARAM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(library_rejects_bad_periods_and_types),
        cmocka_unit_test(library_rejects_unknown_timers),
        cmocka_unit_test(raw_unknown_ioctls_are_enotty),
        cmocka_unit_test(raw_wrong_size_reserved_and_flags_are_einval),
        cmocka_unit_test(raw_start_twice_is_ealready),
        cmocka_unit_test(other_openers_timers_are_refused),
        cmocka_unit_test(admin_node_cancels_any_timer),
        cmocka_unit_test(per_opener_limit_is_a_clear_error),
        cmocka_unit_test(unknown_mailbox_is_a_clear_error),
    };

    return cmocka_run_group_tests_name("e2e_timer_errors", tests, NULL, NULL);
}
