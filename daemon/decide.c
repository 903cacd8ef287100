// SPDX-License-Identifier: MIT
/*
 * A capability is one set of rights on one set of objects, but the rules that
 * match a process may grant different rights on different objects. How they
 * combine depends on the kind of the module's selector (core/module.h), never
 * on the module. For a set (GPIO pins), the union of the rules is kept per
 * object, and the capability is the largest rectangle of it that the request
 * asks for:
 *
 *  1. rights asked for that no matching rule grants on any object asked for
 *     are dropped;
 *  2. objects asked for that lack one of the remaining rights are dropped;
 *  3. if that leaves none, the rights are those of the lowest object asked
 *     for that has any, and step 2 is repeated.
 *
 * For a quota (timers), the capability gets the rights asked for that some
 * rule grants, and the smallest of the quotas of those rights (each right's
 * quota is the largest any rule gives with it).
 *
 * For CAN's buses and ID ranges, see decide_can.c; for FRAM's devices and
 * address ranges, decide_fram.c; for FS's roots, decide_fs.c.
 *
 * Its lifetime is the shortest of the rules it comes from (a runtime grant
 * counts what is left of it), and no longer than asked.
 */
#include <stdio.h>
#include <string.h>

#include "decide.h"
#include "decide_kind.h"

#define NS_PER_S 1000000000ull

static bool in_groups(const struct identity *id, uint32_t gid)
{
    if (id->gid == gid)
        return true;
    for (size_t i = 0; i < id->ngroups; i++) {
        if (id->groups[i] == gid)
            return true;
    }
    return false;
}

