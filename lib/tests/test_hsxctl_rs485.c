// SPDX-License-Identifier: MIT
/*
 * hsxctl uart map --rs485 on a fake tty layer: the calls it makes on the
 * tty (stat, open, fstat, isatty, the RS-485 ioctls, termios, close) are
 * the test's, the tty class a directory of the test's. What is not a tty is
 * never opened; nothing changes unless the old settings were read; the
 * close does not drop DTR and RTS (HUPCL off); a failed restore is said.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/hsxctl/output.h"

#define FAKE_FD 42

/* The tty layer: one tty, the calls made on it. */
static struct {
    bool dev_node;       /* /dev/<name> exists */
    dev_t dev_rdev;      /* its device numbers */
    mode_t dev_mode;     /* S_IFCHR, or another type */
    dev_t opened_rdev;   /* what the open gets (another device: a swap meanwhile) */
    bool opened_tty;     /* isatty() of it */
    int open_errno;      /* the open fails so */
    int get_errno;       /* TIOCGRS485 fails so */
    int get_after_errno; /* TIOCGRS485 after a TIOCSRS485 fails so */
    int set_errno;       /* TIOCSRS485 fails so */
    int set_errno_next;  /* ... from the second one on */
    bool set_disables;   /* the driver takes the request with RS-485 off */
    int tcset_errno;     /* tcsetattr fails so */
    struct serial_rs485 port;
    tcflag_t cflag;
    unsigned int sets;
    int open_fds;
} fake;
static char calls[1024], errors[2048], class_dir[32];

static void called(const char *what)
{
    size_t len = strlen(calls);

    snprintf(calls + len, sizeof(calls) - len, "%s%s", len ? " " : "", what);
}

void hsxctl_error(const char *fmt, ...)
{
    size_t len = strlen(errors);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(errors + len, sizeof(errors) - len, fmt, ap);
    va_end(ap);
    len = strlen(errors);
    snprintf(errors + len, sizeof(errors) - len, "\n");
}

static int fake_stat(const char *path, struct stat *st)
{
    called("stat");
    assert_string_equal(path, "/dev/ttyT1");
    if (!fake.dev_node) {
        errno = ENOENT;
        return -1;
    }
    memset(st, 0, sizeof(*st));
    st->st_mode = fake.dev_mode | 0600;
    st->st_rdev = fake.dev_rdev;
    return 0;
}

static int fake_open(const char *path, int flags, ...)
{
    called("open");
    assert_string_equal(path, "/dev/ttyT1");
    assert_int_equal(flags, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fake.open_errno) {
        errno = fake.open_errno;
        return -1;
    }
    fake.open_fds++;
    return FAKE_FD;
}

static int fake_fstat(int fd, struct stat *st)
{
    called("fstat");
    assert_int_equal(fd, FAKE_FD);
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFCHR | 0600;
    st->st_rdev = fake.opened_rdev;
    return 0;
}

static int fake_isatty(int fd)
{
    called("isatty");
    assert_int_equal(fd, FAKE_FD);
    return fake.opened_tty;
}

static int fake_ioctl(int fd, unsigned long request, ...)
{
    struct serial_rs485 *arg;
    va_list ap;

    assert_int_equal(fd, FAKE_FD);
    va_start(ap, request);
    arg = va_arg(ap, struct serial_rs485 *);
    va_end(ap);
    if (request == TIOCGRS485) {
        called("TIOCGRS485");
        int err = fake.sets ? fake.get_after_errno : fake.get_errno;
        if (err) {
            errno = err;
            return -1;
        }
        *arg = fake.port;
        return 0;
    }
    assert_int_equal(request, TIOCSRS485);
    called("TIOCSRS485");
    int err = fake.sets++ ? fake.set_errno_next : fake.set_errno;
    if (err) {
        errno = err;
        return -1;
    }
    fake.port = *arg;
    if (fake.set_disables)
        fake.port.flags &= ~(uint32_t)SER_RS485_ENABLED;
    *arg = fake.port;
    return 0;
}

static int fake_tcgetattr(int fd, struct termios *t)
{
    called("tcgetattr");
    assert_int_equal(fd, FAKE_FD);
    memset(t, 0, sizeof(*t));
    t->c_cflag = fake.cflag;
    return 0;
}

