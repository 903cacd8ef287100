// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capspec.h"

const struct capspec_module capspec_modules[CAPSPEC_MODULES] = {
    {HSX_MODULE_GPIO, "gpio", HSX_CAP_R_GPIO_ALL, CAPSPEC_SEL_PINS},
    {HSX_MODULE_TIMER, "timer", HSX_CAP_R_TIMER_ALL, CAPSPEC_SEL_TIMERS},
};

/* In bit order: capspec_format_rights() writes them in this order. */
static const struct {
    const char *name;
    uint32_t bit;
} right_names[] = {
    {"read", HSX_CAP_R_READ},
    {"write", HSX_CAP_R_WRITE},
    {"grant", HSX_CAP_R_GRANT},
    {"irq", HSX_CAP_R_GPIO_IRQ},
};
#define RIGHT_NAMES (sizeof(right_names) / sizeof(right_names[0]))

const struct capspec_module *capspec_module_by_name(const char *name)
{
    for (size_t i = 0; i < CAPSPEC_MODULES; i++) {
        if (strcmp(capspec_modules[i].name, name) == 0)
            return &capspec_modules[i];
    }
    return NULL;
}

const struct capspec_module *capspec_module_by_id(uint32_t id)
{
    for (size_t i = 0; i < CAPSPEC_MODULES; i++) {
        if (capspec_modules[i].id == id)
            return &capspec_modules[i];
    }
    return NULL;
}

bool capspec_module_is_future(const char *name)
{
    static const char *const future[] = {"uart", "can", "fram", "fs"};

    for (size_t i = 0; i < sizeof(future) / sizeof(future[0]); i++) {
        if (strcmp(future[i], name) == 0)
            return true;
    }
    return false;
}

uint32_t capspec_right_by_name(const char *name, const struct capspec_module *m, const char **why)
{
    if (strcmp(name, "admin") == 0) {
        *why = "the admin right is never granted: it belongs to /dev/hsx/ctl";
        return 0;
    }
    for (size_t i = 0; i < RIGHT_NAMES; i++) {
        if (strcmp(right_names[i].name, name) != 0)
            continue;
        if (m && !(m->rights & right_names[i].bit)) {
            *why = "not a right of this module (irq is for gpio only)";
            return 0;
        }
        return right_names[i].bit;
    }
    *why = m && m->kind == CAPSPEC_SEL_TIMERS
               ? "unknown right (expected read, write or grant)"
               : "unknown right (expected read, write, grant or irq)";
    return 0;
}

