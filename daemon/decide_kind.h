/* SPDX-License-Identifier: MIT */
/*
 * What decide.c gives the rule of each kind of selector, for the kinds kept
 * in a file of their own (decide_can.c); nothing but decide*.c includes it.
 */
#ifndef HSXD_DECIDE_KIND_H
#define HSXD_DECIDE_KIND_H

#include "decide.h"

/* The rules that match and grant the module, from both sets. */
struct candidates {
    const struct policy_rule *rule[POLICY_RULES_MAX + 64];
    size_t count;
    size_t matching; /* rules that match at all, whatever they grant */
};

/* Lifetime, and the names for the log, from a rule the decision comes from. */
void decide_account(struct decision *d, const struct policy_rule *rule, uint64_t now_ns);

/* One matching rule's grant, narrowed to the request. */
struct decide_piece {
    const struct policy_rule *rule;
    uint32_t rights;
    union hsx_cap_selector sel;
    bool used; /* the decision comes from it (decide_fram.c) */
};

/*
 * Narrow each of the rules c to what want asks (rights_asked, and *asked:
 * want's selector, or all of the module's if it names none) into pieces,
 * keeping those left with a right and an object. Returns how many.
 */
size_t decide_narrow(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
                     const struct cap_want *want, uint32_t rights_asked,
                     union hsx_cap_selector *asked, struct decide_piece *pieces);

/*
 * A denial when no rule, narrowed to what was asked (asked, rights_asked),
 * leaves anything: what was asked and what the first rule grants, in d->why.
 */
void decide_deny_narrowed(const struct hsx_umodule *m, const union hsx_cap_selector *asked,
                          uint32_t rights_asked, const struct candidates *c, size_t slot,
                          struct decision *d);

/* CAN's buses and ID ranges (HSX_UMOD_SEL_CAN): fills *d from the rules c, at slot. */
void decide_can(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
                const struct cap_want *want, uint64_t now_ns, struct decision *d);

/* FRAM's devices and address ranges (HSX_UMOD_SEL_FRAM), likewise (decide_fram.c). */
void decide_fram(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
                 const struct cap_want *want, uint64_t now_ns, struct decision *d);

/* FS's roots (HSX_UMOD_SEL_FS), likewise (decide_fs.c). */
void decide_fs(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
               const struct cap_want *want, uint64_t now_ns, struct decision *d);

#endif /* HSXD_DECIDE_KIND_H */