/* Is path the cgroup prefix or below it? "/a/b" is below "/a", "/ab" is not. */
static bool below(const char *path, const char *prefix)
{
    size_t len = strlen(prefix);

    if (strcmp(prefix, "/") == 0)
        return path[0] == '/';
    return strncmp(path, prefix, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

bool rule_matches(const struct policy_rule *rule, const struct identity *id, uint64_t now_ns)
{
    if (rule->match == 0)
        return false;
    if (rule->expires_ns && now_ns >= rule->expires_ns)
        return false;
    if ((rule->match & POLICY_MATCH_UID) && id->uid != rule->uid)
        return false;
    if ((rule->match & POLICY_MATCH_GID) && !in_groups(id, rule->gid))
        return false;
    /* The path, and the very file it named when the policy was read. */
    if ((rule->match & POLICY_MATCH_EXE) &&
        (!id->exe || strcmp(id->exe, rule->exe) != 0 || !file_id_same(&rule->exe_id, &id->exe_id)))
        return false;
    if ((rule->match & POLICY_MATCH_CGROUP) && (!id->cgroup || !below(id->cgroup, rule->cgroup)))
        return false;
    return true;
}

static void collect(const struct policy_rule *rules, size_t n, const struct identity *id,
                    size_t slot, uint64_t now_ns, struct candidates *c)
{
    for (size_t i = 0; i < n; i++) {
        if (!rule_matches(&rules[i], id, now_ns))
            continue;
        c->matching++;
        if (rules[i].grant[slot].present && c->count < sizeof(c->rule) / sizeof(c->rule[0]))
            c->rule[c->count++] = &rules[i];
    }
}

/* How long a capability under rule may last from now. */
static uint32_t rule_lifetime(const struct policy_rule *rule, uint64_t now_ns)
{
    uint32_t lifetime = rule->lifetime_s;

    if (rule->expires_ns) {
        uint64_t left = (rule->expires_ns - now_ns) / NS_PER_S;
        if (left < lifetime)
            lifetime = left ? (uint32_t)left : 1;
    }
    return lifetime;
}

void decide_account(struct decision *d, const struct policy_rule *rule, uint64_t now_ns)
{
    size_t len = strlen(d->rules);
    uint32_t lifetime = rule_lifetime(rule, now_ns);

    if (d->lifetime_s == 0 || lifetime < d->lifetime_s)
        d->lifetime_s = lifetime;
    if (len + 4 >= sizeof(d->rules))
        return;
    int n = snprintf(d->rules + len, sizeof(d->rules) - len, "%s%s", len ? ", " : "", rule->name);
    if (n < 0 || (size_t)n >= sizeof(d->rules) - len)
        snprintf(d->rules + sizeof(d->rules) - 4, 4, "...");
}

size_t decide_narrow(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
                     const struct cap_want *want, uint32_t rights_asked,
                     union hsx_cap_selector *asked, struct decide_piece *pieces)
{
    const struct hsx_umod_sel *k = &m->sel;
    size_t n = 0;

    if (k->ops->empty(k, &want->sel))
        k->ops->all(k, asked);
    else
        *asked = want->sel;
    for (size_t i = 0; i < c->count; i++) {
        const struct policy_grant *g = &c->rule[i]->grant[slot];
        struct decide_piece p = {.rule = c->rule[i], .rights = g->rights & rights_asked};
        k->ops->intersect(k, &g->sel, asked, &p.sel);
        if (p.rights && !k->ops->empty(k, &p.sel))
            pieces[n++] = p;
    }
    return n;
}

void decide_deny_narrowed(const struct hsx_umodule *m, const union hsx_cap_selector *asked,
                          uint32_t rights_asked, const struct candidates *c, size_t slot,
                          struct decision *d)
{
    const struct policy_grant *g = &c->rule[0]->grant[slot];
    char r1[HSX_UMOD_TEXT_MAX], s1[HSX_UMOD_TEXT_MAX], r2[HSX_UMOD_TEXT_MAX], s2[HSX_UMOD_TEXT_MAX];

    snprintf(d->why, sizeof(d->why), "%s: asked for %s on %s; %s grants %s on %s%s", m->name,
             hsx_umod_format_rights(m, r1, sizeof(r1), rights_asked),
             hsx_umod_sel_format(m, s1, sizeof(s1), asked), c->rule[0]->name,
             hsx_umod_format_rights(m, r2, sizeof(r2), g->rights),
             hsx_umod_sel_format(m, s2, sizeof(s2), &g->sel),
             c->count > 1 ? ", and the other rules no more of it" : "");
}

/*
 * A set of objects (HSX_UMOD_SEL_SET: GPIO pins): the rectangle rule. Bit n
 * of raw[0] is object n, as the kind says (core/module.h).
 */
static void decide_set(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
                       const struct cap_want *want, uint64_t now_ns, struct decision *d)
{
    const struct hsx_umod_sel *k = &m->sel;
    const unsigned int objects = k->limit < 64 ? k->limit : 64;
    uint32_t allowed[64] = {0};
    union hsx_cap_selector granted = {.raw = {0}}, asked, chosen = {.raw = {0}};
    uint32_t all_rights = 0;

    for (size_t i = 0; i < c->count; i++) {
        const struct policy_grant *g = &c->rule[i]->grant[slot];
        for (unsigned int n = 0; n < objects; n++) {
            if (k->ops->covers(k, &g->sel, n))
                allowed[n] |= g->rights;
        }
        k->ops->unite(k, &granted, &g->sel, &granted);
        all_rights |= g->rights;
    }

    asked = k->ops->empty(k, &want->sel) ? granted : want->sel;
    uint32_t rights_asked = want->rights ? want->rights : m->rights;
    uint32_t rights = 0;
    for (unsigned int n = 0; n < objects; n++) {
        if (k->ops->covers(k, &asked, n))
            rights |= allowed[n];
    }
    rights &= rights_asked;

    for (int round = 0; rights && round < 2 && k->ops->empty(k, &chosen); round++) {
        for (unsigned int n = 0; n < objects; n++) {
            if (k->ops->covers(k, &asked, n) && (allowed[n] & rights) == rights)
                chosen.raw[0] |= UINT64_C(1) << n;
        }
        if (!k->ops->empty(k, &chosen))
            break;
        /* No object has all of them: take the rights of the lowest that has any. */
        for (unsigned int n = 0; n < objects; n++) {
            if (k->ops->covers(k, &asked, n) && (allowed[n] & rights_asked)) {
                rights = allowed[n] & rights_asked;
                break;
            }
        }
    }

    if (k->ops->empty(k, &chosen)) {
        char r1[HSX_UMOD_TEXT_MAX], p1[HSX_UMOD_TEXT_MAX], r2[HSX_UMOD_TEXT_MAX],
            p2[HSX_UMOD_TEXT_MAX];
        snprintf(d->why, sizeof(d->why), "%s: asked for %s on %s %s; the rules grant %s on %s %s",
                 m->name, hsx_umod_format_rights(m, r1, sizeof(r1), rights_asked), k->word,
                 k->ops->format(k, p1, sizeof(p1), &asked),
                 hsx_umod_format_rights(m, r2, sizeof(r2), all_rights), k->word,
                 k->ops->format(k, p2, sizeof(p2), &granted));
        return;
    }
    d->allowed = true;
    d->rights = rights;
    d->sel = chosen;
    for (size_t i = 0; i < c->count; i++) {
        const struct policy_grant *g = &c->rule[i]->grant[slot];
        union hsx_cap_selector common;
        k->ops->intersect(k, &g->sel, &chosen, &common);
        if (!k->ops->empty(k, &common) && (g->rights & rights))
            decide_account(d, c->rule[i], now_ns);
    }
}

/*
 * A quota (HSX_UMOD_SEL_QUOTA: timers): the rights asked for that some rule
 * grants, each right's quota the largest a rule gives with it, the least of
 * those.
 */
static void decide_quota(const struct hsx_umodule *m, const struct candidates *c, size_t slot,
                         const struct cap_want *want, uint64_t now_ns, struct decision *d)
{
    const struct hsx_umod_sel *k = &m->sel;
    uint32_t rights_asked = want->rights ? want->rights : m->rights;
    uint32_t granted = 0;

    for (size_t i = 0; i < c->count; i++)
        granted |= c->rule[i]->grant[slot].rights;
    uint32_t rights = granted & rights_asked;
    if (!rights) {
        char r1[HSX_UMOD_TEXT_MAX], r2[HSX_UMOD_TEXT_MAX];
        snprintf(d->why, sizeof(d->why), "%s: asked for %s; the rules grant %s", m->name,
                 hsx_umod_format_rights(m, r1, sizeof(r1), rights_asked),
                 hsx_umod_format_rights(m, r2, sizeof(r2), granted));
        return;
    }

    union hsx_cap_selector quota;
    if (k->ops->empty(k, &want->sel))
        k->ops->all(k, &quota);
    else
        quota = want->sel;
    for (uint32_t bit = 1; bit; bit <<= 1) {
        if (!(rights & bit))
            continue;
        union hsx_cap_selector best = {.raw = {0}};
        for (size_t i = 0; i < c->count; i++) {
            const struct policy_grant *g = &c->rule[i]->grant[slot];
            if (g->rights & bit)
                k->ops->unite(k, &best, &g->sel, &best);
        }
        k->ops->intersect(k, &quota, &best, &quota);
    }
    d->allowed = true;
    d->rights = rights;
    d->sel = quota;
    for (size_t i = 0; i < c->count; i++) {
        if (c->rule[i]->grant[slot].rights & rights)
            decide_account(d, c->rule[i], now_ns);
    }
}

bool decide(const struct policy *policy, const struct policy_rule *extra, size_t nextra,
            const struct identity *id, const struct cap_want *want, uint64_t now_ns,
            struct decision *d)
{
    /* Too large for the stack of a small embedded thread: one per process is enough. */
    static struct candidates c;
    const struct hsx_umodule *m = capspec_module_by_id(want->module);

    memset(d, 0, sizeof(*d));
    if (!m) {
        snprintf(d->why, sizeof(d->why), "hsxd grants no capabilities for module 0x%x",
                 want->module);
        return false;
    }
    size_t slot = policy_slot(m->id);
    c.count = 0;
    c.matching = 0;
    if (policy)
        collect(policy->rules, policy->nrules, id, slot, now_ns, &c);
    collect(extra, nextra, id, slot, now_ns, &c);

    if (c.matching == 0) {
        char exe[sizeof(d->why)];
        snprintf(d->why, sizeof(d->why), "no policy rule matches uid %u, exe %s", id->uid,
                 id->exe && id->exe[0] ? capspec_escape(exe, sizeof(exe), id->exe) : "(unknown)");
        return false;
    }
    if (c.count == 0) {
        snprintf(d->why, sizeof(d->why), "%zu rule%s match%s uid %u, but none grants %s",
                 c.matching, c.matching == 1 ? "" : "s", c.matching == 1 ? "es" : "", id->uid,
                 m->name);
        return false;
    }
    switch (m->sel.kind) {
    case HSX_UMOD_SEL_SET:
        decide_set(m, &c, slot, want, now_ns, d);
        break;
    case HSX_UMOD_SEL_QUOTA:
        decide_quota(m, &c, slot, want, now_ns, d);
        break;
    case HSX_UMOD_SEL_CAN:
        decide_can(m, &c, slot, want, now_ns, d);
        break;
    case HSX_UMOD_SEL_FRAM:
        decide_fram(m, &c, slot, want, now_ns, d);
        break;
    case HSX_UMOD_SEL_FS:
        decide_fs(m, &c, slot, want, now_ns, d);
        break;
    default:
        snprintf(d->why, sizeof(d->why), "hsxd cannot decide on %s's kind of selector", m->name);
        break;
    }
    if (d->allowed && want->lifetime_s && want->lifetime_s < d->lifetime_s)
        d->lifetime_s = want->lifetime_s;
    return d->allowed;
}

bool decision_covers(const struct decision *d, uint32_t module, uint32_t rights,
                     const union hsx_cap_selector *sel)
{
    const struct hsx_umodule *m = capspec_module_by_id(module);

    if (!d->allowed || !m || (rights & ~d->rights))
        return false;
    return hsx_umod_sel_subset(m, sel, &d->sel);
}

enum verdict decide_again(const struct policy *policy, const struct policy_rule *extra,
                          size_t nextra, const struct identity *id, uint32_t module,
                          uint32_t rights, const union hsx_cap_selector *sel,
                          uint32_t want_lifetime_s, uint64_t expiry_ns, uint64_t now_ns,
                          struct decision *d)
{
    struct cap_want want = {module, rights, *sel, want_lifetime_s};

    if (!decide(policy, extra, nextra, id, &want, now_ns, d))
        return VERDICT_DENIED;
    if (!decision_covers(d, module, rights, sel))
        return VERDICT_NARROWER;
    if (expiry_ns && expiry_ns > now_ns + ((uint64_t)d->lifetime_s + 1) * NS_PER_S)
        return VERDICT_SHORTER;
    return VERDICT_ALLOWED;
}
