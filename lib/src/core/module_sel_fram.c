// SPDX-License-Identifier: MIT
/*
 * The FRAM kind of selector (HSX_UMOD_SEL_FRAM, module_sel_fram.h): a set of
 * devices and up to HSX_FRAM_SEL_RANGES address ranges, every right of the
 * capability on all of them.
 *
 * Text: "DEVICES RANGES", e.g. "0 0x0000-0x0fff,0x2000-0x20ff":
 *  - DEVICES as a set of pins is written: "0", "0-1,3" (0..7);
 *  - RANGES a comma-separated list of FIRST-LAST or one ADDR, hex with 0x or
 *    decimal, each below HSX_FRAM_PART_MAX, or "all" (every address).
 *    Ranges that overlap or touch are merged, in any order given, into the
 *    kernel's form (sorted, apart, not touching); more than three after that
 *    is an error, never a range dropped or widened.
 *
 * Combining: a ∩ b is exact when it has at most three ranges, else its three
 * largest (never an address outside both). a ∪ b is exact when it is a
 * selector: one holds the other, both have the same devices (their ranges
 * merged fit in three), or the same ranges. Otherwise it is the larger of
 * the two (devices, then bytes; a on a tie). hsxd decides by its own rule
 * (daemon/decide_fram.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/module.h"
#include "core/module_sel_fram.h"

#define ADDR_LAST (HSX_FRAM_PART_MAX - 1)
#define TEXT_MAX 160 /* the longest selector text read */

/* ---- range sets -------------------------------------------------------------------------- */

void hsx_umod_fram_add(struct hsx_umod_fram_ranges *set, uint32_t first, uint32_t last)
{
    unsigned int i = 0, j;

    /* Skip those wholly before, not touching: their last + 1 < first. */
    while (i < set->n && (uint64_t)set->r[i].last + 1 < first)
        i++;
    /* Swallow those it overlaps or touches. */
    for (j = i; j < set->n && set->r[j].first <= (uint64_t)last + 1; j++) {
        first = set->r[j].first < first ? set->r[j].first : first;
        last = set->r[j].last > last ? set->r[j].last : last;
    }
    if (i == j && set->n == HSX_UMOD_FRAM_WORK_MAX) {
        set->overflow = true;
        return;
    }
    memmove(&set->r[i + 1], &set->r[j], (set->n - j) * sizeof(set->r[0]));
    set->n = set->n - (j - i) + 1;
    set->r[i].first = first;
    set->r[i].last = last;
}

void hsx_umod_fram_load(const union hsx_cap_selector *sel, struct hsx_umod_fram_ranges *set)
{
    unsigned int n = sel->fram.nranges <= HSX_FRAM_SEL_RANGES ? sel->fram.nranges : 0;

    memset(set, 0, sizeof(*set));
    for (unsigned int i = 0; i < n; i++) {
        set->r[i].first = sel->fram.ranges[i].first;
        set->r[i].last = sel->fram.ranges[i].last;
    }
    set->n = n;
}

int hsx_umod_fram_store(union hsx_cap_selector *sel, const struct hsx_umod_fram_ranges *set)
{
    if (set->n > HSX_FRAM_SEL_RANGES || set->overflow)
        return -E2BIG;
    memset(sel->fram.ranges, 0, sizeof(sel->fram.ranges));
    for (unsigned int i = 0; i < set->n; i++) {
        sel->fram.ranges[i].first = set->r[i].first;
        sel->fram.ranges[i].last = set->r[i].last;
    }
    sel->fram.nranges = (uint16_t)set->n;
    return 0;
}

uint64_t hsx_umod_fram_bytes(const union hsx_cap_selector *sel)
{
    struct hsx_umod_fram_ranges set;
    uint64_t bytes = 0;

    hsx_umod_fram_load(sel, &set);
    for (unsigned int i = 0; i < set.n; i++)
        bytes += (uint64_t)set.r[i].last - set.r[i].first + 1;
    return bytes;
}

/* Does one of sel's ranges hold first..last (as hsx.ko's hsx_fram_sel_holds())? */
static bool holds(const union hsx_cap_selector *sel, uint32_t first, uint32_t last)
{
    struct hsx_umod_fram_ranges set;

    hsx_umod_fram_load(sel, &set);
    for (unsigned int i = 0; i < set.n; i++) {
        if (set.r[i].first <= first && last <= set.r[i].last)
            return true;
    }
    return false;
}

