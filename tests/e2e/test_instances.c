/* SPDX-License-Identifier: MIT */
/*
 * Module instances in a real kernel, through the test-only dummy module of a
 * test build of hsx.ko (kmod/tests/dummy.c; the debug kernel's run loads
 * one): /dev/hsx/dummy<n> and /sys/hal/dummy/<n> come and go with the
 * instance, capabilities cover instances, and an instance removed under an
 * open file makes every operation on it ENODEV, never anything else.
 * Against a production hsx.ko (the stock kernel's run) there is no dummy
 * module: the tests say so and pass, the debug kernel's run covers them.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cap_holder.h"
#include "e2e.h"
#include "hsx_uapi.h"

/* The test module's numbers (kmod/tests/dummy.h). */
#define HSX_MODULE_DUMMY HSX_MODULE_TEST
#define HSX_IOC_DUMMY_PING _IO(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_DUMMY, 0))
#define DUMMY_CTL "/sys/kernel/debug/hsx_dummy"

static int have_dummy;

static int dummy_setup(void **state)
{
    (void)state;
    have_dummy = e2e_exists(DUMMY_CTL "/add");
    if (!have_dummy)
        printf("# a production hsx.ko: no dummy module; the debug kernel's run covers instances\n");
    return 0;
}

#define NEED_DUMMY()                                                                               \
    do {                                                                                           \
        if (!have_dummy)                                                                           \
            return;                                                                                \
    } while (0)

static void dummy_ctl(const char *what, unsigned int index)
{
    char path[64], text[16];

    snprintf(path, sizeof(path), DUMMY_CTL "/%s", what);
    snprintf(text, sizeof(text), "%u", index);
    e2e_write_file(path, text);
}

static int ping(int fd)
{
    int ret = ioctl(fd, HSX_IOC_DUMMY_PING, 0);

    return ret < 0 ? -errno : ret;
}

static int open_instance(unsigned int index)
{
    char path[64];

    snprintf(path, sizeof(path), "/dev/hsx/dummy%u", index);
    return open(path, O_RDWR | O_CLOEXEC);
}