/* The next comma-separated item of *text, without surrounding blanks; NULL at the end. */
static const char *next_item(const char **text, char *item, size_t size, bool *too_long)
{
    const char *s = *text;

    if (!s)
        return NULL;
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    *text = comma ? comma + 1 : NULL;
    while (len && isblank((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isblank((unsigned char)s[len - 1]))
        len--;
    *too_long = len >= size;
    if (*too_long)
        len = size - 1;
    memcpy(item, s, len);
    item[len] = '\0';
    return item;
}

int capspec_parse_rights(const char *text, const struct capspec_module *m, uint32_t *rights,
                         char *why, size_t why_size)
{
    char item[32];
    bool too_long;
    uint32_t all = 0;

    for (const char *s = text; next_item(&s, item, sizeof(item), &too_long);) {
        const char *reason = "too long";
        uint32_t bit = too_long ? 0 : capspec_right_by_name(item, m, &reason);
        if (item[0] == '\0') {
            snprintf(why, why_size, "empty right in '%s'", text);
            return -EINVAL;
        }
        const char *ignored;
        if (!bit && m && !too_long && capspec_right_by_name(item, NULL, &ignored)) {
            snprintf(why, why_size, "'%s' is not a right of %s (irq is for gpio only)", item,
                     m->name);
            return -EINVAL;
        }
        if (!bit) {
            snprintf(why, why_size, "'%s': %s", item, reason);
            return -EINVAL;
        }
        all |= bit;
    }
    *rights = all;
    return 0;
}

/* A pin number: decimal digits only, 0..63. */
static int parse_pin(const char *text, unsigned int *pin, char *why, size_t why_size)
{
    unsigned long value = 0;
    size_t len = strlen(text);

    if (len == 0 || len > 9 || strspn(text, "0123456789") != len) {
        snprintf(why, why_size, "'%s' is not a pin number", text);
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++)
        value = value * 10 + (unsigned long)(text[i] - '0');
    if (value >= HSX_GPIO_MAX_PINS) {
        snprintf(why, why_size, "pin %lu is out of range 0..%d", value, HSX_GPIO_MAX_PINS - 1);
        return -EINVAL;
    }
    *pin = (unsigned int)value;
    return 0;
}

int capspec_parse_pins(const char *text, uint64_t *pins, char *why, size_t why_size)
{
    char item[32];
    bool too_long;
    uint64_t set = 0;

    for (const char *s = text; next_item(&s, item, sizeof(item), &too_long);) {
        unsigned int low, high;
        char *dash = strchr(item, '-');

        if (item[0] == '\0') {
            snprintf(why, why_size, "empty item in pin list '%s'", text);
            return -EINVAL;
        }
        if (too_long) {
            snprintf(why, why_size, "'%s...' is not a pin number", item);
            return -EINVAL;
        }
        /* "-1" is a negative number, not a range with no start. */
        if (dash == item) {
            snprintf(why, why_size, "pin %s is out of range 0..%d", item, HSX_GPIO_MAX_PINS - 1);
            return -EINVAL;
        }
        if (dash)
            *dash = '\0';
        if (parse_pin(item, &low, why, why_size) < 0)
            return -EINVAL;
        high = low;
        if (dash && parse_pin(dash + 1, &high, why, why_size) < 0)
            return -EINVAL;
        if (high < low) {
            snprintf(why, why_size, "range %u-%u is reversed (write %u-%u)", low, high, high, low);
            return -EINVAL;
        }
        for (unsigned int pin = low; pin <= high; pin++)
            set |= UINT64_C(1) << pin;
    }
    *pins |= set;
    return 0;
}

int capspec_parse_selector(const char *text, const struct capspec_module *m,
                           union hsx_cap_selector *sel, char *why, size_t why_size)
{
    memset(sel, 0, sizeof(*sel));
    if (m->kind == CAPSPEC_SEL_PINS) {
        uint64_t pins = 0;
        int ret = capspec_parse_pins(text, &pins, why, why_size);
        sel->gpio.pins = pins;
        if (ret == 0 && pins == 0) {
            snprintf(why, why_size, "no pins given");
            return -EINVAL;
        }
        return ret;
    }
    size_t len = strlen(text);
    unsigned long value = 0;
    if (len == 0 || len > 9 || strspn(text, "0123456789") != len) {
        snprintf(why, why_size, "'%s' is not a number of timers", text);
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++)
        value = value * 10 + (unsigned long)(text[i] - '0');
    if (value < 1 || value > HSX_TIMER_DEFAULT_PER_OPEN) {
        snprintf(why, why_size, "%lu timers is out of range 1..%d", value,
                 HSX_TIMER_DEFAULT_PER_OPEN);
        return -EINVAL;
    }
    sel->timer.max_timers = (uint32_t)value;
    return 0;
}

/* Append text to buf at *len, never past size; buf stays NUL-terminated. */
static void append(char *buf, size_t size, size_t *len, const char *text)
{
    if (*len + 1 >= size)
        return;
    int n = snprintf(buf + *len, size - *len, "%s", text);
    if (n > 0)
        *len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

char *capspec_format_rights(char *buf, size_t size, uint32_t rights)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < RIGHT_NAMES; i++) {
        if (!(rights & right_names[i].bit))
            continue;
        if (len)
            append(buf, size, &len, ",");
        append(buf, size, &len, right_names[i].name);
        rights &= ~right_names[i].bit;
    }
    if (rights) {
        char unknown[16];
        snprintf(unknown, sizeof(unknown), "%s0x%x", len ? "," : "", rights);
        append(buf, size, &len, unknown);
    } else if (len == 0) {
        snprintf(buf, size, "none");
    }
    return buf;
}

char *capspec_format_pins(char *buf, size_t size, uint64_t pins)
{
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
        if (!(pins >> pin & 1))
            continue;
        unsigned int last = pin;
        while (last + 1 < HSX_GPIO_MAX_PINS && (pins >> (last + 1) & 1))
            last++;
        char item[8];
        if (last == pin)
            snprintf(item, sizeof(item), "%s%u", len ? "," : "", pin);
        else
            snprintf(item, sizeof(item), "%s%u-%u", len ? "," : "", pin, last);
        append(buf, size, &len, item);
        pin = last;
    }
    if (len == 0)
        snprintf(buf, size, "none");
    return buf;
}

char *capspec_format_selector(char *buf, size_t size, uint32_t module,
                              const union hsx_cap_selector *sel)
{
    const struct capspec_module *m = capspec_module_by_id(module);
    char pins[CAPSPEC_TEXT_MAX];

    if (!m)
        snprintf(buf, size, "selector ?");
    else if (m->kind == CAPSPEC_SEL_PINS)
        snprintf(buf, size, "pins %s", capspec_format_pins(pins, sizeof(pins), sel->gpio.pins));
    else
        snprintf(buf, size, "max_timers %u", sel->timer.max_timers);
    return buf;
}

const char *capspec_module_name(char *buf, size_t size, uint32_t module)
{
    const struct capspec_module *m = capspec_module_by_id(module);

    if (m)
        return m->name;
    snprintf(buf, size, "module 0x%x", module);
    return buf;
}

char *capspec_format_cap(char *buf, size_t size, uint32_t module, uint32_t rights,
                         const union hsx_cap_selector *sel)
{
    char name[32], r[CAPSPEC_TEXT_MAX], s[CAPSPEC_TEXT_MAX];

    snprintf(buf, size, "%s %s %s", capspec_module_name(name, sizeof(name), module),
             capspec_format_rights(r, sizeof(r), rights),
             capspec_format_selector(s, sizeof(s), module, sel));
    return buf;
}

char *capspec_escape(char *buf, size_t size, const char *text)
{
    /* The bytes escaped by a letter, and their letters. */
    static const char plain[] = "\\\n\r\t", letter[] = "\\nrt";
    size_t len = 0;

    if (!size)
        return buf;
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        const char *special = strchr(plain, *s);
        char one[5] = {(char)*s, '\0'};

        if (special)
            snprintf(one, sizeof(one), "\\%c", letter[special - plain]);
        else if (*s < 0x20 || *s >= 0x7f)
            snprintf(one, sizeof(one), "\\x%02x", *s);
        size_t n = strlen(one);
        if (len + n >= size)
            break;
        memcpy(buf + len, one, n);
        len += n;
    }
    buf[len] = '\0';
    return buf;
}
