// SPDX-License-Identifier: MIT
/*
 * The e2e suite's hsxd client (tests/e2e/helpers/hsxd_client.c) knows every
 * module from the library's descriptors: here, in a build whose table has
 * the kernel's test module ("dummy") too, its steps find that module's node
 * and keep a file per module, with no line of the helper naming it. The
 * device files are faked: open() and ioctl() are the test's.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#define FIRST_FD 100

static char opened[8][64];
static int nopened;
static int ioctl_fd = -1;

/* Every node "opens", as descriptor FIRST_FD + n for the n-th. */
static int fake_open(const char *path, int flags, ...)
{
    (void)flags;
    snprintf(opened[nopened % 8], sizeof(opened[0]), "%s", path);
    return FIRST_FD + nopened++;
}

static int fake_ioctl(int fd, unsigned long request, ...)
{
    (void)request;
    ioctl_fd = fd;
    return 0;
}

int hsxd_client_main(int argc, char **argv);

#define open fake_open
#define ioctl fake_ioctl
#define main hsxd_client_main
#include "../../tests/e2e/helpers/hsxd_client.c"
#undef main
#undef ioctl
#undef open

static int run_client(char **argv)
{
    int argc = 0;

    while (argv[argc])
        argc++;
    nopened = 0;
    ioctl_fd = -1;
    return hsxd_client_main(argc, argv);
}

/* A module the helper was never told of: its node, by its descriptor. */
static void a_new_module_needs_no_edit(void **state)
{
    char *argv[] = {"hsxd-client", "open:dummy", "open:dummy:3", NULL};
    (void)state;

    assert_int_equal(run_client(argv), 0);
    assert_int_equal(nopened, 2);
    assert_string_equal(opened[0], "/dev/hsx/dummy");
    assert_string_equal(opened[1], "/dev/hsx/dummy3");
}

/* Each module keeps its own file: opening another does not take the timer's. */
static void each_module_has_its_own_file(void **state)
{
    char *argv[] = {"hsxd-client", "open:timer", "open:dummy", "open:gpio", "timer:ok", NULL};
    (void)state;

    assert_int_equal(run_client(argv), 0);
    assert_string_equal(opened[0], "/dev/hsx/timer");
    assert_string_equal(opened[1], "/dev/hsx/dummy");
    assert_string_equal(opened[2], "/dev/hsx/gpio");
    /* Before: every module but GPIO shared the timer's slot, so the dummy's file was used. */
    assert_int_equal(ioctl_fd, FIRST_FD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_new_module_needs_no_edit),
        cmocka_unit_test(each_module_has_its_own_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