/* The module is in /dev/hsx and /sys/hal like any other; instances come and go. */
static void an_instance_has_a_node_and_a_directory(void **state)
{
    (void)state;
    NEED_DUMMY();
    struct stat st;
    int fd;

    assert_int_equal(stat("/dev/hsx/dummy", &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(e2e_exists("/sys/hal/dummy"));
    assert_false(e2e_exists("/dev/hsx/dummy3"));

    dummy_ctl("add", 3);
    assert_int_equal(stat("/dev/hsx/dummy3", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0666);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/dummy/3/pings"), 0);
    fd = open_instance(3);
    assert_true(fd >= 0);
    assert_int_equal(ping(fd), 4); /* index + 1: the file reached its instance */
    assert_int_equal(e2e_sysfs_u64("/sys/hal/dummy/3/pings"), 1);
    /* The module's own node has no device behind it. */
    {
        int mod = e2e_open_node("dummy");

        assert_int_equal(ping(mod), -ENODEV);
        close(mod);
    }

    /* Removed under an open file: ENODEV, the node and directory gone. */
    dummy_ctl("remove", 3);
    assert_int_equal(ping(fd), -ENODEV);
    assert_false(e2e_exists("/dev/hsx/dummy3"));
    assert_false(e2e_exists("/sys/hal/dummy/3"));
    assert_int_equal(close(fd), 0);

    /* The index may be used again: a new instance, not the old one. */
    dummy_ctl("add", 3);
    fd = open_instance(3);
    assert_true(fd >= 0);
    assert_int_equal(ping(fd), 4);
    close(fd);
    dummy_ctl("remove", 3);
}

/*
 * ok_after: calls that began after the removal returned and still reached
 * the instance (a bug); a call that began before may legitimately succeed.
 */
struct pinger {
    int fd;
    atomic_int stop;
    atomic_int *removed;
    atomic_int ok, ok_after, gone, other;
};

static void *pinger_fn(void *arg)
{
    struct pinger *p = arg;

    while (!atomic_load(&p->stop)) {
        int removed = atomic_load(p->removed);
        int ret = ioctl(p->fd, HSX_IOC_DUMMY_PING, 0);

        if (ret == 8)
            atomic_fetch_add(removed ? &p->ok_after : &p->ok, 1);
        else if (ret < 0 && errno == ENODEV)
            atomic_fetch_add(&p->gone, 1);
        else
            atomic_fetch_add(&p->other, 1);
    }
    return NULL;
}

/* Removal while threads call into open files, repeatedly. */
static void removal_under_load_is_enodev_and_nothing_else(void **state)
{
    (void)state;
    NEED_DUMMY();
    struct pinger p[3];
    atomic_int removed;
    pthread_t t[3];
    int round, i;

    for (round = 0; round < 10; round++) {
        atomic_store(&removed, 0);
        dummy_ctl("add", 7);
        for (i = 0; i < 3; i++) {
            memset(&p[i], 0, sizeof(p[i]));
            p[i].removed = &removed;
            p[i].fd = open_instance(7);
            assert_true(p[i].fd >= 0);
            assert_int_equal(pthread_create(&t[i], NULL, pinger_fn, &p[i]), 0);
        }
        while (atomic_load(&p[0].ok) < 50)
            usleep(1000);
        dummy_ctl("remove", 7);
        atomic_store(&removed, 1);
        usleep(20000);
        for (i = 0; i < 3; i++) {
            atomic_store(&p[i].stop, 1);
            assert_int_equal(pthread_join(t[i], NULL), 0);
            assert_int_equal(atomic_load(&p[i].ok_after), 0);
            assert_true(atomic_load(&p[i].gone) > 0);
            assert_int_equal(atomic_load(&p[i].other), 0);
            close(p[i].fd);
        }
    }
}

/* Capabilities cover instances: the check of the module's own covers op. */
static int holder_pings(int fd, int sock)
{
    int other;

    (void)sock;
    CHILD_CHECK(ioctl(fd, HSX_IOC_DUMMY_PING, 0) == 6);
    other = open_instance(6);
    CHILD_CHECK(other >= 0);
    /* No capability on this file at all. */
    CHILD_CHECK(ioctl(other, HSX_IOC_DUMMY_PING, 0) == -1 && errno == EACCES);
    close(other);
    return 0;
}

static int holder_pings_uncovered(int fd, int sock)
{
    (void)sock;
    CHILD_CHECK(ioctl(fd, HSX_IOC_DUMMY_PING, 0) == -1 && errno == EACCES);
    return 0;
}

static void capabilities_cover_instances(void **state)
{
    (void)state;
    NEED_DUMMY();
    union hsx_cap_selector five = {.raw = {1ull << 5}}, bad = {.raw = {0}};
    struct holder h;

    dummy_ctl("add", 5);
    dummy_ctl("add", 6);
    assert_int_equal(cap_admin_claim(NULL), 0);
    /* A selector the module's validate op refuses. */
    start_holder(&h, "dummy5", holder_pings);
    assert_int_equal(mint(h.file, HSX_MODULE_DUMMY, HSX_CAP_R_READ, bad, 30000000000ull, NULL),
                     -EINVAL);
    assert_int_equal(mint(h.file, HSX_MODULE_DUMMY, HSX_CAP_R_WRITE, five, 30000000000ull, NULL),
                     -EINVAL); /* not a right of the module */
    assert_int_equal(mint(h.file, HSX_MODULE_DUMMY, HSX_CAP_R_READ, five, 30000000000ull, NULL), 0);
    send_byte(h.sock, 'g');
    assert_int_equal(finish_holder(&h), 0);

    /* Instance 5's capability on instance 6's file covers nothing there. */
    start_holder(&h, "dummy6", holder_pings_uncovered);
    assert_int_equal(mint(h.file, HSX_MODULE_DUMMY, HSX_CAP_R_READ, five, 30000000000ull, NULL), 0);
    send_byte(h.sock, 'g');
    assert_int_equal(finish_holder(&h), 0);
    cap_admin_release(NULL);
    dummy_ctl("remove", 5);
    dummy_ctl("remove", 6);
}

/* hsxctl status prints what /sys/hal has: a module it was never told of too. */
static void hsxctl_status_shows_a_new_module(void **state)
{
    (void)state;
    NEED_DUMMY();
    char line[256];
    int seen_module = 0, seen_json = 0;
    FILE *out;

    dummy_ctl("add", 2);
    out = popen("hsxctl status 2>&1", "r");
    assert_non_null(out);
    while (fgets(line, sizeof(line), out))
        seen_module |= strncmp(line, "/sys/hal/dummy\n", 15) == 0;
    assert_int_equal(pclose(out), 0);
    out = popen("hsxctl status --json 2>&1", "r");
    assert_non_null(out);
    while (fgets(line, sizeof(line), out))
        seen_json |= strstr(line, "\"dummy\"") != NULL;
    assert_int_equal(pclose(out), 0);
    dummy_ctl("remove", 2);
    assert_true(seen_module);
    assert_true(seen_json);
}

/* Bad requests to the control files are refused, and change nothing. */
static void bad_instance_requests_are_refused(void **state)
{
    (void)state;
    NEED_DUMMY();
    int fd = open(DUMMY_CTL "/add", O_WRONLY | O_CLOEXEC);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "64", 2), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(write(fd, "x", 1), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(write(fd, "9", 1), 1);
    assert_int_equal(write(fd, "9", 1), -1);
    assert_int_equal(errno, EEXIST);
    close(fd);
    fd = open(DUMMY_CTL "/remove", O_WRONLY | O_CLOEXEC);
    assert_int_equal(write(fd, "9", 1), 1);
    assert_int_equal(write(fd, "9", 1), -1);
    assert_int_equal(errno, ENOENT);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_instance_has_a_node_and_a_directory),
        cmocka_unit_test(removal_under_load_is_enodev_and_nothing_else),
        cmocka_unit_test(capabilities_cover_instances),
        cmocka_unit_test(hsxctl_status_shows_a_new_module),
        cmocka_unit_test(bad_instance_requests_are_refused),
    };

    return cmocka_run_group_tests_name("e2e_instances", tests, dummy_setup, NULL);
}
