// SPDX-License-Identifier: MIT
/*
 * FS capabilities (HSX_UMOD_SEL_FS): one set of rights on a set of roots.
 * A root is a file tree, and a rule either names roots the administrator
 * bound (roots = ...) or has hsxd bind one for each client from a template
 * (root = "/var/lib/hsx/fs/%u/%n"; fs_root.h), whose root is known only
 * once bound. So the capability comes from one rule, never a union of
 * several (read on one tree and write on another is no capability, and two
 * templates are two trees):
 *
 *  1. Each matching rule is narrowed to the request (its rights and roots
 *     meet those asked for; nothing asked: all of them; a template's rule
 *     covers every root until bound).
 *  2. The capability is the one of them with the most rights (grant aside),
 *     then the first: its rights, grant only if that rule gives it and it
 *     was asked for, and its roots; for a template's rule, d->fs_rule, and
 *     hsxd binds the tree and narrows the roots to its one (ops.c), which
 *     must be one the request asked for.
 */
#include "decide_kind.h"

#define RIGHTS_PLAIN(rights) ((rights) & ~(uint32_t)HSX_CAP_R_GRANT)

void decide_fs(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
               const struct cap_want *want, uint64_t now_ns, struct decision *d)
{
    /* Static, as decide()'s candidates: one decision at a time. */
    static struct decide_piece pieces[POLICY_RULES_MAX + 64];
    const uint32_t rights_asked = want->rights ? want->rights : m->rights;
    union hsx_cap_selector asked;
    size_t best = 0, n = decide_narrow(m, c, slot, want, rights_asked, &asked, pieces);

    for (size_t i = 1; i < n; i++) {
        if (__builtin_popcount(RIGHTS_PLAIN(pieces[i].rights)) >
            __builtin_popcount(RIGHTS_PLAIN(pieces[best].rights)))
            best = i;
    }
    /* Grant alone is no capability. */
    if (n == 0 || !RIGHTS_PLAIN(pieces[best].rights)) {
        decide_deny_narrowed(m, &asked, rights_asked, c, slot, d);
        return;
    }
    d->allowed = true;
    d->rights = pieces[best].rights;
    d->sel = pieces[best].sel;
    d->fs_rule = pieces[best].rule->fs ? pieces[best].rule : NULL;
    decide_account(d, pieces[best].rule, now_ns);
}
