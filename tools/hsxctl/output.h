/* SPDX-License-Identifier: MIT */
/*
 * What hsxctl prints: error messages, JSON, and events in both forms.
 */
#ifndef HSXCTL_OUTPUT_H
#define HSXCTL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hsx_gpio.h"
#include "hsx_mailbox.h"
#include "hsx_timer.h"

/* "hsxctl: <message>" on stderr. */
void hsxctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * "hsxctl: <message>: <hsx_hal_strerror(code)> (<strerror(hsx_hal_errno())>)"
 * on stderr, for a failed library call. Returns HSXCTL_EXIT_FAILURE.
 */
int hsxctl_fail_hal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Text from the kernel on one line: line breaks become spaces, other control bytes '?'. */
void print_text(FILE *out, const char *text);

/* Length of the UTF-8 sequence at s (NUL-terminated), or 0 if it is not one. */
size_t hsxctl_utf8_length(const unsigned char *s);

/* A JSON string, quoted and escaped; bytes that are not UTF-8 become U+FFFD. */
void json_string(FILE *out, const char *text);

/* A sysfs value: a JSON number if it is a plain integer, else a string. */
void json_value(FILE *out, const char *text);

/* The name of one bit of a set of flags; a NULL name ends a table of them. */
struct hsxctl_bit_name {
    uint32_t bit;
    const char *name;
};

/* The names of the bits set, joined by sep ("-" when none), or (json) a JSON array. */
void hsxctl_print_bits(FILE *out, uint32_t bits, const struct hsxctl_bit_name *names,
                       const char *sep, int json);

/*
 * The instances of a module (UART ports, CAN buses) as its status command
 * shows them: instance one alone when one >= 0, bound or not; else every
 * one with bound[i], as text or one JSON array, saying none when there is
 * none. print(out, i, ctx) shows instance i (a JSON object: no newline).
 */
void hsxctl_print_instances(FILE *out, unsigned int count, const bool *bound, int one, int json,
                            const char *none, void (*print)(FILE *out, unsigned int i, void *ctx),
                            void *ctx);

/* Bytes as hex digits, two a byte, nothing between them. */
void print_hex(FILE *out, const uint8_t *data, size_t len);

/*
 * Bytes as xxd prints them: per 16, a line of their address (from addr),
 * their hex in groups of two bytes, and the printable ones as text ('.' for
 * the others): "00000010: 4865 6c6c 6f        ...   Hello".
 */
void print_hexdump(FILE *out, uint32_t addr, const uint8_t *data, size_t len);

/* One mailbox event on one line, readable or as a JSON object. */
void print_event(FILE *out, const char *mailbox, const hsx_mailbox_event_t *event, int json);

/* One timer expiry on one line, readable or as a JSON object. */
void print_expiry(FILE *out, hsx_timer_t timer, const hsx_timer_event_ex_t *event, int json);

/* One GPIO edge on one line, like gpiomon: "<s>.<ns> pin=5 rising value=1 seq=..." or JSON. */
void print_edge(FILE *out, const hsx_gpio_event_ex_t *event, int json);

/* "rising", "falling", "both", "none", or "?" */
const char *edge_name(uint32_t edge);

/* A pin's binding on one line, readable or as a JSON object. */
void print_pin_info(FILE *out, const hsx_gpio_info_t *info, int json);

#endif /* HSXCTL_OUTPUT_H */
