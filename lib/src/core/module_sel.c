// SPDX-License-Identifier: MIT
/*
 * The kinds of selector: a set of numbered objects (GPIO pins) and a quota
 * (a number of timers). A module names its kind's ops and gives the words
 * and the bound; a new kind is a new ops table (CAN's buses and ID ranges:
 * module_sel_can.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/module.h"

/* Whether the words of sel after the first are zero: neither kind uses them. */
static bool tail_zero(const union hsx_cap_selector *sel)
{
    return sel->raw[1] == 0 && sel->raw[2] == 0 && sel->raw[3] == 0;
}

/* A decimal number of at most 9 digits, nothing else. */
static bool parse_decimal(const char *text, unsigned long *value)
{
    size_t len = strlen(text);

    if (len == 0 || len > 9 || strspn(text, "0123456789") != len)
        return false;
    *value = 0;
    for (size_t i = 0; i < len; i++)
        *value = *value * 10 + (unsigned long)(text[i] - '0');
    return true;
}

/* ---- sets ---------------------------------------------------------------------------------- */

static uint64_t set_mask(const struct hsx_umod_sel *s)
{
    return s->limit >= 64 ? UINT64_MAX : (UINT64_C(1) << s->limit) - 1;
}

static int set_parse_one(const struct hsx_umod_sel *s, const char *text, unsigned int *n, char *why,
                         size_t why_size)
{
    unsigned long value;

    if (!parse_decimal(text, &value)) {
        snprintf(why, why_size, "'%s' is not a %s number", text, s->noun);
        return -EINVAL;
    }
    if (value >= s->limit) {
        snprintf(why, why_size, "%s %lu is out of range 0..%u", s->noun, value, s->limit - 1);
        return -EINVAL;
    }
    *n = (unsigned int)value;
    return 0;
}

/* "17,20-23": numbers and ranges, low to high. */
static int set_parse(const struct hsx_umod_sel *s, const char *text, union hsx_cap_selector *sel,
                     char *why, size_t why_size)
{
    uint64_t set = 0;
    const char *rest = text;

    memset(sel, 0, sizeof(*sel));
    while (rest) {
        char item[32];
        const char *comma = strchr(rest, ',');
        size_t len = comma ? (size_t)(comma - rest) : strlen(rest);

        while (len && (*rest == ' ' || *rest == '\t')) {
            rest++;
            len--;
        }
        while (len && (rest[len - 1] == ' ' || rest[len - 1] == '\t'))
            len--;
        if (len == 0) {
            snprintf(why, why_size, "empty item in %s list '%s'", s->noun, text);
            return -EINVAL;
        }
        if (len >= sizeof(item)) {
            snprintf(why, why_size, "'%.*s...' is not a %s number", (int)sizeof(item) - 1, rest,
                     s->noun);
            return -EINVAL;
        }
        memcpy(item, rest, len);
        item[len] = '\0';
        rest = comma ? comma + 1 : NULL;

        char *dash = strchr(item, '-');
        unsigned int low, high;
        /* "-1" is a negative number, not a range with no start. */
        if (dash == item) {
            snprintf(why, why_size, "%s %s is out of range 0..%u", s->noun, item, s->limit - 1);
            return -EINVAL;
        }
        if (dash)
            *dash = '\0';
        if (set_parse_one(s, item, &low, why, why_size) < 0)
            return -EINVAL;
        high = low;
        if (dash && set_parse_one(s, dash + 1, &high, why, why_size) < 0)
            return -EINVAL;
        if (high < low) {
            snprintf(why, why_size, "range %u-%u is reversed (write %u-%u)", low, high, high, low);
            return -EINVAL;
        }
        for (unsigned int n = low; n <= high; n++)
            set |= UINT64_C(1) << n;
    }
    if (!set) {
        snprintf(why, why_size, "no %ss given", s->noun);
        return -EINVAL;
    }
    sel->raw[0] = set;
    return 0;
}

/* A policy's one key: each value's objects added to those before. */
static int set_parse_key(const struct hsx_umod_sel *s, unsigned int key, const char *text,
                         union hsx_cap_selector *sel, char *why, size_t why_size)
{
    union hsx_cap_selector one;

