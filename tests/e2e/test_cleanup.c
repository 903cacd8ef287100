/* SPDX-License-Identifier: MIT */
/*
 * Nothing outlives its owner: timers die with the open file that created
 * them, subscriptions with their socket, whether the owner closes cleanly or
 * is killed with SIGKILL while blocked in a wait.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_mailbox.h"
#include "hsx_timer.h"
#include "hsx_uapi.h"

static void closing_the_file_destroys_its_timers(void **state)
{
    (void)state;
    uint64_t active = e2e_sysfs_u64("/sys/hal/timer/active");
    uint64_t mailboxes = e2e_sysfs_u64("/sys/hal/mailbox/mailboxes");
    struct hsx_timer_create create = {.period_us = 1000};
    unsigned int ids[3];
    int fd = e2e_open_node("timer");
    int i;

    for (i = 0; i < 3; i++) {
        assert_int_equal(e2e_ioctl(fd, HSX_IOC_TIMER_CREATE, &create), 0);
        ids[i] = create.timer_id;
        assert_true(e2e_exists("/sys/hal/timer/%u", ids[i]));
    }
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/active"), active + 3);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/mailbox/mailboxes"), mailboxes + 3);
    close(fd);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/active"), active);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/mailbox/mailboxes"), mailboxes);
    for (i = 0; i < 3; i++)
        assert_false(e2e_exists("/sys/hal/timer/%u", ids[i]));
}

/* The child blocks in hsx_timer_wait() on a timer that never fires soon. */
static void child_blocks_in_wait(int ready_fd)
{
    hsx_timer_t slow = hsx_timer_create(HSX_TIMER_PERIOD_MAX_US, HSX_TIMER_PERIODIC);
    hsx_timer_t fast = hsx_timer_create(1000, HSX_TIMER_PERIODIC);
    hsx_mailbox_t *extra;
    char name[HSX_MBOX_NAME_MAX];

    if (HSX_TIMER_IS_ERROR(slow) || HSX_TIMER_IS_ERROR(fast))
        _exit(2);
    snprintf(name, sizeof(name), HSX_MBOX_TIMER_FMT, fast);
    if (hsx_mailbox_open(name, &extra) != HSX_HAL_OK)
        _exit(3);
    if (write(ready_fd, "r", 1) != 1)
        _exit(4);
    hsx_timer_wait(slow, HSX_HAL_TIMEOUT_INF);
    _exit(5);
}

static void sigkill_while_waiting_leaks_nothing(void **state)
{
    (void)state;
    uint64_t active = e2e_sysfs_u64("/sys/hal/timer/active");
    uint64_t subs = e2e_sysfs_u64("/sys/hal/mailbox/subscriptions");
    uint64_t mailboxes = e2e_sysfs_u64("/sys/hal/mailbox/mailboxes");
    int pipefd[2], status;
    char c;
    pid_t pid;

    assert_int_equal(pipe(pipefd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pipefd[0]);
        child_blocks_in_wait(pipefd[1]);
    }
    close(pipefd[1]);
    assert_int_equal(read(pipefd[0], &c, 1), 1);
    close(pipefd[0]);

    /* Two timers with a subscription each, plus one extra subscription. */
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/active"), active + 2);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/mailbox/subscriptions"), subs + 3);
    usleep(50000); /* let it block in the wait */
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    assert_int_equal(e2e_wait_sysfs(active, 0, "/sys/hal/timer/active"), active);
    assert_int_equal(e2e_wait_sysfs(subs, 0, "/sys/hal/mailbox/subscriptions"), subs);
    assert_int_equal(e2e_wait_sysfs(mailboxes, 0, "/sys/hal/mailbox/mailboxes"), mailboxes);
}

static void closing_a_mailbox_ends_its_subscription(void **state)
{
    (void)state;
    uint64_t subs = e2e_sysfs_u64("/sys/hal/mailbox/subscriptions");
    hsx_timer_t t = hsx_timer_create(100000, HSX_TIMER_PERIODIC);
    hsx_mailbox_t *mb;
    char name[HSX_MBOX_NAME_MAX];

    assert_false(HSX_TIMER_IS_ERROR(t));
    snprintf(name, sizeof(name), HSX_MBOX_TIMER_FMT, t);
    assert_int_equal(hsx_mailbox_open(name, &mb), HSX_HAL_OK);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/mailbox/subscriptions"), subs + 2);
    assert_int_equal(hsx_mailbox_close(mb), HSX_HAL_OK);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/mailbox/subscriptions"), subs + 1);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/mailbox/subscriptions"), subs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(closing_the_file_destroys_its_timers),
        cmocka_unit_test(sigkill_while_waiting_leaks_nothing),
        cmocka_unit_test(closing_a_mailbox_ends_its_subscription),
    };

    return cmocka_run_group_tests_name("e2e_cleanup", tests, NULL, NULL);
}
