// SPDX-License-Identifier: MIT
/*
 * hsxctl uart map --rs485: the tty's RS-485 mode, set before hsx.ko takes
 * the tty. RS-485 is the serial driver's: it drives RTS around each
 * transmission (in hardware, or the 8250 core's emulation), whoever writes.
 * The serial core keeps the settings in the port across opens, so what is
 * set here holds while hsx.ko has the tty, and after it gives it back.
 * hsx.ko cannot read them back while it holds the tty (and nobody can open
 * it then), so they are printed here, at map time, as the driver took them.
 *
 * Only a tty is opened: the name must be a device of the tty class
 * (/sys/class/tty/<name>) whose numbers /dev/<name> has, checked before the
 * open (opening /dev/watchdog as root arms it) and again on the open file.
 *
 * What user space cannot close: hsx.ko takes the tty only once nobody has
 * it open (tty_kopen_exclusive()), so the tty is set up and closed here
 * first. A process that has it open meanwhile (a getty, a console) runs on
 * a line in RS-485 mode until the bind fails with EBUSY and the settings
 * are put back; nothing tells user space whether it is the only one with
 * the tty open.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "hsxctl.h"
#include "output.h"
#include "uart_rs485.h"

#define RTS_BITS (SER_RS485_RTS_ON_SEND | SER_RS485_RTS_AFTER_SEND)

/* Where the kernel lists its tty devices (a test points it elsewhere). */
#ifndef HSXCTL_TTY_CLASS
#define HSXCTL_TTY_CLASS "/sys/class/tty"
#endif

/* The device numbers of the tty device named tty (its class directory's "dev"); false if none. */
static bool tty_devnum(const char *tty, dev_t *devt)
{
    char path[HSX_UART_TTY_NAME_MAX + 64];
    unsigned int major_no, minor_no;
    bool found;

    if (!strcmp(tty, ".") || !strcmp(tty, ".."))
        return false;
    snprintf(path, sizeof(path), "%s/%s/dev", HSXCTL_TTY_CLASS, tty);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    found = fscanf(f, "%u:%u", &major_no, &minor_no) == 2;
    fclose(f);
    if (found)
        *devt = makedev(major_no, minor_no);
    return found;
}

/*
 * /dev/<tty>, opened as a tty (no controlling terminal, no wait for carrier)
 * once it is known to be one, and checked again open; -1 after saying why not.
 */
static int open_tty(const char *tty)
{
    char path[HSX_UART_TTY_NAME_MAX + 8];
    struct stat st;
    dev_t devt;
    int fd;

    snprintf(path, sizeof(path), "/dev/%s", tty);
    if (!tty_devnum(tty, &devt)) {
        if (stat(path, &st) == 0)
            hsxctl_error("%s is not a tty (there is no %s/%s): it was not opened, nothing was "
                         "bound",
                         path, HSXCTL_TTY_CLASS, tty);
        else
            hsxctl_error("there is no tty named %s (no %s/%s)", tty, HSXCTL_TTY_CLASS, tty);
        return -1;
    }
    if (stat(path, &st) != 0) {
        hsxctl_error("there is no tty named %s (%s: %s)", tty, path, strerror(errno));
        return -1;
    }
    if (!S_ISCHR(st.st_mode) || st.st_rdev != devt) {
        hsxctl_error("%s is not a tty: it is not the device of %s/%s (%u:%u): it was not opened, "
                     "nothing was bound",
                     path, HSXCTL_TTY_CLASS, tty, major(devt), minor(devt));
        return -1;
    }
    fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
            hsxctl_error("there is no tty named %s (%s: %s)", tty, path, strerror(errno));
        else if (errno == EBUSY)
            hsxctl_error("%s is in use: a process has it open, or a port is bound to it", tty);
        else
            hsxctl_error("cannot open %s to set its RS-485 mode: %s", path, strerror(errno));
        return -1;
    }
    /* The file opened is the device checked, and a terminal, before any ioctl. */
    if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode) || st.st_rdev != devt || !isatty(fd)) {
        close(fd);
        hsxctl_error("%s is not a tty (what was opened is not the device of %s/%s): nothing was "
                     "bound",
                     path, HSXCTL_TTY_CLASS, tty);
        return -1;
    }
    return fd;
}

