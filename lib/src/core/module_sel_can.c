// SPDX-License-Identifier: MIT
/*
 * The CAN kind of selector (HSX_UMOD_SEL_CAN, module_sel_can.h): a set of
 * buses and at most one ID range each way, tx (frames the holder may send)
 * and rx (frames it may receive).
 *
 * Text: "BUSES [tx RANGE] [rx RANGE]", e.g. "0 tx 0x100-0x1ff rx std":
 *  - BUSES as a set of pins is written: "0", "0-1,3" (0..15);
 *  - RANGE is "std" (0x000-0x7ff), "ext" (every extended ID), "all", an ID,
 *    or FIRST-LAST. IDs are hex with 0x; an extended one is written with
 *    "ext:" ("ext:0x18ff0000"), and a prefix on FIRST holds for LAST too
 *    ("ext:0x18ff0000-0x18ffffff"). A range may run from standard IDs into
 *    extended ones: "0x700-ext:0x00000100".
 *  - A direction not written has no range: no frame that way.
 *
 * Combining: a ∩ b is exact (the common buses, each range's common IDs).
 * a ∪ b is exact when it is a selector: when one holds the other, or both
 * have the same buses (two ranges that overlap or touch make one), or both
 * have the same ranges. Otherwise it is the larger of the two (by buses,
 * then tx IDs, then rx IDs; a on a tie): never an ID or a bus neither
 * gives. hsxd decides on CAN selectors by its own rule (daemon/decide_can.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/module.h"
#include "core/module_sel_can.h"

#define SEL_FLAGS (HSX_CAN_SEL_TX | HSX_CAN_SEL_RX)
#define TEXT_MAX 128 /* the longest selector text read */

bool hsx_umod_can_id_valid(uint32_t id)
{
    return id <= HSX_CAN_SFF_MASK || (id & ~HSX_CAN_EFF_MASK) == HSX_CAN_SEL_EXT;
}

struct hsx_umod_can_range hsx_umod_can_range_of(const union hsx_cap_selector *sel, bool tx)
{
    struct hsx_umod_can_range r = {
        .present = sel->can.flags & (tx ? HSX_CAN_SEL_TX : HSX_CAN_SEL_RX),
        .first = tx ? sel->can.tx_first : sel->can.rx_first,
        .last = tx ? sel->can.tx_last : sel->can.rx_last,
    };

    return r;
}

void hsx_umod_can_set_range(union hsx_cap_selector *sel, bool tx, struct hsx_umod_can_range r)
{
    const uint32_t flag = tx ? HSX_CAN_SEL_TX : HSX_CAN_SEL_RX;
    const uint32_t first = r.present ? r.first : 0, last = r.present ? r.last : 0;

    sel->can.flags = r.present ? sel->can.flags | flag : sel->can.flags & ~flag;
    if (tx) {
        sel->can.tx_first = first;
        sel->can.tx_last = last;
    } else {
        sel->can.rx_first = first;
        sel->can.rx_last = last;
    }
}

bool hsx_umod_can_range_within(struct hsx_umod_can_range narrow, struct hsx_umod_can_range wide)
{
    return !narrow.present ||
           (wide.present && wide.first <= narrow.first && narrow.last <= wide.last);
}

struct hsx_umod_can_range hsx_umod_can_range_meet(struct hsx_umod_can_range a,
                                                  struct hsx_umod_can_range b)
{
    struct hsx_umod_can_range none = {.present = false};

    if (!a.present || !b.present)
        return none;
    uint32_t first = a.first > b.first ? a.first : b.first;
    uint32_t last = a.last < b.last ? a.last : b.last;
    return first <= last ? (struct hsx_umod_can_range){true, first, last} : none;
}

uint64_t hsx_umod_can_range_ids(struct hsx_umod_can_range r)
{
    uint64_t ids = 0;

    if (!r.present)
        return 0;
    if (r.first <= HSX_CAN_SFF_MASK)
        ids += (uint64_t)(r.last < HSX_CAN_SFF_MASK ? r.last : HSX_CAN_SFF_MASK) - r.first + 1;
    if (r.last >= HSX_CAN_SEL_EXT)
        ids += (uint64_t)r.last - (r.first > HSX_CAN_SEL_EXT ? r.first : HSX_CAN_SEL_EXT) + 1;
    return ids;
}

