/* SPDX-License-Identifier: MIT */
/*
 * How the hsxctl can commands show a bus: its binding, its status, and its
 * frames as candump prints them, as text or JSON.
 */
#ifndef HSXCTL_CAN_PRINT_H
#define HSXCTL_CAN_PRINT_H

#include <stdio.h>

#include "hsx_can.h"

/*
 * A bus's binding, controller state, bitrate, modes and counters: a block of
 * lines, or a JSON object (without a newline). status is NULL for a bus not
 * bound.
 */
void print_can_status(FILE *out, const hsx_can_info_t *info, const hsx_can_status_t *status,
                      int json);

/* A bound bus on one line ("0  can0  index 4  map  fd"), or a JSON object (without a newline). */
void print_can_info(FILE *out, const hsx_can_info_t *info, int json);

/*
 * A frame as candump prints it: "  can0  123   [4]  DE AD BE EF", the
 * interface's name right-aligned in width; or a JSON object with the bus,
 * its time, sequence number, flags and the frames lost before it (and a
 * newline either way).
 */
void print_can_frame(FILE *out, const char *ifname, int width, const hsx_can_event_t *ev, int json);

#endif /* HSXCTL_CAN_PRINT_H */
