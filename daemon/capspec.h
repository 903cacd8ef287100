/* SPDX-License-Identifier: MIT */
/*
 * The words of capabilities: module names, right names, pin sets and timer
 * quotas, parsed from text and formatted back; and how text a client
 * controls is shown. hsxd's policy, its log and hsxctl's cap commands all
 * speak them, so they live in one place.
 */
#ifndef HSXD_CAPSPEC_H
#define HSXD_CAPSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsx_uapi.h"

/* The modules hsxd grants capabilities for, and how their selector reads. */
enum capspec_selector_kind {
    CAPSPEC_SEL_PINS,   /* sel.gpio.pins: a set of pins 0..63 */
    CAPSPEC_SEL_TIMERS, /* sel.timer.max_timers: 1..HSX_TIMER_DEFAULT_PER_OPEN */
};

struct capspec_module {
    uint32_t id;      /* HSX_MODULE_* */
    const char *name; /* "gpio" */
    uint32_t rights;  /* every right a capability of this module may carry */
    enum capspec_selector_kind kind;
};

/* Number of entries of capspec_modules. */
#define CAPSPEC_MODULES 2
extern const struct capspec_module capspec_modules[CAPSPEC_MODULES];

/* The module called name, or NULL. */
const struct capspec_module *capspec_module_by_name(const char *name);

/* The module with HSX_MODULE_* id, or NULL if hsxd does not grant it. */
const struct capspec_module *capspec_module_by_id(uint32_t id);

/*
 * Is name a HAL module that has no capabilities in hsxd yet (uart, can, fram,
 * fs)? Lets the policy say "not supported yet" instead of "unknown".
 */
bool capspec_module_is_future(const char *name);

/*
 * The right called name (read, write, grant, irq) for module m (NULL: any
 * module). Returns the HSX_CAP_R_* bit, or 0 with *why set to a sentence
 * saying what is wrong (unknown word, "admin", irq for a timer).
 */
uint32_t capspec_right_by_name(const char *name, const struct capspec_module *m, const char **why);

/*
 * Rights as comma-separated names ("read,write"), for module m (NULL: any).
 * Returns 0, or -EINVAL with why (at least 96 bytes) filled.
 */
int capspec_parse_rights(const char *text, const struct capspec_module *m, uint32_t *rights,
                         char *why, size_t why_size);

/*
 * Pins as a comma-separated list of numbers and ranges ("17,20-23"), added
 * to *pins. Each number is decimal, 0..63; a range runs low to high. Returns
 * 0, or -EINVAL with why filled ("pin 64 is out of range 0..63", "range 20-17
 * is reversed", ...).
 */
int capspec_parse_pins(const char *text, uint64_t *pins, char *why, size_t why_size);

/*
 * The selector of module m from text: pins for GPIO, a number of timers for
 * the timer module. Returns 0 or -EINVAL with why filled.
 */
int capspec_parse_selector(const char *text, const struct capspec_module *m,
                           union hsx_cap_selector *sel, char *why, size_t why_size);

/* Formatting; each returns buf. "read,write,irq" or "none". */
char *capspec_format_rights(char *buf, size_t size, uint32_t rights);

/* "17,20-23" or "none". */
char *capspec_format_pins(char *buf, size_t size, uint64_t pins);

/* "pins 17,20-23" or "max_timers 4"; a module hsxd does not know: "selector ?". */
char *capspec_format_selector(char *buf, size_t size, uint32_t module,
                              const union hsx_cap_selector *sel);

/* "gpio", or "module 0x13" for one hsxd does not know (buf holds the latter). */
const char *capspec_module_name(char *buf, size_t size, uint32_t module);

/* Room for any text the formatters produce: 64 pins as "0,2,4,..." is the longest. */
#define CAPSPEC_TEXT_MAX 200

/* A whole capability: "gpio read,write pins 17" (at most CAPSPEC_CAP_TEXT_MAX bytes). */
#define CAPSPEC_CAP_TEXT_MAX (2 * CAPSPEC_TEXT_MAX + 32)
char *capspec_format_cap(char *buf, size_t size, uint32_t module, uint32_t rights,
                         const union hsx_cap_selector *sel);

/*
 * Text a client controls (a program's path, a cgroup) as it may be shown in
 * a log line or on a terminal: printable ASCII as is, a backslash as "\\",
 * a line break or tab as "\n", "\r", "\t", any other byte as "\xNN". Cut
 * short to fit size, never inside an escape. Returns buf.
 */
char *capspec_escape(char *buf, size_t size, const char *text);

#endif /* HSXD_CAPSPEC_H */
