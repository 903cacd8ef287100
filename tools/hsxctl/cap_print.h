/* SPDX-License-Identifier: MIT */
/*
 * How hsxctl cap list shows capabilities: a table, or one JSON array.
 */
#ifndef HSXCTL_CAP_PRINT_H
#define HSXCTL_CAP_PRINT_H

#include <stdint.h>
#include <stdio.h>

#include "hsx_uapi.h"

/* A capability and what hsxctl could learn of its holder. */
struct cap_row {
    struct hsx_cap_info info;
    const char *exe; /* the holder's program; "" if unknown */
};

/*
 * Print rows as a table (or "no live capabilities"), or as a JSON array.
 * now_ns is CLOCK_BOOTTIME, for the time left.
 */
void print_caps(FILE *out, const struct cap_row *rows, size_t count, uint64_t now_ns, int json);

#endif /* HSXCTL_CAP_PRINT_H */
