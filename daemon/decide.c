// SPDX-License-Identifier: MIT
/*
 * A capability is one set of rights on one set of objects, but the rules that
 * match a process may grant different rights on different pins. So the union
 * of the rules is kept per pin (and, for timers, per right), and the
 * capability is the largest rectangle of it that the request asks for:
 *
 *  1. rights asked for that no matching rule grants on any pin asked for are
 *     dropped;
 *  2. pins asked for that lack one of the remaining rights are dropped;
 *  3. if that leaves no pin, the rights are those of the lowest pin asked for
 *     that has any, and step 2 is repeated.
 *
 * A timer capability gets the rights asked for that some rule grants, and the
 * smallest of the quotas of those rights (each right's quota is the largest
 * any rule gives with it). Its lifetime is the shortest of the rules it comes
 * from (a runtime grant counts what is left of it), and no longer than asked.
 */
#include <stdio.h>
#include <string.h>

#include "decide.h"

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

/* The rules that match and grant the module, from both sets. */
struct candidates {
    const struct policy_rule *rule[POLICY_RULES_MAX + 64];
    size_t count;
    size_t matching; /* rules that match at all, whatever they grant */
};

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

/* Lifetime, and the names for the log, from the rules that contributed. */
static void account(struct decision *d, const struct policy_rule *rule, uint64_t now_ns)
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

static void decide_pins(const struct candidates *c, size_t slot, const struct cap_want *want,
                        uint64_t now_ns, struct decision *d)
{
    uint32_t allowed[HSX_GPIO_MAX_PINS] = {0};
    uint64_t granted = 0;
    uint32_t all_rights = 0;

    for (size_t i = 0; i < c->count; i++) {
        const struct policy_grant *g = &c->rule[i]->grant[slot];
        for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
            if (g->sel.gpio.pins >> pin & 1)
                allowed[pin] |= g->rights;
        }
        granted |= g->sel.gpio.pins;
        all_rights |= g->rights;
    }

    uint64_t asked = want->sel.gpio.pins ? want->sel.gpio.pins : granted;
    uint32_t rights_asked = want->rights ? want->rights : HSX_CAP_R_GPIO_ALL;
    uint32_t rights = 0;
    for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
        if (asked >> pin & 1)
            rights |= allowed[pin];
    }
    rights &= rights_asked;

    uint64_t pins = 0;
    for (int round = 0; rights && round < 2 && !pins; round++) {
        for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
            if ((asked >> pin & 1) && (allowed[pin] & rights) == rights)
                pins |= UINT64_C(1) << pin;
        }
        if (pins)
            break;
        /* No pin has all of them: take the rights of the lowest pin that has any. */
        for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
            if ((asked >> pin & 1) && (allowed[pin] & rights_asked)) {
                rights = allowed[pin] & rights_asked;
                break;
            }
        }
    }

    if (!pins) {
        char r1[CAPSPEC_TEXT_MAX], p1[CAPSPEC_TEXT_MAX], r2[CAPSPEC_TEXT_MAX], p2[CAPSPEC_TEXT_MAX];
        snprintf(d->why, sizeof(d->why),
                 "gpio: asked for %s on pins %s; the rules grant %s on pins %s",
                 capspec_format_rights(r1, sizeof(r1), rights_asked),
                 capspec_format_pins(p1, sizeof(p1), asked),
                 capspec_format_rights(r2, sizeof(r2), all_rights),
                 capspec_format_pins(p2, sizeof(p2), granted));
        return;
    }
    d->allowed = true;
    d->rights = rights;
    d->sel.gpio.pins = pins;
    for (size_t i = 0; i < c->count; i++) {
        const struct policy_grant *g = &c->rule[i]->grant[slot];
        if ((g->sel.gpio.pins & pins) && (g->rights & rights))
            account(d, c->rule[i], now_ns);
    }
}

static void decide_timers(const struct candidates *c, size_t slot, const struct cap_want *want,
                          uint64_t now_ns, struct decision *d)
{
    uint32_t rights_asked = want->rights ? want->rights : HSX_CAP_R_TIMER_ALL;
    uint32_t granted = 0;

    for (size_t i = 0; i < c->count; i++)
        granted |= c->rule[i]->grant[slot].rights;
    uint32_t rights = granted & rights_asked;
    if (!rights) {
        char r1[CAPSPEC_TEXT_MAX], r2[CAPSPEC_TEXT_MAX];
        snprintf(d->why, sizeof(d->why), "timer: asked for %s; the rules grant %s",
                 capspec_format_rights(r1, sizeof(r1), rights_asked),
                 capspec_format_rights(r2, sizeof(r2), granted));
        return;
    }

    /* Each right's quota is the largest a rule gives with it; the capability gets the least. */
    uint32_t quota = want->sel.timer.max_timers ? want->sel.timer.max_timers : UINT32_MAX;
    for (uint32_t bit = 1; bit; bit <<= 1) {
        if (!(rights & bit))
            continue;
        uint32_t best = 0;
        for (size_t i = 0; i < c->count; i++) {
            const struct policy_grant *g = &c->rule[i]->grant[slot];
            if ((g->rights & bit) && g->sel.timer.max_timers > best)
                best = g->sel.timer.max_timers;
        }
        if (best < quota)
            quota = best;
    }
    d->allowed = true;
    d->rights = rights;
    d->sel.timer.max_timers = quota;
    for (size_t i = 0; i < c->count; i++) {
        if (c->rule[i]->grant[slot].rights & rights)
            account(d, c->rule[i], now_ns);
    }
}

bool decide(const struct policy *policy, const struct policy_rule *extra, size_t nextra,
            const struct identity *id, const struct cap_want *want, uint64_t now_ns,
            struct decision *d)
{
    /* Too large for the stack of a small embedded thread: one per process is enough. */
    static struct candidates c;
    const struct capspec_module *m = capspec_module_by_id(want->module);

    memset(d, 0, sizeof(*d));
    if (!m) {
        snprintf(d->why, sizeof(d->why), "hsxd grants no capabilities for module 0x%x",
                 want->module);
        return false;
    }
    size_t slot = (size_t)(m - capspec_modules);
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
    if (m->kind == CAPSPEC_SEL_PINS)
        decide_pins(&c, slot, want, now_ns, d);
    else
        decide_timers(&c, slot, want, now_ns, d);
    if (d->allowed && want->lifetime_s && want->lifetime_s < d->lifetime_s)
        d->lifetime_s = want->lifetime_s;
    return d->allowed;
}

bool decision_covers(const struct decision *d, uint32_t module, uint32_t rights,
                     const union hsx_cap_selector *sel)
{
    const struct capspec_module *m = capspec_module_by_id(module);

    if (!d->allowed || !m || (rights & ~d->rights))
        return false;
    if (m->kind == CAPSPEC_SEL_PINS)
        return (sel->gpio.pins & ~d->sel.gpio.pins) == 0;
    return sel->timer.max_timers <= d->sel.timer.max_timers;
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
