/* SPDX-License-Identifier: MIT */
/*
 * hsxctl uart map --rs485: the tty's RS-485 mode, set with TIOCSRS485
 * before hsx.ko takes the tty (uart_rs485.c).
 */
#ifndef HSXCTL_UART_RS485_H
#define HSXCTL_UART_RS485_H

#include <linux/serial.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

/* What a failed bind puts back. */
struct hsxctl_rs485_saved {
    struct serial_rs485 rs485; /* the tty's RS-485 settings before */
    bool hupcl;                /* HUPCL was on, and cleared here */
};

/*
 * Open /dev/<tty> (O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) if it is a
 * tty device (/sys/class/tty/<tty>, the same device numbers; checked again
 * on the open file), save its RS-485 settings in *old, ask for want's
 * (RS-485 on), read back in *got what the driver accepted, clear HUPCL (so
 * that the close does not drop DTR and RTS before hsx.ko takes the tty),
 * and close it. Says on stderr what the driver changed. Returns
 * HSXCTL_EXIT_OK, or HSXCTL_EXIT_FAILURE after saying why (not a tty, in
 * use, the settings unreadable, a driver without RS-485 or that refuses
 * it: the tty is left as it was).
 */
int hsxctl_rs485_set(const char *tty, const struct hsxctl_rs485 *want,
                     struct hsxctl_rs485_saved *old, struct serial_rs485 *got);

/*
 * Give /dev/<tty> back the RS-485 settings and HUPCL of *old, after a
 * failed bind. Returns HSXCTL_EXIT_OK (said on stderr), or
 * HSXCTL_EXIT_FAILURE after saying what the tty was left with.
 */
int hsxctl_rs485_restore(const char *tty, const struct hsxctl_rs485_saved *old);

/* "<tty> rs485=on rts=on-send delay_before_ms=N delay_after_ms=N rx_during_tx=no", or "=off". */
void hsxctl_print_rs485(FILE *out, const char *tty, const struct serial_rs485 *r);

#endif /* HSXCTL_UART_RS485_H */