/* The next ID after id, or 0 past the last one (no range starts there). */
static uint64_t next_id(uint32_t id)
{
    if (id == HSX_CAN_SFF_MASK)
        return HSX_CAN_SEL_EXT;
    return (uint64_t)id + 1;
}

/* a ∪ b when it is one range; else the one with more IDs (a on a tie). */
static struct hsx_umod_can_range range_join(struct hsx_umod_can_range a,
                                            struct hsx_umod_can_range b)
{
    if (!a.present || !b.present)
        return a.present ? a : b;
    struct hsx_umod_can_range lo = a.first <= b.first ? a : b, hi = a.first <= b.first ? b : a;
    if (hi.first <= next_id(lo.last)) {
        lo.last = lo.last > hi.last ? lo.last : hi.last;
        return lo;
    }
    return hsx_umod_can_range_ids(b) > hsx_umod_can_range_ids(a) ? b : a;
}

static bool range_equal(struct hsx_umod_can_range a, struct hsx_umod_can_range b)
{
    return a.present == b.present && (!a.present || (a.first == b.first && a.last == b.last));
}

/* ---- text ---------------------------------------------------------------------------------- */

static const struct {
    const char *word;
    uint32_t first, last;
} range_words[] = {
    {"std", 0, HSX_CAN_SFF_MASK},
    {"ext", HSX_CAN_SEL_EXT, HSX_UMOD_CAN_ID_LAST},
    {"all", HSX_UMOD_CAN_ID_FIRST, HSX_UMOD_CAN_ID_LAST},
};

static void format_id(char *buf, size_t size, uint32_t id, bool prefix)
{
    if (id & HSX_CAN_SEL_EXT)
        snprintf(buf, size, "%s0x%08x", prefix ? "ext:" : "", id & HSX_CAN_EFF_MASK);
    else
        snprintf(buf, size, "0x%03x", id);
}

char *hsx_umod_can_format_range(char *buf, size_t size, struct hsx_umod_can_range r)
{
    char first[24], last[24];

    if (!r.present) {
        snprintf(buf, size, "none");
        return buf;
    }
    for (size_t i = 0; i < sizeof(range_words) / sizeof(range_words[0]); i++) {
        if (r.first == range_words[i].first && r.last == range_words[i].last) {
            snprintf(buf, size, "%s", range_words[i].word);
            return buf;
        }
    }
    format_id(first, sizeof(first), r.first, true);
    /* "ext:A-B": the prefix holds for both; a range from standard IDs names it on LAST. */
    format_id(last, sizeof(last), r.last, !(r.first & HSX_CAN_SEL_EXT));
    if (r.first == r.last)
        snprintf(buf, size, "%s", first);
    else
        snprintf(buf, size, "%s-%s", first, last);
    return buf;
}

/* One ID: [ext:]0xHEX. ext: extended without the prefix (LAST after "ext:FIRST"). */
static int parse_id(const char *text, bool ext, uint32_t *id, bool *prefixed, char *why,
                    size_t why_size)
{
    const char *digits = text;
    unsigned long value = 0;

    *prefixed = strncmp(text, "ext:", 4) == 0;
    if (*prefixed) {
        digits += 4;
        ext = true;
    }
    size_t len = strlen(digits);
    if (len < 3 || len > 10 || digits[0] != '0' || (digits[1] != 'x' && digits[1] != 'X') ||
        strspn(digits + 2, "0123456789abcdefABCDEF") != len - 2) {
        snprintf(why, why_size, "'%s' is not a CAN ID: write it in hex with 0x (0x123)", text);
        return -EINVAL;
    }
    for (size_t i = 2; i < len; i++) {
        char c = digits[i];
        value = value * 16 +
                (unsigned long)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10); /* 8 digits fit */
    }
    if (ext && value > HSX_CAN_EFF_MASK) {
        snprintf(why, why_size, "ext:0x%lx is not an extended ID (0x0-0x1fffffff)", value);
        return -EINVAL;
    }
    if (!ext && value > HSX_CAN_SFF_MASK) {
        snprintf(why, why_size,
                 "0x%lx is not a standard ID (0x000-0x7ff): write ext:0x%lx for an extended one",
                 value, value);
        return -EINVAL;
    }
    *id = ext ? HSX_CAN_SEL_EXT | (uint32_t)value : (uint32_t)value;
    return 0;
}

