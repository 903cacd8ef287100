/* SPDX-License-Identifier: MIT */
/*
 * Unloading and loading hsx.ko while user space keeps knocking: a thread
 * asks the netlink family for mailboxes and another opens the nodes, in a
 * loop, across every load and unload. What a request reaches must exist
 * before the family and the nodes are registered and after they are gone
 * (hsx.ko registers them last and removes them first); the debug kernel's
 * KASAN, lockdep and kernel-log checks judge what happens in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_mailbox.h"
#include "hsx_uapi.h"

#define MODULE_PATH "/lib/hsx/hsx.ko"
#define RELOADS 12

static atomic_int stop;
static atomic_int netlink_ok, node_ok;

static void *knock_netlink(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        hsx_mailbox_t *mb = NULL;

        if (hsx_mailbox_open(HSX_MBOX_CAPS, &mb) == HSX_HAL_OK) {
            atomic_fetch_add(&netlink_ok, 1);
            hsx_mailbox_close(mb);
        }
    }
    return NULL;
}

static void *knock_nodes(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        int fd = open("/dev/hsx/timer", O_RDWR | O_CLOEXEC);

        if (fd >= 0) {
            struct hsx_core_version v;

            if (ioctl(fd, HSX_IOC_CORE_VERSION, &v) == 0)
                atomic_fetch_add(&node_ok, 1);
            close(fd);
        }
    }
    return NULL;
}

static void reload_while_requests_arrive(void **state)
{
    pthread_t a, b;
    int i;

    (void)state;
    if (access(MODULE_PATH, R_OK)) {
        printf("# %s is not where the VM harness puts it\n", MODULE_PATH);
        fail();
    }
    assert_int_equal(pthread_create(&a, NULL, knock_netlink, NULL), 0);
    assert_int_equal(pthread_create(&b, NULL, knock_nodes, NULL), 0);
    for (i = 0; i < RELOADS; i++) {
        usleep(20000);
        assert_int_equal(e2e_module_unload("hsx"), 0);
        usleep(5000);
        assert_int_equal(e2e_module_load(MODULE_PATH, ""), 0);
    }
    usleep(20000);
    atomic_store(&stop, 1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    /* The knocking got through between reloads: it was there to race them. */
    assert_true(atomic_load(&netlink_ok) > 0);
    assert_true(atomic_load(&node_ok) > 0);
    printf("# %d reloads; %d mailbox opens and %d node calls got through\n", RELOADS,
           atomic_load(&netlink_ok), atomic_load(&node_ok));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reload_while_requests_arrive),
    };

    return cmocka_run_group_tests_name("e2e_reload", tests, NULL, NULL);
}
