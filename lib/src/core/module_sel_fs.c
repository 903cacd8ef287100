// SPDX-License-Identifier: MIT
/*
 * The FS kind of selector (HSX_UMOD_SEL_FS, module_sel_fs.h): a set of
 * roots, every right of the capability on each. It reads, combines and
 * checks as a set of pins does ("0", "0-3,7"; a ∩ b and a ∪ b exact, a
 * subset never wider), so each op is the set kind's on the roots moved to
 * where a set keeps its objects, and back: the kernel's form is fs.roots
 * and fs.reserved, whatever the byte order. Its own kind, not the set's,
 * because hsxd decides on it by its own rule (daemon/decide_fs.c): a
 * capability's root is the one hsxd binds for the rule, one tree per rule.
 */
#include <string.h>

#include "core/module.h"
#include "core/module_sel_fs.h"

/* The selector as a set (bit n of raw[0] is root n), and back; a reserved word stays in. */
static union hsx_cap_selector to_set(const union hsx_cap_selector *sel)
{
    union hsx_cap_selector set = *sel;

    set.raw[0] = (uint64_t)sel->fs.reserved << 32 | sel->fs.roots;
    return set;
}

static union hsx_cap_selector from_set(const union hsx_cap_selector *set)
{
    union hsx_cap_selector sel = *set;

    sel.fs.roots = (uint32_t)set->raw[0];
    sel.fs.reserved = (uint32_t)(set->raw[0] >> 32);
    return sel;
}

static int fs_parse(const struct hsx_umod_sel *s, const char *text, union hsx_cap_selector *sel,
                    char *why, size_t why_size)
{
    union hsx_cap_selector set;
    int ret = hsx_umod_sel_set_ops.parse(s, text, &set, why, why_size);

    *sel = from_set(&set);
    return ret;
}

static int fs_parse_key(const struct hsx_umod_sel *s, unsigned int key, const char *text,
                        union hsx_cap_selector *sel, char *why, size_t why_size)
{
    union hsx_cap_selector set = to_set(sel);
    int ret = hsx_umod_sel_set_ops.parse_key(s, key, text, &set, why, why_size);

    *sel = from_set(&set);
    return ret;
}

static char *fs_format(const struct hsx_umod_sel *s, char *buf, size_t size,
                       const union hsx_cap_selector *sel)
{
    const union hsx_cap_selector set = to_set(sel);

    return hsx_umod_sel_set_ops.format(s, buf, size, &set);
}

static int fs_check(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel, bool request,
                    char *why, size_t why_size)
{
    const union hsx_cap_selector set = to_set(sel);

    return hsx_umod_sel_set_ops.check(s, &set, request, why, why_size);
}

static bool fs_subset(const struct hsx_umod_sel *s, const union hsx_cap_selector *narrow,
                      const union hsx_cap_selector *wide)
{
    const union hsx_cap_selector a = to_set(narrow), b = to_set(wide);

    return hsx_umod_sel_set_ops.subset(s, &a, &b);
}

static bool fs_covers(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel,
                      uint64_t object)
{
    const union hsx_cap_selector set = to_set(sel);

    return hsx_umod_sel_set_ops.covers(s, &set, object);
}

static void fs_intersect(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                         const union hsx_cap_selector *b, union hsx_cap_selector *out)
{
    const union hsx_cap_selector x = to_set(a), y = to_set(b);
    union hsx_cap_selector set;

    hsx_umod_sel_set_ops.intersect(s, &x, &y, &set);
    *out = from_set(&set);
}

static void fs_unite(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                     const union hsx_cap_selector *b, union hsx_cap_selector *out)
{
    const union hsx_cap_selector x = to_set(a), y = to_set(b);
    union hsx_cap_selector set;

    hsx_umod_sel_set_ops.unite(s, &x, &y, &set);
    *out = from_set(&set);
}

static void fs_all(const struct hsx_umod_sel *s, union hsx_cap_selector *out)
{
    union hsx_cap_selector set;

    hsx_umod_sel_set_ops.all(s, &set);
    *out = from_set(&set);
}

static bool fs_empty(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel)
{
    const union hsx_cap_selector set = to_set(sel);

    return hsx_umod_sel_set_ops.empty(s, &set);
}

const struct hsx_umod_sel_ops hsx_umod_sel_fs_ops = {
    .parse = fs_parse,
    .parse_key = fs_parse_key,
    .format = fs_format,
    .check = fs_check,
    .subset = fs_subset,
    .covers = fs_covers,
    .intersect = fs_intersect,
    .unite = fs_unite,
    .all = fs_all,
    .empty = fs_empty,
};