static int parse_range(const char *text, struct hsx_umod_can_range *r, char *why, size_t why_size)
{
    char first[32];
    bool ext = false, unused;

    for (size_t i = 0; i < sizeof(range_words) / sizeof(range_words[0]); i++) {
        if (strcmp(text, range_words[i].word) == 0) {
            *r = (struct hsx_umod_can_range){true, range_words[i].first, range_words[i].last};
            return 0;
        }
    }
    const char *dash = strchr(text, '-');
    size_t len = dash ? (size_t)(dash - text) : strlen(text);
    if (len == 0 || len >= sizeof(first)) {
        snprintf(why, why_size, "'%s' is not an ID range (0x100-0x1ff, std, ext or all)", text);
        return -EINVAL;
    }
    memcpy(first, text, len);
    first[len] = '\0';
    if (parse_id(first, false, &r->first, &ext, why, why_size) < 0)
        return -EINVAL;
    r->last = r->first;
    if (dash && parse_id(dash + 1, ext, &r->last, &unused, why, why_size) < 0)
        return -EINVAL;
    if (r->last < r->first) {
        snprintf(why, why_size, "range %s is reversed: the first ID comes first", text);
        return -EINVAL;
    }
    r->present = true;
    return 0;
}

static int parse_buses(const struct hsx_umod_sel *s, const char *text, uint32_t *buses, char *why,
                       size_t why_size)
{
    uint64_t mask;

    if (hsx_umod_sel_parse_indices(s, text, &mask, why, why_size) < 0)
        return -EINVAL;
    *buses = (uint32_t)mask;
    return 0;
}

/* The next blank-separated word of *text into word; false at the end. */
static bool next_word(const char **text, char *word, size_t size, bool *too_long)
{
    const char *s = *text + strspn(*text, " \t");
    size_t len = strcspn(s, " \t");

    if (len == 0)
        return false;
    *too_long = len >= size;
    if (*too_long)
        len = size - 1;
    memcpy(word, s, len);
    word[len] = '\0';
    *text = s + strcspn(s, " \t");
    return true;
}

/* Where the first " tx " or " rx " word starts, or the end. */
static size_t bus_part(const char *text)
{
    for (const char *s = text; *s; s++) {
        if ((s == text || s[-1] == ' ' || s[-1] == '\t') &&
            (strncmp(s, "tx", 2) == 0 || strncmp(s, "rx", 2) == 0) &&
            (s[2] == '\0' || s[2] == ' ' || s[2] == '\t'))
            return (size_t)(s - text);
    }
    return strlen(text);
}

static int can_parse(const struct hsx_umod_sel *s, const char *text, union hsx_cap_selector *sel,
                     char *why, size_t why_size)
{
    char buses[TEXT_MAX], word[TEXT_MAX];
    bool too_long;

    memset(sel, 0, sizeof(*sel));
    size_t len = bus_part(text);
    if (len >= sizeof(buses)) {
        snprintf(why, why_size, "'%.20s...' is too long for a CAN selector", text);
        return -EINVAL;
    }
    memcpy(buses, text, len);
    buses[len] = '\0';
    if (strspn(buses, " \t") == len) {
        snprintf(why, why_size, "no %s given: start with them (0, 0-1)", s->word);
        return -EINVAL;
    }
    /* Trailing blanks before "tx" are the set's own business: it trims its items. */
    if (parse_buses(s, buses, &sel->can.buses, why, why_size) < 0)
        return -EINVAL;
    const char *rest = text + len;
    while (next_word(&rest, word, sizeof(word), &too_long)) {
        const bool tx = strcmp(word, "tx") == 0;
        if (!tx && strcmp(word, "rx") != 0) {
            snprintf(why, why_size, "unexpected '%s' (expected tx RANGE or rx RANGE)", word);
            return -EINVAL;
        }
        if (hsx_umod_can_range_of(sel, tx).present) {
            snprintf(why, why_size, "%s is given twice: a capability has one range each way", word);
            return -EINVAL;
        }
        struct hsx_umod_can_range r;
        if (!next_word(&rest, word, sizeof(word), &too_long)) {
            snprintf(why, why_size, "%s needs a range (0x100-0x1ff, std, ext or all)",
                     tx ? "tx" : "rx");
            return -EINVAL;
        }
        if (too_long || parse_range(word, &r, why, why_size) < 0) {
            if (too_long)
                snprintf(why, why_size, "'%.20s...' is not an ID range", word);
            return -EINVAL;
        }
        hsx_umod_can_set_range(sel, tx, r);
    }
    return 0;
}

