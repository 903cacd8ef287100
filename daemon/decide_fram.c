// SPDX-License-Identifier: MIT
/*
 * FRAM capabilities (HSX_UMOD_SEL_FRAM): one set of rights on a set of
 * devices, over up to three address ranges, every right on every range.
 * Rules that grant different rights on different ranges cannot simply be
 * united (read on one range and write on another is no capability), so the
 * capability is grown from one rule, a rectangle at a time:
 *
 *  1. Each matching rule is narrowed to the request (its rights, devices
 *     and ranges meet those asked for; nothing asked: all of them).
 *  2. The capability starts as the one of them with the most rights, then
 *     devices, then bytes (the first on a tie).
 *  3. A rule whose rights and devices hold all of the capability's adds its
 *     ranges (if the ranges merged are still at most three); one whose
 *     rights and ranges hold all of it adds its devices; one whose devices
 *     and ranges hold all of it adds its rights. Until none adds anything.
 *  4. grant (to derive narrower capabilities) only when one rule grants it
 *     with all of that: delegating must not reach past any rule.
 *
 * So every right on every address of every device of the capability comes
 * from a rule that grants it there: no address, device or right is granted
 * that no single rule grants with it. Ranges that touch are one range (the
 * kernel's form), whichever rules they come from.
 */
#include <stdio.h>
#include <string.h>

#include "core/module_sel_fram.h"
#include "decide_kind.h"

#define RIGHTS_PLAIN(rights) ((rights) & ~(uint32_t)HSX_CAP_R_GRANT)

static bool devices_within(const union hsx_cap_selector *narrow, const union hsx_cap_selector *wide)
{
    return (narrow->fram.devices & ~wide->fram.devices) == 0;
}

/* Is p ranked above best: more rights, then devices, then bytes? */
static bool ranks_above(const struct decide_piece *p, const struct decide_piece *best)
{
    const int rights[2] = {__builtin_popcount(RIGHTS_PLAIN(p->rights)),
                           __builtin_popcount(RIGHTS_PLAIN(best->rights))};
    const int devices[2] = {__builtin_popcount(p->sel.fram.devices),
                            __builtin_popcount(best->sel.fram.devices)};

    if (rights[0] != rights[1])
        return rights[0] > rights[1];
    if (devices[0] != devices[1])
        return devices[0] > devices[1];
    return hsx_umod_fram_bytes(&p->sel) > hsx_umod_fram_bytes(&best->sel);
}

/* Step 3 with one piece: whether it added anything to cap (rights, sel). */
static bool grow(const struct decide_piece *p, uint32_t *rights, union hsx_cap_selector *sel)
{
    const bool has_rights = (*rights & ~p->rights) == 0;
    const bool has_devices = devices_within(sel, &p->sel);
    const bool has_ranges = hsx_umod_fram_ranges_within(sel, &p->sel);

    if (has_rights && has_devices && !hsx_umod_fram_ranges_within(&p->sel, sel)) {
        struct hsx_umod_fram_ranges set;
        hsx_umod_fram_load(sel, &set);
        for (unsigned int i = 0; i < p->sel.fram.nranges; i++)
            hsx_umod_fram_add(&set, p->sel.fram.ranges[i].first, p->sel.fram.ranges[i].last);
        return hsx_umod_fram_store(sel, &set) == 0;
    }
    if (has_rights && has_ranges && !devices_within(&p->sel, sel)) {
        sel->fram.devices |= p->sel.fram.devices;
        return true;
    }
    if (has_devices && has_ranges && (RIGHTS_PLAIN(p->rights) & ~*rights)) {
        *rights |= RIGHTS_PLAIN(p->rights);
        return true;
    }
    return false;
}

/* Does one piece grant all of the capability with grant? */
static bool may_delegate(const struct decide_piece *p, uint32_t rights,
                         const union hsx_cap_selector *sel)
{
    return (p->rights & HSX_CAP_R_GRANT) && (rights & ~p->rights) == 0 &&
           devices_within(sel, &p->sel) && hsx_umod_fram_ranges_within(sel, &p->sel);
}

void decide_fram(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
                 const struct cap_want *want, uint64_t now_ns, struct decision *d)
{
    /* Static, as decide()'s candidates: one decision at a time. */
    static struct decide_piece pieces[POLICY_RULES_MAX + 64];
    const uint32_t rights_asked = want->rights ? want->rights : m->rights;
    union hsx_cap_selector asked;
    size_t best = 0, n = decide_narrow(m, c, slot, want, rights_asked, &asked, pieces);

    if (n == 0 || !RIGHTS_PLAIN(rights_asked)) {
        decide_deny_narrowed(m, &asked, rights_asked, c, slot, d);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        if (ranks_above(&pieces[i], &pieces[best]))
            best = i;
    }

    /* Grant alone is no capability: the best has a plain right if any piece has. */
    uint32_t rights = RIGHTS_PLAIN(pieces[best].rights);
    union hsx_cap_selector sel = pieces[best].sel;
    if (!rights) {
        decide_deny_narrowed(m, &asked, rights_asked, c, slot, d);
        return;
    }
    pieces[best].used = true;
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < n; i++) {
            if (grow(&pieces[i], &rights, &sel))
                pieces[i].used = grew = true;
        }
    }
    for (size_t i = 0; (rights_asked & HSX_CAP_R_GRANT) && i < n; i++) {
        if (may_delegate(&pieces[i], rights, &sel)) {
            rights |= HSX_CAP_R_GRANT;
            pieces[i].used = true;
            break;
        }
    }

    d->allowed = true;
    d->rights = rights;
    d->sel = sel;
    for (size_t i = 0; i < n; i++) {
        if (pieces[i].used)
            decide_account(d, pieces[i].rule, now_ns);
    }
}
