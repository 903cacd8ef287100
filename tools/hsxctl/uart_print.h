/* SPDX-License-Identifier: MIT */
/*
 * How the hsxctl uart commands show a port: its configuration, its status,
 * and the events of its mailbox, as text or JSON.
 */
#ifndef HSXCTL_UART_PRINT_H
#define HSXCTL_UART_PRINT_H

#include <stdint.h>
#include <stdio.h>

#include "hsx_mailbox.h"
#include "hsx_uart.h"

/*
 * A port's configuration on one line:
 * "port=0 tty=ttyS2 baud=115200 baud_actual=115200 data=8 parity=none stop=1 flow=none",
 * or a JSON object with the same keys (and a newline).
 */
void print_uart_config(FILE *out, const hsx_uart_info_t *info, int json);

/*
 * A port's binding, configuration, status and counters: a block of lines, or
 * a JSON object (without a newline). status is NULL for a port not bound.
 */
void print_uart_status(FILE *out, const hsx_uart_info_t *info, const hsx_uart_status_t *status,
                       int json);

/*
 * One event of "hal:uart:<n>:rx" on one line:
 * "<s>.<ns> port=0 seq=4 offset=120 len=5 data=\"hello\" dropped=0", flags=
 * after len when the line reported errors, hex= instead of data= with hex,
 * lost= (bytes this subscription missed before it) when there were any; or a
 * JSON object with both the hex and the text of the data. A line event has
 * its kind instead of the bytes: "... seq=5 idle offset=125 dropped=0",
 * "tx-done offset=<bytes written>", "modem lines=cts,dcd".
 */
void print_uart_event(FILE *out, const hsx_mailbox_event_t *event, uint64_t lost, bool hex,
                      int json);

#endif /* HSXCTL_UART_PRINT_H */