static int fake_tcsetattr(int fd, int when, const struct termios *t)
{
    called("tcsetattr");
    assert_int_equal(fd, FAKE_FD);
    assert_int_equal(when, TCSANOW);
    if (fake.tcset_errno) {
        errno = fake.tcset_errno;
        return -1;
    }
    fake.cflag = t->c_cflag;
    return 0;
}

static int fake_close(int fd)
{
    called("close");
    assert_int_equal(fd, FAKE_FD);
    fake.open_fds--;
    return 0;
}

#define stat(path, st) fake_stat(path, st)
#define open(...) fake_open(__VA_ARGS__)
#define fstat(fd, st) fake_fstat(fd, st)
#define isatty(fd) fake_isatty(fd)
#define ioctl(...) fake_ioctl(__VA_ARGS__)
#define tcgetattr(fd, t) fake_tcgetattr(fd, t)
#define tcsetattr(fd, when, t) fake_tcsetattr(fd, when, t)
#define close(fd) fake_close(fd)
#define HSXCTL_TTY_CLASS class_dir
#include "../../tools/hsxctl/uart_rs485.c"
#undef stat
#undef open
#undef fstat
#undef isatty
#undef ioctl
#undef tcgetattr
#undef tcsetattr
#undef close

#define TTY_RDEV makedev(4, 65)
static const struct hsxctl_rs485 want = {
    .enable = true, .flags = SER_RS485_RTS_ON_SEND, .delay_after = 2};
static const struct serial_rs485 before = {.flags = SER_RS485_RTS_AFTER_SEND,
                                           .delay_rts_before_send = 7};