    (void)key;
    if (set_parse(s, text, &one, why, why_size) < 0)
        return -EINVAL;
    sel->raw[0] |= one.raw[0];
    return 0;
}

static char *set_format(const struct hsx_umod_sel *s, char *buf, size_t size,
                        const union hsx_cap_selector *sel)
{
    uint64_t set = sel->raw[0];
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned int n = 0; n < s->limit && n < 64; n++) {
        if (!(set >> n & 1))
            continue;
        unsigned int last = n;
        while (last + 1 < s->limit && last + 1 < 64 && (set >> (last + 1) & 1))
            last++;
        char item[24];
        int w = last == n ? snprintf(item, sizeof(item), "%s%u", len ? "," : "", n)
                          : snprintf(item, sizeof(item), "%s%u-%u", len ? "," : "", n, last);
        if (w < 0 || len + (size_t)w >= size)
            break;
        memcpy(buf + len, item, (size_t)w + 1);
        len += (size_t)w;
        n = last;
    }
    if (len == 0)
        snprintf(buf, size, "none");
    return buf;
}

static int set_check(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel, bool request,
                     char *why, size_t why_size)
{
    if (!tail_zero(sel) || (sel->raw[0] & ~set_mask(s))) {
        snprintf(why, why_size, "only %s 0..%u may be set", s->word, s->limit - 1);
        return -EINVAL;
    }
    if (!request && !sel->raw[0]) {
        snprintf(why, why_size, "no %ss given", s->noun);
        return -EINVAL;
    }
    return 0;
}

static bool set_subset(const struct hsx_umod_sel *s, const union hsx_cap_selector *narrow,
                       const union hsx_cap_selector *wide)
{
    (void)s;
    return (narrow->raw[0] & ~wide->raw[0]) == 0 && tail_zero(narrow);
}

static bool set_covers(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel,
                       uint64_t object)
{
    return object < s->limit && object < 64 && (sel->raw[0] >> object & 1);
}

static void set_intersect(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                          const union hsx_cap_selector *b, union hsx_cap_selector *out)
{
    uint64_t set = a->raw[0] & b->raw[0] & set_mask(s);

    *out = (union hsx_cap_selector){.raw = {set}};
}

static void set_unite(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                      const union hsx_cap_selector *b, union hsx_cap_selector *out)
{
    uint64_t set = (a->raw[0] | b->raw[0]) & set_mask(s);

    *out = (union hsx_cap_selector){.raw = {set}};
}

static void set_all(const struct hsx_umod_sel *s, union hsx_cap_selector *out)
{
    *out = (union hsx_cap_selector){.raw = {set_mask(s)}};
}

static bool set_empty(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel)
{
    return (sel->raw[0] & set_mask(s)) == 0;
}

/* A kind's numbered objects (CAN's buses, FRAM's devices) as a set of s's words and bound. */
static struct hsx_umod_sel index_set(const struct hsx_umod_sel *s)
{
    return (struct hsx_umod_sel){.kind = HSX_UMOD_SEL_SET,
                                 .ops = &hsx_umod_sel_set_ops,
                                 .word = s->word,
                                 .noun = s->noun,
                                 .limit = s->limit};
}

int hsx_umod_sel_parse_indices(const struct hsx_umod_sel *s, const char *text, uint64_t *mask,
                               char *why, size_t why_size)
{
    const struct hsx_umod_sel set = index_set(s);
    union hsx_cap_selector parsed;

    if (set_parse(&set, text, &parsed, why, why_size) < 0)
        return -EINVAL;
    *mask = parsed.raw[0];
    return 0;
}

char *hsx_umod_sel_format_indices(const struct hsx_umod_sel *s, char *buf, size_t size,
                                  uint64_t mask)
{
    const struct hsx_umod_sel set = index_set(s);
    const union hsx_cap_selector sel = {.raw = {mask}};

    return set_format(&set, buf, size, &sel);
}