/* Policy keys: 0 the buses (each value added), 1 tx_ids, 2 rx_ids. */
static int can_parse_key(const struct hsx_umod_sel *s, unsigned int key, const char *text,
                         union hsx_cap_selector *sel, char *why, size_t why_size)
{
    struct hsx_umod_can_range r;
    uint32_t buses;

    if (key == 0) {
        if (parse_buses(s, text, &buses, why, why_size) < 0)
            return -EINVAL;
        sel->can.buses |= buses;
        return 0;
    }
    if (key > 2) {
        snprintf(why, why_size, "no such key");
        return -EINVAL;
    }
    if (parse_range(text, &r, why, why_size) < 0)
        return -EINVAL;
    hsx_umod_can_set_range(sel, key == 1, r);
    return 0;
}

static char *can_format(const struct hsx_umod_sel *s, char *buf, size_t size,
                        const union hsx_cap_selector *sel)
{
    char text[HSX_UMOD_TEXT_MAX], range[2][48];
    size_t len;

    hsx_umod_sel_format_indices(s, text, sizeof(text), sel->can.buses);
    len = strlen(text);
    for (int tx = 1; tx >= 0; tx--) {
        struct hsx_umod_can_range r = hsx_umod_can_range_of(sel, tx);
        if (!r.present)
            continue;
        hsx_umod_can_format_range(range[tx], sizeof(range[tx]), r);
        int n = snprintf(text + len, sizeof(text) - len, " %s %s", tx ? "tx" : "rx", range[tx]);
        if (n > 0 && (size_t)n < sizeof(text) - len)
            len += (size_t)n;
    }
    snprintf(buf, size, "%s", text);
    return buf;
}

/* ---- rules --------------------------------------------------------------------------------- */

static uint32_t all_buses(const struct hsx_umod_sel *s)
{
    return s->limit >= 32 ? UINT32_MAX : (UINT32_C(1) << s->limit) - 1;
}

static int check_range(const union hsx_cap_selector *sel, bool tx, char *why, size_t why_size)
{
    struct hsx_umod_can_range r = hsx_umod_can_range_of(sel, tx);
    const char *dir = tx ? "tx" : "rx";

    if (!r.present && (r.first || r.last)) {
        snprintf(why, why_size, "an absent %s range must be 0-0", dir);
        return -EINVAL;
    }
    if (r.present && (!hsx_umod_can_id_valid(r.first) || !hsx_umod_can_id_valid(r.last))) {
        snprintf(why, why_size, "the %s range 0x%x-0x%x is not of CAN IDs", dir, r.first, r.last);
        return -EINVAL;
    }
    if (r.present && r.first > r.last) {
        snprintf(why, why_size, "the %s range 0x%x-0x%x is reversed", dir, r.first, r.last);
        return -EINVAL;
    }
    return 0;
}

static int can_check(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel, bool request,
                     char *why, size_t why_size)
{
    static const union hsx_cap_selector zero;

    if (request && memcmp(sel, &zero, sizeof(zero)) == 0)
        return 0;
    if (sel->can.buses & ~all_buses(s)) {
        snprintf(why, why_size, "only %s 0..%u may be set", s->word, s->limit - 1);
        return -EINVAL;
    }
    if (!sel->can.buses) {
        snprintf(why, why_size, "no %s given", s->word);
        return -EINVAL;
    }
    if ((sel->can.flags & ~SEL_FLAGS) || sel->can.reserved[0] || sel->can.reserved[1]) {
        snprintf(why, why_size, "unknown flags or reserved words set");
        return -EINVAL;
    }
    if (check_range(sel, true, why, why_size) < 0 || check_range(sel, false, why, why_size) < 0)
        return -EINVAL;
    return 0;
}

static bool can_subset(const struct hsx_umod_sel *s, const union hsx_cap_selector *narrow,
                       const union hsx_cap_selector *wide)
{
    (void)s;
    if ((narrow->can.flags & ~SEL_FLAGS) || narrow->can.reserved[0] || narrow->can.reserved[1])
        return false;
    return (narrow->can.buses & ~wide->can.buses) == 0 &&
           hsx_umod_can_range_within(hsx_umod_can_range_of(narrow, true),
                                     hsx_umod_can_range_of(wide, true)) &&
           hsx_umod_can_range_within(hsx_umod_can_range_of(narrow, false),
                                     hsx_umod_can_range_of(wide, false));
}