/* The tty class: ttyT1 listed with "dev" (or not), and a tty that works. */
static void set_class(const char *dev)
{
    char path[96];

    snprintf(path, sizeof(path), "%s/ttyT1/dev", class_dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/ttyT1", class_dir);
    rmdir(path);
    if (!dev)
        return;
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/ttyT1/dev", class_dir);
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    fprintf(f, "%s\n", dev);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    memset(&fake, 0, sizeof(fake));
    fake.dev_node = true;
    fake.dev_mode = S_IFCHR;
    fake.dev_rdev = fake.opened_rdev = TTY_RDEV;
    fake.opened_tty = true;
    fake.port = before;
    fake.cflag = CS8 | CREAD | HUPCL | CLOCAL;
    calls[0] = errors[0] = '\0';
    set_class("4:65");
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(class_dir, sizeof(class_dir), "/tmp/hsx-ttyclass.XXXXXX");
    return mkdtemp(class_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    set_class(NULL);
    return rmdir(class_dir);
}

static int set(struct hsxctl_rs485_saved *old, struct serial_rs485 *got)
{
    return hsxctl_rs485_set("ttyT1", &want, old, got);
}

#define assert_has(text, part)                                                                     \
    do {                                                                                           \
        if (!strstr(text, part))                                                                   \
            fail_msg("no \"%s\" in \"%s\"", part, text);                                           \
    } while (0)

/* A device that is not in the tty class (/dev/null, /dev/watchdog): never opened. */
static void not_a_tty_is_not_opened(void **state)
{
    struct hsxctl_rs485_saved old;
    struct serial_rs485 got;
    (void)state;

    set_class(NULL);
    fake.dev_rdev = makedev(10, 130);
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_string_equal(calls, "stat");
    assert_has(errors, "/dev/ttyT1 is not a tty");
    assert_has(errors, "it was not opened, nothing was bound");

    /* Nothing there at all. */
    fake.dev_node = false;
    calls[0] = errors[0] = '\0';
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_string_equal(calls, "stat");
    assert_has(errors, "there is no tty named ttyT1");

    /* In the class without device numbers. */
    set_class("garbage");
    fake.dev_node = true;
    calls[0] = errors[0] = '\0';
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_string_equal(calls, "stat");
    assert_has(errors, "/dev/ttyT1 is not a tty");
}

/* /dev/<tty> of other numbers than the tty's, or not a char device: not opened either. */
static void another_node_under_the_name_is_not_opened(void **state)
{
    struct hsxctl_rs485_saved old;
    struct serial_rs485 got;
    (void)state;

    fake.dev_rdev = makedev(1, 3);
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_string_equal(calls, "stat");
    assert_has(errors, "/dev/ttyT1 is not a tty: it is not the device of");
    assert_has(errors, "(4:65)");

    fake.dev_rdev = TTY_RDEV;
    fake.dev_mode = S_IFBLK;
    calls[0] = errors[0] = '\0';
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_string_equal(calls, "stat");
}

/* What was opened is checked before any ioctl: the device checked, and a terminal. */
static void the_open_file_is_checked_before_any_ioctl(void **state)
{
    struct hsxctl_rs485_saved old;
    struct serial_rs485 got;
    (void)state;

    fake.opened_rdev = makedev(10, 130);
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_string_equal(calls, "stat open fstat close");
    assert_has(errors, "/dev/ttyT1 is not a tty (what was opened");

    fake.opened_rdev = TTY_RDEV;
    fake.opened_tty = false;
    calls[0] = errors[0] = '\0';
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_string_equal(calls, "stat open fstat isatty close");
    assert_int_equal(fake.open_fds, 0);
    assert_memory_equal(&fake.port, &before, sizeof(before));
}

/* Without the old settings there is nothing to put back: nothing is changed. */
static void unreadable_settings_change_nothing(void **state)
{
    struct hsxctl_rs485_saved old;
    struct serial_rs485 got;
    (void)state;

    fake.get_errno = EIO;
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_string_equal(calls, "stat open fstat isatty TIOCGRS485 close");
    assert_has(errors, "ttyT1: cannot read its RS-485 settings, to put them back if the bind "
                       "fails (TIOCGRS485: Input/output error)");
    assert_has(errors, "nothing was changed, nothing was bound");
    assert_int_equal(fake.sets, 0);
    assert_true(fake.cflag & HUPCL);

    /* A tty outside the serial core: no RS-485 ioctl at all. */
    fake.get_errno = ENOTTY;
    calls[0] = errors[0] = '\0';
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_has(errors, "ttyT1 has no RS-485 mode");
    assert_int_equal(fake.sets, 0);
}

/* Set, read back, HUPCL cleared before the close (no drop of DTR and RTS), said. */
static void set_clears_hupcl_before_the_close(void **state)
{
    struct hsxctl_rs485_saved old;
    struct serial_rs485 got;
    (void)state;

    assert_int_equal(set(&old, &got), HSXCTL_EXIT_OK);
    assert_string_equal(calls, "stat open fstat isatty TIOCGRS485 tcgetattr TIOCSRS485 "
                               "TIOCGRS485 tcsetattr close");
    assert_int_equal(fake.open_fds, 0);
    assert_memory_equal(&old.rs485, &before, sizeof(before));
    assert_true(old.hupcl);
    assert_false(fake.cflag & HUPCL);
    assert_true(fake.cflag & CLOCAL);
    assert_int_equal(got.flags, SER_RS485_ENABLED | SER_RS485_RTS_ON_SEND);
    assert_int_equal(got.delay_rts_after_send, 2);
    assert_has(errors, "note: ttyT1's HUPCL was cleared");

    /* Without HUPCL, termios is left alone. */
    setup(state);
    fake.cflag &= ~(tcflag_t)HUPCL;
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_OK);
    assert_string_equal(calls, "stat open fstat isatty TIOCGRS485 tcgetattr TIOCSRS485 "
                               "TIOCGRS485 close");
    assert_false(old.hupcl);
    assert_string_equal(errors, "");
}

/* HUPCL cannot be cleared: RS-485 is put back, nothing bound. */
static void hupcl_not_cleared_puts_back(void **state)
{
    struct hsxctl_rs485_saved old;
    struct serial_rs485 got;
    (void)state;

    fake.tcset_errno = EIO;
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_memory_equal(&fake.port, &before, sizeof(before));
    assert_has(errors, "cannot clear HUPCL on ttyT1 (tcsetattr: Input/output error): its RS-485 "
                       "settings were put back; nothing was bound");
    assert_int_equal(fake.open_fds, 0);
}

/* A driver without RS-485, or that does not turn it on: the tty is as it was. */
static void driver_refusals_leave_the_tty(void **state)
{
    struct hsxctl_rs485_saved old;
    struct serial_rs485 got;
    (void)state;

    fake.set_errno = ENOTTY;
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_has(errors, "ttyT1 has no RS-485 mode (its driver does not support it: TIOCSRS485");
    assert_memory_equal(&fake.port, &before, sizeof(before));
    assert_true(fake.cflag & HUPCL);

    setup(state);
    fake.set_errno = EINVAL;
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_has(errors, "ttyT1: its driver refused the RS-485 settings (TIOCSRS485: Invalid "
                       "argument): nothing was changed, nothing was bound");
    assert_memory_equal(&fake.port, &before, sizeof(before));

    setup(state);
    fake.set_disables = true;
    assert_int_equal(set(&old, &got), HSXCTL_EXIT_FAILURE);
    assert_has(errors, "ttyT1's driver did not turn RS-485 on");
    assert_string_equal(calls, "stat open fstat isatty TIOCGRS485 tcgetattr TIOCSRS485 "
                               "TIOCGRS485 TIOCSRS485 close");
    assert_true(fake.cflag & HUPCL);
}

/* After a failed bind: the old RS-485 settings and HUPCL back, and said. */
static void restore_puts_everything_back(void **state)
{
    struct hsxctl_rs485_saved old;
    struct serial_rs485 got;
    (void)state;

    assert_int_equal(set(&old, &got), HSXCTL_EXIT_OK);
    calls[0] = errors[0] = '\0';
    assert_int_equal(hsxctl_rs485_restore("ttyT1", &old), HSXCTL_EXIT_OK);
    assert_string_equal(calls, "stat open fstat isatty TIOCSRS485 tcgetattr tcsetattr close");
    assert_memory_equal(&fake.port, &before, sizeof(before));
    assert_true(fake.cflag & HUPCL);
    assert_has(errors, "ttyT1's RS-485 settings and HUPCL were put back as they were");
}

/* A restore that cannot be done (another bind took the tty meanwhile) is said, and fails. */
static void failed_restore_is_said(void **state)
{
    struct hsxctl_rs485_saved old;
    struct serial_rs485 got;
    (void)state;

    assert_int_equal(set(&old, &got), HSXCTL_EXIT_OK);
    fake.open_errno = EBUSY;
    errors[0] = '\0';
    assert_int_equal(hsxctl_rs485_restore("ttyT1", &old), HSXCTL_EXIT_FAILURE);
    assert_has(errors, "ttyT1 is in use");
    assert_has(errors, "ttyT1 stays as set above (RS-485 on, HUPCL off), not as it was");

    fake.open_errno = 0;
    fake.set_errno_next = EIO;
    errors[0] = '\0';
    assert_int_equal(hsxctl_rs485_restore("ttyT1", &old), HSXCTL_EXIT_FAILURE);
    assert_has(errors, "ttyT1: cannot put its RS-485 settings back (TIOCSRS485: Input/output "
                       "error)");
    assert_has(errors, "ttyT1 stays as set above");
    assert_int_equal(fake.open_fds, 0);

    fake.set_errno_next = 0;
    fake.tcset_errno = EIO;
    errors[0] = '\0';
    assert_int_equal(hsxctl_rs485_restore("ttyT1", &old), HSXCTL_EXIT_FAILURE);
    assert_has(errors, "ttyT1's RS-485 settings were put back, but HUPCL stays off");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(not_a_tty_is_not_opened, setup),
        cmocka_unit_test_setup(another_node_under_the_name_is_not_opened, setup),
        cmocka_unit_test_setup(the_open_file_is_checked_before_any_ioctl, setup),
        cmocka_unit_test_setup(unreadable_settings_change_nothing, setup),
        cmocka_unit_test_setup(set_clears_hupcl_before_the_close, setup),
        cmocka_unit_test_setup(hupcl_not_cleared_puts_back, setup),
        cmocka_unit_test_setup(driver_refusals_leave_the_tty, setup),
        cmocka_unit_test_setup(restore_puts_everything_back, setup),
        cmocka_unit_test_setup(failed_restore_is_said, setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