const struct hsx_umod_sel_ops hsx_umod_sel_set_ops = {
    .parse = set_parse,
    .parse_key = set_parse_key,
    .format = set_format,
    .check = set_check,
    .subset = set_subset,
    .covers = set_covers,
    .intersect = set_intersect,
    .unite = set_unite,
    .all = set_all,
    .empty = set_empty,
};

/* ---- quotas -------------------------------------------------------------------------------- */

/* The count is the low 32 bits of raw[0] (sel.timer.max_timers), the high 32 reserved. */
static uint32_t quota_of(const union hsx_cap_selector *sel)
{
    return (uint32_t)(sel->raw[0] & UINT32_MAX);
}

static union hsx_cap_selector quota_sel(uint32_t count)
{
    union hsx_cap_selector sel = {.raw = {0}};

    sel.timer.max_timers = count; /* every quota's count is where the timer's is */
    return sel;
}

static int quota_parse(const struct hsx_umod_sel *s, const char *text, union hsx_cap_selector *sel,
                       char *why, size_t why_size)
{
    unsigned long value;

    memset(sel, 0, sizeof(*sel));
    if (!parse_decimal(text, &value)) {
        snprintf(why, why_size, "'%s' is not a number of %ss", text, s->noun);
        return -EINVAL;
    }
    if (value < 1 || value > s->limit) {
        snprintf(why, why_size, "%lu %ss is out of range 1..%u", value, s->noun, s->limit);
        return -EINVAL;
    }
    *sel = quota_sel((uint32_t)value);
    return 0;
}

/* A policy's one key: the count. */
static int quota_parse_key(const struct hsx_umod_sel *s, unsigned int key, const char *text,
                           union hsx_cap_selector *sel, char *why, size_t why_size)
{
    (void)key;
    return quota_parse(s, text, sel, why, why_size);
}

static char *quota_format(const struct hsx_umod_sel *s, char *buf, size_t size,
                          const union hsx_cap_selector *sel)
{
    (void)s;
    snprintf(buf, size, "%u", quota_of(sel));
    return buf;
}

static int quota_check(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel,
                       bool request, char *why, size_t why_size)
{
    if (!tail_zero(sel) || (sel->raw[0] >> 32) != 0) {
        snprintf(why, why_size, "only %s may be set", s->word);
        return -EINVAL;
    }
    uint32_t count = quota_of(sel);
    if (count > s->limit || (!request && count == 0)) {
        snprintf(why, why_size, "%s %u is out of range 1..%u", s->word, count, s->limit);
        return -EINVAL;
    }
    return 0;
}

static bool quota_subset(const struct hsx_umod_sel *s, const union hsx_cap_selector *narrow,
                         const union hsx_cap_selector *wide)
{
    (void)s;
    return quota_of(narrow) <= quota_of(wide) && tail_zero(narrow) && (narrow->raw[0] >> 32) == 0;
}

static bool quota_covers(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel,
                         uint64_t object)
{
    (void)s;
    return object <= quota_of(sel);
}

static void quota_intersect(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                            const union hsx_cap_selector *b, union hsx_cap_selector *out)
{
    (void)s;
    uint32_t x = quota_of(a), y = quota_of(b);

    *out = quota_sel(x < y ? x : y);
}

static void quota_unite(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                        const union hsx_cap_selector *b, union hsx_cap_selector *out)
{
    uint32_t x = quota_of(a), y = quota_of(b), max = x > y ? x : y;

    *out = quota_sel(max < s->limit ? max : s->limit);
}

static void quota_all(const struct hsx_umod_sel *s, union hsx_cap_selector *out)
{
    *out = quota_sel(s->limit);
}

static bool quota_empty(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel)
{
    (void)s;
    return quota_of(sel) == 0;
}

const struct hsx_umod_sel_ops hsx_umod_sel_quota_ops = {
    .parse = quota_parse,
    .parse_key = quota_parse_key,
    .format = quota_format,
    .check = quota_check,
    .subset = quota_subset,
    .covers = quota_covers,
    .intersect = quota_intersect,
    .unite = quota_unite,
    .all = quota_all,
    .empty = quota_empty,
};
