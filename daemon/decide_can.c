// SPDX-License-Identifier: MIT
/*
 * CAN capabilities (HSX_UMOD_SEL_CAN): one set of rights on a set of buses,
 * with one range of IDs it may send (write) and one it may receive (read).
 * Two ranges with a gap between them are no range, so rules cannot simply
 * be united; instead every right on every bus of the capability must come
 * from one rule that grants it there, with the whole range that right uses:
 *
 *  1. Each matching rule is narrowed to the request (its rights, buses and
 *     ranges meet those asked for; nothing asked: all of them).
 *  2. The transmit range is the widest any of them gives with write, the
 *     receive range the widest any gives with read (the first on a tie).
 *  3. A right holds on a bus when one of them grants it there, with the
 *     whole transmit range for write, the whole receive range for read
 *     (write needs a transmit range: a capability to send no ID is none).
 *  4. The rights are those that hold on some bus; the buses those where
 *     every one of them holds. If no bus has them all, the rights are those
 *     of the lowest bus where any holds, and the buses those with all of
 *     these.
 *  5. grant (to derive narrower capabilities) only when one rule grants it
 *     with all of that: delegating must not reach past any rule.
 *  6. A capability without write has no transmit range, one without read
 *     no receive range.
 *
 * So no ID, bus or right is granted that no single rule grants with it.
 */
#include <stdio.h>
#include <string.h>

#include "core/module_sel_can.h"
#include "decide_kind.h"

#define RIGHTS_PLAIN(rights) ((rights) & ~(uint32_t)HSX_CAP_R_GRANT)

/* The ranges the capability would have, each way. */
struct ranges {
    struct hsx_umod_can_range tx, rx;
};

static bool on_bus(const union hsx_cap_selector *sel, unsigned int bus)
{
    return sel->can.buses >> bus & 1;
}

/* Does p grant right on bus, with the whole range that right uses? */
static bool holds(const struct decide_piece *p, uint32_t right, unsigned int bus,
                  const struct ranges *r)
{
    if (!(p->rights & right) || !on_bus(&p->sel, bus))
        return false;
    if (right == HSX_CAP_R_WRITE)
        return r->tx.present &&
               hsx_umod_can_range_within(r->tx, hsx_umod_can_range_of(&p->sel, true));
    if (right == HSX_CAP_R_READ)
        return hsx_umod_can_range_within(r->rx, hsx_umod_can_range_of(&p->sel, false));
    return true;
}

/* The rights of rights that hold on bus. */
static uint32_t holding(const struct decide_piece *pieces, size_t n, uint32_t rights,
                        unsigned int bus, const struct ranges *r)
{
    uint32_t held = 0;

    for (uint32_t bit = 1; bit; bit <<= 1) {
        for (size_t i = 0; (rights & bit) && !(held & bit) && i < n; i++) {
            if (holds(&pieces[i], bit, bus, r))
                held |= bit;
        }
    }
    return held;
}

/* The widest range any piece with right gives its way (tx for write). */
static struct hsx_umod_can_range widest(const struct decide_piece *pieces, size_t n, uint32_t right,
                                        bool tx)
{
    struct hsx_umod_can_range best = {.present = false};

    for (size_t i = 0; i < n; i++) {
        struct hsx_umod_can_range r = hsx_umod_can_range_of(&pieces[i].sel, tx);
        if ((pieces[i].rights & right) && hsx_umod_can_range_ids(r) > hsx_umod_can_range_ids(best))
            best = r;
    }
    return best;
}

/* The buses where every right of rights holds (held[bus]). */
static uint32_t buses_with(const uint32_t *held, unsigned int buses, uint32_t rights)
{
    uint32_t out = 0;

    for (unsigned int bus = 0; bus < buses; bus++) {
        if (rights && (held[bus] & rights) == rights)
            out |= UINT32_C(1) << bus;
    }
    return out;
}

/* Does one piece grant all of the capability (rights, buses, ranges) with grant? */
static bool may_delegate(const struct decide_piece *p, uint32_t rights, uint32_t buses,
                         const struct ranges *r)
{
    if (!(p->rights & HSX_CAP_R_GRANT) || (rights & ~p->rights) || (buses & ~p->sel.can.buses))
        return false;
    return hsx_umod_can_range_within(r->tx, hsx_umod_can_range_of(&p->sel, true)) &&
           hsx_umod_can_range_within(r->rx, hsx_umod_can_range_of(&p->sel, false));
}

void decide_can(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
                const struct cap_want *want, uint64_t now_ns, struct decision *d)
{
    /* Static, as decide()'s candidates: one decision at a time. */
    static struct decide_piece pieces[POLICY_RULES_MAX + 64];
    const struct hsx_umod_sel *k = &m->sel;
    const unsigned int buses = k->limit < 32 ? k->limit : 32;
    const uint32_t rights_asked = want->rights ? want->rights : m->rights;
    uint32_t held[32] = {0};
    union hsx_cap_selector asked;
    size_t n = decide_narrow(m, c, slot, want, rights_asked, &asked, pieces);

    struct ranges r = {
        .tx = widest(pieces, n, HSX_CAP_R_WRITE, true),
        .rx = widest(pieces, n, HSX_CAP_R_READ, false),
    };
    uint32_t any = 0;
    for (unsigned int bus = 0; bus < buses; bus++) {
        held[bus] = holding(pieces, n, RIGHTS_PLAIN(rights_asked), bus, &r);
        any |= held[bus];
    }
    uint32_t rights = any, chosen = buses_with(held, buses, rights);
    for (unsigned int bus = 0; !chosen && bus < buses; bus++) {
        if (held[bus]) {
            rights = held[bus];
            chosen = buses_with(held, buses, rights);
        }
    }
    if (!chosen) {
        decide_deny_narrowed(m, &asked, rights_asked, c, slot, d);
        return;
    }
    if (!(rights & HSX_CAP_R_WRITE))
        r.tx.present = false;
    if (!(rights & HSX_CAP_R_READ))
        r.rx.present = false;
    for (size_t i = 0; (rights_asked & HSX_CAP_R_GRANT) && i < n; i++) {
        if (may_delegate(&pieces[i], rights, chosen, &r)) {
            rights |= HSX_CAP_R_GRANT;
            break;
        }
    }

    d->allowed = true;
    d->rights = rights;
    memset(&d->sel, 0, sizeof(d->sel));
    d->sel.can.buses = chosen;
    hsx_umod_can_set_range(&d->sel, true, r.tx);
    hsx_umod_can_set_range(&d->sel, false, r.rx);
    /* The rules it comes from: those a right of it holds by on one of its buses. */
    for (size_t i = 0; i < n; i++) {
        bool used = (rights & HSX_CAP_R_GRANT) && may_delegate(&pieces[i], rights, chosen, &r);
        for (unsigned int bus = 0; !used && bus < buses; bus++) {
            for (uint32_t bit = 1; !used && bit; bit <<= 1)
                used = (chosen >> bus & 1) && (RIGHTS_PLAIN(rights) & bit) &&
                       holds(&pieces[i], bit, bus, &r);
        }
        if (used)
            decide_account(d, pieces[i].rule, now_ns);
    }
}