/* As hsx.ko's check reads an object (kmod/can/can.c, hsx_can_sel_covers()). */
static bool can_covers(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel,
                       uint64_t object)
{
    const uint32_t bus = (uint32_t)(object >> 32) & 0xff, id = (uint32_t)object;

    if (bus >= s->limit || bus >= 32 || !(sel->can.buses >> bus & 1))
        return false;
    if (!(object & (UINT64_C(3) << 40)))
        return true;
    struct hsx_umod_can_range r = hsx_umod_can_range_of(sel, object & (UINT64_C(1) << 40));
    return r.present && r.first <= id && id <= r.last;
}

static void can_intersect(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                          const union hsx_cap_selector *b, union hsx_cap_selector *out)
{
    union hsx_cap_selector meet = {.raw = {0}};

    meet.can.buses = a->can.buses & b->can.buses & all_buses(s);
    if (meet.can.buses) {
        for (int tx = 0; tx < 2; tx++)
            hsx_umod_can_set_range(&meet, tx,
                                   hsx_umod_can_range_meet(hsx_umod_can_range_of(a, tx),
                                                           hsx_umod_can_range_of(b, tx)));
    }
    *out = meet;
}

static bool can_empty(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel)
{
    return (sel->can.buses & all_buses(s)) == 0;
}

/* Which of a and b covers more: buses, then tx IDs, then rx IDs; a on a tie. */
static const union hsx_cap_selector *larger(const union hsx_cap_selector *a,
                                            const union hsx_cap_selector *b)
{
    const uint64_t weight[2][3] = {
        {(uint64_t)__builtin_popcount(a->can.buses),
         hsx_umod_can_range_ids(hsx_umod_can_range_of(a, true)),
         hsx_umod_can_range_ids(hsx_umod_can_range_of(a, false))},
        {(uint64_t)__builtin_popcount(b->can.buses),
         hsx_umod_can_range_ids(hsx_umod_can_range_of(b, true)),
         hsx_umod_can_range_ids(hsx_umod_can_range_of(b, false))},
    };

    for (int i = 0; i < 3; i++) {
        if (weight[0][i] != weight[1][i])
            return weight[1][i] > weight[0][i] ? b : a;
    }
    return a;
}

static void can_unite(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                      const union hsx_cap_selector *b, union hsx_cap_selector *out)
{
    union hsx_cap_selector join;

    if (can_empty(s, a) || can_subset(s, a, b)) {
        join = *b;
    } else if (can_empty(s, b) || can_subset(s, b, a)) {
        join = *a;
    } else if (a->can.buses == b->can.buses) {
        join = *a;
        for (int tx = 0; tx < 2; tx++)
            hsx_umod_can_set_range(
                &join, tx, range_join(hsx_umod_can_range_of(a, tx), hsx_umod_can_range_of(b, tx)));
    } else if (range_equal(hsx_umod_can_range_of(a, true), hsx_umod_can_range_of(b, true)) &&
               range_equal(hsx_umod_can_range_of(a, false), hsx_umod_can_range_of(b, false))) {
        join = *a;
        join.can.buses |= b->can.buses;
    } else {
        join = *larger(a, b);
    }
    join.can.buses &= all_buses(s);
    *out = join;
}

static void can_all(const struct hsx_umod_sel *s, union hsx_cap_selector *out)
{
    const struct hsx_umod_can_range every = {true, HSX_UMOD_CAN_ID_FIRST, HSX_UMOD_CAN_ID_LAST};

    *out = (union hsx_cap_selector){.raw = {0}};
    out->can.buses = all_buses(s);
    hsx_umod_can_set_range(out, true, every);
    hsx_umod_can_set_range(out, false, every);
}

const struct hsx_umod_sel_ops hsx_umod_sel_can_ops = {
    .parse = can_parse,
    .parse_key = can_parse_key,
    .format = can_format,
    .check = can_check,
    .subset = can_subset,
    .covers = can_covers,
    .intersect = can_intersect,
    .unite = can_unite,
    .all = can_all,
    .empty = can_empty,
};