void hsxctl_print_rs485(FILE *out, const char *tty, const struct serial_rs485 *r)
{
    if (!(r->flags & SER_RS485_ENABLED)) {
        fprintf(out, "%s rs485=off\n", tty);
        return;
    }
    fprintf(out, "%s rs485=on rts=%s delay_before_ms=%u delay_after_ms=%u rx_during_tx=%s%s\n", tty,
            r->flags & SER_RS485_RTS_ON_SEND ? "on-send" : "after-send", r->delay_rts_before_send,
            r->delay_rts_after_send, r->flags & SER_RS485_RX_DURING_TX ? "yes" : "no",
            r->flags & SER_RS485_TERMINATE_BUS ? " terminate_bus=yes" : "");
}

/* What the driver changed of what was asked, on stderr: the serial core sanitizes. */
static void note_changes(const char *tty, const struct serial_rs485 *asked,
                         const struct serial_rs485 *got)
{
    const uint32_t kept = RTS_BITS | SER_RS485_RX_DURING_TX;

    if ((asked->flags & kept) != (got->flags & kept))
        hsxctl_error("note: %s's driver set RTS %s and the receiver %s while sending", tty,
                     got->flags & SER_RS485_RTS_ON_SEND ? "high while sending" : "high after it",
                     got->flags & SER_RS485_RX_DURING_TX ? "on" : "off");
    if (asked->delay_rts_before_send != got->delay_rts_before_send ||
        asked->delay_rts_after_send != got->delay_rts_after_send)
        hsxctl_error("note: %s's driver took the RTS delays %u ms before and %u ms after "
                     "sending (asked: %u and %u)",
                     tty, got->delay_rts_before_send, got->delay_rts_after_send,
                     asked->delay_rts_before_send, asked->delay_rts_after_send);
}

/* Put back on fd the RS-485 settings the tty had; false after saying it could not. */
static bool put_back(int fd, const char *tty, const struct serial_rs485 *old)
{
    struct serial_rs485 arg = *old;

    if (ioctl(fd, TIOCSRS485, &arg) == 0)
        return true;
    hsxctl_error("%s: cannot put its RS-485 settings back (TIOCSRS485: %s): it stays in RS-485 "
                 "mode",
                 tty, strerror(errno));
    return false;
}

/*
 * A call on the tty failed (errno), before anything changed: close it and
 * say why (what went wrong, unless the driver has no RS-485 at all).
 * Returns HSXCTL_EXIT_FAILURE.
 */
static int refused(int fd, const char *tty, const char *call, const char *what)
{
    int err = errno;

    close(fd);
    if (err == ENOTTY || err == EOPNOTSUPP)
        hsxctl_error("%s has no RS-485 mode (its driver does not support it: %s: %s); nothing "
                     "was bound",
                     tty, call, strerror(err));
    else
        hsxctl_error("%s: %s (%s: %s): nothing was changed, nothing was bound", tty, what, call,
                     strerror(err));
    return HSXCTL_EXIT_FAILURE;
}

int hsxctl_rs485_set(const char *tty, const struct hsxctl_rs485 *want,
                     struct hsxctl_rs485_saved *old, struct serial_rs485 *got)
{
    struct serial_rs485 asked = {
        .flags = SER_RS485_ENABLED | want->flags,
        .delay_rts_before_send = want->delay_before,
        .delay_rts_after_send = want->delay_after,
    };
    /* The serial core writes what it took back into the ioctl's argument. */
    struct serial_rs485 arg = asked;
    struct termios tio;
    int fd = open_tty(tty);

