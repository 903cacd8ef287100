// SPDX-License-Identifier: MIT
/*
 * hsxctl uart map --rs485: the tty's RS-485 mode, set before hsx.ko takes
 * the tty. RS-485 is the serial driver's: it drives RTS around each
 * transmission (in hardware, or the 8250 core's emulation), whoever writes.
 * The serial core keeps the settings in the port across opens, so what is
 * set here holds while hsx.ko has the tty, and after it gives it back.
 * hsx.ko cannot read them back while it holds the tty (and nobody can open
 * it then), so they are printed here, at map time, as the driver took them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hsxctl.h"
#include "output.h"
#include "uart_rs485.h"

#define RTS_BITS (SER_RS485_RTS_ON_SEND | SER_RS485_RTS_AFTER_SEND)

/* /dev/<tty>, as a user opens it; -1 after saying why not. */
static int open_tty(const char *tty)
{
    char path[HSX_UART_TTY_NAME_MAX + 8];
    int fd;

    snprintf(path, sizeof(path), "/dev/%s", tty);
    fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
        hsxctl_error("there is no tty named %s (%s: %s)", tty, path, strerror(errno));
    else if (errno == EBUSY)
        hsxctl_error("%s is in use: a process has it open, or a port is bound to it", tty);
    else
        hsxctl_error("cannot open %s to set its RS-485 mode: %s", path, strerror(errno));
    return -1;
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

int hsxctl_rs485_set(const char *tty, const struct hsxctl_rs485 *want, struct serial_rs485 *old,
                     struct serial_rs485 *got)
{
    struct serial_rs485 asked = {
        .flags = SER_RS485_ENABLED | want->flags,
        .delay_rts_before_send = want->delay_before,
        .delay_rts_after_send = want->delay_after,
    };
    /* The serial core writes what it took back into the ioctl's argument. */
    struct serial_rs485 arg = asked;
    int fd = open_tty(tty);

    if (fd < 0)
        return HSXCTL_EXIT_FAILURE;
    /* A driver of the serial core without RS-485 reads back zeros; others have no ioctl. */
    if (ioctl(fd, TIOCGRS485, old) != 0)
        memset(old, 0, sizeof(*old));
    if (ioctl(fd, TIOCSRS485, &arg) != 0) {
        int err = errno;
        close(fd);
        if (err == ENOTTY || err == EOPNOTSUPP)
            hsxctl_error("%s has no RS-485 mode (its driver does not support it: TIOCSRS485: "
                         "%s); nothing was bound",
                         tty, strerror(err));
        else
            hsxctl_error("%s's driver refused the RS-485 settings (TIOCSRS485: %s); nothing was "
                         "bound",
                         tty, strerror(err));
        return HSXCTL_EXIT_FAILURE;
    }
    int ret = ioctl(fd, TIOCGRS485, got) != 0 ? -errno : 0;
    if (ret == 0 && !(got->flags & SER_RS485_ENABLED))
        ret = -EOPNOTSUPP;
    if (ret) {
        if (ioctl(fd, TIOCSRS485, old) != 0)
            hsxctl_error("%s: cannot put its RS-485 settings back: %s", tty, strerror(errno));
        close(fd);
        hsxctl_error("%s's driver did not turn RS-485 on (TIOCGRS485: %s); nothing was bound", tty,
                     strerror(-ret));
        return HSXCTL_EXIT_FAILURE;
    }
    close(fd);
    note_changes(tty, &asked, got);
    return HSXCTL_EXIT_OK;
}

void hsxctl_rs485_restore(const char *tty, const struct serial_rs485 *old)
{
    int fd = open_tty(tty);

    if (fd < 0)
        return;
    if (ioctl(fd, TIOCSRS485, old) != 0)
        hsxctl_error("%s: cannot put its RS-485 settings back: %s", tty, strerror(errno));
    close(fd);
}
