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

/* CAN's buses and ID ranges (HSX_UMOD_SEL_CAN): fills *d from the rules c, at slot. */
void decide_can(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
                const struct cap_want *want, uint64_t now_ns, struct decision *d);

#endif /* HSXD_DECIDE_KIND_H */