bool hsx_umod_fram_ranges_within(const union hsx_cap_selector *narrow,
                                 const union hsx_cap_selector *wide)
{
    struct hsx_umod_fram_ranges set;

    if (narrow->fram.nranges > HSX_FRAM_SEL_RANGES)
        return false;
    hsx_umod_fram_load(narrow, &set);
    for (unsigned int i = 0; i < set.n; i++) {
        if (!holds(wide, set.r[i].first, set.r[i].last))
            return false;
    }
    return true;
}

/* ---- text ---------------------------------------------------------------------------------- */

char *hsx_umod_fram_format_ranges(char *buf, size_t size, const union hsx_cap_selector *sel)
{
    struct hsx_umod_fram_ranges set;
    size_t len = 0;

    hsx_umod_fram_load(sel, &set);
    snprintf(buf, size, "none");
    for (unsigned int i = 0; i < set.n; i++) {
        int n = set.r[i].first == set.r[i].last
                    ? snprintf(buf + len, size - len, "%s0x%04x", i ? "," : "", set.r[i].first)
                    : snprintf(buf + len, size - len, "%s0x%04x-0x%04x", i ? "," : "",
                               set.r[i].first, set.r[i].last);
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
    return buf;
}

/* One address: 0x and up to 8 hex digits, or up to 9 decimal ones; below HSX_FRAM_PART_MAX. */
static int parse_addr(const char *text, size_t len, uint32_t *addr, char *why, size_t why_size)
{
    const bool hex = len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const char *digits = hex ? "0123456789abcdefABCDEF" : "0123456789";
    size_t skip = hex ? 2 : 0;
    uint64_t value = 0;

    if (len == skip || len - skip > (hex ? 8u : 9u) || strspn(text + skip, digits) < len - skip) {
        snprintf(why, why_size, "'%.*s' is not an address (0x1000, or decimal)", (int)len, text);
        return -EINVAL;
    }
    for (size_t i = skip; i < len; i++) {
        char c = text[i];
        uint64_t d = (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        value = value * (hex ? 16 : 10) + d;
    }
    if (value > ADDR_LAST) {
        snprintf(why, why_size, "address 0x%llx is past the largest part (0x0-0x%x)",
                 (unsigned long long)value, ADDR_LAST);
        return -EINVAL;
    }
    *addr = (uint32_t)value;
    return 0;
}

/* One item of a range list: "all", ADDR or FIRST-LAST, blanks around it allowed. */
static int parse_range(const char *text, size_t len, struct hsx_umod_fram_ranges *set, char *why,
                       size_t why_size)
{
    uint32_t first, last;

    while (len && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len == 3 && strncmp(text, "all", 3) == 0) {
        hsx_umod_fram_add(set, 0, ADDR_LAST);
        return 0;
    }
    const char *dash = memchr(text, '-', len);
    size_t first_len = dash ? (size_t)(dash - text) : len;
    if (len == 0 || parse_addr(text, first_len, &first, why, why_size) < 0) {
        if (len == 0)
            snprintf(why, why_size, "empty range in the list (write 0x0000-0x0fff,0x2000-0x20ff)");
        return -EINVAL;
    }
    last = first;
    if (dash && parse_addr(dash + 1, len - first_len - 1, &last, why, why_size) < 0)
        return -EINVAL;
    if (last < first) {
        snprintf(why, why_size, "range %.*s is reversed: the first address comes first", (int)len,
                 text);
        return -EINVAL;
    }
    hsx_umod_fram_add(set, first, last);
    return 0;
}

/* A comma-separated list of ranges, added to sel's own; at most three once merged. */
static int parse_ranges(const char *text, union hsx_cap_selector *sel, char *why, size_t why_size)
{
    struct hsx_umod_fram_ranges set;

    hsx_umod_fram_load(sel, &set);
    for (const char *rest = text;;) {
        const char *comma = strchr(rest, ',');
        size_t len = comma ? (size_t)(comma - rest) : strlen(rest);
        if (parse_range(rest, len, &set, why, why_size) < 0)
            return -EINVAL;
        if (!comma)
            break;
        rest = comma + 1;
    }
    if (hsx_umod_fram_store(sel, &set) < 0) {
        snprintf(why, why_size,
                 "more than %d address ranges once those that overlap or touch are merged",
                 HSX_FRAM_SEL_RANGES);
        return -EINVAL;
    }
    return 0;
}

static int parse_devices(const struct hsx_umod_sel *s, const char *text, uint16_t *devices,
                         char *why, size_t why_size)
{
    uint64_t mask;

    if (hsx_umod_sel_parse_indices(s, text, &mask, why, why_size) < 0)
        return -EINVAL;
    *devices = (uint16_t)mask;
    return 0;
}

static int fram_parse(const struct hsx_umod_sel *s, const char *text, union hsx_cap_selector *sel,
                      char *why, size_t why_size)
{
    char devices[TEXT_MAX];
    const char *start = text + strspn(text, " \t");
    size_t len = strcspn(start, " \t");
    const char *ranges = start + len + strspn(start + len, " \t");

    memset(sel, 0, sizeof(*sel));
    if (len == 0 || len >= sizeof(devices) || *ranges == '\0') {
        snprintf(why, why_size, "write %s, then address ranges: '0 0x0000-0x0fff,0x2000-0x20ff'",
                 s->word);
        return -EINVAL;
    }
    memcpy(devices, start, len);
    devices[len] = '\0';
    if (parse_devices(s, devices, &sel->fram.devices, why, why_size) < 0)
        return -EINVAL;
    return parse_ranges(ranges, sel, why, why_size);
}

/* Policy keys: 0 the devices (each value added), 1 the ranges (each value merged in). */
static int fram_parse_key(const struct hsx_umod_sel *s, unsigned int key, const char *text,
                          union hsx_cap_selector *sel, char *why, size_t why_size)
{
    uint16_t devices;

    if (key == 0) {
        if (parse_devices(s, text, &devices, why, why_size) < 0)
            return -EINVAL;
        sel->fram.devices |= devices;
        return 0;
    }
    if (key > 1) {
        snprintf(why, why_size, "no such key");
        return -EINVAL;
    }
    return parse_ranges(text, sel, why, why_size);
}

static char *fram_format(const struct hsx_umod_sel *s, char *buf, size_t size,
                         const union hsx_cap_selector *sel)
{
    char text[64], ranges[96];

    hsx_umod_sel_format_indices(s, text, sizeof(text), sel->fram.devices);
    snprintf(buf, size, "%s %s", text, hsx_umod_fram_format_ranges(ranges, sizeof(ranges), sel));
    return buf;
}

/* ---- rules --------------------------------------------------------------------------------- */

static uint16_t all_devices(const struct hsx_umod_sel *s)
{
    return (uint16_t)(s->limit >= 16 ? UINT16_MAX : (1u << s->limit) - 1);
}

/* As hsx.ko's validate (kmod/fram/fram.c, hsx_fram_cap_validate()). */
static int fram_check(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel, bool request,
                      char *why, size_t why_size)
{
    static const union hsx_cap_selector zero;
    const unsigned int n = sel->fram.nranges;

    if (request && memcmp(sel, &zero, sizeof(zero)) == 0)
        return 0;
    if (!sel->fram.devices || (sel->fram.devices & ~all_devices(s))) {
        snprintf(why, why_size, "%s must be some of 0..%u", s->word, s->limit - 1);
        return -EINVAL;
    }
    if (sel->fram.reserved || n == 0 || n > HSX_FRAM_SEL_RANGES) {
        snprintf(why, why_size, "1 to %d address ranges, and the reserved word zero",
                 HSX_FRAM_SEL_RANGES);
        return -EINVAL;
    }
    for (unsigned int i = 0; i < HSX_FRAM_SEL_RANGES; i++) {
        uint32_t first = sel->fram.ranges[i].first, last = sel->fram.ranges[i].last;
        if (i >= n && (first || last)) {
            snprintf(why, why_size, "an unused range must be 0-0");
            return -EINVAL;
        }
        if (i < n && (first > last || last > ADDR_LAST ||
                      (i && first <= (uint64_t)sel->fram.ranges[i - 1].last + 1))) {
            snprintf(why, why_size,
                     "range 0x%x-0x%x: ranges must be in order, apart and not touching, within "
                     "0x0-0x%x",
                     first, last, ADDR_LAST);
            return -EINVAL;
        }
    }
    return 0;
}

static bool fram_subset(const struct hsx_umod_sel *s, const union hsx_cap_selector *narrow,
                        const union hsx_cap_selector *wide)
{
    (void)s;
    return !narrow->fram.reserved && (narrow->fram.devices & ~wide->fram.devices) == 0 &&
           hsx_umod_fram_ranges_within(narrow, wide);
}

/* As hsx.ko's check reads an object (kmod/fram/fram.c, hsx_fram_sel_covers()). */
static bool fram_covers(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel,
                        uint64_t object)
{
    const uint32_t dev = (uint32_t)(object >> 48) & 0x7fff;
    const uint32_t first = (uint32_t)(object >> 24) & ADDR_LAST,
                   last = (uint32_t)object & ADDR_LAST;

    if (dev >= s->limit || dev >= 16 || !(sel->fram.devices >> dev & 1))
        return false;
    return (object >> 63) || holds(sel, first, last);
}

static bool fram_empty(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel)
{
    return (sel->fram.devices & all_devices(s)) == 0 || sel->fram.nranges == 0 ||
           sel->fram.nranges > HSX_FRAM_SEL_RANGES;
}

/* The largest range of set (the first on a tie), taken out of it. */
static void take_largest(struct hsx_umod_fram_ranges *set, struct hsx_umod_fram_ranges *out)
{
    unsigned int best = 0;

    for (unsigned int i = 1; i < set->n; i++) {
        if (set->r[i].last - set->r[i].first > set->r[best].last - set->r[best].first)
            best = i;
    }
    hsx_umod_fram_add(out, set->r[best].first, set->r[best].last);
    memmove(&set->r[best], &set->r[best + 1], (set->n - best - 1) * sizeof(set->r[0]));
    set->n--;
}

static void fram_intersect(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                           const union hsx_cap_selector *b, union hsx_cap_selector *out)
{
    struct hsx_umod_fram_ranges ra, rb, meet = {0}, kept = {0};
    union hsx_cap_selector result = {.raw = {0}};

    hsx_umod_fram_load(a, &ra);
    hsx_umod_fram_load(b, &rb);
    for (unsigned int i = 0; i < ra.n; i++) {
        for (unsigned int j = 0; j < rb.n; j++) {
            uint32_t first = ra.r[i].first > rb.r[j].first ? ra.r[i].first : rb.r[j].first;
            uint32_t last = ra.r[i].last < rb.r[j].last ? ra.r[i].last : rb.r[j].last;
            if (first <= last)
                hsx_umod_fram_add(&meet, first, last);
        }
    }
    /* Pieces of two selectors' ranges: at most five, of which the three largest are kept. */
    while (meet.n && kept.n < HSX_FRAM_SEL_RANGES)
        take_largest(&meet, &kept);
    result.fram.devices = a->fram.devices & b->fram.devices & all_devices(s);
    if (result.fram.devices && kept.n)
        hsx_umod_fram_store(&result, &kept);
    else
        result.fram.devices = 0;
    *out = result;
}

/* Which of a and b covers more: devices, then bytes; a on a tie. */
static const union hsx_cap_selector *larger(const union hsx_cap_selector *a,
                                            const union hsx_cap_selector *b)
{
    int da = __builtin_popcount(a->fram.devices), db = __builtin_popcount(b->fram.devices);

    if (da != db)
        return db > da ? b : a;
    return hsx_umod_fram_bytes(b) > hsx_umod_fram_bytes(a) ? b : a;
}

static void fram_unite(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                       const union hsx_cap_selector *b, union hsx_cap_selector *out)
{
    union hsx_cap_selector join;

    if (fram_empty(s, a) || fram_subset(s, a, b)) {
        join = *b;
    } else if (fram_empty(s, b) || fram_subset(s, b, a)) {
        join = *a;
    } else if (a->fram.devices == b->fram.devices) {
        struct hsx_umod_fram_ranges set;
        hsx_umod_fram_load(a, &set);
        for (unsigned int i = 0; i < b->fram.nranges; i++)
            hsx_umod_fram_add(&set, b->fram.ranges[i].first, b->fram.ranges[i].last);
        join = *a;
        if (hsx_umod_fram_store(&join, &set) < 0)
            join = *larger(a, b);
    } else if (hsx_umod_fram_ranges_within(a, b) && hsx_umod_fram_ranges_within(b, a)) {
        join = *a;
        join.fram.devices |= b->fram.devices;
    } else {
        join = *larger(a, b);
    }
    join.fram.devices &= all_devices(s);
    *out = join;
}

static void fram_all(const struct hsx_umod_sel *s, union hsx_cap_selector *out)
{
    *out = (union hsx_cap_selector){.raw = {0}};
    out->fram.devices = all_devices(s);
    out->fram.nranges = 1;
    out->fram.ranges[0].last = ADDR_LAST;
}

const struct hsx_umod_sel_ops hsx_umod_sel_fram_ops = {
    .parse = fram_parse,
    .parse_key = fram_parse_key,
    .format = fram_format,
    .check = fram_check,
    .subset = fram_subset,
    .covers = fram_covers,
    .intersect = fram_intersect,
    .unite = fram_unite,
    .all = fram_all,
    .empty = fram_empty,
};