    memset(old, 0, sizeof(*old));
    if (fd < 0)
        return HSXCTL_EXIT_FAILURE;
    /*
     * What a failed bind puts back, read before anything changes. A driver
     * of the serial core without RS-485 reads back zeros, others have no ioctl.
     */
    if (ioctl(fd, TIOCGRS485, &old->rs485) != 0)
        return refused(fd, tty, "TIOCGRS485",
                       "cannot read its RS-485 settings, to put them back if the bind fails");
    if (tcgetattr(fd, &tio) != 0)
        return refused(fd, tty, "tcgetattr", "cannot read its terminal settings");
    if (ioctl(fd, TIOCSRS485, &arg) != 0)
        return refused(fd, tty, "TIOCSRS485", "its driver refused the RS-485 settings");
    int ret = ioctl(fd, TIOCGRS485, got) != 0 ? -errno : 0;
    if (ret == 0 && !(got->flags & SER_RS485_ENABLED))
        ret = -EOPNOTSUPP;
    if (ret) {
        put_back(fd, tty, &old->rs485);
        close(fd);
        hsxctl_error("%s's driver did not turn RS-485 on (TIOCGRS485: %s); nothing was bound", tty,
                     strerror(-ret));
        return HSXCTL_EXIT_FAILURE;
    }
    /*
     * The last close of a tty with HUPCL drops DTR and RTS, which hsx.ko's
     * open raises again: a pulse on the line (on RS-485, RTS may drive the
     * transmitter). Closed without it; hsx.ko keeps the settings it finds
     * and gives them back when it lets go of the tty, HUPCL off then too.
     */
    if (tio.c_cflag & HUPCL) {
        tio.c_cflag &= ~(tcflag_t)HUPCL;
        if (tcsetattr(fd, TCSANOW, &tio) != 0) {
            int err = errno;
            bool back = put_back(fd, tty, &old->rs485);
            close(fd);
            hsxctl_error("cannot clear HUPCL on %s (tcsetattr: %s)%s; nothing was bound", tty,
                         strerror(err), back ? ": its RS-485 settings were put back" : "");
            return HSXCTL_EXIT_FAILURE;
        }
        old->hupcl = true;
    }
    close(fd);
    note_changes(tty, &asked, got);
    if (old->hupcl)
        hsxctl_error("note: %s's HUPCL was cleared, so that closing it here does not drop DTR "
                     "and RTS before hsx.ko takes it; unmapping gives the tty back without it "
                     "('stty -F /dev/%s hupcl' sets it again)",
                     tty, tty);
    return HSXCTL_EXIT_OK;
}

int hsxctl_rs485_restore(const char *tty, const struct hsxctl_rs485_saved *old)
{
    struct termios tio;
    int fd = open_tty(tty);
    bool rs485_back = fd >= 0 && put_back(fd, tty, &old->rs485), hupcl_back = !old->hupcl;

    if (rs485_back && old->hupcl) {
        hupcl_back = tcgetattr(fd, &tio) == 0;
        if (hupcl_back) {
            tio.c_cflag |= HUPCL;
            hupcl_back = tcsetattr(fd, TCSANOW, &tio) == 0;
        }
        if (!hupcl_back)
            hsxctl_error("%s: cannot set HUPCL back: %s", tty, strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    if (!rs485_back) {
        hsxctl_error("%s stays as set above (RS-485 on%s), not as it was: the failed bind left "
                     "it so",
                     tty, old->hupcl ? ", HUPCL off" : "");
        return HSXCTL_EXIT_FAILURE;
    }
    if (!hupcl_back) {
        hsxctl_error("%s's RS-485 settings were put back, but HUPCL stays off", tty);
        return HSXCTL_EXIT_FAILURE;
    }
    hsxctl_error("%s's RS-485 settings%s were put back as they were", tty,
                 old->hupcl ? " and HUPCL" : "");
    return HSXCTL_EXIT_OK;
}
